/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Weeks shown, a column each, the current week last */
#define CHK_RUN_CALENDAR_WEEKS 12

#define CHK_TYPE_RUN_CALENDAR (chk_run_calendar_get_type ())

G_DECLARE_FINAL_TYPE (ChkRunCalendar, chk_run_calendar, CHK, RUN_CALENDAR, GtkWidget)

GtkWidget *chk_run_calendar_new           (void);
GDateTime *chk_run_calendar_first_day     (GDateTime      *today);
guint      chk_run_calendar_n_days        (GDateTime      *today);
void       chk_run_calendar_set_days      (ChkRunCalendar *self,
                                           GDateTime      *first_day,
                                           const guint    *runs,
                                           const guint    *failures,
                                           guint           n_days);
GtkWidget *chk_run_calendar_get_cell      (ChkRunCalendar *self,
                                           guint           day);
guint      chk_run_calendar_get_n_cells   (ChkRunCalendar *self);
const char *chk_run_calendar_cell_label   (GtkWidget      *cell);
const char *chk_run_calendar_cell_level   (GtkWidget      *cell);

G_END_DECLS
