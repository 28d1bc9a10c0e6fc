/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "chk-eta.h"

#define SEC G_GINT64_CONSTANT (1000000)
/* Some time in 2025: the estimate depends only on differences. */
#define T0 (G_GINT64_CONSTANT (1750000000) * SEC)

/* The pace so far, from the run's start */
static void
test_eta_estimate (void)
{
  guint64 seconds = 0;

  /* A quarter done in 10 s: 30 s to go */
  g_assert_true (chk_eta_estimate (T0, T0 + 10 * SEC, 25, 100, &seconds));
  g_assert_cmpuint (seconds, ==, 30);
  /* Half done in an hour: an hour to go */
  g_assert_true (chk_eta_estimate (T0, T0 + 3600 * SEC, 1, 2, &seconds));
  g_assert_cmpuint (seconds, ==, 3600);
  /* Fractions of a second count up, never down to 0 */
  g_assert_true (chk_eta_estimate (T0, T0 + 2 * SEC + 1, 999, 1000, &seconds));
  g_assert_cmpuint (seconds, ==, 1);
  /* Large totals and long runs do not overflow */
  g_assert_true (chk_eta_estimate (T0, T0 + (gint64) 200 * 24 * 3600 * SEC, G_MAXUINT / 2, G_MAXUINT,
                                   &seconds));
  g_assert_cmpuint (seconds, >, (guint64) 199 * 24 * 3600);
  g_assert_cmpuint (seconds, <, (guint64) 201 * 24 * 3600);
}

/* No estimate where it would be a guess */
static void
test_eta_none (void)
{
  guint64 seconds = 12345;

  g_assert_false (chk_eta_estimate (T0, T0 + 10 * SEC, 0, 100, &seconds));     /* nothing done */
  g_assert_false (chk_eta_estimate (T0, T0 + 10 * SEC, 100, 100, &seconds));   /* all done */
  g_assert_false (chk_eta_estimate (T0, T0 + 10 * SEC, 120, 100, &seconds));   /* past the end */
  g_assert_false (chk_eta_estimate (T0, T0 + 10 * SEC, 1, 0, &seconds));       /* no total */
  g_assert_false (chk_eta_estimate (0, T0, 1, 2, &seconds));                   /* no start */
  g_assert_false (chk_eta_estimate (T0, T0 + SEC, 1, 2, &seconds));            /* too soon */
  g_assert_false (chk_eta_estimate (T0, T0 - 10 * SEC, 1, 2, &seconds));       /* clocks apart */
  /* 1 in 4 billion after a year: more than ten years is no estimate */
  g_assert_false (chk_eta_estimate (T0, T0 + (gint64) 365 * 24 * 3600 * SEC, 1, G_MAXUINT, &seconds));
  g_assert_cmpuint (seconds, ==, 12345);
  g_assert_null (chk_eta_format (T0, T0 + 10 * SEC, 0, 100));
}

static void
test_eta_round (void)
{
  const struct
  {
    guint64 seconds;
    guint64 rounded;
  } cases[] = {
    { 0, 5 }, { 1, 5 }, { 5, 5 }, { 6, 10 }, { 31, 35 }, { 59, 60 },
    { 60, 60 }, { 89, 60 }, { 90, 120 }, { 3599, 3600 },
    { 3600, 3600 }, { 3749, 3600 }, { 3750, 3900 }, { 86399, 86400 },
    { 86400, 86400 }, { 88199, 86400 }, { 88200, 90000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%" G_GUINT64_FORMAT " s", cases[i].seconds);
      g_assert_cmpuint (chk_eta_round (cases[i].seconds), ==, cases[i].rounded);
    }
}

/* What the list, the run row and `run --wait` all print */
static void
test_eta_format (void)
{
  const struct
  {
    gint64      elapsed;
    guint       complete;
    guint       total;
    const char *expected;
  } cases[] = {
    { 10 * SEC, 25, 100, "about 30 s left" },
    { 10 * SEC, 24, 100, "about 35 s left" },     /* 31.7 s, up to the next 5 s */
    { 60 * SEC, 1, 4, "about 3 min left" },
    { 100 * SEC, 1, 2, "about 2 min left" },      /* 100 s, to the minute */
    { 3600 * SEC, 1, 3, "about 2 h left" },
    { 3600 * SEC, 2, 5, "about 1 h 30 min left" },
    { (gint64) 3 * 3600 * SEC, 1, 25, "about 3 d" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = chk_eta_format (T0, T0 + cases[i].elapsed, cases[i].complete, cases[i].total);

      g_assert_nonnull (text);
      g_assert_true (g_str_has_prefix (text, cases[i].expected));
    }
}

/* Whoever asks, at the same moment, about the same run: the same answer,
 * however long each has been watching. */
static void
test_eta_same_for_all (void)
{
  g_autofree char *list = chk_eta_format (T0, T0 + 47 * SEC + 123, 13, 77);
  g_autofree char *page = chk_eta_format (T0, T0 + 47 * SEC + 123, 13, 77);

  g_assert_cmpstr (list, ==, page);
  g_assert_cmpstr (list, ==, "about 4 min left");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/eta/estimate", test_eta_estimate);
  g_test_add_func ("/eta/none", test_eta_none);
  g_test_add_func ("/eta/round", test_eta_round);
  g_test_add_func ("/eta/format", test_eta_format);
  g_test_add_func ("/eta/same-for-all", test_eta_same_for_all);

  return g_test_run ();
}
