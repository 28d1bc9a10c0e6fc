/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The default window: one email or webhook per job per ten minutes. */
#define CHK_ALERT_FLOOD_DEFAULT_WINDOW_MS (10 * 60 * 1000)

/**
 * ChkAlertFloodKind:
 * @CHK_ALERT_FLOOD_FAILURE: a run failed
 * @CHK_ALERT_FLOOD_RUNNING_LONG: a run is going on past its expected duration
 *
 * The alerts flood control holds back.
 */
typedef enum
{
  CHK_ALERT_FLOOD_FAILURE,
  CHK_ALERT_FLOOD_RUNNING_LONG,
} ChkAlertFloodKind;

#define CHK_TYPE_ALERT_FLOOD (chk_alert_flood_get_type ())

G_DECLARE_FINAL_TYPE (ChkAlertFlood, chk_alert_flood, CHK, ALERT_FLOOD, GObject)

ChkAlertFlood *chk_alert_flood_new        (guint              window_ms);
guint          chk_alert_flood_get_window (ChkAlertFlood     *self);
gboolean       chk_alert_flood_admit      (ChkAlertFlood     *self,
                                           guint64            job_id,
                                           guint64            run_id,
                                           ChkAlertFloodKind  kind);
void           chk_alert_flood_end        (ChkAlertFlood     *self,
                                           guint64            job_id);
void           chk_alert_flood_forget     (ChkAlertFlood     *self,
                                           guint64            job_id);

G_END_DECLS
