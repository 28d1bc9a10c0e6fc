#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""chronikerd's life: restart, SIGTERM and kill -9 during runs, --replace, a second
daemon, D-Bus activation, --once, catch-up and retention."""

import os
import signal
import stat
import subprocess
import time

import chkharness as h
from chkharness import USEC


def sleep_until_usec(when):
    """Waits for the wall clock to pass `when`: nothing can signal that."""
    delay = (when - h.now_usec()) / USEC
    if delay > 0:
        time.sleep(delay)


class Restart(h.DaemonTestCase):
    def test_restart_keeps_jobs_and_runs(self):
        a = self.make_job('kept-a', command=['/bin/sh', '-c', 'echo persisted; exit 2'],
                          schedule='@daily', timezone='UTC', environment={'K': 'v'})
        b = self.make_job('kept-b', shell='echo b', enabled=False, description='off')
        # Every kind of list a spec has, each read back from the store's bytes
        d = self.make_job('kept-d', command=['/bin/echo', 'café', ''], enabled=False,
                          email_to=['ops@example.org', 'me@example.org'],
                          run_if=['ac-power', 'network'], run_on_success=['kept-b'],
                          run_on_failure=['kept-b'],
                          depends_on=[{'job': 'kept-a', 'wait-for-success': False}],
                          environment={'LANG': 'C.UTF-8', 'EMPTY': ''})
        run_id, outcome, _ = self.run_and_wait(a)
        self.assertEqual(outcome, 'failure')
        before = {path: self.bus.props(path) for path in (a, b, d)}
        run_before = self.bus.get_run(run_id)

        self.restart_daemon()
        self.assertEqual(set(self.bus.managed_objects()), {a, b, d})
        for path in (a, b, d):
            self.assertEqual(self.bus.props(path), before[path], path)
        self.assertEqual(self.bus.prop(d, 'RunIf'), ['ac-power', 'network'])
        self.assertEqual(self.bus.prop(d, 'Command'), ['/bin/echo', 'café', ''])
        self.assertEqual(self.bus.get_job_by_name('kept-a'), a)
        self.assertEqual(self.bus.get_run(run_id), run_before)
        self.assertEqual(self.bus.output(run_id), {'stdout': b'persisted\n', 'stderr': b''})
        # New ids never reuse old ones
        c = self.make_job('kept-c')
        self.assertNotIn(c, (a, b, d))
        run2, outcome, _ = self.run_and_wait(a)
        self.assertGreater(run2, run_id)

    def test_database_file(self):
        self.make_job('on-disk')
        self.assertTrue(os.path.exists(self.db))
        self.assertEqual(stat.S_IMODE(os.stat(self.db).st_mode) & 0o077, 0,
                         'the database is private to its user')


class Interrupted(h.DaemonTestCase):
    def test_sigterm_during_run(self):
        pidfile = self.path_file('sleep.pid')
        path = self.make_job('interrupted', command=[
            '/bin/sh', '-c', f'echo started; sleep 300 & echo $! > {pidfile}; wait'])
        run_id = self.bus.run(path)
        pid = int(self.wait_file(pidfile))
        self.bus.wait_signal('OutputAvailable', lambda e: e.args[0] == run_id)
        start = time.monotonic()
        self.assertEqual(self.daemon.terminate(), 0)
        self.assertLess(time.monotonic() - start, 10, 'SIGTERM ends the daemon promptly')
        self.wait_gone(pid)
        self.wait_no_owner()

        self.daemon = self.start_chronikerd()
        run = self.bus.get_run(run_id)
        self.assertEqual(run['outcome'], 'interrupted')
        self.assertGreaterEqual(run['finished'], run['started'])
        self.assertEqual(self.bus.output(run_id)['stdout'], b'started\n')
        self.assertEqual(self.bus.prop(path, 'LastOutcome'), 'interrupted')
        self.assertFalse(self.bus.prop(path, 'Running'))

    def test_kill9_keeps_large_output(self):
        # Chunks this large are in a file beside the database, not in it:
        # what was stored before a kill -9 is there after it, byte for byte.
        blob = self.path_file('blob')
        with open(blob, 'wb') as f:
            f.write(os.urandom(3 * 1024 * 1024 + 12345))
        size = os.path.getsize(blob)
        pidfile = self.path_file('leftover.pid')
        path = self.make_job('large', max_output_bytes=64 * 1024 * 1024, command=[
            '/bin/sh', '-c', f'cat {blob}; sleep 300 & echo $! > {pidfile}; wait'])
        run_id = self.bus.run(path)
        leftover = int(self.wait_file(pidfile))
        # Stored within the flush delay (200 ms) of the job's write, not at
        # its end: the crash budget is about a second, some slack for load.
        h.wait_until(lambda: self.bus.get_run(run_id)['stdout-bytes'] == size, 1.5,
                     'the output to be stored')
        output_file = os.path.join(self.db + '.output', str(run_id))
        self.assertTrue(os.path.isfile(output_file))

        self.daemon.kill9()
        self.wait_no_owner()
        self.daemon = self.start_chronikerd()
        self.assertEqual(self.bus.get_run(run_id)['outcome'], 'interrupted')
        with open(blob, 'rb') as f:
            self.assertEqual(self.bus.output(run_id)['stdout'], f.read())
        self.wait_gone(leftover)

        # And goes with its run.
        self.bus.delete(path)
        h.wait_until(lambda: not os.path.exists(output_file), 5, 'the output file to go')

    def test_kill9_during_run(self):
        done = self.make_job('finished-before', command=['/bin/sh', '-c', 'echo kept output; exit 0'])
        done_run, outcome, _ = self.run_and_wait(done)
        self.assertEqual(outcome, 'success')
        done_record = self.bus.get_run(done_run)

        pidfile = self.path_file('leftover.pid')
        path = self.make_job('orphaned', command=[
            '/bin/sh', '-c', f'echo before the crash; sleep 300 & echo $! > {pidfile}; wait'])
        run_id = self.bus.run(path)
        leftover = int(self.wait_file(pidfile))
        shell = self.bus.get_run(run_id)['pid']
        self.bus.wait_signal('OutputAvailable', lambda e: e.args[0] == run_id)

        self.daemon.kill9()
        self.wait_no_owner()
        self.assertFalse(h.process_gone(leftover), 'the job outlives a daemon killed with -9')

        self.daemon = self.start_chronikerd()
        run = self.bus.get_run(run_id)
        self.assertEqual(run['outcome'], 'interrupted')
        self.assertGreater(run['finished'], 0)
        self.assertEqual(self.bus.output(run_id)['stdout'], b'before the crash\n',
                         'output stored before the crash survives it')
        self.wait_gone(leftover)
        self.wait_gone(shell)
        self.assertEqual(self.bus.get_run(done_run), done_record)
        self.assertEqual(self.bus.output(done_run)['stdout'], b'kept output\n')
        p = self.bus.props(path)
        self.assertEqual((p['LastOutcome'], p['Running'], p['CurrentRun']),
                         ('interrupted', False, 0))
        # The job runs again normally
        self.bus.update(path, {'command': ['/bin/sh', '-c', 'exit 0']})
        _, outcome, _ = self.run_and_wait(path)
        self.assertEqual(outcome, 'success')


class Replace(h.DaemonTestCase):
    def test_replace_takes_over(self):
        path = self.make_job('long', command=['sleep', '300'])
        run_id = self.bus.run(path)
        pid = self.bus.get_run(run_id)['pid']
        old = self.daemon
        new = self.spawn_chronikerd('--replace')
        self.assertEqual(old.wait_exit(30), 0, 'the replaced daemon exits 0')
        self.wait_owner(new, 30)
        self.daemon = new
        self.assertEqual(self.bus.owner_pid(), new.pid)
        self.wait_serving()
        self.assertEqual(self.bus.get_run(run_id)['outcome'], 'interrupted')
        self.wait_gone(pid)
        self.assertEqual(self.bus.get_job_by_name('long'), path)
        _, outcome, _ = self.run_and_wait(self.make_job('after-replace'))
        self.assertEqual(outcome, 'success')

    def test_replace_without_running_daemon(self):
        self.daemon.terminate()
        self.wait_no_owner()
        self.daemon = self.start_chronikerd('--replace')
        self.assert_daemon_alive()

    def test_second_daemon_same_database_refused(self):
        errfile = self.path_file('second.err')
        second = self.spawn_chronikerd(stderr_path=errfile, verbose=False)
        status = second.wait_exit(20)
        self.assertNotEqual(status, 0)
        self.assertGreater(status, 0, 'it exits, not crashes')
        with open(errfile) as f:
            lines = [line for line in f.read().split('\n') if line.strip()]
        self.assertEqual(len(lines), 1, f'one clear line, not {lines!r}')
        self.assertIn('chronikerd', lines[0])
        self.assertIn('--replace', lines[0])
        self.assert_daemon_alive()
        self.assertEqual(self.bus.owner_pid(), self.daemon.pid)

    def test_second_daemon_other_database_refused(self):
        errfile = self.path_file('other.err')
        other_db = self.path_file('other.sqlite')
        second = self.spawn_chronikerd('--database', other_db, stderr_path=errfile,
                                       database=False, verbose=False)
        status = second.wait_exit(20)
        self.assertGreater(status, 0)
        with open(errfile) as f:
            lines = [line for line in f.read().split('\n') if line.strip()]
        self.assertEqual(len(lines), 1, f'one clear line, not {lines!r}')
        self.assert_daemon_alive()
        self.assertEqual(self.bus.owner_pid(), self.daemon.pid)


class Activation(h.DaemonTestCase):
    start_daemon = False

    def test_dbus_activation(self):
        if not os.environ.get('CHK_DEV_SERVICES_DIR'):
            self.skipTest('CHK_DEV_SERVICES_DIR is not set')
        self.assertFalse(self.bus.has_owner())
        settings = self.bus.get_settings()  # activates
        self.assertIn('allow-shell', settings)
        pid = self.bus.owner_pid()
        self.assertEqual(os.path.realpath(f'/proc/{pid}/exe'),
                         os.path.realpath(self.chronikerd))
        db = os.path.join(self.env['XDG_DATA_HOME'], 'chroniker', 'chroniker.db')
        self.assertTrue(os.path.exists(db), 'the default database is under XDG_DATA_HOME')
        self.assertEqual(stat.S_IMODE(os.stat(db).st_mode) & 0o077, 0)
        path = self.make_job('activated', command=['/bin/sh', '-c', 'echo hi'])
        _, outcome, _ = self.run_and_wait(path)
        self.assertEqual(outcome, 'success')
        os.kill(pid, signal.SIGTERM)
        self.wait_no_owner()
        h.wait_until(lambda: h.process_gone(pid), 10, 'the activated daemon to exit', poll=0.05)
        # The next call activates it again, with the job
        self.assertEqual(self.bus.get_job_by_name('activated'), path)
        self.assertNotEqual(self.bus.owner_pid(), pid)


class Once(h.DaemonTestCase):
    def test_once_runs_due_jobs(self):
        marker = self.path_file('once.txt')
        start = h.now_usec() + 2 * USEC
        due = self.make_job('due', schedule='FREQ=SECONDLY;COUNT=1', start=start, command=[
            '/bin/sh', '-c', f'sleep 1; echo ran >> {marker}; echo once-output'])
        manual = self.make_job('manual-only', command=['/bin/sh', '-c', f'echo no >> {marker}.manual'])
        off = self.make_job('disabled', schedule='FREQ=SECONDLY', start=start, enabled=False,
                            command=['/bin/sh', '-c', f'echo no >> {marker}.off'])
        self.assertEqual(self.daemon.terminate(), 0)
        self.wait_no_owner()
        sleep_until_usec(start + USEC // 2)

        once = subprocess.run(self.daemon_command('--once'), env=self.env, timeout=60,
                              stdin=subprocess.DEVNULL, capture_output=True)
        self.assertEqual(once.returncode, 0, once.stderr.decode(errors='replace'))
        # --once waited for the run: its output is there when it exits
        with open(marker) as f:
            self.assertEqual(f.read(), 'ran\n')
        self.assertFalse(os.path.exists(marker + '.manual'))
        self.assertFalse(os.path.exists(marker + '.off'))

        # Nothing is due any more: a second --once runs nothing
        again = subprocess.run(self.daemon_command('--once'), env=self.env, timeout=60,
                               stdin=subprocess.DEVNULL, capture_output=True)
        self.assertEqual(again.returncode, 0, again.stderr.decode(errors='replace'))
        with open(marker) as f:
            self.assertEqual(f.read(), 'ran\n')

        self.daemon = self.start_chronikerd()
        runs = self.bus.job_runs(due)
        self.assertEqual(len(runs), 1)
        self.assertEqual((runs[0]['trigger'], runs[0]['outcome']), ('schedule', 'success'))
        self.assertEqual(self.bus.output(runs[0]['id'])['stdout'], b'once-output\n')
        self.assertEqual(self.bus.job_runs(manual), [])
        self.assertEqual(self.bus.job_runs(off), [])
        self.assertEqual(self.bus.prop(due, 'LastOutcome'), 'success')

    def test_once_while_daemon_runs_is_refused(self):
        once = subprocess.run(self.daemon_command('--once', verbose=False), env=self.env,
                              timeout=30, stdin=subprocess.DEVNULL, capture_output=True)
        self.assertGreater(once.returncode, 0)
        self.assertEqual(len(once.stderr.decode().strip().split('\n')), 1, once.stderr)
        self.assert_daemon_alive()


class CatchUp(h.DaemonTestCase):
    def test_catch_up_after_downtime(self):
        start = h.now_usec() + 2 * USEC
        hourly = 'FREQ=SECONDLY;INTERVAL=3600'
        catch = self.make_job('catch', schedule=hourly, start=start, catch_up=True,
                              command=['/bin/sh', '-c', 'echo caught up'])
        skip = self.make_job('skip', schedule=hourly, start=start, catch_up=False,
                             command=['/bin/sh', '-c', 'echo should not run'])
        burst = self.make_job('burst', schedule='FREQ=SECONDLY;INTERVAL=1', start=start,
                              catch_up=True, command=['/bin/sh', '-c', 'exit 0'])
        # At once after the start: the resume delay is test_orchestration's
        self.bus.set_settings({'resume-delay': 0})
        self.assertEqual(self.daemon.terminate(), 0)
        self.wait_no_owner()
        # Down while `start` (and, for burst, a few more seconds) pass
        sleep_until_usec(start + 3 * USEC)

        mark = self.bus.mark()
        restarted = h.now_usec()
        self.daemon = self.start_chronikerd()
        run_id, trigger = self.bus.wait_run_started(catch, since=mark)
        self.assertEqual(trigger, 'catch-up')
        self.assertEqual(self.bus.wait_run_finished(run_id)[0], 'success')
        self.assertEqual(self.bus.output(run_id)['stdout'], b'caught up\n')
        # Recurrence rules have whole seconds
        next_run = self.bus.prop(catch, 'NextRun')
        self.assertLess(abs(next_run - (start + 3600 * USEC)), USEC)

        # Give the others time to (wrongly) run
        burst_runs = self.bus.wait_signal('RunStarted', lambda e: e.args[0] == burst, since=mark)
        self.assertEqual(burst_runs.args[2], 'catch-up')
        h.iterate(2.5)
        self.assertEqual(self.bus.job_runs(skip), [], 'without catch-up a missed run is skipped')
        self.assertLess(abs(self.bus.prop(skip, 'NextRun') - (start + 3600 * USEC)), USEC)
        self.assertEqual(len(self.bus.job_runs(catch)), 1, 'caught up once')
        triggers = [e.args[2] for e in self.bus.run_started_events(burst, mark)]
        self.assertEqual(triggers.count('catch-up'), 1, f'one catch-up, never a burst: {triggers}')
        for run in self.bus.job_runs(burst):
            self.assertGreaterEqual(run['started'], restarted)


class Retention(h.DaemonTestCase):
    def test_max_runs(self):
        path = self.make_job('keep3', max_runs=3, command=['/bin/sh', '-c', 'echo run $CHRONIKER_RUN_ID'])
        ids = []
        for _ in range(6):
            run_id, outcome, _ = self.run_and_wait(path)
            self.assertEqual(outcome, 'success')
            ids.append(run_id)
        runs = self.bus.job_runs(path)
        self.assertEqual([r['id'] for r in runs], ids[:2:-1], 'the 3 newest are kept')
        for old in ids[:3]:
            with self.assert_error('NotFound'):
                self.bus.get_run(old)
            with self.assert_error('NotFound'):
                self.bus.read_output(old, 0, 0)
        self.assertEqual(self.bus.output(ids[-1])['stdout'], f'run {ids[-1]}\n'.encode())
        # Other jobs' runs are not counted
        other = self.make_job('other', command=['/bin/sh', '-c', 'exit 0'])
        other_run, _, _ = self.run_and_wait(other)
        self.run_and_wait(path)
        self.assertEqual(len(self.bus.job_runs(path)), 3)
        self.bus.get_run(other_run)

    def test_purge_runs(self):
        path = self.make_job('purged', command=['/bin/sh', '-c', 'echo x'])
        long = self.make_job('long-running', command=['sleep', '60'])
        running = self.bus.run(long)
        old = [self.run_and_wait(path)[0] for _ in range(3)]
        cut = h.now_usec()
        newer = [self.run_and_wait(path)[0] for _ in range(2)]
        self.assertEqual(self.bus.purge_runs(cut), 3)
        for run_id in old:
            with self.assert_error('NotFound'):
                self.bus.get_run(run_id)
        for run_id in newer:
            self.assertEqual(self.bus.get_run(run_id)['outcome'], 'success')
        self.assertEqual(self.bus.get_run(running)['outcome'], 'running',
                         'a run under way is never purged')
        self.assertEqual(self.bus.purge_runs(cut), 0)
        self.assertEqual(self.bus.purge_runs(0), 0)
        self.bus.stop(long)
        self.bus.wait_run_finished(running)
        self.assertEqual(self.bus.purge_runs(h.now_usec() + USEC), 3)
        self.assertEqual(self.bus.list_runs(), [])

    def test_keep_runs_days(self):
        path = self.make_job('recent', command=['/bin/sh', '-c', 'exit 0'])
        run_id, _, _ = self.run_and_wait(path)
        self.bus.set_settings({'keep-runs-days': 1})
        self.assertEqual(self.bus.get_settings()['keep-runs-days'], 1)
        self.bus.get_run(run_id)  # a run of today is kept
        self.restart_daemon()
        self.assertEqual(self.bus.get_settings()['keep-runs-days'], 1)
        self.bus.get_run(run_id)
        self.bus.set_settings({'keep-runs-days': 0})
        self.assertEqual(self.bus.get_settings()['keep-runs-days'], 0)


if __name__ == '__main__':
    h.main()
