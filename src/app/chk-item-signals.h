/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _ChkItemSignals ChkItemSignals;

ChkItemSignals *chk_item_signals_new       (const char * const *signals,
                                            GCallback           callback,
                                            gpointer            user_data,
                                            GConnectFlags       flags);
void            chk_item_signals_set_model (ChkItemSignals     *self,
                                            GListModel         *model);
void            chk_item_signals_free      (ChkItemSignals     *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChkItemSignals, chk_item_signals_free)

G_END_DECLS
