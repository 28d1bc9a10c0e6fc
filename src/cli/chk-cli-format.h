/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ChkTable ChkTable;

gboolean    chk_format_use_color   (int          fd);
const char *chk_format_color_for   (const char  *outcome);
char       *chk_format_local_time  (gint64       when);
char       *chk_format_iso_utc     (gint64       when);
char       *chk_format_outcome     (const char  *outcome,
                                    gint         exit_code);
char       *chk_format_trigger     (const char  *trigger,
                                    guint32      attempt);
char       *chk_format_quoted_argv (const char * const *argv);
char       *chk_format_escape      (const char  *text);
char       *chk_format_cpu_time    (guint64      usec);
char       *chk_format_padded      (const char  *text,
                                    gsize        width);

ChkTable   *chk_table_new          (guint        n_columns,
                                    ...);
void        chk_table_add_row      (ChkTable    *table,
                                    ...);
void        chk_table_set_color    (ChkTable    *table,
                                    guint        column,
                                    const char  *color);
void        chk_table_print        (ChkTable    *table,
                                    gboolean     color);
void        chk_table_free         (ChkTable    *table);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChkTable, chk_table_free)

G_END_DECLS
