/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

#include "chk-dbus-generated.h"

G_BEGIN_DECLS

/**
 * ChkMonitorState:
 * @CHK_MONITOR_STATE_UNKNOWN: never checked, being checked, or stopped by hand
 * @CHK_MONITOR_STATE_PASSING: the latest check succeeded
 * @CHK_MONITOR_STATE_FAILING: the latest check failed, timed out, could not
 *   start or was interrupted
 *
 * A monitor's health, from its latest outcome.
 */
typedef enum
{
  CHK_MONITOR_STATE_UNKNOWN,
  CHK_MONITOR_STATE_PASSING,
  CHK_MONITOR_STATE_FAILING,
} ChkMonitorState;

#define CHK_TYPE_MONITOR_ROW (chk_monitor_row_get_type ())

G_DECLARE_FINAL_TYPE (ChkMonitorRow, chk_monitor_row, CHK, MONITOR_ROW, GtkWidget)

GtkWidget       *chk_monitor_row_new        (void);
ChkJob1         *chk_monitor_row_get_job    (ChkMonitorRow   *self);
void             chk_monitor_row_set_job    (ChkMonitorRow   *self,
                                             ChkJob1         *job);
void             chk_monitor_row_refresh    (ChkMonitorRow   *self);

ChkMonitorState  chk_monitor_state          (ChkJob1         *job);
const char      *chk_monitor_state_text     (ChkMonitorState  state);

G_END_DECLS
