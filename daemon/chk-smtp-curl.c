/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-smtp"

#include "config.h"

#include <string.h>

#include <curl/curl.h>
#include <gmodule.h>

#include "chk-smtp.h"

/*
 * The SMTP module: the mailer's transactions, through libcurl. It is a
 * module for what libcurl brings (chk-module.c); it uses GLib alone besides.
 */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CURL, curl_easy_cleanup)

/* @url, with "***" for its password if it has one. */
static char *
url_without_password (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);

  if (uri == NULL || g_uri_get_password (uri) == NULL)
    return g_strdup (url);

  return g_uri_join_with_user (G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED,
                               g_uri_get_scheme (uri), g_uri_get_user (uri), "***", NULL,
                               g_uri_get_host (uri), g_uri_get_port (uri), g_uri_get_path (uri),
                               g_uri_get_query (uri), g_uri_get_fragment (uri));
}

static void
set_io_error_from_curl (GError    **error,
                        CURLcode    code,
                        const char *detail,
                        const char *url)
{
  GIOErrorEnum io_code;

  switch (code)
    {
    case CURLE_ABORTED_BY_CALLBACK:
      io_code = G_IO_ERROR_CANCELLED;
      break;
    case CURLE_OPERATION_TIMEDOUT:
      io_code = G_IO_ERROR_TIMED_OUT;
      break;
    case CURLE_COULDNT_CONNECT:
      io_code = G_IO_ERROR_CONNECTION_REFUSED;
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
      io_code = G_IO_ERROR_HOST_NOT_FOUND;
      break;
    case CURLE_LOGIN_DENIED:
      io_code = G_IO_ERROR_PERMISSION_DENIED;
      break;
    default:
      io_code = G_IO_ERROR_FAILED;
      break;
    }

  if (io_code == G_IO_ERROR_CANCELLED)
    {
      g_set_error_literal (error, G_IO_ERROR, io_code, "Operation was cancelled");
    }
  else
    {
      /* The message ends up in runs, logs and D-Bus replies: never with a
       * password that an older version let into smtp-url. */
      g_autofree char *shown = url_without_password (url);

      g_set_error (error, G_IO_ERROR, io_code, "Sending mail to %s failed: %s",
                   shown, detail != NULL && detail[0] != '\0' ? detail : curl_easy_strerror (code));
    }
}

static size_t
smtp_read_cb (char   *buffer,
              size_t  size,
              size_t  nitems,
              void   *user_data)
{
  ChkSmtpTry *smtp = user_data;
  gsize n = MIN (size * nitems, smtp->length - smtp->offset);

  memcpy (buffer, smtp->message + smtp->offset, n);
  smtp->offset += n;
  return n;
}

static int
smtp_progress_cb (void       *user_data,
                  curl_off_t  dltotal,
                  curl_off_t  dlnow,
                  curl_off_t  ultotal,
                  curl_off_t  ulnow)
{
  return g_cancellable_is_cancelled (G_CANCELLABLE (user_data)) ? 1 : 0;
}

/* One SMTP transaction, blocking: ChkSmtpModule.send */
static gboolean
smtp_send (ChkSmtpTry    *smtp,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(CURL) curl = NULL;
  g_autoptr(GCancellable) never = NULL;
  struct curl_slist *rcpts = NULL;
  char errbuf[CURL_ERROR_SIZE] = "";
  g_autofree char *mail_from = NULL;
  CURLcode code;

  curl = curl_easy_init ();
  if (curl == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not set up libcurl");
      return FALSE;
    }

  if (cancellable == NULL)
    cancellable = never = g_cancellable_new ();

  mail_from = g_strdup_printf ("<%s>", smtp->from);
  for (guint i = 0; smtp->to[i] != NULL; i++)
    {
      g_autofree char *rcpt = g_strdup_printf ("<%s>", smtp->to[i]);
      rcpts = curl_slist_append (rcpts, rcpt);
    }

  curl_easy_setopt (curl, CURLOPT_URL, smtp->url);
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (curl, CURLOPT_MAIL_FROM, mail_from);
  curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, rcpts);
  curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt (curl, CURLOPT_READFUNCTION, smtp_read_cb);
  curl_easy_setopt (curl, CURLOPT_READDATA, smtp);
  curl_easy_setopt (curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) smtp->length);
  curl_easy_setopt (curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (curl, CURLOPT_XFERINFOFUNCTION, smtp_progress_cb);
  curl_easy_setopt (curl, CURLOPT_XFERINFODATA, cancellable);
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT_MS, (long) MIN (smtp->timeout_ms, 30000));
  curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, (long) smtp->timeout_ms);
  if (smtp->starttls)
    curl_easy_setopt (curl, CURLOPT_USE_SSL, (long) CURLUSESSL_ALL);
  if (smtp->username != NULL && smtp->username[0] != '\0')
    {
      curl_easy_setopt (curl, CURLOPT_USERNAME, smtp->username);
      curl_easy_setopt (curl, CURLOPT_PASSWORD, smtp->password != NULL ? smtp->password : "");
    }

  code = curl_easy_perform (curl);
  curl_slist_free_all (rcpts);

  if (code != CURLE_OK)
    {
      set_io_error_from_curl (error, code, errbuf, smtp->url);
      return FALSE;
    }
  return TRUE;
}

/* What the mailer looks up in this module (chk-mailer.c) */
G_MODULE_EXPORT const ChkSmtpModule chk_smtp_module = {
  .send = smtp_send,
};

/* Called by g_module_open(), on the thread of the mailer's first send over
 * SMTP: curl_global_init() is not thread-safe in every libcurl we may meet,
 * and no thread of this module runs yet. */
G_MODULE_EXPORT const char *g_module_check_init (GModule *module);

G_MODULE_EXPORT const char *
g_module_check_init (GModule *module)
{
  CURLcode code = curl_global_init (CURL_GLOBAL_DEFAULT);

  return code == CURLE_OK ? NULL : curl_easy_strerror (code);
}
