/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <adwaita.h>

#include "chk-toast.h"

/**
 * chk_widget_add_toast:
 * @widget: a widget inside an #AdwToastOverlay
 * @title: what to say, as plain text
 *
 * Says @title in a toast over @widget, or in the log when nothing
 * around @widget shows toasts.
 */
void
chk_widget_add_toast (GtkWidget  *widget,
                      const char *title)
{
  GtkWidget *overlay;
  g_autofree char *escaped = NULL;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (title != NULL);

  overlay = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);
  if (overlay == NULL)
    {
      g_message ("%s", title);
      return;
    }
  /* A toast's title is markup. */
  escaped = g_markup_escape_text (title, -1);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (escaped));
}
