/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "chk-editor-util.h"
#include "chk-environment-row.h"

/**
 * ChkEnvironmentRow:
 *
 * One variable of a job's environment in the editor, written NAME=value,
 * with a button that removes it. It shows the error style when its text
 * is no variable (#ChkEnvironmentRow:invalid) or when the daemon refused
 * the environment it is part of.
 */
struct _ChkEnvironmentRow
{
  AdwEntryRow  parent_instance;

  gboolean     invalid;
  gboolean     refused;
};

G_DEFINE_FINAL_TYPE (ChkEnvironmentRow, chk_environment_row, ADW_TYPE_ENTRY_ROW)

enum {
  PROP_0,
  PROP_INVALID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_REMOVE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
update_style (ChkEnvironmentRow *self)
{
  if (self->invalid || self->refused)
    gtk_widget_add_css_class (GTK_WIDGET (self), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "error");
}

static void
remove_clicked_cb (ChkEnvironmentRow *self,
                   GtkButton         *button)
{
  g_signal_emit (self, signals[SIGNAL_REMOVE], 0);
}

static void
chk_environment_row_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ChkEnvironmentRow *self = CHK_ENVIRONMENT_ROW (object);

  switch (prop_id)
    {
    case PROP_INVALID:
      g_value_set_boolean (value, self->invalid);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_environment_row_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  ChkEnvironmentRow *self = CHK_ENVIRONMENT_ROW (object);

  switch (prop_id)
    {
    case PROP_INVALID:
      chk_environment_row_set_invalid (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_environment_row_class_init (ChkEnvironmentRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = chk_environment_row_get_property;
  object_class->set_property = chk_environment_row_set_property;

  /**
   * ChkEnvironmentRow:invalid:
   *
   * Whether the text is no variable: no "=", no name, or a name given twice.
   */
  properties[PROP_INVALID] =
    g_param_spec_boolean ("invalid", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ChkEnvironmentRow::remove:
   * @self: the row
   *
   * The row's Remove button was clicked.
   */
  signals[SIGNAL_REMOVE] =
    g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
chk_environment_row_init (ChkEnvironmentRow *self)
{
  GtkWidget *remove = chk_row_button_new ("list-remove-symbolic", _("Remove Variable"));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), _("Variable (NAME=value)"));
  gtk_widget_add_css_class (GTK_WIDGET (self), "chk-monospace-row");
  g_signal_connect_object (remove, "clicked", G_CALLBACK (remove_clicked_cb), self, G_CONNECT_SWAPPED);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (self), remove);
}

/**
 * chk_environment_row_new:
 * @text: the variable, NAME=value
 *
 * Returns: (transfer floating): a new row
 */
GtkWidget *
chk_environment_row_new (const char *text)
{
  GtkWidget *row = g_object_new (CHK_TYPE_ENVIRONMENT_ROW, NULL);

  gtk_editable_set_text (GTK_EDITABLE (row), text != NULL ? text : "");
  return row;
}

/**
 * chk_environment_row_get_variable:
 * @self: a #ChkEnvironmentRow
 * @out_name: (out) (transfer full): the name, before the first "="
 * @out_value: (out) (transfer full): the value, after it
 *
 * Returns: %FALSE, setting neither, when the text has no "="
 */
gboolean
chk_environment_row_get_variable (ChkEnvironmentRow  *self,
                                  char              **out_name,
                                  char              **out_value)
{
  const char *text;
  const char *equals;

  g_return_val_if_fail (CHK_IS_ENVIRONMENT_ROW (self), FALSE);

  text = chk_editable_text (self);
  equals = strchr (text, '=');
  if (equals == NULL)
    return FALSE;
  *out_name = g_strndup (text, equals - text);
  *out_value = g_strdup (equals + 1);
  return TRUE;
}

/**
 * chk_environment_row_get_invalid:
 * @self: a #ChkEnvironmentRow
 *
 * Returns: whether the text is no variable
 */
gboolean
chk_environment_row_get_invalid (ChkEnvironmentRow *self)
{
  g_return_val_if_fail (CHK_IS_ENVIRONMENT_ROW (self), FALSE);

  return self->invalid;
}

/**
 * chk_environment_row_set_invalid:
 * @self: a #ChkEnvironmentRow
 * @invalid: whether the text is no variable
 */
void
chk_environment_row_set_invalid (ChkEnvironmentRow *self,
                                 gboolean           invalid)
{
  g_return_if_fail (CHK_IS_ENVIRONMENT_ROW (self));

  invalid = !!invalid;
  if (self->invalid == invalid)
    return;
  self->invalid = invalid;
  update_style (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INVALID]);
}

/**
 * chk_environment_row_set_refused:
 * @self: a #ChkEnvironmentRow
 * @refused: whether the daemon refused the environment the row is part of
 *
 * The daemon does not say which variable it refused: all of them show
 * the error style until one changes.
 */
void
chk_environment_row_set_refused (ChkEnvironmentRow *self,
                                 gboolean           refused)
{
  g_return_if_fail (CHK_IS_ENVIRONMENT_ROW (self));

  self->refused = !!refused;
  update_style (self);
}
