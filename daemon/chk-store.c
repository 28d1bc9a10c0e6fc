/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "chk-error.h"
#include "chk-store.h"

/* One-off statements (pragmas, migration steps) are finalized when they go
 * out of scope.
 */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* Cached statements are borrowed from the store: leaving the scope resets
 * them instead, which ends their implicit read transaction (so WAL
 * checkpoints are not held back) and drops bindings that may point at
 * memory about to be freed.
 */
typedef sqlite3_stmt ChkCachedStmt;

static void
chk_cached_stmt_release (ChkCachedStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChkCachedStmt, chk_cached_stmt_release)

/* Schema steps: step N (counting from 0) takes a database from
 * user_version N to N + 1, in one transaction together with the version
 * bump. Steps are never edited once released; a schema change is a new
 * entry at the end.
 */
static const char * const schema_steps[] = {
  /* 1: jobs, runs, their output and the settings */
  "CREATE TABLE jobs ("
  "  id      INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  name    TEXT    NOT NULL UNIQUE,"
  "  spec    BLOB    NOT NULL,"
  "  created INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE TABLE runs ("
  "  id                INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  job_id            INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,"
  "  job_name          TEXT    NOT NULL DEFAULT '',"
  "  \"trigger\"       TEXT    NOT NULL DEFAULT '',"
  "  started           INTEGER NOT NULL DEFAULT 0,"
  "  finished          INTEGER NOT NULL DEFAULT 0,"
  "  outcome           TEXT    NOT NULL DEFAULT '',"
  "  exit_code         INTEGER NOT NULL DEFAULT 0,"
  "  signal            INTEGER NOT NULL DEFAULT 0,"
  "  hostname          TEXT    NOT NULL DEFAULT '',"
  "  pid               INTEGER NOT NULL DEFAULT 0,"
  "  stdout_bytes      INTEGER NOT NULL DEFAULT 0,"
  "  stderr_bytes      INTEGER NOT NULL DEFAULT 0,"
  "  truncated         INTEGER NOT NULL DEFAULT 0,"
  "  progress_complete INTEGER NOT NULL DEFAULT 0,"
  "  progress_total    INTEGER NOT NULL DEFAULT 0,"
  "  progress_message  TEXT    NOT NULL DEFAULT ''"
  ");"
  "CREATE INDEX runs_job_started ON runs (job_id, started);"
  "CREATE INDEX runs_started ON runs (started);"
  "CREATE INDEX runs_outcome ON runs (outcome);"
  /* Not WITHOUT ROWID: chunks are up to tens of KiB, far past the row
   * size where SQLite recommends a rowid table. */
  "CREATE TABLE output ("
  "  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  seq    INTEGER NOT NULL,"
  "  stream INTEGER NOT NULL,"
  "  time   INTEGER NOT NULL,"
  "  data   BLOB    NOT NULL,"
  "  PRIMARY KEY (run_id, seq)"
  ");"
  "CREATE TABLE settings ("
  "  key   TEXT PRIMARY KEY,"
  "  type  TEXT NOT NULL,"
  "  value BLOB NOT NULL"
  ");",
  /* 2: what an HTTP check got, and why an alert about a run was not delivered */
  "ALTER TABLE runs ADD COLUMN http_status INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE runs ADD COLUMN alert_error TEXT    NOT NULL DEFAULT '';",
  /* 3: what a run used, how it was contained, where, and the daemon's note */
  "ALTER TABLE runs ADD COLUMN cpu_time    INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE runs ADD COLUMN memory_peak INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE runs ADD COLUMN containment TEXT    NOT NULL DEFAULT '';"
  "ALTER TABLE runs ADD COLUMN message     TEXT    NOT NULL DEFAULT '';"
  "ALTER TABLE runs ADD COLUMN cgroup      TEXT    NOT NULL DEFAULT '';",
};

#define CHK_STORE_SCHEMA_VERSION ((guint) G_N_ELEMENTS (schema_steps))

#define RUN_COLUMNS \
  "id, job_id, job_name, \"trigger\", started, finished, outcome, exit_code, signal, " \
  "hostname, pid, stdout_bytes, stderr_bytes, truncated, progress_complete, " \
  "progress_total, progress_message, http_status, alert_error, cpu_time, memory_peak, " \
  "containment, message, cgroup"

typedef enum
{
  STMT_BEGIN,
  STMT_COMMIT,
  STMT_ROLLBACK,
  STMT_SAVEPOINT,
  STMT_RELEASE,
  STMT_ROLLBACK_TO,
  STMT_ADD_JOB,
  STMT_UPDATE_JOB,
  STMT_DELETE_JOB,
  STMT_GET_JOB,
  STMT_LIST_JOBS,
  STMT_ADD_RUN,
  STMT_UPDATE_RUN,
  STMT_SET_RUN_ALERT_ERROR,
  STMT_GET_RUN,
  STMT_GET_LAST_RUN,
  STMT_LIST_UNFINISHED_RUNS,
  STMT_RUN_EXISTS,
  STMT_PURGE_RUNS,
  STMT_TRIM_RUNS,
  STMT_ADD_OUTPUT,
  STMT_ADD_OUTPUT_BYTES,
  STMT_READ_OUTPUT,
  STMT_READ_OUTPUT_TAIL,
  STMT_DELETE_OUTPUT,
  STMT_GET_SETTING,
  STMT_LIST_SETTINGS,
  STMT_SET_SETTING,
  STMT_DELETE_SETTING,
  N_STMTS
} ChkStoreStmt;

static const char * const stmt_sql[N_STMTS] = {
  [STMT_BEGIN] = "BEGIN IMMEDIATE",
  [STMT_COMMIT] = "COMMIT",
  [STMT_ROLLBACK] = "ROLLBACK",
  [STMT_SAVEPOINT] = "SAVEPOINT chk_call",
  [STMT_RELEASE] = "RELEASE chk_call",
  [STMT_ROLLBACK_TO] = "ROLLBACK TO chk_call",
  [STMT_ADD_JOB] = "INSERT INTO jobs (name, spec, created) VALUES (?1, ?2, ?3)",
  [STMT_UPDATE_JOB] = "UPDATE jobs SET name = ?2, spec = ?3 WHERE id = ?1",
  [STMT_DELETE_JOB] = "DELETE FROM jobs WHERE id = ?1",
  [STMT_GET_JOB] = "SELECT id, name, spec, created FROM jobs WHERE id = ?1",
  [STMT_LIST_JOBS] = "SELECT id, name, spec, created FROM jobs ORDER BY id",
  [STMT_ADD_RUN] =
    "INSERT INTO runs (job_id, job_name, \"trigger\", started, finished, outcome, exit_code, "
    "signal, hostname, pid, stdout_bytes, stderr_bytes, truncated, progress_complete, "
    "progress_total, progress_message, http_status, alert_error, cpu_time, memory_peak, "
    "containment, message, cgroup) "
    "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
    "?20, ?21, ?22, ?23, ?24)",
  /* The byte counters and alert_error are left out on purpose:
   * chk_store_append_output() and chk_store_set_run_alert_error() own them,
   * and a caller's stale copy must not roll them back. */
  [STMT_UPDATE_RUN] =
    "UPDATE runs SET job_name = ?3, \"trigger\" = ?4, started = ?5, finished = ?6, "
    "outcome = ?7, exit_code = ?8, signal = ?9, hostname = ?10, pid = ?11, "
    "truncated = ?14, progress_complete = ?15, progress_total = ?16, "
    "progress_message = ?17, http_status = ?18, cpu_time = ?20, memory_peak = ?21, "
    "containment = ?22, message = ?23, cgroup = ?24 WHERE id = ?1",
  [STMT_SET_RUN_ALERT_ERROR] = "UPDATE runs SET alert_error = ?2 WHERE id = ?1",
  [STMT_GET_RUN] = "SELECT " RUN_COLUMNS " FROM runs WHERE id = ?1",
  [STMT_GET_LAST_RUN] =
    "SELECT " RUN_COLUMNS " FROM runs WHERE job_id = ?1 "
    "ORDER BY started DESC, id DESC LIMIT 1",
  [STMT_LIST_UNFINISHED_RUNS] =
    "SELECT " RUN_COLUMNS " FROM runs WHERE outcome = 'running' ORDER BY started, id",
  [STMT_RUN_EXISTS] = "SELECT 1 FROM runs WHERE id = ?1",
  [STMT_PURGE_RUNS] = "DELETE FROM runs WHERE outcome != 'running' AND started < ?1",
  [STMT_TRIM_RUNS] =
    "DELETE FROM runs WHERE job_id = ?1 AND outcome != 'running' AND id NOT IN "
    "(SELECT id FROM runs WHERE job_id = ?1 AND outcome != 'running' "
    " ORDER BY started DESC, id DESC LIMIT ?2)",
  [STMT_ADD_OUTPUT] =
    "INSERT INTO output (run_id, seq, stream, time, data) VALUES (?1, ?2, ?3, ?4, ?5)",
  [STMT_ADD_OUTPUT_BYTES] =
    "UPDATE runs SET stdout_bytes = stdout_bytes + ?2, stderr_bytes = stderr_bytes + ?3 "
    "WHERE id = ?1",
  [STMT_READ_OUTPUT] =
    "SELECT seq, stream, time, data FROM output WHERE run_id = ?1 AND seq > ?2 ORDER BY seq",
  [STMT_READ_OUTPUT_TAIL] =
    "SELECT data FROM output WHERE run_id = ?1 AND stream = ?2 ORDER BY seq DESC",
  [STMT_DELETE_OUTPUT] = "DELETE FROM output WHERE run_id = ?1 AND seq BETWEEN ?2 AND ?3",
  [STMT_GET_SETTING] = "SELECT type, value FROM settings WHERE key = ?1",
  [STMT_LIST_SETTINGS] = "SELECT key, type, value FROM settings ORDER BY key",
  [STMT_SET_SETTING] =
    "INSERT INTO settings (key, type, value) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (key) DO UPDATE SET type = excluded.type, value = excluded.value",
  [STMT_DELETE_SETTING] = "DELETE FROM settings WHERE key = ?1",
};

/* chk_store_list_runs() keeps one statement per combination of filters in
 * use, so that each can use its index instead of a catch-all WHERE clause
 * the planner cannot see through.
 */
enum
{
  RUN_FILTER_JOB = 1 << 0,
  RUN_FILTER_OUTCOME = 1 << 1,
  RUN_FILTER_SINCE = 1 << 2,
  N_RUN_FILTERS = 1 << 3,
};

struct _ChkStore
{
  GObject       parent_instance;

  char         *path;
  sqlite3      *db;
  sqlite3_stmt *stmts[N_STMTS];
  sqlite3_stmt *list_runs_stmts[N_RUN_FILTERS];
  guint         schema_version;
  gboolean      in_transaction;
};

static void chk_store_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ChkStore, chk_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      chk_store_initable_iface_init))

enum
{
  PROP_0,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
chk_store_set_sqlite_error (ChkStore  *self,
                            GError   **error)
{
  g_set_error_literal (error, CHK_ERROR, CHK_ERROR_STORAGE, sqlite3_errmsg (self->db));
}

static void
chk_store_set_not_found (GError     **error,
                         const char  *what,
                         guint64      id)
{
  g_set_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND,
               "No %s with id %" G_GUINT64_FORMAT, what, id);
}

/* Adds context to an error, but not to "No run with id 42", which says
 * all there is to say.
 */
G_GNUC_PRINTF (2, 3)
static void
chk_store_prefix_error (GError     **error,
                        const char  *format,
                        ...)
{
  g_autofree char *prefix = NULL;
  va_list args;

  if (error == NULL || *error == NULL ||
      g_error_matches (*error, CHK_ERROR, CHK_ERROR_NOT_FOUND))
    return;

  va_start (args, format);
  prefix = g_strdup_vprintf (format, args);
  va_end (args);

  g_prefix_error (error, "%s", prefix);
}

static sqlite3_stmt *
chk_store_get_stmt (ChkStore      *self,
                    ChkStoreStmt   which,
                    GError       **error)
{
  g_assert (which < N_STMTS);

  if (self->stmts[which] == NULL)
    {
      int rc;

      rc = sqlite3_prepare_v3 (self->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
                               &self->stmts[which], NULL);
      if (rc != SQLITE_OK)
        {
          chk_store_set_sqlite_error (self, error);
          return NULL;
        }
    }

  return self->stmts[which];
}

/* Runs a cached statement that returns no rows. */
static gboolean
chk_store_exec_cached (ChkStore      *self,
                       ChkStoreStmt   which,
                       GError       **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;

  stmt = chk_store_get_stmt (self, which, error);
  if (stmt == NULL)
    return FALSE;

  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      return FALSE;
    }

  return TRUE;
}

/* Runs every statement of @sql in turn, for pragmas and schema steps:
 * SQL written here, never anything built from input.
 */
static gboolean
chk_store_exec_sql (ChkStore    *self,
                    const char  *sql,
                    GError     **error)
{
  const char *rest = sql;

  while (rest != NULL && *rest != '\0')
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;
      const char *tail = NULL;
      int rc;

      if (sqlite3_prepare_v2 (self->db, rest, -1, &stmt, &tail) != SQLITE_OK)
        {
          chk_store_set_sqlite_error (self, error);
          return FALSE;
        }

      /* Only whitespace or comments were left. */
      if (stmt == NULL)
        break;

      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        ;

      if (rc != SQLITE_DONE)
        {
          chk_store_set_sqlite_error (self, error);
          return FALSE;
        }

      rest = tail;
    }

  return TRUE;
}

/* Runs a one-row pragma and returns its first column as an integer. */
static gboolean
chk_store_query_int (ChkStore    *self,
                     const char  *sql,
                     gint64      *out_value,
                     GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    {
      chk_store_set_sqlite_error (self, error);
      return FALSE;
    }

  *out_value = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

static int
chk_store_bind_bytes (sqlite3_stmt  *stmt,
                      int            index,
                      gconstpointer  data,
                      gsize          size)
{
  /* A NULL pointer would bind SQL NULL, but an empty chunk is still a
   * chunk. */
  if (size == 0)
    return sqlite3_bind_zeroblob (stmt, index, 0);

  return sqlite3_bind_blob64 (stmt, index, data, size, SQLITE_STATIC);
}

static int
chk_store_bind_text (sqlite3_stmt *stmt,
                     int           index,
                     const char   *text)
{
  return sqlite3_bind_text (stmt, index, text != NULL ? text : "", -1, SQLITE_STATIC);
}

static char *
chk_store_column_strdup (sqlite3_stmt *stmt,
                         int           column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return g_strdup (text != NULL ? (const char *) text : "");
}

static GBytes *
chk_store_column_bytes (sqlite3_stmt *stmt,
                        int           column)
{
  gconstpointer data = sqlite3_column_blob (stmt, column);
  gsize size = sqlite3_column_bytes (stmt, column);

  return g_bytes_new (data, size);
}

/* Loads a stored variant without trusting it: GVariant copes with any
 * bytes for a definite type, and the normal form makes the result safe to
 * hand on.
 */
static GVariant *
chk_store_column_variant (sqlite3_stmt       *stmt,
                          int                 column,
                          const GVariantType *type)
{
  g_autoptr(GBytes) bytes = chk_store_column_bytes (stmt, column);
  g_autoptr(GVariant) value = NULL;

  value = g_variant_ref_sink (g_variant_new_from_bytes (type, bytes, FALSE));
  return g_variant_get_normal_form (value);
}

static ChkStoreJob *
chk_store_job_from_stmt (sqlite3_stmt *stmt)
{
  ChkStoreJob *job = g_new0 (ChkStoreJob, 1);

  job->id = sqlite3_column_int64 (stmt, 0);
  job->name = chk_store_column_strdup (stmt, 1);
  job->spec = chk_store_column_variant (stmt, 2, G_VARIANT_TYPE_VARDICT);
  job->created = sqlite3_column_int64 (stmt, 3);

  return job;
}

/* Reads a row selected with RUN_COLUMNS. */
static ChkRunRecord *
chk_run_record_from_stmt (sqlite3_stmt *stmt)
{
  ChkRunRecord *run = chk_run_record_new ();

  run->id = sqlite3_column_int64 (stmt, 0);
  run->job_id = sqlite3_column_int64 (stmt, 1);
  run->job_name = chk_store_column_strdup (stmt, 2);
  run->trigger = chk_store_column_strdup (stmt, 3);
  run->started = sqlite3_column_int64 (stmt, 4);
  run->finished = sqlite3_column_int64 (stmt, 5);
  run->outcome = chk_store_column_strdup (stmt, 6);
  run->exit_code = sqlite3_column_int (stmt, 7);
  run->signal = sqlite3_column_int (stmt, 8);
  run->hostname = chk_store_column_strdup (stmt, 9);
  run->pid = (guint32) sqlite3_column_int64 (stmt, 10);
  run->stdout_bytes = sqlite3_column_int64 (stmt, 11);
  run->stderr_bytes = sqlite3_column_int64 (stmt, 12);
  run->truncated = sqlite3_column_int (stmt, 13) != 0;
  run->progress_complete = (guint32) sqlite3_column_int64 (stmt, 14);
  run->progress_total = (guint32) sqlite3_column_int64 (stmt, 15);
  run->progress_message = chk_store_column_strdup (stmt, 16);
  run->http_status = (guint32) sqlite3_column_int64 (stmt, 17);
  run->alert_error = chk_store_column_strdup (stmt, 18);
  run->cpu_time = sqlite3_column_int64 (stmt, 19);
  run->memory_peak = sqlite3_column_int64 (stmt, 20);
  run->containment = chk_store_column_strdup (stmt, 21);
  run->message = chk_store_column_strdup (stmt, 22);
  run->cgroup = chk_store_column_strdup (stmt, 23);

  return run;
}

/* Binds the parameters ?1 … ?24 of STMT_ADD_RUN and STMT_UPDATE_RUN, in
 * the order of RUN_COLUMNS.
 */
static void
chk_store_bind_run (sqlite3_stmt       *stmt,
                    const ChkRunRecord *run)
{
  sqlite3_bind_int64 (stmt, 1, run->id);
  sqlite3_bind_int64 (stmt, 2, run->job_id);
  chk_store_bind_text (stmt, 3, run->job_name);
  chk_store_bind_text (stmt, 4, run->trigger);
  sqlite3_bind_int64 (stmt, 5, run->started);
  sqlite3_bind_int64 (stmt, 6, run->finished);
  chk_store_bind_text (stmt, 7, run->outcome);
  sqlite3_bind_int (stmt, 8, run->exit_code);
  sqlite3_bind_int (stmt, 9, run->signal);
  chk_store_bind_text (stmt, 10, run->hostname);
  sqlite3_bind_int64 (stmt, 11, run->pid);
  sqlite3_bind_int64 (stmt, 12, run->stdout_bytes);
  sqlite3_bind_int64 (stmt, 13, run->stderr_bytes);
  sqlite3_bind_int (stmt, 14, run->truncated ? 1 : 0);
  sqlite3_bind_int64 (stmt, 15, run->progress_complete);
  sqlite3_bind_int64 (stmt, 16, run->progress_total);
  chk_store_bind_text (stmt, 17, run->progress_message);
  sqlite3_bind_int64 (stmt, 18, run->http_status);
  chk_store_bind_text (stmt, 19, run->alert_error);
  sqlite3_bind_int64 (stmt, 20, (sqlite3_int64) MIN (run->cpu_time, G_MAXINT64));
  sqlite3_bind_int64 (stmt, 21, (sqlite3_int64) MIN (run->memory_peak, G_MAXINT64));
  chk_store_bind_text (stmt, 22, run->containment);
  chk_store_bind_text (stmt, 23, run->message);
  chk_store_bind_text (stmt, 24, run->cgroup);
}

static gboolean
chk_store_row_exists (ChkStore      *self,
                      ChkStoreStmt   which,
                      guint64        id,
                      gboolean      *out_exists,
                      GError       **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;
  int rc;

  stmt = chk_store_get_stmt (self, which, error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      return FALSE;
    }

  *out_exists = rc == SQLITE_ROW;
  return TRUE;
}

/* Sets a NOT_FOUND error unless a run with @id exists. */
static gboolean
chk_store_check_run_exists (ChkStore  *self,
                            guint64    id,
                            GError   **error)
{
  gboolean exists = FALSE;

  if (!chk_store_row_exists (self, STMT_RUN_EXISTS, id, &exists, error))
    return FALSE;

  if (!exists)
    {
      chk_store_set_not_found (error, "run", id);
      return FALSE;
    }

  return TRUE;
}

/* Starts the work of one call that runs several statements: a transaction
 * of its own, or a savepoint inside the caller's explicit transaction, so
 * that the call is all-or-nothing either way.
 */
static gboolean
chk_store_enter (ChkStore  *self,
                 GError   **error)
{
  return chk_store_exec_cached (self, self->in_transaction ? STMT_SAVEPOINT : STMT_BEGIN, error);
}

static void
chk_store_undo (ChkStore *self)
{
  g_autoptr(GError) local_error = NULL;

  /* Some errors (a full disk, say) make SQLite roll back the whole
   * transaction by itself; there is nothing left to undo then, and
   * chk_store_commit() will report it. */
  if (sqlite3_get_autocommit (self->db))
    return;

  if (self->in_transaction)
    {
      if (!chk_store_exec_cached (self, STMT_ROLLBACK_TO, &local_error) ||
          !chk_store_exec_cached (self, STMT_RELEASE, &local_error))
        g_warning ("Could not roll back to a savepoint in “%s”: %s",
                   self->path, local_error->message);
    }
  else
    {
      if (!chk_store_exec_cached (self, STMT_ROLLBACK, &local_error))
        g_warning ("Could not roll back a transaction in “%s”: %s",
                   self->path, local_error->message);
    }
}

/* Ends what chk_store_enter() started: keeps the work if @success and it
 * can be committed, undoes it otherwise.
 */
static gboolean
chk_store_leave (ChkStore  *self,
                 gboolean   success,
                 GError   **error)
{
  if (success &&
      !sqlite3_get_autocommit (self->db) &&
      chk_store_exec_cached (self, self->in_transaction ? STMT_RELEASE : STMT_COMMIT, error))
    return TRUE;

  if (success && sqlite3_get_autocommit (self->db))
    g_set_error_literal (error, CHK_ERROR, CHK_ERROR_STORAGE,
                         "The transaction was rolled back after an earlier error");

  chk_store_undo (self);
  return FALSE;
}

static gboolean
chk_store_migrate (ChkStore  *self,
                   GError   **error)
{
  for (;;)
    {
      g_autofree char *bump = NULL;
      gint64 version = 0;

      if (!chk_store_exec_cached (self, STMT_BEGIN, error))
        return FALSE;

      /* Read under the write lock: another process may have migrated the
       * file while this one waited for it. */
      if (!chk_store_query_int (self, "PRAGMA user_version", &version, error))
        {
          chk_store_undo (self);
          return FALSE;
        }

      if (version > CHK_STORE_SCHEMA_VERSION)
        {
          chk_store_undo (self);
          g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                       "its schema version %" G_GINT64_FORMAT " is newer than version %u, "
                       "the newest this version of Chroniker knows",
                       version, CHK_STORE_SCHEMA_VERSION);
          return FALSE;
        }

      if (version < 0)
        {
          chk_store_undo (self);
          g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                       "its schema version %" G_GINT64_FORMAT " is invalid", version);
          return FALSE;
        }

      if (version == CHK_STORE_SCHEMA_VERSION)
        {
          if (!chk_store_exec_cached (self, STMT_COMMIT, error))
            {
              chk_store_undo (self);
              return FALSE;
            }

          self->schema_version = version;
          return TRUE;
        }

      /* A pragma's value cannot be a bound parameter; this is a number
       * from the code, not input. */
      bump = g_strdup_printf ("PRAGMA user_version = %" G_GINT64_FORMAT, version + 1);

      if (!chk_store_exec_sql (self, schema_steps[version], error) ||
          !chk_store_exec_sql (self, bump, error) ||
          !chk_store_exec_cached (self, STMT_COMMIT, error))
        {
          chk_store_undo (self);
          g_prefix_error (error, "could not migrate to schema version %" G_GINT64_FORMAT ": ",
                          version + 1);
          return FALSE;
        }

      g_debug ("Migrated “%s” to schema version %" G_GINT64_FORMAT, self->path, version + 1);
    }
}

/* For the -wal and -shm files, which may not exist (yet). */
static gboolean
chk_store_make_private (const char  *path,
                        GError     **error)
{
  if (g_chmod (path, 0600) != 0)
    {
      int saved_errno = errno;

      if (saved_errno == ENOENT)
        return TRUE;

      g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                   "Could not make “%s” private: %s", path, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

static gboolean
chk_store_open (ChkStore  *self,
                GError   **error)
{
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autofree char *wal = g_strconcat (self->path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (self->path, "-shm", NULL);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  const char *mode;
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                   "Could not create the folder “%s”: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }

  /* Create the file before SQLite does, so that it is never readable by
   * others, not even for a moment; fchmod() because the umask trims the
   * mode given to open(), which does nothing for a file that exists. */
  fd = g_open (self->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || fchmod (fd, 0600) != 0)
    {
      int saved_errno = errno;

      if (fd >= 0)
        g_close (fd, NULL);
      g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                   "Could not open the database “%s” privately: %s",
                   self->path, g_strerror (saved_errno));
      return FALSE;
    }
  g_close (fd, NULL);

  if (sqlite3_open_v2 (self->path, &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXRESCODE,
                       NULL) != SQLITE_OK)
    {
      if (self->db == NULL)
        g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                     "Could not open the database “%s”: out of memory", self->path);
      else
        g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                     "Could not open the database “%s”: %s", self->path,
                     sqlite3_errmsg (self->db));
      return FALSE;
    }

  sqlite3_busy_timeout (self->db, 5000);

  /*
   * Output chunks are blobs of up to 64 KiB: bigger pages write them with
   * fewer WAL frames. Only a new database takes it (before WAL is on).
   */
  if (!chk_store_exec_sql (self, "PRAGMA page_size = 32768;", error))
    {
      g_prefix_error (error, "Could not open the database “%s”: ", self->path);
      return FALSE;
    }

  /* journal_mode answers with the mode in effect, which stays the old one
   * when WAL is not possible. */
  if (sqlite3_prepare_v2 (self->db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    {
      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not open the database “%s”: ", self->path);
      return FALSE;
    }

  mode = (const char *) sqlite3_column_text (stmt, 0);
  if (g_strcmp0 (mode, "wal") != 0)
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                   "Could not open the database “%s”: journal mode is “%s”, not “wal”",
                   self->path, mode != NULL ? mode : "");
      return FALSE;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (!chk_store_exec_sql (self,
                           "PRAGMA synchronous = NORMAL;"
                           "PRAGMA foreign_keys = ON;",
                           error))
    {
      g_prefix_error (error, "Could not open the database “%s”: ", self->path);
      return FALSE;
    }

  if (!chk_store_migrate (self, error))
    {
      g_prefix_error (error, "Could not open the database “%s”: ", self->path);
      return FALSE;
    }

  /* SQLite gives -wal and -shm the mode of the database; this is for a
   * pair left behind with another mode. */
  if (!chk_store_make_private (wal, error) ||
      !chk_store_make_private (shm, error))
    return FALSE;

  return TRUE;
}

static gboolean
chk_store_initable_init (GInitable     *initable,
                         GCancellable  *cancellable,
                         GError       **error)
{
  ChkStore *self = CHK_STORE (initable);

  g_return_val_if_fail (self->path != NULL, FALSE);

  return chk_store_open (self, error);
}

static void
chk_store_initable_iface_init (GInitableIface *iface)
{
  iface->init = chk_store_initable_init;
}

static void
chk_store_finalize (GObject *object)
{
  ChkStore *self = (ChkStore *)object;

  if (self->in_transaction)
    g_warning ("A store was finalized inside a transaction; it is rolled back");

  for (guint i = 0; i < G_N_ELEMENTS (self->stmts); i++)
    g_clear_pointer (&self->stmts[i], sqlite3_finalize);
  for (guint i = 0; i < G_N_ELEMENTS (self->list_runs_stmts); i++)
    g_clear_pointer (&self->list_runs_stmts[i], sqlite3_finalize);

  /* Closing rolls back an open transaction; with every statement
   * finalized it cannot be busy. */
  if (self->db != NULL && sqlite3_close (self->db) != SQLITE_OK)
    g_warning ("Could not close the database “%s”: %s", self->path, sqlite3_errmsg (self->db));
  self->db = NULL;

  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (chk_store_parent_class)->finalize (object);
}

static void
chk_store_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  ChkStore *self = CHK_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_store_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  ChkStore *self = CHK_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_store_class_init (ChkStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chk_store_finalize;
  object_class->get_property = chk_store_get_property;
  object_class->set_property = chk_store_set_property;

  /**
   * ChkStore:path:
   *
   * The file of the database.
   */
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chk_store_init (ChkStore *self)
{
}

/**
 * chk_stream_to_string:
 * @stream: a #ChkStream
 *
 * Returns: (nullable): "stdout" or "stderr", as on the bus; %NULL for a
 *   value that is no stream
 */
const char *
chk_stream_to_string (ChkStream stream)
{
  switch (stream)
    {
    case CHK_STREAM_STDOUT:
      return "stdout";

    case CHK_STREAM_STDERR:
      return "stderr";

    default:
      g_return_val_if_reached (NULL);
    }
}

/**
 * chk_store_job_free:
 * @job: (nullable): a #ChkStoreJob
 *
 * Frees @job and what it holds.
 */
void
chk_store_job_free (ChkStoreJob *job)
{
  if (job == NULL)
    return;

  g_free (job->name);
  g_clear_pointer (&job->spec, g_variant_unref);
  g_free (job);
}

/**
 * chk_run_record_new:
 *
 * Returns: (transfer full): a run record with every field zero
 */
ChkRunRecord *
chk_run_record_new (void)
{
  return g_new0 (ChkRunRecord, 1);
}

/**
 * chk_run_record_copy:
 * @run: a #ChkRunRecord
 *
 * Returns: (transfer full): a deep copy of @run
 */
ChkRunRecord *
chk_run_record_copy (const ChkRunRecord *run)
{
  ChkRunRecord *copy;

  g_return_val_if_fail (run != NULL, NULL);

  copy = g_memdup2 (run, sizeof *run);
  copy->job_name = g_strdup (run->job_name);
  copy->trigger = g_strdup (run->trigger);
  copy->outcome = g_strdup (run->outcome);
  copy->hostname = g_strdup (run->hostname);
  copy->progress_message = g_strdup (run->progress_message);
  copy->alert_error = g_strdup (run->alert_error);
  copy->containment = g_strdup (run->containment);
  copy->message = g_strdup (run->message);
  copy->cgroup = g_strdup (run->cgroup);

  return copy;
}

/**
 * chk_run_record_free:
 * @run: (nullable): a #ChkRunRecord
 *
 * Frees @run and its strings.
 */
void
chk_run_record_free (ChkRunRecord *run)
{
  if (run == NULL)
    return;

  g_free (run->job_name);
  g_free (run->trigger);
  g_free (run->outcome);
  g_free (run->hostname);
  g_free (run->progress_message);
  g_free (run->alert_error);
  g_free (run->containment);
  g_free (run->message);
  g_free (run->cgroup);
  g_free (run);
}

/**
 * chk_output_chunk_free:
 * @chunk: (nullable): a #ChkOutputChunk
 *
 * Frees @chunk and its bytes.
 */
void
chk_output_chunk_free (ChkOutputChunk *chunk)
{
  if (chunk == NULL)
    return;

  g_clear_pointer (&chunk->data, g_bytes_unref);
  g_free (chunk);
}

/**
 * chk_store_new:
 * @path: the database file
 * @error: return location for a #GError
 *
 * Opens the database at @path, creating it and its folders if needed,
 * private to the user, and brings its schema up to date.
 *
 * Returns: (transfer full): the store, or %NULL with @error set; a
 *   database written by a newer Chroniker is refused
 */
ChkStore *
chk_store_new (const char  *path,
               GError     **error)
{
  g_return_val_if_fail (path != NULL && *path != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_initable_new (CHK_TYPE_STORE, NULL, error,
                         "path", path,
                         NULL);
}

/**
 * chk_store_get_path:
 * @self: a #ChkStore
 *
 * Returns: the file of the database
 */
const char *
chk_store_get_path (ChkStore *self)
{
  g_return_val_if_fail (CHK_IS_STORE (self), NULL);

  return self->path;
}

/**
 * chk_store_get_schema_version:
 * @self: a #ChkStore
 *
 * Returns: the schema version of the database, the newest this code knows
 */
guint
chk_store_get_schema_version (ChkStore *self)
{
  g_return_val_if_fail (CHK_IS_STORE (self), 0);

  return self->schema_version;
}

/**
 * chk_store_begin:
 * @self: a #ChkStore
 * @error: return location for a #GError
 *
 * Starts an explicit transaction, ended by chk_store_commit() or
 * chk_store_rollback(). Transactions do not nest. Inside one, each other
 * call is still all-or-nothing on its own.
 *
 * Returns: %TRUE if the transaction started
 */
gboolean
chk_store_begin (ChkStore  *self,
                 GError   **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (!self->in_transaction, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!chk_store_exec_cached (self, STMT_BEGIN, error))
    {
      g_prefix_error (error, "Could not begin a transaction: ");
      return FALSE;
    }

  self->in_transaction = TRUE;
  return TRUE;
}

/**
 * chk_store_commit:
 * @self: a #ChkStore
 * @error: return location for a #GError
 *
 * Ends the transaction begun by chk_store_begin(), keeping its work. On
 * failure the work is rolled back; either way the transaction is over.
 *
 * Returns: %TRUE if the work was committed
 */
gboolean
chk_store_commit (ChkStore  *self,
                  GError   **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (self->in_transaction, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  self->in_transaction = FALSE;

  if (sqlite3_get_autocommit (self->db))
    {
      g_set_error_literal (error, CHK_ERROR, CHK_ERROR_STORAGE,
                           "Could not commit: the transaction was rolled back after an "
                           "earlier error");
      return FALSE;
    }

  if (!chk_store_exec_cached (self, STMT_COMMIT, error))
    {
      chk_store_undo (self);
      g_prefix_error (error, "Could not commit: ");
      return FALSE;
    }

  return TRUE;
}

/**
 * chk_store_rollback:
 * @self: a #ChkStore
 *
 * Ends the transaction begun by chk_store_begin(), dropping its work.
 */
void
chk_store_rollback (ChkStore *self)
{
  g_return_if_fail (CHK_IS_STORE (self));
  g_return_if_fail (self->in_transaction);

  self->in_transaction = FALSE;
  chk_store_undo (self);
}

/**
 * chk_store_add_job:
 * @self: a #ChkStore
 * @name: the job's name, unique
 * @spec: the job's spec, an `a{sv}`; consumed if floating
 * @created: when the job was created, µs since the epoch
 * @out_id: (out) (optional): where to store the new job's id
 * @error: return location for a #GError
 *
 * Adds a job. A name in use is %CHK_ERROR_ALREADY_EXISTS.
 *
 * Returns: %TRUE if the job was added
 */
gboolean
chk_store_add_job (ChkStore     *self,
                   const char   *name,
                   GVariant     *spec,
                   gint64        created,
                   guint64      *out_id,
                   GError      **error)
{
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GVariant) normal = NULL;
  g_autoptr(ChkCachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);
  g_return_val_if_fail (g_variant_is_of_type (spec, G_VARIANT_TYPE_VARDICT), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  owned = g_variant_ref_sink (spec);
  normal = g_variant_get_normal_form (owned);

  stmt = chk_store_get_stmt (self, STMT_ADD_JOB, error);
  if (stmt == NULL)
    {
      g_prefix_error (error, "Could not add job “%s”: ", name);
      return FALSE;
    }

  chk_store_bind_text (stmt, 1, name);
  rc = chk_store_bind_bytes (stmt, 2, g_variant_get_data (normal), g_variant_get_size (normal));
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_int64 (stmt, 3, created);
      rc = sqlite3_step (stmt);
    }

  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_ALREADY_EXISTS,
                   "A job named “%s” already exists", name);
      return FALSE;
    }

  if (rc != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not add job “%s”: ", name);
      return FALSE;
    }

  if (out_id != NULL)
    *out_id = sqlite3_last_insert_rowid (self->db);

  return TRUE;
}

/**
 * chk_store_update_job:
 * @self: a #ChkStore
 * @id: the job's id
 * @name: the job's name, new or not
 * @spec: the job's whole spec, an `a{sv}`; consumed if floating
 * @error: return location for a #GError
 *
 * Replaces a job's name and spec. An unknown @id is
 * %CHK_ERROR_NOT_FOUND, a name another job has %CHK_ERROR_ALREADY_EXISTS.
 *
 * Returns: %TRUE if the job was updated
 */
gboolean
chk_store_update_job (ChkStore    *self,
                      guint64      id,
                      const char  *name,
                      GVariant    *spec,
                      GError     **error)
{
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GVariant) normal = NULL;
  g_autoptr(ChkCachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);
  g_return_val_if_fail (g_variant_is_of_type (spec, G_VARIANT_TYPE_VARDICT), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  owned = g_variant_ref_sink (spec);
  normal = g_variant_get_normal_form (owned);

  stmt = chk_store_get_stmt (self, STMT_UPDATE_JOB, error);
  if (stmt == NULL)
    {
      g_prefix_error (error, "Could not update job %" G_GUINT64_FORMAT ": ", id);
      return FALSE;
    }

  sqlite3_bind_int64 (stmt, 1, id);
  chk_store_bind_text (stmt, 2, name);
  rc = chk_store_bind_bytes (stmt, 3, g_variant_get_data (normal), g_variant_get_size (normal));
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);

  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_ALREADY_EXISTS,
                   "A job named “%s” already exists", name);
      return FALSE;
    }

  if (rc != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not update job %" G_GUINT64_FORMAT ": ", id);
      return FALSE;
    }

  if (sqlite3_changes (self->db) == 0)
    {
      chk_store_set_not_found (error, "job", id);
      return FALSE;
    }

  return TRUE;
}

/**
 * chk_store_delete_job:
 * @self: a #ChkStore
 * @id: the job's id
 * @error: return location for a #GError
 *
 * Deletes a job with all its runs and their output. Its id is never
 * given to another job.
 *
 * Returns: %TRUE if the job was deleted
 */
gboolean
chk_store_delete_job (ChkStore  *self,
                      guint64    id,
                      GError   **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;

  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = chk_store_get_stmt (self, STMT_DELETE_JOB, error);
  if (stmt == NULL)
    {
      g_prefix_error (error, "Could not delete job %" G_GUINT64_FORMAT ": ", id);
      return FALSE;
    }

  /* One statement: the cascade to runs and output is part of it. */
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not delete job %" G_GUINT64_FORMAT ": ", id);
      return FALSE;
    }

  if (sqlite3_changes (self->db) == 0)
    {
      chk_store_set_not_found (error, "job", id);
      return FALSE;
    }

  return TRUE;
}

/**
 * chk_store_get_job:
 * @self: a #ChkStore
 * @id: the job's id
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the job, or %NULL with @error set
 */
ChkStoreJob *
chk_store_get_job (ChkStore  *self,
                   guint64    id,
                   GError   **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = chk_store_get_stmt (self, STMT_GET_JOB, error);
  if (stmt == NULL)
    {
      g_prefix_error (error, "Could not read job %" G_GUINT64_FORMAT ": ", id);
      return NULL;
    }

  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      chk_store_set_not_found (error, "job", id);
      return NULL;
    }

  if (rc != SQLITE_ROW)
    {
      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not read job %" G_GUINT64_FORMAT ": ", id);
      return NULL;
    }

  return chk_store_job_from_stmt (stmt);
}

/**
 * chk_store_list_jobs:
 * @self: a #ChkStore
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type ChkStoreJob): every job,
 *   oldest first, or %NULL with @error set
 */
GPtrArray *
chk_store_list_jobs (ChkStore  *self,
                     GError   **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  int rc;

  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = chk_store_get_stmt (self, STMT_LIST_JOBS, error);
  if (stmt == NULL)
    {
      g_prefix_error (error, "Could not list jobs: ");
      return NULL;
    }

  jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) chk_store_job_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (jobs, chk_store_job_from_stmt (stmt));

  if (rc != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not list jobs: ");
      return NULL;
    }

  return g_steal_pointer (&jobs);
}

/**
 * chk_store_add_run:
 * @self: a #ChkStore
 * @run: the run; its @id is set on success
 * @error: return location for a #GError
 *
 * Adds a run of the job @run->job_id, which must exist
 * (%CHK_ERROR_NOT_FOUND otherwise).
 *
 * Returns: %TRUE if the run was added
 */
gboolean
chk_store_add_run (ChkStore      *self,
                   ChkRunRecord  *run,
                   GError       **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (run != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = chk_store_get_stmt (self, STMT_ADD_RUN, error);
  if (stmt == NULL)
    {
      g_prefix_error (error, "Could not add a run of job %" G_GUINT64_FORMAT ": ", run->job_id);
      return FALSE;
    }

  chk_store_bind_run (stmt, run);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    {
      chk_store_set_not_found (error, "job", run->job_id);
      return FALSE;
    }

  if (rc != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not add a run of job %" G_GUINT64_FORMAT ": ", run->job_id);
      return FALSE;
    }

  run->id = sqlite3_last_insert_rowid (self->db);
  return TRUE;
}

/**
 * chk_store_update_run:
 * @self: a #ChkStore
 * @run: the run, with the id of a stored one
 * @error: return location for a #GError
 *
 * Writes every field of @run except its ids and its byte counters, which
 * chk_store_append_output() keeps, so that an older copy of the record
 * cannot undo them.
 *
 * Returns: %TRUE if the run was updated
 */
gboolean
chk_store_update_run (ChkStore            *self,
                      const ChkRunRecord  *run,
                      GError             **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;

  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (run != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = chk_store_get_stmt (self, STMT_UPDATE_RUN, error);
  if (stmt == NULL)
    {
      g_prefix_error (error, "Could not update run %" G_GUINT64_FORMAT ": ", run->id);
      return FALSE;
    }

  chk_store_bind_run (stmt, run);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not update run %" G_GUINT64_FORMAT ": ", run->id);
      return FALSE;
    }

  if (sqlite3_changes (self->db) == 0)
    {
      chk_store_set_not_found (error, "run", run->id);
      return FALSE;
    }

  return TRUE;
}

/**
 * chk_store_set_run_alert_error:
 * @self: a #ChkStore
 * @run_id: the run
 * @message: why an alert about the run could not be delivered, or ""
 * @error: return location for a #GError
 *
 * Records the `alert-error` of a run, which the alerts set after the run
 * has finished.
 *
 * Returns: %TRUE on success; %CHK_ERROR_NOT_FOUND for an unknown run
 */
gboolean
chk_store_set_run_alert_error (ChkStore    *self,
                               guint64      run_id,
                               const char  *message,
                               GError     **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;

  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = chk_store_get_stmt (self, STMT_SET_RUN_ALERT_ERROR, error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, run_id);
  chk_store_bind_text (stmt, 2, message);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not update run %" G_GUINT64_FORMAT ": ", run_id);
      return FALSE;
    }

  if (sqlite3_changes (self->db) == 0)
    {
      chk_store_set_not_found (error, "run", run_id);
      return FALSE;
    }

  return TRUE;
}

/**
 * chk_store_get_run:
 * @self: a #ChkStore
 * @id: the run's id
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the run, or %NULL with @error set
 */
ChkRunRecord *
chk_store_get_run (ChkStore  *self,
                   guint64    id,
                   GError   **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = chk_store_get_stmt (self, STMT_GET_RUN, error);
  if (stmt == NULL)
    {
      g_prefix_error (error, "Could not read run %" G_GUINT64_FORMAT ": ", id);
      return NULL;
    }

  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      chk_store_set_not_found (error, "run", id);
      return NULL;
    }

  if (rc != SQLITE_ROW)
    {
      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not read run %" G_GUINT64_FORMAT ": ", id);
      return NULL;
    }

  return chk_run_record_from_stmt (stmt);
}

/**
 * chk_store_get_last_run:
 * @self: a #ChkStore
 * @job_id: the job's id
 * @error: return location for a #GError
 *
 * Finds the run of a job that started last.
 *
 * Returns: (transfer full) (nullable): the run, or %NULL without an error
 *   if the job has none, or %NULL with @error set
 */
ChkRunRecord *
chk_store_get_last_run (ChkStore  *self,
                        guint64    job_id,
                        GError   **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = chk_store_get_stmt (self, STMT_GET_LAST_RUN, error);
  if (stmt == NULL)
    {
      g_prefix_error (error, "Could not read the last run of job %" G_GUINT64_FORMAT ": ", job_id);
      return NULL;
    }

  sqlite3_bind_int64 (stmt, 1, job_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return NULL;

  if (rc != SQLITE_ROW)
    {
      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not read the last run of job %" G_GUINT64_FORMAT ": ", job_id);
      return NULL;
    }

  return chk_run_record_from_stmt (stmt);
}

static sqlite3_stmt *
chk_store_get_list_runs_stmt (ChkStore  *self,
                              guint      filters,
                              GError   **error)
{
  g_assert (filters < N_RUN_FILTERS);

  if (self->list_runs_stmts[filters] == NULL)
    {
      g_autoptr(GString) sql = g_string_new ("SELECT " RUN_COLUMNS " FROM runs WHERE 1");

      if (filters & RUN_FILTER_JOB)
        g_string_append (sql, " AND job_id = ?1");
      if (filters & RUN_FILTER_OUTCOME)
        g_string_append (sql, " AND outcome = ?2");
      if (filters & RUN_FILTER_SINCE)
        g_string_append (sql, " AND started >= ?3");
      g_string_append (sql, " ORDER BY started DESC, id DESC LIMIT ?4 OFFSET ?5");

      if (sqlite3_prepare_v3 (self->db, sql->str, -1, SQLITE_PREPARE_PERSISTENT,
                              &self->list_runs_stmts[filters], NULL) != SQLITE_OK)
        {
          chk_store_set_sqlite_error (self, error);
          return NULL;
        }
    }

  return self->list_runs_stmts[filters];
}

static GPtrArray *
chk_store_collect_runs (ChkStore      *self,
                        sqlite3_stmt  *stmt,
                        GError       **error)
{
  g_autoptr(GPtrArray) runs = NULL;
  int rc;

  runs = g_ptr_array_new_with_free_func ((GDestroyNotify) chk_run_record_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (runs, chk_run_record_from_stmt (stmt));

  if (rc != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      return NULL;
    }

  return g_steal_pointer (&runs);
}

/**
 * chk_store_list_runs:
 * @self: a #ChkStore
 * @filter: (nullable): which runs; %NULL for the newest 100 of all jobs
 * @error: return location for a #GError
 *
 * Lists runs, newest first.
 *
 * Returns: (transfer full) (element-type ChkRunRecord): the runs, or
 *   %NULL with @error set
 */
GPtrArray *
chk_store_list_runs (ChkStore            *self,
                     const ChkRunFilter  *filter,
                     GError             **error)
{
  static const ChkRunFilter no_filter = { 0, };
  g_autoptr(ChkCachedStmt) stmt = NULL;
  GPtrArray *runs;
  guint filters = 0;

  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (filter == NULL)
    filter = &no_filter;

  if (filter->job_id != 0)
    filters |= RUN_FILTER_JOB;
  if (filter->outcome != NULL)
    filters |= RUN_FILTER_OUTCOME;
  if (filter->since != 0)
    filters |= RUN_FILTER_SINCE;

  stmt = chk_store_get_list_runs_stmt (self, filters, error);
  if (stmt == NULL)
    {
      g_prefix_error (error, "Could not list runs: ");
      return NULL;
    }

  /* Parameters a statement does not use are simply not bound. */
  if (filters & RUN_FILTER_JOB)
    sqlite3_bind_int64 (stmt, 1, filter->job_id);
  if (filters & RUN_FILTER_OUTCOME)
    chk_store_bind_text (stmt, 2, filter->outcome);
  if (filters & RUN_FILTER_SINCE)
    sqlite3_bind_int64 (stmt, 3, filter->since);
  sqlite3_bind_int64 (stmt, 4, filter->limit != 0 ? filter->limit : 100);
  sqlite3_bind_int64 (stmt, 5, filter->offset);

  runs = chk_store_collect_runs (self, stmt, error);
  if (runs == NULL)
    g_prefix_error (error, "Could not list runs: ");

  return runs;
}

/**
 * chk_store_list_unfinished_runs:
 * @self: a #ChkStore
 * @error: return location for a #GError
 *
 * Lists the runs whose outcome is still `running`, oldest first: at the
 * daemon's start, those a dead daemon left behind.
 *
 * Returns: (transfer full) (element-type ChkRunRecord): the runs, or
 *   %NULL with @error set
 */
GPtrArray *
chk_store_list_unfinished_runs (ChkStore  *self,
                                GError   **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;
  GPtrArray *runs;

  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = chk_store_get_stmt (self, STMT_LIST_UNFINISHED_RUNS, error);
  if (stmt == NULL)
    {
      g_prefix_error (error, "Could not list unfinished runs: ");
      return NULL;
    }

  runs = chk_store_collect_runs (self, stmt, error);
  if (runs == NULL)
    g_prefix_error (error, "Could not list unfinished runs: ");

  return runs;
}

/**
 * chk_store_purge_runs:
 * @self: a #ChkStore
 * @before: µs since the epoch
 * @out_deleted: (out) (optional): where to store how many runs were deleted
 * @error: return location for a #GError
 *
 * Deletes the finished runs (of every job) started before @before, with
 * their output. Runs still `running` are kept whatever their age.
 *
 * Returns: %TRUE on success
 */
gboolean
chk_store_purge_runs (ChkStore  *self,
                      gint64     before,
                      guint     *out_deleted,
                      GError   **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;

  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = chk_store_get_stmt (self, STMT_PURGE_RUNS, error);
  if (stmt == NULL)
    {
      g_prefix_error (error, "Could not purge runs: ");
      return FALSE;
    }

  /* One statement: the cascade to the output is part of it. */
  sqlite3_bind_int64 (stmt, 1, before);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not purge runs: ");
      return FALSE;
    }

  /* Rows deleted by the cascade are not counted, so this is runs only. */
  if (out_deleted != NULL)
    *out_deleted = sqlite3_changes (self->db);

  return TRUE;
}

/**
 * chk_store_trim_runs:
 * @self: a #ChkStore
 * @job_id: the job's id
 * @keep: how many finished runs to keep; 0 keeps none
 * @out_deleted: (out) (optional): where to store how many runs were deleted
 * @error: return location for a #GError
 *
 * Deletes all but the newest @keep finished runs of a job, with their
 * output. Runs still `running` are neither deleted nor counted.
 *
 * Returns: %TRUE on success
 */
gboolean
chk_store_trim_runs (ChkStore  *self,
                     guint64    job_id,
                     guint      keep,
                     guint     *out_deleted,
                     GError   **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;

  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = chk_store_get_stmt (self, STMT_TRIM_RUNS, error);
  if (stmt == NULL)
    {
      g_prefix_error (error, "Could not trim the runs of job %" G_GUINT64_FORMAT ": ", job_id);
      return FALSE;
    }

  sqlite3_bind_int64 (stmt, 1, job_id);
  sqlite3_bind_int64 (stmt, 2, keep);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not trim the runs of job %" G_GUINT64_FORMAT ": ", job_id);
      return FALSE;
    }

  if (out_deleted != NULL)
    *out_deleted = sqlite3_changes (self->db);

  return TRUE;
}

/* Adds what a stretch of chunks of one run weighed to its counters. */
static gboolean
chk_store_add_output_bytes (ChkStore  *self,
                            guint64    run_id,
                            guint64    stdout_bytes,
                            guint64    stderr_bytes,
                            GError   **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;

  stmt = chk_store_get_stmt (self, STMT_ADD_OUTPUT_BYTES, error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, run_id);
  sqlite3_bind_int64 (stmt, 2, stdout_bytes);
  sqlite3_bind_int64 (stmt, 3, stderr_bytes);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      return FALSE;
    }

  if (sqlite3_changes (self->db) == 0)
    {
      chk_store_set_not_found (error, "run", run_id);
      return FALSE;
    }

  return TRUE;
}

/**
 * chk_store_count_lost_output:
 * @self: a #ChkStore
 * @run_id: a run
 * @stdout_bytes: bytes of stdout the run wrote that could not be stored
 * @stderr_bytes: the same for stderr
 * @error: return location for a #GError
 *
 * Adds output that the job wrote but that never reached the store (a full
 * disk) to the run's byte counters, so that they still say what the job
 * wrote.
 *
 * Returns: %TRUE on success
 */
gboolean
chk_store_count_lost_output (ChkStore  *self,
                             guint64    run_id,
                             guint64    stdout_bytes,
                             guint64    stderr_bytes,
                             GError   **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!chk_store_add_output_bytes (self, run_id, stdout_bytes, stderr_bytes, error))
    {
      g_prefix_error (error, "Could not count the lost output of run %" G_GUINT64_FORMAT ": ",
                      run_id);
      return FALSE;
    }
  return TRUE;
}

static gboolean
chk_store_add_output_chunk (ChkStore              *self,
                            const ChkOutputChunk  *chunk,
                            GError               **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;
  gconstpointer data;
  gsize size;
  int rc;

  stmt = chk_store_get_stmt (self, STMT_ADD_OUTPUT, error);
  if (stmt == NULL)
    return FALSE;

  data = g_bytes_get_data (chunk->data, &size);
  sqlite3_bind_int64 (stmt, 1, chunk->run_id);
  sqlite3_bind_int64 (stmt, 2, chunk->seq);
  sqlite3_bind_int (stmt, 3, chunk->stream);
  sqlite3_bind_int64 (stmt, 4, chunk->time);
  rc = chk_store_bind_bytes (stmt, 5, data, size);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);

  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    {
      chk_store_set_not_found (error, "run", chunk->run_id);
      return FALSE;
    }

  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                   "Chunk %" G_GUINT64_FORMAT " is stored already", chunk->seq);
      return FALSE;
    }

  if (rc != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      return FALSE;
    }

  return TRUE;
}

static gboolean
chk_store_add_output_chunks (ChkStore              *self,
                             const ChkOutputChunk  *chunks,
                             guint                  n_chunks,
                             GError               **error)
{
  guint64 stdout_bytes = 0;
  guint64 stderr_bytes = 0;

  for (guint i = 0; i < n_chunks; i++)
    {
      gsize size = g_bytes_get_size (chunks[i].data);

      if (!chk_store_add_output_chunk (self, &chunks[i], error))
        return FALSE;

      if (chunks[i].stream == CHK_STREAM_STDOUT)
        stdout_bytes += size;
      else
        stderr_bytes += size;

      /* One counter update per stretch of chunks of the same run: a batch
       * is normally all one run. */
      if (i + 1 == n_chunks || chunks[i + 1].run_id != chunks[i].run_id)
        {
          if (!chk_store_add_output_bytes (self, chunks[i].run_id,
                                           stdout_bytes, stderr_bytes, error))
            return FALSE;

          stdout_bytes = stderr_bytes = 0;
        }
    }

  return TRUE;
}

/**
 * chk_store_append_output:
 * @self: a #ChkStore
 * @chunks: (array length=n_chunks): the chunks, each with its run and seq
 * @n_chunks: how many
 * @error: return location for a #GError
 *
 * Stores chunks of output and adds their sizes to their runs' byte
 * counters, all in one transaction: all are stored or none.
 *
 * Returns: %TRUE if the chunks were stored
 */
gboolean
chk_store_append_output (ChkStore              *self,
                         const ChkOutputChunk  *chunks,
                         guint                  n_chunks,
                         GError               **error)
{
  gboolean ok;

  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (chunks != NULL || n_chunks == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < n_chunks; i++)
    {
      g_return_val_if_fail (chunks[i].data != NULL, FALSE);
      g_return_val_if_fail (chunks[i].stream == CHK_STREAM_STDOUT ||
                            chunks[i].stream == CHK_STREAM_STDERR, FALSE);
    }

  if (n_chunks == 0)
    return TRUE;

  if (!chk_store_enter (self, error))
    {
      g_prefix_error (error, "Could not store output of run %" G_GUINT64_FORMAT ": ",
                      chunks[0].run_id);
      return FALSE;
    }

  ok = chk_store_add_output_chunks (self, chunks, n_chunks, error);
  if (!chk_store_leave (self, ok, ok ? error : NULL))
    {
      chk_store_prefix_error (error, "Could not store output of run %" G_GUINT64_FORMAT ": ",
                              chunks[0].run_id);
      return FALSE;
    }

  return TRUE;
}

/**
 * chk_store_read_output_tail:
 * @self: a #ChkStore
 * @run_id: the run
 * @stream: which stream
 * @max_bytes: how much of its end to read at most
 * @out_cut: (out) (optional): set to whether earlier bytes were left out
 * @error: return location for a #GError
 *
 * Reads the last @max_bytes of one of a run's streams, for reports about a
 * finished run. Reads only the chunks it needs, newest first.
 *
 * Returns: (transfer full): the bytes, or %NULL on error
 */
GBytes *
chk_store_read_output_tail (ChkStore   *self,
                            guint64     run_id,
                            ChkStream   stream,
                            gsize       max_bytes,
                            gboolean   *out_cut,
                            GError    **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;
  g_autoptr(GPtrArray) pieces = NULL;
  g_autoptr(GByteArray) tail = NULL;
  gsize total = 0;
  gboolean cut = FALSE;
  int rc = SQLITE_DONE;

  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = chk_store_get_stmt (self, STMT_READ_OUTPUT_TAIL, error);
  if (stmt == NULL)
    return NULL;

  pieces = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  sqlite3_bind_int64 (stmt, 1, run_id);
  sqlite3_bind_int (stmt, 2, stream);
  while (total < max_bytes && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const guint8 *data = sqlite3_column_blob (stmt, 0);
      gsize size = sqlite3_column_bytes (stmt, 0);
      gsize take = MIN (size, max_bytes - total);

      cut = take < size;
      g_ptr_array_add (pieces, g_bytes_new (data + (size - take), take));
      total += take;
    }

  if (total >= max_bytes)
    cut = cut || sqlite3_step (stmt) == SQLITE_ROW;
  else if (rc != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not read output of run %" G_GUINT64_FORMAT ": ", run_id);
      return NULL;
    }

  tail = g_byte_array_sized_new (total);
  for (guint i = pieces->len; i > 0; i--)
    {
      gsize size;
      const guint8 *data = g_bytes_get_data (pieces->pdata[i - 1], &size);

      g_byte_array_append (tail, data, size);
    }

  if (out_cut != NULL)
    *out_cut = cut;
  return g_byte_array_free_to_bytes (g_steal_pointer (&tail));
}

/**
 * chk_store_read_output:
 * @self: a #ChkStore
 * @run_id: the run's id
 * @after_seq: read the chunks after this one; 0 for all
 * @max_bytes: stop before the data would pass this size
 * @error: return location for a #GError
 *
 * Reads a page of a run's output in order. The page holds at least one
 * chunk when there is one after @after_seq, however large, so that paging
 * always moves on; it is empty at the end.
 *
 * Returns: (transfer full) (element-type ChkOutputChunk): the chunks,
 *   or %NULL with @error set; an unknown run is %CHK_ERROR_NOT_FOUND
 */
GPtrArray *
chk_store_read_output (ChkStore  *self,
                       guint64    run_id,
                       guint64    after_seq,
                       gsize      max_bytes,
                       GError   **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  guint64 total = 0;
  int rc;

  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = chk_store_get_stmt (self, STMT_READ_OUTPUT, error);
  if (stmt == NULL)
    {
      g_prefix_error (error, "Could not read output of run %" G_GUINT64_FORMAT ": ", run_id);
      return NULL;
    }

  chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) chk_output_chunk_free);

  sqlite3_bind_int64 (stmt, 1, run_id);
  sqlite3_bind_int64 (stmt, 2, MIN (after_seq, (guint64) G_MAXINT64));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gsize size = sqlite3_column_bytes (stmt, 3);
      ChkOutputChunk *chunk;
      int stream;

      /* Written so that it cannot wrap around, as total + size could. */
      if (chunks->len > 0 && (total > max_bytes || size > max_bytes - total))
        break;

      stream = sqlite3_column_int (stmt, 1);
      if (stream != CHK_STREAM_STDOUT && stream != CHK_STREAM_STDERR)
        {
          g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                       "Could not read output of run %" G_GUINT64_FORMAT
                       ": chunk %" G_GINT64_FORMAT " has an unknown stream %d",
                       run_id, (gint64) sqlite3_column_int64 (stmt, 0), stream);
          return NULL;
        }

      chunk = g_new0 (ChkOutputChunk, 1);
      chunk->run_id = run_id;
      chunk->seq = sqlite3_column_int64 (stmt, 0);
      chunk->stream = stream;
      chunk->time = sqlite3_column_int64 (stmt, 2);
      chunk->data = chk_store_column_bytes (stmt, 3);
      g_ptr_array_add (chunks, chunk);

      total += size;
    }

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not read output of run %" G_GUINT64_FORMAT ": ", run_id);
      return NULL;
    }

  /* No chunk: tell an unknown run from one without (more) output. */
  if (chunks->len == 0 && !chk_store_check_run_exists (self, run_id, error))
    {
      chk_store_prefix_error (error, "Could not read output of run %" G_GUINT64_FORMAT ": ",
                              run_id);
      return NULL;
    }

  return g_steal_pointer (&chunks);
}

/**
 * chk_store_delete_output:
 * @self: a #ChkStore
 * @run_id: the run's id
 * @first_seq: the first chunk to delete
 * @last_seq: the last chunk to delete, at least @first_seq
 * @error: return location for a #GError
 *
 * Deletes the chunks numbered @first_seq to @last_seq, where there are
 * any, to drop the middle of a long output. The run's byte counters keep
 * counting what it wrote.
 *
 * Returns: %TRUE on success; an unknown run is %CHK_ERROR_NOT_FOUND
 */
gboolean
chk_store_delete_output (ChkStore  *self,
                         guint64    run_id,
                         guint64    first_seq,
                         guint64    last_seq,
                         GError   **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;

  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (first_seq <= last_seq, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = chk_store_get_stmt (self, STMT_DELETE_OUTPUT, error);
  if (stmt == NULL)
    {
      g_prefix_error (error, "Could not delete output of run %" G_GUINT64_FORMAT ": ", run_id);
      return FALSE;
    }

  sqlite3_bind_int64 (stmt, 1, run_id);
  sqlite3_bind_int64 (stmt, 2, MIN (first_seq, (guint64) G_MAXINT64));
  sqlite3_bind_int64 (stmt, 3, MIN (last_seq, (guint64) G_MAXINT64));
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not delete output of run %" G_GUINT64_FORMAT ": ", run_id);
      return FALSE;
    }

  if (sqlite3_changes (self->db) == 0 && !chk_store_check_run_exists (self, run_id, error))
    {
      chk_store_prefix_error (error, "Could not delete output of run %" G_GUINT64_FORMAT ": ",
                              run_id);
      return FALSE;
    }

  return TRUE;
}

/* Reads a setting's value from the columns @type_column and the next. */
static GVariant *
chk_store_setting_from_stmt (sqlite3_stmt  *stmt,
                             int            type_column,
                             const char    *key,
                             GError       **error)
{
  const char *type = (const char *) sqlite3_column_text (stmt, type_column);

  /* A type string must be checked before GVariant sees it: it asserts on
   * invalid or indefinite ones. */
  if (type == NULL ||
      !g_variant_type_string_is_valid (type) ||
      !g_variant_type_is_definite (G_VARIANT_TYPE (type)))
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                   "The setting “%s” has an invalid type “%s”", key, type != NULL ? type : "");
      return NULL;
    }

  return chk_store_column_variant (stmt, type_column + 1, G_VARIANT_TYPE (type));
}

/**
 * chk_store_get_setting:
 * @self: a #ChkStore
 * @key: the setting's name
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the setting's value, or %NULL
 *   without an error when it is not set, or %NULL with @error set
 */
GVariant *
chk_store_get_setting (ChkStore    *self,
                       const char  *key,
                       GError     **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;
  GVariant *value;
  int rc;

  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = chk_store_get_stmt (self, STMT_GET_SETTING, error);
  if (stmt == NULL)
    {
      g_prefix_error (error, "Could not read setting “%s”: ", key);
      return NULL;
    }

  chk_store_bind_text (stmt, 1, key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return NULL;

  if (rc != SQLITE_ROW)
    {
      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not read setting “%s”: ", key);
      return NULL;
    }

  value = chk_store_setting_from_stmt (stmt, 0, key, error);
  if (value == NULL)
    g_prefix_error (error, "Could not read setting “%s”: ", key);

  return value;
}

/**
 * chk_store_list_settings:
 * @self: a #ChkStore
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type utf8 GVariant): every
 *   setting that is set, by name, or %NULL with @error set
 */
GHashTable *
chk_store_list_settings (ChkStore  *self,
                         GError   **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;
  g_autoptr(GHashTable) settings = NULL;
  int rc;

  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = chk_store_get_stmt (self, STMT_LIST_SETTINGS, error);
  if (stmt == NULL)
    {
      g_prefix_error (error, "Could not list settings: ");
      return NULL;
    }

  settings = g_hash_table_new_full (g_str_hash, g_str_equal,
                                    g_free, (GDestroyNotify) g_variant_unref);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autofree char *key = chk_store_column_strdup (stmt, 0);
      GVariant *value;

      value = chk_store_setting_from_stmt (stmt, 1, key, error);
      if (value == NULL)
        {
          g_prefix_error (error, "Could not list settings: ");
          return NULL;
        }

      g_hash_table_insert (settings, g_steal_pointer (&key), value);
    }

  if (rc != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not list settings: ");
      return NULL;
    }

  return g_steal_pointer (&settings);
}

/**
 * chk_store_set_setting:
 * @self: a #ChkStore
 * @key: the setting's name
 * @value: (nullable): the new value, consumed if floating; %NULL unsets it
 * @error: return location for a #GError
 *
 * Stores a setting with its type; the store does not check either.
 *
 * Returns: %TRUE on success
 */
gboolean
chk_store_set_setting (ChkStore    *self,
                       const char  *key,
                       GVariant    *value,
                       GError     **error)
{
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GVariant) normal = NULL;
  g_autoptr(ChkCachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = chk_store_get_stmt (self, value != NULL ? STMT_SET_SETTING : STMT_DELETE_SETTING, error);
  if (stmt == NULL)
    {
      g_prefix_error (error, "Could not store setting “%s”: ", key);
      return FALSE;
    }

  chk_store_bind_text (stmt, 1, key);
  rc = SQLITE_OK;
  if (value != NULL)
    {
      owned = g_variant_ref_sink (value);
      normal = g_variant_get_normal_form (owned);
      chk_store_bind_text (stmt, 2, g_variant_get_type_string (normal));
      rc = chk_store_bind_bytes (stmt, 3, g_variant_get_data (normal), g_variant_get_size (normal));
    }

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not store setting “%s”: ", key);
      return FALSE;
    }

  return TRUE;
}
