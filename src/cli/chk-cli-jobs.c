/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chronikerctl"

#include "config.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "chk-cli-client.h"
#include "chk-cli-format.h"
#include "chk-cli-json.h"
#include "chk-cli-orchestration.h"
#include "chk-cli-verbs.h"
#include "chk-cli-watch.h"
#include "chk-duration.h"
#include "chk-job-spec.h"
#include "chk-outcome.h"
#include "chk-schedule.h"

/* Job specs from options: add and edit */

typedef struct
{
  char     *schedule;
  char     *timezone;
  char     *start;
  char     *description;
  char     *workdir;
  char     *host;
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
  ChkCliOrchestrationOptions orchestration;
  ChkCliWatchOptions watch;
} SpecOptions;

static void
spec_options_clear (SpecOptions *options)
{
  g_free (options->schedule);
  g_free (options->timezone);
  g_free (options->start);
  g_free (options->description);
  g_free (options->workdir);
  g_free (options->host);
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
  chk_cli_orchestration_options_clear (&options->orchestration);
  chk_cli_watch_options_clear (&options->watch);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SpecOptions, spec_options_clear)

#define SPEC_OPTION_ENTRIES(o) \
  { "schedule", 0, 0, G_OPTION_ARG_STRING, &(o).schedule, N_("Cron expression, @macro or RRULE (\"\" for manual only)"), N_("SCHEDULE") }, \
  { "timezone", 0, 0, G_OPTION_ARG_STRING, &(o).timezone, N_("IANA time zone of the schedule (\"\" for local)"), N_("ZONE") }, \
  { "start", 0, 0, G_OPTION_ARG_STRING, &(o).start, N_("When a recurrence rule starts (ISO 8601 or \"now\")"), N_("TIME") }, \
  { "description", 0, 0, G_OPTION_ARG_STRING, &(o).description, N_("What the job is for"), N_("TEXT") }, \
  { "workdir", 0, 0, G_OPTION_ARG_FILENAME, &(o).workdir, N_("Working directory (absolute)"), N_("DIR") }, \
  { "host", 0, 0, G_OPTION_ARG_STRING, &(o).host, N_("The host of a fleet that runs the job (\"\" for any one, \"*\" for every one)"), N_("HOST") }, \
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
  CHK_CLI_ORCHESTRATION_OPTION_ENTRIES ((o).orchestration), \
  CHK_CLI_WATCH_OPTION_ENTRIES ((o).watch), \
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
 * A boolean key set by a pair of options, such as --catch-up and
 * --no-catch-up: neither leaves it alone, both are refused.
 */
static gboolean
add_switch (GVariantDict   *dict,
            const char     *key,
            gboolean        on,
            const char     *on_option,
            gboolean        off,
            const char     *off_option,
            GOptionContext *context,
            int            *out_status)
{
  if (on && off)
    {
      /* Translators: e.g. "give --catch-up or --no-catch-up, not both" */
      *out_status = chk_cli_usage_error (context, _("give %s or %s, not both"), on_option, off_option);
      return FALSE;
    }
  if (on || off)
    g_variant_dict_insert (dict, key, "b", on);
  return TRUE;
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
  /* The daemon checks the name: its message names the key. */
  if (o->host != NULL)
    g_variant_dict_insert (&dict, "host", "s", o->host);

  if (o->start != NULL)
    {
      gint64 start;

      if (!chk_cli_parse_time (o->start, &start))
        return *out_status = chk_cli_usage_error (context, _("--start: “%s” is not a time such as "
                                                             "2026-11-23T09:00 or now"), o->start), NULL;
      g_variant_dict_insert (&dict, "start", "x", start);
    }

  if (o->timeout != NULL)
    {
      guint32 seconds;

      if (!chk_cli_parse_duration_option (context, "--timeout", o->timeout, &seconds, out_status))
        return NULL;
      g_variant_dict_insert (&dict, "timeout", "u", seconds);
    }

  if (!add_switch (&dict, "catch-up", o->catch_up, "--catch-up", o->no_catch_up, "--no-catch-up",
                   context, out_status) ||
      !add_switch (&dict, "merge-stderr", o->merge_stderr, "--merge-stderr",
                   o->no_merge_stderr, "--no-merge-stderr", context, out_status) ||
      !add_switch (&dict, "enabled", o->enabled, "--enabled", o->disabled, "--disabled",
                   context, out_status) ||
      !add_switch (&dict, "is-monitor", o->monitor, "--monitor", o->no_monitor, "--no-monitor",
                   context, out_status))
    return NULL;

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
      guint32 seconds;

      if (!chk_cli_parse_duration_option (context, "--check-timeout", o->check_timeout, &seconds,
                                          out_status))
        return NULL;
      g_variant_dict_insert (&dict, "check-timeout", "u", seconds);
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

  if (!chk_cli_orchestration_options_add (&o->orchestration, &dict, context, out_status) ||
      !chk_cli_watch_options_add (&o->watch, &dict, context, out_status))
    return NULL;

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

/* list and show */

/*
 * The status of the job's last run, and whether it is disabled; for list
 * (@for_list) also whether it is a monitor, and what a due run waits for
 * instead of the last outcome, which show has lines of their own for.
 */
static char *
job_status (ChkJob1      *job,
            gboolean      for_list,
            const char  **out_color)
{
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *status = NULL;

  if (chk_job1_get_running (job))
    {
      *out_color = chk_format_color_for (chk_outcome_to_string (CHK_OUTCOME_RUNNING));
      if (chk_job1_get_progress_total (job) > 0)
        status = g_strdup_printf (_("running %u/%u"), chk_job1_get_progress_complete (job),
                                  chk_job1_get_progress_total (job));
      else
        status = g_strdup (_("running"));
    }
  else if (for_list && chk_cli_is_set (chk_job1_get_waiting_for (job)))
    {
      *out_color = NULL;
      /* Translators: the status of a job in list, e.g. "waiting: backup to finish" */
      status = g_strdup_printf (_("waiting: %s"), chk_job1_get_waiting_for (job));
    }
  else
    {
      const char *outcome = chk_job1_get_last_outcome (job);
      gint exit_code = chk_job1_get_last_exit_code (job);

      *out_color = chk_format_color_for (outcome);
      status = chk_format_outcome (outcome, 0);
      /* A check's exit code only repeats its outcome. */
      if (chk_outcome_from_string (outcome) == CHK_OUTCOME_FAILURE && exit_code > 0 &&
          !chk_cli_is_check_job (job))
        g_ptr_array_add (notes, g_strdup_printf (_("exit %d"), exit_code));
    }

  if (for_list && chk_job1_get_is_monitor (job))
    g_ptr_array_add (notes, g_strdup (_("monitor")));
  /* show has a line of its own, with until when */
  if (for_list && chk_cli_job_is_snoozed (job, g_get_real_time ()))
    g_ptr_array_add (notes, g_strdup (_("snoozed")));
  if (!chk_job1_get_enabled (job))
    g_ptr_array_add (notes, g_strdup (_("disabled")));
  if (notes->len == 0)
    return g_steal_pointer (&status);

  g_ptr_array_add (notes, NULL);
  {
    g_autofree char *joined = g_strjoinv (", ", (char **) notes->pdata);

    /* "failure (exit 3, monitor, snoozed, disabled)" */
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
      /* Column headers have a context of their own: some are also the
       * placeholders of options (SCHEDULE), which stay as the man page has them. */
      g_autoptr(ChkTable) table = chk_table_new (5, C_("column", "NAME"),
                                                 C_("column", "SCHEDULE"),
                                                 C_("column", "NEXT RUN"),
                                                 C_("column", "LAST RUN"),
                                                 C_("column", "STATUS"));
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
  g_autofree char *padded = chk_format_padded (label, 20);

  g_print ("%s %s\n", padded, shown[0] != '\0' ? shown : "-");
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
    print_field (_("Host:"), chk_job_host_describe (chk_job1_get_host (job)));
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
    chk_cli_print_orchestration (job, print_field);
    print_field (_("Runs kept:"), max_runs);
    print_field (_("Output kept:"), max_output);
    print_field (_("Notify on:"), chk_job1_get_notify_on (job));
    print_field (_("Email on:"), chk_job1_get_email_on (job));
    print_field (_("Email to:"), email_to);
    print_field (_("Webhook URL:"), chk_cli_is_set (chk_job1_get_webhook_url (job))
                                    ? chk_job1_get_webhook_url (job)
                                    : _("the webhook-url setting"));
    chk_cli_print_watch (job, print_field);
    print_field (_("Monitor:"), chk_job1_get_is_monitor (job) ? _("yes") : _("no"));
    print_field (_("Monitor URL:"), chk_job1_get_monitor_url (job));
    print_field (_("Last run:"), last_started);
    if (last_local != NULL)
      print_field ("", last_local);
    /* An interrupted run was found so at the daemon's next start: no end of its own */
    if (chk_job1_get_last_run_finished (job) > chk_job1_get_last_run_started (job) &&
        chk_job1_get_last_run_started (job) > 0 &&
        chk_outcome_from_string (chk_job1_get_last_outcome (job)) != CHK_OUTCOME_INTERRUPTED)
      {
        g_autofree char *duration = chk_duration_format ((chk_job1_get_last_run_finished (job) -
                                                          chk_job1_get_last_run_started (job)) / G_USEC_PER_SEC);

        print_field (_("Last duration:"), duration);
      }
    if (chk_job1_get_last_run_started (job) > 0 || chk_job1_get_running (job))
      print_last_run_accounting (job);
    print_field (_("Status:"), state);
    if (chk_cli_is_set (chk_job1_get_waiting_for (job)))
      print_field (_("Waiting for:"), chk_job1_get_waiting_for (job));
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
