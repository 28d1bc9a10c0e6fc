/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CHK_TYPE_APPLICATION (chk_application_get_type ())

G_DECLARE_FINAL_TYPE (ChkApplication, chk_application, CHK, APPLICATION, AdwApplication)

ChkApplication *chk_application_new (void);

G_END_DECLS
