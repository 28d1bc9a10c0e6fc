/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* polkit's answer to one check */
typedef enum
{
  CHK_POLKIT_AUTHORIZED,
  CHK_POLKIT_REFUSED,
  CHK_POLKIT_DISMISSED,  /* the caller dismissed the authentication */
  CHK_POLKIT_CHALLENGE,  /* an authentication is needed, and no agent could ask for it */
} ChkPolkitAnswer;

/* What the polkit module (chk-polkit.so) exports, as chk_polkit_module;
 * chk-module.c tells why it is a module. An authority is polkit's
 * PolkitAuthority, which emits "changed". */
typedef struct
{
  void      (*get_authority_async)  (GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);
  GObject  *(*get_authority_finish) (GAsyncResult         *result,
                                     GError              **error);
  /* Whether the caller @bus_name may do @action_id; @reason, when not NULL,
   * goes to polkit's rules as the detail CHK_AUTHORITY_REASON_DETAIL. */
  void      (*check_async)          (GObject              *authority,
                                     const char           *bus_name,
                                     const char           *action_id,
                                     const char           *reason,
                                     gboolean              interactive,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);
  gboolean  (*check_finish)         (GObject              *authority,
                                     GAsyncResult         *result,
                                     ChkPolkitAnswer      *out_answer,
                                     GError              **error);
} ChkPolkitModule;

G_END_DECLS
