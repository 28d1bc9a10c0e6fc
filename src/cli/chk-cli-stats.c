/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chronikerctl"

#include "config.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "chk-cli-client.h"
#include "chk-cli-format.h"
#include "chk-cli-json.h"
#include "chk-cli-verbs.h"
#include "chk-duration.h"

/*
 * stats: Scheduler1.GetJobStats (DESIGN §7) as a table of buckets, a
 * sparkline of their median durations, and a summary line; or as JSON.
 */

#define DEFAULT_SINCE_SECONDS (30 * 24 * 3600)
#define DEFAULT_BUCKETS_ALL   30
#define MAX_BUCKETS           1000
#define COLOR_RESET           "\033[0m"

/* The eight heights of a sparkline, lowest first */
static const char * const bars[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };

/* A bucket of GetJobStats */
typedef struct
{
  gint64  start;
  guint32 runs;
  guint32 failures;
  gint64  p50;  /* µs */
  gint64  max;  /* µs */
} Bucket;

static GArray *
buckets_from_variant (GVariant *stats)
{
  GArray *buckets = g_array_new (FALSE, TRUE, sizeof (Bucket));
  GVariantIter iter;
  GVariant *dict;

  g_variant_iter_init (&iter, stats);
  while ((dict = g_variant_iter_next_value (&iter)) != NULL)
    {
      Bucket b = { 0 };

      g_variant_lookup (dict, "start", "x", &b.start);
      g_variant_lookup (dict, "runs", "u", &b.runs);
      g_variant_lookup (dict, "failures", "u", &b.failures);
      g_variant_lookup (dict, "duration-p50", "x", &b.p50);
      g_variant_lookup (dict, "duration-max", "x", &b.max);
      g_array_append_val (buckets, b);
      g_variant_unref (dict);
    }
  return buckets;
}

/*
 * --since: a DURATION back from @now, a TIME, or "all" (0: from the
 * oldest run kept).
 */
static gboolean
parse_since (GOptionContext *context,
             const char     *text,
             gint64          now,
             gint64         *out_since,
             int            *out_status)
{
  guint64 seconds;

  if (g_ascii_strcasecmp (text, "all") == 0)
    {
      *out_since = 0;
      return TRUE;
    }
  if (chk_duration_parse (text, &seconds, NULL))
    {
      if (seconds == 0)
        {
          *out_status = chk_cli_usage_error (context, _("--since: give a duration longer than 0"));
          return FALSE;
        }
      *out_since = now - (gint64) seconds * G_USEC_PER_SEC;
      return TRUE;
    }
  if (!chk_cli_parse_time (text, out_since))
    {
      *out_status = chk_cli_usage_error (context, _("--since: “%s” is not a duration such as 30d, "
                                                    "a time such as 2026-11-23T09:00, or all"),
                                         text);
      return FALSE;
    }
  if (*out_since >= now || *out_since <= 0)
    {
      *out_status = chk_cli_usage_error (context, _("--since: %s is not in the past"), text);
      return FALSE;
    }
  return TRUE;
}

/*
 * One bucket a day, or for less than two days one an hour, or for less
 * than two hours one a minute; at most MAX_BUCKETS.
 */
static guint
default_buckets (gint64 since,
                 gint64 now)
{
  static const gint64 units[] = { 24 * 3600, 3600, 60 };
  gint64 span;

  if (since == 0)
    return DEFAULT_BUCKETS_ALL;
  span = (now - since) / G_USEC_PER_SEC;
  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    {
      if (span >= 2 * units[i])
        return (guint) CLAMP ((span + units[i] / 2) / units[i], 1, MAX_BUCKETS);
    }
  return 1;
}

/* A run's duration as runs and show say short ones: "0.40 s", "3 min 20 s"; "-" for none */
static char *
format_duration (const Bucket *b,
                 gint64        usec)
{
  return b->runs > 0 ? chk_format_cpu_time ((guint64) MAX (usec, 0)) : g_strdup ("-");
}

static JsonNode *
buckets_to_json (GArray *buckets)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  for (guint i = 0; i < buckets->len; i++)
    {
      const Bucket *b = &g_array_index (buckets, Bucket, i);
      g_autofree char *start = chk_format_iso_utc (b->start);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "start");
      json_builder_add_string_value (builder, start);
      json_builder_set_member_name (builder, "runs");
      json_builder_add_int_value (builder, b->runs);
      json_builder_set_member_name (builder, "failures");
      json_builder_add_int_value (builder, b->failures);
      /* Seconds, as the duration of runs --json; null where there was no run */
      json_builder_set_member_name (builder, "duration-p50");
      if (b->runs > 0)
        json_builder_add_double_value (builder, (double) b->p50 / G_USEC_PER_SEC);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "duration-max");
      if (b->runs > 0)
        json_builder_add_double_value (builder, (double) b->max / G_USEC_PER_SEC);
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return json_builder_get_root (builder);
}

static void
print_table (GArray   *buckets,
             gboolean  color)
{
  g_autoptr(ChkTable) table = chk_table_new (5, C_("column", "START"), C_("column", "RUNS"),
                                             C_("column", "FAILED"), C_("column", "MEDIAN"),
                                             C_("column", "LONGEST"));

  for (guint i = 0; i < buckets->len; i++)
    {
      const Bucket *b = &g_array_index (buckets, Bucket, i);
      g_autofree char *start = chk_format_local_time (b->start);
      g_autofree char *runs = g_strdup_printf ("%u", b->runs);
      g_autofree char *failures = g_strdup_printf ("%u", b->failures);
      g_autofree char *p50 = format_duration (b, b->p50);
      g_autofree char *max = format_duration (b, b->max);

      chk_table_add_row (table, start, runs, failures, p50, max);
      if (b->failures > 0)
        chk_table_set_color (table, 2, chk_format_color_for ("failure"));
    }
  chk_table_print (table, color);
}

/*
 * The median duration of each bucket as a bar from ▁ to █ (the longest
 * median is █; "·" for a bucket without runs), and below, where any run
 * failed, a line with "×" under the buckets that had failures; in colour,
 * their bars are red too.
 */
static void
print_sparkline (GArray   *buckets,
                 gboolean  color)
{
  const char *labels[] = { _("Median:"), _("Failed:") };
  const char *red = chk_format_color_for ("failure");
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(GString) marks = g_string_new (NULL);
  gsize width = 0;
  gint64 top = 0;
  gboolean failed = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    width = MAX (width, (gsize) g_utf8_strlen (labels[i], -1));
  for (guint i = 0; i < buckets->len; i++)
    top = MAX (top, g_array_index (buckets, Bucket, i).p50);

  for (guint i = 0; i < buckets->len; i++)
    {
      const Bucket *b = &g_array_index (buckets, Bucket, i);
      gint64 level = top > 0 ? (b->p50 * G_N_ELEMENTS (bars) + top - 1) / top : 1;
      const char *bar = b->runs == 0 ? "·" : bars[CLAMP (level, 1, 8) - 1];

      if (color && b->failures > 0)
        g_string_append_printf (line, "%s%s%s", red, bar, COLOR_RESET);
      else
        g_string_append (line, bar);
      g_string_append (marks, b->failures > 0 ? "×" : " ");
      failed |= b->failures > 0;
    }

  {
    g_autofree char *label = chk_format_padded (labels[0], width);

    g_print ("%s %s\n", label, line->str);
  }
  if (failed)
    {
      g_autofree char *label = chk_format_padded (labels[1], width);

      while (marks->len > 0 && marks->str[marks->len - 1] == ' ')
        g_string_truncate (marks, marks->len - 1);
      g_print ("%s %s\n", label, marks->str);
    }
}

/* "12 runs, 2 failed (17%), median 3 min 20 s, longest 5 min" */
static void
print_summary (const Bucket *all)
{
  g_autofree char *p50 = format_duration (all, all->p50);
  g_autofree char *max = format_duration (all, all->max);
  guint percent = (guint) (((guint64) all->failures * 100 + all->runs / 2) / all->runs);

  /* Translators: the summary line of stats; %u%% is the share of runs that failed */
  g_print (g_dngettext (GETTEXT_PACKAGE,
                        "%u run, %u failed (%u%%), median %s, longest %s\n",
                        "%u runs, %u failed (%u%%), median %s, longest %s\n", all->runs),
           all->runs, all->failures, percent, p50, max);
}

static gboolean
get_stats (ChkClient   *client,
           const char  *path,
           gint64       since,
           guint        n_buckets,
           GArray     **out_buckets,
           int         *out_status)
{
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GError) error = NULL;

  if (!chk_scheduler1_call_get_job_stats_sync (client->scheduler, path, since, n_buckets, &stats,
                                               NULL, &error))
    {
      *out_status = chk_cli_fail_error (error);
      return FALSE;
    }
  *out_buckets = buckets_from_variant (stats);
  return TRUE;
}

int
chk_cli_verb_stats (int    argc,
                    char **argv)
{
  gboolean json = FALSE;
  g_autofree char *since_text = NULL;
  g_autofree char *buckets_text = NULL;
  guint64 n_buckets;
  GOptionEntry entries[] = {
    { "since", 0, 0, G_OPTION_ARG_STRING, &since_text,
      N_("Count the runs from this long ago (default 30d), from a TIME, or all of them"),
      N_("DURATION") },
    { "buckets", 0, 0, G_OPTION_ARG_STRING, &buckets_text,
      N_("Split the time into N buckets, 1 to 1000 (default one a day)"), N_("N") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_auto(ChkCliVerbCall) call = { 0 };
  g_autoptr(GArray) buckets = NULL;
  g_autoptr(GArray) total = NULL;
  g_autofree char *path = NULL;
  gint64 now = g_get_real_time ();
  gint64 since = now - (gint64) DEFAULT_SINCE_SECONDS * G_USEC_PER_SEC;
  gboolean color = chk_format_use_color (STDOUT_FILENO);

  if (!chk_cli_verb_begin (&call, entries, &argc, &argv, 1, CHK_CLI_VERB_UTF8))
    return call.status;
  if (since_text != NULL && !parse_since (call.context, since_text, now, &since, &call.status))
    return call.status;
  if (buckets_text != NULL &&
      !g_ascii_string_to_unsigned (buckets_text, 10, 1, MAX_BUCKETS, &n_buckets, NULL))
    return chk_cli_usage_error (call.context, _("--buckets: “%s” is not a number from 1 to %d"),
                                buckets_text, MAX_BUCKETS);
  if (!chk_cli_verb_connect (&call))
    return call.status;

  /* Without a job, all jobs: the manager's path */
  if (argc == 2)
    {
      g_autoptr(GError) error = NULL;

      call.job = chk_client_get_job (&call.client, argv[1], &error);
      if (call.job == NULL)
        return chk_cli_fail_error (error);
      path = g_strdup (g_dbus_proxy_get_object_path (G_DBUS_PROXY (call.job)));
    }
  else
    {
      path = g_strdup (CHK_MANAGER_PATH);
    }

  /* The median of all the runs is no median of the buckets': one bucket has it. Its
   * start is also where --since all begins, which the default buckets divide. */
  if ((!json || since == 0) &&
      !get_stats (&call.client, path, since, 1, &total, &call.status))
    return call.status;
  if (buckets_text == NULL)
    n_buckets = default_buckets (since != 0 || total->len == 0
                                 ? since : g_array_index (total, Bucket, 0).start, now);
  if (!get_stats (&call.client, path, since, (guint) n_buckets, &buckets, &call.status))
    return call.status;

  if (json)
    {
      g_autoptr(JsonNode) root = buckets_to_json (buckets);

      chk_json_print (root);
      return 0;
    }

  if (total->len == 0 || g_array_index (total, Bucket, 0).runs == 0)
    {
      g_autofree char *from = chk_format_local_time (since);

      if (since == 0)
        g_print (_("No runs.\n"));
      else
        /* Translators: stats when no run started in the time asked for */
        g_print (_("No runs since %s.\n"), from);
      return 0;
    }

  print_table (buckets, color);
  g_print ("\n");
  print_sparkline (buckets, color);
  print_summary (&g_array_index (total, Bucket, 0));
  return 0;
}
