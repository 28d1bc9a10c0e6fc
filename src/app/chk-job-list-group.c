/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>

#include "chk-editor-util.h"
#include "chk-job-list-group.h"

/**
 * ChkJobListGroup:
 *
 * A group of the job editor that lists other jobs by name: the jobs a run
 * waits for (`depends-on`, with #ChkJobListGroup:dependencies, each in an
 * expander row with its three flags), or the jobs started after a run
 * (`run-on-success`, `run-on-failure`). Its add button offers the other
 * jobs of the model; each row has a remove button. A name that no job has
 * (any more) stays, and says so.
 */

#define N_FLAGS 3

typedef struct
{
  char      *job;
  gboolean   flags[N_FLAGS];
  GtkWidget *row;
  GtkWidget *switches[N_FLAGS];
} Entry;

struct _ChkJobListGroup
{
  AdwPreferencesGroup  parent_instance;

  ChkJobModel         *model;
  char                *exclude;
  char                *add_label;
  gboolean             dependencies;
  GPtrArray           *entries;

  GtkMenuButton       *add_button;
  GtkLabel            *empty_label;
  GtkLabel            *error_label;
};

G_DEFINE_FINAL_TYPE (ChkJobListGroup, chk_job_list_group, ADW_TYPE_PREFERENCES_GROUP)

enum {
  PROP_0,
  PROP_DEPENDENCIES,
  PROP_ADD_LABEL,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The keys of a depends-on entry, in the order of the daemon's, and what
 * each means in words: django-chroniker's three flags. */
static const struct
{
  const char *key;
  const char *title;
  const char *subtitle;
} flags[N_FLAGS] = {
  { "wait-for-completion", N_("Not While It Runs"),
    N_("Wait until its run has ended") },
  { "wait-for-success", N_("Only After It Succeeded"),
    N_("Wait while its latest run did not succeed") },
  { "wait-for-next-run", N_("Only If It Is Not Due Sooner"),
    N_("Wait while it is due to run before this job") },
};

static void
entry_free (Entry *entry)
{
  g_free (entry->job);
  g_free (entry);
}

static ChkJob1 *
find_job (ChkJobListGroup *self,
          const char      *name)
{
  GListModel *jobs;

  if (self->model == NULL)
    return NULL;
  jobs = chk_job_model_get_jobs (self->model);
  for (guint i = 0; i < g_list_model_get_n_items (jobs); i++)
    {
      g_autoptr(ChkJob1) job = g_list_model_get_item (jobs, i);

      if (g_strcmp0 (chk_job1_get_name (job), name) == 0)
        return job;
    }
  return NULL;
}

static Entry *
find_entry (ChkJobListGroup *self,
            const char      *name,
            guint           *out_index)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (g_str_equal (entry->job, name))
        {
          if (out_index != NULL)
            *out_index = i;
          return entry;
        }
    }
  return NULL;
}

/* What the row says under the name: the flags in words, and whether the
 * job is there at all. */
static void
update_subtitle (ChkJobListGroup *self,
                 Entry           *entry)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (self->model != NULL && find_job (self, entry->job) == NULL)
    g_string_append (text, _("No job has this name"));
  else if (self->dependencies)
    {
      for (guint i = 0; i < N_FLAGS; i++)
        {
          if (!entry->flags[i])
            continue;
          if (text->len > 0)
            g_string_append (text, " · ");
          g_string_append (text, _(flags[i].title));
        }
      if (text->len == 0)
        g_string_append (text, _("Does not wait"));
    }

  if (ADW_IS_EXPANDER_ROW (entry->row))
    adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (entry->row), text->str);
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (entry->row), text->str);
}

static void
changed (ChkJobListGroup *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->empty_label), self->entries->len == 0);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
flag_changed_cb (ChkJobListGroup *self)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      for (guint j = 0; j < N_FLAGS; j++)
        entry->flags[j] = gtk_switch_get_active (GTK_SWITCH (entry->switches[j]));
      update_subtitle (self, entry);
    }
  changed (self);
}

static void
remove_clicked_cb (GtkButton       *button,
                   ChkJobListGroup *self)
{
  const char *name = g_object_get_data (G_OBJECT (button), "chk-job");
  Entry *entry;
  guint index;

  entry = find_entry (self, name, &index);
  if (entry == NULL)
    return;

  adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self), entry->row);
  g_ptr_array_remove_index (self->entries, index);
  changed (self);

  /* The focus stays in the list: on the row that took its place, or on Add. */
  if (self->entries->len > 0)
    {
      entry = g_ptr_array_index (self->entries, MIN (index, self->entries->len - 1));
      gtk_widget_grab_focus (entry->row);
    }
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->add_button));
}

static GtkWidget *
remove_button_new (const char *name)
{
  /* Translators: the button that takes the job named %s out of a list */
  g_autofree char *label = g_strdup_printf (_("Remove %s"), name);
  GtkWidget *button = chk_row_button_new ("list-remove-symbolic", label);

  g_object_set_data_full (G_OBJECT (button), "chk-job", g_strdup (name), g_free);
  return button;
}

static GtkWidget *
flag_row_new (ChkJobListGroup *self,
              Entry           *entry,
              guint            i)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(flags[i].title));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _(flags[i].subtitle));
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  gtk_switch_set_active (GTK_SWITCH (toggle), entry->flags[i]);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (toggle),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, row, NULL, -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
  g_signal_connect_object (toggle, "notify::active", G_CALLBACK (flag_changed_cb), self,
                           G_CONNECT_SWAPPED);
  entry->switches[i] = toggle;
  return row;
}

static void
add_entry (ChkJobListGroup *self,
           Entry           *entry)
{
  GtkWidget *remove = remove_button_new (entry->job);

  g_signal_connect_object (remove, "clicked", G_CALLBACK (remove_clicked_cb), self, 0);
  if (self->dependencies)
    {
      entry->row = adw_expander_row_new ();
      for (guint i = 0; i < N_FLAGS; i++)
        adw_expander_row_add_row (ADW_EXPANDER_ROW (entry->row), flag_row_new (self, entry, i));
      adw_expander_row_add_action (ADW_EXPANDER_ROW (entry->row), remove);
    }
  else
    {
      entry->row = adw_action_row_new ();
      adw_action_row_add_suffix (ADW_ACTION_ROW (entry->row), remove);
    }
  /* Job names are not markup */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (entry->row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (entry->row), entry->job);
  update_subtitle (self, entry);

  /* Rows go in the group's list, above its labels. */
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), entry->row);
  g_ptr_array_add (self->entries, entry);
}

static Entry *
entry_new (const char *job)
{
  Entry *entry = g_new0 (Entry, 1);

  entry->job = g_strdup (job);
  for (guint i = 0; i < N_FLAGS; i++)
    entry->flags[i] = TRUE;
  return entry;
}

static void
clear_entries (ChkJobListGroup *self)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self), entry->row);
    }
  g_ptr_array_set_size (self->entries, 0);
}

static void
add_job_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  ChkJobListGroup *self = CHK_JOB_LIST_GROUP (widget);
  const char *name = g_variant_get_string (parameter, NULL);
  Entry *entry;

  if (name[0] == '\0' || find_entry (self, name, NULL) != NULL)
    return;
  entry = entry_new (name);
  add_entry (self, entry);
  changed (self);
  gtk_widget_grab_focus (entry->row);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_utf8_collate (*(const char * const *) a, *(const char * const *) b);
}

/* The menu of the jobs that can be added: the other jobs of the model, by
 * name, less the ones listed. */
GMenuModel *
_chk_job_list_group_build_menu (ChkJobListGroup *self)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  GListModel *jobs = self->model != NULL ? chk_job_model_get_jobs (self->model) : NULL;

  for (guint i = 0; jobs != NULL && i < g_list_model_get_n_items (jobs); i++)
    {
      g_autoptr(ChkJob1) job = g_list_model_get_item (jobs, i);
      const char *name = chk_job1_get_name (job);

      if (name != NULL && g_strcmp0 (name, self->exclude) != 0 &&
          find_entry (self, name, NULL) == NULL)
        g_ptr_array_add (names, (gpointer) name);
    }
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr(GMenuItem) item = NULL;
      g_autoptr(GString) label = g_string_new (names->pdata[i]);

      /* The menu reads "_" as a mnemonic */
      g_string_replace (label, "_", "__", 0);
      item = g_menu_item_new (label->str, NULL);
      g_menu_item_set_action_and_target (item, "job-list.add", "s", names->pdata[i]);
      g_menu_append_item (menu, item);
    }
  if (names->len == 0)
    g_menu_append (menu, _("No Other Jobs"), "job-list.none");
  return G_MENU_MODEL (menu);
}

/* Made as it opens: the jobs change while the editor is open. */
static void
create_popup_cb (GtkMenuButton *button,
                 gpointer       user_data)
{
  g_autoptr(GMenuModel) menu = _chk_job_list_group_build_menu (user_data);

  gtk_menu_button_set_menu_model (button, menu);
}

/* GObject */

static void
chk_job_list_group_dispose (GObject *object)
{
  ChkJobListGroup *self = CHK_JOB_LIST_GROUP (object);

  g_clear_object (&self->model);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHK_TYPE_JOB_LIST_GROUP);

  G_OBJECT_CLASS (chk_job_list_group_parent_class)->dispose (object);
}

static void
chk_job_list_group_finalize (GObject *object)
{
  ChkJobListGroup *self = CHK_JOB_LIST_GROUP (object);

  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_free (self->exclude);
  g_free (self->add_label);

  G_OBJECT_CLASS (chk_job_list_group_parent_class)->finalize (object);
}

static void
chk_job_list_group_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ChkJobListGroup *self = CHK_JOB_LIST_GROUP (object);

  switch (prop_id)
    {
    case PROP_DEPENDENCIES:
      g_value_set_boolean (value, self->dependencies);
      break;
    case PROP_ADD_LABEL:
      g_value_set_string (value, self->add_label);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_job_list_group_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ChkJobListGroup *self = CHK_JOB_LIST_GROUP (object);

  switch (prop_id)
    {
    case PROP_DEPENDENCIES:
      self->dependencies = g_value_get_boolean (value);
      break;
    case PROP_ADD_LABEL:
      if (chk_set_string (&self->add_label, g_value_get_string (value)))
        {
          gtk_widget_set_tooltip_text (GTK_WIDGET (self->add_button), self->add_label);
          gtk_accessible_update_property (GTK_ACCESSIBLE (self->add_button),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, self->add_label, -1);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_job_list_group_class_init (ChkJobListGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chk_job_list_group_dispose;
  object_class->finalize = chk_job_list_group_finalize;
  object_class->get_property = chk_job_list_group_get_property;
  object_class->set_property = chk_job_list_group_set_property;

  /**
   * ChkJobListGroup:dependencies:
   *
   * Whether the list is `depends-on`, with each job's three flags, rather
   * than a list of names.
   */
  properties[PROP_DEPENDENCIES] =
    g_param_spec_boolean ("dependencies", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ChkJobListGroup:add-label:
   *
   * What the add button does, in words: its tooltip and accessible name.
   */
  properties[PROP_ADD_LABEL] =
    g_param_spec_string ("add-label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ChkJobListGroup::changed:
   *
   * A job was added or removed, or a flag changed, by the user.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chroniker/Chroniker/"
                                                             "chk-job-list-group.ui");
  gtk_widget_class_bind_template_child (widget_class, ChkJobListGroup, add_button);
  gtk_widget_class_bind_template_child (widget_class, ChkJobListGroup, empty_label);
  gtk_widget_class_bind_template_child (widget_class, ChkJobListGroup, error_label);

  gtk_widget_class_install_action (widget_class, "job-list.add", "s", add_job_action);
}

static void
chk_job_list_group_init (ChkJobListGroup *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  gtk_menu_button_set_create_popup_func (self->add_button, create_popup_cb, self, NULL);
}

/**
 * chk_job_list_group_set_model:
 * @self: a #ChkJobListGroup
 * @model: the jobs that the add button offers
 */
void
chk_job_list_group_set_model (ChkJobListGroup *self,
                              ChkJobModel     *model)
{
  g_return_if_fail (CHK_IS_JOB_LIST_GROUP (self));
  g_return_if_fail (model == NULL || CHK_IS_JOB_MODEL (model));

  if (!g_set_object (&self->model, model))
    return;
  for (guint i = 0; i < self->entries->len; i++)
    update_subtitle (self, g_ptr_array_index (self->entries, i));
}

/**
 * chk_job_list_group_set_exclude:
 * @self: a #ChkJobListGroup
 * @name: (nullable): a job that the add button does not offer: the one edited
 */
void
chk_job_list_group_set_exclude (ChkJobListGroup *self,
                                const char      *name)
{
  g_return_if_fail (CHK_IS_JOB_LIST_GROUP (self));
  chk_set_string (&self->exclude, name);
}

/**
 * chk_job_list_group_set_value:
 * @self: a #ChkJobListGroup
 * @value: `aa{sv}` (depends-on) with #ChkJobListGroup:dependencies, else `as`
 *
 * Shows the jobs of @value, as the spec has them; emits no
 * #ChkJobListGroup::changed.
 */
void
chk_job_list_group_set_value (ChkJobListGroup *self,
                              GVariant        *value)
{
  GVariantIter iter;
  GVariant *child;

  g_return_if_fail (CHK_IS_JOB_LIST_GROUP (self));
  g_return_if_fail (g_variant_is_of_type (value, self->dependencies ? G_VARIANT_TYPE ("aa{sv}")
                                                                    : G_VARIANT_TYPE_STRING_ARRAY));

  clear_entries (self);
  g_variant_iter_init (&iter, value);
  while ((child = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *name = NULL;
      Entry *entry;

      if (self->dependencies)
        g_variant_lookup (child, "job", "&s", &name);
      else
        name = g_variant_get_string (child, NULL);

      if (name != NULL && find_entry (self, name, NULL) == NULL)
        {
          entry = entry_new (name);
          for (guint i = 0; i < N_FLAGS && self->dependencies; i++)
            g_variant_lookup (child, flags[i].key, "b", &entry->flags[i]);
          add_entry (self, entry);
        }
      g_variant_unref (child);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->empty_label), self->entries->len == 0);
}

/**
 * chk_job_list_group_get_value:
 * @self: a #ChkJobListGroup
 *
 * Returns: (transfer floating): the jobs listed, as chk_job_list_group_set_value()
 *   takes them
 */
GVariant *
chk_job_list_group_get_value (ChkJobListGroup *self)
{
  GVariantBuilder builder;

  g_return_val_if_fail (CHK_IS_JOB_LIST_GROUP (self), NULL);

  g_variant_builder_init (&builder, self->dependencies ? G_VARIANT_TYPE ("aa{sv}")
                                                       : G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->entries, i);

      if (!self->dependencies)
        {
          g_variant_builder_add (&builder, "s", entry->job);
          continue;
        }
      g_variant_builder_open (&builder, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&builder, "{sv}", "job", g_variant_new_string (entry->job));
      for (guint j = 0; j < N_FLAGS; j++)
        g_variant_builder_add (&builder, "{sv}", flags[j].key,
                               g_variant_new_boolean (entry->flags[j]));
      g_variant_builder_close (&builder);
    }
  return g_variant_builder_end (&builder);
}

GtkLabel *
_chk_job_list_group_get_error_label (ChkJobListGroup *self)
{
  g_return_val_if_fail (CHK_IS_JOB_LIST_GROUP (self), NULL);
  return self->error_label;
}

GtkWidget *
_chk_job_list_group_get_add_button (ChkJobListGroup *self)
{
  g_return_val_if_fail (CHK_IS_JOB_LIST_GROUP (self), NULL);
  return GTK_WIDGET (self->add_button);
}
