/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean  chk_eta_estimate (gint64    started,
                            gint64    now,
                            guint     complete,
                            guint     total,
                            guint64  *out_seconds);
guint64   chk_eta_round    (guint64   seconds);
char     *chk_eta_format   (gint64    started,
                            gint64    now,
                            guint     complete,
                            guint     total);

G_END_DECLS
