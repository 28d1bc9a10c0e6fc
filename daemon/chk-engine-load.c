/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-engine"

#include "config.h"

#include "chk-engine-private.h"
#include "chk-job-private.h"
#include "chk-outcome.h"

/*
 * Loading the engine from its store: what a dead daemon left under way is
 * ended and recorded as interrupted, then every stored job is read back
 * with its last run.
 */

/* The runs of one database are contained under a name of their own, so
 * that two daemons never touch each other's runs, and a restarted daemon
 * finds what its predecessor left. */
static gboolean
make_containment (ChkEngine  *self,
                  GError    **error)
{
  g_autofree char *shared = NULL;
  g_autofree char *hash = NULL;

  /* A fleet's hosts may share a machine, as in the tests: each has its own */
  if (chk_store_is_shared (self->store))
    shared = g_strconcat (chk_store_get_path (self->store), "\n", self->hostname, NULL);
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256,
                                        shared != NULL ? shared : chk_store_get_path (self->store),
                                        -1);

  hash[16] = '\0';
  if (self->host_bus != NULL)
    self->host = chk_host_command_new (self->host_bus, hash);
  self->containment = chk_containment_new (hash, chk_containment_get_default_mode (), error);
  return self->containment != NULL;
}

/* A run on the host is ended there; one that ran here, here. */
static void
end_leftovers (ChkEngine          *self,
               const ChkRunRecord *run)
{
  if (g_strcmp0 (run->containment, "host") != 0)
    chk_containment_end_leftovers (self->containment, run->id, run->cgroup, run->pid);
  else if (self->host != NULL)
    chk_host_command_end_leftovers (self->host, run->id);
  else
    g_message ("Run %" G_GUINT64_FORMAT " ran on the host: its leftovers can only be ended "
               "by a daemon that runs jobs on the host (--runner=host)", run->id);
}

static gboolean
recover_interrupted_runs (ChkEngine  *self,
                          GError    **error)
{
  g_autoptr(GPtrArray) runs = chk_store_list_unfinished_runs (self->store, error);
  g_autoptr(GError) local_error = NULL;
  gint64 now = g_get_real_time ();

  if (runs == NULL)
    return FALSE;

  for (guint i = 0; i < runs->len; i++)
    {
      ChkRunRecord *run = g_ptr_array_index (runs, i);

      /* In a fleet, another host's run is that host's to end */
      if (chk_store_is_shared (self->store) && run->hostname != NULL &&
          g_ascii_strcasecmp (run->hostname, self->hostname) != 0)
        continue;

      end_leftovers (self, run);

      g_free (run->outcome);
      run->outcome = g_strdup (chk_outcome_to_string (CHK_OUTCOME_INTERRUPTED));
      run->finished = now;
      run->exit_code = -1;
      if (!chk_store_update_run (self->store, run, &local_error))
        {
          /* A full disk must not keep the daemon from starting: the store
           * keeps the record and writes it once it can. */
          if (!chk_store_is_failing (self->store))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          g_warning ("%s", local_error->message);
          g_clear_error (&local_error);
        }
      g_message ("Run %" G_GUINT64_FORMAT " of “%s” was interrupted by the end of the previous daemon",
                 run->id, run->job_name ? run->job_name : "");
    }

  return TRUE;
}

static void
apply_last_run (ChkJob             *job,
                const ChkRunRecord *run)
{
  _chk_job_set_last_run_started (job, run->started);
  if (chk_outcome_is_finished (chk_outcome_from_string (run->outcome)))
    {
      _chk_job_set_last_result (job, run->finished, run->outcome, run->exit_code);
      _chk_job_set_last_alert_error (job, run->alert_error ? run->alert_error : "");
    }
}

/* The spec of a stored job, checked again only when it is not in the form the store writes. */
static ChkJobSpec *
read_stored_spec (const ChkStoreJob  *stored,
                  GError            **error)
{
  g_autoptr(ChkJobSpec) spec = chk_job_spec_new_trusted (stored->spec);

  if (spec != NULL)
    return g_steal_pointer (&spec);

  spec = chk_job_spec_new ();
  if (!chk_job_spec_update (spec, stored->spec, error))
    return NULL;
  return g_steal_pointer (&spec);
}

/*
 * The schedule of @spec, parsed once for all the jobs that have the same
 * one (10,000 jobs often have a few hundred schedules): ChkSchedule is
 * immutable. @schedules maps schedule texts to parsed schedules.
 */
static ChkSchedule *
parse_shared_schedule (GHashTable        *schedules,
                       const char        *text,
                       GError           **error)
{
  ChkSchedule *schedule = g_hash_table_lookup (schedules, text);

  if (schedule == NULL)
    {
      schedule = chk_schedule_parse (text, error);
      if (schedule == NULL)
        return NULL;
      g_hash_table_insert (schedules, g_strdup (text), schedule);
    }
  return chk_schedule_ref (schedule);
}

/*
 * Stored specs were checked when they were written: they are read back as
 * they are (chk_job_spec_new_trusted()), only their schedule and zone are
 * parsed, as they may no longer parse.
 */
static ChkJob *
load_job (const ChkStoreJob   *stored,
          const ChkRunRecord  *last,
          GHashTable          *schedules,
          GError             **error)
{
  g_autoptr(ChkJobSpec) spec = NULL;
  g_autoptr(ChkSchedule) schedule = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GError) local_error = NULL;
  ChkJob *job;

  spec = read_stored_spec (stored, &local_error);
  if (spec != NULL)
    {
      schedule = parse_shared_schedule (schedules, spec->schedule, &local_error);
      if (schedule != NULL)
        tz = chk_time_zone_new (spec->timezone, &local_error);
    }
  if (tz == NULL)
    {
      g_autoptr(GVariantDict) dict = g_variant_dict_new (stored->spec);
      g_autoptr(GVariant) manual = NULL;

      /*
       * Never drop a stored job: one whose schedule or zone no longer
       * reads (a zone gone from the system, say) is kept as manual.
       */
      g_warning ("Job “%s” (%" G_GUINT64_FORMAT "): %s; it will only run when asked",
                 stored->name, stored->id, local_error->message);
      g_variant_dict_remove (dict, "schedule");
      g_variant_dict_remove (dict, "timezone");
      g_clear_pointer (&spec, chk_job_spec_free);
      g_clear_pointer (&schedule, chk_schedule_unref);
      spec = chk_job_spec_new ();
      manual = g_variant_ref_sink (g_variant_dict_end (dict));
      if (!chk_job_spec_update (spec, manual, error))
        {
          g_prefix_error (error, "Job “%s” cannot be loaded: ", stored->name);
          return NULL;
        }
      schedule = chk_schedule_parse (spec->schedule, error);
      tz = schedule != NULL ? chk_time_zone_new (spec->timezone, error) : NULL;
      if (tz == NULL)
        return NULL;
    }

  job = _chk_job_new_parsed (stored->id, g_steal_pointer (&spec), g_steal_pointer (&schedule),
                             g_steal_pointer (&tz));
  job->created = stored->created;
  if (last != NULL)
    apply_last_run (job, last);

  return job;
}

/*
 * A job stored by another daemon that shares the store, as loading reads
 * it (but for its last run: it has none yet, or this daemon had it)
 */
ChkJob *
_chk_engine_job_from_store (const ChkStoreJob  *stored,
                            GError            **error)
{
  g_autoptr(GHashTable) schedules = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                           (GDestroyNotify) chk_schedule_unref);

  return load_job (stored, NULL, schedules, error);
}

/*
 * Makes the engine's containment, then ends what a dead daemon left: its
 * unfinished runs become `interrupted`, and their processes, and any
 * process that belongs to no run, are ended.
 */
gboolean
_chk_engine_recover (ChkEngine  *self,
                     GError    **error)
{
  if (!make_containment (self, error))
    return FALSE;

  if (!recover_interrupted_runs (self, error))
    return FALSE;
  /* What is left belongs to no run: a daemon killed between making a
   * run's cgroup and recording it. */
  chk_containment_sweep (self->containment);
  if (self->host != NULL)
    chk_host_command_sweep (self->host);

  return TRUE;
}

typedef struct
{
  ChkEngine  *engine;
  /* Schedule texts to parsed schedules, for parse_shared_schedule() */
  GHashTable *schedules;
} LoadData;

static gboolean
load_stored_job_cb (const ChkStoreJob   *stored,
                    const ChkRunRecord  *last_run,
                    gpointer             user_data,
                    GError             **error)
{
  LoadData *data = user_data;
  ChkJob *job = load_job (stored, last_run, data->schedules, error);

  if (job == NULL)
    return FALSE;

  _chk_engine_add_job (data->engine, job);
  /* The clock may have been set back while no daemon ran. */
  _chk_engine_note_clock_went_back (job, _chk_engine_now (data->engine), 0);
  /* Right from the start on the bus; runs only begin with chk_engine_start(). */
  _chk_engine_update_next_run (data->engine, job, _chk_engine_now (data->engine));
  /* Nobody has seen the job yet: its D-Bus object is made from this state. */
  _chk_job_forget_changes (job);
  return TRUE;
}

/*
 * Reads every stored job back, with its last run and next run, a row at a
 * time: the stored specs are never all in memory at once, which would
 * leave their freed memory among the jobs' for good.
 */
gboolean
_chk_engine_load_jobs (ChkEngine  *self,
                       GError    **error)
{
  g_autoptr(GHashTable) schedules = NULL;
  LoadData data;

  /* One transaction for the jobs and their last runs: SQLite then locks
   * the file once, not once per query (10,000 jobs load about 11% faster). */
  if (!chk_store_begin (self->store, error))
    return FALSE;

  schedules = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify) chk_schedule_unref);
  data = (LoadData) { self, schedules };
  if (!chk_store_foreach_job (self->store, load_stored_job_cb, &data, error))
    {
      chk_store_rollback (self->store);
      return FALSE;
    }
  if (!chk_store_commit (self->store, error))
    return FALSE;

  /* The cache now holds pages of every job, which are read again only when one changes. */
  chk_store_release_memory (self->store);
  return TRUE;
}
