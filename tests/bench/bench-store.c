/* SPDX-License-Identifier: GPL-3.0-or-later */

/* How fast the store takes and gives back run output, against a plain
 * file on the same disk: bench-store [--mib N] [--batch N]
 */

#define G_LOG_DOMAIN "bench-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "chk-store.h"
#include "chk-test-util.h"

#define CHUNK_SIZE (64 * 1024)
#define READ_PAGE_BYTES (1024 * 1024)

typedef struct
{
  const char *what;
  guint64     bytes;
  double      seconds;
  double      baseline_seconds;
} Row;

static int mib = 1024;
static int batch = 16;

static const GOptionEntry entries[] = {
  { "mib", 0, 0, G_OPTION_ARG_INT, &mib, "How much output to write (default 1024)", "N" },
  { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Chunks per append_output call (default 16)", "N" },
  { NULL }
};

static double
now_seconds (void)
{
  return g_get_monotonic_time () / (double) G_USEC_PER_SEC;
}

/* The chunk with number @seq: random bytes, made unique by the number in
 * front so that no layer can get away with storing one chunk many times.
 */
static void
stamp_chunk (guint8  *chunk,
             guint64  seq)
{
  memcpy (chunk, &seq, sizeof seq);
}

static gboolean
check_chunk (gconstpointer data,
             gsize         size,
             guint64       seq)
{
  guint64 stamp;

  if (size != CHUNK_SIZE)
    return FALSE;
  memcpy (&stamp, data, sizeof stamp);
  return stamp == seq;
}

/* Sets @error to what errno says, after "@what: "; returns FALSE. */
static gboolean
set_errno_error (GError     **error,
                 const char  *what)
{
  int saved_errno = errno;

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               "%s: %s", what, g_strerror (saved_errno));
  return FALSE;
}

/* The time since @start and the bytes of @n_chunks, in @row; returns TRUE. */
static gboolean
set_row (Row     *row,
         double   start,
         guint64  n_chunks)
{
  row->seconds = now_seconds () - start;
  row->bytes = n_chunks * CHUNK_SIZE;
  return TRUE;
}

static gboolean
write_all (int            fd,
           const guint8  *data,
           gsize          size,
           GError       **error)
{
  while (size > 0)
    {
      gssize written = write (fd, data, size);

      if (written < 0 && errno == EINTR)
        continue;
      if (written < 0)
        return set_errno_error (error, "write");
      data += written;
      size -= written;
    }

  return TRUE;
}

static gboolean
bench_plain_write (const char  *path,
                   guint8      *pool,
                   guint64      n_chunks,
                   Row         *row,
                   GError     **error)
{
  double start = now_seconds ();
  int fd;

  fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return set_errno_error (error, path);

  for (guint64 seq = 1; seq <= n_chunks; seq++)
    {
      guint8 *chunk = pool + ((seq - 1) % batch) * CHUNK_SIZE;

      stamp_chunk (chunk, seq);
      if (!write_all (fd, chunk, CHUNK_SIZE, error))
        {
          g_close (fd, NULL);
          return FALSE;
        }
    }

  if (fsync (fd) != 0)
    {
      set_errno_error (error, "fsync");
      g_close (fd, NULL);
      return FALSE;
    }

  if (!g_close (fd, error))
    return FALSE;

  return set_row (row, start, n_chunks);
}

static gboolean
bench_plain_read (const char  *path,
                  guint64      n_chunks,
                  Row         *row,
                  GError     **error)
{
  g_autofree guint8 *buffer = g_malloc (CHUNK_SIZE);
  double start = now_seconds ();
  guint64 seq = 0;
  gsize filled = 0;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    return set_errno_error (error, path);

  for (;;)
    {
      gssize got = read (fd, buffer + filled, CHUNK_SIZE - filled);

      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        break;

      filled += got;
      if (filled == CHUNK_SIZE)
        {
          if (!check_chunk (buffer, filled, ++seq))
            break;
          filled = 0;
        }
    }
  g_close (fd, NULL);

  if (seq != n_chunks || filled != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "%s: read back %" G_GUINT64_FORMAT " good chunks of %" G_GUINT64_FORMAT,
                   path, seq, n_chunks);
      return FALSE;
    }

  return set_row (row, start, n_chunks);
}

static gboolean
bench_store_append (const char  *path,
                    guint8      *pool,
                    guint64      n_chunks,
                    guint64     *out_run_id,
                    Row         *row,
                    GError     **error)
{
  g_autoptr(ChkStore) store = NULL;
  g_autoptr(ChkRunRecord) run = chk_run_record_new ();
  g_autofree ChkOutputChunk *chunks = g_new0 (ChkOutputChunk, batch);
  g_auto(GVariantBuilder) spec = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  guint64 job_id = 0;
  double start;

  store = chk_store_new (path, error);
  if (store == NULL)
    return FALSE;

  g_variant_builder_add (&spec, "{sv}", "name", g_variant_new_string ("bench"));
  if (!chk_store_add_job (store, "bench", g_variant_builder_end (&spec), 0, &job_id, error))
    return FALSE;

  run->job_id = job_id;
  run->job_name = g_strdup ("bench");
  run->trigger = g_strdup ("manual");
  run->started = g_get_real_time ();
  run->outcome = g_strdup ("running");
  if (!chk_store_add_run (store, run, error))
    return FALSE;

  start = now_seconds ();

  for (guint64 seq = 1; seq <= n_chunks; )
    {
      guint n = 0;

      /* Each chunk points into the pool: no copy, and memory stays flat. */
      for (; n < (guint) batch && seq <= n_chunks; n++, seq++)
        {
          guint8 *chunk = pool + n * CHUNK_SIZE;

          stamp_chunk (chunk, seq);
          chunks[n].run_id = run->id;
          chunks[n].seq = seq;
          chunks[n].stream = CHK_STREAM_STDOUT;
          chunks[n].time = g_get_real_time ();
          chunks[n].data = g_bytes_new_static (chunk, CHUNK_SIZE);
        }

      if (!chk_store_append_output (store, chunks, n, error))
        {
          for (guint i = 0; i < n; i++)
            g_bytes_unref (chunks[i].data);
          return FALSE;
        }

      for (guint i = 0; i < n; i++)
        g_clear_pointer (&chunks[i].data, g_bytes_unref);
    }

  /* Closing checkpoints the WAL into the database and syncs it: the
   * counterpart of the plain file's fsync(). */
  g_clear_object (&store);

  *out_run_id = run->id;
  return set_row (row, start, n_chunks);
}

static gboolean
bench_store_read (const char  *path,
                  guint64      run_id,
                  guint64      n_chunks,
                  Row         *row,
                  GError     **error)
{
  g_autoptr(ChkStore) store = NULL;
  guint64 after = 0;
  guint64 bytes = 0;
  double start = now_seconds ();

  store = chk_store_new (path, error);
  if (store == NULL)
    return FALSE;

  for (;;)
    {
      g_autoptr(GPtrArray) chunks = NULL;

      chunks = chk_store_read_output (store, run_id, after, READ_PAGE_BYTES, error);
      if (chunks == NULL)
        return FALSE;
      if (chunks->len == 0)
        break;

      for (guint i = 0; i < chunks->len; i++)
        {
          ChkOutputChunk *chunk = g_ptr_array_index (chunks, i);
          gsize size;
          gconstpointer data = g_bytes_get_data (chunk->data, &size);

          if (chunk->seq != after + 1 || !check_chunk (data, size, chunk->seq))
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "chunk %" G_GUINT64_FORMAT " did not read back as written",
                           chunk->seq);
              return FALSE;
            }
          after = chunk->seq;
          bytes += size;
        }
    }

  g_clear_object (&store);

  if (after != n_chunks)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "read back %" G_GUINT64_FORMAT " chunks of %" G_GUINT64_FORMAT,
                   after, n_chunks);
      return FALSE;
    }

  row->seconds = now_seconds () - start;
  row->bytes = bytes;
  return TRUE;
}

static guint64
peak_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;

  line = strstr (status, "\nVmHWM:");
  if (line == NULL)
    return 0;

  return g_ascii_strtoull (line + strlen ("\nVmHWM:"), NULL, 10);
}

static void
print_row (const Row *row)
{
  double mib_done = row->bytes / (1024.0 * 1024.0);
  double rate = row->seconds > 0 ? mib_done / row->seconds : 0;
  double ratio = row->seconds > 0 ? row->baseline_seconds / row->seconds : 0;

  g_print ("%-24s %7.0f %9.2f %8.0f %7.2f\n", row->what, mib_done, row->seconds, rate, ratio);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = NULL;
  g_autofree char *plain_path = NULL;
  g_autofree char *db_path = NULL;
  g_autofree guint8 *pool = NULL;
  g_autoptr(GRand) rand = NULL;
  Row plain_write = { "plain file write" };
  Row plain_read = { "plain file read" };
  Row store_append = { "store append_output" };
  Row store_read = { "store read_output" };
  guint64 n_chunks;
  guint64 run_id = 0;
  GStatBuf st;
  gboolean ok;

  context = g_option_context_new ("- benchmark the output store");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (mib <= 0 || batch <= 0)
    {
      g_printerr ("--mib and --batch must be positive\n");
      return 2;
    }

  n_chunks = (guint64) mib * 1024 * 1024 / CHUNK_SIZE;

  /* Fixed seed: every run writes the same bytes. */
  rand = g_rand_new_with_seed (20240601);
  pool = g_malloc ((gsize) batch * CHUNK_SIZE);
  for (gsize i = 0; i < (gsize) batch * CHUNK_SIZE; i += sizeof (guint32))
    {
      guint32 value = g_rand_int (rand);

      memcpy (pool + i, &value, sizeof value);
    }

  tmpdir = g_dir_make_tmp ("chk-bench-store-XXXXXX", &error);
  if (tmpdir == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  plain_path = g_build_filename (tmpdir, "plain.out", NULL);
  db_path = g_build_filename (tmpdir, "bench.db", NULL);

  g_print ("%" G_GUINT64_FORMAT " chunks of %d KiB, %d per append_output call, in %s\n\n",
           n_chunks, CHUNK_SIZE / 1024, batch, tmpdir);

  /* The plain file goes before the store is written, so that the two
   * never share the disk or the page cache's attention. */
  ok = bench_plain_write (plain_path, pool, n_chunks, &plain_write, &error) &&
       bench_plain_read (plain_path, n_chunks, &plain_read, &error);
  g_unlink (plain_path);

  ok = ok &&
       bench_store_append (db_path, pool, n_chunks, &run_id, &store_append, &error) &&
       bench_store_read (db_path, run_id, n_chunks, &store_read, &error);

  if (ok && g_stat (db_path, &st) != 0)
    st.st_size = 0;

  chk_test_remove_tree (tmpdir);

  if (!ok)
    {
      g_printerr ("bench-store: %s\n", error->message);
      return 1;
    }

  plain_write.baseline_seconds = plain_write.seconds;
  store_append.baseline_seconds = plain_write.seconds;
  plain_read.baseline_seconds = plain_read.seconds;
  store_read.baseline_seconds = plain_read.seconds;

  g_print ("%-24s %7s %9s %8s %7s\n", "what", "MiB", "seconds", "MiB/s", "ratio");
  print_row (&plain_write);
  print_row (&store_append);
  print_row (&plain_read);
  print_row (&store_read);

  g_print ("\nratio: plain file time / this time, for the same direction\n");
  g_print ("store write includes closing the store (its final checkpoint and sync)\n");
  g_print ("reads come from the page cache: both files were just written\n");
  g_print ("database file: %.0f MiB\n", st.st_size / (1024.0 * 1024.0));
  g_print ("peak RSS (VmHWM): %" G_GUINT64_FORMAT " KiB\n", peak_rss_kib ());

  return 0;
}
