/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-alert-flood"

#include "config.h"

#include "chk-alert-flood.h"
#include "chk-source-util.h"

/**
 * ChkAlertFlood:
 *
 * Flood control for the emails and webhooks of failures, as #ChkNotifier has
 * for notifications: a job's first failure (or run going on too long) goes
 * out at once and opens a window; the ones within it are only counted, and
 * when it closes with some counted, #ChkAlertFlood::summary asks for one
 * message about them and a new window opens. A window with nothing held back
 * just closes. A job's recovery ends its window at once (chk_alert_flood_end()),
 * with a summary first when something was held back, so that every failure
 * is told before the recovery and the next failure is news again.
 */
struct _ChkAlertFlood
{
  GObject       parent_instance;

  guint         window_ms;
  GMainContext *context;
  /* guint64 job id → Window, for the jobs whose window is open */
  GHashTable   *jobs;
};

G_DEFINE_FINAL_TYPE (ChkAlertFlood, chk_alert_flood, G_TYPE_OBJECT)

enum {
  SUMMARY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  ChkAlertFlood *self;
  guint64        job_id;
  guint64        latest_run_id;
  gint64         since;         /* when the last message went, µs since the epoch */
  guint          failures;
  guint          running_long;
  GSource       *timer;
} Window;

static void
window_free (Window *window)
{
  chk_source_clear (&window->timer);
  g_free (window);
}

/* Asks for the summary of what @window held back, if anything; returns whether it did. */
static gboolean
window_summarize (Window *window)
{
  guint64 job_id = window->job_id;
  guint64 run_id = window->latest_run_id;
  guint failures = window->failures;
  guint running_long = window->running_long;
  gint64 since = window->since;

  if (failures == 0 && running_long == 0)
    return FALSE;

  window->failures = 0;
  window->running_long = 0;
  window->since = g_get_real_time ();
  g_signal_emit (window->self, signals[SUMMARY], 0, job_id, run_id, failures, running_long,
                 since);
  return TRUE;
}

static gboolean
window_closed_cb (gpointer data)
{
  Window *window = data;

  if (window_summarize (window))
    return G_SOURCE_CONTINUE;

  /* Frees @window and destroys this source. */
  g_clear_pointer (&window->timer, g_source_unref);
  g_hash_table_remove (window->self->jobs, &window->job_id);
  return G_SOURCE_REMOVE;
}

static void
chk_alert_flood_finalize (GObject *object)
{
  ChkAlertFlood *self = CHK_ALERT_FLOOD (object);

  g_clear_pointer (&self->jobs, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (chk_alert_flood_parent_class)->finalize (object);
}

static void
chk_alert_flood_class_init (ChkAlertFloodClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chk_alert_flood_finalize;

  /**
   * ChkAlertFlood::summary:
   * @self: the flood control
   * @job_id: the job
   * @run_id: the latest run held back
   * @failures: how many failures were held back
   * @running_long: how many runs going on too long were held back
   * @since: when the message before them went, µs since the epoch
   *
   * A window closed, or a recovery ended it, with alerts held back: one
   * message is to tell about them.
   */
  signals[SUMMARY] =
    g_signal_new ("summary", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 5, G_TYPE_UINT64, G_TYPE_UINT64, G_TYPE_UINT, G_TYPE_UINT,
                  G_TYPE_INT64);
}

static void
chk_alert_flood_init (ChkAlertFlood *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->jobs = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                      (GDestroyNotify) window_free);
}

/**
 * chk_alert_flood_new:
 * @window_ms: how long a job's message holds back the next ones; 0 for
 *   no flood control
 *
 * Returns: (transfer full): a new #ChkAlertFlood, whose windows run in the
 *   thread-default main context
 */
ChkAlertFlood *
chk_alert_flood_new (guint window_ms)
{
  ChkAlertFlood *self = g_object_new (CHK_TYPE_ALERT_FLOOD, NULL);

  self->window_ms = window_ms;
  return self;
}

/**
 * chk_alert_flood_get_window:
 * @self: a #ChkAlertFlood
 *
 * Returns: the window in milliseconds; 0 when there is no flood control
 */
guint
chk_alert_flood_get_window (ChkAlertFlood *self)
{
  g_return_val_if_fail (CHK_IS_ALERT_FLOOD (self), 0);

  return self->window_ms;
}

/**
 * chk_alert_flood_admit:
 * @self: a #ChkAlertFlood
 * @job_id: the job
 * @run_id: the run the alert is about
 * @kind: what the alert says
 *
 * Returns: %TRUE when the alert is to go out now; %FALSE when it is held
 *   back, to be counted in the window's summary
 */
gboolean
chk_alert_flood_admit (ChkAlertFlood     *self,
                       guint64            job_id,
                       guint64            run_id,
                       ChkAlertFloodKind  kind)
{
  Window *window;

  g_return_val_if_fail (CHK_IS_ALERT_FLOOD (self), TRUE);

  if (self->window_ms == 0)
    return TRUE;

  window = g_hash_table_lookup (self->jobs, &job_id);
  if (window != NULL)
    {
      if (kind == CHK_ALERT_FLOOD_RUNNING_LONG)
        window->running_long++;
      else
        window->failures++;
      window->latest_run_id = run_id;
      g_debug ("Alert about run %" G_GUINT64_FORMAT " held back", run_id);
      return FALSE;
    }

  window = g_new0 (Window, 1);
  window->self = self;
  window->job_id = job_id;
  window->latest_run_id = run_id;
  window->since = g_get_real_time ();
  window->timer = chk_source_attach (g_timeout_source_new (self->window_ms), self->context,
                                     window_closed_cb, window, "[chk-alert-flood] window");
  g_hash_table_replace (self->jobs, &window->job_id, window);
  return TRUE;
}

/**
 * chk_alert_flood_end:
 * @self: a #ChkAlertFlood
 * @job_id: a job that recovered
 *
 * Ends @job_id's window, if one is open: #ChkAlertFlood::summary is emitted
 * first when the window held something back.
 */
void
chk_alert_flood_end (ChkAlertFlood *self,
                     guint64        job_id)
{
  Window *window;

  g_return_if_fail (CHK_IS_ALERT_FLOOD (self));

  window = g_hash_table_lookup (self->jobs, &job_id);
  if (window == NULL)
    return;
  window_summarize (window);
  g_hash_table_remove (self->jobs, &job_id);
}

/**
 * chk_alert_flood_forget:
 * @self: a #ChkAlertFlood
 * @job_id: a deleted job
 *
 * Drops @job_id's window and what it held back, without a summary.
 */
void
chk_alert_flood_forget (ChkAlertFlood *self,
                        guint64        job_id)
{
  g_return_if_fail (CHK_IS_ALERT_FLOOD (self));

  g_hash_table_remove (self->jobs, &job_id);
}
