/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-pg-cluster"

#include "config.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <libpq-fe.h>

#include "chk-test-util.h"

/*
 * The PostgreSQL server that the tests of the PostgreSQL store run against
 * (chk_test_pg_start(), tests/chk-pg-cluster.py): real, on a Unix socket
 * only, with a trusted superuser and a role that must give its password,
 * and gone without a trace once stopped. One server for all the cases, in
 * order; the last one stops it.
 */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

static struct
{
  char *dir;
  char *data;     /* its real path: the server's processes run in it */
  char *passfile;
  char *conninfo;
} cluster;

/* A connection that must work; later keywords of a conninfo replace earlier ones. */
static PGconn *
connect_ok (const char *extra)
{
  g_autofree char *conninfo = g_strdup_printf ("%s %s", cluster.conninfo, extra);
  PGconn *conn = PQconnectdb (conninfo);

  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("cannot connect with “%s”: %s", conninfo, PQerrorMessage (conn));
  return conn;
}

/* A connection that must be refused with a message holding @expected. */
static void
assert_refused (const char *extra,
                const char *expected)
{
  g_autofree char *conninfo = g_strdup_printf ("%s %s", cluster.conninfo, extra);
  g_autoptr(PGconn) conn = PQconnectdb (conninfo);

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_BAD);
  if (strstr (PQerrorMessage (conn), expected) == NULL)
    g_error ("“%s” was refused, but not for “%s”: %s", conninfo, expected, PQerrorMessage (conn));
}

/* The only row of @query, its fields joined by "|". */
static char *
query_row (PGconn     *conn,
           const char *query)
{
  g_autoptr(PGresult) result = PQexec (conn, query);
  g_autoptr(GString) row = g_string_new (NULL);

  if (PQresultStatus (result) != PGRES_TUPLES_OK)
    g_error ("%s: %s", query, PQresultErrorMessage (result));
  g_assert_cmpint (PQntuples (result), ==, 1);
  for (int i = 0; i < PQnfields (result); i++)
    g_string_append_printf (row, "%s%s", i > 0 ? "|" : "", PQgetvalue (result, 0, i));
  return g_string_free (g_steal_pointer (&row), FALSE);
}

static void
exec_ok (PGconn     *conn,
         const char *command)
{
  g_autoptr(PGresult) result = PQexec (conn, command);

  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    g_error ("%s: %s", command, PQresultErrorMessage (result));
}

/* The cluster's processes: the server's run in its data directory; the
 * postmaster's and the watchdog's command lines name the cluster's directory. */
static GArray *
cluster_processes (void)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (int));
  const char *name;

  g_assert_nonnull (proc);
  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *cwd_link = g_strdup_printf ("/proc/%s/cwd", name);
      g_autofree char *cmdline_file = g_strdup_printf ("/proc/%s/cmdline", name);
      g_autofree char *cwd = NULL;
      g_autofree char *cmdline = NULL;
      gsize length = 0;
      int pid = atoi (name);

      if (pid <= 0)
        continue;
      cwd = g_file_read_link (cwd_link, NULL);
      if (g_file_get_contents (cmdline_file, &cmdline, &length, NULL))
        for (gsize i = 0; i + 1 < length; i++)
          cmdline[i] = cmdline[i] == '\0' ? ' ' : cmdline[i];
      if (g_strcmp0 (cwd, cluster.data) == 0
          || (cmdline != NULL && strstr (cmdline, cluster.dir) != NULL))
        g_array_append_val (pids, pid);
    }
  return pids;
}

static void
test_pg_cluster_superuser (void)
{
  g_autoptr(PGconn) conn = connect_ok ("");
  g_autofree char *socket_dir = g_build_filename (cluster.dir, "socket", NULL);
  g_autofree char *row = NULL;

  g_assert_cmpstr (PQhost (conn), ==, socket_dir);
  g_assert_false (PQconnectionUsedPassword (conn));
  /* No address: a Unix socket */
  row = query_row (conn, "SELECT current_user, current_database(), inet_server_addr() IS NULL, "
                         "current_setting('listen_addresses'), current_setting('fsync')");
  g_assert_cmpstr (row, ==, "chroniker|chroniker|t||off");
}

static void
test_pg_cluster_no_tcp (void)
{
  /* The port is free: if the server listened on TCP, it would be there. */
  assert_refused ("host=127.0.0.1 connect_timeout=10", "Connection refused");
  assert_refused ("host=localhost connect_timeout=10", "Connection refused");
}

static void
test_pg_cluster_password (void)
{
  g_autofree char *absent = g_build_filename (cluster.dir, "absent.pgpass", NULL);
  g_autofree char *no_passfile = g_strdup_printf ("user=fleet dbname=fleet passfile=%s", absent);
  g_autofree char *wrong = g_strdup_printf ("%s password=wrong", no_passfile);
  g_autofree char *with_passfile = g_strdup_printf ("user=fleet dbname=fleet passfile=%s",
                                                    cluster.passfile);
  g_autoptr(PGconn) fleet = NULL;
  g_autoptr(PGconn) superuser = connect_ok ("");
  g_autofree char *row = NULL;
  GStatBuf buf;

  g_assert_null (strstr (cluster.conninfo, "password"));
  g_assert_cmpint (g_stat (cluster.passfile, &buf), ==, 0);
  g_assert_cmpint (buf.st_mode & 0777, ==, 0600);

  assert_refused (no_passfile, "no password supplied");
  assert_refused (wrong, "password authentication failed for user \"fleet\"");
  fleet = connect_ok (with_passfile);
  g_assert_true (PQconnectionUsedPassword (fleet));
  row = query_row (fleet, "SELECT current_user, current_database()");
  g_assert_cmpstr (row, ==, "fleet|fleet");
  g_clear_pointer (&row, g_free);

  /* The rule and the stored password are SCRAM's, not md5's. */
  row = query_row (superuser, "SELECT auth_method FROM pg_hba_file_rules "
                              "WHERE user_name = ARRAY['fleet']");
  g_assert_cmpstr (row, ==, "scram-sha-256");
  g_clear_pointer (&row, g_free);
  row = query_row (superuser, "SELECT left(rolpassword, 14) FROM pg_authid "
                              "WHERE rolname = 'fleet'");
  g_assert_cmpstr (row, ==, "SCRAM-SHA-256$");
}

static void
test_pg_cluster_notify (void)
{
  g_autoptr(PGconn) listener = connect_ok ("");
  g_autoptr(PGconn) notifier = connect_ok ("");
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  PGnotify *notify = NULL;

  exec_ok (listener, "LISTEN chk_test");
  exec_ok (notifier, "NOTIFY chk_test, 'hello'");
  while (notify == NULL && g_get_monotonic_time () < deadline)
    {
      struct pollfd pollfd = { .fd = PQsocket (listener), .events = POLLIN };

      poll (&pollfd, 1, (int) ((deadline - g_get_monotonic_time ()) / 1000) + 1);
      g_assert_cmpint (PQconsumeInput (listener), ==, 1);
      notify = PQnotifies (listener);
    }
  g_assert_nonnull (notify);
  g_assert_cmpstr (notify->relname, ==, "chk_test");
  g_assert_cmpstr (notify->extra, ==, "hello");
  g_assert_cmpint (notify->be_pid, ==, PQbackendPID (notifier));
  PQfreemem (notify);
}

static void
test_pg_cluster_stop (void)
{
  g_autofree char *pid_file = g_build_filename (cluster.data, "postmaster.pid", NULL);
  g_autofree char *pid_line = NULL;
  g_autofree char *socket_file = NULL;
  g_autoptr(PGconn) conn = connect_ok ("");
  g_autoptr(GArray) before = cluster_processes ();
  g_autoptr(GArray) after = NULL;
  g_autoptr(PGresult) result = NULL;
  gboolean has_postmaster = FALSE;

  socket_file = g_strdup_printf ("%s/socket/.s.PGSQL.%s", cluster.dir, PQport (conn));
  g_assert_true (g_file_test (socket_file, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (pid_file, &pid_line, NULL, NULL));
  for (guint i = 0; i < before->len; i++)
    has_postmaster |= g_array_index (before, int, i) == atoi (pid_line);
  /* The postmaster, its helpers, our backend and the watchdog: proof the search finds them */
  g_assert_true (has_postmaster);
  g_assert_cmpuint (before->len, >=, 4);

  chk_test_pg_stop (cluster.dir);

  after = cluster_processes ();
  for (guint i = 0; i < after->len; i++)
    g_test_message ("left behind: process %d", g_array_index (after, int, i));
  g_assert_cmpuint (after->len, ==, 0);
  g_assert_false (g_file_test (socket_file, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (pid_file, G_FILE_TEST_EXISTS));
  result = PQexec (conn, "SELECT 1");
  g_assert_cmpint (PQresultStatus (result), ==, PGRES_FATAL_ERROR);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = g_listenv ();
  g_autofree char *data = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  /* Only what the cases say: no password or passfile of the caller's */
  for (guint i = 0; env[i] != NULL; i++)
    if (g_str_has_prefix (env[i], "PG"))
      g_unsetenv (env[i]);

  cluster.dir = chk_test_make_tmpdir ("test-pg-cluster-XXXXXX");
  cluster.passfile = g_build_filename (cluster.dir, "fleet.pgpass", NULL);
  cluster.conninfo = chk_test_pg_start (cluster.dir, cluster.passfile, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_print ("SKIP: %s\n", error->message);
      chk_test_remove_tree (cluster.dir);
      return 77;
    }
  g_assert_no_error (error);
  data = g_build_filename (cluster.dir, "data", NULL);
  cluster.data = realpath (data, NULL);
  g_assert_nonnull (cluster.data);

  g_test_add_func ("/pg-cluster/superuser", test_pg_cluster_superuser);
  g_test_add_func ("/pg-cluster/no-tcp", test_pg_cluster_no_tcp);
  g_test_add_func ("/pg-cluster/password", test_pg_cluster_password);
  g_test_add_func ("/pg-cluster/notify", test_pg_cluster_notify);
  g_test_add_func ("/pg-cluster/stop", test_pg_cluster_stop);
  status = g_test_run ();

  /* Again, for a run that left out /pg-cluster/stop (-p, -s) */
  chk_test_pg_stop (cluster.dir);
  chk_test_remove_tree (cluster.dir);
  g_free (cluster.dir);
  g_free (cluster.data);
  g_free (cluster.passfile);
  g_free (cluster.conninfo);
  return status;
}
