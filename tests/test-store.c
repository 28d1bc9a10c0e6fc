/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-store"

#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "chk-error.h"
#include "chk-store.h"
#if HAVE_LIBPQ
#include "chk-test-pg.h"
#endif
#include "chk-test-util.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3, sqlite3_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

typedef struct
{
  char     *tmpdir;
  char     *path;
  /* A database of its own on the PostgreSQL test server (chk-test-pg.h), at
   * the URI @location, rather than the SQLite file @path */
  gboolean  pg;
  char     *location;
  ChkStore *store;
  /* Every chunk of output to the runs' output files, none into the database */
  gboolean  output_files;
} Fixture;

typedef void (*FixtureFunc) (Fixture       *f,
                             gconstpointer  data);

/* Helpers */

static void
fixture_setup_empty (Fixture       *f,
                     gconstpointer  data)
{
  f->tmpdir = chk_test_make_tmpdir ("chk-test-store-XXXXXX");
  f->path = g_build_filename (f->tmpdir, "chroniker.db", NULL);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture_setup_empty (f, data);
  f->store = chk_store_new (f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->store);
}

/* The same, with every chunk of output in the runs' output files. */
static void
fixture_setup_output_files (Fixture       *f,
                            gconstpointer  data)
{
  fixture_setup (f, data);
  f->output_files = TRUE;
  chk_store_set_output_file_min (f->store, 0);
}

#if HAVE_LIBPQ
/* A new database on the PostgreSQL test server, without a store yet; the
 * case is skipped where no PostgreSQL is installed. */
static void
fixture_setup_pg_empty (Fixture       *f,
                        gconstpointer  data)
{
  const char *why = NULL;

  if (!chk_test_pg_available (&why))
    {
      g_test_skip (why);
      return;
    }
  f->pg = TRUE;
  f->location = chk_test_pg_create_database ();
}

static void
fixture_setup_pg (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture_setup_pg_empty (f, data);
  if (!f->pg)
    return;
  f->store = chk_store_open (f->location, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->store);
}

/* Runs the case @func of either backend on PostgreSQL, unless it is skipped. */
static void
run_pg_case (Fixture       *f,
             gconstpointer  func)
{
  if (f->pg)
    ((FixtureFunc) func) (f, NULL);
}
#endif

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->store);
#if HAVE_LIBPQ
  if (f->pg)
    chk_test_pg_drop_database (f->location);
#endif
  if (f->tmpdir != NULL)
    chk_test_remove_tree (f->tmpdir);
  g_clear_pointer (&f->tmpdir, g_free);
  g_clear_pointer (&f->path, g_free);
  g_clear_pointer (&f->location, g_free);
}

static void
reopen (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_clear_object (&f->store);
  f->store = chk_store_open (f->pg ? f->location : f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->store);
  if (f->output_files)
    chk_store_set_output_file_min (f->store, 0);
}

static sqlite3 *
raw_open (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                   ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static void
raw_exec (const char *path,
          const char *sql)
{
  g_autoptr(sqlite3) db = raw_open (path);
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

/* Prepares @sql on @db and steps to its first row, which must be there. */
static sqlite3_stmt *
raw_first_row (sqlite3    *db,
               const char *sql)
{
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return stmt;
}

static gint64
raw_query_int (const char *path,
               const char *sql)
{
  g_autoptr(sqlite3) db = raw_open (path);
  g_autoptr(sqlite3_stmt) stmt = raw_first_row (db, sql);

  return sqlite3_column_int64 (stmt, 0);
}

static char *
raw_query_text (const char *path,
                const char *sql)
{
  g_autoptr(sqlite3) db = raw_open (path);
  g_autoptr(sqlite3_stmt) stmt = raw_first_row (db, sql);

  return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
}

static GBytes *
raw_query_blob (const char *path,
                const char *sql)
{
  g_autoptr(sqlite3) db = raw_open (path);
  g_autoptr(sqlite3_stmt) stmt = raw_first_row (db, sql);

  return g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
}

static GVariant *
make_spec (const char *name)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  const char * const argv[] = { "/bin/echo", "hello", "wörld", NULL };

  g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string (name));
  g_variant_builder_add (&builder, "{sv}", "command", g_variant_new_strv (argv, -1));
  g_variant_builder_add (&builder, "{sv}", "enabled", g_variant_new_boolean (TRUE));
  g_variant_builder_add (&builder, "{sv}", "timeout", g_variant_new_uint32 (90));
  return g_variant_builder_end (&builder);
}

static guint64
add_job (Fixture    *f,
         const char *name)
{
  g_autoptr(GError) error = NULL;
  guint64 id = 0;

  g_assert_true (chk_store_add_job (f->store, name, make_spec (name), 1000, &id, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (id, >, 0);
  return id;
}

static guint64
add_run (Fixture    *f,
         guint64     job_id,
         gint64      started,
         const char *outcome)
{
  g_autoptr(ChkRunRecord) run = chk_run_record_new ();
  g_autoptr(GError) error = NULL;

  run->job_id = job_id;
  run->job_name = g_strdup ("job");
  run->trigger = g_strdup ("manual");
  run->started = started;
  run->outcome = g_strdup (outcome);
  g_assert_true (chk_store_add_run (f->store, run, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (run->id, >, 0);
  return run->id;
}

/* A run of @job_id that ended so, @seconds after it started. */
static void
add_finished_run (Fixture    *f,
                  guint64     job_id,
                  gint64      started,
                  double      seconds,
                  const char *outcome)
{
  g_autoptr(ChkRunRecord) run = chk_run_record_new ();
  g_autoptr(GError) error = NULL;

  run->job_id = job_id;
  run->job_name = g_strdup ("job");
  run->trigger = g_strdup ("schedule");
  run->started = started;
  run->finished = started + (gint64) (seconds * G_USEC_PER_SEC);
  run->outcome = g_strdup (outcome);
  g_assert_true (chk_store_add_run (f->store, run, &error));
  g_assert_no_error (error);
}

/* Deterministic bytes that differ per run, chunk and position, with NULs. */
static GBytes *
make_data (guint64 run_id,
           guint64 seq,
           gsize   size)
{
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (i % 7 == 0) ? 0 : (guint8) (run_id * 31 + seq * 7 + i);
  return g_bytes_new_take (data, size);
}

static void
append_one (Fixture    *f,
            guint64     run_id,
            guint64     seq,
            ChkStream   stream,
            GBytes     *data)
{
  g_autoptr(GError) error = NULL;
  ChkOutputChunk chunk = { run_id, seq, stream, 5000 + seq, data };

  g_assert_true (chk_store_append_output (f->store, &chunk, 1, &error));
  g_assert_no_error (error);
}

/* The copies of damaged databases set aside next to the store. */
static guint
count_damaged_copies (Fixture *f)
{
  g_autoptr(GDir) dir = g_dir_open (f->tmpdir, 0, NULL);
  const char *name;
  guint n = 0;

  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "chroniker.db.damaged-") &&
        !g_str_has_suffix (name, "-wal") && !g_str_has_suffix (name, "-shm"))
      n++;
  return n;
}

/* The number of jobs the store lists. */
static guint
count_jobs (ChkStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = chk_store_list_jobs (store, &error);

  g_assert_no_error (error);
  return jobs->len;
}

/* The first field of @sql's one row, as a number, from either backend */
static guint
count_rows (Fixture    *f,
            const char *sql)
{
#if HAVE_LIBPQ
  if (f->pg)
    return chk_test_pg_query_int (f->location, sql);
#endif
  return raw_query_int (f->path, sql);
}

/* The first field of @sql's one row, as bytes, from either backend */
static GBytes *
query_bytes (Fixture    *f,
             const char *sql)
{
#if HAVE_LIBPQ
  if (f->pg)
    return chk_test_pg_query_bytes (f->location, sql);
#endif
  return raw_query_blob (f->path, sql);
}

/* Runs @sql, whose one parameter $1 is @bytes, behind the store's back */
static void
exec_with_bytes (Fixture    *f,
                 const char *sql,
                 GBytes     *bytes)
{
  g_autoptr(sqlite3) db = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gsize size = 0;
  gconstpointer data = g_bytes_get_data (bytes, &size);

#if HAVE_LIBPQ
  if (f->pg)
    {
      chk_test_pg_exec (f->location, sql, bytes);
      return;
    }
#endif
  db = raw_open (f->path);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_bind_blob64 (stmt, 1, data, size, SQLITE_STATIC), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
}

static void
assert_run_ids (GPtrArray     *runs,
                const guint64 *expected,
                guint          n_expected)
{
  g_assert_nonnull (runs);
  g_assert_cmpuint (runs->len, ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    {
      ChkRunRecord *run = g_ptr_array_index (runs, i);

      g_assert_cmpuint (run->id, ==, expected[i]);
    }
}

/* Opening and files */

static void
test_open_creates_private_files (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkStore) store = NULL;
  g_autofree char *top = g_build_filename (f->tmpdir, "a", NULL);
  g_autofree char *sub = g_build_filename (top, "b", NULL);
  g_autofree char *path = g_build_filename (sub, "chroniker.db", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  mode_t old_umask;
  struct stat st;

  /* With no umask, a mode that only comes from open()/mkdir() defaults
   * (0644, 0755) would show. */
  old_umask = umask (0);
  store = chk_store_new (path, &error);
  umask (old_umask);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_cmpstr (chk_store_get_path (store), ==, path);

  g_assert_cmpint (g_stat (top, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (sub, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (wal, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (shm, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_open_existing_file_made_private (Fixture       *f,
                                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  struct stat st;

  g_assert_true (g_file_set_contents (f->path, "", 0, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (f->path, 0666), ==, 0);

  f->store = chk_store_new (f->path, &error);
  g_assert_no_error (error);

  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_open_stale_wal_made_private (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (f->path, "-shm", NULL);
  struct stat st;
  guint64 id;

  id = add_job (f, "before");
  g_clear_object (&f->store);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));

  /* Left behind by something else, with a mode that SQLite keeps for a
   * file that is not empty. */
  g_assert_true (g_file_set_contents (wal, "stale", 5, &error));
  g_assert_true (g_file_set_contents (shm, "stale", 5, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (wal, 0644), ==, 0);
  g_assert_cmpint (g_chmod (shm, 0644), ==, 0);

  reopen (f);

  g_assert_cmpint (g_stat (wal, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (shm, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpuint (add_job (f, "after"), >, id);
}

static void
test_open_wal_mode (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *mode = raw_query_text (f->path, "PRAGMA journal_mode");

  g_assert_cmpstr (mode, ==, "wal");
}

static void
test_open_not_a_database (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkStore) store = NULL;
  char garbage[8192];

  memset (garbage, 'x', sizeof garbage);
  g_assert_true (g_file_set_contents (f->path, garbage, sizeof garbage, &error));
  g_assert_no_error (error);

  /* Set aside, kept as it was, and a new database made in its place. */
  g_test_expect_message ("chk-store", G_LOG_LEVEL_WARNING, "*was damaged*kept as*");
  store = chk_store_new (f->path, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_nonnull (strstr (chk_store_get_problem (store), "file is not a database"));
  g_assert_nonnull (strstr (chk_store_get_problem (store), "0 jobs"));
  g_assert_cmpuint (count_damaged_copies (f), ==, 1);
  {
    g_autoptr(GDir) dir = g_dir_open (f->tmpdir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (dir)) != NULL)
      if (g_str_has_prefix (name, "chroniker.db.damaged-"))
        {
          g_autofree char *copy = g_build_filename (f->tmpdir, name, NULL);
          g_autofree char *contents = NULL;
          gsize length = 0;

          g_assert_true (g_file_get_contents (copy, &contents, &length, NULL));
          g_assert_cmpmem (contents, length, garbage, sizeof garbage);
        }
  }
  g_assert_cmpuint (chk_store_get_schema_version (store), >, 0);
}

static void
test_open_reopen_keeps_data (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkStoreJob) job = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GBytes) bytes = make_data (1, 1, 3000);
  guint64 job_id, run_id;

  job_id = add_job (f, "keep");
  run_id = add_run (f, job_id, 123, "success");
  append_one (f, run_id, 1, CHK_STREAM_STDOUT, bytes);
  g_assert_true (chk_store_set_setting (f->store, "allow-shell",
                                        g_variant_new_boolean (FALSE), &error));
  g_assert_no_error (error);

  reopen (f);

  job = chk_store_get_job (f->store, job_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (job->name, ==, "keep");
  run = chk_store_get_run (f->store, run_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->started, ==, 123);
  g_assert_cmpuint (run->stdout_bytes, ==, 3000);
  chunks = chk_store_read_output (f->store, run_id, 0, G_MAXSIZE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chunks->len, ==, 1);
  g_assert_true (g_bytes_equal (((ChkOutputChunk *) chunks->pdata[0])->data, bytes));
  value = chk_store_get_setting (f->store, "allow-shell", &error);
  g_assert_no_error (error);
  g_assert_false (g_variant_get_boolean (value));
}

/* Migrations */

static void
assert_schema_v1 (const char *path)
{
  const char * const objects[] = {
    "jobs", "runs", "output", "settings",
    "runs_job_started", "runs_started", "runs_outcome",
  };

  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    {
      g_autofree char *sql =
        g_strdup_printf ("SELECT count(*) FROM sqlite_schema WHERE name = '%s'", objects[i]);

      g_assert_cmpint (raw_query_int (path, sql), ==, 1);
    }
}

#define SCHEMA_VERSION 7

/* The tables of schema version 1, as the first release made them. */
static const char schema_v1[] =
  "CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,"
  "  spec BLOB NOT NULL, created INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,"
  "  job_name TEXT NOT NULL DEFAULT '', \"trigger\" TEXT NOT NULL DEFAULT '',"
  "  started INTEGER NOT NULL DEFAULT 0, finished INTEGER NOT NULL DEFAULT 0,"
  "  outcome TEXT NOT NULL DEFAULT '', exit_code INTEGER NOT NULL DEFAULT 0,"
  "  signal INTEGER NOT NULL DEFAULT 0, hostname TEXT NOT NULL DEFAULT '',"
  "  pid INTEGER NOT NULL DEFAULT 0, stdout_bytes INTEGER NOT NULL DEFAULT 0,"
  "  stderr_bytes INTEGER NOT NULL DEFAULT 0, truncated INTEGER NOT NULL DEFAULT 0,"
  "  progress_complete INTEGER NOT NULL DEFAULT 0, progress_total INTEGER NOT NULL DEFAULT 0,"
  "  progress_message TEXT NOT NULL DEFAULT '');"
  "CREATE INDEX runs_job_started ON runs (job_id, started);"
  "CREATE INDEX runs_started ON runs (started);"
  "CREATE INDEX runs_outcome ON runs (outcome);"
  "CREATE TABLE output (run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
  "  seq INTEGER NOT NULL, stream INTEGER NOT NULL, time INTEGER NOT NULL,"
  "  data BLOB NOT NULL, PRIMARY KEY (run_id, seq));"
  "CREATE TABLE settings (key TEXT PRIMARY KEY, type TEXT NOT NULL, value BLOB NOT NULL);"
  "PRAGMA user_version = 1;";

static void
test_migrate_from_empty_file (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (f->path, "", 0, &error));
  g_assert_no_error (error);
  g_assert_cmpint (raw_query_int (f->path, "PRAGMA user_version"), ==, 0);

  f->store = chk_store_new (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chk_store_get_schema_version (f->store), ==, SCHEMA_VERSION);
  g_assert_cmpint (raw_query_int (f->path, "PRAGMA user_version"), ==, SCHEMA_VERSION);
  assert_schema_v1 (f->path);

  /* The new schema works, foreign keys included. */
  add_run (f, add_job (f, "fresh"), 1, "success");
}

static void
test_migrate_from_v1 (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  g_autoptr(GPtrArray) chunks = NULL;

  /* A database the first release left behind, with a job, a run and its output. */
  raw_exec (f->path, schema_v1);
  raw_exec (f->path,
            "INSERT INTO jobs (id, name, spec) VALUES (7, 'old', x'');"
            "INSERT INTO runs (id, job_id, job_name, started, outcome, exit_code, stderr_bytes)"
            "  VALUES (9, 7, 'old', 42, 'failure', 3, 4);"
            "INSERT INTO output VALUES (9, 1, 2, 43, x'6f6f7073');");

  f->store = chk_store_new (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chk_store_get_schema_version (f->store), ==, SCHEMA_VERSION);
  g_assert_cmpint (raw_query_int (f->path, "PRAGMA user_version"), ==, SCHEMA_VERSION);
  assert_schema_v1 (f->path);

  run = chk_store_get_run (f->store, 9, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (run->job_id, ==, 7);
  g_assert_cmpstr (run->outcome, ==, "failure");
  g_assert_cmpint (run->exit_code, ==, 3);
  g_assert_cmpuint (run->stderr_bytes, ==, 4);
  /* Version 2's columns, at their defaults */
  g_assert_cmpuint (run->http_status, ==, 0);
  g_assert_cmpstr (run->alert_error, ==, "");
  /* Version 4's: a run from before retries was its first attempt */
  g_assert_cmpuint (run->attempt, ==, 1);
  /* Version 5's: nor was it running long */
  g_assert_false (run->running_long);
  chunks = chk_store_read_output (f->store, 9, 0, G_MAXSIZE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chunks->len, ==, 1);

  /* …and they work */
  g_assert_true (chk_store_set_run_alert_error (f->store, 9, "Email could not be sent", &error));
  g_assert_no_error (error);
  g_clear_pointer (&run, chk_run_record_free);
  run = chk_store_get_run (f->store, 9, &error);
  g_assert_cmpstr (run->alert_error, ==, "Email could not be sent");
}

static void
test_migrate_refuses_newer (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkStore) store = NULL;
  g_autofree char *sql = NULL;
  guint known;

  /* Whatever the current version is, one more is from the future. */
  store = chk_store_new (f->path, &error);
  g_assert_no_error (error);
  known = chk_store_get_schema_version (store);
  g_clear_object (&store);
  chk_test_remove_tree (f->path);

  sql = g_strdup_printf ("PRAGMA user_version = %u", known + 1);
  raw_exec (f->path, sql);

  store = chk_store_new (f->path, &error);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, "newer"));

  /* Refused, not touched. */
  g_assert_cmpint (raw_query_int (f->path, "PRAGMA user_version"), ==, known + 1);
  g_assert_cmpint (raw_query_int (f->path, "SELECT count(*) FROM sqlite_schema"), ==, 0);
}

static void
test_migrate_failed_step_rolls_back (Fixture       *f,
                                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkStore) store = NULL;

  /* The last statement of step 1 collides with this, after it created
   * the other tables. */
  raw_exec (f->path, "CREATE TABLE settings (x)");

  store = chk_store_new (f->path, &error);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, "schema version 1"));

  g_assert_cmpint (raw_query_int (f->path, "PRAGMA user_version"), ==, 0);
  g_assert_cmpint (raw_query_int (f->path, "SELECT count(*) FROM sqlite_schema"), ==, 1);
}

/* Jobs */

static void
test_jobs_crud (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkStoreJob) job = NULL;
  g_autoptr(ChkStoreJob) updated = NULL;
  g_autoptr(ChkStoreJob) gone = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GVariant) spec = g_variant_ref_sink (make_spec ("first"));
  g_autoptr(GVariant) new_spec = g_variant_ref_sink (make_spec ("renamed"));
  guint64 id = 0, other;

  g_assert_true (chk_store_add_job (f->store, "first", spec, 1234567, &id, &error));
  g_assert_no_error (error);
  other = add_job (f, "second");
  g_assert_cmpuint (other, >, id);

  job = chk_store_get_job (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (job->id, ==, id);
  g_assert_cmpstr (job->name, ==, "first");
  g_assert_cmpint (job->created, ==, 1234567);
  g_assert_true (g_variant_equal (job->spec, spec));

  jobs = chk_store_list_jobs (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jobs->len, ==, 2);
  g_assert_cmpuint (((ChkStoreJob *) jobs->pdata[0])->id, ==, id);
  g_assert_cmpstr (((ChkStoreJob *) jobs->pdata[1])->name, ==, "second");

  /* The same jobs, without their names and specs */
  g_clear_pointer (&jobs, g_ptr_array_unref);
  jobs = chk_store_list_job_times (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jobs->len, ==, 2);
  g_assert_cmpuint (((ChkStoreJob *) jobs->pdata[0])->id, ==, id);
  g_assert_cmpint (((ChkStoreJob *) jobs->pdata[0])->created, ==, 1234567);
  g_assert_cmpuint (((ChkStoreJob *) jobs->pdata[1])->id, ==, other);
  g_assert_null (((ChkStoreJob *) jobs->pdata[1])->spec);

  g_assert_true (chk_store_update_job (f->store, id, "renamed", new_spec, &error));
  g_assert_no_error (error);
  updated = chk_store_get_job (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (updated->name, ==, "renamed");
  g_assert_true (g_variant_equal (updated->spec, new_spec));
  g_assert_cmpint (updated->created, ==, 1234567);

  g_assert_true (chk_store_delete_job (f->store, id, &error));
  g_assert_no_error (error);
  gone = chk_store_get_job (f->store, id, &error);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND);
  g_assert_null (gone);
  g_clear_error (&error);
  g_assert_cmpuint (count_jobs (f->store), ==, 1);
}

static void
test_jobs_spec_roundtrip (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkStoreJob) job = NULL;
  g_autoptr(GVariant) spec = NULL;
  g_autoptr(GVariant) expected = NULL;
  g_autoptr(GVariant) flag = NULL;
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_auto(GVariantBuilder) env = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{ss}"));
  g_auto(GVariantBuilder) inner = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  static const guint8 not_normal_true = 2;
  g_autofree char *sql = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GBytes) expected_bytes = NULL;
  guint64 id = 0;

  g_variant_builder_add (&env, "{ss}", "LANG", "C.UTF-8");
  g_variant_builder_add (&env, "{ss}", "EMPTY", "");
  g_variant_builder_add (&inner, "{sv}", "deep",
                         g_variant_new_variant (g_variant_new ("(ix)", -1, G_MININT64)));
  g_variant_builder_add (&inner, "{sv}", "maybe", g_variant_new ("ms", NULL));

  /* A boolean serialized as 2 is TRUE, but not in normal form: the store
   * must normalize what it keeps. */
  flag = g_variant_ref_sink (g_variant_new_from_data (G_VARIANT_TYPE_BOOLEAN, &not_normal_true,
                                                      1, FALSE, NULL, NULL));
  g_assert_false (g_variant_is_normal_form (flag));

  g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string ("nested ✓"));
  g_variant_builder_add (&builder, "{sv}", "environment", g_variant_builder_end (&env));
  g_variant_builder_add (&builder, "{sv}", "inner", g_variant_builder_end (&inner));
  g_variant_builder_add (&builder, "{sv}", "start", g_variant_new_int64 (G_MAXINT64));
  g_variant_builder_add (&builder, "{sv}", "max-output-bytes", g_variant_new_uint64 (G_MAXUINT64));
  g_variant_builder_add (&builder, "{sv}", "enabled", flag);
  spec = g_variant_ref_sink (g_variant_builder_end (&builder));
  g_assert_false (g_variant_is_normal_form (spec));
  expected = g_variant_get_normal_form (spec);

  g_assert_true (chk_store_add_job (f->store, "nested", spec, 0, &id, &error));
  g_assert_no_error (error);

  /* What is on disk is the normal form already. */
  sql = g_strdup_printf ("SELECT spec FROM jobs WHERE id = %" G_GUINT64_FORMAT, id);
  stored = query_bytes (f, sql);
  expected_bytes = g_variant_get_data_as_bytes (expected);
  g_assert_true (g_bytes_equal (stored, expected_bytes));

  reopen (f);
  job = chk_store_get_job (f->store, id, &error);
  g_assert_no_error (error);

  g_assert_true (g_variant_is_of_type (job->spec, G_VARIANT_TYPE_VARDICT));
  g_assert_true (g_variant_is_normal_form (job->spec));
  g_assert_true (g_variant_equal (job->spec, expected));
}

static void
test_jobs_corrupt_spec (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkStoreJob) job = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *text = NULL;
  static const guint8 corrupt[] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x7b, 0x22, 0x73, 0x76, 0x3a, 0x00, 0xff, 0x05
  };
  g_autoptr(GBytes) bytes = g_bytes_new_static (corrupt, sizeof corrupt);
  guint64 id;

  id = add_job (f, "corrupt");
  sql = g_strdup_printf ("UPDATE jobs SET spec = $1 WHERE id = %" G_GUINT64_FORMAT, id);
  exec_with_bytes (f, sql, bytes);

  job = chk_store_get_job (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_is_of_type (job->spec, G_VARIANT_TYPE_VARDICT));
  g_assert_true (g_variant_is_normal_form (job->spec));
  /* Whatever GVariant made of it, it can be walked without harm. */
  text = g_variant_print (job->spec, TRUE);
  g_assert_nonnull (text);

  g_assert_cmpuint (count_jobs (f->store), ==, 1);
}

static void
test_jobs_unique_name (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint64 id = 0;

  add_job (f, "backup");
  g_assert_false (chk_store_add_job (f->store, "backup", make_spec ("backup"), 0, &id, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_ALREADY_EXISTS);
  g_assert_cmpstr (error->message, ==, "A job named “backup” already exists");
  g_assert_cmpuint (id, ==, 0);
  g_clear_error (&error);

  g_assert_cmpuint (count_jobs (f->store), ==, 1);
}

static void
test_jobs_rename_collision (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkStoreJob) job = NULL;
  guint64 a, b;

  a = add_job (f, "a");
  b = add_job (f, "b");
  g_assert_cmpuint (a, !=, b);

  g_assert_false (chk_store_update_job (f->store, b, "a", make_spec ("a"), &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_ALREADY_EXISTS);
  g_assert_cmpstr (error->message, ==, "A job named “a” already exists");
  g_clear_error (&error);

  job = chk_store_get_job (f->store, b, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (job->name, ==, "b");

  /* Keeping one's own name is no collision. */
  g_assert_true (chk_store_update_job (f->store, b, "b", make_spec ("b"), &error));
  g_assert_no_error (error);
  g_assert_true (chk_store_update_job (f->store, b, "c", make_spec ("c"), &error));
  g_assert_no_error (error);
}

static void
test_jobs_unknown_id (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkStoreJob) job = NULL;

  add_job (f, "exists");

  g_assert_false (chk_store_update_job (f->store, 42, "x", make_spec ("x"), &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "No job with id 42");
  g_clear_error (&error);

  g_assert_false (chk_store_delete_job (f->store, 42, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "No job with id 42");
  g_clear_error (&error);

  job = chk_store_get_job (f->store, 42, &error);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND);
  g_assert_null (job);
}

static void
test_jobs_ids_not_reused (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint64 a, b, c, d;

  a = add_job (f, "a");
  b = add_job (f, "b");
  g_assert_true (chk_store_delete_job (f->store, b, &error));
  g_assert_no_error (error);
  c = add_job (f, "c");
  g_assert_cmpuint (c, >, b);

  /* Even with every job gone and the file reopened. */
  g_assert_true (chk_store_delete_job (f->store, a, &error));
  g_assert_true (chk_store_delete_job (f->store, c, &error));
  g_assert_no_error (error);
  reopen (f);
  d = add_job (f, "d");
  g_assert_cmpuint (d, >, c);
}

static void
test_jobs_delete_cascades (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkRunRecord) gone = NULL;
  g_autoptr(ChkRunRecord) kept = NULL;
  g_autoptr(GBytes) bytes = make_data (0, 0, 100);
  guint64 doomed, other, r1, r2, r3;

  doomed = add_job (f, "doomed");
  other = add_job (f, "other");
  r1 = add_run (f, doomed, 1, "success");
  r2 = add_run (f, doomed, 2, "running");
  r3 = add_run (f, other, 3, "success");
  append_one (f, r1, 1, CHK_STREAM_STDOUT, bytes);
  append_one (f, r2, 1, CHK_STREAM_STDOUT, bytes);
  append_one (f, r3, 1, CHK_STREAM_STDOUT, bytes);
  g_assert_cmpuint (count_rows (f, "SELECT count(*) FROM output"), ==, 3);

  g_assert_true (chk_store_delete_job (f->store, doomed, &error));
  g_assert_no_error (error);

  gone = chk_store_get_run (f->store, r2, &error);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND);
  g_assert_null (gone);
  g_clear_error (&error);
  g_assert_cmpuint (count_rows (f, "SELECT count(*) FROM runs"), ==, 1);
  g_assert_cmpuint (count_rows (f, "SELECT count(*) FROM output"), ==, 1);

  kept = chk_store_get_run (f->store, r3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kept->stdout_bytes, ==, 100);
}

/* Runs */

static void
test_runs_add_get_update (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkRunRecord) run = chk_run_record_new ();
  g_autoptr(ChkRunRecord) got = NULL;
  g_autoptr(ChkRunRecord) updated = NULL;
  guint64 job_id = add_job (f, "job");

  run->job_id = job_id;
  run->job_name = g_strdup ("job");
  run->trigger = g_strdup ("schedule");
  run->started = 1700000000000000;
  run->outcome = g_strdup ("running");
  run->hostname = g_strdup ("host.example");
  run->pid = 4242;
  /* job_name left NULL would read back as "": */
  g_clear_pointer (&run->progress_message, g_free);

  g_assert_true (chk_store_add_run (f->store, run, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (run->id, >, 0);

  got = chk_store_get_run (f->store, run->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (got->id, ==, run->id);
  g_assert_cmpuint (got->job_id, ==, job_id);
  g_assert_cmpstr (got->job_name, ==, "job");
  g_assert_cmpstr (got->trigger, ==, "schedule");
  g_assert_cmpint (got->started, ==, 1700000000000000);
  g_assert_cmpint (got->finished, ==, 0);
  g_assert_cmpstr (got->outcome, ==, "running");
  g_assert_cmpstr (got->hostname, ==, "host.example");
  g_assert_cmpuint (got->pid, ==, 4242);
  g_assert_cmpstr (got->progress_message, ==, "");

  got->finished = 1700000000000999;
  g_free (got->outcome);
  got->outcome = g_strdup ("failure");
  got->exit_code = -3;
  got->signal = 9;
  got->pid = G_MAXUINT32;
  got->truncated = TRUE;
  got->progress_complete = 7;
  got->progress_total = G_MAXUINT32;
  g_free (got->progress_message);
  got->progress_message = g_strdup ("almost ✓");
  g_assert_true (chk_store_update_run (f->store, got, &error));
  g_assert_no_error (error);

  updated = chk_store_get_run (f->store, run->id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (updated->finished, ==, 1700000000000999);
  g_assert_cmpstr (updated->outcome, ==, "failure");
  g_assert_cmpint (updated->exit_code, ==, -3);
  g_assert_cmpint (updated->signal, ==, 9);
  g_assert_cmpuint (updated->pid, ==, G_MAXUINT32);
  g_assert_true (updated->truncated);
  g_assert_cmpuint (updated->progress_complete, ==, 7);
  g_assert_cmpuint (updated->progress_total, ==, G_MAXUINT32);
  g_assert_cmpstr (updated->progress_message, ==, "almost ✓");
  g_assert_cmpstr (updated->trigger, ==, "schedule");
}

static void
test_runs_unknown (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkRunRecord) run = chk_run_record_new ();
  g_autoptr(ChkRunRecord) got = NULL;

  got = chk_store_get_run (f->store, 42, &error);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "No run with id 42");
  g_assert_null (got);
  g_clear_error (&error);

  run->id = 42;
  run->outcome = g_strdup ("success");
  g_assert_false (chk_store_update_run (f->store, run, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "No run with id 42");
  g_clear_error (&error);

  run->id = 0;
  run->job_id = 999;
  g_assert_false (chk_store_add_run (f->store, run, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "No job with id 999");
  g_assert_cmpuint (count_rows (f, "SELECT count(*) FROM runs"), ==, 0);
}

static void
test_runs_last_run (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkRunRecord) none = NULL;
  g_autoptr(ChkRunRecord) last = NULL;
  g_autoptr(ChkRunRecord) tie = NULL;
  guint64 job = add_job (f, "job");
  guint64 other = add_job (f, "other");
  guint64 newest, tied;

  none = chk_store_get_last_run (f->store, job, &error);
  g_assert_no_error (error);
  g_assert_null (none);

  add_run (f, job, 100, "success");
  newest = add_run (f, job, 300, "failure");
  add_run (f, job, 200, "success");
  add_run (f, other, 900, "success");

  last = chk_store_get_last_run (f->store, job, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (last->id, ==, newest);
  g_assert_cmpint (last->started, ==, 300);

  tied = add_run (f, job, 300, "running");
  tie = chk_store_get_last_run (f->store, job, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tie->id, ==, tied);
}

typedef struct
{
  GArray *ids;
  GArray *last_run_ids;
  GPtrArray *names;
  guint stop_after;
} ForeachSeen;

static gboolean
foreach_job_cb (const ChkStoreJob   *job,
                const ChkRunRecord  *last_run,
                gpointer             user_data,
                GError             **error)
{
  ForeachSeen *seen = user_data;
  g_autoptr(GVariant) expected = g_variant_ref_sink (make_spec (job->name));
  guint64 last_run_id = last_run != NULL ? last_run->id : 0;

  g_assert_true (g_variant_equal (job->spec, expected));
  g_assert_cmpint (job->created, ==, 1000);
  g_array_append_val (seen->ids, job->id);
  g_array_append_val (seen->last_run_ids, last_run_id);
  g_ptr_array_add (seen->names, g_strdup (job->name));
  if (last_run != NULL)
    g_assert_cmpuint (last_run->job_id, ==, job->id);

  if (seen->ids->len == seen->stop_after)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "stop");
      return FALSE;
    }
  return TRUE;
}

/* Every job in id order, each with the run chk_store_get_last_run() finds */
static void
test_jobs_foreach (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GArray) last_run_ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  ForeachSeen seen = { ids, last_run_ids, names, 0 };
  guint64 job = add_job (f, "job");
  guint64 never = add_job (f, "never-ran");
  guint64 other = add_job (f, "other");
  guint64 newest, tied, other_run;

  add_run (f, job, 100, "success");
  newest = add_run (f, job, 300, "failure");
  add_run (f, job, 200, "success");
  other_run = add_run (f, other, 900, "success");

  g_assert_true (chk_store_foreach_job (f->store, foreach_job_cb, &seen, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 3);
  g_assert_cmpuint (g_array_index (ids, guint64, 0), ==, job);
  g_assert_cmpuint (g_array_index (ids, guint64, 1), ==, never);
  g_assert_cmpuint (g_array_index (ids, guint64, 2), ==, other);
  g_assert_cmpstr (g_ptr_array_index (names, 1), ==, "never-ran");
  g_assert_cmpuint (g_array_index (last_run_ids, guint64, 0), ==, newest);
  g_assert_cmpuint (g_array_index (last_run_ids, guint64, 1), ==, 0);
  g_assert_cmpuint (g_array_index (last_run_ids, guint64, 2), ==, other_run);

  /* A tie on the start goes to the later run, as with chk_store_get_last_run(). */
  tied = add_run (f, job, 300, "running");
  g_array_set_size (ids, 0);
  g_array_set_size (last_run_ids, 0);
  g_assert_true (chk_store_foreach_job (f->store, foreach_job_cb, &seen, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_array_index (last_run_ids, guint64, 0), ==, tied);

  /* The callback's error stops it; the statement is usable again after. */
  g_array_set_size (ids, 0);
  seen.stop_after = 2;
  g_assert_false (chk_store_foreach_job (f->store, foreach_job_cb, &seen, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (ids->len, ==, 2);
  g_clear_error (&error);
  g_array_set_size (ids, 0);
  seen.stop_after = 0;
  g_assert_true (chk_store_foreach_job (f->store, foreach_job_cb, &seen, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 3);
}

static void
test_runs_list_filters (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint64 a = add_job (f, "a");
  guint64 b = add_job (f, "b");
  guint64 a100, a200, a300, a300b, b150, b250, b300;

  a100 = add_run (f, a, 100, "success");
  a200 = add_run (f, a, 200, "failure");
  a300 = add_run (f, a, 300, "running");
  b150 = add_run (f, b, 150, "success");
  b250 = add_run (f, b, 250, "failure");
  a300b = add_run (f, a, 300, "success");

  {
    g_autoptr(GPtrArray) runs = chk_store_list_runs (f->store, NULL, &error);
    const guint64 expected[] = { a300b, a300, b250, a200, b150, a100 };

    g_assert_no_error (error);
    assert_run_ids (runs, expected, G_N_ELEMENTS (expected));
  }
  {
    ChkRunFilter filter = { .job_id = a };
    g_autoptr(GPtrArray) runs = chk_store_list_runs (f->store, &filter, &error);
    const guint64 expected[] = { a300b, a300, a200, a100 };

    g_assert_no_error (error);
    assert_run_ids (runs, expected, G_N_ELEMENTS (expected));
  }
  {
    ChkRunFilter filter = { .outcome = "failure" };
    g_autoptr(GPtrArray) runs = chk_store_list_runs (f->store, &filter, &error);
    const guint64 expected[] = { b250, a200 };

    g_assert_no_error (error);
    assert_run_ids (runs, expected, G_N_ELEMENTS (expected));
  }
  {
    ChkRunFilter filter = { .since = 200 };
    g_autoptr(GPtrArray) runs = chk_store_list_runs (f->store, &filter, &error);
    const guint64 expected[] = { a300b, a300, b250, a200 };

    g_assert_no_error (error);
    assert_run_ids (runs, expected, G_N_ELEMENTS (expected));
  }
  {
    ChkRunFilter filter = { .job_id = a, .outcome = "success", .since = 150 };
    g_autoptr(GPtrArray) runs = chk_store_list_runs (f->store, &filter, &error);
    const guint64 expected[] = { a300b };

    g_assert_no_error (error);
    assert_run_ids (runs, expected, G_N_ELEMENTS (expected));
  }
  {
    ChkRunFilter filter = { .job_id = b, .outcome = "running" };
    g_autoptr(GPtrArray) runs = chk_store_list_runs (f->store, &filter, &error);

    g_assert_no_error (error);
    assert_run_ids (runs, NULL, 0);
  }
  {
    ChkRunFilter filter = { .limit = 2, .offset = 2 };
    g_autoptr(GPtrArray) runs = chk_store_list_runs (f->store, &filter, &error);
    const guint64 expected[] = { b250, a200 };

    g_assert_no_error (error);
    assert_run_ids (runs, expected, G_N_ELEMENTS (expected));
  }
  /* A set of jobs (the system daemon's caller's own): none, one, both */
  {
    g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint64));
    ChkRunFilter filter = { .job_ids = ids };
    g_autoptr(GPtrArray) none = chk_store_list_runs (f->store, &filter, &error);
    g_autoptr(GPtrArray) of_b = NULL;
    g_autoptr(GPtrArray) of_both = NULL;
    const guint64 expected_b[] = { b250, b150 };
    const guint64 expected_both[] = { a300b, a300, b250 };

    g_assert_no_error (error);
    assert_run_ids (none, NULL, 0);
    g_array_append_val (ids, b);
    of_b = chk_store_list_runs (f->store, &filter, &error);
    g_assert_no_error (error);
    assert_run_ids (of_b, expected_b, G_N_ELEMENTS (expected_b));
    g_array_append_val (ids, a);
    filter.since = 250;
    of_both = chk_store_list_runs (f->store, &filter, &error);
    g_assert_no_error (error);
    assert_run_ids (of_both, expected_both, G_N_ELEMENTS (expected_both));
  }
  {
    ChkRunFilter filter = { .job_id = a, .limit = 10, .offset = 3 };
    g_autoptr(GPtrArray) runs = chk_store_list_runs (f->store, &filter, &error);
    const guint64 expected[] = { a100 };

    g_assert_no_error (error);
    assert_run_ids (runs, expected, G_N_ELEMENTS (expected));
  }

  /* Ties on the start time go newest id first, whichever index a filter
   * makes SQLite use. */
  b300 = add_run (f, b, 300, "success");
  {
    ChkRunFilter filter = { .outcome = "success" };
    g_autoptr(GPtrArray) runs = chk_store_list_runs (f->store, &filter, &error);
    const guint64 expected[] = { b300, a300b, b150, a100 };

    g_assert_no_error (error);
    assert_run_ids (runs, expected, G_N_ELEMENTS (expected));
  }
  {
    ChkRunFilter filter = { .since = 300 };
    g_autoptr(GPtrArray) runs = chk_store_list_runs (f->store, &filter, &error);
    const guint64 expected[] = { b300, a300b, a300 };

    g_assert_no_error (error);
    assert_run_ids (runs, expected, G_N_ELEMENTS (expected));
  }
}

static void
test_runs_list_paging (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) first = NULL;
  guint64 job = add_job (f, "many");
  gint64 last_started = G_MAXINT64;
  guint n_pages = 0;

  g_assert_no_error (error);
  g_assert_true (chk_store_begin (f->store, &error));
  for (guint i = 0; i < 105; i++)
    add_run (f, job, 1000 + (i * 7919) % 105, "success");
  g_assert_true (chk_store_commit (f->store, &error));
  g_assert_no_error (error);

  /* A limit of 0 is the default of 100. */
  first = chk_store_list_runs (f->store, &(ChkRunFilter) { .job_id = job }, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->len, ==, 100);

  for (guint offset = 0; ; offset += 40)
    {
      ChkRunFilter filter = { .job_id = job, .limit = 40, .offset = offset };
      g_autoptr(GPtrArray) page = chk_store_list_runs (f->store, &filter, &error);

      g_assert_no_error (error);
      if (page->len == 0)
        break;
      n_pages++;
      for (guint i = 0; i < page->len; i++)
        {
          ChkRunRecord *run = g_ptr_array_index (page, i);

          g_assert_cmpint (run->started, <=, last_started);
          last_started = run->started;
          g_assert_false (g_hash_table_contains (seen, GSIZE_TO_POINTER (run->id)));
          g_hash_table_add (seen, GSIZE_TO_POINTER (run->id));
        }
    }

  g_assert_cmpuint (n_pages, ==, 3);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 105);
}

static void
test_runs_unfinished (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  guint64 a = add_job (f, "a");
  guint64 b = add_job (f, "b");
  guint64 r1, r2;

  add_run (f, a, 100, "success");
  r1 = add_run (f, a, 200, "running");
  add_run (f, b, 300, "interrupted");
  r2 = add_run (f, b, 400, "running");

  runs = chk_store_list_unfinished_runs (f->store, &error);
  g_assert_no_error (error);
  {
    const guint64 expected[] = { r1, r2 };

    assert_run_ids (runs, expected, G_N_ELEMENTS (expected));
  }
}

static void
test_runs_purge (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GBytes) bytes = make_data (0, 0, 10);
  guint64 a = add_job (f, "a");
  guint64 b = add_job (f, "b");
  guint64 old_ok, old_running, old_failed, recent;
  guint deleted = 0;

  old_ok = add_run (f, a, 100, "success");
  old_running = add_run (f, a, 200, "running");
  old_failed = add_run (f, b, 300, "failure");
  recent = add_run (f, b, 400, "success");
  append_one (f, old_ok, 1, CHK_STREAM_STDOUT, bytes);
  append_one (f, old_ok, 2, CHK_STREAM_STDERR, bytes);
  append_one (f, old_running, 1, CHK_STREAM_STDOUT, bytes);
  append_one (f, old_failed, 1, CHK_STREAM_STDOUT, bytes);
  append_one (f, recent, 1, CHK_STREAM_STDOUT, bytes);

  g_assert_true (chk_store_purge_runs (f->store, 350, &deleted, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (deleted, ==, 2);

  runs = chk_store_list_runs (f->store, NULL, &error);
  g_assert_no_error (error);
  {
    const guint64 expected[] = { recent, old_running };

    assert_run_ids (runs, expected, G_N_ELEMENTS (expected));
  }
  g_assert_cmpuint (count_rows (f, "SELECT count(*) FROM output"), ==, 2);

  /* Nothing left to purge before that time. */
  g_assert_true (chk_store_purge_runs (f->store, 350, &deleted, &error));
  g_assert_cmpuint (deleted, ==, 0);
}

static void
test_runs_trim (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs_a = NULL;
  g_autoptr(GPtrArray) runs_b = NULL;
  g_autoptr(GBytes) bytes = make_data (0, 0, 10);
  guint64 a = add_job (f, "a");
  guint64 b = add_job (f, "b");
  guint64 a_ids[5];
  guint64 old_running, new_running;
  guint deleted = 0;

  old_running = add_run (f, a, 1, "running");
  for (guint i = 0; i < G_N_ELEMENTS (a_ids); i++)
    {
      a_ids[i] = add_run (f, a, 10 + i, i % 2 ? "failure" : "success");
      append_one (f, a_ids[i], 1, CHK_STREAM_STDOUT, bytes);
    }
  new_running = add_run (f, a, 100, "running");
  for (guint i = 0; i < 3; i++)
    add_run (f, b, 5 + i, "success");

  g_assert_true (chk_store_trim_runs (f->store, a, 2, &deleted, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (deleted, ==, 3);

  runs_a = chk_store_list_runs (f->store, &(ChkRunFilter) { .job_id = a }, &error);
  g_assert_no_error (error);
  {
    const guint64 expected[] = { new_running, a_ids[4], a_ids[3], old_running };

    assert_run_ids (runs_a, expected, G_N_ELEMENTS (expected));
  }
  g_assert_cmpuint (count_rows (f, "SELECT count(*) FROM output"), ==, 2);

  runs_b = chk_store_list_runs (f->store, &(ChkRunFilter) { .job_id = b }, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs_b->len, ==, 3);

  /* 0 keeps no finished run, but still every running one. */
  g_assert_true (chk_store_trim_runs (f->store, a, 0, &deleted, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (deleted, ==, 2);
  g_clear_pointer (&runs_a, g_ptr_array_unref);
  runs_a = chk_store_list_runs (f->store, &(ChkRunFilter) { .job_id = a }, &error);
  {
    const guint64 expected[] = { new_running, old_running };

    assert_run_ids (runs_a, expected, G_N_ELEMENTS (expected));
  }
  g_assert_cmpuint (count_rows (f, "SELECT count(*) FROM runs"), ==, 5);
}

/* Output */

static void
test_output_append_read (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  g_autoptr(GBytes) one = g_bytes_new_static ("hello\n", 6);
  g_autoptr(GBytes) two = g_bytes_new_static ("oops\n", 5);
  g_autoptr(GBytes) three = g_bytes_new_static ("bye\n", 4);
  guint64 run = add_run (f, add_job (f, "job"), 1, "running");
  ChkOutputChunk batch[] = {
    { run, 1, CHK_STREAM_STDOUT, 101, one },
    { run, 2, CHK_STREAM_STDERR, 102, two },
    { run, 3, CHK_STREAM_STDOUT, 103, three },
  };

  g_assert_true (chk_store_append_output (f->store, batch, G_N_ELEMENTS (batch), &error));
  g_assert_no_error (error);

  chunks = chk_store_read_output (f->store, run, 0, G_MAXSIZE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chunks->len, ==, 3);
  for (guint i = 0; i < chunks->len; i++)
    {
      ChkOutputChunk *chunk = g_ptr_array_index (chunks, i);

      g_assert_cmpuint (chunk->run_id, ==, run);
      g_assert_cmpuint (chunk->seq, ==, batch[i].seq);
      g_assert_cmpint (chunk->stream, ==, batch[i].stream);
      g_assert_cmpint (chunk->time, ==, batch[i].time);
      g_assert_true (g_bytes_equal (chunk->data, batch[i].data));
    }

  g_clear_pointer (&chunks, g_ptr_array_unref);
  chunks = chk_store_read_output (f->store, run, 3, G_MAXSIZE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chunks->len, ==, 0);

  g_assert_true (chk_store_append_output (f->store, NULL, 0, &error));
  g_assert_no_error (error);
}

static guint64
read_page (Fixture *f,
           guint64  run,
           guint64  after,
           gsize    max_bytes,
           guint    expected_len,
           guint64  expected_first)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chunks = chk_store_read_output (f->store, run, after, max_bytes, &error);
  ChkOutputChunk *last;

  g_assert_no_error (error);
  g_assert_cmpuint (chunks->len, ==, expected_len);
  if (expected_len == 0)
    return after;

  g_assert_cmpuint (((ChkOutputChunk *) chunks->pdata[0])->seq, ==, expected_first);
  for (guint i = 1; i < chunks->len; i++)
    g_assert_cmpuint (((ChkOutputChunk *) chunks->pdata[i])->seq, >,
                      ((ChkOutputChunk *) chunks->pdata[i - 1])->seq);

  last = g_ptr_array_index (chunks, chunks->len - 1);
  return last->seq;
}

static void
test_output_paging (Fixture       *f,
                    gconstpointer  data)
{
  guint64 run = add_run (f, add_job (f, "job"), 1, "running");
  guint64 after;

  /* seq 1-5: 100 bytes; 6: 1000 bytes; 7-8: 100 bytes; seq 10 after a gap */
  for (guint64 seq = 1; seq <= 10; seq++)
    {
      g_autoptr(GBytes) bytes = make_data (run, seq, seq == 6 ? 1000 : 100);

      if (seq != 9)
        append_one (f, run, seq, CHK_STREAM_STDOUT, bytes);
    }

  after = read_page (f, run, 0, 250, 2, 1);
  g_assert_cmpuint (after, ==, 2);
  after = read_page (f, run, after, 300, 3, 3);
  g_assert_cmpuint (after, ==, 5);
  /* Larger than max_bytes, but a page is never empty while chunks are left. */
  after = read_page (f, run, after, 250, 1, 6);
  g_assert_cmpuint (after, ==, 6);
  after = read_page (f, run, after, 0, 1, 7);
  g_assert_cmpuint (after, ==, 7);
  after = read_page (f, run, after, 200, 2, 8);
  g_assert_cmpuint (after, ==, 10);
  read_page (f, run, after, 200, 0, 0);
  read_page (f, run, 0, 1500, 6, 1);
  read_page (f, run, 0, 1499, 5, 1);
  read_page (f, run, 0, 1800, 9, 1);
}

static void
test_output_binary_and_empty (Fixture       *f,
                              gconstpointer  data)
{
  static const guint8 binary[] = { 'a', 0, 'b', 0, 0, 0xff, 0xfe, 0x80, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  g_autoptr(GBytes) bin = g_bytes_new_static (binary, sizeof binary);
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GBytes) nul = g_bytes_new_static ("", 1);
  g_autoptr(ChkRunRecord) record = NULL;
  guint64 run = add_run (f, add_job (f, "job"), 1, "running");
  ChkOutputChunk batch[] = {
    { run, 1, CHK_STREAM_STDOUT, 1, bin },
    { run, 2, CHK_STREAM_STDERR, 2, empty },
    { run, 3, CHK_STREAM_STDOUT, 3, nul },
  };

  g_assert_true (chk_store_append_output (f->store, batch, G_N_ELEMENTS (batch), &error));
  g_assert_no_error (error);

  chunks = chk_store_read_output (f->store, run, 0, G_MAXSIZE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chunks->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      ChkOutputChunk *chunk = g_ptr_array_index (chunks, i);
      gsize size = 0;
      gconstpointer got = g_bytes_get_data (chunk->data, &size);
      gsize expected_size = 0;
      gconstpointer expected = g_bytes_get_data (batch[i].data, &expected_size);

      g_assert_nonnull (chunk->data);
      g_assert_cmpmem (got, size, expected, expected_size);
    }
  g_assert_cmpuint (g_bytes_get_size (((ChkOutputChunk *) chunks->pdata[1])->data), ==, 0);
  g_assert_cmpint (((ChkOutputChunk *) chunks->pdata[1])->stream, ==, CHK_STREAM_STDERR);

  record = chk_store_get_run (f->store, run, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (record->stdout_bytes, ==, sizeof binary + 1);
  g_assert_cmpuint (record->stderr_bytes, ==, 0);
}

static void
test_output_byte_counters (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkRunRecord) stale = NULL;
  g_autoptr(ChkRunRecord) r1 = NULL;
  g_autoptr(ChkRunRecord) r2 = NULL;
  g_autoptr(GBytes) ten = make_data (0, 0, 10);
  g_autoptr(GBytes) five = make_data (0, 0, 5);
  g_autoptr(GBytes) three = make_data (0, 0, 3);
  guint64 job = add_job (f, "job");
  guint64 run1 = add_run (f, job, 1, "running");
  guint64 run2 = add_run (f, job, 2, "running");
  ChkOutputChunk batch[] = {
    { run1, 1, CHK_STREAM_STDOUT, 1, ten },
    { run1, 2, CHK_STREAM_STDERR, 2, five },
    { run2, 1, CHK_STREAM_STDERR, 3, three },
    { run1, 3, CHK_STREAM_STDOUT, 4, three },
  };

  stale = chk_store_get_run (f->store, run1, &error);
  g_assert_no_error (error);

  g_assert_true (chk_store_append_output (f->store, batch, G_N_ELEMENTS (batch), &error));
  g_assert_no_error (error);
  append_one (f, run1, 4, CHK_STREAM_STDERR, ten);

  /* A finishing runner's older copy must not reset the counters. */
  g_free (stale->outcome);
  stale->outcome = g_strdup ("success");
  g_assert_true (chk_store_update_run (f->store, stale, &error));
  g_assert_no_error (error);

  /* Dropping the middle of the output keeps counting what was written. */
  g_assert_true (chk_store_delete_output (f->store, run1, 1, 2, &error));
  g_assert_no_error (error);

  r1 = chk_store_get_run (f->store, run1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (r1->outcome, ==, "success");
  g_assert_cmpuint (r1->stdout_bytes, ==, 13);
  g_assert_cmpuint (r1->stderr_bytes, ==, 15);
  r2 = chk_store_get_run (f->store, run2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r2->stdout_bytes, ==, 0);
  g_assert_cmpuint (r2->stderr_bytes, ==, 3);
}

static void
test_output_delete_range (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  guint64 job = add_job (f, "job");
  guint64 run = add_run (f, job, 1, "running");
  guint64 other = add_run (f, job, 2, "running");
  const guint64 expected[] = { 1, 2, 8, 9, 10 };

  for (guint64 seq = 1; seq <= 10; seq++)
    {
      g_autoptr(GBytes) bytes = make_data (run, seq, 10);

      append_one (f, run, seq, CHK_STREAM_STDOUT, bytes);
      append_one (f, other, seq, CHK_STREAM_STDOUT, bytes);
    }

  g_assert_true (chk_store_delete_output (f->store, run, 3, 7, &error));
  g_assert_no_error (error);
  /* A range with nothing left in it is no error. */
  g_assert_true (chk_store_delete_output (f->store, run, 4, 6, &error));
  g_assert_no_error (error);

  chunks = chk_store_read_output (f->store, run, 0, G_MAXSIZE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chunks->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < chunks->len; i++)
    g_assert_cmpuint (((ChkOutputChunk *) chunks->pdata[i])->seq, ==, expected[i]);

  g_assert_cmpuint (count_rows (f, "SELECT count(*) FROM output"), ==, 15);

  g_assert_false (chk_store_delete_output (f->store, 999, 1, 2, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "No run with id 999");
}

static GBytes *
text_bytes (const char *text)
{
  return g_bytes_new (text, strlen (text));
}

static void
assert_tail (Fixture    *f,
             guint64     run_id,
             ChkStream   stream,
             gsize       max_bytes,
             const char *expected,
             gboolean    expected_cut)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) tail = NULL;
  gboolean cut = !expected_cut;
  gsize size;
  const char *data;

  tail = chk_store_read_output_tail (f->store, run_id, stream, max_bytes, &cut, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (tail, &size);
  g_assert_cmpmem (data, size, expected, strlen (expected));
  g_assert_cmpint (cut, ==, expected_cut);
}

static void
test_output_tail (Fixture       *f,
                  gconstpointer  data)
{
  guint64 run_id = add_run (f, add_job (f, "tail"), 1, "failure");
  g_autoptr(GBytes) a = text_bytes ("first ");
  g_autoptr(GBytes) b = text_bytes ("OUT");
  g_autoptr(GBytes) c = text_bytes ("second ");
  g_autoptr(GBytes) d = text_bytes ("third");

  append_one (f, run_id, 1, CHK_STREAM_STDERR, a);
  append_one (f, run_id, 2, CHK_STREAM_STDOUT, b);
  append_one (f, run_id, 3, CHK_STREAM_STDERR, c);
  append_one (f, run_id, 4, CHK_STREAM_STDERR, d);

  assert_tail (f, run_id, CHK_STREAM_STDERR, 1000, "first second third", FALSE);
  assert_tail (f, run_id, CHK_STREAM_STDERR, 18, "first second third", FALSE);
  /* Cut inside a chunk, and exactly at a chunk's start */
  assert_tail (f, run_id, CHK_STREAM_STDERR, 10, "cond third", TRUE);
  assert_tail (f, run_id, CHK_STREAM_STDERR, 12, "second third", TRUE);
  assert_tail (f, run_id, CHK_STREAM_STDOUT, 1000, "OUT", FALSE);
  assert_tail (f, run_id, CHK_STREAM_STDOUT, 0, "", TRUE);
  /* No output, or no such run: nothing */
  assert_tail (f, run_id + 1, CHK_STREAM_STDOUT, 1000, "", FALSE);
}

static void
test_runs_alert_error_and_http_status (Fixture       *f,
                                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  g_autoptr(ChkRunRecord) stale = NULL;
  guint64 run_id = add_run (f, add_job (f, "check"), 1, "running");

  stale = chk_store_get_run (f->store, run_id, &error);
  g_assert_no_error (error);

  g_assert_true (chk_store_set_run_alert_error (f->store, run_id, "Webhook: HTTP 500", &error));
  g_assert_no_error (error);

  /* The runner's stale copy does not roll the alert error back. */
  stale->http_status = 503;
  g_free (stale->outcome);
  stale->outcome = g_strdup ("failure");
  g_assert_true (chk_store_update_run (f->store, stale, &error));
  g_assert_no_error (error);

  run = chk_store_get_run (f->store, run_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (run->http_status, ==, 503);
  g_assert_cmpstr (run->outcome, ==, "failure");
  g_assert_cmpstr (run->alert_error, ==, "Webhook: HTTP 500");

  g_assert_false (chk_store_set_run_alert_error (f->store, run_id + 100, "x", &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND);
}

static void
test_output_unknown_run (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  g_autoptr(GBytes) bytes = make_data (0, 0, 10);
  ChkOutputChunk chunk = { 999, 1, CHK_STREAM_STDOUT, 1, bytes };

  g_assert_false (chk_store_append_output (f->store, &chunk, 1, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "No run with id 999");
  g_clear_error (&error);

  chunks = chk_store_read_output (f->store, 999, 0, 100, &error);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "No run with id 999");
  g_assert_null (chunks);
  g_assert_cmpuint (count_rows (f, "SELECT count(*) FROM output"), ==, 0);
}

static void
test_output_batch_is_atomic (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  g_autoptr(ChkRunRecord) record = NULL;
  g_autoptr(GBytes) bytes = make_data (0, 0, 10);
  guint64 run = add_run (f, add_job (f, "job"), 1, "running");
  ChkOutputChunk batch[] = {
    { run, 2, CHK_STREAM_STDOUT, 1, bytes },
    { run, 3, CHK_STREAM_STDERR, 1, bytes },
    { run, 1, CHK_STREAM_STDOUT, 1, bytes },
  };

  append_one (f, run, 1, CHK_STREAM_STDOUT, bytes);

  /* seq 1 is taken: the chunks before it in the batch go too. */
  g_assert_false (chk_store_append_output (f->store, batch, G_N_ELEMENTS (batch), &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "run"));
  g_clear_error (&error);

  chunks = chk_store_read_output (f->store, run, 0, G_MAXSIZE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chunks->len, ==, 1);
  record = chk_store_get_run (f->store, run, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (record->stdout_bytes, ==, 10);
  g_assert_cmpuint (record->stderr_bytes, ==, 0);
}

/* Settings */

static void
test_settings_roundtrip (Fixture       *f,
                         gconstpointer  data)
{
  const char * const emails[] = { "a@example.org", "b@example.org", NULL };
  struct
  {
    const char *key;
    GVariant   *value;
  } settings[] = {
    { "allow-shell", g_variant_new_boolean (FALSE) },
    { "max-concurrent-runs", g_variant_new_uint32 (G_MAXUINT32) },
    { "email-from", g_variant_new_string ("chroniker ✓ <c@example.org>") },
    { "email-to", g_variant_new_strv (emails, -1) },
    { "epoch", g_variant_new_int64 (G_MININT64) },
    { "ratio", g_variant_new_double (0.25) },
    { "pair", g_variant_new ("(ia{sv})", -7, NULL) },
    { "empty", g_variant_new_string ("") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      g_autoptr(GError) error = NULL;

      g_variant_ref_sink (settings[i].value);
      g_assert_true (chk_store_set_setting (f->store, settings[i].key, settings[i].value, &error));
      g_assert_no_error (error);
    }

  reopen (f);

  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) value = chk_store_get_setting (f->store, settings[i].key, &error);

      g_assert_no_error (error);
      g_assert_nonnull (value);
      g_assert_true (g_variant_equal (value, settings[i].value));
      g_variant_unref (settings[i].value);
    }
}

static void
test_settings_overwrite_delete_list (Fixture       *f,
                                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) unset = NULL;
  g_autoptr(GVariant) retyped = NULL;
  g_autoptr(GHashTable) all = NULL;
  g_autoptr(GHashTable) fewer = NULL;

  unset = chk_store_get_setting (f->store, "smtp-url", &error);
  g_assert_no_error (error);
  g_assert_null (unset);

  g_assert_true (chk_store_set_setting (f->store, "a", g_variant_new_uint32 (1), &error));
  g_assert_true (chk_store_set_setting (f->store, "b", g_variant_new_boolean (TRUE), &error));
  g_assert_true (chk_store_set_setting (f->store, "c", g_variant_new_string ("x"), &error));
  g_assert_true (chk_store_set_setting (f->store, "a", g_variant_new_string ("now text"), &error));
  g_assert_no_error (error);

  retyped = chk_store_get_setting (f->store, "a", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_variant_get_type_string (retyped), ==, "s");
  g_assert_cmpstr (g_variant_get_string (retyped, NULL), ==, "now text");

  all = chk_store_list_settings (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (all), ==, 3);
  g_assert_true (g_variant_get_boolean (g_hash_table_lookup (all, "b")));
  g_assert_cmpstr (g_variant_get_string (g_hash_table_lookup (all, "c"), NULL), ==, "x");

  g_assert_true (chk_store_set_setting (f->store, "b", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (chk_store_set_setting (f->store, "never-set", NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&unset, g_variant_unref);
  unset = chk_store_get_setting (f->store, "b", &error);
  g_assert_no_error (error);
  g_assert_null (unset);

  fewer = chk_store_list_settings (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (fewer), ==, 2);
  g_assert_false (g_hash_table_contains (fewer, "b"));
}

static void
test_settings_corrupt (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) bad_type = NULL;
  g_autoptr(GVariant) bad_bytes = NULL;
  g_autoptr(GHashTable) all = NULL;
  g_autoptr(GBytes) zero = g_bytes_new_static ("\x00", 1);
  g_autoptr(GBytes) garbage = g_bytes_new_static ("\xff\x00\xff", 3);

  exec_with_bytes (f, "INSERT INTO settings (key, type, value) VALUES ('indefinite', 'a*', $1)",
                   zero);
  exec_with_bytes (f, "INSERT INTO settings (key, type, value) VALUES ('garbage', 's', $1)",
                   garbage);

  bad_type = chk_store_get_setting (f->store, "indefinite", &error);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_assert_null (bad_type);
  g_clear_error (&error);

  /* Bad bytes of a good type give some value of that type, never a crash. */
  bad_bytes = chk_store_get_setting (f->store, "garbage", &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_is_of_type (bad_bytes, G_VARIANT_TYPE_STRING));
  g_assert_true (g_utf8_validate (g_variant_get_string (bad_bytes, NULL), -1, NULL));

  all = chk_store_list_settings (f->store, &error);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_assert_null (all);
}

/* Transactions */

static void
test_transaction_rollback (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GHashTable) settings = NULL;
  g_autoptr(GBytes) bytes = make_data (0, 0, 100);
  guint64 kept = add_job (f, "kept");
  guint64 job, run;

  g_assert_true (chk_store_begin (f->store, &error));
  g_assert_no_error (error);
  job = add_job (f, "doomed");
  run = add_run (f, job, 1, "running");
  add_run (f, kept, 1, "running");
  append_one (f, run, 1, CHK_STREAM_STDOUT, bytes);
  g_assert_true (chk_store_set_setting (f->store, "x", g_variant_new_boolean (TRUE), &error));
  g_assert_true (chk_store_delete_job (f->store, kept, &error));
  g_assert_no_error (error);
  chk_store_rollback (f->store);

  jobs = chk_store_list_jobs (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jobs->len, ==, 1);
  g_assert_cmpuint (((ChkStoreJob *) jobs->pdata[0])->id, ==, kept);
  runs = chk_store_list_runs (f->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 0);
  settings = chk_store_list_settings (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (settings), ==, 0);
  g_assert_cmpuint (count_rows (f, "SELECT count(*) FROM output"), ==, 0);

  /* The store is usable, and in autocommit mode, after a rollback. */
  add_job (f, "after");
  reopen (f);
  g_assert_cmpuint (count_jobs (f->store), ==, 2);
}

static void
test_transaction_commit (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (chk_store_begin (f->store, &error));
  g_assert_no_error (error);
  add_job (f, "one");
  add_job (f, "two");
  /* Uncommitted work is invisible to another connection. */
  g_assert_cmpuint (count_rows (f, "SELECT count(*) FROM jobs"), ==, 0);
  g_assert_true (chk_store_commit (f->store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_rows (f, "SELECT count(*) FROM jobs"), ==, 2);

  reopen (f);
  g_assert_cmpuint (count_jobs (f->store), ==, 2);
}

static void
test_transaction_nested_begin (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (chk_store_begin (f->store, &error));
  g_assert_no_error (error);

  g_test_expect_message ("chk-store", G_LOG_LEVEL_CRITICAL, "*in_transaction*");
  g_assert_false (chk_store_begin (f->store, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  chk_store_rollback (f->store);

  g_test_expect_message ("chk-store", G_LOG_LEVEL_CRITICAL, "*in_transaction*");
  g_assert_false (chk_store_commit (f->store, &error));
  g_test_assert_expected_messages ();
}

static void
test_transaction_failed_call_inside (Fixture       *f,
                                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  g_autoptr(ChkRunRecord) record = NULL;
  g_autoptr(GBytes) bytes = make_data (0, 0, 10);
  guint64 run = add_run (f, add_job (f, "job"), 1, "running");
  ChkOutputChunk batch[] = {
    { run, 2, CHK_STREAM_STDOUT, 1, bytes },
    { run, 1, CHK_STREAM_STDOUT, 1, bytes },
  };

  g_assert_true (chk_store_begin (f->store, &error));
  append_one (f, run, 1, CHK_STREAM_STDERR, bytes);
  g_assert_false (chk_store_append_output (f->store, batch, G_N_ELEMENTS (batch), &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_clear_error (&error);
  /* The failed call took back its own work, not the transaction's. */
  g_assert_true (chk_store_commit (f->store, &error));
  g_assert_no_error (error);

  chunks = chk_store_read_output (f->store, run, 0, G_MAXSIZE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chunks->len, ==, 1);
  g_assert_cmpint (((ChkOutputChunk *) chunks->pdata[0])->stream, ==, CHK_STREAM_STDERR);
  record = chk_store_get_run (f->store, run, &error);
  g_assert_cmpuint (record->stdout_bytes, ==, 0);
  g_assert_cmpuint (record->stderr_bytes, ==, 10);
}

/* Crash safety */

#define CRASH_COMMITTED_RUNS 3
#define CRASH_COMMITTED_CHUNKS 10
#define CRASH_COMMITTED_SIZE 4096
#define CRASH_PENDING_CHUNKS 400
#define CRASH_PENDING_SIZE 65536

/* Runs in a child process: commits known work, then leaves a large
 * transaction open and waits to be killed. With @in_files, every chunk of
 * output goes to the runs' output files, else all into the database.
 */
static int
crash_child (const char *path,
             gboolean    in_files)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkStore) store = NULL;
  g_autoptr(GBytes) pending = NULL;
  g_autoptr(ChkRunRecord) run = NULL;
  guint64 job = 0;
  char c;

  store = chk_store_new (path, &error);
  g_assert_no_error (error);
  chk_store_set_output_file_min (store, in_files ? 0 : G_MAXSIZE);
  g_assert_true (chk_store_add_job (store, "crash", make_spec ("crash"), 1, &job, &error));
  g_assert_no_error (error);

  for (guint r = 1; r <= CRASH_COMMITTED_RUNS; r++)
    {
      g_autoptr(ChkRunRecord) record = chk_run_record_new ();

      record->job_id = job;
      record->started = r;
      record->outcome = g_strdup ("success");
      g_assert_true (chk_store_add_run (store, record, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (record->id, ==, r);

      for (guint64 seq = 1; seq <= CRASH_COMMITTED_CHUNKS; seq++)
        {
          g_autoptr(GBytes) bytes = make_data (r, seq, CRASH_COMMITTED_SIZE);
          ChkOutputChunk chunk = { r, seq, CHK_STREAM_STDOUT, seq, bytes };

          g_assert_true (chk_store_append_output (store, &chunk, 1, &error));
          g_assert_no_error (error);
        }
    }

  g_assert_true (chk_store_begin (store, &error));
  g_assert_no_error (error);

  run = chk_run_record_new ();
  run->job_id = job;
  run->started = 99;
  run->outcome = g_strdup ("running");
  g_assert_true (chk_store_add_run (store, run, &error));

  run->id = 2;
  run->started = 2;
  g_free (run->outcome);
  run->outcome = g_strdup ("failure");
  g_assert_true (chk_store_update_run (store, run, &error));
  g_assert_true (chk_store_set_setting (store, "uncommitted", g_variant_new_boolean (TRUE),
                                        &error));
  g_assert_no_error (error);

  /* Far more than SQLite's page cache holds, so uncommitted pages are
   * written to the WAL before the crash. */
  pending = make_data (1, 0, CRASH_PENDING_SIZE);
  for (guint64 i = 0; i < CRASH_PENDING_CHUNKS; i++)
    {
      ChkOutputChunk chunk = { 1, CRASH_COMMITTED_CHUNKS + 1 + i, CHK_STREAM_STDERR, 0, pending };

      g_assert_true (chk_store_append_output (store, &chunk, 1, &error));
      g_assert_no_error (error);
    }

  fputs ("ready\n", stdout);
  fflush (stdout);

  /* Waits for SIGKILL; end of input means the test died first. */
  while (read (STDIN_FILENO, &c, 1) > 0)
    ;
  _exit (1);
}

static void
test_crash_sigkill (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *self_exe = NULL;
  g_autofree char *line = NULL;
  g_autofree char *integrity = NULL;
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *run1_file = g_strconcat (f->path, ".output/1", NULL);
  gboolean in_files = GPOINTER_TO_INT (data);
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GVariant) setting = NULL;
  g_autoptr(ChkRunRecord) run2 = NULL;
  g_autoptr(GBytes) fresh = make_data (7, 7, 777);
  struct stat st;
  guint64 new_run;

  self_exe = g_file_read_link ("/proc/self/exe", &error);
  g_assert_no_error (error);

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                            &error, self_exe, in_files ? "--crash-child-files" : "--crash-child",
                            f->path, NULL);
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "ready");

  /* The uncommitted work really is on disk, in the WAL or in run 1's
   * output file. */
  g_assert_cmpint (g_stat (in_files ? run1_file : wal, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, CRASH_PENDING_CHUNKS * CRASH_PENDING_SIZE / 2);

  g_subprocess_send_signal (child, SIGKILL);
  g_assert_true (g_subprocess_wait (child, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (child));
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);

  f->store = chk_store_new (f->path, &error);
  g_assert_no_error (error);

  integrity = raw_query_text (f->path, "PRAGMA integrity_check");
  g_assert_cmpstr (integrity, ==, "ok");

  /* The output file was cut back to the records that were committed. */
  if (in_files)
    {
      g_assert_cmpint (g_stat (run1_file, &st), ==, 0);
      g_assert_cmpint (st.st_size, ==, CRASH_COMMITTED_CHUNKS * (CRASH_COMMITTED_SIZE + 32));
      chk_store_set_output_file_min (f->store, 0);
    }

  /* All that was committed is there, byte for byte. */
  runs = chk_store_list_runs (f->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, CRASH_COMMITTED_RUNS);
  for (guint r = 1; r <= CRASH_COMMITTED_RUNS; r++)
    {
      g_autoptr(ChkRunRecord) record = chk_store_get_run (f->store, r, &error);
      g_autoptr(GPtrArray) chunks = chk_store_read_output (f->store, r, 0, G_MAXSIZE, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (record->outcome, ==, "success");
      g_assert_cmpuint (record->stdout_bytes, ==, CRASH_COMMITTED_CHUNKS * CRASH_COMMITTED_SIZE);
      g_assert_cmpuint (record->stderr_bytes, ==, 0);
      g_assert_cmpuint (chunks->len, ==, CRASH_COMMITTED_CHUNKS);
      for (guint i = 0; i < chunks->len; i++)
        {
          ChkOutputChunk *chunk = g_ptr_array_index (chunks, i);
          g_autoptr(GBytes) expected = make_data (r, i + 1, CRASH_COMMITTED_SIZE);

          g_assert_cmpuint (chunk->seq, ==, i + 1);
          g_assert_true (g_bytes_equal (chunk->data, expected));
        }
    }

  /* None of what was not. */
  run2 = chk_store_get_run (f->store, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (run2->outcome, ==, "success");
  setting = chk_store_get_setting (f->store, "uncommitted", &error);
  g_assert_no_error (error);
  g_assert_null (setting);
  g_assert_cmpuint (count_rows (f, "SELECT count(*) FROM output"),
                    ==, CRASH_COMMITTED_RUNS * CRASH_COMMITTED_CHUNKS);

  /* And it takes new work, where the lost work would have gone. */
  append_one (f, 1, CRASH_COMMITTED_CHUNKS + 1, CHK_STREAM_STDERR, fresh);
  new_run = add_run (f, 1, 100, "running");
  append_one (f, new_run, 1, CHK_STREAM_STDOUT, fresh);
  reopen (f);
  {
    g_autoptr(GPtrArray) chunks = chk_store_read_output (f->store, 1, CRASH_COMMITTED_CHUNKS,
                                                         G_MAXSIZE, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (chunks->len, ==, 1);
    g_assert_true (g_bytes_equal (((ChkOutputChunk *) chunks->pdata[0])->data, fresh));
  }
  g_clear_pointer (&integrity, g_free);
  integrity = raw_query_text (f->path, "PRAGMA integrity_check");
  g_assert_cmpstr (integrity, ==, "ok");
}

/* Small types */

static void
test_misc_stream_to_string (void)
{
  g_assert_cmpstr (chk_stream_to_string (CHK_STREAM_STDOUT), ==, "stdout");
  g_assert_cmpstr (chk_stream_to_string (CHK_STREAM_STDERR), ==, "stderr");
}

static void
test_misc_run_record_copy (void)
{
  g_autoptr(ChkRunRecord) run = chk_run_record_new ();
  g_autoptr(ChkRunRecord) copy = NULL;

  g_assert_null (run->outcome);
  run->id = 5;
  run->job_name = g_strdup ("name");
  run->outcome = g_strdup ("success");
  run->stdout_bytes = G_MAXUINT64;
  run->progress_message = g_strdup ("msg");

  copy = chk_run_record_copy (run);
  g_assert_cmpuint (copy->id, ==, 5);
  g_assert_cmpuint (copy->stdout_bytes, ==, G_MAXUINT64);
  g_assert_cmpstr (copy->job_name, ==, "name");
  g_assert_true (copy->job_name != run->job_name);
  g_assert_cmpstr (copy->outcome, ==, "success");
  g_assert_null (copy->trigger);
  g_assert_cmpstr (copy->progress_message, ==, "msg");

  chk_run_record_free (NULL);
  chk_store_job_free (NULL);
  chk_output_chunk_free (NULL);
}

/* Storage faults */

/* Runs the store's idles and timers (probe, checks after a write) until
 * its problem is @expected ("" or a part of it), for at most 10 s. */
static void
wait_for_problem_within (ChkStore   *store,
                         const char *expected,
                         guint       seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  for (;;)
    {
      const char *problem = chk_store_get_problem (store);

      if (*expected == '\0' ? *problem == '\0' : strstr (problem, expected) != NULL)
        return;
      if (g_get_monotonic_time () > deadline)
        g_error ("The store's problem is “%s”, not “%s”", problem, expected);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
}

static void
wait_for_problem (ChkStore   *store,
                  const char *expected)
{
  wait_for_problem_within (store, expected, 10);
}

static void
test_faults_locked (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3) other = raw_open (f->path);
  g_autoptr(GVariant) value = NULL;
  gint64 start;

  g_assert_true (chk_store_set_setting (f->store, "before", g_variant_new_uint32 (1), &error));
  g_assert_no_error (error);

  /* Start-up is over once the main loop runs: from then on no wait is long. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  /* Another program takes the write lock, as a backup or a shell would. */
  g_assert_cmpint (sqlite3_exec (other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), ==, SQLITE_OK);

  g_test_expect_message ("chk-store", G_LOG_LEVEL_WARNING, "Storage fails*locked by another*");
  start = g_get_monotonic_time ();
  g_assert_false (chk_store_set_setting (f->store, "during", g_variant_new_uint32 (2), &error));
  g_test_assert_expected_messages ();
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "is locked by another program"));
  g_assert_nonnull (strstr (error->message, f->path));
  /* A short wait, not SQLite's usual seconds: the store runs on the main loop. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC / 2);
  g_assert_nonnull (strstr (chk_store_get_problem (f->store), "locked by another program"));
  g_clear_error (&error);

  /* Once a lock failed a write, later ones do not wait at all. */
  start = g_get_monotonic_time ();
  for (guint i = 0; i < 20; i++)
    {
      g_assert_false (chk_store_set_setting (f->store, "during", g_variant_new_uint32 (2), &error));
      g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
      g_clear_error (&error);
    }
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC / 4);

  /* Reads go on: WAL readers do not need the write lock. */
  value = chk_store_get_setting (f->store, "before", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_get_uint32 (value), ==, 1);

  /* The lock ends: the probe finds out, with no write of the caller's. */
  g_assert_cmpint (sqlite3_exec (other, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  wait_for_problem (f->store, "");
  g_assert_true (chk_store_set_setting (f->store, "after", g_variant_new_uint32 (3), &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_rows (f, "SELECT count(*) FROM settings WHERE key = 'chroniker-probe'"),
                   ==, 0);
}

static gpointer
release_lock_later_cb (gpointer data)
{
  sqlite3 *other = data;

  g_usleep (G_USEC_PER_SEC / 2);
  g_assert_cmpint (sqlite3_exec (other, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  return NULL;
}

static void
test_faults_locked_at_start (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3) other = raw_open (f->path);
  g_autoptr(GThread) thread = NULL;

  g_clear_object (&f->store);

  /* Nothing is served yet while the daemon starts: it waits for a lock
   * held a moment, as it always did, rather than failing to start. */
  g_assert_cmpint (sqlite3_exec (other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), ==, SQLITE_OK);
  thread = g_thread_new ("release-lock", release_lock_later_cb, other);
  f->store = chk_store_new (f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->store);
  g_thread_join (g_steal_pointer (&thread));
  add_job (f, "after");
  g_assert_cmpstr (chk_store_get_problem (f->store), ==, "");
}

static void
test_faults_run_update_kept (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3) other = raw_open (f->path);
  g_autoptr(ChkRunRecord) run = NULL;
  g_autoptr(ChkRunRecord) stored = NULL;
  guint64 job_id = add_job (f, "job");
  guint64 run_id = add_run (f, job_id, 10, "running");
  guint64 other_run_id = add_run (f, job_id, 20, "running");

  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_assert_cmpint (sqlite3_exec (other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), ==, SQLITE_OK);

  /* A run ends while another program holds the lock. */
  run = chk_store_get_run (f->store, run_id, &error);
  g_assert_no_error (error);
  g_free (run->outcome);
  run->outcome = g_strdup ("success");
  run->finished = 11;
  g_test_expect_message ("chk-store", G_LOG_LEVEL_WARNING, "Storage fails*locked*");
  g_assert_false (chk_store_update_run (f->store, run, &error));
  g_test_assert_expected_messages ();
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "kept until the database works again"));
  g_clear_error (&error);

  /* A later update of the same run replaces the one kept. */
  run->finished = 12;
  g_assert_false (chk_store_update_run (f->store, run, &error));
  g_clear_error (&error);

  g_assert_cmpint (sqlite3_exec (other, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  wait_for_problem (f->store, "");

  stored = chk_store_get_run (f->store, run_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored->outcome, ==, "success");
  g_assert_cmpint (stored->finished, ==, 12);
  g_clear_pointer (&stored, chk_run_record_free);

  /* Only the run that failed to be written was touched. */
  stored = chk_store_get_run (f->store, other_run_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored->outcome, ==, "running");
}

static gboolean
mount_small_disk (Fixture  *f,
                  char    **out_dir)
{
  g_autofree char *dir = g_build_filename (f->tmpdir, "small", NULL);
  g_autofree char *command = NULL;
  int status = -1;

  if (geteuid () != 0)
    {
      g_test_skip ("Mounting a small tmpfs needs root");
      return FALSE;
    }

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  command = g_strdup_printf ("mount -t tmpfs -o size=4m,mode=0700 tmpfs '%s'", dir);
  if (!g_spawn_command_line_sync (command, NULL, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL))
    {
      g_test_skip ("Could not mount a tmpfs");
      return FALSE;
    }

  *out_dir = g_steal_pointer (&dir);
  return TRUE;
}

static void
unmount_small_disk (const char *dir)
{
  g_autofree char *command = g_strdup_printf ("umount -l '%s'", dir);

  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL));
}

/* Fills the disk up to its last byte; returns the filler's path. */
static char *
fill_disk (const char *dir)
{
  g_autofree char *filler = g_build_filename (dir, "filler", NULL);
  char block[65536] = { 0 };
  int fd = g_open (filler, O_WRONLY | O_CREAT | O_TRUNC, 0600);

  g_assert_cmpint (fd, >=, 0);
  while (write (fd, block, sizeof block) > 0)
    ;
  while (write (fd, block, 1) > 0)
    ;
  g_close (fd, NULL);
  return g_steal_pointer (&filler);
}

static void
test_faults_disk_full (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *filler = NULL;
  g_autofree char *big = g_strnfill (20000, 'x');
  gboolean failed = FALSE;

  if (!mount_small_disk (f, &dir))
    return;

  g_free (f->path);
  f->path = g_build_filename (dir, "chroniker.db", NULL);
  reopen (f);
  add_job (f, "kept");
  filler = fill_disk (dir);

  /* Writes fail with a message that says what to do; no CRITICAL for the
   * rollback after a commit that failed (chk-settings does that). */
  g_test_expect_message ("chk-store", G_LOG_LEVEL_WARNING, "Storage fails*is full*");
  for (guint i = 0; i < 50 && !failed; i++)
    {
      g_autofree char *key = g_strdup_printf ("setting-%u", i);

      g_assert_true (chk_store_begin (f->store, &error));
      g_assert_no_error (error);
      /* The page cache takes the row; the COMMIT is what hits the disk. */
      g_assert_true (chk_store_set_setting (f->store, key, g_variant_new_string (big), &error));
      g_assert_no_error (error);
      if (!chk_store_commit (f->store, &error))
        {
          chk_store_rollback (f->store);
          failed = TRUE;
        }
    }
  g_test_assert_expected_messages ();
  g_assert_true (failed);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "is full: free some space"));
  g_assert_nonnull (strstr (chk_store_get_problem (f->store), "is full"));
  g_clear_error (&error);

  /* Still serving what it has. */
  g_assert_cmpuint (count_jobs (f->store), ==, 1);

  /* Room again: the probe clears the problem by itself. */
  g_assert_cmpint (g_unlink (filler), ==, 0);
  wait_for_problem (f->store, "");
  add_job (f, "after");
  reopen (f);
  g_assert_cmpuint (count_jobs (f->store), ==, 2);

  g_clear_object (&f->store);
  unmount_small_disk (dir);
}

static void
test_faults_deleted (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (f->path, "-shm", NULL);

  add_job (f, "before");
  g_assert_cmpstr (chk_store_get_problem (f->store), ==, "");

  /* All of it, as "rm chroniker.db*" would. */
  g_assert_cmpint (g_unlink (f->path), ==, 0);
  g_unlink (wal);
  g_unlink (shm);
  g_test_expect_message ("chk-store", G_LOG_LEVEL_WARNING, "*was deleted while in use*wrote back*");
  /* Found at the next commit, which SQLite lets into the unlinked file. */
  add_job (f, "after");
  wait_for_problem (f->store, "was deleted");
  g_test_assert_expected_messages ();
  g_assert_nonnull (strstr (chk_store_get_problem (f->store), f->path));

  /* Written back where it was, and the store goes on with that file. */
  g_assert_true (g_file_test (f->path, G_FILE_TEST_IS_REGULAR));
  add_job (f, "later");

  /* And again, should it happen again. */
  g_assert_cmpint (g_unlink (f->path), ==, 0);
  add_job (f, "again");
  for (guint i = 0; i < 1000 && !g_file_test (f->path, G_FILE_TEST_IS_REGULAR); i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
  g_assert_true (g_file_test (f->path, G_FILE_TEST_IS_REGULAR));
  reopen (f);
  g_assert_cmpstr (chk_store_get_problem (f->store), ==, "");
  jobs = chk_store_list_jobs (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jobs->len, ==, 4);
  g_assert_cmpstr (((ChkStoreJob *) g_ptr_array_index (jobs, 3))->name, ==, "again");
}

static void
test_faults_deleted_wal_kept (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* Only the main file goes: its old -wal and -shm stay beside the path
   * the file is written back to, and what comes after is kept too. */
  add_job (f, "before");
  g_assert_cmpint (g_unlink (f->path), ==, 0);
  g_test_expect_message ("chk-store", G_LOG_LEVEL_WARNING, "*was deleted while in use*wrote back*");
  add_job (f, "after");
  wait_for_problem (f->store, "was deleted");
  g_test_assert_expected_messages ();
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *name = g_strdup_printf ("more-%u", i);

      add_job (f, name);
    }
  reopen (f);
  g_assert_cmpstr (chk_store_get_problem (f->store), ==, "");
  g_assert_cmpuint (count_jobs (f->store), ==, 22);
}

/* Found while nothing is written, at once (it used to take a poll every
 * 10 s): written back, and the replaced file left alone. */
static void
test_faults_deleted_at_rest (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *moved = g_strconcat (f->path, ".moved", NULL);
  g_autofree char *contents = NULL;

  add_job (f, "before");
  g_assert_cmpint (g_unlink (f->path), ==, 0);
  g_test_expect_message ("chk-store", G_LOG_LEVEL_WARNING, "*was deleted while in use*wrote back*");
  wait_for_problem_within (f->store, "was deleted", 2);
  g_test_assert_expected_messages ();
  g_assert_true (g_file_test (f->path, G_FILE_TEST_IS_REGULAR));

  /* The file written back is watched in its turn. */
  g_assert_cmpint (g_rename (f->path, moved), ==, 0);
  g_assert_true (g_file_set_contents (f->path, "someone else's", -1, NULL));
  g_test_expect_message ("chk-store", G_LOG_LEVEL_WARNING, "*was deleted or moved while in use*");
  wait_for_problem_within (f->store, "deleted or moved", 2);
  g_test_assert_expected_messages ();
  g_assert_true (g_file_get_contents (f->path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "someone else's");
}

static void
test_faults_replaced (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *moved = g_strconcat (f->path, ".moved", NULL);

  add_job (f, "before");
  g_assert_cmpint (g_rename (f->path, moved), ==, 0);
  g_assert_true (g_file_set_contents (f->path, "someone else's", -1, NULL));

  /* Something else is there now: said, and left alone. */
  g_test_expect_message ("chk-store", G_LOG_LEVEL_WARNING, "*was deleted or moved while in use*");
  add_job (f, "after");
  wait_for_problem (f->store, "deleted or moved");
  g_test_assert_expected_messages ();
  {
    g_autofree char *contents = NULL;

    g_assert_true (g_file_get_contents (f->path, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "someone else's");
  }
}

static void
test_faults_damaged_jobs_page (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(sqlite3) db = NULL;
  g_autoptr(ChkStoreJob) job = NULL;
  sqlite3_stmt *stmt = NULL;
  g_autoptr(GArray) leaves = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 page_size, victim;
  guint64 run_id, new_id;
  char garbage[512];
  int fd;

  for (guint i = 1; i <= 300; i++)
    {
      g_autofree char *name = g_strdup_printf ("job-%03u-%s", i, "padding-to-fill-pages-"
                                               "padding-to-fill-pages-padding-to-fill-pages");
      add_job (f, name);
    }
  run_id = add_run (f, 1, 10, "success");
  g_clear_object (&f->store);

  db = raw_open (f->path);
  page_size = raw_query_int (f->path, "PRAGMA page_size");
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT pageno FROM dbstat "
                                       "WHERE name = 'jobs' AND pagetype = 'leaf' ORDER BY pageno",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      victim = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (leaves, victim);
    }
  sqlite3_finalize (stmt);
  g_clear_pointer (&db, sqlite3_close);
  g_assert_cmpuint (leaves->len, >=, 3);

  /* Garbage over a leaf in the middle of the jobs table. */
  victim = g_array_index (leaves, gint64, leaves->len / 2);
  memset (garbage, 0xa5, sizeof garbage);
  fd = g_open (f->path, O_WRONLY, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, garbage, sizeof garbage, (victim - 1) * page_size), ==,
                   sizeof garbage);
  g_close (fd, NULL);

  g_test_expect_message ("chk-store", G_LOG_LEVEL_WARNING, "*was damaged*kept as*");
  f->store = chk_store_new (f->path, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_nonnull (f->store);
  g_assert_cmpuint (count_damaged_copies (f), ==, 1);
  g_assert_nonnull (strstr (chk_store_get_problem (f->store), ".damaged-"));

  /* What could be read is back, whole; only the damaged page's jobs are lost. */
  jobs = chk_store_list_jobs (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jobs->len, >, 150);
  g_assert_cmpuint (jobs->len, <, 300);
  for (guint i = 0; i < jobs->len; i++)
    {
      ChkStoreJob *recovered = g_ptr_array_index (jobs, i);
      g_autoptr(GVariant) expected = g_variant_ref_sink (make_spec (recovered->name));

      g_assert_true (g_str_has_prefix (recovered->name, "job-"));
      g_assert_true (g_variant_equal (recovered->spec, expected));
    }
  {
    g_autofree char *count = g_strdup_printf ("%u jobs", jobs->len);

    g_assert_nonnull (strstr (chk_store_get_problem (f->store), count));
  }
  job = chk_store_get_job (f->store, 1, &error);
  if (job != NULL)
    {
      g_autoptr(ChkRunRecord) run = chk_store_get_run (f->store, run_id, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (run->outcome, ==, "success");
    }
  g_clear_error (&error);

  /* No id of a lost job is given again. */
  g_assert_true (chk_store_add_job (f->store, "new", make_spec ("new"), 1, &new_id, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (new_id, >, 300);

  /* Integrity check passes on the new one: a second start is quiet. */
  reopen (f);
  g_assert_cmpstr (chk_store_get_problem (f->store), ==, "");
  g_assert_cmpuint (count_damaged_copies (f), ==, 1);
}

static void
test_open_symlink_refused (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkStore) store = NULL;
  g_autofree char *target = g_build_filename (f->tmpdir, "target.db", NULL);
  struct stat st;

  g_assert_true (g_file_set_contents (target, "", 0, &error));
  g_assert_cmpint (g_chmod (target, 0644), ==, 0);
  g_assert_cmpint (symlink (target, f->path), ==, 0);

  store = chk_store_new (f->path, &error);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, "symbolic link"));
  g_assert_cmpint (g_stat (target, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0644);
  g_assert_cmpint (st.st_size, ==, 0);
}

static void
test_open_dangling_symlink (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkStore) store = NULL;
  g_autofree char *target = g_build_filename (f->tmpdir, "nowhere.db", NULL);

  g_assert_cmpint (symlink (target, f->path), ==, 0);

  store = chk_store_new (f->path, &error);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, "symbolic link"));
  g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
}

#define HOUR (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)

static void
assert_bucket (GArray *buckets,
               guint   index,
               gint64  start,
               guint   runs,
               guint   failures,
               double  p50_seconds,
               double  max_seconds)
{
  ChkStatsBucket *bucket = &g_array_index (buckets, ChkStatsBucket, index);

  g_test_message ("bucket %u", index);
  g_assert_cmpint (bucket->start, ==, start);
  g_assert_cmpuint (bucket->runs, ==, runs);
  g_assert_cmpuint (bucket->failures, ==, failures);
  g_assert_cmpint (bucket->duration_p50, ==, (gint64) (p50_seconds * G_USEC_PER_SEC));
  g_assert_cmpint (bucket->duration_max, ==, (gint64) (max_seconds * G_USEC_PER_SEC));
}

/* Buckets of runs added through the store: counts, failures as
 * chk_outcome_is_failure() has them, the median and the longest run;
 * running and skipped runs are left out, and other jobs' runs too. */
static void
test_runs_stats (Fixture       *f,
                 gconstpointer  data)
{
  guint64 job = add_job (f, "stats");
  guint64 other = add_job (f, "other");
  gint64 t0 = G_GINT64_CONSTANT (1796349600) * G_USEC_PER_SEC;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) buckets = NULL;

  /* Hour 0: durations 1, 2, 10 s (median 2), one of them failed */
  add_finished_run (f, job, t0 + 60 * G_USEC_PER_SEC, 1, "success");
  add_finished_run (f, job, t0 + 120 * G_USEC_PER_SEC, 10, "failure");
  add_finished_run (f, job, t0 + 180 * G_USEC_PER_SEC, 2, "success");
  /* Hour 1: nothing counted (still running, skipped) */
  add_run (f, job, t0 + HOUR + 1, "running");
  add_finished_run (f, job, t0 + HOUR + 2, 0, "skipped");
  /* Hour 2: timeout, interrupted and failed-to-start fail; stopped does not;
   * an even count's median is the lower middle */
  add_finished_run (f, job, t0 + 2 * HOUR, 30, "timeout");
  add_finished_run (f, job, t0 + 2 * HOUR + 1, 3, "interrupted");
  add_finished_run (f, job, t0 + 2 * HOUR + 2, 0, "failed-to-start");
  add_finished_run (f, job, t0 + 2 * HOUR + 3, 5, "stopped");
  /* Another job's run, and one of ours before the first bucket */
  add_finished_run (f, other, t0 + 60 * G_USEC_PER_SEC, 100, "failure");
  add_finished_run (f, job, t0 - 1, 50, "failure");

  buckets = chk_store_get_stats (f->store, job, t0, t0 + 3 * HOUR, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (buckets->len, ==, 3);
  assert_bucket (buckets, 0, t0, 3, 1, 2, 10);
  assert_bucket (buckets, 1, t0 + HOUR, 0, 0, 0, 0);
  assert_bucket (buckets, 2, t0 + 2 * HOUR, 4, 3, 3, 30);
  g_clear_pointer (&buckets, g_array_unref);

  /* All jobs: the other job's run joins hour 0 */
  buckets = chk_store_get_stats (f->store, 0, t0, t0 + 3 * HOUR, 3, &error);
  g_assert_no_error (error);
  assert_bucket (buckets, 0, t0, 4, 2, 2, 100);
  g_clear_pointer (&buckets, g_array_unref);

  /* A set of jobs: ours and the other's as all jobs, none as nothing */
  {
    g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint64));

    buckets = chk_store_get_stats_of_jobs (f->store, ids, t0, t0 + 3 * HOUR, 3, &error);
    g_assert_no_error (error);
    assert_bucket (buckets, 0, t0, 0, 0, 0, 0);
    g_clear_pointer (&buckets, g_array_unref);
    g_array_append_val (ids, other);
    buckets = chk_store_get_stats_of_jobs (f->store, ids, 0, t0 + HOUR, 1, &error);
    g_assert_no_error (error);
    assert_bucket (buckets, 0, t0 + 60 * G_USEC_PER_SEC, 1, 1, 100, 100);
    g_clear_pointer (&buckets, g_array_unref);
    g_array_append_val (ids, job);
    buckets = chk_store_get_stats_of_jobs (f->store, ids, t0, t0 + 3 * HOUR, 3, &error);
    g_assert_no_error (error);
    assert_bucket (buckets, 0, t0, 4, 2, 2, 100);
    assert_bucket (buckets, 2, t0 + 2 * HOUR, 4, 3, 3, 30);
    g_clear_pointer (&buckets, g_array_unref);
  }

  /* From the oldest run, in one bucket: until is not counted */
  buckets = chk_store_get_stats (f->store, job, 0, t0 + 2 * HOUR, 1, &error);
  g_assert_no_error (error);
  assert_bucket (buckets, 0, t0 - 1, 4, 2, 2, 50);
  g_clear_pointer (&buckets, g_array_unref);

  /* A job without runs: every bucket empty, from now */
  buckets = chk_store_get_stats (f->store, add_job (f, "new"), 0, t0, 4, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (buckets->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    assert_bucket (buckets, i, t0 + i, 0, 0, 0, 0);
}

/* A run under way on @hostname */
static guint64
add_run_on (Fixture    *f,
            guint64     job_id,
            const char *hostname)
{
  g_autoptr(ChkRunRecord) run = chk_run_record_new ();
  g_autoptr(GError) error = NULL;

  run->job_id = job_id;
  run->job_name = g_strdup ("job");
  run->trigger = g_strdup ("schedule");
  run->started = 1000;
  run->outcome = g_strdup ("running");
  run->hostname = g_strdup (hostname);
  g_assert_true (chk_store_add_run (f->store, run, &error));
  g_assert_no_error (error);
  return run->id;
}

/* An occurrence is claimed once in a shared store; a store of one daemon
 * grants every claim. */
static void
test_claims (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint64 job = add_job (f, "claimed");
  gboolean shared = chk_store_is_shared (f->store);
  const struct
  {
    gint64      due;
    const char *host;
    const char *claimer;
    gboolean    claimed;
  } claims[] = {
    { 1000, "", "alpha", TRUE },
    /* Another host, the same occurrence */
    { 1000, "", "beta", !shared },
    { 1000, "", "alpha", !shared },
    /* The next occurrence */
    { 2000, "", "beta", TRUE },
    /* Each host's own run of an occurrence of a job for every host */
    { 1000, "beta", "beta", TRUE },
    { 1000, "gamma", "gamma", TRUE },
    { 1000, "beta", "beta", !shared },
  };

  for (guint i = 0; i < G_N_ELEMENTS (claims); i++)
    {
      gboolean claimed = !claims[i].claimed;

      g_test_message ("claim %u", i);
      g_assert_true (chk_store_claim_occurrence (f->store, job, claims[i].due, claims[i].host,
                                                 claims[i].claimer, 0, &claimed, &error));
      g_assert_no_error (error);
      g_assert_cmpint (claimed, ==, claims[i].claimed);
    }

  /* While a run of the job is under way on a host whose lease holds, an
   * occurrence for any one host is nobody's; each host's own run of one for
   * every host is */
  add_run_on (f, job, "beta");
  g_assert_true (chk_store_heartbeat (f->store, "beta", 5000, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      gboolean claimed = FALSE;
      const char *host = i == 0 ? "" : "alpha";

      g_assert_true (chk_store_claim_occurrence (f->store, job, 3000, host, "alpha", 4000,
                                                 &claimed, &error));
      g_assert_no_error (error);
      g_assert_cmpint (claimed, ==, i == 1 || !shared);
    }

  /* Once beta's lease ran out, its run holds nothing, recorded as
   * interrupted or not */
  for (guint i = 0; i < 2; i++)
    {
      gboolean claimed = FALSE;

      g_assert_true (chk_store_claim_occurrence (f->store, job, 4000 + i, "", "alpha",
                                                 i == 0 ? 5000 : 6000, &claimed, &error));
      g_assert_no_error (error);
      g_assert_cmpint (claimed, ==, i == 1 || !shared);
    }
}

/* In a shared store, the runs under way of hosts silent for too long, or
 * never heard of, end as interrupted; a store of one daemon has no leases. */
static void
test_leases (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hosts = NULL;
  gboolean shared = chk_store_is_shared (f->store);
  guint64 job = add_job (f, "leased");
  guint64 alpha = add_run_on (f, job, "alpha");
  guint64 beta = add_run_on (f, job, "beta");
  guint64 gamma = add_run_on (f, job, "gamma");
  guint64 delta = add_run_on (f, job, "delta");
  guint expired = 99;
  const struct
  {
    guint64     run;
    gboolean    ends;
    const char *host;
  } runs[] = {
    { alpha, FALSE, "alpha" },   /* this host's own */
    { beta, FALSE, "beta" },     /* beat since */
    { gamma, TRUE, "gamma" },    /* beat long ago */
    { delta, TRUE, "delta" },    /* never beat */
  };

  g_assert_true (chk_store_heartbeat (f->store, "beta", 9000000, &error));
  g_assert_true (chk_store_heartbeat (f->store, "gamma", 1000000, &error));
  g_assert_true (chk_store_heartbeat (f->store, "gamma", 2000000, &error));
  g_assert_true (chk_store_expire_leases (f->store, "alpha", 5000000, 20000000, &expired,
                                          &error));
  g_assert_no_error (error);
  g_assert_cmpuint (expired, ==, shared ? 2 : 0);

  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      g_autoptr(ChkRunRecord) run = chk_store_get_run (f->store, runs[i].run, &error);

      g_assert_no_error (error);
      if (shared && runs[i].ends)
        {
          g_assert_cmpstr (run->outcome, ==, "interrupted");
          g_assert_cmpint (run->finished, ==, 20000000);
          g_assert_nonnull (strstr (run->message, runs[i].host));
        }
      else
        {
          g_assert_cmpstr (run->outcome, ==, "running");
        }
    }

  hosts = chk_store_list_hosts (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hosts->len, ==, shared ? 2 : 0);
  if (shared)
    {
      ChkStoreHost *beta = g_ptr_array_index (hosts, 0);
      ChkStoreHost *host = g_ptr_array_index (hosts, 1);

      g_assert_cmpstr (beta->hostname, ==, "beta");
      g_assert_cmpuint (beta->running, ==, 1);
      g_assert_true (beta->connected);
      g_assert_cmpstr (host->hostname, ==, "gamma");
      g_assert_cmpint (host->heartbeat, ==, 2000000);
      g_assert_cmpint (host->started, ==, 1000000);
      g_assert_cmpuint (host->running, ==, 0);
      g_assert_true (host->connected);
    }
}

#if HAVE_LIBPQ
/* A host is connected for as long as the session of its daemon's store
 * lasts, whether or not it gives heartbeats meanwhile. */
static void
test_hosts_connected (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkStore) other = NULL;
  const char *names[] = { "delta", "epsilon" };

  g_assert_true (chk_store_heartbeat (f->store, "delta", 1000000, &error));
  g_assert_no_error (error);
  other = chk_store_open (f->location, &error);
  g_assert_no_error (error);
  g_assert_true (chk_store_heartbeat (other, "epsilon", 1000000, &error));
  g_assert_no_error (error);

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(GPtrArray) hosts = chk_store_list_hosts (f->store, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (hosts->len, ==, G_N_ELEMENTS (names));
      for (guint i = 0; i < hosts->len; i++)
        {
          ChkStoreHost *host = g_ptr_array_index (hosts, i);

          g_assert_cmpstr (host->hostname, ==, names[i]);
          /* "epsilon" went with the second store's session */
          g_assert_cmpint (host->connected, ==, i == 0 || round == 0);
        }
      g_clear_object (&other);
      /* The server lets the lock go once it sees the session end */
      for (guint tries = 0; round == 0 && tries < 100; tries++)
        {
          if (chk_test_pg_query_int (f->location,
                                     "SELECT count(*) FROM pg_stat_activity "
                                     "WHERE datname = current_database () "
                                     "AND pid <> pg_backend_pid ()") <= 1)
            break;
          g_usleep (20000);
        }
    }
}
#endif

#if HAVE_LIBPQ
/* PostgreSQL */

static void
record_job_changed_cb (ChkStore *store,
                       guint64   job_id,
                       GArray   *ids)
{
  g_array_append_val (ids, job_id);
}

static gboolean
has_ids (gpointer data)
{
  return ((GArray *) data)->len >= 3;
}

/* What one store of a database changes, another one of it is told, from
 * the main loop; a store is not told of its own changes. */
static void
test_pg_notify_job_changed (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkStore) other = chk_store_open (f->location, &error);
  g_autoptr(GArray) told = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GArray) own = g_array_new (FALSE, FALSE, sizeof (guint64));
  guint64 id;

  g_assert_no_error (error);
  g_signal_connect (other, "job-changed", G_CALLBACK (record_job_changed_cb), told);
  g_signal_connect (f->store, "job-changed", G_CALLBACK (record_job_changed_cb), own);

  id = add_job (f, "told");
  g_assert_true (chk_store_update_job (f->store, id, "told again", make_spec ("told again"),
                                       &error));
  g_assert_no_error (error);
  g_assert_true (chk_store_delete_job (f->store, id, &error));
  g_assert_no_error (error);

  /* Nothing was read on the other connection: its socket wakes it */
  g_assert_true (chk_test_wait_until (has_ids, told, 10));
  g_assert_cmpuint (told->len, ==, 3);
  for (guint i = 0; i < told->len; i++)
    g_assert_cmpuint (g_array_index (told, guint64, i), ==, id);
  chk_test_iterate (0.2);
  g_assert_cmpuint (own->len, ==, 0);
  g_assert_cmpuint (told->len, ==, 3);
}

static void
count_cb (ChkStore *store,
          guint    *count)
{
  (*count)++;
}

static gboolean
is_positive (gpointer data)
{
  return *(guint *) data > 0;
}

static void
test_pg_notify_settings_changed (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkStore) other = chk_store_open (f->location, &error);
  guint told = 0, own = 0;

  g_assert_no_error (error);
  g_signal_connect (other, "settings-changed", G_CALLBACK (count_cb), &told);
  g_signal_connect (f->store, "settings-changed", G_CALLBACK (count_cb), &own);

  g_assert_true (chk_store_begin (f->store, &error));
  g_assert_true (chk_store_set_setting (f->store, "max-concurrent-runs",
                                        g_variant_new_uint32 (2), &error));
  g_assert_true (chk_store_set_setting (f->store, "allow-shell", g_variant_new_boolean (FALSE),
                                        &error));
  g_assert_true (chk_store_commit (f->store, &error));
  g_assert_no_error (error);

  /* Once for the two, or twice if they came in apart */
  g_assert_true (chk_test_wait_until (is_positive, &told, 10));
  chk_test_iterate (0.2);
  g_assert_cmpuint (told, <=, 2);
  g_assert_cmpuint (own, ==, 0);
}

#define PG_SCHEMA_VERSION 6

static void
test_pg_open_no_password_in_errors (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkStore) store = NULL;
  g_autofree char *location = chk_test_pg_location ("chroniker:s3cret-pw", "no_such_db");
  g_autofree char *without = chk_test_pg_location ("chroniker", "no_such_db");

  if (!f->pg)
    return;

  /* A password in the location is refused, without repeating it */
  store = chk_store_open (location, &error);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, "password file"));
  g_assert_null (strstr (error->message, "s3cret"));
  g_clear_error (&error);

  /* The server's own errors name the database */
  store = chk_store_open (without, &error);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_assert_null (store);
  g_assert_true (g_str_has_prefix (error->message, "Could not open the PostgreSQL database: "));
  g_assert_nonnull (strstr (error->message, "no_such_db"));
}

static void
test_pg_migrate_from_empty_database (Fixture       *f,
                                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkStore) second = NULL;

  if (!f->pg)
    return;

  f->store = chk_store_open (f->location, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chk_store_get_schema_version (f->store), ==, PG_SCHEMA_VERSION);
  g_assert_cmpuint (count_rows (f, "SELECT version FROM chk_schema"), ==, PG_SCHEMA_VERSION);
  g_assert_cmpuint (count_rows (f, "SELECT count(*) FROM information_schema.tables "
                                   "WHERE table_schema = 'public' AND table_name IN "
                                   "('chk_schema', 'jobs', 'runs', 'output', 'settings', "
                                   "'claims', 'hosts')"), ==, 7);
  /* What tells the database from others, which holds no password */
  g_assert_cmpstr (chk_store_get_path (f->store), ==, f->location);
  g_assert_true (chk_store_is_shared (f->store));
  g_assert_cmpstr (chk_store_get_problem (f->store), ==, "");
  g_assert_false (chk_store_is_failing (f->store));

  /* A second daemon on the same database finds it migrated. */
  second = chk_store_open (f->location, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_rows (f, "SELECT count(*) FROM chk_schema"), ==, 1);

  /* The new schema works, foreign keys included, and both see the same jobs. */
  add_run (f, add_job (f, "fresh"), 1, "success");
  g_assert_cmpuint (count_jobs (second), ==, 1);
}

static void
test_pg_migrate_refuses_newer (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkStore) store = NULL;
  g_autofree char *sql = NULL;

  if (!f->pg)
    return;

  chk_test_pg_exec (f->location, "CREATE TABLE chk_schema (version integer NOT NULL)", NULL);
  sql = g_strdup_printf ("INSERT INTO chk_schema VALUES (%u)", PG_SCHEMA_VERSION + 1);
  chk_test_pg_exec (f->location, sql, NULL);

  store = chk_store_open (f->location, &error);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, "newer"));

  /* Refused, not touched. */
  g_assert_cmpuint (count_rows (f, "SELECT version FROM chk_schema"), ==, PG_SCHEMA_VERSION + 1);
  g_assert_cmpuint (count_rows (f, "SELECT count(*) FROM information_schema.tables "
                                   "WHERE table_schema = 'public'"), ==, 1);
}
#endif

/* The cases that only use the store's calls, for every backend */
static const struct
{
  const char  *path;
  FixtureFunc  func;
} neutral_cases[] = {
  { "/jobs/crud", test_jobs_crud },
  { "/claims/occurrence", test_claims },
  { "/claims/leases", test_leases },
  { "/jobs/spec-roundtrip", test_jobs_spec_roundtrip },
  { "/jobs/corrupt-spec", test_jobs_corrupt_spec },
  { "/jobs/unique-name", test_jobs_unique_name },
  { "/jobs/rename-collision", test_jobs_rename_collision },
  { "/jobs/unknown-id", test_jobs_unknown_id },
  { "/jobs/ids-not-reused", test_jobs_ids_not_reused },
  { "/jobs/delete-cascades", test_jobs_delete_cascades },
  { "/jobs/foreach", test_jobs_foreach },
  { "/runs/add-get-update", test_runs_add_get_update },
  { "/runs/unknown", test_runs_unknown },
  { "/runs/last-run", test_runs_last_run },
  { "/runs/list-filters", test_runs_list_filters },
  { "/runs/list-paging", test_runs_list_paging },
  { "/runs/stats", test_runs_stats },
  { "/runs/unfinished", test_runs_unfinished },
  { "/runs/purge", test_runs_purge },
  { "/runs/trim", test_runs_trim },
  { "/runs/alert-error-and-http-status", test_runs_alert_error_and_http_status },
  { "/settings/roundtrip", test_settings_roundtrip },
  { "/settings/overwrite-delete-list", test_settings_overwrite_delete_list },
  { "/settings/corrupt", test_settings_corrupt },
  { "/transaction/rollback", test_transaction_rollback },
  { "/transaction/commit", test_transaction_commit },
  { "/transaction/nested-begin", test_transaction_nested_begin },
  { "/transaction/failed-call-inside", test_transaction_failed_call_inside },
  { "/open/reopen-keeps-data", test_open_reopen_keeps_data },
};

/* The cases of output, in the database or in files: the first
 * N_OUTPUT_ONLY_CASES under /store/output/ and /store/output-files/, the
 * others only under /store/output-files/ (with the output in the database,
 * they are cases of their own already). */
#define N_OUTPUT_ONLY_CASES 8
static const struct
{
  const char  *path;
  FixtureFunc  func;
} output_cases[] = {
  { "append-read", test_output_append_read },
  { "paging", test_output_paging },
  { "tail", test_output_tail },
  { "binary-and-empty", test_output_binary_and_empty },
  { "byte-counters", test_output_byte_counters },
  { "delete-range", test_output_delete_range },
  { "unknown-run", test_output_unknown_run },
  { "batch-is-atomic", test_output_batch_is_atomic },
  { "reopen-keeps-data", test_open_reopen_keeps_data },
  { "jobs-delete-cascades", test_jobs_delete_cascades },
  { "runs-purge", test_runs_purge },
  { "runs-trim", test_runs_trim },
  { "transaction-rollback", test_transaction_rollback },
  { "transaction-failed-call-inside", test_transaction_failed_call_inside },
};

int
main (int   argc,
      char *argv[])
{
  int status;

  if (argc == 3 && g_str_equal (argv[1], "--crash-child"))
    return crash_child (argv[2], FALSE);
  if (argc == 3 && g_str_equal (argv[1], "--crash-child-files"))
    return crash_child (argv[2], TRUE);

  g_test_init (&argc, &argv, NULL);

#define ADD(path, setup, func) \
  g_test_add (path, Fixture, NULL, setup, func, fixture_teardown)

  ADD ("/store/open/creates-private-files", fixture_setup_empty, test_open_creates_private_files);
  ADD ("/store/open/existing-file-made-private", fixture_setup_empty,
       test_open_existing_file_made_private);
  ADD ("/store/open/stale-wal-made-private", fixture_setup, test_open_stale_wal_made_private);
  ADD ("/store/open/wal-mode", fixture_setup, test_open_wal_mode);
  ADD ("/store/open/not-a-database", fixture_setup_empty, test_open_not_a_database);
  ADD ("/store/open/symlink-refused", fixture_setup_empty, test_open_symlink_refused);
  ADD ("/store/open/dangling-symlink", fixture_setup_empty, test_open_dangling_symlink);

  ADD ("/store/migrate/from-empty-file", fixture_setup_empty, test_migrate_from_empty_file);
  ADD ("/store/migrate/from-v1", fixture_setup_empty, test_migrate_from_v1);
  ADD ("/store/migrate/refuses-newer", fixture_setup_empty, test_migrate_refuses_newer);
  ADD ("/store/migrate/failed-step-rolls-back", fixture_setup_empty,
       test_migrate_failed_step_rolls_back);

  for (guint t = 0; t < G_N_ELEMENTS (neutral_cases); t++)
    {
      g_autofree char *path = g_strconcat ("/store", neutral_cases[t].path, NULL);

      g_test_add (path, Fixture, NULL, fixture_setup, neutral_cases[t].func, fixture_teardown);
    }

  /* Each once with the output in the database, once in output files. */
  for (guint i = 0; i < 2; i++)
    {
      const char *where = i == 0 ? "output" : "output-files";
      void (*setup) (Fixture *, gconstpointer) = i == 0 ? fixture_setup
                                                        : fixture_setup_output_files;

      for (guint t = 0; t < G_N_ELEMENTS (output_cases); t++)
        {
          g_autofree char *path = g_strdup_printf ("/store/%s/%s", where, output_cases[t].path);

          /* The first ones are registered under their own names too. */
          if (i == 0 && t >= N_OUTPUT_ONLY_CASES)
            continue;
          g_test_add (path, Fixture, NULL, setup, output_cases[t].func, fixture_teardown);
        }
    }

#if HAVE_LIBPQ
  /* The same on PostgreSQL, with the output in the database: there are no files */
  for (guint t = 0; t < G_N_ELEMENTS (neutral_cases); t++)
    {
      g_autofree char *path = g_strconcat ("/store/pg", neutral_cases[t].path, NULL);

      g_test_add (path, Fixture, neutral_cases[t].func, fixture_setup_pg, run_pg_case,
                  fixture_teardown);
    }
  for (guint t = 0; t < N_OUTPUT_ONLY_CASES; t++)
    {
      g_autofree char *path = g_strdup_printf ("/store/pg/output/%s", output_cases[t].path);

      g_test_add (path, Fixture, output_cases[t].func, fixture_setup_pg, run_pg_case,
                  fixture_teardown);
    }
  ADD ("/store/pg/open/no-password-in-errors", fixture_setup_pg_empty,
       test_pg_open_no_password_in_errors);
  ADD ("/store/pg/migrate/from-empty-database", fixture_setup_pg_empty,
       test_pg_migrate_from_empty_database);
  ADD ("/store/pg/migrate/refuses-newer", fixture_setup_pg_empty, test_pg_migrate_refuses_newer);
  g_test_add ("/store/pg/notify/job-changed", Fixture, test_pg_notify_job_changed,
              fixture_setup_pg, run_pg_case, fixture_teardown);
  g_test_add ("/store/pg/notify/settings-changed", Fixture, test_pg_notify_settings_changed,
              fixture_setup_pg, run_pg_case, fixture_teardown);
  g_test_add ("/store/pg/claims/hosts-connected", Fixture, test_hosts_connected,
              fixture_setup_pg, run_pg_case, fixture_teardown);
#endif

  ADD ("/store/crash/sigkill", fixture_setup_empty, test_crash_sigkill);
  g_test_add ("/store/crash/sigkill-output-files", Fixture, GINT_TO_POINTER (TRUE),
              fixture_setup_empty, test_crash_sigkill, fixture_teardown);

  ADD ("/store/faults/locked", fixture_setup, test_faults_locked);
  ADD ("/store/faults/locked-at-start", fixture_setup, test_faults_locked_at_start);
  ADD ("/store/faults/run-update-kept", fixture_setup, test_faults_run_update_kept);
  ADD ("/store/faults/disk-full", fixture_setup, test_faults_disk_full);
  ADD ("/store/faults/deleted", fixture_setup, test_faults_deleted);
  ADD ("/store/faults/deleted-wal-kept", fixture_setup, test_faults_deleted_wal_kept);
  ADD ("/store/faults/deleted-at-rest", fixture_setup, test_faults_deleted_at_rest);
  ADD ("/store/faults/replaced", fixture_setup, test_faults_replaced);
  ADD ("/store/faults/damaged-jobs-page", fixture_setup, test_faults_damaged_jobs_page);

#undef ADD

  g_test_add_func ("/store/misc/stream-to-string", test_misc_stream_to_string);
  g_test_add_func ("/store/misc/run-record-copy", test_misc_run_record_copy);

  status = g_test_run ();
#if HAVE_LIBPQ
  chk_test_pg_shutdown ();
#endif
  return status;
}
