/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-app-output"

#include "config.h"

#include <signal.h>
#include <string.h>

#include <adwaita.h>

#include "chk-error.h"
#include "chk-job-model.h"
#include "chk-duration.h"
#include "chk-eta.h"
#include "chk-job-page.h"
#include "chk-job-editor.h"
#include "chk-job-item.h"
#include "chk-job-page-private.h"
#include "chk-job-row.h"
#include "chk-preferences-window.h"
#include "chk-log-view.h"
#include "chk-resources.h"
#include "chk-test-fixture.h"
#include "chk-test-session.h"
#include "chk-test-widgets.h"
#include "chk-window.h"

/*
 * A run's output and the job page around it, as people read them: the app's
 * real widgets in this process, against the real chronikerd on a private
 * bus per test (see chk-test-session.c).
 */

#define SECONDS 30

typedef ChkTestFixture Fixture;

/* ---------------------------------------------------------------------------
 * Looking at widgets */

static ChkJobPage *
job_page (Fixture *fixture)
{
  ChkJobPage *page = chk_test_find_widget (fixture->window, CHK_TYPE_JOB_PAGE);

  g_assert_nonnull (page);
  return page;
}

static ChkLogView *
log_view (Fixture *fixture)
{
  return chk_test_find_mapped_widget (fixture->window, CHK_TYPE_LOG_VIEW);
}

static GtkTextBuffer *
log_buffer (Fixture *fixture)
{
  ChkLogView *view = log_view (fixture);
  GtkTextView *text_view = view != NULL ? chk_test_find_widget (view, GTK_TYPE_TEXT_VIEW) : NULL;

  return text_view != NULL ? gtk_text_view_get_buffer (text_view) : NULL;
}

static char *
log_text (Fixture *fixture)
{
  GtkTextBuffer *buffer = log_buffer (fixture);
  GtkTextIter start, end;

  if (buffer == NULL)
    return g_strdup ("(no output on screen)");
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static gboolean
log_contains (Fixture    *fixture,
              const char *needle)
{
  g_autofree char *text = log_text (fixture);

  return strstr (text, needle) != NULL;
}

/* The run whose output the log view on screen shows, 0 for none. */
static guint64
shown_run (Fixture *fixture)
{
  ChkLogView *view = log_view (fixture);

  return view != NULL ? chk_log_view_get_run (view) : 0;
}

/* ---------------------------------------------------------------------------
 * The daemon, from outside */

/* Runs the job and waits for the run to end; returns its id. */
static guint64
run_job_to_end (Fixture    *fixture,
                const char *path)
{
  guint64 run_id = chk_test_run_job (fixture, path);

  chk_test_iterate (0.1);
  chk_assert_eventually (!chk_test_job_bool (fixture, path, "Running"), SECONDS);
  return run_id;
}

/* ---------------------------------------------------------------------------
 * Fixture */

static void
open_window (Fixture *fixture)
{
  chk_test_fixture_open_window (fixture, 1000, 700);
}

/* Opens the window on the page of the job at @path. */
static void
show_job (Fixture    *fixture,
          const char *path)
{
  ChkJob1 *job;

  if (fixture->window == NULL)
    open_window (fixture);
  chk_assert_eventually (chk_job_model_lookup (fixture->model, path) != NULL, SECONDS);
  job = chk_job_model_lookup (fixture->model, path);
  chk_window_select_job (fixture->window, job);
  chk_assert_eventually (chk_job_page_get_job (job_page (fixture)) == job, SECONDS);
}

/* Runs the job to its end and opens its page on that run's output. */
static void
show_finished_run (Fixture    *fixture,
                   const char *path)
{
  guint64 run_id = run_job_to_end (fixture, path);

  show_job (fixture, path);
  chk_assert_eventually (shown_run (fixture) == run_id, SECONDS);
}

/* ---------------------------------------------------------------------------
 * Tests */

static gboolean
tags_say_no_hyphens (GtkTextIter *iter)
{
  GSList *tags = gtk_text_iter_get_tags (iter);
  gboolean no_hyphens = FALSE;

  for (GSList *l = tags; l != NULL; l = l->next)
    {
      gboolean set = FALSE, hyphens = TRUE;

      g_object_get (l->data, "insert-hyphens-set", &set, "insert-hyphens", &hyphens, NULL);
      if (set)
        no_hyphens = !hyphens;
    }
  g_slist_free (tags);
  return no_hyphens;
}

/* Wrapped output keeps its words whole: Pango would put hyphens where it
 * breaks "ca-certificates.crt" unless every character says not to. */
static void
test_output_no_hyphens (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "long-lines",
                                      "{'shell': <'for i in 1 2 3 4 5 6; do printf %s "
                                      "/etc/ssl/certs/ca-certificates.crt/; done; echo; "
                                      "echo warning: unreadable ca-certificates.crt >&2'>}");
  GtkTextBuffer *buffer;
  GtkTextIter iter;

  show_finished_run (fixture, path);
  chk_assert_eventually (log_contains (fixture, "unreadable"), SECONDS);

  buffer = log_buffer (fixture);
  g_assert_true (gtk_text_buffer_get_char_count (buffer) > 100);
  for (gtk_text_buffer_get_start_iter (buffer, &iter);
       !gtk_text_iter_is_end (&iter);
       gtk_text_iter_forward_char (&iter))
    {
      if (!tags_say_no_hyphens (&iter))
        g_error ("Character %d of the output may be hyphenated when wrapped",
                 gtk_text_iter_get_offset (&iter));
    }
}

/* A tag at @iter that sets @property to TRUE (for booleans) or that is set. */
static gboolean
has_tag_setting (GtkTextIter *iter,
                 const char  *set_property)
{
  GSList *tags = gtk_text_iter_get_tags (iter);
  gboolean found = FALSE;

  for (GSList *l = tags; l != NULL; l = l->next)
    {
      gboolean set = FALSE;

      g_object_get (l->data, set_property, &set, NULL);
      found |= set;
    }
  g_slist_free (tags);
  return found;
}

/* The foreground colour that the tags at @iter give, the last one winning. */
static gboolean
tag_foreground (GtkTextIter *iter,
                GdkRGBA     *color)
{
  GSList *tags = gtk_text_iter_get_tags (iter);
  gboolean found = FALSE;

  for (GSList *l = tags; l != NULL; l = l->next)
    {
      gboolean set = FALSE;
      GdkRGBA *rgba = NULL;

      g_object_get (l->data, "foreground-set", &set, "foreground-rgba", &rgba, NULL);
      if (set && rgba != NULL)
        {
          *color = *rgba;
          found = TRUE;
        }
      g_clear_pointer (&rgba, gdk_rgba_free);
    }
  g_slist_free (tags);
  return found;
}

static gboolean
find_text (GtkTextBuffer *buffer,
           const char    *needle,
           GtkTextIter   *match)
{
  GtkTextIter start;

  gtk_text_buffer_get_start_iter (buffer, &start);
  return gtk_text_iter_forward_search (&start, needle, GTK_TEXT_SEARCH_TEXT_ONLY, match, NULL, NULL);
}

/* Text that changes just before a frame is laid out in the frame's layout,
 * not while the frame is drawn. When events wait (here: asked for), GTK
 * runs the frame before the text view's idle that lays changed text out;
 * the text view then laid it out as it was drawn, which moved the scroll
 * bar, and GTK drew that without an allocation (a warning, fatal here;
 * head-and-tail and follow-long met it on loaded machines). */
static void
test_output_change_before_frame (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "lines", "{'shell': <'seq 1 300'>}");
  GtkWidget *window;
  GtkTextView *text_view;
  GtkTextBuffer *buffer;
  GtkAdjustment *adjustment;

  show_finished_run (fixture, path);
  chk_assert_eventually (log_contains (fixture, "\n300\n"), SECONDS);
  window = GTK_WIDGET (fixture->window);
  text_view = chk_test_find_widget (log_view (fixture), GTK_TYPE_TEXT_VIEW);
  buffer = gtk_text_view_get_buffer (text_view);
  adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (text_view));

  for (guint i = 0; i < 10; i++)
    {
      GdkRectangle visible;
      GtkTextIter middle;

      /* Scrolled: the scroll bar shows */
      gtk_adjustment_set_value (adjustment, (i % 2 + 1) * 100);
      chk_test_wait_frames (window, 2);
      /* Long enough after that frame for the next to come at once */
      g_usleep (50 * 1000);

      /* Lines on screen change, and a frame with events comes first */
      gtk_text_view_get_visible_rect (text_view, &visible);
      gtk_text_view_get_line_at_y (text_view, &middle, visible.y + visible.height / 2, NULL);
      gtk_text_buffer_insert (buffer, &middle, "a line more\nand another\n", -1);
      gtk_widget_queue_draw (window);
      gdk_frame_clock_request_phase (gtk_widget_get_frame_clock (window), GDK_FRAME_CLOCK_PHASE_FLUSH_EVENTS);
      chk_test_wait_frames (window, 1);
    }
}

/* Colours and bold as the program wrote them; no escape sequence shows. */
static void
test_output_ansi (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "colourful",
                                      "{'shell': <'printf \"\\\\033]0;title\\\\007\\\\033[1;31mERROR\\\\033[0m: "
                                      "disk full\\\\n\\\\033[32mok\\\\033[39m plain\\\\033[K\\\\n\"; "
                                      "printf \"\\\\033[2mdim\\\\033[0m\\\\n\" >&2'>}");
  g_autofree char *text = NULL;
  GtkTextBuffer *buffer;
  GtkTextIter iter;
  GdkRGBA red, green;

  show_finished_run (fixture, path);
  chk_assert_eventually (log_contains (fixture, "dim\n"), SECONDS);
  text = log_text (fixture);

  /* What people read: no ␛, no "[1;31m", no title */
  g_assert_cmpstr (text, ==, "ERROR: disk full\nok plain\ndim\n");

  buffer = log_buffer (fixture);
  g_assert_true (find_text (buffer, "ERROR", &iter));
  g_assert_true (has_tag_setting (&iter, "weight-set"));
  g_assert_true (tag_foreground (&iter, &red));
  g_assert_cmpfloat (red.red, >, red.green + 0.3);

  g_assert_true (find_text (buffer, ": disk", &iter));
  g_assert_false (has_tag_setting (&iter, "weight-set"));
  g_assert_false (tag_foreground (&iter, &red));

  g_assert_true (find_text (buffer, "ok", &iter));
  g_assert_true (tag_foreground (&iter, &green));
  g_assert_cmpfloat (green.green, >, green.red + 0.2);
  g_assert_false (has_tag_setting (&iter, "weight-set"));
  g_assert_true (find_text (buffer, " plain", &iter));
  g_assert_false (tag_foreground (&iter, &green));

  /* Dim, on stderr: the stream's red, less opaque */
  g_assert_true (find_text (buffer, "dim", &iter));
  g_assert_true (tag_foreground (&iter, &red));
  g_assert_cmpfloat (red.alpha, <, 0.9);
  g_assert_cmpfloat (red.red, >, red.green + 0.3);
}

/* The note in the text, and the bar above it (not the search bar's revealer) */
static gboolean
gap_shown (Fixture *fixture)
{
  g_autoptr(GPtrArray) revealers = chk_test_find_widgets (log_view (fixture), GTK_TYPE_REVEALER);

  for (guint i = 0; i < revealers->len; i++)
    {
      GtkWidget *child = gtk_revealer_get_child (revealers->pdata[i]);

      if (child != NULL && gtk_widget_has_css_class (child, "chk-log-view-note"))
        return gtk_revealer_get_reveal_child (revealers->pdata[i]) && log_contains (fixture, "not shown here");
    }
  g_error ("No bar over the output that says what is not shown");
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = strchr (text, '\n'); p != NULL; p = strchr (p + 1, '\n'))
    n++;
  return n;
}

static gboolean
at_end (Fixture *fixture)
{
  GtkScrolledWindow *scroller = chk_test_find_widget (log_view (fixture), GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (scroller);

  return gtk_adjustment_get_upper (adjustment) > 2 * gtk_adjustment_get_page_size (adjustment) &&
         gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment) >=
         gtk_adjustment_get_upper (adjustment) - 1;
}

/* 9.4 MB of output: the view shows its start and its end (where the error
 * usually is) with a note between them; Jump to End goes there; Show More
 * pages through the middle until there is nothing between them. */
static void
test_output_head_and_tail (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "verbose",
                                      "{'shell': <'echo FIRST-LINE; seq 1 1300000; "
                                      "echo LAST-LINE-ERROR'>}");
  g_autofree char *text = NULL;
  ChkLogView *view;
  guint clicks = 0;

  show_finished_run (fixture, path);
  view = log_view (fixture);

  /* The start and the end, not the middle */
  chk_assert_eventually (log_contains (fixture, "LAST-LINE-ERROR"), 60);
  chk_assert_eventually (gap_shown (fixture), SECONDS);
  text = log_text (fixture);
  g_assert_true (g_str_has_prefix (text, "FIRST-LINE\n1\n2\n3\n"));
  g_assert_true (g_str_has_suffix (text, "\n1299999\n1300000\nLAST-LINE-ERROR\n"));
  g_assert_null (strstr (text, "\n680000\n"));
  g_assert_cmpuint (strlen (text), >, 8000000);
  g_assert_cmpuint (strlen (text), <, 9000000);
  g_clear_pointer (&text, g_free);

  /* Read from the top; the end is a keystroke away */
  g_assert_false (at_end (fixture));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "log.jump-to-end", NULL));
  chk_assert_eventually (at_end (fixture), SECONDS);

  /* Page by page through the middle, until it is all there */
  while (gap_shown (fixture))
    {
      g_assert_cmpuint (++clicks, <=, 5);
      chk_assert_eventually (gtk_widget_is_sensitive (chk_test_find_widget (chk_test_find_widget (view, GTK_TYPE_TEXT_VIEW),
                                                               GTK_TYPE_BUTTON)), SECONDS);
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "log.show-more", NULL));
      chk_test_iterate (0.2);
      chk_assert_eventually (gtk_widget_get_first_child (chk_test_find_widget (view, GTK_TYPE_TEXT_VIEW)) == NULL ||
                         !gap_shown (fixture) ||
                         gtk_widget_is_sensitive (chk_test_find_widget (chk_test_find_widget (view, GTK_TYPE_TEXT_VIEW),
                                                               GTK_TYPE_BUTTON)), SECONDS);
    }
  g_assert_cmpuint (clicks, >=, 1);
  text = log_text (fixture);
  g_assert_nonnull (strstr (text, "\n680000\n"));
  g_assert_null (strstr (text, "not shown"));
  g_assert_cmpuint (count_lines (text), ==, 1300002);
}

/* A run under way is followed at its end, however much it wrote before the
 * page opened: the view shows the last lines and stays there. (Following
 * once laid out all 1.3 million lines before showing the end, the window
 * frozen for 33 s: that takes bench-log-view to see; this sees the end.) */
static void
test_output_follow_long (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "still-verbose",
                                      "{'shell': <'echo FIRST-LINE; seq 1 1300000; "
                                      "echo LAST-LINE-SO-FAR; sleep 60'>}");
  guint64 run_id = chk_test_run_job (fixture, path);

  show_job (fixture, path);
  chk_assert_eventually (shown_run (fixture) == run_id, SECONDS);
  chk_assert_eventually (log_contains (fixture, "LAST-LINE-SO-FAR"), 60);
  chk_assert_eventually (at_end (fixture), SECONDS);
  g_assert_true (log_contains (fixture, "FIRST-LINE\n1\n2\n"));
  g_assert_true (gap_shown (fixture));
  /* Followed, not just a finished run's last page */
  g_assert_true (chk_test_job_bool (fixture, path, "Running"));
  chk_test_iterate (0.5);
  g_assert_true (at_end (fixture));
}

/* What Tab stops at under @widget: what is shown and takes the focus,
 * inside rows that take it (a list row that does not keeps Tab out). */
static void
collect_tab_stops (GtkWidget  *widget,
                   GHashTable *stops)
{
  if (!gtk_widget_get_mapped (widget) || !gtk_widget_is_sensitive (widget))
    return;
  if (GTK_IS_LIST_BOX_ROW (widget) && !gtk_widget_get_focusable (widget))
    return;
  if (gtk_widget_get_focusable (widget) && !GTK_IS_LIST_BOX (widget) && !GTK_IS_SCROLLED_WINDOW (widget))
    g_hash_table_add (stops, widget);
  if (GTK_IS_LIST_BOX_ROW (widget))
    return;  /* its children come after it, and are one stop with it */
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_tab_stops (child, stops);
}

static gboolean
rectangle_inside (const graphene_rect_t *inner,
                  const graphene_rect_t *outer)
{
  return inner->origin.x >= outer->origin.x - 0.5 && inner->origin.y >= outer->origin.y - 0.5 &&
         inner->origin.x + inner->size.width <= outer->origin.x + outer->size.width + 0.5 &&
         inner->origin.y + inner->size.height <= outer->origin.y + outer->size.height + 0.5;
}

/* The runs and the output are what the page opens on, the output with
 * room of its own (no page scrolls around it); the details are a tab, and
 * Tab stops there only at what acts. */
static void
test_page_tabs (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "tabbed",
                                      "{'shell': <'echo hello from the output'>, 'description': <'Says hello'>}");
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GHashTable) stops = g_hash_table_new (NULL, NULL);
  graphene_rect_t page_bounds, tab_bounds, output_bounds, runs_bounds;
  AdwViewStack *stack;
  GtkWidget *details, *runs_list;
  ChkLogView *view;
  guint n_rows = 0;

  run_job_to_end (fixture, path);
  show_job (fixture, path);
  stack = chk_test_find_widget (job_page (fixture), ADW_TYPE_VIEW_STACK);
  g_assert_nonnull (stack);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "runs");
  g_assert_nonnull (chk_test_find_widget (job_page (fixture), ADW_TYPE_VIEW_SWITCHER));

  /* The run and its output, on screen at once */
  chk_assert_eventually (log_contains (fixture, "hello from the output"), SECONDS);
  view = log_view (fixture);
  runs_list = chk_test_find_mapped_widget (job_page (fixture), GTK_TYPE_LIST_BOX);
  g_assert_nonnull (runs_list);
  g_assert_null (gtk_widget_get_ancestor (GTK_WIDGET (view), GTK_TYPE_SCROLLED_WINDOW));
  chk_assert_eventually (gtk_widget_get_height (GTK_WIDGET (view)) > 0, SECONDS);
  /* In the orientation its width asks for two frames later: not "after a
   * while", which a loaded machine took longer than */
  chk_test_wait_frames (GTK_WIDGET (fixture->window), 2);
  g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (job_page (fixture)), GTK_WIDGET (fixture->window),
                                            &page_bounds));
  g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (view), GTK_WIDGET (fixture->window), &output_bounds));
  g_assert_true (gtk_widget_compute_bounds (runs_list, GTK_WIDGET (fixture->window), &runs_bounds));
  g_assert_true (rectangle_inside (&output_bounds, &page_bounds));
  /* Below the job's state and the tabs, most of the height goes to the
   * output, beside the runs or under them */
  g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (stack), GTK_WIDGET (fixture->window), &tab_bounds));
  g_assert_cmpfloat (output_bounds.size.height, >=, tab_bounds.size.height * 0.55);
  if (gtk_orientable_get_orientation (chk_test_find_widget (job_page (fixture), GTK_TYPE_PANED)) == GTK_ORIENTATION_HORIZONTAL)
    g_assert_cmpfloat (runs_bounds.origin.x + runs_bounds.size.width, <=, output_bounds.origin.x);
  else
    g_assert_cmpfloat (runs_bounds.origin.y + runs_bounds.size.height, <=, output_bounds.origin.y);

  /* The details: every row says something, none is a Tab stop */
  adw_view_stack_set_visible_child_name (stack, "details");
  details = adw_view_stack_get_child_by_name (stack, "details");
  chk_assert_eventually (gtk_widget_get_mapped (details), SECONDS);
  rows = chk_test_find_widgets (details, GTK_TYPE_LIST_BOX_ROW);
  for (guint i = 0; i < rows->len; i++)
    if (gtk_widget_get_mapped (rows->pdata[i]))
      n_rows++;
  g_assert_cmpuint (n_rows, >=, 10);

  collect_tab_stops (details, stops);
  g_assert_cmpuint (g_hash_table_size (stops), >, 0);
  {
    GHashTableIter iter;
    gpointer stop;

    g_hash_table_iter_init (&iter, stops);
    while (g_hash_table_iter_next (&iter, &stop, NULL))
      {
        g_test_message ("Tab stop in the details: %s", G_OBJECT_TYPE_NAME (stop));
        /* A row that acts (Enter copies the command, expands the
         * environment), not one that only says */
        g_assert_false (GTK_IS_LIST_BOX (stop));
        if (GTK_IS_LIST_BOX_ROW (stop) && !ADW_IS_EXPANDER_ROW (stop))
          g_assert_true (gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (stop)));
      }
  }
  /* Command (Enter copies it), Environment (Enter expands it), and
   * nothing that only says */
  g_assert_cmpuint (g_hash_table_size (stops), >=, 1);
  g_assert_cmpuint (g_hash_table_size (stops), <=, 3);
}

/* The mapped label under @root whose text starts with @prefix, or NULL */
static GtkLabel *
find_label_starting (gpointer    root,
                     const char *prefix)
{
  g_autoptr(GPtrArray) labels = chk_test_find_widgets (root, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    if (gtk_widget_get_mapped (labels->pdata[i]) &&
        g_str_has_prefix (gtk_label_get_text (labels->pdata[i]), prefix))
      return labels->pdata[i];
  return NULL;
}

/* Whether a label under @root says how long ago @time was, as it is now
 * or was a second ago */
static gboolean
shows_time_since (gpointer root,
                  gint64   time)
{
  gint64 now = g_get_real_time ();
  g_autofree char *expected_now = chk_format_relative_time (time, now);
  g_autofree char *expected_before = chk_format_relative_time (time, now - G_USEC_PER_SEC);

  return chk_test_find_label (root, expected_now) != NULL || chk_test_find_label (root, expected_before) != NULL;
}

/* Relative times say what is true when they show, on the job's page and
 * in the list: each second under a minute ("in 24 s", a run "3 s ago", not
 * "now" for ever), and nothing wakes while the window is hidden. */
static void
test_page_relative_times (Fixture       *fixture,
                          gconstpointer  data)
{
  gint64 next_run = g_get_real_time () + 40 * G_USEC_PER_SEC;
  g_autofree char *spec = g_strdup_printf ("{'schedule': <'FREQ=HOURLY'>, 'start': <@x %" G_GINT64_FORMAT ">}",
                                           next_run);
  g_autofree char *path = chk_test_create_job (fixture, "soon", spec);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ChkJobPage *page;
  GtkLabel *times, *row_times;
  guint refreshes;
  gint64 started, end;

  run_job_to_end (fixture, path);
  started = chk_test_job_int (fixture, path, "LastRunStarted");
  /* As the daemon has it: in whole seconds */
  next_run = chk_test_job_int (fixture, path, "NextRun");
  g_assert_cmpint (next_run, >, g_get_real_time () + 10 * G_USEC_PER_SEC);
  show_job (fixture, path);
  page = job_page (fixture);
  chk_assert_eventually (find_label_starting (page, "Last run ") != NULL, SECONDS);
  times = find_label_starting (page, "Last run ");
  /* The job's row in the list too */
  row_times = find_label_starting (chk_test_find_widget (fixture->window, CHK_TYPE_JOB_ROW), "Next: ");
  g_assert_nonnull (row_times);

  /* For three seconds, what it says is what is true, or was within the
   * last second: a loaded machine may run the refresh late, but a display
   * that is seconds stale (the old 30 s refresh) fails. */
  for (end = g_get_monotonic_time () + 3 * G_USEC_PER_SEC; g_get_monotonic_time () < end;)
    {
      gint64 now = g_get_real_time ();
      g_autofree char *expected_now = chk_format_relative_time (next_run, now);
      g_autofree char *expected_before = chk_format_relative_time (next_run, now - G_USEC_PER_SEC);
      const char *text = gtk_label_get_text (times);
      const char *next = strstr (text, "Next run ");

      g_assert_nonnull (next);
      next += strlen ("Next run ");
      if (!g_str_equal (next, expected_now) && !g_str_equal (next, expected_before))
        g_error ("The page says “Next run %s” when it is %s", next, expected_now);
      g_hash_table_add (seen, g_strdup (next));

      text = gtk_label_get_text (row_times);
      g_assert_true (g_str_has_prefix (text, "Next: "));
      next = text + strlen ("Next: ");
      if (!g_str_has_prefix (next, expected_now) && !g_str_has_prefix (next, expected_before))
        g_error ("The list says “%s” when it is %s", text, expected_now);
      chk_test_iterate (0.05);
    }
  /* It counted down */
  g_assert_cmpuint (g_hash_table_size (seen), >=, 3);

  /* The run's row: how long ago it started, not "now" seconds later (it
   * said "1 s ago" to "4 s ago" here on an idle machine, later on a busy
   * one) */
  g_assert_cmpint (g_get_real_time () - started, >=, 2 * G_USEC_PER_SEC);
  chk_assert_eventually (shows_time_since (page, started), SECONDS);

  /* Hidden: no wake-up; back: at once */
  gtk_widget_set_visible (GTK_WIDGET (fixture->window), FALSE);
  chk_assert_eventually (!gtk_widget_get_mapped (GTK_WIDGET (page)), SECONDS);
  refreshes = _chk_job_page_get_n_refreshes (page);
  chk_test_iterate (2.5);
  g_assert_cmpuint (_chk_job_page_get_n_refreshes (page), ==, refreshes);
  gtk_window_present (GTK_WINDOW (fixture->window));
  chk_assert_eventually (_chk_job_page_get_n_refreshes (page) > refreshes, SECONDS);
}

/* The text after "about " in @text, up to " left", or NULL */
static char *
eta_in (const char *text)
{
  const char *start = text != NULL ? strstr (text, "about ") : NULL;
  const char *end = start != NULL ? strstr (start, " left") : NULL;

  return end != NULL ? g_strndup (start, end + strlen (" left") - start) : NULL;
}

static gboolean
is_expected_eta (const char *eta,
                 gint64      started,
                 gint64      now)
{
  /* What it is now, or was when the label was last drawn (each second,
   * but a loaded machine may be late) */
  for (gint64 back = 0; back <= 3 * G_USEC_PER_SEC; back += G_USEC_PER_SEC / 20)
    {
      g_autofree char *expected = chk_eta_format (started, now - back, 1, 4);

      if (g_strcmp0 (eta, expected) == 0)
        return TRUE;
    }
  return FALSE;
}

/* One estimate of the time left, the same in the list, the page's header
 * and the run's row, and as libchroniker (and so `run --wait`) makes it. */
static void
test_page_eta (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "progressing",
                                      "{'shell': <'sleep 2.5; echo 1/4 >&$CHRONIKER_PROGRESS_FD; sleep 60'>}");
  ChkJobPage *page;
  GtkProgressBar *bar;
  gint64 started, end;
  guint checked = 0;

  chk_test_run_job (fixture, path);
  show_job (fixture, path);
  page = job_page (fixture);
  bar = chk_test_find_widget (chk_test_find_widget (fixture->window, CHK_TYPE_JOB_ROW), GTK_TYPE_PROGRESS_BAR);
  g_assert_nonnull (bar);
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (bar)) &&
                     strstr (gtk_progress_bar_get_text (bar), "about") != NULL, SECONDS);
  started = chk_test_job_int (fixture, path, "LastRunStarted");

  for (end = g_get_monotonic_time () + 3 * G_USEC_PER_SEC; g_get_monotonic_time () < end; chk_test_iterate (0.1))
    {
      gint64 now = g_get_real_time ();
      GtkLabel *header = find_label_starting (page, "Running for ");
      GtkLabel *row = find_label_starting (page, "Run 1 · ");
      g_autofree char *in_list = eta_in (gtk_progress_bar_get_text (bar));
      g_autofree char *in_header = eta_in (header != NULL ? gtk_label_get_text (header) : NULL);
      g_autofree char *in_row = eta_in (row != NULL ? gtk_label_get_text (row) : NULL);

      g_assert_nonnull (in_list);
      g_assert_nonnull (in_header);
      g_assert_nonnull (in_row);
      if (!is_expected_eta (in_list, started, now))
        g_error ("The list says “%s”", in_list);
      if (!is_expected_eta (in_header, started, now))
        g_error ("The page says “%s”", in_header);
      if (!is_expected_eta (in_row, started, now))
        g_error ("The run's row says “%s”", in_row);
      checked++;
    }
  g_assert_cmpuint (checked, >=, 10);
}

static gboolean
has_row (gpointer    root,
         const char *title)
{
  g_autofree char *subtitle = chk_test_row_subtitle (root, title);

  return subtitle != NULL;
}

/* One word per thing: "Working Directory", "Time Limit", "Manual only",
 * GLib's sizes; far dates as dates; no "•••" that looks like a menu. */
static void
test_page_wording (Fixture       *fixture,
                   gconstpointer  data)
{
  gint64 far = g_get_real_time () + (gint64) 116 * 24 * 3600 * G_USEC_PER_SEC;
  g_autofree char *spec = g_strdup_printf ("{'schedule': <'FREQ=YEARLY'>, 'start': <@x %" G_GINT64_FORMAT ">, "
                                           "'timeout': <@u 300>, 'memory-max': <@t 268435456>}", far);
  g_autofree char *yearly = chk_test_create_job (fixture, "yearly", spec);
  g_autofree char *by_hand = chk_test_create_job (fixture, "by-hand", NULL);
  g_autofree char *date = NULL;
  g_autofree char *memory = g_format_size (268435456);
  g_autofree char *text = NULL;
  g_autoptr(GDateTime) far_date = g_date_time_new_from_unix_local (far / G_USEC_PER_SEC);
  ChkJobPage *page;
  AdwViewStack *stack;
  GtkImage *icon;

  show_job (fixture, yearly);
  page = job_page (fixture);
  stack = chk_test_find_widget (page, ADW_TYPE_VIEW_STACK);

  /* "Next run 24 Mar", not "in 116 d" */
  date = g_date_time_format (far_date, "%-d %b");
  chk_assert_eventually (chk_test_find_label_containing (page, "Next run ") != NULL, SECONDS);
  text = g_strdup (gtk_label_get_text (chk_test_find_label_containing (page, "Next run ")));
  g_assert_nonnull (strstr (text, date));
  g_assert_null (strstr (text, " d"));

  adw_view_stack_set_visible_child_name (stack, "details");
  chk_assert_eventually (has_row (page, "Working Directory"), SECONDS);
  g_assert_false (has_row (page, "Working Folder"));
  g_assert_true (has_row (page, "Time Limit"));
  g_assert_false (has_row (page, "Timeout"));
  g_clear_pointer (&text, g_free);
  text = chk_test_row_subtitle (page, "Memory Limit");
  g_assert_cmpstr (text, ==, memory);

  /* Manual only, in those words */
  show_job (fixture, by_hand);
  g_clear_pointer (&text, g_free);
  text = chk_test_row_subtitle (page, "Schedule");
  g_assert_cmpstr (text, ==, "Manual only");
  g_assert_nonnull (chk_test_find_label_containing (page, "Manual only"));

  /* Never run: a clock, not "•••" */
  icon = chk_test_find_widget (chk_test_find_widget (fixture->window, CHK_TYPE_JOB_ROW), GTK_TYPE_IMAGE);
  g_assert_nonnull (icon);
  g_assert_cmpstr (gtk_image_get_icon_name (icon), !=, "content-loading-symbolic");
}

/* The scheduler says the test email could not be sent, and why: the
 * window says it once. */
static void
test_preferences_test_email_failure (Fixture       *fixture,
                                     gconstpointer  data)
{
  ChkPreferencesWindow *prefs;
  GtkLabel *toast = NULL;
  GtkEditable *address;
  const char *message;
  const char *again;

  /* Nothing listens on the discard port */
  chk_test_set_settings (fixture, "{'email-from': <'jobs@example.org'>, "
                                  "'smtp-url': <'smtp://127.0.0.1:9'>}");
  open_window (fixture);
  prefs = chk_preferences_window_new (GTK_WINDOW (fixture->window), chk_job_model_get_scheduler (fixture->model));
  gtk_window_present (GTK_WINDOW (prefs));
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (prefs)) &&
                     gtk_widget_get_sensitive (chk_test_find_widget (prefs, ADW_TYPE_PREFERENCES_PAGE)), SECONDS);
  address = chk_test_find_entry_row (prefs, "Test Address");
  gtk_editable_set_text (address, "someone@example.org");
  chk_assert_eventually (gtk_widget_activate_action (GTK_WIDGET (prefs), "prefs.send-test-email", NULL), SECONDS);

  chk_assert_eventually ((toast = chk_test_find_label_containing (prefs, "could not be sent")) != NULL ||
                     (toast = chk_test_find_label_containing (prefs, "Could not send")) != NULL, SECONDS);
  message = gtk_label_get_text (toast);
  g_test_message ("The window says: %s", message);
  /* Said once */
  again = strstr (message, "sent");
  g_assert_nonnull (again);
  g_assert_null (strstr (again + 1, "sent"));
}

static char *
fleet_database (ChkTestFixture *fixture)
{
  g_autoptr(GVariant) settings = chk_test_get_settings (fixture);
  char *value = NULL;

  g_variant_lookup (settings, "fleet-database", "s", &value);
  return value;
}

/* The fleet's database is set from the preferences; a value the daemon
 * refuses is said, and changes nothing. */
static void
test_preferences_fleet_database (Fixture       *fixture,
                                 gconstpointer  data)
{
  const char *location = "postgresql:///chroniker?host=/run/postgresql";
  g_autofree char *before = fleet_database (fixture);
  g_autofree char *after = NULL;
  ChkPreferencesWindow *prefs;
  GtkWidget *page;
  GtkEditable *row;
  GtkLabel *toast = NULL;

  g_assert_cmpstr (before, ==, "");
  open_window (fixture);
  prefs = chk_preferences_window_new (GTK_WINDOW (fixture->window),
                                      chk_job_model_get_scheduler (fixture->model));
  gtk_window_present (GTK_WINDOW (prefs));
  page = chk_test_find_widget (prefs, ADW_TYPE_PREFERENCES_PAGE);
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (prefs)) &&
                         gtk_widget_get_sensitive (page), SECONDS);
  row = chk_test_find_entry_row (prefs, "Fleet Database");
  g_assert_nonnull (row);
  g_assert_cmpstr (gtk_editable_get_text (row), ==, "");

  gtk_editable_set_text (row, "/var/lib/chroniker.db");
  g_signal_emit_by_name (row, "apply");
  chk_assert_eventually ((toast = chk_test_find_label_containing (prefs,
                                                                  "must be a postgresql")) != NULL,
                         SECONDS);
  g_test_message ("The window says: %s", gtk_label_get_text (toast));
  g_assert_nonnull (strstr (gtk_label_get_text (toast), "Fleet database"));
  after = fleet_database (fixture);
  g_assert_cmpstr (after, ==, "");

  gtk_editable_set_text (row, location);
  g_signal_emit_by_name (row, "apply");
  chk_assert_eventually_cmpstr (fleet_database (fixture), location, SECONDS);
}

/* "5 minutes" is a time limit, as "5m" is */
static void
test_editor_duration_words (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "limited", NULL);
  ChkJobEditor *editor;
  GtkEditable *limit;
  GtkWidget *save;

  show_job (fixture, path);
  editor = chk_job_editor_new (GTK_WINDOW (fixture->window), fixture->model,
                               chk_job_model_lookup (fixture->model, path), FALSE);
  gtk_window_present (GTK_WINDOW (editor));
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (editor)), SECONDS);
  limit = chk_test_find_entry_row (editor, "Time Limit");
  gtk_editable_set_text (limit, "5 minutes");

  save = chk_test_find_button (editor, GTK_TYPE_BUTTON, "Save");
  g_assert_nonnull (save);
  chk_assert_eventually (gtk_widget_is_sensitive (save), SECONDS);
  g_signal_emit_by_name (save, "clicked");
  chk_assert_eventually (chk_test_job_int (fixture, path, "Timeout") == 300, SECONDS);
}

/* The NAME=value labels under the expander, in the order they show */
static GPtrArray *
variable_labels (AdwExpanderRow *row)
{
  g_autoptr(GPtrArray) labels = chk_test_find_widgets (row, GTK_TYPE_LABEL);
  GPtrArray *variables = g_ptr_array_new ();

  for (guint i = 0; i < labels->len; i++)
    if (gtk_label_get_selectable (labels->pdata[i]) && strchr (gtk_label_get_text (labels->pdata[i]), '=') != NULL)
      g_ptr_array_add (variables, labels->pdata[i]);
  return variables;
}

/* The value the row shows for @name, or NULL */
static char *
variable_value (AdwExpanderRow *row,
                const char     *name)
{
  g_autoptr(GPtrArray) labels = variable_labels (row);
  g_autofree char *prefix = g_strconcat (name, "=", NULL);

  for (guint i = 0; i < labels->len; i++)
    if (g_str_has_prefix (gtk_label_get_text (labels->pdata[i]), prefix))
      return g_strdup (gtk_label_get_text (labels->pdata[i]) + strlen (prefix));
  return NULL;
}

static gboolean
has_variable (AdwExpanderRow *row,
              const char     *name)
{
  g_autofree char *value = variable_value (row, name);

  return value != NULL;
}

static void
read_text_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  char **text = user_data;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, NULL);
  if (*text == NULL)
    *text = g_strdup ("(nothing)");
}

static char *
clipboard_text (GtkWidget *widget)
{
  char *text = NULL;

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL, read_text_cb, &text);
  chk_assert_eventually (text != NULL, SECONDS);
  return text;
}

/* With CHK_TEST_SCREENSHOTS=DIR, the window as it shows, in DIR/@name */
static void
save_screenshot (Fixture    *fixture,
                 const char *name)
{
  const char *dir = g_getenv ("CHK_TEST_SCREENSHOTS");
  GtkWidget *window = GTK_WIDGET (fixture->window);
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GtkSnapshot *snapshot;

  if (dir == NULL)
    return;
  /* Drawn as it is now, animations done */
  chk_test_iterate (1);
  paintable = gtk_widget_paintable_new (window);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Saved %s (%d×%d)", path, width, height);
}

static int
window_width (Fixture *fixture)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (fixture->window));

  if (surface == NULL || !gtk_widget_get_mapped (GTK_WIDGET (fixture->window)))
    return 0;
  return gdk_surface_get_width (surface);
}

/* The window's content @width px wide, as on a screen that wide (without
 * a window manager, GTK adds a frame of its own around it) */
static void
resize_window (Fixture *fixture,
               int      width,
               int      height)
{
  int frame = window_width (fixture) - gtk_widget_get_width (GTK_WIDGET (fixture->window));

  /* A shown window keeps its size: shown again, it takes the new one */
  gtk_widget_set_visible (GTK_WIDGET (fixture->window), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), width + frame, height);
  gtk_window_present (GTK_WINDOW (fixture->window));
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (fixture->window)) &&
                     gtk_widget_get_width (GTK_WIDGET (fixture->window)) == width, SECONDS);
}

/* Scrolls the page @widget is on until @widget shows */
static void
scroll_to (GtkWidget *widget)
{
  GtkScrolledWindow *scroller = GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW));
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (scroller);
  graphene_rect_t bounds;

  /* Laid out at the window's size first */
  chk_test_iterate (0.5);
  g_assert_true (gtk_widget_compute_bounds (widget, gtk_scrolled_window_get_child (scroller), &bounds));
  /* Where the viewport shows it: from where it is scrolled to */
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_value (adjustment) + bounds.origin.y - 120);
  chk_test_iterate (0.3);
}

static GPid
daemon_pid (Fixture *fixture)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint32 pid = 0;

  reply = g_dbus_connection_call_sync (chk_test_session_get_connection (fixture->session),
                                       "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", CHK_TEST_BUS_NAME), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &pid);
  g_assert_cmpuint (pid, >, 1);
  return (GPid) pid;
}

/* Whether the label's text says Pango must not add hyphens where it wraps */
static gboolean
says_no_hyphens (GtkLabel *label)
{
  PangoAttrList *attributes = gtk_label_get_attributes (label);
  g_autoptr(PangoAttrIterator) iter = NULL;
  PangoAttrInt *hyphens;

  if (attributes == NULL)
    return FALSE;
  iter = pango_attr_list_get_iterator (attributes);
  hyphens = (PangoAttrInt *) pango_attr_iterator_get (iter, PANGO_ATTR_INSERT_HYPHENS);
  return hyphens != NULL && !hyphens->value;
}

/* Sends the stopped daemon SIGCONT in @seconds even if the test aborts
 * before it does: a stopped daemon would outlive the test (SIGTERM waits) */
static GSubprocess *
continue_later (GPid pid,
                int  seconds)
{
  g_autofree char *command = g_strdup_printf ("sleep %d; kill -CONT %d", seconds, (int) pid);
  g_autoptr(GError) error = NULL;
  /* Not on the test's output: its sleep would hold the TAP stream open */
  GSubprocess *watchdog = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                            &error, "/bin/sh", "-c", command, NULL);

  g_assert_no_error (error);
  return watchdog;
}

/* The daemon's environment has what a development session puts there
 * (CHK_RUN_INNER) and what the session has (CHK_TEST_FROM_SESSION) */
static void
fixture_setup_session_environment (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autofree char *inner = g_strdup (g_getenv ("CHK_RUN_INNER"));

  g_setenv ("CHK_RUN_INNER", "1", TRUE);
  g_setenv ("CHK_TEST_FROM_SESSION", "passed on", TRUE);
  chk_test_fixture_setup (fixture, data);
  g_unsetenv ("CHK_TEST_FROM_SESSION");
  if (inner != NULL)
    g_setenv ("CHK_RUN_INNER", inner, TRUE);
  else
    g_unsetenv ("CHK_RUN_INNER");
}

/* The Environment row of the Details tab expands to the exact environment
 * the next run gets, asked of the daemon then: the job's variables, HOME,
 * USER, PWD, the session's, not the daemon's private ones; sorted, one
 * Tab stop, copied whole, read again when the job changes, an error said
 * plainly. An HTTP check has none. */
static void
test_page_environment (Fixture       *fixture,
                       gconstpointer  data)
{
  const char *directory = chk_test_session_get_tmpdir (fixture->session);
  /* Longer than any screen is wide, without a space to wrap at */
  const char *long_value = "/opt/a-rather-long-folder-name/bin:/opt/another-one-quite-as-long/bin:"
                           "/usr/local/share/some-tool-with-a-long-name/libexec:"
                           "/usr/lib/x86_64-linux-gnu/ca-certificates.crt";
  g_autoptr(GVariant) directory_variant = g_variant_ref_sink (g_variant_new_string (directory));
  g_autoptr(GVariant) long_variant = g_variant_ref_sink (g_variant_new_string (long_value));
  g_autofree char *directory_text = g_variant_print (directory_variant, FALSE);
  g_autofree char *long_text = g_variant_print (long_variant, FALSE);
  g_autofree char *spec = g_strdup_printf ("{'shell': <'env'>, 'working-directory': <%s>, "
                                           "'environment': <{'GREETING': 'hello, world', 'LONG_LIST': %s}>}",
                                           directory_text, long_text);
  g_autofree char *path = chk_test_create_job (fixture, "with-variables", spec);
  g_autofree char *check = chk_test_create_job (fixture, "a-check",
                                       "{'check-url': <'https://example.org/'>}");
  g_autofree char *value = NULL;
  g_autofree char *copied = NULL;
  g_autoptr(GPtrArray) labels = NULL;
  g_autoptr(GString) shown = g_string_new (NULL);
  AdwViewStack *stack;
  AdwExpanderRow *row;
  ChkJobPage *page;
  ChkJob1 *job;
  GtkWidget *focus, *header, *command;
  GtkLabel *long_label;
  GtkLabel *short_label;
  GtkWidget *variables;
  graphene_rect_t bounds;
  g_autoptr(GSubprocess) watchdog = NULL;
  GPid pid;

  show_job (fixture, path);
  page = job_page (fixture);
  job = chk_job_page_get_job (page);
  stack = chk_test_find_widget (page, ADW_TYPE_VIEW_STACK);
  adw_view_stack_set_visible_child_name (stack, "details");
  chk_assert_eventually ((row = chk_test_find_row (page, ADW_TYPE_EXPANDER_ROW,
                                                   "Environment")) != NULL &&
                         gtk_widget_get_mapped (GTK_WIDGET (row)), SECONDS);

  /* Asked for only when expanded */
  g_assert_false (adw_expander_row_get_expanded (row));
  chk_test_iterate (0.5);
  g_assert_false (has_variable (row, "HOME"));
  adw_expander_row_set_expanded (row, TRUE);
  chk_assert_eventually (has_variable (row, "HOME"), SECONDS);

  /* The job's own, and what every run gets */
  value = variable_value (row, "GREETING");
  g_assert_cmpstr (value, ==, "hello, world");
  g_clear_pointer (&value, g_free);
  value = variable_value (row, "LONG_LIST");
  g_assert_cmpstr (value, ==, long_value);
  g_clear_pointer (&value, g_free);
  value = variable_value (row, "HOME");
  g_assert_cmpstr (value, ==, g_get_home_dir ());
  g_clear_pointer (&value, g_free);
  value = variable_value (row, "USER");
  g_assert_cmpstr (value, ==, g_get_user_name ());
  g_clear_pointer (&value, g_free);
  value = variable_value (row, "PWD");
  g_assert_cmpstr (value, ==, directory);
  g_clear_pointer (&value, g_free);
  value = variable_value (row, "CHRONIKER_JOB_NAME");
  g_assert_cmpstr (value, ==, "with-variables");
  g_clear_pointer (&value, g_free);
  value = variable_value (row, "CHK_TEST_FROM_SESSION");
  g_assert_cmpstr (value, ==, "passed on");
  /* Not the daemon's own, nor a run's id before the run */
  g_assert_false (has_variable (row, "CHK_RUN_INNER"));
  g_assert_false (has_variable (row, "OLDPWD"));
  g_assert_false (has_variable (row, "_"));
  g_assert_false (has_variable (row, "CHRONIKER_RUN_ID"));

  /* Sorted by name, each label Tab passes by, and no hyphen where a long
   * value wraps */
  labels = variable_labels (row);
  g_assert_cmpuint (labels->len, >=, 8);
  for (guint i = 0; i < labels->len; i++)
    {
      const char *text = gtk_label_get_text (labels->pdata[i]);
      GtkWidget *variable_row = gtk_widget_get_ancestor (labels->pdata[i], GTK_TYPE_LIST_BOX_ROW);

      if (i > 0)
        {
          const char *before = gtk_label_get_text (labels->pdata[i - 1]);
          g_autofree char *name = g_strndup (text, strchr (text, '=') - text);
          g_autofree char *name_before = g_strndup (before, strchr (before, '=') - before);

          if (strcmp (name_before, name) >= 0)
            g_error ("%s is shown before %s", name_before, name);
        }
      g_assert_false (gtk_widget_get_focusable (labels->pdata[i]));
      g_assert_false (gtk_widget_get_focusable (variable_row));
      g_assert_true (says_no_hyphens (labels->pdata[i]));
      g_string_append_printf (shown, "%s\n", text);
    }

  /* One Tab stop, the header: Tab goes on past the variables (a list
   * offered the focus would keep it on a row that does not take it) and
   * Shift+Tab comes back to it */
  header = chk_test_find_widget (row, ADW_TYPE_ACTION_ROW);
  g_assert_nonnull (header);
  /* Tab from the command (the stop before) comes to it */
  command = chk_test_find_row (page, ADW_TYPE_ACTION_ROW, "Shell Command");
  g_assert_nonnull (command);
  gtk_widget_grab_focus (command);
  g_assert_true (gtk_widget_has_focus (command));
  g_signal_emit_by_name (fixture->window, "move-focus", GTK_DIR_TAB_FORWARD);
  g_assert_true (gtk_widget_has_focus (header));
  g_signal_emit_by_name (fixture->window, "move-focus", GTK_DIR_TAB_FORWARD);
  focus = gtk_root_get_focus (GTK_ROOT (fixture->window));
  g_assert_nonnull (focus);
  if (gtk_widget_is_ancestor (focus, GTK_WIDGET (row)))
    g_error ("Tab went from the Environment row's header to a %s in it", G_OBJECT_TYPE_NAME (focus));
  g_signal_emit_by_name (fixture->window, "move-focus", GTK_DIR_TAB_BACKWARD);
  g_assert_true (gtk_widget_has_focus (header));
  /* Offered the focus, the variables' list takes none (a label that
   * cannot take it would still say it did, and keep Tab there) */
  variables = gtk_widget_get_ancestor (labels->pdata[0], GTK_TYPE_LIST_BOX);
  g_assert_false (gtk_widget_child_focus (variables, GTK_DIR_TAB_FORWARD));
  g_assert_false (gtk_widget_child_focus (variables, GTK_DIR_TAB_BACKWARD));
  g_assert_true (gtk_widget_has_focus (header));
  {
    g_autoptr(GHashTable) stops = g_hash_table_new (NULL, NULL);
    g_autoptr(GPtrArray) buttons = chk_test_find_widgets (row, GTK_TYPE_BUTTON);

    collect_tab_stops (gtk_widget_get_first_child (GTK_WIDGET (row)), stops);
    g_assert_cmpuint (g_hash_table_size (stops), ==, 1);
    g_assert_true (g_hash_table_contains (stops, header));
    /* Copy is Ctrl+C there, or a click */
    g_assert_cmpuint (buttons->len, ==, 1);
    g_assert_false (gtk_widget_get_focusable (buttons->pdata[0]));
  }

  /* Long values wrap inside the row, at 1280 px (all of xvfb-run's screen
   * but GTK's frame) and at 360 px */
  resize_window (fixture, 1270, 800);
  long_label = find_label_starting (row, "LONG_LIST=");
  g_assert_nonnull (long_label);
  scroll_to (GTK_WIDGET (long_label));
  save_screenshot (fixture, "environment-1280.png");
  resize_window (fixture, 360, 720);
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (long_label)), SECONDS);
  scroll_to (header);
  save_screenshot (fixture, "environment-360-header.png");
  scroll_to (GTK_WIDGET (long_label));
  save_screenshot (fixture, "environment-360.png");
  g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (long_label), GTK_WIDGET (row), &bounds));
  g_assert_cmpfloat (bounds.origin.x, >=, 0);
  g_assert_cmpfloat (bounds.origin.x + bounds.size.width, <=, gtk_widget_get_width (GTK_WIDGET (row)));
  g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (row), GTK_WIDGET (fixture->window), &bounds));
  g_assert_cmpfloat (bounds.origin.x + bounds.size.width, <=, 360);
  /* All of it, on more lines than a short one takes */
  short_label = find_label_starting (row, "USER=");
  g_assert_nonnull (short_label);
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (long_label)), >=,
                   3 * gtk_widget_get_height (GTK_WIDGET (short_label)));
  resize_window (fixture, 1000, 700);

  /* Copy: the lines shown, as NAME=value lines */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "job-page.copy-environment", NULL));
  chk_assert_eventually (chk_test_find_label (fixture->window, "Environment copied") != NULL, SECONDS);
  copied = clipboard_text (GTK_WIDGET (page));
  g_assert_cmpstr (copied, ==, shown->str);
  g_assert_nonnull (strstr (copied, "\nGREETING=hello, world\n"));

  /* The job changes while the row is expanded: read again */
  chk_test_session_job_call (fixture->session, path, "Update",
                             g_variant_new_parsed ("({'environment': <{'GREETING': 'changed'}>},)"));
  chk_assert_eventually_cmpstr (variable_value (row, "GREETING"), "changed", SECONDS);
  g_assert_false (has_variable (row, "LONG_LIST"));

  /* The daemon does not answer: said in the row, and read again on the
   * next expansion */
  pid = daemon_pid (fixture);
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (chk_job_get_proxy (job)), 500);
  adw_expander_row_set_expanded (row, FALSE);
  watchdog = continue_later (pid, 20);
  g_assert_cmpint (kill (pid, SIGSTOP), ==, 0);
  adw_expander_row_set_expanded (row, TRUE);
  chk_assert_eventually (chk_test_find_label (row, "Could Not Read the Environment") != NULL, SECONDS);
  scroll_to (header);
  save_screenshot (fixture, "environment-error.png");
  g_assert_false (has_variable (row, "GREETING"));
  g_assert_cmpint (kill (pid, SIGCONT), ==, 0);
  g_subprocess_force_exit (watchdog);
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (chk_job_get_proxy (job)), -1);
  adw_expander_row_set_expanded (row, FALSE);
  adw_expander_row_set_expanded (row, TRUE);
  chk_assert_eventually (has_variable (row, "GREETING"), SECONDS);
  g_assert_null (chk_test_find_label (row, "Could Not Read the Environment"));

  /* An HTTP check runs no process: no environment */
  show_job (fixture, check);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "details");
  chk_assert_eventually (has_row (page, "HTTP Check"), SECONDS);
  g_assert_false (gtk_widget_is_visible (GTK_WIDGET (row)));
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (row)));
}

int
main (int   argc,
      char *argv[])
{
  const ChkTestFixtureCase tests[] = {
    { "/app/output/no-hyphens", test_output_no_hyphens },
    { "/app/output/ansi", test_output_ansi },
    { "/app/output/change-before-frame", test_output_change_before_frame },
    { "/app/output/head-and-tail", test_output_head_and_tail },
    { "/app/output/follow-long", test_output_follow_long },
    { "/app/page/tabs", test_page_tabs },
    { "/app/page/relative-times", test_page_relative_times },
    { "/app/page/eta", test_page_eta },
    { "/app/page/wording", test_page_wording },
    { "/app/page/environment", test_page_environment, fixture_setup_session_environment },
    { "/app/preferences/test-email-failure", test_preferences_test_email_failure },
    { "/app/preferences/fleet-database", test_preferences_fleet_database },
    { "/app/editor/duration-words", test_editor_duration_words },
  };
  const char *skip;

  chk_test_app_init (&argc, &argv);
  skip = chk_test_app_open_display ();

  chk_test_fixture_add_cases (tests, G_N_ELEMENTS (tests), skip);

  return g_test_run ();
}
