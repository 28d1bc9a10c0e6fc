/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-containment"

#include "config.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chk-proc.h"
#include "chk-process-tracker.h"

/* How often process groups are scanned for new descendants. */
#define TRACK_INTERVAL_MS 100

/* One run's process group, and every descendant found since. */
struct _ChkTrackedRun
{
  guint64     run_id;
  guint32     max_tasks;
  pid_t       leader;
  gboolean    group_gone;  /* seen empty once: the number may be another group's since */
  GHashTable *members;     /* pid → start time, in clock ticks since boot */
  gboolean    over_tasks;
  guint64     orphans_cpu_time;
  guint64     orphans_maxrss;
};

/* The runs under way and the scan that tracks their descendants. */
struct _ChkProcessTracker
{
  GPtrArray *runs;
  guint      source;
};

/* Reaps a process of the run that was handed to the daemon as subreaper,
 * counting what it used. */
static void
reap_orphan (ChkTrackedRun *run,
             pid_t          pid)
{
  struct rusage usage;

  if (wait4 (pid, NULL, WNOHANG, &usage) != pid)
    return;

  run->orphans_cpu_time += (guint64) usage.ru_utime.tv_sec * G_USEC_PER_SEC +
                           usage.ru_utime.tv_usec +
                           (guint64) usage.ru_stime.tv_sec * G_USEC_PER_SEC +
                           usage.ru_stime.tv_usec;
  run->orphans_maxrss = MAX (run->orphans_maxrss, (guint64) usage.ru_maxrss * 1024);
}

static gboolean
is_leader (ChkProcessTracker *self,
           pid_t              pid)
{
  for (guint g = 0; g < self->runs->len; g++)
    if (((ChkTrackedRun *) g_ptr_array_index (self->runs, g))->leader == pid)
      return TRUE;
  return FALSE;
}

static gboolean
is_member (ChkTrackedRun      *run,
           const ChkProcEntry *entry)
{
  gpointer start;

  if (!g_hash_table_lookup_extended (run->members, GINT_TO_POINTER (entry->pid), NULL, &start))
    return FALSE;
  return GPOINTER_TO_SIZE (start) == entry->start;
}

/* Brings the members of every tracked run up to date: whoever is in a
 * member's process group or is a member's child belongs to the run, and
 * so does an orphan handed to the daemon (the subreaper) that carries the
 * run's marker. Zombies that are the daemon's only because it is the
 * subreaper are reaped here; the main process is GSubprocess's to reap.
 */
static void
track_scan (ChkProcessTracker *self)
{
  g_autoptr(GArray) entries = chk_proc_list ();
  pid_t daemon_pid = getpid ();
  pid_t daemon_pgrp = getpgrp ();
  guint active = self->runs->len;

  for (guint g = 0; g < self->runs->len; g++)
    {
      ChkTrackedRun *run = g_ptr_array_index (self->runs, g);
      g_autoptr(GHashTable) alive = g_hash_table_new (NULL, NULL);
      gboolean grew = TRUE;
      guint count = 0;
      GHashTableIter iter;
      gpointer key;

      /* The kernel gives a group's number to no new process while anyone,
       * a zombie included, is in the group. Once it is empty, the number is
       * free: a process that gets it later and leads a group of its own
       * (as a test runner's programs do) is not the run's. */
      if (!run->group_gone)
        {
          run->group_gone = TRUE;
          for (guint i = 0; i < entries->len && run->group_gone; i++)
            if (g_array_index (entries, ChkProcEntry, i).pgrp == run->leader)
              run->group_gone = FALSE;
        }

      while (grew)
        {
          grew = FALSE;
          for (guint i = 0; i < entries->len; i++)
            {
              ChkProcEntry *entry = &g_array_index (entries, ChkProcEntry, i);
              gboolean joins;

              if (is_member (run, entry))
                continue;

              /* An orphan handed to the daemon is a run's when it is not in
               * the daemon's own process group (where the daemon's other
               * children, sendmail, are); whose, its marker says, or that
               * only one run is under way. */
              joins = (!run->group_gone && entry->pgrp == run->leader) ||
                      g_hash_table_contains (alive, GINT_TO_POINTER (entry->ppid)) ||
                      (entry->ppid == daemon_pid && entry->pid != run->leader &&
                       entry->pgrp != daemon_pgrp && !is_leader (self, entry->pid) &&
                       (active == 1 || chk_proc_has_run_marker (entry->pid, run->run_id)));
              if (!joins)
                continue;

              g_hash_table_insert (run->members, GINT_TO_POINTER (entry->pid),
                                   GSIZE_TO_POINTER ((gsize) entry->start));
              grew = TRUE;
            }

          for (guint i = 0; i < entries->len; i++)
            {
              ChkProcEntry *entry = &g_array_index (entries, ChkProcEntry, i);

              if (is_member (run, entry) && entry->state != 'Z' &&
                  !g_hash_table_contains (alive, GINT_TO_POINTER (entry->pid)))
                {
                  g_hash_table_add (alive, GINT_TO_POINTER (entry->pid));
                  grew = TRUE;
                }
            }
        }

      /* Forget the dead; reap the orphans that died as our children. */
      g_hash_table_iter_init (&iter, run->members);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        {
          pid_t pid = GPOINTER_TO_INT (key);
          gboolean found = FALSE;

          for (guint i = 0; i < entries->len && !found; i++)
            {
              ChkProcEntry *entry = &g_array_index (entries, ChkProcEntry, i);

              if (entry->pid != pid || !is_member (run, entry))
                continue;
              found = entry->state != 'Z';
              if (entry->state == 'Z' && entry->ppid == daemon_pid && pid != run->leader)
                reap_orphan (run, pid);
            }
          if (!found && pid != run->leader)
            g_hash_table_iter_remove (&iter);
          else if (found)
            count++;
        }

      /* Under RLIMIT_NPROC the run cannot go past max-tasks: reaching it
       * means a fork was refused. */
      if (run->max_tasks > 0 && !run->over_tasks && count > run->max_tasks)
        {
          g_message ("Run %" G_GUINT64_FORMAT ": %u processes, more than max-tasks %u; ending it",
                     run->run_id, count, run->max_tasks);
          run->over_tasks = TRUE;
        }
    }
}

static gboolean
track_cb (gpointer user_data)
{
  ChkProcessTracker *self = user_data;

  track_scan (self);
  return G_SOURCE_CONTINUE;
}

/**
 * chk_process_tracker_new:
 *
 * Returns: (transfer full): a tracker of no run yet
 */
ChkProcessTracker *
chk_process_tracker_new (void)
{
  ChkProcessTracker *self = g_new0 (ChkProcessTracker, 1);

  self->runs = g_ptr_array_new ();
  return self;
}

/**
 * chk_process_tracker_free:
 * @self: (nullable): a #ChkProcessTracker whose runs were all removed
 *
 * Stops the scan and frees the tracker.
 */
void
chk_process_tracker_free (ChkProcessTracker *self)
{
  if (self == NULL)
    return;

  g_clear_handle_id (&self->source, g_source_remove);
  g_ptr_array_unref (self->runs);
  g_free (self);
}

/**
 * chk_process_tracker_add:
 * @self: a #ChkProcessTracker
 * @run_id: the run, whose marker tells its orphans from another run's
 * @max_tasks: how many of its processes are too many, 0 for no limit
 * @leader: the run's main process, leader of its process group
 *
 * Starts tracking the process group of @leader and every descendant of
 * it, scanning /proc every TRACK_INTERVAL_MS while any run is tracked.
 *
 * Returns: (transfer none): the tracked run, until
 *   chk_process_tracker_remove()
 */
ChkTrackedRun *
chk_process_tracker_add (ChkProcessTracker *self,
                         guint64            run_id,
                         guint32            max_tasks,
                         pid_t              leader)
{
  ChkTrackedRun *run = g_new0 (ChkTrackedRun, 1);
  g_autofree char *name = g_strdup_printf ("%d", (int) leader);
  ChkProcEntry entry;

  g_assert (leader > 0);

  run->run_id = run_id;
  run->max_tasks = max_tasks;
  run->leader = leader;
  run->members = g_hash_table_new (NULL, NULL);
  if (chk_proc_read_entry (name, &entry))
    g_hash_table_insert (run->members, GINT_TO_POINTER (leader),
                         GSIZE_TO_POINTER ((gsize) entry.start));

  g_ptr_array_add (self->runs, run);
  if (self->source == 0)
    {
      self->source = g_timeout_add (TRACK_INTERVAL_MS, track_cb, self);
      g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->source),
                                "[chk-containment] track descendants");
    }
  return run;
}

/**
 * chk_process_tracker_remove:
 * @self: a #ChkProcessTracker
 * @run: (transfer full): a run of @self
 *
 * Stops tracking @run, and scanning when no run is left, and frees it.
 */
void
chk_process_tracker_remove (ChkProcessTracker *self,
                            ChkTrackedRun     *run)
{
  g_ptr_array_remove (self->runs, run);
  if (self->runs->len == 0)
    g_clear_handle_id (&self->source, g_source_remove);

  g_hash_table_unref (run->members);
  g_free (run);
}

/**
 * chk_process_tracker_is_empty:
 * @self: a #ChkProcessTracker
 * @run: a run of @self
 *
 * Scans /proc first, so that whatever joined the run is counted.
 *
 * Returns: whether no process of @run is left but zombies
 */
gboolean
chk_process_tracker_is_empty (ChkProcessTracker *self,
                              ChkTrackedRun     *run)
{
  GHashTableIter iter;
  gpointer key, value;

  /* The scan adds whatever joined the group. */
  track_scan (self);

  g_hash_table_iter_init (&iter, run->members);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (chk_proc_is_alive (GPOINTER_TO_INT (key), GPOINTER_TO_SIZE (value)))
      return FALSE;
  return TRUE;
}

/**
 * chk_process_tracker_signal:
 * @self: a #ChkProcessTracker
 * @run: a run of @self
 * @signum: the signal
 *
 * Sends @signum to @run's process group while it has anyone in it, and to
 * every member that left it.
 *
 * Returns: whether there was a process to signal
 */
gboolean
chk_process_tracker_signal (ChkProcessTracker *self,
                            ChkTrackedRun     *run,
                            int                signum)
{
  GHashTableIter iter;
  gpointer key, value;
  gboolean any = FALSE;

  track_scan (self);

  if (!run->group_gone && kill (-run->leader, signum) == 0)
    any = TRUE;

  g_hash_table_iter_init (&iter, run->members);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      pid_t pid = GPOINTER_TO_INT (key);

      /* The start time tells a member from a process that got its pid since. */
      if (chk_proc_is_alive (pid, GPOINTER_TO_SIZE (value)) && kill (pid, signum) == 0)
        any = TRUE;
    }

  return any;
}

/**
 * chk_tracked_run_get_usage:
 * @run: a tracked run
 * @usage: (out caller-allocates): where to set @tasks_limited,
 *   @orphans_cpu_time and @orphans_maxrss; the rest is left as it is
 *
 * Says what the tracking knows of @run's use: whether it went past
 * max-tasks, and what its orphans, reaped by the daemon, used.
 */
void
chk_tracked_run_get_usage (ChkTrackedRun *run,
                           ChkRunUsage   *usage)
{
  usage->tasks_limited = run->over_tasks;
  usage->orphans_cpu_time = run->orphans_cpu_time;
  usage->orphans_maxrss = run->orphans_maxrss;
}
