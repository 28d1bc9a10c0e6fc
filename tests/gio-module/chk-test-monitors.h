/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The name both monitors are registered under, for GIO_USE_NETWORK_MONITOR
 * and GIO_USE_POWER_PROFILE_MONITOR. */
#define CHK_TEST_MONITORS_NAME "chk-test"

/* The key file the monitors' state comes from, when set. */
#define CHK_TEST_MONITORS_FILE_VARIABLE "CHK_TEST_MONITORS_FILE"

#define CHK_TYPE_TEST_NETWORK_MONITOR (chk_test_network_monitor_get_type ())
G_DECLARE_FINAL_TYPE (ChkTestNetworkMonitor, chk_test_network_monitor,
                      CHK, TEST_NETWORK_MONITOR, GObject)

#define CHK_TYPE_TEST_POWER_MONITOR (chk_test_power_monitor_get_type ())
G_DECLARE_FINAL_TYPE (ChkTestPowerMonitor, chk_test_power_monitor,
                      CHK, TEST_POWER_MONITOR, GObject)

void chk_test_monitors_register             (void);
void chk_test_network_monitor_set_state     (ChkTestNetworkMonitor *self,
                                             gboolean               available,
                                             gboolean               metered);
void chk_test_power_monitor_set_power_saver (ChkTestPowerMonitor   *self,
                                             gboolean               enabled);

G_END_DECLS
