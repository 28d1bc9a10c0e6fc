/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-job-spec"

#include "config.h"

#include <string.h>

#include <glib.h>

#include "chk-error.h"
#include "chk-job-spec.h"

/* What sendmail delivers: domain addresses, user@host and local users. */
static const char * const good_addresses[] = {
  "name@example.org",
  "first.last+tag@mail.example.org",
  "root",
  "root@localhost",
  "backup-admin",
  "user@host",
  "o'brien@example.org",
  "jürgen@bücher.example",
  NULL,
};

/* What could become something else on the way to or through sendmail. */
static const char * const bad_addresses[] = {
  "",
  "-oQ/tmp/x",                          /* a sendmail option */
  "-root@example.org",
  "|/bin/sh -c evil",                   /* a program */
  "/tmp/mailbox",                       /* a file */
  "root\r\nBcc: x@evil.example",        /* a header */
  "root\nBcc: x@evil.example",
  "root\r",
  "two words",
  "tab\there",
  "nbsp\xc2\xa0here",
  "bell\a",
  "del\x7f",
  "c1\xc2\x85" "control",
  "Someone <a@example.org>",
  "a@example.org, b@example.org",
  "a@example.org;b@example.org",
  "\"quoted\"@example.org",
  "a@b@c",
  "@example.org",
  "root@",
  "root@.example.org",
  "root@example.org.",
  "root@example..org",
  "bad\xff@example.org",
  NULL,
};

static void
test_email_good (void)
{
  for (guint i = 0; good_addresses[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", good_addresses[i]);
      g_assert_true (chk_email_address_is_valid (good_addresses[i]));
      g_assert_true (chk_check_email_address ("email-to", good_addresses[i], &error));
      g_assert_no_error (error);
    }
}

static void
test_email_bad (void)
{
  for (guint i = 0; bad_addresses[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) keyless = NULL;
      g_autofree char *shown = g_strescape (bad_addresses[i], NULL);

      g_test_message ("%s", shown);
      g_assert_false (chk_email_address_is_valid (bad_addresses[i]));
      g_assert_false (chk_check_email_address ("email-to", bad_addresses[i], &error));
      g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT);
      g_assert_true (g_str_has_prefix (error->message, "email-to: "));
      /* the message can be shown on one line, whatever the address held */
      g_assert_null (strchr (error->message, '\n'));
      g_assert_null (strchr (error->message, '\r'));

      g_assert_false (chk_check_email_address (NULL, bad_addresses[i], &keyless));
      g_assert_error (keyless, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT);
      g_assert_false (g_str_has_prefix (keyless->message, "email-to"));
    }
}

/* The job spec takes exactly what the validator takes, and bounds the length. */
static void
test_email_to_spec (void)
{
  const char *local[] = { "root", "root@localhost", NULL };
  const char *option[] = { "ops@example.org", "-oQ/tmp", NULL };
  g_autofree char *long_local = g_strnfill (255, 'a');
  const char *too_long[] = { long_local, NULL };
  g_autoptr(ChkJobSpec) spec = chk_job_spec_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) changes = NULL;

  g_variant_dict_insert_value (&dict, "email-to", g_variant_new_strv (local, -1));
  changes = g_variant_ref_sink (g_variant_dict_end (&dict));
  g_assert_true (chk_job_spec_update (spec, changes, &error));
  g_assert_no_error (error);
  g_assert_cmpstrv (spec->email_to, local);
  g_clear_pointer (&changes, g_variant_unref);

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert_value (&dict, "email-to", g_variant_new_strv (option, -1));
  changes = g_variant_ref_sink (g_variant_dict_end (&dict));
  g_assert_false (chk_job_spec_update (spec, changes, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "email-to"));
  g_clear_error (&error);
  g_clear_pointer (&changes, g_variant_unref);
  /* nothing changed */
  g_assert_cmpstrv (spec->email_to, local);

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert_value (&dict, "email-to", g_variant_new_strv (too_long, -1));
  changes = g_variant_ref_sink (g_variant_dict_end (&dict));
  g_assert_false (chk_job_spec_update (spec, changes, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "254"));
}

/* Every error about one key names it, untranslated, in front of the
 * message: the app routes errors to fields by it in any language. */
static void
test_error_keys (void)
{
  const struct
  {
    const char *changes;
    const char *key;
  } cases[] = {
    { "{'name': <''>}", "name" },
    { "{'name': <'1234'>}", "name" },
    { "{'name': <42>}", "name" },
    { "{'command': <@as []>}", "command" },
    { "{'command': <['/bin/true']>, 'shell': <'true'>}", "command" },
    { "{'shell': <''>}", "shell" },
    { "{'working-directory': <'relative'>}", "working-directory" },
    { "{'environment': <{'1X': 'y'}>}", "environment" },
    { "{'schedule': <'61 * * * *'>}", "schedule" },
    { "{'schedule': <'FREQ=SOMETIMES'>}", "schedule" },
    { "{'timezone': <'Mars/Olympus_Mons'>}", "timezone" },
    { "{'start': <@x -1>}", "start" },
    { "{'notify-on': <'sometimes'>}", "notify-on" },
    { "{'email-to': <['-oQ/tmp']>}", "email-to" },
    { "{'check-url': <'ftp://example.org/'>}", "check-url" },
    { "{'cpu-weight': <@u 0>}", "cpu-weight" },
    /* About no one key */
    { "{'no-such-key': <1>}", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ChkJobSpec) spec = chk_job_spec_new ();
      /* Not floating: g_variant_parse() gives a full reference */
      g_autoptr(GVariant) changes = g_variant_parse (NULL, cases[i].changes, NULL, NULL, NULL);
      g_autoptr(GError) error = NULL;
      g_autofree char *key = NULL;

      g_test_message ("%s", cases[i].changes);
      g_assert_false (chk_job_spec_update (spec, changes, &error));
      g_assert_nonnull (error);
      key = chk_error_get_key (error);
      g_assert_cmpstr (key, ==, cases[i].key);
    }
}

/* The key survives the bus, and a message that does not start with one
 * has none, whatever else it says. */
static void
test_error_key_parse (void)
{
  const struct
  {
    const char *message;
    const char *key;
  } cases[] = {
    { "schedule: minute field: “61” is out of range", "schedule" },
    { "max-output-bytes: 12 is less than 1024", "max-output-bytes" },
    { "GDBus.Error:io.github.chroniker.Chroniker.Error.InvalidArgument: name: is required", "name" },
    { "Zeitplan: Minute “61” liegt außerhalb", NULL },
    { "No job named “x”", NULL },
    { "name:no space", NULL },
    { "name : spaced", NULL },
    { "", NULL },
  };
  g_autoptr(GError) set = NULL;
  g_autofree char *key = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT,
                                                     cases[i].message);
      g_autofree char *found = chk_error_get_key (error);

      g_assert_cmpstr (found, ==, cases[i].key);
    }
  g_assert_null (chk_error_get_key (NULL));

  /* A key is put in front once */
  g_assert_false (chk_set_key_error (&set, CHK_ERROR_INVALID_SCHEDULE, "timezone", "unknown %s", "zone"));
  chk_error_prefix_key (&set, "schedule");
  g_assert_cmpstr (set->message, ==, "timezone: unknown zone");
  key = chk_error_get_key (set);
  g_assert_cmpstr (key, ==, "timezone");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/job-spec/email/good", test_email_good);
  g_test_add_func ("/job-spec/email/bad", test_email_bad);
  g_test_add_func ("/job-spec/email/spec", test_email_to_spec);
  g_test_add_func ("/job-spec/error/keys", test_error_keys);
  g_test_add_func ("/job-spec/error/key-parse", test_error_key_parse);

  return g_test_run ();
}
