/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>

#include "chk-app-format.h"
#include "chk-error.h"
#include "chk-banner.h"
#include "chk-choice-keys.h"
#include "chk-collate.h"
#include "chk-duration.h"
#include "chk-history-view.h"
#include "chk-hosts-window.h"
#include "chk-job-editor.h"
#include "chk-job-item.h"
#include "chk-job-page.h"
#include "chk-job-row.h"
#include "chk-login-banner.h"
#include "chk-monitor-row.h"
#include "chk-monitors-view.h"
#include "chk-refresh-timer.h"
#include "chk-window.h"

/* How long a deleted job can be brought back before it is really deleted. */
#define UNDO_SECONDS 5

typedef enum
{
  FILTER_ALL,
  FILTER_FAILING,
  FILTER_RUNNING,
  FILTER_DISABLED,
} StatusFilter;

typedef enum
{
  SORT_NAME,
  SORT_NEXT_RUN,
  SORT_LAST_RUN,
} SortKey;

/**
 * ChkWindow:
 *
 * The main window: the list of jobs (search, status filters, sorting) or
 * of monitors (#ChkMonitorsView, the same search and sorting), and the
 * selected job's page, side by side on a wide screen and one at a time on
 * a narrow one.
 *
 * The page shows the job selected in the list shown, and nothing when
 * the search, a filter or the other view leaves none selected: a job
 * hidden from the list is never the one the actions work on. On a wide
 * window a click or the arrow keys select (and show) a job; folded, a
 * click opens it. The actions (run, stop, edit, duplicate, delete) work
 * on the selected job, so their shortcuts work from anywhere, and are
 * off while none is.
 */
struct _ChkWindow
{
  AdwApplicationWindow  parent_instance;

  ChkJobModel          *model;
  GtkFilterListModel   *filter_model;
  GtkSortListModel     *sort_model;
  GtkSingleSelection   *selection;
  GtkCustomFilter      *filter;         /* the job list's: status, and search_filter */
  GtkCustomFilter      *search_filter;  /* both lists': search, jobs being deleted */
  GtkCustomSorter      *sorter;
  GHashTable           *pending_deletes;  /* object path → ChkJob1 */
  StatusFilter          status_filter;
  SortKey               sort_key;
  ChkRefreshTimer      *refresh_timer;     /* the rows' relative times */
  guint                 invalidate_source;
  guint64               pending_run;      /* to show once the jobs are in */
  ChkScheduler1        *scheduler;        /* followed for StorageProblem */

  AdwToastOverlay      *toast_overlay;
  ChkBanner            *storage_banner;          /* over the job's page */
  ChkBanner            *sidebar_storage_banner;  /* over the list, when folded */
  ChkLoginBanner       *login_banner;            /* over the list */
  GtkStack             *main_stack;
  GtkSpinner           *connecting_spinner;
  AdwStatusPage        *failed_page;
  AdwViewSwitcherTitle *switcher_title;
  GtkWidget            *retry_button;
  AdwLeaflet           *leaflet;
  GtkWidget            *sidebar;
  GtkWidget            *content;
  GtkWidget            *new_button;
  GtkWidget            *filter_box;
  AdwViewStack         *view_stack;
  ChkMonitorsView      *monitors_view;
  ChkHistoryView       *history_view;
  GtkSearchBar         *search_bar;
  GtkSearchEntry       *search_entry;
  GtkStack             *list_stack;
  GtkListView          *job_list;
  AdwWindowTitle       *content_title;
  GtkStack             *content_stack;
  ChkJobPage           *job_page;
};

G_DEFINE_FINAL_TYPE (ChkWindow, chk_window, ADW_TYPE_APPLICATION_WINDOW)

static const char * const job_actions[] = {
  "win.run-job", "win.stop-job", "win.edit-job", "win.duplicate-job", "win.delete-job",
};

static gboolean
showing_monitors (ChkWindow *self)
{
  return g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack), "monitors") == 0;
}

/* The selection of the list shown (the jobs' or the monitors'). */
static GtkSingleSelection *
current_selection (ChkWindow *self)
{
  if (showing_monitors (self))
    return chk_monitors_view_get_selection (self->monitors_view);
  return self->selection;
}

/* The job the actions are for: the page's, if it is the one selected in
 * the list shown (which holds only what the search and filters let through). */
static ChkJob1 *
selected_job (ChkWindow *self)
{
  ChkJob1 *job = chk_job_page_get_job (self->job_page);
  GtkSingleSelection *selection = current_selection (self);

  if (job == NULL || selection == NULL || gtk_single_selection_get_selected_item (selection) != job)
    return NULL;
  return job;
}

static void
update_job_actions (ChkWindow *self)
{
  gboolean enabled = selected_job (self) != NULL;

  for (guint i = 0; i < G_N_ELEMENTS (job_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), job_actions[i], enabled);
}

static guint
find_position (GListModel *list,
               ChkJob1    *job)
{
  for (guint i = 0; job != NULL && i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(ChkJob1) item = g_list_model_get_item (list, i);

      if (item == job)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

/* Shows @job's page (or none), selected in both lists where they hold it;
 * with @navigate, brings the page into view on a folded window. */
static void
show_job (ChkWindow *self,
          ChkJob1   *job,
          gboolean   navigate)
{
  chk_job_page_set_job (self->job_page, self->model, job);
  /* Each list's selection follows, and then finds the page as it is. */
  gtk_single_selection_set_selected (self->selection,
                                     find_position (G_LIST_MODEL (self->selection), job));
  chk_monitors_view_select_job (self->monitors_view, job);

  if (job == NULL)
    {
      gtk_stack_set_visible_child_name (self->content_stack, "none");
      adw_window_title_set_title (self->content_title, "");
      if (adw_leaflet_get_folded (self->leaflet))
        adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
    }
  else
    {
      gtk_stack_set_visible_child_name (self->content_stack, "job");
      adw_window_title_set_title (self->content_title, chk_job1_get_name (job));
      if (navigate)
        adw_leaflet_set_visible_child (self->leaflet, self->content);
    }
  update_job_actions (self);
}

/* The page follows the selection of the list shown: a click, the arrow
 * keys, and a job going out of the list as the search or a filter
 * changes, or as the other view is shown. */
static void
follow_selection (ChkWindow *self)
{
  GtkSingleSelection *selection = current_selection (self);
  ChkJob1 *selected = selection != NULL ? gtk_single_selection_get_selected_item (selection) : NULL;

  if (selected != chk_job_page_get_job (self->job_page))
    show_job (self, selected, FALSE);
  else
    update_job_actions (self);
}

static void
selection_changed_cb (GtkSingleSelection *selection,
                      GParamSpec         *pspec,
                      ChkWindow          *self)
{
  if (selection == current_selection (self))
    follow_selection (self);
}

/* What both lists show: what the search finds, but no job being deleted. */
static gboolean
search_filter_func (gpointer item,
                    gpointer user_data)
{
  ChkWindow *self = user_data;
  ChkJob1 *job = item;
  const char *search = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  const char *name = chk_job1_get_name (job);

  if (g_hash_table_contains (self->pending_deletes, chk_job_get_object_path (job)))
    return FALSE;

  if (search != NULL && search[0] != '\0')
    {
      g_autofree char *needle = g_utf8_casefold (search, -1);
      g_autofree char *haystack = g_utf8_casefold (name ? name : "", -1);
      g_autofree char *description = g_utf8_casefold (chk_job1_get_description (job)
                                                      ? chk_job1_get_description (job) : "", -1);

      return strstr (haystack, needle) != NULL || strstr (description, needle) != NULL;
    }

  return TRUE;
}

static gboolean
filter_func (gpointer item,
             gpointer user_data)
{
  ChkWindow *self = user_data;
  ChkJob1 *job = item;

  switch (self->status_filter)
    {
    case FILTER_FAILING:
      if (!chk_job_is_failing (job))
        return FALSE;
      break;
    case FILTER_RUNNING:
      if (!chk_job1_get_running (job))
        return FALSE;
      break;
    case FILTER_DISABLED:
      if (chk_job1_get_enabled (job))
        return FALSE;
      break;
    case FILTER_ALL:
    default:
      break;
    }

  return search_filter_func (item, user_data);
}

/* Jobs without a time go last, whatever the time. */
static int
compare_times (gint64 a,
               gint64 b,
               gboolean newest_first)
{
  if (a == b)
    return 0;
  if (a == 0)
    return 1;
  if (b == 0)
    return -1;
  return (a < b) == !newest_first ? -1 : 1;
}

static int
sort_func (gconstpointer a,
           gconstpointer b,
           gpointer      user_data)
{
  ChkWindow *self = user_data;
  ChkJob1 *job_a = (ChkJob1 *) a;
  ChkJob1 *job_b = (ChkJob1 *) b;
  int result = 0;

  if (self->sort_key == SORT_NEXT_RUN)
    result = compare_times (chk_job1_get_next_run (job_a), chk_job1_get_next_run (job_b), FALSE);
  else if (self->sort_key == SORT_LAST_RUN)
    result = compare_times (chk_job1_get_last_run_started (job_a), chk_job1_get_last_run_started (job_b), TRUE);

  /* crontab-2 before crontab-10, Backup between alpha and cleanup */
  if (result == 0)
    result = chk_collate_natural (chk_job1_get_name (job_a) ? chk_job1_get_name (job_a) : "",
                                  chk_job1_get_name (job_b) ? chk_job1_get_name (job_b) : "");
  return result;
}

static void
update_list_page (ChkWindow *self)
{
  GListModel *all = chk_job_model_get_jobs (self->model);
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->sort_model));

  if (g_list_model_get_n_items (all) == 0)
    gtk_stack_set_visible_child_name (self->list_stack, "empty");
  else if (shown == 0)
    gtk_stack_set_visible_child_name (self->list_stack, "no-results");
  else
    gtk_stack_set_visible_child_name (self->list_stack, "list");
}

/* The Monitors tab counts the monitors that require attention. */
static void
update_monitors_badge (ChkWindow *self)
{
  GListModel *jobs = chk_job_model_get_jobs (self->model);
  AdwViewStackPage *page = adw_view_stack_get_page (self->view_stack,
                                                    GTK_WIDGET (self->monitors_view));
  guint failing = 0;

  for (guint i = 0; i < g_list_model_get_n_items (jobs); i++)
    {
      g_autoptr(ChkJob1) job = g_list_model_get_item (jobs, i);

      if (chk_job1_get_is_monitor (job) && chk_monitor_state (job) == CHK_MONITOR_STATE_FAILING)
        failing++;
    }

  adw_view_stack_page_set_badge_number (page, failing);
  adw_view_stack_page_set_needs_attention (page, failing > 0);
}

static void
refilter (ChkWindow        *self,
          GtkFilterChange   change)
{
  const char *search = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  chk_monitors_view_set_searching (self->monitors_view, search != NULL && search[0] != '\0');
  /* The monitors' filter holds this one; the job list's calls its function. */
  gtk_filter_changed (GTK_FILTER (self->search_filter), change);
  update_list_page (self);
}

static gboolean
invalidate_cb (gpointer user_data)
{
  ChkWindow *self = user_data;

  self->invalidate_source = 0;
  /* Times shown changed: when they next change too */
  chk_refresh_timer_queue (self->refresh_timer);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  refilter (self, GTK_FILTER_CHANGE_DIFFERENT);
  chk_monitors_view_invalidate (self->monitors_view);
  gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
  update_monitors_badge (self);
  return G_SOURCE_REMOVE;
}

/* Filters and order depend on properties that change: look again, once per burst. */
static void
queue_invalidate (ChkWindow *self)
{
  if (self->invalidate_source == 0)
    self->invalidate_source = g_timeout_add (200, invalidate_cb, self);
}

static void
job_property_changed_cb (ChkJob1    *job,
                         GParamSpec *pspec,
                         ChkWindow  *self)
{
  const char *name = pspec->name;

  if (g_str_equal (name, "name") || g_str_equal (name, "enabled") || g_str_equal (name, "running") ||
      g_str_equal (name, "last-outcome") || g_str_equal (name, "next-run") ||
      g_str_equal (name, "last-run-started") || g_str_equal (name, "description") ||
      g_str_equal (name, "is-monitor"))
    queue_invalidate (self);

  if (job == chk_job_page_get_job (self->job_page) && g_str_equal (name, "name"))
    adw_window_title_set_title (self->content_title, chk_job1_get_name (job));
}

static void
jobs_items_changed_cb (GListModel *list,
                       guint       position,
                       guint       removed,
                       guint       added,
                       ChkWindow  *self)
{
  ChkJob1 *current = chk_job_page_get_job (self->job_page);

  for (guint i = 0; i < added; i++)
    {
      g_autoptr(ChkJob1) job = g_list_model_get_item (list, position + i);

      g_signal_connect_object (job, "notify", G_CALLBACK (job_property_changed_cb), self, 0);
    }

  /* The job shown is gone (deleted here or elsewhere): show nothing. */
  if (current != NULL &&
      chk_job_model_lookup (self->model, chk_job_get_object_path (current)) == NULL)
    show_job (self, NULL, FALSE);

  update_list_page (self);
  update_monitors_badge (self);
}

static void
sorted_items_changed_cb (GListModel *list,
                         guint       position,
                         guint       removed,
                         guint       added,
                         ChkWindow  *self)
{
  update_list_page (self);
}

/* What is wrong with the daemon's database, over both panes: the list's
 * shows only when the leaflet is folded, where the page's may be away. */
static void
update_storage_banner (ChkWindow *self)
{
  const char *problem = self->scheduler != NULL ? chk_scheduler1_get_storage_problem (self->scheduler) : NULL;

  chk_banner_set_title (self->storage_banner, problem);
  chk_banner_set_title (self->sidebar_storage_banner, problem);
}

static void
storage_problem_changed_cb (ChkScheduler1 *scheduler,
                            GParamSpec    *pspec,
                            ChkWindow     *self)
{
  update_storage_banner (self);
}

/* The proxy keeps StorageProblem up to date from PropertiesChanged: no call. */
static void
follow_scheduler (ChkWindow     *self,
                  ChkScheduler1 *scheduler)
{
  if (self->scheduler != scheduler)
    {
      if (self->scheduler != NULL)
        g_signal_handlers_disconnect_by_func (self->scheduler, storage_problem_changed_cb, self);
      g_set_object (&self->scheduler, scheduler);
      if (scheduler != NULL)
        g_signal_connect (scheduler, "notify::storage-problem", G_CALLBACK (storage_problem_changed_cb), self);
    }
  update_storage_banner (self);
  /* No scheduler to ask for its hosts: the window says why already. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-hosts", scheduler != NULL);
}

static void
model_state_changed_cb (ChkJobModel *model,
                        GParamSpec  *pspec,
                        ChkWindow   *self)
{
  /* A spinning spinner redraws the window every frame, even on a hidden page. */
  gtk_spinner_set_spinning (self->connecting_spinner,
                            chk_job_model_get_state (model) == CHK_JOB_MODEL_CONNECTING);

  switch (chk_job_model_get_state (model))
    {
    case CHK_JOB_MODEL_CONNECTING:
      gtk_stack_set_visible_child_name (self->main_stack, "connecting");
      follow_scheduler (self, NULL);
      break;

    case CHK_JOB_MODEL_LOADING:
    case CHK_JOB_MODEL_READY:
      /* The first jobs, while the others come */
      gtk_stack_set_visible_child_name (self->main_stack, "main");
      follow_scheduler (self, chk_job_model_get_scheduler (model));
      update_list_page (self);
      /* Asked for (a notification's Show Log) before the jobs were in */
      if (self->pending_run != 0 && chk_job_model_get_state (model) == CHK_JOB_MODEL_READY)
        {
          guint64 run_id = self->pending_run;

          self->pending_run = 0;
          chk_window_show_run (self, run_id);
        }
      break;

    case CHK_JOB_MODEL_FAILED:
    default:
      {
        const GError *error = chk_job_model_get_error (model);
        g_autofree char *description = NULL;

        /* polkit said no: the scheduler is there, its jobs are not ours to see */
        if (error != NULL && g_error_matches (error, CHK_ERROR, CHK_ERROR_PERMISSION_DENIED))
          {
            adw_status_page_set_icon_name (self->failed_page, "action-unavailable-symbolic");
            adw_status_page_set_title (self->failed_page, _("Not Allowed"));
            /* Translators: the reason follows, as the scheduler gave it */
            description = g_strdup_printf (_("You may not see or change these jobs.\n\n%s"),
                                           error->message);
            gtk_button_set_label (GTK_BUTTON (self->retry_button), _("_Try Again"));
          }
        /* Nothing has tried to start it yet: say so, and offer to. */
        else if (chk_job_model_get_stopped (model))
          {
            adw_status_page_set_icon_name (self->failed_page, "network-offline-symbolic");
            adw_status_page_set_title (self->failed_page, _("The Scheduler Stopped"));
            description = g_strdup (_("The Chroniker scheduler (chronikerd) has stopped. "
                                      "No job runs until it starts again."));
            gtk_button_set_label (GTK_BUTTON (self->retry_button), _("_Start the Scheduler"));
          }
        else
          {
            adw_status_page_set_icon_name (self->failed_page, "network-offline-symbolic");
            adw_status_page_set_title (self->failed_page, _("Cannot Reach the Scheduler"));
            description = g_strdup_printf (_("The Chroniker scheduler (chronikerd) is not running and "
                                             "could not be started.\n\n%s"),
                                           error ? error->message : "");
            gtk_button_set_label (GTK_BUTTON (self->retry_button), _("_Retry"));
          }
        adw_status_page_set_description (self->failed_page, description);
        gtk_stack_set_visible_child_name (self->main_stack, "failed");
        follow_scheduler (self, NULL);
      }
      break;
    }
}

/* When the relative times a row of @job shows next change: its last and
 * next run, and each second of a run under way (its progress, its estimate). */
static gint64
job_times_next_change (ChkJob1 *job,
                       gint64   now)
{
  gint64 started = chk_job1_get_last_run_started (job);
  gint64 change = MIN (chk_format_relative_time_next_change (chk_job1_get_next_run (job), now),
                       chk_format_relative_time_next_change (started, now));

  change = MIN (change, chk_format_relative_time_next_change (chk_job1_get_last_run_finished (job), now));
  if (chk_job1_get_running (job) && started > 0 && started <= now)
    change = MIN (change, started + ((now - started) / G_USEC_PER_SEC + 1) * G_USEC_PER_SEC);
  return change;
}

/* The rows on screen, as their relative times change (ChkRefreshTimer:
 * never while the window is hidden). */
static gint64
refresh_cb (gint64   now,
            gpointer user_data)
{
  ChkWindow *self = user_data;
  gint64 change = G_MAXINT64;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->job_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *row = gtk_widget_get_first_child (child);

      if (row == NULL || !CHK_IS_JOB_ROW (row) || chk_job_row_get_job (CHK_JOB_ROW (row)) == NULL)
        continue;
      /* A row bound but not mapped yet (the list rebuilds after a change)
       * is drawn when it maps; its times must still plan the wake-up, or
       * none may come. */
      change = MIN (change, job_times_next_change (chk_job_row_get_job (CHK_JOB_ROW (row)), now));
      if (gtk_widget_get_mapped (row))
        chk_job_row_refresh (CHK_JOB_ROW (row));
    }

  if (gtk_widget_get_mapped (GTK_WIDGET (self->monitors_view)))
    {
      GListModel *jobs = chk_job_model_get_jobs (self->model);

      chk_monitors_view_refresh (self->monitors_view);
      for (guint i = 0; i < g_list_model_get_n_items (jobs); i++)
        {
          g_autoptr(ChkJob1) job = g_list_model_get_item (jobs, i);

          if (chk_job1_get_is_monitor (job))
            change = MIN (change, job_times_next_change (job, now));
        }
    }
  return change;
}

static void
factory_setup_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  ChkWindow                *self)
{
  gtk_list_item_set_child (item, chk_job_row_new ());
}

static void
factory_bind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 ChkWindow                *self)
{
  chk_job_row_set_job (CHK_JOB_ROW (gtk_list_item_get_child (item)), gtk_list_item_get_item (item));
  /* Its times change on their own schedule: plan the next wake-up again */
  if (self->refresh_timer != NULL)
    chk_refresh_timer_queue (self->refresh_timer);
}

static void
factory_unbind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   ChkWindow                *self)
{
  chk_job_row_set_job (CHK_JOB_ROW (gtk_list_item_get_child (item)), NULL);
}

/* Shows everything a list can show, if it hides @job: a job asked for
 * (a notification's Show Log, a job just created) is never hidden. */
static void
reveal_job (ChkWindow *self,
            ChkJob1   *job)
{
  const char *search = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  if (showing_monitors (self) && !chk_job1_get_is_monitor (job))
    adw_view_stack_set_visible_child_name (self->view_stack, "jobs");

  if (find_position (G_LIST_MODEL (current_selection (self)), job) != GTK_INVALID_LIST_POSITION)
    return;

  if (search != NULL && search[0] != '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  if (!showing_monitors (self) && self->status_filter != FILTER_ALL)
    g_action_group_activate_action (G_ACTION_GROUP (self), "filter", g_variant_new_string ("all"));
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_LESS_STRICT);
  refilter (self, GTK_FILTER_CHANGE_LESS_STRICT);
}

/**
 * chk_window_select_job:
 * @self: a #ChkWindow
 * @job: (nullable): the job to show
 *
 * Selects @job in the list shown, clearing the search and the filters if
 * they hide it, and shows its page.
 */
void
chk_window_select_job (ChkWindow *self,
                       ChkJob1   *job)
{
  g_return_if_fail (CHK_IS_WINDOW (self));

  if (job != NULL)
    reveal_job (self, job);
  show_job (self, job, TRUE);
}

static void
job_list_activate_cb (GtkListView *list,
                      guint        position,
                      ChkWindow   *self)
{
  g_autoptr(ChkJob1) job = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  chk_window_select_job (self, job);
}

/* Moves the keyboard's focus to the row of the job selected in the list
 * shown, or else to the first. */
static gboolean
focus_list (ChkWindow *self)
{
  GListModel *list = G_LIST_MODEL (self->selection);
  g_autoptr(ChkJob1) job = NULL;
  guint position;

  if (showing_monitors (self))
    return chk_monitors_view_focus_list (self->monitors_view);

  if (g_list_model_get_n_items (list) == 0)
    return FALSE;
  position = gtk_single_selection_get_selected (self->selection);
  if (position == GTK_INVALID_LIST_POSITION)
    position = 0;
  job = g_list_model_get_item (list, position);

  /* The row may be scrolled away, and have no widget yet. */
  gtk_widget_activate_action (GTK_WIDGET (self->job_list), "list.scroll-to-item", "u", position);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->job_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *row = gtk_widget_get_first_child (child);

      if (row != NULL && CHK_IS_JOB_ROW (row) && chk_job_row_get_job (CHK_JOB_ROW (row)) == job)
        return gtk_widget_grab_focus (child);
    }
  return gtk_widget_grab_focus (GTK_WIDGET (self->job_list));
}

/* Enter in the search opens the first job found. */
static void
search_activate_cb (GtkSearchEntry *entry,
                    ChkWindow      *self)
{
  GListModel *list = G_LIST_MODEL (current_selection (self));
  g_autoptr(ChkJob1) first = NULL;

  if (list == NULL || g_list_model_get_n_items (list) == 0)
    return;

  first = g_list_model_get_item (list, 0);
  chk_window_select_job (self, first);
  /* The keyboard goes on from its row, or from its page when folded. */
  if (adw_leaflet_get_folded (self->leaflet))
    gtk_widget_child_focus (self->content, GTK_DIR_TAB_FORWARD);
  else
    focus_list (self);
}

/* Down in the search goes to the list, not to the filters beside it. */
static gboolean
search_key_pressed_cb (GtkEventControllerKey *controller,
                       guint                  keyval,
                       guint                  keycode,
                       GdkModifierType        state,
                       ChkWindow             *self)
{
  if ((keyval != GDK_KEY_Down && keyval != GDK_KEY_KP_Down) ||
      (state & gtk_accelerator_get_default_mod_mask ()) != 0)
    return FALSE;
  return focus_list (self);
}

static void
search_changed_cb (GtkSearchEntry *entry,
                   ChkWindow      *self)
{
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  refilter (self, GTK_FILTER_CHANGE_DIFFERENT);
}

static void
view_changed_cb (AdwViewStack *stack,
                 GParamSpec   *pspec,
                 ChkWindow    *self)
{
  gboolean monitors = g_strcmp0 (adw_view_stack_get_visible_child_name (stack), "monitors") == 0;

  /* Also while the template is built */
  if (self->search_entry == NULL)
    return;
  /* The search applies to both lists; its hint names the one shown. */
  g_object_set (self->search_entry, "placeholder-text",
                monitors ? _("Search monitors") : _("Search jobs"), NULL);
  /* From the Monitors view, + makes a monitor (see new_job_action). */
  gtk_widget_set_tooltip_text (self->new_button, monitors ? _("New Monitor") : _("New Job"));
  /* The page shows a job of this view's list, or none */
  if (self->model != NULL)
    follow_selection (self);
}

/* Folded, a click opens a job; side by side, it selects it (and shows its
 * page): a click that only selected would open nothing on a phone, and
 * selecting on hover (what single-click activation does) would change
 * the page under the pointer. */
static void
folded_changed_cb (AdwLeaflet *leaflet,
                   GParamSpec *pspec,
                   ChkWindow  *self)
{
  gboolean folded = adw_leaflet_get_folded (leaflet);

  gtk_list_view_set_single_click_activate (self->job_list, folded);
  chk_monitors_view_set_single_click_activate (self->monitors_view, folded);
}

static void
filter_action_cb (GSimpleAction *action,
                  GVariant      *target,
                  gpointer       user_data)
{
  ChkWindow *self = user_data;
  const char *name = g_variant_get_string (target, NULL);

  if (g_str_equal (name, "failing"))
    self->status_filter = FILTER_FAILING;
  else if (g_str_equal (name, "running"))
    self->status_filter = FILTER_RUNNING;
  else if (g_str_equal (name, "disabled"))
    self->status_filter = FILTER_DISABLED;
  else
    self->status_filter = FILTER_ALL;

  g_simple_action_set_state (action, target);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_list_page (self);
}

static void
sort_action_cb (GSimpleAction *action,
                GVariant      *target,
                gpointer       user_data)
{
  ChkWindow *self = user_data;
  const char *name = g_variant_get_string (target, NULL);

  if (g_str_equal (name, "next-run"))
    self->sort_key = SORT_NEXT_RUN;
  else if (g_str_equal (name, "last-run"))
    self->sort_key = SORT_LAST_RUN;
  else
    self->sort_key = SORT_NAME;

  g_simple_action_set_state (action, target);
  gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
}

static void
show_error_toast (ChkWindow    *self,
                  const char   *what,
                  const GError *error)
{
  g_autoptr(GError) copy = g_error_copy (error);
  g_autofree char *title = NULL;

  g_dbus_error_strip_remote_error (copy);
  /* A toast's title is markup; the daemon's message may quote anything. */
  title = g_markup_printf_escaped ("%s: %s", what, copy->message);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (title));
}

static void
run_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ChkWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  guint64 run_id;

  if (!chk_job1_call_run_finish (CHK_JOB1 (object), &run_id, result, &error))
    show_error_toast (self, _("Could not run the job"), error);
  else if (chk_job_has_proxy (selected_job (self), object))
    chk_job_page_show_run (self->job_page, run_id);
}

static void
run_job_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  ChkWindow *self = CHK_WINDOW (widget);
  ChkJob1 *job = selected_job (self);

  if (job == NULL)
    return;
  chk_job1_call_run (chk_job_get_proxy (job), NULL, run_done_cb, g_object_ref (self));
}

static void
stop_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ChkWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!chk_job1_call_stop_finish (CHK_JOB1 (object), result, &error))
    show_error_toast (self, _("Could not stop the job"), error);
}

static void
stop_job_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  ChkWindow *self = CHK_WINDOW (widget);
  ChkJob1 *job = selected_job (self);

  if (job != NULL)
    chk_job1_call_stop (chk_job_get_proxy (job), NULL, stop_done_cb, g_object_ref (self));
}

static void
new_monitor_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  ChkWindow *self = CHK_WINDOW (widget);

  gtk_window_present (GTK_WINDOW (chk_job_editor_new_monitor (GTK_WINDOW (self), self->model)));
}

static void
new_job_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  ChkWindow *self = CHK_WINDOW (widget);

  /* From the Monitors view, a new job is a new monitor. */
  if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack), "monitors") == 0)
    {
      new_monitor_action (widget, action_name, parameter);
      return;
    }
  gtk_window_present (GTK_WINDOW (chk_job_editor_new (GTK_WINDOW (self), self->model, NULL, FALSE)));
}

static void
show_job_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  ChkWindow *self = CHK_WINDOW (widget);
  ChkJob1 *job = chk_job_model_lookup (self->model, g_variant_get_string (parameter, NULL));

  if (job != NULL)
    chk_window_select_job (self, job);
}

static void
show_view_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  ChkWindow *self = CHK_WINDOW (widget);
  const char *name = g_variant_get_string (parameter, NULL);

  if (adw_view_stack_get_child_by_name (self->view_stack, name) == NULL)
    return;
  adw_view_stack_set_visible_child_name (self->view_stack, name);
  adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
}

/* Every job's runs over time, where a job's page goes */
static void
show_history_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  ChkWindow *self = CHK_WINDOW (widget);

  show_job (self, NULL, FALSE);
  gtk_stack_set_visible_child_name (self->content_stack, "history");
  adw_window_title_set_title (self->content_title, _("History"));
  adw_leaflet_set_visible_child (self->leaflet, self->content);
}

/* The hosts that run the jobs of this window: from System Jobs, the
 * system scheduler's. A window of its own, as the preferences. */
static void
show_hosts_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  ChkWindow *self = CHK_WINDOW (widget);
  ChkScheduler1 *scheduler = chk_job_model_get_scheduler (self->model);
  GtkWindow *hosts;

  if (scheduler == NULL)
    return;

  hosts = GTK_WINDOW (chk_hosts_window_new (GTK_WINDOW (self), scheduler));
  if (chk_job_model_is_system (self->model))
    gtk_window_set_title (hosts, _("System Jobs Hosts"));
  gtk_window_present (hosts);
}

static void
edit_job_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  ChkWindow *self = CHK_WINDOW (widget);
  ChkJob1 *job = selected_job (self);

  if (job != NULL)
    gtk_window_present (GTK_WINDOW (chk_job_editor_new (GTK_WINDOW (self), self->model, job, FALSE)));
}

static void
duplicate_job_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  ChkWindow *self = CHK_WINDOW (widget);
  ChkJob1 *job = selected_job (self);

  if (job != NULL)
    gtk_window_present (GTK_WINDOW (chk_job_editor_new (GTK_WINDOW (self), self->model, job, TRUE)));
}

typedef struct
{
  ChkWindow *self;
  ChkJob1   *job;
  char      *path;
  gboolean   undone;
} PendingDelete;

static void
pending_delete_free (PendingDelete *pending)
{
  g_object_unref (pending->self);
  g_object_unref (pending->job);
  g_free (pending->path);
  g_free (pending);
}

static void
delete_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  PendingDelete *pending = user_data;
  g_autoptr(GError) error = NULL;

  if (!chk_job1_call_delete_finish (CHK_JOB1 (object), result, &error))
    show_error_toast (pending->self, _("Could not delete the job"), error);

  g_hash_table_remove (pending->self->pending_deletes, pending->path);
  queue_invalidate (pending->self);
  pending_delete_free (pending);
}

static void
undo_clicked_cb (AdwToast      *toast,
                 PendingDelete *pending)
{
  pending->undone = TRUE;
}

static void
delete_toast_dismissed_cb (AdwToast      *toast,
                           PendingDelete *pending)
{
  if (pending->undone)
    {
      g_hash_table_remove (pending->self->pending_deletes, pending->path);
      queue_invalidate (pending->self);
      chk_window_select_job (pending->self, pending->job);
      pending_delete_free (pending);
      return;
    }

  chk_job1_call_delete (chk_job_get_proxy (pending->job), NULL, delete_done_cb, pending);
}

static void
delete_job_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  ChkWindow *self = CHK_WINDOW (widget);
  ChkJob1 *job = selected_job (self);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  PendingDelete *pending;
  g_autofree char *title = NULL;
  AdwToast *toast;

  if (job == NULL)
    return;

  /*
   * The Delete key in a text (the output, a search field) is not about the
   * job; clicking the Delete button moves the focus to it first.
   */
  if (focus != NULL && (GTK_IS_TEXT_VIEW (focus) || GTK_IS_EDITABLE (focus)))
    return;

  /* Hidden at once, deleted when the toast goes without Undo. */
  pending = g_new0 (PendingDelete, 1);
  pending->self = g_object_ref (self);
  pending->job = g_object_ref (job);
  pending->path = g_strdup (chk_job_get_object_path (job));
  g_hash_table_insert (self->pending_deletes, g_strdup (pending->path), g_object_ref (job));

  chk_window_select_job (self, NULL);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_MORE_STRICT);
  refilter (self, GTK_FILTER_CHANGE_MORE_STRICT);

  title = g_markup_printf_escaped (_("“%s” deleted"), chk_job1_get_name (job));
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_timeout (toast, UNDO_SECONDS);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_signal_connect (toast, "button-clicked", G_CALLBACK (undo_clicked_cb), pending);
  g_signal_connect (toast, "dismissed", G_CALLBACK (delete_toast_dismissed_cb), pending);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ChkWindow *self = CHK_WINDOW (widget);

  adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ChkWindow *self = CHK_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  ChkWindow *self = CHK_WINDOW (widget);

  chk_job_model_connect (self->model);
}

/* Closing */

/* The job editor open over this window, if any. */
static ChkJobEditor *
find_editor (ChkWindow *self)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (CHK_IS_JOB_EDITOR (window) && gtk_window_get_transient_for (window) == GTK_WINDOW (self))
        return CHK_JOB_EDITOR (window);
    }
  return NULL;
}

static gboolean
close_later_cb (gpointer user_data)
{
  gtk_window_close (GTK_WINDOW (user_data));
  return G_SOURCE_REMOVE;
}

static void
editor_closed_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ChkWindow) self = user_data;

  /* Not from inside the editor's going: closing again must find it gone. */
  if (chk_job_editor_close_finish (CHK_JOB_EDITOR (object), result, NULL))
    g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, close_later_cb, g_object_ref (self), g_object_unref);
}

/* The editor's unsaved changes go only when the user says so, as they do
 * when the editor itself is closed. */
static gboolean
chk_window_close_request (GtkWindow *window)
{
  ChkWindow *self = CHK_WINDOW (window);
  ChkJobEditor *editor = find_editor (self);

  if (editor == NULL)
    return GTK_WINDOW_CLASS (chk_window_parent_class)->close_request (window);

  chk_job_editor_close_async (editor, NULL, editor_closed_cb, g_object_ref (self));
  return TRUE;
}

static void
chk_window_dispose (GObject *object)
{
  ChkWindow *self = CHK_WINDOW (object);
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  /* A dialog of this window that its pending calls keep (the preferences
   * waiting for the settings) outlives it, and GTK would still point at
   * this window when the dialog goes: it goes now, and forgets this one. */
  for (GList *l = toplevels; l != NULL; l = l->next)
    {
      g_autoptr(GtkWindow) dialog = NULL;

      if (gtk_window_get_transient_for (l->data) != GTK_WINDOW (self))
        continue;
      /* (The list holds no reference: destroying may finalize it.) */
      dialog = g_object_ref (l->data);
      gtk_window_set_transient_for (dialog, NULL);
      if (gtk_window_get_destroy_with_parent (dialog))
        gtk_window_destroy (dialog);
    }

  if (self->refresh_timer != NULL)
    chk_refresh_timer_stop (self->refresh_timer);
  g_clear_object (&self->refresh_timer);
  g_clear_handle_id (&self->invalidate_source, g_source_remove);
  if (self->scheduler != NULL)
    g_signal_handlers_disconnect_by_func (self->scheduler, storage_problem_changed_cb, self);
  g_clear_object (&self->scheduler);
  if (self->model != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->model, self);
      g_signal_handlers_disconnect_by_data (chk_job_model_get_jobs (self->model), self);
    }
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  if (self->monitors_view != NULL && chk_monitors_view_get_selection (self->monitors_view) != NULL)
    g_signal_handlers_disconnect_by_data (chk_monitors_view_get_selection (self->monitors_view), self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHK_TYPE_WINDOW);
  g_clear_object (&self->selection);
  g_clear_object (&self->search_filter);
  g_clear_object (&self->model);
  g_clear_pointer (&self->pending_deletes, g_hash_table_unref);

  G_OBJECT_CLASS (chk_window_parent_class)->dispose (object);
}

static void
chk_window_class_init (ChkWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = chk_window_dispose;

  window_class->close_request = chk_window_close_request;

  g_type_ensure (CHK_TYPE_BANNER);
  g_type_ensure (CHK_TYPE_JOB_PAGE);
  g_type_ensure (CHK_TYPE_LOGIN_BANNER);
  g_type_ensure (CHK_TYPE_MONITORS_VIEW);
  g_type_ensure (CHK_TYPE_HISTORY_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chroniker/Chroniker/chk-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, connecting_spinner);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, failed_page);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, content);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, new_button);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, filter_box);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, monitors_view);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, history_view);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, list_stack);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, job_list);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, job_page);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, storage_banner);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, sidebar_storage_banner);
  gtk_widget_class_bind_template_child (widget_class, ChkWindow, login_banner);
  gtk_widget_class_bind_template_callback (widget_class, job_list_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, folded_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, view_changed_cb);

  gtk_widget_class_install_action (widget_class, "win.new-job", NULL, new_job_action);
  gtk_widget_class_install_action (widget_class, "win.new-monitor", NULL, new_monitor_action);
  gtk_widget_class_install_action (widget_class, "win.show-job", "s", show_job_action);
  gtk_widget_class_install_action (widget_class, "win.show-view", "s", show_view_action);
  gtk_widget_class_install_action (widget_class, "win.show-history", NULL, show_history_action);
  gtk_widget_class_install_action (widget_class, "win.show-hosts", NULL, show_hosts_action);
  gtk_widget_class_install_action (widget_class, "win.run-job", NULL, run_job_action);
  gtk_widget_class_install_action (widget_class, "win.stop-job", NULL, stop_job_action);
  gtk_widget_class_install_action (widget_class, "win.edit-job", NULL, edit_job_action);
  gtk_widget_class_install_action (widget_class, "win.duplicate-job", NULL, duplicate_job_action);
  gtk_widget_class_install_action (widget_class, "win.delete-job", NULL, delete_job_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "win.retry", NULL, retry_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.new-job", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.run-job", NULL);
  /* Not Ctrl+.: in a text field, that opens the emoji chooser. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.stop-job", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.edit-job", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK, "win.duplicate-job", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "win.delete-job", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_h, GDK_CONTROL_MASK,
                                       "win.show-history", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK,
                                       "win.show-view", "s", "jobs");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK,
                                       "win.show-view", "s", "monitors");
}

static void
chk_window_init (ChkWindow *self)
{
  /* The stateful actions of the filter buttons and the sort menu */
  const GActionEntry entries[] = {
    { "filter", filter_action_cb, "s", "'all'", NULL },
    { "sort", sort_action_cb, "s", "'name'", NULL },
  };
  GtkEventController *controller;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->pending_deletes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  /* The filters are one stop for Tab, the arrow keys choose among them. */
  chk_choice_keys_attach (self->filter_box, G_ACTION_GROUP (self), "filter");

  /* Before the entry's own handling, which would move the focus to what
   * is nearest below: the filters. */
  controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "key-pressed", G_CALLBACK (search_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->search_entry), controller);

  folded_changed_cb (self->leaflet, NULL, self);
  update_job_actions (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-hosts", FALSE);
}

/**
 * chk_window_new:
 * @application: the application
 * @model: the jobs to show
 *
 * Returns: (transfer full): a new main window
 */
ChkWindow *
chk_window_new (AdwApplication *application,
                ChkJobModel    *model)
{
  ChkWindow *self;
  GtkListItemFactory *factory;
  GListModel *jobs;

  g_return_val_if_fail (CHK_IS_JOB_MODEL (model), NULL);

  self = g_object_new (CHK_TYPE_WINDOW, "application", application, NULL);
  self->model = g_object_ref (model);
  jobs = chk_job_model_get_jobs (model);

  /* Which jobs these are, where the window is listed and over its list */
  if (chk_job_model_is_system (model))
    {
      gtk_window_set_title (GTK_WINDOW (self), _("System Jobs"));
      adw_view_switcher_title_set_title (self->switcher_title, _("System Jobs"));
      adw_view_switcher_title_set_subtitle (self->switcher_title, _("Chroniker"));
    }

  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->search_filter = gtk_custom_filter_new (search_filter_func, self, NULL);
  self->sorter = gtk_custom_sorter_new (sort_func, self, NULL);
  self->filter_model = gtk_filter_list_model_new (g_object_ref (jobs), GTK_FILTER (self->filter));
  self->sort_model = gtk_sort_list_model_new (G_LIST_MODEL (self->filter_model), GTK_SORTER (self->sorter));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (self->sort_model));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (factory_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (factory_bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (factory_unbind_cb), self);
  gtk_list_view_set_factory (self->job_list, factory);
  g_object_unref (factory);
  gtk_list_view_set_model (self->job_list, GTK_SELECTION_MODEL (self->selection));
  chk_monitors_view_set_model (self->monitors_view, jobs, GTK_FILTER (self->search_filter),
                               GTK_SORTER (self->sorter));
  g_signal_connect (self->selection, "notify::selected-item", G_CALLBACK (selection_changed_cb), self);
  g_signal_connect (chk_monitors_view_get_selection (self->monitors_view), "notify::selected-item",
                    G_CALLBACK (selection_changed_cb), self);

  g_signal_connect (jobs, "items-changed", G_CALLBACK (jobs_items_changed_cb), self);
  jobs_items_changed_cb (jobs, 0, 0, g_list_model_get_n_items (jobs), self);
  g_signal_connect (self->sort_model, "items-changed", G_CALLBACK (sorted_items_changed_cb), self);
  g_signal_connect (model, "notify::state", G_CALLBACK (model_state_changed_cb), self);
  model_state_changed_cb (model, NULL, self);
  chk_login_banner_set_model (self->login_banner, model);
  chk_history_view_set_model (self->history_view, model);

  /* Relative times, when they change; rows that scroll into view at once */
  self->refresh_timer = chk_refresh_timer_new (GTK_WIDGET (self), refresh_cb, self);
  g_signal_connect_object (gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->job_list)), "value-changed",
                           G_CALLBACK (chk_refresh_timer_queue), self->refresh_timer, G_CONNECT_SWAPPED);

  return self;
}

ChkJobModel *
chk_window_get_model (ChkWindow *self)
{
  g_return_val_if_fail (CHK_IS_WINDOW (self), NULL);
  return self->model;
}

static void
get_run_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ChkWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) run = NULL;
  const char *path = NULL;
  guint64 run_id = 0;
  ChkJob1 *job;

  if (!chk_scheduler1_call_get_run_finish (CHK_SCHEDULER1 (object), &run, result, &error))
    {
      show_error_toast (self, _("Could not show the run"), error);
      return;
    }

  g_variant_lookup (run, "job", "&o", &path);
  g_variant_lookup (run, "id", "t", &run_id);
  job = path != NULL ? chk_job_model_lookup (self->model, path) : NULL;
  if (job == NULL)
    return;

  chk_window_select_job (self, job);
  chk_job_page_show_run (self->job_page, run_id);
}

/**
 * chk_window_show_run:
 * @self: a #ChkWindow
 * @run_id: a run
 *
 * Shows a run's job and the run's output (for a notification's "Show Log").
 */
void
chk_window_show_run (ChkWindow *self,
                     guint64    run_id)
{
  ChkScheduler1 *scheduler;

  g_return_if_fail (CHK_IS_WINDOW (self));

  scheduler = chk_job_model_get_scheduler (self->model);
  if (scheduler == NULL || chk_job_model_get_state (self->model) != CHK_JOB_MODEL_READY)
    {
      /* Started for it (D-Bus activation): shown once the jobs are in. */
      self->pending_run = run_id;
      return;
    }
  chk_scheduler1_call_get_run (scheduler, run_id, NULL, get_run_done_cb, g_object_ref (self));
}

void
chk_window_add_toast (ChkWindow *self,
                      AdwToast  *toast)
{
  g_return_if_fail (CHK_IS_WINDOW (self));
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}
