/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

GSource *chk_file_watch_source_new (const char *path,
                                    guint       fallback_seconds);

G_END_DECLS
