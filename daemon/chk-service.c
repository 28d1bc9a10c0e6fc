/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-dbus"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "chk-dbus-generated.h"
#include "chk-dbus-util.h"
#include "chk-error.h"
#include "chk-job-impl.h"
#include "chk-scheduler-impl.h"
#include "chk-service.h"

/**
 * ChkService:
 *
 * Puts the engine on a bus: the manager object with Scheduler1 and an
 * ObjectManager, one object with Job1 per job, appearing, changing and
 * disappearing with the engine's jobs, and the engine's run signals.
 */
struct _ChkService
{
  GObject                   parent_instance;

  ChkEngine                *engine;
  ChkSchedulerImpl         *scheduler;
  GDBusObjectManagerServer *manager;
  GDBusConnection          *connection;
  guint                     gone_subtree;
};

G_DEFINE_FINAL_TYPE (ChkService, chk_service, G_TYPE_OBJECT)

static void
export_job (ChkService *self,
            ChkJob     *job)
{
  g_autofree char *path = chk_job_object_path (chk_job_get_id (job));
  g_autoptr(ChkObjectSkeleton) object = chk_object_skeleton_new (path);
  g_autoptr(ChkJobImpl) impl = chk_job_impl_new (self->engine, job);

  chk_object_skeleton_set_job1 (object, CHK_JOB1 (impl));
  g_dbus_object_manager_server_export (self->manager, G_DBUS_OBJECT_SKELETON (object));
}

static void
job_added_cb (ChkEngine  *engine,
              ChkJob     *job,
              ChkService *self)
{
  export_job (self, job);
}

static void
job_removed_cb (ChkEngine  *engine,
                ChkJob     *job,
                ChkService *self)
{
  g_autofree char *path = chk_job_object_path (chk_job_get_id (job));

  g_dbus_object_manager_server_unexport (self->manager, path);
}

static void
run_started_cb (ChkEngine  *engine,
                ChkJob     *job,
                guint64     run_id,
                const char *trigger,
                ChkService *self)
{
  g_autofree char *path = chk_job_object_path (chk_job_get_id (job));

  chk_scheduler1_emit_run_started (CHK_SCHEDULER1 (self->scheduler), path, run_id, trigger);
}

static void
run_finished_cb (ChkEngine  *engine,
                 ChkJob     *job,
                 guint64     run_id,
                 const char *outcome,
                 gint        exit_code,
                 ChkService *self)
{
  g_autofree char *path = chk_job_object_path (chk_job_get_id (job));

  chk_scheduler1_emit_run_finished (CHK_SCHEDULER1 (self->scheduler), path, run_id, outcome,
                                    exit_code);
}

static void
output_available_cb (ChkEngine  *engine,
                     guint64     run_id,
                     guint64     last_seq,
                     ChkService *self)
{
  chk_scheduler1_emit_output_available (CHK_SCHEDULER1 (self->scheduler), run_id, last_seq);
}

/*
 * Calls to the path of a job that is gone (deleted, or never was) reach
 * this subtree rather than no one, so they fail with NotFound like every
 * other call about an unknown job.
 */
static void
gone_method_call (GDBusConnection       *connection,
                  const char            *sender,
                  const char            *object_path,
                  const char            *interface_name,
                  const char            *method_name,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer               user_data)
{
  g_dbus_method_invocation_return_error (invocation, CHK_ERROR, CHK_ERROR_NOT_FOUND,
                                         _("No job at %s: it was deleted or never existed"),
                                         object_path);
}

static GVariant *
gone_get_property (GDBusConnection  *connection,
                   const char       *sender,
                   const char       *object_path,
                   const char       *interface_name,
                   const char       *property_name,
                   GError          **error,
                   gpointer          user_data)
{
  g_set_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND,
               _("No job at %s: it was deleted or never existed"), object_path);
  return NULL;
}

static const GDBusInterfaceVTable gone_vtable = {
  gone_method_call,
  gone_get_property,
  NULL,
  { 0 },
};

static char **
gone_enumerate (GDBusConnection *connection,
                const char      *sender,
                const char      *object_path,
                gpointer         user_data)
{
  return g_new0 (char *, 1);
}

static GDBusInterfaceInfo **
gone_introspect (GDBusConnection *connection,
                 const char      *sender,
                 const char      *object_path,
                 const char      *node,
                 gpointer         user_data)
{
  GDBusInterfaceInfo **infos;

  if (node == NULL)
    return NULL;

  infos = g_new0 (GDBusInterfaceInfo *, 2);
  infos[0] = g_dbus_interface_info_ref (chk_job1_interface_info ());
  return infos;
}

static const GDBusInterfaceVTable *
gone_dispatch (GDBusConnection *connection,
               const char      *sender,
               const char      *object_path,
               const char      *interface_name,
               const char      *node,
               gpointer        *out_user_data,
               gpointer         user_data)
{
  *out_user_data = user_data;
  return node != NULL ? &gone_vtable : NULL;
}

static const GDBusSubtreeVTable gone_subtree_vtable = {
  gone_enumerate,
  gone_introspect,
  gone_dispatch,
  { 0 },
};

static void
chk_service_dispose (GObject *object)
{
  ChkService *self = CHK_SERVICE (object);

  chk_service_unexport (self);
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_object (&self->manager);
  g_clear_object (&self->scheduler);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (chk_service_parent_class)->dispose (object);
}

static void
chk_service_class_init (ChkServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = chk_service_dispose;
}

static void
chk_service_init (ChkService *self)
{
}

/**
 * chk_service_new:
 * @engine: the engine to serve
 * @alerts: the alerts that send its emails
 *
 * Returns: (transfer full): a service, not on any bus yet
 */
ChkService *
chk_service_new (ChkEngine *engine,
                 ChkAlerts *alerts)
{
  ChkService *self;

  g_return_val_if_fail (CHK_IS_ENGINE (engine), NULL);

  self = g_object_new (CHK_TYPE_SERVICE, NULL);
  self->engine = g_object_ref (engine);
  self->scheduler = chk_scheduler_impl_new (engine, alerts);
  self->manager = g_dbus_object_manager_server_new (CHK_MANAGER_PATH);

  g_signal_connect (engine, "job-added", G_CALLBACK (job_added_cb), self);
  g_signal_connect (engine, "job-removed", G_CALLBACK (job_removed_cb), self);
  g_signal_connect (engine, "run-started", G_CALLBACK (run_started_cb), self);
  g_signal_connect (engine, "run-finished", G_CALLBACK (run_finished_cb), self);
  g_signal_connect (engine, "output-available", G_CALLBACK (output_available_cb), self);

  return self;
}

/**
 * chk_service_export:
 * @self: a #ChkService
 * @connection: the bus connection
 * @error: return location for a #GError
 *
 * Exports the manager object and every job on @connection. Call it before
 * owning the bus name, so that clients find everything at once.
 *
 * Returns: %TRUE if exported
 */
gboolean
chk_service_export (ChkService       *self,
                    GDBusConnection  *connection,
                    GError          **error)
{
  g_autoptr(GPtrArray) jobs = NULL;

  g_return_val_if_fail (CHK_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), FALSE);
  g_return_val_if_fail (self->connection == NULL, FALSE);

  /* Exported before the manager has a connection: no InterfacesAdded storm. */
  jobs = chk_engine_list_jobs (self->engine);
  for (guint i = 0; i < jobs->len; i++)
    export_job (self, g_ptr_array_index (jobs, i));

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->scheduler), connection,
                                         CHK_MANAGER_PATH, error))
    return FALSE;

  self->gone_subtree = g_dbus_connection_register_subtree (connection, CHK_JOBS_PATH,
                                                           &gone_subtree_vtable,
                                                           G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES,
                                                           self, NULL, error);
  if (self->gone_subtree == 0)
    {
      g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->scheduler));
      return FALSE;
    }

  self->connection = g_object_ref (connection);
  g_dbus_object_manager_server_set_connection (self->manager, connection);
  return TRUE;
}

/**
 * chk_service_unexport:
 * @self: a #ChkService
 *
 * Takes everything off the bus.
 */
void
chk_service_unexport (ChkService *self)
{
  g_return_if_fail (CHK_IS_SERVICE (self));

  if (self->connection == NULL)
    return;

  g_dbus_object_manager_server_set_connection (self->manager, NULL);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->scheduler));
  if (self->gone_subtree != 0)
    g_dbus_connection_unregister_subtree (self->connection, self->gone_subtree);
  self->gone_subtree = 0;
  g_clear_object (&self->connection);
}
