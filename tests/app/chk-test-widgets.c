/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Finding the app's widgets in the tree, for the app's tests and benchmark. */

#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "chk-test-widgets.h"

static void
collect_widgets (GtkWidget *widget,
                 GType      type,
                 GPtrArray *found)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (found, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_widgets (child, type, found);
}

/**
 * chk_test_find_widgets:
 * @root: (nullable): a widget
 * @type: what to look for
 *
 * Returns: (transfer container): every widget of @type under @root (and
 *   @root), in tree order; none under %NULL
 */
GPtrArray *
chk_test_find_widgets (gpointer root,
                       GType    type)
{
  GPtrArray *found = g_ptr_array_new ();

  if (root != NULL)
    collect_widgets (GTK_WIDGET (root), type, found);
  return found;
}

/* Returns: (transfer none) (nullable): the first widget of @type under @root */
gpointer
chk_test_find_widget (gpointer root,
                      GType    type)
{
  g_autoptr(GPtrArray) found = chk_test_find_widgets (root, type);

  return found->len > 0 ? found->pdata[0] : NULL;
}

/* Returns: (transfer none) (nullable): the first mapped widget of @type under @root */
gpointer
chk_test_find_mapped_widget (gpointer root,
                             GType    type)
{
  g_autoptr(GPtrArray) found = chk_test_find_widgets (root, type);

  for (guint i = 0; i < found->len; i++)
    if (gtk_widget_get_mapped (found->pdata[i]))
      return found->pdata[i];
  return NULL;
}

/**
 * chk_test_plain_label:
 * @label: (nullable): a label's text
 *
 * Returns: the label as people read it: without the mnemonic's underscores
 */
char *
chk_test_plain_label (const char *label)
{
  g_autoptr(GString) plain = g_string_new (NULL);

  for (const char *p = label; p != NULL && *p != '\0'; p++)
    if (*p != '_')
      g_string_append_c (plain, *p);
  return g_string_free (g_steal_pointer (&plain), FALSE);
}

/**
 * chk_test_find_button:
 * @root: (nullable): a widget
 * @type: the type of button: a #GtkButton or a subclass
 * @label: the button's label, without its mnemonic
 *
 * Returns: (transfer none) (nullable): the first button of @type under
 *   @root labelled @label
 */
gpointer
chk_test_find_button (gpointer    root,
                      GType       type,
                      const char *label)
{
  g_autoptr(GPtrArray) buttons = chk_test_find_widgets (root, type);

  for (guint i = 0; i < buttons->len; i++)
    {
      g_autofree char *plain = chk_test_plain_label (gtk_button_get_label (buttons->pdata[i]));

      if (g_str_equal (plain, label))
        return buttons->pdata[i];
    }
  return NULL;
}

/**
 * chk_test_find_label:
 * @root: (nullable): a widget
 * @text: the text
 *
 * Returns: (transfer none) (nullable): the first label on screen under
 *   @root that says @text
 */
gpointer
chk_test_find_label (gpointer    root,
                     const char *text)
{
  g_autoptr(GPtrArray) labels = chk_test_find_widgets (root, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    if (gtk_widget_get_mapped (labels->pdata[i]) &&
        g_strcmp0 (gtk_label_get_text (labels->pdata[i]), text) == 0)
      return labels->pdata[i];
  return NULL;
}

/**
 * chk_test_find_label_containing:
 * @root: (nullable): a widget
 * @text: a part of the text
 *
 * Returns: (transfer none) (nullable): the first label on screen under
 *   @root whose text holds @text
 */
gpointer
chk_test_find_label_containing (gpointer    root,
                                const char *text)
{
  g_autoptr(GPtrArray) labels = chk_test_find_widgets (root, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    if (gtk_widget_get_mapped (labels->pdata[i]) &&
        strstr (gtk_label_get_text (labels->pdata[i]), text) != NULL)
      return labels->pdata[i];
  return NULL;
}

/**
 * chk_test_row_subtitle:
 * @root: (nullable): a widget
 * @title: an action row's title
 *
 * Returns: (nullable): the subtitle of the first action row under @root
 *   titled @title, or %NULL if there is none
 */
char *
chk_test_row_subtitle (gpointer    root,
                       const char *title)
{
  g_autoptr(GPtrArray) rows = chk_test_find_widgets (root, ADW_TYPE_ACTION_ROW);

  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (rows->pdata[i]), title) == 0)
      return g_strdup (adw_action_row_get_subtitle (rows->pdata[i]));
  return NULL;
}
