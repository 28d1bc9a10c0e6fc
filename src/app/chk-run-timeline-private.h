/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include "chk-run-timeline.h"

G_BEGIN_DECLS

char  *_chk_run_timeline_describe     (ChkRunTimeline *self);
guint  _chk_run_timeline_get_n_loads  (ChkRunTimeline *self);
void   _chk_run_timeline_select       (ChkRunTimeline *self,
                                       guint           lane,
                                       guint           mark);

G_END_DECLS
