/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Placeholder: being written. */
#include "config.h"
#include "chk-preferences-window.h"
struct _ChkPreferencesWindow { AdwPreferencesWindow parent_instance; };
G_DEFINE_FINAL_TYPE (ChkPreferencesWindow, chk_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)
static void chk_preferences_window_class_init (ChkPreferencesWindowClass *k) {}
static void chk_preferences_window_init (ChkPreferencesWindow *self) {}
ChkPreferencesWindow *chk_preferences_window_new (GtkWindow *parent, ChkScheduler1 *scheduler) { return g_object_new (CHK_TYPE_PREFERENCES_WINDOW, "transient-for", parent, NULL); }
