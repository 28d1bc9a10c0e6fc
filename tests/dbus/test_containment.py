#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Containment, limits and accounting: nothing a run starts outlives it, not
even a process that calls setsid() or setpgid() or double-forks; max-tasks
and memory-max hold; cpu-time and memory-peak are measured. Each case runs
with the containment the machine gives (a cgroup where the daemon may make
one) and again with --containment process-group."""

import contextlib
import ctypes
import errno
import os
import shutil
import signal
import time

import chkharness as h
import chkusers as cu
from gi.repository import GLib

PYTHON = '/usr/bin/python3'
PRLIMIT = shutil.which('prlimit')
SAFETY_NPROC = 256
SYS_CLONE3_X86_64 = 435

# Each variant starts one process that leaves the run's process group or
# its parent, writes its pid to $PIDFILE and sleeps. The escapee clears
# its environment (CHRONIKER_* and the harness's tag with it), so that only
# the containment can find it.
ESCAPES = {
    'setsid': 'setsid env -i sh -c \'echo $$ > "$0"; exec sleep 300\' "$PIDFILE" &',
    # -f forks even when not a group leader; the escapee keeps stdout open.
    'setsid-f-holding-stdout': 'setsid -f env -i sh -c \'echo $$ > "$0"; exec sleep 300\' "$PIDFILE"',
    'setpgid': (PYTHON + ' -c \'import os, sys; os.setpgid(0, 0); '
                'open(sys.argv[1], "w").write("%d\\n" % os.getpid()); '
                'os.execve("/bin/sleep", ["sleep", "300"], {})\' "$PIDFILE" &'),
    'double-fork': '( env -i sh -c \'echo $$ > "$0"; exec sleep 300\' "$PIDFILE" & ) ',
}


def process_alive(pid):
    return not h.process_gone(pid)


class Containment(h.DaemonTestCase):
    """The machine's own containment (a cgroup when the daemon may make one)."""

    mode_args = []

    def setUp(self):
        self.daemon_args = list(self.mode_args)
        super().setUp()

    def escapee(self, name, end):
        """A job whose escapee is started, then the run ends by `end`."""
        pidfile = self.path_file(f'{name}-{end}.pid')
        tail = {
            'main-exit': 'while [ ! -s "$PIDFILE" ]; do sleep 0.01; done; exit 0',
        }.get(end, 'while [ ! -s "$PIDFILE" ]; do sleep 0.01; done; sleep 300')
        spec = {'command': self.sh(ESCAPES[name] + '\n' + tail),
                'environment': {'PIDFILE': pidfile}}
        if end == 'timeout':
            spec['timeout'] = 1
        return pidfile, self.make_job(f'{name}-{end}', **spec)

    def kill_later(self, pid):
        def end():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.addCleanup(end)

    def check_escape(self, name, end):
        pidfile, path = self.escapee(name, end)
        run_id = self.bus.run(path)
        pid = int(self.wait_file(pidfile))
        self.kill_later(pid)
        if end != 'main-exit':
            self.assertTrue(process_alive(pid))

        if end == 'stop':
            self.bus.stop(path)
        if end == 'kill9':
            self.daemon.kill9()
            self.daemon = self.start_chronikerd(*self.daemon_args)
            self.wait_gone(pid, timeout=10)
            run = self.bus.get_run(run_id)
            self.assertEqual(run['outcome'], 'interrupted')
            return run

        outcome, _ = self.bus.wait_run_finished(run_id, timeout=20)
        expected = {'main-exit': 'success', 'stop': 'stopped', 'timeout': 'timeout'}[end]
        self.assertEqual(outcome, expected)
        self.assertFalse(process_alive(pid), f'{name} escapee {pid} outlived the run ({end})')
        return self.bus.get_run(run_id)

    def test_escapes(self):
        ends = ['main-exit', 'stop', 'timeout', 'kill9']
        for name in ESCAPES:
            for end in ends:
                with self.subTest(escape=name, end=end):
                    if end == 'kill9' and not self.finds_leftovers_without_marker():
                        continue
                    run = self.check_escape(name, end)
                    self.assertEqual(run['containment'], self.expected_containment())

    def finds_leftovers_without_marker(self):
        return self.expected_containment() != 'process-group'

    def expected_containment(self):
        if not hasattr(self, '_kind'):
            path = self.make_job('probe', command=['true'])
            run_id, _, _ = self.run_and_wait(path)
            self._kind = self.bus.get_run(run_id)['containment']
            self.assertIn(self._kind, ('cgroup', 'scope', 'process-group'))
            self.bus.delete(path)
        return self._kind

    def test_kill9_leftover_with_marker(self):
        """A leftover that kept its environment is found in every mode."""
        pidfile = self.path_file('kept.pid')
        path = self.make_job('kept-marker', command=self.sh(
            '( sh -c \'echo $$ > "$PIDFILE"; exec sleep 300\' & ); sleep 300'),
            environment={'PIDFILE': pidfile})
        run_id = self.bus.run(path)
        pid = int(self.wait_file(pidfile))
        self.kill_later(pid)
        self.daemon.kill9()
        self.daemon = self.start_chronikerd(*self.daemon_args)
        self.wait_gone(pid)
        self.assertEqual(self.bus.get_run(run_id)['outcome'], 'interrupted')

    def test_max_tasks(self):
        """300 sleeps with max-tasks 100: the run fails, saying why."""
        counts = self.path_file('counts')
        path = self.make_job('many', max_tasks=100, command=self.sh(
            'for i in $(seq 300); do sleep 30 & done; wait'))
        run_id = self.bus.run(path)
        most = 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            alive = [p for p in h.leftover_pids(self.tmp) if _comm(p) == 'sleep']
            most = max(most, len(alive))
            if self.bus.find('RunFinished', lambda e: e.args[1] == run_id):
                break
            h.iterate(0.02)
        outcome, _ = self.bus.wait_run_finished(run_id, timeout=30)
        run = self.bus.get_run(run_id)
        self.assertEqual(outcome, 'failure', run)
        self.assertIn('max-tasks', run['message'])
        if run['containment'] != 'process-group' and 'only watched' not in run['message']:
            self.assertLessEqual(most, 100, 'pids.max held')
        self.assertEqual([p for p in h.leftover_pids(self.tmp) if _comm(p) == 'sleep'], [])
        with open(counts, 'w') as f:
            f.write(f'{most}\n')

    def test_default_max_tasks_setting(self):
        self.bus.set_settings({'default-max-tasks': h.GLib.Variant('u', 5)})
        path = self.make_job('few', command=self.sh(
            'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 5 & done; wait'))
        run_id, outcome, _ = self.run_and_wait(path, timeout=30)
        run = self.bus.get_run(run_id)
        self.assertEqual(outcome, 'failure', run)
        self.assertIn('more than 5 processes', run['message'])

    def test_memory_max(self):
        path = self.make_job('hungry', memory_max=64 * 1024 * 1024, command=[
            PYTHON, '-c', 'import time; b = b"x" * (256 << 20); time.sleep(1)'])
        run_id, outcome, _ = self.run_and_wait(path, timeout=60)
        run = self.bus.get_run(run_id)
        if 'memory-max was not enforced' in run['message']:
            self.skipTest('no memory controller here: ' + run['message'])
        self.assertEqual(outcome, 'failure', run)
        self.assertIn('memory-max', run['message'])
        self.assertIn('64 MiB', run['message'])

    def test_limits_not_enforced_are_said(self):
        path = self.make_job('weighted', cpu_weight=500, command=['true'])
        run_id, outcome, _ = self.run_and_wait(path)
        run = self.bus.get_run(run_id)
        self.assertEqual(outcome, 'success')
        if run['containment'] == 'process-group':
            self.assertIn('cpu-weight was not enforced', run['message'])

    def test_accounting_cpu(self):
        path = self.make_job('burner', command=[
            PYTHON, '-c',
            'import time\nt = time.process_time()\nwhile time.process_time() - t < 1.0: pass'])
        run_id, outcome, _ = self.run_and_wait(path, timeout=30)
        run = self.bus.get_run(run_id)
        self.assertEqual(outcome, 'success')
        self.assertGreaterEqual(run['cpu-time'], 900000, run)
        self.assertLess(run['cpu-time'], 30 * 1000000, run)

    def test_accounting_memory(self):
        path = self.make_job('toucher', command=[
            PYTHON, '-c', 'import time; b = b"x" * (200 << 20); time.sleep(0.2)'])
        run_id, outcome, _ = self.run_and_wait(path, timeout=30)
        run = self.bus.get_run(run_id)
        self.assertEqual(outcome, 'success')
        self.assertGreaterEqual(run['memory-peak'], 200 * 1024 * 1024, run)
        self.assertLess(run['memory-peak'], 2 * 1024 * 1024 * 1024, run)

    def test_no_cgroup_left_behind(self):
        path = self.make_job('tidy', command=self.sh('sleep 0.1 & echo done'))
        for _ in range(3):
            run_id, outcome, _ = self.run_and_wait(path)
            self.assertEqual(outcome, 'success')
        where = self.bus.get_run(run_id)
        if where['containment'] != 'cgroup':
            self.skipTest('runs are not in cgroups here')
        # Between runs not even the database's own cgroup is left: a daemon
        # killed now would leave nothing behind.
        parent = os.path.dirname(self.cgroup_of(run_id))
        self.assertFalse(os.path.exists(parent), os.listdir(parent) if os.path.exists(parent) else '')

    def cgroup_of(self, run_id):
        with open(os.path.join(self.tmp, 'chronikerd-1.log'), errors='replace') as f:
            log = f.read()
        for line in log.splitlines():
            if 'contained in cgroups under ' in line:
                base = line.split('contained in cgroups under ', 1)[1].split(' (', 1)[0]
                return os.path.join(base, f'chroniker-run-{run_id}')
        self.fail('the daemon did not say where its cgroups are:\n' + log)

    def test_spawn_path(self):
        """Where the kernel has clone3(), a run's process is made in its cgroup
        (CLONE_INTO_CGROUP); else, or with the test knob, it joins it after
        clone(): Clone3FallbackContainment runs every case through that path."""
        if self.expected_containment() != 'cgroup':
            self.skipTest('runs are not in cgroups here')
        path = self.make_job('where', command=self.sh('cat /proc/self/cgroup'))
        run_id, outcome, _ = self.run_and_wait(path)
        self.assertEqual(outcome, 'success')
        output = self.bus.output(run_id)['stdout'].decode()
        v2 = [line[len('0::'):] for line in output.splitlines() if line.startswith('0::')]
        self.assertEqual(len(v2), 1, output)
        self.assertTrue(self.cgroup_of(run_id).endswith(v2[0]), output)
        with open(self.daemon.log_path, errors='replace') as f:
            log = f.read()
        if self.expects_clone3():
            self.assertIn(f'Run {run_id}: made in its cgroup by clone3()', log)
        else:
            self.assertIn(f'Run {run_id}: joined its cgroup after clone()', log)

    def expects_clone3(self):
        """chk-job-spawn.c has clone3() on x86-64, where the kernel has it."""
        return os.uname().machine == 'x86_64' and have_clone3()


def have_clone3():
    """Whether the kernel has clone3(): with no arguments it says EINVAL or
    EFAULT, not ENOSYS."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(SYS_CLONE3_X86_64, None, 0) == 0:
        raise AssertionError('clone3() without arguments made a process')
    return ctypes.get_errno() != errno.ENOSYS


class Clone3FallbackContainment(Containment):
    """The machine's containment with the runs' processes made by clone() and
    joining their cgroups after it, as where the kernel has no clone3() or no
    CLONE_INTO_CGROUP (forced by the daemon's test knob)."""

    daemon_env = {'CHK_TEST_SPAWN_NO_CLONE3': '1'}

    def expects_clone3(self):
        return False


class ProcessGroupContainment(Containment):
    """The fallback: process groups with the daemon as child subreaper."""

    mode_args = ['--containment', 'process-group']

    def expected_containment(self):
        return 'process-group'


class UnprivilegedContainment(cu.MultiUserTestCase):
    """A daemon of an ordinary user, which may make no cgroup here: process
    groups, with max-tasks held by the user's process limit as well as by
    watching, so that not even a fork loop outruns the scan."""

    def setUp(self):
        if PRLIMIT is None:
            self.skipTest('needs prlimit')
        super().setUp()
        uid, gid = cu.quiet_account()
        self.client = self.start_chronikerd_as(uid, gid, '--containment', 'process-group',
                                               nproc=SAFETY_NPROC)

    def test_max_tasks_holds_a_loop(self):
        # 150 sleeps started as fast as the shell can, with max-tasks 8; the
        # job counts the ones it could start.
        count = os.path.join(self.home, 'count')
        path = self.client.create_job({
            'name': 'loop', 'max-tasks': GLib.Variant('u', 8),
            'environment': GLib.Variant('a{ss}', {'COUNT': count}),
            'command': ['/bin/sh', '-c', 'i=0; while [ $i -lt 150 ]; do sleep 20 & '
                        'i=$((i + 1)); echo $i >> "$COUNT"; done; wait']})
        run_id = self.client.run(path)
        run = None

        def ended():
            nonlocal run
            run = self.client.get_run(run_id)
            return run['outcome'] != 'running'
        h.wait_until(ended, 20, f'run {run_id} to end', poll=0.1)
        self.assertEqual(run['containment'], 'process-group')
        self.assertEqual(run['outcome'], 'failure', run)
        self.assertIn('max-tasks', run['message'])
        # The user's process limit refused the fork (watching alone would
        # have let it go on until the next scan, then ended it with SIGTERM).
        chunks, _ = self.client.sched('ReadRunOutput', GLib.Variant('t', run_id),
                                      GLib.Variant('t', 0), GLib.Variant('u', 65536)).unpack()
        stderr = b''.join(bytes(c[3]) for c in chunks if c[1] == 'stderr')
        self.assertIn(b'fork', stderr.lower())
        # The limit leaves the daemon's threads room of their own (16): near
        # 8, never the 150 asked for.
        with open(count) as f:
            started = max(int(n) for n in f.read().split())
        self.assertLessEqual(started, 8 + 16 + 8)
        h.wait_until(lambda: not [p for p in _pids_of(self.uid) if _comm(p) == 'sleep'], 10,
                     'the sleeps to end with the run')


def _pids_of(uid):
    pids = []
    for name in os.listdir('/proc'):
        if name.isdigit():
            with contextlib.suppress(OSError):
                if os.stat(f'/proc/{name}').st_uid == uid:
                    pids.append(int(name))
    return pids


def _comm(pid):
    try:
        with open(f'/proc/{pid}/comm') as f:
            return f.read().strip()
    except OSError:
        return ''


if __name__ == '__main__':
    h.main()
