/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "chk-argv-editor.h"
#include "chk-duration.h"
#include "chk-editor-util.h"
#include "chk-environment-editor-private.h"
#include "chk-error.h"
#include "chk-job-editor-private.h"
#include "chk-job-spec.h"
#include "chk-message-label.h"
#include "chk-schedule-builder-private.h"
#include "chk-window.h"

/* How long to wait for a created job to show up in the list before giving up on selecting it. */
#define SELECT_TIMEOUT_SECONDS 10
/* The default-max-tasks setting's own default (DESIGN §7), until it is read */
#define DEFAULT_MAX_TASKS 1024
/* The least memory-max the daemon takes, other than 0 for none */
#define MIN_MEMORY_MAX (G_GUINT64_CONSTANT (1) << 20)
/* What a new monitor checks by: every 5 minutes */
#define MONITOR_SCHEDULE "*/5 * * * *"

/* Alert choices, in the order of the combo rows' models */
static const char * const alert_values[] = { "failure", "always", "never" };

G_DEFINE_FINAL_TYPE (ChkJobEditor, chk_job_editor, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_MODEL,
  PROP_JOB,
  PROP_DUPLICATE,
  PROP_MONITOR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define MEMBER(name) G_STRUCT_OFFSET (ChkJobEditor, name)
#define NO_WIDGET (-1)

/* Each field: the spec keys that the daemon's errors about it name, the
 * label under its group that shows them, and the widget that gets the
 * error style and the focus (the command's depends on its mode). */
static const struct
{
  const char *keys[3];
  glong       label;
  glong       widget;
} fields[N_FIELDS] = {
  [FIELD_NAME] = { { "name" }, MEMBER (general_error), MEMBER (name_row) },
  [FIELD_DESCRIPTION] = { { "description" }, MEMBER (general_error), MEMBER (description_row) },
  [FIELD_COMMAND] = { { "command", "shell" }, MEMBER (command_error), MEMBER (program_row) },
  [FIELD_CHECK_URL] = { { "check-url" }, MEMBER (command_error), MEMBER (check_url_row) },
  [FIELD_CHECK_STATUS] = { { "check-expect-status" }, MEMBER (check_error), MEMBER (check_status_spin) },
  [FIELD_CHECK_CONTAINS] = { { "check-contains" }, MEMBER (check_error), MEMBER (check_contains_row) },
  [FIELD_CHECK_TIMEOUT] = { { "check-timeout" }, MEMBER (check_error), MEMBER (check_timeout_spin) },
  [FIELD_WORKING_DIRECTORY] = { { "working-directory" }, MEMBER (environment_error), MEMBER (workdir_row) },
  [FIELD_ENVIRONMENT] = { { "environment" }, MEMBER (environment_error), NO_WIDGET },
  [FIELD_SCHEDULE] = { { "schedule", "start" }, MEMBER (schedule_error), MEMBER (schedule_entry) },
  [FIELD_TIMEZONE] = { { "timezone" }, MEMBER (schedule_error), MEMBER (timezone_entry) },
  [FIELD_TIMEOUT] = { { "timeout" }, MEMBER (runs_error), MEMBER (timeout_row) },
  [FIELD_MAX_RUNS] = { { "max-runs" }, MEMBER (runs_error), MEMBER (max_runs_spin) },
  [FIELD_MAX_TASKS] = { { "max-tasks" }, MEMBER (limits_error), MEMBER (max_tasks_spin) },
  [FIELD_MEMORY_MAX] = { { "memory-max" }, MEMBER (limits_error), MEMBER (memory_max_row) },
  [FIELD_CPU_WEIGHT] = { { "cpu-weight" }, MEMBER (limits_error), MEMBER (cpu_weight_spin) },
  [FIELD_MONITOR] = { { "is-monitor" }, MEMBER (monitor_error), MEMBER (monitor_switch) },
  [FIELD_MONITOR_URL] = { { "monitor-url" }, MEMBER (monitor_error), MEMBER (monitor_url_row) },
  [FIELD_ALERTS] = { { "notify-on", "email-on" }, MEMBER (alerts_error), MEMBER (notify_on_row) },
  [FIELD_EMAIL_TO] = { { "email-to" }, MEMBER (alerts_error), MEMBER (email_to_row) },
  [FIELD_WEBHOOK_URL] = { { "webhook-url" }, MEMBER (alerts_error), MEMBER (webhook_row) },
};

/* Small helpers */

static gboolean
is_blank (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isspace (*p))
        return FALSE;
    }
  return TRUE;
}

char *
_chk_job_editor_shell_text (ChkJobEditor *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->shell_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

gboolean
_chk_job_editor_shell_mode (ChkJobEditor *self)
{
  return gtk_toggle_button_get_active (self->shell_toggle);
}

/* An HTTP check (check-url) rather than a command */
gboolean
_chk_job_editor_check_mode (ChkJobEditor *self)
{
  return gtk_toggle_button_get_active (self->check_toggle);
}

static gboolean
editing (ChkJobEditor *self)
{
  return self->job != NULL && !self->duplicate;
}

static guint
alert_index (const char *value)
{
  for (guint i = 0; i < G_N_ELEMENTS (alert_values); i++)
    {
      if (g_strcmp0 (value, alert_values[i]) == 0)
        return i;
    }
  return 0;
}

static const char *
alert_value (AdwComboRow *row)
{
  guint selected = adw_combo_row_get_selected (row);

  return alert_values[MIN (selected, G_N_ELEMENTS (alert_values) - 1)];
}

static guint
spin_value (GtkSpinButton *spin)
{
  return (guint) gtk_spin_button_get_value_as_int (spin);
}

/* A duration that chk_duration_parse() reads back exactly, such as "1h30m"
 * (chk_duration_format() is for reading, and rounds). */
static char *
format_duration (guint64 seconds)
{
  static const struct
  {
    char    unit;
    guint64 seconds;
  } units[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    {
      if (seconds >= units[i].seconds)
        {
          g_string_append_printf (text, "%" G_GUINT64_FORMAT "%c", seconds / units[i].seconds, units[i].unit);
          seconds %= units[i].seconds;
        }
    }
  return g_string_free (text, FALSE);
}

/* A size that chk_size_parse() reads back exactly, such as "512M"; "" for 0. */
static char *
format_size (guint64 bytes)
{
  static const struct
  {
    const char *unit;
    guint       shift;
  } units[] = { { "G", 30 }, { "M", 20 }, { "K", 10 } };

  if (bytes == 0)
    return g_strdup ("");
  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    {
      if (bytes % (G_GUINT64_CONSTANT (1) << units[i].shift) == 0)
        return g_strdup_printf ("%" G_GUINT64_FORMAT "%s", bytes >> units[i].shift, units[i].unit);
    }
  return g_strdup_printf ("%" G_GUINT64_FORMAT, bytes);
}

/* The job's spec keys that the editor shows, from its properties. */
GVariant *
_chk_job_editor_spec_from_job (ChkJob1 *job)
{
  g_autoptr(GHashTable) variables = g_hash_table_new (g_str_hash, g_str_equal);
  const char * const empty[] = { NULL };
  const char * const *command = chk_job1_get_command (job);
  const char * const *email_to = chk_job1_get_email_to (job);
  const char *shell = chk_job1_get_shell (job);
  const char *check_url = chk_job1_get_check_url (job);
  GVariant *environment = chk_job1_get_environment (job);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string (nonnull (chk_job1_get_name (job))));
  g_variant_builder_add (&builder, "{sv}", "description",
                         g_variant_new_string (nonnull (chk_job1_get_description (job))));
  /* One of the three; check-url always, "" unless it is a check, as the editor sends it. */
  if (check_url != NULL && check_url[0] != '\0')
    ;
  else if (shell != NULL && shell[0] != '\0')
    g_variant_builder_add (&builder, "{sv}", "shell", g_variant_new_string (shell));
  else
    g_variant_builder_add (&builder, "{sv}", "command", g_variant_new_strv (command ? command : empty, -1));
  g_variant_builder_add (&builder, "{sv}", "check-url", g_variant_new_string (nonnull (check_url)));
  g_variant_builder_add (&builder, "{sv}", "check-expect-status",
                         g_variant_new_uint32 (chk_job1_get_check_expect_status (job)));
  g_variant_builder_add (&builder, "{sv}", "check-contains",
                         g_variant_new_string (nonnull (chk_job1_get_check_contains (job))));
  g_variant_builder_add (&builder, "{sv}", "check-timeout",
                         g_variant_new_uint32 (chk_job1_get_check_timeout (job)));
  g_variant_builder_add (&builder, "{sv}", "working-directory",
                         g_variant_new_string (nonnull (chk_job1_get_working_directory (job))));

  if (environment != NULL && g_variant_is_of_type (environment, G_VARIANT_TYPE ("a{ss}")))
    {
      GVariantIter iter;
      const char *name, *value;

      g_variant_iter_init (&iter, environment);
      while (g_variant_iter_next (&iter, "{&s&s}", &name, &value))
        g_hash_table_insert (variables, (gpointer) name, (gpointer) value);
    }
  g_variant_builder_add (&builder, "{sv}", "environment", chk_environment_variant_new (variables));

  g_variant_builder_add (&builder, "{sv}", "schedule", g_variant_new_string (nonnull (chk_job1_get_schedule (job))));
  g_variant_builder_add (&builder, "{sv}", "timezone", g_variant_new_string (nonnull (chk_job1_get_timezone (job))));
  g_variant_builder_add (&builder, "{sv}", "enabled", g_variant_new_boolean (chk_job1_get_enabled (job)));
  g_variant_builder_add (&builder, "{sv}", "timeout", g_variant_new_uint32 (chk_job1_get_timeout (job)));
  g_variant_builder_add (&builder, "{sv}", "catch-up", g_variant_new_boolean (chk_job1_get_catch_up (job)));
  g_variant_builder_add (&builder, "{sv}", "max-runs", g_variant_new_uint32 (chk_job1_get_max_runs (job)));
  g_variant_builder_add (&builder, "{sv}", "merge-stderr", g_variant_new_boolean (chk_job1_get_merge_stderr (job)));
  if (chk_job1_get_max_output_bytes (job) != 0)
    g_variant_builder_add (&builder, "{sv}", "max-output-bytes",
                           g_variant_new_uint64 (chk_job1_get_max_output_bytes (job)));
  g_variant_builder_add (&builder, "{sv}", "max-tasks", g_variant_new_uint32 (chk_job1_get_max_tasks (job)));
  g_variant_builder_add (&builder, "{sv}", "memory-max", g_variant_new_uint64 (chk_job1_get_memory_max (job)));
  /* 0 from a daemon without the property: the weight every job has there */
  g_variant_builder_add (&builder, "{sv}", "cpu-weight",
                         g_variant_new_uint32 (chk_job1_get_cpu_weight (job) != 0
                                               ? chk_job1_get_cpu_weight (job)
                                               : CHK_JOB_SPEC_DEFAULT_CPU_WEIGHT));
  g_variant_builder_add (&builder, "{sv}", "notify-on",
                         g_variant_new_string (alert_values[alert_index (chk_job1_get_notify_on (job))]));
  g_variant_builder_add (&builder, "{sv}", "email-on",
                         g_variant_new_string (alert_values[alert_index (chk_job1_get_email_on (job))]));
  g_variant_builder_add (&builder, "{sv}", "email-to", g_variant_new_strv (email_to ? email_to : empty, -1));
  g_variant_builder_add (&builder, "{sv}", "is-monitor",
                         g_variant_new_boolean (chk_job1_get_is_monitor (job)));
  g_variant_builder_add (&builder, "{sv}", "monitor-url",
                         g_variant_new_string (nonnull (chk_job1_get_monitor_url (job))));
  g_variant_builder_add (&builder, "{sv}", "webhook-url",
                         g_variant_new_string (nonnull (chk_job1_get_webhook_url (job))));

  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* What a new job starts with: the daemon's defaults. */
GVariant *
_chk_job_editor_default_spec (void)
{
  g_autoptr(ChkJobSpec) spec = chk_job_spec_new ();
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "schedule", g_variant_new_string (spec->schedule));
  g_variant_builder_add (&builder, "{sv}", "timezone", g_variant_new_string (spec->timezone));
  g_variant_builder_add (&builder, "{sv}", "enabled", g_variant_new_boolean (spec->enabled));
  g_variant_builder_add (&builder, "{sv}", "timeout", g_variant_new_uint32 (spec->timeout));
  g_variant_builder_add (&builder, "{sv}", "catch-up", g_variant_new_boolean (spec->catch_up));
  g_variant_builder_add (&builder, "{sv}", "max-runs", g_variant_new_uint32 (spec->max_runs));
  g_variant_builder_add (&builder, "{sv}", "merge-stderr", g_variant_new_boolean (spec->merge_stderr));
  g_variant_builder_add (&builder, "{sv}", "notify-on",
                         g_variant_new_string (chk_alert_on_to_string (spec->notify_on)));
  g_variant_builder_add (&builder, "{sv}", "email-on",
                         g_variant_new_string (chk_alert_on_to_string (spec->email_on)));
  g_variant_builder_add (&builder, "{sv}", "check-expect-status",
                         g_variant_new_uint32 (spec->check_expect_status));
  g_variant_builder_add (&builder, "{sv}", "check-timeout",
                         g_variant_new_uint32 (spec->check_timeout));
  g_variant_builder_add (&builder, "{sv}", "is-monitor", g_variant_new_boolean (spec->is_monitor));
  g_variant_builder_add (&builder, "{sv}", "max-tasks", g_variant_new_uint32 (spec->max_tasks));
  g_variant_builder_add (&builder, "{sv}", "memory-max", g_variant_new_uint64 (spec->memory_max));
  g_variant_builder_add (&builder, "{sv}", "cpu-weight", g_variant_new_uint32 (spec->cpu_weight));
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* Errors */

static GtkLabel *
field_label (ChkJobEditor *self,
             Field         field)
{
  return G_STRUCT_MEMBER (GtkLabel *, self, fields[field].label);
}

/* The widget that gets the error style and the focus. */
static GtkWidget *
field_widget (ChkJobEditor *self,
              Field         field)
{
  if (field == FIELD_COMMAND && _chk_job_editor_check_mode (self))
    return GTK_WIDGET (self->check_url_row);
  if (field == FIELD_COMMAND && _chk_job_editor_shell_mode (self))
    return GTK_WIDGET (self->shell_view);
  if (fields[field].widget == NO_WIDGET)
    return NULL;
  return G_STRUCT_MEMBER (GtkWidget *, self, fields[field].widget);
}

/* The field whose widget @widget is in the table */
Field
_chk_job_editor_field_for_widget (ChkJobEditor *self,
                  gpointer      widget)
{
  for (Field field = 0; field < N_FIELDS; field++)
    {
      if (fields[field].widget != NO_WIDGET &&
          G_STRUCT_MEMBER (gpointer, self, fields[field].widget) == widget)
        return field;
    }
  return FIELD_NONE;
}

static const char *
field_message (ChkJobEditor *self,
               Field         field)
{
  if (self->save_errors[field] != NULL)
    return self->save_errors[field];
  if (self->local_errors[field] != NULL)
    return self->local_errors[field];
  if (self->preview_error != NULL && self->preview_error_field == field)
    return self->preview_error;
  return NULL;
}

void
_chk_job_editor_update_errors (ChkJobEditor *self)
{
  /* Each label once, with the messages of all its fields */
  for (Field first = 0; first < N_FIELDS; first++)
    {
      GtkLabel *label = field_label (self, first);
      g_autoptr(GString) text = g_string_new (NULL);
      gboolean done = FALSE;

      for (Field field = 0; field < first && !done; field++)
        done = field_label (self, field) == label;
      if (done)
        continue;

      for (Field field = first; field < N_FIELDS; field++)
        {
          const char *message = field_message (self, field);

          if (message == NULL || field_label (self, field) != label)
            continue;
          if (text->len > 0)
            g_string_append_c (text, '\n');
          g_string_append (text, message);
        }

      chk_message_label_set_text (label, text->str);
      gtk_widget_set_visible (GTK_WIDGET (label), text->len > 0);
    }

  for (Field field = 0; field < N_FIELDS; field++)
    {
      GtkWidget *widget = field_widget (self, field);
      gboolean failed = field_message (self, field) != NULL;

      if (widget == NULL)
        continue;
      if (failed)
        gtk_widget_add_css_class (widget, "error");
      else
        gtk_widget_remove_css_class (widget, "error");
    }

  /* The editors of the command: the style stays on the ones not shown. */
  if (field_message (self, FIELD_COMMAND) == NULL)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->shell_view), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->program_row), "error");
      if (field_message (self, FIELD_CHECK_URL) == NULL)
        gtk_widget_remove_css_class (GTK_WIDGET (self->check_url_row), "error");
    }

  _chk_environment_editor_set_refused (self->environment_editor, self->save_errors[FIELD_ENVIRONMENT] != NULL);

  /* Save is for what can be saved. */
  _chk_job_editor_update_save_action (self);
}

static void
show_banner (ChkJobEditor *self,
             const char   *message)
{
  chk_message_label_set_text (self->banner_label, message);
  gtk_revealer_set_reveal_child (self->banner_revealer, TRUE);
}

/* Scrolls the page so that an error label under a focused row shows too. */
static gboolean
reveal_cb (gpointer user_data)
{
  g_autoptr(GtkWidget) label = user_data;
  GtkWidget *scrolled = gtk_widget_get_ancestor (label, GTK_TYPE_SCROLLED_WINDOW);
  double x, bottom;

  if (scrolled != NULL && gtk_widget_get_mapped (label) &&
      gtk_widget_translate_coordinates (label, scrolled, 0, gtk_widget_get_height (label), &x, &bottom))
    {
      GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
      double overflow = bottom + 12 - gtk_widget_get_height (scrolled);

      if (overflow > 0)
        gtk_adjustment_set_value (adjustment, gtk_adjustment_get_value (adjustment) + overflow);
    }
  return G_SOURCE_REMOVE;
}

void
_chk_job_editor_focus_field (ChkJobEditor *self,
             Field         field)
{
  GtkWidget *widget;

  if (field == FIELD_NONE)
    return;

  widget = field_widget (self, field);
  if (field == FIELD_ENVIRONMENT)
    {
      widget = _chk_environment_editor_get_variables_focus (self->environment_editor);
    }
  else if (field == FIELD_SCHEDULE)
    {
      widget = _chk_schedule_builder_get_schedule_focus (self->schedule_builder);
    }

  if (widget != NULL && gtk_widget_get_visible (widget))
    chk_focus_keeping_text (widget);

  /* After the focus has scrolled its row into view */
  g_idle_add_full (G_PRIORITY_LOW, reveal_cb, g_object_ref (field_label (self, field)), NULL);
}

/* Which field a refusal from the daemon is about: by its code, or by the
 * spec key it names outside its translated text (chk_error_get_key()). */
Field
_chk_job_editor_field_for_error (const GError *error)
{
  g_autofree char *key = chk_error_get_key (error);

  if (g_error_matches (error, CHK_ERROR, CHK_ERROR_ALREADY_EXISTS))
    return FIELD_NAME;
  if (g_error_matches (error, CHK_ERROR, CHK_ERROR_SHELL_DISABLED))
    return FIELD_COMMAND;

  for (Field field = 0; field < N_FIELDS && key != NULL; field++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (fields[field].keys) && fields[field].keys[i] != NULL; i++)
        {
          if (g_str_equal (key, fields[field].keys[i]))
            return field;
        }
    }

  /* A schedule's error names no other key. */
  if (g_error_matches (error, CHK_ERROR, CHK_ERROR_INVALID_SCHEDULE))
    return FIELD_SCHEDULE;

  return FIELD_NONE;
}

void
_chk_job_editor_clear_save_error (ChkJobEditor *self,
                  Field         field)
{
  g_assert (field < N_FIELDS);
  if (self->save_errors[field] == NULL)
    return;
  g_clear_pointer (&self->save_errors[field], g_free);
  _chk_job_editor_update_errors (self);
}

void
_chk_job_editor_set_local_error (ChkJobEditor *self,
                 Field         field,
                 const char   *message)
{
  if (g_strcmp0 (self->local_errors[field], message) == 0)
    return;
  g_free (self->local_errors[field]);
  self->local_errors[field] = g_strdup (message);
  _chk_job_editor_update_errors (self);
}

/* Command */

void
_chk_job_editor_update_save_action (ChkJobEditor *self)
{
  g_autofree char *name = g_strstrip (g_strdup (chk_editable_text (self->name_row)));
  gboolean command_filled;
  gboolean invalid = FALSE;

  if (_chk_job_editor_check_mode (self))
    {
      command_filled = !is_blank (chk_editable_text (self->check_url_row));
    }
  else if (_chk_job_editor_shell_mode (self))
    {
      g_autofree char *text = _chk_job_editor_shell_text (self);

      command_filled = !is_blank (text);
    }
  else
    {
      command_filled = chk_editable_text (self->program_row)[0] != '\0';
    }

  /* What the editor knows to be wrong (the daemon's refusals of a Save
   * excepted: another field may be the cure). */
  for (Field field = 0; field < N_FIELDS; field++)
    invalid |= self->local_errors[field] != NULL;
  invalid |= self->preview_error != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.save",
                                 !self->saving && name[0] != '\0' && command_filled && !invalid);
  /* Why Save does nothing, when the problem has scrolled out of sight */
  gtk_widget_set_tooltip_text (self->save_button,
                               invalid && !self->saving ? _("Correct the problems shown first") : NULL);
}

static void
update_shell_hint (ChkJobEditor *self)
{
  gboolean shell_job = editing (self) && g_variant_lookup (self->original, "shell", "&s", NULL);

  if (self->allow_shell)
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->shell_toggle), TRUE);
      gtk_widget_set_visible (GTK_WIDGET (self->shell_hint), FALSE);
      return;
    }

  if (shell_job)
    {
      /* The daemon keeps a shell job's line as it is, but refuses a new one. */
      gtk_label_set_text (self->shell_hint,
                          _("Shell commands are turned off in the scheduler’s preferences. "
                            "This job keeps its command line, but a changed one will be refused."));
    }
  else
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->shell_toggle), _chk_job_editor_shell_mode (self));
      gtk_label_set_text (self->shell_hint,
                          _("Shell commands are turned off in the scheduler’s preferences: "
                            "give the program and its arguments."));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->shell_hint), TRUE);
}

void
_chk_job_editor_update_command_mode (ChkJobEditor *self)
{
  gboolean shell = _chk_job_editor_shell_mode (self);
  gboolean check = _chk_job_editor_check_mode (self);

  gtk_widget_set_visible (GTK_WIDGET (self->program_row), !shell && !check);
  gtk_widget_set_visible (GTK_WIDGET (self->argv_editor), !shell && !check);
  gtk_widget_set_visible (GTK_WIDGET (self->shell_row), shell);
  gtk_widget_set_visible (GTK_WIDGET (self->check_url_row), check);
  gtk_widget_set_visible (GTK_WIDGET (self->check_group), check);
  /* A check runs no process: no folder, no variables, and its own time limit. */
  gtk_widget_set_visible (GTK_WIDGET (self->environment_editor), !check);
  gtk_widget_set_visible (GTK_WIDGET (self->timeout_row), !check);
  gtk_widget_set_visible (GTK_WIDGET (self->merge_stderr_row), !check);
  gtk_widget_set_visible (GTK_WIDGET (self->limits_group), !check);
  adw_preferences_group_set_description (self->runs_group,
                                         check ? NULL
                                         : _("An empty time limit lets a run take as long as it needs."));
  update_shell_hint (self);
  _chk_job_editor_update_errors (self);
  _chk_job_editor_update_save_action (self);
}

static void
mode_toggled_cb (ChkJobEditor    *self,
                 GtkToggleButton *button)
{
  /* The group first turns the other button off, before this one is on. */
  if (!gtk_toggle_button_get_active (button))
    return;

  _chk_job_editor_clear_save_error (self, FIELD_COMMAND);
  _chk_job_editor_clear_save_error (self, FIELD_CHECK_URL);
  _chk_job_editor_update_command_mode (self);

  /* Choosing how to give the command leads to where it is written. */
  if (!self->loading)
    chk_focus_keeping_text (_chk_job_editor_check_mode (self) ? GTK_WIDGET (self->check_url_row)
                        : _chk_job_editor_shell_mode (self) ? GTK_WIDGET (self->shell_view)
                        : GTK_WIDGET (self->program_row));
}

static void field_changed_cb (ChkJobEditor *self,
                              GtkWidget    *widget);

static char **
current_argv (ChkJobEditor *self)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  char **argv;

  g_auto(GStrv) arguments = chk_argv_editor_dup_arguments (self->argv_editor);

  g_strv_builder_add (builder, chk_editable_text (self->program_row));
  g_strv_builder_addv (builder, (const char **) arguments);
  argv = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return argv;
}

/* Settings */

/* What 0 means, with the daemon's number */
static void
update_max_tasks_hint (ChkJobEditor *self)
{
  /* Translators: the subtitle of Max Processes; %'u is the default-max-tasks setting, e.g. 1,024 */
  g_autofree char *text = g_strdup_printf (_("Processes and threads at once; 0 uses the default (%'u)"),
                                           self->default_max_tasks);

  adw_action_row_set_subtitle (self->max_tasks_row, text);
}

static void
settings_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  /* No ref: dispose cancels the call, and CANCELLED returns before self is used. */
  ChkJobEditor *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) settings = NULL;
  gboolean allow_shell = TRUE;

  if (!chk_scheduler1_call_get_settings_finish (CHK_SCHEDULER1 (object), &settings, result, &error))
    {
      /* The daemon says so on Save if shells are off. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Could not read the scheduler's settings: %s", error->message);
      return;
    }

  g_variant_lookup (settings, "allow-shell", "b", &allow_shell);
  self->allow_shell = allow_shell;
  update_shell_hint (self);
  g_variant_lookup (settings, "default-max-tasks", "u", &self->default_max_tasks);
  update_max_tasks_hint (self);
}

static void
fetch_from_scheduler (ChkJobEditor *self)
{
  ChkScheduler1 *scheduler = chk_job_model_get_scheduler (self->model);

  if (scheduler == NULL)
    return;
  chk_scheduler1_call_get_settings (scheduler, self->cancellable, settings_done_cb, self);
}

/* Opened before the daemon was reached, or reached again after a restart */
static void
model_state_changed_cb (ChkJobEditor *self,
                        GParamSpec   *pspec,
                        ChkJobModel  *model)
{
  if (chk_job_model_get_state (model) == CHK_JOB_MODEL_READY)
    fetch_from_scheduler (self);
}

/* Loading and building specs */

void
_chk_job_editor_load_spec (ChkJobEditor *self,
           GVariant     *spec)
{
  g_autofree const char **command = NULL;
  g_autofree const char **email_to = NULL;
  g_autoptr(GVariant) environment = NULL;
  const char *text;
  guint32 number;
  guint64 bytes;
  gboolean flag;

  self->loading = TRUE;

  if (g_variant_lookup (spec, "name", "&s", &text))
    gtk_editable_set_text (GTK_EDITABLE (self->name_row), text);
  if (g_variant_lookup (spec, "description", "&s", &text))
    gtk_editable_set_text (GTK_EDITABLE (self->description_row), text);

  if (g_variant_lookup (spec, "check-url", "&s", &text) && text[0] != '\0')
    {
      gtk_editable_set_text (GTK_EDITABLE (self->check_url_row), text);
      gtk_toggle_button_set_active (self->check_toggle, TRUE);
    }
  else if (g_variant_lookup (spec, "shell", "&s", &text))
    {
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->shell_view), text, -1);
      gtk_toggle_button_set_active (self->shell_toggle, TRUE);
    }
  else if (g_variant_lookup (spec, "command", "^a&s", &command) && command[0] != NULL)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->program_row), command[0]);
      chk_argv_editor_set_arguments (self->argv_editor, command + 1);
      gtk_toggle_button_set_active (self->argv_toggle, TRUE);
    }

  if (g_variant_lookup (spec, "working-directory", "&s", &text))
    chk_environment_editor_set_working_directory (self->environment_editor, text);

  environment = g_variant_lookup_value (spec, "environment", G_VARIANT_TYPE ("a{ss}"));
  if (environment != NULL)
    chk_environment_editor_set_variables (self->environment_editor, environment);

  if (g_variant_lookup (spec, "timezone", "&s", &text))
    chk_schedule_builder_set_timezone (self->schedule_builder, text);
  if (!g_variant_lookup (spec, "schedule", "&s", &text))
    text = "";
  chk_schedule_builder_set_schedule (self->schedule_builder, text);

  if (g_variant_lookup (spec, "timeout", "u", &number) && number > 0)
    {
      g_autofree char *duration = format_duration (number);

      gtk_editable_set_text (GTK_EDITABLE (self->timeout_row), duration);
    }
  if (g_variant_lookup (spec, "catch-up", "b", &flag))
    gtk_switch_set_active (self->catch_up_switch, flag);
  if (g_variant_lookup (spec, "max-runs", "u", &number))
    gtk_spin_button_set_value (self->max_runs_spin, number);
  if (g_variant_lookup (spec, "merge-stderr", "b", &flag))
    gtk_switch_set_active (self->merge_stderr_switch, flag);
  if (g_variant_lookup (spec, "enabled", "b", &flag))
    gtk_switch_set_active (self->enabled_switch, flag);
  if (g_variant_lookup (spec, "notify-on", "&s", &text))
    adw_combo_row_set_selected (self->notify_on_row, alert_index (text));
  if (g_variant_lookup (spec, "email-on", "&s", &text))
    adw_combo_row_set_selected (self->email_on_row, alert_index (text));
  if (g_variant_lookup (spec, "email-to", "^a&s", &email_to))
    {
      g_autofree char *joined = g_strjoinv (", ", (char **) email_to);

      gtk_editable_set_text (GTK_EDITABLE (self->email_to_row), joined);
    }
  if (g_variant_lookup (spec, "webhook-url", "&s", &text))
    gtk_editable_set_text (GTK_EDITABLE (self->webhook_row), text);

  if (g_variant_lookup (spec, "check-expect-status", "u", &number))
    gtk_spin_button_set_value (self->check_status_spin, number);
  if (g_variant_lookup (spec, "check-contains", "&s", &text))
    gtk_editable_set_text (GTK_EDITABLE (self->check_contains_row), text);
  if (g_variant_lookup (spec, "check-timeout", "u", &number))
    gtk_spin_button_set_value (self->check_timeout_spin, number);
  if (g_variant_lookup (spec, "max-tasks", "u", &number))
    gtk_spin_button_set_value (self->max_tasks_spin, number);
  if (g_variant_lookup (spec, "memory-max", "t", &bytes))
    {
      g_autofree char *size = format_size (bytes);

      gtk_editable_set_text (GTK_EDITABLE (self->memory_max_row), size);
    }
  if (g_variant_lookup (spec, "cpu-weight", "u", &number))
    gtk_spin_button_set_value (self->cpu_weight_spin, number);
  if (g_variant_lookup (spec, "is-monitor", "b", &flag))
    gtk_switch_set_active (self->monitor_switch, flag);
  if (g_variant_lookup (spec, "monitor-url", "&s", &text))
    gtk_editable_set_text (GTK_EDITABLE (self->monitor_url_row), text);

  self->loading = FALSE;

  _chk_job_editor_update_command_mode (self);
}

/* Checks what can be checked here; on a problem, says so on its field. */
gboolean
_chk_job_editor_check_timeout (ChkJobEditor *self,
               guint32      *out_timeout)
{
  g_autofree char *text = g_strstrip (g_strdup (chk_editable_text (self->timeout_row)));
  g_autoptr(GError) error = NULL;
  guint64 seconds = 0;

  if (text[0] != '\0' && !chk_duration_parse (text, &seconds, &error))
    {
      _chk_job_editor_set_local_error (self, FIELD_TIMEOUT, error->message);
      return FALSE;
    }
  if (seconds > G_MAXUINT32)
    {
      _chk_job_editor_set_local_error (self, FIELD_TIMEOUT, _("The time limit is too long"));
      return FALSE;
    }

  _chk_job_editor_set_local_error (self, FIELD_TIMEOUT, NULL);
  if (out_timeout != NULL)
    *out_timeout = (guint32) seconds;
  return TRUE;
}

gboolean
_chk_job_editor_check_memory_max (ChkJobEditor *self,
                  guint64      *out_bytes)
{
  g_autoptr(GString) text = g_string_new (chk_editable_text (self->memory_max_row));
  g_autoptr(GError) error = NULL;
  guint64 bytes = 0;

  /* "512 MiB" as well as "512M" */
  g_string_replace (text, " ", "", 0);
  if (text->len > 0 && !chk_size_parse (text->str, &bytes, &error))
    {
      _chk_job_editor_set_local_error (self, FIELD_MEMORY_MAX, error->message);
      return FALSE;
    }
  if (bytes != 0 && bytes < MIN_MEMORY_MAX)
    {
      _chk_job_editor_set_local_error (self, FIELD_MEMORY_MAX,
                       _("The memory limit is less than 1M: leave it empty for no limit"));
      return FALSE;
    }

  _chk_job_editor_set_local_error (self, FIELD_MEMORY_MAX, NULL);
  if (out_bytes != NULL)
    *out_bytes = bytes;
  return TRUE;
}

static char **
email_addresses (ChkJobEditor *self)
{
  g_auto(GStrv) parts = g_strsplit (chk_editable_text (self->email_to_row), ",", -1);
  GStrvBuilder *builder = g_strv_builder_new ();
  char **addresses;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (parts[i][0] != '\0')
        g_strv_builder_add (builder, parts[i]);
    }
  addresses = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return addresses;
}

/* The spec as the window shows it, or NULL (with the problems shown) when
 * some field cannot be read. */
GVariant *
_chk_job_editor_build_spec (ChkJobEditor *self)
{
  g_autoptr(GVariant) environment = chk_environment_editor_dup_variables (self->environment_editor);
  g_auto(GStrv) email_to = email_addresses (self);
  guint64 max_output_bytes;
  guint32 timeout = 0;
  gboolean timeout_ok = _chk_job_editor_check_timeout (self, &timeout);
  guint64 memory_max = 0;
  gboolean memory_max_ok = _chk_job_editor_check_memory_max (self, &memory_max);
  GVariantBuilder builder;

  _chk_schedule_builder_regenerate (self->schedule_builder);
  if (environment == NULL || !timeout_ok || !memory_max_ok || self->local_errors[FIELD_SCHEDULE] != NULL)
    return NULL;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string (chk_editable_text (self->name_row)));
  g_variant_builder_add (&builder, "{sv}", "description",
                         g_variant_new_string (chk_editable_text (self->description_row)));
  /* One of command, shell and check-url; "" takes a check's URL away. */
  if (_chk_job_editor_check_mode (self))
    {
      g_autofree char *url = g_strstrip (g_strdup (chk_editable_text (self->check_url_row)));

      g_variant_builder_add (&builder, "{sv}", "check-url", g_variant_new_string (url));
    }
  else if (_chk_job_editor_shell_mode (self))
    {
      g_autofree char *text = _chk_job_editor_shell_text (self);

      g_variant_builder_add (&builder, "{sv}", "shell", g_variant_new_string (text));
      g_variant_builder_add (&builder, "{sv}", "check-url", g_variant_new_string (""));
    }
  else
    {
      g_auto(GStrv) argv = current_argv (self);

      g_variant_builder_add (&builder, "{sv}", "command", g_variant_new_strv ((const char * const *) argv, -1));
      g_variant_builder_add (&builder, "{sv}", "check-url", g_variant_new_string (""));
    }
  g_variant_builder_add (&builder, "{sv}", "check-expect-status",
                         g_variant_new_uint32 (spin_value (self->check_status_spin)));
  g_variant_builder_add (&builder, "{sv}", "check-contains",
                         g_variant_new_string (chk_editable_text (self->check_contains_row)));
  g_variant_builder_add (&builder, "{sv}", "check-timeout",
                         g_variant_new_uint32 (spin_value (self->check_timeout_spin)));
  g_variant_builder_add (&builder, "{sv}", "working-directory",
                         g_variant_new_string (chk_environment_editor_get_working_directory (self->environment_editor)));
  g_variant_builder_add (&builder, "{sv}", "environment", environment);
  g_variant_builder_add (&builder, "{sv}", "schedule",
                         g_variant_new_string (chk_schedule_builder_get_schedule (self->schedule_builder)));
  g_variant_builder_add (&builder, "{sv}", "timezone",
                         g_variant_new_string (chk_schedule_builder_get_timezone (self->schedule_builder)));
  g_variant_builder_add (&builder, "{sv}", "enabled", g_variant_new_boolean (gtk_switch_get_active (self->enabled_switch)));
  g_variant_builder_add (&builder, "{sv}", "timeout", g_variant_new_uint32 (timeout));
  g_variant_builder_add (&builder, "{sv}", "catch-up", g_variant_new_boolean (gtk_switch_get_active (self->catch_up_switch)));
  g_variant_builder_add (&builder, "{sv}", "max-runs", g_variant_new_uint32 (spin_value (self->max_runs_spin)));
  g_variant_builder_add (&builder, "{sv}", "merge-stderr",
                         g_variant_new_boolean (gtk_switch_get_active (self->merge_stderr_switch)));
  g_variant_builder_add (&builder, "{sv}", "max-tasks", g_variant_new_uint32 (spin_value (self->max_tasks_spin)));
  g_variant_builder_add (&builder, "{sv}", "memory-max", g_variant_new_uint64 (memory_max));
  g_variant_builder_add (&builder, "{sv}", "cpu-weight", g_variant_new_uint32 (spin_value (self->cpu_weight_spin)));
  g_variant_builder_add (&builder, "{sv}", "notify-on", g_variant_new_string (alert_value (self->notify_on_row)));
  g_variant_builder_add (&builder, "{sv}", "email-on", g_variant_new_string (alert_value (self->email_on_row)));
  g_variant_builder_add (&builder, "{sv}", "email-to", g_variant_new_strv ((const char * const *) email_to, -1));
  g_variant_builder_add (&builder, "{sv}", "is-monitor",
                         g_variant_new_boolean (gtk_switch_get_active (self->monitor_switch)));
  {
    g_autofree char *monitor_url = g_strstrip (g_strdup (chk_editable_text (self->monitor_url_row)));
    g_autofree char *webhook_url = g_strstrip (g_strdup (chk_editable_text (self->webhook_row)));

    g_variant_builder_add (&builder, "{sv}", "monitor-url", g_variant_new_string (monitor_url));
    g_variant_builder_add (&builder, "{sv}", "webhook-url", g_variant_new_string (webhook_url));
  }

  /* A copy keeps what the editor does not show. */
  if (self->duplicate && self->original != NULL &&
      g_variant_lookup (self->original, "max-output-bytes", "t", &max_output_bytes))
    g_variant_builder_add (&builder, "{sv}", "max-output-bytes", g_variant_new_uint64 (max_output_bytes));

  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* The keys of @current that differ from @original. */
GVariant *
_chk_job_editor_changed_keys (GVariant *original,
              GVariant *current)
{
  GVariantBuilder builder;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_iter_init (&iter, current);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) before = g_variant_lookup_value (original, key, NULL);

      if (before == NULL || !g_variant_equal (before, value))
        g_variant_builder_add (&builder, "{sv}", key, value);
      g_variant_unref (value);
    }
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* Unsaved changes */

/* What every field holds, as typed: unlike build_spec(), this checks
 * nothing, so that a half-typed field counts as a change too. */
GVariant *
_chk_job_editor_form_snapshot (ChkJobEditor *self)
{
  g_auto(GStrv) argv = current_argv (self);
  g_autofree char *shell = _chk_job_editor_shell_text (self);
  g_auto(GStrv) lines = chk_environment_editor_dup_lines (self->environment_editor);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("av"));
#define ADD(value) g_variant_builder_add (&builder, "v", (value))
  ADD (g_variant_new_string (chk_editable_text (self->name_row)));
  ADD (g_variant_new_string (chk_editable_text (self->description_row)));
  ADD (g_variant_new_uint32 (_chk_job_editor_check_mode (self) ? 2 : _chk_job_editor_shell_mode (self) ? 1 : 0));
  ADD (g_variant_new_strv ((const char * const *) argv, -1));
  ADD (g_variant_new_string (shell));
  ADD (g_variant_new_string (chk_editable_text (self->check_url_row)));
  ADD (g_variant_new_uint32 (spin_value (self->check_status_spin)));
  ADD (g_variant_new_string (chk_editable_text (self->check_contains_row)));
  ADD (g_variant_new_uint32 (spin_value (self->check_timeout_spin)));
  ADD (g_variant_new_string (chk_environment_editor_get_working_directory (self->environment_editor)));
  ADD (g_variant_new_strv ((const char * const *) lines, -1));
  ADD (chk_schedule_builder_snapshot (self->schedule_builder));
  ADD (g_variant_new_string (chk_editable_text (self->timeout_row)));
  ADD (g_variant_new_boolean (gtk_switch_get_active (self->catch_up_switch)));
  ADD (g_variant_new_uint32 (spin_value (self->max_runs_spin)));
  ADD (g_variant_new_boolean (gtk_switch_get_active (self->enabled_switch)));
  ADD (g_variant_new_boolean (gtk_switch_get_active (self->merge_stderr_switch)));
  ADD (g_variant_new_uint32 (spin_value (self->max_tasks_spin)));
  ADD (g_variant_new_string (chk_editable_text (self->memory_max_row)));
  ADD (g_variant_new_uint32 (spin_value (self->cpu_weight_spin)));
  ADD (g_variant_new_boolean (gtk_switch_get_active (self->monitor_switch)));
  ADD (g_variant_new_string (chk_editable_text (self->monitor_url_row)));
  ADD (g_variant_new_uint32 (adw_combo_row_get_selected (self->notify_on_row)));
  ADD (g_variant_new_uint32 (adw_combo_row_get_selected (self->email_on_row)));
  ADD (g_variant_new_string (chk_editable_text (self->email_to_row)));
  ADD (g_variant_new_string (chk_editable_text (self->webhook_row)));
#undef ADD
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

static gboolean
has_unsaved_changes (ChkJobEditor *self)
{
  g_autoptr(GVariant) now = NULL;

  if (self->initial_form == NULL)
    return FALSE;
  now = _chk_job_editor_form_snapshot (self);
  return !g_variant_equal (now, self->initial_form);
}

/* Whether the editor may close without asking. */
static gboolean
may_close (ChkJobEditor *self)
{
  /* Saving: what was typed is on its way to the daemon. */
  return self->discard_confirmed || self->saving || !has_unsaved_changes (self);
}

/* Tells those waiting in chk_job_editor_close_async() whether it closed. */
static void
return_close_tasks (ChkJobEditor *self,
                    gboolean      closed)
{
  g_autoptr(GPtrArray) tasks = NULL;

  if (self->close_tasks == NULL || self->close_tasks->len == 0)
    return;
  tasks = g_steal_pointer (&self->close_tasks);
  if (!self->disposed)
    self->close_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < tasks->len; i++)
    g_task_return_boolean (g_ptr_array_index (tasks, i), closed);
}

static gboolean
close_after_discard_cb (gpointer user_data)
{
  ChkJobEditor *self = user_data;

  if (!self->disposed)
    gtk_window_close (GTK_WINDOW (self));
  return G_SOURCE_REMOVE;
}

static void
discard_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     ChkJobEditor     *self)
{
  if (!g_str_equal (response, "discard"))
    {
      return_close_tasks (self, FALSE);
      return;
    }

  self->discard_confirmed = TRUE;
  /* Once the dialog, which is still answering, is gone: a parent that goes
   * first leaves GTK 4.8 a dangling transient-for in the dialog. */
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, close_after_discard_cb, g_object_ref (self), g_object_unref);
}

/* Escape, Cancel and the window's close button all come here: changes
 * are only lost when the user says so. */
static gboolean
chk_job_editor_close_request (GtkWindow *window)
{
  ChkJobEditor *self = CHK_JOB_EDITOR (window);
  AdwMessageDialog *dialog;

  if (may_close (self))
    return GTK_WINDOW_CLASS (chk_job_editor_parent_class)->close_request (window);

  if (self->discard_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->discard_dialog));
      return TRUE;
    }

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (window, _("Discard Changes?"),
                                                       editing (self)
                                                       ? _("The changes to this job are not saved.")
                                                       : _("This job is not created yet.")));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Keep Editing"),
                                    "discard", _("_Discard"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
  /* Enter and Escape both keep what was typed. */
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  gtk_window_set_destroy_with_parent (GTK_WINDOW (dialog), TRUE);
  g_signal_connect_object (dialog, "response", G_CALLBACK (discard_response_cb), self, 0);
  g_set_weak_pointer (&self->discard_dialog, dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

/* Saving */

typedef struct
{
  GWeakRef     window;
  ChkJobModel *model;
  char        *path;
  gulong       handler;
  guint        timeout;
} SelectLater;

static void
select_later_free (SelectLater *later)
{
  g_clear_signal_handler (&later->handler, chk_job_model_get_jobs (later->model));
  g_clear_handle_id (&later->timeout, g_source_remove);
  g_weak_ref_clear (&later->window);
  g_object_unref (later->model);
  g_free (later->path);
  g_free (later);
}

static gboolean
select_later_try (SelectLater *later)
{
  ChkJob1 *job = chk_job_model_lookup (later->model, later->path);
  g_autoptr(GtkWidget) window = NULL;

  if (job == NULL)
    return FALSE;

  window = g_weak_ref_get (&later->window);
  if (window != NULL && CHK_IS_WINDOW (window))
    chk_window_select_job (CHK_WINDOW (window), job);
  return TRUE;
}

static void
select_later_items_changed_cb (GListModel  *list,
                               guint        position,
                               guint        removed,
                               guint        added,
                               SelectLater *later)
{
  if (added > 0 && select_later_try (later))
    select_later_free (later);
}

static gboolean
select_later_timeout_cb (gpointer user_data)
{
  SelectLater *later = user_data;

  later->timeout = 0;
  select_later_free (later);
  return G_SOURCE_REMOVE;
}

/* The new job's object may come after CreateJob's reply: select it when it does. */
static void
select_job_when_listed (ChkJobEditor *self,
                        const char   *path)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  SelectLater *later;

  if (parent == NULL || !CHK_IS_WINDOW (parent))
    return;

  later = g_new0 (SelectLater, 1);
  g_weak_ref_init (&later->window, parent);
  later->model = g_object_ref (self->model);
  later->path = g_strdup (path);

  if (select_later_try (later))
    {
      select_later_free (later);
      return;
    }

  later->handler = g_signal_connect (chk_job_model_get_jobs (self->model), "items-changed",
                                     G_CALLBACK (select_later_items_changed_cb), later);
  later->timeout = g_timeout_add_seconds (SELECT_TIMEOUT_SECONDS, select_later_timeout_cb, later);
}

static void
set_saving (ChkJobEditor *self,
            gboolean      saving)
{
  /* The fields go insensitive: keep the focus out of them meanwhile. */
  if (saving)
    {
      g_set_weak_pointer (&self->focus_before_save, gtk_window_get_focus (GTK_WINDOW (self)));
      gtk_widget_grab_focus (self->cancel_button);
    }

  self->saving = saving;
  gtk_widget_set_visible (GTK_WIDGET (self->save_spinner), saving);
  gtk_spinner_set_spinning (self->save_spinner, saving);
  gtk_widget_set_sensitive (GTK_WIDGET (self->page), !saving);
  _chk_job_editor_update_save_action (self);
}

static void
save_failed (ChkJobEditor *self,
             GError       *error)
{
  Field field;

  if (self->disposed)
    return;

  set_saving (self, FALSE);
  g_dbus_error_strip_remote_error (error);
  field = _chk_job_editor_field_for_error (error);

  if (field == FIELD_NONE)
    {
      g_autofree char *message = g_strdup_printf (_("Could not save the job: %s"), error->message);

      show_banner (self, message);
      if (self->focus_before_save != NULL)
        gtk_widget_grab_focus (self->focus_before_save);
      return;
    }

  gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
  g_free (self->save_errors[field]);
  self->save_errors[field] = g_strdup (error->message);
  _chk_job_editor_update_errors (self);
  _chk_job_editor_focus_field (self, field);
}

static void
create_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ChkJobEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  if (!chk_scheduler1_call_create_job_finish (CHK_SCHEDULER1 (object), &path, result, &error))
    {
      save_failed (self, error);
      return;
    }

  select_job_when_listed (self, path);
  if (!self->disposed)
    gtk_window_destroy (GTK_WINDOW (self));
}

static void
update_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ChkJobEditor) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!chk_job1_call_update_finish (CHK_JOB1 (object), result, &error))
    {
      save_failed (self, error);
      return;
    }

  if (!self->disposed)
    gtk_window_destroy (GTK_WINDOW (self));
}

Field
_chk_job_editor_first_error (ChkJobEditor *self)
{
  for (Field field = 0; field < N_FIELDS; field++)
    {
      if (self->local_errors[field] != NULL)
        return field;
    }
  return FIELD_NONE;
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ChkJobEditor *self = CHK_JOB_EDITOR (widget);
  ChkScheduler1 *scheduler = chk_job_model_get_scheduler (self->model);
  g_autoptr(GVariant) spec = NULL;

  if (self->saving)
    return;

  spec = _chk_job_editor_build_spec (self);
  if (spec == NULL)
    {
      _chk_job_editor_focus_field (self, _chk_job_editor_first_error (self));
      return;
    }

  gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);

  if (editing (self))
    {
      g_autoptr(GVariant) changes = _chk_job_editor_changed_keys (self->original, spec);

      if (g_variant_n_children (changes) == 0)
        {
          gtk_window_destroy (GTK_WINDOW (self));
          return;
        }
      set_saving (self, TRUE);
      chk_job1_call_update (self->job, changes, NULL, update_done_cb, g_object_ref (self));
      return;
    }

  if (scheduler == NULL)
    {
      show_banner (self, _("Could not save the job: the scheduler is not connected"));
      return;
    }

  set_saving (self, TRUE);
  chk_scheduler1_call_create_job (scheduler, spec, NULL, create_done_cb, g_object_ref (self));
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  gtk_window_close (GTK_WINDOW (widget));
}

static void
dismiss_banner_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  ChkJobEditor *self = CHK_JOB_EDITOR (widget);

  gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
}

/* Edits */

static void
field_changed_cb (ChkJobEditor *self,
                  GtkWidget    *widget)
{
  Field field = _chk_job_editor_field_for_widget (self, widget);

  if (self->loading || field == FIELD_NONE)
    return;

  /* "command, shell or check-url: one of them is required" is about this one too. */
  if (field == FIELD_CHECK_URL)
    _chk_job_editor_clear_save_error (self, FIELD_COMMAND);

  _chk_job_editor_clear_save_error (self, field);

  if (field == FIELD_TIMEOUT)
    {
      _chk_job_editor_check_timeout (self, NULL);
    }
  else if (field == FIELD_MEMORY_MAX)
    {
      _chk_job_editor_check_memory_max (self, NULL);
    }

  _chk_job_editor_update_errors (self);
  _chk_job_editor_update_save_action (self);
}

static void
shell_buffer_changed_cb (ChkJobEditor  *self,
                         GtkTextBuffer *buffer)
{
  if (self->loading)
    return;
  _chk_job_editor_clear_save_error (self, FIELD_COMMAND);
  _chk_job_editor_update_save_action (self);
}

/* A spin button of the table's: max-runs, max-tasks, cpu-weight, the check's */
static void
spin_changed_cb (ChkJobEditor  *self,
                 GtkSpinButton *spin)
{
  _chk_job_editor_clear_save_error (self, _chk_job_editor_field_for_widget (self, spin));
}

static void
alerts_changed_cb (ChkJobEditor *self,
                   GParamSpec   *pspec,
                   AdwComboRow  *row)
{
  _chk_job_editor_clear_save_error (self, FIELD_ALERTS);
}

static void
monitor_changed_cb (ChkJobEditor *self,
                    GParamSpec   *pspec,
                    GtkSwitch    *toggle)
{
  _chk_job_editor_clear_save_error (self, FIELD_MONITOR);
  _chk_job_editor_clear_save_error (self, FIELD_MONITOR_URL);

  /* A new job made a monitor is checked, as a new monitor is, unless
   * a schedule was chosen for it already. */
  if (!self->loading && self->job == NULL && gtk_switch_get_active (toggle))
    {
      self->loading = TRUE;
      chk_schedule_builder_propose (self->schedule_builder, MONITOR_SCHEDULE);
      self->loading = FALSE;
    }
}

static void
workdir_changed_cb (ChkJobEditor         *self,
                    GParamSpec           *pspec,
                    ChkEnvironmentEditor *environment_editor)
{
  if (self->loading)
    return;
  _chk_job_editor_clear_save_error (self, FIELD_WORKING_DIRECTORY);
  _chk_job_editor_update_errors (self);
  _chk_job_editor_update_save_action (self);
}

/* A variable typed, added or removed */
static void
variables_changed_cb (ChkJobEditor         *self,
                      GParamSpec           *pspec,
                      ChkEnvironmentEditor *environment_editor)
{
  if (self->loading)
    return;
  _chk_job_editor_clear_save_error (self, FIELD_ENVIRONMENT);
  _chk_job_editor_update_errors (self);
  _chk_job_editor_update_save_action (self);
}

static void
environment_problem_changed_cb (ChkJobEditor         *self,
                                GParamSpec           *pspec,
                                ChkEnvironmentEditor *environment_editor)
{
  _chk_job_editor_set_local_error (self, FIELD_ENVIRONMENT, chk_environment_editor_get_problem (environment_editor));
}

/* An argument typed, added, moved or removed */
static void
arguments_changed_cb (ChkJobEditor  *self,
                      GParamSpec    *pspec,
                      ChkArgvEditor *argv_editor)
{
  if (self->loading)
    return;
  _chk_job_editor_clear_save_error (self, FIELD_COMMAND);
  _chk_job_editor_update_errors (self);
  _chk_job_editor_update_save_action (self);
}

/* The schedule or its time zone, as typed or made by a preset */
static void
schedule_changed_cb (ChkJobEditor       *self,
                     GParamSpec         *pspec,
                     ChkScheduleBuilder *builder)
{
  if (self->loading)
    return;

  /* A schedule refused on Save may have been about either one. */
  g_clear_pointer (&self->save_errors[FIELD_SCHEDULE], g_free);
  g_clear_pointer (&self->save_errors[FIELD_TIMEZONE], g_free);
  _chk_job_editor_update_errors (self);
  _chk_job_editor_update_save_action (self);
}

static void
schedule_problem_changed_cb (ChkJobEditor       *self,
                             GParamSpec         *pspec,
                             ChkScheduleBuilder *builder)
{
  _chk_job_editor_set_local_error (self, FIELD_SCHEDULE, chk_schedule_builder_get_problem (builder));
}

static void
preview_error_changed_cb (ChkJobEditor       *self,
                          GParamSpec         *pspec,
                          ChkScheduleBuilder *builder)
{
  const GError *error = chk_schedule_builder_get_preview_error (builder);

  g_clear_pointer (&self->preview_error, g_free);
  if (error != NULL)
    {
      self->preview_error = g_strdup (error->message);
      self->preview_error_field = _chk_job_editor_field_for_error (error) == FIELD_TIMEZONE ? FIELD_TIMEZONE : FIELD_SCHEDULE;
    }
  _chk_job_editor_update_errors (self);
}

/* A zone name on its way is not an error yet: it is checked when the
 * field is left, or when the typing goes on to something else. */
static void
timezone_pending_cb (ChkJobEditor       *self,
                     GParamSpec         *pspec,
                     ChkScheduleBuilder *builder)
{
  if (!chk_schedule_builder_get_timezone_pending (builder))
    return;
  if (self->preview_error != NULL && self->preview_error_field == FIELD_TIMEZONE)
    {
      g_clear_pointer (&self->preview_error, g_free);
      _chk_job_editor_update_errors (self);
    }
}

/* GObject */

static void
chk_job_editor_constructed (GObject *object)
{
  ChkJobEditor *self = CHK_JOB_EDITOR (object);
  GtkWindow *parent;

  G_OBJECT_CLASS (chk_job_editor_parent_class)->constructed (object);

  /* One of the app's windows, so that its shortcuts (Ctrl+Q) work here too
   * and quitting finds it; it goes with the main window, as it did when
   * only that one kept the app running. */
  parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  if (parent != NULL && gtk_window_get_application (parent) != NULL)
    gtk_window_set_application (GTK_WINDOW (self), gtk_window_get_application (parent));
  gtk_window_set_destroy_with_parent (GTK_WINDOW (self), TRUE);

  chk_schedule_builder_set_model (self->schedule_builder, self->model);
  if (self->job != NULL)
    {
      self->original = _chk_job_editor_spec_from_job (self->job);
      _chk_job_editor_load_spec (self, self->original);
    }
  else
    {
      g_autoptr(GVariant) defaults = _chk_job_editor_default_spec ();

      if (self->monitor)
        {
          g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (defaults);

          /* A monitor that is never checked tells nothing. */
          g_variant_dict_insert (&dict, "schedule", "s", MONITOR_SCHEDULE);
          g_variant_dict_insert (&dict, "is-monitor", "b", TRUE);
          g_variant_unref (defaults);
          defaults = g_variant_ref_sink (g_variant_dict_end (&dict));
        }
      _chk_job_editor_load_spec (self, defaults);
      if (self->monitor)
        {
          gtk_window_set_title (GTK_WINDOW (self), _("New Monitor"));
          adw_window_title_set_title (self->window_title, _("New Monitor"));
        }
    }

  if (self->duplicate && self->job != NULL)
    {
      /* Translators: the name of a copy of the job named %s */
      g_autofree char *name = g_strdup_printf (_("%s (copy)"), nonnull (chk_job1_get_name (self->job)));

      gtk_editable_set_text (GTK_EDITABLE (self->name_row), name);
      gtk_window_set_title (GTK_WINDOW (self), _("Duplicate Job"));
      adw_window_title_set_title (self->window_title, _("Duplicate Job"));
    }
  else if (self->job != NULL)
    {
      gtk_window_set_title (GTK_WINDOW (self), _("Edit Job"));
      adw_window_title_set_title (self->window_title, _("Edit Job"));
      adw_window_title_set_subtitle (self->window_title, nonnull (chk_job1_get_name (self->job)));
    }

  fetch_from_scheduler (self);
  g_signal_connect_swapped (self->model, "notify::state", G_CALLBACK (model_state_changed_cb), self);

  _chk_job_editor_update_save_action (self);
  chk_focus_keeping_text (GTK_WIDGET (self->name_row));

  /* Closing asks first once this changes. */
  self->initial_form = _chk_job_editor_form_snapshot (self);
}

static void
chk_job_editor_dispose (GObject *object)
{
  ChkJobEditor *self = CHK_JOB_EDITOR (object);

  self->disposed = TRUE;
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_cancellable_cancel (self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), CHK_TYPE_JOB_EDITOR);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->model);
  g_clear_object (&self->job);
  g_clear_pointer (&self->original, g_variant_unref);
  g_clear_pointer (&self->initial_form, g_variant_unref);
  g_clear_weak_pointer (&self->discard_dialog);
  g_clear_weak_pointer (&self->focus_before_save);

  G_OBJECT_CLASS (chk_job_editor_parent_class)->dispose (object);

  return_close_tasks (self, TRUE);
  g_clear_pointer (&self->close_tasks, g_ptr_array_unref);
}

static void
chk_job_editor_unrealize (GtkWidget *widget)
{
  ChkJobEditor *self = CHK_JOB_EDITOR (widget);

  GTK_WIDGET_CLASS (chk_job_editor_parent_class)->unrealize (widget);

  /* gtk_window_destroy() unrealizes the window once it is no longer one
   * of the app's, however it went: whoever is quitting or closing the
   * main window goes on. (Not in dispose: the tasks hold the editor.) */
  return_close_tasks (self, TRUE);
}

static void
chk_job_editor_finalize (GObject *object)
{
  ChkJobEditor *self = CHK_JOB_EDITOR (object);

  for (Field field = 0; field < N_FIELDS; field++)
    {
      g_free (self->save_errors[field]);
      g_free (self->local_errors[field]);
    }
  g_free (self->preview_error);

  G_OBJECT_CLASS (chk_job_editor_parent_class)->finalize (object);
}

static void
chk_job_editor_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ChkJobEditor *self = CHK_JOB_EDITOR (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      g_value_set_object (value, self->model);
      break;
    case PROP_JOB:
      g_value_set_object (value, self->job);
      break;
    case PROP_DUPLICATE:
      g_value_set_boolean (value, self->duplicate);
      break;
    case PROP_MONITOR:
      g_value_set_boolean (value, self->monitor);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_job_editor_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ChkJobEditor *self = CHK_JOB_EDITOR (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      self->model = g_value_dup_object (value);
      break;
    case PROP_JOB:
      self->job = g_value_dup_object (value);
      break;
    case PROP_DUPLICATE:
      self->duplicate = g_value_get_boolean (value);
      break;
    case PROP_MONITOR:
      self->monitor = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_job_editor_class_init (ChkJobEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = chk_job_editor_constructed;
  object_class->dispose = chk_job_editor_dispose;
  object_class->finalize = chk_job_editor_finalize;
  object_class->get_property = chk_job_editor_get_property;
  object_class->set_property = chk_job_editor_set_property;

  widget_class->unrealize = chk_job_editor_unrealize;

  window_class->close_request = chk_job_editor_close_request;

  /**
   * ChkJobEditor:model:
   *
   * The jobs, for the scheduler to call and the new job to select.
   */
  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL, CHK_TYPE_JOB_MODEL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkJobEditor:job:
   *
   * The job edited or duplicated, or %NULL for a new one.
   */
  properties[PROP_JOB] =
    g_param_spec_object ("job", NULL, NULL, CHK_TYPE_JOB1,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkJobEditor:duplicate:
   *
   * Whether Save creates a copy of #ChkJobEditor:job rather than changing it.
   */
  properties[PROP_DUPLICATE] =
    g_param_spec_boolean ("duplicate", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                          G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkJobEditor:monitor:
   *
   * Whether a new job starts as a monitor (`is-monitor`).
   */
  properties[PROP_MONITOR] =
    g_param_spec_boolean ("monitor", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                          G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Daemon errors keep their CHK_ERROR code across the bus only once the domain is registered. */
  (void) CHK_ERROR;

  g_type_ensure (CHK_TYPE_ARGV_EDITOR);
  g_type_ensure (CHK_TYPE_ENVIRONMENT_EDITOR);
  g_type_ensure (CHK_TYPE_SCHEDULE_BUILDER);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/chroniker/Chroniker/chk-job-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, save_button);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, save_spinner);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, banner_label);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, page);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, description_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, general_error);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, argv_toggle);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, shell_toggle);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, check_toggle);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, shell_hint);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, program_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, shell_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, shell_view);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, check_url_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, command_error);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, check_group);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, check_status_spin);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, check_contains_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, check_timeout_spin);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, check_error);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, argv_editor);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, environment_editor);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, schedule_builder);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, runs_group);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, timeout_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, catch_up_switch);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, max_runs_spin);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, enabled_switch);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, merge_stderr_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, merge_stderr_switch);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, runs_error);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, limits_group);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, max_tasks_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, max_tasks_spin);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, memory_max_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, cpu_weight_spin);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, limits_error);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, monitor_switch);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, monitor_url_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, monitor_error);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, notify_on_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, email_on_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, email_to_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, webhook_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, alerts_error);
  gtk_widget_class_bind_template_callback (widget_class, field_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, mode_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, workdir_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, variables_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, environment_problem_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, arguments_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, schedule_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, schedule_problem_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, preview_error_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, timezone_pending_cb);

  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "editor.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "editor.dismiss-banner", NULL, dismiss_banner_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "editor.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "editor.cancel", NULL);
}

static void
chk_job_editor_init (ChkJobEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->workdir_row = _chk_environment_editor_get_working_directory_row (self->environment_editor);
  self->environment_error = _chk_environment_editor_get_error_label (self->environment_editor);
  self->schedule_entry = _chk_schedule_builder_get_schedule_entry (self->schedule_builder);
  self->timezone_entry = _chk_schedule_builder_get_timezone_entry (self->schedule_builder);
  self->schedule_error = _chk_schedule_builder_get_error_label (self->schedule_builder);

  self->close_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();
  self->allow_shell = TRUE;
  self->default_max_tasks = DEFAULT_MAX_TASKS;
  update_max_tasks_hint (self);

  /* Not in the .ui: there, the subtitle is read as markup before use-markup is off. */
  adw_action_row_set_subtitle (self->merge_stderr_row,
                               _("Keep stdout and stderr in exact order, as 2>&1 does"));

  g_signal_connect_object (gtk_text_view_get_buffer (self->shell_view), "changed",
                           G_CALLBACK (shell_buffer_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->max_runs_spin, "value-changed",
                           G_CALLBACK (spin_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->max_tasks_spin, "value-changed",
                           G_CALLBACK (spin_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->cpu_weight_spin, "value-changed",
                           G_CALLBACK (spin_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->notify_on_row, "notify::selected",
                           G_CALLBACK (alerts_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->email_on_row, "notify::selected",
                           G_CALLBACK (alerts_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->check_status_spin, "value-changed",
                           G_CALLBACK (spin_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->check_timeout_spin, "value-changed",
                           G_CALLBACK (spin_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->monitor_switch, "notify::active",
                           G_CALLBACK (monitor_changed_cb), self, G_CONNECT_SWAPPED);
}

/**
 * chk_job_editor_new:
 * @parent: the main window
 * @model: the jobs
 * @job: (nullable): the job to edit or duplicate, or %NULL for a new one
 * @duplicate: whether to create a copy of @job rather than change it
 *
 * Returns: (transfer full): a new editor, modal for @parent; present it
 */
ChkJobEditor *
chk_job_editor_new (GtkWindow   *parent,
                    ChkJobModel *model,
                    ChkJob1     *job,
                    gboolean     duplicate)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CHK_IS_JOB_MODEL (model), NULL);
  g_return_val_if_fail (job == NULL || CHK_IS_JOB1 (job), NULL);

  return g_object_new (CHK_TYPE_JOB_EDITOR,
                       "transient-for", parent,
                       "modal", TRUE,
                       "model", model,
                       "job", job,
                       "duplicate", duplicate,
                       NULL);
}

/**
 * chk_job_editor_new_monitor:
 * @parent: the main window
 * @model: the jobs
 *
 * Returns: (transfer full): a new editor for a new job that starts as a
 *   monitor, modal for @parent; present it
 */
ChkJobEditor *
chk_job_editor_new_monitor (GtkWindow   *parent,
                            ChkJobModel *model)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CHK_IS_JOB_MODEL (model), NULL);

  return g_object_new (CHK_TYPE_JOB_EDITOR,
                       "transient-for", parent,
                       "modal", TRUE,
                       "model", model,
                       "monitor", TRUE,
                       NULL);
}

/**
 * chk_job_editor_close_async:
 * @self: a #ChkJobEditor
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once the editor closed or the user chose to keep editing
 * @user_data: data for @callback
 *
 * Closes the editor as its Cancel button does: when it holds unsaved
 * changes, it asks first whether to discard them. For quitting the app,
 * or closing the main window, while the editor is open.
 */
void
chk_job_editor_close_async (ChkJobEditor        *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CHK_IS_JOB_EDITOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chk_job_editor_close_async);

  /* Destroyed already, or never shown: nothing to ask about */
  if (self->disposed || !gtk_widget_get_realized (GTK_WIDGET (self)))
    {
      gtk_window_destroy (GTK_WINDOW (self));
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (may_close (self))
    {
      gtk_window_close (GTK_WINDOW (self));
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_ptr_array_add (self->close_tasks, g_steal_pointer (&task));
  /* The question is about what this window shows: show it too. */
  gtk_window_present (GTK_WINDOW (self));
  gtk_window_close (GTK_WINDOW (self));
}

/**
 * chk_job_editor_close_finish:
 * @self: a #ChkJobEditor
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the editor closed, %FALSE (with no error) if the user
 *   chose to keep editing
 */
gboolean
chk_job_editor_close_finish (ChkJobEditor  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (CHK_IS_JOB_EDITOR (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == chk_job_editor_close_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
