/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-dbus-generated.h"
#include "chk-run.h"

G_BEGIN_DECLS

#define CHK_TYPE_RUN_LIST (chk_run_list_get_type ())

G_DECLARE_FINAL_TYPE (ChkRunList, chk_run_list, CHK, RUN_LIST, GObject)

ChkRunList *chk_run_list_new             (void);
void        chk_run_list_set_job         (ChkRunList          *self,
                                          ChkJob1             *job);
ChkJob1    *chk_run_list_get_job         (ChkRunList          *self);
ChkRun     *chk_run_list_find            (ChkRunList          *self,
                                          guint64              run_id,
                                          guint               *position);
gboolean    chk_run_list_get_has_more    (ChkRunList          *self);
gboolean    chk_run_list_get_loading     (ChkRunList          *self);
gboolean    chk_run_list_get_loading_more (ChkRunList         *self);
void        chk_run_list_reload_async    (ChkRunList          *self,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean    chk_run_list_reload_finish   (ChkRunList          *self,
                                          GAsyncResult        *result,
                                          GError             **error);
void        chk_run_list_load_more_async (ChkRunList          *self,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean    chk_run_list_load_more_finish (ChkRunList         *self,
                                          GAsyncResult        *result,
                                          GError             **error);

G_END_DECLS
