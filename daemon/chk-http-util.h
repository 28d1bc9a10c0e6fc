/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

SoupSession *chk_http_dup_session (SoupSession  **slot,
                                   guint          timeout_s,
                                   int            max_conns,
                                   int            max_conns_per_host);
SoupMessage *chk_http_message_new (const char    *method,
                                   GUri          *uri);
void         chk_http_drop_body   (GInputStream  *body,
                                   GCancellable  *cancellable);
GError      *chk_http_explain_tls_error (SoupMessage *message,
                                         GError      *error);

G_END_DECLS
