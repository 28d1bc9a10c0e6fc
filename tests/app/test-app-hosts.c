/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-app-hosts"

#include "config.h"

#include <adwaita.h>

#include "chk-hosts-window.h"
#include "chk-job-model.h"
#include "chk-test-fixture.h"
#include "chk-test-session.h"
#include "chk-test-widgets.h"
#include "chk-window.h"

/*
 * The Hosts window (Scheduler1.ListHosts) against the real chronikerd on a
 * private bus: opened from the main menu, it lists this host, connected,
 * with its runs under way, and follows them; with the daemon gone it says
 * so without starting it again, and it goes with its main window.
 */

#define SECONDS 30

/* ChkHostsWindow asks again every 10 s: a change shows within this. */
#define REFRESH_SECONDS 15

#define SINGLE_HOST_DESCRIPTION \
  "This scheduler keeps its jobs in a database of its own. Hosts that share a PostgreSQL " \
  "database with it show up here."

typedef ChkTestFixture Fixture;

/* The daemon's Hostname property, as the bus has it */
static char *
daemon_hostname (Fixture *fixture)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;

  reply = chk_test_session_call (fixture->session, CHK_TEST_MANAGER_PATH,
                                 "org.freedesktop.DBus.Properties", "Get",
                                 g_variant_new ("(ss)", CHK_TEST_SCHEDULER1, "Hostname"), "(v)",
                                 &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return g_variant_dup_string (value, NULL);
}

/* The item of @menu (and its sections) that activates @action, its label or NULL */
static char *
menu_label_for (GMenuModel *menu,
                const char *action)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);
      g_autofree char *item_action = NULL;
      char *label = NULL;

      if (section != NULL && (label = menu_label_for (section, action)) != NULL)
        return label;
      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &item_action) &&
          g_str_equal (item_action, action) &&
          g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &label))
        return label;
    }
  return NULL;
}

/* The hosts window of @parent on screen, or NULL */
static ChkHostsWindow *
find_hosts_window (GtkWindow *parent)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (CHK_IS_HOSTS_WINDOW (window) && gtk_window_get_transient_for (window) == parent &&
          gtk_widget_get_mapped (GTK_WIDGET (window)))
        return CHK_HOSTS_WINDOW (window);
    }
  return NULL;
}

/* Opens the Hosts window from the main menu's item, as a person would,
 * once it is on screen with the daemon's first answer. */
static ChkHostsWindow *
open_hosts (Fixture *fixture)
{
  GtkMenuButton *menu_button = NULL;
  g_autoptr(GPtrArray) buttons = chk_test_find_widgets (fixture->window, GTK_TYPE_MENU_BUTTON);
  g_autofree char *label = NULL;
  ChkHostsWindow *hosts = NULL;

  for (guint i = 0; i < buttons->len && menu_button == NULL; i++)
    if (gtk_menu_button_get_primary (buttons->pdata[i]))
      menu_button = buttons->pdata[i];
  g_assert_nonnull (menu_button);
  label = menu_label_for (gtk_menu_button_get_menu_model (menu_button), "win.show-hosts");
  /* With a mnemonic of its own: History and Help have the H */
  g_assert_cmpstr (label, ==, "H_osts");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.show-hosts", NULL));
  chk_assert_eventually ((hosts = find_hosts_window (GTK_WINDOW (fixture->window))) != NULL,
                         SECONDS);
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (hosts)));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (hosts)), ==, "Hosts");
  chk_assert_eventually (chk_hosts_window_get_n_loads (hosts) > 0, SECONDS);
  return hosts;
}

/* The subtitle of @hostname's row, its no-break spaces as spaces */
static char *
host_subtitle (ChkHostsWindow *hosts,
               const char     *hostname)
{
  g_autofree char *subtitle = chk_test_row_subtitle (hosts, hostname);
  g_auto(GStrv) words = NULL;

  if (subtitle == NULL)
    return NULL;
  words = g_strsplit (subtitle, "\u00a0", -1);
  return g_strjoinv (" ", words);
}

static const char *
visible_page (ChkHostsWindow *hosts)
{
  return gtk_stack_get_visible_child_name (chk_test_find_stack_with_page (hosts, "hosts"));
}

/* This host, connected, with its run under way; then without, as the
 * window asks again by itself. */
static void
test_this_host (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "sleeper",
                                               "{'command': <['sleep', '30']>}");
  g_autofree char *hostname = daemon_hostname (fixture);
  g_autoptr(GPtrArray) rows = NULL;
  AdwPreferencesGroup *group;
  ChkHostsWindow *hosts;
  GtkWidget *row;
  GtkWidget *icon;

  chk_test_fixture_open_window (fixture, -1, -1);
  chk_test_run_job (fixture, path);
  chk_assert_eventually (chk_test_job_bool (fixture, path, "Running"), SECONDS);

  hosts = open_hosts (fixture);
  g_assert_cmpstr (visible_page (hosts), ==, "hosts");

  /* Alone, with a database of its own */
  rows = chk_test_find_widgets (hosts, ADW_TYPE_ACTION_ROW);
  g_assert_cmpuint (rows->len, ==, 1);
  row = chk_test_find_row (hosts, ADW_TYPE_ACTION_ROW, hostname);
  g_assert_nonnull (row);
  group = ADW_PREFERENCES_GROUP (gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP));
  g_assert_cmpstr (adw_preferences_group_get_description (group), ==, SINGLE_HOST_DESCRIPTION);

  /* In words, not only in colour */
  chk_assert_eventually_cmpstr (host_subtitle (hosts, hostname),
                                "Connected · 1 run under way · last heartbeat just now", SECONDS);
  g_assert_true (gtk_widget_is_ancestor (chk_test_find_label (hosts, "This host"), row));
  icon = chk_test_find_widget (row, GTK_TYPE_IMAGE);
  g_assert_true (gtk_widget_has_css_class (icon, "success"));

  /* Followed: the run ends, the window says so at its next look */
  chk_test_session_job_call (fixture->session, path, "Stop", NULL);
  chk_assert_eventually_cmpstr (host_subtitle (hosts, hostname),
                                "Connected · no runs under way · last heartbeat just now",
                                REFRESH_SECONDS);
  /* The same row, updated: the focus stays on it */
  g_assert_true (chk_test_find_row (hosts, ADW_TYPE_ACTION_ROW, hostname) == row);

  gtk_window_close (GTK_WINDOW (hosts));
  chk_assert_eventually (find_hosts_window (GTK_WINDOW (fixture->window)) == NULL, SECONDS);
}

/* The daemon goes: the window says so, and does not start it again
 * behind the user's back; it comes back: Try Again lists the host. */
static void
test_daemon_away (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *hostname = daemon_hostname (fixture);
  ChkHostsWindow *hosts;
  AdwStatusPage *status;
  guint n_loads;

  chk_test_fixture_open_window (fixture, -1, -1);
  hosts = open_hosts (fixture);
  g_assert_cmpstr (visible_page (hosts), ==, "hosts");

  chk_test_session_kill_daemon (fixture->session);
  chk_assert_eventually (g_strcmp0 (visible_page (hosts), "error") == 0, REFRESH_SECONDS);
  status = chk_test_find_widget (hosts, ADW_TYPE_STATUS_PAGE);
  g_assert_cmpstr (adw_status_page_get_title (status), ==, "Cannot Reach the Scheduler");
  g_assert_cmpstr (adw_status_page_get_description (status), !=, "");
  /* Nothing started it (the bus could: it is activatable) */
  n_loads = chk_hosts_window_get_n_loads (hosts);
  gtk_widget_activate_action (GTK_WIDGET (hosts), "hosts.refresh", NULL);
  chk_assert_eventually (chk_hosts_window_get_n_loads (hosts) > n_loads, SECONDS);
  g_assert_false (chk_test_session_daemon_is_up (fixture->session));
  g_assert_cmpstr (visible_page (hosts), ==, "error");

  chk_test_session_start_daemon (fixture->session);
  chk_test_click (chk_test_find_button_with_action (hosts, "hosts.refresh"));
  chk_assert_eventually (g_strcmp0 (visible_page (hosts), "hosts") == 0, SECONDS);
  chk_assert_eventually_cmpstr (host_subtitle (hosts, hostname),
                                "Connected · no runs under way · last heartbeat just now", SECONDS);
}

/* The main window closes while the hosts window waits for its answer: it
 * goes with it, and the answer finds nothing to show it on. */
static void
test_close_with_window (Fixture       *fixture,
                        gconstpointer  data)
{
  ChkHostsWindow *hosts;

  chk_test_fixture_open_window (fixture, -1, -1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.show-hosts", NULL));
  chk_assert_eventually ((hosts = find_hosts_window (GTK_WINDOW (fixture->window))) != NULL,
                         SECONDS);
  g_object_add_weak_pointer (G_OBJECT (hosts), (gpointer *) &hosts);

  /* At once: its call is still under way */
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  chk_assert_eventually (fixture->window == NULL && hosts == NULL, SECONDS);
}

int
main (int   argc,
      char *argv[])
{
  const ChkTestFixtureCase tests[] = {
    { "/app/hosts/this-host", test_this_host },
    { "/app/hosts/daemon-away", test_daemon_away },
    { "/app/hosts/close-with-window", test_close_with_window },
  };
  const char *skip;

  chk_test_app_init (&argc, &argv);
  skip = chk_test_app_open_display ();

  chk_test_fixture_add_cases (tests, G_N_ELEMENTS (tests), skip);

  return g_test_run ();
}
