#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The session daemon serves only its own user (issue 10): on a bus that admits
every uid, another user's CreateJob and Run were accepted and the job ran as
the daemon's user. Now every Scheduler1 and Job1 method call from another uid
is refused with PermissionDenied, whose message names the uid.

chronikerd runs as root on a bus every uid may connect to; the other user is
nobody, calling with gdbus through setpriv."""

import os
import pwd

import chkharness as h
import chkusers as cu
from gi.repository import GLib


class OtherUsers(cu.MultiUserTestCase):
    def setUp(self):
        super().setUp()
        self.daemon = self.start_chronikerd()
        nobody = pwd.getpwnam('nobody')
        self.other_uid = nobody.pw_uid
        home = self.user_dir('nobody-home', nobody.pw_uid, nobody.pw_gid)
        self.other = cu.UserClient(nobody.pw_uid, nobody.pw_gid, self.bus_daemon.address, home)
        self.own = cu.UserClient(os.getuid(), os.getgid(), self.bus_daemon.address, self.tmp)

    def test_other_uid_refused(self):
        marker = self.path_file('ran')
        command = ['/bin/sh', '-c', f'echo $CHRONIKER_RUN_ID >> {marker}']
        path = self.make_job('mine', command=command)
        settings = self.bus.get_settings()
        refused = f'uid {self.other_uid}'

        def denied(call):
            message = self.assert_call_error('PermissionDenied', call, refused)
            self.assertIn(f'uid {os.getuid()}', message, 'the message says whom the daemon serves')

        with self.subTest('CreateJob'):
            denied(lambda: self.other.create_job({'name': 'intruder', 'command': ['/bin/true']}))
        with self.subTest('Run'):
            denied(lambda: self.other.run(path))

        u = lambda v: GLib.Variant('u', v)  # noqa: E731
        t = lambda v: GLib.Variant('t', v)  # noqa: E731
        x = lambda v: GLib.Variant('x', v)  # noqa: E731
        s = lambda v: GLib.Variant('s', v)  # noqa: E731
        o = lambda v: GLib.Variant('o', v)  # noqa: E731
        empty = GLib.Variant('a{sv}', {})
        scheduler_calls = {
            'GetJobByName': (s('mine'),),
            'ListJobs': (o('/'), u(10)),
            'PreviewSchedule': (s('@daily'), s('UTC'), x(0), u(3)),
            'ListRuns': (empty,),
            'GetRun': (t(1),),
            'ReadRunOutput': (t(1), t(0), u(100)),
            'PurgeRuns': (x(h.now_usec()),),
            'ReportProgress': (t(1), u(1), u(2), s('')),
            'GetSettings': (),
            'SetSettings': (h.vardict({'allow-shell': False}, h.SETTINGS_TYPES),),
        }
        for method, args in scheduler_calls.items():
            with self.subTest(method):
                denied(lambda: self.other.sched(method, *args))
        job_calls = {
            'Update': (h.vardict({'command': ['/bin/false']}, h.SPEC_TYPES),),
            'Stop': (),
            'ListRuns': (u(0), u(10)),
            'GetEnvironment': (),
            'Delete': (),
        }
        for method, args in job_calls.items():
            with self.subTest('Job1.' + method):
                denied(lambda: self.other.job(path, method, *args))

        # Nothing of it happened.
        with self.assert_error('NotFound'):
            self.bus.get_job_by_name('intruder')
        self.assertEqual(self.bus.get_job_by_name('mine'), path)
        self.assertEqual(self.bus.job_runs(path), [])
        self.assertFalse(os.path.exists(marker), 'the job did not run')
        self.assertEqual(self.bus.prop(path, 'Command'), command)
        self.assertEqual(self.bus.get_settings(), settings)

        # The daemon's own uid is served, by the same way of calling too.
        run_id = self.own.run(path)
        self.assertEqual(self.bus.wait_run_finished(run_id), ('success', 0))
        self.assertEqual(self.wait_file(marker).split(), [str(run_id)])
        other = self.own.create_job({'name': 'own', 'command': ['/bin/true']})
        self.assertEqual(self.bus.get_job_by_name('own'), other)
        self.assertTrue(self.daemon.alive())


if __name__ == '__main__':
    h.main()
