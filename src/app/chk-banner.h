/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CHK_TYPE_BANNER (chk_banner_get_type ())

G_DECLARE_FINAL_TYPE (ChkBanner, chk_banner, CHK, BANNER, GtkWidget)

GtkWidget  *chk_banner_new          (void);
const char *chk_banner_get_title    (ChkBanner  *self);
void        chk_banner_set_title    (ChkBanner  *self,
                                     const char *title);
gboolean    chk_banner_get_revealed (ChkBanner  *self);
void        chk_banner_set_button   (ChkBanner  *self,
                                     const char *label,
                                     const char *action_name);

G_END_DECLS
