# SPDX-License-Identifier: GPL-3.0-or-later
"""For tests with more than one user (they run as root): a private bus that
every uid may connect to, chronikerd or a gdbus client run as another uid
(setpriv), and D-Bus calls made that way."""

import contextlib
import os
import pwd
import re
import shutil
import subprocess

import chkharness as h
from gi.repository import GLib

SETPRIV = shutil.which('setpriv')
GDBUS = shutil.which('gdbus')
PRLIMIT = shutil.which('prlimit')


def skip_reason():
    """Why these tests cannot run here, or None."""
    if os.geteuid() != 0:
        return 'needs root, to run processes as other users'
    if SETPRIV is None or GDBUS is None:
        return 'needs setpriv and gdbus'
    return None


def uid_unused(uid):
    """Whether no process runs as `uid`."""
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if os.stat(f'/proc/{name}').st_uid == uid:
                return False
    return True


def quiet_account():
    """(uid, gid) of a system account that runs no process: RLIMIT_NPROC counts
    every process and thread of a uid, so one in use (nobody, often) would make
    the counts vary. dbus-daemon admits only uids with an account."""
    candidates = sorted((pw.pw_uid, pw.pw_gid) for pw in pwd.getpwall() if 0 < pw.pw_uid < 1000)
    for uid, gid in candidates:
        if uid_unused(uid):
            return uid, gid
    nobody = pwd.getpwnam('nobody')
    return nobody.pw_uid, nobody.pw_gid


def as_user(uid, gid, argv):
    return [SETPRIV, f'--reuid={uid}', f'--regid={gid}', '--clear-groups',
            '--inh-caps=-all', '--'] + list(argv)


class OpenBus(h.Bus):
    """The harness's private bus, but admitting every uid (a session bus admits
    only its own by default), on a socket other users can reach."""

    def __init__(self, workdir, env):
        self.workdir = workdir
        runtime = env['XDG_RUNTIME_DIR']
        self.socket = os.path.join(runtime, 'bus')
        self.address = 'unix:path=' + self.socket
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket)
        for path in (workdir, runtime):
            os.chmod(path, 0o711)
        self.spawn(env, 'open-bus.conf', h.bus_config(self.socket, any_user=True))
        os.chmod(self.socket, 0o777)


class CallError(Exception):
    def __init__(self, name, message):
        super().__init__(f'{name}: {message}')
        self.name = name
        self.message = message


class UserClient:
    """D-Bus calls made by `gdbus call` as another uid."""

    def __init__(self, uid, gid, address, home):
        self.uid = uid
        self.gid = gid
        self.env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
                    'HOME': home, 'LC_ALL': 'C.UTF-8',
                    'DBUS_SESSION_BUS_ADDRESS': address}

    def call(self, path, iface, method, *args, timeout=20):
        """Calls method with GLib.Variant args; returns the reply as a GLib.Variant,
        or raises CallError with the D-Bus error name."""
        argv = [GDBUS, 'call', '--session', '--dest', h.BUS_NAME, '--object-path', path,
                '--method', f'{iface}.{method}', '--timeout', str(timeout)]
        argv += [a.print_(True) for a in args]
        proc = subprocess.run(as_user(self.uid, self.gid, argv), env=self.env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout + 10, cwd='/')
        if proc.returncode != 0:
            m = re.search(r'GDBus\.Error:([\w.]+): (.*)', proc.stderr, re.S)
            if m:
                raise CallError(m.group(1), m.group(2).strip())
            raise CallError('', proc.stderr.strip())
        return GLib.Variant.parse(None, proc.stdout.strip(), None, None)

    def sched(self, method, *args, **kw):
        return self.call(h.MANAGER_PATH, h.SCHEDULER_IFACE, method, *args, **kw)

    def job(self, path, method, *args, **kw):
        return self.call(path, h.JOB_IFACE, method, *args, **kw)

    def create_job(self, spec):
        return self.sched('CreateJob', h.vardict(spec, h.SPEC_TYPES)).unpack()[0]

    def run(self, path):
        return self.job(path, 'Run').unpack()[0]

    def get_run(self, run_id):
        return self.sched('GetRun', GLib.Variant('t', run_id)).unpack()[0]

    def set_settings(self, settings):
        self.sched('SetSettings', h.vardict(settings, h.SETTINGS_TYPES))

    def get_settings(self):
        return self.sched('GetSettings').unpack()[0]


class MultiUserTestCase(h.DaemonTestCase):
    """A DaemonTestCase on an OpenBus; no daemon is started for the test."""

    start_daemon = False

    def setUp(self):
        reason = skip_reason()
        if reason:
            self.skipTest(reason)
        super().setUp()
        self.bus.close()
        self.bus_daemon.stop()
        self.bus_daemon = OpenBus(self.tmp, self.env)
        self.bus = h.Client(self.bus_daemon.address)

    def user_dir(self, name, uid, gid):
        """A directory of TMP owned by uid, for what that user writes."""
        path = os.path.join(self.tmp, name)
        os.makedirs(path, mode=0o700, exist_ok=True)
        os.chown(path, uid, gid)
        return path

    def spawn_as(self, uid, gid, argv, env):
        """Starts argv as uid, logged like a chronikerd of the harness (and ended
        with the test)."""
        self._log_count += 1
        log = os.path.join(self.tmp, f'chronikerd-{self._log_count}.log')
        saved = self.env
        self.env = env
        try:
            d = h.Daemon(self, as_user(uid, gid, argv), log)
        finally:
            self.env = saved
        d.wrapped = False
        self.daemons.append(d)
        return d

    def start_chronikerd_as(self, uid, gid, *extra, nproc):
        """Starts chronikerd as uid, with its data in TMP/user and a hard
        RLIMIT_NPROC of nproc (a bound for the whole test whatever the daemon
        does: prlimit execs it), and waits until it owns the name. Sets
        self.daemon, self.uid, self.gid and self.home; returns a UserClient."""
        home = self.home = self.user_dir('user', uid, gid)
        env = dict(self.env)
        for var, sub in (('XDG_DATA_HOME', 'data'), ('XDG_RUNTIME_DIR', 'runtime'),
                         ('XDG_CONFIG_HOME', 'config'), ('XDG_CACHE_HOME', 'cache')):
            env[var] = os.path.join(home, sub)
            os.makedirs(env[var], mode=0o700)
            os.chown(env[var], uid, gid)
        env['HOME'] = home
        env['DBUS_SESSION_BUS_ADDRESS'] = self.bus_daemon.address
        argv = [PRLIMIT, f'--nproc={nproc}:{nproc}', '--',
                self.chronikerd, '--database', os.path.join(home, 'db.sqlite'),
                '--kill-grace', str(h.KILL_GRACE_MS), '--verbose'] + list(extra)
        self.uid, self.gid = uid, gid
        self.daemon = self.spawn_as(uid, gid, argv, env)
        self.wait_owner(self.daemon)
        self.assertEqual(os.stat(f'/proc/{self.daemon.pid}').st_uid, uid)
        return UserClient(uid, gid, self.bus_daemon.address, home)

    def assert_call_error(self, name, call, *contains):
        """call() must fail with the Chroniker error `name`, with each of `contains` in
        its message."""
        with self.assertRaises(CallError) as cm:
            call()
        self.assertEqual(cm.exception.name, h.ERROR_PREFIX + name, str(cm.exception))
        for word in contains:
            self.assertIn(word.lower(), cm.exception.message.lower(), str(cm.exception))
        return cm.exception.message
