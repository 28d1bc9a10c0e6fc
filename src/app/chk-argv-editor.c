/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>

#include "chk-argv-editor.h"
#include "chk-editor-util.h"

/**
 * ChkArgvEditor:
 *
 * The editor's Arguments group: what follows the program in a job's
 * command, one row each, so that spaces and empty arguments stay as they
 * are. Rows can be added, moved and removed.
 */
struct _ChkArgvEditor
{
  AdwPreferencesGroup  parent_instance;

  GPtrArray           *argument_rows;
  GtkWidget           *focus_when_empty;
};

G_DEFINE_FINAL_TYPE (ChkArgvEditor, chk_argv_editor, ADW_TYPE_PREFERENCES_GROUP)

enum {
  PROP_0,
  PROP_ARGUMENTS,
  PROP_FOCUS_WHEN_EMPTY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
notify_arguments (ChkArgvEditor *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ARGUMENTS]);
}

static void
renumber_argument_rows (ChkArgvEditor *self)
{
  for (guint i = 0; i < self->argument_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->argument_rows, i);
      g_autofree char *title = g_strdup_printf (_("Argument %u"), i + 1);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      gtk_widget_set_sensitive (g_object_get_data (G_OBJECT (row), "chk-up"), i > 0);
      gtk_widget_set_sensitive (g_object_get_data (G_OBJECT (row), "chk-down"), i + 1 < self->argument_rows->len);
    }
}

static void
move_argument (ChkArgvEditor *self,
               GtkWidget     *button,
               int            step)
{
  GtkWidget *row = gtk_widget_get_ancestor (button, ADW_TYPE_ENTRY_ROW);
  GtkWidget *other;
  g_autofree char *text = NULL;
  guint index;

  if (row == NULL || !g_ptr_array_find (self->argument_rows, row, &index))
    return;
  if ((step < 0 && index == 0) || (step > 0 && index + 1 >= self->argument_rows->len))
    return;

  /* Rows keep their place; their texts change places. */
  other = g_ptr_array_index (self->argument_rows, index + step);
  text = g_strdup (chk_editable_text (row));
  gtk_editable_set_text (GTK_EDITABLE (row), chk_editable_text (other));
  gtk_editable_set_text (GTK_EDITABLE (other), text);

  /* Keep moving the same argument with the same button; at the end, the focus
   * stays on a button rather than selecting the text to type over. */
  button = g_object_get_data (G_OBJECT (other), step < 0 ? "chk-up" : "chk-down");
  if (!gtk_widget_get_sensitive (button))
    button = g_object_get_data (G_OBJECT (other), step < 0 ? "chk-down" : "chk-up");
  gtk_widget_grab_focus (button);
}

static void
move_up_clicked_cb (GtkButton     *button,
                    ChkArgvEditor *self)
{
  move_argument (self, GTK_WIDGET (button), -1);
}

static void
move_down_clicked_cb (GtkButton     *button,
                      ChkArgvEditor *self)
{
  move_argument (self, GTK_WIDGET (button), 1);
}

static void
remove_argument_clicked_cb (GtkButton     *button,
                            ChkArgvEditor *self)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), ADW_TYPE_ENTRY_ROW);
  guint index;

  if (row == NULL || !g_ptr_array_find (self->argument_rows, row, &index))
    return;

  g_ptr_array_remove_index (self->argument_rows, index);
  adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self), row);
  renumber_argument_rows (self);
  notify_arguments (self);

  if (self->argument_rows->len > 0)
    chk_focus_keeping_text (g_ptr_array_index (self->argument_rows, MIN (index, self->argument_rows->len - 1)));
  else if (self->focus_when_empty != NULL)
    chk_focus_keeping_text (self->focus_when_empty);
}

static GtkWidget *
add_argument_row (ChkArgvEditor *self,
                  const char    *text)
{
  GtkWidget *row = adw_entry_row_new ();
  GtkWidget *up = chk_row_button_new ("go-up-symbolic", _("Move Up"));
  GtkWidget *down = chk_row_button_new ("go-down-symbolic", _("Move Down"));
  GtkWidget *remove = chk_row_button_new ("list-remove-symbolic", _("Remove Argument"));

  gtk_editable_set_text (GTK_EDITABLE (row), text);
  gtk_widget_add_css_class (row, "chk-monospace-row");
  g_signal_connect (up, "clicked", G_CALLBACK (move_up_clicked_cb), self);
  g_signal_connect (down, "clicked", G_CALLBACK (move_down_clicked_cb), self);
  g_signal_connect (remove, "clicked", G_CALLBACK (remove_argument_clicked_cb), self);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), up);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), down);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), remove);
  g_object_set_data (G_OBJECT (row), "chk-up", up);
  g_object_set_data (G_OBJECT (row), "chk-down", down);
  g_signal_connect_swapped (row, "changed", G_CALLBACK (notify_arguments), self);

  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), row);
  g_ptr_array_add (self->argument_rows, row);
  renumber_argument_rows (self);
  return row;
}


static void
add_argument_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  ChkArgvEditor *self = CHK_ARGV_EDITOR (widget);

  gtk_widget_grab_focus (add_argument_row (self, ""));
  notify_arguments (self);
}

static void
chk_argv_editor_dispose (GObject *object)
{
  ChkArgvEditor *self = CHK_ARGV_EDITOR (object);

  g_clear_weak_pointer (&self->focus_when_empty);
  g_clear_pointer (&self->argument_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (chk_argv_editor_parent_class)->dispose (object);
}

static void
chk_argv_editor_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  ChkArgvEditor *self = CHK_ARGV_EDITOR (object);

  switch (prop_id)
    {
    case PROP_ARGUMENTS:
      g_value_take_boxed (value, chk_argv_editor_dup_arguments (self));
      break;
    case PROP_FOCUS_WHEN_EMPTY:
      g_value_set_object (value, self->focus_when_empty);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_argv_editor_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  ChkArgvEditor *self = CHK_ARGV_EDITOR (object);

  switch (prop_id)
    {
    case PROP_ARGUMENTS:
      chk_argv_editor_set_arguments (self, g_value_get_boxed (value));
      break;
    case PROP_FOCUS_WHEN_EMPTY:
      if (g_set_weak_pointer (&self->focus_when_empty, g_value_get_object (value)))
        g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_argv_editor_class_init (ChkArgvEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chk_argv_editor_dispose;
  object_class->get_property = chk_argv_editor_get_property;
  object_class->set_property = chk_argv_editor_set_property;

  /**
   * ChkArgvEditor:arguments:
   *
   * The arguments, as the rows hold them; notified as they are typed.
   */
  properties[PROP_ARGUMENTS] =
    g_param_spec_boxed ("arguments", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkArgvEditor:focus-when-empty:
   *
   * Where the focus goes once the last argument is removed: the program's row.
   */
  properties[PROP_FOCUS_WHEN_EMPTY] =
    g_param_spec_object ("focus-when-empty", NULL, NULL, GTK_TYPE_WIDGET,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/chroniker/Chroniker/chk-argv-editor.ui");
  gtk_widget_class_install_action (widget_class, "arguments.add", NULL, add_argument_action);
}

static void
chk_argv_editor_init (ChkArgvEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->argument_rows = g_ptr_array_new ();
}

/**
 * chk_argv_editor_dup_arguments:
 * @self: a #ChkArgvEditor
 *
 * Returns: (transfer full): the arguments, empty ones included
 */
char **
chk_argv_editor_dup_arguments (ChkArgvEditor *self)
{
  GStrvBuilder *builder;
  char **arguments;

  g_return_val_if_fail (CHK_IS_ARGV_EDITOR (self), NULL);

  builder = g_strv_builder_new ();
  for (guint i = 0; i < self->argument_rows->len; i++)
    g_strv_builder_add (builder, chk_editable_text (g_ptr_array_index (self->argument_rows, i)));
  arguments = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return arguments;
}

/**
 * chk_argv_editor_set_arguments:
 * @self: a #ChkArgvEditor
 * @arguments: (nullable) (array zero-terminated=1): the arguments, or %NULL for none
 *
 * Shows @arguments, a row each, in place of the rows there were.
 */
void
chk_argv_editor_set_arguments (ChkArgvEditor      *self,
                               const char * const *arguments)
{
  g_return_if_fail (CHK_IS_ARGV_EDITOR (self));

  while (self->argument_rows->len > 0)
    {
      GtkWidget *row = g_ptr_array_steal_index (self->argument_rows, self->argument_rows->len - 1);

      adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self), row);
    }
  for (guint i = 0; arguments != NULL && arguments[i] != NULL; i++)
    add_argument_row (self, arguments[i]);
  notify_arguments (self);
}
