/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>
#include <sys/types.h>

#include "chk-containment.h"

G_BEGIN_DECLS

/*
 * The process-group containment of chk-containment.c: each run's process
 * group and every descendant of it, found by scanning /proc while runs are
 * under way, with the daemon as their subreaper.
 */

typedef struct _ChkProcessTracker ChkProcessTracker;
typedef struct _ChkTrackedRun ChkTrackedRun;

ChkProcessTracker *chk_process_tracker_new      (void);
void               chk_process_tracker_free     (ChkProcessTracker *self);
ChkTrackedRun     *chk_process_tracker_add      (ChkProcessTracker *self,
                                                 guint64            run_id,
                                                 guint32            max_tasks,
                                                 pid_t              leader);
void               chk_process_tracker_remove   (ChkProcessTracker *self,
                                                 ChkTrackedRun     *run);
gboolean           chk_process_tracker_is_empty (ChkProcessTracker *self,
                                                 ChkTrackedRun     *run);
gboolean           chk_process_tracker_signal   (ChkProcessTracker *self,
                                                 ChkTrackedRun     *run,
                                                 int                signum);

void               chk_tracked_run_get_usage    (ChkTrackedRun     *run,
                                                 ChkRunUsage       *usage);

G_END_DECLS
