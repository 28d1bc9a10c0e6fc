/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-login-start"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "chk-error.h"
#include "chk-login-start.h"

#define SYSTEMD_BUS_NAME      "org.freedesktop.systemd1"
#define SYSTEMD_PATH          "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER_IFACE "org.freedesktop.systemd1.Manager"
#define CALL_TIMEOUT_MS       25000

#define ENTRY_GROUP           G_KEY_FILE_DESKTOP_GROUP
#define GNOME_ENABLED_KEY     "X-GNOME-Autostart-enabled"

/*
 * Whether the daemon starts by itself when the user logs in, and changing
 * that. Two ways exist, and the session decides which one counts:
 *
 * - Under a systemd user manager (one owns org.freedesktop.systemd1 on the
 *   session bus), the unit chronikerd-login.target, when enabled: default.target
 *   wants it, and it wants chronikerd.service. Such sessions skip the
 *   autostart entry (X-systemd-skip), so only the unit counts there. The
 *   daemon's own unit stays free of [Install], so that masking the login
 *   unit leaves the daemon to D-Bus activation.
 * - Elsewhere, the XDG autostart entry named after the bus name: the first
 *   of $XDG_CONFIG_HOME/autostart and each $XDG_CONFIG_DIRS/autostart that
 *   has the file decides, and one with Hidden=true (or GNOME's
 *   X-GNOME-Autostart-enabled=false) starts nothing.
 *
 * Every step is an async call or an async file read: nothing here waits on
 * the main loop.
 */

typedef void (*SystemdKnownFunc) (GTask    *task,
                                  gboolean  has_systemd);

typedef struct
{
  GDBusConnection  *bus;
  SystemdKnownFunc  then;     /* what follows finding out whether systemd runs the session */
  gboolean          enable;
  gboolean          enabling; /* after unmasking, the unit was enabled for nobody */
  GPtrArray        *entries;  /* (element-type GFile): autostart candidates, most important first */
  guint             next;
} Op;

static void
op_free (Op *op)
{
  g_clear_object (&op->bus);
  g_clear_pointer (&op->entries, g_ptr_array_unref);
  g_free (op);
}

static GTask *
op_task_new (GDBusConnection     *bus,
             gboolean             enable,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data,
             gpointer             source_tag)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Op *op = g_new0 (Op, 1);

  op->bus = g_object_ref (bus);
  op->enable = enable;
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, op, (GDestroyNotify) op_free);
  return task;
}

static char *
entry_basename (void)
{
  return g_strconcat (CHK_BUS_NAME, ".desktop", NULL);
}

static GFile *
user_entry_file (void)
{
  g_autofree char *name = entry_basename ();

  return g_file_new_build_filename (g_get_user_config_dir (), "autostart", name, NULL);
}

/* The files that could hold the entry, in the order the XDG autostart
 * specification gives them precedence. */
static GPtrArray *
entry_candidates (gboolean with_user)
{
  const char * const *dirs = g_get_system_config_dirs ();
  g_autofree char *name = entry_basename ();
  GPtrArray *files = g_ptr_array_new_with_free_func (g_object_unref);

  if (with_user)
    g_ptr_array_add (files, user_entry_file ());
  for (guint i = 0; dirs[i] != NULL; i++)
    g_ptr_array_add (files, g_file_new_build_filename (dirs[i], "autostart", name, NULL));
  return files;
}

/* Whether a session runs the entry: not when it is hidden or disabled. */
static gboolean
entry_starts (GKeyFile *entry)
{
  if (g_key_file_get_boolean (entry, ENTRY_GROUP, G_KEY_FILE_DESKTOP_KEY_HIDDEN, NULL))
    return FALSE;
  if (g_key_file_has_key (entry, ENTRY_GROUP, GNOME_ENABLED_KEY, NULL) &&
      !g_key_file_get_boolean (entry, ENTRY_GROUP, GNOME_ENABLED_KEY, NULL))
    return FALSE;
  return TRUE;
}

static GKeyFile *
fresh_entry (void)
{
  GKeyFile *entry = g_key_file_new ();
  g_autofree char *exec = g_build_filename (CHK_BINDIR, "chronikerd", NULL);
  g_autofree char *command = g_strconcat (exec, " --autostart", NULL);

  g_key_file_set_string (entry, ENTRY_GROUP, G_KEY_FILE_DESKTOP_KEY_TYPE,
                         G_KEY_FILE_DESKTOP_TYPE_APPLICATION);
  g_key_file_set_string (entry, ENTRY_GROUP, G_KEY_FILE_DESKTOP_KEY_NAME, "Chroniker Scheduler");
  g_key_file_set_string (entry, ENTRY_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC, command);
  g_key_file_set_boolean (entry, ENTRY_GROUP, G_KEY_FILE_DESKTOP_KEY_NO_DISPLAY, TRUE);
  g_key_file_set_boolean (entry, ENTRY_GROUP, "X-GNOME-HiddenUnderSystemd", TRUE);
  g_key_file_set_boolean (entry, ENTRY_GROUP, "X-systemd-skip", TRUE);
  return entry;
}

static gboolean
is_no_such_unit (const GError *error)
{
  g_autofree char *remote = g_dbus_error_get_remote_error (error);

  return g_strcmp0 (remote, "org.freedesktop.systemd1.NoSuchUnit") == 0 ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_FILE_NOT_FOUND);
}

static void
return_dbus_error (GTask        *task,
                   GError       *error,
                   const char   *what)
{
  g_dbus_error_strip_remote_error (error);
  /* Translators: %s is what failed (such as “Asking systemd about chronikerd-login.target”),
   * the second %s systemd's or the bus's message */
  g_task_return_new_error (task, CHK_ERROR, CHK_ERROR_FAILED, _("%s failed: %s"),
                           what, error->message);
  g_error_free (error);
}

static void
systemd_call (GTask               *task,
              const char          *method,
              GVariant            *parameters,
              const GVariantType  *reply_type,
              GAsyncReadyCallback  callback)
{
  Op *op = g_task_get_task_data (task);

  g_dbus_connection_call (op->bus, SYSTEMD_BUS_NAME, SYSTEMD_PATH, SYSTEMD_MANAGER_IFACE,
                          method, parameters, reply_type, G_DBUS_CALL_FLAGS_NO_AUTO_START,
                          CALL_TIMEOUT_MS, g_task_get_cancellable (task), callback, task);
}

/* Only an enabled unit is started at login: "linked" makes the unit
 * known without wanting it, "static" and "indirect" units are started
 * only by another unit, "masked" never. */
static gboolean
unit_state_starts (const char *state)
{
  return g_strcmp0 (state, "enabled") == 0 || g_strcmp0 (state, "enabled-runtime") == 0;
}

static void
has_systemd_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;
  gboolean has_systemd = FALSE;

  reply = g_dbus_connection_call_finish (op->bus, result, &error);
  if (reply == NULL)
    {
      return_dbus_error (task, error, _("Looking for the systemd user manager"));
      g_object_unref (task);
      return;
    }
  g_variant_get (reply, "(b)", &has_systemd);
  op->then (task, has_systemd);
}

/* Finds out whether a systemd user manager runs the session, then goes on
 * with @then, which gets the task's reference. */
static void
has_systemd_async (GTask            *task,
                   SystemdKnownFunc  then)
{
  Op *op = g_task_get_task_data (task);

  op->then = then;
  g_dbus_connection_call (op->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "NameHasOwner",
                          g_variant_new ("(s)", SYSTEMD_BUS_NAME), G_VARIANT_TYPE ("(b)"),
                          G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS,
                          g_task_get_cancellable (task), has_systemd_cb, task);
}

/* Getting */

static void load_next_entry (GTask *task);

static void
entry_loaded_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GKeyFile) entry = g_key_file_new ();
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_load_contents_finish (G_FILE (object), result, &contents, &length, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY))
        {
          load_next_entry (g_steal_pointer (&task));
          return;
        }
      g_task_return_new_error (task, CHK_ERROR, CHK_ERROR_FAILED,
                               _("Reading the autostart entry %s failed: %s"),
                               g_file_peek_path (G_FILE (object)), error->message);
      return;
    }

  /* The first file found decides, even one a session could not read: it
   * hides those after it, and runs nothing itself. */
  if (!g_key_file_load_from_data (entry, contents, length, G_KEY_FILE_NONE, NULL))
    g_task_return_pointer (task, g_strdup (""), g_free);
  else
    g_task_return_pointer (task, g_strdup (entry_starts (entry) ? CHK_LOGIN_START_AUTOSTART : ""),
                           g_free);
}

static void
load_next_entry (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  if (op->next >= op->entries->len)
    {
      g_task_return_pointer (task, g_strdup (""), g_free);
      g_object_unref (task);
      return;
    }
  g_file_load_contents_async (g_ptr_array_index (op->entries, op->next++),
                              g_task_get_cancellable (task), entry_loaded_cb, task);
}

static void
get_unit_state_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;
  const char *state = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL && is_no_such_unit (error))
    {
      g_error_free (error);
      g_task_return_pointer (task, g_strdup (""), g_free);
      return;
    }
  if (reply == NULL)
    {
      return_dbus_error (task, error, _("Asking systemd about chronikerd-login.target"));
      return;
    }

  g_variant_get (reply, "(&s)", &state);
  g_debug ("%s is %s", CHK_LOGIN_START_UNIT, state);
  g_task_return_pointer (task, g_strdup (unit_state_starts (state) ? CHK_LOGIN_START_SYSTEMD : ""),
                         g_free);
}

static void
get_with (GTask    *task,
          gboolean  has_systemd)
{
  Op *op = g_task_get_task_data (task);

  if (has_systemd)
    {
      systemd_call (task, "GetUnitFileState", g_variant_new ("(s)", CHK_LOGIN_START_UNIT),
                    G_VARIANT_TYPE ("(s)"), get_unit_state_cb);
      return;
    }
  op->entries = entry_candidates (TRUE);
  load_next_entry (task);
}

/**
 * chk_login_start_get_async:
 * @bus: the session bus
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer
 * @user_data: for @callback
 *
 * Finds out what starts the daemon when the user logs in.
 */
void
chk_login_start_get_async (GDBusConnection     *bus,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (G_IS_DBUS_CONNECTION (bus));

  task = op_task_new (bus, FALSE, cancellable, callback, user_data, chk_login_start_get_async);
  has_systemd_async (task, get_with);
}

/**
 * chk_login_start_get_finish:
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: (transfer full): %CHK_LOGIN_START_SYSTEMD (the enabled user
 *   unit), %CHK_LOGIN_START_AUTOSTART (the session's autostart entry) or ""
 *   (nothing starts it), or %NULL with @error set
 */
char *
chk_login_start_get_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Setting, with systemd
 *
 * The unit is enabled for every user at install time (systemctl --global),
 * from a system directory that a user's DisableUnitFiles cannot touch. A user
 * opts out by masking it, which only this user's manager sees; opting in
 * unmasks it, and enables it for this user where the install did not. */

static void unit_files_changed_cb (GObject      *object,
                                   GAsyncResult *result,
                                   gpointer      user_data);

static void
set_check_state_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;
  const char *state = NULL;
  const char *units[] = { CHK_LOGIN_START_UNIT, NULL };

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      return_dbus_error (task, error, _("Asking systemd about chronikerd-login.target"));
      return;
    }
  g_variant_get (reply, "(&s)", &state);

  if (unit_state_starts (state) == op->enable)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* Unmasked, but enabled for nobody: enable it for this user. */
  if (op->enable && !op->enabling)
    {
      op->enabling = TRUE;
      /* Not runtime, not forced: a link of the user's own is not replaced. */
      systemd_call (g_steal_pointer (&task), "EnableUnitFiles",
                    g_variant_new ("(^asbb)", units, FALSE, FALSE),
                    G_VARIANT_TYPE ("(ba(sss))"), unit_files_changed_cb);
      return;
    }

  g_task_return_new_error (task, CHK_ERROR, CHK_ERROR_FAILED,
                           op->enable ? _("%s is still %s after enabling it")
                                      : _("%s is still %s after masking it"),
                           CHK_LOGIN_START_UNIT, state);
}

static void
reloaded_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      return_dbus_error (task, error, _("Reloading the systemd user manager"));
      g_object_unref (task);
      return;
    }
  systemd_call (task, "GetUnitFileState", g_variant_new ("(s)", CHK_LOGIN_START_UNIT),
                G_VARIANT_TYPE ("(s)"), set_check_state_cb);
}

static void
unit_files_changed_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = NULL;
  GError *error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      return_dbus_error (task, error,
                         op->enabling ? _("Enabling chronikerd-login.target")
                         : op->enable ? _("Unmasking chronikerd-login.target")
                                      : _("Masking chronikerd-login.target"));
      g_object_unref (task);
      return;
    }
  systemd_call (task, "Reload", NULL, NULL, reloaded_cb);
}

static void
set_with_systemd (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  const char *units[] = { CHK_LOGIN_START_UNIT, NULL };

  /* Not runtime: it holds across reboots. Masking is forced: it replaces a
   * link of this user's own enabling. */
  if (op->enable)
    systemd_call (task, "UnmaskUnitFiles", g_variant_new ("(^asb)", units, FALSE),
                  G_VARIANT_TYPE ("(a(sss))"), unit_files_changed_cb);
  else
    systemd_call (task, "MaskUnitFiles", g_variant_new ("(^asbb)", units, FALSE, TRUE),
                  G_VARIANT_TYPE ("(a(sss))"), unit_files_changed_cb);
}

/* Setting, with an autostart entry */

static void
entry_written_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (object), result, NULL, &error))
    g_task_return_new_error (task, CHK_ERROR, CHK_ERROR_FAILED,
                             _("Writing the autostart entry %s failed: %s"),
                             g_file_peek_path (G_FILE (object)), error->message);
  else
    g_task_return_boolean (task, TRUE);
}

static void
make_dir_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GFile *dir = g_object_get_data (G_OBJECT (task), "dir");
  g_autoptr(GError) error = NULL;

  if (!g_file_make_directory_with_parents (dir, cancellable, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
write_entry (GTask    *task,
             GKeyFile *entry)
{
  g_autoptr(GFile) file = user_entry_file ();
  g_autoptr(GBytes) bytes = NULL;
  gsize length = 0;
  char *data;

  data = g_key_file_to_data (entry, &length, NULL);
  bytes = g_bytes_new_take (data, length);
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_NONE,
                                       g_task_get_cancellable (task), entry_written_cb, task);
}

static void
dir_made_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  GKeyFile *entry = g_task_get_task_data (G_TASK (result));
  GFile *dir = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      dir = g_object_get_data (G_OBJECT (result), "dir");
      g_task_return_new_error (task, CHK_ERROR, CHK_ERROR_FAILED,
                               _("Making the folder %s failed: %s"),
                               dir != NULL ? g_file_peek_path (dir) : "", error->message);
      g_object_unref (task);
      return;
    }
  write_entry (task, entry);
}

/* Writes @entry as the user's autostart entry, making its folder first. */
static void
save_user_entry (GTask    *task,
                 GKeyFile *entry)
{
  g_autoptr(GFile) file = user_entry_file ();
  g_autoptr(GFile) dir = g_file_get_parent (file);
  g_autoptr(GTask) mkdir_task = NULL;

  /* Making a folder is quick, but the GIO API has no async
   * make-with-parents: a worker thread does it. */
  mkdir_task = g_task_new (NULL, g_task_get_cancellable (task), dir_made_cb, task);
  g_task_set_source_tag (mkdir_task, save_user_entry);
  g_object_set_data_full (G_OBJECT (mkdir_task), "dir", g_object_ref (dir), g_object_unref);
  g_task_set_task_data (mkdir_task, g_key_file_ref (entry), (GDestroyNotify) g_key_file_unref);
  g_task_run_in_thread (mkdir_task, make_dir_thread);
}

static void copy_next_system_entry (GTask *task);

static void
save_enabled_entry (GTask    *task,
                    GKeyFile *entry)
{
  g_key_file_remove_key (entry, ENTRY_GROUP, G_KEY_FILE_DESKTOP_KEY_HIDDEN, NULL);
  if (g_key_file_has_key (entry, ENTRY_GROUP, GNOME_ENABLED_KEY, NULL))
    g_key_file_set_boolean (entry, ENTRY_GROUP, GNOME_ENABLED_KEY, TRUE);
  save_user_entry (task, entry);
}

static void
system_entry_loaded_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GKeyFile) entry = g_key_file_new ();
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_load_contents_finish (G_FILE (object), result, &contents, &length, NULL, &error))
    {
      copy_next_system_entry (task);
      return;
    }
  /* The system's entry, as installed: the user's copy runs the same command. */
  if (!g_key_file_load_from_data (entry, contents, length,
                                  G_KEY_FILE_KEEP_COMMENTS | G_KEY_FILE_KEEP_TRANSLATIONS, NULL))
    {
      g_autoptr(GKeyFile) fresh = fresh_entry ();

      save_enabled_entry (task, fresh);
      return;
    }
  save_enabled_entry (task, entry);
}

static void
copy_next_system_entry (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  if (op->next >= op->entries->len)
    {
      g_autoptr(GKeyFile) entry = fresh_entry ();

      save_enabled_entry (task, entry);
      return;
    }
  g_file_load_contents_async (g_ptr_array_index (op->entries, op->next++),
                              g_task_get_cancellable (task), system_entry_loaded_cb, task);
}

static void
set_with (GTask    *task,
          gboolean  has_systemd)
{
  Op *op = g_task_get_task_data (task);

  if (has_systemd)
    set_with_systemd (task);
  else if (op->enable)
    {
      op->entries = entry_candidates (FALSE);
      copy_next_system_entry (task);
    }
  else
    {
      /* Hidden=true in the user's folder hides the system's entry too. */
      g_autoptr(GKeyFile) entry = fresh_entry ();

      g_key_file_set_boolean (entry, ENTRY_GROUP, G_KEY_FILE_DESKTOP_KEY_HIDDEN, TRUE);
      save_user_entry (task, entry);
    }
}

/**
 * chk_login_start_set_async:
 * @bus: the session bus
 * @enable: whether the daemon should start at login
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * Enables (unmasks) or masks the user unit chronikerd-login.target where a systemd
 * user manager runs the session, and otherwise writes the user's autostart
 * entry: a copy of the system's (or a new one) to enable, one with
 * Hidden=true to disable.
 */
void
chk_login_start_set_async (GDBusConnection     *bus,
                           gboolean             enable,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (G_IS_DBUS_CONNECTION (bus));

  task = op_task_new (bus, enable, cancellable, callback, user_data, chk_login_start_set_async);
  has_systemd_async (task, set_with);
}

/**
 * chk_login_start_set_finish:
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: whether the change was made; %CHK_ERROR_FAILED says what failed
 */
gboolean
chk_login_start_set_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
