# SPDX-License-Identifier: GPL-3.0-or-later
"""End-to-end test harness for chronikerd.

Every test gets its own temporary directory, its own private dbus-daemon
(whose service directory is the build tree's dev-services, so D-Bus
activation starts the built daemon) and, unless the test case says
otherwise, the real chronikerd binary on a temporary database. Tests talk
to the daemon only over D-Bus; the jobs are real child processes.

Environment:
  CHRONIKERD            path of the built chronikerd (required)
  CHK_DEV_SERVICES_DIR  the dev service directory (for activation tests)
  CHK_E2E_KEEP=1        keep each test's temporary directory
  CHK_E2E_VERBOSE=1     print the daemon logs of passing tests too
  CHK_E2E_WRAPPER=…     run chronikerd under this, e.g. "gdb -batch -ex run -ex bt --args"

Each test file ends with `chkharness.main()`, which runs the file's
unittest test cases and prints TAP. Arguments select tests whose
"Class.test_name" contains one of them.
"""

import contextlib
import errno
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ElementTree

import gi

gi.require_version('GLib', '2.0')
gi.require_version('Gio', '2.0')
from gi.repository import GLib, Gio  # noqa: E402

BUS_NAME = 'io.github.chroniker.Chroniker.Scheduler'
MANAGER_PATH = '/io/github/chroniker/Chroniker/Scheduler'
JOBS_PATH = MANAGER_PATH + '/jobs'
SCHEDULER_IFACE = 'io.github.chroniker.Chroniker.Scheduler1'
JOB_IFACE = 'io.github.chroniker.Chroniker.Job1'
OM_IFACE = 'org.freedesktop.DBus.ObjectManager'
PROPS_IFACE = 'org.freedesktop.DBus.Properties'
ERROR_PREFIX = 'io.github.chroniker.Chroniker.Error.'

SRCDIR = os.path.dirname(os.path.abspath(__file__))
SMTP_SERVER = os.path.join(SRCDIR, '..', 'mailer', 'smtp-server.py')
INTERFACE_XML = os.path.join(SRCDIR, '..', '..', 'data',
                             'io.github.chroniker.Chroniker.Scheduler1.xml')

USEC = 1000000
KILL_GRACE_MS = 300
CALL_TIMEOUT_MS = 20000

# The D-Bus types of the public keys (DESIGN §2): Python values given for
# these keys are packed with these types; a GLib.Variant is sent as it is,
# which is how tests send wrong types.
SPEC_TYPES = {
    'name': 's', 'description': 's', 'command': 'as', 'shell': 's',
    'working-directory': 's', 'user': 's', 'host': 's', 'environment': 'a{ss}', 'schedule': 's',
    'timezone': 's', 'start': 'x', 'enabled': 'b', 'timeout': 'u',
    'catch-up': 'b', 'max-runs': 'u', 'max-output-bytes': 't',
    'notify-on': 's', 'email-on': 's', 'email-to': 'as',
    'is-monitor': 'b', 'monitor-url': 's', 'check-url': 's', 'check-expect-status': 'u',
    'check-contains': 's', 'check-timeout': 'u', 'webhook-url': 's',
    'max-tasks': 'u', 'memory-max': 't', 'cpu-weight': 'u', 'merge-stderr': 'b',
    'depends-on': 'aa{sv}', 'run-on-success': 'as', 'run-on-failure': 'as', 'retries': 'u',
    'retry-delay': 'u', 'retry-backoff': 'd', 'retry-max-delay': 'u', 'random-delay': 'u',
    'run-if': 'as', 'run-if-wait': 'u', 'expected-duration': 'u', 'alert-after-failures': 'u',
    'snoozed-until': 'x',
}
FILTER_TYPES = {'job': 'o', 'outcome': 's', 'since': 'x', 'limit': 'u', 'offset': 'u'}
SETTINGS_TYPES = {
    'allow-shell': 'b', 'max-concurrent-runs': 'u', 'keep-runs-days': 'u',
    'notifications': 'b', 'email-from': 's', 'smtp-url': 's', 'smtp-starttls': 'b',
    'smtp-username': 's', 'smtp-password': 's', 'webhook-url': 's',
    'default-max-tasks': 'u', 'resume-delay': 'u', 'fleet-database': 's',
}
RUN_TYPES = {
    'id': 't', 'job': 'o', 'job-name': 's', 'trigger': 's', 'started': 'x',
    'finished': 'x', 'outcome': 's', 'exit-code': 'i', 'signal': 'i', 'hostname': 's',
    'pid': 'u', 'stdout-bytes': 't', 'stderr-bytes': 't', 'truncated': 'b',
    'progress-complete': 'u', 'progress-total': 'u', 'progress-message': 's',
    'http-status': 'u', 'alert-error': 's', 'cpu-time': 't', 'memory-peak': 't',
    'containment': 's', 'message': 's', 'attempt': 'u', 'running-long': 'b',
}
# The types of the entries of depends-on
DEPENDENCY_TYPES = {
    'job': 's', 'wait-for-completion': 'b', 'wait-for-success': 'b', 'wait-for-next-run': 'b',
}


class HarnessError(Exception):
    pass


# Children of the test process end with it, even when it is killed outright.
PDEATHSIG = ['setpriv', '--pdeathsig', 'TERM'] if shutil.which('setpriv') else []


def now_usec():
    return int(time.time() * USEC)


def vardict(values, types):
    """Packs a dict as an a{sv}, with the types of `types` for plain values."""
    packed = {}
    for key, value in values.items():
        if isinstance(value, GLib.Variant):
            packed[key] = value
        elif key in types and types[key] == 'aa{sv}':
            packed[key] = GLib.Variant('aa{sv}', [
                {k: GLib.Variant(DEPENDENCY_TYPES[k], v) for k, v in entry.items()}
                for entry in value])
        elif key in types:
            packed[key] = GLib.Variant(types[key], value)
        else:
            raise HarnessError(f'no known type for key {key!r}: pass a GLib.Variant')
    return GLib.Variant('a{sv}', packed)


def variant_types(vardict_variant):
    """The type string of each value of an a{sv} variant."""
    types = {}
    for i in range(vardict_variant.n_children()):
        entry = vardict_variant.get_child_value(i)
        key = entry.get_child_value(0).get_string()
        types[key] = entry.get_child_value(1).get_variant().get_type_string()
    return types


def parse_env0(data):
    """{NAME: value} of `env -0` output (bytes)."""
    pairs = {}
    for entry in data.split(b'\0'):
        if entry:
            name, _, value = entry.decode().partition('=')
            pairs[name] = value
    return pairs


def process_state(pid):
    """The state letter of /proc/PID/stat, or None when there is no such process."""
    try:
        with open(f'/proc/{pid}/stat', 'rb') as f:
            stat = f.read().decode('utf-8', 'replace')
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat[stat.rindex(')') + 2]


def maps_library(pid, soname):
    """Whether process PID has the shared library SONAME (such as 'libpq.so.5') mapped."""
    with open(f'/proc/{pid}/maps') as f:
        return any(line.rstrip('\n').rpartition('/')[2].startswith(soname) for line in f)


def process_gone(pid):
    """Whether PID has ended: no such process, or a zombie nobody reaped yet."""
    state = process_state(pid)
    return state is None or state in ('Z', 'X')


def parse_interfaces(root):
    """{interface: {'methods': {name: (in sig, out sig)}, 'signals': {name: sig},
    'properties': {name: type}}} of an introspection XML element."""
    interfaces = {}
    for iface in root.findall('interface'):
        methods, signals, props = {}, {}, {}
        for m in iface.findall('method'):
            args = m.findall('arg')
            methods[m.get('name')] = (
                ''.join(a.get('type') for a in args if a.get('direction', 'in') == 'in'),
                ''.join(a.get('type') for a in args if a.get('direction') == 'out'))
        for sig in iface.findall('signal'):
            signals[sig.get('name')] = ''.join(a.get('type') for a in sig.findall('arg'))
        for p in iface.findall('property'):
            props[p.get('name')] = p.get('type')
        interfaces[iface.get('name')] = {'methods': methods, 'signals': signals,
                                         'properties': props}
    return interfaces


def interface_xml():
    """parse_interfaces() of data/…Scheduler1.xml, the contract."""
    return parse_interfaces(ElementTree.parse(INTERFACE_XML).getroot())


# ---------------------------------------------------------------------------
# Main loop helpers

def iterate(seconds):
    """Runs the default main context for about `seconds`."""
    deadline = time.monotonic() + seconds
    ctx = GLib.MainContext.default()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        _iterate_once(ctx, remaining)


def _iterate_once(ctx, max_seconds):
    while ctx.pending():
        ctx.iteration(False)
    wake = GLib.timeout_source_new(max(1, int(min(max_seconds, 0.05) * 1000)))
    wake.set_callback(lambda *args: False)
    wake.attach(ctx)
    try:
        ctx.iteration(True)
    finally:
        wake.destroy()


def wait_until(condition, timeout, what='condition', poll=None):
    """Iterates the main loop until condition() returns a true value, which is
    returned, or raises AssertionError after `timeout` seconds. With `poll`
    (seconds), condition() is only evaluated that often: for things nothing
    signals (the state of a process, say)."""
    ctx = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    next_check = 0.0
    while True:
        while ctx.pending():
            ctx.iteration(False)
        now = time.monotonic()
        if poll is None or now >= next_check:
            result = condition()
            if result:
                return result
            if poll is not None:
                next_check = now + poll
        if now >= deadline:
            raise AssertionError(f'timed out after {timeout} s waiting for {what}')
        _iterate_once(ctx, min(deadline - now, poll if poll is not None else 0.05) + 0.001)


def wait_for(get, done, timeout, what='condition', poll=None):
    """wait_until() for a value: calls get() until done(value) is true, and
    returns that value."""
    last = []

    def check():
        last[:] = [get()]
        return done(last[0])
    wait_until(check, timeout, what, poll)
    return last[0]


# ---------------------------------------------------------------------------
# Processes

def bus_config(socket, service_dirs=(), any_user=False, start_timeout_ms=None):
    """The configuration of a private session bus listening on `socket`,
    activating from `service_dirs`, and admitting every uid if `any_user` (a
    session bus admits only its own by default)."""
    lines = ['<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"',
             ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">',
             '<busconfig>',
             '  <type>session</type>',
             f'  <listen>unix:path={socket}</listen>',
             '  <auth>EXTERNAL</auth>']
    lines += [f'  <servicedir>{path}</servicedir>' for path in service_dirs]
    lines.append('  <policy context="default">')
    if any_user:
        lines.append('    <allow user="*"/>')
    lines += ['    <allow send_destination="*" eavesdrop="true"/>',
              '    <allow eavesdrop="true"/>',
              '    <allow own="*"/>',
              '  </policy>',
              '  <limit name="max_message_size">134217728</limit>']
    if start_timeout_ms is not None:
        lines.append(f'  <limit name="service_start_timeout">{start_timeout_ms}</limit>')
    lines.append('</busconfig>')
    return '\n'.join(lines) + '\n'


class Bus:
    """A private dbus-daemon listening on $XDG_RUNTIME_DIR/bus, activating from
    the dev service directory (when given); or, with `socket`, one that stands
    in for the system bus there, activating nothing."""

    def __init__(self, workdir, env, socket=None):
        self.workdir = workdir
        self.socket = socket or os.path.join(env['XDG_RUNTIME_DIR'], 'bus')
        self.address = 'unix:path=' + self.socket
        service_dirs = []
        dev = os.environ.get('CHK_DEV_SERVICES_DIR')
        if dev and socket is None:
            service_dirs.append(os.path.abspath(dev))
        self.spawn(env, os.path.basename(self.socket) + '.conf',
                   bus_config(self.socket, service_dirs, start_timeout_ms=20000))

    def spawn(self, env, config_name, config):
        """Writes `config` to `config_name` in the work dir, starts dbus-daemon
        on it and waits for it to listen."""
        self.config = os.path.join(self.workdir, config_name)
        with open(self.config, 'w') as f:
            f.write(config)
        self.log_path = os.path.join(self.workdir, config_name.replace('.conf', '') + '-dbus.log')
        read_fd, write_fd = os.pipe()
        with open(self.log_path, 'ab') as log:
            self.proc = subprocess.Popen(
                PDEATHSIG + ['dbus-daemon', '--config-file', self.config, '--nofork',
                 f'--print-address={write_fd}'],
                env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                pass_fds=(write_fd,))
        os.close(write_fd)
        line = b''
        with os.fdopen(read_fd, 'rb') as r:
            line = r.readline()
        if not line.strip():
            self.stop()
            raise HarnessError('dbus-daemon did not start: ' + self.log())
        self.printed_address = line.decode().strip()

    def log(self):
        with contextlib.suppress(OSError):
            with open(self.log_path, errors='replace') as f:
                return f.read()
        return ''

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Daemon:
    """One chronikerd process, its output going to a log file in the test dir."""

    def __init__(self, case, args, log_path, stderr_path=None):
        self.case = case
        self.args = args
        self.log_path = log_path
        self.expected_exit = False   # set when the test ends it or expects it to end
        log = open(log_path, 'ab')
        err = open(stderr_path, 'ab') if stderr_path else log
        try:
            self.proc = subprocess.Popen(args, env=case.env, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=err, cwd=case.tmp)
        finally:
            log.close()
            if err is not log:
                err.close()
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def terminate(self, timeout=20):
        """SIGTERM, wait; SIGKILL if it does not end. Returns the exit status."""
        self.expected_exit = True
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f'chronikerd {self.pid} did not end within {timeout} s '
                                     'of SIGTERM (killed)')
        return self.proc.returncode

    def kill9(self):
        self.expected_exit = True
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def wait_exit(self, timeout):
        """Waits (running the main loop) for the process to end; returns its status."""
        self.expected_exit = True
        wait_until(lambda: self.proc.poll() is not None, timeout,
                   f'chronikerd {self.pid} to exit', poll=0.05)
        return self.proc.returncode


# ---------------------------------------------------------------------------
# The D-Bus client side

class Event:
    __slots__ = ('time', 'sender', 'path', 'iface', 'member', 'args')

    def __init__(self, sender, path, iface, member, args):
        self.time = time.monotonic()
        self.sender = sender
        self.path = path
        self.iface = iface
        self.member = member
        self.args = args

    def __repr__(self):
        return f'<{self.member} {self.path} {self.args!r}>'


class Client:
    """A connection to the private bus that records every signal on it."""

    def __init__(self, address):
        self.conn = Gio.DBusConnection.new_for_address_sync(
            address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)
        self.events = []
        self.sub = self.conn.signal_subscribe(None, None, None, None, None,
                                              Gio.DBusSignalFlags.NONE, self._on_signal)

    def close(self):
        if self.conn is not None:
            self.conn.signal_unsubscribe(self.sub)
            with contextlib.suppress(GLib.Error):
                self.conn.close_sync(None)
            self.conn = None

    def _on_signal(self, conn, sender, path, iface, member, params):
        self.events.append(Event(sender, path, iface, member, params.unpack()))

    # calls

    def call(self, path, iface, method, args=None, reply_type=None, timeout_ms=CALL_TIMEOUT_MS,
             dest=BUS_NAME, flags=Gio.DBusCallFlags.NONE):
        """Calls a method; returns the reply as a GLib.Variant tuple."""
        return self.conn.call_sync(dest, path, iface, method, args,
                                   GLib.VariantType(reply_type) if reply_type else None,
                                   flags, timeout_ms, None)

    def call_unpack(self, path, iface, method, args=None, reply_type=None, **kw):
        reply = self.call(path, iface, method, args, reply_type, **kw)
        values = reply.unpack() if reply is not None else ()
        if len(values) == 0:
            return None
        if len(values) == 1:
            return values[0]
        return values

    def bus_call(self, method, args=None, reply_type=None):
        return self.call_unpack('/org/freedesktop/DBus', 'org.freedesktop.DBus', method, args,
                                reply_type, dest='org.freedesktop.DBus')

    def has_owner(self, name=BUS_NAME):
        return self.bus_call('NameHasOwner', GLib.Variant('(s)', (name,)), '(b)')

    def owner_pid(self, name=BUS_NAME):
        owner = self.bus_call('GetNameOwner', GLib.Variant('(s)', (name,)), '(s)')
        return self.bus_call('GetConnectionUnixProcessID', GLib.Variant('(s)', (owner,)), '(u)')

    def sched(self, method, args=None, reply_type=None, **kw):
        return self.call_unpack(MANAGER_PATH, SCHEDULER_IFACE, method, args, reply_type, **kw)

    def job(self, path, method, args=None, reply_type=None, **kw):
        return self.call_unpack(path, JOB_IFACE, method, args, reply_type, **kw)

    def create_job(self, spec):
        return self.sched('CreateJob', GLib.Variant.new_tuple(vardict(spec, SPEC_TYPES)), '(o)')

    def get_job_by_name(self, name):
        return self.sched('GetJobByName', GLib.Variant('(s)', (name,)), '(o)')

    def list_jobs(self, after='/', limit=0):
        """One page of ListJobs, as a list of (path, Job1 properties)."""
        return self.sched('ListJobs', GLib.Variant('(ou)', (after, limit)), '(a(oa{sv}))')

    def preview(self, schedule, timezone='', after=0, count=5):
        return self.sched('PreviewSchedule',
                          GLib.Variant('(ssxu)', (schedule, timezone, after, count)), '(sax)')

    def list_runs(self, filt=None):
        return self.sched('ListRuns', GLib.Variant.new_tuple(vardict(filt or {}, FILTER_TYPES)),
                          '(aa{sv})')

    def get_run(self, run_id):
        return self.sched('GetRun', GLib.Variant('(t)', (run_id,)), '(a{sv})')

    def read_output(self, run_id, after_seq=0, max_bytes=0):
        """One page: ([(seq, stream, time, bytes)], finished)."""
        reply = self.call(MANAGER_PATH, SCHEDULER_IFACE, 'ReadRunOutput',
                          GLib.Variant('(ttu)', (run_id, after_seq, max_bytes)),
                          '(a(tsxay)b)')
        array = reply.get_child_value(0)
        chunks = []
        for i in range(array.n_children()):
            c = array.get_child_value(i)
            chunks.append((c.get_child_value(0).get_uint64(),
                           c.get_child_value(1).get_string(),
                           c.get_child_value(2).get_int64(),
                           bytes(c.get_child_value(3).get_data_as_bytes().get_data())))
        return chunks, reply.get_child_value(1).get_boolean()

    def read_all_output(self, run_id, max_bytes=256 * 1024):
        """Every chunk, paging with after_seq: (chunks, finished of the last page)."""
        chunks, after, finished = [], 0, False
        while True:
            page, finished = self.read_output(run_id, after, max_bytes)
            if not page:
                return chunks, finished
            for seq, *_ in page:
                if seq <= after:
                    raise AssertionError(f'ReadRunOutput after {after} returned seq {seq}')
            chunks.extend(page)
            after = page[-1][0]

    def output(self, run_id):
        """{'stdout': bytes, 'stderr': bytes} of a run."""
        chunks, _ = self.read_all_output(run_id)
        out = {'stdout': b'', 'stderr': b''}
        for _seq, stream, _t, data in chunks:
            out[stream] += data
        return out

    def purge_runs(self, before):
        return self.sched('PurgeRuns', GLib.Variant('(x)', (before,)), '(u)')

    def report_progress(self, run_id, complete, total, message=''):
        return self.sched('ReportProgress', GLib.Variant('(tuus)', (run_id, complete, total, message)))

    def get_settings(self):
        return self.sched('GetSettings', None, '(a{sv})')

    def list_hosts(self):
        """The hosts, by name: {hostname: {key: value}}."""
        return {host['hostname']: host for host in self.sched('ListHosts', None, '(aa{sv})')}

    def set_settings(self, settings):
        return self.sched('SetSettings', GLib.Variant.new_tuple(vardict(settings, SETTINGS_TYPES)))

    def update(self, path, changes):
        return self.job(path, 'Update', GLib.Variant.new_tuple(vardict(changes, SPEC_TYPES)))

    def run(self, path):
        return self.job(path, 'Run', None, '(t)')

    def stop(self, path):
        return self.job(path, 'Stop')

    def delete(self, path):
        return self.job(path, 'Delete')

    def job_runs(self, path, offset=0, limit=0):
        return self.job(path, 'ListRuns', GLib.Variant('(uu)', (offset, limit)), '(aa{sv})')

    def prop(self, path, name, iface=JOB_IFACE):
        return self.call_unpack(path, PROPS_IFACE, 'Get', GLib.Variant('(ss)', (iface, name)),
                                '(v)')

    def props(self, path, iface=JOB_IFACE):
        return self.call_unpack(path, PROPS_IFACE, 'GetAll', GLib.Variant('(s)', (iface,)),
                                '(a{sv})')

    def prop_types(self, path, iface=JOB_IFACE):
        reply = self.call(path, PROPS_IFACE, 'GetAll', GLib.Variant('(s)', (iface,)), '(a{sv})')
        return variant_types(reply.get_child_value(0))

    def managed_objects(self):
        return self.call_unpack(MANAGER_PATH, OM_IFACE, 'GetManagedObjects', None,
                                '(a{oa{sa{sv}}})')

    def introspect(self, path):
        return self.call_unpack(path, 'org.freedesktop.DBus.Introspectable', 'Introspect', None,
                                '(s)')

    # signals

    def mark(self):
        """A position in the recorded signals, for waiting on what comes after it."""
        return len(self.events)

    def find(self, member, pred=None, since=0, path=None):
        return [e for e in self.events[since:]
                if e.member == member and (path is None or e.path == path)
                and (pred is None or pred(e))]

    def wait_signal(self, member, pred=None, since=0, timeout=15, path=None, what=None):
        def found():
            hits = self.find(member, pred, since, path)
            return hits[0] if hits else None
        return wait_until(found, timeout, what or f'signal {member}')

    def run_started_events(self, job=None, since=0):
        return self.find('RunStarted', lambda e: job is None or e.args[0] == job, since)

    def run_finished_events(self, job=None, since=0):
        return self.find('RunFinished', lambda e: job is None or e.args[0] == job, since)

    def wait_run_finished(self, run_id, timeout=15):
        """Waits for RunFinished of run_id; returns (outcome, exit_code)."""
        e = self.wait_signal('RunFinished', lambda e: e.args[1] == run_id, timeout=timeout,
                             what=f'RunFinished of run {run_id}')
        return e.args[2], e.args[3]

    def wait_run_started(self, job=None, since=0, timeout=15):
        e = self.wait_signal('RunStarted', lambda e: job is None or e.args[0] == job,
                             since=since, timeout=timeout, what=f'RunStarted of {job}')
        return e.args[1], e.args[2]

    def prop_changes(self, path, name, since=0, iface=JOB_IFACE):
        """The values `name` took in PropertiesChanged of `path` since the mark."""
        return [e.args[1][name] for e in self.find('PropertiesChanged', None, since, path)
                if e.args[0] == iface and name in e.args[1]]

    def wait_prop(self, path, name, expected, timeout=15, iface=JOB_IFACE):
        """Waits until property `name` equals `expected` (or expected(value) is true,
        for a callable): reads it once, then follows PropertiesChanged."""
        check = expected if callable(expected) else (lambda v: v == expected)
        since = self.mark()
        value = self.prop(path, name, iface)
        if check(value):
            return value
        holder = []

        def found():
            for v in self.prop_changes(path, name, since, iface):
                if check(v):
                    holder.append(v)
                    return True
            return False
        wait_until(found, timeout, f'{name} of {path} to be {expected!r} (was {value!r})')
        return holder[0]


# ---------------------------------------------------------------------------
# Test cases

def leftover_pids(tag):
    """Processes whose environment holds CHK_E2E_TAG=tag."""
    marker = f'CHK_E2E_TAG={tag}'.encode() + b'\0'
    pids = []
    me = os.getpid()
    for name in os.listdir('/proc'):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open(f'/proc/{name}/environ', 'rb') as f:
                env = f.read()
        except OSError:
            continue
        if marker in env or env.endswith(marker[:-1]):
            if not process_gone(int(name)):
                pids.append(int(name))
    return pids


def remove_run_cgroups(tmp, logs=()):
    """Removes the cgroups that the daemons of the databases under tmp left,
    once empty: a daemon that exits removes its own, one killed with SIGKILL
    and not started again cannot, and its runs' processes are killed at the
    end of the test.
    Each is named after a hash of its database's path (see chk-engine-load.c),
    or of a fleet database and the host: those are read from the daemons'
    logs."""
    try:
        with open('/proc/self/cgroup') as f:
            own = [line.rstrip('\n').split(':', 2) for line in f]
        with open('/proc/self/mountinfo') as f:
            mountinfo = [line.split() for line in f]
    except OSError:
        return
    # Each hierarchy's mount point and this process's cgroup in it (the
    # daemons' parent), where they make chroniker.<tag>.
    parents = []
    for fields in mountinfo:
        fstype = fields[fields.index('-') + 1]
        if fstype == 'cgroup2':
            parents += [fields[4] + path for hid, ctl, path in own if hid == '0']
        elif fstype == 'cgroup':
            options = set(fields[-1].split(','))
            parents += [fields[4] + path for hid, ctl, path in own
                        if hid != '0' and ctl and set(ctl.split(',')) <= options]
    tags = []
    for root, _, files in os.walk(tmp):
        for name in files:
            if name.endswith(('.sqlite', '.db')):
                path = os.path.join(root, name)
                tags.append('chroniker.' + hashlib.sha256(path.encode()).hexdigest()[:16])
    for log in logs:
        tags += re.findall(r'contained in cgroups under \S*/(chroniker\.[0-9a-f]{16})', log)
    for parent in parents:
        for tag in dict.fromkeys(tags):
            top = os.path.join(parent, tag)
            with contextlib.suppress(OSError):
                for name in os.listdir(top):
                    if name.startswith('chroniker-run-'):
                        remove_empty_cgroup(os.path.join(top, name))
                os.rmdir(top)


def remove_empty_cgroup(path, timeout=2.0):
    """rmdir()s a cgroup once its processes, killed, are gone."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.rmdir(path)
            return
        except OSError as e:
            if e.errno != errno.EBUSY or time.monotonic() > deadline:
                return
        time.sleep(0.01)


class DaemonTestCase(unittest.TestCase):
    """A private bus and a temp dir per test; with start_daemon, chronikerd on
    TMP/db.sqlite too (self.daemon), and self.bus (the Client)."""

    start_daemon = True
    daemon_args = []
    # Variables added to the daemons' environment (the harness drops the
    # caller's CHK_* ones), such as a test knob of the daemon's
    daemon_env = {}
    # Whether the daemon gets a private system bus of the test's own, on which
    # the test stands in for logind, UPower and the like (self.system)
    system_bus = False

    def setUp(self):
        self.chronikerd = os.environ.get('CHRONIKERD')
        if not self.chronikerd or not os.access(self.chronikerd, os.X_OK):
            raise HarnessError('set CHRONIKERD to the built chronikerd')
        self.tmp = tempfile.mkdtemp(prefix='chk-e2e-', dir='/tmp')
        self.logs = ''
        self.daemons = []
        self.bus_daemon = None
        self.bus = None
        self.system_bus_daemon = None
        self.system = None
        self._log_count = 0
        self.addCleanup(self._cleanup)

        self.db = os.path.join(self.tmp, 'db.sqlite')
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(('DBUS_', 'XDG_', 'CHK_', 'G_MESSAGES', 'GIO_'))}
        for sub in ('data', 'runtime', 'config', 'cache', 'home', 'work'):
            os.makedirs(os.path.join(self.tmp, sub), mode=0o700)
        env.update({
            'HOME': os.path.join(self.tmp, 'home'),
            'XDG_DATA_HOME': os.path.join(self.tmp, 'data'),
            'XDG_RUNTIME_DIR': os.path.join(self.tmp, 'runtime'),
            'XDG_CONFIG_HOME': os.path.join(self.tmp, 'config'),
            'XDG_CACHE_HOME': os.path.join(self.tmp, 'cache'),
            'LC_ALL': os.environ.get('LC_ALL', 'C.UTF-8'),
            'CHK_E2E_TAG': self.tmp,
            'G_DEBUG': 'fatal-criticals',
            'GIO_USE_VFS': 'local',
            'NO_AT_BRIDGE': '1',
        })
        env.update(self.daemon_env)
        env['DBUS_SESSION_BUS_ADDRESS'] = 'unix:path=' + os.path.join(env['XDG_RUNTIME_DIR'], 'bus')
        self.env = env

        if self.system_bus:
            self.system_bus_daemon = Bus(self.tmp, env, os.path.join(self.tmp, 'system_bus'))
            env['DBUS_SYSTEM_BUS_ADDRESS'] = self.system_bus_daemon.address
            self.system = Client(self.system_bus_daemon.address)

        self.bus_daemon = Bus(self.tmp, env)
        self.bus = Client(self.bus_daemon.address)
        if self.start_daemon:
            self.daemon = self.start_chronikerd(*self.daemon_args)

    # daemons

    def daemon_command(self, *extra, database=True, kill_grace=True, verbose=True):
        args = PDEATHSIG + [self.chronikerd]
        if database:
            args += ['--database', self.db]
        if kill_grace:
            args += ['--kill-grace', str(KILL_GRACE_MS)]
        if verbose:
            args.append('--verbose')
        return args + list(extra)

    def spawn_chronikerd(self, *extra, stderr_path=None, **kw):
        """Starts chronikerd without waiting for anything."""
        self._log_count += 1
        log = os.path.join(self.tmp, f'chronikerd-{self._log_count}.log')
        wrapper = os.environ.get('CHK_E2E_WRAPPER', '').split()
        d = Daemon(self, wrapper + self.daemon_command(*extra, **kw), log, stderr_path)
        d.wrapped = bool(wrapper)
        self.daemons.append(d)
        return d

    def start_chronikerd(self, *extra, timeout=20, **kw):
        """Starts chronikerd and waits until it owns the bus name."""
        d = self.spawn_chronikerd(*extra, **kw)
        self.wait_owner(d, timeout)
        return d

    def wait_owner(self, d, timeout=20):
        def owned():
            if not d.alive():
                raise AssertionError(f'chronikerd exited with {d.proc.returncode} before owning '
                                     f'{BUS_NAME}:\n{self.read_log(d)}')
            return self.bus.has_owner() and (d.wrapped or self.bus.owner_pid() == d.pid)
        wait_until(owned, timeout, f'chronikerd {d.pid} to own {BUS_NAME}', poll=0.02)

    def wait_serving(self, timeout=20):
        """Waits until the owner of the name answers Scheduler1 calls: a daemon
        started with --replace takes the name first (that is what tells the
        old one to go) and serves only once the old one let go of the database."""
        def serving():
            try:
                self.bus.get_settings()
                return True
            except GLib.Error:
                return False
        wait_until(serving, timeout, f'{BUS_NAME} to serve', poll=0.02)

    def restart_daemon(self, *extra):
        """SIGTERM self.daemon (which must exit 0) and start a new one on the same database."""
        status = self.daemon.terminate()
        self.assertEqual(status, 0, 'chronikerd exit status after SIGTERM')
        self.wait_no_owner()
        self.daemon = self.start_chronikerd(*extra)
        return self.daemon

    def wait_no_owner(self, timeout=10):
        wait_until(lambda: not self.bus.has_owner(), timeout, f'{BUS_NAME} to be released',
                   poll=0.02)

    def read_log(self, d):
        with contextlib.suppress(OSError):
            with open(d.log_path, errors='replace') as f:
                return f.read()
        return ''

    def assert_daemon_alive(self):
        """The daemon runs, owns the name and answers."""
        self.assertTrue(self.daemon.alive(), f'chronikerd died:\n{self.read_log(self.daemon)[-3000:]}')
        self.assertTrue(self.bus.has_owner(), f'{BUS_NAME} has no owner')
        self.assertIsInstance(self.bus.get_settings(), dict)

    # D-Bus errors

    @contextlib.contextmanager
    def assert_error(self, name, *contains):
        """with self.assert_error('NotFound', 'word'): …: the block must fail with
        io.github.chroniker.Chroniker.Error.NAME whose message contains each word
        (case-insensitive). The message is in cm['message'] afterwards."""
        info = {}
        try:
            yield info
        except GLib.Error as e:
            remote = Gio.DBusError.get_remote_error(e)
            message = re.sub(r'^GDBus\.Error:[^ ]*: ', '', e.message)
            info['message'] = message
            info['remote'] = remote
            self.assertEqual(remote, ERROR_PREFIX + name,
                             f'expected D-Bus error {name}, got {remote}: {message}')
            for word in contains:
                self.assertIn(word.lower(), message.lower(),
                              f'error message {message!r} should mention {word!r}')
        else:
            raise AssertionError(f'expected D-Bus error {ERROR_PREFIX}{name}, but the call succeeded')

    # jobs

    _job_counter = 0

    def make_job(self, name=None, **spec):
        """Creates a job (keys with dashes given with underscores); returns its path."""
        DaemonTestCase._job_counter += 1
        if name is None:
            name = f'job-{DaemonTestCase._job_counter}'
        full = {'name': name}
        for key, value in spec.items():
            full[key.replace('_', '-')] = value
        if 'command' not in full and 'shell' not in full and 'check-url' not in full:
            full['command'] = ['/bin/true']
        return self.bus.create_job(full)

    def sh(self, script):
        """A command that runs a shell script as argv (works with allow-shell false too)."""
        return ['/bin/sh', '-c', script]

    def run_and_wait(self, path, timeout=15):
        """Run(), wait for RunFinished; returns (run_id, outcome, exit_code)."""
        run_id = self.bus.run(path)
        outcome, code = self.bus.wait_run_finished(run_id, timeout)
        return run_id, outcome, code

    def path_file(self, name):
        return os.path.join(self.tmp, name)

    def start_test_server(self, script, *args):
        """A Python test server of tests/ (which prints its port once it listens)
        until the test ends; returns (its process, its port)."""
        # The server ends when its stdin closes: it holds a pipe from us.
        proc = subprocess.Popen(PDEATHSIG + ['/usr/bin/python3', script, *args],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        self.addCleanup(proc.wait)
        self.addCleanup(proc.terminate)
        self.addCleanup(proc.stdin.close)
        return proc, int(proc.stdout.readline())

    def start_smtp_server(self, mail_dir, *args):
        """tests/mailer/smtp-server.py on 127.0.0.1, keeping what it gets in
        `mail_dir`, until the test ends; returns (its process, its port)."""
        return self.start_test_server(SMTP_SERVER, mail_dir, *args)

    def wait_file(self, path, timeout=15, nonempty=True):
        """Waits (bounded polling: nothing signals a file) until a job wrote it."""
        def ready():
            try:
                with open(path) as f:
                    text = f.read()
            except FileNotFoundError:
                return None
            return text if (text.strip() or not nonempty) and text.endswith('\n') else None
        return wait_until(ready, timeout, f'{path} to be written', poll=0.02)

    def wait_run_pid(self, run_id, timeout=15):
        """The pid of a running run, once its process started: a run is
        Running from its start, and a process started on the host
        (--runner=host) has its pid only once the host answered."""
        return wait_until(lambda: self.bus.get_run(run_id)['pid'], timeout,
                          f'run {run_id} to have a pid', poll=0.02)

    def wait_gone(self, pid, timeout=10):
        wait_until(lambda: process_gone(pid), timeout,
                   f'process {pid} to end (state {process_state(pid)})', poll=0.05)

    # cleanup

    def _cleanup(self):
        if getattr(self, '_cleaned', False):
            return
        self._cleaned = True
        problems = []
        for d in self.daemons:
            if d.proc.poll() is None:
                try:
                    d.terminate(timeout=15)
                except AssertionError as e:
                    problems.append(str(e))
            rc = d.proc.returncode
            if rc is not None and rc < 0 and not d.expected_exit:
                problems.append(f'chronikerd {d.pid} died of signal {signal.Signals(-rc).name}')
            elif rc is not None and rc < 0 and -rc not in (signal.SIGTERM, signal.SIGKILL):
                problems.append(f'chronikerd {d.pid} died of signal {signal.Signals(-rc).name}')
        # Activated daemons and whatever jobs were left behind
        pids = leftover_pids(self.tmp)
        buses = [b.proc.pid for b in (self.bus_daemon, self.system_bus_daemon) if b is not None]
        pids = [p for p in pids if p not in buses]
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while pids and time.monotonic() < deadline:
            pids = [p for p in pids if not process_gone(p)]
            time.sleep(0.02)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.bus is not None:
            self.bus.close()
        if self.bus_daemon is not None:
            self.bus_daemon.stop()
        if self.system is not None:
            self.system.close()
        if self.system_bus_daemon is not None:
            self.system_bus_daemon.stop()
        # A last pass: anything started after the bus went (should be nothing)
        for pid in leftover_pids(self.tmp):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.logs = self._collect_logs()
        remove_run_cgroups(self.tmp, [self.read_log(d) for d in self.daemons])
        if not os.environ.get('CHK_E2E_KEEP'):
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            sys.stderr.write(f'# kept {self.tmp}\n')
        if problems:
            raise AssertionError('; '.join(problems))

    def _collect_logs(self):
        parts = []
        for d in self.daemons:
            text = self.read_log(d)
            if len(text) > 6000:
                text = '…' + text[-6000:]
            parts.append(f'--- chronikerd {d.pid} ({" ".join(d.args[d.args.index(self.chronikerd) + 1:])}), '
                         f'exit {d.proc.returncode}:\n{text}')
        if self.bus_daemon is not None:
            text = '\n'.join(line for line in self.bus_daemon.log().split('\n')
                             if 'Failed to set fd limit' not in line)
            if text.strip():
                parts.append('--- dbus-daemon:\n' + text[-3000:])
        return '\n'.join(parts)


# ---------------------------------------------------------------------------
# TAP

class TapResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.problems = []      # (kind, text)
        self.skip_reason = None

    def addError(self, test, err):
        super().addError(test, err)
        self.problems.append(('error', self._exc_info_to_string(err, test)))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.problems.append(('failure', self._exc_info_to_string(err, test)))

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.problems.append((f'failure in {subtest._subDescription()}',
                                  self._exc_info_to_string(err, test)))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.skip_reason = reason

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.problems.append(('unexpected success', ''))


def _flatten(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from _flatten(item)
        else:
            yield item


def _diag(text):
    for line in text.rstrip('\n').split('\n'):
        print('# ' + line if line else '#')


def main():
    """Runs the TestCases of __main__ and prints TAP; exits 0 iff none failed."""
    module = sys.modules['__main__']
    tests = list(_flatten(unittest.TestLoader().loadTestsFromModule(module)))
    selectors = [a for a in sys.argv[1:] if not a.startswith('-')]

    def name_of(t):
        return f'{type(t).__name__}.{t._testMethodName}'
    if selectors:
        tests = [t for t in tests if any(s in name_of(t) for s in selectors)]

    chronikerd = os.environ.get('CHRONIKERD')
    if not chronikerd or not os.access(chronikerd, os.X_OK):
        print('Bail out! CHRONIKERD must be the path of the built chronikerd', flush=True)
        sys.exit(1)

    current = []

    def interrupted(signum, frame):
        # Wherever this lands (maybe inside a GLib callback, where an exception
        # would be swallowed), end the test's daemons and buses, then leave.
        for other in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(other, signal.SIG_IGN)
        if current:
            with contextlib.suppress(BaseException):
                current[0]._cleanup()
            print(f'Bail out! {signal.Signals(signum).name} during {name_of(current[0])}', flush=True)
        else:
            print(f'Bail out! {signal.Signals(signum).name}', flush=True)
        os._exit(1)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, interrupted)

    print(f'1..{len(tests)}', flush=True)
    failed = 0
    start_all = time.monotonic()
    for number, test in enumerate(tests, 1):
        result = TapResult()
        start = time.monotonic()
        current[:] = [test]
        test.run(result)
        current.clear()
        elapsed = time.monotonic() - start
        name = name_of(test)
        if result.skip_reason is not None and not result.problems:
            print(f'ok {number} - {name} # SKIP {result.skip_reason}')
        elif result.problems:
            failed += 1
            print(f'not ok {number} - {name}')
            for kind, text in result.problems:
                _diag(f'{kind}:\n{text}')
            logs = getattr(test, 'logs', '')
            if logs:
                _diag(logs)
        else:
            print(f'ok {number} - {name}')
            if os.environ.get('CHK_E2E_VERBOSE'):
                _diag(getattr(test, 'logs', ''))
        print(f'# {name}: {elapsed:.1f} s', flush=True)
    print(f'# {len(tests)} tests, {failed} failed, {time.monotonic() - start_all:.1f} s', flush=True)
    sys.exit(1 if failed else 0)
