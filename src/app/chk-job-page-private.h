/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include "chk-job-page.h"

G_BEGIN_DECLS

/* Shared by the page and its rows of runs */
char     *_chk_job_page_format_time     (gint64      when,
                                         GTimeZone  *tz,
                                         gboolean    with_zone);
char     *_chk_job_page_join_parts      (GPtrArray  *parts);
char     *_chk_job_page_format_progress (ChkJob1    *job,
                                         gint64      now);
gint64    _chk_job_page_next_second     (gint64      started,
                                         gint64      now);
gboolean  _chk_job_page_is_check        (ChkJob1    *job);

guint     _chk_job_page_get_n_refreshes (ChkJobPage *self);

G_END_DECLS
