/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-test"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "chk-test-util.h"

/*
 * What the C tests and benchmarks share, whatever they test: temporary
 * directories, waiting on the main context, and helper processes (a
 * loopback server in Python, an X server) that end with the test.
 */

/**
 * chk_test_make_tmpdir:
 * @tmpl: a g_dir_make_tmp() template, such as "test-store-XXXXXX"
 *
 * Returns: (transfer full): a new, empty directory; the test fails without one
 */
char *
chk_test_make_tmpdir (const char *tmpl)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  return dir;
}

/**
 * chk_test_remove_tree:
 * @path: a file or directory
 *
 * Removes @path and, for a directory, everything below it. Symbolic links
 * are removed, never followed.
 */
void
chk_test_remove_tree (const char *path)
{
  GStatBuf buf;

  if (g_lstat (path, &buf) != 0)
    return;

  if (S_ISDIR (buf.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          chk_test_remove_tree (child);
        }
      if (g_rmdir (path) != 0)
        g_warning ("Could not remove %s: %s", path, g_strerror (errno));
    }
  else if (g_unlink (path) != 0)
    {
      g_warning ("Could not remove %s: %s", path, g_strerror (errno));
    }
}

/**
 * chk_test_read_file:
 * @dir: a directory
 * @name: a file in it
 *
 * Returns: (transfer full): the file's contents; the test fails if it cannot be read
 */
char *
chk_test_read_file (const char *dir,
                    const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

/**
 * chk_test_check_file:
 * @file: the caller's source file
 * @line: the caller's line
 * @func: the caller's function
 * @dir: a directory
 * @name: a file in it
 * @expected: what the file must hold
 *
 * What chk_test_assert_file() calls: the test fails, naming @file and @line,
 * unless the file holds exactly @expected.
 */
void
chk_test_check_file (const char *file,
                     int         line,
                     const char *func,
                     const char *dir,
                     const char *name,
                     const char *expected)
{
  g_autofree char *contents = chk_test_read_file (dir, name);

  if (g_strcmp0 (contents, expected) != 0)
    {
      g_autofree char *expr = g_strdup_printf ("contents of %s", name);

      g_assertion_message_cmpstr (G_LOG_DOMAIN, file, line, func, expr, contents, "==", expected);
    }
}

static gboolean
flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/**
 * chk_test_iterate:
 * @seconds: how long
 *
 * Runs the default main context for about @seconds.
 */
void
chk_test_iterate (double seconds)
{
  gboolean done = FALSE;

  g_timeout_add ((guint) (seconds * 1000), flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/**
 * chk_test_wait_until:
 * @condition: what to wait for
 * @user_data: its data
 * @seconds: how long at most
 *
 * Runs the default main context until @condition holds.
 *
 * Returns: whether it held in time
 */
gboolean
chk_test_wait_until (ChkTestCondition condition,
                     gpointer         user_data,
                     double           seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (!condition (user_data))
    {
      gboolean woken = FALSE;
      guint source;

      if (g_get_monotonic_time () >= deadline)
        return FALSE;

      /* Some conditions (a process's exit, a name on the bus) signal nothing here. */
      source = g_timeout_add (20, flag_cb, &woken);
      g_main_context_iteration (NULL, TRUE);
      if (!woken)
        g_source_remove (source);
    }
  return TRUE;
}

/**
 * chk_test_cancel_cb:
 * @cancellable: a #GCancellable
 *
 * A #GSourceFunc that cancels @cancellable, once.
 */
gboolean
chk_test_cancel_cb (gpointer cancellable)
{
  g_cancellable_cancel (cancellable);
  return G_SOURCE_REMOVE;
}

/**
 * chk_test_child_setup:
 * @user_data: unused
 *
 * A #GSpawnChildSetupFunc: the child gets SIGTERM when the test ends, even
 * when an assertion aborts it.
 */
void
chk_test_child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/**
 * chk_test_server_script:
 * @env_var: a variable that may name another script
 * @dir: the script's directory, below tests/
 * @name: the script's file name
 *
 * Returns: (transfer full): the path of a test server script: @env_var's
 *   value when it is set, else tests/@dir/@name in the source tree
 */
char *
chk_test_server_script (const char *env_var,
                        const char *dir,
                        const char *name)
{
  const char *env = g_getenv (env_var);

  if (env != NULL)
    return g_strdup (env);
  return g_test_build_filename (G_TEST_DIST, dir, name, NULL);
}

/**
 * chk_test_server_start:
 * @argv: the server's command line
 * @first_line: (out): the first line it prints, stripped
 *
 * Starts a test server (tests/mailer/smtp-server.py, tests/http/http-server.py)
 * with pipes for its stdin and stdout, and reads the first line it prints
 * (its port) once it listens. Such a server exits when its stdin, which only
 * the test holds, closes.
 *
 * Returns: (transfer full): the server; stop it with chk_test_server_stop()
 */
GSubprocess *
chk_test_server_start (const char * const  *argv,
                       char               **first_line)
{
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  char *line = NULL;

  server = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                              &error);
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  *first_line = g_strstrip (line);
  return g_steal_pointer (&server);
}

/**
 * chk_test_server_stop:
 * @server: (inout) (nullable): a server from chk_test_server_start(), or %NULL
 *
 * Ends the server, waits for it and clears @server.
 */
void
chk_test_server_stop (GSubprocess **server)
{
  if (*server == NULL)
    return;
  g_subprocess_force_exit (*server);
  g_subprocess_wait (*server, NULL, NULL);
  g_clear_object (server);
}

/**
 * chk_test_closed_port:
 *
 * Returns: a loopback TCP port that refuses connections
 */
guint16
chk_test_closed_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  /* Bound but never listening: connections to it are refused. */
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* Runs tests/chk-pg-cluster.py (or $CHK_TEST_PG_CLUSTER) COMMAND DIR [--passfile PASSFILE]. */
static char *
pg_cluster_run (const char  *command,
                const char  *dir,
                const char  *passfile,
                GError     **error)
{
  g_autofree char *script = chk_test_server_script ("CHK_TEST_PG_CLUSTER", ".",
                                                    "chk-pg-cluster.py");
  const char *python = g_getenv ("CHK_TEST_PG_PYTHON");
  const char *argv[] = {
    python != NULL ? python : "/usr/bin/python3", script, command, dir,
    passfile != NULL ? "--passfile" : NULL, passfile, NULL
  };
  g_autoptr(GSubprocess) cluster = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  cluster = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                     G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
  /* Its steps have deadlines of their own. */
  if (cluster == NULL || !g_subprocess_communicate_utf8 (cluster, NULL, NULL, &out, &err, error))
    return NULL;
  if (g_subprocess_get_if_exited (cluster) && g_subprocess_get_exit_status (cluster) == 77)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s", g_strstrip (err));
      return NULL;
    }
  if (!g_subprocess_get_successful (cluster))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s %s: %s", script, command, dir,
                   g_strstrip (err));
      return NULL;
    }
  return g_strstrip (g_steal_pointer (&out));
}

/**
 * chk_test_pg_start:
 * @dir: a directory of the test's own, without a cluster in it
 * @passfile: (nullable): where to write the PGPASSFILE of the role "fleet"
 * @error: a #GError
 *
 * Starts a real PostgreSQL server with tests/chk-pg-cluster.py: a new
 * cluster in @dir, listening on a Unix socket in @dir only. The superuser
 * "chroniker" is trusted; the role "fleet", owner of the database "fleet",
 * must give its password, which only @passfile holds. The server's log is
 * @dir/postgres.log. Stop it with chk_test_pg_stop(); if the test ends
 * first, the script stops it.
 *
 * Returns: (transfer full): the conninfo of "chroniker" on the database
 *   "chroniker", or %NULL with @error set: %G_IO_ERROR_NOT_FOUND without
 *   any PostgreSQL installed (the test should skip), else the step that
 *   failed and the log's last lines
 */
char *
chk_test_pg_start (const char  *dir,
                   const char  *passfile,
                   GError     **error)
{
  return pg_cluster_run ("start", dir, passfile, error);
}

/**
 * chk_test_pg_stop:
 * @dir: the directory of a cluster from chk_test_pg_start()
 *
 * Stops that server, if it runs, and waits until its processes have gone;
 * the test fails if they stay.
 */
void
chk_test_pg_stop (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = pg_cluster_run ("stop", dir, NULL, &error);

  g_assert_no_error (error);
}
