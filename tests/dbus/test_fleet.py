#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A fleet: three daemons, each on a bus of its own and named by --hostname as
a host of its own, sharing one real PostgreSQL server that the test starts in
its temp dir. Each occurrence of a job for any one host runs once across the
fleet, one for every host once on each, one pinned to a host only there."""

import importlib.util
import os
import shutil
import tempfile
import urllib.parse

import chkharness as h
from chkharness import USEC


def load_cluster_module():
    spec = importlib.util.spec_from_file_location('chk_pg_cluster',
                                                  os.environ['CHK_TEST_PG_CLUSTER'])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Host:
    """One host of the fleet: its bus, a client on it and its daemon."""

    def __init__(self, name, bus, client, daemon):
        self.name = name
        self.bus = bus
        self.client = client
        self.daemon = daemon


class FleetTestCase(h.DaemonTestCase):
    start_daemon = False

    def setUp(self):
        super().setUp()
        pg = load_cluster_module()
        # Not in the test's dir, which only its user may enter: as root the
        # server runs as nobody.
        cluster_dir = tempfile.mkdtemp(prefix='chk-fleet-pg-', dir='/tmp')
        self.addCleanup(shutil.rmtree, cluster_dir, ignore_errors=True)
        self.passfile = os.path.join(self.tmp, 'pgpass')
        try:
            self.cluster = pg.start(cluster_dir, passfile=self.passfile)
        except pg.NotInstalled:
            self.skipTest('PostgreSQL is not installed')
        self.addCleanup(self.cluster.stop)
        self.url = self.database_url('chroniker', 'chroniker')
        self.hosts = {}

    def database_url(self, user, dbname):
        query = urllib.parse.urlencode({'host': self.cluster.socket_dir,
                                        'port': self.cluster.port, 'user': user})
        return f'postgresql:///{dbname}?{query}'

    def spawn_host(self, name, *args, env=None, **kw):
        """Spawns the daemon of host `name` on a bus of its own; returns
        (daemon, bus, client)."""
        bus = h.Bus(self.tmp, self.env, os.path.join(self.tmp, f'bus-{name}'))
        self.addCleanup(bus.stop)
        client = h.Client(bus.address)
        self.addCleanup(client.close)
        saved = self.env
        self.env = dict(saved, DBUS_SESSION_BUS_ADDRESS=bus.address, **(env or {}))
        try:
            daemon = self.spawn_chronikerd('--hostname', name, *args, database=False, **kw)
        finally:
            self.env = saved
        # Before its bus goes (cleanups run last first)
        self.addCleanup(daemon.terminate)
        return daemon, bus, client

    def start_host(self, name, url=None, env=None):
        """Starts the daemon of host `name` on a bus of its own."""
        daemon, bus, client = self.spawn_host(name, '--database', url or self.url, env=env)
        h.wait_until(lambda: client.has_owner() and client.owner_pid() == daemon.pid, 20,
                     f'the daemon of {name} to own its name', poll=0.02)
        host = Host(name, bus, client, daemon)
        self.hosts[name] = host
        return host


class Claims(FleetTestCase):
    def test_each_occurrence_runs_once(self):
        alpha = self.start_host('alpha')
        # Jobs are made before the others start: they read them as they load.
        start = (h.now_usec() // USEC + 3) * USEC
        def job(name, host=''):
            return alpha.client.create_job({'name': name, 'command': ['/bin/true'],
                                            'schedule': 'FREQ=SECONDLY', 'start': start,
                                            'host': host})

        anyone = [job(f'any-{i}') for i in range(20)]
        every = job('every', '*')
        pinned = job('pinned', 'beta')
        self.start_host('beta')
        self.start_host('gamma')

        # Ten whole seconds from the start, on every host
        first = start // USEC
        seconds = range(first + 1, first + 11)
        h.wait_until(lambda: h.now_usec() > (seconds[-1] + 2) * USEC, 30, 'the occurrences')

        def runs_of(path):
            return [r for r in alpha.client.job_runs(path) if r['trigger'] == 'schedule']

        for path in anyone:
            by_second = {}
            for run in runs_of(path):
                by_second.setdefault(run['started'] // USEC, []).append(run['hostname'])
            for second in seconds:
                self.assertEqual(len(by_second.get(second, [])), 1,
                                 f'{path} at {second}: {by_second.get(second)}')
        hosts_seen = {r['hostname'] for path in anyone for r in runs_of(path)}
        self.assertGreater(len(hosts_seen), 1, 'the occurrences are shared among hosts')

        by_second = {}
        for run in runs_of(every):
            by_second.setdefault(run['started'] // USEC, []).append(run['hostname'])
        for second in seconds:
            self.assertEqual(sorted(by_second.get(second, [])), ['alpha', 'beta', 'gamma'],
                             f'every host at {second}')

        pinned_hosts = [r['hostname'] for r in runs_of(pinned)]
        self.assertGreaterEqual(len(pinned_hosts), len(seconds))
        self.assertEqual(set(pinned_hosts), {'beta'})


class Passwords(FleetTestCase):
    def test_a_password_comes_from_a_password_file_only(self):
        password = self.cluster.fleet_password
        url = self.database_url('fleet', 'fleet')
        host = self.start_host('alpha', url, env={'PGPASSFILE': self.passfile})
        job = host.client.create_job({'name': 'hello', 'command': ['/bin/true']})
        run_id = host.client.run(job)
        self.assertEqual(host.client.wait_run_finished(run_id)[0], 'success')
        self.assertEqual(host.client.get_run(run_id)['hostname'], 'alpha')
        for name in ('cmdline', 'environ'):
            with open(f'/proc/{host.daemon.pid}/{name}', 'rb') as f:
                self.assertNotIn(password.encode(), f.read(), name)
        self.assertNotIn(password, repr(host.client.get_settings()))
        self.assertNotIn(password, self.read_log(host.daemon))

        # In the location, where everyone could read it: refused, and not repeated
        split = urllib.parse.urlsplit(url)
        with_password = split._replace(netloc=f'fleet:{password}@').geturl()
        errfile = self.path_file('refused.err')
        refused, _, _ = self.spawn_host('beta', '--database', with_password,
                                        stderr_path=errfile, verbose=False)
        self.assertGreater(refused.wait_exit(20), 0)
        with open(errfile) as f:
            text = f.read()
        self.assertIn('password file', text)
        self.assertNotIn(password, text)

        # Without the file, no way in; the error says why without any secret
        errfile = self.path_file('no-file.err')
        nofile, _, _ = self.spawn_host('gamma', '--database', url, stderr_path=errfile,
                                       verbose=False)
        self.assertGreater(nofile.wait_exit(20), 0)
        with open(errfile) as f:
            text = f.read()
        self.assertIn('PostgreSQL', text)
        self.assertNotIn(password, text)


if __name__ == '__main__':
    h.main()
