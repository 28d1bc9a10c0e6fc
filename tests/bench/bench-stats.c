/* SPDX-License-Identifier: GPL-3.0-or-later */

/* What GetJobStats costs the store: bench-stats [--runs N] [--others N] [--repeat N]
 *
 * One job with --runs runs (10,000, one every 10 minutes, a tenth failed,
 * durations spread) among --others runs of 99 other jobs (90,000), in a
 * store on disk. Rows (the median of --repeat calls):
 *   list-100        chk_store_list_runs() of the job's newest 100 runs: the
 *                   page the app's run list reads (the baseline);
 *   stats-30        chk_store_get_stats() of all its runs in 30 buckets;
 *   stats-1000      the same in 1000 buckets;
 *   stats-all-84    every job's runs of the last 12 weeks in 84 buckets, as
 *                   the app's calendar asks.
 */

#define G_LOG_DOMAIN "bench-stats"

#include "config.h"

#include <glib.h>

#include "chk-store.h"
#include "chk-test-util.h"

#define MINUTE (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC)
/* 2026-12-04 02:00 UTC */
#define NOW (G_GINT64_CONSTANT (1796349600) * G_USEC_PER_SEC)

static int runs = 10000;
static int others = 90000;
static int repeat = 21;

static void
add_runs (ChkStore *store,
          guint64   job_id,
          int       count,
          gint64    every)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (chk_store_begin (store, &error));
  for (int i = 0; i < count; i++)
    {
      g_autoptr(ChkRunRecord) run = chk_run_record_new ();

      run->job_id = job_id;
      run->job_name = g_strdup ("job");
      run->trigger = g_strdup ("schedule");
      run->started = NOW - (gint64) (count - i) * every;
      run->finished = run->started + (gint64) (1 + (i * 7919) % 600) * G_USEC_PER_SEC;
      run->outcome = g_strdup (i % 10 == 3 ? "failure" : "success");
      g_assert_true (chk_store_add_run (store, run, &error));
    }
  g_assert_true (chk_store_commit (store, &error));
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

typedef gpointer (*Call) (ChkStore *store,
                          guint64   job_id);

static gpointer
list_100 (ChkStore *store,
          guint64   job_id)
{
  ChkRunFilter filter = { .job_id = job_id, .limit = 100 };

  return chk_store_list_runs (store, &filter, NULL);
}

static gpointer
stats_30 (ChkStore *store,
          guint64   job_id)
{
  return chk_store_get_stats (store, job_id, 0, NOW, 30, NULL);
}

static gpointer
stats_1000 (ChkStore *store,
            guint64   job_id)
{
  return chk_store_get_stats (store, job_id, 0, NOW, 1000, NULL);
}

static gpointer
stats_all_84 (ChkStore *store,
              guint64   job_id)
{
  return chk_store_get_stats (store, 0, NOW - 84 * 24 * 60 * MINUTE, NOW, 84, NULL);
}

/* The median time of --repeat calls, in ms */
static double
time_call (ChkStore       *store,
           guint64         job_id,
           Call            call,
           GDestroyNotify  free_result)
{
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));

  for (int i = 0; i < repeat; i++)
    {
      gint64 start = g_get_monotonic_time ();
      gpointer result = call (store, job_id);
      double taken = (g_get_monotonic_time () - start) / 1000.0;

      g_assert_nonnull (result);
      free_result (result);
      g_array_append_val (ms, taken);
    }
  g_array_sort (ms, compare_doubles);
  return g_array_index (ms, double, ms->len / 2);
}

int
main (int   argc,
      char *argv[])
{
  GOptionEntry entries[] = {
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Runs of the job", "N" },
    { "others", 0, 0, G_OPTION_ARG_INT, &others, "Runs of 99 other jobs", "N" },
    { "repeat", 0, 0, G_OPTION_ARG_INT, &repeat, "Calls to time, the median printed", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(ChkStore) store = NULL;
  g_autoptr(GVariant) spec = g_variant_ref_sink (g_variant_new_parsed ("{'name': <'x'>}"));
  const struct { const char *what; Call call; GDestroyNotify free_result; } rows[] = {
    { "list-100", list_100, (GDestroyNotify) g_ptr_array_unref },
    { "stats-30", stats_30, (GDestroyNotify) g_array_unref },
    { "stats-1000", stats_1000, (GDestroyNotify) g_array_unref },
    { "stats-all-84", stats_all_84, (GDestroyNotify) g_array_unref },
  };
  guint64 job_id = 0;
  double baseline = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (runs < 1 || others < 0 || repeat < 1)
    {
      g_printerr ("need --runs ≥ 1, --others ≥ 0, --repeat ≥ 1\n");
      return 2;
    }

  dir = chk_test_make_tmpdir ("chk-bench-stats-XXXXXX");
  path = g_build_filename (dir, "db.sqlite", NULL);
  store = chk_store_new (path, &error);
  g_assert_no_error (error);
  for (int j = 0; j < 100; j++)
    {
      g_autofree char *name = g_strdup_printf ("job-%02d", j);
      guint64 id;

      g_assert_true (chk_store_add_job (store, name, spec, NOW, &id, &error));
      if (j == 0)
        job_id = id;
      else
        add_runs (store, id, others / 99, (gint64) runs * 10 * MINUTE / MAX (others / 99, 1));
    }
  add_runs (store, job_id, runs, 10 * MINUTE);

  g_print ("one job with %d runs among %d runs of 99 other jobs; median of %d calls\n\n",
           runs, others, repeat);
  g_print ("%-14s %8s %7s\n", "what", "ms", "ratio");
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      double ms = time_call (store, job_id, rows[i].call, rows[i].free_result);

      if (i == 0)
        baseline = MAX (ms, 0.001);
      g_print ("%-14s %8.2f %7.2f\n", rows[i].what, ms, ms / baseline);
    }
  g_print ("\nratio: ms / list-100 ms (a page of the job's runs)\n");

  g_clear_object (&store);
  if (g_getenv ("CHK_BENCH_KEEP") != NULL)
    g_print ("kept %s\n", path);
  else
    chk_test_remove_tree (dir);
  return 0;
}
