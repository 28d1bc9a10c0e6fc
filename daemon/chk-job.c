/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-job"

#include "config.h"

#include "chk-job-private.h"

/**
 * ChkJob:
 *
 * A job as the engine keeps it: its spec, its parsed schedule and zone, and
 * its state (next run, last run, the run under way and its progress).
 *
 * The engine changes it through the _chk_job_set_*() functions, each of
 * which notes what changed. #ChkJob::changed tells it, as #ChkJobChange
 * flags; many changes in one main loop iteration make one emission.
 */

G_DEFINE_FINAL_TYPE (ChkJob, chk_job, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/*
 * The texts of a job's state are interned: most are "" or one of a few
 * outcomes and reasons, which 10,000 jobs then share rather than each
 * keeping a copy. Replaces the one in @text with @value.
 */
static void
set_text (char       **text,
          const char  *value)
{
  g_ref_string_release (*text);
  *text = g_ref_string_new_intern (value);
}

static void
chk_job_state_free (ChkJobState *state)
{
  g_clear_pointer (&state->spec, chk_job_spec_free);
  g_clear_pointer (&state->schedule, chk_schedule_unref);
  g_ref_string_release (state->last_outcome);
  g_ref_string_release (state->last_alert_error);
  g_ref_string_release (state->progress_message);
  g_ref_string_release (state->waiting_for);
  g_free (state);
}

/*
 * Keeps the values from before the first change that #ChkJob::changed will
 * tell; the spec only once it changes (set_parsed_spec() hands it over).
 * Called before each change.
 */
static void
remember_state (ChkJob *self)
{
  ChkJobState *before;

  if (self->before != NULL)
    return;

  before = g_new0 (ChkJobState, 1);
  _chk_job_peek_state (self, before);
  before->spec = NULL;
  before->schedule = NULL;
  before->spec_kept = FALSE;
  before->last_outcome = g_ref_string_acquire (before->last_outcome);
  before->last_alert_error = g_ref_string_acquire (before->last_alert_error);
  before->progress_message = g_ref_string_acquire (before->progress_message);
  before->waiting_for = g_ref_string_acquire (before->waiting_for);
  self->before = before;
}

/*
 * The jobs whose changes are still to be told, in the order they changed,
 * told by one idle for all of them. When 1,000 runs start or end at once,
 * 1,000 jobs change, and telling each (a PropertiesChanged on the bus,
 * ~0.3 ms) in one main-loop iteration kept D-Bus calls waiting for up to
 * ~80 ms (bench-daemon's burst). So the idle tells them for at most
 * %CHANGED_SLICE_USEC an iteration, and the rest in the next ones.
 */
#define CHANGED_SLICE_USEC (5 * 1000)

static GQueue changed_jobs = G_QUEUE_INIT;
static guint changed_source;

/* Takes @self out of the jobs whose changes are to be told, if it is in. */
static void
unqueue_changes (ChkJob *self)
{
  if (self->changed_link == NULL)
    return;
  g_queue_delete_link (&changed_jobs, self->changed_link);
  self->changed_link = NULL;
}

static void
tell_changes (ChkJob *self)
{
  ChkJobChange changes = self->changes;

  self->changes = 0;
  g_signal_emit (self, signals[CHANGED], 0, (guint) changes);
  /* Unless a handler changed it again */
  if (self->changed_link == NULL)
    g_clear_pointer (&self->before, chk_job_state_free);
}

static gboolean
tell_changes_cb (gpointer user_data)
{
  gint64 slice_end = g_get_monotonic_time () + CHANGED_SLICE_USEC;

  /* At least one job an iteration, however slow */
  do
    {
      g_autoptr(ChkJob) self = NULL;
      GList *link = g_queue_pop_head_link (&changed_jobs);

      if (link == NULL)
        break;
      self = g_object_ref (link->data);
      self->changed_link = NULL;
      g_list_free_1 (link);
      tell_changes (self);
    }
  while (g_get_monotonic_time () < slice_end);

  if (!g_queue_is_empty (&changed_jobs))
    return G_SOURCE_CONTINUE;
  changed_source = 0;
  return G_SOURCE_REMOVE;
}

static void
note_change (ChkJob       *self,
             ChkJobChange  what)
{
  self->changes |= what;
  if (self->changed_link != NULL)
    return;
  g_queue_push_tail (&changed_jobs, self);
  self->changed_link = changed_jobs.tail;
  if (changed_source == 0)
    {
      changed_source = g_idle_add_full (G_PRIORITY_DEFAULT, tell_changes_cb, NULL, NULL);
      g_source_set_name_by_id (changed_source, "[chk-job] changes");
    }
}

static void
chk_job_dispose (GObject *object)
{
  ChkJob *self = CHK_JOB (object);

  unqueue_changes (self);
  g_clear_pointer (&self->before, chk_job_state_free);
  g_clear_object (&self->runner);

  G_OBJECT_CLASS (chk_job_parent_class)->dispose (object);
}

static void
chk_job_finalize (GObject *object)
{
  ChkJob *self = CHK_JOB (object);

  g_clear_pointer (&self->spec, chk_job_spec_free);
  g_clear_pointer (&self->schedule, chk_schedule_unref);
  g_clear_pointer (&self->tz, g_time_zone_unref);
  g_clear_pointer (&self->occurrences, chk_schedule_iter_free);
  g_clear_pointer (&self->last_outcome, g_ref_string_release);
  g_clear_pointer (&self->last_alert_error, g_ref_string_release);
  g_clear_pointer (&self->waiting_for, g_ref_string_release);
  g_clear_pointer (&self->pending_trigger, g_free);
  g_clear_pointer (&self->queued_trigger, g_free);
  g_clear_pointer (&self->progress_message, g_ref_string_release);

  G_OBJECT_CLASS (chk_job_parent_class)->finalize (object);
}

static void
chk_job_class_init (ChkJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chk_job_dispose;
  object_class->finalize = chk_job_finalize;

  /**
   * ChkJob::changed:
   * @changes: what changed, #ChkJobChange flags
   *
   * The job's spec or state changed.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
chk_job_init (ChkJob *self)
{
  self->last_outcome = g_ref_string_new_intern ("");
  self->last_alert_error = g_ref_string_new_intern ("");
  self->waiting_for = g_ref_string_new_intern ("");
  self->progress_message = g_ref_string_new_intern ("");
}

/* Takes @spec, @schedule and @tz: @schedule and @tz are those of @spec. */
static void
set_parsed_spec (ChkJob      *self,
                 ChkJobSpec  *spec,
                 ChkSchedule *schedule,
                 GTimeZone   *tz)
{
  remember_state (self);
  if (!self->before->spec_kept)
    {
      /* The values from before own the spec and schedule they show. */
      self->before->spec = g_steal_pointer (&self->spec);
      self->before->schedule = g_steal_pointer (&self->schedule);
      self->before->spec_kept = TRUE;
    }
  g_clear_pointer (&self->spec, chk_job_spec_free);
  self->spec = spec;
  g_clear_pointer (&self->schedule, chk_schedule_unref);
  self->schedule = schedule;
  g_clear_pointer (&self->tz, g_time_zone_unref);
  self->tz = tz;
  g_clear_pointer (&self->occurrences, chk_schedule_iter_free);

  note_change (self, CHK_JOB_CHANGE_SPEC);
}

ChkJob *
_chk_job_new (guint64      id,
              ChkJobSpec  *spec,
              GError     **error)
{
  g_autoptr(ChkJob) self = g_object_new (CHK_TYPE_JOB, NULL);

  self->id = id;
  if (!_chk_job_set_spec (self, spec, error))
    return NULL;

  return g_steal_pointer (&self);
}

/*
 * A job of @spec whose schedule and zone the caller parsed already: the
 * engine's load shares one #ChkSchedule among the jobs with the same
 * schedule. Takes @spec, @schedule and @tz.
 */
ChkJob *
_chk_job_new_parsed (guint64      id,
                     ChkJobSpec  *spec,
                     ChkSchedule *schedule,
                     GTimeZone   *tz)
{
  ChkJob *self = g_object_new (CHK_TYPE_JOB, NULL);

  self->id = id;
  set_parsed_spec (self, spec, schedule, tz);
  return self;
}

/*
 * Takes @spec, whose schedule and zone were checked already; fails only
 * if they no longer parse (a zone removed from the system, say).
 */
gboolean
_chk_job_set_spec (ChkJob      *self,
                   ChkJobSpec  *spec,
                   GError     **error)
{
  g_autoptr(ChkSchedule) schedule = NULL;
  g_autoptr(GTimeZone) tz = NULL;

  schedule = chk_schedule_parse (spec->schedule, error);
  if (schedule == NULL)
    return FALSE;
  tz = chk_time_zone_new (spec->timezone, error);
  if (tz == NULL)
    return FALSE;

  set_parsed_spec (self, spec, g_steal_pointer (&schedule), g_steal_pointer (&tz));
  return TRUE;
}

/*
 * The first occurrence of the job's schedule from its start strictly after
 * @after, or 0. The job keeps its place among the occurrences, so that a
 * rule with COUNT, which is counted from its start, is not counted again
 * for each run.
 */
gint64
_chk_job_next_occurrence (ChkJob *self,
                          gint64  after)
{
  if (self->occurrences == NULL)
    self->occurrences = chk_schedule_iter_new (self->schedule, self->tz, self->spec->start);
  return chk_schedule_iter_next (self->occurrences, after);
}

void
_chk_job_set_next_run (ChkJob *self,
                       gint64  next_run)
{
  if (self->next_run == next_run)
    return;
  remember_state (self);
  self->next_run = next_run;
  note_change (self, CHK_JOB_CHANGE_NEXT_RUN);
}

/*
 * The run under way, started at @started, or none (%NULL). A new run's
 * progress starts again from nothing.
 */
void
_chk_job_set_runner (ChkJob    *self,
                     ChkRunner *runner,
                     gint64     started)
{
  remember_state (self);
  g_set_object (&self->runner, runner);
  note_change (self, CHK_JOB_CHANGE_RUNNING);
  if (runner != NULL)
    {
      _chk_job_set_last_run_started (self, started);
      _chk_job_set_progress (self, 0, 0, "");
    }
}

void
_chk_job_set_last_run_started (ChkJob *self,
                               gint64  started)
{
  if (self->last_run_started == started)
    return;
  remember_state (self);
  self->last_run_started = started;
  note_change (self, CHK_JOB_CHANGE_LAST_RUN);
}

void
_chk_job_set_last_result (ChkJob     *self,
                          gint64      finished,
                          const char *outcome,
                          gint        exit_code)
{
  remember_state (self);
  self->last_run_finished = finished;
  set_text (&self->last_outcome, outcome != NULL ? outcome : "");
  self->last_exit_code = exit_code;
  note_change (self, CHK_JOB_CHANGE_LAST_RUN);
}

void
_chk_job_set_progress (ChkJob     *self,
                       guint       complete,
                       guint       total,
                       const char *message)
{
  if (message == NULL)
    message = "";
  if (self->progress_complete == complete && self->progress_total == total &&
      g_strcmp0 (self->progress_message, message) == 0)
    return;

  remember_state (self);
  self->progress_complete = complete;
  self->progress_total = total;
  set_text (&self->progress_message, message);
  note_change (self, CHK_JOB_CHANGE_PROGRESS);
}

void
_chk_job_set_last_alert_error (ChkJob     *self,
                               const char *message)
{
  g_return_if_fail (CHK_IS_JOB (self));
  g_return_if_fail (message != NULL);

  if (g_strcmp0 (self->last_alert_error, message) == 0)
    return;

  remember_state (self);
  set_text (&self->last_alert_error, message);
  note_change (self, CHK_JOB_CHANGE_ALERT_ERROR);
}

void
_chk_job_set_waiting_for (ChkJob     *self,
                          const char *reason)
{
  g_return_if_fail (CHK_IS_JOB (self));
  g_return_if_fail (reason != NULL);

  if (g_strcmp0 (self->waiting_for, reason) == 0)
    return;

  remember_state (self);
  set_text (&self->waiting_for, reason);
  note_change (self, CHK_JOB_CHANGE_WAITING);
}

/* Drops a pending #ChkJob::changed: for a job loaded before anyone watches it. */
void
_chk_job_forget_changes (ChkJob *self)
{
  unqueue_changes (self);
  self->changes = 0;
  g_clear_pointer (&self->before, chk_job_state_free);
}

/* Fills @out_state with the job's values as they are now, borrowed from the job. */
void
_chk_job_peek_state (ChkJob      *self,
                     ChkJobState *out_state)
{
  *out_state = (ChkJobState) {
    .id = self->id,
    .spec = self->spec,
    .schedule = self->schedule,
    .spec_kept = TRUE,
    .next_run = self->next_run,
    .last_run_started = self->last_run_started,
    .last_run_finished = self->last_run_finished,
    .last_outcome = self->last_outcome,
    .last_exit_code = self->last_exit_code,
    .last_alert_error = self->last_alert_error,
    .running = self->runner != NULL,
    .current_run = self->runner != NULL ? chk_runner_get_run_id (self->runner) : 0,
    .progress_complete = self->progress_complete,
    .progress_total = self->progress_total,
    .progress_message = self->progress_message,
    .waiting_for = self->waiting_for,
  };
}

/*
 * The values from before the changes that #ChkJob::changed tells, while
 * it is emitted; %NULL when none changed since the job was last shown (see
 * _chk_job_forget_state_before()).
 */
const ChkJobState *
_chk_job_get_state_before (ChkJob *self)
{
  return self->before;
}

/*
 * For a watcher that just showed the job as it is now (a new job on the
 * bus): the changes pending are then no changes to it, though
 * #ChkJob::changed still tells them to the others.
 */
void
_chk_job_forget_state_before (ChkJob *self)
{
  g_clear_pointer (&self->before, chk_job_state_free);
}

guint64
chk_job_get_id (ChkJob *self)
{
  g_return_val_if_fail (CHK_IS_JOB (self), 0);
  return self->id;
}

const ChkJobSpec *
chk_job_get_spec (ChkJob *self)
{
  g_return_val_if_fail (CHK_IS_JOB (self), NULL);
  return self->spec;
}

const char *
chk_job_get_name (ChkJob *self)
{
  g_return_val_if_fail (CHK_IS_JOB (self), NULL);
  return self->spec->name;
}

ChkSchedule *
chk_job_get_schedule (ChkJob *self)
{
  g_return_val_if_fail (CHK_IS_JOB (self), NULL);
  return self->schedule;
}

/**
 * chk_job_dup_schedule_description:
 * @self: a #ChkJob
 *
 * Returns: (transfer full): the job's schedule in words
 */
char *
chk_job_dup_schedule_description (ChkJob *self)
{
  g_return_val_if_fail (CHK_IS_JOB (self), NULL);
  return chk_schedule_describe (self->schedule);
}

gint64
chk_job_get_next_run (ChkJob *self)
{
  g_return_val_if_fail (CHK_IS_JOB (self), 0);
  return self->next_run;
}

gint64
chk_job_get_last_run_started (ChkJob *self)
{
  g_return_val_if_fail (CHK_IS_JOB (self), 0);
  return self->last_run_started;
}

gint64
chk_job_get_last_run_finished (ChkJob *self)
{
  g_return_val_if_fail (CHK_IS_JOB (self), 0);
  return self->last_run_finished;
}

const char *
chk_job_get_last_outcome (ChkJob *self)
{
  g_return_val_if_fail (CHK_IS_JOB (self), NULL);
  return self->last_outcome;
}

gint
chk_job_get_last_exit_code (ChkJob *self)
{
  g_return_val_if_fail (CHK_IS_JOB (self), 0);
  return self->last_exit_code;
}

/**
 * chk_job_get_last_alert_error:
 * @self: a #ChkJob
 *
 * Returns: why the latest email or webhook about the job could not be
 *   delivered, or "" when it was
 */
const char *
chk_job_get_last_alert_error (ChkJob *self)
{
  g_return_val_if_fail (CHK_IS_JOB (self), NULL);
  return self->last_alert_error;
}

gboolean
chk_job_get_running (ChkJob *self)
{
  g_return_val_if_fail (CHK_IS_JOB (self), FALSE);
  return self->runner != NULL;
}

guint64
chk_job_get_current_run (ChkJob *self)
{
  g_return_val_if_fail (CHK_IS_JOB (self), 0);
  return self->runner != NULL ? chk_runner_get_run_id (self->runner) : 0;
}

guint
chk_job_get_progress_complete (ChkJob *self)
{
  g_return_val_if_fail (CHK_IS_JOB (self), 0);
  return self->progress_complete;
}

guint
chk_job_get_progress_total (ChkJob *self)
{
  g_return_val_if_fail (CHK_IS_JOB (self), 0);
  return self->progress_total;
}

const char *
chk_job_get_progress_message (ChkJob *self)
{
  g_return_val_if_fail (CHK_IS_JOB (self), NULL);
  return self->progress_message;
}

/**
 * chk_job_get_waiting_for:
 * @self: a #ChkJob
 *
 * Returns: why a due run has not started yet, in words for people (a job
 *   to finish, a condition, a retry's time), or "" when none waits
 */
const char *
chk_job_get_waiting_for (ChkJob *self)
{
  g_return_val_if_fail (CHK_IS_JOB (self), "");
  return self->waiting_for;
}

/**
 * chk_job_get_retry_attempt:
 * @self: a #ChkJob
 *
 * Returns: the attempt that a retry waiting for its time will make (2 for
 *   the first retry), or 0 when no retry waits
 */
guint
chk_job_get_retry_attempt (ChkJob *self)
{
  g_return_val_if_fail (CHK_IS_JOB (self), 0);

  if (!self->pending || g_strcmp0 (self->pending_trigger, "retry") != 0)
    return 0;
  return self->pending_attempt;
}
