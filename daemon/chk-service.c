/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-dbus"

#include "config.h"

#include "chk-dbus-generated.h"
#include "chk-dbus-util.h"
#include "chk-forward.h"
#include "chk-job-export.h"
#include "chk-scheduler-impl.h"
#include "chk-service.h"

/**
 * ChkService:
 *
 * Puts the engine on a bus: the manager object with Scheduler1 and an
 * ObjectManager, the jobs' objects with Job1 (#ChkJobExport), appearing,
 * changing and disappearing with the engine's jobs, and the engine's run
 * signals.
 */
struct _ChkService
{
  GObject                   parent_instance;

  ChkEngine                *engine;
  ChkSchedulerImpl         *scheduler;
  ChkJobExport             *jobs;
  GDBusConnection          *connection;
};

G_DEFINE_FINAL_TYPE (ChkService, chk_service, G_TYPE_OBJECT)

static void
run_started_cb (ChkEngine  *engine,
                ChkJob     *job,
                guint64     run_id,
                const char *trigger,
                ChkService *self)
{
  g_autofree char *path = chk_job_object_path (chk_job_get_id (job));

  chk_scheduler1_emit_run_started (CHK_SCHEDULER1 (self->scheduler), path, run_id, trigger);
  chk_forward_signal (chk_job_get_spec (job), CHK_MANAGER_PATH,
                      chk_scheduler1_interface_info ()->name, "RunStarted",
                      g_variant_new ("(ots)", path, run_id, trigger));
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
  chk_forward_signal (chk_job_get_spec (job), CHK_MANAGER_PATH,
                      chk_scheduler1_interface_info ()->name, "RunFinished",
                      g_variant_new ("(otsi)", path, run_id, outcome, exit_code));
}

static void
output_available_cb (ChkEngine  *engine,
                     guint64     run_id,
                     guint64     last_seq,
                     ChkService *self)
{
  ChkJob *job = chk_engine_lookup_running_job (engine, run_id);

  chk_scheduler1_emit_output_available (CHK_SCHEDULER1 (self->scheduler), run_id, last_seq);
  if (job != NULL)
    chk_forward_signal (chk_job_get_spec (job), CHK_MANAGER_PATH,
                        chk_scheduler1_interface_info ()->name, "OutputAvailable",
                        g_variant_new ("(tt)", run_id, last_seq));
}

static void
chk_service_dispose (GObject *object)
{
  ChkService *self = CHK_SERVICE (object);

  chk_service_unexport (self);
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_object (&self->jobs);
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
  self->jobs = chk_job_export_new (engine);

  g_signal_connect (engine, "run-started", G_CALLBACK (run_started_cb), self);
  g_signal_connect (engine, "run-finished", G_CALLBACK (run_finished_cb), self);
  /* The other hosts' runs too, in a fleet: clients stay live */
  g_signal_connect (engine, "fleet-run-started", G_CALLBACK (run_started_cb), self);
  g_signal_connect (engine, "fleet-run-finished", G_CALLBACK (run_finished_cb), self);
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
  g_return_val_if_fail (CHK_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), FALSE);
  g_return_val_if_fail (self->connection == NULL, FALSE);

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->scheduler), connection,
                                         CHK_MANAGER_PATH, error))
    return FALSE;

  if (!chk_job_export_register (self->jobs, connection, error))
    {
      g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->scheduler));
      return FALSE;
    }

  self->connection = g_object_ref (connection);
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

  chk_job_export_unregister (self->jobs);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->scheduler));
  g_clear_object (&self->connection);
}
