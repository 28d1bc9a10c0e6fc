/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <adwaita.h>
#include <unistd.h>

#include "chk-application.h"
#include "chk-bus.h"
#include "chk-error.h"
#include "chk-preferences-window.h"
#include "chk-test-fixture.h"
#include "chk-test-session.h"
#include "chk-test-util.h"
#include "chk-test-widgets.h"
#include "chk-window.h"

/*
 * "Run Jobs While Logged Out": the preferences read and change logind's
 * linger of the user. logind here is python-dbusmock's on a system bus of
 * the test's own (DBUS_SYSTEM_BUS_ADDRESS, set before GIO looks at it), and
 * its SetUserLinger changes the user's Linger as logind's does, or fails as
 * polkit's refusal does.
 *
 * The same system bus has `chronikerd --system` for the System Jobs window,
 * with no polkitd on it: polkit cannot be asked, so the daemon refuses.
 */

#define SECONDS 20

#define LOGIN1_NAME  "org.freedesktop.login1"
#define LOGIN1_PATH  "/org/freedesktop/login1"
#define MANAGER      "org.freedesktop.login1.Manager"
#define MOCK_IFACE   "org.freedesktop.DBus.Mock"

static GSubprocess     *system_bus_daemon;
static GSubprocess     *logind;
static GDBusConnection *system_bus;
static char            *user_path;

typedef ChkTestFixture Fixture;

static GVariant *
call (const char         *path,
      const char         *iface,
      const char         *method,
      GVariant           *parameters,
      const GVariantType *reply_type)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply = g_dbus_connection_call_sync (system_bus, LOGIN1_NAME, path, iface, method,
                                                 parameters, reply_type,
                                                 G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

  g_assert_no_error (error);
  return reply;
}

static void
mock_method (const char *name,
             const char *in_sig,
             const char *out_sig,
             const char *code)
{
  g_autoptr(GVariant) reply = call (LOGIN1_PATH, MOCK_IFACE, "AddMethod",
                                    g_variant_new ("(sssss)", MANAGER, name, in_sig, out_sig,
                                                   code),
                                    NULL);
}

static gboolean
linger (void)
{
  g_autoptr(GVariant) reply = call (user_path, "org.freedesktop.DBus.Properties", "Get",
                                    g_variant_new ("(ss)", "org.freedesktop.login1.User",
                                                   "Linger"),
                                    G_VARIANT_TYPE ("(v)"));
  g_autoptr(GVariant) value = NULL;

  g_variant_get (reply, "(v)", &value);
  return g_variant_get_boolean (value);
}

/* logind's SetUserLinger: the user's Linger follows. */
static void
mock_linger_allowed (void)
{
  g_autofree char *code = g_strdup_printf (
    "objects['%s'].UpdateProperties('org.freedesktop.login1.User', "
    "{'Linger': dbus.Boolean(args[1])})", user_path);

  mock_method ("SetUserLinger", "ubb", "", code);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;

  chk_test_fixture_setup (fixture, data);
  mock_linger_allowed ();
  reply = call (user_path, MOCK_IFACE, "UpdateProperties",
                g_variant_new_parsed ("('org.freedesktop.login1.User', {'Linger': <false>})"),
                NULL);
  chk_test_fixture_open_window (fixture, 800, 600);
}

static GtkSwitch *
open_linger_switch (Fixture               *fixture,
                    ChkPreferencesWindow **out_prefs)
{
  ChkPreferencesWindow *prefs;
  AdwActionRow *row;

  prefs = chk_preferences_window_new (GTK_WINDOW (fixture->window),
                                      chk_job_model_get_scheduler (fixture->model));
  gtk_window_present (GTK_WINDOW (prefs));
  row = chk_test_find_row (prefs, ADW_TYPE_ACTION_ROW, "Run Jobs While Logged Out");
  chk_assert_eventually (gtk_widget_get_sensitive (GTK_WIDGET (row)), SECONDS);
  *out_prefs = prefs;
  return chk_test_find_widget (row, GTK_TYPE_SWITCH);
}

/* The switch shows logind's Linger, and turning it on or off asks logind,
 * interactively, for this user. */
static void
test_linger_follows_logind (Fixture       *fixture,
                            gconstpointer  data)
{
  ChkPreferencesWindow *prefs;
  GtkSwitch *sw = open_linger_switch (fixture, &prefs);
  g_autoptr(GVariant) calls = NULL;
  g_autoptr(GVariant) args = NULL;
  gboolean found = FALSE;
  GVariantIter iter;
  const char *method;
  guint32 uid;
  gboolean enable, interactive;

  g_assert_false (gtk_switch_get_active (sw));
  call (LOGIN1_PATH, MOCK_IFACE, "ClearCalls", NULL, NULL);

  gtk_switch_set_active (sw, TRUE);
  chk_assert_eventually (linger (), SECONDS);
  chk_test_iterate (0.2);
  g_assert_true (gtk_switch_get_active (sw));

  calls = call (LOGIN1_PATH, MOCK_IFACE, "GetCalls", NULL, G_VARIANT_TYPE ("(a(tsav))"));
  g_variant_iter_init (&iter, g_variant_get_child_value (calls, 0));
  while (g_variant_iter_next (&iter, "(t&s@av)", NULL, &method, &args))
    {
      if (g_str_equal (method, "SetUserLinger"))
        {
          g_autoptr(GVariant) v0 = g_variant_get_child_value (args, 0);
          g_autoptr(GVariant) v1 = g_variant_get_child_value (args, 1);
          g_autoptr(GVariant) v2 = g_variant_get_child_value (args, 2);
          g_autoptr(GVariant) u = g_variant_get_variant (v0);
          g_autoptr(GVariant) e = g_variant_get_variant (v1);
          g_autoptr(GVariant) i = g_variant_get_variant (v2);

          uid = g_variant_get_uint32 (u);
          enable = g_variant_get_boolean (e);
          interactive = g_variant_get_boolean (i);
          g_assert_cmpuint (uid, ==, getuid ());
          g_assert_true (enable);
          g_assert_true (interactive);
          found = TRUE;
        }
      g_clear_pointer (&args, g_variant_unref);
    }
  g_assert_true (found);

  gtk_switch_set_active (sw, FALSE);
  chk_assert_eventually (!linger (), SECONDS);
  gtk_window_destroy (GTK_WINDOW (prefs));
}

/* polkit says no: a toast says so and the switch shows what logind has. */
static void
test_linger_refused (Fixture       *fixture,
                     gconstpointer  data)
{
  ChkPreferencesWindow *prefs;
  GtkSwitch *sw = open_linger_switch (fixture, &prefs);

  mock_method ("SetUserLinger", "ubb", "",
               "raise dbus.exceptions.DBusException('Access denied by polkit', "
               "name='org.freedesktop.DBus.Error.AccessDenied')");
  gtk_switch_set_active (sw, TRUE);
  chk_assert_eventually (chk_test_find_label_containing (prefs, "Access denied by polkit") != NULL,
                         SECONDS);
  chk_assert_eventually (!gtk_switch_get_active (sw), SECONDS);
  g_assert_false (linger ());
  gtk_window_destroy (GTK_WINDOW (prefs));
}

static gboolean
system_scheduler_up (gpointer user_data)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (system_bus, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", g_variant_new ("(s)", CHK_TEST_BUS_NAME),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

/* The System Jobs window says which jobs it shows, and that polkit's
 * refusal is a refusal, not a scheduler out of reach. */
static void
test_system_jobs_refused (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *folder = NULL;
  g_autofree char *database = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) daemon = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkJobModel) model = NULL;
  ChkWindow *window;
  GtkStack *main_stack;
  AdwStatusPage *page;

  if (getuid () != 0)
    {
      g_test_skip ("chronikerd --system runs as root only");
      return;
    }

  folder = g_build_filename (chk_test_session_get_tmpdir (fixture->session), "system", NULL);
  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  database = g_build_filename (folder, "chroniker.db", NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_child_setup (launcher, chk_test_child_setup, NULL, NULL);
  /* Its messages go with the test's on stderr: stdout is the TAP stream. */
  g_subprocess_launcher_take_stdout_fd (launcher, dup (STDERR_FILENO));
  daemon = g_subprocess_launcher_spawn (launcher, &error, chk_test_chronikerd (), "--system",
                                        "--database", database, NULL);
  g_assert_no_error (error);
  chk_assert_eventually (system_scheduler_up (NULL), SECONDS);

  model = chk_job_model_new_for_system ();
  window = chk_window_new (NULL, model);
  gtk_window_present (GTK_WINDOW (window));
  chk_job_model_connect (model);
  chk_assert_eventually (chk_job_model_get_state (model) == CHK_JOB_MODEL_FAILED, SECONDS);
  g_assert_true (chk_job_model_is_system (model));
  g_assert_error ((GError *) chk_job_model_get_error (model), CHK_ERROR,
                  CHK_ERROR_PERMISSION_DENIED);
  /* Its calls may have polkit ask for a password (chronikerctl's test watches
   * the flag on the bus) */
  {
    g_autoptr(GDBusConnection) system_bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);

    g_assert_no_error (error);
    g_assert_true (chk_bus_is_interactive (system_bus));
  }

  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "System Jobs");
  main_stack = chk_test_find_stack_with_page (window, "connecting");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (main_stack), ==, "failed");
  page = chk_test_find_widget (gtk_stack_get_child_by_name (main_stack, "failed"),
                               ADW_TYPE_STATUS_PAGE);
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "Not Allowed");
  g_assert_cmpstr (adw_status_page_get_icon_name (page), ==, "action-unavailable-symbolic");
  g_assert_nonnull (strstr (adw_status_page_get_description (page), "polkit"));
  /* The session's jobs are another window's, which this one is not */
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (fixture->window)), ==, "Chroniker");

  gtk_window_destroy (GTK_WINDOW (window));
  g_subprocess_send_signal (daemon, SIGTERM);
  g_subprocess_wait (daemon, NULL, NULL);
}

/* Preferences from the System Jobs window are the system scheduler's, or
 * none while it is out of reach: never the session's instead. */
static ChkPreferencesWindow *
find_preferences (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (CHK_IS_PREFERENCES_WINDOW (window))
        return CHK_PREFERENCES_WINDOW (window);
    }
  return NULL;
}

static gboolean
preferences_of_window_cb (gpointer user_data)
{
  Fixture *fixture = user_data;
  GtkApplication *application = GTK_APPLICATION (fixture->application);
  GtkWindow *session, *system;
  ChkPreferencesWindow *preferences;

  g_application_activate (G_APPLICATION (application));
  chk_assert_eventually ((session = gtk_application_get_active_window (application)) != NULL,
                         SECONDS);
  chk_assert_eventually (chk_job_model_get_state (chk_window_get_model (CHK_WINDOW (session))) ==
                         CHK_JOB_MODEL_READY, SECONDS);

  /* No system scheduler on the test's system bus: out of reach */
  g_action_group_activate_action (G_ACTION_GROUP (application), "system-jobs", NULL);
  system = gtk_application_get_active_window (application);
  g_assert_true (CHK_IS_WINDOW (system) && system != session);
  chk_assert_eventually (chk_job_model_get_state (chk_window_get_model (CHK_WINDOW (system))) ==
                         CHK_JOB_MODEL_FAILED, SECONDS);
  g_action_group_activate_action (G_ACTION_GROUP (application), "preferences", NULL);
  chk_test_iterate (0.2);
  g_assert_null (find_preferences ());

  /* From My Jobs, the session's (closing the other makes it the active
   * one: no window manager moves the focus here) */
  gtk_window_destroy (system);
  g_assert_true (gtk_application_get_active_window (application) == session);
  g_action_group_activate_action (G_ACTION_GROUP (application), "preferences", NULL);
  chk_assert_eventually ((preferences = find_preferences ()) != NULL, SECONDS);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (preferences)) == session);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (preferences)), !=,
                   "System Jobs Preferences");

  for (GList *windows; (windows = gtk_application_get_windows (application)) != NULL;)
    gtk_window_destroy (windows->data);
  g_application_quit (G_APPLICATION (application));
  return G_SOURCE_REMOVE;
}

static void
test_system_preferences (Fixture       *fixture,
                         gconstpointer  data)
{
  char *argv[] = { (char *) "chroniker", (char *) "--gapplication-service", NULL };

  fixture->application = G_APPLICATION (chk_application_new ());
  g_application_hold (fixture->application);
  g_idle_add (preferences_of_window_cb, fixture);
  g_assert_cmpint (g_application_run (fixture->application, G_N_ELEMENTS (argv) - 1, argv),
                   ==, 0);
}

static void
start_system_bus (void)
{
  const char * const dbusmock[] = {
    "/usr/bin/python3", "-m", "dbusmock", "--system", "--template", "logind", NULL
  };
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autoptr(GVariant) reply = NULL;
  gint64 deadline;

  system_bus_daemon = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "dbus-daemon",
                                        "--session", "--nofork", "--print-address=1", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (system_bus_daemon));
  address = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (address);
  /* Before GIO first looks for the system bus. */
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);

  logind = g_subprocess_newv (dbusmock, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
  g_assert_no_error (error);
  system_bus = g_dbus_connection_new_for_address_sync (
    address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
    G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL, NULL, &error);
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + SECONDS * G_USEC_PER_SEC;
  for (;;)
    {
      gboolean owned = FALSE;

      reply = g_dbus_connection_call_sync (system_bus, "org.freedesktop.DBus",
                                           "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                           "NameHasOwner", g_variant_new ("(s)", LOGIN1_NAME),
                                           G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                           NULL, &error);
      g_assert_no_error (error);
      g_variant_get (reply, "(b)", &owned);
      g_clear_pointer (&reply, g_variant_unref);
      if (owned)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20000);
    }

  reply = call (LOGIN1_PATH, MOCK_IFACE, "AddUser",
                g_variant_new ("(usb)", (guint32) getuid (), "me", TRUE), G_VARIANT_TYPE ("(s)"));
  g_variant_get (reply, "(s)", &user_path);
  /* The template's GetUser answers with a path of another form. */
  {
    g_autofree char *code = g_strdup_printf ("ret = dbus.ObjectPath('%s')", user_path);

    mock_method ("GetUser", "u", "o", code);
  }
}

static void
stop_system_bus (void)
{
  g_clear_object (&system_bus);
  g_subprocess_force_exit (logind);
  g_subprocess_wait (logind, NULL, NULL);
  g_clear_object (&logind);
  g_subprocess_force_exit (system_bus_daemon);
  g_subprocess_wait (system_bus_daemon, NULL, NULL);
  g_clear_object (&system_bus_daemon);
  g_clear_pointer (&user_path, g_free);
}

int
main (int   argc,
      char *argv[])
{
  const ChkTestFixtureCase cases[] = {
    { "/app/session/linger-follows-logind", test_linger_follows_logind, fixture_setup },
    { "/app/session/linger-refused", test_linger_refused, fixture_setup },
    { "/app/session/system-jobs-refused", test_system_jobs_refused, fixture_setup },
    { "/app/session/system-preferences", test_system_preferences },
  };
  const char *skip;
  int status;

  chk_test_app_init (&argc, &argv);
  skip = chk_test_app_open_display ();
  if (skip == NULL && !g_file_test ("/usr/lib/python3/dist-packages/dbusmock",
                                    G_FILE_TEST_IS_DIR))
    skip = "python3-dbusmock is not installed";
  if (skip == NULL)
    start_system_bus ();

  chk_test_fixture_add_cases (cases, G_N_ELEMENTS (cases), skip);
  status = g_test_run ();

  if (skip == NULL)
    stop_system_bus ();
  return status;
}
