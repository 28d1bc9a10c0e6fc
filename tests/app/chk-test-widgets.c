/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Finding the app's widgets in the tree, for the app's tests and benchmark. */

#include "config.h"

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
