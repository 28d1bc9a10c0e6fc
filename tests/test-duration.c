/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <string.h>

#include "chk-duration.h"
#include "chk-error.h"

#define SEC G_GINT64_CONSTANT (1000000)

static void
test_duration_parse (void)
{
  const struct
  {
    const char *text;
    guint64     seconds;
  } cases[] = {
    /* The short forms */
    { "90s", 90 }, { "10m", 600 }, { "2h", 7200 }, { "7d", 604800 }, { "1w", 604800 },
    { "1h30m", 5400 }, { "45", 45 }, { "0", 0 }, { "10M", 600 },
    /* As people write them */
    { "5 minutes", 300 }, { "5 minute", 300 }, { "5 min", 300 }, { "5 mins", 300 },
    { "1 hour", 3600 }, { "2 hours", 7200 }, { "2 hrs", 7200 }, { "2 Hours", 7200 },
    { "90 seconds", 90 }, { "30 sec", 30 }, { "2 days", 172800 }, { "1 day", 86400 },
    { "1 week", 604800 }, { "2 weeks", 1209600 },
    { "1 hour 30 minutes", 5400 }, { "1 hour, 30 minutes", 5400 },
    { "1 hour and 30 minutes", 5400 }, { "1h 30m", 5400 }, { "  5 minutes  ", 300 },
    /* As chk_duration_format() writes them */
    { "3 min 20 s", 200 }, { "2 h 5 min", 7500 }, { "3 d 4 h", 273600 },
  };
  const char *bad[] = {
    "", "   ", "m", "5 parsecs", "5 minutes 3", "1h30", "-5m", "5.5 minutes", "five minutes",
    "1 hour and", "9999999999999999s", "minutes 5",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 seconds = G_MAXUINT64;

      g_test_message ("“%s”", cases[i].text);
      g_assert_true (chk_duration_parse (cases[i].text, &seconds, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (seconds, ==, cases[i].seconds);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 seconds = 7;

      g_test_message ("“%s”", bad[i]);
      g_assert_false (chk_duration_parse (bad[i], &seconds, &error));
      g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT);
      g_assert_cmpuint (seconds, ==, 7);
    }
}

/* What is shown reads back */
static void
test_duration_round_trip (void)
{
  const guint64 durations[] = { 1, 59, 60, 61, 200, 3600, 7500, 86400, 273600 };

  for (guint i = 0; i < G_N_ELEMENTS (durations); i++)
    {
      g_autofree char *text = chk_duration_format (durations[i]);
      guint64 seconds = 0;

      g_assert_true (chk_duration_parse (text, &seconds, NULL));
      g_assert_cmpuint (seconds, ==, durations[i]);
    }
}

static void
test_size_parse (void)
{
  const struct
  {
    const char *text;
    guint64     bytes;
  } cases[] = {
    { "65536", 65536 }, { "512K", 524288 }, { "16M", 16 << 20 }, { "1G", 1 << 30 },
    { "1.5G", 3 << 29 }, { "512 MiB", (guint64) 512 << 20 }, { "64kib", 65536 },
    /* g_format_size()'s units, as the app shows sizes */
    { "16.8 MB", 16800000 }, { "16.8MB", 16800000 }, { "1 kB", 1000 }, { "2 GB", 2000000000 },
    { "1 TB", G_GUINT64_CONSTANT (1000000000000) }, { "100 bytes", 100 }, { "5 B", 5 },
  };
  const char *bad[] = { "", "M", "1.5", "1.5 bytes", "12 parsecs", "-1M", "99999999999999999999T" };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint64 bytes = 0;

      g_test_message ("“%s”", cases[i].text);
      g_assert_true (chk_size_parse (cases[i].text, &bytes, NULL));
      g_assert_cmpuint (bytes, ==, cases[i].bytes);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 bytes = 0;

      g_test_message ("“%s”", bad[i]);
      g_assert_false (chk_size_parse (bad[i], &bytes, &error));
      g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT);
    }
}

/* Sizes as g_format_size() shows them (one decimal) read back to within its rounding */
static void
test_size_round_trip (void)
{
  const guint64 sizes[] = { 999, 16 << 20, 8 << 20, 21500000, G_GUINT64_CONSTANT (3) << 30 };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *text = g_format_size (sizes[i]);
      guint64 bytes = 0;

      g_test_message ("%s", text);
      g_assert_true (chk_size_parse (text, &bytes, NULL));
      g_assert_cmpfloat (ABS ((double) bytes - (double) sizes[i]), <=, sizes[i] * 0.02 + 1);
    }
}

static void
test_relative_time (void)
{
  gint64 now = G_GINT64_CONSTANT (1750000000) * SEC;
  const struct
  {
    gint64      delta;
    const char *expected;
  } cases[] = {
    { 0, "now" }, { SEC - 1, "now" }, { -SEC + 1, "now" },
    { 18 * SEC, "in 18 s" }, { 18 * SEC + SEC / 2, "in 18 s" }, { -40 * SEC, "40 s ago" },
    { 299 * SEC, "in 4 min" }, { -3599 * SEC, "59 min ago" }, { 3600 * SEC, "in 1 h" },
    { (gint64) 47 * 3600 * SEC, "in 47 h" }, { (gint64) 48 * 3600 * SEC, "in 2 d" },
    { (gint64) 6 * 86400 * SEC, "in 6 d" }, { -(gint64) 6 * 86400 * SEC, "6 d ago" },
  };
  g_autoptr(GDateTime) far = NULL;
  g_autofree char *far_text = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *none = chk_format_relative_time (0, now);

  g_assert_cmpstr (none, ==, "-");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = chk_format_relative_time (now + cases[i].delta, now);

      g_assert_cmpstr (text, ==, cases[i].expected);
    }

  /* Far away: the date, not "in 116 d" */
  far = g_date_time_new_from_unix_local ((now + (gint64) 116 * 86400 * SEC) / SEC);
  far_text = chk_format_relative_time (now + (gint64) 116 * 86400 * SEC, now);
  expected = g_date_time_format (far, g_date_time_get_year (far) == 2025 ? "%-d %b" : "%-d %b %Y");
  g_assert_cmpstr (far_text, ==, expected);
  g_assert_null (strstr (far_text, " d"));
  g_clear_pointer (&far_text, g_free);
  far_text = chk_format_relative_time (now - (gint64) 400 * 86400 * SEC, now);
  g_assert_true (g_str_has_suffix (far_text, "2024"));
}

/* The text changes exactly at the time said, and not before. */
static void
test_relative_time_next_change (void)
{
  gint64 now = G_GINT64_CONSTANT (1750000000) * SEC;
  const gint64 deltas[] = {
    40 * SEC + 123, 18 * SEC, SEC, SEC / 2, 0, -SEC / 2, -SEC, -59 * SEC - 1, 61 * SEC + 7,
    -61 * SEC, 3601 * SEC, -7201 * SEC + 5, (gint64) 50 * 3600 * SEC, -(gint64) 50 * 3600 * SEC,
    (gint64) 7 * 86400 * SEC + 3, (gint64) 10 * 86400 * SEC, -(gint64) 6 * 86400 * SEC - 2,
  };

  for (guint i = 0; i < G_N_ELEMENTS (deltas); i++)
    {
      gint64 when = now + deltas[i];
      gint64 change = chk_format_relative_time_next_change (when, now);
      g_autofree char *before = chk_format_relative_time (when, now);
      g_autofree char *just_before = chk_format_relative_time (when, change - 1);
      g_autofree char *after = chk_format_relative_time (when, change);

      g_test_message ("%" G_GINT64_FORMAT " µs away: %s", deltas[i], before);
      g_assert_cmpint (change, >, now);
      g_assert_cmpstr (just_before, ==, before);
      g_assert_cmpstr (after, !=, before);
    }

  /* The example: 18 s left is said within a second, not 30 s late */
  g_assert_cmpint (chk_format_relative_time_next_change (now + 40 * SEC + SEC / 2, now), ==,
                   now + SEC / 2 + 1);
  /* Under an hour, each minute: 4 min 59 s left changes to "in 3 min" after a minute */
  g_assert_cmpint (chk_format_relative_time_next_change (now + 299 * SEC, now), ==,
                   now + 59 * SEC + 1);
  /* Long past dates stay as they are; 0 is never anything else */
  g_assert_cmpint (chk_format_relative_time_next_change (now - (gint64) 30 * 86400 * SEC, now), ==,
                   G_MAXINT64);
  g_assert_cmpint (chk_format_relative_time_next_change (0, now), ==, G_MAXINT64);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  (void) chk_error_quark ();

  g_test_add_func ("/duration/parse", test_duration_parse);
  g_test_add_func ("/duration/round-trip", test_duration_round_trip);
  g_test_add_func ("/duration/size-parse", test_size_parse);
  g_test_add_func ("/duration/size-round-trip", test_size_round_trip);
  g_test_add_func ("/duration/relative-time", test_relative_time);
  g_test_add_func ("/duration/relative-time-next-change", test_relative_time_next_change);

  return g_test_run ();
}
