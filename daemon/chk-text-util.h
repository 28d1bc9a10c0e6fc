/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *chk_text_tail (GBytes   *bytes,
                     gsize     max_bytes,
                     gboolean *out_cut);

G_END_DECLS
