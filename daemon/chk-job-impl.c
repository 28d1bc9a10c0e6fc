/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-dbus"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "chk-dbus-util.h"
#include "chk-error.h"
#include "chk-job-impl.h"
#include "chk-job-spec.h"

#define MAX_LIST_LIMIT 10000

/**
 * ChkJobImpl:
 *
 * The io.github.chroniker.Chroniker.Job1 interface of one job: its methods
 * call the engine, and its properties follow the #ChkJob (the skeleton
 * sends PropertiesChanged for the ones that really changed).
 */
struct _ChkJobImpl
{
  ChkJob1Skeleton  parent_instance;

  ChkEngine       *engine;
  ChkJob          *job;
};

static void chk_job_iface_init (ChkJob1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ChkJobImpl, chk_job_impl, CHK_TYPE_JOB1_SKELETON,
                               G_IMPLEMENT_INTERFACE (CHK_TYPE_JOB1, chk_job_iface_init))

/* The properties that come from the job's spec */
static void
sync_spec (ChkJobImpl *self)
{
  ChkJob1 *iface = CHK_JOB1 (self);
  ChkJob *job = self->job;
  g_autofree char *description = chk_job_dup_schedule_description (job);

  chk_job1_set_id (iface, chk_job_get_id (job));
  chk_job_spec_to_job1 (chk_job_get_spec (job), iface);

  /* The job's state, which no spec key says. */
  chk_job1_set_schedule_description (iface, description);
}

/* Brings the properties that @changes names up to date with the job */
static void
chk_job_impl_sync (ChkJobImpl   *self,
                   ChkJobChange  changes)
{
  ChkJob1 *iface = CHK_JOB1 (self);
  ChkJob *job = self->job;

  if (changes & CHK_JOB_CHANGE_SPEC)
    sync_spec (self);
  if (changes & CHK_JOB_CHANGE_NEXT_RUN)
    chk_job1_set_next_run (iface, chk_job_get_next_run (job));
  if (changes & CHK_JOB_CHANGE_LAST_RUN)
    {
      chk_job1_set_last_run_started (iface, chk_job_get_last_run_started (job));
      chk_job1_set_last_run_finished (iface, chk_job_get_last_run_finished (job));
      chk_job1_set_last_outcome (iface, chk_job_get_last_outcome (job));
      chk_job1_set_last_exit_code (iface, chk_job_get_last_exit_code (job));
    }
  if (changes & CHK_JOB_CHANGE_ALERT_ERROR)
    chk_job1_set_last_alert_error (iface, chk_job_get_last_alert_error (job));
  if (changes & CHK_JOB_CHANGE_WAITING)
    chk_job1_set_waiting_for (iface, chk_job_get_waiting_for (job));
  if (changes & CHK_JOB_CHANGE_RUNNING)
    {
      chk_job1_set_running (iface, chk_job_get_running (job));
      chk_job1_set_current_run (iface, chk_job_get_current_run (job));
    }
  if (changes & CHK_JOB_CHANGE_PROGRESS)
    {
      chk_job1_set_progress_complete (iface, chk_job_get_progress_complete (job));
      chk_job1_set_progress_total (iface, chk_job_get_progress_total (job));
      chk_job1_set_progress_message (iface, chk_job_get_progress_message (job));
    }
}

static void
job_changed_cb (ChkJob     *job,
                guint       changes,
                ChkJobImpl *self)
{
  chk_job_impl_sync (self, changes);
}

static gboolean
chk_job_impl_handle_update (ChkJob1               *object,
                            GDBusMethodInvocation *invocation,
                            GVariant              *arg_changes)
{
  ChkJobImpl *self = CHK_JOB_IMPL (object);
  g_autoptr(ChkJobSpec) spec = chk_job_spec_copy (chk_job_get_spec (self->job));
  g_autoptr(GError) error = NULL;

  if (!chk_job_spec_update (spec, arg_changes, &error) ||
      !chk_engine_update_job (self->engine, self->job, g_steal_pointer (&spec), &error))
    return chk_dbus_return_error (invocation, error);

  /* Callers see the new values as soon as Update returns. */
  chk_job_impl_sync (self, CHK_JOB_CHANGE_SPEC | CHK_JOB_CHANGE_NEXT_RUN);
  chk_job1_complete_update (object, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
chk_job_impl_handle_delete (ChkJob1               *object,
                            GDBusMethodInvocation *invocation)
{
  g_autoptr(ChkJobImpl) self = g_object_ref (CHK_JOB_IMPL (object));
  g_autoptr(GError) error = NULL;

  if (!chk_engine_delete_job (self->engine, self->job, &error))
    return chk_dbus_return_error (invocation, error);

  chk_job1_complete_delete (object, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
chk_job_impl_handle_run (ChkJob1               *object,
                         GDBusMethodInvocation *invocation)
{
  ChkJobImpl *self = CHK_JOB_IMPL (object);
  g_autoptr(GError) error = NULL;
  guint64 run_id;

  run_id = chk_engine_run_job (self->engine, self->job, &error);
  if (run_id == 0)
    return chk_dbus_return_error (invocation, error);

  chk_job_impl_sync (self, CHK_JOB_CHANGE_RUNNING | CHK_JOB_CHANGE_LAST_RUN | CHK_JOB_CHANGE_PROGRESS);
  chk_job1_complete_run (object, invocation, run_id);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
chk_job_impl_handle_stop (ChkJob1               *object,
                          GDBusMethodInvocation *invocation)
{
  ChkJobImpl *self = CHK_JOB_IMPL (object);
  g_autoptr(GError) error = NULL;

  if (!chk_engine_stop_job (self->engine, self->job, &error))
    return chk_dbus_return_error (invocation, error);

  chk_job1_complete_stop (object, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
chk_job_impl_handle_list_runs (ChkJob1               *object,
                               GDBusMethodInvocation *invocation,
                               guint                  arg_offset,
                               guint                  arg_limit)
{
  ChkJobImpl *self = CHK_JOB_IMPL (object);
  ChkRunFilter filter = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = NULL;

  if (arg_limit > MAX_LIST_LIMIT)
    {
      g_autoptr(GError) error = NULL;

      chk_set_key_error (&error, CHK_ERROR_INVALID_ARGUMENT, "limit",
                         _("%u is more than %d; page with offset"), arg_limit, MAX_LIST_LIMIT);
      return chk_dbus_return_error (invocation, error);
    }

  filter.job_id = chk_job_get_id (self->job);
  filter.offset = arg_offset;
  filter.limit = arg_limit != 0 ? arg_limit : 100;

  runs = chk_engine_list_runs (self->engine, &filter, &error);
  if (runs == NULL)
    return chk_dbus_return_error (invocation, error);

  chk_job1_complete_list_runs (object, invocation, chk_runs_to_variant (runs));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
get_environment_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  /* Owned by the call until it is answered, which takes it. */
  GDBusMethodInvocation *invocation = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = NULL;
  GVariantBuilder builder;

  envp = chk_engine_get_job_environment_finish (CHK_ENGINE (object), result, &error);
  if (envp == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  for (guint i = 0; envp[i] != NULL; i++)
    {
      g_autofree char *name = NULL;
      const char *equals = strchr (envp[i], '=');

      g_assert (equals != NULL);
      name = g_strndup (envp[i], equals - envp[i]);
      g_variant_builder_add (&builder, "{ss}", name, equals + 1);
    }

  g_dbus_method_invocation_return_value (invocation,
                                         g_variant_new ("(a{ss})", &builder));
}

static gboolean
chk_job_impl_handle_get_environment (ChkJob1               *object,
                                     GDBusMethodInvocation *invocation)
{
  ChkJobImpl *self = CHK_JOB_IMPL (object);

  chk_engine_get_job_environment_async (self->engine, self->job, NULL, get_environment_cb,
                                        invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
chk_job_iface_init (ChkJob1Iface *iface)
{
  iface->handle_update = chk_job_impl_handle_update;
  iface->handle_delete = chk_job_impl_handle_delete;
  iface->handle_run = chk_job_impl_handle_run;
  iface->handle_stop = chk_job_impl_handle_stop;
  iface->handle_list_runs = chk_job_impl_handle_list_runs;
  iface->handle_get_environment = chk_job_impl_handle_get_environment;
}

static void
chk_job_impl_dispose (GObject *object)
{
  ChkJobImpl *self = CHK_JOB_IMPL (object);

  if (self->job != NULL)
    g_signal_handlers_disconnect_by_data (self->job, self);
  g_clear_object (&self->job);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (chk_job_impl_parent_class)->dispose (object);
}

/* Every method call is checked first: the generated handler runs only for our own user. */
static GDBusInterfaceVTable *
chk_job_impl_get_vtable (GDBusInterfaceSkeleton *skeleton)
{
  static GDBusInterfaceVTable vtable;

  return chk_dbus_authorized_vtable (skeleton, &vtable);
}

static void
chk_job_impl_class_init (ChkJobImplClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = chk_job_impl_dispose;
  G_DBUS_INTERFACE_SKELETON_CLASS (klass)->get_vtable = chk_job_impl_get_vtable;
}

static void
chk_job_impl_init (ChkJobImpl *self)
{
}

/**
 * chk_job_impl_new:
 * @engine: the engine
 * @job: the job to serve
 *
 * Returns: (transfer full): the Job1 skeleton of @job, not exported yet
 */
ChkJobImpl *
chk_job_impl_new (ChkEngine *engine,
                  ChkJob    *job)
{
  ChkJobImpl *self;

  g_return_val_if_fail (CHK_IS_ENGINE (engine), NULL);
  g_return_val_if_fail (CHK_IS_JOB (job), NULL);

  self = g_object_new (CHK_TYPE_JOB_IMPL, NULL);
  self->engine = g_object_ref (engine);
  self->job = g_object_ref (job);
  chk_job_impl_sync (self, CHK_JOB_CHANGE_ALL);
  g_signal_connect (job, "changed", G_CALLBACK (job_changed_cb), self);

  return self;
}
