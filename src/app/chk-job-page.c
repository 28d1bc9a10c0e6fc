/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "chk-app-format.h"
#include "chk-duration.h"
#include "chk-editor-util.h"
#include "chk-eta.h"
#include "chk-job-item.h"
#include "chk-job-page.h"
#include "chk-job-page-private.h"
#include "chk-job-row.h"
#include "chk-job-spec.h"
#include "chk-log-view.h"
#include "chk-monitor-row.h"
#include "chk-outcome.h"
#include "chk-refresh-timer.h"
#include "chk-run-list.h"
#include "chk-run-row.h"
#include "chk-schedule.h"
#include "chk-toast.h"

/* From this width the runs are beside their output, else over it */
#define WIDE_PAGE 640
#define RUNS_MIN_WIDTH 280
#define RUNS_MAX_WIDTH 400
#define RUNS_MIN_HEIGHT 80
/* The default-max-tasks setting's own default (DESIGN §7), until it is read */
#define DEFAULT_MAX_TASKS 1024

/**
 * ChkJobPage:
 *
 * Everything about one job: over two tabs, its state with Run Now, Stop,
 * Edit, Duplicate and Delete (the window's actions) and live progress.
 * The first tab, Runs, lists its runs, newest first, beside the selected
 * run's output (over it when the page is narrow), which takes all the room
 * left: nothing scrolls around it. The second, Details, says what it runs
 * (a command, a shell line or an HTTP check), where, when next (computed
 * here, in the job's time zone), its health as a monitor, who is told,
 * and why the latest alert could not be delivered; only what acts there
 * (copy, links, the Environment row that expands) is a Tab stop. The
 * environment the next run gets is asked of the daemon when that row is
 * expanded, and again when the job changes while it is.
 *
 * It follows the job proxy's property notifications and the scheduler's
 * RunStarted and RunFinished signals; every call is asynchronous and is
 * cancelled when another job is shown.
 */
G_DEFINE_FINAL_TYPE (ChkJobPage, chk_job_page, GTK_TYPE_WIDGET)

static void update_timer     (ChkJobPage *self);
static void queue_place_pane (ChkJobPage *self);

void
_chk_job_page_set_subtitle (AdwActionRow *row,
                            const char   *subtitle)
{
  adw_action_row_set_subtitle (row, chk_nonnull (subtitle));
}

char *
_chk_job_page_format_time (gint64     when,
                           GTimeZone *tz,
                           gboolean   with_zone)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (when / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GTimeZone) local_tz = NULL;
  const char *format;

  if (utc == NULL)
    return g_strdup ("-");
  if (tz == NULL)
    tz = local_tz = g_time_zone_new_local ();
  local = g_date_time_to_timezone (utc, tz);

  if (g_date_time_get_second (local) != 0)
    /* Translators: a date and time with seconds, in g_date_time_format() terms */
    format = with_zone ? _("%a %-d %b %Y, %H:%M:%S %Z") : _("%a %-d %b %Y, %H:%M:%S");
  else
    /* Translators: a date and time, in g_date_time_format() terms */
    format = with_zone ? _("%a %-d %b %Y, %H:%M %Z") : _("%a %-d %b %Y, %H:%M");
  return g_date_time_format (local, format);
}

char *
_chk_job_page_join_parts (GPtrArray *parts)
{
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" · ", (char **) parts->pdata);
}

/* Quotes an argument only when a shell would need it, so that plain
 * commands read as people type them. */
static char *
quote_argument (const char *argument)
{
  if (argument[0] == '\0')
    return g_strdup ("''");
  for (const char *p = argument; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("_@%+=:,./-", *p) == NULL)
      return g_shell_quote (argument);
  return g_strdup (argument);
}

gboolean
_chk_job_page_is_check (ChkJob1 *job)
{
  const char *url = chk_job1_get_check_url (job);

  return url != NULL && url[0] != '\0';
}

char *
_chk_job_page_command_text (ChkJob1 *job)
{
  const char *shell = chk_job1_get_shell (job);
  const char * const *argv = chk_job1_get_command (job);
  g_autoptr(GPtrArray) quoted = NULL;

  if (_chk_job_page_is_check (job))
    return g_strdup (chk_job1_get_check_url (job));
  if (shell != NULL && shell[0] != '\0')
    return g_strdup (shell);
  if (argv == NULL)
    return g_strdup ("");

  quoted = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (quoted, quote_argument (argv[i]));
  g_ptr_array_add (quoted, NULL);
  return g_strjoinv (" ", (char **) quoted->pdata);
}

char *
_chk_job_page_format_progress (ChkJob1 *job,
                               gint64   now)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  gint64 started = chk_job1_get_last_run_started (job);
  guint complete = chk_job1_get_progress_complete (job);
  guint total = chk_job1_get_progress_total (job);
  const char *message = chk_job1_get_progress_message (job);

  if (started > 0 && now > started)
    {
      g_autofree char *elapsed = chk_duration_format ((guint64) (now - started) / G_USEC_PER_SEC);

      /* Translators: how long a run has been going, e.g. "Running for 2 min 3 s" */
      g_ptr_array_add (parts, g_strdup_printf (_("Running for %s"), elapsed));
    }
  else
    {
      g_ptr_array_add (parts, g_strdup (_("Running")));
    }

  if (message != NULL && message[0] != '\0')
    g_ptr_array_add (parts, g_strdup (message));

  {
    /* The one estimate, as the list and `chronikerctl run --wait` say it */
    char *eta = chk_eta_format (started, now, complete, total);

    if (eta != NULL)
      g_ptr_array_add (parts, eta);
  }

  return _chk_job_page_join_parts (parts);
}

/* When the seconds of a run under way since @started next tick over */
gint64
_chk_job_page_next_second (gint64 started,
                           gint64 now)
{
  if (started <= 0 || now < started)
    return now + G_USEC_PER_SEC;
  return started + ((now - started) / G_USEC_PER_SEC + 1) * G_USEC_PER_SEC;
}

/* Header */

/* Returns when what it shows next changes by itself */
static gint64
update_header (ChkJobPage *self)
{
  ChkJob1 *job = self->job;
  gint64 now = g_get_real_time ();
  gint64 change = G_MAXINT64;
  g_autoptr(GPtrArray) times = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *status = NULL;
  g_autofree char *times_text = NULL;
  const char *description;
  gboolean running;
  gint64 started, finished, next;
  guint total;

  if (job == NULL)
    return G_MAXINT64;

  running = chk_job1_get_running (job);
  status = chk_job_status_text (job);
  gtk_image_set_from_icon_name (self->status_icon, chk_job_status_icon (job));
  gtk_label_set_text (self->status_label, status);
  chk_widget_set_status_style (GTK_WIDGET (self->status_icon), chk_job_status_style (job));

  description = chk_job1_get_description (job);
  gtk_label_set_text (self->description_label, chk_nonnull (description));
  gtk_widget_set_visible (GTK_WIDGET (self->description_label), description != NULL && description[0] != '\0');

  started = chk_job1_get_last_run_started (job);
  finished = chk_job1_get_last_run_finished (job);
  if (started > 0 && !running)
    {
      g_autofree char *relative = chk_format_relative_time (started, now);

      change = MIN (change, chk_format_relative_time_next_change (started, now));
      if (finished >= started)
        {
          g_autofree char *duration = chk_duration_format ((guint64) (finished - started) / G_USEC_PER_SEC);

          /* Translators: e.g. "Last run 2 h ago, took 3 min" */
          g_ptr_array_add (times, g_strdup_printf (_("Last run %s, took %s"), relative, duration));
        }
      else
        {
          g_ptr_array_add (times, g_strdup_printf (_("Last run %s"), relative));
        }
    }

  next = chk_job1_get_next_run (job);
  if (!chk_job1_get_enabled (job))
    g_ptr_array_add (times, g_strdup (_("Disabled: runs only with Run Now")));
  else if (next > 0)
    {
      g_autofree char *relative = chk_format_relative_time (next, now);

      change = MIN (change, chk_format_relative_time_next_change (next, now));
      /* Translators: e.g. "Next run in 4 h" */
      g_ptr_array_add (times, g_strdup_printf (_("Next run %s"), relative));
    }
  else if (chk_job1_get_schedule (job) == NULL || chk_job1_get_schedule (job)[0] == '\0')
    g_ptr_array_add (times, g_strdup (_("Manual only: runs with Run Now")));
  else if (chk_job1_get_host (job) != NULL && chk_job1_get_host (job)[0] != '\0' &&
           !g_str_equal (chk_job1_get_host (job), CHK_JOB_SPEC_EVERY_HOST))
    /* Translators: a job whose schedule runs it on another host of a fleet,
     * e.g. "Runs on build-1" */
    g_ptr_array_add (times, g_strdup_printf (_("Runs on %s"), chk_job1_get_host (job)));
  else
    g_ptr_array_add (times, g_strdup (_("No run to come")));

  times_text = _chk_job_page_join_parts (times);
  gtk_label_set_text (self->times_label, times_text);

  change = MIN (change, _chk_job_page_update_snooze (self, now));

  gtk_widget_set_visible (self->run_button, !running);
  gtk_widget_set_visible (self->stop_button, running);

  gtk_widget_set_visible (self->progress_box, running);
  total = chk_job1_get_progress_total (job);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), running && total > 0);
  if (running)
    {
      g_autofree char *text = _chk_job_page_format_progress (job, now);

      if (total > 0)
        {
          guint complete = MIN (chk_job1_get_progress_complete (job), total);
          g_autofree char *fraction = g_strdup_printf ("%u/%u", complete, total);

          gtk_progress_bar_set_fraction (self->progress_bar, (double) complete / total);
          gtk_progress_bar_set_text (self->progress_bar, fraction);
        }
      gtk_label_set_text (self->progress_label, text);
      /* "Running for 2 min 3 s" */
      change = MIN (change, _chk_job_page_next_second (started, now));
    }
  return change;
}

/* Its health as a monitor: also while it runs ("Unknown"). */
void
_chk_job_page_update_monitor_row (ChkJobPage *self)
{
  ChkJob1 *job = self->job;

  if (job == NULL)
    return;

  gtk_widget_set_visible (GTK_WIDGET (self->monitor_row), chk_job1_get_is_monitor (job));
  if (chk_job1_get_is_monitor (job))
    {
      const char *url = chk_job1_get_monitor_url (job);
      ChkMonitorState state = chk_monitor_state (job);
      /* Translators: a monitor's health, then how its alerts work */
      g_autofree char *text = g_strdup_printf (_("%s · Alerts only when this changes"),
                                               chk_monitor_state_text (state));

      _chk_job_page_set_subtitle (self->monitor_row, text);
      gtk_widget_set_visible (GTK_WIDGET (self->monitor_link), url != NULL && url[0] != '\0');
      if (url != NULL && url[0] != '\0')
        {
          gtk_link_button_set_uri (self->monitor_link, url);
          gtk_widget_set_tooltip_text (GTK_WIDGET (self->monitor_link), url);
        }
    }
}

/* Runs */

/* The row of a run, if it is listed */
static GtkWidget *
find_run_row (ChkJobPage *self,
              guint64     run_id)
{
  guint position;

  if (chk_run_list_find (self->runs, run_id, &position) == NULL)
    return NULL;
  return GTK_WIDGET (gtk_list_box_get_row_at_index (self->runs_list, position));
}

static GtkWidget *
first_run_row (ChkJobPage *self)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (self->runs)) == 0)
    return NULL;
  return GTK_WIDGET (gtk_list_box_get_row_at_index (self->runs_list, 0));
}

/* The list's rows: a run's, or the last one, which pages on */
static GtkWidget *
create_row_cb (gpointer item,
               gpointer user_data)
{
  ChkJobPage *self = user_data;
  GtkWidget *box, *label, *spinner;

  if (CHK_IS_RUN (item))
    return chk_run_row_new (item, self->job);

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_halign (box, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  label = gtk_label_new (_("Load More"));
  gtk_widget_add_css_class (label, "accent");
  spinner = gtk_spinner_new ();
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), spinner);
  self->load_more_row = gtk_list_box_row_new ();
  g_object_add_weak_pointer (G_OBJECT (self->load_more_row), (gpointer *) &self->load_more_row);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self->load_more_row), box);
  gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (self->load_more_row), FALSE);
  return self->load_more_row;
}

/* A row of the list that shows on screen: a long list is not redrawn whole */
static gboolean
row_is_visible (ChkJobPage *self,
                GtkWidget  *row)
{
  graphene_rect_t bounds;
  int height = gtk_widget_get_height (GTK_WIDGET (self->runs_scroller));

  if (!gtk_widget_get_mapped (row) ||
      !gtk_widget_compute_bounds (row, GTK_WIDGET (self->runs_scroller), &bounds))
    return FALSE;
  return bounds.origin.y + bounds.size.height > 0 && bounds.origin.y < height;
}

/* The rows on screen; returns when they next change */
static gint64
refresh_run_rows (ChkJobPage *self)
{
  gint64 change = G_MAXINT64;
  guint n_runs = g_list_model_get_n_items (G_LIST_MODEL (self->runs));

  for (guint i = 0; i < n_runs; i++)
    {
      GtkWidget *row = GTK_WIDGET (gtk_list_box_get_row_at_index (self->runs_list, i));

      if (row != NULL && row_is_visible (self, row))
        change = MIN (change, chk_run_row_update (CHK_RUN_ROW (row)));
    }
  return change;
}

static void
update_running_row (ChkJobPage *self)
{
  GtkWidget *row;

  if (self->job == NULL || chk_job1_get_current_run (self->job) == 0)
    return;
  row = find_run_row (self, chk_job1_get_current_run (self->job));
  if (row != NULL)
    chk_run_row_update (CHK_RUN_ROW (row));
}

static void
update_output_label (ChkJobPage *self,
                     ChkRun     *run)
{
  g_autofree char *description = NULL;
  gint64 started = run != NULL ? chk_run_get_started (run) : 0;

  if (started > 0)
    {
      g_autofree char *when = _chk_job_page_format_time (started, NULL, FALSE);

      /* Translators: e.g. "Run 42, started Mon 25 Nov 2024, 14:02:11" */
      description = g_strdup_printf (_("Run %" PRIu64 ", started %s"), (uint64_t) self->selected_run, when);
    }
  else
    {
      description = g_strdup_printf (_("Run %" PRIu64), (uint64_t) self->selected_run);
    }
  gtk_label_set_text (self->output_label, description);
  gtk_widget_set_visible (self->output_box, self->selected_run != 0);
}

static void
show_run_output (ChkJobPage *self,
                 guint64     run_id,
                 ChkRun     *run)
{
  self->selected_run = run_id;
  chk_log_view_set_run (self->log_view, self->scheduler, run_id);
  update_output_label (self, run);
}

static void
select_row (ChkJobPage *self,
            GtkWidget  *row)
{
  self->selecting = TRUE;
  gtk_list_box_select_row (self->runs_list, GTK_LIST_BOX_ROW (row));
  self->selecting = FALSE;
}

/* The last row pages on while there may be more */
static void
update_load_more_row (ChkJobPage *self)
{
  gboolean has_more = chk_run_list_get_has_more (self->runs);
  gboolean loading_more = chk_run_list_get_loading_more (self->runs);
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->more_store));

  if (has_more && n_items == 0)
    g_list_store_append (self->more_store, self->more_item);
  else if (!has_more && n_items > 0)
    g_list_store_remove_all (self->more_store);

  if (self->load_more_row != NULL)
    {
      GtkWidget *box = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (self->load_more_row));
      GtkWidget *spinner = gtk_widget_get_last_child (box);

      gtk_widget_set_visible (spinner, loading_more);
      gtk_spinner_set_spinning (GTK_SPINNER (spinner), loading_more);
    }
}

/* After the list changed: the run to show, and the page of the stack */
static void
restore_selection (ChkJobPage *self)
{
  GtkWidget *row = NULL;

  if (self->wanted_run != 0)
    {
      row = find_run_row (self, self->wanted_run);
      if (row != NULL)
        self->wanted_run = 0;
    }
  else if (self->follow_latest)
    {
      row = first_run_row (self);
    }
  else if (self->selected_run != 0)
    {
      row = find_run_row (self, self->selected_run);
    }

  if (row != NULL)
    select_row (self, row);
  else if (self->selected_run == 0 && self->wanted_run == 0 && first_run_row (self) != NULL)
    select_row (self, first_run_row (self));

  gtk_spinner_stop (self->runs_spinner);
  gtk_stack_set_visible_child_name (self->runs_stack, first_run_row (self) != NULL ? "list" : "empty");
  /* New rows, new times */
  update_timer (self);
  queue_place_pane (self);
}

/* The runs could not be listed: said over the list, or instead of it */
static void
show_list_error (ChkJobPage *self,
                 GError     *error,
                 gboolean    append)
{
  g_dbus_error_strip_remote_error (error);
  if (append || first_run_row (self) != NULL)
    {
      g_autofree char *title = g_strdup_printf (_("Could not list the runs: %s"), error->message);

      chk_widget_add_toast (GTK_WIDGET (self), title);
      update_load_more_row (self);
      return;
    }
  adw_status_page_set_description (self->runs_error_page, error->message);
  gtk_spinner_stop (self->runs_spinner);
  gtk_stack_set_visible_child_name (self->runs_stack, "error");
}

static void
reload_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ChkJobPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!chk_run_list_reload_finish (CHK_RUN_LIST (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_list_error (self, error, FALSE);
      return;
    }
  update_load_more_row (self);
  restore_selection (self);
}

/* The newest runs again (as many as are listed): a run started or ended. */
static void
reload_runs (ChkJobPage *self)
{
  if (self->job == NULL)
    return;

  if (first_run_row (self) == NULL)
    {
      gtk_spinner_start (self->runs_spinner);
      gtk_stack_set_visible_child_name (self->runs_stack, "loading");
    }
  chk_run_list_reload_async (self->runs, reload_cb, g_object_ref (self));
}

static void
load_more_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ChkJobPage) self = user_data;
  g_autoptr(GError) error = NULL;
  guint first_new = self->n_runs_before_more;
  gboolean had_focus;

  if (!chk_run_list_load_more_finish (CHK_RUN_LIST (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_list_error (self, error, TRUE);
      return;
    }

  had_focus = self->load_more_row != NULL && gtk_widget_has_focus (self->load_more_row);
  update_load_more_row (self);
  /* Focus goes on to the first run loaded rather than nowhere (the
   * page would jump to its top) when Load More goes away. */
  if (had_focus && first_new < g_list_model_get_n_items (G_LIST_MODEL (self->runs)))
    gtk_widget_grab_focus (GTK_WIDGET (gtk_list_box_get_row_at_index (self->runs_list, first_new)));
  restore_selection (self);
}

static void
load_more (ChkJobPage *self)
{
  if (self->job == NULL || chk_run_list_get_loading (self->runs) ||
      chk_run_list_get_loading_more (self->runs) || !chk_run_list_get_has_more (self->runs))
    return;

  self->n_runs_before_more = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
  chk_run_list_load_more_async (self->runs, load_more_cb, g_object_ref (self));
  update_load_more_row (self);
}

static void
run_selected_cb (GtkListBox    *list,
                 GtkListBoxRow *row,
                 ChkJobPage    *self)
{
  ChkRun *run;

  if (row == NULL || !CHK_IS_RUN_ROW (row))
    return;

  run = chk_run_row_get_run (CHK_RUN_ROW (row));
  show_run_output (self, chk_run_get_id (run), run);
  if (!self->selecting)
    {
      /* Picked by hand: the newest run means "show each new run". */
      self->follow_latest = GTK_WIDGET (row) == first_run_row (self);
      self->wanted_run = 0;
    }
}

static void
run_activated_cb (GtkListBox    *list,
                  GtkListBoxRow *row,
                  ChkJobPage    *self)
{
  if (!CHK_IS_RUN_ROW (row))
    load_more (self);
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->log_view));
}

static void
scheduler_run_cb (ChkJobPage *self,
                  const char *job_path,
                  guint64     run_id)
{
  if (self->job == NULL ||
      g_strcmp0 (job_path, chk_job_get_object_path (self->job)) != 0)
    return;
  reload_runs (self);
}

static void
run_started_cb (ChkScheduler1 *scheduler,
                const char    *job,
                guint64        run_id,
                const char    *trigger,
                ChkJobPage    *self)
{
  scheduler_run_cb (self, job, run_id);
}

static void
run_finished_cb (ChkScheduler1 *scheduler,
                 const char    *job,
                 guint64        run_id,
                 const char    *outcome,
                 int            exit_code,
                 ChkJobPage    *self)
{
  scheduler_run_cb (self, job, run_id);
  if (self->job != NULL &&
      g_strcmp0 (job, chk_job_get_object_path (self->job)) == 0)
    chk_duration_graph_reload (self->duration_graph);
}

/* A bar of the graph of durations: its run, on the Runs tab */
static void
graph_run_activated_cb (ChkDurationGraph *graph,
                        guint64           run_id,
                        ChkJobPage       *self)
{
  chk_job_page_show_run (self, run_id);
}

static void
set_scheduler (ChkJobPage    *self,
               ChkScheduler1 *scheduler)
{
  if (g_set_object (&self->scheduler, scheduler))
    g_signal_group_set_target (self->scheduler_signals, scheduler);
}

/* Timers, sizes */

/* Relative times, on screen, as they change */
static gint64
refresh_cb (gint64   now,
            gpointer user_data)
{
  ChkJobPage *self = user_data;
  gint64 change;

  if (self->job == NULL)
    return G_MAXINT64;

  change = update_header (self);
  change = MIN (change, refresh_run_rows (self));
  /* The next run has come: the next ones */
  if (self->n_next_runs > 0 && self->next_runs[0] <= now)
    _chk_job_page_update_next_runs (self);
  change = MIN (change, _chk_job_page_update_next_run_times (self));
  return change;
}

/* What shows changed: redraw, and plan the next wake-up anew */
static void
update_timer (ChkJobPage *self)
{
  if (self->job != NULL)
    chk_refresh_timer_queue (self->refresh_timer);
  else
    chk_refresh_timer_stop (self->refresh_timer);
}

static void
shown_changed_cb (ChkJobPage *self)
{
  update_timer (self);
}

/* Side by side when there is room; else the runs over the output */
static gboolean
update_orientation_cb (gpointer user_data)
{
  ChkJobPage *self = user_data;
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self->runs_paned));
  GtkOrientation orientation = width >= WIDE_PAGE ? GTK_ORIENTATION_HORIZONTAL : GTK_ORIENTATION_VERTICAL;

  self->orientation_source = 0;
  if (orientation != gtk_orientable_get_orientation (GTK_ORIENTABLE (self->runs_paned)))
    {
      gtk_orientable_set_orientation (GTK_ORIENTABLE (self->runs_paned), orientation);
      self->pane_moved = FALSE;
    }
  if (self->pane_moved)
    return G_SOURCE_REMOVE;

  self->placing_pane = TRUE;
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      gtk_paned_set_position (self->runs_paned, CLAMP (width / 3, RUNS_MIN_WIDTH, RUNS_MAX_WIDTH));
    }
  else
    {
      int natural = 0;

      /* The runs over the output: as tall as they are, up to a third */
      gtk_widget_measure (GTK_WIDGET (self->runs_stack), GTK_ORIENTATION_VERTICAL,
                          gtk_widget_get_width (GTK_WIDGET (self->runs_paned)), NULL, &natural, NULL, NULL);
      gtk_paned_set_position (self->runs_paned, CLAMP (natural, RUNS_MIN_HEIGHT, MAX (height / 3, RUNS_MIN_HEIGHT)));
    }
  self->placing_pane = FALSE;
  return G_SOURCE_REMOVE;
}

/* Moved by hand: it stays where it was put */
static void
pane_position_cb (ChkJobPage *self)
{
  if (!self->placing_pane)
    self->pane_moved = TRUE;
}

/* Right after the layout that asked for it, before the next frame's. At the
 * default idle priority it waited for the text view to lay out all of a long
 * output: the page of a run with 1.3 million lines stayed side by side in a
 * window too narrow for it for more than 8 s. */
static void
queue_update_orientation (ChkJobPage *self)
{
  if (self->orientation_source == 0)
    self->orientation_source = g_idle_add_full (G_PRIORITY_HIGH_IDLE, update_orientation_cb, self, NULL);
}

/* The runs changed: in their pane, as tall as they are (unless moved) */
static void
queue_place_pane (ChkJobPage *self)
{
  if (!self->pane_moved)
    queue_update_orientation (self);
}

/* As wide as the window gives, no wider: the natural width of a long
 * description must not make the window fold its list of jobs away. */
static void
chk_job_page_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  gtk_widget_measure (gtk_widget_get_first_child (widget), orientation, for_size,
                      minimum, natural, minimum_baseline, natural_baseline);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *natural = *minimum;
}

static void
chk_job_page_size_allocate (GtkWidget *widget,
                            int        width,
                            int        height,
                            int        baseline)
{
  ChkJobPage *self = CHK_JOB_PAGE (widget);
  GtkOrientation orientation = width >= WIDE_PAGE ? GTK_ORIENTATION_HORIZONTAL : GTK_ORIENTATION_VERTICAL;

  gtk_widget_allocate (gtk_widget_get_first_child (widget), width, height, baseline, NULL);

  /* Not during the allocation that asks for it */
  if (orientation != gtk_orientable_get_orientation (GTK_ORIENTABLE (self->runs_paned)))
    queue_update_orientation (self);
}

static void
job_notify_cb (ChkJob1    *job,
               GParamSpec *pspec,
               ChkJobPage *self)
{
  const char *name = pspec->name;

  update_header (self);
  /* The times shown changed: when they next change too */
  update_timer (self);
  if (g_str_has_prefix (name, "progress-") || g_str_equal (name, "running") ||
      g_str_equal (name, "current-run"))
    {
      update_running_row (self);
      if (g_str_equal (name, "running"))
        _chk_job_page_update_monitor_row (self);
      return;
    }

  _chk_job_page_update_details (self);
  /* Delivered after the run ended: the run's record has it now. */
  if (g_str_equal (name, "last-alert-error"))
    reload_runs (self);
  if (g_str_equal (name, "schedule") || g_str_equal (name, "timezone") || g_str_equal (name, "start") ||
      g_str_equal (name, "enabled") || g_str_equal (name, "next-run"))
    _chk_job_page_update_next_runs (self);
}

static void
copy_command_clicked_cb (GtkButton  *button,
                         ChkJobPage *self)
{
  g_autofree char *command = NULL;

  if (self->job == NULL)
    return;
  command = _chk_job_page_command_text (self->job);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), command);
  chk_widget_add_toast (GTK_WIDGET (self), _chk_job_page_is_check (self->job) ? _("URL copied") : _("Command copied"));
}

static void
chk_job_page_dispose (GObject *object)
{
  ChkJobPage *self = CHK_JOB_PAGE (object);

  chk_job_page_set_job (self, NULL, NULL);
  g_clear_handle_id (&self->orientation_source, g_source_remove);
  if (self->refresh_timer != NULL)
    chk_refresh_timer_stop (self->refresh_timer);
  g_clear_object (&self->refresh_timer);
  g_clear_object (&self->job_signals);
  g_clear_object (&self->scheduler_signals);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHK_TYPE_JOB_PAGE);

  G_OBJECT_CLASS (chk_job_page_parent_class)->dispose (object);
}

static void
chk_job_page_finalize (GObject *object)
{
  ChkJobPage *self = CHK_JOB_PAGE (object);

  g_clear_object (&self->runs);
  g_clear_object (&self->more_store);
  g_clear_object (&self->more_item);
  g_clear_pointer (&self->next_run_rows, g_ptr_array_unref);
  g_clear_pointer (&self->environment_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (chk_job_page_parent_class)->finalize (object);
}

static void
chk_job_page_class_init (ChkJobPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chk_job_page_dispose;
  object_class->finalize = chk_job_page_finalize;
  widget_class->measure = chk_job_page_measure;
  widget_class->size_allocate = chk_job_page_size_allocate;

  g_type_ensure (CHK_TYPE_LOG_VIEW);
  g_type_ensure (CHK_TYPE_JOB_GRAPH);
  g_type_ensure (CHK_TYPE_DURATION_GRAPH);
  g_type_ensure (CHK_TYPE_JOB_LINKS);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chroniker/Chroniker/chk-job-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, content);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, view_stack);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, runs_paned);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, status_icon);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, description_label);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, times_label);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, progress_box);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, progress_label);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, run_button);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, stop_button);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, runs_stack);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, runs_spinner);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, runs_scroller);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, runs_list);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, runs_error_page);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, output_box);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, output_label);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, log_view);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, duration_graph);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, alert_error_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, monitor_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, monitor_link);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, command_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, copy_command_button);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, directory_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, environment_group);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, environment_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, schedule_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, timezone_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, host_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, timeout_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, catch_up_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, keep_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, merge_stderr_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, max_tasks_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, memory_max_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, cpu_weight_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, job_graph);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, upstream_links);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, downstream_links);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, next_runs_group);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, notify_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, email_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, email_to_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, webhook_row);
  gtk_widget_class_bind_template_callback (widget_class, run_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, run_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, copy_command_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, graph_run_activated_cb);
  _chk_job_page_alerts_class_init (widget_class);
  gtk_widget_class_bind_template_callback_full (widget_class, "environment_expanded_cb",
                                                G_CALLBACK (_chk_job_page_environment_expanded_cb));

  gtk_widget_class_install_action (widget_class, "job-page.copy-environment", NULL, _chk_job_page_copy_environment_action);

  gtk_widget_class_set_css_name (widget_class, "chk-job-page");
}

static void
chk_job_page_init (ChkJobPage *self)
{
  g_autoptr(GListStore) parts = NULL;
  g_autoptr(GtkFlattenListModel) rows = NULL;
  GtkEventController *shortcuts;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* The job shown and its scheduler, followed while they are shown */
  self->job_signals = g_signal_group_new (CHK_TYPE_JOB_ITEM);
  g_signal_group_connect (self->job_signals, "notify", G_CALLBACK (job_notify_cb), self);
  g_signal_group_connect (self->job_signals, "properties-changed",
                          G_CALLBACK (_chk_job_page_job_properties_changed_cb), self);
  self->scheduler_signals = g_signal_group_new (CHK_TYPE_SCHEDULER1);
  g_signal_group_connect (self->scheduler_signals, "run-started", G_CALLBACK (run_started_cb), self);
  g_signal_group_connect (self->scheduler_signals, "run-finished", G_CALLBACK (run_finished_cb), self);

  self->next_run_rows = g_ptr_array_new ();
  self->environment_rows = g_ptr_array_new ();
  self->follow_latest = TRUE;
  self->default_max_tasks = DEFAULT_MAX_TASKS;

  /* The runs, then a last row that pages on */
  self->runs = chk_run_list_new ();
  self->more_store = g_list_store_new (G_TYPE_OBJECT);
  self->more_item = g_object_new (G_TYPE_OBJECT, NULL);
  parts = g_list_store_new (G_TYPE_LIST_MODEL);
  g_list_store_append (parts, self->runs);
  g_list_store_append (parts, self->more_store);
  rows = gtk_flatten_list_model_new (G_LIST_MODEL (g_steal_pointer (&parts)));
  gtk_list_box_bind_model (self->runs_list, G_LIST_MODEL (rows), create_row_cb, self, NULL);

  /* Relative times: redrawn when they change, while they show. Rows that
   * scroll into view, and the Details tab, show theirs at once. */
  self->refresh_timer = chk_refresh_timer_new (GTK_WIDGET (self), refresh_cb, self);
  g_signal_connect_swapped (gtk_scrolled_window_get_vadjustment (self->runs_scroller), "value-changed",
                            G_CALLBACK (shown_changed_cb), self);
  g_signal_connect_swapped (gtk_scrolled_window_get_vadjustment (self->runs_scroller), "changed",
                            G_CALLBACK (shown_changed_cb), self);
  g_signal_connect_swapped (self->view_stack, "notify::visible-child",
                            G_CALLBACK (shown_changed_cb), self);
  g_signal_connect_swapped (self->runs_paned, "notify::position", G_CALLBACK (pane_position_cb), self);

  /* The Copy button takes no Tab stop: Ctrl+C on the row does what it does */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_c, GDK_CONTROL_MASK),
                                                          gtk_named_action_new ("job-page.copy-environment")));
  gtk_widget_add_controller (GTK_WIDGET (self->environment_row), shortcuts);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->environment_row),
                                  GTK_ACCESSIBLE_PROPERTY_KEY_SHORTCUTS, "Control+C", -1);
}

/**
 * chk_job_page_set_job:
 * @self: a #ChkJobPage
 * @model: (nullable): the jobs, for their scheduler
 * @job: (nullable): the job to show, or %NULL for none
 *
 * Shows a job and follows it; the job shown before is let go, and its
 * calls under way are cancelled.
 */
void
chk_job_page_set_job (ChkJobPage  *self,
                      ChkJobModel *model,
                      ChkJob1     *job)
{
  g_return_if_fail (CHK_IS_JOB_PAGE (self));
  g_return_if_fail (model == NULL || CHK_IS_JOB_MODEL (model));
  g_return_if_fail (job == NULL || CHK_IS_JOB1 (job));

  if (job == self->job && model == self->model)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  g_set_object (&self->model, model);
  g_set_object (&self->job, job);
  g_signal_group_set_target (self->job_signals, job);
  set_scheduler (self, model != NULL && job != NULL ? chk_job_model_get_scheduler (model) : NULL);

  chk_run_list_set_job (self->runs, job);
  chk_job_graph_set_job (self->job_graph, model, job);
  chk_duration_graph_set_job (self->duration_graph, job);
  chk_job_links_set_job (self->upstream_links, model, job);
  chk_job_links_set_job (self->downstream_links, model, job);
  self->selected_run = 0;
  self->wanted_run = 0;
  self->follow_latest = TRUE;
  update_load_more_row (self);
  chk_log_view_set_run (self->log_view, NULL, 0);
  gtk_widget_set_visible (self->output_box, FALSE);
  _chk_job_page_clear_environment_rows (self);
  self->environment_generation++;

  if (job != NULL)
    {
      self->cancellable = g_cancellable_new ();
      update_header (self);
      _chk_job_page_update_details (self);
      _chk_job_page_update_next_runs (self);
      reload_runs (self);
      /* Expanded for the job before: this one's */
      if (adw_expander_row_get_expanded (self->environment_row))
        _chk_job_page_load_environment (self, FALSE);
      /* The default max-tasks, as it is now */
      if (self->scheduler != NULL)
        chk_scheduler1_call_get_settings (self->scheduler, self->cancellable, _chk_job_page_settings_done_cb,
                                          g_object_ref (self));
    }
  else
    {
      _chk_job_page_clear_next_run_rows (self);
      self->n_next_runs = 0;
    }
  update_timer (self);
}

/**
 * chk_job_page_get_job:
 * @self: a #ChkJobPage
 *
 * Returns: (transfer none) (nullable): the job shown
 */
ChkJob1 *
chk_job_page_get_job (ChkJobPage *self)
{
  g_return_val_if_fail (CHK_IS_JOB_PAGE (self), NULL);
  return self->job;
}

/**
 * chk_job_page_show_run:
 * @self: a #ChkJobPage
 * @run_id: one of the job's runs
 *
 * Selects a run and shows its output, at once even when the list of runs
 * does not have it yet (just after Run Now); the list selects it when it
 * comes.
 */
void
chk_job_page_show_run (ChkJobPage *self,
                       guint64     run_id)
{
  GtkWidget *row;

  g_return_if_fail (CHK_IS_JOB_PAGE (self));

  if (self->job == NULL || run_id == 0)
    return;

  self->follow_latest = FALSE;
  row = find_run_row (self, run_id);
  if (row != NULL)
    {
      self->wanted_run = 0;
      select_row (self, row);
    }
  else
    {
      self->wanted_run = run_id;
      show_run_output (self, run_id, NULL);
    }
  /* Where it shows */
  adw_view_stack_set_visible_child_name (self->view_stack, "runs");
}

/*< private >
 * _chk_job_page_get_n_refreshes:
 * @self: a #ChkJobPage
 *
 * Returns: how many times its relative times were redrawn by the timer
 */
guint
_chk_job_page_get_n_refreshes (ChkJobPage *self)
{
  g_return_val_if_fail (CHK_IS_JOB_PAGE (self), 0);
  return chk_refresh_timer_get_n_refreshes (self->refresh_timer);
}
