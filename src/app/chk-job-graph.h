/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

#include "chk-job-model.h"

G_BEGIN_DECLS

#define CHK_TYPE_JOB_GRAPH (chk_job_graph_get_type ())

G_DECLARE_FINAL_TYPE (ChkJobGraph, chk_job_graph, CHK, JOB_GRAPH, GtkWidget)

GtkWidget *chk_job_graph_new     (void);
void       chk_job_graph_set_job (ChkJobGraph *self,
                                  ChkJobModel *model,
                                  ChkJob1     *job);

G_END_DECLS
