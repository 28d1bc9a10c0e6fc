/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-polkit"

#include "config.h"

#include <gmodule.h>
#include <polkit/polkit.h>

#include "chk-authority.h"
#include "chk-polkit.h"

/*
 * The polkit module: the system daemon's questions to polkit, for
 * ChkAuthority (chk-authority.c). It is a module for what libpolkit brings
 * (libsystemd, libgcrypt and three compressors): a session daemon, which
 * asks polkit nothing, never loads it.
 */

static void
get_authority_async (GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  polkit_authority_get_async (cancellable, callback, user_data);
}

static GObject *
get_authority_finish (GAsyncResult  *result,
                      GError       **error)
{
  return (GObject *) polkit_authority_get_finish (result, error);
}

static void
check_async (GObject             *authority,
             const char          *bus_name,
             const char          *action_id,
             const char          *reason,
             gboolean             interactive,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autoptr(PolkitSubject) subject = polkit_system_bus_name_new (bus_name);
  g_autoptr(PolkitDetails) details = NULL;

  /* Rules may tell the checks apart: action.lookup("io.github.chroniker.Chroniker.reason") */
  if (reason != NULL)
    {
      details = polkit_details_new ();
      polkit_details_insert (details, CHK_AUTHORITY_REASON_DETAIL, reason);
    }

  polkit_authority_check_authorization (POLKIT_AUTHORITY (authority), subject, action_id, details,
                                        interactive ?
                                        POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION :
                                        POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE,
                                        cancellable, callback, user_data);
}

static gboolean
check_finish (GObject          *authority,
              GAsyncResult     *result,
              ChkPolkitAnswer  *out_answer,
              GError          **error)
{
  g_autoptr(PolkitAuthorizationResult) answer = NULL;

  answer = polkit_authority_check_authorization_finish (POLKIT_AUTHORITY (authority), result,
                                                        error);
  if (answer == NULL)
    return FALSE;

  if (polkit_authorization_result_get_is_authorized (answer))
    *out_answer = CHK_POLKIT_AUTHORIZED;
  else if (polkit_authorization_result_get_dismissed (answer))
    *out_answer = CHK_POLKIT_DISMISSED;
  else if (polkit_authorization_result_get_is_challenge (answer))
    *out_answer = CHK_POLKIT_CHALLENGE;
  else
    *out_answer = CHK_POLKIT_REFUSED;
  return TRUE;
}

/* What ChkAuthority looks up in this module (chk-authority.c) */
G_MODULE_EXPORT const ChkPolkitModule chk_polkit_module = {
  .get_authority_async = get_authority_async,
  .get_authority_finish = get_authority_finish,
  .check_async = check_async,
  .check_finish = check_finish,
};
