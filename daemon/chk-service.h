/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-alerts.h"
#include "chk-engine.h"

G_BEGIN_DECLS

#define CHK_TYPE_SERVICE (chk_service_get_type ())

G_DECLARE_FINAL_TYPE (ChkService, chk_service, CHK, SERVICE, GObject)

ChkService *chk_service_new      (ChkEngine        *engine,
                                  ChkAlerts        *alerts);
gboolean    chk_service_export   (ChkService       *self,
                                  GDBusConnection  *connection,
                                  GError          **error);
void        chk_service_unexport (ChkService       *self);

G_END_DECLS
