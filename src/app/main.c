/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <glib/gi18n.h>

#include "chk-application.h"
#include "chk-i18n.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(ChkApplication) application = NULL;

  chk_i18n_init ();

  g_set_application_name (_("Chroniker"));
  application = chk_application_new ();
  return g_application_run (G_APPLICATION (application), argc, argv);
}
