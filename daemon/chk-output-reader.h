/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-store.h"

G_BEGIN_DECLS

#define CHK_TYPE_OUTPUT_READER (chk_output_reader_get_type ())

G_DECLARE_FINAL_TYPE (ChkOutputReader, chk_output_reader, CHK, OUTPUT_READER, GObject)

ChkOutputReader *chk_output_reader_new            (int               stdout_fd,
                                                   int               stderr_fd,
                                                   guint64           run_id,
                                                   GError          **error);
void             chk_output_reader_close          (ChkOutputReader  *self);
gboolean         chk_output_reader_is_open        (ChkOutputReader  *self);
void             chk_output_reader_wait_for_store (ChkOutputReader  *self,
                                                   ChkStore         *store);
gboolean         chk_output_reader_is_waiting     (ChkOutputReader  *self);

G_END_DECLS
