/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-engine"

#include "config.h"

#include "chk-engine-private.h"
#include "chk-error.h"
#include "chk-job-private.h"

/*
 * The jobs that another host's daemon made, changed or deleted in a store
 * they share (issue 20): the store says which (ChkStore::job-changed, from
 * PostgreSQL's notifications), and the engine reads the job again and does
 * as if the change had been made here, without writing it: the job shows
 * up, changes or goes on the bus, with its next run, within the time the
 * notification takes.
 */

/* @stored, as another daemon wrote it: made the engine's, or given to its job */
static void
apply_stored (ChkEngine         *self,
              const ChkStoreJob *stored)
{
  g_autoptr(GError) error = NULL;
  ChkJob *job = g_hash_table_lookup (self->jobs, &stored->id);
  g_autoptr(GVariant) current = NULL;
  g_autoptr(ChkJob) loaded = NULL;

  if (job == NULL)
    {
      loaded = _chk_engine_job_from_store (stored, &error);
      if (loaded == NULL)
        {
          g_warning ("Job %" G_GUINT64_FORMAT ", made elsewhere, cannot be loaded: %s",
                     stored->id, error->message);
          return;
        }
      g_debug ("Job “%s” was made on another host", stored->name);
      _chk_engine_adopt_job (self, g_steal_pointer (&loaded));
      return;
    }

  current = g_variant_ref_sink (chk_job_spec_to_variant (job->spec));
  if (g_variant_equal (current, stored->spec))
    return;

  /* Read as loading reads it, with its schedule parsed or made manual */
  loaded = _chk_engine_job_from_store (stored, &error);
  if (loaded == NULL)
    {
      g_warning ("Job “%s”, changed elsewhere, cannot be read again: %s", job->spec->name,
                 error->message);
      return;
    }
  g_debug ("Job “%s” was changed on another host", stored->name);
  if (!_chk_engine_apply_spec (self, job, chk_job_spec_copy (loaded->spec), &error))
    g_warning ("Job “%s”, changed elsewhere: %s", job->spec->name, error->message);
}

/* Every job again, after the store may have missed some changes */
static void
apply_all (ChkEngine *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) stored = chk_store_list_jobs (self->store, &error);
  g_autoptr(GHashTable) stored_ids = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  if (stored == NULL)
    {
      g_warning ("The jobs cannot be read again: %s", error->message);
      return;
    }

  for (guint i = 0; i < stored->len; i++)
    {
      ChkStoreJob *job = g_ptr_array_index (stored, i);

      g_hash_table_add (stored_ids, &job->id);
      apply_stored (self, job);
    }

  g_hash_table_iter_init (&iter, self->jobs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!g_hash_table_contains (stored_ids, &CHK_JOB (value)->id))
      g_ptr_array_add (gone, value);
  for (guint i = 0; i < gone->len; i++)
    _chk_engine_forget_job (self, g_ptr_array_index (gone, i));
}

void
_chk_engine_store_job_changed_cb (ChkStore  *store,
                                  guint64    job_id,
                                  ChkEngine *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkStoreJob) stored = NULL;
  ChkJob *job;

  if (job_id == 0)
    {
      apply_all (self);
      return;
    }

  stored = chk_store_get_job (store, job_id, &error);
  if (stored != NULL)
    {
      apply_stored (self, stored);
      return;
    }

  job = g_hash_table_lookup (self->jobs, &job_id);
  if (!g_error_matches (error, CHK_ERROR, CHK_ERROR_NOT_FOUND))
    g_warning ("Job %" G_GUINT64_FORMAT ", changed elsewhere, cannot be read: %s", job_id,
               error->message);
  else if (job != NULL)
    {
      g_debug ("Job “%s” was deleted on another host", job->spec->name);
      _chk_engine_forget_job (self, job);
    }
}
