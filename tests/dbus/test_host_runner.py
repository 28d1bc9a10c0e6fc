#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs on the host through Flatpak's HostCommand (chronikerd --runner=host):
the real flatpak-session-helper on the test's private bus starts the jobs.
The cases of test_runs run again here unchanged (outcomes, exit codes,
output byte for byte, Stop and timeout ending the group, progress on fd 3,
failed-to-start), then what is the host backend's own: its record, ending
what left the group, and a daemon killed with SIGKILL and started again.

Needs /usr/libexec/flatpak-session-helper (Debian's flatpak package);
skipped without it. The host here has no systemd user manager: runs get no
scope, which the daemon's log and the runs' messages say."""

import contextlib
import os
import re
import shlex
import signal
import subprocess

import chkharness as h
import test_runs

HELPER = '/usr/libexec/flatpak-session-helper'
HELPER_NAME = 'org.freedesktop.Flatpak'


class HostRunner:
    """Starts flatpak-session-helper on the test's bus before chronikerd,
    which then runs its jobs through it."""

    start_daemon = False
    daemon_args = ['--runner=host']

    def setUp(self):
        if not os.access(HELPER, os.X_OK):
            self.skipTest(f'{HELPER} is missing (install the flatpak package)')
        # Registered before the harness's own cleanup, so that it runs after
        # it: the daemons go first, while the helper can still end their runs.
        self.helper = None
        self.addCleanup(self._stop_helper)
        super().setUp()
        log = open(os.path.join(self.tmp, 'session-helper.log'), 'ab')
        with log:
            self.helper = subprocess.Popen(h.PDEATHSIG + [HELPER, '--verbose'],
                                           env=self.helper_env(), stdin=subprocess.DEVNULL,
                                           stdout=log, stderr=log)
        h.wait_until(lambda: self.bus.has_owner(HELPER_NAME), 20, f'{HELPER_NAME} on the bus',
                     poll=0.02)
        self.daemon = self.start_chronikerd(*self.daemon_args)

    def helper_env(self):
        """The host's environment, where the helper runs commands."""
        return self.env

    def _stop_helper(self):
        if self.helper is None:
            return
        if self.helper.poll() is None:
            self.helper.terminate()
        try:
            self.helper.wait(5)
        except subprocess.TimeoutExpired:
            self.helper.kill()
            self.helper.wait()


# The local runner's cases, on the host.

class HostOutcomes(HostRunner, test_runs.Outcomes):
    pass


class HostOutput(HostRunner, test_runs.Output):
    pass


class HostProcessGroups(HostRunner, test_runs.ProcessGroups):
    pass


class HostProgress(HostRunner, test_runs.Progress):
    pass


class Host(HostRunner, h.DaemonTestCase):
    def kill_later(self, pid):
        def end():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.addCleanup(end)

    def test_record_says_host(self):
        path = self.make_job('where', command=self.sh('echo out; echo err >&2; exit 4'))
        run_id, outcome, code = self.run_and_wait(path)
        self.assertEqual((outcome, code), ('failure', 4))
        run = self.bus.get_run(run_id)
        self.assertEqual(run['containment'], 'host')
        self.assertIn('on the host', run['message'])
        self.assertIn('no systemd user manager', run['message'])
        # Nothing is measured on the host.
        self.assertEqual((run['cpu-time'], run['memory-peak']), (0, 0))
        self.assertEqual(self.bus.output(run_id), {'stdout': b'out\n', 'stderr': b'err\n'})
        # The pid is the host's, and the process is gone.
        self.assertGreater(run['pid'], 0)
        self.wait_gone(run['pid'])

    def test_merge_stderr(self):
        path = self.make_job('merged', merge_stderr=True, command=self.sh(
            'for i in 1 2 3; do echo out$i; echo err$i >&2; done'))
        run_id, outcome, _ = self.run_and_wait(path)
        self.assertEqual(outcome, 'success')
        self.assertEqual(self.bus.output(run_id),
                         {'stdout': b'out1\nerr1\nout2\nerr2\nout3\nerr3\n', 'stderr': b''})

    def test_environment_and_directory(self):
        work = os.path.join(self.tmp, 'work')
        path = self.make_job('env', working_directory=work, environment={'MINE': 'yes'},
                             command=self.sh('pwd; echo "$MINE $CHRONIKER_RUN_ID"; '
                                             'echo "${CHRONIKER_HOST_RUN:+marked}"; '
                                             'echo "${DBUS_STARTER_ADDRESS:-clear}"'))
        run_id, outcome, _ = self.run_and_wait(path)
        self.assertEqual(outcome, 'success')
        self.assertEqual(self.bus.output(run_id)['stdout'].decode().split('\n'),
                         [work, f'yes {run_id}', 'marked', 'clear', ''])

    def escaping_job(self, name, **spec):
        """A job whose child leaves the group (setsid) and whose grandchild
        ignores SIGTERM; both write their pids."""
        pids = self.path_file(f'{name}.pids')
        script = ('setsid sh -c \'echo $$ >> "$PIDS"; exec sleep 300\' & '
                  'sh -c \'trap "" TERM; echo $$ >> "$PIDS"; exec sleep 300\' & '
                  'sleep 300 & echo $! >> "$PIDS"; wait')
        path = self.make_job(name, command=self.sh(script), environment={'PIDS': pids}, **spec)
        return path, pids

    def wait_pids(self, pids_file, count=3):
        def ready():
            with contextlib.suppress(FileNotFoundError):
                with open(pids_file) as f:
                    pids = [int(line) for line in f if line.strip()]
                if len(pids) >= count:
                    return pids
            return None
        pids = h.wait_until(ready, 15, f'{count} pids in {pids_file}', poll=0.02)
        for pid in pids:
            self.kill_later(pid)
        return pids

    def test_stop_ends_everything(self):
        path, pids_file = self.escaping_job('stop-all')
        run_id = self.bus.run(path)
        pids = self.wait_pids(pids_file)
        shell = self.wait_run_pid(run_id)
        for pid in pids + [shell]:
            self.assertFalse(h.process_gone(pid), pid)
        self.bus.stop(path)
        self.assertEqual(self.bus.wait_run_finished(run_id, timeout=20)[0], 'stopped')
        for pid in pids + [shell]:
            self.wait_gone(pid)

    def test_timeout_ends_everything(self):
        path, pids_file = self.escaping_job('timeout-all', timeout=1)
        run_id = self.bus.run(path)
        pids = self.wait_pids(pids_file)
        self.assertEqual(self.bus.wait_run_finished(run_id, timeout=20)[0], 'timeout')
        for pid in pids + [self.bus.get_run(run_id)['pid']]:
            self.wait_gone(pid)

    def test_leftovers_end_with_the_main_process(self):
        pids = self.path_file('left.pids')
        path = self.make_job('leaves', environment={'PIDS': pids}, command=self.sh(
            'setsid sh -c \'trap "" TERM; echo $$ >> "$PIDS"; exec sleep 300\' & '
            'while [ ! -s "$PIDS" ]; do sleep 0.01; done; echo done'))
        run_id, outcome, _ = self.run_and_wait(path, timeout=20)
        self.assertEqual(outcome, 'success')
        for pid in self.wait_pids(pids, count=1):
            self.wait_gone(pid)

    def test_failed_to_start_names_host_command(self):
        path = self.make_job('missing', command=['/nonexistent/prog'])
        run_id, outcome, code = self.run_and_wait(path)
        self.assertEqual((outcome, code), ('failed-to-start', -1))
        run = self.bus.get_run(run_id)
        self.assertIn('HostCommand', run['message'])
        self.assertIn('No such file', run['message'])
        self.assertIn(b'/nonexistent/prog', self.bus.output(run_id)['stderr'])

    def test_kill9_then_restart(self):
        """The dead daemon's runs are interrupted and their processes gone,
        also one that ignores SIGINT and SIGTERM and one that left the group."""
        pids_file = self.path_file('k9.pids')
        script = ('setsid sh -c \'trap "" INT TERM; echo $$ >> "$PIDS"; exec sleep 300\' & '
                  'sh -c \'trap "" INT TERM; echo $$ >> "$PIDS"; exec sleep 300\' & '
                  'sleep 300 & echo $! >> "$PIDS"; wait')
        path = self.make_job('k9', command=self.sh(script), environment={'PIDS': pids_file})
        run_id = self.bus.run(path)
        pids = self.wait_pids(pids_file)
        pids.append(self.wait_run_pid(run_id))
        self.daemon.kill9()
        self.wait_no_owner()
        self.daemon = self.start_chronikerd(*self.daemon_args)
        self.assertEqual(self.bus.get_run(run_id)['outcome'], 'interrupted')
        for pid in pids:
            self.wait_gone(pid)
        # And the new daemon runs jobs on the host as before.
        again = self.make_job('after', command=['echo', 'again'])
        run2, outcome, _ = self.run_and_wait(again)
        self.assertEqual(outcome, 'success')
        self.assertEqual(self.bus.output(run2)['stdout'], b'again\n')


# Where the host has a systemd user manager. This one has none: stand-ins for
# systemd-run and systemctl, first on the helper's PATH, write down their
# arguments (in a file named in the script: runs get only their own
# environment), and systemd-run then runs the command as the real one does,
# by exec, so that the job keeps its pid.
FAKE_SYSTEMD_RUN = r'''#!/bin/sh
printf '%s\n' "$*" >> LOG.run
while [ "$#" -gt 0 ]; do
  case "$1" in
    --) shift; break ;;
    -*) shift ;;
    *) break ;;
  esac
done
exec "$@"
'''
FAKE_SYSTEMCTL = r'''#!/bin/sh
printf '%s\n' "$*" >> LOG.ctl
'''


class HostScope(HostRunner, h.DaemonTestCase):
    def helper_env(self):
        bindir = os.path.join(self.tmp, 'fake-systemd')
        os.makedirs(bindir, exist_ok=True)
        self.systemd_log = os.path.join(self.tmp, 'systemd')
        for name, script in (('systemd-run', FAKE_SYSTEMD_RUN), ('systemctl', FAKE_SYSTEMCTL)):
            with open(os.path.join(bindir, name), 'w') as f:
                f.write(script.replace('LOG', shlex.quote(self.systemd_log)))
            os.chmod(os.path.join(bindir, name), 0o755)
        env = dict(self.env)
        env['PATH'] = bindir + ':' + env.get('PATH', '/usr/bin:/bin')
        return env

    def lines(self, which):
        try:
            with open(self.systemd_log + '.' + which) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def test_run_in_a_scope_with_its_limits(self):
        path = self.make_job('scoped', max_tasks=50, memory_max=100 * 1024 * 1024,
                             cpu_weight=200, command=self.sh('echo in scope'))
        run_id, outcome, _ = self.run_and_wait(path)
        self.assertEqual(outcome, 'success')
        self.assertEqual(self.bus.output(run_id)['stdout'], b'in scope\n')
        run = self.bus.get_run(run_id)
        named = re.search(r'systemd scope (\S+),', run['message'])
        self.assertIsNotNone(named, run['message'])
        unit = named.group(1)
        self.assertRegex(unit, r'^chroniker-run-[0-9a-f]+-%d\.scope$' % run_id)

        # The probe, then the run: in the scope named in the record, with its limits.
        runs = self.lines('run')
        self.assertEqual(runs[0], '--user --scope --quiet --collect true')
        wrapped = [line for line in runs if '--unit=' + unit in line]
        self.assertEqual(len(wrapped), 1, runs)
        for arg in ('--user', '--scope', '--property=TasksMax=50',
                    '--property=MemoryMax=104857600', '--property=CPUWeight=200'):
            self.assertIn(arg, wrapped[0].split())
        self.assertIn(' -- ', wrapped[0])

    def test_leftover_scopes_end_at_start(self):
        # At load, before any run, what a killed daemon left is killed by unit name.
        h.wait_until(lambda: self.lines('ctl'), 10, 'systemctl to be called', poll=0.05)
        kill = self.lines('ctl')[0].split()
        self.assertEqual(kill[:3], ['--user', 'kill', '--signal=SIGKILL'])
        self.assertRegex(kill[3], r'^chroniker-run-[0-9a-f]+-\*\.scope$')


if __name__ == '__main__':
    h.main()
