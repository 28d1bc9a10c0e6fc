/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean  chk_test_pg_available       (const char  **out_why);
char     *chk_test_pg_location        (const char   *user_info,
                                       const char   *dbname);
char     *chk_test_pg_create_database (void);
void      chk_test_pg_drop_database   (const char   *location);
gint64    chk_test_pg_query_int       (const char   *location,
                                       const char   *sql);
GBytes   *chk_test_pg_query_bytes     (const char   *location,
                                       const char   *sql);
void      chk_test_pg_exec            (const char   *location,
                                       const char   *sql,
                                       GBytes       *param);
void      chk_test_pg_shutdown        (void);

G_END_DECLS
