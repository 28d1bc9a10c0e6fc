/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-store"

#include "config.h"

#include <sqlite3.h>

#include "chk-checkpointer.h"
#include "chk-error.h"
#include "chk-source-util.h"

/* A checkpoint that a reader kept from copying the whole log is tried
 * again no sooner than this, so that asking again and again does not
 * spin. */
#define RETRY_DELAY_US (10 * G_TIME_SPAN_MILLISECOND)

/**
 * ChkCheckpointer:
 *
 * Copies the write-ahead log of a WAL database into the database file
 * from a thread of its own, through a connection of its own, so that the
 * connection that writes never waits for it.
 *
 * A checkpoint copies every page the log holds and syncs the log and the
 * database file: for a job that writes a lot of output that is tens of
 * MiB, and a wait of a disk's sync, on every few hundred milliseconds. On
 * the daemon's main loop it froze every client and timer meanwhile, and
 * the job's pipe filled. Here the writer goes on appending to the log
 * while a passive checkpoint copies what was there when it started; SQLite
 * starts the log over at the first write after a checkpoint that caught
 * up.
 *
 * A crash loses nothing more: what was committed is in the log, which
 * SQLite reads back at the next start.
 *
 * But SQLite only starts the log over when a checkpoint copied all of it,
 * which a writer that never stops does not let happen: the log then grows
 * as long as the writer writes. Each checkpoint is reported on the
 * context the checkpointer was made in, saying whether it copied the
 * whole log as it was when it began, so that the writer can wait for
 * that when it must.
 */

struct _ChkCheckpointer
{
  /* Used only by the thread, once it runs, apart from sqlite3_interrupt(). */
  sqlite3  *db;
  GThread  *thread;

  GMutex    mutex;
  GCond     cond;
  gboolean  requested;
  gboolean  stopping;

  /* The last checkpoint, for the report, which the thread asks for by
   * making report_source ready. */
  gboolean  caught_up;
  int       n_log;
  GSource  *report_source;
  ChkCheckpointerFunc func;
  gpointer  user_data;
};

static gpointer
chk_checkpointer_thread (gpointer user_data)
{
  ChkCheckpointer *self = user_data;
  gboolean opened = FALSE;

  g_mutex_lock (&self->mutex);
  for (;;)
    {
      int n_log = 0;
      int n_done = 0;
      int rc;

      while (!self->requested && !self->stopping)
        g_cond_wait (&self->cond, &self->mutex);
      if (!self->stopping && !self->caught_up)
        {
          gint64 end = g_get_monotonic_time () + RETRY_DELAY_US;

          while (!self->stopping && g_cond_wait_until (&self->cond, &self->mutex, end))
            ;
        }
      if (self->stopping)
        break;
      self->requested = FALSE;
      g_mutex_unlock (&self->mutex);

      /* A connection that never read has not opened the log yet, and its
       * checkpoint would quietly do nothing. */
      if (!opened)
        opened = sqlite3_exec (self->db, "PRAGMA schema_version", NULL, NULL, NULL) == SQLITE_OK;

      rc = sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                      &n_log, &n_done);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_INTERRUPT)
        g_debug ("Background checkpoint: %s", sqlite3_errstr (rc));
      else
        g_debug ("Background checkpoint: %d of %d pages", n_done, n_log);

      g_mutex_lock (&self->mutex);
      self->caught_up = rc == SQLITE_OK && n_done >= n_log;
      self->n_log = n_log;
      g_source_set_ready_time (self->report_source, 0);
    }
  g_mutex_unlock (&self->mutex);

  return NULL;
}

static gboolean
chk_checkpointer_report_cb (gpointer user_data)
{
  ChkCheckpointer *self = user_data;
  gboolean caught_up;
  int n_log;

  g_source_set_ready_time (self->report_source, -1);

  g_mutex_lock (&self->mutex);
  caught_up = self->caught_up;
  n_log = self->n_log;
  g_mutex_unlock (&self->mutex);

  self->func (caught_up, n_log, self->user_data);
  return G_SOURCE_CONTINUE;
}

/**
 * chk_checkpointer_new:
 * @path: the database, in WAL mode, that another connection writes
 * @context: (nullable): where @func is called; %NULL for the default one
 * @func: called after each checkpoint (the last one, when several ended
 *   between two iterations of @context)
 * @user_data: data for @func, which must outlive the checkpointer
 * @error: return location for a #GError
 *
 * Opens a connection of its own to @path; the thread starts at the first
 * request.
 *
 * Returns: (transfer full) (nullable): a new #ChkCheckpointer, or %NULL
 *   with @error set
 */
ChkCheckpointer *
chk_checkpointer_new (const char           *path,
                      GMainContext         *context,
                      ChkCheckpointerFunc   func,
                      gpointer              user_data,
                      GError              **error)
{
  g_autoptr(ChkCheckpointer) self = g_new0 (ChkCheckpointer, 1);
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->caught_up = TRUE;
  self->func = func;
  self->user_data = user_data;
  self->report_source = chk_source_attach (chk_ready_source_new (),
                                           context, chk_checkpointer_report_cb, self,
                                           "[chk-checkpointer] report");

  rc = sqlite3_open_v2 (path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE,
                        NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                   "Could not open “%s” for checkpoints: %s", path,
                   self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }

  return g_steal_pointer (&self);
}

/**
 * chk_checkpointer_request:
 * @self: a #ChkCheckpointer
 *
 * Asks for a checkpoint, without waiting for it: one starts as soon as
 * the one in progress, if any, is done. Cheap enough for every commit.
 *
 * Returns: %FALSE if the thread could not be started: the caller
 *   checkpoints by itself then
 */
gboolean
chk_checkpointer_request (ChkCheckpointer *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  locker = g_mutex_locker_new (&self->mutex);

  if (self->thread == NULL)
    {
      g_autoptr(GError) error = NULL;

      self->thread = g_thread_try_new ("chk-checkpoint", chk_checkpointer_thread, self, &error);
      if (self->thread == NULL)
        {
          g_debug ("Could not start the checkpoint thread: %s", error->message);
          return FALSE;
        }
    }

  self->requested = TRUE;
  g_cond_signal (&self->cond);
  return TRUE;
}

/**
 * chk_checkpointer_free:
 * @self: (transfer full): a #ChkCheckpointer
 *
 * Stops the thread, breaking off a checkpoint in progress (the next one
 * goes on from there), and closes the connection.
 */
void
chk_checkpointer_free (ChkCheckpointer *self)
{
  if (self == NULL)
    return;

  if (self->thread != NULL)
    {
      g_mutex_lock (&self->mutex);
      self->stopping = TRUE;
      g_cond_signal (&self->cond);
      g_mutex_unlock (&self->mutex);

      if (self->db != NULL)
        sqlite3_interrupt (self->db);
      g_thread_join (self->thread);
    }
  chk_source_clear (&self->report_source);

  if (self->db != NULL && sqlite3_close (self->db) != SQLITE_OK)
    g_warning ("Could not close the checkpoint connection: %s", sqlite3_errmsg (self->db));
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self);
}
