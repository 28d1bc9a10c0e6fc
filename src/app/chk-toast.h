/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void chk_widget_add_toast (GtkWidget  *widget,
                           const char *title);

G_END_DECLS
