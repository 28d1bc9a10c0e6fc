/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "chk-duration.h"
#include "chk-error.h"
#include "chk-job-item.h"
#include "chk-monitor-row.h"
#include "chk-outcome.h"
#include "chk-toast.h"

/**
 * ChkMonitorRow:
 *
 * One monitor in the Monitors view: its health as a large coloured icon
 * and in words ("All checks passed", "Requires attention", "Unknown"), its
 * name and description, when it was last checked, a link to the page
 * about what it watches (`monitor-url`), and Check Now. It follows the
 * job proxy's property notifications.
 */
struct _ChkMonitorRow
{
  GtkWidget      parent_instance;

  ChkJob1       *job;
  GSignalGroup   *job_signals; /* followed: the job shown */

  GtkWidget     *box;
  GtkStack      *state_stack;
  GtkImage      *state_icon;
  GtkSpinner    *spinner;
  GtkLabel      *name_label;
  GtkLabel      *state_label;
  GtkLabel      *description_label;
  GtkLabel      *checked_label;
  GtkLinkButton *url_button;
  GtkLabel      *url_label;
  GtkWidget     *check_button;
};

G_DEFINE_FINAL_TYPE (ChkMonitorRow, chk_monitor_row, GTK_TYPE_WIDGET)

/**
 * chk_monitor_state:
 * @job: a job
 *
 * Returns: the health that the job's latest outcome tells, as a monitor
 */
ChkMonitorState
chk_monitor_state (ChkJob1 *job)
{
  ChkOutcome outcome;

  g_return_val_if_fail (CHK_IS_JOB1 (job), CHK_MONITOR_STATE_UNKNOWN);

  outcome = chk_outcome_from_string (chk_job1_get_last_outcome (job));
  if (chk_job1_get_running (job))
    return CHK_MONITOR_STATE_UNKNOWN;
  if (outcome == CHK_OUTCOME_SUCCESS)
    return CHK_MONITOR_STATE_PASSING;
  /* Whatever comes later counts as failing too, to be looked at */
  if (chk_outcome_is_failure (outcome))
    return CHK_MONITOR_STATE_FAILING;
  /* Never run, or stopped: that says nothing about its health */
  return CHK_MONITOR_STATE_UNKNOWN;
}

/**
 * chk_monitor_state_text:
 * @state: a monitor's state
 *
 * Returns: the state in words, for people and screen readers
 */
const char *
chk_monitor_state_text (ChkMonitorState state)
{
  switch (state)
    {
    case CHK_MONITOR_STATE_PASSING:
      return _("All checks passed");
    case CHK_MONITOR_STATE_FAILING:
      return _("Requires attention");
    case CHK_MONITOR_STATE_UNKNOWN:
    default:
      return _("Unknown");
    }
}

static const char *
state_icon_name (ChkMonitorState state)
{
  switch (state)
    {
    case CHK_MONITOR_STATE_PASSING:
      /* Filled, as the other two are */
      return "emblem-default-symbolic";
    case CHK_MONITOR_STATE_FAILING:
      return "dialog-error-symbolic";
    case CHK_MONITOR_STATE_UNKNOWN:
    default:
      return "dialog-question-symbolic";
    }
}

static const char *
state_style (ChkMonitorState state)
{
  switch (state)
    {
    case CHK_MONITOR_STATE_PASSING:
      return "success";
    case CHK_MONITOR_STATE_FAILING:
      return "error";
    case CHK_MONITOR_STATE_UNKNOWN:
    default:
      return "dim-label";
    }
}

static void
set_state_style (GtkWidget  *widget,
                 const char *style)
{
  gtk_widget_remove_css_class (widget, "success");
  gtk_widget_remove_css_class (widget, "error");
  gtk_widget_remove_css_class (widget, "dim-label");
  gtk_widget_add_css_class (widget, style);
}

/* The host is enough to know where the link goes; the tooltip has all of it. */
static char *
url_label_text (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;

  return g_strdup (host != NULL && host[0] != '\0' ? host : url);
}

static char *
checked_text (ChkJob1 *job,
              gint64   now)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  gint64 last = chk_job1_get_last_run_finished (job);
  gint64 next = chk_job1_get_next_run (job);

  if (chk_job1_get_running (job))
    g_ptr_array_add (parts, g_strdup (_("Checking now…")));
  else if (last == 0)
    last = chk_job1_get_last_run_started (job);

  if (!chk_job1_get_running (job) && last != 0)
    {
      g_autofree char *relative = chk_format_relative_time (last, now);

      /* Translators: when a monitor was last checked, e.g. "Last check: 5 min ago" */
      g_ptr_array_add (parts, g_strdup_printf (_("Last check: %s"), relative));
    }
  else if (!chk_job1_get_running (job))
    {
      g_ptr_array_add (parts, g_strdup (_("Never checked")));
    }

  if (!chk_job1_get_enabled (job))
    {
      g_ptr_array_add (parts, g_strdup (_("Disabled")));
    }
  else if (next != 0)
    {
      g_autofree char *relative = chk_format_relative_time (next, now);

      /* Translators: when a monitor is checked next, e.g. "Next: in 4 min" */
      g_ptr_array_add (parts, g_strdup_printf (_("Next: %s"), relative));
    }

  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" · ", (char **) parts->pdata);
}

/**
 * chk_monitor_row_refresh:
 * @self: a #ChkMonitorRow
 *
 * Shows the monitor's state now: called on property changes, and every so
 * often so that relative times ("5 min ago") stay true.
 */
void
chk_monitor_row_refresh (ChkMonitorRow *self)
{
  ChkJob1 *job;
  ChkMonitorState state;
  const char *name, *description, *url;
  g_autofree char *checked = NULL;
  g_autofree char *check_label = NULL;
  gboolean running;

  g_return_if_fail (CHK_IS_MONITOR_ROW (self));

  job = self->job;
  if (job == NULL)
    return;

  state = chk_monitor_state (job);
  running = chk_job1_get_running (job);
  name = chk_job1_get_name (job) != NULL ? chk_job1_get_name (job) : "";

  gtk_label_set_text (self->name_label, name);

  gtk_label_set_text (self->state_label, chk_monitor_state_text (state));
  set_state_style (GTK_WIDGET (self->state_label), state_style (state));
  gtk_image_set_from_icon_name (self->state_icon, state_icon_name (state));
  set_state_style (GTK_WIDGET (self->state_icon), state_style (state));
  /* A spinning spinner redraws every frame: only while it is seen to check. */
  gtk_spinner_set_spinning (self->spinner, running);
  gtk_stack_set_visible_child_name (self->state_stack, running ? "checking" : "icon");

  description = chk_job1_get_description (job);
  gtk_label_set_text (self->description_label, description != NULL ? description : "");
  gtk_widget_set_visible (GTK_WIDGET (self->description_label),
                          description != NULL && description[0] != '\0');

  checked = checked_text (job, g_get_real_time ());
  gtk_label_set_text (self->checked_label, checked);

  url = chk_job1_get_monitor_url (job);
  gtk_widget_set_visible (GTK_WIDGET (self->url_button), url != NULL && url[0] != '\0');
  if (url != NULL && url[0] != '\0')
    {
      g_autofree char *text = url_label_text (url);
      /* Translators: what a monitor's link opens, for screen readers; %s is the monitor */
      g_autofree char *accessible = g_strdup_printf (_("Open the page of %s"), name);

      if (g_strcmp0 (gtk_link_button_get_uri (self->url_button), url) != 0)
        gtk_link_button_set_uri (self->url_button, url);
      gtk_label_set_text (self->url_label, text);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->url_button), url);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->url_button),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, accessible, -1);
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "monitor.check-now", !running);
  /* Translators: the Check Now button of a monitor, for screen readers; %s is the monitor */
  check_label = g_strdup_printf (_("Check %s now"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->check_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, check_label, -1);
}

static void
run_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ChkMonitorRow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  g_autoptr(ChkJob1) job = chk_job_get_job (object);
  const char *name = job != NULL ? chk_job1_get_name (job) : NULL;

  if (chk_job1_call_run_finish (CHK_JOB1 (object), NULL, result, &error))
    return;

  g_dbus_error_strip_remote_error (error);
  if (g_error_matches (error, CHK_ERROR, CHK_ERROR_ALREADY_RUNNING))
    /* Translators: %s is a monitor */
    title = g_strdup_printf (_("%s is being checked already"), name != NULL ? name : "");
  else
    /* Translators: the first %s is a monitor, the second why it could not be checked */
    title = g_strdup_printf (_("Could not check %s: %s"), name != NULL ? name : "", error->message);
  chk_widget_add_toast (GTK_WIDGET (self), title);
}

static void
check_now_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  ChkMonitorRow *self = CHK_MONITOR_ROW (widget);

  if (self->job == NULL)
    return;
  chk_job1_call_run (chk_job_get_proxy (self->job), NULL, run_done_cb, g_object_ref (self));
}

static void
chk_monitor_row_dispose (GObject *object)
{
  ChkMonitorRow *self = CHK_MONITOR_ROW (object);

  chk_monitor_row_set_job (self, NULL);
  g_clear_object (&self->job_signals);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHK_TYPE_MONITOR_ROW);

  G_OBJECT_CLASS (chk_monitor_row_parent_class)->dispose (object);
}

static void
chk_monitor_row_class_init (ChkMonitorRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chk_monitor_row_dispose;

  /* The daemon's errors keep their CHK_ERROR code once the domain is registered. */
  (void) CHK_ERROR;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/chroniker/Chroniker/chk-monitor-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ChkMonitorRow, box);
  gtk_widget_class_bind_template_child (widget_class, ChkMonitorRow, state_stack);
  gtk_widget_class_bind_template_child (widget_class, ChkMonitorRow, state_icon);
  gtk_widget_class_bind_template_child (widget_class, ChkMonitorRow, spinner);
  gtk_widget_class_bind_template_child (widget_class, ChkMonitorRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, ChkMonitorRow, state_label);
  gtk_widget_class_bind_template_child (widget_class, ChkMonitorRow, description_label);
  gtk_widget_class_bind_template_child (widget_class, ChkMonitorRow, checked_label);
  gtk_widget_class_bind_template_child (widget_class, ChkMonitorRow, url_button);
  gtk_widget_class_bind_template_child (widget_class, ChkMonitorRow, url_label);
  gtk_widget_class_bind_template_child (widget_class, ChkMonitorRow, check_button);

  gtk_widget_class_install_action (widget_class, "monitor.check-now", NULL, check_now_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
chk_monitor_row_init (ChkMonitorRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->job_signals = g_signal_group_new (G_TYPE_OBJECT); /* "notify" is GObject's */
  g_signal_group_connect_swapped (self->job_signals, "notify", G_CALLBACK (chk_monitor_row_refresh), self);
}

GtkWidget *
chk_monitor_row_new (void)
{
  return g_object_new (CHK_TYPE_MONITOR_ROW, NULL);
}

ChkJob1 *
chk_monitor_row_get_job (ChkMonitorRow *self)
{
  g_return_val_if_fail (CHK_IS_MONITOR_ROW (self), NULL);
  return self->job;
}

/**
 * chk_monitor_row_set_job:
 * @self: a #ChkMonitorRow
 * @job: (nullable): the monitor to show
 */
void
chk_monitor_row_set_job (ChkMonitorRow *self,
                         ChkJob1       *job)
{
  g_return_if_fail (CHK_IS_MONITOR_ROW (self));

  if (!g_set_object (&self->job, job))
    return;

  g_signal_group_set_target (self->job_signals, job);
  if (job != NULL)
    {
      chk_monitor_row_refresh (self);
    }
  else
    {
      gtk_spinner_set_spinning (self->spinner, FALSE);
    }
}
