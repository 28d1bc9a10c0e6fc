#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The D-Bus API of chronikerd: methods, properties, signals, errors and bad input."""

import datetime
import os
import pwd
import socket
import sqlite3
import subprocess
import xml.etree.ElementTree as ElementTree

import chkharness as h
from chkharness import GLib, JOB_IFACE, MANAGER_PATH, SCHEDULER_IFACE, USEC

# A user that the tests' daemon (running as the test's user) is not.
OTHER_USER = 'nobody' if os.getuid() == 0 else 'root'


def live_interfaces(xml_text):
    """The interfaces (as chkharness.parse_interfaces) and child nodes of an
    Introspect reply."""
    root = ElementTree.fromstring(xml_text)
    return h.parse_interfaces(root), [n.get('name') for n in root.findall('node')]


class Introspection(h.DaemonTestCase):
    def test_manager_matches_interface_xml(self):
        expected = h.interface_xml()
        live, _ = live_interfaces(self.bus.introspect(MANAGER_PATH))
        self.assertIn(h.OM_IFACE, live)
        self.assertEqual(live[SCHEDULER_IFACE], expected[SCHEDULER_IFACE])

    def test_job_object_matches_interface_xml(self):
        expected = h.interface_xml()
        path = self.make_job()
        live, _ = live_interfaces(self.bus.introspect(path))
        self.assertEqual(live[JOB_IFACE], expected[JOB_IFACE])
        # The jobs appear as children of …/jobs
        _, nodes = live_interfaces(self.bus.introspect(h.JOBS_PATH))
        self.assertIn(path.rsplit('/', 1)[1], nodes)

    def test_scheduler_properties(self):
        types = self.bus.prop_types(MANAGER_PATH, SCHEDULER_IFACE)
        expected = h.interface_xml()[SCHEDULER_IFACE]['properties']
        self.assertEqual(types, expected)
        props = self.bus.props(MANAGER_PATH, SCHEDULER_IFACE)
        self.assertRegex(props['Version'], r'^\d+\.\d+')
        version = subprocess.run([self.chronikerd, '--version'], capture_output=True, text=True,
                                 timeout=30, env=self.env)
        self.assertEqual(version.returncode, 0)
        self.assertIn(props['Version'], version.stdout)
        self.assertEqual(props['Hostname'], socket.gethostname())
        self.assertEqual(props['RunningCount'], 0)

    def test_job_properties_types_and_values(self):
        expected = h.interface_xml()[JOB_IFACE]['properties']
        start = h.now_usec() - 3600 * USEC
        path = self.make_job('typed', description='all the keys',
                             command=['/bin/echo', 'a b', 'ü'],
                             working_directory=self.tmp, environment={'A': '1', 'B': 'two'},
                             schedule='*/5 * * * *', timezone='Europe/Berlin', start=start,
                             enabled=True, timeout=30, catch_up=True, max_runs=7,
                             max_output_bytes=4096, notify_on='always', email_on='failure',
                             email_to=['ops@example.com', 'me@example.org'])
        self.assertEqual(self.bus.prop_types(path), expected)
        p = self.bus.props(path)
        self.assertEqual(path, f'{h.JOBS_PATH}/{p["Id"]}')
        want = {
            'Name': 'typed', 'Description': 'all the keys', 'Command': ['/bin/echo', 'a b', 'ü'],
            'Shell': '', 'WorkingDirectory': self.tmp, 'Environment': {'A': '1', 'B': 'two'},
            'Schedule': '*/5 * * * *', 'Timezone': 'Europe/Berlin', 'Start': start,
            'Enabled': True, 'Timeout': 30, 'CatchUp': True, 'MaxRuns': 7,
            'MaxOutputBytes': 4096, 'NotifyOn': 'always', 'EmailOn': 'failure',
            'EmailTo': ['ops@example.com', 'me@example.org'], 'LastRunStarted': 0,
            'LastRunFinished': 0, 'LastOutcome': '', 'Running': False, 'CurrentRun': 0,
            'ProgressComplete': 0, 'ProgressTotal': 0, 'ProgressMessage': '',
        }
        for key, value in want.items():
            self.assertEqual(p[key], value, key)
        self.assertTrue(p['ScheduleDescription'])
        now = h.now_usec()
        self.assertGreater(p['NextRun'], now - 5 * USEC)
        self.assertLessEqual(p['NextRun'], now + 5 * 60 * USEC + 5 * USEC)
        # Each property is readable alone too
        for name in expected:
            if name != 'NextRun':
                self.assertEqual(self.bus.prop(path, name), p[name], name)

    def test_defaults(self):
        path = self.make_job('defaults')
        p = self.bus.props(path)
        self.assertEqual(p['Enabled'], True)
        self.assertEqual(p['Schedule'], '')
        self.assertEqual(p['NextRun'], 0, 'a manual job has no next run')
        self.assertEqual(p['Timeout'], 0)
        self.assertEqual(p['CatchUp'], False)
        self.assertEqual(p['Shell'], '')
        self.assertEqual(p['LastOutcome'], '')
        self.assertGreater(p['MaxRuns'], 0)
        self.assertGreater(p['MaxOutputBytes'], 0)
        self.assertIn(p['NotifyOn'], ('failure', 'always', 'never'))
        self.assertIn(p['EmailOn'], ('failure', 'always', 'never'))
        self.assertLessEqual(abs(p['Start'] - h.now_usec()), 60 * USEC,
                             'start defaults to the creation time')


class ObjectManager(h.DaemonTestCase):
    def test_managed_objects_and_signals(self):
        self.assertEqual(self.bus.managed_objects(), {})
        mark = self.bus.mark()
        a = self.make_job('alpha', command=['/bin/true'])
        b = self.make_job('beta', shell='exit 0')
        added = self.bus.wait_signal('InterfacesAdded', lambda e: e.args[0] == b, since=mark)
        self.assertEqual(added.path, MANAGER_PATH)
        self.assertEqual(added.args[1][JOB_IFACE]['Name'], 'beta')
        self.assertEqual(added.args[1][JOB_IFACE]['Shell'], 'exit 0')
        self.assertTrue(self.bus.find('InterfacesAdded', lambda e: e.args[0] == a, mark))

        objects = self.bus.managed_objects()
        self.assertEqual(set(objects), {a, b})
        self.assertEqual(objects[a][JOB_IFACE]['Name'], 'alpha')
        self.assertEqual(objects[b][JOB_IFACE]['Name'], 'beta')
        self.assertEqual(set(objects[a][JOB_IFACE]), set(h.interface_xml()[JOB_IFACE]['properties']))

        mark = self.bus.mark()
        self.bus.delete(a)
        removed = self.bus.wait_signal('InterfacesRemoved', lambda e: e.args[0] == a, since=mark)
        self.assertIn(JOB_IFACE, removed.args[1])
        self.assertEqual(set(self.bus.managed_objects()), {b})
        with self.assert_error('NotFound'):
            self.bus.get_job_by_name('alpha')

    def test_many_jobs(self):
        paths = [self.make_job(f'many-{i:03}', schedule=f'{i % 60} * * * *', timezone='UTC')
                 for i in range(200)]
        self.assertEqual(len(set(paths)), 200)
        objects = self.bus.managed_objects()
        self.assertEqual(set(objects), set(paths))
        self.assertEqual({o[JOB_IFACE]['Name'] for o in objects.values()},
                         {f'many-{i:03}' for i in range(200)})
        mark = self.bus.mark()
        for path in paths:
            self.bus.delete(path)
        h.wait_until(lambda: len(self.bus.find('InterfacesRemoved', None, mark)) >= 200, 15,
                     '200 InterfacesRemoved')
        self.assertEqual(self.bus.managed_objects(), {})
        self.assert_daemon_alive()

    def test_job_ids_are_not_reused(self):
        a = self.make_job('first')
        self.bus.delete(a)
        b = self.make_job('second')
        self.assertNotEqual(a, b)
        with self.assert_error('NotFound'):
            self.bus.run(a)


class Libraries(h.DaemonTestCase):
    def test_a_session_daemon_loads_no_module_it_does_not_use(self):
        """The modules are for mail over SMTP, a fleet's database, polkit and
        HTTP (chk-module.c): a session daemon on its own file, sending no mail
        and no webhook, checking no URL, loads none of them, nor the libraries
        they bring."""
        path = self.bus.create_job({'name': 'fails', 'command': ['/bin/false']})
        self.bus.run(path)
        h.wait_until(lambda: self.bus.prop(path, 'LastOutcome') == 'failure', 10,
                     'the run to fail')
        self.bus.set_settings({'max-concurrent-runs': 3})
        for soname in ('libcurl.so', 'libpq.so', 'libpolkit-gobject-1.so', 'libsoup-3.0.so',
                       'libssl.so', 'libgnutls.so', 'libldap', 'libkrb5.so'):
            self.assertFalse(h.maps_library(self.daemon.pid, soname), soname)


class Jobs(h.DaemonTestCase):
    def test_get_job_by_name(self):
        path = self.make_job('findme')
        self.make_job('other')
        self.assertEqual(self.bus.get_job_by_name('findme'), path)
        with self.assert_error('NotFound', 'nosuchjob'):
            self.bus.get_job_by_name('nosuchjob')
        with self.assert_error('NotFound'):
            self.bus.get_job_by_name('')
        # Names are exact, not case-folded or trimmed
        with self.assert_error('NotFound'):
            self.bus.get_job_by_name('FINDME')
        self.assert_daemon_alive()

    def test_update_schedule_emits_properties_changed(self):
        # Minute 5 is never on a 10-minute boundary: NextRun must change, at any time of day.
        path = self.make_job('sched', schedule='5 3 * * *', timezone='UTC')
        before = self.bus.props(path)
        mark = self.bus.mark()
        self.bus.update(path, {'schedule': '*/10 * * * *'})
        # Update returns with the new values visible
        self.assertEqual(self.bus.prop(path, 'Schedule'), '*/10 * * * *')
        self.bus.wait_signal('PropertiesChanged',
                             lambda e: 'Schedule' in e.args[1], since=mark, path=path)
        for name in ('Schedule', 'ScheduleDescription', 'NextRun'):
            self.bus.wait_signal('PropertiesChanged', lambda e: name in e.args[1], since=mark,
                                 path=path, what=f'PropertiesChanged with {name}')
        after = self.bus.props(path)
        self.assertNotEqual(after['ScheduleDescription'], before['ScheduleDescription'])
        self.assertNotEqual(after['NextRun'], before['NextRun'])
        self.assertEqual(after['NextRun'] % (600 * USEC), 0, 'next run on a 10-minute boundary')
        self.assertEqual(self.bus.prop_changes(path, 'Schedule', mark)[-1], '*/10 * * * *')
        self.assertEqual(self.bus.prop_changes(path, 'NextRun', mark)[-1], after['NextRun'])

    def test_disable_clears_next_run(self):
        path = self.make_job('toggle', schedule='@hourly')
        self.assertGreater(self.bus.prop(path, 'NextRun'), h.now_usec())
        mark = self.bus.mark()
        self.bus.update(path, {'enabled': False})
        self.assertEqual(self.bus.prop(path, 'Enabled'), False)
        self.assertEqual(self.bus.prop(path, 'NextRun'), 0)
        self.bus.wait_signal('PropertiesChanged', lambda e: e.args[1].get('NextRun') == 0,
                             since=mark, path=path, what='PropertiesChanged NextRun 0')
        self.bus.wait_signal('PropertiesChanged', lambda e: e.args[1].get('Enabled') is False,
                             since=mark, path=path, what='PropertiesChanged Enabled false')
        mark = self.bus.mark()
        self.bus.update(path, {'enabled': True})
        self.bus.wait_signal('PropertiesChanged',
                             lambda e: e.args[1].get('NextRun', 0) > h.now_usec(),
                             since=mark, path=path, what='PropertiesChanged NextRun again')

    def test_update_every_key(self):
        path = self.make_job('upd', command=['/bin/true'])
        changes = {
            'description': 'changed', 'working-directory': '/', 'environment': {'X': 'y'},
            'schedule': 'FREQ=DAILY;BYHOUR=4;BYMINUTE=0;BYSECOND=0', 'timezone': 'Asia/Tokyo',
            'start': 1700000000 * USEC, 'enabled': False, 'timeout': 5, 'catch-up': True,
            'max-runs': 3, 'max-output-bytes': 2048, 'notify-on': 'never', 'email-on': 'always',
            'email-to': ['a@b.example'], 'name': 'upd2',
        }
        self.bus.update(path, changes)
        p = self.bus.props(path)
        for key, value in changes.items():
            prop = ''.join(part.capitalize() for part in key.split('-'))
            self.assertEqual(p[prop], value, prop)
        # command ↔ shell replace each other
        self.bus.update(path, {'shell': 'echo hi'})
        p = self.bus.props(path)
        self.assertEqual((p['Shell'], p['Command']), ('echo hi', []))
        self.bus.update(path, {'command': ['/bin/echo', 'x']})
        p = self.bus.props(path)
        self.assertEqual((p['Shell'], p['Command']), ('', ['/bin/echo', 'x']))
        # An empty Update is fine
        self.bus.update(path, {})

    def test_rename_and_duplicates(self):
        a = self.make_job('one')
        b = self.make_job('two')
        with self.assert_error('AlreadyExists', 'one'):
            self.make_job('one')
        with self.assert_error('AlreadyExists'):
            self.bus.update(b, {'name': 'one'})
        self.assertEqual(self.bus.prop(b, 'Name'), 'two')
        self.bus.update(a, {'name': 'uno'})
        self.assertEqual(self.bus.get_job_by_name('uno'), a)
        with self.assert_error('NotFound'):
            self.bus.get_job_by_name('one')
        # The old name is free again, and renaming to itself is fine
        c = self.make_job('one')
        self.assertNotIn(c, (a, b))
        self.bus.update(c, {'name': 'one'})
        self.assert_daemon_alive()

    def test_failed_update_changes_nothing(self):
        path = self.make_job('atomic', description='before', timeout=5)
        before = self.bus.props(path)
        mark = self.bus.mark()
        for bad in ({'description': 'after', 'timeout': GLib.Variant('s', '10')},
                    {'description': 'after', 'schedule': '99 * * * *'},
                    {'description': 'after', 'bogus-key': GLib.Variant('s', 'x')},
                    {'description': 'after', 'command': ['/bin/true'], 'shell': 'true'}):
            with self.subTest(bad=list(bad)):
                with self.assertRaises(GLib.Error):
                    self.bus.update(path, bad)
        self.assertEqual(self.bus.props(path), before)
        h.iterate(0.3)
        self.assertEqual(self.bus.prop_changes(path, 'Description', mark), [])

    def test_deleted_job_path(self):
        path = self.make_job('doomed', command=['/bin/true'])
        self.bus.delete(path)
        calls = {
            'Run': lambda: self.bus.run(path),
            'Stop': lambda: self.bus.stop(path),
            'Delete': lambda: self.bus.delete(path),
            'Update': lambda: self.bus.update(path, {'description': 'x'}),
            'ListRuns': lambda: self.bus.job_runs(path),
            'Get': lambda: self.bus.prop(path, 'Name'),
        }
        for name, call in calls.items():
            with self.subTest(method=name):
                with self.assert_error('NotFound'):
                    call()
        with self.assert_error('NotFound'):
            self.bus.run(h.JOBS_PATH + '/987654')
        # Its runs went with it
        self.assertEqual(self.bus.list_runs({'job': path}), [])
        self.assert_daemon_alive()


class BadInput(h.DaemonTestCase):
    def check_invalid(self, cases, error='InvalidArgument'):
        for label, spec, words in cases:
            with self.subTest(case=label):
                with self.assert_error(error, *words):
                    self.bus.create_job(spec)
                self.assert_daemon_alive()
        self.assertEqual(self.bus.managed_objects(), {}, 'no job was created by a bad spec')

    def test_create_invalid_arguments(self):
        ok = {'name': 'x', 'command': ['/bin/true']}
        big = 'n' * (10 * 1024 * 1024)
        cases = [
            ('unknown key', {**ok, 'colour': GLib.Variant('s', 'red')}, ['colour']),
            ('timeout as string', {**ok, 'timeout': GLib.Variant('s', '10')}, ['timeout']),
            ('enabled as int', {**ok, 'enabled': GLib.Variant('i', 1)}, ['enabled']),
            ('command as string', {'name': 'x', 'command': GLib.Variant('s', '/bin/true')},
             ['command']),
            ('empty name', {**ok, 'name': ''}, ['name']),
            ('missing name', {'command': ['/bin/true']}, ['name']),
            ('name all digits', {**ok, 'name': '12345'}, ['name']),
            ('name with newline', {**ok, 'name': 'a\nb'}, ['name']),
            ('10 MB name', {**ok, 'name': big}, ['name']),
            ('10 MB description', {**ok, 'description': big}, ['description']),
            ('command and shell', {**ok, 'shell': 'true'}, ['command', 'shell']),
            ('missing command', {'name': 'x'}, ['command']),
            ('empty command', {'name': 'x', 'command': []}, ['command']),
            ('empty shell', {'name': 'x', 'shell': ''}, ['shell']),
            ('relative working directory', {**ok, 'working-directory': 'tmp'},
             ['working-directory']),
            ('bad environment name', {**ok, 'environment': {'A=B': 'c'}}, ['environment']),
            ('bad notify-on', {**ok, 'notify-on': 'sometimes'}, ['notify-on']),
            ('bad email-on', {**ok, 'email-on': 'weekly'}, ['email-on']),
            ('email-to with newline', {**ok, 'email-to': ['a@example.com\nBcc: x@evil.example']},
             ['email-to']),
            # a local user such as root is an address, as sendmail takes it; these are not
            ('email-to not an address', {**ok, 'email-to': ['no body']}, ['email-to']),
            ('email-to a sendmail option', {**ok, 'email-to': ['-oQ/tmp']}, ['email-to']),
            ('email-to a program', {**ok, 'email-to': ['|/bin/sh']}, ['email-to']),
            ('max-output-bytes wrong type', {**ok, 'max-output-bytes': GLib.Variant('u', 4096)},
             ['max-output-bytes']),
            ('start negative', {**ok, 'start': -5}, ['start']),
            ('user not a name', {**ok, 'user': '../root'}, ['user']),
            # A session daemon runs jobs as its own user only: another is refused.
            ('another user', {**ok, 'user': OTHER_USER}, ['user', 'own user']),
        ]
        self.check_invalid(cases)

    def test_user_may_be_the_daemon_s_own(self):
        own = pwd.getpwuid(os.getuid()).pw_name
        path = self.bus.create_job({'name': 'mine', 'command': ['/bin/true'], 'user': own})
        self.assertEqual(self.bus.prop(path, 'User'), own)
        self.bus.update(path, {'user': ''})
        self.assertEqual(self.bus.prop(path, 'User'), '')
        with self.assert_error('InvalidArgument', 'user'):
            self.bus.update(path, {'user': OTHER_USER})
        self.assertEqual(self.bus.prop(path, 'User'), '')

    def test_create_invalid_schedules(self):
        ok = {'name': 'x', 'command': ['/bin/true']}
        cases = [
            ('minute 61', {**ok, 'schedule': '61 * * * *'}, ['minute']),
            ('hour 25', {**ok, 'schedule': '0 25 * * *'}, ['hour']),
            ('day-of-month 32', {**ok, 'schedule': '0 0 32 * *'}, ['day']),
            ('month 13', {**ok, 'schedule': '0 0 1 13 *'}, ['month']),
            ('day-of-week 9', {**ok, 'schedule': '0 0 * * 9'}, ['week']),
            ('four fields', {**ok, 'schedule': '* * * *'}, []),
            ('bad macro', {**ok, 'schedule': '@fortnightly'}, []),
            ('bad FREQ', {**ok, 'schedule': 'FREQ=SOMETIMES'}, []),
            ('bad RRULE part', {**ok, 'schedule': 'FREQ=DAILY;BYHOUR=99'}, []),
            ('unknown timezone', {**ok, 'schedule': '@daily', 'timezone': 'Mars/Olympus_Mons'},
             ['Mars/Olympus_Mons']),
        ]
        self.check_invalid(cases, 'InvalidSchedule')
        path = self.make_job('good', schedule='@daily')
        with self.assert_error('InvalidSchedule', 'minute'):
            self.bus.update(path, {'schedule': '60 * * * *'})
        with self.assert_error('InvalidSchedule'):
            self.bus.update(path, {'timezone': 'Nowhere/Special'})
        self.assertEqual(self.bus.prop(path, 'Schedule'), '@daily')

    def test_valid_schedules_accepted(self):
        for i, schedule in enumerate(['', '*/5 * * * *', '0 9-17 * * mon-fri', '0 0 1 jan,jul *',
                                      '@yearly', '@annually', '@monthly', '@weekly', '@daily',
                                      '@midnight', '@hourly', 'FREQ=SECONDLY;INTERVAL=30',
                                      'RRULE:FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=8;BYMINUTE=30']):
            with self.subTest(schedule=schedule):
                path = self.make_job(f'valid-{i}', schedule=schedule, timezone='America/New_York')
                self.assertEqual(self.bus.prop(path, 'Schedule'), schedule)
                next_run = self.bus.prop(path, 'NextRun')
                if schedule:
                    self.assertGreater(next_run, h.now_usec() - USEC)
                else:
                    self.assertEqual(next_run, 0)

    def test_bad_run_filters(self):
        cases = [
            ('unknown key', {'colour': GLib.Variant('s', 'red')}),
            ('limit as string', {'limit': GLib.Variant('s', '5')}),
            ('since as uint', {'since': GLib.Variant('u', 5)}),
            ('bad outcome', {'outcome': 'meh'}),
        ]
        for label, filt in cases:
            with self.subTest(case=label):
                with self.assert_error('InvalidArgument'):
                    self.bus.list_runs(filt)
                self.assert_daemon_alive()

    def test_unknown_ids(self):
        with self.assert_error('NotFound'):
            self.bus.get_run(424242)
        with self.assert_error('NotFound'):
            self.bus.read_output(424242, 0, 1024)
        with self.assert_error('NotFound'):
            self.bus.report_progress(424242, 1, 2, 'x')
        with self.assert_error('NotFound'):
            self.bus.get_run(0)
        self.assert_daemon_alive()

    def test_wrong_method_signature(self):
        # GDBus refuses these before our code: the daemon must survive them
        for method, args in (('CreateJob', GLib.Variant('(s)', ('x',))),
                             ('GetRun', GLib.Variant('(s)', ('1',))),
                             ('PreviewSchedule', None)):
            with self.subTest(method=method):
                with self.assertRaises(GLib.Error):
                    self.bus.call(MANAGER_PATH, SCHEDULER_IFACE, method, args)
        self.assert_daemon_alive()


class Preview(h.DaemonTestCase):
    def test_cron_preview(self):
        after = 1700000000 * USEC  # 2023-11-14 22:13:20 UTC
        description, runs = self.bus.preview('*/15 * * * *', 'UTC', after, 10)
        self.assertTrue(description)
        self.assertEqual(len(runs), 10)
        self.assertEqual(runs, sorted(set(runs)), 'strictly increasing')
        self.assertGreater(runs[0], after)
        self.assertEqual(runs[0], 1700000100 * USEC)  # 22:15
        for a, b in zip(runs, runs[1:]):
            self.assertEqual(b - a, 900 * USEC)

    def test_cron_preview_strictly_after(self):
        # 2024-01-15 09:00:00 UTC, exactly on a run: the next one is a day later
        nine = 1705309200 * USEC
        _, runs = self.bus.preview('0 9 * * *', 'UTC', nine, 2)
        self.assertEqual(runs, [nine + 86400 * USEC, nine + 2 * 86400 * USEC])
        # A fraction of a second past a run's minute is past that run
        after = 1705318200 * USEC + 940000  # 2024-01-15 11:30:00.94, a Monday
        _, runs = self.bus.preview('30 11 * * *', 'UTC', after, 1)
        self.assertEqual(runs, [1705318200 * USEC + 86400 * USEC])
        _, runs = self.bus.preview('*/13 * 15,26-31 * SUN-fri', 'UTC', after, 3)
        self.assertTrue(all(r > after for r in runs), runs)
        self.assertEqual(runs[0], 1705318740 * USEC)  # 11:39

    def test_rrule_preview_never_before_after(self):
        after = 1705309200 * USEC + 250000  # 09:00:00.25
        _, runs = self.bus.preview('FREQ=SECONDLY', 'UTC', after, 2)
        self.assertEqual(runs, [1705309201 * USEC, 1705309202 * USEC])
        # On a whole second the start is the first run
        _, runs = self.bus.preview('FREQ=DAILY', 'UTC', 1705309200 * USEC, 1)
        self.assertEqual(runs, [1705309200 * USEC])

    def test_interval_rules_occur_from_their_start(self):
        # Issue 11, point 3: whether these occur depends on the start, which
        # used to be taken as 1970-01-01 00:00, refusing them all.
        nine = 1705309200 * USEC  # 2024-01-15 09:00 UTC
        _, runs = self.bus.preview('FREQ=HOURLY;INTERVAL=2;BYHOUR=9,11,13', 'UTC', nine, 4)
        self.assertEqual(runs, [nine, nine + 2 * 3600 * USEC, nine + 4 * 3600 * USEC,
                                nine + 24 * 3600 * USEC])
        leap = 1709164800 * USEC  # 2024-02-29 00:00 UTC
        _, runs = self.bus.preview('FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29', 'UTC', leap, 2)
        self.assertEqual(runs, [leap, 1835395200 * USEC])  # 2028-02-29
        # From an even hour the first rule never occurs: said, naming the start
        with self.assert_error('InvalidSchedule', 'never occurs', '2024-01-15 10:00:00'):
            self.bus.preview('FREQ=HOURLY;INTERVAL=2;BYHOUR=9,11,13', 'UTC', nine + 3600 * USEC, 1)
        # The same for a job, by its start
        path = self.make_job('odd-hours', schedule='FREQ=HOURLY;INTERVAL=2;BYHOUR=9,11,13',
                             timezone='UTC', start=nine)
        self.assertEqual(self.bus.prop(path, 'Schedule'), 'FREQ=HOURLY;INTERVAL=2;BYHOUR=9,11,13')
        with self.assert_error('InvalidSchedule', 'never occurs'):
            self.make_job('even-hours', schedule='FREQ=HOURLY;INTERVAL=2;BYHOUR=9,11,13',
                          timezone='UTC', start=nine + 3600 * USEC)
        with self.assert_error('InvalidSchedule', 'never occurs'):
            self.bus.update(path, {'start': nine + 3600 * USEC})
        self.assertEqual(self.bus.prop(path, 'Start'), nine)

    def test_count_rules_preview_in_one_walk(self):
        # Issue 11, point 9: each run of a COUNT preview was counted from the
        # start again, for minutes on the main loop; the 1000th run here is
        # Feb 29, 6024 (3 of 4 century years are not leap years).
        after = 1705309200 * USEC  # 2024-01-15 09:00 UTC
        _, runs = self.bus.preview('FREQ=DAILY;COUNT=100000;BYMONTH=2;BYMONTHDAY=29', 'UTC', after, 1000)
        self.assertEqual(len(runs), 1000)
        self.assertEqual(runs[0], 1709197200 * USEC)  # 2024-02-29 09:00
        last = datetime.datetime.fromtimestamp(runs[-1] // USEC, datetime.timezone.utc)
        self.assertEqual((last.month, last.day, last.hour), (2, 29, 9))
        self.assertEqual(runs, sorted(set(runs)))
        # A rule whose COUNT takes too long to count is refused, saying so,
        # for a preview and for a job alike; the daemon goes on.
        slow = 'FREQ=SECONDLY;INTERVAL=32767;COUNT=100000;BYSECOND=0'
        with self.assert_error('InvalidSchedule', 'COUNT', '100000'):
            self.bus.preview(slow, 'UTC', after, 10)
        with self.assert_error('InvalidSchedule', 'COUNT'):
            self.make_job('slow-count', schedule=slow, timezone='UTC', start=after)
        self.assert_daemon_alive()

    def test_rrule_preview_starts_at_after(self):
        after = 1700000000 * USEC
        description, runs = self.bus.preview('FREQ=SECONDLY;INTERVAL=10', 'UTC', after, 5)
        self.assertTrue(description)
        self.assertEqual(len(runs), 5)
        self.assertTrue(after <= runs[0] <= after + 10 * USEC, runs)
        for a, b in zip(runs, runs[1:]):
            self.assertEqual(b - a, 10 * USEC)

    def test_preview_now_and_timezone(self):
        _, runs = self.bus.preview('@daily', 'Asia/Kolkata', 0, 3)
        self.assertEqual(len(runs), 3)
        now = h.now_usec()
        self.assertGreater(runs[0], now - USEC)
        self.assertLessEqual(runs[0], now + 24 * 3600 * USEC)
        # Midnight in Kolkata is 18:30 UTC
        self.assertEqual(runs[0] // USEC % 86400, 18 * 3600 + 1800)

    def test_preview_counts(self):
        _, runs = self.bus.preview('* * * * *', 'UTC', 0, 1000)
        self.assertEqual(len(runs), 1000)
        self.assertEqual(runs, sorted(set(runs)))
        _, runs = self.bus.preview('* * * * *', 'UTC', 0, 0)
        self.assertEqual(runs, [])
        with self.assert_error('InvalidArgument', 'count'):
            self.bus.preview('* * * * *', 'UTC', 0, 1001)
        with self.assert_error('InvalidArgument'):
            self.bus.preview('* * * * *', 'UTC', 0, 0xFFFFFFFF)
        description, runs = self.bus.preview('', '', 0, 5)
        self.assertTrue(description)
        self.assertEqual(runs, [])
        # A rule that ends gives fewer runs
        # The rule starts at 'after': that start is its first of three occurrences.
        after = 1_800_000_000 * 1_000_000
        _, runs = self.bus.preview('FREQ=DAILY;COUNT=3', 'UTC', after, 10)
        self.assertEqual(list(runs), [after + i * 86_400_000_000 for i in range(3)])
        self.assert_daemon_alive()

    def test_preview_errors(self):
        with self.assert_error('InvalidSchedule', 'hour'):
            self.bus.preview('0 24 * * *', 'UTC', 0, 3)
        with self.assert_error('InvalidSchedule'):
            self.bus.preview('FREQ=NEVER', 'UTC', 0, 3)
        with self.assert_error('InvalidSchedule', 'Atlantis/Capital'):
            self.bus.preview('@daily', 'Atlantis/Capital', 0, 3)
        self.assert_daemon_alive()


class Settings(h.DaemonTestCase):
    def test_get_settings_keys_and_types(self):
        reply = self.bus.call(MANAGER_PATH, SCHEDULER_IFACE, 'GetSettings', None, '(a{sv})')
        self.assertEqual(h.variant_types(reply.get_child_value(0)), h.SETTINGS_TYPES)
        s = self.bus.get_settings()
        self.assertEqual(s['allow-shell'], True)
        self.assertEqual(s['smtp-password'], '')
        self.assertEqual(s['default-max-tasks'], 1024)

    def test_set_and_read_back(self):
        values = {'allow-shell': False, 'max-concurrent-runs': 4, 'keep-runs-days': 30,
                  'notifications': False, 'email-from': 'chroniker@example.com',
                  'smtp-url': 'smtps://mail.example.com:465', 'smtp-starttls': True,
                  'smtp-username': 'me'}
        self.bus.set_settings(values)
        s = self.bus.get_settings()
        for key, value in values.items():
            self.assertEqual(s[key], value, key)
        self.bus.set_settings({'smtp-url': ''})
        self.assertEqual(self.bus.get_settings()['smtp-url'], '')
        # Stored in the database: a new daemon reads them back
        self.restart_daemon()
        s = self.bus.get_settings()
        for key, value in values.items():
            if key != 'smtp-url':
                self.assertEqual(s[key], value, key)

    def test_password_is_write_only(self):
        self.assertEqual(self.bus.get_settings()['smtp-password'], '')
        self.bus.set_settings({'smtp-password': 'hunter2'})
        self.assertEqual(self.bus.get_settings()['smtp-password'], 'set')
        self.bus.set_settings({'smtp-password': ''})
        self.assertEqual(self.bus.get_settings()['smtp-password'], '')

    def test_all_or_nothing(self):
        before = self.bus.get_settings()
        cases = [
            ('unknown key', {'max-concurrent-runs': 3, 'colour': GLib.Variant('s', 'red')}),
            ('wrong type', {'keep-runs-days': 3, 'max-concurrent-runs': GLib.Variant('s', '2')}),
            ('wrong type bool', {'keep-runs-days': 3, 'allow-shell': GLib.Variant('s', 'no')}),
            ('bad smtp-url', {'keep-runs-days': 3, 'smtp-url': 'ftp://example.com'}),
            ('bad email-from', {'keep-runs-days': 3, 'email-from': 'not an address'}),
            ('newline in username', {'keep-runs-days': 3, 'smtp-username': 'a\nb'}),
        ]
        for label, settings in cases:
            with self.subTest(case=label):
                with self.assert_error('InvalidArgument'):
                    self.bus.set_settings(settings)
                self.assertEqual(self.bus.get_settings(), before)
        self.assert_daemon_alive()

    def test_default_max_tasks(self):
        self.assertEqual(self.bus.get_settings()['default-max-tasks'], 1024)
        with self.assert_error('InvalidArgument', 'default-max-tasks') as cm:
            self.bus.set_settings({'default-max-tasks': 0})
        self.assertIn('1', cm['message'])
        self.assertEqual(self.bus.get_settings()['default-max-tasks'], 1024)
        for n in (1, 2048, 100000):
            self.bus.set_settings({'default-max-tasks': n})
            self.assertEqual(self.bus.get_settings()['default-max-tasks'], n)
        self.restart_daemon()
        self.assertEqual(self.bus.get_settings()['default-max-tasks'], 100000)

    # RFC 5322 §2.1.1: at most 998 characters a line; the From: line is "From: " + the address.
    MAX_EMAIL_FROM = 998 - len('From: ')

    def test_email_from_fits_a_header_line(self):
        self.assertEqual(self.MAX_EMAIL_FROM, 992)
        domain = '@example.org'
        longest = 'a' * (self.MAX_EMAIL_FROM - len(domain)) + domain
        self.assertEqual(len(longest), 992)
        self.bus.set_settings({'email-from': longest})
        self.assertEqual(self.bus.get_settings()['email-from'], longest)
        for extra in (1, 14):   # 993 and 1006 bytes: a 999- and a 1012-character line
            too_long = 'a' * extra + longest
            with self.subTest(length=len(too_long)):
                with self.assert_error('InvalidArgument', 'email-from', '992', '998') as cm:
                    self.bus.set_settings({'email-from': too_long})
                self.assertNotIn(too_long, cm['message'])
                self.assertEqual(self.bus.get_settings()['email-from'], longest)
        # Bytes count, not characters: "é" is two
        accented = 'é' + 'a' * (self.MAX_EMAIL_FROM - len(domain) - 2) + domain
        self.assertEqual(len(accented.encode()), 992)
        self.bus.set_settings({'email-from': accented})
        self.assertEqual(self.bus.get_settings()['email-from'], accented)
        accented = 'é' + accented[1:].replace('a', 'aa', 1)
        self.assertEqual((len(accented.encode()), len(accented)), (993, 992))
        with self.assert_error('InvalidArgument', 'email-from', '992'):
            self.bus.set_settings({'email-from': accented})
        self.assert_daemon_alive()

    def test_smtp_url_with_password_refused(self):
        for url in ('smtp://me:hunter2@mail.example.com:25',
                    'smtps://me:hunter2@mail.example.com',
                    'smtp://me%40home:hunter%322@[::1]:2525',
                    'smtps://me:hunter2;AUTH=PLAIN@mail.example.com:465',
                    'smtps://me:***@mail.example.com:465'):
            with self.subTest(url=url):
                with self.assert_error('InvalidArgument', 'smtp-url', 'smtp-password',
                                       'smtp-username') as cm:
                    self.bus.set_settings({'smtp-url': url, 'keep-runs-days': 3})
                self.assertNotIn('hunter', cm['message'], 'the error does not repeat the password')
                s = self.bus.get_settings()
                self.assertEqual((s['smtp-url'], s['keep-runs-days']), ('', 0),
                                 'nothing is changed')
        # A user name alone, or no login at all, is fine
        for url in ('smtp://me@mail.example.com:25', 'smtps://mail.example.com:465',
                    'smtp://me:@mail.example.com'):
            with self.subTest(url=url):
                self.bus.set_settings({'smtp-url': url})
                self.assertEqual(self.bus.get_settings()['smtp-url'], url)
        self.assert_daemon_alive()

    def store_setting_directly(self, key, value):
        """Stops the daemon, writes a string setting into its database as an
        older version could have, and starts it again."""
        status = self.daemon.terminate()
        self.assertEqual(status, 0)
        self.wait_no_owner()
        db = sqlite3.connect(self.db)
        try:
            with db:
                db.execute('INSERT OR REPLACE INTO settings (key, type, value) VALUES (?, ?, ?)',
                           (key, 's', value.encode() + b'\0'))
        finally:
            db.close()
        self.daemon = self.start_chronikerd()

    def test_stored_smtp_url_with_password_redacted(self):
        # The row the daemon writes, so that the direct write below has its format
        self.bus.set_settings({'smtp-url': 'smtps://mail.example.com:465'})
        self.store_setting_directly('smtp-url', 'smtps://me:hunter2@mail.example.com:465/x?y#z')
        s = self.bus.get_settings()
        self.assertEqual(s['smtp-url'], 'smtps://me:***@mail.example.com:465/x?y#z')
        self.assertNotIn('hunter2', repr(s))
        reply = self.bus.call(MANAGER_PATH, SCHEDULER_IFACE, 'GetSettings', None, '(a{sv})')
        self.assertNotIn('hunter2', reply.print_(False))
        # Other changes go on; the redacted form cannot be written back
        self.bus.set_settings({'keep-runs-days': 5})
        with self.assert_error('InvalidArgument', 'smtp-password'):
            self.bus.set_settings({'smtp-url': s['smtp-url']})
        # The stored value is kept (the mailer uses it) until it is replaced
        self.restart_daemon()
        self.assertEqual(self.bus.get_settings()['smtp-url'],
                         'smtps://me:***@mail.example.com:465/x?y#z')
        self.bus.set_settings({'smtp-url': 'smtps://mail.example.com:465', 'smtp-username': 'me',
                               'smtp-password': 'hunter2'})
        s = self.bus.get_settings()
        self.assertEqual((s['smtp-url'], s['smtp-password']), ('smtps://mail.example.com:465', 'set'))

    def test_stored_smtp_url_with_password_still_sends(self):
        mail_dir = self.path_file('mail')
        os.makedirs(mail_dir)
        _, port = self.start_smtp_server(mail_dir, '--auth', 'me:hunter2')
        self.store_setting_directly('smtp-url', f'smtp://me:hunter2@127.0.0.1:{port}')
        self.assertEqual(self.bus.get_settings()['smtp-url'], f'smtp://me:***@127.0.0.1:{port}')
        # The server wants the login of the stored URL: the mailer has the real one
        self.bus.sched('SendTestEmail', GLib.Variant('(s)', ('me@example.org',)), timeout_ms=60000)
        h.wait_until(lambda: os.path.exists(os.path.join(mail_dir, '1.eml')), 20,
                     'the test email to arrive', poll=0.05)

    def test_shell_disabled(self):
        shell_job = self.make_job('old-shell', shell='echo old')
        self.bus.set_settings({'allow-shell': False})
        with self.assert_error('ShellDisabled'):
            self.make_job('new-shell', shell='echo hi')
        with self.assert_error('ShellDisabled'):
            self.bus.update(shell_job, {'shell': 'echo changed'})
        # Argument lists are still fine
        argv = self.make_job('argv', command=['/bin/echo', 'hi'])
        self.bus.update(argv, {'description': 'fine'})
        self.bus.set_settings({'allow-shell': True})
        self.make_job('new-shell', shell='echo hi')
        self.assert_daemon_alive()


class RunsQueries(h.DaemonTestCase):
    def test_list_runs_filters(self):
        ok = self.make_job('ok', command=['/bin/sh', '-c', 'exit 0'])
        bad = self.make_job('bad', command=['/bin/sh', '-c', 'exit 1'])
        ids = {}
        for path in (ok, bad, ok, bad, ok):
            run_id, outcome, _ = self.run_and_wait(path)
            ids.setdefault(path, []).append(run_id)
        all_runs = self.bus.list_runs()
        self.assertEqual(len(all_runs), 5)
        self.assertEqual([r['id'] for r in all_runs], sorted(ids[ok] + ids[bad], reverse=True),
                         'newest first')
        for r in all_runs:
            self.assertEqual(h.RUN_TYPES.keys(), r.keys())
        self.assertEqual([r['id'] for r in self.bus.list_runs({'job': bad})],
                         sorted(ids[bad], reverse=True))
        self.assertEqual({r['outcome'] for r in self.bus.list_runs({'outcome': 'failure'})},
                         {'failure'})
        self.assertEqual(len(self.bus.list_runs({'outcome': 'failure'})), 2)
        self.assertEqual(len(self.bus.list_runs({'limit': 2})), 2)
        self.assertEqual([r['id'] for r in self.bus.list_runs({'limit': 2, 'offset': 1})],
                         [r['id'] for r in all_runs[1:3]])
        self.assertEqual(self.bus.list_runs({'offset': 10}), [])
        since = all_runs[1]['started']
        self.assertEqual({r['id'] for r in self.bus.list_runs({'since': since})},
                         {r['id'] for r in all_runs if r['started'] >= since})
        self.assertEqual(self.bus.list_runs({'since': h.now_usec() + 3600 * USEC}), [])
        # Job1.ListRuns
        self.assertEqual([r['id'] for r in self.bus.job_runs(ok)], sorted(ids[ok], reverse=True))
        self.assertEqual([r['id'] for r in self.bus.job_runs(ok, 1, 1)],
                         [sorted(ids[ok], reverse=True)[1]])
        self.assertEqual(self.bus.job_runs(ok, 5, 0), [])

    def test_run_record_fields(self):
        path = self.make_job('fields', command=['/bin/sh', '-c', 'printf abc; printf de >&2'])
        run_id, outcome, code = self.run_and_wait(path)
        run = self.bus.get_run(run_id)
        reply = self.bus.call(MANAGER_PATH, SCHEDULER_IFACE, 'GetRun', GLib.Variant('(t)', (run_id,)),
                              '(a{sv})')
        self.assertEqual(h.variant_types(reply.get_child_value(0)), h.RUN_TYPES)
        self.assertEqual(run['id'], run_id)
        self.assertEqual(run['job'], path)
        self.assertEqual(run['job-name'], 'fields')
        self.assertEqual(run['trigger'], 'manual')
        self.assertEqual(run['outcome'], 'success')
        self.assertEqual(run['exit-code'], 0)
        self.assertEqual(run['signal'], 0)
        self.assertEqual(run['hostname'], socket.gethostname())
        self.assertGreater(run['pid'], 1)
        self.assertEqual(run['stdout-bytes'], 3)
        self.assertEqual(run['stderr-bytes'], 2)
        self.assertFalse(run['truncated'])
        self.assertGreater(run['started'], h.now_usec() - 60 * USEC)
        self.assertGreaterEqual(run['finished'], run['started'])

    def test_report_progress_errors(self):
        path = self.make_job('prog', command=['/bin/true'])
        run_id, _, _ = self.run_and_wait(path)
        with self.assert_error('NotRunning'):
            self.bus.report_progress(run_id, 1, 2, 'late')
        with self.assert_error('NotFound'):
            self.bus.report_progress(run_id + 1000, 1, 2, 'none')
        self.assert_daemon_alive()


if __name__ == '__main__':
    h.main()
