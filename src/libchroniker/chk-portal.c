/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "chk-portal.h"

#include "chk-error.h"

/*
 * The Background portal, for the Flatpak: the app asks it to start the
 * daemon at login (RequestBackground with autostart), and the daemon tells it
 * what it is doing in the background (SetStatus), which GNOME shows in its
 * list of background apps. Outside a sandbox neither is needed: the systemd
 * unit or the autostart entry starts the daemon.
 */

#define PORTAL_NAME       "org.freedesktop.portal.Desktop"
#define PORTAL_PATH       "/org/freedesktop/portal/desktop"
#define BACKGROUND_IFACE  "org.freedesktop.portal.Background"
#define REQUEST_IFACE     "org.freedesktop.portal.Request"

/* The portal cuts a status message longer than this. */
#define STATUS_MAX_CHARS 96

/**
 * chk_portal_is_sandboxed:
 *
 * Whether this process runs in a Flatpak sandbox. `CHK_SANDBOXED=1` (or 0)
 * says so instead, for the tests, which run outside one.
 *
 * Returns: %TRUE in a sandbox
 */
gboolean
chk_portal_is_sandboxed (void)
{
  static gsize in_flatpak;
  const char *forced = g_getenv ("CHK_SANDBOXED");

  if (forced != NULL && forced[0] != '\0')
    return g_str_equal (forced, "1");

  /* Asked on every job change by the app's banner: the file is looked at
   * once, as a process does not move in or out of a sandbox. */
  if (g_once_init_enter (&in_flatpak))
    g_once_init_leave (&in_flatpak, g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS) ? 2 : 1);
  return in_flatpak == 2;
}

typedef struct
{
  char    *handle;
  guint    response_id;
  gboolean autostart;
} Request;

static void
request_free (Request *request)
{
  g_free (request->handle);
  g_free (request);
}

/* Ends the request once, from the call's error or the portal's answer, and
 * drops the reference that kept it while it waited. */
static void
request_return (GTask  *task,
                GError *error)
{
  Request *request = g_task_get_task_data (task);
  GDBusConnection *connection = g_task_get_source_object (task);

  if (request->response_id == 0)
    {
      g_clear_error (&error);
      return;
    }
  g_dbus_connection_signal_unsubscribe (connection, request->response_id);
  request->response_id = 0;

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
response_cb (GDBusConnection *connection,
             const char      *sender,
             const char      *path,
             const char      *iface,
             const char      *signal,
             GVariant        *parameters,
             gpointer         user_data)
{
  GTask *task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr(GVariant) results = NULL;
  guint32 response;
  gboolean background = FALSE;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ua{sv})")))
    return;
  g_variant_get (parameters, "(u@a{sv})", &response, &results);

  /* 0: granted, 1: the user cancelled, 2: anything else */
  if (response != 0)
    {
      request_return (task, g_error_new (CHK_ERROR, CHK_ERROR_PERMISSION_DENIED, "%s",
                                         response == 1 ? "Running in the background was refused"
                                                       : "The Background portal could not ask"));
      return;
    }

  g_variant_lookup (results, "background", "b", &background);
  g_variant_lookup (results, "autostart", "b", &request->autostart);
  request_return (task, background ? NULL
                                   : g_error_new (CHK_ERROR, CHK_ERROR_PERMISSION_DENIED,
                                                  "Running in the background is not allowed"));
}

static void
request_called_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *request = g_task_get_task_data (task);
  GDBusConnection *connection = G_DBUS_CONNECTION (object);
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;
  g_autofree char *handle = NULL;

  reply = g_dbus_connection_call_finish (connection, result, &error);
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      g_prefix_error (&error, "The Background portal is not there: ");
      request_return (task, error);
      return;
    }

  /* Old portals answer on another path than the one asked for: follow it. */
  g_variant_get (reply, "(o)", &handle);
  if (request->response_id != 0 && !g_str_equal (handle, request->handle))
    {
      g_dbus_connection_signal_unsubscribe (connection, request->response_id);
      request->response_id =
        g_dbus_connection_signal_subscribe (connection, PORTAL_NAME, REQUEST_IFACE, "Response",
                                            handle, NULL, G_DBUS_SIGNAL_FLAGS_NO_MATCH_RULE,
                                            response_cb, task, NULL);
    }
}

/**
 * chk_portal_request_background:
 * @connection: the session bus
 * @parent_window: the window asking, as the portals name it ("x11:1a2b"), or ""
 * @reason: why, shown to the user
 * @commandline: what to run at login, or %NULL for no autostart
 * @cancellable: (nullable): cancels the call, not the question once asked
 * @callback: called when the user or the portal answered
 * @user_data: for @callback
 *
 * Asks the Background portal to let this app run in the background and, with
 * @commandline, to run that at login. The portal asks the user once and
 * remembers the answer.
 */
void
chk_portal_request_background (GDBusConnection     *connection,
                               const char          *parent_window,
                               const char          *reason,
                               const char * const  *commandline,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *token = NULL;
  g_autofree char *sender = NULL;
  GVariantBuilder options;
  Request *request;

  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));

  task = g_task_new (connection, cancellable, callback, user_data);
  g_task_set_source_tag (task, chk_portal_request_background);
  request = g_new0 (Request, 1);
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);

  /* The request's path is known beforehand: subscribe before asking, so that
   * a quick answer is not missed. */
  token = g_strdup_printf ("chroniker%u", g_random_int ());
  sender = g_strdelimit (g_strdup (g_dbus_connection_get_unique_name (connection) + 1), ".",
                         '_');
  request->handle = g_strdup_printf ("/org/freedesktop/portal/desktop/request/%s/%s", sender,
                                     token);
  request->response_id =
    g_dbus_connection_signal_subscribe (connection, PORTAL_NAME, REQUEST_IFACE, "Response",
                                        request->handle, NULL, G_DBUS_SIGNAL_FLAGS_NO_MATCH_RULE,
                                        response_cb, task, NULL);

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  g_variant_builder_add (&options, "{sv}", "reason", g_variant_new_string (reason));
  g_variant_builder_add (&options, "{sv}", "autostart",
                         g_variant_new_boolean (commandline != NULL));
  if (commandline != NULL)
    g_variant_builder_add (&options, "{sv}", "commandline",
                           g_variant_new_strv (commandline, -1));
  g_variant_builder_add (&options, "{sv}", "dbus-activatable", g_variant_new_boolean (FALSE));

  g_dbus_connection_call (connection, PORTAL_NAME, PORTAL_PATH, BACKGROUND_IFACE,
                          "RequestBackground",
                          g_variant_new ("(sa{sv})", parent_window, &options),
                          G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                          request_called_cb, g_object_ref (task));
  /* This reference is the request's until it returns (request_return()). */
  g_steal_pointer (&task);
}

/**
 * chk_portal_request_background_finish:
 * @connection: the session bus
 * @result: the #GAsyncResult
 * @out_autostart: (out) (optional): whether the app will be started at login
 * @error: the portal's error, or a refusal
 *
 * Returns: %TRUE when the app may run in the background
 */
gboolean
chk_portal_request_background_finish (GDBusConnection  *connection,
                                      GAsyncResult     *result,
                                      gboolean         *out_autostart,
                                      GError          **error)
{
  Request *request;

  g_return_val_if_fail (g_task_is_valid (result, connection), FALSE);

  request = g_task_get_task_data (G_TASK (result));
  if (out_autostart != NULL)
    *out_autostart = request->autostart;
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
status_set_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * chk_portal_set_background_status:
 * @connection: the session bus
 * @message: what the daemon does, one line; cut to what the portal shows
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the portal answered
 * @user_data: for @callback
 *
 * Tells the Background portal what this app is doing in the background. Portals
 * older than version 2 of the interface answer UnknownMethod.
 */
void
chk_portal_set_background_status (GDBusConnection     *connection,
                                  const char          *message,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *line = NULL;
  GVariantBuilder options;

  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));

  task = g_task_new (connection, cancellable, callback, user_data);
  g_task_set_source_tag (task, chk_portal_set_background_status);

  line = g_utf8_substring (message, 0, MIN (g_utf8_strlen (message, -1), STATUS_MAX_CHARS));
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "message", g_variant_new_string (line));
  g_dbus_connection_call (connection, PORTAL_NAME, PORTAL_PATH, BACKGROUND_IFACE, "SetStatus",
                          g_variant_new ("(a{sv})", &options), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                          cancellable, status_set_cb, g_steal_pointer (&task));
}

/**
 * chk_portal_set_background_status_finish:
 * @connection: the session bus
 * @result: the #GAsyncResult
 * @error: the portal's error
 *
 * Returns: %TRUE when the portal took the status
 */
gboolean
chk_portal_set_background_status_finish (GDBusConnection  *connection,
                                         GAsyncResult     *result,
                                         GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, connection), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
