/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The files of cgroupfs, for chk-containment.c: reading and writing a
 * cgroup's files, signalling and removing a cgroup, and finding where the
 * hierarchies are mounted and which cgroup the daemon is in.
 */

/**
 * ChkCgroupHierarchy:
 * @CHK_CGROUP_V2: the unified (v2) hierarchy
 * @CHK_CGROUP_PIDS: the v1 hierarchy of the pids controller
 * @CHK_CGROUP_MEMORY: the v1 hierarchy of the memory controller
 * @CHK_CGROUP_CPU: the v1 hierarchy of the cpu controller
 * @CHK_CGROUP_CPUACCT: the v1 hierarchy of the cpuacct controller
 * @CHK_CGROUP_N_HIERARCHIES: how many there are, to size arrays indexed by them
 */
typedef enum
{
  CHK_CGROUP_V2,
  CHK_CGROUP_PIDS,
  CHK_CGROUP_MEMORY,
  CHK_CGROUP_CPU,
  CHK_CGROUP_CPUACCT,
  CHK_CGROUP_N_HIERARCHIES
} ChkCgroupHierarchy;

gboolean chk_cgroup_write         (const char  *dir,
                                   const char  *file,
                                   const char  *text,
                                   GError     **error);
char    *chk_cgroup_read          (const char  *dir,
                                   const char  *file);
gboolean chk_cgroup_read_key      (const char  *dir,
                                   const char  *file,
                                   const char  *key,
                                   guint64     *out_value);
gboolean chk_cgroup_read_number   (const char  *dir,
                                   const char  *file,
                                   guint64     *out_value);
GArray  *chk_cgroup_read_procs    (const char  *dir);
gboolean chk_cgroup_is_empty      (const char  *dir);
void     chk_cgroup_signal        (const char  *dir,
                                   int          signum,
                                   gboolean     has_kill);
void     chk_cgroup_remove        (const char  *dir,
                                   gboolean     wait);
void     chk_cgroup_find_mounts   (char       **mounts);
void     chk_cgroup_find_own      (char       **own);

G_END_DECLS
