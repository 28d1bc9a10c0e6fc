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
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

/**
 * chk_job_pipes_open:
 * @pipes: (out caller-allocates): the pipes
 * @merge_stderr: whether stderr goes into the stdout pipe
 * @error: return location for a #GError
 *
 * Makes the pipes of a job's process: stdout, stderr (none with
 * @merge_stderr: one pipe for both, as 2>&1, so that their order is the
 * order of the job's writes) and the progress pipe. All are close-on-exec;
 * the child's ends are handed to it by fd number.
 *
 * Returns: whether the pipes were made; if not, none is open
 */
gboolean
chk_job_pipes_open (ChkJobPipes  *pipes,
                    gboolean      merge_stderr,
                    GError      **error)
{
  int fds[2];

  for (gsize i = 0; i < G_N_ELEMENTS (pipes->parent); i++)
    pipes->parent[i] = pipes->child[i] = -1;

  for (int i = 0; i < CHK_JOB_N_PIPES; i++)
    {
      if (i == CHK_JOB_PIPE_STDERR && merge_stderr)
        continue;
      if (!g_unix_open_pipe (fds, FD_CLOEXEC, error))
        {
          chk_job_pipes_clear (pipes);
          g_prefix_error (error, "Could not make the %s pipe: ",
                          i == CHK_JOB_PIPE_PROGRESS ? "progress" : "output");
          return FALSE;
        }
      pipes->parent[i] = fds[0];
      pipes->child[i] = fds[1];
    }

  return TRUE;
}

/**
 * chk_job_pipes_get_child_fd:
 * @pipes: the pipes
 * @pipe: which
 *
 * Returns: the child's end of @pipe: the stdout pipe's for stderr with
 *   merge-stderr
 */
int
chk_job_pipes_get_child_fd (const ChkJobPipes *pipes,
                            ChkJobPipe         pipe)
{
  if (pipe == CHK_JOB_PIPE_STDERR && pipes->child[pipe] < 0)
    return pipes->child[CHK_JOB_PIPE_STDOUT];
  return pipes->child[pipe];
}

/**
 * chk_job_pipes_close_child_ends:
 * @pipes: the pipes
 *
 * Closes the daemon's copies of the child's ends, once the child has its
 * own: else the pipes' end of file would never come.
 */
void
chk_job_pipes_close_child_ends (ChkJobPipes *pipes)
{
  for (gsize i = 0; i < G_N_ELEMENTS (pipes->child); i++)
    close_fd (&pipes->child[i]);
}

/**
 * chk_job_pipes_clear:
 * @pipes: the pipes
 *
 * Closes every end still open.
 */
void
chk_job_pipes_clear (ChkJobPipes *pipes)
{
  chk_job_pipes_close_child_ends (pipes);
  for (gsize i = 0; i < G_N_ELEMENTS (pipes->parent); i++)
    close_fd (&pipes->parent[i]);
}

/**
 * chk_job_pipes_steal:
 * @pipes: the pipes, whose child ends are closed
 * @process: the process that gets the daemon's ends
 *
 * Hands the daemon's ends over to @process; @pipes has none left.
 */
void
chk_job_pipes_steal (ChkJobPipes   *pipes,
                     ChkJobProcess *process)
{
  process->stdout_fd = pipes->parent[CHK_JOB_PIPE_STDOUT];
  process->stderr_fd = pipes->parent[CHK_JOB_PIPE_STDERR];
  process->progress_fd = pipes->parent[CHK_JOB_PIPE_PROGRESS];
  for (gsize i = 0; i < G_N_ELEMENTS (pipes->parent); i++)
    pipes->parent[i] = -1;
}

/**
 * chk_job_spawn_argv:
 * @spec: the job
 *
 * Returns: (transfer container): the argv of the job's process: its
 *   command, or its shell line run by /bin/sh
 */
char **
chk_job_spawn_argv (const ChkJobSpec *spec)
{
  char **argv;

  if (spec->command != NULL)
    return g_strdupv (spec->command);

  argv = g_new0 (char *, 4);
  argv[0] = g_strdup ("/bin/sh");
  argv[1] = g_strdup ("-c");
  argv[2] = g_strdup (spec->shell);
  return argv;
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
  g_auto(GStrv) argv = chk_job_spawn_argv (spec);
  ChkJobPipes pipes;
  int pid_fds[2] = { -1, -1 };
  int progress_fd;
  int target_fd = CHK_JOB_ENV_PROGRESS_FD;
  GPid pid = 0;
  gboolean spawned;
  ChkChildSetup setup;
  ChkChildReport report = { 0, 0 };
  ssize_t n_read;

  if (!chk_job_pipes_open (&pipes, spec->merge_stderr, error))
    return FALSE;

  if (!g_unix_open_pipe (pid_fds, FD_CLOEXEC, error))
    {
      chk_job_pipes_clear (&pipes);
      g_prefix_error (error, "Could not make a pipe: ");
      return FALSE;
    }

  /* On the stack: the spawn returns only after the child's exec. */
  setup.report_fd = pid_fds[1];
  setup.group = group;
  progress_fd = chk_job_pipes_get_child_fd (&pipes, CHK_JOB_PIPE_PROGRESS);

  /* Not GSubprocess: it reaps the process itself, and the run needs the
   * rusage that only the one who reaps it gets (wait4). */
  spawned = g_spawn_async_with_pipes_and_fds (chk_job_env_working_directory (spec),
                                              (const char * const *) argv, envp,
                                              G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH |
                                              G_SPAWN_SEARCH_PATH_FROM_ENVP | G_SPAWN_CLOEXEC_PIPES,
                                              chk_job_spawn_child_setup, &setup, -1,
                                              chk_job_pipes_get_child_fd (&pipes,
                                                                          CHK_JOB_PIPE_STDOUT),
                                              chk_job_pipes_get_child_fd (&pipes,
                                                                          CHK_JOB_PIPE_STDERR),
                                              &progress_fd, &target_fd, 1, &pid, NULL,
                                              NULL, NULL, error);

  chk_job_pipes_close_child_ends (&pipes);

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
      chk_job_pipes_clear (&pipes);
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
  chk_job_pipes_steal (&pipes, process);

  return TRUE;
}
