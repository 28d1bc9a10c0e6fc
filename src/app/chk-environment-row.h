/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CHK_TYPE_ENVIRONMENT_ROW (chk_environment_row_get_type ())

G_DECLARE_FINAL_TYPE (ChkEnvironmentRow, chk_environment_row, CHK, ENVIRONMENT_ROW, AdwEntryRow)

GtkWidget *chk_environment_row_new          (const char         *text);
gboolean   chk_environment_row_get_variable (ChkEnvironmentRow  *self,
                                             char              **out_name,
                                             char              **out_value);
gboolean   chk_environment_row_get_invalid  (ChkEnvironmentRow  *self);
void       chk_environment_row_set_invalid  (ChkEnvironmentRow  *self,
                                             gboolean            invalid);
void       chk_environment_row_set_refused  (ChkEnvironmentRow  *self,
                                             gboolean            refused);

G_END_DECLS
