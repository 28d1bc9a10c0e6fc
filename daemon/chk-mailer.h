/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * ChkMailerConfig:
 * @from: (nullable): the From address; %NULL or "" means `$USER@hostname`
 * @smtp_url: (nullable): `smtp://host:port` or `smtps://…`; %NULL or "" pipes the
 *   message to sendmail instead
 * @starttls: require STARTTLS on an `smtp://` connection
 * @username: (nullable): SMTP user name; %NULL or "" for no authentication
 * @password: (nullable): SMTP password
 * @sendmail_path: (nullable): the sendmail program; %NULL means "sendmail" looked up on
 *   `PATH`, then in `/usr/sbin` and `/usr/lib`
 * @retry_delays_ms: (nullable) (array length=n_retry_delays): the waits between tries;
 *   %NULL means 1 s, 5 s, 30 s; a non-%NULL array with @n_retry_delays 0 means one try
 * @n_retry_delays: the length of @retry_delays_ms
 * @timeout_ms: how long one SMTP try may take; 0 means 60 s
 *
 * What a #ChkMailer needs to know; a plain struct the mailer copies, so the caller
 * may free it right after chk_mailer_new().
 */
typedef struct
{
  const char  *from;
  const char  *smtp_url;
  gboolean     starttls;
  const char  *username;
  const char  *password;
  const char  *sendmail_path;
  const guint *retry_delays_ms;
  guint        n_retry_delays;
  guint        timeout_ms;
} ChkMailerConfig;

/* How much of each output stream a report carries. */
#define CHK_MAILER_TAIL_MAX_BYTES (16 * 1024)

#define CHK_TYPE_MAILER (chk_mailer_get_type ())

G_DECLARE_FINAL_TYPE (ChkMailer, chk_mailer, CHK, MAILER, GObject)

ChkMailer *chk_mailer_new               (const ChkMailerConfig  *config);
gboolean   chk_mailer_has_transport     (ChkMailer              *self);
void       chk_mailer_send_async        (ChkMailer              *self,
                                         const char * const     *to,
                                         const char             *subject,
                                         const char             *body,
                                         GCancellable           *cancellable,
                                         GAsyncReadyCallback     callback,
                                         gpointer                user_data);
gboolean   chk_mailer_send_finish       (ChkMailer              *self,
                                         GAsyncResult           *result,
                                         GError                **error);

char      *chk_mailer_build_message     (const char             *from,
                                         const char * const     *to,
                                         const char             *subject,
                                         const char             *body,
                                         GDateTime              *now,
                                         GError                **error);
void       chk_mailer_compose_report    (const char             *job_name,
                                         const char             *hostname,
                                         const char             *outcome,
                                         int                     exit_code,
                                         gint64                  started,
                                         gint64                  finished,
                                         GBytes                 *stderr_tail,
                                         GBytes                 *stdout_tail,
                                         char                  **out_subject,
                                         char                  **out_body);

G_END_DECLS
