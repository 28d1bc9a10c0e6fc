/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-clock.h"
#include "chk-containment.h"
#include "chk-host-command.h"
#include "chk-job-env.h"
#include "chk-job-spec.h"
#include "chk-outcome.h"
#include "chk-store.h"

G_BEGIN_DECLS

/* How long a process group has between SIGTERM and SIGKILL, by default. */
#define CHK_RUNNER_DEFAULT_KILL_GRACE_MS 5000

#define CHK_TYPE_RUNNER (chk_runner_get_type ())

G_DECLARE_FINAL_TYPE (ChkRunner, chk_runner, CHK, RUNNER, GObject)

/* Runs started side by side, added one by one (chk-runner-start.c) */
typedef struct _ChkRunnerBatch ChkRunnerBatch;

ChkRunner          *chk_runner_new              (ChkStore           *store,
                                                 const ChkJobSpec   *spec,
                                                 const ChkRunRecord *run);
void                chk_runner_set_containment  (ChkRunner          *self,
                                                 ChkContainment     *containment);
void                chk_runner_set_job_env      (ChkRunner          *self,
                                                 ChkJobEnv          *job_env);
void                chk_runner_set_host_command (ChkRunner          *self,
                                                 ChkHostCommand     *host);
void                chk_runner_set_kill_grace   (ChkRunner          *self,
                                                 guint               milliseconds);
void                chk_runner_set_clock        (ChkRunner          *self,
                                                 ChkClock           *clock);
void                chk_runner_set_default_max_tasks (ChkRunner *self,
                                                      guint32    max_tasks);
void                chk_runner_start            (ChkRunner          *self);
void                chk_runner_start_all        (ChkRunner * const  *runners,
                                                 guint               n_runners);
ChkRunnerBatch     *chk_runner_batch_new        (guint               expected);
void                chk_runner_batch_add        (ChkRunnerBatch     *self,
                                                 ChkRunner          *runner);
void                chk_runner_batch_finish     (ChkRunnerBatch     *self);
void                chk_runner_stop             (ChkRunner          *self,
                                                 ChkOutcome          outcome);
void                chk_runner_report_progress  (ChkRunner          *self,
                                                 guint               complete,
                                                 guint               total,
                                                 const char         *message);
const ChkRunRecord *chk_runner_get_record       (ChkRunner          *self);
guint64             chk_runner_get_run_id       (ChkRunner          *self);
gboolean            chk_runner_is_finished      (ChkRunner          *self);
void                chk_runner_mark_running_long (ChkRunner         *self);

G_END_DECLS
