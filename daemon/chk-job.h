/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib-object.h>

#include "chk-job-spec.h"
#include "chk-schedule.h"

G_BEGIN_DECLS

#define CHK_TYPE_JOB (chk_job_get_type ())

G_DECLARE_FINAL_TYPE (ChkJob, chk_job, CHK, JOB, GObject)

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

G_END_DECLS
