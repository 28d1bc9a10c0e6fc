#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""chronikerctl --system: the system daemon on a private system bus with the
real polkitd deciding (the setup of tests/dbus/test_system.py, imported), the
session daemon beside it, and a caller that polkit refuses."""

import json
import os
import shutil
import subprocess
import time

import chkharness as h
import chkusers as cu
import cliharness as c
import test_system as ts


class CliSystem(ts.SystemMode, c.CliTestCase):
    """chronikerctl against chronikerd --system; the session bus has no daemon
    unless a test starts one."""

    def setUp(self):
        super().setUp()
        self.start_system_daemon()

    def ctl_as_user(self, *args):
        """chronikerctl ARGS run as the unprivileged account, on the same buses."""
        env = dict(self.user.env)
        env['DBUS_SYSTEM_BUS_ADDRESS'] = self.system_bus_daemon.address
        env['DBUS_SESSION_BUS_ADDRESS'] = 'unix:path=' + os.path.join(self.tmp, 'no-session-bus')
        proc = subprocess.run(cu.as_user(self.user.uid, self.user.gid,
                                         [self.chronikerctl, *args]),
                              env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=c.CTL_TIMEOUT, cwd='/')
        return c.Result(list(args), proc.returncode, proc.stdout, proc.stderr)

    def assert_refused(self, verb, *args, action=ts.ACTION_ALL):
        r = self.ctl_as_user('--system', verb, *args)
        self.assertEqual(r.rc, 1, f'a refusal is an error like any other: {r!r}')
        lines = r.err.rstrip('\n').split('\n')
        self.assertEqual(len(lines), 1, f'one line on stderr: {r!r}')
        self.assertTrue(lines[0].startswith(f'chronikerctl: {verb}: permission denied: '),
                        f'the refusal is said plainly, with the verb refused: {r!r}')
        self.assertIn(action, lines[0], f'and the polkit action it needed: {r!r}')
        self.assertNotIn('GDBus.Error', lines[0], r)
        return lines[0]

    def start_session_daemon(self):
        return self.start_chronikerd('--database', os.path.join(self.tmp, 'session.db'),
                                     database=False)


class AsRoot(CliSystem):
    def test_add_list_and_show(self):
        self.ok('--system', 'add', 'backup', '--', '/bin/true')
        self.assertEqual(self.system_job_name(self.system.get_job_by_name('backup')), 'backup')
        jobs = json.loads(self.out('--system', 'list', '--json'))
        self.assertEqual([job['name'] for job in jobs], ['backup'])
        self.assertIn('backup', self.out('--system', 'show', 'backup'))

    def test_the_option_may_follow_the_command(self):
        self.ok('add', 'late', '--system', '--', '/bin/true')
        jobs = json.loads(self.out('list', '--system', '--json'))
        self.assertEqual([job['name'] for job in jobs], ['late'])

    def test_settings(self):
        self.assertIn('allow-shell', self.out('--system', 'settings'))
        self.ok('--system', 'settings', 'keep-runs-days', '5')
        self.assertEqual(self.root_settings()['keep-runs-days'], 5)
        self.assertEqual(self.out('--system', 'settings', 'keep-runs-days').strip(), '5')

    def test_run_and_its_log(self):
        self.ok('--system', 'add', 'hello', '--', '/bin/echo', 'from the system')
        self.ok('--system', 'run', 'hello', '--wait')
        self.assertIn('from the system', self.out('--system', 'log', 'hello'))

    def test_without_system_the_session_daemon_is_asked(self):
        self.ok('--system', 'add', 'system-job', '--', '/bin/true')
        self.start_session_daemon()
        self.ok('add', 'session-job', '--', '/bin/true')
        session = json.loads(self.out('list', '--json'))
        system = json.loads(self.out('--system', 'list', '--json'))
        self.assertEqual([job['name'] for job in session], ['session-job'])
        self.assertEqual([job['name'] for job in system], ['system-job'])
        self.runtime_error('show', 'system-job', contains=('system-job',))
        self.runtime_error('--system', 'show', 'session-job', contains=('session-job',))

    def test_says_when_there_is_no_system_bus(self):
        message = self.runtime_error('--system', 'list', env={
            'DBUS_SYSTEM_BUS_ADDRESS': 'unix:path=' + os.path.join(self.tmp, 'no-bus')})
        self.assertIn('system bus', message)

    def test_calls_allow_interactive_authorization(self):
        """Every call to the system's daemon carries the flag (4), so that polkit may
        have an authentication agent ask for a password; the session's calls do not.
        Watched on the session bus, which lets its user monitor it (the system bus's
        policy does not): --system is pointed there, where a session daemon answers."""
        busctl = shutil.which('busctl')
        if busctl is None:
            self.skipTest('no busctl, to watch the flags of the calls')
        self.start_session_daemon()
        heard = os.path.join(self.tmp, 'monitor.json')
        with open(heard, 'wb') as out:
            monitor = subprocess.Popen([busctl, '--address', self.bus_daemon.address,
                                        'monitor', '--json=short'], stdout=out,
                                       stderr=subprocess.STDOUT, env=self.env)
        self.addCleanup(ts.end_process, monitor)
        # It writes what it saw when it ends; that it watches shows only so.
        time.sleep(1)
        self.assertIsNone(monitor.poll(), ts.read_text(heard))
        session_bus = {'DBUS_SYSTEM_BUS_ADDRESS': self.bus_daemon.address}
        self.ok('--system', 'add', 'watched', '--', '/bin/true', env=session_bus)
        self.ok('--system', 'list', env=session_bus)
        self.ok('show', 'watched')
        ts.end_process(monitor)
        messages = [json.loads(line) for line in ts.read_text(heard).splitlines()
                    if line.startswith('{')]
        # Each chronikerctl first pings the name; then its calls go to the owner.
        clients = {m['sender'] for m in messages if m.get('member') == 'Ping'}
        calls = [m for m in messages if m.get('type') == 'method_call' and
                 m.get('sender') in clients and m.get('destination') != 'org.freedesktop.DBus']
        flagged = {m.get('member') for m in calls if m.get('flags', 0) & 4}
        plain = {m.get('member') for m in calls if not m.get('flags', 0) & 4}
        self.assertEqual(len(clients), 3, calls)
        self.assertTrue({'Ping', 'CreateJob', 'GetManagedObjects'} <= flagged, calls)
        self.assertIn('GetJobByName', plain, 'the session\'s calls do not allow it')
        self.assertNotIn('CreateJob', plain, calls)
        self.assertNotIn('GetManagedObjects', plain, calls)

    def test_help_names_the_option(self):
        self.assertIn('--system', self.out('--help'))
        self.assertIn('--system', self.out('list', '--help'))


class AsUser(CliSystem):
    """The account has no rule and no session: polkit refuses it everything, even
    its own jobs."""

    def test_list_is_refused_plainly(self):
        self.ok('--system', 'add', 'backup', '--', '/bin/true')
        self.assert_refused('list', action=ts.ACTION_OWN)
        self.assert_refused('show', 'backup', action=ts.ACTION_OWN)

    def test_add_is_refused_and_adds_nothing(self):
        self.assert_refused('add', 'mine', '--', '/bin/true', action=ts.ACTION_OWN)
        self.assertEqual(self.system.list_jobs(), [])

    def test_settings_are_refused(self):
        self.assert_refused('settings', action=ts.ACTION_OWN)
        self.assert_refused('settings', 'allow-shell', 'no', action=ts.ACTION_OWN)
        self.assertTrue(self.root_settings()['allow-shell'], 'the settings are unchanged')


class UserGrantedAll(CliSystem):
    """An administrator's rule gives the account manage-all-jobs (and manage-own-jobs,
    which GetSettings asks for)."""

    rules = {'10-chroniker-test.rules': '''
polkit.addRule(function(action, subject) {
    if ((action.id == "%s" || action.id == "%s") && subject.user == "@USER@")
        return polkit.Result.YES;
});
''' % (ts.ACTION_OWN, ts.ACTION_ALL)}

    def test_the_user_may_list_add_and_change_settings(self):
        for args in (('add', 'theirs', '--', '/bin/true'), ('settings', 'keep-runs-days', '4')):
            r = self.ctl_as_user('--system', *args)
            self.assertEqual(r.rc, 0, r)
        r = self.ctl_as_user('--system', 'list', '--json')
        self.assertEqual(r.rc, 0, r)
        self.assertEqual([job['name'] for job in json.loads(r.out)], ['theirs'])
        self.assertEqual(self.root_settings()['keep-runs-days'], 4)


if __name__ == '__main__':
    h.main()
