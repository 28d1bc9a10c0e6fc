/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "chk-checkpointer.h"
#include "chk-output-files.h"
#include "chk-error.h"
#include "chk-file-watch.h"
#include "chk-outcome.h"
#include "chk-source-util.h"
#include "chk-store-private.h"
#include "chk-store-sqlite.h"

/*
 * ChkStoreSqlite: the store in an SQLite file of one user's, or of the
 * system daemon's, in write-ahead-log mode; large chunks of output in
 * files beside it (ChkOutputFiles), checkpoints on a thread of their own
 * (ChkCheckpointer). It says what keeps the file from working (full,
 * locked, read-only, damaged, deleted) as #ChkStore:problem, keeps what it
 * could not write until it can, and recovers what a damaged file holds.
 */

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
  /* 4: which attempt of its retries a run is */
  "ALTER TABLE runs ADD COLUMN attempt     INTEGER NOT NULL DEFAULT 1;",
  /* 5: whether a run went on past its job's expected-duration */
  "ALTER TABLE runs ADD COLUMN running_long INTEGER NOT NULL DEFAULT 0;",
  /* 6: the runs' indexes cover what statistics read, so that counting a
   * job's 10,000 runs, or 100,000 of all jobs, reads no table rows (with
   * 64 KiB pages each of those is a page of its own) */
  "DROP INDEX runs_job_started;"
  "CREATE INDEX runs_job_started ON runs (job_id, started, finished, outcome);"
  "DROP INDEX runs_started;"
  "CREATE INDEX runs_started ON runs (started, finished, outcome);",
  /* 7: large chunks in files of their own (see ChkOutputFiles): a chunk's
   * record at file_offset (NULL: its bytes are in data), and where the
   * committed records of a run's file end */
  "ALTER TABLE output ADD COLUMN file_offset INTEGER;"
  "ALTER TABLE output ADD COLUMN file_size   INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE runs   ADD COLUMN output_end  INTEGER NOT NULL DEFAULT 0;",
};

#define CHK_STORE_SCHEMA_VERSION ((guint) G_N_ELEMENTS (schema_steps))

#define RUN_COLUMNS \
  "id, job_id, job_name, \"trigger\", started, finished, outcome, exit_code, signal, " \
  "hostname, pid, stdout_bytes, stderr_bytes, truncated, progress_complete, " \
  "progress_total, progress_message, http_status, alert_error, cpu_time, memory_peak, " \
  "containment, message, cgroup, attempt, running_long"

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
  STMT_LIST_JOB_TIMES,
  STMT_LOAD_JOBS,
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
  STMT_OUTPUT_END,
  STMT_OUTPUT_FILE_RANGE,
  STMT_GET_SETTING,
  STMT_LIST_SETTINGS,
  STMT_SET_SETTING,
  STMT_DELETE_SETTING,
  STMT_JOB_STATS,
  STMT_ALL_STATS,
  STMT_SET_STATS,
  STMT_JOB_FIRST_RUN,
  STMT_ALL_FIRST_RUN,
  STMT_SET_FIRST_RUN,
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
  [STMT_LIST_JOB_TIMES] = "SELECT id, created FROM jobs ORDER BY id",
  /* Every job with the run STMT_GET_LAST_RUN finds (NULLs for none), in one
   * statement. The latest start, then the highest id, each with max() on
   * runs_job_started: an ORDER BY of the two sorts each job's runs in a
   * temporary b-tree, whose pages are cleared 10,000 times at a start-up. */
  [STMT_LOAD_JOBS] =
    "SELECT j.id, j.name, j.spec, j.created, last.* FROM jobs AS j "
    "LEFT JOIN (SELECT " RUN_COLUMNS " FROM runs) AS last ON last.id = "
    "(SELECT max(id) FROM runs WHERE job_id = j.id AND started = "
    "(SELECT max(started) FROM runs WHERE job_id = j.id)) "
    "ORDER BY j.id",
  [STMT_ADD_RUN] =
    "INSERT INTO runs (job_id, job_name, \"trigger\", started, finished, outcome, exit_code, "
    "signal, hostname, pid, stdout_bytes, stderr_bytes, truncated, progress_complete, "
    "progress_total, progress_message, http_status, alert_error, cpu_time, memory_peak, "
    "containment, message, cgroup, attempt, running_long) "
    "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
    "?20, ?21, ?22, ?23, ?24, ?25, ?26)",
  /* The byte counters and alert_error are left out on purpose:
   * chk_store_append_output() and chk_store_set_run_alert_error() own them,
   * and a caller's stale copy must not roll them back. */
  [STMT_UPDATE_RUN] =
    "UPDATE runs SET job_name = ?3, \"trigger\" = ?4, started = ?5, finished = ?6, "
    "outcome = ?7, exit_code = ?8, signal = ?9, hostname = ?10, pid = ?11, "
    "truncated = ?14, progress_complete = ?15, progress_total = ?16, "
    "progress_message = ?17, http_status = ?18, cpu_time = ?20, memory_peak = ?21, "
    "containment = ?22, message = ?23, cgroup = ?24, attempt = ?25, running_long = ?26 "
    "WHERE id = ?1",
  [STMT_SET_RUN_ALERT_ERROR] = "UPDATE runs SET alert_error = ?2 WHERE id = ?1",
  [STMT_GET_RUN] = "SELECT " RUN_COLUMNS " FROM runs WHERE id = ?1",
  [STMT_GET_LAST_RUN] =
    "SELECT " RUN_COLUMNS " FROM runs WHERE job_id = ?1 "
    "ORDER BY started DESC, id DESC LIMIT 1",
  [STMT_LIST_UNFINISHED_RUNS] =
    "SELECT " RUN_COLUMNS " FROM runs WHERE outcome = 'running' ORDER BY started, id",
  [STMT_RUN_EXISTS] = "SELECT 1 FROM runs WHERE id = ?1",
  /* The runs that statistics count, of one job or of all, from ?2 until ?3 */
  [STMT_JOB_STATS] =
    "SELECT started, finished, outcome FROM runs "
    "WHERE job_id = ?1 AND started >= ?2 AND started < ?3",
  [STMT_ALL_STATS] =
    "SELECT started, finished, outcome FROM runs WHERE started >= ?2 AND started < ?3",
  /* Of the jobs whose ids ?1 lists, a JSON array (see job_ids_to_json()) */
  [STMT_SET_STATS] =
    "SELECT started, finished, outcome FROM runs "
    "WHERE job_id IN (SELECT value FROM json_each (?1)) AND started >= ?2 AND started < ?3",
  [STMT_JOB_FIRST_RUN] = "SELECT MIN (started) FROM runs WHERE job_id = ?1",
  [STMT_ALL_FIRST_RUN] = "SELECT MIN (started) FROM runs",
  [STMT_SET_FIRST_RUN] =
    "SELECT MIN (started) FROM runs WHERE job_id IN (SELECT value FROM json_each (?1))",
  [STMT_PURGE_RUNS] = "DELETE FROM runs WHERE outcome != 'running' AND started < ?1",
  [STMT_TRIM_RUNS] =
    "DELETE FROM runs WHERE job_id = ?1 AND outcome != 'running' AND id NOT IN "
    "(SELECT id FROM runs WHERE job_id = ?1 AND outcome != 'running' "
    " ORDER BY started DESC, id DESC LIMIT ?2)",
  [STMT_ADD_OUTPUT] =
    "INSERT INTO output (run_id, seq, stream, time, data, file_offset, file_size) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
  [STMT_ADD_OUTPUT_BYTES] =
    "UPDATE runs SET stdout_bytes = stdout_bytes + ?2, stderr_bytes = stderr_bytes + ?3, "
    "output_end = max (output_end, ?4) WHERE id = ?1",
  [STMT_READ_OUTPUT] =
    "SELECT seq, stream, time, data, file_offset, file_size FROM output "
    "WHERE run_id = ?1 AND seq > ?2 ORDER BY seq",
  [STMT_READ_OUTPUT_TAIL] =
    "SELECT data, file_offset, file_size, seq FROM output "
    "WHERE run_id = ?1 AND stream = ?2 ORDER BY seq DESC",
  [STMT_DELETE_OUTPUT] = "DELETE FROM output WHERE run_id = ?1 AND seq BETWEEN ?2 AND ?3",
  [STMT_OUTPUT_END] = "SELECT output_end FROM runs WHERE id = ?1",
  [STMT_OUTPUT_FILE_RANGE] =
    "SELECT file_offset, file_size FROM output "
    "WHERE run_id = ?1 AND seq BETWEEN ?2 AND ?3 AND file_offset IS NOT NULL",
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
  RUN_FILTER_JOB_SET = 1 << 3,
  N_RUN_FILTERS = 1 << 4,
};

/*
 * How long a statement waits for a lock another program holds. Short: the
 * store runs on the daemon's main loop, and a wait there freezes every
 * client and timer. Once a lock made a write fail, later ones do not wait
 * at all until the probe finds the database free again.
 */
#define BUSY_TIMEOUT_MS 100
/* Until then, while the daemon starts and nothing is served yet, it may
 * wait as long as it always did: a backup holding the lock for a moment
 * must not keep it from starting. */
#define STARTUP_BUSY_TIMEOUT_MS 5000
/* How often a failing store tries a small write of its own to see whether
 * the cause is gone. */
#define PROBE_INTERVAL_SECONDS 1
/* How often an idle store checks that its file is still there, where it
 * cannot be told (no inotify). */
#define FILE_CHECK_INTERVAL_SECONDS 10
/* Below this much free space a disk counts as full: not worth a probe. */
#define MIN_FREE_BYTES (1024 * 1024)
/* sqlite's own default, which its WAL hook would otherwise do for us. */
#define WAL_AUTOCHECKPOINT_PAGES 1000
/* What the log is cut back to when SQLite starts it over (64 MiB), as
 * SQL: a job's output can make it grow far past WAL_AUTOCHECKPOINT_PAGES
 * while a checkpoint in the background catches up. */
#define WAL_SIZE_LIMIT_BYTES "67108864"
/* How far the log may run ahead of the checkpoints before the output of
 * runs waits for them (#ChkStore:log-behind), by default; and each frame's
 * header, besides its page. */
#define LOG_LIMIT_BYTES (64 * 1024 * 1024)
#define WAL_FRAME_HEADER_BYTES 24
/* Waiting on a checkpoint that a reader keeps from finishing stops after
 * this long: the log grows then rather than jobs waiting for the reader. */
#define LOG_WAIT_MAX_US (5 * G_TIME_SPAN_SECOND)
/* Chunks of output at least this large go to the run's output file rather
 * than into the database, where every byte was written twice (log, then
 * checkpoint); smaller ones stay in the database, so that a run with a
 * few lines of output has no file. */
#define OUTPUT_FILE_MIN_BYTES (16 * 1024)

/* What keeps the database from working: each has its sentence for people. */
typedef enum
{
  FAULT_NONE,
  FAULT_FULL,
  FAULT_SIZE_LIMIT,
  FAULT_LOCKED,
  FAULT_READ_ONLY,
  FAULT_IO,
  FAULT_DAMAGED,
  FAULT_DELETED,
} ChkStoreFault;

struct _ChkStoreSqlite
{
  ChkStore       parent_instance;

  char          *path;
  sqlite3       *db;
  /* Checkpoints db's log off the main loop; NULL when it could not be
   * opened, and then db checkpoints itself. */
  ChkCheckpointer *checkpointer;
  /* The log past log_limit bytes (#ChkStore:log-behind) since
   * log_behind_since, with log_frames frames at the last commit;
   * log_unbounded once a reader kept a checkpoint from catching up for too
   * long, until one does. */
  guint64        log_limit;
  gint64         page_size;
  gboolean       log_behind;
  gboolean       log_unbounded;
  gint64         log_behind_since;
  int            log_frames;
  GSource       *log_notify_source;
  sqlite3_stmt  *stmts[N_STMTS];
  sqlite3_stmt  *list_runs_stmts[N_RUN_FILTERS];
  guint          schema_version;
  gboolean       in_transaction;
  gboolean       commit_failed;

  /* The database file, opened without following links; kept open while
   * SQLite has it, since closing any descriptor of a file drops the
   * process's POSIX locks on it, SQLite's included. Also what tells a
   * deleted file: its link count drops to 0. */
  int            fd;

  /* A failure that goes away by itself (full, locked, read-only), and
   * what stays true until the daemon restarts (damaged and recovered,
   * deleted); the problem is the first of the two, as one sentence. */
  ChkStoreFault  fault;
  char          *fault_text;
  char          *notice;
  char          *problem;
  ChkStoreFault  last_failure;
  int            last_failure_rc;
  gboolean       opening;
  gboolean       file_gone;
  /* How long a statement waits for another program's lock; see
   * chk_store_busy_cb(). */
  guint          busy_timeout_ms;

  /* Which came last, a failure or a write that worked: a write that
   * worked clears the fault, but only from an idle, out of SQLite's
   * hook, and not when a newer failure came in between. */
  guint64        serial;
  guint64        fault_serial;
  guint64        write_serial;

  GMainContext  *context;
  GSource       *probe_source;
  GSource       *after_write_source;
  GSource       *file_check_source;
  GSource       *serving_source;
  gboolean       serving;

  /* Run records whose update failed while the store was failing, by run
   * id: how a run ended must not stay "running" because a backup held the
   * lock for a moment. Written when the store works again. */
  GHashTable    *pending_runs;

  /* Large chunks of output, in files beside the database; chunks from
   * output_file_min bytes go there. What is only done to the files once a
   * transaction is committed: freeing dropped records (ChkOutputHole), and
   * removing the files of deleted runs. */
  ChkOutputFiles *output_files;
  gsize          output_file_min;
  GArray        *output_holes;
  gboolean       output_sweep_wanted;
};

typedef struct
{
  guint64 run_id;
  guint64 offset;
  guint64 length;
} ChkOutputHole;

static void chk_store_initable_iface_init (GInitableIface *iface);
static gboolean chk_store_output_end_cb (guint64   run_id,
                                         guint64  *out_end,
                                         gpointer  user_data);

G_DEFINE_FINAL_TYPE_WITH_CODE (ChkStoreSqlite, chk_store_sqlite, CHK_TYPE_STORE,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      chk_store_initable_iface_init))

enum
{
  PROP_0,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Finds who holds the database locked, from the POSIX locks the kernel
 * lists: "python3, pid 1234". SQLite locks bytes of the database file
 * and, with WAL, of its -shm file; this process holds some too.
 */
static char *
chk_store_describe_lock_holder (ChkStoreSqlite *self)
{
  g_autofree char *locks = NULL;
  g_autofree char *shm = g_strconcat (self->path, "-shm", NULL);
  g_auto(GStrv) lines = NULL;
  struct stat db_st, shm_st;
  gboolean have_shm;

  if (self->fd < 0 || fstat (self->fd, &db_st) != 0 ||
      !g_file_get_contents ("/proc/locks", &locks, NULL, NULL))
    return NULL;
  have_shm = lstat (shm, &shm_st) == 0;

  lines = g_strsplit (locks, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit_set (lines[i], " \t", -1);
      const char *pid_field = NULL;
      const char *file_field = NULL;
      guint n = 0;
      guint64 ino = 0;
      guint64 pid = 0;
      unsigned int dev_major = 0;
      unsigned int dev_minor = 0;
      const char *colon;

      /* "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 120 120"; a waiter's
       * line has "->" after the number. */
      for (guint j = 0; fields[j] != NULL; j++)
        {
          if (*fields[j] == '\0' || g_str_equal (fields[j], "->"))
            continue;
          if (n == 4)
            pid_field = fields[j];
          else if (n == 5)
            file_field = fields[j];
          n++;
        }

      /* The file is "MAJOR:MINOR:INODE", the device numbers in hex. */
      if (pid_field == NULL || file_field == NULL ||
          sscanf (file_field, "%x:%x:", &dev_major, &dev_minor) != 2 ||
          (colon = strrchr (file_field, ':')) == NULL ||
          !g_ascii_string_to_unsigned (colon + 1, 10, 0, G_MAXUINT64, &ino, NULL) ||
          !g_ascii_string_to_unsigned (pid_field, 10, 1, G_MAXINT, &pid, NULL) ||
          (pid_t) pid == getpid ())
        continue;

      if ((ino == (guint64) db_st.st_ino &&
           makedev (dev_major, dev_minor) == db_st.st_dev) ||
          (have_shm && ino == (guint64) shm_st.st_ino &&
           makedev (dev_major, dev_minor) == shm_st.st_dev))
        {
          g_autofree char *comm_path = g_strdup_printf ("/proc/%" G_GUINT64_FORMAT "/comm", pid);
          g_autofree char *comm = NULL;

          if (g_file_get_contents (comm_path, &comm, NULL, NULL))
            return g_strdup_printf ("%s, pid %" G_GUINT64_FORMAT, g_strstrip (comm), pid);
          return g_strdup_printf ("pid %" G_GUINT64_FORMAT, pid);
        }
    }

  return NULL;
}

/* SQLITE_FULL also comes from a size limit or a quota: say "the disk is
 * full" only when it is. */
static gboolean
chk_store_disk_is_full (ChkStoreSqlite *self)
{
  struct statvfs st;

  if (self->fd < 0 || fstatvfs (self->fd, &st) != 0)
    return TRUE;

  return (guint64) st.f_bavail * st.f_frsize < MIN_FREE_BYTES;
}

static ChkStoreFault
chk_store_classify (ChkStoreSqlite *self,
                    int             rc)
{
  int sys_errno = sqlite3_system_errno (self->db);

  if (rc == SQLITE_READONLY_DBMOVED)
    return FAULT_DELETED;

  switch (rc & 0xff)
    {
    case SQLITE_FULL:
      return chk_store_disk_is_full (self) ? FAULT_FULL : FAULT_SIZE_LIMIT;

    case SQLITE_BUSY:
      return FAULT_LOCKED;

    case SQLITE_READONLY:
      return FAULT_READ_ONLY;

    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return FAULT_DAMAGED;

    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      if (sys_errno == ENOSPC)
        return FAULT_FULL;
      if (sys_errno == EDQUOT || sys_errno == EFBIG)
        return FAULT_SIZE_LIMIT;
      if (sys_errno == EROFS || sys_errno == EACCES || sys_errno == EPERM)
        return FAULT_READ_ONLY;
      return FAULT_IO;

    default:
      return FAULT_NONE;
    }
}

/* What went wrong and what to do, as the end of an error message
 * ("Could not add job “x”: the disk holding …"). */
static char *
chk_store_describe_fault (ChkStoreSqlite *self,
                          ChkStoreFault   fault)
{
  switch (fault)
    {
    case FAULT_FULL:
      return g_strdup_printf ("the disk holding “%s” is full: free some space, and Chroniker "
                              "goes on by itself", self->path);

    case FAULT_SIZE_LIMIT:
      return g_strdup_printf ("the database “%s” cannot grow (a disk quota or size limit): "
                              "free some space or remove old runs with “chronikerctl clean”",
                              self->path);

    case FAULT_LOCKED:
      {
        g_autofree char *holder = chk_store_describe_lock_holder (self);

        return g_strdup_printf ("the database “%s” is locked by another program (%s): "
                                "close that program, and Chroniker goes on by itself",
                                self->path,
                                holder != NULL ? holder : "perhaps an sqlite3 shell or a backup");
      }

    case FAULT_READ_ONLY:
      return g_strdup_printf ("the database “%s” cannot be written: its file or disk is "
                              "read-only; make it writable again, and Chroniker goes on by "
                              "itself", self->path);

    case FAULT_IO:
      return g_strdup_printf ("the disk holding “%s” failed (%s): check the disk, and "
                              "Chroniker goes on by itself once it works",
                              self->path, sqlite3_errmsg (self->db));

    case FAULT_DAMAGED:
      return g_strdup_printf ("the database “%s” is damaged (%s): restart chronikerd, which "
                              "keeps the damaged file and recovers what it can still read",
                              self->path, sqlite3_errmsg (self->db));

    case FAULT_DELETED:
      return g_strdup_printf ("the database “%s” was deleted or moved while in use: nothing "
                              "changed since is kept past chronikerd's end; restore the file "
                              "and restart chronikerd, or restart it to begin a new database",
                              self->path);

    case FAULT_NONE:
    default:
      g_return_val_if_reached (NULL);
    }
}

/* The property's one sentence, from an error's ending. */
static char *
chk_store_sentence (const char *text)
{
  g_autofree char *first = g_utf8_strup (text, g_utf8_next_char (text) - text);

  return g_strconcat (first, g_utf8_next_char (text), ".", NULL);
}

static void
chk_store_update_problem (ChkStoreSqlite *self)
{
  g_autofree char *problem = NULL;

  if (self->fault_text != NULL)
    problem = chk_store_sentence (self->fault_text);
  else if (self->notice != NULL)
    problem = g_strdup (self->notice);

  if (g_strcmp0 (problem, self->problem) == 0)
    return;

  g_free (self->problem);
  self->problem = g_steal_pointer (&problem);
  _chk_store_notify_problem (CHK_STORE (self));
}

/* For what stays true until the daemon restarts. */
static void
chk_store_set_notice (ChkStoreSqlite *self,
                      const char     *notice)
{
  if (g_strcmp0 (notice, self->notice) == 0)
    return;

  g_warning ("%s", notice);
  g_free (self->notice);
  self->notice = g_strdup (notice);
  chk_store_update_problem (self);
}

static void chk_store_start_probe (ChkStoreSqlite *self);

/*
 * SQLite's busy handler: waits for another program's lock up to
 * busy_timeout_ms, and says so in the log while the daemon serves, where a
 * wait holds up the main loop and must stay rare (tests/dbus/test_storage.py
 * counts them).
 */
static int
chk_store_busy_cb (void *data,
                   int   n_calls)
{
  ChkStoreSqlite *self = data;
  const guint step_ms = 2;

  if ((guint) n_calls * step_ms >= self->busy_timeout_ms)
    {
      if (self->serving && self->busy_timeout_ms > 0)
        g_debug ("Stopped waiting for the database lock after %u ms", self->busy_timeout_ms);
      return 0;
    }
  if (n_calls == 0 && self->serving)
    g_debug ("Waiting up to %u ms for the database lock", self->busy_timeout_ms);
  g_usleep (step_ms * 1000);
  return 1;
}

static void
chk_store_set_busy_timeout (ChkStoreSqlite *self,
                            guint           timeout_ms)
{
  self->busy_timeout_ms = timeout_ms;
  sqlite3_busy_handler (self->db, chk_store_busy_cb, self);
}

static int
chk_store_busy_timeout (ChkStoreSqlite *self)
{
  return self->serving ? BUSY_TIMEOUT_MS : STARTUP_BUSY_TIMEOUT_MS;
}

/* Records a failure of kind @fault, from SQLite's @rc or (0) an output
 * file; returns @fault. */
static ChkStoreFault
chk_store_note_fault (ChkStoreSqlite *self,
                      ChkStoreFault   fault,
                      int             rc)
{
  self->last_failure = fault;
  self->last_failure_rc = rc;

  /* While opening, a damaged file is moved aside right away; the
   * recovery says what happened. */
  if (fault == FAULT_NONE || self->opening)
    return fault;

  if (fault == FAULT_DAMAGED || fault == FAULT_DELETED)
    {
      g_autofree char *text = chk_store_describe_fault (self, fault);
      g_autofree char *sentence = chk_store_sentence (text);

      self->file_gone = self->file_gone || fault == FAULT_DELETED;
      chk_store_set_notice (self, sentence);
      return fault;
    }

  self->fault_serial = ++self->serial;
  if (fault == self->fault)
    return fault;

  self->fault = fault;
  g_free (self->fault_text);
  self->fault_text = chk_store_describe_fault (self, fault);
  g_warning ("Storage fails: %s", self->fault_text);

  /* Waiting for a lock that stays taken would freeze the main loop over
   * and over: fail at once until the probe sees it free. */
  chk_store_set_busy_timeout (self, fault == FAULT_LOCKED ? 0 : chk_store_busy_timeout (self));
  chk_store_start_probe (self);
  chk_store_update_problem (self);
  return fault;
}

/* Records what made a statement fail; returns its kind. */
static ChkStoreFault
chk_store_note_failure (ChkStoreSqlite *self,
                        int             rc)
{
  return chk_store_note_fault (self, chk_store_classify (self, rc), rc);
}

/* An output file could not be written: a full disk or a quota is the
 * store's fault as for the database, said the same way, and probed for
 * until it is gone; any other error is the file's own, said as it is. */
static void
chk_store_note_output_file_failure (ChkStoreSqlite  *self,
                                    int              saved_errno,
                                    GError         **error)
{
  ChkStoreFault fault = FAULT_NONE;

  if (saved_errno == ENOSPC)
    fault = chk_store_disk_is_full (self) ? FAULT_FULL : FAULT_SIZE_LIMIT;
  else if (saved_errno == EDQUOT || saved_errno == EFBIG)
    fault = FAULT_SIZE_LIMIT;

  if (fault == FAULT_NONE || chk_store_note_fault (self, fault, 0) != self->fault ||
      error == NULL)
    return;

  g_clear_error (error);
  g_set_error_literal (error, CHK_ERROR, CHK_ERROR_STORAGE, self->fault_text);
}

static gboolean chk_store_flush_pending_runs (ChkStoreSqlite *self);

static void
chk_store_clear_fault (ChkStoreSqlite *self)
{
  if (self->fault == FAULT_NONE)
    return;

  /* The fault stays while what waited for it cannot be written. */
  if (!chk_store_flush_pending_runs (self))
    return;

  g_message ("Storage works again: “%s” was written", self->path);
  self->fault = FAULT_NONE;
  g_clear_pointer (&self->fault_text, g_free);
  chk_store_set_busy_timeout (self, chk_store_busy_timeout (self));
  if (self->probe_source != NULL)
    {
      g_source_destroy (self->probe_source);
      g_clear_pointer (&self->probe_source, g_source_unref);
    }
  chk_store_update_problem (self);
}

static void
chk_store_set_sqlite_error (ChkStoreSqlite  *self,
                            GError         **error)
{
  int rc = sqlite3_extended_errcode (self->db);
  ChkStoreFault fault = chk_store_note_failure (self, rc);

  if (fault == FAULT_NONE)
    {
      g_set_error_literal (error, CHK_ERROR, CHK_ERROR_STORAGE, sqlite3_errmsg (self->db));
    }
  else if (fault == self->fault && self->fault_text != NULL)
    {
      g_set_error_literal (error, CHK_ERROR, CHK_ERROR_STORAGE, self->fault_text);
    }
  else
    {
      g_autofree char *text = chk_store_describe_fault (self, fault);

      g_set_error_literal (error, CHK_ERROR, CHK_ERROR_STORAGE, text);
    }
}

static sqlite3_stmt *
chk_store_get_stmt (ChkStoreSqlite  *self,
                    ChkStoreStmt     which,
                    GError         **error)
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

/* Steps a statement that returns no rows, with its bindings in place. */
static gboolean
chk_store_step_done (ChkStoreSqlite  *self,
                     sqlite3_stmt    *stmt,
                     GError         **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      return FALSE;
    }

  return TRUE;
}

/* Steps a statement that returns at most one row, with its bindings in
 * place: %TRUE with @out_found saying whether it stands on a row.
 */
static gboolean
chk_store_step_row (ChkStoreSqlite  *self,
                    sqlite3_stmt    *stmt,
                    gboolean        *out_found,
                    GError         **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      return FALSE;
    }

  *out_found = rc == SQLITE_ROW;
  return TRUE;
}

/* After an UPDATE or DELETE of the row with @id: one that changed
 * nothing found no such @what.
 */
static gboolean
chk_store_check_changed (ChkStoreSqlite  *self,
                         const char      *what,
                         guint64          id,
                         GError         **error)
{
  if (sqlite3_changes (self->db) == 0)
    {
      _chk_store_set_not_found (error, what, id);
      return FALSE;
    }

  return TRUE;
}

/* Runs a cached statement that returns no rows. */
static gboolean
chk_store_exec_cached (ChkStoreSqlite  *self,
                       ChkStoreStmt     which,
                       GError         **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;

  stmt = chk_store_get_stmt (self, which, error);
  if (stmt == NULL)
    return FALSE;

  return chk_store_step_done (self, stmt, error);
}

/* Steps a statement that returns no rows and changes the row of the
 * @what with @id: one that changed nothing found no such @what.
 */
static gboolean
chk_store_step_change (ChkStoreSqlite  *self,
                       sqlite3_stmt    *stmt,
                       const char      *what,
                       guint64          id,
                       GError         **error)
{
  return chk_store_step_done (self, stmt, error) &&
         chk_store_check_changed (self, what, id, error);
}

/* Makes a record of the row a statement stands on. */
typedef gpointer (*ChkStoreRowFunc) (sqlite3_stmt *stmt);

/* Runs the cached statement @which, whose one parameter is the id of a
 * @what, and reads the row it finds with @from_stmt: %NULL with
 * %CHK_ERROR_NOT_FOUND when there is none.
 */
static gpointer
chk_store_read_by_id (ChkStoreSqlite   *self,
                      ChkStoreStmt      which,
                      const char       *what,
                      guint64           id,
                      ChkStoreRowFunc   from_stmt,
                      GError          **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;
  gboolean found = FALSE;

  stmt = chk_store_get_stmt (self, which, error);
  if (stmt != NULL)
    {
      sqlite3_bind_int64 (stmt, 1, id);
      if (chk_store_step_row (self, stmt, &found, error) && !found)
        _chk_store_set_not_found (error, what, id);
    }

  if (!found)
    {
      _chk_store_prefix_error (error, "Could not read %s %" G_GUINT64_FORMAT ": ", what, id);
      return NULL;
    }

  return from_stmt (stmt);
}

/* Reads every row of a statement, with its bindings in place, into an
 * array of records made by @from_stmt and freed with @free_func.
 */
static GPtrArray *
chk_store_collect_rows (ChkStoreSqlite   *self,
                        sqlite3_stmt     *stmt,
                        ChkStoreRowFunc   from_stmt,
                        GDestroyNotify    free_func,
                        GError          **error)
{
  g_autoptr(GPtrArray) rows = NULL;
  int rc;

  rows = g_ptr_array_new_with_free_func (free_func);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, from_stmt (stmt));

  if (rc != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      return NULL;
    }

  return g_steal_pointer (&rows);
}

/* Runs every statement of @sql in turn, for pragmas and schema steps:
 * SQL written here, never anything built from input.
 */
static gboolean
chk_store_exec_sql (ChkStoreSqlite  *self,
                    const char      *sql,
                    GError         **error)
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
chk_store_query_int (ChkStoreSqlite  *self,
                     const char      *sql,
                     gint64          *out_value,
                     GError         **error)
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

/* Loads a stored variant without trusting it (_chk_store_variant_from_bytes()). */
static GVariant *
chk_store_column_variant (sqlite3_stmt       *stmt,
                          int                 column,
                          const GVariantType *type)
{
  g_autoptr(GBytes) bytes = chk_store_column_bytes (stmt, column);

  return _chk_store_variant_from_bytes (bytes, type);
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

/* Reads a row of STMT_LIST_JOB_TIMES: a job without its name and spec. */
static ChkStoreJob *
chk_store_job_time_from_stmt (sqlite3_stmt *stmt)
{
  ChkStoreJob *job = g_new0 (ChkStoreJob, 1);

  job->id = sqlite3_column_int64 (stmt, 0);
  job->created = sqlite3_column_int64 (stmt, 1);

  return job;
}

/* Reads the RUN_COLUMNS of a row from column @first on. */
static ChkRunRecord *
chk_run_record_from_columns (sqlite3_stmt *stmt,
                             int           first)
{
  ChkRunRecord *run = chk_run_record_new ();

  run->id = sqlite3_column_int64 (stmt, first + 0);
  run->job_id = sqlite3_column_int64 (stmt, first + 1);
  run->job_name = chk_store_column_strdup (stmt, first + 2);
  run->trigger = chk_store_column_strdup (stmt, first + 3);
  run->started = sqlite3_column_int64 (stmt, first + 4);
  run->finished = sqlite3_column_int64 (stmt, first + 5);
  run->outcome = chk_store_column_strdup (stmt, first + 6);
  run->exit_code = sqlite3_column_int (stmt, first + 7);
  run->signal = sqlite3_column_int (stmt, first + 8);
  run->hostname = chk_store_column_strdup (stmt, first + 9);
  run->pid = (guint32) sqlite3_column_int64 (stmt, first + 10);
  run->stdout_bytes = sqlite3_column_int64 (stmt, first + 11);
  run->stderr_bytes = sqlite3_column_int64 (stmt, first + 12);
  run->truncated = sqlite3_column_int (stmt, first + 13) != 0;
  run->progress_complete = (guint32) sqlite3_column_int64 (stmt, first + 14);
  run->progress_total = (guint32) sqlite3_column_int64 (stmt, first + 15);
  run->progress_message = chk_store_column_strdup (stmt, first + 16);
  run->http_status = (guint32) sqlite3_column_int64 (stmt, first + 17);
  run->alert_error = chk_store_column_strdup (stmt, first + 18);
  run->cpu_time = sqlite3_column_int64 (stmt, first + 19);
  run->memory_peak = sqlite3_column_int64 (stmt, first + 20);
  run->containment = chk_store_column_strdup (stmt, first + 21);
  run->message = chk_store_column_strdup (stmt, first + 22);
  run->cgroup = chk_store_column_strdup (stmt, first + 23);
  run->attempt = (guint32) MAX (sqlite3_column_int64 (stmt, first + 24), 1);
  run->running_long = sqlite3_column_int (stmt, first + 25) != 0;

  return run;
}

/* Reads a row selected with RUN_COLUMNS. */
static ChkRunRecord *
chk_run_record_from_stmt (sqlite3_stmt *stmt)
{
  return chk_run_record_from_columns (stmt, 0);
}

/* Binds the parameters ?1 … ?26 of STMT_ADD_RUN and STMT_UPDATE_RUN, in
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
  sqlite3_bind_int64 (stmt, 25, MAX (run->attempt, 1));
  sqlite3_bind_int (stmt, 26, run->running_long ? 1 : 0);
}

static gboolean
chk_store_row_exists (ChkStoreSqlite  *self,
                      ChkStoreStmt     which,
                      guint64          id,
                      gboolean        *out_exists,
                      GError         **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;

  stmt = chk_store_get_stmt (self, which, error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, id);
  return chk_store_step_row (self, stmt, out_exists, error);
}

/* Sets a NOT_FOUND error unless a run with @id exists. */
static gboolean
chk_store_check_run_exists (ChkStoreSqlite  *self,
                            guint64          id,
                            GError         **error)
{
  gboolean exists = FALSE;

  if (!chk_store_row_exists (self, STMT_RUN_EXISTS, id, &exists, error))
    return FALSE;

  if (!exists)
    {
      _chk_store_set_not_found (error, "run", id);
      return FALSE;
    }

  return TRUE;
}

/* Starts the work of one call that runs several statements: a transaction
 * of its own, or a savepoint inside the caller's explicit transaction, so
 * that the call is all-or-nothing either way.
 */
static gboolean
chk_store_enter (ChkStoreSqlite  *self,
                 GError         **error)
{
  return chk_store_exec_cached (self, self->in_transaction ? STMT_SAVEPOINT : STMT_BEGIN, error);
}

static void
chk_store_undo (ChkStoreSqlite *self)
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
chk_store_leave (ChkStoreSqlite  *self,
                 gboolean         success,
                 GError         **error)
{
  if (success && !sqlite3_get_autocommit (self->db))
    {
      /* A COMMIT that fails on a full disk rolls back by itself: its
       * error says why, not the one below. */
      if (chk_store_exec_cached (self, self->in_transaction ? STMT_RELEASE : STMT_COMMIT, error))
        return TRUE;
    }
  else if (success)
    {
      g_set_error_literal (error, CHK_ERROR, CHK_ERROR_STORAGE,
                           "The transaction was rolled back after an earlier error");
    }

  chk_store_undo (self);
  return FALSE;
}

/* Whether the database file was deleted, moved or replaced under the
 * daemon: SQLite would go on writing into the unlinked file, and every job
 * would be gone at the next start. Two system calls: cheap enough for
 * every commit.
 */
static gboolean
chk_store_file_is_gone (ChkStoreSqlite *self)
{
  struct stat fd_st, path_st;

  if (self->fd < 0 || fstat (self->fd, &fd_st) != 0)
    return FALSE;

  if (fd_st.st_nlink == 0)
    return TRUE;

  if (lstat (self->path, &path_st) != 0)
    return errno == ENOENT || errno == ENOTDIR;

  return path_st.st_ino != fd_st.st_ino || path_st.st_dev != fd_st.st_dev;
}

static gboolean chk_store_write_back (ChkStoreSqlite  *self,
                                      GError         **error);

static void
chk_store_check_file (ChkStoreSqlite *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *sentence = NULL;

  if (self->file_gone || !chk_store_file_is_gone (self))
    return;

  self->file_gone = TRUE;
  if (chk_store_write_back (self, &error))
    {
      /* The file is back: the next deletion is noticed too. */
      self->file_gone = FALSE;
      sentence = g_strdup_printf ("The database “%s” was deleted while in use: chronikerd "
                                  "wrote back what it had and goes on with it; remove it "
                                  "while chronikerd is stopped if you meant to.", self->path);
      chk_store_set_notice (self, sentence);
      return;
    }

  g_debug ("Could not write the deleted database back: %s", error->message);
  text = chk_store_describe_fault (self, FAULT_DELETED);
  sentence = chk_store_sentence (text);
  chk_store_set_notice (self, sentence);
}

static gboolean
chk_store_after_write_cb (gpointer user_data)
{
  ChkStoreSqlite *self = user_data;

  g_clear_pointer (&self->after_write_source, g_source_unref);

  if (self->fault != FAULT_NONE && self->write_serial > self->fault_serial)
    chk_store_clear_fault (self);

  chk_store_check_file (self);
  return G_SOURCE_REMOVE;
}

static gboolean
chk_store_log_notify_cb (gpointer user_data)
{
  ChkStoreSqlite *self = user_data;

  g_clear_pointer (&self->log_notify_source, g_source_unref);
  _chk_store_notify_log_behind (CHK_STORE (self));
  return G_SOURCE_REMOVE;
}

/* Ahead of the output, whose sources are always ready during a burst. */
static void
chk_store_notify_log_later (ChkStoreSqlite *self)
{
  GSource *source;

  if (self->log_notify_source != NULL || self->context == NULL)
    return;

  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_HIGH);
  self->log_notify_source = chk_source_attach (source, self->context, chk_store_log_notify_cb,
                                               self, "[chk-store] log behind");
}

/* The log holds @n_frames after a commit: past the limit, output waits
 * for the checkpoints (told from an idle, see below). Not without a
 * checkpointer, whose report alone ends the wait. */
static void
chk_store_watch_log (ChkStoreSqlite *self,
                     int             n_frames)
{
  self->log_frames = n_frames;
  if (self->log_behind || self->log_unbounded || self->checkpointer == NULL ||
      (guint64) n_frames * (guint64) (self->page_size + WAL_FRAME_HEADER_BYTES) < self->log_limit)
    return;

  self->log_behind = TRUE;
  self->log_behind_since = g_get_monotonic_time ();
  chk_store_notify_log_later (self);
}

/*
 * A checkpoint ended. The log's wait ends when it copied every frame up
 * to the last commit: the next write starts the log over. One that a
 * reader held back is tried again, for a while.
 */
static void
chk_store_checkpoint_done_cb (gboolean caught_up,
                              int      n_log,
                              gpointer user_data)
{
  ChkStoreSqlite *self = user_data;

  if (caught_up)
    self->log_unbounded = FALSE;
  if (!self->log_behind)
    return;

  if (!caught_up && g_get_monotonic_time () - self->log_behind_since > LOG_WAIT_MAX_US)
    {
      g_debug ("A reader keeps the log from being checkpointed; output no longer waits");
      self->log_unbounded = TRUE;
    }
  else if (!caught_up || n_log < self->log_frames)
    {
      chk_checkpointer_request (self->checkpointer);
      return;
    }

  self->log_behind = FALSE;
  _chk_store_notify_log_behind (CHK_STORE (self));
}

/*
 * Called by SQLite after each commit: a write worked. What follows runs
 * from an idle rather than here, inside sqlite3_step(), where handlers of
 * notify::problem must not call the store. Taking this hook replaces
 * SQLite's automatic checkpoint, hence the checkpoint: in the background
 * whenever it can be, see #ChkCheckpointer.
 */
static int
chk_store_wal_hook_cb (gpointer    user_data,
                       sqlite3    *db,
                       const char *name,
                       int         n_frames)
{
  ChkStoreSqlite *self = user_data;

  chk_store_watch_log (self, n_frames);
  if ((n_frames >= WAL_AUTOCHECKPOINT_PAGES || self->log_behind) &&
      (self->checkpointer == NULL || !chk_checkpointer_request (self->checkpointer)))
    sqlite3_wal_checkpoint_v2 (db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

  self->write_serial = ++self->serial;

  if (self->after_write_source == NULL && self->context != NULL &&
      (self->fault != FAULT_NONE || (!self->file_gone && chk_store_file_is_gone (self))))
    {
      self->after_write_source = chk_source_attach (g_idle_source_new (), self->context,
                                                    chk_store_after_write_cb, self,
                                                    "[chk-store] after write");
    }

  return SQLITE_OK;
}

/* The main loop runs: the daemon has started and serves. */
static gboolean
chk_store_serving_cb (gpointer user_data)
{
  ChkStoreSqlite *self = user_data;

  g_clear_pointer (&self->serving_source, g_source_unref);
  if (self->fault != FAULT_LOCKED)
    chk_store_set_busy_timeout (self, BUSY_TIMEOUT_MS);
  self->serving = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
chk_store_file_check_cb (gpointer user_data)
{
  chk_store_check_file (user_data);
  return G_SOURCE_CONTINUE;
}

/*
 * A write of the store's own, to learn whether the cause of a failure is
 * gone when nothing else writes: a row big enough to need new pages, and
 * taken out again in the same transaction, so no one ever sees it. It
 * never waits: the busy timeout is 0 while a lock is the fault.
 */
static gboolean
chk_store_probe_cb (gpointer user_data)
{
  ChkStoreSqlite *self = user_data;
  g_autoptr(GError) error = NULL;

  if (self->fault == FAULT_NONE)
    {
      g_clear_pointer (&self->probe_source, g_source_unref);
      return G_SOURCE_REMOVE;
    }

  /* Not between a caller's chk_store_begin() and its commit. */
  if (self->in_transaction)
    return G_SOURCE_CONTINUE;

  /* The WAL only grows until a checkpoint, up to tens of MiB: truncating
   * it gives its space back, which may be all the disk needed. Then no
   * probe on a disk with no room, where a write could only succeed by
   * reusing WAL space and would clear the fault too early. */
  if (self->fault == FAULT_FULL && chk_store_disk_is_full (self))
    {
      sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
      if (chk_store_disk_is_full (self))
        return G_SOURCE_CONTINUE;
    }

  if (chk_store_exec_sql (self,
                          "BEGIN IMMEDIATE;"
                          "INSERT INTO settings (key, type, value) "
                          "  VALUES ('chroniker-probe', 'ay', zeroblob(65536));"
                          "DELETE FROM settings WHERE key = 'chroniker-probe';"
                          "COMMIT;",
                          &error))
    {
      /* Unless runs kept meanwhile still cannot be written. */
      chk_store_clear_fault (self);
      return self->fault == FAULT_NONE ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
    }

  g_debug ("The store still fails: %s", error->message);
  if (!sqlite3_get_autocommit (self->db))
    chk_store_exec_sql (self, "ROLLBACK", NULL);
  return G_SOURCE_CONTINUE;
}

static void
chk_store_start_probe (ChkStoreSqlite *self)
{
  if (self->probe_source != NULL || self->context == NULL)
    return;

  self->probe_source = chk_source_attach (g_timeout_source_new_seconds (PROBE_INTERVAL_SECONDS),
                                          self->context, chk_store_probe_cb, self,
                                          "[chk-store] probe");
}

static gboolean
chk_store_migrate (ChkStoreSqlite  *self,
                   GError         **error)
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

static void
chk_store_close_fd (ChkStoreSqlite *self)
{
  if (self->fd >= 0)
    g_close (self->fd, NULL);
  self->fd = -1;
}

/* For the -wal and -shm files, which may not exist (yet); never through a
 * link someone put in their place. */
static gboolean
chk_store_make_private (const char  *path,
                        GError     **error)
{
  int fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  int saved_errno;

  if (fd >= 0 && fchmod (fd, 0600) == 0)
    {
      g_close (fd, NULL);
      return TRUE;
    }

  saved_errno = errno;
  if (fd >= 0)
    g_close (fd, NULL);

  if (saved_errno == ENOENT)
    return TRUE;

  g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE, "Could not make “%s” private: %s", path,
               saved_errno == ELOOP ? "it is a symbolic link" : g_strerror (saved_errno));
  return FALSE;
}

/*
 * Opens the database file itself, creating it if needed. Create it before
 * SQLite does, so that it is never readable by others, not even for a
 * moment; fchmod() because the umask trims the mode given to open(),
 * which does nothing for a file that exists. A link in the last
 * component is refused: the daemon would change the mode of, or create,
 * a file somewhere else than the user asked.
 */
static gboolean
chk_store_open_file (ChkStoreSqlite  *self,
                     GError         **error)
{
  g_autofree char *dir = g_path_get_dirname (self->path);
  struct stat st;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                   "Could not create the folder “%s”: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }

  g_assert (self->fd < 0);
  self->fd = open (self->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
  if (self->fd < 0)
    {
      int saved_errno = errno;

      if (saved_errno == ELOOP)
        g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                     "Could not open the database “%s”: it is a symbolic link; Chroniker "
                     "opens only a plain file there, so give the link's target with "
                     "--database, or remove the link", self->path);
      else
        g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                     "Could not open the database “%s” privately: %s",
                     self->path, g_strerror (saved_errno));
      return FALSE;
    }

  if (fstat (self->fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                   "Could not open the database “%s”: it is not a plain file", self->path);
      chk_store_close_fd (self);
      return FALSE;
    }

  if (fchmod (self->fd, 0600) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                   "Could not open the database “%s” privately: %s",
                   self->path, g_strerror (saved_errno));
      chk_store_close_fd (self);
      return FALSE;
    }

  return TRUE;
}

static gboolean
chk_store_open_db (ChkStoreSqlite  *self,
                   GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *wal = g_strconcat (self->path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (self->path, "-shm", NULL);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  const char *mode;
  int rc;

  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXRESCODE |
                        SQLITE_OPEN_NOFOLLOW,
                        NULL);
  if (rc != SQLITE_OK)
    {
      if (self->db == NULL)
        {
          g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                       "Could not open the database “%s”: out of memory", self->path);
          return FALSE;
        }

      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not open the database “%s”: ", self->path);
      return FALSE;
    }

  chk_store_set_busy_timeout (self, STARTUP_BUSY_TIMEOUT_MS);
  sqlite3_wal_hook (self->db, chk_store_wal_hook_cb, self);

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
                           "PRAGMA foreign_keys = ON;"
                           "PRAGMA journal_size_limit = " WAL_SIZE_LIMIT_BYTES ";",
                           error))
    {
      g_prefix_error (error, "Could not open the database “%s”: ", self->path);
      return FALSE;
    }

  if (!chk_store_migrate (self, error) ||
      !chk_store_query_int (self, "PRAGMA page_size", &self->page_size, error))
    {
      g_prefix_error (error, "Could not open the database “%s”: ", self->path);
      return FALSE;
    }

  /* SQLite gives -wal and -shm the mode of the database; this is for a
   * pair left behind with another mode. */
  if (!chk_store_make_private (wal, error) || !chk_store_make_private (shm, error))
    return FALSE;

  g_assert (self->checkpointer == NULL);
  self->checkpointer = chk_checkpointer_new (self->path, self->context,
                                             chk_store_checkpoint_done_cb, self, &local_error);
  if (self->checkpointer == NULL)
    g_debug ("%s", local_error->message);

  /* A connection given up for this one leaves its wait to this one. */
  if (self->log_behind &&
      (self->checkpointer == NULL || !chk_checkpointer_request (self->checkpointer)))
    {
      self->log_behind = FALSE;
      chk_store_notify_log_later (self);
    }

  return TRUE;
}

/*
 * Reads every page of every table and index once, so that a damaged page
 * is found at start-up, where the file can still be set aside, rather than
 * by a call much later.
 */
static gboolean
chk_store_check_integrity (ChkStoreSqlite  *self,
                           GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  const char *result;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA quick_check(1)", -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    {
      chk_store_set_sqlite_error (self, error);
      return FALSE;
    }

  result = (const char *) sqlite3_column_text (stmt, 0);
  if (g_strcmp0 (result, "ok") != 0)
    {
      self->last_failure = FAULT_DAMAGED;
      self->last_failure_rc = SQLITE_CORRUPT;
      g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE, "the database “%s” is damaged: %s",
                   self->path, result != NULL ? result : "");
      return FALSE;
    }

  return TRUE;
}

/* Drops the cached statements, which belong to the connection. */
static void
chk_store_finalize_stmts (ChkStoreSqlite *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->stmts); i++)
    g_clear_pointer (&self->stmts[i], sqlite3_finalize);
  for (guint i = 0; i < G_N_ELEMENTS (self->list_runs_stmts); i++)
    g_clear_pointer (&self->list_runs_stmts[i], sqlite3_finalize);
}

static void
chk_store_close_db (ChkStoreSqlite *self)
{
  /* First: the last connection to close checkpoints all that is left. */
  g_clear_pointer (&self->checkpointer, chk_checkpointer_free);
  chk_store_finalize_stmts (self);

  /* Closing rolls back an open transaction; with every statement
   * finalized it cannot be busy. */
  if (self->db != NULL && sqlite3_close (self->db) != SQLITE_OK)
    g_warning ("Could not close the database “%s”: %s", self->path, sqlite3_errmsg (self->db));
  self->db = NULL;

  /* Only now: see ChkStore.fd. */
  chk_store_close_fd (self);
}

/*
 * Writes the database back where it was deleted from, from the copy
 * SQLite still has open, and goes on with that: otherwise every job would
 * be gone at the next start. Only when nothing took the path meanwhile.
 *
 * SQLite finds the -wal and -shm of a database by name: the old ones must
 * never be paired with the new file. Their names go first (the old
 * connection keeps them open, and is told not to delete by name what
 * would then be the new file's), and the old connection is closed only
 * once the new one works, so that a failure leaves the store as it was.
 */
static gboolean
chk_store_write_back (ChkStoreSqlite  *self,
                      GError         **error)
{
  static const char * const suffixes[] = { "-wal", "-shm", "-journal" };
  g_autofree char *copy = g_strconcat (self->path, ".restoring", NULL);
  g_autofree char *dir = g_path_get_dirname (self->path);
  sqlite3 *old_db = self->db;
  int old_fd = self->fd;
  sqlite3 *dest = NULL;
  sqlite3_backup *backup;
  int persist = 1;
  int rc;
  int fd;

  if (self->in_transaction || !sqlite3_get_autocommit (self->db) ||
      g_file_test (self->path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK))
    return chk_set_error (error, CHK_ERROR_STORAGE, "not now, or something is at the path");

  if (g_mkdir_with_parents (dir, 0700) != 0)
    return chk_set_error (error, CHK_ERROR_STORAGE, "%s: %s", dir, g_strerror (errno));

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *leftover = g_strconcat (copy, suffixes[i], NULL);

      g_unlink (leftover);
    }
  g_unlink (copy);
  fd = open (copy, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return chk_set_error (error, CHK_ERROR_STORAGE, "%s: %s", copy, g_strerror (errno));
  g_close (fd, NULL);

  rc = sqlite3_open_v2 (copy, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
  backup = rc == SQLITE_OK ? sqlite3_backup_init (dest, "main", self->db, "main") : NULL;
  if (backup != NULL)
    {
      sqlite3_backup_step (backup, -1);
      rc = sqlite3_backup_finish (backup);
    }
  else if (rc == SQLITE_OK)
    {
      rc = sqlite3_errcode (dest);
    }
  if (sqlite3_close (dest) != SQLITE_OK && rc == SQLITE_OK)
    rc = SQLITE_ERROR;
  if (rc != SQLITE_OK)
    {
      g_unlink (copy);
      return chk_set_error (error, CHK_ERROR_STORAGE, "could not copy it: %s", sqlite3_errstr (rc));
    }

  /* link() rather than rename(): never over a file that came meanwhile. */
  if (link (copy, self->path) != 0)
    {
      int saved_errno = errno;

      g_unlink (copy);
      return chk_set_error (error, CHK_ERROR_STORAGE, "%s: %s", self->path,
                            g_strerror (saved_errno));
    }
  g_unlink (copy);

  sqlite3_file_control (old_db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *old_name = g_strconcat (self->path, suffixes[i], NULL);

      g_unlink (old_name);
    }

  /* It has the deleted file open; the new file gets its own. */
  g_clear_pointer (&self->checkpointer, chk_checkpointer_free);
  chk_store_finalize_stmts (self);
  self->db = NULL;
  self->fd = -1;

  if (!chk_store_open_file (self, error) || !chk_store_open_db (self, error))
    {
      /* Back to the deleted file, which still works. */
      chk_store_close_db (self);
      self->db = old_db;
      self->fd = old_fd;
      return FALSE;
    }

  chk_store_set_busy_timeout (self, chk_store_busy_timeout (self));
  if (sqlite3_close (old_db) != SQLITE_OK)
    g_warning ("Could not close the deleted database: %s", sqlite3_errmsg (old_db));
  g_close (old_fd, NULL);
  return TRUE;
}

/* The names of the columns @table has in both databases, quoted, joined by commas. */
static char *
chk_store_common_columns (sqlite3    *from,
                          sqlite3    *to,
                          const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT name FROM pragma_table_info('%s')", table);
  g_autoptr(sqlite3_stmt) from_stmt = NULL;
  g_autoptr(sqlite3_stmt) to_stmt = NULL;
  g_autoptr(GHashTable) from_columns = NULL;
  g_autoptr(GString) columns = g_string_new (NULL);

  if (sqlite3_prepare_v2 (from, sql, -1, &from_stmt, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (to, sql, -1, &to_stmt, NULL) != SQLITE_OK)
    return NULL;

  from_columns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  while (sqlite3_step (from_stmt) == SQLITE_ROW)
    g_hash_table_add (from_columns, g_strdup ((const char *) sqlite3_column_text (from_stmt, 0)));

  while (sqlite3_step (to_stmt) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (to_stmt, 0);

      if (name == NULL || !g_hash_table_contains (from_columns, name))
        continue;
      if (columns->len > 0)
        g_string_append (columns, ", ");
      g_string_append_printf (columns, "\"%s\"", name);
    }

  if (columns->len == 0)
    return NULL;

  return g_string_free (g_steal_pointer (&columns), FALSE);
}

/* Whether a read of @table from past @position gets anywhere. */
static gboolean
chk_store_seek_works (sqlite3_stmt *select,
                      gint64        position)
{
  int rc;

  sqlite3_reset (select);
  sqlite3_bind_int64 (select, 1, position);
  rc = sqlite3_step (select);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/*
 * Copies the rows of @table that can still be read from a damaged
 * database, in rowid order. A damaged page ends a scan: the next rowid a
 * read works from is found by doubling steps past the failure, then
 * narrowed down, so that only the rows of the damaged pages are lost.
 * Rows the new database refuses (a run of a job that was lost) are left
 * out.
 */
static guint
chk_store_copy_table (ChkStoreSqlite *self,
                      sqlite3        *from,
                      const char     *table)
{
  g_autofree char *columns = chk_store_common_columns (from, self->db, table);
  g_autofree char *select_sql = NULL;
  g_autoptr(GString) insert_sql = NULL;
  g_autoptr(sqlite3_stmt) select = NULL;
  g_autoptr(sqlite3_stmt) insert = NULL;
  gint64 position = G_MININT64;
  guint n_columns;
  guint copied = 0;

  if (columns == NULL)
    return 0;

  select_sql = g_strdup_printf ("SELECT rowid, %s FROM \"%s\" WHERE rowid > ?1 ORDER BY rowid",
                                columns, table);
  if (sqlite3_prepare_v2 (from, select_sql, -1, &select, NULL) != SQLITE_OK)
    return 0;

  n_columns = sqlite3_column_count (select) - 1;
  insert_sql = g_string_new (NULL);
  g_string_append_printf (insert_sql, "INSERT INTO main.\"%s\" (%s) VALUES (", table, columns);
  for (guint i = 0; i < n_columns; i++)
    g_string_append (insert_sql, i == 0 ? "?" : ", ?");
  g_string_append (insert_sql, ")");
  if (sqlite3_prepare_v2 (self->db, insert_sql->str, -1, &insert, NULL) != SQLITE_OK)
    return 0;

  for (;;)
    {
      gint64 bad;
      gint64 good = 0;
      gboolean found = FALSE;
      int rc;

      sqlite3_reset (select);
      sqlite3_bind_int64 (select, 1, position);
      while ((rc = sqlite3_step (select)) == SQLITE_ROW)
        {
          position = sqlite3_column_int64 (select, 0);
          for (guint i = 0; i < n_columns; i++)
            sqlite3_bind_value (insert, i + 1, sqlite3_column_value (select, i + 1));
          if (sqlite3_step (insert) == SQLITE_DONE)
            copied++;
          sqlite3_reset (insert);
          sqlite3_clear_bindings (insert);
        }

      if (rc == SQLITE_DONE)
        break;

      bad = position;
      for (gint64 step = 1; step > 0 && bad <= G_MAXINT64 - step; step *= 2)
        {
          if (chk_store_seek_works (select, bad + step))
            {
              good = bad + step;
              found = TRUE;
              break;
            }
        }
      if (!found)
        break;

      while (good - bad > 1)
        {
          gint64 middle = bad + (good - bad) / 2;

          if (chk_store_seek_works (select, middle))
            good = middle;
          else
            bad = middle;
        }
      position = good;
    }

  return copied;
}

/* Keeps ids never reused: a new job must not get the id of one lost. */
static void
chk_store_copy_sequences (ChkStoreSqlite *self,
                          sqlite3        *from)
{
  g_autoptr(sqlite3_stmt) select = NULL;
  g_autoptr(sqlite3_stmt) update = NULL;
  g_autoptr(sqlite3_stmt) insert = NULL;

  if (sqlite3_prepare_v2 (from, "SELECT name, seq FROM sqlite_sequence", -1,
                          &select, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (self->db,
                          "UPDATE sqlite_sequence SET seq = MAX (seq, ?2) WHERE name = ?1", -1,
                          &update, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (self->db, "INSERT INTO sqlite_sequence (name, seq) VALUES (?1, ?2)",
                          -1, &insert, NULL) != SQLITE_OK)
    return;

  while (sqlite3_step (select) == SQLITE_ROW)
    {
      sqlite3_stmt *stmt;

      sqlite3_bind_value (update, 1, sqlite3_column_value (select, 0));
      sqlite3_bind_value (update, 2, sqlite3_column_value (select, 1));
      sqlite3_step (update);
      stmt = sqlite3_changes (self->db) == 0 ? insert : update;
      sqlite3_reset (update);
      if (stmt == insert)
        {
          sqlite3_bind_value (insert, 1, sqlite3_column_value (select, 0));
          sqlite3_bind_value (insert, 2, sqlite3_column_value (select, 1));
          sqlite3_step (insert);
          sqlite3_reset (insert);
        }
    }
}

/*
 * Sets a damaged database aside, kept for the user with its -wal and -shm
 * (under the same new name, so that SQLite still pairs them), makes a new
 * one and copies into it what can still be read. The daemon starts either
 * way, and the notice says where the damaged copy is.
 */
static gboolean
chk_store_recover (ChkStoreSqlite  *self,
                   const char      *why,
                   GError         **error)
{
  static const char * const suffixes[] = { "", "-wal", "-shm" };
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *damaged = g_strdup_printf ("%s.damaged-%s", self->path, stamp);
  g_autofree char *notice = NULL;
  sqlite3 *from = NULL;
  guint jobs = 0;
  guint runs = 0;
  int rc;

  g_debug ("The database “%s” is damaged (%s): setting it aside and recovering what can "
           "still be read", self->path, why);
  chk_store_close_db (self);

  /* Two recoveries in the same second must not overwrite the first copy. */
  for (guint i = 2; g_file_test (damaged, G_FILE_TEST_EXISTS); i++)
    {
      g_free (damaged);
      damaged = g_strdup_printf ("%s.damaged-%s-%u", self->path, stamp, i);
    }

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *source = g_strconcat (self->path, suffixes[i], NULL);
      g_autofree char *target = g_strconcat (damaged, suffixes[i], NULL);

      if (g_rename (source, target) != 0 && (errno != ENOENT || i == 0))
        {
          int saved_errno = errno;

          g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                       "The database “%s” is damaged (%s) and could not be set aside: %s",
                       self->path, why, g_strerror (saved_errno));
          return FALSE;
        }
    }

  if (!chk_store_open_file (self, error) || !chk_store_open_db (self, error))
    {
      g_prefix_error (error, "Could not make a new database after setting the damaged one "
                      "aside as “%s”: ", damaged);
      return FALSE;
    }

  rc = sqlite3_open_v2 (damaged, &from, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL);
  if (rc == SQLITE_OK && chk_store_exec_sql (self, "BEGIN IMMEDIATE", NULL))
    {
      jobs = chk_store_copy_table (self, from, "jobs");
      chk_store_copy_table (self, from, "settings");
      runs = chk_store_copy_table (self, from, "runs");
      chk_store_copy_table (self, from, "output");
      chk_store_copy_sequences (self, from);

      if (!chk_store_exec_sql (self, "COMMIT", error))
        {
          chk_store_undo (self);
          sqlite3_close (from);
          g_prefix_error (error, "Could not store what was recovered from the damaged database "
                          "“%s”: ", damaged);
          return FALSE;
        }
    }
  sqlite3_close (from);

  notice = g_strdup_printf ("The database was damaged (%s): it was kept as “%s”, and a new "
                            "one holds the %u jobs and %u runs that could still be read from it.",
                            why, damaged, jobs, runs);
  g_free (self->notice);
  self->notice = g_steal_pointer (&notice);
  g_warning ("%s", self->notice);
  chk_store_update_problem (self);
  return TRUE;
}

static gboolean
chk_store_open_or_recover (ChkStoreSqlite  *self,
                           GError         **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!chk_store_open_file (self, error))
    return FALSE;

  self->opening = TRUE;
  self->last_failure = FAULT_NONE;
  if (chk_store_open_db (self, &local_error) && chk_store_check_integrity (self, &local_error))
    {
      self->opening = FALSE;
      return TRUE;
    }
  self->opening = FALSE;

  if (self->last_failure != FAULT_DAMAGED)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  g_debug ("%s", local_error->message);
  return chk_store_recover (self, sqlite3_errstr (self->last_failure_rc), error);
}

static gboolean
chk_store_initable_init (GInitable     *initable,
                         GCancellable  *cancellable,
                         GError       **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (initable);

  g_return_val_if_fail (self->path != NULL, FALSE);

  /* Probes and checks run where the store was made: the daemon's main loop. */
  self->context = g_main_context_ref_thread_default ();

  self->output_files = chk_output_files_new (self->path);
  if (!chk_store_open_or_recover (self, error))
    return FALSE;

  /* What a crash left: files of runs never committed or deleted, records
   * past the committed ones. */
  chk_output_files_sweep (self->output_files, chk_store_output_end_cb, self);

  /* Also while nothing is written, without waking to poll. */
  self->file_check_source =
    chk_source_attach (chk_file_watch_source_new (self->path, FILE_CHECK_INTERVAL_SECONDS),
                       self->context, chk_store_file_check_cb, self, "[chk-store] file check");

  self->serving_source = g_idle_source_new ();
  g_source_set_callback (self->serving_source, chk_store_serving_cb, self, NULL);
  g_source_set_static_name (self->serving_source, "[chk-store] serving");
  g_source_attach (self->serving_source, self->context);

  return TRUE;
}

static void
chk_store_initable_iface_init (GInitableIface *iface)
{
  iface->init = chk_store_initable_init;
}

static void
chk_store_sqlite_finalize (GObject *object)
{
  ChkStoreSqlite *self = (ChkStoreSqlite *)object;

  if (self->in_transaction)
    g_warning ("A store was finalized inside a transaction; it is rolled back");

  chk_store_close_db (self);

  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->fault_text, g_free);
  g_clear_pointer (&self->notice, g_free);
  g_clear_pointer (&self->problem, g_free);
  g_clear_pointer (&self->pending_runs, g_hash_table_unref);
  g_clear_pointer (&self->output_files, chk_output_files_free);
  g_clear_pointer (&self->output_holes, g_array_unref);

  G_OBJECT_CLASS (chk_store_sqlite_parent_class)->finalize (object);
}

static void
chk_store_sqlite_dispose (GObject *object)
{
  ChkStoreSqlite *self = (ChkStoreSqlite *)object;
  GSource **sources[] = {
    &self->probe_source, &self->after_write_source, &self->file_check_source,
    &self->serving_source, &self->log_notify_source,
  };

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      if (*sources[i] != NULL)
        g_source_destroy (*sources[i]);
      g_clear_pointer (sources[i], g_source_unref);
    }
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (chk_store_sqlite_parent_class)->dispose (object);
}

static void
chk_store_sqlite_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (object);

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
chk_store_sqlite_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static const char *
chk_store_sqlite_get_path (ChkStore *store)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);

  return self->path;
}

static void
chk_store_sqlite_release_memory (ChkStore *store)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);

  sqlite3_db_release_memory (self->db);
}

static guint
chk_store_sqlite_get_schema_version (ChkStore *store)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);

  return self->schema_version;
}

static const char *
chk_store_sqlite_get_problem (ChkStore *store)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);

  return self->problem != NULL ? self->problem : "";
}

static gboolean
chk_store_sqlite_get_log_behind (ChkStore *store)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);

  return self->log_behind;
}

static void
chk_store_sqlite_set_log_limit (ChkStore *store,
                                guint64   bytes)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);

  self->log_limit = MAX (bytes, 1);
}

static void
chk_store_sqlite_set_output_file_min (ChkStore *store,
                                      gsize     bytes)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);

  self->output_file_min = bytes;
}

static gboolean
chk_store_sqlite_is_failing (ChkStore *store)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);

  return self->fault != FAULT_NONE;
}

/* For chk_output_files_sweep(): whether a run exists, and where its
 * file's records end. A run the database cannot say about is kept. */
static gboolean chk_store_get_output_end (ChkStoreSqlite  *self,
                                          guint64          run_id,
                                          guint64         *out_end,
                                          GError         **error);

static gboolean
chk_store_output_end_cb (guint64   run_id,
                         guint64  *out_end,
                         gpointer  user_data)
{
  ChkStoreSqlite *self = user_data;
  g_autoptr(GError) error = NULL;

  if (chk_store_get_output_end (self, run_id, out_end, &error))
    return TRUE;
  if (g_error_matches (error, CHK_ERROR, CHK_ERROR_NOT_FOUND))
    return FALSE;

  g_debug ("Kept the output file of run %" G_GUINT64_FORMAT ": %s", run_id, error->message);
  *out_end = G_MAXUINT64;
  return TRUE;
}

/* What deleting output or runs leaves to do to the output files, done once
 * it is committed: before, a rollback would bring back rows whose records
 * were gone. */
static void
chk_store_output_committed (ChkStoreSqlite *self)
{
  for (guint i = 0; i < self->output_holes->len; i++)
    {
      ChkOutputHole *hole = &g_array_index (self->output_holes, ChkOutputHole, i);

      chk_output_files_punch (self->output_files, hole->run_id, hole->offset, hole->length);
    }
  g_array_set_size (self->output_holes, 0);

  if (self->output_sweep_wanted)
    {
      self->output_sweep_wanted = FALSE;
      chk_output_files_sweep (self->output_files, chk_store_output_end_cb, self);
    }
}

/* After a change to the output files is committed, at once, or at the
 * commit of the caller's transaction. */
static void
chk_store_output_changed (ChkStoreSqlite *self)
{
  if (!self->in_transaction)
    chk_store_output_committed (self);
}

/* After the statement that deleted runs, if it did: their files go. */
static void
chk_store_runs_deleted (ChkStoreSqlite *self)
{
  if (sqlite3_changes (self->db) == 0)
    return;

  self->output_sweep_wanted = TRUE;
  chk_store_output_changed (self);
}

static gboolean
chk_store_sqlite_begin (ChkStore  *store,
                        GError   **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);

  self->commit_failed = FALSE;
  if (!chk_store_exec_cached (self, STMT_BEGIN, error))
    {
      g_prefix_error (error, "Could not begin a transaction: ");
      return FALSE;
    }

  self->in_transaction = TRUE;
  return TRUE;
}

static gboolean
chk_store_sqlite_commit (ChkStore  *store,
                         GError   **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);

  self->in_transaction = FALSE;

  if (sqlite3_get_autocommit (self->db))
    {
      self->commit_failed = TRUE;
      g_array_set_size (self->output_holes, 0);
      g_set_error_literal (error, CHK_ERROR, CHK_ERROR_STORAGE,
                           "Could not commit: the transaction was rolled back after an "
                           "earlier error");
      return FALSE;
    }

  /* A COMMIT that fails on a full disk may have rolled back already, or
   * (locked) left the transaction open: chk_store_undo() looks. */
  if (!chk_store_exec_cached (self, STMT_COMMIT, error))
    {
      self->commit_failed = TRUE;
      chk_store_undo (self);
      g_array_set_size (self->output_holes, 0);
      g_prefix_error (error, "Could not commit: ");
      return FALSE;
    }

  chk_store_output_committed (self);
  return TRUE;
}

static void
chk_store_sqlite_rollback (ChkStore *store)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);

  /* The commit that failed ended the transaction already; callers that
   * roll back after it anyway are right to, and have nothing left to do. */
  if (!self->in_transaction && self->commit_failed)
    {
      self->commit_failed = FALSE;
      return;
    }

  g_return_if_fail (self->in_transaction);

  self->in_transaction = FALSE;
  chk_store_undo (self);
  g_array_set_size (self->output_holes, 0);
}

static gboolean
chk_store_sqlite_in_transaction (ChkStore *store)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);

  return self->in_transaction;
}

/* Binds a job's @name at @index and the normal form of its @spec right
 * after it, then steps @stmt, which adds or updates the job: a name
 * another job has is %CHK_ERROR_ALREADY_EXISTS.
 */
static gboolean
chk_store_step_job (ChkStoreSqlite  *self,
                    sqlite3_stmt    *stmt,
                    int              index,
                    const char      *name,
                    GVariant        *spec,
                    GError         **error)
{
  g_autoptr(GVariant) normal = g_variant_get_normal_form (spec);
  int rc;

  chk_store_bind_text (stmt, index, name);
  rc = chk_store_bind_bytes (stmt, index + 1, g_variant_get_data (normal),
                             g_variant_get_size (normal));
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
      return FALSE;
    }

  return TRUE;
}

static gboolean
chk_store_sqlite_add_job (ChkStore    *store,
                          const char  *name,
                          GVariant    *spec,
                          gint64       created,
                          guint64     *out_id,
                          GError     **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(ChkCachedStmt) stmt = NULL;

  owned = g_variant_ref_sink (spec);

  stmt = chk_store_get_stmt (self, STMT_ADD_JOB, error);
  if (stmt != NULL)
    sqlite3_bind_int64 (stmt, 3, created);

  if (stmt == NULL || !chk_store_step_job (self, stmt, 1, name, owned, error))
    {
      _chk_store_prefix_error (error, "Could not add job “%s”: ", name);
      return FALSE;
    }

  if (out_id != NULL)
    *out_id = sqlite3_last_insert_rowid (self->db);

  return TRUE;
}

static gboolean
chk_store_sqlite_update_job (ChkStore    *store,
                             guint64      id,
                             const char  *name,
                             GVariant    *spec,
                             GError     **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(ChkCachedStmt) stmt = NULL;

  owned = g_variant_ref_sink (spec);

  stmt = chk_store_get_stmt (self, STMT_UPDATE_JOB, error);
  if (stmt != NULL)
    sqlite3_bind_int64 (stmt, 1, id);

  if (stmt == NULL || !chk_store_step_job (self, stmt, 2, name, owned, error) ||
      !chk_store_check_changed (self, "job", id, error))
    {
      _chk_store_prefix_error (error, "Could not update job %" G_GUINT64_FORMAT ": ", id);
      return FALSE;
    }

  return TRUE;
}

static gboolean
chk_store_sqlite_delete_job (ChkStore  *store,
                             guint64    id,
                             GError   **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);
  g_autoptr(ChkCachedStmt) stmt = NULL;

  /* One statement: the cascade to runs and output is part of it. */
  stmt = chk_store_get_stmt (self, STMT_DELETE_JOB, error);
  if (stmt != NULL)
    sqlite3_bind_int64 (stmt, 1, id);

  if (stmt == NULL || !chk_store_step_change (self, stmt, "job", id, error))
    {
      _chk_store_prefix_error (error, "Could not delete job %" G_GUINT64_FORMAT ": ", id);
      return FALSE;
    }

  chk_store_runs_deleted (self);
  return TRUE;
}

static ChkStoreJob *
chk_store_sqlite_get_job (ChkStore  *store,
                          guint64    id,
                          GError   **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);

  return chk_store_read_by_id (self, STMT_GET_JOB, "job", id,
                               (ChkStoreRowFunc) chk_store_job_from_stmt, error);
}

/* Every job, oldest first, as @read_row reads the rows of statement @which */
static GPtrArray *
list_jobs (ChkStoreSqlite   *self,
           ChkStoreStmt      which,
           ChkStoreRowFunc   read_row,
           GError          **error)
{
  g_autoptr(ChkCachedStmt) stmt = chk_store_get_stmt (self, which, error);
  GPtrArray *jobs = NULL;

  if (stmt != NULL)
    jobs = chk_store_collect_rows (self, stmt, read_row, (GDestroyNotify) chk_store_job_free,
                                   error);
  if (jobs == NULL)
    g_prefix_error (error, "Could not list jobs: ");

  return jobs;
}

static GPtrArray *
chk_store_sqlite_list_jobs (ChkStore  *store,
                            GError   **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);

  return list_jobs (self, STMT_LIST_JOBS, (ChkStoreRowFunc) chk_store_job_from_stmt, error);
}

static GPtrArray *
chk_store_sqlite_list_job_times (ChkStore  *store,
                                 GError   **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);

  return list_jobs (self, STMT_LIST_JOB_TIMES, (ChkStoreRowFunc) chk_store_job_time_from_stmt,
                    error);
}

static gboolean
chk_store_sqlite_foreach_job (ChkStore         *store,
                              ChkStoreJobFunc   func,
                              gpointer          user_data,
                              GError          **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);
  g_autoptr(ChkCachedStmt) stmt = NULL;
  int rc;

  stmt = chk_store_get_stmt (self, STMT_LOAD_JOBS, error);
  if (stmt == NULL)
    {
      g_prefix_error (error, "Could not list jobs: ");
      return FALSE;
    }

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(ChkRunRecord) last_run = NULL;
      g_autoptr(GVariant) spec = NULL;
      const unsigned char *name = sqlite3_column_text (stmt, 1);
      ChkStoreJob job;

      spec = g_variant_ref_sink (g_variant_new_from_data (G_VARIANT_TYPE_VARDICT,
                                                          sqlite3_column_blob (stmt, 2),
                                                          sqlite3_column_bytes (stmt, 2),
                                                          FALSE, NULL, NULL));
      job = (ChkStoreJob) {
        .id = sqlite3_column_int64 (stmt, 0),
        .name = name != NULL ? (char *) name : "",
        .spec = spec,
        .created = sqlite3_column_int64 (stmt, 3),
      };
      if (sqlite3_column_type (stmt, 4) != SQLITE_NULL)
        last_run = chk_run_record_from_columns (stmt, 4);

      if (!func (&job, last_run, user_data, error))
        return FALSE;
    }

  if (rc != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not list jobs: ");
      return FALSE;
    }

  return TRUE;
}

static gboolean
chk_store_sqlite_add_run (ChkStore      *store,
                          ChkRunRecord  *run,
                          GError       **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);
  g_autoptr(ChkCachedStmt) stmt = NULL;
  int rc;

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
      _chk_store_set_not_found (error, "job", run->job_id);
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

static gboolean
chk_store_sqlite_update_run (ChkStore            *store,
                             const ChkRunRecord  *run,
                             GError             **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);
  g_autoptr(ChkCachedStmt) stmt = NULL;

  stmt = chk_store_get_stmt (self, STMT_UPDATE_RUN, error);
  if (stmt == NULL)
    {
      g_prefix_error (error, "Could not update run %" G_GUINT64_FORMAT ": ", run->id);
      return FALSE;
    }

  chk_store_bind_run (stmt, run);
  if (!chk_store_step_done (self, stmt, error))
    {
      /* Inside a caller's transaction the update goes with its fate. */
      if (self->fault != FAULT_NONE && !self->in_transaction)
        {
          ChkRunRecord *copy = chk_run_record_copy (run);

          g_hash_table_replace (self->pending_runs, &copy->id, copy);
          g_prefix_error (error, "Could not update run %" G_GUINT64_FORMAT " yet (it is kept "
                          "until the database works again): ", run->id);
        }
      else
        {
          g_prefix_error (error, "Could not update run %" G_GUINT64_FORMAT ": ", run->id);
        }
      return FALSE;
    }

  /* Newer than a copy kept from a failed update. */
  g_hash_table_remove (self->pending_runs, &run->id);

  return chk_store_check_changed (self, "run", run->id, error);
}

/* Writes the run records kept by chk_store_update_run(); keeps those that
 * fail again. */
static gboolean
chk_store_flush_pending_runs (ChkStoreSqlite *self)
{
  g_autoptr(GPtrArray) runs = NULL;
  GHashTableIter iter;
  gpointer value;

  if (g_hash_table_size (self->pending_runs) == 0)
    return TRUE;
  if (self->in_transaction)
    return FALSE;

  /* chk_store_update_run() takes them out of the table as they succeed. */
  runs = g_ptr_array_new_with_free_func ((GDestroyNotify) chk_run_record_free);
  g_hash_table_iter_init (&iter, self->pending_runs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (runs, chk_run_record_copy (value));

  for (guint i = 0; i < runs->len; i++)
    {
      ChkRunRecord *run = g_ptr_array_index (runs, i);
      g_autoptr(GError) error = NULL;

      if (chk_store_update_run (CHK_STORE (self), run, &error))
        {
          g_message ("Run %" G_GUINT64_FORMAT " of “%s” is stored now: %s", run->id,
                     run->job_name != NULL ? run->job_name : "", run->outcome);
        }
      else if (g_error_matches (error, CHK_ERROR, CHK_ERROR_NOT_FOUND))
        {
          /* Deleted with its job meanwhile. */
          g_hash_table_remove (self->pending_runs, &run->id);
        }
      else
        {
          g_debug ("Run %" G_GUINT64_FORMAT " still waits to be stored: %s", run->id,
                   error->message);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
chk_store_sqlite_set_run_alert_error (ChkStore    *store,
                                      guint64      run_id,
                                      const char  *message,
                                      GError     **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);
  g_autoptr(ChkCachedStmt) stmt = NULL;

  stmt = chk_store_get_stmt (self, STMT_SET_RUN_ALERT_ERROR, error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, run_id);
  chk_store_bind_text (stmt, 2, message);
  if (!chk_store_step_change (self, stmt, "run", run_id, error))
    {
      _chk_store_prefix_error (error, "Could not update run %" G_GUINT64_FORMAT ": ", run_id);
      return FALSE;
    }

  return TRUE;
}

static ChkRunRecord *
chk_store_sqlite_get_run (ChkStore  *store,
                          guint64    id,
                          GError   **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);

  return chk_store_read_by_id (self, STMT_GET_RUN, "run", id,
                               (ChkStoreRowFunc) chk_run_record_from_stmt, error);
}

static ChkRunRecord *
chk_store_sqlite_get_last_run (ChkStore  *store,
                               guint64    job_id,
                               GError   **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);
  g_autoptr(ChkCachedStmt) stmt = NULL;
  gboolean found = FALSE;

  stmt = chk_store_get_stmt (self, STMT_GET_LAST_RUN, error);
  if (stmt != NULL)
    sqlite3_bind_int64 (stmt, 1, job_id);

  if (stmt == NULL || !chk_store_step_row (self, stmt, &found, error))
    {
      g_prefix_error (error, "Could not read the last run of job %" G_GUINT64_FORMAT ": ", job_id);
      return NULL;
    }

  return found ? chk_run_record_from_stmt (stmt) : NULL;
}

/* A set of job ids as SQL reads it, through json_each(): "[1,2,3]" */
static char *
job_ids_to_json (GArray *job_ids)
{
  GString *json = g_string_new ("[");

  for (guint i = 0; i < job_ids->len; i++)
    g_string_append_printf (json, "%s%" G_GUINT64_FORMAT, i > 0 ? "," : "",
                            g_array_index (job_ids, guint64, i));
  g_string_append_c (json, ']');
  return g_string_free (json, FALSE);
}

static sqlite3_stmt *
chk_store_get_list_runs_stmt (ChkStoreSqlite  *self,
                              guint            filters,
                              GError         **error)
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
      if (filters & RUN_FILTER_JOB_SET)
        g_string_append (sql, " AND job_id IN (SELECT value FROM json_each (?6))");
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
chk_store_collect_runs (ChkStoreSqlite  *self,
                        sqlite3_stmt    *stmt,
                        GError         **error)
{
  return chk_store_collect_rows (self, stmt, (ChkStoreRowFunc) chk_run_record_from_stmt,
                                 (GDestroyNotify) chk_run_record_free, error);
}

static GPtrArray *
chk_store_sqlite_list_runs (ChkStore            *store,
                            const ChkRunFilter  *filter,
                            GError             **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);

  static const ChkRunFilter no_filter = { 0, };
  g_autoptr(ChkCachedStmt) stmt = NULL;
  g_autofree char *job_ids = NULL;
  GPtrArray *runs = NULL;
  guint filters = 0;

  if (filter == NULL)
    filter = &no_filter;

  if (filter->job_id != 0)
    filters |= RUN_FILTER_JOB;
  if (filter->outcome != NULL)
    filters |= RUN_FILTER_OUTCOME;
  if (filter->since != 0)
    filters |= RUN_FILTER_SINCE;
  if (filter->job_ids != NULL)
    {
      filters |= RUN_FILTER_JOB_SET;
      job_ids = job_ids_to_json (filter->job_ids);
    }

  stmt = chk_store_get_list_runs_stmt (self, filters, error);
  if (stmt != NULL)
    {
      /* Parameters a statement does not use are simply not bound. */
      if (filters & RUN_FILTER_JOB)
        sqlite3_bind_int64 (stmt, 1, filter->job_id);
      if (filters & RUN_FILTER_OUTCOME)
        chk_store_bind_text (stmt, 2, filter->outcome);
      if (filters & RUN_FILTER_SINCE)
        sqlite3_bind_int64 (stmt, 3, filter->since);
      if (filters & RUN_FILTER_JOB_SET)
        chk_store_bind_text (stmt, 6, job_ids);
      sqlite3_bind_int64 (stmt, 4, filter->limit != 0 ? filter->limit : 100);
      sqlite3_bind_int64 (stmt, 5, filter->offset);
      runs = chk_store_collect_runs (self, stmt, error);
    }

  if (runs == NULL)
    g_prefix_error (error, "Could not list runs: ");

  return runs;
}

/* chk_store_get_stats() of one job, of all, or of the set @job_ids
 * (job_ids_to_json()) */
static GArray *
get_stats (ChkStoreSqlite  *self,
           guint64          job_id,
           const char      *job_ids,
           gint64           since,
           gint64           until,
           guint            n_buckets,
           GError         **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;
  g_autoptr(ChkStatsCounter) counter = NULL;
  int rc;

  if (since == 0)
    {
      gboolean found;

      stmt = chk_store_get_stmt (self, job_ids != NULL ? STMT_SET_FIRST_RUN :
                                       job_id != 0 ? STMT_JOB_FIRST_RUN : STMT_ALL_FIRST_RUN,
                                 error);
      if (stmt == NULL)
        return NULL;
      if (job_ids != NULL)
        chk_store_bind_text (stmt, 1, job_ids);
      else
        sqlite3_bind_int64 (stmt, 1, job_id);
      if (!chk_store_step_row (self, stmt, &found, error))
        return NULL;
      since = found && sqlite3_column_type (stmt, 0) != SQLITE_NULL ?
              sqlite3_column_int64 (stmt, 0) : until;
      g_clear_pointer (&stmt, chk_cached_stmt_release);
    }

  counter = _chk_stats_counter_new (since, until, n_buckets);
  stmt = chk_store_get_stmt (self, job_ids != NULL ? STMT_SET_STATS :
                                   job_id != 0 ? STMT_JOB_STATS : STMT_ALL_STATS, error);
  if (stmt == NULL)
    return NULL;
  if (job_ids != NULL)
    chk_store_bind_text (stmt, 1, job_ids);
  else
    sqlite3_bind_int64 (stmt, 1, job_id);
  sqlite3_bind_int64 (stmt, 2, since);
  sqlite3_bind_int64 (stmt, 3, _chk_stats_counter_get_end (counter));

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    _chk_stats_counter_add (counter, sqlite3_column_int64 (stmt, 0),
                            sqlite3_column_int64 (stmt, 1),
                            (const char *) sqlite3_column_text (stmt, 2));
  if (rc != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      g_prefix_error (error, "Could not count runs: ");
      return NULL;
    }

  return _chk_stats_counter_end (g_steal_pointer (&counter));
}

static GArray *
chk_store_sqlite_get_stats (ChkStore  *store,
                            guint64    job_id,
                            gint64     since,
                            gint64     until,
                            guint      n_buckets,
                            GError   **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);

  return get_stats (self, job_id, NULL, since, until, n_buckets, error);
}

static GArray *
chk_store_sqlite_get_stats_of_jobs (ChkStore  *store,
                                    GArray    *job_ids,
                                    gint64     since,
                                    gint64     until,
                                    guint      n_buckets,
                                    GError   **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);

  g_autofree char *json = NULL;

  json = job_ids_to_json (job_ids);
  return get_stats (self, 0, json, since, until, n_buckets, error);
}

static GPtrArray *
chk_store_sqlite_list_unfinished_runs (ChkStore  *store,
                                       GError   **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);
  g_autoptr(ChkCachedStmt) stmt = NULL;
  GPtrArray *runs = NULL;

  stmt = chk_store_get_stmt (self, STMT_LIST_UNFINISHED_RUNS, error);
  if (stmt != NULL)
    runs = chk_store_collect_runs (self, stmt, error);
  if (runs == NULL)
    g_prefix_error (error, "Could not list unfinished runs: ");

  return runs;
}

static gboolean
chk_store_sqlite_purge_runs (ChkStore  *store,
                             gint64     before,
                             guint     *out_deleted,
                             GError   **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);
  g_autoptr(ChkCachedStmt) stmt = NULL;

  /* One statement: the cascade to the output is part of it. */
  stmt = chk_store_get_stmt (self, STMT_PURGE_RUNS, error);
  if (stmt != NULL)
    sqlite3_bind_int64 (stmt, 1, before);

  if (stmt == NULL || !chk_store_step_done (self, stmt, error))
    {
      g_prefix_error (error, "Could not purge runs: ");
      return FALSE;
    }

  /* Rows deleted by the cascade are not counted, so this is runs only. */
  if (out_deleted != NULL)
    *out_deleted = sqlite3_changes (self->db);

  chk_store_runs_deleted (self);
  return TRUE;
}

static gboolean
chk_store_sqlite_trim_runs (ChkStore  *store,
                            guint64    job_id,
                            guint      keep,
                            guint     *out_deleted,
                            GError   **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);
  g_autoptr(ChkCachedStmt) stmt = NULL;

  stmt = chk_store_get_stmt (self, STMT_TRIM_RUNS, error);
  if (stmt != NULL)
    {
      sqlite3_bind_int64 (stmt, 1, job_id);
      sqlite3_bind_int64 (stmt, 2, keep);
    }

  if (stmt == NULL || !chk_store_step_done (self, stmt, error))
    {
      g_prefix_error (error, "Could not trim the runs of job %" G_GUINT64_FORMAT ": ", job_id);
      return FALSE;
    }

  if (out_deleted != NULL)
    *out_deleted = sqlite3_changes (self->db);

  chk_store_runs_deleted (self);
  return TRUE;
}

/* Adds what a stretch of chunks of one run weighed to its counters, and
 * moves the end of its file's records to @end if that is further. */
static gboolean
chk_store_add_output_bytes (ChkStoreSqlite  *self,
                            guint64          run_id,
                            guint64          stdout_bytes,
                            guint64          stderr_bytes,
                            guint64          end,
                            GError         **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;

  stmt = chk_store_get_stmt (self, STMT_ADD_OUTPUT_BYTES, error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, run_id);
  sqlite3_bind_int64 (stmt, 2, stdout_bytes);
  sqlite3_bind_int64 (stmt, 3, stderr_bytes);
  sqlite3_bind_int64 (stmt, 4, MIN (end, (guint64) G_MAXINT64));

  return chk_store_step_change (self, stmt, "run", run_id, error);
}

static gboolean
chk_store_sqlite_count_lost_output (ChkStore  *store,
                                    guint64    run_id,
                                    guint64    stdout_bytes,
                                    guint64    stderr_bytes,
                                    GError   **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);

  if (!chk_store_add_output_bytes (self, run_id, stdout_bytes, stderr_bytes, 0, error))
    {
      g_prefix_error (error, "Could not count the lost output of run %" G_GUINT64_FORMAT ": ",
                      run_id);
      return FALSE;
    }
  return TRUE;
}

/* Where the committed records of @run_id's file end, as the database has
 * it inside the transaction under way; an unknown run is
 * %CHK_ERROR_NOT_FOUND. */
static gboolean
chk_store_get_output_end (ChkStoreSqlite  *self,
                          guint64          run_id,
                          guint64         *out_end,
                          GError         **error)
{
  g_autoptr(ChkCachedStmt) stmt = chk_store_get_stmt (self, STMT_OUTPUT_END, error);
  gboolean found = FALSE;

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, run_id);
  if (!chk_store_step_row (self, stmt, &found, error))
    return FALSE;
  if (!found)
    {
      _chk_store_set_not_found (error, "run", run_id);
      return FALSE;
    }

  *out_end = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

/* Stores @chunk: its bytes in its row, or from output_file_min bytes as a
 * record at *@end in its run's file, with *@end moved past it. */
static gboolean
chk_store_add_output_chunk (ChkStoreSqlite        *self,
                            const ChkOutputChunk  *chunk,
                            guint64               *end,
                            GError               **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;
  gconstpointer data;
  gsize size;
  gboolean in_file;
  int rc;

  stmt = chk_store_get_stmt (self, STMT_ADD_OUTPUT, error);
  if (stmt == NULL)
    return FALSE;

  data = g_bytes_get_data (chunk->data, &size);
  in_file = size > 0 && size >= self->output_file_min;
  if (in_file)
    {
      int saved_errno = 0;

      if (!chk_output_files_append (self->output_files, chunk->run_id, *end, chunk,
                                    &saved_errno, error))
        {
          chk_store_note_output_file_failure (self, saved_errno, error);
          return FALSE;
        }
      sqlite3_bind_int64 (stmt, 6, *end);
      *end += CHK_OUTPUT_RECORD_HEADER_SIZE + size;
    }
  sqlite3_bind_int64 (stmt, 7, in_file ? size : 0);

  sqlite3_bind_int64 (stmt, 1, chunk->run_id);
  sqlite3_bind_int64 (stmt, 2, chunk->seq);
  sqlite3_bind_int (stmt, 3, chunk->stream);
  sqlite3_bind_int64 (stmt, 4, chunk->time);
  rc = chk_store_bind_bytes (stmt, 5, data, in_file ? 0 : size);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);

  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    {
      _chk_store_set_not_found (error, "run", chunk->run_id);
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
chk_store_add_output_chunks (ChkStoreSqlite        *self,
                             const ChkOutputChunk  *chunks,
                             guint                  n_chunks,
                             GError               **error)
{
  guint64 stdout_bytes = 0;
  guint64 stderr_bytes = 0;
  guint64 end = 0;

  for (guint i = 0; i < n_chunks; i++)
    {
      gsize size = g_bytes_get_size (chunks[i].data);

      /* A stretch of one run's chunks starts where its file's records end. */
      if ((i == 0 || chunks[i - 1].run_id != chunks[i].run_id) &&
          !chk_store_get_output_end (self, chunks[i].run_id, &end, error))
        return FALSE;

      if (!chk_store_add_output_chunk (self, &chunks[i], &end, error))
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
                                           stdout_bytes, stderr_bytes, end, error))
            return FALSE;

          stdout_bytes = stderr_bytes = 0;
        }
    }

  return TRUE;
}

static gboolean
chk_store_sqlite_append_output (ChkStore              *store,
                                const ChkOutputChunk  *chunks,
                                guint                  n_chunks,
                                GError               **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);
  gboolean ok;

  if (!chk_store_enter (self, error))
    {
      g_prefix_error (error, "Could not store output of run %" G_GUINT64_FORMAT ": ",
                      chunks[0].run_id);
      return FALSE;
    }

  ok = chk_store_add_output_chunks (self, chunks, n_chunks, error);
  if (!chk_store_leave (self, ok, ok ? error : NULL))
    {
      _chk_store_prefix_error (error, "Could not store output of run %" G_GUINT64_FORMAT ": ",
                              chunks[0].run_id);
      return FALSE;
    }

  return TRUE;
}

static GBytes *
chk_store_sqlite_read_output_tail (ChkStore   *store,
                                   guint64     run_id,
                                   ChkStream   stream,
                                   gsize       max_bytes,
                                   gboolean   *out_cut,
                                   GError    **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);
  g_autoptr(ChkCachedStmt) stmt = NULL;
  g_autoptr(GPtrArray) pieces = NULL;
  g_autoptr(GByteArray) tail = NULL;
  gsize total = 0;
  gboolean cut = FALSE;
  int rc = SQLITE_DONE;

  stmt = chk_store_get_stmt (self, STMT_READ_OUTPUT_TAIL, error);
  if (stmt == NULL)
    return NULL;

  pieces = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  sqlite3_bind_int64 (stmt, 1, run_id);
  sqlite3_bind_int (stmt, 2, stream);
  while (total < max_bytes && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gboolean in_file = sqlite3_column_type (stmt, 1) != SQLITE_NULL;
      gsize size = in_file ? (gsize) sqlite3_column_int64 (stmt, 2)
                           : (gsize) sqlite3_column_bytes (stmt, 0);
      gsize take = MIN (size, max_bytes - total);
      GBytes *piece;

      if (in_file)
        piece = chk_output_files_read (self->output_files, run_id, sqlite3_column_int64 (stmt, 1),
                                       sqlite3_column_int64 (stmt, 3), stream, size, size - take,
                                       error);
      else
        piece = g_bytes_new ((const guint8 *) sqlite3_column_blob (stmt, 0) + (size - take),
                             take);
      if (piece == NULL)
        {
          g_prefix_error (error, "Could not read output of run %" G_GUINT64_FORMAT ": ",
                          run_id);
          return NULL;
        }

      cut = take < size;
      g_ptr_array_add (pieces, piece);
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

static GPtrArray *
chk_store_sqlite_read_output (ChkStore  *store,
                              guint64    run_id,
                              guint64    after_seq,
                              gsize      max_bytes,
                              GError   **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);
  g_autoptr(ChkCachedStmt) stmt = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  guint64 total = 0;
  int rc;

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
      gboolean in_file = sqlite3_column_type (stmt, 4) != SQLITE_NULL;
      gsize size = in_file ? (gsize) sqlite3_column_int64 (stmt, 5)
                           : (gsize) sqlite3_column_bytes (stmt, 3);
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
      g_ptr_array_add (chunks, chunk);
      if (!in_file)
        chunk->data = chk_store_column_bytes (stmt, 3);
      else if ((chunk->data = chk_output_files_read (self->output_files, run_id,
                                                     sqlite3_column_int64 (stmt, 4), chunk->seq,
                                                     stream, size, 0, error)) == NULL)
        {
          g_prefix_error (error, "Could not read output of run %" G_GUINT64_FORMAT ": ", run_id);
          return NULL;
        }

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
      _chk_store_prefix_error (error, "Could not read output of run %" G_GUINT64_FORMAT ": ",
                              run_id);
      return NULL;
    }

  return g_steal_pointer (&chunks);
}

/* The records in files of the chunks @first_seq to @last_seq of @run_id. */
static GArray *
chk_store_find_output_holes (ChkStoreSqlite  *self,
                             guint64          run_id,
                             guint64          first_seq,
                             guint64          last_seq,
                             GError         **error)
{
  g_autoptr(ChkCachedStmt) stmt = NULL;
  g_autoptr(GArray) holes = g_array_new (FALSE, FALSE, sizeof (ChkOutputHole));
  int rc;

  stmt = chk_store_get_stmt (self, STMT_OUTPUT_FILE_RANGE, error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, run_id);
  sqlite3_bind_int64 (stmt, 2, MIN (first_seq, (guint64) G_MAXINT64));
  sqlite3_bind_int64 (stmt, 3, MIN (last_seq, (guint64) G_MAXINT64));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ChkOutputHole hole = {
        run_id,
        sqlite3_column_int64 (stmt, 0),
        CHK_OUTPUT_RECORD_HEADER_SIZE + sqlite3_column_int64 (stmt, 1),
      };

      g_array_append_val (holes, hole);
    }

  if (rc != SQLITE_DONE)
    {
      chk_store_set_sqlite_error (self, error);
      return NULL;
    }

  return g_steal_pointer (&holes);
}

static gboolean
chk_store_sqlite_delete_output (ChkStore  *store,
                                guint64    run_id,
                                guint64    first_seq,
                                guint64    last_seq,
                                GError   **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);
  g_autoptr(ChkCachedStmt) stmt = NULL;
  g_autoptr(GArray) holes = NULL;

  holes = chk_store_find_output_holes (self, run_id, first_seq, last_seq, error);
  if (holes == NULL)
    {
      g_prefix_error (error, "Could not delete output of run %" G_GUINT64_FORMAT ": ", run_id);
      return FALSE;
    }

  stmt = chk_store_get_stmt (self, STMT_DELETE_OUTPUT, error);
  if (stmt != NULL)
    {
      sqlite3_bind_int64 (stmt, 1, run_id);
      sqlite3_bind_int64 (stmt, 2, MIN (first_seq, (guint64) G_MAXINT64));
      sqlite3_bind_int64 (stmt, 3, MIN (last_seq, (guint64) G_MAXINT64));
    }

  if (stmt == NULL || !chk_store_step_done (self, stmt, error))
    {
      g_prefix_error (error, "Could not delete output of run %" G_GUINT64_FORMAT ": ", run_id);
      return FALSE;
    }

  if (sqlite3_changes (self->db) == 0 && !chk_store_check_run_exists (self, run_id, error))
    {
      _chk_store_prefix_error (error, "Could not delete output of run %" G_GUINT64_FORMAT ": ",
                              run_id);
      return FALSE;
    }

  if (holes->len > 0)
    {
      g_array_append_vals (self->output_holes, holes->data, holes->len);
      chk_store_output_changed (self);
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
  g_autoptr(GBytes) bytes = chk_store_column_bytes (stmt, type_column + 1);

  return _chk_store_setting_from_bytes (key, (const char *) sqlite3_column_text (stmt, type_column),
                                        bytes, error);
}

static GVariant *
chk_store_sqlite_get_setting (ChkStore    *store,
                              const char  *key,
                              GError     **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);
  g_autoptr(ChkCachedStmt) stmt = NULL;
  GVariant *value;
  gboolean found = FALSE;

  stmt = chk_store_get_stmt (self, STMT_GET_SETTING, error);
  if (stmt != NULL)
    chk_store_bind_text (stmt, 1, key);

  if (stmt == NULL || !chk_store_step_row (self, stmt, &found, error))
    {
      g_prefix_error (error, "Could not read setting “%s”: ", key);
      return NULL;
    }

  if (!found)
    return NULL;

  value = chk_store_setting_from_stmt (stmt, 0, key, error);
  if (value == NULL)
    g_prefix_error (error, "Could not read setting “%s”: ", key);

  return value;
}

static GHashTable *
chk_store_sqlite_list_settings (ChkStore  *store,
                                GError   **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);
  g_autoptr(ChkCachedStmt) stmt = NULL;
  g_autoptr(GHashTable) settings = NULL;
  int rc;

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

static gboolean
chk_store_sqlite_set_setting (ChkStore    *store,
                              const char  *key,
                              GVariant    *value,
                              GError     **error)
{
  ChkStoreSqlite *self = CHK_STORE_SQLITE (store);
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GVariant) normal = NULL;
  g_autoptr(ChkCachedStmt) stmt = NULL;
  int rc;

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

static void
chk_store_sqlite_class_init (ChkStoreSqliteClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ChkStoreClass *store_class = CHK_STORE_CLASS (klass);

  object_class->dispose = chk_store_sqlite_dispose;
  object_class->finalize = chk_store_sqlite_finalize;
  object_class->get_property = chk_store_sqlite_get_property;
  object_class->set_property = chk_store_sqlite_set_property;

  /**
   * ChkStoreSqlite:path:
   *
   * The file of the database.
   */
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  store_class->get_path = chk_store_sqlite_get_path;
  store_class->release_memory = chk_store_sqlite_release_memory;
  store_class->get_schema_version = chk_store_sqlite_get_schema_version;
  store_class->get_problem = chk_store_sqlite_get_problem;
  store_class->is_failing = chk_store_sqlite_is_failing;
  store_class->get_log_behind = chk_store_sqlite_get_log_behind;
  store_class->set_output_file_min = chk_store_sqlite_set_output_file_min;
  store_class->set_log_limit = chk_store_sqlite_set_log_limit;
  store_class->begin = chk_store_sqlite_begin;
  store_class->commit = chk_store_sqlite_commit;
  store_class->rollback = chk_store_sqlite_rollback;
  store_class->in_transaction = chk_store_sqlite_in_transaction;
  store_class->add_job = chk_store_sqlite_add_job;
  store_class->update_job = chk_store_sqlite_update_job;
  store_class->delete_job = chk_store_sqlite_delete_job;
  store_class->get_job = chk_store_sqlite_get_job;
  store_class->list_jobs = chk_store_sqlite_list_jobs;
  store_class->list_job_times = chk_store_sqlite_list_job_times;
  store_class->foreach_job = chk_store_sqlite_foreach_job;
  store_class->add_run = chk_store_sqlite_add_run;
  store_class->update_run = chk_store_sqlite_update_run;
  store_class->set_run_alert_error = chk_store_sqlite_set_run_alert_error;
  store_class->get_run = chk_store_sqlite_get_run;
  store_class->get_last_run = chk_store_sqlite_get_last_run;
  store_class->get_stats = chk_store_sqlite_get_stats;
  store_class->get_stats_of_jobs = chk_store_sqlite_get_stats_of_jobs;
  store_class->list_runs = chk_store_sqlite_list_runs;
  store_class->list_unfinished_runs = chk_store_sqlite_list_unfinished_runs;
  store_class->purge_runs = chk_store_sqlite_purge_runs;
  store_class->trim_runs = chk_store_sqlite_trim_runs;
  store_class->append_output = chk_store_sqlite_append_output;
  store_class->read_output = chk_store_sqlite_read_output;
  store_class->read_output_tail = chk_store_sqlite_read_output_tail;
  store_class->count_lost_output = chk_store_sqlite_count_lost_output;
  store_class->delete_output = chk_store_sqlite_delete_output;
  store_class->get_setting = chk_store_sqlite_get_setting;
  store_class->list_settings = chk_store_sqlite_list_settings;
  store_class->set_setting = chk_store_sqlite_set_setting;
}

static void
chk_store_sqlite_init (ChkStoreSqlite *self)
{
  self->fd = -1;
  self->log_limit = LOG_LIMIT_BYTES;
  self->page_size = 4096;
  self->pending_runs = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                              (GDestroyNotify) chk_run_record_free);
  self->output_file_min = OUTPUT_FILE_MIN_BYTES;
  self->output_holes = g_array_new (FALSE, FALSE, sizeof (ChkOutputHole));
}
