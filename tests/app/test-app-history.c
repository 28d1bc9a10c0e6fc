/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-app-history"

#include "config.h"

#include <glib/gstdio.h>

#include <adwaita.h>

#include "chk-duration-graph.h"
#include "chk-history-view.h"
#include "chk-job-editor.h"
#include "chk-job-model.h"
#include "chk-job-page.h"
#include "chk-job-page-private.h"
#include "chk-run-calendar.h"
#include "chk-run-timeline-private.h"
#include "chk-test-fixture.h"
#include "chk-test-session.h"
#include "chk-test-widgets.h"
#include "chk-window.h"

/*
 * DESIGN §7's watching over time in the app, against the real chronikerd
 * on a private bus: the job page's graph of durations and its snooze, a
 * run that goes past its expected duration, the editor's Expected Duration
 * and Alert After, and the History page's calendar of runs and timeline of
 * the next 24 hours.
 */

#define SECONDS 30

typedef ChkTestFixture Fixture;

/* The outcome of the run @run_id of the job at @path, "" while unknown */
static char *
run_outcome (Fixture    *fixture,
             const char *path,
             guint64     run_id)
{
  g_autoptr(GVariant) runs = chk_test_list_runs (fixture, path);

  for (gsize i = 0; i < g_variant_n_children (runs); i++)
    {
      g_autoptr(GVariant) run = g_variant_get_child_value (runs, i);
      const char *outcome = "";
      guint64 id = 0;

      g_variant_lookup (run, "id", "t", &id);
      g_variant_lookup (run, "outcome", "&s", &outcome);
      if (id == run_id)
        return g_strdup (outcome);
    }
  return g_strdup ("");
}

/* Runs the job and waits for the run to end as @outcome */
static guint64
run_and_wait (Fixture    *fixture,
              const char *path,
              const char *outcome)
{
  guint64 run_id;

  /* One run at a time: the one before may still be finishing */
  chk_assert_eventually (!chk_test_job_bool (fixture, path, "Running"), SECONDS);
  run_id = chk_test_run_job (fixture, path);
  chk_assert_eventually_cmpstr (run_outcome (fixture, path, run_id), outcome, SECONDS);
  return run_id;
}

/* The graph's bars, oldest first: "success,failure" */
static char *
bar_outcomes (ChkDurationGraph *graph)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < chk_duration_graph_get_n_bars (graph); i++)
    {
      const char *outcome = NULL;

      chk_duration_graph_get_bar_run (graph, i, &outcome, NULL);
      g_string_append_printf (text, "%s%s", i > 0 ? "," : "", outcome);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* ---------------------------------------------------------------------------
 * Tests */

/* The graph has a bar per run that ended, in its outcome's colour, a
 * summary of them, follows new runs without drawing again when nothing
 * changed, and a bar opens its run. */
static void
test_duration_graph (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *dir = g_dir_make_tmp ("chk-history-XXXXXX", NULL);
  g_autofree char *flag = g_build_filename (dir, "fail", NULL);
  g_autofree char *spec = g_strdup_printf ("{'shell': <'test -e %s && exit 3; exit 0'>}", flag);
  g_autofree char *path = chk_test_create_job (fixture, "mixed", spec);
  g_autofree char *prefix = NULL;
  AdwViewStack *stack;
  ChkDurationGraph *graph;
  ChkJobPage *page;
  guint64 first, failed;
  guint draws;

  first = run_and_wait (fixture, path, "success");
  run_and_wait (fixture, path, "success");
  g_assert_true (g_file_set_contents (flag, "", 0, NULL));
  failed = run_and_wait (fixture, path, "failure");

  chk_test_fixture_open_window (fixture, 1100, 800);
  page = chk_test_fixture_show_job (fixture, path, "details");
  stack = chk_test_find_widget (page, ADW_TYPE_VIEW_STACK);
  graph = chk_test_find_widget (page, CHK_TYPE_DURATION_GRAPH);
  chk_assert_eventually_cmpstr (bar_outcomes (graph), "success,success,failure", SECONDS);
  g_assert_true (g_str_has_prefix (chk_duration_graph_get_summary (graph),
                                   "Last 3 runs: 2 succeeded, 1 failed; median "));
  /* The group says it too */
  g_assert_nonnull (chk_test_find_label_containing (page, "Last 3 runs: 2 succeeded, 1 failed"));
  /* The label under it says the newest run, until another is focused */
  prefix = g_strdup_printf ("Run %" G_GUINT64_FORMAT " · ", failed);
  g_assert_true (g_str_has_prefix (chk_duration_graph_get_selected_text (graph), prefix));
  g_assert_true (g_str_has_suffix (chk_duration_graph_get_selected_text (graph), " · Failed"));
  chk_duration_graph_select (graph, 0);
  g_clear_pointer (&prefix, g_free);
  prefix = g_strdup_printf ("Run %" G_GUINT64_FORMAT " · ", first);
  g_assert_true (g_str_has_prefix (chk_duration_graph_get_selected_text (graph), prefix));
  g_assert_true (g_str_has_suffix (chk_duration_graph_get_selected_text (graph), " · Succeeded"));

  /* Read again with nothing new: not drawn again */
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (graph)) &&
                         chk_duration_graph_get_n_draws (graph) > 0, SECONDS);
  chk_test_iterate (0.5);
  draws = chk_duration_graph_get_n_draws (graph);
  chk_duration_graph_reload (graph);
  chk_test_iterate (1.0);
  g_assert_cmpuint (chk_duration_graph_get_n_draws (graph), ==, draws);

  /* A new run is followed (RunFinished) and drawn */
  g_assert_cmpint (g_remove (flag), ==, 0);
  run_and_wait (fixture, path, "success");
  chk_assert_eventually_cmpstr (bar_outcomes (graph), "success,success,failure,success", SECONDS);
  chk_assert_eventually (chk_duration_graph_get_n_draws (graph) > draws, SECONDS);

  /* A bar opens its run on the Runs tab */
  g_signal_emit_by_name (graph, "run-activated", first);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "runs");
  g_clear_pointer (&prefix, g_free);
  prefix = g_strdup_printf ("Run %" G_GUINT64_FORMAT ", started ", first);
  chk_assert_eventually (chk_test_find_label_containing (page, prefix) != NULL, SECONDS);
  g_rmdir (dir);
}

/* Snooze Alerts sets SnoozedUntil, the page says until when, and End
 * Snooze sets it back to 0. */
static void
test_snooze (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "noisy", NULL);
  gint64 before = g_get_real_time ();
  GtkWidget *end;
  ChkJobPage *page;

  chk_test_fixture_open_window (fixture, 1100, 800);
  page = chk_test_fixture_show_job (fixture, path, "runs");
  g_assert_nonnull (chk_test_find_widget (page, GTK_TYPE_MENU_BUTTON));
  gtk_widget_activate_action (GTK_WIDGET (page), "job-page.snooze", "x", (gint64) 3600);
  chk_assert_eventually (chk_test_job_int (fixture, path, "SnoozedUntil") >=
                         before + (gint64) 3600 * G_USEC_PER_SEC, SECONDS);
  g_assert_cmpint (chk_test_job_int (fixture, path, "SnoozedUntil"), <=,
                   g_get_real_time () + (gint64) 3600 * G_USEC_PER_SEC);
  chk_assert_eventually (chk_test_find_label_containing (page, "Alerts snoozed until ")
                         != NULL, SECONDS);

  end = chk_test_find_button (page, GTK_TYPE_BUTTON, "End Snooze");
  g_assert_nonnull (end);
  chk_assert_eventually (gtk_widget_get_mapped (end), SECONDS);
  chk_test_click (end);
  chk_assert_eventually (chk_test_job_int (fixture, path, "SnoozedUntil") == 0, SECONDS);
  chk_assert_eventually (!gtk_widget_get_mapped (end), SECONDS);
}

/* A run past its expected duration says so on the page */
static void
test_running_long (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "slow",
                                               "{'command': <['sleep', '30']>, "
                                               "'expected-duration': <@u 1>}");
  GtkLabel *status;
  ChkJobPage *page;

  chk_test_fixture_open_window (fixture, 1100, 800);
  page = chk_test_fixture_show_job (fixture, path, "runs");
  chk_test_run_job (fixture, path);
  chk_assert_eventually (chk_test_job_bool (fixture, path, "Running"), SECONDS);
  chk_assert_eventually (chk_test_find_label_containing (page, "Running longer than expected (")
                         != NULL, SECONDS);
  status = chk_test_find_label_containing (page, "Running longer than expected (");
  g_assert_true (g_str_has_suffix (gtk_label_get_text (status), " of 1 s)"));
  chk_test_session_call (fixture->session, path, CHK_TEST_JOB1, "Stop", NULL, NULL, NULL);
  chk_assert_eventually (!chk_test_job_bool (fixture, path, "Running"), SECONDS);
}

/* Always ready at GTK's drawing priority: a window that draws every frame
 * and takes longer than a frame to draw each, as a spinner on a busy machine */
static gboolean
busy_frames_cb (gpointer user_data)
{
  guint *n_frames = user_data;

  (*n_frames)++;
  return G_SOURCE_CONTINUE;
}

/* The page's status follows the job while the window draws all the time */
static void
test_busy_frames (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "slow",
                                               "{'command': <['sleep', '30']>}");
  ChkJobPage *page;
  guint n_refreshes;
  guint n_frames = 0;
  guint busy;

  chk_test_fixture_open_window (fixture, 1100, 800);
  page = chk_test_fixture_show_job (fixture, path, "runs");
  chk_assert_eventually (chk_test_find_label_containing (page, "Never run") != NULL ||
                         chk_test_find_label_containing (page, "Manual only") != NULL, SECONDS);
  n_refreshes = _chk_job_page_get_n_refreshes (page);

  busy = g_idle_add_full (GDK_PRIORITY_REDRAW, busy_frames_cb, &n_frames, NULL);
  /* Drawing all the time from now on, before the job starts */
  chk_assert_eventually (n_frames > 0, SECONDS);
  chk_test_run_job (fixture, path);
  chk_assert_eventually (chk_test_find_label_containing (page, "Running") != NULL, SECONDS);
  /* The change queued a refresh, an idle: it ran */
  chk_assert_eventually (_chk_job_page_get_n_refreshes (page) > n_refreshes, SECONDS);
  g_source_remove (busy);

  chk_test_session_call (fixture->session, path, CHK_TEST_JOB1, "Stop", NULL, NULL, NULL);
  chk_assert_eventually (!chk_test_job_bool (fixture, path, "Running"), SECONDS);
}

/* The editor's Expected Duration and Alert After are saved */
static void
test_editor_watching (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "watched", NULL);
  AdwActionRow *row;
  GtkWidget *save;

  chk_test_fixture_open_window (fixture, 1100, 800);
  chk_test_fixture_open_job_editor (fixture, path);
  gtk_editable_set_text (GTK_EDITABLE (chk_test_find_entry_row (
                           fixture->editor, "Expected Duration (such as 10 min)")),
                         "10 min");
  row = chk_test_find_row (fixture->editor, ADW_TYPE_ACTION_ROW, "Alert After");
  g_assert_nonnull (row);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (adw_action_row_get_activatable_widget (row)), 3);

  save = chk_test_find_button (fixture->editor, GTK_TYPE_BUTTON, "Save");
  chk_assert_eventually (gtk_widget_is_sensitive (save), SECONDS);
  chk_test_click (save);
  chk_assert_eventually (fixture->editor == NULL, SECONDS);
  g_assert_cmpint (chk_test_job_int (fixture, path, "ExpectedDuration"), ==, 600);
  g_assert_cmpint (chk_test_job_int (fixture, path, "AlertAfterFailures"), ==, 3);

  /* Opened again, it shows them */
  chk_test_fixture_open_job_editor (fixture, path);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (chk_test_find_entry_row (
                     fixture->editor, "Expected Duration (such as 10 min)"))), ==, "10m");
  row = chk_test_find_row (fixture->editor, ADW_TYPE_ACTION_ROW, "Alert After");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (
                     GTK_SPIN_BUTTON (adw_action_row_get_activatable_widget (row))), ==, 3);
  gtk_window_destroy (GTK_WINDOW (fixture->editor));
  chk_assert_eventually (fixture->editor == NULL, SECONDS);
}

/* Today's square counts today's runs and failures, and follows new runs;
 * yesterday's has none. */
static void
test_calendar (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *ok = chk_test_create_job (fixture, "ok", NULL);
  g_autofree char *bad = chk_test_create_job (fixture, "bad", "{'command': <['/bin/false']>}");
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%A %-d %B");
  g_autofree char *expected = g_strdup_printf ("%s: 3 runs, 1 failed", date);
  ChkHistoryView *view;
  ChkRunCalendar *calendar;
  GtkWidget *today;
  guint n_days;

  run_and_wait (fixture, ok, "success");
  run_and_wait (fixture, ok, "success");
  run_and_wait (fixture, bad, "failure");

  chk_test_fixture_open_window (fixture, 1100, 800);
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.show-history", NULL);
  view = chk_test_find_widget (fixture->window, CHK_TYPE_HISTORY_VIEW);
  calendar = chk_history_view_get_calendar (view);
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (view)) &&
                         chk_history_view_get_n_loads (view) > 0, SECONDS);

  n_days = chk_run_calendar_n_days (now);
  g_assert_cmpuint (chk_run_calendar_get_n_cells (calendar), ==, n_days);
  g_assert_cmpuint (n_days, >, 7 * (CHK_RUN_CALENDAR_WEEKS - 1));
  today = chk_run_calendar_get_cell (calendar, n_days - 1);
  g_assert_cmpstr (chk_run_calendar_cell_label (today), ==, expected);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (today), ==, expected);
  /* A third failed: the second shade of red of four */
  g_assert_cmpstr (chk_run_calendar_cell_level (today), ==, "failed-2");
  g_assert_true (gtk_widget_has_css_class (today, "failed-2"));
  g_assert_true (g_str_has_suffix (chk_run_calendar_cell_label (
                                     chk_run_calendar_get_cell (calendar, n_days - 2)),
                                   ": no runs"));
  g_assert_cmpstr (chk_run_calendar_cell_level (chk_run_calendar_get_cell (calendar, n_days - 2)),
                   ==, "none");
  /* Today is the grid's one Tab stop */
  g_assert_true (gtk_widget_get_focusable (today));
  g_assert_false (gtk_widget_get_focusable (chk_run_calendar_get_cell (calendar, 0)));

  /* A new run is counted once it ends */
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("%s: 4 runs, 1 failed", date);
  run_and_wait (fixture, ok, "success");
  chk_assert_eventually_cmpstr (g_strdup (chk_run_calendar_cell_label (today)), expected, SECONDS);
}

/* A daily cron line at @time's local hour and minute */
static char *
daily_at (GDateTime *time,
          gboolean   enabled)
{
  return g_strdup_printf ("{'schedule': <'%d %d * * *'>, 'enabled': <%s>}",
                          g_date_time_get_minute (time), g_date_time_get_hour (time),
                          enabled ? "true" : "false");
}

/* The timeline has a lane per enabled job with runs in the next 24 hours,
 * a mark per run, flags runs of several jobs at once, counts them in the
 * group's description, and follows a job that changes. */
static void
test_timeline (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) soon = g_date_time_add_minutes (now, 150);
  g_autoptr(GDateTime) later = g_date_time_add_minutes (now, 300);
  g_autofree char *at_soon = g_date_time_format (soon, "%H:%M");
  g_autofree char *at_later = g_date_time_format (later, "%H:%M");
  g_autofree char *alpha_spec = daily_at (soon, TRUE);
  g_autofree char *beta_spec = daily_at (soon, TRUE);
  g_autofree char *gamma_spec = daily_at (later, TRUE);
  g_autofree char *off_spec = daily_at (soon, FALSE);
  g_autofree char *alpha = chk_test_create_job (fixture, "alpha", alpha_spec);
  g_autofree char *beta = chk_test_create_job (fixture, "beta", beta_spec);
  g_autofree char *gamma = chk_test_create_job (fixture, "gamma", gamma_spec);
  g_autofree char *off = chk_test_create_job (fixture, "off", off_spec);
  g_autofree char *expected = g_strdup_printf ("alpha:%s!,beta:%s!,gamma:%s", at_soon, at_soon,
                                               at_later);
  g_autofree char *selected = g_strdup_printf ("alpha at %s, at once with 1 other job", at_soon);
  ChkHistoryView *view;
  ChkRunTimeline *timeline;

  chk_test_fixture_open_window (fixture, 1100, 800);
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.show-history", NULL);
  view = chk_test_find_widget (fixture->window, CHK_TYPE_HISTORY_VIEW);
  timeline = chk_history_view_get_timeline (view);
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (timeline)), SECONDS);

  /* The two at once first (by name), the disabled one nowhere */
  chk_assert_eventually_cmpstr (_chk_run_timeline_describe (timeline), expected, SECONDS);
  g_assert_cmpstr (chk_run_timeline_get_summary (timeline), ==,
                   "3 runs of 3 jobs in the next 24 hours; 1 time with several at once");
  g_assert_nonnull (chk_test_find_label_containing (view, "3 runs of 3 jobs in the next 24 hours"));
  /* One Tab stop; the run focused is said under it */
  g_assert_true (gtk_widget_get_focusable (GTK_WIDGET (timeline)));
  g_assert_cmpstr (chk_run_timeline_get_selected_text (timeline), ==, selected);
  g_assert_nonnull (chk_test_find_label_containing (view, selected));
  _chk_run_timeline_select (timeline, 2, 0);
  g_clear_pointer (&selected, g_free);
  selected = g_strdup_printf ("gamma at %s", at_later);
  g_assert_cmpstr (chk_run_timeline_get_selected_text (timeline), ==, selected);

  /* Disabled, beta leaves; alpha then runs alone */
  chk_test_session_job_call (fixture->session, beta, "Update",
                             g_variant_new_parsed ("({'enabled': <false>},)"));
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("alpha:%s,gamma:%s", at_soon, at_later);
  chk_assert_eventually_cmpstr (_chk_run_timeline_describe (timeline), expected, SECONDS);
  g_assert_cmpstr (chk_run_timeline_get_summary (timeline), ==,
                   "2 runs of 2 jobs in the next 24 hours");
  /* gamma stays focused */
  g_assert_cmpstr (chk_run_timeline_get_selected_text (timeline), ==, selected);
}

int
main (int   argc,
      char *argv[])
{
  const ChkTestFixtureCase tests[] = {
    { "/app/history/duration-graph", test_duration_graph },
    { "/app/history/snooze", test_snooze },
    { "/app/history/running-long", test_running_long },
    { "/app/history/busy-frames", test_busy_frames },
    { "/app/history/editor", test_editor_watching },
    { "/app/history/calendar", test_calendar },
    { "/app/history/timeline", test_timeline },
  };
  const char *skip;

  chk_test_app_init (&argc, &argv);
  skip = chk_test_app_open_display ();
  chk_test_fixture_add_cases (tests, G_N_ELEMENTS (tests), skip);
  return g_test_run ();
}
