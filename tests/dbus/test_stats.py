#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scheduler1.GetJobStats on the real daemon: buckets of real runs, a job's
and all jobs', and the errors for a bad job, count or start."""

from gi.repository import GLib

import chkharness as h
from chkharness import MANAGER_PATH, USEC


class JobStats(h.DaemonTestCase):
    def stats(self, job, since, buckets):
        return self.bus.call_unpack(MANAGER_PATH, h.SCHEDULER_IFACE, 'GetJobStats',
                                    GLib.Variant('(oxu)', (job, since, buckets)))

    def test_buckets_of_real_runs(self):
        since = h.now_usec()
        path = self.make_job('stats')
        for seconds, code in (('0.2', 0), ('0.6', 3), ('0.4', 0)):
            self.bus.update(path, {'command': self.sh(f'sleep {seconds}; exit {code}')})
            self.run_and_wait(path)
        other = self.make_job('other', command=['false'])
        self.run_and_wait(other)

        (bucket,) = self.stats(path, since, 1)
        self.assertEqual(set(bucket), {'start', 'runs', 'failures', 'duration-p50',
                                       'duration-max'})
        self.assertEqual(bucket['start'], since)
        self.assertEqual((bucket['runs'], bucket['failures']), (3, 1))
        # The median is the 0.4 s run, the longest the 0.6 s one
        self.assertGreaterEqual(bucket['duration-p50'], 0.4 * USEC)
        self.assertLess(bucket['duration-p50'], 0.6 * USEC)
        self.assertGreaterEqual(bucket['duration-max'], 0.6 * USEC)
        self.assertLess(bucket['duration-max'], 1.5 * USEC)

        # All jobs: the other job's failure too
        (everything,) = self.stats(MANAGER_PATH, since, 1)
        self.assertEqual((everything['runs'], everything['failures']), (4, 2))

        # Many buckets: they tile the time from since to now, the runs in the last ones
        buckets = self.stats(path, since, 100)
        self.assertEqual(len(buckets), 100)
        starts = [b['start'] for b in buckets]
        self.assertEqual(starts, sorted(starts))
        self.assertEqual(sum(b['runs'] for b in buckets), 3)
        self.assertEqual(sum(b['failures'] for b in buckets), 1)
        for b in buckets:
            if b['runs'] == 0:
                self.assertEqual((b['duration-p50'], b['duration-max']), (0, 0))

        # Since 0: from the oldest run
        (oldest,) = self.stats(path, 0, 1)
        self.assertEqual(oldest['runs'], 3)
        self.assertGreaterEqual(oldest['start'], since)

    def between(self, job, since, until, buckets):
        return self.bus.call_unpack(MANAGER_PATH, h.SCHEDULER_IFACE, 'GetJobStatsBetween',
                                    GLib.Variant('(oxxu)', (job, since, until, buckets)))

    def test_between(self):
        path = self.make_job('between')
        before = h.now_usec()
        self.run_and_wait(path)
        middle = h.now_usec()
        self.bus.update(path, {'command': ['false']})
        self.run_and_wait(path)
        self.run_and_wait(path)
        after = h.now_usec()

        (first,) = self.between(path, before, middle, 1)
        self.assertEqual((first['start'], first['runs'], first['failures']), (before, 1, 0))
        (second,) = self.between(path, middle, after, 1)
        self.assertEqual((second['runs'], second['failures']), (2, 2))
        # until 0 is now, as GetJobStats
        self.assertEqual(self.between(path, before, 0, 1), self.stats(path, before, 1))
        # Two halves of the same time
        halves = self.between(path, before, before + 2 * (after - before), 2)
        self.assertEqual([b['start'] for b in halves], [before, after])
        self.assertEqual(halves[0]['runs'], 3)
        self.assertEqual(halves[1]['runs'], 0)
        with self.assert_error('InvalidArgument', 'since'):
            self.between(path, after, before, 1)
        with self.assert_error('InvalidArgument', 'until'):
            self.between(path, before, -5, 1)

    def test_bad_arguments(self):
        path = self.make_job('x')
        with self.assert_error('NotFound', 'job'):
            self.stats(h.JOBS_PATH + '/999', 0, 1)
        with self.assert_error('NotFound', 'job'):
            self.stats('/elsewhere', 0, 1)
        for buckets in (0, 1001):
            with self.assert_error('InvalidArgument', 'buckets', str(buckets)):
                self.stats(path, 0, buckets)
        with self.assert_error('InvalidArgument', 'since'):
            self.stats(path, h.now_usec() + 3600 * USEC, 1)
        with self.assert_error('InvalidArgument', 'since'):
            self.stats(path, -1, 1)
        self.assertEqual(self.stats(path, 0, 1000)[0]['runs'], 0)
        self.assert_daemon_alive()


if __name__ == '__main__':
    h.main()
