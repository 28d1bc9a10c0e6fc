/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-http-util"

#include "config.h"

#include "chk-http-util.h"

#define USER_AGENT "Chroniker/" PACKAGE_VERSION

/**
 * chk_http_dup_session:
 * @slot: where the session is kept while someone holds it; a weak pointer
 * @timeout_s: the session's I/O timeout; 0 for none
 * @max_conns: how many connections it may have open
 * @max_conns_per_host: how many of them to one host
 *
 * Gets the session kept in @slot, making it when there is none: the
 * `Chroniker/VERSION` user agent, the system proxy settings, no cookies and
 * no cache. It lives while someone holds it, so that nothing is left over
 * when no request is under way. Use it from the main thread only, like any
 * #SoupSession.
 *
 * Returns: (transfer full): the session
 */
SoupSession *
chk_http_dup_session (SoupSession **slot,
                      guint         timeout_s,
                      int           max_conns,
                      int           max_conns_per_host)
{
  g_return_val_if_fail (slot != NULL, NULL);

  if (*slot != NULL)
    return g_object_ref (*slot);

  *slot = soup_session_new_with_options ("user-agent", USER_AGENT,
                                         "timeout", timeout_s,
                                         "max-conns", max_conns,
                                         "max-conns-per-host", max_conns_per_host,
                                         NULL);
  g_object_add_weak_pointer (G_OBJECT (*slot), (gpointer *) slot);
  return *slot;
}

/**
 * chk_http_message_new:
 * @method: the HTTP method, such as %SOUP_METHOD_GET
 * @uri: a URI checked with chk_http_check_validate_url()
 *
 * Returns: (transfer full): a request with our user agent, which replaces the
 *   session's, if it has one
 */
SoupMessage *
chk_http_message_new (const char *method,
                      GUri       *uri)
{
  SoupMessage *message;

  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  message = soup_message_new_from_uri (method, uri);
  soup_message_headers_replace (soup_message_get_request_headers (message),
                                "User-Agent", USER_AGENT);
  return message;
}

/**
 * chk_http_drop_body:
 * @body: (nullable): a response body
 * @cancellable: (nullable): the cancellable its reads use, which nothing else
 *   needs
 *
 * Closes @body, when it is still open, without reading the rest of it: for
 * the paths that did not close it themselves. A sync close with a live
 * cancellable would read the body to its end, which may be never, so
 * @cancellable is cancelled first.
 */
void
chk_http_drop_body (GInputStream *body,
                    GCancellable *cancellable)
{
  g_return_if_fail (body == NULL || G_IS_INPUT_STREAM (body));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (body == NULL || g_input_stream_is_closed (body))
    return;

  g_cancellable_cancel (cancellable);
  g_input_stream_close (body, cancellable, NULL);
}
