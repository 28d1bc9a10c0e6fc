/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-runner"

#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "chk-host-command.h"
#include "chk-job-env.h"
#include "chk-job-spawn.h"
#include "chk-runner-private.h"

/*
 * The runner's host backend: the job runs on the host, started through
 * Flatpak's HostCommand (see chk-host-command.c), with the same pipes and
 * environment as here. Only how the process is started, how it is
 * signalled and how its end is learnt differ; the rest is the runner's.
 *
 * While the main process lives, its process group is signalled through
 * the helper. After it ended the helper knows it no more: what is left of
 * the run is found by its marker (host_leftovers says whether some may
 * be), which also reaches processes that left the group. Nothing is
 * measured: cpu-time and memory-peak stay 0, limits are not enforced.
 */

static void
host_signal_done_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(ChkRunner) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean found;

  found = chk_host_command_signal_run_finish (CHK_HOST_COMMAND (object), result, &error);
  if (error != NULL)
    g_message ("Run %" G_GUINT64_FORMAT ": %s", self->record->id, error->message);

  /* A host that cannot be asked has nothing more to say later. The kill
   * grace's poll sees the answer. */
  self->host_leftovers = found;
}

/* Signals whatever of the run is on the host, by its marker; learns
 * whether anything was. */
static void
host_signal_run (ChkRunner *self,
                 int        signum)
{
  chk_host_command_signal_run_async (self->host, self->record->id, signum,
                                     host_signal_done_cb, g_object_ref (self));
}

static void
host_exited (guint32  pid,
             int      wait_status,
             gpointer user_data)
{
  g_autoptr(ChkRunner) self = g_object_ref (CHK_RUNNER (user_data));

  /* Something of the run may be left: until the host says otherwise. A
   * run being ended looks now; a running one is ended (and looked at) by
   * the runner, as every run whose main process ended. */
  self->host_leftovers = TRUE;
  if (self->phase != PHASE_RUNNING)
    host_signal_run (self, 0);
  _chk_runner_exited (self, wait_status, NULL);
}

/* Ends a process started for a run that was ended meanwhile. */
static void
host_kill (ChkRunner *self,
           guint32    pid)
{
  chk_host_command_signal (self->host, pid, SIGKILL);
  chk_host_command_signal_run_async (self->host, self->record->id, SIGKILL, NULL, NULL);
}

static void
host_spawned_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ChkRunner) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *unit = NULL;
  g_autofree char *notes = NULL;
  ChkJobPipes *pipes = g_steal_pointer (&self->host_pipes);
  ChkJobProcess process = { 0 };
  guint32 pid;

  self->host_spawning = FALSE;
  pid = chk_host_command_spawn_finish (self->host, result, &unit, &error);

  if (pid != 0 && self->phase != PHASE_STARTING)
    {
      /* Disposed meanwhile: the record says so already. */
      host_kill (self, pid);
      pid = 0;
    }
  if (pid == 0)
    {
      chk_job_pipes_clear (pipes);
      g_free (pipes);
      if (error != NULL && self->phase == PHASE_STARTING)
        _chk_runner_fail_to_start (self, error->message);
      return;
    }

  g_free (self->record->cgroup);
  self->record->cgroup = g_strdup (unit);
  if (unit[0] != '\0')
    notes = g_strdup_printf ("Ran on the host in the systemd scope %s, which holds its limits",
                             unit);
  else
    notes = g_strdup ("Ran on the host without a systemd scope (the host has no systemd user "
                      "manager): leftovers are found by their " CHK_HOST_COMMAND_MARKER);

  chk_job_pipes_steal (pipes, &process);
  g_free (pipes);
  /* self->pid stays 0: the process is not ours to wait for. */
  process.pgid = (pid_t) pid;
  _chk_runner_started (self, &process, notes);
  chk_host_command_watch_exit (self->host, pid, host_exited, self);

  /* Stopped while it was being started. */
  if (self->kill_outcome != CHK_OUTCOME_NONE && !self->exited)
    _chk_runner_terminate_group (self);
}

/* Starts the run on the host: stdin on /dev/null, the pipes on fds 1 to
 * 3 (one for both stdout and stderr with merge-stderr), @envp as its
 * whole environment. Takes @envp. */
void
_chk_runner_host_start (ChkRunner  *self,
                        char      **envp)
{
  g_auto(GStrv) argv = chk_job_spawn_argv (self->spec);
  g_autoptr(GError) error = NULL;
  ChkJobPipes *pipes = g_new0 (ChkJobPipes, 1);
  g_autofree char *working_directory = NULL;
  ChkRunLimits limits;
  int fds[4];

  g_free (self->record->containment);
  self->record->containment = g_strdup ("host");
  envp = chk_host_command_mark_env (self->host, envp, self->record->id);

  fds[0] = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fds[0] < 0 || !chk_job_pipes_open (pipes, self->spec->merge_stderr, &error))
    {
      g_autofree char *message = g_strdup_printf ("Could not start the job: %s",
                                                  error != NULL ? error->message :
                                                  "cannot open /dev/null");

      if (fds[0] >= 0)
        close (fds[0]);
      g_free (pipes);
      g_strfreev (envp);
      _chk_runner_fail_to_start (self, message);
      return;
    }
  fds[1] = chk_job_pipes_get_child_fd (pipes, CHK_JOB_PIPE_STDOUT);
  fds[2] = chk_job_pipes_get_child_fd (pipes, CHK_JOB_PIPE_STDERR);
  fds[3] = chk_job_pipes_get_child_fd (pipes, CHK_JOB_PIPE_PROGRESS);
  G_STATIC_ASSERT (CHK_JOB_ENV_PROGRESS_FD == 3);

  limits.max_tasks = self->spec->max_tasks;
  limits.memory_max = self->spec->memory_max;
  limits.cpu_weight = self->spec->cpu_weight;
  self->host_spawning = TRUE;
  working_directory = chk_job_env_working_directory (self->spec);
  chk_host_command_spawn_async (self->host, working_directory,
                                (const char * const *) argv, (const char * const *) envp, fds,
                                self->record->id, &limits, host_spawned_cb, g_object_ref (self));

  /* The call has its own copies: ours must go, or the pipes never end. */
  close (fds[0]);
  chk_job_pipes_close_child_ends (pipes);
  self->host_pipes = pipes;
  g_strfreev (envp);
}

/* While the main process lives, its group through the helper (and, for
 * SIGKILL, whatever left the group too); after, what is left by its
 * marker. */
gboolean
_chk_runner_host_signal (ChkRunner *self,
                         int        signum)
{
  if (self->pgid <= 0)
    return FALSE;

  if (!self->exited)
    {
      chk_host_command_signal (self->host, (guint32) self->pgid, signum);
      if (signum == SIGKILL)
        chk_host_command_signal_run_async (self->host, self->record->id, signum, NULL, NULL);
      return TRUE;
    }

  if (!self->host_leftovers)
    return FALSE;
  host_signal_run (self, signum);
  return TRUE;
}

gboolean
_chk_runner_host_group_exists (ChkRunner *self)
{
  return self->pgid > 0 && (!self->exited || self->host_leftovers);
}

void
_chk_runner_host_dispose (ChkRunner *self)
{
  if (self->pgid > 0 && !self->exited)
    chk_host_command_unwatch_exit (self->host, (guint32) self->pgid);
}
