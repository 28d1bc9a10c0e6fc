#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""When runs start: depends-on and its three flags, run-on-success and
run-on-failure chains, cycles, renaming and deleting linked jobs, retries with
backoff, and random-delay, on the real daemon with real child processes."""

import time

import chkharness as h
from chkharness import USEC


def dependency(job, completion=True, success=True, next_run=True):
    return {'job': job, 'wait-for-completion': completion, 'wait-for-success': success,
            'wait-for-next-run': next_run}


class Dependencies(h.DaemonTestCase):
    def runs(self, path):
        """The job's runs, oldest first."""
        return sorted(self.bus.job_runs(path), key=lambda r: r['id'])

    def wait_runs(self, path, count, timeout=15):
        return h.wait_until(lambda: len([r for r in self.runs(path) if r['finished']]) >= count
                            and self.runs(path), timeout, f'{count} finished runs of {path}')

    def test_wait_for_completion(self):
        first = self.make_job('first', command=['sleep', '1.5'])
        run_id = self.bus.run(first)
        then = self.make_job('then', schedule='FREQ=SECONDLY',
                             depends_on=[dependency('first', success=False, next_run=False)])
        # Due at once, held back while "first" runs, and saying so
        self.bus.wait_prop(then, 'WaitingFor', 'first to finish', timeout=5)
        self.assertEqual(self.runs(then), [])
        self.bus.wait_run_finished(run_id)
        runs = self.wait_runs(then, 1)
        self.bus.update(then, {'enabled': False})
        first_run = self.bus.get_run(run_id)
        self.assertGreaterEqual(runs[0]['started'], first_run['finished'])
        self.assertEqual(runs[0]['trigger'], 'schedule')
        self.bus.wait_prop(then, 'WaitingFor', '')

    def test_wait_for_success_blocks_until_success(self):
        first = self.make_job('first', command=['false'])
        then = self.make_job('then', schedule='FREQ=SECONDLY',
                             depends_on=[dependency('first', completion=False, next_run=False)])
        # A dependency that never ran blocks
        self.bus.wait_prop(then, 'WaitingFor', 'first to succeed', timeout=5)
        self.assertEqual(self.run_and_wait(first)[1], 'failure')
        h.iterate(1.5)
        self.assertEqual(self.runs(then), [], 'a failed dependency blocks')
        self.assertEqual(self.bus.prop(then, 'WaitingFor'), 'first to succeed')

        self.bus.update(first, {'command': ['true']})
        run_id, outcome, _ = self.run_and_wait(first)
        self.assertEqual(outcome, 'success')
        runs = self.wait_runs(then, 1)
        self.bus.update(then, {'enabled': False})
        self.assertGreaterEqual(runs[0]['started'], self.bus.get_run(run_id)['finished'])

    def test_without_flags_nothing_waits(self):
        first = self.make_job('first', command=['sleep', '3'])
        self.bus.run(first)
        then = self.make_job('then', schedule='FREQ=SECONDLY',
                             depends_on=[dependency('first', False, False, False)])
        runs = self.wait_runs(then, 1, timeout=5)
        self.bus.update(then, {'enabled': False})
        self.assertTrue(self.bus.prop(first, 'Running'), 'ran alongside the dependency')
        self.assertEqual(runs[0]['trigger'], 'schedule')
        self.bus.stop(first)

    def test_wait_for_next_run(self):
        # Made first, so without the flag "later" would start first in each second.
        # Both start at the same second, a little ahead, so that their
        # occurrences fall together however slowly the calls go.
        start = (h.now_usec() // USEC + 3) * USEC
        mark = self.bus.mark()
        later = self.make_job('later', schedule='FREQ=SECONDLY', start=start)
        sooner = self.make_job('sooner', schedule='FREQ=SECONDLY', command=['sleep', '0.3'],
                               start=start)
        self.bus.update(later, {'depends-on': [dependency('sooner', completion=False,
                                                          success=False)]})
        self.assertLess(h.now_usec(), start, 'made before their first occurrence')
        h.wait_until(lambda: len(self.bus.run_finished_events(later, mark)) >= 3, 15,
                     'three runs of later')
        self.bus.update(later, {'enabled': False})
        self.bus.update(sooner, {'enabled': False})
        order = [e.args[0] for e in self.bus.events[mark:] if e.member == 'RunStarted']
        # "sooner" is due in the same second: "later" waits until it has started
        for i, path in enumerate(order):
            if path == later:
                self.assertEqual(order[i - 1], sooner, f'later started before sooner: {order}')
        for run in self.runs(later):
            self.assertEqual(run['trigger'], 'schedule')


class Chains(h.DaemonTestCase):
    def test_chain_on_success(self):
        c = self.make_job('c')
        b = self.make_job('b', run_on_success=['c'])
        a = self.make_job('a', run_on_success=['b'])
        mark = self.bus.mark()
        run_a, outcome, _ = self.run_and_wait(a)
        self.assertEqual(outcome, 'success')
        finished_c = self.bus.wait_signal('RunFinished', lambda e: e.args[0] == c, since=mark)
        runs = {}
        for path in (a, b, c):
            (runs[path],) = self.bus.job_runs(path)
        self.assertEqual([runs[p]['trigger'] for p in (a, b, c)],
                         ['manual', 'dependency', 'dependency'])
        self.assertGreaterEqual(runs[b]['started'], runs[a]['finished'])
        self.assertGreaterEqual(runs[c]['started'], runs[b]['finished'])
        self.assertEqual(finished_c.args[2], 'success')

    def test_on_failure_and_not_on_success(self):
        on_failure = self.make_job('on-failure')
        on_success = self.make_job('on-success')
        failing = self.make_job('failing', command=['false'], run_on_success=['on-success'],
                                run_on_failure=['on-failure'])
        mark = self.bus.mark()
        self.run_and_wait(failing)
        self.bus.wait_signal('RunFinished', lambda e: e.args[0] == on_failure, since=mark)
        (run,) = self.bus.job_runs(on_failure)
        self.assertEqual(run['trigger'], 'dependency')
        h.iterate(0.5)
        self.assertEqual(self.bus.job_runs(on_success), [])

    def test_running_job_is_not_started_twice(self):
        slow = self.make_job('slow', command=['sleep', '2'])
        quick = self.make_job('quick', run_on_success=['slow'])
        self.bus.run(slow)
        self.run_and_wait(quick)
        h.iterate(0.5)
        self.assertEqual(len(self.bus.job_runs(slow)), 1)
        self.bus.wait_prop(slow, 'Running', False, timeout=10)
        h.iterate(0.3)
        self.assertEqual(len(self.bus.job_runs(slow)), 1, 'the dropped start does not come later')
        self.assertIn('is running or waiting already', self.read_log(self.daemon))


class Links(h.DaemonTestCase):
    def test_unknown_job_refused(self):
        with self.assert_error('InvalidArgument', 'depends-on', 'no job named', 'ghost'):
            self.make_job('a', depends_on=[dependency('ghost')])
        with self.assert_error('InvalidArgument', 'run-on-failure', 'ghost'):
            self.make_job('a', run_on_failure=['ghost'])

    def test_cycles_refused(self):
        a = self.make_job('a')
        with self.assert_error('InvalidArgument', 'cycle', 'a → a'):
            self.bus.update(a, {'depends-on': [dependency('a')]})
        b = self.make_job('b', depends_on=[dependency('a')])
        with self.assert_error('InvalidArgument', 'depends-on', 'cycle', 'a → b → a'):
            self.bus.update(a, {'depends-on': [dependency('b')]})
        # Through run-on-* and depends-on together
        c = self.make_job('c', run_on_success=['a'])
        with self.assert_error('InvalidArgument', 'cycle', 'b → c → a → b'):
            self.bus.update(b, {'run-on-failure': ['c']})
        # Nothing was changed by the refusals
        self.assertEqual(self.bus.prop(a, 'DependsOn'), [])
        self.assertEqual(self.bus.prop(b, 'RunOnFailure'), [])
        # Not a cycle: b follows a both ways
        self.bus.update(a, {'run-on-success': ['b']})
        self.assertEqual(self.bus.prop(c, 'RunOnSuccess'), ['a'])

    def test_rename_updates_references(self):
        a = self.make_job('a')
        b = self.make_job('b', depends_on=[dependency('a', success=False)])
        c = self.make_job('c', run_on_success=['a'], run_on_failure=['b', 'a'])
        mark = self.bus.mark()
        self.bus.update(a, {'name': 'renamed'})
        self.assertEqual(self.bus.prop(b, 'DependsOn'),
                         [dependency('renamed', success=False)])
        self.assertEqual(self.bus.prop(c, 'RunOnSuccess'), ['renamed'])
        self.assertEqual(self.bus.prop(c, 'RunOnFailure'), ['b', 'renamed'])
        h.wait_until(lambda: self.bus.prop_changes(b, 'DependsOn', mark), 5,
                     'PropertiesChanged of DependsOn')
        # Stored so: a restarted daemon reads the new names
        self.restart_daemon()
        self.assertEqual(self.bus.prop(b, 'DependsOn')[0]['job'], 'renamed')
        self.assertEqual(self.bus.prop(c, 'RunOnSuccess'), ['renamed'])

    def test_delete_with_dependents_refused(self):
        a = self.make_job('a')
        b = self.make_job('b', depends_on=[dependency('a')])
        self.make_job('c', run_on_success=['a'])
        with self.assert_error('InvalidArgument', '“a”', 'b, c'):
            self.bus.delete(a)
        self.assertEqual(self.bus.prop(a, 'Name'), 'a')
        self.bus.update(b, {'depends-on': []})
        with self.assert_error('InvalidArgument', 'c'):
            self.bus.delete(a)


class Retries(h.DaemonTestCase):
    def test_retries_with_backoff(self):
        path = self.make_job('flaky', command=['false'], retries=2, retry_delay=1,
                             retry_backoff=2.0)
        mark = self.bus.mark()
        self.bus.run(path)
        waiting = self.bus.wait_signal(
            'PropertiesChanged', lambda e: e.args[1].get('WaitingFor', '').startswith('retry'),
            since=mark, path=path)
        self.assertRegex(waiting.args[1]['WaitingFor'], r'^retry 1 of 2 at \d\d:\d\d:\d\d$')
        h.wait_until(lambda: len(self.bus.run_finished_events(path, mark)) >= 3, 15,
                     'three attempts')
        h.iterate(0.3)
        runs = sorted(self.bus.job_runs(path), key=lambda r: r['id'])
        self.assertEqual([r['attempt'] for r in runs], [1, 2, 3])
        self.assertEqual([r['trigger'] for r in runs], ['manual', 'retry', 'retry'])
        self.assertEqual([r['outcome'] for r in runs], ['failure'] * 3)
        gaps = [(b['started'] - a['finished']) / USEC for a, b in zip(runs, runs[1:])]
        self.assertGreaterEqual(gaps[0], 0.95)
        self.assertLess(gaps[0], 1.6)
        self.assertGreaterEqual(gaps[1], 1.95)
        self.assertLess(gaps[1], 2.6)
        # After the last attempt nothing waits and nothing more runs
        self.bus.wait_prop(path, 'WaitingFor', '')
        h.iterate(1.5)
        self.assertEqual(len(self.bus.job_runs(path)), 3)

    def test_success_ends_retries(self):
        marker = self.path_file('failed-once')
        path = self.make_job('second-time', retries=3, retry_delay=0,
                             command=self.sh(f'[ -e {marker} ] || {{ touch {marker}; exit 1; }}'))
        mark = self.bus.mark()
        self.bus.run(path)
        h.wait_until(lambda: len(self.bus.run_finished_events(path, mark)) >= 2, 10, 'two runs')
        h.iterate(0.5)
        runs = sorted(self.bus.job_runs(path), key=lambda r: r['id'])
        self.assertEqual([(r['attempt'], r['outcome']) for r in runs],
                         [(1, 'failure'), (2, 'success')])

    def test_no_retry_after_stop(self):
        path = self.make_job('stopped', command=['sleep', '30'], retries=3, retry_delay=0)
        run_id = self.bus.run(path)
        self.wait_run_pid(run_id)
        self.bus.stop(path)
        self.assertEqual(self.bus.wait_run_finished(run_id)[0], 'stopped')
        h.iterate(1)
        self.assertEqual(len(self.bus.job_runs(path)), 1)
        self.assertEqual(self.bus.prop(path, 'WaitingFor'), '')

    def test_stop_ends_a_waiting_retry(self):
        path = self.make_job('waits', command=['false'], retries=3, retry_delay=2)
        self.run_and_wait(path)
        h.wait_until(lambda: self.bus.prop(path, 'WaitingFor').startswith('retry 1 of 3'), 5,
                     'the retry to wait')
        self.bus.stop(path)
        self.assertEqual(self.bus.prop(path, 'WaitingFor'), '')
        h.iterate(2.5)
        self.assertEqual(len(self.bus.job_runs(path)), 1, 'no retry after Stop()')

    def test_timeout_per_attempt(self):
        path = self.make_job('slow', command=['sleep', '10'], timeout=1, retries=1,
                             retry_delay=0)
        mark = self.bus.mark()
        self.bus.run(path)
        h.wait_until(lambda: len(self.bus.run_finished_events(path, mark)) >= 2, 15,
                     'two attempts')
        runs = sorted(self.bus.job_runs(path), key=lambda r: r['id'])
        self.assertEqual([r['outcome'] for r in runs], ['timeout', 'timeout'])
        for run in runs:
            self.assertLess((run['finished'] - run['started']) / USEC, 3)


class RandomDelay(h.DaemonTestCase):
    def test_stable_and_spread(self):
        paths = [self.make_job(f'spread-{i}', schedule='@hourly', timezone='UTC',
                               random_delay=600)
                 for i in range(100)]
        offsets = {}
        for path in paths:
            next_run = self.bus.prop(path, 'NextRun')
            offsets[path] = next_run % (3600 * USEC)
            self.assertLess(offsets[path], 600 * USEC)
        # Spread: the ten-minute window is used, not one instant
        minutes = {offset // (60 * USEC) for offset in offsets.values()}
        self.assertGreaterEqual(len(minutes), 8)
        self.assertGreater(len(set(offsets.values())), 90)
        # Stable: a restarted daemon puts every job at the same offset
        self.restart_daemon()
        for path in paths:
            self.assertEqual(self.bus.prop(path, 'NextRun') % (3600 * USEC), offsets[path])

    def test_offset_delays_the_run(self):
        before = time.time()
        path = self.make_job('delayed', schedule='* * * * *', timezone='UTC', random_delay=2)
        next_run = self.bus.prop(path, 'NextRun') / USEC
        # The coming minute's occurrence, plus under two seconds
        self.assertLess(next_run % 60, 2)
        self.assertGreater(next_run, before)
        self.assertLess(next_run, before + 62)


class CatchUpSpread(h.DaemonTestCase):
    def test_catch_ups_wait_then_spread(self):
        start = h.now_usec() + 2 * USEC
        paths = [self.make_job(f'nightly-{i}', schedule='FREQ=SECONDLY;INTERVAL=3600',
                               start=start, catch_up=True, random_delay=3)
                 for i in range(6)]
        self.bus.set_settings({'resume-delay': 2})
        self.assertEqual(self.daemon.terminate(), 0)
        self.wait_no_owner()
        # Down while their occurrence, delayed by up to 3 s, passes
        while h.now_usec() < start + 4 * USEC:
            time.sleep(0.1)

        mark = self.bus.mark()
        restarted = h.now_usec()
        self.daemon = self.start_chronikerd()
        for path in paths:
            h.wait_until(lambda: self.bus.prop(path, 'WaitingFor').startswith(
                'the machine to settle after waking, until '), 1, 'each to say why it waits')
        h.wait_until(lambda: len(self.bus.run_finished_events(None, mark)) >= len(paths), 15,
                     'every catch-up')
        starts = []
        for path in paths:
            (run,) = self.bus.job_runs(path)
            self.assertEqual(run['trigger'], 'catch-up')
            starts.append((run['started'] - restarted) / USEC)
        # None before the resume delay, all within it and the random delay
        self.assertGreaterEqual(min(starts), 1.95, starts)
        self.assertLess(max(starts), 2 + 3 + 1.5, starts)
        # Spread, not at one instant
        self.assertGreater(max(starts) - min(starts), 0.5, starts)


if __name__ == '__main__':
    h.main()
