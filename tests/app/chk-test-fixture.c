/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-test-fixture"

#include "config.h"

#include <adwaita.h>

#include "chk-error.h"
#include "chk-job-page.h"
#include "chk-resources.h"
#include "chk-test-fixture.h"
#include "chk-test-widgets.h"

/*
 * The fixture of the app tests (see chk-test-fixture.h): setting up the
 * bus and the daemon, the window over them, the daemon looked at from
 * outside, and a teardown that fails on any reference leaked.
 */

/* How long the app has to follow a change, or to let go of an object:
 * far more than it should need. */
#define SECONDS 30

static gboolean
pointer_cleared_cb (gpointer user_data)
{
  return *(gpointer *) user_data == NULL;
}

/* Drops the reference @pointer holds and waits until @what is gone. */
static void
unref_and_wait (gpointer   *pointer,
                const char *what)
{
  if (*pointer == NULL)
    return;
  g_object_add_weak_pointer (G_OBJECT (*pointer), pointer);
  g_object_unref (*pointer);
  if (!chk_test_wait_until (pointer_cleared_cb, pointer, SECONDS))
    g_error ("The %s is still alive %d s after its windows: a reference leaked", what, SECONDS);
}

/* As people close them: the newest (a dialog) first, the main window last,
 * each one gone before the next (calls under way hold a window for a
 * moment; a leak holds it forever). */
static void
close_toplevels (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  while (g_list_model_get_n_items (toplevels) > 0)
    {
      guint last = g_list_model_get_n_items (toplevels) - 1;
      GtkWindow *window = g_list_model_get_item (toplevels, last);
      g_autofree char *name = g_strdup (G_OBJECT_TYPE_NAME (window));

      /* An application window's help overlay: its window holds it until it goes. */
      if (GTK_IS_SHORTCUTS_WINDOW (window) && gtk_window_get_transient_for (window) != NULL)
        {
          gtk_window_destroy (window);
          g_object_unref (window);
          continue;
        }

      g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
      gtk_window_destroy (window);
      g_object_unref (window);
      if (!chk_test_wait_until (pointer_cleared_cb, &window, SECONDS))
        g_error ("A %s is still alive %d s after it was destroyed: a reference leaked",
                 name, SECONDS);
    }
}

/**
 * chk_test_app_init:
 *
 * What an app test's main() does first, before any thread: keeps the
 * developer's desktop out (settings, portal, accessibility bus), then
 * g_test_init() and chk_test_session_init().
 */
void
chk_test_app_init (int    *argc,
                   char ***argv)
{
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("ADW_DISABLE_PORTAL", "1", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);

  g_test_init (argc, argv, NULL);
  chk_test_session_init ();
}

/**
 * chk_test_app_open_display:
 *
 * Registers the D-Bus errors (so that the daemon's come back as
 * %CHK_ERROR), opens the display and loads the app's resources. Without
 * a display to open the tests skip; with one that does not open they fail.
 *
 * Returns: (nullable): why the tests skip, or %NULL if they can run
 */
const char *
chk_test_app_open_display (void)
{
  gboolean opened;

  (void) chk_error_quark ();

  /* GTK asks the session bus for its portals as it starts. Not the one
   * this test runs under (a portal may be there, xdg-desktop-portal with
   * Flatpak), or GIO keeps that connection as the session bus, and the app
   * later talks to it instead of each test's own; and not none, or GIO
   * starts one through the display (CHK_TEST_NO_BUS_ADDRESS). From here
   * on, each session sets its own bus. */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", CHK_TEST_NO_BUS_ADDRESS, TRUE);
  opened = gtk_init_check ();

  if (!opened)
    {
      if (g_getenv ("DISPLAY") != NULL || g_getenv ("WAYLAND_DISPLAY") != NULL)
        g_error ("Cannot open the display");
      return "No display (run under xvfb-run, as build-aux/test does)";
    }
  adw_init ();
  chk_app_register_resource ();
  return NULL;
}

/**
 * chk_test_skip_cb:
 * @reason: why the test skips, a string
 *
 * A #GTestDataFunc that skips its test, for g_test_add_data_func().
 */
void
chk_test_skip_cb (gconstpointer reason)
{
  g_test_skip (reason);
}

/**
 * chk_test_fixture_add:
 * @setup: (nullable): the fixture's setup, or %NULL for chk_test_fixture_setup()
 * @skip: (nullable): why the test cannot run here, or %NULL to run it
 *
 * Adds the test @func at @path, with a #ChkTestFixture; a test that
 * cannot run is added too, as skipped with @skip.
 */
void
chk_test_fixture_add (const char         *path,
                      ChkTestFixtureFunc  setup,
                      ChkTestFixtureFunc  func,
                      const char         *skip)
{
  if (skip != NULL)
    g_test_add_data_func (path, skip, chk_test_skip_cb);
  else
    g_test_add (path, ChkTestFixture, NULL, setup != NULL ? setup : chk_test_fixture_setup, func,
                chk_test_fixture_teardown);
}

/**
 * chk_test_fixture_add_cases:
 * @cases: (array length=n_cases): the tests
 * @skip: (nullable): why the tests cannot run here, or %NULL to run them
 *
 * Adds each test of @cases with chk_test_fixture_add().
 */
void
chk_test_fixture_add_cases (const ChkTestFixtureCase *cases,
                            gsize                     n_cases,
                            const char               *skip)
{
  for (gsize i = 0; i < n_cases; i++)
    chk_test_fixture_add (cases[i].path, cases[i].setup, cases[i].func, skip);
}

/**
 * chk_test_fixture_setup:
 *
 * A private bus with chronikerd started on it: a #GTestFixtureFunc.
 */
void
chk_test_fixture_setup (ChkTestFixture *fixture,
                        gconstpointer   data)
{
  fixture->session = chk_test_session_new (TRUE);
  chk_test_session_start_daemon (fixture->session);
}

/**
 * chk_test_fixture_teardown:
 *
 * Closes every window, drops the application and the model and fails if
 * any of them, or the editor, outlives it; then ends the session.
 */
void
chk_test_fixture_teardown (ChkTestFixture *fixture,
                           gconstpointer   data)
{
  close_toplevels ();
  g_assert_null (fixture->window);
  /* Registered on the session's bus: gone before it is */
  unref_and_wait ((gpointer *) &fixture->application, "ChkApplication");
  /* An editor that closed itself may still be going */
  if (!chk_test_wait_until (pointer_cleared_cb, &fixture->editor, SECONDS))
    g_error ("The closed ChkJobEditor is still alive after %d s: a reference leaked", SECONDS);
  unref_and_wait ((gpointer *) &fixture->model, "ChkJobModel");

  chk_test_session_free (fixture->session);
}

/**
 * chk_test_fixture_open_window:
 * @width: the window's default width, or -1 for the app's own
 * @height: the window's default height, or -1 for the app's own
 *
 * The window as the app makes it, over the jobs the daemon has now, once
 * its model is ready and it is on screen.
 */
void
chk_test_fixture_open_window (ChkTestFixture *fixture,
                              int             width,
                              int             height)
{
  fixture->model = chk_job_model_new ();
  fixture->window = chk_window_new (NULL, fixture->model);
  g_object_add_weak_pointer (G_OBJECT (fixture->window), (gpointer *) &fixture->window);
  if (width > 0 || height > 0)
    gtk_window_set_default_size (GTK_WINDOW (fixture->window), width, height);
  gtk_window_present (GTK_WINDOW (fixture->window));
  chk_job_model_connect (fixture->model);

  chk_assert_eventually (chk_job_model_get_state (fixture->model) == CHK_JOB_MODEL_READY ||
                         chk_job_model_get_state (fixture->model) == CHK_JOB_MODEL_FAILED,
                         SECONDS);
  if (chk_job_model_get_state (fixture->model) == CHK_JOB_MODEL_FAILED)
    g_error ("The app could not reach chronikerd: %s",
             chk_job_model_get_error (fixture->model)->message);
  g_assert_cmpint (chk_job_model_get_state (fixture->model), ==, CHK_JOB_MODEL_READY);
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (fixture->window)), SECONDS);
}

/**
 * chk_test_fixture_open_editor:
 * @job_path: (nullable): the object path of the job to edit, or %NULL for a
 *   new job
 *
 * The job editor as the app makes it, over a model of its own once it is
 * ready (and knows the job), once the editor is on screen.
 */
void
chk_test_fixture_open_editor (ChkTestFixture *fixture,
                              const char     *job_path)
{
  ChkJob1 *job = NULL;

  fixture->model = chk_job_model_new ();
  chk_job_model_connect (fixture->model);
  chk_assert_eventually (chk_job_model_get_state (fixture->model) == CHK_JOB_MODEL_READY, SECONDS);
  if (job_path != NULL)
    chk_assert_eventually ((job = chk_job_model_lookup (fixture->model, job_path)) != NULL,
                           SECONDS);

  fixture->editor = chk_job_editor_new (NULL, fixture->model, job, FALSE);
  g_object_add_weak_pointer (G_OBJECT (fixture->editor), (gpointer *) &fixture->editor);
  gtk_window_present (GTK_WINDOW (fixture->editor));
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (fixture->editor)), SECONDS);
}

/**
 * chk_test_fixture_open_job_editor:
 * @job_path: the object path of the job to edit
 *
 * The editor of a job, as Edit opens it from the window (which must be
 * open), over the window's model, once it is on screen.
 *
 * Returns: (transfer none): the editor, also @fixture's
 */
ChkJobEditor *
chk_test_fixture_open_job_editor (ChkTestFixture *fixture,
                                  const char     *job_path)
{
  ChkJob1 *job;

  chk_assert_eventually (chk_job_model_lookup (fixture->model, job_path) != NULL, SECONDS);
  job = chk_job_model_lookup (fixture->model, job_path);
  fixture->editor = chk_job_editor_new (GTK_WINDOW (fixture->window), fixture->model, job, FALSE);
  g_object_add_weak_pointer (G_OBJECT (fixture->editor), (gpointer *) &fixture->editor);
  gtk_window_present (GTK_WINDOW (fixture->editor));
  chk_assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (fixture->editor)), SECONDS);
  return fixture->editor;
}

/**
 * chk_test_fixture_show_job:
 * @job_path: the object path of a job
 * @tab: the page's tab to show: "runs" or "details"
 *
 * Selects the job in the window (which must be open) and shows @tab of its
 * page, once it is on screen.
 *
 * Returns: (transfer none): the job page
 */
gpointer
chk_test_fixture_show_job (ChkTestFixture *fixture,
                           const char     *job_path,
                           const char     *tab)
{
  ChkJobPage *page = chk_test_find_widget (fixture->window, CHK_TYPE_JOB_PAGE);
  AdwViewStack *stack = chk_test_find_widget (page, ADW_TYPE_VIEW_STACK);
  ChkJob1 *job;

  chk_assert_eventually (chk_job_model_lookup (fixture->model, job_path) != NULL, SECONDS);
  job = chk_job_model_lookup (fixture->model, job_path);
  chk_window_select_job (fixture->window, job);
  chk_assert_eventually (chk_job_page_get_job (page) == job, SECONDS);
  adw_view_stack_set_visible_child_name (stack, tab);
  chk_assert_eventually (adw_view_stack_get_child_by_name (stack, tab) != NULL &&
                         gtk_widget_get_mapped (adw_view_stack_get_child_by_name (stack, tab)),
                         SECONDS);
  return page;
}

/**
 * chk_test_create_job:
 * @extra: (nullable): more keys of the spec, as a{sv} in GVariant text
 *
 * Creates a job called @name through the bus: it runs /bin/true unless
 * @extra says what it runs or checks.
 *
 * Returns: the job's object path
 */
char *
chk_test_create_job (ChkTestFixture *fixture,
                     const char     *name,
                     const char     *extra)
{
  g_autoptr(GVariant) extra_spec = g_variant_ref_sink (g_variant_new_parsed (extra ? extra
                                                                                  : "@a{sv} {}"));
  g_auto(GVariantDict) spec = G_VARIANT_DICT_INIT (extra_spec);

  g_variant_dict_insert (&spec, "name", "s", name);
  if (!g_variant_dict_contains (&spec, "command") && !g_variant_dict_contains (&spec, "shell") &&
      !g_variant_dict_contains (&spec, "check-url"))
    g_variant_dict_insert_value (&spec, "command", g_variant_new_parsed ("['/bin/true']"));
  return chk_test_session_create_job (fixture->session, g_variant_dict_end (&spec));
}

/**
 * chk_test_job_string:
 *
 * Returns: the string property @property of the job at @path, as the bus has it
 */
char *
chk_test_job_string (ChkTestFixture *fixture,
                     const char     *path,
                     const char     *property)
{
  g_autoptr(GVariant) value = chk_test_session_job_property (fixture->session, path, property);

  return g_variant_dup_string (value, NULL);
}

/**
 * chk_test_job_bool:
 *
 * Returns: the boolean property @property of the job at @path, as the bus has it
 */
gboolean
chk_test_job_bool (ChkTestFixture *fixture,
                   const char     *path,
                   const char     *property)
{
  g_autoptr(GVariant) value = chk_test_session_job_property (fixture->session, path, property);

  return g_variant_get_boolean (value);
}

/**
 * chk_test_job_int:
 *
 * Returns: the integer property @property of the job at @path, as the bus
 *   has it: a uint32, int64 or uint64 (within the range of an int64)
 */
gint64
chk_test_job_int (ChkTestFixture *fixture,
                  const char     *path,
                  const char     *property)
{
  g_autoptr(GVariant) value = chk_test_session_job_property (fixture->session, path, property);

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    return g_variant_get_uint32 (value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    return g_variant_get_int64 (value);
  g_assert_cmpuint (g_variant_get_uint64 (value), <=, G_MAXINT64);
  return g_variant_get_uint64 (value);
}

/**
 * chk_test_list_runs:
 *
 * Returns: every run of the job at @path as ListRuns gives them: an aa{sv}
 */
GVariant *
chk_test_list_runs (ChkTestFixture *fixture,
                    const char     *path)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = chk_test_session_call (fixture->session, path, CHK_TEST_JOB1, "ListRuns",
                                 g_variant_new ("(uu)", 0, 0), "(aa{sv})", &error);
  g_assert_no_error (error);
  return g_variant_get_child_value (reply, 0);
}

/**
 * chk_test_set_settings:
 * @changes: the settings to change, as a{sv} in GVariant text
 *
 * Changes the daemon's settings through the bus; fails the test if it refuses.
 */
void
chk_test_set_settings (ChkTestFixture *fixture,
                       const char     *changes)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  GVariant *arguments = g_variant_new_parsed (changes);

  reply = chk_test_session_call (fixture->session, CHK_TEST_MANAGER_PATH, CHK_TEST_SCHEDULER1,
                                 "SetSettings", g_variant_new_tuple (&arguments, 1), NULL, &error);
  g_assert_no_error (error);
}

/**
 * chk_test_get_settings:
 *
 * Returns: the daemon's settings, as GetSettings gives them: an a{sv}
 */
GVariant *
chk_test_get_settings (ChkTestFixture *fixture)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = chk_test_session_call (fixture->session, CHK_TEST_MANAGER_PATH, CHK_TEST_SCHEDULER1,
                                 "GetSettings", NULL, "(a{sv})", &error);
  g_assert_no_error (error);
  return g_variant_get_child_value (reply, 0);
}

/**
 * chk_test_lookup_job:
 *
 * Returns: (nullable): the object path of the job called @name, or %NULL
 */
char *
chk_test_lookup_job (ChkTestFixture *fixture,
                     const char     *name)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  char *path = NULL;

  reply = chk_test_session_call (fixture->session, CHK_TEST_MANAGER_PATH, CHK_TEST_SCHEDULER1,
                                 "GetJobByName", g_variant_new ("(s)", name), "(o)", &error);
  if (reply == NULL)
    {
      g_assert_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND);
      return NULL;
    }
  g_variant_get (reply, "(o)", &path);
  return path;
}

/**
 * chk_test_run_job:
 *
 * Runs the job at @path through the bus.
 *
 * Returns: the run's id
 */
guint64
chk_test_run_job (ChkTestFixture *fixture,
                  const char     *path)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint64 run_id = 0;

  reply = chk_test_session_call (fixture->session, path, CHK_TEST_JOB1, "Run", NULL, "(t)", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(t)", &run_id);
  return run_id;
}
