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
 * prepares the others. The last one it spawns itself.
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

typedef struct
{
  GMutex     lock;
  GCond      cond;
  SpawnItem *items;
  guint      n_items;
  guint      ready;         /* the items prepared so far, taken in order */
  guint      next;          /* the next item to take */
  guint      done;          /* the items spawned or given up */
  guint      helpers;       /* pool threads taking items now */
} SpawnBatch;

static void
spawn_batch_clear (SpawnBatch *batch)
{
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
spawn_batch_work (SpawnBatch *batch,
                  gboolean    helper)
{
  for (;;)
    {
      SpawnItem *item;
      ChkRunner *runner;

      g_mutex_lock (&batch->lock);
      if (batch->next == batch->ready)
        {
          if (helper)
            batch->helpers--;
          g_mutex_unlock (&batch->lock);
          return;
        }
      item = &batch->items[batch->next++];
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
  SpawnBatch *batch = data;

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

/* Makes item @i of @batch ready to be spawned, and has a pool thread take
 * it unless enough are at work already: at most one per prepared item not
 * taken yet, and %SPAWN_THREADS. The last item waits for the runners'
 * thread, which has nothing else left to do: a run started alone is
 * spawned without a thread's wake-up. */
static void
spawn_batch_offer (SpawnBatch *batch,
                   guint       i)
{
  g_autoptr(GError) error = NULL;
  gboolean push;

  g_mutex_lock (&batch->lock);
  g_assert (batch->ready == i);
  batch->ready++;
  push = i + 1 < batch->n_items && batch->items[i].envp != NULL && get_spawn_pool () != NULL;
  push = push && batch->helpers < MIN (batch->ready - batch->next, SPAWN_THREADS);
  if (push)
    batch->helpers++;
  g_mutex_unlock (&batch->lock);

  if (!push)
    return;

  /* The pool thread takes a reference: it may only get to the batch after
   * the work is over and chk_runner_start_all() has returned. A push that
   * could not start a thread still queues the batch for the pool's
   * threads, reference and all: it counts as a helper to come. */
  if (!g_thread_pool_push (get_spawn_pool (), g_atomic_rc_box_acquire (batch), &error))
    g_debug ("Spawning in this thread for now: %s", error->message);
}

/* Spawns what is left of @batch in this thread too, and returns once every
 * item is spawned or failed to. */
static void
spawn_batch_finish (SpawnBatch *batch)
{
  spawn_batch_work (batch, FALSE);

  g_mutex_lock (&batch->lock);
  while (batch->done < batch->n_items)
    g_cond_wait (&batch->cond, &batch->lock);
  g_mutex_unlock (&batch->lock);
}

/* Completes the runs of @batch whose process started, their records
 * written in one transaction when there are several in one store: a
 * commit each took about as long as their spawns. Should it fail, each
 * record is written again on its own, kept by the store until it works. */
static void
complete_started (SpawnBatch *batch)
{
  ChkStore *store = NULL;
  guint started = 0;
  gboolean together;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < batch->n_items; i++)
    {
      SpawnItem *item = &batch->items[i];

      if (item->envp == NULL || item->error != NULL)
        continue;
      /* Runners of different stores: each record on its own. */
      if (started == 0)
        store = item->runner->store;
      else if (item->runner->store != store)
        store = NULL;
      started++;
    }

  together = started > 1 && store != NULL && !chk_store_in_transaction (store) &&
             chk_store_begin (store, NULL);
  for (guint i = 0; i < batch->n_items; i++)
    {
      SpawnItem *item = &batch->items[i];

      if (item->envp != NULL && item->error == NULL)
        _chk_runner_spawned (item->runner, &item->process, NULL);
    }

  if (together && !chk_store_commit (store, &error))
    {
      g_warning ("Could not record %u runs that started together: %s; each is written on "
                 "its own", started, error->message);
      for (guint i = 0; i < batch->n_items; i++)
        {
          SpawnItem *item = &batch->items[i];

          if (item->envp != NULL && item->error == NULL)
            _chk_runner_save_record (item->runner);
        }
    }
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
  SpawnBatch *batch;

  g_return_if_fail (runners != NULL || n_runners == 0);
  for (guint i = 0; i < n_runners; i++)
    {
      g_return_if_fail (CHK_IS_RUNNER (runners[i]));
      g_return_if_fail (runners[i]->phase == PHASE_STARTING);
    }

  batch = g_atomic_rc_box_new0 (SpawnBatch);
  g_mutex_init (&batch->lock);
  g_cond_init (&batch->cond);
  batch->items = g_new0 (SpawnItem, n_runners);
  batch->n_items = n_runners;

  for (guint i = 0; i < n_runners; i++)
    batch->items[i].runner = runners[i];
  for (guint i = 0; i < n_runners; i++)
    {
      batch->items[i].envp = _chk_runner_prepare_start (runners[i]);
      spawn_batch_offer (batch, i);
    }

  spawn_batch_finish (batch);
  complete_started (batch);

  for (guint i = 0; i < n_runners; i++)
    {
      SpawnItem *item = &batch->items[i];

      /* Those that failed: outside the transaction, as their output is. */
      if (item->envp != NULL && item->error != NULL)
        _chk_runner_spawned (item->runner, &item->process, item->error);
      g_clear_error (&item->error);
      g_strfreev (item->envp);
    }

  g_free (batch->items);
  g_atomic_rc_box_release_full (batch, (GDestroyNotify) spawn_batch_clear);
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
