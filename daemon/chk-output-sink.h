/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-store.h"

G_BEGIN_DECLS

#define CHK_TYPE_OUTPUT_SINK (chk_output_sink_get_type ())

G_DECLARE_FINAL_TYPE (ChkOutputSink, chk_output_sink, CHK, OUTPUT_SINK, GObject)

ChkOutputSink *chk_output_sink_new      (ChkStore      *store,
                                         guint64        run_id,
                                         guint64        max_output_bytes);
void           chk_output_sink_add      (ChkOutputSink *self,
                                         ChkStream      stream,
                                         GBytes        *bytes);
void           chk_output_sink_flush    (ChkOutputSink *self);
char          *chk_output_sink_close    (ChkOutputSink *self);
void           chk_output_sink_announce (ChkOutputSink *self);

G_END_DECLS
