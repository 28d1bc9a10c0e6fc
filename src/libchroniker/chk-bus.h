/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

/*
 * Where the scheduler is on the bus, for the daemon, the CLI and the app
 * alike. Its well-known name is CHK_BUS_NAME in config.h, which meson.build
 * also writes into the D-Bus service files.
 */
#define CHK_MANAGER_PATH "/io/github/chroniker/Chroniker/Scheduler"
#define CHK_JOBS_PATH    CHK_MANAGER_PATH "/jobs"
