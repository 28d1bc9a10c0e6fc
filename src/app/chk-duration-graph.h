/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

#include "chk-dbus-generated.h"

G_BEGIN_DECLS

#define CHK_TYPE_DURATION_GRAPH (chk_duration_graph_get_type ())

G_DECLARE_FINAL_TYPE (ChkDurationGraph, chk_duration_graph, CHK, DURATION_GRAPH, GtkWidget)

GtkWidget  *chk_duration_graph_new               (void);
void        chk_duration_graph_set_job           (ChkDurationGraph *self,
                                                  ChkJob1          *job);
void        chk_duration_graph_reload            (ChkDurationGraph *self);
const char *chk_duration_graph_get_summary       (ChkDurationGraph *self);
const char *chk_duration_graph_get_selected_text (ChkDurationGraph *self);
guint       chk_duration_graph_get_n_bars        (ChkDurationGraph *self);
guint64     chk_duration_graph_get_bar_run       (ChkDurationGraph *self,
                                                  guint             index,
                                                  const char      **outcome,
                                                  gint64           *duration);
void        chk_duration_graph_select            (ChkDurationGraph *self,
                                                  guint             index);
guint       chk_duration_graph_get_n_draws       (ChkDurationGraph *self);

G_END_DECLS
