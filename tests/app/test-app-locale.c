/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-app-locale"

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "chk-error.h"
#include "chk-job-editor.h"
#include "chk-job-model.h"
#include "chk-resources.h"
#include "chk-test-fixture.h"
#include "chk-test-session.h"
#include "chk-test-widgets.h"

/*
 * The job editor against a chronikerd that speaks another language: the
 * made-up "xx" of tests/app/po/xx.po, whose catalog meson compiles beside
 * this test. The daemon finds it through CHK_LOCALEDIR and LANGUAGE; the
 * editor must still show each of its refusals under the field it is about,
 * which only the key outside the translated text tells (chk_error_get_key()).
 * The translations name other fields' English words, so that routing by
 * the text would go wrong.
 */

#define SECONDS 20
/* What every translation in xx.po starts with */
#define XX "XX "

typedef ChkTestFixture Fixture;

/* The mapped label under @root that shows a message in xx, or NULL */
static GtkWidget *
find_xx_label (gpointer root)
{
  g_autoptr(GPtrArray) labels = chk_test_find_widgets (root, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    {
      if (gtk_widget_get_mapped (labels->pdata[i]) &&
          strstr (gtk_label_get_text (labels->pdata[i]), XX) != NULL)
        return labels->pdata[i];
    }
  return NULL;
}

static GtkWidget *
group_of (GtkWidget *widget)
{
  return gtk_widget_get_ancestor (widget, ADW_TYPE_PREFERENCES_GROUP);
}

/* The message shows under @row's group, @row has the error style and
 * @other (a field of another group) has not. */
static void
assert_error_on (Fixture    *fixture,
                 GtkWidget  *row,
                 GtkWidget  *other,
                 const char *english)
{
  GtkWidget *label;

  chk_assert_eventually ((label = find_xx_label (fixture->editor)) != NULL, SECONDS);
  g_test_message ("shown: %s", gtk_label_get_text (GTK_LABEL (label)));
  g_assert_null (strstr (gtk_label_get_text (GTK_LABEL (label)), english));
  g_assert_true (group_of (label) == group_of (row));
  chk_assert_eventually (gtk_widget_has_css_class (row, "error"), SECONDS);
  g_assert_false (gtk_widget_has_css_class (other, "error"));
}

/* The job editor over a ready model, on screen */
static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  chk_test_fixture_setup (fixture, data);
  chk_test_fixture_open_editor (fixture, NULL);
}

/* The daemon does speak xx, and keeps the key outside it: else the
 * tests below prove nothing. */
static void
test_daemon_translates (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;

  reply = chk_test_session_call (fixture->session, CHK_TEST_MANAGER_PATH, CHK_TEST_SCHEDULER1,
                                 "PreviewSchedule",
                                 g_variant_new ("(ssxu)", "* * * * *", "Nowhere/Zone", (gint64) 0, 1),
                                 "(sax)", &error);
  g_assert_null (reply);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_SCHEDULE);
  g_test_message ("chronikerd: %s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "timezone: " XX));
  key = chk_error_get_key (error);
  g_assert_cmpstr (key, ==, "timezone");
}

/* A name the daemon refuses shows under the General group, on the name. */
static void
test_editor_name (Fixture       *fixture,
                  gconstpointer  data)
{
  GtkWidget *name_row = chk_test_find_entry_row (fixture->editor, "Name");
  GtkWidget *program_row = chk_test_find_entry_row (fixture->editor, "Program");

  /* All digits: the editor lets it through, the daemon refuses it. */
  gtk_editable_set_text (GTK_EDITABLE (name_row), "1234");
  gtk_editable_set_text (GTK_EDITABLE (program_row), "/bin/true");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->editor), "editor.save", NULL));

  assert_error_on (fixture, name_row, program_row, "all digits");
  g_assert_nonnull (fixture->editor);
}

/* A schedule the daemon refuses, as it is typed, shows under the
 * Schedule group, on the schedule. */
static void
test_editor_schedule (Fixture       *fixture,
                      gconstpointer  data)
{
  GtkWidget *name_row = chk_test_find_entry_row (fixture->editor, "Name");
  GtkWidget *schedule_row = chk_test_find_entry_row (fixture->editor, "Schedule");

  gtk_editable_set_text (GTK_EDITABLE (name_row), "minutely");
  chk_test_select_combo_item (fixture->editor, "Repeat", "Custom");
  chk_assert_eventually (gtk_widget_get_mapped (schedule_row), SECONDS);
  gtk_editable_set_text (GTK_EDITABLE (schedule_row), "61 * * * *");

  assert_error_on (fixture, schedule_row, name_row, "out of range");
}

int
main (int   argc,
      char *argv[])
{
  const ChkTestFixtureCase tests[] = {
    { "/app/locale/daemon-translates", test_daemon_translates, fixture_setup },
    { "/app/locale/editor-name", test_editor_name, fixture_setup },
    { "/app/locale/editor-schedule", test_editor_schedule, fixture_setup },
  };
  g_autofree char *localedir = NULL;
  g_autofree char *messages = NULL;
  g_autofree char *catalog = NULL;
  g_autofree char *mo = NULL;
  g_autofree char *built = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *skip;
  int status;

  chk_test_app_init (&argc, &argv);

  /* <dir>/xx/LC_MESSAGES/chroniker.mo, from the catalog meson compiled */
  built = g_test_build_filename (G_TEST_BUILT, "xx.mo", NULL);
  if (!g_file_get_contents (built, &mo, &length, &error))
    g_error ("No test catalog: %s", error->message);
  localedir = g_dir_make_tmp ("chk-locale-XXXXXX", &error);
  g_assert_no_error (error);
  messages = g_build_filename (localedir, "xx", "LC_MESSAGES", NULL);
  g_assert_cmpint (g_mkdir_with_parents (messages, 0700), ==, 0);
  catalog = g_build_filename (messages, GETTEXT_PACKAGE ".mo", NULL);
  g_file_set_contents (catalog, mo, length, &error);
  g_assert_no_error (error);

  /* For the daemon each test starts; under LC_ALL=C.UTF-8, glibc still reads LANGUAGE. */
  g_setenv ("CHK_LOCALEDIR", localedir, TRUE);
  g_setenv ("LANGUAGE", "xx", TRUE);

  skip = chk_test_app_open_display ();

  chk_test_fixture_add_cases (tests, G_N_ELEMENTS (tests), skip);

  status = g_test_run ();

  g_unlink (catalog);
  g_rmdir (messages);
  g_clear_pointer (&messages, g_free);
  messages = g_build_filename (localedir, "xx", NULL);
  g_rmdir (messages);
  g_rmdir (localedir);
  return status;
}
