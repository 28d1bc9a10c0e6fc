/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <gio/gio.h>

#include "chk-error.h"
#include "chk-mailer.h"
#include "chk-test-util.h"

/* A real SMTP server (tests/mailer/smtp-server.py) on loopback, or a stub sendmail
 * on PATH, and the files they leave in a temp dir. */
typedef struct
{
  char        *dir;
  GSubprocess *server;
  char        *url;
  char        *old_path;
} Fixture;

static gboolean
python_has_aiosmtpd (void)
{
  static int found = -1;

  if (found < 0)
    {
      const char *python = g_getenv ("CHK_TEST_PYTHON");
      const char *argv[] = { python != NULL ? python : "/usr/bin/python3",
                             "-c", "import aiosmtpd", NULL };
      int status = -1;

      found = g_spawn_sync (NULL, (char **) argv, NULL,
                            G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                            NULL, NULL, NULL, NULL, &status, NULL) &&
              g_spawn_check_wait_status (status, NULL);
    }
  return found;
}

/* Starts the SMTP sink; returns FALSE (and skips the test) without aiosmtpd. */
static gboolean
start_server (Fixture    *fixture,
              const char *option,
              const char *value)
{
  const char *python = g_getenv ("CHK_TEST_PYTHON");
  g_autofree char *script = chk_test_server_script ("CHK_TEST_SMTP_SERVER", "mailer",
                                                    "smtp-server.py");
  g_autofree char *port = NULL;

  if (!python_has_aiosmtpd ())
    {
      g_test_skip ("python3-aiosmtpd is not installed");
      return FALSE;
    }

  fixture->server = chk_test_server_start ((const char * const []) {
                                             python != NULL ? python : "/usr/bin/python3",
                                             script, fixture->dir, option, value, NULL },
                                           &port);
  fixture->url = g_strdup_printf ("smtp://127.0.0.1:%s", port);
  return TRUE;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  user_data)
{
  fixture->dir = chk_test_make_tmpdir ("test-mailer-XXXXXX");
  fixture->old_path = g_strdup (g_getenv ("PATH"));
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  user_data)
{
  chk_test_server_stop (&fixture->server);
  g_setenv ("PATH", fixture->old_path, TRUE);
  chk_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->url);
  g_free (fixture->old_path);
}

static void
send_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
  g_main_context_wakeup (NULL);
}

/* Sends and spins the main context until the mail went out or failed for good. */
static gboolean
send_and_wait (ChkMailer     *mailer,
               const char    *to,
               const char    *subject,
               const char    *body,
               GCancellable  *cancellable,
               GError       **error)
{
  const char *rcpts[] = { to, NULL };
  g_autoptr(GAsyncResult) result = NULL;

  chk_mailer_send_async (mailer, rcpts, subject, body, cancellable, send_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return chk_mailer_send_finish (mailer, result, error);
}

/* The unfolded value of a header in a CRLF message, or NULL. */
static char *
get_header (const char *message,
            const char *name)
{
  g_autofree char *head = NULL;
  g_autofree char *unfolded = NULL;
  g_auto(GStrv) lines = NULL;
  const char *end = strstr (message, "\r\n\r\n");
  gsize name_len = strlen (name);
  g_autoptr(GRegex) fold = g_regex_new ("\r\n[ \t]", 0, 0, NULL);

  g_assert_nonnull (end);
  head = g_strndup (message, end - message);
  unfolded = g_regex_replace_literal (fold, head, -1, 0, " ", 0, NULL);
  lines = g_strsplit (unfolded, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_ascii_strncasecmp (lines[i], name, name_len) == 0 && lines[i][name_len] == ':')
        return g_strstrip (g_strdup (lines[i] + name_len + 1));
    }
  return NULL;
}

/* Decodes a header value made only of RFC 2047 B encoded-words in UTF-8. */
static char *
decode_encoded_words (const char *value)
{
  g_auto(GStrv) words = g_strsplit_set (value, " \t", -1);
  GString *out = NULL;

  if (!g_str_has_prefix (value, "=?"))
    return g_strdup (value);
  out = g_string_new (NULL);
  for (guint i = 0; words[i] != NULL; i++)
    {
      g_autofree guchar *raw = NULL;
      g_autofree char *b64 = NULL;
      gsize len = 0;

      if (words[i][0] == '\0')
        continue;
      g_assert_true (g_str_has_prefix (words[i], "=?UTF-8?B?"));
      g_assert_true (g_str_has_suffix (words[i], "?="));
      g_assert_cmpuint (strlen (words[i]), <=, 75);
      b64 = g_strndup (words[i] + 10, strlen (words[i]) - 12);
      raw = g_base64_decode (b64, &len);
      /* Each word holds whole characters (RFC 2047 §5). */
      g_assert_true (g_utf8_validate ((const char *) raw, len, NULL));
      g_string_append_len (out, (const char *) raw, len);
    }
  return g_string_free (out, FALSE);
}

static void
assert_crlf_only (const char *message)
{
  for (const char *p = message; *p != '\0'; p++)
    {
      if (*p == '\n')
        g_assert_true (p > message && p[-1] == '\r');
      if (*p == '\r')
        g_assert_true (p[1] == '\n');
    }
}

static void
assert_line_lengths (const char *message)
{
  g_auto(GStrv) lines = g_strsplit (message, "\r\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    g_assert_cmpuint (strlen (lines[i]), <=, 998);
}

static GDateTime *
fixed_time (void)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("+13:45");

  return g_date_time_new (tz, 2026, 3, 1, 12, 34, 56);
}

static void
test_message_headers (void)
{
  const char *to[] = { "ops@example.org", "Bob <bob@example.org>", NULL };
  g_autoptr(GDateTime) now = fixed_time ();
  g_autoptr(GError) error = NULL;
  g_autofree char *long_line = g_strnfill (2500, 'x');
  g_autofree char *body = g_strdup_printf ("first\nsecond\r\n.\n%s\nlast", long_line);
  g_autofree char *message = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to_value = NULL;
  g_autofree char *date = NULL;
  g_autofree char *message_id = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *run = g_strnfill (998, 'x');
  const char *body_start;

  message = chk_mailer_build_message ("Chroniker <cron@example.org>", to, "Nightly backup",
                                      body, now, &error);
  g_assert_no_error (error);
  g_assert_nonnull (message);
  assert_crlf_only (message);
  assert_line_lengths (message);

  from = get_header (message, "From");
  g_assert_cmpstr (from, ==, "Chroniker <cron@example.org>");
  to_value = get_header (message, "To");
  g_assert_cmpstr (to_value, ==, "ops@example.org, Bob <bob@example.org>");
  date = get_header (message, "Date");
  g_assert_cmpstr (date, ==, "Sun, 01 Mar 2026 12:34:56 +1345");
  message_id = get_header (message, "Message-ID");
  g_assert_true (g_regex_match_simple ("^<[0-9a-f-]{36}@[^<>@ ]+>$", message_id, 0, 0));
  subject = get_header (message, "Subject");
  g_assert_cmpstr (subject, ==, "Nightly backup");
  g_assert_nonnull (strstr (message, "\r\nMIME-Version: 1.0\r\n"));
  g_assert_nonnull (strstr (message, "\r\nContent-Type: text/plain; charset=UTF-8\r\n"));
  g_assert_nonnull (strstr (message, "\r\nContent-Transfer-Encoding: 8bit\r\n"));

  body_start = strstr (message, "\r\n\r\n") + 4;
  g_assert_true (g_str_has_prefix (body_start, "first\r\nsecond\r\n.\r\n"));
  g_assert_true (g_str_has_suffix (body_start, "\r\nlast\r\n"));
  /* The long line is folded, not lost. */
  g_assert_nonnull (strstr (body_start, run));
  {
    g_autoptr(GString) joined = g_string_new (body_start);
    g_string_replace (joined, "\r\n", "", 0);
    g_assert_nonnull (strstr (joined->str, long_line));
  }

  /* No From: $USER@host. */
  g_clear_pointer (&message, g_free);
  g_clear_pointer (&from, g_free);
  message = chk_mailer_build_message (NULL, to, "x", "y", now, &error);
  g_assert_no_error (error);
  from = get_header (message, "From");
  g_assert_true (g_str_has_prefix (from, g_get_user_name ()));
  g_assert_true (g_str_has_suffix (from, g_get_host_name ()));
}

static void
test_message_utf8_subject (void)
{
  const char *to[] = { "ops@example.org", NULL };
  const char *subjects[] = {
    "Échec : sauvegarde nocturne sur «serveur» — données ✓",
    "日本語の件名がとても長い場合でも正しく分割されるべきです。日本語の件名がとても長い場合",
    "=?UTF-8?B?not-really?=",
    "tab\there",
  };
  g_autoptr(GDateTime) now = fixed_time ();

  for (guint i = 0; i < G_N_ELEMENTS (subjects); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *message = NULL;
      g_autofree char *value = NULL;
      g_autofree char *decoded = NULL;

      message = chk_mailer_build_message ("a@example.org", to, subjects[i], "body ✓", now, &error);
      g_assert_no_error (error);
      assert_crlf_only (message);

      /* Headers are plain ASCII; the body is UTF-8 as given. */
      g_assert_true (g_utf8_validate (message, -1, NULL));
      for (const char *p = message; p < strstr (message, "\r\n\r\n"); p++)
        g_assert_cmpuint ((guchar) *p, <, 0x80);

      value = get_header (message, "Subject");
      decoded = decode_encoded_words (value);
      g_assert_cmpstr (decoded, ==, subjects[i]);
      g_assert_true (g_str_has_suffix (message, "\r\n\r\nbody ✓\r\n"));
    }
}

static void
test_message_injection (void)
{
  const char *bad_to[] = { "ops@example.org\r\nBcc: x@evil.example", NULL };
  const char *bad_to_lf[] = { "ops@example.org\nBcc: x@evil.example", NULL };
  const char *two_in_one[] = { "a@example.org, x@evil.example", NULL };
  const char *no_one[] = { NULL };
  const char *good_to[] = { "ops@example.org", NULL };
  g_autoptr(GDateTime) now = fixed_time ();
  struct {
    const char *from;
    const char * const *to;
    const char *subject;
    const char *body;
  } cases[] = {
    { "a@example.org", bad_to, "s", "b" },
    { "a@example.org", bad_to_lf, "s", "b" },
    { "a@example.org", two_in_one, "s", "b" },
    { "a@example.org", no_one, "s", "b" },
    { "a@example.org", good_to, "Hi\r\nBcc: x@evil.example", "b" },
    { "a@example.org", good_to, "Hi\rBcc: x@evil.example", "b" },
    { "a@example.org\r\nBcc: x@evil.example", good_to, "s", "b" },
    { "a@example.org", good_to, "s", "bad \xff byte" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *message = NULL;

      message = chk_mailer_build_message (cases[i].from, cases[i].to, cases[i].subject,
                                          cases[i].body, now, &error);
      g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT);
      g_assert_null (message);
    }
}

static void
test_report_compose (void)
{
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GBytes) err = g_bytes_new_static ("disk full\n", 10);
  g_autoptr(GBytes) out = g_bytes_new_static ("bad \xff\xfe byte\0nul", 15);
  g_autoptr(GString) big = g_string_new ("HEAD-MARKER\n");
  g_autoptr(GBytes) big_bytes = NULL;
  gint64 started = G_GINT64_CONSTANT (1772318096) * G_USEC_PER_SEC;
  gint64 finished = started + 125 * G_USEC_PER_SEC;
  struct { const char *outcome; const char *title; } titles[] = {
    { "success", "Success" }, { "failure", "Failure" }, { "timeout", "Timeout" },
    { "stopped", "Stopped" }, { "interrupted", "Interrupted" },
    { "failed-to-start", "Failed to start" },
    /* events rather than outcomes */
    { "recovered", "Recovered" }, { "running-long", "Running long" },
  };

  chk_mailer_compose_report ("backup", "build-host", "failure", 3, started, finished,
                             err, out, &subject, &body);
  g_assert_cmpstr (subject, ==, "[Chroniker] Failure: backup on build-host");
  g_assert_true (g_utf8_validate (body, -1, NULL));
  g_assert_nonnull (strstr (body, "Outcome:    Failure\n"));
  g_assert_nonnull (strstr (body, "Exit code:  3\n"));
  g_assert_nonnull (strstr (body, "Host:       build-host\n"));
  g_assert_nonnull (strstr (body, "Started:    2026-03-01T"));
  g_assert_nonnull (strstr (body, "Duration:   "));
  g_assert_nonnull (strstr (body, "disk full\n"));
  g_assert_nonnull (strstr (body, "bad \xef\xbf\xbd\xef\xbf\xbd byte\xef\xbf\xbdnul\n"));

  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    {
      g_autofree char *expected = g_strdup_printf ("[Chroniker] %s: job on host", titles[i].title);

      g_clear_pointer (&subject, g_free);
      g_clear_pointer (&body, g_free);
      chk_mailer_compose_report ("job", "host", titles[i].outcome, 0, 0, 0, NULL, NULL,
                                 &subject, &body);
      g_assert_cmpstr (subject, ==, expected);
    }

  /* A long tail keeps its end, cut at a character, and says so. */
  for (guint i = 0; i < 4000; i++)
    g_string_append (big, "é✓x\n");
  g_string_append (big, "TAIL-MARKER");
  big_bytes = g_bytes_new (big->str, big->len);
  g_clear_pointer (&subject, g_free);
  g_clear_pointer (&body, g_free);
  chk_mailer_compose_report ("a\r\nBcc: x", "host", "failure", 1, started, finished,
                             big_bytes, NULL, &subject, &body);
  g_assert_null (strpbrk (subject, "\r\n"));
  g_assert_true (g_utf8_validate (body, -1, NULL));
  g_assert_null (strstr (body, "HEAD-MARKER"));
  g_assert_nonnull (strstr (body, "… (cut)\n"));
  g_assert_nonnull (strstr (body, "TAIL-MARKER\n"));
  g_assert_null (strstr (body, "\xef\xbf\xbd"));
  g_assert_cmpuint (strlen (body), <, CHK_MAILER_TAIL_MAX_BYTES + 1024);
}

static void
test_smtp_send (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(ChkMailer) mailer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) err = g_bytes_new_static ("rsync: connection unexpectedly closed ✗\n", 42);
  g_autoptr(GBytes) out = g_bytes_new_static (".\n.hidden\nok\n", 13);
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  g_autofree char *eml = NULL;
  g_autofree char *value = NULL;
  g_autofree char *decoded = NULL;
  const char *received_body;
  ChkMailerConfig config = { 0 };

  if (!start_server (fixture, NULL, NULL))
    return;

  config.from = "Chroniker <cron@example.org>";
  config.smtp_url = fixture->url;
  config.n_retry_delays = 0;
  config.retry_delays_ms = (const guint[]) { 0 };
  mailer = chk_mailer_new (&config);

  chk_mailer_compose_report ("sauvegarde ✓", "host", "failure", 12,
                             g_get_real_time () - 5 * G_USEC_PER_SEC, g_get_real_time (),
                             err, out, &subject, &body);
  g_assert_true (send_and_wait (mailer, "Ops <ops@example.org>", subject, body, NULL, &error));
  g_assert_no_error (error);

  chk_test_assert_file (fixture->dir, "1.env", "cron@example.org\nops@example.org\n");

  eml = chk_test_read_file (fixture->dir, "1.eml");
  g_assert_true (g_utf8_validate (eml, -1, NULL));
  assert_crlf_only (eml);
  value = get_header (eml, "From");
  g_assert_cmpstr (value, ==, "Chroniker <cron@example.org>");
  g_clear_pointer (&value, g_free);
  value = get_header (eml, "To");
  g_assert_cmpstr (value, ==, "Ops <ops@example.org>");
  g_clear_pointer (&value, g_free);
  value = get_header (eml, "Date");
  g_assert_true (g_regex_match_simple ("^[A-Z][a-z]{2}, \\d\\d [A-Z][a-z]{2} \\d{4} "
                                       "\\d\\d:\\d\\d:\\d\\d [+-]\\d{4}$", value, 0, 0));
  g_clear_pointer (&value, g_free);
  value = get_header (eml, "Message-ID");
  g_assert_true (g_regex_match_simple ("^<[^<>@ ]+@[^<>@ ]+>$", value, 0, 0));
  g_clear_pointer (&value, g_free);
  value = get_header (eml, "Subject");
  decoded = decode_encoded_words (value);
  g_assert_cmpstr (decoded, ==, "[Chroniker] Failure: sauvegarde ✓ on host");

  received_body = strstr (eml, "\r\n\r\n") + 4;
  g_assert_nonnull (strstr (received_body, "Outcome:    Failure\r\n"));
  g_assert_nonnull (strstr (received_body, "Exit code:  12\r\n"));
  g_assert_nonnull (strstr (received_body, "rsync: connection unexpectedly closed ✗\r\n"));
  /* libcurl dot-stuffs and the server un-stuffs: the dot lines arrive as sent. */
  g_assert_nonnull (strstr (received_body, "\r\n.\r\n.hidden\r\nok\r\n"));
}

static void
test_smtp_auth (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(ChkMailer) mailer = NULL;
  g_autoptr(ChkMailer) wrong = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *eml_path = NULL;
  g_autofree char *eml = NULL;
  ChkMailerConfig config = { 0 };

  if (!start_server (fixture, "--auth", "chroniker:s3cret pass"))
    return;

  config.from = "cron@example.org";
  config.smtp_url = fixture->url;
  config.retry_delays_ms = (const guint[]) { 0 };
  config.username = "chroniker";
  config.password = "wrong";
  wrong = chk_mailer_new (&config);
  g_assert_false (send_and_wait (wrong, "ops@example.org", "s", "b", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  eml_path = g_build_filename (fixture->dir, "1.eml", NULL);
  g_assert_false (g_file_test (eml_path, G_FILE_TEST_EXISTS));

  config.password = "s3cret pass";
  mailer = chk_mailer_new (&config);
  g_assert_true (send_and_wait (mailer, "ops@example.org", "s", "authenticated", NULL, &error));
  g_assert_no_error (error);
  eml = chk_test_read_file (fixture->dir, "1.eml");
  g_assert_true (g_str_has_suffix (eml, "\r\n\r\nauthenticated\r\n"));
}

static void
test_smtp_retry (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_autoptr(ChkMailer) mailer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *eml = NULL;
  ChkMailerConfig config = { 0 };

  if (!start_server (fixture, "--fail", "2"))
    return;

  config.from = "cron@example.org";
  config.smtp_url = fixture->url;
  config.retry_delays_ms = (const guint[]) { 20, 20, 20 };
  config.n_retry_delays = 3;
  mailer = chk_mailer_new (&config);

  g_assert_true (send_and_wait (mailer, "ops@example.org", "s", "third time", NULL, &error));
  g_assert_no_error (error);
  chk_test_assert_file (fixture->dir, "tries", "3\n");
  eml = chk_test_read_file (fixture->dir, "1.eml");
  g_assert_true (g_str_has_suffix (eml, "\r\n\r\nthird time\r\n"));
}

static void
test_smtp_retry_gives_up (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autoptr(ChkMailer) mailer = NULL;
  g_autoptr(GError) error = NULL;
  ChkMailerConfig config = { 0 };

  if (!start_server (fixture, "--fail", "100"))
    return;

  config.from = "cron@example.org";
  config.smtp_url = fixture->url;
  config.retry_delays_ms = (const guint[]) { 10, 10 };
  config.n_retry_delays = 2;
  mailer = chk_mailer_new (&config);

  g_assert_false (send_and_wait (mailer, "ops@example.org", "s", "b", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, fixture->url));
  chk_test_assert_file (fixture->dir, "tries", "3\n");
}

static void
test_smtp_refused (void)
{
  g_autoptr(ChkMailer) mailer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strdup_printf ("smtp://127.0.0.1:%u", chk_test_closed_port ());
  ChkMailerConfig config = { 0 };
  gint64 start = g_get_monotonic_time ();

  config.from = "cron@example.org";
  config.smtp_url = url;
  config.retry_delays_ms = (const guint[]) { 50, 50 };
  config.n_retry_delays = 2;
  mailer = chk_mailer_new (&config);

  g_assert_false (send_and_wait (mailer, "ops@example.org", "s", "b", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  /* It waited both delays: three tries. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 100 * 1000);
}

/* A password inside smtp-url (which older versions took) never shows in an
 * error: those end up in runs, logs and D-Bus replies. */
static void
test_smtp_error_hides_password (void)
{
  g_autoptr(ChkMailer) mailer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strdup_printf ("smtp://mailuser:s3cr%%65t@127.0.0.1:%u",
                                          chk_test_closed_port ());
  ChkMailerConfig config = { 0 };

  config.from = "cron@example.org";
  config.smtp_url = url;
  config.n_retry_delays = 0;
  mailer = chk_mailer_new (&config);

  g_assert_false (send_and_wait (mailer, "ops@example.org", "s", "b", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_nonnull (strstr (error->message, "mailuser:***@127.0.0.1"));
  g_assert_null (strstr (error->message, "s3cr"));
}

static gboolean
count_and_close_cb (GSocketService    *service,
                    GSocketConnection *connection,
                    GObject           *source,
                    gpointer           user_data)
{
  guint *count = user_data;

  (*count)++;
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static void
test_smtp_tries_counted (void)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(ChkMailer) mailer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autofree char *url = NULL;
  ChkMailerConfig config = { 0 };
  guint count = 0;

  g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (count_and_close_cb), &count);
  g_socket_service_start (service);
  url = g_strdup_printf ("smtp://127.0.0.1:%u",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective)));

  config.from = "cron@example.org";
  config.smtp_url = url;
  config.retry_delays_ms = (const guint[]) { 10, 10, 10 };
  config.n_retry_delays = 3;
  mailer = chk_mailer_new (&config);

  /* The listener answers on this main context while the tries run: nothing blocks it. */
  g_assert_false (send_and_wait (mailer, "ops@example.org", "s", "b", NULL, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_cmpuint (count, ==, 4);
  g_socket_service_stop (service);
}

static void
test_cancel_while_waiting (void)
{
  g_autoptr(ChkMailer) mailer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *url = g_strdup_printf ("smtp://127.0.0.1:%u", chk_test_closed_port ());
  ChkMailerConfig config = { 0 };
  gint64 start = g_get_monotonic_time ();

  config.from = "cron@example.org";
  config.smtp_url = url;
  config.retry_delays_ms = (const guint[]) { 60000 };
  config.n_retry_delays = 1;
  mailer = chk_mailer_new (&config);

  g_timeout_add (200, chk_test_cancel_cb, cancellable);
  g_assert_false (send_and_wait (mailer, "ops@example.org", "s", "b", cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

/* Writes a `sendmail` on PATH that keeps its argv and stdin, and exits with @status. */
static void
install_stub_sendmail (Fixture *fixture,
                       int      status)
{
  g_autofree char *bin = g_build_filename (fixture->dir, "bin", NULL);
  g_autofree char *path = g_build_filename (bin, "sendmail", NULL);
  g_autofree char *script = NULL;
  g_autofree char *new_path = NULL;
  g_autoptr(GError) error = NULL;

  g_mkdir (bin, 0700);
  script = g_strdup_printf ("#!/bin/sh\n"
                            "printf '%%s\\n' \"$@\" > '%s/argv'\n"
                            "cat > '%s/stdin'\n"
                            "echo call >> '%s/calls'\n"
                            "if [ %d -ne 0 ]; then echo 'queue is full' >&2; exit %d; fi\n",
                            fixture->dir, fixture->dir, fixture->dir, status, status);
  g_file_set_contents (path, script, -1, &error);
  g_assert_no_error (error);
  g_chmod (path, 0700);
  new_path = g_strdup_printf ("%s:%s", bin, fixture->old_path);
  g_setenv ("PATH", new_path, TRUE);
}

static void
remove_stub_bin (Fixture *fixture)
{
  g_autofree char *bin = g_build_filename (fixture->dir, "bin", NULL);

  chk_test_remove_tree (bin);
}

static void
test_sendmail_send (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(ChkMailer) mailer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *input = NULL;
  ChkMailerConfig config = { 0 };

  install_stub_sendmail (fixture, 0);
  config.from = "cron@example.org";
  config.retry_delays_ms = (const guint[]) { 0 };
  mailer = chk_mailer_new (&config);

  g_assert_true (send_and_wait (mailer, "ops@example.org", "Sujet ✓", "line one\n.\nend",
                                NULL, &error));
  g_assert_no_error (error);

  chk_test_assert_file (fixture->dir, "argv", "-t\n-oi\n");
  input = chk_test_read_file (fixture->dir, "stdin");
  /* sendmail gets local line endings, the same message otherwise. */
  g_assert_null (strchr (input, '\r'));
  g_assert_true (g_str_has_prefix (input, "From: cron@example.org\nTo: ops@example.org\nDate: "));
  g_assert_nonnull (strstr (input, "\nSubject: =?UTF-8?B?"));
  g_assert_nonnull (strstr (input, "\nContent-Type: text/plain; charset=UTF-8\n"));
  g_assert_true (g_str_has_suffix (input, "\n\nline one\n.\nend\n"));
  chk_test_assert_file (fixture->dir, "calls", "call\n");

  /* A header injection never reaches sendmail. */
  g_assert_false (send_and_wait (mailer, "ops@example.org\r\nBcc: x@evil.example", "s", "b",
                                 NULL, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (send_and_wait (mailer, "ops@example.org", "s\r\nBcc: x@evil.example", "b",
                                 NULL, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT);
  chk_test_assert_file (fixture->dir, "calls", "call\n");
  remove_stub_bin (fixture);
}

static void
test_sendmail_failure (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autoptr(ChkMailer) mailer = NULL;
  g_autoptr(GError) error = NULL;
  ChkMailerConfig config = { 0 };

  install_stub_sendmail (fixture, 75);
  config.from = "cron@example.org";
  config.retry_delays_ms = (const guint[]) { 10 };
  config.n_retry_delays = 1;
  mailer = chk_mailer_new (&config);

  g_assert_false (send_and_wait (mailer, "ops@example.org", "s", "b", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "exited with status 75"));
  g_assert_nonnull (strstr (error->message, "queue is full"));
  chk_test_assert_file (fixture->dir, "calls", "call\ncall\n");
  remove_stub_bin (fixture);
}

static void
test_sendmail_missing (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autoptr(ChkMailer) mailer = NULL;
  g_autoptr(GError) error = NULL;
  ChkMailerConfig config = { 0 };

  config.from = "cron@example.org";
  config.sendmail_path = "chroniker-no-such-sendmail";
  config.retry_delays_ms = (const guint[]) { 0 };
  mailer = chk_mailer_new (&config);

  g_assert_false (send_and_wait (mailer, "ops@example.org", "s", "b", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/mailer/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  g_test_add_func ("/mailer/message/headers", test_message_headers);
  g_test_add_func ("/mailer/message/utf8-subject", test_message_utf8_subject);
  g_test_add_func ("/mailer/message/header-injection", test_message_injection);
  g_test_add_func ("/mailer/report/compose", test_report_compose);
  ADD ("smtp/send", test_smtp_send);
  ADD ("smtp/auth", test_smtp_auth);
  ADD ("smtp/retry", test_smtp_retry);
  ADD ("smtp/retry-gives-up", test_smtp_retry_gives_up);
  g_test_add_func ("/mailer/smtp/refused", test_smtp_refused);
  g_test_add_func ("/mailer/smtp/error-hides-password", test_smtp_error_hides_password);
  g_test_add_func ("/mailer/smtp/tries-counted", test_smtp_tries_counted);
  g_test_add_func ("/mailer/cancel-while-waiting", test_cancel_while_waiting);
  ADD ("sendmail/send", test_sendmail_send);
  ADD ("sendmail/failure", test_sendmail_failure);
  ADD ("sendmail/missing", test_sendmail_missing);

#undef ADD

  return g_test_run ();
}
