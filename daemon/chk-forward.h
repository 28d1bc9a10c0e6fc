/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-dbus-util.h"
#include "chk-job-spec.h"

G_BEGIN_DECLS

void chk_forward_start        (GDBusConnection  *connection);
void chk_forward_stop         (void);
void chk_forward_add_listener (const char       *bus_name,
                               const ChkCaller  *caller);
void chk_forward_signal       (const ChkJobSpec *spec,
                               const char       *path,
                               const char       *interface_name,
                               const char       *signal_name,
                               GVariant         *parameters);

G_END_DECLS
