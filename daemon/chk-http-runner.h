/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-job-spec.h"
#include "chk-outcome.h"

G_BEGIN_DECLS

/**
 * ChkHttpRun:
 * @outcome: %CHK_OUTCOME_SUCCESS, %CHK_OUTCOME_FAILURE or %CHK_OUTCOME_TIMEOUT
 * @exit_code: 0 when the check passed, 1 when not: a check has no exit code
 * @http_status: the final HTTP status, 0 when no response came
 * @body_head: the head of the body, the run's stdout; never %NULL, maybe empty
 * @failure: (nullable): why the check failed, one line for the run's stderr
 *   and its message; %NULL when it passed
 *
 * What one run of an HTTP check comes to.
 */
typedef struct
{
  ChkOutcome  outcome;
  int         exit_code;
  guint       http_status;
  GBytes     *body_head;
  char       *failure;
} ChkHttpRun;

void chk_http_run_free (ChkHttpRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChkHttpRun, chk_http_run_free)

#define CHK_TYPE_HTTP_RUNNER (chk_http_runner_get_type ())

G_DECLARE_FINAL_TYPE (ChkHttpRunner, chk_http_runner, CHK, HTTP_RUNNER, GObject)

ChkHttpRunner *chk_http_runner_new        (const ChkJobSpec     *spec,
                                           guint64               run_id);
void           chk_http_runner_run_async  (ChkHttpRunner        *self,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
ChkHttpRun    *chk_http_runner_run_finish (ChkHttpRunner        *self,
                                           GAsyncResult         *result,
                                           GError              **error);

G_END_DECLS
