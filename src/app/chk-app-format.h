/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

#include "chk-dbus-generated.h"

G_BEGIN_DECLS

const char *chk_outcome_label        (const char *outcome);
const char *chk_outcome_icon_name    (const char *outcome);
const char *chk_outcome_style_class  (const char *outcome);
const char *chk_trigger_label        (const char *trigger);

const char *chk_job_status_icon      (ChkJob1    *job);
const char *chk_job_status_style     (ChkJob1    *job);
char       *chk_job_status_text      (ChkJob1    *job);
gboolean    chk_job_is_failing       (ChkJob1    *job);
char       *chk_job_running_long_text (ChkJob1   *job,
                                       gint64     now);
gint64      chk_job_running_long_at  (ChkJob1    *job);

void        chk_widget_set_status_style (GtkWidget  *widget,
                                         const char *style_class);

G_END_DECLS
