/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>

#include "chk-job-item.h"
#include "chk-job-page-private.h"
#include "chk-toast.h"

/*
 * The job page's snooze (DESIGN §7, snoozed-until): the Snooze Alerts
 * menu's actions, and the line under the state that says until when, with
 * End Snooze. The line goes when the time comes: update_header() wakes up
 * then (_chk_job_page_update_snooze() says when).
 */

/* Snoozed "until tomorrow morning": at this hour, local time */
#define MORNING_HOUR 9

static void
update_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ChkJobPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!chk_job1_call_update_finish (CHK_JOB1 (object), result, &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_dbus_error_strip_remote_error (error);
      message = g_strdup_printf (_("Could not snooze the alerts: %s"), error->message);
      chk_widget_add_toast (GTK_WIDGET (self), message);
    }
}

static void
set_snoozed_until (ChkJobPage *self,
                   gint64      until)
{
  GVariantBuilder changes;

  if (self->job == NULL)
    return;
  g_variant_builder_init (&changes, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&changes, "{sv}", "snoozed-until", g_variant_new_int64 (until));
  chk_job1_call_update (chk_job_get_proxy (self->job), g_variant_builder_end (&changes),
                        self->cancellable, update_done_cb, g_object_ref (self));
}

static void
snooze_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  gint64 seconds = g_variant_get_int64 (parameter);

  if (seconds > 0)
    set_snoozed_until (CHK_JOB_PAGE (widget), g_get_real_time () + seconds * G_USEC_PER_SEC);
}

static void
snooze_until_morning_action (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  g_autoptr(GDateTime) morning = g_date_time_new_local (g_date_time_get_year (tomorrow),
                                                        g_date_time_get_month (tomorrow),
                                                        g_date_time_get_day_of_month (tomorrow),
                                                        MORNING_HOUR, 0, 0);

  if (morning != NULL)
    set_snoozed_until (CHK_JOB_PAGE (widget), g_date_time_to_unix (morning) * G_USEC_PER_SEC);
}

static void
end_snooze_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  set_snoozed_until (CHK_JOB_PAGE (widget), 0);
}

/* "14:05" today, "Tue 4 Nov, 09:00" on another day */
static char *
format_until (gint64 until,
              gint64 now)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (until / G_USEC_PER_SEC);
  g_autoptr(GDateTime) today = g_date_time_new_from_unix_local (now / G_USEC_PER_SEC);

  if (when == NULL || today == NULL)
    return g_strdup ("-");
  if (g_date_time_get_year (when) == g_date_time_get_year (today) &&
      g_date_time_get_day_of_year (when) == g_date_time_get_day_of_year (today))
    /* Translators: a time today, in g_date_time_format() terms */
    return g_date_time_format (when, _("%H:%M"));
  /* Translators: a day and a time, in g_date_time_format() terms */
  return g_date_time_format (when, _("%a %-d %b, %H:%M"));
}

/* Shows whether the job's alerts are snoozed; returns when that ends */
gint64
_chk_job_page_update_snooze (ChkJobPage *self,
                             gint64      now)
{
  gint64 until = self->job != NULL ? chk_job1_get_snoozed_until (self->job) : 0;
  gboolean snoozed = until > now;

  gtk_widget_set_visible (self->snooze_box, snoozed);
  if (!snoozed)
    return G_MAXINT64;

  {
    g_autofree char *when = format_until (until, now);
    /* Translators: e.g. "Alerts snoozed until 14:05" */
    g_autofree char *text = g_strdup_printf (_("Alerts snoozed until %s"), when);

    gtk_label_set_text (self->snooze_label, text);
  }
  return until;
}

void
_chk_job_page_alerts_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, snooze_box);
  gtk_widget_class_bind_template_child (widget_class, ChkJobPage, snooze_label);
  gtk_widget_class_install_action (widget_class, "job-page.snooze", "x", snooze_action);
  gtk_widget_class_install_action (widget_class, "job-page.snooze-until-morning", NULL,
                                   snooze_until_morning_action);
  gtk_widget_class_install_action (widget_class, "job-page.end-snooze", NULL, end_snooze_action);
}
