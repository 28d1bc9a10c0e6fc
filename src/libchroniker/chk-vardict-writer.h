/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Writes a serialised `a{sv}` in normal form from each entry's key, type
 * string and value bytes, with no #GVariant for each entry, key and value:
 * for the properties of many jobs at once. The reverse of
 * #ChkVardictReader.
 */
typedef struct
{
  GByteArray *data;
  /* Where each entry ends */
  GArray     *ends;
} ChkVardictWriter;

void      _chk_vardict_writer_init       (ChkVardictWriter *writer);
void      _chk_vardict_writer_add        (ChkVardictWriter *writer,
                                          const char       *key,
                                          const char       *type,
                                          gconstpointer     value,
                                          gsize             size);
void      _chk_vardict_writer_add_value  (ChkVardictWriter *writer,
                                          const char       *key,
                                          GVariant         *value);
void      _chk_vardict_writer_add_string (ChkVardictWriter *writer,
                                          const char       *key,
                                          const char       *text);
GVariant *_chk_vardict_writer_end        (ChkVardictWriter *writer);

G_END_DECLS
