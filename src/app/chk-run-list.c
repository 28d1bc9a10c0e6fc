/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include "chk-job-item.h"
#include "chk-run-list.h"

/* Runs read per ListRuns call */
#define RUNS_PAGE 50

/**
 * ChkRunList:
 *
 * A job's runs, newest first, as a #GListModel of #ChkRun, read from the
 * daemon a page at a time (ListRuns with an offset and a limit).
 * chk_run_list_reload_async() reads the newest runs again, as many as are
 * listed: runs that are still there are updated in place (a row that
 * shows one follows it), new ones inserted and gone ones removed, so that
 * a list widget keeps its selection, focus and scrolling.
 * chk_run_list_load_more_async() appends the next page. A reload cancels
 * the read under way, and so does another job.
 */
struct _ChkRunList
{
  GObject       parent_instance;

  ChkJob1      *job;
  GPtrArray    *runs;          /* ChkRun, newest first */
  GCancellable *cancellable;   /* the ListRuns under way */
  gboolean      loading;
  gboolean      loading_more;
  gboolean      has_more;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ChkRunList, chk_run_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
chk_run_list_get_item_type (GListModel *model)
{
  return CHK_TYPE_RUN;
}

static guint
chk_run_list_get_n_items (GListModel *model)
{
  return CHK_RUN_LIST (model)->runs->len;
}

static gpointer
chk_run_list_get_item (GListModel *model,
                       guint       position)
{
  ChkRunList *self = CHK_RUN_LIST (model);

  if (position >= self->runs->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->runs, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = chk_run_list_get_item_type;
  iface->get_n_items = chk_run_list_get_n_items;
  iface->get_item = chk_run_list_get_item;
}

static guint64
record_get_id (GVariant *record)
{
  guint64 id = 0;

  g_variant_lookup (record, "id", "t", &id);
  return id;
}

static void
append_runs (ChkRunList *self,
             GVariant   *records)
{
  guint first = self->runs->len;
  gsize n_records = g_variant_n_children (records);

  for (gsize i = 0; i < n_records; i++)
    {
      g_autoptr(GVariant) record = g_variant_get_child_value (records, i);

      /* Newer runs shifted the pages: a run may come twice. */
      if (chk_run_list_find (self, record_get_id (record), NULL) != NULL)
        continue;
      g_ptr_array_add (self->runs, chk_run_new (record));
    }
  if (self->runs->len > first)
    g_list_model_items_changed (G_LIST_MODEL (self), first, 0, self->runs->len - first);
}

/* The newest runs again: runs are updated in place, new ones inserted and
 * gone ones removed, each change on its own. */
static void
merge_runs (ChkRunList *self,
            GVariant   *records)
{
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  gsize n_records = g_variant_n_children (records);

  for (gsize i = 0; i < n_records; i++)
    {
      g_autoptr(GVariant) record = g_variant_get_child_value (records, i);
      gint64 *id = g_new (gint64, 1);

      *id = (gint64) record_get_id (record);
      g_hash_table_add (ids, id);
    }

  for (guint i = self->runs->len; i > 0; i--)
    {
      gint64 id = (gint64) chk_run_get_id (g_ptr_array_index (self->runs, i - 1));

      if (!g_hash_table_contains (ids, &id))
        {
          g_ptr_array_remove_index (self->runs, i - 1);
          g_list_model_items_changed (G_LIST_MODEL (self), i - 1, 1, 0);
        }
    }

  /* What is left is in the same order as the new list. */
  for (gsize i = 0; i < n_records; i++)
    {
      g_autoptr(GVariant) record = g_variant_get_child_value (records, i);
      ChkRun *run = i < self->runs->len ? g_ptr_array_index (self->runs, i) : NULL;

      if (run != NULL && chk_run_get_id (run) == record_get_id (record))
        {
          chk_run_update (run, record);
          continue;
        }
      g_ptr_array_insert (self->runs, i, chk_run_new (record));
      g_list_model_items_changed (G_LIST_MODEL (self), i, 0, 1);
    }
}

static void
list_runs_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChkRunList *self = g_task_get_source_object (task);
  gboolean append = g_task_get_source_tag (task) == chk_run_list_load_more_async;
  g_autoptr(GVariant) records = NULL;
  g_autoptr(GError) error = NULL;
  gsize n_records;

  if (!chk_job1_call_list_runs_finish (CHK_JOB1 (object), &records, result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          self->loading = FALSE;
          self->loading_more = FALSE;
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;
  /* Another job's runs: as good as cancelled (and the callback still runs,
   * to drop what it holds) */
  if (!chk_job_has_proxy (self->job, object))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The runs of another job");
      return;
    }

  n_records = g_variant_n_children (records);
  if (append)
    {
      self->loading_more = FALSE;
      self->has_more = n_records >= RUNS_PAGE;
      append_runs (self, records);
    }
  else
    {
      self->loading = FALSE;
      self->has_more = n_records >= MAX (RUNS_PAGE, self->runs->len);
      merge_runs (self, records);
    }
  g_task_return_boolean (task, TRUE);
}

static void
chk_run_list_dispose (GObject *object)
{
  ChkRunList *self = CHK_RUN_LIST (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->job);

  G_OBJECT_CLASS (chk_run_list_parent_class)->dispose (object);
}

static void
chk_run_list_finalize (GObject *object)
{
  ChkRunList *self = CHK_RUN_LIST (object);

  g_clear_pointer (&self->runs, g_ptr_array_unref);

  G_OBJECT_CLASS (chk_run_list_parent_class)->finalize (object);
}

static void
chk_run_list_class_init (ChkRunListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chk_run_list_dispose;
  object_class->finalize = chk_run_list_finalize;
}

static void
chk_run_list_init (ChkRunList *self)
{
  self->runs = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * chk_run_list_new:
 *
 * Returns: (transfer full): an empty list of runs
 */
ChkRunList *
chk_run_list_new (void)
{
  return g_object_new (CHK_TYPE_RUN_LIST, NULL);
}

/**
 * chk_run_list_set_job:
 * @self: a #ChkRunList
 * @job: (nullable): the job whose runs to list
 *
 * Empties the list and cancels the read under way; call
 * chk_run_list_reload_async() to read @job's runs.
 */
void
chk_run_list_set_job (ChkRunList *self,
                      ChkJob1    *job)
{
  guint n_runs;

  g_return_if_fail (CHK_IS_RUN_LIST (self));
  g_return_if_fail (job == NULL || CHK_IS_JOB1 (job));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_set_object (&self->job, job);
  self->loading = FALSE;
  self->loading_more = FALSE;
  self->has_more = FALSE;

  n_runs = self->runs->len;
  g_ptr_array_set_size (self->runs, 0);
  if (n_runs > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, n_runs, 0);
}

/**
 * chk_run_list_get_job:
 * @self: a #ChkRunList
 *
 * Returns: (transfer none) (nullable): the job whose runs are listed
 */
ChkJob1 *
chk_run_list_get_job (ChkRunList *self)
{
  g_return_val_if_fail (CHK_IS_RUN_LIST (self), NULL);
  return self->job;
}

/**
 * chk_run_list_find:
 * @self: a #ChkRunList
 * @run_id: a run's number
 * @position: (out) (optional): where it is in the list
 *
 * Returns: (transfer none) (nullable): the run, if it is listed
 */
ChkRun *
chk_run_list_find (ChkRunList *self,
                   guint64     run_id,
                   guint      *position)
{
  g_return_val_if_fail (CHK_IS_RUN_LIST (self), NULL);

  for (guint i = 0; i < self->runs->len; i++)
    {
      ChkRun *run = g_ptr_array_index (self->runs, i);

      if (chk_run_get_id (run) == run_id)
        {
          if (position != NULL)
            *position = i;
          return run;
        }
    }
  return NULL;
}

/**
 * chk_run_list_get_has_more:
 * @self: a #ChkRunList
 *
 * Returns: whether the last page read was full: older runs may follow
 */
gboolean
chk_run_list_get_has_more (ChkRunList *self)
{
  g_return_val_if_fail (CHK_IS_RUN_LIST (self), FALSE);
  return self->has_more;
}

/**
 * chk_run_list_get_loading:
 * @self: a #ChkRunList
 *
 * Returns: whether the newest runs are being read
 */
gboolean
chk_run_list_get_loading (ChkRunList *self)
{
  g_return_val_if_fail (CHK_IS_RUN_LIST (self), FALSE);
  return self->loading;
}

/**
 * chk_run_list_get_loading_more:
 * @self: a #ChkRunList
 *
 * Returns: whether the next page is being read
 */
gboolean
chk_run_list_get_loading_more (ChkRunList *self)
{
  g_return_val_if_fail (CHK_IS_RUN_LIST (self), FALSE);
  return self->loading_more;
}

/**
 * chk_run_list_reload_async:
 * @self: a #ChkRunList
 * @callback: called when the runs are read, or could not be
 * @user_data: for @callback
 *
 * Reads the newest runs again, as many as are listed (a page at least),
 * and merges them into the list. Cancels the read under way: its
 * callback gets %G_IO_ERROR_CANCELLED.
 */
void
chk_run_list_reload_async (ChkRunList          *self,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CHK_IS_RUN_LIST (self));
  g_return_if_fail (self->job != NULL);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->loading = TRUE;
  self->loading_more = FALSE;

  task = g_task_new (self, self->cancellable, callback, user_data);
  g_task_set_source_tag (task, chk_run_list_reload_async);
  chk_job1_call_list_runs (chk_job_get_proxy (self->job), 0, MAX (RUNS_PAGE, self->runs->len),
                           self->cancellable, list_runs_cb, task);
}

/**
 * chk_run_list_reload_finish:
 * @self: a #ChkRunList
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Returns: whether the runs were read
 */
gboolean
chk_run_list_reload_finish (ChkRunList    *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * chk_run_list_load_more_async:
 * @self: a #ChkRunList
 * @callback: called when the page is read, or could not be
 * @user_data: for @callback
 *
 * Reads the page of runs after those listed and appends it. Only while
 * there may be more and nothing is being read.
 */
void
chk_run_list_load_more_async (ChkRunList          *self,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CHK_IS_RUN_LIST (self));
  g_return_if_fail (self->job != NULL);
  g_return_if_fail (!self->loading && !self->loading_more);

  if (self->cancellable == NULL)
    self->cancellable = g_cancellable_new ();
  self->loading_more = TRUE;

  task = g_task_new (self, self->cancellable, callback, user_data);
  g_task_set_source_tag (task, chk_run_list_load_more_async);
  chk_job1_call_list_runs (chk_job_get_proxy (self->job), self->runs->len, RUNS_PAGE,
                           self->cancellable, list_runs_cb, task);
}

/**
 * chk_run_list_load_more_finish:
 * @self: a #ChkRunList
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Returns: whether the page was read
 */
gboolean
chk_run_list_load_more_finish (ChkRunList    *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
