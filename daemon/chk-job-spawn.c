/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-job-spawn"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <glib-unix.h>

#include "chk-job-env.h"
#include "chk-job-spawn.h"

/* The exit status of a child that could not join its cgroup. */
#define JOIN_FAILED_STATUS       126

/* What the child tells the daemon before it execs. */
typedef struct
{
  pid_t pid;
  int   join_error;
} ChkChildReport;

typedef struct
{
  int          report_fd;
  ChkRunGroup *group;
} ChkChildSetup;

/* Runs in the child between fork and exec: async-signal-safe calls only.
 * @user_data is a #ChkChildSetup.
 */
static void
chk_job_spawn_child_setup (gpointer user_data)
{
  ChkChildSetup *setup = user_data;
  ChkChildReport report = { getpid (), 0 };
  sigset_t mask;
  ssize_t written;

  /* A group of its own, so that stop and timeout reach every process the
   * job starts even without cgroups; and its cgroup before anything else,
   * so that not even its first fork is outside it. */
  setpgid (0, 0);
  report.join_error = chk_run_group_join (setup->group);

  /* GSubprocess forgets the pid once the process is reaped, which can be
   * before g_subprocess_launcher_spawnv() returns for a quick job; the
   * group, and what is left in it, still has to be dealt with. The fd is
   * close-on-exec. */
  do
    written = write (setup->report_fd, &report, sizeof report);
  while (written < 0 && errno == EINTR);

  /* Never run a job uncontained: the daemon reads why from the report. */
  if (report.join_error != 0)
    _exit (JOIN_FAILED_STATUS);

  /* GIO ignores SIGPIPE process-wide (for GSocket), and exec keeps ignored
   * signals ignored: `producer | head` would go on writing into a closed
   * pipe instead of ending. */
  signal (SIGPIPE, SIG_DFL);

  sigemptyset (&mask);
  sigprocmask (SIG_SETMASK, &mask, NULL);
}

static void
close_pipe (int fds[2])
{
  if (fds[0] >= 0)
    close (fds[0]);
  if (fds[1] >= 0)
    close (fds[1]);
  fds[0] = fds[1] = -1;
}

/**
 * chk_job_spawn:
 * @spec: the job
 * @envp: the environment of its process
 * @group: the run's group, which the process joins before its exec
 * @run_id: the run, for messages
 * @process: (out caller-allocates): the process and its pipes
 * @error: return location for a #GError
 *
 * Starts the job's process in a process group of its own and in @group,
 * with stdin on /dev/null, stdout and stderr on pipes (one pipe for both
 * with merge-stderr), the progress pipe on fd 3, in its working directory.
 * The process is not reaped: the caller waits for it, for its rusage.
 *
 * Returns: whether the process was started; if not, the process may have
 *   been made and failed in its exec, before which nothing of the job ran
 */
gboolean
chk_job_spawn (const ChkJobSpec    *spec,
               const char * const  *envp,
               ChkRunGroup         *group,
               guint64              run_id,
               ChkJobProcess       *process,
               GError             **error)
{
  const char *shell_argv[4] = { "/bin/sh", "-c", NULL, NULL };
  const char * const *argv;
  int fds[2] = { -1, -1 };
  int pid_fds[2] = { -1, -1 };
  int merged_fds[2] = { -1, -1 };
  int target_fd = CHK_JOB_ENV_PROGRESS_FD;
  int stdout_fd = -1;
  int stderr_fd = -1;
  GPid pid = 0;
  gboolean spawned;
  ChkChildSetup setup;
  ChkChildReport report = { 0, 0 };
  ssize_t n_read;

  if (!g_unix_open_pipe (fds, FD_CLOEXEC, error))
    {
      g_prefix_error (error, "Could not make the progress pipe: ");
      return FALSE;
    }

  if (!g_unix_open_pipe (pid_fds, FD_CLOEXEC, error))
    {
      close_pipe (fds);
      g_prefix_error (error, "Could not make a pipe: ");
      return FALSE;
    }

  /* merge-stderr: one pipe for both, as 2>&1, so that their order is the
   * order of the job's writes. */
  if (spec->merge_stderr && !g_unix_open_pipe (merged_fds, FD_CLOEXEC, error))
    {
      close_pipe (fds);
      close_pipe (pid_fds);
      g_prefix_error (error, "Could not make the output pipe: ");
      return FALSE;
    }

  /* On the stack: the spawn returns only after the child's exec. */
  setup.report_fd = pid_fds[1];
  setup.group = group;

  shell_argv[2] = spec->shell;
  argv = spec->command != NULL ? (const char * const *) spec->command : shell_argv;

  /* Not GSubprocess: it reaps the process itself, and the run needs the
   * rusage that only the one who reaps it gets (wait4). */
  spawned = g_spawn_async_with_pipes_and_fds (chk_job_env_working_directory (spec), argv, envp,
                                              G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH |
                                              G_SPAWN_SEARCH_PATH_FROM_ENVP | G_SPAWN_CLOEXEC_PIPES,
                                              chk_job_spawn_child_setup, &setup,
                                              -1, merged_fds[1], merged_fds[1],
                                              &fds[1], &target_fd, 1, &pid, NULL,
                                              merged_fds[1] < 0 ? &stdout_fd : NULL,
                                              merged_fds[1] < 0 ? &stderr_fd : NULL, error);

  /* Our copy of the job's end of the progress pipe must go, or its end of
   * file would never come; the same for the output pipe. */
  close (fds[1]);
  if (merged_fds[1] >= 0)
    {
      close (merged_fds[1]);
      if (spawned)
        stdout_fd = merged_fds[0];
      else
        close (merged_fds[0]);
    }

  /* The spawn returned after the exec, so the pid is in the pipe by now
   * (unless the spawn failed before the child setup ran). */
  close (pid_fds[1]);
  g_unix_set_fd_nonblocking (pid_fds[0], TRUE, NULL);
  do
    n_read = read (pid_fds[0], &report, sizeof report);
  while (n_read < 0 && errno == EINTR);
  close (pid_fds[0]);

  if (!spawned)
    {
      close (fds[0]);
      return FALSE;
    }

  if (n_read != (ssize_t) sizeof report || report.pid <= 0)
    {
      /* Cannot happen, short of the setup never running. */
      g_warning ("Run %" G_GUINT64_FORMAT ": could not learn its process id", run_id);
      report.pid = 0;
    }

  process->pid = pid;
  process->pgid = report.pid;
  process->join_error = report.join_error;
  process->stdout_fd = stdout_fd;
  process->stderr_fd = stderr_fd;
  process->progress_fd = fds[0];

  return TRUE;
}
