#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""chronikerctl: run (with and without --wait), stop, runs and exact argv."""

import os
import subprocess

import cliharness as c

# Arguments that a shell or a sloppy client would mangle.
AWKWARD = ['a b', '"double"', "it's", '', '$HOME', '--flag', '-x', '  lead and trail  ',
           'back\\slash', '*', 'üñï', 'semi;colon', '$(echo no)']


class Argv(c.CliTestCase):
    def test_argv_kept_exactly(self):
        self.add('argv', '--', '/usr/bin/printf', '%s\\n', *AWKWARD)
        obj = self.show('argv')
        self.assertEqual(obj['command'], ['/usr/bin/printf', '%s\\n'] + AWKWARD)
        self.assertEqual(self.bus.prop(self.bus.get_job_by_name('argv'), 'Command'),
                         ['/usr/bin/printf', '%s\\n'] + AWKWARD)
        run_id, _ = self.run_wait('argv')
        expected = ''.join(a + '\n' for a in AWKWARD).encode()
        r = self.ctl('log', str(run_id), binary=True)
        self.assertEqual(r.rc, 0, repr(r))
        self.assertEqual(r.out, expected)
        r = self.ctl('log', 'argv', binary=True)
        self.assertEqual((r.rc, r.out), (0, expected), 'log JOB shows its latest run')

    def test_argv_of_a_script(self):
        script = self.write('args.sh', '#!/bin/sh\nfor a in "$@"; do printf "[%s]\\n" "$a"; done\n')
        os.chmod(script, 0o755)
        self.add('script', '--', script, '--', 'x y', '')
        run_id, _ = self.run_wait('script')
        self.assertEqual(self.out('log', str(run_id)), '[--]\n[x y]\n[]\n')

    def test_shell_pipeline(self):
        self.add('pipe', '--shell', 'echo "a b" | tr a-z A-Z')
        run_id, _ = self.run_wait('pipe')
        self.assertEqual(self.out('log', str(run_id)), 'A B\n')


class Run(c.CliTestCase):
    def test_run_prints_run_id(self):
        path = self.add('quick', '--', '/bin/sh', '-c', 'sleep 0.3; echo done')
        r = self.ok('run', 'quick')
        run_id = self.run_id_of(r)
        self.assertEqual(r.out.strip(), str(run_id), 'run prints only the run id')
        self.assertEqual(self.bus.wait_run_finished(run_id), ('success', 0))
        self.assertEqual(self.bus.get_run(run_id)['job'], path)
        self.assertEqual(self.bus.get_run(run_id)['trigger'], 'manual')

    def test_run_by_id_and_disabled(self):
        self.add('off', '--disabled', '--', '/bin/true')
        job_id = self.show('off')['id']
        run_id, r = self.run_wait(str(job_id))
        self.assertEqual(self.bus.get_run(run_id)['outcome'], 'success',
                         'run runs a disabled job too')

    def test_run_while_running_fails(self):
        path = self.add('busy', '--', 'sleep', '30')
        run_id = self.run_nowait('busy')
        self.bus.wait_prop(path, 'Running', True)
        self.runtime_error('run', 'busy')
        self.ok('stop', 'busy')
        self.assertEqual(self.bus.wait_run_finished(run_id)[0], 'stopped')

    def test_wait_exit_status(self):
        self.add('good', '--', '/bin/sh', '-c', 'echo fine')
        self.add('bad', '--', '/bin/sh', '-c', 'echo oops >&2; exit 3')
        self.add('worse', '--', '/bin/sh', '-c', 'exit 200')
        self.add('slow', '--timeout', '1', '--', 'sleep', '30')
        self.add('missing', '--', '/nonexistent/program')
        self.add('killed', '--', '/bin/sh', '-c', 'kill -KILL $$')
        with self.subTest('success'):
            run_id, r = self.run_wait('good', rc=0)
            self.assertEqual(self.bus.get_run(run_id)['outcome'], 'success')
        with self.subTest('failure exit 3'):
            run_id, r = self.run_wait('bad', rc=3)
            self.assertIn('fail', r.err.lower(), f'a line on stderr says the outcome: {r!r}')
        with self.subTest('failure exit 200'):
            self.run_wait('worse', rc=200)
        with self.subTest('timeout'):
            run_id, r = self.run_wait('slow', rc=1)
            self.assertIn('timeout', r.err.lower().replace('timed out', 'timeout'),
                          f'a line on stderr says the outcome: {r!r}')
            self.assertEqual(self.bus.get_run(run_id)['outcome'], 'timeout')
        with self.subTest('killed by a signal'):
            run_id, r = self.run_wait('killed', rc=1)
            self.assertEqual(self.bus.get_run(run_id)['signal'], 9)
        with self.subTest('failed-to-start'):
            run_id, r = self.run_wait('missing', rc=1)
            self.assertEqual(self.bus.get_run(run_id)['outcome'], 'failed-to-start')
            self.assertNotEqual(r.err.strip(), '')

    def test_wait_for_a_stopped_run(self):
        path = self.add('long', '--', 'sleep', '30')
        p = self.popen('run', 'long', '--wait')
        self.bus.wait_prop(path, 'Running', True)
        self.ok('stop', 'long')
        try:
            out, err = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            raise AssertionError('run --wait did not end after the run was stopped') from None
        self.assertEqual(p.returncode, 1, f'stdout {out!r} stderr {err!r}')
        self.assertIn('stop', err.decode().lower())
        self.assertRegex(out.decode(), r'^\d+\n')


class Stop(c.CliTestCase):
    def test_stop_long_run(self):
        path = self.add('sleeper', '--', 'sleep', '60')
        run_id = self.run_nowait('sleeper')
        self.bus.wait_prop(path, 'Running', True)
        obj = self.show('sleeper')
        self.assertTrue(obj['running'])
        self.assertEqual(obj['current-run'], run_id)
        self.assertIn('running', self.out('list'))
        self.ok('stop', 'sleeper')
        self.assertEqual(self.bus.wait_run_finished(run_id)[0], 'stopped')
        runs = self.json('runs', 'sleeper', '--json')
        self.assertEqual([(x['id'], x['outcome']) for x in runs], [(run_id, 'stopped')])
        text = self.out('runs')
        line = [ln for ln in text.split('\n') if ln.split()[:1] == [str(run_id)]]
        self.assertEqual(len(line), 1, f'one line starts with the run id: {text}')
        self.assertIn('stopped', line[0])
        self.assertIn('sleeper', line[0])
        self.runtime_error('stop', 'sleeper')


class Runs(c.CliTestCase):
    def test_runs_filters_and_json(self):
        self.add('ok', '--', '/bin/sh', '-c', 'echo out; echo err >&2')
        self.add('bad', '--', '/bin/sh', '-c', 'exit 3')
        ids = {'ok': [], 'bad': []}
        for name, rc in (('ok', 0), ('bad', 3), ('ok', 0), ('bad', 3), ('ok', 0)):
            ids[name].append(self.run_wait(name, rc=rc)[0])
        all_ids = sorted(ids['ok'] + ids['bad'], reverse=True)

        runs = self.json('runs', '--json')
        self.assertIsInstance(runs, list)
        self.assertEqual([r['id'] for r in runs], all_ids, 'newest first')
        for run in runs:
            self.assert_run_json(run)
            self.assert_run_matches_bus(run)
        good = [r for r in runs if r['job-name'] == 'ok'][0]
        self.assertEqual((good['outcome'], good['exit-code'], good['trigger'], good['stdout-bytes'],
                          good['stderr-bytes'], good['truncated']),
                         ('success', 0, 'manual', 4, 4, False))

        runs = self.json('runs', 'ok', '--limit', '2', '--json')
        self.assertEqual([r['id'] for r in runs], sorted(ids['ok'], reverse=True)[:2])
        job_id = self.show('bad')['id']
        runs = self.json('runs', str(job_id), '--json')
        self.assertEqual([r['id'] for r in runs], sorted(ids['bad'], reverse=True),
                         'runs JOB_ID lists that job\'s runs')
        runs = self.json('runs', '--outcome', 'failure', '--json')
        self.assertEqual([r['id'] for r in runs], sorted(ids['bad'], reverse=True))
        self.assertEqual({(r['outcome'], r['exit-code']) for r in runs}, {('failure', 3)})
        runs = self.json('runs', 'bad', '--outcome', 'success', '--json')
        self.assertEqual(runs, [])
        runs = self.json('runs', '--limit', '1', '--json')
        self.assertEqual([r['id'] for r in runs], all_ids[:1])

        text = self.out('runs')
        for run_id in all_ids:
            self.assertIn(str(run_id), text)
        self.assertIn('success', text)
        self.assertIn('failure', text)
        lines = [ln.split() for ln in self.out('runs', 'bad').split('\n') if ln.strip()]
        self.assertEqual([ln[0] for ln in lines if 'bad' in ln],
                         [str(i) for i in sorted(ids['bad'], reverse=True)], lines)
        self.assertFalse([ln for ln in lines if 'ok' in ln], lines)
        lines = [ln.split() for ln in self.out('runs', '--limit', '1').split('\n') if ln.strip()]
        data = [ln for ln in lines if 'ok' in ln or 'bad' in ln]
        self.assertEqual(len(data), 1, lines)
        self.assertEqual(data[0][0], str(all_ids[0]), 'the RUN column comes first')

    def test_runs_of_a_running_job(self):
        path = self.add('live', '--', 'sleep', '30')
        run_id = self.run_nowait('live')
        self.bus.wait_prop(path, 'Running', True)
        runs = self.json('runs', 'live', '--json')
        self.assertEqual(len(runs), 1)
        self.assert_run_json(runs[0])
        self.assertEqual((runs[0]['id'], runs[0]['outcome']), (run_id, 'running'))
        self.assertIsNone(runs[0]['finished'])
        self.assertIsNone(runs[0]['duration'])
        self.assertGreater(runs[0]['pid'], 1)
        self.ok('stop', 'live')
        self.bus.wait_run_finished(run_id)


if __name__ == '__main__':
    c.main()
