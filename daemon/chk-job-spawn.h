/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>
#include <sys/types.h>

#include "chk-containment.h"
#include "chk-job-spec.h"

G_BEGIN_DECLS

/**
 * ChkJobProcess:
 * @pid: the job's main process; not reaped: the caller waits for it
 * @pgid: its process group, the pid as the process itself saw it; 0 when
 *   it could not be learned
 * @join_error: the errno of the process joining the run's group, 0 when
 *   it did; a process that could not join exits with 126 before its exec
 * @into_cgroup: whether the process was made in the run's v2 cgroup by
 *   clone3() (CLONE_INTO_CGROUP) rather than joining it after clone()
 * @stdout_fd: the read end of its stdout, or of stdout and stderr in one
 *   pipe with merge-stderr
 * @stderr_fd: the read end of its stderr, -1 with merge-stderr
 * @progress_fd: the read end of its progress pipe (fd 3 in the job)
 *
 * A job's process just spawned by chk_job_spawn(). The fds are the
 * caller's to close.
 */
typedef struct
{
  GPid     pid;
  pid_t    pgid;
  int      join_error;
  gboolean into_cgroup;
  int      stdout_fd;
  int      stderr_fd;
  int      progress_fd;
} ChkJobProcess;

/**
 * ChkJobPipe:
 * @CHK_JOB_PIPE_STDOUT: stdout, or stdout and stderr with merge-stderr
 * @CHK_JOB_PIPE_STDERR: stderr
 * @CHK_JOB_PIPE_PROGRESS: the progress pipe, fd 3 in the job
 */
typedef enum
{
  CHK_JOB_PIPE_STDOUT,
  CHK_JOB_PIPE_STDERR,
  CHK_JOB_PIPE_PROGRESS,
  CHK_JOB_N_PIPES
} ChkJobPipe;

/**
 * ChkJobPipes:
 * @parent: the daemon's (read) ends, by #ChkJobPipe; -1 where none
 * @child: the job's (write) ends
 *
 * The pipes of a job's process, whichever way it is started.
 */
typedef struct
{
  int parent[CHK_JOB_N_PIPES];
  int child[CHK_JOB_N_PIPES];
} ChkJobPipes;

gboolean chk_job_pipes_open             (ChkJobPipes        *pipes,
                                         gboolean            merge_stderr,
                                         GError            **error);
int      chk_job_pipes_get_child_fd     (const ChkJobPipes  *pipes,
                                         ChkJobPipe          pipe);
void     chk_job_pipes_close_child_ends (ChkJobPipes        *pipes);
void     chk_job_pipes_clear            (ChkJobPipes        *pipes);
void     chk_job_pipes_steal            (ChkJobPipes        *pipes,
                                         ChkJobProcess      *process);
char   **chk_job_spawn_argv             (const ChkJobSpec   *spec);

gboolean chk_job_spawn (const ChkJobSpec    *spec,
                        const char * const  *envp,
                        ChkRunGroup         *group,
                        guint64              run_id,
                        ChkJobProcess       *process,
                        GError             **error);

G_END_DECLS
