/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-clock.h"
#include "chk-job.h"
#include "chk-job-env.h"
#include "chk-job-spec.h"
#include "chk-settings.h"
#include "chk-store.h"

G_BEGIN_DECLS

/* A scheduled run this late was missed (machine asleep, clock set forward). */
#define CHK_ENGINE_MISSED_AFTER_USEC (60 * G_USEC_PER_SEC)

#define CHK_TYPE_ENGINE (chk_engine_get_type ())

G_DECLARE_FINAL_TYPE (ChkEngine, chk_engine, CHK, ENGINE, GObject)

ChkEngine    *chk_engine_new                 (ChkStore            *store,
                                              ChkClock            *clock);
gboolean      chk_engine_load                (ChkEngine           *self,
                                              GError             **error);
void          chk_engine_start               (ChkEngine           *self);
guint         chk_engine_run_due             (ChkEngine           *self);
void          chk_engine_shutdown_async      (ChkEngine           *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean      chk_engine_shutdown_finish     (ChkEngine           *self,
                                              GAsyncResult        *result,
                                              GError             **error);
void          chk_engine_set_kill_grace      (ChkEngine           *self,
                                              guint                milliseconds);
void          chk_engine_set_host_bus        (ChkEngine           *self,
                                              GDBusConnection     *connection);

ChkStore     *chk_engine_get_store           (ChkEngine           *self);
ChkSettings  *chk_engine_get_settings        (ChkEngine           *self);
ChkClock     *chk_engine_get_clock           (ChkEngine           *self);
const char   *chk_engine_get_hostname        (ChkEngine           *self);
void          chk_engine_set_hostname        (ChkEngine           *self,
                                              const char          *hostname);
guint         chk_engine_get_running_count   (ChkEngine           *self);
GPtrArray    *chk_engine_list_hosts          (ChkEngine           *self,
                                              GError             **error);
void          chk_engine_set_fleet_problem   (ChkEngine           *self,
                                              const char          *problem);
const char   *chk_engine_get_fleet_problem   (ChkEngine           *self);
ChkJobEnv    *chk_engine_get_job_env         (ChkEngine           *self);

GPtrArray    *chk_engine_list_jobs           (ChkEngine           *self);
GPtrArray    *chk_engine_list_jobs_after     (ChkEngine           *self,
                                              guint64              after,
                                              guint                limit);
ChkJob       *chk_engine_lookup_job          (ChkEngine           *self,
                                              guint64              id);
ChkJob       *chk_engine_lookup_running_job  (ChkEngine           *self,
                                              guint64              run_id);
ChkJob       *chk_engine_lookup_job_by_name  (ChkEngine           *self,
                                              const char          *name);
ChkJobSpec   *chk_engine_new_spec            (ChkEngine           *self);
ChkJob       *chk_engine_create_job          (ChkEngine           *self,
                                              ChkJobSpec          *spec,
                                              GError             **error);
gboolean      chk_engine_update_job          (ChkEngine           *self,
                                              ChkJob              *job,
                                              ChkJobSpec          *spec,
                                              GError             **error);
gboolean      chk_engine_delete_job          (ChkEngine           *self,
                                              ChkJob              *job,
                                              GError             **error);
guint64       chk_engine_run_job             (ChkEngine           *self,
                                              ChkJob              *job,
                                              GError             **error);
gboolean      chk_engine_stop_job            (ChkEngine           *self,
                                              ChkJob              *job,
                                              GError             **error);
void          chk_engine_get_job_environment_async  (ChkEngine           *self,
                                                     ChkJob              *job,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
char        **chk_engine_get_job_environment_finish (ChkEngine           *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);

GPtrArray    *chk_engine_list_runs           (ChkEngine           *self,
                                              const ChkRunFilter  *filter,
                                              GError             **error);
ChkRunRecord *chk_engine_get_run             (ChkEngine           *self,
                                              guint64              run_id,
                                              GError             **error);
GPtrArray    *chk_engine_read_output         (ChkEngine           *self,
                                              guint64              run_id,
                                              guint64              after_seq,
                                              gsize                max_bytes,
                                              gboolean            *out_finished,
                                              GError             **error);
gboolean      chk_engine_purge_runs          (ChkEngine           *self,
                                              gint64               before,
                                              guint               *out_deleted,
                                              GError             **error);
gboolean      chk_engine_report_progress     (ChkEngine           *self,
                                              guint64              run_id,
                                              guint                complete,
                                              guint                total,
                                              const char          *message,
                                              GError             **error);

G_END_DECLS
