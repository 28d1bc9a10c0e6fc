/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>
#include <sys/types.h>

G_BEGIN_DECLS

/**
 * ChkContainmentMode:
 * @CHK_CONTAINMENT_MODE_AUTO: a cgroup of its own for every run where the
 *   machine lets the daemon make one, else the process group
 * @CHK_CONTAINMENT_MODE_CGROUP: cgroups or nothing: the daemon does not start
 * @CHK_CONTAINMENT_MODE_PROCESS_GROUP: process groups and the daemon as child
 *   subreaper, even where cgroups would work (for tests and for machines
 *   whose cgroups misbehave)
 */
typedef enum
{
  CHK_CONTAINMENT_MODE_AUTO,
  CHK_CONTAINMENT_MODE_CGROUP,
  CHK_CONTAINMENT_MODE_PROCESS_GROUP,
} ChkContainmentMode;

gboolean chk_containment_mode_from_string (const char         *text,
                                           ChkContainmentMode *out_mode);

/**
 * ChkRunLimits:
 * @max_tasks: processes and threads at once, 0 for no limit
 * @memory_max: bytes, 0 for no limit
 * @cpu_weight: 1-10000, 100 being the default share
 */
typedef struct
{
  guint32 max_tasks;
  guint64 memory_max;
  guint32 cpu_weight;
} ChkRunLimits;

/**
 * ChkRunUsage:
 * @cpu_time: µs of CPU, user and system, of every process of the run
 * @memory_peak: the most memory the run used at once, in bytes
 * @tasks_limited: whether a fork or a thread was refused by max-tasks
 * @memory_killed: whether a process was killed by the memory limit
 * @orphans_cpu_time: without cgroups, the CPU time of the run's processes
 *   that the daemon reaped as their subreaper
 * @orphans_maxrss: and the largest of them, in bytes
 *
 * Without cgroups @cpu_time and @memory_peak are 0: the runner adds what
 * wait4() says of the main process.
 */
typedef struct
{
  guint64  cpu_time;
  guint64  memory_peak;
  guint64  orphans_cpu_time;
  guint64  orphans_maxrss;
  gboolean tasks_limited;
  gboolean memory_killed;
} ChkRunUsage;

typedef struct _ChkRunGroup ChkRunGroup;

#define CHK_TYPE_CONTAINMENT (chk_containment_get_type ())

G_DECLARE_FINAL_TYPE (ChkContainment, chk_containment, CHK, CONTAINMENT, GObject)

void               chk_containment_set_default_mode (ChkContainmentMode mode);
ChkContainmentMode chk_containment_get_default_mode (void);

ChkContainment *chk_containment_new            (const char          *tag,
                                                ChkContainmentMode   mode,
                                                GError             **error);
ChkContainment *chk_containment_get_fallback   (void);
const char     *chk_containment_get_kind       (ChkContainment      *self);
ChkRunGroup    *chk_containment_create_group   (ChkContainment      *self,
                                                guint64              run_id,
                                                const ChkRunLimits  *limits,
                                                GError             **error);
void            chk_containment_end_leftovers  (ChkContainment      *self,
                                                guint64              run_id,
                                                const char          *where,
                                                guint32              pgid);
void            chk_containment_sweep          (ChkContainment      *self);

const char     *chk_run_group_get_kind         (ChkRunGroup         *group);
const char     *chk_run_group_get_path         (ChkRunGroup         *group);
const char     *chk_run_group_get_notes        (ChkRunGroup         *group);
int             chk_run_group_get_cgroup_fd    (ChkRunGroup         *group);
int             chk_run_group_join             (ChkRunGroup         *group,
                                                gboolean             in_cgroup);
void            chk_run_group_set_leader       (ChkRunGroup         *group,
                                                pid_t                pid);
gboolean        chk_run_group_is_empty         (ChkRunGroup         *group);
gboolean        chk_run_group_signal           (ChkRunGroup         *group,
                                                int                  signum);
void            chk_run_group_get_usage        (ChkRunGroup         *group,
                                                ChkRunUsage         *usage);
void            chk_run_group_free             (ChkRunGroup         *group);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChkRunGroup, chk_run_group_free)

G_END_DECLS
