/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>

#include "chk-draw-util.h"
#include "chk-item-signals.h"
#include "chk-run-timeline-private.h"

#define DAY ((gint64) 24 * 60 * 60 * G_USEC_PER_SEC)
/* Runs of different jobs this close together are drawn as happening at once */
#define COLLIDE ((gint64) 5 * 60 * G_USEC_PER_SEC)
/* Occurrences asked for per job: a job every quarter hour fills the day */
#define MAX_PER_JOB 96
#define MAX_LANES 12
/* After a job changes, wait this long for more before reading again */
#define RELOAD_DELAY_MS 300
#define LANE_HEIGHT 28
#define MAX_NAME 160
#define NAME_GAP 12
#define RIGHT_PAD 8
#define MARK_WIDTH 4
/* How close to a mark a pointer picks it */
#define PICK 6
#define NONE G_MAXUINT

/**
 * ChkRunTimeline:
 *
 * The runs of the next 24 hours, so that runs at the same time show: a
 * lane per job with runs in them (the first %MAX_LANES, soonest first, and
 * how many more), under the hours, local time, and a mark per run. Where
 * runs of different jobs fall within five minutes of each other, a band
 * marks the column and their marks take the warning colour.
 *
 * The runs are each enabled job's NextRun and, after it, its schedule's
 * next occurrences from Scheduler1.PreviewSchedule (at most %MAX_PER_JOB,
 * and only for jobs whose NextRun is in the next 24 hours). They are read
 * again a moment after a job's schedule, zone, name, NextRun or Enabled
 * changes, or jobs come and go, and once a minute while it shows.
 *
 * It is one Tab stop: the arrow keys go from run to run in a lane (left
 * and right) and from lane to lane (up and down), Home and End to a lane's
 * first and last; the run focused is #ChkRunTimeline:selected-text (and the
 * accessible value), for a caption under it. #ChkRunTimeline:summary counts
 * them for the group's description.
 */

typedef struct
{
  char   *name;
  GArray *times;  /* gint64 µs since the epoch, ascending */
} Lane;

typedef struct
{
  gint64 from;
  gint64 to;
  guint  n_jobs;
} Collision;

struct _ChkRunTimeline
{
  GtkWidget     parent_instance;

  ChkJobModel  *model;
  GListModel   *jobs;          /* the model's, followed */
  ChkItemSignals *watched;     /* the jobs, whose changes are followed */
  GCancellable *cancellable;   /* the reading under way */
  guint         reload_source;
  guint         minute_source;
  gboolean      stale;         /* changed while it did not show */

  gint64        start;         /* the window's, µs since the epoch */
  GPtrArray    *lanes;         /* of Lane, soonest first */
  GArray       *collisions;    /* of Collision, in time */
  guint         n_runs;
  guint         lane;          /* the run focused: its lane and index */
  guint         mark;
  char         *summary;
  char         *selected_text;
  guint         n_loads;
};

G_DEFINE_FINAL_TYPE (ChkRunTimeline, chk_run_timeline, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_SUMMARY,
  PROP_SELECTED_TEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
lane_free (Lane *lane)
{
  g_free (lane->name);
  g_array_unref (lane->times);
  g_free (lane);
}

static Lane *
lane_new (const char *name)
{
  Lane *lane = g_new0 (Lane, 1);

  lane->name = g_strdup (name);
  lane->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  return lane;
}

static gint64
lane_time (Lane  *lane,
           guint  mark)
{
  return g_array_index (lane->times, gint64, mark);
}

static guint
n_shown (ChkRunTimeline *self)
{
  return MIN (self->lanes->len, MAX_LANES);
}

/* Texts */

static char *
format_clock (gint64 when)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (when / G_USEC_PER_SEC);

  return g_date_time_format (time, "%H:%M");
}

static const Collision *
collision_at (ChkRunTimeline *self,
              gint64          when)
{
  for (guint i = 0; i < self->collisions->len; i++)
    {
      const Collision *collision = &g_array_index (self->collisions, Collision, i);

      if (when >= collision->from && when <= collision->to)
        return collision;
    }
  return NULL;
}

static char *
mark_text (ChkRunTimeline *self,
           guint           lane_index,
           guint           mark)
{
  Lane *lane = self->lanes->pdata[lane_index];
  gint64 when = lane_time (lane, mark);
  g_autofree char *clock = format_clock (when);
  const Collision *collision = collision_at (self, when);

  if (collision == NULL)
    /* Translators: a run in the timeline of the next 24 hours: the job's
     * name and the time, e.g. "Backup at 02:00" */
    return g_strdup_printf (_("%s at %s"), lane->name, clock);
  /* Translators: a run at the same time as other jobs' runs, e.g.
   * "Backup at 02:00, at once with 2 other jobs" */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s at %s, at once with %u other job",
                                       "%s at %s, at once with %u other jobs",
                                       collision->n_jobs - 1),
                          lane->name, clock, collision->n_jobs - 1);
}

static char *
build_summary (ChkRunTimeline *self)
{
  g_autofree char *runs = NULL;
  g_autofree char *jobs = NULL;
  g_autofree char *counted = NULL;
  guint n_collisions = self->collisions->len;

  if (self->n_runs == 0)
    return g_strdup ("");
  runs = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u run", "%u runs", self->n_runs),
                          self->n_runs);
  jobs = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u job", "%u jobs", self->lanes->len),
                          self->lanes->len);
  /* Translators: "12 runs of 5 jobs in the next 24 hours" */
  counted = g_strdup_printf (_("%s of %s in the next 24 hours"), runs, jobs);
  if (n_collisions == 0)
    return g_steal_pointer (&counted);
  /* Translators: the runs counted, then how many times several jobs run at
   * once: "12 runs of 5 jobs in the next 24 hours; 2 times with several at once" */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s; %u time with several at once",
                                       "%s; %u times with several at once", n_collisions),
                          counted, n_collisions);
}

static void
update_texts (ChkRunTimeline *self)
{
  g_autofree char *summary = build_summary (self);
  g_autofree char *selected = NULL;

  if (self->lane != NONE)
    selected = mark_text (self, self->lane, self->mark);

  if (g_strcmp0 (summary, self->summary) != 0)
    {
      g_free (self->summary);
      self->summary = g_steal_pointer (&summary);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      self->n_runs > 0 ? self->summary
                                                       : _("Nothing runs in the next 24 hours"),
                                      -1);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUMMARY]);
    }
  if (g_strcmp0 (selected, self->selected_text) != 0)
    {
      g_free (self->selected_text);
      self->selected_text = g_steal_pointer (&selected);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_TEXT]);
    }
  /* For a screen reader, the arrow keys move a value: the run focused */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT,
                                  self->selected_text != NULL ? self->selected_text : "",
                                  -1);
}

typedef struct
{
  gint64 when;
  guint  lane;
} Point;

static int
compare_points (gconstpointer a,
                gconstpointer b)
{
  const Point *x = a, *y = b;

  return (x->when > y->when) - (x->when < y->when);
}

/* Runs of several jobs, each group within COLLIDE of its first run */
static GArray *
find_collisions (GPtrArray *lanes)
{
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (Point));
  GArray *collisions = g_array_new (FALSE, FALSE, sizeof (Collision));
  guint i = 0;

  for (guint l = 0; l < lanes->len; l++)
    {
      Lane *lane = lanes->pdata[l];

      for (guint m = 0; m < lane->times->len; m++)
        {
          Point point = { lane_time (lane, m), l };

          g_array_append_val (all, point);
        }
    }
  g_array_sort (all, compare_points);

  while (i < all->len)
    {
      gint64 first = g_array_index (all, Point, i).when;
      Collision collision = { first, first, 0 };
      g_autoptr(GHashTable) jobs = g_hash_table_new (NULL, NULL);
      guint j = i;

      for (; j < all->len && g_array_index (all, Point, j).when - first <= COLLIDE; j++)
        {
          collision.to = g_array_index (all, Point, j).when;
          g_hash_table_add (jobs, GUINT_TO_POINTER (g_array_index (all, Point, j).lane + 1));
        }
      collision.n_jobs = g_hash_table_size (jobs);
      if (collision.n_jobs > 1)
        g_array_append_val (collisions, collision);
      i = j;
    }
  return collisions;
}

static int
compare_lanes (gconstpointer a,
               gconstpointer b)
{
  const Lane *x = *(Lane * const *) a, *y = *(Lane * const *) b;
  gint64 p = lane_time ((Lane *) x, 0), q = lane_time ((Lane *) y, 0);

  if (p != q)
    return (p > q) - (p < q);
  return g_utf8_collate (x->name, y->name);
}

/* Shows @lanes (taken), runs from @start on */
static void
set_lanes (ChkRunTimeline *self,
           GPtrArray      *lanes,
           gint64          start)
{
  g_autofree char *name = NULL;
  gint64 when = 0;

  /* The run focused stays focused while it is still there */
  if (self->lane != NONE)
    {
      name = g_strdup (((Lane *) self->lanes->pdata[self->lane])->name);
      when = lane_time (self->lanes->pdata[self->lane], self->mark);
    }

  for (guint i = lanes->len; i > 0; i--)
    {
      if (((Lane *) lanes->pdata[i - 1])->times->len == 0)
        g_ptr_array_remove_index (lanes, i - 1);
    }
  g_ptr_array_sort (lanes, compare_lanes);
  g_ptr_array_unref (self->lanes);
  self->lanes = lanes;
  g_array_unref (self->collisions);
  self->collisions = find_collisions (lanes);
  self->start = start;
  self->n_runs = 0;
  for (guint i = 0; i < lanes->len; i++)
    self->n_runs += ((Lane *) lanes->pdata[i])->times->len;

  self->lane = n_shown (self) > 0 ? 0 : NONE;
  self->mark = 0;
  for (guint l = 0; name != NULL && l < n_shown (self); l++)
    {
      Lane *lane = lanes->pdata[l];

      for (guint m = 0; m < lane->times->len && g_str_equal (lane->name, name); m++)
        {
          if (lane_time (lane, m) == when)
            {
              self->lane = l;
              self->mark = m;
            }
        }
    }

  self->n_loads++;
  gtk_widget_set_focusable (GTK_WIDGET (self), self->lane != NONE);
  update_texts (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/* Reading the runs */

typedef struct
{
  ChkRunTimeline *self;
  GCancellable   *cancellable;
  gint64          now;
  gint64          end;
  guint           pending;
  GPtrArray      *lanes;
} Load;

typedef struct
{
  Load   *load;
  Lane   *lane;
  gint64  next_run;
} Preview;

static void
load_unref_pending (Load *load)
{
  if (--load->pending > 0)
    return;
  if (!g_cancellable_is_cancelled (load->cancellable))
    set_lanes (load->self, g_steal_pointer (&load->lanes), load->now);
  g_clear_pointer (&load->lanes, g_ptr_array_unref);
  g_object_unref (load->cancellable);
  g_object_unref (load->self);
  g_free (load);
}

static void
preview_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Preview *preview = user_data;
  Load *load = preview->load;
  g_autoptr(GVariant) next_runs = NULL;
  g_autoptr(GError) error = NULL;

  if (chk_scheduler1_call_preview_schedule_finish (CHK_SCHEDULER1 (object), NULL, &next_runs,
                                                   result, &error))
    {
      gsize n = 0;
      const gint64 *times = g_variant_get_fixed_array (next_runs, &n, sizeof (gint64));
      GArray *lane_times = preview->lane->times;

      for (gsize i = 0; i < n; i++)
        {
          gint64 last = lane_times->len > 0 ? g_array_index (lane_times, gint64,
                                                             lane_times->len - 1) : 0;

          if (times[i] > preview->next_run && times[i] > last && times[i] >= load->now &&
              times[i] <= load->end)
            g_array_append_val (lane_times, times[i]);
        }
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* The lane keeps its NextRun */
      g_debug ("Could not preview %s's runs: %s", preview->lane->name, error->message);
    }
  g_free (preview);
  load_unref_pending (load);
}

/**
 * chk_run_timeline_reload:
 * @self: a #ChkRunTimeline
 *
 * Reads the runs of the next 24 hours again; the reading under way is
 * cancelled.
 */
void
chk_run_timeline_reload (ChkRunTimeline *self)
{
  ChkScheduler1 *scheduler;
  Load *load;

  g_return_if_fail (CHK_IS_RUN_TIMELINE (self));

  g_clear_handle_id (&self->reload_source, g_source_remove);
  self->stale = FALSE;
  scheduler = self->model != NULL ? chk_job_model_get_scheduler (self->model) : NULL;
  if (scheduler == NULL || self->jobs == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  load = g_new0 (Load, 1);
  load->self = g_object_ref (self);
  load->cancellable = g_object_ref (self->cancellable);
  load->now = g_get_real_time ();
  load->end = load->now + DAY;
  load->lanes = g_ptr_array_new_with_free_func ((GDestroyNotify) lane_free);
  load->pending = 1;  /* until every call is made */

  for (guint i = 0; i < g_list_model_get_n_items (self->jobs); i++)
    {
      g_autoptr(ChkJob1) job = g_list_model_get_item (self->jobs, i);
      gint64 next_run = chk_job1_get_next_run (job);
      Preview *preview;
      Lane *lane;

      if (!chk_job1_get_enabled (job) || next_run <= 0 || next_run > load->end)
        continue;
      lane = lane_new (chk_job1_get_name (job));
      g_ptr_array_add (load->lanes, lane);
      if (next_run >= load->now)
        g_array_append_val (lane->times, next_run);

      preview = g_new0 (Preview, 1);
      preview->load = load;
      preview->lane = lane;
      preview->next_run = next_run;
      load->pending++;
      chk_scheduler1_call_preview_schedule (scheduler, chk_job1_get_schedule (job),
                                            chk_job1_get_timezone (job),
                                            MAX (next_run, load->now), MAX_PER_JOB,
                                            self->cancellable, preview_cb, preview);
    }
  load_unref_pending (load);
}

static gboolean
reload_cb (gpointer user_data)
{
  ChkRunTimeline *self = user_data;

  self->reload_source = 0;
  chk_run_timeline_reload (self);
  return G_SOURCE_REMOVE;
}

/* A job changed: read again once the changes stop coming, while it shows */
static void
job_changed_cb (ChkRunTimeline *self)
{
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->stale = TRUE;
      return;
    }
  g_clear_handle_id (&self->reload_source, g_source_remove);
  self->reload_source = g_timeout_add (RELOAD_DELAY_MS, reload_cb, self);
}

static void
model_state_cb (ChkRunTimeline *self)
{
  GListModel *jobs = self->model != NULL ? chk_job_model_get_jobs (self->model) : NULL;

  if (jobs != self->jobs)
    {
      if (self->jobs != NULL)
        g_signal_handlers_disconnect_by_data (self->jobs, self);
      g_set_object (&self->jobs, jobs);
      chk_item_signals_set_model (self->watched, jobs);
      if (jobs != NULL)
        g_signal_connect_swapped (jobs, "items-changed", G_CALLBACK (job_changed_cb), self);
    }
  job_changed_cb (self);
}

static gboolean
minute_cb (gpointer user_data)
{
  chk_run_timeline_reload (CHK_RUN_TIMELINE (user_data));
  return G_SOURCE_CONTINUE;
}

/* Drawing */

static PangoLayout *
create_layout (GtkWidget  *widget,
               const char *text,
               int         width)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);

  if (width > 0)
    {
      pango_layout_set_width (layout, width * PANGO_SCALE);
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
    }
  return layout;
}

static int
text_height (GtkWidget *widget)
{
  g_autoptr(PangoLayout) layout = create_layout (widget, "M", -1);
  int height;

  pango_layout_get_pixel_size (layout, NULL, &height);
  return height;
}

/* Where the lanes start: after the widest name shown */
static int
lanes_left (ChkRunTimeline *self)
{
  int widest = 0;

  for (guint i = 0; i < n_shown (self); i++)
    {
      g_autoptr(PangoLayout) layout = create_layout (GTK_WIDGET (self),
                                                     ((Lane *) self->lanes->pdata[i])->name, -1);
      int width;

      pango_layout_get_pixel_size (layout, &width, NULL);
      widest = MAX (widest, width);
    }
  return MIN (widest, MAX_NAME) + NAME_GAP;
}

static int
lanes_top (ChkRunTimeline *self)
{
  return text_height (GTK_WIDGET (self)) + 6;
}

static double
x_of (ChkRunTimeline *self,
      int             left,
      int             width,
      gint64          when)
{
  return left + (double) (width - left - RIGHT_PAD) * (when - self->start) / DAY;
}

/* The hours, labelled as often as there is room for */
static void
append_hours (ChkRunTimeline *self,
              GtkSnapshot    *snapshot,
              int             left,
              int             bottom,
              GdkRGBA        *dim,
              GdkRGBA        *faint)
{
  static const int steps[] = { 1, 2, 3, 4, 6, 12 };
  GtkWidget *widget = GTK_WIDGET (self);
  int width = gtk_widget_get_width (widget);
  int top = lanes_top (self);
  g_autoptr(PangoLayout) sample = create_layout (widget, "00:00", -1);
  g_autoptr(GDateTime) start = g_date_time_new_from_unix_local (self->start / G_USEC_PER_SEC);
  g_autoptr(GDateTime) hour = g_date_time_new_local (g_date_time_get_year (start),
                                                     g_date_time_get_month (start),
                                                     g_date_time_get_day_of_month (start),
                                                     g_date_time_get_hour (start), 0, 0);
  double hour_width = (double) (width - left - RIGHT_PAD) / 24;
  int label_width, step = 24;

  pango_layout_get_pixel_size (sample, &label_width, NULL);
  for (guint i = G_N_ELEMENTS (steps); i > 0; i--)
    {
      if (steps[i - 1] * hour_width >= label_width + 12)
        step = steps[i - 1];
    }

  for (int i = 0; i <= 25; i++)
    {
      g_autoptr(GDateTime) tick = g_date_time_add_hours (hour, i);
      gint64 when = g_date_time_to_unix (tick) * G_USEC_PER_SEC;
      double x = x_of (self, left, width, when);

      if (when < self->start || when > self->start + DAY)
        continue;
      gtk_snapshot_append_color (snapshot, faint, &GRAPHENE_RECT_INIT (x, top - 3, 1,
                                                                       bottom - top + 3));
      if (g_date_time_get_hour (tick) % step == 0)
        {
          g_autofree char *text = g_date_time_format (tick, "%H:%M");
          g_autoptr(PangoLayout) layout = create_layout (widget, text, -1);

          chk_draw_layout (snapshot, layout,
                       CLAMP (x - label_width / 2.0, left, width - label_width), 0, dim);
        }
    }
}

static void
chk_run_timeline_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  ChkRunTimeline *self = CHK_RUN_TIMELINE (widget);
  int width = gtk_widget_get_width (widget);
  int left = lanes_left (self);
  int top = lanes_top (self);
  int bottom = top + (int) n_shown (self) * LANE_HEIGHT;
  GdkRGBA fg, dim, faint, accent, warning, band;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  dim = fg;
  dim.alpha *= 0.55;
  faint = fg;
  faint.alpha *= 0.12;
  accent = chk_draw_named_color (widget, "accent_color", "#1c71d8");
  warning = chk_draw_named_color (widget, "warning_color", "#9c6e03");
  band = warning;
  band.alpha *= 0.2;

  if (self->lanes->len == 0)
    {
      g_autoptr(PangoLayout) layout = create_layout (widget, _("Nothing runs in the next 24 hours"),
                                                     -1);

      chk_draw_layout (snapshot, layout, 0, 0, &dim);
      return;
    }

  append_hours (self, snapshot, left, bottom, &dim, &faint);

  /* Runs at once: a band over their column, behind the marks */
  for (guint i = 0; i < self->collisions->len; i++)
    {
      const Collision *collision = &g_array_index (self->collisions, Collision, i);
      double from = x_of (self, left, width, collision->from) - MARK_WIDTH / 2.0 - 1;
      double to = x_of (self, left, width, collision->to) + MARK_WIDTH / 2.0 + 1;
      GskRoundedRect rect;

      gsk_rounded_rect_init_from_rect (&rect, &GRAPHENE_RECT_INIT (from, top - 3, to - from,
                                                                   bottom - top + 3), 3);
      gtk_snapshot_push_rounded_clip (snapshot, &rect);
      gtk_snapshot_append_color (snapshot, &band, &rect.bounds);
      gtk_snapshot_pop (snapshot);
    }

  for (guint l = 0; l < n_shown (self); l++)
    {
      Lane *lane = self->lanes->pdata[l];
      int y = top + (int) l * LANE_HEIGHT;
      g_autoptr(PangoLayout) name = create_layout (widget, lane->name, MAX_NAME);

      chk_draw_layout (snapshot, name, 0, y + (LANE_HEIGHT - text_height (widget)) / 2.0, &fg);
      gtk_snapshot_append_color (snapshot, &faint,
                                 &GRAPHENE_RECT_INIT (left, y + LANE_HEIGHT / 2.0,
                                                      width - left - RIGHT_PAD, 1));
      for (guint m = 0; m < lane->times->len; m++)
        {
          gint64 when = lane_time (lane, m);
          double x = x_of (self, left, width, when);
          GskRoundedRect mark;

          gsk_rounded_rect_init_from_rect (&mark,
                                           &GRAPHENE_RECT_INIT (x - MARK_WIDTH / 2.0, y + 6,
                                                                MARK_WIDTH, LANE_HEIGHT - 12),
                                           MARK_WIDTH / 2.0);
          gtk_snapshot_push_rounded_clip (snapshot, &mark);
          gtk_snapshot_append_color (snapshot, collision_at (self, when) != NULL ? &warning
                                                                                 : &accent,
                                     &mark.bounds);
          gtk_snapshot_pop (snapshot);
        }
    }

  /* The run focused: a ring around its mark */
  if (self->lane != NONE && gtk_widget_has_focus (widget))
    {
      double x = x_of (self, left, width, lane_time (self->lanes->pdata[self->lane], self->mark));
      const float widths[4] = { 2, 2, 2, 2 };
      const GdkRGBA colors[4] = { accent, accent, accent, accent };
      GskRoundedRect ring;

      gsk_rounded_rect_init_from_rect (&ring,
                                       &GRAPHENE_RECT_INIT (x - MARK_WIDTH / 2.0 - 4,
                                                            top + self->lane * LANE_HEIGHT + 2,
                                                            MARK_WIDTH + 8, LANE_HEIGHT - 4),
                                       4);
      gtk_snapshot_append_border (snapshot, &ring, widths, colors);
    }

  if (self->lanes->len > MAX_LANES)
    {
      guint more = self->lanes->len - MAX_LANES;
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "+%u more job",
                                                            "+%u more jobs", more), more);
      g_autoptr(PangoLayout) layout = create_layout (widget, text, -1);

      chk_draw_layout (snapshot, layout, 0, bottom + 4, &dim);
    }
}

static void
chk_run_timeline_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  ChkRunTimeline *self = CHK_RUN_TIMELINE (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      g_autoptr(PangoLayout) empty = create_layout (widget, _("Nothing runs in the next 24 hours"),
                                                    -1);
      int width;

      pango_layout_get_pixel_size (empty, &width, NULL);
      *minimum = MAX (width, 320);
      *natural = MAX (width, 720);
    }
  else if (self->lanes->len == 0)
    {
      *minimum = *natural = text_height (widget);
    }
  else
    {
      *minimum = *natural = lanes_top (self) + (int) n_shown (self) * LANE_HEIGHT +
                            (self->lanes->len > MAX_LANES ? text_height (widget) + 4 : 0);
    }
}

/* Input */

static void
select_mark (ChkRunTimeline *self,
             guint           lane,
             guint           mark)
{
  if (lane >= n_shown (self) || mark >= ((Lane *) self->lanes->pdata[lane])->times->len ||
      (lane == self->lane && mark == self->mark))
    return;
  self->lane = lane;
  self->mark = mark;
  update_texts (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The run of @lane nearest in time to @when */
static guint
nearest_mark (ChkRunTimeline *self,
              guint           lane,
              gint64          when)
{
  GArray *times = ((Lane *) self->lanes->pdata[lane])->times;
  guint best = 0;

  for (guint m = 1; m < times->len; m++)
    {
      if (ABS (g_array_index (times, gint64, m) - when) <
          ABS (g_array_index (times, gint64, best) - when))
        best = m;
    }
  return best;
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                ChkRunTimeline        *self)
{
  guint lane = self->lane, mark = self->mark, last;
  gint64 when;

  if (lane == NONE || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return GDK_EVENT_PROPAGATE;
  last = ((Lane *) self->lanes->pdata[lane])->times->len - 1;
  when = lane_time (self->lanes->pdata[lane], mark);
  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      select_mark (self, lane, mark > 0 ? mark - 1 : 0);
      return GDK_EVENT_STOP;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      select_mark (self, lane, MIN (mark + 1, last));
      return GDK_EVENT_STOP;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      if (lane > 0)
        select_mark (self, lane - 1, nearest_mark (self, lane - 1, when));
      return GDK_EVENT_STOP;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      if (lane + 1 < n_shown (self))
        select_mark (self, lane + 1, nearest_mark (self, lane + 1, when));
      return GDK_EVENT_STOP;
    case GDK_KEY_Home:
    case GDK_KEY_KP_Home:
      select_mark (self, lane, 0);
      return GDK_EVENT_STOP;
    case GDK_KEY_End:
    case GDK_KEY_KP_End:
      select_mark (self, lane, last);
      return GDK_EVENT_STOP;
    default:
      return GDK_EVENT_PROPAGATE;
    }
}

/* The mark under (@x, @y), if any */
static gboolean
mark_at (ChkRunTimeline *self,
         double          x,
         double          y,
         guint          *lane,
         guint          *mark)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int left = lanes_left (self);
  double row = (y - lanes_top (self)) / LANE_HEIGHT;
  guint m;

  if (row < 0 || row >= n_shown (self))
    return FALSE;
  *lane = (guint) row;
  m = nearest_mark (self, *lane, self->start + (gint64) ((x - left) * DAY /
                                                         MAX (width - left - RIGHT_PAD, 1)));
  if (ABS (x_of (self, left, width, lane_time (self->lanes->pdata[*lane], m)) - x) > PICK)
    return FALSE;
  *mark = m;
  return TRUE;
}

static void
pressed_cb (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            ChkRunTimeline  *self)
{
  guint lane, mark;

  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (mark_at (self, x, y, &lane, &mark))
    select_mark (self, lane, mark);
}

static gboolean
chk_run_timeline_query_tooltip (GtkWidget  *widget,
                                int         x,
                                int         y,
                                gboolean    keyboard,
                                GtkTooltip *tooltip)
{
  ChkRunTimeline *self = CHK_RUN_TIMELINE (widget);
  guint lane = self->lane, mark = self->mark;
  g_autofree char *text = NULL;

  if (keyboard ? lane == NONE : !mark_at (self, x, y, &lane, &mark))
    return FALSE;
  text = mark_text (self, lane, mark);
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
focus_changed_cb (ChkRunTimeline *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* GObject */

static void
chk_run_timeline_map (GtkWidget *widget)
{
  ChkRunTimeline *self = CHK_RUN_TIMELINE (widget);

  GTK_WIDGET_CLASS (chk_run_timeline_parent_class)->map (widget);
  /* The window moves on as the minutes pass */
  chk_run_timeline_reload (self);
  self->minute_source = g_timeout_add_seconds (60, minute_cb, self);
}

static void
chk_run_timeline_unmap (GtkWidget *widget)
{
  ChkRunTimeline *self = CHK_RUN_TIMELINE (widget);

  g_clear_handle_id (&self->minute_source, g_source_remove);
  if (self->reload_source != 0)
    self->stale = TRUE;
  g_clear_handle_id (&self->reload_source, g_source_remove);
  GTK_WIDGET_CLASS (chk_run_timeline_parent_class)->unmap (widget);
}

static void
chk_run_timeline_dispose (GObject *object)
{
  ChkRunTimeline *self = CHK_RUN_TIMELINE (object);

  chk_run_timeline_set_model (self, NULL);
  g_clear_handle_id (&self->reload_source, g_source_remove);
  g_clear_handle_id (&self->minute_source, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (chk_run_timeline_parent_class)->dispose (object);
}

static void
chk_run_timeline_finalize (GObject *object)
{
  ChkRunTimeline *self = CHK_RUN_TIMELINE (object);

  chk_item_signals_free (self->watched);
  g_ptr_array_unref (self->lanes);
  g_array_unref (self->collisions);
  g_free (self->summary);
  g_free (self->selected_text);

  G_OBJECT_CLASS (chk_run_timeline_parent_class)->finalize (object);
}

static void
chk_run_timeline_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  ChkRunTimeline *self = CHK_RUN_TIMELINE (object);

  switch (prop_id)
    {
    case PROP_SUMMARY:
      g_value_set_string (value, self->summary);
      break;
    case PROP_SELECTED_TEXT:
      g_value_set_string (value, self->selected_text);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_run_timeline_class_init (ChkRunTimelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chk_run_timeline_dispose;
  object_class->finalize = chk_run_timeline_finalize;
  object_class->get_property = chk_run_timeline_get_property;
  widget_class->map = chk_run_timeline_map;
  widget_class->unmap = chk_run_timeline_unmap;
  widget_class->snapshot = chk_run_timeline_snapshot;
  widget_class->measure = chk_run_timeline_measure;
  widget_class->query_tooltip = chk_run_timeline_query_tooltip;

  /**
   * ChkRunTimeline:summary:
   *
   * The runs counted: "12 runs of 5 jobs in the next 24 hours; 2 times
   * with several at once", "" when there are none.
   */
  properties[PROP_SUMMARY] =
    g_param_spec_string ("summary", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkRunTimeline:selected-text:
   *
   * The run focused in words ("Backup at 02:00"), %NULL while there is none.
   */
  properties[PROP_SELECTED_TEXT] =
    g_param_spec_string ("selected-text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "chk-run-timeline");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_SLIDER);
}

static void
chk_run_timeline_init (ChkRunTimeline *self)
{
  GtkEventController *controller;
  GtkGesture *click;

  self->watched = chk_item_signals_new ((const char *[]) {
                                          "notify::next-run", "notify::schedule",
                                          "notify::timezone", "notify::enabled",
                                          "notify::name", NULL,
                                        },
                                        G_CALLBACK (job_changed_cb), self,
                                        G_CONNECT_SWAPPED);
  self->lanes = g_ptr_array_new_with_free_func ((GDestroyNotify) lane_free);
  self->collisions = g_array_new (FALSE, FALSE, sizeof (Collision));
  self->lane = NONE;
  self->summary = g_strdup ("");
  self->start = g_get_real_time ();

  gtk_widget_set_focusable (GTK_WIDGET (self), FALSE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Upcoming Runs"), -1);

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
  click = gtk_gesture_click_new ();
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  g_signal_connect (self, "notify::has-focus", G_CALLBACK (focus_changed_cb), NULL);
}

/* Public API */

/**
 * chk_run_timeline_new:
 *
 * Returns: (transfer full): a new timeline, empty until it has a model
 */
GtkWidget *
chk_run_timeline_new (void)
{
  return g_object_new (CHK_TYPE_RUN_TIMELINE, NULL);
}

/**
 * chk_run_timeline_set_model:
 * @self: a #ChkRunTimeline
 * @model: (nullable): the jobs whose runs to show
 *
 * Shows the runs of @model's jobs in the next 24 hours, when it shows.
 */
void
chk_run_timeline_set_model (ChkRunTimeline *self,
                            ChkJobModel    *model)
{
  g_return_if_fail (CHK_IS_RUN_TIMELINE (self));
  g_return_if_fail (model == NULL || CHK_IS_JOB_MODEL (model));

  if (self->model == model)
    return;
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_set_object (&self->model, model);
  if (model != NULL)
    g_signal_connect_swapped (model, "notify::state", G_CALLBACK (model_state_cb), self);
  model_state_cb (self);
  if (model == NULL)
    {
      chk_item_signals_set_model (self->watched, NULL);
      g_clear_object (&self->jobs);
    }
}

/**
 * chk_run_timeline_get_summary:
 * @self: a #ChkRunTimeline
 *
 * Returns: #ChkRunTimeline:summary
 */
const char *
chk_run_timeline_get_summary (ChkRunTimeline *self)
{
  g_return_val_if_fail (CHK_IS_RUN_TIMELINE (self), NULL);
  return self->summary;
}

/**
 * chk_run_timeline_get_selected_text:
 * @self: a #ChkRunTimeline
 *
 * Returns: (nullable): #ChkRunTimeline:selected-text
 */
const char *
chk_run_timeline_get_selected_text (ChkRunTimeline *self)
{
  g_return_val_if_fail (CHK_IS_RUN_TIMELINE (self), NULL);
  return self->selected_text;
}

/* For tests */

/**
 * _chk_run_timeline_describe:
 * @self: a #ChkRunTimeline
 *
 * Returns: (transfer full): every lane's runs, lane by lane in order and
 *   each in time: "backup:02:00!,sync:02:00!,mail:05:30", where "!" marks a
 *   run at once with another job's
 */
char *
_chk_run_timeline_describe (ChkRunTimeline *self)
{
  GString *text = g_string_new (NULL);

  for (guint l = 0; l < self->lanes->len; l++)
    {
      Lane *lane = self->lanes->pdata[l];

      for (guint m = 0; m < lane->times->len; m++)
        {
          g_autofree char *clock = format_clock (lane_time (lane, m));

          g_string_append_printf (text, "%s%s:%s%s", text->len > 0 ? "," : "", lane->name, clock,
                                  collision_at (self, lane_time (lane, m)) != NULL ? "!" : "");
        }
    }
  return g_string_free (text, FALSE);
}

/**
 * _chk_run_timeline_get_n_loads:
 * @self: a #ChkRunTimeline
 *
 * Returns: how many times the runs were read and shown
 */
guint
_chk_run_timeline_get_n_loads (ChkRunTimeline *self)
{
  return self->n_loads;
}

/**
 * _chk_run_timeline_select:
 * @self: a #ChkRunTimeline
 * @lane: a lane shown
 * @mark: a run of it, from 0
 *
 * Focuses that run, as the arrow keys do.
 */
void
_chk_run_timeline_select (ChkRunTimeline *self,
                          guint           lane,
                          guint           mark)
{
  select_mark (self, lane, mark);
}
