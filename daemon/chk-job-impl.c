/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-dbus"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "chk-code-gate.h"
#include "chk-dbus-util.h"
#include "chk-error.h"
#include "chk-job-impl.h"
#include "chk-job-spec.h"

#define MAX_LIST_LIMIT 10000

/*
 * The methods of io.github.chroniker.Chroniker.Job1: each unpacks its
 * arguments, calls the engine and answers. The job's properties and its
 * object are chk-job-export.c's.
 */

/* Callers see the new values as soon as Update returns: properties are read from the job. */
typedef struct
{
  ChkEngine *engine;
  ChkJob    *job;
  GVariant  *changes;
} Update;

static void
update_free (Update *update)
{
  g_clear_object (&update->engine);
  g_clear_object (&update->job);
  g_clear_pointer (&update->changes, g_variant_unref);
  g_free (update);
}

/* Applies the changes to the job as it is now: the gate may have waited for polkit. */
static void
update_job (GDBusMethodInvocation *invocation,
            gpointer               user_data)
{
  Update *update = user_data;
  g_autoptr(ChkJobSpec) spec = NULL;
  g_autoptr(GError) error = NULL;

  if (chk_engine_lookup_job (update->engine, chk_job_get_id (update->job)) != update->job)
    {
      g_set_error (&error, CHK_ERROR, CHK_ERROR_NOT_FOUND, _("The job was deleted"));
      chk_dbus_return_error (invocation, error);
      return;
    }

  spec = chk_job_spec_copy (chk_job_get_spec (update->job));
  if (!chk_job_spec_update (spec, update->changes, &error) ||
      (g_strcmp0 (spec->user, chk_job_get_spec (update->job)->user) != 0 &&
       !chk_dbus_check_job_user (invocation, spec, &error)) ||
      !chk_engine_update_job (update->engine, update->job, g_steal_pointer (&spec), &error))
    {
      chk_dbus_return_error (invocation, error);
      return;
    }

  g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
handle_update (ChkEngine             *engine,
               ChkJob                *job,
               GDBusMethodInvocation *invocation,
               GVariant              *arg_changes)
{
  g_autoptr(ChkJobSpec) spec = chk_job_spec_copy (chk_job_get_spec (job));
  g_autoptr(GError) error = NULL;
  Update *update;

  /* A job given to another user is as one made for that user. */
  if (!chk_job_spec_update (spec, arg_changes, &error) ||
      (g_strcmp0 (spec->user, chk_job_get_spec (job)->user) != 0 &&
       !chk_dbus_check_job_user (invocation, spec, &error)))
    return chk_dbus_return_error (invocation, error);

  /* With allow-shell false, the system daemon lets only some callers give code. */
  update = g_new0 (Update, 1);
  update->engine = g_object_ref (engine);
  update->job = g_object_ref (job);
  update->changes = g_variant_ref (arg_changes);
  chk_code_gate_call (engine, invocation, spec, chk_job_get_spec (job), update_job, update,
                      (GDestroyNotify) update_free);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_delete (ChkEngine             *engine,
               ChkJob                *job,
               GDBusMethodInvocation *invocation)
{
  g_autoptr(GError) error = NULL;

  if (!chk_engine_delete_job (engine, job, &error))
    return chk_dbus_return_error (invocation, error);

  g_dbus_method_invocation_return_value (invocation, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_run (ChkEngine             *engine,
            ChkJob                *job,
            GDBusMethodInvocation *invocation)
{
  g_autoptr(GError) error = NULL;
  guint64 run_id;

  run_id = chk_engine_run_job (engine, job, &error);
  if (run_id == 0)
    return chk_dbus_return_error (invocation, error);

  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(t)", run_id));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_stop (ChkEngine             *engine,
             ChkJob                *job,
             GDBusMethodInvocation *invocation)
{
  g_autoptr(GError) error = NULL;

  if (!chk_engine_stop_job (engine, job, &error))
    return chk_dbus_return_error (invocation, error);

  g_dbus_method_invocation_return_value (invocation, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_runs (ChkEngine             *engine,
                  ChkJob                *job,
                  GDBusMethodInvocation *invocation,
                  guint                  arg_offset,
                  guint                  arg_limit)
{
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

  filter.job_id = chk_job_get_id (job);
  filter.offset = arg_offset;
  filter.limit = arg_limit != 0 ? arg_limit : 100;

  runs = chk_engine_list_runs (engine, &filter, &error);
  if (runs == NULL)
    return chk_dbus_return_error (invocation, error);

  g_dbus_method_invocation_return_value (invocation,
                                         g_variant_new ("(@aa{sv})", chk_runs_to_variant (runs)));
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
handle_get_environment (ChkEngine             *engine,
                        ChkJob                *job,
                        GDBusMethodInvocation *invocation)
{
  chk_engine_get_job_environment_async (engine, job, NULL, get_environment_cb, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/**
 * chk_job_impl_method_call:
 * @engine: the engine
 * @job: the job called
 * @invocation: (transfer full): a call of a Job1 method, its arguments
 *   checked against the interface by GDBus
 *
 * Serves a Job1 method call about @job, answering @invocation.
 */
void
chk_job_impl_method_call (ChkEngine             *engine,
                          ChkJob                *job,
                          GDBusMethodInvocation *invocation)
{
  const char *method = g_dbus_method_invocation_get_method_name (invocation);
  GVariant *parameters = g_dbus_method_invocation_get_parameters (invocation);

  g_return_if_fail (CHK_IS_ENGINE (engine));
  g_return_if_fail (CHK_IS_JOB (job));

  if (g_str_equal (method, "Update"))
    {
      g_autoptr(GVariant) changes = g_variant_get_child_value (parameters, 0);

      handle_update (engine, job, invocation, changes);
    }
  else if (g_str_equal (method, "Delete"))
    handle_delete (engine, job, invocation);
  else if (g_str_equal (method, "Run"))
    handle_run (engine, job, invocation);
  else if (g_str_equal (method, "Stop"))
    handle_stop (engine, job, invocation);
  else if (g_str_equal (method, "ListRuns"))
    {
      guint offset, limit;

      g_variant_get (parameters, "(uu)", &offset, &limit);
      handle_list_runs (engine, job, invocation, offset, limit);
    }
  else if (g_str_equal (method, "GetEnvironment"))
    handle_get_environment (engine, job, invocation);
  else
    g_assert_not_reached ();  /* GDBus checked the call against the interface */
}
