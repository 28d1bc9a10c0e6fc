/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-http-util"

#include "config.h"

#include "chk-http-util.h"

#define USER_AGENT "Chroniker/" PACKAGE_VERSION

/*
 * For tests only: CHK_TEST_CA_FILE names a PEM file of CA certificates that
 * HTTP checks and webhooks then trust instead of the system's, so that tests
 * reach a local HTTPS server with a certificate of their own (tests/http).
 * Read once, when the first session is made.
 */
static GTlsDatabase *
test_tls_database (void)
{
  static GTlsDatabase *database;
  static gsize done;

  if (g_once_init_enter (&done))
    {
      const char *path = g_getenv ("CHK_TEST_CA_FILE");
      g_autoptr(GError) error = NULL;

      if (path != NULL && path[0] != '\0')
        {
          database = g_tls_file_database_new (path, &error);
          if (database == NULL)
            g_warning ("CHK_TEST_CA_FILE: %s", error->message);
          else
            g_message ("HTTPS trusts only the CAs of %s (CHK_TEST_CA_FILE)", path);
        }
      g_once_init_leave (&done, 1);
    }
  return database;
}

/**
 * chk_http_dup_session:
 * @slot: where the session is kept while someone holds it; a weak pointer
 * @timeout_s: the session's I/O timeout; 0 for none
 * @max_conns: how many connections it may have open
 * @max_conns_per_host: how many of them to one host
 *
 * Gets the session kept in @slot, making it when there is none: the
 * `Chroniker/VERSION` user agent, the system proxy settings, no cookies and
 * no cache; with `CHK_TEST_CA_FILE` set, the CAs of that file as the only
 * ones trusted (for tests). It lives while someone holds it, so that nothing is left over
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
  if (test_tls_database () != NULL)
    soup_session_set_tls_database (*slot, test_tls_database ());
  g_object_add_weak_pointer (G_OBJECT (*slot), (gpointer *) slot);
  return *slot;
}

#define TLS_ERRORS_KEY "chk-tls-errors"

/* Refuses the certificate, as libsoup would, but keeps why for the error. */
static gboolean
accept_certificate_cb (SoupMessage          *message,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  g_object_set_data (G_OBJECT (message), TLS_ERRORS_KEY, GUINT_TO_POINTER (errors));
  return FALSE;
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
  g_signal_connect (message, "accept-certificate", G_CALLBACK (accept_certificate_cb), NULL);
  return message;
}

/**
 * chk_http_explain_tls_error:
 * @message: a request made by chk_http_message_new()
 * @error: (transfer full): why it got no response
 *
 * GnuTLS says only "Unacceptable TLS certificate" of a certificate it refused;
 * this says why, as the server's certificate failed the checks: "the
 * certificate is not for 127.0.0.1", "its issuer is not trusted", …
 *
 * Returns: (transfer full): @error, or a clearer error in its place
 */
GError *
chk_http_explain_tls_error (SoupMessage *message,
                            GError      *error)
{
  static const struct { GTlsCertificateFlags flag; const char *text; } reasons[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "its issuer is not trusted" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "it is not for " },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "it is not valid yet" },
    { G_TLS_CERTIFICATE_EXPIRED, "it has expired" },
    { G_TLS_CERTIFICATE_REVOKED, "it was revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "its algorithm is insecure" },
  };
  GTlsCertificateFlags flags;
  g_autoptr(GString) why = NULL;
  GError *clearer;

  g_return_val_if_fail (SOUP_IS_MESSAGE (message), error);
  g_return_val_if_fail (error != NULL, error);

  flags = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (message), TLS_ERRORS_KEY));
  if (!g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE) || flags == 0)
    return error;

  why = g_string_new ("The server's certificate was refused: ");
  for (guint i = 0, n = 0; i < G_N_ELEMENTS (reasons); i++)
    {
      if ((flags & reasons[i].flag) == 0)
        continue;
      if (n++ > 0)
        g_string_append (why, ", ");
      g_string_append (why, reasons[i].text);
      if (reasons[i].flag == G_TLS_CERTIFICATE_BAD_IDENTITY)
        g_string_append (why, g_uri_get_host (soup_message_get_uri (message)));
    }
  if (why->str[why->len - 2] == ':')
    g_string_append (why, "it is not valid");

  clearer = g_error_new_literal (error->domain, error->code, why->str);
  g_error_free (error);
  return clearer;
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
