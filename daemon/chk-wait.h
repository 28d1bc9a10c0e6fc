/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * ChkDeadline:
 * @cancellable: cancels one operation; the caller's cancellable and the
 *   timer cancel it, and its owner may, to drop what is left of it
 * @timed_out: whether the timer cancelled it
 *
 * A cancellable for one operation, with a time limit.
 */
typedef struct
{
  GCancellable *cancellable;
  gboolean      timed_out;

  /*< private >*/
  GCancellable *parent;
  gulong        parent_id;
  GSource      *timer;
} ChkDeadline;

void     chk_deadline_init   (ChkDeadline         *self,
                              GCancellable        *parent);
void     chk_deadline_arm    (ChkDeadline         *self,
                              guint                timeout_ms,
                              const char          *name,
                              GMainContext        *context);
void     chk_deadline_disarm (ChkDeadline         *self);
void     chk_deadline_clear  (ChkDeadline         *self);

void     chk_wait_async  (guint                delay_ms,
                          const char          *name,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data);
gboolean chk_wait_finish (GAsyncResult        *result,
                          GError             **error);

/**
 * ChkRetryFunc:
 * @task: the task of the operation to try again, borrowed
 *
 * Starts another try of the operation of @task.
 */
typedef void (*ChkRetryFunc) (GTask *task);

gboolean chk_wait_retry  (GTask               *task,
                          GArray              *delays_ms,
                          guint               *attempt,
                          const GError        *error,
                          const char          *name,
                          ChkRetryFunc         retry);

G_END_DECLS
