/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

#include "chk-dbus-generated.h"

G_BEGIN_DECLS

#define CHK_TYPE_LOG_VIEW (chk_log_view_get_type ())

G_DECLARE_FINAL_TYPE (ChkLogView, chk_log_view, CHK, LOG_VIEW, GtkWidget)

GtkWidget *chk_log_view_new     (void);
void       chk_log_view_set_run (ChkLogView    *self,
                                 ChkScheduler1 *scheduler,
                                 guint64        run_id);
guint64    chk_log_view_get_run (ChkLogView    *self);

G_END_DECLS
