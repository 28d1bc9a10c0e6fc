/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-spec-keys"

#include "config.h"

#include <glib.h>
#include <stdarg.h>
#include <string.h>

#include "chk-dbus-generated.h"
#include "chk-job-spec.h"

/*
 * Every key at a value other than its default, with each of the three keys
 * that say what a job does: a key added to the table without a value here
 * fails /spec-keys/round-trip/all-keys-given.
 */
static const char common_keys[] =
  "'name': <'backup'>,"
  "'description': <'Nightly backup'>,"
  "'working-directory': <'/tmp'>,"
  "'user': <'backup'>,"
  "'host': <'build-1'>,"
  "'environment': <@a{ss} {'A': '1', 'B': 'two words'}>,"
  "'schedule': <'30 2 * * *'>,"
  "'timezone': <'Europe/Berlin'>,"
  "'start': <int64 1700000000000000>,"
  "'enabled': <false>,"
  "'timeout': <uint32 60>,"
  "'catch-up': <true>,"
  "'max-runs': <uint32 5>,"
  "'max-output-bytes': <uint64 4096>,"
  "'notify-on': <'always'>,"
  "'email-on': <'failure'>,"
  "'email-to': <['root', 'name@example.org']>,"
  "'is-monitor': <true>,"
  "'monitor-url': <'https://example.org/'>,"
  "'check-expect-status': <uint32 204>,"
  "'check-contains': <'ok'>,"
  "'check-timeout': <uint32 5>,"
  "'webhook-url': <'https://example.org/hook'>,"
  "'max-tasks': <uint32 10>,"
  "'memory-max': <uint64 2097152>,"
  "'cpu-weight': <uint32 50>,"
  "'merge-stderr': <true>,"
  "'depends-on': <[{'job': <'backup'>, 'wait-for-success': <false>}]>,"
  "'run-on-success': <['report']>,"
  "'run-on-failure': <['cleanup', 'page']>,"
  "'retries': <uint32 3>,"
  "'retry-delay': <uint32 5>,"
  "'retry-backoff': <1.5>,"
  "'retry-max-delay': <uint32 600>,"
  "'random-delay': <uint32 30>,"
  "'run-if': <['ac-power', 'unmetered-network']>,"
  "'run-if-wait': <uint32 900>,"
  "'expected-duration': <uint32 120>,"
  "'alert-after-failures': <uint32 3>,"
  "'snoozed-until': <int64 1796349600000000>";

static const char * const what_keys[] = {
  "'command': <['tar', '-c', '/home']>",
  "'shell': <'echo hi'>",
  "'check-url': <'https://example.org/health'>",
};

static ChkJobSpec *
new_full_spec (guint what)
{
  g_autofree char *text = g_strdup_printf ("{%s, %s}", common_keys, what_keys[what]);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) changes = g_variant_parse (G_VARIANT_TYPE_VARDICT, text, NULL, NULL, &error);
  g_autoptr(ChkJobSpec) spec = chk_job_spec_new ();

  g_assert_no_error (error);
  g_assert_true (chk_job_spec_update (spec, changes, &error));
  g_assert_no_error (error);
  g_assert_true (chk_job_spec_validate (spec, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&spec);
}

static void
assert_specs_equal (const ChkJobSpec *a,
                    const ChkJobSpec *b)
{
  g_autoptr(GVariant) variant_a = g_variant_ref_sink (chk_job_spec_to_variant (a));
  g_autoptr(GVariant) variant_b = g_variant_ref_sink (chk_job_spec_to_variant (b));
  g_autofree char *text_a = g_variant_print (variant_a, TRUE);
  g_autofree char *text_b = g_variant_print (variant_b, TRUE);

  g_assert_cmpstr (text_a, ==, text_b);
}

static gboolean
is_what_key (const ChkJobSpecKey *key)
{
  return g_str_equal (key->name, "command") || g_str_equal (key->name, "shell") ||
         g_str_equal (key->name, "check-url");
}

static void
test_all_keys_given (void)
{
  guint n_keys;
  const ChkJobSpecKey *keys = chk_job_spec_keys (&n_keys);

  g_assert_cmpuint (n_keys, >, 0);
  for (guint what = 0; what < G_N_ELEMENTS (what_keys); what++)
    {
      g_autoptr(ChkJobSpec) spec = new_full_spec (what);
      guint n_what = 0;

      for (guint i = 0; i < n_keys; i++)
        {
          GVariant *value = chk_job_spec_get_value (spec, &keys[i]);
          GVariant *fallback = chk_job_spec_key_get_default (&keys[i]);
          g_autoptr(GVariant) owned_value = value != NULL ? g_variant_ref_sink (value) : NULL;
          g_autoptr(GVariant) owned_fallback = fallback != NULL ? g_variant_ref_sink (fallback) : NULL;

          if (is_what_key (&keys[i]))
            {
              n_what += value != NULL;
              g_assert_null (fallback);
              continue;
            }

          g_test_message ("key %s", keys[i].name);
          g_assert_nonnull (value);
          g_assert_true (g_variant_is_of_type (value, G_VARIANT_TYPE (keys[i].type)));
          g_assert_nonnull (fallback);
          g_assert_true (g_variant_is_of_type (fallback, G_VARIANT_TYPE (keys[i].type)));
          g_assert_false (g_variant_equal (value, fallback));
        }
      g_assert_cmpuint (n_what, ==, 1);
    }
}

static void
test_lookup (void)
{
  guint n_keys;
  const ChkJobSpecKey *keys = chk_job_spec_keys (&n_keys);

  for (guint i = 0; i < n_keys; i++)
    g_assert_true (chk_job_spec_lookup_key (keys[i].name) == &keys[i]);
  g_assert_null (chk_job_spec_lookup_key ("max_runs"));
  g_assert_null (chk_job_spec_lookup_key ("id"));
}

/* A new spec has the table's defaults, and its a{sv} says them. */
static void
test_defaults (void)
{
  g_autoptr(ChkJobSpec) spec = chk_job_spec_new ();
  g_autoptr(GVariant) variant = g_variant_ref_sink (chk_job_spec_to_variant (spec));
  guint n_keys;
  const ChkJobSpecKey *keys = chk_job_spec_keys (&n_keys);

  for (guint i = 0; i < n_keys; i++)
    {
      GVariant *fallback = chk_job_spec_key_get_default (&keys[i]);
      g_autoptr(GVariant) owned = fallback != NULL ? g_variant_ref_sink (fallback) : NULL;
      g_autoptr(GVariant) value = g_variant_lookup_value (variant, keys[i].name, NULL);

      if (fallback == NULL)
        {
          g_assert_null (value);
          continue;
        }
      g_assert_nonnull (value);
      g_assert_true (g_variant_equal (value, fallback));
    }

  g_assert_cmpuint (spec->max_runs, ==, CHK_JOB_SPEC_DEFAULT_MAX_RUNS);
  g_assert_cmpuint (spec->max_output_bytes, ==, CHK_JOB_SPEC_DEFAULT_MAX_OUTPUT_BYTES);
  g_assert_cmpuint (spec->cpu_weight, ==, CHK_JOB_SPEC_DEFAULT_CPU_WEIGHT);
  g_assert_true (spec->enabled);
  g_assert_cmpint (spec->notify_on, ==, CHK_ALERT_ON_FAILURE);
  g_assert_cmpint (spec->email_on, ==, CHK_ALERT_ON_NEVER);
  g_assert_null (spec->command);
  g_assert_null (spec->shell);
  g_assert_null (spec->check_url);
}

static void
test_variant_round_trip (void)
{
  for (guint what = 0; what < G_N_ELEMENTS (what_keys); what++)
    {
      g_autoptr(ChkJobSpec) spec = new_full_spec (what);
      g_autoptr(ChkJobSpec) copy = chk_job_spec_copy (spec);
      g_autoptr(ChkJobSpec) read_back = chk_job_spec_new ();
      g_autoptr(GVariant) variant = g_variant_ref_sink (chk_job_spec_to_variant (spec));
      g_autoptr(GError) error = NULL;

      g_assert_true (chk_job_spec_update (read_back, variant, &error));
      g_assert_no_error (error);
      assert_specs_equal (spec, read_back);
      assert_specs_equal (spec, copy);
    }
}

static void
test_job1_round_trip (void)
{
  for (guint what = 0; what < G_N_ELEMENTS (what_keys); what++)
    {
      g_autoptr(ChkJobSpec) spec = new_full_spec (what);
      g_autoptr(ChkJob1) job = chk_job1_skeleton_new ();
      g_autoptr(ChkJobSpec) read_back = NULL;
      g_autoptr(GVariant) properties = NULL;
      guint n_keys;
      const ChkJobSpecKey *keys = chk_job_spec_keys (&n_keys);

      chk_job_spec_to_job1 (spec, job);
      properties = g_variant_take_ref (
        g_dbus_interface_skeleton_get_properties (G_DBUS_INTERFACE_SKELETON (job)));

      /* Each property says its key, as the a{sv} does; a key not given is empty. */
      for (guint i = 0; i < n_keys; i++)
        {
          GVariant *value = chk_job_spec_get_value (spec, &keys[i]);
          g_autoptr(GVariant) owned = value != NULL ? g_variant_ref_sink (value) : NULL;
          g_autofree char *dbus_name = chk_job_spec_key_to_property (keys[i].name);
          g_autoptr(GVariant) shown = g_variant_lookup_value (properties, dbus_name, NULL);

          g_test_message ("key %s", keys[i].name);
          g_assert_nonnull (shown);
          if (value != NULL)
            g_assert_true (g_variant_equal (value, shown));
          else if (g_str_equal (keys[i].type, "s"))
            g_assert_cmpstr (g_variant_get_string (shown, NULL), ==, "");
          else
            g_assert_cmpuint (g_variant_n_children (shown), ==, 0);
        }

      read_back = chk_job_spec_new_from_job1 (job);
      assert_specs_equal (spec, read_back);
    }
}

/* What a new job shows on the bus before anything is set. */
static void
test_job1_defaults (void)
{
  g_autoptr(ChkJobSpec) spec = chk_job_spec_new ();
  g_autoptr(ChkJob1) job = chk_job1_skeleton_new ();
  g_autoptr(ChkJobSpec) read_back = NULL;

  chk_job_spec_to_job1 (spec, job);
  g_assert_cmpstr (chk_job1_get_shell (job), ==, "");
  g_assert_cmpstr (chk_job1_get_check_url (job), ==, "");
  g_assert_cmpstrv (chk_job1_get_command (job), ((const char * const[]) { NULL }));
  g_assert_cmpstr (chk_job1_get_notify_on (job), ==, "failure");
  g_assert_cmpuint (chk_job1_get_max_output_bytes (job), ==, CHK_JOB_SPEC_DEFAULT_MAX_OUTPUT_BYTES);
  g_assert_true (chk_job1_get_enabled (job));

  read_back = chk_job_spec_new_from_job1 (job);
  assert_specs_equal (spec, read_back);
}

/* Each key is a property of Job1, of the key's type, under both of its names. */
static void
test_job1_properties (void)
{
  GDBusInterfaceInfo *info = chk_job1_interface_info ();
  g_autoptr(GTypeClass) klass = g_type_class_ref (CHK_TYPE_JOB1_SKELETON);
  guint n_keys;
  const ChkJobSpecKey *keys = chk_job_spec_keys (&n_keys);

  for (guint i = 0; i < n_keys; i++)
    {
      g_autofree char *dbus_name = chk_job_spec_key_to_property (keys[i].name);
      GDBusPropertyInfo *property = g_dbus_interface_info_lookup_property (info, dbus_name);

      g_test_message ("key %s", keys[i].name);
      g_assert_nonnull (property);
      g_assert_cmpstr (property->signature, ==, keys[i].type);
      g_assert_nonnull (g_object_class_find_property (G_OBJECT_CLASS (klass), keys[i].property));
    }
}

static char *
read_source_file (const char *first_part,
                  ...)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  char *contents = NULL;
  const char *part;
  va_list args;

  g_ptr_array_add (parts, (gpointer) g_test_get_dir (G_TEST_DIST));
  g_ptr_array_add (parts, (gpointer) "..");
  va_start (args, first_part);
  for (part = first_part; part != NULL; part = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) part);
  va_end (args);
  g_ptr_array_add (parts, NULL);

  path = g_build_filenamev ((char **) parts->pdata);
  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

/* @text from @start up to @end, with each run of white space made one space. */
static char *
cut_and_squeeze (const char *text,
                 const char *start,
                 const char *end)
{
  const char *from = strstr (text, start);
  const char *to;
  GString *out = g_string_new (NULL);

  g_assert_nonnull (from);
  to = strstr (from, end);
  g_assert_nonnull (to);
  for (const char *p = from; p < to; p++)
    {
      if (!g_ascii_isspace (*p))
        g_string_append_c (out, *p);
      else if (out->len > 0 && out->str[out->len - 1] != ' ')
        g_string_append_c (out, ' ');
    }
  return g_string_free (out, FALSE);
}

/*
 * The interface's documentation lists each key with its type, such as
 * "max-runs u (runs kept ...)", in the paragraph about job specs.
 */
static void
test_documented_in_interface (void)
{
  g_autofree char *xml = read_source_file ("data", "io.github.chroniker.Chroniker.Scheduler1.xml",
                                           NULL);
  g_autofree char *paragraph = cut_and_squeeze (xml, "Job specs (a{sv}) take these keys",
                                                "Run records (a{sv})");
  guint n_keys;
  const ChkJobSpecKey *keys = chk_job_spec_keys (&n_keys);

  for (guint i = 0; i < n_keys; i++)
    {
      g_autofree char *entry = g_strdup_printf (" %s %s", keys[i].name, keys[i].type);
      const char *found = strstr (paragraph, entry);

      if (found == NULL || strchr (" ,.)", found[strlen (entry)]) == NULL)
        g_error ("spec key %s (%s) is not documented in the Scheduler1 interface's job specs",
                 keys[i].name, keys[i].type);
    }
}

static char *
troff_escape (const char *name)
{
  g_auto(GStrv) words = g_strsplit (name, "-", -1);

  return g_strjoinv ("\\-", words);
}

/*
 * chronikerctl(1) has a tagged paragraph for each key under "Job keys",
 * saying its JSON type, default and option; and no paragraph for a key
 * that specs do not have.
 */
static void
test_documented_in_man_page (void)
{
  g_autofree char *man = read_source_file ("man", "chronikerctl.1", NULL);
  const char *section = strstr (man, "\n.SS Job keys\n");
  const char *section_end;
  g_autofree char *keys_section = NULL;
  g_auto(GStrv) lines = NULL;
  guint n_keys;
  const ChkJobSpecKey *keys = chk_job_spec_keys (&n_keys);

  g_assert_nonnull (section);
  section_end = strstr (section + 1, "\n.S");
  g_assert_nonnull (section_end);
  keys_section = g_strndup (section, section_end - section + 1);

  for (guint i = 0; i < n_keys; i++)
    {
      g_autofree char *escaped = troff_escape (keys[i].name);
      g_autofree char *tag = g_strdup_printf ("\n.TP\n.BR %s \"", escaped);

      if (strstr (keys_section, tag) == NULL)
        g_error ("spec key %s has no entry under “Job keys” in man/chronikerctl.1", keys[i].name);
    }

  lines = g_strsplit (keys_section, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) words = NULL;
      g_auto(GStrv) parts = NULL;
      g_autofree char *name = NULL;

      if (!g_str_equal (lines[i - 1], ".TP"))
        continue;
      words = g_strsplit (lines[i], " ", 3);
      g_assert_cmpstr (words[0], ==, ".BR");
      g_assert_nonnull (words[1]);
      parts = g_strsplit (words[1], "\\-", -1);
      name = g_strjoinv ("-", parts);
      if (chk_job_spec_lookup_key (name) == NULL)
        g_error ("man/chronikerctl.1 documents “%s” under “Job keys”, which specs do not have",
                 name);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/spec-keys/lookup", test_lookup);
  g_test_add_func ("/spec-keys/defaults", test_defaults);
  g_test_add_func ("/spec-keys/round-trip/all-keys-given", test_all_keys_given);
  g_test_add_func ("/spec-keys/round-trip/variant", test_variant_round_trip);
  g_test_add_func ("/spec-keys/round-trip/job1", test_job1_round_trip);
  g_test_add_func ("/spec-keys/job1/defaults", test_job1_defaults);
  g_test_add_func ("/spec-keys/job1/properties", test_job1_properties);
  g_test_add_func ("/spec-keys/documented/interface", test_documented_in_interface);
  g_test_add_func ("/spec-keys/documented/man-page", test_documented_in_man_page);

  return g_test_run ();
}
