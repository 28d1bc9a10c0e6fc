/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib-object.h>

#include "chk-job-spec.h"
#include "chk-schedule.h"

G_BEGIN_DECLS

#define CHK_TYPE_JOB (chk_job_get_type ())

G_DECLARE_FINAL_TYPE (ChkJob, chk_job, CHK, JOB, GObject)

/**
 * ChkJobChange:
 * @CHK_JOB_CHANGE_SPEC: the spec, and with it the schedule and its words
 * @CHK_JOB_CHANGE_NEXT_RUN: the next run's time
 * @CHK_JOB_CHANGE_LAST_RUN: the last run's start, end, outcome or exit code
 * @CHK_JOB_CHANGE_ALERT_ERROR: why the last alert could not be delivered
 * @CHK_JOB_CHANGE_RUNNING: whether a run is under way, and which
 * @CHK_JOB_CHANGE_PROGRESS: the progress that the run under way reported
 * @CHK_JOB_CHANGE_WAITING: what a due run waits for
 * @CHK_JOB_CHANGE_ALL: all of it
 *
 * What #ChkJob::changed says changed, so that a watcher updates only that:
 * a progress tick must not re-describe the schedule.
 */
typedef enum
{
  CHK_JOB_CHANGE_SPEC        = 1 << 0,
  CHK_JOB_CHANGE_NEXT_RUN    = 1 << 1,
  CHK_JOB_CHANGE_LAST_RUN    = 1 << 2,
  CHK_JOB_CHANGE_ALERT_ERROR = 1 << 3,
  CHK_JOB_CHANGE_RUNNING     = 1 << 4,
  CHK_JOB_CHANGE_PROGRESS    = 1 << 5,
  CHK_JOB_CHANGE_WAITING     = 1 << 6,
  CHK_JOB_CHANGE_ALL         = (1 << 7) - 1,
} ChkJobChange;

guint64           chk_job_get_id                (ChkJob *self);
const ChkJobSpec *chk_job_get_spec              (ChkJob *self);
const char       *chk_job_get_name              (ChkJob *self);
ChkSchedule      *chk_job_get_schedule          (ChkJob *self);
char             *chk_job_dup_schedule_description (ChkJob *self);
gint64            chk_job_get_next_run          (ChkJob *self);
gint64            chk_job_get_last_run_started  (ChkJob *self);
gint64            chk_job_get_last_run_finished (ChkJob *self);
const char       *chk_job_get_last_outcome      (ChkJob *self);
gint              chk_job_get_last_exit_code    (ChkJob *self);
const char       *chk_job_get_last_alert_error  (ChkJob *self);
gboolean          chk_job_get_running           (ChkJob *self);
guint64           chk_job_get_current_run       (ChkJob *self);
guint             chk_job_get_progress_complete (ChkJob *self);
guint             chk_job_get_progress_total    (ChkJob *self);
const char       *chk_job_get_progress_message  (ChkJob *self);
const char       *chk_job_get_waiting_for       (ChkJob *self);
guint             chk_job_get_retry_attempt     (ChkJob *self);

G_END_DECLS
