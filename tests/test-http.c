/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "chk-error.h"
#include "chk-http-check.h"
#include "chk-test-util.h"
#include "chk-webhook.h"

#define USER_AGENT "Chroniker/" PACKAGE_VERSION

/* A real HTTP server (tests/http/http-server.py) on loopback, and the files it
 * leaves in a temp dir. */
typedef struct
{
  char        *dir;
  GSubprocess *server;
  char        *base;
  GPtrArray   *urls; /* what url_for() handed out */
} Fixture;

static const char *
python_path (void)
{
  const char *python = g_getenv ("CHK_TEST_HTTP_PYTHON");

  return python != NULL ? python : "/usr/bin/python3";
}

/* tests/http's certificates: the server's, and the test CA that CHK_TEST_CA_FILE names. */
static char *
cert_path (const char *name)
{
  g_autofree char *script = chk_test_server_script ("CHK_TEST_HTTP_SERVER", "http",
                                                    "http-server.py");
  g_autofree char *dir = g_path_get_dirname (script);

  return g_build_filename (dir, name, NULL);
}

/* Starts the server; over HTTPS with the certificate @cert ("server",
 * "wrong-host" or "untrusted": see tests/http/README.md) unless it is %NULL. */
static void
fixture_start (Fixture    *fixture,
               const char *cert)
{
  g_autofree char *script = chk_test_server_script ("CHK_TEST_HTTP_SERVER", "http",
                                                    "http-server.py");
  g_autofree char *cert_name = g_strconcat (cert != NULL ? cert : "", ".pem", NULL);
  g_autofree char *key_name = g_strconcat (cert != NULL ? cert : "", "-key.pem", NULL);
  g_autofree char *cert_file = cert_path (cert_name);
  g_autofree char *key_file = cert_path (key_name);
  g_autofree char *port = NULL;
  const char *tls_argv[] = { python_path (), script, "--tls", cert_file, key_file, NULL, NULL };
  const char *argv[] = { python_path (), script, NULL, NULL };

  fixture->dir = chk_test_make_tmpdir ("test-http-XXXXXX");
  fixture->urls = g_ptr_array_new_with_free_func (g_free);

  if (!g_file_test (python_path (), G_FILE_TEST_IS_EXECUTABLE))
    return;

  tls_argv[5] = argv[2] = fixture->dir;
  fixture->server = chk_test_server_start (cert != NULL ? tls_argv : argv, &port);
  fixture->base = g_strdup_printf ("%s://127.0.0.1:%s", cert != NULL ? "https" : "http", port);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  user_data)
{
  fixture_start (fixture, NULL);
}

static void
fixture_setup_tls (Fixture       *fixture,
                   gconstpointer  user_data)
{
  fixture_start (fixture, user_data);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  user_data)
{
  chk_test_server_stop (&fixture->server);
  chk_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->base);
  g_ptr_array_unref (fixture->urls);
}

static gboolean
have_server (Fixture *fixture)
{
  if (fixture->base == NULL)
    {
      g_test_skip ("No Python to run the test HTTP server");
      return FALSE;
    }
  return TRUE;
}

/* The server's URL for @path; the fixture keeps it for the test's length. */
static const char *
url_for (Fixture    *fixture,
         const char *path)
{
  char *url = g_strconcat (fixture->base, path, NULL);

  g_ptr_array_add (fixture->urls, url);
  return url;
}

static void
done_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
  g_main_context_wakeup (NULL);
}

/* Runs a check and spins the main context until it is over. */
static ChkHttpCheckResult *
run_check (const ChkHttpCheckConfig  *config,
           GCancellable              *cancellable,
           GError                   **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  chk_http_check_run_async (config, NULL, cancellable, done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return chk_http_check_run_finish (result, error);
}

/* Runs a check that must end with a result, and checks what every result holds. */
static ChkHttpCheckResult *
check (const ChkHttpCheckConfig *config)
{
  g_autoptr(GError) error = NULL;
  ChkHttpCheckResult *result;

  result = run_check (config, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_nonnull (result->body_head);
  g_assert_nonnull (result->message);
  g_assert_null (strpbrk (result->message, "\r\n"));
  g_assert_true (g_utf8_validate (result->message, -1, NULL));
  g_assert_cmpint (result->elapsed_us, >, 0);
  g_test_message ("%s → %s", config->url, result->message);
  return result;
}

static void
check_verdict (const char               *file,
               int                       line,
               const char               *func,
               const char               *name,
               const ChkHttpCheckResult *result,
               gboolean                  passed,
               gboolean                  timed_out,
               guint                     status,
               const char               *message)
{
  g_autofree char *passed_expr = g_strconcat (name, "->passed", NULL);
  g_autofree char *timed_out_expr = g_strconcat (name, "->timed_out", NULL);
  g_autofree char *status_expr = g_strconcat (name, "->status", NULL);
  g_autofree char *message_expr = g_strconcat (name, "->message", NULL);

  if (!result->passed != !passed)
    g_assertion_message_cmpnum (G_LOG_DOMAIN, file, line, func, passed_expr,
                                result->passed, "==", passed, 'i');
  if (!result->timed_out != !timed_out)
    g_assertion_message_cmpnum (G_LOG_DOMAIN, file, line, func, timed_out_expr,
                                result->timed_out, "==", timed_out, 'i');
  if (result->status != status)
    g_assertion_message_cmpnum (G_LOG_DOMAIN, file, line, func, status_expr,
                                result->status, "==", status, 'i');
  if (message != NULL && g_strcmp0 (result->message, message) != 0)
    g_assertion_message_cmpstr (G_LOG_DOMAIN, file, line, func, message_expr,
                                result->message, "==", message);
}

/* Checks whether @result passed and timed out, its HTTP status (0: none) and,
 * unless NULL, its whole message; a failure names the line of the call. */
#define assert_verdict(result, passed, timed_out, status, message) \
  check_verdict (__FILE__, __LINE__, G_STRFUNC, #result, (result), (passed), (timed_out), \
                 (status), (message))

static void
assert_body (ChkHttpCheckResult *result,
             const char         *expected)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (result->body_head, &size);

  g_assert_cmpmem (data, size, expected, strlen (expected));
}

static gboolean
all_bytes_are (GBytes *bytes,
               char    c)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);

  for (gsize i = 0; i < size; i++)
    {
      if (data[i] != c)
        return FALSE;
    }
  return TRUE;
}

static void
test_check_ok (Fixture       *fixture,
               gconstpointer  user_data)
{
  g_autoptr(ChkHttpCheckResult) result = NULL;
  g_autoptr(ChkHttpCheckResult) head = NULL;
  ChkHttpCheckConfig config = { 0 };

  if (!have_server (fixture))
    return;

  config.url = url_for (fixture, "/ok");
  result = check (&config);
  assert_verdict (result, TRUE, FALSE, 200, NULL);
  g_assert_cmpint (result->elapsed_us, <, 5 * G_USEC_PER_SEC);
  assert_body (result, "all good");
  /* Milliseconds under a second; a TLS handshake under the sanitizers can take longer */
  g_assert_true (g_regex_match_simple ("^HTTP 200 OK in ([0-9]+ ms|[0-9]+\\.[0-9] s)$",
                                       result->message, 0, 0));

  /* Only the head asked for is kept. */
  config.max_body_bytes = 4;
  head = check (&config);
  g_assert_true (head->passed);
  assert_body (head, "all ");
}

static void
test_check_status (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(ChkHttpCheckResult) result = NULL;
  g_autoptr(ChkHttpCheckResult) expected = NULL;
  g_autoptr(ChkHttpCheckResult) not_found = NULL;
  ChkHttpCheckConfig config = { 0 };

  if (!have_server (fixture))
    return;

  config.url = url_for (fixture, "/fail");
  result = check (&config);
  assert_verdict (result, FALSE, FALSE, 500, "HTTP 500 Internal Server Error, expected 200");
  /* The error page is output too. */
  assert_body (result, "boom");

  /* A check may expect an error. */
  config.expect_status = 500;
  expected = check (&config);
  g_assert_true (expected->passed);
  g_assert_cmpuint (expected->status, ==, 500);
  g_assert_true (g_str_has_prefix (expected->message, "HTTP 500 Internal Server Error in "));

  /* The expected status, and the wrong one. */
  config.expect_status = 204;
  config.url = url_for (fixture, "/nowhere");
  not_found = check (&config);
  g_assert_false (not_found->passed);
  g_assert_cmpstr (not_found->message, ==, "HTTP 404 Not Found, expected 204");
}

static void
test_check_timeout (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(ChkHttpCheckResult) result = NULL;
  ChkHttpCheckConfig config = { 0 };
  gint64 start;

  if (!have_server (fixture))
    return;

  config.url = url_for (fixture, "/slow");
  config.timeout_s = 1;
  start = g_get_monotonic_time ();
  result = check (&config);
  assert_verdict (result, FALSE, TRUE, 0, "No response within 1 s");
  g_assert_cmpuint (g_bytes_get_size (result->body_head), ==, 0);
  /* It gave up at the timeout, not when the server answered 10 s later. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 900 * 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
  g_assert_cmpint (result->elapsed_us, >=, 900 * 1000);
}

/* The timeout covers the body too when the body decides; otherwise it only cuts
 * the output short. */
static void
test_check_timeout_body (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_autoptr(ChkHttpCheckResult) searching = NULL;
  g_autoptr(ChkHttpCheckResult) status_only = NULL;
  ChkHttpCheckConfig config = { 0 };
  gint64 start;

  if (!have_server (fixture))
    return;

  config.url = url_for (fixture, "/trickle");
  config.timeout_s = 1;
  config.contains = "done";
  start = g_get_monotonic_time ();
  searching = check (&config);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
  assert_verdict (searching, FALSE, TRUE, 200,
                  "HTTP 200 OK, but the body did not hold “done” within 1 s");
  assert_body (searching, "partial");

  config.contains = NULL;
  config.max_body_bytes = 100;
  start = g_get_monotonic_time ();
  status_only = check (&config);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
  g_assert_true (status_only->passed);
  g_assert_false (status_only->timed_out);
  assert_body (status_only, "partial");
}

static void
test_check_contains (Fixture       *fixture,
                     gconstpointer  user_data)
{
  const char *ok_url;
  const char *wrong_url;
  g_autoptr(ChkHttpCheckResult) found = NULL;
  g_autoptr(ChkHttpCheckResult) missing = NULL;
  g_autoptr(ChkHttpCheckResult) empty = NULL;
  g_autoptr(ChkHttpCheckResult) wrong_status = NULL;
  ChkHttpCheckConfig config = { 0 };

  if (!have_server (fixture))
    return;

  ok_url = url_for (fixture, "/ok");
  wrong_url = url_for (fixture, "/wrong");

  config.url = ok_url;
  config.contains = "good";
  found = check (&config);
  g_assert_true (found->passed);

  config.url = wrong_url;
  config.contains = "all good";
  missing = check (&config);
  assert_verdict (missing, FALSE, FALSE, 200, "The body does not contain “all good”");
  assert_body (missing, "something else");

  /* "" is no body check. */
  config.contains = "";
  empty = check (&config);
  g_assert_true (empty->passed);

  /* The status is judged first. */
  config.url = ok_url;
  config.contains = "good";
  config.expect_status = 201;
  wrong_status = check (&config);
  g_assert_false (wrong_status->passed);
  g_assert_cmpstr (wrong_status->message, ==, "HTTP 200 OK, expected 201");
}

static void
test_check_contains_split (Fixture       *fixture,
                           gconstpointer  user_data)
{
  const char *url;
  const struct { const char *contains; gboolean passed; } cases[] = {
    { "needle", TRUE },
    { "aneedleb", TRUE },
    { "needleneedle", FALSE },
    { "nee", TRUE },
    { "dle", TRUE },
  };

  if (!have_server (fixture))
    return;

  /* The server sends "…aaanee", waits, then "dlebbb…": the text is in two reads. */
  url = url_for (fixture, "/split");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ChkHttpCheckResult) result = NULL;
      ChkHttpCheckConfig config = { 0 };

      config.url = url;
      config.contains = cases[i].contains;
      config.max_body_bytes = 1002;
      result = check (&config);
      g_assert_cmpint (result->passed, ==, cases[i].passed);
      g_assert_cmpuint (g_bytes_get_size (result->body_head), ==, 1002);
    }
}

static void
test_check_contains_far (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_autoptr(ChkHttpCheckResult) result = NULL;
  ChkHttpCheckConfig config = { 0 };

  if (!have_server (fixture))
    return;

  /* Past the head kept for the output, the search goes on. */
  config.url = url_for (fixture, "/far");
  config.contains = "needle";
  result = check (&config);
  g_assert_true (result->passed);
  g_assert_cmpuint (g_bytes_get_size (result->body_head), ==, CHK_HTTP_CHECK_DEFAULT_MAX_BODY_BYTES);
  g_assert_true (all_bytes_are (result->body_head, 'y'));
}

static void
test_check_endless (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(ChkHttpCheckResult) capped = NULL;
  g_autoptr(ChkHttpCheckResult) status_only = NULL;
  g_autoptr(ChkHttpCheckResult) again = NULL;
  ChkHttpCheckConfig config = { 0 };
  gint64 start;

  if (!have_server (fixture))
    return;

  /* An endless body is searched up to the cap, then left. */
  config.url = url_for (fixture, "/endless");
  config.contains = "needle";
  start = g_get_monotonic_time ();
  capped = check (&config);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  assert_verdict (capped, FALSE, FALSE, 200,
                  "The first 1 MiB of the body does not contain “needle”");
  g_assert_cmpuint (g_bytes_get_size (capped->body_head), ==, CHK_HTTP_CHECK_DEFAULT_MAX_BODY_BYTES);
  g_assert_true (all_bytes_are (capped->body_head, 'x'));

  /* Without a text, only the head is read. */
  config.contains = NULL;
  start = g_get_monotonic_time ();
  status_only = check (&config);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_assert_true (status_only->passed);
  g_assert_cmpuint (g_bytes_get_size (status_only->body_head), ==,
                    CHK_HTTP_CHECK_DEFAULT_MAX_BODY_BYTES);

  /* Dropping those bodies left nothing stuck behind. */
  config.url = url_for (fixture, "/ok");
  again = check (&config);
  g_assert_true (again->passed);
}

static void
test_check_redirect (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autoptr(ChkHttpCheckResult) result = NULL;
  ChkHttpCheckConfig config = { 0 };

  if (!have_server (fixture))
    return;

  config.url = url_for (fixture, "/redirect");
  config.contains = "all good";
  result = check (&config);
  g_assert_true (result->passed);
  g_assert_cmpuint (result->status, ==, 200);
  assert_body (result, "all good");
}

static void
test_check_user_agent (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autoptr(ChkHttpCheckResult) result = NULL;
  ChkHttpCheckConfig config = { 0 };

  if (!have_server (fixture))
    return;

  config.url = url_for (fixture, "/ua");
  result = check (&config);
  g_assert_true (result->passed);
  assert_body (result, USER_AGENT);
}

static void
test_check_refused (void)
{
  g_autofree char *url = NULL;
  g_autofree char *prefix = NULL;
  g_autoptr(ChkHttpCheckResult) result = NULL;
  ChkHttpCheckConfig config = { 0 };
  guint16 port = chk_test_closed_port ();

  config.url = url = g_strdup_printf ("http://127.0.0.1:%u/ok", port);
  result = check (&config);
  assert_verdict (result, FALSE, FALSE, 0, NULL);
  g_assert_cmpuint (g_bytes_get_size (result->body_head), ==, 0);
  prefix = g_strdup_printf ("Could not connect to 127.0.0.1:%u: ", port);
  g_assert_true (g_str_has_prefix (result->message, prefix));
  g_assert_cmpuint (strlen (result->message), >, strlen (prefix));
}

static void
test_check_bad_url (void)
{
  g_autoptr(ChkHttpCheckResult) result = NULL;
  ChkHttpCheckConfig config = { 0 };

  /* A bad URL that got this far is a failed check, not an error. */
  config.url = "ftp://example.org/";
  result = check (&config);
  g_assert_false (result->passed);
  g_assert_cmpuint (result->status, ==, 0);
  g_assert_nonnull (strstr (result->message, "ftp://example.org/"));
}

static void
test_check_cancel (Fixture       *fixture,
                   gconstpointer  user_data)
{
  const char *urls[2];

  if (!have_server (fixture))
    return;

  /* While waiting for the headers, then while reading the body. */
  urls[0] = url_for (fixture, "/slow");
  urls[1] = url_for (fixture, "/trickle");
  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(ChkHttpCheckResult) result = NULL;
      g_autoptr(GError) error = NULL;
      ChkHttpCheckConfig config = { 0 };
      gint64 start = g_get_monotonic_time ();

      config.url = urls[i];
      config.contains = "done";
      g_timeout_add (200, chk_test_cancel_cb, cancellable);
      result = run_check (&config, cancellable, &error);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_null (result);
      g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
    }
}

static void
test_check_cancel_before (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(ChkHttpCheckResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ChkHttpCheckConfig config = { 0 };

  config.url = "http://127.0.0.1:1/";
  g_cancellable_cancel (cancellable);
  result = run_check (&config, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (result);
}

static void
test_check_session (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(ChkHttpCheckResult) result = NULL;
  SoupSession *first;
  SoupSession *second;
  ChkHttpCheckConfig config = { 0 };

  if (!have_server (fixture))
    return;

  /* Shared while held, gone when nobody holds it. */
  first = chk_http_check_dup_default_session ();
  second = chk_http_check_dup_default_session ();
  g_assert_true (first == second);
  g_assert_cmpstr (soup_session_get_user_agent (first), ==, USER_AGENT);
  g_object_unref (second);
  g_object_add_weak_pointer (G_OBJECT (first), (gpointer *) &first);

  config.url = url_for (fixture, "/ok");
  result = check (&config);
  g_assert_true (result->passed);
  g_object_unref (first);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_null (first);
}

static void
test_validate_url (void)
{
  const char *bad[] = {
    "",
    "ftp://example.org/file",
    "http://",
    "https://",
    "not a url",
    "example.org/health",
    "http://example.org/a b",
    "http://example.org/\nHost: evil.example",
    "http://example.org/\r",
    "http://example.org/\t",
    "mailto:ops@example.org",
    "http:///path",
    "http://bad\xff.example/",
  };
  const char *good[] = {
    "http://example.org",
    "https://example.org/health?full=1#top",
    "http://127.0.0.1:8080/ok",
    "http://[::1]:8080/ok",
    "HTTPS://Example.org/",
    "https://user:secret@example.org/hook",
  };
  g_autoptr(GError) error = NULL;

  g_assert_false (chk_http_check_validate_url (NULL, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (chk_http_check_validate_url (bad[i], &error));
      g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_test_message ("%s", error->message);
      g_clear_error (&error);
    }

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_assert_true (chk_http_check_validate_url (good[i], &error));
      g_assert_no_error (error);
    }
}

static JsonObject *
parse_object (JsonParser *parser,
              const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_node_get_object (root);
}

static void
test_webhook_payload (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  static const char raw_tail[] = "disk \xff\xfe full\0nul\n";
  g_autoptr(GBytes) tail = g_bytes_new_static (raw_tail, sizeof raw_tail - 1);
  g_autoptr(GString) big = g_string_new ("HEAD-MARKER\n");
  g_autoptr(GBytes) big_tail = NULL;
  g_autofree char *payload = NULL;
  ChkWebhookEvent event = { 0 };
  JsonObject *object;
  const char *keys[] = { "event", "job-name", "job-id", "run-id", "outcome", "exit-code",
                         "attempt", "started", "finished", "duration", "hostname", "stderr-tail",
                         "text" };

  event.job_name = "sauvegarde ✓";
  event.job_id = 3;
  event.run_id = G_GUINT64_CONSTANT (9007199254740993);
  event.outcome = "failure";
  event.exit_code = 2;
  /* 2026-12-04T02:00:00.123456Z */
  event.started = G_GINT64_CONSTANT (1796349600) * G_USEC_PER_SEC + 123456;
  event.finished = event.started + 4 * G_USEC_PER_SEC + 876544;
  event.hostname = "build-host";
  event.stderr_tail = tail;
  event.event = "failure";

  payload = chk_webhook_build_payload (&event);
  g_assert_true (g_utf8_validate (payload, -1, NULL));
  g_test_message ("%s", payload);
  object = parse_object (parser, payload);
  g_assert_cmpuint (json_object_get_size (object), ==, G_N_ELEMENTS (keys));
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_true (json_object_has_member (object, keys[i]));

  g_assert_cmpstr (json_object_get_string_member (object, "event"), ==, "failure");
  g_assert_cmpstr (json_object_get_string_member (object, "job-name"), ==, "sauvegarde ✓");
  /* Not given: a run is its first attempt */
  g_assert_cmpint (json_object_get_int_member (object, "attempt"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (object, "job-id"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (object, "run-id"), ==,
                   G_GINT64_CONSTANT (9007199254740993));
  g_assert_cmpstr (json_object_get_string_member (object, "outcome"), ==, "failure");
  g_assert_cmpint (json_object_get_int_member (object, "exit-code"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (object, "started"), ==,
                   "2026-12-04T02:00:00.123456Z");
  g_assert_cmpstr (json_object_get_string_member (object, "finished"), ==,
                   "2026-12-04T02:00:05.000000Z");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (object, "duration"),
                                  4.876544, 1e-9);
  g_assert_cmpstr (json_object_get_string_member (object, "hostname"), ==, "build-host");
  /* Bad bytes and the NUL became U+FFFD; nothing was lost after the NUL. */
  g_assert_cmpstr (json_object_get_string_member (object, "stderr-tail"), ==,
                   "disk \xef\xbf\xbd\xef\xbf\xbd full\xef\xbf\xbdnul\n");
  g_assert_cmpstr (json_object_get_string_member (object, "text"), ==,
                   "[Chroniker] Failure: sauvegarde ✓ on build-host (exit code 2)");

  /* A recovery, no times, no stderr, this host, a long tail. */
  for (guint i = 0; i < 4000; i++)
    g_string_append (big, "é✓x\n");
  g_string_append (big, "TAIL-MARKER");
  big_tail = g_bytes_new (big->str, big->len);
  event.event = "recovered";
  event.outcome = "success";
  event.exit_code = 0;
  event.started = 0;
  event.finished = 0;
  event.hostname = NULL;
  event.stderr_tail = NULL;
  g_clear_pointer (&payload, g_free);
  payload = chk_webhook_build_payload (&event);
  object = parse_object (parser, payload);
  g_assert_true (json_object_get_null_member (object, "started"));
  g_assert_true (json_object_get_null_member (object, "finished"));
  g_assert_true (json_object_get_null_member (object, "duration"));
  g_assert_cmpstr (json_object_get_string_member (object, "hostname"), ==, g_get_host_name ());
  g_assert_cmpstr (json_object_get_string_member (object, "stderr-tail"), ==, "");
  {
    g_autofree char *text = g_strdup_printf ("[Chroniker] Recovered: sauvegarde ✓ on %s",
                                             g_get_host_name ());

    g_assert_cmpstr (json_object_get_string_member (object, "text"), ==, text);
  }

  /* A run going on too long; a summary of held-back alerts, with its count and line. */
  event.event = "running-long";
  event.outcome = "running";
  g_clear_pointer (&payload, g_free);
  payload = chk_webhook_build_payload (&event);
  object = parse_object (parser, payload);
  g_assert_false (json_object_has_member (object, "suppressed"));
  {
    g_autofree char *text = g_strdup_printf ("[Chroniker] Running long: sauvegarde ✓ on %s",
                                             g_get_host_name ());

    g_assert_cmpstr (json_object_get_string_member (object, "text"), ==, text);
  }
  event.event = "summary";
  event.outcome = "failure";
  event.text = "[Chroniker] sauvegarde failed 3 more times\nsince 14:05 on build-host";
  event.suppressed = 3;
  g_clear_pointer (&payload, g_free);
  payload = chk_webhook_build_payload (&event);
  object = parse_object (parser, payload);
  g_assert_cmpstr (json_object_get_string_member (object, "event"), ==, "summary");
  g_assert_cmpint (json_object_get_int_member (object, "suppressed"), ==, 3);
  /* One line, whatever it was given */
  g_assert_cmpstr (json_object_get_string_member (object, "text"), ==,
                   "[Chroniker] sauvegarde failed 3 more times since 14:05 on build-host");
  event.text = NULL;
  event.suppressed = 0;

  event.stderr_tail = big_tail;
  g_clear_pointer (&payload, g_free);
  payload = chk_webhook_build_payload (&event);
  object = parse_object (parser, payload);
  {
    const char *text = json_object_get_string_member (object, "stderr-tail");

    g_assert_true (g_utf8_validate (text, -1, NULL));
    g_assert_null (strstr (text, "HEAD-MARKER"));
    g_assert_null (strstr (text, "\xef\xbf\xbd"));
    g_assert_true (g_str_has_suffix (text, "TAIL-MARKER"));
    g_assert_cmpuint (strlen (text), <=, CHK_WEBHOOK_TAIL_MAX_BYTES);
    g_assert_cmpuint (strlen (text), >, CHK_WEBHOOK_TAIL_MAX_BYTES - 4);
  }
}

static gboolean
post (const char    *url,
      const char    *payload,
      const guint   *delays,
      guint          n_delays,
      GCancellable  *cancellable,
      GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  chk_webhook_post_async (url, payload, delays, n_delays, NULL, cancellable, done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return chk_webhook_post_finish (result, error);
}

static char *
sample_payload (void)
{
  static const char raw_tail[] = "rsync: error ✗\n";
  g_autoptr(GBytes) tail = g_bytes_new_static (raw_tail, sizeof raw_tail - 1);
  ChkWebhookEvent event = { 0 };

  event.job_name = "backup";
  event.job_id = 1;
  event.run_id = 7;
  event.outcome = "failure";
  event.exit_code = 23;
  event.started = g_get_real_time () - G_USEC_PER_SEC;
  event.finished = g_get_real_time ();
  event.stderr_tail = tail;
  event.event = "failure";
  return chk_webhook_build_payload (&event);
}

static void
test_webhook_post (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  const char *url;
  g_autofree char *payload = sample_payload ();
  g_autofree char *recorded = NULL;
  JsonObject *request;
  JsonObject *headers;

  if (!have_server (fixture))
    return;

  url = url_for (fixture, "/hook");
  g_assert_true (post (url, payload, (const guint[]) { 10 }, 1, NULL, &error));
  g_assert_no_error (error);

  chk_test_assert_file (fixture->dir, "tries-hook", "1\n");
  recorded = chk_test_read_file (fixture->dir, "1.json");
  request = parse_object (parser, recorded);
  g_assert_cmpstr (json_object_get_string_member (request, "path"), ==, "/hook");
  g_assert_cmpstr (json_object_get_string_member (request, "body"), ==, payload);
  headers = json_object_get_object_member (request, "headers");
  g_assert_cmpstr (json_object_get_string_member (headers, "content-type"), ==, "application/json");
  g_assert_cmpstr (json_object_get_string_member (headers, "user-agent"), ==, USER_AGENT);
}

static void
test_webhook_retry (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  const char *url;
  g_autofree char *payload = sample_payload ();
  g_autofree char *recorded = NULL;

  if (!have_server (fixture))
    return;

  url = url_for (fixture, "/hook-fail-2");
  g_assert_true (post (url, payload, (const guint[]) { 10, 10, 10 }, 3, NULL, &error));
  g_assert_no_error (error);
  chk_test_assert_file (fixture->dir, "tries-hook-fail-2", "3\n");
  recorded = chk_test_read_file (fixture->dir, "1.json");
  g_assert_nonnull (strstr (recorded, "\"/hook-fail-2\""));
}

static void
test_webhook_gives_up (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  const char *url;
  g_autofree char *expected = NULL;
  g_autofree char *payload = sample_payload ();

  if (!have_server (fixture))
    return;

  /* 429 is worth another try, and another, and then no more. */
  url = url_for (fixture, "/hook-429");
  g_assert_false (post (url, payload, (const guint[]) { 10, 10 }, 2, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  expected = g_strdup_printf ("Webhook %s: HTTP 429 Too Many Requests: slow down", url);
  g_assert_cmpstr (error->message, ==, expected);
  chk_test_assert_file (fixture->dir, "tries-hook-429", "3\n");
}

static void
test_webhook_not_retried (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  const char *url;
  g_autofree char *secret_url = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *payload = sample_payload ();
  gint64 start = g_get_monotonic_time ();

  if (!have_server (fixture))
    return;

  /* A 404 will be a 404 again: one try, though the delays allow more. */
  url = url_for (fixture, "/hook-404");
  g_assert_false (post (url, payload, (const guint[]) { 5000, 5000 }, 2, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  expected = g_strdup_printf ("Webhook %s: HTTP 404 Not Found: no such hook", url);
  g_assert_cmpstr (error->message, ==, expected);
  chk_test_assert_file (fixture->dir, "tries-hook-404", "1\n");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 4 * G_USEC_PER_SEC);

  /* The password and the query, where tokens hide, stay out of the error. */
  g_clear_error (&error);
  secret_url = g_strdup_printf ("http://hook:pass-s3cret@%s/hook-404?token=t0ken-s3cret",
                                fixture->base + strlen ("http://"));
  g_assert_false (post (secret_url, payload, (const guint[]) { 0 }, 0, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_webhook_unreachable (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/hook", chk_test_closed_port ());
  g_autofree char *prefix = NULL;
  g_autofree char *payload = sample_payload ();
  gint64 start = g_get_monotonic_time ();

  g_assert_false (post (url, payload, (const guint[]) { 50, 50 }, 2, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_test_message ("%s", error->message);
  prefix = g_strdup_printf ("Webhook %s: Could not connect to 127.0.0.1:", url);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  /* It waited both delays: three tries. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 100 * 1000);
}

static void
test_webhook_cancel (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/hook", chk_test_closed_port ());
  g_autofree char *payload = sample_payload ();
  gint64 start = g_get_monotonic_time ();

  /* Cancelled while waiting a minute for the next try. */
  g_timeout_add (100, chk_test_cancel_cb, cancellable);
  g_assert_false (post (url, payload, (const guint[]) { 60000 }, 1, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
}

static void
test_webhook_cancel_during_try (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  g_autofree char *payload = sample_payload ();
  gint64 start = g_get_monotonic_time ();

  /* Listening, never accepting: the kernel takes the connection and the request,
   * and no answer ever comes. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  g_socket_listen (socket, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://127.0.0.1:%u/hook",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  g_timeout_add (200, chk_test_cancel_cb, cancellable);
  g_assert_false (post (url, payload, (const guint[]) { 10 }, 1, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 150 * 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
}

/* Waits for a 503's Retry-After, in seconds or as a date, however short the
 * delays asked for, without more tries than they allow. */
static void
test_webhook_retry_after (Fixture       *fixture,
                          gconstpointer  user_data)
{
  const char *paths[] = { "/hook-busy-s", "/hook-busy-date" };

  if (!have_server (fixture))
    return;

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *payload = sample_payload ();
      g_autofree char *tries = g_strconcat ("tries-", paths[i] + 1, NULL);
      gint64 start = g_get_monotonic_time ();
      gint64 elapsed;

      g_assert_true (post (url_for (fixture, paths[i]), payload, (const guint[]) { 10 }, 1,
                           NULL, &error));
      g_assert_no_error (error);
      elapsed = g_get_monotonic_time () - start;
      g_test_message ("%s: took %" G_GINT64_FORMAT " ms", paths[i], elapsed / 1000);
      /* An HTTP date has whole seconds: 2 s ahead is at least 1 s. */
      g_assert_cmpint (elapsed, >=, 950 * 1000);
      g_assert_cmpint (elapsed, <, 4 * G_USEC_PER_SEC);
      chk_test_assert_file (fixture->dir, tries, "2\n");
    }
}

/* HTTPS with a certificate the test CA signed for 127.0.0.1: checks and webhooks
 * go as over HTTP. */
static void
test_tls_ok (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_assert_true (fixture->base == NULL || g_str_has_prefix (fixture->base, "https://"));
  test_check_ok (fixture, user_data);
  test_webhook_post (fixture, user_data);
}

/* A certificate for another host, or from an issuer nobody trusts, is refused
 * with an error that says TLS failed and why. */
static void
test_tls_refused (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autoptr(ChkHttpCheckResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *payload = sample_payload ();
  g_autofree char *prefix = NULL;
  g_autofree char *hook_prefix = NULL;
  g_autofree char *tries = NULL;
  const char *why = g_str_equal (user_data, "wrong-host") ? "not for 127.0.0.1"
                                                          : "issuer is not trusted";
  ChkHttpCheckConfig config = { 0 };
  const char *url;

  if (!have_server (fixture))
    return;

  prefix = g_strdup_printf ("TLS with 127.0.0.1:%s failed: ", strrchr (fixture->base, ':') + 1);
  config.url = url_for (fixture, "/ok");
  result = check (&config);
  assert_verdict (result, FALSE, FALSE, 0, NULL);
  g_assert_true (g_str_has_prefix (result->message, prefix));
  g_assert_nonnull (strstr (result->message, why));

  url = url_for (fixture, "/hook");
  g_assert_false (post (url, payload, (const guint[]) { 10 }, 1, NULL, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  hook_prefix = g_strdup_printf ("Webhook %s: %s", url, prefix);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, hook_prefix));
  g_assert_nonnull (strstr (error->message, why));
  /* The server never saw a request. */
  tries = g_build_filename (fixture->dir, "tries-hook", NULL);
  g_assert_false (g_file_test (tries, G_FILE_TEST_EXISTS));
}

static void
test_webhook_bad_url (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (post ("ftp://example.org/hook", "{}", NULL, 0, NULL, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT);
}

#define ADD_SERVER_TEST(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

/* Which server each TLS case talks to */
static const char *
tls_server_kind (void)
{
  const char *path = g_test_get_path ();

  if (g_str_has_suffix (path, "/wrong-host"))
    return "wrong-host";
  if (g_str_has_suffix (path, "/untrusted"))
    return "untrusted";
  return "server";
}

/*
 * Runs a TLS case in a process of its own that ends with _exit() after the
 * case and its teardown: glib-networking's GnuTLS, loaded with dlopen(),
 * leaves dynamic TLS that crashes LeakSanitizer's tracer at exit (GCC 12's
 * "Tracer caught signal 11"), which would fail the whole binary. The
 * sanitizers' other checks hold in the subprocess as everywhere; only its
 * leak check at exit is skipped.
 */
static void
run_tls_case (gconstpointer data)
{
  void (*test) (Fixture *, gconstpointer) = data;
  Fixture fixture = { 0 };

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDOUT |
                                       G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }

  fixture_setup_tls (&fixture, tls_server_kind ());
  test (&fixture, tls_server_kind ());
  fixture_teardown (&fixture, tls_server_kind ());
  fflush (stdout);
  fflush (stderr);
  _exit (0);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *ca_file = NULL;

  /* Straight to loopback: no proxy from the environment, and no GSettings lookup of
   * the desktop's proxy settings in the isolated dirs, where there are no schemas. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* HTTPS trusts the test CA of tests/http, and only it. */
  ca_file = cert_path ("ca.pem");
  g_setenv ("CHK_TEST_CA_FILE", ca_file, TRUE);

  ADD_SERVER_TEST ("/http/check/ok", test_check_ok);
  ADD_SERVER_TEST ("/http/check/status", test_check_status);
  ADD_SERVER_TEST ("/http/check/timeout", test_check_timeout);
  ADD_SERVER_TEST ("/http/check/timeout-body", test_check_timeout_body);
  ADD_SERVER_TEST ("/http/check/contains", test_check_contains);
  ADD_SERVER_TEST ("/http/check/contains-split", test_check_contains_split);
  ADD_SERVER_TEST ("/http/check/contains-far", test_check_contains_far);
  ADD_SERVER_TEST ("/http/check/endless", test_check_endless);
  ADD_SERVER_TEST ("/http/check/redirect", test_check_redirect);
  ADD_SERVER_TEST ("/http/check/user-agent", test_check_user_agent);
  g_test_add_func ("/http/check/refused", test_check_refused);
  g_test_add_func ("/http/check/bad-url", test_check_bad_url);
  ADD_SERVER_TEST ("/http/check/cancel", test_check_cancel);
  g_test_add_func ("/http/check/cancel-before", test_check_cancel_before);
  ADD_SERVER_TEST ("/http/check/session", test_check_session);
  g_test_add_func ("/http/check/validate-url", test_validate_url);
  g_test_add_func ("/http/webhook/payload", test_webhook_payload);
  ADD_SERVER_TEST ("/http/webhook/post", test_webhook_post);
  ADD_SERVER_TEST ("/http/webhook/retry", test_webhook_retry);
  ADD_SERVER_TEST ("/http/webhook/gives-up", test_webhook_gives_up);
  ADD_SERVER_TEST ("/http/webhook/not-retried", test_webhook_not_retried);
  ADD_SERVER_TEST ("/http/webhook/retry-after", test_webhook_retry_after);
  g_test_add_data_func ("/http/tls/ok", test_tls_ok, run_tls_case);
  g_test_add_data_func ("/http/tls/wrong-host", test_tls_refused, run_tls_case);
  g_test_add_data_func ("/http/tls/untrusted", test_tls_refused, run_tls_case);
  g_test_add_func ("/http/webhook/unreachable", test_webhook_unreachable);
  g_test_add_func ("/http/webhook/cancel", test_webhook_cancel);
  g_test_add_func ("/http/webhook/cancel-during-try", test_webhook_cancel_during_try);
  g_test_add_func ("/http/webhook/bad-url", test_webhook_bad_url);

  return g_test_run ();
}
