/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>

#include "chk-app-format.h"
#include "chk-duration.h"
#include "chk-eta.h"
#include "chk-job-item.h"
#include "chk-job-row.h"

/**
 * ChkJobRow:
 *
 * One job in the list: a status icon, its name, schedule, next and last
 * run, a progress bar while it reports progress, and a switch that
 * enables it. It follows the job proxy's property notifications.
 */
struct _ChkJobRow
{
  GtkWidget    parent_instance;

  ChkJob1     *job;
  GSignalGroup *job_signals; /* followed: the job shown */
  gboolean     updating;

  GtkWidget   *box;
  GtkImage    *status_icon;
  GtkLabel    *name_label;
  GtkLabel    *schedule_label;
  GtkLabel    *times_label;
  GtkWidget   *waiting_box;
  GtkLabel    *waiting_label;
  GtkProgressBar *progress_bar;
  GtkSwitch   *enabled_switch;
};

G_DEFINE_FINAL_TYPE (ChkJobRow, chk_job_row, GTK_TYPE_WIDGET)

static char *
format_eta (ChkJob1 *job)
{
  /* The one estimate, as the job page and `chronikerctl run --wait` say it */
  return chk_eta_format (chk_job1_get_last_run_started (job), g_get_real_time (),
                         chk_job1_get_progress_complete (job), chk_job1_get_progress_total (job));
}

/**
 * chk_job_row_refresh:
 * @self: a #ChkJobRow
 *
 * Shows the job's state now: called on property changes, and every so
 * often so that relative times ("in 4 min") stay true.
 */
void
chk_job_row_refresh (ChkJobRow *self)
{
  ChkJob1 *job = self->job;
  gint64 now = g_get_real_time ();
  g_autofree char *status = NULL;
  g_autofree char *next = NULL;
  g_autofree char *last = NULL;
  g_autofree char *times = NULL;
  g_autofree char *accessible = NULL;
  const char *waiting_for;
  guint total;

  if (job == NULL)
    return;

  status = chk_job_status_text (job);
  gtk_image_set_from_icon_name (self->status_icon, chk_job_status_icon (job));
  chk_widget_set_status_style (GTK_WIDGET (self->status_icon), chk_job_status_style (job));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_icon), status);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->status_icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, status, -1);

  gtk_label_set_text (self->name_label, chk_job1_get_name (job) ? chk_job1_get_name (job) : "");
  gtk_label_set_text (self->schedule_label, chk_job1_get_schedule_description (job)
                                            ? chk_job1_get_schedule_description (job) : "");

  if (chk_job1_get_next_run (job) != 0)
    {
      g_autofree char *relative = chk_format_relative_time (chk_job1_get_next_run (job), now);

      /* Translators: when a job runs next, e.g. "Next: in 4 min" */
      next = g_strdup_printf (_("Next: %s"), relative);
    }
  if (chk_job1_get_last_run_started (job) != 0)
    {
      g_autofree char *relative = chk_format_relative_time (chk_job1_get_last_run_started (job), now);
      gint64 finished = chk_job1_get_last_run_finished (job);

      if (!chk_job1_get_running (job) && finished >= chk_job1_get_last_run_started (job))
        {
          g_autofree char *duration = chk_duration_format ((finished - chk_job1_get_last_run_started (job))
                                                           / G_USEC_PER_SEC);

          /* Translators: when a job last ran and for how long, e.g. "Last: 2 h ago, took 3 min" */
          last = g_strdup_printf (_("Last: %s, took %s"), relative, duration);
        }
      else
        {
          last = g_strdup_printf (_("Last: %s"), relative);
        }
    }
  /* A run past its expected duration says so where the last run's time was */
  {
    char *running_long = chk_job_running_long_text (job, now);

    if (running_long != NULL)
      {
        g_free (last);
        last = running_long;
      }
  }
  if (next != NULL && last != NULL)
    times = g_strdup_printf ("%s · %s", next, last);
  else
    times = g_strdup (next != NULL ? next
                      : last != NULL ? last
                      : !chk_job1_get_enabled (job) ? _("Never run")
                      : _("Never run · Manual only"));
  gtk_label_set_text (self->times_label, times);

  waiting_for = chk_job1_get_waiting_for (job);
  gtk_widget_set_visible (self->waiting_box, waiting_for != NULL && waiting_for[0] != '\0');
  if (waiting_for != NULL && waiting_for[0] != '\0')
    {
      /* Translators: what a due run waits for, e.g. "Waiting for backup to finish" */
      g_autofree char *waiting = g_strdup_printf (_("Waiting for %s"), waiting_for);

      gtk_label_set_text (self->waiting_label, waiting);
    }

  total = chk_job1_get_progress_total (job);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), chk_job1_get_running (job) && total > 0);
  if (chk_job1_get_running (job) && total > 0)
    {
      guint complete = MIN (chk_job1_get_progress_complete (job), total);
      g_autofree char *eta = format_eta (job);
      g_autofree char *text = NULL;

      if (eta != NULL)
        text = g_strdup_printf ("%u/%u · %s", complete, total, eta);
      else
        text = g_strdup_printf ("%u/%u", complete, total);
      gtk_progress_bar_set_fraction (self->progress_bar, (double) complete / total);
      gtk_progress_bar_set_text (self->progress_bar, text);
    }

  self->updating = TRUE;
  gtk_switch_set_active (self->enabled_switch, chk_job1_get_enabled (job));
  gtk_switch_set_state (self->enabled_switch, chk_job1_get_enabled (job));
  self->updating = FALSE;

  accessible = g_strdup_printf (_("Enable %s"), chk_job1_get_name (job) ? chk_job1_get_name (job) : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->enabled_switch),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
}

static void
update_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ChkJobRow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!chk_job1_call_update_finish (CHK_JOB1 (object), result, &error))
    {
      g_warning ("Could not change the job: %s", error->message);
      /* Back to what the daemon has */
      chk_job_row_refresh (self);
    }
}

static gboolean
enabled_switch_state_set_cb (GtkSwitch *toggle,
                             gboolean   state,
                             ChkJobRow *self)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  if (self->updating || self->job == NULL)
    return FALSE;

  g_variant_dict_insert (&dict, "enabled", "b", state);
  chk_job1_call_update (chk_job_get_proxy (self->job), g_variant_dict_end (&dict), NULL,
                        update_done_cb, g_object_ref (self));
  /* The switch shows the daemon's answer, through PropertiesChanged. */
  return TRUE;
}

static void
chk_job_row_dispose (GObject *object)
{
  ChkJobRow *self = CHK_JOB_ROW (object);

  chk_job_row_set_job (self, NULL);
  g_clear_object (&self->job_signals);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHK_TYPE_JOB_ROW);

  G_OBJECT_CLASS (chk_job_row_parent_class)->dispose (object);
}

static void
chk_job_row_class_init (ChkJobRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chk_job_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chroniker/Chroniker/chk-job-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ChkJobRow, box);
  gtk_widget_class_bind_template_child (widget_class, ChkJobRow, status_icon);
  gtk_widget_class_bind_template_child (widget_class, ChkJobRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, ChkJobRow, schedule_label);
  gtk_widget_class_bind_template_child (widget_class, ChkJobRow, times_label);
  gtk_widget_class_bind_template_child (widget_class, ChkJobRow, waiting_box);
  gtk_widget_class_bind_template_child (widget_class, ChkJobRow, waiting_label);
  gtk_widget_class_bind_template_child (widget_class, ChkJobRow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, ChkJobRow, enabled_switch);
  gtk_widget_class_bind_template_callback (widget_class, enabled_switch_state_set_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
chk_job_row_init (ChkJobRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->job_signals = g_signal_group_new (G_TYPE_OBJECT); /* "notify" is GObject's */
  g_signal_group_connect_swapped (self->job_signals, "notify", G_CALLBACK (chk_job_row_refresh), self);
}

GtkWidget *
chk_job_row_new (void)
{
  return g_object_new (CHK_TYPE_JOB_ROW, NULL);
}

ChkJob1 *
chk_job_row_get_job (ChkJobRow *self)
{
  g_return_val_if_fail (CHK_IS_JOB_ROW (self), NULL);
  return self->job;
}

/**
 * chk_job_row_set_job:
 * @self: a #ChkJobRow
 * @job: (nullable): the job to show
 */
void
chk_job_row_set_job (ChkJobRow *self,
                     ChkJob1   *job)
{
  g_return_if_fail (CHK_IS_JOB_ROW (self));

  if (!g_set_object (&self->job, job))
    return;

  g_signal_group_set_target (self->job_signals, job);
  if (job != NULL)
    chk_job_row_refresh (self);
}
