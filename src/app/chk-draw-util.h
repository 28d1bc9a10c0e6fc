/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

GdkRGBA chk_draw_named_color (GtkWidget     *widget,
                              const char    *name,
                              const char    *fallback);
void    chk_draw_layout      (GtkSnapshot   *snapshot,
                              PangoLayout   *layout,
                              double         x,
                              double         y,
                              const GdkRGBA *color);

G_END_DECLS
