/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>

#include "chk-background-request.h"
#include "chk-editor-util.h"
#include "chk-environment-editor-private.h"
#include "chk-error.h"
#include "chk-job-editor-private.h"
#include "chk-job-item.h"
#include "chk-message-label.h"
#include "chk-schedule-builder-private.h"
#include "chk-window.h"

/* How long to wait for a created job to show up in the list before giving up on selecting it. */
#define SELECT_TIMEOUT_SECONDS 10
/* The default-max-tasks setting's own default (DESIGN §7), until it is read */
#define DEFAULT_MAX_TASKS 1024
/* What a new monitor checks by: every 5 minutes */
#define MONITOR_SCHEDULE "*/5 * * * *"

G_DEFINE_FINAL_TYPE (ChkJobEditor, chk_job_editor, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_MODEL,
  PROP_JOB,
  PROP_DUPLICATE,
  PROP_MONITOR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Small helpers */

static gboolean
is_blank (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isspace (*p))
        return FALSE;
    }
  return TRUE;
}

char *
_chk_job_editor_shell_text (ChkJobEditor *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->shell_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

gboolean
_chk_job_editor_shell_mode (ChkJobEditor *self)
{
  return gtk_toggle_button_get_active (self->shell_toggle);
}

/* An HTTP check (check-url) rather than a command */
gboolean
_chk_job_editor_check_mode (ChkJobEditor *self)
{
  return gtk_toggle_button_get_active (self->check_toggle);
}

static gboolean
editing (ChkJobEditor *self)
{
  return self->job != NULL && !self->duplicate;
}

static void
show_banner (ChkJobEditor *self,
             const char   *message)
{
  chk_message_label_set_text (self->banner_label, message);
  gtk_revealer_set_reveal_child (self->banner_revealer, TRUE);
}

/* Command */

void
_chk_job_editor_update_save_action (ChkJobEditor *self)
{
  g_autofree char *name = g_strstrip (g_strdup (chk_editable_text (self->name_row)));
  gboolean command_filled;
  gboolean invalid = FALSE;

  if (_chk_job_editor_check_mode (self))
    {
      command_filled = !is_blank (chk_editable_text (self->check_url_row));
    }
  else if (_chk_job_editor_shell_mode (self))
    {
      g_autofree char *text = _chk_job_editor_shell_text (self);

      command_filled = !is_blank (text);
    }
  else
    {
      command_filled = chk_editable_text (self->program_row)[0] != '\0';
    }

  /* What the editor knows to be wrong (the daemon's refusals of a Save
   * excepted: another field may be the cure). */
  for (Field field = 0; field < N_FIELDS; field++)
    invalid |= self->local_errors[field] != NULL;
  invalid |= self->preview_error != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.save",
                                 !self->saving && name[0] != '\0' && command_filled && !invalid);
  /* Why Save does nothing, when the problem has scrolled out of sight */
  gtk_widget_set_tooltip_text (self->save_button,
                               invalid && !self->saving ? _("Correct the problems shown first") : NULL);
}

static void
update_shell_hint (ChkJobEditor *self)
{
  gboolean shell_job = editing (self) && g_variant_lookup (self->original, "shell", "&s", NULL);

  if (self->allow_shell)
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->shell_toggle), TRUE);
      gtk_widget_set_visible (GTK_WIDGET (self->shell_hint), FALSE);
      return;
    }

  if (shell_job)
    {
      /* The daemon keeps a shell job's line as it is, but refuses a new one. */
      gtk_label_set_text (self->shell_hint,
                          _("Shell commands are turned off in the scheduler’s preferences. "
                            "This job keeps its command line, but a changed one will be refused."));
    }
  else
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->shell_toggle), _chk_job_editor_shell_mode (self));
      gtk_label_set_text (self->shell_hint,
                          _("Shell commands are turned off in the scheduler’s preferences: "
                            "give the program and its arguments."));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->shell_hint), TRUE);
}

void
_chk_job_editor_update_command_mode (ChkJobEditor *self)
{
  gboolean shell = _chk_job_editor_shell_mode (self);
  gboolean check = _chk_job_editor_check_mode (self);

  gtk_widget_set_visible (GTK_WIDGET (self->program_row), !shell && !check);
  gtk_widget_set_visible (GTK_WIDGET (self->argv_editor), !shell && !check);
  gtk_widget_set_visible (GTK_WIDGET (self->shell_row), shell);
  gtk_widget_set_visible (GTK_WIDGET (self->check_url_row), check);
  gtk_widget_set_visible (GTK_WIDGET (self->check_group), check);
  /* A check runs no process: no folder, no variables, and its own time limit. */
  gtk_widget_set_visible (GTK_WIDGET (self->environment_editor), !check);
  gtk_widget_set_visible (GTK_WIDGET (self->timeout_row), !check);
  gtk_widget_set_visible (GTK_WIDGET (self->merge_stderr_row), !check);
  gtk_widget_set_visible (GTK_WIDGET (self->limits_group), !check);
  adw_preferences_group_set_description (self->runs_group,
                                         check ? NULL
                                         : _("An empty time limit lets a run take as long as it needs."));
  update_shell_hint (self);
  _chk_job_editor_update_errors (self);
  _chk_job_editor_update_save_action (self);
}

static void
mode_toggled_cb (ChkJobEditor    *self,
                 GtkToggleButton *button)
{
  /* The group first turns the other button off, before this one is on. */
  if (!gtk_toggle_button_get_active (button))
    return;

  _chk_job_editor_clear_save_error (self, FIELD_COMMAND);
  _chk_job_editor_clear_save_error (self, FIELD_CHECK_URL);
  _chk_job_editor_update_command_mode (self);

  /* Choosing how to give the command leads to where it is written. */
  if (!self->loading)
    chk_focus_keeping_text (_chk_job_editor_check_mode (self) ? GTK_WIDGET (self->check_url_row)
                        : _chk_job_editor_shell_mode (self) ? GTK_WIDGET (self->shell_view)
                        : GTK_WIDGET (self->program_row));
}

static void field_changed_cb (ChkJobEditor *self,
                              GtkWidget    *widget);

/* Settings */

/* What 0 means, with the daemon's number */
static void
update_max_tasks_hint (ChkJobEditor *self)
{
  /* Translators: the subtitle of Max Processes; %'u is the default-max-tasks setting, e.g. 1,024 */
  g_autofree char *text = g_strdup_printf (_("Processes and threads at once; 0 uses the default (%'u)"),
                                           self->default_max_tasks);

  adw_action_row_set_subtitle (self->max_tasks_row, text);
}

static void
settings_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  /* No ref: dispose cancels the call, and CANCELLED returns before self is used. */
  ChkJobEditor *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) settings = NULL;
  gboolean allow_shell = TRUE;

  if (!chk_scheduler1_call_get_settings_finish (CHK_SCHEDULER1 (object), &settings, result, &error))
    {
      /* The daemon says so on Save if shells are off. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Could not read the scheduler's settings: %s", error->message);
      return;
    }

  g_variant_lookup (settings, "allow-shell", "b", &allow_shell);
  self->allow_shell = allow_shell;
  update_shell_hint (self);
  g_variant_lookup (settings, "default-max-tasks", "u", &self->default_max_tasks);
  update_max_tasks_hint (self);
}

static void
fetch_from_scheduler (ChkJobEditor *self)
{
  ChkScheduler1 *scheduler = chk_job_model_get_scheduler (self->model);

  if (scheduler == NULL)
    return;
  chk_scheduler1_call_get_settings (scheduler, self->cancellable, settings_done_cb, self);
}

/* Opened before the daemon was reached, or reached again after a restart */
static void
model_state_changed_cb (ChkJobEditor *self,
                        GParamSpec   *pspec,
                        ChkJobModel  *model)
{
  if (chk_job_model_get_state (model) == CHK_JOB_MODEL_READY)
    fetch_from_scheduler (self);
}

/* Unsaved changes */

static gboolean
has_unsaved_changes (ChkJobEditor *self)
{
  g_autoptr(GVariant) now = NULL;

  if (self->initial_form == NULL)
    return FALSE;
  now = _chk_job_editor_form_snapshot (self);
  return !g_variant_equal (now, self->initial_form);
}

/* Whether the editor may close without asking. */
static gboolean
may_close (ChkJobEditor *self)
{
  /* Saving: what was typed is on its way to the daemon. */
  return self->discard_confirmed || self->saving || !has_unsaved_changes (self);
}

/* Tells those waiting in chk_job_editor_close_async() whether it closed. */
static void
return_close_tasks (ChkJobEditor *self,
                    gboolean      closed)
{
  g_autoptr(GPtrArray) tasks = NULL;

  if (self->close_tasks == NULL || self->close_tasks->len == 0)
    return;
  tasks = g_steal_pointer (&self->close_tasks);
  if (!self->disposed)
    self->close_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < tasks->len; i++)
    g_task_return_boolean (g_ptr_array_index (tasks, i), closed);
}

static gboolean
close_after_discard_cb (gpointer user_data)
{
  ChkJobEditor *self = user_data;

  if (!self->disposed)
    gtk_window_close (GTK_WINDOW (self));
  return G_SOURCE_REMOVE;
}

static void
discard_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     ChkJobEditor     *self)
{
  if (!g_str_equal (response, "discard"))
    {
      return_close_tasks (self, FALSE);
      return;
    }

  self->discard_confirmed = TRUE;
  /* Once the dialog, which is still answering, is gone: a parent that goes
   * first leaves GTK 4.8 a dangling transient-for in the dialog. */
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, close_after_discard_cb, g_object_ref (self), g_object_unref);
}

/* Escape, Cancel and the window's close button all come here: changes
 * are only lost when the user says so. */
static gboolean
chk_job_editor_close_request (GtkWindow *window)
{
  ChkJobEditor *self = CHK_JOB_EDITOR (window);
  AdwMessageDialog *dialog;

  if (may_close (self))
    return GTK_WINDOW_CLASS (chk_job_editor_parent_class)->close_request (window);

  if (self->discard_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->discard_dialog));
      return TRUE;
    }

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (window, _("Discard Changes?"),
                                                       editing (self)
                                                       ? _("The changes to this job are not saved.")
                                                       : _("This job is not created yet.")));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Keep Editing"),
                                    "discard", _("_Discard"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
  /* Enter and Escape both keep what was typed. */
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  gtk_window_set_destroy_with_parent (GTK_WINDOW (dialog), TRUE);
  g_signal_connect_object (dialog, "response", G_CALLBACK (discard_response_cb), self, 0);
  g_set_weak_pointer (&self->discard_dialog, dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

/* Saving */

typedef struct
{
  GWeakRef     window;
  ChkJobModel *model;
  char        *path;
  gulong       handler;
  guint        timeout;
} SelectLater;

static void
select_later_free (SelectLater *later)
{
  g_clear_signal_handler (&later->handler, chk_job_model_get_jobs (later->model));
  g_clear_handle_id (&later->timeout, g_source_remove);
  g_weak_ref_clear (&later->window);
  g_object_unref (later->model);
  g_free (later->path);
  g_free (later);
}

static gboolean
select_later_try (SelectLater *later)
{
  ChkJob1 *job = chk_job_model_lookup (later->model, later->path);
  g_autoptr(GtkWidget) window = NULL;

  if (job == NULL)
    return FALSE;

  window = g_weak_ref_get (&later->window);
  if (window != NULL && CHK_IS_WINDOW (window))
    chk_window_select_job (CHK_WINDOW (window), job);
  return TRUE;
}

static void
select_later_items_changed_cb (GListModel  *list,
                               guint        position,
                               guint        removed,
                               guint        added,
                               SelectLater *later)
{
  if (added > 0 && select_later_try (later))
    select_later_free (later);
}

static gboolean
select_later_timeout_cb (gpointer user_data)
{
  SelectLater *later = user_data;

  later->timeout = 0;
  select_later_free (later);
  return G_SOURCE_REMOVE;
}

/* The new job's object may come after CreateJob's reply: select it when it does. */
static void
select_job_when_listed (ChkJobEditor *self,
                        const char   *path)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  SelectLater *later;

  if (parent == NULL || !CHK_IS_WINDOW (parent))
    return;

  later = g_new0 (SelectLater, 1);
  g_weak_ref_init (&later->window, parent);
  later->model = g_object_ref (self->model);
  later->path = g_strdup (path);

  if (select_later_try (later))
    {
      select_later_free (later);
      return;
    }

  later->handler = g_signal_connect (chk_job_model_get_jobs (self->model), "items-changed",
                                     G_CALLBACK (select_later_items_changed_cb), later);
  later->timeout = g_timeout_add_seconds (SELECT_TIMEOUT_SECONDS, select_later_timeout_cb, later);
}

static void
set_saving (ChkJobEditor *self,
            gboolean      saving)
{
  /* The fields go insensitive: keep the focus out of them meanwhile. */
  if (saving)
    {
      g_set_weak_pointer (&self->focus_before_save, gtk_window_get_focus (GTK_WINDOW (self)));
      gtk_widget_grab_focus (self->cancel_button);
    }

  self->saving = saving;
  gtk_widget_set_visible (GTK_WIDGET (self->save_spinner), saving);
  gtk_spinner_set_spinning (self->save_spinner, saving);
  gtk_widget_set_sensitive (GTK_WIDGET (self->page), !saving);
  _chk_job_editor_update_save_action (self);
}

static void
save_failed (ChkJobEditor *self,
             GError       *error)
{
  Field field;

  if (self->disposed)
    return;

  set_saving (self, FALSE);
  g_dbus_error_strip_remote_error (error);
  field = _chk_job_editor_field_for_error (error);

  if (field == FIELD_NONE)
    {
      g_autofree char *message = g_strdup_printf (_("Could not save the job: %s"), error->message);

      show_banner (self, message);
      if (self->focus_before_save != NULL)
        gtk_widget_grab_focus (self->focus_before_save);
      return;
    }

  gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
  g_free (self->save_errors[field]);
  self->save_errors[field] = g_strdup (error->message);
  _chk_job_editor_update_errors (self);
  _chk_job_editor_focus_field (self, field);
}

/* In the Flatpak, the first scheduled job saved asks for the daemon to start at login. */
static void
job_saved (ChkJobEditor *self)
{
  ChkScheduler1 *scheduler = chk_job_model_get_scheduler (self->model);
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  if (scheduler != NULL && self->saved_spec != NULL)
    chk_background_request_job_saved (chk_background_request_get_default (),
                                      g_dbus_proxy_get_connection (G_DBUS_PROXY (scheduler)),
                                      parent != NULL ? parent : GTK_WINDOW (self),
                                      self->saved_spec);
}

static void
create_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ChkJobEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  if (!chk_scheduler1_call_create_job_finish (CHK_SCHEDULER1 (object), &path, result, &error))
    {
      save_failed (self, error);
      return;
    }

  select_job_when_listed (self, path);
  job_saved (self);
  if (!self->disposed)
    gtk_window_destroy (GTK_WINDOW (self));
}

static void
update_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ChkJobEditor) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!chk_job1_call_update_finish (CHK_JOB1 (object), result, &error))
    {
      save_failed (self, error);
      return;
    }

  job_saved (self);
  if (!self->disposed)
    gtk_window_destroy (GTK_WINDOW (self));
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ChkJobEditor *self = CHK_JOB_EDITOR (widget);
  ChkScheduler1 *scheduler = chk_job_model_get_scheduler (self->model);
  g_autoptr(GVariant) spec = NULL;

  if (self->saving)
    return;

  spec = _chk_job_editor_build_spec (self);
  if (spec == NULL)
    {
      _chk_job_editor_focus_field (self, _chk_job_editor_first_error (self));
      return;
    }

  gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
  g_clear_pointer (&self->saved_spec, g_variant_unref);
  self->saved_spec = g_variant_ref (spec);

  if (editing (self))
    {
      g_autoptr(GVariant) changes = _chk_job_editor_changed_keys (self->original, spec);

      if (g_variant_n_children (changes) == 0)
        {
          gtk_window_destroy (GTK_WINDOW (self));
          return;
        }
      set_saving (self, TRUE);
      chk_job1_call_update (chk_job_get_proxy (self->job), changes, NULL, update_done_cb,
                            g_object_ref (self));
      return;
    }

  if (scheduler == NULL)
    {
      show_banner (self, _("Could not save the job: the scheduler is not connected"));
      return;
    }

  set_saving (self, TRUE);
  chk_scheduler1_call_create_job (scheduler, spec, NULL, create_done_cb, g_object_ref (self));
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  gtk_window_close (GTK_WINDOW (widget));
}

static void
dismiss_banner_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  ChkJobEditor *self = CHK_JOB_EDITOR (widget);

  gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
}

/* Edits */

static void
field_changed_cb (ChkJobEditor *self,
                  GtkWidget    *widget)
{
  Field field = _chk_job_editor_field_for_widget (self, widget);

  if (self->loading || field == FIELD_NONE)
    return;

  /* "command, shell or check-url: one of them is required" is about this one too. */
  if (field == FIELD_CHECK_URL)
    _chk_job_editor_clear_save_error (self, FIELD_COMMAND);

  _chk_job_editor_clear_save_error (self, field);

  if (_chk_job_editor_is_duration_field (field))
    {
      _chk_job_editor_check_duration (self, field, NULL);
    }
  else if (field == FIELD_MEMORY_MAX)
    {
      _chk_job_editor_check_memory_max (self, NULL);
    }

  _chk_job_editor_update_errors (self);
  _chk_job_editor_update_save_action (self);
}

static void
shell_buffer_changed_cb (ChkJobEditor  *self,
                         GtkTextBuffer *buffer)
{
  if (self->loading)
    return;
  _chk_job_editor_clear_save_error (self, FIELD_COMMAND);
  _chk_job_editor_update_save_action (self);
}

/* A spin button of the table's: max-runs, max-tasks, cpu-weight, the check's */
static void
spin_changed_cb (ChkJobEditor  *self,
                 GtkSpinButton *spin)
{
  _chk_job_editor_clear_save_error (self, _chk_job_editor_field_for_widget (self, spin));
}

static void
alerts_changed_cb (ChkJobEditor *self,
                   GParamSpec   *pspec,
                   AdwComboRow  *row)
{
  _chk_job_editor_clear_save_error (self, FIELD_ALERTS);
}

static void
monitor_changed_cb (ChkJobEditor *self,
                    GParamSpec   *pspec,
                    GtkSwitch    *toggle)
{
  _chk_job_editor_clear_save_error (self, FIELD_MONITOR);
  _chk_job_editor_clear_save_error (self, FIELD_MONITOR_URL);

  /* A new job made a monitor is checked, as a new monitor is, unless
   * a schedule was chosen for it already. */
  if (!self->loading && self->job == NULL && gtk_switch_get_active (toggle))
    {
      self->loading = TRUE;
      chk_schedule_builder_propose (self->schedule_builder, MONITOR_SCHEDULE);
      self->loading = FALSE;
    }
}

/* A field changed by hand, not by loading a spec: what Save refused of it is stale. */
static void
field_edited (ChkJobEditor *self,
              Field         field)
{
  if (self->loading)
    return;
  _chk_job_editor_clear_save_error (self, field);
  _chk_job_editor_update_errors (self);
  _chk_job_editor_update_save_action (self);
}

static void
workdir_changed_cb (ChkJobEditor         *self,
                    GParamSpec           *pspec,
                    ChkEnvironmentEditor *environment_editor)
{
  field_edited (self, FIELD_WORKING_DIRECTORY);
}

/* A variable typed, added or removed */
static void
variables_changed_cb (ChkJobEditor         *self,
                      GParamSpec           *pspec,
                      ChkEnvironmentEditor *environment_editor)
{
  field_edited (self, FIELD_ENVIRONMENT);
}

static void
environment_problem_changed_cb (ChkJobEditor         *self,
                                GParamSpec           *pspec,
                                ChkEnvironmentEditor *environment_editor)
{
  _chk_job_editor_set_local_error (self, FIELD_ENVIRONMENT, chk_environment_editor_get_problem (environment_editor));
}

/* An argument typed, added, moved or removed */
static void
arguments_changed_cb (ChkJobEditor  *self,
                      GParamSpec    *pspec,
                      ChkArgvEditor *argv_editor)
{
  field_edited (self, FIELD_COMMAND);
}

/* The schedule or its time zone, as typed or made by a preset */
static void
schedule_changed_cb (ChkJobEditor       *self,
                     GParamSpec         *pspec,
                     ChkScheduleBuilder *builder)
{
  if (self->loading)
    return;

  /* A schedule refused on Save may have been about either one. */
  g_clear_pointer (&self->save_errors[FIELD_SCHEDULE], g_free);
  g_clear_pointer (&self->save_errors[FIELD_TIMEZONE], g_free);
  _chk_job_editor_update_errors (self);
  _chk_job_editor_update_save_action (self);
}

static void
schedule_problem_changed_cb (ChkJobEditor       *self,
                             GParamSpec         *pspec,
                             ChkScheduleBuilder *builder)
{
  _chk_job_editor_set_local_error (self, FIELD_SCHEDULE, chk_schedule_builder_get_problem (builder));
}

static void
preview_error_changed_cb (ChkJobEditor       *self,
                          GParamSpec         *pspec,
                          ChkScheduleBuilder *builder)
{
  const GError *error = chk_schedule_builder_get_preview_error (builder);

  g_clear_pointer (&self->preview_error, g_free);
  if (error != NULL)
    {
      self->preview_error = g_strdup (error->message);
      self->preview_error_field = _chk_job_editor_field_for_error (error) == FIELD_TIMEZONE ? FIELD_TIMEZONE : FIELD_SCHEDULE;
    }
  _chk_job_editor_update_errors (self);
}

/* A zone name on its way is not an error yet: it is checked when the
 * field is left, or when the typing goes on to something else. */
static void
timezone_pending_cb (ChkJobEditor       *self,
                     GParamSpec         *pspec,
                     ChkScheduleBuilder *builder)
{
  if (!chk_schedule_builder_get_timezone_pending (builder))
    return;
  if (self->preview_error != NULL && self->preview_error_field == FIELD_TIMEZONE)
    {
      g_clear_pointer (&self->preview_error, g_free);
      _chk_job_editor_update_errors (self);
    }
}

/* GObject */

static void
chk_job_editor_constructed (GObject *object)
{
  ChkJobEditor *self = CHK_JOB_EDITOR (object);
  GtkWindow *parent;

  G_OBJECT_CLASS (chk_job_editor_parent_class)->constructed (object);

  /* One of the app's windows, so that its shortcuts (Ctrl+Q) work here too
   * and quitting finds it; it goes with the main window, as it did when
   * only that one kept the app running. */
  parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  if (parent != NULL && gtk_window_get_application (parent) != NULL)
    gtk_window_set_application (GTK_WINDOW (self), gtk_window_get_application (parent));
  gtk_window_set_destroy_with_parent (GTK_WINDOW (self), TRUE);

  chk_schedule_builder_set_model (self->schedule_builder, self->model);
  _chk_job_editor_orchestration_set_model (self);
  if (self->job != NULL)
    {
      self->original = _chk_job_editor_spec_from_job (self->job);
      _chk_job_editor_load_spec (self, self->original);
    }
  else
    {
      g_autoptr(GVariant) defaults = _chk_job_editor_default_spec ();

      if (self->monitor)
        {
          g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (defaults);

          /* A monitor that is never checked tells nothing. */
          g_variant_dict_insert (&dict, "schedule", "s", MONITOR_SCHEDULE);
          g_variant_dict_insert (&dict, "is-monitor", "b", TRUE);
          g_variant_unref (defaults);
          defaults = g_variant_ref_sink (g_variant_dict_end (&dict));
        }
      _chk_job_editor_load_spec (self, defaults);
      if (self->monitor)
        {
          gtk_window_set_title (GTK_WINDOW (self), _("New Monitor"));
          adw_window_title_set_title (self->window_title, _("New Monitor"));
        }
    }

  if (self->duplicate && self->job != NULL)
    {
      /* Translators: the name of a copy of the job named %s */
      g_autofree char *name = g_strdup_printf (_("%s (copy)"), chk_nonnull (chk_job1_get_name (self->job)));

      gtk_editable_set_text (GTK_EDITABLE (self->name_row), name);
      gtk_window_set_title (GTK_WINDOW (self), _("Duplicate Job"));
      adw_window_title_set_title (self->window_title, _("Duplicate Job"));
    }
  else if (self->job != NULL)
    {
      gtk_window_set_title (GTK_WINDOW (self), _("Edit Job"));
      adw_window_title_set_title (self->window_title, _("Edit Job"));
      adw_window_title_set_subtitle (self->window_title, chk_nonnull (chk_job1_get_name (self->job)));
    }

  fetch_from_scheduler (self);
  g_signal_connect_swapped (self->model, "notify::state", G_CALLBACK (model_state_changed_cb), self);

  _chk_job_editor_update_save_action (self);
  chk_focus_keeping_text (GTK_WIDGET (self->name_row));

  /* Closing asks first once this changes. */
  self->initial_form = _chk_job_editor_form_snapshot (self);
}

static void
chk_job_editor_dispose (GObject *object)
{
  ChkJobEditor *self = CHK_JOB_EDITOR (object);

  self->disposed = TRUE;
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_cancellable_cancel (self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), CHK_TYPE_JOB_EDITOR);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->model);
  g_clear_object (&self->job);
  g_clear_pointer (&self->original, g_variant_unref);
  g_clear_pointer (&self->saved_spec, g_variant_unref);
  g_clear_pointer (&self->initial_form, g_variant_unref);
  g_clear_weak_pointer (&self->discard_dialog);
  g_clear_weak_pointer (&self->focus_before_save);

  G_OBJECT_CLASS (chk_job_editor_parent_class)->dispose (object);

  return_close_tasks (self, TRUE);
  g_clear_pointer (&self->close_tasks, g_ptr_array_unref);
}

static void
chk_job_editor_unrealize (GtkWidget *widget)
{
  ChkJobEditor *self = CHK_JOB_EDITOR (widget);

  GTK_WIDGET_CLASS (chk_job_editor_parent_class)->unrealize (widget);

  /* gtk_window_destroy() unrealizes the window once it is no longer one
   * of the app's, however it went: whoever is quitting or closing the
   * main window goes on. (Not in dispose: the tasks hold the editor.) */
  return_close_tasks (self, TRUE);
}

static void
chk_job_editor_finalize (GObject *object)
{
  ChkJobEditor *self = CHK_JOB_EDITOR (object);

  for (Field field = 0; field < N_FIELDS; field++)
    {
      g_free (self->save_errors[field]);
      g_free (self->local_errors[field]);
    }
  g_free (self->preview_error);

  G_OBJECT_CLASS (chk_job_editor_parent_class)->finalize (object);
}

static void
chk_job_editor_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ChkJobEditor *self = CHK_JOB_EDITOR (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      g_value_set_object (value, self->model);
      break;
    case PROP_JOB:
      g_value_set_object (value, self->job);
      break;
    case PROP_DUPLICATE:
      g_value_set_boolean (value, self->duplicate);
      break;
    case PROP_MONITOR:
      g_value_set_boolean (value, self->monitor);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_job_editor_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ChkJobEditor *self = CHK_JOB_EDITOR (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      self->model = g_value_dup_object (value);
      break;
    case PROP_JOB:
      self->job = g_value_dup_object (value);
      break;
    case PROP_DUPLICATE:
      self->duplicate = g_value_get_boolean (value);
      break;
    case PROP_MONITOR:
      self->monitor = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_job_editor_class_init (ChkJobEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = chk_job_editor_constructed;
  object_class->dispose = chk_job_editor_dispose;
  object_class->finalize = chk_job_editor_finalize;
  object_class->get_property = chk_job_editor_get_property;
  object_class->set_property = chk_job_editor_set_property;

  widget_class->unrealize = chk_job_editor_unrealize;

  window_class->close_request = chk_job_editor_close_request;

  /**
   * ChkJobEditor:model:
   *
   * The jobs, for the scheduler to call and the new job to select.
   */
  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL, CHK_TYPE_JOB_MODEL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkJobEditor:job:
   *
   * The job edited or duplicated, or %NULL for a new one.
   */
  properties[PROP_JOB] =
    g_param_spec_object ("job", NULL, NULL, CHK_TYPE_JOB1,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                         G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkJobEditor:duplicate:
   *
   * Whether Save creates a copy of #ChkJobEditor:job rather than changing it.
   */
  properties[PROP_DUPLICATE] =
    g_param_spec_boolean ("duplicate", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                          G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkJobEditor:monitor:
   *
   * Whether a new job starts as a monitor (`is-monitor`).
   */
  properties[PROP_MONITOR] =
    g_param_spec_boolean ("monitor", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                          G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Daemon errors keep their CHK_ERROR code across the bus only once the domain is registered. */
  (void) CHK_ERROR;

  g_type_ensure (CHK_TYPE_ARGV_EDITOR);
  g_type_ensure (CHK_TYPE_ENVIRONMENT_EDITOR);
  g_type_ensure (CHK_TYPE_SCHEDULE_BUILDER);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/chroniker/Chroniker/chk-job-editor.ui");
  _chk_job_editor_orchestration_class_init (widget_class);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, save_button);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, save_spinner);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, banner_label);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, page);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, description_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, host_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, general_error);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, argv_toggle);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, shell_toggle);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, check_toggle);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, shell_hint);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, program_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, shell_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, shell_view);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, check_url_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, command_error);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, check_group);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, check_status_spin);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, check_contains_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, check_timeout_spin);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, check_error);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, argv_editor);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, environment_editor);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, schedule_builder);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, runs_group);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, timeout_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, catch_up_switch);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, max_runs_spin);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, enabled_switch);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, merge_stderr_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, merge_stderr_switch);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, runs_error);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, limits_group);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, max_tasks_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, max_tasks_spin);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, memory_max_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, cpu_weight_spin);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, limits_error);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, monitor_switch);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, monitor_url_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, monitor_error);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, notify_on_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, email_on_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, email_to_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, webhook_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, expected_duration_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, alert_after_spin);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, alerts_error);
  gtk_widget_class_bind_template_callback (widget_class, field_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, mode_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, workdir_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, variables_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, environment_problem_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, arguments_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, schedule_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, schedule_problem_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, preview_error_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, timezone_pending_cb);

  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "editor.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "editor.dismiss-banner", NULL, dismiss_banner_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "editor.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "editor.cancel", NULL);
}

static void
chk_job_editor_init (ChkJobEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->workdir_row = _chk_environment_editor_get_working_directory_row (self->environment_editor);
  self->environment_error = _chk_environment_editor_get_error_label (self->environment_editor);
  self->schedule_entry = _chk_schedule_builder_get_schedule_entry (self->schedule_builder);
  self->timezone_entry = _chk_schedule_builder_get_timezone_entry (self->schedule_builder);
  self->schedule_error = _chk_schedule_builder_get_error_label (self->schedule_builder);
  _chk_job_editor_orchestration_init (self);

  self->close_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();
  self->allow_shell = TRUE;
  self->default_max_tasks = DEFAULT_MAX_TASKS;
  update_max_tasks_hint (self);

  /* Not in the .ui: there, the subtitle is read as markup before use-markup is off. */
  adw_action_row_set_subtitle (self->merge_stderr_row,
                               _("Keep stdout and stderr in exact order, as 2>&1 does"));

  g_signal_connect_object (gtk_text_view_get_buffer (self->shell_view), "changed",
                           G_CALLBACK (shell_buffer_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->max_runs_spin, "value-changed",
                           G_CALLBACK (spin_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->max_tasks_spin, "value-changed",
                           G_CALLBACK (spin_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->cpu_weight_spin, "value-changed",
                           G_CALLBACK (spin_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->notify_on_row, "notify::selected",
                           G_CALLBACK (alerts_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->email_on_row, "notify::selected",
                           G_CALLBACK (alerts_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->alert_after_spin, "value-changed",
                           G_CALLBACK (spin_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->check_status_spin, "value-changed",
                           G_CALLBACK (spin_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->check_timeout_spin, "value-changed",
                           G_CALLBACK (spin_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->monitor_switch, "notify::active",
                           G_CALLBACK (monitor_changed_cb), self, G_CONNECT_SWAPPED);
}

/**
 * chk_job_editor_new:
 * @parent: the main window
 * @model: the jobs
 * @job: (nullable): the job to edit or duplicate, or %NULL for a new one
 * @duplicate: whether to create a copy of @job rather than change it
 *
 * Returns: (transfer full): a new editor, modal for @parent; present it
 */
ChkJobEditor *
chk_job_editor_new (GtkWindow   *parent,
                    ChkJobModel *model,
                    ChkJob1     *job,
                    gboolean     duplicate)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CHK_IS_JOB_MODEL (model), NULL);
  g_return_val_if_fail (job == NULL || CHK_IS_JOB1 (job), NULL);

  return g_object_new (CHK_TYPE_JOB_EDITOR,
                       "transient-for", parent,
                       "modal", TRUE,
                       "model", model,
                       "job", job,
                       "duplicate", duplicate,
                       NULL);
}

/**
 * chk_job_editor_new_monitor:
 * @parent: the main window
 * @model: the jobs
 *
 * Returns: (transfer full): a new editor for a new job that starts as a
 *   monitor, modal for @parent; present it
 */
ChkJobEditor *
chk_job_editor_new_monitor (GtkWindow   *parent,
                            ChkJobModel *model)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CHK_IS_JOB_MODEL (model), NULL);

  return g_object_new (CHK_TYPE_JOB_EDITOR,
                       "transient-for", parent,
                       "modal", TRUE,
                       "model", model,
                       "monitor", TRUE,
                       NULL);
}

/**
 * chk_job_editor_close_async:
 * @self: a #ChkJobEditor
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once the editor closed or the user chose to keep editing
 * @user_data: data for @callback
 *
 * Closes the editor as its Cancel button does: when it holds unsaved
 * changes, it asks first whether to discard them. For quitting the app,
 * or closing the main window, while the editor is open.
 */
void
chk_job_editor_close_async (ChkJobEditor        *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CHK_IS_JOB_EDITOR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chk_job_editor_close_async);

  /* Destroyed already, or never shown: nothing to ask about */
  if (self->disposed || !gtk_widget_get_realized (GTK_WIDGET (self)))
    {
      gtk_window_destroy (GTK_WINDOW (self));
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (may_close (self))
    {
      gtk_window_close (GTK_WINDOW (self));
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_ptr_array_add (self->close_tasks, g_steal_pointer (&task));
  /* The question is about what this window shows: show it too. */
  gtk_window_present (GTK_WINDOW (self));
  gtk_window_close (GTK_WINDOW (self));
}

/**
 * chk_job_editor_close_finish:
 * @self: a #ChkJobEditor
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the editor closed, %FALSE (with no error) if the user
 *   chose to keep editing
 */
gboolean
chk_job_editor_close_finish (ChkJobEditor  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (CHK_IS_JOB_EDITOR (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == chk_job_editor_close_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
