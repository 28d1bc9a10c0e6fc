/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-engine.h"

G_BEGIN_DECLS

#define CHK_TYPE_JOB_EXPORT (chk_job_export_get_type ())

G_DECLARE_FINAL_TYPE (ChkJobExport, chk_job_export, CHK, JOB_EXPORT, GObject)

ChkJobExport *chk_job_export_new        (ChkEngine        *engine);
gboolean      chk_job_export_register   (ChkJobExport     *self,
                                         GDBusConnection  *connection,
                                         GError          **error);
void          chk_job_export_unregister (ChkJobExport     *self);

GVariant     *chk_job_export_properties (ChkJob           *job);

G_END_DECLS
