/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>

#include "chk-item-signals.h"
#include "chk-job-link-watch.h"

/**
 * ChkJobLinkWatch:
 *
 * The jobs linked to one job (DESIGN §7 "Orchestration"), for the job
 * page's groups and graph: upstream, the jobs it waits for (its
 * `depends-on`) and the jobs that start it (their `run-on-success` or
 * `run-on-failure` name it); downstream, the jobs that wait for it and
 * the ones it starts. It follows every job of the model, since a link
 * may be in either job's spec, and says #ChkJobLinkWatch::changed once
 * for a burst of changes.
 */
struct _ChkJobLinkWatch
{
  GObject       parent_instance;

  ChkJobModel  *model;
  ChkJob1      *job;
  ChkItemSignals *followed; /* the model's jobs, whose changes we follow */
  guint         changed_source;
};

G_DEFINE_FINAL_TYPE (ChkJobLinkWatch, chk_job_link_watch, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
link_free (ChkJobLink *link)
{
  g_free (link->name);
  g_clear_object (&link->job);
  g_free (link);
}

static void
add_link (GPtrArray      *links,
          const char     *name,
          ChkJobLinkKind  kind)
{
  ChkJobLink *link = NULL;

  for (guint i = 0; i < links->len && link == NULL; i++)
    {
      if (g_str_equal (((ChkJobLink *) links->pdata[i])->name, name))
        link = links->pdata[i];
    }
  if (link == NULL)
    {
      link = g_new0 (ChkJobLink, 1);
      link->name = g_strdup (name);
      g_ptr_array_add (links, link);
    }
  link->kinds |= kind;
}

static int
compare_links (gconstpointer a,
               gconstpointer b)
{
  return g_utf8_collate ((*(ChkJobLink * const *) a)->name, (*(ChkJobLink * const *) b)->name);
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

static ChkJob1 *
find_job (GListModel *jobs,
          const char *name)
{
  for (guint i = 0; i < g_list_model_get_n_items (jobs); i++)
    {
      g_autoptr(ChkJob1) job = g_list_model_get_item (jobs, i);

      if (g_strcmp0 (chk_job1_get_name (job), name) == 0)
        return g_steal_pointer (&job);
    }
  return NULL;
}

static gboolean
changed_cb (gpointer user_data)
{
  ChkJobLinkWatch *self = user_data;

  self->changed_source = 0;
  g_signal_emit (self, signals[CHANGED], 0);
  return G_SOURCE_REMOVE;
}

/* Many changes come at once (a job's properties, the model loading): one signal. */
static void
queue_changed (ChkJobLinkWatch *self)
{
  if (self->changed_source == 0)
    self->changed_source = g_idle_add (changed_cb, self);
}

static void
job_notify_cb (ChkJobLinkWatch *self,
               GParamSpec      *pspec)
{
  static const char * const names[] = {
    "name", "depends-on", "run-on-success", "run-on-failure", "waiting-for", NULL,
  };

  if (g_strv_contains (names, pspec->name))
    queue_changed (self);
}

static void
forget_job (ChkJobLinkWatch *self)
{
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (chk_job_model_get_jobs (self->model), self);
  chk_item_signals_set_model (self->followed, NULL);
  g_clear_object (&self->model);
  g_clear_object (&self->job);
}

/* GObject */

static void
chk_job_link_watch_dispose (GObject *object)
{
  ChkJobLinkWatch *self = CHK_JOB_LINK_WATCH (object);

  forget_job (self);
  g_clear_handle_id (&self->changed_source, g_source_remove);

  G_OBJECT_CLASS (chk_job_link_watch_parent_class)->dispose (object);
}

static void
chk_job_link_watch_finalize (GObject *object)
{
  ChkJobLinkWatch *self = CHK_JOB_LINK_WATCH (object);

  g_clear_pointer (&self->followed, chk_item_signals_free);

  G_OBJECT_CLASS (chk_job_link_watch_parent_class)->finalize (object);
}

static void
chk_job_link_watch_class_init (ChkJobLinkWatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chk_job_link_watch_dispose;
  object_class->finalize = chk_job_link_watch_finalize;

  /**
   * ChkJobLinkWatch::changed:
   *
   * The links may have changed: another job was set, a job came or went,
   * or one's links, name or what it waits for changed.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
chk_job_link_watch_init (ChkJobLinkWatch *self)
{
  self->followed = chk_item_signals_new ((const char *[]) { "notify", NULL },
                                        G_CALLBACK (job_notify_cb), self, G_CONNECT_SWAPPED);
}

/* Public API */

/**
 * chk_job_link_watch_new:
 *
 * Returns: (transfer full): a watch of no job yet
 */
ChkJobLinkWatch *
chk_job_link_watch_new (void)
{
  return g_object_new (CHK_TYPE_JOB_LINK_WATCH, NULL);
}

/**
 * chk_job_link_watch_set_job:
 * @self: a #ChkJobLinkWatch
 * @model: (nullable): the jobs, which the links are found among
 * @job: (nullable): the job whose links to follow
 *
 * Follows @job's links from now on, and says #ChkJobLinkWatch::changed at
 * once: the page shows a job as a whole.
 */
void
chk_job_link_watch_set_job (ChkJobLinkWatch *self,
                            ChkJobModel     *model,
                            ChkJob1         *job)
{
  g_autoptr(ChkJobModel) new_model = NULL;
  g_autoptr(ChkJob1) new_job = NULL;

  g_return_if_fail (CHK_IS_JOB_LINK_WATCH (self));
  g_return_if_fail (model == NULL || CHK_IS_JOB_MODEL (model));
  g_return_if_fail (job == NULL || CHK_IS_JOB1 (job));

  /* Held before letting go of the old ones, which may be the same */
  new_model = model != NULL ? g_object_ref (model) : NULL;
  new_job = job != NULL ? g_object_ref (job) : NULL;
  forget_job (self);
  self->model = g_steal_pointer (&new_model);
  self->job = g_steal_pointer (&new_job);

  if (model != NULL && job != NULL)
    {
      g_signal_connect_swapped (chk_job_model_get_jobs (model), "items-changed",
                                G_CALLBACK (queue_changed), self);
      chk_item_signals_set_model (self->followed, chk_job_model_get_jobs (model));
    }
  g_clear_handle_id (&self->changed_source, g_source_remove);
  g_signal_emit (self, signals[CHANGED], 0);
}

/**
 * chk_job_link_watch_get_job:
 * @self: a #ChkJobLinkWatch
 *
 * Returns: (transfer none) (nullable): the job whose links are followed
 */
ChkJob1 *
chk_job_link_watch_get_job (ChkJobLinkWatch *self)
{
  g_return_val_if_fail (CHK_IS_JOB_LINK_WATCH (self), NULL);

  return self->job;
}

/**
 * chk_job_link_watch_collect:
 * @self: a #ChkJobLinkWatch
 * @downstream: whether to collect the jobs that wait for the job and that it
 *   starts, rather than the ones it waits for and that start it
 *
 * The links in one direction: the jobs the job names in its spec, and the
 * other jobs that name it in theirs, by name as the list of jobs is.
 *
 * Returns: (transfer container) (element-type ChkJobLink): the links, empty
 *   without a job
 */
GPtrArray *
chk_job_link_watch_collect (ChkJobLinkWatch *self,
                            gboolean         downstream)
{
  g_autoptr(GPtrArray) links = g_ptr_array_new_with_free_func ((GDestroyNotify) link_free);
  GListModel *jobs;
  GVariant *entries;
  const char *own;

  g_return_val_if_fail (CHK_IS_JOB_LINK_WATCH (self), NULL);

  if (self->job == NULL || self->model == NULL)
    return g_steal_pointer (&links);

  own = chk_job1_get_name (self->job);
  jobs = chk_job_model_get_jobs (self->model);
  entries = chk_job1_get_depends_on (self->job);
  if (!downstream && entries != NULL && g_variant_is_of_type (entries, G_VARIANT_TYPE ("aa{sv}")))
    {
      GVariantIter iter;
      GVariant *entry;

      g_variant_iter_init (&iter, entries);
      while ((entry = g_variant_iter_next_value (&iter)) != NULL)
        {
          const char *name;

          if (g_variant_lookup (entry, "job", "&s", &name))
            add_link (links, name, CHK_JOB_LINK_DEPENDS);
          g_variant_unref (entry);
        }
    }
  for (guint i = 0; downstream && i < 2; i++)
    {
      const char * const *names = i == 0 ? chk_job1_get_run_on_success (self->job)
                                         : chk_job1_get_run_on_failure (self->job);

      for (guint j = 0; names != NULL && names[j] != NULL; j++)
        add_link (links, names[j], i == 0 ? CHK_JOB_LINK_ON_SUCCESS : CHK_JOB_LINK_ON_FAILURE);
    }

  for (guint i = 0; own != NULL && i < g_list_model_get_n_items (jobs); i++)
    {
      g_autoptr(ChkJob1) other = g_list_model_get_item (jobs, i);
      const char *name = chk_job1_get_name (other);

      if (other == self->job || name == NULL)
        continue;
      if (downstream && depends_on (other, own))
        add_link (links, name, CHK_JOB_LINK_DEPENDS);
      if (!downstream && names_contain (chk_job1_get_run_on_success (other), own))
        add_link (links, name, CHK_JOB_LINK_ON_SUCCESS);
      if (!downstream && names_contain (chk_job1_get_run_on_failure (other), own))
        add_link (links, name, CHK_JOB_LINK_ON_FAILURE);
    }
  g_ptr_array_sort (links, compare_links);
  for (guint i = 0; i < links->len; i++)
    {
      ChkJobLink *link = links->pdata[i];

      link->job = find_job (jobs, link->name);
    }
  return g_steal_pointer (&links);
}

/**
 * chk_job_link_describe:
 * @kinds: how a job is linked to the one shown
 * @downstream: whether it runs after the one shown
 *
 * Returns: (transfer full): every way, in words, such as "This job waits
 *   for it · Starts this job when it fails"
 */
char *
chk_job_link_describe (ChkJobLinkKind kinds,
                       gboolean       downstream)
{
  g_autoptr(GPtrArray) how = g_ptr_array_new ();

  if (!downstream && (kinds & CHK_JOB_LINK_DEPENDS) != 0)
    g_ptr_array_add (how, _("This job waits for it"));
  if ((kinds & CHK_JOB_LINK_ON_SUCCESS) != 0)
    g_ptr_array_add (how, downstream ? _("Started when this job succeeds")
                                     : _("Starts this job when it succeeds"));
  if ((kinds & CHK_JOB_LINK_ON_FAILURE) != 0)
    g_ptr_array_add (how, downstream ? _("Started when this job fails")
                                     : _("Starts this job when it fails"));
  if (downstream && (kinds & CHK_JOB_LINK_DEPENDS) != 0)
    g_ptr_array_add (how, _("Waits for this job"));
  g_ptr_array_add (how, NULL);
  return g_strjoinv (" · ", (char **) how->pdata);
}
