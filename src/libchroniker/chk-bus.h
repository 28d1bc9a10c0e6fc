/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Where the scheduler is on the bus, for the daemon, the CLI and the app
 * alike. Its well-known name is CHK_BUS_NAME in config.h, which meson.build
 * also writes into the D-Bus service files.
 */
#define CHK_MANAGER_PATH "/io/github/chroniker/Chroniker/Scheduler"
#define CHK_JOBS_PATH    CHK_MANAGER_PATH "/jobs"

/* How long a call to the system daemon may wait, a password asked first */
#define CHK_BUS_INTERACTIVE_TIMEOUT_MS (5 * 60 * 1000)

void     chk_bus_allow_interactive_authorization (GDBusConnection *connection);
gboolean chk_bus_is_interactive                  (GDBusConnection *connection);

G_END_DECLS
