/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

#include "chk-dbus-generated.h"

G_BEGIN_DECLS

#define CHK_TYPE_MONITORS_VIEW (chk_monitors_view_get_type ())

G_DECLARE_FINAL_TYPE (ChkMonitorsView, chk_monitors_view, CHK, MONITORS_VIEW, GtkWidget)

void chk_monitors_view_set_model     (ChkMonitorsView *self,
                                      GListModel      *jobs,
                                      GtkFilter       *filter,
                                      GtkSorter       *sorter);
void chk_monitors_view_set_searching (ChkMonitorsView *self,
                                      gboolean         searching);
void chk_monitors_view_invalidate    (ChkMonitorsView *self);
void chk_monitors_view_refresh       (ChkMonitorsView *self);
void chk_monitors_view_select_job    (ChkMonitorsView *self,
                                      ChkJob1         *job);
GtkSingleSelection *
     chk_monitors_view_get_selection (ChkMonitorsView *self);
void chk_monitors_view_set_single_click_activate
                                     (ChkMonitorsView *self,
                                      gboolean         single_click_activate);
gboolean
     chk_monitors_view_focus_list    (ChkMonitorsView *self);

G_END_DECLS
