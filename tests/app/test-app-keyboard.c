/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-app-keyboard"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <adwaita.h>
#include <gdk/x11/gdkx.h>

#include "chk-application.h"
#include "chk-error.h"
#include "chk-job-editor.h"
#include "chk-job-model.h"
#include "chk-job-page.h"
#include "chk-job-row.h"
#include "chk-monitor-row.h"
#include "chk-monitors-view.h"
#include "chk-resources.h"
#include "chk-test-fixture.h"
#include "chk-test-session.h"
#include "chk-test-widgets.h"
#include "chk-window.h"

/*
 * The app driven from the keyboard, as people drive it: real key presses
 * (XTest, through xdotool) into the real window, against the real
 * chronikerd on a private bus per test (see chk-test-session.c), and what
 * the keys did, read from the widgets and from the daemon.
 *
 * Key presses go to whichever window has the X server's focus, and every
 * window a test presents takes it: so that the app tests running beside
 * this one (build-aux/test runs them all on one Xvfb) cannot take it
 * away, this test starts an X server of its own (Xvfb -displayfd).
 */

/* How long the app has to follow a change: far more than it should need. */
#define SECONDS 20

typedef ChkTestFixture Fixture;

static char *xdotool;
static char *display_name;

/* ---------------------------------------------------------------------------
 * The keyboard */

/* Runs xdotool with @args (NULL-terminated) and waits for it, running the
 * main loop meanwhile so that the app takes the keys as they come. */
static void
run_xdotool (const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, xdotool);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  /* GTestDBus unsets DISPLAY: GTK has it open, xdotool needs it given. */
  g_subprocess_launcher_setenv (launcher, "DISPLAY", display_name, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  while (g_subprocess_get_identifier (process) != NULL)
    chk_test_iterate (0.01);
  g_assert_true (g_subprocess_get_successful (process));
  /* The keys are in the X server's queue: let the app read them. */
  chk_test_iterate (0.15);
}

/* Presses each of the keys in turn, such as "ctrl+r", "Escape", "Down". */
#define press(...) run_xdotool ((const char *[]) { "key", "--delay", "40", __VA_ARGS__, NULL })

/* Types @text, with @delay_ms between the keys. */
static void
type_text (const char *text,
           guint       delay_ms)
{
  g_autofree char *delay = g_strdup_printf ("%u", delay_ms);

  run_xdotool ((const char *[]) { "type", "--delay", delay, "--", text, NULL });
}

/* Makes @window the one the keys go to, as a window manager would. */
static void
focus_window (gpointer window)
{
  gint64 deadline = g_get_monotonic_time () + SECONDS * G_USEC_PER_SEC;

  for (guint i = 0; !gtk_window_is_active (window) && g_get_monotonic_time () < deadline; i++)
    {
      /* Without a window manager, GDK gives the focus itself, once mapped; */
      gtk_window_present (window);
      chk_test_iterate (0.1);
      /* but not always back to a window that had it before. */
      if (i % 5 == 4 && gtk_widget_get_mapped (window))
        {
          GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
          g_autofree char *xid = g_strdup_printf ("%lu", gdk_x11_surface_get_xid (surface));

          run_xdotool ((const char *[]) { "windowfocus", xid, NULL });
        }
    }
  g_assert_true (gtk_window_is_active (window));
}

static GtkWidget *
focus_widget (gpointer window)
{
  return gtk_root_get_focus (GTK_ROOT (window));
}

/* Whether the keyboard focus is on @widget or inside it. */
static gboolean
focus_is_in (gpointer window,
             gpointer widget)
{
  GtkWidget *focus = focus_widget (window);

  return focus != NULL && widget != NULL &&
         (focus == widget || gtk_widget_is_ancestor (focus, widget));
}

/* ---------------------------------------------------------------------------
 * Looking at widgets */

/* The leaflet's first page: the lists, their search and filters. */
static GtkWidget *
sidebar (Fixture *fixture)
{
  /* (The job page has search entries too, and may come first.) */
  GtkWidget *widget = chk_test_find_widget (fixture->window, CHK_TYPE_MONITORS_VIEW);

  while (widget != NULL && !ADW_IS_LEAFLET (gtk_widget_get_parent (widget)))
    widget = gtk_widget_get_parent (widget);
  g_assert_nonnull (widget);
  return widget;
}

static GtkEditable *
search_entry (Fixture *fixture)
{
  return chk_test_find_widget (sidebar (fixture), GTK_TYPE_SEARCH_ENTRY);
}

/* The job list of the Jobs view (not the Monitors view's). */
static GtkWidget *
job_list (Fixture *fixture)
{
  g_autoptr(GPtrArray) lists = chk_test_find_widgets (sidebar (fixture), GTK_TYPE_LIST_VIEW);

  for (guint i = 0; i < lists->len; i++)
    if (gtk_widget_get_ancestor (lists->pdata[i], CHK_TYPE_MONITORS_VIEW) == NULL)
      return lists->pdata[i];
  g_assert_not_reached ();
}

static const char *
row_name (ChkJobRow *row)
{
  ChkJob1 *job = chk_job_row_get_job (row);

  return job != NULL ? chk_job1_get_name (job) : NULL;
}

/* The names of the job rows on screen, "a,b,c". */
static char *
shown_jobs (Fixture *fixture)
{
  g_autoptr(GPtrArray) rows = chk_test_find_widgets (fixture->window, CHK_TYPE_JOB_ROW);
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    if (gtk_widget_get_mapped (rows->pdata[i]) && chk_job_row_get_job (rows->pdata[i]) != NULL)
      g_string_append_printf (names, "%s%s", names->len > 0 ? "," : "", row_name (rows->pdata[i]));
  return g_string_free (g_steal_pointer (&names), FALSE);
}

/* The names of the monitor rows on screen, "a,b,c". */
static char *
shown_monitors (Fixture *fixture)
{
  g_autoptr(GPtrArray) rows = chk_test_find_widgets (fixture->window, CHK_TYPE_MONITOR_ROW);
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    {
      ChkJob1 *job = chk_monitor_row_get_job (rows->pdata[i]);

      if (gtk_widget_get_mapped (rows->pdata[i]) && job != NULL)
        g_string_append_printf (names, "%s%s", names->len > 0 ? "," : "", chk_job1_get_name (job));
    }
  return g_string_free (g_steal_pointer (&names), FALSE);
}

/* The name of the job whose page the window shows, or "" for none. */
static char *
shown_page (Fixture *fixture)
{
  ChkJobPage *page = chk_test_find_widget (fixture->window, CHK_TYPE_JOB_PAGE);
  ChkJob1 *job = page != NULL ? chk_job_page_get_job (page) : NULL;

  if (page == NULL || !gtk_widget_get_mapped (GTK_WIDGET (page)) || job == NULL)
    return g_strdup ("");
  return g_strdup (chk_job1_get_name (job));
}

/* The name of the job of the row that has the keyboard focus, or "". */
static char *
focused_row (Fixture *fixture)
{
  GtkWidget *focus = focus_widget (fixture->window);

  for (GtkWidget *widget = focus; widget != NULL; widget = gtk_widget_get_parent (widget))
    {
      GtkWidget *child = gtk_widget_get_first_child (widget);

      if (CHK_IS_JOB_ROW (widget))
        return g_strdup (row_name (CHK_JOB_ROW (widget)));
      /* A list item has the focus, its row is its child */
      if (child != NULL && CHK_IS_JOB_ROW (child))
        return g_strdup (row_name (CHK_JOB_ROW (child)));
    }
  return g_strdup ("");
}

/* The label of the filter button that has the keyboard focus, or "". */
static char *
focused_filter (Fixture *fixture)
{
  GtkWidget *focus = focus_widget (fixture->window);

  if (focus == NULL || !GTK_IS_TOGGLE_BUTTON (focus))
    return g_strdup ("");
  return g_strdup (gtk_button_get_label (GTK_BUTTON (focus)));
}

/* The toplevel of @type that is shown, or NULL. */
static gpointer
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

static AdwComboRow *
find_combo_row (gpointer    root,
                const char *title)
{
  AdwComboRow *row = chk_test_find_row (root, ADW_TYPE_COMBO_ROW, title);

  if (row == NULL)
    g_error ("No combo row titled “%s”", title);
  return row;
}

/* The switch of the action row titled @title. */
static GtkSwitch *
find_row_switch (gpointer    root,
                 const char *title)
{
  gpointer row = chk_test_find_row (root, ADW_TYPE_ACTION_ROW, title);

  if (row == NULL)
    g_error ("No row titled “%s”", title);
  return chk_test_find_widget (row, GTK_TYPE_SWITCH);
}

/* The text of the item a combo row shows. */
static const char *
combo_text (AdwComboRow *row)
{
  GObject *item = adw_combo_row_get_selected_item (row);

  return item != NULL && GTK_IS_STRING_OBJECT (item) ? gtk_string_object_get_string (GTK_STRING_OBJECT (item))
                                                     : NULL;
}

/* The Save (or Create) button in the editor's header bar. */
static GtkWidget *
find_save_button (gpointer editor)
{
  GtkWidget *bar = chk_test_find_widget (editor, ADW_TYPE_HEADER_BAR);
  GtkWidget *button = chk_test_find_button (bar, GTK_TYPE_BUTTON, "Save");

  g_assert_nonnull (button);
  return button;
}

/* ---------------------------------------------------------------------------
 * The daemon, from outside */

/* How many runs the job has had. */
static guint
count_runs (Fixture    *fixture,
            const char *path)
{
  g_autoptr(GVariant) runs = chk_test_list_runs (fixture, path);

  return g_variant_n_children (runs);
}

/* ---------------------------------------------------------------------------
 * Fixture */

/* A bus with no chronikerd, and none that it can start */
static void
fixture_setup_no_daemon (Fixture       *fixture,
                         gconstpointer  data)
{
  fixture->session = chk_test_session_new (FALSE);
}

/* The window as the app makes it, with the keyboard's focus. */
static void
open_window (Fixture *fixture)
{
  chk_test_fixture_open_window (fixture, 1100, 720);
  focus_window (fixture->window);
}

/* ---------------------------------------------------------------------------
 * The job editor */

/* Ctrl+N: a new job's editor, with the keyboard's focus. */
static ChkJobEditor *
new_job_by_keyboard (Fixture *fixture)
{
  ChkJobEditor *editor;

  focus_window (fixture->window);
  press ("ctrl+n");
  chk_assert_eventually ((editor = find_toplevel (CHK_TYPE_JOB_EDITOR)) != NULL, SECONDS);
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (editor)), SECONDS);
  focus_window (editor);
  return editor;
}

static gboolean
editor_gone (void)
{
  return find_toplevel (CHK_TYPE_JOB_EDITOR) == NULL;
}

/* Escape, Cancel or closing the editor lose typed changes only when the
 * user says so. */
static void
test_editor_escape (Fixture       *fixture,
                    gconstpointer  data)
{
  ChkJobEditor *editor;
  AdwMessageDialog *dialog;
  GtkEditable *name;

  open_window (fixture);

  /* Nothing typed: Escape closes at once. */
  editor = new_job_by_keyboard (fixture);
  press ("Escape");
  chk_assert_eventually (editor_gone (), SECONDS);
  g_assert_null (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));

  /* Typed: Escape asks; Escape again (or Keep Editing) keeps the text. */
  editor = new_job_by_keyboard (fixture);
  name = chk_test_find_entry_row (editor, "Name");
  chk_assert_eventually (focus_is_in (editor, name), SECONDS);
  type_text ("draft", 20);
  g_assert_cmpstr (gtk_editable_get_text (name), ==, "draft");
  press ("Escape");
  chk_assert_eventually ((dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG)) != NULL, SECONDS);
  g_assert_true (find_toplevel (CHK_TYPE_JOB_EDITOR) == editor);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Discard Changes?");
  g_assert_true (adw_message_dialog_has_response (dialog, "discard"));
  g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, "discard"), ==,
                   ADW_RESPONSE_DESTRUCTIVE);
  focus_window (dialog);
  press ("Escape");
  chk_assert_eventually (find_toplevel (ADW_TYPE_MESSAGE_DIALOG) == NULL, SECONDS);
  chk_test_iterate (0.3);
  g_assert_true (find_toplevel (CHK_TYPE_JOB_EDITOR) == editor);
  g_assert_cmpstr (gtk_editable_get_text (name), ==, "draft");

  /* Cancel asks too; Discard closes without saving. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.cancel", NULL));
  chk_assert_eventually ((dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG)) != NULL, SECONDS);
  g_assert_true (find_toplevel (CHK_TYPE_JOB_EDITOR) == editor);
  adw_message_dialog_response (dialog, "discard");
  chk_assert_eventually (editor_gone (), SECONDS);
  g_assert_null (chk_test_lookup_job (fixture, "draft"));

  /* The window's own close (Alt+F4, the title bar's button) asks as well. */
  editor = new_job_by_keyboard (fixture);
  type_text ("second", 20);
  gtk_window_close (GTK_WINDOW (editor));
  chk_assert_eventually (find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL, SECONDS);
  g_assert_true (find_toplevel (CHK_TYPE_JOB_EDITOR) == editor);
  /* Enter takes the default, Keep Editing */
  focus_window (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  press ("Return");
  chk_assert_eventually (find_toplevel (ADW_TYPE_MESSAGE_DIALOG) == NULL, SECONDS);
  g_assert_true (find_toplevel (CHK_TYPE_JOB_EDITOR) == editor);
  gtk_window_destroy (GTK_WINDOW (editor));
  chk_assert_eventually (editor_gone (), SECONDS);
}

/* The editor's Discard Changes? question: Escape (Keep Editing) or Discard. */
static void
answer_discard (gboolean discard)
{
  AdwMessageDialog *dialog;

  chk_assert_eventually ((dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG)) != NULL, SECONDS);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Discard Changes?");
  if (discard)
    {
      adw_message_dialog_response (dialog, "discard");
    }
  else
    {
      focus_window (dialog);
      press ("Escape");
    }
  chk_assert_eventually (find_toplevel (ADW_TYPE_MESSAGE_DIALOG) == NULL, SECONDS);
}

/* Closing the main window (its close button, Alt+F4) with the editor's
 * changes unsaved asks first, as closing the editor does. */
static void
test_editor_close_window (Fixture       *fixture,
                          gconstpointer  data)
{
  ChkJobEditor *editor;
  GtkEditable *name;

  open_window (fixture);

  /* Nothing typed: both go at once. */
  editor = new_job_by_keyboard (fixture);
  gtk_window_close (GTK_WINDOW (fixture->window));
  chk_assert_eventually (editor_gone () && fixture->window == NULL, SECONDS);
  g_assert_null (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));

  /* Typed: it asks, and Keep Editing keeps both windows and the text */
  g_clear_object (&fixture->model);
  open_window (fixture);
  editor = new_job_by_keyboard (fixture);
  name = chk_test_find_entry_row (editor, "Name");
  chk_assert_eventually (focus_is_in (editor, name), SECONDS);
  type_text ("draft", 20);
  gtk_window_close (GTK_WINDOW (fixture->window));
  answer_discard (FALSE);
  chk_test_iterate (0.3);
  g_assert_true (find_toplevel (CHK_TYPE_JOB_EDITOR) == editor);
  g_assert_nonnull (fixture->window);
  g_assert_cmpstr (gtk_editable_get_text (name), ==, "draft");

  /* Discard: both go */
  gtk_window_close (GTK_WINDOW (fixture->window));
  answer_discard (TRUE);
  chk_assert_eventually (editor_gone () && fixture->window == NULL, SECONDS);
  g_assert_null (chk_test_lookup_job (fixture, "draft"));
}

typedef struct
{
  Fixture  *fixture;
  gboolean  kept;       /* Keep Editing kept the app running */
  gboolean  timed_out;
  guint     timeout;
} QuitTest;

static gboolean
quit_timeout_cb (gpointer user_data)
{
  QuitTest *test = user_data;

  test->timed_out = TRUE;
  test->timeout = 0;
  g_application_quit (test->fixture->application);
  return G_SOURCE_REMOVE;
}

/* Then Ctrl+Q again, and Discard: the app quits. */
static gboolean
quit_discard_cb (gpointer user_data)
{
  QuitTest *test = user_data;
  Fixture *fixture = test->fixture;
  ChkJobEditor *editor = find_toplevel (CHK_TYPE_JOB_EDITOR);

  test->kept = TRUE;
  g_assert_nonnull (editor);
  g_assert_cmpstr (gtk_editable_get_text (chk_test_find_entry_row (editor, "Name")), ==, "draft");
  focus_window (editor);
  press ("ctrl+q");
  answer_discard (TRUE);
  chk_assert_eventually (editor_gone (), SECONDS);
  /* (Its exported actions need the app's connection to go: not after it.
   * The test's hold keeps the app running without it.) */
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  chk_assert_eventually (fixture->window == NULL, SECONDS);
  /* g_application_run() returns now, if it was told to quit */
  test->timeout = g_timeout_add_seconds (SECONDS, quit_timeout_cb, test);
  return G_SOURCE_REMOVE;
}

/* Ctrl+Q in the editor asks; Keep Editing keeps the app and the text. */
static gboolean
quit_keep_cb (gpointer user_data)
{
  QuitTest *test = user_data;
  Fixture *fixture = test->fixture;
  ChkJobEditor *editor;

  chk_assert_eventually ((fixture->window = find_toplevel (CHK_TYPE_WINDOW)) != NULL, SECONDS);
  g_object_add_weak_pointer (G_OBJECT (fixture->window), (gpointer *) &fixture->window);
  /* (for the teardown to see it go) */
  fixture->model = g_object_ref (chk_window_get_model (fixture->window));
  chk_assert_eventually (chk_job_model_get_state (fixture->model) == CHK_JOB_MODEL_READY, SECONDS);
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (fixture->window)), SECONDS);

  /* Only quitting ends g_application_run(), not the last window going */
  g_application_hold (fixture->application);

  editor = new_job_by_keyboard (fixture);
  chk_assert_eventually (focus_is_in (editor, chk_test_find_entry_row (editor, "Name")), SECONDS);
  type_text ("draft", 20);
  press ("ctrl+q");
  g_assert_true (find_toplevel (CHK_TYPE_JOB_EDITOR) == editor);
  answer_discard (FALSE);
  /* Had it quit, g_application_run() would return before this runs. */
  g_timeout_add (500, quit_discard_cb, test);
  return G_SOURCE_REMOVE;
}

/* Quitting (Ctrl+Q, or the desktop's Quit) with the editor's changes
 * unsaved asks first, as closing the editor does. */
static void
test_editor_quit (Fixture       *fixture,
                  gconstpointer  data)
{
  char *argv[] = { (char *) "chroniker", NULL };
  QuitTest test = { fixture, FALSE, FALSE, 0 };
  int status;

  fixture->application = G_APPLICATION (chk_application_new ());
  g_idle_add (quit_keep_cb, &test);
  status = g_application_run (fixture->application, G_N_ELEMENTS (argv) - 1, argv);
  g_clear_handle_id (&test.timeout, g_source_remove);
  g_application_release (fixture->application);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (test.kept);
  g_assert_false (test.timed_out);
  g_assert_null (chk_test_lookup_job (fixture, "draft"));
}

/* A new monitor is checked every 5 minutes unless told otherwise. */
static void
test_editor_new_monitor (Fixture       *fixture,
                         gconstpointer  data)
{
  ChkJobEditor *editor;
  g_autofree char *path = NULL;
  g_autofree char *schedule = NULL;
  GtkEditable *program;

  open_window (fixture);

  /* From the Monitors view, Ctrl+N makes a monitor */
  press ("alt+2");
  editor = new_job_by_keyboard (fixture);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (editor)), ==, "New Monitor");
  g_assert_cmpstr (combo_text (find_combo_row (editor, "Repeat")), ==, "Every Few Minutes");
  g_assert_cmpstr (gtk_editable_get_text (chk_test_find_entry_row (editor, "Schedule")), ==,
                   "*/5 * * * *");

  type_text ("disk-space", 20);
  program = chk_test_find_entry_row (editor, "Program");
  gtk_editable_set_text (program, "/bin/true");
  /* Ctrl+S saves it as it is */
  press ("ctrl+s");
  chk_assert_eventually ((path = chk_test_lookup_job (fixture, "disk-space")) != NULL, SECONDS);
  chk_assert_eventually (editor_gone (), SECONDS);
  schedule = chk_test_job_string (fixture, path, "Schedule");
  g_assert_cmpstr (schedule, ==, "*/5 * * * *");
  g_assert_true (chk_test_job_bool (fixture, path, "IsMonitor"));
  g_assert_cmpint (chk_test_job_int (fixture, path, "NextRun"), >, g_get_real_time ());

  /* A new job made a monitor by its switch, its schedule untouched, too */
  press ("alt+1");
  editor = new_job_by_keyboard (fixture);
  g_assert_cmpstr (combo_text (find_combo_row (editor, "Repeat")), ==, "Manual Only");
  gtk_switch_set_active (find_row_switch (editor, "Monitor"), TRUE);
  g_assert_cmpstr (combo_text (find_combo_row (editor, "Repeat")), ==, "Every Few Minutes");
  g_assert_cmpstr (gtk_editable_get_text (chk_test_find_entry_row (editor, "Schedule")), ==,
                   "*/5 * * * *");
  gtk_window_destroy (GTK_WINDOW (editor));
  chk_assert_eventually (editor_gone (), SECONDS);
}

static gboolean
save_is_enabled (ChkJobEditor *editor)
{
  return gtk_widget_is_sensitive (find_save_button (editor));
}

/* Whether @label may break its text onto another line inside @word (the
 * label's width decides whether it does). */
static gboolean
may_break_inside (GtkLabel   *label,
                  const char *word)
{
  PangoLayout *layout = gtk_label_get_layout (label);
  const char *text = pango_layout_get_text (layout);
  const char *found = strstr (text, word);
  const PangoLogAttr *attrs;
  glong start, end;
  int n_attrs;

  g_assert_nonnull (found);
  start = g_utf8_pointer_to_offset (text, found);
  end = start + g_utf8_strlen (word, -1);
  attrs = pango_layout_get_log_attrs_readonly (layout, &n_attrs);
  for (glong i = start + 1; i < end && i < n_attrs; i++)
    if (attrs[i].is_line_break || attrs[i].is_char_break)
      return TRUE;
  return FALSE;
}

/* The schedule and the time zone are checked when the typing pauses or
 * the field is left, not between two keys; Save is off while they are
 * wrong; messages keep their words whole. */
static void
test_editor_validate (Fixture       *fixture,
                      gconstpointer  data)
{
  const char *problem = "unknown zone";
  ChkJobEditor *editor;
  GtkEditable *zone;
  GtkEditable *schedule;
  GtkLabel *message;

  open_window (fixture);
  editor = new_job_by_keyboard (fixture);
  type_text ("validated", 20);
  gtk_editable_set_text (chk_test_find_entry_row (editor, "Program"), "/bin/true");
  chk_test_select_combo_item (editor, "Repeat", "Daily");
  chk_assert_eventually (save_is_enabled (editor), SECONDS);

  /* Half a zone's name, and a pause: nothing is wrong yet. */
  zone = chk_test_find_widget (editor, GTK_TYPE_ENTRY);
  g_assert_nonnull (zone);
  gtk_widget_grab_focus (GTK_WIDGET (zone));
  chk_assert_eventually (focus_is_in (editor, zone), SECONDS);
  type_text ("Europe/Ber", 60);
  chk_test_iterate (2.0);
  g_assert_null (chk_test_find_label_containing (editor, problem));
  g_assert_true (save_is_enabled (editor));

  /* Leaving it there is wrong: said at once, and Save goes off. */
  press ("Tab");
  chk_assert_eventually (!focus_is_in (editor, zone), SECONDS);
  chk_assert_eventually ((message = chk_test_find_label_containing (editor, problem)) != NULL, SECONDS);
  g_assert_false (save_is_enabled (editor));
  /* "… such as Europe/Berlin)" may wrap, but not after its "/" */
  g_assert_true (gtk_label_get_wrap (message));
  g_assert_false (may_break_inside (message, "Europe/Berlin"));
  g_assert_false (may_break_inside (message, "unknown"));
  g_assert_true (may_break_inside (message, "unknown zone"));
  /* Ctrl+S does nothing with it */
  focus_window (editor);
  press ("ctrl+s");
  chk_test_iterate (1.0);
  g_assert_null (chk_test_lookup_job (fixture, "validated"));
  g_assert_false (editor_gone ());

  /* Finished, the name is right: the message goes, Save comes back. */
  gtk_widget_grab_focus (GTK_WIDGET (zone));
  press ("End");
  type_text ("lin", 60);
  chk_assert_eventually (chk_test_find_label_containing (editor, problem) == NULL, SECONDS);
  chk_assert_eventually (save_is_enabled (editor), SECONDS);

  /* A schedule that cannot be: shown after a pause, and Save goes off. */
  chk_test_select_combo_item (editor, "Repeat", "Custom");
  schedule = chk_test_find_entry_row (editor, "Schedule");
  gtk_widget_grab_focus (GTK_WIDGET (schedule));
  gtk_editable_set_text (schedule, "");
  type_text ("61 * * * *", 20);
  chk_assert_eventually (chk_test_find_label_containing (editor, "61") != NULL, SECONDS);
  g_assert_false (save_is_enabled (editor));
  press ("ctrl+s");
  chk_test_iterate (1.0);
  g_assert_null (chk_test_lookup_job (fixture, "validated"));

  /* Corrected, it saves. */
  gtk_editable_set_text (schedule, "");
  type_text ("1 * * * *", 20);
  chk_assert_eventually (save_is_enabled (editor), SECONDS);
  press ("ctrl+s");
  chk_assert_eventually (chk_test_lookup_job (fixture, "validated") != NULL, SECONDS);
  chk_assert_eventually (editor_gone (), SECONDS);
}


/* ---------------------------------------------------------------------------
 * The list and the page */

static void
select_job (Fixture    *fixture,
            const char *path)
{
  chk_window_select_job (fixture->window, chk_job_model_lookup (fixture->model, path));
}

/* Ctrl+R runs the job selected in the list, and never one the search
 * or the other view has hidden: the page follows the list. */
static void
test_hidden_job (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *alpha = chk_test_create_job (fixture, "alpha", NULL);
  g_autofree char *beta = chk_test_create_job (fixture, "beta", NULL);
  g_autofree char *gamma = chk_test_create_job (fixture, "gamma", "{'is-monitor': <true>}");

  open_window (fixture);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "alpha,beta,gamma", SECONDS);

  /* Shown and selected: Ctrl+R runs it. */
  select_job (fixture, alpha);
  chk_assert_eventually_cmpstr (shown_page (fixture), "alpha", SECONDS);
  press ("ctrl+r");
  chk_assert_eventually (count_runs (fixture, alpha) == 1, SECONDS);

  /* Searched away: the page goes with it, and Ctrl+R runs nothing. */
  press ("ctrl+f");
  chk_assert_eventually (focus_is_in (fixture->window, search_entry (fixture)), SECONDS);
  type_text ("beta", 20);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "beta", SECONDS);
  chk_assert_eventually_cmpstr (shown_page (fixture), "", SECONDS);
  press ("ctrl+r");
  chk_test_iterate (1.0);
  g_assert_cmpuint (count_runs (fixture, alpha), ==, 1);
  g_assert_cmpuint (count_runs (fixture, beta), ==, 0);

  /* Back in the list, it is not selected behind the user's back. */
  gtk_editable_set_text (search_entry (fixture), "");
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "alpha,beta,gamma", SECONDS);
  g_assert_cmpstr (shown_page (fixture), ==, "");
  press ("ctrl+r");
  chk_test_iterate (1.0);
  g_assert_cmpuint (count_runs (fixture, alpha), ==, 1);

  /* The Monitors view shows no page of a job that is no monitor. */
  select_job (fixture, alpha);
  chk_assert_eventually_cmpstr (shown_page (fixture), "alpha", SECONDS);
  focus_window (fixture->window);
  press ("alt+2");
  chk_assert_eventually_cmpstr (shown_monitors (fixture), "gamma", SECONDS);
  chk_assert_eventually_cmpstr (shown_page (fixture), "", SECONDS);
  press ("ctrl+r");
  chk_test_iterate (1.0);
  g_assert_cmpuint (count_runs (fixture, alpha), ==, 1);

  /* A monitor's page stays through both views. */
  press ("alt+1");
  select_job (fixture, gamma);
  chk_assert_eventually_cmpstr (shown_page (fixture), "gamma", SECONDS);
  press ("alt+2");
  chk_test_iterate (0.5);
  g_assert_cmpstr (shown_page (fixture), ==, "gamma");
  press ("ctrl+r");
  chk_assert_eventually (count_runs (fixture, gamma) == 1, SECONDS);

  /* A job asked for by name (Show Log, a new job) is shown, hidden or not:
   * the search and the filters make way. */
  press ("alt+1");
  press ("ctrl+f");
  type_text ("gamma", 20);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "gamma", SECONDS);
  select_job (fixture, beta);
  chk_assert_eventually_cmpstr (shown_page (fixture), "beta", SECONDS);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "alpha,beta,gamma", SECONDS);
}

/* Stop has a shortcut that works in a text field too: Ctrl+. opens the
 * emoji chooser there. */
static void
test_stop_shortcut (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *sleeper = chk_test_create_job (fixture, "sleeper", "{'command': <['/bin/sleep', '60']>}");
  g_autoptr(GtkBuilder) builder = NULL;
  g_autofree char *outcome = NULL;
  gboolean listed = FALSE;
  GObject *overlay;

  open_window (fixture);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "sleeper", SECONDS);
  select_job (fixture, sleeper);
  press ("ctrl+r");
  chk_assert_eventually (chk_test_job_bool (fixture, sleeper, "Running"), SECONDS);

  /* In the search: Ctrl+. is the emoji chooser's, and stops nothing */
  press ("ctrl+f");
  type_text ("slee", 20);
  chk_assert_eventually (focus_is_in (fixture->window, search_entry (fixture)), SECONDS);
  chk_assert_eventually_cmpstr (shown_page (fixture), "sleeper", SECONDS);
  press ("ctrl+period");
  chk_assert_eventually (chk_test_find_mapped_widget (fixture->window, GTK_TYPE_EMOJI_CHOOSER) != NULL, SECONDS);
  chk_test_iterate (0.5);
  g_assert_true (chk_test_job_bool (fixture, sleeper, "Running"));
  press ("Escape");
  chk_assert_eventually (chk_test_find_mapped_widget (fixture->window, GTK_TYPE_EMOJI_CHOOSER) == NULL, SECONDS);

  /* Ctrl+Shift+R stops it, from the search too. */
  chk_assert_eventually (focus_is_in (fixture->window, search_entry (fixture)), SECONDS);
  press ("ctrl+shift+r");
  chk_assert_eventually (!chk_test_job_bool (fixture, sleeper, "Running"), SECONDS);
  outcome = chk_test_job_string (fixture, sleeper, "LastOutcome");
  g_assert_cmpstr (outcome, ==, "stopped");

  /* And the Keyboard Shortcuts window says so. */
  builder = gtk_builder_new_from_resource ("/io/github/chroniker/Chroniker/gtk/help-overlay.ui");
  overlay = gtk_builder_get_object (builder, "help_overlay");
  {
    g_autoptr(GPtrArray) shortcuts = chk_test_find_widgets (overlay, GTK_TYPE_SHORTCUTS_SHORTCUT);

    for (guint i = 0; i < shortcuts->len; i++)
      {
        g_autofree char *title = NULL;
        g_autofree char *accelerator = NULL;

        g_object_get (shortcuts->pdata[i], "title", &title, "accelerator", &accelerator, NULL);
        g_assert_cmpstr (accelerator, !=, "<Primary>period");
        if (g_strcmp0 (title, "Stop") == 0)
          {
            g_assert_cmpstr (accelerator, ==, "<Primary><Shift>r");
            listed = TRUE;
          }
      }
  }
  g_assert_true (listed);
  gtk_window_destroy (GTK_WINDOW (overlay));
}

/* The search from the keyboard: Enter opens the first job found, Down
 * goes to the list, the filters are one stop for Tab, and the rows' switches
 * are not in the way. */
static void
test_search_keys (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *home = chk_test_create_job (fixture, "backup-home", NULL);
  g_autofree char *photos = chk_test_create_job (fixture, "backup-photos", NULL);
  g_autofree char *report = chk_test_create_job (fixture, "report", NULL);
  GtkWidget *focus;

  open_window (fixture);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "backup-home,backup-photos,report", SECONDS);

  /* Enter opens the first match */
  press ("ctrl+f");
  type_text ("photo", 20);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "backup-photos", SECONDS);
  press ("Return");
  chk_assert_eventually_cmpstr (shown_page (fixture), "backup-photos", SECONDS);
  chk_assert_eventually_cmpstr (focused_row (fixture), "backup-photos", SECONDS);

  /* Down goes from the search to the list: to the selected row, or the first */
  press ("ctrl+f", "ctrl+a", "BackSpace");
  chk_assert_eventually (focus_is_in (fixture->window, search_entry (fixture)), SECONDS);
  type_text ("backup", 20);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "backup-home,backup-photos", SECONDS);
  /* (backup-photos is still selected: the focus goes to its row) */
  press ("Down");
  chk_assert_eventually_cmpstr (focused_row (fixture), "backup-photos", SECONDS);
  chk_assert_eventually (focus_is_in (fixture->window, job_list (fixture)), SECONDS);
  /* and on through the list, the page following */
  press ("Up");
  chk_assert_eventually_cmpstr (focused_row (fixture), "backup-home", SECONDS);
  chk_assert_eventually_cmpstr (shown_page (fixture), "backup-home", SECONDS);

  /* Space on a row does not touch its Enabled switch */
  press ("space");
  chk_test_iterate (0.5);
  g_assert_true (chk_test_job_bool (fixture, home, "Enabled"));
  g_assert_false (GTK_IS_SWITCH (focus_widget (fixture->window)));

  /* Tab: the search, the filter in use (one stop), the list */
  press ("ctrl+f", "ctrl+a", "BackSpace");
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "backup-home,backup-photos,report", SECONDS);
  press ("Tab");
  chk_assert_eventually_cmpstr (focused_filter (fixture), "All", SECONDS);
  press ("Tab");
  chk_assert_eventually (focus_is_in (fixture->window, job_list (fixture)), SECONDS);
  g_assert_false (GTK_IS_SWITCH (focus_widget (fixture->window)));
  g_assert_cmpstr (focused_row (fixture), !=, "");
  press ("shift+Tab");
  chk_assert_eventually_cmpstr (focused_filter (fixture), "All", SECONDS);

  /* The arrows move among the filters, and choose */
  press ("Right");
  chk_assert_eventually_cmpstr (focused_filter (fixture), "Failing", SECONDS);
  focus = focus_widget (fixture->window);
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (focus)));
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "", SECONDS);
  press ("Left");
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "backup-home,backup-photos,report", SECONDS);
  press ("shift+Tab");
  chk_assert_eventually (focus_is_in (fixture->window, search_entry (fixture)), SECONDS);
}

/* Whether @root has a visible action row titled @title. */
static gboolean
shows_row (gpointer    root,
           const char *title)
{
  g_autoptr(GPtrArray) rows = chk_test_find_widgets (root, ADW_TYPE_ACTION_ROW);

  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (rows->pdata[i]), title) == 0)
      return gtk_widget_is_visible (rows->pdata[i]);
  return FALSE;
}

/* The editor's toggle button for a kind of command, by its label. */
static GtkToggleButton *
find_kind_toggle (gpointer    editor,
                  const char *label)
{
  g_autoptr(GPtrArray) toggles = chk_test_find_widgets (editor, GTK_TYPE_TOGGLE_BUTTON);

  for (guint i = 0; i < toggles->len; i++)
    {
      GtkWidget *child = gtk_button_get_child (toggles->pdata[i]);

      if (GTK_IS_LABEL (child) && g_str_equal (gtk_label_get_text (GTK_LABEL (child)), label))
        return toggles->pdata[i];
    }
  g_error ("No toggle button “%s”", label);
}

/* Merge Error Output: saved as merge-stderr, on again when the editor
 * reopens, said on the job's Details only when on; no switch for an HTTP
 * check, which has no output streams. */
static void
test_editor_merge_stderr (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "merged", NULL);
  ChkJobPage *page;
  ChkJobEditor *editor;
  GtkSwitch *merge;
  GtkWidget *merge_row;

  open_window (fixture);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "merged", SECONDS);
  select_job (fixture, path);
  chk_assert_eventually_cmpstr (shown_page (fixture), "merged", SECONDS);
  page = chk_test_find_widget (fixture->window, CHK_TYPE_JOB_PAGE);
  g_assert_false (shows_row (page, "Error Output"));

  press ("ctrl+e");
  chk_assert_eventually ((editor = find_toplevel (CHK_TYPE_JOB_EDITOR)) != NULL, SECONDS);
  focus_window (editor);
  merge = find_row_switch (editor, "Merge Error Output");
  merge_row = gtk_widget_get_ancestor (GTK_WIDGET (merge), ADW_TYPE_ACTION_ROW);
  g_assert_false (gtk_switch_get_active (merge));
  g_assert_true (gtk_widget_is_visible (merge_row));
  /* The group says "time limit", as its field does, not "timeout" */
  g_assert_nonnull (chk_test_find_label_containing (editor, "An empty time limit"));
  g_assert_null (chk_test_find_label_containing (editor, "timeout"));

  /* An HTTP check has none; back to the program, it is there again */
  gtk_toggle_button_set_active (find_kind_toggle (editor, "HTTP Check"), TRUE);
  g_assert_false (gtk_widget_is_visible (merge_row));
  gtk_toggle_button_set_active (find_kind_toggle (editor, "Program"), TRUE);
  g_assert_true (gtk_widget_is_visible (merge_row));

  /* On from the keyboard: the row's Space turns its switch */
  gtk_widget_grab_focus (merge_row);
  chk_assert_eventually (focus_is_in (editor, merge_row), SECONDS);
  press ("space");
  chk_assert_eventually (gtk_switch_get_active (merge), SECONDS);
  press ("ctrl+s");
  chk_assert_eventually (editor_gone (), SECONDS);
  chk_assert_eventually (chk_test_job_bool (fixture, path, "MergeStderr"), SECONDS);
  chk_assert_eventually (shows_row (page, "Error Output"), SECONDS);

  /* Reopened: on */
  focus_window (fixture->window);
  press ("ctrl+e");
  chk_assert_eventually ((editor = find_toplevel (CHK_TYPE_JOB_EDITOR)) != NULL, SECONDS);
  g_assert_true (gtk_switch_get_active (find_row_switch (editor, "Merge Error Output")));
  gtk_window_destroy (GTK_WINDOW (editor));
  chk_assert_eventually (editor_gone (), SECONDS);

  /* Off from elsewhere: the Details say nothing of it again */
  chk_test_session_job_call (fixture->session, path, "Update",
                             g_variant_new_parsed ("({'merge-stderr': <false>},)"));
  chk_assert_eventually (!shows_row (page, "Error Output"), SECONDS);
}

/* Names sort as people read them: numbers by value, without regard to case. */
static void
test_natural_order (Fixture       *fixture,
                    gconstpointer  data)
{
  const char *names[] = { "crontab-10", "crontab-2", "Backup", "alpha", "crontab-1" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_free (chk_test_create_job (fixture, names[i], "{'is-monitor': <true>}"));

  open_window (fixture);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "alpha,Backup,crontab-1,crontab-2,crontab-10",
                            SECONDS);
  press ("alt+2");
  chk_assert_eventually_cmpstr (shown_monitors (fixture), "alpha,Backup,crontab-1,crontab-2,crontab-10",
                            SECONDS);
}

/* Monitors that require attention come first. */
static void
test_failing_first (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *passing = chk_test_create_job (fixture, "a-passing", "{'is-monitor': <true>}");
  g_autofree char *failing = chk_test_create_job (fixture, "b-failing",
                                         "{'is-monitor': <true>, 'command': <['/bin/false']>}");
  g_autofree char *unknown = chk_test_create_job (fixture, "c-unknown", "{'is-monitor': <true>}");

  open_window (fixture);
  press ("alt+2");
  chk_assert_eventually_cmpstr (shown_monitors (fixture), "a-passing,b-failing,c-unknown", SECONDS);

  chk_test_run_job (fixture, passing);
  chk_test_run_job (fixture, failing);
  chk_assert_eventually_cmpstr (shown_monitors (fixture), "b-failing,a-passing,c-unknown", SECONDS);

  /* Fixed: back in its place */
  chk_test_session_job_call (fixture->session, failing, "Update",
                             g_variant_new_parsed ("({'command': <['/bin/true']>},)"));
  chk_test_run_job (fixture, failing);
  chk_assert_eventually_cmpstr (shown_monitors (fixture), "a-passing,b-failing,c-unknown", SECONDS);
}

/* The name of the monitor whose list item has the keyboard focus itself
 * (not a button in its row), or "". */
static char *
focused_monitor (Fixture *fixture)
{
  GtkWidget *focus = focus_widget (fixture->window);
  GtkWidget *child = focus != NULL ? gtk_widget_get_first_child (focus) : NULL;
  ChkJob1 *job;

  if (child == NULL || !CHK_IS_MONITOR_ROW (child))
    return g_strdup ("");
  job = chk_monitor_row_get_job (CHK_MONITOR_ROW (child));
  return g_strdup (job != NULL ? chk_job1_get_name (job) : "");
}

/* Down or Tab from the search goes into the Monitors list onto a row,
 * not onto its link or Check Now; the arrows go from row to row, and
 * Ctrl+R checks the monitor selected (what the row's Check Now does). */
static void
test_monitors_keys (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *disk = chk_test_create_job (fixture, "disk",
                                      "{'is-monitor': <true>, 'monitor-url': <'https://example.org/disk'>}");
  g_autofree char *web = chk_test_create_job (fixture, "web",
                                     "{'is-monitor': <true>, 'monitor-url': <'https://example.org/web'>}");

  open_window (fixture);
  press ("alt+2");
  chk_assert_eventually_cmpstr (shown_monitors (fixture), "disk,web", SECONDS);

  press ("ctrl+f");
  chk_assert_eventually (focus_is_in (fixture->window, search_entry (fixture)), SECONDS);
  press ("Down");
  chk_assert_eventually_cmpstr (focused_monitor (fixture), "disk", SECONDS);
  press ("Down");
  chk_assert_eventually_cmpstr (focused_monitor (fixture), "web", SECONDS);
  chk_assert_eventually_cmpstr (shown_page (fixture), "web", SECONDS);

  /* Moving the focus into the list (Tab from the search) lands on a row
   * too, not on the first focusable widget inside it */
  press ("ctrl+f");
  chk_assert_eventually (focus_is_in (fixture->window, search_entry (fixture)), SECONDS);
  press ("Tab");
  chk_assert_eventually_cmpstr (focused_monitor (fixture), "web", SECONDS);
  press ("Up");
  chk_assert_eventually_cmpstr (focused_monitor (fixture), "disk", SECONDS);
  press ("Down");
  chk_assert_eventually_cmpstr (focused_monitor (fixture), "web", SECONDS);

  press ("ctrl+r");
  chk_assert_eventually (count_runs (fixture, web) == 1, SECONDS);
  g_assert_cmpuint (count_runs (fixture, disk), ==, 0);
  g_assert_cmpstr (focused_monitor (fixture), ==, "web");
}

static AdwStatusPage *
find_status_page (Fixture    *fixture,
                  const char *title)
{
  g_autoptr(GPtrArray) pages = chk_test_find_widgets (fixture->window, ADW_TYPE_STATUS_PAGE);

  for (guint i = 0; i < pages->len; i++)
    if (gtk_widget_get_mapped (pages->pdata[i]) &&
        g_strcmp0 (adw_status_page_get_title (pages->pdata[i]), title) == 0)
      return pages->pdata[i];
  return NULL;
}

/* The daemon stopped under the window: it says so (nothing has tried to
 * start it yet), and its button starts it. */
static void
test_daemon_stopped (Fixture       *fixture,
                     gconstpointer  data)
{
  AdwStatusPage *page;
  GtkWidget *start;

  g_free (chk_test_create_job (fixture, "survivor", NULL));
  open_window (fixture);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "survivor", SECONDS);

  chk_test_session_kill_daemon (fixture->session);
  chk_assert_eventually ((page = find_status_page (fixture, "The Scheduler Stopped")) != NULL, SECONDS);
  g_assert_nonnull (strstr (adw_status_page_get_description (page), "has stopped"));
  g_assert_null (strstr (adw_status_page_get_description (page), "could not be started"));
  g_assert_false (chk_test_session_daemon_is_up (fixture->session));

  start = chk_test_find_button (page, GTK_TYPE_BUTTON, "Start the Scheduler");
  g_assert_nonnull (start);
  g_signal_emit_by_name (start, "clicked");
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "survivor", SECONDS);
  g_assert_true (chk_test_session_daemon_is_up (fixture->session));
}

/* No daemon, and none to start: that is what the window says. */
static void
test_daemon_cannot_start (Fixture       *fixture,
                          gconstpointer  data)
{
  AdwStatusPage *page;

  fixture->model = chk_job_model_new ();
  fixture->window = chk_window_new (NULL, fixture->model);
  g_object_add_weak_pointer (G_OBJECT (fixture->window), (gpointer *) &fixture->window);
  gtk_window_present (GTK_WINDOW (fixture->window));
  chk_job_model_connect (fixture->model);

  chk_assert_eventually (chk_job_model_get_state (fixture->model) == CHK_JOB_MODEL_FAILED, SECONDS);
  /* (The page it replaces fades out meanwhile.) */
  chk_assert_eventually ((page = find_status_page (fixture, "Cannot Reach the Scheduler")) != NULL, SECONDS);
  g_assert_nonnull (strstr (adw_status_page_get_description (page), "could not be started"));
  g_assert_nonnull (chk_test_find_button (page, GTK_TYPE_BUTTON, "Retry"));
}

/* The list keeps its width while a job runs, and whatever the page says:
 * the window neither folds nor shares its width anew as the page's texts
 * grow (a running job's progress, a long name). */
static void
test_sidebar_width (Fixture       *fixture,
                    gconstpointer  data)
{
  /* Progress messages of every length, ten a second */
  const char *script = "for i in $(seq 400); do "
                       "echo \"$i/400 Copying the file called $(head -c $((i % 7 * 9)) /dev/zero | tr '\\0' x).jpg\" "
                       ">&$CHRONIKER_PROGRESS_FD; sleep 0.1; done";
  g_auto(GVariantDict) spec = G_VARIANT_DICT_INIT (NULL);
  g_autofree char *path = NULL;
  GtkWidget *list;
  int width;

  g_variant_dict_insert (&spec, "name", "s", "Archive photos");
  g_variant_dict_insert (&spec, "shell", "s", script);
  path = chk_test_session_create_job (fixture->session, g_variant_dict_end (&spec));
  g_free (chk_test_create_job (fixture, "Nightly backup", "{'description': <'Backs up the home folder'>}"));
  open_window (fixture);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "Archive photos,Nightly backup", SECONDS);
  select_job (fixture, path);
  press ("ctrl+r");
  chk_assert_eventually (chk_test_job_bool (fixture, path, "Running"), SECONDS);
  list = sidebar (fixture);
  width = gtk_widget_get_width (list);
  g_test_message ("The list is %d px wide", width);

  for (gint64 end = g_get_monotonic_time () + 3 * G_USEC_PER_SEC; g_get_monotonic_time () < end;)
    {
      chk_test_iterate (0.1);
      g_assert_cmpint (gtk_widget_get_width (list), ==, width);
    }

  /* A long name in the page's title */
  chk_test_session_job_call (fixture->session, path, "Update",
                             g_variant_new_parsed ("({'name': <'Archive the photos of the whole family, "
                                                   "sorted by the year they were taken'>},)"));
  chk_assert_eventually (g_str_has_prefix (chk_job1_get_name (chk_job_model_lookup (fixture->model, path)),
                                       "Archive the"), SECONDS);
  for (guint i = 0; i < 10; i++)
    {
      chk_test_iterate (0.1);
      g_assert_cmpint (gtk_widget_get_width (list), ==, width);
    }
  g_assert_false (adw_leaflet_get_folded (ADW_LEAFLET (gtk_widget_get_parent (list))));
}

/* ---------------------------------------------------------------------------
 * Main */

/* Xvfb, for as long as this process lives. */
static GPid xvfb_pid;

static void
stop_xvfb (void)
{
  if (xvfb_pid > 0)
    kill (xvfb_pid, SIGTERM);
}

/* Starts an X server of our own and makes it the display; FALSE if there
 * is no Xvfb. */
static gboolean
start_xvfb (void)
{
  g_autofree char *xvfb = g_find_program_in_path ("Xvfb");
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) number = g_string_new (NULL);
  g_autofree char *display = NULL;
  int fds[2];
  char c;

  if (xvfb == NULL)
    return FALSE;
  if (pipe (fds) != 0)
    g_error ("pipe: %s", g_strerror (errno));

  {
    const char *argv[] = { xvfb, "-displayfd", "3", "-screen", "0", "1280x1024x24",
                           "-nolisten", "tcp", NULL };
    GSpawnFlags flags = G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                        G_SPAWN_STDERR_TO_DEV_NULL;
    int source_fds[] = { fds[1] };
    int target_fds[] = { 3 };

    if (!g_spawn_async_with_pipes_and_fds (NULL, argv, NULL, flags, chk_test_child_setup, NULL,
                                           -1, -1, -1, source_fds, target_fds, 1,
                                           &xvfb_pid, NULL, NULL, NULL, &error))
      g_error ("Could not start Xvfb: %s", error->message);
  }
  close (fds[1]);
  atexit (stop_xvfb);

  /* It writes the display's number once it takes connections. */
  while (read (fds[0], &c, 1) == 1 && c != '\n')
    g_string_append_c (number, c);
  close (fds[0]);
  if (number->len == 0)
    g_error ("Xvfb did not start");

  display = g_strdup_printf (":%s", number->str);
  g_setenv ("DISPLAY", display, TRUE);
  g_unsetenv ("WAYLAND_DISPLAY");
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  const ChkTestFixtureCase tests[] = {
    { "/app/keyboard/editor-escape", test_editor_escape },
    { "/app/keyboard/editor-close-window", test_editor_close_window },
    { "/app/keyboard/editor-quit", test_editor_quit },
    { "/app/keyboard/editor-new-monitor", test_editor_new_monitor },
    { "/app/keyboard/editor-validate", test_editor_validate },
    { "/app/keyboard/hidden-job", test_hidden_job },
    { "/app/keyboard/stop-shortcut", test_stop_shortcut },
    { "/app/keyboard/search", test_search_keys },
    { "/app/keyboard/editor-merge-stderr", test_editor_merge_stderr },
    { "/app/list/natural-order", test_natural_order },
    { "/app/monitors/failing-first", test_failing_first },
    { "/app/monitors/keys", test_monitors_keys },
    { "/app/daemon/stopped", test_daemon_stopped },
    { "/app/list/sidebar-width", test_sidebar_width },
  };
  const char *skip = NULL;

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("ADW_DISABLE_PORTAL", "1", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("GDK_BACKEND", "x11", TRUE);

  g_test_init (&argc, &argv, NULL);

  xdotool = g_find_program_in_path ("xdotool");
  if (xdotool == NULL)
    skip = "xdotool is not installed (build-aux/install-deps installs it)";
  else if (!start_xvfb () && g_getenv ("DISPLAY") == NULL)
    skip = "No Xvfb and no display (build-aux/install-deps installs Xvfb)";

  /* Before the threads of GTK: see chk_test_session_init() */
  chk_test_session_init ();
  (void) chk_error_quark ();

  if (skip == NULL)
    {
      display_name = g_strdup (g_getenv ("DISPLAY"));
      /* As chk_test_app_open_display() does */
      g_setenv ("DBUS_SESSION_BUS_ADDRESS", CHK_TEST_NO_BUS_ADDRESS, TRUE);
      if (!gtk_init_check ())
        g_error ("Cannot open the display %s", g_getenv ("DISPLAY"));
      adw_init ();
      chk_app_register_resource ();
    }

  chk_test_fixture_add_cases (tests, G_N_ELEMENTS (tests), skip);
  chk_test_fixture_add ("/app/daemon/cannot-start", fixture_setup_no_daemon,
                        test_daemon_cannot_start, skip);

  return g_test_run ();
}
