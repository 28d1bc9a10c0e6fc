/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "chk-i18n.h"

/**
 * chk_i18n_init:
 *
 * Sets the locale from the environment and binds Chroniker's messages, for
 * the daemon, the app and chronikerctl alike: the installed catalogs, or
 * those under `CHK_LOCALEDIR` (`<dir>/<lang>/LC_MESSAGES/chroniker.mo`),
 * for an uninstalled build and the tests. Call first thing in main().
 */
void
chk_i18n_init (void)
{
  const char *localedir = g_getenv ("CHK_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && localedir[0] != '\0' ? localedir
                                                                             : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}
