/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

#include "chk-job-model.h"

G_BEGIN_DECLS

#define CHK_TYPE_JOB_PAGE (chk_job_page_get_type ())

G_DECLARE_FINAL_TYPE (ChkJobPage, chk_job_page, CHK, JOB_PAGE, GtkWidget)

void     chk_job_page_set_job   (ChkJobPage  *self,
                                 ChkJobModel *model,
                                 ChkJob1     *job);
ChkJob1 *chk_job_page_get_job   (ChkJobPage  *self);
void     chk_job_page_show_run  (ChkJobPage  *self,
                                 guint64      run_id);

G_END_DECLS
