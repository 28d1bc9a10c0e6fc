/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-http-check"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "chk-error.h"
#include "chk-http-check.h"
#include "chk-http-util.h"
#include "chk-job-spec.h"
#include "chk-wait.h"

#define READ_CHUNK_BYTES (16 * 1024)

/* The session used when the caller gives none. Only a weak pointer: it lives while
 * a check or a webhook holds it, so nothing is left over when none is under way,
 * and keep-alive connections are reused by checks that overlap. */
static SoupSession *default_session;

/* One check under way. */
typedef struct
{
  GUri         *uri;
  guint         expect_status;
  char         *contains;
  gsize         contains_len;
  guint         timeout_s;
  gsize         max_body_bytes;

  SoupSession  *session;
  SoupMessage  *message;
  GInputStream *body;
  /* Cancelled by the caller's cancellable, by the timeout, and to drop a body we
   * stop reading: libsoup would otherwise read it to its end, which may be never. */
  ChkDeadline   deadline;
  GCancellable *cancellable;

  gint64        started;
  gboolean      eof;
  gboolean      found;
  guint         status;
  gsize         body_read;
  GByteArray   *head;
  /* The end of what was read, to find the text when it straddles two reads. */
  GByteArray   *window;
  /* Why there is no verdict from the response: no response, a broken body. */
  char         *failure;
} CheckData;

static void
check_data_free (CheckData *data)
{
  chk_http_drop_body (data->body, data->deadline.cancellable);
  chk_deadline_clear (&data->deadline);
  g_clear_object (&data->cancellable);
  g_clear_object (&data->body);
  g_clear_object (&data->message);
  g_clear_object (&data->session);
  g_clear_pointer (&data->uri, g_uri_unref);
  g_free (data->contains);
  g_clear_pointer (&data->head, g_byte_array_unref);
  g_clear_pointer (&data->window, g_byte_array_unref);
  g_free (data->failure);
  g_free (data);
}

static void read_more (GTask *task);

/* "host:port" of @uri, with the scheme's port when it has none. */
static char *
uri_host_port (GUri *uri)
{
  const char *host = g_uri_get_host (uri);
  int port = g_uri_get_port (uri);

  if (port < 0)
    port = g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0 ? 443 : 80;
  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%d", host, port);
  return g_strdup_printf ("%s:%d", host, port);
}

/* @text as one line of valid UTF-8, for messages that quote what came from outside. */
static char *
one_line (const char *text,
          gssize      length)
{
  char *line = g_utf8_make_valid (text, length);

  for (char *p = line; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        *p = ' ';
    }
  return line;
}

static char *
status_line (SoupMessage *message,
             guint        status)
{
  const char *reason = message != NULL ? soup_message_get_reason_phrase (message) : NULL;
  g_autofree char *safe = NULL;

  if (reason == NULL || reason[0] == '\0')
    reason = soup_status_get_phrase (status);
  safe = one_line (reason, -1);
  return g_strdup_printf ("HTTP %u %s", status, g_strstrip (safe));
}

static char *
format_elapsed (gint64 elapsed_us)
{
  gint64 ms = elapsed_us / 1000;

  if (ms < 1000)
    return g_strdup_printf ("%d ms", (int) ms);
  /* No %f: the daemon's locale could write a decimal comma. */
  return g_strdup_printf ("%d.%d s", (int) (ms / 1000), (int) (ms % 1000 / 100));
}

/* GSocketClient says "Could not connect to HOST: REASON" without the port; the
 * message names the host and port once. */
static const char *
error_reason (const GError *error)
{
  const char *reason = error->message;

  if (g_str_has_prefix (reason, "Could not connect to "))
    {
      const char *colon = strstr (reason, ": ");

      if (colon != NULL)
        reason = colon + 2;
    }
  return reason;
}

static gboolean
searching (CheckData *data)
{
  return data->contains_len > 0 && data->status == data->expect_status && !data->found;
}

static void
consume_chunk (CheckData    *data,
               const guint8 *chunk,
               gsize         length)
{
  if (data->head->len < data->max_body_bytes)
    g_byte_array_append (data->head, chunk, MIN (length, data->max_body_bytes - data->head->len));

  if (searching (data))
    {
      g_byte_array_append (data->window, chunk, length);
      if (memmem (data->window->data, data->window->len, data->contains, data->contains_len) != NULL)
        data->found = TRUE;
      else if (data->window->len >= data->contains_len)
        g_byte_array_remove_range (data->window, 0, data->window->len - (data->contains_len - 1));
    }
  data->body_read += length;
}

static ChkHttpCheckResult *
make_result (CheckData *data)
{
  ChkHttpCheckResult *result = g_new0 (ChkHttpCheckResult, 1);
  g_autofree char *status = NULL;
  g_autofree char *shown = NULL;

  result->status = data->status;
  result->elapsed_us = g_get_monotonic_time () - data->started;
  result->body_head = g_byte_array_free_to_bytes (g_steal_pointer (&data->head));
  if (data->status != 0)
    status = status_line (data->message, data->status);
  if (data->contains != NULL)
    shown = one_line (data->contains, -1);

  /* The body decides only with a text to find: otherwise it is read for the output,
   * and a timeout or an error while reading it just cuts the output short. */
  if (data->status == 0 && data->deadline.timed_out)
    {
      result->timed_out = TRUE;
      result->message = g_strdup_printf ("No response within %u s", data->timeout_s);
    }
  else if (data->status == 0)
    result->message = g_strdup (data->failure != NULL ? data->failure : "No response");
  else if (data->status != data->expect_status)
    result->message = g_strdup_printf ("%s, expected %u", status, data->expect_status);
  else if (searching (data) && data->deadline.timed_out)
    {
      result->timed_out = TRUE;
      result->message = g_strdup_printf ("%s, but the body did not hold “%s” within %u s",
                                         status, shown, data->timeout_s);
    }
  else if (searching (data) && data->failure != NULL)
    result->message = g_strdup_printf ("%s, but reading the body failed: %s",
                                       status, data->failure);
  else if (searching (data) && !data->eof)
    result->message = g_strdup_printf ("The first %u MiB of the body does not contain “%s”",
                                       (guint) (CHK_HTTP_CHECK_MAX_SEARCH_BYTES / (1024 * 1024)),
                                       shown);
  else if (searching (data))
    result->message = g_strdup_printf ("The body does not contain “%s”", shown);
  else
    {
      g_autofree char *elapsed = format_elapsed (result->elapsed_us);

      result->passed = TRUE;
      result->message = g_strdup_printf ("%s in %s", status, elapsed);
    }

  return result;
}

/* The check's result, or that it was cancelled. */
static void
return_result (GTask *task)
{
  CheckData *data = g_task_get_task_data (task);

  if (g_cancellable_is_cancelled (data->cancellable))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
  else
    g_task_return_pointer (task, make_result (data), (GDestroyNotify) chk_http_check_result_free);
}

static void
body_closed_cb (GObject      *object,
                GAsyncResult *res,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  /* Closing a body that was not read to its end fails as cancelled; it is closed. */
  g_input_stream_close_finish (G_INPUT_STREAM (object), res, NULL);
  return_result (task);
}

/* Takes @task: the check is over, one way or another. */
static void
complete (GTask *task)
{
  CheckData *data = g_task_get_task_data (task);

  chk_deadline_disarm (&data->deadline);

  if (data->body != NULL && !g_input_stream_is_closed (data->body))
    {
      if (!data->eof)
        g_cancellable_cancel (data->deadline.cancellable);
      g_input_stream_close_async (data->body, G_PRIORITY_DEFAULT,
                                  data->eof ? NULL : data->deadline.cancellable,
                                  body_closed_cb, task);
      return;
    }

  return_result (task);
  g_object_unref (task);
}

/* Takes @task and @error. */
static void
read_failed (GTask  *task,
             GError *error)
{
  CheckData *data = g_task_get_task_data (task);

  if (data->message != NULL)
    error = chk_http_explain_tls_error (data->message, error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    data->deadline.timed_out = TRUE;
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    data->failure = data->status == 0 ? chk_http_check_describe_error (data->uri, error)
                                      : one_line (error->message, -1);
  g_error_free (error);
  complete (task);
}

static void
read_cb (GObject      *object,
         GAsyncResult *res,
         gpointer      user_data)
{
  GTask *task = user_data;
  CheckData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;
  gsize length = 0;
  const guint8 *chunk;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), res, &error);
  if (bytes == NULL)
    {
      read_failed (task, error);
      return;
    }

  chunk = g_bytes_get_data (bytes, &length);
  if (length == 0)
    data->eof = TRUE;
  else
    consume_chunk (data, chunk, length);
  read_more (task);
}

/* Takes @task. */
static void
read_more (GTask *task)
{
  CheckData *data = g_task_get_task_data (task);
  gsize count;

  if (data->eof)
    {
      complete (task);
      return;
    }

  if (searching (data) && data->body_read < CHK_HTTP_CHECK_MAX_SEARCH_BYTES)
    count = MIN (READ_CHUNK_BYTES, CHK_HTTP_CHECK_MAX_SEARCH_BYTES - data->body_read);
  else if (data->head->len < data->max_body_bytes)
    count = MIN (READ_CHUNK_BYTES, data->max_body_bytes - data->head->len);
  else
    {
      complete (task);
      return;
    }

  g_input_stream_read_bytes_async (data->body, count, G_PRIORITY_DEFAULT, data->deadline.cancellable,
                                   read_cb, task);
}

static void
send_cb (GObject      *object,
         GAsyncResult *res,
         gpointer      user_data)
{
  GTask *task = user_data;
  CheckData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->body = soup_session_send_finish (SOUP_SESSION (object), res, &error);
  if (data->body == NULL)
    {
      read_failed (task, error);
      return;
    }

  data->status = soup_message_get_status (data->message);
  read_more (task);
}

/**
 * chk_http_check_validate_url:
 * @url: (nullable): a URL
 * @error: return location for a %CHK_ERROR_INVALID_ARGUMENT naming what is wrong
 *
 * Checks that @url is an absolute `http://` or `https://` URL with a host, without
 * white space or control characters, that libsoup can fetch. The job spec applies
 * the same rule (chk_check_http_url()); this adds what libsoup needs.
 *
 * Returns: %TRUE if @url can be checked or posted to
 */
gboolean
chk_http_check_validate_url (const char  *url,
                             GError     **error)
{
  g_autoptr(GUri) uri = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (url == NULL || url[0] == '\0')
    return chk_set_error (error, CHK_ERROR_INVALID_ARGUMENT, "The URL is empty");
  if (!g_utf8_validate (url, -1, NULL))
    return chk_set_error (error, CHK_ERROR_INVALID_ARGUMENT, "The URL is not valid UTF-8");
  if (!chk_check_http_url (NULL, url, error))
    return FALSE;

  /* What soup_message_new_from_uri() asks of a URI. */
  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    return chk_set_error (error, CHK_ERROR_INVALID_ARGUMENT,
                          "“%s” is not a URL that can be fetched", url);
  return TRUE;
}

/**
 * chk_http_check_dup_default_session:
 *
 * Gets the session checks and webhooks share when they are given none: the
 * `Chroniker/VERSION` user agent, the system proxy settings, no cookies, no cache,
 * and no I/O timeout of its own (each caller bounds its work). It lives while
 * someone holds it. Use it from the main thread only, like any #SoupSession.
 *
 * Returns: (transfer full): the shared #SoupSession
 */
SoupSession *
chk_http_check_dup_default_session (void)
{
  /* Room for many monitors due in the same minute: a check's timeout counts
   * its wait for a connection, which must not come from our own limits. */
  return chk_http_dup_session (&default_session, 0, 64, 4);
}

/**
 * chk_http_check_describe_error:
 * @uri: the URL asked for
 * @error: why no response came
 *
 * Says why a request got no response, for people: "Could not connect to
 * 127.0.0.1:8: Connection refused", "Could not find the host …", "TLS with … failed: …"
 * or "No valid HTTP response from …".
 *
 * Returns: (transfer full): one line naming the host, the port and the reason
 */
char *
chk_http_check_describe_error (GUri         *uri,
                               const GError *error)
{
  g_autofree char *where = uri_host_port (uri);
  g_autofree char *reason = one_line (error_reason (error), -1);

  if (error->domain == G_RESOLVER_ERROR)
    return g_strdup_printf ("Could not find the host %s: %s", g_uri_get_host (uri), reason);
  if (error->domain == G_TLS_ERROR)
    return g_strdup_printf ("TLS with %s failed: %s", where, reason);
  if (error->domain == G_IO_ERROR)
    {
      switch (error->code)
        {
        case G_IO_ERROR_CONNECTION_REFUSED:
        case G_IO_ERROR_HOST_NOT_FOUND:
        case G_IO_ERROR_HOST_UNREACHABLE:
        case G_IO_ERROR_NETWORK_UNREACHABLE:
        case G_IO_ERROR_PROXY_FAILED:
        case G_IO_ERROR_PROXY_AUTH_FAILED:
        case G_IO_ERROR_PROXY_NEED_AUTH:
        case G_IO_ERROR_PROXY_NOT_ALLOWED:
          return g_strdup_printf ("Could not connect to %s: %s", where, reason);
        default:
          break;
        }
    }
  return g_strdup_printf ("No valid HTTP response from %s: %s", where, reason);
}

/**
 * chk_http_check_run_async:
 * @config: the check; copied
 * @session: (nullable): the session to use; %NULL for
 *   chk_http_check_dup_default_session()
 * @cancellable: (nullable): cancels the check; it then ends with
 *   %G_IO_ERROR_CANCELLED as soon as libsoup lets go
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Fetches @config's URL with GET, following redirects, and judges the final
 * response: its status must be the expected one and, when a text is given, the
 * body must contain it. The body is read as it arrives, never whole: the search
 * stops at the text or after %CHK_HTTP_CHECK_MAX_SEARCH_BYTES, and without a text
 * only the head kept for the output is read. The timeout covers everything from
 * connecting to the last byte read. Nothing blocks the main loop.
 */
void
chk_http_check_run_async (const ChkHttpCheckConfig *config,
                          SoupSession              *session,
                          GCancellable             *cancellable,
                          GAsyncReadyCallback       callback,
                          gpointer                  user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  CheckData *data;

  g_return_if_fail (config != NULL);
  g_return_if_fail (session == NULL || SOUP_IS_SESSION (session));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, chk_http_check_run_async);
  g_task_set_name (task, "[chroniker] http check");

  data = g_new0 (CheckData, 1);
  data->expect_status = config->expect_status != 0 ? config->expect_status
                                                   : CHK_HTTP_CHECK_DEFAULT_STATUS;
  data->contains = g_strdup (config->contains != NULL ? config->contains : "");
  data->contains_len = strlen (data->contains);
  data->timeout_s = config->timeout_s != 0 ? config->timeout_s : CHK_HTTP_CHECK_DEFAULT_TIMEOUT_S;
  data->max_body_bytes = config->max_body_bytes != 0 ? config->max_body_bytes
                                                     : CHK_HTTP_CHECK_DEFAULT_MAX_BODY_BYTES;
  data->max_body_bytes = MIN (data->max_body_bytes, CHK_HTTP_CHECK_MAX_SEARCH_BYTES);
  data->head = g_byte_array_new ();
  data->window = g_byte_array_new ();
  chk_deadline_init (&data->deadline, cancellable);
  data->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  data->started = g_get_monotonic_time ();
  g_task_set_task_data (task, data, (GDestroyNotify) check_data_free);

  if (g_task_return_error_if_cancelled (task))
    return;

  if (!chk_http_check_validate_url (config->url, &error))
    {
      data->failure = g_strdup (error->message);
      complete (g_steal_pointer (&task));
      return;
    }

  data->uri = g_uri_parse (config->url, SOUP_HTTP_URI_FLAGS, NULL);
  data->session = session != NULL ? g_object_ref (session) : chk_http_check_dup_default_session ();
  data->message = chk_http_message_new (SOUP_METHOD_GET, data->uri);
  /* A health check must reach the server, not a cache on the way. */
  soup_message_headers_replace (soup_message_get_request_headers (data->message),
                                "Cache-Control", "no-cache");

  chk_deadline_arm (&data->deadline, MIN (data->timeout_s, G_MAXUINT / 1000) * 1000,
                    "[chroniker] http check timeout", g_task_get_context (task));

  soup_session_send_async (data->session, data->message, G_PRIORITY_DEFAULT,
                           data->deadline.cancellable, send_cb, g_steal_pointer (&task));
}

/**
 * chk_http_check_run_finish:
 * @result: the #GAsyncResult given to the callback
 * @error: set only when the check was cancelled
 *
 * Returns: (transfer full) (nullable): the result, passed or not, or %NULL when
 *   cancelled
 */
ChkHttpCheckResult *
chk_http_check_run_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == chk_http_check_run_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
