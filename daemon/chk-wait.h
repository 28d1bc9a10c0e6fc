/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void     chk_wait_async  (guint                delay_ms,
                          const char          *name,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data);
gboolean chk_wait_finish (GAsyncResult        *result,
                          GError             **error);

G_END_DECLS
