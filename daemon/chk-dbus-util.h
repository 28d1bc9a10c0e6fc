/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-authority.h"
#include "chk-bus.h"
#include "chk-store.h"

G_BEGIN_DECLS

char     *chk_job_object_path       (guint64              id);
gboolean  chk_job_id_from_path      (const char          *path,
                                     guint64             *out_id);
GVariant *chk_run_record_to_variant (const ChkRunRecord  *run);
GVariant *chk_runs_to_variant       (GPtrArray           *runs);
GVariant *chk_chunks_to_variant     (GPtrArray           *chunks);

gboolean  chk_dbus_return_error      (GDBusMethodInvocation *invocation,
                                     const GError          *error);

void      chk_dbus_set_authority      (ChkAuthority                 *authority);
gboolean  chk_dbus_checks_reads       (void);
void      chk_dbus_call_if_authorized (GDBusInterfaceMethodCallFunc  method_call,
                                       GDBusMethodInvocation        *invocation,
                                       GObject                      *target);
GDBusInterfaceVTable *chk_dbus_authorized_vtable (GDBusInterfaceSkeleton *skeleton,
                                                  GDBusInterfaceVTable   *vtable);

G_END_DECLS
