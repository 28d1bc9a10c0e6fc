/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean chk_portal_is_sandboxed            (void);

void     chk_portal_request_background      (GDBusConnection     *connection,
                                             const char          *parent_window,
                                             const char          *reason,
                                             const char * const  *commandline,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean chk_portal_request_background_finish (GDBusConnection  *connection,
                                               GAsyncResult     *result,
                                               gboolean         *out_autostart,
                                               GError          **error);

void     chk_portal_set_background_status   (GDBusConnection     *connection,
                                             const char          *message,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean chk_portal_set_background_status_finish (GDBusConnection  *connection,
                                                  GAsyncResult     *result,
                                                  GError          **error);

G_END_DECLS
