/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <adwaita.h>

#include "chk-job-model.h"

G_BEGIN_DECLS

#define CHK_TYPE_WINDOW (chk_window_get_type ())

G_DECLARE_FINAL_TYPE (ChkWindow, chk_window, CHK, WINDOW, AdwApplicationWindow)

ChkWindow   *chk_window_new            (AdwApplication *application,
                                        ChkJobModel    *model);
ChkJobModel *chk_window_get_model      (ChkWindow      *self);
void         chk_window_select_job     (ChkWindow      *self,
                                        ChkJob1        *job);
void         chk_window_show_run       (ChkWindow      *self,
                                        guint64         run_id);
void         chk_window_add_toast      (ChkWindow      *self,
                                        AdwToast       *toast);

G_END_DECLS
