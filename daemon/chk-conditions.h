/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-job-spec.h"

G_BEGIN_DECLS

#define CHK_TYPE_CONDITIONS (chk_conditions_get_type ())

G_DECLARE_FINAL_TYPE (ChkConditions, chk_conditions, CHK, CONDITIONS, GObject)

ChkConditions *chk_conditions_new       (GDBusConnection *system_bus);
ChkRunIf       chk_conditions_get_unmet (ChkConditions   *self,
                                         ChkRunIf         wanted);
char          *chk_conditions_describe  (ChkRunIf         unmet);

G_END_DECLS
