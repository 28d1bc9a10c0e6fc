/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-engine"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "chk-duration.h"
#include "chk-engine-private.h"
#include "chk-job-private.h"

/*
 * The gate between "due" and "started": a due run is held back while the
 * jobs it depends on do not allow it, while its run-if conditions do not
 * hold, until a retry's time and until the delay after a resume is over.
 * Each held-back run says why in its job's WaitingFor.
 *
 * Held-back runs are few (a job has at most one), so every event that may
 * let one go (a run starting or ending, a job changed, a condition
 * changing, a deadline) looks at all of them; jobs that are not held back
 * cost nothing, and there is no polling: the deadlines join the engine's
 * one timer.
 */

static const char *
dependency_name (ChkDependency *dependency)
{
  return dependency->job;
}

/* The run-if conditions of @job that do not hold now: none until the
 * monitors are there, as they count what they do not know yet as holding. */
static ChkRunIf
unmet_conditions (ChkEngine *self,
                  ChkJob    *job)
{
  if (self->conditions == NULL)
    return 0;
  return chk_conditions_get_unmet (self->conditions, job->spec->run_if);
}

static void
conditions_changed_cb (ChkConditions *conditions,
                       ChkEngine     *self)
{
  if (g_hash_table_size (self->pending) == 0)
    return;
  _chk_engine_release_pending (self);
  _chk_engine_reschedule (self);
}

static void
system_bus_ready_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_finish (result, &error);
  ChkEngine *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = CHK_ENGINE (user_data);
  if (bus == NULL)
    g_debug ("No system bus for run-if: %s", error->message);

  self->conditions = chk_conditions_new (bus);
  g_signal_connect (self->conditions, "changed", G_CALLBACK (conditions_changed_cb), self);
  conditions_changed_cb (self->conditions, self);
}

/**
 * _chk_engine_watch_conditions:
 * @self: the engine
 *
 * Starts watching what run-if asks about: the power supply on the system
 * bus, the network and power saving. Until then every condition holds.
 */
void
_chk_engine_watch_conditions (ChkEngine *self)
{
  g_bus_get (G_BUS_TYPE_SYSTEM, self->cancellable, system_bus_ready_cb, self);
}

/* When @job's due run, or its next one, is: for wait-for-next-run. */
static gint64
due_time (ChkJob *job)
{
  return job->pending ? job->pending_due : job->next_run;
}

/*
 * Why @dependency keeps @job's due run back, in words for WaitingFor;
 * NULL when it does not.
 */
static char *
dependency_blocks (ChkEngine     *self,
                   ChkJob        *job,
                   ChkDependency *dependency)
{
  ChkJob *other = g_hash_table_lookup (self->jobs_by_name, dependency_name (dependency));
  gint64 other_due;

  /* Names are checked when specs change, and deleting a named job is
   * refused: this is a job renamed in the same breath. */
  if (other == NULL || other == job)
    return NULL;

  if (dependency->wait_for_completion && (other->runner != NULL || other->queued))
    return g_strdup_printf (_("%s to finish"), other->spec->name);

  /* A run it has due first (its retry among them) comes before ours. */
  other_due = due_time (other);
  if (dependency->wait_for_next_run && other_due > 0 && other_due <= job->pending_due &&
      other->runner == NULL)
    return g_strdup_printf (_("%s to run first"), other->spec->name);

  if (dependency->wait_for_success &&
      chk_outcome_from_string (other->last_outcome) != CHK_OUTCOME_SUCCESS)
    return g_strdup_printf (_("%s to succeed"), other->spec->name);

  return NULL;
}

static char *
dependencies_block (ChkEngine *self,
                    ChkJob    *job)
{
  GPtrArray *dependencies = job->spec->depends_on;

  for (guint i = 0; i < dependencies->len; i++)
    {
      char *reason = dependency_blocks (self, job, g_ptr_array_index (dependencies, i));

      if (reason != NULL)
        return reason;
    }
  return NULL;
}

static char *
format_clock_time (gint64 when)
{
  g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (when / G_USEC_PER_SEC);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (local == NULL)
    return g_strdup ("?");
  /* A time today needs no date; a later one does. */
  if (g_date_time_get_year (local) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (local) == g_date_time_get_day_of_year (now))
    return g_date_time_format (local, "%H:%M:%S");
  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
}

/* Why a run held back until @job->pending_not_before waits. */
static char *
describe_not_before (ChkJob *job)
{
  g_autofree char *at = format_clock_time (job->pending_not_before);

  if (g_strcmp0 (job->pending_trigger, "retry") == 0)
    /* TRANSLATORS: WaitingFor of a failed job, e.g. "retry 2 of 3 at 14:05:00" */
    return g_strdup_printf (_("retry %u of %u at %s"), job->pending_attempt - 1,
                            job->spec->retries, at);
  /* TRANSLATORS: WaitingFor of a catch-up run after a resume or a start */
  return g_strdup_printf (_("the machine to settle after waking, until %s"), at);
}

static void
hold_back (ChkEngine *self,
           ChkJob    *job)
{
  if (!job->pending)
    {
      job->pending = TRUE;
      g_hash_table_insert (self->pending, _chk_engine_id_key (job->id), job);
    }
}

static void
let_go (ChkEngine *self,
        ChkJob    *job)
{
  job->pending = FALSE;
  g_clear_pointer (&job->pending_trigger, g_free);
  job->pending_not_before = 0;
  job->pending_give_up = 0;
  g_hash_table_remove (self->pending, &job->id);
  _chk_job_set_waiting_for (job, "");
}

/*
 * Whether this host runs the occurrence @due of @job that @trigger made
 * due: one of the schedule's is claimed in the store first, so that in a
 * fleet the first host to claim it runs it, and the others skip it. A
 * claim that cannot be written skips it too: at most once, rather than
 * twice.
 */
static gboolean
claim_occurrence (ChkEngine  *self,
                  ChkJob     *job,
                  const char *trigger,
                  gint64      due)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *when_text = NULL;
  gboolean claimed = FALSE;
  const char *host;

  if (!g_str_equal (trigger, "schedule") && !g_str_equal (trigger, "catch-up"))
    return TRUE;

  /* A job for every host: each host claims its own run of the occurrence */
  host = g_str_equal (job->spec->host, CHK_JOB_SPEC_EVERY_HOST) ? self->hostname : "";
  if (chk_store_claim_occurrence (self->store, job->id, due, host, self->hostname,
                                  _chk_engine_now (self) -
                                  (gint64) self->lease_seconds * G_USEC_PER_SEC,
                                  &claimed, &error) && claimed)
    return TRUE;

  when = g_date_time_new_from_unix_local (due / G_USEC_PER_SEC);
  when_text = when != NULL ? g_date_time_format_iso8601 (when) : g_strdup ("?");
  if (error != NULL)
    g_warning ("“%s” does not run at %s: %s", job->spec->name, when_text, error->message);
  else
    g_debug ("“%s” at %s is another host's to run", job->spec->name, when_text);
  return FALSE;
}

/**
 * _chk_engine_make_due:
 * @self: the engine
 * @job: a job that has a run due
 * @trigger: what made it due
 * @attempt: 1, or the attempt a retry makes
 * @due: when it came due
 * @not_before: when it may start at the earliest, 0 for now
 *
 * Holds @job's due run at the gate until _chk_engine_release_pending()
 * lets it go. One run per job at a time: an occurrence that falls during
 * a run, or while a retry waits, is skipped; one that comes while an
 * earlier occurrence waits takes its place, and the wait starts over.
 */
void
_chk_engine_make_due (ChkEngine  *self,
                      ChkJob     *job,
                      const char *trigger,
                      guint       attempt,
                      gint64      due,
                      gint64      not_before)
{
  if (job->runner != NULL || job->queued)
    {
      g_debug ("“%s” is still running or queued: its occurrence is skipped", job->spec->name);
      return;
    }
  if (job->pending && g_strcmp0 (job->pending_trigger, "retry") == 0 &&
      g_strcmp0 (trigger, "retry") != 0)
    {
      g_debug ("“%s” waits for a retry: its occurrence is skipped", job->spec->name);
      return;
    }
  /* Held back by nothing, only not started yet (what a burst starts past
   * one slice waits for an idle): as good as under way. A catch-up due at
   * start-up must not give way to the next occurrence that comes first. */
  if (job->pending && (job->waiting_for == NULL || job->waiting_for[0] == '\0'))
    {
      g_debug ("“%s” is about to start (%s): its occurrence is skipped", job->spec->name,
               job->pending_trigger);
      return;
    }
  if (!claim_occurrence (self, job, trigger, due))
    return;
  if (job->pending)
    g_message ("“%s” still waited for %s when it came due again; the wait starts over",
               job->spec->name, job->waiting_for);

  g_free (job->pending_trigger);
  job->pending_trigger = g_strdup (trigger);
  job->pending_attempt = attempt;
  job->pending_due = due;
  job->pending_not_before = not_before;
  job->pending_give_up = 0;
  hold_back (self, job);
}

/**
 * _chk_engine_cancel_pending:
 * @self: the engine
 * @job: a job
 *
 * Drops @job's held-back run, if it has one: the job was run by hand,
 * stopped, disabled or deleted.
 */
void
_chk_engine_cancel_pending (ChkEngine *self,
                            ChkJob    *job)
{
  if (job->pending)
    {
      g_debug ("“%s” no longer waits for %s", job->spec->name, job->waiting_for);
      let_go (self, job);
    }
}

/* Records the run that its conditions did not let start in time. */
static void
record_skipped (ChkEngine *self,
                ChkJob    *job,
                ChkRunIf   unmet,
                gint64     now)
{
  g_autoptr(ChkRunRecord) run = chk_run_record_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *conditions = chk_conditions_describe (unmet);
  g_autofree char *waited = chk_duration_format ((guint64) job->spec->run_if_wait);

  run->job_id = job->id;
  run->job_name = g_strdup (job->spec->name);
  run->trigger = g_strdup (job->pending_trigger);
  run->started = now;
  run->finished = now;
  run->outcome = g_strdup (chk_outcome_to_string (CHK_OUTCOME_SKIPPED));
  run->exit_code = -1;
  run->hostname = g_strdup (chk_engine_get_hostname (self));
  run->attempt = job->pending_attempt;
  run->containment = g_strdup ("");
  /* TRANSLATORS: the message of a skipped run, e.g. "Not run: waited 10 minutes for AC power" */
  run->message = g_strdup_printf (_("Not run: waited %s for %s"), waited, conditions);

  let_go (self, job);

  g_message ("“%s” was skipped: %s", job->spec->name, run->message);
  /* Not in the transaction of the runs let go before it: what follows
   * tells that it is recorded. */
  _chk_engine_end_records (self);
  if (!chk_store_add_run (self->store, run, &error))
    {
      g_warning ("Could not record the skipped run of “%s”: %s", job->spec->name,
                 error->message);
      return;
    }
  _chk_job_set_last_run_started (job, now);
  _chk_job_set_last_result (job, now, run->outcome, run->exit_code);
  _chk_engine_emit_run_finished (self, job, run->id, run->outcome, run->exit_code);
}

/*
 * Lets @job's run go, or says why not. Returns whether the gate's state
 * changed in a way that may let another job go (a start, a skip).
 */
static gboolean
try_release (ChkEngine *self,
             ChkJob    *job,
             gint64     now)
{
  g_autofree char *reason = NULL;
  g_autofree char *trigger = NULL;
  ChkRunIf unmet = 0;
  guint attempt;

  if (job->pending_not_before > now)
    reason = describe_not_before (job);

  if (reason == NULL)
    reason = dependencies_block (self, job);

  if (reason == NULL && job->spec->run_if != 0)
    {
      unmet = unmet_conditions (self, job);
      if (unmet != 0)
        {
          if (job->pending_give_up == 0)
            job->pending_give_up = MAX (now, job->pending_not_before) +
                                   (gint64) job->spec->run_if_wait * G_USEC_PER_SEC;
          if (now >= job->pending_give_up)
            {
              record_skipped (self, job, unmet, now);
              return TRUE;
            }
          reason = chk_conditions_describe (unmet);
        }
    }

  if (reason != NULL)
    {
      _chk_job_set_waiting_for (job, reason);
      return FALSE;
    }

  trigger = g_steal_pointer (&job->pending_trigger);
  attempt = job->pending_attempt;
  let_go (self, job);
  g_debug ("“%s” may start (%s, attempt %u)", job->spec->name, trigger, attempt);
  _chk_engine_start_or_queue (self, job, trigger, attempt);
  return TRUE;
}

/* Starts the runs that _chk_engine_start_run() made for @jobs, side by
 * side, and says so. @batch (consumed) has them already, added since
 * @begun; %NULL to start them all now. */
static void
start_jobs (ChkEngine      *self,
            GPtrArray      *jobs,
            ChkRunnerBatch *batch,
            gint64          begun)
{
  g_autoptr(GPtrArray) runners = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 cost;

  for (guint i = 0; i < jobs->len; i++)
    g_ptr_array_add (runners, g_object_ref (((ChkJob *) g_ptr_array_index (jobs, i))->runner));
  if (batch == NULL)
    {
      begun = g_get_monotonic_time ();
      batch = chk_runner_batch_new (runners->len);
      for (guint i = 0; i < runners->len; i++)
        chk_runner_batch_add (batch, g_ptr_array_index (runners, i));
    }
  chk_runner_batch_finish (batch);
  /* Mostly the latest: a burst's batches cost about the same, and a
   * moment of load elsewhere is forgotten within a few. */
  cost = (g_get_monotonic_time () - begun) / jobs->len;
  self->start_cost = (self->start_cost + cost) / 2;

  /* The user manager does not say when its environment changes: read it
   * again for the runs to come. */
  chk_job_env_refresh_async (self->job_env, NULL, NULL, NULL);

  for (guint i = 0; i < jobs->len; i++)
    {
      const ChkRunRecord *run = chk_runner_get_record (g_ptr_array_index (runners, i));

      _chk_engine_emit_run_started (self, g_ptr_array_index (jobs, i), run->id, run->trigger);
    }

  /* A start moves the job's next run on, which another job may wait for. */
  if (g_hash_table_size (self->pending) > 0)
    _chk_engine_release_pending (self);
}

/* Hands @runner, recorded, to the spawning threads of this batch. */
static void
offer_start (ChkEngine *self,
             ChkRunner *runner)
{
  if (self->spawning == NULL)
    {
      self->spawning = chk_runner_batch_new (0);
      self->start_begun = g_get_monotonic_time ();
    }
  chk_runner_batch_add (self->spawning, runner);
}

static void
clear_recorded_start (gpointer data)
{
  g_object_unref (((ChkRecordedStart *) data)->job);
}

/**
 * _chk_engine_begin_records:
 * @self: the engine
 *
 * While _chk_engine_release_pending() lets runs go, opens a transaction
 * for the records of the runs let go after the first of a batch, which is
 * recorded alone and handed to the spawning threads at once: the others'
 * records are then written together while it spawns, their pages (five of
 * 32 KiB) once and not once a run, and they are handed over once committed
 * (flush_starts()). No process is started before its record is kept.
 */
void
_chk_engine_begin_records (ChkEngine *self)
{
  g_autoptr(GError) error = NULL;

  if (self->start_batch == NULL || self->start_batch->len == 0 || self->recorded != NULL ||
      self->record_alone || chk_store_in_transaction (self->store))
    return;

  if (!chk_store_begin (self->store, &error))
    {
      g_debug ("Runs let go together are recorded one by one: %s", error->message);
      self->record_alone = TRUE;
      return;
    }
  self->recorded = g_array_new (FALSE, FALSE, sizeof (ChkRecordedStart));
  g_array_set_clear_func (self->recorded, clear_recorded_start);
}

/**
 * _chk_engine_end_records:
 * @self: the engine
 *
 * Commits the records of the transaction of _chk_engine_begin_records(),
 * if one is open, and hands their runs to the spawning threads. When it
 * cannot be committed, nothing of it was kept: those runs are taken back
 * and started again one by one, each with the store's own answer (the
 * wait for a store that fails, as for any run), for the rest of this go.
 */
void
_chk_engine_end_records (ChkEngine *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) starts = NULL;

  if (self->recorded == NULL)
    return;

  starts = g_steal_pointer (&self->recorded);
  if (chk_store_commit (self->store, &error))
    {
      for (guint i = 0; i < starts->len; i++)
        offer_start (self, g_array_index (starts, ChkRecordedStart, i).job->runner);
      return;
    }

  g_warning ("Could not record %u runs together: %s; each is recorded on its own",
             starts->len, error->message);
  self->record_alone = TRUE;
  for (guint i = 0; i < starts->len; i++)
    {
      ChkRecordedStart *start = &g_array_index (starts, ChkRecordedStart, i);
      const ChkRunRecord *run = chk_runner_get_record (start->job->runner);
      g_autofree char *trigger = g_strdup (run->trigger);
      guint attempt = run->attempt;

      g_ptr_array_remove (self->start_batch, start->job);
      _chk_engine_take_back_run (self, start->job, start->last_started);
      _chk_engine_start_or_queue (self, start->job, trigger, attempt);
    }
}

/* Starts the runs let go so far in this go of _chk_engine_release_pending(). */
static void
flush_starts (ChkEngine *self)
{
  g_autoptr(GPtrArray) jobs = NULL;

  _chk_engine_end_records (self);
  if (self->start_batch == NULL || self->start_batch->len == 0)
    return;
  jobs = g_steal_pointer (&self->start_batch);
  self->start_batch = g_ptr_array_new_with_free_func (g_object_unref);
  start_jobs (self, jobs, g_steal_pointer (&self->spawning), self->start_begun);
}

/**
 * _chk_engine_launch_run:
 * @self: the engine
 * @job: a job whose run _chk_engine_start_run() made
 * @last_started: when the job started last before it
 *
 * Starts @job's run; while _chk_engine_release_pending() lets runs go, with
 * the others it lets go (up to %CHK_ENGINE_START_BATCH, and
 * %CHK_ENGINE_START_BATCH_USEC by the starts before), so that the last run
 * due in a second does not wait for the execs of all the others. Each one
 * is handed to the spawning threads once its record is committed: the
 * first at once, the others together (_chk_engine_begin_records()).
 */
void
_chk_engine_launch_run (ChkEngine *self,
                        ChkJob    *job,
                        gint64     last_started)
{
  g_autoptr(GPtrArray) jobs = NULL;

  if (self->start_batch != NULL)
    {
      g_ptr_array_add (self->start_batch, g_object_ref (job));
      if (self->recorded != NULL)
        {
          ChkRecordedStart start = { g_object_ref (job), last_started };

          g_array_append_val (self->recorded, start);
        }
      else
        offer_start (self, job->runner);
      if (self->start_batch->len >= CHK_ENGINE_START_BATCH ||
          (self->start_batch->len + 1) * self->start_cost >= CHK_ENGINE_START_BATCH_USEC)
        flush_starts (self);
      return;
    }

  jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (jobs, g_object_ref (job));
  start_jobs (self, jobs, NULL, 0);
}

static gboolean
release_more_cb (gpointer user_data)
{
  ChkEngine *self = user_data;

  self->release_source = 0;
  _chk_engine_release_pending (self);
  _chk_engine_reschedule (self);
  return G_SOURCE_REMOVE;
}

/*
 * Whether the runs let go in this go have taken their slice of the main
 * loop: the others are let go from an idle, after the D-Bus calls and the
 * ends of runs that came meanwhile, and so on, one slice an iteration.
 * --once (the engine not started) lets every run go at once, and waits
 * only for those under way.
 */
static gboolean
slice_is_over (ChkEngine *self,
               gint64     slice_end)
{
  if (!self->started || g_get_monotonic_time () < slice_end)
    return FALSE;

  if (self->release_source == 0)
    self->release_source = g_idle_add (release_more_cb, self);
  return TRUE;
}

static int
compare_pending (gconstpointer a,
                 gconstpointer b)
{
  ChkJob *job_a = *(ChkJob **) a;
  ChkJob *job_b = *(ChkJob **) b;

  if (job_a->pending_due != job_b->pending_due)
    return job_a->pending_due < job_b->pending_due ? -1 : 1;
  return job_a->id < job_b->id ? -1 : job_a->id > job_b->id;
}

/**
 * _chk_engine_release_pending:
 * @self: the engine
 *
 * Starts (or queues for a slot) every held-back run that may start now, in
 * the order they came due, and records as skipped those whose conditions
 * did not come in time. A run that starts may let another go (its next run
 * moved on): the rounds go on until one lets nothing go. Past
 * %CHK_ENGINE_RELEASE_SLICE_USEC, the rest wait for the next main-loop
 * iteration: a thousand runs due at once must not keep D-Bus waiting.
 */
void
_chk_engine_release_pending (ChkEngine *self)
{
  gint64 now;
  gint64 slice_end;
  gboolean changed = TRUE;
  gboolean over = FALSE;
  guint limit;

  if (self->shutdown_task != NULL)
    return;
  /* A run started here calls this again: one more round instead of a
   * recursion as deep as the runs that start. */
  if (self->releasing)
    {
      self->release_again = TRUE;
      return;
    }
  /* The idle comes in the next main-loop iteration: the runs that end in
   * this one (a burst's, many of them) must not each take a slice. */
  if (self->release_source != 0)
    return;

  self->releasing = TRUE;
  self->start_batch = g_ptr_array_new_with_free_func (g_object_unref);
  now = _chk_engine_now (self);
  slice_end = g_get_monotonic_time () + CHK_ENGINE_RELEASE_SLICE_USEC;
  /* Each round with a change let one run go at least, and none are added
   * meanwhile: as many rounds as there are held-back runs, and one more. */
  limit = g_hash_table_size (self->pending) + 1;
  for (guint round = 0;
       changed && !over && round <= limit && g_hash_table_size (self->pending) > 0;
       round++)
    {
      g_autoptr(GPtrArray) held = g_ptr_array_new ();
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->pending);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_ptr_array_add (held, value);

      g_ptr_array_sort (held, compare_pending);
      changed = FALSE;
      for (guint i = 0; i < held->len; i++)
        {
          ChkJob *job = g_ptr_array_index (held, i);

          /* Let go in this round by another's skip or start, or deleted */
          if (!job->pending)
            continue;
          if ((over = slice_is_over (self, slice_end)))
            break;
          changed |= try_release (self, job, now);
        }
      /* Their starts may let others go: see release_again. */
      flush_starts (self);
      changed |= self->release_again;
      self->release_again = FALSE;
    }
  /* Those that the last starts made (from RunStarted, say) start too. */
  while (self->start_batch->len > 0)
    flush_starts (self);
  g_assert (self->spawning == NULL && self->recorded == NULL);
  g_clear_pointer (&self->start_batch, g_ptr_array_unref);
  self->record_alone = FALSE;
  self->release_again = FALSE;
  self->releasing = FALSE;
}

/**
 * _chk_engine_pending_deadline:
 * @self: the engine
 *
 * Returns: the earliest time a held-back run may go without anything else
 *   happening (a retry's time, the end of a resume delay, conditions given
 *   up on), or 0
 */
gint64
_chk_engine_pending_deadline (ChkEngine *self)
{
  GHashTableIter iter;
  gpointer value;
  gint64 earliest = 0;

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ChkJob *job = value;
      gint64 deadline = job->pending_not_before;

      if (deadline == 0 && job->pending_give_up > 0)
        deadline = job->pending_give_up;
      else if (job->pending_give_up > 0)
        deadline = MIN (deadline, job->pending_give_up);
      if (deadline > 0 && (earliest == 0 || deadline < earliest))
        earliest = deadline;
    }
  return earliest;
}

/**
 * _chk_engine_retry_after:
 * @self: the engine
 * @job: a job whose run just ended
 * @outcome: how it ended
 *
 * Holds a retry back until its delay is over when the run failed, timed
 * out or could not start and attempts are left. A stopped run is not
 * retried.
 *
 * Returns: whether a retry follows
 */
gboolean
_chk_engine_retry_after (ChkEngine  *self,
                         ChkJob     *job,
                         ChkOutcome  outcome)
{
  gint64 now = _chk_engine_now (self);
  guint next_attempt = job->attempt + 1;
  g_autofree char *reason = NULL;

  if (outcome != CHK_OUTCOME_FAILURE && outcome != CHK_OUTCOME_TIMEOUT &&
      outcome != CHK_OUTCOME_FAILED_TO_START)
    return FALSE;
  if (job->attempt > job->spec->retries || !g_hash_table_contains (self->jobs, &job->id))
    return FALSE;

  _chk_engine_make_due (self, job, "retry", next_attempt, now,
                        now + chk_job_spec_get_retry_delay (job->spec, next_attempt));
  reason = describe_not_before (job);
  _chk_job_set_waiting_for (job, reason);
  g_message ("“%s” failed (attempt %u of %u); it is tried again in %.1f s", job->spec->name,
             job->attempt, job->spec->retries + 1,
             (job->pending_not_before - now) / (double) G_USEC_PER_SEC);
  return TRUE;
}

static void
start_each (ChkEngine   *self,
            ChkJob      *job,
            char       **names)
{
  gint64 now = _chk_engine_now (self);

  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      ChkJob *next = g_hash_table_lookup (self->jobs_by_name, names[i]);

      if (next == NULL)
        continue;
      if (!chk_job_spec_runs_on (next->spec, self->hostname))
        {
          g_message ("“%s” runs on host %s only: the run “%s” asked for is not started here",
                     next->spec->name, next->spec->host, job->spec->name);
          continue;
        }
      if (next->runner != NULL || next->queued || next->pending)
        {
          g_message ("“%s” is running or waiting already: the run “%s” asked for is dropped",
                     next->spec->name, job->spec->name);
          continue;
        }
      _chk_engine_make_due (self, next, "dependency", 1, now, 0);
    }
}

/**
 * _chk_engine_start_linked:
 * @self: the engine
 * @job: a job whose run just ended
 * @outcome: how it ended
 *
 * Starts @job's run-on-success jobs after a success, its run-on-failure
 * jobs after a failure that no retry follows (trigger `dependency`),
 * through the gate like any due run.
 */
void
_chk_engine_start_linked (ChkEngine  *self,
                          ChkJob     *job,
                          ChkOutcome  outcome)
{
  if (outcome == CHK_OUTCOME_SUCCESS)
    start_each (self, job, job->spec->run_on_success);
  else if (chk_outcome_is_failure (outcome) && !job->pending)
    start_each (self, job, job->spec->run_on_failure);
}
