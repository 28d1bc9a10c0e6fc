/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <string.h>

#include "chk-vardict-writer.h"

/*
 * The layout is the one chk-vardict-reader.c reads: entries at multiples
 * of 8, each its key, a nul, padding to 8, the variant (value, nul, type
 * string) and the key's end as an offset; then the end of every entry.
 * Offsets are little-endian, of the fewest bytes (1, 2, 4 or 8) in which
 * the container's size, offsets included, fits: as GVariant writes them.
 */

/* How many bytes each of @n_offsets offsets after @body_size bytes takes */
static gsize
offset_size_for (gsize body_size,
                 gsize n_offsets)
{
  if (body_size + n_offsets <= G_MAXUINT8)
    return 1;
  if (body_size + 2 * n_offsets <= G_MAXUINT16)
    return 2;
  if (body_size + 4 * n_offsets <= G_MAXUINT32)
    return 4;
  return 8;
}

static void
append_offset (GByteArray *data,
               gsize       offset,
               gsize       offset_size)
{
  guint8 bytes[8];

  for (gsize i = 0; i < offset_size; i++)
    bytes[i] = (guint8) (offset >> (8 * i));
  g_byte_array_append (data, bytes, offset_size);
}

static void
pad_to_8 (GByteArray *data)
{
  static const guint8 zeros[8] = { 0 };

  g_byte_array_append (data, zeros, (8 - data->len % 8) % 8);
}

void
_chk_vardict_writer_init (ChkVardictWriter *writer)
{
  writer->data = g_byte_array_sized_new (2048);
  writer->ends = g_array_sized_new (FALSE, FALSE, sizeof (gsize), 64);
}

/*
 * Adds the entry @key, whose value is @size bytes at @value, of the one
 * complete type @type, serialised in normal form.
 */
void
_chk_vardict_writer_add (ChkVardictWriter *writer,
                         const char       *key,
                         const char       *type,
                         gconstpointer     value,
                         gsize             size)
{
  GByteArray *data = writer->data;
  gsize start, key_end, end;

  pad_to_8 (data);
  start = data->len;
  g_byte_array_append (data, (const guint8 *) key, strlen (key) + 1);
  key_end = data->len - start;
  pad_to_8 (data);
  g_byte_array_append (data, value, size);
  g_byte_array_append (data, (const guint8 *) "", 1);
  g_byte_array_append (data, (const guint8 *) type, strlen (type));
  append_offset (data, key_end, offset_size_for (data->len - start, 1));

  end = data->len;
  g_array_append_val (writer->ends, end);
}

/* Adds @value (floating taken) under @key. */
void
_chk_vardict_writer_add_value (ChkVardictWriter *writer,
                               const char       *key,
                               GVariant         *value)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (value);

  _chk_vardict_writer_add (writer, key, g_variant_get_type_string (owned),
                           g_variant_get_data (owned), g_variant_get_size (owned));
}

/* Adds the string @text under @key. */
void
_chk_vardict_writer_add_string (ChkVardictWriter *writer,
                                const char       *key,
                                const char       *text)
{
  _chk_vardict_writer_add (writer, key, "s", text, strlen (text) + 1);
}

/* Returns: (transfer floating): the dictionary; @writer is done with */
GVariant *
_chk_vardict_writer_end (ChkVardictWriter *writer)
{
  GByteArray *data = writer->data;
  gsize body_size = data->len;
  gsize offset_size = offset_size_for (body_size, writer->ends->len);
  g_autoptr(GBytes) bytes = NULL;

  for (guint i = 0; i < writer->ends->len; i++)
    append_offset (data, g_array_index (writer->ends, gsize, i), offset_size);
  g_array_unref (writer->ends);
  writer->ends = NULL;

  bytes = g_byte_array_free_to_bytes (data);
  writer->data = NULL;
  return g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT, bytes, TRUE);
}
