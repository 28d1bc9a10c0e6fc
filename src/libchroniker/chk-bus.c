/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <string.h>

#include "chk-bus.h"

#define INTERACTIVE_KEY "chk-bus-interactive"

/*
 * The system daemon asks polkit about each call, and polkit may have an
 * authentication agent ask for a password first, if the call allows it.
 * The generated proxies send their calls without flags: every call to the
 * scheduler's objects leaving through the connection is marked here, in
 * one place.
 */
static GDBusMessage *
allow_interactive_authorization_cb (GDBusConnection *connection,
                                    GDBusMessage    *message,
                                    gboolean         incoming,
                                    gpointer         user_data)
{
  const char *path = g_dbus_message_get_path (message);
  GDBusMessage *marked;

  /* The scheduler's by its objects: proxies call its unique name */
  if (incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL ||
      path == NULL || !g_str_has_prefix (path, CHK_MANAGER_PATH) ||
      (path[strlen (CHK_MANAGER_PATH)] != '\0' && path[strlen (CHK_MANAGER_PATH)] != '/'))
    return message;

  marked = g_dbus_message_copy (message, NULL);
  g_object_unref (message);
  if (marked == NULL)
    return NULL;
  g_dbus_message_set_flags (marked, g_dbus_message_get_flags (marked) |
                                    G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION);
  return marked;
}

/**
 * chk_bus_allow_interactive_authorization:
 * @connection: a connection to the system bus
 *
 * Has every method call to the scheduler through @connection allow
 * interactive authorization, so that polkit may ask for a password before
 * the system daemon answers; once for a connection, however often called.
 * A call waiting for a password may take minutes: give those calls
 * %CHK_BUS_INTERACTIVE_TIMEOUT_MS (chk_bus_is_interactive()).
 */
void
chk_bus_allow_interactive_authorization (GDBusConnection *connection)
{
  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));

  if (chk_bus_is_interactive (connection))
    return;
  g_object_set_data (G_OBJECT (connection), INTERACTIVE_KEY, GINT_TO_POINTER (TRUE));
  g_dbus_connection_add_filter (connection, allow_interactive_authorization_cb, NULL, NULL);
}

/**
 * chk_bus_is_interactive:
 * @connection: a connection
 *
 * Returns: whether chk_bus_allow_interactive_authorization() marks the
 *   calls through @connection
 */
gboolean
chk_bus_is_interactive (GDBusConnection *connection)
{
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), FALSE);

  return g_object_get_data (G_OBJECT (connection), INTERACTIVE_KEY) != NULL;
}
