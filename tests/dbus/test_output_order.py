#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The order of stdout and stderr: chunks keep arrival order across the two
streams as finely as two pipes allow, and merge-stderr (one pipe) keeps it
exactly."""

import os
import signal

import chkharness as h

PYTHON = '/usr/bin/python3'

# A job that writes each of its lines only once the daemon has read the one
# before from its pipe (FIONREAD of the pipe is 0), and that can stop the
# daemon (its parent) around some writes, as a daemon busy elsewhere would
# be: "stop" and "cont" in the arguments.
WRITER = r'''
import fcntl, os, signal, struct, sys, termios, time
daemon = os.getppid()
with open(f'/proc/{daemon}/comm') as f:
    assert f.read().strip() == 'chronikerd', 'the parent is not chronikerd'

def pending(fd):
    return struct.unpack('i', fcntl.ioctl(fd, termios.FIONREAD, b'\0\0\0\0'))[0]

def drained(fd):
    deadline = time.monotonic() + 20
    while pending(fd) > 0:
        if time.monotonic() > deadline:
            sys.exit(f'the daemon did not read fd {fd}')
        time.sleep(0.001)

stopped = False
wait = True
try:
    for word in sys.argv[1:]:
        if word == 'stop':
            os.kill(daemon, signal.SIGSTOP)
            stopped, wait = True, False
        elif word == 'cont':
            os.kill(daemon, signal.SIGCONT)
            stopped, wait = False, True
        else:
            fd = 1 if word.startswith('out') else 2
            os.write(fd, word.encode() + b'\n')
            if wait:
                drained(fd)
finally:
    if stopped:
        os.kill(daemon, signal.SIGCONT)
'''


class Order(h.DaemonTestCase):
    def chunks(self, path, runs=1):
        """[(stream, data)] of each of `runs` runs, chunks of one stream in a
        row joined (their limits are the daemon's business)."""
        results = []
        for _ in range(runs):
            run_id, outcome, _ = self.run_and_wait(path)
            self.assertEqual(outcome, 'success', self.bus.output(run_id))
            chunks, _ = self.bus.read_all_output(run_id)
            joined = []
            for _seq, stream, _time, data in chunks:
                if joined and joined[-1][0] == stream:
                    joined[-1] = (stream, joined[-1][1] + data)
                else:
                    joined.append((stream, data))
            results.append(joined)
        return results

    def writer(self, name, *words):
        return self.make_job(name, command=[PYTHON, '-c', WRITER, *words])

    def test_each_write_read_before_the_next(self):
        # echo out-1; echo err-2 >&2; echo out-3, each read before the next
        path = self.writer('apart', 'out-1', 'err-2', 'out-3')
        for chunks in self.chunks(path, runs=3):
            self.assertEqual(chunks, [('stdout', b'out-1\n'), ('stderr', b'err-2\n'),
                                      ('stdout', b'out-3\n')])

    def test_the_stream_with_data_first_is_read_first(self):
        # Two lines written while the daemon does not read (stopped, as one
        # busy elsewhere): the stream that got data first is read first,
        # whichever of them the daemon read last.
        cases = {
            'after-err': ['out-1', 'err-2', 'stop', 'err-3', 'out-4', 'cont'],
            'after-err-2': ['out-1', 'err-2', 'stop', 'out-3', 'err-4', 'cont'],
            'after-out': ['err-1', 'out-2', 'stop', 'out-3', 'err-4', 'cont'],
            'after-out-2': ['err-1', 'out-2', 'stop', 'err-3', 'out-4', 'cont'],
        }
        for name, words in cases.items():
            path = self.writer(name, *words)
            lines = [w for w in words if w not in ('stop', 'cont')]
            expected = []
            for w in lines:
                stream = 'stdout' if w.startswith('out') else 'stderr'
                if expected and expected[-1][0] == stream:
                    expected[-1] = (stream, expected[-1][1] + w.encode() + b'\n')
                else:
                    expected.append((stream, w.encode() + b'\n'))
            for chunks in self.chunks(path, runs=2):
                self.assertEqual(chunks, expected, name)
        self.assert_daemon_alive()

    def test_merge_stderr_keeps_the_exact_order(self):
        # Written within microseconds, with no wait for the daemon: only one
        # pipe can keep this order, every time.
        script = 'echo out-1; echo err-2 >&2; echo out-3; printf err-4 >&2; echo; echo err-5 >&2'
        path = self.make_job('merged', shell=script, merge_stderr=True)
        self.assertIs(self.bus.prop(path, 'MergeStderr'), True)
        merged = b'out-1\nerr-2\nout-3\nerr-4\nerr-5\n'
        for chunks in self.chunks(path, runs=20):
            self.assertEqual(chunks, [('stdout', merged)])
        run = self.bus.get_run(self.bus.job_runs(path, 0, 1)[0]['id'])
        self.assertEqual((run['stdout-bytes'], run['stderr-bytes']), (len(merged), 0))

        # Off again: two pipes, stderr apart
        self.bus.update(path, {'merge-stderr': False})
        self.assertIs(self.bus.prop(path, 'MergeStderr'), False)
        for chunks in self.chunks(path):
            out = b''.join(data for stream, data in chunks if stream == 'stdout')
            err = b''.join(data for stream, data in chunks if stream == 'stderr')
            self.assertEqual((out, err), (b'out-1\nout-3\n\n', b'err-2\nerr-4err-5\n'))

    def test_merge_stderr_with_the_progress_pipe_and_failures(self):
        script = ('echo "1/2 half" >&$CHRONIKER_PROGRESS_FD; echo to-out; echo to-err >&2; '
                  'ls /nonexistent-chroniker-path; exit 3')
        path = self.make_job('merged-fail', command=['/bin/sh', '-c', script], merge_stderr=True)
        run_id, outcome, code = self.run_and_wait(path)
        self.assertEqual((outcome, code), ('failure', 3))
        out = self.bus.output(run_id)
        self.assertEqual(out['stderr'], b'')
        self.assertTrue(out['stdout'].startswith(b'to-out\nto-err\nls: '), out)
        self.assertIn(b'nonexistent-chroniker-path', out['stdout'])
        run = self.bus.get_run(run_id)
        self.assertEqual((run['progress-complete'], run['progress-total']), (1, 2))

        # A program that cannot start says so, as without merge-stderr
        path = self.make_job('merged-missing', command=['/nonexistent/program'],
                             merge_stderr=True)
        run_id, outcome, _ = self.run_and_wait(path)
        self.assertEqual(outcome, 'failed-to-start')
        self.assertIn(b'nonexistent', self.bus.output(run_id)['stderr'])

    def test_merge_stderr_key(self):
        path = self.make_job('plain')
        self.assertIs(self.bus.prop(path, 'MergeStderr'), False, 'off by default')
        with self.assert_error('InvalidArgument', 'merge-stderr'):
            self.make_job('wrong-type', merge_stderr=h.GLib.Variant('s', 'yes'))
        # Kept across a restart of the daemon
        self.bus.update(path, {'merge-stderr': True})
        self.restart_daemon()
        self.assertIs(self.bus.prop(self.bus.get_job_by_name('plain'), 'MergeStderr'), True)

    def tearDown(self):
        # Never leave a stopped daemon behind, whatever a job did.
        for d in self.daemons:
            if d.alive():
                os.kill(d.pid, signal.SIGCONT)
        super().tearDown()


if __name__ == '__main__':
    h.main()
