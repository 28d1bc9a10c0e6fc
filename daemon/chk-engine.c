/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-engine"

#include "config.h"

#include <inttypes.h>
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "chk-clock.h"
#include "chk-engine.h"
#include "chk-engine-private.h"
#include "chk-error.h"
#include "chk-job-env.h"
#include "chk-job-private.h"
#include "chk-outcome.h"
#include "chk-runner.h"
#include "chk-timer.h"

/* How often keep-runs-days is applied. */
#define RETENTION_INTERVAL_SECONDS 3600
/*
 * How long shutdown waits for stopped runs to be recorded, past twice the
 * kill grace: a runner waits a grace for its group, then up to another for
 * pipes held open by processes that left it.
 */
#define SHUTDOWN_EXTRA_MS 3000

/**
 * ChkEngine:
 *
 * The scheduler, usable without a bus: it owns the store, the settings,
 * the timer and the jobs with their runners. It decides when jobs run,
 * starts and stops runs, keeps the one-run-per-job and max-concurrent-runs
 * rules, records how runs end and applies retention.
 *
 * The D-Bus service is a thin layer over it: it unpacks arguments, calls
 * the engine, and mirrors the engine's signals and each job's
 * #ChkJob::changed on the bus.
 */
G_DEFINE_FINAL_TYPE (ChkEngine, chk_engine, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RUNNING_COUNT,
  N_PROPS
};

enum {
  JOB_ADDED,
  JOB_REMOVED,
  RUN_STARTED,
  RUN_FINISHED,
  OUTPUT_AVAILABLE,
  FLEET_RUN_STARTED,
  FLEET_RUN_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

guint64 *
_chk_engine_id_key (guint64 id)
{
  return g_memdup2 (&id, sizeof id);
}

/* Every reading goes through here, to know how far the clock had gone before a step back. */
gint64
_chk_engine_now (ChkEngine *self)
{
  gint64 now = chk_clock_get_now (self->clock);

  self->latest_now = MAX (self->latest_now, now);
  return now;
}

static void
set_running_count (ChkEngine *self,
                   guint      count)
{
  if (self->running_count == count)
    return;
  self->running_count = count;
  _chk_engine_running_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING_COUNT]);
}

static void
maybe_finish_shutdown (ChkEngine *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->shutdown_task == NULL || self->running_count > 0)
    return;

  g_clear_handle_id (&self->shutdown_timeout, g_source_remove);
  task = g_steal_pointer (&self->shutdown_task);
  g_task_return_boolean (task, TRUE);
}

void
_chk_engine_add_job (ChkEngine *self,
                     ChkJob    *job)
{
  /* The key is the job's own id, which lives as long as the entry. */
  g_hash_table_insert (self->jobs, &job->id, job);
  g_hash_table_insert (self->jobs_by_name, job->spec->name, job);
}

static void
runner_progress_cb (ChkRunner  *runner,
                    guint       complete,
                    guint       total,
                    const char *message,
                    ChkJob     *job)
{
  _chk_job_set_progress (job, complete, total, message);
}

static void
runner_output_available_cb (ChkRunner *runner,
                            guint64    last_seq,
                            ChkEngine *self)
{
  g_signal_emit (self, signals[OUTPUT_AVAILABLE], 0, chk_runner_get_run_id (runner), last_seq);
}

/* Lets go of @job's run @run_id, ended or taken back: the engine no
 * longer hears from its runner, and the job no longer holds it. */
static void
detach_run (ChkEngine *self,
            ChkJob    *job,
            guint64    run_id)
{
  ChkRunner *runner = job->runner;

  g_hash_table_remove (self->runs, &run_id);
  g_signal_handlers_disconnect_by_data (runner, self);
  g_signal_handlers_disconnect_by_data (runner, job);
  _chk_job_set_runner (job, NULL, 0);
  set_running_count (self, self->running_count - 1);
}

static void
runner_finished_cb (ChkRunner *runner,
                    ChkEngine *self)
{
  const ChkRunRecord *run = chk_runner_get_record (runner);
  guint64 run_id = run->id;
  g_autoptr(ChkJob) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *outcome = g_strdup (run->outcome);
  gint exit_code = run->exit_code;
  ChkOutcome ended = chk_outcome_from_string (run->outcome);

  job = g_object_ref (g_hash_table_lookup (self->runs, &run_id));

  g_debug ("Run %" G_GUINT64_FORMAT " of “%s” finished: %s", run_id, job->spec->name, outcome);

  _chk_job_set_last_result (job, run->finished, outcome, exit_code);
  detach_run (self, job, run_id);

  if (job->spec->max_runs > 0 &&
      !chk_store_trim_runs (self->store, job->id, job->spec->max_runs, NULL, &error))
    {
      g_warning ("Could not apply max-runs to “%s”: %s", job->spec->name, error->message);
      g_clear_error (&error);
    }

  /* Before the signal, so that alerts know whether another attempt follows. */
  if (self->shutdown_task == NULL)
    _chk_engine_retry_after (self, job, ended);

  g_signal_emit (self, signals[RUN_FINISHED], 0, job, run_id, outcome, exit_code);

  if (self->shutdown_task == NULL)
    {
      /* After a run, the next run is the first occurrence after now. */
      _chk_engine_update_next_run (self, job, _chk_engine_now (self));
      _chk_engine_start_linked (self, job, ended);
      _chk_engine_drain_queue (self);
      _chk_engine_release_pending (self);
      _chk_engine_reschedule (self);
    }

  maybe_finish_shutdown (self);
}

/* For a run of another host of the fleet, started or ended. */
void
_chk_engine_emit_fleet_run (ChkEngine          *self,
                            ChkJob             *job,
                            const ChkRunRecord *run,
                            gboolean            started)
{
  if (started)
    g_signal_emit (self, signals[FLEET_RUN_STARTED], 0, job, run->id, run->trigger);
  else
    g_signal_emit (self, signals[FLEET_RUN_FINISHED], 0, job, run->id, run->outcome,
                   run->exit_code);
}

/* For a run recorded without a runner, such as a skipped one. */
void
_chk_engine_emit_run_finished (ChkEngine  *self,
                               ChkJob     *job,
                               guint64     run_id,
                               const char *outcome,
                               gint        exit_code)
{
  g_signal_emit (self, signals[RUN_FINISHED], 0, job, run_id, outcome, exit_code);
}

guint64
_chk_engine_start_run (ChkEngine   *self,
                       ChkJob      *job,
                       const char  *trigger,
                       guint        attempt,
                       GError     **error)
{
  g_autoptr(ChkRunRecord) run = chk_run_record_new ();
  gint64 last_started = job->last_run_started;
  ChkRunner *runner;

  g_assert (job->runner == NULL);

  run->job_id = job->id;
  run->job_name = g_strdup (job->spec->name);
  run->trigger = g_strdup (trigger);
  run->started = _chk_engine_now (self);
  run->outcome = g_strdup (chk_outcome_to_string (CHK_OUTCOME_RUNNING));
  run->exit_code = -1;
  run->hostname = g_strdup (self->hostname);
  run->attempt = MAX (attempt, 1);

  /* With the others let go now, if any (spawned once all are recorded). */
  _chk_engine_begin_records (self);
  if (!chk_store_add_run (self->store, run, error))
    {
      /* A failure may have taken the transaction with it: the records
       * before this one are kept now, or written again alone. */
      _chk_engine_end_records (self);
      return 0;
    }
  job->attempt = run->attempt;

  runner = chk_runner_new (self->store, job->spec, run);
  chk_runner_set_default_max_tasks (runner, chk_settings_get_default_max_tasks (self->settings));
  chk_runner_set_containment (runner, self->containment);
  chk_runner_set_host_command (runner, self->host);
  chk_runner_set_job_env (runner, self->job_env);
  chk_runner_set_kill_grace (runner, self->kill_grace_ms);
  chk_runner_set_clock (runner, self->clock);
  g_signal_connect (runner, "progress", G_CALLBACK (runner_progress_cb), job);
  g_signal_connect (runner, "output-available", G_CALLBACK (runner_output_available_cb), self);
  g_signal_connect (runner, "finished", G_CALLBACK (runner_finished_cb), self);

  _chk_job_set_runner (job, runner, run->started);
  g_object_unref (runner);
  g_hash_table_insert (self->runs, _chk_engine_id_key (run->id), job);
  set_running_count (self, self->running_count + 1);

  g_debug ("Run %" G_GUINT64_FORMAT " of “%s” starts (%s)", run->id, job->spec->name, trigger);
  _chk_engine_launch_run (self, job, last_started);
  return run->id;
}

/* Undoes _chk_engine_start_run() for @job's run, not spawned yet, whose
 * record was not committed after all (_chk_engine_end_records()); the job
 * started last at @last_started before it. */
void
_chk_engine_take_back_run (ChkEngine *self,
                           ChkJob    *job,
                           gint64     last_started)
{
  guint64 run_id = chk_runner_get_run_id (job->runner);

  g_debug ("Run %" G_GUINT64_FORMAT " of “%s” was not recorded; it is started again",
           run_id, job->spec->name);
  detach_run (self, job, run_id);
  _chk_job_set_last_run_started (job, last_started);
}

/* For a run started by _chk_engine_launch_run(). */
void
_chk_engine_emit_run_started (ChkEngine  *self,
                              ChkJob     *job,
                              guint64     run_id,
                              const char *trigger)
{
  g_signal_emit (self, signals[RUN_STARTED], 0, job, run_id, trigger);
}

static void
apply_retention (ChkEngine *self)
{
  guint days = chk_settings_get_keep_runs_days (self->settings);
  g_autoptr(GError) error = NULL;
  guint deleted = 0;
  gint64 before;

  if (days == 0)
    return;

  before = _chk_engine_now (self) - (gint64) days * 24 * 3600 * G_USEC_PER_SEC;
  if (!chk_store_purge_runs (self->store, before, &deleted, &error))
    g_warning ("Could not apply keep-runs-days: %s", error->message);
  else if (deleted > 0)
    g_message ("Deleted %u runs older than %u days", deleted, days);
}

static gboolean
retention_cb (gpointer user_data)
{
  apply_retention (user_data);
  return G_SOURCE_CONTINUE;
}

static void
settings_changed_cb (ChkSettings *settings,
                     const char  *key,
                     ChkEngine   *self)
{
  if (g_str_equal (key, "max-concurrent-runs"))
    _chk_engine_drain_queue (self);
  else if (g_str_equal (key, "keep-runs-days"))
    apply_retention (self);
}

static void
chk_engine_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  ChkEngine *self = CHK_ENGINE (object);

  switch (prop_id)
    {
    case PROP_RUNNING_COUNT:
      g_value_set_uint (value, self->running_count);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_engine_dispose (GObject *object)
{
  ChkEngine *self = CHK_ENGINE (object);
  ChkJob *job;

  g_cancellable_cancel (self->cancellable);
  while ((job = g_queue_pop_head (&self->queue)) != NULL)
    g_object_unref (job);

  g_clear_handle_id (&self->retention_source, g_source_remove);
  g_clear_handle_id (&self->lease_source, g_source_remove);
  g_clear_handle_id (&self->shutdown_timeout, g_source_remove);
  g_clear_handle_id (&self->store_works_source, g_source_remove);
  g_clear_handle_id (&self->release_source, g_source_remove);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_clear_pointer (&self->waiting_for_store, g_hash_table_unref);
  if (self->timer != NULL)
    g_signal_handlers_disconnect_by_data (self->timer, self);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->timer);
  g_clear_object (&self->clock);
  g_clear_pointer (&self->runs, g_hash_table_unref);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  if (self->conditions != NULL)
    g_signal_handlers_disconnect_by_data (self->conditions, self);
  g_clear_object (&self->conditions);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->jobs_by_name, g_hash_table_unref);
  g_clear_pointer (&self->jobs, g_hash_table_unref);
  g_clear_object (&self->settings);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (chk_engine_parent_class)->dispose (object);
}

static void
chk_engine_finalize (GObject *object)
{
  ChkEngine *self = CHK_ENGINE (object);

  g_free (self->hostname);
  g_free (self->fleet_problem);
  g_clear_object (&self->containment);
  g_clear_object (&self->host);
  g_clear_object (&self->host_bus);
  g_clear_object (&self->job_env);

  G_OBJECT_CLASS (chk_engine_parent_class)->finalize (object);
}

static void
chk_engine_class_init (ChkEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = chk_engine_get_property;
  object_class->dispose = chk_engine_dispose;
  object_class->finalize = chk_engine_finalize;

  properties[PROP_RUNNING_COUNT] =
    g_param_spec_uint ("running-count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ChkEngine::job-added:
   * @self: the engine
   * @job: the new job
   */
  signals[JOB_ADDED] = g_signal_new ("job-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 1, CHK_TYPE_JOB);

  /**
   * ChkEngine::job-removed:
   * @self: the engine
   * @job: the deleted job
   */
  signals[JOB_REMOVED] = g_signal_new ("job-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 1, CHK_TYPE_JOB);

  /**
   * ChkEngine::run-started:
   * @self: the engine
   * @job: the job
   * @run_id: the run
   * @trigger: what started it: "schedule", "manual", "catch-up"
   */
  signals[RUN_STARTED] = g_signal_new ("run-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                       CHK_TYPE_JOB, G_TYPE_UINT64, G_TYPE_STRING);

  /**
   * ChkEngine::run-finished:
   * @self: the engine
   * @job: the job
   * @run_id: the run
   * @outcome: how it ended
   * @exit_code: its exit status, or -1
   */
  signals[RUN_FINISHED] = g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                                        CHK_TYPE_JOB, G_TYPE_UINT64, G_TYPE_STRING, G_TYPE_INT);

  /**
   * ChkEngine::fleet-run-started:
   * @self: the engine
   * @job: the job
   * @run_id: a run that another host of the fleet started
   * @trigger: what started it
   *
   * As #ChkEngine::run-started, for the runs of the other hosts that share
   * the store: they are theirs to alert about.
   */
  signals[FLEET_RUN_STARTED] = g_signal_new ("fleet-run-started", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                             3, CHK_TYPE_JOB, G_TYPE_UINT64, G_TYPE_STRING);

  /**
   * ChkEngine::fleet-run-finished:
   * @self: the engine
   * @job: the job
   * @run_id: a run of another host of the fleet that ended
   * @outcome: how it ended
   * @exit_code: its exit status, or -1
   *
   * As #ChkEngine::run-finished, for the runs of the other hosts.
   */
  signals[FLEET_RUN_FINISHED] = g_signal_new ("fleet-run-finished", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 4, CHK_TYPE_JOB, G_TYPE_UINT64,
                                              G_TYPE_STRING, G_TYPE_INT);

  /**
   * ChkEngine::output-available:
   * @self: the engine
   * @run_id: the run
   * @last_seq: the newest chunk stored
   */
  signals[OUTPUT_AVAILABLE] = g_signal_new ("output-available", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                            G_TYPE_UINT64, G_TYPE_UINT64);
}

static void
chk_engine_init (ChkEngine *self)
{
  self->jobs = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_object_unref);
  self->jobs_by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->runs = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->pending = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  self->waiting_for_store = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->kill_grace_ms = CHK_RUNNER_DEFAULT_KILL_GRACE_MS;
  self->hostname = g_strdup (g_get_host_name ());
  _chk_engine_fleet_init (self);
  self->job_env = chk_job_env_new ();
  g_queue_init (&self->queue);
}

/**
 * chk_engine_new:
 * @store: the store to schedule from
 * @clock: (nullable): the wall clock to schedule by; %NULL for the real
 *   one. A manual one lets tests move time, and set it forward or back,
 *   without touching the machine's.
 *
 * Makes an engine, which does nothing yet: chk_engine_load() reads the
 * store and cleans up after a dead daemon.
 *
 * Returns: (transfer full): the engine
 */
ChkEngine *
chk_engine_new (ChkStore *store,
                ChkClock *clock)
{
  ChkEngine *self;

  g_return_val_if_fail (CHK_IS_STORE (store), NULL);
  g_return_val_if_fail (clock == NULL || CHK_IS_CLOCK (clock), NULL);

  self = g_object_new (CHK_TYPE_ENGINE, NULL);
  self->clock = clock != NULL ? g_object_ref (clock) : chk_clock_new ();
  self->store = g_object_ref (store);
  return self;
}

/**
 * chk_engine_load:
 * @self: a #ChkEngine, not loaded yet
 * @error: return location for a #GError
 *
 * Loads the settings and the jobs. Runs that a dead daemon left under way
 * become `interrupted` and their leftover processes are ended. Nothing
 * runs until chk_engine_start() or chk_engine_run_due().
 *
 * Returns: whether the store could be read; if not, @self is of no use
 */
gboolean
chk_engine_load (ChkEngine  *self,
                 GError    **error)
{
  ChkStore *store;

  g_return_val_if_fail (CHK_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (self->settings == NULL, FALSE);

  store = self->store;
  self->loaded_at = _chk_engine_now (self);
  g_signal_connect (store, "notify::problem", G_CALLBACK (_chk_engine_store_problem_cb), self);
  g_signal_connect (store, "job-changed", G_CALLBACK (_chk_engine_store_job_changed_cb), self);
  g_signal_connect (store, "run-changed", G_CALLBACK (_chk_engine_store_run_changed_cb), self);
  self->settings = chk_settings_new (store, error);
  if (self->settings == NULL)
    return FALSE;
  g_signal_connect (self->settings, "changed", G_CALLBACK (settings_changed_cb), self);

  if (!_chk_engine_recover (self, error) || !_chk_engine_load_jobs (self, error))
    return FALSE;

  self->timer = chk_timer_new (self->clock);
  _chk_engine_watch_conditions (self);
  g_signal_connect (self->timer, "fired", G_CALLBACK (_chk_engine_timer_fired_cb), self);
  g_signal_connect (self->timer, "clock-changed", G_CALLBACK (_chk_engine_clock_changed_cb), self);

  return TRUE;
}

/**
 * chk_engine_start:
 * @self: a #ChkEngine
 *
 * Starts scheduling: computes every next run, runs once each `catch-up`
 * job that missed a run while no daemon ran, and arms the timer.
 */
void
chk_engine_start (ChkEngine *self)
{
  g_autoptr(GPtrArray) missed = NULL;
  GHashTableIter iter;
  gpointer value;
  gint64 now = _chk_engine_now (self);

  g_return_if_fail (CHK_IS_ENGINE (self));
  g_return_if_fail (self->timer != NULL);
  g_return_if_fail (!self->started);

  self->started = TRUE;

  missed = _chk_engine_collect_missed (self, now);
  for (guint i = 0; i < missed->len; i++)
    {
      ChkJob *job = g_ptr_array_index (missed, i);

      if (job->spec->catch_up)
        _chk_engine_make_due (self, job, "catch-up", 1, job->next_run,
                              _chk_engine_catch_up_time (self, job, now));
    }

  /* Loading gave each job its next run: only those now past (a missed
   * run's occurrence, or one since loading) need another look. */
  g_hash_table_iter_init (&iter, self->jobs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ChkJob *job = value;

      if (job->next_run != 0 && job->next_run <= now)
        _chk_engine_update_next_run (self, job, now);
    }
  _chk_engine_release_pending (self);

  apply_retention (self);
  self->retention_source = g_timeout_add_seconds (RETENTION_INTERVAL_SECONDS, retention_cb, self);
  _chk_engine_beat (self);

  _chk_engine_reschedule (self);
}

/**
 * chk_engine_run_due:
 * @self: a #ChkEngine
 *
 * Starts every enabled job whose schedule had an occurrence since its last
 * run (or its creation), once, as `chronikerd --once` does from a system
 * cron line. The caller waits until #ChkEngine:running-count is 0.
 *
 * Returns: how many runs were started or queued
 */
guint
chk_engine_run_due (ChkEngine *self)
{
  g_autoptr(GPtrArray) due = NULL;

  g_return_val_if_fail (CHK_IS_ENGINE (self), 0);
  g_return_val_if_fail (self->timer != NULL, 0);

  due = _chk_engine_collect_missed (self, _chk_engine_now (self));
  for (guint i = 0; i < due->len; i++)
    {
      ChkJob *job = g_ptr_array_index (due, i);

      _chk_engine_make_due (self, job, "schedule", 1, job->next_run, 0);
    }
  _chk_engine_release_pending (self);

  return due->len;
}

static gboolean
shutdown_timeout_cb (gpointer user_data)
{
  ChkEngine *self = user_data;
  g_autoptr(GTask) task = g_steal_pointer (&self->shutdown_task);

  self->shutdown_timeout = 0;
  g_warning ("%u runs were still being recorded at shutdown", self->running_count);
  g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

/**
 * chk_engine_shutdown_async:
 * @self: a #ChkEngine
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Stops scheduling, and stops every run under way: each is recorded as
 * `interrupted`, with its output, once its processes are gone (SIGTERM,
 * then SIGKILL after the kill grace).
 */
void
chk_engine_shutdown_async (ChkEngine           *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GList) jobs = NULL;

  g_return_if_fail (CHK_IS_ENGINE (self));
  g_return_if_fail (self->shutdown_task == NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chk_engine_shutdown_async);
  self->shutdown_task = g_steal_pointer (&task);

  chk_timer_set_deadline (self->timer, 0);
  g_clear_handle_id (&self->retention_source, g_source_remove);

  jobs = g_hash_table_get_values (self->runs);
  for (GList *l = jobs; l != NULL; l = l->next)
    {
      ChkJob *job = l->data;

      chk_runner_stop (job->runner, CHK_OUTCOME_INTERRUPTED);
    }

  self->shutdown_timeout = g_timeout_add (2 * MAX (self->kill_grace_ms, 1000) + SHUTDOWN_EXTRA_MS,
                                          shutdown_timeout_cb, self);
  maybe_finish_shutdown (self);
}

gboolean
chk_engine_shutdown_finish (ChkEngine     *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * chk_engine_set_kill_grace:
 * @self: a #ChkEngine
 * @milliseconds: how long a stopped run has between SIGTERM and SIGKILL
 */
void
chk_engine_set_kill_grace (ChkEngine *self,
                           guint      milliseconds)
{
  g_return_if_fail (CHK_IS_ENGINE (self));

  self->kill_grace_ms = milliseconds;
}

/**
 * chk_engine_set_host_bus:
 * @self: a #ChkEngine, not loaded yet
 * @connection: the session bus on which the host's flatpak-session-helper is
 *
 * Runs the jobs on the host, through Flatpak's HostCommand, instead of
 * here: for a daemon inside a Flatpak sandbox.
 */
void
chk_engine_set_host_bus (ChkEngine       *self,
                         GDBusConnection *connection)
{
  g_return_if_fail (CHK_IS_ENGINE (self));
  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));
  g_return_if_fail (self->settings == NULL);

  g_set_object (&self->host_bus, connection);
}

/**
 * chk_engine_set_hostname:
 * @self: a #ChkEngine, not loaded yet
 * @hostname: a name that chk_check_host_name() takes
 *
 * The name @self goes by instead of the machine's: the one its run records
 * have, and that a job's `host` key must name for the schedule to run it
 * here. For a fleet's hosts that share a machine, as in the tests.
 */
void
chk_engine_set_hostname (ChkEngine  *self,
                         const char *hostname)
{
  g_return_if_fail (CHK_IS_ENGINE (self));
  g_return_if_fail (chk_check_host_name ("hostname", hostname, NULL));
  g_return_if_fail (self->settings == NULL);

  g_free (self->hostname);
  self->hostname = g_strdup (hostname);
}

ChkStore *
chk_engine_get_store (ChkEngine *self)
{
  g_return_val_if_fail (CHK_IS_ENGINE (self), NULL);
  return self->store;
}

ChkSettings *
chk_engine_get_settings (ChkEngine *self)
{
  g_return_val_if_fail (CHK_IS_ENGINE (self), NULL);
  return self->settings;
}

/**
 * chk_engine_get_clock:
 * @self: a #ChkEngine
 *
 * Returns: (transfer none): the wall clock @self schedules by
 */
ChkClock *
chk_engine_get_clock (ChkEngine *self)
{
  g_return_val_if_fail (CHK_IS_ENGINE (self), NULL);
  return self->clock;
}

const char *
chk_engine_get_hostname (ChkEngine *self)
{
  g_return_val_if_fail (CHK_IS_ENGINE (self), NULL);
  return self->hostname;
}

guint
chk_engine_get_running_count (ChkEngine *self)
{
  g_return_val_if_fail (CHK_IS_ENGINE (self), 0);
  return self->running_count;
}

/**
 * chk_engine_list_jobs:
 * @self: a #ChkEngine
 *
 * Returns: (transfer container) (element-type ChkJob): every job, in no order
 */
GPtrArray *
chk_engine_list_jobs (ChkEngine *self)
{
  GPtrArray *jobs;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (CHK_IS_ENGINE (self), NULL);

  jobs = g_ptr_array_sized_new (g_hash_table_size (self->jobs));
  g_hash_table_iter_init (&iter, self->jobs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (jobs, value);

  return jobs;
}

static int
compare_job_ids (gconstpointer a,
                 gconstpointer b)
{
  guint64 id_a = chk_job_get_id (*(ChkJob **) a);
  guint64 id_b = chk_job_get_id (*(ChkJob **) b);

  return id_a < id_b ? -1 : id_a > id_b;
}

/**
 * chk_engine_list_jobs_after:
 * @self: a #ChkEngine
 * @after: a job id, or 0 for the start
 * @limit: how many jobs at most
 *
 * One page of the jobs in the order of their ids: the first @limit of those
 * whose id is greater than @after, which need not be a job's id any more.
 *
 * Returns: (transfer container) (element-type ChkJob): the jobs, by id
 */
GPtrArray *
chk_engine_list_jobs_after (ChkEngine *self,
                            guint64    after,
                            guint      limit)
{
  GPtrArray *jobs;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (CHK_IS_ENGINE (self), NULL);

  jobs = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, self->jobs);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (*(guint64 *) key > after)
        g_ptr_array_add (jobs, value);
    }
  g_ptr_array_sort (jobs, compare_job_ids);
  if (jobs->len > limit)
    g_ptr_array_set_size (jobs, limit);

  return jobs;
}

/**
 * chk_engine_lookup_job:
 * @self: a #ChkEngine
 * @id: a job id
 *
 * Returns: (transfer none) (nullable): the job
 */
ChkJob *
chk_engine_lookup_job (ChkEngine *self,
                       guint64    id)
{
  g_return_val_if_fail (CHK_IS_ENGINE (self), NULL);
  return g_hash_table_lookup (self->jobs, &id);
}

/**
 * chk_engine_lookup_running_job:
 * @self: a #ChkEngine
 * @run_id: a run's id
 *
 * Returns: (transfer none) (nullable): the job whose run @run_id is under
 *   way, or %NULL when no such run is
 */
ChkJob *
chk_engine_lookup_running_job (ChkEngine *self,
                               guint64    run_id)
{
  g_return_val_if_fail (CHK_IS_ENGINE (self), NULL);
  return g_hash_table_lookup (self->runs, &run_id);
}

/**
 * chk_engine_lookup_job_by_name:
 * @self: a #ChkEngine
 * @name: a job name
 *
 * Returns: (transfer none) (nullable): the job
 */
ChkJob *
chk_engine_lookup_job_by_name (ChkEngine  *self,
                               const char *name)
{
  g_return_val_if_fail (CHK_IS_ENGINE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return g_hash_table_lookup (self->jobs_by_name, name);
}

/**
 * chk_engine_new_spec:
 * @self: a #ChkEngine
 *
 * Returns: (transfer full): a spec with the defaults of a new job: every
 *   key at its default and `start` the coming whole second
 */
ChkJobSpec *
chk_engine_new_spec (ChkEngine *self)
{
  ChkJobSpec *spec = chk_job_spec_new ();

  /*
   * Schedules count whole seconds: the next one, so that a new rule's first
   * occurrence (its start) is not already past and the ones after it keep
   * their spacing.
   */
  spec->start = (_chk_engine_now (self) / G_USEC_PER_SEC + 1) * G_USEC_PER_SEC;
  return spec;
}

static gboolean
check_shell_allowed (ChkEngine         *self,
                     const ChkJobSpec  *spec,
                     const ChkJobSpec  *old_spec,
                     GError           **error)
{
  if (spec->shell == NULL || chk_settings_get_allow_shell (self->settings))
    return TRUE;
  /* A job keeps the shell line it had when shells were allowed. */
  if (old_spec != NULL && g_strcmp0 (old_spec->shell, spec->shell) == 0)
    return TRUE;

  return chk_set_key_error (error, CHK_ERROR_SHELL_DISABLED, "shell", "%s",
                            _("shell command lines are disabled by the allow-shell setting; "
                              "give the command as a list of arguments"));
}

/**
 * chk_engine_create_job:
 * @self: a #ChkEngine
 * @spec: (transfer full): the spec, from chk_engine_new_spec() and chk_job_spec_update()
 * @error: return location for a #GError
 *
 * Returns: (transfer none) (nullable): the new job
 */
ChkJob *
chk_engine_create_job (ChkEngine   *self,
                       ChkJobSpec  *spec,
                       GError     **error)
{
  g_autoptr(ChkJobSpec) owned = spec;
  g_autoptr(GVariant) variant = NULL;
  gint64 created = _chk_engine_now (self);
  ChkJob *job;
  guint64 id;

  g_return_val_if_fail (CHK_IS_ENGINE (self), NULL);
  g_return_val_if_fail (spec != NULL, NULL);

  if (!chk_job_spec_validate (spec, error) || !check_shell_allowed (self, spec, NULL, error) ||
      !_chk_engine_check_schedule_occurs (spec, error) ||
      !_chk_engine_check_links (self, NULL, spec, error))
    return NULL;

  variant = g_variant_ref_sink (chk_job_spec_to_variant (spec));
  if (!chk_store_add_job (self->store, spec->name, variant, created, &id, error))
    return NULL;

  job = _chk_job_new (id, g_steal_pointer (&owned), error);
  if (job == NULL)
    {
      chk_store_delete_job (self->store, id, NULL);
      return NULL;
    }
  job->created = created;

  _chk_engine_adopt_job (self, job);
  return job;
}

/*
 * Makes @job, stored already, the engine's: scheduled, and told of
 * (#ChkEngine::job-added).
 */
void
_chk_engine_adopt_job (ChkEngine *self,
                       ChkJob    *job)
{
  _chk_engine_add_job (self, job);
  _chk_engine_update_next_run (self, job,
                               _chk_engine_first_reference (job, _chk_engine_now (self)));
  _chk_engine_reschedule (self);

  g_signal_emit (self, signals[JOB_ADDED], 0, job);
}

/**
 * chk_engine_update_job:
 * @self: a #ChkEngine
 * @job: a job of @self
 * @spec: (transfer full): its new spec, a copy of the old one changed
 * @error: return location for a #GError
 *
 * Changes a job. A run under way goes on with the spec it started with.
 *
 * Returns: %TRUE if @job was changed and stored; on failure nothing changed
 */
gboolean
chk_engine_update_job (ChkEngine   *self,
                       ChkJob      *job,
                       ChkJobSpec  *spec,
                       GError     **error)
{
  g_autoptr(ChkJobSpec) owned = spec;
  g_autoptr(GVariant) variant = NULL;

  g_return_val_if_fail (CHK_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (CHK_IS_JOB (job), FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);

  if (!chk_job_spec_validate (spec, error) || !check_shell_allowed (self, spec, job->spec, error) ||
      !_chk_engine_check_schedule_occurs (spec, error) ||
      !_chk_engine_check_links (self, job, spec, error))
    return FALSE;

  /* One transaction: the job and every job that names it change together. */
  variant = g_variant_ref_sink (chk_job_spec_to_variant (spec));
  if (!chk_store_begin (self->store, error))
    return FALSE;
  if (!chk_store_update_job (self->store, job->id, spec->name, variant, error) ||
      (!g_str_equal (spec->name, job->spec->name) &&
       !_chk_engine_rename_links (self, job->spec->name, spec->name, error)) ||
      !chk_store_commit (self->store, error))
    {
      chk_store_rollback (self->store);
      return FALSE;
    }

  return _chk_engine_apply_spec (self, job, g_steal_pointer (&owned), error);
}

/*
 * Gives @job its new @spec (transfer full), stored already: its next run,
 * what it waits for and what waits for it follow.
 */
gboolean
_chk_engine_apply_spec (ChkEngine   *self,
                        ChkJob      *job,
                        ChkJobSpec  *spec,
                        GError     **error)
{
  g_autoptr(ChkJobSpec) owned = spec;
  g_autofree char *old_name = NULL;

  /* A start given anew is meant as given. */
  if (spec->start != job->spec->start)
    job->start_rewound = FALSE;

  old_name = g_strdup (job->spec->name);
  g_hash_table_remove (self->jobs_by_name, old_name);
  if (!_chk_job_set_spec (job, g_steal_pointer (&owned), error))
    {
      /* Cannot happen: the spec's schedule and zone were checked. */
      g_hash_table_insert (self->jobs_by_name, job->spec->name, job);
      return FALSE;
    }
  g_hash_table_insert (self->jobs_by_name, job->spec->name, job);

  if (!_chk_engine_schedules_here (self, job))
    {
      _chk_engine_remove_from_queue (self, job);
      _chk_engine_cancel_pending (self, job);
    }
  _chk_engine_update_next_run (self, job,
                               _chk_engine_first_reference (job, _chk_engine_now (self)));
  /* What it waits for, or what waits for it, may have changed. */
  _chk_engine_release_pending (self);
  _chk_engine_reschedule (self);
  return TRUE;
}

/* Ends @job's run under way, if it has one, by killing its process group. */
static void
end_run_at_once (ChkEngine *self,
                 ChkJob    *job)
{
  if (job->runner != NULL)
    {
      guint64 run_id = chk_runner_get_run_id (job->runner);

      g_signal_handlers_disconnect_by_data (job->runner, self);
      g_signal_handlers_disconnect_by_data (job->runner, job);
      /* Disposing a runner kills its process group. */
      g_object_run_dispose (G_OBJECT (job->runner));
      _chk_job_set_runner (job, NULL, 0);
      g_hash_table_remove (self->runs, &run_id);
      set_running_count (self, self->running_count - 1);
    }
}

/**
 * chk_engine_delete_job:
 * @self: a #ChkEngine
 * @job: a job of @self
 * @error: return location for a #GError
 *
 * Deletes a job with its runs and their output. A run under way is ended
 * at once (its process group is killed).
 *
 * Returns: %TRUE if @job was deleted
 */
gboolean
chk_engine_delete_job (ChkEngine  *self,
                       ChkJob     *job,
                       GError    **error)
{
  g_autoptr(ChkJob) ref = NULL;

  g_return_val_if_fail (CHK_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (CHK_IS_JOB (job), FALSE);

  if (!g_hash_table_contains (self->jobs, &job->id))
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND, _("No job with id %" PRIu64),
                   job->id);
      return FALSE;
    }

  if (!_chk_engine_check_unlinked (self, job, error))
    return FALSE;

  ref = g_object_ref (job);
  end_run_at_once (self, job);

  if (!chk_store_delete_job (self->store, job->id, error))
    return FALSE;

  _chk_engine_forget_job (self, job);
  return TRUE;
}

/*
 * Drops @job, deleted from the store already, with its run under way if
 * it has one, and tells of it (#ChkEngine::job-removed).
 */
void
_chk_engine_forget_job (ChkEngine *self,
                        ChkJob    *job)
{
  g_autoptr(ChkJob) ref = g_object_ref (job);

  end_run_at_once (self, job);
  _chk_engine_remove_from_queue (self, job);
  _chk_engine_cancel_pending (self, job);
  g_hash_table_remove (self->jobs_by_name, job->spec->name);
  g_hash_table_remove (self->jobs, &job->id);
  _chk_job_set_next_run (job, 0);

  g_signal_emit (self, signals[JOB_REMOVED], 0, job);

  _chk_engine_drain_queue (self);
  _chk_engine_reschedule (self);
  maybe_finish_shutdown (self);
}

/**
 * chk_engine_run_job:
 * @self: a #ChkEngine
 * @job: a job of @self
 * @error: return location for a #GError
 *
 * Runs @job now, even when it is disabled and past max-concurrent-runs
 * (that setting queues scheduled runs only). Fails with
 * %CHK_ERROR_ALREADY_RUNNING while a run is under way.
 *
 * Returns: the new run's id, or 0 on error
 */
guint64
chk_engine_run_job (ChkEngine  *self,
                    ChkJob     *job,
                    GError    **error)
{
  guint64 run_id;

  g_return_val_if_fail (CHK_IS_ENGINE (self), 0);
  g_return_val_if_fail (CHK_IS_JOB (job), 0);

  if (job->runner != NULL)
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_ALREADY_RUNNING,
                   _("“%s” is already running (run %" PRIu64 ")"),
                   job->spec->name, chk_runner_get_run_id (job->runner));
      return 0;
    }
  if (self->shutdown_task != NULL)
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_PERMISSION_DENIED,
                   _("The scheduler is shutting down"));
      return 0;
    }

  /* Asked for now: whatever the job waited for, a retry included, is over. */
  _chk_engine_remove_from_queue (self, job);
  _chk_engine_cancel_pending (self, job);
  run_id = _chk_engine_start_run (self, job, "manual", 1, error);
  if (run_id != 0)
    {
      /* A manual run skips the occurrences that fall during it, too. */
      _chk_engine_update_next_run (self, job, _chk_engine_now (self));
      _chk_engine_reschedule (self);
    }
  return run_id;
}

/**
 * chk_engine_stop_job:
 * @self: a #ChkEngine
 * @job: a job of @self
 * @error: return location for a #GError
 *
 * Stops the run under way: SIGTERM to its process group, SIGKILL after the
 * kill grace. Its outcome is `stopped`. Fails with %CHK_ERROR_NOT_RUNNING.
 *
 * Returns: %TRUE if a run is being stopped
 */
gboolean
chk_engine_stop_job (ChkEngine  *self,
                     ChkJob     *job,
                     GError    **error)
{
  g_return_val_if_fail (CHK_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (CHK_IS_JOB (job), FALSE);

  if (job->queued)
    {
      _chk_engine_remove_from_queue (self, job);
      return TRUE;
    }
  /* Stopping a job that waits (for a retry, a dependency, a condition)
   * ends the wait: no retry comes after Stop(). */
  if (job->pending && job->runner == NULL)
    {
      _chk_engine_cancel_pending (self, job);
      _chk_engine_reschedule (self);
      return TRUE;
    }

  if (job->runner == NULL)
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_NOT_RUNNING, _("“%s” is not running"),
                   job->spec->name);
      return FALSE;
    }

  chk_runner_stop (job->runner, CHK_OUTCOME_STOPPED);
  return TRUE;
}

/**
 * chk_engine_get_job_env:
 * @self: a #ChkEngine
 *
 * Returns: (transfer none): where the environment of runs comes from
 */
ChkJobEnv *
chk_engine_get_job_env (ChkEngine *self)
{
  g_return_val_if_fail (CHK_IS_ENGINE (self), NULL);

  return self->job_env;
}

static void
job_environment_refreshed_cb (GObject      *object,
                              GAsyncResult *result,
                              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChkEngine *self = g_task_get_source_object (task);
  ChkJob *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  /* A manager that did not answer leaves the environment the next run
   * would get anyway: that one is still the answer. */
  if (!chk_job_env_refresh_finish (CHK_JOB_ENV (object), result, &error))
    g_debug ("%s", error->message);

  if (job->spec->check_url != NULL)
    g_task_return_pointer (task, g_new0 (char *, 1), (GDestroyNotify) g_strfreev);
  else
    g_task_return_pointer (task,
                           chk_job_env_build (self->job_env, job->spec, job->id, job->spec->name, 0),
                           (GDestroyNotify) g_strfreev);
}

/**
 * chk_engine_get_job_environment_async:
 * @self: a #ChkEngine
 * @job: a job of @self
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the environment
 * @user_data: for @callback
 *
 * Computes the environment that the next run of @job gets, after reading
 * the session's environment again. `CHRONIKER_RUN_ID` is not in it: a run
 * gets its id when it starts. An HTTP check runs no process and has none.
 */
void
chk_engine_get_job_environment_async (ChkEngine           *self,
                                      ChkJob              *job,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CHK_IS_ENGINE (self));
  g_return_if_fail (CHK_IS_JOB (job));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chk_engine_get_job_environment_async);
  g_task_set_task_data (task, g_object_ref (job), g_object_unref);
  chk_job_env_refresh_async (self->job_env, cancellable, job_environment_refreshed_cb,
                             g_steal_pointer (&task));
}

/**
 * chk_engine_get_job_environment_finish:
 * @self: a #ChkEngine
 * @result: the result
 * @error: return location for a #GError
 *
 * Returns: (transfer full): `NAME=value` strings sorted by name, or %NULL
 *   on error (only when cancelled)
 */
char **
chk_engine_get_job_environment_finish (ChkEngine     *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  g_return_val_if_fail (CHK_IS_ENGINE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
