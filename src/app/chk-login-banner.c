/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>

#include "chk-background-request.h"
#include "chk-banner.h"
#include "chk-item-signals.h"
#include "chk-login-banner.h"
#include "chk-portal.h"
#include "chk-toast.h"

/**
 * ChkLoginBanner:
 *
 * A banner that says when scheduled jobs will stop running at the next
 * login: the daemon's GetLoginStart answers "" (no enabled unit, no
 * autostart entry) while some enabled job has a schedule. Its button asks
 * the daemon to start at login. It asks again whenever its window becomes
 * active, as the preferences or a terminal may have changed it.
 *
 * In the Flatpak only the Background portal starts the daemon at login,
 * and the app alone hears its answer (#ChkBackgroundRequest): the banner
 * shows when it said no, and asks it when a scheduled job is there but
 * nobody asked yet (jobs made before, or from the command line).
 */
struct _ChkLoginBanner
{
  GtkWidget      parent_instance;

  ChkBanner     *banner;
  ChkJobModel   *model;
  ChkItemSignals *followed;     /* the jobs, followed for Enabled and Schedule */
  GCancellable  *cancellable;
  GtkWidget     *root;          /* followed for is-active */
  gboolean       starts;        /* the daemon starts at login, or we could not tell */
};

G_DEFINE_FINAL_TYPE (ChkLoginBanner, chk_login_banner, GTK_TYPE_WIDGET)

static gboolean
has_scheduled_job (ChkLoginBanner *self)
{
  GListModel *jobs = self->model != NULL ? chk_job_model_get_jobs (self->model) : NULL;

  for (guint i = 0; jobs != NULL && i < g_list_model_get_n_items (jobs); i++)
    {
      g_autoptr(ChkJob1) job = g_list_model_get_item (jobs, i);
      const char *schedule = chk_job1_get_schedule (job);

      if (chk_job1_get_enabled (job) && schedule != NULL && schedule[0] != '\0')
        return TRUE;
    }
  return FALSE;
}

static GDBusConnection *
session_bus (ChkLoginBanner *self)
{
  ChkScheduler1 *scheduler = self->model != NULL ? chk_job_model_get_scheduler (self->model) : NULL;

  return scheduler != NULL ? g_dbus_proxy_get_connection (G_DBUS_PROXY (scheduler)) : NULL;
}

/* In a sandbox: the portal's last answer, asking it first if need be. */
static void
update_sandboxed (ChkLoginBanner *self)
{
  ChkBackgroundRequest *request = chk_background_request_get_default ();
  ChkBackgroundState state = chk_background_request_get_state (request);
  GDBusConnection *bus = session_bus (self);

  if (state == CHK_BACKGROUND_NOT_ASKED && bus != NULL && has_scheduled_job (self))
    chk_background_request_ask (request, bus, GTK_WINDOW (self->root), TRUE);
  self->starts = state != CHK_BACKGROUND_REFUSED && state != CHK_BACKGROUND_NO_AUTOSTART;
}

static void
update (ChkLoginBanner *self)
{
  gboolean show;

  if (chk_portal_is_sandboxed ())
    update_sandboxed (self);

  show = self->model != NULL &&
                  chk_job_model_get_state (self->model) == CHK_JOB_MODEL_READY &&
                  !self->starts && has_scheduled_job (self);

  chk_banner_set_title (self->banner,
                        show ? _("Scheduled jobs will not run after you log in again "
                                 "until Chroniker is opened")
                             : NULL);
}

static void
job_properties_changed_cb (ChkJob1        *job,
                           GVariant       *changed,
                           GStrv           invalidated,
                           ChkLoginBanner *self)
{
  update (self);
}

static void
jobs_changed_cb (GListModel     *jobs,
                 guint           position,
                 guint           removed,
                 guint           added,
                 ChkLoginBanner *self)
{
  update (self);
}

static void
login_start_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ChkLoginBanner) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *how = NULL;

  if (!chk_scheduler1_call_get_login_start_finish (CHK_SCHEDULER1 (object), &how, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Not knowing, it does not nag: the preferences say what failed. */
      g_debug ("GetLoginStart failed: %s", error->message);
      self->starts = TRUE;
    }
  else
    self->starts = how[0] != '\0';
  update (self);
}

/**
 * chk_login_banner_refresh:
 * @self: a #ChkLoginBanner
 *
 * Asks the daemon again whether it starts at login.
 */
void
chk_login_banner_refresh (ChkLoginBanner *self)
{
  ChkScheduler1 *scheduler;

  g_return_if_fail (CHK_IS_LOGIN_BANNER (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  scheduler = self->model != NULL ? chk_job_model_get_scheduler (self->model) : NULL;
  if (scheduler == NULL || chk_job_model_get_state (self->model) != CHK_JOB_MODEL_READY ||
      chk_portal_is_sandboxed ())
    {
      update (self);
      return;
    }
  self->cancellable = g_cancellable_new ();
  chk_scheduler1_call_get_login_start (scheduler, self->cancellable, login_start_cb,
                                       g_object_ref (self));
}

static void
model_state_changed_cb (ChkJobModel    *model,
                        GParamSpec     *pspec,
                        ChkLoginBanner *self)
{
  chk_login_banner_refresh (self);
}

static void
root_active_cb (GtkWindow      *window,
                GParamSpec     *pspec,
                ChkLoginBanner *self)
{
  if (gtk_window_is_active (window))
    chk_login_banner_refresh (self);
}

static void
set_login_start_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ChkLoginBanner) self = user_data;
  g_autoptr(GError) error = NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "login-banner.start-at-login", TRUE);
  if (!chk_scheduler1_call_set_login_start_finish (CHK_SCHEDULER1 (object), result, &error))
    {
      g_autofree char *title = NULL;

      g_dbus_error_strip_remote_error (error);
      /* Translators: %s is the scheduler's message, naming what failed */
      title = g_strdup_printf (_("Could not start the scheduler at login: %s"), error->message);
      chk_widget_add_toast (GTK_WIDGET (self), title);
    }
  chk_login_banner_refresh (self);
}

static void
start_at_login_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  ChkLoginBanner *self = CHK_LOGIN_BANNER (widget);
  ChkScheduler1 *scheduler = self->model != NULL ? chk_job_model_get_scheduler (self->model) : NULL;

  if (scheduler == NULL)
    return;
  if (chk_portal_is_sandboxed ())
    {
      chk_background_request_ask (chk_background_request_get_default (),
                                  g_dbus_proxy_get_connection (G_DBUS_PROXY (scheduler)),
                                  GTK_WINDOW (self->root), TRUE);
      return;
    }
  gtk_widget_action_set_enabled (widget, "login-banner.start-at-login", FALSE);
  chk_scheduler1_call_set_login_start (scheduler, TRUE, NULL, set_login_start_cb,
                                       g_object_ref (self));
}

static void
background_state_cb (ChkLoginBanner *self)
{
  ChkBackgroundRequest *request = chk_background_request_get_default ();

  /* Asked from the button and refused: the portal keeps that answer, and
   * only the system's settings change it. */
  if (chk_background_request_get_state (request) == CHK_BACKGROUND_REFUSED &&
      gtk_widget_get_mapped (GTK_WIDGET (self)))
    chk_widget_add_toast (GTK_WIDGET (self),
                          _("Chroniker may not run in the background: allow it in the "
                            "system's settings, under Apps"));
  update (self);
}

static void
chk_login_banner_root (GtkWidget *widget)
{
  ChkLoginBanner *self = CHK_LOGIN_BANNER (widget);

  GTK_WIDGET_CLASS (chk_login_banner_parent_class)->root (widget);

  self->root = GTK_WIDGET (gtk_widget_get_root (widget));
  if (GTK_IS_WINDOW (self->root))
    g_signal_connect (self->root, "notify::is-active", G_CALLBACK (root_active_cb), self);
}

static void
chk_login_banner_unroot (GtkWidget *widget)
{
  ChkLoginBanner *self = CHK_LOGIN_BANNER (widget);

  if (self->root != NULL)
    g_signal_handlers_disconnect_by_func (self->root, root_active_cb, self);
  self->root = NULL;

  GTK_WIDGET_CLASS (chk_login_banner_parent_class)->unroot (widget);
}

static void
chk_login_banner_dispose (GObject *object)
{
  ChkLoginBanner *self = CHK_LOGIN_BANNER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->followed, chk_item_signals_free);
  g_signal_handlers_disconnect_by_data (chk_background_request_get_default (), self);
  if (self->model != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->model, self);
      g_signal_handlers_disconnect_by_data (chk_job_model_get_jobs (self->model), self);
    }
  g_clear_object (&self->model);
  g_clear_pointer ((GtkWidget **) &self->banner, gtk_widget_unparent);

  G_OBJECT_CLASS (chk_login_banner_parent_class)->dispose (object);
}

static void
chk_login_banner_class_init (ChkLoginBannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chk_login_banner_dispose;
  widget_class->root = chk_login_banner_root;
  widget_class->unroot = chk_login_banner_unroot;

  gtk_widget_class_install_action (widget_class, "login-banner.start-at-login", NULL,
                                   start_at_login_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
chk_login_banner_init (ChkLoginBanner *self)
{
  self->followed = chk_item_signals_new ((const char *[]) { "properties-changed", NULL },
                                        G_CALLBACK (job_properties_changed_cb), self, 0);
  self->starts = TRUE;
  self->banner = CHK_BANNER (chk_banner_new ());
  gtk_widget_add_css_class (GTK_WIDGET (self->banner), "notice");
  chk_banner_set_button (self->banner, _("_Start at Login"), "login-banner.start-at-login");
  gtk_widget_set_parent (GTK_WIDGET (self->banner), GTK_WIDGET (self));
  g_signal_connect_swapped (chk_background_request_get_default (), "notify::state",
                            G_CALLBACK (background_state_cb), self);
}

/**
 * chk_login_banner_set_model:
 * @self: a #ChkLoginBanner
 * @model: the jobs and the daemon to ask
 *
 * Sets what the banner follows; once only.
 */
void
chk_login_banner_set_model (ChkLoginBanner *self,
                            ChkJobModel    *model)
{
  GListModel *jobs;

  g_return_if_fail (CHK_IS_LOGIN_BANNER (self));
  g_return_if_fail (CHK_IS_JOB_MODEL (model));
  g_return_if_fail (self->model == NULL);

  self->model = g_object_ref (model);
  jobs = chk_job_model_get_jobs (model);
  g_signal_connect (model, "notify::state", G_CALLBACK (model_state_changed_cb), self);
  chk_item_signals_set_model (self->followed, jobs);
  g_signal_connect (jobs, "items-changed", G_CALLBACK (jobs_changed_cb), self);
  jobs_changed_cb (jobs, 0, 0, 0, self);
  chk_login_banner_refresh (self);
}

/**
 * chk_login_banner_get_title:
 * @self: a #ChkLoginBanner
 *
 * Returns: what the banner says, "" when it is hidden
 */
const char *
chk_login_banner_get_title (ChkLoginBanner *self)
{
  g_return_val_if_fail (CHK_IS_LOGIN_BANNER (self), NULL);
  return chk_banner_get_title (self->banner);
}
