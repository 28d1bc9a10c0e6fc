#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""chronikerctl: log (streams, binary, truncated, --follow), progress and clean."""

import os
import subprocess
import time

import cliharness as c
from cliharness import read_until_eof

PROGRESS_OUTSIDE = ('chronikerctl: progress only works inside a Chroniker job '
                    '(CHRONIKER_PROGRESS_FD is not set)')


class Log(c.CliTestCase):
    def test_streams(self):
        self.add('both', '--', '/bin/sh', '-c',
                 'echo out1; echo err1 >&2; echo out2; echo "run $CHRONIKER_RUN_ID"')
        first, _ = self.run_wait('both')
        second, _ = self.run_wait('both')
        for ref, run_id in ((str(first), first), ('both', second)):
            with self.subTest(ref=ref):
                r = self.ctl('log', ref, binary=True)
                self.assertEqual(r.rc, 0, repr(r))
                self.assertEqual(r.out, f'out1\nout2\nrun {run_id}\n'.encode())
                self.assertEqual(r.err, b'err1\n')
                r = self.ctl('log', ref, '--stream', 'stderr', binary=True)
                self.assertEqual((r.rc, r.out), (0, b'err1\n'), repr(r))
                r = self.ctl('log', ref, '--stream', 'stdout', binary=True)
                self.assertEqual((r.rc, r.out, r.err), (0, f'out1\nout2\nrun {run_id}\n'.encode(), b''),
                                 repr(r))

    def test_empty_output(self):
        self.add('quiet', '--', '/bin/true')
        run_id, _ = self.run_wait('quiet')
        r = self.ctl('log', str(run_id), binary=True)
        self.assertEqual((r.rc, r.out, r.err), (0, b'', b''), repr(r))

    def test_binary_output_byte_for_byte(self):
        # More than a page of ReadRunOutput, and every byte value
        data = os.urandom(1536 * 1024) + bytes(range(256)) + b'\0\r\n\x1b[31m'
        blob = self.write('blob.bin', data)
        self.add('cat', '--', '/bin/cat', blob)
        self.add('cat-err', '--', '/bin/sh', '-c', 'cat "$1" >&2', 'sh', blob)
        run_id, _ = self.run_wait('cat')
        # --raw: escapes too, as the bytes they are (a pipe otherwise gets them stripped)
        r = self.ctl('log', str(run_id), '--raw', binary=True)
        self.assertEqual(r.rc, 0, repr(r)[:2000])
        self.assertEqual(len(r.out), len(data))
        self.assertTrue(r.out == data, 'log RUN_ID reproduces the binary output exactly')
        self.assertEqual(r.err, b'')
        run_id, _ = self.run_wait('cat-err')
        r = self.ctl('log', str(run_id), '--stream', 'stderr', '--raw', binary=True)
        self.assertEqual(r.rc, 0)
        self.assertTrue(r.out == data, '--stream stderr reproduces the bytes exactly on stdout')
        r = self.ctl('log', str(run_id), '--raw', binary=True)
        self.assertEqual((r.rc, r.out), (0, b''))
        self.assertTrue(r.err == data, 'log writes the stderr bytes to stderr exactly')

    def test_truncated_output_note(self):
        # Storing goes by chunks, so write well past the limit plus a chunk or two
        self.add('chatty', '--max-output', '4K', '--', '/bin/sh', '-c',
                 'echo first; head -c 3000000 /dev/zero | tr "\\000" x; echo; echo last')
        run_id, _ = self.run_wait('chatty')
        run = self.json('runs', 'chatty', '--json')[0]
        self.assertTrue(run['truncated'])
        r = self.ctl('log', str(run_id), binary=True)
        self.assertEqual(r.rc, 0, repr(r))
        self.assertTrue(r.out.startswith(b'first\n'), r.out[:100])
        self.assertTrue(r.out.endswith(b'last\n'), r.out[-100:])
        self.assertLess(len(r.out), run['stdout-bytes'])
        self.assertNotEqual(r.err.strip(), b'', 'a note on stderr marks what was dropped')


class Follow(c.CliTestCase):
    def follow(self, ref, run_id, expected):
        """log --follow REF: its first line arrives while the run still runs,
        and it ends by itself when the run ends."""
        p = self.popen('log', ref, '--follow')
        seen = []

        def on_chunk(data):
            if not seen:
                seen.append(self.bus.get_run(run_id)['outcome'])
        chunks = read_until_eof(p.stdout.fileno(), 30, on_chunk)
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            raise AssertionError('log --follow did not exit after the run ended') from None
        err = p.stderr.read()
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual(b''.join(d for _, d in chunks), expected)
        self.assertEqual(seen, ['running'], 'output arrives while the run is still running')
        self.assertGreater(len(chunks), 1, 'output arrives in pieces, as it is written')
        self.assertNotEqual(self.bus.get_run(run_id)['outcome'], 'running')
        return chunks

    def test_follow_live_run(self):
        self.add('ticker', '--', '/bin/sh', '-c',
                 'i=1; while [ $i -le 10 ]; do echo "tick $i"; sleep 0.2; i=$((i+1)); done')
        run_id = self.run_nowait('ticker')
        expected = b''.join(f'tick {i}\n'.encode() for i in range(1, 11))
        chunks = self.follow(str(run_id), run_id, expected)
        self.assertGreater(chunks[-1][0] - chunks[0][0], 0.5,
                           'lines arrive over the run, not all at its end')
        self.assertEqual(self.bus.wait_run_finished(run_id), ('success', 0))

    def test_follow_by_job_name_and_stream(self):
        self.add('ticker2', '--', '/bin/sh', '-c',
                 'i=1; while [ $i -le 8 ]; do echo "out $i"; echo "err $i" >&2; sleep 0.2; '
                 'i=$((i+1)); done; exit 4')
        run_id = self.run_nowait('ticker2')
        p = self.popen('log', 'ticker2', '--follow', '--stream', 'stderr')
        chunks = read_until_eof(p.stdout.fileno(), 30)
        p.wait(15)
        self.assertEqual(b''.join(d for _, d in chunks),
                         b''.join(f'err {i}\n'.encode() for i in range(1, 9)))
        self.assertEqual(self.bus.wait_run_finished(run_id), ('failure', 4))

    def test_follow_finished_run(self):
        self.add('done', '--', '/bin/echo', 'over')
        run_id, _ = self.run_wait('done')
        r = self.ok('log', str(run_id), '--follow', timeout=15)
        self.assertEqual(r.out, 'over\n')


class Progress(c.CliTestCase):
    def test_progress_from_a_job(self):
        step = self.path_file('step2')
        done = self.path_file('done')
        path = self.add('copier', '--env', f'CTL={self.chronikerctl}', '--', '/bin/sh', '-c',
                        '"$CTL" progress 3 10 copying || exit 9; '
                        f'n=0; while [ ! -e {step} ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n+1)); done; '
                        '"$CTL" progress 50% || exit 8; '
                        f'n=0; while [ ! -e {done} ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n+1)); done')
        run_id = self.run_nowait('copier')
        obj = self.wait_show('copier', lambda o: o['progress-total'] == 10,
                             what='progress 3/10 in show --json')
        self.assertEqual((obj['progress-complete'], obj['progress-total'], obj['progress-message']),
                         (3, 10, 'copying'))
        self.assertTrue(obj['running'])
        self.assertIn('3/10', self.out('list'))
        run = self.json('runs', 'copier', '--json')[0]
        self.assertEqual((run['progress-complete'], run['progress-total'], run['progress-message']),
                         (3, 10, 'copying'))
        self.write('step2', '')
        obj = self.wait_show('copier', lambda o: o['progress-total'] == 100,
                             what='progress 50% in show --json')
        self.assertEqual(obj['progress-complete'], 50)
        self.write('done', '')
        self.assertEqual(self.bus.wait_run_finished(run_id), ('success', 0),
                         'chronikerctl progress exited 0 inside the job')
        self.assertEqual(self.bus.prop(path, 'LastOutcome'), 'success')

    def test_progress_outside_a_job(self):
        r = self.ctl('progress', '3', '10', 'copying', unset=['CHRONIKER_PROGRESS_FD'])
        self.assertEqual(r.rc, 1, repr(r))
        self.assertEqual(r.err.strip(), PROGRESS_OUTSIDE)

    def test_progress_bad_fd(self):
        self.runtime_error('progress', '1', '2', env={'CHRONIKER_PROGRESS_FD': '999'})
        self.runtime_error('progress', '1', '2', env={'CHRONIKER_PROGRESS_FD': 'abc'})

    def ctl_progress(self, *args):
        """`progress ARGS` with a pipe as its CHRONIKER_PROGRESS_FD: returns the
        result and what it wrote to the pipe."""
        r_fd, w_fd = os.pipe()
        try:
            r = self.ctl('progress', *args, env={'CHRONIKER_PROGRESS_FD': str(w_fd)},
                         pass_fds=(w_fd,))
            os.close(w_fd)
            w_fd = -1
            with os.fdopen(r_fd, 'rb') as f:
                r_fd = -1
                return r, f.read()
        finally:
            for fd in (r_fd, w_fd):
                if fd >= 0:
                    os.close(fd)

    def test_progress_writes_the_line(self):
        for args, line in ((['3', '10', 'copying'], b'3/10 copying\n'),
                           (['0', '5'], b'0/5\n'),
                           (['50%'], b'50%\n'),
                           (['50%', 'half way'], b'50% half way\n')):
            with self.subTest(args=args):
                r, written = self.ctl_progress(*args)
                self.assertEqual(r.rc, 0, repr(r))
                self.assertEqual(written, line)

    def test_progress_malformed_exit_2(self):
        for args in (['11', '10'], ['abc', '10'], ['3'], ['3', '0'], ['150%'], ['-1', '10'],
                     ['3', 'ten'], []):
            with self.subTest(args=args):
                r, written = self.ctl_progress(*args)
                self.assertEqual(r.rc, 2, repr(r))
                self.assertTrue(r.err.startswith('chronikerctl: '), repr(r))
                self.assertEqual(written, b'', 'nothing written for a malformed progress')


class Clean(c.CliTestCase):
    def test_clean_older_than(self):
        self.add('a', '--', '/bin/true')
        self.add('b', '--', '/bin/false')
        self.run_wait('a')
        self.run_wait('b', rc=1)
        self.run_wait('a')
        self.assertEqual(len(self.json('runs', '--json')), 3)
        r = self.ok('clean', '--older-than', '1h')
        self.assertRegex(r.out.strip(), r'^Deleted 0 runs?$')
        self.assertEqual(len(self.json('runs', '--json')), 3)
        time.sleep(1.5)
        r = self.ok('clean', '--older-than', '1s')
        self.assertEqual(r.out.strip(), 'Deleted 3 runs')
        self.assertEqual(self.json('runs', '--json'), [])
        self.assertEqual(self.bus.list_runs(), [])
        self.runtime_error('log', 'a')


if __name__ == '__main__':
    c.main()
