/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-wait"

#include "config.h"

#include "chk-wait.h"

/* The wait's two sources; whichever fires first destroys the other. */
typedef struct
{
  GSource *timeout_source;
  GSource *cancel_source;
} WaitData;

static void
wait_data_free (WaitData *data)
{
  if (data->timeout_source != NULL)
    g_source_destroy (data->timeout_source);
  g_clear_pointer (&data->timeout_source, g_source_unref);
  if (data->cancel_source != NULL)
    g_source_destroy (data->cancel_source);
  g_clear_pointer (&data->cancel_source, g_source_unref);
  g_free (data);
}

static gboolean
wait_over_cb (gpointer user_data)
{
  GTask *task = user_data;
  WaitData *data = g_task_get_task_data (task);

  g_clear_pointer (&data->timeout_source, g_source_unref);
  if (data->cancel_source != NULL)
    g_source_destroy (data->cancel_source);
  g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

static gboolean
wait_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  GTask *task = user_data;
  WaitData *data = g_task_get_task_data (task);

  g_clear_pointer (&data->cancel_source, g_source_unref);
  if (data->timeout_source != NULL)
    g_source_destroy (data->timeout_source);
  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

/**
 * chk_wait_async:
 * @delay_ms: how long to wait
 * @name: the name of the wait's source, for profilers and debuggers
 * @cancellable: (nullable): ends the wait early, with %G_IO_ERROR_CANCELLED
 * @callback: called when the time is up or the wait was cancelled
 * @user_data: data for @callback
 *
 * Waits in the thread-default main context without blocking it: the pause
 * between two tries of a delivery.
 */
void
chk_wait_async (guint                delay_ms,
                const char          *name,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  GTask *task;
  WaitData *data;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, chk_wait_async);
  g_task_set_name (task, name);
  data = g_new0 (WaitData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) wait_data_free);

  /* Each source holds the task until it fires or is destroyed. */
  data->timeout_source = g_timeout_source_new (delay_ms);
  g_source_set_name (data->timeout_source, name);
  g_source_set_callback (data->timeout_source, wait_over_cb, g_object_ref (task), g_object_unref);
  g_source_attach (data->timeout_source, g_task_get_context (task));

  if (cancellable != NULL)
    {
      data->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (data->cancel_source, G_SOURCE_FUNC (wait_cancelled_cb),
                             g_object_ref (task), g_object_unref);
      g_source_attach (data->cancel_source, g_task_get_context (task));
    }

  g_object_unref (task);
}

/**
 * chk_wait_finish:
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE when the time is up, %FALSE with %G_IO_ERROR_CANCELLED
 *   when the wait was cancelled
 */
gboolean
chk_wait_finish (GAsyncResult  *result,
                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == chk_wait_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct
{
  GTask        *task;
  ChkRetryFunc  retry;
} RetryData;

static void
retry_wait_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  RetryData *data = user_data;
  g_autoptr(GTask) task = data->task;
  ChkRetryFunc retry = data->retry;
  GError *error = NULL;

  g_free (data);
  if (!chk_wait_finish (result, &error))
    g_task_return_error (task, error);
  else
    retry (task);
}

/**
 * chk_wait_retry:
 * @task: the task of an operation whose try failed
 * @delays_ms: (element-type guint): the waits before the second, third, … try
 * @attempt: (inout): how many of @delays_ms were waited already
 * @error: why the try failed
 * @name: the name of the wait's source, for profilers and debuggers
 * @retry: called with @task when the wait is over
 *
 * Unless @error says the operation was cancelled or every delay was waited,
 * waits the next delay with chk_wait_async() and then calls @retry; a wait
 * that @task's cancellable ends returns %G_IO_ERROR_CANCELLED on @task
 * instead. @task is kept alive meanwhile.
 *
 * Returns: %TRUE if another try is coming, %FALSE when the caller is to give
 *   up with @error
 */
gboolean
chk_wait_retry (GTask        *task,
                GArray       *delays_ms,
                guint        *attempt,
                const GError *error,
                const char   *name,
                ChkRetryFunc  retry)
{
  RetryData *data;
  guint delay;

  g_return_val_if_fail (G_IS_TASK (task), FALSE);
  g_return_val_if_fail (error != NULL, FALSE);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || *attempt >= delays_ms->len)
    return FALSE;

  delay = g_array_index (delays_ms, guint, *attempt);
  (*attempt)++;
  g_debug ("Try %u failed (%s); trying again in %u ms", *attempt, error->message, delay);

  data = g_new0 (RetryData, 1);
  data->task = g_object_ref (task);
  data->retry = retry;
  chk_wait_async (delay, name, g_task_get_cancellable (task), retry_wait_cb, data);
  return TRUE;
}

static gboolean
deadline_timer_cb (gpointer user_data)
{
  ChkDeadline *self = user_data;

  self->timed_out = TRUE;
  g_clear_pointer (&self->timer, g_source_unref);
  g_cancellable_cancel (self->cancellable);
  return G_SOURCE_REMOVE;
}

/* May run in the thread that cancels. */
static void
deadline_parent_cancelled_cb (GCancellable *parent,
                              gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

/**
 * chk_deadline_init:
 * @self: a #ChkDeadline, zeroed or cleared
 * @parent: (nullable): the caller's cancellable, which cancels the operation
 *
 * Gives @self a new cancellable, cancelled whenever @parent is. Its timer is
 * not running yet: see chk_deadline_arm().
 */
void
chk_deadline_init (ChkDeadline  *self,
                   GCancellable *parent)
{
  g_return_if_fail (self->cancellable == NULL);
  g_return_if_fail (parent == NULL || G_IS_CANCELLABLE (parent));

  self->cancellable = g_cancellable_new ();
  self->timed_out = FALSE;
  if (parent != NULL)
    {
      self->parent = g_object_ref (parent);
      self->parent_id = g_cancellable_connect (parent, G_CALLBACK (deadline_parent_cancelled_cb),
                                               self->cancellable, NULL);
    }
}

/**
 * chk_deadline_arm:
 * @self: an initialized #ChkDeadline
 * @timeout_ms: how long the operation may take from now
 * @name: the name of the timer's source, for profilers and debuggers
 * @context: (nullable): the main context the timer runs in
 *
 * Starts the timer, unless it is already running: when it fires, it sets
 * @timed_out and cancels @cancellable.
 */
void
chk_deadline_arm (ChkDeadline  *self,
                  guint         timeout_ms,
                  const char   *name,
                  GMainContext *context)
{
  g_return_if_fail (self->cancellable != NULL);

  if (self->timer != NULL)
    return;

  self->timer = g_timeout_source_new (timeout_ms);
  g_source_set_name (self->timer, name);
  g_source_set_callback (self->timer, deadline_timer_cb, self, NULL);
  g_source_attach (self->timer, context);
}

/**
 * chk_deadline_disarm:
 * @self: a #ChkDeadline
 *
 * Stops the timer, if it is running.
 */
void
chk_deadline_disarm (ChkDeadline *self)
{
  if (self->timer != NULL)
    g_source_destroy (self->timer);
  g_clear_pointer (&self->timer, g_source_unref);
}

/**
 * chk_deadline_clear:
 * @self: a #ChkDeadline
 *
 * Stops the timer, lets go of the caller's cancellable and drops
 * @cancellable, leaving @self ready for chk_deadline_init() again.
 */
void
chk_deadline_clear (ChkDeadline *self)
{
  if (self->parent_id != 0)
    g_cancellable_disconnect (self->parent, self->parent_id);
  self->parent_id = 0;
  g_clear_object (&self->parent);
  chk_deadline_disarm (self);
  g_clear_object (&self->cancellable);
  self->timed_out = FALSE;
}
