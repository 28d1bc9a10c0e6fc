/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-engine"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>
#include <string.h>

#include "chk-engine-private.h"
#include "chk-error.h"
#include "chk-job-private.h"
#include "chk-outcome.h"
#include "chk-runner.h"

/*
 * The runs as the engine tells of them: their records and output as the
 * store keeps them, with what only the engine knows (the progress of a run
 * under way, whether more output may come), purging old ones, and the
 * progress that a run reports.
 */

/**
 * chk_engine_list_runs:
 * @self: a #ChkEngine
 * @filter: which runs
 * @error: return location for a #GError
 *
 * Returns: (transfer container) (element-type ChkRunRecord): runs, newest first
 */
GPtrArray *
chk_engine_list_runs (ChkEngine           *self,
                      const ChkRunFilter  *filter,
                      GError             **error)
{
  g_return_val_if_fail (CHK_IS_ENGINE (self), NULL);
  return chk_store_list_runs (self->store, filter, error);
}

/**
 * chk_engine_get_run:
 * @self: a #ChkEngine
 * @run_id: a run id
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the run, with the progress of a run under way
 *   as it is now; %NULL with %CHK_ERROR_NOT_FOUND if there is none
 */
ChkRunRecord *
chk_engine_get_run (ChkEngine  *self,
                    guint64     run_id,
                    GError    **error)
{
  ChkRunRecord *run;
  ChkJob *job;

  g_return_val_if_fail (CHK_IS_ENGINE (self), NULL);

  run = chk_store_get_run (self->store, run_id, error);
  if (run == NULL)
    return NULL;

  job = g_hash_table_lookup (self->runs, &run_id);
  if (job != NULL)
    {
      run->progress_complete = job->progress_complete;
      run->progress_total = job->progress_total;
      g_free (run->progress_message);
      run->progress_message = g_strdup (job->progress_message);
    }

  return run;
}

/**
 * chk_engine_read_output:
 * @self: a #ChkEngine
 * @run_id: a run id
 * @after_seq: chunks after this one
 * @max_bytes: about how many bytes (at least one chunk comes)
 * @out_finished: (out): whether the run is over, so no chunk will follow
 * @error: return location for a #GError
 *
 * Returns: (transfer container) (element-type ChkOutputChunk): the chunks
 */
GPtrArray *
chk_engine_read_output (ChkEngine  *self,
                        guint64     run_id,
                        guint64     after_seq,
                        gsize       max_bytes,
                        gboolean   *out_finished,
                        GError    **error)
{
  g_autoptr(ChkRunRecord) run = NULL;

  g_return_val_if_fail (CHK_IS_ENGINE (self), NULL);

  run = chk_store_get_run (self->store, run_id, error);
  if (run == NULL)
    return NULL;

  /* Still running means more may come; a run's last chunks are stored before it finishes. */
  *out_finished = !g_hash_table_contains (self->runs, &run_id) &&
                  chk_outcome_from_string (run->outcome) != CHK_OUTCOME_RUNNING;

  return chk_store_read_output (self->store, run_id, after_seq, max_bytes, error);
}

/**
 * chk_engine_purge_runs:
 * @self: a #ChkEngine
 * @before: delete finished runs that started before this time
 * @out_deleted: (out) (optional): how many were deleted
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
chk_engine_purge_runs (ChkEngine  *self,
                       gint64      before,
                       guint      *out_deleted,
                       GError    **error)
{
  g_return_val_if_fail (CHK_IS_ENGINE (self), FALSE);
  return chk_store_purge_runs (self->store, before, out_deleted, error);
}

/**
 * chk_engine_report_progress:
 * @self: a #ChkEngine
 * @run_id: a run under way
 * @complete: parts done
 * @total: parts in all
 * @message: what the run is doing
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the run is under way and took the progress
 */
gboolean
chk_engine_report_progress (ChkEngine   *self,
                            guint64      run_id,
                            guint        complete,
                            guint        total,
                            const char  *message,
                            GError     **error)
{
  ChkJob *job;

  g_return_val_if_fail (CHK_IS_ENGINE (self), FALSE);

  job = g_hash_table_lookup (self->runs, &run_id);
  if (job == NULL)
    {
      g_autoptr(ChkRunRecord) run = chk_store_get_run (self->store, run_id, error);

      if (run != NULL)
        g_set_error (error, CHK_ERROR, CHK_ERROR_NOT_RUNNING,
                     _("Run %" PRIu64 " is not running"), run_id);
      return FALSE;
    }

  if (total == 0)
    {
      chk_set_key_error (error, CHK_ERROR_INVALID_ARGUMENT, "total",
                         _("must be at least 1"));
      return FALSE;
    }
  if (complete > total)
    {
      chk_set_key_error (error, CHK_ERROR_INVALID_ARGUMENT, "complete",
                         _("%u is more than total %u"), complete, total);
      return FALSE;
    }
  if (message != NULL && strlen (message) > 1024)
    {
      chk_set_key_error (error, CHK_ERROR_INVALID_ARGUMENT, "message",
                         _("is longer than 1024 bytes"));
      return FALSE;
    }

  chk_runner_report_progress (job->runner, complete, total, message);
  return TRUE;
}
