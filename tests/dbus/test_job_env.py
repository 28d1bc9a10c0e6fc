#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The environment of a job: the session's without the daemon's own variables,
the user's identity, the working directory, the job's variables, chronikerctl
on PATH, and Job1.GetEnvironment saying exactly what the next run gets."""

import os
import pwd
import subprocess
import sys

import chkharness as h

ENV = '/usr/bin/env'
BUILD_CLI_DIR = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(os.environ.get('CHRONIKERD', '/nonexistent/daemon/chronikerd')))),
    'src', 'cli')

# What a shell, a terminal or systemd left in the environment of whoever
# started the daemon: none of it is the session's.
DAEMON_ONLY = {
    'CHK_RUN_INNER': '1',
    'CHK_BUILDDIR': '/somewhere/_build',
    'OLDPWD': '/previous/dir',
    '_': '/usr/bin/setsid',
    'PWD': '/where/the/daemon/was/started',
    'SHLVL': '3',
    'INVOCATION_ID': '0123456789abcdef0123456789abcdef',
    'JOURNAL_STREAM': '8:12345',
    'DBUS_STARTER_BUS_TYPE': 'session',
    'CHRONIKER_RUN_ID': '999',
}

# A systemd user manager on the private bus, as far as jobs' environment goes:
# org.freedesktop.systemd1.Manager with its Environment property.
FAKE_MANAGER = r'''
import sys
import gi
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib
XML = """<node><interface name="org.freedesktop.systemd1.Manager">
<property name="Environment" type="as" access="read"/></interface></node>"""
environment = sys.argv[1:]
def get_property(conn, sender, path, iface, name):
    return GLib.Variant('as', environment)
def acquired(conn, name):
    print('ready', flush=True)
conn = Gio.bus_get_sync(Gio.BusType.SESSION, None)
info = Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0]
conn.register_object('/org/freedesktop/systemd1', info, None, get_property, None)
Gio.bus_own_name_on_connection(conn, 'org.freedesktop.systemd1', Gio.BusNameOwnerFlags.NONE,
                               acquired, None)
GLib.MainLoop().run()
'''


class JobEnvironment(h.DaemonTestCase):
    start_daemon = False

    def setUp(self):
        super().setUp()
        self.env.update(DAEMON_ONLY)
        self.env['USER'] = 'not-the-user'
        self.env['LOGNAME'] = 'not-the-user-either'
        self.env['CHK_TEST_SESSION_VARIABLE'] = 'kept'
        # Nothing of the build tree: chronikerctl is found through the daemon only.
        self.env['PATH'] = '/usr/local/bin:/usr/bin:/bin'
        self.daemon = self.start_chronikerd()
        self.workdir = os.path.join(self.tmp, 'work')

    def run_env(self, path):
        run_id, outcome, _ = self.run_and_wait(path)
        self.assertEqual(outcome, 'success')
        return run_id, h.parse_env0(self.bus.output(run_id)['stdout'])

    def get_environment(self, path):
        return self.bus.job(path, 'GetEnvironment', None, '(a{ss})')

    def test_identity_working_directory_and_no_private_variables(self):
        path = self.make_job('env', command=[ENV, '-0'], working_directory=self.workdir)
        run_id, env = self.run_env(path)
        me = pwd.getpwuid(os.getuid())
        self.assertEqual(env['USER'], me.pw_name)
        self.assertEqual(env['LOGNAME'], me.pw_name)
        self.assertEqual(env['SHELL'], me.pw_shell or '/bin/sh')
        self.assertEqual(env['HOME'], self.env['HOME'])
        self.assertEqual(env['PWD'], self.workdir)
        for name in DAEMON_ONLY:
            if name != 'PWD' and name != 'CHRONIKER_RUN_ID':
                self.assertNotIn(name, env)
        self.assertEqual(env['CHRONIKER_RUN_ID'], str(run_id))
        self.assertEqual(env['CHK_TEST_SESSION_VARIABLE'], 'kept')
        self.assertEqual(env['LC_ALL'], self.env['LC_ALL'])

    def test_pwd_is_home_without_working_directory(self):
        path = self.make_job('env-home', command=[ENV, '-0'])
        _, env = self.run_env(path)
        self.assertEqual(env['PWD'], self.env['HOME'])

    def test_job_environment_overrides(self):
        spec_env = {'HOME': '/job/home', 'USER': 'job-user', 'PATH': '/job/bin:/usr/bin:/bin',
                    'FOO': 'bar baz', 'CHK_TEST_SESSION_VARIABLE': 'job'}
        path = self.make_job('env-spec', command=[ENV, '-0'], environment=spec_env)
        _, env = self.run_env(path)
        for name in ('HOME', 'USER', 'FOO', 'CHK_TEST_SESSION_VARIABLE'):
            self.assertEqual(env[name], spec_env[name], name)
        # The job's PATH first; the daemon's chronikerctl only after it
        self.assertEqual(env['PATH'], '/job/bin:/usr/bin:/bin:' + BUILD_CLI_DIR)
        self.assertEqual(env['LOGNAME'], pwd.getpwuid(os.getuid()).pw_name)

    def test_chronikerctl_on_path(self):
        self.assertTrue(os.access(os.path.join(BUILD_CLI_DIR, 'chronikerctl'), os.X_OK),
                        f'no chronikerctl in {BUILD_CLI_DIR}: build it first')
        path = self.make_job('which', command=['/bin/sh', '-c', 'echo "$PATH"; command -v chronikerctl'])
        run_id, outcome, _ = self.run_and_wait(path)
        self.assertEqual(outcome, 'success')
        lines = self.bus.output(run_id)['stdout'].decode().split('\n')
        self.assertEqual(lines[0], '/usr/local/bin:/usr/bin:/bin:' + BUILD_CLI_DIR)
        self.assertEqual(lines[1], os.path.join(BUILD_CLI_DIR, 'chronikerctl'))

    def test_progress_from_chronikerctl_inside_a_job(self):
        path = self.make_job('progress', command=['/bin/sh', '-c',
                                                  'chronikerctl progress 3 10 copying'])
        run_id, outcome, _ = self.run_and_wait(path)
        self.assertEqual(outcome, 'success', self.bus.output(run_id)['stderr'])
        run = self.bus.get_run(run_id)
        self.assertEqual((run['progress-complete'], run['progress-total'],
                          run['progress-message']), (3, 10, 'copying'))

    def test_get_environment_is_what_the_run_gets(self):
        path = self.make_job('env-same', command=[ENV, '-0'], working_directory=self.workdir,
                             environment={'FOO': 'a=b', 'MULTI': 'line 1\nline 2'})
        announced = self.get_environment(path)
        run_id, env = self.run_env(path)
        self.assertEqual(env.pop('CHRONIKER_RUN_ID'), str(run_id))
        self.assertEqual(announced, env)
        self.assertEqual(list(announced), sorted(announced))
        self.assertEqual(announced['MULTI'], 'line 1\nline 2')
        self.assertEqual(announced['CHRONIKER_JOB_NAME'], 'env-same')

        # After a change, the answer follows it
        self.bus.update(path, {'working-directory': '', 'environment': {'FOO': 'changed'}})
        announced = self.get_environment(path)
        self.assertEqual((announced['PWD'], announced['FOO']), (self.env['HOME'], 'changed'))
        self.assertNotIn('MULTI', announced)
        run_id, env = self.run_env(path)
        env.pop('CHRONIKER_RUN_ID')
        self.assertEqual(announced, env)

    def test_get_environment_of_a_check_is_empty(self):
        path = self.make_job('check', check_url='http://127.0.0.1:9/')
        self.assertEqual(self.get_environment(path), {})

    def test_get_environment_of_a_deleted_job(self):
        path = self.make_job('gone', command=[ENV])
        self.bus.delete(path)
        with self.assert_error('NotFound'):
            self.get_environment(path)

    def start_fake_manager(self, environment):
        proc = subprocess.Popen(h.PDEATHSIG + [sys.executable, '-c', FAKE_MANAGER] + environment,
                                env=self.env, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.addCleanup(lambda: (proc.poll() is None and proc.terminate(), proc.wait()))
        self.assertEqual(proc.stdout.readline(), b'ready\n')
        return proc

    def test_user_manager_environment(self):
        path = self.make_job('env-manager', command=[ENV, '-0'], environment={'FOO': 'job'})
        before = self.get_environment(path)
        self.assertEqual(before['CHK_TEST_SESSION_VARIABLE'], 'kept')

        manager = self.start_fake_manager([
            'PATH=/manager/bin:/usr/bin:/bin', 'FROM_MANAGER=yes', 'FOO=manager',
            'OLDPWD=/manager/old', 'CHRONIKER_JOB_ID=12345', 'not an assignment',
        ])
        announced = self.get_environment(path)
        self.assertEqual(announced['FROM_MANAGER'], 'yes')
        self.assertEqual(announced['FOO'], 'job')
        self.assertEqual(announced['PATH'], '/manager/bin:/usr/bin:/bin:' + BUILD_CLI_DIR)
        self.assertNotIn('CHK_TEST_SESSION_VARIABLE', announced)
        self.assertNotIn('OLDPWD', announced)
        self.assertNotEqual(announced['CHRONIKER_JOB_ID'], '12345')
        self.assertEqual(announced['USER'], pwd.getpwuid(os.getuid()).pw_name)
        run_id, env = self.run_env(path)
        env.pop('CHRONIKER_RUN_ID')
        self.assertEqual(announced, env)

        # Many calls at once: one read of the manager at a time answers them all
        replies = []
        for _ in range(20):
            self.bus.conn.call(h.BUS_NAME, path, h.JOB_IFACE, 'GetEnvironment', None,
                               h.GLib.VariantType('(a{ss})'), h.Gio.DBusCallFlags.NONE,
                               h.CALL_TIMEOUT_MS, None,
                               lambda conn, res: replies.append(conn.call_finish(res).unpack()[0]))
        h.wait_until(lambda: len(replies) == 20, 20, '20 answers')
        self.assertEqual(replies, [announced] * 20)

        # The manager gone, the daemon's own environment is the session's again
        manager.terminate()
        manager.wait()
        h.wait_until(lambda: not self.bus.has_owner('org.freedesktop.systemd1'), 10,
                     'the fake manager to leave the bus', poll=0.02)
        self.assertEqual(self.get_environment(path), before)


if __name__ == '__main__':
    h.main()
