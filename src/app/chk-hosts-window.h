/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <adwaita.h>

#include "chk-dbus-generated.h"

G_BEGIN_DECLS

#define CHK_TYPE_HOSTS_WINDOW (chk_hosts_window_get_type ())

G_DECLARE_FINAL_TYPE (ChkHostsWindow, chk_hosts_window, CHK, HOSTS_WINDOW, AdwWindow)

ChkHostsWindow *chk_hosts_window_new         (GtkWindow      *parent,
                                              ChkScheduler1  *scheduler);
guint           chk_hosts_window_get_n_loads (ChkHostsWindow *self);

G_END_DECLS
