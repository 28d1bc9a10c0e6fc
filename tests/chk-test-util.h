/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef gboolean (*ChkTestCondition) (gpointer user_data);

char        *chk_test_make_tmpdir    (const char          *tmpl);
void         chk_test_remove_tree    (const char          *path);
char        *chk_test_read_file      (const char          *dir,
                                      const char          *name);
void         chk_test_check_file     (const char          *file,
                                      int                  line,
                                      const char          *func,
                                      const char          *dir,
                                      const char          *name,
                                      const char          *expected);

/* The file @name in @dir holds exactly @expected; a failure names the caller's line. */
#define chk_test_assert_file(dir, name, expected) \
  chk_test_check_file (__FILE__, __LINE__, G_STRFUNC, (dir), (name), (expected))

void         chk_test_iterate        (double               seconds);
gboolean     chk_test_wait_until     (ChkTestCondition     condition,
                                      gpointer             user_data,
                                      double               seconds);
gboolean     chk_test_cancel_cb      (gpointer             cancellable);

void         chk_test_child_setup    (gpointer             user_data);
char        *chk_test_server_script  (const char          *env_var,
                                      const char          *dir,
                                      const char          *name);
GSubprocess *chk_test_server_start   (const char * const  *argv,
                                      char               **first_line);
void         chk_test_server_stop    (GSubprocess        **server);
guint16      chk_test_closed_port    (void);

char        *chk_test_pg_start       (const char          *dir,
                                      const char          *passfile,
                                      GError             **error);
void         chk_test_pg_stop        (const char          *dir);

G_END_DECLS
