/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chronikerctl"

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
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
#include "chk-duration.h"
#include "chk-error.h"
#include "chk-job-spec.h"
#include "chk-schedule.h"

#define TEST_EMAIL_TIMEOUT_MS (90 * 1000)

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
      chk_set_key_error (error, CHK_ERROR_INVALID_ARGUMENT, "smtp-password",
                         _("no password was given (to remove it, give '')"));
      return NULL;
    }
  if (strpbrk (text, "\r\n") != NULL || !g_utf8_validate (text, -1, NULL))
    {
      chk_set_key_error (error, CHK_ERROR_INVALID_ARGUMENT, "smtp-password",
                         _("the password must be one line of UTF-8 text"));
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

/* login-start */

int
chk_cli_verb_login_start (int    argc,
                          char **argv)
{
  g_auto(ChkCliVerbCall) call = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *how = NULL;
  gboolean enable;

  if (!chk_cli_verb_begin (&call, NULL, &argc, &argv, 1, CHK_CLI_VERB_UTF8))
    return call.status;
  if (argc == 2 && !parse_bool (argv[1], &enable))
    return chk_cli_usage_error (call.context, _("“%s” is not on or off"), argv[1]);
  if (!chk_cli_verb_connect (&call))
    return call.status;

  if (argc == 2)
    {
      if (!chk_scheduler1_call_set_login_start_sync (call.client.scheduler, enable, NULL, &error))
        return chk_cli_fail_error (error);
      return 0;
    }

  if (!chk_scheduler1_call_get_login_start_sync (call.client.scheduler, &how, NULL, &error))
    return chk_cli_fail_error (error);
  /* The daemon's word, for scripts: "systemd-unit", "autostart", or "none". */
  g_print ("%s\n", how[0] != '\0' ? how : "none");
  return 0;
}

/* hosts */

static void
print_hosts (GVariant   *hosts,
             const char *this_host,
             gboolean    color)
{
  g_autoptr(ChkTable) table = chk_table_new (4, C_("column", "HOST"), C_("column", "STATE"),
                                             C_("column", "LAST HEARTBEAT"),
                                             C_("column", "RUNNING"));
  GVariantIter iter;
  GVariant *host;

  g_variant_iter_init (&iter, hosts);
  while ((host = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = host;
      g_autofree char *name = NULL;
      g_autofree char *last = NULL;
      g_autofree char *running = NULL;
      const char *hostname = "";
      gboolean connected = FALSE;
      gint64 heartbeat = 0;
      guint32 n_running = 0;

      g_variant_lookup (host, "hostname", "&s", &hostname);
      g_variant_lookup (host, "connected", "b", &connected);
      g_variant_lookup (host, "last-heartbeat", "x", &heartbeat);
      g_variant_lookup (host, "running", "u", &n_running);

      /* Translators: in chronikerctl hosts, the host the daemon asked runs on */
      name = g_ascii_strcasecmp (hostname, this_host) == 0
             ? g_strdup_printf (_("%s (this host)"), hostname) : g_strdup (hostname);
      last = chk_format_local_time (heartbeat);
      running = g_strdup_printf ("%u", n_running);
      chk_table_add_row (table, name,
                         /* Translators: a host whose daemon is connected to the database */
                         connected ? C_("host state", "connected")
                         /* Translators: a host whose daemon is not connected any more */
                         : C_("host state", "gone"),
                         last, running);
      chk_table_set_color (table, 1, chk_format_color_for (connected ? "success" : "skipped"));
    }
  chk_table_print (table, color);
}

int
chk_cli_verb_hosts (int    argc,
                    char **argv)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_auto(ChkCliVerbCall) call = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) hosts = NULL;
  const char *this_host;

  if (!chk_cli_verb_begin (&call, entries, &argc, &argv, 0, CHK_CLI_VERB_UTF8))
    return call.status;
  if (!chk_cli_verb_connect (&call))
    return call.status;

  if (!chk_scheduler1_call_list_hosts_sync (call.client.scheduler, &hosts, NULL, &error))
    return chk_cli_fail_error (error);

  if (json)
    {
      g_autoptr(JsonArray) array = json_array_new ();
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);
      GVariantIter iter;
      GVariant *host;

      g_variant_iter_init (&iter, hosts);
      while ((host = g_variant_iter_next_value (&iter)) != NULL)
        {
          json_array_add_element (array, chk_json_from_dict (host));
          g_variant_unref (host);
        }
      json_node_set_array (root, array);
      chk_json_print (root);
      return 0;
    }

  this_host = chk_scheduler1_get_hostname (call.client.scheduler);
  print_hosts (hosts, this_host != NULL ? this_host : "",
               chk_format_use_color (STDOUT_FILENO));
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
        g_print (_("line %u: job %" PRIu64 " “%s” %s\n"), job->line, id, shown, done);
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

/*
 * The keys that name other jobs are set once every job of the import
 * exists: export lists jobs by id, and a job may name one made after it.
 * Takes @spec apart into the keys a job is made with and, in
 * @out_links, the non-empty link keys, or NULL when it has none.
 */
static GVariant *
split_off_links (GVariant  *spec,
                 GVariant **out_links)
{
  static const char * const link_keys[] = { "depends-on", "run-on-success", "run-on-failure" };
  g_auto(GVariantDict) plain = G_VARIANT_DICT_INIT (spec);
  g_auto(GVariantDict) links = G_VARIANT_DICT_INIT (NULL);
  gboolean any = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (link_keys); i++)
    {
      g_autoptr(GVariant) value = g_variant_dict_lookup_value (&plain, link_keys[i], NULL);

      if (value == NULL)
        continue;
      g_variant_dict_remove (&plain, link_keys[i]);
      if (g_variant_is_container (value) && g_variant_n_children (value) == 0)
        continue;
      g_variant_dict_insert_value (&links, link_keys[i], value);
      any = TRUE;
    }

  *out_links = any ? g_variant_ref_sink (g_variant_dict_end (&links)) : NULL;
  return g_variant_ref_sink (g_variant_dict_end (&plain));
}

/* A job an import made, whose links are set once all are made */
typedef struct
{
  guint     index;
  char     *path;
  GVariant *links;
} ImportLinks;

static void
import_links_free (ImportLinks *pending)
{
  g_free (pending->path);
  g_variant_unref (pending->links);
  g_free (pending);
}

static void
print_import_problem (JsonNode   *element,
                      guint       index,
                      GError     *error)
{
  const char *name = json_object_get_string_member_with_default (json_node_get_object (element),
                                                                 "name", "?");
  g_autofree char *shown_name = chk_format_escape (name);
  g_autofree char *shown_message = NULL;

  g_dbus_error_strip_remote_error (error);
  shown_message = chk_format_escape (error->message);
  g_printerr (_("chronikerctl: “%s” (entry %u of the array): %s\n"), shown_name, index + 1,
              shown_message);
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
  g_autoptr(GPtrArray) linked = g_ptr_array_new_with_free_func ((GDestroyNotify) import_links_free);

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
      g_autoptr(GVariant) plain = NULL;
      g_autoptr(GVariant) job_links = NULL;
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
        {
          /* The links are set later: checked now, so that a bad one makes nothing */
          g_autoptr(ChkJobSpec) check = chk_job_spec_new ();

          if (!chk_job_spec_update (check, g_variant_ref_sink (spec), &local_error))
            g_clear_pointer (&spec, g_variant_unref);
          else
            plain = split_off_links (spec, &job_links);
        }
      if (spec == NULL ||
          !chk_scheduler1_call_create_job_sync (call.client.scheduler, plain, &path, NULL,
                                                &local_error))
        {
          print_import_problem (element, i, local_error);
          failed++;
          continue;
        }
      imported++;
      if (job_links != NULL)
        {
          ImportLinks *pending = g_new0 (ImportLinks, 1);

          pending->index = i;
          pending->path = g_steal_pointer (&path);
          pending->links = g_steal_pointer (&job_links);
          g_ptr_array_add (linked, pending);
        }
    }

  /* Now that every job is there, the ones they name are too */
  for (guint i = 0; i < linked->len; i++)
    {
      ImportLinks *pending = g_ptr_array_index (linked, i);
      g_autoptr(ChkJob1) job = NULL;
      g_autoptr(GError) local_error = NULL;

      job = chk_job1_proxy_new_sync (call.client.connection,
                                     G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
                                     G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS,
                                     CHK_BUS_NAME, pending->path, NULL, &local_error);
      if (job == NULL || !chk_job1_call_update_sync (job, pending->links, NULL, &local_error))
        {
          g_dbus_error_strip_remote_error (local_error);
          g_prefix_error (&local_error, _("made without its depends-on and run-on-*: "));
          print_import_problem (json_array_get_element (array, pending->index), pending->index,
                                local_error);
          failed++;
        }
    }

  g_print (g_dngettext (GETTEXT_PACKAGE, "Imported %u job\n", "Imported %u jobs\n", imported), imported);
  return failed > 0 ? 1 : 0;
}
