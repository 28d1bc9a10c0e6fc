/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ChkError:
 * @CHK_ERROR_INVALID_ARGUMENT: an argument has the wrong type, an unknown key, or a bad value
 * @CHK_ERROR_INVALID_SCHEDULE: a schedule or time zone could not be understood
 * @CHK_ERROR_NOT_FOUND: no job or run with that name or id
 * @CHK_ERROR_ALREADY_EXISTS: a job with that name exists
 * @CHK_ERROR_ALREADY_RUNNING: the job has a run under way
 * @CHK_ERROR_NOT_RUNNING: the job has no run under way
 * @CHK_ERROR_SHELL_DISABLED: shell commands are refused by the `allow-shell` setting
 * @CHK_ERROR_STORAGE: the database failed
 * @CHK_ERROR_PERMISSION_DENIED: the caller may not do this
 * @CHK_ERROR_DELIVERY_FAILED: an email or webhook could not be delivered
 * @CHK_ERROR_FAILED: something outside Chroniker failed (the systemd user manager, a file
 *   of the session); the message says what
 *
 * The error codes of Chroniker. On the bus each one is the D-Bus error
 * `io.github.chroniker.Chroniker.Error.` followed by its name in CamelCase.
 */
typedef enum
{
  CHK_ERROR_INVALID_ARGUMENT,
  CHK_ERROR_INVALID_SCHEDULE,
  CHK_ERROR_NOT_FOUND,
  CHK_ERROR_ALREADY_EXISTS,
  CHK_ERROR_ALREADY_RUNNING,
  CHK_ERROR_NOT_RUNNING,
  CHK_ERROR_SHELL_DISABLED,
  CHK_ERROR_STORAGE,
  CHK_ERROR_PERMISSION_DENIED,
  CHK_ERROR_DELIVERY_FAILED,
  CHK_ERROR_FAILED,
} ChkError;

#define CHK_ERROR_N_ERRORS (CHK_ERROR_FAILED + 1)

#define CHK_ERROR (chk_error_quark ())

GQuark   chk_error_quark (void);
gboolean chk_set_error   (GError     **error,
                          ChkError     code,
                          const char  *format,
                          ...) G_GNUC_PRINTF (3, 4);
gboolean chk_set_key_error (GError     **error,
                            ChkError     code,
                            const char  *key,
                            const char  *format,
                            ...) G_GNUC_PRINTF (4, 5);
void     chk_error_prefix_key (GError     **error,
                               const char  *key);
char    *chk_error_get_key (const GError *error);

G_END_DECLS
