/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CHK_LOGIN_START_UNIT      "chronikerd-login.target"
#define CHK_LOGIN_START_SYSTEMD   "systemd-unit"
#define CHK_LOGIN_START_AUTOSTART "autostart"

void      chk_login_start_get_async  (GDBusConnection      *bus,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
char     *chk_login_start_get_finish (GAsyncResult         *result,
                                      GError              **error);
void      chk_login_start_set_async  (GDBusConnection      *bus,
                                      gboolean              enable,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
gboolean  chk_login_start_set_finish (GAsyncResult         *result,
                                      GError              **error);

G_END_DECLS
