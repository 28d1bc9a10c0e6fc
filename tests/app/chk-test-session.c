/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-test"

#include "config.h"

#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "chk-test-session.h"

/* Calls from the test to the daemon; generous, for slow CI machines. */
#define CALL_TIMEOUT_MS 30000
/* How long a daemon has to take its name, or to go away. */
#define DAEMON_SECONDS 30

/*
 * ChkTestSession:
 *
 * What the app's tests and benchmark run against: a temporary directory,
 * a private session bus (GTestDBus, which also becomes the process's
 * session bus, so the app's ChkJobModel finds it), the real chronikerd
 * on a database in the directory, and a connection of the test's own to
 * change things "from outside" the app. Nothing of the developer's
 * session is touched: the daemon and D-Bus activation see XDG_DATA_HOME
 * in the temporary directory.
 */
struct _ChkTestSession
{
  char            *tmpdir;
  char            *data_home;
  char            *database;
  char            *old_data_home;
  GTestDBus       *bus;
  GDBusConnection *connection;
  GSubprocess     *daemon;
};

/* What to end when the test dies of an assertion or a crash: GTestDBus's
 * own watcher does not always see its parent go, and a dbus-daemon left
 * behind keeps the test's stdout open, so that meson waits for it. */
static volatile sig_atomic_t crash_bus_pid;
static volatile sig_atomic_t crash_daemon_pid;

static void
crash_cb (int signum)
{
  if (crash_daemon_pid > 0)
    kill (crash_daemon_pid, SIGKILL);
  if (crash_bus_pid > 0)
    kill (crash_bus_pid, SIGTERM);
  /* SA_RESETHAND made the action the default one: ended by the signal
   * here. Returning would not do for a trap (a fatal warning's
   * G_BREAKPOINT()), after which the test runs on without its bus. */
  raise (signum);
}

/* @n in decimal, ending at the end of @digits; async-signal-safe.
 * Returns: where it starts */
static char *
format_number (long  n,
               char  digits[24])
{
  char *start = digits + 24;

  do
    *--start = '0' + n % 10;
  while ((n /= 10) > 0);
  return start;
}

/* Nothing in a test sends it SIGTERM but the test runner at its timeout:
 * says on stderr which process did, its command line and where this one
 * was, then ends as SIGTERM would have. Async-signal-safe calls only
 * (backtrace() is, once loaded). */
static void
term_cb (int        signum,
         siginfo_t *info,
         void      *context)
{
  static const char prefix[] = "\nSIGTERM from pid ";
  char digits[24];
  char *pid = format_number (info->si_pid, digits);
  gsize pid_len = digits + sizeof digits - pid;
  char path[64] = "/proc/";
  char command[256];
  void *frames[64];
  ssize_t n = -1;
  int fd;

  (void) !write (STDERR_FILENO, prefix, sizeof prefix - 1);
  (void) !write (STDERR_FILENO, pid, pid_len);
  (void) !write (STDERR_FILENO, ": ", 2);

  /* /proc/PID/cmdline, its NULs as spaces */
  memcpy (path + strlen ("/proc/"), pid, pid_len);
  memcpy (path + strlen ("/proc/") + pid_len, "/cmdline", sizeof "/cmdline");
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0)
    {
      n = read (fd, command, sizeof command);
      close (fd);
    }
  for (ssize_t i = 0; i < n; i++)
    if (command[i] == '\0')
      command[i] = ' ';
  if (n > 0)
    (void) !write (STDERR_FILENO, command, n);
  (void) !write (STDERR_FILENO, "\n", 1);
  /* From the test itself (GDBus raises it when a bus connection that
   * exits on close loses its bus): where. */
  backtrace_symbols_fd (frames, backtrace (frames, G_N_ELEMENTS (frames)), STDERR_FILENO);

  crash_cb (signum);
}

static void
install_crash_handler (void)
{
  static gsize installed = 0;

  if (g_once_init_enter (&installed))
    {
      const int signals[] = { SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP };
      struct sigaction action = { 0 };
      struct sigaction term = { 0 };
      void *frames[1];

      action.sa_handler = crash_cb;
      action.sa_flags = SA_RESETHAND;
      sigemptyset (&action.sa_mask);
      for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
        sigaction (signals[i], &action, NULL);

      /* backtrace() loads libgcc at its first call: not in the handler. */
      backtrace (frames, G_N_ELEMENTS (frames));
      term.sa_sigaction = term_cb;
      term.sa_flags = SA_RESETHAND | SA_SIGINFO;
      sigemptyset (&term.sa_mask);
      sigaction (SIGTERM, &term, NULL);
      g_once_init_leave (&installed, 1);
    }
}

/**
 * chk_test_session_init:
 *
 * Call first thing in main(), while the process has a single thread.
 *
 * The first g_test_dbus_up() forks GTestDBus's watcher, which lives as
 * long as the test and then calls exit(). Forked later, once GTK and GIO
 * run threads of their own, it can inherit a lock another thread held
 * (GResource's, seen here), and hang in exit() for ever, holding the
 * test's output open so that the test runner waits for it. One bus up and
 * down now forks it while nothing can hold a lock.
 */
void
chk_test_session_init (void)
{
  /* g_test_dbus_down() unsets these: the display is still to be opened. */
  const char * const kept[] = { "DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS" };
  char *values[G_N_ELEMENTS (kept)] = { NULL, };
  g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);

  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    values[i] = g_strdup (g_getenv (kept[i]));

  g_test_dbus_up (bus);
  g_test_dbus_down (bus);

  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    {
      if (values[i] != NULL)
        g_setenv (kept[i], values[i], TRUE);
      g_free (values[i]);
    }
}

/**
 * chk_test_chronikerd:
 *
 * Returns: the chronikerd to test: $CHRONIKERD, or the one of the build tree
 */
const char *
chk_test_chronikerd (void)
{
  const char *path = g_getenv ("CHRONIKERD");

#ifdef CHK_TEST_BUILD_CHRONIKERD
  if (path == NULL || path[0] == '\0')
    path = CHK_TEST_BUILD_CHRONIKERD;
#endif
  if (path == NULL || path[0] == '\0')
    g_error ("Set CHRONIKERD to the chronikerd to test");
  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("%s is not there: build it first (meson compile daemon/chronikerd)", path);
  return path;
}

static guint32
connection_pid (ChkTestSession *session,
                const char     *name)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint32 pid = 0;

  reply = g_dbus_connection_call_sync (session->connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "GetConnectionUnixProcessID", g_variant_new ("(s)", name),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE,
                                       CALL_TIMEOUT_MS, NULL, &error);
  if (reply == NULL)
    g_error ("GetConnectionUnixProcessID %s: %s", name, error->message);
  g_variant_get (reply, "(u)", &pid);
  return pid;
}

static gboolean
name_has_owner (ChkTestSession *session)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_sync (session->connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", g_variant_new ("(s)", CHK_TEST_BUS_NAME),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE,
                                       CALL_TIMEOUT_MS, NULL, &error);
  if (reply == NULL)
    g_error ("NameHasOwner: %s", error->message);
  g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

static gboolean
daemon_owns_name_cb (gpointer user_data)
{
  ChkTestSession *session = user_data;

  if (g_subprocess_get_identifier (session->daemon) == NULL)
    g_error ("chronikerd exited before it took its name (see its messages above)");
  return name_has_owner (session);
}

static gboolean
daemon_gone_cb (gpointer user_data)
{
  ChkTestSession *session = user_data;

  return g_subprocess_get_identifier (session->daemon) == NULL && !name_has_owner (session);
}

static gboolean
name_gone_cb (gpointer user_data)
{
  return !name_has_owner (user_data);
}

/**
 * chk_test_session_new:
 * @activatable: whether the bus activates chronikerd ($CHK_DEV_SERVICES_DIR)
 *
 * Makes the temporary directory and brings up the private bus, which is
 * the process's session bus until chk_test_session_free(). No daemon runs
 * yet: see chk_test_session_start_daemon().
 *
 * Returns: (transfer full): a new session
 */
ChkTestSession *
chk_test_session_new (gboolean activatable)
{
  g_autoptr(GError) error = NULL;
  ChkTestSession *session = g_new0 (ChkTestSession, 1);

  session->tmpdir = g_dir_make_tmp ("chk-app-test-XXXXXX", &error);
  if (session->tmpdir == NULL)
    g_error ("No temporary directory: %s", error->message);
  session->data_home = g_build_filename (session->tmpdir, "data", NULL);
  /* Where D-Bus activation's chronikerd (no options) looks too, so that a
   * daemon started either way has the same jobs. */
  session->database = g_build_filename (session->data_home, "chroniker", "chroniker.db", NULL);

  /* Before the bus: dbus-daemon passes its environment to what it activates. */
  session->old_data_home = g_strdup (g_getenv ("XDG_DATA_HOME"));
  g_setenv ("XDG_DATA_HOME", session->data_home, TRUE);

  session->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  if (activatable)
    {
      const char *services = g_getenv ("CHK_DEV_SERVICES_DIR");

      if (services == NULL || services[0] == '\0')
        g_error ("Set CHK_DEV_SERVICES_DIR to the build tree's data/dev-services");
      g_test_dbus_add_service_dir (session->bus, services);
    }
  g_test_dbus_up (session->bus);

  session->connection =
    g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (session->bus),
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);
  if (session->connection == NULL)
    g_error ("Could not reach the test bus: %s", error->message);

  install_crash_handler ();
  crash_bus_pid = connection_pid (session, "org.freedesktop.DBus");
  g_test_message ("Test directory %s, bus %s", session->tmpdir,
                  g_test_dbus_get_bus_address (session->bus));

  return session;
}

const char *
chk_test_session_get_tmpdir (ChkTestSession *session)
{
  return session->tmpdir;
}

/**
 * chk_test_session_get_connection:
 * @session: a session
 *
 * Returns: (transfer none): the test's own connection to the bus (not the
 *   app's: the test's calls and the app's do not share a queue)
 */
GDBusConnection *
chk_test_session_get_connection (ChkTestSession *session)
{
  return session->connection;
}

/**
 * chk_test_session_start_daemon:
 * @session: a session
 *
 * Starts chronikerd (the real binary) on the session's database and waits
 * until it owns its name. Aborts the test when it cannot.
 */
void
chk_test_session_start_daemon (ChkTestSession *session)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = g_get_environ ();

  g_assert (session->daemon == NULL || g_subprocess_get_identifier (session->daemon) == NULL);
  g_clear_object (&session->daemon);

  env = g_environ_setenv (env, "DBUS_SESSION_BUS_ADDRESS",
                          g_test_dbus_get_bus_address (session->bus), TRUE);
  env = g_environ_setenv (env, "XDG_DATA_HOME", session->data_home, TRUE);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_environ (launcher, env);
  g_subprocess_launcher_set_cwd (launcher, session->tmpdir);
  g_subprocess_launcher_set_child_setup (launcher, chk_test_child_setup, NULL, NULL);
  /* Its messages go with the test's on stderr: stdout is the TAP stream. */
  g_subprocess_launcher_take_stdout_fd (launcher, dup (STDERR_FILENO));

  session->daemon = g_subprocess_launcher_spawn (launcher, &error, chk_test_chronikerd (),
                                                 "--database", session->database,
                                                 "--kill-grace", "300",
                                                 /* An email or webhook is tried again
                                                  * soon: its failure shows at once. */
                                                 "--retry-delays", "50",
                                                 NULL);
  if (session->daemon == NULL)
    g_error ("Could not start chronikerd: %s", error->message);
  crash_daemon_pid = atoi (g_subprocess_get_identifier (session->daemon));

  if (!chk_test_wait_until (daemon_owns_name_cb, session, DAEMON_SECONDS))
    g_error ("chronikerd did not take %s within %d s", CHK_TEST_BUS_NAME, DAEMON_SECONDS);
}

/**
 * chk_test_session_kill_daemon:
 * @session: a session
 *
 * Kills the daemon outright (SIGKILL, as a crash) and waits until it is
 * gone from the bus.
 */
void
chk_test_session_kill_daemon (ChkTestSession *session)
{
  g_assert_nonnull (session->daemon);

  g_subprocess_force_exit (session->daemon);
  if (!chk_test_wait_until (daemon_gone_cb, session, DAEMON_SECONDS))
    g_error ("chronikerd did not go away after SIGKILL");
}

/**
 * chk_test_session_daemon_is_up:
 * @session: a session
 *
 * Returns: whether chronikerd (ours, or one D-Bus activation started) owns its name
 */
gboolean
chk_test_session_daemon_is_up (ChkTestSession *session)
{
  return name_has_owner (session);
}

static void
stop_daemons (ChkTestSession *session)
{
  if (session->daemon != NULL && g_subprocess_get_identifier (session->daemon) != NULL)
    {
      g_subprocess_send_signal (session->daemon, SIGTERM);
      if (!chk_test_wait_until (daemon_gone_cb, session, DAEMON_SECONDS))
        {
          g_subprocess_force_exit (session->daemon);
          g_error ("chronikerd did not end within %d s of SIGTERM (killed)", DAEMON_SECONDS);
        }
    }

  /* One D-Bus activation started: only the bus knows it. */
  if (name_has_owner (session))
    {
      guint32 pid = connection_pid (session, CHK_TEST_BUS_NAME);

      if (pid > 0)
        kill ((pid_t) pid, SIGTERM);
      if (!chk_test_wait_until (name_gone_cb, session, DAEMON_SECONDS))
        {
          if (pid > 0)
            kill ((pid_t) pid, SIGKILL);
          g_error ("the activated chronikerd (%u) did not end within %d s of SIGTERM", pid,
                   DAEMON_SECONDS);
        }
    }
}

/**
 * chk_test_session_free:
 * @session: a session
 *
 * Stops every chronikerd of the session, takes the bus down (which waits
 * until nothing in the process holds the session bus any more: a leaked
 * proxy shows as a warning) and removes the temporary directory.
 */
void
chk_test_session_free (ChkTestSession *session)
{
  if (session == NULL)
    return;

  stop_daemons (session);
  g_clear_object (&session->daemon);

  crash_daemon_pid = 0;
  g_dbus_connection_close_sync (session->connection, NULL, NULL);
  g_clear_object (&session->connection);
  g_test_dbus_down (session->bus);
  g_clear_object (&session->bus);
  crash_bus_pid = 0;
  /* g_test_dbus_down() unset it: no bus until the next session. */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", CHK_TEST_NO_BUS_ADDRESS, TRUE);

  if (session->old_data_home != NULL)
    g_setenv ("XDG_DATA_HOME", session->old_data_home, TRUE);
  else
    g_unsetenv ("XDG_DATA_HOME");

  chk_test_remove_tree (session->tmpdir);
  g_free (session->tmpdir);
  g_free (session->data_home);
  g_free (session->database);
  g_free (session->old_data_home);
  g_free (session);
}

/**
 * chk_test_session_call:
 * @session: a session
 * @object_path: an object of chronikerd's
 * @interface: its interface
 * @method: the method
 * @parameters: (nullable) (transfer floating): the arguments
 * @reply_type: (nullable): the reply's type
 * @error: where to put an error
 *
 * Calls chronikerd from the test's own connection, and waits for it.
 *
 * Returns: (transfer full) (nullable): the reply
 */
GVariant *
chk_test_session_call (ChkTestSession  *session,
                       const char      *object_path,
                       const char      *interface,
                       const char      *method,
                       GVariant        *parameters,
                       const char      *reply_type,
                       GError         **error)
{
  GVariant *reply;

  reply = g_dbus_connection_call_sync (session->connection, CHK_TEST_BUS_NAME, object_path,
                                       interface, method, parameters,
                                       reply_type ? G_VARIANT_TYPE (reply_type) : NULL,
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS, NULL,
                                       error);
  if (reply == NULL && error != NULL && *error != NULL)
    g_dbus_error_strip_remote_error (*error);
  return reply;
}

/**
 * chk_test_session_create_job:
 * @session: a session
 * @spec: (transfer floating): the job's spec, an `a{sv}`
 *
 * Creates a job over D-Bus; aborts the test when the daemon refuses.
 *
 * Returns: (transfer full): its object path
 */
char *
chk_test_session_create_job (ChkTestSession *session,
                             GVariant       *spec)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  char *path = NULL;

  reply = chk_test_session_call (session, CHK_TEST_MANAGER_PATH, CHK_TEST_SCHEDULER1, "CreateJob",
                                 g_variant_new_tuple (&spec, 1), "(o)", &error);
  if (reply == NULL)
    g_error ("CreateJob: %s", error->message);
  g_variant_get (reply, "(o)", &path);
  return path;
}

/**
 * chk_test_session_job_call:
 * @session: a session
 * @job_path: a job
 * @method: a method of Job1 without a reply (Update, Delete, Stop)
 * @parameters: (nullable) (transfer floating): its arguments
 *
 * Calls a job's method; aborts the test when it fails.
 */
void
chk_test_session_job_call (ChkTestSession *session,
                           const char     *job_path,
                           const char     *method,
                           GVariant       *parameters)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = chk_test_session_call (session, job_path, CHK_TEST_JOB1, method, parameters, NULL,
                                 &error);
  if (reply == NULL)
    g_error ("%s on %s: %s", method, job_path, error->message);
}

/**
 * chk_test_session_job_property:
 * @session: a session
 * @job_path: a job
 * @property: a property of Job1, in CamelCase
 *
 * Returns: (transfer full): its value, read from the daemon now
 */
GVariant *
chk_test_session_job_property (ChkTestSession *session,
                               const char     *job_path,
                               const char     *property)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  GVariant *value = NULL;

  reply = chk_test_session_call (session, job_path, "org.freedesktop.DBus.Properties", "Get",
                                 g_variant_new ("(ss)", CHK_TEST_JOB1, property), "(v)", &error);
  if (reply == NULL)
    g_error ("Get %s of %s: %s", property, job_path, error->message);
  g_variant_get (reply, "(v)", &value);
  return value;
}
