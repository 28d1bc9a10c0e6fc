/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include "chk-editor-util.h"
#include "chk-environment-editor-private.h"
#include "chk-error.h"
#include "chk-job-editor-private.h"
#include "chk-message-label.h"
#include "chk-schedule-builder-private.h"

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
  [FIELD_RANDOM_DELAY] = { { "random-delay" }, MEMBER (runs_error), MEMBER (random_delay_row) },
  [FIELD_HOST] = { { "host" }, MEMBER (runs_error), MEMBER (host_row) },
  [FIELD_MAX_RUNS] = { { "max-runs" }, MEMBER (runs_error), MEMBER (max_runs_spin) },
  [FIELD_MAX_TASKS] = { { "max-tasks" }, MEMBER (limits_error), MEMBER (max_tasks_spin) },
  [FIELD_MEMORY_MAX] = { { "memory-max" }, MEMBER (limits_error), MEMBER (memory_max_row) },
  [FIELD_CPU_WEIGHT] = { { "cpu-weight" }, MEMBER (limits_error), MEMBER (cpu_weight_spin) },
  [FIELD_DEPENDS_ON] = { { "depends-on" }, MEMBER (depends_error), MEMBER (depends_add) },
  [FIELD_RUN_ON_SUCCESS] = { { "run-on-success" }, MEMBER (on_success_error),
                             MEMBER (on_success_add) },
  [FIELD_RETRIES] = { { "retries" }, MEMBER (retry_error), MEMBER (retries_spin) },
  [FIELD_RETRY_DELAY] = { { "retry-delay" }, MEMBER (retry_error), MEMBER (retry_delay_row) },
  [FIELD_RETRY_BACKOFF] = { { "retry-backoff" }, MEMBER (retry_error),
                            MEMBER (retry_backoff_spin) },
  [FIELD_RETRY_MAX_DELAY] = { { "retry-max-delay" }, MEMBER (retry_error),
                              MEMBER (retry_max_delay_row) },
  [FIELD_RUN_ON_FAILURE] = { { "run-on-failure" }, MEMBER (on_failure_error),
                             MEMBER (on_failure_add) },
  [FIELD_RUN_IF] = { { "run-if" }, MEMBER (conditions_error), MEMBER (run_if_switches[0]) },
  [FIELD_RUN_IF_WAIT] = { { "run-if-wait" }, MEMBER (conditions_error), MEMBER (run_if_wait_row) },
  [FIELD_MONITOR] = { { "is-monitor" }, MEMBER (monitor_error), MEMBER (monitor_switch) },
  [FIELD_MONITOR_URL] = { { "monitor-url" }, MEMBER (monitor_error), MEMBER (monitor_url_row) },
  [FIELD_ALERTS] = { { "notify-on", "email-on" }, MEMBER (alerts_error), MEMBER (notify_on_row) },
  [FIELD_EMAIL_TO] = { { "email-to" }, MEMBER (alerts_error), MEMBER (email_to_row) },
  [FIELD_WEBHOOK_URL] = { { "webhook-url" }, MEMBER (alerts_error), MEMBER (webhook_row) },
  [FIELD_EXPECTED_DURATION] = { { "expected-duration" }, MEMBER (alerts_error),
                                MEMBER (expected_duration_row) },
  [FIELD_ALERT_AFTER] = { { "alert-after-failures" }, MEMBER (alerts_error),
                          MEMBER (alert_after_spin) },
};

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

GtkWidget *
_chk_job_editor_get_field_widget (ChkJobEditor *self,
                                  Field         field)
{
  g_assert (field < N_FIELDS);
  return field_widget (self, field);
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
