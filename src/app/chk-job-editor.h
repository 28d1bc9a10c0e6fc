/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <adwaita.h>

#include "chk-job-model.h"

G_BEGIN_DECLS

#define CHK_TYPE_JOB_EDITOR (chk_job_editor_get_type ())

G_DECLARE_FINAL_TYPE (ChkJobEditor, chk_job_editor, CHK, JOB_EDITOR, AdwWindow)

ChkJobEditor *chk_job_editor_new          (GtkWindow            *parent,
                                           ChkJobModel          *model,
                                           ChkJob1              *job,
                                           gboolean              duplicate);
ChkJobEditor *chk_job_editor_new_monitor  (GtkWindow            *parent,
                                           ChkJobModel          *model);
void          chk_job_editor_close_async  (ChkJobEditor         *self,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean      chk_job_editor_close_finish (ChkJobEditor         *self,
                                           GAsyncResult         *result,
                                           GError              **error);

G_END_DECLS
