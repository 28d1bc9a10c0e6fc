/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-test-util.h"

G_BEGIN_DECLS

#define CHK_TEST_BUS_NAME     "io.github.chroniker.Chroniker.Scheduler"
#define CHK_TEST_MANAGER_PATH "/io/github/chroniker/Chroniker/Scheduler"
#define CHK_TEST_SCHEDULER1   "io.github.chroniker.Chroniker.Scheduler1"
#define CHK_TEST_JOB1         "io.github.chroniker.Chroniker.Job1"

/* The session bus address of a test process outside its sessions: one
 * where no bus is. With none set, GIO would start a bus of its own through
 * the X display (dbus-launch --autolaunch), which every test program on
 * the display then shares, and which outlives them all; a connection to it
 * ends its program with SIGTERM once it goes. */
#define CHK_TEST_NO_BUS_ADDRESS "unix:path=/nonexistent/chk-test-no-session-bus"

typedef struct _ChkTestSession ChkTestSession;

void             chk_test_session_init            (void);
ChkTestSession  *chk_test_session_new             (gboolean          activatable);
void             chk_test_session_free            (ChkTestSession   *session);
const char      *chk_test_session_get_tmpdir      (ChkTestSession   *session);
GDBusConnection *chk_test_session_get_connection  (ChkTestSession   *session);
void             chk_test_session_start_daemon    (ChkTestSession   *session);
void             chk_test_session_kill_daemon     (ChkTestSession   *session);
gboolean         chk_test_session_daemon_is_up    (ChkTestSession   *session);
GVariant        *chk_test_session_call            (ChkTestSession   *session,
                                                   const char       *object_path,
                                                   const char       *interface,
                                                   const char       *method,
                                                   GVariant         *parameters,
                                                   const char       *reply_type,
                                                   GError          **error);
char            *chk_test_session_create_job      (ChkTestSession   *session,
                                                   GVariant         *spec);
void             chk_test_session_job_call        (ChkTestSession   *session,
                                                   const char       *job_path,
                                                   const char       *method,
                                                   GVariant         *parameters);
GVariant        *chk_test_session_job_property    (ChkTestSession   *session,
                                                   const char       *job_path,
                                                   const char       *property);

const char      *chk_test_chronikerd              (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChkTestSession, chk_test_session_free)

G_END_DECLS
