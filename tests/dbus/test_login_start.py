#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""GetLoginStart and SetLoginStart: the XDG autostart entry, with real files
in the test's own config folders, where no systemd user manager runs the
session; chronikerd.service through a fake systemd user manager (dbusmock's
template, on the private bus) where one does."""

import os
import subprocess

import chkharness as h
from chkharness import GLib

ENTRY = h.BUS_NAME + '.desktop'
SYSTEMD = 'org.freedesktop.systemd1'
SYSTEMD_PATH = '/org/freedesktop/systemd1'
MANAGER_IFACE = 'org.freedesktop.systemd1.Manager'
MOCK_IFACE = 'org.freedesktop.DBus.Mock'

SYSTEM_ENTRY = '''[Desktop Entry]
Type=Application
Name=Chroniker Scheduler
# kept in the copy
Exec=/opt/chroniker/bin/chronikerd --autostart
X-GNOME-Autostart-enabled=true
X-systemd-skip=true
'''


def read_entry(path):
    kf = GLib.KeyFile()
    kf.load_from_file(path, GLib.KeyFileFlags.KEEP_COMMENTS)
    return kf


class LoginStartCase(h.DaemonTestCase):
    start_daemon = False

    def setUp(self):
        super().setUp()
        self.user_dir = os.path.join(self.env['XDG_CONFIG_HOME'], 'autostart')
        self.sys_dirs = [os.path.join(self.tmp, 'xdg1'), os.path.join(self.tmp, 'xdg2')]
        self.env['XDG_CONFIG_DIRS'] = ':'.join(self.sys_dirs)

    def get(self):
        return self.bus.sched('GetLoginStart', None, '(s)')

    def set(self, enable):
        return self.bus.sched('SetLoginStart', GLib.Variant('(b)', (enable,)))

    def write(self, folder, text):
        os.makedirs(os.path.join(folder, 'autostart'), exist_ok=True)
        with open(os.path.join(folder, 'autostart', ENTRY), 'w') as f:
            f.write(text)


class Autostart(LoginStartCase):
    def setUp(self):
        super().setUp()
        self.daemon = self.start_chronikerd()

    def test_nothing_then_the_system_entry(self):
        self.assertFalse(self.bus.has_owner(SYSTEMD))
        self.assertEqual(self.get(), '')
        # The second folder of $XDG_CONFIG_DIRS counts when the first has none
        self.write(self.sys_dirs[1], SYSTEM_ENTRY)
        self.assertEqual(self.get(), 'autostart')
        # The first folder overrides the second
        self.write(self.sys_dirs[0], SYSTEM_ENTRY + 'Hidden=true\n')
        self.assertEqual(self.get(), '')

    def test_user_entry_overrides(self):
        self.write(self.sys_dirs[0], SYSTEM_ENTRY)
        self.write(self.env['XDG_CONFIG_HOME'], SYSTEM_ENTRY.replace('enabled=true', 'enabled=false'))
        self.assertEqual(self.get(), '')
        self.write(self.env['XDG_CONFIG_HOME'], SYSTEM_ENTRY + 'Hidden=false\n')
        self.assertEqual(self.get(), 'autostart')
        self.write(self.env['XDG_CONFIG_HOME'], SYSTEM_ENTRY + 'Hidden=true\n')
        self.assertEqual(self.get(), '')

    def test_disable_hides_the_system_entry_and_enable_copies_it(self):
        self.write(self.sys_dirs[1], SYSTEM_ENTRY)
        self.set(False)
        user = os.path.join(self.user_dir, ENTRY)
        self.assertTrue(read_entry(user).get_boolean('Desktop Entry', 'Hidden'))
        self.assertEqual(self.get(), '')
        with open(os.path.join(self.sys_dirs[1], 'autostart', ENTRY)) as f:
            self.assertEqual(f.read(), SYSTEM_ENTRY, 'the system entry was changed')

        self.set(True)
        self.assertEqual(self.get(), 'autostart')
        kf = read_entry(user)
        self.assertNotIn('Hidden', kf.get_keys('Desktop Entry')[0])
        self.assertEqual(kf.get_string('Desktop Entry', 'Exec'),
                         '/opt/chroniker/bin/chronikerd --autostart')
        self.assertIn('kept in the copy', kf.to_data()[0])

    def test_enable_without_a_system_entry_makes_one(self):
        # No config folder yet: it is made
        self.assertFalse(os.path.exists(self.user_dir))
        self.set(True)
        self.assertEqual(self.get(), 'autostart')
        kf = read_entry(os.path.join(self.user_dir, ENTRY))
        self.assertEqual(kf.get_string('Desktop Entry', 'Type'), 'Application')
        exec_line = kf.get_string('Desktop Entry', 'Exec')
        self.assertTrue(exec_line.endswith('/chronikerd --autostart'), exec_line)
        self.assertTrue(os.path.isabs(exec_line.split()[0]), exec_line)
        self.assertTrue(kf.get_boolean('Desktop Entry', 'X-systemd-skip'))
        self.set(False)
        self.assertEqual(self.get(), '')

    def test_write_failure_names_the_file(self):
        # A file where the folder should be
        with open(self.user_dir, 'w') as f:
            f.write('in the way')
        with self.assert_error('Failed', 'autostart') as cm:
            self.set(True)
        self.assertIn(self.user_dir, cm['message'])


UNIT = 'chronikerd-login.target'

# What the fake manager says of the unit, as systemd's does after Reload: a
# user's mask wins, then the user's own link or the link for every user.
STATE_OF = ("ret = self.unit_state or ('masked' if self.masked else 'enabled' "
            "if self.user_enabled or self.global_enabled else 'disabled')")


class Systemd(LoginStartCase):
    """A fake user manager whose unit files are enabled for every user (the
    install's link), for this user (EnableUnitFiles) or masked by this user
    (MaskUnitFiles), and whose GetUnitFileState says what that makes."""

    def setUp(self):
        super().setUp()
        # An autostart entry that would say "autostart": under systemd it does not count
        self.write(self.sys_dirs[0], SYSTEM_ENTRY)
        self.mock = subprocess.Popen(
            h.PDEATHSIG + ['/usr/bin/python3', '-m', 'dbusmock', '--session', '-t', 'systemd'],
            env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        self.addCleanup(self.stop_mock)
        h.wait_until(lambda: self.bus.has_owner(SYSTEMD), 20, 'the fake systemd', poll=0.05)
        self.add_method('GetUnitFileState', 's', 's', STATE_OF)
        self.add_method('EnableUnitFiles', 'asbb', 'ba(sss)',
                        'self.user_enabled = True; ret = (True, [])')
        self.add_method('DisableUnitFiles', 'asb', 'a(sss)',
                        'self.user_enabled = False; ret = []')
        self.add_method('MaskUnitFiles', 'asbb', 'a(sss)', 'self.masked = True; ret = []')
        self.add_method('UnmaskUnitFiles', 'asb', 'a(sss)', 'self.masked = False; ret = []')
        self.add_method('Reload', '', '', '')
        self.set_files(global_enabled=True)
        self.daemon = self.start_chronikerd()

    def stop_mock(self):
        self.mock.terminate()
        try:
            self.mock.wait(10)
        except subprocess.TimeoutExpired:
            self.mock.kill()
            self.mock.wait()

    def mock_call(self, method, args, reply_type=None):
        return self.bus.conn.call_sync(SYSTEMD, SYSTEMD_PATH, MOCK_IFACE, method, args,
                                       GLib.VariantType(reply_type) if reply_type else None,
                                       h.Gio.DBusCallFlags.NONE, h.CALL_TIMEOUT_MS, None)

    def add_method(self, name, in_sig, out_sig, code):
        self.mock_call('AddMethod', GLib.Variant('(sssss)', (MANAGER_IFACE, name, in_sig,
                                                             out_sig, code)))

    def set_files(self, global_enabled=False, user_enabled=False, masked=False, state=''):
        """What the unit files are; a non-empty @state is said whatever they are."""
        code = (f'self.global_enabled = {global_enabled}; self.user_enabled = {user_enabled}; '
                f'self.masked = {masked}; self.unit_state = {state!r}')
        self.add_method('ChkSetFiles', '', '', code)
        self.bus.conn.call_sync(SYSTEMD, SYSTEMD_PATH, MANAGER_IFACE, 'ChkSetFiles', None, None,
                                h.Gio.DBusCallFlags.NONE, h.CALL_TIMEOUT_MS, None)

    def calls(self):
        reply = self.mock_call('GetCalls', None, '(a(tsav))').unpack()[0]
        return [(name, list(args)) for _, name, args in reply
                if name not in ('ChkSetFiles', 'GetUnitFileState')]

    def test_states(self):
        # Only an enabled unit starts at login
        expected = {'enabled': 'systemd-unit', 'enabled-runtime': 'systemd-unit',
                    'disabled': '', 'linked': '', 'linked-runtime': '', 'static': '',
                    'indirect': '', 'masked': '', 'masked-runtime': '', 'bad': ''}
        for state, how in expected.items():
            self.set_files(state=state)
            self.assertEqual(self.get(), how, state)

    def test_no_such_unit(self):
        self.add_method('GetUnitFileState', 's', 's',
                        'raise dbus.exceptions.DBusException("Unit chronikerd-login.target does '
                        'not exist.", name="org.freedesktop.systemd1.NoSuchUnit")')
        self.assertEqual(self.get(), '')

    def test_opt_out_and_in_of_the_unit_enabled_for_everyone(self):
        # As installed: enabled for every user, which this user can only mask.
        self.assertEqual(self.get(), 'systemd-unit')
        self.mock_call('ClearCalls', None)
        self.set(False)
        self.assertEqual(self.get(), '')
        self.assertEqual(self.calls(), [('MaskUnitFiles', [[UNIT], False, True]), ('Reload', [])])
        self.mock_call('ClearCalls', None)
        self.set(True)
        self.assertEqual(self.get(), 'systemd-unit')
        self.assertEqual(self.calls(), [('UnmaskUnitFiles', [[UNIT], False]), ('Reload', [])])
        # No autostart file was written on the way
        self.assertFalse(os.path.exists(self.user_dir))

    def test_enable_where_the_install_did_not(self):
        # A package that left enabling to its postinst, which did not run.
        self.set_files(global_enabled=False)
        self.assertEqual(self.get(), '')
        self.mock_call('ClearCalls', None)
        self.set(True)
        self.assertEqual(self.get(), 'systemd-unit')
        self.assertEqual(self.calls(), [('UnmaskUnitFiles', [[UNIT], False]), ('Reload', []),
                                        ('EnableUnitFiles', [[UNIT], False, False]),
                                        ('Reload', [])])
        # And out again: the user's own link is replaced by the mask.
        self.set(False)
        self.assertEqual(self.get(), '')

    def test_state_that_does_not_follow(self):
        self.set_files(state='bad')
        with self.assert_error('Failed', UNIT, 'still bad after enabling'):
            self.set(True)
        self.set_files(state='enabled')
        with self.assert_error('Failed', UNIT, 'still enabled after masking'):
            self.set(False)

    def test_errors_say_what_failed(self):
        self.add_method('MaskUnitFiles', 'asbb', 'a(sss)',
                        'raise dbus.exceptions.DBusException("Access denied", '
                        'name="org.freedesktop.DBus.Error.AccessDenied")')
        with self.assert_error('Failed', 'masking ' + UNIT, 'access denied'):
            self.set(False)
        self.add_method('GetUnitFileState', 's', 's',
                        'raise dbus.exceptions.DBusException("Broken", '
                        'name="org.freedesktop.DBus.Error.Failed")')
        with self.assert_error('Failed', 'systemd', 'broken'):
            self.get()


if __name__ == '__main__':
    h.main()
