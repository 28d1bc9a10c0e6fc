/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <string.h>

#include <glib.h>

#include "chk-job-spec.h"
#include "chk-vardict-check.h"
#include "chk-vardict-reader.h"
#include "chk-vardict-writer.h"

static GVariant *
make_dict (gsize text_length)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autofree char *text = g_strnfill (text_length, 'x');
  const char * const argv[] = { "rsync", "-a", "", NULL };

  g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string ("backup"));
  g_variant_builder_add (&builder, "{sv}", "empty", g_variant_new_string (""));
  g_variant_builder_add (&builder, "{sv}", "text", g_variant_new_string (text));
  g_variant_builder_add (&builder, "{sv}", "command", g_variant_new_strv (argv, -1));
  g_variant_builder_add (&builder, "{sv}", "none", g_variant_new_strv (NULL, 0));
  g_variant_builder_add (&builder, "{sv}", "flag", g_variant_new_boolean (TRUE));
  g_variant_builder_add (&builder, "{sv}", "u", g_variant_new_uint32 (0xdeadbeef));
  g_variant_builder_add (&builder, "{sv}", "x", g_variant_new_int64 (-42));
  g_variant_builder_add (&builder, "{sv}", "d", g_variant_new_double (1.5));
  g_variant_builder_add (&builder, "{sv}", "env",
                         g_variant_new_parsed ("{'A': '1', 'BB': ''}"));
  g_variant_builder_add (&builder, "{sv}", "deps",
                         g_variant_new_parsed ("[{'job': <'sync'>}, @a{sv} {}]"));
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* Offsets of 1, 2 and 4 bytes, and no entries at all */
static void
test_sizes (void)
{
  const gsize lengths[] = { 0, 40, 300, 70000 };
  g_autoptr(GVariant) empty = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"),
                                                                       NULL, 0));

  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autoptr(GVariant) dict = make_dict (lengths[i]);

      g_test_message ("text of %zu bytes: %zu in all", lengths[i], g_variant_get_size (dict));
      chk_vardict_check_entries (dict);
    }
  chk_vardict_check_entries (empty);
}

/* The writer gives the bytes GVariant does, offsets of every size included. */
static void
test_writer (void)
{
  const gsize lengths[] = { 0, 40, 300, 70000 };

  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autoptr(GVariant) dict = make_dict (lengths[i]);
      g_autoptr(GVariant) written = NULL;
      ChkVardictWriter writer;
      GVariantIter iter;
      const char *key;
      GVariant *value;

      _chk_vardict_writer_init (&writer);
      g_variant_iter_init (&iter, dict);
      while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
        {
          /* add_value() takes a floating reference only: the iterator's is ours */
          if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
            _chk_vardict_writer_add_string (&writer, key, g_variant_get_string (value, NULL));
          else
            _chk_vardict_writer_add_value (&writer, key, value);
          g_variant_unref (value);
        }
      written = g_variant_ref_sink (_chk_vardict_writer_end (&writer));

      g_test_message ("text of %zu bytes", lengths[i]);
      g_assert_true (g_variant_is_normal_form (written));
      g_assert_cmpmem (g_variant_get_data (written), g_variant_get_size (written),
                       g_variant_get_data (dict), g_variant_get_size (dict));
    }
}

/* Reads the bytes to the end or to what it refuses, never past them: a
 * copy of their own, so that a read past them shows under the sanitizers. */
static void
read_all (const guint8 *data,
          gsize         size)
{
  g_autofree guint8 *copy = g_memdup2 (data, size);

  chk_vardict_check_bounds (copy, size);
}

/* Damaged bytes are refused or read within bounds, and a spec read from them is whole. */
static void
test_damaged (void)
{
  g_autoptr(GVariant) dict = make_dict (40);
  g_autoptr(ChkJobSpec) spec = chk_job_spec_new ();
  g_autoptr(GVariant) changes = g_variant_parse (NULL,
    "{'name': <'backup'>, 'command': <['rsync', '-a']>, 'environment': <{'A': '1'}>, "
    "'depends-on': <[{'job': <'sync'>}]>}", NULL, NULL, NULL);
  g_autoptr(GVariant) stored = NULL;
  g_autoptr(GError) error = NULL;
  GVariant *samples[2];

  g_assert_true (chk_job_spec_update (spec, changes, &error));
  g_assert_no_error (error);
  stored = g_variant_ref_sink (chk_job_spec_to_variant (spec));
  samples[0] = dict;
  samples[1] = stored;

  for (guint s = 0; s < G_N_ELEMENTS (samples); s++)
    {
      const guint8 *data = g_variant_get_data (samples[s]);
      gsize size = g_variant_get_size (samples[s]);
      g_autofree guint8 *bytes = g_memdup2 (data, size);

      for (gsize length = 0; length < size; length++)
        read_all (data, length);

      for (gsize i = 0; i < size; i++)
        {
          for (guint bit = 0; bit < 8; bit++)
            {
              g_autoptr(GVariant) damaged = NULL;
              g_autoptr(ChkJobSpec) back = NULL;

              bytes[i] ^= 1 << bit;
              read_all (bytes, size);
              damaged = g_variant_ref_sink (g_variant_new_from_data (G_VARIANT_TYPE_VARDICT,
                                                                     bytes, size, FALSE,
                                                                     NULL, NULL));
              back = chk_job_spec_new_trusted (damaged);
              if (back != NULL)
                {
                  g_assert_true (g_utf8_validate (back->name, -1, NULL));
                  g_assert_true (back->command != NULL || back->shell != NULL ||
                                 back->check_url != NULL);
                }
              bytes[i] ^= 1 << bit;
            }
        }
    }
}

/* Lists of words, with offsets of 1, 2 and 4 bytes, read as GVariant reads them */
static void
test_strv (void)
{
  g_autofree char *long_word = g_strnfill (300, 'w');
  g_autofree char *longer_word = g_strnfill (70000, 'v');
  const char * const lists[][4] = {
    { NULL },
    { "", NULL },
    { "rsync", "-a", "", NULL },
    { "caf\xc3\xa9", "\xe2\x82\xac", NULL },
    { long_word, "x", NULL },
    { "y", longer_word, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new_strv (lists[i], -1));
      g_autofree const char **read = NULL;

      g_test_message ("list %u: %zu bytes", i, g_variant_get_size (value));
      g_assert_true (_chk_vardict_read_strv (g_variant_get_data (value),
                                             g_variant_get_size (value), &read));
      g_assert_cmpstrv (read, lists[i]);
    }
}

/* Every cut and every flipped bit of a list is read as GVariant reads it */
static void
test_strv_damaged (void)
{
  const char * const words[] = { "rsync", "-a", "", "caf\xc3\xa9", NULL };
  g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new_strv (words, -1));
  gsize size = g_variant_get_size (value);
  g_autofree guint8 *bytes = g_memdup2 (g_variant_get_data (value), size);

  for (gsize length = 0; length <= size; length++)
    chk_vardict_check_words (bytes, length);

  for (gsize i = 0; i < size; i++)
    {
      for (guint bit = 0; bit < 8; bit++)
        {
          bytes[i] ^= 1 << bit;
          chk_vardict_check_words (bytes, size);
          bytes[i] ^= 1 << bit;
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/vardict-reader/sizes", test_sizes);
  g_test_add_func ("/vardict-reader/damaged", test_damaged);
  g_test_add_func ("/vardict-reader/strv", test_strv);
  g_test_add_func ("/vardict-reader/strv-damaged", test_strv_damaged);
  g_test_add_func ("/vardict-writer/as-gvariant", test_writer);

  return g_test_run ();
}
