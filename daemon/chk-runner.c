/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-runner"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "chk-containment.h"
#include "chk-http-runner.h"
#include "chk-job-env.h"
#include "chk-job-spawn.h"
#include "chk-output-reader.h"
#include "chk-output-sink.h"
#include "chk-progress-reader.h"
#include "chk-host-command.h"
#include "chk-runner-private.h"
#include "chk-runner.h"
#include "chk-source-util.h"

/* "progress" at most ten times a second; the store once a second. */
#define PROGRESS_INTERVAL_MS     100
#define PROGRESS_SAVE_INTERVAL_MS 1000

/* How often a process group that was sent SIGTERM is checked for
 * survivors during the kill grace. */
#define KILL_POLL_MS             50

/* How often a run with limits is checked for having hit one. */
#define LIMIT_POLL_MS            250

/* How long the ends of runs may take of one main-loop iteration. */
#define EXIT_BUDGET_USEC         (10 * 1000)
/* How long a runner disposed while its run is under way (the daemon going
 * away without a shutdown) waits for the processes it killed to be gone. */
#define DISPOSE_WAIT_USEC        (200 * 1000)

G_DEFINE_FINAL_TYPE (ChkRunner, chk_runner, G_TYPE_OBJECT)

enum
{
  OUTPUT_AVAILABLE,
  PROGRESS,
  FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];


/* Helpers */

/* Every source goes to the context the run was started in, so that a
 * runner works the same in a thread with its own context. */
GSource *
_chk_runner_add_source (ChkRunner   *self,
                        guint        milliseconds,
                        GSourceFunc  func,
                        const char  *name)
{
  GSource *source;

  source = milliseconds == 0 ? g_idle_source_new () : g_timeout_source_new (milliseconds);
  return chk_source_attach (source, self->context, func, self, name);
}

/* A store that fails once usually fails again: the first failure is worth
 * a warning, the rest would only flood the journal. */
static void
chk_runner_store_failed (ChkRunner    *self,
                         const GError *error)
{
  if (!self->store_warned)
    g_warning ("Run %" G_GUINT64_FORMAT ": %s", self->record->id, error->message);
  else
    g_debug ("Run %" G_GUINT64_FORMAT ": %s", self->record->id, error->message);

  self->store_warned = TRUE;
}

void
_chk_runner_save_record (ChkRunner *self)
{
  g_autoptr(GError) error = NULL;

  if (!chk_store_update_run (self->store, self->record, &error))
    chk_runner_store_failed (self, error);
}

/* Opens a transaction for the records of @runners, when there are several
 * in one store and it has none open: a commit each took about as long as
 * their spawns, each writing the same pages. Returns that store, or NULL
 * for records written one by one. */
ChkStore *
_chk_runner_begin_records (ChkRunner * const *runners,
                           guint              n_runners)
{
  ChkStore *store = n_runners > 1 ? runners[0]->store : NULL;

  for (guint i = 1; i < n_runners && store != NULL; i++)
    if (runners[i]->store != store)
      store = NULL;

  if (store == NULL || chk_store_in_transaction (store) || !chk_store_begin (store, NULL))
    return NULL;
  return store;
}

/* Commits the transaction of _chk_runner_begin_records() (@store, or NULL
 * when it opened none). Should that fail, each record of @runners is
 * written again on its own, kept by the store until that works; @what
 * tells which runs in the warning. */
void
_chk_runner_end_records (ChkStore          *store,
                         ChkRunner * const *runners,
                         guint              n_runners,
                         const char        *what)
{
  g_autoptr(GError) error = NULL;

  if (store == NULL || chk_store_commit (store, &error))
    return;

  g_warning ("Could not record %u runs %s: %s; each is written on its own", n_runners, what,
             error->message);
  for (guint i = 0; i < n_runners; i++)
    _chk_runner_save_record (runners[i]);
}

/* The one place where the outcome becomes the record's word. */
void
_chk_runner_set_outcome (ChkRunner  *self,
                         ChkOutcome  outcome)
{
  g_free (self->record->outcome);
  self->record->outcome = g_strdup (chk_outcome_to_string (outcome));
}

/* Adds a sentence to the run's message, the daemon's note on the run. */
void
_chk_runner_set_message (ChkRunner  *self,
                        const char *text)
{
  char *message;

  if (self->record->message == NULL || self->record->message[0] == '\0')
    message = g_strdup (text);
  else if (strstr (self->record->message, text) != NULL)
    return;
  else
    message = g_strconcat (self->record->message, "; ", text, NULL);

  g_free (self->record->message);
  self->record->message = message;
}

/* The store reads a NULL string back as "": the runner's record says the
 * same from the start. */
static void
chk_runner_fill_record_strings (ChkRunRecord *record)
{
  char **fields[] = {
    &record->job_name, &record->trigger, &record->outcome,
    &record->hostname, &record->progress_message, &record->alert_error,
    &record->containment, &record->message, &record->cgroup,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      if (*fields[i] == NULL)
        *fields[i] = g_strdup ("");
    }
}

static const char *
chk_runner_phase_to_string (ChkRunnerPhase phase)
{
  switch (phase)
    {
    case PHASE_STARTING:
      return "starting";
    case PHASE_RUNNING:
      return "running";
    case PHASE_SIGTERM_SENT:
      return "sigterm-sent";
    case PHASE_SIGKILL_SENT:
      return "sigkill-sent";
    case PHASE_DRAINING:
      return "draining";
    case PHASE_FINISHED:
      return "finished";
    default:
      g_assert_not_reached ();
    }
}

/* Phases only go forward, and a run can end in any of them: a stop
 * before the start, a failed start, a dispose. Signals are sent in their
 * order, and a group is never signalled again once it was seen empty or
 * sent SIGKILL: its id is free for reuse by then. */
static gboolean
chk_runner_phase_can_follow (ChkRunnerPhase from,
                             ChkRunnerPhase to)
{
  switch (to)
    {
    case PHASE_RUNNING:
      return from == PHASE_STARTING;
    case PHASE_SIGTERM_SENT:
      return from == PHASE_RUNNING;
    case PHASE_SIGKILL_SENT:
      return from == PHASE_SIGTERM_SENT;
    case PHASE_DRAINING:
      return from == PHASE_RUNNING || from == PHASE_SIGTERM_SENT || from == PHASE_SIGKILL_SENT;
    case PHASE_FINISHED:
      return from != PHASE_FINISHED;
    case PHASE_STARTING:
    default:
      return FALSE;
    }
}

/* The one way from one phase to another. */
void
_chk_runner_set_phase (ChkRunner      *self,
                      ChkRunnerPhase  phase)
{
  const char *job_name = self->record->job_name[0] != '\0' ? self->record->job_name :
                         self->spec->name;

  g_return_if_fail (chk_runner_phase_can_follow (self->phase, phase));

  g_debug ("Job %s, run %" G_GUINT64_FORMAT ": %s -> %s", job_name, self->record->id,
           chk_runner_phase_to_string (self->phase), chk_runner_phase_to_string (phase));
  self->phase = phase;
}

/* Whether the run was started and is not over. */
gboolean
_chk_runner_is_active (ChkRunner *self)
{
  return self->phase != PHASE_STARTING && self->phase != PHASE_FINISHED;
}

/* Process group */

/* Whether a process of the run is still alive: its cgroup is populated,
 * or, without cgroups, a process the containment saw in the run (one that
 * left the process group included) is there and not a zombie. A zombie is
 * done for: only its parent's wait is left of it.
 */
gboolean
_chk_runner_group_exists (ChkRunner *self)
{
  if (self->host != NULL)
    return _chk_runner_host_group_exists (self);
  if (self->group == NULL)
    return FALSE;

  return !chk_run_group_is_empty (self->group);
}

/* Sends @signum to what is left of the run, wherever it runs. Returns
 * whether there was something to signal. */
static gboolean
chk_runner_signal_group (ChkRunner *self,
                         int        signum)
{
  if (self->host != NULL)
    return _chk_runner_host_signal (self, signum);
  if (self->group == NULL)
    return FALSE;

  return chk_run_group_signal (self->group, signum);
}

static gboolean
chk_runner_kill_poll_cb (gpointer user_data)
{
  ChkRunner *self = user_data;

  if (_chk_runner_group_exists (self))
    {
      if (g_get_monotonic_time () < self->kill_deadline)
        return G_SOURCE_CONTINUE;

      g_debug ("Run %" G_GUINT64_FORMAT ": processes outlived the grace, killing them",
               self->record->id);
      chk_runner_signal_group (self, SIGKILL);
      _chk_runner_set_phase (self, PHASE_SIGKILL_SENT);
    }

  /* The grace is over: the run ends once its main process has too. */
  g_clear_pointer (&self->kill_source, g_source_unref);
  _chk_runner_maybe_finish (self);

  return G_SOURCE_REMOVE;
}

/* SIGTERM to the whole group now, SIGKILL to whatever is left of it once
 * the grace is over. The grace is checked every KILL_POLL_MS so that a run
 * whose processes quit promptly finishes promptly. Only a running group
 * is signalled: once, and never after it was seen empty.
 */
void
_chk_runner_terminate_group (ChkRunner *self)
{
  if ((self->group == NULL && self->host == NULL) || self->phase != PHASE_RUNNING)
    return;

  /* A group with nobody to signal is gone: no grace to wait out, and no
   * second try. */
  _chk_runner_set_phase (self, PHASE_SIGTERM_SENT);
  if (!chk_runner_signal_group (self, SIGTERM))
    return;

  self->kill_deadline = g_get_monotonic_time () + (gint64) self->kill_grace_ms * 1000;
  self->kill_source = _chk_runner_add_source (self, KILL_POLL_MS, chk_runner_kill_poll_cb,
                                              "[chk-runner] kill grace");
}

/* Output */

static void
chk_runner_truncated_cb (ChkOutputSink *sink,
                         ChkRunner     *self)
{
  if (self->record->truncated)
    return;

  self->record->truncated = TRUE;
  _chk_runner_save_record (self);
}

static void
chk_runner_store_failed_cb (ChkOutputSink *sink,
                            const GError  *error,
                            ChkRunner     *self)
{
  chk_runner_store_failed (self, error);
}

static void
chk_runner_output_available_cb (ChkOutputSink *sink,
                                guint64        last_seq,
                                ChkRunner     *self)
{
  g_signal_emit (self, signals[OUTPUT_AVAILABLE], 0, last_seq);
}

/* Counts what the job wrote, kept or not, and hands it to the sink. */
void
_chk_runner_add_output (ChkRunner *self,
                        ChkStream  stream,
                        GBytes    *bytes)
{
  if (stream == CHK_STREAM_STDOUT)
    self->record->stdout_bytes += g_bytes_get_size (bytes);
  else
    self->record->stderr_bytes += g_bytes_get_size (bytes);

  chk_output_sink_add (self->output_sink, stream, bytes);
}

static void
chk_runner_output_cb (ChkOutputReader *reader,
                      int              stream,
                      GBytes          *bytes,
                      ChkRunner       *self)
{
  _chk_runner_add_output (self, (ChkStream) stream, bytes);
  /* The job waits on its pipe while the store's log is far behind. */
  chk_output_reader_wait_for_store (reader, self->store);
}

static void
chk_runner_output_closed_cb (ChkOutputReader *reader,
                             int              stream,
                             ChkRunner       *self)
{
  _chk_runner_maybe_finish (self);
}

/* Progress */

static gboolean chk_runner_progress_publish_cb (gpointer user_data);

/* Emits "progress" with the latest values, at most every
 * PROGRESS_INTERVAL_MS unless @force; the timer a throttled call arms
 * delivers whatever is latest when it fires.
 */
void
_chk_runner_publish_progress (ChkRunner *self,
                              gboolean   force)
{
  g_autofree char *message = NULL;

  if (!self->progress_unpublished ||
      !chk_throttle_pass (&self->progress_publish, PROGRESS_INTERVAL_MS, force, self->context,
                          chk_runner_progress_publish_cb, self, "[chk-runner] publish progress"))
    return;

  self->progress_unpublished = FALSE;

  /* A copy: a handler may report progress again. */
  message = g_strdup (self->record->progress_message != NULL ?
                      self->record->progress_message : "");
  g_signal_emit (self, signals[PROGRESS], 0,
                 (guint) self->record->progress_complete,
                 (guint) self->record->progress_total,
                 message);
}

static gboolean
chk_runner_progress_publish_cb (gpointer user_data)
{
  g_autoptr(ChkRunner) self = g_object_ref (CHK_RUNNER (user_data));

  chk_throttle_timer_done (&self->progress_publish);
  _chk_runner_publish_progress (self, TRUE);

  return G_SOURCE_REMOVE;
}

static gboolean chk_runner_progress_save_cb (gpointer user_data);

/* Writes the record with the latest progress, at most once per
 * PROGRESS_SAVE_INTERVAL_MS; the end of the run writes it anyway.
 */
static void
chk_runner_save_progress (ChkRunner *self)
{
  if (!self->progress_unsaved || !_chk_runner_is_active (self) ||
      !chk_throttle_pass (&self->progress_save, PROGRESS_SAVE_INTERVAL_MS, FALSE, self->context,
                          chk_runner_progress_save_cb, self, "[chk-runner] save progress"))
    return;

  self->progress_unsaved = FALSE;
  _chk_runner_save_record (self);
}

static gboolean
chk_runner_progress_save_cb (gpointer user_data)
{
  ChkRunner *self = user_data;

  chk_throttle_timer_done (&self->progress_save);
  chk_runner_save_progress (self);

  return G_SOURCE_REMOVE;
}

/* Takes @message. */
static void
chk_runner_set_progress (ChkRunner *self,
                         guint      complete,
                         guint      total,
                         char      *message)
{
  ChkRunRecord *record = self->record;

  if (record->progress_complete == complete &&
      record->progress_total == total &&
      g_strcmp0 (record->progress_message, message) == 0)
    {
      g_free (message);
      return;
    }

  record->progress_complete = complete;
  record->progress_total = total;
  g_free (record->progress_message);
  record->progress_message = message;

  self->progress_unpublished = TRUE;
  self->progress_unsaved = TRUE;
  _chk_runner_publish_progress (self, FALSE);
  chk_runner_save_progress (self);
}

static void
chk_runner_progress_line_cb (ChkProgressReader *reader,
                             guint              complete,
                             guint              total,
                             const char        *message,
                             ChkRunner         *self)
{
  chk_runner_set_progress (self, complete, total, g_strdup (message));
}

static void
chk_runner_progress_closed_cb (ChkProgressReader *reader,
                               ChkRunner         *self)
{
  _chk_runner_maybe_finish (self);
}

/* Says that the run finished, for chk-runner-end.c. */
void
_chk_runner_emit_finished (ChkRunner *self)
{
  g_signal_emit (self, signals[FINISHED], 0);
}

/* The end of the run's main process */

/*
 * Whether the end of a run may be handled in this main-loop iteration of
 * @source's context. A burst of short runs ends many at a time, and each
 * end reads the run's cgroup, writes its record and emits signals: past
 * %EXIT_BUDGET_USEC in one iteration, the others wait for the next one
 * (their pidfds stay readable), and the D-Bus calls that came meanwhile
 * are answered in between. The iteration is told by the time GLib gives
 * all the sources of one iteration.
 */
typedef struct
{
  gint64 iteration;   /* g_source_get_time() of the iteration */
  gint64 began;       /* when its first end was handled */
} ExitBudget;

static gboolean
exit_budget_allows (GSource *source)
{
  static GPrivate key = G_PRIVATE_INIT (g_free);
  ExitBudget *budget = g_private_get (&key);
  gint64 iteration = g_source_get_time (source);
  gint64 now = g_get_monotonic_time ();

  if (budget == NULL)
    {
      budget = g_new0 (ExitBudget, 1);
      g_private_set (&key, budget);
    }

  if (budget->iteration != iteration)
    {
      budget->iteration = iteration;
      budget->began = now;
      return TRUE;
    }
  return now - budget->began < EXIT_BUDGET_USEC;
}

/* The main process is reaped here, with wait4(), for what it used: the
 * only measure of a run that is not in a cgroup. */
static gboolean
chk_runner_pidfd_cb (int          fd,
                     GIOCondition condition,
                     gpointer     user_data)
{
  g_autoptr(ChkRunner) self = g_object_ref (CHK_RUNNER (user_data));
  struct rusage usage;
  int status = 0;
  pid_t reaped;

  if (!exit_budget_allows (self->exit_source))
    return G_SOURCE_CONTINUE;

  do
    reaped = wait4 (self->pid, &status, WNOHANG, &usage);
  while (reaped < 0 && errno == EINTR);

  if (reaped == 0)
    return G_SOURCE_CONTINUE;

  if (reaped < 0)
    {
      g_warning ("Run %" G_GUINT64_FORMAT ": could not wait for process %d: %s",
                 self->record->id, (int) self->pid, g_strerror (errno));
      status = W_EXITCODE (255, 0);
    }

  g_clear_pointer (&self->exit_source, g_source_unref);
  _chk_runner_exited (self, status, reaped > 0 ? &usage : NULL);

  return G_SOURCE_REMOVE;
}

/* Where the kernel has no pidfd (before 5.3), GLib reaps the process. */
static void
chk_runner_child_watch_cb (GPid     pid,
                           int      status,
                           gpointer user_data)
{
  g_autoptr(ChkRunner) self = g_object_ref (CHK_RUNNER (user_data));

  g_clear_pointer (&self->exit_source, g_source_unref);
  _chk_runner_exited (self, status, NULL);
}

static void
chk_runner_watch_exit (ChkRunner *self)
{
#ifdef SYS_pidfd_open
  self->pidfd = (int) syscall (SYS_pidfd_open, self->pid, 0);
#endif

  if (self->pidfd >= 0)
    {
      self->exit_source = g_unix_fd_source_new (self->pidfd, G_IO_IN);
      g_source_set_callback (self->exit_source, G_SOURCE_FUNC (chk_runner_pidfd_cb), self, NULL);
    }
  else
    {
      self->exit_source = g_child_watch_source_new (self->pid);
      g_source_set_callback (self->exit_source, G_SOURCE_FUNC (chk_runner_child_watch_cb),
                             self, NULL);
    }
  g_source_set_static_name (self->exit_source, "[chk-runner] exit");
  g_source_attach (self->exit_source, self->context);
}

static gboolean
chk_runner_timeout_cb (gpointer user_data)
{
  ChkRunner *self = user_data;

  g_clear_pointer (&self->timeout_source, g_source_unref);

  g_debug ("Run %" G_GUINT64_FORMAT ": timed out after %u s",
           self->record->id, self->spec->timeout);

  if (self->kill_outcome == CHK_OUTCOME_NONE)
    self->kill_outcome = CHK_OUTCOME_TIMEOUT;
  _chk_runner_terminate_group (self);

  return G_SOURCE_REMOVE;
}

/* GObject */

static void
chk_runner_reap_cb (GPid     pid,
                    int      status,
                    gpointer user_data)
{
}

static void
chk_runner_dispose (GObject *object)
{
  ChkRunner *self = CHK_RUNNER (object);

  if (self->host != NULL)
    _chk_runner_host_dispose (self);

  if (_chk_runner_is_active (self) || self->host_spawning)
    {
      /* Nobody is left to see this run end: never leave its processes
       * behind, and leave a record that says what became of it. The pgid
       * is only used while it is known to be ours. */
      if (!self->exited || self->kill_source != NULL)
        {
          gint64 deadline = g_get_monotonic_time () + DISPOSE_WAIT_USEC;

          chk_runner_signal_group (self, SIGKILL);
          /* Gone in a moment: then its cgroup can be removed below, rather
           * than left for the next daemon on this database to sweep. */
          while (self->group != NULL && !chk_run_group_is_empty (self->group) &&
                 g_get_monotonic_time () < deadline)
            g_usleep (1000);
        }
      /* Never leave a zombie: GLib reaps it once it is gone. */
      if (self->pid > 0)
        g_child_watch_add (self->pid, chk_runner_reap_cb, NULL);

      g_debug ("Run %" G_GUINT64_FORMAT ": disposed while running", self->record->id);

      _chk_runner_set_phase (self, PHASE_FINISHED);
      if (self->output_sink != NULL)
        chk_output_sink_flush (self->output_sink);
      self->record->finished = _chk_runner_now (self);
      _chk_runner_set_outcome (self, self->exit_outcome != CHK_OUTCOME_NONE ? self->exit_outcome :
                                     self->kill_outcome != CHK_OUTCOME_NONE ? self->kill_outcome :
                                     CHK_OUTCOME_INTERRUPTED);
      _chk_runner_save_record (self);
    }

  g_cancellable_cancel (self->cancellable);
  _chk_runner_clear_sources (self);

  if (self->output_reader != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->output_reader, self);
      g_object_run_dispose (G_OBJECT (self->output_reader));
      g_clear_object (&self->output_reader);
    }
  if (self->progress_reader != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->progress_reader, self);
      g_object_run_dispose (G_OBJECT (self->progress_reader));
      g_clear_object (&self->progress_reader);
    }
  if (self->pidfd >= 0)
    {
      close (self->pidfd);
      self->pidfd = -1;
    }
  g_clear_pointer (&self->group, chk_run_group_free);
  if (self->output_sink != NULL)
    {
      /* Its timers must not outlive the run, whoever else holds it. */
      g_signal_handlers_disconnect_by_data (self->output_sink, self);
      g_object_run_dispose (G_OBJECT (self->output_sink));
      g_clear_object (&self->output_sink);
    }

  G_OBJECT_CLASS (chk_runner_parent_class)->dispose (object);
}

static void
chk_runner_finalize (GObject *object)
{
  ChkRunner *self = CHK_RUNNER (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->spec, chk_job_spec_free);
  g_clear_pointer (&self->record, chk_run_record_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->limit_message, g_free);
  g_clear_object (&self->containment);
  g_clear_object (&self->clock);
  g_clear_object (&self->job_env);
  g_clear_object (&self->http_runner);
  g_clear_object (&self->host);

  G_OBJECT_CLASS (chk_runner_parent_class)->finalize (object);
}

static void
chk_runner_class_init (ChkRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chk_runner_dispose;
  object_class->finalize = chk_runner_finalize;

  /**
   * ChkRunner::output-available:
   * @self: a #ChkRunner
   * @last_seq: the sequence number of the newest stored chunk
   *
   * New output is in the store, up to @last_seq. Emitted at most five
   * times a second.
   */
  signals[OUTPUT_AVAILABLE] =
    g_signal_new ("output-available",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT64);

  /**
   * ChkRunner::progress:
   * @self: a #ChkRunner
   * @complete: the work done
   * @total: the work to do, at least 1
   * @message: what the job says it is doing, possibly ""
   *
   * The job reported progress. Coalesced: at most ten times a second, with
   * the latest values, and the last values are always delivered, at the
   * latest before #ChkRunner::finished.
   */
  signals[PROGRESS] =
    g_signal_new ("progress",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_STRING);

  /**
   * ChkRunner::finished:
   * @self: a #ChkRunner
   *
   * The run is over and its final record is stored; see
   * chk_runner_get_record(). Emitted once, never from inside
   * chk_runner_start() or chk_runner_stop().
   */
  signals[FINISHED] =
    g_signal_new ("finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
chk_runner_init (ChkRunner *self)
{
  self->kill_grace_ms = CHK_RUNNER_DEFAULT_KILL_GRACE_MS;
  self->pidfd = -1;
  self->cancellable = g_cancellable_new ();
}

/* Public API */

/**
 * chk_runner_new:
 * @store: the store that holds @run
 * @spec: the job's spec; copied
 * @run: the run's record, already in @store with its id, outcome
 *   "running" and start time; copied
 *
 * Creates the runner of one run of a job. Nothing happens before
 * chk_runner_start().
 *
 * Returns: (transfer full): a new #ChkRunner
 */
ChkRunner *
chk_runner_new (ChkStore           *store,
                const ChkJobSpec   *spec,
                const ChkRunRecord *run)
{
  ChkRunner *self;

  g_return_val_if_fail (CHK_IS_STORE (store), NULL);
  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (spec->command != NULL || spec->shell != NULL || spec->check_url != NULL, NULL);
  g_return_val_if_fail (run != NULL, NULL);
  g_return_val_if_fail (run->id != 0, NULL);

  self = g_object_new (CHK_TYPE_RUNNER, NULL);
  self->store = g_object_ref (store);
  self->spec = chk_job_spec_copy (spec);
  self->record = chk_run_record_copy (run);
  chk_runner_fill_record_strings (self->record);
  self->containment = g_object_ref (chk_containment_get_fallback ());

  return self;
}

/**
 * chk_runner_set_containment:
 * @self: a #ChkRunner
 * @containment: how to hold the run's processes together
 *
 * Sets how the run is contained; by default it is in its process group,
 * the process being its subreaper. Call before chk_runner_start().
 */
void
chk_runner_set_containment (ChkRunner      *self,
                            ChkContainment *containment)
{
  g_return_if_fail (CHK_IS_RUNNER (self));
  g_return_if_fail (CHK_IS_CONTAINMENT (containment));
  g_return_if_fail (self->phase == PHASE_STARTING);

  g_set_object (&self->containment, containment);
}

/**
 * chk_runner_set_job_env:
 * @self: a #ChkRunner
 * @job_env: the environment of jobs
 *
 * Sets where the run's environment comes from; by default the daemon's
 * own environment is the session's. Call before chk_runner_start().
 */
void
chk_runner_set_job_env (ChkRunner *self,
                        ChkJobEnv *job_env)
{
  g_return_if_fail (CHK_IS_RUNNER (self));
  g_return_if_fail (CHK_IS_JOB_ENV (job_env));
  g_return_if_fail (self->phase == PHASE_STARTING);

  g_set_object (&self->job_env, job_env);
}

/**
 * chk_runner_set_host_command:
 * @self: a #ChkRunner
 * @host: (nullable): the client of the host's HostCommand, or %NULL
 *
 * Runs the job on the host, through @host, instead of here (from inside
 * a Flatpak sandbox); %NULL, the default, runs it here. Call before
 * chk_runner_start().
 */
void
chk_runner_set_host_command (ChkRunner      *self,
                             ChkHostCommand *host)
{
  g_return_if_fail (CHK_IS_RUNNER (self));
  g_return_if_fail (host == NULL || CHK_IS_HOST_COMMAND (host));
  g_return_if_fail (self->phase == PHASE_STARTING);

  g_set_object (&self->host, host);
}

/**
 * chk_runner_set_default_max_tasks:
 * @self: a #ChkRunner not started yet
 * @max_tasks: the processes and threads the run may have at once when its
 *   job sets no max-tasks; 0 for no limit
 *
 * Applies the default-max-tasks setting to the runner's copy of the spec,
 * without another copy of it for each run.
 */
void
chk_runner_set_default_max_tasks (ChkRunner *self,
                                  guint32    max_tasks)
{
  g_return_if_fail (CHK_IS_RUNNER (self));
  g_return_if_fail (self->phase == PHASE_STARTING);

  if (self->spec->max_tasks == 0)
    self->spec->max_tasks = max_tasks;
}

/**
 * chk_runner_set_kill_grace:
 * @self: a #ChkRunner
 * @milliseconds: the time between SIGTERM and SIGKILL
 *
 * Sets how long the run's processes have to end after SIGTERM (at a
 * timeout, a stop, or for leftovers after the main process exited)
 * before they are sent SIGKILL. The default is
 * %CHK_RUNNER_DEFAULT_KILL_GRACE_MS.
 */
void
chk_runner_set_kill_grace (ChkRunner *self,
                           guint      milliseconds)
{
  g_return_if_fail (CHK_IS_RUNNER (self));

  self->kill_grace_ms = milliseconds;
}

/**
 * chk_runner_set_clock:
 * @self: a #ChkRunner
 * @clock: (nullable): the engine's clock, or %NULL for the real one
 *
 * Sets the clock that the run's end is read from, the one its start came
 * from: under an injected clock too, a run never ends before it started.
 */
void
chk_runner_set_clock (ChkRunner *self,
                      ChkClock  *clock)
{
  g_return_if_fail (CHK_IS_RUNNER (self));
  g_return_if_fail (clock == NULL || CHK_IS_CLOCK (clock));

  g_set_object (&self->clock, clock);
}

static void
chk_runner_check_done_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(ChkRunner) self = user_data;
  g_autoptr(ChkHttpRun) run = NULL;
  g_autoptr(GError) error = NULL;

  run = chk_http_runner_run_finish (CHK_HTTP_RUNNER (object), result, &error);
  if (!_chk_runner_is_active (self))
    return;

  if (run == NULL)
    {
      /* Cancelled: Stop() or shutdown. */
      g_autofree char *message = g_strdup_printf ("%s\n", error->message);
      g_autoptr(GBytes) bytes = g_bytes_new (message, strlen (message));

      _chk_runner_add_output (self, CHK_STREAM_STDERR, bytes);
      self->record->exit_code = -1;
      self->exit_outcome = self->kill_outcome != CHK_OUTCOME_NONE ? self->kill_outcome :
                           CHK_OUTCOME_STOPPED;
    }
  else
    {
      if (g_bytes_get_size (run->body_head) > 0)
        _chk_runner_add_output (self, CHK_STREAM_STDOUT, run->body_head);
      if (run->failure != NULL)
        {
          g_autofree char *message = g_strdup_printf ("%s\n", run->failure);
          g_autoptr(GBytes) bytes = g_bytes_new (message, strlen (message));

          _chk_runner_add_output (self, CHK_STREAM_STDERR, bytes);
          _chk_runner_set_message (self, run->failure);
        }

      self->record->http_status = run->http_status;
      self->record->exit_code = run->exit_code;
      self->exit_outcome = run->outcome;
    }

  _chk_runner_finish (self);
}

static char **
chk_runner_build_env (ChkRunner *self)
{
  const char *job_name;

  if (self->job_env == NULL)
    self->job_env = chk_job_env_new ();
  job_name = self->record->job_name != NULL && self->record->job_name[0] != '\0' ?
             self->record->job_name : self->spec->name;
  return chk_job_env_build (self->job_env, self->spec, self->record->job_id, job_name,
                            self->record->id);
}

/* The job's process was started: its output and progress are read from
 * now on and its timeout runs. The caller then watches for its end. */
void
_chk_runner_started (ChkRunner           *self,
                     const ChkJobProcess *process,
                     const char          *notes)
{
  g_autoptr(GError) error = NULL;

  self->progress_reader = chk_progress_reader_new (process->progress_fd, self->record->id);
  g_signal_connect (self->progress_reader, "progress",
                    G_CALLBACK (chk_runner_progress_line_cb), self);
  g_signal_connect (self->progress_reader, "closed",
                    G_CALLBACK (chk_runner_progress_closed_cb), self);

  _chk_runner_set_phase (self, PHASE_RUNNING);
  self->join_error = process->join_error;
  self->pid = process->pid;
  self->pgid = process->pgid;
  self->record->pid = (guint32) self->pgid;
  if (notes[0] != '\0')
    {
      g_message ("Run %" G_GUINT64_FORMAT ": %s", self->record->id, notes);
      _chk_runner_set_message (self, notes);
    }
  _chk_runner_save_record (self);

  g_debug ("Run %" G_GUINT64_FORMAT ": started process group %d",
           self->record->id, (int) self->pgid);

  self->output_reader = chk_output_reader_new (process->stdout_fd, process->stderr_fd,
                                               self->record->id, &error);
  if (self->output_reader != NULL)
    {
      g_signal_connect (self->output_reader, "output", G_CALLBACK (chk_runner_output_cb), self);
      g_signal_connect (self->output_reader, "closed",
                        G_CALLBACK (chk_runner_output_closed_cb), self);
    }
  else
    {
      /* Its output would fill the pipes and block it: no run without it. */
      g_warning ("Run %" G_GUINT64_FORMAT ": %s", self->record->id, error->message);
      _chk_runner_set_message (self, error->message);
      self->kill_outcome = CHK_OUTCOME_FAILURE;
      _chk_runner_terminate_group (self);
    }
  chk_progress_reader_start (self->progress_reader);

  if (self->spec->timeout > 0)
    {
      /* Not g_timeout_source_new_seconds(): it may fire up to a quarter
       * of a second early, which would cut short a job that keeps to its
       * timeout. Only a timeout past what a guint of milliseconds holds
       * (49 days) makes do with it. */
      if (self->spec->timeout <= G_MAXUINT / 1000)
        self->timeout_source = g_timeout_source_new (self->spec->timeout * 1000);
      else
        self->timeout_source = g_timeout_source_new_seconds (self->spec->timeout);
      chk_source_attach (self->timeout_source, self->context, chk_runner_timeout_cb, self,
                         "[chk-runner] timeout");
    }
}

/*
 * The part of chk_runner_start() before the spawn, in the runner's thread.
 * Returns the environment of the process to spawn, or NULL when there is
 * nothing to spawn: an HTTP check or a run on the host is under way.
 */
char **
_chk_runner_prepare_start (ChkRunner *self)
{
  g_assert (self->phase == PHASE_STARTING);

  self->context = g_main_context_ref_thread_default ();
  self->output_sink = chk_output_sink_new (self->store, self->record->id,
                                           self->spec->max_output_bytes);
  g_signal_connect (self->output_sink, "output-available",
                    G_CALLBACK (chk_runner_output_available_cb), self);
  g_signal_connect (self->output_sink, "truncated", G_CALLBACK (chk_runner_truncated_cb), self);
  g_signal_connect (self->output_sink, "store-failed",
                    G_CALLBACK (chk_runner_store_failed_cb), self);

  /* An HTTP check runs in the daemon: no process, no progress pipe. Its
   * own check-timeout bounds it, and Stop() cancels it. */
  if (self->spec->check_url != NULL)
    {
      self->http_runner = chk_http_runner_new (self->spec, self->record->id);
      _chk_runner_set_phase (self, PHASE_RUNNING);
      _chk_runner_save_record (self);
      chk_http_runner_run_async (self->http_runner, self->cancellable, chk_runner_check_done_cb,
                                 g_object_ref (self));
      return NULL;
    }

  if (self->host != NULL)
    {
      _chk_runner_host_start (self, chk_runner_build_env (self));
      return NULL;
    }

  return chk_runner_build_env (self);
}

/*
 * Makes the cgroup of @self's run (or the bookkeeping of its process
 * group), after _chk_runner_prepare_start() and before the spawn, in the
 * thread that spawns it: cgroups are made by the kernel one mkdir at a
 * time, and the runners' thread prepares the next run meanwhile, leaving
 * this one alone until it is spawned. A run that cannot be contained is
 * not spawned: @error says why, with the run's failure to come.
 */
gboolean
_chk_runner_contain (ChkRunner  *self,
                     GError    **error)
{
  ChkRunLimits limits;

  limits.max_tasks = self->spec->max_tasks;
  limits.memory_max = self->spec->memory_max;
  limits.cpu_weight = self->spec->cpu_weight;
  self->group = chk_containment_create_group (self->containment, self->record->id,
                                              &limits, error);
  if (self->group == NULL)
    {
      g_prefix_error (error, "Could not contain the run: ");
      return FALSE;
    }
  g_free (self->record->containment);
  self->record->containment = g_strdup (chk_run_group_get_kind (self->group));
  g_free (self->record->cgroup);
  self->record->cgroup = g_strdup (chk_run_group_get_path (self->group));
  return TRUE;
}

/*
 * The part of chk_runner_start() after chk_job_spawn() of @self's
 * process, back in the runner's thread: @process if it started, else
 * @error says why.
 */
void
_chk_runner_spawned (ChkRunner           *self,
                     const ChkJobProcess *process,
                     const GError        *error)
{
  if (error != NULL)
    {
      /* No cgroup, no pipe, or a failure past the child setup, in exec:
       * its group may have been made, but nothing else can be in it. A
       * fork refused for want of processes or memory says so in words a
       * person can act on. */
      if (g_error_matches (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FORK) ||
          g_error_matches (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOMEM))
        g_warning ("Run %" G_GUINT64_FORMAT ": could not start: %s (the system is out of "
                   "processes or memory)", self->record->id, error->message);
      _chk_runner_fail_to_start (self, error->message);
      return;
    }

  chk_run_group_set_leader (self->group, process->pgid);
  _chk_runner_started (self, process, chk_run_group_get_notes (self->group));
  chk_runner_watch_exit (self);

  self->watch_limits = self->spec->max_tasks > 0 || self->spec->memory_max > 0;
  if (self->watch_limits)
    self->limit_source = _chk_runner_add_source (self, LIMIT_POLL_MS, _chk_runner_limit_poll_cb,
                                                 "[chk-runner] limits");
}

/**
 * chk_runner_stop:
 * @self: a #ChkRunner
 * @outcome: %CHK_OUTCOME_STOPPED (Job.Stop()), %CHK_OUTCOME_INTERRUPTED (the
 *   daemon is shutting down) or %CHK_OUTCOME_TIMEOUT
 *
 * Ends the run: SIGTERM to its process group, SIGKILL after the kill
 * grace. The run ends with @outcome, whatever the process then does, unless
 * it had already ended by itself or was being ended for another reason.
 * Harmless when the run is being stopped already or is over; a run that was
 * not started yet ends at once (from an idle) without a process.
 */
void
chk_runner_stop (ChkRunner  *self,
                 ChkOutcome  outcome)
{
  g_return_if_fail (CHK_IS_RUNNER (self));
  g_return_if_fail (outcome == CHK_OUTCOME_STOPPED ||
                    outcome == CHK_OUTCOME_INTERRUPTED ||
                    outcome == CHK_OUTCOME_TIMEOUT);

  switch (self->phase)
    {
    case PHASE_STARTING:
      /* A process being started on the host is ended once its pid is
       * known. */
      if (self->host_spawning)
        {
          if (self->kill_outcome == CHK_OUTCOME_NONE)
            self->kill_outcome = outcome;
          break;
        }
      self->context = g_main_context_ref_thread_default ();
      _chk_runner_finish_early (self, outcome);
      break;

    case PHASE_RUNNING:
    case PHASE_SIGTERM_SENT:
    case PHASE_SIGKILL_SENT:
    case PHASE_DRAINING:
      if (self->http_runner != NULL)
        {
          if (self->kill_outcome == CHK_OUTCOME_NONE)
            self->kill_outcome = outcome;
          g_cancellable_cancel (self->cancellable);
          break;
        }

      if (self->exited)
        {
          /* Only leftovers (whose grace runs its course) or a pipe held
           * open are being waited for: end the wait for the pipe now. */
          if (self->phase == PHASE_DRAINING && self->abandon_source != NULL)
            {
              chk_source_clear (&self->abandon_source);
              self->abandon_source = _chk_runner_add_source (self, 0, _chk_runner_abandon_cb,
                                                             "[chk-runner] abandon pipes");
            }
          break;
        }

      if (self->kill_outcome == CHK_OUTCOME_NONE)
        self->kill_outcome = outcome;
      _chk_runner_terminate_group (self);
      break;

    case PHASE_FINISHED:
      break;

    default:
      g_assert_not_reached ();
    }
}

/**
 * chk_runner_report_progress:
 * @self: a #ChkRunner
 * @complete: the work done, at most @total
 * @total: the work to do, at least 1
 * @message: (nullable): what the job is doing
 *
 * Reports progress for the run as if the job had written it to its
 * progress pipe (the D-Bus `ReportProgress` call). Values that a progress
 * line could not carry (@total 0, @complete past @total) are ignored; the
 * message is made valid UTF-8 and cut to 1 KiB. Ignored once the run is
 * over.
 */
void
chk_runner_report_progress (ChkRunner  *self,
                            guint       complete,
                            guint       total,
                            const char *message)
{
  g_return_if_fail (CHK_IS_RUNNER (self));

  if (self->phase == PHASE_FINISHED)
    return;

  if (total == 0 || complete > total)
    {
      g_debug ("Run %" G_GUINT64_FORMAT ": ignoring progress %u/%u",
               self->record->id, complete, total);
      return;
    }

  chk_runner_set_progress (self, complete, total,
                           chk_progress_message_new (message != NULL ? message : "", -1));
}

/**
 * chk_runner_get_record:
 * @self: a #ChkRunner
 *
 * Returns the run's record as the runner keeps it: the pid once started,
 * the latest progress, byte counters of everything the job wrote, and
 * after #ChkRunner::finished the outcome, exit code, signal and end time.
 *
 * Returns: (transfer none): the record, owned by @self
 */
const ChkRunRecord *
chk_runner_get_record (ChkRunner *self)
{
  g_return_val_if_fail (CHK_IS_RUNNER (self), NULL);

  return self->record;
}

/**
 * chk_runner_get_run_id:
 * @self: a #ChkRunner
 *
 * Returns: the id of the run
 */
guint64
chk_runner_get_run_id (ChkRunner *self)
{
  g_return_val_if_fail (CHK_IS_RUNNER (self), 0);

  return self->record->id;
}

/**
 * chk_runner_is_finished:
 * @self: a #ChkRunner
 *
 * Returns: whether the run is over and its final record written; for a
 *   run that ended without a process, #ChkRunner::finished may still be
 *   on its way from an idle
 */
gboolean
chk_runner_is_finished (ChkRunner *self)
{
  g_return_val_if_fail (CHK_IS_RUNNER (self), FALSE);

  return self->phase == PHASE_FINISHED;
}

/**
 * chk_runner_mark_running_long:
 * @self: a #ChkRunner whose run is still going
 *
 * Records that the run went on past its job's expected duration, at once,
 * so that the run's record says so while it is still running.
 */
void
chk_runner_mark_running_long (ChkRunner *self)
{
  g_return_if_fail (CHK_IS_RUNNER (self));

  if (self->phase == PHASE_FINISHED || self->record->running_long)
    return;
  self->record->running_long = TRUE;
  _chk_runner_save_record (self);
}
