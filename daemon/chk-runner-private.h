/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <sys/resource.h>

#include "chk-containment.h"
#include "chk-host-command.h"
#include "chk-http-runner.h"
#include "chk-job-spawn.h"
#include "chk-output-reader.h"
#include "chk-output-sink.h"
#include "chk-progress-reader.h"
#include "chk-runner.h"
#include "chk-source-util.h"

G_BEGIN_DECLS

/* Where a run is. The main process having exited is a fact of its own
 * (ChkRunner.exited): after it, leftovers of the group may still be sent
 * SIGTERM and SIGKILL. Every change goes through chk_runner_set_phase(). */
typedef enum
{
  /* Not started yet, or being started: no process */
  PHASE_STARTING,
  /* The process runs (or the HTTP check), no signal was sent */
  PHASE_RUNNING,
  /* SIGTERM went to the group; the kill grace runs while kill_source is set */
  PHASE_SIGTERM_SENT,
  /* The grace was over and SIGKILL went to what was left */
  PHASE_SIGKILL_SENT,
  /* The main process is reaped and its group gone or killed: only its
   * pipes are read to their end, at most until abandon_source fires */
  PHASE_DRAINING,
  /* The record is final */
  PHASE_FINISHED,
} ChkRunnerPhase;

struct _ChkRunner
{
  GObject          parent_instance;

  ChkStore        *store;
  ChkJobSpec      *spec;
  ChkRunRecord    *record;
  ChkJobEnv       *job_env;
  ChkClock        *clock;  /* the engine's, for the record's times; NULL: real */
  guint            kill_grace_ms;

  ChkRunnerPhase   phase;
  GMainContext    *context;
  GCancellable    *cancellable;

  /* An HTTP check instead of a process */
  ChkHttpRunner   *http_runner;

  /* The host-command backend, or NULL to run the job here; while its
   * HostCommand call is under way, host_spawning is set and the phase is
   * still PHASE_STARTING. host_leftovers: after the main process ended,
   * whether processes of the run may be left on the host (until a scan
   * says none are) */
  ChkHostCommand  *host;
  gboolean         host_spawning;
  gboolean         host_leftovers;
  ChkJobPipes     *host_pipes;

  /* The process and its group */
  ChkContainment  *containment;
  ChkRunGroup     *group;
  int              join_error;
  char            *limit_message;
  gboolean         watch_limits;
  GSource         *limit_source;
  GPid             pid;
  GSource         *exit_source;
  int              pidfd;
  guint64          rusage_cpu;
  guint64          rusage_maxrss;
  pid_t            pgid;
  gboolean         exited;
  /* How the run ends: as the process did, or as whoever ended it said;
   * CHK_OUTCOME_NONE until known */
  ChkOutcome       exit_outcome;
  ChkOutcome       kill_outcome;
  gint64           kill_deadline;
  GSource         *timeout_source;
  GSource         *kill_source;
  GSource         *abandon_source;
  GSource         *finished_source;

  /* Output */
  ChkOutputReader *output_reader;
  ChkOutputSink   *output_sink;
  gboolean         store_warned;

  /* Progress */
  ChkProgressReader *progress_reader;
  gboolean         progress_unpublished;
  ChkThrottle      progress_publish;
  gboolean         progress_unsaved;
  ChkThrottle      progress_save;
};

void     _chk_runner_set_phase        (ChkRunner           *self,
                                       ChkRunnerPhase       phase);
gboolean _chk_runner_is_active        (ChkRunner           *self);
void     _chk_runner_set_message      (ChkRunner           *self,
                                       const char          *text);
void     _chk_runner_started          (ChkRunner           *self,
                                       const ChkJobProcess *process,
                                       const char          *notes);
void     _chk_runner_save_record      (ChkRunner           *self);
ChkStore *_chk_runner_begin_records   (ChkRunner * const   *runners,
                                       guint                n_runners);
void     _chk_runner_end_records      (ChkStore            *store,
                                       ChkRunner * const   *runners,
                                       guint                n_runners,
                                       const char          *what);
char   **_chk_runner_prepare_start    (ChkRunner           *self);
gboolean _chk_runner_contain          (ChkRunner           *self,
                                       GError             **error);
void     _chk_runner_spawned          (ChkRunner           *self,
                                       const ChkJobProcess *process,
                                       const GError        *error);
void     _chk_runner_terminate_group  (ChkRunner           *self);
GSource *_chk_runner_add_source       (ChkRunner           *self,
                                       guint                milliseconds,
                                       GSourceFunc          func,
                                       const char          *name);
void     _chk_runner_set_outcome      (ChkRunner           *self,
                                       ChkOutcome           outcome);
gboolean _chk_runner_group_exists     (ChkRunner           *self);
void     _chk_runner_add_output       (ChkRunner           *self,
                                       ChkStream            stream,
                                       GBytes              *bytes);
void     _chk_runner_publish_progress (ChkRunner           *self,
                                       gboolean             force);
void     _chk_runner_emit_finished    (ChkRunner           *self);

/* chk-runner-end.c */
void     _chk_runner_clear_sources    (ChkRunner           *self);
gint64   _chk_runner_now              (ChkRunner           *self);
gboolean _chk_runner_limit_poll_cb    (gpointer             user_data);
void     _chk_runner_finish           (ChkRunner           *self);
void     _chk_runner_finish_early     (ChkRunner           *self,
                                       ChkOutcome           outcome);
gboolean _chk_runner_abandon_cb       (gpointer             user_data);
void     _chk_runner_fail_to_start    (ChkRunner           *self,
                                       const char          *message);
void     _chk_runner_exited           (ChkRunner           *self,
                                       int                  status,
                                       const struct rusage *usage);
void     _chk_runner_maybe_finish     (ChkRunner           *self);

/* chk-runner-host.c */
void     _chk_runner_host_start        (ChkRunner          *self,
                                        char              **envp);
gboolean _chk_runner_host_signal       (ChkRunner          *self,
                                        int                 signum);
gboolean _chk_runner_host_group_exists (ChkRunner          *self);
void     _chk_runner_host_dispose      (ChkRunner          *self);

G_END_DECLS
