/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>

#include "chk-job-item.h"
#include "chk-job-link-watch.h"
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
 * to say. What is linked, and how, comes from a #ChkJobLinkWatch.
 */
struct _ChkJobLinks
{
  AdwPreferencesGroup  parent_instance;

  gboolean             downstream;
  ChkJobLinkWatch     *watch;
  GPtrArray           *rows;
};

G_DEFINE_FINAL_TYPE (ChkJobLinks, chk_job_links, ADW_TYPE_PREFERENCES_GROUP)

enum {
  PROP_0,
  PROP_DOWNSTREAM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

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
              ChkJobLink  *link)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *how = chk_job_link_describe (link->kinds, self->downstream);
  g_autofree char *tooltip = NULL;

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), link->name);
  if (link->job != NULL)
    {
      GtkWidget *arrow = gtk_image_new_from_icon_name ("go-next-symbolic");

      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), how);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), arrow);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "win.show-job");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "s",
                                        chk_job_get_object_path (link->job));
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
  ChkJob1 *job = chk_job_link_watch_get_job (self->watch);
  g_autoptr(GPtrArray) links = NULL;
  const char *waiting_for;

  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self), self->rows->pdata[i]);
  g_ptr_array_set_size (self->rows, 0);

  if (job == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      return;
    }

  waiting_for = chk_job1_get_waiting_for (job);
  if (!self->downstream && waiting_for != NULL && waiting_for[0] != '\0')
    add_waiting_row (self, waiting_for);

  links = chk_job_link_watch_collect (self->watch, self->downstream);
  for (guint i = 0; i < links->len; i++)
    add_link_row (self, links->pdata[i]);

  gtk_widget_set_visible (GTK_WIDGET (self), self->rows->len > 0);
}

/* GObject */

static void
chk_job_links_dispose (GObject *object)
{
  ChkJobLinks *self = CHK_JOB_LINKS (object);

  if (self->watch != NULL)
    g_signal_handlers_disconnect_by_data (self->watch, self);
  g_clear_object (&self->watch);

  G_OBJECT_CLASS (chk_job_links_parent_class)->dispose (object);
}

static void
chk_job_links_finalize (GObject *object)
{
  ChkJobLinks *self = CHK_JOB_LINKS (object);

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
  self->watch = chk_job_link_watch_new ();
  self->rows = g_ptr_array_new ();
  g_signal_connect_swapped (self->watch, "changed", G_CALLBACK (update), self);
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

  chk_job_link_watch_set_job (self->watch, model, job);
}
