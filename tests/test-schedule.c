/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-schedule"

#include "config.h"

#include <string.h>

#include <glib.h>
#include <glib-object.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "chk-error.h"
#include "chk-schedule.h"

/*
 * Every expected instant below is spelled out in the zone it is about
 * (g_date_time_new) or, around clock changes, in UTC, and was checked with
 * `TZ=Europe/Berlin date -d @SECONDS`. The tests run with TZ=Pacific/Chatham
 * (+12:45/+13:45), so a test that silently uses the machine's zone fails.
 */

/* Helpers */

static char *
format_time (gint64     usec,
             GTimeZone *tz)
{
  g_autoptr(GDateTime) utc_dt = NULL;
  g_autoptr(GDateTime) local_dt = NULL;
  g_autofree char *utc_text = NULL;
  g_autofree char *local_text = NULL;
  gint64 seconds;
  gint64 rest;

  if (usec == 0)
    return g_strdup ("0 (none)");

  seconds = usec / G_USEC_PER_SEC;
  rest = usec % G_USEC_PER_SEC;
  if (rest < 0)
    {
      seconds -= 1;
      rest += G_USEC_PER_SEC;
    }

  utc_dt = g_date_time_new_from_unix_utc (seconds);
  if (utc_dt == NULL)
    return g_strdup_printf ("%" G_GINT64_FORMAT " (out of range)", usec);
  if (rest != 0)
    {
      GDateTime *with_usec = g_date_time_add (utc_dt, rest);

      g_date_time_unref (utc_dt);
      utc_dt = with_usec;
    }

  utc_text = g_date_time_format_iso8601 (utc_dt);
  if (tz == NULL)
    return g_steal_pointer (&utc_text);

  local_dt = g_date_time_to_timezone (utc_dt, tz);
  local_text = g_date_time_format_iso8601 (local_dt);

  return g_strdup_printf ("%s = %s %s", utc_text, local_text,
                          g_time_zone_get_identifier (tz));
}

static void
time_mismatch (const char *file,
               int         line,
               const char *func,
               const char *what,
               GTimeZone  *tz,
               gint64      actual,
               gint64      expected)
{
  g_autofree char *actual_text = format_time (actual, tz);
  g_autofree char *expected_text = format_time (expected, tz);
  g_autofree char *message = NULL;

  message = g_strdup_printf ("%s: got %s, expected %s", what, actual_text, expected_text);
  g_assertion_message (G_LOG_DOMAIN, file, line, func, message);
}

/* Compares two instants (µs since the epoch) and prints both as ISO 8601,
 * in UTC and in @tz, when they differ. */
#define assert_time(tz, actual, expected) \
  G_STMT_START \
    { \
      gint64 actual__ = (actual); \
      gint64 expected__ = (expected); \
      if (actual__ != expected__) \
        time_mismatch (__FILE__, __LINE__, G_STRFUNC, #actual, (tz), actual__, expected__); \
    } \
  G_STMT_END

static GTimeZone *
zone (const char *identifier)
{
  g_autoptr(GError) error = NULL;
  GTimeZone *tz;

  tz = chk_time_zone_new (identifier, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tz);

  return tz;
}

static gint64
at (GTimeZone *tz,
    int        year,
    int        month,
    int        day,
    int        hour,
    int        minute,
    int        second)
{
  g_autoptr(GDateTime) dt = g_date_time_new (tz, year, month, day, hour, minute, second);

  g_assert_nonnull (dt);

  return g_date_time_to_unix (dt) * G_USEC_PER_SEC;
}

static gint64
utc (int year,
     int month,
     int day,
     int hour,
     int minute,
     int second)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_utc ();

  return at (tz, year, month, day, hour, minute, second);
}

static void
assert_description_sane (const ChkSchedule *schedule)
{
  g_autofree char *description = chk_schedule_describe (schedule);

  g_assert_nonnull (description);
  g_assert_cmpstr (description, !=, "");
  g_assert_true (g_utf8_validate (description, -1, NULL));
}

/* Parses @text, which must be valid, and checks what every schedule must
 * have: its text back and a readable description. */
static ChkSchedule *
parse_valid (const char      *text,
             ChkScheduleKind  kind)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkSchedule) schedule = NULL;

  schedule = chk_schedule_parse (text, &error);
  if (error != NULL)
    g_test_message ("parsing \"%s\" failed: %s", text, error->message);
  g_assert_no_error (error);
  g_assert_nonnull (schedule);
  g_assert_cmpint (chk_schedule_get_kind (schedule), ==, kind);
  g_assert_cmpstr (chk_schedule_get_text (schedule), ==, text);
  assert_description_sane (schedule);

  return g_steal_pointer (&schedule);
}

static ChkScheduleKind
guess_kind (const char *text)
{
  if (text[0] == '\0')
    return CHK_SCHEDULE_MANUAL;
  if (strchr (text, '=') != NULL)
    return CHK_SCHEDULE_RRULE;
  return CHK_SCHEDULE_CRON;
}

/* Checks the runs of @text after @after twice: by chaining
 * chk_schedule_next() from each expected run to the following one, and with
 * one chk_schedule_next_runs() call. With @then_none, the schedule must be
 * exhausted after the last expected run. */
static void
check_runs (const char   *file,
            int           line,
            const char   *func,
            const char   *text,
            GTimeZone    *tz,
            gint64        start,
            gint64        after,
            gboolean      then_none,
            const gint64 *expected,
            guint         n_expected)
{
  g_autoptr(ChkSchedule) schedule = parse_valid (text, guess_kind (text));
  g_autofree gint64 *runs = g_new0 (gint64, n_expected + 3);
  gint64 previous = after;
  guint n;

  for (guint i = 0; i < n_expected; i++)
    {
      gint64 next = chk_schedule_next (schedule, tz, start, previous);

      if (next != expected[i])
        {
          g_autofree char *after_text = format_time (previous, tz);
          g_autofree char *what = NULL;

          what = g_strdup_printf ("\"%s\": chk_schedule_next() #%u, after %s", text, i, after_text);
          time_mismatch (file, line, func, what, tz, next, expected[i]);
        }
      previous = expected[i];
    }

  if (then_none)
    {
      gint64 next = chk_schedule_next (schedule, tz, start, previous);

      if (next != 0)
        {
          g_autofree char *what = NULL;

          what = g_strdup_printf ("\"%s\": chk_schedule_next() after the last run", text);
          time_mismatch (file, line, func, what, tz, next, 0);
        }
    }

  n = chk_schedule_next_runs (schedule, tz, start, after, runs, n_expected);
  if (n != n_expected)
    {
      g_autofree char *message = NULL;

      message = g_strdup_printf ("\"%s\": chk_schedule_next_runs() gave %u runs, expected %u",
                                 text, n, n_expected);
      g_assertion_message (G_LOG_DOMAIN, file, line, func, message);
    }
  for (guint i = 0; i < n_expected; i++)
    {
      if (runs[i] != expected[i])
        {
          g_autofree char *what = NULL;

          what = g_strdup_printf ("\"%s\": chk_schedule_next_runs()[%u]", text, i);
          time_mismatch (file, line, func, what, tz, runs[i], expected[i]);
        }
    }

  if (then_none)
    {
      n = chk_schedule_next_runs (schedule, tz, start, after, runs, n_expected + 3);
      if (n != n_expected)
        {
          g_autofree char *message = NULL;

          message = g_strdup_printf ("\"%s\": chk_schedule_next_runs() of an exhausted "
                                     "schedule gave %u runs, expected %u",
                                     text, n, n_expected);
          g_assertion_message (G_LOG_DOMAIN, file, line, func, message);
        }
    }
}

#define RUNS(...) ((const gint64[]) { __VA_ARGS__ })
#define N_RUNS(...) (G_N_ELEMENTS (RUNS (__VA_ARGS__)))

/* The runs after @after are exactly the given instants (and maybe more). */
#define assert_runs(text, tz, start, after, ...) \
  check_runs (__FILE__, __LINE__, G_STRFUNC, (text), (tz), (start), (after), FALSE, \
              RUNS (__VA_ARGS__), N_RUNS (__VA_ARGS__))

/* The runs after @after are exactly the given instants and no more. */
#define assert_last_runs(text, tz, start, after, ...) \
  check_runs (__FILE__, __LINE__, G_STRFUNC, (text), (tz), (start), (after), TRUE, \
              RUNS (__VA_ARGS__), N_RUNS (__VA_ARGS__))

static void
assert_same_runs (const char *text,
                  const char *reference,
                  GTimeZone  *tz,
                  gint64      start,
                  gint64      after)
{
  g_autoptr(ChkSchedule) schedule = parse_valid (text, guess_kind (text));
  g_autoptr(ChkSchedule) other = parse_valid (reference, guess_kind (reference));
  gint64 runs[20] = { 0 };
  gint64 reference_runs[20] = { 0 };
  guint n;

  n = chk_schedule_next_runs (schedule, tz, start, after, runs, G_N_ELEMENTS (runs));
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (runs));
  n = chk_schedule_next_runs (other, tz, start, after, reference_runs, G_N_ELEMENTS (runs));
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (runs));

  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      if (runs[i] != reference_runs[i])
        {
          g_autofree char *what = NULL;

          what = g_strdup_printf ("\"%s\" vs \"%s\": run #%u", text, reference, i);
          time_mismatch (__FILE__, __LINE__, G_STRFUNC, what, tz, runs[i], reference_runs[i]);
        }
    }
}

/* Cron */

static void
test_cron_every_minute (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");

  assert_runs ("* * * * *", tz, 0, utc (2026, 1, 15, 10, 20, 30),
               utc (2026, 1, 15, 10, 21, 0),
               utc (2026, 1, 15, 10, 22, 0),
               utc (2026, 1, 15, 10, 23, 0));
  /* Across an hour, a day, a month and a year. */
  assert_runs ("* * * * *", tz, 0, utc (2026, 12, 31, 23, 58, 0),
               utc (2026, 12, 31, 23, 59, 0),
               utc (2027, 1, 1, 0, 0, 0),
               utc (2027, 1, 1, 0, 1, 0));
}

static void
test_cron_strictly_after (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");
  g_autoptr(ChkSchedule) schedule = parse_valid ("*/15 * * * *", CHK_SCHEDULE_CRON);
  gint64 quarter = utc (2026, 1, 15, 10, 15, 0);

  /* Exactly on an occurrence: the following one. */
  assert_time (tz, chk_schedule_next (schedule, tz, 0, quarter), utc (2026, 1, 15, 10, 30, 0));
  /* One microsecond before or after. */
  assert_time (tz, chk_schedule_next (schedule, tz, 0, quarter - 1), quarter);
  assert_time (tz, chk_schedule_next (schedule, tz, 0, quarter + 1), utc (2026, 1, 15, 10, 30, 0));
  /* Cron runs fall on second 0. */
  assert_time (tz, chk_schedule_next (schedule, tz, 0, quarter - 30 * G_USEC_PER_SEC), quarter);

  /* The same through next_runs. */
  assert_runs ("*/15 * * * *", tz, 0, quarter,
               utc (2026, 1, 15, 10, 30, 0),
               utc (2026, 1, 15, 10, 45, 0));
}

static void
test_cron_step (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");

  assert_runs ("*/15 * * * *", tz, 0, utc (2026, 1, 15, 10, 20, 0),
               utc (2026, 1, 15, 10, 30, 0),
               utc (2026, 1, 15, 10, 45, 0),
               utc (2026, 1, 15, 11, 0, 0),
               utc (2026, 1, 15, 11, 15, 0));
  /* Steps count from the start of the range, not from the previous hour's
   * last run. */
  assert_runs ("*/25 * * * *", tz, 0, utc (2026, 1, 15, 10, 40, 0),
               utc (2026, 1, 15, 10, 50, 0),
               utc (2026, 1, 15, 11, 0, 0),
               utc (2026, 1, 15, 11, 25, 0));
  /* An hour step. */
  assert_runs ("30 */2 * * *", tz, 0, utc (2026, 1, 15, 9, 0, 0),
               utc (2026, 1, 15, 10, 30, 0),
               utc (2026, 1, 15, 12, 30, 0),
               utc (2026, 1, 15, 14, 30, 0));
  /* A month step: January, April, July, October. */
  assert_runs ("0 0 1 */3 *", tz, 0, utc (2026, 1, 15, 0, 0, 0),
               utc (2026, 4, 1, 0, 0, 0),
               utc (2026, 7, 1, 0, 0, 0),
               utc (2026, 10, 1, 0, 0, 0),
               utc (2027, 1, 1, 0, 0, 0));
}

static void
test_cron_range_step (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");

  assert_runs ("10-50/20 * * * *", tz, 0, utc (2026, 1, 15, 10, 0, 0),
               utc (2026, 1, 15, 10, 10, 0),
               utc (2026, 1, 15, 10, 30, 0),
               utc (2026, 1, 15, 10, 50, 0),
               utc (2026, 1, 15, 11, 10, 0));
}

static void
test_cron_list (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");

  assert_runs ("5,17,43 * * * *", tz, 0, utc (2026, 1, 15, 10, 20, 0),
               utc (2026, 1, 15, 10, 43, 0),
               utc (2026, 1, 15, 11, 5, 0),
               utc (2026, 1, 15, 11, 17, 0),
               utc (2026, 1, 15, 11, 43, 0));
  /* A list mixing values, ranges and steps, in no order. */
  assert_runs ("0 22,1-2,*/12 * * *", tz, 0, utc (2026, 1, 15, 10, 20, 0),
               utc (2026, 1, 15, 12, 0, 0),
               utc (2026, 1, 15, 22, 0, 0),
               utc (2026, 1, 16, 0, 0, 0),
               utc (2026, 1, 16, 1, 0, 0),
               utc (2026, 1, 16, 2, 0, 0),
               utc (2026, 1, 16, 12, 0, 0));
}

static void
test_cron_range (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");

  assert_runs ("0 9-11 * * *", tz, 0, utc (2026, 1, 15, 10, 20, 0),
               utc (2026, 1, 15, 11, 0, 0),
               utc (2026, 1, 16, 9, 0, 0),
               utc (2026, 1, 16, 10, 0, 0),
               utc (2026, 1, 16, 11, 0, 0),
               utc (2026, 1, 17, 9, 0, 0));
  /* A one-value range. */
  assert_same_runs ("0 9-9 * * *", "0 9 * * *", tz, 0, utc (2026, 1, 15, 10, 20, 0));
}

static void
test_cron_month_names (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");

  assert_runs ("0 0 1 JAN *", tz, 0, utc (2026, 2, 10, 0, 0, 0),
               utc (2027, 1, 1, 0, 0, 0),
               utc (2028, 1, 1, 0, 0, 0));
  assert_same_runs ("0 0 1 jan *", "0 0 1 1 *", tz, 0, utc (2026, 2, 10, 0, 0, 0));
  assert_same_runs ("0 0 1 Jan,jul *", "0 0 1 1,7 *", tz, 0, utc (2026, 2, 10, 0, 0, 0));
  assert_runs ("0 0 15 mar-MAY *", tz, 0, utc (2026, 2, 10, 0, 0, 0),
               utc (2026, 3, 15, 0, 0, 0),
               utc (2026, 4, 15, 0, 0, 0),
               utc (2026, 5, 15, 0, 0, 0),
               utc (2027, 3, 15, 0, 0, 0));
  assert_same_runs ("0 0 1 JAN,FEB,MAR,APR,MAY,JUN,JUL,AUG,SEP,OCT,NOV,DEC *",
                    "0 0 1 * *", tz, 0, utc (2026, 2, 10, 0, 0, 0));
}

static void
test_cron_day_names (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");

  /* 2026-01-16 is a Friday. */
  assert_runs ("0 9 * * MON-FRI", tz, 0, utc (2026, 1, 16, 10, 0, 0),
               utc (2026, 1, 19, 9, 0, 0),
               utc (2026, 1, 20, 9, 0, 0),
               utc (2026, 1, 21, 9, 0, 0),
               utc (2026, 1, 22, 9, 0, 0),
               utc (2026, 1, 23, 9, 0, 0),
               utc (2026, 1, 26, 9, 0, 0));
  assert_same_runs ("0 9 * * mon-fri", "0 9 * * 1-5", tz, 0, utc (2026, 1, 16, 10, 0, 0));
  assert_runs ("0 9 * * sun", tz, 0, utc (2026, 1, 16, 10, 0, 0),
               utc (2026, 1, 18, 9, 0, 0),
               utc (2026, 1, 25, 9, 0, 0));
  assert_same_runs ("0 9 * * Sun,WED", "0 9 * * 0,3", tz, 0, utc (2026, 1, 16, 10, 0, 0));
  assert_same_runs ("0 9 * * SAT", "0 9 * * 6", tz, 0, utc (2026, 1, 16, 10, 0, 0));
  assert_same_runs ("0 9 * * MON-WED,fri", "0 9 * * 1-3,5", tz, 0, utc (2026, 1, 16, 10, 0, 0));
}

static void
test_cron_sunday_0_7 (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");

  /* 2026-01-18 is a Sunday. */
  assert_runs ("0 12 * * 0", tz, 0, utc (2026, 1, 15, 0, 0, 0),
               utc (2026, 1, 18, 12, 0, 0),
               utc (2026, 1, 25, 12, 0, 0));
  assert_runs ("0 12 * * 7", tz, 0, utc (2026, 1, 15, 0, 0, 0),
               utc (2026, 1, 18, 12, 0, 0),
               utc (2026, 1, 25, 12, 0, 0));
  /* A range up to 7 ends on Sunday. */
  assert_runs ("0 12 * * 5-7", tz, 0, utc (2026, 1, 15, 0, 0, 0),
               utc (2026, 1, 16, 12, 0, 0),
               utc (2026, 1, 17, 12, 0, 0),
               utc (2026, 1, 18, 12, 0, 0),
               utc (2026, 1, 23, 12, 0, 0));
  /* Both at once is still one run a week. */
  assert_same_runs ("0 12 * * 0,7", "0 12 * * 0", tz, 0, utc (2026, 1, 15, 0, 0, 0));
}

static void
test_cron_vixie_or (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");

  /* Both day fields restricted: the 13th OR a Friday. January 2026 has
   * Fridays on 2, 9, 16, 23, 30; the 13th is a Tuesday; 2026-02-13 is a
   * Friday the 13th, which runs once. */
  assert_runs ("0 0 13 * 5", tz, 0, utc (2026, 1, 1, 0, 0, 0),
               utc (2026, 1, 2, 0, 0, 0),
               utc (2026, 1, 9, 0, 0, 0),
               utc (2026, 1, 13, 0, 0, 0),
               utc (2026, 1, 16, 0, 0, 0),
               utc (2026, 1, 23, 0, 0, 0),
               utc (2026, 1, 30, 0, 0, 0),
               utc (2026, 2, 6, 0, 0, 0),
               utc (2026, 2, 13, 0, 0, 0),
               utc (2026, 2, 20, 0, 0, 0));
}

static void
test_cron_day_of_month_only (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");

  /* Day-of-week '*': only the 13th. */
  assert_runs ("0 0 13 * *", tz, 0, utc (2026, 1, 1, 0, 0, 0),
               utc (2026, 1, 13, 0, 0, 0),
               utc (2026, 2, 13, 0, 0, 0),
               utc (2026, 3, 13, 0, 0, 0));
}

static void
test_cron_day_of_week_only (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");

  /* Day-of-month '*': only Fridays. */
  assert_runs ("0 0 * * 5", tz, 0, utc (2026, 1, 1, 0, 0, 0),
               utc (2026, 1, 2, 0, 0, 0),
               utc (2026, 1, 9, 0, 0, 0),
               utc (2026, 1, 16, 0, 0, 0));
  /* A month restriction ANDs with the day-of-week: Fridays of February. */
  assert_runs ("0 0 * 2 5", tz, 0, utc (2026, 1, 1, 0, 0, 0),
               utc (2026, 2, 6, 0, 0, 0),
               utc (2026, 2, 13, 0, 0, 0),
               utc (2026, 2, 20, 0, 0, 0),
               utc (2026, 2, 27, 0, 0, 0),
               utc (2027, 2, 5, 0, 0, 0));
}

static void
test_cron_day_of_month_step (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");

  /* Days 1, 8, 15, 22, 29 of every month: the step counts from 1. */
  assert_runs ("0 0 */7 * *", tz, 0, utc (2026, 1, 1, 0, 0, 0),
               utc (2026, 1, 8, 0, 0, 0),
               utc (2026, 1, 15, 0, 0, 0),
               utc (2026, 1, 22, 0, 0, 0),
               utc (2026, 1, 29, 0, 0, 0),
               utc (2026, 2, 1, 0, 0, 0),
               utc (2026, 2, 8, 0, 0, 0));
}

static void
test_cron_macros (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");
  g_autoptr(GTimeZone) berlin = zone ("Europe/Berlin");
  gint64 after = utc (2026, 1, 15, 10, 20, 0);

  assert_runs ("@yearly", tz, 0, after, utc (2027, 1, 1, 0, 0, 0), utc (2028, 1, 1, 0, 0, 0));
  assert_runs ("@annually", tz, 0, after, utc (2027, 1, 1, 0, 0, 0), utc (2028, 1, 1, 0, 0, 0));
  assert_runs ("@monthly", tz, 0, after, utc (2026, 2, 1, 0, 0, 0), utc (2026, 3, 1, 0, 0, 0));
  /* 2026-01-18 is a Sunday. */
  assert_runs ("@weekly", tz, 0, after, utc (2026, 1, 18, 0, 0, 0), utc (2026, 1, 25, 0, 0, 0));
  assert_runs ("@daily", tz, 0, after, utc (2026, 1, 16, 0, 0, 0), utc (2026, 1, 17, 0, 0, 0));
  assert_runs ("@midnight", tz, 0, after, utc (2026, 1, 16, 0, 0, 0), utc (2026, 1, 17, 0, 0, 0));
  assert_runs ("@hourly", tz, 0, after, utc (2026, 1, 15, 11, 0, 0), utc (2026, 1, 15, 12, 0, 0));

  /* Macros are wall-clock times in the zone. */
  assert_runs ("@daily", berlin, 0, after,
               at (berlin, 2026, 1, 16, 0, 0, 0),
               utc (2026, 1, 16, 23, 0, 0));
}

static void
test_cron_macro_equivalence (void)
{
  static const char * const pairs[][2] = {
    { "@yearly", "0 0 1 1 *" },
    { "@annually", "0 0 1 1 *" },
    { "@monthly", "0 0 1 * *" },
    { "@weekly", "0 0 * * 0" },
    { "@daily", "0 0 * * *" },
    { "@midnight", "0 0 * * *" },
    { "@hourly", "0 * * * *" },
  };
  g_autoptr(GTimeZone) tz = zone ("America/New_York");

  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    assert_same_runs (pairs[i][0], pairs[i][1], tz, 0, utc (2026, 2, 20, 7, 7, 7));
}

static void
test_cron_feb_29 (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");

  assert_runs ("0 0 29 2 *", tz, 0, utc (2025, 1, 1, 0, 0, 0),
               utc (2028, 2, 29, 0, 0, 0),
               utc (2032, 2, 29, 0, 0, 0));
  /* 2100 is not a leap year. */
  assert_runs ("0 0 29 2 *", tz, 0, utc (2096, 3, 1, 0, 0, 0),
               utc (2104, 2, 29, 0, 0, 0));
}

static void
test_cron_day_31 (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");

  assert_runs ("0 0 31 * *", tz, 0, utc (2026, 1, 31, 0, 0, 0),
               utc (2026, 3, 31, 0, 0, 0),
               utc (2026, 5, 31, 0, 0, 0),
               utc (2026, 7, 31, 0, 0, 0),
               utc (2026, 8, 31, 0, 0, 0),
               utc (2026, 10, 31, 0, 0, 0),
               utc (2026, 12, 31, 0, 0, 0),
               utc (2027, 1, 31, 0, 0, 0));
}

static void
test_cron_impossible_day_or_weekday (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");

  /* February 30th never comes, but with both day fields restricted the
   * Mondays of February still match (Vixie OR), so this one is valid. */
  assert_runs ("0 0 30 2 1", tz, 0, utc (2026, 1, 1, 0, 0, 0),
               utc (2026, 2, 2, 0, 0, 0),
               utc (2026, 2, 9, 0, 0, 0),
               utc (2026, 2, 16, 0, 0, 0),
               utc (2026, 2, 23, 0, 0, 0),
               utc (2027, 2, 1, 0, 0, 0));
}

static void
test_cron_year_boundary (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");

  assert_runs ("0 0 1 1 *", tz, 0, utc (2026, 12, 31, 23, 59, 59),
               utc (2027, 1, 1, 0, 0, 0));
  assert_runs ("59 23 31 12 *", tz, 0, utc (2026, 12, 31, 23, 59, 0),
               utc (2027, 12, 31, 23, 59, 0));
}

static void
test_cron_separators (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");

  /* Fields are separated by runs of spaces and tabs, as in crontab(5). */
  assert_same_runs ("0  9 *\t* *", "0 9 * * *", tz, 0, utc (2026, 1, 15, 0, 0, 0));
}

static void
test_cron_far_future (void)
{
  g_autoptr(GTimeZone) tz = zone ("Europe/Berlin");

  assert_runs ("* * * * *", tz, 0, at (tz, 2199, 12, 31, 23, 59, 0),
               at (tz, 2200, 1, 1, 0, 0, 0));
  assert_runs ("0 0 29 2 *", tz, 0, at (tz, 2195, 6, 1, 0, 0, 0),
               at (tz, 2196, 2, 29, 0, 0, 0));
  /* Far in the past too. */
  assert_runs ("0 12 * * *", tz, 0, utc (1970, 1, 2, 0, 0, 0),
               at (tz, 1970, 1, 2, 12, 0, 0));
}

/* Daylight-saving time */

static void
test_dst_berlin_gap (void)
{
  g_autoptr(GTimeZone) tz = zone ("Europe/Berlin");

  /* 2026-03-29 02:00 CET jumps to 03:00 CEST: 02:30 does not exist and
   * runs at 03:00 CEST = 01:00 UTC. */
  assert_runs ("30 2 * * *", tz, 0, at (tz, 2026, 3, 28, 12, 0, 0),
               utc (2026, 3, 29, 1, 0, 0),
               utc (2026, 3, 30, 0, 30, 0),
               utc (2026, 3, 31, 0, 30, 0));
  /* The day before is a normal CET day. */
  assert_runs ("30 2 * * *", tz, 0, at (tz, 2026, 3, 27, 12, 0, 0),
               utc (2026, 3, 28, 1, 30, 0),
               utc (2026, 3, 29, 1, 0, 0));
}

static void
test_dst_berlin_gap_collapse (void)
{
  g_autoptr(GTimeZone) tz = zone ("Europe/Berlin");

  /* 02:00 and 02:30 both fall into the gap and become one run at 03:00. */
  assert_runs ("0,30 2 * * *", tz, 0, at (tz, 2026, 3, 28, 12, 0, 0),
               utc (2026, 3, 29, 1, 0, 0),
               utc (2026, 3, 30, 0, 0, 0),
               utc (2026, 3, 30, 0, 30, 0));
  /* 02:30 becomes 03:00, which is also 03:00 itself: one run, then 03:30. */
  assert_runs ("0,30 2,3 * * *", tz, 0, at (tz, 2026, 3, 29, 0, 0, 0),
               utc (2026, 3, 29, 1, 0, 0),
               utc (2026, 3, 29, 1, 30, 0),
               utc (2026, 3, 30, 0, 0, 0));
}

static void
test_dst_berlin_gap_every_15 (void)
{
  g_autoptr(GTimeZone) tz = zone ("Europe/Berlin");
  g_autoptr(ChkSchedule) schedule = parse_valid ("*/15 * * * *", CHK_SCHEDULE_CRON);
  gint64 runs[16];
  guint n;

  /* 01:45 CET = 00:45 UTC; 02:00-02:45 do not exist and collapse into 03:00
   * CEST = 01:00 UTC, which is also 03:00 itself. */
  assert_runs ("*/15 * * * *", tz, 0, utc (2026, 3, 29, 0, 30, 0),
               utc (2026, 3, 29, 0, 45, 0),
               utc (2026, 3, 29, 1, 0, 0),
               utc (2026, 3, 29, 1, 15, 0),
               utc (2026, 3, 29, 1, 30, 0));

  n = chk_schedule_next_runs (schedule, tz, 0, utc (2026, 3, 28, 23, 0, 0),
                              runs, G_N_ELEMENTS (runs));
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (runs));
  for (guint i = 1; i < n; i++)
    {
      g_assert_cmpint (runs[i], >, runs[i - 1]);
      g_assert_cmpint (runs[i] - runs[i - 1], ==, 15 * G_TIME_SPAN_MINUTE);
    }
}

static void
test_dst_berlin_repeat (void)
{
  g_autoptr(GTimeZone) tz = zone ("Europe/Berlin");

  /* 2026-10-25 03:00 CEST goes back to 02:00 CET: 02:30 happens twice and
   * runs at the first one, 02:30 CEST = 00:30 UTC, not at 01:30 UTC. */
  assert_runs ("30 2 * * *", tz, 0, at (tz, 2026, 10, 24, 12, 0, 0),
               utc (2026, 10, 25, 0, 30, 0),
               utc (2026, 10, 26, 1, 30, 0),
               utc (2026, 10, 27, 1, 30, 0));
  /* Asking from between the two 02:30s gives the next day's. */
  assert_runs ("30 2 * * *", tz, 0, utc (2026, 10, 25, 1, 0, 0),
               utc (2026, 10, 26, 1, 30, 0));
}

static void
test_dst_berlin_repeat_every_15 (void)
{
  g_autoptr(GTimeZone) tz = zone ("Europe/Berlin");

  /* 02:00-02:45 CEST (00:00-00:45 UTC) run; the repeated 02:00-02:45 CET
   * (01:00-01:45 UTC) do not; the next run is 03:00 CET = 02:00 UTC. */
  assert_runs ("*/15 * * * *", tz, 0, utc (2026, 10, 24, 23, 50, 0),
               utc (2026, 10, 25, 0, 0, 0),
               utc (2026, 10, 25, 0, 15, 0),
               utc (2026, 10, 25, 0, 30, 0),
               utc (2026, 10, 25, 0, 45, 0),
               utc (2026, 10, 25, 2, 0, 0),
               utc (2026, 10, 25, 2, 15, 0));
  /* Asking from inside the repeated hour. */
  assert_runs ("*/15 * * * *", tz, 0, utc (2026, 10, 25, 1, 10, 0),
               utc (2026, 10, 25, 2, 0, 0));
}

static void
test_dst_berlin_daily_year (void)
{
  g_autoptr(GTimeZone) tz = zone ("Europe/Berlin");
  g_autoptr(ChkSchedule) schedule = parse_valid ("30 2 * * *", CHK_SCHEDULE_CRON);
  g_autoptr(GDateTime) day = g_date_time_new (tz, 2026, 1, 1, 12, 0, 0);
  gint64 runs[365];
  guint n;

  /* One run on every day of 2026, including both clock changes. */
  n = chk_schedule_next_runs (schedule, tz, 0, at (tz, 2025, 12, 31, 12, 0, 0),
                              runs, G_N_ELEMENTS (runs));
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (runs));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GDateTime) run = g_date_time_new_from_unix_utc (runs[i] / G_USEC_PER_SEC);
      g_autoptr(GDateTime) local = g_date_time_to_timezone (run, tz);
      GDateTime *next_day;
      gint64 expected;

      g_assert_cmpint (runs[i] % G_USEC_PER_SEC, ==, 0);
      /* g_date_time_new() picks either instance of a repeated time, so the
       * two special days are spelled out in UTC. */
      if (g_date_time_get_month (day) == 3 && g_date_time_get_day_of_month (day) == 29)
        expected = utc (2026, 3, 29, 1, 0, 0);
      else if (g_date_time_get_month (day) == 10 && g_date_time_get_day_of_month (day) == 25)
        expected = utc (2026, 10, 25, 0, 30, 0);
      else
        expected = at (tz,
                       g_date_time_get_year (day),
                       g_date_time_get_month (day),
                       g_date_time_get_day_of_month (day),
                       2, 30, 0);
      assert_time (tz, runs[i], expected);
      g_assert_cmpint (g_date_time_get_day_of_year (local), ==, g_date_time_get_day_of_year (day));

      next_day = g_date_time_add_days (day, 1);
      g_date_time_unref (day);
      day = next_day;
    }
}

static void
test_dst_new_york_gap (void)
{
  g_autoptr(GTimeZone) tz = zone ("America/New_York");

  /* 2026-03-08 02:00 EST jumps to 03:00 EDT; 02:30 runs at 03:00 EDT =
   * 07:00 UTC. */
  assert_runs ("30 2 * * *", tz, 0, at (tz, 2026, 3, 7, 12, 0, 0),
               utc (2026, 3, 8, 7, 0, 0),
               utc (2026, 3, 9, 6, 30, 0));
  assert_runs ("*/20 * * * *", tz, 0, utc (2026, 3, 8, 6, 30, 0),
               utc (2026, 3, 8, 6, 40, 0),
               utc (2026, 3, 8, 7, 0, 0),
               utc (2026, 3, 8, 7, 20, 0));
}

static void
test_dst_new_york_repeat (void)
{
  g_autoptr(GTimeZone) tz = zone ("America/New_York");

  /* 2026-11-01 02:00 EDT goes back to 01:00 EST: 01:30 runs once, at 01:30
   * EDT = 05:30 UTC; the next is 2026-11-02 01:30 EST = 06:30 UTC. */
  assert_runs ("30 1 * * *", tz, 0, at (tz, 2026, 10, 31, 12, 0, 0),
               utc (2026, 11, 1, 5, 30, 0),
               utc (2026, 11, 2, 6, 30, 0));
  assert_runs ("0 * * * *", tz, 0, utc (2026, 11, 1, 4, 30, 0),
               utc (2026, 11, 1, 5, 0, 0),
               utc (2026, 11, 1, 7, 0, 0),
               utc (2026, 11, 1, 8, 0, 0));
}

static void
test_dst_lord_howe (void)
{
  g_autoptr(GTimeZone) tz = zone ("Australia/Lord_Howe");

  /* A half-hour shift. 2026-10-04 02:00 +10:30 jumps to 02:30 +11:00, so
   * 02:15 runs at 02:30 +11:00 = 2026-10-03 15:30 UTC. */
  assert_runs ("15 2 * * *", tz, 0, at (tz, 2026, 10, 3, 12, 0, 0),
               utc (2026, 10, 3, 15, 30, 0),
               utc (2026, 10, 4, 15, 15, 0));
  /* 2026-04-05 02:00 +11:00 goes back to 01:30 +10:30: 01:45 runs once,
   * at 01:45 +11:00 = 2026-04-04 14:45 UTC. */
  assert_runs ("45 1 * * *", tz, 0, at (tz, 2026, 4, 4, 12, 0, 0),
               utc (2026, 4, 4, 14, 45, 0),
               utc (2026, 4, 5, 15, 15, 0));
}

static void
test_dst_chatham (void)
{
  g_autoptr(GTimeZone) tz = zone ("Pacific/Chatham");
  g_autoptr(ChkSchedule) schedule = parse_valid ("0 9 * * *", CHK_SCHEDULE_CRON);
  gint64 next;
  g_autoptr(GDateTime) next_dt = NULL;
  g_autoptr(GDateTime) local = NULL;

  /* 2026-01-15 00:00 UTC is 13:45 +13:45 in Chatham; 09:00 local the next
   * day is 19:15 UTC. */
  assert_runs ("0 9 * * *", tz, 0, utc (2026, 1, 15, 0, 0, 0),
               utc (2026, 1, 15, 19, 15, 0),
               at (tz, 2026, 1, 17, 9, 0, 0));

  /* In winter (+12:45). */
  next = chk_schedule_next (schedule, tz, 0, utc (2026, 7, 1, 0, 0, 0));
  next_dt = g_date_time_new_from_unix_utc (next / G_USEC_PER_SEC);
  local = g_date_time_to_timezone (next_dt, tz);
  g_assert_cmpint (g_date_time_get_hour (local), ==, 9);
  g_assert_cmpint (g_date_time_get_minute (local), ==, 0);
  g_assert_cmpint (g_date_time_get_second (local), ==, 0);
  assert_time (tz, next, utc (2026, 7, 1, 20, 15, 0));

  /* 2026-09-27 02:45 +12:45 jumps to 03:45 +13:45: 03:00 and 03:30 run
   * once, at 03:45 = 14:00 UTC, and 04:00 and 04:30 follow. */
  assert_runs ("0,30 3,4 * * *", tz, 0, utc (2026, 9, 26, 12, 0, 0),
               utc (2026, 9, 26, 14, 0, 0),
               utc (2026, 9, 26, 14, 15, 0),
               utc (2026, 9, 26, 14, 45, 0),
               at (tz, 2026, 9, 28, 3, 0, 0));
}

static void
test_dst_local_zone (void)
{
  g_autoptr(GTimeZone) tz = zone ("");
  g_autoptr(GTimeZone) utc_tz = zone ("UTC");

  /* The empty identifier is the machine's zone (TZ=Pacific/Chatham when run
   * by meson); whatever it is, runs are wall-clock times in it. */
  assert_runs ("0 9 * * *", tz, 0, at (tz, 2026, 1, 15, 12, 0, 0),
               at (tz, 2026, 1, 16, 9, 0, 0),
               at (tz, 2026, 1, 17, 9, 0, 0));

  /* Different zones give different instants for the same schedule. */
  assert_runs ("0 9 * * *", utc_tz, 0, utc (2026, 1, 15, 12, 0, 0),
               utc (2026, 1, 16, 9, 0, 0));
}

static void
test_dst_zones_differ (void)
{
  g_autoptr(GTimeZone) utc_tz = zone ("UTC");
  g_autoptr(GTimeZone) berlin = zone ("Europe/Berlin");
  g_autoptr(GTimeZone) new_york = zone ("America/New_York");
  g_autoptr(ChkSchedule) schedule = parse_valid ("0 9 * * *", CHK_SCHEDULE_CRON);
  gint64 after = utc (2026, 1, 15, 12, 0, 0);

  assert_time (utc_tz, chk_schedule_next (schedule, utc_tz, 0, after), utc (2026, 1, 16, 9, 0, 0));
  assert_time (berlin, chk_schedule_next (schedule, berlin, 0, after), utc (2026, 1, 16, 8, 0, 0));
  /* 07:00 in New York: today's 09:00 is still to come. */
  assert_time (new_york, chk_schedule_next (schedule, new_york, 0, after),
               utc (2026, 1, 15, 14, 0, 0));
  /* Summer time. */
  after = utc (2026, 7, 15, 12, 0, 0);
  assert_time (berlin, chk_schedule_next (schedule, berlin, 0, after), utc (2026, 7, 16, 7, 0, 0));
  assert_time (new_york, chk_schedule_next (schedule, new_york, 0, after),
               utc (2026, 7, 15, 13, 0, 0));
}

/* Recurrence rules */

static void
test_rrule_prefix (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");
  gint64 start = utc (2026, 1, 15, 9, 0, 0);

  assert_runs ("FREQ=DAILY", tz, start, start,
               utc (2026, 1, 16, 9, 0, 0),
               utc (2026, 1, 17, 9, 0, 0));
  assert_runs ("RRULE:FREQ=DAILY", tz, start, start,
               utc (2026, 1, 16, 9, 0, 0),
               utc (2026, 1, 17, 9, 0, 0));
  assert_same_runs ("RRULE:FREQ=WEEKLY;BYDAY=TU,TH", "FREQ=WEEKLY;BYDAY=TU,TH",
                    tz, start, start);
}

static void
test_rrule_start_is_first (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");
  gint64 start = utc (2026, 1, 15, 9, 0, 0);

  /* The start itself is the first occurrence; nothing comes before it. */
  assert_runs ("FREQ=DAILY", tz, start, start - G_TIME_SPAN_HOUR,
               start,
               utc (2026, 1, 16, 9, 0, 0));
  assert_runs ("FREQ=DAILY", tz, start, utc (2020, 1, 1, 0, 0, 0),
               start);
  assert_runs ("FREQ=DAILY", tz, start, start - 1, start);
}

static void
test_rrule_secondly (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");
  gint64 start = utc (2026, 1, 15, 10, 0, 0);

  assert_runs ("FREQ=SECONDLY;INTERVAL=5", tz, start, start,
               start + 5 * G_TIME_SPAN_SECOND,
               start + 10 * G_TIME_SPAN_SECOND,
               start + 15 * G_TIME_SPAN_SECOND,
               start + 20 * G_TIME_SPAN_SECOND);
  /* Between occurrences, including a fraction of a second. */
  assert_runs ("FREQ=SECONDLY;INTERVAL=5", tz, start, start + 7 * G_TIME_SPAN_SECOND,
               start + 10 * G_TIME_SPAN_SECOND);
  assert_runs ("FREQ=SECONDLY;INTERVAL=5", tz, start, start + 4500 * G_TIME_SPAN_MILLISECOND,
               start + 5 * G_TIME_SPAN_SECOND);
  assert_runs ("FREQ=SECONDLY", tz, start, start + G_TIME_SPAN_HOUR,
               start + G_TIME_SPAN_HOUR + G_TIME_SPAN_SECOND,
               start + G_TIME_SPAN_HOUR + 2 * G_TIME_SPAN_SECOND);
}

static void
test_rrule_minutely (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");
  gint64 start = utc (2026, 1, 15, 10, 0, 0);

  assert_runs ("FREQ=MINUTELY;INTERVAL=15", tz, start, utc (2026, 1, 15, 10, 20, 0),
               utc (2026, 1, 15, 10, 30, 0),
               utc (2026, 1, 15, 10, 45, 0),
               utc (2026, 1, 15, 11, 0, 0));
  /* Seconds of the start are kept. */
  assert_runs ("FREQ=MINUTELY", tz, start + 30 * G_TIME_SPAN_SECOND, start + G_TIME_SPAN_HOUR,
               utc (2026, 1, 15, 11, 0, 30),
               utc (2026, 1, 15, 11, 1, 30));
}

static void
test_rrule_minutely_byhour (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");

  /* BYHOUR limits a MINUTELY rule to those hours (RFC 5545 §3.3.10): every
   * 15 minutes from 09:00 to 10:45, not once an hour. */
  assert_runs ("FREQ=MINUTELY;INTERVAL=15;BYHOUR=9,10", tz,
               utc (2026, 1, 15, 9, 0, 0), utc (2026, 1, 15, 9, 0, 0),
               utc (2026, 1, 15, 9, 15, 0),
               utc (2026, 1, 15, 9, 30, 0),
               utc (2026, 1, 15, 9, 45, 0),
               utc (2026, 1, 15, 10, 0, 0),
               utc (2026, 1, 15, 10, 15, 0),
               utc (2026, 1, 15, 10, 30, 0),
               utc (2026, 1, 15, 10, 45, 0),
               utc (2026, 1, 16, 9, 0, 0));
  /* On a 9-minute grid from 10:00, hours 11 and 23 start at :03. */
  assert_runs ("FREQ=MINUTELY;INTERVAL=9;BYHOUR=23,11", tz,
               utc (2026, 1, 15, 10, 0, 0), utc (2026, 1, 15, 10, 0, 0),
               utc (2026, 1, 15, 11, 3, 0),
               utc (2026, 1, 15, 11, 12, 0),
               utc (2026, 1, 15, 11, 21, 0));
}

static void
test_rrule_secondly_byminute (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");

  /* BYMINUTE limits a SECONDLY rule to that minute of every hour. */
  assert_runs ("FREQ=SECONDLY;INTERVAL=20;BYMINUTE=5", tz,
               utc (2026, 1, 15, 10, 5, 0), utc (2026, 1, 15, 10, 5, 0),
               utc (2026, 1, 15, 10, 5, 20),
               utc (2026, 1, 15, 10, 5, 40),
               utc (2026, 1, 15, 11, 5, 0),
               utc (2026, 1, 15, 11, 5, 20));
}

static void
test_rrule_hourly_byminute (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");
  gint64 start = utc (2026, 1, 15, 10, 0, 0);

  assert_runs ("FREQ=HOURLY;BYMINUTE=0,30", tz, start, utc (2026, 1, 15, 10, 10, 0),
               utc (2026, 1, 15, 10, 30, 0),
               utc (2026, 1, 15, 11, 0, 0),
               utc (2026, 1, 15, 11, 30, 0));
  assert_runs ("FREQ=HOURLY;INTERVAL=3;BYMINUTE=15", tz, utc (2026, 1, 15, 10, 15, 0),
               utc (2026, 1, 15, 10, 15, 0),
               utc (2026, 1, 15, 13, 15, 0),
               utc (2026, 1, 15, 16, 15, 0));
}

static void
test_rrule_daily_byhour_byminute (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");
  gint64 start = utc (2026, 1, 15, 9, 30, 0);

  assert_runs ("FREQ=DAILY;BYHOUR=9,17;BYMINUTE=30", tz, start, start,
               utc (2026, 1, 15, 17, 30, 0),
               utc (2026, 1, 16, 9, 30, 0),
               utc (2026, 1, 16, 17, 30, 0),
               utc (2026, 1, 17, 9, 30, 0));
  assert_runs ("FREQ=DAILY;BYHOUR=9,17;BYMINUTE=30", tz, start, utc (2026, 1, 20, 12, 0, 0),
               utc (2026, 1, 20, 17, 30, 0));
}

static void
test_rrule_weekly_byday (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");
  /* 2026-01-12 is a Monday. */
  gint64 start = utc (2026, 1, 12, 8, 0, 0);

  assert_runs ("FREQ=WEEKLY;BYDAY=MO,WE,FR", tz, start, start,
               utc (2026, 1, 14, 8, 0, 0),
               utc (2026, 1, 16, 8, 0, 0),
               utc (2026, 1, 19, 8, 0, 0),
               utc (2026, 1, 21, 8, 0, 0));
  /* Every other Monday, aligned to the start's week. */
  assert_runs ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", tz, start, utc (2026, 1, 20, 0, 0, 0),
               utc (2026, 1, 26, 8, 0, 0),
               utc (2026, 2, 9, 8, 0, 0));
}

static void
test_rrule_monthly_bymonthday_31 (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");
  gint64 start = utc (2026, 1, 31, 12, 0, 0);

  assert_runs ("FREQ=MONTHLY;BYMONTHDAY=31", tz, start, start,
               utc (2026, 3, 31, 12, 0, 0),
               utc (2026, 5, 31, 12, 0, 0),
               utc (2026, 7, 31, 12, 0, 0),
               utc (2026, 8, 31, 12, 0, 0),
               utc (2026, 10, 31, 12, 0, 0));
}

static void
test_rrule_monthly_last_day (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");

  assert_runs ("FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=23;BYMINUTE=0", tz,
               utc (2026, 1, 31, 23, 0, 0), utc (2026, 1, 31, 23, 0, 0),
               utc (2026, 2, 28, 23, 0, 0),
               utc (2026, 3, 31, 23, 0, 0),
               utc (2026, 4, 30, 23, 0, 0));
  assert_runs ("FREQ=MONTHLY;BYMONTHDAY=-1", tz,
               utc (2026, 1, 31, 6, 0, 0), utc (2028, 2, 1, 0, 0, 0),
               utc (2028, 2, 29, 6, 0, 0),
               utc (2028, 3, 31, 6, 0, 0));
}

static void
test_rrule_monthly_last_friday (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");
  /* 2026-01-30 is the last Friday of January. */
  gint64 start = utc (2026, 1, 30, 9, 0, 0);

  assert_runs ("FREQ=MONTHLY;BYDAY=-1FR", tz, start, start,
               utc (2026, 2, 27, 9, 0, 0),
               utc (2026, 3, 27, 9, 0, 0),
               utc (2026, 4, 24, 9, 0, 0));
}

static void
test_rrule_yearly (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");
  gint64 start = utc (2026, 7, 4, 10, 0, 0);

  assert_runs ("FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=4", tz, start, start,
               utc (2027, 7, 4, 10, 0, 0),
               utc (2028, 7, 4, 10, 0, 0));
  assert_runs ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", tz, utc (2024, 2, 29, 0, 0, 0),
               utc (2025, 1, 1, 0, 0, 0),
               utc (2028, 2, 29, 0, 0, 0),
               utc (2032, 2, 29, 0, 0, 0));
}

static void
test_rrule_bysetpos (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");
  /* The last weekday of the month; 2026-01-30 is a Friday. */
  gint64 start = utc (2026, 1, 30, 9, 0, 0);

  assert_runs ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", tz, start, start,
               utc (2026, 2, 27, 9, 0, 0),
               utc (2026, 3, 31, 9, 0, 0),
               utc (2026, 4, 30, 9, 0, 0),
               utc (2026, 5, 29, 9, 0, 0));
}

typedef struct
{
  const char *name;
  const char *rule;
  int         start[6];
  int         after[6];
  gboolean    then_none;
  guint       n_runs;
  int         runs[5][6];
} RuleCase;

/* BYSETPOS in every frequency (UTC). Positions are taken among the
 * date-times of each period's whole set; times before the start are dropped
 * after that. Every expected run was computed with python-dateutil's rrule,
 * with BYMINUTE=0;BYSECOND=0 added as chk_schedule_parse() fills them in. */
static const RuleCase setpos_cases[] = {
  { "weekly-last-weekday", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 9, 0, 0 }, FALSE, 4,
    { { 2024, 1, 19, 9, 0, 0 }, { 2024, 1, 26, 9, 0, 0 }, { 2024, 2, 2, 9, 0, 0 },
      { 2024, 2, 9, 9, 0, 0 } } },
  { "daily-first-hour", "FREQ=DAILY;BYHOUR=9,17;BYSETPOS=1",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 8, 59, 59 }, FALSE, 3,
    { { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 16, 9, 0, 0 }, { 2024, 1, 17, 9, 0, 0 } } },
  { "monthly-last-time-of-day-1", "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9,17;BYSETPOS=-1",
    { 2024, 1, 1, 9, 0, 0 }, { 2024, 1, 1, 8, 59, 59 }, FALSE, 3,
    { { 2024, 1, 1, 17, 0, 0 }, { 2024, 2, 1, 17, 0, 0 }, { 2024, 3, 1, 17, 0, 0 } } },
  /* Without a day part, a MONTHLY rule's day is its start's (RFC 5545):
   * the set of a month is that day at 09:00 and 17:00. */
  { "monthly-byhour-from-1st", "FREQ=MONTHLY;BYHOUR=9,17;BYSETPOS=2",
    { 2024, 1, 1, 9, 0, 0 }, { 2024, 1, 1, 8, 59, 59 }, FALSE, 3,
    { { 2024, 1, 1, 17, 0, 0 }, { 2024, 2, 1, 17, 0, 0 }, { 2024, 3, 1, 17, 0, 0 } } },
  { "monthly-byhour-from-15th", "FREQ=MONTHLY;BYHOUR=9,17;BYSETPOS=2",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 8, 59, 59 }, FALSE, 3,
    { { 2024, 1, 15, 17, 0, 0 }, { 2024, 2, 15, 17, 0, 0 }, { 2024, 3, 15, 17, 0, 0 } } },
  { "monthly-second-to-last-weekday", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 8, 59, 59 }, FALSE, 4,
    { { 2024, 1, 30, 9, 0, 0 }, { 2024, 2, 28, 9, 0, 0 }, { 2024, 3, 28, 9, 0, 0 },
      { 2024, 4, 29, 9, 0, 0 } } },
  { "yearly-bymonth", "FREQ=YEARLY;BYMONTH=1,7;BYDAY=MO;BYSETPOS=3,-1",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 8, 59, 59 }, FALSE, 4,
    { { 2024, 1, 15, 9, 0, 0 }, { 2024, 7, 29, 9, 0, 0 }, { 2025, 1, 20, 9, 0, 0 },
      { 2025, 7, 28, 9, 0, 0 } } },
  { "yearly-byday-positions", "FREQ=YEARLY;BYDAY=1MO,-1FR;BYSETPOS=-1",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 8, 59, 59 }, FALSE, 3,
    { { 2024, 12, 27, 9, 0, 0 }, { 2025, 12, 26, 9, 0, 0 }, { 2026, 12, 25, 9, 0, 0 } } },
  { "hourly-last-minute", "FREQ=HOURLY;BYMINUTE=0,20,40;BYSETPOS=-1",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 9, 0, 0 }, FALSE, 3,
    { { 2024, 1, 15, 9, 40, 0 }, { 2024, 1, 15, 10, 40, 0 }, { 2024, 1, 15, 11, 40, 0 } } },
  { "hourly-negative", "FREQ=HOURLY;BYMINUTE=0,20,40;BYSETPOS=1,-2",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 9, 0, 0 }, FALSE, 4,
    { { 2024, 1, 15, 9, 20, 0 }, { 2024, 1, 15, 10, 0, 0 }, { 2024, 1, 15, 10, 20, 0 },
      { 2024, 1, 15, 11, 0, 0 } } },
  { "minutely", "FREQ=MINUTELY;BYSECOND=0,15,30,45;BYSETPOS=2",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 9, 0, 0 }, FALSE, 3,
    { { 2024, 1, 15, 9, 0, 15 }, { 2024, 1, 15, 9, 1, 15 }, { 2024, 1, 15, 9, 2, 15 } } },
  /* January 1st is before the start: neither run nor counted. */
  { "count", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1,-1;COUNT=5",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 1, 0, 0, 0 }, TRUE, 5,
    { { 2024, 1, 31, 9, 0, 0 }, { 2024, 2, 1, 9, 0, 0 }, { 2024, 2, 29, 9, 0, 0 },
      { 2024, 3, 1, 9, 0, 0 }, { 2024, 3, 29, 9, 0, 0 } } },
  { "hourly-count", "FREQ=HOURLY;INTERVAL=2;BYMINUTE=0,30;BYSETPOS=2;COUNT=3",
    { 2024, 1, 15, 9, 15, 0 }, { 2024, 1, 1, 0, 0, 0 }, TRUE, 3,
    { { 2024, 1, 15, 9, 30, 0 }, { 2024, 1, 15, 11, 30, 0 }, { 2024, 1, 15, 13, 30, 0 } } },
  { "until", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;UNTIL=20240202T090000Z",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 1, 0, 0, 0 }, TRUE, 3,
    { { 2024, 1, 19, 9, 0, 0 }, { 2024, 1, 26, 9, 0, 0 }, { 2024, 2, 2, 9, 0, 0 } } },
  { "start-mid-month", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 1, 0, 0, 0 }, FALSE, 3,
    { { 2024, 2, 1, 9, 0, 0 }, { 2024, 3, 1, 9, 0, 0 }, { 2024, 4, 1, 9, 0, 0 } } },
  { "start-mid-day", "FREQ=DAILY;BYHOUR=9,17;BYSETPOS=1",
    { 2024, 1, 15, 12, 0, 0 }, { 2024, 1, 1, 0, 0, 0 }, FALSE, 3,
    { { 2024, 1, 16, 9, 0, 0 }, { 2024, 1, 17, 9, 0, 0 }, { 2024, 1, 18, 9, 0, 0 } } },
  { "daily-interval", "FREQ=DAILY;INTERVAL=3;BYHOUR=6,12,18;BYSETPOS=-1,2",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 8, 59, 59 }, FALSE, 4,
    { { 2024, 1, 15, 12, 0, 0 }, { 2024, 1, 15, 18, 0, 0 }, { 2024, 1, 18, 12, 0, 0 },
      { 2024, 1, 18, 18, 0, 0 } } },
  { "weekly-wkst-interval", "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE,FR;WKST=TH;BYSETPOS=1",
    { 2024, 1, 11, 9, 0, 0 }, { 2024, 1, 11, 8, 59, 59 }, FALSE, 3,
    { { 2024, 1, 12, 9, 0, 0 }, { 2024, 1, 26, 9, 0, 0 }, { 2024, 2, 9, 9, 0, 0 } } },
  /* The set of the start's week (Thursday 11 to Wednesday 17) is Friday 12
   * then Wednesday 17; position 1 is before the start. dateutil gives
   * Wednesday 17 here, as it starts the first week's set at the start
   * rather than at WKST; it does take whole periods for other frequencies. */
  { "weekly-start-mid-week", "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE,FR;WKST=TH;BYSETPOS=1",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 8, 59, 59 }, FALSE, 3,
    { { 2024, 1, 26, 9, 0, 0 }, { 2024, 2, 9, 9, 0, 0 }, { 2024, 2, 23, 9, 0, 0 } } },
  /* Started ten years before: found without walking the ten years. */
  { "weekly-jump", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
    { 2016, 1, 15, 9, 0, 0 }, { 2026, 1, 15, 0, 0, 0 }, FALSE, 3,
    { { 2026, 1, 16, 9, 0, 0 }, { 2026, 1, 23, 9, 0, 0 }, { 2026, 1, 30, 9, 0, 0 } } },
  { "daily-jump", "FREQ=DAILY;BYHOUR=9,17;BYSETPOS=-1",
    { 2016, 1, 15, 9, 0, 0 }, { 2026, 1, 15, 0, 0, 0 }, FALSE, 3,
    { { 2026, 1, 15, 17, 0, 0 }, { 2026, 1, 16, 17, 0, 0 }, { 2026, 1, 17, 17, 0, 0 } } },
  { "hourly-jump", "FREQ=HOURLY;BYMINUTE=15,45;BYSETPOS=1",
    { 2016, 1, 15, 9, 0, 0 }, { 2026, 1, 15, 0, 0, 0 }, FALSE, 3,
    { { 2026, 1, 15, 0, 15, 0 }, { 2026, 1, 15, 1, 15, 0 }, { 2026, 1, 15, 2, 15, 0 } } },
};

/* Rules that libical 3.0 expanded wrongly (issue 11), UTC, each expected
 * run computed with python-dateutil's rrule. */
static const RuleCase expansion_cases[] = {
  /* A negative BYMONTHDAY under DAILY: the last day of every month. */
  { "daily-last-day", "FREQ=DAILY;BYMONTHDAY=-1",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 8, 59, 59 }, FALSE, 4,
    { { 2024, 1, 31, 9, 0, 0 }, { 2024, 2, 29, 9, 0, 0 }, { 2024, 3, 31, 9, 0, 0 },
      { 2024, 4, 30, 9, 0, 0 } } },
  { "daily-last-and-15th", "FREQ=DAILY;BYMONTHDAY=-1,15",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 8, 59, 59 }, FALSE, 4,
    { { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 31, 9, 0, 0 }, { 2024, 2, 15, 9, 0, 0 },
      { 2024, 2, 29, 9, 0, 0 } } },
  { "daily-last-day-count", "FREQ=DAILY;BYMONTHDAY=-1;COUNT=5",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 8, 59, 59 }, TRUE, 5,
    { { 2024, 1, 31, 9, 0, 0 }, { 2024, 2, 29, 9, 0, 0 }, { 2024, 3, 31, 9, 0, 0 },
      { 2024, 4, 30, 9, 0, 0 }, { 2024, 5, 31, 9, 0, 0 } } },
  /* BYYEARDAY with BYMONTH or BYMONTHDAY: both filter. */
  { "yearly-byyearday-bymonth", "FREQ=YEARLY;BYYEARDAY=-1;BYMONTH=12",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 8, 59, 59 }, FALSE, 3,
    { { 2024, 12, 31, 9, 0, 0 }, { 2025, 12, 31, 9, 0, 0 }, { 2026, 12, 31, 9, 0, 0 } } },
  { "yearly-byyearday-60", "FREQ=YEARLY;BYYEARDAY=60;BYMONTH=2,3",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 8, 59, 59 }, FALSE, 4,
    { { 2024, 2, 29, 9, 0, 0 }, { 2025, 3, 1, 9, 0, 0 }, { 2026, 3, 1, 9, 0, 0 },
      { 2027, 3, 1, 9, 0, 0 } } },
  { "yearly-byyearday-bymonthday", "FREQ=YEARLY;BYYEARDAY=1,-1;BYMONTHDAY=1",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 8, 59, 59 }, FALSE, 3,
    { { 2025, 1, 1, 9, 0, 0 }, { 2026, 1, 1, 9, 0, 0 }, { 2027, 1, 1, 9, 0, 0 } } },
  /* INTERVAL counts weeks that start on WKST: the start's week (Thursday 11
   * to Wednesday 17 January) is the first. */
  { "weekly-late-wkst", "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;WKST=TH",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 8, 59, 59 }, FALSE, 3,
    { { 2024, 1, 17, 9, 0, 0 }, { 2024, 1, 31, 9, 0, 0 }, { 2024, 2, 14, 9, 0, 0 } } },
  { "weekly-late-wkst-saturday", "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,SA;WKST=SA",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 8, 59, 59 }, FALSE, 4,
    { { 2024, 1, 15, 9, 0, 0 }, { 2024, 2, 3, 9, 0, 0 }, { 2024, 2, 5, 9, 0, 0 },
      { 2024, 2, 24, 9, 0, 0 } } },
  /* FREQ=YEARLY with BYMONTHDAY but no BYMONTH is every month, as the
   * RFC's table expands it; with no day part at all, the start's day. */
  { "yearly-bymonthday-every-month", "FREQ=YEARLY;BYMONTHDAY=1",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 8, 59, 59 }, FALSE, 3,
    { { 2024, 2, 1, 9, 0, 0 }, { 2024, 3, 1, 9, 0, 0 }, { 2024, 4, 1, 9, 0, 0 } } },
  { "yearly-byday-every-week", "FREQ=YEARLY;BYDAY=MO",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 8, 59, 59 }, FALSE, 3,
    { { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 22, 9, 0, 0 }, { 2024, 1, 29, 9, 0, 0 } } },
  { "yearly-start-day", "FREQ=YEARLY;BYHOUR=9,17",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 8, 59, 59 }, FALSE, 3,
    { { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 17, 0, 0 }, { 2025, 1, 15, 9, 0, 0 } } },
  /* Days from the start: not refused for what 1970-01-01, a Thursday, gives. */
  { "yearly-byweekno-start-weekday", "FREQ=YEARLY;BYWEEKNO=50;BYMONTHDAY=17",
    { 2016, 9, 23, 9, 0, 0 }, { 2016, 9, 23, 8, 59, 59 }, FALSE, 2,
    { { 2021, 12, 17, 9, 0, 0 }, { 2027, 12, 17, 9, 0, 0 } } },
  { "monthly-interval-bymonth", "FREQ=MONTHLY;INTERVAL=5;BYMONTH=3,9;BYMONTHDAY=-1",
    { 2024, 1, 15, 9, 0, 0 }, { 2024, 1, 15, 8, 59, 59 }, FALSE, 4,
    { { 2025, 9, 30, 9, 0, 0 }, { 2028, 3, 31, 9, 0, 0 }, { 2030, 9, 30, 9, 0, 0 },
      { 2033, 3, 31, 9, 0, 0 } } },
};

static void
test_rrule_case (gconstpointer data)
{
  const RuleCase *c = data;
  g_autoptr(GTimeZone) tz = zone ("UTC");
  gint64 runs[G_N_ELEMENTS (c->runs)];
  const int *s = c->start;
  const int *a = c->after;

  for (guint i = 0; i < c->n_runs; i++)
    runs[i] = utc (c->runs[i][0], c->runs[i][1], c->runs[i][2],
                   c->runs[i][3], c->runs[i][4], c->runs[i][5]);
  check_runs (__FILE__, __LINE__, G_STRFUNC, c->rule, tz,
              utc (s[0], s[1], s[2], s[3], s[4], s[5]), utc (a[0], a[1], a[2], a[3], a[4], a[5]),
              c->then_none, runs, c->n_runs);
}

static void
test_rrule_interval_alignment (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");
  /* 11 days before 2026-01-15: runs on the 4th, 6th, …, 14th, 16th. */
  gint64 start = utc (2026, 1, 4, 9, 0, 0);

  assert_runs ("FREQ=DAILY;INTERVAL=2", tz, start, utc (2026, 1, 15, 0, 0, 0),
               utc (2026, 1, 16, 9, 0, 0),
               utc (2026, 1, 18, 9, 0, 0),
               utc (2026, 1, 20, 9, 0, 0));
  assert_runs ("FREQ=DAILY;INTERVAL=2", tz, start, utc (2026, 1, 14, 8, 0, 0),
               utc (2026, 1, 14, 9, 0, 0));
  assert_runs ("FREQ=DAILY;INTERVAL=2", tz, start, utc (2026, 1, 14, 9, 0, 0),
               utc (2026, 1, 16, 9, 0, 0));
}

static void
test_rrule_count (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");
  g_autoptr(ChkSchedule) schedule = parse_valid ("FREQ=DAILY;COUNT=3", CHK_SCHEDULE_RRULE);
  gint64 start = utc (2026, 1, 15, 9, 0, 0);

  /* The start counts as the first of the three. */
  assert_last_runs ("FREQ=DAILY;COUNT=3", tz, start, start - G_TIME_SPAN_DAY,
                    start,
                    utc (2026, 1, 16, 9, 0, 0),
                    utc (2026, 1, 17, 9, 0, 0));
  assert_last_runs ("FREQ=DAILY;COUNT=3", tz, start, utc (2026, 1, 16, 12, 0, 0),
                    utc (2026, 1, 17, 9, 0, 0));
  g_assert_cmpint (chk_schedule_next (schedule, tz, start, utc (2030, 1, 1, 0, 0, 0)), ==, 0);

  /* A count that runs out long ago, from a start long ago. */
  g_assert_cmpint (chk_schedule_next (schedule, tz, utc (2016, 1, 1, 9, 0, 0),
                                      utc (2026, 1, 1, 0, 0, 0)), ==, 0);
}

/* A ChkScheduleIter gives what chk_schedule_next() gives, going forwards,
 * backwards (which starts its walk again) and past the end. */
static void
test_rrule_count_iter (void)
{
  g_autoptr(GTimeZone) tz = zone ("Europe/Berlin");
  const char *text = "FREQ=DAILY;COUNT=1500;BYMONTH=2;BYMONTHDAY=29";
  g_autoptr(ChkSchedule) schedule = parse_valid (text, CHK_SCHEDULE_RRULE);
  g_autoptr(ChkScheduleIter) iter = NULL;
  gint64 start = utc (2024, 1, 15, 9, 0, 0);
  gint64 afters[] = {
    start - 1, utc (2030, 1, 1, 0, 0, 0), utc (2030, 1, 1, 0, 0, 0), utc (2100, 6, 1, 0, 0, 0),
    utc (2025, 1, 1, 0, 0, 0), utc (2104, 2, 29, 8, 0, 0), utc (4000, 1, 1, 0, 0, 0),
    utc (9999, 1, 1, 0, 0, 0), utc (2028, 2, 29, 8, 0, 0),
  };
  g_autofree gint64 *runs = g_new0 (gint64, 1501);
  guint n;

  iter = chk_schedule_iter_new (schedule, tz, start);
  for (guint i = 0; i < G_N_ELEMENTS (afters); i++)
    g_assert_cmpint (chk_schedule_iter_next (iter, afters[i]), ==,
                     chk_schedule_next (schedule, tz, start, afters[i]));
  assert_time (tz, chk_schedule_iter_next (iter, utc (2100, 6, 1, 0, 0, 0)), utc (2104, 2, 29, 9, 0, 0));

  /* All 1500 runs in one walk, to about 8200: 2100 is not a leap year. */
  n = chk_schedule_next_runs (schedule, tz, start, start - 1, runs, 1501);
  g_assert_cmpuint (n, ==, 1500);
  assert_time (tz, runs[0], utc (2024, 2, 29, 9, 0, 0));
  assert_time (tz, runs[19], utc (2104, 2, 29, 9, 0, 0));
  for (guint i = 1; i < n; i++)
    g_assert_cmpint (runs[i], ==, chk_schedule_next (schedule, tz, start, runs[i - 1]));
}

/* Counting the runs of a rule with COUNT must stay cheap: a rule whose runs
 * take too many steps to count is refused from its start, naming COUNT. */
static void
test_rrule_count_budget (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");
  gint64 start = utc (2024, 1, 15, 9, 0, 0);
  const char *cheap[] = {
    "FREQ=DAILY;COUNT=100000",
    "FREQ=SECONDLY;COUNT=100000",
    "FREQ=DAILY;COUNT=100000;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=DAILY;COUNT=100000;BYMONTHDAY=31;BYMONTH=1,3",
    "FREQ=MONTHLY;COUNT=100000;BYMONTHDAY=31",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cheap); i++)
    {
      g_autoptr(ChkSchedule) schedule = parse_valid (cheap[i], CHK_SCHEDULE_RRULE);
      g_autoptr(GError) error = NULL;

      g_assert_true (chk_schedule_check_occurs (schedule, tz, start, &error));
      g_assert_no_error (error);
    }

  {
    const char *text = "FREQ=SECONDLY;INTERVAL=32767;COUNT=100000;BYSECOND=0";
    g_autoptr(ChkSchedule) schedule = parse_valid (text, CHK_SCHEDULE_RRULE);
    g_autoptr(GError) error = NULL;

    g_assert_false (chk_schedule_check_occurs (schedule, tz, start, &error));
    g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_SCHEDULE);
    g_assert_nonnull (strstr (error->message, "COUNT"));
    g_assert_nonnull (strstr (error->message, "100000"));
  }
}

/* Rules of days to years go on past libical's 2582, to the year 9999. */
static void
test_rrule_far_future (void)
{
  g_autoptr(GTimeZone) tz = zone ("Europe/Berlin");
  gint64 start = utc (2024, 1, 15, 9, 0, 0);

  assert_runs ("FREQ=DAILY", tz, start, utc (2600, 1, 1, 0, 0, 0),
               utc (2600, 1, 1, 9, 0, 0), utc (2600, 1, 2, 9, 0, 0));
  assert_runs ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", tz, start, utc (9990, 1, 1, 0, 0, 0),
               utc (9992, 2, 29, 9, 0, 0), utc (9996, 2, 29, 9, 0, 0));
  assert_last_runs ("FREQ=MONTHLY;BYDAY=-1FR", tz, start, utc (9999, 11, 1, 0, 0, 0),
                    utc (9999, 11, 26, 9, 0, 0), utc (9999, 12, 31, 9, 0, 0));
}

static void
test_rrule_until (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");
  g_autoptr(GTimeZone) berlin = zone ("Europe/Berlin");
  g_autoptr(ChkSchedule) schedule = NULL;
  gint64 start = utc (2026, 1, 15, 9, 0, 0);

  /* UNTIL in the past: nothing more. */
  schedule = parse_valid ("FREQ=DAILY;UNTIL=20200101T000000Z", CHK_SCHEDULE_RRULE);
  g_assert_cmpint (chk_schedule_next (schedule, tz, utc (2019, 12, 1, 9, 0, 0), start), ==, 0);

  /* UNTIL is inclusive. */
  assert_last_runs ("FREQ=DAILY;UNTIL=20260120T090000Z", tz, start, utc (2026, 1, 18, 12, 0, 0),
                    utc (2026, 1, 19, 9, 0, 0),
                    utc (2026, 1, 20, 9, 0, 0));

  /* Without Z, UNTIL is a wall-clock time in the job's zone. */
  assert_last_runs ("FREQ=DAILY;UNTIL=20260118T090000", berlin, at (berlin, 2026, 1, 15, 9, 0, 0),
                    at (berlin, 2026, 1, 16, 12, 0, 0),
                    at (berlin, 2026, 1, 17, 9, 0, 0),
                    at (berlin, 2026, 1, 18, 9, 0, 0));
}

static void
test_rrule_start_10_years_ago (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");
  g_autoptr(GTimeZone) berlin = zone ("Europe/Berlin");
  gint64 start = utc (2016, 1, 15, 9, 0, 0);

  /* Today's run has not happened yet … */
  assert_runs ("FREQ=DAILY", tz, start, utc (2026, 1, 15, 8, 0, 0),
               utc (2026, 1, 15, 9, 0, 0),
               utc (2026, 1, 16, 9, 0, 0));
  /* … or it has. */
  assert_runs ("FREQ=DAILY", tz, start, utc (2026, 1, 15, 10, 0, 0),
               utc (2026, 1, 16, 9, 0, 0));
  /* In a zone with DST: the wall clock of the start, in today's offset. */
  assert_runs ("FREQ=DAILY", berlin, at (berlin, 2016, 1, 15, 9, 0, 0), utc (2026, 7, 15, 12, 0, 0),
               at (berlin, 2026, 7, 16, 9, 0, 0),
               utc (2026, 7, 17, 7, 0, 0));
  /* With BYxxx parts and an interval. */
  assert_runs ("FREQ=DAILY;INTERVAL=3;BYHOUR=6,18;BYMINUTE=0", tz, utc (2016, 1, 15, 6, 0, 0),
               utc (2026, 1, 15, 12, 0, 0),
               /* 2016-01-15 + 3654 days = 2026-01-16; 3654 % 3 == 0 */
               utc (2026, 1, 16, 6, 0, 0),
               utc (2026, 1, 16, 18, 0, 0),
               utc (2026, 1, 19, 6, 0, 0));
}

static void
test_rrule_start_10_years_ago_now (void)
{
  g_autoptr(GTimeZone) tz = zone ("Europe/Berlin");
  g_autoptr(GDateTime) now = g_date_time_new_now (tz);
  g_autoptr(GDateTime) start = NULL;
  g_autoptr(GDateTime) today = NULL;
  g_autoptr(GDateTime) tomorrow = NULL;
  gint64 after = g_date_time_to_unix (now) * G_USEC_PER_SEC;
  gint64 expected;

  start = g_date_time_new (tz, g_date_time_get_year (now) - 10, 6, 15, 9, 0, 0);
  today = g_date_time_new (tz, g_date_time_get_year (now), g_date_time_get_month (now),
                           g_date_time_get_day_of_month (now), 9, 0, 0);
  tomorrow = g_date_time_add_days (today, 1);
  expected = g_date_time_to_unix (today) * G_USEC_PER_SEC;
  if (expected <= after)
    expected = g_date_time_to_unix (tomorrow) * G_USEC_PER_SEC;

  assert_runs ("FREQ=DAILY", tz, g_date_time_to_unix (start) * G_USEC_PER_SEC, after, expected);
}

typedef struct
{
  const char *name;
  const char *rule;
  int start[6];
  int runs[3][6];
} JumpCase;

/* Rules whose start lies years before `after` (2026-01-15 00:00 UTC), so
 * that the library must skip ahead without losing the INTERVAL's grid or
 * the BYxxx expansion. The expected runs come from an independent RFC 5545
 * implementation (python-dateutil's rrule). */
static const JumpCase jump_cases[] = {
  { "monthly-bysetpos", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", { 2020, 1, 31, 9, 0, 0 },
    { { 2026, 1, 30, 9, 0, 0 }, { 2026, 2, 27, 9, 0, 0 }, { 2026, 3, 31, 9, 0, 0 } } },
  { "monthly-interval-5", "FREQ=MONTHLY;INTERVAL=5", { 2016, 3, 31, 9, 0, 0 },
    { { 2026, 3, 31, 9, 0, 0 }, { 2026, 8, 31, 9, 0, 0 }, { 2027, 1, 31, 9, 0, 0 } } },
  { "monthly-interval-2-byday", "FREQ=MONTHLY;INTERVAL=2;BYDAY=2TU", { 2016, 1, 12, 9, 0, 0 },
    { { 2026, 3, 10, 9, 0, 0 }, { 2026, 5, 12, 9, 0, 0 }, { 2026, 7, 14, 9, 0, 0 } } },
  { "weekly-interval-3", "FREQ=WEEKLY;INTERVAL=3;BYDAY=TU", { 2016, 1, 12, 9, 0, 0 },
    { { 2026, 2, 3, 9, 0, 0 }, { 2026, 2, 24, 9, 0, 0 }, { 2026, 3, 17, 9, 0, 0 } } },
  { "weekly-interval-2-sunday", "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU", { 2016, 1, 10, 9, 0, 0 },
    { { 2026, 1, 25, 9, 0, 0 }, { 2026, 2, 8, 9, 0, 0 }, { 2026, 2, 22, 9, 0, 0 } } },
  { "yearly-interval-3", "FREQ=YEARLY;INTERVAL=3", { 2017, 2, 28, 9, 0, 0 },
    { { 2026, 2, 28, 9, 0, 0 }, { 2029, 2, 28, 9, 0, 0 }, { 2032, 2, 28, 9, 0, 0 } } },
  { "yearly-byweekno", "FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO", { 2016, 1, 4, 9, 0, 0 },
    { { 2027, 1, 4, 9, 0, 0 }, { 2028, 1, 3, 9, 0, 0 }, { 2029, 1, 1, 9, 0, 0 } } },
  { "yearly-byyearday", "FREQ=YEARLY;BYYEARDAY=1,100,-1", { 2016, 1, 1, 9, 0, 0 },
    { { 2026, 4, 10, 9, 0, 0 }, { 2026, 12, 31, 9, 0, 0 }, { 2027, 1, 1, 9, 0, 0 } } },
  { "yearly-last-sunday-of-march", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", { 2016, 3, 27, 9, 0, 0 },
    { { 2026, 3, 29, 9, 0, 0 }, { 2027, 3, 28, 9, 0, 0 }, { 2028, 3, 26, 9, 0, 0 } } },
  { "monthly-bymonthday-list", "FREQ=MONTHLY;BYMONTHDAY=-1,15", { 2016, 1, 15, 9, 0, 0 },
    { { 2026, 1, 15, 9, 0, 0 }, { 2026, 1, 31, 9, 0, 0 }, { 2026, 2, 15, 9, 0, 0 } } },
  { "weekly-wkst", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,SU;WKST=SU", { 2016, 1, 10, 9, 0, 0 },
    { { 2026, 1, 25, 9, 0, 0 }, { 2026, 1, 26, 9, 0, 0 }, { 2026, 2, 8, 9, 0, 0 } } },
  { "daily-bymonth", "FREQ=DAILY;BYMONTH=2;BYHOUR=9,21", { 2016, 2, 1, 9, 0, 0 },
    { { 2026, 2, 1, 9, 0, 0 }, { 2026, 2, 1, 21, 0, 0 }, { 2026, 2, 2, 9, 0, 0 } } },
  { "hourly-byday", "FREQ=HOURLY;INTERVAL=5;BYDAY=SA", { 2016, 1, 16, 0, 0, 0 },
    { { 2026, 1, 17, 4, 0, 0 }, { 2026, 1, 17, 9, 0, 0 }, { 2026, 1, 17, 14, 0, 0 } } },
  { "minutely-byhour", "FREQ=MINUTELY;INTERVAL=90;BYHOUR=6", { 2016, 1, 15, 0, 0, 0 },
    { { 2026, 1, 15, 6, 0, 0 }, { 2026, 1, 16, 6, 0, 0 }, { 2026, 1, 17, 6, 0, 0 } } },
  { "daily-interval-7", "FREQ=DAILY;INTERVAL=7", { 2016, 1, 15, 9, 0, 0 },
    { { 2026, 1, 16, 9, 0, 0 }, { 2026, 1, 23, 9, 0, 0 }, { 2026, 1, 30, 9, 0, 0 } } },
  { "hourly-interval-5", "FREQ=HOURLY;INTERVAL=5", { 2016, 1, 15, 9, 0, 0 },
    { { 2026, 1, 15, 2, 0, 0 }, { 2026, 1, 15, 7, 0, 0 }, { 2026, 1, 15, 12, 0, 0 } } },
  { "minutely-interval-7", "FREQ=MINUTELY;INTERVAL=7", { 2016, 1, 15, 9, 0, 0 },
    { { 2026, 1, 15, 0, 6, 0 }, { 2026, 1, 15, 0, 13, 0 }, { 2026, 1, 15, 0, 20, 0 } } },
  { "secondly-interval-7", "FREQ=SECONDLY;INTERVAL=7", { 2016, 1, 15, 9, 0, 0 },
    { { 2026, 1, 15, 0, 0, 3 }, { 2026, 1, 15, 0, 0, 10 }, { 2026, 1, 15, 0, 0, 17 } } },
};

static void
test_rrule_jump (gconstpointer data)
{
  const JumpCase *c = data;
  g_autoptr(GTimeZone) tz = zone ("UTC");
  const int *s = c->start;
  const int (*r)[6] = c->runs;

  assert_runs (c->rule, tz, utc (s[0], s[1], s[2], s[3], s[4], s[5]), utc (2026, 1, 15, 0, 0, 0),
               utc (r[0][0], r[0][1], r[0][2], r[0][3], r[0][4], r[0][5]),
               utc (r[1][0], r[1][1], r[1][2], r[1][3], r[1][4], r[1][5]),
               utc (r[2][0], r[2][1], r[2][2], r[2][3], r[2][4], r[2][5]));
}

static void
test_rrule_berlin_wall_clock (void)
{
  g_autoptr(GTimeZone) tz = zone ("Europe/Berlin");

  /* 09:00 local on both sides of the change to summer time: 08:00 UTC,
   * then 07:00 UTC. */
  assert_runs ("FREQ=DAILY", tz, at (tz, 2026, 3, 27, 9, 0, 0), at (tz, 2026, 3, 27, 9, 0, 0),
               utc (2026, 3, 28, 8, 0, 0),
               utc (2026, 3, 29, 7, 0, 0),
               utc (2026, 3, 30, 7, 0, 0));
  /* And back. */
  assert_runs ("FREQ=DAILY", tz, at (tz, 2026, 10, 23, 9, 0, 0), at (tz, 2026, 10, 23, 9, 0, 0),
               utc (2026, 10, 24, 7, 0, 0),
               utc (2026, 10, 25, 8, 0, 0),
               utc (2026, 10, 26, 8, 0, 0));
  /* A weekly rule too. */
  assert_runs ("FREQ=WEEKLY;BYDAY=SU", tz, at (tz, 2026, 3, 22, 9, 0, 0),
               at (tz, 2026, 3, 22, 9, 0, 0),
               utc (2026, 3, 29, 7, 0, 0));
}

static void
test_rrule_berlin_dst_gap_repeat (void)
{
  g_autoptr(GTimeZone) tz = zone ("Europe/Berlin");

  /* The same DST rules as cron: 02:30 on 2026-03-29 runs at 03:00 CEST. */
  assert_runs ("FREQ=DAILY", tz, utc (2026, 3, 27, 1, 30, 0), utc (2026, 3, 27, 1, 30, 0),
               utc (2026, 3, 28, 1, 30, 0),
               utc (2026, 3, 29, 1, 0, 0),
               utc (2026, 3, 30, 0, 30, 0));
  /* 02:30 on 2026-10-25 runs once, at 02:30 CEST. */
  assert_runs ("FREQ=DAILY", tz, utc (2026, 10, 23, 0, 30, 0), utc (2026, 10, 23, 0, 30, 0),
               utc (2026, 10, 24, 0, 30, 0),
               utc (2026, 10, 25, 0, 30, 0),
               utc (2026, 10, 26, 1, 30, 0));
}

static void
test_rrule_next_runs (void)
{
  g_autoptr(GTimeZone) tz = zone ("America/New_York");
  g_autoptr(ChkSchedule) schedule = NULL;
  gint64 start = at (tz, 2026, 1, 15, 9, 0, 0);
  gint64 runs[10];
  guint n;

  schedule = parse_valid ("FREQ=HOURLY;INTERVAL=7", CHK_SCHEDULE_RRULE);
  n = chk_schedule_next_runs (schedule, tz, start, start, runs, G_N_ELEMENTS (runs));
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (runs));
  for (guint i = 0; i < n; i++)
    assert_time (tz, runs[i], start + (i + 1) * 7 * G_TIME_SPAN_HOUR);

  /* Asking for none gives none. */
  g_assert_cmpuint (chk_schedule_next_runs (schedule, tz, start, start, runs, 0), ==, 0);

  /* Fewer when the rule runs out. */
  g_clear_pointer (&schedule, chk_schedule_unref);
  schedule = parse_valid ("FREQ=WEEKLY;COUNT=4", CHK_SCHEDULE_RRULE);
  n = chk_schedule_next_runs (schedule, tz, start, start, runs, G_N_ELEMENTS (runs));
  g_assert_cmpuint (n, ==, 3);
  assert_time (tz, runs[0], at (tz, 2026, 1, 22, 9, 0, 0));
  assert_time (tz, runs[1], at (tz, 2026, 1, 29, 9, 0, 0));
  assert_time (tz, runs[2], at (tz, 2026, 2, 5, 9, 0, 0));
}

static void
test_rrule_lower_case (void)
{
  g_autoptr(GTimeZone) tz = zone ("UTC");
  gint64 start = utc (2026, 1, 12, 8, 0, 0);

  /* RFC 5545 §3.1: names are case-insensitive. */
  assert_same_runs ("freq=weekly;byday=mo,we", "FREQ=WEEKLY;BYDAY=MO,WE", tz, start, start);
}

/* Manual */

static void
test_manual_empty (void)
{
  g_autoptr(GTimeZone) tz = zone ("Europe/Berlin");
  g_autoptr(ChkSchedule) schedule = parse_valid ("", CHK_SCHEDULE_MANUAL);
  gint64 runs[4] = { 0 };
  gint64 now = g_get_real_time ();

  g_assert_cmpint (chk_schedule_next (schedule, tz, now, now), ==, 0);
  g_assert_cmpint (chk_schedule_next (schedule, tz, 0, 0), ==, 0);
  g_assert_cmpuint (chk_schedule_next_runs (schedule, tz, now, now, runs, G_N_ELEMENTS (runs)),
                    ==, 0);
}

static void
test_manual_whitespace (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkSchedule) schedule = NULL;
  g_autoptr(GTimeZone) tz = zone ("UTC");

  /* Not specified: a blank schedule is either manual or refused, but never
   * a cron expression with missing fields. */
  schedule = chk_schedule_parse (" \t ", &error);
  if (schedule == NULL)
    {
      g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_SCHEDULE);
      g_test_message ("a blank schedule is refused: %s", error->message);
      return;
    }
  g_assert_no_error (error);
  g_assert_cmpint (chk_schedule_get_kind (schedule), ==, CHK_SCHEDULE_MANUAL);
  g_assert_cmpint (chk_schedule_next (schedule, tz, 0, utc (2026, 1, 1, 0, 0, 0)), ==, 0);
  assert_description_sane (schedule);
}

/* General */

static void
test_boxed (void)
{
  g_autoptr(ChkSchedule) schedule = parse_valid ("*/5 * * * *", CHK_SCHEDULE_CRON);
  g_autoptr(ChkSchedule) copy = NULL;
  ChkSchedule *ref;

  g_assert_true (G_TYPE_IS_BOXED (CHK_TYPE_SCHEDULE));
  ref = chk_schedule_ref (schedule);
  g_assert_true (ref == schedule);
  chk_schedule_unref (ref);

  copy = g_boxed_copy (CHK_TYPE_SCHEDULE, schedule);
  g_assert_nonnull (copy);
  g_assert_cmpstr (chk_schedule_get_text (copy), ==, "*/5 * * * *");
  g_assert_cmpint (chk_schedule_get_kind (copy), ==, CHK_SCHEDULE_CRON);
}

static void
test_next_runs_consistent (void)
{
  static const char * const schedules[] = {
    "* * * * *",
    "*/15 * * * *",
    "0,30 2 * * *",
    "30 1 * * *",
    "0 0 13 * 5",
    "@hourly",
    "@daily",
    "0 0 31 * *",
    "FREQ=MINUTELY;INTERVAL=20",
    "FREQ=HOURLY;BYMINUTE=15,45",
    "FREQ=DAILY;BYHOUR=2;BYMINUTE=30",
    "FREQ=WEEKLY;BYDAY=SU;BYHOUR=1,2,3",
    "FREQ=MONTHLY;BYDAY=-1SU",
  };
  static const char * const zones[] = {
    "UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham",
  };
  const gint64 afters[] = {
    utc (2026, 3, 28, 12, 0, 0),
    utc (2026, 10, 24, 12, 0, 0),
    utc (2026, 3, 7, 12, 0, 0),
    utc (2026, 10, 31, 12, 0, 0),
    utc (2026, 4, 4, 0, 0, 0),
  };
  gint64 start = utc (2026, 1, 1, 0, 0, 0);

  /* Whatever the zone and the clock changes: next_runs() is the chain of
   * next(), strictly increasing, and cron runs fall on whole minutes. */
  for (guint s = 0; s < G_N_ELEMENTS (schedules); s++)
    {
      g_autoptr(ChkSchedule) schedule = parse_valid (schedules[s], guess_kind (schedules[s]));

      for (guint z = 0; z < G_N_ELEMENTS (zones); z++)
        {
          g_autoptr(GTimeZone) tz = zone (zones[z]);

          for (guint a = 0; a < G_N_ELEMENTS (afters); a++)
            {
              gint64 runs[60];
              gint64 previous = afters[a];
              guint n;

              n = chk_schedule_next_runs (schedule, tz, start, afters[a],
                                          runs, G_N_ELEMENTS (runs));
              g_assert_cmpuint (n, ==, G_N_ELEMENTS (runs));
              for (guint i = 0; i < n; i++)
                {
                  g_autofree char *what = NULL;

                  what = g_strdup_printf ("\"%s\" in %s, run #%u", schedules[s], zones[z], i);
                  if (runs[i] <= previous)
                    time_mismatch (__FILE__, __LINE__, G_STRFUNC, what, tz, runs[i], previous);
                  if (chk_schedule_next (schedule, tz, start, previous) != runs[i])
                    time_mismatch (__FILE__, __LINE__, G_STRFUNC, what, tz,
                                   chk_schedule_next (schedule, tz, start, previous), runs[i]);
                  if (chk_schedule_get_kind (schedule) == CHK_SCHEDULE_CRON)
                    g_assert_cmpint (runs[i] % G_TIME_SPAN_MINUTE, ==, 0);
                  else
                    g_assert_cmpint (runs[i] % G_TIME_SPAN_SECOND, ==, 0);
                  previous = runs[i];
                }
            }
        }
    }
}

/* Time zones */

static void
test_time_zone_local (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GTimeZone) null_tz = NULL;
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  g_autoptr(GDateTime) winter = g_date_time_new_utc (2026, 1, 15, 12, 0, 0);
  g_autoptr(GDateTime) summer = g_date_time_new_utc (2026, 7, 15, 12, 0, 0);

  tz = chk_time_zone_new ("", &error);
  g_assert_no_error (error);
  g_assert_nonnull (tz);

  /* NULL is the local zone too. */
  null_tz = chk_time_zone_new (NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (null_tz);

  /* The same offsets as the machine's zone. */
  for (guint i = 0; i < 2; i++)
    {
      GDateTime *dt = i == 0 ? winter : summer;
      g_autoptr(GDateTime) a = g_date_time_to_timezone (dt, tz);
      g_autoptr(GDateTime) b = g_date_time_to_timezone (dt, local);

      g_assert_cmpint (g_date_time_get_utc_offset (a), ==, g_date_time_get_utc_offset (b));
    }
}

static void
test_time_zone_named (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) winter = g_date_time_new_utc (2026, 1, 15, 12, 0, 0);
  g_autoptr(GDateTime) local = NULL;

  tz = chk_time_zone_new ("Europe/Berlin", &error);
  g_assert_no_error (error);
  g_assert_nonnull (tz);
  g_assert_cmpstr (g_time_zone_get_identifier (tz), ==, "Europe/Berlin");

  local = g_date_time_to_timezone (winter, tz);
  g_assert_cmpint (g_date_time_get_utc_offset (local), ==, G_TIME_SPAN_HOUR);
}

static void
test_time_zone_unknown (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimeZone) tz = NULL;

  tz = chk_time_zone_new ("Mars/Olympus", &error);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_SCHEDULE);
  g_assert_null (tz);
  g_assert_nonnull (strstr (error->message, "Mars/Olympus"));
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

/* GLib opens whatever file a zone name leads to: a FIFO would block the
 * daemon, and GLib 2.74 leaks the name of a file that is not a zone file
 * (tests/fuzz/dbus-fuzz.py found it). Such names are refused before GLib
 * sees them, and offsets and POSIX rules, which name no file, still work. */
static void
test_time_zone_not_a_path (void)
{
  g_autofree char *dir = g_dir_make_tmp ("chk-test-zone-XXXXXX", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
  const char *refused[] = {
    "/etc/passwd", ":/etc/passwd", "../../../../etc/passwd", "Europe/../../../etc/passwd",
    "/usr/share/zoneinfo/Europe/Berlin", NULL, NULL,
  };
  const char *accepted[] = { "Europe/Berlin", "UTC", "UTC+5", "+05:30", NULL };

  g_assert_nonnull (dir);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  refused[G_N_ELEMENTS (refused) - 2] = fifo;

  for (guint i = 0; refused[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GTimeZone) tz = chk_time_zone_new (refused[i], &error);

      g_test_message ("%s", refused[i]);
      g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_SCHEDULE);
      g_assert_null (tz);
    }

  /* A file in the zone directory that is not a zone file. */
  if (g_file_test ("/usr/share/zoneinfo/zone.tab", G_FILE_TEST_IS_REGULAR) &&
      g_getenv ("TZDIR") == NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GTimeZone) tz = chk_time_zone_new ("zone.tab", &error);

      g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_SCHEDULE);
      g_assert_null (tz);
    }

  for (guint i = 0; accepted[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GTimeZone) tz = chk_time_zone_new (accepted[i], &error);

      g_test_message ("%s", accepted[i]);
      g_assert_no_error (error);
      g_assert_nonnull (tz);
    }

  g_assert_cmpint (g_unlink (fifo), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* Descriptions */

typedef struct
{
  const char *name;
  const char *text;
  const char *description;
} DescribeCase;

static const DescribeCase describe_cases[] = {
  { "every-minute", "* * * * *", "Every minute" },
  { "every-15-minutes", "*/15 * * * *", "Every 15 minutes" },
  { "weekdays", "0 9 * * 1-5", "At 09:00, Monday to Friday" },
  { "every-2-hours", "30 */2 * * *", "Every 2 hours at minute 30" },
  { "every-day", "0 9 * * *", "Every day at 09:00" },
  { "last-day-of-month", "FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=23;BYMINUTE=0",
    "On the last day of the month at 23:00" },
  { "manual", "", "Manual only" },
  /* Issue 11, point 11: each said what does not run */
  { "day-from-end", "FREQ=MONTHLY;BYMONTHDAY=-3", "On the third-to-last day of the month" },
  /* Every month, as the RFC expands BYMONTHDAY under YEARLY without BYMONTH. */
  { "yearly-bymonthday", "FREQ=YEARLY;BYMONTHDAY=1", "On day 1 of the month" },
  { "last-and-15th", "FREQ=MONTHLY;BYMONTHDAY=-1,15", "On day 15 and the last day of the month" },
  { "last-of-year", "FREQ=YEARLY;BYYEARDAY=-1", "Every year on the last day of the year" },
  { "minute-and-second", "FREQ=HOURLY;BYMINUTE=30;BYSECOND=15", "Every hour at minute 30, second 15" },
  { "hourly-once-a-day", "FREQ=HOURLY;BYHOUR=18;BYSECOND=16", "Every day at 18:00:16" },
  { "minutely-each-hour", "FREQ=MINUTELY;BYMINUTE=5", "Every hour at minute 5" },
  /* Hours alone do not fix the minutes of a rule of minutes or seconds. */
  { "minutely-during-hour", "FREQ=MINUTELY;BYHOUR=3", "Every minute during hour 3" },
  { "minutely-interval-during-hour", "FREQ=MINUTELY;INTERVAL=7;BYHOUR=3;BYDAY=MO",
    "Every 7 minutes on Monday during hour 3" },
  { "secondly-during-hours", "FREQ=SECONDLY;BYHOUR=3,4", "Every second during hours 3 and 4" },
  { "secondly-during-minute", "FREQ=SECONDLY;BYMINUTE=5", "Every second during minute 5" },
  { "uneven-hour-step", "21 */13 * * *", "Every day at 00:21 and 13:21" },
  { "uneven-minute-step", "*/7 * * * *",
    "At minutes 0, 7, 14, 21, 28, 35, 42, 49 and 56 of every hour" },
  { "uneven-minute-step-2", "*/45 * * * *", "At minutes 0 and 45 of every hour" },
  { "days-or-weekdays", "* 9 18-23 * MON-FRI",
    "Every minute from 09:00 to 09:59 on days 18 to 23 of the month or on Monday to Friday" },
  { "one-minute-of-hours", "0 1,3,5,7,11,13,17 * * *",
    "At minute 0 of hours 1, 3, 5, 7, 11, 13 and 17" },
  { "one-hour", "FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15;BYMINUTE=0,30",
    "Every day at minutes 0 and 30 of hours 9 to 15" },
  { "set-positions", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1,2",
    "Every month, Monday to Friday, only the first and second of each month" },
  { "last-business-day", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
    "Every month, Monday to Friday, only the last of each month" },
};

static void
test_describe_exact (gconstpointer data)
{
  const DescribeCase *c = data;
  g_autoptr(ChkSchedule) schedule = parse_valid (c->text, guess_kind (c->text));
  g_autofree char *description = chk_schedule_describe (schedule);

  g_assert_cmpstr (description, ==, c->description);
}

static void
test_describe_distinct (void)
{
  static const char * const schedules[] = {
    "",
    "* * * * *",
    "*/15 * * * *",
    "*/5 * * * *",
    "0 9 * * 1-5",
    "0 9 * * *",
    "0 17 * * *",
    "30 */2 * * *",
    "0 0 1 1 *",
    "0 0 13 * 5",
    "0 0 29 2 *",
    "0 0 31 * *",
    "@hourly",
    "@weekly",
    "@monthly",
    "FREQ=SECONDLY;INTERVAL=5",
    "FREQ=MINUTELY;INTERVAL=20",
    "FREQ=DAILY",
    "FREQ=DAILY;COUNT=3",
    "FREQ=WEEKLY;BYDAY=MO,WE,FR",
    "FREQ=MONTHLY;BYDAY=-1FR",
    "FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=23;BYMINUTE=0",
    "FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=4",
  };
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (schedules); i++)
    {
      g_autoptr(ChkSchedule) schedule = parse_valid (schedules[i], guess_kind (schedules[i]));
      char *description = chk_schedule_describe (schedule);
      const char *other = g_hash_table_lookup (seen, description);

      g_test_message ("\"%s\" -> \"%s\"", schedules[i], description);
      if (other != NULL)
        {
          g_autofree char *message = NULL;

          message = g_strdup_printf ("\"%s\" and \"%s\" have the same description \"%s\"",
                                     other, schedules[i], description);
          g_free (description);
          g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, message);
        }
      g_hash_table_insert (seen, description, (gpointer) schedules[i]);
    }
}

/* Invalid schedules */

typedef struct
{
  const char *name;
  const char *text;
  const char *phrases[4];
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  { "field-count-4", "* * * *", { "5 fields" } },
  { "field-count-6", "* * * * * *", { "5 fields" } },
  { "field-count-1", "5", { "5 fields" } },
  { "minute-61", "61 * * * *", { "minute field", "61", "0-59" } },
  { "minute-huge", "99999999999999999999 * * * *", { "minute field" } },
  { "minute-negative", "-1 * * * *", { "minute field" } },
  { "hour-24", "0 24 * * *", { "hour field", "0-23" } },
  { "day-of-month-0", "0 0 0 * *", { "day-of-month field" } },
  { "day-of-month-32", "0 0 32 * *", { "day-of-month field" } },
  { "month-13", "0 0 1 13 *", { "month field" } },
  { "month-0", "0 0 1 0 *", { "month field" } },
  { "month-name", "0 0 1 FOO *", { "month field", "FOO" } },
  { "day-of-week-8", "0 0 * * 8", { "day-of-week field" } },
  { "day-of-week-name", "0 0 * * FOO", { "day-of-week field", "FOO" } },
  { "step-0", "*/0 * * * *", { "step" } },
  { "range-backwards", "5-2 * * * *", { "5-2" } },
  { "range-out-of-bounds", "0 20-25 * * *", { "hour field" } },
  { "empty-list-item", "1,,2 * * * *", { "minute field" } },
  { "macro-unknown", "@fortnightly", { "@fortnightly" } },
  { "macro-trailing", "@daily 5", { NULL } },
  { "never-feb-30", "0 0 30 2 *", { "never" } },
  { "never-31-short-months", "0 0 31 4,6,9,11 *", { "never" } },
  { "rrule-no-freq", "RRULE:BYHOUR=9", { "FREQ" } },
  { "rrule-no-freq-no-prefix", "INTERVAL=2;BYHOUR=9", { "FREQ" } },
  { "rrule-prefix-only", "RRULE:", { "FREQ" } },
  { "rrule-bad-freq", "FREQ=FORTNIGHTLY", { "FORTNIGHTLY" } },
  { "rrule-unknown-part", "FREQ=DAILY;FOO=1", { "FOO" } },
  { "rrule-byhour-25", "FREQ=DAILY;BYHOUR=25", { "BYHOUR", "25" } },
  { "rrule-byminute-60", "FREQ=HOURLY;BYMINUTE=60", { "BYMINUTE", "60" } },
  { "rrule-bymonthday-32", "FREQ=MONTHLY;BYMONTHDAY=32", { "BYMONTHDAY" } },
  { "rrule-count-and-until", "FREQ=DAILY;COUNT=3;UNTIL=20270101T000000Z", { "COUNT", "UNTIL" } },
  { "rrule-interval-0", "FREQ=DAILY;INTERVAL=0", { "INTERVAL" } },
  { "rrule-byday-xx", "FREQ=WEEKLY;BYDAY=XX", { "BYDAY" } },
  { "rrule-until-garbage", "FREQ=DAILY;UNTIL=tomorrow", { "UNTIL" } },
  /* A day has one 09:00: there is no second. */
  { "rrule-bysetpos-never", "FREQ=DAILY;BYHOUR=9;BYSETPOS=2", { "never" } },
  { "garbage", "hello world", { NULL } },
  { "garbage-5-words", "a b c d e", { NULL } },
  { "unicode", "⏰ ⏰ ⏰ ⏰ ⏰", { NULL } },
};

static void
test_invalid (gconstpointer data)
{
  const InvalidCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkSchedule) schedule = NULL;

  schedule = chk_schedule_parse (c->text, &error);
  g_assert_null (schedule);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_SCHEDULE);
  g_assert_nonnull (error->message);
  g_assert_cmpstr (error->message, !=, "");
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_test_message ("\"%s\" -> %s", c->text, error->message);

  for (guint i = 0; i < G_N_ELEMENTS (c->phrases) && c->phrases[i] != NULL; i++)
    {
      if (strstr (error->message, c->phrases[i]) == NULL)
        {
          g_autofree char *message = NULL;

          message = g_strdup_printf ("error for \"%s\" is \"%s\", which does not mention \"%s\"",
                                     c->text, error->message, c->phrases[i]);
          g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, message);
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/schedule/cron/every-minute", test_cron_every_minute);
  g_test_add_func ("/schedule/cron/strictly-after", test_cron_strictly_after);
  g_test_add_func ("/schedule/cron/step", test_cron_step);
  g_test_add_func ("/schedule/cron/range-step", test_cron_range_step);
  g_test_add_func ("/schedule/cron/list", test_cron_list);
  g_test_add_func ("/schedule/cron/range", test_cron_range);
  g_test_add_func ("/schedule/cron/month-names", test_cron_month_names);
  g_test_add_func ("/schedule/cron/day-names", test_cron_day_names);
  g_test_add_func ("/schedule/cron/sunday-0-and-7", test_cron_sunday_0_7);
  g_test_add_func ("/schedule/cron/vixie-or", test_cron_vixie_or);
  g_test_add_func ("/schedule/cron/day-of-month-only", test_cron_day_of_month_only);
  g_test_add_func ("/schedule/cron/day-of-week-only", test_cron_day_of_week_only);
  g_test_add_func ("/schedule/cron/day-of-month-step", test_cron_day_of_month_step);
  g_test_add_func ("/schedule/cron/macros", test_cron_macros);
  g_test_add_func ("/schedule/cron/macro-equivalence", test_cron_macro_equivalence);
  g_test_add_func ("/schedule/cron/feb-29", test_cron_feb_29);
  g_test_add_func ("/schedule/cron/day-31", test_cron_day_31);
  g_test_add_func ("/schedule/cron/feb-30-or-monday", test_cron_impossible_day_or_weekday);
  g_test_add_func ("/schedule/cron/year-boundary", test_cron_year_boundary);
  g_test_add_func ("/schedule/cron/separators", test_cron_separators);
  g_test_add_func ("/schedule/cron/far-future", test_cron_far_future);

  g_test_add_func ("/schedule/dst/berlin-gap", test_dst_berlin_gap);
  g_test_add_func ("/schedule/dst/berlin-gap-collapse", test_dst_berlin_gap_collapse);
  g_test_add_func ("/schedule/dst/berlin-gap-every-15", test_dst_berlin_gap_every_15);
  g_test_add_func ("/schedule/dst/berlin-repeat", test_dst_berlin_repeat);
  g_test_add_func ("/schedule/dst/berlin-repeat-every-15", test_dst_berlin_repeat_every_15);
  g_test_add_func ("/schedule/dst/berlin-daily-year", test_dst_berlin_daily_year);
  g_test_add_func ("/schedule/dst/new-york-gap", test_dst_new_york_gap);
  g_test_add_func ("/schedule/dst/new-york-repeat", test_dst_new_york_repeat);
  g_test_add_func ("/schedule/dst/lord-howe", test_dst_lord_howe);
  g_test_add_func ("/schedule/dst/chatham", test_dst_chatham);
  g_test_add_func ("/schedule/dst/local-zone", test_dst_local_zone);
  g_test_add_func ("/schedule/dst/zones-differ", test_dst_zones_differ);

  g_test_add_func ("/schedule/rrule/prefix", test_rrule_prefix);
  g_test_add_func ("/schedule/rrule/start-is-first", test_rrule_start_is_first);
  g_test_add_func ("/schedule/rrule/secondly", test_rrule_secondly);
  g_test_add_func ("/schedule/rrule/minutely", test_rrule_minutely);
  g_test_add_func ("/schedule/rrule/minutely-byhour", test_rrule_minutely_byhour);
  g_test_add_func ("/schedule/rrule/secondly-byminute", test_rrule_secondly_byminute);
  g_test_add_func ("/schedule/rrule/hourly-byminute", test_rrule_hourly_byminute);
  g_test_add_func ("/schedule/rrule/daily-byhour-byminute", test_rrule_daily_byhour_byminute);
  g_test_add_func ("/schedule/rrule/weekly-byday", test_rrule_weekly_byday);
  g_test_add_func ("/schedule/rrule/monthly-bymonthday-31", test_rrule_monthly_bymonthday_31);
  g_test_add_func ("/schedule/rrule/monthly-last-day", test_rrule_monthly_last_day);
  g_test_add_func ("/schedule/rrule/monthly-last-friday", test_rrule_monthly_last_friday);
  g_test_add_func ("/schedule/rrule/yearly", test_rrule_yearly);
  g_test_add_func ("/schedule/rrule/bysetpos", test_rrule_bysetpos);
  for (guint i = 0; i < G_N_ELEMENTS (setpos_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/schedule/rrule/bysetpos/%s", setpos_cases[i].name);

      g_test_add_data_func (path, &setpos_cases[i], test_rrule_case);
    }
  for (guint i = 0; i < G_N_ELEMENTS (expansion_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/schedule/rrule/expansion/%s", expansion_cases[i].name);

      g_test_add_data_func (path, &expansion_cases[i], test_rrule_case);
    }
  g_test_add_func ("/schedule/rrule/interval-alignment", test_rrule_interval_alignment);
  g_test_add_func ("/schedule/rrule/count", test_rrule_count);
  g_test_add_func ("/schedule/rrule/count-iter", test_rrule_count_iter);
  g_test_add_func ("/schedule/rrule/count-budget", test_rrule_count_budget);
  g_test_add_func ("/schedule/rrule/far-future", test_rrule_far_future);
  g_test_add_func ("/schedule/rrule/until", test_rrule_until);
  g_test_add_func ("/schedule/rrule/start-10-years-ago", test_rrule_start_10_years_ago);
  g_test_add_func ("/schedule/rrule/start-10-years-ago-now", test_rrule_start_10_years_ago_now);
  for (guint i = 0; i < G_N_ELEMENTS (jump_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/schedule/rrule/jump/%s", jump_cases[i].name);

      g_test_add_data_func (path, &jump_cases[i], test_rrule_jump);
    }
  g_test_add_func ("/schedule/rrule/berlin-wall-clock", test_rrule_berlin_wall_clock);
  g_test_add_func ("/schedule/rrule/berlin-dst", test_rrule_berlin_dst_gap_repeat);
  g_test_add_func ("/schedule/rrule/next-runs", test_rrule_next_runs);
  g_test_add_func ("/schedule/rrule/lower-case", test_rrule_lower_case);

  g_test_add_func ("/schedule/manual/empty", test_manual_empty);
  g_test_add_func ("/schedule/manual/whitespace", test_manual_whitespace);

  g_test_add_func ("/schedule/boxed", test_boxed);
  g_test_add_func ("/schedule/next-runs/consistent", test_next_runs_consistent);

  g_test_add_func ("/schedule/time-zone/local", test_time_zone_local);
  g_test_add_func ("/schedule/time-zone/named", test_time_zone_named);
  g_test_add_func ("/schedule/time-zone/unknown", test_time_zone_unknown);
  g_test_add_func ("/schedule/time-zone/not-a-path", test_time_zone_not_a_path);

  for (guint i = 0; i < G_N_ELEMENTS (describe_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/schedule/describe/%s", describe_cases[i].name);

      g_test_add_data_func (path, &describe_cases[i], test_describe_exact);
    }
  g_test_add_func ("/schedule/describe/distinct", test_describe_distinct);

  for (guint i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/schedule/invalid/%s", invalid_cases[i].name);

      g_test_add_data_func (path, &invalid_cases[i], test_invalid);
    }

  return g_test_run ();
}
