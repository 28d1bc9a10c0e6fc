/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-duration"

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "chk-duration.h"
#include "chk-error.h"

/* Ten years: more is a mistake, and it keeps µs within gint64. */
#define MAX_DURATION_SECONDS (G_GUINT64_CONSTANT (10) * 366 * 24 * 3600)

/* Units as people write them: "90s", "10m", "5 minutes", "1 h 30 min",
 * "2 days", and as chk_duration_format() writes them ("3 min 20 s"). */
static const struct
{
  const char *name;
  guint64     seconds;
} duration_units[] = {
  { "s", 1 }, { "sec", 1 }, { "secs", 1 }, { "second", 1 }, { "seconds", 1 },
  { "m", 60 }, { "min", 60 }, { "mins", 60 }, { "minute", 60 }, { "minutes", 60 },
  { "h", 3600 }, { "hr", 3600 }, { "hrs", 3600 }, { "hour", 3600 }, { "hours", 3600 },
  { "d", 24 * 3600 }, { "day", 24 * 3600 }, { "days", 24 * 3600 },
  { "w", 7 * 24 * 3600 }, { "wk", 7 * 24 * 3600 }, { "wks", 7 * 24 * 3600 },
  { "week", 7 * 24 * 3600 }, { "weeks", 7 * 24 * 3600 },
};

static gboolean
set_not_a_duration (GError     **error,
                    const char  *text)
{
  g_set_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT,
               _("“%s” is not a duration such as 90s, 10 min, 2 hours, 7 days or 1w"), text);
  return FALSE;
}

static const char *
skip_spaces (const char *p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

/**
 * chk_duration_parse:
 * @text: a duration such as "90s", "10m", "2h", "7d", "1w", "1h30m",
 *   "5 minutes", "1 hour 30 min", "3 min 20 s", or a plain number of
 *   seconds
 * @out_seconds: (out): the duration in seconds
 * @error: return location for a #GError
 *
 * Reads a duration: numbers, each with its unit (s, sec, second(s); m,
 * min, minute(s); h, hr, hour(s); d, day(s); w, week(s), in any case),
 * with or without spaces between them. A number alone is seconds.
 *
 * Returns: %TRUE if @text is a duration; otherwise %FALSE with
 *   %CHK_ERROR_INVALID_ARGUMENT saying what is wrong
 */
gboolean
chk_duration_parse (const char  *text,
                    guint64     *out_seconds,
                    GError     **error)
{
  const char *p;
  guint64 total = 0;

  g_return_val_if_fail (text != NULL, FALSE);

  p = skip_spaces (text);
  if (*p == '\0')
    return set_not_a_duration (error, text);

  while (*p != '\0')
    {
      guint64 number = 0;
      guint64 unit = 0;
      const char *digits = p;
      const char *word;
      gsize word_len;

      while (g_ascii_isdigit (*p) && p - digits < 12)
        number = number * 10 + (guint64) (*p++ - '0');
      if (p == digits || g_ascii_isdigit (*p))
        return set_not_a_duration (error, text);

      p = skip_spaces (p);
      word = p;
      while (g_ascii_isalpha (*p))
        p++;
      word_len = p - word;

      if (word_len == 0)
        {
          /* A number alone is seconds; a number without a unit among others is a mistake. */
          if (digits != skip_spaces (text) || *p != '\0')
            return set_not_a_duration (error, text);
          unit = 1;
        }
      for (guint i = 0; i < G_N_ELEMENTS (duration_units) && unit == 0; i++)
        if (strlen (duration_units[i].name) == word_len &&
            g_ascii_strncasecmp (word, duration_units[i].name, word_len) == 0)
          unit = duration_units[i].seconds;
      if (unit == 0)
        return set_not_a_duration (error, text);

      /* "1 hour, 30 minutes" and "1 hour and 30 minutes" too */
      p = skip_spaces (p);
      if (*p == ',')
        p = skip_spaces (p + 1);
      if (g_ascii_strncasecmp (p, "and ", 4) == 0)
        p = skip_spaces (p + 4);

      total += number * unit;
      if (total > MAX_DURATION_SECONDS)
        {
          g_set_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT,
                       _("“%s” is longer than ten years"), text);
          return FALSE;
        }
    }

  *out_seconds = total;
  return TRUE;
}

/**
 * chk_duration_format:
 * @seconds: a duration
 *
 * Returns: (transfer full): the duration for people, in at most two units:
 *   "45 s", "3 min 20 s", "2 h 5 min", "3 d 4 h"
 */
char *
chk_duration_format (guint64 seconds)
{
  guint64 days = seconds / 86400;
  guint64 hours = (seconds / 3600) % 24;
  guint64 minutes = (seconds / 60) % 60;
  guint64 secs = seconds % 60;

  if (days > 0 && hours > 0)
    return g_strdup_printf (_("%" PRIu64 " d %" PRIu64 " h"), days, hours);
  if (days > 0)
    return g_strdup_printf (_("%" PRIu64 " d"), days);
  if (hours > 0 && minutes > 0)
    return g_strdup_printf (_("%" PRIu64 " h %" PRIu64 " min"), hours, minutes);
  if (hours > 0)
    return g_strdup_printf (_("%" PRIu64 " h"), hours);
  if (minutes > 0 && secs > 0)
    return g_strdup_printf (_("%" PRIu64 " min %" PRIu64 " s"), minutes, secs);
  if (minutes > 0)
    return g_strdup_printf (_("%" PRIu64 " min"), minutes);
  return g_strdup_printf (_("%" PRIu64 " s"), secs);
}

/* The digits of a fraction that count: a millionth of a TiB is about a megabyte. */
#define MAX_FRACTION_DIGITS 6

/* Spaces, also the no-break ones that g_format_size() puts before its unit */
static const char *
skip_size_spaces (const char *p)
{
  for (;;)
    {
      if (*p == ' ')
        p++;
      else if ((guchar) p[0] == 0xc2 && (guchar) p[1] == 0xa0)  /* U+00A0 */
        p += 2;
      else if ((guchar) p[0] == 0xe2 && (guchar) p[1] == 0x80 && (guchar) p[2] == 0xaf)  /* U+202F */
        p += 3;
      else
        return p;
    }
}

/**
 * chk_size_parse:
 * @text: a size in bytes, optionally with a unit: K, M, G or T (powers of
 *   1024, also written KiB, MiB, GiB, TiB), or kB, MB, GB, TB (powers of
 *   1000, as g_format_size() writes sizes), such as "64K" or "16.8 MB";
 *   with a unit, the number may have decimals, such as "1.5G"
 * @out_bytes: (out): the size in bytes (rounded down)
 * @error: return location for a #GError
 *
 * Returns: %TRUE if @text is a size
 */
gboolean
chk_size_parse (const char  *text,
                guint64     *out_bytes,
                GError     **error)
{
  static const struct
  {
    const char *unit;
    guint64     multiplier;
  } units[] = {
    { "", 1 }, { "b", 1 }, { "bytes", 1 },
    { "k", G_GUINT64_CONSTANT (1) << 10 }, { "kib", G_GUINT64_CONSTANT (1) << 10 },
    { "m", G_GUINT64_CONSTANT (1) << 20 }, { "mib", G_GUINT64_CONSTANT (1) << 20 },
    { "g", G_GUINT64_CONSTANT (1) << 30 }, { "gib", G_GUINT64_CONSTANT (1) << 30 },
    { "t", G_GUINT64_CONSTANT (1) << 40 }, { "tib", G_GUINT64_CONSTANT (1) << 40 },
    { "kb", G_GUINT64_CONSTANT (1000) }, { "mb", G_GUINT64_CONSTANT (1000000) },
    { "gb", G_GUINT64_CONSTANT (1000000000) }, { "tb", G_GUINT64_CONSTANT (1000000000000) },
  };
  guint64 number = 0;
  guint64 fraction = 0, scale = 1;
  guint64 multiplier = 0;
  const char *end = text;

  g_return_val_if_fail (text != NULL, FALSE);

  end = skip_size_spaces (text);
  if (g_ascii_isdigit (*end))
    {
      g_autofree char *unit = NULL;

      for (; g_ascii_isdigit (*end) && number <= G_MAXUINT64 / 10 - 1; end++)
        number = number * 10 + (*end - '0');

      if (*end == '.' && g_ascii_isdigit (end[1]))
        {
          guint digits = 0;

          for (end++; g_ascii_isdigit (*end); end++, digits++)
            {
              if (digits < MAX_FRACTION_DIGITS)
                {
                  fraction = fraction * 10 + (*end - '0');
                  scale *= 10;
                }
            }
        }

      /* "512 MiB" as well as "512MiB" */
      end = skip_size_spaces (end);
      unit = g_strchomp (g_strdup (end));
      for (guint i = 0; i < G_N_ELEMENTS (units) && multiplier == 0; i++)
        if (g_ascii_strcasecmp (unit, units[i].unit) == 0)
          multiplier = units[i].multiplier;
      /* A fraction of a byte is a mistake. */
      if (multiplier == 1 && scale > 1)
        multiplier = 0;
    }

  if (multiplier == 0 || number > G_MAXUINT64 / multiplier - 1)
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a size such as 65536, 512K, 16M, 16.8 MB or 1.5G"), text);
      return FALSE;
    }

  /* fraction < scale ≤ 10⁶ and multiplier ≤ 2⁴⁰: no overflow */
  *out_bytes = number * multiplier + (fraction * multiplier) / scale;
  return TRUE;
}

/* From a week away on, a count of days says less than the date. */
#define DATE_AFTER_SECONDS (7 * 24 * 3600)

/* The unit a relative time of @seconds is counted in. */
static gint64
relative_unit (gint64 seconds)
{
  if (seconds < 60)
    return 1;
  if (seconds < 3600)
    return 60;
  if (seconds < 48 * 3600)
    return 3600;
  return 24 * 3600;
}

static char *
format_date (gint64 when,
             gint64 now)
{
  g_autoptr(GDateTime) date = g_date_time_new_from_unix_local (when / G_USEC_PER_SEC);
  g_autoptr(GDateTime) today = g_date_time_new_from_unix_local (now / G_USEC_PER_SEC);

  if (date == NULL || today == NULL)
    return g_strdup ("-");
  if (g_date_time_get_year (date) == g_date_time_get_year (today))
    /* Translators: a day this year, in g_date_time_format() terms, e.g. "24 Mar" */
    return g_date_time_format (date, C_("relative time", "%-d %b"));
  /* Translators: a day of another year, in g_date_time_format() terms, e.g. "24 Mar 2027" */
  return g_date_time_format (date, C_("relative time", "%-d %b %Y"));
}

/**
 * chk_format_relative_time:
 * @when: a time, µs since the epoch
 * @now: now, µs since the epoch
 *
 * Says when @when is, seen from @now: "now", "in 40 s", "in 4 min",
 * "2 h ago", "in 3 d", and from a week away on the date ("24 Mar", "2 Jan
 * 2027"), in the local time zone. Counts are rounded down; the text next
 * changes at chk_format_relative_time_next_change().
 *
 * Returns: (transfer full): the text, or "-" for 0
 */
char *
chk_format_relative_time (gint64 when,
                          gint64 now)
{
  gint64 delta, seconds;
  g_autofree char *amount = NULL;

  if (when == 0)
    return g_strdup ("-");

  delta = when - now;
  seconds = ABS (delta) / G_USEC_PER_SEC;

  if (seconds < 1)
    return g_strdup (_("now"));
  if (seconds >= DATE_AFTER_SECONDS)
    return format_date (when, now);
  if (seconds < 60)
    amount = g_strdup_printf (_("%" PRId64 " s"), seconds);
  else if (seconds < 3600)
    amount = g_strdup_printf (_("%" PRId64 " min"), seconds / 60);
  else if (seconds < 48 * 3600)
    amount = g_strdup_printf (_("%" PRId64 " h"), seconds / 3600);
  else
    amount = g_strdup_printf (_("%" PRId64 " d"), seconds / 86400);

  if (delta > 0)
    return g_strdup_printf (C_("relative time", "in %s"), amount);
  return g_strdup_printf (C_("relative time", "%s ago"), amount);
}

/**
 * chk_format_relative_time_next_change:
 * @when: a time, µs since the epoch, as given to chk_format_relative_time()
 * @now: now, µs since the epoch
 *
 * For redrawing relative times when they change, and only then: each
 * second under a minute away, each minute under an hour, and so on,
 * counted from @when rather than from the clock's minutes.
 *
 * Returns: the first time after @now at which chk_format_relative_time()
 *   says something else for @when, or %G_MAXINT64 if it never will (a date
 *   long past, or @when 0)
 */
gint64
chk_format_relative_time_next_change (gint64 when,
                                      gint64 now)
{
  gint64 delta, seconds, unit;

  if (when == 0)
    return G_MAXINT64;

  delta = when - now;
  if (delta > 0)
    {
      /* Counting down: the count drops once less than k units are left. */
      seconds = delta / G_USEC_PER_SEC;
      if (seconds >= DATE_AFTER_SECONDS)
        return when - (gint64) DATE_AFTER_SECONDS * G_USEC_PER_SEC + 1;
      if (seconds < 1)
        return when + G_USEC_PER_SEC;  /* "now" until a second has gone by */
      unit = relative_unit (seconds);
      return when - (seconds / unit) * unit * G_USEC_PER_SEC + 1;
    }

  /* Counting up: the count grows once k + 1 units have gone by. */
  seconds = -delta / G_USEC_PER_SEC;
  if (seconds >= DATE_AFTER_SECONDS)
    return G_MAXINT64;
  unit = relative_unit (seconds);
  return when + (seconds / unit + 1) * unit * G_USEC_PER_SEC;
}
