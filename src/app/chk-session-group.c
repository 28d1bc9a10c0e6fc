/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "chk-background-request.h"
#include "chk-portal.h"
#include "chk-session-group.h"
#include "chk-toast.h"

#define LOGIN1_BUS_NAME      "org.freedesktop.login1"
#define LOGIN1_PATH          "/org/freedesktop/login1"
#define LOGIN1_MANAGER_IFACE "org.freedesktop.login1.Manager"
#define LOGIN1_USER_IFACE    "org.freedesktop.login1.User"

/**
 * ChkSessionGroup:
 *
 * The preferences of when jobs can run: "Start at Login" (the daemon's
 * GetLoginStart and SetLoginStart; in the Flatpak, the Background portal's
 * autostart, see #ChkBackgroundRequest) and "Run Jobs While Logged Out"
 * (systemd-logind's linger of the user, on the system bus: polkit decides
 * whether the user may change it, and may ask for a password). A change
 * that fails is said in a toast and the switch goes back.
 */
struct _ChkSessionGroup
{
  AdwPreferencesGroup  parent_instance;

  /* Weak: the window holds it. With libadwaita 1.2 the groups of a
   * preferences page outlive their window (none is ever finalized), and a
   * reference here kept the session bus's connection. */
  ChkScheduler1       *scheduler;
  GDBusConnection     *system_bus;
  GCancellable        *cancellable;
  gboolean             updating;   /* the switches are set from what was read */

  AdwActionRow        *login_start_row;
  GtkSwitch           *login_start_switch;
  AdwActionRow        *linger_row;
  GtkSwitch           *linger_switch;
};

G_DEFINE_FINAL_TYPE (ChkSessionGroup, chk_session_group, ADW_TYPE_PREFERENCES_GROUP)

static void
set_switch (ChkSessionGroup *self,
            GtkSwitch       *sw,
            gboolean         active)
{
  self->updating = TRUE;
  gtk_switch_set_active (sw, active);
  self->updating = FALSE;
}

static void
toast_error (ChkSessionGroup *self,
             const char      *what,
             GError          *error)
{
  g_autofree char *title = NULL;

  g_dbus_error_strip_remote_error (error);
  /* Translators: the first %s is what failed (“Could not change Start at
   * Login”), the second the reason */
  title = g_strdup_printf (_("%s: %s"), what, error->message);
  chk_widget_add_toast (GTK_WIDGET (self), title);
}

/* Start at Login */

static void
login_start_got_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ChkSessionGroup) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *how = NULL;

  if (!chk_scheduler1_call_get_login_start_finish (CHK_SCHEDULER1 (object), &how, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_dbus_error_strip_remote_error (error);
      adw_action_row_set_subtitle (self->login_start_row, error->message);
      return;
    }
  set_switch (self, self->login_start_switch, how[0] != '\0');
  gtk_widget_set_sensitive (GTK_WIDGET (self->login_start_row), TRUE);
}

/* In the Flatpak the Background portal's answer is the state. */
static void
background_state_cb (ChkSessionGroup *self)
{
  ChkBackgroundState state = chk_background_request_get_state (chk_background_request_get_default ());

  set_switch (self, self->login_start_switch, state == CHK_BACKGROUND_AUTOSTART);
  gtk_widget_set_sensitive (GTK_WIDGET (self->login_start_row), state != CHK_BACKGROUND_ASKING);
}

static void
read_login_start (ChkSessionGroup *self)
{
  if (self->scheduler == NULL)
    return;
  if (chk_portal_is_sandboxed ())
    {
      background_state_cb (self);
      return;
    }
  chk_scheduler1_call_get_login_start (self->scheduler, self->cancellable, login_start_got_cb,
                                       g_object_ref (self));
}

static void
login_start_set_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ChkSessionGroup) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!chk_scheduler1_call_set_login_start_finish (CHK_SCHEDULER1 (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      toast_error (self, _("Could not change Start at Login"), error);
    }
  /* What it is now, whether that worked or not */
  read_login_start (self);
}

static void
login_start_switch_cb (GtkSwitch       *sw,
                       GParamSpec      *pspec,
                       ChkSessionGroup *self)
{
  if (self->updating || self->scheduler == NULL)
    return;
  if (chk_portal_is_sandboxed ())
    {
      chk_background_request_ask (chk_background_request_get_default (),
                                  g_dbus_proxy_get_connection (G_DBUS_PROXY (self->scheduler)),
                                  GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                  gtk_switch_get_active (sw));
      return;
    }
  chk_scheduler1_call_set_login_start (self->scheduler, gtk_switch_get_active (sw),
                                       self->cancellable, login_start_set_cb,
                                       g_object_ref (self));
}

/* Run Jobs While Logged Out */

static void
linger_unavailable (ChkSessionGroup *self,
                    const char      *why)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->linger_row), FALSE);
  adw_action_row_set_subtitle (self->linger_row, why);
}

static void
linger_got_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ChkSessionGroup) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        linger_unavailable (self, _("Not available: the login manager did not answer"));
      return;
    }
  g_variant_get (reply, "(v)", &value);
  set_switch (self, self->linger_switch,
              g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN) &&
              g_variant_get_boolean (value));
  gtk_widget_set_sensitive (GTK_WIDGET (self->linger_row), TRUE);
}

static void
user_got_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ChkSessionGroup) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *remote = NULL;
  const char *path = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      remote = g_dbus_error_get_remote_error (error);
      /* logind knows only users with a session, or lingering: this one has neither. */
      if (g_strcmp0 (remote, "org.freedesktop.login1.NoSuchUser") == 0)
        {
          set_switch (self, self->linger_switch, FALSE);
          gtk_widget_set_sensitive (GTK_WIDGET (self->linger_row), TRUE);
        }
      else
        linger_unavailable (self, _("Not available: this system has no login manager "
                                    "(systemd-logind)"));
      return;
    }
  g_variant_get (reply, "(&o)", &path);
  g_dbus_connection_call (self->system_bus, LOGIN1_BUS_NAME, path,
                          "org.freedesktop.DBus.Properties", "Get",
                          g_variant_new ("(ss)", LOGIN1_USER_IFACE, "Linger"),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          self->cancellable, linger_got_cb, g_object_ref (self));
}

static void
read_linger (ChkSessionGroup *self)
{
  if (self->system_bus == NULL)
    return;
  g_dbus_connection_call (self->system_bus, LOGIN1_BUS_NAME, LOGIN1_PATH, LOGIN1_MANAGER_IFACE,
                          "GetUser", g_variant_new ("(u)", (guint32) getuid ()),
                          G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          self->cancellable, user_got_cb, g_object_ref (self));
}

static void
system_bus_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ChkSessionGroup) self = user_data;
  g_autoptr(GError) error = NULL;

  self->system_bus = g_bus_get_finish (result, &error);
  if (self->system_bus == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        linger_unavailable (self, _("Not available: there is no system bus to ask the login "
                                    "manager (systemd-logind)"));
      return;
    }
  read_linger (self);
}

static void
linger_set_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ChkSessionGroup) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      toast_error (self, _("Could not change Run Jobs While Logged Out"), error);
    }
  read_linger (self);
}

static void
linger_switch_cb (GtkSwitch       *sw,
                  GParamSpec      *pspec,
                  ChkSessionGroup *self)
{
  if (self->updating || self->system_bus == NULL)
    return;
  /* Interactive: polkit may ask for a password, for as long as that takes. */
  g_dbus_connection_call (self->system_bus, LOGIN1_BUS_NAME, LOGIN1_PATH, LOGIN1_MANAGER_IFACE,
                          "SetUserLinger",
                          g_variant_new ("(ubb)", (guint32) getuid (), gtk_switch_get_active (sw),
                                         TRUE),
                          NULL, G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, G_MAXINT,
                          self->cancellable, linger_set_cb, g_object_ref (self));
}

static void
chk_session_group_dispose (GObject *object)
{
  ChkSessionGroup *self = CHK_SESSION_GROUP (object);

  /* The answers still under way are dropped. */
  g_cancellable_cancel (self->cancellable);
  g_signal_handlers_disconnect_by_data (chk_background_request_get_default (), self);
  g_clear_weak_pointer (&self->scheduler);
  g_clear_object (&self->system_bus);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHK_TYPE_SESSION_GROUP);

  G_OBJECT_CLASS (chk_session_group_parent_class)->dispose (object);
}

static void
chk_session_group_finalize (GObject *object)
{
  ChkSessionGroup *self = CHK_SESSION_GROUP (object);

  g_clear_object (&self->system_bus);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (chk_session_group_parent_class)->finalize (object);
}

static void
chk_session_group_class_init (ChkSessionGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chk_session_group_dispose;
  object_class->finalize = chk_session_group_finalize;

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/chroniker/Chroniker/chk-session-group.ui");
  gtk_widget_class_bind_template_child (widget_class, ChkSessionGroup, login_start_row);
  gtk_widget_class_bind_template_child (widget_class, ChkSessionGroup, login_start_switch);
  gtk_widget_class_bind_template_child (widget_class, ChkSessionGroup, linger_row);
  gtk_widget_class_bind_template_child (widget_class, ChkSessionGroup, linger_switch);
  gtk_widget_class_bind_template_callback (widget_class, login_start_switch_cb);
  gtk_widget_class_bind_template_callback (widget_class, linger_switch_cb);
}

static void
chk_session_group_init (ChkSessionGroup *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));

  g_bus_get (G_BUS_TYPE_SYSTEM, self->cancellable, system_bus_cb, g_object_ref (self));
}

/**
 * chk_session_group_set_scheduler:
 * @self: a #ChkSessionGroup
 * @scheduler: the daemon's scheduler
 *
 * Reads whether the daemon starts at login, and changes it through
 * @scheduler; once only.
 */
void
chk_session_group_set_scheduler (ChkSessionGroup *self,
                                 ChkScheduler1   *scheduler)
{
  g_return_if_fail (CHK_IS_SESSION_GROUP (self));
  g_return_if_fail (CHK_IS_SCHEDULER1 (scheduler));
  g_return_if_fail (self->scheduler == NULL);

  g_set_weak_pointer (&self->scheduler, scheduler);
  if (chk_portal_is_sandboxed ())
    g_signal_connect_swapped (chk_background_request_get_default (), "notify::state",
                              G_CALLBACK (background_state_cb), self);
  read_login_start (self);
}
