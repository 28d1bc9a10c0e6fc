#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""In the Flatpak the daemon tells the Background portal what it does:
"3 jobs · next: Backup at 02:30", kept up to date as jobs change, and only
in a sandbox. The portal here is a stand-in on the private bus that writes
down each SetStatus call (CHK_SANDBOXED=1 makes the daemon act as in one)."""

import json
import os
import subprocess
import sys
import time

import chkharness as h

# org.freedesktop.portal.Background, as far as SetStatus goes. Each call is a
# JSON line on stdout. With "old", it has no SetStatus (portals before v2).
FAKE_PORTAL = r'''
import json
import sys
import gi
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib
old = sys.argv[1:] == ['old']
XML = """<node><interface name="org.freedesktop.portal.Background">
<method name="SetStatus"><arg type="a{sv}" direction="in"/></method>
<property name="version" type="u" access="read"/></interface></node>"""
def call(conn, sender, path, iface, method, params, invocation):
    if old:
        invocation.return_dbus_error('org.freedesktop.DBus.Error.UnknownMethod', 'No SetStatus')
        return
    options = params.unpack()[0]
    print(json.dumps({'method': method, 'options': options}), flush=True)
    invocation.return_value(None)
def get_property(conn, sender, path, iface, name):
    return GLib.Variant('u', 1 if old else 2)
def acquired(conn, name):
    print(json.dumps({'ready': True}), flush=True)
conn = Gio.bus_get_sync(Gio.BusType.SESSION, None)
info = Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0]
conn.register_object('/org/freedesktop/portal/desktop', info, call, get_property, None)
Gio.bus_own_name_on_connection(conn, 'org.freedesktop.portal.Desktop',
                               Gio.BusNameOwnerFlags.NONE, acquired, None)
GLib.MainLoop().run()
'''


class BackgroundStatus(h.DaemonTestCase):
    start_daemon = False

    def start_portal(self, *args):
        self.calls_path = os.path.join(self.tmp, 'portal-calls')
        out = open(self.calls_path, 'w')
        self.addCleanup(out.close)
        portal = subprocess.Popen([sys.executable, '-c', FAKE_PORTAL] + list(args),
                                  env=self.env, stdout=out, stderr=subprocess.STDOUT)
        self.addCleanup(portal.wait)
        self.addCleanup(portal.kill)
        h.wait_until(lambda: bool(self.calls()), 10, 'the portal to own its name', poll=0.05)

    def calls(self):
        with open(self.calls_path) as f:
            return [json.loads(line) for line in f if line.startswith('{')]

    def statuses(self):
        return [c['options']['message'] for c in self.calls() if c.get('method') == 'SetStatus']

    def start_sandboxed(self, sandboxed='1'):
        self.env['CHK_SANDBOXED'] = sandboxed
        self.daemon = self.start_chronikerd()

    def wait_status(self, expected):
        h.wait_until(lambda: self.statuses() and self.statuses()[-1] == expected, 10,
                     f'the status “{expected}”', poll=0.05)

    def test_status_follows_the_jobs(self):
        self.start_portal()
        self.start_sandboxed()
        self.wait_status('0 jobs · none scheduled')

        self.make_job('manual')
        self.wait_status('1 job · none scheduled')

        later = self.make_job('weekly', schedule='0 3 * * 0')
        soon = self.make_job('Backup', schedule='*/5 * * * *')
        next_run = self.bus.prop(soon, 'NextRun')
        self.assertLess(next_run, self.bus.prop(later, 'NextRun'))
        at = time.strftime('%H:%M', time.localtime(next_run / h.USEC))
        self.wait_status(f'3 jobs · next: Backup at {at}')

        # Paused, the next job is the weekly one, within a week.
        self.bus.update(soon, {'enabled': False})
        weekly = self.bus.prop(later, 'NextRun')
        days = (weekly - h.now_usec()) / h.USEC / 86400
        when = time.localtime(weekly / h.USEC)
        if days < 1:
            expected = time.strftime('at %H:%M', when)
        else:
            expected = time.strftime('on %a %H:%M' if days < 6 else 'on %x', when)
        self.wait_status(f'3 jobs · next: weekly {expected}')

        self.bus.delete(later)
        self.wait_status('2 jobs · none scheduled')

        # A burst of changes is one status, and an unchanged line is not sent again.
        before = len(self.statuses())
        for _ in range(5):
            self.bus.update(soon, {'description': 'touched'})
        h.iterate(2.5)
        self.assertEqual(len(self.statuses()), before)

    def test_not_sandboxed_no_status(self):
        self.start_portal()
        self.start_sandboxed('0')
        self.make_job('Backup', schedule='*/5 * * * *')
        h.iterate(2.5)
        self.assertEqual(self.statuses(), [])

    def test_portal_without_set_status(self):
        self.start_portal('old')
        self.start_sandboxed()
        h.wait_until(lambda: 'Background portal' in self.read_log(self.daemon), 10,
                     'the daemon to say the portal has no SetStatus', poll=0.05)
        for i in range(3):
            self.make_job(f'job-{i}', schedule='*/5 * * * *')
        h.iterate(2.5)
        self.assertEqual(self.read_log(self.daemon).count('Background portal'), 1,
                         'it tries once')
        self.assert_daemon_alive()


if __name__ == '__main__':
    h.main()
