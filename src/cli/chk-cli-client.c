/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chronikerctl"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "chk-bus.h"
#include "chk-cli-client.h"
#include "chk-cli-format.h"
#include "chk-collate.h"
#include "chk-error.h"

#define CALL_TIMEOUT_MS 30000

static GBusType bus_type = G_BUS_TYPE_SESSION;

static int
call_timeout_ms (void)
{
  return bus_type == G_BUS_TYPE_SYSTEM ? CHK_BUS_INTERACTIVE_TIMEOUT_MS : CALL_TIMEOUT_MS;
}

/**
 * chk_client_use_system_bus:
 *
 * Has chk_client_connect() talk to the system daemon (`chronikerd --system`)
 * on the system bus ($DBUS_SYSTEM_BUS_ADDRESS, or the system's), instead of
 * the session's daemon: `chronikerctl --system`.
 */
void
chk_client_use_system_bus (void)
{
  bus_type = G_BUS_TYPE_SYSTEM;
}

/**
 * chk_client_connect:
 * @client: a zeroed #ChkClient
 * @error: return location for a #GError
 *
 * Connects to chronikerd, starting it through D-Bus activation when it
 * does not run: the session's, or the system's after
 * chk_client_use_system_bus(). Calls to the system's may be authorized
 * interactively.
 *
 * Returns: %TRUE if chronikerd answers
 */
gboolean
chk_client_connect (ChkClient  *client,
                    GError    **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) local_error = NULL;

  /* The daemon's errors arrive as CHK_ERROR only once its domain is registered. */
  (void) chk_error_quark ();

  client->connection = g_bus_get_sync (bus_type, NULL, &local_error);
  if (client->connection == NULL && bus_type == G_BUS_TYPE_SYSTEM)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                   _("cannot reach the system bus: %s"), local_error->message);
      return FALSE;
    }
  if (client->connection == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                   _("cannot reach the session bus: %s"), local_error->message);
      return FALSE;
    }
  if (bus_type == G_BUS_TYPE_SYSTEM)
    chk_bus_allow_interactive_authorization (client->connection);

  /* Ping starts the daemon if it can be activated, and says so if not. */
  reply = g_dbus_connection_call_sync (client->connection, CHK_BUS_NAME, CHK_MANAGER_PATH,
                                       "org.freedesktop.DBus.Peer", "Ping", NULL, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, call_timeout_ms (), NULL,
                                       &local_error);
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (local_error);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                   _("chronikerd is not running and could not be started: %s"), local_error->message);
      return FALSE;
    }

  client->scheduler = chk_scheduler1_proxy_new_sync (client->connection, G_DBUS_PROXY_FLAGS_NONE,
                                                     CHK_BUS_NAME, CHK_MANAGER_PATH, NULL, error);
  if (client->scheduler == NULL)
    return FALSE;
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (client->scheduler), call_timeout_ms ());
  return TRUE;
}

/**
 * chk_client_warn_storage_problem:
 * @client: a connected #ChkClient
 *
 * Says on stderr what is wrong with chronikerd's database, when something
 * is (Scheduler1.StorageProblem): what a verb prints may then be missing
 * what the daemon could not store, and the user should know why.
 */
void
chk_client_warn_storage_problem (ChkClient *client)
{
  const char *problem = chk_scheduler1_get_storage_problem (client->scheduler);
  g_autofree char *escaped = NULL;

  if (problem == NULL || *problem == '\0')
    return;

  /* It names a file, whose name may hold anything. */
  escaped = chk_format_escape (problem);
  g_printerr (_("chronikerctl: warning: %s\n"), escaped);
}

void
chk_client_clear (ChkClient *client)
{
  g_clear_object (&client->manager);
  g_clear_object (&client->scheduler);
  g_clear_object (&client->connection);
}

gboolean
chk_client_job_id_from_path (const char *path,
                             guint64    *out_id)
{
  if (!g_str_has_prefix (path, CHK_JOBS_PATH "/"))
    return FALSE;
  return g_ascii_string_to_unsigned (path + strlen (CHK_JOBS_PATH "/"), 10, 1, G_MAXUINT64, out_id, NULL);
}

/**
 * chk_client_is_id:
 * @text: an argument
 *
 * Returns: whether @text is an id (all digits): job names never are
 */
gboolean
chk_client_is_id (const char *text)
{
  if (*text == '\0')
    return FALSE;
  for (; *text != '\0'; text++)
    if (!g_ascii_isdigit (*text))
      return FALSE;
  return TRUE;
}

/**
 * chk_client_get_job:
 * @client: a connected #ChkClient
 * @name_or_id: a job's name, or its id (names are never all digits)
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a proxy for the job with its properties loaded
 */
ChkJob1 *
chk_client_get_job (ChkClient   *client,
                    const char  *name_or_id,
                    GError     **error)
{
  g_autofree char *path = NULL;
  g_autoptr(ChkJob1) job = NULL;

  /* D-Bus carries only UTF-8 (GVariant asserts on anything else): no job has such a name. */
  if (!g_utf8_validate (name_or_id, -1, NULL))
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND,
                   _("No job named “%s”: names are UTF-8 text"), name_or_id);
      return NULL;
    }

  if (chk_client_is_id (name_or_id))
    path = g_strdup_printf (CHK_JOBS_PATH "/%s", name_or_id);
  else if (!chk_scheduler1_call_get_job_by_name_sync (client->scheduler, name_or_id, &path, NULL, error))
    return NULL;

  job = chk_job1_proxy_new_sync (client->connection, G_DBUS_PROXY_FLAGS_GET_INVALIDATED_PROPERTIES,
                                 CHK_BUS_NAME, path, NULL, error);
  if (job == NULL)
    return NULL;
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (job), call_timeout_ms ());

  /* A proxy for a path with no job has no properties. */
  if (chk_job1_get_name (job) == NULL)
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND, _("No job with id %s"), name_or_id);
      return NULL;
    }

  return g_steal_pointer (&job);
}

static int
compare_job_names (gconstpointer a,
                   gconstpointer b)
{
  const char *name_a = chk_job1_get_name ((ChkJob1 *) a);
  const char *name_b = chk_job1_get_name ((ChkJob1 *) b);

  return chk_collate_natural (name_a ? name_a : "", name_b ? name_b : "");
}

/**
 * chk_client_list_jobs:
 * @client: a connected #ChkClient
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type ChkJob1): every job, by name as
 *   chk_collate_natural() sorts them
 */
GList *
chk_client_list_jobs (ChkClient  *client,
                      GError    **error)
{
  GList *objects;
  GList *jobs = NULL;

  if (client->manager == NULL)
    {
      client->manager = chk_object_manager_client_new_sync (client->connection,
                                                            G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                                            CHK_BUS_NAME, CHK_MANAGER_PATH, NULL, error);
      if (client->manager == NULL)
        return NULL;
    }

  objects = g_dbus_object_manager_get_objects (client->manager);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      ChkJob1 *job = chk_object_get_job1 (CHK_OBJECT (l->data));

      if (job != NULL)
        jobs = g_list_prepend (jobs, job);
    }
  g_list_free_full (objects, g_object_unref);

  return g_list_sort (jobs, compare_job_names);
}
