/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>

#include "chk-editor-util.h"
#include "chk-job-links.h"

/**
 * ChkJobLinks:
 *
 * A group of the job page that lists the jobs linked to the one shown:
 * upstream, the jobs it waits for (its `depends-on`) and the jobs that
 * start it (their `run-on-success` or `run-on-failure` name it), with
 * what it waits for now (WaitingFor); or, with
 * #ChkJobLinks:downstream, the jobs that wait for it and the ones it
 * starts. Each job is a row, by name, that opens its page (`win.show-job`). The
 * group follows the jobs as they change, and hides when it has nothing
 * to say.
 */
struct _ChkJobLinks
{
  AdwPreferencesGroup  parent_instance;

  gboolean             downstream;
  ChkJobModel         *model;
  ChkJob1             *job;
  GPtrArray           *followed;   /* the model's jobs whose changes we follow */
  GPtrArray           *rows;
  guint                update_source;
};

G_DEFINE_FINAL_TYPE (ChkJobLinks, chk_job_links, ADW_TYPE_PREFERENCES_GROUP)

enum {
  PROP_0,
  PROP_DOWNSTREAM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* One job linked, and every way it is */
typedef struct
{
  char      *name;
  GPtrArray *how;
} Link;

static void
link_free (Link *link)
{
  g_free (link->name);
  g_ptr_array_unref (link->how);
  g_free (link);
}

static void
add_link (GPtrArray  *links,
          const char *name,
          const char *how)
{
  Link *link = NULL;

  for (guint i = 0; i < links->len && link == NULL; i++)
    {
      if (g_str_equal (((Link *) links->pdata[i])->name, name))
        link = links->pdata[i];
    }
  if (link == NULL)
    {
      link = g_new0 (Link, 1);
      link->name = g_strdup (name);
      link->how = g_ptr_array_new ();
      g_ptr_array_add (links, link);
    }
  if (!g_ptr_array_find_with_equal_func (link->how, how, g_str_equal, NULL))
    g_ptr_array_add (link->how, (gpointer) how);
}

static int
compare_links (gconstpointer a,
               gconstpointer b)
{
  return g_utf8_collate ((*(Link * const *) a)->name, (*(Link * const *) b)->name);
}

static gboolean
depends_on (ChkJob1    *job,
            const char *name)
{
  GVariant *entries = chk_job1_get_depends_on (job);
  GVariantIter iter;
  GVariant *entry;

  if (entries == NULL || name == NULL || !g_variant_is_of_type (entries, G_VARIANT_TYPE ("aa{sv}")))
    return FALSE;
  g_variant_iter_init (&iter, entries);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *job_name = NULL;
      gboolean found = g_variant_lookup (entry, "job", "&s", &job_name) &&
                       g_str_equal (job_name, name);

      g_variant_unref (entry);
      if (found)
        return TRUE;
    }
  return FALSE;
}

static gboolean
names_contain (const char * const *names,
               const char         *name)
{
  return names != NULL && name != NULL && g_strv_contains (names, name);
}

/* The links of the job shown, in one direction: the jobs it names in its
 * spec, and the other jobs that name it in theirs. */
static GPtrArray *
collect_links (ChkJobLinks *self)
{
  GPtrArray *links = g_ptr_array_new_with_free_func ((GDestroyNotify) link_free);
  const char *own = chk_job1_get_name (self->job);
  GListModel *jobs = chk_job_model_get_jobs (self->model);
  GVariant *entries = chk_job1_get_depends_on (self->job);

  if (!self->downstream && entries != NULL &&
      g_variant_is_of_type (entries, G_VARIANT_TYPE ("aa{sv}")))
    {
      GVariantIter iter;
      GVariant *entry;

      g_variant_iter_init (&iter, entries);
      while ((entry = g_variant_iter_next_value (&iter)) != NULL)
        {
          const char *name;

          if (g_variant_lookup (entry, "job", "&s", &name))
            add_link (links, name, _("This job waits for it"));
          g_variant_unref (entry);
        }
    }
  for (guint i = 0; self->downstream && i < 2; i++)
    {
      const char * const *names = i == 0 ? chk_job1_get_run_on_success (self->job)
                                         : chk_job1_get_run_on_failure (self->job);

      for (guint j = 0; names != NULL && names[j] != NULL; j++)
        add_link (links, names[j], i == 0 ? _("Started when this job succeeds")
                                          : _("Started when this job fails"));
    }

  for (guint i = 0; own != NULL && i < g_list_model_get_n_items (jobs); i++)
    {
      g_autoptr(ChkJob1) other = g_list_model_get_item (jobs, i);
      const char *name = chk_job1_get_name (other);

      if (other == self->job || name == NULL)
        continue;
      if (self->downstream && depends_on (other, own))
        add_link (links, name, _("Waits for this job"));
      if (!self->downstream && names_contain (chk_job1_get_run_on_success (other), own))
        add_link (links, name, _("Starts this job when it succeeds"));
      if (!self->downstream && names_contain (chk_job1_get_run_on_failure (other), own))
        add_link (links, name, _("Starts this job when it fails"));
    }
  /* By name, as the list of jobs is */
  g_ptr_array_sort (links, compare_links);
  return links;
}

static ChkJob1 *
find_job (ChkJobLinks *self,
          const char  *name)
{
  GListModel *jobs = chk_job_model_get_jobs (self->model);

  for (guint i = 0; i < g_list_model_get_n_items (jobs); i++)
    {
      g_autoptr(ChkJob1) job = g_list_model_get_item (jobs, i);

      if (g_strcmp0 (chk_job1_get_name (job), name) == 0)
        return job;
    }
  return NULL;
}

static void
add_row (ChkJobLinks *self,
         GtkWidget   *row)
{
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self), row);
  g_ptr_array_add (self->rows, row);
}

/* What a due run waits for now, such as "Waiting for backup to finish" */
static void
add_waiting_row (ChkJobLinks *self,
                 const char  *waiting_for)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name ("appointment-soon-symbolic");
  /* Translators: what a due run waits for, e.g. "Waiting for backup to finish" */
  g_autofree char *title = g_strdup_printf (_("Waiting for %s"), waiting_for);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("The run that is due has not started yet"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  gtk_widget_add_css_class (icon, "accent");
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  gtk_widget_set_focusable (row, FALSE);
  add_row (self, row);
}

static void
add_link_row (ChkJobLinks *self,
              Link        *link)
{
  ChkJob1 *job = find_job (self, link->name);
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *how = NULL;
  g_autofree char *tooltip = NULL;

  g_ptr_array_add (link->how, NULL);
  how = g_strjoinv (" · ", (char **) link->how->pdata);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), link->name);
  if (job != NULL)
    {
      GtkWidget *arrow = gtk_image_new_from_icon_name ("go-next-symbolic");

      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), how);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), arrow);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "win.show-job");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "s",
                                        g_dbus_proxy_get_object_path (G_DBUS_PROXY (job)));
      /* Translators: what activating the row of the job named %s does */
      tooltip = g_strdup_printf (_("Show %s"), link->name);
      gtk_widget_set_tooltip_text (row, tooltip);
    }
  else
    {
      /* Translators: how a job is linked, then that no job has its name */
      g_autofree char *missing = g_strdup_printf (_("%s · No job has this name"), how);

      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), missing);
      gtk_widget_set_focusable (row, FALSE);
    }
  add_row (self, row);
}

static void
update (ChkJobLinks *self)
{
  g_autoptr(GPtrArray) links = NULL;
  const char *waiting_for;

  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self), self->rows->pdata[i]);
  g_ptr_array_set_size (self->rows, 0);

  if (self->job == NULL || self->model == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      return;
    }

  waiting_for = chk_job1_get_waiting_for (self->job);
  if (!self->downstream && waiting_for != NULL && waiting_for[0] != '\0')
    add_waiting_row (self, waiting_for);

  links = collect_links (self);
  for (guint i = 0; i < links->len; i++)
    add_link_row (self, links->pdata[i]);

  gtk_widget_set_visible (GTK_WIDGET (self), self->rows->len > 0);
}

static gboolean
update_cb (gpointer user_data)
{
  ChkJobLinks *self = user_data;

  self->update_source = 0;
  update (self);
  return G_SOURCE_REMOVE;
}

/* Many changes come at once (a job's properties, the model loading): one update. */
static void
queue_update (ChkJobLinks *self)
{
  if (self->update_source == 0)
    self->update_source = g_idle_add (update_cb, self);
}

static void
job_notify_cb (ChkJobLinks *self,
               GParamSpec  *pspec)
{
  static const char * const names[] = {
    "name", "depends-on", "run-on-success", "run-on-failure", "waiting-for",
  };

  if (g_strv_contains (names, pspec->name))
    queue_update (self);
}

static void
unfollow_jobs (ChkJobLinks *self)
{
  for (guint i = 0; i < self->followed->len; i++)
    g_signal_handlers_disconnect_by_data (self->followed->pdata[i], self);
  g_ptr_array_set_size (self->followed, 0);
}

static void
jobs_changed_cb (ChkJobLinks *self)
{
  GListModel *jobs;

  unfollow_jobs (self);
  if (self->model == NULL || self->job == NULL)
    return;
  jobs = chk_job_model_get_jobs (self->model);
  for (guint i = 0; i < g_list_model_get_n_items (jobs); i++)
    {
      ChkJob1 *job = g_list_model_get_item (jobs, i);

      g_signal_connect_swapped (job, "notify", G_CALLBACK (job_notify_cb), self);
      g_ptr_array_add (self->followed, job);
    }
  queue_update (self);
}

/* GObject */

static void
chk_job_links_dispose (GObject *object)
{
  ChkJobLinks *self = CHK_JOB_LINKS (object);

  chk_job_links_set_job (self, NULL, NULL);
  g_clear_handle_id (&self->update_source, g_source_remove);

  G_OBJECT_CLASS (chk_job_links_parent_class)->dispose (object);
}

static void
chk_job_links_finalize (GObject *object)
{
  ChkJobLinks *self = CHK_JOB_LINKS (object);

  g_clear_pointer (&self->followed, g_ptr_array_unref);
  g_clear_pointer (&self->rows, g_ptr_array_unref);

  G_OBJECT_CLASS (chk_job_links_parent_class)->finalize (object);
}

static void
chk_job_links_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ChkJobLinks *self = CHK_JOB_LINKS (object);

  switch (prop_id)
    {
    case PROP_DOWNSTREAM:
      g_value_set_boolean (value, self->downstream);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_job_links_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ChkJobLinks *self = CHK_JOB_LINKS (object);

  switch (prop_id)
    {
    case PROP_DOWNSTREAM:
      self->downstream = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_job_links_class_init (ChkJobLinksClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chk_job_links_dispose;
  object_class->finalize = chk_job_links_finalize;
  object_class->get_property = chk_job_links_get_property;
  object_class->set_property = chk_job_links_set_property;

  /**
   * ChkJobLinks:downstream:
   *
   * Whether the group lists the jobs that wait for the job shown and the
   * ones it starts, rather than the ones it waits for and that start it.
   */
  properties[PROP_DOWNSTREAM] =
    g_param_spec_boolean ("downstream", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chk_job_links_init (ChkJobLinks *self)
{
  self->followed = g_ptr_array_new_with_free_func (g_object_unref);
  self->rows = g_ptr_array_new ();
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

/**
 * chk_job_links_set_job:
 * @self: a #ChkJobLinks
 * @model: (nullable): the jobs, which the links are found among
 * @job: (nullable): the job shown
 */
void
chk_job_links_set_job (ChkJobLinks *self,
                       ChkJobModel *model,
                       ChkJob1     *job)
{
  g_return_if_fail (CHK_IS_JOB_LINKS (self));
  g_return_if_fail (model == NULL || CHK_IS_JOB_MODEL (model));
  g_return_if_fail (job == NULL || CHK_IS_JOB1 (job));

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (chk_job_model_get_jobs (self->model), self);
  unfollow_jobs (self);
  g_set_object (&self->model, model);
  g_set_object (&self->job, job);

  if (model != NULL && job != NULL)
    {
      g_signal_connect_swapped (chk_job_model_get_jobs (model), "items-changed",
                                G_CALLBACK (jobs_changed_cb), self);
      jobs_changed_cb (self);
    }
  /* At once: the page shows the job as a whole */
  g_clear_handle_id (&self->update_source, g_source_remove);
  update (self);
}
