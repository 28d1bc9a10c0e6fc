/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include "chk-argv-editor.h"
#include "chk-environment-editor.h"
#include "chk-job-editor.h"
#include "chk-job-list-group.h"
#include "chk-schedule-builder.h"

G_BEGIN_DECLS

/* The job editor's parts: chk-job-editor.c (the window, saving and
 * closing), chk-job-editor-fields.c (the table of fields and their errors),
 * chk-job-editor-spec.c (specs to fields and back) and
 * chk-job-editor-orchestration.c (what a run waits for, and what follows it). */

/* What an error message can be about: each is shown under its group. */
typedef enum
{
  FIELD_NAME,
  FIELD_DESCRIPTION,
  FIELD_COMMAND,
  FIELD_CHECK_URL,
  FIELD_CHECK_STATUS,
  FIELD_CHECK_CONTAINS,
  FIELD_CHECK_TIMEOUT,
  FIELD_WORKING_DIRECTORY,
  FIELD_ENVIRONMENT,
  FIELD_SCHEDULE,
  FIELD_TIMEZONE,
  FIELD_TIMEOUT,
  FIELD_RANDOM_DELAY,
  FIELD_HOST,
  FIELD_MAX_RUNS,
  FIELD_MAX_TASKS,
  FIELD_MEMORY_MAX,
  FIELD_CPU_WEIGHT,
  FIELD_DEPENDS_ON,
  FIELD_RUN_ON_SUCCESS,
  FIELD_RETRIES,
  FIELD_RETRY_DELAY,
  FIELD_RETRY_BACKOFF,
  FIELD_RETRY_MAX_DELAY,
  FIELD_RUN_ON_FAILURE,
  FIELD_RUN_IF,
  FIELD_RUN_IF_WAIT,
  FIELD_MONITOR,
  FIELD_MONITOR_URL,
  FIELD_ALERTS,
  FIELD_EMAIL_TO,
  FIELD_WEBHOOK_URL,
  FIELD_EXPECTED_DURATION,
  FIELD_ALERT_AFTER,
  N_FIELDS,
  FIELD_NONE = N_FIELDS,
} Field;

/**
 * ChkJobEditor:
 *
 * The window that creates, edits and duplicates a job: a command, a shell
 * line or an HTTP check, a monitor or not. Nothing reaches the daemon
 * before Save: the schedule is only previewed (PreviewSchedule) as it is
 * typed. Save sends the whole spec for a new job and only the keys
 * that changed for an existing one; a refused spec keeps the window open
 * with the daemon's message under the field it is about.
 */
struct _ChkJobEditor
{
  AdwWindow             parent_instance;

  ChkJobModel          *model;
  ChkJob1              *job;           /* the job edited or duplicated, or NULL */
  gboolean              duplicate;
  gboolean              monitor;       /* a new job starts as a monitor */
  GVariant             *original;      /* a{sv}: the job's spec when the editor opened */
  GVariant             *saved_spec;    /* a{sv}: the whole spec being saved */
  GVariant             *initial_form;  /* what the fields held when the editor opened */
  AdwMessageDialog     *discard_dialog;  /* weak: asking whether to discard changes */
  gboolean              discard_confirmed;
  GPtrArray            *close_tasks;   /* chk_job_editor_close_async()s waiting for an answer */

  GCancellable         *cancellable;   /* settings; cancelled on dispose */
  gboolean              allow_shell;
  guint                 default_max_tasks;  /* the setting, for max-tasks 0 */
  gboolean              loading;
  gboolean              saving;
  gboolean              disposed;      /* closed while a call was under way */
  GtkWidget            *focus_before_save;  /* weak */
  char                 *save_errors[N_FIELDS];
  char                 *local_errors[N_FIELDS];
  char                 *preview_error;
  Field                 preview_error_field;

  AdwWindowTitle       *window_title;
  GtkWidget            *cancel_button;
  GtkWidget            *save_button;
  GtkSpinner           *save_spinner;
  GtkRevealer          *banner_revealer;
  GtkLabel             *banner_label;
  AdwPreferencesPage   *page;
  AdwEntryRow          *name_row;
  AdwEntryRow          *description_row;
  GtkLabel             *general_error;
  GtkToggleButton      *argv_toggle;
  GtkToggleButton      *shell_toggle;
  GtkToggleButton      *check_toggle;
  GtkLabel             *shell_hint;
  AdwEntryRow          *program_row;
  AdwPreferencesRow    *shell_row;
  GtkTextView          *shell_view;
  AdwEntryRow          *check_url_row;
  GtkLabel             *command_error;
  AdwPreferencesGroup  *check_group;
  GtkSpinButton        *check_status_spin;
  AdwEntryRow          *check_contains_row;
  GtkSpinButton        *check_timeout_spin;
  GtkLabel             *check_error;
  ChkArgvEditor        *argv_editor;
  ChkEnvironmentEditor *environment_editor;
  ChkScheduleBuilder   *schedule_builder;
  AdwPreferencesGroup  *runs_group;
  AdwEntryRow          *timeout_row;
  GtkSwitch            *catch_up_switch;
  GtkSpinButton        *max_runs_spin;
  GtkSwitch            *enabled_switch;
  AdwActionRow         *merge_stderr_row;
  GtkSwitch            *merge_stderr_switch;
  GtkLabel             *runs_error;
  AdwPreferencesGroup  *limits_group;
  AdwActionRow         *max_tasks_row;
  GtkSpinButton        *max_tasks_spin;
  AdwEntryRow          *memory_max_row;
  GtkSpinButton        *cpu_weight_spin;
  GtkLabel             *limits_error;
  AdwEntryRow          *random_delay_row;
  AdwEntryRow          *host_row;
  ChkJobListGroup      *depends_group;
  ChkJobListGroup      *on_success_group;
  GtkSpinButton        *retries_spin;
  AdwEntryRow          *retry_delay_row;
  GtkSpinButton        *retry_backoff_spin;
  AdwEntryRow          *retry_max_delay_row;
  GtkLabel             *retry_error;
  ChkJobListGroup      *on_failure_group;
  GtkSwitch            *run_if_switches[4];  /* in the order of the ChkRunIf flags */
  AdwEntryRow          *run_if_wait_row;
  GtkLabel             *conditions_error;
  GtkSwitch            *monitor_switch;
  AdwEntryRow          *monitor_url_row;
  GtkLabel             *monitor_error;
  AdwComboRow          *notify_on_row;
  AdwComboRow          *email_on_row;
  AdwEntryRow          *email_to_row;
  AdwEntryRow          *webhook_row;
  AdwEntryRow          *expected_duration_row;
  GtkSpinButton        *alert_after_spin;
  GtkLabel             *alerts_error;

  /* The groups' own, for the table of fields */
  GtkWidget            *workdir_row;
  GtkLabel             *environment_error;
  GtkWidget            *schedule_entry;
  GtkWidget            *timezone_entry;
  GtkLabel             *schedule_error;
  GtkLabel             *depends_error;
  GtkWidget            *depends_add;
  GtkLabel             *on_success_error;
  GtkWidget            *on_success_add;
  GtkLabel             *on_failure_error;
  GtkWidget            *on_failure_add;
};

/* chk-job-editor.c */
gboolean  _chk_job_editor_shell_mode         (ChkJobEditor *self);
gboolean  _chk_job_editor_check_mode         (ChkJobEditor *self);
char     *_chk_job_editor_shell_text         (ChkJobEditor *self);
void      _chk_job_editor_update_save_action (ChkJobEditor *self);
void      _chk_job_editor_update_command_mode (ChkJobEditor *self);

/* chk-job-editor-fields.c */
void      _chk_job_editor_update_errors      (ChkJobEditor *self);
void      _chk_job_editor_focus_field        (ChkJobEditor *self,
                                              Field         field);
Field     _chk_job_editor_field_for_error    (const GError *error);
Field     _chk_job_editor_field_for_widget   (ChkJobEditor *self,
                                              gpointer      widget);
void      _chk_job_editor_clear_save_error   (ChkJobEditor *self,
                                              Field         field);
void      _chk_job_editor_set_local_error    (ChkJobEditor *self,
                                              Field         field,
                                              const char   *message);
Field     _chk_job_editor_first_error        (ChkJobEditor *self);
GtkWidget *_chk_job_editor_get_field_widget  (ChkJobEditor *self,
                                              Field         field);

/* chk-job-editor-spec.c */
GVariant *_chk_job_editor_spec_from_job      (ChkJob1      *job);
GVariant *_chk_job_editor_default_spec       (void);
void      _chk_job_editor_load_spec          (ChkJobEditor *self,
                                              GVariant     *spec);
GVariant *_chk_job_editor_build_spec         (ChkJobEditor *self);
GVariant *_chk_job_editor_changed_keys       (GVariant     *original,
                                              GVariant     *current);
GVariant *_chk_job_editor_form_snapshot      (ChkJobEditor *self);
char     *_chk_job_editor_format_duration    (guint64       seconds);
gboolean  _chk_job_editor_is_duration_field  (Field         field);
gboolean  _chk_job_editor_check_duration     (ChkJobEditor *self,
                                              Field         field,
                                              guint32      *out_seconds);
gboolean  _chk_job_editor_check_memory_max   (ChkJobEditor *self,
                                              guint64      *out_bytes);

/* chk-job-editor-orchestration.c */
void      _chk_job_editor_orchestration_class_init (GtkWidgetClass *widget_class);
void      _chk_job_editor_orchestration_init (ChkJobEditor    *self);
void      _chk_job_editor_orchestration_set_model (ChkJobEditor *self);
void      _chk_job_editor_load_orchestration (ChkJobEditor    *self,
                                              GVariant        *spec);
gboolean  _chk_job_editor_add_orchestration  (ChkJobEditor    *self,
                                              GVariantBuilder *builder);
void      _chk_job_editor_snapshot_orchestration (ChkJobEditor    *self,
                                              GVariantBuilder *builder);

G_END_DECLS
