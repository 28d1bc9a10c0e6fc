/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include "chk-editor-util.h"
#include "chk-job-editor-private.h"
#include "chk-job-spec.h"

/*
 * The job editor's groups of DESIGN §7's orchestration keys: what a due
 * run waits for (Dependencies, Conditions), what follows it (Start When
 * This Job Succeeds; When It Fails: retries, then jobs to start), and the
 * random delay in the Runs group. Durations are typed as the time limit
 * is ("10 min"); the spin buttons and switches save as they are.
 */

#define MEMBER(name) G_STRUCT_OFFSET (ChkJobEditor, name)

/* The run-if switches' ids in the .ui, in the order of the ChkRunIf flags */
static const char * const run_if_ids[] = {
  "ac_power_switch", "network_switch", "unmetered_switch", "not_power_saver_switch",
};

/* The duration fields of these groups and their keys */
static const struct
{
  Field       field;
  const char *key;
} delays[] = {
  { FIELD_RANDOM_DELAY, "random-delay" },
  { FIELD_RETRY_DELAY, "retry-delay" },
  { FIELD_RETRY_MAX_DELAY, "retry-max-delay" },
  { FIELD_RUN_IF_WAIT, "run-if-wait" },
};

/* The job lists and their keys */
static const struct
{
  glong       group;
  const char *key;
  Field       field;
} lists[] = {
  { MEMBER (depends_group), "depends-on", FIELD_DEPENDS_ON },
  { MEMBER (on_success_group), "run-on-success", FIELD_RUN_ON_SUCCESS },
  { MEMBER (on_failure_group), "run-on-failure", FIELD_RUN_ON_FAILURE },
};

static ChkJobListGroup *
list_group (ChkJobEditor *self,
            guint         i)
{
  return G_STRUCT_MEMBER (ChkJobListGroup *, self, lists[i].group);
}

/* The retry delays matter only with retries, the wait only with conditions. */
static void
update_sensitivity (ChkJobEditor *self)
{
  gboolean retries = gtk_spin_button_get_value_as_int (self->retries_spin) > 0;
  gboolean conditions = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (self->run_if_switches); i++)
    conditions |= gtk_switch_get_active (self->run_if_switches[i]);

  gtk_widget_set_sensitive (GTK_WIDGET (self->retry_delay_row), retries);
  gtk_widget_set_sensitive (gtk_widget_get_ancestor (GTK_WIDGET (self->retry_backoff_spin),
                                                     GTK_TYPE_LIST_BOX_ROW), retries);
  gtk_widget_set_sensitive (GTK_WIDGET (self->retry_max_delay_row), retries);
  gtk_widget_set_sensitive (GTK_WIDGET (self->run_if_wait_row), conditions);
}

static void
list_changed_cb (ChkJobEditor    *self,
                 ChkJobListGroup *group)
{
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      if (list_group (self, i) == group)
        _chk_job_editor_clear_save_error (self, lists[i].field);
    }
}

static void
retry_spin_changed_cb (ChkJobEditor  *self,
                       GtkSpinButton *spin)
{
  _chk_job_editor_clear_save_error (self, _chk_job_editor_field_for_widget (self, spin));
  update_sensitivity (self);
}

static void
run_if_changed_cb (ChkJobEditor *self)
{
  _chk_job_editor_clear_save_error (self, FIELD_RUN_IF);
  update_sensitivity (self);
}

void
_chk_job_editor_orchestration_class_init (GtkWidgetClass *widget_class)
{
  g_type_ensure (CHK_TYPE_JOB_LIST_GROUP);

  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, random_delay_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, depends_group);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, on_success_group);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, retries_spin);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, retry_delay_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, retry_backoff_spin);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, retry_max_delay_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, retry_error);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, on_failure_group);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, run_if_wait_row);
  gtk_widget_class_bind_template_child (widget_class, ChkJobEditor, conditions_error);
  for (guint i = 0; i < G_N_ELEMENTS (run_if_ids); i++)
    gtk_widget_class_bind_template_child_full (widget_class, run_if_ids[i], FALSE,
                                               MEMBER (run_if_switches) +
                                               i * sizeof (GtkSwitch *));
}

void
_chk_job_editor_orchestration_init (ChkJobEditor *self)
{
  self->depends_error = _chk_job_list_group_get_error_label (self->depends_group);
  self->depends_add = _chk_job_list_group_get_add_button (self->depends_group);
  self->on_success_error = _chk_job_list_group_get_error_label (self->on_success_group);
  self->on_success_add = _chk_job_list_group_get_add_button (self->on_success_group);
  self->on_failure_error = _chk_job_list_group_get_error_label (self->on_failure_group);
  self->on_failure_add = _chk_job_list_group_get_add_button (self->on_failure_group);

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    g_signal_connect_object (list_group (self, i), "changed", G_CALLBACK (list_changed_cb),
                             self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->retries_spin, "value-changed",
                           G_CALLBACK (retry_spin_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->retry_backoff_spin, "value-changed",
                           G_CALLBACK (retry_spin_changed_cb), self, G_CONNECT_SWAPPED);
  for (guint i = 0; i < G_N_ELEMENTS (self->run_if_switches); i++)
    g_signal_connect_object (self->run_if_switches[i], "notify::active",
                             G_CALLBACK (run_if_changed_cb), self, G_CONNECT_SWAPPED);
  update_sensitivity (self);
}

/* The lists offer the model's jobs, but not the one edited: a job cannot
 * wait for itself. A copy may wait for its original. */
void
_chk_job_editor_orchestration_set_model (ChkJobEditor *self)
{
  const char *own = self->job != NULL && !self->duplicate ? chk_job1_get_name (self->job) : NULL;

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      chk_job_list_group_set_model (list_group (self, i), self->model);
      chk_job_list_group_set_exclude (list_group (self, i), own);
    }
}

void
_chk_job_editor_load_orchestration (ChkJobEditor *self,
                                    GVariant     *spec)
{
  g_autofree const char **run_if = NULL;
  guint32 number;
  gdouble factor;

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      g_autoptr(GVariant) value = g_variant_lookup_value (spec, lists[i].key, NULL);

      if (value != NULL)
        chk_job_list_group_set_value (list_group (self, i), value);
    }

  for (guint i = 0; i < G_N_ELEMENTS (delays); i++)
    {
      if (g_variant_lookup (spec, delays[i].key, "u", &number))
        {
          GtkWidget *row = _chk_job_editor_get_field_widget (self, delays[i].field);
          g_autofree char *text = _chk_job_editor_format_duration (number);

          gtk_editable_set_text (GTK_EDITABLE (row), text);
        }
    }

  if (g_variant_lookup (spec, "retries", "u", &number))
    gtk_spin_button_set_value (self->retries_spin, number);
  if (g_variant_lookup (spec, "retry-backoff", "d", &factor))
    gtk_spin_button_set_value (self->retry_backoff_spin, factor);
  if (g_variant_lookup (spec, "run-if", "^a&s", &run_if))
    {
      for (guint i = 0; i < G_N_ELEMENTS (self->run_if_switches); i++)
        gtk_switch_set_active (self->run_if_switches[i],
                               g_strv_contains (run_if, chk_run_if_to_string (1 << i)));
    }
  update_sensitivity (self);
}

static guint32
retries (ChkJobEditor *self)
{
  return gtk_spin_button_get_value_as_int (self->retries_spin);
}

static gdouble
backoff (ChkJobEditor *self)
{
  return gtk_spin_button_get_value (self->retry_backoff_spin);
}

static GVariant *
run_if_value (ChkJobEditor *self)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; i < G_N_ELEMENTS (self->run_if_switches); i++)
    {
      if (gtk_switch_get_active (self->run_if_switches[i]))
        g_variant_builder_add (&builder, "s", chk_run_if_to_string (1 << i));
    }
  return g_variant_builder_end (&builder);
}

/* Adds the keys of these groups to a spec being built; FALSE (with the
 * problems shown) when a duration cannot be read. */
gboolean
_chk_job_editor_add_orchestration (ChkJobEditor    *self,
                                   GVariantBuilder *builder)
{
  guint32 seconds[G_N_ELEMENTS (delays)];
  gboolean ok = TRUE;

  /* Every field checked, so that each shows its problem */
  for (guint i = 0; i < G_N_ELEMENTS (delays); i++)
    ok &= _chk_job_editor_check_duration (self, delays[i].field, &seconds[i]);
  if (!ok)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (delays); i++)
    g_variant_builder_add (builder, "{sv}", delays[i].key, g_variant_new_uint32 (seconds[i]));
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    g_variant_builder_add (builder, "{sv}", lists[i].key,
                           chk_job_list_group_get_value (list_group (self, i)));
  g_variant_builder_add (builder, "{sv}", "retries", g_variant_new_uint32 (retries (self)));
  g_variant_builder_add (builder, "{sv}", "retry-backoff", g_variant_new_double (backoff (self)));
  g_variant_builder_add (builder, "{sv}", "run-if", run_if_value (self));
  return TRUE;
}

/* What these groups hold, as typed, for the editor's unsaved changes */
void
_chk_job_editor_snapshot_orchestration (ChkJobEditor    *self,
                                        GVariantBuilder *builder)
{
  for (guint i = 0; i < G_N_ELEMENTS (delays); i++)
    {
      GtkWidget *row = _chk_job_editor_get_field_widget (self, delays[i].field);

      g_variant_builder_add (builder, "v", g_variant_new_string (chk_editable_text (row)));
    }
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    g_variant_builder_add (builder, "v", chk_job_list_group_get_value (list_group (self, i)));
  g_variant_builder_add (builder, "v", g_variant_new_uint32 (retries (self)));
  g_variant_builder_add (builder, "v", g_variant_new_double (backoff (self)));
  g_variant_builder_add (builder, "v", run_if_value (self));
}
