/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-runner"

#include "config.h"

#include "chk-runner-private.h"

/*
 * Starting runs, several at a time. A spawn waits for the child's exec
 * (CLONE_VFORK), which blocks the calling thread only: the runs due in the
 * same second are spawned side by side on a few threads, so that the last
 * of them does not wait for the execs of all the others. Each run's cgroup
 * is made by the thread that spawns it, just before. Everything else (the
 * record, the environment, then the readers and the watches) is done in
 * the runners' thread, before and after; that thread waits for the
 * spawns, so that a runner is never seen half-started.
 *
 * A run is handed to the spawning threads as soon as it is prepared: the
 * first run of a second is not held back while the runners' thread
 * prepares the others, nor while the engine records them (a
 * #ChkRunnerBatch, open until chk_runner_batch_finish()). The last run of
 * chk_runner_start_all() the runners' thread spawns itself.
 */

/* At most this many threads spawn besides the caller's. */
#define SPAWN_THREADS 3

typedef struct
{
  ChkRunner     *runner;
  char         **envp;      /* NULL: nothing to spawn */
  ChkJobProcess  process;
  GError        *error;
} SpawnItem;

/* Reference-counted: a pool thread may get to it after
 * chk_runner_batch_finish() returned (spawn_batch_offer()). */
struct _ChkRunnerBatch
{
  GMutex     lock;
  GCond      cond;
  /* SpawnItem*, each prepared when added, and taken in order; the array
   * grows under the lock, the items stay where they are */
  GPtrArray *items;
  guint      expected;      /* how many will be added; 0 for not known */
  guint      next;          /* the next item to take */
  guint      done;          /* the items spawned or given up */
  guint      helpers;       /* pool threads taking items now */
};

static void
spawn_batch_clear (ChkRunnerBatch *batch)
{
  g_ptr_array_unref (batch->items);
  g_mutex_clear (&batch->lock);
  g_cond_clear (&batch->cond);
}

/* Takes the prepared items of @batch and spawns them until none is left
 * to take; in any thread. An item is not touched by the runners' thread
 * from when it is ready until it is done. A pool thread (@helper) that
 * finds nothing to take stops being one of the batch's helpers under the
 * same lock, so that the runners' thread knows to push another for the
 * items it prepares next. */
static void
spawn_batch_work (ChkRunnerBatch *batch,
                  gboolean        helper)
{
  for (;;)
    {
      SpawnItem *item;
      ChkRunner *runner;

      g_mutex_lock (&batch->lock);
      if (batch->next == batch->items->len)
        {
          if (helper)
            batch->helpers--;
          g_mutex_unlock (&batch->lock);
          return;
        }
      item = g_ptr_array_index (batch->items, batch->next++);
      g_mutex_unlock (&batch->lock);

      runner = item->runner;
      if (item->envp != NULL && _chk_runner_contain (runner, &item->error))
        chk_job_spawn (runner->spec, (const char * const *) item->envp, runner->group,
                       runner->record->id, &item->process, &item->error);

      g_mutex_lock (&batch->lock);
      batch->done++;
      g_cond_signal (&batch->cond);
      g_mutex_unlock (&batch->lock);
    }
}

static void
spawn_thread_func (gpointer data,
                   gpointer user_data)
{
  ChkRunnerBatch *batch = data;

  spawn_batch_work (batch, TRUE);
  g_atomic_rc_box_release_full (batch, (GDestroyNotify) spawn_batch_clear);
}

/* The spawning threads, or NULL when they could not be made. The pool is
 * exclusive: its threads wait on its own queue from the start, and a push
 * wakes one at once. A shared pool's idle threads leave it for GLib's after
 * half a second, and some are ended or made again: the runs of the next
 * second waited for a thread to come back or to be made, up to ~5 ms after
 * they were prepared (bench-daemon's dispatch, FREQ=SECONDLY). */
static GThreadPool *
get_spawn_pool (void)
{
  static gsize done = 0;
  static GThreadPool *pool = NULL;

  if (g_once_init_enter (&done))
    {
      g_autoptr(GError) error = NULL;

      pool = g_thread_pool_new (spawn_thread_func, NULL, SPAWN_THREADS, TRUE, &error);
      if (pool == NULL)
        g_warning ("Runs due together are spawned one after the other: %s", error->message);
      g_once_init_leave (&done, 1);
    }
  return pool;
}

/* Makes @item, prepared, ready to be spawned, and has a pool thread take
 * it unless enough are at work already: at most one per prepared item not
 * taken yet, and %SPAWN_THREADS. The last item of a batch whose size is
 * known waits for the runners' thread, which has nothing else left to do:
 * a run started alone is spawned without a thread's wake-up. */
static void
spawn_batch_offer (ChkRunnerBatch *batch,
                   SpawnItem      *item)
{
  g_autoptr(GError) error = NULL;
  gboolean push;
  guint waiting;

  g_mutex_lock (&batch->lock);
  g_ptr_array_add (batch->items, item);
  waiting = batch->items->len - batch->next;
  push = (batch->expected == 0 || batch->items->len < batch->expected) &&
         item->envp != NULL && get_spawn_pool () != NULL;
  push = push && batch->helpers < MIN (waiting, SPAWN_THREADS);
  if (push)
    batch->helpers++;
  g_mutex_unlock (&batch->lock);

  if (!push)
    return;

  /* The pool thread takes a reference: it may only get to the batch after
   * the work is over and chk_runner_batch_finish() has returned. A push that
   * could not start a thread still queues the batch for the pool's
   * threads, reference and all: it counts as a helper to come. */
  if (!g_thread_pool_push (get_spawn_pool (), g_atomic_rc_box_acquire (batch), &error))
    g_debug ("Spawning in this thread for now: %s", error->message);
}

/* Spawns what is left of @batch in this thread too, and returns once every
 * item is spawned or failed to. */
static void
spawn_batch_finish (ChkRunnerBatch *batch)
{
  spawn_batch_work (batch, FALSE);

  g_mutex_lock (&batch->lock);
  while (batch->done < batch->items->len)
    g_cond_wait (&batch->cond, &batch->lock);
  g_mutex_unlock (&batch->lock);
}

/* Completes the runs of @batch whose process started, their records
 * written together (_chk_runner_begin_records()). */
static void
complete_started (ChkRunnerBatch *batch)
{
  g_autoptr(GPtrArray) started = g_ptr_array_new ();
  ChkStore *store;

  for (guint i = 0; i < batch->items->len; i++)
    {
      SpawnItem *item = g_ptr_array_index (batch->items, i);

      if (item->envp != NULL && item->error == NULL)
        g_ptr_array_add (started, item->runner);
    }

  store = _chk_runner_begin_records ((ChkRunner * const *) started->pdata, started->len);
  for (guint i = 0; i < batch->items->len; i++)
    {
      SpawnItem *item = g_ptr_array_index (batch->items, i);

      if (item->envp != NULL && item->error == NULL)
        _chk_runner_spawned (item->runner, &item->process, NULL);
    }
  _chk_runner_end_records (store, (ChkRunner * const *) started->pdata, started->len,
                           "that started together");
}

static void
spawn_item_free (SpawnItem *item)
{
  g_clear_error (&item->error);
  g_strfreev (item->envp);
  g_free (item);
}

/**
 * chk_runner_batch_new:
 * @expected: how many runners will be added, or 0 when that is not known
 *
 * Starts a batch of runs to be started side by side: each one added is
 * prepared and handed to the spawning threads at once, while the caller
 * goes on (with the records of the next runs, say), and
 * chk_runner_batch_finish() waits for them all. Between the two, the
 * runners added must be left alone.
 *
 * Returns: (transfer full): the batch, for chk_runner_batch_finish()
 */
ChkRunnerBatch *
chk_runner_batch_new (guint expected)
{
  ChkRunnerBatch *self = g_atomic_rc_box_new0 (ChkRunnerBatch);

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) spawn_item_free);
  self->expected = expected;
  return self;
}

/**
 * chk_runner_batch_add:
 * @self: a #ChkRunnerBatch
 * @runner: (transfer none): a runner not started yet, kept alive by the
 *   caller until the batch is finished
 *
 * Prepares @runner's start and hands its spawn to a spawning thread, or
 * to chk_runner_batch_finish() when none is free.
 */
void
chk_runner_batch_add (ChkRunnerBatch *self,
                      ChkRunner      *runner)
{
  SpawnItem *item;

  g_return_if_fail (self != NULL);
  g_return_if_fail (CHK_IS_RUNNER (runner));
  g_return_if_fail (runner->phase == PHASE_STARTING);

  item = g_new0 (SpawnItem, 1);
  item->runner = runner;
  item->envp = _chk_runner_prepare_start (runner);
  spawn_batch_offer (self, item);
}

/**
 * chk_runner_batch_finish:
 * @self: (transfer full): a #ChkRunnerBatch
 *
 * Spawns what no thread took yet, waits for every spawn of @self, and
 * completes each run, started or failed to start, as chk_runner_start()
 * does. Frees @self.
 */
void
chk_runner_batch_finish (ChkRunnerBatch *self)
{
  g_return_if_fail (self != NULL);

  spawn_batch_finish (self);
  complete_started (self);

  for (guint i = 0; i < self->items->len; i++)
    {
      SpawnItem *item = g_ptr_array_index (self->items, i);

      /* Those that failed: outside the transaction, as their output is. */
      if (item->envp != NULL && item->error != NULL)
        _chk_runner_spawned (item->runner, &item->process, item->error);
    }

  g_atomic_rc_box_release_full (self, (GDestroyNotify) spawn_batch_clear);
}

/**
 * chk_runner_start_all:
 * @runners: (array length=n_runners): runners not started yet
 * @n_runners: how many
 *
 * Starts each of @runners as chk_runner_start() does, their processes
 * spawned side by side: the last one's exec does not wait for all the
 * others'. Returns once each one is started or failed to start.
 */
void
chk_runner_start_all (ChkRunner * const *runners,
                      guint              n_runners)
{
  ChkRunnerBatch *batch;

  g_return_if_fail (runners != NULL || n_runners == 0);

  batch = chk_runner_batch_new (n_runners);
  for (guint i = 0; i < n_runners; i++)
    chk_runner_batch_add (batch, runners[i]);
  chk_runner_batch_finish (batch);
}

/**
 * chk_runner_start:
 * @self: a #ChkRunner
 *
 * Starts the job in a process group of its own, with stdin on /dev/null,
 * stdout and stderr streamed into the store, the progress pipe on fd 3
 * and the environment of chk_job_env_build(). Sources and async
 * calls use the thread-default main context of the caller.
 *
 * If the job cannot be started the run ends as `failed-to-start` with the
 * reason as its stderr; #ChkRunner::finished is still emitted from an
 * idle, as for every run. Call once.
 */
void
chk_runner_start (ChkRunner *self)
{
  g_return_if_fail (CHK_IS_RUNNER (self));
  g_return_if_fail (self->phase == PHASE_STARTING);

  chk_runner_start_all (&self, 1);
}
