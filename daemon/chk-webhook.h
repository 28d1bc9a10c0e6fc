/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* How much of the end of stderr a webhook carries. */
#define CHK_WEBHOOK_TAIL_MAX_BYTES (8 * 1024)
/* How long one POST may take, from connecting to the response headers. */
#define CHK_WEBHOOK_TRY_TIMEOUT_S 15

/**
 * ChkWebhookEvent:
 * @job_name: the job's name
 * @job_id: the job's id
 * @run_id: the run's id
 * @outcome: the run's outcome (`success`, `failure`, `timeout`, …)
 * @exit_code: the run's exit code
 * @started: when the run started, µs since the Unix epoch, UTC; 0 for none
 * @finished: when it finished, likewise
 * @hostname: (nullable): the host the run was on; %NULL for this one
 * @stderr_tail: (nullable): the end of the run's stderr, any bytes
 * @event: why the webhook is sent: `failure`, `success`, `recovered`,
 *   `running-long` or `summary`
 * @attempt: which attempt the run was: 1, or more after retries
 * @text: (nullable): the line for people; %NULL for the usual one
 * @suppressed: for a `summary`, how many alerts it stands for
 *
 * What a webhook reports about a finished run; see chk_webhook_build_payload().
 */
typedef struct
{
  const char *job_name;
  guint64     job_id;
  guint64     run_id;
  const char *outcome;
  int         exit_code;
  gint64      started;
  gint64      finished;
  const char *hostname;
  GBytes     *stderr_tail;
  const char *event;
  guint       attempt;
  const char *text;
  guint       suppressed;
} ChkWebhookEvent;

char     *chk_webhook_build_payload (const ChkWebhookEvent  *event);

/* The delivery is the HTTP module's (chk-http-soup.so): chronikerd posts
 * through chk_http_module_get() (chk-http-module.h). */
void      chk_webhook_post_async    (const char             *url,
                                     const char             *payload,
                                     const guint            *retry_delays_ms,
                                     guint                   n_retry_delays,
                                     SoupSession            *session,
                                     GCancellable           *cancellable,
                                     GAsyncReadyCallback     callback,
                                     gpointer                user_data);
gboolean  chk_webhook_post_finish   (GAsyncResult           *result,
                                     GError                **error);

G_END_DECLS
