/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chronikerctl"

#include "config.h"

#include <glib/gi18n.h>

#include "chk-cli-format.h"
#include "chk-cli-verbs.h"
#include "chk-cli-watch.h"
#include "chk-duration.h"

/*
 * The keys of watching over time (DESIGN §7) on the command line: the
 * options of add and edit for expected-duration and alert-after-failures,
 * the verbs snooze and unsnooze for snoozed-until, and how show and list
 * print them.
 */

void
chk_cli_watch_options_clear (ChkCliWatchOptions *o)
{
  g_free (o->expected_duration);
  g_free (o->alert_after_failures);
}

/* Puts the keys of the options given in @dict, as chk_cli_orchestration_options_add() does. */
gboolean
chk_cli_watch_options_add (ChkCliWatchOptions *o,
                           GVariantDict       *dict,
                           GOptionContext     *context,
                           int                *out_status)
{
  static const char * const keys[] = { "expected-duration", "alert-after-failures", NULL };

  if (o->expected_duration != NULL)
    {
      guint32 seconds;

      if (!chk_cli_parse_duration_option (context, "--expected-duration", o->expected_duration,
                                          &seconds, out_status))
        return FALSE;
      g_variant_dict_insert (dict, "expected-duration", "u", seconds);
    }

  if (o->alert_after_failures != NULL)
    {
      guint64 n;

      if (!g_ascii_string_to_unsigned (o->alert_after_failures, 10, 0, G_MAXUINT32, &n, NULL))
        {
          *out_status = chk_cli_usage_error (context,
                                             _("--alert-after-failures: “%s” is not a number"),
                                             o->alert_after_failures);
          return FALSE;
        }
      g_variant_dict_insert (dict, "alert-after-failures", "u", (guint32) n);
    }

  /* "--alert-after-failures: 0 is not between 1 and 1000" */
  return chk_cli_check_spec_keys (dict, keys, context, out_status);
}

/* A time to come, as snooze and show say it: "2026-11-23 11:00:00 +01:00 (in 2 h)" */
static char *
format_until (gint64 until,
              gint64 now)
{
  g_autofree char *local = chk_format_local_time (until);
  g_autofree char *relative = chk_format_relative_time (until, now);

  return g_strdup_printf ("%s (%s)", local, relative);
}

gboolean
chk_cli_job_is_snoozed (ChkJob1 *job,
                        gint64   now)
{
  return chk_job1_get_snoozed_until (job) > now;
}

/**
 * chk_cli_print_watch:
 * @job: a job proxy
 * @print_field: how show prints a field
 *
 * Prints the watching keys of @job that are not at their defaults, in
 * words; a snooze only while it lasts.
 */
void
chk_cli_print_watch (ChkJob1          *job,
                     ChkCliPrintField  print_field)
{
  guint32 expected = chk_job1_get_expected_duration (job);
  guint32 failures = chk_job1_get_alert_after_failures (job);
  gint64 now = g_get_real_time ();

  if (expected > 0)
    {
      g_autofree char *text = chk_duration_format (expected);

      print_field (_("Expected duration:"), text);
    }
  /* 0 from a daemon older than the key; 1, the default, alerts on every failure */
  if (failures > 1)
    {
      /* Translators: show's "Alerts:" line, e.g. "after 3 failures in a row" */
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "after %u failure in a row",
                                                            "after %u failures in a row",
                                                            failures),
                                               failures);

      print_field (_("Alerts:"), text);
    }
  if (chk_cli_job_is_snoozed (job, now))
    {
      g_autofree char *text = format_until (chk_job1_get_snoozed_until (job), now);

      print_field (_("Snoozed until:"), text);
    }
}

/* snooze and unsnooze */

static gboolean
set_snoozed_until (ChkJob1 *job,
                   gint64   until,
                   int     *out_status)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GError) error = NULL;

  g_variant_dict_insert (&dict, "snoozed-until", "x", until);
  if (!chk_job1_call_update_sync (job, g_variant_dict_end (&dict), NULL, &error))
    {
      *out_status = chk_cli_fail_error (error);
      return FALSE;
    }
  return TRUE;
}

/* When a snooze of @argv (the words of a DURATION) or @until_text ends */
static gboolean
parse_snooze_end (GOptionContext  *context,
                  char           **words,
                  const char      *until_text,
                  gint64           now,
                  gint64          *out_until,
                  int             *out_status)
{
  if (until_text != NULL && words[0] != NULL)
    {
      *out_status = chk_cli_usage_error (context, _("give a DURATION or --until, not both"));
      return FALSE;
    }
  if (until_text == NULL && words[0] == NULL)
    {
      *out_status = chk_cli_usage_error (context, _("for how long? Give a DURATION such as 2h, "
                                                    "or --until TIME"));
      return FALSE;
    }

  if (until_text != NULL)
    {
      if (!chk_cli_parse_time (until_text, out_until))
        {
          *out_status = chk_cli_usage_error (context, _("--until: “%s” is not a time such as "
                                                        "2026-11-23T09:00"), until_text);
          return FALSE;
        }
      if (*out_until <= now)
        {
          *out_status = chk_cli_usage_error (context, _("--until: %s is not in the future"),
                                             until_text);
          return FALSE;
        }
    }
  else
    {
      /* "snooze backup 1 hour 30 min" without quotes */
      g_autofree char *text = g_strjoinv (" ", words);
      g_autoptr(GError) error = NULL;
      guint64 seconds;

      if (!chk_duration_parse (text, &seconds, &error))
        {
          *out_status = chk_cli_usage_error (context, "%s", error->message);
          return FALSE;
        }
      if (seconds == 0)
        {
          *out_status = chk_cli_usage_error (context, _("a snooze of 0 ends at once: to end one, "
                                                        "use unsnooze"));
          return FALSE;
        }
      *out_until = now + (gint64) seconds * G_USEC_PER_SEC;
    }
  return TRUE;
}

int
chk_cli_verb_snooze (int    argc,
                     char **argv)
{
  g_autofree char *until_text = NULL;
  GOptionEntry entries[] = {
    { "until", 0, 0, G_OPTION_ARG_STRING, &until_text,
      N_("Until this time (ISO 8601, such as 2026-11-23T09:00)"), N_("TIME") },
    { NULL }
  };
  g_auto(ChkCliVerbCall) call = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *until_shown = NULL;
  gint64 now = g_get_real_time ();
  gint64 until = 0;

  if (!chk_cli_verb_begin (&call, entries, &argc, &argv, CHK_CLI_VERB_ANY_ARGS,
                           CHK_CLI_VERB_UTF8))
    return call.status;
  if (argc < 2)
    return chk_cli_usage_error (call.context, _("which job? Give its NAME"));
  if (!parse_snooze_end (call.context, argv + 2, until_text, now, &until, &call.status))
    return call.status;

  if (!chk_cli_verb_connect (&call))
    return call.status;
  call.job = chk_client_get_job (&call.client, argv[1], &error);
  if (call.job == NULL)
    return chk_cli_fail_error (error);
  if (!set_snoozed_until (call.job, until, &call.status))
    return call.status;

  name = chk_format_escape (chk_job1_get_name (call.job));
  until_shown = format_until (until, now);
  /* Translators: what snooze did, e.g. "No alerts for “backup” until 2026-11-23 11:00:00
   * +01:00 (in 2 h)" */
  g_print (_("No alerts for “%s” until %s\n"), name, until_shown);
  return 0;
}

int
chk_cli_verb_unsnooze (int    argc,
                       char **argv)
{
  g_auto(ChkCliVerbCall) call = { 0 };

  if (!chk_cli_verb_begin (&call, NULL, &argc, &argv, 1, CHK_CLI_VERB_JOB))
    return call.status;
  if (!set_snoozed_until (call.job, 0, &call.status))
    return call.status;
  return 0;
}
