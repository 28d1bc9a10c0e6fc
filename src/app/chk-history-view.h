/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

#include "chk-job-model.h"
#include "chk-run-calendar.h"
#include "chk-run-timeline.h"

G_BEGIN_DECLS

#define CHK_TYPE_HISTORY_VIEW (chk_history_view_get_type ())

G_DECLARE_FINAL_TYPE (ChkHistoryView, chk_history_view, CHK, HISTORY_VIEW, GtkWidget)

void            chk_history_view_set_model    (ChkHistoryView *self,
                                               ChkJobModel    *model);
void            chk_history_view_reload       (ChkHistoryView *self);
ChkRunCalendar *chk_history_view_get_calendar (ChkHistoryView *self);
ChkRunTimeline *chk_history_view_get_timeline (ChkHistoryView *self);
guint           chk_history_view_get_n_loads  (ChkHistoryView *self);

G_END_DECLS
