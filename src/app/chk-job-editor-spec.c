/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>

#include "chk-duration.h"
#include "chk-editor-util.h"
#include "chk-environment-editor-private.h"
#include "chk-job-editor-private.h"
#include "chk-job-spec.h"
#include "chk-schedule-builder-private.h"

/* The least memory-max the daemon takes, other than 0 for none */
#define MIN_MEMORY_MAX (G_GUINT64_CONSTANT (1) << 20)

/* Alert choices, in the order of the combo rows' models */
static const char * const alert_values[] = { "failure", "always", "never" };

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
char *
_chk_job_editor_format_duration (guint64 seconds)
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
          g_string_append_printf (text, "%" G_GUINT64_FORMAT "%c", seconds / units[i].seconds,
                                  units[i].unit);
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
  g_autoptr(ChkJobSpec) spec = chk_job_spec_new_from_job1 (job);
  g_autoptr(GVariant) keys = g_variant_ref_sink (chk_job_spec_to_variant (spec));
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (keys);

  /* One of command, shell and check-url, and check-url always: "" unless
   * it is a check, as _chk_job_editor_build_spec() sends it. */
  if (!g_variant_dict_contains (&dict, "check-url"))
    g_variant_dict_insert (&dict, "check-url", "s", "");

  return g_variant_ref_sink (g_variant_dict_end (&dict));
}

/* What a new job starts with: the daemon's defaults of these keys. */
GVariant *
_chk_job_editor_default_spec (void)
{
  static const char * const keys[] = {
    "schedule", "timezone", "enabled", "timeout", "catch-up", "max-runs", "merge-stderr",
    "notify-on", "email-on", "check-expect-status", "check-timeout", "is-monitor",
    "max-tasks", "memory-max", "cpu-weight", "retries", "retry-delay", "retry-backoff",
    "retry-max-delay", "random-delay", "run-if-wait", "expected-duration", "alert-after-failures",
  };
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_variant_builder_add (&builder, "{sv}", keys[i],
                           chk_job_spec_key_get_default (chk_job_spec_lookup_key (keys[i])));
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

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
  if (g_variant_lookup (spec, "host", "&s", &text))
    gtk_editable_set_text (GTK_EDITABLE (self->host_row), text);

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
      g_autofree char *duration = _chk_job_editor_format_duration (number);

      gtk_editable_set_text (GTK_EDITABLE (self->timeout_row), duration);
    }
  if (g_variant_lookup (spec, "expected-duration", "u", &number))
    {
      g_autofree char *duration = _chk_job_editor_format_duration (number);

      gtk_editable_set_text (GTK_EDITABLE (self->expected_duration_row), duration);
    }
  if (g_variant_lookup (spec, "alert-after-failures", "u", &number))
    gtk_spin_button_set_value (self->alert_after_spin, number);
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

  _chk_job_editor_load_orchestration (self, spec);

  self->loading = FALSE;

  _chk_job_editor_update_command_mode (self);
}

/* The fields typed as durations, such as "10 min" */
static const Field duration_fields[] = {
  FIELD_TIMEOUT, FIELD_RANDOM_DELAY, FIELD_RETRY_DELAY, FIELD_RETRY_MAX_DELAY, FIELD_RUN_IF_WAIT,
  FIELD_EXPECTED_DURATION,
};

gboolean
_chk_job_editor_is_duration_field (Field field)
{
  for (guint i = 0; i < G_N_ELEMENTS (duration_fields); i++)
    {
      if (duration_fields[i] == field)
        return TRUE;
    }
  return FALSE;
}

/* Checks what can be checked here; on a problem, says so on its field.
 * An empty field is 0: no time limit, no delay. */
gboolean
_chk_job_editor_check_duration (ChkJobEditor *self,
                                Field         field,
                                guint32      *out_seconds)
{
  GtkWidget *row = _chk_job_editor_get_field_widget (self, field);
  g_autofree char *text = g_strstrip (g_strdup (chk_editable_text (row)));
  g_autoptr(GError) error = NULL;
  guint64 seconds = 0;

  g_assert (_chk_job_editor_is_duration_field (field));

  if (text[0] != '\0' && !chk_duration_parse (text, &seconds, &error))
    {
      _chk_job_editor_set_local_error (self, field, error->message);
      return FALSE;
    }
  if (seconds > G_MAXUINT32)
    {
      _chk_job_editor_set_local_error (self, field, field == FIELD_TIMEOUT
                                                    ? _("The time limit is too long")
                                                    : field == FIELD_EXPECTED_DURATION
                                                    ? _("The expected duration is too long")
                                                    : _("The delay is too long"));
      return FALSE;
    }

  _chk_job_editor_set_local_error (self, field, NULL);
  if (out_seconds != NULL)
    *out_seconds = (guint32) seconds;
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
  gboolean timeout_ok = _chk_job_editor_check_duration (self, FIELD_TIMEOUT, &timeout);
  guint32 expected = 0;
  gboolean expected_ok = _chk_job_editor_check_duration (self, FIELD_EXPECTED_DURATION, &expected);
  guint64 memory_max = 0;
  gboolean memory_max_ok = _chk_job_editor_check_memory_max (self, &memory_max);
  GVariantBuilder builder;

  _chk_schedule_builder_regenerate (self->schedule_builder);
  if (environment == NULL || !timeout_ok || !expected_ok || !memory_max_ok ||
      self->local_errors[FIELD_SCHEDULE] != NULL)
    return NULL;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string (chk_editable_text (self->name_row)));
  g_variant_builder_add (&builder, "{sv}", "description",
                         g_variant_new_string (chk_editable_text (self->description_row)));
  {
    g_autofree char *host = g_strstrip (g_strdup (chk_editable_text (self->host_row)));

    g_variant_builder_add (&builder, "{sv}", "host", g_variant_new_string (host));
  }
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
  g_variant_builder_add (&builder, "{sv}", "expected-duration", g_variant_new_uint32 (expected));
  g_variant_builder_add (&builder, "{sv}", "alert-after-failures",
                         g_variant_new_uint32 (spin_value (self->alert_after_spin)));
  g_variant_builder_add (&builder, "{sv}", "is-monitor",
                         g_variant_new_boolean (gtk_switch_get_active (self->monitor_switch)));
  {
    g_autofree char *monitor_url = g_strstrip (g_strdup (chk_editable_text (self->monitor_url_row)));
    g_autofree char *webhook_url = g_strstrip (g_strdup (chk_editable_text (self->webhook_row)));

    g_variant_builder_add (&builder, "{sv}", "monitor-url", g_variant_new_string (monitor_url));
    g_variant_builder_add (&builder, "{sv}", "webhook-url", g_variant_new_string (webhook_url));
  }

  if (!_chk_job_editor_add_orchestration (self, &builder))
    {
      g_variant_builder_clear (&builder);
      return NULL;
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
  ADD (g_variant_new_string (chk_editable_text (self->host_row)));
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
  ADD (g_variant_new_string (chk_editable_text (self->expected_duration_row)));
  ADD (g_variant_new_uint32 (spin_value (self->alert_after_spin)));
#undef ADD
  _chk_job_editor_snapshot_orchestration (self, &builder);
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}
