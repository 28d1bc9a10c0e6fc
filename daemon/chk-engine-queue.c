/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-engine"

#include "config.h"

#include <glib/gi18n.h>

#include "chk-engine-private.h"
#include "chk-error.h"
#include "chk-job-private.h"

/*
 * The runs that are due but cannot start yet: those past
 * max-concurrent-runs wait in the engine's queue, in the order they were
 * due, and those that the store could not record wait until it works again.
 */

static gboolean
has_free_slot (ChkEngine *self)
{
  guint max = chk_settings_get_max_concurrent_runs (self->settings);

  return max == 0 || self->running_count < max;
}

/* Starts @job for its schedule now, or queues it when all slots are taken. */
void
_chk_engine_start_or_queue (ChkEngine  *self,
                            ChkJob     *job,
                            const char *trigger,
                            guint       attempt)
{
  g_autoptr(GError) error = NULL;

  if (job->runner != NULL || job->queued)
    {
      g_debug ("“%s” is still running or queued: its occurrence is skipped", job->spec->name);
      return;
    }

  if (!has_free_slot (self))
    {
      g_debug ("“%s” waits for a free slot", job->spec->name);
      job->queued = TRUE;
      g_free (job->queued_trigger);
      job->queued_trigger = g_strdup (trigger);
      job->queued_attempt = attempt;
      g_queue_push_tail (&self->queue, g_object_ref (job));
      _chk_job_set_waiting_for (job, _("a free slot (max-concurrent-runs)"));
      return;
    }

  if (_chk_engine_start_run (self, job, trigger, attempt, &error) != 0)
    return;

  /* A run that cannot be recorded cannot start. Skipping it would lose a
   * daily backup to a database locked for a moment: it waits, like a
   * queued run, and starts once the store works again (said once). */
  if (g_error_matches (error, CHK_ERROR, CHK_ERROR_STORAGE) && chk_store_is_failing (self->store))
    {
      if (!g_hash_table_contains (self->waiting_for_store, &job->id))
        {
          g_warning ("Could not start “%s” yet: %s; it starts once the database works again",
                     job->spec->name, error->message);
          g_hash_table_insert (self->waiting_for_store, _chk_engine_id_key (job->id),
                               g_strdup (trigger));
        }
      return;
    }

  g_warning ("Could not start “%s”: %s", job->spec->name, error->message);
}

static gboolean
store_works_cb (gpointer user_data)
{
  ChkEngine *self = user_data;
  g_autoptr(GHashTable) waiting = NULL;
  GHashTableIter iter;
  gpointer key, value;

  self->store_works_source = 0;
  if (self->shutdown_task != NULL || chk_store_is_failing (self->store))
    return G_SOURCE_REMOVE;

  waiting = g_steal_pointer (&self->waiting_for_store);
  self->waiting_for_store = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);

  g_hash_table_iter_init (&iter, waiting);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      ChkJob *job = g_hash_table_lookup (self->jobs, key);

      /* Deleted, disabled or moved to another host meanwhile: nothing is due any more. */
      if (job == NULL || !_chk_engine_schedules_here (self, job))
        continue;
      g_debug ("“%s” starts now that the database works again", job->spec->name);
      _chk_engine_start_or_queue (self, job, value, 1);
    }

  _chk_engine_reschedule (self);
  return G_SOURCE_REMOVE;
}

/* From an idle: the store notifies from inside its calls. */
void
_chk_engine_store_problem_cb (ChkStore   *store,
                              GParamSpec *pspec,
                              ChkEngine  *self)
{
  if (g_hash_table_size (self->waiting_for_store) > 0 && !chk_store_is_failing (store) &&
      self->store_works_source == 0)
    self->store_works_source = g_idle_add (store_works_cb, self);
}

void
_chk_engine_drain_queue (ChkEngine *self)
{
  while (!g_queue_is_empty (&self->queue) && has_free_slot (self))
    {
      g_autoptr(ChkJob) job = g_queue_pop_head (&self->queue);
      g_autofree char *trigger = g_steal_pointer (&job->queued_trigger);
      g_autoptr(GError) error = NULL;

      job->queued = FALSE;
      _chk_job_set_waiting_for (job, "");
      if (job->runner != NULL || !g_hash_table_contains (self->jobs, &job->id))
        continue;
      if (_chk_engine_start_run (self, job, trigger, job->queued_attempt, &error) == 0)
        g_warning ("Could not start “%s”: %s", job->spec->name, error->message);
    }
}

void
_chk_engine_remove_from_queue (ChkEngine *self,
                               ChkJob    *job)
{
  if (!job->queued)
    return;
  job->queued = FALSE;
  g_clear_pointer (&job->queued_trigger, g_free);
  _chk_job_set_waiting_for (job, "");
  if (g_queue_remove (&self->queue, job))
    g_object_unref (job);
}
