/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <string.h>

#include "chk-vardict-check.h"
#include "chk-vardict-reader.h"

/* Reads the @size bytes at @data to the end or to what the reader
 * refuses, and checks that no entry's key, type or value reaches past
 * them, and that each type is a valid one. */
void
chk_vardict_check_bounds (const guint8 *data,
                          gsize         size)
{
  ChkVardictReader reader;
  gboolean done = FALSE;

  if (!_chk_vardict_reader_init (&reader, data, size))
    return;
  while (!done)
    {
      g_autofree char *type = NULL;
      ChkVardictEntry entry;

      if (!_chk_vardict_reader_next (&reader, &entry, &done) || done)
        return;
      g_assert_true ((const guint8 *) entry.key >= data &&
                     (const guint8 *) entry.key + strlen (entry.key) < data + size);
      g_assert_true (entry.value >= data && entry.value + entry.value_size <= data + size);
      g_assert_true ((const guint8 *) entry.type >= data &&
                     (const guint8 *) entry.type + entry.type_length <= data + size);
      type = g_strndup (entry.type, entry.type_length);
      g_assert_true (g_variant_type_string_is_valid (type));
    }
}

/* Reads every entry of @dict, in normal form, and checks each against
 * GVariant's reading: the same keys, types and value bytes. */
void
chk_vardict_check_entries (GVariant *dict)
{
  ChkVardictReader reader;
  gsize n = 0;

  g_assert_true (_chk_vardict_reader_init (&reader, g_variant_get_data (dict),
                                           g_variant_get_size (dict)));
  for (;;)
    {
      g_autoptr(GVariant) entry = NULL;
      g_autoptr(GVariant) value = NULL;
      ChkVardictEntry read;
      gboolean done;
      const char *key;
      const char *type;

      g_assert_true (_chk_vardict_reader_next (&reader, &read, &done));
      if (done)
        break;
      g_assert_cmpuint (n, <, g_variant_n_children (dict));
      entry = g_variant_get_child_value (dict, n++);
      g_variant_get (entry, "{&sv}", &key, &value);
      type = g_variant_get_type_string (value);
      g_assert_cmpstr (read.key, ==, key);
      g_assert_cmpmem (read.type, read.type_length, type, strlen (type));
      g_assert_cmpmem (read.value, read.value_size,
                       g_variant_get_data (value), g_variant_get_size (value));
    }
  g_assert_cmpuint (n, ==, g_variant_n_children (dict));
}

/* Whether _chk_vardict_read_strv() reads the @size bytes at @data as
 * GVariant does: the same words, within the bytes, where GVariant finds
 * an `as` in normal form; nothing where it does not. */
void
chk_vardict_check_words (const guint8 *data,
                         gsize         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GVariant) value = NULL;
  g_autofree const char **read = NULL;
  g_autofree const char **expected = NULL;
  const guint8 *copy = g_bytes_get_data (bytes, NULL);
  gboolean normal;

  value = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_STRING_ARRAY, bytes,
                                                        FALSE));
  normal = g_variant_is_normal_form (value);

  g_assert_cmpint (_chk_vardict_read_strv (copy, size, &read), ==, normal);
  if (!normal)
    {
      g_assert_null (read);
      return;
    }
  expected = g_variant_get_strv (value, NULL);
  g_assert_cmpstrv (read, expected);
  for (guint i = 0; read[i] != NULL; i++)
    g_assert_true ((const guint8 *) read[i] >= copy &&
                   (const guint8 *) read[i] + strlen (read[i]) < copy + size);
}
