/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-containment"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "chk-cgroup.h"
#include "chk-containment.h"
#include "chk-error.h"
#include "chk-proc.h"
#include "chk-process-tracker.h"

/*
 * Every run is held together so that nothing it starts outlives it, not
 * even a process that calls setsid() or double-forks:
 *
 * - "cgroup": a cgroup v2 of its own, <base>/chroniker.<tag>/chroniker-run-<id>,
 *   where <base> is the daemon's own cgroup (delegated to it by its systemd
 *   unit, or writable because the daemon is root). The child is made in it
 *   (clone3() with CLONE_INTO_CGROUP), or joins it between fork and exec
 *   where the kernel cannot, so not even its first fork escapes. Stop,
 *   timeout and the end of the main process kill the whole cgroup
 *   (cgroup.kill); limits and accounting use the cgroup's controllers, on
 *   the v2 hierarchy or, on a hybrid machine, on the v1 hierarchy that
 *   holds the controller. <tag> is a hash of the database path, so that
 *   two daemons never mix their runs and a restarted daemon finds its own.
 *   A run joins a v1 hierarchy only for what it needs there: pids for a
 *   max-tasks, cpu for a cpu-weight, memory for memory-max and for its
 *   memory-peak; cpu-time comes from the v2 cgroup, which every run has.
 * - "process-group": the run's process group, with the daemon as child
 *   subreaper (PR_SET_CHILD_SUBREAPER) and every descendant tracked by
 *   scanning /proc while runs are under way: a process joins its run when
 *   its parent or its group is the run's, or when it is an orphan handed
 *   to the daemon that carries the run's CHRONIKER_RUN_ID. Limits are
 *   enforced only by watching (max-tasks), or not at all, and each run's
 *   message says so.
 *
 * This file chooses between the two and does, for each run's group, what
 * either needs. The pieces below it live in files of their own:
 *
 * - chk-cgroup.c: the files of cgroupfs (reading and writing them,
 *   signalling and removing a cgroup) and where the hierarchies are
 *   mounted and the daemon's own cgroups are;
 * - chk-process-tracker.c: the tracking of process-group mode, the scan
 *   of /proc that finds each run's descendants and reaps its orphans;
 * - chk-proc.c: what /proc says of a process (its parent, group, start
 *   time and state, and whether it carries a run's marker).
 */

/* Threads the daemon may start during a run without its user's process
 * limit refusing the run's forks before max-tasks. */
#define NPROC_DAEMON_ROOM 16

struct _ChkContainment
{
  GObject             parent_instance;

  ChkContainmentMode  mode;
  gboolean            cgroups;

  /* The per-database directory in each hierarchy used, or NULL. A
   * controller is used on v2 when v2 offers it to our leaves, on v1
   * otherwise. */
  char               *dirs[CHK_CGROUP_N_HIERARCHIES];
  gboolean            v2_pids;
  gboolean            v2_memory;
  gboolean            v2_cpu;
  gboolean            v2_kill;

  /* The per-database cgroups exist only while runs do, so that a daemon
   * killed between runs leaves nothing behind: made again, with the
   * controllers their runs get, for the first run after a pause. Groups
   * are made in the threads that spawn the runs: the lock keeps the
   * count, and the per-database cgroups made or removed, in step. */
  GMutex              lock;
  guint               n_groups;

  /* Process-group mode: the runs under way and their descendants. */
  ChkProcessTracker  *tracker;
};

G_DEFINE_FINAL_TYPE (ChkContainment, chk_containment, G_TYPE_OBJECT)

struct _ChkRunGroup
{
  ChkContainment *owner;
  guint64         run_id;
  char           *name;
  char           *paths[CHK_CGROUP_N_HIERARCHIES];
  /* What the child writes to join each: cgroup.procs on v2, where only a
   * child that could not be made in its cgroup writes; `tasks` on v1. */
  int             procs_fds[CHK_CGROUP_N_HIERARCHIES];
  int             cgroup_fd;  /* the v2 cgroup, for CLONE_INTO_CGROUP */
  GString        *notes;
  ChkRunLimits    limits;

  gboolean        counted;

  /* Process-group mode */
  rlim_t          nproc_limit;
  ChkTrackedRun  *tracked;  /* from chk_run_group_set_leader() on */
};

static gboolean
has_word (const char *list,
          const char *word)
{
  g_auto(GStrv) words = NULL;

  if (list == NULL)
    return FALSE;
  words = g_strsplit_set (g_strstrip ((char *) list), " \n", -1);
  return g_strv_contains ((const char * const *) words, word);
}

/* Makes the controllers that @base offers available to the runs' cgroups
 * below @dir. The daemon's own cgroup can hand controllers down only once
 * no process is left in it ("no internal processes"): a delegated daemon
 * moves itself into a leaf of its own first, as systemd advises.
 */
static void
enable_v2_controllers (ChkContainment *self,
                       const char     *base,
                       gboolean        base_is_root)
{
  const char * const wanted[] = { "pids", "memory", "cpu" };
  g_autofree char *offered = chk_cgroup_read (base, "cgroup.controllers");
  g_autofree char *effective = NULL;
  gboolean moved = base_is_root;

  for (guint i = 0; i < G_N_ELEMENTS (wanted); i++)
    {
      g_autofree char *enable = g_strconcat ("+", wanted[i], NULL);
      g_autoptr(GError) error = NULL;

      if (!has_word (offered, wanted[i]))
        continue;

      if (!chk_cgroup_write (base, "cgroup.subtree_control", enable, &error) && !moved &&
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY))
        {
          g_autofree char *leaf = g_build_filename (base, "chronikerd", NULL);
          g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());

          moved = TRUE;
          if (g_mkdir (leaf, 0755) != 0 && errno != EEXIST)
            continue;
          if (chk_cgroup_write (leaf, "cgroup.procs", pid, NULL))
            g_debug ("Moved the daemon into %s to hand controllers to its runs", leaf);
          (void) chk_cgroup_write (base, "cgroup.subtree_control", enable, NULL);
        }
      (void) chk_cgroup_write (self->dirs[CHK_CGROUP_V2], "cgroup.subtree_control", enable, NULL);
    }

  effective = chk_cgroup_read (self->dirs[CHK_CGROUP_V2], "cgroup.subtree_control");
  self->v2_pids = has_word (effective, "pids");
  self->v2_memory = has_word (effective, "memory");
  self->v2_cpu = has_word (effective, "cpu");
}

/* Makes the controllers of the per-database cgroup available to the runs'
 * cgroups below it, as far as its parent has them. */
static void
hand_down_v2_controllers (ChkContainment *self)
{
  const char * const controllers[] = { "pids", "memory", "cpu" };
  const gboolean wanted[] = { self->v2_pids, self->v2_memory, self->v2_cpu };

  for (guint i = 0; i < G_N_ELEMENTS (controllers); i++)
    {
      g_autofree char *enable = g_strconcat ("+", controllers[i], NULL);

      if (wanted[i])
        (void) chk_cgroup_write (self->dirs[CHK_CGROUP_V2], "cgroup.subtree_control", enable, NULL);
    }
}

static char *
make_tag_dir (const char *mount,
              const char *own,
              const char *tag)
{
  g_autofree char *name = g_strconcat ("chroniker.", tag, NULL);
  char *dir = g_build_filename (mount, own != NULL ? own : "/", name, NULL);

  if (g_mkdir (dir, 0755) != 0 && errno != EEXIST)
    {
      g_debug ("Cannot make %s: %s", dir, g_strerror (errno));
      g_free (dir);
      return NULL;
    }
  return dir;
}

static gboolean
probe_cgroups (ChkContainment *self,
               const char     *tag)
{
  g_autofree char *base = NULL;
  char *mounts[CHK_CGROUP_N_HIERARCHIES] = { NULL, };
  char *own[CHK_CGROUP_N_HIERARCHIES] = { NULL, };
  g_autofree char *kill_path = NULL;

  chk_cgroup_find_mounts (mounts);
  chk_cgroup_find_own (own);

  if (mounts[CHK_CGROUP_V2] != NULL && own[CHK_CGROUP_V2] != NULL)
    self->dirs[CHK_CGROUP_V2] = make_tag_dir (mounts[CHK_CGROUP_V2], own[CHK_CGROUP_V2], tag);

  if (self->dirs[CHK_CGROUP_V2] != NULL)
    {
      base = g_build_filename (mounts[CHK_CGROUP_V2], own[CHK_CGROUP_V2], NULL);
      enable_v2_controllers (self, base, strcmp (own[CHK_CGROUP_V2], "/") == 0);
      kill_path = g_build_filename (self->dirs[CHK_CGROUP_V2], "cgroup.kill", NULL);
      self->v2_kill = g_file_test (kill_path, G_FILE_TEST_EXISTS);

      /* A controller v2 does not give us comes from its v1 hierarchy. */
      for (guint h = CHK_CGROUP_PIDS; h < CHK_CGROUP_N_HIERARCHIES; h++)
        {
          gboolean on_v2 = (h == CHK_CGROUP_PIDS && self->v2_pids) ||
                           (h == CHK_CGROUP_MEMORY && self->v2_memory) ||
                           ((h == CHK_CGROUP_CPU || h == CHK_CGROUP_CPUACCT) && self->v2_cpu) ||
                           h == CHK_CGROUP_CPUACCT;  /* cpu.stat is on every v2 cgroup */

          if (!on_v2 && mounts[h] != NULL && own[h] != NULL)
            self->dirs[h] = make_tag_dir (mounts[h], own[h], tag);
        }
    }

  for (guint h = 0; h < CHK_CGROUP_N_HIERARCHIES; h++)
    {
      g_free (mounts[h]);
      g_free (own[h]);
    }

  return self->dirs[CHK_CGROUP_V2] != NULL;
}

/* GObject */

static void
chk_containment_finalize (GObject *object)
{
  ChkContainment *self = CHK_CONTAINMENT (object);

  g_clear_pointer (&self->tracker, chk_process_tracker_free);
  /* Only empty ones go: a run still under way keeps its cgroup. */
  for (guint h = 0; h < CHK_CGROUP_N_HIERARCHIES; h++)
    {
      if (self->dirs[h] != NULL)
        (void) g_rmdir (self->dirs[h]);
      g_free (self->dirs[h]);
    }
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (chk_containment_parent_class)->finalize (object);
}

static void
chk_containment_class_init (ChkContainmentClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = chk_containment_finalize;
}

static void
chk_containment_init (ChkContainment *self)
{
  g_mutex_init (&self->lock);
  self->tracker = chk_process_tracker_new ();
}

/* Public API */

/**
 * chk_containment_mode_from_string:
 * @text: "auto", "cgroup" or "process-group"
 * @out_mode: (out): the mode
 *
 * Returns: whether @text names a mode
 */
gboolean
chk_containment_mode_from_string (const char         *text,
                                  ChkContainmentMode *out_mode)
{
  if (g_strcmp0 (text, "auto") == 0)
    *out_mode = CHK_CONTAINMENT_MODE_AUTO;
  else if (g_strcmp0 (text, "cgroup") == 0)
    *out_mode = CHK_CONTAINMENT_MODE_CGROUP;
  else if (g_strcmp0 (text, "process-group") == 0)
    *out_mode = CHK_CONTAINMENT_MODE_PROCESS_GROUP;
  else
    return FALSE;
  return TRUE;
}

static ChkContainmentMode default_mode = CHK_CONTAINMENT_MODE_AUTO;

/**
 * chk_containment_set_default_mode:
 * @mode: a #ChkContainmentMode
 *
 * Sets the mode of the containments that engines make from now on
 * (chronikerd's `--containment`).
 */
void
chk_containment_set_default_mode (ChkContainmentMode mode)
{
  default_mode = mode;
}

/**
 * chk_containment_get_default_mode:
 *
 * Returns: the mode set by chk_containment_set_default_mode(), auto by default
 */
ChkContainmentMode
chk_containment_get_default_mode (void)
{
  return default_mode;
}

/**
 * chk_containment_new:
 * @tag: what tells this daemon's runs from another's (a hash of the database path)
 * @mode: what to try
 * @error: return location for a #GError
 *
 * Finds out how runs can be contained on this machine. In process-group
 * mode the daemon becomes child subreaper, so that what a run leaves
 * behind is handed to it rather than to init.
 *
 * Returns: (transfer full): the containment, or %NULL when @mode is
 *   %CHK_CONTAINMENT_MODE_CGROUP and no cgroup could be made
 */
ChkContainment *
chk_containment_new (const char          *tag,
                     ChkContainmentMode   mode,
                     GError             **error)
{
  g_autoptr(ChkContainment) self = g_object_new (CHK_TYPE_CONTAINMENT, NULL);

  g_return_val_if_fail (tag != NULL && tag[0] != '\0', NULL);

  self->mode = mode;

  if (mode != CHK_CONTAINMENT_MODE_PROCESS_GROUP)
    self->cgroups = probe_cgroups (self, tag);

  if (!self->cgroups && mode == CHK_CONTAINMENT_MODE_CGROUP)
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_PERMISSION_DENIED,
                   "No cgroup v2 hierarchy that this daemon may write: run it from a "
                   "systemd unit with Delegate=yes, or as root");
      return NULL;
    }

  if (self->cgroups)
    {
      g_debug ("Runs are contained in cgroups under %s (pids %s, memory %s, cpu %s)",
               self->dirs[CHK_CGROUP_V2],
               self->v2_pids ? "v2" : self->dirs[CHK_CGROUP_PIDS] != NULL ? "v1" : "none",
               self->v2_memory ? "v2" : self->dirs[CHK_CGROUP_MEMORY] != NULL ? "v1" : "none",
               self->v2_cpu ? "v2" : self->dirs[CHK_CGROUP_CPU] != NULL ? "v1" : "none");
    }
  else
    {
      if (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
        g_warning ("Could not become child subreaper: %s", g_strerror (errno));
      g_debug ("Runs are contained in process groups, the daemon being their subreaper");
    }

  return g_steal_pointer (&self);
}

/**
 * chk_containment_get_fallback:
 *
 * Returns: (transfer none): a process-wide process-group containment, for
 *   runners that were given none
 */
ChkContainment *
chk_containment_get_fallback (void)
{
  static ChkContainment *fallback;

  if (g_once_init_enter (&fallback))
    g_once_init_leave (&fallback,
                               chk_containment_new ("fallback", CHK_CONTAINMENT_MODE_PROCESS_GROUP,
                                                    NULL));
  return fallback;
}

/**
 * chk_containment_get_kind:
 * @self: a #ChkContainment
 *
 * Returns: "cgroup" or "process-group", as the run key `containment` says
 */
const char *
chk_containment_get_kind (ChkContainment *self)
{
  g_return_val_if_fail (CHK_IS_CONTAINMENT (self), NULL);

  return self->cgroups ? "cgroup" : "process-group";
}

static void
add_note (ChkRunGroup *group,
          const char  *format,
          ...) G_GNUC_PRINTF (2, 3);

static void
add_note (ChkRunGroup *group,
          const char  *format,
          ...)
{
  va_list args;

  if (group->notes->len > 0)
    g_string_append (group->notes, "; ");
  va_start (args, format);
  g_string_append_vprintf (group->notes, format, args);
  va_end (args);
}

/* Whether the run needs its own cgroup in the v1 hierarchy @h: joining
 * one costs the child a write between clone and exec, so only for a limit
 * set there, or for the memory peak (which only v1 measures here). */
static gboolean
needs_v1_leaf (const ChkRunLimits *limits,
               ChkCgroupHierarchy  h)
{
  switch (h)
    {
    case CHK_CGROUP_PIDS:
      return limits->max_tasks > 0;
    case CHK_CGROUP_MEMORY:
      return TRUE;
    case CHK_CGROUP_CPU:
      return limits->cpu_weight != 0 && limits->cpu_weight != 100;
    case CHK_CGROUP_CPUACCT:
    case CHK_CGROUP_V2:
    case CHK_CGROUP_N_HIERARCHIES:
    default:
      return FALSE;
    }
}

static gboolean
make_leaf (ChkRunGroup         *group,
           ChkCgroupHierarchy   h,
           GError             **error)
{
  ChkContainment *self = group->owner;
  g_autofree char *procs = NULL;
  char *path;

  if (self->dirs[h] == NULL || (h != CHK_CGROUP_V2 && !needs_v1_leaf (&group->limits, h)))
    return TRUE;

  /* This group is counted already, so the per-database cgroup made or
   * found here stays until the group goes. */
  g_mutex_lock (&self->lock);
  if (g_mkdir (self->dirs[h], 0755) == 0 && h == CHK_CGROUP_V2)
    hand_down_v2_controllers (self);
  g_mutex_unlock (&self->lock);

  path = g_build_filename (self->dirs[h], group->name, NULL);

  /* One left by a daemon that died with the same database: whatever is
   * in it is not ours to keep running. */
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      chk_cgroup_signal (path, SIGKILL, h == CHK_CGROUP_V2 && self->v2_kill);
      chk_cgroup_remove (path, TRUE);
    }

  if (g_mkdir (path, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not make the cgroup %s: %s", path, g_strerror (saved));
      g_free (path);
      return h != CHK_CGROUP_V2;
    }

  /* On v1, the child moves itself, its only thread, through `tasks`: a pid
   * written to cgroup.procs takes the kernel's global lock on thread
   * groups, which waits for every fork and exec under way on the machine
   * (several ms while other runs start); "0" there moves the writer alone. */
  procs = g_build_filename (path, h == CHK_CGROUP_V2 ? "cgroup.procs" : "tasks", NULL);
  group->procs_fds[h] = open (procs, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (group->procs_fds[h] < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not open %s: %s", procs, g_strerror (saved));
      g_rmdir (path);
      g_free (path);
      return h != CHK_CGROUP_V2;
    }

  if (h == CHK_CGROUP_V2)
    group->cgroup_fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);

  group->paths[h] = path;
  return TRUE;
}

static void
apply_limits (ChkRunGroup *group)
{
  ChkContainment *self = group->owner;
  const ChkRunLimits *limits = &group->limits;
  const char *v2 = group->paths[CHK_CGROUP_V2];
  const char *pids_dir = self->v2_pids ? v2 : group->paths[CHK_CGROUP_PIDS];
  const char *memory_dir = self->v2_memory ? v2 : group->paths[CHK_CGROUP_MEMORY];
  const char *cpu_dir = self->v2_cpu ? v2 : group->paths[CHK_CGROUP_CPU];
  g_autoptr(GError) error = NULL;

  if (limits->max_tasks > 0)
    {
      g_autofree char *value = g_strdup_printf ("%u", limits->max_tasks);

      /* Without the controller, the processes in the cgroup are counted
       * instead (chk_run_group_get_usage()). */
      if (pids_dir == NULL)
        add_note (group, "max-tasks %u was only watched: no pids controller", limits->max_tasks);
      else if (!chk_cgroup_write (pids_dir, "pids.max", value, &error))
        add_note (group, "max-tasks %u was not enforced: %s", limits->max_tasks, error->message);
      g_clear_error (&error);
    }

  if (limits->memory_max > 0)
    {
      g_autofree char *value = g_strdup_printf ("%" G_GUINT64_FORMAT, limits->memory_max);
      const char *file = self->v2_memory ? "memory.max" : "memory.limit_in_bytes";

      if (memory_dir == NULL)
        add_note (group, "memory-max was not enforced: no memory controller");
      else if (!chk_cgroup_write (memory_dir, file, value, &error))
        add_note (group, "memory-max was not enforced: %s", error->message);
      g_clear_error (&error);

      /* Without this, a v2 run past its limit would swap instead of being
       * killed, as a v1 run without memsw would. */
      if (self->v2_memory && memory_dir != NULL)
        (void) chk_cgroup_write (memory_dir, "memory.swap.max", "0", NULL);
    }

  if (limits->cpu_weight != 0 && limits->cpu_weight != 100)
    {
      /* v1 shares are relative to 1024 where v2 weights are to 100. */
      g_autofree char *value = self->v2_cpu ?
                               g_strdup_printf ("%u", limits->cpu_weight) :
                               g_strdup_printf ("%u", MAX (2u, limits->cpu_weight * 1024 / 100));
      const char *file = self->v2_cpu ? "cpu.weight" : "cpu.shares";

      if (cpu_dir == NULL)
        add_note (group, "cpu-weight was not enforced: no cpu controller");
      else if (!chk_cgroup_write (cpu_dir, file, value, &error))
        add_note (group, "cpu-weight was not enforced: %s", error->message);
    }
}

/**
 * chk_containment_create_group:
 * @self: a #ChkContainment
 * @run_id: the run
 * @limits: what the run may use
 * @error: return location for a #GError
 *
 * Makes the cgroup of a run, with its limits, or the bookkeeping of its
 * process group. A limit that cannot be enforced is not an error: it is in
 * chk_run_group_get_notes(), for the run's message. It may be called in
 * any thread (the threads that spawn runs make their groups); the group's
 * other calls belong to the thread that owns @self.
 *
 * Returns: (transfer full): the run's group, or %NULL when its cgroup
 *   could not be made
 */
ChkRunGroup *
chk_containment_create_group (ChkContainment      *self,
                              guint64              run_id,
                              const ChkRunLimits  *limits,
                              GError             **error)
{
  g_autoptr(ChkRunGroup) group = g_new0 (ChkRunGroup, 1);

  g_return_val_if_fail (CHK_IS_CONTAINMENT (self), NULL);
  g_return_val_if_fail (limits != NULL, NULL);

  group->owner = g_object_ref (self);
  group->run_id = run_id;
  group->name = g_strdup_printf ("chroniker-run-%" G_GUINT64_FORMAT, run_id);
  group->notes = g_string_new (NULL);
  group->limits = *limits;
  for (guint h = 0; h < CHK_CGROUP_N_HIERARCHIES; h++)
    group->procs_fds[h] = -1;
  group->cgroup_fd = -1;

  if (!self->cgroups)
    {
      /* Watching alone cannot stop a fork bomb between two scans: the
       * user's process limit bounds it (root is exempt from it, as from
       * every such limit). It counts every process and thread of the user,
       * the daemon's too, whose threads come and go: they get room of
       * their own, so that the run's forks are refused only past
       * max-tasks, where the scan also ends the run and says why. */
      if (limits->max_tasks > 0 && getuid () != 0)
        group->nproc_limit = chk_proc_count_user_processes () + limits->max_tasks +
                             NPROC_DAEMON_ROOM;
      if (limits->memory_max > 0)
        add_note (group, "memory-max was not enforced: runs are not in cgroups here");
      if (limits->cpu_weight != 0 && limits->cpu_weight != 100)
        add_note (group, "cpu-weight was not enforced: runs are not in cgroups here");
      return g_steal_pointer (&group);
    }

  g_mutex_lock (&self->lock);
  self->n_groups++;
  g_mutex_unlock (&self->lock);
  group->counted = TRUE;
  for (guint h = 0; h < CHK_CGROUP_N_HIERARCHIES; h++)
    {
      g_autoptr(GError) local_error = NULL;

      if (!make_leaf (group, h, &local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (local_error != NULL)
        g_debug ("Run %" G_GUINT64_FORMAT ": %s", run_id, local_error->message);
    }

  apply_limits (group);

  return g_steal_pointer (&group);
}

/**
 * chk_containment_end_leftovers:
 * @self: a #ChkContainment
 * @run_id: a run that a dead daemon left under way
 * @where: the run's cgroup as recorded, or "" when it had none
 * @pgid: the run's process group
 *
 * Ends whatever is left of the run: its whole cgroup, found by its name;
 * or, for a run that had only its process group, the group if one of its
 * processes still carries the run's CHRONIKER_RUN_ID (a group id reused
 * since is never touched). Blocks for at most a couple of seconds: for
 * start-up.
 */
void
chk_containment_end_leftovers (ChkContainment *self,
                               guint64         run_id,
                               const char     *where,
                               guint32         pgid)
{
  g_autofree char *name = g_strdup_printf ("chroniker-run-%" G_GUINT64_FORMAT, run_id);

  g_return_if_fail (CHK_IS_CONTAINMENT (self));

  if (where != NULL && where[0] != '\0')
    {
      g_autofree char *base = g_path_get_basename (where);

      /* Only a cgroup of ours is ever killed, whatever the database says. */
      if (strcmp (base, name) != 0 || !g_file_test (where, G_FILE_TEST_IS_DIR))
        return;

      if (!chk_cgroup_is_empty (where))
        g_message ("Ending the leftover processes of run %" G_GUINT64_FORMAT " (%s)",
                   run_id, where);
      chk_cgroup_signal (where, SIGKILL, self->v2_kill);
      chk_cgroup_remove (where, TRUE);
      return;
    }

  if (pgid > 1)
    {
      g_autoptr(GArray) entries = chk_proc_list ();
      gboolean ours = FALSE;

      for (guint i = 0; i < entries->len && !ours; i++)
        {
          ChkProcEntry *entry = &g_array_index (entries, ChkProcEntry, i);

          ours = entry->pgrp == (pid_t) pgid && chk_proc_has_run_marker (entry->pid, run_id);
        }

      if (ours)
        {
          g_message ("Ending the leftover processes of run %" G_GUINT64_FORMAT " (group %u)",
                     run_id, pgid);
          if (kill (-(pid_t) pgid, SIGKILL) != 0 && errno != ESRCH)
            g_warning ("Could not end process group %u: %s", pgid, g_strerror (errno));
        }
    }
}

/**
 * chk_containment_sweep:
 * @self: a #ChkContainment
 *
 * Ends and removes every run cgroup of this daemon's database that is
 * left: at start-up, after the runs left under way were dealt with, what
 * remains belongs to no run (a daemon killed between making a cgroup and
 * recording it). Blocks for at most a couple of seconds per cgroup.
 */
void
chk_containment_sweep (ChkContainment *self)
{
  g_return_if_fail (CHK_IS_CONTAINMENT (self));

  for (guint h = 0; h < CHK_CGROUP_N_HIERARCHIES; h++)
    {
      g_autoptr(GDir) dir = NULL;
      const char *name;

      if (self->dirs[h] == NULL || (dir = g_dir_open (self->dirs[h], 0, NULL)) == NULL)
        continue;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = NULL;

          if (!g_str_has_prefix (name, "chroniker-run-"))
            continue;

          path = g_build_filename (self->dirs[h], name, NULL);
          if (!chk_cgroup_is_empty (path))
            {
              g_message ("Ending leftover processes in %s", path);
              chk_cgroup_signal (path, SIGKILL, h == CHK_CGROUP_V2 && self->v2_kill);
            }
          chk_cgroup_remove (path, TRUE);
        }

      /* Made again for the next run. */
      g_clear_pointer (&dir, g_dir_close);
      g_mutex_lock (&self->lock);
      if (self->n_groups == 0)
        (void) g_rmdir (self->dirs[h]);
      g_mutex_unlock (&self->lock);
    }
}

/**
 * chk_run_group_get_kind:
 * @group: a run's group
 *
 * Returns: the run key `containment`: "cgroup" or "process-group"
 */
const char *
chk_run_group_get_kind (ChkRunGroup *group)
{
  return chk_containment_get_kind (group->owner);
}

/**
 * chk_run_group_get_path:
 * @group: a run's group
 *
 * Returns: the run's cgroup directory, or "" in process-group mode
 */
const char *
chk_run_group_get_path (ChkRunGroup *group)
{
  return group->paths[CHK_CGROUP_V2] != NULL ? group->paths[CHK_CGROUP_V2] : "";
}

/**
 * chk_run_group_get_notes:
 * @group: a run's group
 *
 * Returns: the limits that are not enforced and why, "" when all are
 */
const char *
chk_run_group_get_notes (ChkRunGroup *group)
{
  return group->notes->str;
}

/**
 * chk_run_group_get_cgroup_fd:
 * @group: a run's group
 *
 * Returns: an O_PATH fd of the run's v2 cgroup, owned by @group until
 *   chk_run_group_set_leader(), for clone3() to make the child in it
 *   (CLONE_INTO_CGROUP); -1 in process-group mode
 */
int
chk_run_group_get_cgroup_fd (ChkRunGroup *group)
{
  return group->cgroup_fd;
}

/**
 * chk_run_group_join:
 * @group: a run's group
 * @in_cgroup: whether the process was made in the run's v2 cgroup
 *   (chk_run_group_get_cgroup_fd())
 *
 * Puts the calling process, single-threaded, in the run's cgroups. For the
 * child, between fork and exec: async-signal-safe calls only. Process
 * groups are the runner's business.
 *
 * Returns: 0, or the errno of the first cgroup that could not be joined
 */
int
chk_run_group_join (ChkRunGroup *group,
                    gboolean     in_cgroup)
{
  char digits[16];
  pid_t pid = getpid ();
  int len = 0;
  char text[16];

  do
    {
      digits[len++] = (char) ('0' + pid % 10);
      pid /= 10;
    }
  while (pid > 0 && len < (int) sizeof digits);
  for (int i = 0; i < len; i++)
    text[i] = digits[len - 1 - i];

  if (group->nproc_limit > 0)
    {
      struct rlimit limit = { group->nproc_limit, group->nproc_limit };

      (void) setrlimit (RLIMIT_NPROC, &limit);
    }

  for (guint h = 0; h < CHK_CGROUP_N_HIERARCHIES; h++)
    {
      /* v1's `tasks` takes "0" for the writer (see make_leaf()). */
      const char *what = h == CHK_CGROUP_V2 ? text : "0";
      int what_len = h == CHK_CGROUP_V2 ? len : 1;
      ssize_t written;

      if (group->procs_fds[h] < 0 || (h == CHK_CGROUP_V2 && in_cgroup))
        continue;
      do
        written = write (group->procs_fds[h], what, what_len);
      while (written < 0 && errno == EINTR);
      if (written != what_len)
        return errno != 0 ? errno : EIO;
    }
  return 0;
}

/**
 * chk_run_group_set_leader:
 * @group: a run's group
 * @pid: the run's main process, leader of its process group
 *
 * Starts tracking the run's descendants in process-group mode; in cgroup
 * mode the cgroup holds them already. The files the child used to join
 * its cgroups are closed.
 */
void
chk_run_group_set_leader (ChkRunGroup *group,
                          pid_t        pid)
{
  ChkContainment *self = group->owner;

  for (guint h = 0; h < CHK_CGROUP_N_HIERARCHIES; h++)
    if (group->procs_fds[h] >= 0)
      {
        close (group->procs_fds[h]);
        group->procs_fds[h] = -1;
      }
  if (group->cgroup_fd >= 0)
    {
      close (group->cgroup_fd);
      group->cgroup_fd = -1;
    }

  if (self->cgroups || pid <= 0)
    return;

  group->tracked = chk_process_tracker_add (self->tracker, group->run_id,
                                            group->limits.max_tasks, pid);
}

/**
 * chk_run_group_is_empty:
 * @group: a run's group
 *
 * Returns: whether no process of the run is left
 */
gboolean
chk_run_group_is_empty (ChkRunGroup *group)
{
  if (group->owner->cgroups)
    return group->paths[CHK_CGROUP_V2] == NULL || chk_cgroup_is_empty (group->paths[CHK_CGROUP_V2]);

  return group->tracked == NULL ||
         chk_process_tracker_is_empty (group->owner->tracker, group->tracked);
}

/**
 * chk_run_group_signal:
 * @group: a run's group
 * @signum: SIGTERM or SIGKILL
 *
 * Sends @signum to every process of the run, those that left its process
 * group included.
 *
 * Returns: whether there was a process to signal
 */
gboolean
chk_run_group_signal (ChkRunGroup *group,
                      int          signum)
{
  if (group->owner->cgroups)
    {
      if (group->paths[CHK_CGROUP_V2] == NULL || chk_cgroup_is_empty (group->paths[CHK_CGROUP_V2]))
        return FALSE;
      chk_cgroup_signal (group->paths[CHK_CGROUP_V2], signum, group->owner->v2_kill);
      return TRUE;
    }

  return group->tracked != NULL &&
         chk_process_tracker_signal (group->owner->tracker, group->tracked, signum);
}

/**
 * chk_run_group_get_usage:
 * @group: a run's group
 * @usage: (out caller-allocates): what the run used
 *
 * Reads what the run used from its cgroups; in process-group mode only
 * whether it went past max-tasks is known here (the runner measures the
 * rest with wait4()).
 */
void
chk_run_group_get_usage (ChkRunGroup *group,
                         ChkRunUsage *usage)
{
  ChkContainment *self = group->owner;
  const char *v2 = group->paths[CHK_CGROUP_V2];
  const char *v1_pids = group->paths[CHK_CGROUP_PIDS];
  const char *v1_memory = group->paths[CHK_CGROUP_MEMORY];
  const char *v1_cpuacct = group->paths[CHK_CGROUP_CPUACCT];
  guint64 value;

  memset (usage, 0, sizeof *usage);

  if (!self->cgroups)
    {
      if (group->tracked != NULL)
        chk_tracked_run_get_usage (group->tracked, usage);
      return;
    }

  if (v2 != NULL && chk_cgroup_read_key (v2, "cpu.stat", "usage_usec", &value))
    usage->cpu_time = value;
  else if (v1_cpuacct != NULL && chk_cgroup_read_number (v1_cpuacct, "cpuacct.usage", &value))
    usage->cpu_time = value / 1000;

  if (self->v2_memory && v2 != NULL)
    {
      if (chk_cgroup_read_number (v2, "memory.peak", &value))
        usage->memory_peak = value;
      if (chk_cgroup_read_key (v2, "memory.events", "oom_kill", &value) && value > 0)
        usage->memory_killed = TRUE;
    }
  else if (v1_memory != NULL)
    {
      if (chk_cgroup_read_number (v1_memory, "memory.max_usage_in_bytes", &value))
        usage->memory_peak = value;
      if (chk_cgroup_read_key (v1_memory, "memory.oom_control", "oom_kill", &value) && value > 0)
        usage->memory_killed = TRUE;
    }

  if (self->v2_pids && v2 != NULL)
    {
      usage->tasks_limited = chk_cgroup_read_key (v2, "pids.events", "max", &value) && value > 0;
    }
  else if (v1_pids != NULL)
    {
      usage->tasks_limited = chk_cgroup_read_key (v1_pids, "pids.events", "max", &value) &&
                             value > 0;
    }
  else if (group->limits.max_tasks > 0 && v2 != NULL)
    {
      g_autoptr(GArray) procs = chk_cgroup_read_procs (v2);

      usage->tasks_limited = procs->len > group->limits.max_tasks;
    }
}

/**
 * chk_run_group_free:
 * @group: (nullable): a run's group
 *
 * Removes the run's cgroups (they are empty by now: the runner waits for
 * that) and stops tracking it.
 */
void
chk_run_group_free (ChkRunGroup *group)
{
  if (group == NULL)
    return;

  for (guint h = 0; h < CHK_CGROUP_N_HIERARCHIES; h++)
    {
      if (group->procs_fds[h] >= 0)
        close (group->procs_fds[h]);
      if (group->paths[h] != NULL)
        {
          gboolean has_kill = h == CHK_CGROUP_V2 && group->owner->v2_kill;

          /* Tried first: an empty cgroup goes without reading it. One that
           * will not go (EBUSY: not empty) has what is left killed. */
          if (g_rmdir (group->paths[h]) != 0 && errno != ENOENT)
            {
              chk_cgroup_signal (group->paths[h], SIGKILL, has_kill);
              chk_cgroup_remove (group->paths[h], FALSE);
            }
          g_free (group->paths[h]);
        }
    }

  if (group->cgroup_fd >= 0)
    close (group->cgroup_fd);

  if (group->counted)
    {
      ChkContainment *self = group->owner;

      g_mutex_lock (&self->lock);
      if (--self->n_groups == 0)
        {
          for (guint h = 0; h < CHK_CGROUP_N_HIERARCHIES; h++)
            if (self->dirs[h] != NULL)
              (void) g_rmdir (self->dirs[h]);
        }
      g_mutex_unlock (&self->lock);
    }

  if (group->tracked != NULL)
    chk_process_tracker_remove (group->owner->tracker, group->tracked);

  g_string_free (group->notes, TRUE);
  g_free (group->name);
  g_clear_object (&group->owner);
  g_free (group);
}
