/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-runner"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "chk-job-spec.h"
#include "chk-progress-reader.h"
#include "chk-runner.h"
#include "chk-store.h"
#include "chk-test-util.h"

/* Short, so that the kill tests are quick; the runner's default is 5 s. */
#define TEST_KILL_GRACE_MS 300

/* No run in these tests should take anywhere near this long. */
#define TEST_DEADLINE_S 60

typedef struct
{
  char         *tmpdir;
  ChkStore     *store;
  ChkRunner    *runner;
  guint64       job_id;
  guint64       run_id;

  gint64        start_time;
  gint64        finish_time;
  guint         n_finished;
  gboolean      finished_during_start;

  GArray       *announce_times;
  GArray       *announce_seqs;

  guint         n_progress;
  guint         progress_complete;
  guint         progress_total;
  char         *progress_message;
  GPtrArray    *progress_log;
} Fixture;

/* Helpers */

/* Builds a spec the way the D-Bus API does: from an a{sv} of spec keys.
 * Takes pairs of key and (floating) GVariant after @name, ending in NULL.
 */
static ChkJobSpec *
spec_new (const char *name,
          ...)
{
  g_autoptr(ChkJobSpec) spec = chk_job_spec_new ();
  g_autoptr(GVariant) changes = NULL;
  g_autoptr(GError) error = NULL;
  GVariantBuilder builder;
  const char *key;
  va_list args;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string (name));

  va_start (args, name);
  while ((key = va_arg (args, const char *)) != NULL)
    g_variant_builder_add (&builder, "{sv}", key, va_arg (args, GVariant *));
  va_end (args);

  changes = g_variant_ref_sink (g_variant_builder_end (&builder));
  chk_job_spec_update (spec, changes, &error);
  g_assert_no_error (error);

  return g_steal_pointer (&spec);
}

static ChkJobSpec *
spec_new_shell (const char *shell)
{
  return spec_new ("test job", "shell", g_variant_new_string (shell), NULL);
}

/* A shell job that leaves a process's pid in the file @pid_name in the
 * fixture's directory, whose path goes to @pid_file: every PID_FILE in @shell
 * becomes that path, quoted. */
static ChkJobSpec *
spec_new_pid_file (Fixture     *f,
                   const char  *pid_name,
                   const char  *shell,
                   char       **pid_file)
{
  g_autofree char *path = g_build_filename (f->tmpdir, pid_name, NULL);
  g_autofree char *quoted = g_shell_quote (path);
  g_auto(GStrv) parts = g_strsplit (shell, "PID_FILE", -1);
  g_autofree char *command = g_strjoinv (quoted, parts);

  *pid_file = g_steal_pointer (&path);
  return spec_new_shell (command);
}

static void
finished_cb (ChkRunner *runner,
             Fixture   *f)
{
  g_assert_true (chk_runner_is_finished (runner));
  f->n_finished++;
  f->finish_time = g_get_monotonic_time ();
}

static void
output_available_cb (ChkRunner *runner,
                     guint64    last_seq,
                     Fixture   *f)
{
  gint64 now = g_get_monotonic_time ();

  if (f->announce_seqs->len > 0)
    g_assert_cmpuint (last_seq, >, g_array_index (f->announce_seqs, guint64,
                                                  f->announce_seqs->len - 1));

  g_array_append_val (f->announce_times, now);
  g_array_append_val (f->announce_seqs, last_seq);
}

static void
progress_cb (ChkRunner  *runner,
             guint       complete,
             guint       total,
             const char *message,
             Fixture    *f)
{
  g_assert_true (g_utf8_validate (message, -1, NULL));
  g_assert_cmpuint (total, >, 0);
  g_assert_cmpuint (complete, <=, total);

  f->n_progress++;
  f->progress_complete = complete;
  f->progress_total = total;
  g_free (f->progress_message);
  f->progress_message = g_strdup (message);
  g_ptr_array_add (f->progress_log, g_strdup_printf ("%u/%u %s", complete, total, message));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  f->tmpdir = chk_test_make_tmpdir ("chk-test-runner-XXXXXX");
  path = g_build_filename (f->tmpdir, "chroniker.db", NULL);
  f->store = chk_store_new (path, &error);
  g_assert_no_error (error);

  f->announce_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  f->announce_seqs = g_array_new (FALSE, FALSE, sizeof (guint64));
  f->progress_log = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->runner != NULL)
    g_signal_handlers_disconnect_by_data (f->runner, f);
  g_clear_object (&f->runner);

  /* Let cancelled operations come back while the store still exists. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_clear_object (&f->store);
  chk_test_remove_tree (f->tmpdir);
  g_clear_pointer (&f->tmpdir, g_free);
  g_clear_pointer (&f->announce_times, g_array_unref);
  g_clear_pointer (&f->announce_seqs, g_array_unref);
  g_clear_pointer (&f->progress_message, g_free);
  g_clear_pointer (&f->progress_log, g_ptr_array_unref);
}

/* Adds the job and its run to the store as the engine does, and makes the
 * runner, without starting it.
 */
static void
fixture_prepare (Fixture    *f,
                 ChkJobSpec *spec)
{
  g_autoptr(ChkRunRecord) run = chk_run_record_new ();
  g_autoptr(GVariant) spec_variant = NULL;
  g_autoptr(GError) error = NULL;

  spec_variant = g_variant_ref_sink (chk_job_spec_to_variant (spec));
  chk_store_add_job (f->store, spec->name, spec_variant, g_get_real_time (), &f->job_id, &error);
  g_assert_no_error (error);

  run->job_id = f->job_id;
  run->job_name = g_strdup (spec->name);
  run->trigger = g_strdup ("manual");
  run->started = g_get_real_time ();
  run->outcome = g_strdup ("running");
  run->hostname = g_strdup (g_get_host_name ());
  chk_store_add_run (f->store, run, &error);
  g_assert_no_error (error);
  f->run_id = run->id;

  f->runner = chk_runner_new (f->store, spec, run);
  g_assert_nonnull (f->runner);
  g_assert_cmpuint (chk_runner_get_run_id (f->runner), ==, f->run_id);
  g_assert_false (chk_runner_is_finished (f->runner));
  chk_runner_set_kill_grace (f->runner, TEST_KILL_GRACE_MS);

  g_signal_connect (f->runner, "finished", G_CALLBACK (finished_cb), f);
  g_signal_connect (f->runner, "output-available", G_CALLBACK (output_available_cb), f);
  g_signal_connect (f->runner, "progress", G_CALLBACK (progress_cb), f);
}

static void
fixture_start (Fixture    *f,
               ChkJobSpec *spec)
{
  fixture_prepare (f, spec);

  f->start_time = g_get_monotonic_time ();
  chk_runner_start (f->runner);

  /* Never from inside start(), whatever happened. */
  g_assert_cmpuint (f->n_finished, ==, 0);
}

/* Runs the main loop until @done says so or @seconds pass (a failure). */
static void
iterate_until (gboolean (*done) (Fixture *f),
               Fixture  *f,
               guint     seconds)
{
  g_assert_true (chk_test_wait_until ((ChkTestCondition) done, f, seconds));
}

static gboolean
is_finished (Fixture *f)
{
  return f->n_finished > 0;
}

/* Waits for "finished", checks that it came once and that the record the
 * runner has is the one in the store, and returns the stored one.
 */
static ChkRunRecord *
wait_finished (Fixture *f)
{
  g_autoptr(ChkRunRecord) stored = NULL;
  g_autoptr(GError) error = NULL;
  const ChkRunRecord *record;

  iterate_until (is_finished, f, TEST_DEADLINE_S);

  /* Nothing more once finished. */
  chk_test_iterate (0.05);
  g_assert_cmpuint (f->n_finished, ==, 1);

  record = chk_runner_get_record (f->runner);
  stored = chk_store_get_run (f->store, f->run_id, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (stored->id, ==, f->run_id);
  g_assert_cmpuint (stored->job_id, ==, f->job_id);
  g_assert_cmpstr (stored->outcome, ==, record->outcome);
  g_assert_cmpstr (stored->outcome, !=, "running");
  g_assert_cmpint (stored->exit_code, ==, record->exit_code);
  g_assert_cmpint (stored->signal, ==, record->signal);
  g_assert_cmpint (stored->finished, ==, record->finished);
  g_assert_cmpint (stored->finished, >=, stored->started);
  g_assert_cmpuint (stored->pid, ==, record->pid);
  g_assert_cmpuint (stored->stdout_bytes, ==, record->stdout_bytes);
  g_assert_cmpuint (stored->stderr_bytes, ==, record->stderr_bytes);
  g_assert_cmpint (stored->truncated, ==, record->truncated);
  g_assert_cmpuint (stored->progress_complete, ==, record->progress_complete);
  g_assert_cmpuint (stored->progress_total, ==, record->progress_total);
  g_assert_cmpstr (stored->progress_message, ==, record->progress_message);

  return g_steal_pointer (&stored);
}

static ChkRunRecord *
check_run_to_end (const char *file,
                  int         line,
                  const char *func,
                  Fixture    *f,
                  ChkJobSpec *spec,
                  const char *outcome)
{
  g_autoptr(ChkRunRecord) run = NULL;

  fixture_start (f, spec);
  run = wait_finished (f);
  if (g_strcmp0 (run->outcome, outcome) != 0)
    g_assertion_message_cmpstr (G_LOG_DOMAIN, file, line, func, "run->outcome",
                                run->outcome, "==", outcome);

  return g_steal_pointer (&run);
}

/* Starts @spec, waits for the run to finish and checks its outcome; returns
 * the stored run. A failure names the line of the call. */
#define run_to_end(f, spec, outcome) \
  check_run_to_end (__FILE__, __LINE__, G_STRFUNC, (f), (spec), (outcome))

static double
elapsed_seconds (Fixture *f)
{
  return (f->finish_time - f->start_time) / (double) G_USEC_PER_SEC;
}

/* Every stored chunk of the run, in order; checks that seq increases and
 * that the last announced seq is the last stored chunk. */
static GPtrArray *
read_chunks (Fixture *f)
{
  g_autoptr(GPtrArray) all = NULL;
  guint64 after = 0;

  all = g_ptr_array_new_with_free_func ((GDestroyNotify) chk_output_chunk_free);
  for (;;)
    {
      g_autoptr(GPtrArray) page = NULL;
      g_autoptr(GError) error = NULL;

      page = chk_store_read_output (f->store, f->run_id, after, 1024 * 1024, &error);
      g_assert_no_error (error);
      if (page->len == 0)
        break;

      /* The chunks move to @all. */
      g_ptr_array_set_free_func (page, NULL);
      for (guint i = 0; i < page->len; i++)
        {
          ChkOutputChunk *chunk = g_ptr_array_index (page, i);

          g_assert_cmpuint (chunk->seq, >, after);
          g_assert_true (chunk->stream == CHK_STREAM_STDOUT || chunk->stream == CHK_STREAM_STDERR);
          after = chunk->seq;
          g_ptr_array_add (all, chunk);
        }
    }

  if (all->len > 0)
    {
      g_assert_cmpuint (f->announce_seqs->len, >, 0);
      g_assert_cmpuint (g_array_index (f->announce_seqs, guint64, f->announce_seqs->len - 1),
                        ==, after);
    }

  return g_steal_pointer (&all);
}

static GBytes *
concat_stream (GPtrArray *chunks,
               ChkStream  stream)
{
  GByteArray *data = g_byte_array_new ();

  for (guint i = 0; i < chunks->len; i++)
    {
      ChkOutputChunk *chunk = g_ptr_array_index (chunks, i);
      gsize size;
      gconstpointer bytes;

      if (chunk->stream != stream)
        continue;

      bytes = g_bytes_get_data (chunk->data, &size);
      g_byte_array_append (data, bytes, size);
    }

  return g_byte_array_free_to_bytes (data);
}

static char *
read_stream_text (Fixture   *f,
                  ChkStream  stream)
{
  g_autoptr(GPtrArray) chunks = read_chunks (f);
  g_autoptr(GBytes) bytes = concat_stream (chunks, stream);
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  return g_strndup (data != NULL ? data : "", size);
}

static void
assert_bytes_equal (GBytes        *bytes,
                    gconstpointer  expected,
                    gsize          expected_size)
{
  gsize size;
  gconstpointer data = g_bytes_get_data (bytes, &size);

  g_assert_cmpuint (size, ==, expected_size);
  g_assert_true (size == 0 || memcmp (data, expected, size) == 0);
}

/* Whether @pid is a live process: not there, or a zombie, is dead. */
static gboolean
pid_is_alive (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *paren;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return FALSE;

  paren = strrchr (stat, ')');
  if (paren == NULL || paren[1] == '\0')
    return FALSE;

  return paren[2] != 'Z' && paren[2] != 'X';
}

/* Waits a little for @pid to go: SIGKILL is not instant. */
static gboolean
pid_dies (pid_t pid)
{
  for (guint i = 0; i < 100; i++)
    {
      if (!pid_is_alive (pid))
        return TRUE;
      g_usleep (20 * 1000);
    }

  return FALSE;
}

static pid_t
read_pid_file (const char *path)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  gint64 pid;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  pid = g_ascii_strtoll (text, NULL, 10);
  g_assert_cmpint (pid, >, 1);

  return (pid_t) pid;
}

/* Basic outcomes */

static void
test_success (Fixture       *f,
              gconstpointer  data)
{
  const char * const argv[] = { "/bin/echo", "hello", "world", NULL };
  g_autoptr(ChkJobSpec) spec = spec_new ("echo", "command", g_variant_new_strv (argv, -1), NULL);
  g_autoptr(ChkRunRecord) run = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  fixture_start (f, spec);
  g_assert_cmpuint (chk_runner_get_record (f->runner)->pid, >, 0);
  run = wait_finished (f);

  g_assert_cmpstr (run->outcome, ==, "success");
  g_assert_cmpint (run->exit_code, ==, 0);
  g_assert_cmpint (run->signal, ==, 0);
  g_assert_cmpuint (run->pid, >, 0);
  g_assert_cmpuint (run->stdout_bytes, ==, strlen ("hello world\n"));
  g_assert_cmpuint (run->stderr_bytes, ==, 0);
  g_assert_false (run->truncated);
  g_assert_cmpstr (run->job_name, ==, "echo");
  g_assert_cmpstr (run->trigger, ==, "manual");

  out = read_stream_text (f, CHK_STREAM_STDOUT);
  err = read_stream_text (f, CHK_STREAM_STDERR);
  g_assert_cmpstr (out, ==, "hello world\n");
  g_assert_cmpstr (err, ==, "");
}

/* Runs that end badly: what the shell does, and what the record and one
 * of the streams must then say. */
typedef struct
{
  const char   *shell;
  const char   *outcome;
  int           exit_code;
  int           signal;
  ChkStream     stream;
  const char   *text;
} Outcome;

static const Outcome failure = {
  "echo oops >&2; exit 3", "failure", 3, 0, CHK_STREAM_STDERR, "oops\n",
};

static const Outcome killed_by_signal = {
  "echo before; kill -KILL $$; echo after", "failure", -1, SIGKILL, CHK_STREAM_STDOUT, "before\n",
};

static void
test_outcome (Fixture       *f,
              gconstpointer  data)
{
  const Outcome *expected = data;
  g_autoptr(ChkJobSpec) spec = spec_new_shell (expected->shell);
  g_autoptr(ChkRunRecord) run = NULL;
  g_autofree char *text = NULL;

  run = run_to_end (f, spec, expected->outcome);

  g_assert_cmpint (run->exit_code, ==, expected->exit_code);
  g_assert_cmpint (run->signal, ==, expected->signal);
  text = read_stream_text (f, expected->stream);
  g_assert_cmpstr (text, ==, expected->text);
}

static void
test_failed_to_start_missing (Fixture       *f,
                              gconstpointer  data)
{
  const char * const argv[] = { "/nonexistent/nope", "--flag", NULL };
  g_autoptr(ChkJobSpec) spec = spec_new ("nope", "command", g_variant_new_strv (argv, -1), NULL);
  g_autoptr(ChkRunRecord) run = NULL;
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;

  run = run_to_end (f, spec, "failed-to-start");

  g_assert_cmpint (run->exit_code, ==, -1);
  g_assert_cmpint (run->finished, >, 0);
  g_assert_cmpuint (run->pid, ==, 0);

  err = read_stream_text (f, CHK_STREAM_STDERR);
  out = read_stream_text (f, CHK_STREAM_STDOUT);
  g_assert_nonnull (strstr (err, "Failed to execute child process"));
  g_assert_nonnull (strstr (err, "/nonexistent/nope"));
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpuint (run->stderr_bytes, ==, strlen (err));
}

static void
test_failed_to_start_directory (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(ChkJobSpec) spec = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  g_autofree char *missing = g_build_filename (f->tmpdir, "no-such-directory", NULL);
  g_autofree char *err = NULL;

  spec = spec_new ("bad dir",
                   "shell", g_variant_new_string ("echo should not run"),
                   "working-directory", g_variant_new_string (missing),
                   NULL);
  run = run_to_end (f, spec, "failed-to-start");

  g_assert_cmpint (run->exit_code, ==, -1);
  err = read_stream_text (f, CHK_STREAM_STDERR);
  g_assert_nonnull (strstr (err, missing));
  g_assert_cmpuint (run->stdout_bytes, ==, 0);
}

/* Output */

static void
test_streams (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(ChkJobSpec) spec = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  const char *expected_out = "out1\nout2\nout3\nout4\nout5\n";
  const char *expected_err = "err1\nerr2\nerr3\nerr4\nerr5\n";
  gboolean seen_stdout = FALSE;
  gboolean seen_stderr = FALSE;

  spec = spec_new_shell ("for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; sleep 0.05; done");
  run = run_to_end (f, spec, "success");

  /* read_chunks() checks that seq increases across both streams. */
  chunks = read_chunks (f);
  for (guint i = 0; i < chunks->len; i++)
    {
      ChkOutputChunk *chunk = g_ptr_array_index (chunks, i);

      g_assert_cmpuint (chunk->seq, >=, 1);
      g_assert_cmpint (chunk->time, >, 0);
      seen_stdout |= chunk->stream == CHK_STREAM_STDOUT;
      seen_stderr |= chunk->stream == CHK_STREAM_STDERR;
    }
  g_assert_cmpuint (((ChkOutputChunk *) g_ptr_array_index (chunks, 0))->seq, ==, 1);
  g_assert_true (seen_stdout);
  g_assert_true (seen_stderr);

  out = concat_stream (chunks, CHK_STREAM_STDOUT);
  err = concat_stream (chunks, CHK_STREAM_STDERR);
  assert_bytes_equal (out, expected_out, strlen (expected_out));
  assert_bytes_equal (err, expected_err, strlen (expected_err));
  g_assert_cmpuint (run->stdout_bytes, ==, strlen (expected_out));
  g_assert_cmpuint (run->stderr_bytes, ==, strlen (expected_err));
}

static void
test_binary (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *file = g_build_filename (f->tmpdir, "random.bin", NULL);
  g_autofree char *quoted = g_shell_quote (file);
  g_autofree char *shell = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(ChkJobSpec) spec = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;
  gsize expected_size;

  shell = g_strdup_printf ("head -c 3000000 /dev/urandom > %s && cat %s", quoted, quoted);
  spec = spec_new_shell (shell);
  run = run_to_end (f, spec, "success");

  g_file_get_contents (file, &expected, &expected_size, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (expected_size, ==, 3000000);

  chunks = read_chunks (f);
  g_assert_cmpuint (chunks->len, >, 1);
  out = concat_stream (chunks, CHK_STREAM_STDOUT);
  assert_bytes_equal (out, expected, expected_size);
  g_assert_cmpuint (run->stdout_bytes, ==, expected_size);
  g_assert_false (run->truncated);
}

static void
test_no_newline (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(ChkJobSpec) spec = spec_new_shell ("printf 'no newline'; printf 'x\\0y' >&2");
  g_autoptr(ChkRunRecord) run = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;

  run = run_to_end (f, spec, "success");

  chunks = read_chunks (f);
  out = concat_stream (chunks, CHK_STREAM_STDOUT);
  err = concat_stream (chunks, CHK_STREAM_STDERR);
  assert_bytes_equal (out, "no newline", 10);
  assert_bytes_equal (err, "x\0y", 3);
}

static void
test_environment (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ChkJobSpec) spec = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  g_autoptr(GVariantBuilder) env = g_variant_builder_new (G_VARIANT_TYPE ("a{ss}"));
  g_autofree char *out = NULL;
  g_autofree char *expected = NULL;
  const char *shell = "printf '%s|%s|%s|%s|%s|%s|%s' "
                      "\"$CHRONIKER_JOB_ID\" \"$CHRONIKER_JOB_NAME\" \"$CHRONIKER_RUN_ID\" "
                      "\"$CHRONIKER_PROGRESS_FD\" \"$CHK_TEST_SPEC\" \"$CHK_TEST_OVERRIDE\" "
                      "\"$CHK_TEST_INHERITED\"";

  /* main() set CHK_TEST_INHERITED and CHK_TEST_OVERRIDE, before any
   * thread was started. */
  g_variant_builder_add (env, "{ss}", "CHK_TEST_SPEC", "from the spec");
  g_variant_builder_add (env, "{ss}", "CHK_TEST_OVERRIDE", "spec wins");

  spec = spec_new ("env job",
                   "shell", g_variant_new_string (shell),
                   "environment", g_variant_builder_end (env),
                   NULL);
  run = run_to_end (f, spec, "success");

  out = read_stream_text (f, CHK_STREAM_STDOUT);
  expected = g_strdup_printf ("%" G_GUINT64_FORMAT "|env job|%" G_GUINT64_FORMAT
                              "|3|from the spec|spec wins|from the daemon",
                              f->job_id, f->run_id);
  g_assert_cmpstr (out, ==, expected);
}

static void
test_stdin_is_null (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(ChkJobSpec) spec = spec_new_shell ("cat; echo done");
  g_autoptr(ChkRunRecord) run = NULL;
  g_autofree char *out = NULL;

  run = run_to_end (f, spec, "success");
  out = read_stream_text (f, CHK_STREAM_STDOUT);
  g_assert_cmpstr (out, ==, "done\n");
}

static void
test_working_directory (Fixture       *f,
                        gconstpointer  data)
{
  gboolean use_home = GPOINTER_TO_INT (data);
  g_autoptr(ChkJobSpec) spec = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  g_autofree char *out = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *real = NULL;

  spec = spec_new ("pwd",
                   "shell", g_variant_new_string ("pwd -P"),
                   "working-directory", g_variant_new_string (use_home ? "" : f->tmpdir),
                   NULL);
  run = run_to_end (f, spec, "success");

  out = read_stream_text (f, CHK_STREAM_STDOUT);
  real = realpath (use_home ? g_get_home_dir () : f->tmpdir, NULL);
  g_assert_nonnull (real);
  expected = g_strconcat (real, "\n", NULL);
  g_assert_cmpstr (out, ==, expected);
}

/* GIO ignores SIGPIPE process-wide (GSocket does so); a job must not
 * inherit that. */
static void
test_sigpipe_default (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(ChkJobSpec) spec = spec_new_shell ("yes | head -c 5");
  g_autoptr(ChkRunRecord) run = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  void (*old_handler) (int) = signal (SIGPIPE, SIG_IGN);

  fixture_start (f, spec);
  run = wait_finished (f);
  signal (SIGPIPE, old_handler);

  g_assert_cmpstr (run->outcome, ==, "success");
  out = read_stream_text (f, CHK_STREAM_STDOUT);
  err = read_stream_text (f, CHK_STREAM_STDERR);
  g_assert_cmpstr (out, ==, "y\ny\ny");
  g_assert_cmpstr (err, ==, "");
}

/* Timeouts, stop and the process group */

static void
test_timeout (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(ChkJobSpec) spec = NULL;
  g_autoptr(ChkRunRecord) run = NULL;

  spec = spec_new ("slow",
                   "shell", g_variant_new_string ("echo started; sleep 30"),
                   "timeout", g_variant_new_uint32 (1),
                   NULL);
  run = run_to_end (f, spec, "timeout");

  g_assert_cmpint (run->exit_code, ==, -1);
  g_assert_cmpint (run->signal, ==, SIGTERM);
  g_assert_cmpfloat (elapsed_seconds (f), >=, 0.9);
  g_assert_cmpfloat (elapsed_seconds (f), <, 1 + TEST_KILL_GRACE_MS / 1000.0 + 10);
}

static void
test_timeout_ignores_term (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(ChkJobSpec) spec = NULL;
  g_autoptr(ChkRunRecord) run = NULL;

  spec = spec_new ("stubborn",
                   "shell", g_variant_new_string ("trap '' TERM; sleep 30; exit 0"),
                   "timeout", g_variant_new_uint32 (1),
                   NULL);
  run = run_to_end (f, spec, "timeout");

  g_assert_cmpint (run->signal, ==, SIGKILL);
  g_assert_cmpfloat (elapsed_seconds (f), >=, 0.9 + TEST_KILL_GRACE_MS / 1000.0);
  g_assert_cmpfloat (elapsed_seconds (f), <, 1 + TEST_KILL_GRACE_MS / 1000.0 + 10);
}

static gboolean
has_output (Fixture *f)
{
  return f->announce_seqs->len > 0;
}

static void
test_stop (Fixture       *f,
           gconstpointer  data)
{
  const char *outcome = data;
  g_autoptr(ChkJobSpec) spec = spec_new_shell ("echo ready; sleep 30");
  g_autoptr(ChkRunRecord) run = NULL;

  fixture_start (f, spec);
  iterate_until (has_output, f, TEST_DEADLINE_S);

  chk_runner_stop (f->runner, chk_outcome_from_string (outcome));
  chk_runner_stop (f->runner, CHK_OUTCOME_STOPPED);
  g_assert_cmpuint (f->n_finished, ==, 0);
  run = wait_finished (f);

  g_assert_cmpstr (run->outcome, ==, outcome);
  g_assert_cmpint (run->signal, ==, SIGTERM);

  /* Harmless once over. */
  chk_runner_stop (f->runner, CHK_OUTCOME_STOPPED);
  chk_test_iterate (0.05);
  g_assert_cmpuint (f->n_finished, ==, 1);
  g_assert_cmpstr (chk_runner_get_record (f->runner)->outcome, ==, outcome);
}

/* We sent the signal, so it is "stopped" even though the job then
 * exited 0. */
static void
test_stop_clean_exit (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(ChkJobSpec) spec = NULL;
  g_autoptr(ChkRunRecord) run = NULL;

  spec = spec_new_shell ("trap 'echo bye; exit 0' TERM; echo ready; "
                         "while :; do sleep 0.05; done");
  fixture_start (f, spec);
  iterate_until (has_output, f, TEST_DEADLINE_S);

  chk_runner_stop (f->runner, CHK_OUTCOME_STOPPED);
  run = wait_finished (f);

  g_assert_cmpstr (run->outcome, ==, "stopped");
  g_assert_cmpint (run->exit_code, ==, 0);
  g_assert_cmpint (run->signal, ==, 0);
}

static void
test_stop_before_start (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(ChkJobSpec) spec = spec_new_shell ("echo never");
  g_autoptr(ChkRunRecord) run = NULL;

  fixture_prepare (f, spec);
  chk_runner_stop (f->runner, CHK_OUTCOME_STOPPED);
  g_assert_cmpuint (f->n_finished, ==, 0);
  run = wait_finished (f);

  g_assert_cmpstr (run->outcome, ==, "stopped");
  g_assert_cmpuint (run->pid, ==, 0);
  g_assert_cmpuint (run->stdout_bytes, ==, 0);
}

static void
test_group_leftover (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *pid_file = NULL;
  g_autoptr(ChkJobSpec) spec = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  pid_t grandchild;

  /* The grandchild keeps stdout open: the run must not wait for it. */
  spec = spec_new_pid_file (f, "grandchild.pid", "sleep 300 & echo $! > PID_FILE; echo parent done",
                            &pid_file);
  run = run_to_end (f, spec, "success");

  g_assert_cmpint (run->exit_code, ==, 0);
  g_assert_cmpfloat (elapsed_seconds (f), <, 10);

  grandchild = read_pid_file (pid_file);
  g_assert_true (pid_dies (grandchild));
}

static void
test_group_stop_stubborn_grandchild (Fixture       *f,
                                     gconstpointer  data)
{
  g_autofree char *pid_file = NULL;
  g_autoptr(ChkJobSpec) spec = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  pid_t grandchild;

  spec = spec_new_pid_file (f, "grandchild.pid",
                            "(trap '' TERM; exec sleep 300) & echo $! > PID_FILE; echo ready; wait",
                            &pid_file);
  fixture_start (f, spec);
  iterate_until (has_output, f, TEST_DEADLINE_S);
  grandchild = read_pid_file (pid_file);
  g_assert_true (pid_is_alive (grandchild));

  chk_runner_stop (f->runner, CHK_OUTCOME_STOPPED);
  run = wait_finished (f);

  g_assert_cmpstr (run->outcome, ==, "stopped");
  g_assert_true (pid_dies (grandchild));
}

/* A process that left the group (setsid) and holds stdout open is still
 * the run's: it is tracked (the process is the subreaper of what runs
 * left) and ended with the run, which then finishes promptly. */
static void
test_group_escaped (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *pid_file = NULL;
  g_autoptr(ChkJobSpec) spec = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  pid_t escaped;

  spec = spec_new_pid_file (f, "escaped.pid",
                            "setsid sh -c 'echo $$ > PID_FILE; exec sleep 300' & "
                            "while [ ! -s PID_FILE ]; do sleep 0.01; done; echo parent done",
                            &pid_file);
  fixture_start (f, spec);
  run = wait_finished (f);

  escaped = read_pid_file (pid_file);
  g_assert_true (pid_dies (escaped));

  g_assert_cmpstr (run->outcome, ==, "success");
  g_assert_cmpstr (run->containment, ==, "process-group");
  g_assert_cmpfloat (elapsed_seconds (f), <, 15);
}

static void
test_dispose_while_running (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *pid_file = NULL;
  g_autoptr(ChkJobSpec) spec = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  g_autoptr(GError) error = NULL;
  pid_t grandchild;
  pid_t leader;

  spec = spec_new_pid_file (f, "grandchild.pid", "sleep 300 & echo $! > PID_FILE; echo ready; wait",
                            &pid_file);
  fixture_start (f, spec);
  iterate_until (has_output, f, TEST_DEADLINE_S);
  grandchild = read_pid_file (pid_file);
  leader = (pid_t) chk_runner_get_record (f->runner)->pid;

  g_signal_handlers_disconnect_by_data (f->runner, f);
  g_clear_object (&f->runner);

  g_assert_true (pid_dies (grandchild));
  /* The leader is our child: give GLib a moment to reap it. */
  for (guint i = 0; i < 100 && pid_is_alive (leader); i++)
    chk_test_iterate (0.02);
  g_assert_false (pid_is_alive (leader));

  run = chk_store_get_run (f->store, f->run_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (run->outcome, ==, "interrupted");
  g_assert_cmpint (run->finished, >, 0);
  g_assert_cmpuint (run->stdout_bytes, ==, strlen ("ready\n"));
}

/* Head and tail */

static void
test_truncate_head_tail (Fixture       *f,
                         gconstpointer  data)
{
  const guint64 max = 4096;
  g_autoptr(ChkJobSpec) spec = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);
  const char *stored;
  gsize stored_size;
  gsize head = 0;
  gsize tail_size;

  for (guint i = 1; i <= 20000; i++)
    g_string_append_printf (expected, "%u\n", i);

  /* Slowed down a little so that the output comes in several reads. */
  spec = spec_new ("numbers",
                   "shell", g_variant_new_string ("seq 1 10000; sleep 0.1; seq 10001 20000"),
                   "max-output-bytes", g_variant_new_uint64 (max),
                   NULL);
  run = run_to_end (f, spec, "success");

  g_assert_true (run->truncated);
  g_assert_cmpuint (run->stdout_bytes, ==, expected->len);

  chunks = read_chunks (f);
  out = concat_stream (chunks, CHK_STREAM_STDOUT);
  stored = g_bytes_get_data (out, &stored_size);

  /* The head is exactly the first max/2 bytes, in whole chunks. */
  for (guint i = 0; i < chunks->len && head < max / 2; i++)
    head += g_bytes_get_size (((ChkOutputChunk *) g_ptr_array_index (chunks, i))->data);
  g_assert_cmpuint (head, ==, max / 2);
  g_assert_cmpmem (stored, max / 2, expected->str, max / 2);

  /* The tail is at least max/2 of the last bytes, at most a chunk more. */
  tail_size = stored_size - max / 2;
  g_assert_cmpuint (tail_size, >=, max / 2);
  g_assert_cmpuint (tail_size, <=, max / 2 + 64 * 1024);
  g_assert_cmpuint (stored_size, <, expected->len);
  g_assert_cmpmem (stored + max / 2, tail_size,
                   expected->str + expected->len - tail_size, tail_size);
}

typedef struct
{
  gint64 last;
  gint64 max_gap;
} Ticker;

static gboolean
ticker_cb (gpointer user_data)
{
  Ticker *ticker = user_data;
  gint64 now = g_get_monotonic_time ();

  if (ticker->last != 0)
    ticker->max_gap = MAX (ticker->max_gap, now - ticker->last);
  ticker->last = now;

  return G_SOURCE_CONTINUE;
}

static void
test_truncate_endless (Fixture       *f,
                       gconstpointer  data)
{
  Ticker ticker = { 0 };
  guint ticker_id;
  g_autofree char *db = g_build_filename (f->tmpdir, "chroniker.db", NULL);
  g_autofree char *wal = g_build_filename (f->tmpdir, "chroniker.db-wal", NULL);
  GStatBuf db_stat = { 0 };
  GStatBuf wal_stat = { 0 };
  const guint64 max = 64 * 1024;
  g_autoptr(ChkJobSpec) spec = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  g_autoptr(GBytes) out = NULL;
  const char *stored;
  gsize stored_size;

  spec = spec_new ("yes",
                   "command", g_variant_new_strv ((const char * const []) { "yes", NULL }, -1),
                   "max-output-bytes", g_variant_new_uint64 (max),
                   "timeout", g_variant_new_uint32 (1),
                   NULL);
  /* The main loop must keep turning however fast the job writes. */
  ticker_id = g_timeout_add (10, ticker_cb, &ticker);
  fixture_start (f, spec);
  run = wait_finished (f);
  g_source_remove (ticker_id);

  g_assert_cmpstr (run->outcome, ==, "timeout");
  g_assert_true (run->truncated);
  g_assert_cmpuint (run->stdout_bytes, >, max);
  g_stat (db, &db_stat);
  g_stat (wal, &wal_stat);
  g_test_message ("yes wrote %" G_GUINT64_FORMAT " bytes in %.2f s; longest main loop "
                  "stall %" G_GINT64_FORMAT " ms; database %" G_GINT64_FORMAT " bytes, WAL %"
                  G_GINT64_FORMAT " bytes",
                  run->stdout_bytes, elapsed_seconds (f), ticker.max_gap / 1000,
                  (gint64) db_stat.st_size, (gint64) wal_stat.st_size);
  g_assert_cmpint (ticker.max_gap, <, G_USEC_PER_SEC);

  chunks = read_chunks (f);
  out = concat_stream (chunks, CHK_STREAM_STDOUT);
  stored = g_bytes_get_data (out, &stored_size);
  g_assert_cmpuint (stored_size, >=, max);
  g_assert_cmpuint (stored_size, <=, max + 64 * 1024);
  g_assert_cmpmem (stored, 6, "y\ny\ny\n", 6);
}

/* Samples the size of the WAL while a run goes on. */
typedef struct
{
  char    *wal;
  gint64   peak;
  guint    n_behind;
} LogWatch;

static gboolean
log_watch_cb (gpointer user_data)
{
  LogWatch *watch = user_data;
  GStatBuf buf;

  if (g_stat (watch->wal, &buf) == 0)
    watch->peak = MAX (watch->peak, (gint64) buf.st_size);
  return G_SOURCE_CONTINUE;
}

static void
log_behind_cb (ChkStore   *store,
               GParamSpec *pspec,
               LogWatch   *watch)
{
  if (chk_store_get_log_behind (store))
    watch->n_behind++;
}

/*
 * A job that writes much faster than the checkpoints copy: its output
 * waits for them whenever the log is past its limit, and the log never
 * grows much beyond (a read of the pipe and a flush of the sink). The
 * job's last bytes come while it may be waiting: none is lost.
 */
static void
test_log_bound (Fixture       *f,
                gconstpointer  data)
{
  const guint64 size = 300 * 1024 * 1024;
  const guint64 limit = 8 * 1024 * 1024;
  const guint64 max = 1024 * 1024;
  LogWatch watch = { g_build_filename (f->tmpdir, "chroniker.db-wal", NULL), 0, 0 };
  g_autofree char *shell = NULL;
  g_autoptr(ChkJobSpec) spec = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  g_autoptr(GBytes) out = NULL;
  const char *stored;
  gsize stored_size;
  guint watch_id;

  shell = g_strdup_printf ("printf HEAD; head -c %" G_GUINT64_FORMAT " /dev/zero; printf TAIL",
                           size);
  spec = spec_new ("chatty",
                   "shell", g_variant_new_string (shell),
                   "max-output-bytes", g_variant_new_uint64 (max),
                   NULL);
  chk_store_set_log_limit (f->store, limit);
  g_signal_connect (f->store, "notify::log-behind", G_CALLBACK (log_behind_cb), &watch);
  watch_id = g_timeout_add (2, log_watch_cb, &watch);
  run = run_to_end (f, spec, "success");
  g_source_remove (watch_id);
  g_signal_handlers_disconnect_by_data (f->store, &watch);
  log_watch_cb (&watch);

  g_test_message ("%" G_GUINT64_FORMAT " MiB in %.2f s; WAL peak %.1f MiB, limit %"
                  G_GUINT64_FORMAT " MiB; waited for the log %u times",
                  size >> 20, elapsed_seconds (f), watch.peak / 1048576.0, limit >> 20,
                  watch.n_behind);
  g_assert_cmpuint (watch.n_behind, >, 0);
  g_assert_cmpint (watch.peak, <=, limit + 4 * 1024 * 1024);
  g_assert_false (chk_store_get_log_behind (f->store));

  g_assert_cmpuint (run->stdout_bytes, ==, size + 8);
  g_assert_true (run->truncated);
  chunks = read_chunks (f);
  out = concat_stream (chunks, CHK_STREAM_STDOUT);
  stored = g_bytes_get_data (out, &stored_size);
  g_assert_cmpuint (stored_size, >=, max);
  g_assert_cmpuint (stored_size, <=, max + 64 * 1024);
  g_assert_cmpmem (stored, 4, "HEAD", 4);
  g_assert_cmpmem (stored + stored_size - 4, 4, "TAIL", 4);
  for (gsize i = 4; i < stored_size - 4; i++)
    g_assert_cmpint (stored[i], ==, 0);

  g_free (watch.wal);
}

static gboolean
log_is_behind (Fixture *f)
{
  return chk_store_get_log_behind (f->store);
}

/*
 * A run stopped while its output waits for the log ends, with what its
 * pipe held. Another program's read transaction keeps the checkpoints from
 * catching up: the run ends when the reader lets go (@data FALSE), or when
 * the store gives up waiting for it (@data TRUE).
 */
static void
test_log_bound_stop (Fixture       *f,
                     gconstpointer  data)
{
  gboolean keep_reader = GPOINTER_TO_INT (data);
  g_autofree char *path = g_build_filename (f->tmpdir, "chroniker.db", NULL);
  g_autoptr(ChkJobSpec) spec = spec_new_shell ("exec cat /dev/zero");
  g_autoptr(ChkRunRecord) run = NULL;
  sqlite3 *reader = NULL;
  guint64 read_before;
  gint64 released;

  chk_store_set_log_limit (f->store, 4 * 1024 * 1024);
  g_assert_cmpint (sqlite3_open (path, &reader), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (reader, "BEGIN; SELECT count(*) FROM jobs;", NULL, NULL, NULL),
                   ==, SQLITE_OK);

  fixture_start (f, spec);
  iterate_until (log_is_behind, f, TEST_DEADLINE_S);
  chk_test_iterate (0.2);
  g_assert_true (chk_store_get_log_behind (f->store));

  chk_runner_stop (f->runner, CHK_OUTCOME_STOPPED);
  chk_test_iterate (0.5);
  g_assert_cmpuint (f->n_finished, ==, 0);
  read_before = chk_runner_get_record (f->runner)->stdout_bytes;

  released = g_get_monotonic_time ();
  if (!keep_reader)
    g_assert_cmpint (sqlite3_exec (reader, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  run = wait_finished (f);
  g_test_message ("finished %.2f s after the reader %s; %" G_GUINT64_FORMAT " bytes",
                  (f->finish_time - released) / (double) G_USEC_PER_SEC,
                  keep_reader ? "was kept" : "let go", run->stdout_bytes);
  sqlite3_close (reader);

  g_assert_cmpstr (run->outcome, ==, "stopped");
  g_assert_cmpint (run->signal, ==, SIGTERM);
  /* What the pipe held when the job died was read after the wait. */
  g_assert_cmpuint (run->stdout_bytes, >, read_before);
  if (!keep_reader)
    g_assert_cmpint (f->finish_time - released, <, 2 * G_USEC_PER_SEC);
  g_assert_false (chk_store_get_log_behind (f->store));
}

/* Progress */

static void
test_progress_fd (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ChkJobSpec) spec = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  gboolean seen_first = FALSE;

  spec = spec_new_shell ("echo 3/10 copying files >&$CHRONIKER_PROGRESS_FD; sleep 0.3; "
                         "echo 'not progress' >&3; "
                         "printf '42.5%% almost half' >&3");
  run = run_to_end (f, spec, "success");

  for (guint i = 0; i < f->progress_log->len; i++)
    seen_first |= g_str_equal (g_ptr_array_index (f->progress_log, i), "3/10 copying files");
  g_assert_true (seen_first);

  /* The last line had no newline: it still counts. */
  g_assert_cmpuint (f->progress_complete, ==, 43);
  g_assert_cmpuint (f->progress_total, ==, 100);
  g_assert_cmpstr (f->progress_message, ==, "almost half");
  g_assert_cmpuint (run->progress_complete, ==, 43);
  g_assert_cmpuint (run->progress_total, ==, 100);
  g_assert_cmpstr (run->progress_message, ==, "almost half");
}

static void
test_progress_burst (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(ChkJobSpec) spec = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  double allowed;

  spec = spec_new_shell ("i=1; while [ $i -le 1000 ]; do echo $i/1000 step $i; i=$((i+1)); "
                         "done >&3");
  run = run_to_end (f, spec, "success");

  /* At most ten a second, plus the first and the last. */
  allowed = elapsed_seconds (f) * 10 + 2;
  g_test_message ("%u progress signals in %.2f s", f->n_progress, elapsed_seconds (f));
  g_assert_cmpuint (f->n_progress, >=, 1);
  g_assert_cmpfloat (f->n_progress, <=, allowed);

  g_assert_cmpuint (f->progress_complete, ==, 1000);
  g_assert_cmpuint (f->progress_total, ==, 1000);
  g_assert_cmpstr (f->progress_message, ==, "step 1000");
  g_assert_cmpuint (run->progress_complete, ==, 1000);
  g_assert_cmpstr (run->progress_message, ==, "step 1000");
}

/* A line that never ends must not grow without bound; it is dropped and
 * the next line counts. */
static void
test_progress_long_line (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(ChkJobSpec) spec = NULL;
  g_autoptr(ChkRunRecord) run = NULL;

  spec = spec_new_shell ("{ printf '1/2 '; head -c 100000 /dev/zero | tr '\\0' x; echo; "
                         "echo 2/4 fine; } >&3");
  run = run_to_end (f, spec, "success");

  g_assert_cmpuint (f->n_progress, ==, 1);
  g_assert_cmpuint (run->progress_complete, ==, 2);
  g_assert_cmpuint (run->progress_total, ==, 4);
  g_assert_cmpstr (run->progress_message, ==, "fine");
}

static gboolean
has_progress (Fixture *f)
{
  return f->n_progress > 0;
}

static void
test_progress_report (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(ChkJobSpec) spec = spec_new_shell ("echo ready; sleep 30");
  g_autoptr(ChkRunRecord) run = NULL;
  g_autoptr(ChkRunRecord) stored = NULL;
  g_autoptr(GError) error = NULL;
  const ChkRunRecord *record;

  fixture_start (f, spec);
  iterate_until (has_output, f, TEST_DEADLINE_S);

  chk_runner_report_progress (f->runner, 5, 7, "  from D-Bus\n");
  iterate_until (has_progress, f, TEST_DEADLINE_S);
  g_assert_cmpuint (f->progress_complete, ==, 5);
  g_assert_cmpuint (f->progress_total, ==, 7);
  g_assert_cmpstr (f->progress_message, ==, "from D-Bus");

  /* The first update is written to the store at once. */
  stored = chk_store_get_run (f->store, f->run_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored->outcome, ==, "running");
  g_assert_cmpuint (stored->progress_complete, ==, 5);
  g_assert_cmpuint (stored->progress_total, ==, 7);

  /* Nothing a progress line could not say. */
  chk_runner_report_progress (f->runner, 1, 0, "bad");
  chk_runner_report_progress (f->runner, 8, 7, "bad");
  record = chk_runner_get_record (f->runner);
  g_assert_cmpuint (record->progress_complete, ==, 5);
  g_assert_cmpuint (record->progress_total, ==, 7);

  chk_runner_report_progress (f->runner, 6, 7, "\xff invalid");
  chk_runner_stop (f->runner, CHK_OUTCOME_STOPPED);
  run = wait_finished (f);

  g_assert_cmpuint (f->progress_complete, ==, 6);
  g_assert_cmpuint (run->progress_complete, ==, 6);
  g_assert_true (g_utf8_validate (run->progress_message, -1, NULL));
  g_assert_nonnull (strstr (run->progress_message, "invalid"));

  /* Ignored once over. */
  chk_runner_report_progress (f->runner, 7, 7, "late");
  g_assert_cmpuint (chk_runner_get_record (f->runner)->progress_complete, ==, 6);
}

static void
test_progress_parse (void)
{
  const struct
  {
    const char *line;
    gboolean    ok;
    guint       complete;
    guint       total;
    const char *message;
  } cases[] = {
    { "3/10", TRUE, 3, 10, "" },
    { "3/10 copying files", TRUE, 3, 10, "copying files" },
    { "  3/10   copying  \t ", TRUE, 3, 10, "copying" },
    { "0/1", TRUE, 0, 1, "" },
    { "10/10 done", TRUE, 10, 10, "done" },
    { "4294967295/4294967295", TRUE, G_MAXUINT32, G_MAXUINT32, "" },
    { "50%", TRUE, 50, 100, "" },
    { "50% half way", TRUE, 50, 100, "half way" },
    { "0%", TRUE, 0, 100, "" },
    { "100%", TRUE, 100, 100, "" },
    { "100.0%", TRUE, 100, 100, "" },
    { "12.4%", TRUE, 12, 100, "" },
    { "12.5% up", TRUE, 13, 100, "up" },
    { "99.99%", TRUE, 100, 100, "" },
    { "7/9 caf\xc3\xa9", TRUE, 7, 9, "caf\xc3\xa9" },
    { "1/2 a\tb", TRUE, 1, 2, "a b" },
    { "", FALSE, 0, 0, NULL },
    { "   ", FALSE, 0, 0, NULL },
    { "x/y", FALSE, 0, 0, NULL },
    { "copying 3/10", FALSE, 0, 0, NULL },
    { "5/0", FALSE, 0, 0, NULL },
    { "0/0", FALSE, 0, 0, NULL },
    { "11/10", FALSE, 0, 0, NULL },
    { "-1/5", FALSE, 0, 0, NULL },
    { "+1/5", FALSE, 0, 0, NULL },
    { "1/-5", FALSE, 0, 0, NULL },
    { "3/", FALSE, 0, 0, NULL },
    { "/10", FALSE, 0, 0, NULL },
    { "3 /10", FALSE, 0, 0, NULL },
    { "3/ 10", FALSE, 0, 0, NULL },
    { "3/10x", FALSE, 0, 0, NULL },
    { "3/10/20", FALSE, 0, 0, NULL },
    { "3.5/10", FALSE, 0, 0, NULL },
    { "0x3/10", FALSE, 0, 0, NULL },
    { "4294967296/4294967296", FALSE, 0, 0, NULL },
    { "1/99999999999999999999999", FALSE, 0, 0, NULL },
    { "150%", FALSE, 0, 0, NULL },
    { "100.5%", FALSE, 0, 0, NULL },
    { "101%", FALSE, 0, 0, NULL },
    { "-5%", FALSE, 0, 0, NULL },
    { "99999999999999999999%", FALSE, 0, 0, NULL },
    { "50", FALSE, 0, 0, NULL },
    { "50 %", FALSE, 0, 0, NULL },
    { "50.%", FALSE, 0, 0, NULL },
    { ".5%", FALSE, 0, 0, NULL },
    { "50%%", FALSE, 0, 0, NULL },
    { "50%done", FALSE, 0, 0, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *message = NULL;
      guint complete = 12345;
      guint total = 12345;
      gboolean ok;

      g_test_message ("line “%s”", cases[i].line);
      ok = chk_progress_parse_line (cases[i].line, &complete, &total, &message);
      g_assert_cmpint (ok, ==, cases[i].ok);
      if (!ok)
        {
          g_assert_null (message);
          continue;
        }

      g_assert_cmpuint (complete, ==, cases[i].complete);
      g_assert_cmpuint (total, ==, cases[i].total);
      g_assert_cmpstr (message, ==, cases[i].message);
    }

  /* Optional outputs. */
  g_assert_true (chk_progress_parse_line ("1/2 x", NULL, NULL, NULL));
}

static void
test_progress_parse_message (void)
{
  g_autoptr(GString) line = g_string_new ("1/2 ");
  g_autofree char *message = NULL;
  g_autofree char *invalid = NULL;
  guint complete;
  guint total;

  /* A long message is cut to 1 KiB, at a character boundary. */
  g_string_append (line, "x");
  for (guint i = 0; i < 1000; i++)
    g_string_append (line, "\xc3\xa9");
  g_assert_true (chk_progress_parse_line (line->str, &complete, &total, &message));
  g_assert_true (g_utf8_validate (message, -1, NULL));
  g_assert_cmpuint (strlen (message), <=, 1024);
  g_assert_cmpuint (strlen (message), >=, 1020);

  g_assert_true (chk_progress_parse_line ("1/2 bad \xff\xfe bytes", &complete, &total, &invalid));
  g_assert_true (g_utf8_validate (invalid, -1, NULL));
  g_assert_true (g_str_has_prefix (invalid, "bad "));
  g_assert_true (g_str_has_suffix (invalid, " bytes"));
}

/* Control characters become spaces: C0, DEL and C1 (U+009B is CSI, U+0085
 * NEL), while the letters around them and other non-ASCII text stay. */
static void
test_progress_controls (void)
{
  g_autofree char *message = NULL;
  guint complete;
  guint total;

  g_assert_true (chk_progress_parse_line ("3/4 a\x1b]52;c;eA==\x07" "b\xc2\x9b" "31mc\xc2\x85"
                                          "d\x7f\xc3\xa9\xc2\xa0z",
                                          &complete, &total, &message));
  g_assert_cmpstr (message, ==, "a ]52;c;eA== b  31mc  d \xc3\xa9\xc2\xa0z");
  for (const char *p = message; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_assert_false (c < 0x20 || (c >= 0x7f && c <= 0x9f));
    }
}

/* Batching */

static void
test_batching (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(ChkJobSpec) spec = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);

  for (guint i = 0; i < 20; i++)
    g_string_append_printf (expected, "line %u\n", i);

  spec = spec_new_shell ("i=0; while [ $i -lt 20 ]; do echo line $i; sleep 0.05; i=$((i+1)); "
                         "done");
  run = run_to_end (f, spec, "success");

  g_test_message ("%u output-available signals in %.2f s",
                  f->announce_seqs->len, elapsed_seconds (f));
  g_assert_cmpuint (f->announce_seqs->len, >=, 1);
  g_assert_cmpuint (f->announce_seqs->len, <=, 8);

  /* Spaced out, except the last one, which comes with the end. */
  for (guint i = 1; i + 1 < f->announce_times->len; i++)
    {
      gint64 gap = g_array_index (f->announce_times, gint64, i) -
                   g_array_index (f->announce_times, gint64, i - 1);

      g_assert_cmpint (gap, >=, 150 * 1000);
    }

  /* Fewer chunks than lines: they were batched. */
  chunks = read_chunks (f);
  g_assert_cmpuint (chunks->len, <, 20);
  out = concat_stream (chunks, CHK_STREAM_STDOUT);
  assert_bytes_equal (out, expected->str, expected->len);
}

/* Robustness */

static guint
count_open_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;

  return n;
}

static void
run_once (Fixture    *f,
          ChkJobSpec *spec,
          gboolean    stop)
{
  g_autoptr(ChkRunRecord) run = NULL;

  f->n_finished = 0;
  g_array_set_size (f->announce_seqs, 0);
  g_array_set_size (f->announce_times, 0);

  fixture_start (f, spec);
  if (stop)
    {
      iterate_until (has_output, f, TEST_DEADLINE_S);
      chk_runner_stop (f->runner, CHK_OUTCOME_STOPPED);
    }
  run = wait_finished (f);

  g_signal_handlers_disconnect_by_data (f->runner, f);
  g_clear_object (&f->runner);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
test_no_fd_leak (Fixture       *f,
                 gconstpointer  data)
{
  const char * const missing[] = { "/nonexistent/nope", NULL };
  g_autoptr(ChkJobSpec) warm_up = spec_new ("warm up", "shell", g_variant_new_string ("true"),
                                            NULL);
  g_autoptr(ChkJobSpec) simple = spec_new ("simple", "shell",
                                           g_variant_new_string ("echo out; echo 1/2 >&3"),
                                           NULL);
  g_autoptr(ChkJobSpec) failing = spec_new ("failing", "command",
                                            g_variant_new_strv (missing, -1), NULL);
  g_autoptr(ChkJobSpec) leftover = spec_new ("leftover", "shell",
                                             g_variant_new_string ("sleep 300 & echo ready"),
                                             NULL);
  g_autoptr(ChkJobSpec) stopped = spec_new ("stopped", "shell",
                                            g_variant_new_string ("echo ready; sleep 300"),
                                            NULL);
  guint before;

  /* The first spawn starts GLib's worker and its fds. */
  run_once (f, warm_up, FALSE);
  before = count_open_fds ();

  run_once (f, simple, FALSE);
  run_once (f, failing, FALSE);
  run_once (f, leftover, FALSE);
  run_once (f, stopped, TRUE);

  g_assert_cmpuint (count_open_fds (), ==, before);
}

/* A store that fails (here: the run was deleted under the runner) is
 * reported once and does not stop the run. */
static void
test_store_errors (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(ChkJobSpec) spec = spec_new_shell ("echo one; sleep 0.3; echo two; sleep 0.3; "
                                               "echo three");
  g_autoptr(GError) error = NULL;
  const ChkRunRecord *record;

  fixture_start (f, spec);
  iterate_until (has_output, f, TEST_DEADLINE_S);

  chk_store_delete_job (f->store, f->job_id, &error);
  g_assert_no_error (error);

  g_test_expect_message ("chk-runner", G_LOG_LEVEL_WARNING, "Run *");
  iterate_until (is_finished, f, TEST_DEADLINE_S);
  g_test_assert_expected_messages ();

  record = chk_runner_get_record (f->runner);
  g_assert_cmpstr (record->outcome, ==, "success");
  g_assert_cmpuint (record->stdout_bytes, ==, strlen ("one\ntwo\nthree\n"));
  g_assert_cmpint (record->finished, >, 0);
}

int
main (int   argc,
      char *argv[])
{
  /* Before any thread exists: setenv() is not thread-safe. */
  g_setenv ("CHK_TEST_INHERITED", "from the daemon", TRUE);
  g_setenv ("CHK_TEST_OVERRIDE", "daemon", TRUE);

  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, data) \
  g_test_add ("/runner/" path, Fixture, data, fixture_setup, func, fixture_teardown)

  ADD ("outcome/success", test_success, NULL);
  ADD ("outcome/failure", test_outcome, &failure);
  ADD ("outcome/killed-by-signal", test_outcome, &killed_by_signal);
  ADD ("outcome/failed-to-start/missing-program", test_failed_to_start_missing, NULL);
  ADD ("outcome/failed-to-start/working-directory", test_failed_to_start_directory, NULL);

  ADD ("output/streams", test_streams, NULL);
  ADD ("output/binary", test_binary, NULL);
  ADD ("output/no-newline", test_no_newline, NULL);
  ADD ("output/batching", test_batching, NULL);
  ADD ("output/truncate/head-tail", test_truncate_head_tail, NULL);
  ADD ("output/truncate/endless", test_truncate_endless, NULL);
  ADD ("output/log-bound", test_log_bound, NULL);
  ADD ("output/log-bound/stop", test_log_bound_stop, GINT_TO_POINTER (FALSE));
  ADD ("output/log-bound/stop-reader-kept", test_log_bound_stop, GINT_TO_POINTER (TRUE));

  ADD ("spawn/environment", test_environment, NULL);
  ADD ("spawn/stdin-is-null", test_stdin_is_null, NULL);
  ADD ("spawn/working-directory/set", test_working_directory, GINT_TO_POINTER (FALSE));
  ADD ("spawn/working-directory/home", test_working_directory, GINT_TO_POINTER (TRUE));
  ADD ("spawn/sigpipe-default", test_sigpipe_default, NULL);

  ADD ("kill/timeout", test_timeout, NULL);
  ADD ("kill/timeout-ignores-term", test_timeout_ignores_term, NULL);
  ADD ("kill/stop", test_stop, "stopped");
  ADD ("kill/interrupt", test_stop, "interrupted");
  ADD ("kill/stop-clean-exit", test_stop_clean_exit, NULL);
  ADD ("kill/stop-before-start", test_stop_before_start, NULL);
  ADD ("kill/dispose-while-running", test_dispose_while_running, NULL);

  ADD ("group/leftover", test_group_leftover, NULL);
  ADD ("group/stop-stubborn-grandchild", test_group_stop_stubborn_grandchild, NULL);
  ADD ("group/escaped", test_group_escaped, NULL);

  ADD ("progress/fd", test_progress_fd, NULL);
  ADD ("progress/burst", test_progress_burst, NULL);
  ADD ("progress/long-line", test_progress_long_line, NULL);
  ADD ("progress/report", test_progress_report, NULL);
  ADD ("robustness/no-fd-leak", test_no_fd_leak, NULL);
  ADD ("robustness/store-errors", test_store_errors, NULL);

  g_test_add_func ("/runner/progress/parse", test_progress_parse);
  g_test_add_func ("/runner/progress/parse-message", test_progress_parse_message);
  g_test_add_func ("/runner/progress/controls", test_progress_controls);

#undef ADD

  return g_test_run ();
}
