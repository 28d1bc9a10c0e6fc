/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-module"

#include "config.h"

#include <stdlib.h>

#include <gmodule.h>

#include "chk-error.h"
#include "chk-module.h"

/*
 * The daemon's modules: the parts that bring large libraries which only some
 * daemons need. libpq, for a fleet's PostgreSQL store, brings OpenSSL,
 * GnuTLS, Kerberos and LDAP; libcurl, for mail over SMTP, brings them too,
 * with libssh2 and librtmp; libpolkit, for the system daemon, brings
 * libsystemd, libgcrypt and three compressors; libsoup, for HTTP checks and
 * webhooks, brings Kerberos again, nghttp2, libpsl and brotli. Linked into
 * chronikerd, they cost every daemon 37 more libraries to load at each start
 * and 6.9 MiB of memory. As modules, only the daemons that use them pay,
 * from their first use.
 *
 * A module is built with the daemon and goes with that build alone: a
 * program of the build tree (chronikerd run by build-aux/run, the tests)
 * loads the build tree's, an installed daemon the installed one.
 */

/* Whether this program is one of the build tree's */
static gboolean
runs_from_build_tree (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *build_root = realpath (CHK_BUILD_ROOT, NULL);
  g_autofree char *prefix = NULL;

  if (exe == NULL || build_root == NULL)
    return FALSE;
  prefix = g_strconcat (build_root, G_DIR_SEPARATOR_S, NULL);
  return g_str_has_prefix (exe, prefix);
}

static char *
module_path (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".", G_MODULE_SUFFIX, NULL);

  if (runs_from_build_tree ())
    return g_build_filename (CHK_BUILD_ROOT, "daemon", file, NULL);
  return g_build_filename (CHK_MODULEDIR, file, NULL);
}

/**
 * chk_module_lookup:
 * @name: the module's name, such as "chk-store-pg"
 * @symbol: the name of what it exports
 * @error: return location for a #GError
 *
 * Loads the module @name and looks up @symbol in it, once for the process:
 * a module is never unloaded, as the types it registers must stay. A load
 * that failed is tried again at the next call. Any thread may call this.
 *
 * Returns: (transfer none): what @symbol names, or %NULL with @error set
 *   (%CHK_ERROR_FAILED, naming the module's file)
 */
gconstpointer
chk_module_lookup (const char  *name,
                   const char  *symbol,
                   GError     **error)
{
  static GMutex lock;
  static GHashTable *found;  /* "name:symbol" → its address */
  g_autoptr(GMutexLocker) locker = NULL;
  g_autofree char *key = NULL;
  g_autofree char *path = NULL;
  GModule *module;
  gpointer address = NULL;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (symbol != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  locker = g_mutex_locker_new (&lock);
  if (found == NULL)
    found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  key = g_strconcat (name, ":", symbol, NULL);
  address = g_hash_table_lookup (found, key);
  if (address != NULL)
    return address;

  path = module_path (name);
  /* Every symbol is bound now: a module that does not fit this program fails
   * here, with a message, and not at its first call. */
  module = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_FAILED, "Could not load %s: %s", path,
                   g_module_error ());
      return NULL;
    }
  g_module_make_resident (module);

  if (!g_module_symbol (module, symbol, &address) || address == NULL)
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_FAILED, "%s has no %s: %s", path, symbol,
                   g_module_error ());
      return NULL;
    }
  g_debug ("Loaded %s from %s", symbol, path);
  g_hash_table_insert (found, g_steal_pointer (&key), address);
  return address;
}
