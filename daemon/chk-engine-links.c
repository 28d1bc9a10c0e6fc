/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-engine"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "chk-engine-private.h"
#include "chk-error.h"
#include "chk-job-private.h"

/*
 * The links between jobs that depends-on, run-on-success and run-on-failure
 * make: every job they name exists, they make no cycle, a renamed job is
 * renamed in them, and a job they name is not deleted.
 *
 * As a graph, a job points at the jobs that follow it: those that depend
 * on it and those its run-on-* start. A cycle in it would hold runs back
 * for ever or start them for ever.
 */

typedef struct
{
  const char *to;
  const char *key;   /* the spec key of the job that changes, or NULL for another's */
} Edge;

typedef struct
{
  ChkEngine        *engine;
  ChkJob           *job;      /* the job that changes, NULL for a new one */
  const ChkJobSpec *spec;     /* its spec to be */
  GHashTable       *edges;    /* name → GArray of Edge */
} Graph;

/* A name as the graph knows it: the job that changes answers to its new name. */
static const char *
resolve (Graph      *graph,
         const char *name)
{
  if (graph->job != NULL && g_str_equal (name, graph->job->spec->name))
    return graph->spec->name;
  return name;
}

static void
add_edge (Graph      *graph,
          const char *from,
          const char *to,
          const char *key)
{
  GArray *edges = g_hash_table_lookup (graph->edges, from);
  Edge edge = { to, key };

  if (edges == NULL)
    {
      edges = g_array_new (FALSE, FALSE, sizeof (Edge));
      g_hash_table_insert (graph->edges, (gpointer) from, edges);
    }
  g_array_append_val (edges, edge);
}

static void
add_job_edges (Graph            *graph,
               const ChkJobSpec *spec,
               gboolean          changing)
{
  const char *name = changing ? spec->name : resolve (graph, spec->name);

  for (guint i = 0; i < spec->depends_on->len; i++)
    {
      ChkDependency *dependency = g_ptr_array_index (spec->depends_on, i);

      add_edge (graph, resolve (graph, dependency->job), name, changing ? "depends-on" : NULL);
    }
  for (guint i = 0; spec->run_on_success[i] != NULL; i++)
    add_edge (graph, name, resolve (graph, spec->run_on_success[i]),
              changing ? "run-on-success" : NULL);
  for (guint i = 0; spec->run_on_failure[i] != NULL; i++)
    add_edge (graph, name, resolve (graph, spec->run_on_failure[i]),
              changing ? "run-on-failure" : NULL);
}

/*
 * Depth first from @name, looking for the way back to the changing job;
 * @path holds the names on the way. Returns the key of the changing job's
 * edge on the cycle found (NULL when it has none of its own there), and
 * TRUE in @found.
 */
static gboolean
find_cycle (Graph       *graph,
            const char  *name,
            GHashTable  *visited,
            GPtrArray   *path,
            const char **key)
{
  GArray *edges = g_hash_table_lookup (graph->edges, name);

  g_ptr_array_add (path, (gpointer) name);
  for (guint i = 0; edges != NULL && i < edges->len; i++)
    {
      Edge *edge = &g_array_index (edges, Edge, i);

      if (g_str_equal (edge->to, graph->spec->name))
        {
          g_ptr_array_add (path, (gpointer) edge->to);
          if (edge->key != NULL)
            *key = edge->key;
          return TRUE;
        }
      if (g_hash_table_add (visited, (gpointer) edge->to) &&
          find_cycle (graph, edge->to, visited, path, key))
        {
          if (*key == NULL && edge->key != NULL)
            *key = edge->key;
          return TRUE;
        }
    }
  g_ptr_array_remove_index (path, path->len - 1);
  return FALSE;
}

static gboolean
check_names_exist (ChkEngine         *self,
                   ChkJob            *job,
                   const ChkJobSpec  *spec,
                   GError           **error)
{
  const struct { const char *key; char **names; } lists[] = {
    { "run-on-success", spec->run_on_success },
    { "run-on-failure", spec->run_on_failure },
  };

  for (guint i = 0; i < spec->depends_on->len; i++)
    {
      ChkDependency *dependency = g_ptr_array_index (spec->depends_on, i);

      if (!g_str_equal (dependency->job, spec->name) &&
          !g_hash_table_contains (self->jobs_by_name, dependency->job))
        return chk_set_key_error (error, CHK_ERROR_INVALID_ARGUMENT, "depends-on",
                                  _("there is no job named “%s”"), dependency->job);
    }
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    {
      for (guint i = 0; lists[l].names[i] != NULL; i++)
        {
          const char *name = lists[l].names[i];

          if (!g_str_equal (name, spec->name) && !g_hash_table_contains (self->jobs_by_name, name))
            return chk_set_key_error (error, CHK_ERROR_INVALID_ARGUMENT, lists[l].key,
                                      _("there is no job named “%s”"), name);
        }
    }
  return TRUE;
}

/**
 * _chk_engine_check_links:
 * @self: the engine
 * @job: (nullable): the job that changes, or %NULL for a new one
 * @spec: its spec to be
 * @error: return location for a #GError
 *
 * Checks that every job @spec names exists and that, with @spec, the
 * links of all jobs make no cycle: one is %CHK_ERROR_INVALID_ARGUMENT
 * naming its jobs in order, such as "a → b → a".
 *
 * Returns: whether @spec may be stored
 */
gboolean
_chk_engine_check_links (ChkEngine         *self,
                         ChkJob            *job,
                         const ChkJobSpec  *spec,
                         GError           **error)
{
  g_autoptr(GHashTable) edges = NULL;
  g_autoptr(GHashTable) visited = NULL;
  g_autoptr(GPtrArray) path = NULL;
  g_autofree char *cycle = NULL;
  Graph graph = { self, job, spec, NULL };
  GHashTableIter iter;
  gpointer value;
  const char *key = NULL;

  if (!check_names_exist (self, job, spec, error))
    return FALSE;

  edges = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_array_unref);
  graph.edges = edges;
  g_hash_table_iter_init (&iter, self->jobs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      if (value != job)
        add_job_edges (&graph, ((ChkJob *) value)->spec, FALSE);
    }
  add_job_edges (&graph, spec, TRUE);

  visited = g_hash_table_new (g_str_hash, g_str_equal);
  path = g_ptr_array_new ();
  if (!find_cycle (&graph, spec->name, visited, path, &key))
    return TRUE;

  g_ptr_array_add (path, NULL);
  cycle = g_strjoinv (" → ", (char **) path->pdata);
  return chk_set_key_error (error, CHK_ERROR_INVALID_ARGUMENT, key != NULL ? key : "depends-on",
                            _("would make a cycle: %s"), cycle);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/**
 * _chk_engine_check_unlinked:
 * @self: the engine
 * @job: a job to be deleted
 * @error: return location for a #GError
 *
 * Returns: %TRUE when no other job names @job; if one does,
 *   %CHK_ERROR_INVALID_ARGUMENT naming them
 */
gboolean
_chk_engine_check_unlinked (ChkEngine  *self,
                            ChkJob     *job,
                            GError    **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autofree char *list = NULL;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->jobs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ChkJob *other = value;

      if (other != job && chk_job_spec_links_to (other->spec, job->spec->name))
        g_ptr_array_add (names, other->spec->name);
    }
  if (names->len == 0)
    return TRUE;

  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  list = g_strjoinv (", ", (char **) names->pdata);
  return chk_set_error (error, CHK_ERROR_INVALID_ARGUMENT,
                        _("“%s” cannot be deleted: %s name it in depends-on or run-on-*; "
                          "change them first"), job->spec->name, list);
}

/**
 * _chk_engine_rename_links:
 * @self: the engine
 * @old_name: a job's name before it is renamed
 * @new_name: its new name
 * @error: return location for a #GError
 *
 * Makes every other job that names @old_name name @new_name instead, in the
 * store and then in the jobs. Call it inside the transaction that renames
 * the job, before the job's own spec changes.
 *
 * Returns: whether the store took every change
 */
gboolean
_chk_engine_rename_links (ChkEngine   *self,
                          const char  *old_name,
                          const char  *new_name,
                          GError     **error)
{
  g_autoptr(GPtrArray) renamed = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func ((GDestroyNotify) chk_job_spec_free);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->jobs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ChkJob *other = value;
      g_autoptr(ChkJobSpec) spec = NULL;
      g_autoptr(GVariant) variant = NULL;

      if (g_str_equal (other->spec->name, old_name) ||
          !chk_job_spec_links_to (other->spec, old_name))
        continue;

      spec = chk_job_spec_copy (other->spec);
      chk_job_spec_rename_links (spec, old_name, new_name);
      variant = g_variant_ref_sink (chk_job_spec_to_variant (spec));
      if (!chk_store_update_job (self->store, other->id, spec->name, variant, error))
        return FALSE;
      g_ptr_array_add (renamed, g_object_ref (other));
      g_ptr_array_add (specs, g_steal_pointer (&spec));
    }

  /* Only names change: the schedules and zones stay valid. */
  for (guint i = 0; i < renamed->len; i++)
    {
      ChkJob *other = g_ptr_array_index (renamed, i);

      g_debug ("“%s” now names “%s” instead of “%s”", other->spec->name, new_name, old_name);
      /* The index of names holds the spec's own string */
      g_hash_table_remove (self->jobs_by_name, other->spec->name);
      _chk_job_set_spec (other, g_steal_pointer (&specs->pdata[i]), NULL);
      g_hash_table_insert (self->jobs_by_name, other->spec->name, other);
    }
  return TRUE;
}
