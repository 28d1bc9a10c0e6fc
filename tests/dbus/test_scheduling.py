#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scheduled runs on a real clock: FREQ=SECONDLY jobs run repeatedly, never overlap,
skip occurrences that fall during a run, and respect max-concurrent-runs."""

import chkharness as h
from chkharness import MANAGER_PATH, SCHEDULER_IFACE, USEC


class Scheduling(h.DaemonTestCase):
    def intervals(self, *paths):
        runs = [r for p in paths for r in self.bus.job_runs(p)]
        return sorted((r['started'], r['finished'], r['job'], r['id']) for r in runs)

    def assert_no_overlap(self, intervals):
        for (s1, f1, j1, r1), (s2, f2, j2, r2) in zip(intervals, intervals[1:]):
            self.assertGreater(f1, 0, f'run {r1} has finished')
            self.assertGreaterEqual(s2, f1, f'run {r2} ({j2}) started before run {r1} ({j1}) '
                                    f'finished ({(f1 - s2) / USEC:.3f} s overlap)')

    def assert_alternating(self, path, since):
        """RunStarted and RunFinished of a job alternate: never a start while it runs."""
        events = [e for e in self.bus.events[since:]
                  if e.member in ('RunStarted', 'RunFinished') and e.args[0] == path]
        members = [e.member for e in events]
        for i, member in enumerate(members):
            self.assertEqual(member, 'RunStarted' if i % 2 == 0 else 'RunFinished',
                             f'signals of {path}: {members}')
        for start, finish in zip(events[::2], events[1::2]):
            self.assertEqual(start.args[1], finish.args[1])

    def wait_finished_runs(self, path, count, since, timeout):
        h.wait_until(lambda: len(self.bus.run_finished_events(path, since)) >= count, timeout,
                     f'{count} finished runs of {path}')

    def disable_and_settle(self, *paths):
        for path in paths:
            self.bus.update(path, {'enabled': False})
        for path in paths:
            self.assertEqual(self.bus.prop(path, 'NextRun'), 0)
            self.bus.wait_prop(path, 'Running', False, timeout=15)
        self.bus.wait_prop(MANAGER_PATH, 'RunningCount', 0, iface=SCHEDULER_IFACE)

    def test_secondly_runs_repeatedly_without_overlap(self):
        mark = self.bus.mark()
        path = self.make_job('every-second', schedule='FREQ=SECONDLY', command=['sleep', '1.5'])
        self.assertGreater(self.bus.prop(path, 'NextRun'), 0)
        self.wait_finished_runs(path, 3, mark, timeout=12)
        self.disable_and_settle(path)

        intervals = self.intervals(path)
        self.assertGreaterEqual(len(intervals), 3)
        self.assert_no_overlap(intervals)
        self.assert_alternating(path, mark)
        for run in self.bus.job_runs(path):
            self.assertEqual((run['trigger'], run['outcome']), ('schedule', 'success'))
            self.assertGreaterEqual(run['finished'] - run['started'], 1400000)
        # The next run is the first occurrence after the end of a run: no long gaps
        for (s1, f1, *_), (s2, *_) in zip(intervals, intervals[1:]):
            self.assertLess(s2 - f1, 2.5 * USEC)
        # Disabled: nothing more starts
        mark = self.bus.mark()
        h.iterate(1.5)
        self.assertEqual(self.bus.run_started_events(path, mark), [])

    def test_interval_2_and_overrunning_job(self):
        mark = self.bus.mark()
        quick = self.make_job('every-2s', schedule='FREQ=SECONDLY;INTERVAL=2',
                              command=['sleep', '0.5'])
        slow = self.make_job('overruns', schedule='FREQ=SECONDLY;INTERVAL=2',
                             command=['sleep', '2.5'])
        self.wait_finished_runs(quick, 3, mark, timeout=15)
        self.wait_finished_runs(slow, 2, mark, timeout=15)
        self.disable_and_settle(quick, slow)

        for path in (quick, slow):
            self.assert_no_overlap(self.intervals(path))
            self.assert_alternating(path, mark)
        starts = [s for s, *_ in self.intervals(quick)]
        for a, b in zip(starts, starts[1:]):
            self.assertGreaterEqual(b - a, 1.5 * USEC, 'INTERVAL=2 runs 2 s apart')
            self.assertLessEqual(b - a, 2.6 * USEC, 'a 0.5 s job misses no occurrence')
        # The occurrence that fell during a 2.5 s run was skipped, not queued
        starts = [s for s, *_ in self.intervals(slow)]
        for a, b in zip(starts, starts[1:]):
            self.assertGreaterEqual(b - a, 3.5 * USEC, 'an occurrence during a run is skipped')
            self.assertLessEqual(b - a, 4.6 * USEC)

    def test_max_concurrent_runs(self):
        self.bus.set_settings({'max-concurrent-runs': 1})
        mark = self.bus.mark()
        jobs = [self.make_job(f'serial-{i}', schedule='FREQ=SECONDLY', command=['sleep', '1'])
                for i in range(3)]
        for path in jobs:
            self.wait_finished_runs(path, 1, mark, timeout=20)
        self.disable_and_settle(*jobs)

        intervals = self.intervals(*jobs)
        self.assertGreaterEqual(len(intervals), 3)
        self.assert_no_overlap(intervals)
        for path in jobs:
            self.assert_alternating(path, mark)
        counts = self.bus.prop_changes(MANAGER_PATH, 'RunningCount', mark, SCHEDULER_IFACE)
        self.assertIn(1, counts)
        self.assertLessEqual(max(counts), 1, f'RunningCount went to {max(counts)}')
        self.assertEqual(self.bus.prop(MANAGER_PATH, 'RunningCount', SCHEDULER_IFACE), 0)

        # Raising the limit lets them run side by side
        self.bus.set_settings({'max-concurrent-runs': 0})
        mark = self.bus.mark()
        for path in jobs:
            self.bus.update(path, {'enabled': True})
        self.bus.wait_prop(MANAGER_PATH, 'RunningCount', 3, iface=SCHEDULER_IFACE, timeout=10)
        self.disable_and_settle(*jobs)

    def test_schedule_changes_take_effect(self):
        path = self.make_job('changing', command=['/bin/sh', '-c', 'sleep 0.2'])
        self.assertEqual(self.bus.prop(path, 'NextRun'), 0)
        mark = self.bus.mark()
        h.iterate(1.2)
        self.assertEqual(self.bus.run_started_events(path, mark), [], 'a manual job never runs alone')
        self.bus.update(path, {'schedule': 'FREQ=SECONDLY'})
        run_id, trigger = self.bus.wait_run_started(path, mark, timeout=5)
        self.assertEqual(trigger, 'schedule')
        self.bus.wait_run_finished(run_id)
        self.bus.update(path, {'schedule': ''})
        self.assertEqual(self.bus.prop(path, 'NextRun'), 0)
        self.bus.wait_prop(path, 'Running', False)
        mark = self.bus.mark()
        h.iterate(1.5)
        self.assertEqual(self.bus.run_started_events(path, mark), [])
        # NextRun follows the schedule after each run
        self.bus.update(path, {'schedule': 'FREQ=SECONDLY;INTERVAL=3600'})
        next_run = self.bus.prop(path, 'NextRun')
        self.assertGreater(next_run, h.now_usec())
        self.assertLessEqual(next_run, h.now_usec() + 3601 * USEC)


if __name__ == '__main__':
    h.main()
