/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <string.h>

#include "chk-editor-util.h"

/**
 * chk_editable_text:
 * @editable: a #GtkEditable
 *
 * Returns: (transfer none): the text of @editable
 */
const char *
chk_editable_text (gpointer editable)
{
  return gtk_editable_get_text (GTK_EDITABLE (editable));
}

/**
 * chk_focus_keeping_text:
 * @widget: the widget to focus
 *
 * Focuses @widget with the cursor at the end of its text: focusing an
 * entry selects its text, which the next key would replace.
 */
void
chk_focus_keeping_text (GtkWidget *widget)
{
  gtk_widget_grab_focus (widget);
  if (GTK_IS_EDITABLE (widget))
    gtk_editable_set_position (GTK_EDITABLE (widget), -1);
}

/**
 * chk_row_button_new:
 * @icon_name: the button's icon
 * @label: its tooltip, which is also its name for screen readers
 *
 * Returns: (transfer floating): a flat icon button for the suffix of a row
 */
GtkWidget *
chk_row_button_new (const char *icon_name,
                    const char *label)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_widget_add_css_class (button, "flat");
  return button;
}

/**
 * chk_compare_strings:
 * @a: a pointer to a string
 * @b: a pointer to a string
 *
 * A qsort() comparison for an array of strings, in byte order.
 */
int
chk_compare_strings (gconstpointer a,
                     gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/**
 * chk_set_string:
 * @slot: a string that the caller owns, or %NULL
 * @value: (nullable): the new value
 *
 * Puts a copy of @value in @slot unless it holds that already, as
 * g_set_str() does from GLib 2.76.
 *
 * Returns: whether @slot changed, for the caller to notify
 */
gboolean
chk_set_string (char       **slot,
                const char  *value)
{
  if (g_strcmp0 (*slot, value) == 0)
    return FALSE;
  g_free (*slot);
  *slot = g_strdup (value);
  return TRUE;
}
