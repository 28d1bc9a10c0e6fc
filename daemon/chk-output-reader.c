/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-output-reader"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <glib-unix.h>

#include "chk-output-reader.h"
#include "chk-source-util.h"

/**
 * ChkOutputReader:
 *
 * Reads a run's stdout and stderr pipes as their data comes, the stream
 * that got data first first, and hands each read on in
 * #ChkOutputReader::output; #ChkOutputReader::closed says when a pipe is
 * at its end.
 *
 * It stops reading while the store's log is too far behind its
 * checkpoints, see chk_output_reader_wait_for_store(): the job then waits
 * on its write to a full pipe.
 */

/* How much one read of stdout or stderr asks for. */
#define OUTPUT_READ_SIZE         (256 * 1024)

/* At most this much output is read in one go before the main loop gets a
 * turn, however fast the job writes. */
#define OUTPUT_READ_BUDGET       (4 * OUTPUT_READ_SIZE)

/* Where a stream's pipe is in ChkOutputReader.output_fds */
#define OUTPUT_INDEX(stream)     ((stream) == CHK_STREAM_STDOUT ? 0 : 1)

/* The capacity asked for the stdout and stderr pipes */
#define PIPE_SIZE                (1024 * 1024)

struct _ChkOutputReader
{
  GObject       parent_instance;

  guint64       run_id;
  GMainContext *context;

  /* The read ends of the stdout and stderr pipes (-1 once at their end),
   * an epoll set over them that says which got data first, and the
   * streams with data not read yet, in the order it came. */
  int           output_fds[2];
  gboolean      output_hup[2];
  int           output_epoll;
  GSource      *output_source;
  gpointer      output_tag;
  guint8       *read_buffer;
  ChkStream     ready[2];
  guint         n_ready;
  gboolean      stdout_open;
  gboolean      stderr_open;

  /* Set while the pipes are not read until the store's log caught up. */
  ChkStore     *waiting_store;
  gulong        waiting_handler;
};

G_DEFINE_FINAL_TYPE (ChkOutputReader, chk_output_reader, G_TYPE_OBJECT)

enum
{
  OUTPUT,
  CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/*
 * A job that writes fast fills a 64 KiB pipe at once; a wider one lets each
 * wakeup of the daemon take more, and the job block less. Best effort: the
 * kernel caps it (fs.pipe-max-size) and the default works too.
 */
static void
chk_output_reader_widen_pipe (int fd)
{
  (void) fcntl (fd, F_SETPIPE_SZ, PIPE_SIZE);
}

/* The flag that says whether @stream's pipe is open */
static gboolean *
chk_output_reader_stream_open (ChkOutputReader *self,
                               ChkStream        stream)
{
  return stream == CHK_STREAM_STDOUT ? &self->stdout_open : &self->stderr_open;
}

/* Lets go of @stream's pipe: at its end, on an error, or when it is given up. */
static void
chk_output_reader_close_stream (ChkOutputReader *self,
                                ChkStream        stream)
{
  int *fd = &self->output_fds[OUTPUT_INDEX (stream)];

  *chk_output_reader_stream_open (self, stream) = FALSE;
  if (*fd < 0)
    return;

  if (self->output_epoll >= 0)
    (void) epoll_ctl (self->output_epoll, EPOLL_CTL_DEL, *fd, NULL);
  close (*fd);
  *fd = -1;

  for (guint i = 0; i < self->n_ready; i++)
    {
      if (self->ready[i] == stream)
        {
          memmove (&self->ready[i], &self->ready[i + 1],
                   (self->n_ready - i - 1) * sizeof (ChkStream));
          self->n_ready--;
          break;
        }
    }
}

/* Reads the pipes again, after chk_output_reader_wait_for_store(). */
static void
chk_output_reader_resume (ChkOutputReader *self)
{
  if (self->waiting_store == NULL)
    return;

  g_clear_signal_handler (&self->waiting_handler, self->waiting_store);
  g_clear_object (&self->waiting_store);

  if (self->output_source != NULL)
    {
      g_source_modify_unix_fd (self->output_source, self->output_tag, G_IO_IN);
      /* What was read as ready before the wait is not told again. */
      g_source_set_ready_time (self->output_source, 0);
    }
}

static void
chk_output_reader_log_behind_cb (ChkStore        *store,
                                 GParamSpec      *pspec,
                                 ChkOutputReader *self)
{
  if (!chk_store_get_log_behind (store))
    chk_output_reader_resume (self);
}

static void
chk_output_reader_close_output (ChkOutputReader *self)
{
  chk_output_reader_resume (self);
  chk_source_clear (&self->output_source);
  chk_output_reader_close_stream (self, CHK_STREAM_STDOUT);
  chk_output_reader_close_stream (self, CHK_STREAM_STDERR);
  if (self->output_epoll >= 0)
    {
      close (self->output_epoll);
      self->output_epoll = -1;
    }
  g_clear_pointer (&self->read_buffer, g_free);
}

static void
chk_output_reader_mark_ready (ChkOutputReader *self,
                              ChkStream        stream)
{
  for (guint i = 0; i < self->n_ready; i++)
    {
      if (self->ready[i] == stream)
        return;
    }
  self->ready[self->n_ready++] = stream;
}

/*
 * Two pipes cannot say in which order their bytes were written, only
 * which one got data first since each was last read empty: epoll lists
 * an edge-triggered pipe when it goes from empty to not empty, in that
 * order. So each pipe is read empty as soon as it has data, the one that
 * got data first first, and a chunk of one stream ends wherever the
 * other's output came in between. What two writes to one pipe enclose of
 * the other's while the daemon did not read (all three within microseconds,
 * or the daemon busy) still comes out as both writes and then the other's:
 * only merge-stderr, one pipe for both, keeps that order.
 */
static gboolean
chk_output_reader_output_cb (gpointer user_data)
{
  g_autoptr(ChkOutputReader) self = g_object_ref (CHK_OUTPUT_READER (user_data));
  struct epoll_event events[2];
  gsize budget = OUTPUT_READ_BUDGET;
  int n_events;

  g_source_set_ready_time (self->output_source, -1);
  if (self->waiting_store != NULL)
    return G_SOURCE_CONTINUE;

  do
    n_events = epoll_wait (self->output_epoll, events, G_N_ELEMENTS (events), 0);
  while (n_events < 0 && errno == EINTR);
  for (int i = 0; i < n_events; i++)
    {
      ChkStream stream = events[i].data.u32;

      if ((stream == CHK_STREAM_STDOUT || stream == CHK_STREAM_STDERR) &&
          self->output_fds[OUTPUT_INDEX (stream)] >= 0)
        {
          /* Said once: the pipe is read to its end from then on. */
          if (events[i].events & (EPOLLHUP | EPOLLERR))
            self->output_hup[OUTPUT_INDEX (stream)] = TRUE;
          chk_output_reader_mark_ready (self, stream);
        }
    }

  while (self->n_ready > 0 && budget > 0 && self->output_source != NULL &&
         self->waiting_store == NULL)
    {
      ChkStream stream = self->ready[0];
      int fd = self->output_fds[OUTPUT_INDEX (stream)];
      ssize_t n_read;

      self->n_ready--;
      memmove (&self->ready[0], &self->ready[1], self->n_ready * sizeof (ChkStream));

      do
        n_read = read (fd, self->read_buffer, OUTPUT_READ_SIZE);
      while (n_read < 0 && errno == EINTR);

      if (n_read > 0)
        {
          g_autoptr(GBytes) bytes = g_bytes_new_static (self->read_buffer, n_read);

          g_signal_emit (self, signals[OUTPUT], 0, (int) stream, bytes);
          budget -= MIN (budget, (gsize) n_read);
          /* A full read may have left more; a short one emptied the pipe,
           * whose next byte makes a new edge, unless the writers are gone
           * and only its end is left to read. Behind the other stream,
           * whose data may be older. */
          if (n_read == OUTPUT_READ_SIZE || self->output_hup[OUTPUT_INDEX (stream)])
            chk_output_reader_mark_ready (self, stream);
          continue;
        }

      if (n_read < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        continue;

      if (n_read < 0)
        g_warning ("Run %" G_GUINT64_FORMAT ": could not read its %s: %s",
                   self->run_id, chk_stream_to_string (stream), g_strerror (errno));

      chk_output_reader_close_stream (self, stream);
      g_signal_emit (self, signals[CLOSED], 0, (int) stream);
    }

  if (self->output_source == NULL)
    return G_SOURCE_REMOVE;

  if (self->n_ready > 0 && self->waiting_store == NULL)
    g_source_set_ready_time (self->output_source, 0);

  return G_SOURCE_CONTINUE;
}

/* Takes @stdout_fd and @stderr_fd (-1 for none) and reads them from now on. */
static gboolean
chk_output_reader_watch_output (ChkOutputReader  *self,
                                int               stdout_fd,
                                int               stderr_fd,
                                GError          **error)
{
  const ChkStream streams[2] = { CHK_STREAM_STDOUT, CHK_STREAM_STDERR };

  self->output_fds[OUTPUT_INDEX (CHK_STREAM_STDOUT)] = stdout_fd;
  self->output_fds[OUTPUT_INDEX (CHK_STREAM_STDERR)] = stderr_fd;
  self->stdout_open = stdout_fd >= 0;
  self->stderr_open = stderr_fd >= 0;

  self->output_epoll = epoll_create1 (EPOLL_CLOEXEC);
  if (self->output_epoll < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not watch its output: %s", g_strerror (saved_errno));
      return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (streams); i++)
    {
      struct epoll_event event = { .events = EPOLLIN | EPOLLET, .data.u32 = streams[i] };
      int fd = self->output_fds[OUTPUT_INDEX (streams[i])];

      if (fd < 0)
        continue;

      g_unix_set_fd_nonblocking (fd, TRUE, NULL);
      chk_output_reader_widen_pipe (fd);
      if (epoll_ctl (self->output_epoll, EPOLL_CTL_ADD, fd, &event) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       "Could not watch its output: %s", g_strerror (saved_errno));
          return FALSE;
        }
    }

  self->read_buffer = g_malloc (OUTPUT_READ_SIZE);
  self->output_source = chk_ready_source_new ();
  self->output_tag = g_source_add_unix_fd (self->output_source, self->output_epoll, G_IO_IN);
  chk_source_attach (self->output_source, self->context, chk_output_reader_output_cb, self,
                     "[chk-output-reader] output");

  return TRUE;
}

/* GObject */

static void
chk_output_reader_dispose (GObject *object)
{
  ChkOutputReader *self = CHK_OUTPUT_READER (object);

  chk_output_reader_close_output (self);

  G_OBJECT_CLASS (chk_output_reader_parent_class)->dispose (object);
}

static void
chk_output_reader_finalize (GObject *object)
{
  ChkOutputReader *self = CHK_OUTPUT_READER (object);

  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (chk_output_reader_parent_class)->finalize (object);
}

static void
chk_output_reader_class_init (ChkOutputReaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chk_output_reader_dispose;
  object_class->finalize = chk_output_reader_finalize;

  /**
   * ChkOutputReader::output:
   * @self: a #ChkOutputReader
   * @stream: the #ChkStream the bytes came from
   * @bytes: what was read; valid only during the emission
   *
   * The job wrote to one of its pipes.
   */
  signals[OUTPUT] =
    g_signal_new ("output",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_BYTES | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * ChkOutputReader::closed:
   * @self: a #ChkOutputReader
   * @stream: the #ChkStream whose pipe is at its end
   *
   * A pipe is at its end, or could not be read. Not emitted after
   * chk_output_reader_close().
   */
  signals[CLOSED] =
    g_signal_new ("closed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT);
}

static void
chk_output_reader_init (ChkOutputReader *self)
{
  self->output_fds[0] = -1;
  self->output_fds[1] = -1;
  self->output_epoll = -1;
}

/* Public API */

/**
 * chk_output_reader_new:
 * @stdout_fd: the read end of the stdout pipe, or -1; taken
 * @stderr_fd: the read end of the stderr pipe, or -1; taken
 * @run_id: the run that writes to them, for the journal
 * @error: return location for a #GError
 *
 * Reads the pipes from now on, in the thread-default main context of the
 * caller.
 *
 * Returns: (transfer full) (nullable): a new #ChkOutputReader, or %NULL
 *   with @error set (and the fds closed) if the pipes cannot be watched
 */
ChkOutputReader *
chk_output_reader_new (int       stdout_fd,
                       int       stderr_fd,
                       guint64   run_id,
                       GError  **error)
{
  g_autoptr(ChkOutputReader) self = NULL;

  self = g_object_new (CHK_TYPE_OUTPUT_READER, NULL);
  self->run_id = run_id;
  self->context = g_main_context_ref_thread_default ();

  if (!chk_output_reader_watch_output (self, stdout_fd, stderr_fd, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * chk_output_reader_close:
 * @self: a #ChkOutputReader
 *
 * Lets go of both pipes, whatever is still in them: at the end of the
 * run, or when they are given up. No signal is emitted any more.
 */
void
chk_output_reader_close (ChkOutputReader *self)
{
  g_return_if_fail (CHK_IS_OUTPUT_READER (self));

  chk_output_reader_close_output (self);
}

/**
 * chk_output_reader_is_open:
 * @self: a #ChkOutputReader
 *
 * Returns: whether a pipe is neither at its end nor closed
 */
gboolean
chk_output_reader_is_open (ChkOutputReader *self)
{
  g_return_val_if_fail (CHK_IS_OUTPUT_READER (self), FALSE);

  return self->stdout_open || self->stderr_open;
}

/**
 * chk_output_reader_wait_for_store:
 * @self: a #ChkOutputReader
 * @store: the store the output goes to
 *
 * Stops reading the pipes while @store's log is behind
 * (#ChkStore:log-behind), and reads on when it has caught up, whatever
 * was written meanwhile: the job blocks on a full pipe until then. Does
 * nothing when the log is not behind. Also from a handler of
 * #ChkOutputReader::output, after which no more is read.
 */
void
chk_output_reader_wait_for_store (ChkOutputReader *self,
                                  ChkStore        *store)
{
  g_return_if_fail (CHK_IS_OUTPUT_READER (self));
  g_return_if_fail (CHK_IS_STORE (store));

  if (self->waiting_store != NULL || self->output_source == NULL ||
      !chk_store_get_log_behind (store))
    return;

  self->waiting_store = g_object_ref (store);
  self->waiting_handler = g_signal_connect (store, "notify::log-behind",
                                            G_CALLBACK (chk_output_reader_log_behind_cb), self);
  g_source_modify_unix_fd (self->output_source, self->output_tag, 0);
}

/**
 * chk_output_reader_is_waiting:
 * @self: a #ChkOutputReader
 *
 * Returns: whether it does not read its pipes for now, see
 *   chk_output_reader_wait_for_store()
 */
gboolean
chk_output_reader_is_waiting (ChkOutputReader *self)
{
  g_return_val_if_fail (CHK_IS_OUTPUT_READER (self), FALSE);

  return self->waiting_store != NULL;
}
