/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The polkit actions of data/io.github.chroniker.Chroniker.policy.in */
#define CHK_ACTION_MANAGE_OWN_JOBS "io.github.chroniker.Chroniker.manage-own-jobs"
#define CHK_ACTION_MANAGE_ALL_JOBS "io.github.chroniker.Chroniker.manage-all-jobs"
/* The polkit detail that says why a check is made, when it says */
#define CHK_AUTHORITY_REASON_DETAIL "io.github.chroniker.Chroniker.reason"

/**
 * ChkAuthorityMode:
 * @CHK_AUTHORITY_SESSION: a session daemon: its bus is its user's, and
 *   everything is allowed without asking polkit
 * @CHK_AUTHORITY_SYSTEM: the system daemon: polkit decides each call
 */
typedef enum
{
  CHK_AUTHORITY_SESSION,
  CHK_AUTHORITY_SYSTEM,
} ChkAuthorityMode;

#define CHK_TYPE_AUTHORITY (chk_authority_get_type ())

G_DECLARE_FINAL_TYPE (ChkAuthority, chk_authority, CHK, AUTHORITY, GObject)

ChkAuthority     *chk_authority_new             (ChkAuthorityMode      mode);
ChkAuthorityMode  chk_authority_get_mode        (ChkAuthority         *self);
const char       *chk_authority_action_for_call (const char           *interface_name,
                                                 const char           *method_name);
void              chk_authority_check_async     (ChkAuthority         *self,
                                                 const char           *bus_name,
                                                 const char           *action_id,
                                                 gboolean              interactive,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
void              chk_authority_check_reason_async (ChkAuthority      *self,
                                                    const char        *bus_name,
                                                    const char        *action_id,
                                                    const char        *reason,
                                                    gboolean           interactive,
                                                    GCancellable      *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer           user_data);
gboolean          chk_authority_check_finish    (ChkAuthority         *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

G_END_DECLS
