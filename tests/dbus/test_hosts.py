#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which host runs a job: the host key ("" any one, "*" every one, a name),
chronikerd's --hostname, and the host each run record names, on the real
daemon with real child processes."""

import chkharness as h


class Hosts(h.DaemonTestCase):
    daemon_args = ['--hostname', 'alpha']

    def finished_runs(self, path):
        return [r for r in self.bus.job_runs(path) if r['finished']]

    def wait_finished_runs(self, path, count, timeout=10):
        return h.wait_until(lambda: len(self.finished_runs(path)) >= count
                            and self.finished_runs(path), timeout, f'{count} runs of {path}')

    def test_a_run_names_the_host_it_ran_on(self):
        job = self.make_job('here')
        run_id, outcome, _ = self.run_and_wait(job)
        self.assertEqual(outcome, 'success')
        self.assertEqual(self.bus.get_run(run_id)['hostname'], 'alpha')

    def test_the_schedule_runs_the_jobs_of_this_host_only(self):
        jobs = {host: self.make_job(f'on-{host or "any"}'.replace('*', 'every'), host=host,
                                    schedule='FREQ=SECONDLY')
                for host in ('', '*', 'ALPHA', 'beta')}
        self.assertEqual(self.bus.prop(jobs['beta'], 'Host'), 'beta')
        self.assertEqual(self.bus.prop(jobs['beta'], 'NextRun'), 0, 'not due here')
        for host in ('', '*', 'ALPHA'):
            self.assertGreater(self.bus.prop(jobs[host], 'NextRun'), 0, host)
        for host in ('', '*', 'ALPHA'):
            runs = self.wait_finished_runs(jobs[host], 2)
            self.assertEqual({r['hostname'] for r in runs}, {'alpha'})
            self.assertEqual({r['trigger'] for r in runs}, {'schedule'})
        self.assertEqual(self.bus.job_runs(jobs['beta']), [])
        self.assertEqual(self.bus.prop(jobs['beta'], 'NextRun'), 0)

    def test_a_job_moved_between_hosts(self):
        job = self.make_job('moving', host='beta', schedule='FREQ=SECONDLY')
        h.iterate(1.2)
        self.assertEqual(self.bus.job_runs(job), [])

        self.bus.update(job, {'host': ''})
        self.assertGreater(self.bus.prop(job, 'NextRun'), 0)
        self.wait_finished_runs(job, 1)

        self.bus.update(job, {'host': 'beta'})
        self.assertEqual(self.bus.prop(job, 'NextRun'), 0)
        # A run that had started goes on; none starts after it.
        self.bus.wait_prop(job, 'Running', False, timeout=10)
        count = len(self.bus.job_runs(job))
        h.iterate(1.5)
        self.assertEqual(len(self.bus.job_runs(job)), count)

    def test_links_do_not_start_a_job_of_another_host(self):
        other = self.make_job('other', host='beta')
        mine = self.make_job('mine')
        first = self.make_job('first', run_on_success=['other', 'mine'])
        mark = self.bus.mark()
        self.run_and_wait(first)
        self.bus.wait_signal('RunFinished', lambda e: e.args[0] == mine, since=mark)
        h.iterate(0.3)
        self.assertEqual(self.bus.job_runs(other), [])
        self.assertIn('runs on host beta only', self.read_log(self.daemon))

    def test_run_starts_a_job_of_another_host_here(self):
        other = self.make_job('other', host='beta')
        run_id, outcome, _ = self.run_and_wait(other)
        self.assertEqual(outcome, 'success')
        self.assertEqual(self.bus.get_run(run_id)['hostname'], 'alpha')

    def test_a_daemon_of_its_own_lists_its_host_alone(self):
        before = h.now_usec()
        (host,) = self.bus.list_hosts().values()
        self.assertEqual(host['hostname'], 'alpha')
        self.assertTrue(host['connected'])
        self.assertEqual(host['running'], 0)
        self.assertGreaterEqual(host['last-heartbeat'], before)
        self.assertLess(host['first-heartbeat'], before, 'since the daemon started')

        job = self.make_job('sleeper', command=['sleep', '30'])
        run_id = self.bus.run(job)
        h.wait_until(lambda: self.bus.list_hosts()['alpha']['running'] == 1, 10,
                     'the run under way')
        self.bus.stop(job)
        self.bus.wait_run_finished(run_id)
        self.assertEqual(self.bus.list_hosts()['alpha']['running'], 0)

    def test_a_bad_host_is_refused(self):
        for host in ('two words', '-alpha', 'alpha..example', 'a/b', '**'):
            with self.subTest(host=host):
                with self.assert_error('InvalidArgument', 'host'):
                    self.make_job('bad', host=host)
        job = self.make_job('good', host='beta')
        with self.assert_error('InvalidArgument', 'host'):
            self.bus.update(job, {'host': 'beta gamma'})
        self.assertEqual(self.bus.prop(job, 'Host'), 'beta')


class MachineName(h.DaemonTestCase):
    def test_runs_name_the_machine_without_hostname(self):
        run_id, _, _ = self.run_and_wait(self.make_job('here'))
        with open('/proc/sys/kernel/hostname') as f:
            self.assertEqual(self.bus.get_run(run_id)['hostname'], f.read().strip())

    def test_a_bad_hostname_option_is_refused(self):
        errfile = self.path_file('bad.err')
        other_db = self.path_file('other.sqlite')
        bad = self.spawn_chronikerd('--database', other_db, '--hostname', 'not a host',
                                    stderr_path=errfile, database=False, verbose=False)
        self.assertEqual(bad.wait_exit(20), 2)
        with open(errfile) as f:
            text = f.read()
        self.assertIn('--hostname', text)
        self.assertIn('not a host', text)
        self.assert_daemon_alive()


if __name__ == '__main__':
    h.main()
