/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-schedule-rfc"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "chk-schedule.h"

/*
 * The recurrence rule examples of RFC 5545 §3.8.5.3, each with the
 * date-times the RFC lists for it, checked against libchroniker.
 *
 * Every example starts (DTSTART) in America/New_York. Its expected
 * occurrences are written much as the RFC prints them: `dates` is a list of
 * `YYYY-MM-DAYS` words, DAYS being comma-separated days of that month, ranges
 * `A..B` or stepped ranges `A..B/S`; `times` is a list of `HH:MM` wall-clock
 * times. The occurrences are every date at every time, in that order. An
 * example marked OPEN is one the RFC lists with "..." (its listing is a
 * prefix); any other is bounded by COUNT or UNTIL, so nothing may follow its
 * last occurrence.
 *
 * The RFC is the reference here: when the library disagrees, the library is
 * what is wrong (or the disagreement is a documented choice of Chroniker's,
 * which the example then says).
 *
 * The tests run with TZ=Pacific/Chatham, so nothing may lean on the
 * machine's zone.
 */

#define RFC_ZONE "America/New_York"
#define NINE "09:00"

typedef enum
{
  BOUNDED,
  OPEN,
} RfcEnd;

typedef struct
{
  const char *name;
  const char *dtstart; /* RFC 5545 local DATE-TIME form, in RFC_ZONE */
  const char *rule;
  RfcEnd      end;
  const char *dates;
  const char *times;
} RfcExample;

static const RfcExample examples[] = {
  /* Daily for 10 occurrences */
  { "daily-10", "19970902T090000", "RRULE:FREQ=DAILY;COUNT=10", BOUNDED,
    "1997-09-2..11", NINE },

  /* Daily until December 24, 1997 */
  { "daily-until", "19970902T090000", "RRULE:FREQ=DAILY;UNTIL=19971224T000000Z", BOUNDED,
    "1997-09-2..30 1997-10-1..25 "
    "1997-10-26..31 1997-11-1..30 1997-12-1..23", NINE },

  /* Every other day - forever */
  { "every-other-day", "19970902T090000", "RRULE:FREQ=DAILY;INTERVAL=2", OPEN,
    "1997-09-2..30/2 1997-10-2..24/2 "
    "1997-10-26,28,30 1997-11-1..29/2 1997-12-1,3", NINE },

  /* Every 10 days, 5 occurrences */
  { "every-10-days-5", "19970902T090000", "RRULE:FREQ=DAILY;INTERVAL=10;COUNT=5", BOUNDED,
    "1997-09-2,12,22 1997-10-2,12", NINE },

  /* Every day in January, for 3 years (two equivalent rules) */
  { "january-3-years-yearly", "19980101T090000",
    "RRULE:FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA", BOUNDED,
    "1998-01-1..31 1999-01-1..31 2000-01-1..31", NINE },
  { "january-3-years-daily", "19980101T090000",
    "RRULE:FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1", BOUNDED,
    "1998-01-1..31 1999-01-1..31 2000-01-1..31", NINE },

  /* Weekly for 10 occurrences */
  { "weekly-10", "19970902T090000", "RRULE:FREQ=WEEKLY;COUNT=10", BOUNDED,
    "1997-09-2,9,16,23,30 1997-10-7,14,21 1997-10-28 1997-11-4", NINE },

  /* Weekly until December 24, 1997 */
  { "weekly-until", "19970902T090000", "RRULE:FREQ=WEEKLY;UNTIL=19971224T000000Z", BOUNDED,
    "1997-09-2,9,16,23,30 1997-10-7,14,21 "
    "1997-10-28 1997-11-4,11,18,25 1997-12-2,9,16,23", NINE },

  /* Every other week - forever */
  { "every-other-week", "19970902T090000", "RRULE:FREQ=WEEKLY;INTERVAL=2;WKST=SU", OPEN,
    "1997-09-2,16,30 1997-10-14 "
    "1997-10-28 1997-11-11,25 1997-12-9,23 "
    "1998-01-6,20 1998-02-3,17", NINE },

  /* Weekly on Tuesday and Thursday for five weeks (two equivalent rules) */
  { "tuesday-thursday-5-weeks-until", "19970902T090000",
    "RRULE:FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH", BOUNDED,
    "1997-09-2,4,9,11,16,18,23,25,30 1997-10-2", NINE },
  { "tuesday-thursday-5-weeks-count", "19970902T090000",
    "RRULE:FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH", BOUNDED,
    "1997-09-2,4,9,11,16,18,23,25,30 1997-10-2", NINE },

  /* Every other week on Monday, Wednesday, and Friday until December 24,
   * 1997, starting on Monday, September 1, 1997 */
  { "every-other-week-mo-we-fr-until", "19970901T090000",
    "RRULE:FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR", BOUNDED,
    "1997-09-1,3,5,15,17,19,29 1997-10-1,3,13,15,17 "
    "1997-10-27,29,31 1997-11-10,12,14,24,26,28 1997-12-8,10,12,22", NINE },

  /* Every other week on Tuesday and Thursday, for 8 occurrences */
  { "every-other-week-tu-th-8", "19970902T090000",
    "RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH", BOUNDED,
    "1997-09-2,4,16,18,30 1997-10-2,14,16", NINE },

  /* Monthly on the first Friday for 10 occurrences */
  { "monthly-first-friday-10", "19970905T090000", "RRULE:FREQ=MONTHLY;COUNT=10;BYDAY=1FR",
    BOUNDED,
    "1997-09-5 1997-10-3 1997-11-7 1997-12-5 "
    "1998-01-2 1998-02-6 1998-03-6 1998-04-3 1998-05-1 1998-06-5", NINE },

  /* Monthly on the first Friday until December 24, 1997 */
  { "monthly-first-friday-until", "19970905T090000",
    "RRULE:FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR", BOUNDED,
    "1997-09-5 1997-10-3 1997-11-7 1997-12-5", NINE },

  /* Every other month on the first and last Sunday of the month for 10
   * occurrences */
  { "every-other-month-first-last-sunday-10", "19970907T090000",
    "RRULE:FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU", BOUNDED,
    "1997-09-7,28 1997-11-2,30 1998-01-4,25 1998-03-1,29 1998-05-3,31", NINE },

  /* Monthly on the second-to-last Monday of the month for 6 months */
  { "monthly-second-to-last-monday-6", "19970922T090000",
    "RRULE:FREQ=MONTHLY;COUNT=6;BYDAY=-2MO", BOUNDED,
    "1997-09-22 1997-10-20 1997-11-17 1997-12-22 1998-01-19 1998-02-16", NINE },

  /* Monthly on the third-to-the-last day of the month, forever */
  { "monthly-third-to-last-day", "19970928T090000", "RRULE:FREQ=MONTHLY;BYMONTHDAY=-3", OPEN,
    "1997-09-28 1997-10-29 1997-11-28 1997-12-29 1998-01-29 1998-02-26", NINE },

  /* Monthly on the 2nd and 15th of the month for 10 occurrences */
  { "monthly-2nd-15th-10", "19970902T090000", "RRULE:FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15",
    BOUNDED,
    "1997-09-2,15 1997-10-2,15 1997-11-2,15 1997-12-2,15 1998-01-2,15", NINE },

  /* Monthly on the first and last day of the month for 10 occurrences */
  { "monthly-first-last-day-10", "19970930T090000",
    "RRULE:FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1", BOUNDED,
    "1997-09-30 1997-10-1 1997-10-31 1997-11-1,30 1997-12-1,31 1998-01-1,31 1998-02-1", NINE },

  /* Every 18 months on the 10th thru 15th of the month for 10 occurrences */
  { "every-18-months-10th-to-15th-10", "19970910T090000",
    "RRULE:FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15", BOUNDED,
    "1997-09-10..15 1999-03-10..13", NINE },

  /* Every Tuesday, every other month */
  { "every-other-month-tuesdays", "19970902T090000", "RRULE:FREQ=MONTHLY;INTERVAL=2;BYDAY=TU",
    OPEN,
    "1997-09-2,9,16,23,30 1997-11-4,11,18,25 1998-01-6,13,20,27 1998-03-3,10,17,24,31", NINE },

  /* Yearly in June and July for 10 occurrences */
  { "yearly-june-july-10", "19970610T090000", "RRULE:FREQ=YEARLY;COUNT=10;BYMONTH=6,7", BOUNDED,
    "1997-06-10 1997-07-10 1998-06-10 1998-07-10 1999-06-10 1999-07-10 "
    "2000-06-10 2000-07-10 2001-06-10 2001-07-10", NINE },

  /* Every other year on January, February, and March for 10 occurrences */
  { "every-other-year-jan-feb-mar-10", "19970310T090000",
    "RRULE:FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3", BOUNDED,
    "1997-03-10 1999-01-10 1999-02-10 1999-03-10 2001-01-10 2001-02-10 2001-03-10 "
    "2003-01-10 2003-02-10 2003-03-10", NINE },

  /* Every third year on the 1st, 100th, and 200th day for 10 occurrences */
  { "every-third-year-days-1-100-200-10", "19970101T090000",
    "RRULE:FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200", BOUNDED,
    "1997-01-1 1997-04-10 1997-07-19 2000-01-1 2000-04-9 2000-07-18 "
    "2003-01-1 2003-04-10 2003-07-19 2006-01-1", NINE },

  /* Every 20th Monday of the year, forever */
  { "yearly-20th-monday", "19970519T090000", "RRULE:FREQ=YEARLY;BYDAY=20MO", OPEN,
    "1997-05-19 1998-05-18 1999-05-17", NINE },

  /* Monday of week number 20 (where the default start of the week is
   * Monday), forever */
  { "yearly-monday-of-week-20", "19970512T090000", "RRULE:FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", OPEN,
    "1997-05-12 1998-05-11 1999-05-17", NINE },

  /* Every Thursday in March, forever */
  { "yearly-march-thursdays", "19970313T090000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=TH", OPEN,
    "1997-03-13,20,27 1998-03-5,12,19,26 1999-03-4,11,18,25", NINE },

  /* Every Thursday, but only during June, July, and August, forever */
  { "yearly-summer-thursdays", "19970605T090000", "RRULE:FREQ=YEARLY;BYDAY=TH;BYMONTH=6,7,8",
    OPEN,
    "1997-06-5,12,19,26 1997-07-3,10,17,24,31 1997-08-7,14,21,28 "
    "1998-06-4,11,18,25 1998-07-2,9,16,23,30 1998-08-6,13,20,27 "
    "1999-06-3,10,17,24 1999-07-1,8,15,22,29 1999-08-5,12,19,26", NINE },

  /* Every Friday the 13th, forever. The RFC also gives EXDATE = DTSTART,
   * because to it DTSTART is always the first instance; Chroniker's choice
   * that the start counts only when it matches the rule gives the same
   * listing without it. */
  { "friday-13th", "19970902T090000", "RRULE:FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13", OPEN,
    "1998-02-13 1998-03-13 1998-11-13 1999-08-13 2000-10-13", NINE },

  /* The first Saturday that follows the first Sunday of the month, forever */
  { "saturday-after-first-sunday", "19970913T090000",
    "RRULE:FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13", OPEN,
    "1997-09-13 1997-10-11 1997-11-8 1997-12-13 "
    "1998-01-10 1998-02-7 1998-03-7 1998-04-11 1998-05-9 1998-06-13", NINE },

  /* Every 4 years, the first Tuesday after a Monday in November, forever
   * (U.S. Presidential Election day) */
  { "us-election-day", "19961105T090000",
    "RRULE:FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8", OPEN,
    "1996-11-5 2000-11-7 2004-11-2", NINE },

  /* The third instance into the month of one of Tuesday, Wednesday, or
   * Thursday, for the next 3 months */
  { "third-tu-we-th-3", "19970904T090000",
    "RRULE:FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3", BOUNDED,
    "1997-09-4 1997-10-7 1997-11-6", NINE },

  /* The second-to-last weekday of the month */
  { "second-to-last-weekday", "19970929T090000",
    "RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2", OPEN,
    "1997-09-29 1997-10-30 1997-11-27 1997-12-30 1998-01-29 1998-02-26 1998-03-30", NINE },

  /* Every 3 hours from 9:00 AM to 5:00 PM on a specific day. Skipped as
   * printed (UNTIL=19970902T170000Z, which is 13:00 EDT and would end the
   * listing at 12:00): verified erratum EID 3883 corrects UNTIL to
   * 19970902T210000Z, 17:00 EDT, which gives the RFC's listing. */
  { "every-3-hours-eid-3883", "19970902T090000",
    "RRULE:FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T210000Z", BOUNDED,
    "1997-09-2", "09:00 12:00 15:00" },

  /* Every 15 minutes for 6 occurrences */
  { "every-15-minutes-6", "19970902T090000", "RRULE:FREQ=MINUTELY;INTERVAL=15;COUNT=6", BOUNDED,
    "1997-09-2", "09:00 09:15 09:30 09:45 10:00 10:15" },

  /* Every hour and a half for 4 occurrences */
  { "every-90-minutes-4", "19970902T090000", "RRULE:FREQ=MINUTELY;INTERVAL=90;COUNT=4", BOUNDED,
    "1997-09-2", "09:00 10:30 12:00 13:30" },

  /* Every 20 minutes from 9:00 AM to 4:40 PM every day (two equivalent
   * rules); the RFC's "..." within each day written out */
#define EVERY_20_MINUTES \
  "09:00 09:20 09:40 10:00 10:20 10:40 11:00 11:20 11:40 12:00 12:20 12:40 " \
  "13:00 13:20 13:40 14:00 14:20 14:40 15:00 15:20 15:40 16:00 16:20 16:40"
  { "every-20-minutes-daily", "19970902T090000",
    "RRULE:FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40", OPEN,
    "1997-09-2,3", EVERY_20_MINUTES },
  { "every-20-minutes-minutely", "19970902T090000",
    "RRULE:FREQ=MINUTELY;INTERVAL=20;BYHOUR=9,10,11,12,13,14,15,16", OPEN,
    "1997-09-2,3", EVERY_20_MINUTES },
#undef EVERY_20_MINUTES

  /* An example where the days generated makes a difference because of WKST */
  { "wkst-monday", "19970805T090000",
    "RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO", BOUNDED,
    "1997-08-5,10,19,24", NINE },

  /* ... changing only WKST from MO to SU, yields different results */
  { "wkst-sunday", "19970805T090000",
    "RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU", BOUNDED,
    "1997-08-5,17,19,31", NINE },

  /* An example where an invalid date (i.e., February 30) is ignored */
  { "february-30-ignored", "20070115T090000", "RRULE:FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5",
    BOUNDED,
    "2007-01-15,30 2007-02-15 2007-03-15,30", NINE },

  /* §3.8.5.3 has no example with RDATE or with a DATE-valued DTSTART, so none
   * is left out for those. */
};

/* Reading the table */

static guint
read_number (const char **p,
             guint        max)
{
  const char *start = *p;
  guint64 value = 0;

  while (g_ascii_isdigit (**p))
    {
      value = value * 10 + (guint64) (**p - '0');
      (*p)++;
      g_assert_cmpuint (value, <=, max);
    }
  g_assert_true (*p != start);

  return (guint) value;
}

static void
expect_char (const char **p,
             char         c)
{
  g_assert_cmpint (**p, ==, c);
  (*p)++;
}

/* Appends the dates that @text lists to @dates (an array of GDate). */
static void
read_dates (const char *text,
            GArray     *dates)
{
  const char *p = text;

  while (*p != '\0')
    {
      guint year, month;

      while (*p == ' ')
        p++;
      if (*p == '\0')
        break;

      year = read_number (&p, 9999);
      expect_char (&p, '-');
      month = read_number (&p, 12);
      expect_char (&p, '-');
      g_assert_true (g_date_valid_dmy (1, month, year));

      for (;;)
        {
          guint first = read_number (&p, 31);
          guint last = first;
          guint step = 1;

          if (p[0] == '.' && p[1] == '.')
            {
              p += 2;
              last = read_number (&p, 31);
              if (*p == '/')
                {
                  p++;
                  step = read_number (&p, 31);
                }
            }
          g_assert_cmpuint (first, <=, last);
          g_assert_cmpuint (step, >, 0);

          for (guint day = first; day <= last; day += step)
            {
              GDate date;

              g_assert_true (g_date_valid_dmy (day, month, year));
              g_date_clear (&date, 1);
              g_date_set_dmy (&date, day, month, year);
              g_array_append_val (dates, date);
            }

          if (*p != ',')
            break;
          p++;
        }
      g_assert_true (*p == ' ' || *p == '\0');
    }
}

/* Appends the minutes of the day that @text lists to @minutes (guint). */
static void
read_times (const char *text,
            GArray     *minutes)
{
  const char *p = text;

  while (*p != '\0')
    {
      guint hour, minute, value;

      while (*p == ' ')
        p++;
      if (*p == '\0')
        break;

      hour = read_number (&p, 23);
      expect_char (&p, ':');
      minute = read_number (&p, 59);
      g_assert_true (*p == ' ' || *p == '\0');

      value = hour * 60 + minute;
      g_array_append_val (minutes, value);
    }
}

static gint64
local_usec (GTimeZone *tz,
            int        year,
            int        month,
            int        day,
            int        hour,
            int        minute,
            int        second)
{
  g_autoptr(GDateTime) dt = g_date_time_new (tz, year, month, day, hour, minute, second);

  g_assert_nonnull (dt);
  /* None of the RFC's times falls in a daylight-saving gap or overlap, where
   * a wall-clock time would not name one instant. */
  g_assert_cmpint (g_date_time_get_hour (dt), ==, hour);
  g_assert_cmpint (g_date_time_get_minute (dt), ==, minute);

  return g_date_time_to_unix (dt) * G_USEC_PER_SEC;
}

/* Reads an RFC 5545 local DATE-TIME such as 19970902T090000. */
static gint64
read_dtstart (GTimeZone  *tz,
              const char *text)
{
  int year, month, day, hour, minute, second;
  char end;

  g_assert_cmpuint (strlen (text), ==, 15);
  g_assert_cmpint (sscanf (text, "%4d%2d%2dT%2d%2d%2d%c",
                           &year, &month, &day, &hour, &minute, &second, &end), ==, 6);

  return local_usec (tz, year, month, day, hour, minute, second);
}

/* The example's occurrences in µs since the epoch, in order. */
static GArray *
expected_runs (const RfcExample *example,
               GTimeZone        *tz)
{
  g_autoptr(GArray) dates = g_array_new (FALSE, FALSE, sizeof (GDate));
  g_autoptr(GArray) minutes = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) runs = g_array_new (FALSE, FALSE, sizeof (gint64));

  read_dates (example->dates, dates);
  read_times (example->times, minutes);
  g_assert_cmpuint (dates->len, >, 0);
  g_assert_cmpuint (minutes->len, >, 0);

  for (guint d = 0; d < dates->len; d++)
    {
      const GDate *date = &g_array_index (dates, GDate, d);

      for (guint t = 0; t < minutes->len; t++)
        {
          guint minute = g_array_index (minutes, guint, t);
          gint64 run = local_usec (tz, g_date_get_year (date), g_date_get_month (date),
                                   g_date_get_day (date), minute / 60, minute % 60, 0);

          /* A typo in the table shows here rather than as a library bug. */
          if (runs->len > 0)
            g_assert_cmpint (run, >, g_array_index (runs, gint64, runs->len - 1));
          g_array_append_val (runs, run);
        }
    }

  return g_steal_pointer (&runs);
}

/* Checking */

/* @usec as a wall-clock time in @tz, with the zone's abbreviation and
 * offset, or "none". */
static char *
local_text (GTimeZone *tz,
            gint64     usec)
{
  g_autoptr(GDateTime) utc_dt = NULL;
  g_autoptr(GDateTime) dt = NULL;

  if (usec == 0)
    return g_strdup ("none");

  utc_dt = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  if (utc_dt == NULL)
    return g_strdup_printf ("%" G_GINT64_FORMAT " µs (out of range)", usec);
  dt = g_date_time_to_timezone (utc_dt, tz);
  if (usec % G_USEC_PER_SEC != 0)
    return g_date_time_format (dt, "%Y-%m-%d %H:%M:%S (and some µs) %Z %:z");

  return g_date_time_format (dt, "%Y-%m-%d %H:%M:%S %Z %:z");
}

typedef struct
{
  const RfcExample *example;
  GTimeZone        *tz;
  guint             n_mismatches;
  char             *first_mismatch;
} Check;

/* Records that occurrence @index of the example, as @how found it, is
 * @actual rather than @expected. Every mismatch is logged; the first one
 * becomes the failure message. */
static void
mismatch (Check      *check,
          const char *how,
          guint       index,
          gint64      expected,
          gint64      actual)
{
  g_autofree char *expected_text = local_text (check->tz, expected);
  g_autofree char *actual_text = local_text (check->tz, actual);
  g_autofree char *message = NULL;

  message = g_strdup_printf ("RFC 5545 example \"%s\" (%s from %s %s), %s, occurrence #%u: "
                             "expected %s, got %s",
                             check->example->name, check->example->rule,
                             check->example->dtstart, RFC_ZONE, how, index,
                             expected_text, actual_text);
  g_test_message ("%s", message);
  if (check->first_mismatch == NULL)
    check->first_mismatch = g_steal_pointer (&message);
  check->n_mismatches++;
}

static void
test_rfc_example (gconstpointer data)
{
  const RfcExample *example = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(ChkSchedule) schedule = NULL;
  g_autoptr(GArray) expected = NULL;
  g_autofree gint64 *runs = NULL;
  g_autofree char *first_mismatch = NULL;
  Check check = { example, NULL, 0, NULL };
  gint64 start;
  guint n_expected;
  guint n_asked;
  guint n_got;
  gint64 after;

  tz = chk_time_zone_new (RFC_ZONE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tz);
  check.tz = tz;

  schedule = chk_schedule_parse (example->rule, &error);
  if (error != NULL)
    g_test_message ("RFC 5545 example \"%s\": \"%s\" does not parse: %s",
                    example->name, example->rule, error->message);
  g_assert_no_error (error);
  g_assert_nonnull (schedule);
  g_assert_cmpint (chk_schedule_get_kind (schedule), ==, CHK_SCHEDULE_RRULE);

  start = read_dtstart (tz, example->dtstart);
  expected = expected_runs (example, tz);
  n_expected = expected->len;

  /* All at once: a bounded example must also stop where the RFC stops. */
  n_asked = example->end == BOUNDED ? n_expected + 5 : n_expected;
  runs = g_new0 (gint64, n_asked);
  n_got = chk_schedule_next_runs (schedule, tz, start, start - 1, runs, n_asked);
  for (guint i = 0; i < MAX (n_got, n_expected); i++)
    {
      gint64 want = i < n_expected ? g_array_index (expected, gint64, i) : 0;
      gint64 got = i < n_got ? runs[i] : 0;

      if (want != got)
        mismatch (&check, "chk_schedule_next_runs()", i, want, got);
    }

  /* One at a time, each strictly after the one the RFC lists before it. */
  after = start - 1;
  for (guint i = 0; i <= n_expected; i++)
    {
      gint64 want;
      gint64 got;

      if (i == n_expected && example->end == OPEN)
        break;

      want = i < n_expected ? g_array_index (expected, gint64, i) : 0;
      got = chk_schedule_next (schedule, tz, start, after);
      if (want != got)
        mismatch (&check, "chk_schedule_next() after the previous one", i, want, got);
      after = want;
    }

  first_mismatch = g_steal_pointer (&check.first_mismatch);
  if (check.n_mismatches > 0)
    g_test_fail_printf ("%s (%u mismatches in all)", first_mismatch, check.n_mismatches);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (examples); i++)
    {
      g_autofree char *path = g_strdup_printf ("/schedule/rfc5545/%s", examples[i].name);

      g_test_add_data_func (path, &examples[i], test_rfc_example);
    }

  return g_test_run ();
}
