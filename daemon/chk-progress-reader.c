/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-progress-reader"

#include "config.h"

#include <string.h>

#include <gio/gunixinputstream.h>
#include <glib-unix.h>

#include "chk-progress-reader.h"

/**
 * ChkProgressReader:
 *
 * Reads the progress a job reports on its end of the progress pipe (fd
 * `$CHRONIKER_PROGRESS_FD`): lines of `N/M [message]` or `P% [message]`.
 * Each good line is a #ChkProgressReader::progress; bad lines are ignored.
 * #ChkProgressReader::closed says when the job's end is closed.
 */

/* The limits on what the job sends on its progress pipe. */
#define PROGRESS_READ_SIZE       4096
#define MAX_PROGRESS_LINE        4096
#define MAX_PROGRESS_MESSAGE     1024

struct _ChkProgressReader
{
  GObject       parent_instance;

  guint64       run_id;
  GInputStream *stream;
  GCancellable *cancellable;
  gboolean      open;
  GByteArray   *line;
  gboolean      discarding;
};

G_DEFINE_FINAL_TYPE (ChkProgressReader, chk_progress_reader, G_TYPE_OBJECT)

enum
{
  PROGRESS,
  CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Reads a number from 0 to G_MAXUINT32 in plain decimal digits. */
static gboolean
chk_progress_parse_number (const char **text,
                           guint64     *out_value)
{
  const char *p = *text;
  guint64 value = 0;

  if (!g_ascii_isdigit (*p))
    return FALSE;

  for (; g_ascii_isdigit (*p); p++)
    {
      value = value * 10 + (guint64) (*p - '0');
      if (value > G_MAXUINT32)
        return FALSE;
    }

  *text = p;
  *out_value = value;
  return TRUE;
}

static void
chk_progress_reader_take_line (ChkProgressReader *self)
{
  g_autofree char *message = NULL;
  guint complete;
  guint total;

  if (!self->discarding)
    {
      g_byte_array_append (self->line, (const guint8 *) "", 1);
      if (chk_progress_parse_line ((const char *) self->line->data, &complete, &total, &message))
        g_signal_emit (self, signals[PROGRESS], 0, complete, total, message);
      else
        g_debug ("Run %" G_GUINT64_FORMAT ": ignoring a bad progress line", self->run_id);
    }

  g_byte_array_set_size (self->line, 0);
  self->discarding = FALSE;
}

/* Splits what the job wrote to the progress pipe into lines. A line that
 * grows past MAX_PROGRESS_LINE is dropped up to its newline, so that a job
 * that never writes one cannot make the daemon hold more.
 */
static void
chk_progress_reader_add_data (ChkProgressReader *self,
                              const guint8      *data,
                              gsize              size)
{
  while (size > 0 && self->open)
    {
      const guint8 *newline = memchr (data, '\n', size);
      gsize part = newline != NULL ? (gsize) (newline - data) : size;

      if (!self->discarding)
        {
          if (self->line->len + part > MAX_PROGRESS_LINE)
            {
              self->discarding = TRUE;
              g_byte_array_set_size (self->line, 0);
            }
          else
            {
              g_byte_array_append (self->line, data, part);
            }
        }

      if (newline == NULL)
        break;

      chk_progress_reader_take_line (self);
      data += part + 1;
      size -= part + 1;
    }
}

static void
chk_progress_reader_read_cb (GObject      *object,
                             GAsyncResult *result,
                             gpointer      user_data)
{
  GInputStream *stream = G_INPUT_STREAM (object);
  g_autoptr(ChkProgressReader) self = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  gsize size;
  const guint8 *data;

  bytes = g_input_stream_read_bytes_finish (stream, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_input_stream_close (stream, NULL, NULL);
      return;
    }

  self = g_object_ref (CHK_PROGRESS_READER (user_data));

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      if (error != NULL)
        g_warning ("Run %" G_GUINT64_FORMAT ": could not read its progress: %s",
                   self->run_id, error->message);

      /* A last line without a newline still counts. */
      if (self->line->len > 0)
        chk_progress_reader_take_line (self);

      self->open = FALSE;
      g_input_stream_close (stream, NULL, NULL);
      g_signal_emit (self, signals[CLOSED], 0);
      return;
    }

  data = g_bytes_get_data (bytes, &size);
  chk_progress_reader_add_data (self, data, size);

  if (self->open)
    g_input_stream_read_bytes_async (stream, PROGRESS_READ_SIZE, G_PRIORITY_DEFAULT,
                                     self->cancellable, chk_progress_reader_read_cb, self);
}

/* GObject */

static void
chk_progress_reader_dispose (GObject *object)
{
  ChkProgressReader *self = CHK_PROGRESS_READER (object);

  self->open = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->stream);

  G_OBJECT_CLASS (chk_progress_reader_parent_class)->dispose (object);
}

static void
chk_progress_reader_finalize (GObject *object)
{
  ChkProgressReader *self = CHK_PROGRESS_READER (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->line, g_byte_array_unref);

  G_OBJECT_CLASS (chk_progress_reader_parent_class)->finalize (object);
}

static void
chk_progress_reader_class_init (ChkProgressReaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chk_progress_reader_dispose;
  object_class->finalize = chk_progress_reader_finalize;

  /**
   * ChkProgressReader::progress:
   * @self: a #ChkProgressReader
   * @complete: the work done
   * @total: the work to do, at least 1
   * @message: what the job says it is doing, possibly ""
   *
   * The job wrote a good progress line. Emitted for every one, however
   * often: throttling is the reader's user's business.
   */
  signals[PROGRESS] =
    g_signal_new ("progress",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_STRING);

  /**
   * ChkProgressReader::closed:
   * @self: a #ChkProgressReader
   *
   * The pipe is at its end (or could not be read): every process that had
   * it closed it. Not emitted after chk_progress_reader_close().
   */
  signals[CLOSED] =
    g_signal_new ("closed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
chk_progress_reader_init (ChkProgressReader *self)
{
  self->cancellable = g_cancellable_new ();
  self->line = g_byte_array_new ();
}

/* Public API */

/**
 * chk_progress_reader_new:
 * @fd: the daemon's end of the progress pipe; taken
 * @run_id: the run that writes to it, for the journal
 *
 * Creates the reader of one run's progress pipe. Nothing is read before
 * chk_progress_reader_start().
 *
 * Returns: (transfer full): a new #ChkProgressReader
 */
ChkProgressReader *
chk_progress_reader_new (int     fd,
                         guint64 run_id)
{
  ChkProgressReader *self;

  g_return_val_if_fail (fd >= 0, NULL);

  self = g_object_new (CHK_TYPE_PROGRESS_READER, NULL);
  self->run_id = run_id;
  /* Only our end; the job's end must stay a plain blocking fd. */
  g_unix_set_fd_nonblocking (fd, TRUE, NULL);
  self->stream = g_unix_input_stream_new (fd, TRUE);

  return self;
}

/**
 * chk_progress_reader_start:
 * @self: a #ChkProgressReader
 *
 * Reads the pipe from now on, in the thread-default main context of the
 * caller, until its end or chk_progress_reader_close(). Call once.
 */
void
chk_progress_reader_start (ChkProgressReader *self)
{
  g_return_if_fail (CHK_IS_PROGRESS_READER (self));
  g_return_if_fail (self->stream != NULL && !self->open);

  self->open = TRUE;
  g_input_stream_read_bytes_async (self->stream, PROGRESS_READ_SIZE, G_PRIORITY_DEFAULT,
                                   self->cancellable, chk_progress_reader_read_cb, self);
}

/**
 * chk_progress_reader_close:
 * @self: a #ChkProgressReader
 *
 * Stops reading: what is still in the pipe is ignored, and no signal is
 * emitted any more. Harmless when the pipe is at its end already.
 */
void
chk_progress_reader_close (ChkProgressReader *self)
{
  g_return_if_fail (CHK_IS_PROGRESS_READER (self));

  self->open = FALSE;
  g_cancellable_cancel (self->cancellable);
}

/**
 * chk_progress_reader_is_open:
 * @self: a #ChkProgressReader
 *
 * Returns: whether the reader was started and the pipe is neither at its
 *   end nor closed
 */
gboolean
chk_progress_reader_is_open (ChkProgressReader *self)
{
  g_return_val_if_fail (CHK_IS_PROGRESS_READER (self), FALSE);

  return self->open;
}

/**
 * chk_progress_message_new:
 * @text: what a job says it is doing
 * @len: the length of @text in bytes, or -1 if it ends with a NUL
 *
 * Makes @text fit for a progress message: valid UTF-8 without control
 * characters, trimmed, at most 1 KiB, cut at a character boundary.
 *
 * Returns: (transfer full): the message
 */
char *
chk_progress_message_new (const char *text,
                          gssize      len)
{
  g_autofree char *message = g_utf8_make_valid (text, len);
  gsize size;

  /* C0 controls and DEL become spaces, and so do C1 controls (U+0080 to
   * U+009F, two bytes in UTF-8: 0xC2 0x80-0x9F): U+009B is a terminal's
   * CSI as much as ESC [ is. */
  for (char *p = message; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        {
          *p = ' ';
        }
      else if ((guchar) p[0] == 0xc2 && (guchar) p[1] >= 0x80 && (guchar) p[1] <= 0x9f)
        {
          p[0] = ' ';
          p[1] = ' ';
          p++;
        }
    }

  g_strstrip (message);

  size = strlen (message);
  if (size > MAX_PROGRESS_MESSAGE)
    {
      size = MAX_PROGRESS_MESSAGE;
      while (size > 0 && ((guchar) message[size] & 0xc0) == 0x80)
        size--;
      message[size] = '\0';
      g_strchomp (message);
    }

  return g_steal_pointer (&message);
}

/**
 * chk_progress_parse_line:
 * @line: one line written to the progress pipe, without its newline
 * @out_complete: (out) (optional): the work done
 * @out_total: (out) (optional): the work to do
 * @out_message: (out) (optional) (transfer full): the message, "" when none
 *
 * Parses a progress line: `N/M [message]` with 0 ≤ N ≤ M and 1 ≤ M <
 * 2³², or `P% [message]` with P from 0 to 100 and optional decimals,
 * which reads as round(P)/100. White space around the line and between
 * the numbers and the message is ignored; anything else after the numbers
 * (`3/10x`, `50%%!`) makes the line bad. The message is made valid UTF-8,
 * control characters become spaces, and it is cut to 1 KiB at a
 * character boundary.
 *
 * Returns: %TRUE if @line is a progress line; the out arguments are set
 *   only then
 */
gboolean
chk_progress_parse_line (const char  *line,
                         guint       *out_complete,
                         guint       *out_total,
                         char       **out_message)
{
  const char *p = line;
  guint64 complete;
  guint64 total;

  g_return_val_if_fail (line != NULL, FALSE);

  while (g_ascii_isspace (*p))
    p++;

  if (!chk_progress_parse_number (&p, &complete))
    return FALSE;

  if (*p == '/')
    {
      p++;
      if (!chk_progress_parse_number (&p, &total))
        return FALSE;
      if (total == 0 || complete > total)
        return FALSE;
    }
  else
    {
      gboolean round_up = FALSE;
      gboolean fraction = FALSE;

      if (*p == '.')
        {
          p++;
          if (!g_ascii_isdigit (*p))
            return FALSE;
          round_up = *p >= '5';
          for (; g_ascii_isdigit (*p); p++)
            fraction |= *p != '0';
        }

      if (*p != '%' || complete > 100 || (complete == 100 && fraction))
        return FALSE;
      p++;

      complete += round_up ? 1 : 0;
      total = 100;
    }

  if (*p != '\0' && !g_ascii_isspace (*p))
    return FALSE;

  if (out_complete != NULL)
    *out_complete = (guint) complete;
  if (out_total != NULL)
    *out_total = (guint) total;
  if (out_message != NULL)
    *out_message = chk_progress_message_new (p, -1);

  return TRUE;
}
