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
    { "{'depends-on': <[{'wait-for-success': <false>}]>}", "depends-on" },
    { "{'depends-on': <[{'job': <'a'>, 'wait': <true>}]>}", "depends-on" },
    { "{'depends-on': <[{'job': <'a'>, 'wait-for-success': <1>}]>}", "depends-on" },
    { "{'depends-on': <[{'job': <'a'>}, {'job': <'a'>}]>}", "depends-on" },
    { "{'depends-on': <[{'job': <'12'>}]>}", "depends-on" },
    { "{'run-on-success': <['']>}", "run-on-success" },
    { "{'run-on-failure': <['a', 'a']>}", "run-on-failure" },
    { "{'run-if': <['sunshine']>}", "run-if" },
    { "{'run-if': <['network', 'network']>}", "run-if" },
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

/* Each number key takes the values at its bounds, keeps them, and refuses
 * the ones past them with its own message. */
static void
test_number_bounds (void)
{
  const struct
  {
    const char *changes;
    const char *message;  /* NULL when the value is taken */
  } cases[] = {
    { "{'start': <@x 0>}", NULL },
    { "{'start': <@x 253402300799000000>}", NULL },
    { "{'start': <@x 253402300799000001>}",
      "start: 253402300799000001 is not a time between 1970 and 9999" },
    { "{'timeout': <@u 31622400>}", NULL },
    { "{'timeout': <@u 31622401>}", "timeout: 31622401 seconds is more than a year" },
    { "{'max-output-bytes': <@t 1024>}", NULL },
    { "{'max-output-bytes': <@t 1023>}", "max-output-bytes: 1023 is less than 1024" },
    { "{'check-expect-status': <@u 100>}", NULL },
    { "{'check-expect-status': <@u 599>}", NULL },
    { "{'check-expect-status': <@u 99>}",
      "check-expect-status: 99 is not an HTTP status between 100 and 599" },
    { "{'check-expect-status': <@u 600>}",
      "check-expect-status: 600 is not an HTTP status between 100 and 599" },
    { "{'check-timeout': <@u 1>}", NULL },
    { "{'check-timeout': <@u 3600>}", NULL },
    { "{'check-timeout': <@u 0>}", "check-timeout: 0 is not between 1 and 3600 seconds" },
    { "{'check-timeout': <@u 3601>}", "check-timeout: 3601 is not between 1 and 3600 seconds" },
    { "{'memory-max': <@t 0>}", NULL },
    { "{'memory-max': <@t 1048576>}", NULL },
    { "{'memory-max': <@t 1048575>}",
      "memory-max: 1048575 bytes is less than 1048576 (1 MiB); 0 means no limit" },
    { "{'cpu-weight': <@u 1>}", NULL },
    { "{'cpu-weight': <@u 10000>}", NULL },
    { "{'cpu-weight': <@u 10001>}", "cpu-weight: 10001 is not between 1 and 10000" },
    { "{'retries': <@u 100>}", NULL },
    { "{'retries': <@u 101>}", "retries: 101 is more than 100" },
    { "{'retry-delay': <@u 0>}", NULL },
    { "{'retry-delay': <@u 31622401>}", "retry-delay: 31622401 seconds is more than a year" },
    { "{'retry-backoff': <1.0>}", NULL },
    { "{'retry-backoff': <100.0>}", NULL },
    { "{'retry-backoff': <0.5>}", "retry-backoff: 0.5 is not a factor between 1 and 100" },
    { "{'retry-backoff': <nan>}", "retry-backoff: nan is not a factor between 1 and 100" },
    { "{'retry-max-delay': <@u 31622400>}", NULL },
    { "{'random-delay': <@u 31622401>}", "random-delay: 31622401 seconds is more than a year" },
    { "{'run-if-wait': <@u 86400>}", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ChkJobSpec) spec = chk_job_spec_new ();
      g_autoptr(GVariant) changes = g_variant_parse (NULL, cases[i].changes, NULL, NULL, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) stored = NULL;
      g_autoptr(GVariant) given = g_variant_get_child_value (changes, 0);
      g_autoptr(GVariant) given_value = g_variant_get_child_value (given, 1);
      g_autoptr(GVariant) given_number = g_variant_get_variant (given_value);
      const char *key;

      g_test_message ("%s", cases[i].changes);
      g_variant_get_child (given, 0, "&s", &key);
      if (cases[i].message != NULL)
        {
          g_assert_false (chk_job_spec_update (spec, changes, &error));
          g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT);
          g_assert_cmpstr (error->message, ==, cases[i].message);
          continue;
        }

      g_assert_true (chk_job_spec_update (spec, changes, &error));
      g_assert_no_error (error);
      stored = g_variant_ref_sink (chk_job_spec_get_value (spec, chk_job_spec_lookup_key (key)));
      g_assert_true (g_variant_equal (stored, given_number));
    }
}

/* Whether @a and @b give the same a{sv}: every key, the same value */
static gboolean
specs_equal (const ChkJobSpec *a,
             const ChkJobSpec *b)
{
  g_autoptr(GVariant) va = g_variant_ref_sink (chk_job_spec_to_variant (a));
  g_autoptr(GVariant) vb = g_variant_ref_sink (chk_job_spec_to_variant (b));

  return g_variant_equal (va, vb);
}

/* A stored spec reads back as it was written, a partial or reordered one
 * with defaults for the keys it lacks, and one the store never writes not
 * at all. */
static void
test_trusted (void)
{
  g_autoptr(ChkJobSpec) spec = chk_job_spec_new ();
  g_autoptr(ChkJobSpec) back = NULL;
  g_autoptr(ChkJobSpec) partial = NULL;
  g_autoptr(ChkJobSpec) expected = chk_job_spec_new ();
  g_autoptr(GVariant) changes = g_variant_parse (NULL,
    "{'name': <'backup'>, 'command': <['rsync', '-a']>, 'environment': <{'A': '1'}>, "
    "'schedule': <'0 3 * * *'>, 'timezone': <'UTC'>, 'max-runs': <uint32 7>, "
    "'notify-on': <'always'>, 'retry-backoff': <1.5>, 'run-if': <['ac-power']>, "
    "'depends-on': <[{'job': <'sync'>}]>, 'email-to': <['a@example.org']>}",
    NULL, NULL, NULL);
  g_autoptr(GVariant) stored = NULL;
  g_autoptr(GVariant) reordered = g_variant_parse (NULL,
    "{'timeout': <uint32 9>, 'command': <['true']>, 'name': <'late'>}", NULL, NULL, NULL);
  g_autoptr(ChkJobSpec) plain = chk_job_spec_new ();
  g_autoptr(ChkJobSpec) plain_back = NULL;
  g_autoptr(GVariant) plain_changes = g_variant_parse (NULL,
    "{'name': <'plain'>, 'command': <['true']>}", NULL, NULL, NULL);
  g_autoptr(GVariant) plain_stored = NULL;
  const char * const refused[] = {
    "{'name': <'x'>, 'command': <['true']>, 'no-such-key': <1>}",
    "{'name': <'x'>, 'command': <['true']>, 'timeout': <'9'>}",
    "{'name': <'x'>, 'command': <['true']>, 'shell': <'true'>}",
    "{'name': <'x'>}",
    "{'command': <['true']>}",
  };
  g_autoptr(GError) error = NULL;

  g_assert_true (chk_job_spec_update (spec, changes, &error));
  g_assert_no_error (error);
  stored = g_variant_ref_sink (chk_job_spec_to_variant (spec));
  back = chk_job_spec_new_trusted (stored);
  g_assert_nonnull (back);
  g_assert_true (specs_equal (spec, back));
  g_assert_cmpuint (back->max_runs, ==, 7);
  g_assert_cmpstr (g_hash_table_lookup (back->environment, "A"), ==, "1");
  g_assert_cmpuint (back->run_if, ==, CHK_RUN_IF_AC_POWER);
  g_assert_cmpstrv (back->email_to, ((const char * const[]) { "a@example.org", NULL }));
  g_assert_cmpuint (back->depends_on->len, ==, 1);

  /* Empty lists, as most stored specs have, read back empty */
  g_assert_true (chk_job_spec_update (plain, plain_changes, &error));
  g_assert_no_error (error);
  plain_stored = g_variant_ref_sink (chk_job_spec_to_variant (plain));
  plain_back = chk_job_spec_new_trusted (plain_stored);
  g_assert_nonnull (plain_back);
  g_assert_true (specs_equal (plain, plain_back));
  g_assert_cmpstrv (plain_back->command, ((const char * const[]) { "true", NULL }));
  g_assert_cmpuint (g_hash_table_size (plain_back->environment), ==, 0);
  g_assert_cmpuint (plain_back->depends_on->len, ==, 0);
  /* The same members as chk_job_spec_update() makes: an empty list or none */
  g_assert_cmpuint (plain_back->email_to == NULL, ==, plain->email_to == NULL);
  g_assert_cmpuint (plain_back->run_on_success == NULL, ==, plain->run_on_success == NULL);
  g_assert_cmpuint (g_strv_length (plain_back->email_to), ==, 0);
  g_assert_cmpuint (plain_back->run_if, ==, 0);

  partial = chk_job_spec_new_trusted (reordered);
  g_assert_nonnull (partial);
  g_assert_true (chk_job_spec_update (expected, reordered, &error));
  g_assert_no_error (error);
  g_assert_true (specs_equal (partial, expected));
  g_assert_cmpuint (partial->max_runs, ==, CHK_JOB_SPEC_DEFAULT_MAX_RUNS);
  g_assert_cmpstr (partial->description, ==, "");
  g_assert_nonnull (partial->environment);

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GVariant) bad = g_variant_parse (NULL, refused[i], NULL, NULL, NULL);

      g_test_message ("%s", refused[i]);
      g_assert_null (chk_job_spec_new_trusted (bad));
    }
}

/* depends-on keeps every flag, given or not, and reads back the same */
static void
test_depends_on (void)
{
  g_autoptr(ChkJobSpec) spec = chk_job_spec_new ();
  g_autoptr(GVariant) changes = g_variant_parse (NULL,
    "{'depends-on': <[{'job': <'backup'>, 'wait-for-next-run': <false>}, {'job': <'sync'>}]>}",
    NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autofree char *text = NULL;
  ChkDependency *dependency;

  g_assert_true (chk_job_spec_update (spec, changes, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (spec->depends_on->len, ==, 2);
  dependency = g_ptr_array_index (spec->depends_on, 0);
  g_assert_cmpstr (dependency->job, ==, "backup");
  g_assert_true (dependency->wait_for_completion);
  g_assert_true (dependency->wait_for_success);
  g_assert_false (dependency->wait_for_next_run);

  value = g_variant_ref_sink (chk_job_spec_get_value (spec,
                                                      chk_job_spec_lookup_key ("depends-on")));
  text = g_variant_print (value, FALSE);
  g_assert_cmpstr (text, ==,
                   "[{'job': <'backup'>, 'wait-for-completion': <true>, "
                   "'wait-for-success': <true>, 'wait-for-next-run': <false>}, "
                   "{'job': <'sync'>, 'wait-for-completion': <true>, "
                   "'wait-for-success': <true>, 'wait-for-next-run': <true>}]");

  g_assert_true (chk_job_spec_links_to (spec, "sync"));
  g_assert_false (chk_job_spec_links_to (spec, "syn"));
  chk_job_spec_rename_links (spec, "sync", "mirror");
  g_assert_false (chk_job_spec_links_to (spec, "sync"));
  g_assert_true (chk_job_spec_links_to (spec, "mirror"));
}

static void
test_retry_delay (void)
{
  g_autoptr(ChkJobSpec) spec = chk_job_spec_new ();

  /* 60 s, then doubling up to an hour */
  g_assert_cmpint (chk_job_spec_get_retry_delay (spec, 2), ==, (gint64) 60 * G_USEC_PER_SEC);
  g_assert_cmpint (chk_job_spec_get_retry_delay (spec, 3), ==, (gint64) 120 * G_USEC_PER_SEC);
  g_assert_cmpint (chk_job_spec_get_retry_delay (spec, 7), ==, (gint64) 1920 * G_USEC_PER_SEC);
  g_assert_cmpint (chk_job_spec_get_retry_delay (spec, 8), ==, (gint64) 3600 * G_USEC_PER_SEC);
  g_assert_cmpint (chk_job_spec_get_retry_delay (spec, 100), ==, (gint64) 3600 * G_USEC_PER_SEC);

  spec->retry_delay = 2;
  spec->retry_backoff = 1.5;
  spec->retry_max_delay = 0;
  g_assert_cmpint (chk_job_spec_get_retry_delay (spec, 2), ==, (gint64) 2 * G_USEC_PER_SEC);
  /* A max-delay below the first delay does not shorten it */
  g_assert_cmpint (chk_job_spec_get_retry_delay (spec, 3), ==, (gint64) 2 * G_USEC_PER_SEC);
  spec->retry_max_delay = 10;
  g_assert_cmpint (chk_job_spec_get_retry_delay (spec, 3), ==, (gint64) 3 * G_USEC_PER_SEC);
}

/* The offset is stable, inside its range, and spreads neighbouring ids. */
static void
test_random_offset (void)
{
  g_autoptr(ChkJobSpec) spec = chk_job_spec_new ();
  guint buckets[10] = { 0 };

  g_assert_cmpint (chk_job_spec_get_random_offset (spec, 7), ==, 0);
  spec->random_delay = 10;
  g_assert_cmpint (chk_job_spec_get_random_offset (spec, 7), ==,
                   chk_job_spec_get_random_offset (spec, 7));
  for (guint64 id = 1; id <= 1000; id++)
    {
      gint64 offset = chk_job_spec_get_random_offset (spec, id);

      g_assert_cmpint (offset, >=, 0);
      g_assert_cmpint (offset, <, 10 * G_USEC_PER_SEC);
      g_assert_cmpint (offset % 1000, ==, 0);
      buckets[offset / G_USEC_PER_SEC]++;
    }
  /* About 100 a second: far from all in one */
  for (guint i = 0; i < G_N_ELEMENTS (buckets); i++)
    g_assert_cmpuint (buckets[i], >, 60);
}

/* The host key takes "", "*" and host names; the schedule runs a job on
 * the host it names, in any case, or on any host. */
static void
test_host (void)
{
  const char *good[] = { "", "*", "build", "build-1.example.org", "Build_2", "a", "10.0.0.1",
                         NULL };
  const char *bad[] = { "-build", "build.", ".build", "a..b", "a b", "a/b", "**", "x*",
                        "bu\nild", "b\xc3\xa4r", "a.-b", NULL };
  g_autofree char *longest = g_strnfill (253, 'a');
  g_autofree char *too_long = g_strnfill (254, 'a');
  g_autoptr(ChkJobSpec) spec = chk_job_spec_new ();

  g_assert_cmpstr (spec->host, ==, "");
  g_assert_true (chk_job_spec_runs_on (spec, "anywhere"));

  for (guint i = 0; good[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
      g_autoptr(GVariant) changes = NULL;

      g_variant_dict_insert (&dict, "host", "s", good[i]);
      changes = g_variant_ref_sink (g_variant_dict_end (&dict));
      g_assert_true (chk_job_spec_update (spec, changes, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (spec->host, ==, good[i]);
    }
  g_assert_true (chk_check_host_name ("--hostname", longest, NULL));

  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
      g_autoptr(GVariant) changes = NULL;
      g_autofree char *key = NULL;

      g_variant_dict_insert (&dict, "host", "s", bad[i]);
      changes = g_variant_ref_sink (g_variant_dict_end (&dict));
      g_assert_false (chk_job_spec_update (spec, changes, &error));
      g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT);
      key = chk_error_get_key (error);
      g_assert_cmpstr (key, ==, "host");
      /* Nothing changed */
      g_assert_cmpstr (spec->host, ==, "10.0.0.1");
    }
  g_assert_false (chk_check_host_name ("--hostname", too_long, NULL));
  g_assert_false (chk_check_host_name ("--hostname", "", NULL));
  g_assert_false (chk_check_host_name ("--hostname", "*", NULL));

  g_free (spec->host);
  spec->host = g_strdup ("Build-1");
  g_assert_true (chk_job_spec_runs_on (spec, "build-1"));
  g_assert_true (chk_job_spec_runs_on (spec, "BUILD-1"));
  g_assert_false (chk_job_spec_runs_on (spec, "build-2"));
  g_assert_false (chk_job_spec_runs_on (spec, "build-1.example.org"));
  g_free (spec->host);
  spec->host = g_strdup (CHK_JOB_SPEC_EVERY_HOST);
  g_assert_true (chk_job_spec_runs_on (spec, "build-2"));

  g_assert_cmpstr (chk_job_host_describe ("build-1"), ==, "build-1");
  g_assert_cmpstr (chk_job_host_describe (""), !=, chk_job_host_describe ("*"));
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
  g_test_add_func ("/job-spec/number-bounds", test_number_bounds);
  g_test_add_func ("/job-spec/depends-on", test_depends_on);
  g_test_add_func ("/job-spec/trusted", test_trusted);
  g_test_add_func ("/job-spec/retry-delay", test_retry_delay);
  g_test_add_func ("/job-spec/random-offset", test_random_offset);
  g_test_add_func ("/job-spec/host", test_host);

  return g_test_run ();
}
