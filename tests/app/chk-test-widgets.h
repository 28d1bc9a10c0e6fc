/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

GPtrArray *chk_test_find_widgets          (gpointer    root,
                                           GType       type);
gpointer   chk_test_find_widget           (gpointer    root,
                                           GType       type);
gpointer   chk_test_find_mapped_widget    (gpointer    root,
                                           GType       type);

char      *chk_test_plain_label           (const char *label);
gpointer   chk_test_find_button           (gpointer    root,
                                           GType       type,
                                           const char *label);
gpointer   chk_test_find_label            (gpointer    root,
                                           const char *text);
gpointer   chk_test_find_label_containing (gpointer    root,
                                           const char *text);
char      *chk_test_row_subtitle          (gpointer    root,
                                           const char *title);

G_END_DECLS
