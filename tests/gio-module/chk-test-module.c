/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-test-monitors"

#include "config.h"

#include <gio/gio.h>

#include "chk-test-monitors.h"

/*
 * libchktestmonitors.so: a GIO module with a network monitor and a power
 * profile monitor whose state a test sets through a key file, for tests that
 * run the real chronikerd in its own process (see chk-test-monitors.c for
 * the file's keys). Never installed. Run the process under test with:
 *
 *   GIO_MODULE_DIR=$builddir/tests/gio-module       (only this module), or
 *   GIO_EXTRA_MODULES=$builddir/tests/gio-module    (this one and the system's)
 *   GIO_USE_NETWORK_MONITOR=chk-test
 *   GIO_USE_POWER_PROFILE_MONITOR=chk-test
 *   CHK_TEST_MONITORS_FILE=/some/tmp/monitors.ini
 *
 * and write the file before the process starts (else its defaults hold: a
 * network that is available and not metered, no power saving); rewrite it
 * (atomically) to change the state while the process runs.
 * tests/gio-module/test-gio-module.c shows it working.
 */

void
g_io_module_load (GIOModule *module)
{
  /* The monitor types are static types, which cannot be unloaded: keep the
   * module loaded for good (GIO unuses it right after loading it). */
  g_type_module_use (G_TYPE_MODULE (module));
  chk_test_monitors_register ();
}

void
g_io_module_unload (GIOModule *module)
{
}
