/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-dbus-generated.h"

G_BEGIN_DECLS

/**
 * ChkJobModelState:
 * @CHK_JOB_MODEL_CONNECTING: reaching chronikerd (starting it if needed)
 * @CHK_JOB_MODEL_LOADING: the jobs listed so far are there and follow the
 *   daemon live, and more are coming
 * @CHK_JOB_MODEL_READY: the jobs are there and follow the daemon live
 * @CHK_JOB_MODEL_FAILED: chronikerd could not be reached; see chk_job_model_get_error()
 */
typedef enum
{
  CHK_JOB_MODEL_CONNECTING,
  CHK_JOB_MODEL_LOADING,
  CHK_JOB_MODEL_READY,
  CHK_JOB_MODEL_FAILED,
} ChkJobModelState;

#define CHK_TYPE_JOB_MODEL (chk_job_model_get_type ())

G_DECLARE_FINAL_TYPE (ChkJobModel, chk_job_model, CHK, JOB_MODEL, GObject)

ChkJobModel      *chk_job_model_new           (void);
ChkJobModel      *chk_job_model_new_for_system (void);
gboolean          chk_job_model_is_system     (ChkJobModel *self);
void              chk_job_model_connect       (ChkJobModel *self);
ChkJobModelState  chk_job_model_get_state     (ChkJobModel *self);
const GError     *chk_job_model_get_error     (ChkJobModel *self);
gboolean          chk_job_model_get_stopped   (ChkJobModel *self);
GListModel       *chk_job_model_get_jobs      (ChkJobModel *self);
ChkScheduler1    *chk_job_model_get_scheduler (ChkJobModel *self);
ChkJob1          *chk_job_model_lookup        (ChkJobModel *self,
                                               const char  *object_path);

G_END_DECLS
