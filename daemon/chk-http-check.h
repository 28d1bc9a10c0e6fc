/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Defaults for the zero values of #ChkHttpCheckConfig. */
#define CHK_HTTP_CHECK_DEFAULT_STATUS         200
#define CHK_HTTP_CHECK_DEFAULT_TIMEOUT_S      30
#define CHK_HTTP_CHECK_DEFAULT_MAX_BODY_BYTES 4096
/* How much of a body is searched for the `contains` text before giving up; whole MiB. */
#define CHK_HTTP_CHECK_MAX_SEARCH_BYTES       (1024 * 1024)

/**
 * ChkHttpCheckConfig:
 * @url: the `http://` or `https://` URL to fetch with GET
 * @expect_status: the final HTTP status (after redirects) that passes; 0 means 200
 * @contains: (nullable): text the body must hold, compared as bytes; %NULL or ""
 *   means any body
 * @timeout_s: how long connecting, the headers and reading the body may take in
 *   all; 0 means 30 s
 * @max_body_bytes: how much of the body is kept in the result; 0 means 4096
 *
 * One HTTP check, as the job spec keys `check-url`, `check-expect-status`,
 * `check-contains` and `check-timeout` describe it. The strings are copied by
 * chk_http_check_run_async().
 */
typedef struct
{
  const char *url;
  guint       expect_status;
  const char *contains;
  guint       timeout_s;
  gsize       max_body_bytes;
} ChkHttpCheckConfig;

/**
 * ChkHttpCheckResult:
 * @passed: the status was the expected one and the body held the text
 * @timed_out: the check did not finish within its timeout
 * @status: the final HTTP status, 0 when no response came
 * @elapsed_us: from the start of the check to its end, in microseconds
 * @body_head: the first `max_body_bytes` of the body (after content decoding);
 *   never %NULL, maybe empty
 * @message: one line for people saying what happened, such as
 *   "HTTP 200 OK in 35 ms" or "HTTP 500 Internal Server Error, expected 200"
 *
 * What a check found. A failing check is a result, not an error.
 */
typedef struct
{
  gboolean  passed;
  gboolean  timed_out;
  guint     status;
  gint64    elapsed_us;
  GBytes   *body_head;
  char     *message;
} ChkHttpCheckResult;

void                chk_http_check_result_free          (ChkHttpCheckResult        *result);

/* The rest is the HTTP module's (chk-http-soup.so): chronikerd calls the
 * checks through chk_http_module_get() (chk-http-module.h). */
gboolean            chk_http_check_validate_url         (const char                *url,
                                                         GError                   **error);
SoupSession        *chk_http_check_dup_default_session  (void);
char               *chk_http_check_describe_error       (GUri                      *uri,
                                                         const GError              *error);

void                chk_http_check_run_async            (const ChkHttpCheckConfig  *config,
                                                         SoupSession               *session,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
ChkHttpCheckResult *chk_http_check_run_finish           (GAsyncResult              *result,
                                                         GError                   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChkHttpCheckResult, chk_http_check_result_free)

G_END_DECLS
