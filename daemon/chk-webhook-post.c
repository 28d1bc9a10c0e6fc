/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-webhook"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "chk-http-check.h"
#include "chk-http-util.h"
#include "chk-text-util.h"
#include "chk-wait.h"
#include "chk-webhook.h"

/* A webhook's delivery: POSTs and their retries. What it says is chk-webhook.c's. */

/* How much of an error response is quoted in the error. */
#define ERROR_BODY_MAX_BYTES 200
/* The longest wait a receiver's Retry-After may ask for. */
#define RETRY_AFTER_MAX_S 3600

/* The mailer's delays: a receiver that restarts has half a minute to come back. */
static const guint default_retry_delays_ms[] = { 1000, 5000, 30000 };

/* One webhook delivery, over all its tries. */
typedef struct
{
  GUri         *uri;
  char         *shown_url;
  GBytes       *payload;
  GArray       *retry_delays_ms;
  SoupSession  *session;
  GCancellable *cancellable;
  guint         attempt;

  /* The try under way. Its cancellable is cancelled by the caller's, by the try's
   * timeout, and to drop a response body we do not read to its end. */
  SoupMessage  *message;
  GInputStream *body;
  ChkDeadline   try_deadline;
  GError       *try_error;

  /* The wait before the next try. */
} PostData;

static void message_starting_cb (SoupMessage *message,
                                 GTask       *task);

static void
end_try (PostData *data)
{
  chk_http_drop_body (data->body, data->try_deadline.cancellable);
  g_clear_object (&data->body);
  if (data->message != NULL)
    g_signal_handlers_disconnect_matched (data->message, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                          message_starting_cb, NULL);
  g_clear_object (&data->message);
  chk_deadline_clear (&data->try_deadline);
  g_clear_error (&data->try_error);
}

static void
post_data_free (PostData *data)
{
  end_try (data);
  g_clear_pointer (&data->uri, g_uri_unref);
  g_free (data->shown_url);
  g_clear_pointer (&data->payload, g_bytes_unref);
  g_clear_pointer (&data->retry_delays_ms, g_array_unref);
  g_clear_object (&data->session);
  g_clear_object (&data->cancellable);
  g_free (data);
}

static void try_post (GTask *task);

static void
retry_post (GTask *task)
{
  try_post (g_object_ref (task));
}

/* Takes @task and @error: the try failed. Try again after the next delay, or give up. */
static void
try_failed (GTask    *task,
            GError   *error,
            gboolean  may_retry)
{
  PostData *data = g_task_get_task_data (task);

  end_try (data);

  if (may_retry && chk_wait_retry (task, data->retry_delays_ms, &data->attempt, error,
                                   "[chroniker] webhook retry", retry_post))
    g_error_free (error);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

static void
try_succeeded (GTask *task)
{
  PostData *data = g_task_get_task_data (task);

  end_try (data);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static gboolean
status_is_permanent (guint status)
{
  /* A receiver that is down, overloaded or slow may do better later; one that
   * refuses the request will refuse it again. */
  return status < 500 && status != SOUP_STATUS_REQUEST_TIMEOUT && status != 429;
}

/* A receiver that answers 429 or 503 may say when to come back: in seconds or
 * as an HTTP date. */
static gint64
parse_retry_after (const char *value,
                   gint64      now_s)
{
  g_autoptr(GDateTime) date = NULL;
  guint64 seconds;

  if (value == NULL)
    return -1;
  value += strspn (value, " \t");
  if (g_ascii_isdigit (value[0]))
    {
      g_autofree char *digits = g_strndup (value, strspn (value, "0123456789"));

      if (!g_ascii_string_to_unsigned (digits, 10, 0, G_MAXINT64, &seconds, NULL))
        seconds = G_MAXINT64;
      return (gint64) seconds;
    }
  date = soup_date_time_new_from_http_string (value);
  if (date == NULL)
    return -1;
  return MAX (g_date_time_to_unix (date) - now_s, 0);
}

/* Makes the next wait at least as long as the receiver asked, within reason. */
static void
honour_retry_after (PostData *data,
                    guint     status)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (data->message);
  gint64 seconds;
  guint *delay;

  if ((status != 429 && status != SOUP_STATUS_SERVICE_UNAVAILABLE) ||
      data->attempt >= data->retry_delays_ms->len)
    return;
  seconds = parse_retry_after (soup_message_headers_get_one (headers, "Retry-After"),
                               g_get_real_time () / G_USEC_PER_SEC);
  if (seconds < 0)
    return;
  delay = &g_array_index (data->retry_delays_ms, guint, data->attempt);
  *delay = MAX (*delay, (guint) MIN (seconds, RETRY_AFTER_MAX_S) * 1000);
  g_debug ("Webhook %s: Retry-After %" G_GINT64_FORMAT " s", data->shown_url, seconds);
}

static void
body_closed_cb (GObject      *object,
                GAsyncResult *res,
                gpointer      user_data)
{
  GTask *task = user_data;
  PostData *data = g_task_get_task_data (task);
  guint status = soup_message_get_status (data->message);

  g_input_stream_close_finish (G_INPUT_STREAM (object), res, NULL);

  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    try_succeeded (task);
  else if (g_cancellable_is_cancelled (data->cancellable))
    try_failed (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                           "Operation was cancelled"), FALSE);
  else
    {
      honour_retry_after (data, status);
      try_failed (task, g_steal_pointer (&data->try_error), !status_is_permanent (status));
    }
}

/* Takes @task: closes the response body, dropping what is left of it. */
static void
close_body (GTask *task)
{
  PostData *data = g_task_get_task_data (task);

  g_cancellable_cancel (data->try_deadline.cancellable);
  g_input_stream_close_async (data->body, G_PRIORITY_DEFAULT, data->try_deadline.cancellable,
                              body_closed_cb, task);
}

static void
set_status_error (PostData     *data,
                  const guint8 *body,
                  gsize         length)
{
  guint status = soup_message_get_status (data->message);
  const char *reason = soup_message_get_reason_phrase (data->message);
  g_autofree char *safe_reason = NULL;
  g_autofree char *quoted = NULL;

  if (reason == NULL || reason[0] == '\0')
    reason = soup_status_get_phrase (status);
  safe_reason = chk_text_flatten (reason, -1, "\r\n\t");
  if (length > 0)
    {
      /* What the receiver says is wrong, on one line. */
      quoted = g_strstrip (chk_text_flatten ((const char *) body, length, "\r\n\t"));
    }

  g_clear_error (&data->try_error);
  data->try_error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "Webhook %s: HTTP %u %s%s%s",
                                 data->shown_url, status, safe_reason,
                                 quoted != NULL && quoted[0] != '\0' ? ": " : "",
                                 quoted != NULL ? quoted : "");
}

static void
error_body_read_cb (GObject      *object,
                    GAsyncResult *res,
                    gpointer      user_data)
{
  GTask *task = user_data;
  PostData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  const guint8 *body = NULL;
  gsize length = 0;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), res, NULL);
  if (bytes != NULL)
    body = g_bytes_get_data (bytes, &length);
  set_status_error (data, body, length);
  close_body (task);
}

/* Takes @task and @error: the try got no response. */
static void
no_response (GTask  *task,
             GError *error)
{
  PostData *data = g_task_get_task_data (task);
  g_autofree char *why = NULL;

  if (g_cancellable_is_cancelled (data->cancellable))
    {
      g_error_free (error);
      try_failed (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                             "Operation was cancelled"), FALSE);
      return;
    }
  if (data->try_deadline.timed_out || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      g_error_free (error);
      try_failed (task, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                     "Webhook %s: No response within %u s",
                                     data->shown_url, CHK_WEBHOOK_TRY_TIMEOUT_S), TRUE);
      return;
    }

  error = chk_http_explain_tls_error (data->message, error);
  why = chk_http_check_describe_error (data->uri, error);
  /* A refused certificate will be refused again. */
  try_failed (task, g_error_new (error->domain, error->code, "Webhook %s: %s",
                                 data->shown_url, why),
              !g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE));
  g_error_free (error);
}

static void
post_sent_cb (GObject      *object,
              GAsyncResult *res,
              gpointer      user_data)
{
  GTask *task = user_data;
  PostData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->body = soup_session_send_finish (SOUP_SESSION (object), res, &error);
  if (data->body == NULL)
    {
      no_response (task, error);
      return;
    }

  if (SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (data->message)))
    {
      close_body (task);
      return;
    }

  g_input_stream_read_bytes_async (data->body, ERROR_BODY_MAX_BYTES, G_PRIORITY_DEFAULT,
                                   data->try_deadline.cancellable, error_body_read_cb, task);
}

/*
 * The try's clock starts when the request goes out, not while it waits its
 * turn for a connection behind other webhooks to the same receiver: a slow
 * receiver must not make the deliveries queued behind it time out. The
 * session's own timeout bounds connecting and every wait for the socket.
 */
static void
message_starting_cb (SoupMessage *message,
                     GTask       *task)
{
  PostData *data = g_task_get_task_data (task);

  chk_deadline_arm (&data->try_deadline, CHK_WEBHOOK_TRY_TIMEOUT_S * 1000,
                    "[chroniker] webhook timeout", g_task_get_context (task));
}

/* Webhooks have a session of their own, so that a slow receiver never
 * holds up HTTP checks, with room for several deliveries to one receiver. */
static SoupSession *
dup_webhook_session (void)
{
  static SoupSession *session;

  return chk_http_dup_session (&session, CHK_WEBHOOK_TRY_TIMEOUT_S, 32, 8);
}

/* Takes @task. */
static void
try_post (GTask *task)
{
  PostData *data = g_task_get_task_data (task);

  g_assert (data->message == NULL);

  chk_deadline_init (&data->try_deadline, data->cancellable);

  data->message = chk_http_message_new (SOUP_METHOD_POST, data->uri);
  soup_message_set_request_body_from_bytes (data->message, "application/json", data->payload);
  soup_message_headers_replace (soup_message_get_request_headers (data->message),
                                "Accept", "application/json, */*;q=0.5");

  g_signal_connect (data->message, "starting", G_CALLBACK (message_starting_cb), task);

  soup_session_send_async (data->session, data->message, G_PRIORITY_DEFAULT,
                           data->try_deadline.cancellable, post_sent_cb, task);
}

/**
 * chk_webhook_post_async:
 * @url: the `http://` or `https://` URL to POST to
 * @payload: the JSON document, from chk_webhook_build_payload()
 * @retry_delays_ms: (nullable) (array length=n_retry_delays): the waits between
 *   tries; %NULL means 1 s, 5 s, 30 s, as for mail; a non-%NULL array with
 *   @n_retry_delays 0 means one try
 * @n_retry_delays: the length of @retry_delays_ms
 * @session: (nullable): the session to use; %NULL for the webhooks' own, which
 *   allows 8 deliveries to one receiver at a time
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the document was taken or every try has failed
 * @user_data: data for @callback
 *
 * POSTs @payload as `application/json`. A 2xx answer is success; a 5xx, 408 or 429
 * answer, no answer within %CHK_WEBHOOK_TRY_TIMEOUT_S or no connection (but for a
 * refused TLS certificate) is tried again after the next delay; any other answer (a
 * 4xx, a 3xx left after redirects) fails at once, since sending the same document
 * again would not help. A 429 or 503 answer's `Retry-After` (seconds or an HTTP
 * date) makes the next delay at least that long, an hour at most; it does not add
 * tries.
 */
void
chk_webhook_post_async (const char          *url,
                        const char          *payload,
                        const guint         *retry_delays_ms,
                        guint                n_retry_delays,
                        SoupSession         *session,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  PostData *data;

  g_return_if_fail (payload != NULL);
  g_return_if_fail (session == NULL || SOUP_IS_SESSION (session));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, chk_webhook_post_async);
  g_task_set_name (task, "[chroniker] webhook");

  if (!chk_http_check_validate_url (url, &error))
    {
      g_prefix_error (&error, "Webhook: ");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  data = g_new0 (PostData, 1);
  data->uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  /* Tokens often ride in the user info or the query: keep them out of logs. */
  data->shown_url = g_uri_to_string_partial (data->uri, G_URI_HIDE_USERINFO |
                                                        G_URI_HIDE_QUERY |
                                                        G_URI_HIDE_FRAGMENT);
  data->payload = g_bytes_new (payload, strlen (payload));
  data->retry_delays_ms = g_array_new (FALSE, FALSE, sizeof (guint));
  if (retry_delays_ms != NULL)
    g_array_append_vals (data->retry_delays_ms, retry_delays_ms, n_retry_delays);
  else
    g_array_append_vals (data->retry_delays_ms, default_retry_delays_ms,
                         G_N_ELEMENTS (default_retry_delays_ms));
  data->session = session != NULL ? g_object_ref (session) : dup_webhook_session ();
  data->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  g_task_set_task_data (task, data, (GDestroyNotify) post_data_free);

  try_post (g_steal_pointer (&task));
}

/**
 * chk_webhook_post_finish:
 * @result: the #GAsyncResult given to the callback
 * @error: the last try's error, such as "Webhook http://…: HTTP 500 Internal Server
 *   Error"; %G_IO_ERROR_CANCELLED when cancelled
 *
 * Returns: %TRUE if the receiver took the document
 */
gboolean
chk_webhook_post_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == chk_webhook_post_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
