/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include "chk-environment-editor.h"

G_BEGIN_DECLS

/* For the job editor, which shows its errors on the group's fields */
GtkLabel  *_chk_environment_editor_get_error_label       (ChkEnvironmentEditor *self);
GtkWidget *_chk_environment_editor_get_working_directory_row (ChkEnvironmentEditor *self);
GtkWidget *_chk_environment_editor_get_variables_focus   (ChkEnvironmentEditor *self);
void       _chk_environment_editor_set_refused           (ChkEnvironmentEditor *self,
                                                          gboolean              refused);

G_END_DECLS
