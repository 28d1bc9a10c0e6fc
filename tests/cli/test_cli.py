#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""chronikerctl: usage and runtime errors, add/show/edit/list/enable/disable/remove
and the --json job objects, against the real daemon."""

import datetime
import os
import time

import cliharness as c
from cliharness import USEC, iso_to_usec


class Usage(c.CliTestCase):
    def test_version_and_help(self):
        r = self.ok('--version')
        self.assertRegex(r.out, r'\d+\.\d+\.\d+', f'--version prints the version: {r!r}')
        r = self.ok('--help')
        for verb in ('list', 'show', 'add', 'edit', 'remove', 'enable', 'disable', 'run', 'stop',
                     'runs', 'log', 'progress', 'clean', 'preview', 'settings', 'import-crontab',
                     'export', 'import'):
            self.assertIn(verb, r.out, f'--help mentions {verb}')
        for verb in ('list', 'show', 'add', 'edit', 'run', 'runs', 'log', 'progress', 'clean',
                     'preview', 'settings', 'import-crontab', 'export', 'import'):
            with self.subTest(verb=verb):
                r = self.ok(verb, '--help')
                self.assertIn(verb, r.out + r.err, f'{verb} --help shows its usage')

    def test_usage_errors_exit_2(self):
        cases = [
            (['frobnicate'], 'frobnicate'),
            (['show'], None),
            (['remove'], None),
            (['enable'], None),
            (['disable'], None),
            (['run'], None),
            (['stop'], None),
            (['log'], None),
            (['edit'], None),
            (['add'], None),
            (['list', '--bogus'], 'bogus'),
            (['show', 'x', '--frobnicate'], 'frobnicate'),
            (['add', 'x'], None),
            (['add', 'x', '--schedule', '@daily'], None),
            (['add', 'x', '--timeout', '10x', '--', '/bin/true'], '10x'),
            (['add', 'x', '--notify-on', 'sometimes', '--', '/bin/true'], 'sometimes'),
            (['add', 'x', '--email-on', 'sometimes', '--', '/bin/true'], 'sometimes'),
            (['add', 'x', '--max-output', 'lots', '--', '/bin/true'], 'lots'),
            (['add', 'x', '--max-runs', 'many', '--', '/bin/true'], 'many'),
            (['add', 'x', '--env', 'NOEQUALS', '--', '/bin/true'], None),
            (['add', 'x', '--shell', 'true', '--', '/bin/true'], None),
            (['add', 'x', '--start', 'next tuesday', '--', '/bin/true'], 'next tuesday'),
            (['add', 'x', '--catch-up', '--no-catch-up', '--', '/bin/true'], 'not both'),
            (['add', 'x', '--merge-stderr', '--no-merge-stderr', '--', '/bin/true'], 'not both'),
            (['add', 'x', '--enabled', '--disabled', '--', '/bin/true'], '--disabled'),
            (['add', 'x', '--monitor', '--no-monitor', '--', '/bin/true'], '--no-monitor'),
            (['clean'], None),
            (['runs', '--limit', 'abc'], 'abc'),
            (['log', '1', '--stream', 'both'], 'both'),
            (['clean', '--older-than', '10x'], '10x'),
            (['preview', '@daily', '--count', 'x'], None),
            (['preview'], None),
            (['settings', 'a', 'b', 'c'], None),
        ]
        for args, word in cases:
            with self.subTest(args=args):
                self.usage_error(*args, contains=[word] if word else [])
        with self.subTest('no verb'):
            r = self.ctl()
            self.assertEqual(r.rc, 2, repr(r))
            self.assertIn('usage', r.err.lower(), repr(r))
        # Nothing was created by the refused adds
        self.assertEqual(self.json('list', '--json'), [])
        self.assertEqual(self.bus.managed_objects().keys() - {c.h.MANAGER_PATH}, set())

    def test_unknown_job_exit_1(self):
        for args in (['show', 'nosuch'], ['show', 'nosuch', '--json'], ['remove', 'nosuch'],
                     ['enable', 'nosuch'], ['disable', 'nosuch'], ['run', 'nosuch'],
                     ['run', 'nosuch', '--wait'], ['stop', 'nosuch'], ['runs', 'nosuch'],
                     ['log', 'nosuch'], ['edit', 'nosuch', '--description', 'x'],
                     ['show', '987654']):
            with self.subTest(args=args):
                self.runtime_error(*args)
        with self.subTest('unknown run id'):
            self.runtime_error('log', '987654')

    def test_daemon_errors_exit_1(self):
        self.add('taken', '--', '/bin/true')
        with self.subTest('name exists'):
            self.runtime_error('add', 'taken', '--', '/bin/true', contains=['taken'])
        with self.subTest('all-digit name'):
            self.runtime_error('add', '12345', '--', '/bin/true')
        with self.subTest('bad schedule'):
            self.runtime_error('add', 'bad-sched', '--schedule', '61 * * * *', '--', '/bin/true',
                               contains=['minute'])
        with self.subTest('bad timezone'):
            self.runtime_error('add', 'bad-tz', '--timezone', 'Mars/Olympus_Mons', '--', '/bin/true')
        with self.subTest('bad email'):
            self.runtime_error('add', 'bad-mail', '--email-to', 'not an address', '--', '/bin/true')
        with self.subTest('stop a job that is not running'):
            self.runtime_error('stop', 'taken')
        self.assertEqual([j['name'] for j in self.json('list', '--json')], ['taken'])


class AddShow(c.CliTestCase):
    def test_add_every_option(self):
        work = os.path.join(self.tmp, 'work')
        path = self.add('full',
                        '--schedule', '*/5 * * * *',
                        '--timezone', 'Europe/Berlin',
                        '--start', '2026-11-23T09:00:00+01:00',
                        '--description', 'Every option: "quoted", spaced',
                        '--workdir', work,
                        '--env', 'GREETING=hello world',
                        '--env', 'EMPTY=',
                        '--env', 'URL=https://example.org/?a=b',
                        '--timeout', '10m',
                        '--catch-up',
                        '--max-runs', '7',
                        '--max-output', '512K',
                        '--notify-on', 'always',
                        '--email-on', 'never',
                        '--email-to', 'a@example.org',
                        '--email-to', 'b@example.org',
                        '--disabled',
                        '--', '/bin/echo', 'hi there')
        obj = self.show('full')
        self.assert_job_json(obj)
        expected = {
            'name': 'full',
            'description': 'Every option: "quoted", spaced',
            'command': ['/bin/echo', 'hi there'],
            'working-directory': work,
            'environment': {'GREETING': 'hello world', 'EMPTY': '',
                            'URL': 'https://example.org/?a=b'},
            'schedule': '*/5 * * * *',
            'timezone': 'Europe/Berlin',
            'enabled': False,
            'timeout': 600,
            'catch-up': True,
            'max-runs': 7,
            'max-output-bytes': 524288,
            'notify-on': 'always',
            'email-on': 'never',
            'email-to': ['a@example.org', 'b@example.org'],
        }
        for key, value in expected.items():
            self.assertEqual(obj[key], value, key)
        self.assertIsNone(self.shell_of(obj))
        self.assertEqual(iso_to_usec(obj['start']),
                         int(datetime.datetime(2026, 11, 23, 8, 0,
                                               tzinfo=datetime.timezone.utc).timestamp()) * USEC)
        # The state of a job that never ran
        self.assertEqual(obj['id'], int(path.rsplit('/', 1)[1]))
        self.assertEqual(obj['last-outcome'], '')
        self.assertIsNone(obj['last-run-started'])
        self.assertIsNone(obj['last-run-finished'])
        self.assertFalse(obj['running'])
        self.assertIn(obj['current-run'], (0, None))
        # … what the daemon holds
        p = self.bus.props(path)
        self.assertEqual((p['Timeout'], p['MaxOutputBytes'], p['Enabled'], p['CatchUp']),
                         (600, 524288, False, True))
        self.assertEqual(p['Environment'], expected['environment'])
        self.assertEqual(p['EmailTo'], ['a@example.org', 'b@example.org'])
        self.assertEqual(obj['schedule-description'], p['ScheduleDescription'])
        self.assertEqual(iso_to_usec(obj['start']), p['Start'])
        if p['NextRun']:
            self.assertEqual(iso_to_usec(obj['next-run']), p['NextRun'])
        else:
            self.assertIsNone(obj['next-run'])
        # The human form names the job and its command
        text = self.out('show', 'full')
        self.assertIn('full', text)
        self.assertIn('/bin/echo', text)
        self.assertIn('Europe/Berlin', text)

    def test_add_defaults_and_shell(self):
        self.add('sh-job', '--shell', 'echo "a b" | tr a-z A-Z')
        obj = self.show('sh-job')
        self.assert_job_json(obj)
        self.assertEqual(obj['shell'], 'echo "a b" | tr a-z A-Z')
        self.assertIsNone(self.command_of(obj))
        self.assertEqual((obj['enabled'], obj['schedule'], obj['timeout'], obj['catch-up']),
                         (True, '', 0, False))
        self.assertEqual((obj['environment'], obj['email-to']), ({}, []))
        self.assertIsNone(obj['next-run'], 'a manual job has no next run')
        # start defaults to the creation time
        self.assertLess(abs(iso_to_usec(obj['start']) - time.time() * USEC), 300 * USEC)

    def test_start_forms_and_durations_and_sizes(self):
        self.add('forms', '--schedule', 'FREQ=DAILY', '--', '/bin/true')
        berlin = {'TZ': 'Europe/Berlin'}
        nine_utc = int(datetime.datetime(2026, 11, 23, 8, 0,
                                         tzinfo=datetime.timezone.utc).timestamp()) * USEC
        for text, env, expected in (('2026-11-23T09:00:00+01:00', None, nine_utc),
                                    ('2026-11-23T08:00:00Z', None, nine_utc),
                                    ('2026-11-23 09:00', berlin, nine_utc)):
            with self.subTest(start=text):
                self.ok('edit', 'forms', '--start', text, env=env)
                self.assertEqual(iso_to_usec(self.show('forms')['start']), expected)
        with self.subTest(start='now'):
            self.ok('edit', 'forms', '--start', 'now')
            self.assertLess(abs(iso_to_usec(self.show('forms')['start']) - time.time() * USEC),
                            120 * USEC)
        for text, seconds in (('90s', 90), ('10m', 600), ('2h', 7200), ('7d', 604800),
                              ('1w', 604800), ('1h30m', 5400), ('45', 45), ('0', 0)):
            with self.subTest(timeout=text):
                self.ok('edit', 'forms', '--timeout', text)
                self.assertEqual(self.show('forms')['timeout'], seconds)
        for text, size in (('65536', 65536), ('512K', 524288), ('16M', 16 << 20),
                           ('1G', 1 << 30)):
            with self.subTest(max_output=text):
                self.ok('edit', 'forms', '--max-output', text)
                self.assertEqual(self.show('forms')['max-output-bytes'], size)
        with self.subTest('bad start'):
            self.usage_error('edit', 'forms', '--start', 'next tuesday')

    def test_name_with_spaces_and_id(self):
        path = self.add('my nightly job', '--', '/bin/true')
        obj = self.show('my nightly job')
        self.assertEqual(obj['name'], 'my nightly job')
        by_id = self.show(str(obj['id']))
        self.assertEqual(by_id, obj, 'a job id names the job too')
        self.assertEqual(path.rsplit('/', 1)[1], str(obj['id']))


class Edit(c.CliTestCase):
    def test_edit_changes_only_what_is_given(self):
        self.add('orig', '--schedule', '0 3 * * *', '--timezone', 'Europe/Berlin',
                 '--description', 'before', '--env', 'A=1', '--env', 'B=2',
                 '--email-to', 'x@example.org', '--timeout', '1h', '--max-runs', '9',
                 '--notify-on', 'never', '--', '/bin/echo', 'one', 'two')
        before = self.show('orig')

        def changed(after):
            return {k for k in c.SPEC_KEYS + ('id',) if before.get(k) != after.get(k)}

        self.ok('edit', 'orig', '--description', 'after')
        after = self.show('orig')
        self.assertEqual(changed(after), {'description'})
        self.assertEqual(after['description'], 'after')

        self.ok('edit', 'orig', '--name', 'renamed')
        self.runtime_error('show', 'orig')
        after = self.show('renamed')
        self.assertEqual(changed(after), {'description', 'name'})
        self.assertEqual(after['id'], before['id'])

        self.ok('edit', 'renamed', '--unset-env', 'A')
        self.assertEqual(self.show('renamed')['environment'], {'B': '2'})
        self.ok('edit', 'renamed', '--env', 'C=3', '--env', 'B=22')
        self.assertEqual(self.show('renamed')['environment'], {'B': '22', 'C': '3'})

        self.ok('edit', 'renamed', '--email-to', 'y@example.org', '--email-to', 'z@example.org')
        self.assertEqual(self.show('renamed')['email-to'], ['y@example.org', 'z@example.org'])
        self.ok('edit', 'renamed', '--email-to', '')
        self.assertEqual(self.show('renamed')['email-to'], [])

        self.ok('edit', 'renamed', '--disabled')
        self.assertFalse(self.show('renamed')['enabled'])
        self.ok('edit', 'renamed', '--enabled')
        self.assertTrue(self.show('renamed')['enabled'])

        self.ok('edit', 'renamed', '--catch-up')
        self.assertTrue(self.show('renamed')['catch-up'])
        self.ok('edit', 'renamed', '--no-catch-up')
        self.assertFalse(self.show('renamed')['catch-up'])

        self.ok('edit', 'renamed', '--', '/usr/bin/printf', '%s\n', 'new arg')
        after = self.show('renamed')
        self.assertEqual(after['command'], ['/usr/bin/printf', '%s\n', 'new arg'])
        self.ok('edit', 'renamed', '--shell', 'echo shell now')
        after = self.show('renamed')
        self.assertEqual(after['shell'], 'echo shell now')
        self.assertIsNone(self.command_of(after))

        # What was never edited stayed
        for key in ('schedule', 'timezone', 'timeout', 'max-runs', 'notify-on', 'email-on',
                    'max-output-bytes', 'working-directory', 'start'):
            self.assertEqual(after[key], before[key], key)
        self.assertEqual(self.bus.prop(self.bus.get_job_by_name('renamed'), 'Timeout'), 3600)

    def test_edit_errors(self):
        self.add('a', '--', '/bin/true')
        self.add('b', '--', '/bin/true')
        self.runtime_error('edit', 'a', '--name', 'b')
        self.usage_error('edit', 'a', '--timeout', 'soon')
        self.assertEqual(self.show('a')['timeout'], 0)


class EnableDisableRemoveList(c.CliTestCase):
    def test_list_enable_disable_remove(self):
        self.assertEqual(self.json('list', '--json'), [])
        self.add('zeta', '--schedule', '@daily', '--', '/bin/true')
        self.add('alpha', '--', '/bin/true')
        self.add('mid', '--schedule', '*/10 * * * *', '--', '/bin/false')

        jobs = self.json('list', '--json')
        self.assertIsInstance(jobs, list)
        self.assertEqual([j['name'] for j in jobs], ['alpha', 'mid', 'zeta'], 'sorted by name')
        for j in jobs:
            self.assert_job_json(j)
            self.assertEqual(j, self.show(j['name']), 'list and show agree')
        self.assertIsNotNone(jobs[2]['next-run'], 'a scheduled job has a next run')

        text = self.out('list')
        for name in ('alpha', 'mid', 'zeta'):
            self.assertIn(name, text)
        self.assertIn('never run', text)
        self.assertNotIn('(disabled)', text)

        self.ok('disable', 'zeta')
        self.assertFalse(self.show('zeta')['enabled'])
        self.assertFalse(self.bus.prop(self.bus.get_job_by_name('zeta'), 'Enabled'))
        self.assertIsNone(self.show('zeta')['next-run'], 'a disabled job has no next run')
        line = [ln for ln in self.out('list').split('\n') if 'zeta' in ln]
        self.assertEqual(len(line), 1)
        self.assertIn('(disabled)', line[0])

        self.ok('enable', 'zeta')
        self.assertTrue(self.show('zeta')['enabled'])
        self.assertNotIn('(disabled)', self.out('list'))

        # A job that ran shows its outcome
        self.run_wait('mid', rc=1)
        line = [ln for ln in self.out('list').split('\n') if 'mid' in ln]
        self.assertIn('failure', line[0])
        self.run_wait('alpha')
        line = [ln for ln in self.out('list').split('\n') if 'alpha' in ln]
        self.assertIn('success', line[0])

        self.ok('remove', 'alpha')
        self.assertEqual([j['name'] for j in self.json('list', '--json')], ['mid', 'zeta'])
        self.assertNotIn('alpha', self.out('list'))
        self.runtime_error('show', 'alpha')
        self.runtime_error('remove', 'alpha')
        # by id
        self.ok('remove', str(self.show('mid')['id']))
        self.assertEqual([j['name'] for j in self.json('list', '--json')], ['zeta'])


if __name__ == '__main__':
    c.main()
