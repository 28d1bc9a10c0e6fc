/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib-object.h>

#include "chk-clock.h"

G_BEGIN_DECLS

#define CHK_TYPE_TIMER (chk_timer_get_type ())

G_DECLARE_FINAL_TYPE (ChkTimer, chk_timer, CHK, TIMER, GObject)

ChkTimer *chk_timer_new          (ChkClock *clock);
void      chk_timer_set_deadline (ChkTimer *self,
                                  gint64    deadline);
gint64    chk_timer_get_deadline (ChkTimer *self);

G_END_DECLS
