/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/**
 * ChkBackgroundState:
 * @CHK_BACKGROUND_NOT_ASKED: not in a sandbox, or no scheduled job saved yet
 * @CHK_BACKGROUND_ASKING: the Background portal is asking the user
 * @CHK_BACKGROUND_AUTOSTART: the daemon runs in the background and starts at login
 * @CHK_BACKGROUND_NO_AUTOSTART: it may run in the background, but does not start at login
 * @CHK_BACKGROUND_REFUSED: the user, or the portal, said no
 *
 * What the Background portal said to the app's request to start the daemon
 * at login, in the Flatpak.
 */
typedef enum
{
  CHK_BACKGROUND_NOT_ASKED,
  CHK_BACKGROUND_ASKING,
  CHK_BACKGROUND_AUTOSTART,
  CHK_BACKGROUND_NO_AUTOSTART,
  CHK_BACKGROUND_REFUSED,
} ChkBackgroundState;

#define CHK_TYPE_BACKGROUND_REQUEST (chk_background_request_get_type ())

G_DECLARE_FINAL_TYPE (ChkBackgroundRequest, chk_background_request, CHK, BACKGROUND_REQUEST,
                      GObject)

ChkBackgroundRequest *chk_background_request_get_default (void);
ChkBackgroundState    chk_background_request_get_state   (ChkBackgroundRequest *self);
const char           *chk_background_request_get_error   (ChkBackgroundRequest *self);
void                  chk_background_request_ask         (ChkBackgroundRequest *self,
                                                          GDBusConnection      *connection,
                                                          GtkWindow            *parent,
                                                          gboolean              autostart);
void                  chk_background_request_job_saved   (ChkBackgroundRequest *self,
                                                          GDBusConnection      *connection,
                                                          GtkWindow            *parent,
                                                          GVariant             *spec);
void                  chk_background_request_reset       (ChkBackgroundRequest *self);

G_END_DECLS
