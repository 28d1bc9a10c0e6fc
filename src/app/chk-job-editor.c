/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Placeholder: being written. */
#include "config.h"
#include "chk-job-editor.h"
struct _ChkJobEditor { AdwWindow parent_instance; };
G_DEFINE_FINAL_TYPE (ChkJobEditor, chk_job_editor, ADW_TYPE_WINDOW)
static void chk_job_editor_class_init (ChkJobEditorClass *k) {}
static void chk_job_editor_init (ChkJobEditor *self) {}
ChkJobEditor *chk_job_editor_new (GtkWindow *parent, ChkJobModel *model, ChkJob1 *job, gboolean duplicate) { return g_object_new (CHK_TYPE_JOB_EDITOR, "transient-for", parent, "modal", TRUE, NULL); }
