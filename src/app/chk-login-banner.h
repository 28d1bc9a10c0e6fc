/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

#include "chk-job-model.h"

G_BEGIN_DECLS

#define CHK_TYPE_LOGIN_BANNER (chk_login_banner_get_type ())

G_DECLARE_FINAL_TYPE (ChkLoginBanner, chk_login_banner, CHK, LOGIN_BANNER, GtkWidget)

void        chk_login_banner_set_model (ChkLoginBanner *self,
                                        ChkJobModel    *model);
void        chk_login_banner_refresh   (ChkLoginBanner *self);
const char *chk_login_banner_get_title (ChkLoginBanner *self);

G_END_DECLS
