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
 *
 * And the leases: in a shared store, a host's heartbeat leases it its runs
 * under way. It beats when it wakes for due runs anyway, and every third
 * of a lease while it has runs under way (never while idle: 10,000 jobs
 * hours away wake no host); then it records as interrupted the runs of
 * the hosts whose last heartbeat is older than a lease, which died or
 * lost the database with runs under way. Their next occurrences are
 * claimed by the hosts that are there.
 */

/* How long a heartbeat leases a host its runs, by default */
#define LEASE_SECONDS 30

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

/*
 * A run that another host added or ended: the job's last run, as the
 * other host's daemon tells it, and RunStarted or RunFinished on the bus,
 * so that this host's clients stay live (alerts are the other host's).
 */
void
_chk_engine_store_run_changed_cb (ChkStore           *store,
                                  const ChkRunRecord *run,
                                  ChkEngine          *self)
{
  gboolean running = g_str_equal (run->outcome, chk_outcome_to_string (CHK_OUTCOME_RUNNING));
  ChkJob *job = g_hash_table_lookup (self->jobs, &run->job_id);

  /* This host's own runs are told by their runners */
  if (job == NULL || g_ascii_strcasecmp (run->hostname, self->hostname) == 0)
    return;

  if (running || run->started > job->last_run_started)
    _chk_job_set_last_run_started (job, run->started);
  if (!running && run->started >= job->last_run_started)
    _chk_job_set_last_result (job, run->finished, run->outcome, run->exit_code);
  _chk_engine_emit_fleet_run (self, job, run, running);
}

/* CHK_TEST_LEASE_SECONDS, for tests: the lease, in seconds */
void
_chk_engine_fleet_init (ChkEngine *self)
{
  const char *text = g_getenv ("CHK_TEST_LEASE_SECONDS");
  guint64 value;

  self->lease_seconds = LEASE_SECONDS;
  if (text == NULL)
    return;
  if (g_ascii_string_to_unsigned (text, 10, 3, 3600, &value, NULL))
    self->lease_seconds = (guint) value;
  else
    g_warning ("CHK_TEST_LEASE_SECONDS=%s is not a number of seconds from 3 to 3600", text);
}

/**
 * _chk_engine_beat:
 * @self: the engine
 *
 * In a shared store: renews this host's heartbeat, then ends the runs of
 * the hosts whose lease ran out.
 */
void
_chk_engine_beat (ChkEngine *self)
{
  g_autoptr(GError) error = NULL;
  gint64 now;
  guint expired = 0;

  if (!chk_store_is_shared (self->store))
    return;

  now = _chk_engine_now (self);
  if (!chk_store_heartbeat (self->store, self->hostname, now, &error) ||
      !chk_store_expire_leases (self->store, self->hostname,
                                now - (gint64) self->lease_seconds * G_USEC_PER_SEC, now,
                                &expired, &error))
    {
      g_warning ("%s", error->message);
      return;
    }
  if (expired > 0)
    g_message ("%u run(s) of hosts that stopped answering for %u s are recorded as interrupted",
               expired, self->lease_seconds);
}

static gboolean
lease_cb (gpointer user_data)
{
  _chk_engine_beat (user_data);
  return G_SOURCE_CONTINUE;
}

/* Beats every third of a lease while runs are under way, only then: not
 * at once, in the middle of starting runs (a due run's start beats after
 * the runs started; a lease is three beats long). */
void
_chk_engine_running_changed (ChkEngine *self)
{
  if (!chk_store_is_shared (self->store))
    return;

  if (self->running_count > 0 && self->lease_source == 0)
    {
      self->lease_source = g_timeout_add_seconds (MAX (self->lease_seconds / 3, 1), lease_cb,
                                                  self);
      g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->lease_source),
                                "[chk-engine] lease");
    }
  else if (self->running_count == 0)
    g_clear_handle_id (&self->lease_source, g_source_remove);
}

/**
 * chk_engine_list_hosts:
 * @self: a #ChkEngine
 * @error: return location for a #GError
 *
 * Lists the hosts whose daemons share the store, by name (see
 * chk_store_list_hosts()); with a store of its own, this host alone,
 * connected since the engine was loaded, with its runs under way.
 *
 * Returns: (transfer container) (element-type ChkStoreHost): the hosts,
 *   or %NULL with @error set when the store could not say
 */
GPtrArray *
chk_engine_list_hosts (ChkEngine  *self,
                       GError    **error)
{
  GPtrArray *hosts;
  ChkStoreHost *host;

  g_return_val_if_fail (CHK_IS_ENGINE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (chk_store_is_shared (self->store))
    return chk_store_list_hosts (self->store, error);

  host = g_new0 (ChkStoreHost, 1);
  host->hostname = g_strdup (self->hostname);
  host->heartbeat = _chk_engine_now (self);
  host->started = self->loaded_at != 0 ? self->loaded_at : host->heartbeat;
  host->connected = TRUE;
  host->running = self->running_count;
  hosts = g_ptr_array_new_with_free_func ((GDestroyNotify) chk_store_host_free);
  g_ptr_array_add (hosts, host);
  return hosts;
}

/**
 * chk_engine_set_fleet_problem:
 * @self: a #ChkEngine
 * @problem: (nullable): why the daemon does not use the fleet's database
 *   that its fleet-database setting names, for people; %NULL if it does
 *
 * Set before the engine is served: Scheduler1.StorageProblem says it
 * while the store itself has no problem.
 */
void
chk_engine_set_fleet_problem (ChkEngine  *self,
                              const char *problem)
{
  g_return_if_fail (CHK_IS_ENGINE (self));

  g_free (self->fleet_problem);
  self->fleet_problem = g_strdup (problem);
}

/**
 * chk_engine_get_fleet_problem:
 * @self: a #ChkEngine
 *
 * Returns: (nullable): what chk_engine_set_fleet_problem() said
 */
const char *
chk_engine_get_fleet_problem (ChkEngine *self)
{
  g_return_val_if_fail (CHK_IS_ENGINE (self), NULL);
  return self->fleet_problem;
}
