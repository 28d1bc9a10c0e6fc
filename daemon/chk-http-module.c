/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-http"

#include "config.h"

#include "chk-http-module.h"
#include "chk-module.h"

/*
 * What chronikerd keeps of the HTTP module (chk-http-soup.c): the way to it,
 * and the free function of the results it hands over.
 */

/**
 * chk_http_module_get:
 * @error: return location for a #GError, naming the module's file
 *
 * Loads the HTTP module the first time: at a daemon's first HTTP check or
 * webhook.
 *
 * Returns: (transfer none): the module's functions, or %NULL with @error set
 */
const ChkHttpModule *
chk_http_module_get (GError **error)
{
  return chk_module_lookup ("chk-http-soup", "chk_http_module", error);
}

/**
 * chk_http_check_result_free:
 * @result: (nullable) (transfer full): a #ChkHttpCheckResult
 *
 * Frees @result.
 */
void
chk_http_check_result_free (ChkHttpCheckResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->body_head, g_bytes_unref);
  g_free (result->message);
  g_free (result);
}
