/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>

#include "chk-editor-util.h"
#include "chk-environment-editor-private.h"
#include "chk-environment-row.h"
#include "chk-job-spec.h"

/**
 * ChkEnvironmentEditor:
 *
 * The editor's Environment group: the working directory, with a folder
 * chooser, and the variables, a #ChkEnvironmentRow each. What is wrong
 * with the variables is its #ChkEnvironmentEditor:problem; the job
 * editor shows it, and the daemon's refusals, under the group.
 */
struct _ChkEnvironmentEditor
{
  AdwPreferencesGroup   parent_instance;

  GPtrArray            *variable_rows;
  GtkFileChooserNative *folder_chooser;
  char                 *problem;
  gboolean              refused;

  AdwEntryRow          *workdir_row;
  GtkWidget            *workdir_clear_button;
  GtkLabel             *error_label;
};

G_DEFINE_FINAL_TYPE (ChkEnvironmentEditor, chk_environment_editor, ADW_TYPE_PREFERENCES_GROUP)

enum {
  PROP_0,
  PROP_WORKING_DIRECTORY,
  PROP_LINES,
  PROP_PROBLEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_problem (ChkEnvironmentEditor *self,
             const char           *problem)
{
  if (chk_set_string (&self->problem, problem))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
}

/* Checks the variables; returns them (empty rows left out) when all are fine. */
static GHashTable *
collect_variables (ChkEnvironmentEditor *self)
{
  g_autoptr(GHashTable) variables = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *message = NULL;

  for (guint i = 0; i < self->variable_rows->len; i++)
    {
      ChkEnvironmentRow *row = g_ptr_array_index (self->variable_rows, i);
      const char *text = chk_editable_text (row);
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;
      g_autofree char *row_message = NULL;

      if (text[0] == '\0')
        row_message = NULL;
      else if (!chk_environment_row_get_variable (row, &name, &value))
        row_message = g_strdup_printf (_("“%s” has no “=”: write variables as NAME=value"), text);
      else if (name[0] == '\0')
        row_message = g_strdup_printf (_("“%s” has no name before the “=”"), text);
      else if (g_hash_table_contains (variables, name))
        row_message = g_strdup_printf (_("%s is given twice"), name);
      else
        g_hash_table_insert (variables, g_steal_pointer (&name), g_steal_pointer (&value));

      chk_environment_row_set_invalid (row, row_message != NULL);
      if (row_message != NULL && message == NULL)
        message = g_steal_pointer (&row_message);
    }

  set_problem (self, message);
  if (message != NULL)
    return NULL;
  return g_steal_pointer (&variables);
}

static void
variables_changed (ChkEnvironmentEditor *self)
{
  g_autoptr(GHashTable) variables = collect_variables (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LINES]);
}

static void
remove_variable_cb (ChkEnvironmentEditor *self,
                    ChkEnvironmentRow    *row)
{
  guint index;

  if (!g_ptr_array_find (self->variable_rows, row, &index))
    return;

  g_ptr_array_remove_index (self->variable_rows, index);
  adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self), GTK_WIDGET (row));
  variables_changed (self);

  if (self->variable_rows->len > 0)
    chk_focus_keeping_text (g_ptr_array_index (self->variable_rows, MIN (index, self->variable_rows->len - 1)));
  else
    chk_focus_keeping_text (GTK_WIDGET (self->workdir_row));
}

static GtkWidget *
add_variable_row (ChkEnvironmentEditor *self,
                  const char           *text)
{
  GtkWidget *row = chk_environment_row_new (text);

  chk_environment_row_set_refused (CHK_ENVIRONMENT_ROW (row), self->refused);
  g_signal_connect_object (row, "remove", G_CALLBACK (remove_variable_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "changed", G_CALLBACK (variables_changed), self, G_CONNECT_SWAPPED);

  /* Rows go in the group's list, above its error label. */
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), row);

  g_ptr_array_add (self->variable_rows, row);
  return row;
}

static void
add_variable_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  ChkEnvironmentEditor *self = CHK_ENVIRONMENT_EDITOR (widget);

  gtk_widget_grab_focus (add_variable_row (self, ""));
  variables_changed (self);
}

static void
workdir_changed_cb (ChkEnvironmentEditor *self,
                    GtkEditable          *editable)
{
  gtk_widget_set_visible (self->workdir_clear_button, chk_editable_text (editable)[0] != '\0');
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKING_DIRECTORY]);
}

static void
folder_chosen_cb (GtkNativeDialog      *dialog,
                  int                   response,
                  ChkEnvironmentEditor *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = folder != NULL ? g_file_get_path (folder) : NULL;

      if (path != NULL)
        gtk_editable_set_text (GTK_EDITABLE (self->workdir_row), path);
    }
  g_clear_object (&self->folder_chooser);
}

static void
choose_folder_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  ChkEnvironmentEditor *self = CHK_ENVIRONMENT_EDITOR (widget);
  const char *current = chk_editable_text (self->workdir_row);
  GtkRoot *root = gtk_widget_get_root (widget);

  if (self->folder_chooser != NULL)
    return;

  self->folder_chooser = gtk_file_chooser_native_new (_("Choose the Working Directory"),
                                                      GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                      GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                                      _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->folder_chooser), TRUE);
  if (current[0] == '/')
    {
      g_autoptr(GFile) folder = g_file_new_for_path (current);

      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->folder_chooser), folder, NULL);
    }
  g_signal_connect (self->folder_chooser, "response", G_CALLBACK (folder_chosen_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->folder_chooser));
}

static void
clear_folder_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  ChkEnvironmentEditor *self = CHK_ENVIRONMENT_EDITOR (widget);

  gtk_editable_set_text (GTK_EDITABLE (self->workdir_row), "");
  chk_focus_keeping_text (GTK_WIDGET (self->workdir_row));
}

static void
chk_environment_editor_dispose (GObject *object)
{
  ChkEnvironmentEditor *self = CHK_ENVIRONMENT_EDITOR (object);

  if (self->folder_chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->folder_chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->folder_chooser));
      g_clear_object (&self->folder_chooser);
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), CHK_TYPE_ENVIRONMENT_EDITOR);
  g_clear_pointer (&self->variable_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (chk_environment_editor_parent_class)->dispose (object);
}

static void
chk_environment_editor_finalize (GObject *object)
{
  ChkEnvironmentEditor *self = CHK_ENVIRONMENT_EDITOR (object);

  g_free (self->problem);

  G_OBJECT_CLASS (chk_environment_editor_parent_class)->finalize (object);
}

static void
chk_environment_editor_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  ChkEnvironmentEditor *self = CHK_ENVIRONMENT_EDITOR (object);

  switch (prop_id)
    {
    case PROP_WORKING_DIRECTORY:
      g_value_set_string (value, chk_environment_editor_get_working_directory (self));
      break;
    case PROP_LINES:
      g_value_take_boxed (value, chk_environment_editor_dup_lines (self));
      break;
    case PROP_PROBLEM:
      g_value_set_string (value, self->problem);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_environment_editor_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  ChkEnvironmentEditor *self = CHK_ENVIRONMENT_EDITOR (object);

  switch (prop_id)
    {
    case PROP_WORKING_DIRECTORY:
      chk_environment_editor_set_working_directory (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_environment_editor_class_init (ChkEnvironmentEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chk_environment_editor_dispose;
  object_class->finalize = chk_environment_editor_finalize;
  object_class->get_property = chk_environment_editor_get_property;
  object_class->set_property = chk_environment_editor_set_property;

  /**
   * ChkEnvironmentEditor:working-directory:
   *
   * The working directory as typed; "" for the home folder.
   */
  properties[PROP_WORKING_DIRECTORY] =
    g_param_spec_string ("working-directory", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkEnvironmentEditor:lines:
   *
   * The variables' rows as typed, NAME=value or not; notified as they are
   * typed, added and removed.
   */
  properties[PROP_LINES] =
    g_param_spec_boxed ("lines", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkEnvironmentEditor:problem:
   *
   * What is wrong with the first row that is no variable, or %NULL.
   */
  properties[PROP_PROBLEM] =
    g_param_spec_string ("problem", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/chroniker/Chroniker/chk-environment-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, ChkEnvironmentEditor, workdir_row);
  gtk_widget_class_bind_template_child (widget_class, ChkEnvironmentEditor, workdir_clear_button);
  gtk_widget_class_bind_template_child (widget_class, ChkEnvironmentEditor, error_label);
  gtk_widget_class_bind_template_callback (widget_class, workdir_changed_cb);

  gtk_widget_class_install_action (widget_class, "environment.add-variable", NULL, add_variable_action);
  gtk_widget_class_install_action (widget_class, "environment.choose-folder", NULL, choose_folder_action);
  gtk_widget_class_install_action (widget_class, "environment.clear-folder", NULL, clear_folder_action);
}

static void
chk_environment_editor_init (ChkEnvironmentEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->variable_rows = g_ptr_array_new ();
}

/**
 * chk_environment_editor_get_working_directory:
 * @self: a #ChkEnvironmentEditor
 *
 * Returns: the working directory as typed
 */
const char *
chk_environment_editor_get_working_directory (ChkEnvironmentEditor *self)
{
  g_return_val_if_fail (CHK_IS_ENVIRONMENT_EDITOR (self), NULL);

  return chk_editable_text (self->workdir_row);
}

/**
 * chk_environment_editor_set_working_directory:
 * @self: a #ChkEnvironmentEditor
 * @path: (nullable): the working directory, or %NULL or "" for the home folder
 */
void
chk_environment_editor_set_working_directory (ChkEnvironmentEditor *self,
                                              const char           *path)
{
  g_return_if_fail (CHK_IS_ENVIRONMENT_EDITOR (self));

  gtk_editable_set_text (GTK_EDITABLE (self->workdir_row), path != NULL ? path : "");
}

/**
 * chk_environment_editor_dup_variables:
 * @self: a #ChkEnvironmentEditor
 *
 * Returns: (transfer full) (nullable): the variables as an `a{ss}` sorted
 *   by name, empty rows left out, or %NULL when a row is no variable
 */
GVariant *
chk_environment_editor_dup_variables (ChkEnvironmentEditor *self)
{
  g_autoptr(GHashTable) variables = NULL;

  g_return_val_if_fail (CHK_IS_ENVIRONMENT_EDITOR (self), NULL);

  variables = collect_variables (self);
  if (variables == NULL)
    return NULL;
  return g_variant_ref_sink (chk_environment_to_variant (variables));
}

/**
 * chk_environment_editor_set_variables:
 * @self: a #ChkEnvironmentEditor
 * @variables: (nullable): an `a{ss}`, or %NULL for none
 *
 * Shows @variables, a row each, in place of the rows there were.
 */
void
chk_environment_editor_set_variables (ChkEnvironmentEditor *self,
                                      GVariant             *variables)
{
  g_return_if_fail (CHK_IS_ENVIRONMENT_EDITOR (self));
  g_return_if_fail (variables == NULL || g_variant_is_of_type (variables, G_VARIANT_TYPE ("a{ss}")));

  while (self->variable_rows->len > 0)
    {
      GtkWidget *row = g_ptr_array_steal_index (self->variable_rows, self->variable_rows->len - 1);

      adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self), row);
    }
  if (variables != NULL)
    {
      GVariantIter iter;
      const char *name, *value;

      g_variant_iter_init (&iter, variables);
      while (g_variant_iter_next (&iter, "{&s&s}", &name, &value))
        {
          g_autofree char *line = g_strconcat (name, "=", value, NULL);

          add_variable_row (self, line);
        }
    }
  variables_changed (self);
}

/**
 * chk_environment_editor_dup_lines:
 * @self: a #ChkEnvironmentEditor
 *
 * Returns: (transfer full): the variables' rows as typed, empty ones included
 */
char **
chk_environment_editor_dup_lines (ChkEnvironmentEditor *self)
{
  GStrvBuilder *builder;
  char **lines;

  g_return_val_if_fail (CHK_IS_ENVIRONMENT_EDITOR (self), NULL);

  builder = g_strv_builder_new ();
  for (guint i = 0; i < self->variable_rows->len; i++)
    g_strv_builder_add (builder, chk_editable_text (g_ptr_array_index (self->variable_rows, i)));
  lines = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return lines;
}

/**
 * chk_environment_editor_get_problem:
 * @self: a #ChkEnvironmentEditor
 *
 * Returns: (nullable): what is wrong with the first row that is no variable
 */
const char *
chk_environment_editor_get_problem (ChkEnvironmentEditor *self)
{
  g_return_val_if_fail (CHK_IS_ENVIRONMENT_EDITOR (self), NULL);

  return self->problem;
}

GtkLabel *
_chk_environment_editor_get_error_label (ChkEnvironmentEditor *self)
{
  return self->error_label;
}

GtkWidget *
_chk_environment_editor_get_working_directory_row (ChkEnvironmentEditor *self)
{
  return GTK_WIDGET (self->workdir_row);
}

/* Where to go for an error about the variables: the first row that is no
 * variable, or else the first row; %NULL when there is none. */
GtkWidget *
_chk_environment_editor_get_variables_focus (ChkEnvironmentEditor *self)
{
  for (guint i = 0; i < self->variable_rows->len; i++)
    {
      ChkEnvironmentRow *row = g_ptr_array_index (self->variable_rows, i);

      if (chk_environment_row_get_invalid (row))
        return GTK_WIDGET (row);
    }
  if (self->variable_rows->len > 0)
    return g_ptr_array_index (self->variable_rows, 0);
  return NULL;
}

/* The daemon refused the variables, or a change since took the refusal away. */
void
_chk_environment_editor_set_refused (ChkEnvironmentEditor *self,
                                     gboolean              refused)
{
  self->refused = refused;
  for (guint i = 0; i < self->variable_rows->len; i++)
    chk_environment_row_set_refused (g_ptr_array_index (self->variable_rows, i), refused);
}
