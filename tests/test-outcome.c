/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <string.h>

#include "chk-enums.h"
#include "chk-outcome.h"

/* The words that the D-Bus interface's comments list between @after and
 * @end, e.g. "Outcomes: running, success, …, failed-to-start." */
static GStrv
documented_words (const char *after,
                  char        end)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data",
                                                 "io.github.chroniker.Chroniker.Scheduler1.xml", NULL);
  g_autofree char *xml = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRegex) word = g_regex_new ("[a-z][a-z-]*", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autoptr(GStrvBuilder) words = g_strv_builder_new ();
  g_autofree char *list = NULL;
  const char *start;
  const char *stop;

  g_file_get_contents (path, &xml, NULL, &error);
  g_assert_no_error (error);
  start = strstr (xml, after);
  g_assert_nonnull (start);
  start += strlen (after);
  stop = strchr (start, end);
  g_assert_nonnull (stop);
  list = g_strndup (start, stop - start);
  for (g_regex_match (word, list, 0, &match); g_match_info_matches (match); g_match_info_next (match, NULL))
    {
      g_autofree char *one = g_match_info_fetch (match, 0);

      g_strv_builder_add (words, one);
    }
  return g_strv_builder_end (words);
}

/* Every outcome the bus documents is one value, and back; and no value is
 * left out of the documentation. */
static void
test_outcome_words (void)
{
  g_auto(GStrv) words = documented_words ("Outcomes:", '.');
  g_autoptr(GEnumClass) klass = g_type_class_ref (CHK_TYPE_OUTCOME);

  g_assert_cmpuint (g_strv_length (words), ==, 8);
  for (guint i = 0; words[i] != NULL; i++)
    {
      ChkOutcome outcome = chk_outcome_from_string (words[i]);

      g_assert_cmpint (outcome, !=, CHK_OUTCOME_UNKNOWN);
      g_assert_cmpint (outcome, !=, CHK_OUTCOME_NONE);
      g_assert_cmpstr (chk_outcome_to_string (outcome), ==, words[i]);
      g_assert_true (chk_outcome_is_valid_string (words[i]));
    }
  for (guint i = 0; i < klass->n_values; i++)
    {
      ChkOutcome outcome = klass->values[i].value;

      if (outcome == CHK_OUTCOME_NONE || outcome == CHK_OUTCOME_UNKNOWN)
        continue;
      g_assert_true (g_strv_contains ((const char * const *) words, chk_outcome_to_string (outcome)));
    }
}

static void
test_outcome_edges (void)
{
  g_assert_cmpint (chk_outcome_from_string (NULL), ==, CHK_OUTCOME_NONE);
  g_assert_cmpint (chk_outcome_from_string (""), ==, CHK_OUTCOME_NONE);
  g_assert_cmpstr (chk_outcome_to_string (CHK_OUTCOME_NONE), ==, "");
  /* The nicks of the two values that never travel are not outcomes */
  g_assert_cmpint (chk_outcome_from_string ("none"), ==, CHK_OUTCOME_UNKNOWN);
  g_assert_cmpint (chk_outcome_from_string ("unknown"), ==, CHK_OUTCOME_UNKNOWN);
  g_assert_cmpint (chk_outcome_from_string ("Success"), ==, CHK_OUTCOME_UNKNOWN);
  g_assert_cmpint (chk_outcome_from_string ("exploded"), ==, CHK_OUTCOME_UNKNOWN);
  g_assert_cmpstr (chk_outcome_to_string (CHK_OUTCOME_UNKNOWN), ==, "");
  g_assert_false (chk_outcome_is_valid_string (""));
  g_assert_false (chk_outcome_is_valid_string ("none"));
  g_assert_false (chk_outcome_is_valid_string (NULL));
}

/* The one answer to "did it fail?" */
static void
test_outcome_failure (void)
{
  const struct
  {
    const char *word;
    gboolean    failure;
    gboolean    finished;
  } cases[] = {
    { "", FALSE, FALSE },
    { "running", FALSE, FALSE },
    { "success", FALSE, TRUE },
    { "stopped", FALSE, TRUE },
    { "failure", TRUE, TRUE },
    { "timeout", TRUE, TRUE },
    { "failed-to-start", TRUE, TRUE },
    /* The daemon's end cut it short: its work is not done */
    { "interrupted", TRUE, TRUE },
    /* From a newer daemon: looked at rather than missed */
    { "exploded", TRUE, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ChkOutcome outcome = chk_outcome_from_string (cases[i].word);

      g_test_message ("%s", cases[i].word);
      g_assert_cmpint (chk_outcome_is_failure (outcome), ==, cases[i].failure);
      g_assert_cmpint (chk_outcome_is_finished (outcome), ==, cases[i].finished);
    }
}

static void
test_trigger_words (void)
{
  /* As the run records' documentation lists them: ("schedule", …) */
  g_auto(GStrv) words = documented_words ("trigger s", ')');
  g_autoptr(GEnumClass) klass = g_type_class_ref (CHK_TYPE_TRIGGER);

  g_assert_cmpuint (g_strv_length (words), ==, 5);
  for (guint i = 0; words[i] != NULL; i++)
    {
      ChkTrigger trigger = chk_trigger_from_string (words[i]);

      g_assert_cmpint (trigger, !=, CHK_TRIGGER_UNKNOWN);
      g_assert_cmpstr (chk_trigger_to_string (trigger), ==, words[i]);
    }
  g_assert_cmpuint (klass->n_values, ==, g_strv_length (words) + 1);
  g_assert_cmpint (chk_trigger_from_string (""), ==, CHK_TRIGGER_UNKNOWN);
  g_assert_cmpint (chk_trigger_from_string (NULL), ==, CHK_TRIGGER_UNKNOWN);
  g_assert_cmpint (chk_trigger_from_string ("cron"), ==, CHK_TRIGGER_UNKNOWN);
  g_assert_cmpstr (chk_trigger_to_string (CHK_TRIGGER_UNKNOWN), ==, "");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/outcome/words", test_outcome_words);
  g_test_add_func ("/outcome/edges", test_outcome_edges);
  g_test_add_func ("/outcome/failure", test_outcome_failure);
  g_test_add_func ("/outcome/trigger-words", test_trigger_words);

  return g_test_run ();
}
