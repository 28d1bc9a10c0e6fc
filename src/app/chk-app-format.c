/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>

#include "chk-app-format.h"
#include "chk-duration.h"
#include "chk-outcome.h"

/*
 * How the app shows outcomes and triggers: one icon, one style class and
 * one set of words each, for the job rows, the job page and its run rows.
 * Whether a run failed is chk_outcome_is_failure()'s answer, as it is for
 * the daemon's alerts and the CLI.
 */

/**
 * chk_outcome_label:
 * @outcome: (nullable): an outcome as the bus says it
 *
 * Returns: the outcome in words, e.g. "Timed out"; an outcome this build
 *   does not know as it is
 */
const char *
chk_outcome_label (const char *outcome)
{
  switch (chk_outcome_from_string (outcome))
    {
    case CHK_OUTCOME_NONE:
      return _("Never run");
    case CHK_OUTCOME_RUNNING:
      return _("Running");
    case CHK_OUTCOME_SUCCESS:
      return _("Succeeded");
    case CHK_OUTCOME_FAILURE:
      return _("Failed");
    case CHK_OUTCOME_TIMEOUT:
      return _("Timed out");
    case CHK_OUTCOME_STOPPED:
      return _("Stopped");
    case CHK_OUTCOME_INTERRUPTED:
      return _("Interrupted");
    case CHK_OUTCOME_FAILED_TO_START:
      return _("Failed to start");
    case CHK_OUTCOME_SKIPPED:
      return _("Skipped");
    case CHK_OUTCOME_UNKNOWN:
    default:
      return outcome;
    }
}

/**
 * chk_outcome_icon_name:
 * @outcome: (nullable): an outcome as the bus says it
 *
 * Returns: its symbolic icon: a shape of its own for each kind of end, so
 *   that colour is never the only sign
 */
const char *
chk_outcome_icon_name (const char *outcome)
{
  switch (chk_outcome_from_string (outcome))
    {
    case CHK_OUTCOME_NONE:
      /* A clock, not "•••", which reads as a menu button */
      return "document-open-recent-symbolic";
    case CHK_OUTCOME_RUNNING:
      return "media-playback-start-symbolic";
    case CHK_OUTCOME_SUCCESS:
      return "emblem-ok-symbolic";
    case CHK_OUTCOME_TIMEOUT:
      return "alarm-symbolic";
    case CHK_OUTCOME_STOPPED:
      return "dialog-warning-symbolic";
    case CHK_OUTCOME_SKIPPED:
      return "media-skip-forward-symbolic";
    case CHK_OUTCOME_FAILURE:
    case CHK_OUTCOME_INTERRUPTED:
    case CHK_OUTCOME_FAILED_TO_START:
    case CHK_OUTCOME_UNKNOWN:
    default:
      return "dialog-error-symbolic";
    }
}

/**
 * chk_outcome_style_class:
 * @outcome: (nullable): an outcome as the bus says it
 *
 * Returns: (nullable): the libadwaita style class for it: "success",
 *   "error" for every failure, "warning" for a stop, "accent" while it
 *   runs, %NULL when there is none
 */
const char *
chk_outcome_style_class (const char *outcome)
{
  ChkOutcome value = chk_outcome_from_string (outcome);

  if (chk_outcome_is_failure (value))
    return "error";
  switch (value)
    {
    case CHK_OUTCOME_RUNNING:
      return "accent";
    case CHK_OUTCOME_SUCCESS:
      return "success";
    case CHK_OUTCOME_STOPPED:
      return "warning";
    case CHK_OUTCOME_SKIPPED:
      return "dim-label";
    case CHK_OUTCOME_NONE:
    default:
      return NULL;
    }
}

/**
 * chk_trigger_label:
 * @trigger: (nullable): a trigger as the bus says it
 *
 * Returns: what started a run, in words
 */
const char *
chk_trigger_label (const char *trigger)
{
  switch (chk_trigger_from_string (trigger))
    {
    case CHK_TRIGGER_SCHEDULE:
      return _("Scheduled");
    case CHK_TRIGGER_MANUAL:
      return _("Manual");
    case CHK_TRIGGER_CATCH_UP:
      return _("Catch-up");
    case CHK_TRIGGER_DEPENDENCY:
      return _("After another job");
    case CHK_TRIGGER_RETRY:
      return _("Retry");
    case CHK_TRIGGER_UNKNOWN:
    default:
      return trigger != NULL ? trigger : "";
    }
}

/**
 * chk_job_is_failing:
 * @job: a job
 *
 * Returns: whether the job's latest run failed, as the window's "Failing"
 *   filter and the rows' colours tell it
 */
gboolean
chk_job_is_failing (ChkJob1 *job)
{
  return chk_outcome_is_failure (chk_outcome_from_string (chk_job1_get_last_outcome (job)));
}

/**
 * chk_job_running_long_text:
 * @job: a job
 * @now: the time now, µs
 *
 * Returns: (transfer full) (nullable): "Running longer than expected (12
 *   min of 10 min)" when @job's run under way has gone past its expected
 *   duration (DESIGN §7), %NULL otherwise
 */
char *
chk_job_running_long_text (ChkJob1 *job,
                           gint64   now)
{
  gint64 started = chk_job1_get_last_run_started (job);
  guint expected = chk_job1_get_expected_duration (job);
  g_autofree char *elapsed = NULL;
  g_autofree char *limit = NULL;

  if (!chk_job1_get_running (job) || expected == 0 || started <= 0 ||
      now - started < (gint64) expected * G_USEC_PER_SEC)
    return NULL;
  elapsed = chk_duration_format ((guint64) (now - started) / G_USEC_PER_SEC);
  limit = chk_duration_format (expected);
  /* Translators: how long a run has gone on, of how long it was expected to take */
  return g_strdup_printf (_("Running longer than expected (%s of %s)"), elapsed, limit);
}

/**
 * chk_job_running_long_at:
 * @job: a job
 *
 * Returns: when @job's run under way goes past its expected duration, µs;
 *   %G_MAXINT64 when it does not run, has none, or is past it already
 */
gint64
chk_job_running_long_at (ChkJob1 *job)
{
  gint64 started = chk_job1_get_last_run_started (job);
  guint expected = chk_job1_get_expected_duration (job);

  if (!chk_job1_get_running (job) || expected == 0 || started <= 0)
    return G_MAXINT64;
  return started + (gint64) expected * G_USEC_PER_SEC;
}

/**
 * chk_job_status_icon:
 * @job: a job
 *
 * Returns: the symbolic icon of the job's state
 */
const char *
chk_job_status_icon (ChkJob1 *job)
{
  if (chk_job1_get_running (job))
    return "media-playback-start-symbolic";
  if (!chk_job1_get_enabled (job))
    return "media-playback-pause-symbolic";
  return chk_outcome_icon_name (chk_job1_get_last_outcome (job));
}

/**
 * chk_job_status_style:
 * @job: a job
 *
 * Returns: (nullable): the style class of the job's state: colour as well
 *   as shape, for the state at a glance
 */
const char *
chk_job_status_style (ChkJob1 *job)
{
  if (chk_job1_get_running (job))
    return chk_job_running_long_at (job) <= g_get_real_time () ? "warning" : "accent";
  if (!chk_job1_get_enabled (job))
    return "dim-label";
  return chk_outcome_style_class (chk_job1_get_last_outcome (job));
}

/**
 * chk_job_status_text:
 * @job: a job
 *
 * Returns: (transfer full): the job's state in words, for people and screen readers
 */
char *
chk_job_status_text (ChkJob1 *job)
{
  const char *outcome = chk_job1_get_last_outcome (job);
  const char *check_url = chk_job1_get_check_url (job);

  if (chk_job1_get_running (job))
    {
      char *long_text = chk_job_running_long_text (job, g_get_real_time ());

      return long_text != NULL ? long_text : g_strdup (_("Running"));
    }
  if (!chk_job1_get_enabled (job))
    return g_strdup (_("Disabled"));
  /* A check has no exit code: why it failed is in its run's message. */
  if (chk_outcome_from_string (outcome) == CHK_OUTCOME_FAILURE &&
      (check_url == NULL || check_url[0] == '\0'))
    return g_strdup_printf (_("Failed (exit code %d)"), chk_job1_get_last_exit_code (job));
  return g_strdup (chk_outcome_label (outcome));
}

/**
 * chk_widget_set_status_style:
 * @widget: a widget
 * @style_class: (nullable): one of the classes that the functions above
 *   return, or %NULL for none
 *
 * Gives @widget that class and none of the others.
 */
void
chk_widget_set_status_style (GtkWidget  *widget,
                             const char *style_class)
{
  static const char * const classes[] = { "success", "error", "warning", "accent", "dim-label" };

  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    {
      if (g_strcmp0 (classes[i], style_class) != 0)
        gtk_widget_remove_css_class (widget, classes[i]);
    }
  if (style_class != NULL)
    gtk_widget_add_css_class (widget, style_class);
}
