/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-http"

#include "config.h"

#include <gmodule.h>

#include "chk-http-module.h"

/*
 * The HTTP module: chk-http-check.c, chk-http-util.c and chk-webhook-post.c,
 * with libsoup and the libraries it brings (Kerberos, nghttp2, libpsl,
 * brotli), which only the daemons that check a URL or post a webhook load.
 */

/* What chk_http_module_get() looks up in this module (chk-http-module.c) */
G_MODULE_EXPORT const ChkHttpModule chk_http_module = {
  .check_run_async = chk_http_check_run_async,
  .check_run_finish = chk_http_check_run_finish,
  .webhook_post_async = chk_webhook_post_async,
  .webhook_post_finish = chk_webhook_post_finish,
};
