/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ChkCrontabFormat:
 * @CHK_CRONTAB_FORMAT_AUTO: tell from the lines
 * @CHK_CRONTAB_FORMAT_USER: a user's crontab: the schedule, then the command
 * @CHK_CRONTAB_FORMAT_SYSTEM: /etc/crontab and the files of /etc/cron.d: the schedule, the
 *   user the command runs as, then the command
 */
typedef enum
{
  CHK_CRONTAB_FORMAT_AUTO,
  CHK_CRONTAB_FORMAT_USER,
  CHK_CRONTAB_FORMAT_SYSTEM,
} ChkCrontabFormat;

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

/**
 * ChkCrontabProblem:
 * @line: the crontab line, counting from 1
 * @message: why it makes no job
 */
typedef struct
{
  guint  line;
  char  *message;
} ChkCrontabProblem;

void chk_crontab_job_free     (ChkCrontabJob     *job);
void chk_crontab_problem_free (ChkCrontabProblem *problem);

ChkCrontabProblem *chk_crontab_problem_new (guint       line,
                                            const char *message);

ChkCrontabFormat chk_crontab_parse (const char        *text,
                                    const char        *prefix,
                                    ChkCrontabFormat   format,
                                    const char        *user,
                                    GPtrArray        **out_jobs,
                                    GPtrArray        **out_problems);

G_END_DECLS
