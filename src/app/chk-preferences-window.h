/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <adwaita.h>

#include "chk-dbus-generated.h"

G_BEGIN_DECLS

#define CHK_TYPE_PREFERENCES_WINDOW (chk_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (ChkPreferencesWindow, chk_preferences_window, CHK, PREFERENCES_WINDOW, AdwPreferencesWindow)

ChkPreferencesWindow *chk_preferences_window_new (GtkWindow     *parent,
                                                  ChkScheduler1 *scheduler);

G_END_DECLS
