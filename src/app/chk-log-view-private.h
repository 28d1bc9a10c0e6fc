/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <adwaita.h>

#include "chk-ansi.h"
#include "chk-log-view.h"

G_BEGIN_DECLS

/* One ReadRunOutput page for the view: small enough to show at once. */
#define VIEW_PAGE_BYTES (256 * 1024)
/* A breath between pages, for drawing and input */
#define PAGE_INTERVAL_MS 10
/* One page when saving, or of a stretch read to be shown at once: larger,
 * since nothing is drawn in between. */
#define SAVE_PAGE_BYTES (1024 * 1024)
/* A text view with a huge buffer is slow to lay out and to search: of a
 * long output the view shows the head and the tail, this much of each,
 * with a note between them, as `chronikerctl log` and the daemon keep a
 * long output's head and tail. Save to File writes all of it. */
#define HEAD_BYTES (4 * 1024 * 1024)
#define TAIL_BYTES (4 * 1024 * 1024)
/* Show More adds this much after the head, up to VIEW_MAX_BYTES in all */
#define MORE_BYTES (1024 * 1024)
#define VIEW_MAX_BYTES (32 * 1024 * 1024)
/* A live tail is cut back to TAIL_BYTES once it has grown this much past it */
#define TAIL_SLACK_BYTES (1024 * 1024)
/* The first guess of how many chunks hold the tail */
#define MIN_PROBE_STEP 16
/* Search: lines looked at per slice, time spent per idle step, matches tagged */
#define SEARCH_LINES_PER_SLICE 2000
#define SEARCH_STEP_USEC 6000
#define SEARCH_INTERVAL_MS 4
#define SEARCH_MAX_MATCHES 10000
#define NO_MATCH G_MAXUINT
/* Within this many pixels of the end, new output scrolls into view. */
#define FOLLOW_SLACK 24
#define GUTTER_WIDTH 4
/* A move of the view this soon after the user's input is the user's */
#define USER_INPUT_USEC (500 * 1000)
/* Distinct styles of SGR colours and attributes given tags; past this,
 * text keeps the default style (a program that writes every 24-bit colour). */
#define MAX_STYLE_TAGS 1024
/* Dim text: its colour, less opaque */
#define DIM_ALPHA 0.6f

typedef enum
{
  STREAM_STDOUT,
  STREAM_STDERR,
  N_STREAMS
} ChkLogStream;

typedef struct
{
  int start;
  int end;
} ChkLogMatch;

/* Reads one stretch of the output in order: the head from the start, or the
 * tail, which follows the run live once the head is full. Each keeps what
 * a chunk's end cut (a character, an escape sequence) for its next one. */
typedef struct
{
  guint64        last_seq;             /* of the last chunk read */
  guint64        bytes;                /* read and shown */
  guint64        chunks;
  GByteArray    *pending[N_STREAMS];   /* a character cut by a chunk's end */
  ChkAnsiParser *parsers[N_STREAMS];   /* colours, and sequences cut by a chunk's end */
  gboolean       at_line_start;
  GtkTextMark   *mark;                 /* where its text goes; NULL: at the end */
} ChkLogReader;

/* A chunk of the tail as shown: cut from the top as a live tail grows */
typedef struct
{
  guint64 seq;
  gsize   bytes;
  int     chars;
} ChkLogTailChunk;

struct _ChkLogView
{
  GtkWidget       parent_instance;

  ChkScheduler1  *scheduler;
  GSignalGroup   *scheduler_signals; /* followed: the scheduler of the run shown */
  guint64         run_id;
  GCancellable   *cancellable;      /* reading the current run */
  char           *file_name;        /* suggested by Save to File */
  GError         *error;

  guint64         read_bytes[N_STREAMS];    /* in the pages read */
  guint64         record_bytes[N_STREAMS];  /* in the run record */
  gint64          read_started;     /* monotonic time of set_run() */
  GHashTable     *style_tags;               /* packed ChkAnsiStyle → GtkTextTag */

  /* The head, the tail, and the gap between them */
  ChkLogReader    head;
  ChkLogReader    tail;
  ChkLogReader   *live;             /* the one reading on: the head until it is full */
  GtkTextMark    *head_end;         /* where the head ends (left gravity) */
  GtkTextMark    *tail_start;       /* where the tail starts (left gravity) */
  GQueue         *tail_chunks;      /* ChkLogTailChunk, of the tail as shown */
  gboolean        gap;              /* output between them is not shown */
  guint64         gap_end_seq;      /* the last chunk not shown */
  gboolean        locating;         /* finding the tail */
  guint64         probe_low;        /* a chunk there is */
  guint64         probe_high;       /* no chunk after this one */
  guint64         probe_step;
  guint64         probe_after;      /* asked of the probe under way */
  gboolean        probe_bisect;
  GPtrArray      *segment;          /* GVariant chunks of the stretch being read */
  guint64         segment_from;     /* read after this chunk */
  guint64         segment_to;       /* up to this one */
  guint64         segment_cursor;
  GPtrArray      *tail_pending;     /* GVariant chunks of the tail, read, not shown yet */
  guint64         tail_pending_bytes;
  guint           tail_next;        /* the next of them to go into the buffer */
  guint           tail_source;      /* puts them in, a page at a time */
  gboolean        loading_more;
  guint64         more_target;      /* head bytes that Show More reads up to */

  gboolean        follow;           /* keep the end in view */
  GtkTextMark    *end;              /* where show_end() scrolls to */
  gboolean        scrolling;        /* we move the view, not the user */
  gint64          last_input;       /* monotonic time the user last touched the view */
  gboolean        first_page_done;
  gboolean        reading;
  gboolean        read_again;
  gboolean        finished;
  guint           next_page_source;
  guint           colors_source;

  /* Find */
  GArray         *matches;
  guint           current_match;
  int             scanned_offset;
  int             jump_from;
  gboolean        jump_pending;
  guint           search_source;

  /* Save to File */
  GtkFileChooserNative *save_dialog;
  GCancellable   *save_cancellable;
  gboolean        saving;

  GdkRGBA         stderr_color;
  GdkRGBA         view_fg;
  GdkRGBA         view_bg;

  GtkWidget      *box;
  GtkLabel       *bytes_label;
  GtkSpinner     *spinner;
  GtkSearchBar   *search_bar;
  GtkSearchEntry *search_entry;
  GtkLabel       *match_label;
  GtkRevealer    *cap_revealer;
  GtkLabel       *cap_label;
  GtkStack       *stack;
  GtkScrolledWindow *scroller;
  GtkTextView    *text_view;
  AdwStatusPage  *empty_page;
  AdwStatusPage  *error_page;
  GtkWidget      *gutter;

  GtkTextBuffer  *buffer;
  GtkTextTag     *text_tag;
  GtkTextTag     *stderr_tag;
  GtkTextTag     *note_tag;
  GtkTextTag     *match_tag;
  GtkTextTag     *current_tag;
};

/* Where the text of chunks goes on its way to the buffer: decoded, and held
 * while its stream and style stay the same, to be inserted at once. */
typedef struct
{
  ChkLogView   *self;
  ChkLogReader *reader;
  ChkLogStream  stream;       /* of the chunk being read */
  GString      *text;
  ChkLogStream  text_stream;  /* of the text held */
  GtkTextTag   *text_style;
} ChkLogSink;
/* chk-log-view.c */
void     _chk_log_view_update_state      (ChkLogView     *self);

/* chk-log-view-text.c: output into the buffer, and how it looks */
void     _chk_log_view_update_colors     (ChkLogView     *self);
void     _chk_log_view_gutter_draw_cb    (GtkDrawingArea *area,
                                          cairo_t        *cr,
                                          int             width,
                                          int             height,
                                          gpointer        user_data);
void     _chk_log_view_reader_init       (ChkLogReader   *reader);
void     _chk_log_view_reader_reset      (ChkLogReader   *reader);
void     _chk_log_view_reader_clear      (ChkLogReader   *reader);
void     _chk_log_view_insert_note       (ChkLogView     *self,
                                          ChkLogReader   *reader,
                                          const char     *note);
void     _chk_log_view_flush_pending     (ChkLogView     *self,
                                          ChkLogReader   *reader);
void     _chk_log_view_sink_flush        (ChkLogSink     *sink);
guint64  _chk_log_view_chunk_seq         (GVariant       *chunk);
void     _chk_log_view_append_chunk      (ChkLogSink     *sink,
                                          GVariant       *chunk);
gsize    _chk_log_view_append_chunks     (ChkLogView     *self,
                                          ChkLogReader   *reader,
                                          GVariant       *chunks,
                                          guint64         stop_seq,
                                          guint64         max_bytes);

/* chk-log-view-search.c: Find */
void     _chk_log_view_class_init_search (GtkWidgetClass *widget_class);
void     _chk_log_view_init_search       (ChkLogView     *self);
void     _chk_log_view_update_match_label (ChkLogView    *self);
void     _chk_log_view_search_schedule   (ChkLogView     *self);
void     _chk_log_view_search_reset      (ChkLogView     *self);
void     _chk_log_view_search_restart    (ChkLogView     *self);

/* chk-log-view-save.c: Save to File */
void     _chk_log_view_save_action       (GtkWidget      *widget,
                                          const char     *action_name,
                                          GVariant       *parameter);

G_END_DECLS
