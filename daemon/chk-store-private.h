/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include "chk-store.h"

G_BEGIN_DECLS

/*
 * ChkStoreClass:
 *
 * What a backend of the store implements: each of chk-store.h's calls, which
 * check their arguments and call these. A backend without a path, a memory
 * cache, output files or a write-ahead log leaves those NULL (get_path,
 * release_memory, set_output_file_min, set_log_limit, get_log_behind,
 * get_schema_version), and a store that only one daemon uses leaves out
 * claim_occurrence, heartbeat, expire_leases and list_hosts. It notifies
 * #ChkStore:problem and #ChkStore:log-behind, and emits ChkStore::job-changed,
 * with the calls below.
 */
struct _ChkStoreClass
{
  GObjectClass  parent_class;

  const char *  (*get_path) (ChkStore *self);
  void          (*release_memory) (ChkStore *self);
  guint         (*get_schema_version) (ChkStore *self);
  const char *  (*get_problem) (ChkStore *self);
  gboolean      (*is_failing) (ChkStore *self);
  gboolean      (*get_log_behind) (ChkStore *self);
  void          (*set_output_file_min) (ChkStore *self,
                                        gsize     bytes);
  void          (*set_log_limit) (ChkStore *self,
                                  guint64   bytes);
  gboolean      (*begin) (ChkStore  *self,
                          GError   **error);
  gboolean      (*commit) (ChkStore  *self,
                           GError   **error);
  void          (*rollback) (ChkStore *self);
  gboolean      (*in_transaction) (ChkStore *self);
  gboolean      (*add_job) (ChkStore    *self,
                            const char  *name,
                            GVariant    *spec,
                            gint64       created,
                            guint64     *out_id,
                            GError     **error);
  gboolean      (*update_job) (ChkStore    *self,
                               guint64      id,
                               const char  *name,
                               GVariant    *spec,
                               GError     **error);
  gboolean      (*delete_job) (ChkStore  *self,
                               guint64    id,
                               GError   **error);
  ChkStoreJob * (*get_job) (ChkStore  *self,
                            guint64    id,
                            GError   **error);
  GPtrArray *   (*list_jobs) (ChkStore  *self,
                              GError   **error);
  GPtrArray *   (*list_job_times) (ChkStore  *self,
                                   GError   **error);
  gboolean      (*foreach_job) (ChkStore         *self,
                                ChkStoreJobFunc   func,
                                gpointer          user_data,
                                GError          **error);
  gboolean      (*add_run) (ChkStore      *self,
                            ChkRunRecord  *run,
                            GError       **error);
  gboolean      (*update_run) (ChkStore            *self,
                               const ChkRunRecord  *run,
                               GError             **error);
  gboolean      (*set_run_alert_error) (ChkStore    *self,
                                        guint64      run_id,
                                        const char  *message,
                                        GError     **error);
  ChkRunRecord * (*get_run) (ChkStore  *self,
                             guint64    id,
                             GError   **error);
  ChkRunRecord * (*get_last_run) (ChkStore  *self,
                                  guint64    job_id,
                                  GError   **error);
  GArray *      (*get_stats) (ChkStore  *self,
                              guint64    job_id,
                              gint64     since,
                              gint64     until,
                              guint      n_buckets,
                              GError   **error);
  GArray *      (*get_stats_of_jobs) (ChkStore  *self,
                                      GArray    *job_ids,
                                      gint64     since,
                                      gint64     until,
                                      guint      n_buckets,
                                      GError   **error);
  GPtrArray *   (*list_runs) (ChkStore            *self,
                              const ChkRunFilter  *filter,
                              GError             **error);
  GPtrArray *   (*list_unfinished_runs) (ChkStore  *self,
                                         GError   **error);
  gboolean      (*purge_runs) (ChkStore  *self,
                               gint64     before,
                               guint     *out_deleted,
                               GError   **error);
  gboolean      (*trim_runs) (ChkStore  *self,
                              guint64    job_id,
                              guint      keep,
                              guint     *out_deleted,
                              GError   **error);
  gboolean      (*append_output) (ChkStore              *self,
                                  const ChkOutputChunk  *chunks,
                                  guint                  n_chunks,
                                  GError               **error);
  GPtrArray *   (*read_output) (ChkStore  *self,
                                guint64    run_id,
                                guint64    after_seq,
                                gsize      max_bytes,
                                GError   **error);
  GBytes *      (*read_output_tail) (ChkStore   *self,
                                     guint64     run_id,
                                     ChkStream   stream,
                                     gsize       max_bytes,
                                     gboolean   *out_cut,
                                     GError    **error);
  gboolean      (*count_lost_output) (ChkStore  *self,
                                      guint64    run_id,
                                      guint64    stdout_bytes,
                                      guint64    stderr_bytes,
                                      GError   **error);
  gboolean      (*delete_output) (ChkStore  *self,
                                  guint64    run_id,
                                  guint64    first_seq,
                                  guint64    last_seq,
                                  GError   **error);
  GVariant *    (*get_setting) (ChkStore    *self,
                                const char  *key,
                                GError     **error);
  GHashTable *  (*list_settings) (ChkStore  *self,
                                  GError   **error);
  gboolean      (*set_setting) (ChkStore    *self,
                                const char  *key,
                                GVariant    *value,
                                GError     **error);
  gboolean      (*claim_occurrence) (ChkStore    *self,
                                     guint64      job_id,
                                     gint64       due,
                                     const char  *host,
                                     const char  *claimer,
                                     gint64       alive_since,
                                     gboolean    *out_claimed,
                                     GError     **error);
  gboolean      (*heartbeat) (ChkStore    *self,
                              const char  *hostname,
                              gint64       now,
                              GError     **error);
  gboolean      (*expire_leases) (ChkStore    *self,
                                  const char  *hostname,
                                  gint64       before,
                                  gint64       now,
                                  guint       *out_expired,
                                  GError     **error);
  GPtrArray *   (*list_hosts) (ChkStore  *self,
                               GError   **error);
};

/* Counts runs into the buckets of chk_store_get_stats(), for backends:
 * new, then add each run started from since to get_end(), then end. */
typedef struct _ChkStatsCounter ChkStatsCounter;

ChkStatsCounter *_chk_stats_counter_new     (gint64           since,
                                             gint64           until,
                                             guint            n_buckets);
gint64           _chk_stats_counter_get_end (ChkStatsCounter *counter);
void             _chk_stats_counter_add     (ChkStatsCounter *counter,
                                             gint64           started,
                                             gint64           finished,
                                             const char      *outcome);
GArray          *_chk_stats_counter_end     (ChkStatsCounter *counter);
void             _chk_stats_counter_free    (ChkStatsCounter *counter);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChkStatsCounter, _chk_stats_counter_free)

void      _chk_store_set_not_found      (GError             **error,
                                         const char          *what,
                                         guint64              id);
G_GNUC_PRINTF (2, 3)
void      _chk_store_prefix_error       (GError             **error,
                                         const char          *format,
                                         ...);
GVariant *_chk_store_variant_from_bytes (GBytes              *bytes,
                                         const GVariantType  *type);
GVariant *_chk_store_setting_from_bytes (const char          *key,
                                         const char          *type,
                                         GBytes              *bytes,
                                         GError             **error);

void _chk_store_emit_job_changed      (ChkStore *self,
                                       guint64   job_id);
void _chk_store_emit_settings_changed (ChkStore *self);
void _chk_store_emit_run_changed      (ChkStore           *self,
                                       const ChkRunRecord *run);
void _chk_store_notify_problem        (ChkStore *self);
void _chk_store_notify_log_behind     (ChkStore *self);

/* What the module of a database server's store exports, as chk_store_pg_module
 * (chk-module.c tells why the PostgreSQL store is a module) */
typedef struct
{
  ChkStore *(*open)           (const char  *location,
                               GError     **error);
  gboolean  (*check_location) (const char  *location,
                               GError     **error);
} ChkStoreModule;

G_END_DECLS
