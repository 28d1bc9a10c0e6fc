/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-output-files"

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "chk-error.h"
#include "chk-output-files.h"
#include "chk-store.h"
#include "chk-test-util.h"

/* Chunks this large go to the output files by default. */
#define BIG (64 * 1024)
#define RECORD(size) (CHK_OUTPUT_RECORD_HEADER_SIZE + (size))

typedef struct
{
  char     *tmpdir;
  char     *path;
  char     *folder;
  ChkStore *store;
  guint64   job_id;
  /* A small disk mounted for the test, unmounted after it */
  char     *mounted;
} Fixture;

static void
reopen (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_clear_object (&f->store);
  f->store = chk_store_new (f->path, &error);
  g_assert_no_error (error);
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  f->tmpdir = chk_test_make_tmpdir ("chk-test-output-files-XXXXXX");
  f->path = g_build_filename (f->tmpdir, "chroniker.db", NULL);
  f->folder = g_strconcat (f->path, ".output", NULL);
  reopen (f);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_clear_object (&f->store);
  if (f->mounted != NULL)
    {
      g_autofree char *command = g_strdup_printf ("umount -l '%s'", f->mounted);

      g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL));
      g_free (f->mounted);
    }
  chk_test_remove_tree (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->path);
  g_free (f->folder);
}

/* Bytes that tell a chunk from any other: its seq and its position. */
static GBytes *
chunk_bytes (guint64 seq,
             gsize   size)
{
  guint8 *data = g_malloc (MAX (size, 1));

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (seq * 13 + i / 251 + i);
  return g_bytes_new_take (data, size);
}

/* A new run of the fixture's job (made at the first call). */
static guint64
new_run (Fixture *f)
{
  g_autoptr(ChkRunRecord) run = chk_run_record_new ();
  g_autoptr(GError) error = NULL;

  if (f->job_id == 0)
    {
      g_auto(GVariantBuilder) spec = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

      g_variant_builder_add (&spec, "{sv}", "name", g_variant_new_string ("out"));
      g_assert_true (chk_store_add_job (f->store, "out", g_variant_builder_end (&spec), 1,
                                        &f->job_id, &error));
      g_assert_no_error (error);
    }

  run->job_id = f->job_id;
  run->started = 1;
  run->outcome = g_strdup ("success");
  g_assert_true (chk_store_add_run (f->store, run, &error));
  g_assert_no_error (error);
  return run->id;
}

/* Appends chunks @first to @last of @run, each @size bytes, in one batch. */
static gboolean
append (Fixture  *f,
        guint64   run,
        guint64   first,
        guint64   last,
        gsize     size,
        GError  **error)
{
  g_autoptr(GArray) chunks = g_array_new (FALSE, TRUE, sizeof (ChkOutputChunk));
  gboolean ok;

  for (guint64 seq = first; seq <= last; seq++)
    {
      ChkOutputChunk chunk = { run, seq, seq % 3 ? CHK_STREAM_STDOUT : CHK_STREAM_STDERR,
                               1000 + seq, chunk_bytes (seq, size) };

      g_array_append_val (chunks, chunk);
    }
  ok = chk_store_append_output (f->store, (ChkOutputChunk *) chunks->data, chunks->len, error);
  for (guint i = 0; i < chunks->len; i++)
    g_bytes_unref (g_array_index (chunks, ChkOutputChunk, i).data);
  return ok;
}

/* Reads all of @run's output and checks that it is chunks @seqs, each of
 * @size bytes (0 ends @seqs). */
static void
assert_output (Fixture        *f,
               guint64         run,
               gsize           size,
               const guint64  *seqs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chunks = chk_store_read_output (f->store, run, 0, G_MAXSIZE, &error);
  guint n = 0;

  g_assert_no_error (error);
  for (; seqs[n] != 0; n++)
    {
      ChkOutputChunk *chunk;
      g_autoptr(GBytes) expected = chunk_bytes (seqs[n], size);

      g_assert_cmpuint (n, <, chunks->len);
      chunk = g_ptr_array_index (chunks, n);
      g_assert_cmpuint (chunk->seq, ==, seqs[n]);
      g_assert_cmpint (chunk->time, ==, 1000 + seqs[n]);
      g_assert_true (g_bytes_equal (chunk->data, expected));
    }
  g_assert_cmpuint (chunks->len, ==, n);
}

static char *
run_file (Fixture *f,
          guint64  run)
{
  return g_strdup_printf ("%s/%" G_GUINT64_FORMAT, f->folder, run);
}

static goffset
file_size (const char *path)
{
  struct stat st;

  if (g_stat (path, &st) != 0)
    return -1;
  return st.st_size;
}

/* Tests */

static void
test_in_files (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkRunRecord) record = NULL;
  g_autofree char *path = NULL;
  guint64 run = new_run (f);
  const guint64 all[] = { 1, 2, 3, 4, 0 };

  g_assert_true (append (f, run, 1, 4, BIG, &error));
  g_assert_no_error (error);

  /* The bytes are in the file, once; the database only says where. */
  path = run_file (f, run);
  g_assert_cmpint (file_size (path), ==, 4 * RECORD (BIG));
  g_assert_cmpint (file_size (f->path) + file_size (f->path) / 2, <, 4 * BIG);
  record = chk_store_get_run (f->store, run, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (record->stdout_bytes + record->stderr_bytes, ==, 4 * BIG);
  assert_output (f, run, BIG, all);

  reopen (f);
  assert_output (f, run, BIG, all);
}

/* Small chunks stay in the database; a run's output can be both, read in
 * order, as can the tail of a stream across them. */
static void
test_mixed (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) tail = NULL;
  g_autoptr(GBytes) expected = chunk_bytes (4, BIG);
  g_autofree char *path = NULL;
  guint64 run = new_run (f);
  gboolean cut = FALSE;
  gsize size;
  const guint8 *data_bytes;

  g_assert_true (append (f, run, 1, 2, 100, &error));
  path = run_file (f, run);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (append (f, run, 4, 5, BIG, &error));
  g_assert_true (append (f, run, 7, 7, 100, &error));
  g_assert_no_error (error);
  g_assert_cmpint (file_size (path), ==, 2 * RECORD (BIG));

  {
    g_autoptr(GPtrArray) chunks = chk_store_read_output (f->store, run, 0, G_MAXSIZE, &error);
    const guint64 seqs[] = { 1, 2, 4, 5, 7 };

    g_assert_no_error (error);
    g_assert_cmpuint (chunks->len, ==, G_N_ELEMENTS (seqs));
    for (guint i = 0; i < chunks->len; i++)
      {
        ChkOutputChunk *chunk = g_ptr_array_index (chunks, i);
        g_autoptr(GBytes) bytes = chunk_bytes (seqs[i], seqs[i] == 4 || seqs[i] == 5 ? BIG : 100);

        g_assert_cmpuint (chunk->seq, ==, seqs[i]);
        g_assert_true (g_bytes_equal (chunk->data, bytes));
      }
  }

  /* stdout: 1, 2, 4, 5, 7 but for none of them a multiple of 3; the last
   * 100 bytes of 7 and 50 of the end of 5, 4 at all but its first. */
  tail = chk_store_read_output_tail (f->store, run, CHK_STREAM_STDOUT, 150 + BIG, &cut, &error);
  g_assert_no_error (error);
  g_assert_true (cut);
  data_bytes = g_bytes_get_data (tail, &size);
  g_assert_cmpuint (size, ==, 150 + BIG);
  {
    g_autoptr(GBytes) five = chunk_bytes (5, BIG);
    g_autoptr(GBytes) seven = chunk_bytes (7, 100);

    g_assert_cmpmem (data_bytes, 50, (const guint8 *) g_bytes_get_data (expected, NULL) + BIG - 50,
                     50);
    g_assert_cmpmem (data_bytes + 50, BIG, g_bytes_get_data (five, NULL), BIG);
    g_assert_cmpmem (data_bytes + 50 + BIG, 100, g_bytes_get_data (seven, NULL), 100);
  }
}

/* A batch that fails leaves nothing: not its rows, and its records are
 * written over by the next append. */
static void
test_failed_batch (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  guint64 run = new_run (f);
  const guint64 seqs[] = { 1, 2, 3, 4, 0 };

  g_assert_true (append (f, run, 1, 2, BIG, &error));
  /* 3 goes to the file, then 1 is refused: all of it is undone. */
  {
    g_autoptr(GBytes) bytes = chunk_bytes (9, BIG);
    ChkOutputChunk batch[] = {
      { run, 3, CHK_STREAM_STDOUT, 1003, bytes },
      { run, 1, CHK_STREAM_STDOUT, 1001, bytes },
    };

    g_assert_false (chk_store_append_output (f->store, batch, 2, &error));
    g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
    g_clear_error (&error);
  }
  /* The undone records are still in the file, past the committed ones. */
  path = run_file (f, run);
  g_assert_cmpint (file_size (path), >, 2 * RECORD (BIG));
  g_assert_true (append (f, run, 3, 4, BIG, &error));
  g_assert_no_error (error);
  g_assert_cmpint (file_size (path), ==, 4 * RECORD (BIG));
  assert_output (f, run, BIG, seqs);
}

/* Inside a transaction the records are written at once, but only what is
 * committed counts: after a rollback the file is cut back at the next
 * append, and at start-up. */
static void
test_rollback (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  guint64 run = new_run (f);
  const guint64 first[] = { 1, 0 };
  const guint64 both[] = { 1, 2, 0 };

  g_assert_true (append (f, run, 1, 1, BIG, &error));
  g_assert_true (chk_store_begin (f->store, &error));
  g_assert_true (append (f, run, 2, 4, BIG, &error));
  g_assert_no_error (error);
  chk_store_rollback (f->store);

  path = run_file (f, run);
  g_assert_cmpint (file_size (path), ==, 4 * RECORD (BIG));
  assert_output (f, run, BIG, first);
  reopen (f);
  g_assert_cmpint (file_size (path), ==, RECORD (BIG));

  g_assert_true (append (f, run, 2, 2, BIG, &error));
  g_assert_no_error (error);
  assert_output (f, run, BIG, both);
}

/* Deleting runs removes their files, once that is committed; start-up
 * removes files no run has, and leaves alone what is not named after one. */
static void
test_deleted_runs (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint64 old = new_run (f);
  guint64 kept = new_run (f);
  g_autofree char *old_path = run_file (f, old);
  g_autofree char *kept_path = run_file (f, kept);
  g_autofree char *stray = run_file (f, 999);
  g_autofree char *other = g_build_filename (f->folder, "notes.txt", NULL);
  guint deleted = 0;

  g_assert_true (append (f, old, 1, 2, BIG, &error));
  g_assert_true (append (f, kept, 1, 1, BIG, &error));
  g_assert_no_error (error);

  /* Rolled back: the file stays, with all it had. */
  g_assert_true (chk_store_begin (f->store, &error));
  g_assert_true (chk_store_trim_runs (f->store, f->job_id, 1, &deleted, &error));
  g_assert_cmpuint (deleted, ==, 1);
  g_assert_true (g_file_test (old_path, G_FILE_TEST_EXISTS));
  chk_store_rollback (f->store);
  g_assert_true (g_file_test (old_path, G_FILE_TEST_EXISTS));
  {
    const guint64 seqs[] = { 1, 2, 0 };

    assert_output (f, old, BIG, seqs);
  }

  /* Committed: gone. */
  g_assert_true (chk_store_begin (f->store, &error));
  g_assert_true (chk_store_trim_runs (f->store, f->job_id, 1, &deleted, &error));
  g_assert_true (g_file_test (old_path, G_FILE_TEST_EXISTS));
  g_assert_true (chk_store_commit (f->store, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (old_path, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (kept_path, G_FILE_TEST_EXISTS));

  /* Left by a crash, or by someone else. */
  g_assert_true (g_file_set_contents (stray, "x", 1, NULL));
  g_assert_true (g_file_set_contents (other, "mine", -1, NULL));
  reopen (f);
  g_assert_false (g_file_test (stray, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (other, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (kept_path, G_FILE_TEST_EXISTS));

  /* Purged, and with its job. */
  g_assert_true (chk_store_purge_runs (f->store, 2, &deleted, &error));
  g_assert_cmpuint (deleted, ==, 1);
  g_assert_false (g_file_test (kept_path, G_FILE_TEST_EXISTS));
  kept = new_run (f);
  g_free (kept_path);
  kept_path = run_file (f, kept);
  g_assert_true (append (f, kept, 1, 1, BIG, &error));
  g_assert_true (g_file_test (kept_path, G_FILE_TEST_EXISTS));
  g_assert_true (chk_store_delete_job (f->store, f->job_id, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (kept_path, G_FILE_TEST_EXISTS));
}

/* Dropping the middle of a long output gives its space back. */
static void
test_delete_range (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  guint64 run = new_run (f);
  const guint64 seqs[] = { 1, 2, 15, 16, 0 };
  struct stat before, after;

  g_assert_true (append (f, run, 1, 16, BIG, &error));
  g_assert_no_error (error);
  path = run_file (f, run);
  g_assert_cmpint (g_stat (path, &before), ==, 0);

  g_assert_true (chk_store_delete_output (f->store, run, 3, 14, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &after), ==, 0);
  g_assert_cmpint (after.st_size, ==, before.st_size);
  assert_output (f, run, BIG, seqs);
  if (after.st_blocks >= before.st_blocks)
    g_test_message ("No hole punched (the file system cannot): %" G_GINT64_FORMAT " blocks",
                    (gint64) after.st_blocks);
  else
    g_assert_cmpint ((before.st_blocks - after.st_blocks) * 512, >=, 11 * BIG);

  /* And goes on after them. */
  g_assert_true (append (f, run, 17, 17, BIG, &error));
  g_assert_no_error (error);
}

/* A file that is not what its rows say gives an error, never wrong bytes;
 * what is still there reads as before. */
static void
test_damaged_file (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  g_autofree char *path = NULL;
  guint64 run = new_run (f);
  guint64 intact = new_run (f);
  const guint64 seqs[] = { 1, 0 };
  int fd;

  g_assert_true (append (f, run, 1, 3, BIG, &error));
  g_assert_true (append (f, intact, 1, 1, BIG, &error));
  g_assert_no_error (error);
  path = run_file (f, run);

  /* Another chunk's header where the second's should be. */
  fd = g_open (path, O_WRONLY, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, "\x07", 1, RECORD (BIG) + 8), ==, 1);
  g_close (fd, NULL);

  chunks = chk_store_read_output (f->store, run, 0, G_MAXSIZE, &error);
  g_assert_null (chunks);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "is damaged"));
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);
  chunks = chk_store_read_output (f->store, run, 0, BIG, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chunks->len, ==, 1);
  g_clear_pointer (&chunks, g_ptr_array_unref);

  /* Cut short. */
  g_assert_cmpint (truncate (path, 2 * RECORD (BIG) + 100), ==, 0);
  g_assert_null (chk_store_read_output (f->store, run, 2, G_MAXSIZE, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "output is lost"));
  g_clear_error (&error);

  /* Gone. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  reopen (f);
  g_assert_null (chk_store_read_output_tail (f->store, run, CHK_STREAM_STDOUT, 10, NULL, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);
  assert_output (f, intact, BIG, seqs);
}

/* Deleted while a run writes to it: said, not written into a file no one
 * can read; the run's later output goes to a new file. */
static void
test_deleted_while_in_use (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  g_autofree char *path = NULL;
  guint64 run = new_run (f);

  g_assert_true (append (f, run, 1, 1, BIG, &error));
  path = run_file (f, run);
  g_assert_cmpint (g_unlink (path), ==, 0);

  g_assert_false (append (f, run, 2, 2, BIG, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "was deleted while in use"));
  g_clear_error (&error);

  g_assert_true (append (f, run, 2, 2, BIG, &error));
  g_assert_no_error (error);
  chunks = chk_store_read_output (f->store, run, 1, G_MAXSIZE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chunks->len, ==, 1);
  g_assert_null (chk_store_read_output (f->store, run, 0, G_MAXSIZE, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
}

/* The folder cannot be made (a file is in the way): a clear error, the
 * batch undone, what was stored before kept. */
static void
test_folder_in_the_way (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkRunRecord) record = NULL;
  guint64 run = new_run (f);
  const guint64 seqs[] = { 1, 0 };

  g_assert_true (append (f, run, 1, 1, 100, &error));
  g_assert_true (g_file_set_contents (f->folder, "in the way", -1, NULL));
  g_assert_false (append (f, run, 2, 3, BIG, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, f->folder));
  g_clear_error (&error);

  record = chk_store_get_run (f->store, run, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (record->stdout_bytes + record->stderr_bytes, ==, 100);
  assert_output (f, run, 100, seqs);
  g_assert_true (g_file_test (f->folder, G_FILE_TEST_IS_REGULAR));
}

/* A link in the folder's place is not followed: not to remove files
 * elsewhere at start-up, nor to write output there. */
static void
test_folder_symlink (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *elsewhere = g_build_filename (f->tmpdir, "elsewhere", NULL);
  g_autofree char *victim = g_build_filename (elsewhere, "1", NULL);
  guint64 run;

  g_assert_cmpint (g_mkdir (elsewhere, 0700), ==, 0);
  g_assert_true (g_file_set_contents (victim, "not output", -1, NULL));
  g_assert_cmpint (symlink (elsewhere, f->folder), ==, 0);

  reopen (f);
  g_assert_true (g_file_test (victim, G_FILE_TEST_IS_REGULAR));

  run = new_run (f);
  g_assert_cmpuint (run, ==, 1);
  g_assert_false (append (f, run, 1, 1, BIG, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, f->folder));
  g_clear_error (&error);

  g_assert_true (chk_store_delete_job (f->store, f->job_id, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (victim, G_FILE_TEST_IS_REGULAR));
}

/* A full disk while writing a file is the store's problem, said as for
 * the database, and goes away by itself once there is room. */
static void
test_disk_full (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (f->tmpdir, "small", NULL);
  g_autofree char *command = NULL;
  g_autofree char *room = NULL;
  g_autoptr(GBytes) filler = NULL;
  g_autoptr(ChkRunRecord) record = NULL;
  guint64 run, seq = 0;
  int status = -1;

  if (geteuid () != 0)
    {
      g_test_skip ("Mounting a small tmpfs needs root");
      return;
    }

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  command = g_strdup_printf ("mount -t tmpfs -o size=4m,mode=0700 tmpfs '%s'", dir);
  if (!g_spawn_command_line_sync (command, NULL, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL))
    {
      g_test_skip ("Could not mount a tmpfs");
      return;
    }
  f->mounted = g_strdup (dir);

  g_clear_object (&f->store);
  g_free (f->path);
  g_free (f->folder);
  f->path = g_build_filename (dir, "chroniker.db", NULL);
  f->folder = g_strconcat (f->path, ".output", NULL);
  reopen (f);
  f->job_id = 0;
  run = new_run (f);
  /* What is freed once the disk is full. */
  room = g_build_filename (dir, "room", NULL);
  filler = chunk_bytes (0, 1 << 20);
  g_assert_true (g_file_set_contents (room, g_bytes_get_data (filler, NULL), 1 << 20, NULL));

  g_test_expect_message ("chk-store", G_LOG_LEVEL_WARNING, "Storage fails*is full*");
  while (append (f, run, seq + 1, seq + 1, BIG, &error))
    seq++;
  g_test_assert_expected_messages ();
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "is full: free some space"));
  g_assert_nonnull (strstr (chk_store_get_problem (f->store), "is full"));
  g_clear_error (&error);
  g_assert_cmpuint (seq, >, 10);

  /* All that was stored is there. */
  record = chk_store_get_run (f->store, run, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (record->stdout_bytes + record->stderr_bytes, ==, seq * BIG);
  {
    g_autoptr(GPtrArray) chunks = chk_store_read_output (f->store, run, 0, G_MAXSIZE, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (chunks->len, ==, seq);
  }

  /* Room again. */
  g_assert_cmpint (g_unlink (room), ==, 0);
  for (guint i = 0; i < 1000 && *chk_store_get_problem (f->store) != '\0'; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
  g_assert_cmpstr (chk_store_get_problem (f->store), ==, "");
  g_assert_true (append (f, run, seq + 1, seq + 1, BIG, &error));
  g_assert_no_error (error);
}

/* The files alone: a record reads back only where it was written. */
static void
test_records (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = chk_test_make_tmpdir ("chk-test-output-files-XXXXXX");
  g_autofree char *db = g_build_filename (tmpdir, "x.db", NULL);
  g_autoptr(ChkOutputFiles) files = chk_output_files_new (db);
  g_autoptr(GBytes) bytes = chunk_bytes (5, 1000);
  g_autoptr(GBytes) read = NULL;
  g_autofree char *path = chk_output_files_get_file (files, 7);
  g_autofree char *folder = g_strconcat (db, ".output", NULL);
  ChkOutputChunk chunk = { 7, 5, CHK_STREAM_STDERR, 42, bytes };

  g_assert_cmpstr (chk_output_files_get_folder (files), ==, folder);
  g_assert_true (g_str_has_prefix (path, folder));
  g_assert_false (g_file_test (folder, G_FILE_TEST_EXISTS));
  g_assert_true (chk_output_files_append (files, 7, 0, &chunk, NULL, &error));
  g_assert_true (chk_output_files_append (files, 7, RECORD (1000), &chunk, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (file_size (path), ==, 2 * RECORD (1000));

  read = chk_output_files_read (files, 7, RECORD (1000), 5, CHK_STREAM_STDERR, 1000, 0, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (read, bytes));
  g_clear_pointer (&read, g_bytes_unref);
  read = chk_output_files_read (files, 7, 0, 5, CHK_STREAM_STDERR, 1000, 990, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (read, NULL), 10,
                   (const guint8 *) g_bytes_get_data (bytes, NULL) + 990, 10);

  /* Another seq, stream or size than the record's; no record there. */
  g_assert_null (chk_output_files_read (files, 7, 0, 6, CHK_STREAM_STDERR, 1000, 0, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_clear_error (&error);
  g_assert_null (chk_output_files_read (files, 7, 0, 5, CHK_STREAM_STDOUT, 1000, 0, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_clear_error (&error);
  g_assert_null (chk_output_files_read (files, 7, 0, 5, CHK_STREAM_STDERR, 999, 0, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_clear_error (&error);
  g_assert_null (chk_output_files_read (files, 7, 10, 5, CHK_STREAM_STDERR, 1000, 0, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_clear_error (&error);

  /* Appending at the first record's end cuts off what followed it. */
  g_assert_true (chk_output_files_append (files, 7, RECORD (1000), &chunk, NULL, &error));
  g_assert_cmpint (file_size (path), ==, 2 * RECORD (1000));
  chunk.data = g_bytes_new_static ("ab", 2);
  g_assert_true (chk_output_files_append (files, 7, RECORD (1000), &chunk, NULL, &error));
  g_bytes_unref (chunk.data);
  g_assert_no_error (error);
  g_assert_cmpint (file_size (path), ==, RECORD (1000) + RECORD (2));

  g_clear_pointer (&files, chk_output_files_free);
  chk_test_remove_tree (tmpdir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, setup, func, teardown)

  g_test_add_func ("/output-files/records", test_records);
  ADD ("/output-files/in-files", test_in_files);
  ADD ("/output-files/mixed", test_mixed);
  ADD ("/output-files/failed-batch", test_failed_batch);
  ADD ("/output-files/rollback", test_rollback);
  ADD ("/output-files/deleted-runs", test_deleted_runs);
  ADD ("/output-files/delete-range", test_delete_range);
  ADD ("/output-files/damaged-file", test_damaged_file);
  ADD ("/output-files/deleted-while-in-use", test_deleted_while_in_use);
  ADD ("/output-files/folder-in-the-way", test_folder_in_the_way);
  ADD ("/output-files/folder-symlink", test_folder_symlink);
  ADD ("/output-files/disk-full", test_disk_full);

#undef ADD

  return g_test_run ();
}
