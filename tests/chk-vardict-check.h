/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Checks of the readers of chk-vardict-reader.h against GVariant, shared by
 * test-vardict-reader and the fuzz target fuzz-stored-spec. Each fails the
 * test (g_assert) where the two disagree.
 */

void chk_vardict_check_bounds  (const guint8 *data,
                                gsize         size);
void chk_vardict_check_entries (GVariant     *dict);
void chk_vardict_check_words   (const guint8 *data,
                                gsize         size);

G_END_DECLS
