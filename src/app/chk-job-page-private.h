/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <adwaita.h>

#include "chk-duration-graph.h"
#include "chk-job-graph.h"
#include "chk-job-links.h"
#include "chk-job-page.h"
#include "chk-log-view.h"
#include "chk-refresh-timer.h"
#include "chk-run-list.h"

G_BEGIN_DECLS

#define N_NEXT_RUNS 5

struct _ChkJobPage
{
  GtkWidget            parent_instance;

  ChkJobModel         *model;
  ChkJob1             *job;
  ChkScheduler1       *scheduler;
  GSignalGroup        *job_signals;       /* followed: the job shown */
  GSignalGroup        *scheduler_signals; /* and its scheduler */
  GCancellable        *cancellable;       /* this job's calls */

  guint                default_max_tasks; /* the setting, for a job that sets none */

  ChkRunList          *runs;              /* newest first */
  GListStore          *more_store;        /* the item of Load More, while there may be more */
  GObject             *more_item;
  GtkWidget           *load_more_row;     /* its row, while it shows */
  guint                n_runs_before_more;
  guint64              selected_run;      /* shown below */
  guint64              wanted_run;        /* asked for, not listed yet */
  gboolean             follow_latest;     /* show each new run as it starts */
  gboolean             selecting;

  GPtrArray           *next_run_rows;
  gint64               next_runs[N_NEXT_RUNS];
  guint                n_next_runs;

  GPtrArray           *environment_rows;  /* under the Environment row */
  guint                environment_generation;

  ChkRefreshTimer     *refresh_timer;   /* relative times, as they change */
  guint                orientation_source;
  gboolean             placing_pane;
  gboolean             pane_moved;

  GtkWidget           *content;
  AdwViewStack        *view_stack;
  GtkPaned            *runs_paned;
  GtkImage            *status_icon;
  GtkLabel            *status_label;
  GtkLabel            *description_label;
  GtkLabel            *times_label;
  GtkWidget           *progress_box;
  GtkProgressBar      *progress_bar;
  GtkLabel            *progress_label;
  GtkWidget           *run_button;
  GtkWidget           *stop_button;
  GtkWidget           *snooze_box;
  GtkLabel            *snooze_label;
  GtkStack            *runs_stack;
  GtkSpinner          *runs_spinner;
  GtkScrolledWindow   *runs_scroller;
  GtkListBox          *runs_list;
  AdwStatusPage       *runs_error_page;
  GtkWidget           *output_box;
  GtkLabel            *output_label;
  ChkLogView          *log_view;
  ChkDurationGraph    *duration_graph;
  AdwActionRow        *alert_error_row;
  AdwActionRow        *monitor_row;
  GtkLinkButton       *monitor_link;
  AdwActionRow        *command_row;
  GtkWidget           *copy_command_button;
  AdwActionRow        *directory_row;
  GtkWidget           *environment_group;
  AdwExpanderRow      *environment_row;
  AdwActionRow        *schedule_row;
  AdwActionRow        *timezone_row;
  AdwActionRow        *host_row;
  AdwActionRow        *timeout_row;
  AdwActionRow        *catch_up_row;
  AdwActionRow        *keep_row;
  AdwActionRow        *merge_stderr_row;
  AdwActionRow        *max_tasks_row;
  AdwActionRow        *memory_max_row;
  AdwActionRow        *cpu_weight_row;
  ChkJobGraph         *job_graph;
  ChkJobLinks         *upstream_links;
  ChkJobLinks         *downstream_links;
  AdwPreferencesGroup *next_runs_group;
  AdwActionRow        *notify_row;
  AdwActionRow        *email_row;
  AdwActionRow        *email_to_row;
  AdwActionRow        *webhook_row;
};


/* Shared by the page and its rows of runs */
char     *_chk_job_page_format_time     (gint64      when,
                                         GTimeZone  *tz,
                                         gboolean    with_zone);
char     *_chk_job_page_join_parts      (GPtrArray  *parts);
char     *_chk_job_page_format_progress (ChkJob1    *job,
                                         gint64      now);
gint64    _chk_job_page_next_second     (gint64      started,
                                         gint64      now);
gboolean  _chk_job_page_is_check        (ChkJob1    *job);

guint     _chk_job_page_get_n_refreshes (ChkJobPage *self);

/* chk-job-page.c */
void        _chk_job_page_set_subtitle              (AdwActionRow *row,
                                                     const char   *subtitle);
char       *_chk_job_page_command_text              (ChkJob1      *job);
void        _chk_job_page_update_monitor_row        (ChkJobPage   *self);

/* chk-job-page-alerts.c: snoozing the job's alerts */
gint64      _chk_job_page_update_snooze             (ChkJobPage   *self,
                                                     gint64        now);
void        _chk_job_page_alerts_class_init         (GtkWidgetClass *widget_class);

/* chk-job-page-details.c: the Details tab */
void        _chk_job_page_update_details            (ChkJobPage   *self);
void        _chk_job_page_settings_done_cb          (GObject      *object,
                                                     GAsyncResult *result,
                                                     gpointer      user_data);
void        _chk_job_page_clear_environment_rows    (ChkJobPage   *self);
void        _chk_job_page_load_environment          (ChkJobPage   *self,
                                                     gboolean      copy);
void        _chk_job_page_environment_expanded_cb   (ChkJobPage   *self);
void        _chk_job_page_job_properties_changed_cb (ChkJob1      *job,
                                                     GVariant     *changed,
                                                     GStrv         invalidated,
                                                     ChkJobPage   *self);
void        _chk_job_page_copy_environment_action   (GtkWidget    *widget,
                                                     const char   *action_name,
                                                     GVariant     *parameter);
void        _chk_job_page_clear_next_run_rows       (ChkJobPage   *self);
gint64      _chk_job_page_update_next_run_times     (ChkJobPage   *self);
void        _chk_job_page_update_next_runs          (ChkJobPage   *self);

G_END_DECLS
