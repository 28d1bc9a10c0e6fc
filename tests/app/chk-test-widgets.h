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
gpointer   chk_test_find_label_with_class (gpointer    root,
                                           const char *css_class);
char      *chk_test_row_subtitle          (gpointer    root,
                                           const char *title);
gpointer   chk_test_find_row              (gpointer    root,
                                           GType       type,
                                           const char *title);
gpointer   chk_test_find_entry_row        (gpointer    root,
                                           const char *title);
void       chk_test_select_combo_item     (gpointer    root,
                                           const char *title,
                                           const char *item);

GtkStack  *chk_test_find_stack_with_page  (gpointer    root,
                                           const char *page);
gpointer   chk_test_find_button_with_action (gpointer    root,
                                             const char *action);
void       chk_test_click                 (GtkWidget  *button);
void       chk_test_wait_frames           (GtkWidget  *widget,
                                           guint       n_frames);

G_END_DECLS
