/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * ChkNotifyKind:
 * @CHK_NOTIFY_FAILED: the run failed, timed out or could not start; rate limited
 * @CHK_NOTIFY_SUCCEEDED: the run succeeded (`notify-on` "always"); never suppressed
 * @CHK_NOTIFY_RECOVERED: the run succeeded after failures; never suppressed
 * @CHK_NOTIFY_RUNNING_LONG: the run is still going past its job's expected
 *   duration; at most one per run, so never suppressed
 *
 * What a desktop notification says about a run.
 */
typedef enum
{
  CHK_NOTIFY_FAILED,
  CHK_NOTIFY_SUCCEEDED,
  CHK_NOTIFY_RECOVERED,
  CHK_NOTIFY_RUNNING_LONG,
} ChkNotifyKind;

/**
 * ChkNotifyRun:
 * @kind: what to say
 * @job_id: the job, the key of the rate limit and of "Run Again"
 * @job_name: the job's name, for the title
 * @run_id: the run "Show Log" opens
 * @outcome: the run's outcome: "success", "failure", "timeout", "stopped",
 *   "interrupted" or "failed-to-start"
 * @exit_code: the exit status, -1 when none
 * @signal: the signal that killed the run, 0 when none
 * @started: when the run started, µs since the Unix epoch (UTC); 0 when unknown
 * @finished: when it finished, likewise; for %CHK_NOTIFY_RUNNING_LONG, now
 * @timeout: the job's timeout in seconds, 0 for none (for "Timed out after 5 min")
 * @stderr_tail: (nullable): the last bytes of the run's stderr, in any encoding
 * @attempt: 1, or the last of several attempts (retries)
 * @expected_duration: the job's expected duration in seconds, for
 *   %CHK_NOTIFY_RUNNING_LONG
 *
 * One finished run, as chk_notifier_notify_run() shows it. A plain struct the
 * notifier copies what it needs from, so the caller may free it right after.
 */
typedef struct
{
  ChkNotifyKind  kind;
  guint64        job_id;
  const char    *job_name;
  guint64        run_id;
  const char    *outcome;
  int            exit_code;
  int            signal;
  gint64         started;
  gint64         finished;
  guint          timeout;
  GBytes        *stderr_tail;
  guint          attempt;
  guint          expected_duration;
} ChkNotifyRun;

/* The default rate limit: one notification per job per minute. */
#define CHK_NOTIFIER_DEFAULT_RATE_LIMIT_MS 60000

#define CHK_TYPE_NOTIFIER (chk_notifier_get_type ())

G_DECLARE_FINAL_TYPE (ChkNotifier, chk_notifier, CHK, NOTIFIER, GObject)

ChkNotifier *chk_notifier_new             (const char         *app_name);
void         chk_notifier_set_rate_limit  (ChkNotifier        *self,
                                           guint               interval_ms);
guint        chk_notifier_get_rate_limit  (ChkNotifier        *self);
void         chk_notifier_notify_run      (ChkNotifier        *self,
                                           const ChkNotifyRun *run);
void         chk_notifier_forget_job      (ChkNotifier        *self,
                                           guint64             job_id);

G_END_DECLS
