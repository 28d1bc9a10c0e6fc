/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CHK_TYPE_ARGV_EDITOR (chk_argv_editor_get_type ())

G_DECLARE_FINAL_TYPE (ChkArgvEditor, chk_argv_editor, CHK, ARGV_EDITOR, AdwPreferencesGroup)

char **chk_argv_editor_dup_arguments (ChkArgvEditor      *self);
void   chk_argv_editor_set_arguments (ChkArgvEditor      *self,
                                      const char * const *arguments);

G_END_DECLS
