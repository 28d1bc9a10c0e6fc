/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-http-runner"

#include "config.h"

#include "chk-http-module.h"
#include "chk-http-runner.h"

/**
 * ChkHttpRunner:
 *
 * Runs a job's HTTP check (`check-url`) for one of its runs: the check
 * runs in the daemon, with no process and no progress pipe, bounded by
 * its own check-timeout, and says what it found as a #ChkHttpRun that
 * the run's #ChkRunner puts into its record and output.
 */
struct _ChkHttpRunner
{
  GObject            parent_instance;

  guint64            run_id;
  char              *url;
  guint              expect_status;
  char              *contains;
  guint              timeout_s;
};

G_DEFINE_FINAL_TYPE (ChkHttpRunner, chk_http_runner, G_TYPE_OBJECT)

static void
chk_http_runner_check_done_cb (GObject      *object,
                               GAsyncResult *result,
                               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChkHttpRunner *self = g_task_get_source_object (task);
  g_autoptr(ChkHttpCheckResult) check = NULL;
  g_autoptr(GError) error = NULL;
  ChkHttpRun *run;

  /* The module is loaded: it started the check */
  check = chk_http_module_get (NULL)->check_run_finish (result, &error);
  if (check == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_debug ("Run %" G_GUINT64_FORMAT ": %s", self->run_id, check->message);

  run = g_new0 (ChkHttpRun, 1);
  run->outcome = check->passed ? CHK_OUTCOME_SUCCESS :
                 check->timed_out ? CHK_OUTCOME_TIMEOUT : CHK_OUTCOME_FAILURE;
  run->exit_code = check->passed ? 0 : 1;
  run->http_status = check->status;
  run->body_head = g_bytes_ref (check->body_head);
  /* "Connection refused" is the why that an exit code would give */
  if (!check->passed)
    run->failure = g_strdup (check->message);

  g_task_return_pointer (task, run, (GDestroyNotify) chk_http_run_free);
}

static void
chk_http_runner_finalize (GObject *object)
{
  ChkHttpRunner *self = CHK_HTTP_RUNNER (object);

  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->contains, g_free);

  G_OBJECT_CLASS (chk_http_runner_parent_class)->finalize (object);
}

static void
chk_http_runner_class_init (ChkHttpRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chk_http_runner_finalize;
}

static void
chk_http_runner_init (ChkHttpRunner *self)
{
}

/**
 * chk_http_run_free:
 * @run: a #ChkHttpRun
 */
void
chk_http_run_free (ChkHttpRun *run)
{
  if (run == NULL)
    return;

  g_clear_pointer (&run->body_head, g_bytes_unref);
  g_clear_pointer (&run->failure, g_free);
  g_free (run);
}

/**
 * chk_http_runner_new:
 * @spec: the job's spec, with a check-url; what the check needs is copied
 * @run_id: the run, for the journal
 *
 * Returns: (transfer full): a new #ChkHttpRunner
 */
ChkHttpRunner *
chk_http_runner_new (const ChkJobSpec *spec,
                     guint64           run_id)
{
  ChkHttpRunner *self;

  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (spec->check_url != NULL, NULL);

  self = g_object_new (CHK_TYPE_HTTP_RUNNER, NULL);
  self->run_id = run_id;
  self->url = g_strdup (spec->check_url);
  self->expect_status = spec->check_expect_status;
  self->contains = g_strdup (spec->check_contains);
  self->timeout_s = spec->check_timeout;

  return self;
}

/**
 * chk_http_runner_run_async:
 * @self: a #ChkHttpRunner
 * @cancellable: (nullable): a #GCancellable, for Stop() and shutdown
 * @callback: called when the check is over
 * @user_data: data for @callback
 *
 * Runs the check once. A check that fails, times out or gets no answer is
 * a #ChkHttpRun all the same; only a cancelled one is an error.
 */
void
chk_http_runner_run_async (ChkHttpRunner       *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  const ChkHttpModule *http;
  ChkHttpCheckConfig config = {
    .url = self->url,
    .expect_status = self->expect_status,
    .contains = self->contains,
    .timeout_s = self->timeout_s,
  };

  g_return_if_fail (CHK_IS_HTTP_RUNNER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chk_http_runner_run_async);
  /* A check that ended before a late cancel still says what it found. */
  g_task_set_check_cancellable (task, FALSE);
  http = chk_http_module_get (&error);
  if (http == NULL)
    {
      /* Not cancelled: the check failed, saying why */
      ChkHttpRun *run = g_new0 (ChkHttpRun, 1);

      run->outcome = CHK_OUTCOME_FAILURE;
      run->exit_code = 1;
      run->body_head = g_bytes_new (NULL, 0);
      run->failure = g_strdup (error->message);
      g_task_return_pointer (task, run, (GDestroyNotify) chk_http_run_free);
      return;
    }
  http->check_run_async (&config, NULL, cancellable, chk_http_runner_check_done_cb,
                         g_steal_pointer (&task));
}

/**
 * chk_http_runner_run_finish:
 * @self: a #ChkHttpRunner
 * @result: the #GAsyncResult
 * @error: return location for a #GError, set only when the check was cancelled
 *
 * Returns: (transfer full) (nullable): what the check came to, or %NULL
 *   with @error set
 */
ChkHttpRun *
chk_http_runner_run_finish (ChkHttpRunner  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (CHK_IS_HTTP_RUNNER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
