/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-host-command"

#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>
#include <glib-unix.h>

#include "chk-host-command.h"

/*
 * Runs commands on the host from inside a Flatpak sandbox, through
 * flatpak-session-helper's org.freedesktop.Flatpak.Development interface:
 * HostCommand starts a process (in a session and process group of its
 * own), HostCommandExited tells its caller how it ended, HostCommandSignal
 * signals it or its group while it lives. Not the flatpak-spawn program:
 * it cannot forward SIGKILL nor signal the group.
 *
 * The helper only lets the D-Bus connection that started a process signal
 * it, and forgets it once it is reaped. What is beyond that (a daemon
 * restarted with a new connection, a process left after the main one ended
 * or that left the group) is reached by the marker every process of a run
 * inherits, CHK_HOST_COMMAND_MARKER: a small script run on the host signals
 * every process whose environment carries it. Where the host has a
 * systemd user manager, each run is also a scope of its own,
 * chroniker-run-<tag>-<id>.scope, which the next daemon kills by name
 * even if a process cleared its environment.
 */

#define HOST_BUS_NAME   "org.freedesktop.Flatpak"
#define HOST_PATH       "/org/freedesktop/Flatpak/Development"
#define HOST_INTERFACE  "org.freedesktop.Flatpak.Development"

/* HostCommand's flags */
#define HOST_COMMAND_FLAGS_CLEAR_ENV (1 << 0)
#define HOST_COMMAND_FLAGS_WATCH_BUS (1 << 1)

/* Exits of processes whose HostCommand reply is still on its way. Only
 * our own processes' exits come to us (the helper sends them to the
 * caller alone), so this holds a few at most; the bound is for safety. */
#define MAX_EARLY_EXITS 256

/* Signals every process of the host whose environment has the entry $2
 * with the signal $1 (-0 only looks); exits 0 if there was one. One grep
 * for all of /proc: a run's end costs one small process, not one per
 * process of the host. */
static const char scan_script[] =
  "found=1\n"
  "for f in $(grep -lzxF -e \"$2\" /proc/[0-9]*/environ 2>/dev/null); do\n"
  "  p=${f#/proc/}; p=${p%/environ}\n"
  "  kill \"$1\" \"$p\" 2>/dev/null && found=0\n"
  "done\n"
  "exit $found\n";

typedef enum
{
  SYSTEMD_UNKNOWN,
  SYSTEMD_PROBING,
  SYSTEMD_YES,
  SYSTEMD_NO,
} SystemdState;

struct _ChkHostCommand
{
  GObject          parent_instance;

  GDBusConnection *connection;
  char            *tag;
  guint            exited_id;

  /* pid → ExitWatch, and pid → wait status for exits not watched yet */
  GHashTable      *watches;
  GHashTable      *early_exits;

  SystemdState     systemd;
  GQueue           waiting;  /* GTasks waiting for the probe */
};

G_DEFINE_FINAL_TYPE (ChkHostCommand, chk_host_command, G_TYPE_OBJECT)

typedef struct
{
  ChkHostExitFunc func;
  gpointer        user_data;
} ExitWatch;

typedef struct
{
  char     *cwd;
  GStrv     argv;
  GStrv     envp;
  int       fds[4];
  guint64      run_id;
  ChkRunLimits limits;
  char        *unit;
  guint32      pid;
} SpawnData;

static void
spawn_data_free (SpawnData *data)
{
  g_free (data->cwd);
  g_strfreev (data->argv);
  g_strfreev (data->envp);
  for (guint i = 0; i < G_N_ELEMENTS (data->fds); i++)
    if (data->fds[i] >= 0)
      close (data->fds[i]);
  g_free (data->unit);
  g_free (data);
}

static char *
unit_name (ChkHostCommand *self,
           const char     *run_id)
{
  return g_strdup_printf ("chroniker-run-%s-%s.scope", self->tag, run_id);
}

/* Signals */

static void
exited_cb (GDBusConnection *connection,
           const char      *sender,
           const char      *path,
           const char      *interface,
           const char      *member,
           GVariant        *parameters,
           gpointer         user_data)
{
  ChkHostCommand *self = user_data;
  ExitWatch watch;
  ExitWatch *found;
  guint32 pid;
  guint32 status;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(uu)")))
    return;
  g_variant_get (parameters, "(uu)", &pid, &status);
  g_debug ("Host process %u ended (wait status 0x%x)", pid, status);

  found = g_hash_table_lookup (self->watches, GUINT_TO_POINTER (pid));
  if (found == NULL)
    {
      /* The reply to its HostCommand call comes later. */
      if (g_hash_table_size (self->early_exits) >= MAX_EARLY_EXITS)
        g_hash_table_remove_all (self->early_exits);
      g_hash_table_insert (self->early_exits, GUINT_TO_POINTER (pid), GUINT_TO_POINTER (status));
      return;
    }

  watch = *found;
  g_hash_table_remove (self->watches, GUINT_TO_POINTER (pid));
  watch.func (pid, (int) status, watch.user_data);
}

/* HostCommand */

/* Calls HostCommand with @fds (by their number in the process, -1 for
 * none) and then @envp as its whole environment, or the helper's
 * environment (the host session's) when @envp is NULL.
 *
 * WATCH_BUS: when our connection goes away, the helper sends SIGINT to
 * the process group of each process we started. A daemon that died
 * leaves nobody to read a run's output, and its next start records the
 * run as interrupted and ends it anyway: ending it at once is the same,
 * sooner, and covers a daemon that is never started again. What ignores
 * SIGINT or left the group is ended by that next start (by marker, or
 * by scope).
 */
static void
call_host_command (ChkHostCommand      *self,
                   const char          *cwd,
                   const char * const  *argv,
                   const char * const  *envp,
                   const int           *fds,
                   guint                n_fds,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GUnixFDList) fd_list = g_unix_fd_list_new ();
  GVariantBuilder fd_map;
  GVariantBuilder envs;
  guint32 flags = HOST_COMMAND_FLAGS_WATCH_BUS;

  g_variant_builder_init (&fd_map, G_VARIANT_TYPE ("a{uh}"));
  for (guint i = 0; i < n_fds; i++)
    {
      g_autoptr(GError) error = NULL;
      int handle;

      if (fds[i] < 0)
        continue;
      /* One entry of the list per entry of the map, in order: that is
       * how the helper pairs them. */
      handle = g_unix_fd_list_append (fd_list, fds[i], &error);
      if (handle < 0)
        g_warning ("Could not pass fd %u to the host: %s", i, error->message);
      else
        g_variant_builder_add (&fd_map, "{uh}", i, handle);
    }

  g_variant_builder_init (&envs, G_VARIANT_TYPE ("a{ss}"));
  if (envp != NULL)
    {
      flags |= HOST_COMMAND_FLAGS_CLEAR_ENV;
      for (gsize i = 0; envp[i] != NULL; i++)
        {
          const char *equals = strchr (envp[i], '=');
          g_autofree char *name = NULL;

          if (equals == NULL)
            continue;
          name = g_strndup (envp[i], equals - envp[i]);
          g_variant_builder_add (&envs, "{ss}", name, equals + 1);
        }
    }

  g_dbus_connection_call_with_unix_fd_list (self->connection, HOST_BUS_NAME, HOST_PATH,
                                            HOST_INTERFACE, "HostCommand",
                                            g_variant_new ("(^ay^aay@a{uh}@a{ss}u)",
                                                           cwd != NULL ? cwd : "", argv,
                                                           g_variant_builder_end (&fd_map),
                                                           g_variant_builder_end (&envs),
                                                           flags),
                                            G_VARIANT_TYPE ("(u)"),
                                            G_DBUS_CALL_FLAGS_NONE, -1, fd_list, NULL,
                                            callback, user_data);
}

static gboolean
host_command_finish (ChkHostCommand  *self,
                     GAsyncResult    *result,
                     guint32         *out_pid,
                     GError         **error)
{
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_with_unix_fd_list_finish (self->connection, NULL, result, error);
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (*error);
      g_prefix_error (error, "Could not start it on the host through "
                      HOST_INTERFACE ".HostCommand: ");
      return FALSE;
    }
  g_variant_get (reply, "(u)", out_pid);
  return TRUE;
}

/* Helper commands: run on the host, in the host session's environment,
 * with nothing open; their task returns their wait status. */

static void
helper_exited (guint32  pid,
               int      wait_status,
               gpointer user_data)
{
  g_autoptr(GTask) task = user_data;

  g_task_return_int (task, wait_status);
}

static void
helper_started_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChkHostCommand *self = g_task_get_source_object (task);
  GError *error = NULL;
  guint32 pid = 0;

  if (!host_command_finish (self, result, &pid, &error))
    g_task_return_error (task, error);
  else
    chk_host_command_watch_exit (self, pid, helper_exited, g_steal_pointer (&task));
}

static void
run_helper_async (ChkHostCommand      *self,
                  const char * const  *argv,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);
  int null_fd = open ("/dev/null", O_RDWR | O_CLOEXEC);
  const int fds[3] = { null_fd, null_fd, null_fd };

  g_task_set_source_tag (task, run_helper_async);
  g_debug ("Running on the host: %s", argv[0]);
  call_host_command (self, "/", argv, NULL, fds, G_N_ELEMENTS (fds), helper_started_cb, task);
  if (null_fd >= 0)
    close (null_fd);
}

/* Returns the wait status, or -1 with @error. */
static int
run_helper_finish (GAsyncResult  *result,
                   GError       **error)
{
  return (int) g_task_propagate_int (G_TASK (result), error);
}

static void
helper_logged_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (run_helper_finish (result, &error) < 0)
    g_message ("%s", error->message);
}

/* The systemd user manager */

static void spawn_with_unit (GTask *task);

/* The runs that waited for the probe (and the sweep) go now. */
static void
release_waiting (ChkHostCommand *self,
                 SystemdState    state)
{
  GTask *task;

  self->systemd = state;
  while ((task = g_queue_pop_head (&self->waiting)) != NULL)
    spawn_with_unit (task);
}

static void
swept_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(ChkHostCommand) self = user_data;
  g_autoptr(GError) error = NULL;

  if (run_helper_finish (result, &error) < 0)
    g_message ("%s", error->message);
  release_waiting (self, SYSTEMD_YES);
}

static void
probe_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ChkHostCommand) self = user_data;
  g_autoptr(GError) error = NULL;
  int status = run_helper_finish (result, &error);
  g_autofree char *pattern = unit_name (self, "*");
  const char * const argv[] = {
    "systemctl", "--user", "kill", "--signal=SIGKILL", pattern, NULL
  };

  if (status < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      g_message ("Runs on the host have no systemd scope: the host has no systemd user "
                 "manager%s%s", error != NULL ? ", " : "", error != NULL ? error->message : "");
      release_waiting (self, SYSTEMD_NO);
      return;
    }

  /* Whatever a dead daemon left in its scopes; before any new run has a
   * scope that the pattern would match. */
  g_message ("Runs on the host get a systemd scope each");
  run_helper_async (self, argv, swept_cb, g_object_ref (self));
}

/* Learns once whether the host has a systemd user manager that makes
 * scopes: by making one, which is what runs will do. Runs that start
 * meanwhile wait for the answer. */
static void
probe_systemd (ChkHostCommand *self)
{
  const char * const argv[] = {
    "systemd-run", "--user", "--scope", "--quiet", "--collect", "true", NULL
  };

  if (self->systemd != SYSTEMD_UNKNOWN)
    return;
  self->systemd = SYSTEMD_PROBING;
  run_helper_async (self, argv, probe_done_cb, g_object_ref (self));
}

/* Spawning a run */

static void
spawned_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChkHostCommand *self = g_task_get_source_object (task);
  SpawnData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!host_command_finish (self, result, &data->pid, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
add_property (GStrvBuilder *builder,
              const char   *name,
              guint64       value)
{
  g_autofree char *arg = g_strdup_printf ("--property=%s=%" G_GUINT64_FORMAT, name, value);

  g_strv_builder_add (builder, arg);
}

static void
spawn_with_unit (GTask *task)
{
  ChkHostCommand *self = g_task_get_source_object (task);
  SpawnData *data = g_task_get_task_data (task);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;

  if (self->systemd == SYSTEMD_YES)
    {
      g_autofree char *run_id = g_strdup_printf ("%" G_GUINT64_FORMAT, data->run_id);
      g_autofree char *unit_arg = NULL;

      /* systemd-run execs the command in the scope: the pid stays the
       * job's, and so does its group. */
      data->unit = unit_name (self, run_id);
      unit_arg = g_strconcat ("--unit=", data->unit, NULL);
      g_strv_builder_add_many (builder, "systemd-run", "--user", "--scope", "--quiet",
                               "--collect", unit_arg, NULL);
      /* The scope is the run's cgroup: it holds the limits, as a local run's does. */
      if (data->limits.max_tasks > 0)
        add_property (builder, "TasksMax", data->limits.max_tasks);
      if (data->limits.memory_max > 0)
        add_property (builder, "MemoryMax", data->limits.memory_max);
      if (data->limits.cpu_weight > 0)
        add_property (builder, "CPUWeight", data->limits.cpu_weight);
      g_strv_builder_add (builder, "--");
    }
  g_strv_builder_addv (builder, (const char **) data->argv);
  argv = g_strv_builder_end (builder);

  call_host_command (self, data->cwd, (const char * const *) argv,
                     (const char * const *) data->envp, data->fds, G_N_ELEMENTS (data->fds),
                     spawned_cb, task);
}

/* GObject */

static void
chk_host_command_dispose (GObject *object)
{
  ChkHostCommand *self = CHK_HOST_COMMAND (object);

  if (self->exited_id != 0)
    {
      g_dbus_connection_signal_unsubscribe (self->connection, self->exited_id);
      self->exited_id = 0;
    }

  G_OBJECT_CLASS (chk_host_command_parent_class)->dispose (object);
}

static void
chk_host_command_finalize (GObject *object)
{
  ChkHostCommand *self = CHK_HOST_COMMAND (object);

  g_assert (g_queue_is_empty (&self->waiting));
  g_clear_object (&self->connection);
  g_clear_pointer (&self->tag, g_free);
  g_clear_pointer (&self->watches, g_hash_table_unref);
  g_clear_pointer (&self->early_exits, g_hash_table_unref);

  G_OBJECT_CLASS (chk_host_command_parent_class)->finalize (object);
}

static void
chk_host_command_class_init (ChkHostCommandClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chk_host_command_dispose;
  object_class->finalize = chk_host_command_finalize;
}

static void
chk_host_command_init (ChkHostCommand *self)
{
  self->watches = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->early_exits = g_hash_table_new (NULL, NULL);
  g_queue_init (&self->waiting);
}

/* Public API */

/**
 * chk_host_command_new:
 * @connection: the session bus, on which flatpak-session-helper is
 * @tag: what tells this daemon's runs from another's (a hash of its
 *   database), for the runs' markers and scope names
 *
 * Creates the client of HostCommand. It listens for the exits of its
 * processes from now on: before any is started, so that no exit is
 * missed.
 *
 * Returns: (transfer full): a new #ChkHostCommand
 */
ChkHostCommand *
chk_host_command_new (GDBusConnection *connection,
                      const char      *tag)
{
  ChkHostCommand *self;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  g_return_val_if_fail (tag != NULL, NULL);

  self = g_object_new (CHK_TYPE_HOST_COMMAND, NULL);
  self->connection = g_object_ref (connection);
  self->tag = g_strdup (tag);
  self->exited_id = g_dbus_connection_signal_subscribe (connection, HOST_BUS_NAME,
                                                        HOST_INTERFACE, "HostCommandExited",
                                                        HOST_PATH, NULL,
                                                        G_DBUS_SIGNAL_FLAGS_NONE,
                                                        exited_cb, self, NULL);

  return self;
}

/**
 * chk_host_command_mark_env:
 * @self: a #ChkHostCommand
 * @envp: (transfer full): a run's environment
 * @run_id: the run
 *
 * Adds the run's marker, by which its processes are found on the host.
 *
 * Returns: (transfer full): the environment
 */
char **
chk_host_command_mark_env (ChkHostCommand  *self,
                           char           **envp,
                           guint64          run_id)
{
  g_autofree char *value = NULL;

  g_return_val_if_fail (CHK_IS_HOST_COMMAND (self), envp);

  value = g_strdup_printf ("%s-%" G_GUINT64_FORMAT, self->tag, run_id);
  return g_environ_setenv (envp, CHK_HOST_COMMAND_MARKER, value, TRUE);
}

/**
 * chk_host_command_spawn_async:
 * @self: a #ChkHostCommand
 * @cwd: the working directory
 * @argv: the command
 * @envp: its whole environment
 * @fds: the fds of the process 0 to 3; duplicated
 * @run_id: the run, for the name of its scope
 * @limits: (nullable): the run's limits, which its scope enforces
 * @callback: called with the process id
 * @user_data: for @callback
 *
 * Starts a run's process on the host, in a session and process group of
 * its own, and in a systemd scope of its own where the host has a user
 * manager. Not cancellable: once asked, the host starts the process, and
 * only its pid lets the caller end it.
 */
void
chk_host_command_spawn_async (ChkHostCommand      *self,
                              const char          *cwd,
                              const char * const  *argv,
                              const char * const  *envp,
                              const int           *fds,
                              guint64              run_id,
                              const ChkRunLimits  *limits,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SpawnData *data;

  g_return_if_fail (CHK_IS_HOST_COMMAND (self));
  g_return_if_fail (argv != NULL && argv[0] != NULL);
  g_return_if_fail (envp != NULL);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, chk_host_command_spawn_async);
  data = g_new0 (SpawnData, 1);
  data->cwd = g_strdup (cwd);
  data->argv = g_strdupv ((char **) argv);
  data->envp = g_strdupv ((char **) envp);
  data->run_id = run_id;
  if (limits != NULL)
    data->limits = *limits;
  for (guint i = 0; i < G_N_ELEMENTS (data->fds); i++)
    data->fds[i] = fds[i] >= 0 ? fcntl (fds[i], F_DUPFD_CLOEXEC, 3) : -1;
  g_task_set_task_data (task, data, (GDestroyNotify) spawn_data_free);

  probe_systemd (self);
  if (self->systemd == SYSTEMD_PROBING)
    g_queue_push_tail (&self->waiting, g_steal_pointer (&task));
  else
    spawn_with_unit (g_steal_pointer (&task));
}

/**
 * chk_host_command_spawn_finish:
 * @self: a #ChkHostCommand
 * @result: the result
 * @out_unit: (out) (optional): the run's systemd scope, or "" without one
 * @error: return location for a #GError
 *
 * Returns: the process id on the host, 0 with @error if it was not started
 */
guint32
chk_host_command_spawn_finish (ChkHostCommand  *self,
                               GAsyncResult    *result,
                               char           **out_unit,
                               GError         **error)
{
  SpawnData *data;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return 0;

  data = g_task_get_task_data (G_TASK (result));
  if (out_unit != NULL)
    *out_unit = g_strdup (data->unit != NULL ? data->unit : "");
  return data->pid;
}

/**
 * chk_host_command_watch_exit:
 * @self: a #ChkHostCommand
 * @pid: a process started by @self
 * @func: called once, when it ended; at once if it has already
 * @user_data: for @func
 */
void
chk_host_command_watch_exit (ChkHostCommand  *self,
                             guint32          pid,
                             ChkHostExitFunc  func,
                             gpointer         user_data)
{
  ExitWatch *watch;
  gpointer status;

  g_return_if_fail (CHK_IS_HOST_COMMAND (self));
  g_return_if_fail (func != NULL);

  if (g_hash_table_steal_extended (self->early_exits, GUINT_TO_POINTER (pid), NULL, &status))
    {
      func (pid, GPOINTER_TO_INT (status), user_data);
      return;
    }

  watch = g_new0 (ExitWatch, 1);
  watch->func = func;
  watch->user_data = user_data;
  g_hash_table_replace (self->watches, GUINT_TO_POINTER (pid), watch);
}

/**
 * chk_host_command_unwatch_exit:
 * @self: a #ChkHostCommand
 * @pid: a process watched with chk_host_command_watch_exit()
 *
 * Forgets the watch of @pid: its function is not called any more.
 */
void
chk_host_command_unwatch_exit (ChkHostCommand *self,
                               guint32         pid)
{
  g_return_if_fail (CHK_IS_HOST_COMMAND (self));

  g_hash_table_remove (self->watches, GUINT_TO_POINTER (pid));
}

static void
signal_sent_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  /* A process that ended meanwhile is unknown to the helper: nothing to
   * do about it. */
  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    g_debug ("HostCommandSignal: %s", error->message);
}

/**
 * chk_host_command_signal:
 * @self: a #ChkHostCommand
 * @pid: a process that @self started and that has not ended
 * @signum: the signal
 *
 * Sends @signum to the process group of @pid, without waiting.
 */
void
chk_host_command_signal (ChkHostCommand *self,
                         guint32         pid,
                         int             signum)
{
  g_return_if_fail (CHK_IS_HOST_COMMAND (self));

  g_debug ("Sending signal %d to host process group %u", signum, pid);
  g_dbus_connection_call (self->connection, HOST_BUS_NAME, HOST_PATH, HOST_INTERFACE,
                          "HostCommandSignal", g_variant_new ("(uub)", pid, signum, TRUE),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, signal_sent_cb, NULL);
}

/**
 * chk_host_command_signal_run_async:
 * @self: a #ChkHostCommand
 * @run_id: the run
 * @signum: the signal, 0 to only look
 * @callback: (nullable): called when it is done
 * @user_data: for @callback
 *
 * Sends @signum to every process on the host that carries the run's
 * marker, whatever its group or session.
 */
void
chk_host_command_signal_run_async (ChkHostCommand      *self,
                                   guint64              run_id,
                                   int                  signum,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autofree char *signal_arg = g_strdup_printf ("-%d", signum);
  g_autofree char *marker = NULL;

  g_return_if_fail (CHK_IS_HOST_COMMAND (self));

  marker = g_strdup_printf ("%s=%s-%" G_GUINT64_FORMAT, CHK_HOST_COMMAND_MARKER, self->tag,
                            run_id);
  {
    const char * const argv[] = { "/bin/sh", "-c", scan_script, "sh", signal_arg, marker, NULL };

    run_helper_async (self, argv, callback != NULL ? callback : helper_logged_cb, user_data);
  }
}

/**
 * chk_host_command_signal_run_finish:
 * @self: a #ChkHostCommand
 * @result: the result
 * @error: return location for a #GError
 *
 * Returns: whether a process of the run was there; FALSE with @error if
 *   the host could not be asked
 */
gboolean
chk_host_command_signal_run_finish (ChkHostCommand  *self,
                                    GAsyncResult    *result,
                                    GError         **error)
{
  int status;

  g_return_val_if_fail (CHK_IS_HOST_COMMAND (self), FALSE);

  status = run_helper_finish (result, error);
  return status >= 0 && WIFEXITED (status) && WEXITSTATUS (status) == 0;
}

/**
 * chk_host_command_end_leftovers:
 * @self: a #ChkHostCommand
 * @run_id: a run that a dead daemon left under way
 *
 * Kills whatever is left of the run on the host, without waiting: the
 * processes that carry its marker (its scope, if it had one, goes in
 * chk_host_command_sweep()).
 */
void
chk_host_command_end_leftovers (ChkHostCommand *self,
                                guint64         run_id)
{
  g_return_if_fail (CHK_IS_HOST_COMMAND (self));

  chk_host_command_signal_run_async (self, run_id, SIGKILL, NULL, NULL);
}

/**
 * chk_host_command_sweep:
 * @self: a #ChkHostCommand
 *
 * Learns whether the host has a systemd user manager and, if it has,
 * kills every scope left by this daemon's runs, without waiting.
 */
void
chk_host_command_sweep (ChkHostCommand *self)
{
  g_return_if_fail (CHK_IS_HOST_COMMAND (self));

  probe_systemd (self);
}
