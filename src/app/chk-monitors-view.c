/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "chk-job-item.h"
#include "chk-monitor-row.h"
#include "chk-monitors-view.h"

/**
 * ChkMonitorsView:
 *
 * The Monitors view: the jobs that are monitors (`is-monitor`), each a
 * #ChkMonitorRow with its health, live; an empty state that says what a
 * monitor is; "no results" when the window's search hides them all.
 *
 * It filters the window's jobs through the window's own filter (search,
 * jobs being deleted) and sorts them with the window's sorter, so that
 * search and Sort By mean the same in both views, except that monitors
 * requiring attention come first. The window follows its selection
 * (chk_monitors_view_get_selection()); activating a row runs
 * `win.show-job` with the job's object path.
 */
struct _ChkMonitorsView
{
  GtkWidget            parent_instance;

  GListModel          *jobs;
  GtkCustomFilter     *monitor_filter;
  GtkCustomSorter     *failing_sorter;
  GtkFilterListModel  *filter_model;
  GtkSortListModel    *sort_model;
  GtkSingleSelection  *selection;
  gboolean             searching;

  GtkStack            *stack;
  GtkListView         *list_view;
};

G_DEFINE_FINAL_TYPE (ChkMonitorsView, chk_monitors_view, GTK_TYPE_WIDGET)

static gboolean
monitor_filter_func (gpointer item,
                     gpointer user_data)
{
  return chk_job1_get_is_monitor (CHK_JOB1 (item));
}

static gboolean
monitor_failing (ChkJob1 *job)
{
  gboolean failing;

  /* A check under way keeps the place its last result gave the row,
   * rather than jumping down and back while it runs. */
  if (chk_job1_get_running (job))
    return GPOINTER_TO_INT (g_object_get_data (G_OBJECT (job), "chk-monitor-failing"));

  failing = chk_monitor_state (job) == CHK_MONITOR_STATE_FAILING;
  g_object_set_data (G_OBJECT (job), "chk-monitor-failing", GINT_TO_POINTER (failing));
  return failing;
}

/* What requires attention first; the window's order within each part. */
static int
failing_sort_func (gconstpointer a,
                   gconstpointer b,
                   gpointer      user_data)
{
  gboolean failing_a = monitor_failing (CHK_JOB1 ((gpointer) a));
  gboolean failing_b = monitor_failing (CHK_JOB1 ((gpointer) b));

  return failing_a == failing_b ? 0 : failing_a ? -1 : 1;
}

static void
update_page (ChkMonitorsView *self)
{
  guint shown = 0;

  if (self->sort_model != NULL)
    shown = g_list_model_get_n_items (G_LIST_MODEL (self->sort_model));

  if (shown > 0)
    gtk_stack_set_visible_child_name (self->stack, "monitors");
  else if (self->searching)
    gtk_stack_set_visible_child_name (self->stack, "monitors-no-results");
  else
    gtk_stack_set_visible_child_name (self->stack, "monitors-empty");
}

static void
items_changed_cb (GListModel      *list,
                  guint            position,
                  guint            removed,
                  guint            added,
                  ChkMonitorsView *self)
{
  update_page (self);
}

static void
factory_setup_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  ChkMonitorsView          *self)
{
  gtk_list_item_set_child (item, chk_monitor_row_new ());
}

static void
factory_bind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 ChkMonitorsView          *self)
{
  chk_monitor_row_set_job (CHK_MONITOR_ROW (gtk_list_item_get_child (item)),
                           gtk_list_item_get_item (item));
}

static void
factory_unbind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   ChkMonitorsView          *self)
{
  chk_monitor_row_set_job (CHK_MONITOR_ROW (gtk_list_item_get_child (item)), NULL);
}

static void
list_activate_cb (GtkListView     *list,
                  guint            position,
                  ChkMonitorsView *self)
{
  g_autoptr(ChkJob1) job = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (job == NULL)
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), "win.show-job", "s",
                              chk_job_get_object_path (job));
}

static void
clear_model (ChkMonitorsView *self)
{
  if (self->sort_model != NULL)
    g_signal_handlers_disconnect_by_data (self->sort_model, self);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->sort_model);
  g_clear_object (&self->filter_model);
  g_clear_object (&self->jobs);
}

static void
chk_monitors_view_dispose (GObject *object)
{
  ChkMonitorsView *self = CHK_MONITORS_VIEW (object);

  clear_model (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHK_TYPE_MONITORS_VIEW);
  g_clear_object (&self->monitor_filter);
  g_clear_object (&self->failing_sorter);

  G_OBJECT_CLASS (chk_monitors_view_parent_class)->dispose (object);
}

static void
chk_monitors_view_class_init (ChkMonitorsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chk_monitors_view_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/chroniker/Chroniker/chk-monitors-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ChkMonitorsView, stack);
  gtk_widget_class_bind_template_child (widget_class, ChkMonitorsView, list_view);
  gtk_widget_class_bind_template_callback (widget_class, list_activate_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
chk_monitors_view_init (ChkMonitorsView *self)
{
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->monitor_filter = gtk_custom_filter_new (monitor_filter_func, NULL, NULL);
  self->failing_sorter = gtk_custom_sorter_new (failing_sort_func, NULL, NULL);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (factory_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (factory_bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (factory_unbind_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);

  update_page (self);
}

/**
 * chk_monitors_view_set_model:
 * @self: a #ChkMonitorsView
 * @jobs: a #GListModel of every #ChkJob1
 * @filter: (nullable): which jobs may show at all (the window's search)
 * @sorter: (nullable): their order
 *
 * Shows the monitors among @jobs, live.
 */
void
chk_monitors_view_set_model (ChkMonitorsView *self,
                             GListModel      *jobs,
                             GtkFilter       *filter,
                             GtkSorter       *sorter)
{
  GtkEveryFilter *every;
  GtkMultiSorter *sorters;

  g_return_if_fail (CHK_IS_MONITORS_VIEW (self));
  g_return_if_fail (G_IS_LIST_MODEL (jobs));
  g_return_if_fail (filter == NULL || GTK_IS_FILTER (filter));
  g_return_if_fail (sorter == NULL || GTK_IS_SORTER (sorter));

  clear_model (self);

  every = gtk_every_filter_new ();
  gtk_multi_filter_append (GTK_MULTI_FILTER (every),
                           g_object_ref (GTK_FILTER (self->monitor_filter)));
  if (filter != NULL)
    gtk_multi_filter_append (GTK_MULTI_FILTER (every), g_object_ref (filter));

  sorters = gtk_multi_sorter_new ();
  gtk_multi_sorter_append (sorters, g_object_ref (GTK_SORTER (self->failing_sorter)));
  if (sorter != NULL)
    gtk_multi_sorter_append (sorters, g_object_ref (sorter));

  self->jobs = g_object_ref (jobs);
  self->filter_model = gtk_filter_list_model_new (g_object_ref (jobs), GTK_FILTER (every));
  self->sort_model = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->filter_model)),
                                              GTK_SORTER (sorters));
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->sort_model)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect (self->sort_model, "items-changed", G_CALLBACK (items_changed_cb), self);
  update_page (self);
}

/**
 * chk_monitors_view_set_searching:
 * @self: a #ChkMonitorsView
 * @searching: whether a search hides jobs
 *
 * With nothing to show, says "no results" while searching, and what a
 * monitor is otherwise.
 */
void
chk_monitors_view_set_searching (ChkMonitorsView *self,
                                 gboolean         searching)
{
  g_return_if_fail (CHK_IS_MONITORS_VIEW (self));

  self->searching = !!searching;
  update_page (self);
}

/**
 * chk_monitors_view_invalidate:
 * @self: a #ChkMonitorsView
 *
 * Looks again at which jobs are monitors, and which require attention,
 * after their properties changed.
 */
void
chk_monitors_view_invalidate (ChkMonitorsView *self)
{
  g_return_if_fail (CHK_IS_MONITORS_VIEW (self));

  gtk_filter_changed (GTK_FILTER (self->monitor_filter), GTK_FILTER_CHANGE_DIFFERENT);
  gtk_sorter_changed (GTK_SORTER (self->failing_sorter), GTK_SORTER_CHANGE_DIFFERENT);
  update_page (self);
}

/**
 * chk_monitors_view_refresh:
 * @self: a #ChkMonitorsView
 *
 * Redraws the relative times ("5 min ago") of the rows on screen.
 */
void
chk_monitors_view_refresh (ChkMonitorsView *self)
{
  g_return_if_fail (CHK_IS_MONITORS_VIEW (self));

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list_view));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *row = gtk_widget_get_first_child (child);

      if (row != NULL && CHK_IS_MONITOR_ROW (row))
        chk_monitor_row_refresh (CHK_MONITOR_ROW (row));
    }
}

/**
 * chk_monitors_view_select_job:
 * @self: a #ChkMonitorsView
 * @job: (nullable): the job the window shows
 *
 * Highlights @job's row, if it is a monitor shown here, and none otherwise.
 */
void
chk_monitors_view_select_job (ChkMonitorsView *self,
                              ChkJob1         *job)
{
  GListModel *list;

  g_return_if_fail (CHK_IS_MONITORS_VIEW (self));

  if (self->selection == NULL)
    return;

  list = G_LIST_MODEL (self->selection);
  for (guint i = 0; job != NULL && i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(ChkJob1) item = g_list_model_get_item (list, i);

      if (item == job)
        {
          gtk_single_selection_set_selected (self->selection, i);
          return;
        }
    }
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
}

/**
 * chk_monitors_view_get_selection:
 * @self: a #ChkMonitorsView
 *
 * Returns: (transfer none) (nullable): the selection of the monitors
 *   listed, in their order, once chk_monitors_view_set_model() was called
 */
GtkSingleSelection *
chk_monitors_view_get_selection (ChkMonitorsView *self)
{
  g_return_val_if_fail (CHK_IS_MONITORS_VIEW (self), NULL);
  return self->selection;
}

/**
 * chk_monitors_view_set_single_click_activate:
 * @self: a #ChkMonitorsView
 * @single_click_activate: whether a click opens a monitor (rather than
 *   selecting it)
 */
void
chk_monitors_view_set_single_click_activate (ChkMonitorsView *self,
                                             gboolean         single_click_activate)
{
  g_return_if_fail (CHK_IS_MONITORS_VIEW (self));
  gtk_list_view_set_single_click_activate (self->list_view, single_click_activate);
}

/**
 * chk_monitors_view_focus_list:
 * @self: a #ChkMonitorsView
 *
 * Moves the keyboard's focus to the selected monitor's row, or else to
 * the first.
 *
 * Returns: whether the focus moved
 */
gboolean
chk_monitors_view_focus_list (ChkMonitorsView *self)
{
  guint position;
  g_autoptr(ChkJob1) job = NULL;

  g_return_val_if_fail (CHK_IS_MONITORS_VIEW (self), FALSE);

  if (self->selection == NULL || g_list_model_get_n_items (G_LIST_MODEL (self->selection)) == 0)
    return FALSE;

  position = gtk_single_selection_get_selected (self->selection);
  if (position == GTK_INVALID_LIST_POSITION)
    position = 0;
  job = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", position);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list_view));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *row = gtk_widget_get_first_child (child);

      if (row != NULL && CHK_IS_MONITOR_ROW (row) && chk_monitor_row_get_job (CHK_MONITOR_ROW (row)) == job)
        return gtk_widget_grab_focus (child);
    }
  return gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
}
