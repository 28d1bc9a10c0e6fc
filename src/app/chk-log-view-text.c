/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"


#include <adwaita.h>
#include <glib/gi18n.h>

#include "chk-log-view-private.h"

/* The first 16 colours of terminals, readable on the view's background in
 * the light and the dark style (from the GNOME palette). A program that
 * writes black or white text assumes a background: here those two become
 * greys that show on either. */
static const char * const palette_light[16] = {
  "#5e5c64", "#c01c28", "#26a269", "#9c6e03", "#1c71d8", "#813d9c", "#1f8a9c", "#77767b",
  "#3d3846", "#e01b24", "#2ec27e", "#c88800", "#3584e4", "#9141ac", "#2aa1b3", "#9a9996",
};
static const char * const palette_dark[16] = {
  "#9a9996", "#f66151", "#57e389", "#f8e45c", "#62a0ea", "#c061cb", "#5bc8af", "#deddda",
  "#c0bfbc", "#ff7b63", "#8ff0a4", "#f9f06b", "#99c1f1", "#dc8add", "#93ddc2", "#ffffff",
};

static void
lookup_color (ChkLogView *self,
              const char *name,
              const char *fallback,
              GdkRGBA    *color)
{
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self->text_view));

  if (!gtk_style_context_lookup_color (context, name, color))
    gdk_rgba_parse (color, fallback);
}

/* Dim or inverse text in the stream's colour: stderr's is not the view's */
#define STYLE_ON_STDERR (G_GUINT64_CONSTANT (1) << 63)

/* A style as one number: the attributes, then the two colours (26 bits
 * each), and whether the text's own colour is stderr's. */
static guint64
pack_style (const ChkAnsiStyle *style,
            ChkLogStream        stream)
{
  guint64 key = ((guint64) style->attributes << 52) |
                ((guint64) (style->foreground & 0x3ffffff) << 26) |
                (guint64) (style->background & 0x3ffffff);

  if (stream == STREAM_STDERR && style->foreground == CHK_ANSI_COLOR_DEFAULT &&
      (style->attributes & (CHK_ANSI_DIM | CHK_ANSI_INVERSE)) != 0)
    key |= STYLE_ON_STDERR;
  return key;
}

static void
unpack_style (guint64       key,
              ChkAnsiStyle *style)
{
  style->attributes = (ChkAnsiAttributes) ((key >> 52) & 0x3f);
  style->foreground = (guint32) ((key >> 26) & 0x3ffffff);
  style->background = (guint32) (key & 0x3ffffff);
}

static gboolean
resolve_color (ChkLogView *self,
               guint32     color,
               GdkRGBA    *rgba)
{
  guint8 r, g, b;

  if (color == CHK_ANSI_COLOR_DEFAULT)
    return FALSE;
  if (CHK_ANSI_COLOR_IS_PALETTE (color) && CHK_ANSI_COLOR_INDEX (color) < 16)
    {
      gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());

      gdk_rgba_parse (rgba, (dark ? palette_dark : palette_light)[CHK_ANSI_COLOR_INDEX (color)]);
      return TRUE;
    }
  chk_ansi_color_to_rgb (color, &r, &g, &b);
  *rgba = (GdkRGBA) { r / 255.f, g / 255.f, b / 255.f, 1.f };
  return TRUE;
}

static void
update_style_tag (ChkLogView *self,
                  GtkTextTag *tag,
                  guint64     key)
{
  ChkAnsiStyle style;
  GdkRGBA fg, bg;
  GdkRGBA text_fg = (key & STYLE_ON_STDERR) ? self->stderr_color : self->view_fg;
  gboolean has_fg, has_bg;

  unpack_style (key, &style);
  has_fg = resolve_color (self, style.foreground, &fg);
  has_bg = resolve_color (self, style.background, &bg);
  if (style.attributes & CHK_ANSI_INVERSE)
    {
      GdkRGBA swapped_fg = has_bg ? bg : self->view_bg;
      GdkRGBA swapped_bg = has_fg ? fg : text_fg;

      fg = swapped_fg;
      bg = swapped_bg;
      has_fg = has_bg = TRUE;
    }
  if (style.attributes & CHK_ANSI_DIM)
    {
      if (!has_fg)
        fg = text_fg;
      fg.alpha *= DIM_ALPHA;
      has_fg = TRUE;
    }

  g_object_set (tag,
                "foreground-rgba", has_fg ? &fg : NULL,
                "background-rgba", has_bg ? &bg : NULL,
                "weight", (style.attributes & CHK_ANSI_BOLD) ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL,
                "weight-set", (style.attributes & CHK_ANSI_BOLD) != 0,
                "style", (style.attributes & CHK_ANSI_ITALIC) ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL,
                "style-set", (style.attributes & CHK_ANSI_ITALIC) != 0,
                "underline", (style.attributes & CHK_ANSI_UNDERLINE) ? PANGO_UNDERLINE_SINGLE
                                                                    : PANGO_UNDERLINE_NONE,
                "underline-set", (style.attributes & CHK_ANSI_UNDERLINE) != 0,
                "strikethrough", (style.attributes & CHK_ANSI_STRIKETHROUGH) != 0,
                "strikethrough-set", (style.attributes & CHK_ANSI_STRIKETHROUGH) != 0,
                NULL);
}

static void
update_style_tags (ChkLogView *self)
{
  GHashTableIter iter;
  gpointer key, tag;

  g_hash_table_iter_init (&iter, self->style_tags);
  while (g_hash_table_iter_next (&iter, &key, &tag))
    update_style_tag (self, tag, *(guint64 *) key);
}

/* The tag that draws text as SGR sequences said, made the first time;
 * NULL for the default style. */
static GtkTextTag *
style_tag (ChkLogView         *self,
           const ChkAnsiStyle *style,
           ChkLogStream        stream)
{
  guint64 key = pack_style (style, stream);
  GtkTextTag *tag;
  guint64 *stored;

  if (key == 0)
    return NULL;
  tag = g_hash_table_lookup (self->style_tags, &key);
  if (tag != NULL || g_hash_table_size (self->style_tags) >= MAX_STYLE_TAGS)
    return tag;

  /* Made after the stderr tag: a colour the program chose wins over the
   * stream's (the margin still marks stderr). */
  tag = gtk_text_buffer_create_tag (self->buffer, NULL, NULL);
  stored = g_new (guint64, 1);
  *stored = key;
  g_hash_table_insert (self->style_tags, stored, tag);
  update_style_tag (self, tag, key);
  return tag;
}

/* Text tags cannot be styled with CSS: take libadwaita's named colours, so
 * that they follow the light, dark and high-contrast styles. */
void
_chk_log_view_update_colors (ChkLogView *self)
{
  GdkRGBA warning, warning_bg, warning_fg, match;

  lookup_color (self, "error_color", "#c01c28", &self->stderr_color);
  lookup_color (self, "view_fg_color", "#000000", &self->view_fg);
  lookup_color (self, "view_bg_color", "#ffffff", &self->view_bg);
  lookup_color (self, "warning_color", "#9c6e03", &warning);
  lookup_color (self, "warning_bg_color", "#e5a50a", &warning_bg);
  lookup_color (self, "warning_fg_color", "rgba(0,0,0,0.8)", &warning_fg);
  g_object_set (self->current_tag,
                "background-rgba", &warning_bg,
                "foreground-rgba", &warning_fg,
                NULL);
  match = warning_bg;
  match.alpha = 0.4f;
  warning_bg.alpha = 0.15f;

  g_object_set (self->stderr_tag, "foreground-rgba", &self->stderr_color, NULL);
  g_object_set (self->note_tag,
                "foreground-rgba", &warning,
                "paragraph-background-rgba", &warning_bg,
                NULL);
  g_object_set (self->match_tag, "background-rgba", &match, NULL);
  update_style_tags (self);
  gtk_widget_queue_draw (self->gutter);
}

static gboolean
line_has_stderr (ChkLogView        *self,
                 const GtkTextIter *line_start)
{
  GtkTextIter iter = *line_start;
  int line = gtk_text_iter_get_line (line_start);

  if (gtk_text_iter_has_tag (&iter, self->stderr_tag))
    return TRUE;
  return gtk_text_iter_forward_to_tag_toggle (&iter, self->stderr_tag) &&
         gtk_text_iter_get_line (&iter) == line && !gtk_text_iter_ends_line (line_start);
}

/* The mark in the left margin beside every line with stderr in it: stderr
 * stays distinct without relying on the colour alone. */
void
_chk_log_view_gutter_draw_cb (GtkDrawingArea *area,
                              cairo_t        *cr,
                              int             width,
                              int             height,
                              gpointer        user_data)
{
  ChkLogView *self = user_data;
  GdkRectangle visible;
  GtkTextIter iter;
  gboolean any = FALSE;

  gtk_text_view_get_visible_rect (self->text_view, &visible);
  gtk_text_view_get_line_at_y (self->text_view, &iter, visible.y, NULL);

  for (;;)
    {
      int y, line_height, window_y;

      gtk_text_view_get_line_yrange (self->text_view, &iter, &y, &line_height);
      if (y > visible.y + visible.height)
        break;

      if (line_has_stderr (self, &iter))
        {
          gtk_text_view_buffer_to_window_coords (self->text_view, GTK_TEXT_WINDOW_LEFT,
                                                 0, y, NULL, &window_y);
          cairo_rectangle (cr, 0, window_y, GUTTER_WIDTH - 1, line_height);
          any = TRUE;
        }

      if (!gtk_text_iter_forward_line (&iter))
        break;
    }

  if (any)
    {
      gdk_cairo_set_source_rgba (cr, &self->stderr_color);
      cairo_fill (cr);
    }
}

/* Readers */

void
_chk_log_view_reader_init (ChkLogReader *reader)
{
  for (ChkLogStream stream = STREAM_STDOUT; stream < N_STREAMS; stream++)
    {
      reader->pending[stream] = g_byte_array_new ();
      reader->parsers[stream] = chk_ansi_parser_new (CHK_ANSI_PARSER_DROP_CONTROLS);
    }
  reader->at_line_start = TRUE;
}

static void
reader_reset_streams (ChkLogReader *reader)
{
  for (ChkLogStream stream = STREAM_STDOUT; stream < N_STREAMS; stream++)
    {
      g_byte_array_set_size (reader->pending[stream], 0);
      chk_ansi_parser_reset (reader->parsers[stream]);
    }
}

void
_chk_log_view_reader_reset (ChkLogReader *reader)
{
  reader_reset_streams (reader);
  reader->last_seq = 0;
  reader->bytes = 0;
  reader->chunks = 0;
  reader->at_line_start = TRUE;
  reader->mark = NULL;
}

void
_chk_log_view_reader_clear (ChkLogReader *reader)
{
  for (ChkLogStream stream = STREAM_STDOUT; stream < N_STREAMS; stream++)
    {
      g_clear_pointer (&reader->pending[stream], g_byte_array_unref);
      g_clear_pointer (&reader->parsers[stream], chk_ansi_parser_free);
    }
}

static void
get_reader_iter (ChkLogView   *self,
                 ChkLogReader *reader,
                 GtkTextIter  *iter)
{
  if (reader->mark != NULL)
    gtk_text_buffer_get_iter_at_mark (self->buffer, iter, reader->mark);
  else
    gtk_text_buffer_get_end_iter (self->buffer, iter);
}

/* @tag: the stream's or the note's; @style: the SGR style's */
static void
insert_text (ChkLogView   *self,
             ChkLogReader *reader,
             const char   *text,
             gssize        len,
             GtkTextTag   *tag,
             GtkTextTag   *style)
{
  GtkTextIter iter;

  if (len < 0)
    len = strlen (text);
  if (len == 0)
    return;

  if (tag == NULL)
    {
      tag = style;
      style = NULL;
    }
  get_reader_iter (self, reader, &iter);
  gtk_text_buffer_insert_with_tags (self->buffer, &iter, text, len, self->text_tag, tag, style, NULL);
  /* Its mark keeps its left gravity (text at the end goes after it): moved by hand */
  if (reader->mark != NULL)
    gtk_text_buffer_move_mark (self->buffer, reader->mark, &iter);
  reader->at_line_start = text[len - 1] == '\n';
}

/* A line of our own in the output (dropped output), on a line of its own */
void
_chk_log_view_insert_note (ChkLogView   *self,
                           ChkLogReader *reader,
                           const char   *note)
{
  g_autofree char *line = g_strdup_printf ("%s\n", note);

  if (!reader->at_line_start && gtk_text_buffer_get_char_count (self->buffer) > 0)
    insert_text (self, reader, "\n", 1, NULL, NULL);
  insert_text (self, reader, line, -1, self->note_tag, NULL);
}

static void
append_valid_text (GString    *out,
                   const char *text,
                   gsize       len)
{
  g_autofree char *valid = NULL;

  if (g_utf8_validate_len (text, len, NULL))
    {
      g_string_append_len (out, text, len);
      return;
    }

  /* Invalid bytes (and NULs, which a text buffer cannot hold) become U+FFFD. */
  valid = g_utf8_make_valid (text, len);
  g_string_append (out, valid);
}

/* How many bytes at the end of @text start a character that the next
 * chunk may complete: they wait for it rather than become U+FFFD. */
static gsize
incomplete_tail (const char *text,
                 gsize       len)
{
  for (gsize back = 1; back <= 3 && back <= len; back++)
    {
      guchar c = (guchar) text[len - back];

      if ((c & 0xC0) == 0x80)
        continue;
      if (c >= 0xC0 && g_utf8_get_char_validated (text + len - back, back) == (gunichar) -2)
        return back;
      return 0;
    }
  return 0;
}

static void
decode_stream (ChkLogReader *reader,
               ChkLogStream  stream,
               const guint8 *data,
               gsize         len,
               GString      *out)
{
  GByteArray *pending = reader->pending[stream];
  g_autoptr(GByteArray) joined = NULL;
  const char *text = (const char *) data;
  gsize keep;

  if (pending->len > 0)
    {
      joined = g_byte_array_sized_new (pending->len + len);
      g_byte_array_append (joined, pending->data, pending->len);
      g_byte_array_append (joined, data, len);
      g_byte_array_set_size (pending, 0);
      text = (const char *) joined->data;
      len = joined->len;
    }

  keep = incomplete_tail (text, len);
  if (keep > 0)
    g_byte_array_append (pending, (const guint8 *) text + len - keep, keep);
  append_valid_text (out, text, len - keep);
}

/* The start of a character that never got its end: show what there is. */
void
_chk_log_view_flush_pending (ChkLogView   *self,
                             ChkLogReader *reader)
{
  for (ChkLogStream stream = STREAM_STDOUT; stream < N_STREAMS; stream++)
    {
      GByteArray *pending = reader->pending[stream];
      g_autoptr(GString) text = NULL;

      if (pending->len == 0)
        continue;
      text = g_string_new (NULL);
      append_valid_text (text, (const char *) pending->data, pending->len);
      g_byte_array_set_size (pending, 0);
      insert_text (self, reader, text->str, text->len, stream == STREAM_STDERR ? self->stderr_tag : NULL,
                   style_tag (self, chk_ansi_parser_get_style (reader->parsers[stream]), stream));
    }
}

void
_chk_log_view_sink_flush (ChkLogSink *sink)
{
  insert_text (sink->self, sink->reader, sink->text->str, sink->text->len,
               sink->text_stream == STREAM_STDERR ? sink->self->stderr_tag : NULL, sink->text_style);
  g_string_truncate (sink->text, 0);
}

static void
sink_text_cb (const char         *text,
              gsize               len,
              const ChkAnsiStyle *style,
              gpointer            user_data)
{
  ChkLogSink *sink = user_data;
  GtkTextTag *tag = style_tag (sink->self, style, sink->stream);

  if (sink->text->len > 0 && (tag != sink->text_style || sink->stream != sink->text_stream))
    _chk_log_view_sink_flush (sink);
  sink->text_style = tag;
  sink->text_stream = sink->stream;
  decode_stream (sink->reader, sink->stream, (const guint8 *) text, len, sink->text);
}

/* Colours and bold to tags; other escape sequences and control characters
 * (which a text view draws as boxes) away. */
static void
sink_feed (ChkLogSink   *sink,
           ChkLogStream  stream,
           const guint8 *data,
           gsize         len)
{
  sink->stream = stream;
  chk_ansi_parser_feed (sink->reader->parsers[stream], (const char *) data, len, sink_text_cb, sink);
}

guint64
_chk_log_view_chunk_seq (GVariant *chunk)
{
  guint64 seq = 0;

  g_variant_get_child (chunk, 0, "t", &seq);
  return seq;
}

/* One chunk, after what @sink's reader has read. */
void
_chk_log_view_append_chunk (ChkLogSink *sink,
                            GVariant   *chunk)
{
  ChkLogView *self = sink->self;
  ChkLogReader *reader = sink->reader;
  g_autoptr(GVariant) bytes = NULL;
  const char *stream_name = NULL;
  const guint8 *data;
  guint64 seq = 0;
  gint64 time = 0;
  gsize len = 0;
  ChkLogStream stream;
  int chars_before = 0;

  g_variant_get (chunk, "(t&sx@ay)", &seq, &stream_name, &time, &bytes);
  data = g_variant_get_fixed_array (bytes, &len, 1);
  stream = g_str_equal (stream_name, "stderr") ? STREAM_STDERR : STREAM_STDOUT;

  if (reader == &self->tail)
    chars_before = gtk_text_buffer_get_char_count (self->buffer);

  /* Sequence numbers have no gaps, but where the daemon dropped the
   * middle of an output that grew past the job's limit. */
  if (reader->last_seq != 0 && seq > reader->last_seq + 1)
    {
      _chk_log_view_sink_flush (sink);
      reader_reset_streams (reader);
      _chk_log_view_insert_note (self, reader,
                                 _("Output dropped here: the run wrote more than it keeps"));
    }
  reader->last_seq = MAX (reader->last_seq, seq);
  reader->bytes += len;
  reader->chunks++;
  self->read_bytes[stream] += len;
  sink_feed (sink, stream, data, len);

  /* The tail is cut from its top chunk by chunk: it counts each one's characters. */
  if (reader == &self->tail)
    {
      ChkLogTailChunk *tail_chunk = g_new (ChkLogTailChunk, 1);

      _chk_log_view_sink_flush (sink);
      tail_chunk->seq = seq;
      tail_chunk->bytes = len;
      tail_chunk->chars = gtk_text_buffer_get_char_count (self->buffer) - chars_before;
      g_queue_push_tail (self->tail_chunks, tail_chunk);
    }
}

/* Appends the chunks of a page to @reader's text, but none after @stop_seq,
 * and none once it holds @max_bytes (the one that gets there is in).
 * Returns how many it took. */
gsize
_chk_log_view_append_chunks (ChkLogView   *self,
                             ChkLogReader *reader,
                             GVariant     *chunks,
                             guint64       stop_seq,
                             guint64       max_bytes)
{
  g_autoptr(GString) text = g_string_new (NULL);
  ChkLogSink sink = { self, reader, STREAM_STDOUT, text, STREAM_STDOUT, NULL };
  gsize n_chunks = g_variant_n_children (chunks);
  gsize i;

  for (i = 0; i < n_chunks && reader->bytes < max_bytes; i++)
    {
      g_autoptr(GVariant) chunk = g_variant_get_child_value (chunks, i);

      if (_chk_log_view_chunk_seq (chunk) > stop_seq)
        break;
      _chk_log_view_append_chunk (&sink, chunk);
    }
  _chk_log_view_sink_flush (&sink);

  gtk_widget_queue_draw (self->gutter);
  return i;
}
