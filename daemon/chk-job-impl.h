/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include "chk-dbus-generated.h"
#include "chk-engine.h"
#include "chk-job.h"

G_BEGIN_DECLS

#define CHK_TYPE_JOB_IMPL (chk_job_impl_get_type ())

G_DECLARE_FINAL_TYPE (ChkJobImpl, chk_job_impl, CHK, JOB_IMPL, ChkJob1Skeleton)

ChkJobImpl *chk_job_impl_new (ChkEngine *engine,
                              ChkJob    *job);

G_END_DECLS
