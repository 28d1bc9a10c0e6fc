/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include "chk-job-page.h"

G_BEGIN_DECLS

char  *_chk_job_page_format_usage   (GVariant   *run);
guint  _chk_job_page_get_n_refreshes (ChkJobPage *self);

G_END_DECLS
