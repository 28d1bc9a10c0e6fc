/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean  chk_duration_parse  (const char  *text,
                               guint64     *out_seconds,
                               GError     **error);
char     *chk_duration_format (guint64      seconds);
char     *chk_format_relative_time (gint64     when,
                                    gint64     now);
gint64    chk_format_relative_time_next_change (gint64 when,
                                                gint64 now);
gboolean  chk_size_parse      (const char  *text,
                               guint64     *out_bytes,
                               GError     **error);

G_END_DECLS
