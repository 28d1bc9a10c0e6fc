#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs of real processes through chronikerd: outcomes, output, stopping, process
groups, progress and the environment of a job."""

import os
import time

import chkharness as h
from chkharness import MANAGER_PATH, SCHEDULER_IFACE, USEC

PYTHON = '/usr/bin/python3'


class Outcomes(h.DaemonTestCase):
    def test_success(self):
        path = self.make_job('ok', command=['/bin/sh', '-c', 'sleep 0.2; echo hello'])
        mark = self.bus.mark()
        run_id = self.bus.run(path)
        started = self.bus.wait_signal('RunStarted', lambda e: e.args[1] == run_id, since=mark)
        self.assertEqual(started.args, (path, run_id, 'manual'))
        self.assertEqual(self.bus.wait_run_finished(run_id), ('success', 0))
        finished = self.bus.find('RunFinished', lambda e: e.args[1] == run_id)[0]
        self.assertEqual(finished.args[0], path)
        run = self.bus.get_run(run_id)
        self.assertEqual((run['outcome'], run['exit-code'], run['signal']), ('success', 0, 0))
        self.assertEqual(self.bus.output(run_id), {'stdout': b'hello\n', 'stderr': b''})
        p = self.bus.props(path)
        self.assertEqual(p['LastOutcome'], 'success')
        self.assertEqual(p['LastExitCode'], 0)
        self.assertEqual(p['LastRunStarted'], run['started'])
        self.assertEqual(p['LastRunFinished'], run['finished'])
        self.assertFalse(p['Running'])
        self.assertEqual(p['CurrentRun'], 0)
        # The job was seen running, with its run
        self.assertIn(True, self.bus.prop_changes(path, 'Running', mark))
        self.assertIn(run_id, self.bus.prop_changes(path, 'CurrentRun', mark))
        self.bus.wait_signal('PropertiesChanged', lambda e: e.args[1].get('LastOutcome') == 'success',
                             since=mark, path=path, what='PropertiesChanged LastOutcome success')

    def test_failure_exit_code(self):
        path = self.make_job('fails', command=['/bin/sh', '-c', 'echo oops >&2; exit 3'])
        run_id, outcome, code = self.run_and_wait(path)
        self.assertEqual((outcome, code), ('failure', 3))
        self.assertEqual(self.bus.wait_prop(path, 'LastOutcome', 'failure'), 'failure')
        self.assertEqual(self.bus.prop(path, 'LastExitCode'), 3)
        run = self.bus.get_run(run_id)
        self.assertEqual((run['outcome'], run['exit-code']), ('failure', 3))
        self.assertEqual(self.bus.output(run_id)['stderr'], b'oops\n')

    def test_killed_by_own_signal_is_failure(self):
        path = self.make_job('suicide', command=['/bin/sh', '-c', 'sleep 0.1; kill -KILL $$'])
        run_id, outcome, code = self.run_and_wait(path)
        self.assertEqual((outcome, code), ('failure', -1))
        run = self.bus.get_run(run_id)
        self.assertEqual(run['signal'], 9)
        self.assertEqual(self.bus.prop(path, 'LastOutcome'), 'failure')

    def test_timeout(self):
        path = self.make_job('slow', command=['sleep', '30'], timeout=1)
        start = time.monotonic()
        run_id, outcome, code = self.run_and_wait(path, timeout=20)
        elapsed = time.monotonic() - start
        self.assertEqual(outcome, 'timeout')
        self.assertEqual(code, -1)
        self.assertGreaterEqual(elapsed, 0.9)
        self.assertLess(elapsed, 15, 'a 1 s timeout ends the run well before the command would')
        run = self.bus.get_run(run_id)
        self.assertEqual(run['outcome'], 'timeout')
        self.assertGreaterEqual(run['finished'] - run['started'], 900000)
        self.assertEqual(self.bus.prop(path, 'LastOutcome'), 'timeout')
        self.wait_gone(run['pid'])

    def test_stop(self):
        path = self.make_job('stoppable', command=['sleep', '30'])
        run_id = self.bus.run(path)
        self.bus.wait_prop(path, 'Running', True)
        self.assertEqual(self.bus.prop(path, 'CurrentRun'), run_id)
        pid = self.wait_run_pid(run_id)
        self.assertFalse(h.process_gone(pid))
        start = time.monotonic()
        self.bus.stop(path)
        self.assertEqual(self.bus.wait_run_finished(run_id), ('stopped', -1))
        self.assertLess(time.monotonic() - start, 10)
        self.assertEqual(self.bus.get_run(run_id)['outcome'], 'stopped')
        self.assertEqual(self.bus.wait_prop(path, 'Running', False), False)
        self.assertEqual(self.bus.prop(path, 'LastOutcome'), 'stopped')
        self.wait_gone(pid)
        with self.assert_error('NotRunning'):
            self.bus.stop(path)

    def test_stop_escalates_to_sigkill(self):
        # The shell and its sleep ignore SIGTERM: only the SIGKILL after the
        # grace period (300 ms here) ends them.
        path = self.make_job('stubborn', command=['/bin/sh', '-c',
                                                  'trap "" TERM; echo ready; sleep 60; echo late'])
        run_id = self.bus.run(path)
        self.bus.wait_signal('OutputAvailable', lambda e: e.args[0] == run_id)
        start = time.monotonic()
        self.bus.stop(path)
        self.assertEqual(self.bus.wait_run_finished(run_id, timeout=20)[0], 'stopped')
        self.assertLess(time.monotonic() - start, 10)
        run = self.bus.get_run(run_id)
        self.assertEqual(run['signal'], 9)
        self.assertEqual(self.bus.output(run_id)['stdout'], b'ready\n')
        self.wait_gone(run['pid'])

    def test_failed_to_start(self):
        path = self.make_job('missing', command=['/nonexistent/prog', 'arg'])
        run_id, outcome, code = self.run_and_wait(path)
        self.assertEqual((outcome, code), ('failed-to-start', -1))
        run = self.bus.get_run(run_id)
        self.assertEqual(run['outcome'], 'failed-to-start')
        out = self.bus.output(run_id)
        self.assertEqual(out['stdout'], b'')
        self.assertTrue(b'/nonexistent/prog' in out['stderr'] or b'No such file' in out['stderr'],
                        out['stderr'])
        # The daemon's note on the run says the same
        self.assertIn('No such file', run['message'])
        self.assertEqual(self.bus.prop(path, 'LastOutcome'), 'failed-to-start')
        self.assertFalse(self.bus.prop(path, 'Running'))
        # It can run again (and fail again) right away
        run2, outcome, _ = self.run_and_wait(path)
        self.assertNotEqual(run2, run_id)
        self.assertEqual(outcome, 'failed-to-start')
        self.assert_daemon_alive()

    def test_bad_working_directory_fails_to_start(self):
        path = self.make_job('nowhere', command=['/bin/true'],
                             working_directory=self.path_file('no-such-dir'))
        run_id, outcome, _ = self.run_and_wait(path)
        self.assertEqual(outcome, 'failed-to-start')
        self.assertNotEqual(self.bus.output(run_id)['stderr'], b'')
        self.assert_daemon_alive()

    def test_already_running_and_not_running(self):
        path = self.make_job('once', command=['sleep', '30'])
        with self.assert_error('NotRunning'):
            self.bus.stop(path)
        run_id = self.bus.run(path)
        with self.assert_error('AlreadyRunning'):
            self.bus.run(path)
        self.assertEqual(self.bus.prop(path, 'CurrentRun'), run_id)
        self.bus.stop(path)
        self.assertEqual(self.bus.wait_run_finished(run_id)[0], 'stopped')
        self.assertEqual(len(self.bus.job_runs(path)), 1, 'the refused Run made no run')

    def test_disabled_job_runs_when_asked(self):
        path = self.make_job('off', command=['/bin/sh', '-c', 'exit 0'], enabled=False,
                             schedule='@daily')
        self.assertEqual(self.bus.prop(path, 'NextRun'), 0)
        _, outcome, _ = self.run_and_wait(path)
        self.assertEqual(outcome, 'success')
        self.assertEqual(self.bus.prop(path, 'NextRun'), 0)

    def test_running_count_and_running(self):
        a = self.make_job('a', command=['sleep', '30'])
        b = self.make_job('b', command=['sleep', '30'])
        self.assertEqual(self.bus.prop(MANAGER_PATH, 'RunningCount', SCHEDULER_IFACE), 0)
        run_a = self.bus.run(a)
        self.bus.wait_prop(MANAGER_PATH, 'RunningCount', 1, iface=SCHEDULER_IFACE)
        run_b = self.bus.run(b)
        self.bus.wait_prop(MANAGER_PATH, 'RunningCount', 2, iface=SCHEDULER_IFACE)
        self.assertTrue(self.bus.prop(a, 'Running'))
        self.assertEqual(self.bus.prop(b, 'CurrentRun'), run_b)
        self.assertEqual(self.bus.get_run(run_a)['outcome'], 'running')
        self.assertEqual(self.bus.get_run(run_a)['finished'], 0)
        self.assertEqual([r['id'] for r in self.bus.list_runs({'outcome': 'running'})],
                         [run_b, run_a])
        self.bus.stop(a)
        self.bus.wait_run_finished(run_a)
        self.bus.wait_prop(MANAGER_PATH, 'RunningCount', 1, iface=SCHEDULER_IFACE)
        self.bus.stop(b)
        self.bus.wait_run_finished(run_b)
        self.bus.wait_prop(MANAGER_PATH, 'RunningCount', 0, iface=SCHEDULER_IFACE)

    def test_delete_running_job(self):
        pidfile = self.path_file('bg.pid')
        path = self.make_job('deleted-while-running',
                             command=['/bin/sh', '-c', f'sleep 300 & echo $! > {pidfile}; wait'])
        run_id = self.bus.run(path)
        pid = int(self.wait_file(pidfile))
        shell = self.wait_run_pid(run_id)
        mark = self.bus.mark()
        self.bus.delete(path)
        self.bus.wait_signal('InterfacesRemoved', lambda e: e.args[0] == path, since=mark)
        self.bus.wait_prop(MANAGER_PATH, 'RunningCount', 0, iface=SCHEDULER_IFACE)
        self.wait_gone(pid)
        self.wait_gone(shell)
        with self.assert_error('NotFound'):
            self.bus.get_run(run_id)
        self.assert_daemon_alive()


class Output(h.DaemonTestCase):
    def test_binary_output_byte_for_byte(self):
        data = os.urandom(3 * 1024 * 1024)
        blob = self.path_file('random.bin')
        with open(blob, 'wb') as f:
            f.write(data)
        path = self.make_job('cat', command=['cat', blob], max_output_bytes=8 * 1024 * 1024)
        run_id, outcome, _ = self.run_and_wait(path, timeout=60)
        self.assertEqual(outcome, 'success')
        run = self.bus.get_run(run_id)
        self.assertEqual(run['stdout-bytes'], len(data))
        self.assertEqual(run['stderr-bytes'], 0)
        self.assertFalse(run['truncated'])

        pages, after, got = 0, 0, []
        while True:
            chunks, finished = self.bus.read_output(run_id, after, 256 * 1024)
            if not chunks:
                break
            pages += 1
            self.assertTrue(finished)
            size = sum(len(c[3]) for c in chunks)
            biggest = max(len(c[3]) for c in chunks)
            self.assertLessEqual(size, 256 * 1024 + biggest, 'a page is about max_bytes')
            for seq, stream, when, payload in chunks:
                self.assertGreater(seq, after)
                self.assertEqual(stream, 'stdout')
                self.assertGreaterEqual(when, run['started'] - USEC)
                got.append(payload)
                after = seq
        self.assertGreaterEqual(pages, 12, '3 MiB in pages of 256 KiB')
        stored = b''.join(got)
        self.assertEqual(len(stored), len(data))
        self.assertTrue(stored == data, 'the output differs from what the job wrote')

    def test_streams_apart_and_exact(self):
        script = ("printf 'out-1\\n'; sleep 0.1; printf 'err-1\\n' >&2; sleep 0.1; "
                  "printf 'out-2'; printf '\\000\\377\\300' >&2; sleep 0.1; printf 'no newline'")
        path = self.make_job('streams', command=['/bin/sh', '-c', script])
        run_id, outcome, _ = self.run_and_wait(path)
        self.assertEqual(outcome, 'success')
        chunks, finished = self.bus.read_all_output(run_id)
        self.assertTrue(finished)
        out = self.bus.output(run_id)
        self.assertEqual(out['stdout'], b'out-1\nout-2no newline')
        self.assertEqual(out['stderr'], b'err-1\n\x00\xff\xc0')
        run = self.bus.get_run(run_id)
        self.assertEqual(run['stdout-bytes'], len(out['stdout']))
        self.assertEqual(run['stderr-bytes'], len(out['stderr']))
        # Arrival order: the first stdout line came before the first stderr line
        streams = [c[1] for c in chunks]
        self.assertEqual(streams[0], 'stdout')
        self.assertEqual(set(streams), {'stdout', 'stderr'})
        times = [c[2] for c in chunks]
        self.assertEqual(times, sorted(times))
        # Paging from the middle gives the rest
        rest, _ = self.bus.read_output(run_id, chunks[0][0], 0)
        self.assertEqual([c[0] for c in rest], [c[0] for c in chunks[1:]])
        empty, finished = self.bus.read_output(run_id, chunks[-1][0], 0)
        self.assertEqual((empty, finished), ([], True))

    def test_empty_output(self):
        path = self.make_job('quiet', command=['/bin/sh', '-c', 'exit 0'])
        run_id, _, _ = self.run_and_wait(path)
        self.assertEqual(self.bus.read_output(run_id, 0, 0), ([], True))

    def test_endless_output_truncated(self):
        limit = 65536
        path = self.make_job('yes', command=['yes'], max_output_bytes=limit, timeout=2)
        run_id, outcome, _ = self.run_and_wait(path, timeout=30)
        self.assertEqual(outcome, 'timeout')
        run = self.bus.get_run(run_id)
        self.assertTrue(run['truncated'])
        chunks, finished = self.bus.read_all_output(run_id)
        self.assertTrue(finished)
        stored = sum(len(c[3]) for c in chunks)
        self.assertLess(stored, limit + 256 * 1024, 'stored output is bounded by max-output-bytes')
        self.assertGreater(stored, 0)
        self.assertGreater(run['stdout-bytes'], 4 * (limit + 256 * 1024),
                           'stdout-bytes counts everything the job wrote')
        self.assertGreater(run['stdout-bytes'], stored)
        head = b''.join(c[3] for c in chunks)[:1000]
        self.assertEqual(head, b'y\n' * 500, 'the head is kept')
        self.assert_daemon_alive()

    def test_output_available_while_running(self):
        script = 'i=0; while [ $i -lt 30 ]; do echo "line $i"; i=$((i+1)); sleep 0.1; done'
        path = self.make_job('slow-printer', command=['/bin/sh', '-c', script])
        run_id = self.bus.run(path)
        first = self.bus.wait_signal('OutputAvailable', lambda e: e.args[0] == run_id)
        self.assertFalse(self.bus.find('RunFinished', lambda e: e.args[1] == run_id),
                         'output is announced while the run is under way')

        # Follow it live, as a client would: read after the last seen seq on each signal
        seen, after, live_reads = b'', 0, 0
        handled = 0
        window_end = first.time + 2.0

        def follow():
            nonlocal seen, after, handled, live_reads
            events = self.bus.find('OutputAvailable', lambda e: e.args[0] == run_id)
            for e in events[handled:]:
                chunks, finished = self.bus.read_output(run_id, after, 0)
                if not finished:
                    live_reads += 1
                for seq, _stream, _t, payload in chunks:
                    seen += payload
                    after = seq
                self.assertLessEqual(after, e.args[1] if finished else after)
            handled = len(events)
            return self.bus.find('RunFinished', lambda e: e.args[1] == run_id)
        h.wait_until(follow, 20, 'the slow printer to finish')
        events = self.bus.find('OutputAvailable', lambda e: e.args[0] == run_id)
        in_window = [e for e in events if e.time <= window_end]
        self.assertGreaterEqual(len(in_window), 2, 'several announcements in 2 s of output')
        self.assertLessEqual(len(in_window), 15, 'announcements are coalesced')
        seqs = [e.args[1] for e in events]
        self.assertEqual(seqs, sorted(seqs))
        self.assertGreater(live_reads, 0)
        chunks, finished = self.bus.read_output(run_id, after, 0)
        self.assertTrue(finished)
        seen += b''.join(c[3] for c in chunks)
        self.assertEqual(seen, b''.join(b'line %d\n' % i for i in range(30)))


class ProcessGroups(h.DaemonTestCase):
    def test_grandchild_killed_after_exit(self):
        pidfile = self.path_file('grandchild.pid')
        path = self.make_job('leaves-child', command=[
            '/bin/sh', '-c', f'sleep 300 & echo $! > {pidfile}; echo parent done'])
        run_id, outcome, code = self.run_and_wait(path, timeout=20)
        self.assertEqual((outcome, code), ('success', 0))
        pid = int(self.wait_file(pidfile))
        self.wait_gone(pid, timeout=10)
        self.assertEqual(self.bus.output(run_id)['stdout'], b'parent done\n')

    def test_grandchild_killed_on_stop(self):
        pidfile = self.path_file('grandchild.pid')
        path = self.make_job('stop-tree', command=[
            '/bin/sh', '-c', f'sleep 300 & echo $! > {pidfile}; sleep 300 & wait'])
        run_id = self.bus.run(path)
        pid = int(self.wait_file(pidfile))
        shell = self.wait_run_pid(run_id)
        self.assertFalse(h.process_gone(pid))
        self.bus.stop(path)
        self.assertEqual(self.bus.wait_run_finished(run_id)[0], 'stopped')
        self.wait_gone(pid)
        self.wait_gone(shell)

    def test_grandchild_killed_on_timeout(self):
        pidfile = self.path_file('grandchild.pid')
        path = self.make_job('timeout-tree', timeout=1, command=[
            '/bin/sh', '-c', f'sleep 300 & echo $! > {pidfile}; wait'])
        run_id = self.bus.run(path)
        pid = int(self.wait_file(pidfile))
        self.assertEqual(self.bus.wait_run_finished(run_id, timeout=20)[0], 'timeout')
        self.wait_gone(pid)

    def test_escaped_process_does_not_hold_the_run(self):
        # setsid leaves the run's group but keeps its stdout: the run still ends
        pidfile = self.path_file('escaped.pid')
        path = self.make_job('escapee', command=[
            PYTHON, '-c',
            'import os, sys, time\n'
            'if os.fork() == 0:\n'
            '    os.setsid()\n'
            f'    open({pidfile!r}, "w").write(str(os.getpid()) + "\\n")\n'
            '    time.sleep(300)\n'
            'print("main exits", flush=True)\n'])
        run_id, outcome, _ = self.run_and_wait(path, timeout=30)
        self.assertEqual(outcome, 'success')
        self.assertIn(b'main exits', self.bus.output(run_id)['stdout'])
        self.assertFalse(self.bus.prop(path, 'Running'))
        self.assert_daemon_alive()


class Progress(h.DaemonTestCase):
    def test_progress_from_fd_and_dbus(self):
        go = self.path_file('go')
        script = ('echo "3/10 copying" >&$CHRONIKER_PROGRESS_FD; '
                  f'while [ ! -e {go} ]; do sleep 0.05; done; '
                  'echo "garbage line" >&$CHRONIKER_PROGRESS_FD; '
                  'echo "42% percent" >&$CHRONIKER_PROGRESS_FD; sleep 0.3; '
                  'echo "9/10 almost" >&$CHRONIKER_PROGRESS_FD')
        path = self.make_job('progress', command=['/bin/sh', '-c', script])
        mark = self.bus.mark()
        run_id = self.bus.run(path)
        self.bus.wait_signal('PropertiesChanged', lambda e: e.args[1].get('ProgressComplete') == 3,
                             since=mark, path=path, what='PropertiesChanged ProgressComplete 3')
        p = self.bus.props(path)
        self.assertEqual((p['ProgressComplete'], p['ProgressTotal'], p['ProgressMessage']),
                         (3, 10, 'copying'))
        self.assertIn(10, self.bus.prop_changes(path, 'ProgressTotal', mark))
        self.assertIn('copying', self.bus.prop_changes(path, 'ProgressMessage', mark))
        run = self.bus.get_run(run_id)
        self.assertEqual((run['progress-complete'], run['progress-total'],
                          run['progress-message']), (3, 10, 'copying'))

        mark = self.bus.mark()
        self.bus.report_progress(run_id, 7, 10, 'over dbus')
        self.bus.wait_signal('PropertiesChanged', lambda e: e.args[1].get('ProgressComplete') == 7,
                             since=mark, path=path, what='PropertiesChanged ProgressComplete 7')
        self.assertEqual(self.bus.wait_prop(path, 'ProgressMessage', 'over dbus'), 'over dbus')
        with self.assert_error('InvalidArgument'):
            self.bus.report_progress(run_id, 11, 10, 'too far')

        mark = self.bus.mark()
        open(go, 'w').close()
        self.bus.wait_signal('PropertiesChanged', lambda e: e.args[1].get('ProgressComplete') == 42,
                             since=mark, path=path, what='PropertiesChanged ProgressComplete 42')
        self.assertEqual(self.bus.prop(path, 'ProgressTotal'), 100)
        self.assertEqual(self.bus.wait_run_finished(run_id)[0], 'success')
        run = self.bus.get_run(run_id)
        self.assertEqual((run['progress-complete'], run['progress-total'],
                          run['progress-message']), (9, 10, 'almost'))
        p = self.bus.props(path)
        self.assertEqual((p['ProgressComplete'], p['ProgressTotal']), (9, 10))

    def test_progress_is_coalesced(self):
        script = ('import os, time\n'
                  'fd = int(os.environ["CHRONIKER_PROGRESS_FD"])\n'
                  'for i in range(1, 1001):\n'
                  '    os.write(fd, b"%d/1000 step %d\\n" % (i, i))\n'
                  '    time.sleep(0.002)\n')
        path = self.make_job('chatty-progress', command=[PYTHON, '-c', script])
        mark = self.bus.mark()
        run_id = self.bus.run(path)
        self.assertEqual(self.bus.wait_run_finished(run_id, timeout=60)[0], 'success')
        started = self.bus.find('RunStarted', lambda e: e.args[1] == run_id, mark)[0]
        finished = self.bus.find('RunFinished', lambda e: e.args[1] == run_id, mark)[0]
        h.iterate(0.3)  # the last PropertiesChanged may trail RunFinished
        updates = [e for e in self.bus.find('PropertiesChanged', None, mark, path)
                   if 'ProgressComplete' in e.args[1]]
        duration = max(finished.time - started.time, 0.1)
        self.assertGreaterEqual(len(updates), 2)
        self.assertLessEqual(len(updates), 10 * duration + 4,
                             f'{len(updates)} progress updates in {duration:.1f} s')
        values = [e.args[1]['ProgressComplete'] for e in updates]
        self.assertEqual(values, sorted(values))
        run = self.bus.get_run(run_id)
        self.assertEqual((run['progress-complete'], run['progress-total'],
                          run['progress-message']), (1000, 1000, 'step 1000'))
        self.assertEqual(self.bus.prop(path, 'ProgressComplete'), 1000)

    def test_progress_resets_on_next_run(self):
        path = self.make_job('resets', command=[
            '/bin/sh', '-c', 'echo "5/5 done" >&$CHRONIKER_PROGRESS_FD'])
        run1, outcome, _ = self.run_and_wait(path)
        self.assertEqual(self.bus.get_run(run1)['progress-complete'], 5)
        self.bus.update(path, {'command': ['sleep', '30']})
        run2 = self.bus.run(path)
        self.bus.wait_prop(path, 'CurrentRun', run2)
        self.assertEqual(self.bus.prop(path, 'ProgressComplete'), 0)
        self.assertEqual(self.bus.get_run(run2)['progress-total'], 0)
        self.assertEqual(self.bus.get_run(run1)['progress-complete'], 5)
        self.bus.stop(path)
        self.bus.wait_run_finished(run2)


class Environment(h.DaemonTestCase):
    def test_job_environment(self):
        workdir = os.path.join(self.tmp, 'work')
        script = ('printf "%s\\n" "$CHRONIKER_JOB_ID" "$CHRONIKER_JOB_NAME" "$CHRONIKER_RUN_ID" '
                  '"$CHRONIKER_PROGRESS_FD" "$FOO" "$EMPTY" "$(pwd)"; '
                  '[ -w /dev/fd/$CHRONIKER_PROGRESS_FD ] && echo writable')
        path = self.make_job('env job ü', command=['/bin/sh', '-c', script],
                             environment={'FOO': 'bar baz', 'EMPTY': ''}, working_directory=workdir)
        run_id, outcome, _ = self.run_and_wait(path)
        self.assertEqual(outcome, 'success')
        lines = self.bus.output(run_id)['stdout'].decode().split('\n')
        job_id = self.bus.prop(path, 'Id')
        self.assertEqual(lines[0], str(job_id))
        self.assertEqual(lines[1], 'env job ü')
        self.assertEqual(lines[2], str(run_id))
        self.assertRegex(lines[3], r'^\d+$')
        self.assertGreater(int(lines[3]), 2)
        self.assertEqual(lines[4], 'bar baz')
        self.assertEqual(lines[5], '')
        self.assertEqual(lines[6], workdir)
        self.assertEqual(lines[7], 'writable')

    def test_shell_jobs(self):
        path = self.make_job('shell', shell='echo "$((6 * 7))" | tr 4 X; exit 4')
        run_id, outcome, code = self.run_and_wait(path)
        self.assertEqual((outcome, code), ('failure', 4))
        self.assertEqual(self.bus.output(run_id)['stdout'], b'X2\n')

    def test_reserved_environment_refused(self):
        with self.assert_error('InvalidArgument', 'CHRONIKER_RUN_ID'):
            self.make_job('sneaky', environment={'CHRONIKER_RUN_ID': '1'})

    def test_stdin_is_not_the_daemons(self):
        # A job reading stdin must not hang on (or steal) the daemon's stdin
        path = self.make_job('reads-stdin', command=['/bin/sh', '-c', 'cat; echo eof'], timeout=20)
        run_id, outcome, _ = self.run_and_wait(path, timeout=30)
        self.assertEqual(outcome, 'success')
        self.assertEqual(self.bus.output(run_id)['stdout'], b'eof\n')


if __name__ == '__main__':
    h.main()
