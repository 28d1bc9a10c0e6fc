/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-app"

#include "config.h"

#include <adwaita.h>

#include "chk-application.h"
#include "chk-banner.h"
#include "chk-error.h"
#include "chk-job-editor.h"
#include "chk-job-item.h"
#include "chk-job-model.h"
#include "chk-job-page.h"
#include "chk-login-banner.h"
#include "chk-job-page-private.h"
#include "chk-app-format.h"
#include "chk-job-row.h"
#include "chk-log-view.h"
#include "chk-monitor-row.h"
#include "chk-preferences-window.h"
#include "chk-resources.h"
#include "chk-run.h"
#include "chk-test-fixture.h"
#include "chk-test-session.h"
#include "chk-test-widgets.h"
#include "chk-window.h"

/*
 * The app's real widgets, in this process, against the real chronikerd on a
 * private bus per test (see chk-test-session.c). Changes "from outside" go
 * through the test's own D-Bus connection; the window is looked at the way
 * a person would: which rows are on screen, what their labels say, which
 * page a stack shows.
 */

/* How long the app has to follow a change: far more than it should need. */
#define SECONDS 20

typedef ChkTestFixture Fixture;

/* ---------------------------------------------------------------------------
 * Looking at widgets */

/* The page shown by the window's stack that has a page called @page. */
static char *
visible_page (Fixture    *fixture,
              const char *page)
{
  GtkStack *stack = chk_test_find_stack_with_page (fixture->window, page);

  g_assert_nonnull (stack);
  return g_strdup (gtk_stack_get_visible_child_name (stack));
}

/* The page the window shows: "connecting", "failed" or "main". */
static char *
main_page (Fixture *fixture)
{
  return visible_page (fixture, "failed");
}

/* The leaflet's first page: the lists of jobs and monitors, their search and switcher. */
static GtkWidget *
sidebar (Fixture *fixture)
{
  GtkWidget *widget = GTK_WIDGET (chk_test_find_stack_with_page (fixture->window, "no-results"));

  while (widget != NULL && !ADW_IS_LEAFLET (gtk_widget_get_parent (widget)))
    widget = gtk_widget_get_parent (widget);
  g_assert_nonnull (widget);
  return widget;
}

/* The page of the job list: "list", "empty" or "no-results". */
static char *
list_page (Fixture *fixture)
{
  return visible_page (fixture, "no-results");
}

/* The name a job or monitor row shows. */
static const char *
row_name (gpointer row)
{
  GtkLabel *heading = chk_test_find_label_with_class (row, "heading");

  return heading != NULL ? gtk_label_get_text (heading) : NULL;
}

static gpointer
row_job (gpointer row)
{
  if (CHK_IS_JOB_ROW (row))
    return chk_job_row_get_job (row);
  return chk_monitor_row_get_job (row);
}

/* The rows of @type (a job or a monitor row) on screen, in their order. */
static GPtrArray *
shown_rows_of (Fixture *fixture,
               GType    type)
{
  g_autoptr(GPtrArray) rows = chk_test_find_widgets (fixture->window, type);
  GPtrArray *shown = g_ptr_array_new ();

  for (guint i = 0; i < rows->len; i++)
    if (gtk_widget_get_mapped (rows->pdata[i]) && row_job (rows->pdata[i]) != NULL)
      g_ptr_array_add (shown, rows->pdata[i]);
  return shown;
}

/* The names of the rows of @type on screen, "a,b,c". */
static char *
shown_names (Fixture *fixture,
             GType    type)
{
  g_autoptr(GPtrArray) rows = shown_rows_of (fixture, type);
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    g_string_append_printf (names, "%s%s", i > 0 ? "," : "", row_name (rows->pdata[i]));
  return g_string_free (g_steal_pointer (&names), FALSE);
}

/* The row of @type on screen that shows @name. */
static gpointer
find_shown_row (Fixture    *fixture,
                GType       type,
                const char *name)
{
  g_autoptr(GPtrArray) rows = shown_rows_of (fixture, type);

  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (row_name (rows->pdata[i]), name) == 0)
      return rows->pdata[i];
  return NULL;
}

/* The names of the job rows on screen, "a,b,c". */
static char *
shown_jobs (Fixture *fixture)
{
  return shown_names (fixture, CHK_TYPE_JOB_ROW);
}

static ChkJobRow *
find_row (Fixture    *fixture,
          const char *name)
{
  return find_shown_row (fixture, CHK_TYPE_JOB_ROW, name);
}

/* The switch of the row of @name: 1 on, 0 off, -1 when no row shows @name. */
static int
row_switch (Fixture    *fixture,
            const char *name)
{
  GtkSwitch *toggle = chk_test_find_widget (find_row (fixture, name), GTK_TYPE_SWITCH);

  return toggle != NULL ? gtk_switch_get_active (toggle) : -1;
}

/* What the status icon of the row of @name says, for people and screen readers. */
static char *
row_status (Fixture    *fixture,
            const char *name)
{
  GtkWidget *icon = chk_test_find_widget (find_row (fixture, name), GTK_TYPE_IMAGE);

  return icon != NULL ? g_strdup (gtk_widget_get_tooltip_text (icon)) : NULL;
}

static gboolean
has_label (gpointer    root,
           const char *text)
{
  return chk_test_find_label (root, text) != NULL;
}

/* A mapped label under @root whose text contains @text. */
static gboolean
has_label_containing (gpointer    root,
                      const char *text)
{
  return chk_test_find_label_containing (root, text) != NULL;
}

/* The page of the job at @path, as selecting it in the list shows it. */
static ChkJobPage *
show_job_page (Fixture    *fixture,
               const char *path)
{
  ChkJobPage *page;

  chk_assert_eventually (chk_job_model_lookup (fixture->model, path) != NULL, SECONDS);
  chk_window_select_job (fixture->window, chk_job_model_lookup (fixture->model, path));
  page = chk_test_find_widget (fixture->window, CHK_TYPE_JOB_PAGE);
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (page)), SECONDS);
  return page;
}

/* The job page's tab called @name ("runs", "details"), as a click on it shows it */
static void
show_tab (gpointer    page,
          const char *name)
{
  AdwViewStack *stack = chk_test_find_widget (page, ADW_TYPE_VIEW_STACK);

  g_assert_nonnull (stack);
  adw_view_stack_set_visible_child_name (stack, name);
  chk_assert_eventually (gtk_widget_get_mapped (adw_view_stack_get_child_by_name (stack, name)), SECONDS);
}

/* ---------------------------------------------------------------------------
 * The job editor, found the way a person finds its fields: by their titles */

static char *
entry_row_titles (gpointer root)
{
  g_autoptr(GPtrArray) rows = chk_test_find_widgets (root, ADW_TYPE_ENTRY_ROW);
  g_autoptr(GString) titles = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    g_string_append_printf (titles, "%s“%s”", i > 0 ? ", " : "",
                            adw_preferences_row_get_title (rows->pdata[i]));
  return g_string_free (g_steal_pointer (&titles), FALSE);
}

/* The entry row whose title is @title, or else contains it (any case). */
static GtkEditable *
find_entry_row (gpointer    root,
                const char *title)
{
  g_autoptr(GPtrArray) rows = chk_test_find_widgets (root, ADW_TYPE_ENTRY_ROW);
  g_autofree char *needle = g_utf8_casefold (title, -1);
  GtkEditable *contains = NULL;

  for (guint i = 0; i < rows->len; i++)
    {
      g_autofree char *plain = chk_test_plain_label (adw_preferences_row_get_title (rows->pdata[i]));
      g_autofree char *folded = g_utf8_casefold (plain, -1);

      if (g_str_equal (folded, needle))
        return rows->pdata[i];
      if (contains == NULL && strstr (folded, needle) != NULL)
        contains = rows->pdata[i];
    }

  if (contains == NULL)
    {
      g_autofree char *titles = entry_row_titles (root);

      g_test_message ("No entry row titled “%s” in the job editor; it has: %s", title,
                      titles[0] != '\0' ? titles : "none");
    }
  return contains;
}

/* The Save (or Create) button in the editor's header bar. */
static GtkWidget *
find_save_button (gpointer editor)
{
  g_autoptr(GPtrArray) bars = chk_test_find_widgets (editor, ADW_TYPE_HEADER_BAR);

  for (guint i = 0; i < bars->len; i++)
    {
      GtkWidget *button = chk_test_find_button (bars->pdata[i], GTK_TYPE_BUTTON, "Save");

      if (button == NULL)
        button = chk_test_find_button (bars->pdata[i], GTK_TYPE_BUTTON, "Create");
      if (button != NULL)
        return button;
    }
  g_test_message ("No Save or Create button in a header bar of the job editor");
  return NULL;
}

/* A new job's editor, as New Job opens it. */
static ChkJobEditor *
open_editor (Fixture *fixture)
{
  fixture->editor = chk_job_editor_new (GTK_WINDOW (fixture->window), fixture->model, NULL, FALSE);
  g_object_add_weak_pointer (G_OBJECT (fixture->editor), (gpointer *) &fixture->editor);
  gtk_window_present (GTK_WINDOW (fixture->editor));
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (fixture->editor)), SECONDS);
  return fixture->editor;
}

/* Name, Program and a schedule typed as text (a Custom repeat). */
static void
fill_editor (ChkJobEditor *editor,
             const char   *name,
             const char   *program,
             const char   *schedule)
{
  GtkEditable *name_row = find_entry_row (editor, "Name");
  GtkEditable *program_row = find_entry_row (editor, "Program");
  GtkEditable *schedule_row = find_entry_row (editor, "Schedule");

  g_assert_nonnull (name_row);
  g_assert_nonnull (program_row);
  g_assert_nonnull (schedule_row);

  gtk_editable_set_text (name_row, name);
  gtk_editable_set_text (program_row, program);
  chk_test_select_combo_item (editor, "Repeat", "Custom");
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (schedule_row)), SECONDS);
  g_assert_true (gtk_editable_get_editable (schedule_row));
  gtk_editable_set_text (schedule_row, schedule);
}

/* ---------------------------------------------------------------------------
 * The daemon, from outside */

static void
update_job (Fixture    *fixture,
            const char *path,
            const char *changes)
{
  GVariant *arguments = g_variant_new_parsed (changes);

  chk_test_session_job_call (fixture->session, path, "Update", g_variant_new_tuple (&arguments, 1));
}

static guint
count_jobs (Fixture *fixture)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) objects = NULL;
  g_autoptr(GError) error = NULL;

  reply = chk_test_session_call (fixture->session, CHK_TEST_MANAGER_PATH,
                                 "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL,
                                 "(a{oa{sa{sv}}})", &error);
  g_assert_no_error (error);
  objects = g_variant_get_child_value (reply, 0);
  return g_variant_n_children (objects);
}

static char *
last_outcome (Fixture    *fixture,
              const char *path)
{
  if (chk_test_job_bool (fixture, path, "Running"))
    return g_strdup ("");
  return chk_test_job_string (fixture, path, "LastOutcome");
}

/* Waits until the job's run has ended; returns how. */
static char *
wait_for_outcome (Fixture    *fixture,
                  const char *path)
{
  gint64 deadline = g_get_monotonic_time () + SECONDS * G_USEC_PER_SEC;
  char *outcome;

  while ((outcome = last_outcome (fixture, path))[0] == '\0' && g_get_monotonic_time () < deadline)
    {
      g_free (outcome);
      chk_test_iterate (0.05);
    }
  if (outcome[0] == '\0')
    g_error ("%s did not finish a run within %d s", path, SECONDS);
  return outcome;
}

/* The record of the job's only run, from the daemon. */
static GVariant *
only_run (Fixture    *fixture,
          const char *path)
{
  g_autoptr(GVariant) runs = chk_test_list_runs (fixture, path);

  g_assert_cmpuint (g_variant_n_children (runs), ==, 1);
  return g_variant_get_child_value (runs, 0);
}

/* ---------------------------------------------------------------------------
 * Fixture */

/* The window as the app makes it, over the jobs the daemon has now. */
static void
open_window (Fixture *fixture)
{
  chk_test_fixture_open_window (fixture, -1, -1);
  chk_assert_eventually_cmpstr (main_page (fixture), "main", SECONDS);
}

/* ---------------------------------------------------------------------------
 * Tests */

/* Jobs made, changed and deleted by someone else show at once. */
static void
test_list_live_updates (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *alpha = chk_test_create_job (fixture, "alpha", NULL);
  g_autofree char *beta = NULL;
  g_autofree char *description = NULL;

  open_window (fixture);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "alpha", SECONDS);
  chk_assert_eventually_cmpstr (list_page (fixture), "list", SECONDS);

  /* Created while the window is open */
  beta = chk_test_create_job (fixture, "beta", "{'schedule': <'@daily'>}");
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "alpha,beta", SECONDS);
  description = chk_test_job_string (fixture, beta, "ScheduleDescription");
  g_assert_cmpstr (description, !=, "");
  chk_assert_eventually (has_label (find_row (fixture, "beta"), description), SECONDS);

  /* Renamed: the row follows, and the list stays in order */
  update_job (fixture, alpha, "{'name': <'gamma'>}");
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "beta,gamma", SECONDS);

  /* Disabled */
  g_assert_cmpint (row_switch (fixture, "beta"), ==, TRUE);
  chk_assert_eventually_cmpstr (row_status (fixture, "beta"), "Never run", SECONDS);
  update_job (fixture, beta, "{'enabled': <false>}");
  chk_assert_eventually (row_switch (fixture, "beta") == FALSE, SECONDS);
  chk_assert_eventually_cmpstr (row_status (fixture, "beta"), "Disabled", SECONDS);

  /* Deleted */
  chk_test_session_job_call (fixture->session, alpha, "Delete", NULL);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "beta", SECONDS);
}

/* The switch of a row enables and disables the job in the daemon. */
static void
test_list_enable_switch (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "switched", NULL);

  open_window (fixture);
  chk_assert_eventually (row_switch (fixture, "switched") == TRUE, SECONDS);

  gtk_switch_set_active (chk_test_find_widget (find_row (fixture, "switched"), GTK_TYPE_SWITCH), FALSE);
  chk_assert_eventually (!chk_test_job_bool (fixture, path, "Enabled"), SECONDS);
  chk_assert_eventually (row_switch (fixture, "switched") == FALSE, SECONDS);
  chk_assert_eventually_cmpstr (row_status (fixture, "switched"), "Disabled", SECONDS);

  gtk_switch_set_active (chk_test_find_widget (find_row (fixture, "switched"), GTK_TYPE_SWITCH), TRUE);
  chk_assert_eventually (chk_test_job_bool (fixture, path, "Enabled"), SECONDS);
  chk_assert_eventually (row_switch (fixture, "switched") == TRUE, SECONDS);
}

/* Delete in the window hides the job at once and deletes it when the
 * toast goes without Undo. */
static void
test_list_delete (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *doomed = chk_test_create_job (fixture, "doomed", NULL);
  g_autofree char *kept = chk_test_create_job (fixture, "kept", NULL);
  g_autofree char *after = NULL;

  open_window (fixture);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "doomed,kept", SECONDS);

  chk_window_select_job (fixture->window, chk_job_model_lookup (fixture->model, doomed));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.delete-job", NULL));
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "kept", SECONDS);
  g_assert_cmpuint (count_jobs (fixture), ==, 2);

  /* The toast lasts 5 s */
  chk_assert_eventually (count_jobs (fixture) == 1, 15);
  after = chk_test_lookup_job (fixture, "doomed");
  g_assert_null (after);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "kept", SECONDS);
}

/* A job made in the editor reaches the daemon and the list. */
static void
test_editor_create (Fixture       *fixture,
                    gconstpointer  data)
{
  ChkJobEditor *editor;
  GtkWidget *save;
  g_autofree char *path = NULL;
  g_autofree char *schedule = NULL;
  g_autoptr(GVariant) command = NULL;

  open_window (fixture);
  editor = open_editor (fixture);
  fill_editor (editor, "nightly-report", "/bin/echo", "30 4 * * *");

  save = find_save_button (editor);
  g_assert_nonnull (save);
  chk_assert_eventually (gtk_widget_is_sensitive (save), SECONDS);
  chk_test_click (save);

  chk_assert_eventually ((path = chk_test_lookup_job (fixture, "nightly-report")) != NULL, SECONDS);
  schedule = chk_test_job_string (fixture, path, "Schedule");
  g_assert_cmpstr (schedule, ==, "30 4 * * *");
  command = chk_test_session_job_property (fixture->session, path, "Command");
  g_assert_cmpuint (g_variant_n_children (command), >=, 1);
  {
    g_autoptr(GVariant) program = g_variant_get_child_value (command, 0);

    g_assert_cmpstr (g_variant_get_string (program, NULL), ==, "/bin/echo");
  }

  /* Saved: the editor goes, the job is in the list */
  chk_assert_eventually (fixture->editor == NULL ||
                     !gtk_widget_get_visible (GTK_WIDGET (fixture->editor)), SECONDS);
  /* and is gone for good, not kept alive by something under way */
  chk_assert_eventually (fixture->editor == NULL, SECONDS);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "nightly-report", SECONDS);
  g_assert_cmpuint (count_jobs (fixture), ==, 1);
}

/* A schedule the daemon refuses shows its error, and creates nothing. */
static void
test_editor_invalid_schedule (Fixture       *fixture,
                              gconstpointer  data)
{
  const char *invalid = "61 * * * *";
  g_autoptr(GVariant) preview = NULL;
  g_autoptr(GError) error = NULL;
  ChkJobEditor *editor;
  GtkWidget *save;

  /* What the daemon says of it */
  preview = chk_test_session_call (fixture->session, CHK_TEST_MANAGER_PATH, CHK_TEST_SCHEDULER1,
                                   "PreviewSchedule",
                                   g_variant_new ("(ssxu)", invalid, "", (gint64) 0, 1),
                                   "(sax)", &error);
  g_assert_null (preview);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_SCHEDULE);
  g_test_message ("chronikerd: %s", error->message);

  open_window (fixture);
  editor = open_editor (fixture);
  fill_editor (editor, "broken", "/bin/echo", invalid);

  /* Shown: the daemon's words, as the user types */
  chk_assert_eventually (has_label_containing (editor, error->message), SECONDS);

  save = find_save_button (editor);
  g_assert_nonnull (save);
  if (gtk_widget_is_sensitive (save))
    chk_test_click (save);
  chk_test_iterate (1.0);

  g_assert_cmpuint (count_jobs (fixture), ==, 0);
  g_assert_nonnull (fixture->editor);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (editor)));
  g_assert_true (has_label_containing (editor, error->message));
  chk_assert_eventually_cmpstr (list_page (fixture), "empty", SECONDS);
}

/* The main window goes while the editor is open (the app quits, the session
 * ends): the editor goes with it, and nothing uses either afterwards. */
static void
test_quit_editor_open (Fixture       *fixture,
                       gconstpointer  data)
{
  open_window (fixture);
  open_editor (fixture);

  gtk_window_destroy (GTK_WINDOW (fixture->window));
  chk_assert_eventually (fixture->editor == NULL && fixture->window == NULL, SECONDS);
  /* Whatever the editor had under way ends without it */
  chk_test_iterate (1.0);
}

/* Issue 14: the app never stops the daemon. Its window closed and the app
 * gone, the daemon still owns its name and the job it ran keeps running. */
static void
test_quit_daemon_keeps_running (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "long", "{'command': <['sleep', '30']>}");
  guint64 run_id;

  open_window (fixture);
  run_id = chk_test_run_job (fixture, path);
  chk_assert_eventually (chk_test_job_bool (fixture, path, "Running"), SECONDS);

  gtk_window_destroy (GTK_WINDOW (fixture->window));
  chk_assert_eventually (fixture->window == NULL, SECONDS);
  chk_test_iterate (1.0);

  g_assert_true (chk_test_session_daemon_is_up (fixture->session));
  g_assert_true (chk_test_job_bool (fixture, path, "Running"));
  {
    g_autoptr(GVariant) current = chk_test_session_job_property (fixture->session, path,
                                                                 "CurrentRun");

    g_assert_cmpuint (g_variant_get_uint64 (current), ==, run_id);
  }
  chk_test_session_job_call (fixture->session, path, "Stop", NULL);
}

static char *
log_text (Fixture *fixture)
{
  ChkLogView *log_view = chk_test_find_mapped_widget (fixture->window, CHK_TYPE_LOG_VIEW);
  GtkTextView *text_view;
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  if (log_view == NULL)
    return g_strdup ("(no ChkLogView on screen)");
  text_view = chk_test_find_widget (log_view, GTK_TYPE_TEXT_VIEW);
  if (text_view == NULL)
    return g_strdup ("(no GtkTextView in the ChkLogView)");
  buffer = gtk_text_view_get_buffer (text_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static char *
log_has_output (Fixture *fixture)
{
  g_autofree char *text = log_text (fixture);

  if (strstr (text, "hello from chroniker") != NULL && strstr (text, "and from stderr") != NULL)
    return g_strdup ("both lines");
  return g_steal_pointer (&text);
}

/* Run Now starts a run, and its output shows in the job's log view. */
static void
test_run_output (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "greeter",
                                      "{'command': <['/bin/sh', '-c', 'echo hello from chroniker; "
                                      "echo and from stderr >&2']>}");
  g_autoptr(GVariant) run = NULL;
  g_autofree char *outcome = NULL;
  ChkLogView *log_view;
  guint64 run_id = 0;
  const char *trigger = NULL;

  open_window (fixture);
  chk_assert_eventually (find_row (fixture, "greeter") != NULL, SECONDS);

  chk_window_select_job (fixture->window, chk_job_model_lookup (fixture->model, path));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.run-job", NULL));

  /* The daemon ran it, by hand */
  outcome = wait_for_outcome (fixture, path);
  g_assert_cmpstr (outcome, ==, "success");
  run = only_run (fixture, path);
  g_assert_true (g_variant_lookup (run, "id", "t", &run_id));
  g_assert_true (g_variant_lookup (run, "trigger", "&s", &trigger));
  g_assert_cmpstr (trigger, ==, "manual");

  /* The window shows that run's output */
  chk_assert_eventually_cmpstr (log_has_output (fixture), "both lines", SECONDS);
  log_view = chk_test_find_mapped_widget (fixture->window, CHK_TYPE_LOG_VIEW);
  g_assert_cmpuint (chk_log_view_get_run (log_view), ==, run_id);
}

static void
wait_failed_page (Fixture *fixture)
{
  GtkWidget *retry;

  chk_assert_eventually_cmpstr (main_page (fixture), "failed", SECONDS);
  g_assert_cmpint (chk_job_model_get_state (fixture->model), ==, CHK_JOB_MODEL_FAILED);
  retry = chk_test_find_button_with_action (fixture->window, "win.retry");
  g_assert_nonnull (retry);
  chk_assert_eventually (gtk_widget_get_mapped (retry), SECONDS);
  g_assert_true (gtk_widget_is_sensitive (retry));
  g_assert_null (chk_test_find_mapped_widget (fixture->window, CHK_TYPE_JOB_ROW));
}

/* The daemon crashes: the window says so; it comes back: the jobs too. */
static void
test_daemon_restart (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "survivor", NULL);

  open_window (fixture);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "survivor", SECONDS);

  chk_test_session_kill_daemon (fixture->session);
  wait_failed_page (fixture);

  chk_test_session_start_daemon (fixture->session);
  chk_assert_eventually_cmpstr (main_page (fixture), "main", SECONDS);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "survivor", SECONDS);

  /* Live again, not a snapshot */
  update_job (fixture, path, "{'name': <'phoenix'>}");
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "phoenix", SECONDS);
}

/* Retry starts the daemon again (D-Bus activation) and shows the jobs. */
static void
test_daemon_retry (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "survivor", NULL);
  g_autofree char *again = NULL;

  open_window (fixture);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "survivor", SECONDS);

  chk_test_session_kill_daemon (fixture->session);
  wait_failed_page (fixture);
  /* Nothing starts it behind the user's back */
  chk_test_iterate (0.5);
  g_assert_false (chk_test_session_daemon_is_up (fixture->session));
  g_assert_cmpstr (main_page (fixture), ==, "failed");

  chk_test_click (chk_test_find_button_with_action (fixture->window, "win.retry"));
  chk_assert_eventually_cmpstr (main_page (fixture), "main", SECONDS);
  g_assert_true (chk_test_session_daemon_is_up (fixture->session));
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "survivor", SECONDS);

  again = chk_test_lookup_job (fixture, "survivor");
  g_assert_cmpstr (again, ==, path);
}

static GtkEditable *
open_search (Fixture *fixture)
{
  GtkWidget *entry;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.search", NULL));
  /* The lists' own, in the sidebar: the job page has search entries too */
  entry = chk_test_find_widget (sidebar (fixture), GTK_TYPE_SEARCH_ENTRY);
  g_assert_nonnull (entry);
  chk_assert_eventually (gtk_widget_get_mapped (entry), SECONDS);
  return GTK_EDITABLE (entry);
}

/* Four jobs, one of them failing and one disabled. */
static void
make_filter_jobs (Fixture *fixture)
{
  g_autofree char *home = chk_test_create_job (fixture, "backup-home", NULL);
  g_autofree char *photos = chk_test_create_job (fixture, "backup-photos", "{'enabled': <false>}");
  g_autofree char *report = chk_test_create_job (fixture, "report",
                                        "{'description': <'Mails the BACKUP log'>}");
  g_autofree char *cleanup = chk_test_create_job (fixture, "cleanup", "{'command': <['/bin/false']>}");
  g_autofree char *outcome = NULL;

  chk_test_run_job (fixture, cleanup);
  outcome = wait_for_outcome (fixture, cleanup);
  g_assert_cmpstr (outcome, ==, "failure");
}

/* The search matches names and descriptions, in any case. */
static void
test_list_search (Fixture       *fixture,
                  gconstpointer  data)
{
  GtkEditable *search;

  make_filter_jobs (fixture);
  open_window (fixture);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "backup-home,backup-photos,cleanup,report",
                            SECONDS);

  search = open_search (fixture);
  gtk_editable_set_text (search, "backup");
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "backup-home,backup-photos,report", SECONDS);

  gtk_editable_set_text (search, "PHOTOS");
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "backup-photos", SECONDS);

  gtk_editable_set_text (search, "no such job");
  chk_assert_eventually_cmpstr (list_page (fixture), "no-results", SECONDS);
  g_assert_cmpstr (shown_jobs (fixture), ==, "");

  gtk_editable_set_text (search, "");
  chk_assert_eventually_cmpstr (list_page (fixture), "list", SECONDS);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "backup-home,backup-photos,cleanup,report",
                            SECONDS);

  /* A job made while searching shows only when it matches */
  gtk_editable_set_text (search, "backup");
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "backup-home,backup-photos,report", SECONDS);
  g_free (chk_test_create_job (fixture, "backup-music", NULL));
  g_free (chk_test_create_job (fixture, "unrelated", NULL));
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "backup-home,backup-music,backup-photos,report",
                            SECONDS);
}

static void
click_filter (Fixture    *fixture,
              const char *label)
{
  GtkWidget *button = chk_test_find_button (fixture->window, GTK_TYPE_TOGGLE_BUTTON, label);

  g_assert_nonnull (button);
  chk_test_click (button);
  chk_assert_eventually (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button)), SECONDS);
}

/* The status filters, and a running job coming and going under one. */
static void
test_list_filters (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *sleeper = NULL;

  make_filter_jobs (fixture);
  sleeper = chk_test_create_job (fixture, "sleeper", "{'command': <['/bin/sleep', '60']>}");
  open_window (fixture);
  chk_assert_eventually_cmpstr (shown_jobs (fixture),
                            "backup-home,backup-photos,cleanup,report,sleeper", SECONDS);

  click_filter (fixture, "Failing");
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "cleanup", SECONDS);

  click_filter (fixture, "Disabled");
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "backup-photos", SECONDS);

  click_filter (fixture, "Running");
  chk_assert_eventually_cmpstr (list_page (fixture), "no-results", SECONDS);
  chk_test_run_job (fixture, sleeper);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "sleeper", SECONDS);
  chk_assert_eventually_cmpstr (list_page (fixture), "list", SECONDS);
  chk_test_session_job_call (fixture->session, sleeper, "Stop", NULL);
  chk_assert_eventually_cmpstr (list_page (fixture), "no-results", SECONDS);

  click_filter (fixture, "All");
  chk_assert_eventually_cmpstr (shown_jobs (fixture),
                            "backup-home,backup-photos,cleanup,report,sleeper", SECONDS);
}

/* No jobs: the empty state, with its button; and back when there are. */
static void
test_list_empty (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *path = NULL;
  GtkWidget *create;

  open_window (fixture);
  chk_assert_eventually_cmpstr (list_page (fixture), "empty", SECONDS);
  chk_assert_eventually (has_label (fixture->window, "No Jobs"), SECONDS);
  create = chk_test_find_button (fixture->window, GTK_TYPE_BUTTON, "Create Job");
  g_assert_nonnull (create);
  g_assert_true (gtk_widget_get_mapped (create));
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (create)), ==, "win.new-job");
  g_assert_null (chk_test_find_mapped_widget (fixture->window, CHK_TYPE_JOB_ROW));

  path = chk_test_create_job (fixture, "first", NULL);
  chk_assert_eventually_cmpstr (list_page (fixture), "list", SECONDS);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "first", SECONDS);

  chk_test_session_job_call (fixture->session, path, "Delete", NULL);
  chk_assert_eventually_cmpstr (list_page (fixture), "empty", SECONDS);
  g_assert_false (has_label (fixture->window, "No Results"));
}

/* ---------------------------------------------------------------------------
 * Monitors */

/* Shows the Monitors view, as its tab (Alt+2) does. */
static void
show_monitors (Fixture *fixture)
{
  GtkStack *stack;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.show-view", "s", "monitors"));
  stack = chk_test_find_stack_with_page (fixture->window, "monitors-empty");
  g_assert_nonnull (stack);
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (stack)), SECONDS);
}

/* The page of the Monitors view: "monitors", "monitors-empty" or "monitors-no-results". */
static char *
monitors_page (Fixture *fixture)
{
  return visible_page (fixture, "monitors-empty");
}

/* The monitor rows on screen, in their order. */
static GPtrArray *
shown_monitor_rows (Fixture *fixture)
{
  return shown_rows_of (fixture, CHK_TYPE_MONITOR_ROW);
}

/* The names of the monitors on screen, "a,b,c". */
static char *
shown_monitors (Fixture *fixture)
{
  return shown_names (fixture, CHK_TYPE_MONITOR_ROW);
}

static ChkMonitorRow *
find_monitor_row (Fixture    *fixture,
                  const char *name)
{
  return find_shown_row (fixture, CHK_TYPE_MONITOR_ROW, name);
}

/* What the monitor of @name says of its health, in words, and how it is
 * coloured: "All checks passed (success)", or NULL when it is not shown. */
static char *
monitor_state (Fixture    *fixture,
               const char *name)
{
  ChkMonitorRow *row = find_monitor_row (fixture, name);
  GtkLabel *label = row != NULL ? chk_test_find_label_with_class (row, "chk-monitor-state") : NULL;
  const char *styles[] = { "success", "error", "dim-label" };
  const char *style = "plain";

  if (label == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (styles); i++)
    if (gtk_widget_has_css_class (GTK_WIDGET (label), styles[i]))
      style = styles[i];
  return g_strdup_printf ("%s (%s)", gtk_label_get_text (label), style);
}

static guint
monitors_badge (Fixture *fixture)
{
  g_autoptr(GPtrArray) stacks = chk_test_find_widgets (fixture->window, ADW_TYPE_VIEW_STACK);
  AdwViewStack *stack = NULL;
  AdwViewStackPage *page;

  /* The window's, not the job page's */
  for (guint i = 0; i < stacks->len && stack == NULL; i++)
    if (adw_view_stack_get_child_by_name (stacks->pdata[i], "monitors") != NULL)
      stack = stacks->pdata[i];
  g_assert_nonnull (stack);
  page = adw_view_stack_get_page (stack, adw_view_stack_get_child_by_name (stack, "monitors"));

  return adw_view_stack_page_get_badge_number (page);
}

/* Only monitors are listed, each with the health its last run tells,
 * live: a failing run, a passing one, a job made a monitor and back. */
static void
test_monitors_state (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *plain = chk_test_create_job (fixture, "plain job", NULL);
  g_autofree char *bad = chk_test_create_job (fixture, "disk space",
                                     "{'is-monitor': <true>, 'command': <['/bin/false']>, "
                                     "'description': <'Warns when the disk fills up'>}");
  g_autofree char *good = chk_test_create_job (fixture, "backups",
                                      "{'is-monitor': <true>, "
                                      "'monitor-url': <'https://status.example.org/backups'>}");
  g_autofree char *outcome = NULL;
  GtkLinkButton *link;

  open_window (fixture);
  show_monitors (fixture);
  chk_assert_eventually_cmpstr (monitors_page (fixture), "monitors", SECONDS);
  chk_assert_eventually_cmpstr (shown_monitors (fixture), "backups,disk space", SECONDS);
  g_assert_null (find_row (fixture, "plain job"));

  /* Never checked: grey, and says so */
  chk_assert_eventually_cmpstr (monitor_state (fixture, "disk space"), "Unknown (dim-label)", SECONDS);
  chk_assert_eventually_cmpstr (monitor_state (fixture, "backups"), "Unknown (dim-label)", SECONDS);
  g_assert_true (has_label (find_monitor_row (fixture, "disk space"), "Warns when the disk fills up"));
  g_assert_true (has_label_containing (find_monitor_row (fixture, "backups"), "Never checked"));

  /* Its page, as a link that says where it goes */
  link = chk_test_find_widget (find_monitor_row (fixture, "backups"), GTK_TYPE_LINK_BUTTON);
  g_assert_nonnull (link);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (link)));
  g_assert_cmpstr (gtk_link_button_get_uri (link), ==, "https://status.example.org/backups");
  g_assert_true (has_label (link, "status.example.org"));
  link = chk_test_find_widget (find_monitor_row (fixture, "disk space"), GTK_TYPE_LINK_BUTTON);
  g_assert_true (link == NULL || !gtk_widget_get_mapped (GTK_WIDGET (link)));

  /* A failing run: red, in words too */
  chk_test_run_job (fixture, bad);
  outcome = wait_for_outcome (fixture, bad);
  g_assert_cmpstr (outcome, ==, "failure");
  chk_assert_eventually_cmpstr (monitor_state (fixture, "disk space"), "Requires attention (error)", SECONDS);
  chk_assert_eventually (has_label_containing (find_monitor_row (fixture, "disk space"), "Last check: "), SECONDS);
  chk_assert_eventually (monitors_badge (fixture) == 1, SECONDS);

  /* A passing one: green */
  chk_test_run_job (fixture, good);
  g_free (outcome);
  outcome = wait_for_outcome (fixture, good);
  g_assert_cmpstr (outcome, ==, "success");
  chk_assert_eventually_cmpstr (monitor_state (fixture, "backups"), "All checks passed (success)", SECONDS);
  g_assert_cmpuint (monitors_badge (fixture), ==, 1);

  /* Fixed: the failing one passes */
  update_job (fixture, bad, "{'command': <['/bin/true']>}");
  chk_test_run_job (fixture, bad);
  g_free (outcome);
  outcome = wait_for_outcome (fixture, bad);
  g_assert_cmpstr (outcome, ==, "success");
  chk_assert_eventually_cmpstr (monitor_state (fixture, "disk space"), "All checks passed (success)", SECONDS);
  chk_assert_eventually (monitors_badge (fixture) == 0, SECONDS);

  /* Made a monitor, and no longer one, from outside */
  update_job (fixture, plain, "{'is-monitor': <true>}");
  chk_assert_eventually_cmpstr (shown_monitors (fixture), "backups,disk space,plain job", SECONDS);
  update_job (fixture, good, "{'is-monitor': <false>}");
  chk_assert_eventually_cmpstr (shown_monitors (fixture), "disk space,plain job", SECONDS);

  /* Activating a row opens its job's page */
  {
    ChkMonitorRow *row = find_monitor_row (fixture, "disk space");
    GtkListView *list = GTK_LIST_VIEW (gtk_widget_get_ancestor (GTK_WIDGET (row), GTK_TYPE_LIST_VIEW));
    GtkSelectionModel *model = gtk_list_view_get_model (list);
    guint position = GTK_INVALID_LIST_POSITION;
    ChkJobPage *page = chk_test_find_widget (fixture->window, CHK_TYPE_JOB_PAGE);

    for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
      {
        g_autoptr(ChkJob1) job = g_list_model_get_item (G_LIST_MODEL (model), i);

        if (g_strcmp0 (chk_job_get_object_path (job), bad) == 0)
          position = i;
      }
    g_assert_cmpuint (position, !=, GTK_INVALID_LIST_POSITION);
    g_signal_emit_by_name (list, "activate", position);
    chk_assert_eventually (chk_job_page_get_job (page) != NULL, SECONDS);
    g_assert_cmpstr (chk_job_get_object_path (chk_job_page_get_job (page)), ==, bad);
    chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (page)), SECONDS);
    g_assert_true (gtk_selection_model_is_selected (model, position));
  }
}

/* No monitors: the empty state says what one is and offers to make one;
 * a search that finds none says "no results" instead. */
static void
test_monitors_empty (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "not a monitor", NULL);
  GtkWidget *create;
  GtkEditable *search;

  open_window (fixture);
  chk_assert_eventually_cmpstr (shown_jobs (fixture), "not a monitor", SECONDS);
  show_monitors (fixture);
  chk_assert_eventually_cmpstr (monitors_page (fixture), "monitors-empty", SECONDS);
  chk_assert_eventually (has_label (fixture->window, "No Monitors"), SECONDS);
  create = chk_test_find_button (fixture->window, GTK_TYPE_BUTTON, "Create Monitor");
  g_assert_nonnull (create);
  g_assert_true (gtk_widget_get_mapped (create));
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (create)), ==, "win.new-monitor");
  g_assert_cmpuint (shown_monitor_rows (fixture)->len, ==, 0);

  /* One comes */
  update_job (fixture, path, "{'is-monitor': <true>}");
  chk_assert_eventually_cmpstr (monitors_page (fixture), "monitors", SECONDS);
  chk_assert_eventually_cmpstr (shown_monitors (fixture), "not a monitor", SECONDS);

  /* The search applies here too */
  search = open_search (fixture);
  gtk_editable_set_text (search, "nothing like it");
  chk_assert_eventually_cmpstr (monitors_page (fixture), "monitors-no-results", SECONDS);
  gtk_editable_set_text (search, "MONITOR");
  chk_assert_eventually_cmpstr (shown_monitors (fixture), "not a monitor", SECONDS);
}

/* Check Now starts a run; the monitor is "Unknown" meanwhile, and Check
 * Now waits for it to end. */
static void
test_monitors_check_now (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "slow check",
                                      "{'is-monitor': <true>, 'command': <['/bin/sleep', '2']>}");
  g_autoptr(GVariant) started = NULL;
  g_autofree char *outcome = NULL;
  GtkWidget *button;

  open_window (fixture);
  show_monitors (fixture);
  chk_assert_eventually (find_monitor_row (fixture, "slow check") != NULL, SECONDS);
  button = chk_test_find_button (find_monitor_row (fixture, "slow check"), GTK_TYPE_BUTTON, "Check Now");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_mapped (button));

  chk_test_click (button);
  chk_assert_eventually (chk_test_job_bool (fixture, path, "Running"), SECONDS);
  /* As the list shows it */
  chk_assert_eventually (!gtk_widget_is_sensitive (button), SECONDS);
  g_assert_cmpstr (monitor_state (fixture, "slow check"), ==, "Unknown (dim-label)");
  g_assert_true (has_label (find_monitor_row (fixture, "slow check"), "Checking now…"));

  outcome = wait_for_outcome (fixture, path);
  g_assert_cmpstr (outcome, ==, "success");
  started = chk_test_session_job_property (fixture->session, path, "LastRunStarted");
  g_assert_cmpint (g_variant_get_int64 (started), >, 0);
  chk_assert_eventually_cmpstr (monitor_state (fixture, "slow check"), "All checks passed (success)", SECONDS);
  chk_assert_eventually (gtk_widget_is_sensitive (button), SECONDS);
}

/* ---------------------------------------------------------------------------
 * The editor's monitor, HTTP check and alert fields */

/* The toggle button whose label says @label (the Command Type buttons). */
static GtkToggleButton *
find_toggle (gpointer    root,
             const char *label)
{
  g_autoptr(GPtrArray) toggles = chk_test_find_widgets (root, GTK_TYPE_TOGGLE_BUTTON);

  for (guint i = 0; i < toggles->len; i++)
    {
      GtkLabel *child = chk_test_find_widget (toggles->pdata[i], GTK_TYPE_LABEL);
      g_autofree char *plain = child != NULL ? chk_test_plain_label (gtk_label_get_label (child)) : NULL;

      if (g_strcmp0 (plain, label) == 0)
        return toggles->pdata[i];
    }
  g_error ("No toggle button labelled “%s”", label);
}

/* The control of type @type in the action row titled @title. */
static gpointer
find_row_control (gpointer    root,
                  const char *title,
                  GType       type)
{
  gpointer row = chk_test_find_row (root, ADW_TYPE_ACTION_ROW, title);
  gpointer control;

  if (row == NULL)
    g_error ("No row titled “%s”", title);
  control = chk_test_find_widget (row, type);
  g_assert_nonnull (control);
  return control;
}

static void
save_editor (ChkJobEditor *editor)
{
  GtkWidget *save = find_save_button (editor);

  g_assert_nonnull (save);
  chk_assert_eventually (gtk_widget_is_sensitive (save), SECONDS);
  chk_test_click (save);
}

static void
assert_job_string (Fixture    *fixture,
                   const char *path,
                   const char *property,
                   const char *expected)
{
  g_autofree char *value = chk_test_job_string (fixture, path, property);

  g_assert_cmpstr (value, ==, expected);
}

/* A monitor that is an HTTP check, made in the editor, has every new key
 * in the daemon; edited back into a command, it is one. */
static void
test_editor_monitor_check (Fixture       *fixture,
                           gconstpointer  data)
{
  ChkJobEditor *editor;
  g_autofree char *path = NULL;
  g_autoptr(GVariant) command = NULL;
  g_autoptr(GVariant) email_to = NULL;
  GtkSwitch *monitor;

  open_window (fixture);
  show_monitors (fixture);
  /* New, from the Monitors view: a monitor already */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.new-job", NULL));
  {
    GListModel *toplevels = gtk_window_get_toplevels ();

    editor = NULL;
    for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
      {
        g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

        if (CHK_IS_JOB_EDITOR (window))
          editor = CHK_JOB_EDITOR (window);
      }
    g_assert_nonnull (editor);
    fixture->editor = editor;
    g_object_add_weak_pointer (G_OBJECT (editor), (gpointer *) &fixture->editor);
    chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (editor)), SECONDS);
  }
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (editor)), ==, "New Monitor");
  monitor = find_row_control (editor, "Monitor", GTK_TYPE_SWITCH);
  g_assert_true (gtk_switch_get_active (monitor));

  gtk_editable_set_text (find_entry_row (editor, "Name"), "shop");
  gtk_toggle_button_set_active (find_toggle (editor, "HTTP Check"), TRUE);
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (find_entry_row (editor, "URL to Check"))), SECONDS);
  /* A check runs no program */
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (find_entry_row (editor, "Program"))));
  gtk_editable_set_text (find_entry_row (editor, "URL to Check"), "https://shop.example.org/health");
  gtk_spin_button_set_value (find_row_control (editor, "Expected Status", GTK_TYPE_SPIN_BUTTON), 204);
  gtk_editable_set_text (find_entry_row (editor, "Must Contain"), "OK");
  gtk_spin_button_set_value (find_row_control (editor, "Time Limit", GTK_TYPE_SPIN_BUTTON), 10);
  gtk_editable_set_text (find_entry_row (editor, "Page About What Is Monitored"),
                         "https://status.example.org/shop");
  gtk_editable_set_text (find_entry_row (editor, "Email To"), "ops@example.org, boss@example.org");
  chk_test_select_combo_item (editor, "Email On", "Always");
  gtk_editable_set_text (find_entry_row (editor, "Webhook URL"), "https://hooks.example.org/shop");
  save_editor (editor);

  chk_assert_eventually ((path = chk_test_lookup_job (fixture, "shop")) != NULL, SECONDS);
  chk_assert_eventually (fixture->editor == NULL, SECONDS);
  g_assert_true (chk_test_job_bool (fixture, path, "IsMonitor"));
  assert_job_string (fixture, path, "MonitorUrl", "https://status.example.org/shop");
  assert_job_string (fixture, path, "CheckUrl", "https://shop.example.org/health");
  g_assert_cmpuint (chk_test_job_int (fixture, path, "CheckExpectStatus"), ==, 204);
  assert_job_string (fixture, path, "CheckContains", "OK");
  g_assert_cmpuint (chk_test_job_int (fixture, path, "CheckTimeout"), ==, 10);
  assert_job_string (fixture, path, "WebhookUrl", "https://hooks.example.org/shop");
  assert_job_string (fixture, path, "EmailOn", "always");
  email_to = chk_test_session_job_property (fixture->session, path, "EmailTo");
  g_assert_cmpuint (g_variant_n_children (email_to), ==, 2);
  command = chk_test_session_job_property (fixture->session, path, "Command");
  g_assert_cmpuint (g_variant_n_children (command), ==, 0);
  /* In the Monitors view */
  chk_assert_eventually_cmpstr (shown_monitors (fixture), "shop", SECONDS);

  /* The editor shows it as it is */
  chk_assert_eventually (chk_job_model_lookup (fixture->model, path) != NULL, SECONDS);
  editor = fixture->editor = chk_job_editor_new (GTK_WINDOW (fixture->window), fixture->model,
                                                 chk_job_model_lookup (fixture->model, path), FALSE);
  g_object_add_weak_pointer (G_OBJECT (editor), (gpointer *) &fixture->editor);
  gtk_window_present (GTK_WINDOW (editor));
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (editor)), SECONDS);
  g_assert_true (gtk_toggle_button_get_active (find_toggle (editor, "HTTP Check")));
  g_assert_cmpstr (gtk_editable_get_text (find_entry_row (editor, "URL to Check")), ==,
                   "https://shop.example.org/health");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (find_row_control (editor, "Expected Status",
                                                                       GTK_TYPE_SPIN_BUTTON)), ==, 204);
  g_assert_cmpstr (gtk_editable_get_text (find_entry_row (editor, "Must Contain")), ==, "OK");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (find_row_control (editor, "Time Limit",
                                                                       GTK_TYPE_SPIN_BUTTON)), ==, 10);
  g_assert_true (gtk_switch_get_active (find_row_control (editor, "Monitor", GTK_TYPE_SWITCH)));
  g_assert_cmpstr (gtk_editable_get_text (find_entry_row (editor, "Webhook URL")), ==,
                   "https://hooks.example.org/shop");

  /* Back to a command, and no longer a monitor */
  gtk_toggle_button_set_active (find_toggle (editor, "Program"), TRUE);
  gtk_editable_set_text (find_entry_row (editor, "Program"), "/bin/true");
  gtk_switch_set_active (find_row_control (editor, "Monitor", GTK_TYPE_SWITCH), FALSE);
  save_editor (editor);
  chk_assert_eventually (fixture->editor == NULL, SECONDS);

  g_clear_pointer (&command, g_variant_unref);
  command = chk_test_session_job_property (fixture->session, path, "Command");
  g_assert_cmpuint (g_variant_n_children (command), ==, 1);
  assert_job_string (fixture, path, "CheckUrl", "");
  g_assert_false (chk_test_job_bool (fixture, path, "IsMonitor"));
  chk_assert_eventually_cmpstr (monitors_page (fixture), "monitors-empty", SECONDS);
}

/* An address the daemon refuses: its words under the field, nothing made. */
static void
test_editor_invalid_email (Fixture       *fixture,
                           gconstpointer  data)
{
  const char *invalid = "not an address";
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  ChkJobEditor *editor;

  /* What the daemon says of it */
  reply = chk_test_session_call (fixture->session, CHK_TEST_MANAGER_PATH, CHK_TEST_SCHEDULER1, "CreateJob",
                                 g_variant_new_parsed ("({'name': <'mailer'>, 'command': <['/bin/true']>, "
                                                       "'email-to': <[%s]>},)", invalid),
                                 "(o)", &error);
  g_assert_null (reply);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT);
  g_test_message ("chronikerd: %s", error->message);

  open_window (fixture);
  editor = open_editor (fixture);
  fill_editor (editor, "mailer", "/bin/true", "");
  gtk_editable_set_text (find_entry_row (editor, "Email To"), invalid);
  save_editor (editor);

  chk_assert_eventually (has_label_containing (editor, error->message), SECONDS);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (find_entry_row (editor, "Email To")), "error"));
  g_assert_cmpuint (count_jobs (fixture), ==, 0);
  g_assert_nonnull (fixture->editor);

  /* Fixed, it saves */
  gtk_editable_set_text (find_entry_row (editor, "Email To"), "ops@example.org");
  g_assert_false (has_label_containing (editor, error->message));
  save_editor (editor);
  chk_assert_eventually (count_jobs (fixture) == 1, SECONDS);
}

/* ---------------------------------------------------------------------------
 * Preferences */

static ChkPreferencesWindow *
open_preferences (Fixture *fixture)
{
  ChkPreferencesWindow *prefs;
  AdwPreferencesPage *page;

  prefs = chk_preferences_window_new (GTK_WINDOW (fixture->window),
                                      chk_job_model_get_scheduler (fixture->model));
  gtk_window_present (GTK_WINDOW (prefs));
  page = chk_test_find_widget (prefs, ADW_TYPE_PREFERENCES_PAGE);
  /* Sensitive once the settings are in */
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (prefs)) && gtk_widget_get_sensitive (GTK_WIDGET (page)),
                     SECONDS);
  return prefs;
}

/* Send Test Email to an address the daemon refuses: its words, and the
 * field marked. The address starts as the sender's. */
static void
test_preferences_test_email (Fixture       *fixture,
                             gconstpointer  data)
{
  const char *invalid = "not an address";
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  ChkPreferencesWindow *prefs;
  GtkEditable *address;
  GtkWidget *send;

  chk_test_set_settings (fixture, "{'email-from': <'jobs@example.org'>}");
  /* What the daemon says of it */
  reply = chk_test_session_call (fixture->session, CHK_TEST_MANAGER_PATH, CHK_TEST_SCHEDULER1,
                                 "SendTestEmail", g_variant_new ("(s)", invalid), NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT);
  g_test_message ("chronikerd: %s", error->message);

  open_window (fixture);
  prefs = open_preferences (fixture);
  address = find_entry_row (prefs, "Test Address");
  g_assert_nonnull (address);
  g_assert_cmpstr (gtk_editable_get_text (address), ==, "jobs@example.org");
  send = chk_test_find_button (prefs, GTK_TYPE_BUTTON, "Send Test Email");
  g_assert_nonnull (send);
  g_assert_true (gtk_widget_get_mapped (send));

  /* Nothing to send to */
  gtk_editable_set_text (address, "  ");
  chk_assert_eventually (!gtk_widget_is_sensitive (send), SECONDS);

  gtk_editable_set_text (address, invalid);
  chk_test_click (send);
  chk_assert_eventually (has_label_containing (prefs, error->message), SECONDS);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (address), "error"));
  chk_assert_eventually (gtk_widget_is_sensitive (send), SECONDS);
}

/* The webhook-url setting, shown and changed. */
static void
test_preferences_webhook (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GVariant) settings = NULL;
  ChkPreferencesWindow *prefs;
  GtkEditable *webhook;
  const char *value = NULL;

  chk_test_set_settings (fixture, "{'webhook-url': <'https://hooks.example.org/one'>}");
  open_window (fixture);
  prefs = open_preferences (fixture);
  webhook = find_entry_row (prefs, "Webhook URL");
  g_assert_nonnull (webhook);
  g_assert_cmpstr (gtk_editable_get_text (webhook), ==, "https://hooks.example.org/one");

  gtk_editable_set_text (webhook, "https://hooks.example.org/two");
  g_signal_emit_by_name (webhook, "apply");
  for (gint64 deadline = g_get_monotonic_time () + SECONDS * G_USEC_PER_SEC;
       g_get_monotonic_time () < deadline;)
    {
      g_clear_pointer (&settings, g_variant_unref);
      settings = chk_test_get_settings (fixture);
      if (g_variant_lookup (settings, "webhook-url", "&s", &value) &&
          g_str_equal (value, "https://hooks.example.org/two"))
        break;
      chk_test_iterate (0.05);
    }
  g_assert_cmpstr (value, ==, "https://hooks.example.org/two");
}

/* ---------------------------------------------------------------------------
 * The job page's new rows */

/* An HTTP check's page shows its URL, not a command; an alert that could
 * not be delivered shows too. */
static void
test_page_check (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "health",
                                      "{'check-url': <'https://health.example.org/ping'>, "
                                      "'check-contains': <'pong'>}");
  ChkJobPage *page;

  open_window (fixture);
  page = show_job_page (fixture, path);
  show_tab (page, "details");
  chk_assert_eventually (has_label (page, "HTTP Check"), SECONDS);
  g_assert_true (has_label_containing (page, "https://health.example.org/ping"));
  g_assert_true (has_label_containing (page, "Expects status 200"));
  g_assert_true (has_label_containing (page, "“pong”"));
  g_assert_false (has_label (page, "Command"));
  /* Delivered, or nothing to deliver: no warning */
  g_assert_false (has_label (page, "Alert Not Delivered"));
}

/* A check that got no answer failed without an exit code: its status says
 * "Failed", not "Failed (exit code 1)" (issue 12, point 5). */
static void
test_check_status_has_no_exit_code (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GError) error = NULL;
  g_autofree char *spec = NULL;
  g_autofree char *path = NULL;
  g_autofree char *outcome = NULL;
  g_autofree char *status = NULL;
  guint16 port;

  /* A port that was just free and is closed again: the connection is refused. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  address = g_inet_socket_address_new (loopback, 0);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  g_clear_object (&address);
  address = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
  g_socket_close (socket, NULL);

  spec = g_strdup_printf ("{'check-url': <'http://127.0.0.1:%u/health'>}", port);
  path = chk_test_create_job (fixture, "refused", spec);
  open_window (fixture);
  chk_assert_eventually (chk_job_model_lookup (fixture->model, path) != NULL, SECONDS);
  chk_test_run_job (fixture, path);
  outcome = wait_for_outcome (fixture, path);
  g_assert_cmpstr (outcome, ==, "failure");

  /* The daemon answers Get with the new outcome before its
   * PropertiesChanged reaches the app: wait for the app too. */
  chk_assert_eventually (chk_job1_get_last_outcome (chk_job_model_lookup (fixture->model, path))
                         != NULL &&
                         g_str_equal (chk_job1_get_last_outcome (
                                        chk_job_model_lookup (fixture->model, path)), "failure"),
                         SECONDS);
  status = chk_job_status_text (chk_job_model_lookup (fixture->model, path));
  g_assert_cmpstr (status, ==, "Failed");
}

/* A webhook that cannot be delivered: the page says why, on the job and on
 * the run. */
static void
test_page_alert_error (Fixture       *fixture,
                       gconstpointer  data)
{
  /* Port 9 (discard) refuses: nothing listens there. */
  g_autofree char *path = chk_test_create_job (fixture, "unheard",
                                      "{'command': <['/bin/false']>, 'notify-on': <'failure'>, "
                                      "'webhook-url': <'http://127.0.0.1:9/hook'>}");
  g_autofree char *outcome = NULL;
  g_autofree char *error = NULL;
  ChkJobPage *page;
  gint64 deadline;

  open_window (fixture);
  page = show_job_page (fixture, path);
  show_tab (page, "details");
  g_assert_false (has_label (page, "Alert Not Delivered"));

  chk_test_run_job (fixture, path);
  outcome = wait_for_outcome (fixture, path);
  g_assert_cmpstr (outcome, ==, "failure");
  deadline = g_get_monotonic_time () + SECONDS * G_USEC_PER_SEC;
  while ((error = chk_test_job_string (fixture, path, "LastAlertError"))[0] == '\0' &&
         g_get_monotonic_time () < deadline)
    {
      g_free (error);
      chk_test_iterate (0.05);
    }
  g_assert_cmpstr (error, !=, "");
  g_test_message ("chronikerd: %s", error);

  chk_assert_eventually (has_label (page, "Alert Not Delivered"), SECONDS);
  chk_assert_eventually (has_label (page, error), SECONDS);

  /* The run says so too, in its warning's tooltip */
  show_tab (page, "runs");
  {
    g_autofree char *tooltip = g_strdup_printf ("Alert not delivered: %s", error);
    g_autoptr(GPtrArray) images = NULL;
    gboolean found = FALSE;

    for (deadline = g_get_monotonic_time () + SECONDS * G_USEC_PER_SEC;
         !found && g_get_monotonic_time () < deadline;
         chk_test_iterate (0.05))
      {
        g_clear_pointer (&images, g_ptr_array_unref);
        images = chk_test_find_widgets (page, GTK_TYPE_IMAGE);
        for (guint i = 0; i < images->len && !found; i++)
          found = gtk_widget_get_mapped (images->pdata[i]) &&
                  g_strcmp0 (gtk_widget_get_tooltip_text (images->pdata[i]), tooltip) == 0;
      }
    g_assert_true (found);
  }
}

/* ---------------------------------------------------------------------------
 * The storage banner */

/* The banner slides in with what is wrong, for screen readers too, and
 * goes when nothing is. */
static void
test_banner_show_hide (void)
{
  const char *problem = "The disk holding the database is full: free some space.";
  GtkWidget *window = gtk_window_new ();
  GtkWidget *banner = chk_banner_new ();
  GtkWidget *label;

  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_set_child (GTK_WINDOW (window), banner);
  gtk_window_present (GTK_WINDOW (window));
  chk_assert_eventually (gtk_widget_get_mapped (banner), SECONDS);

  g_assert_false (chk_banner_get_revealed (CHK_BANNER (banner)));
  g_assert_cmpstr (chk_banner_get_title (CHK_BANNER (banner)), ==, "");

  chk_banner_set_title (CHK_BANNER (banner), problem);
  g_assert_true (chk_banner_get_revealed (CHK_BANNER (banner)));
  chk_assert_eventually ((label = chk_test_find_label (banner, problem)) != NULL, SECONDS);
  /* Read out as it shows */
  {
    GtkWidget *alert = gtk_widget_get_ancestor (label, GTK_TYPE_BOX);

    g_assert_nonnull (alert);
    g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (alert)), ==,
                     GTK_ACCESSIBLE_ROLE_ALERT);
  }

  /* Another problem: the new words */
  chk_banner_set_title (CHK_BANNER (banner), "The database is locked by another program.");
  chk_assert_eventually (chk_test_find_label (banner, "The database is locked by another program.") != NULL, SECONDS);

  chk_banner_set_title (CHK_BANNER (banner), "");
  g_assert_false (chk_banner_get_revealed (CHK_BANNER (banner)));
  chk_assert_eventually (chk_test_find_label (banner, "The database is locked by another program.") == NULL, SECONDS);

  chk_banner_set_title (CHK_BANNER (banner), problem);
  chk_assert_eventually (chk_test_find_label (banner, problem) != NULL, SECONDS);
  chk_banner_set_title (CHK_BANNER (banner), NULL);
  chk_assert_eventually (chk_test_find_label (banner, problem) == NULL, SECONDS);

  gtk_window_destroy (GTK_WINDOW (window));
  chk_assert_eventually (window == NULL, SECONDS);
}

/* Holds the database's write lock, as a backup or an sqlite3 shell would. */
static const char locker_script[] =
  "import sqlite3, sys, time\n"
  "db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)\n"
  "db.execute('BEGIN EXCLUSIVE')\n"
  "print('locked', flush=True)\n"
  "time.sleep(float(sys.argv[2]))\n";

static char *
storage_problem (Fixture *fixture)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;

  reply = chk_test_session_call (fixture->session, CHK_TEST_MANAGER_PATH, "org.freedesktop.DBus.Properties",
                                 "Get", g_variant_new ("(ss)", CHK_TEST_SCHEDULER1, "StorageProblem"),
                                 "(v)", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return g_variant_dup_string (value, NULL);
}

/* Waits until the daemon's StorageProblem is set (or is "", if not @set);
 * returns it then. */
static char *
wait_storage_problem (Fixture  *fixture,
                      gboolean  set)
{
  gint64 deadline = g_get_monotonic_time () + SECONDS * G_USEC_PER_SEC;
  char *problem;

  while (((problem = storage_problem (fixture))[0] != '\0') != set && g_get_monotonic_time () < deadline)
    {
      g_free (problem);
      chk_test_iterate (0.05);
    }
  return problem;
}

/* The banner the window shows now: the page's, or the list's when folded. */
static ChkBanner *
shown_banner (Fixture *fixture)
{
  g_autoptr(GPtrArray) banners = chk_test_find_widgets (fixture->window, CHK_TYPE_BANNER);

  /* The storage banners: not the login banner's */
  for (guint i = 0; i < banners->len; i++)
    if (gtk_widget_get_mapped (banners->pdata[i]) &&
        gtk_widget_get_ancestor (banners->pdata[i], CHK_TYPE_LOGIN_BANNER) == NULL)
      return banners->pdata[i];
  return NULL;
}

/* The database locked by another program: the window says what the daemon
 * says, at the top, and stops saying it once the lock is gone. */
static void
test_banner_storage_problem (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *database = g_build_filename (chk_test_session_get_tmpdir (fixture->session),
                                                "data", "chroniker", "chroniker.db", NULL);
  g_autoptr(GPtrArray) banners = NULL;
  g_autoptr(GSubprocess) locker = NULL;
  g_autoptr(GDataInputStream) locker_out = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *problem = NULL;

  open_window (fixture);
  /* One over the page, one over the list for a folded window; a working
   * database: both hidden */
  banners = chk_test_find_widgets (fixture->window, CHK_TYPE_BANNER);
  /* Not the login banner's: it says something else */
  for (guint i = banners->len; i > 0; i--)
    if (gtk_widget_get_ancestor (banners->pdata[i - 1], CHK_TYPE_LOGIN_BANNER) != NULL)
      g_ptr_array_remove_index (banners, i - 1);
  g_assert_cmpuint (banners->len, ==, 2);
  chk_assert_eventually (shown_banner (fixture) != NULL, SECONDS);
  problem = storage_problem (fixture);
  g_assert_cmpstr (problem, ==, "");
  for (guint i = 0; i < banners->len; i++)
    g_assert_false (chk_banner_get_revealed (banners->pdata[i]));
  g_clear_pointer (&problem, g_free);

  locker = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                             "/usr/bin/python3", "-c", locker_script, database, "60", NULL);
  g_assert_no_error (error);
  locker_out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (locker));
  line = g_data_input_stream_read_line_utf8 (locker_out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "locked");

  /* A write finds the lock */
  reply = chk_test_session_call (fixture->session, CHK_TEST_MANAGER_PATH, CHK_TEST_SCHEDULER1,
                                 "SetSettings", g_variant_new_parsed ("({'keep-runs-days': <@u 9>},)"),
                                 NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_STORAGE);
  g_clear_error (&error);
  problem = wait_storage_problem (fixture, TRUE);
  g_test_message ("chronikerd: %s", problem);
  g_assert_cmpstr (problem, !=, "");

  chk_assert_eventually_cmpstr (g_strdup (chk_banner_get_title (shown_banner (fixture))), problem, SECONDS);
  g_assert_true (chk_banner_get_revealed (shown_banner (fixture)));
  chk_assert_eventually (chk_test_find_label (shown_banner (fixture), problem) != NULL, SECONDS);

  /* The lock ends: the daemon finds out by itself, and the banner goes */
  g_subprocess_force_exit (locker);
  g_subprocess_wait (locker, NULL, NULL);
  g_free (problem);
  problem = wait_storage_problem (fixture, FALSE);
  g_assert_cmpstr (problem, ==, "");
  for (guint i = 0; i < banners->len; i++)
    chk_assert_eventually (!chk_banner_get_revealed (banners->pdata[i]), SECONDS);
  chk_assert_eventually (!gtk_widget_get_mapped (GTK_WIDGET (chk_test_find_widget (shown_banner (fixture), GTK_TYPE_LABEL))),
                     SECONDS);
}

/* ---------------------------------------------------------------------------
 * Limits and accounting (DESIGN §7): the job page */

/* The job page says what a run may use, and follows changes. */
static void
test_page_limits (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "limited", NULL);
  g_autofree char *check = chk_test_create_job (fixture, "check", "{'check-url': <'https://example.org/'>}");
  g_autofree char *default_text = NULL;
  g_autofree char *default_changed = NULL;
  g_autofree char *tasks_text = g_strdup_printf ("Up to %'u processes and threads", 50u);
  g_autofree char *memory_text = g_format_size (256 * 1024 * 1024);
  g_autofree char *default_setting = NULL;
  g_autoptr(GVariant) settings = NULL;
  guint32 default_max_tasks = 0;
  ChkJobPage *page;

  /* The daemon's default-max-tasks, whatever it is */
  settings = chk_test_get_settings (fixture);
  g_assert_true (g_variant_lookup (settings, "default-max-tasks", "u", &default_max_tasks));
  default_text = g_strdup_printf ("Default (%'u)", default_max_tasks);
  default_changed = g_strdup_printf ("Default (%'u)", default_max_tasks + 1000);
  default_setting = g_strdup_printf ("{'default-max-tasks': <@u %u>}", default_max_tasks + 1000);

  open_window (fixture);
  page = show_job_page (fixture, path);
  show_tab (page, "details");
  chk_assert_eventually_cmpstr (chk_test_row_subtitle (page, "Max Processes"), default_text, SECONDS);
  chk_assert_eventually_cmpstr (chk_test_row_subtitle (page, "Memory Limit"), "None", SECONDS);
  chk_assert_eventually_cmpstr (chk_test_row_subtitle (page, "CPU Weight"), "Default (100)", SECONDS);
  g_assert_true (has_label (page, "Max Processes"));

  update_job (fixture, path, "{'max-tasks': <@u 50>, 'memory-max': <@t 268435456>, 'cpu-weight': <@u 400>}");
  chk_assert_eventually_cmpstr (chk_test_row_subtitle (page, "Max Processes"), tasks_text, SECONDS);
  /* "268.4 MB", with GLib's no-break space */
  chk_assert_eventually_cmpstr (chk_test_row_subtitle (page, "Memory Limit"), memory_text, SECONDS);
  chk_assert_eventually_cmpstr (chk_test_row_subtitle (page, "CPU Weight"), "400: more CPU than other runs", SECONDS);
  update_job (fixture, path, "{'cpu-weight': <@u 20>}");
  chk_assert_eventually_cmpstr (chk_test_row_subtitle (page, "CPU Weight"), "20: less CPU than other runs", SECONDS);

  /* The setting, as it is when the page is shown */
  chk_test_set_settings (fixture, default_setting);
  update_job (fixture, path, "{'max-tasks': <@u 0>}");
  page = show_job_page (fixture, check);
  show_tab (page, "details");
  /* An HTTP check runs no process: no limits */
  chk_assert_eventually (has_label (page, "HTTP Check"), SECONDS);
  g_assert_false (has_label (page, "Max Processes"));
  g_assert_false (has_label (page, "Memory Limit"));
  page = show_job_page (fixture, path);
  chk_assert_eventually_cmpstr (chk_test_row_subtitle (page, "Max Processes"), default_changed, SECONDS);
}

/* A run's CPU time and memory peak, as the daemon measured them, show
 * under the run. */
static void
test_page_run_usage (Fixture       *fixture,
                     gconstpointer  data)
{
  /* A few tenths of a second of CPU in the shell itself */
  g_autofree char *path = chk_test_create_job (fixture, "busy",
                                      "{'command': <['/bin/sh', '-c', 'i=0; while [ $i -lt 300000 ]; "
                                      "do i=$((i+1)); done']>}");
  g_autofree char *outcome = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GVariant) run = NULL;
  const char *containment = "";
  guint64 cpu_time = 0, memory_peak = 0;
  ChkJobPage *page;

  open_window (fixture);
  page = show_job_page (fixture, path);
  chk_test_run_job (fixture, path);
  outcome = wait_for_outcome (fixture, path);
  g_assert_cmpstr (outcome, ==, "success");

  run = only_run (fixture, path);
  g_variant_lookup (run, "containment", "&s", &containment);
  g_variant_lookup (run, "cpu-time", "t", &cpu_time);
  g_variant_lookup (run, "memory-peak", "t", &memory_peak);
  g_test_message ("chronikerd: containment “%s”, cpu-time %" G_GUINT64_FORMAT " µs, "
                  "memory-peak %" G_GUINT64_FORMAT " bytes", containment, cpu_time, memory_peak);
  if (containment[0] == '\0' && cpu_time == 0 && memory_peak == 0)
    {
      g_test_skip ("chronikerd does not measure its runs yet: no containment, cpu-time or memory-peak");
      return;
    }
  g_assert_cmpuint (cpu_time, >, 0);
  g_assert_cmpuint (cpu_time, <, 60 * G_USEC_PER_SEC);

  if (memory_peak > 0)
    {
      g_autofree char *size = g_format_size (memory_peak);

      expected = g_strdup_printf ("%.1f s CPU · %s peak", (double) cpu_time / G_USEC_PER_SEC, size);
    }
  else
    {
      expected = g_strdup_printf ("%.1f s CPU", (double) cpu_time / G_USEC_PER_SEC);
    }
  chk_assert_eventually (chk_test_find_label (page, expected) != NULL, SECONDS);
}

/* Every view of an outcome agrees on whether the run failed: the window's
 * "Failing" filter, the rows' colour and the monitors' health. An
 * interrupted run used to be failing in one and not in the other. */
static void
test_format_outcomes (void)
{
  const struct
  {
    const char *outcome;
    gboolean    failing;
    const char *style;
  } cases[] = {
    { "", FALSE, NULL },
    { "success", FALSE, "success" },
    { "stopped", FALSE, "warning" },
    { "failure", TRUE, "error" },
    { "timeout", TRUE, "error" },
    { "failed-to-start", TRUE, "error" },
    { "interrupted", TRUE, "error" },
    { "from-a-newer-daemon", TRUE, "error" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ChkJob1) job = chk_job1_skeleton_new ();
      ChkMonitorState state;

      g_test_message ("outcome “%s”", cases[i].outcome);
      chk_job1_set_enabled (job, TRUE);
      chk_job1_set_last_outcome (job, cases[i].outcome);
      g_assert_cmpint (chk_job_is_failing (job), ==, cases[i].failing);
      g_assert_cmpstr (chk_job_status_style (job), ==, cases[i].style);
      g_assert_cmpstr (chk_outcome_style_class (cases[i].outcome), ==, cases[i].style);
      state = chk_monitor_state (job);
      if (cases[i].failing)
        g_assert_cmpint (state, ==, CHK_MONITOR_STATE_FAILING);
      else
        g_assert_cmpint (state, !=, CHK_MONITOR_STATE_FAILING);
      /* Shape as well as colour: no two kinds of end share words */
      g_assert_nonnull (chk_outcome_icon_name (cases[i].outcome));
      g_assert_cmpstr (chk_outcome_label (cases[i].outcome), !=, "");
    }

  /* Running and disabled come before the last outcome */
  {
    g_autoptr(ChkJob1) job = chk_job1_skeleton_new ();

    chk_job1_set_last_outcome (job, "failure");
    chk_job1_set_enabled (job, FALSE);
    g_assert_cmpstr (chk_job_status_style (job), ==, "dim-label");
    chk_job1_set_running (job, TRUE);
    g_assert_cmpstr (chk_job_status_style (job), ==, "accent");
    g_assert_cmpstr (chk_job_status_icon (job), ==, "media-playback-start-symbolic");
  }
  g_assert_cmpstr (chk_trigger_label ("catch-up"), ==, "Catch-up");
  g_assert_cmpstr (chk_trigger_label ("cron"), ==, "cron");
}

/* The words for what a run used, from the records the daemon gives: in
 * GLib's units as every size, CPU to the tenth of a second while
 * short; nothing for a run that was not measured. */
static void
test_page_usage_format (void)
{
  /* Sizes as GLib says them everywhere: "222.3 MB" */
  g_autofree char *size = g_format_size (222298112);
  g_autofree char *short_run = g_strdup_printf ("1.2 s CPU · %s peak", size);
  const struct
  {
    const char *record;
    const char *expected;
  } cases[] = {
    { "{'outcome': <'success'>, 'containment': <'scope'>, 'cpu-time': <@t 1234567>, "
      "'memory-peak': <@t 222298112>}", short_run },
    { "{'outcome': <'failure'>, 'containment': <'process-group'>, 'cpu-time': <@t 125000000>}",
      "2 min 5 s CPU" },
    /* Measured, and it used next to nothing */
    { "{'outcome': <'success'>, 'containment': <'cgroup'>, 'cpu-time': <@t 0>, 'memory-peak': <@t 0>}",
      "0.0 s CPU" },
    /* Not measured: still running, an HTTP check, a run from before */
    { "{'outcome': <'running'>, 'containment': <'scope'>, 'cpu-time': <@t 5000>}", NULL },
    { "{'outcome': <'success'>, 'containment': <''>, 'cpu-time': <@t 0>, 'memory-peak': <@t 0>}", NULL },
    { "{'outcome': <'success'>}", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GVariant) record = g_variant_ref_sink (g_variant_new_parsed (cases[i].record));
      g_autoptr(ChkRun) run = chk_run_new (record);
      g_autofree char *usage = chk_run_format_usage (run);

      g_assert_cmpstr (usage, ==, cases[i].expected);
    }
}

/* The daemon's note on how a run ended shows under it, as a warning when
 * the run failed. */
static void
test_page_run_message (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "missing",
                                      "{'command': <['/nonexistent/chroniker-test-program']>}");
  g_autofree char *outcome = NULL;
  g_autoptr(GVariant) run = NULL;
  const char *message = "";
  GtkWidget *label;
  ChkJobPage *page;

  open_window (fixture);
  page = show_job_page (fixture, path);
  chk_test_run_job (fixture, path);
  outcome = wait_for_outcome (fixture, path);
  g_assert_cmpstr (outcome, ==, "failed-to-start");

  run = only_run (fixture, path);
  g_variant_lookup (run, "message", "&s", &message);
  g_test_message ("chronikerd: message “%s”", message);
  if (message[0] == '\0')
    {
      g_test_skip ("chronikerd does not give a failed run's message yet");
      return;
    }

  chk_assert_eventually ((label = chk_test_find_label (page, message)) != NULL, SECONDS);
  g_assert_true (gtk_widget_has_css_class (label, "warning"));
}

/* ---------------------------------------------------------------------------
 * Limits (DESIGN §7): the job editor */

/* The editor of the job at @path, as Edit opens it. */
static ChkJobEditor *
open_job_editor (Fixture    *fixture,
                 const char *path)
{
  ChkJob1 *job;

  chk_assert_eventually ((job = chk_job_model_lookup (fixture->model, path)) != NULL, SECONDS);
  fixture->editor = chk_job_editor_new (GTK_WINDOW (fixture->window), fixture->model, job, FALSE);
  g_object_add_weak_pointer (G_OBJECT (fixture->editor), (gpointer *) &fixture->editor);
  gtk_window_present (GTK_WINDOW (fixture->editor));
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (fixture->editor)), SECONDS);
  return fixture->editor;
}

static GtkSpinButton *
max_tasks_spin (gpointer editor)
{
  return find_row_control (editor, "Max Processes", GTK_TYPE_SPIN_BUTTON);
}

static GtkSpinButton *
cpu_weight_spin (gpointer editor)
{
  return find_row_control (editor, "CPU Weight", GTK_TYPE_SPIN_BUTTON);
}

static GtkEditable *
memory_max_entry (gpointer editor)
{
  GtkEditable *entry = find_entry_row (editor, "Memory Limit");

  g_assert_nonnull (entry);
  return entry;
}

/* The limits set in the editor reach the daemon; the editor shows them
 * back as they are, and saves only what was changed, exactly. */
static void
test_editor_limits (Fixture       *fixture,
                    gconstpointer  data)
{
  ChkJobEditor *editor;
  g_autofree char *path = NULL;

  open_window (fixture);
  editor = open_editor (fixture);
  /* A new job starts with the daemon's defaults */
  g_assert_cmpint (gtk_spin_button_get_value_as_int (max_tasks_spin (editor)), ==, 0);
  g_assert_cmpstr (gtk_editable_get_text (memory_max_entry (editor)), ==, "");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (cpu_weight_spin (editor)), ==, 100);

  fill_editor (editor, "contained", "/bin/echo", "@daily");
  gtk_spin_button_set_value (max_tasks_spin (editor), 64);
  gtk_editable_set_text (memory_max_entry (editor), "512 MiB");
  gtk_spin_button_set_value (cpu_weight_spin (editor), 400);
  save_editor (editor);

  chk_assert_eventually ((path = chk_test_lookup_job (fixture, "contained")) != NULL, SECONDS);
  chk_assert_eventually (fixture->editor == NULL, SECONDS);
  g_assert_cmpuint (chk_test_job_int (fixture, path, "MaxTasks"), ==, 64);
  g_assert_cmpuint (chk_test_job_int (fixture, path, "MemoryMax"), ==, 512 * 1024 * 1024);
  g_assert_cmpuint (chk_test_job_int (fixture, path, "CpuWeight"), ==, 400);

  /* Edited: what the daemon has, in the editor's words */
  editor = open_job_editor (fixture, path);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (max_tasks_spin (editor)), ==, 64);
  g_assert_cmpstr (gtk_editable_get_text (memory_max_entry (editor)), ==, "512M");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (cpu_weight_spin (editor)), ==, 400);
  /* No memory limit any more; the others stay */
  gtk_editable_set_text (memory_max_entry (editor), "");
  save_editor (editor);
  chk_assert_eventually (chk_test_job_int (fixture, path, "MemoryMax") == 0, SECONDS);
  chk_assert_eventually (fixture->editor == NULL, SECONDS);
  g_assert_cmpuint (chk_test_job_int (fixture, path, "MaxTasks"), ==, 64);
  g_assert_cmpuint (chk_test_job_int (fixture, path, "CpuWeight"), ==, 400);

  /* A size that is no whole number of MiB (set with chronikerctl, say)
   * shows in bytes and survives a save of something else. */
  update_job (fixture, path, "{'memory-max': <@t 1500000000>, 'max-tasks': <@u 0>}");
  /* Once the app has heard of it */
  chk_assert_eventually (chk_job1_get_memory_max (chk_job_model_lookup (fixture->model, path)) == 1500000000 &&
                     chk_job1_get_max_tasks (chk_job_model_lookup (fixture->model, path)) == 0, SECONDS);
  editor = open_job_editor (fixture, path);
  g_assert_cmpstr (gtk_editable_get_text (memory_max_entry (editor)), ==, "1500000000");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (max_tasks_spin (editor)), ==, 0);
  gtk_spin_button_set_value (cpu_weight_spin (editor), 300);
  save_editor (editor);
  chk_assert_eventually (chk_test_job_int (fixture, path, "CpuWeight") == 300, SECONDS);
  chk_assert_eventually (fixture->editor == NULL, SECONDS);
  g_assert_cmpuint (chk_test_job_int (fixture, path, "MemoryMax"), ==, 1500000000);
  g_assert_cmpuint (chk_test_job_int (fixture, path, "MaxTasks"), ==, 0);
}

/* A memory limit the daemon would refuse is said at once, under the field,
 * and nothing is created. */
static void
test_editor_limits_invalid (Fixture       *fixture,
                            gconstpointer  data)
{
  ChkJobEditor *editor;
  GtkWidget *save;

  open_window (fixture);
  editor = open_editor (fixture);
  fill_editor (editor, "tiny", "/bin/echo", "@daily");

  gtk_editable_set_text (memory_max_entry (editor), "lots");
  chk_assert_eventually (has_label_containing (editor, "“lots” is not a size"), SECONDS);
  gtk_editable_set_text (memory_max_entry (editor), "100K");
  chk_assert_eventually (has_label_containing (editor, "less than 1M"), SECONDS);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (memory_max_entry (editor)), "error"));

  save = find_save_button (editor);
  g_assert_nonnull (save);
  if (gtk_widget_is_sensitive (save))
    chk_test_click (save);
  chk_test_iterate (1.0);
  g_assert_cmpuint (count_jobs (fixture), ==, 0);
  g_assert_nonnull (fixture->editor);

  /* Fixed: saved */
  gtk_editable_set_text (memory_max_entry (editor), "1M");
  chk_assert_eventually (!has_label_containing (editor, "less than 1M"), SECONDS);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (memory_max_entry (editor)), "error"));
  save_editor (editor);
  chk_assert_eventually (count_jobs (fixture) == 1, SECONDS);
}

/* ---------------------------------------------------------------------------
 * D-Bus activation */

typedef struct
{
  gboolean  done;
  GVariant *reply;
  GError   *error;
} CallData;

static void
call_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  CallData *call = user_data;

  call->reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &call->error);
  call->done = TRUE;
}

static ChkWindow *
application_window (GApplication *application)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (application));

  return windows != NULL && CHK_IS_WINDOW (windows->data) ? windows->data : NULL;
}

typedef struct
{
  Fixture  *fixture;
  char     *path;
  guint64   run_id;
} ActivationTest;

/* The test, inside g_application_run(), as the bus's activation runs it */
static gboolean
activation_test_cb (gpointer user_data)
{
  ActivationTest *test = user_data;
  Fixture *fixture = test->fixture;
  GApplication *application = fixture->application;
  CallData call = { FALSE, NULL, NULL };
  ChkJobPage *page;
  ChkLogView *log_view;

  /* A service waits for a call, with no window */
  g_assert_true (g_application_get_is_registered (application));
  g_assert_false (g_application_get_is_remote (application));
  g_assert_null (application_window (application));

  g_dbus_connection_call (chk_test_session_get_connection (fixture->session),
                          "io.github.chroniker.Chroniker", "/io/github/chroniker/Chroniker",
                          "org.freedesktop.Application", "ActivateAction",
                          g_variant_new_parsed ("('show-run', [<%t>], @a{sv} {})", test->run_id),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, call_done_cb, &call);
  chk_assert_eventually (call.done, SECONDS);
  g_assert_no_error (call.error);
  g_clear_pointer (&call.reply, g_variant_unref);

  chk_assert_eventually (application_window (application) != NULL, SECONDS);
  fixture->window = application_window (application);
  g_object_add_weak_pointer (G_OBJECT (fixture->window), (gpointer *) &fixture->window);
  fixture->model = g_object_ref (chk_window_get_model (fixture->window));
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (fixture->window)), SECONDS);

  /* The run's job, and that run's output */
  page = chk_test_find_widget (fixture->window, CHK_TYPE_JOB_PAGE);
  chk_assert_eventually (chk_job_page_get_job (page) != NULL, SECONDS);
  g_assert_cmpstr (chk_job_get_object_path (chk_job_page_get_job (page)), ==, test->path);
  chk_assert_eventually ((log_view = chk_test_find_mapped_widget (fixture->window, CHK_TYPE_LOG_VIEW)) != NULL, SECONDS);
  chk_assert_eventually (chk_log_view_get_run (log_view) == test->run_id, SECONDS);
  chk_assert_eventually_cmpstr (log_has_output (fixture), "both lines", SECONDS);

  /* Closed, as people do: then the app ends. */
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  chk_assert_eventually (fixture->window == NULL, SECONDS);
  g_application_quit (application);
  return G_SOURCE_REMOVE;
}

/* A notification's Show Log: org.freedesktop.Application.ActivateAction
 * ("show-run", [run]) on the app's bus name, as the daemon sends it, to an
 * app that the bus has just started (`--gapplication-service`), with no
 * window and no jobs yet: it opens the window on that run's job and output. */
static void
test_show_run_activation (Fixture       *fixture,
                          gconstpointer  data)
{
  char *argv[] = { (char *) "chroniker", (char *) "--gapplication-service", NULL };
  g_autofree char *outcome = NULL;
  ActivationTest test = { fixture, NULL, 0 };
  guint64 newer_run;
  int status;

  test.path = chk_test_create_job (fixture, "noisy",
                          "{'command': <['/bin/sh', '-c', 'echo hello from chroniker; "
                          "echo and from stderr >&2']>}");
  /* The older run: not the one a window would show by itself */
  test.run_id = chk_test_run_job (fixture, test.path);
  outcome = wait_for_outcome (fixture, test.path);
  newer_run = chk_test_run_job (fixture, test.path);
  g_free (outcome);
  outcome = wait_for_outcome (fixture, test.path);
  g_assert_cmpuint (newer_run, >, test.run_id);

  fixture->application = G_APPLICATION (chk_application_new ());
  g_idle_add (activation_test_cb, &test);
  status = g_application_run (fixture->application, G_N_ELEMENTS (argv) - 1, argv);
  g_assert_cmpint (status, ==, 0);
  g_free (test.path);
}

int
main (int   argc,
      char *argv[])
{
  const ChkTestFixtureCase tests[] = {
    { "/app/list/live-updates", test_list_live_updates },
    { "/app/list/enable-switch", test_list_enable_switch },
    { "/app/list/delete", test_list_delete },
    { "/app/list/search", test_list_search },
    { "/app/list/filters", test_list_filters },
    { "/app/list/empty", test_list_empty },
    { "/app/monitors/state", test_monitors_state },
    { "/app/monitors/empty", test_monitors_empty },
    { "/app/monitors/check-now", test_monitors_check_now },
    { "/app/editor/create", test_editor_create },
    { "/app/editor/invalid-schedule", test_editor_invalid_schedule },
    { "/app/editor/monitor-check", test_editor_monitor_check },
    { "/app/editor/invalid-email", test_editor_invalid_email },
    { "/app/editor/limits", test_editor_limits },
    { "/app/editor/limits-invalid", test_editor_limits_invalid },
    { "/app/preferences/test-email", test_preferences_test_email },
    { "/app/preferences/webhook", test_preferences_webhook },
    { "/app/page/check", test_page_check },
    { "/app/page/check-status", test_check_status_has_no_exit_code },
    { "/app/page/alert-error", test_page_alert_error },
    { "/app/page/limits", test_page_limits },
    { "/app/page/run-usage", test_page_run_usage },
    { "/app/page/run-message", test_page_run_message },
    { "/app/banner/storage-problem", test_banner_storage_problem },
    { "/app/run/output", test_run_output },
    { "/app/run/show-run-activation", test_show_run_activation },
    { "/app/daemon/restart", test_daemon_restart },
    { "/app/daemon/retry", test_daemon_retry },
    /* Last (its own suite): GTK 4.8 crashes when a destroyed editor outlives its parent */
    { "/app/quit/editor-open", test_quit_editor_open },
    { "/app/quit/daemon-keeps-running", test_quit_daemon_keeps_running },
  };
  const char *skip;

  chk_test_app_init (&argc, &argv);
  skip = chk_test_app_open_display ();

  g_test_add_func ("/app/page/usage-format", test_page_usage_format);
  g_test_add_func ("/app/format/outcomes", test_format_outcomes);
  if (skip == NULL)
    g_test_add_func ("/app/banner/show-hide", test_banner_show_hide);
  else
    g_test_add_data_func ("/app/banner/show-hide", skip, chk_test_skip_cb);

  chk_test_fixture_add_cases (tests, G_N_ELEMENTS (tests), skip);

  return g_test_run ();
}
