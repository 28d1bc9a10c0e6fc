/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "chk-app-format.h"
#include "chk-draw-util.h"
#include "chk-duration.h"
#include "chk-duration-graph-private.h"
#include "chk-job-item.h"
#include "chk-job-page-private.h"
#include "chk-outcome.h"

/* The runs read: the newest ones that ended */
#define MAX_RUNS 60
/* A bar's slot at most, its gap, and its least height (a run of 0 s) */
#define MAX_SLOT 16
#define GAP 2
#define MIN_BAR 2
/* Above the bars: the scale's label, and the expected duration's */
#define TOP 22
#define HEIGHT 150
#define NONE G_MAXUINT

/**
 * ChkDurationGraph:
 *
 * How long a job's latest runs took, drawn: one bar per run that ended,
 * oldest on the left, as tall as it took and in the colour of its outcome
 * (success, failure, timeout and stopped each their own), under a line at
 * the job's expected duration when it has one. Hovering a bar says which
 * run it is; it is one Tab stop, where the arrow keys (Home, End) move from
 * run to run and Enter or a click emits #ChkDurationGraph::run-activated.
 * The run under the focus is #ChkDurationGraph:selected-text, for a label
 * under the graph, and #ChkDurationGraph:summary counts them all ("Last 50
 * runs: 47 succeeded, 3 failed; median 12 s"), for the group's description
 * and the accessible one.
 *
 * It reads the runs with Job1.ListRuns when it is given a job and when
 * chk_duration_graph_reload() says a run ended, and draws again only when
 * the runs read differ from the ones it has. Hidden while there are none.
 */

typedef struct
{
  guint64    id;
  gint64     started;
  gint64     duration;  /* µs */
  ChkOutcome outcome;
} Bar;

struct _ChkDurationGraph
{
  GtkWidget     parent_instance;

  ChkJob1      *job;
  GCancellable *cancellable;  /* the ListRuns under way */
  GArray       *bars;         /* of Bar, oldest first */
  guint         selected;     /* NONE or an index of bars */
  guint         hovered;
  char         *summary;
  char         *selected_text;
  guint         n_draws;
};

G_DEFINE_FINAL_TYPE (ChkDurationGraph, chk_duration_graph, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_SUMMARY,
  PROP_SELECTED_TEXT,
  N_PROPS
};

enum
{
  RUN_ACTIVATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Texts */

/* A run's duration, or "under 1 s" */
static char *
format_duration (gint64 duration)
{
  if (duration < G_USEC_PER_SEC)
    return g_strdup (_("under 1 s"));
  return chk_duration_format ((guint64) duration / G_USEC_PER_SEC);
}

static char *
bar_text (const Bar *bar)
{
  g_autofree char *when = _chk_job_page_format_time (bar->started, NULL, FALSE);
  g_autofree char *took = format_duration (bar->duration);

  /* Translators: a run in the graph of durations: its number, start,
   * duration and outcome, e.g. "Run 42 · Mon 3 Nov 2025, 14:02 · 12 s · Failed" */
  return g_strdup_printf (_("Run %" PRIu64 " · %s · %s · %s"), (uint64_t) bar->id, when, took,
                          chk_outcome_label (chk_outcome_to_string (bar->outcome)));
}

static int
compare_durations (gconstpointer a,
                   gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static char *
build_summary (GArray *bars)
{
  g_autoptr(GArray) durations = g_array_sized_new (FALSE, FALSE, sizeof (gint64), bars->len);
  g_autofree char *median = NULL;
  g_autofree char *runs = NULL;
  g_autofree char *succeeded = NULL;
  g_autofree char *failed = NULL;
  guint n_ok = 0, n_failed = 0, n = bars->len;

  if (n == 0)
    return g_strdup ("");
  for (guint i = 0; i < n; i++)
    {
      const Bar *bar = &g_array_index (bars, Bar, i);

      n_ok += bar->outcome == CHK_OUTCOME_SUCCESS;
      n_failed += chk_outcome_is_failure (bar->outcome);
      g_array_append_val (durations, bar->duration);
    }
  g_array_sort (durations, compare_durations);
  median = format_duration (g_array_index (durations, gint64, (n - 1) / 2));

  /* Translators: the start of "Last 50 runs: 47 succeeded, 3 failed; median 12 s" */
  runs = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Last run", "Last %u runs", n), n);
  succeeded = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u succeeded", "%u succeeded", n_ok),
                               n_ok);
  failed = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u failed", "%u failed", n_failed),
                            n_failed);
  /* Translators: how many runs, how many succeeded, how many failed, the
   * median duration: "Last 50 runs: 47 succeeded, 3 failed; median 12 s" */
  return g_strdup_printf (_("%s: %s, %s; median %s"), runs, succeeded, failed, median);
}

static void
update_texts (ChkDurationGraph *self)
{
  g_autofree char *summary = build_summary (self->bars);
  g_autofree char *selected = NULL;

  if (self->selected != NONE)
    selected = bar_text (&g_array_index (self->bars, Bar, self->selected));

  if (g_strcmp0 (summary, self->summary) != 0)
    {
      g_free (self->summary);
      self->summary = g_steal_pointer (&summary);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->summary, -1);
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
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MIN, 0.0,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MAX,
                                  (double) MAX (self->bars->len, 1) - 1,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_NOW,
                                  self->selected != NONE ? (double) self->selected : 0.0,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT,
                                  self->selected_text != NULL ? self->selected_text : "",
                                  -1);
}

/* Reading the runs */

static gboolean
bars_equal (GArray *a,
            GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      const Bar *x = &g_array_index (a, Bar, i), *y = &g_array_index (b, Bar, i);

      if (x->id != y->id || x->started != y->started || x->duration != y->duration ||
          x->outcome != y->outcome)
        return FALSE;
    }
  return TRUE;
}

/* The runs that ended, oldest first, from ListRuns' records (newest first) */
static GArray *
bars_from_records (GVariant *records)
{
  gsize n = g_variant_n_children (records);
  GArray *bars = g_array_sized_new (FALSE, TRUE, sizeof (Bar), n);

  for (gsize i = n; i > 0; i--)
    {
      g_autoptr(GVariant) record = g_variant_get_child_value (records, i - 1);
      const char *outcome = NULL;
      gint64 finished = 0;
      Bar bar = { 0 };

      g_variant_lookup (record, "id", "t", &bar.id);
      g_variant_lookup (record, "started", "x", &bar.started);
      g_variant_lookup (record, "finished", "x", &finished);
      g_variant_lookup (record, "outcome", "&s", &outcome);
      bar.outcome = chk_outcome_from_string (outcome);
      /* A skipped run did not run; one under way has not ended */
      if (!chk_outcome_is_finished (bar.outcome) || bar.outcome == CHK_OUTCOME_SKIPPED ||
          bar.started <= 0 || finished < bar.started)
        continue;
      bar.duration = finished - bar.started;
      g_array_append_val (bars, bar);
    }
  return bars;
}

static void
set_bars (ChkDurationGraph *self,
          GArray           *bars)
{
  guint64 selected_id = 0;

  if (bars_equal (self->bars, bars))
    return;

  if (self->selected != NONE)
    selected_id = g_array_index (self->bars, Bar, self->selected).id;
  g_array_unref (self->bars);
  self->bars = g_array_ref (bars);

  /* The run focused stays focused while it is drawn; else the label
   * under the graph says the newest. */
  self->selected = NONE;
  self->hovered = NONE;
  for (guint i = 0; selected_id != 0 && i < bars->len; i++)
    {
      if (g_array_index (bars, Bar, i).id == selected_id &&
          gtk_widget_has_focus (GTK_WIDGET (self)))
        self->selected = i;
    }
  if (self->selected == NONE && bars->len > 0)
    self->selected = bars->len - 1;

  gtk_widget_set_visible (GTK_WIDGET (self), bars->len > 0);
  update_texts (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
list_runs_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ChkDurationGraph) self = user_data;
  g_autoptr(GVariant) records = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) bars = NULL;

  if (!chk_job1_call_list_runs_finish (CHK_JOB1 (object), &records, result, &error))
    {
      /* The page says why the runs could not be listed; the graph keeps
       * what it had. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Could not read the runs to graph: %s", error->message);
      return;
    }
  if (!chk_job_has_proxy (self->job, object))
    return;
  bars = bars_from_records (records);
  set_bars (self, bars);
}

/* Drawing */

/* The colour of an outcome: as its style class (chk_outcome_style_class())
 * says, but a timeout apart from other failures */
static GdkRGBA
outcome_color (GtkWidget  *widget,
               ChkOutcome  outcome)
{
  switch (outcome)
    {
    case CHK_OUTCOME_SUCCESS:
      return chk_draw_named_color (widget, "success_color", "#26a269");
    case CHK_OUTCOME_TIMEOUT:
      return chk_draw_named_color (widget, "chk_timeout_color", "#9141ac");
    case CHK_OUTCOME_STOPPED:
      return chk_draw_named_color (widget, "warning_color", "#c64600");
    default:
      return chk_draw_named_color (widget, "error_color", "#c01c28");
    }
}

/* The bars' colours, by how much a run's outcome should catch the eye: a
 * column of many runs takes its worst */
enum
{
  BAR_SUCCESS,
  BAR_STOPPED,
  BAR_TIMEOUT,
  BAR_FAILURE,
  N_BAR_COLORS
};

static guint
bar_color (ChkOutcome outcome)
{
  switch (outcome)
    {
    case CHK_OUTCOME_SUCCESS:
      return BAR_SUCCESS;
    case CHK_OUTCOME_STOPPED:
      return BAR_STOPPED;
    case CHK_OUTCOME_TIMEOUT:
      return BAR_TIMEOUT;
    default:
      return BAR_FAILURE;
    }
}

static double
slot_width (ChkDurationGraph *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));

  if (self->bars->len == 0)
    return MAX_SLOT;
  return MIN ((double) MAX_SLOT, (double) width / self->bars->len);
}

static guint
bar_at (ChkDurationGraph *self,
        double            x)
{
  double slot = slot_width (self);
  int index = (int) (x / slot);

  if (x < 0 || index < 0 || (guint) index >= self->bars->len)
    return NONE;
  return (guint) index;
}

/* The top of the scale: the longest run or the expected duration, with room */
static gint64
scale_max (ChkDurationGraph *self)
{
  gint64 longest = 0;
  gint64 expected = self->job != NULL
                    ? (gint64) chk_job1_get_expected_duration (self->job) * G_USEC_PER_SEC : 0;

  for (guint i = 0; i < self->bars->len; i++)
    longest = MAX (longest, g_array_index (self->bars, Bar, i).duration);
  return MAX (MAX (longest, expected) * 11 / 10, G_USEC_PER_SEC);
}

/* @text with its bottom at @y; over a patch of @backdrop, if given, so
 * that it reads over the bars */
static void
append_text (GtkSnapshot *snapshot,
             GtkWidget   *widget,
             const char  *text,
             double       x,
             double       y,
             gboolean     right_aligned,
             GdkRGBA     *color,
             GdkRGBA     *backdrop)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
  PangoAttrList *attrs = pango_attr_list_new ();
  int width, height;

  pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  pango_layout_get_pixel_size (layout, &width, &height);
  x = right_aligned ? x - width : x;
  y -= height;
  if (backdrop != NULL)
    gtk_snapshot_append_color (snapshot, backdrop,
                               &GRAPHENE_RECT_INIT (x - 4, y, width + (right_aligned ? 4 : 8),
                                                    height));
  chk_draw_layout (snapshot, layout, x, y, color);
}

static void
chk_duration_graph_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  ChkDurationGraph *self = CHK_DURATION_GRAPH (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  double slot = slot_width (self);
  double area = height - TOP - 1;
  gint64 top = scale_max (self);
  guint expected = self->job != NULL ? chk_job1_get_expected_duration (self->job) : 0;
  g_autofree char *top_text = format_duration (top);
  GdkRGBA fg, dim, accent, colors[N_BAR_COLORS];

  self->n_draws++;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  dim = fg;
  dim.alpha *= 0.55;
  accent = chk_draw_named_color (widget, "accent_color", "#1c71d8");

  /* The scale: the top's duration, and the base line */
  append_text (snapshot, widget, top_text, 0, TOP - 4, FALSE, &dim, NULL);
  dim.alpha = fg.alpha * 0.15;
  gtk_snapshot_append_color (snapshot, &dim, &GRAPHENE_RECT_INIT (0, TOP, width, 1));
  gtk_snapshot_append_color (snapshot, &dim, &GRAPHENE_RECT_INIT (0, height - 1, width, 1));

  /* Looked up once, not per bar */
  colors[BAR_SUCCESS] = outcome_color (widget, CHK_OUTCOME_SUCCESS);
  colors[BAR_STOPPED] = outcome_color (widget, CHK_OUTCOME_STOPPED);
  colors[BAR_TIMEOUT] = outcome_color (widget, CHK_OUTCOME_TIMEOUT);
  colors[BAR_FAILURE] = outcome_color (widget, CHK_OUTCOME_FAILURE);
  if (slot >= 1)
    {
      for (guint i = 0; i < self->bars->len; i++)
        {
          const Bar *bar = &g_array_index (self->bars, Bar, i);
          double h = MAX ((double) MIN_BAR, area * bar->duration / top);
          double x = i * slot + (slot > 4 ? GAP / 2.0 : 0);
          double w = MAX (slot - (slot > 4 ? GAP : 0), 1.0);
          GdkRGBA color = colors[bar_color (bar->outcome)];

          if (i == self->hovered && i != self->selected)
            color.alpha *= 0.7;
          gtk_snapshot_append_color (snapshot, &color,
                                     &GRAPHENE_RECT_INIT (x, height - 1 - h, w, h));
        }
    }
  else
    {
      /* More runs than pixels: a bar per pixel column, as tall as its
       * longest run, in the colour of its worst outcome */
      for (int column = 0; column < width; column++)
        {
          guint from = (guint) (column / slot), to = MIN ((guint) ((column + 1) / slot),
                                                           self->bars->len);
          gint64 longest = -1;
          guint worst = 0;

          for (guint i = from; i < to; i++)
            {
              const Bar *bar = &g_array_index (self->bars, Bar, i);

              longest = MAX (longest, bar->duration);
              worst = MAX (worst, bar_color (bar->outcome));
            }
          if (longest < 0)
            continue;
          gtk_snapshot_append_color (snapshot, &colors[worst],
                                     &GRAPHENE_RECT_INIT (column,
                                                          height - 1 - MAX ((double) MIN_BAR,
                                                                            area * longest / top),
                                                          1, MAX ((double) MIN_BAR,
                                                                  area * longest / top)));
        }
    }

  /* The run focused: a ring around its slot, the height of the graph */
  if (self->selected != NONE && gtk_widget_has_focus (widget))
    {
      GskRoundedRect ring;
      const float widths[4] = { 2, 2, 2, 2 };
      const GdkRGBA colors[4] = { accent, accent, accent, accent };

      gsk_rounded_rect_init_from_rect (&ring,
                                       &GRAPHENE_RECT_INIT (self->selected * slot - 1, TOP + 1,
                                                            slot + 2, area),
                                       2);
      gtk_snapshot_append_border (snapshot, &ring, widths, colors);
    }

  /* The expected duration: a dashed line, said at its right end */
  if (expected > 0)
    {
      g_autofree char *took = chk_duration_format (expected);
      /* Translators: the line in the graph at the job's expected duration */
      g_autofree char *text = g_strdup_printf (_("Expected %s"), took);
      double y = height - 1 - area * ((double) expected * G_USEC_PER_SEC) / top;

      GdkRGBA backdrop = chk_draw_named_color (widget, "window_bg_color", "#fafafa");

      backdrop.alpha = 0.85;
      for (double x = 0; x < width; x += 8)
        gtk_snapshot_append_color (snapshot, &fg, &GRAPHENE_RECT_INIT (x, y, 4, 1));
      append_text (snapshot, widget, text, width, y - 1, TRUE, &fg, &backdrop);
    }
}

static void
chk_duration_graph_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 120;
      *natural = MAX_SLOT * MAX_RUNS;
    }
  else
    {
      *minimum = *natural = HEIGHT;
    }
}

/* Input */

static void
select_bar (ChkDurationGraph *self,
            guint             index)
{
  if (index == self->selected || index >= self->bars->len)
    return;
  self->selected = index;
  update_texts (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
activate_selected (ChkDurationGraph *self)
{
  if (self->selected != NONE)
    g_signal_emit (self, signals[RUN_ACTIVATED], 0,
                   g_array_index (self->bars, Bar, self->selected).id);
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                ChkDurationGraph      *self)
{
  guint last = self->bars->len > 0 ? self->bars->len - 1 : 0;
  guint at = self->selected != NONE ? self->selected : last;

  if (self->bars->len == 0 || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return GDK_EVENT_PROPAGATE;
  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      select_bar (self, at > 0 ? at - 1 : 0);
      return GDK_EVENT_STOP;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      select_bar (self, MIN (at + 1, last));
      return GDK_EVENT_STOP;
    case GDK_KEY_Home:
    case GDK_KEY_KP_Home:
      select_bar (self, 0);
      return GDK_EVENT_STOP;
    case GDK_KEY_End:
    case GDK_KEY_KP_End:
      select_bar (self, last);
      return GDK_EVENT_STOP;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
    case GDK_KEY_space:
      activate_selected (self);
      return GDK_EVENT_STOP;
    default:
      return GDK_EVENT_PROPAGATE;
    }
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           ChkDurationGraph         *self)
{
  guint hovered = bar_at (self, x);

  if (hovered != self->hovered)
    {
      self->hovered = hovered;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
leave_cb (GtkEventControllerMotion *controller,
          ChkDurationGraph         *self)
{
  if (self->hovered != NONE)
    {
      self->hovered = NONE;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
released_cb (GtkGestureClick  *gesture,
             int               n_press,
             double            x,
             double            y,
             ChkDurationGraph *self)
{
  guint index = bar_at (self, x);

  if (index == NONE)
    return;
  gtk_widget_grab_focus (GTK_WIDGET (self));
  select_bar (self, index);
  activate_selected (self);
}

static gboolean
chk_duration_graph_query_tooltip (GtkWidget  *widget,
                                  int         x,
                                  int         y,
                                  gboolean    keyboard,
                                  GtkTooltip *tooltip)
{
  ChkDurationGraph *self = CHK_DURATION_GRAPH (widget);
  guint index = keyboard ? self->selected : bar_at (self, x);
  g_autofree char *text = NULL;

  if (index == NONE)
    return FALSE;
  text = bar_text (&g_array_index (self->bars, Bar, index));
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
focus_changed_cb (ChkDurationGraph *self)
{
  /* The newest run, when the focus comes in */
  if (gtk_widget_has_focus (GTK_WIDGET (self)) && self->selected == NONE &&
      self->bars->len > 0)
    select_bar (self, self->bars->len - 1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
expected_changed_cb (ChkDurationGraph *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* GObject */

static void
chk_duration_graph_dispose (GObject *object)
{
  ChkDurationGraph *self = CHK_DURATION_GRAPH (object);

  chk_duration_graph_set_job (self, NULL);

  G_OBJECT_CLASS (chk_duration_graph_parent_class)->dispose (object);
}

static void
chk_duration_graph_finalize (GObject *object)
{
  ChkDurationGraph *self = CHK_DURATION_GRAPH (object);

  g_clear_pointer (&self->bars, g_array_unref);
  g_clear_pointer (&self->summary, g_free);
  g_clear_pointer (&self->selected_text, g_free);

  G_OBJECT_CLASS (chk_duration_graph_parent_class)->finalize (object);
}

static void
chk_duration_graph_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ChkDurationGraph *self = CHK_DURATION_GRAPH (object);

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
chk_duration_graph_class_init (ChkDurationGraphClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chk_duration_graph_dispose;
  object_class->finalize = chk_duration_graph_finalize;
  object_class->get_property = chk_duration_graph_get_property;
  widget_class->snapshot = chk_duration_graph_snapshot;
  widget_class->measure = chk_duration_graph_measure;
  widget_class->query_tooltip = chk_duration_graph_query_tooltip;

  /**
   * ChkDurationGraph:summary:
   *
   * The runs drawn, counted: "Last 50 runs: 47 succeeded, 3 failed; median 12 s".
   */
  properties[PROP_SUMMARY] =
    g_param_spec_string ("summary", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkDurationGraph:selected-text:
   *
   * The run focused (or clicked) in words, %NULL while there is none.
   */
  properties[PROP_SELECTED_TEXT] =
    g_param_spec_string ("selected-text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ChkDurationGraph::run-activated:
   * @self: the graph
   * @run_id: the run
   *
   * A run's bar was clicked, or Enter pressed on it: show the run.
   */
  signals[RUN_ACTIVATED] = g_signal_new ("run-activated", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 1, G_TYPE_UINT64);

  gtk_widget_class_set_css_name (widget_class, "chk-duration-graph");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_SLIDER);
}

static void
chk_duration_graph_init (ChkDurationGraph *self)
{
  GtkEventController *controller;
  GtkGesture *click;

  self->bars = g_array_new (FALSE, TRUE, sizeof (Bar));
  self->selected = NONE;
  self->hovered = NONE;
  self->summary = g_strdup ("");

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Run Durations"), -1);

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (controller, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  g_signal_connect (self, "notify::has-focus", G_CALLBACK (focus_changed_cb), NULL);
}

/* Public API */

/**
 * chk_duration_graph_new:
 *
 * Returns: (transfer full): a new graph, hidden until it has a job with runs
 */
GtkWidget *
chk_duration_graph_new (void)
{
  return g_object_new (CHK_TYPE_DURATION_GRAPH, NULL);
}

/**
 * chk_duration_graph_set_job:
 * @self: a #ChkDurationGraph
 * @job: (nullable): the job whose runs to draw
 *
 * Draws @job's latest runs once they are read; the read under way for
 * the job before is cancelled.
 */
void
chk_duration_graph_set_job (ChkDurationGraph *self,
                            ChkJob1          *job)
{
  g_autoptr(GArray) none = NULL;

  g_return_if_fail (CHK_IS_DURATION_GRAPH (self));
  g_return_if_fail (job == NULL || CHK_IS_JOB1 (job));

  if (job == self->job)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->job != NULL)
    g_signal_handlers_disconnect_by_data (self->job, self);
  g_set_object (&self->job, job);

  none = g_array_new (FALSE, TRUE, sizeof (Bar));
  self->selected = NONE;
  set_bars (self, none);
  if (job != NULL)
    {
      g_signal_connect_swapped (job, "notify::expected-duration",
                                G_CALLBACK (expected_changed_cb), self);
      chk_duration_graph_reload (self);
    }
}

/**
 * chk_duration_graph_reload:
 * @self: a #ChkDurationGraph
 *
 * Reads the job's latest runs again (a run ended); draws them only if they
 * changed.
 */
void
chk_duration_graph_reload (ChkDurationGraph *self)
{
  g_return_if_fail (CHK_IS_DURATION_GRAPH (self));

  if (self->job == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  chk_job1_call_list_runs (chk_job_get_proxy (self->job), 0, MAX_RUNS, self->cancellable,
                           list_runs_cb, g_object_ref (self));
}

/**
 * chk_duration_graph_get_summary:
 * @self: a #ChkDurationGraph
 *
 * Returns: the runs drawn, counted; "" when there are none
 */
const char *
chk_duration_graph_get_summary (ChkDurationGraph *self)
{
  g_return_val_if_fail (CHK_IS_DURATION_GRAPH (self), NULL);
  return self->summary;
}

/**
 * chk_duration_graph_get_selected_text:
 * @self: a #ChkDurationGraph
 *
 * Returns: (nullable): the run focused, in words
 */
const char *
chk_duration_graph_get_selected_text (ChkDurationGraph *self)
{
  g_return_val_if_fail (CHK_IS_DURATION_GRAPH (self), NULL);
  return self->selected_text;
}

/**
 * chk_duration_graph_get_n_bars:
 * @self: a #ChkDurationGraph
 *
 * Returns: how many runs are drawn
 */
guint
chk_duration_graph_get_n_bars (ChkDurationGraph *self)
{
  g_return_val_if_fail (CHK_IS_DURATION_GRAPH (self), 0);
  return self->bars->len;
}

/**
 * chk_duration_graph_get_bar_run:
 * @self: a #ChkDurationGraph
 * @index: a bar, from 0 for the oldest
 * @outcome: (out) (optional) (transfer none): its run's outcome
 * @duration: (out) (optional): how long it took, µs
 *
 * Returns: the id of the bar's run
 */
guint64
chk_duration_graph_get_bar_run (ChkDurationGraph *self,
                                guint             index,
                                const char      **outcome,
                                gint64           *duration)
{
  const Bar *bar;

  g_return_val_if_fail (CHK_IS_DURATION_GRAPH (self), 0);
  g_return_val_if_fail (index < self->bars->len, 0);

  bar = &g_array_index (self->bars, Bar, index);
  if (outcome != NULL)
    *outcome = chk_outcome_to_string (bar->outcome);
  if (duration != NULL)
    *duration = bar->duration;
  return bar->id;
}

/**
 * chk_duration_graph_select:
 * @self: a #ChkDurationGraph
 * @index: a bar, from 0 for the oldest
 *
 * Focuses a run, as the arrow keys do.
 */
void
chk_duration_graph_select (ChkDurationGraph *self,
                           guint             index)
{
  g_return_if_fail (CHK_IS_DURATION_GRAPH (self));
  select_bar (self, index);
}

/*< private >
 * chk_duration_graph_get_n_draws:
 * @self: a #ChkDurationGraph
 *
 * Returns: how many times it was drawn, for the tests that check that it
 *   is not drawn again for nothing
 */
guint
chk_duration_graph_get_n_draws (ChkDurationGraph *self)
{
  g_return_val_if_fail (CHK_IS_DURATION_GRAPH (self), 0);
  return self->n_draws;
}

/**
 * _chk_duration_graph_set_records:
 * @self: a #ChkDurationGraph
 * @records: runs as Job1.ListRuns gives them (aa{sv}, newest first)
 *
 * Draws these runs, as if read: for benchmarks, which give it more runs
 * than the page reads.
 */
void
_chk_duration_graph_set_records (ChkDurationGraph *self,
                                 GVariant         *records)
{
  g_autoptr(GArray) bars = bars_from_records (records);

  set_bars (self, bars);
}
