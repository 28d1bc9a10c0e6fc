#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Random D-Bus calls against chronikerd, then its leaks at exit.

Starts the real chronikerd (built with AddressSanitizer, whose LeakSanitizer
reports at exit: build-aux/fuzz dbus builds one in _build-asan) on a private
dbus-daemon and makes --calls random calls (default 10,000; at most
--seconds, default 300), --in-flight of them at once (default 16) from
--connections clients (default 4; one is replaced every 250 calls, now and
then with its calls under way): every method of Scheduler1 and Job1, and
Properties, ObjectManager and Introspectable, with right and wrong argument
types, huge strings, invalid UTF-8 where a string is expected, bad schedules
and zones, unknown keys, objects that do not exist or no longer do. The
jobs it creates run only commands from a fixed list (true, false, a little
output, progress lines, a short sleep, a program that does not exist), at
most --max-jobs of them (default 40), so never more than that many runs at
once.

Then it stops the daemon with SIGTERM, as a user's session would, and reads
what AddressSanitizer and the daemon's log said:
  - a memory error, the daemon dying before the SIGTERM, or a call left
    without a reply for 30 s: a crash;
  - a GLib critical in its log (a broken precondition): a bug too;
  - each leak, by the frames of its stack: one with a frame in Chroniker's
    own code (daemon/, src/, or the code generated from them) is ours;
    one with no such frame that matches an entry of tests/fuzz/lsan.supp
    (one-time allocations inside GLib and the other libraries, each entry
    with why) is listed apart; any other one is unexplained.
It exits 1 on a crash, a critical, a leak in Chroniker's code or an
unexplained one, 0 otherwise. The suppressions are applied here, never
inside LeakSanitizer, so that an entry can never hide a leak of ours.

  tests/fuzz/dbus-fuzz.py --chronikerd _build-asan/daemon/chronikerd
                          [--calls N] [--seconds S] [--seed N] [--tap] ...

With --tap it prints TAP for meson (suite 'slow'), and when the daemon given
is missing or not built with AddressSanitizer the test is skipped with the
reason, since the test suite builds no ASan tree itself. Run it with
/usr/bin/python3 (it needs python3-gi); it shares the bus code of
tests/bench/bench-daemon.py.
"""

import argparse
import importlib.util
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, '..', '..'))
DEFAULT_SUPPRESSIONS = os.path.join(HERE, 'lsan.supp')


# bench-daemon.py, as the module bench_daemon (its name is no identifier).
_spec = importlib.util.spec_from_file_location(
    'bench_daemon', os.path.join(TOP, 'tests', 'bench', 'bench-daemon.py'))
bd = sys.modules['bench_daemon'] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bd)
from bench_daemon import (  # noqa: E402
    GLib, Gio, BUS_NAME, MANAGER_PATH, SCHEDULER_IFACE, JOB_IFACE
)
JOBS_PATH = MANAGER_PATH + '/jobs'
PROPS_IFACE = 'org.freedesktop.DBus.Properties'
OM_IFACE = 'org.freedesktop.DBus.ObjectManager'
INTROSPECT_IFACE = 'org.freedesktop.DBus.Introspectable'
ERROR_PREFIX = 'io.github.chroniker.Chroniker.Error.'
CALL_TIMEOUT_MS = 30_000
TIMED_OUT = 'no reply in 30 s'


class FuzzError(Exception):
    """Something kept the fuzz from running (not a finding)."""


# --- random values -------------------------------------------------------------

# The only programs the fuzz's jobs run: short, bounded, harmless. Random
# text never becomes a command: shell strings come from this list too, and
# a random argv[0] is always under /nonexistent/.
SAFE_ARGVS = [
    ['/bin/true'],
    ['/bin/false'],
    ['/bin/echo', 'hello'],
    ['/bin/sh', '-c', 'echo out; echo err >&2; exit 2'],
    ['/bin/sh', '-c', 'head -c 200000 /dev/zero | tr "\\0" x'],
    ['/bin/sh', '-c', 'echo "1/3 one" >&"$CHRONIKER_PROGRESS_FD"; '
                      'echo "bad line" >&"$CHRONIKER_PROGRESS_FD"; '
                      'echo "7/3 too many" >&"$CHRONIKER_PROGRESS_FD"; '
                      'printf "50%% \\302\\233\\033[31m\\377\\n" >&"$CHRONIKER_PROGRESS_FD"'],
    ['/bin/sh', '-c', 'printf "\\377\\376 not UTF-8 \\300\\n"; sleep 0.2'],
    ['/bin/sleep', '0.5'],
    ['/bin/sleep', '2'],
    ['/nonexistent/program'],
]
SAFE_SHELLS = ['true', 'false', 'echo hi; exit 7', 'sleep 0.3', 'printf "\\001\\033]52;c;eA==\\a"',
               'echo "2/4 half" >&"$CHRONIKER_PROGRESS_FD"']

SCHEDULES = [
    '', '@daily', '@hourly', '@yearly', '@reboot', '@', '* * * * *', '*/15 * * * *',
    '0 3 * * MON-FRI', '60 * * * *', '* * * * * *', '1-0 * * * *', '*/0 * * * *',
    '0 0 31 2 *', '0 0 30 FEB *', 'FREQ=DAILY', 'RRULE:FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=9',
    'FREQ=SECONDLY;INTERVAL=5', 'FREQ=SECONDLY;INTERVAL=0', 'FREQ=YEARLY;BYMONTH=13',
    'FREQ=MONTHLY;BYMONTHDAY=-40', 'FREQ=DAILY;COUNT=0', 'FREQ=DAILY;UNTIL=19700101T000000Z',
    'FREQ=MINUTELY;BYSETPOS=999999', 'FREQ=', 'FREQ=WEEKLY;BYDAY=XX', 'RRULE:', ';;;',
    'FREQ=DAILY;BYHOUR=99', '0 0 * * 8', 'jan * * * *', '* * * JAN-DEC/99 *',
]
TIMEZONES = ['', 'UTC', 'Europe/Paris', 'Pacific/Chatham', 'America/St_Johns', 'Nowhere/City',
             '../../../../etc/passwd', 'UTC+5', 'Etc/GMT-14', 'posixrules', '/etc/localtime']
OUTCOMES = ['running', 'success', 'failure', 'timeout', 'stopped', 'interrupted',
            'failed-to-start', 'skipped', 'bogus', '']
SPEC_TYPES = {
    'name': 's', 'description': 's', 'command': 'as', 'shell': 's', 'working-directory': 's',
    'environment': 'a{ss}', 'schedule': 's', 'timezone': 's', 'start': 'x', 'enabled': 'b',
    'timeout': 'u', 'catch-up': 'b', 'max-runs': 'u', 'max-output-bytes': 't',
    'notify-on': 's', 'email-on': 's', 'email-to': 'as', 'is-monitor': 'b',
    'monitor-url': 's', 'check-url': 's', 'check-expect-status': 'u', 'check-contains': 's',
    'check-timeout': 'u', 'webhook-url': 's', 'max-tasks': 'u', 'memory-max': 't',
    'cpu-weight': 'u', 'merge-stderr': 'b', 'depends-on': 'aa{sv}', 'run-on-success': 'as',
    'run-on-failure': 'as', 'retries': 'u', 'retry-delay': 'u', 'retry-backoff': 'd',
    'retry-max-delay': 'u', 'random-delay': 'u', 'run-if': 'as', 'run-if-wait': 'u',
    'expected-duration': 'u', 'alert-after-failures': 'u', 'snoozed-until': 'x',
}
SETTINGS_TYPES = {
    'allow-shell': 'b', 'max-concurrent-runs': 'u', 'keep-runs-days': 'u',
    'notifications': 'b', 'email-from': 's', 'smtp-url': 's', 'smtp-starttls': 'b',
    'smtp-username': 's', 'smtp-password': 's', 'webhook-url': 's', 'default-max-tasks': 'u',
    'resume-delay': 'u',
}
FILTER_TYPES = {'job': 'o', 'outcome': 's', 'since': 'x', 'limit': 'u', 'offset': 'u'}
# Loopback only, nothing listening: deliveries fail at once, nothing leaves the machine.
DEAD_URLS = ['http://127.0.0.1:9/hook', 'https://127.0.0.1:9/', 'http://[::1]:9/x',
             'smtp://127.0.0.1:9', 'smtps://127.0.0.1:9', 'file:///etc/passwd',
             'gopher://127.0.0.1:9/', 'http://', 'http://user:secret@127.0.0.1:9/', 'not a url']


class Values:
    """Random values, right and wrong, from one seeded generator."""

    def __init__(self, rng):
        self.rng = rng

    def chance(self, p):
        return self.rng.random() < p

    def uint(self, bits=32):
        r = self.rng
        return r.choice([0, 1, 2, 59, 60, 100, 1000, 1024, 10_000, (1 << bits) - 1,
                         (1 << (bits - 1)), r.randrange(1 << bits)])

    def int(self, bits=64):
        r = self.rng
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        now = time.time_ns() // 1000
        return r.choice([0, -1, 1, lo, hi, now, now + 60_000_000, now - 86_400_000_000,
                         r.randint(lo, hi)])

    def text(self):
        r = self.rng
        kind = r.randrange(12)
        if kind == 0:
            return ''
        if kind == 1:
            # Huge, now and then: up to 1 MiB.
            return r.choice('ax€\u202e') * r.choice([4096, 65_537, 1 << 20]) \
                if self.chance(0.3) else 'x' * 300
        if kind == 2:
            return ''.join(chr(r.choice([1, 7, 8, 9, 10, 13, 27, 0x7f, 0x85, 0x9b, 0x2028,
                                         0x202e, 0xfeff, 0xfffd, 0x1f4a3]))
                           for _ in range(r.randrange(1, 40)))
        if kind == 3:
            return '%s%n%x%p{}\\' * r.randrange(1, 10)
        if kind == 4:
            return r.choice(SCHEDULES)
        if kind == 5:
            return r.choice(TIMEZONES)
        if kind == 6:
            return r.choice(DEAD_URLS)
        if kind == 7:
            return '../' * r.randrange(1, 20) + 'etc/shadow'
        if kind == 8:
            return 'line one\nline two\r\nthree'
        if kind == 9:
            return f'fuzz-{r.randrange(60)}'
        if kind == 10:
            return 'a@example.invalid, "b c" <b@example.invalid>\r\nBcc: x@example.invalid'
        return ''.join(chr(r.randrange(0x20, 0x3000)) for _ in range(r.randrange(1, 30)))

    def bad_utf8(self):
        return self.rng.choice([b'\xff\xfe', b'\xc0\x80', b'a\x00b', b'\xed\xa0\x80',
                                b'\xf4\x90\x80\x80', b'ok' * 10, b''])

    def path(self, live):
        r = self.rng
        choice = r.randrange(6)
        if choice <= 2 and live:
            return r.choice(live)
        if choice == 3:
            return f'{JOBS_PATH}/{r.choice([0, 1, 999_999, (1 << 64) - 1, r.randrange(1000)])}'
        if choice == 4:
            return r.choice([MANAGER_PATH, '/', JOBS_PATH, f'{JOBS_PATH}/abc', f'{JOBS_PATH}/1/2',
                             f'{JOBS_PATH}/_1'])
        return f'{JOBS_PATH}/{r.randrange(1, 400)}'

    def variant(self, depth=0):
        """Any variant, of any type."""
        r = self.rng
        kind = r.randrange(16 if depth < 3 else 11)
        if kind == 0:
            return GLib.Variant('s', self.text())
        if kind == 1:
            return GLib.Variant('b', self.chance(0.5))
        if kind == 2:
            return GLib.Variant('u', self.uint())
        if kind == 3:
            return GLib.Variant('i', r.randint(-(1 << 31), (1 << 31) - 1))
        if kind == 4:
            return GLib.Variant('x', self.int())
        if kind == 5:
            return GLib.Variant('t', self.uint(64))
        if kind == 6:
            return GLib.Variant('d', r.choice([0.0, -1.5, 1e308, float('inf'), float('nan')]))
        if kind == 7:
            return GLib.Variant('ay', self.bad_utf8())
        if kind == 8:
            return GLib.Variant('as', [self.text() for _ in range(r.randrange(4))])
        if kind == 9:
            return GLib.Variant('o', self.path([]))
        if kind == 10:
            return GLib.Variant('y', r.randrange(256))
        if kind == 11:
            return GLib.Variant('a{ss}', {self.text()[:50]: self.text()
                                          for _ in range(r.randrange(4))})
        if kind == 12:
            return GLib.Variant('v', self.variant(depth + 1))
        if kind == 13:
            return GLib.Variant.new_tuple(*[self.variant(depth + 1)
                                            for _ in range(r.randrange(1, 4))])
        if kind == 14:
            return GLib.Variant('a{sv}', {self.text()[:50]: self.variant(depth + 1)
                                          for _ in range(r.randrange(3))})
        # Nested variants, deeper than anyone should send.
        value = GLib.Variant('s', 'deep')
        for _ in range(r.randrange(1, 60)):
            value = GLib.Variant('v', value)
        return value

    def typed(self, signature):
        """A right value of a D-Bus type, or now and then a random one."""
        r = self.rng
        if signature == 's':
            return GLib.Variant('s', self.text())
        if signature == 'as':
            return GLib.Variant('as', [self.text() for _ in range(r.randrange(4))])
        if signature == 'a{ss}':
            env = {}
            for _ in range(r.randrange(5)):
                key = r.choice(['PATH', 'HOME', 'LD_PRELOAD', 'BASH_ENV', '', '=', 'A=B',
                                'CHRONIKER_RUN_ID', self.text()[:40]])
                env[key] = self.text()[:200]
            return GLib.Variant('a{ss}', env)
        if signature == 'b':
            return GLib.Variant('b', self.chance(0.5))
        if signature == 'u':
            return GLib.Variant('u', self.uint())
        if signature == 't':
            return GLib.Variant('t', self.uint(64))
        if signature == 'x':
            return GLib.Variant('x', self.int())
        if signature == 'o':
            return GLib.Variant('o', self.path([]))
        if signature == 'd':
            return GLib.Variant('d', r.choice([0.0, 1.0, 2.5, -1.0, 1e308, float('nan')]))
        if signature == 'aa{sv}':
            flags = ['job', 'wait-for-completion', 'wait-for-success', 'wait-for-next-run', 'x']
            return GLib.Variant('aa{sv}', [
                {r.choice(flags): GLib.Variant('s', self.text()[:40]) if self.chance(0.5)
                 else GLib.Variant('b', self.chance(0.5)) for _ in range(r.randrange(4))}
                for _ in range(r.randrange(3))])
        return self.variant()

    def spec_value(self, key, creating):
        """A value for a spec key: mostly sane, often odd, sometimes wrong."""
        r = self.rng
        if self.chance(0.1):
            return self.variant()   # a wrong type, most likely
        if key == 'command':
            if self.chance(0.85):
                return GLib.Variant('as', r.choice(SAFE_ARGVS))
            return GLib.Variant('as', r.choice([[], [''], ['/nonexistent/' + self.text()[:100]],
                                                ['/nonexistent/x', self.text()]]))
        if key == 'shell':
            return GLib.Variant('s', r.choice(SAFE_SHELLS))
        if key == 'schedule':
            return GLib.Variant('s', r.choice(SCHEDULES) if self.chance(0.8) else self.text())
        if key == 'timezone':
            return GLib.Variant('s', r.choice(TIMEZONES))
        if key == 'name':
            return GLib.Variant('s', f'fuzz-{r.randrange(80)}' if self.chance(0.8) else self.text())
        if key in ('check-url', 'webhook-url', 'monitor-url'):
            return GLib.Variant('s', r.choice(DEAD_URLS + ['']))
        if key == 'email-to':
            return GLib.Variant('as', r.choice([[], ['a@example.invalid'], [self.text()],
                                                ['x@example.invalid'] * 50]))
        if key in ('notify-on', 'email-on'):
            return GLib.Variant('s', r.choice(['failure', 'always', 'never', 'sometimes', '']))
        if key == 'working-directory':
            return GLib.Variant('s', r.choice(['', '/', '/tmp', '/nonexistent', 'relative',
                                               self.text()]))
        if key == 'timeout':
            return GLib.Variant('u', r.choice([0, 1, 2, 3600, self.uint()]))
        if key == 'max-runs':
            return GLib.Variant('u', r.choice([0, 1, 3, 100, self.uint()]))
        return self.typed(SPEC_TYPES[key])


# --- the calls -------------------------------------------------------------------

class Fuzzer:
    def __init__(self, args, bus, daemon):
        self.args = args
        self.rng = random.Random(args.seed)
        self.values = Values(self.rng)
        self.bus = bus
        self.daemon = daemon
        # Clients come and go: a few connections, one of them replaced now
        # and then, sometimes with its calls still under way.
        self.conns = [bus.conn] + [self.connect() for _ in range(args.connections - 1)]
        self.conn_pending = [0] * len(self.conns)
        self.next_churn = 250
        self.reconnects = 0
        self.live = []          # job paths we believe exist
        self.gone = []          # job paths deleted
        self.run_ids = [1, 2, 0, (1 << 64) - 1]
        self.sent = 0
        self.pending = 0
        self.creating = 0       # CreateJob calls under way that may make a job
        self.replies = {}       # 'ok' or the error's name -> count
        self.by_method = {}     # method -> count
        self.slow = []          # (seconds, method) of the slowest replies

    def spec(self, creating=True):
        v = self.values
        r = self.rng
        spec = {}
        if creating and v.chance(0.9):
            spec['name'] = v.spec_value('name', creating)
            kind = r.choice(['command', 'command', 'command', 'shell', 'check-url', None])
            if kind is not None:
                spec[kind] = v.spec_value(kind, creating)
        for key in r.sample(sorted(SPEC_TYPES), r.randrange(0, 5)):
            if key not in spec:
                spec[key] = v.spec_value(key, creating)
        if v.chance(0.1):
            spec[v.text()[:60] or 'unknown'] = v.variant()   # an unknown key
        if not creating and 'name' in spec and v.chance(0.5):
            del spec['name']
        return spec

    def calls(self):
        """One random call: (path, interface, method, parameters or None)."""
        v = self.values
        r = self.rng
        live = self.live
        pick = r.randrange(100)
        if pick < 14:
            # Jobs stay few: at the cap, a create is only ever of a spec with a wrong type.
            spec = self.spec()
            if len(live) + self.creating >= self.args.max_jobs:
                spec['schedule'] = GLib.Variant('u', 1)
                return MANAGER_PATH, SCHEDULER_IFACE, 'CreateJob!', GLib.Variant('(a{sv})', (spec,))
            return MANAGER_PATH, SCHEDULER_IFACE, 'CreateJob', GLib.Variant('(a{sv})', (spec,))
        if pick < 24:
            path = v.path(live)
            return path, JOB_IFACE, 'Update', GLib.Variant('(a{sv})', (self.spec(False),))
        if pick < 32:
            return v.path(live + self.gone), JOB_IFACE, 'Run', None
        if pick < 36:
            return v.path(live), JOB_IFACE, 'Stop', None
        if pick < 41:
            # Deletes keep pace with creates, so jobs come and go.
            return v.path(live if v.chance(0.8) else self.gone), JOB_IFACE, 'Delete', None
        if pick < 44:
            return v.path(live), JOB_IFACE, 'ListRuns', GLib.Variant(
                '(uu)', (r.choice([0, 1, 5, 1 << 31]),
                         r.choice([0, 1, 10, 100, 10_000, (1 << 32) - 1])))
        if pick < 48:
            return MANAGER_PATH, SCHEDULER_IFACE, 'GetJobByName', GLib.Variant(
                '(s)', (f'fuzz-{r.randrange(80)}' if v.chance(0.7) else v.text(),))
        if pick < 54:
            return MANAGER_PATH, SCHEDULER_IFACE, 'PreviewSchedule', GLib.Variant(
                '(ssxu)', (r.choice(SCHEDULES) if v.chance(0.7) else v.text(), r.choice(TIMEZONES),
                           v.int(), r.choice([0, 1, 10, 1000, 1001, (1 << 32) - 1])))
        if pick < 60:
            flt = {}
            for key in r.sample(sorted(FILTER_TYPES), r.randrange(0, 4)):
                flt[key] = v.variant() if v.chance(0.2) else (
                    GLib.Variant('o', v.path(live)) if key == 'job' else
                    GLib.Variant('s', r.choice(OUTCOMES)) if key == 'outcome' else
                    v.typed(FILTER_TYPES[key]))
            if v.chance(0.05):
                flt['bogus'] = v.variant()
            return MANAGER_PATH, SCHEDULER_IFACE, 'ListRuns', GLib.Variant('(a{sv})', (flt,))
        if pick < 64:
            return MANAGER_PATH, SCHEDULER_IFACE, 'GetRun', GLib.Variant(
                '(t)', (r.choice(self.run_ids),))
        if pick < 69:
            return MANAGER_PATH, SCHEDULER_IFACE, 'ReadRunOutput', GLib.Variant(
                '(ttu)', (r.choice(self.run_ids), r.choice([0, 1, 5, (1 << 64) - 1]),
                          r.choice([0, 1, 100, 65536, (1 << 32) - 1])))
        if pick < 71:
            return MANAGER_PATH, SCHEDULER_IFACE, 'PurgeRuns', GLib.Variant(
                '(x)', (r.choice([0, -1, v.int(), time.time_ns() // 1000 - 60_000_000]),))
        if pick < 75:
            return MANAGER_PATH, SCHEDULER_IFACE, 'ReportProgress', GLib.Variant(
                '(tuus)', (r.choice(self.run_ids), v.uint(), v.uint(), v.text()))
        if pick < 77:
            return MANAGER_PATH, SCHEDULER_IFACE, 'GetSettings', None
        if pick < 81:
            settings = {}
            for key in r.sample(sorted(SETTINGS_TYPES), r.randrange(0, 4)):
                if key in ('smtp-url', 'webhook-url'):
                    # Never "" for smtp-url: that pipes to sendmail.
                    settings[key] = GLib.Variant('s', r.choice(DEAD_URLS))
                elif key == 'max-concurrent-runs':
                    settings[key] = GLib.Variant('u', r.choice([0, 1, 4, self.args.max_jobs]))
                elif v.chance(0.2):
                    settings[key] = v.variant()
                else:
                    settings[key] = v.typed(SETTINGS_TYPES[key])
            if v.chance(0.1):
                settings[v.text()[:40]] = v.variant()
            return MANAGER_PATH, SCHEDULER_IFACE, 'SetSettings', GLib.Variant('(a{sv})',
                                                                              (settings,))
        if pick < 82:
            return MANAGER_PATH, SCHEDULER_IFACE, 'SendTestEmail', GLib.Variant(
                '(s)', (r.choice(['a@example.invalid', '', v.text()]),))
        if pick < 86:
            path = v.path(live)
            iface = r.choice([JOB_IFACE, SCHEDULER_IFACE, '', 'org.example.Nope'])
            method = r.choice(['Get', 'GetAll', 'Set'])
            name = r.choice(['Name', 'NextRun', 'Running', 'Version', 'RunningCount', 'Nope',
                             'StorageProblem', ''])
            params = {'Get': GLib.Variant('(ss)', (iface, name)),
                      'GetAll': GLib.Variant('(s)', (iface,)),
                      'Set': GLib.Variant('(ssv)', (iface, name, v.variant()))}[method]
            return path, PROPS_IFACE, method, params
        if pick < 88:
            return MANAGER_PATH, OM_IFACE, 'GetManagedObjects', None
        if pick < 89:
            return v.path(live), INTROSPECT_IFACE, 'Introspect', None
        # The rest: a real method with the wrong arguments, or no such method.
        path = v.path(live) if v.chance(0.5) else MANAGER_PATH
        iface = r.choice([SCHEDULER_IFACE, JOB_IFACE, 'org.example.Nope'])
        method = r.choice(['CreateJob', 'Update', 'Run', 'GetRun', 'ReadRunOutput', 'SetSettings',
                           'PreviewSchedule', 'ReportProgress', 'ListRuns', 'Delete', 'Nope'])
        args = [v.variant() for _ in range(r.randrange(0, 5))]
        return path, iface, method, GLib.Variant.new_tuple(*args) if args else None

    def connect(self):
        conn = Gio.DBusConnection.new_for_address_sync(
            self.bus.address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)
        conn.set_exit_on_close(False)
        return conn

    def churn(self):
        """Replaces one of the extra connections."""
        if len(self.conns) < 2 or self.sent < self.next_churn:
            return
        self.next_churn += 250
        i = self.rng.randrange(1, len(self.conns))
        if self.conn_pending[i] and self.rng.random() < 0.5:
            return   # the other half of the time it goes with calls under way
        try:
            self.conns[i].close_sync(None)
        except GLib.Error:
            pass
        self.conns[i] = self.connect()
        self.reconnects += 1

    def close(self):
        for conn in self.conns[1:]:
            try:
                conn.close_sync(None)
            except GLib.Error:
                pass

    def reply_cb(self, conn, result, data):
        path, method, t0, i = data
        self.pending -= 1
        if conn is self.conns[i]:
            self.conn_pending[i] -= 1
        if method == 'CreateJob':
            self.creating -= 1
        seconds = time.monotonic() - t0
        if seconds > 1:
            self.slow.append((seconds, method))
        try:
            reply = conn.call_finish(result)
        except GLib.Error as error:
            name = Gio.DBusError.get_remote_error(error) or f'{error.domain}:{error.code}'
            if error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT):
                name = TIMED_OUT
            elif error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CLOSED):
                name = '(our connection closed under it)'
            short = name[len(ERROR_PREFIX):] if name.startswith(ERROR_PREFIX) else name
            self.replies[short] = self.replies.get(short, 0) + 1
            if short in ('NotFound', 'org.freedesktop.DBus.Error.UnknownObject') and \
               method in ('Delete', 'Update', 'Run') and path in self.live:
                self.live.remove(path)
            return
        self.replies['ok'] = self.replies.get('ok', 0) + 1
        value = reply.unpack() if reply is not None else ()
        if method == 'CreateJob':
            self.live.append(value[0])
        elif method == 'Delete' and path in self.live:
            self.live.remove(path)
            self.gone.append(path)
        elif method == 'Run':
            self.run_ids.append(value[0])
            del self.run_ids[:-50]

    def send(self):
        path, iface, method, params = self.calls()
        self.sent += 1
        self.pending += 1
        if method == 'CreateJob':
            self.creating += 1
        shown = method.replace('!', ' at the job cap')
        self.by_method[shown] = self.by_method.get(shown, 0) + 1
        i = self.rng.randrange(len(self.conns))
        self.conn_pending[i] += 1
        self.conns[i].call(BUS_NAME, path, iface, method.rstrip('!'), params, None,
                           Gio.DBusCallFlags.NONE, CALL_TIMEOUT_MS, None, self.reply_cb,
                           (path, method, time.monotonic(), i))

    def run(self):
        args = self.args
        deadline = time.monotonic() + args.seconds
        next_report = time.monotonic() + 10
        context = GLib.MainContext.default()
        while self.sent < args.calls or self.pending:
            bd._check_signal()
            self.daemon.check_alive()
            now = time.monotonic()
            if now > deadline:
                if self.pending == 0 or now > deadline + CALL_TIMEOUT_MS / 1000 + 5:
                    break
            while (self.sent < args.calls and self.pending < args.in_flight and
                   time.monotonic() <= deadline):
                self.send()
                self.churn()
            if now >= next_report and not args.tap:
                print(f'  {self.sent} calls sent, {len(self.live)} jobs', flush=True)
                next_report = now + 10
            bd._signal['spinning'] = True
            try:
                context.iteration(True)
            finally:
                bd._signal['spinning'] = False


# --- the daemon and its report --------------------------------------------------

class Runner(bd.ProcessOwner):
    """The private bus and the ASan daemon, as bench-daemon.py has them."""

    program = 'dbus-fuzz'
    # An ASan daemon writes its leak report as it exits: give it time.
    end_timeout = 120

    def say_kept(self):
        print(f'dbus-fuzz: kept {self.tmp}', file=sys.stderr)


def asan_environment(log_dir):
    env = {
        # Full stacks on every allocation (slower): the fast unwinder stops
        # at the distribution's libraries, built without frame pointers, and
        # would lose the frames of ours above a g_malloc.
        'ASAN_OPTIONS': ':'.join([
            'detect_leaks=1', 'halt_on_error=1', 'abort_on_error=0', 'exitcode=23',
            'fast_unwind_on_malloc=0', 'malloc_context_size=40', 'symbolize=1',
            'detect_stack_use_after_return=0', 'allocator_may_return_null=1',
            f'log_path={log_dir}/asan',
        ]),
        # No suppressions inside LeakSanitizer: this script applies them, to
        # stacks without a frame of ours only.
        'LSAN_OPTIONS': 'report_objects=0:use_unaligned=1',
        # Slices through malloc (GLib 2.74 still has them), and no cached
        # memory kept past its free, so that leaks are leaks.
        'G_SLICE': 'always-malloc',
        'G_DEBUG': 'gc-friendly',
    }
    return env


Frame = tuple  # (function, location)


def parse_report(text):
    """AddressSanitizer's report: (errors, leaks), each leak (kind, bytes, objects, frames)."""
    errors = re.findall(r'^==\d+==ERROR: (AddressSanitizer: .*)$', text, re.M)
    # LeakSanitizer cannot run under ptrace (a debugger, strace): no report is no verdict.
    errors += [f'the leak check did not run: {line}' for line in
               re.findall(r'^==\d+==(LeakSanitizer has encountered a fatal error.*)$', text, re.M)]
    errors += re.findall(r'^(SUMMARY: UndefinedBehaviorSanitizer: .*)$', text, re.M)
    leaks = []
    for block in re.split(r'\n(?=(?:Direct|Indirect) leak of )', text):
        head = re.match(r'(Direct|Indirect) leak of (\d+) byte\(s\) in (\d+) object\(s\)', block)
        if not head:
            continue
        frames = []
        for line in block.splitlines()[1:]:
            frame = re.match(r'\s+#\d+ 0x[0-9a-f]+ in (\S+) (.*)$', line)
            if frame:
                frames.append((frame.group(1), frame.group(2)))
            elif re.match(r'\s+#\d+ 0x[0-9a-f]+ +\((.*)\)$', line):
                frames.append(('??', re.match(r'\s+#\d+ 0x[0-9a-f]+ +\((.*)\)$', line).group(1)))
            elif line.strip() == '' and frames:
                break
        leaks.append((head.group(1), int(head.group(2)), int(head.group(3)), frames))
    return errors, leaks


def ours(frame, roots):
    """A frame of Chroniker's code: in daemon/ or src/, or generated from them in the build.

    roots: the source tree and the build tree; a compiler writes the paths
    of the sources relative to the build tree (../daemon/main.c).
    """
    function, location = frame
    path = location.rsplit(' ', 1)[-1].split(':')[0]
    if not path or path.startswith('('):
        return False   # a library's frame: (/lib/…/libglib-2.0.so.0+0x…)
    if not os.path.isabs(path):
        path = os.path.normpath(os.path.join(roots[-1], path))
    return any(path.startswith(os.path.join(root, part) + '/')
               for root in roots for part in ('daemon', 'src'))


def our_frames(frames, roots):
    """The frames of ours on a leak's stack, but main() where it only runs the main loop."""
    found = []
    for i, frame in enumerate(frames):
        if not ours(frame, roots):
            continue
        if frame[0] == 'main' and i > 0 and frames[i - 1][0] in ('g_main_loop_run',
                                                                   'g_main_context_iteration'):
            continue
        found.append(frame)
    return found


def load_suppressions(path):
    """lsan.supp's leak: entries, each with the comment above it."""
    entries = []
    why = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith('#'):
                why.append(line.lstrip('# '))
            elif line.startswith('leak:'):
                entries.append((line[len('leak:'):], ' '.join(why)))
            elif not line:
                why = []
    return entries


def matches(pattern, frames):
    """As LeakSanitizer matches a suppression: a substring (with * wildcards) of a
    frame's function or module."""
    regex = re.compile('.*'.join(re.escape(part) for part in pattern.strip('^$').split('*')))
    return any(regex.search(function) or regex.search(location) for function, location in frames)


def classify(leaks, suppressions, roots):
    mine, known, unexplained = [], {}, []
    for leak in leaks:
        kind, size, count, frames = leak
        if our_frames(frames, roots):
            mine.append(leak)
            continue
        for pattern, why in suppressions:
            if matches(pattern, frames):
                total = known.setdefault(pattern, [0, 0, why])
                total[0] += count
                total[1] += size
                break
        else:
            unexplained.append(leak)
    return mine, known, unexplained


def format_leak(leak, roots, limit=14):
    kind, size, count, frames = leak
    lines = [f'    {kind} leak of {size} bytes in {count} objects, allocated from:']
    mine = set(our_frames(frames, roots))
    for function, location in frames[:limit]:
        mark = '>' if (function, location) in mine else ' '
        lines.append(f'     {mark} {function}  {location.replace(TOP + "/", "")}')
    if len(frames) > limit:
        lines.append(f'        … {len(frames) - limit} more frames')
    return '\n'.join(lines)


def is_asan_build(path):
    """Whether a binary has AddressSanitizer in it (gcc links libasan; clang links it in)."""
    try:
        with open(path, 'rb') as f:
            return b'__asan_init' in f.read()
    except OSError:
        return False


def newer_sources(binary):
    """Sources of the daemon changed since @binary was built: how many, and one of them."""
    built = os.path.getmtime(binary)
    newer = []
    for folder in ('daemon', os.path.join('src', 'libchroniker'), 'data'):
        for name in os.listdir(os.path.join(TOP, folder)):
            path = os.path.join(TOP, folder, name)
            source = name.endswith(('.c', '.h')) or name.endswith('Scheduler1.xml')
            if source and os.path.getmtime(path) > built:
                newer.append(os.path.relpath(path, TOP))
    return newer


def fuzz(args):
    runner = Runner(args)
    log_dir = os.path.join(runner.tmp, 'asan')
    os.makedirs(log_dir)
    os.environ.update(asan_environment(log_dir))
    try:
        bus = runner.bus('bus')
        # Not runner.daemon(): cleanup() ends this one with the other processes,
        # after the bus, and gives the ASan build its end_timeout.
        daemon = bd.Daemon(runner, bus, os.path.join(runner.tmp, 'fuzz.db'), 'fuzz')
        daemon.start()
        # Deliveries to dead loopback ports only; nothing is ever piped to sendmail.
        bus.scheduler('SetSettings', GLib.Variant('(a{sv})', ({
            'smtp-url': GLib.Variant('s', 'smtp://127.0.0.1:9'),
            'webhook-url': GLib.Variant('s', 'http://127.0.0.1:9/hook')},)))

        fuzzer = Fuzzer(args, bus, daemon)
        t0 = time.monotonic()
        crashed = None
        try:
            fuzzer.run()
        except bd.BenchError as error:
            crashed = str(error)
        finally:
            fuzzer.close()
        elapsed = time.monotonic() - t0

        status = None
        stop_seconds = None
        if crashed is None:
            # Gone already? Then it died of one of our calls.
            if daemon.proc.poll() is not None:
                crashed = f'chronikerd exited with status {daemon.proc.returncode} during the fuzz'
            else:
                t1 = time.monotonic()
                daemon.proc.send_signal(signal.SIGTERM)
                try:
                    status = daemon.proc.wait(args.stop_timeout)
                except subprocess.TimeoutExpired:
                    crashed = f'chronikerd did not exit {args.stop_timeout:g} s after SIGTERM'
                    daemon.proc.kill()
                    daemon.proc.wait()
                stop_seconds = time.monotonic() - t1
        else:
            daemon.proc.poll()
            status = daemon.proc.returncode
        daemon.proc = None

        report = ''
        for name in sorted(os.listdir(log_dir)):
            with open(os.path.join(log_dir, name), errors='replace') as f:
                report += f.read()
        try:
            with open(daemon.log_path, errors='replace') as f:
                log = f.read()
        except FileNotFoundError:
            log = ''
        return fuzzer, elapsed, status, stop_seconds, crashed, report, log
    finally:
        runner.cleanup()


def main(argv):
    parser = argparse.ArgumentParser(
        description='Random D-Bus calls against an AddressSanitizer chronikerd, then its leaks.')
    bd.add_daemon_options(parser,
                          chronikerd_help='a chronikerd built with -Db_sanitize=address '
                                          '(default: $CHRONIKERD)',
                          containment_help="chronikerd's --containment (default: its own)",
                          verbose_help='run chronikerd with --verbose '
                                       '(its log is kept with --keep)')
    parser.add_argument('--calls', type=int, default=10_000, metavar='N',
                        help='calls in all (default %(default)s)')
    parser.add_argument('--seconds', type=float, default=300, metavar='S',
                        help='stop sending after this long (default %(default)s)')
    parser.add_argument('--in-flight', type=int, default=16, metavar='N',
                        help='calls under way at once (default %(default)s)')
    parser.add_argument('--connections', type=int, default=4, metavar='N',
                        help='client connections, one replaced every 250 calls '
                             '(default %(default)s)')
    parser.add_argument('--max-jobs', type=int, default=40, metavar='N',
                        help='jobs alive at most, so runs at once (default %(default)s)')
    parser.add_argument('--seed', type=int, default=None, metavar='N',
                        help='seed of the random calls (default: a new one, printed)')
    parser.add_argument('--suppressions', default=DEFAULT_SUPPRESSIONS, metavar='FILE',
                        help='leaks of libraries to list apart (default tests/fuzz/lsan.supp)')
    parser.add_argument('--stop-timeout', type=float, default=120, metavar='S',
                        help='how long the daemon may take to exit and report '
                             '(default %(default)s)')
    parser.add_argument('--tap', action='store_true', help='print TAP, for meson test')
    args = parser.parse_args(argv)
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 31)
    if min(args.calls, args.in_flight, args.max_jobs, args.connections) < 1 or args.seconds <= 0:
        parser.error('counts must be at least 1 and --seconds more than 0')

    def skip(reason):
        if args.tap:
            print('1..1')
            print(f'ok 1 dbus-fuzz # SKIP {reason}')
            return 0
        print(f'dbus-fuzz: {reason}', file=sys.stderr)
        return 77

    if not args.chronikerd or not os.access(args.chronikerd, os.X_OK):
        return skip(f'no chronikerd built with AddressSanitizer at {args.chronikerd or "(unset)"}; '
                    'build-aux/fuzz dbus builds one in _build-asan')
    if not is_asan_build(args.chronikerd):
        return skip(f'{args.chronikerd} is not built with AddressSanitizer (-Db_sanitize=address)')
    if shutil.which('dbus-daemon') is None:
        return skip('needs dbus-daemon')
    # The test suite only finds an ASan daemon that build-aux/fuzz dbus
    # built in _build-asan: one older than the sources would test old code.
    newer = newer_sources(args.chronikerd)
    if newer and args.tap:
        return skip(f'{args.chronikerd} is older than {len(newer)} source files '
                    f'({newer[0]}, …); build-aux/fuzz dbus rebuilds it')
    if newer:
        print(f'dbus-fuzz: warning: {args.chronikerd} is older than {len(newer)} source files '
              f'({newer[0]}, …)', file=sys.stderr)
    args.chronikerd = os.path.abspath(args.chronikerd)
    # Where Chroniker's own frames come from: the sources, and the build tree
    # of the daemon (the code gdbus-codegen made).
    roots = [TOP, os.path.dirname(os.path.dirname(args.chronikerd))]
    suppressions = load_suppressions(args.suppressions)

    out = sys.stderr if args.tap else sys.stdout
    if args.tap:
        print('1..1')
    print(f'== dbus-fuzz: {args.calls} calls, at most {args.seconds:g} s, '
          f'{args.in_flight} at once, '
          f'seed {args.seed} ==', file=out)
    print(f'  chronikerd: {args.chronikerd}', file=out)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) != signal.SIG_IGN:
            signal.signal(signum, bd._signal_cb)
    try:
        fuzzer, elapsed, status, stop_seconds, crashed, report, log = fuzz(args)
    except (KeyboardInterrupt, bd.Interrupted) as error:
        print(f'\ndbus-fuzz: interrupted ({error or "SIGINT"})', file=sys.stderr)
        return 130
    except bd.BenchError as error:
        print(f'dbus-fuzz: could not run: {error}', file=sys.stderr)
        if args.tap:
            print(f'not ok 1 dbus-fuzz # could not run: {error}')
        return 1

    errors, leaks = parse_report(report)
    mine, known, unexplained = classify(leaks, suppressions, roots)

    p = lambda *a: print(*a, file=out)  # noqa: E731
    p(f'\n  {fuzzer.sent} calls in {elapsed:.0f} s ({fuzzer.sent / max(elapsed, 0.001):.0f}/s); '
      f'{len(fuzzer.live)} jobs alive at the end; {len(fuzzer.conns)} connections, '
      f'{fuzzer.reconnects} replaced')
    p('  calls by method: ' + ', '.join(f'{m} {n}' for m, n in sorted(fuzzer.by_method.items())))
    p('  replies by name:')
    for name, count in sorted(fuzzer.replies.items(), key=lambda item: -item[1]):
        p(f'    {count:>7}  {name}')
    if fuzzer.slow:
        worst = sorted(fuzzer.slow, reverse=True)[:5]
        p(f'  {len(fuzzer.slow)} replies took over 1 s; slowest: ' +
          ', '.join(f'{m} {s:.1f} s' for s, m in worst))
    if stop_seconds is not None:
        p(f'  SIGTERM -> exit (with the leak check): {stop_seconds:.1f} s, status {status}')
    crashes = ([crashed] if crashed else []) + errors
    if fuzzer.replies.get(TIMED_OUT):
        # A daemon that leaves a call unanswered for 30 s hangs: as bad as a crash.
        crashes.append(f'{fuzzer.replies[TIMED_OUT]} calls had no reply in 30 s')
    if status not in (None, 0, 23):
        crashes.append(f'chronikerd exited with status {status} after SIGTERM')
    p(f'\n  crashes and memory errors: {len(crashes)}')
    for what in crashes:
        p(f'    {what}')
    if crashes:
        p('  the end of its log:\n' + '\n'.join('    ' + line for line in log.splitlines()[-40:]))
        p('  AddressSanitizer said:\n' + '\n'.join('    ' + line
                                                   for line in report.splitlines()[:80]))

    # A critical is a broken precondition: a bug, as a crash is. Warnings
    # are the daemon telling of bad input or a dead delivery: counted only.
    criticals = [line for line in log.splitlines() if '-CRITICAL **' in line]
    warnings = [line for line in log.splitlines() if '-WARNING **' in line]
    p(f'  criticals in its log: {len(criticals)}; warnings: {len(warnings)}')
    for line in sorted(set(re.sub(r'^.*?\*\*: [0-9:.]+: ', '', l) for l in criticals))[:10]:
        p(f'    critical: {line}')
    for line in sorted(set(re.sub(r'^.*?\*\*: [0-9:.]+: ', '', l) for l in warnings))[:5]:
        p(f'    warning: {line[:160]}')
    p(f'  leaks reported at exit: {len(leaks)} '
      f'({sum(size for _, size, _, _ in leaks)} bytes)')
    p(f'  leaks in libraries, listed in {os.path.relpath(args.suppressions, TOP)}: '
      f'{sum(v[0] for v in known.values())} objects, {sum(v[1] for v in known.values())} bytes')
    for pattern, (count, size, why) in sorted(known.items()):
        p(f'    {count:>5} objects {size:>7} bytes  {pattern}: {why}')
    p(f'  leaks unexplained (no frame of ours, no entry): {len(unexplained)}')
    for leak in unexplained:
        p(format_leak(leak, roots))
    p(f'  leaks in Chroniker\'s code: {len(mine)}')
    for leak in mine:
        p(format_leak(leak, roots))

    failed = bool(crashes or criticals or mine or unexplained)
    verdict = (f'{fuzzer.sent} calls, {len(crashes)} crashes, {len(criticals)} criticals, '
               f'{len(mine)} leaks in Chroniker\'s code, {len(unexplained)} unexplained, '
               f'seed {args.seed}')
    p(f'\n  {"FAILED" if failed else "passed"}: {verdict}')
    if failed:
        p(f'  again: {sys.argv[0]} --chronikerd {args.chronikerd} --calls {args.calls} '
          f'--seed {args.seed} (the same calls; their order of replies may differ)')
    if args.tap:
        print(f'{"not ok" if failed else "ok"} 1 dbus-fuzz: {verdict}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
