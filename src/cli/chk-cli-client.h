/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-bus.h"
#include "chk-dbus-generated.h"

G_BEGIN_DECLS

/* What every verb talks through: the bus, the scheduler and, when asked, all jobs. */
typedef struct
{
  GDBusConnection    *connection;
  ChkScheduler1      *scheduler;
  GDBusObjectManager *manager;
} ChkClient;

void      chk_client_use_system_bus (void);
gboolean  chk_client_connect      (ChkClient   *client,
                                   GError     **error);
void      chk_client_clear        (ChkClient   *client);
void      chk_client_warn_storage_problem (ChkClient *client);
ChkJob1  *chk_client_get_job      (ChkClient   *client,
                                   const char  *name_or_id,
                                   GError     **error);
GList    *chk_client_list_jobs    (ChkClient   *client,
                                   GError     **error);
gboolean  chk_client_is_id        (const char  *text);
gboolean  chk_client_job_id_from_path (const char *path,
                                       guint64    *out_id);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ChkClient, chk_client_clear)

G_END_DECLS
