/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "chk-app-format.h"
#include "chk-duration.h"
#include "chk-editor-util.h"
#include "chk-job-item.h"
#include "chk-job-page-private.h"
#include "chk-job-spec.h"
#include "chk-schedule.h"
#include "chk-toast.h"

static const char *
alert_text (const char *when)
{
  if (g_strcmp0 (when, "always") == 0)
    return _("After every run");
  if (g_strcmp0 (when, "never") == 0)
    return _("Never");
  if (g_strcmp0 (when, "failure") == 0)
    return _("When a run fails");
  return chk_nonnull (when);
}

/* Details */

/* What a run of the job may use. An HTTP check runs no process: none. */
static void
update_limits (ChkJobPage *self)
{
  ChkJob1 *job = self->job;
  g_autofree char *max_tasks = NULL;
  g_autofree char *memory_max = NULL;
  g_autofree char *cpu_weight = NULL;
  guint tasks = chk_job1_get_max_tasks (job);
  guint64 bytes = chk_job1_get_memory_max (job);
  guint weight = chk_job1_get_cpu_weight (job);

  gtk_widget_set_visible (GTK_WIDGET (self->max_tasks_row), !_chk_job_page_is_check (job));
  gtk_widget_set_visible (GTK_WIDGET (self->memory_max_row), !_chk_job_page_is_check (job));
  gtk_widget_set_visible (GTK_WIDGET (self->cpu_weight_row), !_chk_job_page_is_check (job));

  if (tasks == 0)
    /* Translators: the default-max-tasks setting applies, e.g. "Default (1,024)" */
    max_tasks = g_strdup_printf (_("Default (%'u)"), self->default_max_tasks);
  else
    /* Translators: processes and threads a run may have at once */
    max_tasks = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Up to %'u process or thread",
                                              "Up to %'u processes and threads", tasks), tasks);
  _chk_job_page_set_subtitle (self->max_tasks_row, max_tasks);

  if (bytes == 0)
    memory_max = g_strdup (_("None"));
  else
    /* As every size is shown (the editor reads these units too) */
    memory_max = g_format_size (bytes);
  _chk_job_page_set_subtitle (self->memory_max_row, memory_max);

  if (weight == 0 || weight == CHK_JOB_SPEC_DEFAULT_CPU_WEIGHT)
    /* Translators: the CPU weight every job has unless told otherwise, e.g. "Default (100)" */
    cpu_weight = g_strdup_printf (_("Default (%u)"), CHK_JOB_SPEC_DEFAULT_CPU_WEIGHT);
  else if (weight > CHK_JOB_SPEC_DEFAULT_CPU_WEIGHT)
    /* Translators: a CPU weight above the default of 100, e.g. "400: more CPU than other runs" */
    cpu_weight = g_strdup_printf (_("%'u: more CPU than other runs"), weight);
  else
    /* Translators: a CPU weight below the default of 100, e.g. "20: less CPU than other runs" */
    cpu_weight = g_strdup_printf (_("%'u: less CPU than other runs"), weight);
  _chk_job_page_set_subtitle (self->cpu_weight_row, cpu_weight);
}

void
_chk_job_page_settings_done_cb (GObject      *object,
                                GAsyncResult *result,
                                gpointer      user_data)
{
  g_autoptr(ChkJobPage) self = user_data;
  g_autoptr(GVariant) settings = NULL;
  g_autoptr(GError) error = NULL;
  guint32 default_max_tasks;

  if (!chk_scheduler1_call_get_settings_finish (CHK_SCHEDULER1 (object), &settings, result, &error))
    {
      /* The default stays the documented one. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Could not read the scheduler's settings: %s", error->message);
      return;
    }

  if (g_variant_lookup (settings, "default-max-tasks", "u", &default_max_tasks) &&
      default_max_tasks != self->default_max_tasks)
    {
      self->default_max_tasks = default_max_tasks;
      if (self->job != NULL)
        update_limits (self);
    }
}

/* Environment */

typedef struct
{
  ChkJobPage *self;
  guint       generation;
  gboolean    copy;
} EnvironmentData;

/* The variables' names, sorted, and their values in the same order */
static char **
sorted_variables (GVariant   *environment,
                  char     ***out_values)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) by_name = g_hash_table_new (g_str_hash, g_str_equal);
  GVariantIter iter;
  const char *name, *value;

  g_variant_iter_init (&iter, environment);
  while (g_variant_iter_next (&iter, "{&s&s}", &name, &value))
    {
      g_hash_table_insert (by_name, (gpointer) name, (gpointer) value);
      g_ptr_array_add (names, g_strdup (name));
    }
  /* Byte by byte, as in the C locale */
  g_ptr_array_sort (names, chk_compare_strings);
  for (guint i = 0; i < names->len; i++)
    g_ptr_array_add (values, g_strdup (g_hash_table_lookup (by_name, names->pdata[i])));
  g_ptr_array_add (names, NULL);
  g_ptr_array_add (values, NULL);
  *out_values = (char **) g_ptr_array_free (g_steal_pointer (&values), FALSE);
  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

/* NAME=value lines, sorted by name, as the Copy button gives them. Values
 * are as they are: one with a newline in it spans lines, as `env` prints it. */
static char *
environment_text (GVariant *environment)
{
  g_auto(GStrv) values = NULL;
  g_auto(GStrv) names = sorted_variables (environment, &values);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; names[i] != NULL; i++)
    g_string_append_printf (text, "%s=%s\n", names[i], values[i]);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* The subtitle: the job's own variables, by name (their values and the
 * rest show when the row is expanded). A check runs no process: none. */
static void
update_environment_summary (ChkJobPage *self)
{
  GVariant *own = chk_job1_get_environment (self->job);
  g_autofree char *subtitle = NULL;
  gboolean check = _chk_job_page_is_check (self->job);

  gtk_widget_set_visible (self->environment_group, !check);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "job-page.copy-environment", !check);
  if (own != NULL && g_variant_n_children (own) > 0)
    {
      g_auto(GStrv) values = NULL;
      g_auto(GStrv) names = sorted_variables (own, &values);
      g_autofree char *list = g_strjoinv (", ", names);

      /* Translators: %s lists the variables the job sets, e.g. "LANG, TZ" */
      subtitle = g_strdup_printf (_("The session’s, with %s set by the job"), list);
    }
  else
    {
      subtitle = g_strdup (_("The session’s, with none set by the job"));
    }
  adw_expander_row_set_subtitle (self->environment_row, subtitle);
}

void
_chk_job_page_clear_environment_rows (ChkJobPage *self)
{
  for (guint i = 0; i < self->environment_rows->len; i++)
    adw_expander_row_remove (self->environment_row, g_ptr_array_index (self->environment_rows, i));
  g_ptr_array_set_size (self->environment_rows, 0);
}

/* Rows under the expander say, they do nothing: no Tab stops in there */
static void
add_environment_row (ChkJobPage *self,
                     GtkWidget  *row)
{
  gtk_widget_set_focusable (row, FALSE);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  adw_expander_row_add_row (self->environment_row, row);
  /* The expander's own list of them: a list offered the focus gives it to
   * its first row whether that takes it or not, and Tab stops there, on
   * nothing. Skipped whole, Tab goes from the header to what follows. */
  gtk_widget_set_can_focus (gtk_widget_get_parent (row), FALSE);
  g_ptr_array_add (self->environment_rows, row);
}

/* A spinner while the first answer is awaited; rows already shown stay
 * until the new ones come, so that a reload does not flicker. */
static void
show_environment_loading (ChkJobPage *self)
{
  GtkWidget *row, *spinner;

  if (self->environment_rows->len > 0)
    return;

  spinner = g_object_new (GTK_TYPE_SPINNER,
                          "spinning", TRUE,
                          "halign", GTK_ALIGN_CENTER,
                          "margin-top", 12,
                          "margin-bottom", 12,
                          NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spinner), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Reading the environment"), -1);
  row = gtk_list_box_row_new ();
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), spinner);
  add_environment_row (self, row);
}

static void
show_environment_error (ChkJobPage *self,
                        const char *message)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = g_object_new (GTK_TYPE_IMAGE,
                                  "icon-name", "dialog-warning-symbolic",
                                  "valign", GTK_ALIGN_CENTER,
                                  "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                                  NULL);

  _chk_job_page_clear_environment_rows (self);
  gtk_widget_add_css_class (icon, "warning");
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Could Not Read the Environment"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), message);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  add_environment_row (self, row);
}

/* One row a variable, NAME=value in one selectable label that wraps
 * anywhere (paths and lists have no spaces) and without hyphens, which
 * would read as part of the value. */
static GtkWidget *
create_variable_row (const char *name,
                     const char *value)
{
  g_autofree char *text = g_strdup_printf ("%s=%s", name, value);
  g_autoptr(PangoAttrList) attributes = pango_attr_list_new ();
  PangoAttribute *bold = pango_attr_weight_new (PANGO_WEIGHT_BOLD);
  GtkWidget *row = adw_preferences_row_new ();
  GtkWidget *label;

  bold->end_index = strlen (name);
  pango_attr_list_insert (attributes, bold);
  pango_attr_list_insert (attributes, pango_attr_insert_hyphens_new (FALSE));
  label = g_object_new (GTK_TYPE_LABEL,
                        "label", text,
                        "attributes", attributes,
                        "xalign", 0.0f,
                        "hexpand", TRUE,
                        "wrap", TRUE,
                        "wrap-mode", PANGO_WRAP_CHAR,
                        "selectable", TRUE,
                        /* Selectable with the pointer; Tab passes by */
                        "focusable", FALSE,
                        "margin-start", 12,
                        "margin-end", 12,
                        "margin-top", 8,
                        "margin-bottom", 8,
                        NULL);
  gtk_widget_add_css_class (label, "monospace");
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
  return row;
}

static void
show_environment (ChkJobPage *self,
                  GVariant   *environment)
{
  g_auto(GStrv) values = NULL;
  g_auto(GStrv) names = sorted_variables (environment, &values);

  _chk_job_page_clear_environment_rows (self);
  for (guint i = 0; names[i] != NULL; i++)
    add_environment_row (self, create_variable_row (names[i], values[i]));
  if (names[0] == NULL)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No Variables"));
      add_environment_row (self, row);
    }
}

static void
environment_done_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  EnvironmentData *data = user_data;
  g_autoptr(ChkJobPage) self = data->self;
  gboolean copy = data->copy;
  gboolean latest = data->generation == self->environment_generation;
  g_autoptr(GVariant) environment = NULL;
  g_autoptr(GError) error = NULL;

  g_free (data);

  if (!chk_job1_call_get_environment_finish (CHK_JOB1 (object), &environment, result, &error))
    {
      g_autofree char *message = NULL;

      /* Another job is shown: its own calls are under way */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_dbus_error_strip_remote_error (error);
      if (copy)
        {
          /* Translators: %s says why the daemon could not say a job's environment */
          message = g_strdup_printf (_("Could not copy the environment: %s"), error->message);
          chk_widget_add_toast (GTK_WIDGET (self), message);
        }
      if (latest && chk_job_has_proxy (self->job, object))
        show_environment_error (self, error->message);
      return;
    }

  if (!chk_job_has_proxy (self->job, object))
    return;
  if (copy)
    {
      g_autofree char *text = environment_text (environment);

      gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
      chk_widget_add_toast (GTK_WIDGET (self), _("Environment copied"));
    }
  /* The latest answer, whoever asked (a copy too) */
  if (latest)
    show_environment (self, environment);
}

/* Asks the daemon what the next run gets; @copy puts it on the clipboard
 * too. Each call reads the session's environment anew. */
void
_chk_job_page_load_environment (ChkJobPage *self,
                                gboolean    copy)
{
  EnvironmentData *data;

  if (self->job == NULL || _chk_job_page_is_check (self->job))
    return;

  data = g_new0 (EnvironmentData, 1);
  data->self = g_object_ref (self);
  data->generation = ++self->environment_generation;
  data->copy = copy;
  show_environment_loading (self);
  chk_job1_call_get_environment (chk_job_get_proxy (self->job), self->cancellable,
                                 environment_done_cb, data);
}

void
_chk_job_page_environment_expanded_cb (ChkJobPage *self)
{
  if (adw_expander_row_get_expanded (self->environment_row))
    _chk_job_page_load_environment (self, FALSE);
}

/* Only what the environment is made of: the variables, the working
 * directory (PWD), the name (CHRONIKER_JOB_NAME), the kind of job */
void
_chk_job_page_job_properties_changed_cb (ChkJob1    *job,
                                         GVariant   *changed,
                                         GStrv       invalidated,
                                         ChkJobPage *self)
{
  const char *inputs[] = { "Environment", "WorkingDirectory", "Name", "CheckUrl" };
  gboolean reload = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (inputs) && !reload; i++)
    {
      g_autoptr(GVariant) value = g_variant_lookup_value (changed, inputs[i], NULL);

      reload = value != NULL ||
               (invalidated != NULL && g_strv_contains ((const char * const *) invalidated, inputs[i]));
    }
  if (reload && adw_expander_row_get_expanded (self->environment_row))
    _chk_job_page_load_environment (self, FALSE);
}

void
_chk_job_page_copy_environment_action (GtkWidget  *widget,
                                       const char *action_name,
                                       GVariant   *parameter)
{
  _chk_job_page_load_environment (CHK_JOB_PAGE (widget), TRUE);
}

void
_chk_job_page_update_details (ChkJobPage *self)
{
  ChkJob1 *job = self->job;
  g_autofree char *command = NULL;
  g_autofree char *schedule = NULL;
  g_autofree char *timezone = NULL;
  g_autofree char *timeout = NULL;
  g_autofree char *keep = NULL;
  g_autofree char *output_size = NULL;
  g_autofree char *runs = NULL;
  g_autofree char *email_to = NULL;
  const char *shell, *directory, *schedule_text, *schedule_description, *zone;
  const char *host;
  const char * const *addresses;
  guint max_runs;

  if (job == NULL)
    return;

  shell = chk_job1_get_shell (job);
  command = _chk_job_page_command_text (job);
  if (_chk_job_page_is_check (job))
    {
      g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
      const char *contains = chk_job1_get_check_contains (job);
      g_autofree char *expects = NULL;
      g_autofree char *text = NULL;

      /* Translators: what an HTTP check expects, e.g. "Expects status 200" */
      g_ptr_array_add (parts, g_strdup_printf (_("Expects status %u"),
                                               chk_job1_get_check_expect_status (job)));
      if (contains != NULL && contains[0] != '\0')
        /* Translators: the text an HTTP check's answer must hold */
        g_ptr_array_add (parts, g_strdup_printf (_("containing “%s”"), contains));
      expects = _chk_job_page_join_parts (parts);
      text = g_strdup_printf ("%s\n%s", command, expects);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->command_row), _("HTTP Check"));
      _chk_job_page_set_subtitle (self->command_row, text);
      /* A URL and words, not code */
      gtk_widget_remove_css_class (GTK_WIDGET (self->command_row), "chk-job-page-monospace");
      gtk_widget_set_tooltip_text (self->copy_command_button, _("Copy URL"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->copy_command_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Copy URL"), -1);
    }
  else
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->command_row),
                                     shell != NULL && shell[0] != '\0' ? _("Shell Command") : _("Command"));
      _chk_job_page_set_subtitle (self->command_row, command);
      gtk_widget_add_css_class (GTK_WIDGET (self->command_row), "chk-job-page-monospace");
      gtk_widget_set_tooltip_text (self->copy_command_button, _("Copy Command"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->copy_command_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Copy Command"), -1);
    }
  /* A check runs no process: no folder (nor variables, below). */
  gtk_widget_set_visible (GTK_WIDGET (self->directory_row), !_chk_job_page_is_check (job));

  {
    const char *alert_error = chk_job1_get_last_alert_error (job);

    _chk_job_page_set_subtitle (self->alert_error_row, alert_error);
    gtk_widget_set_visible (GTK_WIDGET (self->alert_error_row),
                            alert_error != NULL && alert_error[0] != '\0');
  }

  _chk_job_page_update_monitor_row (self);

  directory = chk_job1_get_working_directory (job);
  _chk_job_page_set_subtitle (self->directory_row, directory != NULL && directory[0] != '\0' ? directory : _("Home folder"));

  update_environment_summary (self);

  schedule_text = chk_job1_get_schedule (job);
  schedule_description = chk_job1_get_schedule_description (job);
  if (schedule_text == NULL || schedule_text[0] == '\0')
    schedule = g_strdup (_("Manual only"));
  else if (schedule_description != NULL && schedule_description[0] != '\0' &&
           g_strcmp0 (schedule_description, schedule_text) != 0)
    schedule = g_strdup_printf ("%s\n%s", schedule_description, schedule_text);
  else
    schedule = g_strdup (schedule_text);
  _chk_job_page_set_subtitle (self->schedule_row, schedule);

  zone = chk_job1_get_timezone (job);
  if (zone != NULL && zone[0] != '\0')
    {
      timezone = g_strdup (zone);
    }
  else
    {
      g_autoptr(GTimeZone) local = g_time_zone_new_local ();
      const char *identifier = g_time_zone_get_identifier (local);

      if (identifier != NULL && identifier[0] != '\0' && identifier[0] != ':' && identifier[0] != '/')
        /* Translators: %s is a time zone such as "Europe/Paris" */
        timezone = g_strdup_printf (_("The system’s (%s)"), identifier);
      else
        timezone = g_strdup (_("The system’s"));
    }
  _chk_job_page_set_subtitle (self->timezone_row, timezone);

  /* Only in a fleet: which of its hosts runs the job */
  host = chk_job1_get_host (job);
  gtk_widget_set_visible (GTK_WIDGET (self->host_row), host != NULL && host[0] != '\0');
  if (host != NULL && host[0] != '\0')
    _chk_job_page_set_subtitle (self->host_row, g_str_equal (host, CHK_JOB_SPEC_EVERY_HOST)
                                                ? _("Every host") : host);

  if (_chk_job_page_is_check (job))
    {
      g_autofree char *duration = chk_duration_format (chk_job1_get_check_timeout (job));

      /* Translators: how long an HTTP check waits for its answer, e.g. "Fails after 30 s" */
      timeout = g_strdup_printf (_("Fails after %s without an answer"), duration);
    }
  else if (chk_job1_get_timeout (job) == 0)
    {
      timeout = g_strdup (_("None"));
    }
  else
    {
      g_autofree char *duration = chk_duration_format (chk_job1_get_timeout (job));

      /* Translators: e.g. "Stopped after 10 min" */
      timeout = g_strdup_printf (_("Stopped after %s"), duration);
    }
  _chk_job_page_set_subtitle (self->timeout_row, timeout);

  _chk_job_page_set_subtitle (self->catch_up_row, chk_job1_get_catch_up (job)
                                    ? _("Made up by one run when the scheduler is back")
                                    : _("Skipped"));

  max_runs = chk_job1_get_max_runs (job);
  output_size = g_format_size (chk_job1_get_max_output_bytes (job));
  if (max_runs == 0)
    runs = g_strdup (_("Every run"));
  else
    runs = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "The last %u run", "The last %u runs", max_runs),
                            max_runs);
  /* Translators: e.g. "The last 100 runs, with up to 16.8 MB of output each" */
  keep = g_strdup_printf (_("%s, with up to %s of output each"), runs, output_size);
  _chk_job_page_set_subtitle (self->keep_row, keep);

  /* Said only when on: off is what everyone expects */
  gtk_widget_set_visible (GTK_WIDGET (self->merge_stderr_row),
                          chk_job1_get_merge_stderr (job) && !_chk_job_page_is_check (job));
  _chk_job_page_set_subtitle (self->merge_stderr_row, _("Merged into stdout, in exact order (2>&1)"));

  update_limits (self);

  _chk_job_page_set_subtitle (self->notify_row, alert_text (chk_job1_get_notify_on (job)));
  _chk_job_page_set_subtitle (self->email_row, alert_text (chk_job1_get_email_on (job)));
  addresses = chk_job1_get_email_to (job);
  if (addresses != NULL && addresses[0] != NULL)
    email_to = g_strjoinv (", ", (char **) addresses);
  else
    email_to = g_strdup (_("Nobody"));
  _chk_job_page_set_subtitle (self->email_to_row, email_to);

  {
    const char *webhook = chk_job1_get_webhook_url (job);

    _chk_job_page_set_subtitle (self->webhook_row, webhook != NULL && webhook[0] != '\0'
                                     ? webhook : _("The one in Preferences, if any"));
  }
}

/* Next runs */

void
_chk_job_page_clear_next_run_rows (ChkJobPage *self)
{
  for (guint i = 0; i < self->next_run_rows->len; i++)
    adw_preferences_group_remove (self->next_runs_group, g_ptr_array_index (self->next_run_rows, i));
  g_ptr_array_set_size (self->next_run_rows, 0);
}

/* Those on screen (the Details tab); returns when they next change */
gint64
_chk_job_page_update_next_run_times (ChkJobPage *self)
{
  gint64 now = g_get_real_time ();
  gint64 change = G_MAXINT64;

  for (guint i = 0; i < self->next_run_rows->len && i < self->n_next_runs; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->next_run_rows, i);
      GtkLabel *label = g_object_get_data (G_OBJECT (row), "chk-relative");
      g_autofree char *relative = NULL;

      if (!gtk_widget_get_mapped (row))
        continue;
      relative = chk_format_relative_time (self->next_runs[i], now);
      gtk_label_set_text (label, relative);
      change = MIN (change, chk_format_relative_time_next_change (self->next_runs[i], now));
    }
  return change;
}

void
_chk_job_page_update_next_runs (ChkJobPage *self)
{
  ChkJob1 *job = self->job;
  g_autoptr(ChkSchedule) schedule = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GTimeZone) local = NULL;
  g_autoptr(GError) error = NULL;
  gboolean other_zone;
  const char *zone;

  _chk_job_page_clear_next_run_rows (self);
  self->n_next_runs = 0;
  if (job == NULL)
    return;

  schedule = chk_schedule_parse (chk_nonnull (chk_job1_get_schedule (job)), &error);
  if (schedule == NULL)
    {
      adw_preferences_group_set_description (self->next_runs_group, error->message);
      return;
    }
  if (chk_schedule_get_kind (schedule) == CHK_SCHEDULE_MANUAL)
    {
      adw_preferences_group_set_description (self->next_runs_group,
                                             _("None: the job is manual only and runs with Run Now"));
      return;
    }

  zone = chk_nonnull (chk_job1_get_timezone (job));
  tz = chk_time_zone_new (zone, &error);
  if (tz == NULL)
    {
      adw_preferences_group_set_description (self->next_runs_group, error->message);
      return;
    }
  local = g_time_zone_new_local ();
  other_zone = zone[0] != '\0' &&
               g_strcmp0 (g_time_zone_get_identifier (tz), g_time_zone_get_identifier (local)) != 0;

  self->n_next_runs = chk_schedule_next_runs (schedule, tz, chk_job1_get_start (job),
                                              g_get_real_time (), self->next_runs, N_NEXT_RUNS);
  if (self->n_next_runs == 0)
    adw_preferences_group_set_description (self->next_runs_group, _("None: the schedule has no more runs"));
  else if (!chk_job1_get_enabled (job))
    adw_preferences_group_set_description (self->next_runs_group,
                                           _("The job is disabled: these runs happen only once it is enabled"));
  else if (other_zone)
    {
      /* Translators: %s is a time zone such as "America/New_York" */
      g_autofree char *text = g_strdup_printf (_("In the job’s time zone, %s"), zone);

      adw_preferences_group_set_description (self->next_runs_group, text);
    }
  else
    adw_preferences_group_set_description (self->next_runs_group, NULL);

  for (guint i = 0; i < self->n_next_runs; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *relative = gtk_label_new (NULL);
      g_autofree char *when = _chk_job_page_format_time (self->next_runs[i], tz, other_zone);

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), when);
      /* It says, it does nothing: no Tab stop */
      gtk_widget_set_focusable (row, FALSE);
      gtk_widget_add_css_class (relative, "dim-label");
      gtk_widget_add_css_class (relative, "numeric");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), relative);
      g_object_set_data (G_OBJECT (row), "chk-relative", relative);
      if (!chk_job1_get_enabled (job))
        gtk_widget_add_css_class (row, "dim-label");
      adw_preferences_group_add (self->next_runs_group, row);
      g_ptr_array_add (self->next_run_rows, row);
    }
  _chk_job_page_update_next_run_times (self);
}
