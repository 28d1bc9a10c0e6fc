/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include "chk-http-check.h"
#include "chk-webhook.h"

G_BEGIN_DECLS

/* What the HTTP module (chk-http-soup.so) exports, as chk_http_module: HTTP
 * checks and webhook deliveries, with libsoup. Each member is the function
 * of the same name, chk_http_check_run_async() and so on; chk-module.c
 * tells why they are a module's. */
typedef struct
{
  void                (*check_run_async)     (const ChkHttpCheckConfig  *config,
                                              SoupSession               *session,
                                              GCancellable              *cancellable,
                                              GAsyncReadyCallback        callback,
                                              gpointer                   user_data);
  ChkHttpCheckResult *(*check_run_finish)    (GAsyncResult              *result,
                                              GError                   **error);
  void                (*webhook_post_async)  (const char                *url,
                                              const char                *payload,
                                              const guint               *retry_delays_ms,
                                              guint                      n_retry_delays,
                                              SoupSession               *session,
                                              GCancellable              *cancellable,
                                              GAsyncReadyCallback        callback,
                                              gpointer                   user_data);
  gboolean            (*webhook_post_finish) (GAsyncResult              *result,
                                              GError                   **error);
} ChkHttpModule;

const ChkHttpModule *chk_http_module_get (GError **error);

G_END_DECLS
