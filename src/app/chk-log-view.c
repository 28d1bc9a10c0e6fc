/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <inttypes.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "chk-ansi.h"
#include "chk-log-view.h"
#include "chk-log-view-private.h"
#include "chk-toast.h"

/**
 * ChkLogView:
 *
 * Shows one run's output: stdout and stderr in arrival order, stderr in the
 * error colour with a mark in the margin, a line where the daemon dropped
 * the middle of a large output, and new output as it comes while the run
 * goes on.
 *
 * Output is read page by page (ReadRunOutput): the first page is shown at
 * once, the next ones are read in idle steps. Past %HEAD_BYTES the view
 * finds the end of the output (ReadRunOutput takes sequence numbers, not
 * offsets: it bisects them, a chunk at a time) and shows the last
 * %TAIL_BYTES, followed live, with a note between the two: Show More in
 * it pages on after the head, Jump to End goes to the end, and Save to
 * File streams all of it to a file, byte for byte. A toolbar finds text
 * (Ctrl+F), copies all, saves and jumps to the end.
 */

G_DEFINE_FINAL_TYPE (ChkLogView, chk_log_view, GTK_TYPE_WIDGET)

static void read_page          (ChkLogView *self);

static gboolean
update_colors_cb (gpointer user_data)
{
  ChkLogView *self = user_data;

  self->colors_source = 0;
  _chk_log_view_update_colors (self);
  return G_SOURCE_REMOVE;
}

static void
style_changed_cb (AdwStyleManager *manager,
                  GParamSpec      *pspec,
                  ChkLogView      *self)
{
  /* Once the new style sheet is in place */
  if (self->colors_source == 0)
    self->colors_source = g_idle_add (update_colors_cb, self);
}

static gboolean
is_at_end (ChkLogView *self)
{
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->text_view));

  return gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment) >=
         gtk_adjustment_get_upper (adjustment) - FOLLOW_SLACK;
}

/* Moves the view to the end of the text. The adjustment's end counts only
 * the lines laid out so far: moving there lays out a screenful more, which
 * moves the end again. So the view goes to that end at once only where the
 * last line is laid out; past lines that are not, chasing it would lay out
 * all of them at once (the window froze for 33 s when it followed a run
 * with 1.3 million lines of output). There the text view lays out the lines
 * at the end first, at its next layout, then shows them. */
static void
show_end (ChkLogView *self)
{
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->text_view));
  GtkTextIter end;
  int y, height;

  gtk_text_buffer_get_end_iter (self->buffer, &end);
  gtk_text_view_get_line_yrange (self->text_view, &end, &y, &height);
  if (height == 0)
    {
      gtk_text_buffer_move_mark (self->buffer, self->end, &end);
      gtk_text_view_scroll_to_mark (self->text_view, self->end, 0, FALSE, 0, 0);
      return;
    }

  self->scrolling = TRUE;
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) -
                                        gtk_adjustment_get_page_size (adjustment));
  self->scrolling = FALSE;
}

/* The text grows (and is laid out bit by bit): keep its end in view while
 * following. */
static void
vadjustment_changed_cb (GtkAdjustment *adjustment,
                        ChkLogView    *self)
{
  gtk_widget_queue_draw (self->gutter);

  if (self->follow)
    show_end (self);
}

/* GTK lays changed text out in an idle that runs before the next frame,
 * unless events are waiting: then the frame comes first, and the text view
 * lays the text out while it is drawn, moving the scroll bar, which GTK
 * then draws without an allocation (it warns). Asked for its size again,
 * the text view lays the text out in the frame's layout, and what is
 * around it is allocated after it. (Asked for an allocation alone, it
 * moved the scroll bar in the middle of the layout, and the box around the
 * output went without an allocation in its turn.) */
static void
text_changed_cb (ChkLogView *self)
{
  gtk_widget_queue_resize (GTK_WIDGET (self->text_view));
}

/* The text view moves the view itself as it lays text out; only a move
 * that the user just made says whether to follow: scrolled up, stop; back
 * at the end, follow again. */
static void
vadjustment_value_changed_cb (GtkAdjustment *adjustment,
                              ChkLogView    *self)
{
  gtk_widget_queue_draw (self->gutter);

  if (!self->scrolling && g_get_monotonic_time () - self->last_input < USER_INPUT_USEC)
    self->follow = is_at_end (self);
}

static gboolean
input_event_cb (GtkEventControllerLegacy *controller,
                GdkEvent                 *event,
                ChkLogView               *self)
{
  switch ((int) gdk_event_get_event_type (event))
    {
    case GDK_MOTION_NOTIFY:
      /* Dragging the scroll bar or a selection */
      if ((gdk_event_get_modifier_state (event) & GDK_BUTTON1_MASK) == 0)
        break;
      G_GNUC_FALLTHROUGH;
    case GDK_BUTTON_PRESS:
    case GDK_SCROLL:
    case GDK_KEY_PRESS:
    case GDK_TOUCH_BEGIN:
    case GDK_TOUCH_UPDATE:
      self->last_input = g_get_monotonic_time ();
      break;
    default:
      break;
    }
  return GDK_EVENT_PROPAGATE;
}

static void
update_bytes_label (ChkLogView *self)
{
  guint64 out = MAX (self->read_bytes[STREAM_STDOUT], self->record_bytes[STREAM_STDOUT]);
  guint64 err = MAX (self->read_bytes[STREAM_STDERR], self->record_bytes[STREAM_STDERR]);
  g_autofree char *out_size = NULL;
  g_autofree char *err_size = NULL;
  g_autofree char *text = NULL;
  g_autofree char *tooltip = NULL;

  if (self->run_id == 0 || (out == 0 && err == 0))
    {
      gtk_label_set_text (self->bytes_label, "");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->bytes_label), NULL);
      return;
    }

  out_size = g_format_size (out);
  err_size = g_format_size (err);
  if (err == 0)
    /* Translators: the size of a run's standard output */
    text = g_strdup_printf (_("stdout %s"), out_size);
  else if (out == 0)
    /* Translators: the size of a run's standard error */
    text = g_strdup_printf (_("stderr %s"), err_size);
  else
    /* Translators: the sizes of a run's standard output and standard error */
    text = g_strdup_printf (_("stdout %s · stderr %s"), out_size, err_size);
  tooltip = g_strdup_printf (_("%" PRIu64 " bytes on standard output, %" PRIu64 " bytes on standard error"),
                             (uint64_t) out, (uint64_t) err);
  gtk_label_set_text (self->bytes_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->bytes_label), tooltip);
}

void
_chk_log_view_update_state (ChkLogView *self)
{
  gboolean has_text = gtk_text_buffer_get_char_count (self->buffer) > 0;
  gboolean live = self->first_page_done && !self->finished;
  gboolean busy = self->reading || self->locating || self->loading_more;

  if (self->error != NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "error");
    }
  else if (has_text || !self->first_page_done || self->run_id == 0)
    {
      gtk_stack_set_visible_child_name (self->stack, "text");
    }
  else
    {
      adw_status_page_set_title (self->empty_page, self->finished ? _("No Output") : _("No Output Yet"));
      adw_status_page_set_description (self->empty_page,
                                       self->finished ? NULL : _("Output appears here as the run writes it"));
      gtk_stack_set_visible_child_name (self->stack, "empty");
    }

  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy || live);
  gtk_spinner_set_spinning (self->spinner, busy || live);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->spinner),
                               live && !busy ? _("Following the output as the run writes it")
                                             : _("Loading output…"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->spinner), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  live && !busy ? _("Following the output as the run writes it")
                                                : _("Loading output…"), -1);

  gtk_revealer_set_reveal_child (self->cap_revealer, self->gap);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "log.copy-all", has_text);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "log.save", self->run_id != 0 && !self->saving);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "log.jump-to-end", has_text);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "log.show-more",
                                 self->gap && !self->loading_more &&
                                 self->head.bytes + self->tail.bytes < VIEW_MAX_BYTES);
  update_bytes_label (self);
}

/* The gap */

static guint64
hidden_bytes (ChkLogView *self)
{
  guint64 total = MAX (self->read_bytes[STREAM_STDOUT], self->record_bytes[STREAM_STDOUT]) +
                  MAX (self->read_bytes[STREAM_STDERR], self->record_bytes[STREAM_STDERR]);
  guint64 shown = self->head.bytes + self->tail.bytes;

  return total > shown ? total - shown : 0;
}

/* The note between the head and the tail, with Show More; (re)written
 * between the two marks. */
static void
write_gap_note (ChkLogView *self)
{
  guint64 hidden = hidden_bytes (self);
  g_autofree char *size = hidden > 0 ? g_format_size (hidden) : NULL;
  g_autofree char *note = NULL;
  g_autofree char *bar = NULL;
  GtkTextIter start, end;
  GtkTextChildAnchor *anchor;
  GtkWidget *button;
  int offset;

  gtk_text_buffer_get_iter_at_mark (self->buffer, &start, self->head_end);
  gtk_text_buffer_get_iter_at_mark (self->buffer, &end, self->tail_start);
  offset = gtk_text_iter_get_offset (&start);
  gtk_text_buffer_delete (self->buffer, &start, &end);

  if (size != NULL)
    /* Translators: a note between the start and the end of a long output; %s is a size such as "13.1 MB" */
    note = g_strdup_printf (_("%s of output not shown here"), size);
  else
    note = g_strdup (_("Output not shown here"));
  if (!self->head.at_line_start && offset > 0)
    gtk_text_buffer_insert_with_tags (self->buffer, &start, "\n", 1, self->text_tag, NULL);
  gtk_text_buffer_insert_with_tags (self->buffer, &start, "⋯ ", -1, self->text_tag, self->note_tag, NULL);
  gtk_text_buffer_insert_with_tags (self->buffer, &start, note, -1, self->text_tag, self->note_tag, NULL);
  gtk_text_buffer_insert_with_tags (self->buffer, &start, " ⋯  ", -1, self->text_tag, self->note_tag, NULL);

  anchor = gtk_text_buffer_create_child_anchor (self->buffer, &start);
  button = gtk_button_new_with_mnemonic (_("Show _More"));
  gtk_widget_set_tooltip_text (button, _("Show the next part of the output after the start"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "log.show-more");
  gtk_widget_add_css_class (button, "chk-log-view-more");
  gtk_text_view_add_child_at_anchor (self->text_view, button, anchor);
  gtk_text_buffer_insert_with_tags (self->buffer, &start, "\n", 1, self->text_tag, self->note_tag, NULL);
  gtk_text_buffer_move_mark (self->buffer, self->tail_start, &start);

  if (size != NULL)
    /* Translators: %s is a size such as "13.1 MB" */
    bar = g_strdup_printf (_("The start and the end of the output are shown, not the %s between them"), size);
  else
    bar = g_strdup (_("The start and the end of the output are shown, not what is between them"));
  gtk_label_set_text (self->cap_label, bar);

  _chk_log_view_search_restart (self);
}

/* Show More read up to the tail: the head and the tail are one. */
static void
close_gap (ChkLogView *self)
{
  GtkTextIter start, end;
  ChkLogTailChunk *first = g_queue_peek_head (self->tail_chunks);

  _chk_log_view_flush_pending (self, &self->head);
  gtk_text_buffer_get_iter_at_mark (self->buffer, &start, self->head_end);
  gtk_text_buffer_get_iter_at_mark (self->buffer, &end, self->tail_start);
  gtk_text_buffer_delete (self->buffer, &start, &end);
  self->gap = FALSE;
  /* Unless the daemon dropped what was between them */
  if (first != NULL && first->seq > self->head.last_seq + 1)
    _chk_log_view_insert_note (self, &self->head,
                               _("Output dropped here: the run wrote more than it keeps"));
  _chk_log_view_search_restart (self);
}

/* A live tail past its size loses its top, chunk by chunk, into the gap. */
static void
trim_tail (ChkLogView *self)
{
  GtkTextIter start, end;
  int chars = 0;
  guint64 last_dropped = 0;

  if (self->tail.bytes <= TAIL_BYTES + TAIL_SLACK_BYTES)
    return;

  while (self->tail.bytes > TAIL_BYTES && g_queue_get_length (self->tail_chunks) > 1)
    {
      ChkLogTailChunk *chunk = g_queue_pop_head (self->tail_chunks);

      self->tail.bytes -= chunk->bytes;
      chars += chunk->chars;
      last_dropped = chunk->seq;
      g_free (chunk);
    }

  gtk_text_buffer_get_iter_at_mark (self->buffer, &start, self->tail_start);
  end = start;
  gtk_text_iter_forward_chars (&end, chars);
  gtk_text_buffer_delete (self->buffer, &start, &end);
  self->gap_end_seq = last_dropped;
  self->gap = TRUE;
  write_gap_note (self);
}

/* Finding the tail: the last chunk's number, by bisection (a chunk at a
 * time), then stretches before it, back to TAIL_BYTES. */

static void probe (ChkLogView *self,
                   guint64     after);
static void read_segment (ChkLogView *self);

/* What a read for the tail ended with: a failure shows as one */
static gboolean
tail_read_finish (ChkLogView    *self,
                  GObject       *object,
                  GAsyncResult  *result,
                  GVariant     **chunks)
{
  g_autoptr(GError) error = NULL;
  gboolean finished = FALSE;

  if (chk_scheduler1_call_read_run_output_finish (CHK_SCHEDULER1 (object), chunks, &finished, result, &error))
    return TRUE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;

  self->locating = FALSE;
  self->loading_more = FALSE;
  g_dbus_error_strip_remote_error (error);
  adw_status_page_set_description (self->error_page, error->message);
  g_clear_error (&self->error);
  self->error = g_steal_pointer (&error);
  _chk_log_view_update_state (self);
  return FALSE;
}

/* The tail is in the buffer: followed live from here on. */
static void
tail_shown (ChkLogView *self)
{
  g_ptr_array_set_size (self->tail_pending, 0);
  self->tail_pending_bytes = 0;
  self->tail_next = 0;
  self->locating = FALSE;
  _chk_log_view_search_schedule (self);

  g_debug ("Run %" G_GUINT64_FORMAT ": head to chunk %" G_GUINT64_FORMAT ", tail from chunk %"
           G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT " bytes)", self->run_id, self->head.last_seq,
           self->tail.last_seq, self->tail.bytes);

  /* On to what came since, and the run's end */
  read_page (self);
  _chk_log_view_update_state (self);
}

/* Puts a page of the tail into the buffer. The tail goes in a page at a
 * time, with a breath between pages for drawing and input, as the head
 * does: its 4 MiB in one insert held the window for about 0.3 s. */
static gboolean
insert_tail_cb (gpointer user_data)
{
  ChkLogView *self = user_data;
  g_autoptr(GString) text = g_string_new (NULL);
  ChkLogSink sink = { self, &self->tail, STREAM_STDOUT, text, STREAM_STDOUT, NULL };
  gsize bytes = 0;

  while (self->tail_next < self->tail_pending->len && bytes < VIEW_PAGE_BYTES)
    {
      GVariant *chunk = g_ptr_array_index (self->tail_pending, self->tail_next++);
      g_autoptr(GVariant) data = g_variant_get_child_value (chunk, 3);

      bytes += g_variant_get_size (data);
      _chk_log_view_append_chunk (&sink, chunk);
    }
  _chk_log_view_sink_flush (&sink);
  gtk_widget_queue_draw (self->gutter);

  if (self->tail_next < self->tail_pending->len)
    return G_SOURCE_CONTINUE;

  self->tail_source = 0;
  tail_shown (self);
  return G_SOURCE_REMOVE;
}

/* The tail is read: shown below the head, after the note when there is
 * output between them. */
static void
show_tail (ChkLogView *self,
           gboolean    reached_head)
{
  guint first = 0;

  /* No more than TAIL_BYTES: the first chunks go */
  while (first + 1 < self->tail_pending->len)
    {
      gsize len = 0;
      g_autoptr(GVariant) bytes = g_variant_get_child_value (self->tail_pending->pdata[first], 3);

      len = g_variant_get_size (bytes);
      if (self->tail_pending_bytes - len < TAIL_BYTES)
        break;
      self->tail_pending_bytes -= len;
      first++;
      reached_head = FALSE;
    }

  self->tail.mark = NULL;
  self->live = &self->tail;
  if (reached_head || self->tail_pending->len == 0)
    {
      /* Nothing between: the tail goes on from the head */
      self->tail.last_seq = self->head.last_seq;
      self->gap = FALSE;
    }
  else
    {
      self->gap_end_seq = _chk_log_view_chunk_seq (self->tail_pending->pdata[first]) - 1;
      self->tail.last_seq = self->gap_end_seq;
      self->gap = TRUE;
      write_gap_note (self);
    }

  /* The first page at once */
  self->tail_next = first;
  if (insert_tail_cb (self) == G_SOURCE_CONTINUE)
    self->tail_source = g_timeout_add (PAGE_INTERVAL_MS, insert_tail_cb, self);
}

static void
segment_done (ChkLogView *self)
{
  gsize bytes = 0;
  guint64 average, step;

  for (guint i = 0; i < self->segment->len; i++)
    {
      g_autoptr(GVariant) data = g_variant_get_child_value (self->segment->pdata[i], 3);

      bytes += g_variant_get_size (data);
    }
  /* Before what was read already */
  g_ptr_array_extend_and_steal (self->segment, g_steal_pointer (&self->tail_pending));
  self->tail_pending = g_steal_pointer (&self->segment);
  self->segment = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  self->tail_pending_bytes += bytes;

  if (self->tail_pending_bytes >= TAIL_BYTES || self->segment_from <= self->head.last_seq)
    {
      show_tail (self, self->segment_from <= self->head.last_seq);
      return;
    }

  /* Short: the stretch before it, as many chunks as the average says, or more */
  average = MAX (1, self->tail_pending_bytes / MAX (1, self->tail_pending->len));
  step = MAX ((TAIL_BYTES - self->tail_pending_bytes) / average + 1, self->segment_to - self->segment_from);
  self->segment_to = self->segment_from;
  self->segment_from = self->segment_to > self->head.last_seq + step ? self->segment_to - step
                                                                      : self->head.last_seq;
  self->segment_cursor = self->segment_from;
  read_segment (self);
}

static void
segment_read_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ChkLogView) self = user_data;
  g_autoptr(GVariant) chunks = NULL;
  gsize n_chunks;

  if (!tail_read_finish (self, object, result, &chunks))
    return;

  n_chunks = g_variant_n_children (chunks);
  for (gsize i = 0; i < n_chunks; i++)
    {
      GVariant *chunk = g_variant_get_child_value (chunks, i);
      guint64 seq = _chk_log_view_chunk_seq (chunk);

      if (seq > self->segment_to)
        {
          g_variant_unref (chunk);
          segment_done (self);
          return;
        }
      self->segment_cursor = seq;
      g_ptr_array_add (self->segment, chunk);
    }

  if (n_chunks == 0 || self->segment_cursor >= self->segment_to)
    segment_done (self);
  else
    read_segment (self);
}

static void
read_segment (ChkLogView *self)
{
  chk_scheduler1_call_read_run_output (self->scheduler, self->run_id, self->segment_cursor,
                                       SAVE_PAGE_BYTES, self->cancellable, segment_read_cb,
                                       g_object_ref (self));
}

/* The last chunk is @last: read back from it. */
static void
located (ChkLogView *self,
         guint64     last)
{
  guint64 average, step;

  g_debug ("Run %" G_GUINT64_FORMAT ": the last chunk is %" G_GUINT64_FORMAT, self->run_id, last);

  g_ptr_array_set_size (self->tail_pending, 0);
  self->tail_pending_bytes = 0;
  if (last <= self->head.last_seq)
    {
      show_tail (self, TRUE);
      return;
    }

  /* As many chunks as the head's average size says hold TAIL_BYTES */
  average = MAX (1, self->head.bytes / MAX (1, self->head.chunks));
  step = MAX (TAIL_BYTES / average, 1);
  self->segment_to = last;
  self->segment_from = last > self->head.last_seq + step ? last - step : self->head.last_seq;
  self->segment_cursor = self->segment_from;
  read_segment (self);
}

static void
probe_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(ChkLogView) self = user_data;
  g_autoptr(GVariant) chunks = NULL;

  if (!tail_read_finish (self, object, result, &chunks))
    return;

  if (g_variant_n_children (chunks) > 0)
    {
      g_autoptr(GVariant) chunk = g_variant_get_child_value (chunks, 0);

      self->probe_low = _chk_log_view_chunk_seq (chunk);
      if (!self->probe_bisect)
        {
          self->probe_step *= 2;
          probe (self, self->probe_low + self->probe_step);
          return;
        }
    }
  else
    {
      self->probe_high = self->probe_after;
      self->probe_bisect = TRUE;
    }

  if (self->probe_low >= self->probe_high)
    located (self, self->probe_low);
  else
    probe (self, self->probe_low + (self->probe_high - self->probe_low) / 2);
}

/* Is there a chunk after @after? The first one, if so. */
static void
probe (ChkLogView *self,
       guint64     after)
{
  self->probe_after = after;
  chk_scheduler1_call_read_run_output (self->scheduler, self->run_id, after, 1,
                                       self->cancellable, probe_cb, g_object_ref (self));
}

/* The head is full: the tail, from the end of the output. */
static void
locate_tail (ChkLogView *self)
{
  GtkTextIter end;

  _chk_log_view_flush_pending (self, &self->head);
  gtk_text_buffer_get_end_iter (self->buffer, &end);
  self->head_end = gtk_text_buffer_create_mark (self->buffer, NULL, &end, TRUE);
  self->tail_start = gtk_text_buffer_create_mark (self->buffer, NULL, &end, TRUE);
  self->head.mark = self->head_end;

  self->locating = TRUE;
  self->probe_low = self->head.last_seq;
  self->probe_high = G_MAXUINT64;
  self->probe_bisect = FALSE;
  self->probe_step = MAX (MIN_PROBE_STEP, self->head.chunks);
  probe (self, self->probe_low + self->probe_step);
}

/* Reading on */

static gboolean
next_page_cb (gpointer user_data)
{
  ChkLogView *self = user_data;

  self->next_page_source = 0;
  read_page (self);
  return G_SOURCE_REMOVE;
}

static void
read_output_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ChkLogView) self = user_data;
  g_autoptr(GVariant) chunks = NULL;
  g_autoptr(GError) error = NULL;
  gboolean finished = FALSE;
  gboolean head_full = FALSE;
  gsize n_chunks;

  if (!chk_scheduler1_call_read_run_output_finish (CHK_SCHEDULER1 (object), &chunks, &finished,
                                                   result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      self->reading = FALSE;
      self->first_page_done = TRUE;
      g_dbus_error_strip_remote_error (error);
      adw_status_page_set_description (self->error_page, error->message);
      g_clear_error (&self->error);
      self->error = g_steal_pointer (&error);
      _chk_log_view_update_state (self);
      return;
    }

  self->reading = FALSE;
  n_chunks = g_variant_n_children (chunks);
  g_debug ("Run %" G_GUINT64_FORMAT ": %" G_GSIZE_FORMAT " chunks after %.3f s%s",
           self->run_id, n_chunks, (g_get_monotonic_time () - self->read_started) / (double) G_USEC_PER_SEC,
           self->first_page_done ? "" : " (first page)");
  /* A finished run is read from the top, a running one followed at its end. */
  if (!self->first_page_done && finished)
    self->follow = FALSE;
  self->first_page_done = TRUE;

  if (self->live == &self->head)
    {
      gsize taken = _chk_log_view_append_chunks (self, &self->head, chunks,
                                                 G_MAXUINT64, HEAD_BYTES);

      head_full = taken < n_chunks || self->head.bytes >= HEAD_BYTES;
    }
  else if (n_chunks > 0)
    {
      _chk_log_view_append_chunks (self, &self->tail, chunks, G_MAXUINT64, G_MAXUINT64);
      trim_tail (self);
    }
  if (n_chunks > 0)
    _chk_log_view_search_schedule (self);

  if (head_full)
    {
      locate_tail (self);
    }
  else if (n_chunks == 0 && finished)
    {
      self->finished = TRUE;
      _chk_log_view_flush_pending (self, self->live);
      _chk_log_view_search_schedule (self);
    }
  else if (n_chunks > 0 || self->read_again)
    {
      /* The next page: drawing, layout and input go on while the daemon
       * answers, so a large output loads behind the first screen. (A low
       * priority idle would wait for ever while anything animates.) */
      self->next_page_source = g_timeout_add (PAGE_INTERVAL_MS, next_page_cb, self);
    }
  /* else: the run goes on; OutputAvailable says when there is more */

  _chk_log_view_update_state (self);
}

static void
read_page (ChkLogView *self)
{
  if (self->reading || self->locating || self->scheduler == NULL || self->run_id == 0)
    return;

  self->reading = TRUE;
  self->read_again = FALSE;
  chk_scheduler1_call_read_run_output (self->scheduler, self->run_id, self->live->last_seq,
                                       VIEW_PAGE_BYTES, self->cancellable,
                                       read_output_cb, g_object_ref (self));
}

/* More output, or the run's end: read on unless a read is under way. */
static void
more_output (ChkLogView *self)
{
  if (self->finished)
    return;
  if (self->reading || self->locating || self->next_page_source != 0)
    self->read_again = TRUE;
  else
    read_page (self);
}

/* Show More: the next pages after the head, into the gap */

static void read_more (ChkLogView *self);

static void
read_more_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ChkLogView) self = user_data;
  g_autoptr(GVariant) chunks = NULL;
  gsize n_chunks, taken;

  if (!tail_read_finish (self, object, result, &chunks))
    return;

  n_chunks = g_variant_n_children (chunks);
  taken = _chk_log_view_append_chunks (self, &self->head, chunks,
                                       self->gap_end_seq, self->more_target);
  if (n_chunks == 0 || (taken < n_chunks && self->head.bytes < self->more_target) ||
      self->head.last_seq >= self->gap_end_seq)
    {
      /* Up to the tail */
      self->loading_more = FALSE;
      close_gap (self);
    }
  else if (self->head.bytes < self->more_target)
    {
      read_more (self);
      return;
    }
  else
    {
      self->loading_more = FALSE;
      write_gap_note (self);
    }
  _chk_log_view_update_state (self);
}

static void
read_more (ChkLogView *self)
{
  chk_scheduler1_call_read_run_output (self->scheduler, self->run_id, self->head.last_seq,
                                       VIEW_PAGE_BYTES, self->cancellable, read_more_cb,
                                       g_object_ref (self));
}

static void
show_more_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  ChkLogView *self = CHK_LOG_VIEW (widget);

  if (!self->gap || self->loading_more || self->scheduler == NULL ||
      self->head.bytes + self->tail.bytes >= VIEW_MAX_BYTES)
    return;

  self->loading_more = TRUE;
  self->more_target = self->head.bytes + MORE_BYTES;
  read_more (self);
  _chk_log_view_update_state (self);
}

static void
jump_to_end_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  ChkLogView *self = CHK_LOG_VIEW (widget);
  GtkTextIter end;

  gtk_text_buffer_get_end_iter (self->buffer, &end);
  gtk_text_buffer_place_cursor (self->buffer, &end);
  /* And stays there as the text is laid out, and as more comes */
  self->follow = TRUE;
  show_end (self);
}

static void
get_run_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ChkLogView) self = user_data;
  g_autoptr(GVariant) run = NULL;
  g_autoptr(GError) error = NULL;
  const char *job_name = NULL;
  guint64 run_id = 0;

  if (!chk_scheduler1_call_get_run_finish (CHK_SCHEDULER1 (object), &run, result, &error))
    {
      /* ReadRunOutput says what went wrong. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Could not get run: %s", error->message);
      return;
    }

  if (!g_variant_lookup (run, "id", "t", &run_id) || run_id != self->run_id)
    return;

  g_variant_lookup (run, "stdout-bytes", "t", &self->record_bytes[STREAM_STDOUT]);
  g_variant_lookup (run, "stderr-bytes", "t", &self->record_bytes[STREAM_STDERR]);
  if (g_variant_lookup (run, "job-name", "&s", &job_name) && job_name[0] != '\0')
    {
      g_autofree char *name = g_strdup_printf ("%s-run-%" PRIu64 ".log", job_name, (uint64_t) run_id);

      /* Not a path, and no hidden file */
      g_strdelimit (name, "/\\:", '-');
      if (name[0] == '.')
        name[0] = '_';
      g_free (self->file_name);
      self->file_name = g_steal_pointer (&name);
    }
  update_bytes_label (self);
  /* The size of what is not shown */
  if (self->gap && !self->loading_more)
    write_gap_note (self);
}

static void
refresh_record (ChkLogView *self)
{
  chk_scheduler1_call_get_run (self->scheduler, self->run_id, self->cancellable,
                               get_run_cb, g_object_ref (self));
}

static void
output_available_cb (ChkScheduler1 *scheduler,
                     guint64        run_id,
                     guint64        last_seq,
                     ChkLogView    *self)
{
  if (run_id != self->run_id || last_seq <= self->live->last_seq)
    return;
  more_output (self);
}

static void
run_finished_cb (ChkScheduler1 *scheduler,
                 const char    *job,
                 guint64        run_id,
                 const char    *outcome,
                 int            exit_code,
                 ChkLogView    *self)
{
  if (run_id != self->run_id)
    return;
  refresh_record (self);
  more_output (self);
}

/* Copy All */

static void
copy_all_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  ChkLogView *self = CHK_LOG_VIEW (widget);
  g_autofree char *text = NULL;
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  text = gtk_text_buffer_get_text (self->buffer, &start, &end, FALSE);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);

  if (self->gap)
    chk_widget_add_toast (GTK_WIDGET (self), _("Copied the output shown; save it to a file to get all of it"));
  else
    chk_widget_add_toast (GTK_WIDGET (self), _("Output copied"));
}

static void
chk_log_view_dispose (GObject *object)
{
  ChkLogView *self = CHK_LOG_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->save_cancellable);
  g_clear_object (&self->save_cancellable);
  if (self->save_dialog != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->save_dialog, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->save_dialog));
      g_clear_object (&self->save_dialog);
    }
  g_clear_handle_id (&self->next_page_source, g_source_remove);
  g_clear_handle_id (&self->tail_source, g_source_remove);
  g_clear_handle_id (&self->search_source, g_source_remove);
  g_clear_handle_id (&self->colors_source, g_source_remove);
  g_signal_handlers_disconnect_by_data (adw_style_manager_get_default (), self);
  g_clear_object (&self->scheduler_signals);
  g_clear_object (&self->scheduler);

  if (self->search_bar != NULL)
    g_signal_handlers_disconnect_by_data (self->search_bar, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHK_TYPE_LOG_VIEW);

  G_OBJECT_CLASS (chk_log_view_parent_class)->dispose (object);
}

static void
chk_log_view_finalize (GObject *object)
{
  ChkLogView *self = CHK_LOG_VIEW (object);

  g_clear_pointer (&self->file_name, g_free);
  g_clear_error (&self->error);
  g_clear_pointer (&self->matches, g_array_unref);
  _chk_log_view_reader_clear (&self->head);
  _chk_log_view_reader_clear (&self->tail);
  g_clear_pointer (&self->style_tags, g_hash_table_unref);
  g_queue_free_full (g_steal_pointer (&self->tail_chunks), g_free);
  g_clear_pointer (&self->segment, g_ptr_array_unref);
  g_clear_pointer (&self->tail_pending, g_ptr_array_unref);

  G_OBJECT_CLASS (chk_log_view_parent_class)->finalize (object);
}

static void
chk_log_view_realize (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (chk_log_view_parent_class)->realize (widget);
  _chk_log_view_update_colors (CHK_LOG_VIEW (widget));
}

static void
chk_log_view_class_init (ChkLogViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chk_log_view_dispose;
  object_class->finalize = chk_log_view_finalize;
  widget_class->realize = chk_log_view_realize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chroniker/Chroniker/chk-log-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ChkLogView, box);
  gtk_widget_class_bind_template_child (widget_class, ChkLogView, bytes_label);
  gtk_widget_class_bind_template_child (widget_class, ChkLogView, spinner);
  gtk_widget_class_bind_template_child (widget_class, ChkLogView, search_bar);
  gtk_widget_class_bind_template_child (widget_class, ChkLogView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, ChkLogView, match_label);
  gtk_widget_class_bind_template_child (widget_class, ChkLogView, cap_revealer);
  gtk_widget_class_bind_template_child (widget_class, ChkLogView, cap_label);
  gtk_widget_class_bind_template_child (widget_class, ChkLogView, stack);
  gtk_widget_class_bind_template_child (widget_class, ChkLogView, scroller);
  gtk_widget_class_bind_template_child (widget_class, ChkLogView, text_view);
  gtk_widget_class_bind_template_child (widget_class, ChkLogView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, ChkLogView, error_page);
  _chk_log_view_class_init_search (widget_class);

  gtk_widget_class_install_action (widget_class, "log.copy-all", NULL, copy_all_action);
  gtk_widget_class_install_action (widget_class, "log.save", NULL, _chk_log_view_save_action);
  gtk_widget_class_install_action (widget_class, "log.jump-to-end", NULL, jump_to_end_action);
  gtk_widget_class_install_action (widget_class, "log.show-more", NULL, show_more_action);

  /* Inside the output, Ctrl+F finds in it rather than in the list of jobs. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "log.find", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_g, GDK_CONTROL_MASK, "log.find-next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_g, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "log.find-previous", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "log.save", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "chk-log-view");
}

static void
chk_log_view_init (ChkLogView *self)
{
  GtkAdjustment *vadjustment;
  GtkEventController *input;
  AdwStyleManager *style_manager = adw_style_manager_get_default ();
  GtkTextIter end;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* The scheduler of the run shown: more output, and the run's end */
  self->scheduler_signals = g_signal_group_new (CHK_TYPE_SCHEDULER1);
  g_signal_group_connect (self->scheduler_signals, "output-available", G_CALLBACK (output_available_cb), self);
  g_signal_group_connect (self->scheduler_signals, "run-finished", G_CALLBACK (run_finished_cb), self);

  self->matches = g_array_new (FALSE, FALSE, sizeof (ChkLogMatch));
  self->current_match = NO_MATCH;
  self->file_name = g_strdup ("output.log");
  _chk_log_view_reader_init (&self->head);
  _chk_log_view_reader_init (&self->tail);
  self->live = &self->head;
  self->tail_chunks = g_queue_new ();
  self->segment = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  self->tail_pending = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  self->style_tags = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  self->buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_get_end_iter (self->buffer, &end);
  self->end = gtk_text_buffer_create_mark (self->buffer, NULL, &end, FALSE);
  /* Output wraps at any character (paths, URLs, hashes are long words), and
   * a hyphen that the program did not write would change what it said:
   * "ca-certific-ates.crt". Pango inserts them unless told not to. */
  self->text_tag = gtk_text_buffer_create_tag (self->buffer, "text",
                                               "insert-hyphens", FALSE,
                                               NULL);
  self->stderr_tag = gtk_text_buffer_create_tag (self->buffer, "stderr", NULL);
  self->note_tag = gtk_text_buffer_create_tag (self->buffer, "note",
                                               "style", PANGO_STYLE_ITALIC,
                                               "weight", PANGO_WEIGHT_BOLD,
                                               "pixels-above-lines", 6,
                                               "pixels-below-lines", 6,
                                               "wrap-mode", GTK_WRAP_WORD_CHAR,
                                               NULL);
  self->match_tag = gtk_text_buffer_create_tag (self->buffer, "match", NULL);
  self->current_tag = gtk_text_buffer_create_tag (self->buffer, "current-match", NULL);
  gdk_rgba_parse (&self->stderr_color, "#c01c28");

  self->gutter = gtk_drawing_area_new ();
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (self->gutter), GUTTER_WIDTH);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->gutter),
                                  _chk_log_view_gutter_draw_cb, self, NULL);
  gtk_text_view_set_gutter (self->text_view, GTK_TEXT_WINDOW_LEFT, self->gutter);
  vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->text_view));
  g_signal_connect_object (vadjustment, "value-changed", G_CALLBACK (vadjustment_value_changed_cb), self, 0);
  g_signal_connect_object (vadjustment, "changed", G_CALLBACK (vadjustment_changed_cb), self, 0);
  g_signal_connect_object (self->buffer, "changed", G_CALLBACK (text_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->buffer, "apply-tag", G_CALLBACK (text_changed_cb), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  g_signal_connect_object (self->buffer, "remove-tag", G_CALLBACK (text_changed_cb), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  g_signal_connect_object (gtk_text_buffer_get_tag_table (self->buffer), "tag-changed",
                           G_CALLBACK (text_changed_cb), self, G_CONNECT_SWAPPED);

  input = gtk_event_controller_legacy_new ();
  gtk_event_controller_set_propagation_phase (input, GTK_PHASE_CAPTURE);
  g_signal_connect (input, "event", G_CALLBACK (input_event_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->scroller), input);

  _chk_log_view_init_search (self);

  g_signal_connect (style_manager, "notify::dark", G_CALLBACK (style_changed_cb), self);
  g_signal_connect (style_manager, "notify::high-contrast", G_CALLBACK (style_changed_cb), self);

  _chk_log_view_update_state (self);
}

/**
 * chk_log_view_new:
 *
 * Returns: (transfer floating): a new, empty output view
 */
GtkWidget *
chk_log_view_new (void)
{
  return g_object_new (CHK_TYPE_LOG_VIEW, NULL);
}

/**
 * chk_log_view_set_run:
 * @self: a #ChkLogView
 * @scheduler: (nullable): the scheduler the run is from
 * @run_id: the run whose output to show, or 0 for none
 *
 * Shows a run's output, and follows it live while the run goes on.
 * Nothing happens when the run is already shown.
 */
void
chk_log_view_set_run (ChkLogView    *self,
                      ChkScheduler1 *scheduler,
                      guint64        run_id)
{
  g_return_if_fail (CHK_IS_LOG_VIEW (self));
  g_return_if_fail (scheduler == NULL || CHK_IS_SCHEDULER1 (scheduler));

  if (scheduler == self->scheduler && run_id == self->run_id)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->next_page_source, g_source_remove);
  g_clear_handle_id (&self->tail_source, g_source_remove);

  if (g_set_object (&self->scheduler, scheduler))
    g_signal_group_set_target (self->scheduler_signals, scheduler);

  self->run_id = scheduler != NULL ? run_id : 0;
  for (ChkLogStream stream = STREAM_STDOUT; stream < N_STREAMS; stream++)
    {
      self->read_bytes[stream] = 0;
      self->record_bytes[stream] = 0;
    }
  _chk_log_view_reader_reset (&self->head);
  _chk_log_view_reader_reset (&self->tail);
  self->live = &self->head;
  if (self->head_end != NULL)
    {
      gtk_text_buffer_delete_mark (self->buffer, self->head_end);
      gtk_text_buffer_delete_mark (self->buffer, self->tail_start);
      self->head_end = self->tail_start = NULL;
    }
  g_queue_clear_full (self->tail_chunks, g_free);
  g_ptr_array_set_size (self->segment, 0);
  g_ptr_array_set_size (self->tail_pending, 0);
  self->tail_pending_bytes = 0;
  self->tail_next = 0;
  self->gap = FALSE;
  self->locating = FALSE;
  self->loading_more = FALSE;
  self->first_page_done = FALSE;
  self->reading = FALSE;
  self->read_again = FALSE;
  self->finished = FALSE;
  g_clear_error (&self->error);
  g_free (self->file_name);
  self->file_name = g_strdup_printf ("run-%" PRIu64 ".log", (uint64_t) self->run_id);

  gtk_text_buffer_set_text (self->buffer, "", 0);
  self->follow = TRUE;
  _chk_log_view_search_reset (self);
  _chk_log_view_update_match_label (self);

  if (self->run_id != 0)
    {
      self->cancellable = g_cancellable_new ();
      self->read_started = g_get_monotonic_time ();
      refresh_record (self);
      read_page (self);
    }

  _chk_log_view_update_state (self);
}

/**
 * chk_log_view_get_run:
 * @self: a #ChkLogView
 *
 * Returns: the run shown, or 0
 */
guint64
chk_log_view_get_run (ChkLogView *self)
{
  g_return_val_if_fail (CHK_IS_LOG_VIEW (self), 0);
  return self->run_id;
}
