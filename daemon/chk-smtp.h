/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One SMTP try, which the mailer copies for a worker thread: the thread
 * shares nothing. */
typedef struct
{
  char     *url;
  gboolean  starttls;
  char     *username;
  char     *password;
  char     *from;
  GStrv     to;
  char     *message;
  gsize     length;
  gsize     offset;
  guint     timeout_ms;
} ChkSmtpTry;

/* What the SMTP module (chk-smtp-curl.so) exports, as chk_smtp_module;
 * chk-module.c tells why it is a module. */
typedef struct
{
  /* Blocks for one SMTP transaction; returns G_IO_ERROR errors whose messages
   * never hold the URL's password. */
  gboolean (*send) (ChkSmtpTry    *smtp,
                    GCancellable  *cancellable,
                    GError       **error);
} ChkSmtpModule;

G_END_DECLS
