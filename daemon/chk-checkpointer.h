/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ChkCheckpointer ChkCheckpointer;

/**
 * ChkCheckpointerFunc:
 * @caught_up: whether the checkpoint copied the whole log as it was when
 *   it began (no reader kept it from it, no error)
 * @n_log: how many frames the log had then
 * @user_data: what was given to chk_checkpointer_new()
 *
 * Told after a checkpoint, on the checkpointer's context.
 */
typedef void (*ChkCheckpointerFunc) (gboolean caught_up,
                                     int      n_log,
                                     gpointer user_data);

ChkCheckpointer *chk_checkpointer_new     (const char           *path,
                                           GMainContext         *context,
                                           ChkCheckpointerFunc   func,
                                           gpointer              user_data,
                                           GError              **error);
gboolean         chk_checkpointer_request (ChkCheckpointer  *self);
void             chk_checkpointer_free    (ChkCheckpointer  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChkCheckpointer, chk_checkpointer_free)

G_END_DECLS
