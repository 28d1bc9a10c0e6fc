/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-settings"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "chk-error.h"
#include "chk-job-spec.h"
#include "chk-settings.h"

/**
 * ChkSettings:
 *
 * The daemon's settings: typed, checked, kept in the store. Emits
 * #ChkSettings::changed, detailed with the key (e.g.
 * "changed::max-concurrent-runs"), for every key a change touched.
 *
 * One of them, fleet-database, says which database the daemon uses: it
 * lives in this host's own database (the SQLite file), never in the
 * fleet's that the others share, and takes effect when the daemon next
 * starts (see chk_settings_set_local_store()).
 */

typedef enum
{
  SETTING_BOOLEAN,
  SETTING_UINT,
  SETTING_STRING,
} SettingType;

typedef gboolean (*CheckFunc) (GVariant  *value,
                               GError   **error);

typedef struct
{
  const char  *key;
  SettingType  type;
  const char  *default_value;
  CheckFunc    check;
  gboolean     secret;
  /* Only for a value being set: what an older version stored is still used. */
  CheckFunc    check_new;
  /* Kept in this host's own database, whichever database the daemon uses */
  gboolean     local;
} SettingInfo;

/* RFC 5322 §2.1.1: a line is at most 998 characters; the mailer writes "From: " + the value. */
#define MAX_HEADER_LINE   998
#define FROM_PREFIX       "From: "
#define MAX_EMAIL_FROM    (MAX_HEADER_LINE - (int) (sizeof FROM_PREFIX - 1))

/* What GetSettings shows instead of a password inside smtp-url. */
#define REDACTED_PASSWORD "***"

static gboolean check_smtp_url    (GVariant  *value,
                                   GError   **error);
static gboolean check_smtp_url_has_no_password (GVariant  *value,
                                                GError   **error);
static gboolean check_email_from  (GVariant  *value,
                                   GError   **error);
static gboolean check_single_line (GVariant  *value,
                                   GError   **error);
static gboolean check_days        (GVariant  *value,
                                   GError   **error);
static gboolean check_webhook_url (GVariant  *value,
                                   GError   **error);
static gboolean check_positive    (GVariant  *value,
                                   GError   **error);
static gboolean check_seconds     (GVariant  *value,
                                   GError   **error);
static gboolean check_fleet_database (GVariant  *value,
                                      GError   **error);

static const SettingInfo settings_info[] = {
  { "allow-shell", SETTING_BOOLEAN, "true", NULL, FALSE },
  { "max-concurrent-runs", SETTING_UINT, "0", NULL, FALSE },
  { "keep-runs-days", SETTING_UINT, "0", check_days, FALSE },
  { "notifications", SETTING_BOOLEAN, "true", NULL, FALSE },
  { "email-from", SETTING_STRING, "", check_email_from, FALSE },
  { "smtp-url", SETTING_STRING, "", check_smtp_url, FALSE, check_smtp_url_has_no_password },
  { "smtp-starttls", SETTING_BOOLEAN, "false", NULL, FALSE },
  { "smtp-username", SETTING_STRING, "", check_single_line, FALSE },
  { "smtp-password", SETTING_STRING, "", check_single_line, TRUE },
  { "webhook-url", SETTING_STRING, "", check_webhook_url, FALSE },
  { "default-max-tasks", SETTING_UINT, "1024", check_positive, FALSE },
  { "resume-delay", SETTING_UINT, "60", check_seconds, FALSE },
  { "fleet-database", SETTING_STRING, "", check_fleet_database, FALSE, NULL, TRUE },
};

struct _ChkSettings
{
  GObject     parent_instance;

  ChkStore   *store;
  ChkStore   *local_store;  /* this host's own: @store, another, or none */
  GHashTable *values;       /* key → GVariant */
};

G_DEFINE_FINAL_TYPE (ChkSettings, chk_settings, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

#define set_invalid(error, ...) chk_set_error (error, CHK_ERROR_INVALID_ARGUMENT, __VA_ARGS__)
#define set_key_invalid(error, key, ...) \
  chk_set_key_error (error, CHK_ERROR_INVALID_ARGUMENT, key, __VA_ARGS__)

static gboolean
check_single_line (GVariant  *value,
                   GError   **error)
{
  gsize len;
  const char *text = g_variant_get_string (value, &len);

  if (len > 1024)
    return set_invalid (error, _("the value is longer than 1024 bytes"));
  if (chk_text_has_control_characters (text))
    return set_invalid (error, _("the value must not contain control characters such as newlines"));
  return TRUE;
}

static gboolean
check_positive (GVariant  *value,
                GError   **error)
{
  if (g_variant_get_uint32 (value) == 0)
    return set_invalid (error, _("the value must be at least 1"));
  return TRUE;
}

static gboolean
check_smtp_url (GVariant  *value,
                GError   **error)
{
  const char *url = g_variant_get_string (value, NULL);
  g_autoptr(GUri) uri = NULL;

  if (!check_single_line (value, error))
    return FALSE;
  if (url[0] == '\0')
    return TRUE;

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL ||
      (g_strcmp0 (g_uri_get_scheme (uri), "smtp") != 0 &&
       g_strcmp0 (g_uri_get_scheme (uri), "smtps") != 0) ||
      g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    return set_invalid (error, _("“%s” is not an smtp://host:port or smtps://host:port URL"), url);
  return TRUE;
}

/* "" (this host's own database) or a PostgreSQL URI that names no password */
static gboolean
check_fleet_database (GVariant  *value,
                      GError   **error)
{
  const char *location = g_variant_get_string (value, NULL);
  g_autoptr(GError) local_error = NULL;

  if (location[0] == '\0')
    return TRUE;
  if (!check_single_line (value, error))
    return FALSE;
  if (!chk_store_location_is_server (location))
    return set_invalid (error, _("the value must be a postgresql:// URI, or empty for this "
                                 "host’s own database"));
  if (!chk_store_check_server_location (location, &local_error))
    return set_invalid (error, "%s", local_error->message);
  return TRUE;
}

/* The password of an smtp-url such as smtp://user:password@host, or NULL. */
static char *
smtp_url_password (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);

  if (uri == NULL || g_uri_get_password (uri) == NULL || g_uri_get_password (uri)[0] == '\0')
    return NULL;
  return g_strdup (g_uri_get_password (uri));
}

/*
 * GetSettings would hand a password in the URL to every client, round the
 * write-only smtp-password: such a URL is refused. One stored by an older
 * version is still used by the mailer, and shown redacted.
 */
static gboolean
check_smtp_url_has_no_password (GVariant  *value,
                                GError   **error)
{
  g_autofree char *password = smtp_url_password (g_variant_get_string (value, NULL));

  if (password != NULL)
    return set_invalid (error, _("the URL holds a password, which anyone could read back: give the "
                                 "URL without it, the user name in smtp-username and the password "
                                 "in smtp-password, which cannot be read back"));
  return TRUE;
}

/* @url with its password, if any, replaced by REDACTED_PASSWORD. */
static char *
redact_smtp_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *password = smtp_url_password (url);

  if (password == NULL)
    return g_strdup (url);

  uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);
  g_assert (uri != NULL);
  return g_uri_join_with_user (G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED,
                               g_uri_get_scheme (uri), g_uri_get_user (uri), REDACTED_PASSWORD,
                               NULL, g_uri_get_host (uri), g_uri_get_port (uri),
                               g_uri_get_path (uri), g_uri_get_query (uri),
                               g_uri_get_fragment (uri));
}

static gboolean
check_email_from (GVariant  *value,
                  GError   **error)
{
  gsize len;
  const char *address = g_variant_get_string (value, &len);

  if (len > MAX_EMAIL_FROM)
    return set_invalid (error, _("the address is %zu bytes long; at most %d fit in the From: line "
                                 "of an email (%d characters, RFC 5322)"),
                        len, MAX_EMAIL_FROM, MAX_HEADER_LINE);
  if (!check_single_line (value, error))
    return FALSE;
  /* "" is $USER@hostname; anything else is checked as the recipients are */
  return address[0] == '\0' || chk_check_email_address (NULL, address, error);
}

static gboolean
check_webhook_url (GVariant  *value,
                   GError   **error)
{
  const char *url = g_variant_get_string (value, NULL);

  return url[0] == '\0' || chk_check_http_url (NULL, url, error);
}

static gboolean
check_days (GVariant  *value,
            GError   **error)
{
  if (g_variant_get_uint32 (value) > 100 * 366)
    return set_invalid (error, _("%u days is more than a hundred years"), g_variant_get_uint32 (value));
  return TRUE;
}

/* A delay: at most a day, past which nobody means it */
static gboolean
check_seconds (GVariant  *value,
               GError   **error)
{
  if (g_variant_get_uint32 (value) > 24 * 3600)
    return set_invalid (error, _("%u seconds is more than a day"), g_variant_get_uint32 (value));
  return TRUE;
}

static const GVariantType *
setting_variant_type (const SettingInfo *info)
{
  switch (info->type)
    {
    case SETTING_BOOLEAN:
      return G_VARIANT_TYPE_BOOLEAN;
    case SETTING_UINT:
      return G_VARIANT_TYPE_UINT32;
    case SETTING_STRING:
      return G_VARIANT_TYPE_STRING;
    default:
      g_assert_not_reached ();
    }
}

static GVariant *
setting_default (const SettingInfo *info)
{
  switch (info->type)
    {
    case SETTING_BOOLEAN:
      return g_variant_new_boolean (strcmp (info->default_value, "true") == 0);
    case SETTING_UINT:
      return g_variant_new_uint32 (g_ascii_strtoull (info->default_value, NULL, 10));
    case SETTING_STRING:
      return g_variant_new_string (info->default_value);
    default:
      g_assert_not_reached ();
    }
}

static const SettingInfo *
lookup_info (const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (settings_info); i++)
    if (strcmp (settings_info[i].key, key) == 0)
      return &settings_info[i];
  return NULL;
}

static GVariant *
get_value (ChkSettings *self,
           const char  *key)
{
  GVariant *value = g_hash_table_lookup (self->values, key);

  g_assert (value != NULL);
  return value;
}

static void
chk_settings_finalize (GObject *object)
{
  ChkSettings *self = CHK_SETTINGS (object);

  g_clear_object (&self->store);
  g_clear_object (&self->local_store);
  g_clear_pointer (&self->values, g_hash_table_unref);

  G_OBJECT_CLASS (chk_settings_parent_class)->finalize (object);
}

static void
chk_settings_class_init (ChkSettingsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = chk_settings_finalize;

  /**
   * ChkSettings::changed:
   * @self: the settings
   * @key: the key that changed
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                   G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
chk_settings_init (ChkSettings *self)
{
  self->values = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                        (GDestroyNotify) g_variant_unref);
}

/* Takes @value, stored (or %NULL), as @info's value: the default when it
 * is not set, has the wrong type or no longer passes its check (with a
 * warning). */
static void
take_setting (ChkSettings       *self,
              const SettingInfo *info,
              GVariant          *value)
{
  g_autoptr(GError) error = NULL;

  if (value != NULL &&
      (!g_variant_is_of_type (value, setting_variant_type (info)) ||
       (info->check != NULL && !info->check (value, &error))))
    {
      g_warning ("Ignoring the stored value of setting %s: %s", info->key,
                 error ? error->message : "wrong type");
      value = NULL;
    }

  g_hash_table_insert (self->values, (gpointer) info->key,
                       value != NULL ? g_variant_ref (value)
                       : g_variant_ref_sink (setting_default (info)));
}

/* Reads @info's value from @store (see take_setting()); %FALSE when the
 * store failed. */
static gboolean
read_setting (ChkSettings        *self,
              ChkStore           *store,
              const SettingInfo  *info,
              GError            **error)
{
  g_autoptr(GVariant) stored = NULL;
  g_autoptr(GError) local_error = NULL;

  stored = chk_store_get_setting (store, info->key, &local_error);
  if (stored == NULL && local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  take_setting (self, info, stored);
  return TRUE;
}

/* Another host's daemon changed settings of the fleet: those that differ
 * now are read again and told. */
static void
store_settings_changed_cb (ChkStore    *store,
                           ChkSettings *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) stored = chk_store_list_settings (store, &error);

  if (stored == NULL)
    {
      g_warning ("Could not read the settings that another host changed: %s", error->message);
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (settings_info); i++)
    {
      const SettingInfo *info = &settings_info[i];
      g_autoptr(GVariant) before = NULL;

      if (info->local)
        continue;
      before = g_variant_ref (get_value (self, info->key));
      take_setting (self, info, g_hash_table_lookup (stored, info->key));
      if (!g_variant_equal (before, get_value (self, info->key)))
        g_signal_emit (self, signals[CHANGED], g_quark_from_static_string (info->key),
                       info->key);
    }
}

/**
 * chk_settings_new:
 * @store: the store the settings live in
 * @error: return location for a #GError
 *
 * Reads the settings from @store. A stored value of the wrong type or
 * that no longer passes its check is replaced by the default, with a
 * warning: settings never stop the daemon from starting.
 *
 * A store of one daemon is also this host's own database. A shared one
 * is not: until chk_settings_set_local_store() says which is, the
 * fleet-database setting reads as @store's location and cannot be set
 * (the daemon was started with it). The settings that the other hosts'
 * daemons change in it are read again (ChkStore::settings-changed).
 *
 * Returns: (transfer full): the settings, or %NULL if the store failed
 */
ChkSettings *
chk_settings_new (ChkStore  *store,
                  GError   **error)
{
  g_autoptr(ChkSettings) self = g_object_new (CHK_TYPE_SETTINGS, NULL);

  g_return_val_if_fail (CHK_IS_STORE (store), NULL);

  self->store = g_object_ref (store);
  if (!chk_store_is_shared (store))
    self->local_store = g_object_ref (store);
  g_signal_connect_object (store, "settings-changed", G_CALLBACK (store_settings_changed_cb),
                           self, 0);

  for (guint i = 0; i < G_N_ELEMENTS (settings_info); i++)
    {
      const SettingInfo *info = &settings_info[i];

      if (info->local && self->local_store == NULL)
        {
          const char *location = chk_store_get_path (store);
          GVariant *value = g_variant_new_string (location != NULL ? location : "");

          g_hash_table_insert (self->values, (gpointer) info->key, g_variant_ref_sink (value));
        }
      else if (!read_setting (self, info->local ? self->local_store : store, info, error))
        {
          return NULL;
        }
    }

  return g_steal_pointer (&self);
}

/**
 * chk_settings_set_local_store:
 * @self: a #ChkSettings
 * @local_store: this host's own database, when the daemon uses a shared
 *   one chosen by the fleet-database setting of @local_store
 * @error: return location for a #GError
 *
 * Keeps the settings of this host (fleet-database) in @local_store, and
 * reads them from it.
 *
 * Returns: %TRUE on success, %FALSE if @local_store failed
 */
gboolean
chk_settings_set_local_store (ChkSettings  *self,
                              ChkStore     *local_store,
                              GError      **error)
{
  g_return_val_if_fail (CHK_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (CHK_IS_STORE (local_store), FALSE);

  g_set_object (&self->local_store, local_store);
  for (guint i = 0; i < G_N_ELEMENTS (settings_info); i++)
    if (settings_info[i].local && !read_setting (self, local_store, &settings_info[i], error))
      return FALSE;
  return TRUE;
}

/* Stores those of @changes that live in @store: the local ones or the others */
static gboolean
store_changes (ChkSettings  *self,
               ChkStore     *store,
               GVariant     *changes,
               gboolean      local,
               GError      **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, changes);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      if (lookup_info (key)->local != local && self->local_store != self->store)
        continue;
      if (!chk_store_set_setting (store, key, value, error))
        {
          g_variant_unref (value);
          return FALSE;
        }
    }
  return TRUE;
}

/**
 * chk_settings_update:
 * @self: a #ChkSettings
 * @changes: an `a{sv}` of setting keys and values
 * @error: return location for a #GError
 *
 * Changes settings, all or nothing: an unknown key, a value of the wrong
 * type or a bad value fails with %CHK_ERROR_INVALID_ARGUMENT naming the
 * key, and changes none.
 *
 * Returns: %TRUE if all of @changes were applied and stored
 */
gboolean
chk_settings_update (ChkSettings  *self,
                     GVariant     *changes,
                     GError      **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;
  g_autoptr(GPtrArray) changed = g_ptr_array_new ();
  gboolean has_local = FALSE;

  g_return_val_if_fail (CHK_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (g_variant_is_of_type (changes, G_VARIANT_TYPE_VARDICT), FALSE);

  g_variant_iter_init (&iter, changes);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      const SettingInfo *info = lookup_info (key);
      g_autoptr(GError) local_error = NULL;

      if (info == NULL)
        {
          g_variant_unref (value);
          return set_invalid (error, _("unknown setting “%s”"), key);
        }
      if (!g_variant_is_of_type (value, setting_variant_type (info)))
        {
          set_key_invalid (error, key, _("must be of type %s, not %s"),
                           (const char *) setting_variant_type (info),
                           g_variant_get_type_string (value));
          g_variant_unref (value);
          return FALSE;
        }
      if ((info->check != NULL && !info->check (value, &local_error)) ||
          (info->check_new != NULL && !info->check_new (value, &local_error)))
        {
          g_variant_unref (value);
          return set_key_invalid (error, key, "%s", local_error->message);
        }
      if (info->local && self->local_store == NULL)
        {
          g_variant_unref (value);
          return set_key_invalid (error, key, _("chronikerd was started with --database, which "
                                                "says which database it uses"));
        }
      has_local = has_local || info->local;
    }

  /* In a fleet, this host's own settings go in its own database, in a
   * transaction of their own that commits once the others did. */
  if (has_local && self->local_store != self->store)
    {
      if (!chk_store_begin (self->local_store, error))
        return FALSE;
      if (!store_changes (self, self->local_store, changes, TRUE, error))
        {
          chk_store_rollback (self->local_store);
          return FALSE;
        }
    }

  if (!chk_store_begin (self->store, error))
    {
      if (has_local && self->local_store != self->store)
        chk_store_rollback (self->local_store);
      return FALSE;
    }
  if (!store_changes (self, self->store, changes, FALSE, error) ||
      !chk_store_commit (self->store, error))
    {
      chk_store_rollback (self->store);
      if (has_local && self->local_store != self->store)
        chk_store_rollback (self->local_store);
      return FALSE;
    }

  if (has_local && self->local_store != self->store &&
      !chk_store_commit (self->local_store, error))
    {
      chk_store_rollback (self->local_store);
      return FALSE;
    }

  g_variant_iter_init (&iter, changes);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      const SettingInfo *info = lookup_info (key);

      g_hash_table_insert (self->values, (gpointer) info->key, g_variant_ref (value));
      g_ptr_array_add (changed, (gpointer) info->key);
    }

  for (guint i = 0; i < changed->len; i++)
    {
      const char *changed_key = g_ptr_array_index (changed, i);

      g_signal_emit (self, signals[CHANGED], g_quark_from_static_string (changed_key), changed_key);
    }

  return TRUE;
}

/**
 * chk_settings_to_variant:
 * @self: a #ChkSettings
 *
 * Returns: (transfer floating): every setting as an `a{sv}`; secrets
 *   (smtp-password) read "set" or "", and a password inside smtp-url (stored
 *   by an older version) reads "***"
 */
GVariant *
chk_settings_to_variant (ChkSettings *self)
{
  GVariantBuilder builder;

  g_return_val_if_fail (CHK_IS_SETTINGS (self), NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  for (guint i = 0; i < G_N_ELEMENTS (settings_info); i++)
    {
      const SettingInfo *info = &settings_info[i];
      GVariant *value = get_value (self, info->key);

      if (info->secret)
        value = g_variant_new_string (g_variant_get_string (value, NULL)[0] != '\0' ? "set" : "");
      else if (g_str_equal (info->key, "smtp-url"))
        value = g_variant_new_take_string (redact_smtp_url (g_variant_get_string (value, NULL)));
      g_variant_builder_add (&builder, "{sv}", info->key, value);
    }

  return g_variant_builder_end (&builder);
}

gboolean
chk_settings_get_allow_shell (ChkSettings *self)
{
  g_return_val_if_fail (CHK_IS_SETTINGS (self), TRUE);
  return g_variant_get_boolean (get_value (self, "allow-shell"));
}

/**
 * chk_settings_get_max_concurrent_runs:
 * @self: a #ChkSettings
 *
 * Returns: how many runs may be under way at once; 0 means no limit
 */
guint
chk_settings_get_max_concurrent_runs (ChkSettings *self)
{
  g_return_val_if_fail (CHK_IS_SETTINGS (self), 0);
  return g_variant_get_uint32 (get_value (self, "max-concurrent-runs"));
}

/**
 * chk_settings_get_keep_runs_days:
 * @self: a #ChkSettings
 *
 * Returns: how many days finished runs are kept; 0 means forever
 */
guint
chk_settings_get_keep_runs_days (ChkSettings *self)
{
  g_return_val_if_fail (CHK_IS_SETTINGS (self), 0);
  return g_variant_get_uint32 (get_value (self, "keep-runs-days"));
}

/**
 * chk_settings_get_default_max_tasks:
 * @self: a #ChkSettings
 *
 * Returns: the max-tasks of a job that sets none, at least 1
 */
guint
chk_settings_get_default_max_tasks (ChkSettings *self)
{
  g_return_val_if_fail (CHK_IS_SETTINGS (self), 1024);
  return g_variant_get_uint32 (get_value (self, "default-max-tasks"));
}

/**
 * chk_settings_get_resume_delay:
 * @self: a #ChkSettings
 *
 * Returns: the seconds catch-up runs wait after a resume or a start with
 *   runs missed
 */
guint
chk_settings_get_resume_delay (ChkSettings *self)
{
  g_return_val_if_fail (CHK_IS_SETTINGS (self), 60);
  return g_variant_get_uint32 (get_value (self, "resume-delay"));
}

gboolean
chk_settings_get_notifications (ChkSettings *self)
{
  g_return_val_if_fail (CHK_IS_SETTINGS (self), TRUE);
  return g_variant_get_boolean (get_value (self, "notifications"));
}

gboolean
chk_settings_get_smtp_starttls (ChkSettings *self)
{
  g_return_val_if_fail (CHK_IS_SETTINGS (self), FALSE);
  return g_variant_get_boolean (get_value (self, "smtp-starttls"));
}

/**
 * chk_settings_get_string:
 * @self: a #ChkSettings
 * @key: a string setting, such as "smtp-url"
 *
 * Returns: its value, the secret ones included
 */
const char *
chk_settings_get_string (ChkSettings *self,
                         const char  *key)
{
  const SettingInfo *info;

  g_return_val_if_fail (CHK_IS_SETTINGS (self), NULL);
  info = lookup_info (key);
  g_return_val_if_fail (info != NULL && info->type == SETTING_STRING, NULL);

  return g_variant_get_string (get_value (self, key), NULL);
}
