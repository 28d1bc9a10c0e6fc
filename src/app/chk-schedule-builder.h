/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <adwaita.h>

#include "chk-job-model.h"

G_BEGIN_DECLS

#define CHK_TYPE_SCHEDULE_BUILDER (chk_schedule_builder_get_type ())

G_DECLARE_FINAL_TYPE (ChkScheduleBuilder, chk_schedule_builder, CHK, SCHEDULE_BUILDER, AdwPreferencesGroup)

ChkJobModel  *chk_schedule_builder_get_model            (ChkScheduleBuilder *self);
void          chk_schedule_builder_set_model            (ChkScheduleBuilder *self,
                                                         ChkJobModel        *model);
const char   *chk_schedule_builder_get_schedule         (ChkScheduleBuilder *self);
void          chk_schedule_builder_set_schedule         (ChkScheduleBuilder *self,
                                                         const char         *schedule);
const char   *chk_schedule_builder_get_timezone         (ChkScheduleBuilder *self);
void          chk_schedule_builder_set_timezone         (ChkScheduleBuilder *self,
                                                         const char         *timezone);
const char   *chk_schedule_builder_get_problem          (ChkScheduleBuilder *self);
const GError *chk_schedule_builder_get_preview_error    (ChkScheduleBuilder *self);
gboolean      chk_schedule_builder_get_timezone_pending (ChkScheduleBuilder *self);
gboolean      chk_schedule_builder_propose              (ChkScheduleBuilder *self,
                                                         const char         *schedule);
GVariant     *chk_schedule_builder_snapshot             (ChkScheduleBuilder *self);

G_END_DECLS
