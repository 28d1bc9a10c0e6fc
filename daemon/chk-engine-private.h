/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include "chk-conditions.h"
#include "chk-containment.h"
#include "chk-host-command.h"
#include "chk-engine.h"
#include "chk-outcome.h"
#include "chk-runner.h"
#include "chk-timer.h"

G_BEGIN_DECLS

/* How long one go of _chk_engine_release_pending() starts runs for. */
#define CHK_ENGINE_RELEASE_SLICE_USEC (5 * 1000)

/* How many runs let go together are started side by side, at most, and
 * how long that may take, as the starts before it took: where spawns are
 * slow (a busy machine, cgroups contended) they go fewer at a time, so
 * that D-Bus is still answered within 50 ms through a burst. */
#define CHK_ENGINE_START_BATCH 8
#define CHK_ENGINE_START_BATCH_USEC (25 * 1000)

/* A run let go whose record is not committed yet, and the job's last
 * start before it, should the run be taken back. */
typedef struct
{
  ChkJob *job;
  gint64  last_started;
} ChkRecordedStart;

/* The engine's parts share its state: chk-engine.c owns the jobs and
 * their runs, chk-engine-schedule.c decides when they are due,
 * chk-engine-queue.c holds back what max-concurrent-runs and a failing
 * store do not let start yet. */
struct _ChkEngine
{
  GObject      parent_instance;

  ChkStore    *store;
  ChkSettings *settings;
  ChkClock    *clock;
  gint64       latest_now;     /* the latest time read from the clock */
  ChkTimer    *timer;
  char        *hostname;
  char        *fleet_problem;  /* why the fleet's database is not the one used, or NULL */
  ChkContainment *containment;
  /* Where runs are started on the host through Flatpak's HostCommand:
   * the bus to reach it, and its client once loaded; else NULL */
  GDBusConnection *host_bus;
  ChkHostCommand *host;
  ChkJobEnv   *job_env;

  GHashTable  *jobs;           /* id (guint64*) → ChkJob, owned */
  GHashTable  *jobs_by_name;   /* name → ChkJob */
  GHashTable  *runs;           /* run id (guint64*) → ChkJob with that run under way */
  GHashTable  *pending;        /* job id (guint64*) → ChkJob with a due run held back */
  gboolean     releasing;      /* in _chk_engine_release_pending(), which a start calls */
  gboolean     release_again;  /* …and called again from inside it */
  guint        release_source; /* an idle letting go the runs past one slice */
  GPtrArray   *start_batch;    /* ChkJob* whose runs are to start together, while releasing */
  ChkRunnerBatch *spawning;    /* start_batch's runs, handed to the spawns as they come */
  gint64       start_begun;    /* when start_batch's first was added, monotonic µs */
  GArray      *recorded;       /* ChkRecordedStart: start_batch's runs whose records are in a
                                * transaction not committed yet, to spawn once it is */
  gboolean     record_alone;   /* …or none for the rest of this go: one could not be committed */
  gint64       start_cost;     /* what a start took lately, in µs, others beside it */
  ChkConditions *conditions;   /* what run-if asks of the machine, once the system bus answered */
  GCancellable *cancellable;   /* the engine's own asynchronous calls */
  GQueue       queue;          /* ChkJob* waiting for a free slot, in due order */
  GHashTable  *waiting_for_store; /* job id (guint64*) → trigger of a run due while the
                                   * store failed, to start once it works again */
  guint        store_works_source;
  guint        running_count;
  guint        kill_grace_ms;
  guint        retention_source;
  /* In a fleet: how long a heartbeat leases this host its runs, and the
   * heartbeats while it has some under way (chk-engine-fleet.c) */
  guint        lease_seconds;
  guint        lease_source;
  gboolean     started;
  gint64       loaded_at;      /* when chk_engine_load() was called, by the clock */

  GTask       *shutdown_task;
  guint        shutdown_timeout;
};

guint64  *_chk_engine_id_key        (guint64      id);
gint64    _chk_engine_now           (ChkEngine   *self);
guint64   _chk_engine_start_run     (ChkEngine   *self,
                                     ChkJob      *job,
                                     const char  *trigger,
                                     guint        attempt,
                                     GError     **error);
void      _chk_engine_take_back_run (ChkEngine   *self,
                                     ChkJob      *job,
                                     gint64       last_started);
void      _chk_engine_adopt_job        (ChkEngine  *self,
                                        ChkJob     *job);
gboolean  _chk_engine_apply_spec       (ChkEngine  *self,
                                        ChkJob     *job,
                                        ChkJobSpec *spec,
                                        GError    **error);
void      _chk_engine_forget_job       (ChkEngine  *self,
                                        ChkJob     *job);
void      _chk_engine_add_job          (ChkEngine  *self,
                                        ChkJob     *job);
void      _chk_engine_emit_run_started (ChkEngine  *self,
                                        ChkJob     *job,
                                        guint64     run_id,
                                        const char *trigger);
void      _chk_engine_emit_run_finished (ChkEngine  *self,
                                         ChkJob     *job,
                                         guint64     run_id,
                                         const char *outcome,
                                         gint        exit_code);

/* chk-engine-fleet.c */
void      _chk_engine_fleet_init           (ChkEngine   *self);
void      _chk_engine_beat                 (ChkEngine   *self);
void      _chk_engine_running_changed      (ChkEngine   *self);
void      _chk_engine_store_job_changed_cb (ChkStore   *store,
                                            guint64     job_id,
                                            ChkEngine  *self);
void      _chk_engine_store_run_changed_cb (ChkStore           *store,
                                            const ChkRunRecord *run,
                                            ChkEngine          *self);
void      _chk_engine_emit_fleet_run       (ChkEngine          *self,
                                            ChkJob             *job,
                                            const ChkRunRecord *run,
                                            gboolean            started);

/* chk-engine-load.c */
gboolean  _chk_engine_recover              (ChkEngine   *self,
                                            GError     **error);
ChkJob   *_chk_engine_job_from_store       (const ChkStoreJob *stored,
                                            GError     **error);
gboolean  _chk_engine_load_jobs            (ChkEngine   *self,
                                            GError     **error);

/* chk-engine-schedule.c */
gboolean  _chk_engine_schedules_here      (ChkEngine   *self,
                                            ChkJob      *job);
void      _chk_engine_update_next_run      (ChkEngine   *self,
                                            ChkJob      *job,
                                            gint64       after);
gint64    _chk_engine_first_reference      (ChkJob      *job,
                                            gint64       now);
void      _chk_engine_note_clock_went_back (ChkJob      *job,
                                            gint64       now,
                                            gint64       seen);
gboolean  _chk_engine_check_schedule_occurs (const ChkJobSpec  *spec,
                                             GError           **error);
void      _chk_engine_reschedule           (ChkEngine   *self);
void      _chk_engine_timer_fired_cb       (ChkTimer    *timer,
                                            ChkEngine   *self);
void      _chk_engine_clock_changed_cb     (ChkTimer    *timer,
                                            ChkEngine   *self);
GPtrArray *_chk_engine_collect_missed      (ChkEngine   *self,
                                            gint64       now);
gint64    _chk_engine_catch_up_time        (ChkEngine   *self,
                                            ChkJob      *job,
                                            gint64       now);

/* chk-engine-queue.c */
void      _chk_engine_start_or_queue     (ChkEngine   *self,
                                          ChkJob      *job,
                                          const char  *trigger,
                                          guint        attempt);
void      _chk_engine_drain_queue        (ChkEngine   *self);
void      _chk_engine_remove_from_queue  (ChkEngine   *self,
                                          ChkJob      *job);
void      _chk_engine_store_problem_cb   (ChkStore    *store,
                                          GParamSpec  *pspec,
                                          ChkEngine   *self);

/* chk-engine-gate.c */
void      _chk_engine_make_due           (ChkEngine   *self,
                                          ChkJob      *job,
                                          const char  *trigger,
                                          guint        attempt,
                                          gint64       due,
                                          gint64       not_before);
void      _chk_engine_release_pending    (ChkEngine   *self);
void      _chk_engine_launch_run         (ChkEngine   *self,
                                          ChkJob      *job,
                                          gint64       last_started);
void      _chk_engine_begin_records      (ChkEngine   *self);
void      _chk_engine_end_records        (ChkEngine   *self);
void      _chk_engine_watch_conditions   (ChkEngine   *self);
void      _chk_engine_cancel_pending     (ChkEngine   *self,
                                          ChkJob      *job);
gint64    _chk_engine_pending_deadline   (ChkEngine   *self);
gboolean  _chk_engine_retry_after        (ChkEngine   *self,
                                          ChkJob      *job,
                                          ChkOutcome   outcome);
void      _chk_engine_start_linked       (ChkEngine   *self,
                                          ChkJob      *job,
                                          ChkOutcome   outcome);

/* chk-engine-links.c */
gboolean  _chk_engine_check_links        (ChkEngine         *self,
                                          ChkJob            *job,
                                          const ChkJobSpec  *spec,
                                          GError           **error);
gboolean  _chk_engine_check_unlinked     (ChkEngine   *self,
                                          ChkJob      *job,
                                          GError     **error);
gboolean  _chk_engine_rename_links       (ChkEngine   *self,
                                          const char  *old_name,
                                          const char  *new_name,
                                          GError     **error);

G_END_DECLS
