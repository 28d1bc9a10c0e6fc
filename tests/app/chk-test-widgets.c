/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Finding the app's widgets in the tree, for the app's tests and benchmark. */

#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "chk-test-util.h"
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

/* The first label on screen under @root that says @text, or holds it. */
static gpointer
find_mapped_label (gpointer    root,
                   const char *text,
                   gboolean    part)
{
  g_autoptr(GPtrArray) labels = chk_test_find_widgets (root, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    {
      const char *shown = gtk_label_get_text (labels->pdata[i]);

      if (gtk_widget_get_mapped (labels->pdata[i]) &&
          (part ? strstr (shown, text) != NULL : g_strcmp0 (shown, text) == 0))
        return labels->pdata[i];
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
  return find_mapped_label (root, text, FALSE);
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
  return find_mapped_label (root, text, TRUE);
}

/**
 * chk_test_find_label_with_class:
 * @root: (nullable): a widget
 * @css_class: a style class
 *
 * Returns: (transfer none) (nullable): the first label under @root, shown
 *   or not, that has @css_class
 */
gpointer
chk_test_find_label_with_class (gpointer    root,
                                const char *css_class)
{
  g_autoptr(GPtrArray) labels = chk_test_find_widgets (root, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    if (gtk_widget_has_css_class (labels->pdata[i], css_class))
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

/* The first row of @type under @root whose title, without its mnemonic,
 * is @title, or starts with it if @prefix. */
static gpointer
find_titled_row (gpointer    root,
                 GType       type,
                 const char *title,
                 gboolean    prefix)
{
  g_autoptr(GPtrArray) rows = chk_test_find_widgets (root, type);

  for (guint i = 0; i < rows->len; i++)
    {
      const char *row_title = adw_preferences_row_get_title (rows->pdata[i]);
      g_autofree char *plain = chk_test_plain_label (row_title);

      if (prefix ? g_str_has_prefix (plain, title) : g_str_equal (plain, title))
        return rows->pdata[i];
    }
  return NULL;
}

/**
 * chk_test_find_row:
 * @root: (nullable): a widget
 * @type: the type of row: an #AdwPreferencesRow or a subclass
 * @title: the row's title, without its mnemonic
 *
 * Returns: (transfer none) (nullable): the first row of @type under @root
 *   titled @title
 */
gpointer
chk_test_find_row (gpointer    root,
                   GType       type,
                   const char *title)
{
  return find_titled_row (root, type, title, FALSE);
}

/**
 * chk_test_find_entry_row:
 * @root: (nullable): a widget
 * @title: the start of the row's title, without its mnemonic
 *
 * Returns: (transfer none): the first entry row under @root whose title
 *   starts with @title; fails the test if there is none
 */
gpointer
chk_test_find_entry_row (gpointer    root,
                         const char *title)
{
  gpointer row = find_titled_row (root, ADW_TYPE_ENTRY_ROW, title, TRUE);

  if (row == NULL)
    g_error ("No entry row titled “%s”", title);
  return row;
}

/**
 * chk_test_select_combo_item:
 * @root: (nullable): a widget
 * @title: the combo row's title, without its mnemonic
 * @item: the item, a string of the row's model
 *
 * Picks @item in the first combo row under @root titled @title, as a
 * person does; fails the test if there is no such row or item.
 */
void
chk_test_select_combo_item (gpointer    root,
                            const char *title,
                            const char *item)
{
  AdwComboRow *row = chk_test_find_row (root, ADW_TYPE_COMBO_ROW, title);
  GListModel *model = row != NULL ? adw_combo_row_get_model (row) : NULL;

  if (model == NULL)
    g_error ("No combo row titled “%s” with items", title);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GObject) object = g_list_model_get_item (model, i);

      if (GTK_IS_STRING_OBJECT (object) &&
          g_str_equal (gtk_string_object_get_string (GTK_STRING_OBJECT (object)), item))
        {
          adw_combo_row_set_selected (row, i);
          return;
        }
    }
  g_error ("The combo row “%s” has no item “%s”", title, item);
}

/**
 * chk_test_find_stack_with_page:
 * @root: (nullable): a widget
 * @page: the name of a page
 *
 * Returns: (transfer none) (nullable): the first stack under @root that
 *   has a page called @page
 */
GtkStack *
chk_test_find_stack_with_page (gpointer    root,
                               const char *page)
{
  g_autoptr(GPtrArray) stacks = chk_test_find_widgets (root, GTK_TYPE_STACK);

  for (guint i = 0; i < stacks->len; i++)
    if (gtk_stack_get_child_by_name (stacks->pdata[i], page) != NULL)
      return stacks->pdata[i];
  return NULL;
}

/**
 * chk_test_find_button_with_action:
 * @root: (nullable): a widget
 * @action: the detailed name of an action, "win.retry"
 *
 * Returns: (transfer none) (nullable): the first button under @root that
 *   activates @action
 */
gpointer
chk_test_find_button_with_action (gpointer    root,
                                  const char *action)
{
  g_autoptr(GPtrArray) buttons = chk_test_find_widgets (root, GTK_TYPE_BUTTON);

  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_actionable_get_action_name (buttons->pdata[i]), action) == 0)
      return buttons->pdata[i];
  return NULL;
}

/**
 * chk_test_click:
 * @button: a button
 *
 * What a click ends with; like a click, refused (a failed test) when
 * @button is insensitive.
 */
void
chk_test_click (GtkWidget *button)
{
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

typedef struct
{
  GtkWidget *widget;
  guint      painted;
  guint      wanted;
} FrameWait;

/* A frame drawn: ask for the next while more are wanted */
static void
frame_painted_cb (GdkFrameClock *clock,
                  FrameWait     *wait)
{
  if (++wait->painted < wait->wanted)
    gtk_widget_queue_draw (wait->widget);
}

static gboolean
frames_painted (gpointer user_data)
{
  FrameWait *wait = user_data;

  return wait->painted >= wait->wanted;
}

/**
 * chk_test_wait_frames:
 * @widget: a widget on screen
 * @n_frames: how many frames
 *
 * Runs the main loop until @widget's window has drawn @n_frames more
 * frames, asking for each. What a layout leaves to an idle (and the next
 * layout) is on screen two frames later, however slow the machine is;
 * waiting a given time is not enough on a loaded one. Fails the test when
 * a frame takes more than 20 s.
 */
void
chk_test_wait_frames (GtkWidget *widget,
                      guint      n_frames)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  FrameWait wait = { widget, 0, n_frames };
  gulong handler;

  g_assert_nonnull (clock);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (frame_painted_cb), &wait);
  gtk_widget_queue_draw (widget);
  g_assert_true (chk_test_wait_until (frames_painted, &wait, 20.0 * n_frames));
  g_signal_handler_disconnect (clock, handler);
}
