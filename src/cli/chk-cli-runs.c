/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chronikerctl"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chk-cli-client.h"
#include "chk-cli-format.h"
#include "chk-cli-json.h"
#include "chk-cli-verbs.h"
#include "chk-ansi.h"
#include "chk-duration.h"
#include "chk-eta.h"
#include "chk-outcome.h"

#define READ_PAGE_BYTES (1024 * 1024)

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
        if (chk_outcome_is_finished (chk_outcome_from_string (outcome)))
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
  else if (chk_outcome_from_string (wait.outcome) == CHK_OUTCOME_SUCCESS)
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
      status = chk_outcome_from_string (wait.outcome) == CHK_OUTCOME_FAILURE &&
               wait.exit_code > 0 && wait.exit_code < 256 ? wait.exit_code : 1;
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

/* Every outcome a run can have, as the bus says them, for an error message */
static char *
join_outcomes (void)
{
  g_autoptr(GString) known = g_string_new (NULL);

  for (ChkOutcome outcome = CHK_OUTCOME_RUNNING; outcome < CHK_OUTCOME_UNKNOWN; outcome++)
    g_string_append_printf (known, "%s%s", known->len > 0 ? ", " : "", chk_outcome_to_string (outcome));
  return g_string_free (g_steal_pointer (&known), FALSE);
}

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
  if (outcome != NULL && !chk_outcome_is_valid_string (outcome))
    {
      g_autofree char *known = join_outcomes ();

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
      g_autoptr(ChkTable) table = chk_table_new (11, C_("column", "RUN"), C_("column", "JOB"),
                                                 C_("column", "STARTED"),
                                                 C_("column", "DURATION"),
                                                 C_("column", "OUTCOME"), C_("column", "EXIT"),
                                                 C_("column", "TRIGGER"), C_("column", "HOST"),
                                                 C_("column", "CPU"),
                                                 C_("column", "MEMORY"),
                                                 C_("column", "CONTAINMENT"));
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
          guint32 attempt = 0;
          gboolean running_long = FALSE;
          const char *job_name = "", *run_outcome = "", *trigger = "", *alert_error = "";
          const char *containment = "", *message = "", *job_path = "", *hostname = "";
          g_autofree char *id_text = NULL;
          g_autofree char *started_text = NULL;
          g_autofree char *duration = NULL;
          g_autofree char *exit_text = NULL;
          g_autofree char *cpu_text = NULL;
          g_autofree char *memory_text = NULL;
          g_autofree char *trigger_text = NULL;
          g_autofree char *outcome_text = NULL;

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
          g_variant_lookup (run, "attempt", "u", &attempt);
          g_variant_lookup (run, "running-long", "b", &running_long);
          g_variant_lookup (run, "hostname", "&s", &hostname);

          id_text = g_strdup_printf ("%" G_GUINT64_FORMAT, id);
          started_text = chk_format_relative_time (started, now);
          /* The daemon found an interrupted run so at its next start, which says
           * nothing of how long the run went on: "-" rather than a made-up time. */
          if (chk_outcome_from_string (run_outcome) == CHK_OUTCOME_INTERRUPTED)
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
          trigger_text = chk_format_trigger (trigger, attempt);
          memory_text = memory_peak > 0 ? g_format_size (memory_peak) : g_strdup ("-");
          if (alert_error[0] != '\0')
            g_ptr_array_add (alert_notes, g_strdup_printf (_("  run %" PRIu64 ": %s"),
                                                           id, alert_error));
          if (message[0] != '\0')
            g_ptr_array_add (run_notes, g_strdup_printf (_("  run %" PRIu64 ": %s"),
                                                         id, message));

          /* Translators: the outcome of a run that went on past the job's expected
           * duration, in the runs table: "success (long)" */
          outcome_text = running_long ? g_strdup_printf (_("%s (long)"), run_outcome)
                                      : g_strdup (run_outcome);
          chk_table_add_row (table, id_text, job_name, started_text, duration, outcome_text,
                             exit_text, trigger_text, hostname[0] != '\0' ? hostname : "-",
                             cpu_text, memory_text,
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
