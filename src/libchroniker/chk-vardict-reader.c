/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <string.h>

#include "chk-vardict-reader.h"

/*
 * GVariant's serialisation of an `a{sv}`, as its documentation has it: the
 * entries one after the other, each starting at a multiple of 8, then the
 * end of each entry as a little-endian offset. An entry is its key with a
 * nul, padding to a multiple of 8, the variant, and the end of the key as
 * an offset; a variant is the value's bytes, a nul and the value's type
 * string. Offsets are 1, 2, 4 or 8 bytes, the fewest that the container's
 * size fits in.
 */

static gsize
offset_size_for (gsize container_size)
{
  if (container_size <= G_MAXUINT8)
    return 1;
  if (container_size <= G_MAXUINT16)
    return 2;
  if (container_size <= G_MAXUINT32)
    return 4;
  return 8;
}

static gsize
read_offset (const guint8 *at,
             gsize         offset_size)
{
  guint64 value = 0;

  /* Little-endian: the low bytes come first. */
  for (gsize i = offset_size; i > 0; i--)
    value = (value << 8) | at[i - 1];
  return (gsize) value;
}

static gsize
align8 (gsize offset)
{
  return (offset + 7) & ~(gsize) 7;
}

/* Whether the @length bytes at @text are UTF-8 without a nul: the ASCII
 * that keys and most values are is checked here, without a call each. */
static gboolean
text_is_valid (const char *text,
               gsize       length)
{
  for (gsize i = 0; i < length; i++)
    {
      if (text[i] == '\0')
        return FALSE;
      /* It refuses a nul within the length too */
      if ((guchar) text[i] >= 0x80)
        return g_utf8_validate (text + i, length - i, NULL);
    }
  return TRUE;
}

/* Whether the @length bytes at @type are one complete type: a basic
 * type's one letter, as most values have, without a call. */
static gboolean
type_is_complete (const char *type,
                  gsize       length)
{
  const char *end = NULL;

  if (length == 1 && type[0] != '\0' && strchr ("bynqiuxtdsogvh", type[0]) != NULL)
    return TRUE;
  return g_variant_type_string_scan (type, type + length, &end) && end == type + length;
}

/*
 * Starts reading the `a{sv}` of @size bytes at @data, which stays valid
 * while @reader is used. %FALSE for bytes that are no such dictionary in
 * normal form.
 */
gboolean
_chk_vardict_reader_init (ChkVardictReader *reader,
                          gconstpointer     data,
                          gsize             size)
{
  gsize last_end;

  *reader = (ChkVardictReader) { data, size, offset_size_for (size), 0, 0, 0 };
  if (size == 0)
    return TRUE;
  if (size < reader->offset_size)
    return FALSE;

  last_end = read_offset (reader->data + size - reader->offset_size, reader->offset_size);
  if (last_end > size || (size - last_end) % reader->offset_size != 0)
    return FALSE;

  reader->offsets_start = last_end;
  reader->n_entries = (size - last_end) / reader->offset_size;
  return reader->n_entries > 0;
}

/* The dictionary entry at [@start, @end) of the data */
static gboolean
read_entry (const guint8    *data,
            gsize            start,
            gsize            end,
            ChkVardictEntry *out_entry)
{
  const guint8 *entry = data + start;
  gsize size = end - start;
  gsize offset_size = offset_size_for (size);
  gsize key_end, variant_start, variant_end, separator;

  if (size < offset_size + 1)
    return FALSE;
  key_end = read_offset (entry + size - offset_size, offset_size);
  variant_end = size - offset_size;
  if (key_end == 0 || key_end > variant_end ||
      !_chk_vardict_read_string (entry, key_end, &out_entry->key))
    return FALSE;

  variant_start = align8 (key_end);
  if (variant_start >= variant_end)
    return FALSE;

  /* The type string follows the value's last nul: a type string has none. */
  separator = variant_end;
  while (separator > variant_start && entry[separator - 1] != '\0')
    separator--;
  if (separator == variant_start)
    return FALSE;

  out_entry->type = (const char *) entry + separator;
  out_entry->type_length = variant_end - separator;
  out_entry->value = entry + variant_start;
  out_entry->value_size = separator - 1 - variant_start;
  return type_is_complete (out_entry->type, out_entry->type_length);
}

/*
 * The next entry: %TRUE with @out_done set once there are no more, %FALSE
 * for bytes that are not in the form GVariant writes.
 */
gboolean
_chk_vardict_reader_next (ChkVardictReader *reader,
                          ChkVardictEntry  *out_entry,
                          gboolean         *out_done)
{
  gsize start, end;

  *out_done = reader->next == reader->n_entries;
  if (*out_done)
    return TRUE;

  start = reader->next == 0 ? 0 : align8 (read_offset (reader->data + reader->offsets_start +
                                                       (reader->next - 1) * reader->offset_size,
                                                       reader->offset_size));
  end = read_offset (reader->data + reader->offsets_start + reader->next * reader->offset_size,
                     reader->offset_size);
  if (start > end || end > reader->offsets_start)
    return FALSE;

  reader->next++;
  return read_entry (reader->data, start, end, out_entry);
}

/*
 * Reads the value of an entry whose type is `as`, the @size bytes at
 * @data: its strings one after the other, each with its nul, then the end
 * of each as an offset (no bytes at all for no strings). Sets
 * @out_strings to a %NULL-terminated array of the strings, pointing into
 * the data, which the caller frees with g_free(). %FALSE, and nothing set,
 * for bytes that are not what GVariant writes for an `as`.
 */
gboolean
_chk_vardict_read_strv (const guint8   *data,
                        gsize           size,
                        const char   ***out_strings)
{
  g_autofree const char **strings = NULL;
  gsize offset_size = offset_size_for (size);
  gsize offsets_start, n_strings, start = 0;

  if (size == 0)
    {
      *out_strings = g_new0 (const char *, 1);
      return TRUE;
    }
  if (size < offset_size)
    return FALSE;

  offsets_start = read_offset (data + size - offset_size, offset_size);
  if (offsets_start > size || (size - offsets_start) % offset_size != 0)
    return FALSE;
  n_strings = (size - offsets_start) / offset_size;
  if (n_strings == 0)
    return FALSE;

  strings = g_new (const char *, n_strings + 1);
  for (gsize i = 0; i < n_strings; i++)
    {
      gsize end = read_offset (data + offsets_start + i * offset_size, offset_size);

      if (end < start || end > offsets_start ||
          !_chk_vardict_read_string (data + start, end - start, &strings[i]))
        return FALSE;
      start = end;
    }
  strings[n_strings] = NULL;

  *out_strings = g_steal_pointer (&strings);
  return TRUE;
}

/*
 * Reads a value of type `s`, the @size bytes at @data: the text, valid
 * UTF-8, and its nul. Sets @out_text to it, in the data; %FALSE, and
 * nothing set, for bytes that are no such value.
 */
gboolean
_chk_vardict_read_string (const guint8  *data,
                          gsize          size,
                          const char   **out_text)
{
  if (size == 0 || data[size - 1] != '\0' || !text_is_valid ((const char *) data, size - 1))
    return FALSE;
  *out_text = (const char *) data;
  return TRUE;
}
