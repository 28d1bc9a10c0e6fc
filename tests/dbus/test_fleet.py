#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A fleet: three daemons, each on a bus of its own and named by --hostname as
a host of its own, sharing one real PostgreSQL server that the test starts in
its temp dir. Each occurrence of a job for any one host runs once across the
fleet, one for every host once on each, one pinned to a host only there."""

import atexit
import importlib.util
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse

from gi.repository import GLib

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


class Server:
    """One PostgreSQL server for the file's tests, started by the first that
    needs it (a database each), stopped at exit: its start costs seconds."""

    module = None
    cluster = None
    directory = None
    passfile = None
    databases = 0

    @classmethod
    def get(cls):
        if cls.module is None:
            cls.module = load_cluster_module()
            # Not in a test's dir, which only its user may enter: as root the
            # server runs as nobody.
            cls.directory = tempfile.mkdtemp(prefix='chk-fleet-pg-', dir='/tmp')
            atexit.register(cls.stop)
            cls.passfile = os.path.join(cls.directory, 'pgpass')
            try:
                cls.cluster = cls.module.start(cls.directory, passfile=cls.passfile)
            except cls.module.NotInstalled:
                cls.cluster = None
        return cls.cluster

    @classmethod
    def stop(cls):
        if cls.cluster is not None:
            cls.cluster.stop()
        shutil.rmtree(cls.directory, ignore_errors=True)

    @classmethod
    def psql(cls, sql):
        psql = os.path.join(cls.module.find_bindir(), 'psql')
        subprocess.run([psql, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', cls.cluster.socket_dir,
                        '-p', str(cls.cluster.port), '-U', 'chroniker', '-d', 'chroniker',
                        '-c', sql], check=True, stdin=subprocess.DEVNULL, timeout=60)


class FleetTestCase(h.DaemonTestCase):
    start_daemon = False

    def setUp(self):
        super().setUp()
        self.cluster = Server.get()
        if self.cluster is None:
            self.skipTest('PostgreSQL is not installed')
        self.passfile = Server.passfile
        Server.databases += 1
        dbname = f'fleet_test_{Server.databases}'
        Server.psql(f'CREATE DATABASE {dbname}')
        # Last of the cleanups: after the daemons
        self.addCleanup(Server.psql, f'DROP DATABASE {dbname} WITH (FORCE)')
        self.url = self.database_url('chroniker', dbname)
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
        daemon = self.spawn_on(bus, name, *args, env=env, **kw)
        return daemon, bus, client

    def spawn_on(self, bus, name, *args, env=None, **kw):
        """Spawns the daemon of host `name` on `bus`."""
        saved = self.env
        self.env = dict(saved, DBUS_SESSION_BUS_ADDRESS=bus.address, **(env or {}))
        try:
            daemon = self.spawn_chronikerd('--hostname', name, *args, database=False, **kw)
        finally:
            self.env = saved
        # Before its bus goes (cleanups run last first)
        self.addCleanup(daemon.terminate)
        return daemon

    def start_host(self, name, url=None, env=None):
        """Starts the daemon of host `name` on a bus of its own."""
        daemon, bus, client = self.spawn_host(name, '--database', url or self.url, env=env)
        host = Host(name, bus, client, daemon)
        self.wait_host(host)
        self.hosts[name] = host
        return host

    def wait_host(self, host):
        h.wait_until(lambda: host.client.has_owner() and
                     host.client.owner_pid() == host.daemon.pid, 20,
                     f'the daemon of {host.name} to own its name', poll=0.02)

    def restart_host(self, host, *args):
        """Stops the daemon of `host` and starts it again on its bus."""
        self.assertEqual(host.daemon.terminate(), 0)
        host.daemon = self.spawn_on(host.bus, host.name, *args)
        self.wait_host(host)


class Claims(FleetTestCase):
    # Occurrences two seconds apart, three under the sanitizers: a run that
    # starts that late, as under ASan with other tests beside, still counts
    # for its own. (Three daemons there, each told of the others' runs, were
    # seen starting one more than two seconds late.)
    EVERY = 3 if 'ASAN_OPTIONS' in os.environ else 2

    def test_each_occurrence_runs_once(self):
        alpha = self.start_host('alpha')
        # Jobs are made before the others start: they read them as they load.
        start = (h.now_usec() // USEC + 4) // self.EVERY * self.EVERY * USEC
        schedule = f'FREQ=SECONDLY;INTERVAL={self.EVERY}'

        def job(name, host=''):
            return alpha.client.create_job({'name': name, 'command': ['/bin/true'],
                                            'schedule': schedule, 'start': start,
                                            'host': host})

        anyone = [job(f'any-{i}') for i in range(40)]
        every = job('every', '*')
        pinned = job('pinned', 'beta')
        self.start_host('beta')
        self.start_host('gamma')

        # Five whole occurrences after the first, on every host: 200 of the 40 jobs
        first = start // USEC
        occurrences = range(first + self.EVERY, first + 6 * self.EVERY, self.EVERY)
        h.wait_until(lambda: h.now_usec() > (occurrences[-1] + self.EVERY + 1) * USEC, 40,
                     'the occurrences')

        def by_occurrence(path):
            """The hosts that ran each occurrence of the job's schedule."""
            runs = {}
            for run in alpha.client.job_runs(path):
                if run['trigger'] == 'schedule':
                    due = run['started'] // USEC // self.EVERY * self.EVERY
                    runs.setdefault(due, []).append(run['hostname'])
            return runs

        hosts_seen = set()
        for path in anyone:
            runs = by_occurrence(path)
            for due in occurrences:
                self.assertEqual(len(runs.get(due, [])), 1, f'{path} at {due}: {runs.get(due)}')
                hosts_seen.update(runs[due])
        self.assertGreater(len(hosts_seen), 1, 'the occurrences are shared among hosts')

        runs = by_occurrence(every)
        for due in occurrences:
            self.assertEqual(sorted(runs.get(due, [])), ['alpha', 'beta', 'gamma'],
                             f'every host at {due}')

        runs = by_occurrence(pinned)
        for due in occurrences:
            self.assertEqual(runs.get(due), ['beta'], f'the pinned job at {due}')


class Changes(FleetTestCase):
    # The bound; the sanitizer lane's daemons are several times slower
    WITHIN = 3.0 if 'ASAN_OPTIONS' in os.environ else 1.0

    def seen_within(self, check, what):
        """Waits for check() on the other host; returns how long it took."""
        t0 = time.monotonic()
        h.wait_until(check, 10, what, poll=0.005)
        took = time.monotonic() - t0
        self.assertLessEqual(took, self.WITHIN, f'{what} took {took:.3f} s')
        return took

    def test_a_change_on_one_host_reaches_the_others(self):
        alpha = self.start_host('alpha')
        beta = self.start_host('beta')

        def beta_job():
            try:
                return beta.client.get_job_by_name('report')
            except GLib.Error:
                return None

        alpha.client.create_job({'name': 'report', 'command': ['/bin/true'],
                                 'schedule': '0 3 * * *'})
        self.seen_within(beta_job, 'the new job on beta')
        path = beta_job()
        before = beta.client.prop(path, 'NextRun')
        self.assertGreater(before, 0)

        alpha_path = alpha.client.get_job_by_name('report')
        alpha.client.update(alpha_path, {'schedule': '30 4 * * *', 'description': 'changed'})
        self.seen_within(lambda: beta.client.prop(path, 'NextRun') != before,
                         'the next run on beta')
        self.assertEqual(beta.client.prop(path, 'NextRun'),
                         alpha.client.prop(alpha_path, 'NextRun'))
        self.assertEqual(beta.client.prop(path, 'Description'), 'changed')

        # Moved to beta alone: alpha no longer runs it, beta does
        alpha.client.update(alpha_path, {'host': 'beta'})
        self.seen_within(lambda: beta.client.prop(path, 'Host') == 'beta', 'the host on beta')
        self.assertEqual(alpha.client.prop(alpha_path, 'NextRun'), 0)
        self.assertGreater(beta.client.prop(path, 'NextRun'), 0)

        alpha.client.delete(alpha_path)
        self.seen_within(lambda: beta_job() is None, 'the job gone from beta')


class Output(FleetTestCase):
    @staticmethod
    def job_on(host, name):
        try:
            return host.client.get_job_by_name(name)
        except GLib.Error:
            return None

    def test_a_run_on_one_host_is_live_on_another(self):
        alpha = self.start_host('alpha')
        beta = self.start_host('beta')
        script = ('echo "3/10 copying" >&$CHRONIKER_PROGRESS_FD; echo first; echo oops >&2; '
                  'while [ ! -e "$STOP" ]; do sleep 0.05; done; echo last')
        stop = self.path_file('stop')
        job = alpha.client.create_job({'name': 'talker', 'shell': script,
                                       'environment': {'STOP': stop}})
        beta_job = h.wait_until(lambda: self.job_on(beta, 'talker'), 10, 'the job on beta')
        mark = beta.client.mark()
        run_id = alpha.client.run(job)
        # Told on beta's bus, as its own runs are
        started = beta.client.wait_signal('RunStarted', lambda e: e.args[1] == run_id, since=mark,
                                          what='RunStarted on beta')
        self.assertEqual(tuple(started.args), (beta_job, run_id, 'manual'))
        beta.client.wait_prop(beta_job, 'LastRunStarted',
                              alpha.client.get_run(run_id)['started'])

        # Under way on alpha: beta reads what came so far
        def progress():
            run = beta.client.get_run(run_id)
            return run if run['progress-complete'] == 3 else None

        run = h.wait_until(progress, 15, 'the progress from beta')
        self.assertEqual((run['outcome'], run['hostname']), ('running', 'alpha'))
        self.assertEqual((run['progress-total'], run['progress-message']), (10, 'copying'))
        h.wait_until(lambda: beta.client.output(run_id) == {'stdout': b'first\n',
                                                            'stderr': b'oops\n'},
                     15, 'the output so far from beta')
        self.assertFalse(beta.client.read_output(run_id)[1], 'not finished')

        open(stop, 'w').close()
        self.assertEqual(alpha.client.wait_run_finished(run_id)[0], 'success')
        self.assertEqual(beta.client.wait_run_finished(run_id), ('success', 0))
        beta.client.wait_prop(beta_job, 'LastOutcome', 'success')
        self.assertFalse(beta.client.prop(beta_job, 'Running'), 'not under way on beta')
        self.assertEqual(len(beta.client.run_started_events(beta_job, since=mark)), 1)
        self.assertEqual(beta.client.output(run_id)['stdout'], b'first\nlast\n')
        self.assertTrue(beta.client.read_output(run_id)[1], 'finished')
        self.assertEqual(beta.client.get_run(run_id)['outcome'], 'success')


class Leases(FleetTestCase):
    LEASE = 3   # seconds (CHK_TEST_LEASE_SECONDS)

    def test_a_dead_hosts_run_is_interrupted_and_the_next_runs_elsewhere(self):
        env = {'CHK_TEST_LEASE_SECONDS': str(self.LEASE)}
        alpha = self.start_host('alpha', env=env)
        start = (h.now_usec() // USEC + 2) * USEC
        job = alpha.client.create_job({'name': 'long', 'command': ['sleep', '60'],
                                       'schedule': 'FREQ=SECONDLY;INTERVAL=2', 'start': start})
        beta = self.start_host('beta', env=env)

        def running():
            return [r for r in alpha.client.job_runs(job) if r['outcome'] == 'running']

        (first,) = h.wait_until(running, 15, 'a run of the job')
        # One run of a job at a time across the fleet: the other host skips
        # the occurrences that come meanwhile.
        h.iterate(2.5)
        self.assertEqual([r['id'] for r in running()], [first['id']])

        holder = self.hosts[first['hostname']]
        other = beta if holder is alpha else alpha
        # Both hosts are there, the holder with its run; each lists the same
        for host in (alpha, beta):
            hosts = host.client.list_hosts()
            self.assertEqual(sorted(hosts), ['alpha', 'beta'])
            self.assertTrue(all(x['connected'] for x in hosts.values()), hosts)
            self.assertEqual(hosts[holder.name]['running'], 1)
            self.assertEqual(hosts[other.name]['running'], 0)
            self.assertLessEqual(hosts[holder.name]['first-heartbeat'],
                                 hosts[holder.name]['last-heartbeat'])
            self.assertGreater(hosts[holder.name]['last-heartbeat'], start - 5 * USEC)
        holder.daemon.kill9()
        killed = h.now_usec()

        # Gone at once, whatever its last heartbeat says: its session ended
        h.wait_until(lambda: not other.client.list_hosts()[holder.name]['connected'], 10,
                     f'{holder.name} to be gone')
        self.assertTrue(other.client.list_hosts()[other.name]['connected'])

        def interrupted():
            run = other.client.get_run(first['id'])
            return run if run['outcome'] == 'interrupted' else None

        # The lease runs out LEASE seconds after the holder's last heartbeat
        expires = other.client.list_hosts()[holder.name]['last-heartbeat'] + self.LEASE * USEC
        run = h.wait_until(interrupted, self.LEASE + 15, 'the dead host\'s run to end')
        self.assertGreaterEqual(run['finished'], killed + (self.LEASE - 1) * USEC,
                                'not before the lease ran out')
        self.assertIn(holder.name, run['message'])

        def next_elsewhere():
            return sorted((r for r in other.client.job_runs(job)
                           if r['hostname'] == other.name and r['started'] >= killed
                           and r['trigger'] == 'schedule'), key=lambda r: r['started'])

        # The first occurrence after that runs there, although no heartbeat
        # recorded the dead host's run as interrupted before it came: the
        # other host has no runs of its own to beat for.
        first_due = start + -(-(expires - start) // (2 * USEC)) * 2 * USEC
        (nxt, *_) = h.wait_until(next_elsewhere, 10, f'the next occurrence on {other.name}')
        self.assertGreaterEqual(nxt['started'], first_due)
        self.assertLess(nxt['started'], first_due + 2 * USEC,
                        f'the first occurrence after the lease ran out, {first_due}')
        self.assertEqual(other.client.list_hosts()[holder.name]['running'], 0)


class Setting(FleetTestCase):
    """The fleet-database setting, kept in each host's own SQLite file."""

    def test_a_host_joins_the_fleet_through_its_setting(self):
        beta = self.start_host('beta')
        beta.client.create_job({'name': 'shared', 'command': ['/bin/true']})
        beta.client.set_settings({'max-concurrent-runs': 3})

        sqlite = self.path_file('alpha.sqlite')
        alpha = self.start_host('alpha', sqlite)
        alpha.client.create_job({'name': 'own', 'command': ['/bin/true']})
        self.assertEqual(alpha.client.get_settings()['fleet-database'], '')
        # libpq and what it brings are the PostgreSQL store's module, which a
        # daemon on its own file does not load (chk-module.c)
        self.assertFalse(h.maps_library(alpha.daemon.pid, 'libpq.so'))
        alpha.client.set_settings({'fleet-database': self.url})
        self.assertEqual(alpha.client.get_settings()['fleet-database'], self.url)
        # Not before the daemon starts again
        self.assertEqual(sorted(alpha.client.list_hosts()), ['alpha'])

        self.restart_host(alpha, '--database', sqlite)
        self.assertTrue(h.maps_library(alpha.daemon.pid, 'libpq.so'))
        self.assertEqual(alpha.client.get_settings()['fleet-database'], self.url)
        self.assertEqual(alpha.client.get_settings()['max-concurrent-runs'], 3, 'the fleet\'s')
        alpha.client.get_job_by_name('shared')
        with self.assert_error('NotFound'):
            alpha.client.get_job_by_name('own')
        self.assertEqual(sorted(alpha.client.list_hosts()), ['alpha', 'beta'])
        self.assertEqual(alpha.client.prop(h.MANAGER_PATH, 'StorageProblem',
                                           h.SCHEDULER_IFACE), '')

        # The fleet's settings change for all; this host's stays in its file
        alpha.client.set_settings({'max-concurrent-runs': 4, 'fleet-database': ''})
        h.wait_until(lambda: beta.client.get_settings()['max-concurrent-runs'] == 4, 10,
                     'the setting on beta')
        self.assertEqual(beta.client.get_settings()['fleet-database'], self.url,
                         'beta was started with --database')
        self.restart_host(alpha, '--database', sqlite)
        alpha.client.get_job_by_name('own')
        self.assertEqual(sorted(alpha.client.list_hosts()), ['alpha'])

    def test_bad_values_are_refused(self):
        alpha = self.start_host('alpha', self.path_file('alpha.sqlite'))
        password = 'n0t-in-any-reply'
        split = urllib.parse.urlsplit(self.url)
        for value, words in ((split._replace(netloc=f'fleet:{password}@').geturl(),
                              ('fleet-database', 'password file')),
                             ('host=/tmp dbname=x', ('fleet-database', 'postgresql://')),
                             ('/var/lib/chroniker/x.db', ('fleet-database', 'postgresql://')),
                             ('postgresql://a\nb', ('fleet-database',))):
            with self.subTest(value=value):
                with self.assert_error('InvalidArgument', *words) as info:
                    alpha.client.set_settings({'fleet-database': value})
                self.assertNotIn(password, info['message'])
        self.assertEqual(alpha.client.get_settings()['fleet-database'], '')

        # Started with --database: that one, which no setting changes
        beta = self.start_host('beta')
        with self.assert_error('InvalidArgument', 'fleet-database', '--database'):
            beta.client.set_settings({'fleet-database': ''})

    def test_a_fleet_out_of_reach_leaves_the_host_on_its_own_database(self):
        sqlite = self.path_file('alpha.sqlite')
        alpha = self.start_host('alpha', sqlite)
        alpha.client.create_job({'name': 'own', 'command': ['/bin/true']})
        alpha.client.set_settings({'fleet-database': self.database_url('chroniker',
                                                                       'no_such_fleet')})
        self.restart_host(alpha, '--database', sqlite)

        problem = alpha.client.prop(h.MANAGER_PATH, 'StorageProblem', h.SCHEDULER_IFACE)
        self.assertIn('fleet', problem)
        self.assertIn('no_such_fleet', problem, 'says what went wrong')
        job = alpha.client.get_job_by_name('own')
        run_id = alpha.client.run(job)
        self.assertEqual(alpha.client.wait_run_finished(run_id)[0], 'success')

        # Put right from there
        alpha.client.set_settings({'fleet-database': self.url})
        self.restart_host(alpha, '--database', sqlite)
        self.assertEqual(alpha.client.prop(h.MANAGER_PATH, 'StorageProblem',
                                           h.SCHEDULER_IFACE), '')
        self.assertEqual(alpha.client.list_jobs(), [])


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
