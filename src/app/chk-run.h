/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CHK_TYPE_RUN (chk_run_get_type ())

G_DECLARE_FINAL_TYPE (ChkRun, chk_run, CHK, RUN, GObject)

ChkRun     *chk_run_new              (GVariant *record);
void        chk_run_update           (ChkRun   *self,
                                      GVariant *record);
guint64     chk_run_get_id           (ChkRun   *self);
const char *chk_run_get_outcome      (ChkRun   *self);
const char *chk_run_get_trigger      (ChkRun   *self);
gint64      chk_run_get_started      (ChkRun   *self);
gint64      chk_run_get_finished     (ChkRun   *self);
int         chk_run_get_exit_code    (ChkRun   *self);
int         chk_run_get_signal       (ChkRun   *self);
const char *chk_run_get_hostname     (ChkRun   *self);
guint       chk_run_get_http_status  (ChkRun   *self);
const char *chk_run_get_alert_error  (ChkRun   *self);
const char *chk_run_get_message      (ChkRun   *self);
guint64     chk_run_get_cpu_time     (ChkRun   *self);
guint64     chk_run_get_memory_peak  (ChkRun   *self);
const char *chk_run_get_containment  (ChkRun   *self);
char       *chk_run_format_usage     (ChkRun   *self);

G_END_DECLS
