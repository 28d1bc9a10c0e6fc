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

static const struct
{
  char    unit;
  guint64 seconds;
} duration_units[] = {
  { 's', 1 },
  { 'm', 60 },
  { 'h', 3600 },
  { 'd', 24 * 3600 },
  { 'w', 7 * 24 * 3600 },
};

/**
 * chk_duration_parse:
 * @text: a duration such as "90s", "10m", "2h", "7d", "1w", "1h30m", or a
 *   plain number of seconds
 * @out_seconds: (out): the duration in seconds
 * @error: return location for a #GError
 *
 * Returns: %TRUE if @text is a duration; otherwise %FALSE with
 *   %CHK_ERROR_INVALID_ARGUMENT saying what is wrong
 */
gboolean
chk_duration_parse (const char  *text,
                    guint64     *out_seconds,
                    GError     **error)
{
  const char *p = text;
  guint64 total = 0;

  g_return_val_if_fail (text != NULL, FALSE);

  if (*p == '\0')
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a duration such as 90s, 10m, 2h, 7d or 1w"), text);
      return FALSE;
    }

  while (*p != '\0')
    {
      guint64 number = 0;
      guint64 unit = 0;
      const char *digits = p;

      while (g_ascii_isdigit (*p) && p - digits < 12)
        number = number * 10 + (guint64) (*p++ - '0');

      if (p == digits || g_ascii_isdigit (*p))
        {
          g_set_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not a duration such as 90s, 10m, 2h, 7d or 1w"), text);
          return FALSE;
        }

      if (*p == '\0' && digits == text)
        unit = 1;
      for (guint i = 0; i < G_N_ELEMENTS (duration_units) && *p != '\0'; i++)
        if (g_ascii_tolower (*p) == duration_units[i].unit)
          unit = duration_units[i].seconds;

      if (unit == 0)
        {
          g_set_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not a duration such as 90s, 10m, 2h, 7d or 1w"), text);
          return FALSE;
        }
      if (*p != '\0')
        p++;

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

/**
 * chk_size_parse:
 * @text: a size in bytes, optionally with K, M, G or T (powers of 1024, also
 *   written KiB, MiB, GiB, TiB), such as "64K"; with a unit, the number may
 *   have decimals, such as "1.5G"
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
    gint        shift;
  } units[] = {
    { "", 0 }, { "k", 10 }, { "kib", 10 }, { "m", 20 }, { "mib", 20 },
    { "g", 30 }, { "gib", 30 }, { "t", 40 }, { "tib", 40 },
  };
  guint64 number = 0;
  guint64 fraction = 0, scale = 1;
  const char *end = text;
  gint shift = -1;

  g_return_val_if_fail (text != NULL, FALSE);

  if (g_ascii_isdigit (text[0]))
    {
      for (end = text; g_ascii_isdigit (*end) && number <= G_MAXUINT64 / 10 - 1; end++)
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

      for (guint i = 0; i < G_N_ELEMENTS (units) && shift < 0; i++)
        if (g_ascii_strcasecmp (end, units[i].unit) == 0)
          shift = units[i].shift;
      /* A fraction of a byte is a mistake. */
      if (shift == 0 && scale > 1)
        shift = -1;
    }

  if (shift < 0 || number >= (G_MAXUINT64 >> shift))
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a size such as 65536, 512K, 16M or 1.5G"), text);
      return FALSE;
    }

  *out_bytes = (number << shift) + ((fraction << shift) / scale);
  return TRUE;
}

/**
 * chk_format_relative_time:
 * @when: a time, µs since the epoch
 * @now: now, µs since the epoch
 *
 * Returns: (transfer full): "in 4 min", "2 h ago", "now", or "-" for 0
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
