/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

void  chk_source_clear      (GSource **source);
guint chk_throttle_ms_left  (gint64    since,
                             guint     interval_ms);

G_END_DECLS
