/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

#include "chk-dbus-generated.h"

G_BEGIN_DECLS

#define CHK_TYPE_JOB_ROW (chk_job_row_get_type ())

G_DECLARE_FINAL_TYPE (ChkJobRow, chk_job_row, CHK, JOB_ROW, GtkWidget)

GtkWidget *chk_job_row_new      (void);
ChkJob1   *chk_job_row_get_job  (ChkJobRow *self);
void       chk_job_row_set_job  (ChkJobRow *self,
                                 ChkJob1   *job);
void       chk_job_row_refresh  (ChkJobRow *self);

G_END_DECLS
