#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""chronikerd --system on a private system bus, with the real polkitd deciding.

Each test starts a dbus-daemon of type system whose policy is the real system
bus's default (nobody owns or calls anything unless allowed) plus our own
io.github.chroniker.Chroniker.Scheduler.conf, so that file is what lets
root, and root alone, own the name and everyone call it.

Then the real polkitd (it finds the bus through DBUS_SYSTEM_BUS_ADDRESS). It
reads its actions and rules only from fixed folders, /usr/share/polkit-1/actions,
/etc/polkit-1/rules.d and /usr/share/polkit-1/rules.d: it runs in a mount
namespace of its own (unshare -m) where temporary folders are bind-mounted over
those, holding our built .policy and the test's rules. Nothing outside the
namespace sees them. polkitd drops to its own user, which clears the parent
death signal, so each test ends it by its pid.

Callers other than root are a system account that runs no process (as
chkusers.quiet_account() finds one), through `gdbus call`: no user is made.
Without a logind session that account is neither active nor inactive, so
polkit's allow_any applies to it, as to a caller over ssh or from a cron job.
"""

import contextlib
import grp
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import chkharness as h
import chkusers as cu
from gi.repository import GLib

POLKITD_PATHS = ('/usr/lib/polkit-1/polkitd', '/usr/libexec/polkitd', '/usr/lib/polkit/polkitd')
POLKITD = next((p for p in POLKITD_PATHS if os.access(p, os.X_OK)), None)
POLKIT_FOLDERS = {
    'actions': '/usr/share/polkit-1/actions',
    'rules': '/usr/share/polkit-1/rules.d',
    'etc-rules': '/etc/polkit-1/rules.d',
}
POLKIT_NAME = 'org.freedesktop.PolicyKit1'
ACTION_OWN = 'io.github.chroniker.Chroniker.manage-own-jobs'
ACTION_ALL = 'io.github.chroniker.Chroniker.manage-all-jobs'
PROPERTIES_IFACE = 'org.freedesktop.DBus.Properties'
MANAGER_IFACE = 'org.freedesktop.DBus.ObjectManager'


def read_text(path):
    with open(path, errors='replace') as f:
        return f.read()


def end_process(proc):
    """Ends a process the test started, by its pid."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def polkit_user():
    """The account polkitd drops to, or None when it keeps root."""
    for name in ('polkitd', 'polkit'):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name).pw_name
    return None


def system_bus_config(socket, include):
    """A system bus as Debian's system.conf makes it (deny by default), with our
    bus policy file included, and polkitd allowed its name."""
    polkit_owner = polkit_user() or 'root'
    return f'''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <policy user="{polkit_owner}">
    <allow own="{POLKIT_NAME}"/>
  </policy>
  <policy context="default">
    <allow send_destination="{POLKIT_NAME}"/>
  </policy>
  <include>{include}</include>
</busconfig>
'''


class SystemBus(h.Bus):
    """A private system bus on TMP/system_bus that every uid can reach."""

    def __init__(self, workdir, env):
        self.workdir = workdir
        self.socket = os.path.join(workdir, 'system_bus')
        self.address = 'unix:path=' + self.socket
        self.spawn(env, 'system-bus.conf',
                   system_bus_config(self.socket, os.environ['CHK_BUS_POLICY']))
        os.chmod(self.socket, 0o777)


# Runs in polkitd's own mount namespace: the test's folders over polkit's, then polkitd.
POLKITD_SCRIPT = r'''
set -eu
mount --bind "$1" /usr/share/polkit-1/actions
mount --bind "$2" /usr/share/polkit-1/rules.d
mount --bind "$3" /etc/polkit-1/rules.d
exec "$4"
'''


def polkitd_skip_reason():
    if POLKITD is None:
        return 'no polkitd (' + ', '.join(POLKITD_PATHS) + ')'
    if shutil.which('unshare') is None:
        return 'no unshare(1), to give polkitd its own actions and rules'
    if not all(os.path.isdir(path) for path in POLKIT_FOLDERS.values()):
        return 'polkit folders missing: ' + ', '.join(POLKIT_FOLDERS.values())
    probe = subprocess.run(['unshare', '-m', 'true'], capture_output=True)
    if probe.returncode != 0:
        return 'no mount namespace can be made here: ' + probe.stderr.decode().strip()
    return None


class SystemMode(h.DaemonTestCase):
    """chronikerd --system, polkitd and the test's rules on a private system bus."""

    start_daemon = False
    # polkit rules (JavaScript) of the test, by file name, in place before polkitd starts
    rules = {}

    def setUp(self):
        reason = cu.skip_reason() or polkitd_skip_reason()
        if reason:
            self.skipTest(reason)
        super().setUp()
        self.polkitd = None
        os.chmod(self.tmp, 0o711)
        self.system_bus_daemon = SystemBus(self.tmp, self.env)
        self.env['DBUS_SYSTEM_BUS_ADDRESS'] = self.system_bus_daemon.address
        self.system = h.Client(self.system_bus_daemon.address)
        # Chosen once: the rules name this account, and another test's process
        # running as it meanwhile would make quiet_account() give another.
        self.quiet_uid_gid = cu.quiet_account()
        self.start_polkitd()
        self.state = os.path.join(self.tmp, 'state', 'chroniker')
        self.db = os.path.join(self.state, 'chroniker.db')
        uid, gid = self.quiet_uid_gid
        self.user = cu.UserClient(uid, gid, self.system_bus_daemon.address, '/')
        self.user_name = pwd.getpwuid(uid).pw_name

    def polkit_folder(self, name):
        path = os.path.join(self.tmp, 'polkit', name)
        os.makedirs(path, mode=0o755, exist_ok=True)
        os.chmod(os.path.dirname(path), 0o755)
        return path

    def start_polkitd(self):
        actions = self.polkit_folder('actions')
        shutil.copy(os.environ['CHK_POLKIT_POLICY'], actions)
        rules = self.polkit_folder('rules')
        for name, text in self.rules.items():
            with open(os.path.join(rules, name), 'w') as f:
                f.write(text.replace('@USER@', self.quiet_user_name()))
        folders = [actions, rules, self.polkit_folder('etc-rules')]
        for folder in folders:
            for name in os.listdir(folder):
                os.chmod(os.path.join(folder, name), 0o644)
        self.polkitd_log = os.path.join(self.tmp, 'polkitd.log')
        with open(self.polkitd_log, 'ab') as log:
            self.polkitd = subprocess.Popen(
                ['unshare', '-m', '--propagation', 'private', 'sh', '-c', POLKITD_SCRIPT,
                 'polkitd'] + folders + [POLKITD],
                env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self.addCleanup(self.stop_polkitd)
        h.wait_until(lambda: self.polkitd.poll() is not None or
                     self.system.has_owner(POLKIT_NAME), 15, 'polkitd to own ' + POLKIT_NAME,
                     poll=0.02)
        self.assertIsNone(self.polkitd.poll(), 'polkitd exited:\n' + self.read_polkitd_log())

    def quiet_user_name(self):
        return pwd.getpwuid(self.quiet_uid_gid[0]).pw_name

    def read_polkitd_log(self):
        with contextlib.suppress(OSError):
            with open(self.polkitd_log, errors='replace') as f:
                return f.read()
        return ''

    def stop_polkitd(self):
        """Ends the polkitd of the test, by its pid (it runs as its own user by now)."""
        if self.polkitd is None or self.polkitd.poll() is not None:
            return
        self.polkitd.send_signal(signal.SIGTERM)
        try:
            self.polkitd.wait(10)
        except subprocess.TimeoutExpired:
            self.polkitd.kill()
            self.polkitd.wait()

    def start_system_daemon(self, *extra):
        """chronikerd --system as root, waited for until it owns the name on the system bus."""
        d = self.spawn_chronikerd('--system', *extra)
        h.wait_until(lambda: not d.alive() or (self.system.has_owner() and
                                               self.system.owner_pid() == d.pid),
                     20, f'chronikerd {d.pid} to own {h.BUS_NAME} on the system bus', poll=0.02)
        self.assertTrue(d.alive(), f'chronikerd --system exited:\n{self.read_log(d)}')
        self.daemon = d
        return d

    def system_job_name(self, path):
        """A job's Name, read by root."""
        return self.system.call_unpack(path, PROPERTIES_IFACE, 'Get',
                                       GLib.Variant('(ss)', (h.JOB_IFACE, 'Name')), '(v)')

    def root_settings(self):
        return self.system.sched('GetSettings', None, '(a{sv})')

    def root_set_settings(self, settings):
        self.system.sched('SetSettings',
                          GLib.Variant.new_tuple(h.vardict(settings, h.SETTINGS_TYPES)))

    def user_call_error(self, call):
        with self.assertRaises(cu.CallError) as cm:
            call()
        return cm.exception

    def assert_denied(self, call, *contains):
        error = self.user_call_error(call)
        self.assertEqual(error.name, h.ERROR_PREFIX + 'PermissionDenied', str(error))
        for word in contains:
            self.assertIn(word, error.message)
        return error.message


class Start(SystemMode):
    def test_owns_the_name_on_the_system_bus_only(self):
        self.start_system_daemon()
        self.assertFalse(self.bus.has_owner(), 'the session bus has no scheduler')
        self.assertIn('allow-shell', self.root_settings())

    def test_database_is_root_s_alone(self):
        self.start_system_daemon()
        self.root_set_settings({'keep-runs-days': 3})
        for name in ('chroniker.db', 'chroniker.db-wal'):
            path = os.path.join(self.state, name)
            st = os.stat(path)
            self.assertEqual((st.st_uid, st.st_mode & 0o777), (0, 0o600), path)
        st = os.stat(self.state)
        self.assertEqual((st.st_uid, st.st_mode & 0o777), (0, 0o700), self.state)

    def test_refuses_a_folder_others_may_write(self):
        os.makedirs(self.state)
        os.chmod(self.state, 0o777)
        d = self.spawn_chronikerd('--system')
        self.assertEqual(d.wait_exit(20), 1)
        self.assertIn('no one else may write', self.read_log(d))
        self.assertFalse(os.path.exists(self.db))

    def test_refuses_to_run_as_another_user_than_root(self):
        uid, gid = cu.quiet_account()
        proc = subprocess.run(cu.as_user(uid, gid, [self.chronikerd, '--system', '--database',
                                                     os.path.join(self.tmp, 'user.db')]),
                              env=self.env, capture_output=True, text=True, timeout=20)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn('--system must run as root', proc.stderr)

    def test_says_when_there_is_no_system_bus(self):
        self.env['DBUS_SYSTEM_BUS_ADDRESS'] = 'unix:path=' + os.path.join(self.tmp, 'no-bus')
        d = self.spawn_chronikerd('--system')
        self.assertEqual(d.wait_exit(20), 1)
        self.assertIn('cannot reach the system bus at unix:path=', self.read_log(d))

    def test_only_root_may_own_the_name(self):
        """Our bus policy: a user's process cannot stand in for the scheduler."""
        argv = [cu.GDBUS, 'call', '--session', '--dest', 'org.freedesktop.DBus',
                '--object-path', '/org/freedesktop/DBus',
                '--method', 'org.freedesktop.DBus.RequestName', h.BUS_NAME, '0']
        proc = subprocess.run(cu.as_user(self.user.uid, self.user.gid, argv), env=self.user.env,
                              capture_output=True, text=True, timeout=30, cwd='/')
        self.assertNotEqual(proc.returncode, 0, proc.stdout)
        self.assertIn('org.freedesktop.DBus.Error.AccessDenied', proc.stderr)
        self.start_system_daemon()


class Authorization(SystemMode):
    def test_root_may_change_the_settings(self):
        daemon = self.start_system_daemon()
        # libpolkit and what it brings are a module's, loaded at the first check
        # (chk-module.c)
        self.assertFalse(h.maps_library(daemon.pid, 'libpolkit-gobject-1.so'))
        self.root_set_settings({'allow-shell': False})
        self.assertFalse(self.root_settings()['allow-shell'])
        self.assertTrue(h.maps_library(daemon.pid, 'libpolkit-gobject-1.so'))

    def test_a_user_may_not_change_the_settings(self):
        self.start_system_daemon()
        message = self.assert_denied(lambda: self.user.set_settings({'allow-shell': False}),
                                     ACTION_ALL)
        self.assertIn('no authentication agent', message)
        self.assertTrue(self.root_settings()['allow-shell'], 'the settings are unchanged')

    def test_a_user_outside_a_session_may_not_read_them_either(self):
        """manage-own-jobs is for active local users: this one has no session."""
        self.start_system_daemon()
        self.assert_denied(self.user.get_settings, ACTION_OWN)

    def test_a_user_outside_a_session_may_not_make_jobs(self):
        self.start_system_daemon()
        self.assert_denied(lambda: self.user.create_job({'name': 'x', 'command': ['/bin/true']}),
                           ACTION_OWN)
        self.assertEqual(self.system.list_jobs(), [], 'no job was made')

    def test_a_user_may_not_purge_runs(self):
        """Purging is of every job's runs: for administrators."""
        self.start_system_daemon()
        self.assert_denied(lambda: self.user.sched('PurgeRuns', GLib.Variant('x', h.now_usec())),
                           ACTION_ALL)

    def test_a_user_may_not_read_a_job(self):
        """A job's properties, its environment among them, are not everyone's: this user
        does not even hold manage-own-jobs (the Owners tests give users that)."""
        self.start_system_daemon()
        path = self.system.create_job({'name': 'backup', 'command': ['/bin/true']})
        self.assertEqual(self.system_job_name(path), 'backup')
        self.assert_denied(lambda: self.user.call(path, PROPERTIES_IFACE, 'Get',
                                                  GLib.Variant('s', h.JOB_IFACE),
                                                  GLib.Variant('s', 'Name')), ACTION_OWN)
        self.assert_denied(lambda: self.user.call(path, PROPERTIES_IFACE, 'GetAll',
                                                  GLib.Variant('s', h.JOB_IFACE)), ACTION_OWN)
        self.assert_denied(lambda: self.user.call(h.MANAGER_PATH, MANAGER_IFACE,
                                                  'GetManagedObjects'), ACTION_OWN)
        self.assert_denied(lambda: self.user.sched('ListJobs', GLib.Variant('o', '/'),
                                                   GLib.Variant('u', 0)), ACTION_OWN)

    def test_a_user_hears_no_job_signals(self):
        """The signals reach root; a user listening hears none of them."""
        self.start_system_daemon()
        argv = ['stdbuf', '-oL', cu.GDBUS, 'monitor', '--session', '--dest', h.BUS_NAME]
        heard = {}
        for who in ('root', 'user'):
            heard[who] = os.path.join(self.tmp, f'monitor-{who}.txt')
            with open(heard[who], 'wb') as out:
                if who == 'root':
                    proc = subprocess.Popen(argv, env=self.user.env, stdout=out,
                                            stderr=subprocess.STDOUT, cwd='/')
                else:
                    proc = subprocess.Popen(cu.as_user(self.user.uid, self.user.gid, argv),
                                            env=self.user.env, stdout=out,
                                            stderr=subprocess.STDOUT, cwd='/')
            self.addCleanup(end_process, proc)
            h.wait_until(lambda: 'Monitoring' in read_text(heard[who]), 20,
                         f'gdbus monitor as {who} to start', poll=0.05)
        self.system.create_job({'name': 'heard', 'command': ['/bin/true']})
        h.wait_until(lambda: 'InterfacesAdded' in read_text(heard['root']), 20,
                     'root to hear InterfacesAdded', poll=0.05)
        # The bus sent it to every listener at once: the user's would be in by now.
        time.sleep(0.5)
        self.assertNotIn('InterfacesAdded', read_text(heard['user']))
        self.assertNotIn('heard', read_text(heard['user']))

    def test_without_polkit_a_call_is_refused_saying_why(self):
        self.stop_polkitd()
        h.wait_until(lambda: not self.system.has_owner(POLKIT_NAME), 10, 'polkitd to go',
                     poll=0.02)
        self.start_system_daemon()
        self.assert_denied(lambda: self.user.set_settings({'allow-shell': False}),
                           'Could not ask polkit', ACTION_ALL)
        # No one decides, so no one is let in: root neither.
        with self.assert_error('PermissionDenied', 'Could not ask polkit', ACTION_OWN):
            self.root_settings()
        self.start_polkitd()
        self.assertTrue(self.root_settings()['allow-shell'], 'the settings are unchanged')


class RuleGrantsAll(SystemMode):
    """An administrator's rule giving the user manage-all-jobs."""

    rules = {'10-chroniker-test.rules': '''
polkit.addRule(function(action, subject) {
    if (action.id == "%s" && subject.user == "@USER@")
        return polkit.Result.YES;
});
''' % ACTION_ALL}

    def test_the_user_may_change_the_settings(self):
        self.start_system_daemon()
        self.user.set_settings({'allow-shell': False})
        self.assertFalse(self.root_settings()['allow-shell'])

    def test_the_user_may_read_the_jobs(self):
        self.start_system_daemon()
        path = self.system.create_job({'name': 'backup', 'command': ['/bin/true']})
        reply = self.user.call(path, PROPERTIES_IFACE, 'Get', GLib.Variant('s', h.JOB_IFACE),
                               GLib.Variant('s', 'Name'))
        self.assertEqual(reply.unpack()[0], 'backup')
        reply = self.user.call(path, PROPERTIES_IFACE, 'GetAll', GLib.Variant('s', h.JOB_IFACE))
        self.assertEqual(reply.unpack()[0]['Name'], 'backup')
        objects = self.user.call(h.MANAGER_PATH, MANAGER_IFACE, 'GetManagedObjects').unpack()[0]
        self.assertEqual(objects[path][h.JOB_IFACE]['Name'], 'backup')


class RuleGrantsOwn(SystemMode):
    """A rule giving the user manage-own-jobs only: each call needs its own action."""

    rules = {'10-chroniker-test.rules': '''
polkit.addRule(function(action, subject) {
    if (action.id == "%s" && subject.user == "@USER@")
        return polkit.Result.YES;
});
''' % ACTION_OWN}

    def test_the_user_may_read_the_settings_but_not_change_them(self):
        self.start_system_daemon()
        self.assertIn('allow-shell', self.user.get_settings())
        self.assert_denied(lambda: self.user.set_settings({'allow-shell': False}), ACTION_ALL)
        self.assertTrue(self.root_settings()['allow-shell'])


TEST_USERS = ('chktest-a', 'chktest-b')
TEST_GROUP = 'chktest-g'


class TestUsers:
    """Two unprivileged accounts made for the Owners tests (only those not there
    already, and only those are removed), A with a supplementary group."""

    def __init__(self):
        self.made_users = []
        self.made_group = False
        self.homes = tempfile.mkdtemp(prefix='chktest-homes-')
        os.chmod(self.homes, 0o755)

    def make(self):
        if not all(shutil.which(tool) for tool in ('useradd', 'userdel', 'groupadd', 'groupdel')):
            raise unittest.SkipTest('needs useradd, userdel, groupadd and groupdel')
        try:
            grp.getgrnam(TEST_GROUP)
        except KeyError:
            subprocess.run(['groupadd', TEST_GROUP], check=True, capture_output=True)
            self.made_group = True
        for name in TEST_USERS:
            with contextlib.suppress(KeyError):
                pwd.getpwnam(name)
                continue
            home = os.path.join(self.homes, name)
            argv = ['useradd', '--no-create-home', '--home-dir', home, '--shell', '/bin/sh',
                    '--user-group']
            if name == TEST_USERS[0]:
                argv += ['--groups', TEST_GROUP]
            subprocess.run(argv + [name], check=True, capture_output=True)
            self.made_users.append(name)
            pw = pwd.getpwnam(name)
            os.makedirs(home, mode=0o700)
            os.chown(home, pw.pw_uid, pw.pw_gid)

    def remove(self):
        for name in self.made_users:
            subprocess.run(['userdel', name], capture_output=True)
        if self.made_group:
            subprocess.run(['groupdel', TEST_GROUP], capture_output=True)
        shutil.rmtree(self.homes, ignore_errors=True)


class Owners(SystemMode):
    """Jobs of two users, A and B, each holding manage-own-jobs only.

    They have no logind session, so the policy's allow_active does not apply to
    them (polkit sees them as neither active nor inactive): a rule of the test's
    own rules folder grants them manage-own-jobs, as an administrator's rule could
    for accounts that run jobs without logging in."""

    rules = {'10-chroniker-owners.rules': '''
polkit.addRule(function(action, subject) {
    if (action.id == "%s" && (subject.user == "%s" || subject.user == "%s"))
        return polkit.Result.YES;
});
''' % ((ACTION_OWN,) + TEST_USERS)}

    # What a job writes about who it runs as, line by line.
    WHO = 'id -u; id -g; id -G; echo "$HOME"; echo "$USER"; echo "$LOGNAME"; pwd'

    def setUp(self):
        # Made for each test, as the harness runs tests one by one, without class
        # fixtures; removed after the test's daemons and buses are gone.
        reason = cu.skip_reason() or polkitd_skip_reason()
        if reason:
            self.skipTest(reason)
        users = TestUsers()
        self.addCleanup(users.remove)
        users.make()
        super().setUp()
        self.clients = {}
        for name in TEST_USERS:
            pw = pwd.getpwnam(name)
            self.clients[name] = cu.UserClient(pw.pw_uid, pw.pw_gid,
                                               self.system_bus_daemon.address, '/')
        self.a, self.b = (self.clients[name] for name in TEST_USERS)
        self.start_system_daemon()

    def user_wait_run(self, client, run_id, timeout=20):
        return h.wait_for(lambda: client.get_run(run_id), lambda run: run['finished'] != 0,
                          timeout, f'run {run_id} to finish', poll=0.1)

    def user_output(self, client, run_id):
        reply = client.sched('ReadRunOutput', GLib.Variant('t', run_id), GLib.Variant('t', 0),
                             GLib.Variant('u', 0)).unpack()
        return b''.join(bytes(chunk[3]) for chunk in reply[0] if chunk[1] == 'stdout').decode()

    def run_on_system(self, path):
        run_id = self.system.run(path)
        outcome, code = self.system.wait_run_finished(run_id, 20)
        return run_id, outcome, code

    def assert_runs_as(self, output, name):
        pw = pwd.getpwnam(name)
        groups = sorted(os.getgrouplist(name, pw.pw_gid))
        lines = output.splitlines()
        self.assertEqual(len(lines), 7, output)
        self.assertEqual(int(lines[0]), pw.pw_uid, output)
        self.assertEqual(int(lines[1]), pw.pw_gid, output)
        self.assertEqual(sorted(int(g) for g in lines[2].split()), groups, output)
        self.assertEqual(lines[3:7], [pw.pw_dir, name, name, pw.pw_dir], output)

    def make_job_of(self, client, name):
        return client.create_job({'name': name, 'command': self.sh(self.WHO)})

    def test_a_job_runs_as_its_user(self):
        path = self.make_job_of(self.a, 'who-a')
        user = self.a.call(path, PROPERTIES_IFACE, 'Get', GLib.Variant('s', h.JOB_IFACE),
                           GLib.Variant('s', 'User')).unpack()[0]
        self.assertEqual(user, TEST_USERS[0], 'the default user is the caller')
        run_id = self.a.run(path)
        run = self.user_wait_run(self.a, run_id)
        self.assertEqual(run['outcome'], 'success', run)
        output = self.user_output(self.a, run_id)
        self.assert_runs_as(output, TEST_USERS[0])
        self.assertIn(grp.getgrnam(TEST_GROUP).gr_gid,
                      [int(g) for g in output.splitlines()[2].split()],
                      "the supplementary groups are the user's (initgroups)")

    def test_a_user_may_not_touch_another_user_s_job(self):
        path = self.make_job_of(self.b, 'who-b')
        run_id = self.b.run(path)
        self.user_wait_run(self.b, run_id)
        mine = self.make_job_of(self.a, 'who-a')
        job_props = GLib.Variant('s', h.JOB_IFACE)
        denied = {
            'Get': lambda: self.a.call(path, PROPERTIES_IFACE, 'Get', job_props,
                                       GLib.Variant('s', 'Name')),
            'GetAll': lambda: self.a.call(path, PROPERTIES_IFACE, 'GetAll', job_props),
            'Update': lambda: self.a.job(path, 'Update',
                                         h.vardict({'description': 'mine'}, h.SPEC_TYPES)),
            'Run': lambda: self.a.job(path, 'Run'),
            'Stop': lambda: self.a.job(path, 'Stop'),
            'Delete': lambda: self.a.job(path, 'Delete'),
            'Job.ListRuns': lambda: self.a.job(path, 'ListRuns', GLib.Variant('u', 0),
                                               GLib.Variant('u', 0)),
            'GetJobByName': lambda: self.a.sched('GetJobByName', GLib.Variant('s', 'who-b')),
            'GetRun': lambda: self.a.get_run(run_id),
            'ReadRunOutput': lambda: self.user_output(self.a, run_id),
            'ListRuns': lambda: self.a.sched('ListRuns', h.vardict({'job': path}, {'job': 'o'})),
            'CreateJob as B': lambda: self.a.create_job({'name': 'as-b', 'user': TEST_USERS[1],
                                                         'command': ['/bin/true']}),
            'Update to B': lambda: self.a.job(mine, 'Update',
                                              h.vardict({'user': TEST_USERS[1]}, h.SPEC_TYPES)),
        }
        for what, call in denied.items():
            with self.subTest(what):
                self.assert_denied(call, ACTION_ALL)

        listed = self.a.sched('ListJobs', GLib.Variant('o', '/'), GLib.Variant('u', 0))
        self.assertEqual([p for p, _ in listed.unpack()[0]], [mine], 'A lists its own job only')
        objects = self.a.call(h.MANAGER_PATH, MANAGER_IFACE, 'GetManagedObjects').unpack()[0]
        self.assertEqual(list(objects), [mine], 'A is shown its own job only')
        # B's job is as it was, and B still uses it.
        self.assertEqual(self.system_job_name(path), 'who-b')
        self.assert_runs_as(self.user_output(self.b, run_id), TEST_USERS[1])
        self.assertEqual(len(self.system.list_jobs()), 2)

    def test_a_user_lists_and_counts_its_own_runs_only(self):
        runs = {}
        for client, name in ((self.a, 'mine'), (self.b, 'theirs')):
            run_id = client.run(self.make_job_of(client, name))
            self.assertEqual(self.user_wait_run(client, run_id)['outcome'], 'success')
            runs[client] = run_id

        def listed(client, filter=None):
            reply = client.sched('ListRuns', h.vardict(filter or {}, {'outcome': 's'}))
            return sorted(run['id'] for run in reply.unpack()[0])

        def counted(client):
            stats = client.sched('GetJobStats', GLib.Variant('o', h.MANAGER_PATH),
                                 GLib.Variant('x', 0), GLib.Variant('u', 1)).unpack()[0]
            return stats[0]['runs']

        self.assertEqual(listed(self.a), [runs[self.a]], "A's own runs, not B's")
        self.assertEqual(listed(self.a, {'outcome': 'success'}), [runs[self.a]])
        self.assertEqual(listed(self.b), [runs[self.b]])
        self.assertEqual(counted(self.a), 1)
        self.assertEqual(counted(self.b), 1)
        # Root sees them all.
        self.assertEqual(sorted(run['id'] for run in self.system.list_runs()),
                         sorted(runs.values()))
        stats = self.system.sched('GetJobStats', GLib.Variant('(oxu)', (h.MANAGER_PATH, 0, 1)),
                                  '(aa{sv})')
        self.assertEqual(stats[0]['runs'], 2)

    def test_alerts_go_to_the_job_s_user_by_email(self):
        # The system daemon reaches no one's desktop: what notify-on asks for
        # goes by email, by default to the job's user, as cron mails a job's owner.
        mail_dir = self.path_file('mail')
        os.makedirs(mail_dir)
        _, port = self.start_smtp_server(mail_dir)
        self.root_set_settings({'smtp-url': f'smtp://127.0.0.1:{port}',
                                'email-from': 'chroniker@example.org'})

        def envelopes():
            names = sorted((n for n in os.listdir(mail_dir) if n.endswith('.env')),
                           key=lambda n: int(n.split('.')[0]))
            return [read_text(os.path.join(mail_dir, n)).split()[1:] for n in names]

        failing = self.a.create_job({'name': 'fails', 'command': ['/bin/false']})
        quiet = self.a.create_job({'name': 'quiet', 'notify-on': 'never',
                                   'command': ['/bin/false']})
        elsewhere = self.b.create_job({'name': 'to-ops', 'email-to': ['ops@example.org'],
                                       'command': ['/bin/false']})
        for client, path in ((self.a, quiet), (self.a, failing), (self.b, elsewhere)):
            run = self.user_wait_run(client, client.run(path))
            self.assertEqual(run['outcome'], 'failure')
        h.wait_until(lambda: len(envelopes()) >= 2, 20, 'two emails')
        time.sleep(0.5)
        self.assertEqual(sorted(envelopes()), sorted([['ops@example.org'], [TEST_USERS[0]]]),
                         'one to the job of A, by its user; one to the address B gave')

    def test_without_smtp_the_machine_s_sendmail_mails_the_user(self):
        spool = self.path_file('spool')
        stub_dir = self.path_file('bin')
        os.makedirs(spool)
        os.makedirs(stub_dir)
        stub = os.path.join(stub_dir, 'sendmail')
        with open(stub, 'w') as f:
            f.write(f'#!/bin/sh\nprintf "%s\\n" "$@" > {spool}/args\ncat > {spool}/mail\n')
        os.chmod(stub, 0o755)
        self.assertEqual(self.daemon.terminate(), 0)
        self.env['PATH'] = stub_dir + ':' + self.env.get('PATH', '/usr/bin:/bin')
        self.start_system_daemon()

        failing = self.a.create_job({'name': 'fails', 'command': ['/bin/false']})
        self.assertEqual(self.user_wait_run(self.a, self.a.run(failing))['outcome'], 'failure')
        h.wait_until(lambda: os.path.exists(os.path.join(spool, 'mail')), 20, 'sendmail to run',
                     poll=0.05)
        # sendmail -t takes the recipients from the header
        self.assertIn('-t', read_text(os.path.join(spool, 'args')).split())
        h.wait_until(lambda: '\n\n' in read_text(os.path.join(spool, 'mail')), 10,
                     'the whole mail', poll=0.05)
        headers = read_text(os.path.join(spool, 'mail')).split('\n\n')[0]
        self.assertIn(f'To: {TEST_USERS[0]}', headers.splitlines())

    def test_polkit_is_asked_about_all_jobs_once_for_calls_close_together(self):
        # One connection of A's, three calls: polkit answers "manage-all-jobs?"
        # once, and the calls go on with what it said.
        script = '''
from gi.repository import Gio, GLib
bus = Gio.DBusConnection.new_for_address_sync(
    %r, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
    Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
for _ in range(3):
    bus.call_sync(%r, %r, %r, 'ListJobs', GLib.Variant('(ou)', ('/', 0)),
                  None, Gio.DBusCallFlags.NONE, 20000, None)
print(bus.get_unique_name())
''' % (self.system_bus_daemon.address, h.BUS_NAME, h.MANAGER_PATH, h.SCHEDULER_IFACE)
        mine = self.make_job_of(self.a, 'mine')
        argv = cu.as_user(self.a.uid, self.a.gid, ['/usr/bin/python3', '-c', script])
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd='/')
        self.assertEqual(proc.returncode, 0, proc.stderr)
        name = proc.stdout.strip()
        asked = f'{name} may not do {ACTION_ALL}'
        h.wait_until(lambda: asked in self.read_log(self.daemon), 10, 'the daemon to log it')
        self.assertEqual(self.read_log(self.daemon).count(asked), 1, 'asked once, not thrice')
        self.assertEqual([p for p, _ in self.a.sched('ListJobs', GLib.Variant('o', '/'),
                                                     GLib.Variant('u', 0)).unpack()[0]], [mine])

    LISTENER = '''
import json, os, sys
from gi.repository import Gio, GLib
address, name, path, iface = sys.argv[1:5]
bus = Gio.DBusConnection.new_for_address_sync(
    address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
    Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
forwarded, other = [], []

def forwarded_cb(conn, sender, obj, i, member, params):
    fpath, finterface, fmember, args = params.unpack()
    # What it is about: a job's path, or for OutputAvailable its run's id
    about = args[0] if fmember in ('InterfacesAdded', 'InterfacesRemoved', 'RunStarted',
                                   'RunFinished') else fpath
    if fmember == 'OutputAvailable':
        about = 'run %d' % args[0]
    forwarded.append([finterface, fmember, about])

def any_cb(conn, sender, obj, i, member, params):
    if member != 'Forwarded':
        other.append(member)
bus.signal_subscribe(name, iface, 'Forwarded', path, None, 0, forwarded_cb)
bus.signal_subscribe(name, None, None, None, None, 0, any_cb)
# Its first call makes it a listener.
bus.call_sync(name, path, iface, 'ListJobs', GLib.Variant('(ou)', ('/', 0)), None,
              Gio.DBusCallFlags.NONE, 20000, None)
print('ready', flush=True)
loop = GLib.MainLoop()
GLib.io_add_watch(0, GLib.IO_IN | GLib.IO_HUP, lambda *a: loop.quit())
loop.run()
print(json.dumps({'forwarded': forwarded, 'other': other}), flush=True)
'''

    def test_a_user_hears_the_signals_of_its_own_jobs(self):
        mine = self.make_job_of(self.a, 'mine')
        argv = ['/usr/bin/python3', '-c', self.LISTENER, self.system_bus_daemon.address,
                h.BUS_NAME, h.MANAGER_PATH, h.SCHEDULER_IFACE]
        listener = subprocess.Popen(cu.as_user(self.a.uid, self.a.gid, argv), cwd='/',
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.addCleanup(end_process, listener)
        self.assertEqual(listener.stdout.readline().strip(), 'ready')

        run_id = self.a.run(mine)
        self.assertEqual(self.user_wait_run(self.a, run_id)['outcome'], 'success')
        theirs = self.make_job_of(self.b, 'theirs')
        self.user_wait_run(self.b, self.b.run(theirs))
        for_a = self.system.create_job({'name': 'for-a', 'user': TEST_USERS[0],
                                        'command': ['/bin/true']})
        self.system.delete(for_a)
        time.sleep(0.5)
        out, _ = listener.communicate('', timeout=30)
        heard = __import__('json').loads(out)
        about = {}
        for interface, member, path in heard['forwarded']:
            about.setdefault(path, set()).add(member)
        self.assertEqual(set(about), {mine, for_a, f'run {run_id}'},
                         "A hears of its jobs only, not of B's")
        self.assertLessEqual({'RunStarted', 'RunFinished', 'PropertiesChanged'}, about[mine])
        self.assertEqual(about[f'run {run_id}'], {'OutputAvailable'})
        self.assertEqual(about[for_a], {'InterfacesAdded', 'InterfacesRemoved'})
        self.assertEqual(heard['other'], [], 'and no broadcast of the daemon reaches it')

    def test_root_uses_every_job(self):
        path = self.make_job_of(self.b, 'who-b')
        self.make_job_of(self.a, 'who-a')
        self.assertEqual(sorted(props['Name'] for _, props in self.system.list_jobs()),
                         ['who-a', 'who-b'])
        run_id, outcome, _ = self.run_on_system(path)
        self.assertEqual(outcome, 'success')
        self.assert_runs_as(self.system.output(run_id)['stdout'].decode(), TEST_USERS[1])
        # A job root makes for A is A's: A sees it and its runs.
        for_a = self.system.create_job({'name': 'for-a', 'user': TEST_USERS[0],
                                        'command': self.sh(self.WHO)})
        run_id, outcome, _ = self.run_on_system(for_a)
        self.assertEqual(outcome, 'success')
        self.assert_runs_as(self.user_output(self.a, run_id), TEST_USERS[0])
        self.system.delete(path)
        self.assertEqual(len(self.system.list_jobs()), 2)

    def test_a_job_of_a_missing_user_fails_saying_so(self):
        path = self.system.create_job({'name': 'ghost', 'user': 'chktest-nobody',
                                       'command': ['/bin/true']})
        run_id, outcome, _ = self.run_on_system(path)
        self.assertEqual(outcome, 'failed-to-start')
        self.assertIn('chktest-nobody', self.system.get_run(run_id)['message'])


if __name__ == '__main__':
    h.main()
