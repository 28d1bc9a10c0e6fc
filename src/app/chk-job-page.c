/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Placeholder: being written. */
#include "config.h"
#include "chk-job-page.h"
struct _ChkJobPage { GtkWidget parent_instance; ChkJob1 *job; };
G_DEFINE_FINAL_TYPE (ChkJobPage, chk_job_page, GTK_TYPE_WIDGET)
static void chk_job_page_dispose (GObject *o) { g_clear_object (&CHK_JOB_PAGE (o)->job); G_OBJECT_CLASS (chk_job_page_parent_class)->dispose (o); }
static void chk_job_page_class_init (ChkJobPageClass *k) { G_OBJECT_CLASS (k)->dispose = chk_job_page_dispose; }
static void chk_job_page_init (ChkJobPage *self) {}
void chk_job_page_set_job (ChkJobPage *self, ChkJobModel *model, ChkJob1 *job) { g_set_object (&self->job, job); }
ChkJob1 *chk_job_page_get_job (ChkJobPage *self) { return self->job; }
void chk_job_page_show_run (ChkJobPage *self, guint64 run_id) {}
