/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "fuzz-stored-spec"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "chk-job-spec.h"
#include "chk-vardict-check.h"
#include "chk-vardict-reader.h"

/*
 * The fuzz target of the reading of stored job specs: the bytes of a spec
 * as the store keeps them (an `a{sv}`), damaged in any way a disk or
 * another program could damage them. A daemon reads 10,000 of them at a
 * start-up with chk_job_spec_new_trusted(), which reads their bytes
 * itself (chk-vardict-reader.c) instead of through GVariant; so each
 * reading is checked against GVariant's:
 *
 * - the dictionary's entries, wherever GVariant finds the whole in normal
 *   form: the same keys, types and value bytes;
 * - the input read as a value of type `s` and of type `as`: accepted
 *   exactly where GVariant finds normal form, with the same text;
 * - a spec read back whole: one program, a name that is UTF-8, and the
 *   same spec again once written and read back.
 *
 * Built with -Dfuzzing=true it is a libFuzzer target (build-aux/fuzz
 * stored-spec); otherwise fuzz-replay.c runs it over the seed corpus as a
 * test.
 */

#define MAX_INPUT_SIZE 65536

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* @bytes as a value of @type, not trusted to be in normal form */
static GVariant *
variant_of (const GVariantType *type,
            GBytes             *bytes)
{
  return g_variant_ref_sink (g_variant_new_from_bytes (type, bytes, FALSE));
}

/* _chk_vardict_read_string() takes exactly what GVariant finds in normal
 * form as an `s`, with the same text. */
static void
check_text (GBytes *bytes)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  g_autoptr(GVariant) text = variant_of (G_VARIANT_TYPE_STRING, bytes);
  const char *read_text = NULL;

  g_assert_cmpint (_chk_vardict_read_string (data, size, &read_text), ==,
                   g_variant_is_normal_form (text));
  if (read_text != NULL)
    g_assert_cmpstr (read_text, ==, g_variant_get_string (text, NULL));
}

/* A spec read from the bytes is whole, and reads back the same once written. */
static void
check_spec (GVariant *stored)
{
  g_autoptr(ChkJobSpec) spec = chk_job_spec_new_trusted (stored);
  g_autoptr(ChkJobSpec) again = NULL;
  g_autoptr(GVariant) written = NULL;
  g_autoptr(GVariant) rewritten = NULL;

  if (spec == NULL)
    return;

  g_assert_true (g_utf8_validate (spec->name, -1, NULL));
  g_assert_cmpint ((spec->command != NULL) + (spec->shell != NULL) + (spec->check_url != NULL),
                   ==, 1);
  g_assert_nonnull (spec->environment);
  g_assert_nonnull (spec->depends_on);

  written = g_variant_ref_sink (chk_job_spec_to_variant (spec));
  again = chk_job_spec_new_trusted (written);
  g_assert_nonnull (again);
  rewritten = g_variant_ref_sink (chk_job_spec_to_variant (again));
  g_assert_true (g_variant_equal (written, rewritten));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GVariant) dict = NULL;

  /* A critical or a warning from the library is a bug: make it a crash. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  if (size > MAX_INPUT_SIZE)
    return 0;

  /* Aligned, as the store's column is once GVariant has it; a copy of its
   * own, so that reading past the input shows under the sanitizers. */
  bytes = g_bytes_new (data, size);
  chk_vardict_check_bounds (g_bytes_get_data (bytes, NULL), size);
  check_text (bytes);
  chk_vardict_check_words (data, size);

  dict = variant_of (G_VARIANT_TYPE_VARDICT, bytes);
  if (g_variant_is_normal_form (dict))
    chk_vardict_check_entries (dict);
  check_spec (dict);

  return 0;
}
