/* SPDX-License-Identifier: GPL-3.0-or-later */

/* What deciding which due runs may start costs: bench-gate [--jobs N] [--linked N] [--minutes N]
 *
 * An engine on a manual clock holds --jobs jobs (10,000), of which --linked
 * (2,000) run every minute and depend on one to three of the others, which
 * never ran: wait-for-success holds every one of them back at each tick, so
 * the gate looks at all of them every minute and nothing is spawned. The
 * rest run daily at 03:00, outside the benchmark's hour.
 *
 * Rows, per minute tick (the clock moved to the minute, the main loop run
 * until idle):
 *   tick-no-links   the same jobs without depends-on, due but still queued
 *                   from before, so skipped without the gate, as before it
 *                   existed: the scan for due jobs, their next runs and the
 *                   timer (the baseline);
 *   tick-linked     the --linked jobs due and held back at the gate;
 *   release-held    _chk_engine_release_pending() alone, with them held.
 * Then the wakeups: how often the engine's timer fired while the clock
 * went through --minutes minutes second by second, against the minute
 * boundaries in between (held-back runs must add none).
 */

#define G_LOG_DOMAIN "bench-gate"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include "chk-engine-private.h"
#include "chk-job-private.h"
#include "chk-test-util.h"

/* 2030-01-01 00:00:30 UTC */
#define CLOCK_START (G_GINT64_CONSTANT (1893456030) * G_USEC_PER_SEC)
#define MINUTE (60 * G_USEC_PER_SEC)

typedef struct
{
  const char *what;
  GArray     *ms;    /* of double */
} Row;

static int jobs = 10000;
static int linked = 2000;
static int minutes = 20;

static void
add_jobs (ChkStore *store,
          gboolean  with_links)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (chk_store_begin (store, &error));
  for (int i = 0; i < jobs; i++)
    {
      g_autoptr(ChkJobSpec) spec = chk_job_spec_new ();
      g_autoptr(GVariant) stored = NULL;
      gboolean minutely = i >= jobs - linked;
      guint64 id;

      spec->name = g_strdup_printf ("job-%05d", i);
      spec->command = g_strdupv ((char *[]) { (char *) "true", NULL });
      spec->schedule = g_strdup (minutely ? "* * * * *" : "0 3 * * *");
      spec->timezone = g_strdup ("UTC");
      for (int d = 0; minutely && with_links && d < 1 + i % 3; d++)
        {
          ChkDependency *dependency = g_new0 (ChkDependency, 1);

          dependency->job = g_strdup_printf ("job-%05d", (i * 7 + d * 13) % (jobs - linked));
          dependency->wait_for_completion = TRUE;
          dependency->wait_for_success = TRUE;
          dependency->wait_for_next_run = TRUE;
          g_ptr_array_add (spec->depends_on, dependency);
        }
      stored = g_variant_ref_sink (chk_job_spec_to_variant (spec));
      g_assert_true (chk_store_add_job (store, spec->name, stored, CLOCK_START, &id, &error));
    }
  g_assert_true (chk_store_commit (store, &error));
}

static void
settle (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
discard_log (const char     *domain,
             GLogLevelFlags  level,
             const char     *message,
             gpointer        user_data)
{
}

static double
median (GArray *ms)
{
  g_array_sort (ms, compare_doubles);
  return g_array_index (ms, double, ms->len / 2);
}

static double
maximum (GArray *ms)
{
  double max = 0;

  for (guint i = 0; i < ms->len; i++)
    max = MAX (max, g_array_index (ms, double, i));
  return max;
}

static void
count_fired (ChkTimer *timer,
             guint    *fired)
{
  (*fired)++;
}

/* Marks every job queued (or not), with no queue behind it: only for looking at ticks */
static void
set_queued (ChkEngine *engine,
            gboolean   queued)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, engine->jobs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((ChkJob *) value)->queued = queued;
}

/* Runs --minutes minute ticks; fills @tick and, with links, @release and the wakeups. */
static void
run_engine (gboolean  with_links,
            Row      *tick,
            Row      *release,
            guint    *fired,
            guint    *held)
{
  g_autofree char *dir = chk_test_make_tmpdir ("chk-bench-gate-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "db.sqlite", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkClock) clock = chk_clock_new_manual (CLOCK_START);
  g_autoptr(ChkStore) store = chk_store_new (path, &error);
  g_autoptr(ChkEngine) engine = NULL;

  g_assert_no_error (error);
  add_jobs (store, with_links);
  engine = chk_engine_new (store, clock);
  g_assert_true (chk_engine_load (engine, &error));
  chk_engine_start (engine);
  settle ();
  /* As if still queued behind max-concurrent-runs: skipped when due */
  if (!with_links)
    set_queued (engine, TRUE);

  for (int m = 0; m < minutes; m++)
    {
      gint64 start;
      double ms;

      /* To the coming minute: every --linked job is due */
      chk_clock_advance (clock, CLOCK_START + (m + 1) * MINUTE - 30 * G_USEC_PER_SEC -
                                chk_clock_get_now (clock));
      start = g_get_monotonic_time ();
      settle ();
      ms = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (tick->ms, ms);

      if (release != NULL)
        {
          start = g_get_monotonic_time ();
          _chk_engine_release_pending (engine);
          ms = (g_get_monotonic_time () - start) / 1000.0;
          g_array_append_val (release->ms, ms);
        }
    }

  if (fired != NULL)
    {
      *held = g_hash_table_size (engine->pending);
      g_signal_connect (engine->timer, "fired", G_CALLBACK (count_fired), fired);
      for (int s = 1; s <= minutes * 60; s++)
        {
          chk_clock_advance (clock, G_USEC_PER_SEC);
          settle ();
        }
    }

  if (!with_links)
    set_queued (engine, FALSE);
  g_clear_object (&engine);
  g_clear_object (&store);
  chk_test_remove_tree (dir);
}

static void
print_row (const Row *row,
           double     baseline)
{
  double p50 = median (row->ms);

  g_print ("%-16s %8.2f %8.2f %7.1f\n", row->what, p50, maximum (row->ms), p50 / baseline);
}

int
main (int   argc,
      char *argv[])
{
  GOptionEntry entries[] = {
    { "jobs", 0, 0, G_OPTION_ARG_INT, &jobs, "Jobs in all", "N" },
    { "linked", 0, 0, G_OPTION_ARG_INT, &linked, "Minutely jobs with dependencies", "N" },
    { "minutes", 0, 0, G_OPTION_ARG_INT, &minutes, "Minute ticks to time", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  Row plain = { "tick-no-links", g_array_new (FALSE, FALSE, sizeof (double)) };
  Row ticks = { "tick-linked", g_array_new (FALSE, FALSE, sizeof (double)) };
  Row release = { "release-held", g_array_new (FALSE, FALSE, sizeof (double)) };
  guint fired = 0, held = 0;
  double baseline;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (jobs < 10 || linked < 1 || linked >= jobs / 2 || minutes < 1)
    {
      g_printerr ("need --jobs ≥ 10, 1 ≤ --linked < jobs/2, --minutes ≥ 1\n");
      return 2;
    }

  /* Quiet: each held-back occurrence that comes again says so. */
  g_log_set_handler ("chk-engine", G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO,
                     discard_log, NULL);

  run_engine (FALSE, &plain, NULL, NULL, NULL);
  run_engine (TRUE, &ticks, &release, &fired, &held);

  g_print ("%d jobs, %d of them every minute with 1-3 dependencies that hold them back; "
           "%d minute ticks\n\n", jobs, linked, minutes);
  g_print ("%-16s %8s %8s %7s\n", "what", "p50 ms", "max ms", "ratio");
  baseline = MAX (median (plain.ms), 0.001);
  print_row (&plain, baseline);
  print_row (&ticks, baseline);
  print_row (&release, baseline);
  g_print ("\nratio: p50 / tick-no-links p50 (the scan for due jobs and their next runs)\n");
  g_print ("held back at the end: %u runs\n", held);
  g_print ("timer wakeups over %d minutes, second by second: %u (minute boundaries: %d)\n",
           minutes, fired, minutes);
  return 0;
}
