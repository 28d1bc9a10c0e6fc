/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-mailer"

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "chk-duration.h"
#include "chk-error.h"
#include "chk-job-spec.h"
#include "chk-mailer.h"
#include "chk-module.h"
#include "chk-outcome.h"
#include "chk-smtp.h"
#include "chk-text-util.h"
#include "chk-wait.h"

/* RFC 5322 §2.1.1: a line is at most 998 octets plus CRLF. */
#define LINE_MAX_OCTETS 998
/* RFC 2047 §2: an encoded-word is at most 75 characters; "=?UTF-8?B?" and "?=" take
 * 12, leaving 63 for base64, that is 45 bytes of text. */
#define ENCODED_WORD_MAX_BYTES 45
#define DEFAULT_TIMEOUT_MS 60000

static const guint default_retry_delays_ms[] = { 1000, 5000, 30000 };

/*
 * SMTP transactions block, so they run in threads: a few of their own. In
 * GLib's shared pool, 50 sends to a slow server took 40 threads and held
 * up the resolver and proxy lookups of HTTP checks queued behind them.
 */
#define SMTP_MAX_THREADS 8

struct _ChkMailer
{
  GObject  parent_instance;

  char    *from;
  char    *smtp_url;
  gboolean starttls;
  char    *username;
  char    *password;
  char    *sendmail_path;
  GArray  *retry_delays_ms;
  guint    timeout_ms;

  /* Loaded at the first send over SMTP */
  const ChkSmtpModule *smtp_module;
};

G_DEFINE_FINAL_TYPE (ChkMailer, chk_mailer, G_TYPE_OBJECT)

/* One send: the message and its envelope, and where the tries are. */
typedef struct
{
  char     *message;
  char     *envelope_from;
  GStrv     envelope_to;
  guint     attempt;
} SendData;

static void
send_data_free (SendData *data)
{
  g_free (data->message);
  g_free (data->envelope_from);
  g_strfreev (data->envelope_to);
  g_free (data);
}

static void
smtp_try_free (ChkSmtpTry *smtp)
{
  g_free (smtp->url);
  g_free (smtp->username);
  if (smtp->password != NULL)
    memset (smtp->password, 0, strlen (smtp->password));
  g_free (smtp->password);
  g_free (smtp->from);
  g_strfreev (smtp->to);
  g_free (smtp->message);
  g_free (smtp);
}

static void try_send (GTask *task);

static gboolean
header_value_is_safe (const char  *what,
                      const char  *value,
                      GError     **error)
{
  if (value != NULL && strpbrk (value, "\r\n") != NULL)
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT,
                   "The email %s contains a line break", what);
      return FALSE;
    }
  if (value != NULL && !g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT,
                   "The email %s is not valid UTF-8", what);
      return FALSE;
    }
  return TRUE;
}

static char *
default_from (void)
{
  return g_strdup_printf ("%s@%s", g_get_user_name (), g_get_host_name ());
}

/* The bare address of "Name <addr>" or "addr", for the SMTP envelope. */
static char *
address_of (const char *mailbox)
{
  const char *open = strrchr (mailbox, '<');
  const char *close = open != NULL ? strchr (open, '>') : NULL;

  if (open != NULL && close != NULL)
    return g_strstrip (g_strndup (open + 1, close - open - 1));
  return g_strstrip (g_strdup (mailbox));
}

static gboolean
needs_encoding (const char *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (*p >= 0x80 || (*p < 0x20 && *p != '\t') || *p == 0x7f)
        return TRUE;
    }
  /* An ASCII text that looks like an encoded-word must not be read as one. */
  return strstr (text, "=?") != NULL || strlen (text) > 900;
}

/* RFC 2047 B encoding, split into words of whole characters, folded with CRLF SP. */
static void
append_encoded_words (GString    *out,
                      const char *text)
{
  const char *p = text;
  gboolean first = TRUE;

  while (*p != '\0')
    {
      const char *end = p;
      g_autofree char *b64 = NULL;

      while (*end != '\0')
        {
          const char *next = g_utf8_next_char (end);

          if (next - p > ENCODED_WORD_MAX_BYTES)
            break;
          end = next;
        }
      b64 = g_base64_encode ((const guchar *) p, end - p);
      g_string_append_printf (out, "%s=?UTF-8?B?%s?=", first ? "" : "\r\n ", b64);
      first = FALSE;
      p = end;
    }
}

/* RFC 5322 date-time, with English names whatever the locale. */
static char *
format_rfc5322_date (GDateTime *now)
{
  static const char * const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char * const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  gint64 offset = g_date_time_get_utc_offset (now) / G_TIME_SPAN_MINUTE;
  char sign = offset < 0 ? '-' : '+';

  if (offset < 0)
    offset = -offset;
  return g_strdup_printf ("%s, %02d %s %04d %02d:%02d:%02d %c%02d%02d",
                          days[g_date_time_get_day_of_week (now) - 1],
                          g_date_time_get_day_of_month (now),
                          months[g_date_time_get_month (now) - 1],
                          g_date_time_get_year (now),
                          g_date_time_get_hour (now),
                          g_date_time_get_minute (now),
                          g_date_time_get_second (now),
                          sign, (int) (offset / 60), (int) (offset % 60));
}

/* Appends @body with CRLF endings, folding lines longer than the limit at a
 * character boundary. */
static void
append_body (GString    *out,
             const char *body)
{
  const char *line = body;

  while (*line != '\0')
    {
      const char *eol = strchr (line, '\n');
      gsize len = eol != NULL ? (gsize) (eol - line) : strlen (line);
      const char *p = line;
      const char *stop;

      if (len > 0 && line[len - 1] == '\r')
        len--;
      stop = line + len;

      while (stop - p > LINE_MAX_OCTETS)
        {
          const char *cut = p + LINE_MAX_OCTETS;

          while (cut > p && ((guchar) *cut & 0xc0) == 0x80)
            cut--;
          g_string_append_len (out, p, cut - p);
          g_string_append (out, "\r\n");
          p = cut;
        }
      g_string_append_len (out, p, stop - p);
      g_string_append (out, "\r\n");

      if (eol == NULL)
        break;
      line = eol + 1;
    }
}

/* Runs in a worker thread: one SMTP try, blocking. */
static void
smtp_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ChkMailer *self = source_object;
  GError *error = NULL;

  if (!self->smtp_module->send (task_data, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* Takes @error: a try failed; wait and try again, or give up with it. */
static void
try_failed (GTask  *task,
            GError *error)
{
  ChkMailer *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);

  if (chk_wait_retry (task, self->retry_delays_ms, &data->attempt, error,
                      "[chroniker] mail retry", try_send))
    g_error_free (error);
  else
    g_task_return_error (task, error);
}

static void
smtp_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    try_failed (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
sendmail_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GSubprocess *subprocess = G_SUBPROCESS (object);
  g_autoptr(GTask) task = user_data;
  g_autofree char *output = NULL;
  GError *error = NULL;

  if (!g_subprocess_communicate_utf8_finish (subprocess, result, &output, NULL, &error))
    {
      g_prefix_error (&error, "Piping mail to sendmail failed: ");
      try_failed (task, error);
      return;
    }

  if (!g_subprocess_get_if_exited (subprocess) || g_subprocess_get_exit_status (subprocess) != 0)
    {
      g_autofree char *status = NULL;

      if (g_subprocess_get_if_exited (subprocess))
        status = g_strdup_printf ("exited with status %d", g_subprocess_get_exit_status (subprocess));
      else
        status = g_strdup_printf ("was killed by signal %d", g_subprocess_get_term_sig (subprocess));
      try_failed (task, g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s%s%s",
                                     "sendmail",
                                     status,
                                     output != NULL && output[0] != '\0' ? ": " : "",
                                     output != NULL ? g_strstrip (output) : ""));
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static char *
find_sendmail (const char *configured)
{
  static const char * const fallbacks[] = { "/usr/sbin/sendmail", "/usr/lib/sendmail" };
  char *found;

  if (configured != NULL && configured[0] != '\0' && g_path_is_absolute (configured))
    return g_strdup (configured);

  found = g_find_program_in_path (configured != NULL && configured[0] != '\0' ? configured
                                                                               : "sendmail");
  if (found != NULL || (configured != NULL && configured[0] != '\0'))
    return found;

  for (guint i = 0; i < G_N_ELEMENTS (fallbacks); i++)
    {
      if (g_file_test (fallbacks[i], G_FILE_TEST_IS_EXECUTABLE))
        return g_strdup (fallbacks[i]);
    }
  return NULL;
}

static void
try_send_sendmail (GTask *task)
{
  ChkMailer *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) subprocess = NULL;
  g_autoptr(GString) local = NULL;
  g_autofree char *path = NULL;
  GError *error = NULL;

  path = find_sendmail (self->sendmail_path);
  if (path == NULL)
    {
      try_failed (task, g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                     "No sendmail program (%s) was found, and no SMTP server is set",
                                     self->sendmail_path != NULL ? self->sendmail_path : "sendmail"));
      return;
    }

  /* sendmail reads the local line ending. */
  local = g_string_new (data->message);
  g_string_replace (local, "\r\n", "\n", 0);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_MERGE);
  subprocess = g_subprocess_launcher_spawn (launcher, &error, path, "-t", "-oi", NULL);
  if (subprocess == NULL)
    {
      g_prefix_error (&error, "Could not run %s: ", path);
      try_failed (task, error);
      return;
    }

  g_subprocess_communicate_utf8_async (subprocess, local->str, g_task_get_cancellable (task),
                                       sendmail_done_cb, g_object_ref (task));
}

/*
 * One SMTP try handed to the pool. When no thread can be started for it,
 * GLib queues it all the same: a thread of the pool may take it later, or
 * none ever. So whoever claims it first, a pool thread or the failed push,
 * completes its task, and the other only lets go of it.
 */
typedef struct
{
  GTask *task;
  gint   claimed;
} SmtpJob;

static void
smtp_job_clear (SmtpJob *job)
{
  g_clear_object (&job->task);
}

static void
smtp_job_release (SmtpJob *job)
{
  g_atomic_rc_box_release_full (job, (GDestroyNotify) smtp_job_clear);
}

static gboolean
smtp_job_claim (SmtpJob *job)
{
  return g_atomic_int_compare_and_exchange (&job->claimed, FALSE, TRUE);
}

static void
smtp_pool_cb (gpointer data,
              gpointer user_data)
{
  SmtpJob *job = data;

  if (smtp_job_claim (job))
    smtp_thread (job->task, g_task_get_source_object (job->task),
                 g_task_get_task_data (job->task), g_task_get_cancellable (job->task));
  smtp_job_release (job);
}

static void
run_in_smtp_pool (GTask *task)
{
  static GThreadPool *pool;
  g_autoptr(GError) error = NULL;
  SmtpJob *job;

  /* A shared pool starts no thread until a push: this cannot fail. */
  if (g_once_init_enter (&pool))
    g_once_init_leave (&pool, g_thread_pool_new (smtp_pool_cb, NULL, SMTP_MAX_THREADS,
                                                 FALSE, NULL));

  job = g_atomic_rc_box_new0 (SmtpJob);
  job->task = g_object_ref (task);
  g_atomic_rc_box_acquire (job);  /* the pool's */

  if (!g_thread_pool_push (pool, job, &error) && smtp_job_claim (job))
    {
      /* No thread (RLIMIT_NPROC reached, memory short): this try fails, a retry may do better. */
      g_warning ("Could not start a thread to send an email: %s", error->message);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               "Could not start a thread to send the email: %s", error->message);
    }
  smtp_job_release (job);
}

static void
try_send (GTask *task)
{
  ChkMailer *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GTask) smtp_task = NULL;
  ChkSmtpTry *smtp;

  if (self->smtp_url == NULL)
    {
      try_send_sendmail (task);
      return;
    }

  if (self->smtp_module == NULL)
    {
      GError *error = NULL;

      self->smtp_module = chk_module_lookup ("chk-smtp-curl", "chk_smtp_module", &error);
      if (self->smtp_module == NULL)
        {
          try_failed (task, error);
          return;
        }
    }

  smtp = g_new0 (ChkSmtpTry, 1);
  smtp->url = g_strdup (self->smtp_url);
  smtp->starttls = self->starttls;
  smtp->username = g_strdup (self->username);
  smtp->password = g_strdup (self->password);
  smtp->from = g_strdup (data->envelope_from);
  smtp->to = g_strdupv (data->envelope_to);
  smtp->message = g_strdup (data->message);
  smtp->length = strlen (data->message);
  smtp->timeout_ms = self->timeout_ms;

  smtp_task = g_task_new (self, g_task_get_cancellable (task), smtp_done_cb, g_object_ref (task));
  g_task_set_source_tag (smtp_task, smtp_thread);
  g_task_set_name (smtp_task, "[chroniker] smtp");
  g_task_set_task_data (smtp_task, smtp, (GDestroyNotify) smtp_try_free);
  run_in_smtp_pool (smtp_task);
}

static void
chk_mailer_finalize (GObject *object)
{
  ChkMailer *self = CHK_MAILER (object);

  g_free (self->from);
  g_free (self->smtp_url);
  g_free (self->username);
  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  g_free (self->sendmail_path);
  g_clear_pointer (&self->retry_delays_ms, g_array_unref);

  G_OBJECT_CLASS (chk_mailer_parent_class)->finalize (object);
}

static void
chk_mailer_class_init (ChkMailerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chk_mailer_finalize;
}

static void
chk_mailer_init (ChkMailer *self)
{
  self->retry_delays_ms = g_array_new (FALSE, FALSE, sizeof (guint));
}

static char *
nonempty_dup (const char *text)
{
  return text != NULL && text[0] != '\0' ? g_strdup (text) : NULL;
}

/**
 * chk_mailer_new:
 * @config: what to send with; copied
 *
 * Returns: (transfer full): a new #ChkMailer
 */
ChkMailer *
chk_mailer_new (const ChkMailerConfig *config)
{
  ChkMailer *self;

  g_return_val_if_fail (config != NULL, NULL);

  self = g_object_new (CHK_TYPE_MAILER, NULL);
  self->from = nonempty_dup (config->from);
  if (self->from == NULL)
    self->from = default_from ();
  self->smtp_url = nonempty_dup (config->smtp_url);
  self->starttls = config->starttls;
  self->username = nonempty_dup (config->username);
  self->password = g_strdup (config->password);
  self->sendmail_path = nonempty_dup (config->sendmail_path);
  self->timeout_ms = config->timeout_ms != 0 ? config->timeout_ms : DEFAULT_TIMEOUT_MS;
  if (config->retry_delays_ms != NULL)
    g_array_append_vals (self->retry_delays_ms, config->retry_delays_ms, config->n_retry_delays);
  else
    g_array_append_vals (self->retry_delays_ms, default_retry_delays_ms,
                         G_N_ELEMENTS (default_retry_delays_ms));

  return self;
}

/**
 * chk_mailer_has_transport:
 * @self: a #ChkMailer
 *
 * Returns: whether mail has a way to go: an SMTP server is set, or a
 *   sendmail program is there
 */
gboolean
chk_mailer_has_transport (ChkMailer *self)
{
  g_autofree char *sendmail = NULL;

  g_return_val_if_fail (CHK_IS_MAILER (self), FALSE);

  if (self->smtp_url != NULL)
    return TRUE;
  sendmail = find_sendmail (self->sendmail_path);
  return sendmail != NULL;
}

/**
 * chk_mailer_send_async:
 * @self: a #ChkMailer
 * @to: (array zero-terminated=1): the recipients
 * @subject: the subject, UTF-8
 * @body: the plain-text body, UTF-8
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the mail is sent or every try has failed
 * @user_data: data for @callback
 *
 * Sends a mail by SMTP (in a worker thread) or by sendmail, trying again after
 * each of the configured delays. The main loop never waits.
 */
void
chk_mailer_send_async (ChkMailer           *self,
                       const char * const  *to,
                       const char          *subject,
                       const char          *body,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GPtrArray) rcpts = NULL;
  g_autofree char *message = NULL;
  SendData *data;
  GError *error = NULL;

  g_return_if_fail (CHK_IS_MAILER (self));
  g_return_if_fail (to != NULL);
  g_return_if_fail (subject != NULL);
  g_return_if_fail (body != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chk_mailer_send_async);
  g_task_set_name (task, "[chroniker] send mail");

  now = g_date_time_new_now_local ();
  message = chk_mailer_build_message (self->from, to, subject, body, now, &error);
  if (message == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  rcpts = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; to[i] != NULL; i++)
    g_ptr_array_add (rcpts, address_of (to[i]));
  g_ptr_array_add (rcpts, NULL);

  data = g_new0 (SendData, 1);
  data->message = g_steal_pointer (&message);
  data->envelope_from = address_of (self->from);
  data->envelope_to = (GStrv) g_ptr_array_free (g_steal_pointer (&rcpts), FALSE);
  g_task_set_task_data (task, data, (GDestroyNotify) send_data_free);

  try_send (task);
}

/**
 * chk_mailer_send_finish:
 * @self: a #ChkMailer
 * @result: the #GAsyncResult given to the callback
 * @error: the last try's error
 *
 * Returns: %TRUE if the mail was handed over
 */
gboolean
chk_mailer_send_finish (ChkMailer     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (CHK_IS_MAILER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == chk_mailer_send_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * chk_mailer_build_message:
 * @from: (nullable): the From mailbox; %NULL or "" means `$USER@hostname`
 * @to: (array zero-terminated=1): the recipients, at least one
 * @subject: the subject, UTF-8
 * @body: the plain-text body, UTF-8; any line ending
 * @now: the Date
 * @error: set to %CHK_ERROR_INVALID_ARGUMENT for a header with a line break (header
 *   injection), text that is not UTF-8 or no recipient
 *
 * Builds an RFC 5322 message with CRLF line endings, an RFC 2047 subject when it is
 * not plain ASCII and an 8-bit UTF-8 body whose lines are folded at 998 octets.
 * No dot-stuffing: libcurl does it, and sendmail is run with `-oi`.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL with @error set
 */
char *
chk_mailer_build_message (const char          *from,
                          const char * const  *to,
                          const char          *subject,
                          const char          *body,
                          GDateTime           *now,
                          GError             **error)
{
  g_autoptr(GString) out = NULL;
  g_autoptr(GString) text = NULL;
  g_autofree char *default_sender = NULL;
  g_autofree char *date = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *to_line = NULL;

  g_return_val_if_fail (to != NULL, NULL);
  g_return_val_if_fail (subject != NULL, NULL);
  g_return_val_if_fail (body != NULL, NULL);
  g_return_val_if_fail (now != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (from == NULL || from[0] == '\0')
    from = default_sender = default_from ();

  if (to[0] == NULL)
    {
      g_set_error_literal (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT,
                           "An email needs at least one recipient");
      return NULL;
    }
  if (!header_value_is_safe ("sender", from, error) ||
      !header_value_is_safe ("subject", subject, error))
    return NULL;
  for (guint i = 0; to[i] != NULL; i++)
    {
      g_autofree char *address = address_of (to[i]);

      if (!header_value_is_safe ("recipient", to[i], error))
        return NULL;
      /* "Name <address>" or an address, as the jobs' email-to checks it */
      if (strchr (to[i], ',') != NULL || !chk_email_address_is_valid (address))
        {
          g_set_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT,
                       "“%s” is not one email address", to[i]);
          return NULL;
        }
    }
  if (!g_utf8_validate (body, -1, NULL))
    {
      g_set_error_literal (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT,
                           "The email body is not valid UTF-8");
      return NULL;
    }

  date = format_rfc5322_date (now);
  uuid = g_uuid_string_random ();
  to_line = g_strjoinv (", ", (char **) to);

  /* Every line break, even a lone CR (progress bars in a job's output), becomes CRLF. */
  text = g_string_new (body);
  g_string_replace (text, "\r\n", "\n", 0);
  g_string_replace (text, "\r", "\n", 0);

  out = g_string_new (NULL);
  g_string_append_printf (out, "From: %s\r\n", from);
  g_string_append_printf (out, "To: %s\r\n", to_line);
  g_string_append_printf (out, "Date: %s\r\n", date);
  g_string_append_printf (out, "Message-ID: <%s@%s>\r\n", uuid, g_get_host_name ());
  g_string_append (out, "Subject: ");
  if (needs_encoding (subject))
    append_encoded_words (out, subject);
  else
    g_string_append (out, subject);
  g_string_append (out, "\r\n");
  g_string_append (out, "MIME-Version: 1.0\r\n");
  g_string_append (out, "Content-Type: text/plain; charset=UTF-8\r\n");
  g_string_append (out, "Content-Transfer-Encoding: 8bit\r\n");
  g_string_append (out, "Auto-Submitted: auto-generated\r\n");
  g_string_append (out, "\r\n");
  append_body (out, text->str);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static const char *
outcome_title (const char *outcome)
{
  const char *title = chk_outcome_get_title (chk_outcome_from_string (outcome));

  /* A monitor's change back to health is an event of its own */
  if (g_strcmp0 (outcome, "recovered") == 0)
    return "Recovered";
  /* So is a run going on past its expected duration */
  if (g_strcmp0 (outcome, "running-long") == 0)
    return "Running long";
  if (title != NULL)
    return title;
  return outcome != NULL ? outcome : "Unknown";
}

static char *
format_local_time (gint64 usec)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (usec == 0)
    return g_strdup ("—");
  utc = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  if (utc == NULL)
    return g_strdup ("—");
  local = g_date_time_to_local (utc);
  return g_date_time_format_iso8601 (local);
}

/* The last CHK_MAILER_TAIL_MAX_BYTES of @bytes as valid UTF-8 without NULs. */
static char *
format_tail (GBytes *bytes)
{
  g_autofree char *valid = NULL;
  gboolean cut;

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    return g_strdup ("(empty)\n");

  valid = chk_text_tail (bytes, CHK_MAILER_TAIL_MAX_BYTES, &cut);
  return g_strconcat (cut ? "… (cut)\n" : "", valid,
                      g_str_has_suffix (valid, "\n") ? "" : "\n", NULL);
}

/**
 * chk_mailer_compose_report:
 * @job_name: the job's name
 * @hostname: the host the run was on
 * @outcome: the run's outcome (`success`, `failure`, …), or the event
 *   `recovered` or `running-long`
 * @exit_code: the run's exit code
 * @started: when the run started, µs since the epoch
 * @finished: when it finished, µs since the epoch
 * @stderr_tail: (nullable): the end of the run's stderr
 * @stdout_tail: (nullable): the end of the run's stdout
 * @out_subject: (out) (transfer full): the subject
 * @out_body: (out) (transfer full): the plain-text body
 *
 * Writes the mail about a finished run: outcome, exit code, times, duration, host
 * and the last CHK_MAILER_TAIL_MAX_BYTES of each output stream, as valid UTF-8.
 */
void
chk_mailer_compose_report (const char  *job_name,
                           const char  *hostname,
                           const char  *outcome,
                           int          exit_code,
                           gint64       started,
                           gint64       finished,
                           GBytes      *stderr_tail,
                           GBytes      *stdout_tail,
                           char       **out_subject,
                           char       **out_body)
{
  g_autoptr(GString) body = NULL;
  g_autofree char *safe_name = NULL;
  g_autofree char *safe_host = NULL;
  g_autofree char *start_text = NULL;
  g_autofree char *end_text = NULL;
  g_autofree char *duration = NULL;
  g_autofree char *err_text = NULL;
  g_autofree char *out_text = NULL;

  g_return_if_fail (job_name != NULL);
  g_return_if_fail (out_subject != NULL);
  g_return_if_fail (out_body != NULL);

  if (hostname == NULL || hostname[0] == '\0')
    hostname = g_get_host_name ();

  /* The name goes into a header: no line breaks, whatever the job is called. */
  safe_name = chk_text_flatten (job_name, -1, "\r\n");
  safe_host = chk_text_flatten (hostname, -1, "\r\n");

  start_text = format_local_time (started);
  end_text = format_local_time (finished);
  if (started != 0 && finished >= started)
    duration = chk_duration_format ((guint64) ((finished - started) / G_USEC_PER_SEC));
  else
    duration = g_strdup ("—");
  err_text = format_tail (stderr_tail);
  out_text = format_tail (stdout_tail);

  body = g_string_new (NULL);
  g_string_append_printf (body, "Job:        %s\n", safe_name);
  g_string_append_printf (body, "Outcome:    %s\n", outcome_title (outcome));
  g_string_append_printf (body, "Exit code:  %d\n", exit_code);
  g_string_append_printf (body, "Host:       %s\n", safe_host);
  g_string_append_printf (body, "Started:    %s\n", start_text);
  g_string_append_printf (body, "Finished:   %s\n", end_text);
  g_string_append_printf (body, "Duration:   %s\n", duration);
  g_string_append (body, "\n--- stderr ---\n");
  g_string_append (body, err_text);
  g_string_append (body, "\n--- stdout ---\n");
  g_string_append (body, out_text);

  *out_subject = g_strdup_printf ("[Chroniker] %s: %s on %s",
                                  outcome_title (outcome), safe_name, safe_host);
  *out_body = g_string_free (g_steal_pointer (&body), FALSE);
}
