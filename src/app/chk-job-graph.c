/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>

#include "chk-job-graph.h"
#include "chk-job-item.h"
#include "chk-job-link-watch.h"

/* Per column; beyond, the last box says how many more there are */
#define MAX_NODES 6
#define MIN_COLUMN 72
#define MAX_COLUMN 200
/* Between the columns, where the edges go */
#define COLUMN_GAP 48
#define ROW_GAP 8
#define LEGEND_GAP 10
#define ARROW 7.0
/* Between the edges of one link that is of more than one kind */
#define EDGE_SPREAD 4.0

/**
 * ChkJobGraph:
 *
 * The jobs linked to the one shown, drawn: in three columns, the jobs
 * that run before it (it waits for them, or they start it), the job
 * itself with what it does now, and the jobs that run after it; edges
 * from left to right say how, with a legend. A dependency is a plain
 * line, a job started on success a dashed one in the success colour, one
 * started on failure a dotted one in the error colour. Each linked job is
 * a button that opens its page (`win.show-job`), a Tab stop in column
 * order; arrow keys move between them by place. It hides when the job has
 * no links; the groups below list them all, so a column shows at most
 * %MAX_NODES.
 */

typedef enum
{
  COLUMN_UP,
  COLUMN_SELF,
  COLUMN_DOWN,
} Column;

typedef struct
{
  GtkWidget      *widget;
  Column          column;
  ChkJobLinkKind  kinds;
} Node;

struct _ChkJobGraph
{
  GtkWidget        parent_instance;

  ChkJobLinkWatch *watch;
  ChkJob1         *job;           /* whose state the middle box shows */
  GPtrArray       *nodes;         /* of Node: upstream, this job, downstream */
  Node            *self_node;
  GtkWidget       *self_name;
  GtkWidget       *self_state;
  GtkWidget       *legend;
  GtkWidget       *legend_items[3];
  GtkWidget       *legend_samples[3];
};

G_DEFINE_FINAL_TYPE (ChkJobGraph, chk_job_graph, GTK_TYPE_WIDGET)

static const ChkJobLinkKind kinds[] = {
  CHK_JOB_LINK_DEPENDS, CHK_JOB_LINK_ON_SUCCESS, CHK_JOB_LINK_ON_FAILURE,
};

static const char * const kind_classes[] = { "depends", "on-success", "on-failure" };

/* Drawing */

/* The colour and dashes of an edge of @kind, from @widget's style */
static void
set_edge_style (cairo_t        *cr,
                GtkWidget      *widget,
                ChkJobLinkKind  kind)
{
  GtkStyleContext *context = gtk_widget_get_style_context (widget);
  static const double dashes[] = { 6.0, 4.0 };
  static const double dots[] = { 1.5, 3.0 };
  GdkRGBA color;

  gtk_style_context_get_color (context, &color);
  cairo_set_line_width (cr, 1.5);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  switch (kind)
    {
    case CHK_JOB_LINK_ON_SUCCESS:
      gtk_style_context_lookup_color (context, "success_color", &color);
      cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0);
      break;
    case CHK_JOB_LINK_ON_FAILURE:
      gtk_style_context_lookup_color (context, "error_color", &color);
      cairo_set_line_width (cr, 2.0);
      cairo_set_dash (cr, dots, G_N_ELEMENTS (dots), 0);
      break;
    case CHK_JOB_LINK_DEPENDS:
    default:
      color.alpha *= 0.6;
      cairo_set_dash (cr, NULL, 0, 0);
      break;
    }
  gdk_cairo_set_source_rgba (cr, &color);
}

/* A curve from (@x0, @y0) to an arrow head at (@x1, @y1), left to right */
static void
draw_edge (cairo_t *cr,
           double   x0,
           double   y0,
           double   x1,
           double   y1)
{
  double half = (x1 - ARROW - x0) / 2;

  cairo_move_to (cr, x0, y0);
  cairo_curve_to (cr, x0 + half, y0, x1 - ARROW - half, y1, x1 - ARROW, y1);
  cairo_stroke (cr);
  cairo_move_to (cr, x1, y1);
  cairo_line_to (cr, x1 - ARROW, y1 - ARROW / 2);
  cairo_line_to (cr, x1 - ARROW, y1 + ARROW / 2);
  cairo_close_path (cr);
  cairo_fill (cr);
}

static void
draw_sample_cb (GtkDrawingArea *area,
                cairo_t        *cr,
                int             width,
                int             height,
                gpointer        user_data)
{
  set_edge_style (cr, GTK_WIDGET (area), GPOINTER_TO_UINT (user_data));
  draw_edge (cr, 1, height / 2.0, width - 1, height / 2.0);
}

static guint
count_kinds (ChkJobLinkKind link_kinds)
{
  guint n = 0;

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    n += (link_kinds & kinds[k]) != 0;
  return n;
}

/* The edges between the middle box and @column's boxes, one per kind of
 * link, their ends at the middle box spread over its height in the
 * boxes' order so that they do not cross. */
static void
draw_edges (ChkJobGraph *self,
            cairo_t     *cr,
            Column       column)
{
  graphene_rect_t middle;
  guint n_edges = 0;
  guint edge = 0;

  if (!gtk_widget_compute_bounds (self->self_node->widget, GTK_WIDGET (self), &middle))
    return;
  for (guint i = 0; i < self->nodes->len; i++)
    {
      Node *node = self->nodes->pdata[i];

      if (node->column == column)
        n_edges += count_kinds (node->kinds);
    }

  for (guint i = 0; i < self->nodes->len; i++)
    {
      Node *node = self->nodes->pdata[i];
      guint n_kinds = count_kinds (node->kinds);
      graphene_rect_t box;
      guint nth = 0;

      if (node->column != column || n_kinds == 0 ||
          !gtk_widget_compute_bounds (node->widget, GTK_WIDGET (self), &box))
        continue;
      for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
        {
          double at_box, at_middle;

          if ((node->kinds & kinds[k]) == 0)
            continue;
          at_box = box.origin.y + box.size.height / 2 +
                   (nth++ - (n_kinds - 1) / 2.0) * EDGE_SPREAD;
          at_middle = middle.origin.y + middle.size.height * ++edge / (n_edges + 1);
          set_edge_style (cr, GTK_WIDGET (self), kinds[k]);
          if (column == COLUMN_UP)
            draw_edge (cr, box.origin.x + box.size.width, at_box, middle.origin.x, at_middle);
          else
            draw_edge (cr, middle.origin.x + middle.size.width, at_middle, box.origin.x, at_box);
        }
    }
}

/* The nodes */

static Node *
add_node (ChkJobGraph    *self,
          GtkWidget      *widget,
          Column          column,
          ChkJobLinkKind  link_kinds)
{
  Node *node = g_new0 (Node, 1);

  node->widget = widget;
  node->column = column;
  node->kinds = link_kinds;
  gtk_widget_insert_before (widget, GTK_WIDGET (self), self->legend);
  g_ptr_array_add (self->nodes, node);
  return node;
}

static void
node_free (Node *node)
{
  gtk_widget_unparent (node->widget);
  g_free (node);
}

static void
add_link_node (ChkJobGraph *self,
               ChkJobLink  *link,
               Column       column)
{
  GtkWidget *button = gtk_button_new_with_label (link->name);
  g_autofree char *how = chk_job_link_describe (link->kinds, column == COLUMN_DOWN);
  g_autofree char *tooltip = NULL;
  g_autofree char *label = NULL;

  gtk_label_set_ellipsize (GTK_LABEL (gtk_button_get_child (GTK_BUTTON (button))),
                           PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (button, "chk-job-graph-node");
  gtk_widget_add_css_class (button, column == COLUMN_UP ? "upstream" : "downstream");
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      if ((link->kinds & kinds[k]) != 0)
        gtk_widget_add_css_class (button, kind_classes[k]);
    }
  if (link->job != NULL)
    {
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.show-job");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s",
                                        chk_job_get_object_path (link->job));
      tooltip = g_strdup (how);
      /* Translators: a job in the graph of linked jobs: its name, how it is
       * linked ("This job waits for it"), and what activating it does */
      label = g_strdup_printf (_("%s. %s. Shows its page."), link->name, how);
    }
  else
    {
      gtk_widget_set_sensitive (button, FALSE);
      tooltip = g_strdup_printf (_("%s · No job has this name"), how);
      /* Translators: a job in the graph of linked jobs that does not exist:
       * its name, how it is linked and that no job has its name */
      label = g_strdup_printf (_("%s. %s."), link->name, tooltip);
    }
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  add_node (self, button, column, link->kinds);
}

/* How many more jobs than a column shows there are */
static void
add_more_node (ChkJobGraph *self,
               guint        more,
               Column       column)
{
  /* Translators: in the graph of linked jobs, how many more there are
   * than it shows (they are listed below it) */
  g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "+%u more", "+%u more",
                                                        more), more);
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "chk-job-graph-more");
  gtk_widget_add_css_class (label, "dim-label");
  add_node (self, label, column, 0);
}

static void
add_column (ChkJobGraph *self,
            GPtrArray   *links,
            Column       column)
{
  gboolean full = links->len > MAX_NODES;

  for (guint i = 0; i < links->len && (!full || i < MAX_NODES - 1); i++)
    add_link_node (self, links->pdata[i], column);
  if (full)
    add_more_node (self, links->len - (MAX_NODES - 1), column);
}

static void
update_state (ChkJobGraph *self)
{
  const char *waiting_for = self->job != NULL ? chk_job1_get_waiting_for (self->job) : NULL;
  g_autofree char *state = NULL;

  gtk_label_set_text (GTK_LABEL (self->self_name),
                      self->job != NULL ? chk_job1_get_name (self->job) : "");
  if (self->job != NULL && chk_job1_get_running (self->job))
    state = g_strdup (_("Running"));
  else if (waiting_for != NULL && waiting_for[0] != '\0')
    state = g_strdup_printf (_("Waiting for %s"), waiting_for);
  gtk_label_set_text (GTK_LABEL (self->self_state), state != NULL ? state : "");
  gtk_widget_set_visible (self->self_state, state != NULL);
  gtk_widget_set_tooltip_text (self->self_state, state);
}

static void
update (ChkJobGraph *self)
{
  g_autoptr(GPtrArray) upstream = chk_job_link_watch_collect (self->watch, FALSE);
  g_autoptr(GPtrArray) downstream = chk_job_link_watch_collect (self->watch, TRUE);
  ChkJobLinkKind shown = 0;
  guint middle;

  /* All but the middle box, which stays */
  if (g_ptr_array_find (self->nodes, self->self_node, &middle))
    g_ptr_array_steal_index (self->nodes, middle);
  g_ptr_array_set_size (self->nodes, 0);
  add_column (self, upstream, COLUMN_UP);
  g_ptr_array_add (self->nodes, self->self_node);
  add_column (self, downstream, COLUMN_DOWN);

  for (guint i = 0; i < self->nodes->len; i++)
    shown |= ((Node *) self->nodes->pdata[i])->kinds;
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    gtk_widget_set_visible (self->legend_items[k], (shown & kinds[k]) != 0);

  update_state (self);
  gtk_widget_set_visible (GTK_WIDGET (self), upstream->len + downstream->len > 0);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

static GtkWidget *
new_legend_item (ChkJobGraph    *self,
                 guint           k,
                 const char     *text)
{
  GtkWidget *item = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *sample = gtk_drawing_area_new ();

  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (sample), 28);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (sample), 10);
  gtk_widget_set_valign (sample, GTK_ALIGN_CENTER);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (sample), draw_sample_cb,
                                  GUINT_TO_POINTER (kinds[k]), NULL);
  gtk_box_append (GTK_BOX (item), sample);
  gtk_box_append (GTK_BOX (item), gtk_label_new (text));
  gtk_widget_add_css_class (item, kind_classes[k]);
  self->legend_samples[k] = sample;
  return item;
}

/* Layout */

/* The width of each column when the graph is @width wide */
static int
column_width (int width)
{
  return MAX (MIN_COLUMN, (width - 2 * COLUMN_GAP) / 3);
}

static int
node_height (Node *node,
             int   width)
{
  int height;

  gtk_widget_measure (node->widget, GTK_ORIENTATION_VERTICAL, width, NULL, &height, NULL, NULL);
  return height;
}

/* The height of the tallest column, its boxes @width wide */
static int
columns_height (ChkJobGraph *self,
                int          width)
{
  int heights[3] = { 0, 0, 0 };

  for (guint i = 0; i < self->nodes->len; i++)
    {
      Node *node = self->nodes->pdata[i];

      heights[node->column] += (heights[node->column] > 0 ? ROW_GAP : 0) +
                               node_height (node, width);
    }
  return MAX (heights[COLUMN_UP], MAX (heights[COLUMN_SELF], heights[COLUMN_DOWN]));
}

static void
chk_job_graph_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  ChkJobGraph *self = CHK_JOB_GRAPH (widget);
  int legend_min, legend_nat;

  gtk_widget_measure (self->legend, orientation, -1, &legend_min, &legend_nat, NULL, NULL);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      int column = MIN_COLUMN;

      for (guint i = 0; i < self->nodes->len; i++)
        {
          Node *node = self->nodes->pdata[i];
          int node_natural;

          gtk_widget_measure (node->widget, orientation, -1, NULL, &node_natural, NULL, NULL);
          column = MAX (column, MIN (node_natural, MAX_COLUMN));
        }
      *minimum = MAX (3 * MIN_COLUMN + 2 * COLUMN_GAP, legend_min);
      *natural = MAX (3 * column + 2 * COLUMN_GAP, legend_nat);
    }
  else
    {
      int width = for_size;
      int width_min;

      if (width < 0)
        chk_job_graph_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &width_min, &width,
                               NULL, NULL);
      *minimum = *natural = columns_height (self, column_width (width)) + LEGEND_GAP + legend_nat;
    }
}

static void
chk_job_graph_size_allocate (GtkWidget *widget,
                             int        width,
                             int        height,
                             int        baseline)
{
  ChkJobGraph *self = CHK_JOB_GRAPH (widget);
  int column = column_width (width);
  int gap = MAX (0, (width - 3 * column) / 2);
  int legend_height;
  int area;

  gtk_widget_measure (self->legend, GTK_ORIENTATION_VERTICAL, width, NULL, &legend_height, NULL,
                      NULL);
  area = columns_height (self, column);
  gtk_widget_allocate (self->legend, width, legend_height, -1,
                       gsk_transform_translate (NULL, &GRAPHENE_POINT_INIT (0, area + LEGEND_GAP)));

  for (int c = COLUMN_UP; c <= COLUMN_DOWN; c++)
    {
      int y = 0;

      for (guint i = 0; i < self->nodes->len; i++)
        {
          Node *node = self->nodes->pdata[i];

          if (node->column == (Column) c)
            y += (y > 0 ? ROW_GAP : 0) + node_height (node, column);
        }
      /* Centred in the tallest column's height */
      y = (area - y) / 2;
      for (guint i = 0; i < self->nodes->len; i++)
        {
          Node *node = self->nodes->pdata[i];
          int node_h;

          if (node->column != (Column) c)
            continue;
          node_h = node_height (node, column);
          gtk_widget_allocate (node->widget, column, node_h, -1,
                               gsk_transform_translate (NULL,
                                                        &GRAPHENE_POINT_INIT (c * (column + gap),
                                                                              y)));
          y += node_h + ROW_GAP;
        }
    }
}

static void
chk_job_graph_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  ChkJobGraph *self = CHK_JOB_GRAPH (widget);
  cairo_t *cr;

  cr = gtk_snapshot_append_cairo (snapshot,
                                  &GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (widget),
                                                       gtk_widget_get_height (widget)));
  draw_edges (self, cr, COLUMN_UP);
  draw_edges (self, cr, COLUMN_DOWN);
  cairo_destroy (cr);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    gtk_widget_snapshot_child (widget, child, snapshot);
}

/* Tab goes down the columns, left to right, rather than across by place */
static gboolean
chk_job_graph_focus (GtkWidget        *widget,
                     GtkDirectionType  direction)
{
  ChkJobGraph *self = CHK_JOB_GRAPH (widget);
  GtkWidget *focus_child = gtk_widget_get_focus_child (widget);
  gboolean forward = direction == GTK_DIR_TAB_FORWARD;
  gboolean past = focus_child == NULL;
  guint n = self->nodes->len;

  if (direction != GTK_DIR_TAB_FORWARD && direction != GTK_DIR_TAB_BACKWARD)
    return GTK_WIDGET_CLASS (chk_job_graph_parent_class)->focus (widget, direction);

  for (guint i = 0; i < n; i++)
    {
      Node *node = self->nodes->pdata[forward ? i : n - 1 - i];

      if (!past)
        past = node->widget == focus_child;
      else if (gtk_widget_child_focus (node->widget, direction))
        return TRUE;
    }
  return FALSE;
}

/* The edges' colours come from the style, which the dark one changes */
static void
chk_job_graph_css_changed (GtkWidget         *widget,
                           GtkCssStyleChange *change)
{
  ChkJobGraph *self = CHK_JOB_GRAPH (widget);

  GTK_WIDGET_CLASS (chk_job_graph_parent_class)->css_changed (widget, change);
  gtk_widget_queue_draw (widget);
  for (guint k = 0; self->legend != NULL && k < G_N_ELEMENTS (self->legend_samples); k++)
    gtk_widget_queue_draw (self->legend_samples[k]);
}

static void
follow_job (ChkJobGraph *self,
            ChkJob1     *job)
{
  if (self->job != NULL)
    g_signal_handlers_disconnect_by_data (self->job, self);
  g_set_object (&self->job, job);
  if (job != NULL)
    g_signal_connect_swapped (job, "notify::running", G_CALLBACK (update_state), self);
}

/* GObject */

static void
chk_job_graph_dispose (GObject *object)
{
  ChkJobGraph *self = CHK_JOB_GRAPH (object);

  follow_job (self, NULL);
  if (self->watch != NULL)
    g_signal_handlers_disconnect_by_data (self->watch, self);
  g_clear_object (&self->watch);
  /* The middle box with the others */
  g_clear_pointer (&self->nodes, g_ptr_array_unref);
  self->self_node = NULL;
  g_clear_pointer (&self->legend, gtk_widget_unparent);

  G_OBJECT_CLASS (chk_job_graph_parent_class)->dispose (object);
}

static void
chk_job_graph_class_init (ChkJobGraphClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chk_job_graph_dispose;
  widget_class->measure = chk_job_graph_measure;
  widget_class->size_allocate = chk_job_graph_size_allocate;
  widget_class->snapshot = chk_job_graph_snapshot;
  widget_class->focus = chk_job_graph_focus;
  widget_class->css_changed = chk_job_graph_css_changed;

  gtk_widget_class_set_css_name (widget_class, "chk-job-graph");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
chk_job_graph_init (ChkJobGraph *self)
{
  GtkWidget *middle = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  const char *legend_texts[] = {
    _("Dependency"), _("Started on success"), _("Started on failure"),
  };

  self->watch = chk_job_link_watch_new ();
  g_signal_connect_swapped (self->watch, "changed", G_CALLBACK (update), self);
  self->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) node_free);

  self->legend = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 18);
  gtk_widget_set_halign (self->legend, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (self->legend, "chk-job-graph-legend");
  gtk_widget_add_css_class (self->legend, "caption");
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      self->legend_items[k] = new_legend_item (self, k, legend_texts[k]);
      gtk_box_append (GTK_BOX (self->legend), self->legend_items[k]);
    }
  gtk_widget_set_parent (self->legend, GTK_WIDGET (self));

  /* The job shown, with what it does now */
  self->self_name = gtk_label_new (NULL);
  gtk_label_set_ellipsize (GTK_LABEL (self->self_name), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (self->self_name, "heading");
  self->self_state = gtk_label_new (NULL);
  gtk_label_set_ellipsize (GTK_LABEL (self->self_state), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (self->self_state, "caption");
  gtk_box_append (GTK_BOX (middle), self->self_name);
  gtk_box_append (GTK_BOX (middle), self->self_state);
  gtk_widget_set_valign (middle, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (middle, "chk-job-graph-node");
  gtk_widget_add_css_class (middle, "current");
  self->self_node = add_node (self, middle, COLUMN_SELF, 0);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

/* Public API */

/**
 * chk_job_graph_new:
 *
 * Returns: (transfer floating): a graph of no job yet, hidden
 */
GtkWidget *
chk_job_graph_new (void)
{
  return g_object_new (CHK_TYPE_JOB_GRAPH, NULL);
}

/**
 * chk_job_graph_set_job:
 * @self: a #ChkJobGraph
 * @model: (nullable): the jobs, which the links are found among
 * @job: (nullable): the job shown in the middle
 */
void
chk_job_graph_set_job (ChkJobGraph *self,
                       ChkJobModel *model,
                       ChkJob1     *job)
{
  g_return_if_fail (CHK_IS_JOB_GRAPH (self));
  g_return_if_fail (model == NULL || CHK_IS_JOB_MODEL (model));
  g_return_if_fail (job == NULL || CHK_IS_JOB1 (job));

  follow_job (self, job);
  chk_job_link_watch_set_job (self->watch, model, job);
}
