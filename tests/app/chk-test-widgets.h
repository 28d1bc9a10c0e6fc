/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

GPtrArray *chk_test_find_widgets       (gpointer root,
                                        GType    type);
gpointer   chk_test_find_widget        (gpointer root,
                                        GType    type);
gpointer   chk_test_find_mapped_widget (gpointer root,
                                        GType    type);

G_END_DECLS
