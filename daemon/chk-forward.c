/* SPDX-License-Identifier: GPL-3.0-or-later */

/*
 * What a caller of the system daemon hears of its jobs.
 *
 * On the system bus the daemon's signals (InterfacesAdded, PropertiesChanged,
 * RunStarted, …) reach root alone: they tell what every user's jobs are and
 * do, and the bus policy cannot tell whose job a signal is about. So each
 * signal about a job is also sent to every other caller that sees the job
 * (its user, or a holder of manage-all-jobs), to it alone, wrapped in
 * Scheduler1.Forwarded, which the bus policy lets anyone receive: the
 * daemon never broadcasts it. A caller hears them from its first call
 * allowed until it leaves the bus.
 */

#define G_LOG_DOMAIN "chk-forward"

#include "config.h"

#include "chk-dbus-generated.h"
#include "chk-forward.h"

static GDBusConnection *bus;
static guint owner_changed_id;
/* unique bus name → ChkCaller: those that hear their jobs' signals */
static GHashTable *listeners;

/* A listener that left the bus hears nothing more. */
static void
name_owner_changed_cb (GDBusConnection *connection,
                       const char      *sender,
                       const char      *object_path,
                       const char      *interface_name,
                       const char      *signal_name,
                       GVariant        *parameters,
                       gpointer         user_data)
{
  const char *name, *old_owner, *new_owner;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sss)")))
    return;
  g_variant_get (parameters, "(&s&s&s)", &name, &old_owner, &new_owner);
  if (new_owner[0] == '\0' && g_hash_table_remove (listeners, name))
    g_debug ("%s left: its jobs' signals go to it no more", name);
}

/**
 * chk_forward_start:
 * @connection: the system bus
 *
 * Starts forwarding, for the system daemon.
 */
void
chk_forward_start (GDBusConnection *connection)
{
  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));
  g_return_if_fail (bus == NULL);

  bus = g_object_ref (connection);
  listeners = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify) chk_caller_free);
  owner_changed_id = g_dbus_connection_signal_subscribe (connection, "org.freedesktop.DBus",
                                                         "org.freedesktop.DBus",
                                                         "NameOwnerChanged",
                                                         "/org/freedesktop/DBus", NULL,
                                                         G_DBUS_SIGNAL_FLAGS_NONE,
                                                         name_owner_changed_cb, NULL, NULL);
}

/**
 * chk_forward_stop:
 *
 * Stops forwarding; nothing if it never started.
 */
void
chk_forward_stop (void)
{
  if (bus == NULL)
    return;
  g_dbus_connection_signal_unsubscribe (bus, owner_changed_id);
  owner_changed_id = 0;
  g_clear_pointer (&listeners, g_hash_table_unref);
  g_clear_object (&bus);
}

/**
 * chk_forward_add_listener:
 * @bus_name: a caller's unique bus name
 * @caller: who it is, as its call was allowed
 *
 * Has @bus_name hear the signals about the jobs it sees, as it sees them
 * now (it may have become an administrator since its last call). Root
 * hears every signal already, and is not added.
 */
void
chk_forward_add_listener (const char      *bus_name,
                          const ChkCaller *caller)
{
  ChkCaller *listener;

  g_return_if_fail (bus_name != NULL);
  g_return_if_fail (caller != NULL);

  if (bus == NULL || caller->uid == 0)
    return;

  listener = g_hash_table_lookup (listeners, bus_name);
  if (listener == NULL)
    {
      listener = g_new0 (ChkCaller, 1);
      g_hash_table_insert (listeners, g_strdup (bus_name), listener);
      g_debug ("%s (uid %u) hears its jobs' signals", bus_name, caller->uid);
    }
  listener->uid = caller->uid;
  listener->all_jobs = caller->all_jobs;
  if (g_strcmp0 (listener->user, caller->user) != 0)
    {
      g_free (listener->user);
      listener->user = g_strdup (caller->user);
    }
}

/**
 * chk_forward_signal:
 * @spec: the spec of the job the signal is about
 * @path: the signal's object path
 * @interface_name: its interface
 * @signal_name: its name
 * @parameters: its arguments; a floating reference is sunk
 *
 * Sends a signal that went to root to each listener that sees the job,
 * in Scheduler1.Forwarded. Nothing when forwarding is not started.
 */
void
chk_forward_signal (const ChkJobSpec *spec,
                    const char       *path,
                    const char       *interface_name,
                    const char       *signal_name,
                    GVariant         *parameters)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (parameters);
  GHashTableIter iter;
  gpointer name, value;

  g_return_if_fail (spec != NULL);

  if (bus == NULL || g_hash_table_size (listeners) == 0)
    return;

  g_hash_table_iter_init (&iter, listeners);
  while (g_hash_table_iter_next (&iter, &name, &value))
    {
      g_autoptr(GError) error = NULL;

      if (!chk_caller_sees_job (value, spec))
        continue;
      if (!g_dbus_connection_emit_signal (bus, name, CHK_MANAGER_PATH,
                                          chk_scheduler1_interface_info ()->name,
                                          "Forwarded",
                                          g_variant_new ("(ossv)", path, interface_name,
                                                         signal_name, owned),
                                          &error))
        g_debug ("Could not forward %s to %s: %s", signal_name, (const char *) name,
                 error->message);
    }
}
