/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-conditions"

#include "config.h"

#include <gio/gio.h>

#include "chk-conditions.h"
#include "chk-test-monitors.h"
#include "chk-test-util.h"

/*
 * ChkConditions against real inputs it cannot tell from the machine's own:
 * a stand-in UPower, served by this process on a second connection to a
 * private bus (GTestDBus) that plays the system bus, and GIO's own network
 * and power profile monitor extension points, filled with the test
 * monitors of tests/gio-module/ (registered in-process here; the daemon
 * tests load them as a GIO module). GIO's default monitors are process
 * wide, so each test first sets them to a known state.
 */

#define UPOWER_NAME      "org.freedesktop.UPower"
#define UPOWER_PATH      "/org/freedesktop/UPower"
#define UPOWER_INTERFACE "org.freedesktop.UPower"
#define WAIT_SECONDS     10.0
/* How long to look for a "changed" that should not come. */
#define QUIET_SECONDS    0.3

#define ALL_CONDITIONS   (CHK_RUN_IF_AC_POWER | CHK_RUN_IF_NETWORK | \
                          CHK_RUN_IF_UNMETERED_NETWORK | CHK_RUN_IF_NOT_POWER_SAVER)

static GTestDBus *test_bus;

static const char upower_xml[] =
  "<node>"
  "  <interface name='" UPOWER_INTERFACE "'>"
  "    <property name='OnBattery' type='b' access='read'/>"
  "    <property name='DaemonVersion' type='s' access='read'/>"
  "  </interface>"
  "</node>";

/* The stand-in UPower: its own connection, as a separate process would have. */
typedef struct
{
  GDBusConnection *connection;
  guint            registration;
  guint            owner;
  gboolean         on_battery;
  gboolean         acquired;
} UPower;

typedef struct
{
  GDBusConnection *system_bus;
  UPower           upower;
  ChkConditions   *conditions;
  guint            changed;
} Fixture;

/* ---- the stand-in UPower -------------------------------------------------- */

static GVariant *
upower_get_property_cb (GDBusConnection  *connection,
                        const char       *sender,
                        const char       *object_path,
                        const char       *interface_name,
                        const char       *property_name,
                        GError          **error,
                        gpointer          user_data)
{
  UPower *upower = user_data;

  if (g_str_equal (property_name, "OnBattery"))
    return g_variant_new_boolean (upower->on_battery);
  return g_variant_new_string ("1.90.0");
}

static const GDBusInterfaceVTable upower_vtable = { NULL, upower_get_property_cb, NULL };

static GDBusConnection *
connect_to_bus (void)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection =
    g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (test_bus),
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                            | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);

  g_assert_no_error (error);
  return connection;
}

static void
upower_acquired_cb (GDBusConnection *connection,
                    const char      *name,
                    gpointer         user_data)
{
  UPower *upower = user_data;

  upower->acquired = TRUE;
}

static gboolean
upower_acquired (gpointer user_data)
{
  UPower *upower = user_data;

  return upower->acquired;
}

static void
upower_start (UPower   *upower,
              gboolean  on_battery)
{
  g_autoptr(GDBusNodeInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_null (upower->connection);
  info = g_dbus_node_info_new_for_xml (upower_xml, &error);
  g_assert_no_error (error);

  upower->on_battery = on_battery;
  upower->acquired = FALSE;
  upower->connection = connect_to_bus ();
  upower->registration = g_dbus_connection_register_object (upower->connection, UPOWER_PATH,
                                                            info->interfaces[0], &upower_vtable,
                                                            upower, NULL, &error);
  g_assert_no_error (error);
  upower->owner = g_bus_own_name_on_connection (upower->connection, UPOWER_NAME,
                                                G_BUS_NAME_OWNER_FLAGS_NONE,
                                                upower_acquired_cb, NULL, upower, NULL);
  g_assert_true (chk_test_wait_until (upower_acquired, upower, WAIT_SECONDS));
}

/* UPower goes away as a process that ends does: its connection closes. */
static void
upower_stop (UPower *upower)
{
  g_autoptr(GError) error = NULL;

  if (upower->connection == NULL)
    return;
  g_clear_handle_id (&upower->owner, g_bus_unown_name);
  g_dbus_connection_unregister_object (upower->connection, upower->registration);
  g_dbus_connection_close_sync (upower->connection, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&upower->connection);
}

static void
upower_set_on_battery (UPower   *upower,
                       gboolean  on_battery)
{
  g_autoptr(GError) error = NULL;
  GVariantBuilder changed;

  upower->on_battery = on_battery;
  g_variant_builder_init (&changed, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&changed, "{sv}", "OnBattery", g_variant_new_boolean (on_battery));
  g_dbus_connection_emit_signal (upower->connection, NULL, UPOWER_PATH,
                                 "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                 g_variant_new ("(sa{sv}as)", UPOWER_INTERFACE, &changed, NULL),
                                 &error);
  g_assert_no_error (error);
}

/* ---- fixture -------------------------------------------------------------- */

static ChkTestNetworkMonitor *
network_monitor (void)
{
  return CHK_TEST_NETWORK_MONITOR (g_network_monitor_get_default ());
}

static ChkTestPowerMonitor *
power_monitor (void)
{
  /* The default is a singleton that GIO keeps: a borrowed pointer is safe. */
  g_autoptr(GPowerProfileMonitor) monitor = g_power_profile_monitor_dup_default ();

  return CHK_TEST_POWER_MONITOR (monitor);
}

static void
changed_cb (ChkConditions *conditions,
            gpointer       user_data)
{
  Fixture *fixture = user_data;

  fixture->changed++;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  chk_test_network_monitor_set_state (network_monitor (), TRUE, FALSE);
  chk_test_power_monitor_set_power_saver (power_monitor (), FALSE);
  fixture->system_bus = connect_to_bus ();
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->conditions);
  upower_stop (&fixture->upower);
  g_dbus_connection_close_sync (fixture->system_bus, NULL, NULL);
  g_clear_object (&fixture->system_bus);
}

static void
fixture_watch (Fixture         *fixture,
               GDBusConnection *system_bus)
{
  fixture->conditions = chk_conditions_new (system_bus);
  g_signal_connect (fixture->conditions, "changed", G_CALLBACK (changed_cb), fixture);
}

typedef struct
{
  Fixture *fixture;
  guint    changed;
} ChangedCount;

static gboolean
changed_reached (gpointer user_data)
{
  ChangedCount *count = user_data;

  return count->fixture->changed >= count->changed;
}

/* "changed" comes @n more times, and then no more for a while. */
static void
assert_changed (Fixture *fixture,
                guint    before,
                guint    n)
{
  ChangedCount count = { fixture, before + n };

  g_assert_true (chk_test_wait_until (changed_reached, &count, WAIT_SECONDS));
  chk_test_iterate (QUIET_SECONDS);
  g_assert_cmpuint (fixture->changed, ==, before + n);
}

/* ---- tests ---------------------------------------------------------------- */

static void
test_describe (void)
{
  struct
  {
    ChkRunIf    unmet;
    const char *words;
  } cases[] = {
    { 0, "" },
    { CHK_RUN_IF_AC_POWER, "AC power" },
    { CHK_RUN_IF_NETWORK, "a network" },
    { CHK_RUN_IF_UNMETERED_NETWORK, "an unmetered network" },
    { CHK_RUN_IF_NOT_POWER_SAVER, "power saving to end" },
    { CHK_RUN_IF_NOT_POWER_SAVER | CHK_RUN_IF_AC_POWER, "AC power, power saving to end" },
    { ALL_CONDITIONS, "AC power, a network, an unmetered network, power saving to end" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *words = chk_conditions_describe (cases[i].unmet);

      g_assert_cmpstr (words, ==, cases[i].words);
    }
}

static void
test_upower_on_battery (Fixture       *fixture,
                        gconstpointer  data)
{
  upower_start (&fixture->upower, TRUE);
  fixture_watch (fixture, fixture->system_bus);

  /* Once UPower's properties are in: on battery. */
  assert_changed (fixture, 0, 1);
  g_assert_cmpuint (chk_conditions_get_unmet (fixture->conditions, ALL_CONDITIONS), ==,
                    CHK_RUN_IF_AC_POWER);
  g_assert_cmpuint (chk_conditions_get_unmet (fixture->conditions, CHK_RUN_IF_NETWORK), ==, 0);

  upower_set_on_battery (&fixture->upower, FALSE);
  assert_changed (fixture, 1, 1);
  g_assert_cmpuint (chk_conditions_get_unmet (fixture->conditions, ALL_CONDITIONS), ==, 0);

  /* The same value again changes nothing. */
  upower_set_on_battery (&fixture->upower, FALSE);
  assert_changed (fixture, 2, 0);

  upower_set_on_battery (&fixture->upower, TRUE);
  assert_changed (fixture, 2, 1);
  g_assert_cmpuint (chk_conditions_get_unmet (fixture->conditions, CHK_RUN_IF_AC_POWER), ==,
                    CHK_RUN_IF_AC_POWER);

  /* UPower leaves (a battery it can no longer see is no battery): AC power. */
  upower_stop (&fixture->upower);
  assert_changed (fixture, 3, 1);
  g_assert_cmpuint (chk_conditions_get_unmet (fixture->conditions, ALL_CONDITIONS), ==, 0);
}

static void
test_upower_appears (Fixture       *fixture,
                     gconstpointer  data)
{
  fixture_watch (fixture, fixture->system_bus);

  /* No UPower: AC power is assumed, and nothing changes. */
  assert_changed (fixture, 0, 0);
  g_assert_cmpuint (chk_conditions_get_unmet (fixture->conditions, ALL_CONDITIONS), ==, 0);

  upower_start (&fixture->upower, TRUE);
  assert_changed (fixture, 0, 1);
  g_assert_cmpuint (chk_conditions_get_unmet (fixture->conditions, ALL_CONDITIONS), ==,
                    CHK_RUN_IF_AC_POWER);

  upower_stop (&fixture->upower);
  assert_changed (fixture, 1, 1);
  g_assert_cmpuint (chk_conditions_get_unmet (fixture->conditions, ALL_CONDITIONS), ==, 0);

  /* And back again, in the same state it left in. */
  upower_start (&fixture->upower, FALSE);
  assert_changed (fixture, 2, 0);
  upower_set_on_battery (&fixture->upower, TRUE);
  assert_changed (fixture, 2, 1);
  g_assert_cmpuint (chk_conditions_get_unmet (fixture->conditions, ALL_CONDITIONS), ==,
                    CHK_RUN_IF_AC_POWER);
}

static void
test_no_system_bus (Fixture       *fixture,
                    gconstpointer  data)
{
  g_test_expect_message ("chk-conditions", G_LOG_LEVEL_DEBUG, "No system bus*");
  fixture_watch (fixture, NULL);
  g_test_assert_expected_messages ();

  upower_start (&fixture->upower, TRUE);
  assert_changed (fixture, 0, 0);
  g_assert_cmpuint (chk_conditions_get_unmet (fixture->conditions, ALL_CONDITIONS), ==, 0);
}

static void
test_network (Fixture       *fixture,
              gconstpointer  data)
{
  ChkRunIf network = CHK_RUN_IF_NETWORK | CHK_RUN_IF_UNMETERED_NETWORK;

  chk_test_network_monitor_set_state (network_monitor (), FALSE, FALSE);
  fixture_watch (fixture, NULL);

  /* Once the monitors are in: no network, so no unmetered one either. */
  assert_changed (fixture, 0, 1);
  g_assert_cmpuint (chk_conditions_get_unmet (fixture->conditions, ALL_CONDITIONS), ==, network);
  g_assert_cmpuint (chk_conditions_get_unmet (fixture->conditions, CHK_RUN_IF_AC_POWER), ==, 0);

  chk_test_network_monitor_set_state (network_monitor (), TRUE, TRUE);
  assert_changed (fixture, 1, 1);
  g_assert_cmpuint (chk_conditions_get_unmet (fixture->conditions, ALL_CONDITIONS), ==,
                    CHK_RUN_IF_UNMETERED_NETWORK);
  g_assert_cmpuint (chk_conditions_get_unmet (fixture->conditions, CHK_RUN_IF_NETWORK), ==, 0);

  chk_test_network_monitor_set_state (network_monitor (), TRUE, FALSE);
  assert_changed (fixture, 2, 1);
  g_assert_cmpuint (chk_conditions_get_unmet (fixture->conditions, ALL_CONDITIONS), ==, 0);

  /* A metered network that goes away: unmetered-network was already unmet,
   * network now is too. */
  chk_test_network_monitor_set_state (network_monitor (), TRUE, TRUE);
  assert_changed (fixture, 3, 1);
  chk_test_network_monitor_set_state (network_monitor (), FALSE, TRUE);
  assert_changed (fixture, 4, 1);
  g_assert_cmpuint (chk_conditions_get_unmet (fixture->conditions, ALL_CONDITIONS), ==, network);
}

static void
test_power_saver (Fixture       *fixture,
                  gconstpointer  data)
{
  chk_test_power_monitor_set_power_saver (power_monitor (), TRUE);
  fixture_watch (fixture, NULL);

  assert_changed (fixture, 0, 1);
  g_assert_cmpuint (chk_conditions_get_unmet (fixture->conditions, ALL_CONDITIONS), ==,
                    CHK_RUN_IF_NOT_POWER_SAVER);

  chk_test_power_monitor_set_power_saver (power_monitor (), FALSE);
  assert_changed (fixture, 1, 1);
  g_assert_cmpuint (chk_conditions_get_unmet (fixture->conditions, ALL_CONDITIONS), ==, 0);
}

/* Inputs that change together make one "changed"; what get_unmet() says is
 * current at once, before the idle. */
static void
test_coalesced (Fixture       *fixture,
                gconstpointer  data)
{
  upower_start (&fixture->upower, FALSE);
  fixture_watch (fixture, fixture->system_bus);
  chk_test_iterate (QUIET_SECONDS);
  fixture->changed = 0;

  chk_test_network_monitor_set_state (network_monitor (), TRUE, TRUE);
  chk_test_power_monitor_set_power_saver (power_monitor (), TRUE);
  g_assert_cmpuint (chk_conditions_get_unmet (fixture->conditions, ALL_CONDITIONS), ==,
                    CHK_RUN_IF_UNMETERED_NETWORK | CHK_RUN_IF_NOT_POWER_SAVER);
  g_assert_cmpuint (fixture->changed, ==, 0);
  assert_changed (fixture, 0, 1);

  /* A change that is undone before the main loop runs changes nothing. */
  chk_test_power_monitor_set_power_saver (power_monitor (), FALSE);
  chk_test_power_monitor_set_power_saver (power_monitor (), TRUE);
  assert_changed (fixture, 1, 0);
}

/* Dropped while UPower and the monitors are still being set up: nothing of
 * it may run afterwards (G_DEBUG=gc-friendly and the sanitizers would see). */
static void
test_dispose_early (Fixture       *fixture,
                    gconstpointer  data)
{
  upower_start (&fixture->upower, TRUE);
  fixture_watch (fixture, fixture->system_bus);
  g_clear_object (&fixture->conditions);
  chk_test_iterate (QUIET_SECONDS);
  chk_test_network_monitor_set_state (network_monitor (), FALSE, TRUE);
  chk_test_power_monitor_set_power_saver (power_monitor (), TRUE);
  upower_set_on_battery (&fixture->upower, FALSE);
  chk_test_iterate (QUIET_SECONDS);
  g_assert_cmpuint (fixture->changed, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  /* The test monitors, chosen by name so that a mistake fails loudly. */
  g_setenv ("GIO_USE_NETWORK_MONITOR", CHK_TEST_MONITORS_NAME, TRUE);
  g_setenv ("GIO_USE_POWER_PROFILE_MONITOR", CHK_TEST_MONITORS_NAME, TRUE);
  g_unsetenv (CHK_TEST_MONITORS_FILE_VARIABLE);
  chk_test_monitors_register ();

  g_test_init (&argc, &argv, NULL);

  test_bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (test_bus);

  g_test_add_func ("/conditions/describe", test_describe);
#define ADD(path, func) \
  g_test_add ("/conditions/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("upower/on-battery", test_upower_on_battery);
  ADD ("upower/appears", test_upower_appears);
  ADD ("upower/no-system-bus", test_no_system_bus);
  ADD ("network", test_network);
  ADD ("power-saver", test_power_saver);
  ADD ("coalesced", test_coalesced);
  ADD ("dispose-early", test_dispose_early);
#undef ADD

  status = g_test_run ();
  g_test_dbus_down (test_bus);
  g_clear_object (&test_bus);
  return status;
}
