# SPDX-License-Identifier: GPL-3.0-or-later
"""End-to-end tests of chronikerctl: the real client binary against the real
chronikerd, each test on its own private bus (tests/dbus/chkharness.py).

Environment, besides chkharness's:
  CHRONIKERCTL  path of the built chronikerctl (required)

The client is always run as a subprocess with the test's environment (whose
DBUS_SESSION_BUS_ADDRESS is the private bus), stdin from /dev/null unless
given, and a time limit. Whatever it prints to a pipe is checked for escape
codes: output that is not a terminal must be plain.
"""

import datetime
import json
import os
import pty
import re
import select
import sqlite3
import subprocess
import time

import chkharness as h
from chkharness import JOBS_PATH, USEC  # noqa: F401  (re-exported for the tests)

CTL_TIMEOUT = 30

# The job object of show/list --json: spec keys (DESIGN §2) …
SPEC_KEYS = ('name', 'description', 'command', 'shell', 'working-directory', 'user', 'host',
             'environment', 'schedule', 'timezone', 'start', 'enabled', 'timeout', 'catch-up',
             'max-runs', 'max-output-bytes', 'notify-on', 'email-on', 'email-to', 'is-monitor',
             'monitor-url', 'check-url', 'check-expect-status', 'check-contains', 'check-timeout',
             'webhook-url', 'max-tasks', 'memory-max', 'cpu-weight', 'merge-stderr', 'depends-on',
             'run-on-success', 'run-on-failure', 'retries', 'retry-delay', 'retry-backoff',
             'retry-max-delay', 'random-delay', 'run-if', 'run-if-wait', 'expected-duration',
             'alert-after-failures', 'snoozed-until')
# What a job does: exactly one of them is set, the others are absent or empty.
WHAT_KEYS = ('command', 'shell', 'check-url')
# … and the job's state (cli-spec "JSON")
STATE_KEYS = ('id', 'schedule-description', 'next-run', 'last-run-started', 'last-run-finished',
              'last-outcome', 'last-exit-code', 'running', 'current-run', 'progress-complete',
              'progress-total', 'progress-message', 'last-alert-error', 'waiting-for')
JOB_TIME_KEYS = ('start', 'next-run', 'last-run-started', 'last-run-finished', 'snoozed-until')
RUN_KEYS = ('id', 'job', 'job-id', 'job-name', 'trigger', 'started', 'finished', 'outcome',
            'exit-code', 'signal', 'hostname', 'pid', 'stdout-bytes', 'stderr-bytes',
            'truncated', 'progress-complete', 'progress-total', 'progress-message', 'http-status',
            'alert-error', 'cpu-time', 'memory-peak', 'containment', 'message', 'attempt',
            'running-long', 'duration')
CONTAINMENTS = ('', 'scope', 'cgroup', 'process-group')
OUTCOMES = ('running', 'success', 'failure', 'timeout', 'stopped', 'interrupted',
            'failed-to-start', 'skipped')
TRIGGERS = ('schedule', 'manual', 'catch-up', 'dependency', 'retry')
WHEN = ('failure', 'always', 'never')

ISO_RE = re.compile(r'^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?Z$')


def iso_to_usec(text):
    """Microseconds since the epoch of an ISO "…Z" time of the client's JSON."""
    m = ISO_RE.match(text)
    if not m:
        raise AssertionError(f'{text!r} is not an ISO 8601 UTC time such as '
                             '"2026-11-23T09:00:00.000000Z"')
    y, mo, d, hh, mm, ss = (int(x) for x in m.groups()[:6])
    frac = (m.group(7) or '').ljust(6, '0')
    dt = datetime.datetime(y, mo, d, hh, mm, ss, tzinfo=datetime.timezone.utc)
    return int(dt.timestamp()) * USEC + int(frac or 0)


class Result:
    """What one chronikerctl call did: rc, out, err (str, or bytes when binary)."""

    def __init__(self, argv, rc, out, err):
        self.argv = argv
        self.rc = rc
        self.out = out
        self.err = err

    def __repr__(self):
        return (f'chronikerctl {" ".join(repr(a) for a in self.argv)} → exit {self.rc}\n'
                f'--- stdout:\n{self.out!r:.3000}\n--- stderr:\n{self.err!r:.3000}')


class CliTestCase(h.DaemonTestCase):
    """A DaemonTestCase that runs chronikerctl on the test's private bus."""

    def setUp(self):
        self.chronikerctl = os.environ.get('CHRONIKERCTL')
        if not self.chronikerctl or not os.access(self.chronikerctl, os.X_OK):
            raise h.HarnessError('set CHRONIKERCTL to the built chronikerctl')
        super().setUp()

    # running the client

    def ctl(self, *args, input=None, env=None, unset=(), binary=False, timeout=CTL_TIMEOUT,
            pass_fds=()):
        """Runs chronikerctl ARGS; returns a Result. `input` (str or bytes) is its stdin."""
        e = dict(self.env)
        e.update(env or {})
        for key in unset:
            e.pop(key, None)
        if isinstance(input, str):
            input = input.encode()
        argv = [self.chronikerctl, *args]
        try:
            p = subprocess.run(argv, env=e, cwd=self.tmp, capture_output=True, timeout=timeout,
                               input=input, stdin=None if input is not None else subprocess.DEVNULL,
                               pass_fds=pass_fds)
        except subprocess.TimeoutExpired as ex:
            raise AssertionError(f'chronikerctl {list(args)!r} did not end within {timeout} s; '
                                 f'stdout {ex.stdout!r:.500}, stderr {ex.stderr!r:.500}') from None
        out, err = p.stdout, p.stderr
        if not binary:
            out = out.decode('utf-8', 'replace')
            err = err.decode('utf-8', 'replace')
            r = Result(list(args), p.returncode, out, err)
            self.assertNotIn('\x1b', out, f'escape code in output to a pipe: {r!r}')
            self.assertNotIn('\x1b', err, f'escape code in output to a pipe: {r!r}')
            return r
        # binary: a job's own bytes, which may hold anything
        return Result(list(args), p.returncode, out, err)

    def ok(self, *args, **kw):
        """Runs chronikerctl, which must exit 0; returns the Result."""
        r = self.ctl(*args, **kw)
        self.assertEqual(r.rc, 0, f'expected exit 0: {r!r}')
        return r

    def out(self, *args, **kw):
        return self.ok(*args, **kw).out

    def json(self, *args, **kw):
        r = self.ok(*args, **kw)
        try:
            return json.loads(r.out)
        except ValueError as ex:
            raise AssertionError(f'not JSON ({ex}): {r!r}') from None

    def show(self, job):
        obj = self.json('show', str(job), '--json')
        self.assertIsInstance(obj, dict, 'show --json prints one object')
        return obj

    def runtime_error(self, *args, rc=1, contains=(), **kw):
        """Runs chronikerctl, which must fail with `rc` (1) and exactly one line
        "chronikerctl: MESSAGE" on stderr; returns the message."""
        r = self.ctl(*args, **kw)
        self.assertEqual(r.rc, rc, f'expected exit {rc}: {r!r}')
        lines = r.err.rstrip('\n').split('\n')
        self.assertEqual(len(lines), 1, f'expected one line on stderr: {r!r}')
        self.assertTrue(lines[0].startswith('chronikerctl: '),
                        f'stderr should start with "chronikerctl: ": {r!r}')
        self.assertGreater(len(lines[0]), len('chronikerctl: '), f'empty message: {r!r}')
        for word in contains:
            self.assertIn(word.lower(), lines[0].lower(), f'the message should mention {word!r}: {r!r}')
        return lines[0]

    def usage_error(self, *args, contains=(), **kw):
        """Runs chronikerctl, which must exit 2 with "chronikerctl: MESSAGE" and then
        the usage on stderr; returns the Result."""
        r = self.ctl(*args, **kw)
        self.assertEqual(r.rc, 2, f'expected exit 2 (usage error): {r!r}')
        lines = [line for line in r.err.split('\n') if line.strip()]
        self.assertGreaterEqual(len(lines), 2, f'expected a message and then the usage: {r!r}')
        self.assertTrue(lines[0].startswith('chronikerctl: '),
                        f'stderr should start with "chronikerctl: ": {r!r}')
        rest = '\n'.join(lines[1:]).lower()
        self.assertTrue('usage' in rest or 'chronikerctl' in rest,
                        f'the usage should follow the message: {r!r}')
        for word in contains:
            self.assertIn(word.lower(), r.err.lower(), f'stderr should mention {word!r}: {r!r}')
        return r

    def popen(self, *args, env=None, **kw):
        """Starts chronikerctl without waiting (stdout and stderr pipes)."""
        e = dict(self.env)
        e.update(env or {})
        p = subprocess.Popen([self.chronikerctl, *args], env=e, cwd=self.tmp,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, **kw)
        self.addCleanup(self._end_popen, p)
        return p

    @staticmethod
    def _end_popen(p):
        if p.poll() is None:
            p.kill()
        p.wait()
        for f in (p.stdout, p.stderr):
            if f is not None:
                f.close()

    # jobs and runs

    def add(self, name, *args):
        """`chronikerctl add NAME ARGS…`, which must succeed silently."""
        r = self.ok('add', name, *args)
        self.assertEqual(r.out, '', f'add prints nothing on success: {r!r}')
        return self.bus.get_job_by_name(name)

    def run_id_of(self, r):
        """The run id that `run` printed as its first line of stdout."""
        first = r.out.split('\n')[0].strip()
        self.assertRegex(first, r'^\d+$', f'run prints the run id: {r!r}')
        return int(first)

    def run_wait(self, job, rc=0, timeout=CTL_TIMEOUT):
        """`run JOB --wait`, which must exit `rc`; returns (run_id, Result)."""
        r = self.ctl('run', job, '--wait', timeout=timeout)
        self.assertEqual(r.rc, rc, f'run --wait exit status: {r!r}')
        return self.run_id_of(r), r

    def run_nowait(self, job):
        """`run JOB`: returns the run id it printed."""
        return self.run_id_of(self.ok('run', job))

    def wait_show(self, job, pred, timeout=15, what='show --json'):
        """Polls `show JOB --json` (bounded) until pred(obj); returns obj."""
        return h.wait_for(lambda: self.show(job), pred, timeout, what, poll=0.1)

    # JSON shapes

    def assert_time(self, value, key, nullable=True):
        if value is None:
            self.assertTrue(nullable, f'{key} must not be null')
            return None
        self.assertIsInstance(value, str, f'{key} is an ISO time string or null, not {value!r}')
        self.assertRegex(value, ISO_RE, f'{key} is an ISO 8601 UTC time with "Z"')
        return iso_to_usec(value)

    def assert_int(self, value, key):
        self.assertIs(type(value), int, f'{key} should be an integer, not {value!r}')

    def assert_str(self, value, key):
        self.assertIs(type(value), str, f'{key} should be a string, not {value!r}')

    def assert_bool(self, value, key):
        self.assertIs(type(value), bool, f'{key} should be a boolean, not {value!r}')

    def assert_job_json(self, obj):
        """The keys and value types of a job object of list/show --json."""
        self.assertIsInstance(obj, dict)
        required = [k for k in SPEC_KEYS + STATE_KEYS if k not in WHAT_KEYS]
        missing = [k for k in required if k not in obj]
        self.assertEqual(missing, [], f'job object lacks keys: {obj!r}')
        # Exactly one of command, shell and check-url is set; the others are
        # absent, null or empty (the daemon has all three properties, the
        # unused ones empty).
        command, shell, check_url = obj.get('command'), obj.get('shell'), obj.get('check-url')
        if command is not None:
            self.assertIsInstance(command, list, 'command')
            for word in command:
                self.assert_str(word, 'command item')
        if shell is not None:
            self.assert_str(shell, 'shell')
        if check_url is not None:
            self.assert_str(check_url, 'check-url')
        self.assertEqual(sum(bool(v) for v in (command, shell, check_url)), 1,
                         f'a job object has exactly one of command, shell and check-url: {obj!r}')
        for key in ('name', 'description', 'working-directory', 'schedule', 'timezone',
                    'schedule-description', 'last-outcome', 'progress-message', 'monitor-url',
                    'check-contains', 'webhook-url', 'last-alert-error', 'waiting-for'):
            self.assert_str(obj[key], key)
        for key in ('timeout', 'max-runs', 'max-output-bytes', 'id', 'last-exit-code',
                    'progress-complete', 'progress-total', 'check-expect-status', 'check-timeout',
                    'max-tasks', 'memory-max', 'cpu-weight', 'retries', 'retry-delay',
                    'retry-max-delay', 'random-delay', 'run-if-wait', 'expected-duration',
                    'alert-after-failures'):
            self.assert_int(obj[key], key)
        # A double: JSON-GLib writes 2.0, which Python reads as a float
        self.assertIs(type(obj['retry-backoff']), float, 'retry-backoff')
        for key in ('run-on-success', 'run-on-failure', 'run-if'):
            self.assertIsInstance(obj[key], list, key)
            for item in obj[key]:
                self.assert_str(item, f'{key} item')
        self.assertIsInstance(obj['depends-on'], list, 'depends-on')
        for entry in obj['depends-on']:
            self.assertEqual(set(entry), {'job', 'wait-for-completion', 'wait-for-success',
                                          'wait-for-next-run'}, f'depends-on entry {entry!r}')
            self.assert_str(entry['job'], 'depends-on job')
            for flag in ('wait-for-completion', 'wait-for-success', 'wait-for-next-run'):
                self.assert_bool(entry[flag], f'depends-on {flag}')
        self.assertIn(obj['cpu-weight'], range(1, 10001), 'cpu-weight')
        for key in ('enabled', 'catch-up', 'running', 'is-monitor', 'merge-stderr'):
            self.assert_bool(obj[key], key)
        for key in ('notify-on', 'email-on'):
            self.assertIn(obj[key], WHEN, key)
        self.assertIsInstance(obj['environment'], dict, 'environment')
        for k, v in obj['environment'].items():
            self.assert_str(v, f'environment[{k}]')
        self.assertIsInstance(obj['email-to'], list, 'email-to')
        for a in obj['email-to']:
            self.assert_str(a, 'email-to item')
        for key in JOB_TIME_KEYS:
            self.assert_time(obj[key], key)
        if obj['current-run'] is not None:
            self.assert_int(obj['current-run'], 'current-run')
        self.assertIn(obj['last-outcome'], ('',) + OUTCOMES, 'last-outcome')

    def assert_run_json(self, run):
        """The keys and value types of a run object of runs --json."""
        self.assertIsInstance(run, dict)
        missing = [k for k in RUN_KEYS if k not in run]
        self.assertEqual(missing, [], f'run object lacks keys: {run!r}')
        for key in ('id', 'job-id', 'exit-code', 'signal', 'pid', 'stdout-bytes', 'stderr-bytes',
                    'progress-complete', 'progress-total', 'http-status', 'cpu-time', 'memory-peak',
                    'attempt'):
            self.assert_int(run[key], key)
        self.assertGreaterEqual(run['attempt'], 1, 'attempt is 1-based')
        for key in ('job', 'job-name', 'hostname', 'progress-message', 'alert-error', 'containment',
                    'message'):
            self.assert_str(run[key], key)
        self.assertIn(run['containment'], CONTAINMENTS, 'containment')
        self.assertTrue(run['job'].startswith(JOBS_PATH + '/'), f'job is the job\'s object path: {run!r}')
        self.assertEqual(run['job'], f'{JOBS_PATH}/{run["job-id"]}', 'job and job-id agree')
        self.assertIn(run['trigger'], TRIGGERS)
        self.assertIn(run['outcome'], OUTCOMES)
        self.assert_bool(run['truncated'], 'truncated')
        self.assert_bool(run['running-long'], 'running-long')
        started = self.assert_time(run['started'], 'started', nullable=False)
        finished = self.assert_time(run['finished'], 'finished')
        if run['outcome'] == 'running':
            self.assertIsNone(run['finished'], 'a running run has finished null')
            self.assertIsNone(run['duration'], 'a running run has duration null')
        elif run['outcome'] == 'interrupted':
            # finished is when the daemon found it so, which is no duration
            self.assertIsNotNone(finished, 'an interrupted run has a finished time')
            self.assertIsNone(run['duration'], f'an interrupted run has duration null: {run!r}')
        else:
            self.assertIsNotNone(finished, 'a finished run has a finished time')
            self.assertIn(type(run['duration']), (float, int), f'duration is seconds: {run!r}')
            self.assertAlmostEqual(run['duration'], (finished - started) / USEC, delta=0.01,
                                   msg='duration is finished - started in seconds')

    def assert_run_matches_bus(self, run):
        """A run object of the client agrees with GetRun of the daemon."""
        real = self.bus.get_run(run['id'])
        for key in ('job', 'job-name', 'trigger', 'outcome', 'exit-code', 'signal', 'hostname',
                    'pid', 'stdout-bytes', 'stderr-bytes', 'truncated', 'progress-complete',
                    'progress-total', 'progress-message', 'http-status', 'alert-error', 'cpu-time',
                    'memory-peak', 'containment', 'message', 'attempt'):
            self.assertEqual(run[key], real[key], f'{key} of run {run["id"]}')
        self.assertAlmostEqual(iso_to_usec(run['started']), real['started'], delta=1000)
        if real['finished']:
            self.assertAlmostEqual(iso_to_usec(run['finished']), real['finished'], delta=1000)

    def spec_of(self, obj):
        """The spec part of a job object (what export and import carry), without
        the unused ones of command, shell and check-url."""
        return {k: v for k, v in obj.items() if k in SPEC_KEYS and v is not None
                and not (k in WHAT_KEYS and not v)}

    @staticmethod
    def command_of(obj):
        """The command of a job object, None for a shell job."""
        return obj.get('command') or None

    @staticmethod
    def shell_of(obj):
        """The shell command line of a job object, None for a command job."""
        return obj.get('shell') or None

    @staticmethod
    def check_url_of(obj):
        """The URL an HTTP check job fetches, None for a command or shell job."""
        return obj.get('check-url') or None

    def edit_database(self, *statements):
        """Runs the (SQL, parameters) `statements` on the daemon's database in
        one transaction, while the daemon is stopped, and starts it again: for
        records that only time or another part of the daemon would make."""
        self.assertEqual(self.daemon.terminate(), 0)
        self.wait_no_owner()
        db = sqlite3.connect(self.db)
        try:
            with db:
                for sql, parameters in statements:
                    db.execute(sql, parameters)
        finally:
            db.close()
        self.daemon = self.start_chronikerd()

    # the daemon's environment

    def stub_program(self, name, script):
        """Writes an executable shell script TMP/bin/NAME and puts TMP/bin first on
        the PATH of the daemons started after this (and of the client): the daemon
        then finds it, say as `sendmail`, instead of the real one. Returns its path."""
        bindir = os.path.join(self.tmp, 'bin')
        os.makedirs(bindir, exist_ok=True)
        path = os.path.join(bindir, name)
        with open(path, 'w') as f:
            f.write('#!/bin/sh\n' + script)
        os.chmod(path, 0o755)
        paths = self.env.get('PATH', os.defpath).split(os.pathsep)
        if bindir not in paths:
            self.env['PATH'] = os.pathsep.join([bindir] + paths)
        return path

    def on_tty(self, *args, env=None):
        """Runs chronikerctl ARGS with stdout and stderr on a pseudo-terminal; returns
        (status, what it wrote)."""
        master, slave = pty.openpty()
        e = dict(self.env, TERM='xterm-256color')
        e.update(env or {})
        try:
            p = subprocess.Popen([self.chronikerctl, *args], env=e, cwd=self.tmp,
                                 stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
        finally:
            os.close(slave)
        try:
            chunks = read_until_eof(master, 30)
            p.wait(30)
        finally:
            os.close(master)
            if p.poll() is None:
                p.kill()
                p.wait()
        return p.returncode, b''.join(d for _, d in chunks)

    # misc

    def write(self, name, data):
        path = self.path_file(name)
        with open(path, 'wb' if isinstance(data, bytes) else 'w') as f:
            f.write(data)
        return path


def show_fields(text):
    """The "Key: value" lines of show, as a dict (the first of each key)."""
    out = {}
    for line in text.split('\n'):
        if ':' in line and not line.startswith(' '):
            key, value = line.split(':', 1)
            out.setdefault(key.strip(), value.strip())
    return out


def read_until_eof(fd, timeout, on_chunk=None):
    """Reads a pipe until EOF (bounded); returns [(monotonic time, bytes)]."""
    chunks = []
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f'no EOF within {timeout} s; read {b"".join(c for _, c in chunks)!r:.500}')
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:      # a pty's master reads EIO once the other side is closed
            data = b''
        if not data:
            return chunks
        chunks.append((time.monotonic(), data))
        if on_chunk is not None:
            on_chunk(data)


main = h.main
