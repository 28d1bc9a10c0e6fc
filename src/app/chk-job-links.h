/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <adwaita.h>

#include "chk-job-model.h"

G_BEGIN_DECLS

#define CHK_TYPE_JOB_LINKS (chk_job_links_get_type ())

G_DECLARE_FINAL_TYPE (ChkJobLinks, chk_job_links, CHK, JOB_LINKS, AdwPreferencesGroup)

void chk_job_links_set_job (ChkJobLinks *self,
                            ChkJobModel *model,
                            ChkJob1     *job);

G_END_DECLS
