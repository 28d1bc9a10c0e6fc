/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-authority.h"
#include "chk-bus.h"
#include "chk-job-spec.h"
#include "chk-store.h"

G_BEGIN_DECLS

/**
 * ChkCaller:
 * @uid: the caller's uid, from the bus
 * @user: (nullable): the name of its account, %NULL for a uid without one
 * @all_jobs: whether it holds manage-all-jobs: every user's jobs are its
 *
 * Who made a method call in system mode, as chk_dbus_call_if_authorized()
 * found out: chk_dbus_get_caller().
 */
typedef struct
{
  guint32   uid;
  char     *user;
  gboolean  all_jobs;
} ChkCaller;

void      chk_caller_free           (ChkCaller           *caller);

char     *chk_job_object_path       (guint64              id);
gboolean  chk_job_id_from_path      (const char          *path,
                                     guint64             *out_id);
GVariant *chk_run_record_to_variant (const ChkRunRecord  *run);
GVariant *chk_runs_to_variant       (GPtrArray           *runs);
GVariant *chk_chunks_to_variant     (GPtrArray           *chunks);

gboolean  chk_dbus_return_error      (GDBusMethodInvocation *invocation,
                                     const GError          *error);

void      chk_dbus_set_authority      (ChkAuthority                 *authority);
ChkAuthority *chk_dbus_get_authority (void);
gboolean  chk_dbus_checks_reads       (void);
void      chk_dbus_call_if_authorized (GDBusInterfaceMethodCallFunc  method_call,
                                       GDBusMethodInvocation        *invocation,
                                       GObject                      *target);
const ChkCaller *chk_dbus_get_caller   (GDBusMethodInvocation        *invocation);
gboolean  chk_dbus_sees_job           (GDBusMethodInvocation        *invocation,
                                       const ChkJobSpec             *spec);
gboolean  chk_caller_sees_job         (const ChkCaller              *caller,
                                       const ChkJobSpec             *spec);
gboolean  chk_dbus_may_use_job        (GDBusMethodInvocation        *invocation,
                                       const ChkJobSpec             *spec,
                                       GError                      **error);
gboolean  chk_dbus_check_job_user     (GDBusMethodInvocation        *invocation,
                                       ChkJobSpec                   *spec,
                                       GError                      **error);
GDBusInterfaceVTable *chk_dbus_authorized_vtable (GDBusInterfaceSkeleton *skeleton,
                                                  GDBusInterfaceVTable   *vtable);

G_END_DECLS
