/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-file-watch"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "chk-file-watch.h"

/*
 * What is watched, with inotify: the file itself for losing a link (an
 * unlink, or another file renamed over its name: IN_ATTRIB says the link
 * count changed) or moving, and its folder for a file coming in under some
 * name or the folder itself going. Not IN_MODIFY: a file being written
 * (the database's WAL beside it, by the daemon itself) wakes no one.
 */
#define FILE_EVENTS (IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF)
#define FOLDER_EVENTS (IN_CREATE | IN_MOVED_TO | IN_MOVE_SELF | IN_DELETE_SELF)

typedef struct
{
  GSource   source;

  char     *path;
  int       fd;
  gpointer  tag;
} ChkFileWatchSource;

static void
add_file_watch (ChkFileWatchSource *self)
{
  /* Absent (deleted, not written back yet) is fine: the folder's watch
   * says when a file comes back, and this is called again then. */
  if (inotify_add_watch (self->fd, self->path, FILE_EVENTS) < 0 && errno != ENOENT)
    g_debug ("Cannot watch “%s”: %s", self->path, g_strerror (errno));
}

static gboolean
chk_file_watch_source_dispatch (GSource     *source,
                                GSourceFunc  callback,
                                gpointer     user_data)
{
  ChkFileWatchSource *self = (ChkFileWatchSource *) source;
  char buffer[4096] __attribute__ ((aligned (__alignof__ (struct inotify_event))));

  /* The events only say "look": drain them all, then look once. */
  while (read (self->fd, buffer, sizeof buffer) > 0)
    ;

  /* A file written back under the name is a new inode to watch; for the
   * same inode, this only refreshes the watch. */
  add_file_watch (self);

  if (callback == NULL)
    return G_SOURCE_CONTINUE;
  return callback (user_data);
}

static void
chk_file_watch_source_finalize (GSource *source)
{
  ChkFileWatchSource *self = (ChkFileWatchSource *) source;

  if (self->fd >= 0)
    close (self->fd);
  g_free (self->path);
}

static GSourceFuncs chk_file_watch_source_funcs = {
  .dispatch = chk_file_watch_source_dispatch,
  .finalize = chk_file_watch_source_finalize,
};

/**
 * chk_file_watch_source_new:
 * @path: a file
 * @fallback_seconds: how often to call back instead when the file cannot be
 *   watched (no inotify, or none left)
 *
 * Makes a source that calls its callback when the file at @path may have
 * been deleted, moved away or replaced, so that the caller looks — and
 * that sleeps otherwise: a daemon at rest does not wake to poll. A false
 * alarm is possible (a chmod, a file made beside it); a miss is not, short
 * of a folder above @path's own being moved.
 *
 * Returns: (transfer full): the source, not attached
 */
GSource *
chk_file_watch_source_new (const char *path,
                           guint       fallback_seconds)
{
  g_autofree char *folder = NULL;
  ChkFileWatchSource *self;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);

  fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
  folder = g_path_get_dirname (path);
  if (fd < 0 || inotify_add_watch (fd, folder, FOLDER_EVENTS) < 0)
    {
      g_debug ("Cannot watch “%s”, checking it every %u s instead: %s", path,
               fallback_seconds, g_strerror (errno));
      if (fd >= 0)
        close (fd);
      return g_timeout_source_new_seconds (fallback_seconds);
    }

  self = (ChkFileWatchSource *) g_source_new (&chk_file_watch_source_funcs,
                                              sizeof (ChkFileWatchSource));
  self->path = g_strdup (path);
  self->fd = fd;
  add_file_watch (self);
  self->tag = g_source_add_unix_fd (&self->source, fd, G_IO_IN);
  return &self->source;
}
