/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <libpq-fe.h>

#include "chk-store-pg.h"

G_BEGIN_DECLS

/*
 * What chk-store-pg.c (the connection, schema, transactions, jobs, runs
 * and settings) shares with chk-store-pg-history.c (lists, statistics and
 * purges of runs, and their output).
 */

#define RUN_COLUMNS \
  "id, job_id, job_name, \"trigger\", started, finished, outcome, exit_code, signal, " \
  "hostname, pid, stdout_bytes, stderr_bytes, truncated, progress_complete, " \
  "progress_total, progress_message, http_status, alert_error, cpu_time, memory_peak, " \
  "containment, message, cgroup, attempt, running_long"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

#define SQLSTATE_FOREIGN_KEY "23503"
#define SQLSTATE_UNIQUE "23505"

#define MAX_PARAMS 26

/* The parameters of one statement; numbers live in the struct itself. */
typedef struct
{
  const char *values[MAX_PARAMS];
  int         lengths[MAX_PARAMS];
  int         formats[MAX_PARAMS];
  char        numbers[MAX_PARAMS][24];
  int         n;
} ChkPgParams;

/*
 * How one call's work is kept all-or-nothing. PostgreSQL aborts a whole
 * transaction at the first failed statement: inside the caller's
 * transaction each call that writes is a savepoint, so that its failure
 * takes back its own work only, as in SQLite. Outside one, a call of
 * several statements is a transaction of its own.
 */
typedef enum
{
  CALL_PLAIN,
  CALL_SAVEPOINT,
  CALL_OWN,
} ChkPgCall;

typedef gpointer (*ChkPgRowFunc) (const PGresult *result,
                                  int             row);

void          _chk_pg_params_add_text  (ChkPgParams        *p,
                                        const char         *text);
void          _chk_pg_params_add_int   (ChkPgParams        *p,
                                        gint64              value);
void          _chk_pg_params_add_uint  (ChkPgParams        *p,
                                        guint64             value);
void          _chk_pg_params_add_bytes (ChkPgParams        *p,
                                        gconstpointer       data,
                                        gsize               size);
gint64        _chk_pg_get_int          (const PGresult     *result,
                                        int                 row,
                                        int                 column);
GBytes       *_chk_pg_get_bytes        (const PGresult     *result,
                                        int                 row,
                                        int                 column);
ChkRunRecord *_chk_pg_run_from_row     (const PGresult     *result,
                                        int                 row);
guint64       _chk_pg_changes          (const PGresult     *result);
gboolean      _chk_pg_failed_with      (ChkStorePg         *self,
                                        const char         *sqlstate);

PGresult     *_chk_store_pg_query      (ChkStorePg         *self,
                                        const char         *sql,
                                        const ChkPgParams  *p,
                                        GError            **error);
gboolean      _chk_store_pg_exec       (ChkStorePg         *self,
                                        const char         *sql,
                                        const ChkPgParams  *p,
                                        GError            **error);
gboolean      _chk_store_pg_change     (ChkStorePg         *self,
                                        const char         *sql,
                                        const ChkPgParams  *p,
                                        const char         *what,
                                        guint64             id,
                                        GError            **error);
gboolean      _chk_store_pg_enter      (ChkStorePg         *self,
                                        gboolean            several,
                                        ChkPgCall          *out_call,
                                        GError            **error);
gboolean      _chk_store_pg_leave      (ChkStorePg         *self,
                                        ChkPgCall           call,
                                        gboolean            success,
                                        GError            **error);
GPtrArray    *_chk_store_pg_collect    (ChkStorePg         *self,
                                        const char         *sql,
                                        const ChkPgParams  *p,
                                        ChkPgRowFunc        from_row,
                                        GDestroyNotify      free_func,
                                        GError            **error);

PGconn       *_chk_store_pg_get_conn   (ChkStorePg         *self);

/* chk-store-pg-fleet.c: claims and notifications */
typedef struct _ChkPgFleet ChkPgFleet;

ChkPgFleet   *_chk_store_pg_get_fleet  (ChkStorePg         *self);
ChkPgFleet   *_chk_pg_fleet_new        (ChkStorePg         *store,
                                        GMainContext       *context);
void          _chk_pg_fleet_free       (ChkPgFleet         *fleet);
gboolean      _chk_pg_fleet_listen     (ChkPgFleet         *fleet,
                                        gboolean            reconnected,
                                        GError            **error);
void          _chk_pg_fleet_collect    (ChkPgFleet         *fleet,
                                        PGconn             *conn);
gboolean      _chk_pg_check_no_password (const char   *conninfo,
                                         GError      **error);
gboolean      _chk_store_pg_heartbeat  (ChkStore           *store,
                                        const char         *hostname,
                                        gint64              now,
                                        GError            **error);
gboolean      _chk_store_pg_expire_leases (ChkStore        *store,
                                           const char      *hostname,
                                           gint64           before,
                                           gint64           now,
                                           guint           *out_expired,
                                           GError         **error);
GPtrArray    *_chk_store_pg_list_hosts (ChkStore           *store,
                                        GError            **error);
gboolean      _chk_store_pg_claim_occurrence (ChkStore     *store,
                                              guint64       job_id,
                                              gint64        due,
                                              const char   *host,
                                              const char   *claimer,
                                              gint64        alive_since,
                                              gboolean     *out_claimed,
                                              GError      **error);

/* The calls of chk-store-pg-history.c, for the class */
GPtrArray *_chk_store_pg_list_runs            (ChkStore              *store,
                                               const ChkRunFilter    *filter,
                                               GError               **error);
GArray    *_chk_store_pg_get_stats            (ChkStore              *store,
                                               guint64                job_id,
                                               gint64                 since,
                                               gint64                 until,
                                               guint                  n_buckets,
                                               GError               **error);
GArray    *_chk_store_pg_get_stats_of_jobs    (ChkStore              *store,
                                               GArray                *job_ids,
                                               gint64                 since,
                                               gint64                 until,
                                               guint                  n_buckets,
                                               GError               **error);
GPtrArray *_chk_store_pg_list_unfinished_runs (ChkStore              *store,
                                               GError               **error);
gboolean   _chk_store_pg_purge_runs           (ChkStore              *store,
                                               gint64                 before,
                                               guint                 *out_deleted,
                                               GError               **error);
gboolean   _chk_store_pg_trim_runs            (ChkStore              *store,
                                               guint64                job_id,
                                               guint                  keep,
                                               guint                 *out_deleted,
                                               GError               **error);
gboolean   _chk_store_pg_count_lost_output    (ChkStore              *store,
                                               guint64                run_id,
                                               guint64                stdout_bytes,
                                               guint64                stderr_bytes,
                                               GError               **error);
gboolean   _chk_store_pg_append_output        (ChkStore              *store,
                                               const ChkOutputChunk  *chunks,
                                               guint                  n_chunks,
                                               GError               **error);
GPtrArray *_chk_store_pg_read_output          (ChkStore              *store,
                                               guint64                run_id,
                                               guint64                after_seq,
                                               gsize                  max_bytes,
                                               GError               **error);
GBytes    *_chk_store_pg_read_output_tail     (ChkStore              *store,
                                               guint64                run_id,
                                               ChkStream              stream,
                                               gsize                  max_bytes,
                                               gboolean              *out_cut,
                                               GError               **error);
gboolean   _chk_store_pg_delete_output        (ChkStore              *store,
                                               guint64                run_id,
                                               guint64                first_seq,
                                               guint64                last_seq,
                                               GError               **error);

G_END_DECLS
