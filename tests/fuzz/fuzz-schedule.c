/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "fuzz-schedule"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "chk-error.h"
#include "chk-schedule.h"

/*
 * The fuzz target of the schedule parser. The input up to its first NUL
 * byte is the schedule text; the bytes after it, if any, choose the `start`
 * and `after` instants (so the fuzzer can steer them independently of the
 * text), together with a hash of the whole input. Every instant lies in
 * 1970..2200, like any time a job can have.
 *
 * Built with -Dfuzzing=true it is a libFuzzer target (build-aux/fuzz);
 * otherwise fuzz-replay.c runs it over the seed corpus as a test.
 */

#define MAX_INPUT_SIZE 4096
#define N_RUNS         8

/* 1970-01-01 00:00 and 2200-01-01 00:00 UTC, in µs. */
#define MIN_TIME       G_GINT64_CONSTANT (0)
#define MAX_TIME       (G_GINT64_CONSTANT (7258118400) * G_USEC_PER_SEC)
/* 2026-11-23 00:00 UTC: a "now" that does not change between runs. */
#define FIXED_NOW      (G_GINT64_CONSTANT (1795392000) * G_USEC_PER_SEC)
#define YEAR_USEC      (G_GINT64_CONSTANT (365) * G_TIME_SPAN_DAY)

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static const char * const zone_names[] = {
  "UTC",
  "Europe/Berlin",
  "America/New_York",
  "Australia/Lord_Howe",
};

static GTimeZone *zones[G_N_ELEMENTS (zone_names)];

static void
init_once (void)
{
  static gboolean initialized = FALSE;

  if (initialized)
    return;
  initialized = TRUE;

  /* A critical or a warning from the library is a bug: make it a crash. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  for (guint i = 0; i < G_N_ELEMENTS (zone_names); i++)
    {
      g_autoptr(GError) error = NULL;

      /* Kept for the whole process: time zones are cached by GLib anyway. */
      zones[i] = chk_time_zone_new (zone_names[i], &error);
      g_assert_no_error (error);
      g_assert_nonnull (zones[i]);
    }
}

static guint64
hash_bytes (const uint8_t *data,
            size_t         size)
{
  guint64 hash = G_GUINT64_CONSTANT (14695981039346656037);

  /* FNV-1a */
  for (size_t i = 0; i < size; i++)
    {
      hash ^= data[i];
      hash *= G_GUINT64_CONSTANT (1099511628211);
    }

  return hash;
}

/* Up to 8 bytes from @data at @offset (wrapping), mixed with @seed. */
static guint64
take_u64 (const uint8_t *data,
          size_t         size,
          size_t         offset,
          guint64        seed)
{
  guint64 value = seed;

  for (size_t i = 0; i < 8 && size > 0; i++)
    value = (value << 8 | value >> 56) ^ data[(offset + i) % size];

  return value;
}

static gint64
clamp_time (gint64 usec)
{
  return CLAMP (usec, MIN_TIME, MAX_TIME);
}

/* Any instant in 1970..2200, on whole seconds or not. */
static gint64
time_from_u64 (guint64 value)
{
  return MIN_TIME + (gint64) (value % (guint64) (MAX_TIME - MIN_TIME + 1));
}

static void
check_schedule (const ChkSchedule *schedule,
                GTimeZone         *tz,
                gint64             start,
                gint64             after)
{
  ChkScheduleKind kind = chk_schedule_get_kind (schedule);
  gint64 runs[N_RUNS];
  gint64 next;
  gint64 previous;
  guint n;

  next = chk_schedule_next (schedule, tz, start, after);
  g_assert_true (next == 0 || next > after);
  if (kind == CHK_SCHEDULE_MANUAL)
    g_assert_cmpint (next, ==, 0);
  else if (kind == CHK_SCHEDULE_CRON)
    g_assert_cmpint (next % G_TIME_SPAN_MINUTE, ==, 0);
  else
    g_assert_cmpint (next % G_TIME_SPAN_SECOND, ==, 0);

  n = chk_schedule_next_runs (schedule, tz, start, after, runs, N_RUNS);
  g_assert_cmpuint (n, <=, N_RUNS);
  if (next == 0)
    g_assert_cmpuint (n, ==, 0);
  else
    g_assert_cmpuint (n, >=, 1);

  previous = after;
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpint (runs[i], >, previous);
      previous = runs[i];
    }
  if (n > 0)
    g_assert_cmpint (runs[0], ==, next);

  /* next_runs() is the chain of next(): check its last link, and that a
   * short answer means the schedule is exhausted. */
  if (n >= 2)
    g_assert_cmpint (chk_schedule_next (schedule, tz, start, runs[n - 2]), ==, runs[n - 1]);
  if (n > 0 && n < N_RUNS)
    g_assert_cmpint (chk_schedule_next (schedule, tz, start, runs[n - 1]), ==, 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;
  g_autoptr(ChkSchedule) schedule = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  const uint8_t *extra = NULL;
  size_t text_len;
  size_t extra_size = 0;
  gboolean text_is_utf8;
  guint64 hash;
  gint64 afters[5];
  gint64 starts[3];

  if (size > MAX_INPUT_SIZE)
    return 0;

  init_once ();

  text = g_malloc (size + 1);
  memcpy (text, data, size);
  text[size] = '\0';
  text_len = strlen (text);
  if (text_len < size)
    {
      extra = data + text_len + 1;
      extra_size = size - text_len - 1;
    }
  text_is_utf8 = g_utf8_validate (text, -1, NULL);

  schedule = chk_schedule_parse (text, &error);
  if (schedule == NULL)
    {
      g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_SCHEDULE);
      g_assert_nonnull (error->message);
      g_assert_cmpstr (error->message, !=, "");
      /* Errors go over D-Bus, which only carries UTF-8. */
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  g_assert_no_error (error);

  g_assert_nonnull (chk_schedule_get_text (schedule));
  description = chk_schedule_describe (schedule);
  g_assert_nonnull (description);
  g_assert_cmpstr (description, !=, "");
  if (text_is_utf8)
    g_assert_true (g_utf8_validate (description, -1, NULL));

  switch (chk_schedule_get_kind (schedule))
    {
    case CHK_SCHEDULE_MANUAL:
    case CHK_SCHEDULE_CRON:
    case CHK_SCHEDULE_RRULE:
      break;
    default:
      g_assert_not_reached ();
    }

  hash = hash_bytes (data, size);

  /* The extremes, a fixed "now", and two the input chooses. */
  afters[0] = MIN_TIME;
  afters[1] = FIXED_NOW;
  afters[2] = MAX_TIME - YEAR_USEC;
  afters[3] = time_from_u64 (take_u64 (extra, extra_size, 0, hash));
  afters[4] = time_from_u64 (take_u64 (extra, extra_size, 8, hash >> 17 | hash << 47));

  for (guint a = 0; a < G_N_ELEMENTS (afters); a++)
    {
      gint64 after = afters[a];

      /* Long before @after, shortly before it, and after it. */
      starts[0] = clamp_time (after - 10 * YEAR_USEC);
      starts[1] = clamp_time (after - (gint64) (take_u64 (extra, extra_size, 16 + a, hash)
                                                % (guint64) (2 * YEAR_USEC)));
      starts[2] = clamp_time (after + (gint64) ((hash >> (a * 7)) % (guint64) G_TIME_SPAN_DAY));

      for (guint z = 0; z < G_N_ELEMENTS (zones); z++)
        {
          /* Not every combination: that would be 60 per input. */
          guint s = (guint) ((hash >> (z * 3 + a)) % G_N_ELEMENTS (starts));

          check_schedule (schedule, zones[z], starts[s], after);
          if (z == 0)
            check_schedule (schedule, zones[z], starts[(s + 1) % G_N_ELEMENTS (starts)], after);
        }
    }

  return 0;
}
