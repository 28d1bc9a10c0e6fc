/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-engine.h"

G_BEGIN_DECLS

#define CHK_TYPE_ALERTS (chk_alerts_get_type ())

G_DECLARE_FINAL_TYPE (ChkAlerts, chk_alerts, CHK, ALERTS, GObject)

ChkAlerts *chk_alerts_new                    (ChkEngine           *engine);
guint      chk_alerts_get_pending            (ChkAlerts           *self);
void       chk_alerts_set_system             (ChkAlerts           *self,
                                              gboolean             system);
void       chk_alerts_set_flood_window       (ChkAlerts           *self,
                                              guint                window_ms);
void       chk_alerts_set_retry_delays       (ChkAlerts           *self,
                                              const guint         *delays_ms,
                                              guint                n_delays);
void       chk_alerts_send_test_email_async  (ChkAlerts           *self,
                                              const char          *address,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean   chk_alerts_send_test_email_finish (ChkAlerts           *self,
                                              GAsyncResult        *result,
                                              GError             **error);

G_END_DECLS
