/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ChkCrontabJob:
 * @line: the crontab line it came from, counting from 1
 * @spec: the job spec, an `a{sv}` for CreateJob
 */
typedef struct
{
  guint     line;
  GVariant *spec;
} ChkCrontabJob;

void chk_crontab_job_free (ChkCrontabJob *job);

void chk_crontab_parse (const char  *text,
                        const char  *prefix,
                        GPtrArray  **out_jobs,
                        GPtrArray  **out_problems);

G_END_DECLS
