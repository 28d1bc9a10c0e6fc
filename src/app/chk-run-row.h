/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <adwaita.h>

#include "chk-dbus-generated.h"
#include "chk-run.h"

G_BEGIN_DECLS

#define CHK_TYPE_RUN_ROW (chk_run_row_get_type ())

G_DECLARE_FINAL_TYPE (ChkRunRow, chk_run_row, CHK, RUN_ROW, AdwPreferencesRow)

GtkWidget *chk_run_row_new     (ChkRun    *run,
                                ChkJob1   *job);
ChkRun    *chk_run_row_get_run (ChkRunRow *self);
gint64     chk_run_row_update  (ChkRunRow *self);

G_END_DECLS
