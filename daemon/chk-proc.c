/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-containment"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chk-proc.h"

/**
 * chk_proc_read_entry:
 * @name: a process's directory in /proc, its pid in digits
 * @entry: (out caller-allocates): what its stat file says
 *
 * Returns: whether the process was there and its stat file could be read
 */
gboolean
chk_proc_read_entry (const char   *name,
                     ChkProcEntry *entry)
{
  g_autofree char *path = g_build_filename ("/proc", name, "stat", NULL);
  g_autofree char *stat = NULL;
  const char *after_comm;
  int pid, ppid, pgrp;
  unsigned long long start;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return FALSE;

  /* pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt
   * majflt cmajflt utime stime cutime cstime priority nice threads
   * itrealvalue starttime …; comm may hold spaces and parentheses. */
  after_comm = strrchr (stat, ')');
  if (after_comm == NULL ||
      sscanf (stat, "%d", &pid) != 1 ||
      sscanf (after_comm + 1, " %c %d %d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
                              "%*d %*d %*d %*d %llu",
              &entry->state, &ppid, &pgrp, &start) != 4)
    return FALSE;

  entry->pid = pid;
  entry->ppid = ppid;
  entry->pgrp = pgrp;
  entry->start = start;
  return TRUE;
}

/**
 * chk_proc_list:
 *
 * Returns: (transfer full) (element-type ChkProcEntry): every process
 *   that /proc shows
 */
GArray *
chk_proc_list (void)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  GArray *entries = g_array_new (FALSE, FALSE, sizeof (ChkProcEntry));
  const char *name;

  if (proc == NULL)
    return entries;

  while ((name = g_dir_read_name (proc)) != NULL)
    {
      ChkProcEntry entry;

      if (g_ascii_isdigit (name[0]) && chk_proc_read_entry (name, &entry))
        g_array_append_val (entries, entry);
    }
  return entries;
}

/**
 * chk_proc_count_user_processes:
 *
 * Returns: how many processes, and threads, which RLIMIT_NPROC counts
 *   too, the daemon's user has
 */
rlim_t
chk_proc_count_user_processes (void)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  uid_t uid = getuid ();
  rlim_t count = 0;
  const char *name;

  if (proc == NULL)
    return 0;

  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *status = NULL;
      const char *line;
      guint threads = 1;

      if (!g_ascii_isdigit (name[0]))
        continue;

      path = g_build_filename ("/proc", name, "status", NULL);
      if (!g_file_get_contents (path, &status, NULL, NULL))
        continue;

      line = strstr (status, "\nUid:");
      if (line == NULL || (uid_t) g_ascii_strtoull (line + 5, NULL, 10) != uid)
        continue;
      line = strstr (status, "\nThreads:");
      if (line != NULL)
        threads = (guint) g_ascii_strtoull (line + 9, NULL, 10);
      count += MAX (threads, 1u);
    }
  return count;
}

/**
 * chk_proc_has_run_marker:
 * @pid: a process
 * @run_id: a run
 *
 * Returns: whether the process's environment has the run's
 *   CHRONIKER_RUN_ID, which the run's processes inherit
 */
gboolean
chk_proc_has_run_marker (pid_t   pid,
                         guint64 run_id)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/environ", (int) pid);
  g_autofree char *marker = g_strdup_printf ("CHRONIKER_RUN_ID=%" G_GUINT64_FORMAT, run_id);
  g_autofree char *environ = NULL;
  gsize len;
  gsize marker_len = strlen (marker) + 1;

  if (!g_file_get_contents (path, &environ, &len, NULL))
    return FALSE;
  for (gsize i = 0; i + marker_len <= len; i += strlen (environ + i) + 1)
    if (memcmp (environ + i, marker, marker_len) == 0)
      return TRUE;
  return FALSE;
}

/**
 * chk_proc_is_alive:
 * @pid: a process
 * @start: when it started, in clock ticks since boot
 *
 * Returns: whether the process is still there and not a zombie; a process
 *   that got @pid since, with another start time, is not it
 */
gboolean
chk_proc_is_alive (pid_t   pid,
                   guint64 start)
{
  g_autofree char *name = g_strdup_printf ("%d", (int) pid);
  ChkProcEntry entry;

  return chk_proc_read_entry (name, &entry) && entry.start == start && entry.state != 'Z';
}
