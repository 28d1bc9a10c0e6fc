/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include "chk-duration-graph.h"

G_BEGIN_DECLS

void _chk_duration_graph_set_records (ChkDurationGraph *self,
                                      GVariant         *records);

G_END_DECLS
