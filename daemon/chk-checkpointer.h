/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ChkCheckpointer ChkCheckpointer;

ChkCheckpointer *chk_checkpointer_new     (const char       *path,
                                           GError          **error);
gboolean         chk_checkpointer_request (ChkCheckpointer  *self);
void             chk_checkpointer_free    (ChkCheckpointer  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChkCheckpointer, chk_checkpointer_free)

G_END_DECLS
