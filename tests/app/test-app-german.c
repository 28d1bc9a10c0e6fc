/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-app-german"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "chk-i18n.h"
#include "chk-job-editor.h"
#include "chk-test-fixture.h"
#include "chk-test-widgets.h"

/*
 * The app, and the daemon it talks to, in German (LANGUAGE=de), from the
 * catalog this build compiled ($CHK_BUILD_LOCALEDIR). What the tests expect
 * comes from that catalog, through the app's own gettext: they check that
 * the translation is used and that a daemon's German refusal still lands on
 * its field, not what the German says. Each word must differ from the
 * English, or a test would prove nothing.
 */

#define SECONDS 20

typedef ChkTestFixture Fixture;

/* @english in German, and not the same */
static const char *
de (const char *english)
{
  const char *german = _(english);

  g_assert_cmpstr (german, !=, english);
  return german;
}

static char *
plain_de (const char *english)
{
  return chk_test_plain_label (de (english));
}

/* The main window speaks German. */
static void
test_window (Fixture       *fixture,
             gconstpointer  data)
{
  chk_test_fixture_open_window (fixture, 800, 600);
  g_assert_nonnull (chk_test_find_button (fixture->window, GTK_TYPE_TOGGLE_BUTTON,
                                          de ("Failing")));
  g_assert_null (chk_test_find_button (fixture->window, GTK_TYPE_TOGGLE_BUTTON, "Failing"));
}

/* A schedule the daemon refuses in German shows under the schedule, which
 * only the key outside the translated text can tell. */
static void
test_editor_schedule_error (Fixture       *fixture,
                            gconstpointer  data)
{
  /* "Name" is German too: found by it, not a proof of anything */
  g_autofree char *name_title = chk_test_plain_label (_("_Name"));
  g_autofree char *schedule_title = plain_de ("Sched_ule (cron or RRULE)");
  g_autofree char *repeat_title = plain_de ("_Repeat");
  GtkWidget *name_row;
  GtkWidget *schedule_row;
  GtkWidget *label = NULL;
  g_auto(GStrv) parts = NULL;
  const char *longest = NULL;

  chk_test_fixture_open_editor (fixture, NULL);

  name_row = chk_test_find_entry_row (fixture->editor, name_title);
  schedule_row = chk_test_find_entry_row (fixture->editor, schedule_title);
  gtk_editable_set_text (GTK_EDITABLE (name_row), "minutely");
  chk_test_select_combo_item (fixture->editor, repeat_title, de ("Custom"));
  chk_assert_eventually (gtk_widget_get_mapped (schedule_row), SECONDS);
  gtk_editable_set_text (GTK_EDITABLE (schedule_row), "61 * * * *");

  /* "%s field: %s is out of range %u-%u", in German: its longest run of
   * words between two values is enough to find it. */
  parts = g_strsplit (de ("%s field: %s is out of range %u-%u"), "%", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *words = g_strstrip (parts[i] + (i > 0 && parts[i][0] != '\0' ? 1 : 0));

      if (longest == NULL || strlen (words) > strlen (longest))
        longest = words;
    }
  g_test_message ("looking for: %s", longest);
  chk_assert_eventually ((label = chk_test_find_label_containing (fixture->editor, longest)) != NULL,
                         SECONDS);
  g_test_message ("shown: %s", gtk_label_get_text (GTK_LABEL (label)));
  g_assert_true (gtk_widget_get_ancestor (label, ADW_TYPE_PREFERENCES_GROUP) ==
                 gtk_widget_get_ancestor (schedule_row, ADW_TYPE_PREFERENCES_GROUP));
  chk_assert_eventually (gtk_widget_has_css_class (schedule_row, "error"), SECONDS);
  g_assert_false (gtk_widget_has_css_class (name_row, "error"));
}

int
main (int   argc,
      char *argv[])
{
  const ChkTestFixtureCase cases[] = {
    { "/app/german/window", test_window, NULL },
    { "/app/german/editor-schedule-error", test_editor_schedule_error, NULL },
  };
  const char *localedir = g_getenv ("CHK_BUILD_LOCALEDIR");
  g_autofree char *catalog = NULL;
  const char *skip;

  /* For this process and for the daemon each test starts; glibc reads
   * LANGUAGE under LC_ALL=C.UTF-8. */
  g_assert_nonnull (localedir);
  catalog = g_build_filename (localedir, "de", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  g_setenv ("CHK_LOCALEDIR", localedir, TRUE);
  g_setenv ("LANGUAGE", "de", TRUE);
  chk_i18n_init ();

  chk_test_app_init (&argc, &argv);
  skip = chk_test_app_open_display ();
  if (skip == NULL && !g_file_test (catalog, G_FILE_TEST_EXISTS))
    skip = "No German catalog (po/LINGUAS lists no de)";

  chk_test_fixture_add_cases (cases, G_N_ELEMENTS (cases), skip);
  return g_test_run ();
}
