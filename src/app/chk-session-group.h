/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <adwaita.h>

#include "chk-dbus-generated.h"

G_BEGIN_DECLS

#define CHK_TYPE_SESSION_GROUP (chk_session_group_get_type ())

G_DECLARE_FINAL_TYPE (ChkSessionGroup, chk_session_group, CHK, SESSION_GROUP, AdwPreferencesGroup)

void chk_session_group_set_scheduler (ChkSessionGroup *self,
                                      ChkScheduler1   *scheduler);

G_END_DECLS
