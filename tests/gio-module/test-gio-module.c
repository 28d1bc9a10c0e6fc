/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-gio-module"

#include "config.h"

#include <gio/gio.h>

#include "chk-conditions.h"
#include "chk-test-util.h"

/*
 * libchktestmonitors.so as a daemon test uses it: loaded by GIO from the
 * directory meson's test() names in GIO_MODULE_DIR or GIO_EXTRA_MODULES,
 * chosen by GIO_USE_NETWORK_MONITOR / GIO_USE_POWER_PROFILE_MONITOR, its
 * state read from $CHK_TEST_MONITORS_FILE and followed live. This binary
 * does not contain the monitors' code (the unit tests link it in): what it
 * finds can only come from the module.
 */

#define WAIT_SECONDS 10.0

typedef struct
{
  gboolean              available;
  gboolean              metered;
  gboolean              power_saver;
  GPowerProfileMonitor *power;
} Expected;

static void
write_state (const char *path,
             gboolean    available,
             gboolean    metered,
             gboolean    power_saver)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strdup_printf ("[monitors]\n"
                                           "network-available=%s\n"
                                           "network-metered=%s\n"
                                           "power-saver-enabled=%s\n",
                                           available ? "true" : "false",
                                           metered ? "true" : "false",
                                           power_saver ? "true" : "false");

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static gboolean
state_reached (gpointer user_data)
{
  Expected *expected = user_data;
  GNetworkMonitor *network = g_network_monitor_get_default ();

  return g_network_monitor_get_network_available (network) == expected->available
         && g_network_monitor_get_network_metered (network) == expected->metered
         && g_power_profile_monitor_get_power_saver_enabled (expected->power)
            == expected->power_saver;
}

static void
changed_cb (ChkConditions *conditions,
            gpointer       user_data)
{
  guint *changed = user_data;

  (*changed)++;
}

static gboolean
changed_reached (gpointer user_data)
{
  guint *changed = user_data;

  return *changed > 0;
}

/* Rewrites the file, and waits for the monitors to follow and for
 * ChkConditions to say so. */
static void
rewrite_state (const char *path,
               Expected   *expected,
               gboolean    available,
               gboolean    metered,
               gboolean    power_saver,
               guint      *changed)
{
  *changed = 0;
  write_state (path, available, metered, power_saver);
  expected->available = available;
  expected->metered = metered;
  expected->power_saver = power_saver;
  g_assert_true (chk_test_wait_until (state_reached, expected, WAIT_SECONDS));
  g_assert_true (chk_test_wait_until (changed_reached, changed, WAIT_SECONDS));
}

static void
test_live (void)
{
  g_autofree char *dir = chk_test_make_tmpdir ("chk-gio-module-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "monitors.ini", NULL);
  g_autoptr(GPowerProfileMonitor) power = NULL;
  g_autoptr(ChkConditions) conditions = NULL;
  GNetworkMonitor *network;
  Expected expected = { FALSE, TRUE, TRUE, NULL };
  guint changed = 0;

  g_assert_true (g_getenv ("GIO_MODULE_DIR") != NULL || g_getenv ("GIO_EXTRA_MODULES") != NULL);
  g_assert_cmpuint (g_type_from_name ("ChkTestNetworkMonitor"), ==, 0);

  /* The state the process starts with comes from the file. */
  write_state (path, FALSE, TRUE, TRUE);
  g_setenv ("CHK_TEST_MONITORS_FILE", path, TRUE);

  network = g_network_monitor_get_default ();
  power = g_power_profile_monitor_dup_default ();
  g_assert_cmpstr (G_OBJECT_TYPE_NAME (network), ==, "ChkTestNetworkMonitor");
  g_assert_cmpstr (G_OBJECT_TYPE_NAME (power), ==, "ChkTestPowerMonitor");
  expected.power = power;
  g_assert_true (state_reached (&expected));

  conditions = chk_conditions_new (NULL);
  g_signal_connect (conditions, "changed", G_CALLBACK (changed_cb), &changed);
  g_assert_true (chk_test_wait_until (changed_reached, &changed, WAIT_SECONDS));
  g_assert_cmpuint (chk_conditions_get_unmet (conditions, CHK_RUN_IF_NETWORK
                                                          | CHK_RUN_IF_NOT_POWER_SAVER
                                                          | CHK_RUN_IF_AC_POWER), ==,
                    CHK_RUN_IF_NETWORK | CHK_RUN_IF_NOT_POWER_SAVER);

  /* Rewriting the file changes the state while the process runs. */
  rewrite_state (path, &expected, TRUE, FALSE, FALSE, &changed);
  g_assert_cmpuint (chk_conditions_get_unmet (conditions, CHK_RUN_IF_UNMETERED_NETWORK
                                                          | CHK_RUN_IF_NOT_POWER_SAVER), ==, 0);

  rewrite_state (path, &expected, TRUE, TRUE, FALSE, &changed);
  g_assert_cmpuint (chk_conditions_get_unmet (conditions, CHK_RUN_IF_UNMETERED_NETWORK
                                                          | CHK_RUN_IF_NETWORK), ==,
                    CHK_RUN_IF_UNMETERED_NETWORK);

  chk_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gio-module/live", test_live);

  return g_test_run ();
}
