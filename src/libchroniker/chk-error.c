/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-error"

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "chk-error.h"

static const GDBusErrorEntry chk_error_entries[] = {
  { CHK_ERROR_INVALID_ARGUMENT, "io.github.chroniker.Chroniker.Error.InvalidArgument" },
  { CHK_ERROR_INVALID_SCHEDULE, "io.github.chroniker.Chroniker.Error.InvalidSchedule" },
  { CHK_ERROR_NOT_FOUND, "io.github.chroniker.Chroniker.Error.NotFound" },
  { CHK_ERROR_ALREADY_EXISTS, "io.github.chroniker.Chroniker.Error.AlreadyExists" },
  { CHK_ERROR_ALREADY_RUNNING, "io.github.chroniker.Chroniker.Error.AlreadyRunning" },
  { CHK_ERROR_NOT_RUNNING, "io.github.chroniker.Chroniker.Error.NotRunning" },
  { CHK_ERROR_SHELL_DISABLED, "io.github.chroniker.Chroniker.Error.ShellDisabled" },
  { CHK_ERROR_STORAGE, "io.github.chroniker.Chroniker.Error.Storage" },
  { CHK_ERROR_PERMISSION_DENIED, "io.github.chroniker.Chroniker.Error.PermissionDenied" },
  { CHK_ERROR_DELIVERY_FAILED, "io.github.chroniker.Chroniker.Error.DeliveryFailed" },
  { CHK_ERROR_FAILED, "io.github.chroniker.Chroniker.Error.Failed" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (chk_error_entries) == CHK_ERROR_N_ERRORS);

/**
 * chk_error_quark:
 *
 * The error domain of Chroniker, registered with GDBus so that a
 * #GError crossing the bus keeps its domain and code.
 *
 * Returns: the #GQuark of %CHK_ERROR
 */
GQuark
chk_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("chk-error-quark",
                                      &quark,
                                      chk_error_entries,
                                      G_N_ELEMENTS (chk_error_entries));
  return (GQuark) quark;
}

/**
 * chk_set_error:
 * @error: return location for a #GError, or %NULL
 * @code: the error code
 * @format: printf() format of the message
 * @...: its arguments
 *
 * Sets a %CHK_ERROR, for the common `return chk_set_error (...)`.
 *
 * Returns: %FALSE, always
 */
gboolean
chk_set_error (GError     **error,
               ChkError     code,
               const char  *format,
               ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error_literal (error, CHK_ERROR, code, message);
  return FALSE;
}

/*
 * Error keys. An error about one spec key or argument says which in front
 * of its message, untranslated: "schedule: “61” is not a minute". The app
 * routes the error to that field by the key, whatever language the rest is
 * in; people and scripts read the whole line.
 */

static gboolean
is_key_char (char c)
{
  return g_ascii_islower (c) || g_ascii_isdigit (c) || c == '-';
}

/* The length of the key that @text starts with, 0 for none */
static gsize
key_length (const char *text)
{
  gsize length = 0;

  if (!g_ascii_islower (text[0]))
    return 0;
  while (is_key_char (text[length]))
    length++;
  return text[length] == ':' && text[length + 1] == ' ' ? length : 0;
}

/**
 * chk_set_key_error:
 * @error: return location for a #GError, or %NULL
 * @code: the error code
 * @key: the spec key or argument that is wrong, e.g. "schedule"
 * @format: printf() format of the message, translated, without the key
 * @...: its arguments
 *
 * Sets a %CHK_ERROR whose message is "@key: message", with @key outside
 * the translated text so that chk_error_get_key() finds it in any locale.
 *
 * Returns: %FALSE, always
 */
gboolean
chk_set_key_error (GError     **error,
                   ChkError     code,
                   const char  *key,
                   const char  *format,
                   ...)
{
  va_list args;
  g_autofree char *message = NULL;

  g_return_val_if_fail (key != NULL && key[0] != '\0', FALSE);

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, CHK_ERROR, code, "%s: %s", key, message);
  return FALSE;
}

/**
 * chk_error_prefix_key:
 * @error: (nullable): a return location of an error that may be set
 * @key: the spec key or argument that the error is about
 *
 * Puts "@key: " in front of the error's message, unless it names a key
 * already: for errors that a general function set, such as a schedule's.
 */
void
chk_error_prefix_key (GError     **error,
                      const char  *key)
{
  g_return_if_fail (key != NULL);

  if (error == NULL || *error == NULL || key_length ((*error)->message) > 0)
    return;
  g_prefix_error (error, "%s: ", key);
}

/**
 * chk_error_get_key:
 * @error: (nullable): an error, from this process or from the daemon
 *
 * Returns: (transfer full) (nullable): the spec key or argument that
 *   @error is about, e.g. "schedule", or %NULL when it names none
 */
char *
chk_error_get_key (const GError *error)
{
  const char *message;
  gsize length;

  if (error == NULL || error->message == NULL)
    return NULL;

  /* Unstripped, a remote error starts "GDBus.Error:name: " */
  message = error->message;
  if (g_str_has_prefix (message, "GDBus.Error:"))
    {
      const char *end = strstr (message, ": ");

      if (end == NULL)
        return NULL;
      message = end + 2;
    }
  length = key_length (message);
  return length > 0 ? g_strndup (message, length) : NULL;
}
