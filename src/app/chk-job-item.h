/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-dbus-generated.h"

G_BEGIN_DECLS

#define CHK_TYPE_JOB_ITEM (chk_job_item_get_type ())

G_DECLARE_FINAL_TYPE (ChkJobItem, chk_job_item, CHK, JOB_ITEM, ChkJob1Skeleton)

ChkJobItem *chk_job_item_new                (GDBusConnection    *connection,
                                             const char         *owner,
                                             const char         *object_path,
                                             GVariant           *properties);
void        chk_job_item_update             (ChkJobItem         *self,
                                             GVariant           *changed,
                                             const char * const *invalidated);

const char *chk_job_get_object_path         (ChkJob1            *job);
ChkJob1    *chk_job_get_proxy               (ChkJob1            *job);
ChkJob1    *chk_job_get_job                 (gpointer            proxy);
gboolean    chk_job_has_proxy               (ChkJob1            *job,
                                             gpointer            proxy);

G_END_DECLS
