/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * ChkStream:
 * @CHK_STREAM_STDOUT: the run's standard output
 * @CHK_STREAM_STDERR: the run's standard error
 */
typedef enum
{
  CHK_STREAM_STDOUT = 1,
  CHK_STREAM_STDERR = 2,
} ChkStream;

const char *chk_stream_to_string (ChkStream stream);

/**
 * ChkStoreJob:
 * @id: the job's id, assigned by the store, never reused
 * @name: the job's unique name
 * @spec: the job's spec, an `a{sv}` in normal form (the store does not look inside)
 * @created: when the job was created, µs since the epoch
 *
 * A job as the store keeps it.
 */
typedef struct
{
  guint64   id;
  char     *name;
  GVariant *spec;
  gint64    created;
} ChkStoreJob;

void chk_store_job_free (ChkStoreJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChkStoreJob, chk_store_job_free)

/**
 * ChkRunRecord:
 *
 * One run of a job, with the keys of a run record in DESIGN §2 and §7.
 * Strings are owned; %NULL reads back as "". @cgroup is not a run key:
 * it is where the run's processes are held (a cgroup directory or a
 * systemd unit name), so that a daemon that died can end them at its
 * next start.
 */
typedef struct
{
  guint64   id;
  guint64   job_id;
  char     *job_name;
  char     *trigger;
  gint64    started;
  gint64    finished;
  char     *outcome;
  gint      exit_code;
  gint      signal;
  char     *hostname;
  guint32   pid;
  guint64   stdout_bytes;
  guint64   stderr_bytes;
  gboolean  truncated;
  guint32   progress_complete;
  guint32   progress_total;
  char     *progress_message;
  guint32   http_status;
  char     *alert_error;
  guint64   cpu_time;
  guint64   memory_peak;
  char     *containment;
  char     *message;
  char     *cgroup;
  guint32   attempt;
  gboolean  running_long;
} ChkRunRecord;

ChkRunRecord *chk_run_record_new  (void);
ChkRunRecord *chk_run_record_copy (const ChkRunRecord *run);
void          chk_run_record_free (ChkRunRecord       *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChkRunRecord, chk_run_record_free)

/**
 * ChkStoreJobFunc:
 * @job: a job as stored, borrowed: its @spec is valid only during the call
 * @last_run: (nullable): the job's run that started last, or %NULL for none
 * @user_data: what chk_store_foreach_job() was given
 * @error: return location for a #GError
 *
 * Returns: %TRUE to go on, %FALSE with @error set to stop
 */
typedef gboolean (*ChkStoreJobFunc) (const ChkStoreJob   *job,
                                     const ChkRunRecord  *last_run,
                                     gpointer             user_data,
                                     GError             **error);

/**
 * ChkRunFilter:
 * @job_id: only runs of this job, or 0 for all jobs
 * @job_ids: (element-type guint64) (nullable): only runs of these jobs (none
 *   when empty), or %NULL for all jobs; with @job_id, runs of both
 * @outcome: only runs with this outcome, or %NULL for all
 * @since: only runs started at or after this time, or 0
 * @limit: at most this many runs (0 means 100)
 * @offset: skip this many of the newest runs first
 */
typedef struct
{
  guint64     job_id;
  GArray     *job_ids;
  const char *outcome;
  gint64      since;
  guint       limit;
  guint       offset;
} ChkRunFilter;

/**
 * ChkOutputChunk:
 * @run_id: the run the bytes belong to
 * @seq: the chunk's sequence number within its run, strictly increasing from 1
 * @stream: which stream the bytes came from
 * @time: when they arrived, µs since the epoch
 * @data: the bytes, any content, binary included
 */
typedef struct
{
  guint64    run_id;
  guint64    seq;
  ChkStream  stream;
  gint64     time;
  GBytes    *data;
} ChkOutputChunk;

void chk_output_chunk_free (ChkOutputChunk *chunk);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChkOutputChunk, chk_output_chunk_free)

#define CHK_TYPE_STORE (chk_store_get_type ())

G_DECLARE_DERIVABLE_TYPE (ChkStore, chk_store, CHK, STORE, GObject)

ChkStore     *chk_store_new                 (const char          *path,
                                             GError             **error);
ChkStore     *chk_store_open                (const char          *location,
                                             GError             **error);
gboolean      chk_store_location_is_server  (const char          *location);
gboolean      chk_store_check_server_location (const char        *location,
                                               GError           **error);
const char   *chk_store_get_path            (ChkStore            *self);
void          chk_store_release_memory      (ChkStore            *self);
guint         chk_store_get_schema_version  (ChkStore            *self);
const char   *chk_store_get_problem         (ChkStore            *self);
gboolean      chk_store_is_failing          (ChkStore            *self);
gboolean      chk_store_get_log_behind      (ChkStore            *self);
void          chk_store_set_output_file_min (ChkStore            *self,
                                             gsize                bytes);
void          chk_store_set_log_limit       (ChkStore            *self,
                                             guint64              bytes);

gboolean      chk_store_begin               (ChkStore            *self,
                                             GError             **error);
gboolean      chk_store_commit              (ChkStore            *self,
                                             GError             **error);
void          chk_store_rollback            (ChkStore            *self);
gboolean      chk_store_in_transaction      (ChkStore            *self);

gboolean      chk_store_add_job             (ChkStore            *self,
                                             const char          *name,
                                             GVariant            *spec,
                                             gint64               created,
                                             guint64             *out_id,
                                             GError             **error);
gboolean      chk_store_update_job          (ChkStore            *self,
                                             guint64              id,
                                             const char          *name,
                                             GVariant            *spec,
                                             GError             **error);
gboolean      chk_store_delete_job          (ChkStore            *self,
                                             guint64              id,
                                             GError             **error);
ChkStoreJob  *chk_store_get_job             (ChkStore            *self,
                                             guint64              id,
                                             GError             **error);
GPtrArray    *chk_store_list_jobs           (ChkStore            *self,
                                             GError             **error);
GPtrArray    *chk_store_list_job_times      (ChkStore            *self,
                                             GError             **error);
gboolean      chk_store_foreach_job         (ChkStore            *self,
                                             ChkStoreJobFunc      func,
                                             gpointer             user_data,
                                             GError             **error);

gboolean      chk_store_add_run             (ChkStore            *self,
                                             ChkRunRecord        *run,
                                             GError             **error);
gboolean      chk_store_update_run          (ChkStore            *self,
                                             const ChkRunRecord  *run,
                                             GError             **error);
gboolean      chk_store_set_run_alert_error (ChkStore            *self,
                                             guint64              run_id,
                                             const char          *message,
                                             GError             **error);
ChkRunRecord *chk_store_get_run             (ChkStore            *self,
                                             guint64              id,
                                             GError             **error);
ChkRunRecord *chk_store_get_last_run        (ChkStore            *self,
                                             guint64              job_id,
                                             GError             **error);
/**
 * ChkStatsBucket:
 * @start: the bucket's start, µs since the epoch
 * @runs: runs started in it that ended (skipped ones not counted)
 * @failures: those of them that failed
 * @duration_p50: their median duration, µs; 0 with no runs
 * @duration_max: their longest duration, µs; 0 with no runs
 */
typedef struct
{
  gint64  start;
  guint   runs;
  guint   failures;
  gint64  duration_p50;
  gint64  duration_max;
} ChkStatsBucket;

GArray       *chk_store_get_stats           (ChkStore            *self,
                                             guint64              job_id,
                                             gint64               since,
                                             gint64               until,
                                             guint                n_buckets,
                                             GError             **error);
GArray       *chk_store_get_stats_of_jobs   (ChkStore            *self,
                                             GArray              *job_ids,
                                             gint64               since,
                                             gint64               until,
                                             guint                n_buckets,
                                             GError             **error);
GPtrArray    *chk_store_list_runs           (ChkStore            *self,
                                             const ChkRunFilter  *filter,
                                             GError             **error);
GPtrArray    *chk_store_list_unfinished_runs (ChkStore           *self,
                                             GError             **error);
gboolean      chk_store_purge_runs          (ChkStore            *self,
                                             gint64               before,
                                             guint               *out_deleted,
                                             GError             **error);
gboolean      chk_store_trim_runs           (ChkStore            *self,
                                             guint64              job_id,
                                             guint                keep,
                                             guint               *out_deleted,
                                             GError             **error);

gboolean      chk_store_append_output       (ChkStore            *self,
                                             const ChkOutputChunk *chunks,
                                             guint                n_chunks,
                                             GError             **error);
GPtrArray    *chk_store_read_output         (ChkStore            *self,
                                             guint64              run_id,
                                             guint64              after_seq,
                                             gsize                max_bytes,
                                             GError             **error);
GBytes       *chk_store_read_output_tail    (ChkStore            *self,
                                             guint64              run_id,
                                             ChkStream            stream,
                                             gsize                max_bytes,
                                             gboolean            *out_cut,
                                             GError             **error);
gboolean      chk_store_count_lost_output   (ChkStore            *self,
                                             guint64              run_id,
                                             guint64              stdout_bytes,
                                             guint64              stderr_bytes,
                                             GError             **error);
gboolean      chk_store_delete_output       (ChkStore            *self,
                                             guint64              run_id,
                                             guint64              first_seq,
                                             guint64              last_seq,
                                             GError             **error);

GVariant     *chk_store_get_setting         (ChkStore            *self,
                                             const char          *key,
                                             GError             **error);
GHashTable   *chk_store_list_settings       (ChkStore            *self,
                                             GError             **error);
gboolean      chk_store_set_setting         (ChkStore            *self,
                                             const char          *key,
                                             GVariant            *value,
                                             GError             **error);

typedef struct
{
  char     *hostname;
  gint64    heartbeat;   /* µs since the epoch, by the host's clock */
  gint64    started;     /* its first heartbeat */
  gboolean  connected;   /* its daemon is connected to the store now */
  guint     running;     /* its runs under way */
} ChkStoreHost;

void chk_store_host_free (ChkStoreHost *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChkStoreHost, chk_store_host_free)

gboolean      chk_store_is_shared           (ChkStore            *self);
gboolean      chk_store_heartbeat           (ChkStore            *self,
                                             const char          *hostname,
                                             gint64               now,
                                             GError             **error);
gboolean      chk_store_expire_leases       (ChkStore            *self,
                                             const char          *hostname,
                                             gint64               before,
                                             gint64               now,
                                             guint               *out_expired,
                                             GError             **error);
GPtrArray    *chk_store_list_hosts          (ChkStore            *self,
                                             GError             **error);
gboolean      chk_store_claim_occurrence    (ChkStore            *self,
                                             guint64              job_id,
                                             gint64               due,
                                             const char          *host,
                                             const char          *claimer,
                                             gint64               alive_since,
                                             gboolean            *out_claimed,
                                             GError             **error);

G_END_DECLS
