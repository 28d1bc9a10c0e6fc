/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-job-env"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

#include "chk-error.h"
#include "chk-job-env.h"

#define SYSTEMD_BUS_NAME      "org.freedesktop.systemd1"
#define SYSTEMD_PATH          "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER_IFACE "org.freedesktop.systemd1.Manager"

/* A user manager that does not answer in this long is not waited for:
 * the environment read before stays. */
#define MANAGER_TIMEOUT_MS    5000

/* What execvp() searches when there is no PATH. */
#define DEFAULT_PATH          "/usr/local/bin:/usr/bin:/bin"

/* Variables that are the daemon's own, not the session's: the state of the
 * shell that started it, the development scripts' (build-aux/run), what
 * dbus-daemon and systemd tell the service they start about itself. A
 * job never gets them, whoever started the daemon. */
static const char * const private_names[] = {
  "_",
  "CHK_BUILDDIR",
  "CHK_RUN_INNER",
  "DBUS_STARTER_ADDRESS",
  "DBUS_STARTER_BUS_TYPE",
  "INVOCATION_ID",
  "JOURNAL_STREAM",
  "LISTEN_FDNAMES",
  "LISTEN_FDS",
  "LISTEN_PID",
  "MAINPID",
  "MANAGERPID",
  "NOTIFY_SOCKET",
  "OLDPWD",
  "PWD",
  "SHLVL",
  "SYSTEMD_EXEC_PID",
  "WATCHDOG_PID",
  "WATCHDOG_USEC",
};

/**
 * ChkJobEnv:
 *
 * The environment of jobs, defined in one place. A run gets, in this
 * order, each later step overriding the earlier:
 *
 * 1. the session's environment: the systemd user manager's (its
 *    `Environment` property, what `systemctl --user show-environment`
 *    prints) when one is on the session bus, else the daemon's own as it
 *    started; without the daemon's private variables (#private_names)
 *    and without any `CHRONIKER_*`;
 * 2. `HOME` (the daemon's home directory), `USER`, `LOGNAME` and `SHELL`
 *    (from the password database), `PWD` (the run's working directory);
 * 3. the job's `environment` key;
 * 4. the directory of the daemon's own chronikerctl at the end of `PATH`,
 *    when it is not on it already;
 * 5. `CHRONIKER_JOB_ID`, `CHRONIKER_JOB_NAME`, `CHRONIKER_RUN_ID` and
 *    `CHRONIKER_PROGRESS_FD`.
 *
 * The user manager's environment is read again when asked (for the
 * Job1.GetEnvironment method, and after each run starts, for the next
 * one): systemd does not announce changes to it.
 */
struct _ChkJobEnv
{
  GObject          parent_instance;

  GDBusConnection *bus;
  GPtrArray       *reading;      /* GTasks answered by the read under way, or NULL */
  GPtrArray       *waiting;      /* GTasks that came during it, for the next read */
  char           **own;          /* the daemon's environment at start */
  char           **manager;      /* the user manager's, or NULL */
  char            *cli_dir;
  char            *user;
  char            *shell;
};

G_DEFINE_FINAL_TYPE (ChkJobEnv, chk_job_env, G_TYPE_OBJECT)

static gboolean
is_private (const char *name)
{
  if (g_str_has_prefix (name, "CHRONIKER_"))
    return TRUE;

  for (gsize i = 0; i < G_N_ELEMENTS (private_names); i++)
    {
      if (strcmp (name, private_names[i]) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Whether @dir has an executable chronikerctl */
static gboolean
has_cli (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "chronikerctl", NULL);

  return g_file_test (path, G_FILE_TEST_IS_REGULAR) && access (path, X_OK) == 0;
}

/* The directory of the chronikerctl that goes with this daemon: the
 * build tree's when the daemon runs from the build tree (build-aux/run,
 * the tests), else the installed one; NULL when it is not there. */
static char *
find_cli_dir (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *exe_dir = exe != NULL ? g_path_get_dirname (exe) : NULL;
  g_autofree char *build_daemon = realpath (CHK_BUILD_ROOT "/daemon", NULL);
  g_autofree char *build_cli = realpath (CHK_BUILD_ROOT "/src/cli", NULL);

  if (exe_dir != NULL && build_daemon != NULL && build_cli != NULL &&
      strcmp (exe_dir, build_daemon) == 0 && has_cli (build_cli))
    return g_steal_pointer (&build_cli);

  if (has_cli (CHK_BINDIR))
    return g_strdup (CHK_BINDIR);

  return NULL;
}

/* Whether @dir is one of the entries of @path */
static gboolean
path_has_dir (const char *path,
              const char *dir)
{
  g_auto(GStrv) entries = g_strsplit (path, ":", -1);

  return g_strv_contains ((const char * const *) entries, dir);
}

static gboolean
is_assignment (const char *entry)
{
  const char *equals = strchr (entry, '=');

  if (equals == NULL || equals == entry)
    return FALSE;
  for (const char *p = entry; p < equals; p++)
    {
      if (!(g_ascii_isalnum (*p) || *p == '_') || (p == entry && g_ascii_isdigit (*p)))
        return FALSE;
    }
  return TRUE;
}

/* By name: "A=1" before "A1=2", which strcmp() would not say. */
static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const char *entry_a = *(const char * const *) a;
  const char *entry_b = *(const char * const *) b;
  size_t len_a = strcspn (entry_a, "=");
  size_t len_b = strcspn (entry_b, "=");
  int cmp = strncmp (entry_a, entry_b, MIN (len_a, len_b));

  if (cmp != 0)
    return cmp;
  return len_a < len_b ? -1 : len_a > len_b ? 1 : 0;
}

static void
chk_job_env_dispose (GObject *object)
{
  ChkJobEnv *self = CHK_JOB_ENV (object);

  g_clear_object (&self->bus);

  G_OBJECT_CLASS (chk_job_env_parent_class)->dispose (object);
}

static void
chk_job_env_finalize (GObject *object)
{
  ChkJobEnv *self = CHK_JOB_ENV (object);

  g_clear_pointer (&self->reading, g_ptr_array_unref);
  g_clear_pointer (&self->waiting, g_ptr_array_unref);
  g_strfreev (self->own);
  g_strfreev (self->manager);
  g_free (self->cli_dir);
  g_free (self->user);
  g_free (self->shell);

  G_OBJECT_CLASS (chk_job_env_parent_class)->finalize (object);
}

static void
chk_job_env_class_init (ChkJobEnvClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chk_job_env_dispose;
  object_class->finalize = chk_job_env_finalize;
}

static void
chk_job_env_init (ChkJobEnv *self)
{
  struct passwd *pw;

  self->own = g_get_environ ();
  self->cli_dir = find_cli_dir ();

  /* Read once: the password database does not change under a running
   * daemon's user, and a lookup can be slow (LDAP). */
  pw = getpwuid (getuid ());
  if (pw != NULL)
    {
      self->user = g_strdup (pw->pw_name);
      self->shell = g_strdup (pw->pw_shell != NULL && pw->pw_shell[0] != '\0' ? pw->pw_shell
                                                                              : "/bin/sh");
    }

  g_debug ("chronikerctl for jobs: %s", self->cli_dir != NULL ? self->cli_dir : "none found");
}

/**
 * chk_job_env_new:
 *
 * Creates the environment of jobs from the daemon's own, as it is now,
 * until chk_job_env_set_session_bus() finds a user manager.
 *
 * Returns: (transfer full): a new #ChkJobEnv
 */
ChkJobEnv *
chk_job_env_new (void)
{
  return g_object_new (CHK_TYPE_JOB_ENV, NULL);
}

/**
 * chk_job_env_set_session_bus:
 * @self: a #ChkJobEnv
 * @bus: the session bus
 *
 * Takes the session's environment from the systemd user manager on @bus,
 * if there is one, from the next chk_job_env_refresh_async() on.
 */
void
chk_job_env_set_session_bus (ChkJobEnv       *self,
                             GDBusConnection *bus)
{
  g_return_if_fail (CHK_IS_JOB_ENV (self));
  g_return_if_fail (G_IS_DBUS_CONNECTION (bus));

  g_set_object (&self->bus, bus);
}

static void start_read (ChkJobEnv *self);

/* Answers every task of the read that ended, with @error or not, and
 * starts the next read for those that came meanwhile. */
static void
finish_read (ChkJobEnv    *self,
             const GError *error)
{
  g_autoptr(GPtrArray) tasks = g_steal_pointer (&self->reading);

  for (guint i = 0; i < tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (tasks, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
    }

  if (self->waiting != NULL && self->waiting->len > 0)
    {
      self->reading = g_steal_pointer (&self->waiting);
      start_read (self);
    }
}

static void
get_environment_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ChkJobEnv) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree const char **strv = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      /* No user manager (any more): the daemon's own environment is the
       * session's. Anything else (a timeout) keeps what was read before. */
      if (g_dbus_error_is_remote_error (error))
        {
          g_autofree char *remote = g_dbus_error_get_remote_error (error);

          if (g_strcmp0 (remote, "org.freedesktop.DBus.Error.ServiceUnknown") == 0 ||
              g_strcmp0 (remote, "org.freedesktop.DBus.Error.NameHasNoOwner") == 0)
            {
              if (self->manager != NULL)
                g_message ("The systemd user manager is gone: jobs get the daemon's environment");
              g_clear_pointer (&self->manager, g_strfreev);
              finish_read (self, NULL);
              return;
            }
        }
      g_debug ("Could not read the user manager's environment: %s", error->message);
      finish_read (self, error);
      return;
    }

  g_variant_get (reply, "(v)", &value);
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY))
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The user manager's Environment is of type %s, not as",
                   g_variant_get_type_string (value));
      finish_read (self, error);
      return;
    }

  strv = g_variant_get_strv (value, NULL);
  entries = g_ptr_array_new_with_free_func (g_free);
  for (gsize i = 0; strv[i] != NULL; i++)
    {
      if (is_assignment (strv[i]))
        g_ptr_array_add (entries, g_strdup (strv[i]));
    }
  g_ptr_array_add (entries, NULL);

  if (self->manager == NULL)
    g_debug ("Jobs get the systemd user manager's environment");
  g_strfreev (self->manager);
  self->manager = (char **) g_ptr_array_free (g_steal_pointer (&entries), FALSE);
  finish_read (self, NULL);
}

static void
start_read (ChkJobEnv *self)
{
  /* Never start a manager: only read the one the session has. */
  g_dbus_connection_call (self->bus, SYSTEMD_BUS_NAME, SYSTEMD_PATH,
                          "org.freedesktop.DBus.Properties", "Get",
                          g_variant_new ("(ss)", SYSTEMD_MANAGER_IFACE, "Environment"),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                          MANAGER_TIMEOUT_MS, NULL, get_environment_cb, g_object_ref (self));
}

/**
 * chk_job_env_refresh_async:
 * @self: a #ChkJobEnv
 * @cancellable: (nullable): a #GCancellable
 * @callback: (nullable): called when the environment was read
 * @user_data: for @callback
 *
 * Reads the user manager's environment again, so that the runs that
 * start from then on get it as it is now. Without a session bus it
 * finishes at once. One read is under way at a time: a call during it
 * is answered by the next one, which starts when it ends, so that the
 * answer always comes from a read that began after the call.
 */
void
chk_job_env_refresh_async (ChkJobEnv           *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CHK_IS_JOB_ENV (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chk_job_env_refresh_async);

  if (self->bus == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (self->reading != NULL)
    {
      if (self->waiting == NULL)
        self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (self->waiting, g_steal_pointer (&task));
      return;
    }

  self->reading = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->reading, g_steal_pointer (&task));
  start_read (self);
}

/**
 * chk_job_env_refresh_finish:
 * @self: a #ChkJobEnv
 * @result: the result
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the session's environment is as it was just now;
 *   %FALSE if the user manager did not answer (the one read before stays)
 */
gboolean
chk_job_env_refresh_finish (ChkJobEnv     *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (CHK_IS_JOB_ENV (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * chk_job_env_is_from_user_manager:
 * @self: a #ChkJobEnv
 *
 * Returns: whether the session's environment is the systemd user
 *   manager's (else it is the daemon's own)
 */
gboolean
chk_job_env_is_from_user_manager (ChkJobEnv *self)
{
  g_return_val_if_fail (CHK_IS_JOB_ENV (self), FALSE);

  return self->manager != NULL;
}

/**
 * chk_job_env_get_cli_dir:
 * @self: a #ChkJobEnv
 *
 * Returns: (nullable): the directory of the chronikerctl that jobs find on
 *   their PATH, or %NULL when the daemon found none
 */
const char *
chk_job_env_get_cli_dir (ChkJobEnv *self)
{
  g_return_val_if_fail (CHK_IS_JOB_ENV (self), NULL);

  return self->cli_dir;
}

/* Whether @spec runs as another user than the daemon's */
static gboolean
runs_as_other_user (const ChkJobSpec *spec)
{
  return g_strcmp0 (chk_job_env_user_name (spec), g_get_user_name ()) != 0;
}

/**
 * chk_job_env_user_name:
 * @spec: a job's spec
 *
 * Returns: the name of the account the job runs as: its `user`, or the
 *   daemon's own for ""
 */
const char *
chk_job_env_user_name (const ChkJobSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);

  return spec->user != NULL && spec->user[0] != '\0' ? spec->user : g_get_user_name ();
}

/**
 * chk_job_account_free:
 * @account: an account
 */
void
chk_job_account_free (ChkJobAccount *account)
{
  g_free (account->name);
  g_free (account->groups);
  g_free (account->home);
  g_free (account->shell);
  g_free (account);
}

/**
 * chk_job_account_lookup:
 * @spec: a job's spec
 * @out_account: (out) (transfer full) (nullable): the account of its
 *   `user`, or %NULL when the job runs as the daemon's own user
 * @error: return location for a #GError: %CHK_ERROR_NOT_FOUND for a user
 *   that does not exist
 *
 * Looks up the account a job runs as, with its groups: on the system
 * daemon, the job's user's.
 *
 * Returns: whether @out_account is what the job runs as
 */
gboolean
chk_job_account_lookup (const ChkJobSpec  *spec,
                        ChkJobAccount    **out_account,
                        GError           **error)
{
  g_autoptr(ChkJobAccount) account = NULL;
  struct passwd *pw;
  int n_groups = 16;

  g_return_val_if_fail (spec != NULL, FALSE);

  *out_account = NULL;
  if (!runs_as_other_user (spec))
    return TRUE;

  errno = 0;
  pw = getpwnam (spec->user);
  if (pw == NULL)
    {
      int saved = errno;

      return chk_set_error (error, CHK_ERROR_NOT_FOUND,
                            _("There is no user “%s” to run as%s%s"), spec->user,
                            saved != 0 ? ": " : "", saved != 0 ? g_strerror (saved) : "");
    }

  account = g_new0 (ChkJobAccount, 1);
  account->name = g_strdup (pw->pw_name);
  account->uid = pw->pw_uid;
  account->gid = pw->pw_gid;
  account->home = g_strdup (pw->pw_dir != NULL && pw->pw_dir[0] != '\0' ? pw->pw_dir : "/");
  account->shell = g_strdup (pw->pw_shell != NULL && pw->pw_shell[0] != '\0' ? pw->pw_shell
                                                                             : "/bin/sh");
  account->groups = g_new (gid_t, n_groups);
  while (getgrouplist (account->name, account->gid, account->groups, &n_groups) < 0)
    account->groups = g_renew (gid_t, account->groups, n_groups);
  account->n_groups = n_groups;

  *out_account = g_steal_pointer (&account);
  return TRUE;
}

/**
 * chk_job_account_working_directory:
 * @spec: a job's spec
 * @account: (nullable): the account it runs as, from
 *   chk_job_account_lookup(); %NULL for the daemon's own
 *
 * Returns: (transfer full): the directory the job runs in: its
 *   `working-directory`, or when that is "" the home directory of @account
 */
char *
chk_job_account_working_directory (const ChkJobSpec    *spec,
                                   const ChkJobAccount *account)
{
  g_return_val_if_fail (spec != NULL, NULL);

  if (spec->working_directory != NULL && spec->working_directory[0] != '\0')
    return g_strdup (spec->working_directory);
  return g_strdup (account != NULL ? account->home : g_get_home_dir ());
}

/**
 * chk_job_env_working_directory:
 * @spec: a job's spec
 *
 * chk_job_account_working_directory() of the account the job runs as,
 * looked up.
 *
 * Returns: (transfer full): the directory the job runs in
 */
char *
chk_job_env_working_directory (const ChkJobSpec *spec)
{
  g_autoptr(ChkJobAccount) account = NULL;

  g_return_val_if_fail (spec != NULL, NULL);

  if (spec->working_directory == NULL || spec->working_directory[0] == '\0')
    chk_job_account_lookup (spec, &account, NULL);
  return chk_job_account_working_directory (spec, account);
}

/**
 * chk_job_env_build:
 * @self: a #ChkJobEnv
 * @spec: the job's spec
 * @job_id: the job's id
 * @job_name: the job's name, as the run records it
 * @run_id: the run's id, or 0 for a run that has none yet (whose
 *   environment then lacks `CHRONIKER_RUN_ID`)
 *
 * Computes the environment a run of @spec gets, as #ChkJobEnv describes.
 *
 * Returns: (transfer full): the environment, `NAME=value` strings sorted
 *   by name
 */
char **
chk_job_env_build (ChkJobEnv        *self,
                   const ChkJobSpec *spec,
                   guint64           job_id,
                   const char       *job_name,
                   guint64           run_id)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) envp = NULL;
  g_autoptr(ChkJobAccount) account = NULL;
  g_autofree char *working_directory = NULL;
  const char * const *session;
  const char *path;
  GHashTableIter iter;
  gpointer name;
  gpointer value;

  g_return_val_if_fail (CHK_IS_JOB_ENV (self), NULL);
  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (job_name != NULL, NULL);

  session = (const char * const *) (self->manager != NULL ? self->manager : self->own);
  for (gsize i = 0; session[i] != NULL; i++)
    {
      g_autofree char *entry_name = NULL;
      const char *equals = strchr (session[i], '=');

      if (equals == NULL)
        continue;
      entry_name = g_strndup (session[i], equals - session[i]);
      if (!is_private (entry_name))
        g_strv_builder_add (builder, session[i]);
    }
  envp = g_strv_builder_end (builder);

  /* A job of another user has that user's: a user that is not there fails its run. */
  if (chk_job_account_lookup (spec, &account, NULL) && account != NULL)
    {
      envp = g_environ_setenv (envp, "HOME", account->home, TRUE);
      envp = g_environ_setenv (envp, "USER", account->name, TRUE);
      envp = g_environ_setenv (envp, "LOGNAME", account->name, TRUE);
      envp = g_environ_setenv (envp, "SHELL", account->shell, TRUE);
    }
  else
    {
      envp = g_environ_setenv (envp, "HOME", g_get_home_dir (), TRUE);
      if (self->user != NULL)
        {
          envp = g_environ_setenv (envp, "USER", self->user, TRUE);
          envp = g_environ_setenv (envp, "LOGNAME", self->user, TRUE);
          envp = g_environ_setenv (envp, "SHELL", self->shell, TRUE);
        }
    }
  working_directory = chk_job_env_working_directory (spec);
  envp = g_environ_setenv (envp, "PWD", working_directory, TRUE);

  g_hash_table_iter_init (&iter, spec->environment);
  while (g_hash_table_iter_next (&iter, &name, &value))
    envp = g_environ_setenv (envp, name, value, TRUE);

  /* After the user's own entries: a chronikerctl of theirs comes first. */
  path = g_environ_getenv (envp, "PATH");
  if (path == NULL)
    path = DEFAULT_PATH;
  if (self->cli_dir != NULL && !path_has_dir (path, self->cli_dir))
    {
      g_autofree char *longer = path[0] != '\0' ? g_strconcat (path, ":", self->cli_dir, NULL)
                                                : g_strdup (self->cli_dir);

      envp = g_environ_setenv (envp, "PATH", longer, TRUE);
    }

  {
    g_autofree char *job_id_text = g_strdup_printf ("%" G_GUINT64_FORMAT, job_id);
    g_autofree char *progress_fd = g_strdup_printf ("%d", CHK_JOB_ENV_PROGRESS_FD);

    envp = g_environ_setenv (envp, "CHRONIKER_JOB_ID", job_id_text, TRUE);
    envp = g_environ_setenv (envp, "CHRONIKER_JOB_NAME", job_name, TRUE);
    if (run_id != 0)
      {
        g_autofree char *run_id_text = g_strdup_printf ("%" G_GUINT64_FORMAT, run_id);

        envp = g_environ_setenv (envp, "CHRONIKER_RUN_ID", run_id_text, TRUE);
      }
    envp = g_environ_setenv (envp, "CHRONIKER_PROGRESS_FD", progress_fd, TRUE);
  }

  qsort (envp, g_strv_length (envp), sizeof (char *), compare_entries);

  return g_steal_pointer (&envp);
}
