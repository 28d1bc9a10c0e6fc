/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-runner"

#include "config.h"

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chk-runner-private.h"
#include "chk-text-util.h"

/*
 * The end of a run: its process exited (_chk_runner_exited()), its pipes
 * are drained or given up on, what it used is read and checked against its
 * limits, and its record is final. The records of the runs that end
 * together are written in one transaction before each is said finished.
 * A run that never had a process (it could not start) ends here too.
 */

void
_chk_runner_clear_sources (ChkRunner *self)
{
  chk_source_clear (&self->timeout_source);
  chk_source_clear (&self->kill_source);
  chk_source_clear (&self->abandon_source);
  chk_source_clear (&self->finished_source);
  chk_source_clear (&self->progress_publish.timer);
  chk_source_clear (&self->progress_save.timer);
  chk_source_clear (&self->limit_source);
  chk_source_clear (&self->exit_source);
}

/* Now, for the record's end: on the clock its start came from, and never
 * before that start, even if the clock was set back while it ran. */
gint64
_chk_runner_now (ChkRunner *self)
{
  gint64 now = self->clock != NULL ? chk_clock_get_now (self->clock) : g_get_real_time ();

  return MAX (now, self->record->started);
}

/* What the run used, and what its limits and the store did to it, into
 * its record; @lost_output says what output the store did not take. */
static void
chk_runner_account (ChkRunner         *self,
                    const ChkRunUsage *usage,
                    const char        *lost_output)
{
  /* A cgroup measures every process of the run; without one, wait4()
   * measured the main process and what it waited for, and the group the
   * orphans the daemon reaped. Memory is then the largest process's. */
  self->record->cpu_time = usage->cpu_time > 0 ? usage->cpu_time : self->rusage_cpu;
  self->record->memory_peak = usage->memory_peak > 0 ? usage->memory_peak :
                              MAX (self->rusage_maxrss, usage->orphans_maxrss);
  if (usage->cpu_time == 0)
    self->record->cpu_time += usage->orphans_cpu_time;

  if (self->limit_message != NULL)
    _chk_runner_set_message (self, self->limit_message);

  if (lost_output != NULL)
    _chk_runner_set_message (self, lost_output);
}

/* A run that hit one of its limits is ended, whatever it does about the
 * fork or the allocation that failed: the limit is there to say the run
 * went wrong, and it must say so. Returns whether @usage shows a limit
 * hit. */
static gboolean
chk_runner_check_limits (ChkRunner         *self,
                         const ChkRunUsage *usage)
{
  if (usage->tasks_limited)
    self->limit_message = g_strdup_printf ("Ended because it tried to have more than %u "
                                           "processes and threads at once (max-tasks)",
                                           self->spec->max_tasks);
  else if (usage->memory_killed)
    {
      g_autofree char *size = chk_text_format_limit (self->spec->memory_max);

      self->limit_message = g_strdup_printf ("Killed because it used more than its memory "
                                             "limit of %s (memory-max)", size);
    }
  else
    return FALSE;

  g_message ("Run %" G_GUINT64_FORMAT ": %s", self->record->id, self->limit_message);
  g_clear_pointer (&self->limit_source, g_source_unref);

  if (self->kill_outcome == CHK_OUTCOME_NONE)
    self->kill_outcome = CHK_OUTCOME_FAILURE;
  _chk_runner_terminate_group (self);

  return TRUE;
}

gboolean
_chk_runner_limit_poll_cb (gpointer user_data)
{
  ChkRunner *self = user_data;
  ChkRunUsage usage;

  chk_run_group_get_usage (self->group, &usage);
  return chk_runner_check_limits (self, &usage) ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

/*
 * Runs that end in the same main-loop iteration (a burst's, many of them)
 * write their records in one transaction: each commit wrote the pages of
 * one record (five of 32 KiB) on its own. From _chk_runner_finish() to an
 * idle of their context, the runs that ended wait here, their records
 * final but not written yet, as if still under way. The idle writes them,
 * then says that each one finished, in the order they ended, for
 * %SAY_FINISHED_USEC at most an iteration (what follows the end of a run
 * is not short: D-Bus signals, the next run), so that D-Bus calls are
 * still answered through a burst.
 */
#define SAY_FINISHED_USEC (5 * 1000)

typedef struct
{
  GMainContext *context;
  GPtrArray    *runners;    /* ChkRunner*, finished, in the order they ended */
  guint         n_written;  /* how many of the first are written */
  GSource      *source;
} FinishedRuns;

/* Writes the records of the runs that ended since the last time. */
static void
write_finished (FinishedRuns *finished)
{
  ChkRunner * const *runners = (ChkRunner * const *) finished->runners->pdata + finished->n_written;
  guint n_runners = finished->runners->len - finished->n_written;
  ChkStore *store = _chk_runner_begin_records (runners, n_runners);

  for (guint i = 0; i < n_runners; i++)
    _chk_runner_save_record (runners[i]);
  _chk_runner_end_records (store, runners, n_runners, "that ended together");
  finished->n_written = finished->runners->len;
}

/* Says that the first run waiting finished; its record is written. */
static void
say_finished (FinishedRuns *finished)
{
  g_autoptr(ChkRunner) runner = g_ptr_array_steal_index (finished->runners, 0);

  finished->n_written--;
  chk_output_sink_announce (runner->output_sink);
  _chk_runner_publish_progress (runner, TRUE);
  _chk_runner_emit_finished (runner);
}

/* At the end of a thread whose context was left with runs waiting here:
 * their records are not lost. */
static void
finished_runs_free (FinishedRuns *finished)
{
  chk_source_clear (&finished->source);
  write_finished (finished);
  while (finished->n_written > 0)
    say_finished (finished);
  g_ptr_array_unref (finished->runners);
  g_free (finished);
}

static GPrivate finished_runs_key = G_PRIVATE_INIT ((GDestroyNotify) finished_runs_free);

static gboolean
say_finished_cb (gpointer user_data)
{
  FinishedRuns *finished = user_data;
  gint64 slice_end = g_get_monotonic_time () + SAY_FINISHED_USEC;

  write_finished (finished);
  while (finished->n_written > 0)
    {
      say_finished (finished);
      if (g_get_monotonic_time () >= slice_end)
        break;
    }

  /* Those that ended meanwhile, or not said yet: in the next iteration. */
  if (finished->runners->len > 0)
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&finished->source, g_source_unref);
  finished->context = NULL;
  return G_SOURCE_REMOVE;
}

static void
queue_finished (ChkRunner *self)
{
  FinishedRuns *finished = g_private_get (&finished_runs_key);

  if (finished == NULL)
    {
      finished = g_new0 (FinishedRuns, 1);
      finished->runners = g_ptr_array_new_with_free_func (g_object_unref);
      g_private_set (&finished_runs_key, finished);
    }

  /* Runs of another context in this thread: those waiting go first. */
  if (finished->source != NULL && finished->context != self->context)
    {
      chk_source_clear (&finished->source);
      write_finished (finished);
      while (finished->n_written > 0)
        say_finished (finished);
    }

  if (finished->source == NULL)
    {
      finished->context = self->context;
      finished->source = chk_source_attach (g_idle_source_new (), self->context,
                                            say_finished_cb, finished,
                                            "[chk-runner] runs that ended");
    }
  g_ptr_array_add (finished->runners, g_object_ref (self));
}

void
_chk_runner_finish (ChkRunner *self)
{
  g_autoptr(ChkRunner) hold = g_object_ref (self);
  g_autofree char *lost_output = NULL;
  ChkRunUsage usage;

  g_assert (_chk_runner_is_active (self));
  g_assert (self->exit_outcome != CHK_OUTCOME_NONE);

  _chk_runner_set_phase (self, PHASE_FINISHED);
  _chk_runner_clear_sources (self);

  /* Nothing should be pending any more; whatever is (a pipe given up
   * on) stops here. */
  g_cancellable_cancel (self->cancellable);
  if (self->progress_reader != NULL)
    chk_progress_reader_close (self->progress_reader);
  if (self->output_reader != NULL)
    chk_output_reader_close (self->output_reader);

  lost_output = chk_output_sink_close (self->output_sink);

  /* What the run used is read once, for its limits and its record. */
  memset (&usage, 0, sizeof usage);
  if (self->group != NULL)
    chk_run_group_get_usage (self->group, &usage);

  /* A limit hit in the last moments of a run still counts. */
  if (self->watch_limits && self->limit_message == NULL && chk_runner_check_limits (self, &usage))
    self->exit_outcome = CHK_OUTCOME_FAILURE;
  chk_runner_account (self, &usage, lost_output);

  self->record->finished = _chk_runner_now (self);
  _chk_runner_set_outcome (self, self->exit_outcome);

  g_debug ("Run %" G_GUINT64_FORMAT ": %s (exit code %d, signal %d)",
           self->record->id, self->record->outcome,
           self->record->exit_code, self->record->signal);

  queue_finished (self);
}

/* A run that ended before its process did (or without one) announces
 * its end from an idle, never from inside the call that ended it. */
static gboolean
chk_runner_finished_cb (gpointer user_data)
{
  g_autoptr(ChkRunner) self = g_object_ref (CHK_RUNNER (user_data));

  g_clear_pointer (&self->finished_source, g_source_unref);
  if (self->output_sink != NULL)
    chk_output_sink_announce (self->output_sink);
  _chk_runner_emit_finished (self);

  return G_SOURCE_REMOVE;
}

/* Ends a run that never had a process: the record is final at once,
 * "finished" follows from an idle. */
void
_chk_runner_finish_early (ChkRunner  *self,
                          ChkOutcome  outcome)
{
  _chk_runner_set_phase (self, PHASE_FINISHED);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->progress_reader);

  self->record->exit_code = -1;
  self->record->finished = _chk_runner_now (self);
  _chk_runner_set_outcome (self, outcome);
  _chk_runner_save_record (self);

  self->finished_source = _chk_runner_add_source (self, 0, chk_runner_finished_cb,
                                                  "[chk-runner] finished");
}

void
_chk_runner_fail_to_start (ChkRunner  *self,
                          const char *message)
{
  g_autoptr(GBytes) bytes = g_bytes_new (message, strlen (message));

  g_debug ("Run %" G_GUINT64_FORMAT ": failed to start: %s", self->record->id, message);
  _chk_runner_set_message (self, message);

  _chk_runner_add_output (self, CHK_STREAM_STDERR, bytes);
  chk_output_sink_flush (self->output_sink);
  _chk_runner_finish_early (self, CHK_OUTCOME_FAILED_TO_START);
}

/* The job's pipes stay open after its group is gone only when something
 * that left the group (setsid) holds them. Its output is not the run's
 * business any more, and the run must not wait for it forever.
 */
gboolean
_chk_runner_abandon_cb (gpointer user_data)
{
  ChkRunner *self = user_data;

  g_clear_pointer (&self->abandon_source, g_source_unref);

  /* What waits in the pipes for the store is the run's: not yet. */
  if (self->output_reader != NULL && chk_output_reader_is_waiting (self->output_reader))
    {
      _chk_runner_maybe_finish (self);
      return G_SOURCE_REMOVE;
    }

  g_message ("Run %" G_GUINT64_FORMAT ": its output is still open after its processes "
             "ended; a process that left the group holds it, ignoring it",
             self->record->id);

  if (self->output_reader != NULL)
    chk_output_reader_close (self->output_reader);
  chk_progress_reader_close (self->progress_reader);
  _chk_runner_maybe_finish (self);

  return G_SOURCE_REMOVE;
}

/* Finishes the run once its main process has exited, no process of its
 * group is left (or it was SIGKILLed) and every pipe is at its end; drains
 * the pipes until then.
 */
void
_chk_runner_maybe_finish (ChkRunner *self)
{
  if (!_chk_runner_is_active (self) || !self->exited || self->kill_source != NULL)
    return;

  if ((self->output_reader != NULL && chk_output_reader_is_open (self->output_reader)) ||
      chk_progress_reader_is_open (self->progress_reader))
    {
      if (self->phase != PHASE_DRAINING)
        _chk_runner_set_phase (self, PHASE_DRAINING);
      if (self->abandon_source == NULL)
        self->abandon_source = _chk_runner_add_source (self, MAX (self->kill_grace_ms, 1000),
                                                       _chk_runner_abandon_cb,
                                                       "[chk-runner] abandon pipes");
      return;
    }

  _chk_runner_finish (self);
}

/* The main process ended with @status, having used @usage (when known). */
void
_chk_runner_exited (ChkRunner           *self,
                   int                  status,
                   const struct rusage *usage)
{
  ChkRunRecord *record = self->record;

  self->pid = 0;
  chk_source_clear (&self->exit_source);
  if (self->pidfd >= 0)
    {
      close (self->pidfd);
      self->pidfd = -1;
    }
  if (usage != NULL)
    {
      /* The process and every descendant it waited for. */
      self->rusage_cpu = (guint64) usage->ru_utime.tv_sec * G_USEC_PER_SEC + usage->ru_utime.tv_usec +
                         (guint64) usage->ru_stime.tv_sec * G_USEC_PER_SEC + usage->ru_stime.tv_usec;
      self->rusage_maxrss = MAX (self->rusage_maxrss, (guint64) usage->ru_maxrss * 1024);
    }

  self->exited = TRUE;
  chk_source_clear (&self->timeout_source);

  if (WIFEXITED (status))
    {
      record->exit_code = WEXITSTATUS (status);
      record->signal = 0;
    }
  else
    {
      record->exit_code = -1;
      record->signal = WIFSIGNALED (status) ? WTERMSIG (status) : 0;
    }

  if (self->join_error != 0)
    {
      g_autofree char *message = g_strdup_printf ("Could not put the run in its cgroup %s: %s",
                                                  record->cgroup, g_strerror (self->join_error));

      g_warning ("Run %" G_GUINT64_FORMAT ": %s", record->id, message);
      _chk_runner_set_message (self, message);
      self->exit_outcome = CHK_OUTCOME_FAILED_TO_START;
    }
  else if (self->kill_outcome != CHK_OUTCOME_NONE)
    self->exit_outcome = self->kill_outcome;
  else if (record->signal == 0 && record->exit_code == 0)
    self->exit_outcome = CHK_OUTCOME_SUCCESS;
  else
    self->exit_outcome = CHK_OUTCOME_FAILURE;

  g_debug ("Run %" G_GUINT64_FORMAT ": process %d ended (exit code %d, signal %d)",
           record->id, (int) self->pgid, record->exit_code, record->signal);

  /* Whatever the job left behind goes with it. */
  if (self->phase == PHASE_RUNNING && _chk_runner_group_exists (self))
    _chk_runner_terminate_group (self);

  _chk_runner_maybe_finish (self);
}
