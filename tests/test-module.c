/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-module"

#include "config.h"

#include <string.h>

#include <glib.h>

#include "chk-error.h"
#include "chk-module.h"
#include "chk-smtp.h"

/*
 * chk_module_lookup(): a test program of the build tree loads the build
 * tree's modules (chk-module.c). The modules' own work is tested where it
 * is used: test-mailer, test-store, and the daemon's tests on a bus.
 */

/* A module's symbol is found, and found again without loading anything. */
static void
test_found_once (void)
{
  g_autoptr(GError) error = NULL;
  const ChkSmtpModule *first;
  const ChkSmtpModule *again;

  first = chk_module_lookup ("chk-smtp-curl", "chk_smtp_module", &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);
  g_assert_nonnull (first->send);

  again = chk_module_lookup ("chk-smtp-curl", "chk_smtp_module", &error);
  g_assert_no_error (error);
  g_assert_true (again == first);
}

/* A module that is not there: the error names the file looked for. */
static void
test_missing_module (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = g_build_filename (CHK_BUILD_ROOT, "daemon",
                                                "chk-no-such-module." G_MODULE_SUFFIX, NULL);

  g_assert_null (chk_module_lookup ("chk-no-such-module", "chk_smtp_module", &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, expected));
}

/* A module without the symbol: the error names both. */
static void
test_missing_symbol (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (chk_module_lookup ("chk-smtp-curl", "chk_no_such_symbol", &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "chk-smtp-curl." G_MODULE_SUFFIX));
  g_assert_nonnull (strstr (error->message, "chk_no_such_symbol"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/module/found-once", test_found_once);
  g_test_add_func ("/module/missing-module", test_missing_module);
  g_test_add_func ("/module/missing-symbol", test_missing_symbol);

  return g_test_run ();
}
