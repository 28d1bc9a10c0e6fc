#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""How the job objects are on the bus: their introspection, their properties as GetAll,
GetManagedObjects and the ObjectManager signals show them, PropertiesChanged carrying only
what changed, and the paths of jobs that are gone."""

import xml.etree.ElementTree as ElementTree

import chkharness as h
from chkharness import GLib, Gio, JOB_IFACE, MANAGER_PATH, OM_IFACE, PROPS_IFACE

STANDARD_IFACES = {'org.freedesktop.DBus.Properties', 'org.freedesktop.DBus.Introspectable',
                   'org.freedesktop.DBus.Peer'}


def introspection(xml_text):
    """The interface names and child node names of an Introspect reply."""
    root = ElementTree.fromstring(xml_text)
    return ({i.get('name') for i in root.findall('interface')},
            [n.get('name') for n in root.findall('node')])


def remote_error(call):
    """The D-Bus error name that call() fails with."""
    try:
        call()
    except GLib.Error as e:
        return Gio.DBusError.get_remote_error(e)
    raise AssertionError('the call did not fail')


class Export(h.DaemonTestCase):
    def changes_since(self, path, mark):
        """The PropertiesChanged of path since mark, as (changed keys, invalidated)."""
        return [(set(e.args[1]), e.args[2]) for e in self.bus.find('PropertiesChanged', None,
                                                                   mark, path)
                if e.args[0] == JOB_IFACE]

    def test_job_path_introspection(self):
        path = self.make_job('looked-at')
        ifaces, nodes = introspection(self.bus.introspect(path))
        self.assertEqual(ifaces, STANDARD_IFACES | {JOB_IFACE})
        self.assertEqual(nodes, [])

    def test_jobs_path_introspection(self):
        self.assertEqual(introspection(self.bus.introspect(h.JOBS_PATH)), (set(), []))
        paths = [self.make_job(f'child-{i}') for i in range(3)]
        ifaces, nodes = introspection(self.bus.introspect(h.JOBS_PATH))
        self.assertEqual(ifaces, set())
        self.assertEqual(sorted(nodes), sorted(p.rsplit('/', 1)[1] for p in paths))
        self.bus.delete(paths[0])
        _, nodes = introspection(self.bus.introspect(h.JOBS_PATH))
        self.assertEqual(sorted(nodes), sorted(p.rsplit('/', 1)[1] for p in paths[1:]))
        # The manager lists …/jobs as its child
        ifaces, nodes = introspection(self.bus.introspect(MANAGER_PATH))
        self.assertEqual(ifaces, STANDARD_IFACES | {h.SCHEDULER_IFACE, OM_IFACE})
        self.assertEqual(nodes, ['jobs'])

    def test_object_manager_interface(self):
        root = ElementTree.fromstring(self.bus.introspect(MANAGER_PATH))
        om = [i for i in root.findall('interface') if i.get('name') == OM_IFACE][0]
        members = {(m.tag, m.get('name')): [(a.get('name'), a.get('type'), a.get('direction'))
                                            for a in m.findall('arg')]
                   for m in om if m.tag in ('method', 'signal', 'property')}
        self.assertEqual(members, {
            ('method', 'GetManagedObjects'): [('object_paths_interfaces_and_properties',
                                               'a{oa{sa{sv}}}', 'out')],
            ('signal', 'InterfacesAdded'): [('object_path', 'o', None),
                                            ('interfaces_and_properties', 'a{sa{sv}}', None)],
            ('signal', 'InterfacesRemoved'): [('object_path', 'o', None),
                                              ('interfaces', 'as', None)],
        })

    def test_get_all_is_the_managed_entry(self):
        mark = self.bus.mark()
        a = self.make_job('first', schedule='@daily', environment={'K': 'v'})
        b = self.make_job('second', shell='exit 3', email_to=['x@example.com'])
        added = self.bus.wait_signal('InterfacesAdded', lambda e: e.args[0] == b, since=mark)
        self.assertEqual(set(added.args[1]), {JOB_IFACE})
        self.assertEqual(added.args[1][JOB_IFACE], self.bus.props(b))
        h.iterate(0.3)
        objects = self.bus.managed_objects()
        self.assertEqual(set(objects), {a, b}, 'the manager object is not among them')
        for path in (a, b):
            self.assertEqual(set(objects[path]), {JOB_IFACE})
            self.assertEqual(objects[path][JOB_IFACE], self.bus.props(path))
            for name, value in objects[path][JOB_IFACE].items():
                self.assertEqual(self.bus.prop(path, name), value, name)

    def test_properties_changed_carries_what_changed(self):
        path = self.make_job('toggled', schedule='@hourly')
        h.iterate(0.3)
        mark = self.bus.mark()
        self.bus.update(path, {'enabled': False})
        h.wait_until(lambda: self.changes_since(path, mark), 15, 'PropertiesChanged')
        h.iterate(0.3)
        self.assertEqual(self.changes_since(path, mark), [({'Enabled', 'NextRun'}, [])])

        mark = self.bus.mark()
        self.bus.update(path, {'description': 'new words'})
        h.wait_until(lambda: self.changes_since(path, mark), 15, 'PropertiesChanged')
        h.iterate(0.3)
        self.assertEqual(self.changes_since(path, mark), [({'Description'}, [])])

        # A value set again as it was changes nothing
        mark = self.bus.mark()
        self.bus.update(path, {'description': 'new words', 'timeout': 0})
        h.iterate(0.5)
        self.assertEqual(self.changes_since(path, mark), [])

    def test_progress_ticks_carry_only_progress(self):
        path = self.make_job('ticking', command=['/bin/sleep', '30'])
        h.iterate(0.3)
        run_id = self.bus.run(path)
        self.bus.wait_prop(path, 'Running', True)
        h.iterate(0.3)
        mark = self.bus.mark()
        self.bus.report_progress(run_id, 1, 10)
        h.wait_until(lambda: self.changes_since(path, mark), 15, 'PropertiesChanged')
        h.iterate(0.3)
        self.assertEqual(self.changes_since(path, mark),
                         [({'ProgressComplete', 'ProgressTotal'}, [])])
        mark = self.bus.mark()
        self.bus.report_progress(run_id, 2, 10)
        h.wait_until(lambda: self.changes_since(path, mark), 15, 'PropertiesChanged')
        h.iterate(0.3)
        self.assertEqual(self.changes_since(path, mark), [({'ProgressComplete'}, [])])
        self.assertEqual(self.bus.prop_changes(path, 'ProgressComplete', mark), [2])
        self.bus.stop(path)
        self.bus.wait_prop(path, 'Running', False)

    def test_interfaces_added_and_removed(self):
        mark = self.bus.mark()
        path = self.make_job('coming-and-going')
        added = self.bus.wait_signal('InterfacesAdded', lambda e: e.args[0] == path, since=mark)
        self.assertEqual(added.path, MANAGER_PATH)
        self.assertEqual(added.iface, OM_IFACE)
        self.assertEqual(added.args[1][JOB_IFACE]['Name'], 'coming-and-going')
        mark = self.bus.mark()
        self.bus.delete(path)
        removed = self.bus.wait_signal('InterfacesRemoved', lambda e: e.args[0] == path,
                                       since=mark)
        self.assertEqual(removed.path, MANAGER_PATH)
        self.assertEqual(removed.args[1], [JOB_IFACE])
        h.iterate(0.3)
        self.assertEqual(len(self.bus.find('InterfacesRemoved', None, mark)), 1)
        self.assertEqual(self.bus.find('PropertiesChanged', None, mark, path), [])

    def test_gone_job_path(self):
        path = self.make_job('gone')
        self.bus.delete(path)
        for where in (path, h.JOBS_PATH + '/424242'):
            with self.subTest(path=where):
                ifaces, nodes = introspection(self.bus.introspect(where))
                self.assertEqual(ifaces, STANDARD_IFACES | {JOB_IFACE})
                self.assertEqual(nodes, [])
                with self.assert_error('NotFound'):
                    self.bus.job(where, 'Stop')
                with self.assert_error('NotFound'):
                    self.bus.prop(where, 'Name')
                self.assertEqual(self.bus.props(where), {})
                self.assertEqual(
                    remote_error(lambda: self.bus.call(where, 'org.example.Nothing', 'Frob')),
                    'org.freedesktop.DBus.Error.UnknownMethod')
                self.assertEqual(remote_error(lambda: self.bus.job(where, 'Frob')),
                                 'org.freedesktop.DBus.Error.UnknownMethod')
        # Not a job's path at all
        self.assertEqual(remote_error(lambda: self.bus.job(h.JOBS_PATH + '/x/y', 'Stop')),
                         'org.freedesktop.DBus.Error.UnknownMethod')

    def test_properties_errors(self):
        path = self.make_job('strict')
        errors = {
            'Set read-only': lambda: self.bus.call(
                path, PROPS_IFACE, 'Set', GLib.Variant('(ssv)', (JOB_IFACE, 'Name',
                                                                 GLib.Variant('s', 'x')))),
            'Get unknown property': lambda: self.bus.prop(path, 'Colour'),
            'Wrong signature': lambda: self.bus.call(path, PROPS_IFACE, 'Get',
                                                     GLib.Variant('(s)', (JOB_IFACE,))),
            'Method wrong signature': lambda: self.bus.job(path, 'ListRuns',
                                                           GLib.Variant('(s)', ('x',))),
            'Unknown method': lambda: self.bus.job(path, 'Frob'),
        }
        got = {name: remote_error(call) for name, call in errors.items()}
        self.assertEqual(got, {
            'Set read-only': 'org.freedesktop.DBus.Error.InvalidArgs',
            'Get unknown property': 'org.freedesktop.DBus.Error.InvalidArgs',
            'Wrong signature': 'org.freedesktop.DBus.Error.UnknownMethod',
            'Method wrong signature': 'org.freedesktop.DBus.Error.InvalidArgs',
            'Unknown method': 'org.freedesktop.DBus.Error.UnknownMethod',
        })
        self.assertEqual(self.bus.prop(path, 'Name'), 'strict')
        self.assert_daemon_alive()


if __name__ == '__main__':
    h.main()
