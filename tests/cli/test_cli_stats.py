#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""chronikerctl: the keys of watching over time (DESIGN §7). stats against
Scheduler1.GetJobStats of real runs (table, sparkline, summary, --json,
--since, --buckets, errors), snooze and unsnooze against SnoozedUntil and
what show and list say of it, the options --expected-duration and
--alert-after-failures, and running-long in runs and runs --json."""

import json
import re

from gi.repository import GLib

import chkharness as h
import cliharness as c
from chkharness import MANAGER_PATH, USEC

fields = c.show_fields
BARS = '▁▂▃▄▅▆▇█'


def cells(line):
    """The cells of a table line: columns are apart by two spaces or more."""
    return re.split(r'\s{2,}', line.strip())


def seconds_text(usec):
    """A duration under a minute as the client writes it: "0.40 s"."""
    return f'{usec / USEC:.2f} s'


class StatsTestCase(c.CliTestCase):
    def job_stats(self, job, since, buckets):
        return self.bus.call_unpack(MANAGER_PATH, h.SCHEDULER_IFACE, 'GetJobStats',
                                    GLib.Variant('(oxu)', (job, since, buckets)))

    def make_runs(self):
        """Job "stats" with runs of 0.2 s (success), 0.6 s (exit 3) and 0.4 s
        (success), and job "other" with one failed run; returns their paths."""
        path = self.add('stats', '--', '/bin/true')
        for seconds, code in (('0.2', 0), ('0.6', 3), ('0.4', 0)):
            self.ok('edit', 'stats', '--', 'sh', '-c', f'sleep {seconds}; exit {code}')
            self.run_wait('stats', rc=code)
        other = self.add('other', '--', '/bin/false')
        self.run_wait('other', rc=1)
        return path, other


class Stats(StatsTestCase):
    def test_json_is_what_the_daemon_counts(self):
        path, _ = self.make_runs()
        buckets = self.json('stats', 'stats', '--since', '1h', '--buckets', '3', '--json')
        self.assertEqual(len(buckets), 3)
        for b in buckets:
            self.assertEqual(set(b), {'start', 'runs', 'failures', 'duration-p50',
                                      'duration-max'}, b)
            self.assert_time(b['start'], 'start', nullable=False)
            self.assert_int(b['runs'], 'runs')
            self.assert_int(b['failures'], 'failures')
        since = c.iso_to_usec(buckets[0]['start'])
        self.assertAlmostEqual(since, h.now_usec() - 3600 * USEC, delta=30 * USEC)

        real = self.job_stats(path, since, 3)
        for mine, theirs in zip(buckets, real):
            # Each call divides the time up to its own now: the starts move a little
            self.assertAlmostEqual(c.iso_to_usec(mine['start']), theirs['start'],
                                   delta=30 * USEC)
            self.assertEqual((mine['runs'], mine['failures']),
                             (theirs['runs'], theirs['failures']))
            if theirs['runs'] == 0:
                self.assertEqual((mine['duration-p50'], mine['duration-max']), (None, None))
            else:
                self.assertIs(type(mine['duration-p50']), float)
                self.assertEqual(mine['duration-p50'], theirs['duration-p50'] / USEC)
                self.assertEqual(mine['duration-max'], theirs['duration-max'] / USEC)
        last = buckets[-1]
        self.assertEqual((last['runs'], last['failures']), (3, 1))
        self.assertGreaterEqual(last['duration-p50'], 0.4)
        self.assertLess(last['duration-p50'], 0.6)
        self.assertGreaterEqual(last['duration-max'], 0.6)

        # No job: all jobs, the other's failure too
        (everything,) = self.json('stats', '--since', '1h', '--buckets', '1', '--json')
        self.assertEqual((everything['runs'], everything['failures']), (4, 2))

    def test_table_sparkline_and_summary(self):
        path, _ = self.make_runs()
        out = self.out('stats', 'stats', '--since', '1h', '--buckets', '3')
        lines = out.split('\n')
        self.assertEqual(cells(lines[0]), ['START', 'RUNS', 'FAILED', 'MEDIAN', 'LONGEST'])
        rows = [cells(line) for line in lines[1:4]]
        self.assertEqual([row[1:3] for row in rows], [['0', '0'], ['0', '0'], ['3', '1']], out)
        self.assertEqual(rows[0][3:], ['-', '-'], 'a bucket without runs has no durations')
        self.assertRegex(rows[0][0], r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d$')

        since = self.json('stats', 'stats', '--since', '1h', '--buckets', '1', '--json')[0]
        total = self.job_stats(path, c.iso_to_usec(since['start']), 1)[0]
        self.assertEqual(rows[2][3:], [seconds_text(total['duration-p50']),
                                       seconds_text(total['duration-max'])], out)

        self.assertEqual(lines[4], '', out)
        self.assertRegex(lines[5], r'^Median: ··[' + BARS + ']$', out)
        self.assertTrue(lines[5].endswith('█'), 'the longest median is the highest bar')
        self.assertRegex(lines[6], r'^Failed: {3}×$', 'the failure under its bucket')
        self.assertEqual(lines[7], '3 runs, 1 failed (33%), median '
                         f'{seconds_text(total["duration-p50"])}, longest '
                         f'{seconds_text(total["duration-max"])}', out)
        self.assertEqual(lines[8:], [''], out)

        # Without failures, no line of them
        self.add('good', '--', '/bin/true')
        self.run_wait('good')
        lines = self.out('stats', 'good', '--since', '1h', '--buckets', '2').split('\n')
        self.assertEqual([line for line in lines if line.startswith('Failed')], [])
        self.assertTrue(lines[-2].startswith('1 run, 0 failed (0%), median '), lines)
        self.assertIn('5 runs, 2 failed (40%)',
                      self.out('stats', '--since', '1h', '--buckets', '2'), 'all jobs')

    def test_buckets_of_runs_days_apart(self):
        # Runs on days apart, made so in the daemon's database while it is
        # stopped: 80 s (success) 3.5 days ago, 10 s (failure) 2.5 days ago,
        # 40 s (success) half a day ago.
        self.add('x', '--', '/bin/true')
        first, _ = self.run_wait('x')
        self.ok('edit', 'x', '--', '/bin/false')
        second, _ = self.run_wait('x', rc=1)
        self.ok('edit', 'x', '--', '/bin/true')
        third, _ = self.run_wait('x')
        now, day = h.now_usec(), 86400 * USEC
        moves = []
        for run_id, ago, seconds in ((first, 3.5, 80), (second, 2.5, 10), (third, 0.5, 40)):
            started = now - int(ago * day)
            moves.append(('UPDATE runs SET started = ?, finished = ? WHERE id = ?',
                          (started, started + seconds * USEC, run_id)))
        self.edit_database(*moves)

        out = self.out('stats', 'x', '--since', '4d', '--buckets', '4')
        lines = out.split('\n')
        self.assertEqual([cells(line)[1:] for line in lines[1:5]], [
            ['1', '0', '1 min 20 s', '1 min 20 s'],
            ['1', '1', '10.00 s', '10.00 s'],
            ['0', '0', '-', '-'],
            ['1', '0', '40.00 s', '40.00 s']], out)
        # The highest bar is the longest median; the others as high as their share of it
        self.assertEqual(lines[6:9], ['Median: █▁·▄', 'Failed:  ×',
                                      '3 runs, 1 failed (33%), median 40.00 s, '
                                      'longest 1 min 20 s'], out)

        buckets = self.json('stats', 'x', '--since', '4d', '--buckets', '4', '--json')
        self.assertEqual([(b['runs'], b['failures'], b['duration-p50'], b['duration-max'])
                          for b in buckets],
                         [(1, 0, 80.0, 80.0), (1, 1, 10.0, 10.0), (0, 0, None, None),
                          (1, 0, 40.0, 40.0)])

        # On a terminal, the bar of a bucket with failures is red too
        status, data = self.on_tty('stats', 'x', '--since', '4d', '--buckets', '4')
        self.assertEqual(status, 0, data)
        text = data.decode()
        self.assertIn('\x1b[1;31m▁\x1b[0m', text)
        self.assertIn('█', text)
        self.assertIn('·▄', text, 'the others are not coloured')

    def test_since_and_default_buckets(self):
        path, _ = self.make_runs()
        now = h.now_usec()
        default = self.json('stats', 'stats', '--json')
        self.assertEqual(len(default), 30, 'one bucket a day of 30 days')
        self.assertAlmostEqual(c.iso_to_usec(default[0]['start']), now - 30 * 86400 * USEC,
                               delta=30 * USEC)
        self.assertEqual(sum(b['runs'] for b in default), 3)
        self.assertEqual(len(self.json('stats', 'stats', '--since', '2d', '--json')), 2)
        self.assertEqual(len(self.json('stats', 'stats', '--since', '36h', '--json')), 36,
                         'under two days, one an hour')
        self.assertEqual(len(self.json('stats', 'stats', '--since', '1 hour 30 min',
                                       '--json')), 90, 'under two hours, one a minute')
        self.assertEqual(len(self.json('stats', 'stats', '--since', '1w', '--buckets', '1000',
                                       '--json')), 1000)

        # A time, with its zone
        b = self.json('stats', 'stats', '--since', '2001-02-03T04:05:06Z', '--buckets', '2',
                      '--json')
        self.assertEqual(b[0]['start'], '2001-02-03T04:05:06.000000Z')
        self.assertEqual(sum(x['runs'] for x in b), 3)

        # all: from the oldest run on
        first = min(r['started'] for r in self.bus.job_runs(path))
        oldest = self.json('stats', 'stats', '--since', 'all', '--buckets', '1', '--json')[0]
        self.assertLessEqual(abs(c.iso_to_usec(oldest['start']) - first), 1000)
        self.assertEqual(oldest['runs'], 3)
        self.assertIn('3 runs, 1 failed (33%)', self.out('stats', 'stats', '--since', 'all'))

    def test_no_runs(self):
        self.add('idle', '--', '/bin/true')
        out = self.out('stats', 'idle')
        self.assertRegex(out, r'^No runs since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d\.\n$')
        self.assertEqual(self.out('stats', '--since', 'all'), 'No runs.\n')
        buckets = self.json('stats', 'idle', '--since', '1d', '--buckets', '4', '--json')
        self.assertEqual([(b['runs'], b['failures'], b['duration-p50'], b['duration-max'])
                          for b in buckets], [(0, 0, None, None)] * 4)

    def test_errors(self):
        self.add('x', '--', '/bin/true')
        self.runtime_error('stats', 'nope', contains=('nope',))
        self.runtime_error('stats', '12345', '--json', contains=('12345',))
        for since in ('soon', '0', '0s', '2099-01-01T00:00:00Z', '', '5 parsecs'):
            with self.subTest(since=since):
                self.usage_error('stats', 'x', '--since', since, contains=('--since',))
        for buckets in ('0', '1001', 'many', '-1', '2.5', ''):
            with self.subTest(buckets=buckets):
                self.usage_error('stats', 'x', f'--buckets={buckets}', contains=('--buckets',))
        self.usage_error('stats', 'x', 'y', contains=('y',))
        self.assertIn('--since=DURATION', self.out('stats', '--help'))
        self.assertIn('stats', self.out('--help'))


class Snooze(StatsTestCase):
    def test_snooze_and_unsnooze(self):
        path = self.add('x', '--', '/bin/true')
        self.add('y', '--', '/bin/true')
        before = self.show('x')
        self.assertIsNone(before['snoozed-until'])

        start = h.now_usec()
        out = self.out('snooze', 'x', '2h')
        m = re.fullmatch(r'No alerts for “x” until (\S+ \S+ \S+) \(in 2 h\)\n', out)
        self.assertTrue(m, out)
        until = self.bus.prop(path, 'SnoozedUntil')
        self.assertGreaterEqual(until, start + 7200 * USEC)
        self.assertLess(until, h.now_usec() + 7200 * USEC)

        after = self.show('x')
        self.assertEqual(c.iso_to_usec(after['snoozed-until']), until)
        self.assertEqual({k for k in c.SPEC_KEYS if before[k] != after[k]}, {'snoozed-until'},
                         'snooze changes nothing else')
        self.assertTrue(fields(self.out('show', 'x'))['Snoozed until'].startswith(m.group(1)),
                        'show says the same time')
        rows = {line.split()[0]: line for line in self.out('list').split('\n')[1:] if line}
        self.assertTrue(rows['x'].endswith('never run (snoozed)'), rows)
        self.assertNotIn('snoozed', rows['y'])

        # Words of a duration need no quotes; --until a time
        self.ok('snooze', 'x', '1', 'hour', '30', 'min')
        self.assertAlmostEqual(self.bus.prop(path, 'SnoozedUntil'),
                               h.now_usec() + 5400 * USEC, delta=30 * USEC)
        out = self.out('snooze', 'x', '--until', '2099-01-02T03:04:05Z')
        self.assertEqual(self.bus.prop(path, 'SnoozedUntil'),
                         c.iso_to_usec('2099-01-02T03:04:05Z'))
        self.assertIn('until 2099-01-0', out)

        r = self.ok('unsnooze', 'x')
        self.assertEqual(r.out, '')
        self.assertEqual(self.bus.prop(path, 'SnoozedUntil'), 0)
        self.assertIsNone(self.show('x')['snoozed-until'])
        self.assertNotIn('Snoozed until', self.out('show', 'x'))
        self.assertNotIn('snoozed', self.out('list'))

        # A snooze that ended is no longer shown
        self.bus.update(path, {'snoozed-until': h.now_usec() - USEC})
        self.assertNotIn('Snoozed until', self.out('show', 'x'))
        self.assertNotIn('snoozed', self.out('list'))
        self.assertIsNotNone(self.show('x')['snoozed-until'], 'JSON has it as it is')

    def test_export_and_import_keep_the_keys(self):
        self.add('x', '--expected-duration', '10m', '--alert-after-failures', '3',
                 '--', '/bin/true')
        self.ok('snooze', 'x', '--until', '2099-01-02T03:04:05Z')
        (exported,) = self.json('export')
        self.assertEqual((exported['expected-duration'], exported['alert-after-failures'],
                          exported['snoozed-until']), (600, 3, '2099-01-02T03:04:05.000000Z'))
        self.ok('remove', 'x')
        self.ok('import', '--json', '-', input=json.dumps([exported]))
        p = self.bus.props(self.bus.get_job_by_name('x'))
        self.assertEqual((p['ExpectedDuration'], p['AlertAfterFailures'], p['SnoozedUntil']),
                         (600, 3, c.iso_to_usec('2099-01-02T03:04:05Z')))

    def test_errors(self):
        path = self.add('x', '--', '/bin/true')
        for args, word in ((['x'], 'DURATION'), (['x', '0'], 'unsnooze'),
                           (['x', 'soon'], 'soon'), (['x', '1h', '--until', '2099-01-01'], 'both'),
                           (['x', '--until', '2000-01-01T00:00:00Z'], 'future'),
                           (['x', '--until', 'tomorrow'], '--until'), ([], 'NAME')):
            with self.subTest(args=args):
                self.usage_error('snooze', *args, contains=(word,))
        self.runtime_error('snooze', 'nope', '1h', contains=('nope',))
        self.usage_error('unsnooze', contains=('NAME',))
        self.usage_error('unsnooze', 'x', '1h', contains=('1h',))
        self.runtime_error('unsnooze', 'nope', contains=('nope',))
        self.assertEqual(self.bus.prop(path, 'SnoozedUntil'), 0, 'refused snoozes change nothing')


class WatchOptions(StatsTestCase):
    def test_options_round_trip_and_show(self):
        path = self.add('x', '--expected-duration', '10m', '--alert-after-failures', '3',
                        '--', '/bin/true')
        p = self.bus.props(path)
        self.assertEqual((p['ExpectedDuration'], p['AlertAfterFailures']), (600, 3))
        obj = self.show('x')
        self.assert_job_json(obj)
        self.assertEqual((obj['expected-duration'], obj['alert-after-failures']), (600, 3))
        f = fields(self.out('show', 'x'))
        self.assertEqual(f['Expected duration'], '10 min')
        self.assertEqual(f['Alerts'], 'after 3 failures in a row')

        self.ok('edit', 'x', '--alert-after-failures', '2', '--expected-duration', '1h 30m')
        f = fields(self.out('show', 'x'))
        self.assertEqual((f['Expected duration'], f['Alerts']),
                         ('1 h 30 min', 'after 2 failures in a row'))

        before = self.show('x')
        self.ok('edit', 'x', '--expected-duration', '0', '--alert-after-failures', '1')
        after = self.show('x')
        self.assertEqual((after['expected-duration'], after['alert-after-failures']), (0, 1))
        self.assertEqual({k for k in c.SPEC_KEYS if before[k] != after[k]},
                         {'expected-duration', 'alert-after-failures'})
        out = self.out('show', 'x')
        self.assertNotIn('Expected duration', out, 'the defaults are not shown')
        self.assertNotIn('Alerts:', out)

        # Left out on add: the defaults
        p = self.bus.props(self.add('y', '--', '/bin/true'))
        self.assertEqual((p['ExpectedDuration'], p['AlertAfterFailures']), (0, 1))

    def test_bad_values_name_the_option(self):
        self.add('x', '--', '/bin/true')
        before = self.show('x')
        bad = [('--expected-duration', 'soon'), ('--expected-duration', '400d'),
               ('--expected-duration', '-1'), ('--alert-after-failures', '0'),
               ('--alert-after-failures', '1001'), ('--alert-after-failures', 'three'),
               ('--alert-after-failures', '-1'), ('--alert-after-failures', '')]
        for option, value in bad:
            for verb in ('add', 'edit'):
                with self.subTest(verb=verb, option=option, value=value):
                    args = (['add', 'y', f'{option}={value}', '--', '/bin/true']
                            if verb == 'add' else ['edit', 'x', f'{option}={value}'])
                    r = self.usage_error(*args, contains=(option,))
                    self.assertTrue(r.err.startswith(f'chronikerctl: {option}: '), repr(r))
        self.assertEqual(self.show('x'), before, 'refused edits change nothing')
        self.assertEqual([j['name'] for j in self.json('list', '--json')], ['x'])

    def test_help_lists_the_options(self):
        for verb in ('add', 'edit'):
            out = self.out(verb, '--help')
            self.assertIn('--expected-duration=DURATION', out)
            self.assertIn('--alert-after-failures=N', out)


class RunningLong(StatsTestCase):
    def test_runs_mark_long_runs(self):
        # The alerting engine sets running-long; here the daemon's database
        # does, while the daemon is stopped, as the store keeps it.
        self.add('x', '--expected-duration', '1m', '--', '/bin/true')
        long_run, _ = self.run_wait('x')
        short_run, _ = self.run_wait('x')
        self.edit_database(('UPDATE runs SET running_long = 1 WHERE id = ?', (long_run,)))

        runs = {r['id']: r for r in self.json('runs', 'x', '--json')}
        for run in runs.values():
            self.assert_run_json(run)
            self.assert_run_matches_bus(run)
        self.assertIs(runs[long_run]['running-long'], True)
        self.assertIs(runs[short_run]['running-long'], False)
        self.assertTrue(self.bus.get_run(long_run)['running-long'])

        rows = {line.split()[0]: line for line in self.out('runs', 'x').split('\n')[1:]
                if line.strip() and line.split()[0].isdigit()}
        self.assertIn(' success (long) ', rows[str(long_run)])
        self.assertNotIn('(long)', rows[str(short_run)])


if __name__ == '__main__':
    c.main()
