/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-containment.h"

G_BEGIN_DECLS

/* The environment entry that marks every process of a run on the host:
 * <name>=<tag>-<run id>, unique per database, unlike CHRONIKER_RUN_ID. */
#define CHK_HOST_COMMAND_MARKER "CHRONIKER_HOST_RUN"

/**
 * ChkHostExitFunc:
 * @pid: the process, as the host sees it
 * @wait_status: how it ended, as waitpid() says
 * @user_data: what was given to chk_host_command_watch_exit()
 */
typedef void (*ChkHostExitFunc) (guint32  pid,
                                 int      wait_status,
                                 gpointer user_data);

#define CHK_TYPE_HOST_COMMAND (chk_host_command_get_type ())

G_DECLARE_FINAL_TYPE (ChkHostCommand, chk_host_command, CHK, HOST_COMMAND, GObject)

ChkHostCommand *chk_host_command_new               (GDBusConnection     *connection,
                                                    const char          *tag);
char          **chk_host_command_mark_env          (ChkHostCommand      *self,
                                                    char               **envp,
                                                    guint64              run_id);
void            chk_host_command_spawn_async       (ChkHostCommand      *self,
                                                    const char          *cwd,
                                                    const char * const  *argv,
                                                    const char * const  *envp,
                                                    const int           *fds,
                                                    guint64              run_id,
                                                    const ChkRunLimits  *limits,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
guint32         chk_host_command_spawn_finish      (ChkHostCommand      *self,
                                                    GAsyncResult        *result,
                                                    char               **out_unit,
                                                    GError             **error);
void            chk_host_command_watch_exit        (ChkHostCommand      *self,
                                                    guint32              pid,
                                                    ChkHostExitFunc      func,
                                                    gpointer             user_data);
void            chk_host_command_unwatch_exit      (ChkHostCommand      *self,
                                                    guint32              pid);
void            chk_host_command_signal            (ChkHostCommand      *self,
                                                    guint32              pid,
                                                    int                  signum);
void            chk_host_command_signal_run_async  (ChkHostCommand      *self,
                                                    guint64              run_id,
                                                    int                  signum,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean        chk_host_command_signal_run_finish (ChkHostCommand      *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
void            chk_host_command_end_leftovers     (ChkHostCommand      *self,
                                                    guint64              run_id);
void            chk_host_command_sweep             (ChkHostCommand      *self);

G_END_DECLS
