/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/**
 * ChkRefreshFunc:
 * @now: the time, µs since the epoch, to draw relative times for
 * @user_data: the data given to chk_refresh_timer_new()
 *
 * Redraws what shows relative times.
 *
 * Returns: the time (µs since the epoch) at which what is shown next
 *   changes, or %G_MAXINT64 if it will not
 */
typedef gint64 (*ChkRefreshFunc) (gint64   now,
                                  gpointer user_data);

#define CHK_TYPE_REFRESH_TIMER (chk_refresh_timer_get_type ())

G_DECLARE_FINAL_TYPE (ChkRefreshTimer, chk_refresh_timer, CHK, REFRESH_TIMER, GObject)

ChkRefreshTimer *chk_refresh_timer_new         (GtkWidget       *widget,
                                                ChkRefreshFunc   func,
                                                gpointer         user_data);
void             chk_refresh_timer_queue       (ChkRefreshTimer *self);
void             chk_refresh_timer_stop        (ChkRefreshTimer *self);
gboolean         chk_refresh_timer_is_active   (ChkRefreshTimer *self);
guint            chk_refresh_timer_get_n_refreshes (ChkRefreshTimer *self);

G_END_DECLS
