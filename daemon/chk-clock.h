/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CHK_TYPE_CLOCK (chk_clock_get_type ())

G_DECLARE_FINAL_TYPE (ChkClock, chk_clock, CHK, CLOCK, GObject)

ChkClock *chk_clock_new        (void);
ChkClock *chk_clock_new_manual (gint64    now);
gboolean  chk_clock_is_manual  (ChkClock *self);
gint64    chk_clock_get_now    (ChkClock *self);
void      chk_clock_advance    (ChkClock *self,
                                gint64    usec);
void      chk_clock_set        (ChkClock *self,
                                gint64    now);

G_END_DECLS
