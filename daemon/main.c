/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chronikerd"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chk-alerts.h"
#include "chk-authority.h"
#include "chk-background.h"
#include "chk-containment.h"
#include "chk-dbus-util.h"
#include "chk-engine.h"
#include "chk-error.h"
#include "chk-forward.h"
#include "chk-i18n.h"
#include "chk-portal.h"
#include "chk-service.h"
#include "chk-store.h"

/* How long --replace waits for the daemon it replaces to let go of the database. */
#define REPLACE_WAIT_MS 30000

/* --system's database: StateDirectory=chroniker of chronikerd-system.service */
#define SYSTEM_DATABASE "/var/lib/chroniker/chroniker.db"

typedef struct
{
  GMainLoop       *loop;
  ChkEngine       *engine;
  ChkAlerts       *alerts;
  ChkService      *service;
  ChkBackground   *background;
  GDBusConnection *connection;
  char            *database;
  int              lock_fd;
  guint            own_id;
  gboolean         name_acquired;
  gboolean         env_read;
  gboolean         shutting_down;
  gboolean         once;
  gboolean         replace;
  gboolean         system;
  int              kill_grace_ms;
  gboolean         host_runner;
  char            *hostname;        /* NULL: the machine's */
  GArray          *retry_delays_ms;
  guint            once_check;
  int              exit_status;
} Daemon;

static void
daemon_quit (Daemon *daemon,
             int     status)
{
  if (status != 0)
    daemon->exit_status = status;
  g_main_loop_quit (daemon->loop);
}

static void
shutdown_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Daemon *daemon = user_data;

  chk_engine_shutdown_finish (CHK_ENGINE (object), result, NULL);
  g_debug ("Shut down");
  daemon_quit (daemon, 0);
}

static void
daemon_shutdown (Daemon *daemon)
{
  if (daemon->shutting_down)
    return;
  daemon->shutting_down = TRUE;

  if (daemon->engine == NULL)
    {
      daemon_quit (daemon, 0);
      return;
    }

  g_message ("Shutting down: runs under way are stopped and recorded as interrupted");
  chk_engine_shutdown_async (daemon->engine, NULL, shutdown_done_cb, daemon);
}

static gboolean
quit_signal_cb (gpointer user_data)
{
  daemon_shutdown (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
try_lock (Daemon   *daemon,
          GError  **error)
{
  g_autofree char *lock_path = NULL;
  g_autofree char *dir = NULL;

  /* A fleet's database is shared by design: nothing to lock */
  if (chk_store_location_is_server (daemon->database))
    return TRUE;

  lock_path = g_strconcat (daemon->database, ".lock", NULL);
  dir = g_path_get_dirname (daemon->database);

  if (daemon->lock_fd < 0)
    {
      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE, "Could not create %s: %s", dir,
                       g_strerror (errno));
          return FALSE;
        }

      /* Like the database: never create or open a file through a link
       * someone put there. */
      daemon->lock_fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (daemon->lock_fd < 0)
        {
          int saved_errno = errno;

          g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE, "Could not open %s: %s", lock_path,
                       saved_errno == ELOOP ? "it is a symbolic link" : g_strerror (saved_errno));
          return FALSE;
        }
    }

  if (flock (daemon->lock_fd, LOCK_EX | LOCK_NB) != 0)
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_ALREADY_RUNNING,
                   "Another chronikerd is using %s (use --replace to take over)", daemon->database);
      return FALSE;
    }

  return TRUE;
}

/*
 * The store the daemon uses: the one at --database; or, when that is this
 * host's own SQLite file and its fleet-database setting names a fleet's
 * PostgreSQL database, that one, with the file kept for the settings of
 * this host (*out_local). A fleet's database that cannot be opened leaves
 * the daemon on the file, saying why in *out_problem: a wrong setting
 * must not keep the daemon, where it would be put right, from starting.
 */
static ChkStore *
open_store (Daemon    *daemon,
            ChkStore **out_local,
            char     **out_problem,
            GError   **error)
{
  g_autoptr(ChkStore) local = NULL;
  g_autoptr(GVariant) fleet = NULL;
  g_autoptr(GError) fleet_error = NULL;
  ChkStore *store;

  if (chk_store_location_is_server (daemon->database))
    return chk_store_open (daemon->database, error);

  local = chk_store_open (daemon->database, error);
  if (local == NULL)
    return NULL;
  fleet = chk_store_get_setting (local, "fleet-database", &fleet_error);
  if (fleet == NULL && fleet_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&fleet_error));
      return NULL;
    }
  if (fleet == NULL || !g_variant_is_of_type (fleet, G_VARIANT_TYPE_STRING) ||
      g_variant_get_string (fleet, NULL)[0] == '\0')
    return g_steal_pointer (&local);

  if (!chk_store_check_server_location (g_variant_get_string (fleet, NULL), &fleet_error) ||
      (store = chk_store_open (g_variant_get_string (fleet, NULL), &fleet_error)) == NULL)
    {
      g_warning ("Using this host's own database: %s", fleet_error->message);
      /* Translators: StorageProblem, when the fleet-database setting could not be used */
      *out_problem = g_strdup_printf (_("Could not use the fleet’s database, so this host runs "
                                        "the jobs of its own until the scheduler starts again: "
                                        "%s"), fleet_error->message);
      return g_steal_pointer (&local);
    }
  g_message ("Using the fleet's database that the fleet-database setting names");
  *out_local = g_steal_pointer (&local);
  return store;
}

static gboolean
daemon_load (Daemon  *daemon,
             GError **error)
{
  g_autoptr(ChkStore) store = NULL;
  g_autoptr(ChkStore) local = NULL;
  g_autofree char *fleet_problem = NULL;

  store = open_store (daemon, &local, &fleet_problem, error);
  if (store == NULL)
    return FALSE;

  daemon->engine = chk_engine_new (store, NULL);
  chk_engine_set_fleet_problem (daemon->engine, fleet_problem);
  if (daemon->hostname != NULL)
    chk_engine_set_hostname (daemon->engine, daemon->hostname);
  if (daemon->host_runner)
    {
      /* --once has no bus of its own: the host is reached through the
       * session bus all the same. */
      if (daemon->connection == NULL)
        daemon->connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);
      if (daemon->connection == NULL)
        {
          g_prefix_error (error, "--runner=host needs the session bus: ");
          g_clear_object (&daemon->engine);
          return FALSE;
        }
      chk_engine_set_host_bus (daemon->engine, daemon->connection);
    }
  if (!chk_engine_load (daemon->engine, error) ||
      (local != NULL &&
       !chk_settings_set_local_store (chk_engine_get_settings (daemon->engine), local, error)))
    {
      g_clear_object (&daemon->engine);
      return FALSE;
    }
#ifdef __GLIBC__
  /* Loading 10,000 stored specs leaves about 9 MiB of freed memory among
   * the jobs; glibc would keep it for good (issue 18). */
  malloc_trim (0);
#endif

  if (daemon->kill_grace_ms >= 0)
    chk_engine_set_kill_grace (daemon->engine, daemon->kill_grace_ms);

  daemon->alerts = chk_alerts_new (daemon->engine);
  chk_alerts_set_system (daemon->alerts, daemon->system);
  if (daemon->retry_delays_ms != NULL)
    chk_alerts_set_retry_delays (daemon->alerts, (const guint *) (gpointer) daemon->retry_delays_ms->data,
                                 daemon->retry_delays_ms->len);
  return TRUE;
}

static void
name_acquired_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  Daemon *daemon = user_data;

  daemon->name_acquired = TRUE;
  g_debug ("Owning %s", name);

  /* Runs start once clients can see them: their signals come from the
   * name; and once the session's environment is known. */
  if (daemon->engine != NULL && daemon->env_read && !daemon->shutting_down)
    chk_engine_start (daemon->engine);
}

static void
name_lost_cb (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  Daemon *daemon = user_data;

  if (connection == NULL)
    {
      g_printerr ("chronikerd: the %s bus is gone\n", daemon->system ? "system" : "session");
      daemon_quit (daemon, 1);
    }
  else if (!daemon->name_acquired && daemon->system)
    {
      /* The system bus refuses the name to all but root (our bus policy file), or
       * to everyone where that file is not installed. */
      g_printerr ("chronikerd: could not own %s on the system bus: another process owns it "
                  "(use --replace to take over), or the bus's policy does not allow it (is "
                  "%s.conf installed in a system.d folder of the bus?)\n", name, name);
      daemon_quit (daemon, 1);
    }
  else if (!daemon->name_acquired)
    {
      g_printerr ("chronikerd: %s is owned by another process (use --replace to take over)\n", name);
      daemon_quit (daemon, 1);
    }
  else
    {
      g_message ("Replaced by another chronikerd");
      daemon_shutdown (daemon);
    }
}

static void
own_name (Daemon *daemon)
{
  GBusNameOwnerFlags flags = G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT;

  if (daemon->replace)
    flags |= G_BUS_NAME_OWNER_FLAGS_REPLACE;

  daemon->own_id = g_bus_own_name_on_connection (daemon->connection, CHK_BUS_NAME, flags,
                                                 name_acquired_cb, name_lost_cb, daemon, NULL);
}

static void
env_read_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Daemon *daemon = user_data;
  g_autoptr(GError) error = NULL;

  if (!chk_job_env_refresh_finish (CHK_JOB_ENV (object), result, &error))
    g_message ("Could not read the systemd user manager's environment: %s; jobs get the "
               "daemon's own for now", error->message);

  daemon->env_read = TRUE;
  if (daemon->name_acquired && !daemon->shutting_down)
    chk_engine_start (daemon->engine);
}

static gboolean
daemon_serve (Daemon  *daemon,
              GError **error)
{
  g_autoptr(ChkAuthority) authority = NULL;
  ChkJobEnv *job_env;

  if (!daemon_load (daemon, error))
    return FALSE;

  /* The system bus has no systemd user manager to take the jobs' environment from. */
  if (daemon->system)
    {
      daemon->env_read = TRUE;
    }
  else
    {
      job_env = chk_engine_get_job_env (daemon->engine);
      chk_job_env_set_session_bus (job_env, daemon->connection);
      chk_job_env_refresh_async (job_env, NULL, env_read_cb, daemon);
    }

  /* Who may call: in a session its user; on the system bus, whom polkit allows. */
  authority = chk_authority_new (daemon->system ? CHK_AUTHORITY_SYSTEM : CHK_AUTHORITY_SESSION);
  chk_dbus_set_authority (authority);
  /* The system bus tells root alone: each caller hears its own jobs. */
  if (daemon->system)
    chk_forward_start (daemon->connection);

  daemon->service = chk_service_new (daemon->engine, daemon->alerts);
  if (!chk_service_export (daemon->service, daemon->connection, error))
    return FALSE;

  /* In the Flatpak, GNOME's list of background apps says what it does. */
  if (chk_portal_is_sandboxed ())
    daemon->background = chk_background_new (daemon->engine, daemon->connection);

  if (daemon->own_id == 0)
    own_name (daemon);
  else if (daemon->name_acquired && daemon->env_read)
    chk_engine_start (daemon->engine);
  return TRUE;
}

/* With --replace, the old daemon lets go of the database once it lost the name and stopped. */
static gboolean
wait_for_lock_cb (gpointer user_data)
{
  Daemon *daemon = user_data;
  static gint64 deadline;
  g_autoptr(GError) error = NULL;

  if (deadline == 0)
    deadline = g_get_monotonic_time () + REPLACE_WAIT_MS * 1000;

  if (!try_lock (daemon, &error))
    {
      if (g_get_monotonic_time () < deadline && !daemon->shutting_down)
        return G_SOURCE_CONTINUE;
      g_printerr ("chronikerd: %s\n", error->message);
      daemon_quit (daemon, 1);
      return G_SOURCE_REMOVE;
    }

  if (!daemon->shutting_down && !daemon_serve (daemon, &error))
    {
      g_printerr ("chronikerd: %s\n", error->message);
      daemon_quit (daemon, 1);
    }
  return G_SOURCE_REMOVE;
}

/*
 * --system keeps every user's jobs, run as those users: only root can do
 * that, and its database must be out of everyone else's reach, whose
 * folder a user could otherwise swap for one of theirs.
 */
static gboolean
check_system_mode (Daemon  *daemon,
                   GError **error)
{
  g_autofree char *dir = NULL;
  struct stat st;

  if (geteuid () != 0)
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_PERMISSION_DENIED,
                   "--system must run as root, to run each job as its user (this is uid %u); "
                   "for your own jobs, run chronikerd without --system",
                   (guint) geteuid ());
      return FALSE;
    }

  /* A fleet's database server guards its data itself */
  if (chk_store_location_is_server (daemon->database))
    return TRUE;

  dir = g_path_get_dirname (daemon->database);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE, "Could not create %s: %s", dir,
                   g_strerror (errno));
      return FALSE;
    }
  if (stat (dir, &st) != 0)
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE, "Could not look at %s: %s", dir,
                   g_strerror (errno));
      return FALSE;
    }
  if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                   "The database's folder %s belongs to uid %u with mode %04o: --system keeps "
                   "its database only in a folder that root owns and no one else may write",
                   dir, (guint) st.st_uid, (guint) (st.st_mode & 07777));
      return FALSE;
    }
  return TRUE;
}

/* --autostart (the XDG autostart entry's command): asks the bus to start the
 * daemon and exits. The bus starts it once, through the systemd user unit
 * where the bus is systemd's (SystemdService=), else by running it: however
 * many sessions, autostart entries and units ask, one daemon runs. */
static int
request_start (void)
{
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint32 result;

  connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (connection != NULL)
    reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus",
                                         "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                         "StartServiceByName",
                                         g_variant_new ("(su)", CHK_BUS_NAME, (guint32) 0),
                                         G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                         NULL, &error);
  if (reply == NULL)
    {
      g_printerr ("chronikerd: could not start %s: %s\n", CHK_BUS_NAME, error->message);
      return 1;
    }

  g_variant_get (reply, "(u)", &result);
  if (result == 1)
    g_debug ("Started %s", CHK_BUS_NAME);
  else
    g_debug ("%s was already running", CHK_BUS_NAME);
  return 0;
}

/* --once ends when the runs are over and their emails and webhooks delivered.
 * Checked from an idle: the running count drops before the run's
 * "run-finished" has started its deliveries. */
static gboolean
once_check_cb (gpointer user_data)
{
  Daemon *daemon = user_data;

  daemon->once_check = 0;
  if (chk_engine_get_running_count (daemon->engine) == 0 &&
      chk_alerts_get_pending (daemon->alerts) == 0 &&
      !daemon->shutting_down)
    daemon_quit (daemon, 0);
  return G_SOURCE_REMOVE;
}

static void
once_idle_cb (GObject    *object,
              GParamSpec *pspec,
              Daemon     *daemon)
{
  if (daemon->once_check == 0)
    daemon->once_check = g_idle_add (once_check_cb, daemon);
}

static int
run_once (Daemon *daemon)
{
  g_autoptr(GError) error = NULL;
  guint started;

  if (!try_lock (daemon, &error) || !daemon_load (daemon, &error))
    {
      g_printerr ("chronikerd: %s\n", error->message);
      return 1;
    }

  started = chk_engine_run_due (daemon->engine);
  g_debug ("%u jobs were due", started);
  if (chk_engine_get_running_count (daemon->engine) == 0)
    return 0;

  g_signal_connect (daemon->engine, "notify::running-count", G_CALLBACK (once_idle_cb), daemon);
  g_signal_connect (daemon->alerts, "notify::pending", G_CALLBACK (once_idle_cb), daemon);
  g_main_loop_run (daemon->loop);
  return daemon->exit_status;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *database = NULL;
  gboolean once = FALSE;
  gboolean autostart = FALSE;
  gboolean replace = FALSE;
  gboolean system = FALSE;
  gboolean verbose = FALSE;
  gboolean version = FALSE;
  int kill_grace_ms = -1;
  g_autofree char *retry_delays = NULL;
  g_autofree char *containment = NULL;
  g_autofree char *runner = NULL;
  g_autofree char *hostname = NULL;
  ChkContainmentMode containment_mode;
  Daemon daemon = { 0 };
  const GOptionEntry entries[] = {
    { "database", 'd', 0, G_OPTION_ARG_FILENAME, &database,
      N_("The SQLite database (default: $XDG_DATA_HOME/chroniker/chroniker.db; with --system, "
         "/var/lib/chroniker/chroniker.db), or a fleet's PostgreSQL database, "
         "postgresql://…, whose password is in a password or service file"), N_("PATH|URI") },
    { "system", 0, 0, G_OPTION_ARG_NONE, &system,
      N_("Serve the system's jobs on the system bus, as root, each run as its user; polkit "
         "decides who may do what"), NULL },
    { "once", 0, 0, G_OPTION_ARG_NONE, &once,
      N_("Run the jobs that are due, wait for them, and exit (for a system cron line)"), NULL },
    { "autostart", 0, 0, G_OPTION_ARG_NONE, &autostart,
      N_("Ask the session bus to start chronikerd, unless it runs already, and exit (for the "
         "autostart entry)"), NULL },
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &replace,
      N_("Replace a running chronikerd"), NULL },
    { "kill-grace", 0, 0, G_OPTION_ARG_INT, &kill_grace_ms,
      N_("How long a stopped or timed-out run has between SIGTERM and SIGKILL (default 5000)"),
      N_("MILLISECONDS") },
    { "retry-delays", 0, 0, G_OPTION_ARG_STRING, &retry_delays,
      N_("The waits between tries of an email or webhook, comma-separated (default 1000,5000,30000)"),
      N_("MILLISECONDS,…") },
    { "containment", 0, 0, G_OPTION_ARG_STRING, &containment,
      N_("How runs are held together: auto (a cgroup each where the system allows, else "
         "the process group), cgroup or process-group (default auto)"), N_("MODE") },
    { "runner", 0, 0, G_OPTION_ARG_STRING, &runner,
      N_("Where jobs run: auto (on the host when chronikerd runs in a Flatpak sandbox, else "
         "here), local or host (through Flatpak's HostCommand) (default auto)"), N_("MODE") },
    { "hostname", 0, 0, G_OPTION_ARG_STRING, &hostname,
      N_("The name this host goes by in run records and in jobs' host key (default: the "
         "machine's host name)"), N_("NAME") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Log debug messages"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { NULL }
  };

  chk_i18n_init ();

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Runs Chroniker's jobs on their schedules and serves "
                                           "them on the D-Bus session bus, or with --system on "
                                           "the system bus."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("chronikerd: %s\n", error->message);
      return 2;
    }
  if (argc > 1)
    {
      g_printerr ("chronikerd: unexpected argument “%s”\n", argv[1]);
      return 2;
    }

  if (version)
    {
      g_print ("chronikerd %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (verbose)
    g_log_set_debug_enabled (TRUE);

  if (system && (autostart || (runner != NULL && g_strcmp0 (runner, "local") != 0)))
    {
      if (autostart)
        g_printerr ("chronikerd: --system does not go with --autostart (a session's entry)\n");
      else
        g_printerr ("chronikerd: --system runs its jobs itself: it does not go with "
                    "--runner=%s\n", runner);
      return 2;
    }

  if (autostart)
    return request_start ();

  if (retry_delays != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (retry_delays, ",", -1);

      daemon.retry_delays_ms = g_array_new (FALSE, FALSE, sizeof (guint));
      for (guint i = 0; parts[i] != NULL && retry_delays[0] != '\0'; i++)
        {
          guint64 ms;
          guint delay;

          if (!g_ascii_string_to_unsigned (g_strstrip (parts[i]), 10, 0, 3600 * 1000, &ms, &error))
            {
              g_printerr ("chronikerd: --retry-delays: “%s”: %s\n", parts[i], error->message);
              return 2;
            }
          delay = (guint) ms;
          g_array_append_val (daemon.retry_delays_ms, delay);
        }
    }

  if (hostname != NULL && !chk_check_host_name ("--hostname", hostname, &error))
    {
      g_printerr ("chronikerd: %s\n", error->message);
      return 2;
    }
  daemon.hostname = g_steal_pointer (&hostname);

  if (containment != NULL)
    {
      if (!chk_containment_mode_from_string (containment, &containment_mode))
        {
          g_printerr ("chronikerd: --containment: “%s” is not auto, cgroup or process-group\n",
                      containment);
          return 2;
        }
      chk_containment_set_default_mode (containment_mode);
    }

  if (system)
    daemon.host_runner = FALSE;
  else if (runner == NULL || g_strcmp0 (runner, "auto") == 0)
    daemon.host_runner = chk_portal_is_sandboxed ();
  else if (g_strcmp0 (runner, "host") == 0 || g_strcmp0 (runner, "local") == 0)
    daemon.host_runner = g_strcmp0 (runner, "host") == 0;
  else
    {
      g_printerr ("chronikerd: --runner: “%s” is not auto, local or host\n", runner);
      return 2;
    }

  daemon.loop = g_main_loop_new (NULL, FALSE);
  daemon.lock_fd = -1;
  daemon.once = once;
  daemon.replace = replace;
  daemon.system = system;
  daemon.kill_grace_ms = kill_grace_ms;
  if (database != NULL)
    daemon.database = g_steal_pointer (&database);
  else if (system)
    daemon.database = g_strdup (SYSTEM_DATABASE);
  else
    daemon.database = g_build_filename (g_get_user_data_dir (), "chroniker", "chroniker.db", NULL);

  if (system && !check_system_mode (&daemon, &error))
    {
      g_printerr ("chronikerd: %s\n", error->message);
      g_main_loop_unref (daemon.loop);
      g_free (daemon.database);
      g_free (daemon.hostname);
      return 1;
    }

  g_unix_signal_add (SIGTERM, quit_signal_cb, &daemon);
  g_unix_signal_add (SIGINT, quit_signal_cb, &daemon);

  if (once)
    {
      daemon.exit_status = run_once (&daemon);
    }
  else
    {
      gboolean serving = FALSE;

      daemon.connection = g_bus_get_sync (system ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION, NULL,
                                          &error);
      if (daemon.connection == NULL && system)
        {
          const char *address = g_getenv ("DBUS_SYSTEM_BUS_ADDRESS");

          g_prefix_error (&error, "cannot reach the system bus at %s: ",
                          address != NULL ? address : "/run/dbus/system_bus_socket");
        }
      else if (daemon.connection == NULL)
        {
          g_prefix_error (&error, "cannot reach the session bus: ");
        }
      else
        {
          /* The bus going away ends us through SIGTERM, cleanly. */
          g_dbus_connection_set_exit_on_close (daemon.connection, TRUE);
        }

      if (daemon.connection != NULL && try_lock (&daemon, &error))
        {
          serving = daemon_serve (&daemon, &error);
        }
      else if (daemon.connection != NULL && replace &&
               g_error_matches (error, CHK_ERROR, CHK_ERROR_ALREADY_RUNNING))
        {
          g_clear_error (&error);
          /* Take the name first: that is what tells the old daemon to go. */
          own_name (&daemon);
          /* Clients see the name without objects until then: keep it short. */
          g_timeout_add (10, wait_for_lock_cb, &daemon);
          serving = TRUE;
        }

      if (serving)
        {
          g_main_loop_run (daemon.loop);
        }
      else
        {
          /* Refused: what was made so far is freed below, as after a run */
          g_printerr ("chronikerd: %s\n", error->message);
          daemon.exit_status = 1;
        }
    }

  if (daemon.own_id != 0)
    g_bus_unown_name (daemon.own_id);
  if (daemon.service != NULL)
    chk_service_unexport (daemon.service);
  g_clear_object (&daemon.service);
  chk_forward_stop ();
  chk_dbus_set_authority (NULL);
  g_clear_object (&daemon.background);
  g_clear_object (&daemon.alerts);
  g_clear_object (&daemon.engine);
  g_clear_pointer (&daemon.retry_delays_ms, g_array_unref);
  if (daemon.connection != NULL)
    g_dbus_connection_flush_sync (daemon.connection, NULL, NULL);
  g_clear_object (&daemon.connection);
  g_clear_pointer (&daemon.loop, g_main_loop_unref);
  g_free (daemon.database);
  g_free (daemon.hostname);
  if (daemon.lock_fd >= 0)
    close (daemon.lock_fd);

  return daemon.exit_status;
}
