/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "chk-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(ChkApplication) application = NULL;

  setlocale (LC_ALL, "");
  /* CHK_LOCALEDIR: translations elsewhere than the installed ones, for an
   * uninstalled build and the tests (<dir>/<lang>/LC_MESSAGES/chroniker.mo) */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("CHK_LOCALEDIR") != NULL ? g_getenv ("CHK_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Chroniker"));
  application = chk_application_new ();
  return g_application_run (G_APPLICATION (application), argc, argv);
}
