/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>
#include <sys/resource.h>
#include <sys/types.h>

G_BEGIN_DECLS

/*
 * What /proc says of processes, for the process-group containment of
 * chk-containment.c: who a process's parent and group are, when it
 * started (to tell it from a later process with its pid), whether it is a
 * zombie, and whether it carries a run's CHRONIKER_RUN_ID.
 */

/**
 * ChkProcEntry:
 * @pid: the process
 * @ppid: its parent
 * @pgrp: its process group
 * @state: its state letter, 'Z' for a zombie
 * @start: when it started, in clock ticks since boot
 */
typedef struct
{
  pid_t   pid;
  pid_t   ppid;
  pid_t   pgrp;
  char    state;
  guint64 start;
} ChkProcEntry;

gboolean chk_proc_read_entry           (const char   *name,
                                        ChkProcEntry *entry);
GArray  *chk_proc_list                 (void);
rlim_t   chk_proc_count_user_processes (void);
gboolean chk_proc_has_run_marker       (pid_t         pid,
                                        guint64       run_id);
gboolean chk_proc_is_alive             (pid_t         pid,
                                        guint64       start);

G_END_DECLS
