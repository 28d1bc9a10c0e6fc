/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-store"

#include "config.h"

#include "chk-error.h"
#include "chk-store-pg-private.h"

/*
 * The PostgreSQL store's calls on the history of runs: lists, statistics
 * and purges of runs, and their output, which stays in the output table
 * (see chk-store-pg.c).
 */

/* A set of job ids as a PostgreSQL array: "{1,2,3}" */
static char *
job_ids_to_array (GArray *job_ids)
{
  GString *text = g_string_new ("{");

  for (guint i = 0; i < job_ids->len; i++)
    g_string_append_printf (text, "%s%" G_GUINT64_FORMAT, i > 0 ? "," : "",
                            MIN (g_array_index (job_ids, guint64, i), (guint64) G_MAXINT64));
  g_string_append_c (text, '}');
  return g_string_free (text, FALSE);
}

GPtrArray *
_chk_store_pg_list_runs (ChkStore            *store,
                         const ChkRunFilter  *filter,
                         GError             **error)
{
  ChkStorePg *self = CHK_STORE_PG (store);
  static const ChkRunFilter no_filter = { 0, };
  g_autoptr(GString) sql = g_string_new ("SELECT " RUN_COLUMNS " FROM runs WHERE true");
  g_autofree char *job_ids = NULL;
  ChkPgParams p = { 0, };
  GPtrArray *runs;

  if (filter == NULL)
    filter = &no_filter;

  if (filter->job_id != 0)
    {
      _chk_pg_params_add_uint (&p, filter->job_id);
      g_string_append_printf (sql, " AND job_id = $%d", p.n);
    }
  if (filter->outcome != NULL)
    {
      _chk_pg_params_add_text (&p, filter->outcome);
      g_string_append_printf (sql, " AND outcome = $%d", p.n);
    }
  if (filter->since != 0)
    {
      _chk_pg_params_add_int (&p, filter->since);
      g_string_append_printf (sql, " AND started >= $%d", p.n);
    }
  if (filter->job_ids != NULL)
    {
      job_ids = job_ids_to_array (filter->job_ids);
      _chk_pg_params_add_text (&p, job_ids);
      g_string_append_printf (sql, " AND job_id = ANY ($%d::bigint[])", p.n);
    }
  _chk_pg_params_add_int (&p, filter->limit != 0 ? filter->limit : 100);
  _chk_pg_params_add_int (&p, filter->offset);
  g_string_append_printf (sql, " ORDER BY started DESC, id DESC LIMIT $%d OFFSET $%d",
                          p.n - 1, p.n);

  runs = _chk_store_pg_collect (self, sql->str, &p, (ChkPgRowFunc) _chk_pg_run_from_row,
                                (GDestroyNotify) chk_run_record_free, error);
  if (runs == NULL)
    g_prefix_error (error, "Could not list runs: ");
  return runs;
}

/* chk_store_get_stats() of one job, of all (0), or of the set @job_ids
 * (job_ids_to_array()) */
static GArray *
get_stats (ChkStorePg  *self,
           guint64      job_id,
           const char  *job_ids,
           gint64       since,
           gint64       until,
           guint        n_buckets,
           GError     **error)
{
  const char *where = job_ids != NULL ? "job_id = ANY ($1::bigint[])" :
                      job_id != 0 ? "job_id = $1" : "$1::bigint IS NOT NULL";
  g_autofree char *first_sql = g_strdup_printf ("SELECT min (started) FROM runs WHERE %s",
                                                where);
  g_autofree char *runs_sql = g_strdup_printf ("SELECT started, finished, outcome FROM runs "
                                               "WHERE %s AND started >= $2 AND started < $3",
                                               where);
  g_autoptr(PGresult) result = NULL;
  g_autoptr(ChkStatsCounter) counter = NULL;
  ChkPgParams p = { 0, };

  if (job_ids != NULL)
    _chk_pg_params_add_text (&p, job_ids);
  else
    _chk_pg_params_add_uint (&p, job_id);

  if (since == 0)
    {
      result = _chk_store_pg_query (self, first_sql, &p, error);
      if (result == NULL)
        return NULL;
      since = PQgetisnull (result, 0, 0) ? until : _chk_pg_get_int (result, 0, 0);
      g_clear_pointer (&result, PQclear);
    }

  counter = _chk_stats_counter_new (since, until, n_buckets);
  _chk_pg_params_add_int (&p, since);
  _chk_pg_params_add_int (&p, _chk_stats_counter_get_end (counter));
  result = _chk_store_pg_query (self, runs_sql, &p, error);
  if (result == NULL)
    {
      g_prefix_error (error, "Could not count runs: ");
      return NULL;
    }

  for (int i = 0; i < PQntuples (result); i++)
    _chk_stats_counter_add (counter, _chk_pg_get_int (result, i, 0), _chk_pg_get_int (result, i, 1),
                            PQgetvalue (result, i, 2));
  return _chk_stats_counter_end (g_steal_pointer (&counter));
}

GArray *
_chk_store_pg_get_stats (ChkStore  *store,
                         guint64    job_id,
                         gint64     since,
                         gint64     until,
                         guint      n_buckets,
                         GError   **error)
{
  return get_stats (CHK_STORE_PG (store), job_id, NULL, since, until, n_buckets, error);
}

GArray *
_chk_store_pg_get_stats_of_jobs (ChkStore  *store,
                                 GArray    *job_ids,
                                 gint64     since,
                                 gint64     until,
                                 guint      n_buckets,
                                 GError   **error)
{
  g_autofree char *array = job_ids_to_array (job_ids);

  return get_stats (CHK_STORE_PG (store), 0, array, since, until, n_buckets, error);
}

GPtrArray *
_chk_store_pg_list_unfinished_runs (ChkStore  *store,
                                    GError   **error)
{
  GPtrArray *runs;

  runs = _chk_store_pg_collect (CHK_STORE_PG (store),
                                "SELECT " RUN_COLUMNS " FROM runs WHERE outcome = 'running' "
                                "ORDER BY started, id",
                                NULL, (ChkPgRowFunc) _chk_pg_run_from_row,
                                (GDestroyNotify) chk_run_record_free, error);
  if (runs == NULL)
    g_prefix_error (error, "Could not list unfinished runs: ");
  return runs;
}

/* Runs one call's statement that deletes runs; how many in @out_deleted */
static gboolean
delete_runs (ChkStorePg         *self,
             const char         *sql,
             const ChkPgParams  *p,
             guint              *out_deleted,
             GError            **error)
{
  g_autoptr(PGresult) result = NULL;
  ChkPgCall call;

  if (_chk_store_pg_enter (self, FALSE, &call, error))
    result = _chk_store_pg_query (self, sql, p, error);
  if (!_chk_store_pg_leave (self, call, result != NULL, error))
    return FALSE;

  /* Rows deleted by the cascade are not counted, so this is runs only. */
  if (out_deleted != NULL)
    *out_deleted = (guint) _chk_pg_changes (result);
  return TRUE;
}

gboolean
_chk_store_pg_purge_runs (ChkStore  *store,
                          gint64     before,
                          guint     *out_deleted,
                          GError   **error)
{
  ChkPgParams p = { 0, };

  _chk_pg_params_add_int (&p, before);
  if (!delete_runs (CHK_STORE_PG (store),
                    "DELETE FROM runs WHERE outcome != 'running' AND started < $1",
                    &p, out_deleted, error))
    {
      g_prefix_error (error, "Could not purge runs: ");
      return FALSE;
    }
  return TRUE;
}

gboolean
_chk_store_pg_trim_runs (ChkStore  *store,
                         guint64    job_id,
                         guint      keep,
                         guint     *out_deleted,
                         GError   **error)
{
  ChkPgParams p = { 0, };

  _chk_pg_params_add_uint (&p, job_id);
  _chk_pg_params_add_int (&p, keep);
  if (!delete_runs (CHK_STORE_PG (store),
                    "DELETE FROM runs WHERE job_id = $1 AND outcome != 'running' AND id NOT IN "
                    "(SELECT id FROM runs WHERE job_id = $1 AND outcome != 'running' "
                    " ORDER BY started DESC, id DESC LIMIT $2)",
                    &p, out_deleted, error))
    {
      g_prefix_error (error, "Could not trim the runs of job %" G_GUINT64_FORMAT ": ", job_id);
      return FALSE;
    }
  return TRUE;
}

/* Adds to a run's byte counters */
static gboolean
add_output_bytes (ChkStorePg  *self,
                  guint64      run_id,
                  guint64      stdout_bytes,
                  guint64      stderr_bytes,
                  GError     **error)
{
  ChkPgParams p = { 0, };

  _chk_pg_params_add_uint (&p, run_id);
  _chk_pg_params_add_uint (&p, stdout_bytes);
  _chk_pg_params_add_uint (&p, stderr_bytes);
  return _chk_store_pg_change (self, "UPDATE runs SET stdout_bytes = stdout_bytes + $2, "
                                     "stderr_bytes = stderr_bytes + $3 WHERE id = $1",
                               &p, "run", run_id, error);
}

gboolean
_chk_store_pg_count_lost_output (ChkStore  *store,
                                 guint64    run_id,
                                 guint64    stdout_bytes,
                                 guint64    stderr_bytes,
                                 GError   **error)
{
  ChkStorePg *self = CHK_STORE_PG (store);
  ChkPgCall call;
  gboolean ok;

  ok = _chk_store_pg_enter (self, FALSE, &call, error) &&
       add_output_bytes (self, run_id, stdout_bytes, stderr_bytes, error);
  if (!_chk_store_pg_leave (self, call, ok, error))
    {
      g_prefix_error (error, "Could not count the lost output of run %" G_GUINT64_FORMAT ": ",
                      run_id);
      return FALSE;
    }
  return TRUE;
}

static gboolean
add_output_chunk (ChkStorePg            *self,
                  const ChkOutputChunk  *chunk,
                  GError               **error)
{
  ChkPgParams p = { 0, };
  gsize size;
  gconstpointer data = g_bytes_get_data (chunk->data, &size);

  _chk_pg_params_add_uint (&p, chunk->run_id);
  _chk_pg_params_add_uint (&p, chunk->seq);
  _chk_pg_params_add_int (&p, chunk->stream);
  _chk_pg_params_add_int (&p, chunk->time);
  _chk_pg_params_add_bytes (&p, data, size);
  if (_chk_store_pg_exec (self, "INSERT INTO output (run_id, seq, stream, time, data) "
                                "VALUES ($1, $2, $3, $4, $5)", &p, error))
    return TRUE;

  if (_chk_pg_failed_with (self, SQLSTATE_FOREIGN_KEY))
    {
      g_clear_error (error);
      _chk_store_set_not_found (error, "run", chunk->run_id);
    }
  else if (_chk_pg_failed_with (self, SQLSTATE_UNIQUE))
    {
      g_clear_error (error);
      g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                   "Chunk %" G_GUINT64_FORMAT " is stored already", chunk->seq);
    }
  return FALSE;
}

static gboolean
add_output_chunks (ChkStorePg            *self,
                   const ChkOutputChunk  *chunks,
                   guint                  n_chunks,
                   GError               **error)
{
  guint64 stdout_bytes = 0;
  guint64 stderr_bytes = 0;

  for (guint i = 0; i < n_chunks; i++)
    {
      gsize size = g_bytes_get_size (chunks[i].data);

      if (!add_output_chunk (self, &chunks[i], error))
        return FALSE;

      if (chunks[i].stream == CHK_STREAM_STDOUT)
        stdout_bytes += size;
      else
        stderr_bytes += size;

      /* One counter update per stretch of chunks of the same run */
      if (i + 1 == n_chunks || chunks[i + 1].run_id != chunks[i].run_id)
        {
          if (!add_output_bytes (self, chunks[i].run_id, stdout_bytes, stderr_bytes, error))
            return FALSE;
          stdout_bytes = stderr_bytes = 0;
        }
    }
  return TRUE;
}

gboolean
_chk_store_pg_append_output (ChkStore              *store,
                             const ChkOutputChunk  *chunks,
                             guint                  n_chunks,
                             GError               **error)
{
  ChkStorePg *self = CHK_STORE_PG (store);
  ChkPgCall call;
  gboolean ok;

  ok = _chk_store_pg_enter (self, n_chunks > 1, &call, error) &&
       add_output_chunks (self, chunks, n_chunks, error);
  if (!_chk_store_pg_leave (self, call, ok, error))
    {
      _chk_store_prefix_error (error, "Could not store output of run %" G_GUINT64_FORMAT ": ",
                               chunks[0].run_id);
      return FALSE;
    }
  return TRUE;
}

/* Sets a NOT_FOUND error unless a run with @id exists. */
static gboolean
check_run_exists (ChkStorePg  *self,
                  guint64      id,
                  GError     **error)
{
  g_autoptr(PGresult) result = NULL;
  ChkPgParams p = { 0, };

  _chk_pg_params_add_uint (&p, id);
  result = _chk_store_pg_query (self, "SELECT 1 FROM runs WHERE id = $1", &p, error);
  if (result == NULL)
    return FALSE;
  if (PQntuples (result) == 0)
    {
      _chk_store_set_not_found (error, "run", id);
      return FALSE;
    }
  return TRUE;
}

GBytes *
_chk_store_pg_read_output_tail (ChkStore   *store,
                                guint64     run_id,
                                ChkStream   stream,
                                gsize       max_bytes,
                                gboolean   *out_cut,
                                GError    **error)
{
  ChkStorePg *self = CHK_STORE_PG (store);
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GPtrArray) pieces = NULL;
  g_autoptr(GByteArray) tail = NULL;
  ChkPgParams p = { 0, };
  gsize total = 0;
  gboolean cut = FALSE;
  int i;

  /* Newest first, the chunks that start less than max_bytes from the end
   * and the one after them, if any: it tells whether anything was left
   * out. The rest is never read. */
  _chk_pg_params_add_uint (&p, run_id);
  _chk_pg_params_add_int (&p, stream);
  _chk_pg_params_add_uint (&p, max_bytes);
  result = _chk_store_pg_query (self,
                                "SELECT data FROM (SELECT data, seq, row_number () OVER w AS n, "
                                " coalesce (sum (octet_length (data)) OVER (w ROWS BETWEEN "
                                "  UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS after, "
                                " coalesce (sum (octet_length (data)) OVER (w ROWS BETWEEN "
                                "  UNBOUNDED PRECEDING AND 2 PRECEDING), 0) AS after_previous "
                                " FROM output WHERE run_id = $1 AND stream = $2 "
                                " WINDOW w AS (ORDER BY seq DESC)) AS o "
                                "WHERE n = 1 OR after < $3 OR after_previous < $3 "
                                "ORDER BY seq DESC",
                                &p, error);
  if (result == NULL)
    {
      g_prefix_error (error, "Could not read output of run %" G_GUINT64_FORMAT ": ", run_id);
      return NULL;
    }

  pieces = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (i = 0; total < max_bytes && i < PQntuples (result); i++)
    {
      g_autoptr(GBytes) chunk = _chk_pg_get_bytes (result, i, 0);
      gsize size = g_bytes_get_size (chunk);
      gsize take = MIN (size, max_bytes - total);

      g_ptr_array_add (pieces, g_bytes_new_from_bytes (chunk, size - take, take));
      cut = take < size;
      total += take;
    }
  if (total >= max_bytes)
    cut = cut || i < PQntuples (result);

  tail = g_byte_array_sized_new (total);
  for (guint j = pieces->len; j > 0; j--)
    {
      gsize size;
      const guint8 *data = g_bytes_get_data (pieces->pdata[j - 1], &size);

      g_byte_array_append (tail, data, size);
    }

  if (out_cut != NULL)
    *out_cut = cut;
  return g_byte_array_free_to_bytes (g_steal_pointer (&tail));
}

GPtrArray *
_chk_store_pg_read_output (ChkStore  *store,
                           guint64    run_id,
                           guint64    after_seq,
                           gsize      max_bytes,
                           GError   **error)
{
  ChkStorePg *self = CHK_STORE_PG (store);
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  ChkPgParams p = { 0, };

  /* The first chunk however large, then as long as the page fits in max_bytes */
  _chk_pg_params_add_uint (&p, run_id);
  _chk_pg_params_add_uint (&p, after_seq);
  _chk_pg_params_add_uint (&p, max_bytes);
  result = _chk_store_pg_query (self,
                                "SELECT seq, stream, time, data FROM (SELECT seq, stream, time, "
                                " data, row_number () OVER w AS n, "
                                " sum (octet_length (data)) OVER w AS upto "
                                " FROM output WHERE run_id = $1 AND seq > $2 "
                                " WINDOW w AS (ORDER BY seq)) AS o "
                                "WHERE n = 1 OR upto <= $3 ORDER BY seq",
                                &p, error);
  if (result == NULL)
    {
      g_prefix_error (error, "Could not read output of run %" G_GUINT64_FORMAT ": ", run_id);
      return NULL;
    }

  chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) chk_output_chunk_free);
  for (int i = 0; i < PQntuples (result); i++)
    {
      gint64 stream = _chk_pg_get_int (result, i, 1);
      ChkOutputChunk *chunk;

      if (stream != CHK_STREAM_STDOUT && stream != CHK_STREAM_STDERR)
        {
          g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                       "Could not read output of run %" G_GUINT64_FORMAT
                       ": chunk %" G_GINT64_FORMAT " has an unknown stream %" G_GINT64_FORMAT,
                       run_id, _chk_pg_get_int (result, i, 0), stream);
          return NULL;
        }

      chunk = g_new0 (ChkOutputChunk, 1);
      chunk->run_id = run_id;
      chunk->seq = _chk_pg_get_int (result, i, 0);
      chunk->stream = stream;
      chunk->time = _chk_pg_get_int (result, i, 2);
      chunk->data = _chk_pg_get_bytes (result, i, 3);
      g_ptr_array_add (chunks, chunk);
    }

  /* No chunk: tell an unknown run from one without (more) output. */
  if (chunks->len == 0 && !check_run_exists (self, run_id, error))
    {
      _chk_store_prefix_error (error, "Could not read output of run %" G_GUINT64_FORMAT ": ",
                               run_id);
      return NULL;
    }

  return g_steal_pointer (&chunks);
}

gboolean
_chk_store_pg_delete_output (ChkStore  *store,
                             guint64    run_id,
                             guint64    first_seq,
                             guint64    last_seq,
                             GError   **error)
{
  ChkStorePg *self = CHK_STORE_PG (store);
  g_autoptr(PGresult) result = NULL;
  ChkPgParams p = { 0, };
  ChkPgCall call;
  gboolean ok = FALSE;

  _chk_pg_params_add_uint (&p, run_id);
  _chk_pg_params_add_uint (&p, first_seq);
  _chk_pg_params_add_uint (&p, last_seq);
  if (_chk_store_pg_enter (self, FALSE, &call, error))
    result = _chk_store_pg_query (self, "DELETE FROM output "
                                        "WHERE run_id = $1 AND seq BETWEEN $2 AND $3",
                                  &p, error);
  if (result != NULL)
    ok = _chk_pg_changes (result) > 0 || check_run_exists (self, run_id, error);
  if (!_chk_store_pg_leave (self, call, ok, error))
    {
      _chk_store_prefix_error (error, "Could not delete output of run %" G_GUINT64_FORMAT ": ",
                               run_id);
      return FALSE;
    }
  return TRUE;
}

