/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

#include "chk-job-editor.h"
#include "chk-job-model.h"
#include "chk-test-session.h"
#include "chk-window.h"

G_BEGIN_DECLS

/*
 * What the app tests share: a private bus with chronikerd on it, and the
 * app's model and windows over it. Each test file uses the fields it needs;
 * the teardown checks that every one of them is gone.
 */
typedef struct
{
  ChkTestSession *session;
  ChkJobModel    *model;
  ChkWindow      *window;       /* weak: GTK owns toplevels */
  ChkJobEditor   *editor;       /* weak */
  GApplication   *application;  /* the test's ref goes at teardown */
} ChkTestFixture;

/* Evaluates @expr until it is true, running the main loop meanwhile. */
#define chk_assert_eventually(expr, seconds) \
  G_STMT_START { \
    gint64 deadline_ = g_get_monotonic_time () + (gint64) ((seconds) * G_USEC_PER_SEC); \
    while (!(expr) && g_get_monotonic_time () < deadline_) \
      chk_test_iterate (0.02); \
    if (!(expr)) \
      g_assertion_message_expr (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, \
                                "eventually " #expr); \
  } G_STMT_END

/* Evaluates @expr (a new string) until it equals @expected. */
#define chk_assert_eventually_cmpstr(expr, expected, seconds) \
  G_STMT_START { \
    gint64 deadline_ = g_get_monotonic_time () + (gint64) ((seconds) * G_USEC_PER_SEC); \
    char *actual_ = NULL; \
    for (;;) \
      { \
        g_free (actual_); \
        actual_ = (expr); \
        if (g_strcmp0 (actual_, (expected)) == 0 || g_get_monotonic_time () >= deadline_) \
          break; \
        chk_test_iterate (0.02); \
      } \
    if (g_strcmp0 (actual_, (expected)) != 0) \
      g_assertion_message_cmpstr (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, \
                                  "eventually " #expr, actual_, "==", (expected)); \
    g_free (actual_); \
  } G_STMT_END

typedef void (*ChkTestFixtureFunc) (ChkTestFixture *fixture,
                                    gconstpointer   data);

/* One test of a table that chk_test_fixture_add_cases() adds. */
typedef struct
{
  const char         *path;
  ChkTestFixtureFunc  func;
  ChkTestFixtureFunc  setup;  /* NULL: chk_test_fixture_setup() */
} ChkTestFixtureCase;

void         chk_test_app_init            (int                *argc,
                                           char             ***argv);
const char  *chk_test_app_open_display    (void);
void         chk_test_skip_cb             (gconstpointer       reason);
void         chk_test_fixture_add         (const char         *path,
                                           ChkTestFixtureFunc  setup,
                                           ChkTestFixtureFunc  func,
                                           const char         *skip);
void         chk_test_fixture_add_cases   (const ChkTestFixtureCase *cases,
                                           gsize               n_cases,
                                           const char         *skip);

void         chk_test_fixture_setup       (ChkTestFixture     *fixture,
                                           gconstpointer       data);
void         chk_test_fixture_teardown    (ChkTestFixture     *fixture,
                                           gconstpointer       data);
void         chk_test_fixture_open_window (ChkTestFixture     *fixture,
                                           int                 width,
                                           int                 height);
void         chk_test_fixture_open_editor (ChkTestFixture     *fixture,
                                           const char         *job_path);

ChkJobEditor *chk_test_fixture_open_job_editor (ChkTestFixture *fixture,
                                               const char     *job_path);
gpointer     chk_test_fixture_show_job    (ChkTestFixture     *fixture,
                                           const char         *job_path,
                                           const char         *tab);
char        *chk_test_create_job          (ChkTestFixture     *fixture,
                                           const char         *name,
                                           const char         *extra);
char        *chk_test_job_string          (ChkTestFixture     *fixture,
                                           const char         *path,
                                           const char         *property);
gboolean     chk_test_job_bool            (ChkTestFixture     *fixture,
                                           const char         *path,
                                           const char         *property);
gint64       chk_test_job_int             (ChkTestFixture     *fixture,
                                           const char         *path,
                                           const char         *property);
GVariant    *chk_test_list_runs           (ChkTestFixture     *fixture,
                                           const char         *path);
void         chk_test_set_settings        (ChkTestFixture     *fixture,
                                           const char         *changes);
GVariant    *chk_test_get_settings        (ChkTestFixture     *fixture);
char        *chk_test_lookup_job          (ChkTestFixture     *fixture,
                                           const char         *name);
guint64      chk_test_run_job             (ChkTestFixture     *fixture,
                                           const char         *path);

G_END_DECLS
