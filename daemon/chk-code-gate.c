/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-dbus"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "chk-code-gate.h"
#include "chk-code-policy.h"
#include "chk-dbus-util.h"
#include "chk-error.h"

/*
 * The system mode's allow-shell policy, between CreateJob or Update and
 * the engine: with the setting false, a caller that may not manage every
 * job may not give a job code on its command line or a variable that
 * loads code (chk_code_policy_check_spec()). Shell lines the engine
 * refuses to everyone. Only a spec the policy refuses costs a question to
 * polkit: whether its caller holds manage-all-jobs.
 */

typedef struct
{
  GDBusMethodInvocation *invocation;
  GError                *refusal;
  ChkCodeGateFunc        func;
  gpointer               user_data;
  GDestroyNotify         destroy;
} Gate;

static void
gate_free (Gate *gate)
{
  g_clear_object (&gate->invocation);
  g_clear_error (&gate->refusal);
  if (gate->destroy != NULL)
    gate->destroy (gate->user_data);
  g_free (gate);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Gate, gate_free)

static void
manage_all_checked_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(Gate) gate = user_data;
  g_autoptr(GError) error = NULL;

  if (chk_authority_check_finish (CHK_AUTHORITY (object), result, &error))
    {
      gate->func (g_steal_pointer (&gate->invocation), gate->user_data);
      return;
    }

  g_debug ("%s: %s", gate->refusal->message, error->message);
  g_dbus_method_invocation_return_error (g_steal_pointer (&gate->invocation),
                                         gate->refusal->domain, gate->refusal->code,
                                         /* Translators: a refusal, then a polkit action */
                                         _("%s, to callers without %s"),
                                         gate->refusal->message, CHK_ACTION_MANAGE_ALL_JOBS);
}

/**
 * chk_code_gate_call:
 * @engine: the engine, whose settings say whether shells are allowed
 * @invocation: (transfer full): a CreateJob or Update call
 * @spec: the job's spec as the call would make it
 * @old_spec: (nullable): the job's spec before an Update
 * @func: what the call does, if it may
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data once @func ran or the call was refused
 *
 * Calls @func with @invocation now, or once polkit said the caller holds
 * manage-all-jobs, or answers @invocation with the policy's refusal.
 */
void
chk_code_gate_call (ChkEngine             *engine,
                    GDBusMethodInvocation *invocation,
                    const ChkJobSpec      *spec,
                    const ChkJobSpec      *old_spec,
                    ChkCodeGateFunc        func,
                    gpointer               user_data,
                    GDestroyNotify         destroy)
{
  g_autoptr(Gate) gate = g_new0 (Gate, 1);
  ChkAuthority *authority = chk_dbus_get_authority ();

  gate->invocation = invocation;
  gate->func = func;
  gate->user_data = user_data;
  gate->destroy = destroy;

  if (authority == NULL || chk_authority_get_mode (authority) != CHK_AUTHORITY_SYSTEM ||
      chk_settings_get_allow_shell (chk_engine_get_settings (engine)) ||
      chk_code_policy_check_spec (spec, old_spec, &gate->refusal))
    {
      func (g_steal_pointer (&gate->invocation), user_data);
      return;
    }

  chk_authority_check_reason_async (authority,
                                    g_dbus_method_invocation_get_sender (invocation),
                                    CHK_ACTION_MANAGE_ALL_JOBS, "allow-shell", TRUE, NULL,
                                    manage_all_checked_cb, g_steal_pointer (&gate));
}
