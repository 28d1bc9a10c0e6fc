/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "chk-app-format.h"
#include "chk-duration.h"
#include "chk-job-page-private.h"
#include "chk-outcome.h"
#include "chk-run-row.h"

/**
 * ChkRunRow:
 *
 * A row of a job page's list of runs: when the run started (relative),
 * its number, trigger, duration or progress, host and exit status, what
 * it used, the daemon's note on how it ended, and its outcome, with a
 * warning when an alert about it was not delivered. It follows its
 * #ChkRun; the relative time is redrawn by chk_run_row_update(), which
 * says when it next changes.
 */
struct _ChkRunRow
{
  AdwPreferencesRow  parent_instance;

  ChkRun            *run;
  ChkJob1           *job;      /* for the progress of the run under way */

  GtkImage          *icon;
  GtkSpinner        *spinner;
  GtkLabel          *title_label;
  GtkLabel          *subtitle_label;
  GtkLabel          *usage_label;
  GtkLabel          *message_label;
  GtkImage          *alert_icon;
  GtkLabel          *outcome_label;
};

G_DEFINE_FINAL_TYPE (ChkRunRow, chk_run_row, ADW_TYPE_PREFERENCES_ROW)

static void
run_notify_cb (ChkRunRow *self)
{
  chk_run_row_update (self);
}

static void
chk_run_row_dispose (GObject *object)
{
  ChkRunRow *self = CHK_RUN_ROW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CHK_TYPE_RUN_ROW);
  g_clear_object (&self->run);
  g_clear_object (&self->job);

  G_OBJECT_CLASS (chk_run_row_parent_class)->dispose (object);
}

static void
chk_run_row_class_init (ChkRunRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chk_run_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chroniker/Chroniker/chk-run-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ChkRunRow, icon);
  gtk_widget_class_bind_template_child (widget_class, ChkRunRow, spinner);
  gtk_widget_class_bind_template_child (widget_class, ChkRunRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, ChkRunRow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, ChkRunRow, usage_label);
  gtk_widget_class_bind_template_child (widget_class, ChkRunRow, message_label);
  gtk_widget_class_bind_template_child (widget_class, ChkRunRow, alert_icon);
  gtk_widget_class_bind_template_child (widget_class, ChkRunRow, outcome_label);
}

static void
chk_run_row_init (ChkRunRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * chk_run_row_new:
 * @run: the run to show
 * @job: (nullable): its job, for the progress of a run under way
 *
 * Returns: (transfer floating): a row that shows @run and follows it
 */
GtkWidget *
chk_run_row_new (ChkRun  *run,
                 ChkJob1 *job)
{
  ChkRunRow *self;

  g_return_val_if_fail (CHK_IS_RUN (run), NULL);
  g_return_val_if_fail (job == NULL || CHK_IS_JOB1 (job), NULL);

  self = g_object_new (CHK_TYPE_RUN_ROW, NULL);
  self->run = g_object_ref (run);
  g_set_object (&self->job, job);
  g_signal_connect_object (run, "notify", G_CALLBACK (run_notify_cb), self, G_CONNECT_SWAPPED);
  chk_run_row_update (self);
  return GTK_WIDGET (self);
}

/**
 * chk_run_row_get_run:
 * @self: a #ChkRunRow
 *
 * Returns: (transfer none): the run shown
 */
ChkRun *
chk_run_row_get_run (ChkRunRow *self)
{
  g_return_val_if_fail (CHK_IS_RUN_ROW (self), NULL);
  return self->run;
}

/**
 * chk_run_row_update:
 * @self: a #ChkRunRow
 *
 * Shows the run as it is now: its relative time, and its job's progress
 * while it runs.
 *
 * Returns: when what it shows next changes by itself (real time, µs)
 */
gint64
chk_run_row_update (ChkRunRow *self)
{
  ChkRun *run;
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *tooltip = NULL;
  g_autofree char *started_text = NULL;
  g_autofree char *usage = NULL;
  const char *outcome, *hostname, *alert_error, *message;
  gint64 started, finished, now = g_get_real_time ();
  gint64 change;
  int signal_number;
  guint http_status;
  ChkOutcome ended;
  gboolean running;

  g_return_val_if_fail (CHK_IS_RUN_ROW (self), G_MAXINT64);

  run = self->run;
  outcome = chk_run_get_outcome (run);
  hostname = chk_run_get_hostname (run);
  alert_error = chk_run_get_alert_error (run);
  message = chk_run_get_message (run);
  started = chk_run_get_started (run);
  finished = chk_run_get_finished (run);
  signal_number = chk_run_get_signal (run);
  http_status = chk_run_get_http_status (run);
  ended = chk_outcome_from_string (outcome);
  running = ended == CHK_OUTCOME_RUNNING;

  title = chk_format_relative_time (started, now);
  change = chk_format_relative_time_next_change (started, now);
  if (running)
    change = MIN (change, _chk_job_page_next_second (started, now));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), title);
  gtk_label_set_text (self->title_label, title);

  /* Translators: a run's number, as in "Output of run 42" */
  g_ptr_array_add (parts, g_strdup_printf (_("Run %" PRIu64), (uint64_t) chk_run_get_id (run)));
  g_ptr_array_add (parts, g_strdup (chk_trigger_label (chk_run_get_trigger (run))));
  if (running)
    {
      if (self->job != NULL && chk_job1_get_current_run (self->job) == chk_run_get_id (run))
        g_ptr_array_add (parts, _chk_job_page_format_progress (self->job, now));
      else
        g_ptr_array_add (parts, g_strdup (_("Running")));
    }
  else if (finished >= started && started > 0)
    {
      g_autofree char *duration = chk_duration_format ((guint64) (finished - started) / G_USEC_PER_SEC);

      /* Translators: how long a run took, e.g. "took 3 s" */
      g_ptr_array_add (parts, g_strdup_printf (_("took %s"), duration));
    }
  if (hostname[0] != '\0')
    /* Translators: the computer a run ran on */
    g_ptr_array_add (parts, g_strdup_printf (_("on %s"), hostname));
  if (http_status != 0)
    /* Translators: the status an HTTP check got, e.g. "HTTP 503" */
    g_ptr_array_add (parts, g_strdup_printf (_("HTTP %u"), http_status));
  else if (self->job != NULL && _chk_job_page_is_check (self->job))
    ; /* A check that got no answer: its output says why. */
  else if (signal_number != 0)
    g_ptr_array_add (parts, g_strdup_printf (_("signal %d"), signal_number));
  else if (!running && ended != CHK_OUTCOME_FAILED_TO_START && ended != CHK_OUTCOME_INTERRUPTED)
    g_ptr_array_add (parts, g_strdup_printf (_("exit code %d"), chk_run_get_exit_code (run)));
  subtitle = _chk_job_page_join_parts (parts);
  gtk_label_set_text (self->subtitle_label, subtitle);

  usage = chk_run_format_usage (run);
  gtk_label_set_text (self->usage_label, usage != NULL ? usage : "");
  gtk_widget_set_visible (GTK_WIDGET (self->usage_label), usage != NULL);

  /* How it ended, in the daemon's words: a limit that killed it or could
   * not be enforced, output that was lost. */
  gtk_label_set_text (self->message_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message[0] != '\0');
  if (chk_outcome_is_finished (ended) && ended != CHK_OUTCOME_SUCCESS)
    gtk_widget_add_css_class (GTK_WIDGET (self->message_label), "warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->message_label), "warning");

  started_text = _chk_job_page_format_time (started, NULL, FALSE);
  if (finished > 0)
    {
      g_autofree char *finished_text = _chk_job_page_format_time (finished, NULL, FALSE);

      tooltip = g_strdup_printf (_("Started %s\nFinished %s"), started_text, finished_text);
    }
  else
    {
      tooltip = g_strdup_printf (_("Started %s"), started_text);
    }
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), tooltip);

  gtk_label_set_text (self->outcome_label, chk_outcome_label (outcome));
  chk_widget_set_status_style (GTK_WIDGET (self->outcome_label), chk_outcome_style_class (outcome));
  gtk_image_set_from_icon_name (self->icon, chk_outcome_icon_name (outcome));
  chk_widget_set_status_style (GTK_WIDGET (self->icon), chk_outcome_style_class (outcome));
  gtk_widget_set_visible (GTK_WIDGET (self->icon), !running);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), running);
  gtk_spinner_set_spinning (self->spinner, running);

  gtk_widget_set_visible (GTK_WIDGET (self->alert_icon), alert_error[0] != '\0');
  if (alert_error[0] != '\0')
    {
      /* Translators: %s says why an email or webhook about a run was not delivered */
      g_autofree char *text = g_strdup_printf (_("Alert not delivered: %s"), alert_error);

      gtk_widget_set_tooltip_text (GTK_WIDGET (self->alert_icon), text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->alert_icon),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
    }
  return change;
}
