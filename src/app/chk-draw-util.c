/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "chk-draw-util.h"

/*
 * What the widgets that draw themselves (the duration graph, the run
 * calendar, the timeline) share: theme colours and text at a place.
 */

/**
 * chk_draw_named_color:
 * @widget: a widget
 * @name: a colour of the theme, such as "error_color"
 * @fallback: a colour gdk_rgba_parse() reads, for a theme without @name
 *
 * Returns: the theme's colour @name as @widget's style sees it
 */
GdkRGBA
chk_draw_named_color (GtkWidget  *widget,
                      const char *name,
                      const char *fallback)
{
  GdkRGBA color;

  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), name, &color))
    gdk_rgba_parse (&color, fallback);
  return color;
}

/**
 * chk_draw_layout:
 * @snapshot: where to draw
 * @layout: the text
 * @x: its left edge
 * @y: its top edge
 * @color: its colour
 *
 * Draws @layout with its top left corner at (@x, @y).
 */
void
chk_draw_layout (GtkSnapshot   *snapshot,
                 PangoLayout   *layout,
                 double         x,
                 double         y,
                 const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}
