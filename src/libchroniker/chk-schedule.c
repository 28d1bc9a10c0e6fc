/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-schedule"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <libical/ical.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chk-error.h"
#include "chk-schedule.h"

#define SECONDS_PER_DAY    86400
/* GDate's Julian day of 1970-01-01 (day 1 is 0001-01-01). */
#define JULIAN_UNIX_EPOCH  719163
/* No schedule we accept needs more than a full 400-year Gregorian cycle. */
#define MAX_YEARS_AHEAD    401
#define MAX_YEAR           9999
/* A bound on work per call, whatever libical or a rule does. */
#define MAX_RRULE_STEPS    200000
/* A bound on the steps of one walk through a rule, counting with COUNT
 * from its start included: past it, a rule is refused (see
 * chk_schedule_check_occurs()). */
#define MAX_WALK_WORK      G_GUINT64_CONSTANT (4000000)
/* COUNT must be counted from DTSTART; this keeps that counting cheap. */
#define MAX_RRULE_COUNT    100000
#define MAX_SCHEDULE_LEN   4096

typedef enum
{
  CRON_MINUTE,
  CRON_HOUR,
  CRON_DAY_OF_MONTH,
  CRON_MONTH,
  CRON_DAY_OF_WEEK,
  CRON_N_FIELDS
} CronField;

typedef struct
{
  const char *name;
  guint       min;
  guint       max;
} CronFieldInfo;

static const CronFieldInfo cron_fields[CRON_N_FIELDS] = {
  { "minute", 0, 59 },
  { "hour", 0, 23 },
  { "day-of-month", 1, 31 },
  { "month", 1, 12 },
  /* 7 is Sunday as well as 0 */
  { "day-of-week", 0, 7 },
};

typedef struct
{
  gint year;
  gint month;
  gint day;
  gint hour;
  gint minute;
  gint second;
} Civil;

struct _ChkSchedule
{
  gatomicrefcount  ref_count;
  ChkScheduleKind  kind;
  char            *text;

  /* cron: one bit per allowed value */
  guint64          cron_bits[CRON_N_FIELDS];
  /* Vixie cron: a day field written starting with '*' does not restrict on its own */
  gboolean         dom_star;
  gboolean         dow_star;

  /* rrule */
  struct icalrecurrencetype *rule;
  gboolean         has_until;
  gboolean         until_is_utc;
  gint64           until;         /* seconds: UTC if until_is_utc, else wall clock */
};

G_DEFINE_BOXED_TYPE (ChkSchedule, chk_schedule, chk_schedule_ref, chk_schedule_unref)

static GMutex zone_cache_lock;
static GHashTable *zone_cache;

/* Whether g_time_zone_new_identifier() may be given @identifier. Besides
 * offsets and POSIX TZ rules it opens whatever file the name leads to,
 * absolute or under the zone directory: a FIFO would block the daemon, and
 * GLib 2.74 leaks the name when the file is not a zone file (found by
 * tests/fuzz/dbus-fuzz.py). So: never a path of the caller's, and a file
 * only when it is a zone file (TZif). */
static gboolean
zone_name_is_safe (const char *identifier)
{
  const char *tzdir = g_getenv ("TZDIR");
  g_autofree char *path = NULL;
  struct stat st;
  char magic[4];
  gboolean safe;
  int fd;

  if (identifier[0] == '/' || identifier[0] == ':' || strstr (identifier, "..") != NULL)
    return FALSE;

  path = g_build_filename (tzdir != NULL ? tzdir : "/usr/share/zoneinfo", identifier, NULL);
  fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT || errno == ENOTDIR;  /* no file: an offset or a rule, for GLib */
  safe = fstat (fd, &st) == 0 && S_ISREG (st.st_mode) &&
         read (fd, magic, sizeof magic) == sizeof magic && memcmp (magic, "TZif", 4) == 0;
  close (fd);
  return safe;
}

/*
 * GLib 2.74 reads the rule at the end of a zone file (the "footer", which
 * applies after the file's last transition) wrongly when its daylight time
 * is behind standard time: Europe/Dublin's "IST-1GMT0,M10.5.0,M3.5.0/1"
 * (Irish Standard Time in summer, GMT as "negative DST" in winter) comes
 * out as +02:00 in winter from October 2038. Such a rule is the same as the
 * ordinary one with the two swapped, "GMT0IST-1,M3.5.0/1,M10.5.0", which
 * GLib reads right; offset_at() uses that past the file's last transition.
 */
typedef struct
{
  gint64     after;   /* the file's last transition, UTC seconds */
  GTimeZone *future;  /* the footer rule, swapped */
} ZoneFix;

static GHashTable *zone_fixes;          /* GTimeZone* → ZoneFix*, under zone_cache_lock */
static gint zone_fixes_exist;           /* atomic: whether offset_at() must look */

static void
zone_fix_free (gpointer data)
{
  ZoneFix *fix = data;

  g_time_zone_unref (fix->future);
  g_free (fix);
}

static guint32
be32 (const guchar *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* One part of a POSIX TZ string: a name ("GMT", "<+01>") then an offset
 * ("-1", "+5:30"), in seconds west as POSIX writes them. */
static gboolean
posix_zone_part (const char **p,
                 char       **out_name,
                 gint        *out_west,
                 gboolean     offset_optional)
{
  const char *start = *p;
  gint sign = 1, h = 0, m = 0, sec = 0;

  if (**p == '<')
    {
      const char *end = strchr (*p, '>');

      if (end == NULL)
        return FALSE;
      *out_name = g_strndup (*p, end + 1 - *p);
      *p = end + 1;
    }
  else
    {
      while (g_ascii_isalpha (**p))
        (*p)++;
      if (*p - start < 3)
        return FALSE;
      *out_name = g_strndup (start, *p - start);
    }

  if (**p == '+' || **p == '-')
    sign = *(*p)++ == '-' ? -1 : 1;
  if (!g_ascii_isdigit (**p))
    {
      *out_west = G_MININT;
      return offset_optional;
    }
  h = (gint) g_ascii_strtoll (*p, (char **) p, 10);
  if (**p == ':')
    m = (gint) g_ascii_strtoll (*p + 1, (char **) p, 10);
  if (**p == ':')
    sec = (gint) g_ascii_strtoll (*p + 1, (char **) p, 10);
  *out_west = sign * (h * 3600 + m * 60 + sec);
  return TRUE;
}

/* The TZ string that means @footer with daylight time behind standard time
 * swapped round, or NULL when @footer is no such rule. */
static char *
swap_negative_dst (const char *footer)
{
  g_autofree char *std_name = NULL;
  g_autofree char *dst_name = NULL;
  g_auto(GStrv) rules = NULL;
  const char *p = footer;
  gint std_west, dst_west;

  if (!posix_zone_part (&p, &std_name, &std_west, FALSE) || *p == '\0' || *p == ',' ||
      !posix_zone_part (&p, &dst_name, &dst_west, TRUE) || *p != ',')
    return NULL;
  if (dst_west == G_MININT)
    dst_west = std_west - 3600;
  /* Daylight time east of standard time is the ordinary kind. */
  if (dst_west <= std_west)
    return NULL;

  rules = g_strsplit (p + 1, ",", -1);
  if (g_strv_length (rules) != 2)
    return NULL;

  return g_strdup_printf ("%s%s%d:%02d:%02d%s%s%d:%02d:%02d,%s,%s",
                          dst_name, dst_west < 0 ? "-" : "", ABS (dst_west) / 3600,
                          ABS (dst_west) / 60 % 60, ABS (dst_west) % 60,
                          std_name, std_west < 0 ? "-" : "", ABS (std_west) / 3600,
                          ABS (std_west) / 60 % 60, ABS (std_west) % 60,
                          rules[1], rules[0]);
}

/* Reads the zone file of @identifier for a footer that GLib misreads. */
static ZoneFix *
zone_fix_new (const char *identifier)
{
  const char *tzdir = g_getenv ("TZDIR");
  g_autofree char *path = g_build_filename (tzdir != NULL ? tzdir : "/usr/share/zoneinfo",
                                            identifier, NULL);
  g_autofree char *swapped = NULL;
  g_autofree guchar *data = NULL;
  const guchar *v2;
  gsize size;
  guint32 counts[6];
  gsize v1_size;
  gint64 last = G_MININT64;
  ZoneFix *fix;
  const char *footer;
  char *footer_end;

  if (!g_file_get_contents (path, (char **) &data, &size, NULL) || size < 44 + 44 ||
      memcmp (data, "TZif", 4) != 0 || data[4] < '2')
    return NULL;

  for (guint i = 0; i < 6; i++)
    counts[i] = be32 (data + 20 + 4 * i);
  /* isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt; version 1 data first */
  v1_size = counts[3] * 5 + counts[4] * 6 + counts[5] + counts[2] * 8 + counts[1] + counts[0];
  if (44 + v1_size + 44 > size)
    return NULL;
  v2 = data + 44 + v1_size;
  for (guint i = 0; i < 6; i++)
    counts[i] = be32 (v2 + 20 + 4 * i);
  if (44 + v1_size + 44 + (gsize) counts[3] * 8 > size)
    return NULL;
  if (counts[3] > 0)
    {
      const guchar *t = v2 + 44 + (gsize) (counts[3] - 1) * 8;

      last = (gint64) (((guint64) be32 (t) << 32) | be32 (t + 4));
    }

  /* The footer is the last line, between two newlines. */
  if (data[size - 1] != '\n')
    return NULL;
  data[size - 1] = '\0';
  footer_end = (char *) data + size - 1;
  footer = footer_end;
  while (footer > (char *) data && footer[-1] != '\n')
    footer--;

  swapped = swap_negative_dst (footer);
  if (swapped == NULL)
    return NULL;

  fix = g_new0 (ZoneFix, 1);
  fix->after = last;
  fix->future = g_time_zone_new_identifier (swapped);
  if (fix->future == NULL)
    {
      g_free (fix);
      return NULL;
    }
  return fix;
}

/* Parsed schedules by text: a daemon loading 10,000 jobs reads the same few often. */
#define SCHEDULE_CACHE_SIZE 4096
static GMutex schedule_cache_lock;
static GHashTable *schedule_cache;

static const char * const weekday_names[] = {
  N_("Sunday"), N_("Monday"), N_("Tuesday"), N_("Wednesday"),
  N_("Thursday"), N_("Friday"), N_("Saturday"),
};

static const char * const month_names[] = {
  NULL,
  N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
  N_("July"), N_("August"), N_("September"), N_("October"), N_("November"), N_("December"),
};

static const char * const weekday_abbrevs[] = { "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT" };
static const char * const month_abbrevs[] = {
  NULL, "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
};
static const char * const ical_weekdays[] = { "SU", "MO", "TU", "WE", "TH", "FR", "SA" };

/* Civil (wall-clock) time, as seconds counted as if the zone were UTC. */

static gint64
civil_to_seconds (const Civil *c)
{
  GDate date;
  gint64 days;

  g_date_clear (&date, 1);
  g_date_set_dmy (&date, c->day, c->month, c->year);
  days = (gint64) g_date_get_julian (&date) - JULIAN_UNIX_EPOCH;

  return days * SECONDS_PER_DAY + c->hour * 3600 + c->minute * 60 + c->second;
}

static void
seconds_to_civil (gint64  seconds,
                  Civil  *c)
{
  GDate date;
  gint64 days = seconds / SECONDS_PER_DAY;
  gint64 rest = seconds % SECONDS_PER_DAY;

  if (rest < 0)
    {
      rest += SECONDS_PER_DAY;
      days--;
    }

  days = CLAMP (days + JULIAN_UNIX_EPOCH, 1, (gint64) G_MAXUINT32);

  g_date_clear (&date, 1);
  g_date_set_julian (&date, (guint32) days);
  c->year = g_date_get_year (&date);
  c->month = g_date_get_month (&date);
  c->day = g_date_get_day (&date);
  c->hour = rest / 3600;
  c->minute = (rest / 60) % 60;
  c->second = rest % 60;
}

/* 0 is Sunday */
static guint
civil_weekday (const Civil *c)
{
  GDate date;

  g_date_clear (&date, 1);
  g_date_set_dmy (&date, c->day, c->month, c->year);
  return g_date_get_weekday (&date) % 7;
}

static void
civil_next_day (Civil *c)
{
  c->hour = 0;
  c->minute = 0;
  c->second = 0;
  if (++c->day > g_date_get_days_in_month (c->month, c->year))
    {
      c->day = 1;
      if (++c->month > 12)
        {
          c->month = 1;
          c->year++;
        }
    }
}

static void
civil_next_month (Civil *c)
{
  c->day = 1;
  c->hour = 0;
  c->minute = 0;
  c->second = 0;
  if (++c->month > 12)
    {
      c->month = 1;
      c->year++;
    }
}

/* Time zones: instants and wall-clock times. */

static gint32
offset_at (GTimeZone *tz,
           gint64     utc)
{
  if (g_atomic_int_get (&zone_fixes_exist))
    {
      ZoneFix *fix;

      g_mutex_lock (&zone_cache_lock);
      fix = g_hash_table_lookup (zone_fixes, tz);
      g_mutex_unlock (&zone_cache_lock);
      if (fix != NULL && utc > fix->after)
        tz = fix->future;
    }

  return g_time_zone_get_offset (tz, g_time_zone_find_interval (tz, G_TIME_TYPE_UNIVERSAL, utc));
}

static gint64
utc_to_local (GTimeZone *tz,
              gint64     utc)
{
  return utc + offset_at (tz, utc);
}

/*
 * The first instant at which the clock of @tz shows @local, so a repeated
 * wall-clock time maps to its first instance; a wall-clock time that the
 * clock skips maps to the first instant after the gap.
 */
static gint64
local_to_utc (GTimeZone *tz,
              gint64     local)
{
  gint32 before = offset_at (tz, local - SECONDS_PER_DAY);
  gint32 after = offset_at (tz, local + SECONDS_PER_DAY);
  gint32 candidates[3] = { before, offset_at (tz, local), after };
  gint64 best = G_MAXINT64;
  gint64 lo, hi;
  gint32 target;

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      gint64 t = local - candidates[i];

      if (offset_at (tz, t) == candidates[i] && t < best)
        best = t;
    }

  if (best != G_MAXINT64)
    return best;

  if (before == after)
    return local - offset_at (tz, local);

  /* In a gap: find the transition between the two candidate instants. */
  lo = MIN (local - before, local - after);
  hi = MAX (local - before, local - after);
  target = offset_at (tz, hi);
  while (hi - lo > 1)
    {
      gint64 mid = lo + (hi - lo) / 2;

      if (offset_at (tz, mid) == target)
        hi = mid;
      else
        lo = mid;
    }

  return hi;
}

/* Error helpers */

#define set_schedule_error(error, ...) chk_set_error (error, CHK_ERROR_INVALID_SCHEDULE, __VA_ARGS__)

/* Parses a whole, unsigned decimal number of at most 9 digits. */
static gboolean
parse_uint (const char *text,
            gsize       len,
            guint      *out)
{
  guint value = 0;

  if (len == 0 || len > 9)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return FALSE;
      value = value * 10 + (guint) (text[i] - '0');
    }

  *out = value;
  return TRUE;
}

/* Cron */

static gboolean
cron_parse_value (CronField   field,
                  const char *token,
                  gsize       len,
                  guint      *out,
                  GError    **error)
{
  const CronFieldInfo *info = &cron_fields[field];
  g_autofree char *text = g_strndup (token, len);

  if (len > 0 && g_ascii_isdigit (token[0]))
    {
      guint value;

      gsize n_digits = 0;

      while (n_digits < len && g_ascii_isdigit (token[n_digits]))
        n_digits++;
      if (n_digits < len)
        return set_schedule_error (error, _("%s field: “%s” is not a number"), info->name, text);
      if (!parse_uint (token, len, &value) || value < info->min || value > info->max)
        return set_schedule_error (error, _("%s field: %s is out of range %u-%u"),
                                   info->name, text, info->min, info->max);
      *out = value;
      return TRUE;
    }

  if (field == CRON_MONTH || field == CRON_DAY_OF_WEEK)
    {
      const char * const *names = field == CRON_MONTH ? month_abbrevs : weekday_abbrevs;
      const char * const *long_names = field == CRON_MONTH ? month_names : weekday_names;
      guint first = field == CRON_MONTH ? 1 : 0;
      guint last = field == CRON_MONTH ? 12 : 6;

      for (guint i = first; i <= last; i++)
        {
          if (g_ascii_strcasecmp (text, names[i]) == 0 ||
              g_ascii_strcasecmp (text, long_names[i]) == 0)
            {
              *out = i;
              return TRUE;
            }
        }

      return set_schedule_error (error,
                                 field == CRON_MONTH
                                 ? _("%s field: “%s” is not a number or a month name")
                                 : _("%s field: “%s” is not a number or a day name"),
                                 info->name, text);
    }

  if (len == 0)
    return set_schedule_error (error, _("%s field: a value is missing"), info->name);

  return set_schedule_error (error, _("%s field: “%s” is not a number"), info->name, text);
}

/* One item of a list: "*", "N", "N-M", each with an optional "/STEP". */
static gboolean
cron_parse_item (CronField   field,
                 const char *item,
                 guint64    *bits,
                 GError    **error)
{
  const CronFieldInfo *info = &cron_fields[field];
  const char *slash = strchr (item, '/');
  gsize range_len = slash ? (gsize) (slash - item) : strlen (item);
  const char *dash;
  guint lo, hi, step = 1;

  if (range_len == 0)
    return set_schedule_error (error, _("%s field: “%s” has nothing before the step"),
                               info->name, item);

  if (slash != NULL)
    {
      if (!parse_uint (slash + 1, strlen (slash + 1), &step))
        return set_schedule_error (error, _("%s field: step “%s” is not a number"),
                                   info->name, slash + 1);
      if (step == 0)
        return set_schedule_error (error, _("%s field: step 0 must be at least 1"),
                                   info->name);
    }

  dash = memchr (item, '-', range_len);

  if (range_len == 1 && item[0] == '*')
    {
      lo = info->min;
      hi = info->max;
      /* "*" in day-of-week means 0-6; 7 only repeats Sunday */
      if (field == CRON_DAY_OF_WEEK)
        hi = 6;
    }
  else if (dash != NULL)
    {
      if (!cron_parse_value (field, item, (gsize) (dash - item), &lo, error) ||
          !cron_parse_value (field, dash + 1, range_len - (gsize) (dash - item) - 1, &hi, error))
        return FALSE;
      if (hi < lo)
        {
          g_autofree char *range = g_strndup (item, range_len);

          return set_schedule_error (error, _("%s field: range %s goes backwards"),
                                     info->name, range);
        }
    }
  else
    {
      if (!cron_parse_value (field, item, range_len, &lo, error))
        return FALSE;
      /* "N/STEP" means from N to the end of the range */
      hi = slash != NULL ? info->max : lo;
    }

  for (guint v = lo; v <= hi; v += step)
    *bits |= G_GUINT64_CONSTANT (1) << (field == CRON_DAY_OF_WEEK ? v % 7 : v);

  return TRUE;
}

static gboolean
cron_parse_field (CronField   field,
                  const char *text,
                  guint64    *bits,
                  GError    **error)
{
  g_auto(GStrv) items = g_strsplit (text, ",", -1);

  *bits = 0;
  for (guint i = 0; items[i] != NULL; i++)
    {
      if (items[i][0] == '\0')
        return set_schedule_error (error, _("%s field: “%s” has an empty list item"),
                                   cron_fields[field].name, text);
      if (!cron_parse_item (field, items[i], bits, error))
        return FALSE;
    }

  return TRUE;
}

static const struct
{
  const char *name;
  const char *expansion;
} cron_macros[] = {
  { "@yearly", "0 0 1 1 *" },
  { "@annually", "0 0 1 1 *" },
  { "@monthly", "0 0 1 * *" },
  { "@weekly", "0 0 * * 0" },
  { "@daily", "0 0 * * *" },
  { "@midnight", "0 0 * * *" },
  { "@hourly", "0 * * * *" },
};

static guint
lowest_bit (guint64 bits)
{
  g_assert (bits != 0);
  return (guint) __builtin_ctzll (bits);
}

static gboolean
cron_check_possible (ChkSchedule  *self,
                     GError      **error)
{
  guint first_day;
  guint64 months = self->cron_bits[CRON_MONTH];

  /* With both day fields restricted either may match: any weekday comes in every month. */
  if (!self->dom_star && !self->dow_star)
    return TRUE;

  first_day = lowest_bit (self->cron_bits[CRON_DAY_OF_MONTH]);
  for (guint m = 1; m <= 12; m++)
    {
      if ((months & (G_GUINT64_CONSTANT (1) << m)) && first_day <= g_date_get_days_in_month (m, 2000))
        return TRUE;
    }

  if (__builtin_popcountll (months) == 1)
    return set_schedule_error (error, _("day-of-month field: day %u never occurs in %s"),
                               first_day, _(month_names[lowest_bit (months)]));

  return set_schedule_error (error, _("day-of-month field: day %u never occurs in the months given"),
                             first_day);
}

static gboolean
cron_parse (ChkSchedule  *self,
            const char   *text,
            GError      **error)
{
  g_auto(GStrv) fields = NULL;
  const char *expression = text;
  guint n_fields;

  if (text[0] == '@')
    {
      expression = NULL;
      for (guint i = 0; i < G_N_ELEMENTS (cron_macros); i++)
        {
          if (g_ascii_strcasecmp (text, cron_macros[i].name) == 0)
            expression = cron_macros[i].expansion;
        }
      if (expression == NULL && g_ascii_strcasecmp (text, "@reboot") == 0)
        return set_schedule_error (error,
                                   _("@reboot is not supported: jobs run on a schedule, "
                                     "not when the computer starts"));
      if (expression == NULL)
        return set_schedule_error (error,
                                   _("unknown macro “%s”: use @yearly, @annually, @monthly, "
                                     "@weekly, @daily, @midnight or @hourly"), text);
    }

  fields = g_strsplit_set (expression, " \t", -1);
  n_fields = 0;
  for (guint i = 0; fields[i] != NULL; i++)
    {
      if (fields[i][0] != '\0')
        {
          char *tmp = fields[n_fields];
          fields[n_fields++] = fields[i];
          fields[i] = tmp;
        }
    }
  for (guint i = n_fields; fields[i] != NULL; i++)
    g_clear_pointer (&fields[i], g_free);

  if (n_fields != CRON_N_FIELDS)
    return set_schedule_error (error,
                               g_dngettext (GETTEXT_PACKAGE,
                                            "expected 5 fields (minute hour day-of-month month "
                                            "day-of-week) but found %u",
                                            "expected 5 fields (minute hour day-of-month month "
                                            "day-of-week) but found %u",
                                            n_fields),
                               n_fields);

  for (guint i = 0; i < CRON_N_FIELDS; i++)
    {
      if (!cron_parse_field (i, fields[i], &self->cron_bits[i], error))
        return FALSE;
    }

  self->dom_star = fields[CRON_DAY_OF_MONTH][0] == '*';
  self->dow_star = fields[CRON_DAY_OF_WEEK][0] == '*';

  return cron_check_possible (self, error);
}

static gboolean
cron_day_matches (const ChkSchedule *self,
                  const Civil       *c)
{
  gboolean dom = (self->cron_bits[CRON_DAY_OF_MONTH] >> c->day) & 1;
  gboolean dow = (self->cron_bits[CRON_DAY_OF_WEEK] >> civil_weekday (c)) & 1;

  if (self->dom_star || self->dow_star)
    return dom && dow;
  return dom || dow;
}

/* The lowest set bit at or above @from, or -1. */
static gint
next_bit (guint64 bits,
          guint   from)
{
  guint64 masked;

  if (from >= 64)
    return -1;
  masked = bits & (~G_GUINT64_CONSTANT (0) << from);
  return masked ? (gint) __builtin_ctzll (masked) : -1;
}

static gint64
cron_next (const ChkSchedule *self,
           GTimeZone         *tz,
           gint64             after)
{
  gint64 local = utc_to_local (tz, after);
  gint year_limit;
  Civil c;

  /* The next whole minute after @after, on the wall clock. */
  local -= ((local % 60) + 60) % 60;
  seconds_to_civil (local + 60, &c);
  year_limit = MIN (c.year + MAX_YEARS_AHEAD, MAX_YEAR);

  while (c.year <= year_limit)
    {
      gint hour, minute;
      gint64 instant;

      if (!((self->cron_bits[CRON_MONTH] >> c.month) & 1))
        {
          civil_next_month (&c);
          continue;
        }

      if (!cron_day_matches (self, &c))
        {
          civil_next_day (&c);
          continue;
        }

      hour = next_bit (self->cron_bits[CRON_HOUR], c.hour);
      if (hour < 0)
        {
          civil_next_day (&c);
          continue;
        }
      if (hour != c.hour)
        {
          c.hour = hour;
          c.minute = 0;
        }

      minute = next_bit (self->cron_bits[CRON_MINUTE], c.minute);
      if (minute < 0)
        {
          c.minute = 0;
          if (++c.hour == 24)
            civil_next_day (&c);
          continue;
        }
      c.minute = minute;

      instant = local_to_utc (tz, civil_to_seconds (&c));
      if (instant > after)
        return instant;

      /* This wall-clock time came already: the clock was set back. */
      if (++c.minute == 60)
        {
          c.minute = 0;
          if (++c.hour == 24)
            civil_next_day (&c);
        }
    }

  return 0;
}

/* RRULE */

typedef struct
{
  const char *name;
  gint        min;
  gint        max;
  gboolean    allow_negative;
} RulePartRange;

static const RulePartRange rule_list_parts[] = {
  { "BYSECOND", 0, 60, FALSE },
  { "BYMINUTE", 0, 59, FALSE },
  { "BYHOUR", 0, 23, FALSE },
  { "BYMONTHDAY", 1, 31, TRUE },
  { "BYYEARDAY", 1, 366, TRUE },
  { "BYWEEKNO", 1, 53, TRUE },
  { "BYMONTH", 1, 12, FALSE },
  { "BYSETPOS", 1, 366, TRUE },
};

static const char * const rule_frequencies[] = {
  "SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY",
};

static gint
parse_ical_weekday (const char *text)
{
  for (guint i = 0; i < G_N_ELEMENTS (ical_weekdays); i++)
    {
      if (strcmp (text, ical_weekdays[i]) == 0)
        return i;
    }
  return -1;
}

static gboolean
rule_check_int_list (const RulePartRange *range,
                     const char          *value,
                     GError             **error)
{
  g_auto(GStrv) items = g_strsplit (value, ",", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      const char *digits = items[i];
      gboolean negative = FALSE;
      guint number;

      if (digits[0] == '+' || digits[0] == '-')
        {
          negative = digits[0] == '-';
          digits++;
        }

      if (!parse_uint (digits, strlen (digits), &number))
        return set_schedule_error (error, _("RRULE %s: “%s” is not a number"),
                                   range->name, items[i]);

      if ((negative && !range->allow_negative) ||
          (gint) number < range->min || (gint) number > range->max)
        {
          if (range->allow_negative)
            return set_schedule_error (error, _("RRULE %s: %s is out of range %d-%d or -%d to -%d"),
                                       range->name, items[i], range->min, range->max,
                                       range->max, range->min);
          return set_schedule_error (error, _("RRULE %s: %s is out of range %d-%d"),
                                     range->name, items[i], range->min, range->max);
        }
    }

  return TRUE;
}

static gboolean
rule_check_byday (const char  *value,
                  const char  *freq,
                  gboolean     has_byweekno,
                  GError     **error)
{
  g_auto(GStrv) items = g_strsplit (value, ",", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      const char *p = items[i];
      gsize len = strlen (p);
      gsize digits = 0;

      if (len < 2 || parse_ical_weekday (p + len - 2) < 0)
        return set_schedule_error (error, _("RRULE BYDAY: “%s” is not a day such as MO, -1FR or 2TU"),
                                   items[i]);

      if (p[0] == '+' || p[0] == '-')
        digits = 1;
      if (len - 2 > digits)
        {
          guint position;

          if (!parse_uint (p + digits, len - 2 - digits, &position) || position < 1 || position > 53)
            return set_schedule_error (error, _("RRULE BYDAY: “%s” has a position outside 1-53"),
                                       items[i]);
          if (strcmp (freq, "MONTHLY") != 0 && strcmp (freq, "YEARLY") != 0)
            return set_schedule_error (error,
                                       _("RRULE BYDAY: a position such as “%s” needs FREQ=MONTHLY "
                                         "or FREQ=YEARLY"), items[i]);
          if (strcmp (freq, "YEARLY") == 0 && has_byweekno)
            return set_schedule_error (error,
                                       _("RRULE BYDAY: a position such as “%s” cannot go with BYWEEKNO"),
                                       items[i]);
          if (strcmp (freq, "MONTHLY") == 0 && position > 5)
            return set_schedule_error (error, _("RRULE BYDAY: a month has no “%s”"), items[i]);
        }
      else if (digits != 0)
        {
          return set_schedule_error (error, _("RRULE BYDAY: “%s” is not a day such as MO, -1FR or 2TU"),
                                     items[i]);
        }
    }

  return TRUE;
}

static gboolean
rule_parse_until (const char  *value,
                  Civil       *until,
                  gboolean    *is_utc,
                  gboolean    *is_date,
                  GError     **error)
{
  gsize len = strlen (value);
  guint date, time = 0;

  *is_utc = FALSE;
  *is_date = len == 8;

  if (!(len == 8 || ((len == 15 || len == 16) && value[8] == 'T')) ||
      !parse_uint (value, 8, &date) ||
      (len > 8 && !parse_uint (value + 9, 6, &time)) ||
      (len == 16 && value[15] != 'Z'))
    return set_schedule_error (error,
                               _("RRULE UNTIL: “%s” is not a date (YYYYMMDD) or a time "
                                 "(YYYYMMDDTHHMMSS, with Z for UTC)"), value);

  until->year = date / 10000;
  until->month = (date / 100) % 100;
  until->day = date % 100;
  until->hour = time / 10000;
  until->minute = (time / 100) % 100;
  until->second = time % 100;
  *is_utc = len == 16;

  if (until->year < 1970 || until->year > MAX_YEAR ||
      !g_date_valid_dmy (until->day, until->month, until->year) ||
      until->hour > 23 || until->minute > 59 || until->second > 60)
    return set_schedule_error (error, _("RRULE UNTIL: “%s” is not a valid date and time"), value);

  if (*is_date)
    {
      /* A date includes its whole day. */
      until->hour = 23;
      until->minute = 59;
      until->second = 59;
    }

  return TRUE;
}

/*
 * Validates the rule part by part, so that errors can name the part that is
 * wrong (libical only says whether it could read the whole), and returns it
 * in upper case with the parts libical should fill in made explicit.
 */
static gboolean
rule_normalize (ChkSchedule  *self,
                const char   *text,
                char        **out_rule,
                GError      **error)
{
  g_autofree char *upper = g_ascii_strup (text, -1);
  g_auto(GStrv) parts = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GString) out = g_string_new (NULL);
  const char *freq = NULL;
  const char *byday = NULL;
  const char *wkst = NULL;
  gboolean has_count = FALSE;
  Civil until = { 0 };

  parts = g_strsplit (upper, ";", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *part = parts[i];
      char *eq = strchr (part, '=');
      const char *value;
      gboolean known = FALSE;

      if (part[0] == '\0')
        {
          if (parts[i + 1] == NULL && i > 0)
            continue;
          return set_schedule_error (error, _("RRULE: empty part between “;”"));
        }

      if (eq == NULL)
        return set_schedule_error (error, _("RRULE: “%s” is not of the form NAME=VALUE"), part);

      *eq = '\0';
      value = eq + 1;

      if (g_hash_table_contains (seen, part))
        return set_schedule_error (error, _("RRULE: %s is given twice"), part);
      g_hash_table_add (seen, part);

      if (value[0] == '\0')
        return set_schedule_error (error, _("RRULE %s: the value is missing"), part);

      if (strcmp (part, "FREQ") == 0)
        {
          for (guint j = 0; j < G_N_ELEMENTS (rule_frequencies); j++)
            if (strcmp (value, rule_frequencies[j]) == 0)
              freq = rule_frequencies[j];
          if (freq == NULL)
            return set_schedule_error (error,
                                       _("RRULE FREQ: “%s” is not a frequency: use SECONDLY, "
                                         "MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY"),
                                       value);
          known = TRUE;
        }
      else if (strcmp (part, "INTERVAL") == 0 || strcmp (part, "COUNT") == 0)
        {
          guint number;
          guint max = part[0] == 'I' ? G_MAXINT16 : MAX_RRULE_COUNT;

          if (!parse_uint (value, strlen (value), &number))
            return set_schedule_error (error, _("RRULE %s: “%s” is not a number"), part, value);
          if (number == 0)
            return set_schedule_error (error, _("RRULE %s: 0 must be at least 1"), part);
          if (number > max)
            return set_schedule_error (error, _("RRULE %s: %u is more than %u"), part, number, max);
          has_count |= part[0] == 'C';
          known = TRUE;
        }
      else if (strcmp (part, "UNTIL") == 0)
        {
          gboolean is_date;

          if (!rule_parse_until (value, &until, &self->until_is_utc, &is_date, error))
            return FALSE;
          self->has_until = TRUE;
          self->until = civil_to_seconds (&until);
          /* UNTIL is applied here, in the job's zone: libical compares it without one. */
          continue;
        }
      else if (strcmp (part, "BYDAY") == 0)
        {
          byday = value;
          known = TRUE;
        }
      else if (strcmp (part, "WKST") == 0)
        {
          if (parse_ical_weekday (value) < 0)
            return set_schedule_error (error, _("RRULE WKST: “%s” is not a day such as MO"), value);
          wkst = value;
          known = TRUE;
        }
      else if (strcmp (part, "RSCALE") == 0 || strcmp (part, "SKIP") == 0)
        {
          return set_schedule_error (error, _("RRULE: %s is not supported"), part);
        }
      else
        {
          for (guint j = 0; j < G_N_ELEMENTS (rule_list_parts); j++)
            {
              if (strcmp (part, rule_list_parts[j].name) == 0)
                {
                  if (!rule_check_int_list (&rule_list_parts[j], value, error))
                    return FALSE;
                  known = TRUE;
                }
            }
        }

      if (!known)
        return set_schedule_error (error, _("RRULE: unknown part “%s”"), part);

      g_string_append_printf (out, "%s%s=%s", out->len ? ";" : "", part, value);
    }

  if (freq == NULL)
    return set_schedule_error (error, _("RRULE: FREQ is missing (e.g. FREQ=DAILY)"));

  if (has_count && self->has_until)
    return set_schedule_error (error, _("RRULE: COUNT and UNTIL cannot both be given"));

  if (byday != NULL &&
      !rule_check_byday (byday, freq, g_hash_table_contains (seen, "BYWEEKNO"), error))
    return FALSE;

  if (g_hash_table_contains (seen, "BYWEEKNO") && strcmp (freq, "YEARLY") != 0)
    return set_schedule_error (error, _("RRULE BYWEEKNO: only goes with FREQ=YEARLY"));

  if (g_hash_table_contains (seen, "BYWEEKNO") && wkst != NULL && strcmp (wkst, "MO") != 0)
    return set_schedule_error (error, _("RRULE BYWEEKNO: weeks are ISO 8601 weeks, which start on "
                                        "Monday: only WKST=MO goes with it"));

  if (g_hash_table_contains (seen, "BYWEEKNO") && g_hash_table_contains (seen, "BYSETPOS"))
    return set_schedule_error (error, _("RRULE BYSETPOS: cannot go with BYWEEKNO"));

  if (g_hash_table_contains (seen, "BYYEARDAY") &&
      (strcmp (freq, "DAILY") == 0 || strcmp (freq, "WEEKLY") == 0 || strcmp (freq, "MONTHLY") == 0))
    return set_schedule_error (error, _("RRULE BYYEARDAY: cannot go with FREQ=%s"), freq);

  if (g_hash_table_contains (seen, "BYMONTHDAY") && strcmp (freq, "WEEKLY") == 0)
    return set_schedule_error (error, _("RRULE BYMONTHDAY: cannot go with FREQ=WEEKLY"));

  if (g_hash_table_contains (seen, "BYSETPOS"))
    {
      gboolean other_by = FALSE;
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, seen);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        other_by |= g_str_has_prefix (key, "BY") && strcmp (key, "BYSETPOS") != 0;
      if (!other_by)
        return set_schedule_error (error, _("RRULE BYSETPOS: needs another BY part to choose from"));
    }

  /*
   * A rule such as FREQ=DAILY;BYHOUR=9 means 09:00:00 to people, not 09 hours
   * and the minutes and seconds of whenever the job was created. Only units
   * smaller than the frequency's are filled in: they would come from DTSTART.
   */
  if (g_hash_table_contains (seen, "BYHOUR") && !g_hash_table_contains (seen, "BYMINUTE") &&
      strcmp (freq, "SECONDLY") != 0 && strcmp (freq, "MINUTELY") != 0)
    g_string_append (out, ";BYMINUTE=0");
  if ((g_hash_table_contains (seen, "BYHOUR") || g_hash_table_contains (seen, "BYMINUTE")) &&
      !g_hash_table_contains (seen, "BYSECOND") && strcmp (freq, "SECONDLY") != 0)
    g_string_append (out, ";BYSECOND=0");

  *out_rule = g_string_free (g_steal_pointer (&out), FALSE);
  return TRUE;
}

static guint64
short_array_bits (const short *array,
                  gsize        size,
                  gint         offset)
{
  guint64 bits = 0;

  for (gsize i = 0; i < size && array[i] != ICAL_RECURRENCE_ARRAY_MAX; i++)
    {
      gint v = array[i] + offset;

      if (v >= 0 && v < 64)
        bits |= G_GUINT64_CONSTANT (1) << v;
    }
  return bits;
}

static gsize
short_array_len (const short *array,
                 gsize        size)
{
  gsize n = 0;

  while (n < size && array[n] != ICAL_RECURRENCE_ARRAY_MAX)
    n++;
  return n;
}

static gboolean
rule_is_subdaily (const struct icalrecurrencetype *rule)
{
  return rule->freq == ICAL_SECONDLY_RECURRENCE ||
         rule->freq == ICAL_MINUTELY_RECURRENCE ||
         rule->freq == ICAL_HOURLY_RECURRENCE;
}

static gboolean
rule_has_weekno (const struct icalrecurrencetype *rule)
{
  return short_array_len (rule->by_week_no, ICAL_BY_WEEKNO_SIZE) > 0;
}

static gint64
floor_div (gint64 a,
           gint64 b)
{
  return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/*
 * Whether the day of @c passes the rule's BYMONTHDAY, BYDAY (its weekdays,
 * whatever their positions) and BYYEARDAY.
 */
static gboolean
rule_day_matches (const struct icalrecurrencetype *rule,
                  const Civil                     *c)
{
  gsize n;

  n = short_array_len (rule->by_month_day, ICAL_BY_MONTHDAY_SIZE);
  if (n > 0)
    {
      gint days = g_date_get_days_in_month (c->month, c->year);
      gboolean found = FALSE;

      for (gsize i = 0; i < n && !found; i++)
        {
          gint d = rule->by_month_day[i];

          found = d > 0 ? d == c->day : days + d + 1 == c->day;
        }
      if (!found)
        return FALSE;
    }

  n = short_array_len (rule->by_day, ICAL_BY_DAY_SIZE);
  if (n > 0)
    {
      guint weekday = civil_weekday (c);
      gboolean found = FALSE;

      for (gsize i = 0; i < n && !found; i++)
        found = (guint) icalrecurrencetype_day_day_of_week (rule->by_day[i]) - 1 == weekday;
      if (!found)
        return FALSE;
    }

  n = short_array_len (rule->by_year_day, ICAL_BY_YEARDAY_SIZE);
  if (n > 0)
    {
      GDate date;
      gint day_of_year, days;
      gboolean found = FALSE;

      g_date_clear (&date, 1);
      g_date_set_dmy (&date, c->day, c->month, c->year);
      day_of_year = g_date_get_day_of_year (&date);
      days = g_date_is_leap_year (c->year) ? 366 : 365;
      for (gsize i = 0; i < n && !found; i++)
        {
          gint d = rule->by_year_day[i];

          found = d > 0 ? d == day_of_year : days + d + 1 == day_of_year;
        }
      if (!found)
        return FALSE;
    }

  return TRUE;
}

/* The ISO 8601 week of @c, and the ISO year it belongs to. */
static gint
civil_iso_week (const Civil *c,
                gint        *out_iso_year)
{
  GDate date;
  gint week;

  g_date_clear (&date, 1);
  g_date_set_dmy (&date, c->day, c->month, c->year);
  week = g_date_get_iso8601_week_of_year (&date);

  *out_iso_year = c->year;
  if (week == 1 && c->month == 12)
    (*out_iso_year)++;
  else if (week >= 52 && c->month == 1)
    (*out_iso_year)--;
  return week;
}

static gint
iso_weeks_in_year (gint iso_year)
{
  GDate date;

  /* 28 December is always in the last ISO week of its year. */
  g_date_clear (&date, 1);
  g_date_set_dmy (&date, 28, 12, iso_year);
  return g_date_get_iso8601_week_of_year (&date);
}

/* The lowest (h, m, s) at or after @c's time with each part in its set, in @c. */
static gboolean
civil_next_time_of_day (Civil   *c,
                        guint64  hours,
                        guint64  minutes,
                        guint64  seconds)
{
  for (gint h = next_bit (hours, c->hour); h >= 0 && h < 24; h = next_bit (hours, h + 1))
    {
      gint m_from = h == c->hour ? c->minute : 0;

      for (gint m = next_bit (minutes, m_from); m >= 0 && m < 60; m = next_bit (minutes, m + 1))
        {
          gint s_from = h == c->hour && m == c->minute ? c->second : 0;
          gint sec = next_bit (seconds, s_from);

          if (sec >= 0 && sec < 60)
            {
              c->hour = h;
              c->minute = m;
              c->second = sec;
              return TRUE;
            }
        }
    }
  return FALSE;
}

/*
 * Moves @c to the start of the first day after its own that the rule's
 * BYMONTHDAY allows, or of the next day without BYMONTHDAY: every day the
 * rule gives is among those, so none in between needs looking at
 * (FREQ=MONTHLY;BYMONTHDAY=31 looks at 7 days a year, not 365).
 */
static void
civil_next_candidate_day (const struct icalrecurrencetype *rule,
                          Civil                           *c)
{
  gsize n = short_array_len (rule->by_month_day, ICAL_BY_MONTHDAY_SIZE);

  if (n == 0)
    {
      civil_next_day (c);
      return;
    }

  /* Any day from -31 to 31 is in some month of the next 13. */
  for (guint months = 0; months < 13; months++)
    {
      gint days = g_date_get_days_in_month (c->month, c->year);
      gint best = days + 1;

      for (gsize i = 0; i < n; i++)
        {
          gint d = rule->by_month_day[i] > 0 ? rule->by_month_day[i] : days + rule->by_month_day[i] + 1;

          if (d > c->day && d < best)
            best = d;
        }
      if (best <= days)
        {
          c->day = best;
          c->hour = 0;
          c->minute = 0;
          c->second = 0;
          return;
        }
      civil_next_month (c);
      /* Day 1 of the next month is after "day 0". */
      c->day = 0;
    }

  c->day = 1;
}

/*
 * FREQ=YEARLY;BYWEEKNO=…, done here: libical 3.0 yields days outside the
 * weeks asked for, and for some rules never returns at all. Weeks are ISO
 * 8601 weeks; a week counts for the ISO year it belongs to (week 1 can
 * start in December). Days are those of BYDAY, or DTSTART's weekday;
 * BYMONTH, BYMONTHDAY and BYYEARDAY filter them; the time of day comes
 * from BYHOUR, BYMINUTE and BYSECOND, or DTSTART.
 *
 * Returns: the first wall-clock occurrence at or after @from, or -1
 */
static gint64
weekno_next (const struct icalrecurrencetype *rule,
             gint64                           dtstart,
             gint64                           from,
             guint64                         *work)
{
  gint interval = MAX (rule->interval, 1);
  gsize n_weeks = short_array_len (rule->by_week_no, ICAL_BY_WEEKNO_SIZE);
  guint64 hours = short_array_bits (rule->by_hour, ICAL_BY_HOUR_SIZE, 0);
  guint64 minutes = short_array_bits (rule->by_minute, ICAL_BY_MINUTE_SIZE, 0);
  guint64 seconds = short_array_bits (rule->by_second, ICAL_BY_SECOND_SIZE, 0) & ~(G_GUINT64_CONSTANT (1) << 60);
  guint64 months = short_array_bits (rule->by_month, ICAL_BY_MONTH_SIZE, 0);
  gboolean has_byday = short_array_len (rule->by_day, ICAL_BY_DAY_SIZE) > 0;
  gint start_iso_year, year_limit;
  guint start_weekday;
  Civil start, c;

  seconds_to_civil (dtstart, &start);
  civil_iso_week (&start, &start_iso_year);
  start_weekday = civil_weekday (&start);
  if (hours == 0)
    hours = G_GUINT64_CONSTANT (1) << start.hour;
  if (minutes == 0)
    minutes = G_GUINT64_CONSTANT (1) << start.minute;
  if (seconds == 0)
    seconds = G_GUINT64_CONSTANT (1) << MIN (start.second, 59);

  seconds_to_civil (MAX (from, dtstart), &c);
  year_limit = MIN (c.year + MAX_YEARS_AHEAD, MAX_YEAR);

  for (guint steps = 0; steps < MAX_RRULE_STEPS && c.year <= year_limit; steps++, (*work)++)
    {
      gint iso_year, week, weeks;
      gboolean in_weeks = FALSE;

      week = civil_iso_week (&c, &iso_year);
      weeks = iso_weeks_in_year (iso_year);
      for (gsize i = 0; i < n_weeks && !in_weeks; i++)
        {
          gint w = rule->by_week_no[i];

          in_weeks = w > 0 ? w == week : weeks + w + 1 == week;
        }

      if (in_weeks &&
          (iso_year - start_iso_year) % interval == 0 &&
          (months == 0 || ((months >> c.month) & 1)) &&
          (has_byday || civil_weekday (&c) == start_weekday) &&
          rule_day_matches (rule, &c) &&
          civil_next_time_of_day (&c, hours, minutes, seconds))
        return civil_to_seconds (&c);

      if (in_weeks && (iso_year - start_iso_year) % interval == 0)
        {
          civil_next_day (&c);
        }
      else
        {
          /* No day of this ISO week can be in: on to the next Monday. */
          seconds_to_civil (civil_to_seconds (&(Civil) { c.year, c.month, c.day, 0, 0, 0 }) +
                            (7 - (civil_weekday (&c) + 6) % 7) * SECONDS_PER_DAY, &c);
        }
    }

  return -1;
}

/*
 * SECONDLY, MINUTELY and HOURLY rules, done here rather than by libical,
 * which steps through every second between occurrences: with
 * FREQ=SECONDLY;BYMONTH=12 that is minutes of work. As in RFC 5545, parts
 * for units smaller than the frequency expand it (defaulting to DTSTART's
 * value), larger ones filter it; the INTERVAL grid starts at DTSTART.
 *
 * Returns: the first wall-clock occurrence at or after @from, or -1
 */
static gint64
subdaily_next (const struct icalrecurrencetype *rule,
               gint64                           dtstart,
               gint64                           from,
               guint64                         *work)
{
  gint64 unit = rule->freq == ICAL_SECONDLY_RECURRENCE ? 1
              : rule->freq == ICAL_MINUTELY_RECURRENCE ? 60 : 3600;
  gint64 period = unit * MAX (rule->interval, 1);
  gint64 origin = floor_div (dtstart, unit) * unit;
  guint64 seconds = short_array_bits (rule->by_second, ICAL_BY_SECOND_SIZE, 0) & ~(G_GUINT64_CONSTANT (1) << 60);
  guint64 minutes = short_array_bits (rule->by_minute, ICAL_BY_MINUTE_SIZE, 0);
  guint64 hours = short_array_bits (rule->by_hour, ICAL_BY_HOUR_SIZE, 0);
  guint64 months = 0;
  gint year_limit;
  Civil start, c;

  seconds_to_civil (dtstart, &start);
  if (short_array_len (rule->by_second, ICAL_BY_SECOND_SIZE) == 0)
    seconds = unit > 1 ? G_GUINT64_CONSTANT (1) << start.second : ~G_GUINT64_CONSTANT (0);
  if (short_array_len (rule->by_minute, ICAL_BY_MINUTE_SIZE) == 0)
    minutes = unit > 60 ? G_GUINT64_CONSTANT (1) << start.minute : ~G_GUINT64_CONSTANT (0);
  if (short_array_len (rule->by_hour, ICAL_BY_HOUR_SIZE) == 0)
    hours = ~G_GUINT64_CONSTANT (0);
  for (gsize i = 0; i < ICAL_BY_MONTH_SIZE && rule->by_month[i] != ICAL_RECURRENCE_ARRAY_MAX; i++)
    months |= G_GUINT64_CONSTANT (1) << icalrecurrencetype_month_month (rule->by_month[i]);
  if (months == 0)
    months = ~G_GUINT64_CONSTANT (0);
  if (seconds == 0)
    return -1;

  seconds_to_civil (MAX (from, dtstart), &c);
  year_limit = MIN (c.year + MAX_YEARS_AHEAD, MAX_YEAR);

  for (guint steps = 0; steps < MAX_RRULE_STEPS && c.year <= year_limit; steps++, (*work)++)
    {
      gint hour, minute, second;
      gint64 t, offset;

      if (!((months >> c.month) & 1))
        {
          civil_next_month (&c);
          continue;
        }
      if (!rule_day_matches (rule, &c))
        {
          civil_next_candidate_day (rule, &c);
          continue;
        }

      hour = next_bit (hours, c.hour);
      if (hour < 0 || hour > 23)
        {
          civil_next_candidate_day (rule, &c);
          continue;
        }
      if (hour != c.hour)
        {
          c.hour = hour;
          c.minute = 0;
          c.second = 0;
        }

      minute = next_bit (minutes, c.minute);
      if (minute < 0 || minute > 59)
        {
          seconds_to_civil (civil_to_seconds (&(Civil) { c.year, c.month, c.day, c.hour, 0, 0 }) + 3600, &c);
          continue;
        }
      if (minute != c.minute)
        {
          c.minute = minute;
          c.second = 0;
        }

      second = next_bit (seconds, c.second);
      if (second < 0 || second > 59)
        {
          seconds_to_civil (civil_to_seconds (&(Civil) { c.year, c.month, c.day, c.hour, c.minute, 0 }) + 60, &c);
          continue;
        }
      c.second = second;

      t = civil_to_seconds (&c);
      offset = (floor_div (t, unit) * unit - origin) % period;
      if (offset == 0)
        return t;

      /* Off INTERVAL's grid: go to the start of the next unit on it. */
      seconds_to_civil (floor_div (t, unit) * unit + (period - offset), &c);
    }

  return -1;
}

/*
 * Rules of FREQ=DAILY and longer, expanded here rather than by libical,
 * which only parses them: libical 3.0 drops a negative BYMONTHDAY under
 * DAILY, gives nothing for BYYEARDAY with BYMONTH, starts a WEEKLY rule
 * with an INTERVAL and a late WKST on the wrong week, honours BYSETPOS only
 * for MONTHLY and YEARLY (and there picks among days rather than
 * date-times), and stops in 2582.
 *
 * As in RFC 5545 and python-dateutil, a rule gives a set of wall-clock times
 * per period of its FREQ (the day, the week starting on WKST, the month, the
 * year), for the periods on INTERVAL's grid counted from DTSTART's: the days
 * that pass its day parts, each at every time of day that BYHOUR, BYMINUTE
 * and BYSECOND make. BYSETPOS picks positions in that ordered set, and only
 * then are times before DTSTART dropped, so a start in the middle of a
 * period does not shift the positions. Sub-daily rules and BYWEEKNO have
 * their own walks, subdaily_next() and weekno_next().
 */

typedef struct
{
  const struct icalrecurrencetype *rule;
  gint64    start_local;
  Civil     start;
  gint      interval;
  /* BYMONTH, one bit per month; every month without it */
  guint64   months;
  /* The times of day of a rule of FREQ=DAILY or longer; see rule_iter_init(). */
  guint64   hours;
  guint64   minutes;
  guint64   seconds;
  /* Where the next occurrence is looked for, and how many were given. */
  gint64    from;
  guint     n_given;
  /* The steps taken so far, and whether they went past MAX_WALK_WORK. */
  guint64   work;
  gboolean  over_budget;
  /* BYSETPOS: the next period to expand, on INTERVAL's grid, and the
   * times picked from the last one. */
  gint64    period;
  gboolean  exhausted;
  gint64    picks[ICAL_BY_SETPOS_SIZE];
  guint     n_picks;
  guint     next_pick;
} RuleIter;

static guint
bits_count (guint64 bits)
{
  return __builtin_popcountll (bits);
}

/* The @n-th (from 0) set bit of @bits; @n must be less than bits_count(). */
static gint
nth_bit (guint64 bits,
         guint   n)
{
  for (guint i = 0; i < n; i++)
    bits &= bits - 1;
  return __builtin_ctzll (bits);
}

static gboolean
rule_has_setpos (const struct icalrecurrencetype *rule)
{
  return rule->by_set_pos[0] != ICAL_RECURRENCE_ARRAY_MAX;
}

/*
 * Whether the day @c is in the rule's set. Unlike rule_day_matches(), BYDAY
 * positions count: within the month, or within the year for FREQ=YEARLY
 * without BYMONTH. A rule that names no days takes DTSTART's: its weekday
 * for WEEKLY, its day of the month for MONTHLY, and for YEARLY its day of
 * the month, in DTSTART's month unless BYMONTH names others. A YEARLY rule
 * with BYMONTHDAY but no BYMONTH runs in every month, as the RFC's table
 * says and dateutil does (libical kept DTSTART's month).
 */
static gboolean
rule_day_in_set (const RuleIter *iter,
                 const Civil    *c)
{
  const struct icalrecurrencetype *rule = iter->rule;
  gsize n_days = short_array_len (rule->by_day, ICAL_BY_DAY_SIZE);
  gsize n_months = short_array_len (rule->by_month, ICAL_BY_MONTH_SIZE);
  gboolean names_days = n_days > 0 ||
                        short_array_len (rule->by_month_day, ICAL_BY_MONTHDAY_SIZE) > 0 ||
                        short_array_len (rule->by_year_day, ICAL_BY_YEARDAY_SIZE) > 0;

  if (!((iter->months >> c->month) & 1))
    return FALSE;

  if (!names_days)
    {
      switch (rule->freq)
        {
        case ICAL_WEEKLY_RECURRENCE:
          return civil_weekday (c) == civil_weekday (&iter->start);
        case ICAL_MONTHLY_RECURRENCE:
          return c->day == iter->start.day;
        case ICAL_YEARLY_RECURRENCE:
          return c->day == iter->start.day && (n_months > 0 || c->month == iter->start.month);
        default:
          return TRUE;
        }
    }

  if (!rule_day_matches (rule, c))
    return FALSE;

  if (n_days > 0)
    {
      gboolean in_year = rule->freq == ICAL_YEARLY_RECURRENCE && n_months == 0;
      guint weekday = civil_weekday (c);
      gint index, length;
      gboolean found = FALSE;

      if (in_year)
        {
          GDate date;

          g_date_clear (&date, 1);
          g_date_set_dmy (&date, c->day, c->month, c->year);
          index = g_date_get_day_of_year (&date);
          length = g_date_is_leap_year (c->year) ? 366 : 365;
        }
      else
        {
          index = c->day;
          length = g_date_get_days_in_month (c->month, c->year);
        }

      for (gsize i = 0; i < n_days && !found; i++)
        {
          gint position = icalrecurrencetype_day_position (rule->by_day[i]);

          if ((guint) icalrecurrencetype_day_day_of_week (rule->by_day[i]) - 1 != weekday)
            continue;
          found = position == 0 ||
                  position == (index - 1) / 7 + 1 ||
                  position == -((length - index) / 7 + 1);
        }
      if (!found)
        return FALSE;
    }

  return TRUE;
}

/* The period of FREQ that the wall-clock time @local falls in, as a number
 * that grows by one from each period to the next. */
static gint64
rule_period_of (const RuleIter *iter,
                gint64          local)
{
  gint64 day = floor_div (local, SECONDS_PER_DAY);
  /* 1970-01-01 was a Thursday; libical's weekdays count from Sunday as 1. */
  gint wkst = iter->rule->week_start != ICAL_NO_WEEKDAY ? iter->rule->week_start - 1 : 1;
  Civil c;

  switch (iter->rule->freq)
    {
    case ICAL_SECONDLY_RECURRENCE:
      return local;
    case ICAL_MINUTELY_RECURRENCE:
      return floor_div (local, 60);
    case ICAL_HOURLY_RECURRENCE:
      return floor_div (local, 3600);
    case ICAL_DAILY_RECURRENCE:
      return day;
    case ICAL_WEEKLY_RECURRENCE:
      return floor_div (day + 4 - wkst, 7);
    case ICAL_MONTHLY_RECURRENCE:
      seconds_to_civil (local, &c);
      return (gint64) c.year * 12 + c.month - 1;
    case ICAL_YEARLY_RECURRENCE:
    default:
      seconds_to_civil (local, &c);
      return c.year;
    }
}

/* rule_period_of() for a day's civil time, without converting months and years. */
static gint64
rule_period_of_civil (const RuleIter *iter,
                      const Civil    *c)
{
  switch (iter->rule->freq)
    {
    case ICAL_MONTHLY_RECURRENCE:
      return (gint64) c->year * 12 + c->month - 1;
    case ICAL_YEARLY_RECURRENCE:
      return c->year;
    default:
      return rule_period_of (iter, civil_to_seconds (c));
    }
}

/* The first wall-clock second of @period, and its first and last day. */
static gint64
rule_period_bounds (const RuleIter *iter,
                    gint64          period,
                    gint64         *first_day,
                    gint64         *n_days)
{
  gint wkst = iter->rule->week_start != ICAL_NO_WEEKDAY ? iter->rule->week_start - 1 : 1;
  Civil c = { 0 };
  gint64 first;

  *n_days = 1;
  switch (iter->rule->freq)
    {
    case ICAL_SECONDLY_RECURRENCE:
      first = period;
      break;
    case ICAL_MINUTELY_RECURRENCE:
      first = period * 60;
      break;
    case ICAL_HOURLY_RECURRENCE:
      first = period * 3600;
      break;
    case ICAL_DAILY_RECURRENCE:
      first = period * SECONDS_PER_DAY;
      break;
    case ICAL_WEEKLY_RECURRENCE:
      first = (period * 7 - 4 + wkst) * SECONDS_PER_DAY;
      *n_days = 7;
      break;
    case ICAL_MONTHLY_RECURRENCE:
      c.year = floor_div (period, 12);
      c.month = period - (gint64) c.year * 12 + 1;
      c.day = 1;
      first = civil_to_seconds (&c);
      *n_days = g_date_get_days_in_month (c.month, c.year);
      break;
    case ICAL_YEARLY_RECURRENCE:
    default:
      c.year = period;
      c.month = 1;
      c.day = 1;
      first = civil_to_seconds (&c);
      *n_days = g_date_is_leap_year (c.year) ? 366 : 365;
      break;
    }

  *first_day = floor_div (first, SECONDS_PER_DAY);
  return first;
}

/*
 * The first wall-clock occurrence at or after @from of a rule of FREQ=DAILY
 * or longer without BYSETPOS or BYWEEKNO, or -1. Steps a day at a time (a
 * month at a time through months BYMONTH leaves out, a period at a time off
 * INTERVAL's grid), up to MAX_YEARS_AHEAD.
 */
static gint64
period_next (RuleIter *iter,
             gint64    from)
{
  gint64 origin = rule_period_of (iter, iter->start_local);
  gint year_limit;
  Civil c;

  seconds_to_civil (MAX (from, iter->start_local), &c);
  year_limit = MIN (c.year + MAX_YEARS_AHEAD, MAX_YEAR);

  for (; c.year <= year_limit; iter->work++)
    {
      gint64 period = rule_period_of_civil (iter, &c);
      gint64 offset = (period - origin) % iter->interval;

      if (offset != 0)
        {
          gint64 first_day, n_days;

          seconds_to_civil (rule_period_bounds (iter, period + iter->interval - offset,
                                                &first_day, &n_days), &c);
        }
      else if (!((iter->months >> c.month) & 1))
        {
          civil_next_month (&c);
        }
      else if (rule_day_in_set (iter, &c) &&
               civil_next_time_of_day (&c, iter->hours, iter->minutes, iter->seconds))
        {
          return civil_to_seconds (&c);
        }
      else
        {
          civil_next_candidate_day (iter->rule, &c);
        }
    }

  return -1;
}

static gint
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/*
 * Fills @iter's picks from @period: its set is the days that match times
 * every combination of the hours, minutes and seconds in @hours, @minutes
 * and @seconds, in order, so position p is found without listing the set,
 * which can hold millions of times (FREQ=YEARLY;BYMINUTE=…;BYSECOND=…).
 */
static void
setpos_pick (RuleIter *iter,
             gint64    period,
             guint64   hours,
             guint64   minutes,
             guint64   seconds)
{
  const struct icalrecurrencetype *rule = iter->rule;
  gint64 days[366];
  gint64 first_day, n_days, size;
  guint n_matching = 0;
  guint n_hours = bits_count (hours), n_minutes = bits_count (minutes);
  guint n_seconds = bits_count (seconds);
  gint64 n_times = (gint64) n_hours * n_minutes * n_seconds;
  guint n = 0;

  rule_period_bounds (iter, period, &first_day, &n_days);
  iter->work += n_days;
  for (gint64 day = first_day; day < first_day + n_days; day++)
    {
      Civil c;

      seconds_to_civil (day * SECONDS_PER_DAY, &c);
      if (rule_day_in_set (iter, &c))
        days[n_matching++] = day;
    }

  size = n_matching * n_times;
  for (gsize i = 0; i < ICAL_BY_SETPOS_SIZE && rule->by_set_pos[i] != ICAL_RECURRENCE_ARRAY_MAX; i++)
    {
      gint position = rule->by_set_pos[i];
      gint64 index = position > 0 ? position - 1 : size + position;
      gint64 time, local;

      if (index < 0 || index >= size)
        continue;

      time = index % n_times;
      local = days[index / n_times] * SECONDS_PER_DAY +
              nth_bit (hours, time / (n_minutes * n_seconds)) * 3600 +
              nth_bit (minutes, (time / n_seconds) % n_minutes) * 60 +
              nth_bit (seconds, time % n_seconds);
      if (local >= iter->start_local)
        iter->picks[n++] = local;
    }

  qsort (iter->picks, n, sizeof iter->picks[0], compare_gint64);
  iter->n_picks = 0;
  for (guint i = 0; i < n; i++)
    {
      /* Two positions can name the same time: 1 and -1 of a set of one. */
      if (iter->n_picks == 0 || iter->picks[iter->n_picks - 1] != iter->picks[i])
        iter->picks[iter->n_picks++] = iter->picks[i];
    }
  iter->next_pick = 0;
}

/*
 * Whether a position can be in a set of at most @max_size times; if none
 * can, the rule never occurs, and no period needs to be looked at.
 */
static gboolean
setpos_can_pick (const struct icalrecurrencetype *rule,
                 gint64                           max_size)
{
  for (gsize i = 0; i < ICAL_BY_SETPOS_SIZE && rule->by_set_pos[i] != ICAL_RECURRENCE_ARRAY_MAX; i++)
    {
      if (ABS (rule->by_set_pos[i]) <= max_size)
        return TRUE;
    }
  return FALSE;
}

/* Starts BYSETPOS's walk with the period of @from, or the next one on
 * INTERVAL's grid: no period before can have times at or after @from. */
static void
setpos_start (RuleIter *iter,
              gint64    from)
{
  gint64 origin, offset;

  origin = rule_period_of (iter, iter->start_local);
  iter->period = rule_period_of (iter, MAX (from, iter->start_local));
  offset = (iter->period - origin) % iter->interval;
  if (offset != 0)
    iter->period += iter->interval - offset;
  iter->n_picks = 0;
  iter->next_pick = 0;
  iter->exhausted = FALSE;
}

/* Fills @iter's picks from the next period that has any, or returns FALSE. */
static gboolean
setpos_expand (RuleIter *iter)
{
  const struct icalrecurrencetype *rule = iter->rule;
  guint64 hours = iter->hours, minutes = iter->minutes, seconds = iter->seconds;
  gint64 first_day, n_days, max_size;
  gint year_limit;
  Civil c;

  if (rule_is_subdaily (rule))
    {
      /* The set of an hour is its minutes times its seconds, of a minute its
       * seconds: the same size in every period that has one. */
      if (rule->freq == ICAL_SECONDLY_RECURRENCE)
        max_size = 1;
      else if (rule->freq == ICAL_MINUTELY_RECURRENCE)
        max_size = bits_count (seconds);
      else
        max_size = (gint64) bits_count (minutes) * bits_count (seconds);
      if (!setpos_can_pick (rule, max_size))
        return FALSE;

      for (guint steps = 0; steps < MAX_RRULE_STEPS; steps++)
        {
          gint64 first = rule_period_bounds (iter, iter->period, &first_day, &n_days);
          /* subdaily_next() finds the next period that has a set, on the grid. */
          gint64 t = subdaily_next (rule, iter->start_local, first, &iter->work);

          if (t < 0)
            return FALSE;
          iter->period = rule_period_of (iter, t);
          seconds_to_civil (t, &c);
          setpos_pick (iter, iter->period,
                       G_GUINT64_CONSTANT (1) << c.hour,
                       rule->freq == ICAL_HOURLY_RECURRENCE ? minutes : G_GUINT64_CONSTANT (1) << c.minute,
                       rule->freq == ICAL_SECONDLY_RECURRENCE ? G_GUINT64_CONSTANT (1) << c.second : seconds);
          iter->period += iter->interval;
          if (iter->n_picks > 0)
            return TRUE;
        }
      return FALSE;
    }

  switch (rule->freq)
    {
    case ICAL_DAILY_RECURRENCE:
      max_size = 1;
      break;
    case ICAL_WEEKLY_RECURRENCE:
      max_size = 7;
      break;
    case ICAL_MONTHLY_RECURRENCE:
      max_size = 31;
      break;
    default:
      max_size = 366;
      break;
    }
  if (!setpos_can_pick (rule, max_size * bits_count (hours) * bits_count (minutes) * bits_count (seconds)))
    return FALSE;

  /* A rule with no time in its periods for MAX_YEARS_AHEAD has none at all. */
  seconds_to_civil (rule_period_bounds (iter, iter->period, &first_day, &n_days), &c);
  year_limit = MIN (c.year + MAX_YEARS_AHEAD, MAX_YEAR);

  while (TRUE)
    {
      seconds_to_civil (rule_period_bounds (iter, iter->period, &first_day, &n_days) +
                        (n_days - 1) * SECONDS_PER_DAY, &c);
      if (c.year > year_limit)
        return FALSE;
      setpos_pick (iter, iter->period, hours, minutes, seconds);
      iter->period += iter->interval;
      if (iter->n_picks > 0)
        return TRUE;
    }
}

/* Returns: the first wall-clock occurrence at or after @from, or -1 */
static gint64
setpos_next (RuleIter *iter,
             gint64    from)
{
  while (!iter->exhausted)
    {
      while (iter->next_pick < iter->n_picks)
        {
          gint64 t = iter->picks[iter->next_pick++];

          if (t >= from)
            return t;
        }
      iter->exhausted = !setpos_expand (iter);
    }
  return -1;
}

/*
 * Starts a walk through the wall-clock occurrences of @rule from
 * @start_local (its DTSTART), looking from @from on: a rule with COUNT must
 * be walked from its start, any other can begin anywhere.
 */
static void
rule_iter_init (RuleIter                        *iter,
                const struct icalrecurrencetype *rule,
                gint64                           start_local,
                gint64                           from)
{
  memset (iter, 0, sizeof *iter);
  iter->rule = rule;
  iter->start_local = start_local;
  seconds_to_civil (start_local, &iter->start);
  iter->interval = MAX (rule->interval, 1);
  iter->from = MAX (from, start_local);

  for (gsize i = 0; i < ICAL_BY_MONTH_SIZE && rule->by_month[i] != ICAL_RECURRENCE_ARRAY_MAX; i++)
    iter->months |= G_GUINT64_CONSTANT (1) << icalrecurrencetype_month_month (rule->by_month[i]);
  if (iter->months == 0)
    iter->months = ~G_GUINT64_CONSTANT (0);

  /* Parts the rule does not give come from DTSTART. Second 60 never shows
   * on a clock that GLib models. */
  iter->hours = short_array_bits (rule->by_hour, ICAL_BY_HOUR_SIZE, 0);
  iter->minutes = short_array_bits (rule->by_minute, ICAL_BY_MINUTE_SIZE, 0);
  iter->seconds = short_array_bits (rule->by_second, ICAL_BY_SECOND_SIZE, 0) &
                  ~(G_GUINT64_CONSTANT (1) << 60);
  if (short_array_len (rule->by_hour, ICAL_BY_HOUR_SIZE) == 0)
    iter->hours = G_GUINT64_CONSTANT (1) << iter->start.hour;
  if (short_array_len (rule->by_minute, ICAL_BY_MINUTE_SIZE) == 0)
    iter->minutes = G_GUINT64_CONSTANT (1) << iter->start.minute;
  if (short_array_len (rule->by_second, ICAL_BY_SECOND_SIZE) == 0)
    iter->seconds = G_GUINT64_CONSTANT (1) << MIN (iter->start.second, 59);

  if (rule_has_setpos (rule))
    setpos_start (iter, iter->from);
}

/* Returns: the next wall-clock occurrence, or -1 when there are no more */
static gint64
rule_iter_next (RuleIter *iter)
{
  const struct icalrecurrencetype *rule = iter->rule;
  gint64 local;

  if (iter->from == G_MAXINT64 || (rule->count > 0 && iter->n_given >= (guint) rule->count))
    return -1;
  if (iter->work > MAX_WALK_WORK)
    {
      iter->over_budget = TRUE;
      iter->from = G_MAXINT64;
      return -1;
    }

  if (rule_has_setpos (rule))
    local = setpos_next (iter, iter->from);
  else if (rule_has_weekno (rule))
    local = weekno_next (rule, iter->start_local, iter->from, &iter->work);
  else if (rule_is_subdaily (rule))
    local = subdaily_next (rule, iter->start_local, iter->from, &iter->work);
  else
    local = period_next (iter, iter->from);

  if (local < 0)
    {
      iter->from = G_MAXINT64;
      return -1;
    }

  iter->from = local + 1;
  iter->n_given++;
  return local;
}

/*
 * A walk through a rule's occurrences as instants, for several calls in a
 * row: a rule with COUNT is counted from its start, so finding each of its
 * next runs anew would cost as much as all the runs before it.
 */
typedef struct
{
  RuleIter  iter;
  GTimeZone *tz;           /* unowned: the caller keeps it */
  gint64    start;         /* seconds since the epoch */
  gint64    until;         /* seconds since the epoch, if the rule has UNTIL */
  gint64    last;          /* the last instant the walk gave, or G_MININT64 */
} RuleWalk;

static void
rule_walk_init (RuleWalk          *walk,
                const ChkSchedule *self,
                GTimeZone         *tz,
                gint64             start,
                gint64             after)
{
  gint64 start_local = utc_to_local (tz, start);
  gint64 from = start_local;

  /*
   * Without COUNT, start from @after's wall-clock time rather than walking
   * from DTSTART: wall-clock times map to instants in order, and @after's
   * own maps to @after or earlier, so nothing before it can come after
   * @after.
   */
  if (self->rule->count == 0 && after > start)
    from = MAX (utc_to_local (tz, after), start_local);

  rule_iter_init (&walk->iter, self->rule, start_local, from);
  walk->tz = tz;
  walk->start = start;
  walk->until = 0;
  if (self->has_until)
    walk->until = self->until_is_utc ? self->until : local_to_utc (tz, self->until);
  walk->last = G_MININT64;
}

/*
 * Returns: the walk's first occurrence strictly after @after and at or after
 *   its start, or 0 if there is none
 */
static gint64
rule_walk_next (RuleWalk          *walk,
                const ChkSchedule *self,
                gint64             after)
{
  for (guint n = 0; n < MAX_RRULE_STEPS; n++)
    {
      gint64 local = rule_iter_next (&walk->iter);
      gint64 instant;

      if (local < 0)
        return 0;

      instant = local_to_utc (walk->tz, local);
      if (self->has_until && instant > walk->until)
        {
          walk->iter.from = G_MAXINT64;
          return 0;
        }
      walk->last = instant;
      if (instant > after && instant >= walk->start)
        return instant;
    }

  return 0;
}

static gint64
rule_next (const ChkSchedule *self,
           GTimeZone         *tz,
           gint64             start,
           gint64             after)
{
  RuleWalk walk;

  rule_walk_init (&walk, self, tz, start, after);
  if (self->has_until && (walk.until <= after || walk.until < start))
    return 0;
  return rule_walk_next (&walk, self, after);
}

/* Whether some of the days of @rule come from its start (DTSTART). */
static gboolean
rule_days_from_start (const struct icalrecurrencetype *rule)
{
  gboolean has_byday = short_array_len (rule->by_day, ICAL_BY_DAY_SIZE) > 0;
  gboolean names_days = has_byday ||
                        short_array_len (rule->by_month_day, ICAL_BY_MONTHDAY_SIZE) > 0 ||
                        short_array_len (rule->by_year_day, ICAL_BY_YEARDAY_SIZE) > 0;

  switch (rule->freq)
    {
    case ICAL_WEEKLY_RECURRENCE:
    case ICAL_MONTHLY_RECURRENCE:
      return !names_days;
    case ICAL_YEARLY_RECURRENCE:
      return rule_has_weekno (rule) ? !has_byday : !names_days;
    default:
      return FALSE;
    }
}

static gboolean
rule_parse (ChkSchedule  *self,
            const char   *text,
            GError      **error)
{
  g_autofree char *normalized = NULL;
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  struct icalrecurrencetype rule;

  if (g_ascii_strncasecmp (text, "RRULE:", 6) == 0)
    text += 6;

  if (!rule_normalize (self, text, &normalized, error))
    return FALSE;

  icalerror_clear_errno ();
  rule = icalrecurrencetype_from_string (normalized);
  if (rule.freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR)
    {
      icalerror_clear_errno ();
      g_free (rule.rscale);
      return set_schedule_error (error, _("RRULE: “%s” could not be read"), text);
    }

  self->rule = g_memdup2 (&rule, sizeof rule);

  /* A rule that never occurs is a mistake, not an exhausted rule. Whether
   * it occurs can depend on its start: with an INTERVAL (FREQ=HOURLY;
   * INTERVAL=2;BYHOUR=9 runs from a start at an odd hour only), or when
   * its days come from the start (FREQ=YEARLY;BYWEEKNO=50;BYMONTHDAY=17
   * runs on the start's weekday). That is checked where the start is
   * known, chk_schedule_check_occurs(). */
  if (!self->has_until && rule.count == 0 && rule.interval <= 1 && !rule_days_from_start (&rule) &&
      rule_next (self, utc, 0, 0) == 0)
    return set_schedule_error (error, _("RRULE: “%s” never occurs"), text);

  return TRUE;
}

/* Descriptions */

static char *
join_words (GPtrArray *words)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < words->len; i++)
    {
      if (i > 0 && i + 1 == words->len)
        g_string_append (out, C_("list", " and "));
      else if (i > 0)
        g_string_append (out, C_("list", ", "));
      g_string_append (out, g_ptr_array_index (words, i));
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Values of a bit set, with runs of three or more written as a range. */
static char *
describe_values (guint64       bits,
                 guint         min,
                 guint         max,
                 const char * const *names)
{
  g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func (g_free);

  for (guint v = min; v <= max; v++)
    {
      guint end = v;

      if (!((bits >> v) & 1))
        continue;
      while (end + 1 <= max && ((bits >> (end + 1)) & 1))
        end++;

      if (end - v >= 2)
        {
          if (names != NULL)
            g_ptr_array_add (words, g_strdup_printf (C_("range", "%s to %s"), _(names[v]), _(names[end])));
          else
            g_ptr_array_add (words, g_strdup_printf (C_("range", "%u to %u"), v, end));
          v = end;
        }
      else
        {
          g_ptr_array_add (words, names != NULL ? g_strdup (_(names[v])) : g_strdup_printf ("%u", v));
        }
    }

  return join_words (words);
}

/* The step of a set that is min, min+step, min+2·step … up to the end, or
 * 0. Only a step that divides the range is one: "every 7 minutes" would be
 * wrong at :56, which is followed by :00, four minutes later. */
static guint
bits_step (guint64 bits,
           guint   min,
           guint   max)
{
  guint step;

  if (!((bits >> min) & 1) || __builtin_popcountll (bits) < 2)
    return 0;

  step = (guint) next_bit (bits, min + 1) - min;
  if ((max - min + 1) % step != 0)
    return 0;
  for (guint v = min; v <= max; v++)
    {
      gboolean expected = (v - min) % step == 0;

      if (((bits >> v) & 1) != (guint64) expected)
        return 0;
    }
  return step;
}

static gboolean
bits_all (guint64 bits,
          guint   min,
          guint   max)
{
  for (guint v = min; v <= max; v++)
    if (!((bits >> v) & 1))
      return FALSE;
  return TRUE;
}

static char *
format_time (guint hour,
             guint minute)
{
  return g_strdup_printf (C_("time of day", "%02u:%02u"), hour, minute);
}

/*
 * The time-of-day part of a cron description: a phrase such as "Every 15
 * minutes", or NULL with *@clock_times set to a list such as "09:00 and 17:00".
 */
static char *
cron_describe_time (const ChkSchedule  *self,
                    char              **clock_times)
{
  guint64 minutes = self->cron_bits[CRON_MINUTE];
  guint64 hours = self->cron_bits[CRON_HOUR];
  guint n_minutes = __builtin_popcountll (minutes);
  guint n_hours = __builtin_popcountll (hours);
  gboolean all_hours = bits_all (hours, 0, 23);
  guint minute_step = bits_step (minutes, 0, 59);
  guint hour_step = bits_step (hours, 0, 23);

  *clock_times = NULL;

  if (bits_all (minutes, 0, 59) || minute_step != 0)
    {
      g_autofree char *every = NULL;

      if (minute_step <= 1)
        every = g_strdup (_("Every minute"));
      else
        every = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Every %u minute", "Every %u minutes",
                                              minute_step), minute_step);
      if (all_hours)
        return g_steal_pointer (&every);
      if (n_hours == 1)
        {
          g_autofree char *from = format_time (lowest_bit (hours), 0);
          g_autofree char *to = format_time (lowest_bit (hours), 59);

          return g_strdup_printf (_("%s from %s to %s"), every, from, to);
        }
      else
        {
          g_autofree char *list = describe_values (hours, 0, 23, NULL);

          return g_strdup_printf (_("%s during hours %s"), every, list);
        }
    }

  if (n_minutes == 1 && all_hours)
    {
      guint minute = lowest_bit (minutes);

      if (minute == 0)
        return g_strdup (_("Every hour"));
      return g_strdup_printf (_("Every hour at minute %u"), minute);
    }

  if (n_minutes == 1 && hour_step != 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "Every %u hour at minute %u",
                                         "Every %u hours at minute %u", hour_step),
                            hour_step, lowest_bit (minutes));

  if (n_minutes * n_hours <= 6)
    {
      g_autoptr(GPtrArray) times = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *list = NULL;

      for (guint h = 0; h < 24; h++)
        for (guint m = 0; m < 60; m++)
          if (((hours >> h) & 1) && ((minutes >> m) & 1))
            g_ptr_array_add (times, format_time (h, m));

      *clock_times = join_words (times);
      return NULL;
    }
  else
    {
      g_autofree char *minute_list = describe_values (minutes, 0, 59, NULL);
      g_autofree char *hour_list = describe_values (hours, 0, 23, NULL);

      if (all_hours)
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "At minute %s of every hour",
                                             "At minutes %s of every hour", n_minutes),
                                minute_list);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "At minute %s of hours %s",
                                           "At minutes %s of hours %s", n_minutes),
                              minute_list, hour_list);
    }
}

static char *
cron_describe (const ChkSchedule *self)
{
  g_autofree char *clock_times = NULL;
  g_autofree char *time = cron_describe_time (self, &clock_times);
  guint64 mdays = self->cron_bits[CRON_DAY_OF_MONTH];
  guint64 wdays = self->cron_bits[CRON_DAY_OF_WEEK];
  guint64 months = self->cron_bits[CRON_MONTH];
  gboolean dom_all = self->dom_star && bits_all (mdays, 1, 31);
  gboolean dow_all = self->dow_star && bits_all (wdays, 0, 6);
  gboolean months_all = bits_all (months, 1, 12);
  g_autofree char *day_part = NULL;
  g_autofree char *month_part = NULL;
  g_autofree char *result = NULL;
  gboolean day_is_range = FALSE;

  if (!dow_all)
    {
      guint n = __builtin_popcountll (wdays);
      gint first = next_bit (wdays, 0);

      day_is_range = n >= 3 && n < 7 && bits_all (wdays, first, first + n - 1);
      if (day_is_range)
        day_part = g_strdup_printf (C_("range", "%s to %s"), _(weekday_names[first]),
                                    _(weekday_names[first + n - 1]));
      else
        {
          g_autofree char *list = describe_values (wdays, 0, 6, weekday_names);

          day_part = g_strdup_printf (C_("weekdays", "on %s"), list);
        }
    }

  if (!dom_all)
    {
      g_autofree char *list = describe_values (mdays, 1, 31, NULL);
      g_autofree char *mday_part = NULL;
      guint step = bits_step (mdays, 1, 31);

      if (step != 0)
        mday_part = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "every %u day of the month",
                                                  "every %u days of the month", step), step);
      else
        mday_part = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "on day %s of the month",
                                                  "on days %s of the month", __builtin_popcountll (mdays)),
                                     list);

      if (day_part != NULL && day_is_range)
        {
          /* "… of the month or on Monday to Friday" */
          char *with_on = g_strdup_printf (C_("weekdays", "on %s"), day_part);

          g_free (day_part);
          day_part = with_on;
        }

      if (day_part != NULL)
        {
          char *both = g_strdup_printf (self->dom_star || self->dow_star
                                        ? C_("day conditions", "%s and %s")
                                        : C_("day conditions", "%s or %s"),
                                        mday_part, day_part);
          g_free (day_part);
          day_part = both;
          day_is_range = FALSE;
        }
      else
        day_part = g_steal_pointer (&mday_part);
    }

  if (!months_all)
    {
      g_autofree char *list = describe_values (months, 1, 12, month_names);

      month_part = g_strdup_printf (C_("months", "in %s"), list);
    }

  if (day_part == NULL && month_part == NULL)
    {
      if (clock_times != NULL)
        return g_strdup_printf (_("Every day at %s"), clock_times);
      return g_steal_pointer (&time);
    }

  if (clock_times != NULL)
    time = g_strdup_printf (C_("clock times", "At %s"), clock_times);

  /* "At 00:00 on January 1" rather than "on day 1 of the month in January" */
  if (dow_all && !dom_all && __builtin_popcountll (mdays) == 1 && __builtin_popcountll (months) == 1)
    return g_strdup_printf (C_("time and date", "%s on %s %u"), time,
                            _(month_names[lowest_bit (months)]), lowest_bit (mdays));

  if (day_part != NULL)
    result = g_strdup_printf (day_is_range ? C_("time and days", "%s, %s")
                                           : C_("time and days", "%s %s"),
                              time, day_part);
  else
    result = g_steal_pointer (&time);

  if (month_part != NULL)
    {
      char *with_months = g_strdup_printf (C_("time and months", "%s %s"), result, month_part);

      g_free (result);
      result = with_months;
    }

  return g_steal_pointer (&result);
}

static char *
describe_ordinal_day (gint position,
                      guint weekday)
{
  const char *day = _(weekday_names[weekday]);

  switch (position)
    {
    case 1: return g_strdup_printf (_("the first %s"), day);
    case 2: return g_strdup_printf (_("the second %s"), day);
    case 3: return g_strdup_printf (_("the third %s"), day);
    case 4: return g_strdup_printf (_("the fourth %s"), day);
    case 5: return g_strdup_printf (_("the fifth %s"), day);
    case -1: return g_strdup_printf (_("the last %s"), day);
    case -2: return g_strdup_printf (_("the second to last %s"), day);
    default:
      if (position > 0)
        return g_strdup_printf (_("%s number %d"), day, position);
      return g_strdup_printf (_("%s number %d from the end"), day, -position);
    }
}

/* "the last day", "the third-to-last day", "day 4 from the end" */
static char *
describe_day_from_end (gint n)
{
  switch (n)
    {
    case 1: return g_strdup (_("the last day"));
    case 2: return g_strdup (_("the second-to-last day"));
    case 3: return g_strdup (_("the third-to-last day"));
    default: return g_strdup_printf (_("day %d from the end"), n);
    }
}

/* BYMONTHDAY or BYYEARDAY in words: "on days 1 and 15 of the month", "on
 * the last day and day 15 of the month", "on the last day of the year". */
static char *
describe_numbered_days (const short *days,
                        gsize        n_days,
                        gboolean     of_year)
{
  g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) numbers = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *list = NULL;

  for (gsize i = 0; i < n_days; i++)
    if (days[i] > 0)
      g_ptr_array_add (numbers, g_strdup_printf ("%d", days[i]));

  if (numbers->len > 0)
    {
      g_autofree char *numbered = join_words (numbers);

      /* Alone, "on days 1 and 15 of the month"; with others, "day 15". */
      if (numbers->len == n_days)
        return g_strdup_printf (of_year ? g_dngettext (GETTEXT_PACKAGE, "on day %s of the year",
                                                       "on days %s of the year", n_days)
                                        : g_dngettext (GETTEXT_PACKAGE, "on day %s of the month",
                                                       "on days %s of the month", n_days),
                                numbered);
      g_ptr_array_add (words, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "day %s", "days %s",
                                                            numbers->len), numbered));
    }

  for (gsize i = 0; i < n_days; i++)
    if (days[i] < 0)
      g_ptr_array_add (words, describe_day_from_end (-days[i]));

  list = join_words (words);
  return g_strdup_printf (of_year ? _("on %s of the year") : _("on %s of the month"), list);
}

static char *
describe_month_days (const struct icalrecurrencetype *rule)
{
  return describe_numbered_days (rule->by_month_day,
                                 short_array_len (rule->by_month_day, ICAL_BY_MONTHDAY_SIZE),
                                 FALSE);
}

static char *
rule_describe_frequency (const struct icalrecurrencetype *rule)
{
  guint n = rule->interval > 0 ? rule->interval : 1;

  switch (rule->freq)
    {
    case ICAL_SECONDLY_RECURRENCE:
      return n == 1 ? g_strdup (_("Every second"))
                    : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Every %u second",
                                                    "Every %u seconds", n), n);
    case ICAL_MINUTELY_RECURRENCE:
      return n == 1 ? g_strdup (_("Every minute"))
                    : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Every %u minute",
                                                    "Every %u minutes", n), n);
    case ICAL_HOURLY_RECURRENCE:
      return n == 1 ? g_strdup (_("Every hour"))
                    : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Every %u hour",
                                                    "Every %u hours", n), n);
    case ICAL_DAILY_RECURRENCE:
      return n == 1 ? g_strdup (_("Every day"))
                    : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Every %u day",
                                                    "Every %u days", n), n);
    case ICAL_WEEKLY_RECURRENCE:
      return n == 1 ? g_strdup (_("Every week"))
                    : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Every %u week",
                                                    "Every %u weeks", n), n);
    case ICAL_MONTHLY_RECURRENCE:
      return n == 1 ? g_strdup (_("Every month"))
                    : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Every %u month",
                                                    "Every %u months", n), n);
    case ICAL_YEARLY_RECURRENCE:
      return n == 1 ? g_strdup (_("Every year"))
                    : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Every %u year",
                                                    "Every %u years", n), n);
    case ICAL_NO_RECURRENCE:
    default:
      g_assert_not_reached ();
    }
}

/*
 * The frequency as it is seen: FREQ=HOURLY;BYHOUR=9,17 runs once at each of
 * those hours a day, so it is "Every day at 09:00 and 17:00", not "Every
 * hour at …"; the same for a BYMINUTE under MINUTELY (every hour) and a
 * BYSECOND under SECONDLY (every minute). Only when the smaller units are
 * given too: FREQ=MINUTELY;BYHOUR=3 is every minute during hour 3. With an
 * INTERVAL the rule's own frequency stays: it says which hours the
 * interval counts.
 */
static char *
rule_describe_frequency_seen (const struct icalrecurrencetype *rule)
{
  struct icalrecurrencetype seen = *rule;
  gboolean has_minutes = rule->by_minute[0] != ICAL_RECURRENCE_ARRAY_MAX;
  gboolean has_seconds = rule->by_second[0] != ICAL_RECURRENCE_ARRAY_MAX;
  /* libical orders frequencies from SECONDLY (the smallest) to YEARLY. */
  gboolean seconds_fixed = rule->freq > ICAL_SECONDLY_RECURRENCE || has_seconds;
  gboolean minutes_fixed = rule->freq > ICAL_MINUTELY_RECURRENCE || (has_minutes && seconds_fixed);

  if (rule->interval <= 1 && rule->freq < ICAL_DAILY_RECURRENCE)
    {
      if (rule->by_hour[0] != ICAL_RECURRENCE_ARRAY_MAX && minutes_fixed)
        seen.freq = ICAL_DAILY_RECURRENCE;
      else if (has_minutes && rule->freq < ICAL_HOURLY_RECURRENCE && seconds_fixed)
        seen.freq = ICAL_HOURLY_RECURRENCE;
      else if (has_seconds && rule->freq < ICAL_MINUTELY_RECURRENCE)
        seen.freq = ICAL_MINUTELY_RECURRENCE;
    }

  return rule_describe_frequency (&seen);
}

/* A BYSETPOS position in words: "first", "last", "second-to-last", "7th". */
static char *
describe_set_position (gint position)
{
  switch (position)
    {
    case 1: return g_strdup (_("first"));
    case 2: return g_strdup (_("second"));
    case 3: return g_strdup (_("third"));
    case 4: return g_strdup (_("fourth"));
    case 5: return g_strdup (_("fifth"));
    case -1: return g_strdup (_("last"));
    case -2: return g_strdup (_("second-to-last"));
    case -3: return g_strdup (_("third-to-last"));
    default:
      if (position > 0)
        return g_strdup_printf (_("number %d"), position);
      return g_strdup_printf (_("number %d from the end"), -position);
    }
}

static char *
rule_describe_times (const struct icalrecurrencetype *rule)
{
  guint64 hours = short_array_bits (rule->by_hour, ICAL_BY_HOUR_SIZE, 0);
  guint64 minutes = short_array_bits (rule->by_minute, ICAL_BY_MINUTE_SIZE, 0);
  guint64 seconds = short_array_bits (rule->by_second, ICAL_BY_SECOND_SIZE, 0);
  guint n_h = __builtin_popcountll (hours);
  guint n_m = __builtin_popcountll (minutes);
  guint n_s = __builtin_popcountll (seconds);

  if (n_h > 0 && n_m > 0 && n_h * n_m * MAX (n_s, 1) <= 6)
    {
      g_autoptr(GPtrArray) times = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *list = NULL;
      gboolean with_seconds = seconds != 0 && seconds != 1;

      for (guint h = 0; h < 24; h++)
        for (guint m = 0; m < 60; m++)
          for (guint s = 0; s < 61; s++)
            if (((hours >> h) & 1) && ((minutes >> m) & 1) &&
                (seconds == 0 ? s == 0 : ((seconds >> s) & 1)))
              {
                if (with_seconds)
                  g_ptr_array_add (times, g_strdup_printf (C_("time of day", "%02u:%02u:%02u"),
                                                           h, m, s));
                else
                  g_ptr_array_add (times, format_time (h, m));
              }

      list = join_words (times);
      return g_strdup_printf (C_("clock times", "at %s"), list);
    }

  {
    g_autofree char *within_hour = NULL;
    g_autofree char *second_part = NULL;

    if (n_m > 0 && rule->freq == ICAL_SECONDLY_RECURRENCE && n_s == 0)
      {
        g_autofree char *list = describe_values (minutes, 0, 59, NULL);

        /* FREQ=SECONDLY;BYMINUTE=5: every second of minute 5 */
        within_hour = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "during minute %s",
                                                    "during minutes %s", n_m), list);
      }
    else if (n_m > 0)
      {
        g_autofree char *list = describe_values (minutes, 0, 59, NULL);

        within_hour = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "at minute %s", "at minutes %s",
                                                    n_m), list);
      }

    /* Second 0 goes without saying once a minute is given, or for a rule of
     * minutes, whose seconds are 0 unless BYSECOND says otherwise. */
    if (n_s > 0 && !((n_m > 0 || rule->freq == ICAL_MINUTELY_RECURRENCE) && seconds == 1))
      {
        g_autofree char *list = describe_values (seconds, 0, 60, NULL);

        if (within_hour != NULL)
          {
            /* "at minute 30, second 15" */
            second_part = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s, second %s",
                                                        "%s, seconds %s", n_s), within_hour, list);
            g_free (within_hour);
            within_hour = g_steal_pointer (&second_part);
          }
        else
          {
            within_hour = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "at second %s",
                                                        "at seconds %s", n_s), list);
          }
      }

    if (n_h > 0)
      {
        g_autofree char *list = describe_values (hours, 0, 23, NULL);

        if (within_hour == NULL)
          return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "during hour %s", "during hours %s",
                                               n_h), list);
        /* "at minutes 0 and 30 of hours 9 to 17" */
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s of hour %s", "%s of hours %s", n_h),
                                within_hour, list);
      }

    return g_steal_pointer (&within_hour);
  }
}

static char *
rule_describe (const ChkSchedule *self)
{
  const struct icalrecurrencetype *rule = self->rule;
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  gsize n_byday = short_array_len (rule->by_day, ICAL_BY_DAY_SIZE);
  gsize n_monthday = short_array_len (rule->by_month_day, ICAL_BY_MONTHDAY_SIZE);
  gsize n_yearday = short_array_len (rule->by_year_day, ICAL_BY_YEARDAY_SIZE);
  gsize n_weekno = short_array_len (rule->by_week_no, ICAL_BY_WEEKNO_SIZE);
  gsize n_setpos = short_array_len (rule->by_set_pos, ICAL_BY_SETPOS_SIZE);
  guint64 months = short_array_bits (rule->by_month, ICAL_BY_MONTH_SIZE, 0);
  g_autofree char *times = rule_describe_times (rule);
  g_autofree char *setpos = NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  /* FREQ=YEARLY;BYMONTHDAY=1 without BYMONTH or other days runs in every
   * month, as FREQ=MONTHLY does. */
  if ((rule->freq == ICAL_MONTHLY_RECURRENCE ||
       (rule->freq == ICAL_YEARLY_RECURRENCE && months == 0 && n_yearday == 0)) &&
      rule->interval <= 1 && n_monthday > 0 && n_byday == 0)
    {
      /* "On the last day of the month at 23:00" reads better than "Every month on …" */
      g_autofree char *days = describe_month_days (rule);

      g_ptr_array_add (parts, g_steal_pointer (&days));
    }
  else
    {
      g_ptr_array_add (parts, rule_describe_frequency_seen (rule));
      if (n_monthday > 0)
        g_ptr_array_add (parts, describe_month_days (rule));
    }

  if (n_byday > 0)
    {
      g_autoptr(GPtrArray) days = g_ptr_array_new_with_free_func (g_free);
      guint64 plain = 0;
      gboolean plain_range = FALSE;
      g_autofree char *list = NULL;

      for (gsize i = 0; i < n_byday; i++)
        {
          gint position = icalrecurrencetype_day_position (rule->by_day[i]);
          guint weekday = (icalrecurrencetype_day_day_of_week (rule->by_day[i]) + 6) % 7;

          if (position == 0)
            plain |= 1u << weekday;
          else
            g_ptr_array_add (days, describe_ordinal_day (position, weekday));
        }

      if (plain != 0)
        {
          guint n = __builtin_popcountll (plain);
          gint first = next_bit (plain, 0);

          plain_range = n >= 3 && n < 7 && bits_all (plain, first, first + n - 1);
          if (plain_range)
            g_ptr_array_add (days, g_strdup_printf (C_("range", "%s to %s"),
                                                    _(weekday_names[first]),
                                                    _(weekday_names[first + n - 1])));
          else
            g_ptr_array_add (days, describe_values (plain, 0, 6, weekday_names));
        }

      list = join_words (days);
      if (plain_range && days->len == 1)
        {
          /* "Every day, Monday to Friday" */
          char *first = g_ptr_array_index (parts, parts->len - 1);

          g_ptr_array_index (parts, parts->len - 1) = g_strdup_printf (C_("time and days", "%s, %s"),
                                                                       first, list);
          g_free (first);
        }
      else
        g_ptr_array_add (parts, g_strdup_printf (C_("weekdays", "on %s"), list));
    }

  if (n_yearday > 0)
    g_ptr_array_add (parts, describe_numbered_days (rule->by_year_day, n_yearday, TRUE));

  if (n_weekno > 0)
    {
      g_autofree char *list = NULL;
      g_autoptr(GPtrArray) weeks = g_ptr_array_new_with_free_func (g_free);

      for (gsize i = 0; i < n_weekno; i++)
        {
          gint w = rule->by_week_no[i];

          if (w == -1)
            g_ptr_array_add (weeks, g_strdup (_("the last")));
          else if (w < 0)
            g_ptr_array_add (weeks, g_strdup_printf (_("%d from the end"), -w));
          else
            g_ptr_array_add (weeks, g_strdup_printf ("%d", w));
        }
      list = join_words (weeks);
      g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "in week %s of the year",
                                                            "in weeks %s of the year", n_weekno), list));
    }

  if (months != 0)
    {
      g_autofree char *list = describe_values (months, 1, 12, month_names);

      g_ptr_array_add (parts, g_strdup_printf (C_("months", "in %s"), list));
    }

  if (times != NULL)
    g_ptr_array_add (parts, g_steal_pointer (&times));

  if (n_setpos > 0)
    {
      g_autofree char *list = NULL;
      g_autoptr(GPtrArray) positions = g_ptr_array_new_with_free_func (g_free);

      for (gsize i = 0; i < n_setpos; i++)
        g_ptr_array_add (positions, describe_set_position (rule->by_set_pos[i]));
      list = join_words (positions);

      /* "Every month, Monday to Friday, only the last of each month" */
      switch (rule->freq)
        {
        case ICAL_SECONDLY_RECURRENCE:
          setpos = g_strdup_printf (_(", only the %s of each second"), list);
          break;
        case ICAL_MINUTELY_RECURRENCE:
          setpos = g_strdup_printf (_(", only the %s of each minute"), list);
          break;
        case ICAL_HOURLY_RECURRENCE:
          setpos = g_strdup_printf (_(", only the %s of each hour"), list);
          break;
        case ICAL_DAILY_RECURRENCE:
          setpos = g_strdup_printf (_(", only the %s of each day"), list);
          break;
        case ICAL_WEEKLY_RECURRENCE:
          setpos = g_strdup_printf (_(", only the %s of each week"), list);
          break;
        case ICAL_MONTHLY_RECURRENCE:
          setpos = g_strdup_printf (_(", only the %s of each month"), list);
          break;
        case ICAL_YEARLY_RECURRENCE:
          setpos = g_strdup_printf (_(", only the %s of each year"), list);
          break;
        case ICAL_NO_RECURRENCE:
        default:
          g_assert_not_reached ();
        }
    }

  for (guint i = 0; i < parts->len; i++)
    {
      const char *part = g_ptr_array_index (parts, i);

      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, part);
    }

  if (setpos != NULL)
    g_string_append (out, setpos);

  if (rule->count > 0)
    g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, ", once", ", %d times", rule->count),
                            rule->count);

  if (self->has_until)
    {
      Civil c;

      seconds_to_civil (self->until, &c);
      if (self->until_is_utc)
        g_string_append_printf (out, _(", until %04d-%02d-%02d %02d:%02d UTC"),
                                c.year, c.month, c.day, c.hour, c.minute);
      else
        g_string_append_printf (out, _(", until %04d-%02d-%02d %02d:%02d"),
                                c.year, c.month, c.day, c.hour, c.minute);
    }

  /* Sentences start with a capital letter; the fragments above don't. */
  if (out->len > 0 && g_ascii_islower (out->str[0]))
    out->str[0] = g_ascii_toupper (out->str[0]);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
chk_schedule_free (ChkSchedule *self)
{
  if (self->rule != NULL)
    g_free (self->rule->rscale);
  g_clear_pointer (&self->rule, g_free);
  g_clear_pointer (&self->text, g_free);
  g_free (self);
}

/**
 * chk_schedule_parse:
 * @text: a schedule: "" (manual), a cron expression or macro, or an RRULE
 * @error: return location for a #GError
 *
 * Parses and validates a schedule. Leading and trailing white space is
 * ignored. On error, @error is %CHK_ERROR_INVALID_SCHEDULE with a message
 * naming the field or part that is wrong, such as
 * "minute field: 61 is out of range 0-59".
 *
 * Cron expressions have five fields (minute, hour, day-of-month, month,
 * day-of-week) with lists, ranges, steps and month and day names; 7 is
 * Sunday as well as 0. When both day fields are restricted, a day matching
 * either runs (Vixie cron). Recurrence rules are RFC 5545 RRULEs; when one
 * gives BYHOUR without BYMINUTE, or either without BYSECOND, the missing
 * smaller parts are 0 rather than taken from the start time.
 *
 * Returns: (transfer full) (nullable): the schedule, or %NULL on error
 */
ChkSchedule *
chk_schedule_parse (const char  *text,
                    GError     **error)
{
  g_autoptr(ChkSchedule) self = NULL;
  g_autofree char *trimmed = NULL;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (strlen (text) > MAX_SCHEDULE_LEN)
    {
      set_schedule_error (error, _("the schedule is longer than %d characters"), MAX_SCHEDULE_LEN);
      return NULL;
    }

  if (!g_utf8_validate (text, -1, NULL))
    {
      set_schedule_error (error, _("the schedule is not valid UTF-8 text"));
      return NULL;
    }

  trimmed = g_strstrip (g_strdup (text));

  g_mutex_lock (&schedule_cache_lock);
  self = schedule_cache != NULL ? g_hash_table_lookup (schedule_cache, trimmed) : NULL;
  if (self != NULL)
    chk_schedule_ref (self);
  g_mutex_unlock (&schedule_cache_lock);
  if (self != NULL)
    return g_steal_pointer (&self);

  self = g_new0 (ChkSchedule, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->text = g_strdup (trimmed);

  if (trimmed[0] == '\0')
    {
      self->kind = CHK_SCHEDULE_MANUAL;
    }
  else if (g_ascii_strncasecmp (trimmed, "FREQ=", 5) == 0 ||
           g_ascii_strncasecmp (trimmed, "RRULE:", 6) == 0 ||
           strchr (trimmed, '=') != NULL)
    {
      self->kind = CHK_SCHEDULE_RRULE;
      if (!rule_parse (self, trimmed, error))
        return NULL;
    }
  else
    {
      self->kind = CHK_SCHEDULE_CRON;
      if (!cron_parse (self, trimmed, error))
        return NULL;
    }

  g_mutex_lock (&schedule_cache_lock);
  if (schedule_cache == NULL)
    schedule_cache = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                            (GDestroyNotify) chk_schedule_unref);
  if (g_hash_table_size (schedule_cache) >= SCHEDULE_CACHE_SIZE)
    g_hash_table_remove_all (schedule_cache);
  /* The key is the schedule's own text, which lives as long as the entry. */
  g_hash_table_replace (schedule_cache, self->text, chk_schedule_ref (self));
  g_mutex_unlock (&schedule_cache_lock);

  return g_steal_pointer (&self);
}

/**
 * chk_schedule_ref:
 * @self: a #ChkSchedule
 *
 * Returns: (transfer full): @self, with one more reference
 */
ChkSchedule *
chk_schedule_ref (ChkSchedule *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * chk_schedule_unref:
 * @self: (transfer full): a #ChkSchedule
 *
 * Drops a reference, freeing the schedule with the last one.
 */
void
chk_schedule_unref (ChkSchedule *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    chk_schedule_free (self);
}

/**
 * chk_schedule_get_kind:
 * @self: a #ChkSchedule
 *
 * Returns: whether @self is manual, cron or a recurrence rule
 */
ChkScheduleKind
chk_schedule_get_kind (const ChkSchedule *self)
{
  g_return_val_if_fail (self != NULL, CHK_SCHEDULE_MANUAL);

  return self->kind;
}

/**
 * chk_schedule_get_text:
 * @self: a #ChkSchedule
 *
 * Returns: the schedule as it was given, without surrounding white space
 */
const char *
chk_schedule_get_text (const ChkSchedule *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->text;
}

/**
 * chk_schedule_is_counted:
 * @self: a #ChkSchedule
 *
 * Whether @self is a recurrence rule with COUNT, whose occurrences are
 * counted from its start: finding one walks through those before it.
 *
 * Returns: %TRUE for a rule with COUNT
 */
gboolean
chk_schedule_is_counted (const ChkSchedule *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->kind == CHK_SCHEDULE_RRULE && self->rule->count > 0;
}

/**
 * chk_schedule_describe:
 * @self: a #ChkSchedule
 *
 * Describes the schedule for people, in their language: "Every 15 minutes",
 * "At 09:00, Monday to Friday", "On the last day of the month at 23:00".
 *
 * Returns: (transfer full): the description
 */
char *
chk_schedule_describe (const ChkSchedule *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  switch (self->kind)
    {
    case CHK_SCHEDULE_MANUAL:
      return g_strdup (_("Manual only"));
    case CHK_SCHEDULE_CRON:
      return cron_describe (self);
    case CHK_SCHEDULE_RRULE:
      return rule_describe (self);
    default:
      g_assert_not_reached ();
    }
}

/* @usec rounded down to whole seconds, the smallest unit of a schedule, if
 * it is within the years schedules are computed for. */
static gboolean
seconds_in_range (gint64  usec,
                  gint64 *seconds)
{
  *seconds = usec >= 0 ? usec / G_USEC_PER_SEC : -((-usec + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  return *seconds <= (gint64) MAX_YEAR * 366 * SECONDS_PER_DAY &&
         *seconds >= -(gint64) 1969 * 366 * SECONDS_PER_DAY;
}

/**
 * chk_schedule_next:
 * @self: a #ChkSchedule
 * @tz: the zone whose wall clock the schedule follows
 * @start: when a recurrence rule starts (its DTSTART), µs since the epoch;
 *   ignored by cron schedules
 * @after: µs since the epoch
 *
 * Computes the first occurrence strictly after @after. Cost does not grow
 * with the time between @start and @after, except for rules with COUNT,
 * which are counted from @start (COUNT is at most 100000).
 *
 * Returns: the occurrence in µs since the epoch, or 0 if there is none: the
 *   schedule is manual or the rule is exhausted
 */
gint64
chk_schedule_next (const ChkSchedule *self,
                   GTimeZone         *tz,
                   gint64             start,
                   gint64             after)
{
  gint64 after_s, start_s, next;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (tz != NULL, 0);

  if (!seconds_in_range (after, &after_s) || !seconds_in_range (start, &start_s))
    return 0;

  switch (self->kind)
    {
    case CHK_SCHEDULE_MANUAL:
      return 0;
    case CHK_SCHEDULE_CRON:
      next = cron_next (self, tz, after_s);
      break;
    case CHK_SCHEDULE_RRULE:
      next = rule_next (self, tz, start_s, after_s);
      break;
    default:
      g_assert_not_reached ();
    }

  return next * G_USEC_PER_SEC;
}

/**
 * chk_schedule_check_occurs:
 * @self: a #ChkSchedule
 * @tz: the zone whose wall clock the schedule follows
 * @start: when a recurrence rule starts (its DTSTART), µs since the epoch
 * @error: return location for a #GError
 *
 * Checks that a recurrence rule without COUNT or UNTIL occurs at all from
 * @start: one with an INTERVAL may not (FREQ=HOURLY;INTERVAL=2;BYHOUR=9
 * from an even hour), which chk_schedule_parse() cannot know.
 *
 * Returns: %TRUE if it occurs, or is no such rule
 */
gboolean
chk_schedule_check_occurs (const ChkSchedule  *self,
                           GTimeZone          *tz,
                           gint64              start,
                           GError            **error)
{
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (tz != NULL, FALSE);

  if (self->kind != CHK_SCHEDULE_RRULE)
    return TRUE;

  if (self->rule->count > 0)
    {
      gint64 start_s;
      RuleIter iter;

      /* Its runs are counted from its start, walking through each: that walk
       * is taken now, in wall-clock time (COUNT counts those), so that it is
       * known to be short. */
      if (!seconds_in_range (start, &start_s))
        return TRUE;
      rule_iter_init (&iter, self->rule, utc_to_local (tz, start_s), G_MININT64);
      while (rule_iter_next (&iter) >= 0)
        ;
      if (iter.over_budget)
        return set_schedule_error (error, _("RRULE: counting the %d runs of “%s” takes too long: "
                                            "give a smaller COUNT, or UNTIL"),
                                   self->rule->count, self->text);
      return TRUE;
    }

  if (self->has_until || chk_schedule_next (self, tz, start, start - 1) != 0)
    return TRUE;

  when = g_date_time_new_from_unix_utc (start / G_USEC_PER_SEC);
  if (when != NULL)
    {
      g_autoptr(GDateTime) local = g_date_time_to_timezone (when, tz);

      text = g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
    }
  return set_schedule_error (error, _("RRULE: “%s” never occurs from its start, %s"),
                             self->text, text != NULL ? text : "?");
}

/**
 * chk_schedule_next_runs:
 * @self: a #ChkSchedule
 * @tz: the zone whose wall clock the schedule follows
 * @start: as for chk_schedule_next()
 * @after: µs since the epoch
 * @runs: (out caller-allocates) (array length=n_runs): where to put the occurrences
 * @n_runs: how many are wanted
 *
 * Computes the next @n_runs occurrences after @after, in order.
 *
 * Returns: how many there are: fewer than @n_runs when the schedule ends
 */
guint
chk_schedule_next_runs (const ChkSchedule *self,
                        GTimeZone         *tz,
                        gint64             start,
                        gint64             after,
                        gint64            *runs,
                        guint              n_runs)
{
  guint n;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (tz != NULL, 0);
  g_return_val_if_fail (runs != NULL || n_runs == 0, 0);

  if (self->kind == CHK_SCHEDULE_RRULE)
    {
      g_autoptr(ChkScheduleIter) iter = chk_schedule_iter_new ((ChkSchedule *) self, tz, start);

      for (n = 0; n < n_runs; n++)
        {
          runs[n] = chk_schedule_iter_next (iter, after);
          if (runs[n] == 0)
            break;
          after = runs[n];
        }
      return n;
    }

  for (n = 0; n < n_runs; n++)
    {
      runs[n] = chk_schedule_next (self, tz, start, after);
      if (runs[n] == 0)
        break;
      after = runs[n];
    }

  return n;
}

struct _ChkScheduleIter
{
  ChkSchedule *schedule;
  GTimeZone   *tz;
  gint64       start;
  /* For a rule with COUNT: its walk, made when first needed. A walk is a
   * few KiB, and most iterators (cron, rules without COUNT) never walk:
   * the daemon keeps one iterator per job. */
  RuleWalk    *walk;
};

/**
 * chk_schedule_iter_new:
 * @schedule: a #ChkSchedule
 * @tz: the zone whose wall clock the schedule follows
 * @start: as for chk_schedule_next()
 *
 * Creates an iterator over the occurrences of @schedule, for finding the
 * next occurrence again and again as time goes on: a rule with COUNT is
 * counted from its start, and the iterator keeps its place instead of
 * counting from the start each time.
 *
 * Returns: (transfer full): a new iterator; free it with
 *   chk_schedule_iter_free()
 */
ChkScheduleIter *
chk_schedule_iter_new (ChkSchedule *schedule,
                       GTimeZone   *tz,
                       gint64       start)
{
  ChkScheduleIter *iter;

  g_return_val_if_fail (schedule != NULL, NULL);
  g_return_val_if_fail (tz != NULL, NULL);

  iter = g_new0 (ChkScheduleIter, 1);
  iter->schedule = chk_schedule_ref (schedule);
  iter->tz = g_time_zone_ref (tz);
  iter->start = start;
  return iter;
}

/**
 * chk_schedule_iter_next:
 * @iter: a #ChkScheduleIter
 * @after: µs since the epoch
 *
 * The same as chk_schedule_next() with the schedule, zone and start of
 * @iter. Calls with @after never smaller than the occurrence the last call
 * returned cost only the walk between them.
 *
 * Returns: the first occurrence strictly after @after, or 0 if there is none
 */
gint64
chk_schedule_iter_next (ChkScheduleIter *iter,
                        gint64           after)
{
  const ChkSchedule *self;
  gint64 after_s, start_s;

  g_return_val_if_fail (iter != NULL, 0);

  self = iter->schedule;
  if (self->kind != CHK_SCHEDULE_RRULE || self->rule->count == 0)
    return chk_schedule_next (self, iter->tz, iter->start, after);

  if (!seconds_in_range (after, &after_s) || !seconds_in_range (iter->start, &start_s))
    return 0;

  /* Back before where the walk is: start it again. */
  if (iter->walk != NULL && after_s < iter->walk->last)
    g_clear_pointer (&iter->walk, g_free);
  if (iter->walk == NULL)
    {
      iter->walk = g_new0 (RuleWalk, 1);
      rule_walk_init (iter->walk, self, iter->tz, start_s, after_s);
    }

  return rule_walk_next (iter->walk, self, after_s) * G_USEC_PER_SEC;
}

/**
 * chk_schedule_iter_free:
 * @iter: (transfer full): a #ChkScheduleIter
 */
void
chk_schedule_iter_free (ChkScheduleIter *iter)
{
  g_return_if_fail (iter != NULL);

  chk_schedule_unref (iter->schedule);
  g_time_zone_unref (iter->tz);
  g_free (iter->walk);
  g_free (iter);
}

/**
 * chk_schedule_rewind_start:
 * @self: a #ChkSchedule
 * @tz: the zone its occurrences are computed in
 * @start: the start of a recurrence rule (DTSTART), µs since the epoch
 * @before: an instant, µs since the epoch
 *
 * Moves the start of a rule that repeats at a fixed pace back to @before or
 * earlier by whole periods, so that the rule keeps its pace and phase. For
 * a rule that had begun before the wall clock was set back past its start:
 * without this it would not run again until the clock reaches the start.
 *
 * Only FREQ=SECONDLY to FREQ=WEEKLY without COUNT have a fixed period (in
 * wall-clock time): COUNT counts from the start and months vary in length.
 *
 * Returns: the start to compute occurrences from: @start itself if it is not
 *   after @before or the rule has no fixed period
 */
gint64
chk_schedule_rewind_start (const ChkSchedule *self,
                           GTimeZone         *tz,
                           gint64             start,
                           gint64             before)
{
  gint64 period, start_s, start_local, before_local, periods;

  g_return_val_if_fail (self != NULL, start);
  g_return_val_if_fail (tz != NULL, start);

  if (self->kind != CHK_SCHEDULE_RRULE || self->rule->count > 0 || start <= before || before < 0)
    return start;

  switch (self->rule->freq)
    {
    case ICAL_SECONDLY_RECURRENCE:
      period = 1;
      break;
    case ICAL_MINUTELY_RECURRENCE:
      period = 60;
      break;
    case ICAL_HOURLY_RECURRENCE:
      period = 3600;
      break;
    case ICAL_DAILY_RECURRENCE:
      period = SECONDS_PER_DAY;
      break;
    case ICAL_WEEKLY_RECURRENCE:
      period = 7 * SECONDS_PER_DAY;
      break;
    default:
      return start;
    }
  period *= MAX (self->rule->interval, 1);

  start_s = start / G_USEC_PER_SEC;
  start_local = utc_to_local (tz, start_s);
  before_local = utc_to_local (tz, before / G_USEC_PER_SEC);
  periods = (start_local - before_local + period - 1) / period;

  return local_to_utc (tz, start_local - periods * period) * G_USEC_PER_SEC +
         (start - start_s * G_USEC_PER_SEC);
}

/**
 * chk_time_zone_new:
 * @identifier: (nullable): an IANA zone such as "Europe/Berlin", or "" or
 *   %NULL for the local zone
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the zone, or %NULL with
 *   %CHK_ERROR_INVALID_SCHEDULE when there is no such zone
 */
GTimeZone *
chk_time_zone_new (const char  *identifier,
                   GError     **error)
{
  GTimeZone *tz;

  if (identifier == NULL || identifier[0] == '\0')
    return g_time_zone_new_local ();

  if (strlen (identifier) > 256 || !g_utf8_validate (identifier, -1, NULL))
    {
      chk_set_key_error (error, CHK_ERROR_INVALID_SCHEDULE, "timezone", _("not a time zone name"));
      return NULL;
    }

  /* Zones never change while we run; loading one means reading a file. */
  g_mutex_lock (&zone_cache_lock);
  if (zone_cache == NULL)
    zone_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_time_zone_unref);
  tz = g_hash_table_lookup (zone_cache, identifier);
  if (tz != NULL)
    {
      g_time_zone_ref (tz);
    }
  else
    {
      tz = zone_name_is_safe (identifier) ? g_time_zone_new_identifier (identifier) : NULL;
      if (tz != NULL && g_hash_table_size (zone_cache) < 1024)
        {
          ZoneFix *fix = zone_fix_new (identifier);

          g_hash_table_insert (zone_cache, g_strdup (identifier), g_time_zone_ref (tz));
          /* Kept with the cached zone, which lives as long as the process. */
          if (fix != NULL)
            {
              if (zone_fixes == NULL)
                zone_fixes = g_hash_table_new_full (NULL, NULL, NULL, zone_fix_free);
              g_hash_table_insert (zone_fixes, tz, fix);
              g_atomic_int_set (&zone_fixes_exist, 1);
            }
        }
    }
  g_mutex_unlock (&zone_cache_lock);

  if (tz == NULL)
    {
      chk_set_key_error (error, CHK_ERROR_INVALID_SCHEDULE, "timezone",
                         _("unknown zone “%s” (use an IANA name such as Europe/Berlin)"),
                         identifier);
      return NULL;
    }

  return tz;
}
