/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-job-spec.h"

G_BEGIN_DECLS

/* The fd on which a job finds its end of the progress pipe. */
#define CHK_JOB_ENV_PROGRESS_FD 3

#define CHK_TYPE_JOB_ENV (chk_job_env_get_type ())

G_DECLARE_FINAL_TYPE (ChkJobEnv, chk_job_env, CHK, JOB_ENV, GObject)

ChkJobEnv   *chk_job_env_new                   (void);
void         chk_job_env_set_session_bus       (ChkJobEnv           *self,
                                                GDBusConnection     *bus);
void         chk_job_env_refresh_async         (ChkJobEnv           *self,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean     chk_job_env_refresh_finish        (ChkJobEnv           *self,
                                                GAsyncResult        *result,
                                                GError             **error);
gboolean     chk_job_env_is_from_user_manager  (ChkJobEnv           *self);
const char  *chk_job_env_get_cli_dir           (ChkJobEnv           *self);
char       **chk_job_env_build                 (ChkJobEnv           *self,
                                                const ChkJobSpec    *spec,
                                                guint64              job_id,
                                                const char          *job_name,
                                                guint64              run_id);

/**
 * ChkJobAccount:
 * @name: the account's name
 * @uid: its uid
 * @gid: its primary group
 * @groups: its groups, as initgroups() would give them, @gid among them
 * @n_groups: how many @groups there are
 * @home: its home directory
 * @shell: its login shell, /bin/sh when it has none
 *
 * The account a job of another user than the daemon's runs as, looked up
 * by the daemon before the job's process is made: the child between clone
 * and exec may not ask NSS.
 */
typedef struct
{
  char   *name;
  uid_t   uid;
  gid_t   gid;
  gid_t  *groups;
  int     n_groups;
  char   *home;
  char   *shell;
} ChkJobAccount;

const char  *chk_job_env_user_name             (const ChkJobSpec    *spec);
gboolean     chk_job_account_lookup            (const ChkJobSpec    *spec,
                                                ChkJobAccount      **out_account,
                                                GError             **error);
void         chk_job_account_free              (ChkJobAccount       *account);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChkJobAccount, chk_job_account_free)

char        *chk_job_account_working_directory (const ChkJobSpec    *spec,
                                                const ChkJobAccount *account);
char        *chk_job_env_working_directory     (const ChkJobSpec    *spec);

G_END_DECLS
