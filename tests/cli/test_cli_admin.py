#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""chronikerctl: preview, settings, import-crontab, export/import, reaching (or
not) the daemon, losing it under way, and plain output without colour."""

import datetime
import json
import os
import re
import signal
import subprocess
import time
import zoneinfo

import chkharness as h
import cliharness as c
from cliharness import USEC

PREVIEW_LINE = re.compile(r'^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) ([+-]\d\d:\d\d)\b')


class Preview(c.CliTestCase):
    def test_preview_weekdays_in_berlin(self):
        r = self.ok('preview', '0 9 * * 1-5', '--timezone', 'Europe/Berlin', '--count', '3')
        lines = r.out.rstrip('\n').split('\n')
        self.assertEqual(len(lines), 4, f'a description and 3 times: {r!r}')
        description, times = self.bus.preview('0 9 * * 1-5', 'Europe/Berlin', 0, 3)
        self.assertEqual(lines[0].strip(), description)
        berlin = zoneinfo.ZoneInfo('Europe/Berlin')
        for line, usec in zip(lines[1:], times):
            m = PREVIEW_LINE.match(line)
            self.assertIsNotNone(m, f'{line!r} is like "2026-11-24 09:00:00 +01:00 (in 13 h)"')
            local = datetime.datetime.fromtimestamp(usec / USEC, berlin)
            offset = local.strftime('%z')
            self.assertEqual((m.group(1), m.group(2)),
                             (local.strftime('%Y-%m-%d %H:%M:%S'), offset[:3] + ':' + offset[3:]))
            self.assertIn(local.isoweekday(), range(1, 6))
            self.assertEqual(local.hour, 9)

    def test_preview_default_count_and_rrule(self):
        r = self.ok('preview', '@hourly')
        lines = r.out.rstrip('\n').split('\n')
        self.assertEqual(len(lines), 6, f'the default count is 5: {r!r}')
        for line in lines[1:]:
            self.assertRegex(line, PREVIEW_LINE)
        r = self.ok('preview', 'FREQ=HOURLY;INTERVAL=2', '--count', '2', '--timezone', 'UTC')
        lines = r.out.rstrip('\n').split('\n')
        self.assertEqual(len(lines), 3, repr(r))
        self.assertIn('+00:00', lines[1])

    def test_preview_bad_schedule(self):
        self.runtime_error('preview', '61 * * * *', contains=['minute'])
        self.runtime_error('preview', '0 9 * * MON-FUNDAY', contains=['day-of-week'])
        self.runtime_error('preview', '0 9 * * *', '--timezone', 'Nowhere/Atlantis')


class Settings(c.CliTestCase):
    def settings_lines(self):
        out = self.out('settings')
        values = {}
        for line in out.rstrip('\n').split('\n'):
            m = re.match(r'^([a-z-]+) = (.*)$', line)
            self.assertIsNotNone(m, f'{line!r} is "key = value"')
            values[m.group(1)] = m.group(2)
        return values

    def test_settings(self):
        values = self.settings_lines()
        self.assertEqual(set(values), set(h.SETTINGS_TYPES))
        real = self.bus.get_settings()
        self.assertEqual(values['max-concurrent-runs'], str(real['max-concurrent-runs']))
        self.assertEqual(self.out('settings', 'keep-runs-days').strip(),
                         str(real['keep-runs-days']))

        self.assertEqual(self.out('settings', 'max-concurrent-runs', '2'), '')
        self.assertEqual(self.out('settings', 'max-concurrent-runs').strip(), '2')
        self.assertEqual(self.bus.get_settings()['max-concurrent-runs'], 2)
        self.assertEqual(self.settings_lines()['max-concurrent-runs'], '2')

        self.ok('settings', 'allow-shell', 'no')
        self.assertFalse(self.bus.get_settings()['allow-shell'])
        self.assertIn(self.out('settings', 'allow-shell').strip(), ('false', 'no', 'off'))
        self.runtime_error('add', 'sh', '--shell', 'true')
        self.ok('settings', 'allow-shell', 'yes')
        self.assertTrue(self.bus.get_settings()['allow-shell'])
        self.add('sh', '--shell', 'true')

        self.ok('settings', 'email-from', 'cron@example.org')
        self.assertEqual(self.bus.get_settings()['email-from'], 'cron@example.org')
        self.ok('settings', 'smtp-password', 's3cret')
        self.assertEqual(self.out('settings', 'smtp-password').strip(), 'set')
        self.assertNotIn('s3cret', self.out('settings'))

    def test_boolean_words(self):
        for word, value in (('true', True), ('false', False), ('yes', True), ('no', False),
                            ('on', True), ('off', False), ('1', True), ('0', False)):
            with self.subTest(word=word):
                self.ok('settings', 'notifications', word)
                self.assertIs(self.bus.get_settings()['notifications'], value)

    def test_settings_errors(self):
        before = self.bus.get_settings()
        self.runtime_error('settings', 'no-such-key')
        self.runtime_error('settings', 'no-such-key', '1')
        for args in (['allow-shell', 'maybe'], ['max-concurrent-runs', 'lots'],
                     ['smtp-url', 'gopher://x']):
            with self.subTest(args=args):
                r = self.ctl('settings', *args)
                self.assertIn(r.rc, (1, 2), repr(r))
                self.assertTrue(r.err.startswith('chronikerctl: '), repr(r))
        after = self.bus.get_settings()
        self.assertEqual(after, before)


class Hosts(c.CliTestCase):
    daemon_args = ['--hostname', 'alpha']

    def test_hosts_lists_this_host(self):
        lines = self.out('hosts').rstrip('\n').split('\n')
        self.assertEqual(lines[0].split(), ['HOST', 'STATE', 'LAST', 'HEARTBEAT', 'RUNNING'])
        self.assertEqual(len(lines), 2, lines)
        self.assertRegex(lines[1], r'^alpha \(this host\) +connected +\d{4}-\d\d-\d\d '
                                   r'\d\d:\d\d:\d\d [+-]\d\d:\d\d +0$')

        (host,) = json.loads(self.out('hosts', '--json'))
        self.assertEqual(host['hostname'], 'alpha')
        self.assertIs(host['connected'], True)
        self.assertEqual(host['running'], 0)
        self.assertRegex(host['last-heartbeat'], r'^\d{4}-\d\d-\d\dT')
        self.assertRegex(host['first-heartbeat'], r'^\d{4}-\d\d-\d\dT')

        r = self.ctl('hosts', 'extra')
        self.assertEqual(r.rc, 2, repr(r))


CRONTAB = '''\
# Chroniker import test
\t
SHELL=/bin/bash
PATH=/usr/local/bin:/usr/bin:/bin
MAILTO=a@example.org
CRON_TZ=Europe/Berlin
GREETING="hello world"
@daily /usr/bin/backup --all
30 2 * * MON-FRI echo "$GREETING from $0"
  # an indented comment
61 * * * * echo bad minute
@reboot echo boot
0 12 1 JAN,JUL * echo twice a year
'''

CRONTAB_STDIN = '''\
MAILTO=""
FOO='single quoted'
*/15 * * * * /bin/echo hi
0 0 * * * date +%s
5 * *
TZ=UTC
@hourly true
'''


class ImportCrontab(c.CliTestCase):
    def test_import_crontab_file(self):
        path = self.write('crontab', CRONTAB)
        r = self.ctl('import-crontab', path)
        self.assertEqual(r.rc, 1, f'a line failed: {r!r}')
        self.assertRegex(r.out, r'Imported 3 jobs', repr(r))
        self.assertRegex(r.err, r'(?m)\bline 11: \S', 'the bad minute field is reported')
        self.assertRegex(r.err, r'(?m)\bline 12: \S', '@reboot is reported')
        self.assertNotRegex(r.err, r'\bline (?:[1-9]|10|13):', repr(r))

        names = [j['name'] for j in self.json('list', '--json')]
        self.assertEqual(sorted(names), ['crontab-13', 'crontab-8', 'crontab-9'])
        for name, schedule, cmd in (('crontab-8', '@daily', '/usr/bin/backup --all'),
                                    ('crontab-9', '30 2 * * MON-FRI',
                                     'echo "$GREETING from $0"'),
                                    ('crontab-13', '0 12 1 JAN,JUL *', 'echo twice a year')):
            with self.subTest(job=name):
                line = int(name.split('-')[1])
                obj = self.show(name)
                self.assert_job_json(obj)
                self.assertEqual(obj['schedule'], schedule)
                self.assertEqual(obj['command'], ['/bin/bash', '-c', cmd])
                self.assertEqual(obj['timezone'], 'Europe/Berlin')
                self.assertEqual(obj['email-to'], ['a@example.org'])
                self.assertEqual(obj['email-on'], 'failure')
                self.assertEqual(obj['environment'].get('PATH'), '/usr/local/bin:/usr/bin:/bin')
                self.assertEqual(obj['environment'].get('GREETING'), 'hello world')
                self.assertEqual(obj['description'],
                                 f'crontab line {line}: {CRONTAB.split(chr(10))[line - 1]}')
                self.assertTrue(obj['enabled'])
                self.assertIsNotNone(obj['next-run'])
        run_id, _ = self.run_wait('crontab-9')
        self.assertEqual(self.out('log', str(run_id)), 'hello world from /bin/bash\n')

    def test_import_crontab_stdin(self):
        r = self.ctl('import-crontab', '--prefix', 'cr', '-', input=CRONTAB_STDIN)
        self.assertEqual(r.rc, 1, repr(r))
        self.assertRegex(r.out, r'Imported 2 jobs', repr(r))
        self.assertRegex(r.err, r'(?m)\bline 4: \S', 'a % in the command is reported')
        self.assertRegex(r.err, r'(?m)\bline 5: \S', 'too few fields are reported')
        self.assertEqual([j['name'] for j in self.json('list', '--json')], ['cr-3', 'cr-7'])
        obj = self.show('cr-3')
        self.assertEqual(obj['schedule'], '*/15 * * * *')
        if self.shell_of(obj) is not None:
            self.assertEqual(obj['shell'], '/bin/echo hi')
        else:
            self.assertEqual(obj['command'], ['/bin/sh', '-c', '/bin/echo hi'])
        self.assertEqual(obj['environment'].get('FOO'), 'single quoted')
        self.assertEqual(obj['email-to'], [], 'MAILTO="" sends no mail')
        self.assertEqual(self.show('cr-7')['timezone'], 'UTC')
        self.assertEqual(self.show('cr-7')['schedule'], '@hourly')
        run_id, _ = self.run_wait('cr-3')
        self.assertEqual(self.out('log', str(run_id)), 'hi\n')

    def test_import_crontab_all_good(self):
        path = self.write('good', '# nothing bad\n*/5 * * * * /bin/true\n')
        r = self.ok('import-crontab', path)
        self.assertRegex(r.out, r'Imported 1 jobs?')
        self.assertEqual([j['name'] for j in self.json('list', '--json')], ['crontab-2'])
        self.runtime_error('import-crontab', self.path_file('no-such-file'))


class ExportImport(c.CliTestCase):
    def make_jobs(self):
        self.add('cmd', '--schedule', '15 4 * * SUN', '--timezone', 'Europe/Berlin',
                 '--start', '2026-01-01T00:00:00Z', '--description', 'all "the" options',
                 '--workdir', self.tmp, '--env', 'A=1', '--env', 'SPACED=a b',
                 '--timeout', '2h', '--catch-up', '--max-runs', '3', '--max-output', '64K',
                 '--notify-on', 'never', '--email-on', 'always', '--email-to', 'ops@example.org',
                 '--email-to', 'me@example.org', '--disabled', '--max-tasks', '64',
                 '--memory-max', '1.5G', '--cpu-weight', '250',
                 '--', '/usr/bin/printf', '%s\\n', 'a b', '', '$HOME', '--flag')
        self.add('shelly', '--shell', 'echo $HOME | wc -c')
        self.add('rrule', '--schedule', 'FREQ=WEEKLY;BYDAY=MO,WE', '--timezone', 'UTC',
                 '--start', '2026-03-02T06:30:00Z', '--', '/bin/true')

    def test_export_import_round_trip(self):
        self.make_jobs()
        before = {j['name']: self.spec_of(j) for j in self.json('list', '--json')}
        exported = self.json('export', '--json')
        self.assertIsInstance(exported, list)
        self.assertEqual(sorted(j['name'] for j in exported), sorted(before))
        for job in exported:
            with self.subTest(job=job['name']):
                # Every key, a time that is not set (snoozed-until) as null
                keys = set(job)
                one_of = set(c.WHAT_KEYS) & keys
                self.assertEqual(len(one_of), 1, f'command, shell or check-url: {job!r}')
                self.assertEqual(keys, set(c.SPEC_KEYS) - (set(c.WHAT_KEYS) - one_of),
                                 'export has the spec keys')
                self.assertEqual(self.spec_of(job), before[job['name']])
        self.assertEqual(self.json('export'), exported, 'export prints JSON without --json too')
        path = self.write('jobs.json', json.dumps(exported))

        for name in before:
            self.ok('remove', name)
        self.assertEqual(self.json('list', '--json'), [])

        self.ok('import', '--json', path)
        after = {j['name']: self.spec_of(j) for j in self.json('list', '--json')}
        self.assertEqual(after, before)

        # Again: every name exists, each is reported, nothing changes
        r = self.ctl('import', '--json', path)
        self.assertEqual(r.rc, 1, repr(r))
        for name in before:
            self.assertIn(name, r.err)
        self.assertEqual({j['name']: self.spec_of(j) for j in self.json('list', '--json')}, before)

        # From stdin, with one name clashing and one new
        renamed = [dict(exported[0], name='brand-new'), exported[1]]
        r = self.ctl('import', '--json', '-', input=json.dumps(renamed))
        self.assertEqual(r.rc, 1, repr(r))
        self.assertIn(exported[1]['name'], r.err)
        new = self.show('brand-new')
        self.assertEqual(self.spec_of(new), dict(before[exported[0]['name']], name='brand-new'))

    def test_import_hand_written(self):
        jobs = [{'name': 'minimal', 'command': ['/bin/echo', 'x y']},
                {'name': 'minimal-shell', 'shell': 'echo $((1+2))', 'schedule': '@weekly'}]
        self.ok('import', '--json', '-', input=json.dumps(jobs))
        self.assertEqual(self.command_of(self.show('minimal')), ['/bin/echo', 'x y'])
        obj = self.show('minimal-shell')
        self.assertEqual((self.shell_of(obj), obj['schedule']), ('echo $((1+2))', '@weekly'))
        run_id, _ = self.run_wait('minimal-shell')
        self.assertEqual(self.out('log', str(run_id)), '3\n')

    def test_import_bad_input(self):
        r = self.ctl('import', '--json', '-', input='{not json')
        self.assertIn(r.rc, (1, 2), repr(r))
        self.assertTrue(r.err.startswith('chronikerctl: '), repr(r))
        r = self.ctl('import', '--json', '-', input=json.dumps([{'name': 'x'}]))
        self.assertEqual(r.rc, 1, repr(r))
        self.assertEqual(self.json('list', '--json'), [])
        self.runtime_error('import', '--json', self.path_file('missing.json'))
        for text in ('', '   \n', '{}', '"jobs"'):
            with self.subTest(input=text):
                self.runtime_error('import', '--json', '-', input=text)
        with self.subTest('empty file'):
            self.runtime_error('import', '--json', self.write('empty.json', ''))
        self.assertEqual(self.json('list', '--json'), [])


class Activation(c.CliTestCase):
    start_daemon = False

    def test_verb_activates_the_daemon(self):
        if not os.environ.get('CHK_DEV_SERVICES_DIR'):
            self.skipTest('CHK_DEV_SERVICES_DIR is not set')
        self.assertFalse(self.bus.has_owner())
        self.assertEqual(self.json('list', '--json'), [])
        self.assertTrue(self.bus.has_owner(), 'the daemon was activated')
        self.add('hello', '--', '/bin/echo', 'activated')
        run_id, _ = self.run_wait('hello')
        self.assertEqual(self.out('log', str(run_id)), 'activated\n')


class LoginStart(c.CliTestCase):
    """login-start through the autostart entry (no systemd user manager on
    the private bus); the daemon's part is in tests/dbus/test_login_start.py."""
    start_daemon = False

    def setUp(self):
        super().setUp()
        self.env['XDG_CONFIG_DIRS'] = self.path_file('xdg')
        self.daemon = self.start_chronikerd()

    def test_show_and_change(self):
        self.assertEqual(self.out('login-start'), 'none\n')
        self.assertEqual(self.out('login-start', 'on'), '')
        self.assertEqual(self.out('login-start'), 'autostart\n')
        entry = os.path.join(self.env['XDG_CONFIG_HOME'], 'autostart',
                             h.BUS_NAME + '.desktop')
        self.assertTrue(os.path.exists(entry))
        self.assertEqual(self.out('login-start', 'off'), '')
        self.assertEqual(self.out('login-start'), 'none\n')
        r = self.ctl('login-start', 'maybe')
        self.assertEqual(r.rc, 2, repr(r))
        r = self.ctl('login-start', 'on', 'off')
        self.assertEqual(r.rc, 2, repr(r))


class NoDaemon(c.CliTestCase):
    """A private bus without the service directory, and no daemon."""
    start_daemon = False

    def setUp(self):
        saved = os.environ.pop('CHK_DEV_SERVICES_DIR', None)
        try:
            super().setUp()
        finally:
            if saved is not None:
                os.environ['CHK_DEV_SERVICES_DIR'] = saved

    def test_unreachable_daemon(self):
        for args in (['list'], ['show', 'x'], ['runs', '--json'], ['settings']):
            with self.subTest(args=args):
                self.runtime_error(*args, timeout=40)
        self.assertFalse(self.bus.has_owner())

    def test_no_bus_at_all(self):
        env = {'DBUS_SESSION_BUS_ADDRESS': 'unix:path=' + self.path_file('no-bus-here')}
        self.runtime_error('list', env=env, timeout=40)


class DaemonGoes(c.CliTestCase):
    """run --wait and log --follow must end, with one line, when the daemon goes."""

    def start_waiters(self, path):
        waiter = self.popen('run', 'long', '--wait')
        self.bus.wait_prop(path, 'Running', True)
        run_id = self.bus.prop(path, 'CurrentRun')
        follower = self.popen('log', 'long', '--follow')
        # Give log --follow the time to find the run and start listening
        h.iterate(0.3)
        return run_id, waiter, follower

    def collect(self, procs, timeout=15):
        """{name: (status, stdout, stderr)}, all bounded by one deadline."""
        deadline = time.monotonic() + timeout
        results = {}
        for name, p in procs.items():
            try:
                out, err = p.communicate(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                results[name] = None
                continue
            results[name] = (p.returncode, out.decode(), err.decode())
        return results

    def check_one_line(self, name, result):
        self.assertIsNotNone(result, f'{name} did not end after the daemon went away')
        status, out, err = result
        self.assertEqual(status, 1, f'{name}: stdout {out!r} stderr {err!r}')
        lines = err.rstrip('\n').split('\n')
        self.assertEqual(len(lines), 1, f'{name}: one line on stderr: {err!r}')
        self.assertTrue(lines[0].startswith('chronikerctl: '), err)
        self.assertNotIn('(null)', err)

    def test_daemon_stops(self):
        # What the client prints raced with the daemon's exit: try a few times
        path = self.add('long', '--', 'sleep', '30')
        for attempt in range(6):
            with self.subTest(attempt=attempt):
                run_id, waiter, follower = self.start_waiters(path)
                self.daemon.terminate()
                results = self.collect({'run --wait': waiter, 'log --follow': follower})
                self.daemon = self.start_chronikerd()
                for name, result in results.items():
                    self.check_one_line(name, result)
                status, out, err = results['run --wait']
                self.assertEqual(out, f'{run_id}\n')
                self.assertIn('interrupted', err, 'the daemon records the run as interrupted')
                self.assertIn('“long”', err, 'the line names the job')

    def test_interrupted_clients_leave_the_daemon(self):
        # Issue 14: a client never stops the daemon, however it ends
        path = self.add('long', '--', 'sleep', '30')
        pid = self.bus.owner_pid()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            with self.subTest(signal=sig.name):
                run_id, waiter, follower = self.start_waiters(path)
                waiter.send_signal(sig)
                follower.send_signal(sig)
                results = self.collect({'run --wait': waiter, 'log --follow': follower})
                for name, result in results.items():
                    self.assertIsNotNone(result, f'{name} did not end on {sig.name}')
                self.assertTrue(self.daemon.alive(), 'the daemon exited')
                self.assertEqual(self.bus.owner_pid(), pid)
                self.assertTrue(self.bus.prop(path, 'Running'), 'the run was stopped')
                self.assertEqual(self.bus.prop(path, 'CurrentRun'), run_id)
                self.assertEqual(self.out('log', str(run_id)), '')
                self.ok('stop', 'long')
                self.bus.wait_prop(path, 'Running', False)

    def test_daemon_dies(self):
        path = self.add('long', '--', 'sleep', '30')
        run_id, waiter, follower = self.start_waiters(path)
        self.daemon.kill9()
        results = self.collect({'run --wait': waiter, 'log --follow': follower})
        for name, result in results.items():
            with self.subTest(name):
                self.check_one_line(name, result)


class Plain(c.CliTestCase):
    def test_no_color(self):
        path = self.add('good', '--', '/bin/true')
        self.add('bad', '--', '/bin/false')
        self.add('off', '--disabled', '--schedule', '@daily', '--', '/bin/true')
        live = self.add('live', '--', 'sleep', '30')
        self.run_wait('good')
        self.run_wait('bad', rc=1)
        self.run_nowait('live')
        self.bus.wait_prop(live, 'Running', True)
        for args in (['list'], ['runs'], ['show', 'good'], ['show', 'live'],
                     ['preview', '@daily'], ['settings']):
            with self.subTest(args=args):
                rc, out = self.on_tty(*args, env={'NO_COLOR': '1'})
                self.assertEqual(rc, 0, out)
                self.assertNotIn(b'\x1b', out, f'NO_COLOR output on a terminal: {out!r}')
                rc, out = self.on_tty(*args)
                self.assertEqual(rc, 0, out)
        # The same on a terminal without NO_COLOR is coloured, so the above means something
        rc, out = self.on_tty('list')
        self.assertIn(b'\x1b[', out, 'list colours the status on a terminal')
        # Output to pipes is checked for escape codes by every ctl() call
        self.ok('list')
        self.ok('runs')
        self.ok('stop', 'live')
        self.assertTrue(path)


if __name__ == '__main__':
    c.main()
