/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include "chk-schedule-builder.h"

G_BEGIN_DECLS

/* For the editor, which shows its errors on the builder's fields */
GtkLabel  *_chk_schedule_builder_get_error_label    (ChkScheduleBuilder *self);
GtkWidget *_chk_schedule_builder_get_schedule_entry (ChkScheduleBuilder *self);
GtkWidget *_chk_schedule_builder_get_timezone_entry (ChkScheduleBuilder *self);
GtkWidget *_chk_schedule_builder_get_schedule_focus (ChkScheduleBuilder *self);
void       _chk_schedule_builder_regenerate         (ChkScheduleBuilder *self);

G_END_DECLS
