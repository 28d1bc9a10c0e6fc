#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every tzdata zone past 2038 (issue 11, point 7): GLib 2.74 misread
Europe/Dublin's rule for the years after its file's last transition (winter
came out as +02:00 from October 2038). Each zone's "0 9 * * *" runs are
compared with Python's zoneinfo, which reads the same files independently."""

import datetime
import zoneinfo

import chkharness as h
from chkharness import USEC

UTC = datetime.timezone.utc
# Past the last transition written out in the zone files (2037), in winter
# and in summer of both hemispheres.
AFTERS = [datetime.datetime(2040, 1, 10, tzinfo=UTC), datetime.datetime(2040, 7, 10, tzinfo=UTC),
          datetime.datetime(2051, 3, 1, tzinfo=UTC)]


def expected_runs(zone, after, count):
    """The next `count` 09:00s of `zone` strictly after `after`."""
    runs = []
    day = (after - datetime.timedelta(days=2)).date()
    while len(runs) < count:
        local = datetime.datetime(day.year, day.month, day.day, 9, 0, tzinfo=zone)
        instant = local.astimezone(UTC)
        if instant > after:
            runs.append(int(instant.timestamp()) * USEC)
        day += datetime.timedelta(days=1)
    return runs


class Zones(h.DaemonTestCase):
    def test_every_zone_after_2038(self):
        names = sorted(zoneinfo.available_timezones() - {'Factory', 'localtime'})
        self.assertGreater(len(names), 300)
        wrong = []
        for name in names:
            zone = zoneinfo.ZoneInfo(name)
            for after in AFTERS:
                try:
                    _, runs = self.bus.preview('0 9 * * *', name, int(after.timestamp()) * USEC, 2)
                except h.GLib.Error as e:
                    wrong.append(f'{name}: {e.message}')
                    continue
                expected = expected_runs(zone, after, 2)
                if runs != expected:
                    got = [str(datetime.datetime.fromtimestamp(r / USEC, UTC)) for r in runs]
                    want = [str(datetime.datetime.fromtimestamp(r / USEC, UTC)) for r in expected]
                    wrong.append(f'{name} after {after:%Y-%m-%d}: {got} instead of {want}')
        self.assertEqual(wrong, [], f'{len(wrong)} disagreements:\n' + '\n'.join(wrong[:40]))

    def test_dublin_winter_and_summer(self):
        for name in ('Europe/Dublin', 'Eire'):
            _, runs = self.bus.preview('0 9 * * *', name, int(AFTERS[0].timestamp()) * USEC, 1)
            self.assertEqual(runs, [int(datetime.datetime(2040, 1, 10, 9, tzinfo=UTC).timestamp()) * USEC],
                             f'{name}: 09:00 in January 2040 is 09:00 GMT')
            _, runs = self.bus.preview('0 9 * * *', name, int(AFTERS[1].timestamp()) * USEC, 1)
            self.assertEqual(runs, [int(datetime.datetime(2040, 7, 10, 8, tzinfo=UTC).timestamp()) * USEC],
                             f'{name}: 09:00 in July 2040 is 08:00 UTC (IST)')


if __name__ == '__main__':
    h.main()
