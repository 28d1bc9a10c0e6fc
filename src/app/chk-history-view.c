/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "chk-history-view.h"

/* After a run ends, wait this long for more before counting again */
#define RELOAD_DELAY_MS 1000

/**
 * ChkHistoryView:
 *
 * Every job's runs over time, for the window's History page: a calendar
 * of the last weeks, a square per day (#ChkRunCalendar).
 *
 * The days are counted with Scheduler1.GetJobStatsBetween for all jobs
 * (the manager's path), one bucket from each day's local midnight to the
 * next: equal buckets cannot follow local days, which the clock changes
 * make 23 and 25 hours long. Each call reads only its day's runs. It
 * counts when it maps, and again a moment after runs end while it shows.
 *
 * Under it, the runs of the next 24 hours (#ChkRunTimeline), counted in
 * its group's description, the run focused in a caption under it.
 */

struct _ChkHistoryView
{
  GtkWidget       parent_instance;

  ChkJobModel    *model;
  GSignalGroup   *scheduler_signals;
  GCancellable   *cancellable;    /* the counting under way */
  guint           reload_source;
  guint           n_loads;

  AdwPreferencesPage *page;
  ChkRunCalendar *calendar;
  GtkLabel       *calendar_error;
  AdwPreferencesGroup *timeline_group;
  ChkRunTimeline *timeline;
  GtkLabel       *timeline_caption;
};

G_DEFINE_FINAL_TYPE (ChkHistoryView, chk_history_view, GTK_TYPE_WIDGET)

/* One counting of the days: GetJobStatsBetween each day's midnights */
typedef struct
{
  ChkHistoryView *self;
  GDateTime      *first_day;
  guint           n_days;
  guint           pending;
  guint          *runs;      /* of each day */
  guint          *failures;
  GError         *error;
} Count;

typedef struct
{
  Count *count;
  guint  day;
} CountCall;

static void
count_free (Count *count)
{
  g_object_unref (count->self);
  g_date_time_unref (count->first_day);
  g_free (count->runs);
  g_free (count->failures);
  g_clear_error (&count->error);
  g_free (count);
}

static void
count_done (Count *count)
{
  ChkHistoryView *self = count->self;

  if (count->error != NULL)
    {
      if (!g_error_matches (count->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *text = NULL;

          g_dbus_error_strip_remote_error (count->error);
          text = g_strdup_printf (_("Could not count the runs: %s"), count->error->message);
          gtk_label_set_text (self->calendar_error, text);
          gtk_widget_set_visible (GTK_WIDGET (self->calendar_error), TRUE);
        }
      return;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->calendar_error), FALSE);
  chk_run_calendar_set_days (self->calendar, count->first_day, count->runs, count->failures,
                             count->n_days);
  self->n_loads++;
}

static void
get_stats_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  CountCall *call = user_data;
  Count *count = call->count;
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GError) error = NULL;

  if (!chk_scheduler1_call_get_job_stats_between_finish (CHK_SCHEDULER1 (object), &stats, result,
                                                          &error))
    {
      if (count->error == NULL)
        count->error = g_steal_pointer (&error);
    }
  else if (g_variant_n_children (stats) > 0)
    {
      g_autoptr(GVariant) bucket = g_variant_get_child_value (stats, 0);

      g_variant_lookup (bucket, "runs", "u", &count->runs[call->day]);
      g_variant_lookup (bucket, "failures", "u", &count->failures[call->day]);
    }
  g_free (call);

  if (--count->pending == 0)
    {
      count_done (count);
      count_free (count);
    }
}

/* The local midnight that starts @day, µs since the epoch */
static gint64
local_midnight (GDateTime *day)
{
  g_autoptr(GDateTime) midnight = g_date_time_new_local (g_date_time_get_year (day),
                                                         g_date_time_get_month (day),
                                                         g_date_time_get_day_of_month (day),
                                                         0, 0, 0);

  return g_date_time_to_unix (midnight) * G_USEC_PER_SEC;
}

/**
 * chk_history_view_reload:
 * @self: a #ChkHistoryView
 *
 * Counts the runs of every day shown again; the counting under way is
 * cancelled.
 */
void
chk_history_view_reload (ChkHistoryView *self)
{
  ChkScheduler1 *scheduler;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  const char *all_jobs;
  Count *count;

  g_return_if_fail (CHK_IS_HISTORY_VIEW (self));

  g_clear_handle_id (&self->reload_source, g_source_remove);
  scheduler = self->model != NULL ? chk_job_model_get_scheduler (self->model) : NULL;
  if (scheduler == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  /* The manager's path: every job's runs */
  all_jobs = g_dbus_proxy_get_object_path (G_DBUS_PROXY (scheduler));
  count = g_new0 (Count, 1);
  count->self = g_object_ref (self);
  count->first_day = chk_run_calendar_first_day (now);
  count->n_days = chk_run_calendar_n_days (now);
  count->runs = g_new0 (guint, count->n_days);
  count->failures = g_new0 (guint, count->n_days);
  count->pending = count->n_days;

  for (guint i = 0; i < count->n_days; i++)
    {
      g_autoptr(GDateTime) day = g_date_time_add_days (count->first_day, (int) i);
      g_autoptr(GDateTime) next = g_date_time_add_days (count->first_day, (int) i + 1);
      gint64 since = local_midnight (day), until = local_midnight (next);
      CountCall *call = g_new0 (CountCall, 1);

      call->count = count;
      call->day = i;
      /* Today's ends now: the daemon counts no further than that anyway */
      if (until > g_date_time_to_unix (now) * G_USEC_PER_SEC)
        until = 0;
      chk_scheduler1_call_get_job_stats_between (scheduler, all_jobs, since, until, 1,
                                                 self->cancellable, get_stats_cb, call);
    }
}

static gboolean
reload_cb (gpointer user_data)
{
  ChkHistoryView *self = user_data;

  self->reload_source = 0;
  chk_history_view_reload (self);
  return G_SOURCE_REMOVE;
}

/* Runs ended: counted again once they stop coming, while it shows */
static void
run_finished_cb (ChkHistoryView *self)
{
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  g_clear_handle_id (&self->reload_source, g_source_remove);
  self->reload_source = g_timeout_add (RELOAD_DELAY_MS, reload_cb, self);
}

static void
model_state_cb (ChkHistoryView *self)
{
  g_signal_group_set_target (self->scheduler_signals,
                             self->model != NULL ? chk_job_model_get_scheduler (self->model)
                                                 : NULL);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    chk_history_view_reload (self);
}

static void
chk_history_view_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (chk_history_view_parent_class)->map (widget);
  chk_history_view_reload (CHK_HISTORY_VIEW (widget));
}

static void
chk_history_view_dispose (GObject *object)
{
  ChkHistoryView *self = CHK_HISTORY_VIEW (object);

  chk_history_view_set_model (self, NULL);
  g_clear_handle_id (&self->reload_source, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->scheduler_signals);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHK_TYPE_HISTORY_VIEW);

  G_OBJECT_CLASS (chk_history_view_parent_class)->dispose (object);
}

static void
chk_history_view_class_init (ChkHistoryViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chk_history_view_dispose;
  widget_class->map = chk_history_view_map;

  g_type_ensure (CHK_TYPE_RUN_CALENDAR);
  g_type_ensure (CHK_TYPE_RUN_TIMELINE);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/chroniker/Chroniker/chk-history-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ChkHistoryView, page);
  gtk_widget_class_bind_template_child (widget_class, ChkHistoryView, calendar);
  gtk_widget_class_bind_template_child (widget_class, ChkHistoryView, calendar_error);
  gtk_widget_class_bind_template_child (widget_class, ChkHistoryView, timeline_group);
  gtk_widget_class_bind_template_child (widget_class, ChkHistoryView, timeline);
  gtk_widget_class_bind_template_child (widget_class, ChkHistoryView, timeline_caption);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "chk-history-view");
}

static void
chk_history_view_init (ChkHistoryView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_object_bind_property (self->timeline, "summary", self->timeline_group, "description",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->timeline, "selected-text", self->timeline_caption, "label",
                          G_BINDING_SYNC_CREATE);

  self->scheduler_signals = g_signal_group_new (CHK_TYPE_SCHEDULER1);
  g_signal_group_connect_swapped (self->scheduler_signals, "run-finished",
                                  G_CALLBACK (run_finished_cb), self);
}

/**
 * chk_history_view_set_model:
 * @self: a #ChkHistoryView
 * @model: (nullable): the jobs, for their scheduler
 *
 * Counts the runs of @model's scheduler, when it shows.
 */
void
chk_history_view_set_model (ChkHistoryView *self,
                            ChkJobModel    *model)
{
  g_return_if_fail (CHK_IS_HISTORY_VIEW (self));
  g_return_if_fail (model == NULL || CHK_IS_JOB_MODEL (model));

  if (self->model == model)
    return;
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_set_object (&self->model, model);
  if (model != NULL)
    g_signal_connect_swapped (model, "notify::state", G_CALLBACK (model_state_cb), self);
  chk_run_timeline_set_model (self->timeline, model);
  model_state_cb (self);
}

/**
 * chk_history_view_get_calendar:
 * @self: a #ChkHistoryView
 *
 * Returns: (transfer none): its calendar of runs
 */
ChkRunCalendar *
chk_history_view_get_calendar (ChkHistoryView *self)
{
  g_return_val_if_fail (CHK_IS_HISTORY_VIEW (self), NULL);
  return self->calendar;
}

/**
 * chk_history_view_get_timeline:
 * @self: a #ChkHistoryView
 *
 * Returns: (transfer none): its timeline of the next 24 hours
 */
ChkRunTimeline *
chk_history_view_get_timeline (ChkHistoryView *self)
{
  g_return_val_if_fail (CHK_IS_HISTORY_VIEW (self), NULL);
  return self->timeline;
}

/**
 * chk_history_view_get_n_loads:
 * @self: a #ChkHistoryView
 *
 * Returns: how many times the days were counted and shown, for tests
 */
guint
chk_history_view_get_n_loads (ChkHistoryView *self)
{
  g_return_val_if_fail (CHK_IS_HISTORY_VIEW (self), 0);
  return self->n_loads;
}
