/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-store"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "chk-error.h"
#include "chk-output-files.h"

/**
 * ChkOutputFiles:
 *
 * The large chunks of runs' output, out of the database: one file per
 * run, `<database>.output/<run id>`, of records appended one after the
 * other, each a header (see below) and the chunk's bytes.
 *
 * The database stays what says which records there are: a chunk's row
 * gives its record's offset, and the run's row where its committed
 * records end. A record written for a transaction that was rolled back,
 * or cut short by a crash, lies past that end: the next append to the
 * run writes over it, and chk_output_files_sweep() cuts it off at
 * start-up. Output written with SQLite went to its log and then to the
 * database, twice; here it is written once, into the page cache like the
 * log was, and so outlives a kill -9 of the daemon just the same.
 *
 * A record's header repeats what its row says (seq, stream, size), so a
 * file that does not match its rows (replaced, truncated, written by
 * something else) gives an error instead of wrong output.
 */

#define RECORD_MAGIC      0x4f4b4843u  /* "CHKO" */

/* Files kept open at once: a few runs write at the same time; more
 * open ones are all closed when one more is needed. */
#define MAX_OPEN_FILES    16

typedef struct
{
  int      fd;
  gboolean writable;
  /* How long the file is, as far as this process knows. */
  guint64  size;
} ChkOutputFile;

struct _ChkOutputFiles
{
  char       *folder;
  int         dir_fd;
  /* Open files, by run id */
  GHashTable *files;
};

/* Helpers */

static void
chk_output_file_free (gpointer data)
{
  ChkOutputFile *file = data;

  if (file->fd >= 0)
    close (file->fd);
  g_free (file);
}

static void
chk_output_files_forget (ChkOutputFiles *self,
                         guint64         run_id)
{
  g_hash_table_remove (self->files, &run_id);
}

static char *
chk_output_files_name (guint64 run_id)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, run_id);
}

/* The folder, opened without following a link; created when @create. */
static gboolean
chk_output_files_open_dir (ChkOutputFiles  *self,
                           gboolean         create,
                           GError         **error)
{
  struct stat st;

  /* Deleted while in use: written into no more, made again. */
  if (self->dir_fd >= 0 && (fstat (self->dir_fd, &st) != 0 || st.st_nlink == 0))
    {
      g_hash_table_remove_all (self->files);
      close (self->dir_fd);
      self->dir_fd = -1;
    }

  if (self->dir_fd >= 0)
    return TRUE;

  if (create && g_mkdir (self->folder, 0700) != 0 && errno != EEXIST)
    {
      int saved_errno = errno;

      g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                   "Could not create the output folder “%s”: %s",
                   self->folder, g_strerror (saved_errno));
      errno = saved_errno;
      return FALSE;
    }

  self->dir_fd = open (self->folder, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (self->dir_fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                   "Could not open the output folder “%s”: %s",
                   self->folder, g_strerror (saved_errno));
      errno = saved_errno;
      return FALSE;
    }

  return TRUE;
}

/* The open file of @run_id, opened (and with @writable, created) if need
 * be; NULL with errno and @error set. */
static ChkOutputFile *
chk_output_files_get (ChkOutputFiles  *self,
                      guint64          run_id,
                      gboolean         writable,
                      GError         **error)
{
  g_autofree char *name = NULL;
  ChkOutputFile *file = g_hash_table_lookup (self->files, &run_id);
  struct stat st;
  int flags = O_CLOEXEC | O_NOFOLLOW;
  int fd;

  if (file != NULL && (file->writable || !writable))
    return file;

  chk_output_files_forget (self, run_id);
  if (!chk_output_files_open_dir (self, writable, error))
    return NULL;

  if (g_hash_table_size (self->files) >= MAX_OPEN_FILES)
    g_hash_table_remove_all (self->files);

  name = chk_output_files_name (run_id);
  flags |= writable ? O_RDWR | O_CREAT : O_RDONLY;
  fd = openat (self->dir_fd, name, flags, 0600);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int saved_errno = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                   "Could not open the output file “%s/%s”: %s",
                   self->folder, name, g_strerror (saved_errno));
      errno = saved_errno;
      return NULL;
    }

  file = g_new0 (ChkOutputFile, 1);
  file->fd = fd;
  file->writable = writable;
  file->size = st.st_size;
  g_hash_table_insert (self->files, g_memdup2 (&run_id, sizeof run_id), file);
  return file;
}

static gboolean
chk_output_files_pread_all (int      fd,
                            guint8  *buffer,
                            gsize    size,
                            guint64  offset)
{
  while (size > 0)
    {
      gssize n = pread (fd, buffer, size, offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          if (n == 0)
            errno = 0;
          return FALSE;
        }

      buffer += n;
      size -= n;
      offset += n;
    }

  return TRUE;
}

static void
chk_output_files_set_read_error (ChkOutputFiles  *self,
                                 guint64          run_id,
                                 guint64          seq,
                                 int              saved_errno,
                                 GError         **error)
{
  g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
               "the output file “%s/%" G_GUINT64_FORMAT "” does not hold chunk %"
               G_GUINT64_FORMAT " where the database says (%s): that output is lost",
               self->folder, run_id, seq,
               saved_errno != 0 ? g_strerror (saved_errno) : "the file is too short");
}

/* Public API */

/**
 * chk_output_files_new:
 * @db_path: the database the files go with
 *
 * Returns: (transfer full): the output files of the database at @db_path,
 *   in the folder beside it; nothing is created until a chunk is appended
 */
ChkOutputFiles *
chk_output_files_new (const char *db_path)
{
  ChkOutputFiles *self = g_new0 (ChkOutputFiles, 1);

  g_return_val_if_fail (db_path != NULL, NULL);

  self->folder = g_strconcat (db_path, ".output", NULL);
  self->dir_fd = -1;
  self->files = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                       chk_output_file_free);
  return self;
}

void
chk_output_files_free (ChkOutputFiles *self)
{
  if (self == NULL)
    return;

  g_hash_table_unref (self->files);
  if (self->dir_fd >= 0)
    close (self->dir_fd);
  g_free (self->folder);
  g_free (self);
}

const char *
chk_output_files_get_folder (ChkOutputFiles *self)
{
  return self->folder;
}

/**
 * chk_output_files_get_file:
 * @self: the output files
 * @run_id: a run
 *
 * Returns: (transfer full): the path of @run_id's file
 */
char *
chk_output_files_get_file (ChkOutputFiles *self,
                           guint64         run_id)
{
  g_autofree char *name = chk_output_files_name (run_id);

  return g_build_filename (self->folder, name, NULL);
}

/**
 * chk_output_files_append:
 * @self: the output files
 * @run_id: the chunk's run
 * @offset: where the run's committed records end: the record goes there,
 *   and whatever the file holds past it is cut off first
 * @chunk: the chunk
 * @out_errno: (out) (optional): the system's error number on failure
 * @error: return location for a #GError
 *
 * Writes @chunk's record at @offset; it takes
 * %CHK_OUTPUT_RECORD_HEADER_SIZE bytes more than the chunk.
 *
 * Returns: whether the whole record was written
 */
gboolean
chk_output_files_append (ChkOutputFiles        *self,
                         guint64                run_id,
                         guint64                offset,
                         const ChkOutputChunk  *chunk,
                         int                   *out_errno,
                         GError               **error)
{
  ChkOutputFile *file;
  guint32 header[CHK_OUTPUT_RECORD_HEADER_SIZE / 4] = { 0 };
  guint64 seq = GUINT64_TO_LE (chunk->seq);
  guint64 time = GUINT64_TO_LE ((guint64) chunk->time);
  struct iovec iov[2];
  struct stat st;
  gsize size;
  gsize left;
  guint64 at = offset;
  int saved_errno = 0;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  file = chk_output_files_get (self, run_id, TRUE, error);
  if (file == NULL)
    {
      if (out_errno != NULL)
        *out_errno = errno;
      return FALSE;
    }

  /* Deleted under the daemon: what it held is lost, and what comes now
   * would be too. */
  if (fstat (file->fd, &st) == 0 && st.st_nlink == 0)
    {
      chk_output_files_forget (self, run_id);
      g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                   "the output file “%s/%" G_GUINT64_FORMAT "” was deleted while in use: "
                   "the output of run %" G_GUINT64_FORMAT " stored before is lost",
                   self->folder, run_id, run_id);
      if (out_errno != NULL)
        *out_errno = ENOENT;
      return FALSE;
    }

  /* What a rolled-back transaction or a failed append left. */
  if (file->size > offset)
    {
      if (ftruncate (file->fd, offset) != 0)
        g_debug ("Could not cut “%s/%" G_GUINT64_FORMAT "” back: %s",
                 self->folder, run_id, g_strerror (errno));
      else
        file->size = offset;
    }

  size = g_bytes_get_size (chunk->data);
  g_assert (size <= G_MAXUINT32);
  header[0] = GUINT32_TO_LE (RECORD_MAGIC);
  header[1] = GUINT32_TO_LE ((guint32) chunk->stream);
  memcpy (&header[2], &seq, sizeof seq);
  memcpy (&header[4], &time, sizeof time);
  header[6] = GUINT32_TO_LE ((guint32) size);

  iov[0].iov_base = header;
  iov[0].iov_len = sizeof header;
  iov[1].iov_base = (gpointer) g_bytes_get_data (chunk->data, NULL);
  iov[1].iov_len = size;
  left = sizeof header + size;
  while (left > 0)
    {
      gssize n = pwritev (file->fd, iov, 2, at);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          saved_errno = n < 0 ? errno : EIO;
          break;
        }

      left -= n;
      at += n;
      for (guint i = 0; i < 2; i++)
        {
          gsize used = MIN ((gsize) n, iov[i].iov_len);

          iov[i].iov_base = (guint8 *) iov[i].iov_base + used;
          iov[i].iov_len -= used;
          n -= used;
        }
    }

  file->size = MAX (file->size, at);
  if (saved_errno == 0)
    return TRUE;

  g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
               "Could not write the output file “%s/%" G_GUINT64_FORMAT "”: %s",
               self->folder, run_id, g_strerror (saved_errno));
  if (out_errno != NULL)
    *out_errno = saved_errno;
  return FALSE;
}

/**
 * chk_output_files_read:
 * @self: the output files
 * @run_id: the chunk's run
 * @offset: where its record is
 * @seq: its seq, @stream and @size, as its row says
 * @stream: its stream
 * @size: its size
 * @skip: how many of its first bytes to leave out
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the chunk's bytes past @skip, or %NULL with
 *   @error set when the file does not hold the record its row says
 */
GBytes *
chk_output_files_read (ChkOutputFiles  *self,
                       guint64          run_id,
                       guint64          offset,
                       guint64          seq,
                       ChkStream        stream,
                       gsize            size,
                       gsize            skip,
                       GError         **error)
{
  ChkOutputFile *file;
  guint32 header[CHK_OUTPUT_RECORD_HEADER_SIZE / 4];
  guint64 header_seq;
  g_autofree guint8 *data = NULL;

  g_return_val_if_fail (skip <= size, NULL);

  file = chk_output_files_get (self, run_id, FALSE, error);
  if (file == NULL)
    return NULL;

  if (!chk_output_files_pread_all (file->fd, (guint8 *) header, sizeof header, offset))
    {
      chk_output_files_set_read_error (self, run_id, seq, errno, error);
      return NULL;
    }

  memcpy (&header_seq, &header[2], sizeof header_seq);
  if (GUINT32_FROM_LE (header[0]) != RECORD_MAGIC ||
      GUINT32_FROM_LE (header[1]) != (guint32) stream ||
      GUINT64_FROM_LE (header_seq) != seq ||
      GUINT32_FROM_LE (header[6]) != size)
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                   "the output file “%s/%" G_GUINT64_FORMAT "” is damaged: it does not "
                   "hold chunk %" G_GUINT64_FORMAT " where the database says",
                   self->folder, run_id, seq);
      return NULL;
    }

  data = g_malloc (MAX (size - skip, 1));
  if (!chk_output_files_pread_all (file->fd, data, size - skip,
                                   offset + CHK_OUTPUT_RECORD_HEADER_SIZE + skip))
    {
      chk_output_files_set_read_error (self, run_id, seq, errno, error);
      return NULL;
    }

  return g_bytes_new_take (g_steal_pointer (&data), size - skip);
}

/**
 * chk_output_files_punch:
 * @self: the output files
 * @run_id: a run
 * @offset: where the records to drop begin
 * @length: how long they are
 *
 * Gives the disk space of dropped records back, where the file system
 * can; the file keeps its length and the other records their offsets.
 */
void
chk_output_files_punch (ChkOutputFiles *self,
                        guint64         run_id,
                        guint64         offset,
                        guint64         length)
{
  g_autoptr(GError) error = NULL;
  ChkOutputFile *file = chk_output_files_get (self, run_id, FALSE, &error);

  /* Read-only is enough: fallocate() needs a descriptor open for writing. */
  if (file != NULL && !file->writable)
    {
      chk_output_files_forget (self, run_id);
      file = chk_output_files_get (self, run_id, TRUE, &error);
    }

  if (file == NULL ||
      fallocate (file->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length) != 0)
    g_debug ("Could not free dropped output of run %" G_GUINT64_FORMAT ": %s", run_id,
             error != NULL ? error->message : g_strerror (errno));
}

/**
 * chk_output_files_sweep:
 * @self: the output files
 * @func: says whether a run exists and where its records end
 * @user_data: for @func
 *
 * Removes the files of runs that do not exist (deleted, or never
 * committed), and cuts the others back to the end of their committed
 * records: what a crash left past it was never stored. Files that are not
 * named after a run are left alone.
 *
 * Returns: how many files were removed
 */
guint
chk_output_files_sweep (ChkOutputFiles        *self,
                        ChkOutputFilesEndFunc  func,
                        gpointer               user_data)
{
  DIR *dir = NULL;
  struct dirent *entry;
  guint removed = 0;
  int fd;

  /* Through the folder opened without following a link, never by path:
   * a link put in its place cannot lead this elsewhere. */
  if (!chk_output_files_open_dir (self, FALSE, NULL))
    return 0;

  fd = openat (self->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || (dir = fdopendir (fd)) == NULL)
    {
      g_debug ("Could not list “%s”: %s", self->folder, g_strerror (errno));
      if (fd >= 0)
        close (fd);
      return 0;
    }

  while ((entry = readdir (dir)) != NULL)
    {
      const char *name = entry->d_name;
      guint64 run_id = 0;
      guint64 end = 0;
      struct stat st;
      int file_fd;

      if (!g_ascii_string_to_unsigned (name, 10, 1, G_MAXINT64, &run_id, NULL) ||
          fstatat (self->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG (st.st_mode))
        continue;

      if (!func (run_id, &end, user_data) || end == 0)
        {
          chk_output_files_forget (self, run_id);
          if (unlinkat (self->dir_fd, name, 0) == 0)
            removed++;
          else
            g_debug ("Could not remove “%s/%s”: %s", self->folder, name, g_strerror (errno));
        }
      else if ((guint64) st.st_size > end)
        {
          chk_output_files_forget (self, run_id);
          file_fd = openat (self->dir_fd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
          if (file_fd < 0 || ftruncate (file_fd, end) != 0)
            g_debug ("Could not cut “%s/%s” back: %s", self->folder, name, g_strerror (errno));
          if (file_fd >= 0)
            close (file_fd);
        }
    }

  closedir (dir);
  return removed;
}

/**
 * chk_output_files_close:
 * @self: the output files
 *
 * Closes the files kept open.
 */
void
chk_output_files_close (ChkOutputFiles *self)
{
  g_hash_table_remove_all (self->files);
}
