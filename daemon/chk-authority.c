/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-authority"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "chk-authority.h"
#include "chk-error.h"
#include "chk-module.h"
#include "chk-polkit.h"

#define SCHEDULER_IFACE "io.github.chroniker.Chroniker.Scheduler1"
#define JOB_IFACE "io.github.chroniker.Chroniker.Job1"
#define PROPERTIES_IFACE "org.freedesktop.DBus.Properties"
#define MANAGER_IFACE "org.freedesktop.DBus.ObjectManager"

/**
 * ChkAuthority:
 *
 * Whether a caller may do something, asked as one question: "may the
 * connection with this unique bus name do this polkit action?". The
 * system daemon asks polkit, with the caller's bus name as the subject
 * (polkitd itself finds its user and process, so a caller cannot pose as
 * another) and allowing interaction: an authentication agent of the
 * caller's session may ask for a password. A session daemon allows
 * everything without asking: its bus is its own user's.
 */
struct _ChkAuthority
{
  GObject                parent_instance;

  ChkAuthorityMode       mode;
  /* The polkit module, loaded at the first check, and polkit's authority */
  const ChkPolkitModule *module;
  GObject               *polkit;
  /* Unique bus name → Memo: whether a caller holds manage-all-jobs, which
   * each of its calls asks first (chk_dbus_call_if_authorized()) */
  GHashTable            *memos;
};

/* How long polkit's answer about manage-all-jobs is taken as it was. polkit
 * says when its rules or authorizations change, and the memos go then. */
#define MEMO_USEC (10 * G_USEC_PER_SEC)
/* Past this many memos, each new one first drops those out of date */
#define MEMO_PRUNE_AT 64

typedef struct
{
  gboolean held;
  gint64   until;  /* monotonic µs */
} Memo;

G_DEFINE_FINAL_TYPE (ChkAuthority, chk_authority, G_TYPE_OBJECT)

/*
 * What each call needs in system mode, at least. Jobs have users: a
 * caller holding manage-own-jobs may make jobs and use its own, and the
 * handlers refuse it another user's job (chk_dbus_may_use_job()). Any
 * other call (the settings, purging every job's runs, the test email,
 * starting at login) needs manage-all-jobs.
 */
static const struct
{
  const char *interface_name;
  const char *method_name;
  const char *action_id;
} call_actions[] = {
  { SCHEDULER_IFACE, "SetSettings", CHK_ACTION_MANAGE_ALL_JOBS },
  { SCHEDULER_IFACE, "GetSettings", CHK_ACTION_MANAGE_OWN_JOBS },
  { SCHEDULER_IFACE, "PreviewSchedule", CHK_ACTION_MANAGE_OWN_JOBS },
  { SCHEDULER_IFACE, "CreateJob", CHK_ACTION_MANAGE_OWN_JOBS },
  { SCHEDULER_IFACE, "GetJobByName", CHK_ACTION_MANAGE_OWN_JOBS },
  { SCHEDULER_IFACE, "ListJobs", CHK_ACTION_MANAGE_OWN_JOBS },
  { SCHEDULER_IFACE, "ListRuns", CHK_ACTION_MANAGE_OWN_JOBS },
  { SCHEDULER_IFACE, "GetRun", CHK_ACTION_MANAGE_OWN_JOBS },
  { SCHEDULER_IFACE, "ReadRunOutput", CHK_ACTION_MANAGE_OWN_JOBS },
  { SCHEDULER_IFACE, "GetJobStats", CHK_ACTION_MANAGE_OWN_JOBS },
  { SCHEDULER_IFACE, "GetJobStatsBetween", CHK_ACTION_MANAGE_OWN_JOBS },
  { SCHEDULER_IFACE, "ReportProgress", CHK_ACTION_MANAGE_OWN_JOBS },
  { SCHEDULER_IFACE, "ListHosts", CHK_ACTION_MANAGE_OWN_JOBS },
  { JOB_IFACE, NULL, CHK_ACTION_MANAGE_OWN_JOBS },
  { PROPERTIES_IFACE, NULL, CHK_ACTION_MANAGE_OWN_JOBS },
  { MANAGER_IFACE, NULL, CHK_ACTION_MANAGE_OWN_JOBS },
};

typedef struct
{
  char     *bus_name;
  char     *action_id;
  char     *reason;
  gboolean  interactive;
} Check;

static void
check_free (Check *check)
{
  g_free (check->bus_name);
  g_free (check->action_id);
  g_free (check->reason);
  g_free (check);
}

static void
return_refused (GTask           *task,
                ChkPolkitAnswer  answer)
{
  Check *check = g_task_get_task_data (task);
  const char *why;

  if (answer == CHK_POLKIT_DISMISSED)
    why = _("the authentication was dismissed");
  else if (answer == CHK_POLKIT_CHALLENGE)
    why = _("it needs an authentication, and no authentication agent could ask for one");
  else
    why = _("polkit does not allow it");

  g_debug ("%s may not do %s: %s", check->bus_name, check->action_id, why);
  if (g_str_equal (check->action_id, CHK_ACTION_MANAGE_ALL_JOBS))
    g_task_return_new_error (task, CHK_ERROR, CHK_ERROR_PERMISSION_DENIED,
                             _("Not authorized to manage every user's jobs and the scheduler's "
                               "settings (polkit action %s): %s"), check->action_id, why);
  else
    g_task_return_new_error (task, CHK_ERROR, CHK_ERROR_PERMISSION_DENIED,
                             _("Not authorized to manage your own jobs (polkit action %s): %s"),
                             check->action_id, why);
}

/* Anything that keeps polkit from answering refuses the call too, saying so. */
static void
return_polkit_error (GTask  *task,
                     GError *error)
{
  Check *check = g_task_get_task_data (task);

  g_dbus_error_strip_remote_error (error);
  g_task_return_new_error (task, CHK_ERROR, CHK_ERROR_PERMISSION_DENIED,
                           _("Could not ask polkit whether the caller may do %s: %s"),
                           check->action_id, error->message);
}

/* Whether @check asks what a memo remembers: manage-all-jobs, for no
 * reason that rules could tell apart */
static gboolean
check_is_memorable (const Check *check)
{
  return check->reason == NULL && g_str_equal (check->action_id, CHK_ACTION_MANAGE_ALL_JOBS);
}

static void
remember (ChkAuthority *self,
          const char   *bus_name,
          gboolean      held)
{
  gint64 now = g_get_monotonic_time ();
  Memo *memo = g_new (Memo, 1);

  if (g_hash_table_size (self->memos) >= MEMO_PRUNE_AT)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->memos);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (((Memo *) value)->until <= now)
          g_hash_table_iter_remove (&iter);
    }

  memo->held = held;
  memo->until = now + MEMO_USEC;
  g_hash_table_replace (self->memos, g_strdup (bus_name), memo);
}

/* Answers @task from a memo, if one is fresh and says enough: a caller
 * known not to hold the action is still asked when it may authenticate. */
static gboolean
answer_from_memo (ChkAuthority *self,
                  GTask        *task)
{
  Check *check = g_task_get_task_data (task);
  Memo *memo;

  if (!check_is_memorable (check))
    return FALSE;
  memo = g_hash_table_lookup (self->memos, check->bus_name);
  if (memo == NULL || memo->until <= g_get_monotonic_time () || (!memo->held && check->interactive))
    return FALSE;

  if (memo->held)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_new_error (task, CHK_ERROR, CHK_ERROR_PERMISSION_DENIED,
                             _("Not authorized to manage every user's jobs and the scheduler's "
                               "settings (polkit action %s): polkit did not allow it a moment ago"),
                             check->action_id);
  return TRUE;
}

static void
authorization_checked_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChkAuthority *self = g_task_get_source_object (task);
  Check *check = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  ChkPolkitAnswer answer;

  if (!self->module->check_finish (object, result, &answer, &error))
    {
      return_polkit_error (task, error);
      return;
    }

  if (check_is_memorable (check))
    remember (self, check->bus_name, answer == CHK_POLKIT_AUTHORIZED);
  if (answer == CHK_POLKIT_AUTHORIZED)
    g_task_return_boolean (task, TRUE);
  else
    return_refused (task, answer);
}

/* Rules or authorizations changed: ask again. */
static void
polkit_changed_cb (GObject      *polkit,
                   ChkAuthority *self)
{
  g_hash_table_remove_all (self->memos);
}

static void
check_authorization (GTask *task)
{
  ChkAuthority *self = g_task_get_source_object (task);
  Check *check = g_task_get_task_data (task);

  self->module->check_async (self->polkit, check->bus_name, check->action_id, check->reason,
                             check->interactive, g_task_get_cancellable (task),
                             authorization_checked_cb, task);
}

static void
authority_got_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChkAuthority *self = g_task_get_source_object (task);
  g_autoptr(GObject) polkit = NULL;
  g_autoptr(GError) error = NULL;

  polkit = self->module->get_authority_finish (result, &error);
  if (polkit == NULL)
    {
      return_polkit_error (task, error);
      return;
    }

  if (self->polkit == NULL)
    {
      self->polkit = g_steal_pointer (&polkit);
      g_signal_connect_object (self->polkit, "changed", G_CALLBACK (polkit_changed_cb), self, 0);
    }
  check_authorization (g_steal_pointer (&task));
}

static void
chk_authority_dispose (GObject *object)
{
  ChkAuthority *self = CHK_AUTHORITY (object);

  g_clear_object (&self->polkit);
  g_clear_pointer (&self->memos, g_hash_table_unref);

  G_OBJECT_CLASS (chk_authority_parent_class)->dispose (object);
}

static void
chk_authority_class_init (ChkAuthorityClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = chk_authority_dispose;
}

static void
chk_authority_init (ChkAuthority *self)
{
  self->memos = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * chk_authority_new:
 * @mode: whose daemon asks
 *
 * Returns: (transfer full): an authority
 */
ChkAuthority *
chk_authority_new (ChkAuthorityMode mode)
{
  ChkAuthority *self = g_object_new (CHK_TYPE_AUTHORITY, NULL);

  self->mode = mode;
  return self;
}

/**
 * chk_authority_get_mode:
 * @self: a #ChkAuthority
 *
 * Returns: whose daemon asks
 */
ChkAuthorityMode
chk_authority_get_mode (ChkAuthority *self)
{
  g_return_val_if_fail (CHK_IS_AUTHORITY (self), CHK_AUTHORITY_SYSTEM);

  return self->mode;
}

/**
 * chk_authority_action_for_call:
 * @interface_name: the D-Bus interface called
 * @method_name: the method called
 *
 * The system mode's policy in one place: which polkit action a call needs.
 *
 * Returns: the action's id
 */
const char *
chk_authority_action_for_call (const char *interface_name,
                               const char *method_name)
{
  g_return_val_if_fail (interface_name != NULL, CHK_ACTION_MANAGE_ALL_JOBS);
  g_return_val_if_fail (method_name != NULL, CHK_ACTION_MANAGE_ALL_JOBS);

  for (gsize i = 0; i < G_N_ELEMENTS (call_actions); i++)
    {
      if (g_str_equal (call_actions[i].interface_name, interface_name) &&
          (call_actions[i].method_name == NULL ||
           g_str_equal (call_actions[i].method_name, method_name)))
        return call_actions[i].action_id;
    }
  return CHK_ACTION_MANAGE_ALL_JOBS;
}

/**
 * chk_authority_check_async:
 * @self: a #ChkAuthority
 * @bus_name: the caller's unique bus name
 * @action_id: the polkit action, such as %CHK_ACTION_MANAGE_ALL_JOBS
 * @interactive: whether an authentication agent may ask for a password;
 *   %FALSE only asks whether the caller holds the action already
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: data for @callback
 *
 * Asks whether the caller @bus_name may do @action_id: in system mode
 * polkit, which may have an authentication agent ask the caller's user for
 * a password; in session mode no one, since it is allowed. polkit's answer
 * about manage-all-jobs is remembered for each caller for ten seconds, or
 * until polkit says that something changed: each call of a caller asks it
 * first. A caller remembered not to hold it is asked again when it may
 * authenticate.
 */
void
chk_authority_check_async (ChkAuthority        *self,
                           const char          *bus_name,
                           const char          *action_id,
                           gboolean             interactive,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  chk_authority_check_reason_async (self, bus_name, action_id, NULL, interactive, cancellable,
                                    callback, user_data);
}

/**
 * chk_authority_check_reason_async:
 * @self: a #ChkAuthority
 * @bus_name: the caller's unique bus name
 * @action_id: the polkit action
 * @reason: (nullable): why the daemon asks, given to polkit's rules as the
 *   detail %CHK_AUTHORITY_REASON_DETAIL, such as "allow-shell"
 * @interactive: whether polkit may have the caller's user authenticate
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer, which chk_authority_check_finish() reads
 * @user_data: data for @callback
 *
 * As chk_authority_check_async(), saying why.
 */
void
chk_authority_check_reason_async (ChkAuthority        *self,
                                  const char          *bus_name,
                                  const char          *action_id,
                                  const char          *reason,
                                  gboolean             interactive,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Check *check;

  g_return_if_fail (CHK_IS_AUTHORITY (self));
  g_return_if_fail (bus_name != NULL);
  g_return_if_fail (action_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chk_authority_check_async);

  if (self->mode == CHK_AUTHORITY_SESSION)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  check = g_new0 (Check, 1);
  check->bus_name = g_strdup (bus_name);
  check->action_id = g_strdup (action_id);
  check->reason = g_strdup (reason);
  check->interactive = interactive;
  g_task_set_task_data (task, check, (GDestroyNotify) check_free);

  if (answer_from_memo (self, task))
    return;
  if (self->module == NULL)
    {
      g_autoptr(GError) error = NULL;

      self->module = chk_module_lookup ("chk-polkit", "chk_polkit_module", &error);
      if (self->module == NULL)
        {
          return_polkit_error (task, error);
          return;
        }
    }
  if (self->polkit != NULL)
    check_authorization (g_steal_pointer (&task));
  else
    self->module->get_authority_async (cancellable, authority_got_cb, g_steal_pointer (&task));
}

/**
 * chk_authority_check_finish:
 * @self: a #ChkAuthority
 * @result: the result given to the callback
 * @error: return location for a #GError: %CHK_ERROR_PERMISSION_DENIED,
 *   naming the action, when the caller may not
 *
 * Returns: whether the caller may
 */
gboolean
chk_authority_check_finish (ChkAuthority  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (CHK_IS_AUTHORITY (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == chk_authority_check_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
