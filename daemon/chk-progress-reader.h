/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CHK_TYPE_PROGRESS_READER (chk_progress_reader_get_type ())

G_DECLARE_FINAL_TYPE (ChkProgressReader, chk_progress_reader, CHK, PROGRESS_READER, GObject)

ChkProgressReader *chk_progress_reader_new      (int                 fd,
                                                 guint64             run_id);
void               chk_progress_reader_start    (ChkProgressReader  *self);
void               chk_progress_reader_close    (ChkProgressReader  *self);
gboolean           chk_progress_reader_is_open  (ChkProgressReader  *self);

gboolean           chk_progress_parse_line      (const char         *line,
                                                 guint              *out_complete,
                                                 guint              *out_total,
                                                 char              **out_message);
char              *chk_progress_message_new     (const char         *text,
                                                 gssize              len);

G_END_DECLS
