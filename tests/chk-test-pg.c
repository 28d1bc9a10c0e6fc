/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-test-pg"

#include "config.h"

#include <libpq-fe.h>

#include "chk-test-pg.h"
#include "chk-test-util.h"

/*
 * The PostgreSQL server that test-store's /store/pg/ cases run against:
 * one per test binary, started by the first case that wants it
 * (chk_test_pg_start()), stopped by chk_test_pg_shutdown() at the end;
 * each case has a database of its own. Stores reach it by a
 * postgresql:// URI, as `chronikerd --database` would.
 */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

static struct
{
  gboolean  tried;
  char     *dir;
  char     *conninfo;   /* the superuser's, on the database "chroniker" */
  char     *host;       /* the socket's directory */
  char     *port;
  char     *why_not;
  guint     n_databases;
} cluster;

static PGconn *
connect_ok (const char *conninfo)
{
  PGconn *conn = PQconnectdb (conninfo);

  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("Cannot connect to the test server: %s", PQerrorMessage (conn));
  return conn;
}

/* The value of @keyword in @conninfo (a URI or key=value pairs) */
static char *
conninfo_value (const char *conninfo,
                const char *keyword)
{
  PQconninfoOption *options = PQconninfoParse (conninfo, NULL);
  char *value = NULL;

  g_assert_nonnull (options);
  for (PQconninfoOption *option = options; option->keyword != NULL; option++)
    if (g_str_equal (option->keyword, keyword))
      value = g_strdup (option->val);
  PQconninfoFree (options);
  g_assert_nonnull (value);
  return value;
}

static PGresult *
query_ok (const char *location,
          const char *sql,
          GBytes     *param)
{
  g_autoptr(PGconn) conn = connect_ok (location);
  const char *value = param != NULL ? g_bytes_get_data (param, NULL) : NULL;
  int length = param != NULL ? (int) g_bytes_get_size (param) : 0;
  int format = 1;
  PGresult *result;

  result = PQexecParams (conn, sql, param != NULL ? 1 : 0, NULL, &value, &length, &format, 0);
  if (PQresultStatus (result) != PGRES_COMMAND_OK && PQresultStatus (result) != PGRES_TUPLES_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (result));
  return result;
}

/**
 * chk_test_pg_available:
 * @out_why: (out): why not, when not
 *
 * Starts the server, the first time.
 *
 * Returns: whether there is a server: %FALSE without PostgreSQL installed
 */
gboolean
chk_test_pg_available (const char **out_why)
{
  g_autoptr(GError) error = NULL;

  if (!cluster.tried)
    {
      cluster.tried = TRUE;
      cluster.dir = chk_test_make_tmpdir ("chk-test-pg-XXXXXX");
      cluster.conninfo = chk_test_pg_start (cluster.dir, NULL, &error);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        {
          cluster.why_not = g_strdup (error->message);
          chk_test_remove_tree (cluster.dir);
          g_clear_pointer (&cluster.dir, g_free);
        }
      else
        {
          g_assert_no_error (error);
          cluster.host = conninfo_value (cluster.conninfo, "host");
          cluster.port = conninfo_value (cluster.conninfo, "port");
        }
    }

  *out_why = cluster.why_not;
  return cluster.conninfo != NULL;
}

/**
 * chk_test_pg_location:
 * @user_info: (nullable): the URI's user (and password), or %NULL for the superuser
 * @dbname: a database
 *
 * Returns: the URI of @dbname on the server, for chk_store_open()
 */
char *
chk_test_pg_location (const char *user_info,
                      const char *dbname)
{
  g_autofree char *host = g_uri_escape_string (cluster.host, NULL, FALSE);

  g_assert_nonnull (cluster.conninfo);
  return g_strdup_printf ("postgresql://%s@/%s?host=%s&port=%s",
                          user_info != NULL ? user_info : "chroniker", dbname, host, cluster.port);
}

/**
 * chk_test_pg_create_database:
 *
 * Returns: the URI of a new, empty database
 */
char *
chk_test_pg_create_database (void)
{
  g_autofree char *dbname = g_strdup_printf ("store_%u", ++cluster.n_databases);
  /* A copy of the template's files: a quarter faster than WAL_LOG, 15's default */
  g_autofree char *sql = g_strdup_printf ("CREATE DATABASE %s STRATEGY = FILE_COPY", dbname);
  g_autoptr(PGconn) conn = connect_ok (cluster.conninfo);
  g_autoptr(PGresult) result = PQexec (conn, sql);

  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (result));
  return chk_test_pg_location (NULL, dbname);
}

/**
 * chk_test_pg_drop_database:
 * @location: what chk_test_pg_create_database() returned
 *
 * Drops the database, even while stores of a failed case still use it.
 */
void
chk_test_pg_drop_database (const char *location)
{
  g_autofree char *dbname = conninfo_value (location, "dbname");
  g_autofree char *sql = g_strdup_printf ("DROP DATABASE %s WITH (FORCE)", dbname);
  g_autoptr(PGconn) conn = connect_ok (cluster.conninfo);
  g_autoptr(PGresult) result = PQexec (conn, sql);

  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (result));
}

/**
 * chk_test_pg_query_int:
 * @location: a database's URI
 * @sql: a query of one row
 *
 * Returns: the first field of the row, as a number
 */
gint64
chk_test_pg_query_int (const char *location,
                       const char *sql)
{
  g_autoptr(PGresult) result = query_ok (location, sql, NULL);

  g_assert_cmpint (PQntuples (result), ==, 1);
  return g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10);
}

/**
 * chk_test_pg_query_bytes:
 * @location: a database's URI
 * @sql: a query of one row whose first field is a bytea
 *
 * Returns: the bytes of that field
 */
GBytes *
chk_test_pg_query_bytes (const char *location,
                         const char *sql)
{
  g_autoptr(PGresult) result = query_ok (location, sql, NULL);
  unsigned char *data;
  size_t size = 0;

  g_assert_cmpint (PQntuples (result), ==, 1);
  data = PQunescapeBytea ((const unsigned char *) PQgetvalue (result, 0, 0), &size);
  g_assert_nonnull (data);
  return g_bytes_new_with_free_func (data, size, PQfreemem, data);
}

/**
 * chk_test_pg_exec:
 * @location: a database's URI
 * @sql: a statement, with $1 when @param is given
 * @param: (nullable): the bytes of $1
 *
 * Runs @sql, which must work.
 */
void
chk_test_pg_exec (const char *location,
                  const char *sql,
                  GBytes     *param)
{
  g_autoptr(PGresult) result = query_ok (location, sql, param);
}

/**
 * chk_test_pg_shutdown:
 *
 * Stops the server, if one was started.
 */
void
chk_test_pg_shutdown (void)
{
  if (cluster.conninfo != NULL)
    {
      chk_test_pg_stop (cluster.dir);
      chk_test_remove_tree (cluster.dir);
    }
  g_clear_pointer (&cluster.dir, g_free);
  g_clear_pointer (&cluster.conninfo, g_free);
  g_clear_pointer (&cluster.host, g_free);
  g_clear_pointer (&cluster.port, g_free);
  g_clear_pointer (&cluster.why_not, g_free);
}
