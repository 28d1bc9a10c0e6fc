/* SPDX-License-Identifier: GPL-3.0-or-later */

/*
 * The engine without a bus: a real store in a temp dir, real timers, real
 * child processes.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include "chk-engine.h"
#include "chk-error.h"
#include "chk-job.h"
#include "chk-test-util.h"
#include "chk-timer.h"

typedef struct
{
  char      *dir;
  char      *db_path;
  ChkClock  *clock;     /* NULL: the real clock */
  ChkStore  *store;
  ChkEngine *engine;
  GPtrArray *started;   /* run ids */
  GPtrArray *finished;  /* outcomes */
  GPtrArray *triggers;
} Fixture;

static void
run_started_cb (ChkEngine  *engine,
                ChkJob     *job,
                guint64     run_id,
                const char *trigger,
                Fixture    *fixture)
{
  g_ptr_array_add (fixture->started, g_memdup2 (&run_id, sizeof run_id));
  g_ptr_array_add (fixture->triggers, g_strdup (trigger));
}

static void
run_finished_cb (ChkEngine  *engine,
                 ChkJob     *job,
                 guint64     run_id,
                 const char *outcome,
                 gint        exit_code,
                 Fixture    *fixture)
{
  g_ptr_array_add (fixture->finished, g_strdup (outcome));
}

static void
open_engine (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  fixture->store = chk_store_new (fixture->db_path, &error);
  g_assert_no_error (error);
  fixture->engine = chk_engine_new (fixture->store, fixture->clock);
  g_assert_true (chk_engine_load (fixture->engine, &error));
  g_assert_no_error (error);
  chk_engine_set_kill_grace (fixture->engine, 300);
  g_signal_connect (fixture->engine, "run-started", G_CALLBACK (run_started_cb), fixture);
  g_signal_connect (fixture->engine, "run-finished", G_CALLBACK (run_finished_cb), fixture);
}

/* The seconds catch-up runs wait after a resume or a start with runs missed */
static void
set_resume_delay (Fixture *fixture,
                  guint    seconds)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) changes = g_variant_ref_sink (
    g_variant_new_parsed ("{'resume-delay': <%u>}", seconds));

  g_assert_true (chk_settings_update (chk_engine_get_settings (fixture->engine), changes, &error));
  g_assert_no_error (error);
}

static void
close_engine (Fixture *fixture)
{
  g_clear_object (&fixture->engine);
  g_clear_object (&fixture->store);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = chk_test_make_tmpdir ("chk-engine-XXXXXX");
  fixture->db_path = g_build_filename (fixture->dir, "db.sqlite", NULL);
  fixture->started = g_ptr_array_new_with_free_func (g_free);
  fixture->finished = g_ptr_array_new_with_free_func (g_free);
  fixture->triggers = g_ptr_array_new_with_free_func (g_free);
  open_engine (fixture);
}

/* 2030-01-01 00:00:30 UTC: half a minute before a cron line's next run. */
#define MANUAL_CLOCK_START (G_GINT64_CONSTANT (1893456030) * G_USEC_PER_SEC)
#define SECONDS(n) ((gint64) (n) * G_USEC_PER_SEC)

/* An engine on a manual clock: time moves only when the test moves it. */
static void
fixture_set_up_manual_clock (Fixture       *fixture,
                             gconstpointer  data)
{
  fixture->clock = chk_clock_new_manual (MANUAL_CLOCK_START);
  fixture_set_up (fixture, data);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  close_engine (fixture);
  g_clear_object (&fixture->clock);
  chk_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->db_path);
  g_ptr_array_unref (fixture->started);
  g_ptr_array_unref (fixture->finished);
  g_ptr_array_unref (fixture->triggers);
}

/* Iterates the main loop until @done says so, for at most @seconds. */
static gboolean
wait_until (gboolean (*done) (Fixture *fixture, gpointer data),
            Fixture  *fixture,
            gpointer  data,
            guint     seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (!done (fixture, data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      if (!done (fixture, data))
        g_usleep (1000);
    }
  return TRUE;
}

static gboolean
finished_at_least (Fixture  *fixture,
                   gpointer  data)
{
  return fixture->finished->len >= GPOINTER_TO_UINT (data);
}

static ChkJob *
create_job (Fixture     *fixture,
            const char  *spec_text,
            GError     **error)
{
  g_autoptr(ChkJobSpec) spec = chk_engine_new_spec (fixture->engine);
  g_autoptr(GVariant) changes = g_variant_parse (G_VARIANT_TYPE_VARDICT, spec_text,
                                                 NULL, NULL, NULL);

  g_assert_nonnull (changes);
  if (!chk_job_spec_update (spec, changes, error))
    return NULL;
  return chk_engine_create_job (fixture->engine, g_steal_pointer (&spec), error);
}

static ChkJob *
check_add_job (const char *file,
               int         line,
               const char *func,
               Fixture    *fixture,
               const char *spec_text)
{
  g_autoptr(GError) error = NULL;
  ChkJob *job = create_job (fixture, spec_text, &error);

  if (error != NULL)
    g_assertion_message_error (G_LOG_DOMAIN, file, line, func, "error", error, 0, 0);
  return job;
}

/* Creates the job @spec_text describes, which must work; a failure names the
 * line of the call. */
#define add_job(fixture, spec_text) \
  check_add_job (__FILE__, __LINE__, G_STRFUNC, (fixture), (spec_text))

static gboolean
no_run_under_way (Fixture  *fixture,
                  gpointer  data)
{
  return chk_engine_get_running_count (fixture->engine) == 0;
}

/* Lets the engine see what the clock did, and the runs that started end. */
static void
settle (Fixture *fixture)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_true (wait_until (no_run_under_way, fixture, NULL, 10));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* The runs of @job, newest first (the engine's default page). */
static GPtrArray *
list_job_runs (Fixture *fixture,
               ChkJob  *job)
{
  g_autoptr(GError) error = NULL;
  ChkRunFilter filter = { 0 };
  GPtrArray *runs;

  filter.job_id = chk_job_get_id (job);
  runs = chk_engine_list_runs (fixture->engine, &filter, &error);
  g_assert_no_error (error);
  return runs;
}

static guint
count_runs (Fixture    *fixture,
            ChkJob     *job,
            const char *trigger)
{
  g_autoptr(GPtrArray) runs = list_job_runs (fixture, job);
  guint count = 0;

  for (guint i = 0; i < runs->len; i++)
    {
      ChkRunRecord *run = g_ptr_array_index (runs, i);

      g_assert_cmpstr (run->outcome, ==, "success");
      if (g_strcmp0 (run->trigger, trigger) == 0)
        count++;
    }
  return count;
}

static void
count_changed_cb (ChkJob *job,
                  guint   changes,
                  guint  *count)
{
  (*count)++;
}

/* Every #ChkJob::changed's flags, or'ed */
static void
collect_changes_cb (ChkJob *job,
                    guint   changes,
                    guint  *collected)
{
  *collected |= changes;
}

static void
test_jobs_create_update_delete (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkJobSpec) spec = NULL;
  ChkJob *job;
  guint64 id;

  job = add_job (fixture, "{'name': <'backup'>, 'command': <['true']>, 'schedule': <'@daily'>}");
  id = chk_job_get_id (job);
  g_assert_true (chk_engine_lookup_job_by_name (fixture->engine, "backup") == job);
  g_assert_cmpint (chk_job_get_next_run (job), >, g_get_real_time ());

  /* The same name again */
  g_assert_null (create_job (fixture, "{'name': <'backup'>, 'command': <['true']>}", &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_ALREADY_EXISTS);
  g_clear_error (&error);

  /* No command */
  g_assert_null (create_job (fixture, "{'name': <'other'>}", &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Rename and disable */
  spec = chk_job_spec_copy (chk_job_get_spec (job));
  g_free (spec->name);
  spec->name = g_strdup ("nightly");
  spec->enabled = FALSE;
  g_assert_true (chk_engine_update_job (fixture->engine, job, g_steal_pointer (&spec), &error));
  g_assert_no_error (error);
  g_assert_null (chk_engine_lookup_job_by_name (fixture->engine, "backup"));
  g_assert_true (chk_engine_lookup_job_by_name (fixture->engine, "nightly") == job);
  g_assert_cmpint (chk_job_get_next_run (job), ==, 0);

  /* It is all in the store: a new engine sees it. */
  close_engine (fixture);
  open_engine (fixture);
  job = chk_engine_lookup_job (fixture->engine, id);
  g_assert_nonnull (job);
  g_assert_cmpstr (chk_job_get_name (job), ==, "nightly");
  g_assert_false (chk_job_get_spec (job)->enabled);

  g_assert_true (chk_engine_delete_job (fixture->engine, job, &error));
  g_assert_no_error (error);
  g_assert_null (chk_engine_lookup_job (fixture->engine, id));
  close_engine (fixture);
  open_engine (fixture);
  g_assert_null (chk_engine_lookup_job (fixture->engine, id));
}

static void
test_runs_manual_success_and_failure (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  ChkJob *ok, *bad;
  guint64 run_id;

  ok = add_job (fixture, "{'name': <'ok'>, 'command': <['/bin/echo', 'hello']>}");
  bad = add_job (fixture, "{'name': <'bad'>, 'shell': <'exit 7'>}");

  run_id = chk_engine_run_job (fixture->engine, ok, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (run_id, >, 0);
  g_assert_true (chk_job_get_running (ok));
  g_assert_cmpuint (chk_job_get_current_run (ok), ==, run_id);
  g_assert_cmpuint (chk_engine_get_running_count (fixture->engine), ==, 1);

  /* One run at a time */
  g_assert_cmpuint (chk_engine_run_job (fixture->engine, ok, &error), ==, 0);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_ALREADY_RUNNING);
  g_clear_error (&error);

  g_assert_cmpuint (chk_engine_run_job (fixture->engine, bad, &error), >, 0);
  g_assert_no_error (error);

  g_assert_true (wait_until (finished_at_least, fixture, GUINT_TO_POINTER (2), 20));
  g_assert_cmpuint (chk_engine_get_running_count (fixture->engine), ==, 0);
  g_assert_cmpstr (chk_job_get_last_outcome (ok), ==, "success");
  g_assert_cmpint (chk_job_get_last_exit_code (ok), ==, 0);
  g_assert_cmpstr (chk_job_get_last_outcome (bad), ==, "failure");
  g_assert_cmpint (chk_job_get_last_exit_code (bad), ==, 7);
  g_assert_false (chk_job_get_running (ok));

  run = chk_engine_get_run (fixture->engine, run_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (run->outcome, ==, "success");
  g_assert_cmpstr (run->trigger, ==, "manual");
  g_assert_cmpuint (run->stdout_bytes, ==, strlen ("hello\n"));
  g_assert_cmpint (run->finished, >=, run->started);
}

static void
test_runs_stop (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  ChkJob *job;

  job = add_job (fixture, "{'name': <'sleeper'>, 'command': <['sleep', '30']>}");

  g_assert_false (chk_engine_stop_job (fixture->engine, job, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_NOT_RUNNING);
  g_clear_error (&error);

  chk_engine_run_job (fixture->engine, job, &error);
  g_assert_no_error (error);
  g_assert_true (chk_engine_stop_job (fixture->engine, job, &error));
  g_assert_no_error (error);

  g_assert_true (wait_until (finished_at_least, fixture, GUINT_TO_POINTER (1), 10));
  g_assert_cmpstr (g_ptr_array_index (fixture->finished, 0), ==, "stopped");
  g_assert_cmpstr (chk_job_get_last_outcome (job), ==, "stopped");
}

static void
test_settings_shell_disabled (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) off = g_variant_parse (NULL, "{'allow-shell': <false>}",
                                             NULL, NULL, NULL);
  ChkJob *job;

  job = add_job (fixture, "{'name': <'old'>, 'shell': <'true'>}");

  g_assert_true (chk_settings_update (chk_engine_get_settings (fixture->engine), off, &error));
  g_assert_no_error (error);

  g_assert_null (create_job (fixture, "{'name': <'new'>, 'shell': <'true'>}", &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_SHELL_DISABLED);
  g_clear_error (&error);

  /* A job keeps the shell line it had; argv jobs are fine. */
  g_assert_nonnull (chk_engine_lookup_job_by_name (fixture->engine, "old"));
  g_assert_nonnull (create_job (fixture, "{'name': <'argv'>, 'command': <['true']>}", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (chk_engine_run_job (fixture->engine, job, &error), >, 0);
  g_assert_no_error (error);
  g_assert_true (wait_until (finished_at_least, fixture, GUINT_TO_POINTER (1), 10));
}

static void
test_schedule_runs_without_overlap (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(GPtrArray) runs = NULL;
  ChkJob *job;

  chk_engine_start (fixture->engine);
  job = add_job (fixture,
                 "{'name': <'tick'>, 'command': <['sleep', '1.2']>,"
                 " 'schedule': <'FREQ=SECONDLY'>}");

  g_assert_true (wait_until (finished_at_least, fixture, GUINT_TO_POINTER (3), 20));

  runs = list_job_runs (fixture, job);
  g_assert_cmpuint (runs->len, >=, 3);
  /* Newest first: each run started after the one before finished. */
  for (guint i = 0; i + 1 < runs->len; i++)
    {
      ChkRunRecord *newer = g_ptr_array_index (runs, i);
      ChkRunRecord *older = g_ptr_array_index (runs, i + 1);

      g_assert_cmpstr (older->trigger, ==, "schedule");
      g_assert_cmpstr (older->outcome, ==, "success");
      g_assert_cmpint (newer->started, >=, older->finished);
    }
}

static void
test_schedule_concurrency_queue (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) one = g_variant_parse (NULL, "{'max-concurrent-runs': <uint32 1>}",
                                             NULL, NULL, NULL);
  g_autoptr(GPtrArray) runs = NULL;
  ChkRunFilter filter = { .limit = 1000 };
  const char *names[] = { "a", "b", "c" };

  g_assert_true (chk_settings_update (chk_engine_get_settings (fixture->engine), one, &error));
  g_assert_no_error (error);
  chk_engine_start (fixture->engine);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *text = g_strdup_printf ("{'name': <'%s'>, 'command': <['sleep', '0.5']>, "
                                               "'schedule': <'FREQ=SECONDLY'>}", names[i]);

      add_job (fixture, text);
    }

  g_assert_true (wait_until (finished_at_least, fixture, GUINT_TO_POINTER (6), 30));

  runs = chk_engine_list_runs (fixture->engine, &filter, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < runs->len; i++)
    {
      ChkRunRecord *a = g_ptr_array_index (runs, i);

      for (guint j = i + 1; j < runs->len; j++)
        {
          ChkRunRecord *b = g_ptr_array_index (runs, j);

          if (a->finished == 0 || b->finished == 0)
            continue;
          /* Never two at once */
          g_assert_true (a->finished <= b->started || b->finished <= a->started);
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      ChkJob *job = chk_engine_lookup_job_by_name (fixture->engine, names[i]);

      g_assert_cmpstr (chk_job_get_last_outcome (job), !=, "");
    }

  /* The engine goes with a run under way (a daemon quitting without a
   * shutdown): the run is killed, and no cgroup of it is left for the next
   * daemon on the database to sweep (on a machine whose databases come and
   * go, nothing would). It had just started: it takes a moment to go. */
  g_clear_pointer (&runs, g_ptr_array_unref);
  runs = chk_engine_list_runs (fixture->engine, &filter, &error);
  g_assert_no_error (error);
  close_engine (fixture);
  for (guint i = 0; i < runs->len; i++)
    {
      ChkRunRecord *run = g_ptr_array_index (runs, i);

      if (run->cgroup != NULL && run->cgroup[0] != '\0')
        g_assert_false (g_file_test (run->cgroup, G_FILE_TEST_EXISTS));
    }
}

static void
test_recovery_interrupted (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkRunRecord) run = chk_run_record_new ();
  g_autoptr(ChkRunRecord) after = NULL;
  ChkJob *job;

  job = add_job (fixture, "{'name': <'crashy'>, 'command': <['true']>}");

  /* As a daemon that died mid-run leaves it */
  run->job_id = chk_job_get_id (job);
  run->job_name = g_strdup ("crashy");
  run->trigger = g_strdup ("manual");
  run->started = g_get_real_time ();
  run->outcome = g_strdup ("running");
  g_assert_true (chk_store_add_run (fixture->store, run, &error));
  g_assert_no_error (error);

  /* Making an engine touches nothing; loading it cleans up */
  {
    g_autoptr(ChkEngine) unloaded = chk_engine_new (fixture->store, fixture->clock);
    g_autoptr(ChkRunRecord) before = chk_store_get_run (fixture->store, run->id, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (before->outcome, ==, "running");
  }

  close_engine (fixture);
  open_engine (fixture);

  after = chk_engine_get_run (fixture->engine, run->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (after->outcome, ==, "interrupted");
  g_assert_cmpint (after->finished, >=, after->started);
  job = chk_engine_lookup_job_by_name (fixture->engine, "crashy");
  g_assert_cmpstr (chk_job_get_last_outcome (job), ==, "interrupted");
}

static void
add_stored_job (ChkStore   *store,
                const char *spec_text,
                gint64      created)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkJobSpec) spec = chk_job_spec_new ();
  g_autoptr(GVariant) changes = g_variant_parse (G_VARIANT_TYPE_VARDICT, spec_text,
                                                 NULL, NULL, NULL);
  g_autoptr(GVariant) stored = NULL;
  guint64 id;

  g_assert_true (chk_job_spec_update (spec, changes, &error));
  g_assert_no_error (error);
  stored = g_variant_ref_sink (chk_job_spec_to_variant (spec));
  g_assert_true (chk_store_add_job (store, spec->name, stored, created, &id, &error));
  g_assert_no_error (error);
}

/* A spec stored as it is, unchecked: what a store written on another system may hold. */
static void
add_raw_stored_job (ChkStore   *store,
                    const char *name,
                    const char *spec_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) stored = g_variant_parse (G_VARIANT_TYPE_VARDICT, spec_text,
                                                NULL, NULL, NULL);
  guint64 id;

  g_assert_true (chk_store_add_job (store, name, stored, g_get_real_time (), &id, &error));
  g_assert_no_error (error);
}

static void
test_load_stored_specs (Fixture       *fixture,
                        gconstpointer  data)
{
  const char *full = "{'name': <'full'>, 'shell': <'echo hi'>, 'schedule': <'5 4 * * *'>, "
                     "'timezone': <'UTC'>, 'environment': <{'A': '1', 'B': '2'}>, "
                     "'timeout': <uint32 30>, 'email-to': <['me@example.com']>, "
                     "'notify-on': <'always'>, 'retry-backoff': <3.5>, "
                     "'run-if': <['ac-power']>, 'description': <'a job'>}";
  g_autoptr(ChkJobSpec) expected = chk_job_spec_new ();
  g_autoptr(GVariant) changes = g_variant_parse (G_VARIANT_TYPE_VARDICT, full, NULL, NULL, NULL);
  g_autoptr(GVariant) expected_variant = NULL;
  g_autoptr(GVariant) loaded_variant = NULL;
  g_autoptr(GError) error = NULL;
  ChkJob *job, *same, *gone;

  g_assert_true (chk_job_spec_update (expected, changes, &error));
  g_assert_no_error (error);
  add_stored_job (fixture->store, full, g_get_real_time ());
  add_stored_job (fixture->store, "{'name': <'same'>, 'command': <['true']>, "
                                  "'schedule': <'5 4 * * *'>}", g_get_real_time ());
  /* A zone that this system does not have: the job stays, as manual. */
  add_raw_stored_job (fixture->store, "gone",
                      "{'name': <'gone'>, 'command': <['true']>, 'schedule': <'5 4 * * *'>, "
                      "'timezone': <'Nowhere/Gone'>}");
  close_engine (fixture);

  g_test_expect_message ("chk-engine", G_LOG_LEVEL_WARNING, "*gone*Nowhere/Gone*");
  open_engine (fixture);
  g_test_assert_expected_messages ();

  /* Read back as it was written, every key. */
  job = chk_engine_lookup_job_by_name (fixture->engine, "full");
  g_assert_nonnull (job);
  expected_variant = g_variant_ref_sink (chk_job_spec_to_variant (expected));
  loaded_variant = g_variant_ref_sink (chk_job_spec_to_variant (chk_job_get_spec (job)));
  g_assert_cmpvariant (loaded_variant, expected_variant);
  g_assert_cmpint (chk_job_get_next_run (job), >, 0);

  /* The same schedule text, parsed once. */
  same = chk_engine_lookup_job_by_name (fixture->engine, "same");
  g_assert_nonnull (same);
  g_assert_true (chk_job_get_schedule (same) == chk_job_get_schedule (job));

  gone = chk_engine_lookup_job_by_name (fixture->engine, "gone");
  g_assert_nonnull (gone);
  g_assert_cmpstr (chk_job_get_spec (gone)->schedule, ==, "");
  g_assert_cmpstr (chk_job_get_spec (gone)->timezone, ==, "");
  g_assert_cmpint (chk_job_get_next_run (gone), ==, 0);
}

static void
test_recovery_catch_up (Fixture       *fixture,
                        gconstpointer  data)
{
  gint64 two_hours_ago = g_get_real_time () - (gint64) 2 * 3600 * G_USEC_PER_SEC - 60 * G_USEC_PER_SEC;
  g_autofree char *with = NULL;
  g_autofree char *without = NULL;

  with = g_strdup_printf ("{'name': <'with'>, 'command': <['true']>, 'catch-up': <true>, "
                          "'schedule': <'FREQ=HOURLY'>, 'start': <int64 %" G_GINT64_FORMAT ">}",
                          two_hours_ago);
  without = g_strdup_printf ("{'name': <'without'>, 'command': <['true']>, "
                             "'schedule': <'FREQ=HOURLY'>, 'start': <int64 %" G_GINT64_FORMAT ">}",
                             two_hours_ago);

  /* Jobs made two hours ago while no daemon ran: their hourly runs were missed. */
  add_stored_job (fixture->store, with, two_hours_ago);
  add_stored_job (fixture->store, without, two_hours_ago);
  close_engine (fixture);

  open_engine (fixture);
  /* At once: the delay after a start is tested on a manual clock */
  set_resume_delay (fixture, 0);
  chk_engine_start (fixture->engine);
  g_assert_true (wait_until (finished_at_least, fixture, GUINT_TO_POINTER (1), 10));

  /* Let anything else that would wrongly start have its chance. */
  for (gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC / 2; g_get_monotonic_time () < end;)
    g_main_context_iteration (NULL, FALSE);

  /* Only the catch-up job ran, and once, not once per missed hour. */
  g_assert_cmpuint (fixture->started->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->triggers, 0), ==, "catch-up");
  g_assert_cmpstr (chk_job_get_last_outcome (chk_engine_lookup_job_by_name (fixture->engine, "with")),
                   ==, "success");
  g_assert_cmpstr (chk_job_get_last_outcome (chk_engine_lookup_job_by_name (fixture->engine, "without")),
                   ==, "");
  g_assert_cmpint (chk_job_get_next_run (chk_engine_lookup_job_by_name (fixture->engine, "without")),
                   >, g_get_real_time ());
}

static void
test_run_due_once (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *due = g_strdup_printf ("{'name': <'due'>, 'command': <['true']>, "
                                          "'schedule': <'FREQ=SECONDLY'>, 'start': <int64 %" G_GINT64_FORMAT ">}",
                                          g_get_real_time () - 10 * G_USEC_PER_SEC);

  add_job (fixture, due);
  add_job (fixture, "{'name': <'later'>, 'command': <['true']>, 'schedule': <'@yearly'>}");
  add_job (fixture, "{'name': <'manual'>, 'command': <['true']>}");

  close_engine (fixture);
  g_usleep (1100 * 1000);
  open_engine (fixture);

  g_assert_cmpuint (chk_engine_run_due (fixture->engine), ==, 1);
  g_assert_true (wait_until (finished_at_least, fixture, GUINT_TO_POINTER (1), 10));
  g_assert_cmpstr (chk_job_get_last_outcome (chk_engine_lookup_job_by_name (fixture->engine, "due")),
                   ==, "success");
}

static void
shutdown_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  gboolean *done = user_data;

  g_assert_true (chk_engine_shutdown_finish (CHK_ENGINE (object), result, NULL));
  *done = TRUE;
}

static gboolean
flag_set (Fixture  *fixture,
          gpointer  data)
{
  return *(gboolean *) data;
}

static void
test_shutdown_interrupts (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  gboolean done = FALSE;
  guint64 run_id;
  ChkJob *job;

  job = add_job (fixture, "{'name': <'long'>, 'command': <['sleep', '60']>}");
  run_id = chk_engine_run_job (fixture->engine, job, &error);
  g_assert_no_error (error);

  chk_engine_shutdown_async (fixture->engine, NULL, shutdown_done_cb, &done);
  g_assert_true (wait_until (flag_set, fixture, &done, 10));

  run = chk_store_get_run (fixture->store, run_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (run->outcome, ==, "interrupted");
}

static void
test_retention_max_runs (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  ChkJob *job;

  job = add_job (fixture, "{'name': <'few'>, 'command': <['true']>, 'max-runs': <uint32 2>}");

  for (guint i = 1; i <= 4; i++)
    {
      chk_engine_run_job (fixture->engine, job, &error);
      g_assert_no_error (error);
      g_assert_true (wait_until (finished_at_least, fixture, GUINT_TO_POINTER (i), 10));
    }

  runs = list_job_runs (fixture, job);
  g_assert_cmpuint (runs->len, ==, 2);
}

static void
test_progress_reported (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint changes = 0;
  guint64 run_id;
  ChkJob *job;

  job = add_job (fixture, "{'name': <'prog'>, 'command': <['sleep', '30']>}");

  g_assert_false (chk_engine_report_progress (fixture->engine, 424242, 1, 2, "", &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND);
  g_clear_error (&error);

  run_id = chk_engine_run_job (fixture->engine, job, &error);
  g_assert_no_error (error);
  g_assert_false (chk_engine_report_progress (fixture->engine, run_id, 5, 2, "", &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Let the run's start be told, so that the progress comes alone */
  for (gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC; g_get_monotonic_time () < end;)
    g_main_context_iteration (NULL, FALSE);
  g_signal_connect (job, "changed", G_CALLBACK (collect_changes_cb), &changes);

  g_assert_true (chk_engine_report_progress (fixture->engine, run_id, 2, 8, "copying", &error));
  g_assert_no_error (error);

  for (gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
       changes == 0 && g_get_monotonic_time () < end;)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (chk_job_get_progress_complete (job), ==, 2);
  g_assert_cmpuint (chk_job_get_progress_total (job), ==, 8);
  g_assert_cmpstr (chk_job_get_progress_message (job), ==, "copying");
  /* A progress tick says so, and nothing else: watchers update only that */
  g_assert_cmpuint (changes, ==, CHK_JOB_CHANGE_PROGRESS);
  g_signal_handlers_disconnect_by_data (job, &changes);

  chk_engine_stop_job (fixture->engine, job, &error);
  g_assert_no_error (error);
  g_assert_true (wait_until (finished_at_least, fixture, GUINT_TO_POINTER (1), 10));

  g_assert_false (chk_engine_report_progress (fixture->engine, run_id, 1, 2, "", &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_NOT_RUNNING);
}

static void
test_schedule_rrule_starts_at_start (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(GPtrArray) runs = NULL;
  ChkJob *job;

  chk_engine_start (fixture->engine);

  /* DTSTART is the first occurrence: a new daily job runs when it is made. */
  job = add_job (fixture,
                 "{'name': <'daily'>, 'command': <['true']>, 'schedule': <'FREQ=DAILY;COUNT=3'>}");
  g_assert_cmpint (chk_job_get_next_run (job), ==, chk_job_get_spec (job)->start);
  g_assert_cmpint (chk_job_get_next_run (job), <=, g_get_real_time () + G_USEC_PER_SEC);

  g_assert_true (wait_until (finished_at_least, fixture, GUINT_TO_POINTER (1), 10));
  g_assert_cmpstr (g_ptr_array_index (fixture->triggers, 0), ==, "schedule");

  /* Then the next day, not again now. */
  g_assert_cmpint (chk_job_get_next_run (job), >, g_get_real_time () + (gint64) 23 * 3600 * G_USEC_PER_SEC);

  runs = list_job_runs (fixture, job);
  g_assert_cmpuint (runs->len, ==, 1);
}

/*
 * The clock set forward 2 h: runs missed meanwhile are skipped, or caught
 * up once, at once; then the schedule goes on from the new time.
 */
static void
test_clock_step_forward (Fixture       *fixture,
                         gconstpointer  data)
{
  gint64 stepped = MANUAL_CLOCK_START + SECONDS (2 * 3600);
  ChkJob *plain, *catch_up;

  /* At once: the delay is test_clock_resume_delay()'s */
  set_resume_delay (fixture, 0);
  chk_engine_start (fixture->engine);
  plain = add_job (fixture,
                   "{'name': <'plain'>, 'command': <['true']>, 'schedule': <'* * * * *'>}");
  catch_up = add_job (fixture,
                      "{'name': <'catch-up'>, 'command': <['true']>, 'schedule': <'* * * * *'>,"
                      " 'catch-up': <true>}");
  g_assert_cmpint (chk_job_get_next_run (plain), ==, MANUAL_CLOCK_START + SECONDS (30));

  settle (fixture);
  g_assert_cmpuint (fixture->started->len, ==, 0);

  chk_clock_set (fixture->clock, stepped);
  settle (fixture);

  /* One catch-up run, nothing for the job without catch-up. */
  g_assert_cmpuint (fixture->started->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->triggers, 0), ==, "catch-up");
  g_assert_cmpuint (count_runs (fixture, catch_up, "catch-up"), ==, 1);
  g_assert_cmpuint (count_runs (fixture, plain, "schedule"), ==, 0);
  g_assert_cmpint (chk_job_get_next_run (plain), ==, stepped + SECONDS (30));
  g_assert_cmpint (chk_job_get_next_run (catch_up), ==, stepped + SECONDS (30));

  /* No second catch-up, even when told again (a resume right after). */
  chk_clock_set (fixture->clock, stepped + SECONDS (1));
  settle (fixture);
  g_assert_cmpuint (fixture->started->len, ==, 1);

  /* Then both on their schedule. */
  chk_clock_advance (fixture->clock, SECONDS (29));
  settle (fixture);
  g_assert_cmpuint (fixture->started->len, ==, 3);
  g_assert_cmpuint (count_runs (fixture, plain, "schedule"), ==, 1);
  g_assert_cmpuint (count_runs (fixture, catch_up, "schedule"), ==, 1);
  g_assert_cmpint (chk_job_get_next_run (plain), ==, stepped + SECONDS (90));
}

/*
 * After a resume (or a clock step forward), catch-up runs wait the
 * resume-delay setting and then their random delay, so that a machine just
 * woken settles first and the jobs do not all start at once.
 */
static void
test_clock_resume_delay (Fixture       *fixture,
                         gconstpointer  data)
{
  gint64 stepped = MANUAL_CLOCK_START + SECONDS (2 * 3600);
  ChkJob *hourly, *spread;
  gint64 offset;

  set_resume_delay (fixture, 10);
  chk_engine_start (fixture->engine);
  hourly = add_job (fixture, "{'name': <'hourly'>, 'command': <['true']>, 'catch-up': <true>,"
                             " 'schedule': <'0 * * * *'>}");
  spread = add_job (fixture, "{'name': <'spread'>, 'command': <['true']>, 'catch-up': <true>,"
                             " 'schedule': <'0 * * * *'>, 'random-delay': <uint32 20>}");
  offset = chk_job_spec_get_random_offset (chk_job_get_spec (spread), chk_job_get_id (spread));
  g_assert_cmpint (offset, >, 0);

  chk_clock_set (fixture->clock, stepped);
  settle (fixture);
  g_assert_cmpuint (fixture->started->len, ==, 0);
  g_assert_true (g_str_has_prefix (chk_job_get_waiting_for (hourly), "the machine to settle"));
  g_assert_true (g_str_has_prefix (chk_job_get_waiting_for (spread), "the machine to settle"));

  chk_clock_advance (fixture->clock, SECONDS (10));
  settle (fixture);
  g_assert_cmpuint (count_runs (fixture, hourly, "catch-up"), ==, 1);
  g_assert_cmpuint (count_runs (fixture, spread, "catch-up"), ==, 0);
  g_assert_cmpstr (chk_job_get_waiting_for (hourly), ==, "");

  /* The other one its own offset later */
  chk_clock_advance (fixture->clock, offset - 1000);
  settle (fixture);
  g_assert_cmpuint (count_runs (fixture, spread, "catch-up"), ==, 0);
  chk_clock_advance (fixture->clock, 1000);
  settle (fixture);
  g_assert_cmpuint (count_runs (fixture, spread, "catch-up"), ==, 1);
  g_assert_cmpstr (chk_job_get_waiting_for (spread), ==, "");
}

/*
 * Runs due in the same tick that each wait for the next one to run first
 * (wait-for-next-run) all start in that tick, in the order of their chain,
 * although their ids put each before the one it waits for.
 */
static void
test_gate_chain_in_one_tick (Fixture       *fixture,
                             gconstpointer  data)
{
  const guint n = 12;
  ChkJob *jobs[12];

  chk_engine_start (fixture->engine);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("{'name': <'link-%02u'>, 'command': <['true']>,"
                                               " 'schedule': <'* * * * *'>}", i);

      jobs[i] = add_job (fixture, text);
    }
  for (guint i = 0; i + 1 < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ChkJobSpec) spec = chk_job_spec_copy (chk_job_get_spec (jobs[i]));
      g_autoptr(GVariant) changes = g_variant_ref_sink (g_variant_new_parsed (
        "{'depends-on': <[{'job': <%s>, 'wait-for-completion': <false>,"
        " 'wait-for-success': <false>}]>}", chk_job_get_name (jobs[i + 1])));

      g_assert_true (chk_job_spec_update (spec, changes, &error));
      g_assert_true (chk_engine_update_job (fixture->engine, jobs[i], g_steal_pointer (&spec),
                                            &error));
      g_assert_no_error (error);
    }

  chk_clock_advance (fixture->clock, SECONDS (30));
  settle (fixture);

  g_assert_cmpuint (fixture->started->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      guint64 run_id = *(guint64 *) g_ptr_array_index (fixture->started, i);
      g_autoptr(GError) error = NULL;
      g_autoptr(ChkRunRecord) run = chk_engine_get_run (fixture->engine, run_id, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (run->job_name, ==, chk_job_get_name (jobs[n - 1 - i]));
      g_assert_cmpstr (run->trigger, ==, "schedule");
    }
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (chk_job_get_waiting_for (jobs[i]), ==, "");
}

/*
 * More runs due at once than are started side by side (one batch and part
 * of another), one of which cannot start: each run gets a process of its
 * own with its own environment, the others are not held up by the
 * failure, and RunStarted comes once for each.
 */
static void
test_gate_many_in_one_tick (Fixture       *fixture,
                            gconstpointer  data)
{
  const guint n = 11;
  g_autoptr(GHashTable) pids = g_hash_table_new (NULL, NULL);

  chk_engine_start (fixture->engine);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = NULL;

      /* The one in the middle has no program to run. */
      if (i == n / 2)
        text = g_strdup_printf ("{'name': <'side-%02u'>, 'command': <['/nonexistent/nope']>,"
                                " 'schedule': <'* * * * *'>}", i);
      else
        text = g_strdup_printf ("{'name': <'side-%02u'>, 'command': <['sh', '-c',"
                                " 'echo \"$CHRONIKER_RUN_ID\" > \"$0/$CHRONIKER_JOB_NAME\"',"
                                " '%s']>, 'schedule': <'* * * * *'>}", i, fixture->dir);
      add_job (fixture, text);
    }

  chk_clock_advance (fixture->clock, SECONDS (30));
  settle (fixture);

  g_assert_cmpuint (fixture->started->len, ==, n);
  g_assert_cmpuint (fixture->finished->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      guint64 run_id = *(guint64 *) g_ptr_array_index (fixture->started, i);
      g_autoptr(GError) error = NULL;
      g_autoptr(ChkRunRecord) run = chk_engine_get_run (fixture->engine, run_id, &error);
      g_autofree char *path = NULL;
      g_autofree char *text = NULL;
      g_autofree char *expected = NULL;

      g_assert_no_error (error);
      if (g_str_equal (run->job_name, "side-05"))
        {
          g_assert_cmpstr (run->outcome, ==, "failed-to-start");
          continue;
        }
      g_assert_cmpstr (run->outcome, ==, "success");
      g_assert_cmpuint (run->pid, >, 0);
      g_assert_false (g_hash_table_contains (pids, GUINT_TO_POINTER (run->pid)));
      g_hash_table_add (pids, GUINT_TO_POINTER (run->pid));

      path = g_build_filename (fixture->dir, run->job_name, NULL);
      g_assert_true (g_file_get_contents (path, &text, NULL, &error));
      g_assert_no_error (error);
      expected = g_strdup_printf ("%" G_GUINT64_FORMAT "\n", run_id);
      g_assert_cmpstr (text, ==, expected);
    }
  g_assert_cmpuint (g_hash_table_size (pids), ==, n - 1);
}

/*
 * A log that may grow by @frames pages (and their frame headers) past its
 * size now, as on a disk that fills up: the store's writes past that fail.
 * The warnings that follow are kept, not fatal, until log_limit_end().
 */
typedef struct
{
  struct rlimit    before;
  void           (*sigxfsz) (int);
  GLogLevelFlags   fatal;
  guint            handlers[3];
  GString         *warnings;
} LogLimit;

static const char *log_limit_domains[] = { "chk-engine", "chk-runner", "chk-store" };

static void
keep_warning_cb (const char     *log_domain,
                 GLogLevelFlags  log_level,
                 const char     *message,
                 gpointer        user_data)
{
  g_string_append_printf (user_data, "%s: %s\n", log_domain, message);
}

static void
log_limit_begin (Fixture  *fixture,
                 LogLimit *limit,
                 guint     frames)
{
  g_autofree char *log_path = g_strconcat (fixture->db_path, "-wal", NULL);
  struct rlimit size;
  GStatBuf log_stat;

  g_assert_cmpint (g_stat (log_path, &log_stat), ==, 0);
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &limit->before), ==, 0);
  size = limit->before;
  size.rlim_cur = (rlim_t) log_stat.st_size + frames * (32768 + 24);

  limit->warnings = g_string_new (NULL);
  limit->sigxfsz = signal (SIGXFSZ, SIG_IGN);
  limit->fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK);
  for (guint i = 0; i < G_N_ELEMENTS (log_limit_domains); i++)
    limit->handlers[i] = g_log_set_handler (log_limit_domains[i], G_LOG_LEVEL_WARNING,
                                            keep_warning_cb, limit->warnings);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &size), ==, 0);
}

/* Lets the log grow again. */
static void
log_limit_lift (LogLimit *limit)
{
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit->before), ==, 0);
}

/* Returns the warnings given meanwhile. */
static char *
log_limit_end (LogLimit *limit)
{
  signal (SIGXFSZ, limit->sigxfsz);
  for (guint i = 0; i < G_N_ELEMENTS (log_limit_domains); i++)
    g_log_remove_handler (log_limit_domains[i], limit->handlers[i]);
  g_log_set_always_fatal (limit->fatal);
  g_test_message ("%s", limit->warnings->str);
  return g_string_free (limit->warnings, FALSE);
}

static gboolean
runs_under_way_or_done (Fixture  *fixture,
                        gpointer  data)
{
  return fixture->started->len >= GPOINTER_TO_UINT (data);
}

static gboolean
store_works (Fixture  *fixture,
             gpointer  data)
{
  return !chk_store_is_failing (fixture->store);
}

/* @n jobs due at the same time, at the next minute of the manual clock. */
static void
add_jobs_due_together (Fixture    *fixture,
                       ChkJob    **jobs,
                       guint       n,
                       const char *name)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("{'name': <'%s-%u'>, 'command': <['true']>,"
                                               " 'schedule': <'* * * * *'>}", name, i);

      jobs[i] = add_job (fixture, text);
    }
  settle (fixture);
}

/* Each of @jobs ran once, recorded once, and its record is final. */
static void
assert_ran_once (Fixture  *fixture,
                 ChkJob  **jobs,
                 guint     n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GPtrArray) runs = list_job_runs (fixture, jobs[i]);
      ChkRunRecord *run;

      g_assert_cmpuint (runs->len, ==, 1);
      run = g_ptr_array_index (runs, 0);
      g_assert_cmpstr (run->outcome, ==, "success");
      g_assert_cmpstr (run->trigger, ==, "schedule");
      /* Both ends on the engine's clock, which stood still meanwhile. */
      g_assert_cmpint (run->finished, >=, run->started);
      g_assert_cmpint (run->finished, <=, chk_clock_get_now (fixture->clock));
    }
}

/*
 * Runs due at once whose records, written together, cannot be committed
 * (the log may not grow past the first run's record, committed alone):
 * none of them is spawned without its record, each waits for the store,
 * and each runs once, recorded once, when the store works again.
 */
static void
test_gate_records_not_committed (Fixture       *fixture,
                                 gconstpointer  data)
{
  const guint n = 3;
  g_autofree char *warnings = NULL;
  ChkJob *jobs[3];
  LogLimit limit;

  add_jobs_due_together (fixture, jobs, n, "together");

  /* Room for one commit of up to 6 pages (a record writes 5), not two. */
  log_limit_begin (fixture, &limit, 6);

  /* As --once does: all let go in one go, however slow the machine (the
   * engine is not started, so starts are not shared out over iterations). */
  chk_clock_advance (fixture->clock, SECONDS (30));
  g_assert_cmpuint (chk_engine_run_due (fixture->engine), ==, n);
  g_assert_true (wait_until (runs_under_way_or_done, fixture, GUINT_TO_POINTER (1), 10));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  /* The first, recorded alone, started; the others did not, and say so. */
  g_assert_cmpuint (fixture->started->len, ==, 1);
  g_assert_cmpint (chk_job_get_last_run_started (jobs[0]), ==, MANUAL_CLOCK_START + SECONDS (30));
  for (guint i = 1; i < n; i++)
    {
      g_assert_false (chk_job_get_running (jobs[i]));
      g_assert_cmpint (chk_job_get_last_run_started (jobs[i]), ==, 0);
    }

  log_limit_lift (&limit);
  g_assert_true (wait_until (runs_under_way_or_done, fixture, GUINT_TO_POINTER (n), 20));
  settle (fixture);
  warnings = log_limit_end (&limit);

  g_assert_nonnull (strstr (warnings, "chk-engine: Could not record 2 runs together"));
  assert_ran_once (fixture, jobs, n);
}

/*
 * Runs that end together, their records written in one transaction that
 * cannot be committed: each record is kept until the store works again,
 * and then final.
 */
static void
test_runs_ends_not_committed (Fixture       *fixture,
                              gconstpointer  data)
{
  const guint n = 3;
  g_autofree char *warnings = NULL;
  ChkJob *jobs[3];
  LogLimit limit;

  add_jobs_due_together (fixture, jobs, n, "ending");
  chk_clock_advance (fixture->clock, SECONDS (30));
  g_assert_cmpuint (chk_engine_run_due (fixture->engine), ==, n);
  g_assert_cmpuint (fixture->started->len, ==, n);

  /* Their starts are recorded; their ends find no room. By now all three
   * processes have ended, so they end in one main-loop iteration. */
  log_limit_begin (fixture, &limit, 0);
  g_usleep (G_USEC_PER_SEC / 5);
  g_assert_true (wait_until (finished_at_least, fixture, GUINT_TO_POINTER (n), 10));
  g_assert_nonnull (strstr (limit.warnings->str,
                           "chk-runner: Could not record 3 runs that ended together"));

  log_limit_lift (&limit);
  g_assert_true (wait_until (store_works, fixture, NULL, 20));
  settle (fixture);
  warnings = log_limit_end (&limit);
  assert_ran_once (fixture, jobs, n);
}

/* A run's end is read from the engine's clock, as its start is: seven
 * seconds of that clock while it runs are seven seconds of its record. */
static void
test_clock_run_times (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  g_autofree char *go = g_build_filename (fixture->dir, "go", NULL);
  g_autofree char *text = NULL;
  ChkJob *job;
  guint64 run_id;

  text = g_strdup_printf ("{'name': <'waits'>,"
                          " 'shell': <'while [ ! -e \"%s\" ]; do sleep 0.02; done'>}", go);
  job = add_job (fixture, text);
  run_id = chk_engine_run_job (fixture->engine, job, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (run_id, >, 0);

  chk_clock_advance (fixture->clock, SECONDS (7));
  g_assert_true (g_file_set_contents (go, "", 0, NULL));
  g_assert_true (wait_until (finished_at_least, fixture, GUINT_TO_POINTER (1), 10));

  run = chk_engine_get_run (fixture->engine, run_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (run->outcome, ==, "success");
  g_assert_cmpint (run->started, ==, MANUAL_CLOCK_START);
  g_assert_cmpint (run->finished, ==, MANUAL_CLOCK_START + SECONDS (7));
}

/*
 * The clock set back 2 h (issue 10: nothing ran for 70 s and NextRun stayed
 * 2 h ahead): every next run is computed anew from the new time, a rule
 * that had begun keeps its pace, and one whose start is still ahead waits.
 */
static void
test_clock_step_back (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *later_text = NULL;
  gint64 stepped = MANUAL_CLOCK_START - SECONDS (2 * 3600);
  gint64 later_start = MANUAL_CLOCK_START + SECONDS (3600);
  ChkJob *minutely, *quarter, *later;
  guint changed = 0;

  chk_engine_start (fixture->engine);
  minutely = add_job (fixture,
                      "{'name': <'minutely'>, 'command': <['true']>, 'schedule': <'* * * * *'>}");
  /* Starts at the coming second: MANUAL_CLOCK_START + 1 s, then every 15 s. */
  quarter = add_job (fixture,
                     "{'name': <'quarter'>, 'command': <['true']>,"
                     " 'schedule': <'FREQ=SECONDLY;INTERVAL=15'>}");
  later_text = g_strdup_printf ("{'name': <'later'>, 'command': <['true']>,"
                                " 'schedule': <'FREQ=SECONDLY;INTERVAL=15'>,"
                                " 'start': <int64 %" G_GINT64_FORMAT ">}",
                                later_start);
  later = add_job (fixture, later_text);

  chk_clock_advance (fixture->clock, SECONDS (1));
  settle (fixture);
  g_assert_cmpuint (count_runs (fixture, quarter, "schedule"), ==, 1);
  g_assert_cmpint (chk_job_get_next_run (quarter), ==, MANUAL_CLOCK_START + SECONDS (16));
  g_assert_cmpint (chk_job_get_next_run (minutely), ==, MANUAL_CLOCK_START + SECONDS (30));
  g_assert_cmpint (chk_job_get_next_run (later), ==, later_start);

  g_signal_connect (minutely, "changed", G_CALLBACK (count_changed_cb), &changed);
  chk_clock_set (fixture->clock, stepped);
  settle (fixture);

  /* Nothing is due at once; next runs are back near now, and published. */
  g_assert_cmpuint (fixture->started->len, ==, 1);
  g_assert_cmpint (chk_job_get_next_run (minutely), ==, stepped + SECONDS (30));
  g_assert_cmpint (chk_job_get_next_run (quarter), ==, stepped + SECONDS (1));
  g_assert_cmpint (chk_job_get_next_run (later), ==, later_start);
  g_assert_cmpuint (changed, >=, 1);

  /* 70 s: runs at +1, +16, +31, +46, +61 s and one at the minute. */
  for (guint i = 0; i < 70; i++)
    {
      chk_clock_advance (fixture->clock, SECONDS (1));
      settle (fixture);
    }
  g_assert_cmpuint (count_runs (fixture, minutely, "schedule"), ==, 1);
  g_assert_cmpuint (count_runs (fixture, quarter, "schedule"), ==, 1 + 5);
  g_assert_cmpuint (count_runs (fixture, later, "schedule"), ==, 0);
  g_assert_cmpint (chk_job_get_next_run (quarter), ==, stepped + SECONDS (76));
  g_assert_cmpint (chk_job_get_next_run (minutely), ==, stepped + SECONDS (90));
  g_assert_cmpint (chk_job_get_next_run (later), ==, later_start);

  g_signal_handlers_disconnect_by_data (minutely, &changed);
}

static void
count_signal_cb (ChkTimer *timer,
                 guint    *count)
{
  (*count)++;
}

/* What a scheduler does when the clock was set and nothing moved: it
 * sets the deadline it had. */
static void
set_same_deadline_cb (ChkTimer *timer,
                      gpointer  user_data)
{
  chk_timer_set_deadline (timer, chk_timer_get_deadline (timer));
}

/*
 * The deadline comes and the clock is set before the timer's idle runs:
 * the step is reported, and the deadline, still past, fires after it, as
 * a timerfd re-armed after the step fires at once.
 */
static void
test_timer_due_when_clock_set (void)
{
  g_autoptr(ChkClock) clock = chk_clock_new_manual (MANUAL_CLOCK_START);
  g_autoptr(ChkTimer) timer = chk_timer_new (clock);
  guint fired = 0;
  guint clock_changed = 0;

  g_signal_connect (timer, "fired", G_CALLBACK (count_signal_cb), &fired);
  g_signal_connect (timer, "clock-changed", G_CALLBACK (count_signal_cb), &clock_changed);
  g_signal_connect (timer, "clock-changed", G_CALLBACK (set_same_deadline_cb), NULL);
  chk_timer_set_deadline (timer, MANUAL_CLOCK_START + SECONDS (10));

  chk_clock_advance (clock, SECONDS (10));
  chk_clock_set (clock, MANUAL_CLOCK_START + SECONDS (20));
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_assert_cmpuint (clock_changed, ==, 1);
  g_assert_cmpuint (fired, ==, 1);
  g_assert_cmpint (chk_timer_get_deadline (timer), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/engine/jobs/create-update-delete", test_jobs_create_update_delete);
  ADD ("/engine/runs/manual-success-and-failure", test_runs_manual_success_and_failure);
  ADD ("/engine/runs/stop", test_runs_stop);
  ADD ("/engine/runs/progress", test_progress_reported);
  ADD ("/engine/settings/shell-disabled", test_settings_shell_disabled);
  ADD ("/engine/schedule/no-overlap", test_schedule_runs_without_overlap);
  ADD ("/engine/schedule/concurrency-queue", test_schedule_concurrency_queue);
  ADD ("/engine/schedule/rrule-starts-at-start", test_schedule_rrule_starts_at_start);
  ADD ("/engine/recovery/interrupted", test_recovery_interrupted);
  ADD ("/engine/recovery/catch-up", test_recovery_catch_up);
  ADD ("/engine/load/stored-specs", test_load_stored_specs);
  ADD ("/engine/once/run-due", test_run_due_once);
  ADD ("/engine/shutdown/interrupts-runs", test_shutdown_interrupts);
  ADD ("/engine/retention/max-runs", test_retention_max_runs);
#undef ADD
#define ADD_MANUAL_CLOCK(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up_manual_clock, func, fixture_tear_down)
  ADD_MANUAL_CLOCK ("/engine/clock/step-forward", test_clock_step_forward);
  ADD_MANUAL_CLOCK ("/engine/clock/resume-delay", test_clock_resume_delay);
  ADD_MANUAL_CLOCK ("/engine/gate/chain-in-one-tick", test_gate_chain_in_one_tick);
  ADD_MANUAL_CLOCK ("/engine/gate/many-in-one-tick", test_gate_many_in_one_tick);
  ADD_MANUAL_CLOCK ("/engine/gate/records-not-committed", test_gate_records_not_committed);
  ADD_MANUAL_CLOCK ("/engine/runs/ends-not-committed", test_runs_ends_not_committed);
  ADD_MANUAL_CLOCK ("/engine/clock/step-back", test_clock_step_back);
  ADD_MANUAL_CLOCK ("/engine/clock/run-times", test_clock_run_times);
#undef ADD_MANUAL_CLOCK
  g_test_add_func ("/engine/timer/due-when-clock-set", test_timer_due_when_clock_set);

  return g_test_run ();
}
