/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-output-sink"

#include "config.h"

#include <string.h>

#include "chk-output-sink.h"
#include "chk-source-util.h"

/**
 * ChkOutputSink:
 *
 * Where a run's stdout and stderr go: into the store, in chunks, batched
 * into one transaction per flush, with the head and the tail of the output
 * kept within the job's max-output-bytes and the middle dropped.
 *
 * The first half of max-output-bytes is the head, kept as it comes; the
 * rest is the tail, whose oldest chunks are dropped from the store as newer
 * ones come. #ChkOutputSink::truncated says when output is first dropped,
 * by the cap or because the store would not take it.
 */

/* The size of a stored chunk: reads in a row from one stream fill chunks,
 * so that a chatty job does not make a row per line, and the tail is
 * dropped a chunk at a time. A chunk ends wherever the other stream's
 * output comes in between. */
#define MAX_CHUNK_SIZE           (64 * 1024)

/* Output that the store refused (locked, full) is kept for another try
 * up to this much; past it, or at the run's end, it is lost and the run
 * says so. */
#define MAX_UNSAVED_BYTES        (8 * 1024 * 1024)

/* Output is written to the store when this much is pending, or this long
 * after the first pending byte arrived, whichever comes first: a crash
 * loses at most a fraction of a second, and a chatty job does not turn
 * every line into a transaction. */
#define FLUSH_BYTES              (1024 * 1024)
#define FLUSH_DELAY_MS           200

/* "output-available" is emitted at most this often, however often the
 * output is flushed (a fast job fills FLUSH_BYTES many times a second). */
#define ANNOUNCE_INTERVAL_MS     200

/* A chunk waiting for the next flush; reads from the same stream are
 * appended to it while they fit. */
typedef struct
{
  guint64     seq;
  ChkStream   stream;
  gint64      time;
  gboolean    head;
  GByteArray *data;
} ChkPendingChunk;

/* A tail chunk that is in the store: what dropping it would free. */
typedef struct
{
  guint64 seq;
  gsize   size;
} ChkTailChunk;

struct _ChkOutputSink
{
  GObject       parent_instance;

  ChkStore     *store;
  guint64       run_id;
  GMainContext *context;

  GPtrArray    *pending;
  gsize         pending_bytes;
  GSource      *flush_source;
  guint64       next_seq;
  guint64       head_limit;
  guint64       tail_limit;
  guint64       head_bytes;
  guint64       head_last_seq;
  GQueue        tail;
  guint64       tail_bytes;
  gboolean      truncated;

  guint64       stored_seq;
  guint64       announced_seq;
  ChkThrottle   announce;

  GArray       *unsaved;
  gsize         unsaved_bytes;
  guint64       lost_stdout;
  guint64       lost_stderr;
  char         *store_error;
};

G_DEFINE_FINAL_TYPE (ChkOutputSink, chk_output_sink, G_TYPE_OBJECT)

enum
{
  OUTPUT_AVAILABLE,
  TRUNCATED,
  STORE_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean chk_output_sink_flush_cb (gpointer user_data);

/* Helpers */

static void
chk_pending_chunk_free (gpointer data)
{
  ChkPendingChunk *chunk = data;

  g_clear_pointer (&chunk->data, g_byte_array_unref);
  g_free (chunk);
}

/* The sink's sources go to the context it was made in, the run's. */
static GSource *
chk_output_sink_add_source (ChkOutputSink *self,
                            guint          milliseconds,
                            GSourceFunc    func,
                            const char    *name)
{
  return chk_source_attach (g_timeout_source_new (milliseconds), self->context, func, self, name);
}

/* The run says so, once for the whole run rather than once per part. */
static void
chk_output_sink_store_failed (ChkOutputSink *self,
                              const GError  *error)
{
  g_signal_emit (self, signals[STORE_FAILED], 0, error);
}

static void
chk_output_sink_mark_truncated (ChkOutputSink *self)
{
  if (self->truncated)
    return;

  self->truncated = TRUE;
  g_signal_emit (self, signals[TRUNCATED], 0);
}

/* Announces the last stored chunk, at most every ANNOUNCE_INTERVAL_MS
 * unless @force: a later call, or the timer it arms, announces the
 * latest one.
 */
static gboolean chk_output_sink_announce_cb (gpointer user_data);

static void
chk_output_sink_announce_full (ChkOutputSink *self,
                               gboolean       force)
{
  if (self->stored_seq == self->announced_seq ||
      !chk_throttle_pass (&self->announce, ANNOUNCE_INTERVAL_MS, force, self->context,
                          chk_output_sink_announce_cb, self, "[chk-output-sink] announce output"))
    return;

  self->announced_seq = self->stored_seq;
  g_signal_emit (self, signals[OUTPUT_AVAILABLE], 0, self->announced_seq);
}

static gboolean
chk_output_sink_announce_cb (gpointer user_data)
{
  g_autoptr(ChkOutputSink) self = g_object_ref (CHK_OUTPUT_SINK (user_data));

  chk_throttle_timer_done (&self->announce);
  chk_output_sink_announce_full (self, TRUE);

  return G_SOURCE_REMOVE;
}

/* Drops the oldest tail chunks from the store for as long as the rest of
 * the tail still holds tail_limit bytes.
 */
static void
chk_output_sink_trim_tail (ChkOutputSink *self)
{
  g_autoptr(GError) error = NULL;
  guint64 first_seq = 0;
  guint64 last_seq = 0;

  while (!g_queue_is_empty (&self->tail))
    {
      ChkTailChunk *oldest = g_queue_peek_head (&self->tail);

      if (self->tail_bytes - oldest->size < self->tail_limit)
        break;

      if (first_seq == 0)
        first_seq = oldest->seq;
      last_seq = oldest->seq;
      self->tail_bytes -= oldest->size;
      g_free (g_queue_pop_head (&self->tail));
    }

  if (first_seq == 0)
    return;

  if (!chk_store_delete_output (self->store, self->run_id, first_seq, last_seq, &error))
    {
      chk_output_sink_store_failed (self, error);
      return;
    }

  chk_output_sink_mark_truncated (self);
}

/* Output the store refused: kept for the next flush while it fits and the
 * run goes on, else counted as lost, with the run marked truncated. */
static void
chk_output_sink_keep_unsaved (ChkOutputSink  *self,
                              ChkOutputChunk *chunks,
                              guint           n_chunks,
                              const GError   *error,
                              gboolean        last)
{
  gsize size = 0;

  for (guint i = 0; i < n_chunks; i++)
    size += g_bytes_get_size (chunks[i].data);

  g_free (self->store_error);
  self->store_error = g_strdup (error->message);

  if (!last && size <= MAX_UNSAVED_BYTES)
    {
      g_array_set_size (self->unsaved, 0);
      for (guint i = 0; i < n_chunks; i++)
        {
          ChkOutputChunk chunk = chunks[i];

          chunk.data = g_bytes_ref (chunks[i].data);
          g_array_append_val (self->unsaved, chunk);
        }
      self->unsaved_bytes = size;
      if (self->flush_source == NULL)
        self->flush_source = chk_output_sink_add_source (self, FLUSH_DELAY_MS * 5,
                                                         chk_output_sink_flush_cb,
                                                         "[chk-output-sink] retry output");
      return;
    }

  for (guint i = 0; i < n_chunks; i++)
    {
      if (chunks[i].stream == CHK_STREAM_STDOUT)
        self->lost_stdout += g_bytes_get_size (chunks[i].data);
      else
        self->lost_stderr += g_bytes_get_size (chunks[i].data);
    }
  g_array_set_size (self->unsaved, 0);
  self->unsaved_bytes = 0;

  chk_output_sink_mark_truncated (self);
}

/* Writes the pending chunks to the store in one go and drops what the
 * tail no longer needs. Every byte is appended, even one that is dropped
 * at once, because the store's byte counters count what is appended and
 * must end up as what the job wrote.
 *
 * The append is a transaction of its own (a savepoint inside a caller's),
 * not nested in one begun here: a savepoint makes SQLite copy aside each
 * page it changes, which for output was a second copy of every chunk, in
 * a temporary file. Dropping the oldest of the tail is a transaction after
 * it; if that fails, the run only keeps more than its share.
 *
 * @last says that no other try comes: what the store refuses is lost.
 */
static void
chk_output_sink_flush_full (ChkOutputSink *self,
                            gboolean       last)
{
  g_autoptr(GError) error = NULL;
  g_autofree ChkOutputChunk *chunks = NULL;
  guint n_unsaved = self->unsaved->len;
  guint n_chunks;

  chk_source_clear (&self->flush_source);

  if (self->pending->len == 0 && n_unsaved == 0)
    return;

  /* What the store refused before goes first: it is older. */
  n_chunks = n_unsaved + self->pending->len;
  chunks = g_new0 (ChkOutputChunk, n_chunks);
  /* An empty GArray's data may be NULL, which memcpy() must never get. */
  if (n_unsaved > 0)
    memcpy (chunks, self->unsaved->data, n_unsaved * sizeof (ChkOutputChunk));
  g_array_set_size (self->unsaved, 0);
  self->unsaved_bytes = 0;
  for (guint i = n_unsaved; i < n_chunks; i++)
    {
      ChkPendingChunk *pending = g_ptr_array_index (self->pending, i - n_unsaved);

      chunks[i].run_id = self->run_id;
      chunks[i].seq = pending->seq;
      chunks[i].stream = pending->stream;
      chunks[i].time = pending->time;
      chunks[i].data = g_byte_array_free_to_bytes (g_steal_pointer (&pending->data));
    }
  g_ptr_array_set_size (self->pending, 0);
  self->pending_bytes = 0;

  if (chk_store_append_output (self->store, chunks, n_chunks, &error))
    {
      for (guint i = 0; i < n_chunks; i++)
        {
          ChkTailChunk *tail;

          if (chunks[i].seq <= self->head_last_seq)
            continue;

          tail = g_new (ChkTailChunk, 1);
          tail->seq = chunks[i].seq;
          tail->size = g_bytes_get_size (chunks[i].data);
          g_queue_push_tail (&self->tail, tail);
          self->tail_bytes += tail->size;
        }

      self->stored_seq = chunks[n_chunks - 1].seq;
      chk_output_sink_trim_tail (self);
    }
  else
    {
      /* A full disk shows at the commit, when the pages are written: the
       * store has rolled the whole append back then. */
      chk_output_sink_store_failed (self, error);
      chk_output_sink_keep_unsaved (self, chunks, n_chunks, error, last);
      g_clear_error (&error);
    }

  for (guint i = 0; i < n_chunks; i++)
    g_bytes_unref (chunks[i].data);
}

static gboolean
chk_output_sink_flush_cb (gpointer user_data)
{
  g_autoptr(ChkOutputSink) self = g_object_ref (CHK_OUTPUT_SINK (user_data));

  g_clear_pointer (&self->flush_source, g_source_unref);
  chk_output_sink_flush_full (self, FALSE);
  chk_output_sink_announce_full (self, FALSE);

  return G_SOURCE_REMOVE;
}

static void
chk_output_sink_queue (ChkOutputSink *self,
                       ChkStream      stream,
                       gint64         time,
                       gboolean       head,
                       const guint8  *data,
                       gsize          size)
{
  /* A read can be bigger than a chunk: the tail is dropped a chunk at a time. */
  while (size > 0)
    {
      ChkPendingChunk *chunk = NULL;
      gsize piece;

      if (self->pending->len > 0)
        chunk = g_ptr_array_index (self->pending, self->pending->len - 1);

      if (chunk == NULL ||
          chunk->stream != stream ||
          chunk->head != head ||
          chunk->data->len >= MAX_CHUNK_SIZE)
        {
          chunk = g_new0 (ChkPendingChunk, 1);
          chunk->seq = self->next_seq++;
          chunk->stream = stream;
          chunk->time = time;
          chunk->head = head;
          chunk->data = g_byte_array_sized_new (MIN (size, MAX_CHUNK_SIZE));
          g_ptr_array_add (self->pending, chunk);

          if (head)
            self->head_last_seq = chunk->seq;
        }

      piece = MIN (size, MAX_CHUNK_SIZE - chunk->data->len);
      g_byte_array_append (chunk->data, data, piece);
      self->pending_bytes += piece;
      data += piece;
      size -= piece;
    }
}

/* GObject */

static void
chk_output_sink_dispose (GObject *object)
{
  ChkOutputSink *self = CHK_OUTPUT_SINK (object);

  chk_source_clear (&self->flush_source);
  chk_source_clear (&self->announce.timer);

  G_OBJECT_CLASS (chk_output_sink_parent_class)->dispose (object);
}

static void
chk_output_sink_finalize (GObject *object)
{
  ChkOutputSink *self = CHK_OUTPUT_SINK (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_queue_clear_full (&self->tail, g_free);
  for (guint i = 0; i < self->unsaved->len; i++)
    g_bytes_unref (g_array_index (self->unsaved, ChkOutputChunk, i).data);
  g_clear_pointer (&self->unsaved, g_array_unref);
  g_clear_pointer (&self->store_error, g_free);

  G_OBJECT_CLASS (chk_output_sink_parent_class)->finalize (object);
}

static void
chk_output_sink_class_init (ChkOutputSinkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chk_output_sink_dispose;
  object_class->finalize = chk_output_sink_finalize;

  /**
   * ChkOutputSink::output-available:
   * @self: a #ChkOutputSink
   * @last_seq: the sequence number of the newest stored chunk
   *
   * New output is in the store, up to @last_seq. Emitted at most five
   * times a second, unless chk_output_sink_announce() asks for it.
   */
  signals[OUTPUT_AVAILABLE] =
    g_signal_new ("output-available",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT64);

  /**
   * ChkOutputSink::truncated:
   * @self: a #ChkOutputSink
   *
   * Output was dropped for the first time: the tail went past its share
   * of max-output-bytes, or the store refused output for good. Emitted
   * once.
   */
  signals[TRUNCATED] =
    g_signal_new ("truncated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * ChkOutputSink::store-failed:
   * @self: a #ChkOutputSink
   * @error: what the store said
   *
   * The store did not take output, or did not drop what the tail no
   * longer needs. What it refused is kept for another try while it fits,
   * and else lost; see chk_output_sink_close().
   */
  signals[STORE_FAILED] =
    g_signal_new ("store-failed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
chk_output_sink_init (ChkOutputSink *self)
{
  self->next_seq = 1;
  self->pending = g_ptr_array_new_with_free_func (chk_pending_chunk_free);
  g_queue_init (&self->tail);
  /* Owns a reference to each chunk's data, given up by hand: a flush takes
   * the chunks over without copying. */
  self->unsaved = g_array_new (FALSE, FALSE, sizeof (ChkOutputChunk));
}

/* Public API */

/**
 * chk_output_sink_new:
 * @store: the store that holds the run
 * @run_id: the run whose output this is
 * @max_output_bytes: how much of the output to keep, head and tail
 *   together; 0 keeps everything
 *
 * Creates the sink of one run's output. Its timers go to the thread-default
 * main context of the caller.
 *
 * Returns: (transfer full): a new #ChkOutputSink
 */
ChkOutputSink *
chk_output_sink_new (ChkStore *store,
                     guint64   run_id,
                     guint64   max_output_bytes)
{
  ChkOutputSink *self;

  g_return_val_if_fail (CHK_IS_STORE (store), NULL);
  g_return_val_if_fail (run_id != 0, NULL);

  self = g_object_new (CHK_TYPE_OUTPUT_SINK, NULL);
  self->store = g_object_ref (store);
  self->run_id = run_id;
  self->context = g_main_context_ref_thread_default ();

  /* 0 cannot come from a valid spec; read it as no limit rather than as
   * keeping nothing. */
  if (max_output_bytes == 0)
    {
      self->head_limit = G_MAXUINT64;
      self->tail_limit = G_MAXUINT64;
    }
  else
    {
      self->head_limit = max_output_bytes / 2;
      self->tail_limit = max_output_bytes - self->head_limit;
    }

  return self;
}

/**
 * chk_output_sink_add:
 * @self: a #ChkOutputSink
 * @stream: where @bytes came from
 * @bytes: what the job wrote; copied
 *
 * Queues output for the store: the part that still fits in the head in a
 * head chunk, split exactly at the boundary, the rest in a tail chunk. It
 * is written within 200 ms, at once when 1 MiB is pending.
 */
void
chk_output_sink_add (ChkOutputSink *self,
                     ChkStream      stream,
                     GBytes        *bytes)
{
  gint64 now = g_get_real_time ();
  gsize size;
  const guint8 *data;
  gsize head = 0;

  g_return_if_fail (CHK_IS_OUTPUT_SINK (self));
  g_return_if_fail (bytes != NULL);

  data = g_bytes_get_data (bytes, &size);

  if (self->head_bytes < self->head_limit)
    {
      head = (gsize) MIN ((guint64) size, self->head_limit - self->head_bytes);
      chk_output_sink_queue (self, stream, now, TRUE, data, head);
      self->head_bytes += head;
    }

  if (head < size)
    chk_output_sink_queue (self, stream, now, FALSE, data + head, size - head);

  if (self->pending_bytes >= FLUSH_BYTES)
    {
      chk_output_sink_flush_full (self, FALSE);
      chk_output_sink_announce_full (self, FALSE);
    }
  else if (self->flush_source == NULL)
    {
      self->flush_source = chk_output_sink_add_source (self, FLUSH_DELAY_MS,
                                                       chk_output_sink_flush_cb,
                                                       "[chk-output-sink] flush output");
    }
}

/**
 * chk_output_sink_flush:
 * @self: a #ChkOutputSink
 *
 * Writes what is pending now, inside the caller's transaction if there is
 * one. What the store refuses is kept for another try, within limits.
 */
void
chk_output_sink_flush (ChkOutputSink *self)
{
  g_return_if_fail (CHK_IS_OUTPUT_SINK (self));

  chk_output_sink_flush_full (self, FALSE);
}

/**
 * chk_output_sink_close:
 * @self: a #ChkOutputSink
 *
 * Writes what is pending for the last time, at the end of the run: what
 * the store refuses now is lost, and the store's byte counters are told of
 * it so that they still say what the job wrote.
 *
 * Returns: (transfer full) (nullable): a sentence for the run's message
 *   saying how much output was lost and why, or %NULL when none was
 */
char *
chk_output_sink_close (ChkOutputSink *self)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (CHK_IS_OUTPUT_SINK (self), NULL);

  chk_source_clear (&self->announce.timer);
  chk_output_sink_flush_full (self, TRUE);

  if (self->lost_stdout + self->lost_stderr == 0)
    return NULL;

  if (!chk_store_count_lost_output (self->store, self->run_id,
                                    self->lost_stdout, self->lost_stderr, &error))
    g_debug ("Run %" G_GUINT64_FORMAT ": %s", self->run_id, error->message);

  return g_strdup_printf ("%" G_GUINT64_FORMAT " bytes of output could not be stored and "
                          "are lost: %s",
                          self->lost_stdout + self->lost_stderr,
                          self->store_error != NULL ? self->store_error : "");
}

/**
 * chk_output_sink_announce:
 * @self: a #ChkOutputSink
 *
 * Emits #ChkOutputSink::output-available now if anything stored was not
 * announced yet, however recent the last announcement.
 */
void
chk_output_sink_announce (ChkOutputSink *self)
{
  g_return_if_fail (CHK_IS_OUTPUT_SINK (self));

  chk_output_sink_announce_full (self, TRUE);
}
