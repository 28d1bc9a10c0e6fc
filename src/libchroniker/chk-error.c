/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-error"

#include "config.h"

#include <gio/gio.h>

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
