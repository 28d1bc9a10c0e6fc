#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""chronikerctl: a job's limits (add/edit/show), what runs used (runs/show and
their --json), the default-max-tasks setting, and job text that must not reach
a terminal as control characters."""

import sqlite3

import cliharness as c

MIB = 1024 * 1024
NBSP = '\u00a0'  # GLib's g_format_size() puts one between number and unit

# Text that would act on a terminal: OSC 52 (write the clipboard), CSI with
# ESC, a C1 CSI (U+009B, two bytes in UTF-8), a bell, a newline that would
# fake a field, a bidi override and, for the environment, a colour.
OSC52 = '\x1b]52;c;aGVsbG8=\x07'
EVIL_DESCRIPTION = f'backup {OSC52} \x1b[2J\u009b31m red\nCommand: /bin/fake \u202eevil'
EVIL_ARG = '\x1b]0;title\x07\u009b2J'
EVIL_ENV = 'COLOR=\x1b[31m\u0085red'


fields = c.show_fields


class Limits(c.CliTestCase):
    def test_add_edit_show_limits(self):
        path = self.add('limited', '--max-tasks', '50', '--memory-max', '1.5GiB',
                        '--cpu-weight', '300', '--', '/bin/true')
        obj = self.show('limited')
        self.assert_job_json(obj)
        self.assertEqual((obj['max-tasks'], obj['memory-max'], obj['cpu-weight']),
                         (50, 1536 * MIB, 300))
        p = self.bus.props(path)
        self.assertEqual((p['MaxTasks'], p['MemoryMax'], p['CpuWeight']), (50, 1536 * MIB, 300))
        f = fields(self.out('show', 'limited'))
        self.assertEqual((f['Max tasks'], f['Memory max'], f['CPU weight']),
                         ('50', f'1.6{NBSP}GB', '300'))

        before = self.show('limited')
        self.ok('edit', 'limited', '--memory-max', 'none')
        after = self.show('limited')
        self.assertEqual(after['memory-max'], 0)
        self.assertEqual({k for k in c.SPEC_KEYS if before[k] != after[k]}, {'memory-max'},
                         'edit changes only what is given')
        self.assertEqual(fields(self.out('show', 'limited'))['Memory max'], 'none')

        self.ok('edit', 'limited', '--max-tasks', '0', '--cpu-weight', '10000',
                '--memory-max', '512M')
        obj = self.show('limited')
        self.assertEqual((obj['max-tasks'], obj['memory-max'], obj['cpu-weight']),
                         (0, 512 * MIB, 10000))
        f = fields(self.out('show', 'limited'))
        self.assertEqual((f['Max tasks'], f['Memory max'], f['CPU weight']),
                         ('default (1024)', f'536.9{NBSP}MB', '10000'))

        # max-tasks 0 follows the setting, which show reads
        self.assertEqual(self.out('settings', 'default-max-tasks', '2048'), '')
        self.assertEqual(self.bus.get_settings()['default-max-tasks'], 2048)
        self.assertEqual(fields(self.out('show', 'limited'))['Max tasks'], 'default (2048)')
        self.assertEqual(self.show('limited')['max-tasks'], 0, 'the job keeps 0')

    def test_defaults(self):
        self.add('plain', '--', '/bin/true')
        obj = self.show('plain')
        self.assertEqual((obj['max-tasks'], obj['memory-max'], obj['cpu-weight']), (0, 0, 100))
        f = fields(self.out('show', 'plain'))
        self.assertEqual((f['Max tasks'], f['Memory max'], f['CPU weight']),
                         ('default (1024)', 'none', '100'))
        # An HTTP check runs no process: no limits to show
        self.add('check', '--check-url', 'http://127.0.0.1:9/')
        text = self.out('show', 'check')
        for label in ('Max tasks', 'Memory max', 'CPU weight'):
            self.assertNotIn(label, fields(text), text)

    def test_size_forms(self):
        self.add('sizes', '--', '/bin/true')
        for text, size in (('512M', 512 * MIB), ('2G', 2048 * MIB), ('1.5GiB', 1536 * MIB),
                           ('1.25M', 1280 * 1024), ('1T', 1 << 40), ('4194304', 4 * MIB),
                           ('0', 0), ('none', 0), ('NONE', 0), ('64m', 64 * MIB)):
            with self.subTest(memory_max=text):
                self.ok('edit', 'sizes', '--memory-max', text)
                self.assertEqual(self.show('sizes')['memory-max'], size)
        # The same sizes work for --max-output
        self.ok('edit', 'sizes', '--max-output', '1.5M')
        self.assertEqual(self.show('sizes')['max-output-bytes'], 1536 * 1024)

    def test_limit_errors(self):
        for args, word in ((['--cpu-weight', '0'], 'cpu-weight'),
                           (['--cpu-weight', '10001'], 'cpu-weight'),
                           (['--cpu-weight', 'heavy'], 'cpu-weight'),
                           (['--cpu-weight', '-5'], 'cpu-weight'),
                           (['--max-tasks', 'lots'], 'max-tasks'),
                           (['--max-tasks', '-1'], 'max-tasks'),
                           (['--max-tasks', '4294967296'], 'max-tasks'),
                           (['--memory-max', 'lots'], 'memory-max'),
                           (['--memory-max', '1.5'], 'memory-max'),
                           (['--memory-max', '-1M'], 'memory-max'),
                           (['--memory-max', '99999999999T'], 'memory-max')):
            with self.subTest(args=args):
                self.usage_error('add', 'bad', *args, '--', '/bin/true', contains=[word, args[1]])
        # The daemon's smallest memory limit: its message names the key
        with self.subTest('memory-max 10'):
            self.runtime_error('add', 'bad', '--memory-max', '10', '--', '/bin/true',
                               contains=['memory-max'])
        self.runtime_error('add', 'bad', '--memory-max', '1023K', '--', '/bin/true',
                           contains=['memory-max'])
        self.assertEqual(self.json('list', '--json'), [], 'no job was made')

        # A refused edit changes nothing
        self.add('good', '--cpu-weight', '200', '--memory-max', '64M', '--', '/bin/true')
        before = self.show('good')
        self.usage_error('edit', 'good', '--cpu-weight', '0', contains=['cpu-weight'])
        self.usage_error('edit', 'good', '--cpu-weight', '10001', contains=['cpu-weight'])
        self.runtime_error('edit', 'good', '--memory-max', '10', contains=['memory-max'])
        self.assertEqual(self.show('good'), before)

    def test_add_edit_show_host(self):
        path = self.add('pinned', '--host', 'build-1', '--', '/bin/true')
        self.assertEqual(self.show('pinned')['host'], 'build-1')
        self.assertEqual(self.bus.props(path)['Host'], 'build-1')
        self.assertEqual(fields(self.out('show', 'pinned'))['Host'], 'build-1')

        before = self.show('pinned')
        self.ok('edit', 'pinned', '--host', '*')
        after = self.show('pinned')
        self.assertEqual({k for k in c.SPEC_KEYS if before[k] != after[k]}, {'host'},
                         'edit changes only what is given')
        self.assertEqual(fields(self.out('show', 'pinned'))['Host'], 'every host')
        self.ok('edit', 'pinned', '--host', '')
        self.assertEqual(fields(self.out('show', 'pinned'))['Host'], 'any host')

        # The daemon checks the name: its message names the key and the value
        self.runtime_error('edit', 'pinned', '--host', 'two words', contains=['host', 'two words'])
        self.runtime_error('add', 'bad', '--host', '-x', '--', '/bin/true', contains=['host'])
        self.assertEqual(self.show('pinned')['host'], '')

    def test_setting_default_max_tasks(self):
        self.assertEqual(self.out('settings', 'default-max-tasks').strip(), '1024')
        self.assertEqual(self.bus.get_settings()['default-max-tasks'], 1024)
        self.ok('settings', 'default-max-tasks', '2048')
        self.assertEqual(self.out('settings', 'default-max-tasks').strip(), '2048')
        self.assertIn('default-max-tasks = 2048', self.out('settings').split('\n'))
        self.runtime_error('settings', 'default-max-tasks', '0', contains=['default-max-tasks'])
        self.usage_error('settings', 'default-max-tasks', 'many', contains=['many'])
        self.assertEqual(self.bus.get_settings()['default-max-tasks'], 2048)
        # Kept in the database
        self.restart_daemon()
        self.assertEqual(self.out('settings', 'default-max-tasks').strip(), '2048')


class Accounting(c.CliTestCase):
    def stopped_daemon_db(self):
        """Stops the daemon; returns a connection to its database (the caller
        starts it again with self.start_again())."""
        self.assertEqual(self.daemon.terminate(), 0)
        self.wait_no_owner()
        db = sqlite3.connect(self.db)
        self.addCleanup(db.close)
        return db

    def start_again(self):
        self.daemon = self.start_chronikerd()

    def test_runs_json_keys(self):
        self.add('burn', '--', '/bin/sh', '-c', 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done')
        run_id, _ = self.run_wait('burn')
        runs = self.json('runs', '--json')
        self.assertEqual(len(runs), 1)
        run = runs[0]
        self.assertEqual(run['id'], run_id)
        self.assert_run_json(run)
        self.assert_run_matches_bus(run)
        # A command's run is contained and measured, however the machine allows
        self.assertIn(run['containment'], ('scope', 'cgroup', 'process-group'), run)
        self.assertGreater(run['cpu-time'], 0, run)
        self.assertGreater(run['memory-peak'], 0, run)
        self.assertEqual(run['message'], '', 'nothing to note on a run that went well')
        self.assertEqual(self.json('runs', 'burn', '--json'), runs)

    def test_runs_and_show_print_accounting(self):
        self.add('used', '--', '/bin/true')
        self.add('idle', '--', '/bin/true')
        first, _ = self.run_wait('used')
        second, _ = self.run_wait('used')
        idle, _ = self.run_wait('idle')

        # What the daemon measures depends on the machine: give the runs known
        # values in its database, so that the formatting is checked exactly.
        db = self.stopped_daemon_db()
        db.execute('UPDATE runs SET cpu_time = ?, memory_peak = ?, containment = ?, message = ? '
                   'WHERE id = ?', (1_020_000, 25 * MIB // 2, 'scope',
                                    f'killed by the memory limit {OSC52}\u009b', second))
        db.execute('UPDATE runs SET cpu_time = ?, memory_peak = ?, containment = ?, message = ?, '
                   'hostname = ? WHERE id = ?',
                   (75_000_000, 3 * 1024 * MIB, 'process-group', '', 'build-1', first))
        db.execute("UPDATE runs SET cpu_time = 0, memory_peak = 0, containment = '', message = '' "
                   'WHERE id = ?', (idle,))
        db.commit()
        self.start_again()

        runs = {r['id']: r for r in self.json('runs', '--json')}
        self.assertEqual((runs[second]['cpu-time'], runs[second]['memory-peak'],
                          runs[second]['containment']), (1_020_000, 25 * MIB // 2, 'scope'))
        self.assertEqual(runs[second]['message'], f'killed by the memory limit {OSC52}\u009b')
        self.assertEqual((runs[idle]['cpu-time'], runs[idle]['containment']), (0, ''))

        r = self.ctl('runs', binary=True)
        self.assertEqual(r.rc, 0, repr(r))
        for raw in (b'\x1b', b'\x07', b'\x9b'):
            self.assertNotIn(raw, r.out, f'runs printed {raw!r}: {r!r}')
        text = r.out.decode()
        lines = text.split('\n')
        self.assertEqual(lines[0].split()[-3:], ['CPU', 'MEMORY', 'CONTAINMENT'], text)
        rows = {ln.split()[0]: ln.split() for ln in lines[1:] if ln[:1].isdigit()}
        self.assertEqual(rows[str(second)][-4:], ['s', '13.1', 'MB', 'scope'], text)
        self.assertEqual(rows[str(second)][-5], '1.02', text)
        self.assertEqual(rows[str(first)][-9:], ['manual', 'build-1', '1', 'min', '15', 's',
                                                 '3.2', 'GB', 'process-group'], text)
        self.assertEqual(lines[0].split()[-4], 'HOST', text)
        with open('/proc/sys/kernel/hostname') as f:
            self.assertEqual(rows[str(second)][-6], f.read().strip(), 'the daemon\'s host')
        self.assertEqual(rows[str(idle)][-3:], ['-', '-', '-'], text)
        self.assertIn('Notes from the daemon:', text)
        note = [ln for ln in lines if ln.strip().startswith(f'run {second}:')]
        self.assertEqual(len(note), 1, text)
        self.assertIn('killed by the memory limit \\x1b]52;c;aGVsbG8=\\x07\\u009b', note[0])
        self.assertEqual([ln for ln in lines if ln.strip().startswith(f'run {first}:')], [],
                         'a run without a message has no note')
        self.assertNotIn('Notes from the daemon', self.out('runs', 'idle'))

        # show: the latest run of each job
        f = fields(self.ctl('show', 'used').out)
        self.assertEqual((f['Last CPU time'], f['Last memory peak'], f['Last containment']),
                         ('1.02 s', f'13.1{NBSP}MB', 'scope'))
        self.assertEqual(f['Last message'],
                         'killed by the memory limit \\x1b]52;c;aGVsbG8=\\x07\\u009b')
        f = fields(self.out('show', 'idle'))
        for label in ('Last CPU time', 'Last memory peak', 'Last containment', 'Last message'):
            self.assertNotIn(label, f, 'nothing to say, nothing shown')

    def test_run_wait_says_why(self):
        self.add('nope', '--', '/nonexistent/program')
        r = self.ctl('run', 'nope', '--wait')
        self.assertEqual(r.rc, 1, repr(r))
        run_id = self.run_id_of(r)
        message = self.bus.get_run(run_id)['message']
        self.assertIn('/nonexistent/program', message, 'a spawn error is the run\'s message')
        self.assertEqual(r.err, f'chronikerctl: run {run_id} of “nope”: failed-to-start: {message}\n')


class Escapes(c.CliTestCase):
    def assert_clean(self, data, what):
        for raw in (b'\x1b', b'\x07', b'\x9b', b'\x85', b'\xe2\x80\xae'):
            self.assertNotIn(raw, data, f'{what} wrote {raw!r}: {data!r}')

    def test_show_escapes_job_text(self):
        self.add('evil', '--description', EVIL_DESCRIPTION, '--env', EVIL_ENV,
                 '--', '/bin/echo', EVIL_ARG)
        self.assertEqual(self.show('evil')['description'], EVIL_DESCRIPTION,
                         'JSON carries the text exactly')
        r = self.ctl('show', 'evil', binary=True)
        self.assertEqual(r.rc, 0, repr(r))
        self.assert_clean(r.out, 'show')
        text = r.out.decode('utf-8')
        f = fields(text)
        self.assertEqual(f['Description'],
                         'backup \\x1b]52;c;aGVsbG8=\\x07 \\x1b[2J\\u009b31m red\\n'
                         'Command: /bin/fake \\u202eevil')
        self.assertEqual(f['Command'], "/bin/echo '\\x1b]0;title\\x07\\u009b2J'")
        self.assertEqual(f['Environment'], 'COLOR=\\x1b[31m\\u0085red')
        self.assertEqual(len([ln for ln in text.split('\n') if ln.startswith('Command:')]), 1,
                         'a newline in the description cannot add a line')
        # The same on a terminal
        rc, out = self.on_tty('show', 'evil')
        self.assertEqual(rc, 0, out)
        self.assert_clean(out, 'show on a terminal')
        self.assertIn(b'\\x1b]52;c;aGVsbG8=', out)
        # JSON escapes them too (JSON-GLib writes C1 and bidi controls raw)
        r = self.ctl('show', 'evil', '--json', binary=True)
        self.assert_clean(r.out, 'show --json')
        for args in (['list'], ['list', '--json'], ['export']):
            with self.subTest(args=args):
                r = self.ctl(*args, binary=True)
                self.assertEqual(r.rc, 0, repr(r))
                self.assert_clean(r.out, ' '.join(args))

    def test_list_runs_and_errors_escape_names(self):
        # Names may not hold C0 controls, but C1 controls are not refused
        name = 'c1\u009b2Jname'
        self.add(name, '--', '/bin/true')
        self.run_wait(name)
        for args in (['list'], ['runs'], ['show', name], ['runs', '--json'], ['list', '--json']):
            with self.subTest(args=args):
                r = self.ctl(*args, binary=True)
                self.assertEqual(r.rc, 0, repr(r))
                self.assert_clean(r.out, ' '.join(args))
                self.assertIn(b'c1\\u009b2Jname', r.out)
        # An error that quotes a name
        r = self.ctl('add', name, '--', '/bin/true', binary=True)
        self.assertEqual(r.rc, 1, repr(r))
        self.assert_clean(r.err, 'the error')
        self.assertIn(b'\\u009b', r.err)

    def test_other_controls_and_bytes(self):
        self.add('text', '--', '/bin/true')
        self.ok('edit', 'text', '--description', 'tab\there\rcr\x7fdel\x01one')
        f = fields(self.out('show', 'text'))
        self.assertEqual(f['Description'], 'tab\\there\\rcr\\x7fdel\\x01one')
        # Arguments that are not UTF-8 cannot go over D-Bus; they are refused, and
        # quoted escaped (a raw 0x9b byte is a CSI for 8-bit terminals).
        for args, rc in (([b'show', b'\xff\x9bname'], 1),
                         ([b'runs', b'\xff\x9bname'], 1),
                         ([b'add', b'\xff\x9bname', b'--', b'/bin/true'], 2),
                         ([b'add', b'x', b'--', b'/bin/echo', b'\xff\x9b'], 2),
                         ([b'settings', b'email-from', b'\xff\x9b'], 2),
                         ([b'preview', b'\xff\x9b'], 2)):
            with self.subTest(args=args):
                r = self.ctl(*args, binary=True)
                self.assertEqual(r.rc, rc, repr(r))
                self.assert_clean(r.out + r.err, ' '.join(map(repr, args)))
                self.assertTrue(r.err.startswith(b'chronikerctl: '), repr(r))
                self.assertIn(b'\\xff\\x9b', r.err, repr(r))
                self.assertNotIn(b'CRITICAL', r.err, repr(r))
        self.assertEqual([j['name'] for j in self.json('list', '--json')], ['text'])


if __name__ == '__main__':
    c.main()
