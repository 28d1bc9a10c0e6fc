/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-dbus"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "chk-dbus-util.h"
#include "chk-error.h"
#include "chk-forward.h"
#include "chk-job-env.h"

#define CALLER_LOOKUP_TIMEOUT_MS 10000
/* Only a flood of one-call clients reaches it; then the lookups start afresh. */
#define CALLER_CACHE_MAX 4096

/*
 * The uid of each caller by its unique name, asked of the bus once per
 * caller, without blocking: unique names are never reused, and each is
 * dropped when its connection goes.
 */
static GHashTable *caller_uids;

/* Who decides in system mode; NULL or a session one: the uid check above */
static ChkAuthority *authority;

typedef struct
{
  GDBusInterfaceMethodCallFunc  method_call;
  GDBusMethodInvocation        *invocation;
  GObject                      *target;
  /* In system mode: what the call needs, and who the caller is so far */
  const char                   *action_id;
  ChkCaller                    *caller;
} PendingCall;

#define CALLER_KEY "chk-caller"

/**
 * chk_caller_free:
 * @caller: a caller
 */
void
chk_caller_free (ChkCaller *caller)
{
  g_free (caller->user);
  g_free (caller);
}

static void
pending_call_free (PendingCall *pending)
{
  g_clear_object (&pending->invocation);
  g_clear_object (&pending->target);
  g_clear_pointer (&pending->caller, chk_caller_free);
  g_free (pending);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PendingCall, pending_call_free)

/**
 * chk_job_object_path:
 * @id: a job id
 *
 * Returns: (transfer full): the job's object path
 */
char *
chk_job_object_path (guint64 id)
{
  return g_strdup_printf (CHK_JOBS_PATH "/%" G_GUINT64_FORMAT, id);
}

/**
 * chk_job_id_from_path:
 * @path: an object path
 * @out_id: (out): the job id in it
 *
 * Returns: whether @path is a job's object path
 */
gboolean
chk_job_id_from_path (const char *path,
                      guint64    *out_id)
{
  const char *digits;
  guint64 id;

  g_return_val_if_fail (path != NULL, FALSE);

  if (!g_str_has_prefix (path, CHK_JOBS_PATH "/"))
    return FALSE;
  digits = path + strlen (CHK_JOBS_PATH "/");
  if (!g_ascii_string_to_unsigned (digits, 10, 1, G_MAXUINT64, &id, NULL))
    return FALSE;

  *out_id = id;
  return TRUE;
}

/**
 * chk_run_record_to_variant:
 * @run: a run record
 *
 * Returns: (transfer floating): the run record as the `a{sv}` of DESIGN §2
 */
GVariant *
chk_run_record_to_variant (const ChkRunRecord *run)
{
  g_autofree char *job_path = chk_job_object_path (run->job_id);
  GVariantBuilder builder;

#define STR(s) g_variant_new_string ((s) != NULL ? (s) : "")
  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "id", g_variant_new_uint64 (run->id));
  g_variant_builder_add (&builder, "{sv}", "job", g_variant_new_object_path (job_path));
  g_variant_builder_add (&builder, "{sv}", "job-name", STR (run->job_name));
  g_variant_builder_add (&builder, "{sv}", "trigger", STR (run->trigger));
  g_variant_builder_add (&builder, "{sv}", "started", g_variant_new_int64 (run->started));
  g_variant_builder_add (&builder, "{sv}", "finished", g_variant_new_int64 (run->finished));
  g_variant_builder_add (&builder, "{sv}", "outcome", STR (run->outcome));
  g_variant_builder_add (&builder, "{sv}", "exit-code", g_variant_new_int32 (run->exit_code));
  g_variant_builder_add (&builder, "{sv}", "signal", g_variant_new_int32 (run->signal));
  g_variant_builder_add (&builder, "{sv}", "hostname", STR (run->hostname));
  g_variant_builder_add (&builder, "{sv}", "pid", g_variant_new_uint32 (run->pid));
  g_variant_builder_add (&builder, "{sv}", "stdout-bytes", g_variant_new_uint64 (run->stdout_bytes));
  g_variant_builder_add (&builder, "{sv}", "stderr-bytes", g_variant_new_uint64 (run->stderr_bytes));
  g_variant_builder_add (&builder, "{sv}", "truncated", g_variant_new_boolean (run->truncated));
  g_variant_builder_add (&builder, "{sv}", "progress-complete",
                         g_variant_new_uint32 (run->progress_complete));
  g_variant_builder_add (&builder, "{sv}", "progress-total", g_variant_new_uint32 (run->progress_total));
  g_variant_builder_add (&builder, "{sv}", "progress-message", STR (run->progress_message));
  g_variant_builder_add (&builder, "{sv}", "http-status", g_variant_new_uint32 (run->http_status));
  g_variant_builder_add (&builder, "{sv}", "alert-error", STR (run->alert_error));
  g_variant_builder_add (&builder, "{sv}", "cpu-time", g_variant_new_uint64 (run->cpu_time));
  g_variant_builder_add (&builder, "{sv}", "memory-peak", g_variant_new_uint64 (run->memory_peak));
  g_variant_builder_add (&builder, "{sv}", "containment", STR (run->containment));
  g_variant_builder_add (&builder, "{sv}", "message", STR (run->message));
  g_variant_builder_add (&builder, "{sv}", "attempt", g_variant_new_uint32 (MAX (run->attempt, 1)));
  g_variant_builder_add (&builder, "{sv}", "running-long",
                         g_variant_new_boolean (run->running_long));
#undef STR

  return g_variant_builder_end (&builder);
}

/**
 * chk_runs_to_variant:
 * @runs: (element-type ChkRunRecord): run records
 *
 * Returns: (transfer floating): an `aa{sv}`
 */
GVariant *
chk_runs_to_variant (GPtrArray *runs)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < runs->len; i++)
    g_variant_builder_add_value (&builder, chk_run_record_to_variant (g_ptr_array_index (runs, i)));

  return g_variant_builder_end (&builder);
}

/**
 * chk_chunks_to_variant:
 * @chunks: (element-type ChkOutputChunk): output chunks
 *
 * Returns: (transfer floating): an `a(tsxay)`
 */
GVariant *
chk_chunks_to_variant (GPtrArray *chunks)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(tsxay)"));
  for (guint i = 0; i < chunks->len; i++)
    {
      ChkOutputChunk *chunk = g_ptr_array_index (chunks, i);
      GVariant *bytes = g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, chunk->data, TRUE);

      g_variant_builder_add (&builder, "(tsx@ay)", chunk->seq, chk_stream_to_string (chunk->stream),
                             chunk->time, bytes);
    }

  return g_variant_builder_end (&builder);
}

/**
 * chk_dbus_return_error:
 * @invocation: (transfer full): the call to answer
 * @error: why it failed
 *
 * Answers a method call with @error, for a handler that then returns.
 *
 * Returns: %G_DBUS_METHOD_INVOCATION_HANDLED, for the handler to return
 */
gboolean
chk_dbus_return_error (GDBusMethodInvocation *invocation,
                       const GError          *error)
{
  g_dbus_method_invocation_return_gerror (invocation, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
name_owner_changed_cb (GDBusConnection *connection,
                       const char      *sender_name,
                       const char      *object_path,
                       const char      *interface_name,
                       const char      *signal_name,
                       GVariant        *parameters,
                       gpointer         user_data)
{
  const char *name, *old_owner, *new_owner;

  if (caller_uids == NULL || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sss)")))
    return;

  g_variant_get (parameters, "(&s&s&s)", &name, &old_owner, &new_owner);
  if (name[0] == ':' && new_owner[0] == '\0')
    g_hash_table_remove (caller_uids, name);
}

static void
watch_callers (GDBusConnection *connection)
{
  guint id;

  if (g_object_get_data (G_OBJECT (connection), "chk-caller-watch") != NULL)
    return;

  id = g_dbus_connection_signal_subscribe (connection, "org.freedesktop.DBus",
                                           "org.freedesktop.DBus", "NameOwnerChanged",
                                           "/org/freedesktop/DBus", NULL,
                                           G_DBUS_SIGNAL_FLAGS_NONE, name_owner_changed_cb,
                                           NULL, NULL);
  g_object_set_data (G_OBJECT (connection), "chk-caller-watch", GUINT_TO_POINTER (id));
}

/* Takes @invocation */
static void
call_method (GDBusInterfaceMethodCallFunc  method_call,
             GDBusMethodInvocation        *invocation,
             gpointer                      user_data)
{
  method_call (g_dbus_method_invocation_get_connection (invocation),
               g_dbus_method_invocation_get_sender (invocation),
               g_dbus_method_invocation_get_object_path (invocation),
               g_dbus_method_invocation_get_interface_name (invocation),
               g_dbus_method_invocation_get_method_name (invocation),
               g_dbus_method_invocation_get_parameters (invocation),
               invocation,
               user_data);
}

/* Takes @invocation: calls @method_call with it if @uid is ours, else refuses it. */
static void
call_or_refuse (GDBusInterfaceMethodCallFunc  method_call,
                guint32                       uid,
                GDBusMethodInvocation        *invocation,
                gpointer                      user_data)
{
  if (uid != getuid ())
    {
      g_debug ("Refused %s.%s from %s (uid %u)",
               g_dbus_method_invocation_get_interface_name (invocation),
               g_dbus_method_invocation_get_method_name (invocation),
               g_dbus_method_invocation_get_sender (invocation), uid);
      g_dbus_method_invocation_return_error (invocation, CHK_ERROR, CHK_ERROR_PERMISSION_DENIED,
                                             _("A call from uid %u was refused: this scheduler "
                                               "serves only its own user (uid %u)"),
                                             uid, (guint) getuid ());
      return;
    }

  call_method (method_call, invocation, user_data);
}

/* A skeleton unexported while the bus or polkit answered has no object left
 * to call: answers the call with NotFound, and says so. */
static gboolean
return_if_target_gone (PendingCall     *pending,
                       GDBusConnection *connection)
{
  const char *gone;
  g_autofree char *path = NULL;

  if (!G_IS_DBUS_INTERFACE_SKELETON (pending->target) ||
      g_dbus_interface_skeleton_has_connection (G_DBUS_INTERFACE_SKELETON (pending->target),
                                                connection))
    return FALSE;

  gone = g_dbus_method_invocation_get_object_path (pending->invocation);
  path = g_strdup (gone);
  g_dbus_method_invocation_return_error (g_steal_pointer (&pending->invocation), CHK_ERROR,
                                         CHK_ERROR_NOT_FOUND, _("No object at %s any more"),
                                         path);
  return TRUE;
}

static void ask_polkit (PendingCall *pending);

/* Takes @pending, its caller now known by @uid: in system mode polkit is
 * asked next, else the call runs if the caller is the daemon's own user. */
static void
got_caller_uid (PendingCall *pending,
                guint32      uid)
{
  g_autoptr(PendingCall) owned = pending;
  struct passwd *account;

  if (!chk_dbus_checks_reads ())
    {
      call_or_refuse (pending->method_call, uid, g_steal_pointer (&pending->invocation),
                      pending->target);
      return;
    }

  pending->caller = g_new0 (ChkCaller, 1);
  pending->caller->uid = uid;
  /* A uid without an account owns no job: it names none. */
  account = getpwuid (uid);
  if (account != NULL)
    pending->caller->user = g_strdup (account->pw_name);
  ask_polkit (g_steal_pointer (&owned));
}

static void
caller_uid_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(PendingCall) pending = user_data;
  GDBusConnection *connection = G_DBUS_CONNECTION (object);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sender = g_strdup (g_dbus_method_invocation_get_sender (pending->invocation));
  guint32 uid;

  reply = g_dbus_connection_call_finish (connection, result, &error);
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      g_dbus_method_invocation_return_error (g_steal_pointer (&pending->invocation), CHK_ERROR,
                                             CHK_ERROR_PERMISSION_DENIED,
                                             _("Could not tell which user %s is: %s"),
                                             sender, error->message);
      return;
    }

  g_variant_get (reply, "(u)", &uid);
  if (caller_uids == NULL || g_hash_table_size (caller_uids) >= CALLER_CACHE_MAX)
    {
      g_clear_pointer (&caller_uids, g_hash_table_unref);
      caller_uids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    }
  g_hash_table_insert (caller_uids, g_strdup (sender), GUINT_TO_POINTER (uid));

  if (return_if_target_gone (pending, connection))
    return;

  got_caller_uid (g_steal_pointer (&pending), uid);
}

/* Takes @pending: runs the call, with its caller attached (chk_dbus_get_caller()). */
static void
call_as_caller (PendingCall *pending)
{
  g_autoptr(PendingCall) owned = pending;

  if (return_if_target_gone (pending,
                             g_dbus_method_invocation_get_connection (pending->invocation)))
    return;

  /* From now on it hears the signals of its jobs (chk-forward.c). */
  chk_forward_add_listener (g_dbus_method_invocation_get_sender (pending->invocation),
                            pending->caller);
  g_object_set_data_full (G_OBJECT (pending->invocation), CALLER_KEY,
                          g_steal_pointer (&pending->caller), (GDestroyNotify) chk_caller_free);
  call_method (pending->method_call, g_steal_pointer (&pending->invocation), pending->target);
}

static void
authority_checked_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(PendingCall) pending = user_data;
  g_autoptr(GError) error = NULL;

  if (!chk_authority_check_finish (CHK_AUTHORITY (object), result, &error))
    {
      g_dbus_method_invocation_return_gerror (g_steal_pointer (&pending->invocation), error);
      return;
    }

  pending->caller->all_jobs = g_str_equal (pending->action_id, CHK_ACTION_MANAGE_ALL_JOBS);
  call_as_caller (g_steal_pointer (&pending));
}

/* The answer to "does the caller hold manage-all-jobs already?" */
static void
all_jobs_checked_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  PendingCall *pending = user_data;

  if (chk_authority_check_finish (CHK_AUTHORITY (object), result, NULL))
    {
      pending->caller->all_jobs = TRUE;
      call_as_caller (pending);
      return;
    }

  chk_authority_check_async (authority, g_dbus_method_invocation_get_sender (pending->invocation),
                             pending->action_id, TRUE, NULL, authority_checked_cb, pending);
}

/*
 * Takes @pending. A call that needs manage-all-jobs asks for it, allowing
 * an authentication agent to ask for a password. Any other first asks,
 * without a password, whether the caller holds manage-all-jobs already,
 * so that the handlers know whether it sees every user's jobs or only its
 * own, and else asks for what it needs, allowing a password.
 */
static void
ask_polkit (PendingCall *pending)
{
  const char *sender = g_dbus_method_invocation_get_sender (pending->invocation);

  if (g_str_equal (pending->action_id, CHK_ACTION_MANAGE_ALL_JOBS))
    chk_authority_check_async (authority, sender, pending->action_id, TRUE, NULL,
                               authority_checked_cb, pending);
  else
    chk_authority_check_async (authority, sender, CHK_ACTION_MANAGE_ALL_JOBS, FALSE, NULL,
                               all_jobs_checked_cb, pending);
}

/**
 * chk_dbus_set_authority:
 * @authority: (nullable): who decides
 *
 * Has chk_dbus_call_if_authorized() ask @authority, when it is the system
 * mode's, which polkit action each call needs
 * (chk_authority_action_for_call()) instead of checking that the caller
 * is the daemon's own user.
 */
void
chk_dbus_set_authority (ChkAuthority *new_authority)
{
  g_return_if_fail (new_authority == NULL || CHK_IS_AUTHORITY (new_authority));

  g_set_object (&authority, new_authority);
}

/**
 * chk_dbus_get_authority:
 *
 * Returns: (transfer none) (nullable): who decides, as chk_dbus_set_authority() set it
 */
ChkAuthority *
chk_dbus_get_authority (void)
{
  return authority;
}

/**
 * chk_dbus_checks_reads:
 *
 * Whether what the daemon serves is read through chk_dbus_call_if_authorized()
 * too: in system mode the bus is everyone's, and a job's properties (its
 * environment among them) are its owner's and the administrators'. A
 * session bus is its user's alone.
 *
 * Returns: %TRUE in system mode
 */
gboolean
chk_dbus_checks_reads (void)
{
  return authority != NULL && chk_authority_get_mode (authority) == CHK_AUTHORITY_SYSTEM;
}

/**
 * chk_dbus_call_if_authorized:
 * @method_call: the handler of the call
 * @invocation: (transfer full): the call
 * @target: the object called (a skeleton, or what serves a subtree), the
 *   user data of @method_call
 *
 * Calls @method_call for @invocation if the caller is the daemon's own
 * user, else refuses the call with %CHK_ERROR_PERMISSION_DENIED. On a bus
 * any user may connect to, another user's calls would run jobs as ours.
 * In system mode (chk_dbus_set_authority()) polkit decides instead, by
 * the action the call needs (chk_authority_action_for_call()), and the
 * call runs with its caller attached (chk_dbus_get_caller(): its uid, its
 * account and whether it holds manage-all-jobs), which the handlers ask
 * through chk_dbus_sees_job() and chk_dbus_may_use_job(): whose job is
 * whose is decided there, for every call.
 *
 * The caller's uid comes from the bus (GetConnectionUnixUser), asked
 * asynchronously once per caller, or from the peer's credentials on a
 * connection without a bus. A @target that is a skeleton and was taken
 * off the bus meanwhile fails the call with %CHK_ERROR_NOT_FOUND; any
 * other @method_call checks for itself that what it serves is still there.
 */
void
chk_dbus_call_if_authorized (GDBusInterfaceMethodCallFunc  method_call,
                             GDBusMethodInvocation        *invocation,
                             GObject                      *target)
{
  GDBusConnection *connection = g_dbus_method_invocation_get_connection (invocation);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  const char *action_id = NULL;
  PendingCall *pending;
  gpointer uid;

  g_return_if_fail (method_call != NULL);
  g_return_if_fail (G_IS_DBUS_METHOD_INVOCATION (invocation));
  g_return_if_fail (G_IS_OBJECT (target));

  if (chk_dbus_checks_reads ())
    {
      /* polkit knows callers by their bus name: one without is no one. */
      if (sender == NULL)
        {
          g_dbus_method_invocation_return_error (invocation, CHK_ERROR,
                                                 CHK_ERROR_PERMISSION_DENIED,
                                                 _("Only callers on the system bus are served"));
          return;
        }
      action_id =
        chk_authority_action_for_call (g_dbus_method_invocation_get_interface_name (invocation),
                                       g_dbus_method_invocation_get_method_name (invocation));
    }

  if (sender == NULL)
    {
      GCredentials *credentials = g_dbus_connection_get_peer_credentials (connection);
      uid_t peer = (uid_t) -1;

      if (credentials != NULL)
        peer = g_credentials_get_unix_user (credentials, NULL);

      call_or_refuse (method_call, peer, invocation, target);
      return;
    }

  pending = g_new0 (PendingCall, 1);
  pending->method_call = method_call;
  pending->invocation = invocation;
  pending->target = g_object_ref (target);
  pending->action_id = action_id;

  if (caller_uids != NULL && g_hash_table_lookup_extended (caller_uids, sender, NULL, &uid))
    {
      got_caller_uid (pending, GPOINTER_TO_UINT (uid));
      return;
    }

  watch_callers (connection);
  g_dbus_connection_call (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "GetConnectionUnixUser",
                          g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(u)"),
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, CALLER_LOOKUP_TIMEOUT_MS, NULL,
                          caller_uid_cb, pending);
}

/**
 * chk_dbus_get_caller:
 * @invocation: a call let through by chk_dbus_call_if_authorized()
 *
 * Returns: (nullable): who made the call in system mode, or %NULL in a
 *   session, where the caller is the daemon's own user and may do anything
 */
const ChkCaller *
chk_dbus_get_caller (GDBusMethodInvocation *invocation)
{
  g_return_val_if_fail (G_IS_DBUS_METHOD_INVOCATION (invocation), NULL);

  return g_object_get_data (G_OBJECT (invocation), CALLER_KEY);
}

/**
 * chk_dbus_sees_job:
 * @invocation: a call let through by chk_dbus_call_if_authorized()
 * @spec: a job's spec
 *
 * The one rule of whose job is whose: a caller holding manage-all-jobs
 * (and any caller in a session) may see and use every job, any other only
 * the jobs that run as its own user.
 *
 * Returns: whether the caller may see and use the job of @spec
 */
gboolean
chk_dbus_sees_job (GDBusMethodInvocation *invocation,
                   const ChkJobSpec      *spec)
{
  const ChkCaller *caller = chk_dbus_get_caller (invocation);

  g_return_val_if_fail (spec != NULL, FALSE);

  if (caller == NULL)
    return !chk_dbus_checks_reads ();
  return chk_caller_sees_job (caller, spec);
}

/**
 * chk_caller_sees_job:
 * @caller: a caller of the system daemon
 * @spec: a job's spec
 *
 * Returns: whether @caller sees the job: it holds manage-all-jobs, or the
 *   job runs as its user
 */
gboolean
chk_caller_sees_job (const ChkCaller  *caller,
                     const ChkJobSpec *spec)
{
  g_return_val_if_fail (caller != NULL, FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);

  return caller->all_jobs || g_strcmp0 (caller->user, chk_job_env_user_name (spec)) == 0;
}

/**
 * chk_dbus_may_use_job:
 * @invocation: a call let through by chk_dbus_call_if_authorized()
 * @spec: the spec of the job the call is about
 * @error: return location for a #GError
 *
 * chk_dbus_sees_job(), failing with %CHK_ERROR_PERMISSION_DENIED naming
 * manage-all-jobs when not.
 *
 * Returns: whether the caller may read, change, run or stop the job
 */
gboolean
chk_dbus_may_use_job (GDBusMethodInvocation  *invocation,
                      const ChkJobSpec       *spec,
                      GError                **error)
{
  if (chk_dbus_sees_job (invocation, spec))
    return TRUE;

  g_set_error (error, CHK_ERROR, CHK_ERROR_PERMISSION_DENIED,
               _("Not authorized to use the job “%s” of user %s: another user's jobs need the "
                 "polkit action %s"), spec->name, chk_job_env_user_name (spec),
               CHK_ACTION_MANAGE_ALL_JOBS);
  return FALSE;
}

/**
 * chk_dbus_check_job_user:
 * @invocation: a call let through by chk_dbus_call_if_authorized() that
 *   makes or changes a job
 * @spec: the job's new spec, whose `user` may be set here
 * @error: return location for a #GError
 *
 * The `user` key of a made or changed job. In a session it is "" or the
 * daemon's own user (a session daemon cannot run jobs as anyone else). In
 * system mode "" becomes the caller's user, and another user than the
 * caller's needs manage-all-jobs.
 *
 * Returns: whether the caller may have the job run as its user
 */
gboolean
chk_dbus_check_job_user (GDBusMethodInvocation  *invocation,
                         ChkJobSpec             *spec,
                         GError                **error)
{
  const ChkCaller *caller = chk_dbus_get_caller (invocation);

  g_return_val_if_fail (spec != NULL, FALSE);

  if (!chk_dbus_checks_reads ())
    {
      if (g_str_equal (chk_job_env_user_name (spec), g_get_user_name ()))
        return TRUE;
      return chk_set_key_error (error, CHK_ERROR_INVALID_ARGUMENT, "user",
                                _("this scheduler runs jobs as its own user (%s) only; "
                                  "jobs of other users belong to the system scheduler"),
                                g_get_user_name ());
    }

  g_return_val_if_fail (caller != NULL, FALSE);
  if (spec->user == NULL || spec->user[0] == '\0')
    {
      if (caller->user == NULL)
        return chk_set_key_error (error, CHK_ERROR_INVALID_ARGUMENT, "user",
                                  _("the caller's uid %u has no account to run a job as"),
                                  caller->uid);
      g_free (spec->user);
      spec->user = g_strdup (caller->user);
      return TRUE;
    }
  if (caller->all_jobs || g_strcmp0 (caller->user, spec->user) == 0)
    return TRUE;

  g_set_error (error, CHK_ERROR, CHK_ERROR_PERMISSION_DENIED,
               _("Not authorized to have a job run as user %s: another user's jobs need the "
                 "polkit action %s"), spec->user, CHK_ACTION_MANAGE_ALL_JOBS);
  return FALSE;
}

/* The generated handler of a skeleton class's parent, reached only after
 * the caller is checked */
static void
authorized_method_call (GDBusConnection       *connection,
                        const char            *sender,
                        const char            *object_path,
                        const char            *interface_name,
                        const char            *method_name,
                        GVariant              *parameters,
                        GDBusMethodInvocation *invocation,
                        gpointer               user_data)
{
  GDBusInterfaceSkeletonClass *parent = g_type_class_peek_parent (G_OBJECT_GET_CLASS (user_data));

  chk_dbus_call_if_authorized (parent->get_vtable (user_data)->method_call, invocation,
                               G_OBJECT (user_data));
}

/**
 * chk_dbus_authorized_vtable:
 * @skeleton: an instance of a class derived directly from a generated
 *   skeleton, whose get_vtable() calls this
 * @vtable: the class's own static vtable, filled on the first call
 *
 * The vtable of a skeleton whose every method call is checked first with
 * chk_dbus_call_if_authorized(): the generated handler runs only for the
 * daemon's own user. Properties are read as the generated code reads them.
 *
 * Returns: @vtable
 */
GDBusInterfaceVTable *
chk_dbus_authorized_vtable (GDBusInterfaceSkeleton *skeleton,
                            GDBusInterfaceVTable   *vtable)
{
  g_return_val_if_fail (G_IS_DBUS_INTERFACE_SKELETON (skeleton), NULL);

  if (vtable->method_call == NULL)
    {
      GDBusInterfaceSkeletonClass *parent = g_type_class_peek_parent (G_OBJECT_GET_CLASS (skeleton));

      *vtable = *parent->get_vtable (skeleton);
      vtable->method_call = authorized_method_call;
    }
  return vtable;
}
