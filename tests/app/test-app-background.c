/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <adwaita.h>

#include "chk-background-request.h"
#include "chk-login-banner.h"
#include "chk-preferences-window.h"
#include "chk-test-fixture.h"
#include "chk-test-widgets.h"

/*
 * In the Flatpak the app asks the Background portal to start the daemon at
 * login when a scheduled job is saved. The portal here is a stand-in on the
 * test's own connection to the private bus: it writes down each
 * RequestBackground and answers as the test says. CHK_SANDBOXED makes the
 * app act as in a sandbox, or not.
 */

#define SECONDS 20

#define PORTAL_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"

static const char portal_xml[] =
  "<node><interface name='org.freedesktop.portal.Background'>"
  "<method name='RequestBackground'><arg type='s' direction='in'/>"
  "<arg type='a{sv}' direction='in'/><arg type='o' direction='out'/></method>"
  "</interface></node>";

typedef struct
{
  ChkTestFixture  base;
  GDBusConnection *connection;
  guint            object_id;
  guint            name_id;
  gboolean         owned;
  GPtrArray       *requests;  /* (element-type GVariant): each call's parameters */
  guint32          response;  /* what the user answers: 0 yes, 1 no */
  gboolean         autostart; /* whether the portal grants the start at login asked for */
} Fixture;

static gboolean
respond_cb (gpointer user_data)
{
  GTask *task = user_data;
  Fixture *fixture = g_task_get_task_data (task);
  const char *handle = g_object_get_data (G_OBJECT (task), "handle");
  const char *sender = g_object_get_data (G_OBJECT (task), "sender");
  gboolean asked = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "autostart"));
  GVariantBuilder results;
  g_autoptr(GError) error = NULL;

  g_variant_builder_init (&results, G_VARIANT_TYPE_VARDICT);
  if (fixture->response == 0)
    {
      g_variant_builder_add (&results, "{sv}", "background", g_variant_new_boolean (TRUE));
      g_variant_builder_add (&results, "{sv}", "autostart",
                             g_variant_new_boolean (asked && fixture->autostart));
    }
  /* Sent to the caller only, as the portal does. */
  g_dbus_connection_emit_signal (fixture->connection, sender, handle,
                                 "org.freedesktop.portal.Request", "Response",
                                 g_variant_new ("(ua{sv})", fixture->response, &results), &error);
  g_assert_no_error (error);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
portal_call_cb (GDBusConnection       *connection,
                const char            *sender,
                const char            *path,
                const char            *iface,
                const char            *method,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GVariant) options = NULL;
  g_autofree char *sender_path = NULL;
  const char *token = "t";
  gboolean autostart = FALSE;
  char *handle;
  GTask *task;

  g_ptr_array_add (fixture->requests, g_variant_ref (parameters));
  g_variant_get (parameters, "(&s@a{sv})", NULL, &options);
  g_variant_lookup (options, "handle_token", "&s", &token);
  g_variant_lookup (options, "autostart", "b", &autostart);
  sender_path = g_strdelimit (g_strdup (sender + 1), ".", '_');
  handle = g_strdup_printf ("/org/freedesktop/portal/desktop/request/%s/%s", sender_path, token);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", handle));

  /* The answer comes later, as the user's would. */
  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_task_data (task, fixture, NULL);
  g_object_set_data_full (G_OBJECT (task), "handle", handle, g_free);
  g_object_set_data_full (G_OBJECT (task), "sender", g_strdup (sender), g_free);
  g_object_set_data (G_OBJECT (task), "autostart", GINT_TO_POINTER (autostart));
  g_timeout_add (50, respond_cb, task);
}

static void
name_acquired_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  Fixture *fixture = user_data;

  fixture->owned = TRUE;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  static const GDBusInterfaceVTable vtable = { portal_call_cb, NULL, NULL, { 0 } };
  g_autoptr(GDBusNodeInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  chk_test_fixture_setup (&fixture->base, data);
  fixture->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  fixture->autostart = TRUE;
  chk_background_request_reset (chk_background_request_get_default ());
  g_setenv ("CHK_SANDBOXED", "1", TRUE);

  fixture->connection = g_object_ref (chk_test_session_get_connection (fixture->base.session));
  info = g_dbus_node_info_new_for_xml (portal_xml, &error);
  g_assert_no_error (error);
  fixture->object_id = g_dbus_connection_register_object (fixture->connection, PORTAL_PATH,
                                                          info->interfaces[0], &vtable, fixture,
                                                          NULL, &error);
  g_assert_no_error (error);
  fixture->name_id = g_bus_own_name_on_connection (fixture->connection, PORTAL_NAME,
                                                   G_BUS_NAME_OWNER_FLAGS_NONE,
                                                   name_acquired_cb, NULL, fixture, NULL);
  chk_assert_eventually (fixture->owned, SECONDS);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_bus_unown_name (fixture->name_id);
  g_dbus_connection_unregister_object (fixture->connection, fixture->object_id);
  g_clear_object (&fixture->connection);
  g_clear_pointer (&fixture->requests, g_ptr_array_unref);
  g_unsetenv ("CHK_SANDBOXED");
  chk_test_fixture_teardown (&fixture->base, data);
}

static ChkBackgroundState
state (void)
{
  return chk_background_request_get_state (chk_background_request_get_default ());
}

/* Saves @spec_text's job as the editor does once the daemon took it. */
static void
job_saved (Fixture    *fixture,
           const char *spec_text)
{
  g_autoptr(GVariant) spec = g_variant_ref_sink (g_variant_new_parsed (spec_text));

  chk_background_request_job_saved (chk_background_request_get_default (), fixture->connection,
                                    NULL, spec);
}

/* The editor saving a scheduled job asks the portal to run chronikerd at
 * login, with a reason; the portal's yes shows in the state. */
static void
test_editor_save_asks (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (&fixture->base, "nightly",
                                               "{'schedule': <'30 2 * * *'>}");
  g_autoptr(GVariant) options = NULL;
  g_autofree const char **commandline = NULL;
  const char *reason = NULL;
  gboolean autostart = FALSE;

  chk_test_fixture_open_editor (&fixture->base, path);

  /* A change, so that saving saves. */
  gtk_editable_set_text (chk_test_find_entry_row (fixture->base.editor, "Description"),
                         "Backs up the day's work");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->base.editor), "editor.save",
                                             NULL));

  chk_assert_eventually (fixture->requests->len == 1, SECONDS);
  chk_assert_eventually (state () == CHK_BACKGROUND_AUTOSTART, SECONDS);
  g_assert_null (fixture->base.editor);

  g_variant_get (fixture->requests->pdata[0], "(&s@a{sv})", NULL, &options);
  g_assert_true (g_variant_lookup (options, "autostart", "b", &autostart));
  g_assert_true (autostart);
  g_assert_true (g_variant_lookup (options, "commandline", "^a&s", &commandline));
  g_assert_cmpuint (g_strv_length ((char **) commandline), ==, 1);
  g_assert_cmpstr (commandline[0], ==, "chronikerd");
  g_assert_true (g_variant_lookup (options, "reason", "&s", &reason));
  g_assert_cmpstr (reason, !=, "");
  g_assert_true (g_variant_lookup (options, "handle_token", "&s", NULL));
}

/* Asked once per run of the app: the portal remembers the answer. */
static void
test_asks_once (Fixture       *fixture,
                gconstpointer  data)
{
  job_saved (fixture, "{'name': <'a'>, 'schedule': <'0 * * * *'>}");
  chk_assert_eventually (state () == CHK_BACKGROUND_AUTOSTART, SECONDS);
  job_saved (fixture, "{'name': <'b'>, 'schedule': <'0 3 * * *'>}");
  chk_test_iterate (0.3);
  g_assert_cmpuint (fixture->requests->len, ==, 1);
}

/* A job without a schedule, or paused, needs no background. */
static void
test_unscheduled_does_not_ask (Fixture       *fixture,
                               gconstpointer  data)
{
  job_saved (fixture, "{'name': <'manual'>, 'schedule': <''>}");
  job_saved (fixture, "@a{sv} {'name': <'no-schedule'>}");
  job_saved (fixture, "{'name': <'paused'>, 'schedule': <'0 * * * *'>, 'enabled': <false>}");
  chk_test_iterate (0.3);
  g_assert_cmpuint (fixture->requests->len, ==, 0);
  g_assert_cmpint (state (), ==, CHK_BACKGROUND_NOT_ASKED);
}

/* Outside a sandbox the unit or the autostart entry starts the daemon. */
static void
test_not_sandboxed_does_not_ask (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_setenv ("CHK_SANDBOXED", "0", TRUE);
  job_saved (fixture, "{'name': <'a'>, 'schedule': <'0 * * * *'>}");
  chk_test_iterate (0.3);
  g_assert_cmpuint (fixture->requests->len, ==, 0);
  g_assert_cmpint (state (), ==, CHK_BACKGROUND_NOT_ASKED);
}

/* The user says no, or the portal grants the background without login. */
static void
test_refused_and_no_autostart (Fixture       *fixture,
                               gconstpointer  data)
{
  fixture->response = 1;
  job_saved (fixture, "{'name': <'a'>, 'schedule': <'0 * * * *'>}");
  chk_assert_eventually (state () == CHK_BACKGROUND_REFUSED, SECONDS);
  g_assert_nonnull (chk_background_request_get_error (chk_background_request_get_default ()));

  chk_background_request_reset (chk_background_request_get_default ());
  fixture->response = 0;
  fixture->autostart = FALSE;
  job_saved (fixture, "{'name': <'a'>, 'schedule': <'0 * * * *'>}");
  chk_assert_eventually (state () == CHK_BACKGROUND_NO_AUTOSTART, SECONDS);
  g_assert_cmpuint (fixture->requests->len, ==, 2);
}

static gboolean
request_autostart (Fixture *fixture,
                   guint    index)
{
  g_autoptr(GVariant) options = NULL;
  gboolean autostart = FALSE;

  g_variant_get (fixture->requests->pdata[index], "(&s@a{sv})", NULL, &options);
  g_assert_true (g_variant_lookup (options, "autostart", "b", &autostart));
  g_assert_true (autostart == g_variant_lookup (options, "commandline", "^a&s", NULL));
  return autostart;
}

static char *
banner_title (Fixture *fixture)
{
  ChkLoginBanner *banner = chk_test_find_widget (fixture->base.window, CHK_TYPE_LOGIN_BANNER);

  return g_strdup (chk_login_banner_get_title (banner));
}

/* Scheduled jobs made before (or from the command line): the window asks
 * the portal itself. Refused, the banner says that jobs stop at the next
 * login; its button asks again. */
static void
test_banner (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (&fixture->base, "nightly",
                                               "{'schedule': <'30 2 * * *'>}");
  ChkLoginBanner *banner;

  fixture->response = 1;
  chk_test_fixture_open_window (&fixture->base, 800, 600);
  chk_assert_eventually (fixture->requests->len == 1, SECONDS);
  g_assert_true (request_autostart (fixture, 0));
  chk_assert_eventually (state () == CHK_BACKGROUND_REFUSED, SECONDS);
  chk_assert_eventually_cmpstr (banner_title (fixture), "Scheduled jobs will not run after you "
                                "log in again until Chroniker is opened", SECONDS);

  fixture->response = 0;
  banner = chk_test_find_widget (fixture->base.window, CHK_TYPE_LOGIN_BANNER);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (banner), "login-banner.start-at-login",
                                             NULL));
  chk_assert_eventually (state () == CHK_BACKGROUND_AUTOSTART, SECONDS);
  g_assert_cmpuint (fixture->requests->len, ==, 2);
  chk_assert_eventually_cmpstr (banner_title (fixture), "", SECONDS);
}

/* The Start at Login switch of the preferences asks the portal for, or
 * against, the start at login, and shows its answer. */
static void
test_preferences_switch (Fixture       *fixture,
                         gconstpointer  data)
{
  ChkPreferencesWindow *prefs;
  GtkSwitch *sw;

  chk_test_fixture_open_window (&fixture->base, 800, 600);
  prefs = chk_preferences_window_new (GTK_WINDOW (fixture->base.window),
                                      chk_job_model_get_scheduler (fixture->base.model));
  gtk_window_present (GTK_WINDOW (prefs));
  sw = chk_test_find_widget (chk_test_find_row (prefs, ADW_TYPE_ACTION_ROW, "Start at Login"),
                             GTK_TYPE_SWITCH);
  g_assert_false (gtk_switch_get_active (sw));

  gtk_switch_set_active (sw, TRUE);
  chk_assert_eventually (state () == CHK_BACKGROUND_AUTOSTART, SECONDS);
  g_assert_true (request_autostart (fixture, 0));
  g_assert_true (gtk_switch_get_active (sw));

  gtk_switch_set_active (sw, FALSE);
  chk_assert_eventually (state () == CHK_BACKGROUND_NO_AUTOSTART, SECONDS);
  g_assert_cmpuint (fixture->requests->len, ==, 2);
  g_assert_false (request_autostart (fixture, 1));
  g_assert_false (gtk_switch_get_active (sw));

  gtk_window_destroy (GTK_WINDOW (prefs));
}

int
main (int   argc,
      char *argv[])
{
  const struct {
    const char *path;
    void (*func) (Fixture *, gconstpointer);
  } tests[] = {
    { "/app/background/editor-save-asks", test_editor_save_asks },
    { "/app/background/asks-once", test_asks_once },
    { "/app/background/unscheduled-does-not-ask", test_unscheduled_does_not_ask },
    { "/app/background/not-sandboxed-does-not-ask", test_not_sandboxed_does_not_ask },
    { "/app/background/refused-and-no-autostart", test_refused_and_no_autostart },
    { "/app/background/banner", test_banner },
    { "/app/background/preferences-switch", test_preferences_switch },
  };
  const char *skip;

  chk_test_app_init (&argc, &argv);
  skip = chk_test_app_open_display ();

  for (guint i = 0; i < G_N_ELEMENTS (tests); i++)
    {
      if (skip != NULL)
        g_test_add_data_func (tests[i].path, skip, chk_test_skip_cb);
      else
        g_test_add (tests[i].path, Fixture, NULL, fixture_setup, tests[i].func,
                    fixture_teardown);
    }

  return g_test_run ();
}
