/* SPDX-License-Identifier: GPL-3.0-or-later */

/* How fast schedules parse and give their next run, against the cost of
 * one zone-aware date conversion per job:
 * bench-schedule [--jobs N] [--repeat N]
 *
 * The last rows time the rules with COUNT that cost the most to count,
 * each of which has to be walked from its start (the rules are printed
 * under the table):
 *   preview-1000-…   chk_schedule_next_runs() of 1000 runs from a start of
 *                    now, as PreviewSchedule computes them (its worker
 *                    thread also runs the check below first);
 *   check-…          chk_schedule_check_occurs(): the walk through the
 *                    whole COUNT, or to the step budget that refuses it;
 *   iter-1000-10y-…  the engine's way: one ChkScheduleIter for a job
 *                    started 10 years ago, asked 1000 times for the next
 *                    run after the one before (a fresh iterator each time).
 * Each is against the same calls for FREQ=DAILY without COUNT, the
 * "-daily" row of its group.
 */

#define G_LOG_DOMAIN "bench-schedule"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <glib.h>

#include "chk-error.h"
#include "chk-schedule.h"

#define YEAR_USEC (G_GINT64_CONSTANT (365) * G_TIME_SPAN_DAY)

typedef enum
{
  JOB_CRON,
  JOB_MACRO,
  JOB_RRULE_DAILY,
  JOB_RRULE_MINUTELY,
  JOB_RRULE_HOURLY,
  JOB_RRULE_WEEKLY,
  JOB_RRULE_MONTHLY,
  JOB_RRULE_YEARLY,
  N_JOB_KINDS,
  /* For the "next-" rows: every rule. */
  JOB_RRULE_ANY = N_JOB_KINDS,
} JobKind;

static const char * const job_kind_names[N_JOB_KINDS + 1] = {
  "cron", "macro", "rrule-daily-10y", "rrule-minutely", "rrule-hourly",
  "rrule-weekly", "rrule-monthly", "rrule-yearly", "rrule",
};

typedef struct
{
  char        *text;
  GTimeZone   *tz;     /* borrowed from zones[] */
  gint64       start;
  JobKind      kind;
  ChkSchedule *schedule;
} Job;

static int n_jobs = 10000;
static int repeat = 7;

static const GOptionEntry entries[] = {
  { "jobs", 0, 0, G_OPTION_ARG_INT, &n_jobs, "How many schedules (default 10000)", "N" },
  { "repeat", 0, 0, G_OPTION_ARG_INT, &repeat, "Runs of each measurement (default 7)", "N" },
  { NULL }
};

static const char * const zone_names[] = { "Europe/Berlin", "America/New_York", "UTC" };
static GTimeZone *zones[G_N_ELEMENTS (zone_names)];

/* Keeps the compiler from dropping work whose result is unused. */
static volatile gint64 sink;

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* Times of one measurement over --repeat runs, in ns. */
typedef struct
{
  gint64 best;
  gint64 median;
} Timing;

typedef void (*MeasureFunc) (gpointer data);

static Timing
measure (MeasureFunc func,
         gpointer    data)
{
  g_autofree gint64 *times = g_new0 (gint64, repeat);
  Timing timing;

  for (int r = 0; r < repeat; r++)
    {
      gint64 begin = now_ns ();

      func (data);
      times[r] = now_ns () - begin;
    }

  qsort (times, repeat, sizeof (gint64), compare_gint64);
  timing.best = times[0];
  timing.median = times[repeat / 2];

  return timing;
}

static void
print_header (void)
{
  printf ("%-32s %7s %11s %12s %9s %11s\n",
          "what", "n", "total_ms", "per_item_us", "ratio", "median_ms");
}

/* A row: the best of the runs, its ratio to @reference (per item), and
 * the median. */
static void
print_row (const char   *what,
           guint         n,
           const Timing *timing,
           guint         reference_n,
           const Timing *reference)
{
  double per_item = timing->best / 1000.0 / n;
  double reference_per_item = reference->best / 1000.0 / reference_n;

  printf ("%-32s %7u %11.3f %12.3f %9.2f %11.3f\n",
          what, n,
          timing->best / 1e6,
          per_item,
          reference_per_item > 0 ? per_item / reference_per_item : 0.0,
          timing->median / 1e6);
}

/* The mix of schedules: many shapes of cron, the macros, and rules of
 * every common FREQ with BYxxx parts, some starting long ago. */
static void
make_job (Job    *job,
          GRand  *rand,
          guint   i,
          gint64  now)
{
  static const char * const macros[] = {
    "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
  };
  static const char * const days[] = { "MO", "TU", "WE", "TH", "FR", "SA", "SU" };
  int m = g_rand_int_range (rand, 0, 60);
  int h = g_rand_int_range (rand, 0, 24);
  int d = g_rand_int_range (rand, 1, 29);
  int step = g_rand_int_range (rand, 2, 31);
  guint shape = g_rand_int_range (rand, 0, 20);

  job->tz = zones[i % G_N_ELEMENTS (zones)];
  job->start = now - G_TIME_SPAN_DAY;
  job->kind = JOB_CRON;

  /* 10 shapes of cron, 2 macros, 8 rules out of 20. */
  switch (shape)
    {
    case 0:
      job->text = g_strdup_printf ("%d %d * * *", m, h);
      break;
    case 1:
      job->text = g_strdup_printf ("*/%d * * * *", step);
      break;
    case 2:
      job->text = g_strdup_printf ("%d %d * * 1-5", m, h);
      break;
    case 3:
      job->text = g_strdup_printf ("%d %d %d * *", m, h, d);
      break;
    case 4:
      job->text = g_strdup_printf ("%d */%d * * *", m, step % 12 + 1);
      break;
    case 5:
      job->text = g_strdup_printf ("%d,%d %d-%d * * MON,WED,FRI",
                                   m, (m + 30) % 60, h / 2, h / 2 + 8);
      break;
    case 6:
      job->text = g_strdup_printf ("%d %d 1 JAN-JUN *", m, h);
      break;
    case 7:
      job->text = g_strdup_printf ("0 %d 13 * 5", h);
      break;
    case 8:
      /* Rare days: a search over years. */
      job->text = g_strdup_printf ("%d %d %s", m, h, i % 2 ? "29 2 *" : "31 * *");
      break;
    case 9:
      job->text = g_strdup_printf ("10-50/%d %d-%d * * *", step % 20 + 1, h / 2, h / 2 + 10);
      break;
    case 10:
    case 11:
      job->text = g_strdup (macros[i % G_N_ELEMENTS (macros)]);
      job->kind = JOB_MACRO;
      return;
    case 12:
    case 13:
      job->text = g_strdup_printf ("FREQ=DAILY;BYHOUR=%d;BYMINUTE=%d", h, m);
      job->start = now - 10 * YEAR_USEC;
      job->kind = JOB_RRULE_DAILY;
      break;
    case 14:
      job->text = g_strdup_printf ("FREQ=MINUTELY;INTERVAL=%d;BYHOUR=%d,%d",
                                   step, h, (h + 12) % 24);
      job->start = now - G_TIME_SPAN_DAY;
      job->kind = JOB_RRULE_MINUTELY;
      break;
    case 15:
      job->text = g_strdup_printf ("FREQ=HOURLY;INTERVAL=%d;BYMINUTE=%d", step % 6 + 1, m);
      job->start = now - 30 * G_TIME_SPAN_DAY;
      job->kind = JOB_RRULE_HOURLY;
      break;
    case 16:
      job->text = g_strdup_printf ("RRULE:FREQ=WEEKLY;BYDAY=%s,%s;BYHOUR=%d;BYMINUTE=0",
                                   days[i % 7], days[(i + 3) % 7], h);
      job->start = now - 2 * YEAR_USEC;
      job->kind = JOB_RRULE_WEEKLY;
      break;
    case 17:
      job->text = g_strdup_printf ("FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=%d;BYMINUTE=%d", h, m);
      job->start = now - 2 * YEAR_USEC;
      job->kind = JOB_RRULE_MONTHLY;
      break;
    case 18:
      job->text = g_strdup_printf ("FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=%d;BYMINUTE=0", h);
      job->start = now - 2 * YEAR_USEC;
      job->kind = JOB_RRULE_MONTHLY;
      break;
    case 19:
    default:
      job->text = g_strdup_printf ("FREQ=YEARLY;BYMONTH=%d;BYMONTHDAY=%d", d % 12 + 1, d);
      job->start = now - 5 * YEAR_USEC;
      job->kind = JOB_RRULE_YEARLY;
      break;
    }
}

typedef struct
{
  Job    *jobs;
  guint   n_jobs;
  gint64  now;
  int     kind;       /* a JobKind, JOB_RRULE_ANY, or -1 for all */
} Mix;

static void
baseline_cb (gpointer data)
{
  Mix *mix = data;
  gint64 now_s = mix->now / G_USEC_PER_SEC;

  for (guint i = 0; i < mix->n_jobs; i++)
    {
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (now_s + i);
      g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, mix->jobs[i].tz);
      int year, month, day;

      g_date_time_get_ymd (local, &year, &month, &day);
      sink += year + month + day;
    }
}

static void
parse_cb (gpointer data)
{
  Mix *mix = data;

  for (guint i = 0; i < mix->n_jobs; i++)
    {
      g_autoptr(GError) error = NULL;
      ChkSchedule *schedule = chk_schedule_parse (mix->jobs[i].text, &error);

      if (schedule == NULL)
        g_error ("“%s” does not parse: %s", mix->jobs[i].text, error->message);
      g_clear_pointer (&mix->jobs[i].schedule, chk_schedule_unref);
      mix->jobs[i].schedule = schedule;
    }
}

static void
next_cb (gpointer data)
{
  Mix *mix = data;

  for (guint i = 0; i < mix->n_jobs; i++)
    {
      Job *job = &mix->jobs[i];

      if (mix->kind == JOB_RRULE_ANY ? job->kind < JOB_RRULE_DAILY
                                     : mix->kind >= 0 && (int) job->kind != mix->kind)
        continue;
      sink += chk_schedule_next (job->schedule, job->tz, job->start, mix->now);
    }
}

static void
parse_next_cb (gpointer data)
{
  Mix *mix = data;

  for (guint i = 0; i < mix->n_jobs; i++)
    {
      Job *job = &mix->jobs[i];
      g_autoptr(ChkSchedule) schedule = chk_schedule_parse (job->text, NULL);

      sink += chk_schedule_next (schedule, job->tz, job->start, mix->now);
    }
}

static void
next_runs_cb (gpointer data)
{
  Mix *mix = data;
  gint64 runs[10];

  for (guint i = 0; i < mix->n_jobs; i++)
    {
      Job *job = &mix->jobs[i];

      sink += chk_schedule_next_runs (job->schedule, job->tz, job->start, mix->now,
                                      runs, G_N_ELEMENTS (runs));
    }
}

typedef struct
{
  ChkSchedule *schedule;
  GTimeZone   *tz;
  gint64       start;
  gint64       now;
  guint        n;
} Single;

static void
single_cb (gpointer data)
{
  Single *single = data;

  /* A slightly different "now" each time, so nothing can be cached. */
  for (guint i = 0; i < single->n; i++)
    sink += chk_schedule_next (single->schedule, single->tz, single->start,
                               single->now + i * G_TIME_SPAN_SECOND);
}

/* A rule with COUNT at its worst, for the rows timed against FREQ=DAILY. */
typedef struct
{
  const char  *label;
  const char  *text;
  ChkSchedule *schedule;
  GTimeZone   *tz;
  gint64       start;
  gint64       now;
  guint        n;
  gint64      *runs;
  /* What the last run of each measurement gave. */
  guint        n_given;
  gboolean     occurs;
} Walk;

static const struct
{
  const char *label;
  const char *text;
} walk_rules[] = {
  /* The baseline: first, and without COUNT. */
  { "daily", "FREQ=DAILY" },
  { "count-feb-29", "FREQ=DAILY;COUNT=100000;BYMONTH=2;BYMONTHDAY=29" },
  { "count-31-jan-mar", "FREQ=DAILY;COUNT=100000;BYMONTHDAY=31;BYMONTH=1,3" },
  { "count-weekno-53", "FREQ=YEARLY;COUNT=100000;BYWEEKNO=53" },
  { "count-monthly-31", "FREQ=MONTHLY;COUNT=100000;BYMONTHDAY=31" },
  { "count-fri-13-5h", "FREQ=HOURLY;INTERVAL=5;COUNT=100000;BYMONTHDAY=13;BYDAY=FR" },
};

/* As PreviewSchedule: the rule's start is the time previewed from. */
static void
walk_preview_cb (gpointer data)
{
  Walk *walk = data;

  walk->n_given = chk_schedule_next_runs (walk->schedule, walk->tz, walk->start,
                                          walk->start - 1, walk->runs, walk->n);
  sink += walk->n_given;
}

static void
walk_check_cb (gpointer data)
{
  Walk *walk = data;

  walk->occurs = chk_schedule_check_occurs (walk->schedule, walk->tz, walk->start, NULL);
  sink += walk->occurs;
}

/* As the engine: one iterator per job, asked after each run for the next. */
static void
walk_iter_cb (gpointer data)
{
  Walk *walk = data;
  g_autoptr(ChkScheduleIter) iter = chk_schedule_iter_new (walk->schedule, walk->tz, walk->start);
  gint64 after = walk->now;
  guint n;

  for (n = 0; n < walk->n; n++)
    {
      gint64 next = chk_schedule_iter_next (iter, after);

      if (next == 0)
        break;
      after = next;
    }
  walk->n_given = n;
  sink += after;
}

/* Times @func for each of walk_rules, from @start, and prints a row for
 * each against the first. Says under the table how many runs each gave. */
static void
walk_rows (const char  *prefix,
           MeasureFunc  func,
           GTimeZone   *tz,
           gint64       start,
           gint64       now,
           guint        n,
           GString     *notes)
{
  g_autofree gint64 *runs = g_new0 (gint64, n);
  Timing baseline = { 0, 0 };

  if (func == walk_check_cb)
    g_string_append_printf (notes, "# %s, what chk_schedule_check_occurs() says:\n", prefix);
  else
    g_string_append_printf (notes, "# %s, runs given of %u:\n", prefix, n);

  for (guint r = 0; r < G_N_ELEMENTS (walk_rules); r++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *what = g_strdup_printf ("%s-%s", prefix, walk_rules[r].label);
      Walk walk = { walk_rules[r].label, walk_rules[r].text, NULL, tz, start, now, n, runs };
      Timing timing;

      walk.schedule = chk_schedule_parse (walk.text, &error);
      if (walk.schedule == NULL)
        g_error ("“%s” does not parse: %s", walk.text, error->message);

      timing = measure (func, &walk);
      if (r == 0)
        baseline = timing;
      print_row (what, n, &timing, n, &baseline);

      /* One line per group: how many runs each rule gave, or whether the
       * check accepted it. */
      g_string_append_printf (notes, "%s %s ", r == 0 ? "#" : ",", walk.label);
      if (func == walk_check_cb)
        {
          g_autoptr(GError) check_error = NULL;

          if (!chk_schedule_check_occurs (walk.schedule, tz, start, &check_error))
            g_string_append_printf (notes, "refused (%s)", check_error->message);
          else
            g_string_append (notes, "accepted");
        }
      else
        g_string_append_printf (notes, "%u", walk.n_given);

      chk_schedule_unref (walk.schedule);
    }
  g_string_append_c (notes, '\n');
}

static Single
single_new (const char *text,
            GTimeZone  *tz,
            gint64      start,
            gint64      now,
            guint       n)
{
  g_autoptr(GError) error = NULL;
  Single single = { NULL, tz, start, now, n };

  single.schedule = chk_schedule_parse (text, &error);
  if (single.schedule == NULL)
    g_error ("“%s” does not parse: %s", text, error->message);

  return single;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260329);
  g_autofree Job *jobs = NULL;
  guint kind_counts[N_JOB_KINDS + 1] = { 0 };
  guint n_refused = 0;
  gint64 now = g_get_real_time ();
  Timing baseline, parse, next, parse_next, next_runs;
  Timing daily_10y, daily_1d, count_10y, secondly_10y;
  Single single;
  Mix mix;
  g_autoptr(GString) notes = g_string_new (NULL);

  context = g_option_context_new ("- time schedule parsing and next runs");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (n_jobs < 1 || repeat < 1)
    {
      g_printerr ("--jobs and --repeat must be at least 1\n");
      return 2;
    }

  /* Whole seconds, as a scheduler's "now" after a timer fires. */
  now -= now % G_USEC_PER_SEC;

  for (guint z = 0; z < G_N_ELEMENTS (zones); z++)
    {
      zones[z] = chk_time_zone_new (zone_names[z], &error);
      if (zones[z] == NULL)
        g_error ("%s", error->message);
    }

  jobs = g_new0 (Job, n_jobs);
  for (int i = 0; i < n_jobs; i++)
    {
      g_autoptr(ChkSchedule) schedule = NULL;
      g_autoptr(GError) parse_error = NULL;

      make_job (&jobs[i], rand, i, now);

      /* A schedule the library refuses is its bug, not the benchmark's:
       * say so, and time a plainer rule in its place. */
      schedule = chk_schedule_parse (jobs[i].text, &parse_error);
      if (schedule == NULL)
        {
          if (n_refused++ < 3)
            printf ("# refused, replaced by FREQ=MINUTELY: %s: %s\n",
                    jobs[i].text, parse_error->message);
          g_free (jobs[i].text);
          jobs[i].text = g_strdup ("FREQ=MINUTELY;INTERVAL=7");
        }
      kind_counts[jobs[i].kind]++;
      if (jobs[i].kind >= JOB_RRULE_DAILY)
        kind_counts[JOB_RRULE_ANY]++;
    }
  if (n_refused > 0)
    printf ("# %u schedules of the mix were refused\n", n_refused);

  mix = (Mix) { jobs, n_jobs, now, -1 };

  /* Warm up GLib's zone cache and the library, untimed. */
  baseline_cb (&mix);
  parse_cb (&mix);
  next_cb (&mix);

  baseline = measure (baseline_cb, &mix);
  parse = measure (parse_cb, &mix);
  next = measure (next_cb, &mix);
  parse_next = measure (parse_next_cb, &mix);
  next_runs = measure (next_runs_cb, &mix);

  print_header ();
  print_row ("baseline-zone-conversion", n_jobs, &baseline, n_jobs, &baseline);
  print_row ("parse-mixed", n_jobs, &parse, n_jobs, &baseline);
  print_row ("next-mixed", n_jobs, &next, n_jobs, &baseline);
  for (int k = 0; k <= JOB_RRULE_ANY; k++)
    {
      g_autofree char *what = g_strdup_printf ("next-%s", job_kind_names[k]);
      Timing timing;

      mix.kind = k;
      timing = measure (next_cb, &mix);
      print_row (what, kind_counts[k], &timing, n_jobs, &baseline);
    }
  mix.kind = -1;
  print_row ("parse+next-mixed", n_jobs, &parse_next, n_jobs, &baseline);
  print_row ("next-runs-10-mixed", n_jobs, &next_runs, n_jobs, &baseline);

  /* One rule, its start 1 day or 10 years back: the same cost if the
   * library jumps to `after` instead of walking 3,650 occurrences. The
   * ratio of these rows is to the 1-day row. */
  single = single_new ("FREQ=DAILY", zones[0], now - G_TIME_SPAN_DAY, now, 1000);
  daily_1d = measure (single_cb, &single);
  chk_schedule_unref (single.schedule);

  single = single_new ("FREQ=DAILY", zones[0], now - 10 * YEAR_USEC, now, 1000);
  daily_10y = measure (single_cb, &single);
  chk_schedule_unref (single.schedule);

  single = single_new ("FREQ=SECONDLY;INTERVAL=7", zones[0], now - 10 * YEAR_USEC, now, 1000);
  secondly_10y = measure (single_cb, &single);
  chk_schedule_unref (single.schedule);

  /* COUNT has to walk from the start: 3,650 occurrences of 5,000. */
  single = single_new ("FREQ=DAILY;COUNT=5000", zones[0], now - 10 * YEAR_USEC, now, 100);
  count_10y = measure (single_cb, &single);
  chk_schedule_unref (single.schedule);

  print_row ("daily-start-1d-ago", 1000, &daily_1d, 1000, &daily_1d);
  print_row ("daily-start-10y-ago", 1000, &daily_10y, 1000, &daily_1d);
  print_row ("secondly-start-10y-ago", 1000, &secondly_10y, 1000, &daily_1d);
  print_row ("daily-count-5000-start-10y-ago", 100, &count_10y, 1000, &daily_1d);

  /* The worst rules with COUNT: n is the runs asked for (1 for the check,
   * a single call), so the ratio is that of whole calls. */
  walk_rows ("preview-1000", walk_preview_cb, zones[0], now, now, 1000, notes);
  walk_rows ("check", walk_check_cb, zones[0], now, now, 1, notes);
  walk_rows ("iter-1000-10y", walk_iter_cb, zones[0], now - 10 * YEAR_USEC, now, 1000, notes);

  printf ("# best of %d runs; median_ms is the median run; ratio is per item, to\n"
          "# baseline-zone-conversion (one g_date_time_to_timezone per job) for the\n"
          "# mixed rows and to daily-start-1d-ago for the daily-/secondly- rows.\n"
          "# mix: %u cron, %u macros, %u rules, in %s, %s and %s.\n"
          "# next-mixed: %.1f ms for %d jobs (target: well under 200 ms): %s\n",
          repeat,
          kind_counts[JOB_CRON], kind_counts[JOB_MACRO], kind_counts[JOB_RRULE_ANY],
          zone_names[0], zone_names[1], zone_names[2],
          next.best / 1e6, n_jobs,
          next.best / 1e6 * 10000.0 / n_jobs < 200.0 ? "ok" : "TOO SLOW");
  printf ("# the rows of rules with COUNT are to their group's -daily row, in %s:\n",
          zone_names[0]);
  for (guint r = 0; r < G_N_ELEMENTS (walk_rules); r++)
    printf ("#   %-16s %s\n", walk_rules[r].label, walk_rules[r].text);
  printf ("%s", notes->str);

  for (int i = 0; i < n_jobs; i++)
    {
      g_clear_pointer (&jobs[i].schedule, chk_schedule_unref);
      g_free (jobs[i].text);
    }
  for (guint z = 0; z < G_N_ELEMENTS (zones); z++)
    g_time_zone_unref (zones[z]);

  return 0;
}
