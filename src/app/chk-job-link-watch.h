/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib-object.h>

#include "chk-job-model.h"

G_BEGIN_DECLS

/**
 * ChkJobLinkKind:
 * @CHK_JOB_LINK_DEPENDS: one waits for the other (`depends-on`)
 * @CHK_JOB_LINK_ON_SUCCESS: one starts the other when it succeeds (`run-on-success`)
 * @CHK_JOB_LINK_ON_FAILURE: one starts the other when it fails (`run-on-failure`)
 *
 * How two jobs are linked, whichever way: upstream, the linked job runs
 * first; downstream, the job shown does.
 */
typedef enum
{
  CHK_JOB_LINK_DEPENDS    = 1 << 0,
  CHK_JOB_LINK_ON_SUCCESS = 1 << 1,
  CHK_JOB_LINK_ON_FAILURE = 1 << 2,
} ChkJobLinkKind;

/**
 * ChkJobLink:
 * @name: the linked job's name
 * @kinds: every way it is linked
 * @job: (nullable): the job of that name, if there is one
 */
typedef struct
{
  char           *name;
  ChkJobLinkKind  kinds;
  ChkJob1        *job;
} ChkJobLink;

#define CHK_TYPE_JOB_LINK_WATCH (chk_job_link_watch_get_type ())

G_DECLARE_FINAL_TYPE (ChkJobLinkWatch, chk_job_link_watch, CHK, JOB_LINK_WATCH, GObject)

ChkJobLinkWatch *chk_job_link_watch_new      (void);
void             chk_job_link_watch_set_job  (ChkJobLinkWatch *self,
                                              ChkJobModel     *model,
                                              ChkJob1         *job);
ChkJob1         *chk_job_link_watch_get_job  (ChkJobLinkWatch *self);
GPtrArray       *chk_job_link_watch_collect  (ChkJobLinkWatch *self,
                                              gboolean         downstream);
char            *chk_job_link_describe       (ChkJobLinkKind   kinds,
                                              gboolean         downstream);

G_END_DECLS
