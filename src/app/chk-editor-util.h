/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Small helpers shared by the job editor, the groups it is made of and the job page */

/* A string from a D-Bus proxy, which is NULL before its property is known */
static inline const char *
chk_nonnull (const char *text)
{
  return text != NULL ? text : "";
}

const char *chk_editable_text      (gpointer       editable);
void        chk_focus_keeping_text (GtkWidget     *widget);
GtkWidget  *chk_row_button_new     (const char    *icon_name,
                                    const char    *label);
int         chk_compare_strings    (gconstpointer  a,
                                    gconstpointer  b);
gboolean    chk_set_string         (char         **slot,
                                    const char    *value);

G_END_DECLS
