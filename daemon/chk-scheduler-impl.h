/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include "chk-dbus-generated.h"
#include "chk-alerts.h"
#include "chk-engine.h"

G_BEGIN_DECLS

#define CHK_TYPE_SCHEDULER_IMPL (chk_scheduler_impl_get_type ())

G_DECLARE_FINAL_TYPE (ChkSchedulerImpl, chk_scheduler_impl, CHK, SCHEDULER_IMPL, ChkScheduler1Skeleton)

ChkSchedulerImpl *chk_scheduler_impl_new (ChkEngine *engine,
                                          ChkAlerts *alerts);

G_END_DECLS
