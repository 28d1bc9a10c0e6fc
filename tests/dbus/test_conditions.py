#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""run-if on the real daemon: a due run waits for AC power (a stand-in UPower on
the test's private system bus), a network, an unmetered one and power saving
to end (GIO's network and power profile monitors, from the test module
tests/gio-module loads into the daemon), then starts, or is recorded as
skipped with a message naming what was missing. Manual runs do not wait."""

import os

from gi.repository import Gio, GLib

import chkharness as h

UPOWER_XML = '''
<node>
  <interface name="org.freedesktop.UPower">
    <property name="OnBattery" type="b" access="read"/>
    <property name="DaemonVersion" type="s" access="read"/>
  </interface>
</node>
'''
# Far enough ahead that only the first occurrence, at once, falls in a test
HOURLY = 'FREQ=SECONDLY;INTERVAL=3600'


class UPower:
    """org.freedesktop.UPower on the given connection, with OnBattery to set."""

    def __init__(self, conn, on_battery):
        self.conn = conn
        self.on_battery = on_battery
        info = Gio.DBusNodeInfo.new_for_xml(UPOWER_XML).interfaces[0]
        self.reg = conn.register_object('/org/freedesktop/UPower', info, None,
                                        self._get_property, None)
        reply = conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                               'org.freedesktop.DBus', 'RequestName',
                               GLib.Variant('(su)', ('org.freedesktop.UPower', 4)),
                               None, Gio.DBusCallFlags.NONE, -1, None)
        assert reply.unpack()[0] == 1, 'the stand-in owns org.freedesktop.UPower'

    def _get_property(self, conn, sender, path, iface, name):
        if name == 'OnBattery':
            return GLib.Variant('b', self.on_battery)
        return GLib.Variant('s', '1.90-chroniker-test')

    def set_on_battery(self, value):
        self.on_battery = value
        self.conn.emit_signal(None, '/org/freedesktop/UPower', 'org.freedesktop.DBus.Properties',
                              'PropertiesChanged',
                              GLib.Variant('(sa{sv}as)', ('org.freedesktop.UPower',
                                                          {'OnBattery': GLib.Variant('b', value)},
                                                          [])))


class Conditions(h.DaemonTestCase):
    system_bus = True
    start_daemon = False

    def setUp(self):
        super().setUp()
        modules = os.environ.get('CHK_TEST_MONITORS_DIR')
        if not modules:
            raise h.HarnessError('set CHK_TEST_MONITORS_DIR to the test monitors module’s dir')
        self.monitors = os.path.join(self.tmp, 'monitors.ini')
        self.set_monitors(network_available=True, network_metered=False,
                          power_saver_enabled=False)
        self.env.update({
            'GIO_MODULE_DIR': modules,
            'GIO_USE_NETWORK_MONITOR': 'chk-test',
            'GIO_USE_POWER_PROFILE_MONITOR': 'chk-test',
            'CHK_TEST_MONITORS_FILE': self.monitors,
        })
        self.upower = UPower(self.system.conn, on_battery=False)
        self.daemon = self.start_chronikerd()

    def set_monitors(self, **state):
        """Rewrites the test monitors' file at once, as the module asks."""
        lines = ['[monitors]'] + [f'{k.replace("_", "-")}={str(v).lower()}'
                                  for k, v in state.items()]
        tmp = self.monitors + '.new'
        with open(tmp, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        os.replace(tmp, self.monitors)

    def due_job(self, name, run_if, wait=60, **spec):
        """A job due at once, which waits up to `wait` seconds for `run_if`."""
        return self.make_job(name, schedule=HOURLY, run_if=run_if, run_if_wait=wait, **spec)

    def test_waits_for_ac_power_then_runs(self):
        self.upower.set_on_battery(True)
        h.iterate(0.3)
        path = self.due_job('on-ac', ['ac-power'])
        self.bus.wait_prop(path, 'WaitingFor', 'AC power', timeout=5)
        h.iterate(1)
        self.assertEqual(self.bus.job_runs(path), [], 'nothing runs on battery')
        mark = self.bus.mark()
        self.upower.set_on_battery(False)
        run_id, trigger = self.bus.wait_run_started(path, since=mark, timeout=5)
        self.assertEqual(trigger, 'schedule')
        self.assertEqual(self.bus.wait_run_finished(run_id)[0], 'success')
        self.assertEqual(self.bus.prop(path, 'WaitingFor'), '')

    def test_skipped_when_the_wait_is_over(self):
        self.upower.set_on_battery(True)
        h.iterate(0.3)
        mark = self.bus.mark()
        made = h.now_usec()
        path = self.due_job('gives-up', ['ac-power', 'network'], wait=1)
        event = self.bus.wait_signal('RunFinished', lambda e: e.args[0] == path, since=mark,
                                     timeout=10)
        self.assertEqual(event.args[2], 'skipped')
        (run,) = self.bus.job_runs(path)
        self.assertEqual(run['outcome'], 'skipped')
        self.assertEqual(run['trigger'], 'schedule')
        self.assertEqual(run['message'], 'Not run: waited 1 s for AC power')
        # It did wait: the run-if-wait of a second
        self.assertGreaterEqual(run['started'] - made, 0.95 * h.USEC)
        self.assertEqual(self.bus.prop(path, 'LastOutcome'), 'skipped')
        self.assertEqual(self.bus.prop(path, 'WaitingFor'), '')
        self.assertEqual(self.bus.output(run['id'])['stdout'], b'', 'no process ran')

    def test_network_and_unmetered_network(self):
        self.set_monitors(network_available=False, network_metered=True)
        h.iterate(0.5)
        any_net = self.due_job('any-network', ['network'])
        unmetered = self.due_job('unmetered', ['unmetered-network'])
        self.bus.wait_prop(any_net, 'WaitingFor', 'a network', timeout=5)
        self.bus.wait_prop(unmetered, 'WaitingFor', 'an unmetered network', timeout=5)

        mark = self.bus.mark()
        self.set_monitors(network_available=True, network_metered=True)
        self.bus.wait_run_started(any_net, since=mark, timeout=5)
        h.iterate(0.5)
        self.assertEqual(self.bus.job_runs(unmetered), [], 'a metered network is not enough')
        self.assertEqual(self.bus.prop(unmetered, 'WaitingFor'), 'an unmetered network')

        self.set_monitors(network_available=True, network_metered=False)
        self.bus.wait_run_started(unmetered, since=mark, timeout=5)

    def test_power_saver(self):
        self.set_monitors(power_saver_enabled=True)
        h.iterate(0.5)
        path = self.due_job('not-saving', ['not-power-saver'])
        self.bus.wait_prop(path, 'WaitingFor', 'power saving to end', timeout=5)
        mark = self.bus.mark()
        self.set_monitors(power_saver_enabled=False)
        self.bus.wait_run_started(path, since=mark, timeout=5)

    def test_manual_runs_ignore_conditions(self):
        self.upower.set_on_battery(True)
        self.set_monitors(network_available=False)
        h.iterate(0.5)
        path = self.make_job('by-hand', run_if=['ac-power', 'network'])
        run_id, outcome, _ = self.run_and_wait(path)
        self.assertEqual(outcome, 'success')
        self.assertEqual(self.bus.get_run(run_id)['trigger'], 'manual')


if __name__ == '__main__':
    h.main()
