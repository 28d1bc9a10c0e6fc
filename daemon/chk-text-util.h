/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *chk_text_tail         (GBytes   *bytes,
                             gsize     max_bytes,
                             gboolean *out_cut);
char *chk_text_format_limit (guint64   bytes);
char *chk_text_flatten      (const char *text,
                             gssize      length,
                             const char *breaks);

G_END_DECLS
