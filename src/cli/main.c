/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chronikerctl"

#include "config.h"

#include <inttypes.h>
#include <errno.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "chk-cli-client.h"
#include "chk-cli-crontab.h"
#include "chk-cli-format.h"
#include "chk-cli-json.h"
#include "chk-cli-verbs.h"
#include "chk-ansi.h"
#include "chk-duration.h"
#include "chk-error.h"
#include "chk-eta.h"
#include "chk-job-spec.h"
#include "chk-schedule.h"

#define READ_PAGE_BYTES (1024 * 1024)
#define TEST_EMAIL_TIMEOUT_MS (90 * 1000)

static void
write_all (int           fd,
           const guint8 *data,
           gsize         len)
{
  while (len > 0)
    {
      gssize n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;
      data += n;
      len -= n;
    }
}

static gboolean
parse_bool (const char *text,
            gboolean   *out)
{
  const char *yes[] = { "true", "yes", "on", "1", NULL };
  const char *no[] = { "false", "no", "off", "0", NULL };

  for (guint i = 0; yes[i] != NULL; i++)
    if (g_ascii_strcasecmp (text, yes[i]) == 0)
      return *out = TRUE, TRUE;
  for (guint i = 0; no[i] != NULL; i++)
    if (g_ascii_strcasecmp (text, no[i]) == 0)
      return *out = FALSE, TRUE;
  return FALSE;
}

static gboolean
parse_time (const char *text,
            gint64     *out)
{
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *iso = NULL;

  if (g_ascii_strcasecmp (text, "now") == 0)
    {
      *out = g_get_real_time ();
      return TRUE;
    }

  /* "2026-11-23 09:00" reads as ISO 8601 with a T */
  iso = g_strdelimit (g_strdup (text), " ", 'T');
  when = g_date_time_new_from_iso8601 (iso, local);
  if (when == NULL)
    {
      g_autofree char *with_seconds = g_strconcat (iso, ":00", NULL);

      when = g_date_time_new_from_iso8601 (with_seconds, local);
    }
  if (when == NULL)
    return FALSE;

  *out = g_date_time_to_unix (when) * G_USEC_PER_SEC + g_date_time_get_microsecond (when);
  return TRUE;
}

static char *
read_input (const char  *path,
            GError     **error)
{
  g_autoptr(GString) text = NULL;
  char buffer[65536];
  gsize n;

  if (g_strcmp0 (path, "-") != 0)
    {
      char *contents = NULL;

      if (!g_file_get_contents (path, &contents, NULL, error))
        return NULL;
      return contents;
    }

  text = g_string_new (NULL);
  while ((n = fread (buffer, 1, sizeof buffer, stdin)) > 0)
    g_string_append_len (text, buffer, n);
  if (ferror (stdin))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("could not read standard input"));
      return NULL;
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Job specs from options: add and edit */

typedef struct
{
  char     *schedule;
  char     *timezone;
  char     *start;
  char     *description;
  char     *workdir;
  char    **env;
  char    **unset_env;
  char     *timeout;
  gboolean  catch_up;
  gboolean  no_catch_up;
  gboolean  merge_stderr;
  gboolean  no_merge_stderr;
  char     *max_runs;
  char     *max_output;
  char     *max_tasks;
  char     *memory_max;
  char     *cpu_weight;
  char     *notify_on;
  char     *email_on;
  char    **email_to;
  gboolean  disabled;
  gboolean  enabled;
  gboolean  monitor;
  gboolean  no_monitor;
  char     *monitor_url;
  char     *check_url;
  char     *expect_status;
  char     *contains;
  char     *check_timeout;
  char     *webhook_url;
  char     *shell;
  char     *name;
} SpecOptions;

static void
spec_options_clear (SpecOptions *options)
{
  g_free (options->schedule);
  g_free (options->timezone);
  g_free (options->start);
  g_free (options->description);
  g_free (options->workdir);
  g_strfreev (options->env);
  g_strfreev (options->unset_env);
  g_free (options->timeout);
  g_free (options->max_runs);
  g_free (options->max_output);
  g_free (options->max_tasks);
  g_free (options->memory_max);
  g_free (options->cpu_weight);
  g_free (options->notify_on);
  g_free (options->email_on);
  g_strfreev (options->email_to);
  g_free (options->monitor_url);
  g_free (options->check_url);
  g_free (options->expect_status);
  g_free (options->contains);
  g_free (options->check_timeout);
  g_free (options->webhook_url);
  g_free (options->shell);
  g_free (options->name);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SpecOptions, spec_options_clear)

#define SPEC_OPTION_ENTRIES(o) \
  { "schedule", 0, 0, G_OPTION_ARG_STRING, &(o).schedule, N_("Cron expression, @macro or RRULE (\"\" for manual only)"), N_("SCHEDULE") }, \
  { "timezone", 0, 0, G_OPTION_ARG_STRING, &(o).timezone, N_("IANA time zone of the schedule (\"\" for local)"), N_("ZONE") }, \
  { "start", 0, 0, G_OPTION_ARG_STRING, &(o).start, N_("When a recurrence rule starts (ISO 8601 or \"now\")"), N_("TIME") }, \
  { "description", 0, 0, G_OPTION_ARG_STRING, &(o).description, N_("What the job is for"), N_("TEXT") }, \
  { "workdir", 0, 0, G_OPTION_ARG_FILENAME, &(o).workdir, N_("Working directory (absolute)"), N_("DIR") }, \
  { "env", 0, 0, G_OPTION_ARG_STRING_ARRAY, &(o).env, N_("Set an environment variable (repeatable)"), N_("NAME=VALUE") }, \
  { "timeout", 0, 0, G_OPTION_ARG_STRING, &(o).timeout, N_("Stop runs after this long (e.g. 10m; 0 for none)"), N_("DURATION") }, \
  { "catch-up", 0, 0, G_OPTION_ARG_NONE, &(o).catch_up, N_("Run once after runs were missed"), NULL }, \
  { "no-catch-up", 0, 0, G_OPTION_ARG_NONE, &(o).no_catch_up, N_("Skip missed runs"), NULL }, \
  { "merge-stderr", 0, 0, G_OPTION_ARG_NONE, &(o).merge_stderr, N_("Send stderr into the stdout pipe, as 2>&1, in exact order"), NULL }, \
  { "no-merge-stderr", 0, 0, G_OPTION_ARG_NONE, &(o).no_merge_stderr, N_("Keep stderr apart from stdout"), NULL }, \
  { "max-runs", 0, 0, G_OPTION_ARG_STRING, &(o).max_runs, N_("Runs to keep (0 for no limit)"), N_("N") }, \
  { "max-output", 0, 0, G_OPTION_ARG_STRING, &(o).max_output, N_("Output kept per run, head and tail (e.g. 16M)"), N_("SIZE") }, \
  { "max-tasks", 0, 0, G_OPTION_ARG_STRING, &(o).max_tasks, N_("Processes and threads a run may have at once (0 for the default-max-tasks setting)"), N_("N") }, \
  { "memory-max", 0, 0, G_OPTION_ARG_STRING, &(o).memory_max, N_("Memory a run may use (e.g. 512M, 1.5G; 0 or none for no limit)"), N_("SIZE") }, \
  { "cpu-weight", 0, 0, G_OPTION_ARG_STRING, &(o).cpu_weight, N_("The run's share of the CPU against other runs, 1 to 10000 (default 100)"), N_("N") }, \
  { "notify-on", 0, 0, G_OPTION_ARG_STRING, &(o).notify_on, N_("Desktop notification: failure, always or never"), N_("WHEN") }, \
  { "email-on", 0, 0, G_OPTION_ARG_STRING, &(o).email_on, N_("Email: failure, always or never"), N_("WHEN") }, \
  { "email-to", 0, 0, G_OPTION_ARG_STRING_ARRAY, &(o).email_to, N_("Email address (repeatable)"), N_("ADDRESS") }, \
  { "disabled", 0, 0, G_OPTION_ARG_NONE, &(o).disabled, N_("Do not run on the schedule"), NULL }, \
  { "enabled", 0, 0, G_OPTION_ARG_NONE, &(o).enabled, N_("Run on the schedule"), NULL }, \
  { "monitor", 0, 0, G_OPTION_ARG_NONE, &(o).monitor, N_("A monitor: alert only when its state changes"), NULL }, \
  { "no-monitor", 0, 0, G_OPTION_ARG_NONE, &(o).no_monitor, N_("Not a monitor: alert on runs"), NULL }, \
  { "monitor-url", 0, 0, G_OPTION_ARG_STRING, &(o).monitor_url, N_("A page about what is watched (\"\" for none)"), N_("URL") }, \
  { "check-url", 0, 0, G_OPTION_ARG_STRING, &(o).check_url, N_("Fetch this http(s) URL instead of running a command"), N_("URL") }, \
  { "expect-status", 0, 0, G_OPTION_ARG_STRING, &(o).expect_status, N_("The HTTP status a check expects (default 200)"), N_("N") }, \
  { "contains", 0, 0, G_OPTION_ARG_STRING, &(o).contains, N_("Text the checked page must hold (\"\" for any)"), N_("TEXT") }, \
  { "check-timeout", 0, 0, G_OPTION_ARG_STRING, &(o).check_timeout, N_("How long a check may take (default 30s)"), N_("DURATION") }, \
  { "webhook-url", 0, 0, G_OPTION_ARG_STRING, &(o).webhook_url, N_("POST alerts here as JSON (\"\" for the webhook-url setting)"), N_("URL") }, \
  { "shell", 0, 0, G_OPTION_ARG_STRING, &(o).shell, N_("Run this line with /bin/sh -c"), N_("COMMAND") }

static gboolean
check_alert_on (GOptionContext *context,
                const char     *option,
                const char     *value,
                int            *out_status)
{
  if (value == NULL || g_str_equal (value, "failure") || g_str_equal (value, "always") ||
      g_str_equal (value, "never"))
    return TRUE;
  *out_status = chk_cli_usage_error (context, _("%s: “%s” is not one of failure, always or never"), option, value);
  return FALSE;
}

/*
 * Turns the options into spec changes. @environment is the job's current
 * environment on edit, NULL on add.
 */
static GVariant *
spec_options_to_variant (SpecOptions     *o,
                         GOptionContext  *context,
                         char           **argv,
                         GVariant        *environment,
                         int             *out_status)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GError) error = NULL;

  if (o->name != NULL)
    g_variant_dict_insert (&dict, "name", "s", o->name);
  if (o->schedule != NULL)
    g_variant_dict_insert (&dict, "schedule", "s", o->schedule);
  if (o->timezone != NULL)
    g_variant_dict_insert (&dict, "timezone", "s", o->timezone);
  if (o->description != NULL)
    g_variant_dict_insert (&dict, "description", "s", o->description);
  if (o->workdir != NULL)
    g_variant_dict_insert (&dict, "working-directory", "s", o->workdir);

  if (o->start != NULL)
    {
      gint64 start;

      if (!parse_time (o->start, &start))
        return *out_status = chk_cli_usage_error (context, _("--start: “%s” is not a time such as "
                                                             "2026-11-23T09:00 or now"), o->start), NULL;
      g_variant_dict_insert (&dict, "start", "x", start);
    }

  if (o->timeout != NULL)
    {
      guint64 seconds;

      if (!chk_duration_parse (o->timeout, &seconds, &error))
        return *out_status = chk_cli_usage_error (context, "--timeout: %s", error->message), NULL;
      if (seconds > G_MAXUINT32)
        return *out_status = chk_cli_usage_error (context, _("--timeout: %s is too long"), o->timeout), NULL;
      g_variant_dict_insert (&dict, "timeout", "u", (guint32) seconds);
    }

  if (o->catch_up && o->no_catch_up)
    return *out_status = chk_cli_usage_error (context, _("give --catch-up or --no-catch-up, not both")), NULL;
  if (o->catch_up || o->no_catch_up)
    g_variant_dict_insert (&dict, "catch-up", "b", o->catch_up);

  if (o->merge_stderr && o->no_merge_stderr)
    return *out_status = chk_cli_usage_error (context, _("give --merge-stderr or --no-merge-stderr, "
                                                         "not both")), NULL;
  if (o->merge_stderr || o->no_merge_stderr)
    g_variant_dict_insert (&dict, "merge-stderr", "b", o->merge_stderr);

  if (o->disabled && o->enabled)
    return *out_status = chk_cli_usage_error (context, _("give --enabled or --disabled, not both")), NULL;
  if (o->disabled || o->enabled)
    g_variant_dict_insert (&dict, "enabled", "b", o->enabled);

  if (o->monitor && o->no_monitor)
    return *out_status = chk_cli_usage_error (context, _("give --monitor or --no-monitor, not both")), NULL;
  if (o->monitor || o->no_monitor)
    g_variant_dict_insert (&dict, "is-monitor", "b", o->monitor);

  /* The daemon checks URLs: its message names the key. */
  if (o->monitor_url != NULL)
    g_variant_dict_insert (&dict, "monitor-url", "s", o->monitor_url);
  if (o->webhook_url != NULL)
    g_variant_dict_insert (&dict, "webhook-url", "s", o->webhook_url);
  if (o->contains != NULL)
    g_variant_dict_insert (&dict, "check-contains", "s", o->contains);

  if (o->expect_status != NULL)
    {
      guint64 code;

      if (!g_ascii_string_to_unsigned (o->expect_status, 10, 100, 599, &code, NULL))
        return *out_status = chk_cli_usage_error (context, _("--expect-status: “%s” is not an HTTP status "
                                                             "from 100 to 599"), o->expect_status), NULL;
      g_variant_dict_insert (&dict, "check-expect-status", "u", (guint32) code);
    }

  if (o->check_timeout != NULL)
    {
      guint64 seconds;

      if (!chk_duration_parse (o->check_timeout, &seconds, &error))
        return *out_status = chk_cli_usage_error (context, "--check-timeout: %s", error->message), NULL;
      if (seconds > G_MAXUINT32)
        return *out_status = chk_cli_usage_error (context, _("--check-timeout: %s is too long"),
                                                  o->check_timeout), NULL;
      g_variant_dict_insert (&dict, "check-timeout", "u", (guint32) seconds);
    }

  if (o->max_runs != NULL)
    {
      guint64 n;

      if (!g_ascii_string_to_unsigned (o->max_runs, 10, 0, G_MAXUINT32, &n, NULL))
        return *out_status = chk_cli_usage_error (context, _("--max-runs: “%s” is not a number"), o->max_runs), NULL;
      g_variant_dict_insert (&dict, "max-runs", "u", (guint32) n);
    }

  if (o->max_output != NULL)
    {
      guint64 bytes;

      if (!chk_size_parse (o->max_output, &bytes, &error))
        return *out_status = chk_cli_usage_error (context, "--max-output: %s", error->message), NULL;
      g_variant_dict_insert (&dict, "max-output-bytes", "t", bytes);
    }

  if (o->max_tasks != NULL)
    {
      guint64 n;

      if (!g_ascii_string_to_unsigned (o->max_tasks, 10, 0, G_MAXUINT32, &n, NULL))
        return *out_status = chk_cli_usage_error (context, _("--max-tasks: “%s” is not a number (0 for "
                                                             "the default-max-tasks setting)"),
                                                  o->max_tasks), NULL;
      g_variant_dict_insert (&dict, "max-tasks", "u", (guint32) n);
    }

  /* The daemon checks the smallest limit: its message names memory-max. */
  if (o->memory_max != NULL)
    {
      guint64 bytes = 0;

      if (g_ascii_strcasecmp (o->memory_max, "none") != 0 &&
          !chk_size_parse (o->memory_max, &bytes, &error))
        return *out_status = chk_cli_usage_error (context, "--memory-max: %s", error->message), NULL;
      g_variant_dict_insert (&dict, "memory-max", "t", bytes);
    }

  if (o->cpu_weight != NULL)
    {
      guint64 weight;

      if (!g_ascii_string_to_unsigned (o->cpu_weight, 10, 1, CHK_JOB_SPEC_MAX_CPU_WEIGHT,
                                       &weight, NULL))
        return *out_status = chk_cli_usage_error (context,
                                                  _("--cpu-weight: “%s” is not a number from 1 to %d"),
                                                  o->cpu_weight, CHK_JOB_SPEC_MAX_CPU_WEIGHT), NULL;
      g_variant_dict_insert (&dict, "cpu-weight", "u", (guint32) weight);
    }

  if (!check_alert_on (context, "--notify-on", o->notify_on, out_status) ||
      !check_alert_on (context, "--email-on", o->email_on, out_status))
    return NULL;
  if (o->notify_on != NULL)
    g_variant_dict_insert (&dict, "notify-on", "s", o->notify_on);
  if (o->email_on != NULL)
    g_variant_dict_insert (&dict, "email-on", "s", o->email_on);

  if (o->email_to != NULL)
    {
      /* --email-to '' clears the list */
      gboolean clear = g_strv_length (o->email_to) == 1 && o->email_to[0][0] == '\0';
      const char *none[] = { NULL };

      g_variant_dict_insert_value (&dict, "email-to",
                                   g_variant_new_strv (clear ? none : (const char * const *) o->email_to, -1));
    }

  if (o->env != NULL || o->unset_env != NULL)
    {
      g_autoptr(GHashTable) env = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      GVariantBuilder builder;
      GHashTableIter iter;
      gpointer key, value;

      if (environment != NULL)
        {
          GVariantIter it;
          const char *name, *text;

          g_variant_iter_init (&it, environment);
          while (g_variant_iter_next (&it, "{&s&s}", &name, &text))
            g_hash_table_replace (env, g_strdup (name), g_strdup (text));
        }

      for (guint i = 0; o->env != NULL && o->env[i] != NULL; i++)
        {
          const char *eq = strchr (o->env[i], '=');

          if (eq == NULL || eq == o->env[i])
            return *out_status = chk_cli_usage_error (context, _("--env: “%s” is not NAME=VALUE"), o->env[i]), NULL;
          g_hash_table_replace (env, g_strndup (o->env[i], eq - o->env[i]), g_strdup (eq + 1));
        }
      for (guint i = 0; o->unset_env != NULL && o->unset_env[i] != NULL; i++)
        g_hash_table_remove (env, o->unset_env[i]);

      g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
      g_hash_table_iter_init (&iter, env);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_variant_builder_add (&builder, "{ss}", key, value);
      g_variant_dict_insert_value (&dict, "environment", g_variant_builder_end (&builder));
    }

  if (o->shell != NULL && argv != NULL)
    return *out_status = chk_cli_usage_error (context, _("give --shell or a command after --, not both")), NULL;
  /* An empty --check-url turns a check back into a command job, so it goes with one. */
  if (o->check_url != NULL && o->check_url[0] != '\0' && (o->shell != NULL || argv != NULL))
    return *out_status = chk_cli_usage_error (context, _("give --check-url, --shell or a command after --, "
                                                         "only one of them")), NULL;
  if (o->check_url != NULL)
    g_variant_dict_insert (&dict, "check-url", "s", o->check_url);
  if (o->shell != NULL)
    g_variant_dict_insert (&dict, "shell", "s", o->shell);
  if (argv != NULL)
    {
      if (argv[0] == NULL)
        return *out_status = chk_cli_usage_error (context, _("the command after -- is empty")), NULL;
      /* D-Bus carries only UTF-8. */
      for (guint i = 0; argv[i] != NULL; i++)
        if (!g_utf8_validate (argv[i], -1, NULL))
          return *out_status = chk_cli_usage_error (context,
                                                    _("the command's word “%s” is not UTF-8 text"),
                                                    argv[i]), NULL;
      g_variant_dict_insert_value (&dict, "command", g_variant_new_strv ((const char * const *) argv, -1));
    }

  return g_variant_ref_sink (g_variant_dict_end (&dict));
}

/* Splits argv at the first "--": what comes after is a job's command, word for word. */
static char **
split_command (int    *argc,
               char **argv)
{
  for (int i = 1; i < *argc; i++)
    {
      if (g_str_equal (argv[i], "--"))
        {
          char **command = g_strdupv (argv + i + 1);

          argv[i] = NULL;
          *argc = i;
          return command;
        }
    }
  return NULL;
}

int
chk_cli_verb_add (int    argc,
                  char **argv)
{
  g_auto(SpecOptions) o = { 0 };
  GOptionEntry entries[] = { SPEC_OPTION_ENTRIES (o), { NULL } };
  g_auto(GStrv) command = split_command (&argc, argv);
  g_auto(ChkCliVerbCall) call = { 0 };
  g_autoptr(GVariant) spec = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  if (!chk_cli_verb_begin (&call, entries, &argc, &argv, CHK_CLI_VERB_ANY_ARGS, 0))
    return call.status;
  if (argc != 2)
    return chk_cli_usage_error (call.context, argc < 2 ? _("the job needs a NAME")
                                                       : _("unexpected argument “%s” "
                                                           "(put the command after --)"),
                                argv[argc - 1]);
  if (o.shell == NULL && command == NULL && (o.check_url == NULL || o.check_url[0] == '\0'))
    return chk_cli_usage_error (call.context, _("give the command after --, a shell line with --shell, "
                                                "or a URL to check with --check-url"));

  if (!chk_cli_check_utf8_arguments (call.context, argc, argv, &call.status))
    return call.status;
  o.name = g_strdup (argv[1]);
  spec = spec_options_to_variant (&o, call.context, command, NULL, &call.status);
  if (spec == NULL)
    return call.status;

  if (!chk_cli_verb_connect (&call))
    return call.status;
  if (!chk_scheduler1_call_create_job_sync (call.client.scheduler, spec, &path, NULL, &error))
    return chk_cli_fail_error (error);
  return 0;
}

int
chk_cli_verb_edit (int    argc,
                   char **argv)
{
  g_auto(SpecOptions) o = { 0 };
  GOptionEntry entries[] = {
    SPEC_OPTION_ENTRIES (o),
    { "name", 0, 0, G_OPTION_ARG_STRING, &o.name, N_("Rename the job"), N_("NAME") },
    { "unset-env", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.unset_env, N_("Remove an environment variable"), N_("NAME") },
    { NULL }
  };
  g_auto(GStrv) command = split_command (&argc, argv);
  g_auto(ChkCliVerbCall) call = { 0 };
  g_autoptr(GVariant) changes = NULL;
  g_autoptr(GVariant) environment = NULL;
  g_autoptr(GError) error = NULL;

  if (!chk_cli_verb_begin (&call, entries, &argc, &argv, 1, CHK_CLI_VERB_JOB))
    return call.status;

  environment = g_dbus_proxy_get_cached_property (G_DBUS_PROXY (call.job), "Environment");
  changes = spec_options_to_variant (&o, call.context, command, environment, &call.status);
  if (changes == NULL)
    return call.status;
  if (g_variant_n_children (changes) == 0)
    return chk_cli_usage_error (call.context, _("nothing to change: give an option"));

  if (!chk_job1_call_update_sync (call.job, changes, NULL, &error))
    return chk_cli_fail_error (error);
  return 0;
}

/* Verbs on one job */

static int
set_enabled (int        argc,
             char     **argv,
             gboolean   enabled)
{
  g_auto(ChkCliVerbCall) call = { 0 };
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GError) error = NULL;

  if (!chk_cli_verb_begin (&call, NULL, &argc, &argv, 1, CHK_CLI_VERB_JOB))
    return call.status;

  g_variant_dict_insert (&dict, "enabled", "b", enabled);
  if (!chk_job1_call_update_sync (call.job, g_variant_dict_end (&dict), NULL, &error))
    return chk_cli_fail_error (error);
  return 0;
}

int
chk_cli_verb_remove (int    argc,
                     char **argv)
{
  g_auto(ChkCliVerbCall) call = { 0 };
  g_autoptr(GError) error = NULL;

  if (!chk_cli_verb_begin (&call, NULL, &argc, &argv, 1, CHK_CLI_VERB_JOB))
    return call.status;

  if (!chk_job1_call_delete_sync (call.job, NULL, &error))
    return chk_cli_fail_error (error);
  return 0;
}

int
chk_cli_verb_enable (int    argc,
                     char **argv)
{
  return set_enabled (argc, argv, TRUE);
}

int
chk_cli_verb_disable (int    argc,
                      char **argv)
{
  return set_enabled (argc, argv, FALSE);
}

int
chk_cli_verb_stop (int    argc,
                   char **argv)
{
  g_auto(ChkCliVerbCall) call = { 0 };
  g_autoptr(GError) error = NULL;

  if (!chk_cli_verb_begin (&call, NULL, &argc, &argv, 1, CHK_CLI_VERB_JOB))
    return call.status;

  if (!chk_job1_call_stop_sync (call.job, NULL, &error))
    return chk_cli_fail_error (error);
  return 0;
}

/* list and show */

/* The status of the job's last run, and whether it is disabled (or a monitor). */
static char *
job_status (ChkJob1      *job,
            gboolean      with_monitor,
            const char  **out_color)
{
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *status = NULL;

  if (chk_job1_get_running (job))
    {
      *out_color = chk_format_color_for ("running");
      if (chk_job1_get_progress_total (job) > 0)
        status = g_strdup_printf (_("running %u/%u"), chk_job1_get_progress_complete (job),
                                  chk_job1_get_progress_total (job));
      else
        status = g_strdup (_("running"));
    }
  else
    {
      const char *outcome = chk_job1_get_last_outcome (job);
      gint exit_code = chk_job1_get_last_exit_code (job);

      *out_color = chk_format_color_for (outcome);
      status = chk_format_outcome (outcome, 0);
      /* A check's exit code only repeats its outcome. */
      if (g_strcmp0 (outcome, "failure") == 0 && exit_code > 0 && !chk_cli_is_check_job (job))
        g_ptr_array_add (notes, g_strdup_printf (_("exit %d"), exit_code));
    }

  if (with_monitor && chk_job1_get_is_monitor (job))
    g_ptr_array_add (notes, g_strdup (_("monitor")));
  if (!chk_job1_get_enabled (job))
    g_ptr_array_add (notes, g_strdup (_("disabled")));
  if (notes->len == 0)
    return g_steal_pointer (&status);

  g_ptr_array_add (notes, NULL);
  {
    g_autofree char *joined = g_strjoinv (", ", (char **) notes->pdata);

    /* "failure (exit 3, monitor, disabled)" */
    return g_strdup_printf (_("%s (%s)"), status, joined);
  }
}

int
chk_cli_verb_list (int    argc,
                   char **argv)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_auto(ChkCliVerbCall) call = { 0 };
  g_autoptr(GError) error = NULL;
  GList *jobs;

  if (!chk_cli_verb_begin (&call, entries, &argc, &argv, 0,
                           CHK_CLI_VERB_CONNECT | CHK_CLI_VERB_WARN_STORAGE))
    return call.status;

  jobs = chk_client_list_jobs (&call.client, &error);
  if (error != NULL)
    return chk_cli_fail_error (error);

  if (json)
    {
      g_autoptr(JsonArray) array = json_array_new ();
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);

      for (GList *l = jobs; l != NULL; l = l->next)
        json_array_add_element (array, chk_json_from_job (l->data));
      json_node_set_array (root, array);
      chk_json_print (root);
    }
  else if (jobs == NULL)
    {
      g_print (_("No jobs. Add one with: chronikerctl add NAME --schedule '@daily' -- COMMAND…\n"));
    }
  else
    {
      g_autoptr(ChkTable) table = chk_table_new (5, _("NAME"), _("SCHEDULE"), _("NEXT RUN"), _("LAST RUN"),
                                                 _("STATUS"));
      gint64 now = g_get_real_time ();

      for (GList *l = jobs; l != NULL; l = l->next)
        {
          ChkJob1 *job = l->data;
          g_autofree char *next = chk_format_relative_time (chk_job1_get_next_run (job), now);
          g_autofree char *last = chk_format_relative_time (chk_job1_get_last_run_started (job), now);
          const char *color = NULL;
          g_autofree char *state = job_status (job, TRUE, &color);

          chk_table_add_row (table, chk_job1_get_name (job), chk_job1_get_schedule_description (job),
                             next, last, state);
          chk_table_set_color (table, 4, color);
        }
      chk_table_print (table, chk_format_use_color (STDOUT_FILENO));
    }

  g_list_free_full (jobs, g_object_unref);
  return 0;
}

/* @value is job text: escaped, so that it cannot drive the terminal or fake a line. */
static void
print_field (const char *label,
             const char *value)
{
  g_autofree char *shown = chk_format_escape (value);

  g_print ("%-20s %s\n", label, shown[0] != '\0' ? shown : "-");
}

/* "default (1024)": what max-tasks 0 stands for, or just "default" if the daemon does not say. */
static char *
default_max_tasks (ChkClient *client)
{
  g_autoptr(GVariant) settings = NULL;
  guint32 n;

  if (chk_scheduler1_call_get_settings_sync (client->scheduler, &settings, NULL, NULL) &&
      g_variant_lookup (settings, "default-max-tasks", "u", &n))
    /* Translators: max tasks of a job with the default-max-tasks setting, e.g. "default (1024)" */
    return g_strdup_printf (_("default (%u)"), n);
  return g_strdup (_("default"));
}

static void
print_limits (ChkClient *client,
              ChkJob1   *job)
{
  g_autoptr(GVariant) has_limits = NULL;
  g_autofree char *max_tasks = NULL;
  g_autofree char *memory_max = NULL;
  g_autofree char *cpu_weight = NULL;

  /* A daemon older than the client has none of them. */
  has_limits = g_dbus_proxy_get_cached_property (G_DBUS_PROXY (job), "CpuWeight");
  if (has_limits == NULL)
    return;

  max_tasks = chk_job1_get_max_tasks (job) > 0
              ? g_strdup_printf ("%u", chk_job1_get_max_tasks (job))
              : default_max_tasks (client);
  memory_max = chk_job1_get_memory_max (job) > 0
               ? g_format_size (chk_job1_get_memory_max (job))
               : g_strdup (_("none"));
  cpu_weight = g_strdup_printf ("%u", chk_job1_get_cpu_weight (job));

  print_field (_("Max tasks:"), max_tasks);
  print_field (_("Memory max:"), memory_max);
  print_field (_("CPU weight:"), cpu_weight);
}

/* What the daemon measured and noted about the job's latest run, where it has something. */
static void
print_last_run_accounting (ChkJob1 *job)
{
  g_autoptr(GVariant) runs = NULL;
  g_autoptr(GVariant) run = NULL;
  guint64 cpu_time = 0, memory_peak = 0;
  const char *containment = "", *message = "";

  if (!chk_job1_call_list_runs_sync (job, 0, 1, &runs, NULL, NULL) ||
      g_variant_n_children (runs) == 0)
    return;
  run = g_variant_get_child_value (runs, 0);
  g_variant_lookup (run, "cpu-time", "t", &cpu_time);
  g_variant_lookup (run, "memory-peak", "t", &memory_peak);
  g_variant_lookup (run, "containment", "&s", &containment);
  g_variant_lookup (run, "message", "&s", &message);

  if (cpu_time > 0)
    {
      g_autofree char *text = chk_format_cpu_time (cpu_time);

      print_field (_("Last CPU time:"), text);
    }
  if (memory_peak > 0)
    {
      g_autofree char *text = g_format_size (memory_peak);

      print_field (_("Last memory peak:"), text);
    }
  if (containment[0] != '\0')
    print_field (_("Last containment:"), containment);
  if (message[0] != '\0')
    print_field (_("Last message:"), message);
}

/*
 * A time of @job's, as its schedule reads it: in the job's zone, named, with
 * how far it is ("2026-05-02 03:15:00 +02:00 Europe/Paris (in 3 h)"); and
 * in @out_local the same instant on the local clock when that one shows
 * another time, else NULL.
 */
static char *
job_time_with_relative (ChkJob1  *job,
                        gint64    when,
                        gint64    now,
                        char    **out_local)
{
  const char *zone = chk_job1_get_timezone (job);
  g_autoptr(GTimeZone) job_tz = chk_cli_is_set (zone) ? chk_time_zone_new (zone, NULL) : NULL;
  g_autoptr(GTimeZone) local_tz = g_time_zone_new_local ();
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) in_job = NULL;
  g_autoptr(GDateTime) here = NULL;
  g_autofree char *job_text = NULL;
  g_autofree char *local_text = NULL;
  g_autofree char *relative = NULL;

  *out_local = NULL;
  utc = when != 0 ? g_date_time_new_from_unix_utc (when / G_USEC_PER_SEC) : NULL;
  if (utc == NULL)
    return g_strdup ("-");

  relative = chk_format_relative_time (when, now);
  here = g_date_time_to_timezone (utc, local_tz);
  local_text = g_date_time_format (here, "%Y-%m-%d %H:%M:%S %:z");
  if (job_tz == NULL)
    return g_strdup_printf ("%s (%s)", local_text, relative);

  in_job = g_date_time_to_timezone (utc, job_tz);
  job_text = g_date_time_format (in_job, "%Y-%m-%d %H:%M:%S %:z");
  if (!g_str_equal (job_text, local_text))
    /* Translators: a time on this computer's clock, e.g. "2026-05-02 01:15:00 +00:00 local" */
    *out_local = g_strdup_printf (_("%s local"), local_text);
  return g_strdup_printf ("%s %s (%s)", job_text, zone, relative);
}

/* show --env: the whole environment the job's next run gets, NAME=value
 * lines sorted by name (values escaped as all job text), or a JSON object. */
static int
print_job_environment (ChkJob1  *job,
                       gboolean  json)
{
  g_autoptr(GVariant) environment = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  const char *name, *value;

  if (!chk_job1_call_get_environment_sync (job, &environment, NULL, &error))
    return chk_cli_fail_error (error);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      g_variant_iter_init (&iter, environment);
      while (g_variant_iter_next (&iter, "{&s&s}", &name, &value))
        {
          json_builder_set_member_name (builder, name);
          json_builder_add_string_value (builder, value);
        }
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      chk_json_print (root);
      return 0;
    }

  g_variant_iter_init (&iter, environment);
  while (g_variant_iter_next (&iter, "{&s&s}", &name, &value))
    {
      g_autofree char *shown_name = chk_format_escape (name);
      g_autofree char *shown = chk_format_escape (value);

      g_print ("%s=%s\n", shown_name, shown);
    }
  return 0;
}

int
chk_cli_verb_show (int    argc,
                   char **argv)
{
  gboolean json = FALSE;
  gboolean env = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { "env", 0, 0, G_OPTION_ARG_NONE, &env,
      N_("Print the whole environment the next run gets, NAME=value lines"), NULL },
    { NULL }
  };
  g_auto(ChkCliVerbCall) call = { 0 };
  ChkJob1 *job;
  gint64 now = g_get_real_time ();
  const char * const *command;

  if (!chk_cli_verb_begin (&call, entries, &argc, &argv, 1,
                           CHK_CLI_VERB_JOB | CHK_CLI_VERB_WARN_STORAGE))
    return call.status;
  job = call.job;

  if (env)
    return print_job_environment (job, json);

  if (json)
    {
      g_autoptr(JsonNode) node = chk_json_from_job (job);

      chk_json_print (node);
      return 0;
    }

  {
    g_autofree char *id = g_strdup_printf ("%" G_GUINT64_FORMAT, chk_job1_get_id (job));
    g_autofree char *schedule = NULL;
    g_autofree char *next_local = NULL;
    g_autofree char *next = job_time_with_relative (job, chk_job1_get_next_run (job), now, &next_local);
    g_autofree char *timeout = chk_job1_get_timeout (job) > 0 ? chk_duration_format (chk_job1_get_timeout (job))
                                                               : g_strdup (_("none"));
    g_autofree char *max_runs = chk_job1_get_max_runs (job) > 0
                                ? g_strdup_printf ("%u", chk_job1_get_max_runs (job))
                                : g_strdup (_("no limit"));
    g_autofree char *max_output = g_format_size (chk_job1_get_max_output_bytes (job));
    g_autofree char *email_to = g_strjoinv (", ", (char **) chk_job1_get_email_to (job));
    g_autofree char *last_local = NULL;
    g_autofree char *last_started = job_time_with_relative (job, chk_job1_get_last_run_started (job), now,
                                                            &last_local);
    const char *outcome_color = NULL;
    g_autofree char *state = job_status (job, FALSE, &outcome_color);
    GVariant *environment = chk_job1_get_environment (job);
    GVariantIter iter;
    const char *key, *value;
    gboolean first = TRUE;

    print_field (_("Name:"), chk_job1_get_name (job));
    print_field (_("Id:"), id);
    print_field (_("Description:"), chk_job1_get_description (job));

    command = chk_job1_get_command (job);
    if (chk_cli_is_check_job (job))
      {
        g_autofree char *expect = g_strdup_printf ("%u", chk_job1_get_check_expect_status (job));
        g_autofree char *check_timeout = chk_duration_format (chk_job1_get_check_timeout (job));

        print_field (_("Check URL:"), chk_job1_get_check_url (job));
        print_field (_("Expect status:"), expect);
        print_field (_("Must contain:"), chk_job1_get_check_contains (job));
        print_field (_("Check timeout:"), check_timeout);
      }
    else if (command != NULL && command[0] != NULL)
      {
        g_autofree char *quoted = chk_format_quoted_argv (command);

        print_field (_("Command:"), quoted);
      }
    else
      {
        print_field (_("Shell:"), chk_job1_get_shell (job));
      }
    /* A check runs no process: these do not apply to it. */
    if (!chk_cli_is_check_job (job))
      {
        print_field (_("Working directory:"), chk_job1_get_working_directory (job));

        g_variant_iter_init (&iter, environment);
        while (g_variant_iter_next (&iter, "{&s&s}", &key, &value))
          {
            g_autofree char *pair = g_strdup_printf ("%s=%s", key, value);

            print_field (first ? _("Environment:") : "", pair);
            first = FALSE;
          }
        if (first)
          print_field (_("Environment:"), NULL);
      }

    if (chk_job1_get_schedule (job)[0] != '\0')
      schedule = g_strdup_printf ("%s (%s)", chk_job1_get_schedule (job),
                                  chk_job1_get_schedule_description (job));
    else
      schedule = g_strdup (chk_job1_get_schedule_description (job));
    print_field (_("Schedule:"), schedule);
    print_field (_("Time zone:"), chk_job1_get_timezone (job)[0] != '\0' ? chk_job1_get_timezone (job)
                                                                         : _("local"));
    print_field (_("Enabled:"), chk_job1_get_enabled (job) ? _("yes") : _("no"));
    print_field (_("Next run:"), next);
    if (next_local != NULL)
      print_field ("", next_local);
    if (!chk_cli_is_check_job (job))
      {
        print_field (_("Time limit:"), timeout);
        print_limits (&call.client, job);
        print_field (_("Merge stderr:"), chk_job1_get_merge_stderr (job) ? _("yes") : _("no"));
      }
    print_field (_("Catch up:"), chk_job1_get_catch_up (job) ? _("yes") : _("no"));
    print_field (_("Runs kept:"), max_runs);
    print_field (_("Output kept:"), max_output);
    print_field (_("Notify on:"), chk_job1_get_notify_on (job));
    print_field (_("Email on:"), chk_job1_get_email_on (job));
    print_field (_("Email to:"), email_to);
    print_field (_("Webhook URL:"), chk_cli_is_set (chk_job1_get_webhook_url (job))
                                    ? chk_job1_get_webhook_url (job)
                                    : _("the webhook-url setting"));
    print_field (_("Monitor:"), chk_job1_get_is_monitor (job) ? _("yes") : _("no"));
    print_field (_("Monitor URL:"), chk_job1_get_monitor_url (job));
    print_field (_("Last run:"), last_started);
    if (last_local != NULL)
      print_field ("", last_local);
    /* An interrupted run was found so at the daemon's next start: no end of its own */
    if (chk_job1_get_last_run_finished (job) > chk_job1_get_last_run_started (job) &&
        chk_job1_get_last_run_started (job) > 0 &&
        g_strcmp0 (chk_job1_get_last_outcome (job), "interrupted") != 0)
      {
        g_autofree char *duration = chk_duration_format ((chk_job1_get_last_run_finished (job) -
                                                          chk_job1_get_last_run_started (job)) / G_USEC_PER_SEC);

        print_field (_("Last duration:"), duration);
      }
    if (chk_job1_get_last_run_started (job) > 0 || chk_job1_get_running (job))
      print_last_run_accounting (job);
    print_field (_("Status:"), state);
    if (chk_cli_is_set (chk_job1_get_last_alert_error (job)))
      print_field (_("Last alert error:"), chk_job1_get_last_alert_error (job));
    if (chk_job1_get_running (job))
      {
        g_autofree char *run = g_strdup_printf ("%" G_GUINT64_FORMAT, chk_job1_get_current_run (job));

        print_field (_("Current run:"), run);
        if (chk_job1_get_progress_total (job) > 0)
          {
            g_autofree char *progress = g_strdup_printf ("%u/%u %s", chk_job1_get_progress_complete (job),
                                                         chk_job1_get_progress_total (job),
                                                         chk_job1_get_progress_message (job));

            print_field (_("Progress:"), progress);
          }
      }
  }

  return 0;
}

/* run and log: waiting on signals */

typedef struct
{
  GMainLoop *loop;
  gboolean   vanished;
} DaemonWatch;

static void
daemon_vanished_cb (GDBusConnection *connection,
                    const char      *name,
                    gpointer         user_data)
{
  DaemonWatch *watch = user_data;

  watch->vanished = TRUE;
  g_main_loop_quit (watch->loop);
}

/* Makes @loop quit if chronikerd leaves the bus: its signals would never come. */
static guint
watch_daemon (GDBusConnection *connection,
              DaemonWatch     *watch,
              GMainLoop       *loop)
{
  watch->loop = loop;
  watch->vanished = FALSE;
  return g_bus_watch_name_on_connection (connection, CHK_BUS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                         NULL, daemon_vanished_cb, watch, NULL);
}

typedef struct
{
  GMainLoop  *loop;
  ChkClient  *client;
  ChkJob1    *job;
  guint64     run_id;
  gboolean    finished;
  char       *outcome;
  gint        exit_code;
  gint64      started;
  gboolean    bar;
  gboolean    bar_shown;
} RunWait;

static void
draw_progress_bar (RunWait *wait)
{
  guint complete = chk_job1_get_progress_complete (wait->job);
  guint total = chk_job1_get_progress_total (wait->job);
  const char *message = chk_job1_get_progress_message (wait->job);
  g_autoptr(GString) line = g_string_new ("\r\033[K");
  const guint width = 24;

  if (!wait->bar || total == 0)
    return;

  g_string_append_c (line, '[');
  for (guint i = 0; i < width; i++)
    g_string_append (line, i < (guint64) complete * width / total ? "#" : "-");
  g_string_append_printf (line, "] %u/%u", complete, total);
  if (message != NULL && message[0] != '\0')
    {
      g_autofree char *shown = chk_format_escape (message);

      g_string_append_printf (line, " %s", shown);
    }

  {
    /* The app's estimate, from the run's start: the same text at the same time */
    g_autofree char *eta = chk_eta_format (chk_job1_get_last_run_started (wait->job), g_get_real_time (),
                                           complete, total);

    if (eta != NULL)
      g_string_append_printf (line, ", %s", eta);
  }

  g_printerr ("%s", line->str);
  wait->bar_shown = TRUE;
}

static void
job_properties_changed_cb (GDBusProxy *proxy,
                           GVariant   *changed,
                           GStrv       invalidated,
                           RunWait    *wait)
{
  draw_progress_bar (wait);
}

static void
run_finished_signal_cb (GDBusConnection *connection,
                        const char      *sender,
                        const char      *object_path,
                        const char      *interface_name,
                        const char      *signal_name,
                        GVariant        *parameters,
                        gpointer         user_data)
{
  RunWait *wait = user_data;
  const char *job_path, *outcome;
  guint64 run_id;
  gint exit_code;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(otsi)")))
    return;
  g_variant_get (parameters, "(&ot&si)", &job_path, &run_id, &outcome, &exit_code);
  if (run_id != wait->run_id || wait->run_id == 0)
    return;

  wait->finished = TRUE;
  wait->outcome = g_strdup (outcome);
  wait->exit_code = exit_code;
  g_main_loop_quit (wait->loop);
}

int
chk_cli_verb_run (int    argc,
                  char **argv)
{
  gboolean wait_for_it = FALSE;
  GOptionEntry entries[] = {
    { "wait", 'w', 0, G_OPTION_ARG_NONE, &wait_for_it, N_("Wait for the run; exit 0 only if it succeeds"), NULL },
    { NULL }
  };
  g_auto(ChkCliVerbCall) call = { 0 };
  ChkClient *client;
  ChkJob1 *job;
  g_autoptr(GError) error = NULL;
  RunWait wait = { 0 };
  DaemonWatch watch = { 0 };
  g_autofree char *name = NULL;
  gboolean is_check;
  guint subscription = 0;
  guint watch_id = 0;
  int status = 0;

  if (!chk_cli_verb_begin (&call, entries, &argc, &argv, 1, CHK_CLI_VERB_JOB))
    return call.status;
  client = &call.client;
  job = call.job;
  /* The proxy forgets its properties if the daemon goes away. */
  name = g_strdup (chk_job1_get_name (job));
  is_check = chk_cli_is_check_job (job);

  /* Listen before starting it: a short run may end before Run() returns. */
  if (wait_for_it)
    subscription = g_dbus_connection_signal_subscribe (client->connection, CHK_BUS_NAME,
                                                       "io.github.chroniker.Chroniker.Scheduler1",
                                                       "RunFinished", CHK_MANAGER_PATH, NULL,
                                                       G_DBUS_SIGNAL_FLAGS_NONE,
                                                       run_finished_signal_cb, &wait, NULL);

  if (!chk_job1_call_run_sync (job, &wait.run_id, NULL, &error))
    {
      if (subscription != 0)
        g_dbus_connection_signal_unsubscribe (client->connection, subscription);
      return chk_cli_fail_error (error);
    }

  g_print ("%" G_GUINT64_FORMAT "\n", wait.run_id);
  fflush (stdout);

  if (!wait_for_it)
    return 0;

  wait.loop = g_main_loop_new (NULL, FALSE);
  wait.client = client;
  wait.job = job;
  wait.started = g_get_monotonic_time ();
  wait.bar = isatty (STDERR_FILENO) && g_strcmp0 (g_getenv ("TERM"), "dumb") != 0;
  g_signal_connect (job, "g-properties-changed", G_CALLBACK (job_properties_changed_cb), &wait);

  /* The signal may have come already, while Run() was answered. */
  {
    g_autoptr(GVariant) run = NULL;

    if (chk_scheduler1_call_get_run_sync (client->scheduler, wait.run_id, &run, NULL, NULL))
      {
        const char *outcome = NULL;

        g_variant_lookup (run, "outcome", "&s", &outcome);
        if (outcome != NULL && !g_str_equal (outcome, "running"))
          {
            wait.finished = TRUE;
            wait.outcome = g_strdup (outcome);
            g_variant_lookup (run, "exit-code", "i", &wait.exit_code);
          }
      }
  }

  if (!wait.finished)
    {
      watch_id = watch_daemon (client->connection, &watch, wait.loop);
      draw_progress_bar (&wait);
      g_main_loop_run (wait.loop);
      g_bus_unwatch_name (watch_id);
    }

  if (wait.bar_shown)
    g_printerr ("\r\033[K");
  g_dbus_connection_signal_unsubscribe (client->connection, subscription);
  g_signal_handlers_disconnect_by_data (job, &wait);
  g_main_loop_unref (wait.loop);

  if (!wait.finished && watch.vanished)
    status = chk_cli_fail (_("chronikerd went away during run %" PRIu64 " of “%s”"), wait.run_id, name);
  else if (g_strcmp0 (wait.outcome, "success") == 0)
    status = 0;
  else
    {
      /* A check's exit code only repeats its outcome; its message says why. */
      g_autofree char *outcome = chk_format_outcome (wait.outcome, is_check ? 0 : wait.exit_code);
      g_autoptr(GVariant) reply = NULL;
      g_autoptr(GVariant) run = NULL;
      const char *message = "";

      /* The daemon's note says why, such as the limit that ended the run. A
       * daemon that stopped meanwhile is not started again to ask it. */
      reply = g_dbus_proxy_call_sync (G_DBUS_PROXY (client->scheduler), "GetRun",
                                      g_variant_new ("(t)", wait.run_id),
                                      G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, NULL);
      if (reply != NULL)
        {
          run = g_variant_get_child_value (reply, 0);
          g_variant_lookup (run, "message", "&s", &message);
        }
      if (message[0] != '\0')
        /* Translators: "run 12 of “backup”: failure (exit 1): <the daemon's note>" */
        chk_cli_fail (_("run %" PRIu64 " of “%s”: %s: %s"), wait.run_id, name, outcome, message);
      else
        chk_cli_fail (_("run %" PRIu64 " of “%s”: %s"), wait.run_id, name, outcome);
      status = g_strcmp0 (wait.outcome, "failure") == 0 && wait.exit_code > 0 && wait.exit_code < 256
               ? wait.exit_code : 1;
    }
  g_free (wait.outcome);
  return status;
}

/* runs */

static gboolean
resolve_job_path (ChkClient   *client,
                  const char  *name_or_id,
                  char       **out_path,
                  GError     **error)
{
  g_autoptr(ChkJob1) job = chk_client_get_job (client, name_or_id, error);

  if (job == NULL)
    return FALSE;
  *out_path = g_strdup (g_dbus_proxy_get_object_path (G_DBUS_PROXY (job)));
  return TRUE;
}

/* "run N: text" lines under a heading, below the runs table; the texts are escaped. */
static void
print_notes (const char *heading,
             GPtrArray  *notes)
{
  if (notes->len == 0)
    return;
  g_print ("\n%s\n", heading);
  for (guint i = 0; i < notes->len; i++)
    {
      g_autofree char *shown = chk_format_escape (g_ptr_array_index (notes, i));

      g_print ("%s\n", shown);
    }
}

/* The object paths of the jobs that are HTTP checks: their runs have no exit code. */
static GHashTable *
check_job_paths (ChkClient *client)
{
  GHashTable *paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GList *jobs = chk_client_list_jobs (client, NULL);

  for (GList *l = jobs; l != NULL; l = l->next)
    if (chk_cli_is_check_job (l->data))
      g_hash_table_add (paths, g_strdup (g_dbus_proxy_get_object_path (l->data)));
  g_list_free_full (jobs, g_object_unref);
  return paths;
}

/* DESIGN §2: how a run can end */
static const char * const run_outcomes[] = {
  "running", "success", "failure", "timeout", "stopped", "interrupted", "failed-to-start", NULL,
};

int
chk_cli_verb_runs (int    argc,
                   char **argv)
{
  gboolean json = FALSE;
  int limit = 20;
  g_autofree char *outcome = NULL;
  GOptionEntry entries[] = {
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit, N_("Show at most N runs (default 20)"), N_("N") },
    { "outcome", 0, 0, G_OPTION_ARG_STRING, &outcome, N_("Only runs with this outcome"), N_("OUTCOME") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_auto(ChkCliVerbCall) call = { 0 };
  g_auto(GVariantDict) filter = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) runs = NULL;
  g_autoptr(GError) error = NULL;

  if (!chk_cli_verb_begin (&call, entries, &argc, &argv, 1, 0))
    return call.status;
  if (limit < 1 || limit > 10000)
    return chk_cli_usage_error (call.context, _("--limit: give a number from 1 to 10000"));
  if (outcome != NULL && !g_strv_contains (run_outcomes, outcome))
    {
      g_autofree char *known = g_strjoinv (", ", (char **) run_outcomes);

      return chk_cli_usage_error (call.context, _("--outcome: “%s” is not an outcome; give one of %s"),
                                  outcome, known);
    }
  if (!chk_cli_verb_connect (&call))
    return call.status;

  if (argc == 2)
    {
      g_autofree char *path = NULL;

      if (!resolve_job_path (&call.client, argv[1], &path, &error))
        return chk_cli_fail_error (error);
      g_variant_dict_insert (&filter, "job", "o", path);
    }
  g_variant_dict_insert (&filter, "limit", "u", (guint32) limit);
  if (outcome != NULL)
    g_variant_dict_insert (&filter, "outcome", "s", outcome);

  if (!chk_scheduler1_call_list_runs_sync (call.client.scheduler, g_variant_dict_end (&filter), &runs,
                                           NULL, &error))
    return chk_cli_fail_error (error);

  if (json)
    {
      g_autoptr(JsonArray) array = json_array_new ();
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);
      GVariantIter iter;
      GVariant *run;

      g_variant_iter_init (&iter, runs);
      while ((run = g_variant_iter_next_value (&iter)) != NULL)
        {
          json_array_add_element (array, chk_json_from_run (run));
          g_variant_unref (run);
        }
      json_node_set_array (root, array);
      chk_json_print (root);
    }
  else if (g_variant_n_children (runs) == 0)
    {
      g_print (_("No runs.\n"));
    }
  else
    {
      g_autoptr(ChkTable) table = chk_table_new (10, _("RUN"), _("JOB"), _("STARTED"),
                                                 _("DURATION"), _("OUTCOME"), _("EXIT"),
                                                 _("TRIGGER"), _("CPU"), _("MEMORY"),
                                                 _("CONTAINMENT"));
      g_autoptr(GPtrArray) alert_notes = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) run_notes = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GHashTable) checks = check_job_paths (&call.client);
      gint64 now = g_get_real_time ();
      GVariantIter iter;
      GVariant *run;

      g_variant_iter_init (&iter, runs);
      while ((run = g_variant_iter_next_value (&iter)) != NULL)
        {
          guint64 id = 0;
          gint64 started = 0, finished = 0;
          gint exit_code = -1;
          guint32 http_status = 0;
          guint64 cpu_time = 0, memory_peak = 0;
          const char *job_name = "", *run_outcome = "", *trigger = "", *alert_error = "";
          const char *containment = "", *message = "", *job_path = "";
          g_autofree char *id_text = NULL;
          g_autofree char *started_text = NULL;
          g_autofree char *duration = NULL;
          g_autofree char *exit_text = NULL;
          g_autofree char *cpu_text = NULL;
          g_autofree char *memory_text = NULL;

          g_variant_lookup (run, "id", "t", &id);
          g_variant_lookup (run, "job-name", "&s", &job_name);
          g_variant_lookup (run, "started", "x", &started);
          g_variant_lookup (run, "finished", "x", &finished);
          g_variant_lookup (run, "outcome", "&s", &run_outcome);
          g_variant_lookup (run, "exit-code", "i", &exit_code);
          g_variant_lookup (run, "trigger", "&s", &trigger);
          g_variant_lookup (run, "http-status", "u", &http_status);
          g_variant_lookup (run, "alert-error", "&s", &alert_error);
          g_variant_lookup (run, "cpu-time", "t", &cpu_time);
          g_variant_lookup (run, "memory-peak", "t", &memory_peak);
          g_variant_lookup (run, "containment", "&s", &containment);
          g_variant_lookup (run, "message", "&s", &message);

          id_text = g_strdup_printf ("%" G_GUINT64_FORMAT, id);
          started_text = chk_format_relative_time (started, now);
          /* The daemon found an interrupted run so at its next start, which says
           * nothing of how long the run went on: "-" rather than a made-up time. */
          if (g_str_equal (run_outcome, "interrupted"))
            duration = g_strdup ("-");
          else
            duration = finished >= started && finished > 0
                       ? chk_duration_format ((finished - started) / G_USEC_PER_SEC)
                       : chk_duration_format ((now - started) / G_USEC_PER_SEC);
          /* An HTTP check has no process: its status says more than its exit code. */
          g_variant_lookup (run, "job", "&o", &job_path);
          if (http_status != 0)
            exit_text = g_strdup_printf (_("HTTP %u"), http_status);
          else if (g_hash_table_contains (checks, job_path))
            exit_text = g_strdup ("-");  /* no answer: the note below says why */
          else
            exit_text = exit_code >= 0 ? g_strdup_printf ("%d", exit_code) : g_strdup ("-");
          /* Nothing measured (an HTTP check, a run under way, an older daemon): "-" */
          cpu_text = cpu_time > 0 ? chk_format_cpu_time (cpu_time) : g_strdup ("-");
          memory_text = memory_peak > 0 ? g_format_size (memory_peak) : g_strdup ("-");
          if (alert_error[0] != '\0')
            g_ptr_array_add (alert_notes, g_strdup_printf (_("  run %" G_GUINT64_FORMAT ": %s"),
                                                           id, alert_error));
          if (message[0] != '\0')
            g_ptr_array_add (run_notes, g_strdup_printf (_("  run %" G_GUINT64_FORMAT ": %s"),
                                                         id, message));

          chk_table_add_row (table, id_text, job_name, started_text, duration, run_outcome,
                             exit_text, trigger, cpu_text, memory_text,
                             containment[0] != '\0' ? containment : "-");
          chk_table_set_color (table, 4, chk_format_color_for (run_outcome));
          g_variant_unref (run);
        }
      chk_table_print (table, chk_format_use_color (STDOUT_FILENO));

      print_notes (_("Alerts that could not be delivered:"), alert_notes);
      print_notes (_("Notes from the daemon:"), run_notes);
    }

  return 0;
}

/* log */

typedef struct
{
  GMainLoop *loop;
  ChkClient *client;
  guint64    run_id;
  guint64    last_seq;
  const char *stream;
  gboolean   finished;
  GError    *error;
  ChkAnsiParser *strip[2];  /* for stdout and stderr when they are no terminal */
} LogFollow;

static void
log_write_cb (const char         *text,
              gsize               len,
              const ChkAnsiStyle *style,
              gpointer            user_data)
{
  write_all (GPOINTER_TO_INT (user_data), (const guint8 *) text, len);
}

/* Escape sequences reach a terminal only; a file or a pipe gets the text. */
static void
log_write (LogFollow    *log,
           int           fd,
           const guint8 *data,
           gsize         len)
{
  ChkAnsiParser *strip = log->strip[fd == STDOUT_FILENO ? 0 : 1];

  if (strip != NULL)
    chk_ansi_parser_feed (strip, (const char *) data, len, log_write_cb, GINT_TO_POINTER (fd));
  else
    write_all (fd, data, len);
}

/* Reads and writes every chunk after last_seq; returns FALSE on error. */
static gboolean
log_drain (LogFollow *log)
{
  for (;;)
    {
      g_autoptr(GVariant) chunks = NULL;
      GVariantIter iter;
      guint64 seq;
      const char *stream;
      gint64 time;
      GVariant *bytes;
      gboolean finished = FALSE;

      if (!chk_scheduler1_call_read_run_output_sync (log->client->scheduler, log->run_id, log->last_seq,
                                                     READ_PAGE_BYTES, &chunks, &finished, NULL, &log->error))
        return FALSE;

      if (g_variant_n_children (chunks) == 0)
        {
          log->finished |= finished;
          return TRUE;
        }

      g_variant_iter_init (&iter, chunks);
      while (g_variant_iter_loop (&iter, "(t&sx@ay)", &seq, &stream, &time, &bytes))
        {
          gsize len;
          const guint8 *data = g_variant_get_fixed_array (bytes, &len, 1);

          if (log->last_seq != 0 && seq != log->last_seq + 1)
            g_printerr (_("\n[chronikerctl: output dropped here: the run wrote more than its "
                          "max-output-bytes]\n"));
          log->last_seq = seq;

          if (log->stream != NULL && !g_str_equal (log->stream, stream))
            continue;
          log_write (log, log->stream != NULL || g_str_equal (stream, "stdout") ? STDOUT_FILENO : STDERR_FILENO,
                     data, len);
        }
    }
}

static void
log_signal_cb (GDBusConnection *connection,
               const char      *sender,
               const char      *object_path,
               const char      *interface_name,
               const char      *signal_name,
               GVariant        *parameters,
               gpointer         user_data)
{
  LogFollow *log = user_data;
  guint64 run_id = 0;

  if (g_str_equal (signal_name, "OutputAvailable") && g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(tt)")))
    g_variant_get (parameters, "(tt)", &run_id, NULL);
  else if (g_str_equal (signal_name, "RunFinished") && g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(otsi)")))
    g_variant_get (parameters, "(&otsi)", NULL, &run_id, NULL, NULL);

  if (run_id != log->run_id)
    return;

  if (!log_drain (log) || log->finished || g_str_equal (signal_name, "RunFinished"))
    {
      /* After RunFinished every chunk is stored: one last read gets them. */
      if (log->error == NULL && !log->finished)
        log_drain (log);
      g_main_loop_quit (log->loop);
    }
}

int
chk_cli_verb_log (int    argc,
                  char **argv)
{
  gboolean follow = FALSE;
  gboolean no_color = FALSE;
  gboolean raw = FALSE;
  g_autofree char *stream = NULL;
  GOptionEntry entries[] = {
    { "follow", 'f', 0, G_OPTION_ARG_NONE, &follow, N_("Keep printing new output until the run ends"), NULL },
    { "stream", 0, 0, G_OPTION_ARG_STRING, &stream, N_("Only stdout or only stderr"), N_("STREAM") },
    { "no-color", 0, 0, G_OPTION_ARG_NONE, &no_color,
      N_("Leave out colours and other terminal escapes, also on a terminal"), NULL },
    { "raw", 0, 0, G_OPTION_ARG_NONE, &raw,
      N_("Write the bytes exactly as the job wrote them, escapes too, also to a file or a pipe"), NULL },
    { NULL }
  };
  g_auto(ChkCliVerbCall) call = { 0 };
  ChkClient *client;
  g_autoptr(GError) error = NULL;
  LogFollow log = { 0 };
  guint subscriptions[2] = { 0 };
  int status = 0;

  if (!chk_cli_verb_begin (&call, entries, &argc, &argv, CHK_CLI_VERB_ANY_ARGS, 0))
    return call.status;
  if (argc != 2)
    return chk_cli_usage_error (call.context, argc < 2 ? _("which run? Give a RUN_ID or a job NAME")
                                                       : _("unexpected argument “%s”"), argv[argc - 1]);
  if (stream != NULL && !g_str_equal (stream, "stdout") && !g_str_equal (stream, "stderr"))
    return chk_cli_usage_error (call.context, _("--stream: “%s” is not stdout or stderr"), stream);
  if (raw && no_color)
    return chk_cli_usage_error (call.context, _("--raw and --no-color: choose one"));
  if (!chk_cli_verb_connect (&call))
    return call.status;
  client = &call.client;

  if (chk_client_is_id (argv[1]))
    {
      g_autoptr(GVariant) run = NULL;

      log.run_id = g_ascii_strtoull (argv[1], NULL, 10);
      if (!chk_scheduler1_call_get_run_sync (client->scheduler, log.run_id, &run, NULL, &error))
        return chk_cli_fail_error (error);
    }
  else
    {
      g_auto(GVariantDict) filter = G_VARIANT_DICT_INIT (NULL);
      g_autoptr(GVariant) runs = NULL;
      g_autofree char *path = NULL;

      if (!resolve_job_path (client, argv[1], &path, &error))
        return chk_cli_fail_error (error);
      g_variant_dict_insert (&filter, "job", "o", path);
      g_variant_dict_insert (&filter, "limit", "u", 1);
      if (!chk_scheduler1_call_list_runs_sync (client->scheduler, g_variant_dict_end (&filter), &runs, NULL, &error))
        return chk_cli_fail_error (error);
      if (g_variant_n_children (runs) == 0)
        return chk_cli_fail (_("“%s” has not run yet"), argv[1]);
      {
        g_autoptr(GVariant) newest = g_variant_get_child_value (runs, 0);

        g_variant_lookup (newest, "id", "t", &log.run_id);
      }
    }

  log.client = client;
  log.stream = stream;
  for (guint i = 0; i < G_N_ELEMENTS (log.strip); i++)
    if (!raw && (no_color || !chk_format_use_color (i == 0 ? STDOUT_FILENO : STDERR_FILENO)))
      log.strip[i] = chk_ansi_parser_new (CHK_ANSI_PARSER_NONE);

  if (follow)
    {
      const char *members[] = { "OutputAvailable", "RunFinished" };

      /* Subscribe before reading, so that nothing falls between. */
      for (guint i = 0; i < G_N_ELEMENTS (members); i++)
        subscriptions[i] = g_dbus_connection_signal_subscribe (client->connection, CHK_BUS_NAME,
                                                               "io.github.chroniker.Chroniker.Scheduler1",
                                                               members[i], CHK_MANAGER_PATH, NULL,
                                                               G_DBUS_SIGNAL_FLAGS_NONE,
                                                               log_signal_cb, &log, NULL);
    }

  if (log_drain (&log) && follow && !log.finished)
    {
      DaemonWatch watch = { 0 };
      guint watch_id;

      log.loop = g_main_loop_new (NULL, FALSE);
      watch_id = watch_daemon (client->connection, &watch, log.loop);
      g_main_loop_run (log.loop);
      g_bus_unwatch_name (watch_id);
      g_main_loop_unref (log.loop);
      if (watch.vanished && log.error == NULL)
        status = chk_cli_fail (_("chronikerd went away while run %" PRIu64 " was running"), log.run_id);
    }

  for (guint i = 0; i < G_N_ELEMENTS (subscriptions); i++)
    if (subscriptions[i] != 0)
      g_dbus_connection_signal_unsubscribe (client->connection, subscriptions[i]);

  for (guint i = 0; i < G_N_ELEMENTS (log.strip); i++)
    g_clear_pointer (&log.strip[i], chk_ansi_parser_free);
  if (log.error != NULL)
    {
      status = chk_cli_fail_error (log.error);
      g_error_free (log.error);
    }
  return status;
}

/* progress */

static gboolean
parse_progress_number (const char *text,
                       guint      *out)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32, &value, NULL))
    return FALSE;
  *out = value;
  return TRUE;
}

int
chk_cli_verb_progress (int    argc,
                       char **argv)
{
  g_auto(ChkCliVerbCall) call = { 0 };
  g_autofree char *line = NULL;
  g_autofree char *message = NULL;
  const char *fd_text = g_getenv ("CHRONIKER_PROGRESS_FD");
  guint complete = 0, total = 0;
  int first_message_arg;
  guint64 fd;

  if (!chk_cli_verb_begin (&call, NULL, &argc, &argv, CHK_CLI_VERB_ANY_ARGS, CHK_CLI_VERB_POSIX_OPTIONS))
    return call.status;
  if (argc < 2)
    return chk_cli_usage_error (call.context, _("give the progress: N M, or P%%"));

  if (g_str_has_suffix (argv[1], "%"))
    {
      g_autofree char *number = g_strndup (argv[1], strlen (argv[1]) - 1);
      gdouble percent;
      char *end = NULL;

      percent = g_ascii_strtod (number, &end);
      if (number[0] == '\0' || *end != '\0' || percent < 0 || percent > 100)
        return chk_cli_usage_error (call.context, _("“%s” is not a percentage from 0%% to 100%%"), argv[1]);
      line = g_strdup (argv[1]);
      first_message_arg = 2;
    }
  else
    {
      if (argc < 3 || !parse_progress_number (argv[1], &complete) || !parse_progress_number (argv[2], &total))
        return chk_cli_usage_error (call.context, _("give the progress as two numbers, N M (N of M done), or P%%"));
      if (total == 0 || complete > total)
        return chk_cli_usage_error (call.context, _("%u of %u: N must not be more than M, and M at least 1"), complete, total);
      line = g_strdup_printf ("%u/%u", complete, total);
      first_message_arg = 3;
    }

  if (argc > first_message_arg)
    {
      message = g_strjoinv (" ", argv + first_message_arg);
      g_strdelimit (message, "\r\n", ' ');
    }

  if (fd_text == NULL || fd_text[0] == '\0')
    return chk_cli_fail (_("progress only works inside a Chroniker job (CHRONIKER_PROGRESS_FD is not set)"));
  if (!g_ascii_string_to_unsigned (fd_text, 10, 0, G_MAXINT, &fd, NULL))
    return chk_cli_fail (_("CHRONIKER_PROGRESS_FD is “%s”, not a file descriptor"), fd_text);

  {
    g_autofree char *text = message != NULL ? g_strdup_printf ("%s %s\n", line, message)
                                            : g_strdup_printf ("%s\n", line);
    gsize len = strlen (text);
    const char *p = text;

    while (len > 0)
      {
        gssize n = write ((int) fd, p, len);

        if (n < 0 && errno == EINTR)
          continue;
        if (n < 0)
          return chk_cli_fail (_("could not write to CHRONIKER_PROGRESS_FD %s: %s"), fd_text, g_strerror (errno));
        p += n;
        len -= n;
      }
  }

  return 0;
}

/* clean, preview, settings */

int
chk_cli_verb_clean (int    argc,
                    char **argv)
{
  g_autofree char *older_than = NULL;
  GOptionEntry entries[] = {
    { "older-than", 0, 0, G_OPTION_ARG_STRING, &older_than, N_("Delete finished runs started longer ago than this"), N_("DURATION") },
    { NULL }
  };
  g_auto(ChkCliVerbCall) call = { 0 };
  g_autoptr(GError) error = NULL;
  guint64 seconds;
  guint deleted = 0;

  if (!chk_cli_verb_begin (&call, entries, &argc, &argv, 0, 0))
    return call.status;
  if (older_than == NULL)
    return chk_cli_usage_error (call.context, _("give --older-than, e.g. --older-than 7d"));
  if (!chk_duration_parse (older_than, &seconds, &error))
    return chk_cli_usage_error (call.context, "--older-than: %s", error->message);
  if (!chk_cli_verb_connect (&call))
    return call.status;

  if (!chk_scheduler1_call_purge_runs_sync (call.client.scheduler,
                                            g_get_real_time () - (gint64) seconds * G_USEC_PER_SEC,
                                            &deleted, NULL, &error))
    return chk_cli_fail_error (error);

  g_print (g_dngettext (GETTEXT_PACKAGE, "Deleted %u run\n", "Deleted %u runs\n", deleted), deleted);
  return 0;
}

int
chk_cli_verb_preview (int    argc,
                      char **argv)
{
  g_autofree char *timezone = NULL;
  int count = 5;
  GOptionEntry entries[] = {
    { "timezone", 0, 0, G_OPTION_ARG_STRING, &timezone, N_("IANA time zone (default: local)"), N_("ZONE") },
    { "count", 'n', 0, G_OPTION_ARG_INT, &count, N_("How many runs (default 5)"), N_("N") },
    { NULL }
  };
  g_auto(ChkCliVerbCall) call = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  g_autoptr(GVariant) runs = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  gint64 now = g_get_real_time ();

  if (!chk_cli_verb_begin (&call, entries, &argc, &argv, CHK_CLI_VERB_ANY_ARGS, 0))
    return call.status;
  if (argc != 2)
    return chk_cli_usage_error (call.context, argc < 2 ? _("give a SCHEDULE, e.g. '0 9 * * 1-5'")
                                                       : _("unexpected argument “%s” (quote the schedule)"),
                                argv[argc - 1]);
  if (count < 0 || count > 1000)
    return chk_cli_usage_error (call.context, _("--count: give a number from 0 to 1000"));
  if (!chk_cli_check_utf8_arguments (call.context, argc, argv, &call.status) || !chk_cli_verb_connect (&call))
    return call.status;

  if (!chk_scheduler1_call_preview_schedule_sync (call.client.scheduler, argv[1], timezone ? timezone : "", 0,
                                                  count, &description, &runs, NULL, &error))
    return chk_cli_fail_error (error);

  tz = chk_time_zone_new (timezone, NULL);
  if (tz == NULL)
    tz = g_time_zone_new_local ();

  {
    g_autofree char *shown = chk_format_escape (description);

    g_print ("%s\n", shown);
  }
  for (gsize i = 0; i < g_variant_n_children (runs); i++)
    {
      gint64 when;
      g_autoptr(GDateTime) utc = NULL;
      g_autoptr(GDateTime) local = NULL;
      g_autofree char *text = NULL;
      g_autofree char *relative = NULL;

      g_variant_get_child (runs, i, "x", &when);
      utc = g_date_time_new_from_unix_utc (when / G_USEC_PER_SEC);
      local = g_date_time_to_timezone (utc, tz);
      text = g_date_time_format (local, "%Y-%m-%d %H:%M:%S %:z");
      relative = chk_format_relative_time (when, now);
      g_print ("%s (%s)\n", text, relative);
    }
  return 0;
}

/* The value for people: a string one is escaped for the terminal. */
static char *
setting_to_text (GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return chk_format_escape (g_variant_get_string (value, NULL));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    return g_strdup (g_variant_get_boolean (value) ? "true" : "false");
  return g_variant_print (value, FALSE);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* "allow-shell, email-from, …": the keys the daemon has, A–Z. */
static char *
setting_keys (GVariant *settings)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  GVariantIter iter;
  const char *key;

  g_variant_iter_init (&iter, settings);
  while (g_variant_iter_next (&iter, "{&sv}", &key, NULL))
    g_ptr_array_add (keys, (gpointer) key);
  g_ptr_array_sort (keys, compare_strings);
  g_ptr_array_add (keys, NULL);
  return g_strjoinv (", ", (char **) keys->pdata);
}

/* The terminal as it was before a secret was typed, for a signal to restore it too. */
static struct termios secret_saved_termios;
static volatile sig_atomic_t secret_echo_off;

static void
secret_signal_handler (int signum)
{
  if (secret_echo_off)
    tcsetattr (STDIN_FILENO, TCSAFLUSH, &secret_saved_termios);
  signal (signum, SIG_DFL);
  raise (signum);
}

/* One line typed on the terminal on stdin without echo, or NULL if it ended first. */
static char *
read_secret_from_terminal (const char *prompt)
{
  static const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP };
  struct sigaction old_actions[G_N_ELEMENTS (signals)];
  struct sigaction action = { 0 };
  struct termios quiet;
  g_autoptr(GString) line = g_string_new (NULL);
  gboolean ended = TRUE;
  int c;

  /* Ctrl+C must not leave the terminal without echo; Ctrl+Z would, so it waits. */
  sigemptyset (&action.sa_mask);
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    {
      action.sa_handler = signals[i] == SIGTSTP ? SIG_IGN : secret_signal_handler;
      sigaction (signals[i], &action, &old_actions[i]);
    }

  fflush (stdout);
  g_printerr ("%s", prompt);
  if (tcgetattr (STDIN_FILENO, &secret_saved_termios) == 0)
    {
      quiet = secret_saved_termios;
      quiet.c_lflag &= ~ECHO;
      if (tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet) == 0)
        secret_echo_off = TRUE;
    }

  while ((c = getc (stdin)) != EOF)
    {
      if (c == '\n')
        {
          ended = FALSE;
          break;
        }
      g_string_append_c (line, (char) c);
    }

  if (secret_echo_off)
    {
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &secret_saved_termios);
      secret_echo_off = FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    sigaction (signals[i], &old_actions[i], NULL);
  /* the Enter that was not echoed */
  g_printerr ("\n");

  if (ended && line->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&line), FALSE);
}

/*
 * A password given as an argument is seen by ps and kept by the shell's
 * history: "-" reads it from a prompt without echo on a terminal, or as the
 * one line of stdin (`pass show smtp | chronikerctl settings smtp-password -`).
 */
static char *
read_password (GError **error)
{
  g_autofree char *text = NULL;

  if (isatty (STDIN_FILENO))
    {
      text = read_secret_from_terminal (_("SMTP password (not shown): "));
    }
  else
    {
      gsize len;

      text = read_input ("-", error);
      if (text == NULL)
        return NULL;
      len = strlen (text);
      if (len > 0 && text[len - 1] == '\n')
        text[--len] = '\0';
      if (len > 0 && text[len - 1] == '\r')
        text[--len] = '\0';
    }

  if (text == NULL || text[0] == '\0')
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT,
                   _("smtp-password: no password was given (to remove it, give '')"));
      return NULL;
    }
  if (strpbrk (text, "\r\n") != NULL || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT,
                   _("smtp-password: the password must be one line of UTF-8 text"));
      return NULL;
    }
  return g_steal_pointer (&text);
}

int
chk_cli_verb_settings (int    argc,
                       char **argv)
{
  g_auto(ChkCliVerbCall) call = { 0 };
  g_autoptr(GVariant) settings = NULL;
  g_autoptr(GVariant) current = NULL;
  g_autoptr(GError) error = NULL;

  if (!chk_cli_verb_begin (&call, NULL, &argc, &argv, 2, CHK_CLI_VERB_UTF8 | CHK_CLI_VERB_CONNECT))
    return call.status;
  if (!chk_scheduler1_call_get_settings_sync (call.client.scheduler, &settings, NULL, &error))
    return chk_cli_fail_error (error);

  if (argc == 1)
    {
      GVariantIter iter;
      const char *key;
      GVariant *value;

      g_variant_iter_init (&iter, settings);
      while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
        {
          g_autofree char *text = setting_to_text (value);

          g_print ("%s = %s\n", key, text);
        }
      return 0;
    }

  current = g_variant_lookup_value (settings, argv[1], NULL);
  if (current == NULL)
    {
      g_autofree char *keys = setting_keys (settings);

      /* Translators: the second %s is a list such as "allow-shell, email-from, …" */
      return chk_cli_fail (_("unknown setting “%s”; the settings are: %s"), argv[1], keys);
    }

  if (argc == 2)
    {
      g_autofree char *text = setting_to_text (current);

      g_print ("%s\n", text);
      return 0;
    }

  {
    g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
    GVariant *value = NULL;

    if (g_variant_is_of_type (current, G_VARIANT_TYPE_BOOLEAN))
      {
        gboolean b;

        if (!parse_bool (argv[2], &b))
          return chk_cli_usage_error (call.context, _("%s: “%s” is not true or false"), argv[1], argv[2]);
        value = g_variant_new_boolean (b);
      }
    else if (g_variant_is_of_type (current, G_VARIANT_TYPE_UINT32))
      {
        guint64 n;

        if (!g_ascii_string_to_unsigned (argv[2], 10, 0, G_MAXUINT32, &n, NULL))
          return chk_cli_usage_error (call.context, _("%s: “%s” is not a number"), argv[1], argv[2]);
        value = g_variant_new_uint32 (n);
      }
    else if (g_str_equal (argv[1], "smtp-password") && g_str_equal (argv[2], "-"))
      {
        g_autofree char *password = read_password (&error);

        if (password == NULL)
          return chk_cli_fail_error (error);
        value = g_variant_new_string (password);
      }
    else
      {
        value = g_variant_new_string (argv[2]);
      }

    g_variant_dict_insert_value (&dict, argv[1], value);
    if (!chk_scheduler1_call_set_settings_sync (call.client.scheduler, g_variant_dict_end (&dict), NULL, &error))
      return chk_cli_fail_error (error);
  }

  return 0;
}

/* test-email */

int
chk_cli_verb_test_email (int    argc,
                         char **argv)
{
  g_auto(ChkCliVerbCall) call = { 0 };
  g_autoptr(GError) error = NULL;

  if (!chk_cli_verb_begin (&call, NULL, &argc, &argv, CHK_CLI_VERB_ANY_ARGS, 0))
    return call.status;
  if (argc != 2)
    return chk_cli_usage_error (call.context, argc < 2 ? _("give the ADDRESS to send the test email to")
                                                       : _("unexpected argument “%s”"), argv[argc - 1]);
  if (!chk_cli_check_utf8_arguments (call.context, argc, argv, &call.status) || !chk_cli_verb_connect (&call))
    return call.status;

  /* The daemon answers once the SMTP server or sendmail took the message: that may take a while. */
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (call.client.scheduler), TEST_EMAIL_TIMEOUT_MS);
  if (!chk_scheduler1_call_send_test_email_sync (call.client.scheduler, argv[1], NULL, &error))
    return chk_cli_fail_error (error);

  g_print (_("Sent a test email to %s\n"), argv[1]);
  return 0;
}

/* import and export */

/* The job already named as @spec: made again from it, except for its name. */
static gboolean
replace_job (ChkClient  *client,
             GVariant   *spec,
             char      **out_path,
             GError    **error)
{
  g_auto(GVariantDict) changes = G_VARIANT_DICT_INIT (spec);
  g_autoptr(ChkJob1) job = NULL;
  const char *name = NULL;

  g_variant_lookup (spec, "name", "&s", &name);
  job = chk_client_get_job (client, name, error);
  if (job == NULL)
    return FALSE;

  /* What the crontab no longer says goes back to its default, as a new job's would. */
  g_variant_dict_remove (&changes, "name");
  if (!g_variant_dict_contains (&changes, "timezone"))
    g_variant_dict_insert (&changes, "timezone", "s", "");
  if (!g_variant_dict_contains (&changes, "email-to"))
    g_variant_dict_insert_value (&changes, "email-to", g_variant_new_strv (NULL, 0));

  if (!chk_job1_call_update_sync (job, g_variant_dict_end (&changes), NULL, error))
    return FALSE;
  *out_path = g_strdup (g_dbus_proxy_get_object_path (G_DBUS_PROXY (job)));
  return TRUE;
}

static int
compare_problem_lines (gconstpointer a,
                       gconstpointer b)
{
  const ChkCrontabProblem *pa = *(ChkCrontabProblem * const *) a;
  const ChkCrontabProblem *pb = *(ChkCrontabProblem * const *) b;

  return (pa->line > pb->line) - (pa->line < pb->line);
}

/* /etc/crontab and the files of /etc/cron.d have a user before each command. */
static gboolean
is_system_crontab_path (const char *path)
{
  g_autofree char *canonical = NULL;

  if (g_strcmp0 (path, "-") == 0)
    return FALSE;
  canonical = g_canonicalize_filename (path, NULL);
  return g_str_equal (canonical, "/etc/crontab") || g_str_has_prefix (canonical, "/etc/cron.d/");
}

int
chk_cli_verb_import_crontab (int    argc,
                             char **argv)
{
  g_autofree char *prefix = NULL;
  gboolean system_format = FALSE;
  gboolean replace = FALSE;
  GOptionEntry entries[] = {
    { "prefix", 0, 0, G_OPTION_ARG_STRING, &prefix, N_("Job names start with this (default “crontab”)"), N_("PREFIX") },
    { "system-format", 0, 0, G_OPTION_ARG_NONE, &system_format, N_("Read a system crontab: a user before each command"), NULL },
    { "replace", 0, 0, G_OPTION_ARG_NONE, &replace, N_("Update the jobs an earlier import made"), NULL },
    { NULL }
  };
  g_auto(ChkCliVerbCall) call = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  const char *path;
  ChkCrontabFormat format;
  guint imported = 0;

  if (!chk_cli_verb_begin (&call, entries, &argc, &argv, 1, 0))
    return call.status;
  path = argc == 2 ? argv[1] : "-";

  text = read_input (path, &error);
  if (text == NULL)
    return chk_cli_fail_error (error);
  if (!g_utf8_validate (text, -1, NULL))
    return chk_cli_fail (_("the crontab is not UTF-8 text"));

  format = system_format || is_system_crontab_path (path) ? CHK_CRONTAB_FORMAT_SYSTEM
                                                          : CHK_CRONTAB_FORMAT_AUTO;
  format = chk_crontab_parse (text, prefix ? prefix : "crontab", format, g_get_user_name (),
                              &jobs, &problems);
  if (format == CHK_CRONTAB_FORMAT_SYSTEM)
    g_print (_("Reading a system crontab: a user before each command\n"));

  /* Registers our D-Bus errors, so that an AlreadyExists reads as CHK_ERROR_ALREADY_EXISTS. */
  chk_error_quark ();
  if (jobs->len > 0 && !chk_cli_verb_connect (&call))
    return call.status;

  for (guint i = 0; i < jobs->len; i++)
    {
      ChkCrontabJob *job = g_ptr_array_index (jobs, i);
      g_autofree char *job_path = NULL;
      g_autoptr(GError) local_error = NULL;
      const char *name = NULL;
      const char *done = NULL;
      guint64 id = 0;

      g_variant_lookup (job->spec, "name", "&s", &name);
      if (chk_scheduler1_call_create_job_sync (call.client.scheduler, job->spec, &job_path, NULL,
                                               &local_error))
        {
          done = _("created");
        }
      else if (replace && g_error_matches (local_error, CHK_ERROR, CHK_ERROR_ALREADY_EXISTS))
        {
          g_clear_error (&local_error);
          if (replace_job (&call.client, job->spec, &job_path, &local_error))
            done = _("updated");
        }

      if (done == NULL)
        {
          g_autofree char *message = NULL;

          g_dbus_error_strip_remote_error (local_error);
          if (g_error_matches (local_error, CHK_ERROR, CHK_ERROR_ALREADY_EXISTS))
            /* Translators: "line 3: A job named “crontab-3” already exists; give --replace …" */
            message = g_strdup_printf (_("line %u: %s; give --replace to update it"),
                                       job->line, local_error->message);
          else
            message = g_strdup_printf (_("line %u: %s"), job->line, local_error->message);
          g_ptr_array_add (problems, chk_crontab_problem_new (job->line, message));
          continue;
        }

      imported++;
      chk_client_job_id_from_path (job_path, &id);
      {
        g_autofree char *shown = chk_format_escape (name);

        /* Translators: "line 3: job 12 “crontab-3” created" */
        g_print (_("line %u: job %" G_GUINT64_FORMAT " “%s” %s\n"), job->line, id, shown, done);
      }
    }

  /* Each line once, in the order of the file, whatever found it wrong. */
  g_ptr_array_sort (problems, compare_problem_lines);
  for (guint i = 0; i < problems->len; i++)
    {
      ChkCrontabProblem *problem = g_ptr_array_index (problems, i);
      g_autofree char *shown = chk_format_escape (problem->message);

      g_printerr ("chronikerctl: %s\n", shown);
    }
  g_print (g_dngettext (GETTEXT_PACKAGE, "Imported %u job\n", "Imported %u jobs\n", imported), imported);

  return problems->len > 0 ? 1 : 0;
}

int
chk_cli_verb_export (int    argc,
                     char **argv)
{
  gboolean json = TRUE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON (the only format)"), NULL },
    { NULL }
  };
  g_auto(ChkCliVerbCall) call = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);
  GList *jobs;

  if (!chk_cli_verb_begin (&call, entries, &argc, &argv, 0, CHK_CLI_VERB_CONNECT))
    return call.status;

  jobs = chk_client_list_jobs (&call.client, &error);
  if (error != NULL)
    return chk_cli_fail_error (error);

  for (GList *l = jobs; l != NULL; l = l->next)
    json_array_add_element (array, chk_json_spec_from_job (l->data));
  g_list_free_full (jobs, g_object_unref);

  json_node_set_array (root, array);
  chk_json_print (root);
  return 0;
}

int
chk_cli_verb_import (int    argc,
                     char **argv)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Read JSON as export writes it"), NULL },
    { NULL }
  };
  g_auto(ChkCliVerbCall) call = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *text = NULL;
  JsonArray *array;
  guint imported = 0, failed = 0;

  if (!chk_cli_verb_begin (&call, entries, &argc, &argv, CHK_CLI_VERB_ANY_ARGS, 0))
    return call.status;
  if (!json)
    return chk_cli_usage_error (call.context, _("import reads JSON: give --json (for a crontab, use "
                                                "import-crontab)"));
  if (argc > 2)
    return chk_cli_usage_error (call.context, _("unexpected argument “%s”"), argv[2]);

  text = read_input (argc == 2 ? argv[1] : "-", &error);
  if (text == NULL)
    return chk_cli_fail_error (error);
  if (!json_parser_load_from_data (parser, text, -1, &error))
    return chk_cli_fail (_("not JSON: %s"), error->message);
  if (json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
    return chk_cli_fail (_("expected a JSON array of jobs, as export writes"));

  if (!chk_cli_verb_connect (&call))
    return call.status;

  array = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autoptr(GVariant) spec = NULL;
      g_autoptr(GError) local_error = NULL;
      g_autofree char *path = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          /* Translators: the place of an element in the JSON array; "job 3" would read as a job id */
          g_printerr (_("chronikerctl: entry %u of the array: not a JSON object\n"), i + 1);
          failed++;
          continue;
        }

      spec = chk_json_to_spec (json_node_get_object (element), &local_error);
      if (spec != NULL)
        g_variant_ref_sink (spec);
      if (spec == NULL ||
          !chk_scheduler1_call_create_job_sync (call.client.scheduler, spec, &path, NULL,
                                                &local_error))
        {
          const char *name = json_object_get_string_member_with_default (json_node_get_object (element),
                                                                         "name", "?");
          g_autofree char *shown_name = chk_format_escape (name);
          g_autofree char *shown_message = NULL;

          g_dbus_error_strip_remote_error (local_error);
          shown_message = chk_format_escape (local_error->message);
          g_printerr (_("chronikerctl: “%s” (entry %u of the array): %s\n"), shown_name, i + 1,
                      shown_message);
          failed++;
          continue;
        }
      imported++;
    }

  g_print (g_dngettext (GETTEXT_PACKAGE, "Imported %u job\n", "Imported %u jobs\n", imported), imported);
  return failed > 0 ? 1 : 0;
}

static const ChkCliVerb verbs[] = {
  { "list", "", N_("List the jobs."), chk_cli_verb_list },
  { "show", "JOB", N_("Show a job."), chk_cli_verb_show },
  { "add", "NAME (--shell 'COMMAND' | --check-url URL | -- PROGRAM [ARGUMENT…])", N_("Add a job."),
    chk_cli_verb_add },
  { "edit", "JOB [--shell 'COMMAND' | --check-url URL | -- PROGRAM [ARGUMENT…]]", N_("Change a job."),
    chk_cli_verb_edit },
  { "remove", "JOB", N_("Delete a job with its runs."), chk_cli_verb_remove },
  { "enable", "JOB", N_("Run a job on its schedule."), chk_cli_verb_enable },
  { "disable", "JOB", N_("Stop running a job on its schedule."), chk_cli_verb_disable },
  { "run", "JOB", N_("Run a job now and print the run's id."), chk_cli_verb_run },
  { "stop", "JOB", N_("Stop a job's run."), chk_cli_verb_stop },
  { "runs", "[JOB]", N_("List runs, newest first."), chk_cli_verb_runs },
  { "log", "JOB|RUN_ID", N_("Print a run's output (a job's latest run)."), chk_cli_verb_log },
  { "progress", "(N M | P%) [MESSAGE…]", N_("Report progress from inside a job."), chk_cli_verb_progress },
  { "clean", "--older-than DURATION", N_("Delete old finished runs."), chk_cli_verb_clean },
  { "preview", "SCHEDULE", N_("Describe a schedule and show its next runs."), chk_cli_verb_preview },
  { "settings", "[KEY [VALUE]]", N_("Show or change the daemon's settings."), chk_cli_verb_settings },
  { "test-email", "ADDRESS", N_("Send a test email with the email settings."), chk_cli_verb_test_email },
  { "import-crontab", "[FILE|-]", N_("Make jobs of a crontab's lines."), chk_cli_verb_import_crontab },
  { "export", "", N_("Print every job as JSON."), chk_cli_verb_export },
  { "import", "--json [FILE|-]", N_("Make jobs of JSON from export."), chk_cli_verb_import },
};

static void
print_overview (FILE *out)
{
  fprintf (out, "%s\n", _("Usage: chronikerctl COMMAND [OPTION…]"));
  fprintf (out, "\n%s\n\n", _("Controls the Chroniker scheduler (chronikerd)."));
  fprintf (out, "%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
    fprintf (out, "  %-16s %s\n", verbs[i].name, _(verbs[i].summary));
  fprintf (out, "\n%s\n", _("Run “chronikerctl COMMAND --help” for a command's options."));
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2)
    {
      g_printerr ("chronikerctl: %s\n\n", _("give a command"));
      print_overview (stderr);
      return CHK_CLI_EXIT_USAGE;
    }

  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") || g_str_equal (argv[1], "help"))
    {
      print_overview (stdout);
      return 0;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      g_print ("chronikerctl %s\n", PACKAGE_VERSION);
      return 0;
    }

  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
    {
      if (g_str_equal (argv[1], verbs[i].name))
        {
          chk_cli_set_verb (&verbs[i]);
          return verbs[i].func (argc - 1, argv + 1);
        }
    }

  g_printerr ("chronikerctl: unknown command “%s”\n\n", argv[1]);
  print_overview (stderr);
  return CHK_CLI_EXIT_USAGE;
}
