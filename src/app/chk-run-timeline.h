/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

#include "chk-job-model.h"

G_BEGIN_DECLS

#define CHK_TYPE_RUN_TIMELINE (chk_run_timeline_get_type ())

G_DECLARE_FINAL_TYPE (ChkRunTimeline, chk_run_timeline, CHK, RUN_TIMELINE, GtkWidget)

GtkWidget  *chk_run_timeline_new               (void);
void        chk_run_timeline_set_model         (ChkRunTimeline *self,
                                                ChkJobModel    *model);
void        chk_run_timeline_reload            (ChkRunTimeline *self);
const char *chk_run_timeline_get_summary       (ChkRunTimeline *self);
const char *chk_run_timeline_get_selected_text (ChkRunTimeline *self);

G_END_DECLS
