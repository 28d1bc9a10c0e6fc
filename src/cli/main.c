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
