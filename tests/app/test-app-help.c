/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <adwaita.h>

#include "chk-application.h"
#include "chk-test-fixture.h"

/*
 * The Help action (F1, Help in the main menu) hands "help:APP_ID" to the
 * desktop's handler for help: URIs. The test's data directories stand in for
 * the system's: the system's own entries without its applications folder
 * (so that an installed yelp is not found), the source tree's help/C where
 * gnome.yelp() installs it (share/help/C/APP_ID), and, for the one case, a
 * fake help viewer registered for x-scheme-handler/help whose Exec is a
 * script that writes down what it was given and whether the help it names
 * is in a data directory, as yelp looks for it.
 *
 * GIO reads the data directories once per process: each case runs in a
 * subprocess of its own (the same ones, set up by main()), the viewer's
 * desktop file written before the app looks for a handler.
 */

#define SECONDS 20
#define ROOT_VAR "CHK_TEST_HELP_ROOT"

static const char viewer_script[] =
  "#!/bin/sh\n"
  "# A help viewer: writes down the URI and where its help is.\n"
  "id=${1#help:}\n"
  "where=none\n"
  "IFS=:\n"
  "for dir in $XDG_DATA_DIRS; do\n"
  "  if [ -f \"$dir/help/C/$id/index.page\" ]; then where=\"$dir/help/C/$id\"; break; fi\n"
  "done\n"
  "printf '%s\\n%s\\n' \"$1\" \"$where\" > \"$0.out.tmp\" && mv \"$0.out.tmp\" \"$0.out\"\n";

static char *root;

static char *
root_path (const char *name)
{
  return g_build_filename (root, name, NULL);
}

static void
write_file (const char *path,
            const char *contents,
            int         mode)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

/* @dir with a link to each entry of @system but its applications folder. */
static void
mirror_data_dir (const char *system,
                 const char *dir)
{
  g_autoptr(GDir) entries = g_dir_open (system, 0, NULL);
  const char *name;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  while (entries != NULL && (name = g_dir_read_name (entries)) != NULL)
    {
      g_autofree char *target = g_build_filename (system, name, NULL);
      g_autofree char *link = g_build_filename (dir, name, NULL);

      if (g_str_equal (name, "applications"))
        continue;
      if (symlink (target, link) != 0)
        g_error ("symlink %s: %s", link, g_strerror (errno));
    }
}

/* Once, in the parent: the data and config directories of every case. */
static void
make_root (void)
{
  const char *system_dirs = g_getenv ("XDG_DATA_DIRS");
  g_auto(GStrv) systems = NULL;
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *share = NULL;
  g_autofree char *help_dir = NULL;
  g_autofree char *help_link = NULL;
  g_autofree char *help_source = NULL;
  g_autofree char *data_dirs = NULL;
  g_autofree char *data_home = NULL;
  g_autofree char *config_home = NULL;

  root = chk_test_make_tmpdir ("chk-test-help-XXXXXX");
  data_home = root_path ("data-home");
  config_home = root_path ("config");
  share = root_path ("share");
  help_dir = g_build_filename (share, "help", "C", NULL);
  g_assert_cmpint (g_mkdir_with_parents (help_dir, 0700), ==, 0);
  help_link = g_build_filename (help_dir, APPLICATION_ID, NULL);
  help_source = g_test_build_filename (G_TEST_DIST, "..", "..", "help", "C", NULL);
  g_assert_true (g_file_test (help_source, G_FILE_TEST_IS_DIR));
  g_assert_cmpint (symlink (help_source, help_link), ==, 0);
  g_ptr_array_add (dirs, g_steal_pointer (&share));

  systems = g_strsplit (system_dirs != NULL && system_dirs[0] != '\0'
                          ? system_dirs : "/usr/local/share:/usr/share", ":", -1);
  for (guint i = 0; systems[i] != NULL; i++)
    {
      char *mirror = g_strdup_printf ("%s/system-%u", root, i);

      mirror_data_dir (systems[i], mirror);
      g_ptr_array_add (dirs, mirror);
    }
  g_ptr_array_add (dirs, NULL);
  data_dirs = g_strjoinv (":", (char **) dirs->pdata);

  g_setenv ("XDG_DATA_DIRS", data_dirs, TRUE);
  /* The developer's own handlers are not the test's */
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config_home, TRUE);
  g_setenv (ROOT_VAR, root, TRUE);
}

/* Registers the fake viewer; returns the file it will write. */
static char *
install_viewer (void)
{
  g_autofree char *applications = root_path ("share/applications");
  g_autofree char *script = root_path ("fake-help-viewer");
  g_autofree char *desktop = g_build_filename (applications, "fake-help-viewer.desktop", NULL);
  g_autofree char *mimeapps = g_build_filename (applications, "mimeapps.list", NULL);
  g_autofree char *entry = NULL;

  write_file (script, viewer_script, 0700);
  entry = g_strdup_printf ("[Desktop Entry]\nType=Application\nName=Fake Help Viewer\n"
                           "Exec=%s %%u\nMimeType=x-scheme-handler/help;\nNoDisplay=true\n",
                           script);
  g_assert_cmpint (g_mkdir_with_parents (applications, 0700), ==, 0);
  write_file (desktop, entry, 0600);
  write_file (mimeapps,
              "[Default Applications]\nx-scheme-handler/help=fake-help-viewer.desktop\n", 0600);
  return g_strconcat (script, ".out", NULL);
}

typedef struct
{
  ChkTestFixture *fixture;
  void          (*check) (ChkTestFixture *fixture);
} HelpTest;

/* Inside g_application_run(): F1's action, then the case's checks, then
 * the windows closed as people do, which ends the app. */
static gboolean
help_test_cb (gpointer user_data)
{
  HelpTest *test = user_data;

  GtkApplication *application = GTK_APPLICATION (test->fixture->application);
  ChkJobModel *model;

  g_action_group_activate_action (G_ACTION_GROUP (application), "help", NULL);
  test->check (test->fixture);

  /* The window the action opened is connected before it goes: a model
   * still connecting would do so after the test's bus is gone. */
  g_assert_nonnull (gtk_application_get_windows (application));
  model = chk_window_get_model (CHK_WINDOW (g_list_last (gtk_application_get_windows (
                                                          application))->data));
  chk_assert_eventually (chk_job_model_get_state (model) == CHK_JOB_MODEL_READY, SECONDS);

  for (GList *windows; (windows = gtk_application_get_windows (
                          GTK_APPLICATION (test->fixture->application))) != NULL;)
    gtk_window_destroy (windows->data);
  return G_SOURCE_REMOVE;
}

/* The app as it starts, with no window yet: the action makes one. */
static void
run_help_test (ChkTestFixture *fixture,
               void          (*check) (ChkTestFixture *fixture))
{
  char *argv[] = { (char *) "chroniker", (char *) "--gapplication-service", NULL };
  HelpTest test = { fixture, check };

  fixture->application = G_APPLICATION (chk_application_new ());
  g_idle_add (help_test_cb, &test);
  g_assert_cmpint (g_application_run (fixture->application, G_N_ELEMENTS (argv) - 1, argv),
                   ==, 0);
}

static AdwMessageDialog *
find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

static char *viewer_out;

static void
check_viewer (ChkTestFixture *fixture)
{
  g_autofree char *contents = NULL;
  g_autofree char *installed = g_build_filename (root, "share", "help", "C", APPLICATION_ID,
                                                 NULL);
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;

  chk_assert_eventually (g_file_test (viewer_out, G_FILE_TEST_EXISTS), SECONDS);

  g_file_get_contents (viewer_out, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  /* The installed help's id, and the viewer finds the help by it */
  g_assert_cmpstr (lines[0], ==, "help:io.github.chroniker.Chroniker");
  g_assert_cmpstr (lines[1], ==, installed);

  /* Opened: no message about it */
  chk_test_iterate (0.3);
  g_assert_null (find_message_dialog ());
}

static void
test_viewer_subprocess (ChkTestFixture *fixture,
                        gconstpointer   data)
{
  viewer_out = install_viewer ();
  run_help_test (fixture, check_viewer);
  g_clear_pointer (&viewer_out, g_free);
}

static void
check_no_viewer (ChkTestFixture *fixture)
{
  AdwMessageDialog *dialog;
  const char *body;

  chk_assert_eventually ((dialog = find_message_dialog ()) != NULL, SECONDS);

  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "No Help Viewer");
  body = adw_message_dialog_get_body (dialog);
  g_assert_nonnull (strstr (body, "Install the “yelp” package"));
  g_assert_null (strstr (body, "not supported"));
  g_assert_true (CHK_IS_WINDOW (gtk_window_get_transient_for (GTK_WINDOW (dialog))));
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_no_viewer_subprocess (ChkTestFixture *fixture,
                           gconstpointer   data)
{
  run_help_test (fixture, check_no_viewer);
}

static void
run_subprocess (gconstpointer path)
{
  g_autofree char *applications = root_path ("share/applications");

  /* An earlier case's viewer is not this one's */
  chk_test_remove_tree (applications);
  /* Nothing captured: the child's daemons would hold a pipe open after it
   * failed, and GLib waits for its end; a child prints nothing on stdout. */
  g_test_trap_subprocess (path, 120 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  const ChkTestFixtureCase cases[] = {
    { "/app/help/viewer/subprocess", test_viewer_subprocess },
    { "/app/help/no-viewer/subprocess", test_no_viewer_subprocess },
  };
  const char *skip;
  int status;

  chk_test_app_init (&argc, &argv);
  /* Before GTK, GIO or the session read the directories */
  if (g_test_subprocess ())
    root = g_strdup (g_getenv (ROOT_VAR));
  else
    make_root ();
  skip = chk_test_app_open_display ();

  chk_test_fixture_add_cases (cases, G_N_ELEMENTS (cases), skip);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strndup (cases[i].path, strlen (cases[i].path) -
                                                        strlen ("/subprocess"));

      if (skip != NULL)
        g_test_add_data_func (path, skip, chk_test_skip_cb);
      else
        g_test_add_data_func (path, cases[i].path, run_subprocess);
    }

  status = g_test_run ();
  if (!g_test_subprocess ())
    chk_test_remove_tree (root);
  g_free (root);
  return status;
}
