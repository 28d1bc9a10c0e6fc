/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void chk_choice_keys_attach (GtkWidget    *box,
                             GActionGroup *group,
                             const char   *action_name);

G_END_DECLS
