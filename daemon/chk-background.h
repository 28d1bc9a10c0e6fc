/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-engine.h"

G_BEGIN_DECLS

#define CHK_TYPE_BACKGROUND (chk_background_get_type ())

G_DECLARE_FINAL_TYPE (ChkBackground, chk_background, CHK, BACKGROUND, GObject)

ChkBackground *chk_background_new          (ChkEngine       *engine,
                                            GDBusConnection *connection);
char          *chk_background_describe     (ChkEngine       *engine);

G_END_DECLS
