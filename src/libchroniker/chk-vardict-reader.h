/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Reads the entries of a serialised `a{sv}` straight from its bytes, with
 * no #GVariant for each entry, key and value: for loading many stored job
 * specs. Only what GVariant writes in normal form is read; anything else
 * (a bad offset, a key that is no string, a value whose type is not one
 * complete type) stops the reading with %FALSE, and the caller reads the
 * dictionary with #GVariant instead. Numbers in the values are in the
 * machine's order, as g_variant_get_data() gives them.
 * _chk_vardict_read_string() and _chk_vardict_read_strv() read a value of
 * type `s` or `as` in the same way.
 */
typedef struct
{
  const guint8 *data;
  gsize         size;
  gsize         offset_size;
  /* Where the entries end and their offsets begin */
  gsize         offsets_start;
  gsize         n_entries;
  gsize         next;
} ChkVardictReader;

typedef struct
{
  /* Nul-terminated, within the data */
  const char   *key;
  /* The value's type string, @type_length bytes, not nul-terminated */
  const char   *type;
  gsize         type_length;
  const guint8 *value;
  gsize         value_size;
} ChkVardictEntry;

gboolean _chk_vardict_reader_init (ChkVardictReader *reader,
                                   gconstpointer     data,
                                   gsize             size);
gboolean _chk_vardict_reader_next (ChkVardictReader *reader,
                                   ChkVardictEntry  *out_entry,
                                   gboolean         *out_done);
gboolean _chk_vardict_read_string (const guint8     *data,
                                   gsize             size,
                                   const char      **out_text);
gboolean _chk_vardict_read_strv   (const guint8     *data,
                                   gsize             size,
                                   const char     ***out_strings);

G_END_DECLS
