/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chronikerctl"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "chk-cli-verbs.h"
#include "chk-i18n.h"

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
  { "stats", "[JOB]", N_("Show how many runs there were, how many failed, and how long they took."),
    chk_cli_verb_stats },
  { "snooze", "JOB (DURATION | --until TIME)", N_("Mute a job's alerts for a while."),
    chk_cli_verb_snooze },
  { "unsnooze", "JOB", N_("Let a snoozed job's alerts out again."), chk_cli_verb_unsnooze },
  { "clean", "--older-than DURATION", N_("Delete old finished runs."), chk_cli_verb_clean },
  { "preview", "SCHEDULE", N_("Describe a schedule and show its next runs."), chk_cli_verb_preview },
  { "hosts", "", N_("List the hosts that run the jobs, and which are there."),
    chk_cli_verb_hosts },
  { "settings", "[KEY [VALUE]]", N_("Show or change the daemon's settings."), chk_cli_verb_settings },
  { "test-email", "ADDRESS", N_("Send a test email with the email settings."), chk_cli_verb_test_email },
  { "login-start", "[on|off]", N_("Show or change whether the daemon starts when you log in."),
    chk_cli_verb_login_start },
  { "import-crontab", "[FILE|-]", N_("Make jobs of a crontab's lines."), chk_cli_verb_import_crontab },
  { "export", "", N_("Print every job as JSON."), chk_cli_verb_export },
  { "import", "--json [FILE|-]", N_("Make jobs of JSON from export."), chk_cli_verb_import },
};

static void
print_overview (FILE *out)
{
  fprintf (out, "%s\n", _("Usage: chronikerctl [--system] COMMAND [OPTION…]"));
  fprintf (out, "\n%s\n\n", _("Controls the Chroniker scheduler (chronikerd)."));
  fprintf (out, "%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
    fprintf (out, "  %-16s %s\n", verbs[i].name, _(verbs[i].summary));
  fprintf (out, "\n%s\n", _("Options:"));
  fprintf (out, "  %-16s %s\n", "--system",
           _("Talk to the system's scheduler (chronikerd --system) instead of your session's"));
  fprintf (out, "\n%s\n", _("Run “chronikerctl COMMAND --help” for a command's options."));
}

int
main (int   argc,
      char *argv[])
{
  chk_i18n_init ();

  /* The global option, before the command: "chronikerctl --system list". */
  if (argc >= 2 && g_str_equal (argv[1], "--system"))
    {
      chk_client_use_system_bus ();
      argv[1] = argv[0];
      argc--;
      argv++;
    }

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
