/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CHK_TYPE_ENVIRONMENT_EDITOR (chk_environment_editor_get_type ())

G_DECLARE_FINAL_TYPE (ChkEnvironmentEditor, chk_environment_editor, CHK, ENVIRONMENT_EDITOR,
                      AdwPreferencesGroup)

const char *chk_environment_editor_get_working_directory (ChkEnvironmentEditor *self);
void        chk_environment_editor_set_working_directory (ChkEnvironmentEditor *self,
                                                          const char           *path);
GVariant   *chk_environment_editor_dup_variables         (ChkEnvironmentEditor *self);
void        chk_environment_editor_set_variables         (ChkEnvironmentEditor *self,
                                                          GVariant             *variables);
char      **chk_environment_editor_dup_lines             (ChkEnvironmentEditor *self);
const char *chk_environment_editor_get_problem           (ChkEnvironmentEditor *self);

G_END_DECLS
