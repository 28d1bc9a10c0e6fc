#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""RRULE expansion against an independent one, python-dateutil's.

Seeded random rules (every FREQ, INTERVAL, the BY parts, WKST, COUNT and
UNTIL) from random starts in eight zones, many just before a change of UTC
offset, go through the daemon's PreviewSchedule; dateutil.rrule expands the
same rule from the same wall-clock DTSTART, and its wall-clock times become
instants by Chroniker's daylight saving time rule. All disagreements are
listed at the end. A few fixed rules (from the issue) must agree as well.

Environment: CHK_RRULE_SEED (default 20261206) and CHK_RRULE_CASES (default
600); case N depends only on the seed and N.
"""

# What dateutil is given is adjusted for Chroniker's choices below (never by
# skipping a case), and for two bugs of dateutil's own.
#
#    Chroniker's choice (README "Schedules")        why it is one
#  1 BYHOUR without BYMINUTE: minute 0; BYHOUR or   "BYHOUR=9 alone means 09:00:00": what
#    BYMINUTE without BYSECOND: second 0 (units     people mean, not the start
#    smaller than FREQ's only)                      time's minutes and seconds
#  2 YEARLY;BYWEEKNO without BYDAY: DTSTART's       a week number picks weeks, the day
#    weekday in those weeks (dateutil: all 7)       comes from the start as in WEEKLY
#  3 WEEKLY;BYSETPOS: positions in the whole        BYSETPOS picks among the whole
#    WKST week holding DTSTART, then the runs       period's times, as for every other
#    before DTSTART dropped                         FREQ (dateutil: DTSTART to week end)
#  4 UNTIL is an instant: a local one through the   without Z it is a wall-clock time of
#    DST rule below, a Z one in UTC                 the job's zone (always given a time here)
#  5 runs compared up to 10 (sub-daily), 40         "Far ahead": 9999, 401 years ahead,
#    (DAILY, WEEKLY) or 150 years after DTSTART     GLib past 2998 are limits, not tested
#  6 YEARLY;BYWEEKNO;INTERVAL=n counts ISO 8601     a week is in the year it is numbered
#    years from DTSTART's (dateutil: calendar       in, whole, even when it starts in
#    years, splitting weeks 1 and 53)               December or ends in January
#  DST: a skipped wall-clock time runs at the first instant after the gap, a repeated
#  one at its first instance, times on one instant run once (README); runs before
#  DTSTART are dropped; COUNT counts the rule's wall-clock times (RFC 5545).
#
#    dateutil's bug                                 worked around by
#  a BYDAY=FR,1SU gives the Fridays that are first  listing plain days by position (1FR…5FR,
#    Sundays (none), not RFC 5545's union           …53FR if YEARLY without BYMONTH)
#  b BYWEEKNO: it misnumbers the January days of    asking for weeks 1, -1, 52 and 53 too,
#    the last year's last week (its PR #1537)       then keeping the rule's ISO weeks' days
#
# Not modelled on purpose: FREQ=YEARLY;BYMONTHDAY without BYMONTH means every
# month (RFC 5545, dateutil, and the README).

import datetime
import os
import random
import sys
import time
import types
import zoneinfo

import chkharness as h
from chkharness import GLib, USEC

from dateutil import rrule as du

UTC = datetime.timezone.utc
SEED = int(os.environ.get('CHK_RRULE_SEED', '20261206'))
CASES = int(os.environ.get('CHK_RRULE_CASES', '600'))
RUNS = 12                # runs asked for per case
MAX_LISTED = 30

ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'America/Sao_Paulo', 'Australia/Lord_Howe',
         'Pacific/Apia', 'Asia/Kolkata', 'Europe/Dublin']
WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU']
SUBDAILY = ('SECONDLY', 'MINUTELY', 'HOURLY')
FREQ_WEIGHTS = [('SECONDLY', 1), ('MINUTELY', 1), ('HOURLY', 2), ('DAILY', 4), ('WEEKLY', 4),
                ('MONTHLY', 4), ('YEARLY', 4)]
# About how long a period of each FREQ is
FREQ_SECONDS = {'SECONDLY': 1, 'MINUTELY': 60, 'HOURLY': 3600, 'DAILY': 86400,
                'WEEKLY': 7 * 86400, 'MONTHLY': 30 * 86400, 'YEARLY': 365 * 86400}
# Choice 5: how far (years after DTSTART) runs are compared. dateutil walks
# each period, so a rule that never occurs costs it the whole horizon.
HORIZON_YEARS = {'SECONDLY': 10, 'MINUTELY': 10, 'HOURLY': 10, 'DAILY': 40, 'WEEKLY': 40,
                 'MONTHLY': 150, 'YEARLY': 150}
LARGE_INTERVALS = {'SECONDLY': (7, 90), 'MINUTELY': (7, 90), 'HOURLY': (6, 50), 'DAILY': (6, 60),
                   'WEEKLY': (6, 30), 'MONTHLY': (6, 30), 'YEARLY': (6, 12)}
PART_ORDER = ['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYMONTH', 'BYWEEKNO', 'BYYEARDAY',
              'BYMONTHDAY', 'BYDAY', 'BYHOUR', 'BYMINUTE', 'BYSECOND', 'BYSETPOS', 'WKST']
YEAR_2000 = int(datetime.datetime(2000, 1, 1, tzinfo=UTC).timestamp())
YEAR_2041 = int(datetime.datetime(2041, 1, 1, tzinfo=UTC).timestamp())

# The fixed cases (issue list): rule, zone, DTSTART as local wall-clock time.
MON_0900 = datetime.datetime(2024, 1, 15, 9, 0)
FIXED_CASES = [
    ('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1', 'UTC', MON_0900),
    ('FREQ=DAILY;BYHOUR=9,17;BYSETPOS=1', 'UTC', MON_0900),
    ('FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9,17;BYSETPOS=-1', 'UTC', MON_0900),
    ('FREQ=DAILY;BYMONTHDAY=-1', 'UTC', MON_0900),
    ('FREQ=DAILY;BYMONTHDAY=-1,15', 'UTC', MON_0900),
    ('FREQ=DAILY;BYMONTHDAY=-1;COUNT=5', 'UTC', MON_0900),
    ('FREQ=YEARLY;BYYEARDAY=-1;BYMONTH=12', 'UTC', MON_0900),
    ('FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;WKST=TH', 'UTC', MON_0900),
    ('FREQ=HOURLY;INTERVAL=2;BYHOUR=9,11,13', 'UTC', MON_0900),
    # Every month, as in RFC 5545 (README): Chroniker used to keep the start's
    ('FREQ=YEARLY;BYMONTHDAY=1,15', 'UTC', MON_0900),
]


# ---------------------------------------------------------------------------
# Wall-clock times and instants

def local_wall(instant, zone):
    """The naive wall-clock time of `instant` (seconds) in `zone`."""
    return datetime.datetime.fromtimestamp(instant, zone).replace(tzinfo=None)


def wall_to_instant(wall, zone):
    """The instant (seconds) at which the wall-clock time `wall` runs in
    `zone`: its first instance when it is repeated, the first instant after
    the gap when the clocks skip it."""
    instants = []
    for fold in (0, 1):
        instant = int(wall.replace(tzinfo=zone, fold=fold).timestamp())
        if local_wall(instant, zone) == wall:
            instants.append(instant)
    if instants:
        return min(instants)
    # In a gap: the transition is the first instant whose wall-clock time is
    # past `wall`; it lies between the two readings of `wall`.
    a = int(wall.replace(tzinfo=zone, fold=0).timestamp())
    b = int(wall.replace(tzinfo=zone, fold=1).timestamp())
    lo, hi = min(a, b), max(a, b)
    while lo < hi:
        mid = (lo + hi) // 2
        if local_wall(mid, zone) > wall:
            hi = mid
        else:
            lo = mid + 1
    return lo


def iso(instant, zone):
    return datetime.datetime.fromtimestamp(instant, zone).isoformat()


_transition_cache = {}


def transitions(zone, year):
    """The instants (seconds) in `year` at which `zone`'s UTC offset changes."""
    key = (zone.key, year)
    if key not in _transition_cache:
        found = []
        t = int(datetime.datetime(year, 1, 1, tzinfo=UTC).timestamp())
        end = int(datetime.datetime(year + 1, 1, 1, tzinfo=UTC).timestamp())
        offset = datetime.datetime.fromtimestamp(t, zone).utcoffset()
        while t < end:
            nxt = t + 5 * 86400
            nxt_offset = datetime.datetime.fromtimestamp(nxt, zone).utcoffset()
            if nxt_offset != offset:
                lo, hi = t, nxt
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if datetime.datetime.fromtimestamp(mid, zone).utcoffset() == offset:
                        lo = mid
                    else:
                        hi = mid
                found.append(hi)
            t, offset = nxt, nxt_offset
        _transition_cache[key] = found
    return _transition_cache[key]


# ---------------------------------------------------------------------------
# Rules: a dict of part name → value (lists of ints, BYDAY as (ordinal, day))

def format_part(name, value):
    if name == 'BYDAY':
        return ','.join(f'{n or ""}{d}' for n, d in value)   # n: 0, 2, -1 or '+2'
    if isinstance(value, list):
        return ','.join(str(v) for v in value)
    return str(value)


def format_rule(parts):
    return ';'.join(f'{name}={format_part(name, parts[name])}'
                    for name in PART_ORDER if name in parts)


def parse_rule(text):
    """The parts of one of the fixed rules."""
    parts = {}
    for item in text.split(';'):
        name, value = item.split('=', 1)
        if name in ('FREQ', 'WKST', 'UNTIL'):
            parts[name] = value
        elif name in ('INTERVAL', 'COUNT'):
            parts[name] = int(value)
        elif name == 'BYDAY':
            parts[name] = [(int(v[:-2]) if v[:-2] else 0, v[-2:]) for v in value.split(',')]
        else:
            parts[name] = [int(v) for v in value.split(',')]
    return parts


def weighted(rng, pairs):
    return rng.choices([p for p, _ in pairs], [w for _, w in pairs])[0]


def some(rng, pick, most=3):
    """1 to `most` distinct values from pick(), sorted by absolute value."""
    values = set()
    for _ in range(rng.randint(1, most)):
        values.add(pick())
    return sorted(values, key=lambda v: (abs(v), v))


def generate_rule(rng):
    """Random rule parts, none of which Chroniker refuses (COUNT and UNTIL
    are added by the caller)."""
    freq = weighted(rng, FREQ_WEIGHTS)
    subdaily = freq in SUBDAILY
    parts = {'FREQ': freq}

    if rng.random() < 0.5:
        if rng.random() < 0.9:
            parts['INTERVAL'] = rng.randint(1, 5)
        else:
            parts['INTERVAL'] = rng.randint(*LARGE_INTERVALS[freq])

    if rng.random() < 0.25:
        parts['BYMONTH'] = some(rng, lambda: rng.randint(1, 12))

    if freq != 'WEEKLY' and rng.random() < 0.3:
        def monthday():
            v = rng.randint(1, 28) if rng.random() < 0.85 else rng.randint(29, 31)
            return -v if rng.random() < 0.35 else v
        parts['BYMONTHDAY'] = some(rng, monthday)

    if (freq == 'YEARLY' or subdaily) and rng.random() < 0.2:
        def yearday():
            v = rng.randint(1, 366) if rng.random() < 0.8 else rng.randint(355, 366)
            return -v if rng.random() < 0.35 else v
        parts['BYYEARDAY'] = some(rng, yearday, 2)
        if rng.random() < 0.7:
            parts.pop('BYMONTHDAY', None)   # both at once rarely ever occur
        if 'BYMONTH' in parts and rng.random() < 0.7:
            # A month that holds one of the days, most of the time
            v = parts['BYYEARDAY'][0]
            day = (datetime.date(2023, 1, 1) + datetime.timedelta(days=v - 1) if v > 0 else
                   datetime.date(2023, 12, 31) + datetime.timedelta(days=v + 1))
            parts['BYMONTH'] = sorted(set(parts['BYMONTH']) | {day.month})

    wkst = None
    if rng.random() < (0.5 if 'INTERVAL' in parts else 0.1):
        wkst = rng.choice(WEEKDAYS)

    if freq == 'YEARLY' and wkst in (None, 'MO') and rng.random() < 0.3:
        def weekno():
            if rng.random() < 0.35:   # weeks that can straddle two years
                return rng.choice([1, 2, 52, 53, -1, -2, -52, -53])
            v = rng.randint(1, 52)
            return -v if rng.random() < 0.3 else v
        parts['BYWEEKNO'] = some(rng, weekno)

    if rng.random() < 0.4:
        days = rng.sample(WEEKDAYS, rng.randint(1, 3))
        ordinals = freq in ('MONTHLY', 'YEARLY') and 'BYWEEKNO' not in parts and rng.random() < 0.5
        byday = []
        for d in days:
            n = 0
            if ordinals and rng.random() < 0.8:
                if freq == 'MONTHLY' or 'BYMONTH' in parts:
                    n = rng.randint(1, 4) if rng.random() < 0.9 else 5
                else:
                    n = rng.randint(1, 5) if rng.random() < 0.7 else rng.randint(6, 53)
                if rng.random() < 0.35:
                    n = -n
                elif rng.random() < 0.1:
                    n = f'+{n}'
            byday.append((n, d))
        parts['BYDAY'] = byday

    if rng.random() < 0.3:
        parts['BYHOUR'] = some(rng, lambda: rng.randint(0, 23))
    if rng.random() < (0.4 if freq in ('SECONDLY', 'MINUTELY') else 0.25):
        parts['BYMINUTE'] = some(rng, lambda: rng.randint(0, 59))
    if rng.random() < (0.4 if freq == 'SECONDLY' else 0.15):
        parts['BYSECOND'] = some(rng, lambda: rng.randint(0, 59))

    has_by = any(name.startswith('BY') for name in parts)
    if has_by and 'BYWEEKNO' not in parts and rng.random() < 0.25:
        # Mostly positions that the period's set holds: one that is never
        # there makes a rule that never occurs, which dateutil can only find
        # out by walking every period (for SECONDLY, every second).
        units = {'SECONDLY': [], 'MINUTELY': ['BYSECOND'], 'HOURLY': ['BYMINUTE', 'BYSECOND']}.get(
            freq, ['BYHOUR', 'BYMINUTE', 'BYSECOND'])
        size = 1
        for unit in units:
            size *= len(parts.get(unit, [0]))
        if freq == 'WEEKLY':
            size *= len(parts.get('BYDAY', [0]))
        elif freq in ('MONTHLY', 'YEARLY') and any(
                day in parts for day in ('BYDAY', 'BYMONTHDAY', 'BYYEARDAY')):
            size = 3
        if freq not in SUBDAILY and rng.random() < 0.05:
            size += 1
        size = min(size, 3)
        parts['BYSETPOS'] = some(rng, lambda: rng.choice([1, -1]) * rng.randint(1, size), 2)

    if wkst is not None:
        parts['WKST'] = wkst
    return parts


# ---------------------------------------------------------------------------
# The reference

def in_iso_weeks(wall, weeks):
    """Whether `wall` is in one of the ISO 8601 weeks numbered in `weeks`
    (negative: from the end of the ISO year)."""
    year, week, _ = wall.isocalendar()
    last = datetime.date(year, 12, 28).isocalendar()[1]
    return any(week == (w if w > 0 else last + w + 1) for w in weeks)


def dateutil_walls(parts, wall0, until_wall):
    """dateutil's wall-clock times of the rule (without its COUNT and UNTIL)
    from DTSTART `wall0` up to `until_wall`, with Chroniker's documented
    choices modelled; a generator."""
    p = {k: v for k, v in parts.items() if k not in ('COUNT', 'UNTIL')}
    freq = p['FREQ']
    start = wall0
    # Choice 1
    if 'BYHOUR' in p and 'BYMINUTE' not in p and freq not in ('SECONDLY', 'MINUTELY'):
        p['BYMINUTE'] = [0]
    if ('BYHOUR' in p or 'BYMINUTE' in p) and 'BYSECOND' not in p and freq != 'SECONDLY':
        p['BYSECOND'] = [0]
    # Choice 2
    if freq == 'YEARLY' and 'BYWEEKNO' in p and 'BYDAY' not in p:
        p['BYDAY'] = [(0, WEEKDAYS[wall0.weekday()])]
    # dateutil's own bug: in BYDAY=FR,1SU it takes the days that are
    # Fridays and first Sundays (none), not the union RFC 5545 asks for.
    # Listing each plain day by position (1FR,…,5FR) is the same union.
    byday = p.get('BYDAY', [])
    if any(n for n, _ in byday) and any(not n for n, _ in byday):
        most = 5 if freq == 'MONTHLY' or 'BYMONTH' in p else 53
        p['BYDAY'] = ([(n, d) for n, d in byday if n] +
                      [(k, d) for n, d in byday if not n for k in range(1, most + 1)])
    # dateutil's own bug (dateutil PR #1537): it misnumbers the January days
    # of the previous year's last week (and, for a negative number, misses
    # the December days of the next year's week 1). Asking it for those
    # weeks too and keeping the days of the rule's ISO 8601 weeks is exact.
    weeks = p.get('BYWEEKNO')
    if weeks:
        p['BYWEEKNO'] = sorted(set(weeks) | {1, -1, 52, 53})
    # Choice 6: every ISO year, then only those on INTERVAL's grid.
    iso_interval = p.pop('INTERVAL', 1) if weeks else 1
    # Choice 3: start dateutil on the first day of DTSTART's week, at
    # DTSTART's time of day (keeping DTSTART's weekday as the default day).
    if freq == 'WEEKLY' and 'BYSETPOS' in p:
        if 'BYDAY' not in p:
            p['BYDAY'] = [(0, WEEKDAYS[wall0.weekday()])]
        wkst = WEEKDAYS.index(p.get('WKST', 'MO'))
        start = wall0 - datetime.timedelta(days=(wall0.weekday() - wkst) % 7)
    try:
        rule = du.rrulestr(format_rule(p), dtstart=start)
    except ValueError as e:
        if 'empty' in str(e):   # an INTERVAL that never meets the BY parts
            return
        raise
    # dateutil checks its `until` only against date-times it found, and
    # walks a rule that never occurs again to datetime.MAXYEAR: give it the
    # horizon's year as its MAXYEAR while it looks.
    horizon_datetime = types.SimpleNamespace(**vars(datetime))
    horizon_datetime.MAXYEAR = until_wall.year
    walls = iter(rule.replace(until=until_wall))
    while True:
        du.datetime = horizon_datetime
        try:
            wall = next(walls)
        except StopIteration:
            return
        except ValueError as e:
            if 'empty' in str(e):
                return
            raise
        finally:
            du.datetime = datetime
        if (wall >= wall0 and (not weeks or in_iso_weeks(wall, weeks)) and
                (wall.isocalendar()[0] - wall0.isocalendar()[0]) % iso_interval == 0):
            yield wall


def until_instant(parts, zone):
    """Choice 4: the instant (seconds) that a rule's UNTIL stands for, or None."""
    until = parts.get('UNTIL')
    if until is None:
        return None
    wall = datetime.datetime.strptime(until.rstrip('Z'), '%Y%m%dT%H%M%S')
    if until.endswith('Z'):
        return int(wall.replace(tzinfo=UTC).timestamp())
    return wall_to_instant(wall, zone)


def horizon(parts, dtstart):
    """Choice 5: the last instant (seconds) whose runs are compared."""
    return dtstart + int(HORIZON_YEARS[parts['FREQ']] * 365.2425 * 86400)


def expected_runs(parts, zone, dtstart, count):
    """The first `count` runs (seconds) at or after `dtstart` (seconds) and
    up to the horizon, by dateutil and the documented DST rule."""
    wall0 = local_wall(dtstart, zone)
    end = horizon(parts, dtstart)
    until = until_instant(parts, zone)
    walls = dateutil_walls(parts, wall0, local_wall(end, zone) + datetime.timedelta(days=2))
    runs = []
    for n, wall in enumerate(walls):
        if 'COUNT' in parts and n >= parts['COUNT']:
            break
        instant = wall_to_instant(wall, zone)
        if instant > end or (until is not None and instant > until):
            break
        if instant < dtstart or (runs and runs[-1] == instant):
            continue
        runs.append(instant)
        if len(runs) == count:
            break
    return runs


# ---------------------------------------------------------------------------
# Cases

def random_case(number):
    """(parts, zone name, after in µs, DTSTART in seconds) of case `number`."""
    rng = random.Random(f'{SEED}/{number}')
    zone_name = rng.choice(ZONES)
    zone = zoneinfo.ZoneInfo(zone_name)
    parts = generate_rule(rng)
    dtstart = rng.randrange(YEAR_2000, YEAR_2041)
    changes = transitions(zone, local_wall(dtstart, zone).year)
    if changes and rng.random() < 0.4:
        # Close before a change of UTC offset, so that the runs cross it
        change = rng.choice(changes)
        if parts['FREQ'] in SUBDAILY:
            unit = FREQ_SECONDS[parts['FREQ']] * parts.get('INTERVAL', 1)
            dtstart = change - rng.randint(1, 10) * unit
        else:
            # A few days before, at a time of day that the change skips or
            # repeats, which the rule keeps unless its BY parts say otherwise
            before, after = local_wall(change - 1, zone), local_wall(change, zone)
            first = min(before + datetime.timedelta(seconds=1), after)
            span = abs((after - before).total_seconds() - 1)
            wall = first + datetime.timedelta(seconds=rng.randrange(max(int(span), 1)))
            for name, value in (('BYHOUR', wall.hour), ('BYMINUTE', wall.minute),
                                ('BYSECOND', wall.second)):
                if name in parts:
                    parts[name] = sorted(set(parts[name]) | {value})
            wall -= datetime.timedelta(days=rng.choice([1, 2, 3, 7, 14]))
            dtstart = wall_to_instant(wall, zone)
    elif rng.random() < 0.4:
        dtstart -= dtstart % rng.choice([60, 900, 3600])
    # PreviewSchedule rounds `after` up to a whole second.
    after = dtstart * USEC - (rng.randint(1, USEC - 1) if rng.random() < 0.3 else 0)

    r = rng.random()
    if r < 0.15:
        parts['COUNT'] = rng.randint(1, 20)
    elif r < 0.35:
        wall0 = local_wall(dtstart, zone)
        walls = []
        for wall in dateutil_walls(parts, wall0, local_wall(horizon(parts, dtstart), zone)):
            walls.append(wall)
            if len(walls) == RUNS:
                break
        if walls and rng.random() < 0.6:
            # On a run, or a second either side of it
            until = rng.choice(walls) + datetime.timedelta(seconds=rng.choice([0, 0, -1, 1]))
        else:
            unit = FREQ_SECONDS[parts['FREQ']] * parts.get('INTERVAL', 1)
            span = rng.randint(0, 15 * unit)
            until = wall0 + datetime.timedelta(seconds=span)
        if rng.random() < 0.3:
            instant = wall_to_instant(until, zone)
            utc = datetime.datetime.fromtimestamp(instant, UTC)
            parts['UNTIL'] = utc.strftime('%Y%m%dT%H%M%SZ')
        else:
            parts['UNTIL'] = until.strftime('%Y%m%dT%H%M%S')
    return parts, zone_name, after, dtstart


class RruleReference(h.DaemonTestCase):
    def chroniker_runs(self, rule, zone_name, after, count):
        """PreviewSchedule's runs in seconds; a rule that never occurs has
        none; another refusal is returned as its message."""
        try:
            _, runs = self.bus.preview(rule, zone_name, after, count)
        except GLib.Error as e:
            remote = h.Gio.DBusError.get_remote_error(e)
            message = e.message.split(': ', 1)[-1] if remote else e.message
            if remote == h.ERROR_PREFIX + 'InvalidSchedule' and 'never occurs' in message:
                return []
            return f'refused ({remote}): {message}'
        return [r // USEC for r in runs]

    def compare(self, label, parts, zone_name, after, dtstart, count, disagreements):
        """Compares one case; appends a line to `disagreements` when they differ.
        Returns whether they agree."""
        zone = zoneinfo.ZoneInfo(zone_name)
        rule = format_rule(parts)
        want = expected_runs(parts, zone, dtstart, count)
        got = self.chroniker_runs(rule, zone_name, after, count)
        head = f'{label} {rule} in {zone_name} from {iso(dtstart, zone)}: '
        if isinstance(got, str):
            disagreements.append(head + got)
            return False
        # Chroniker's runs past the horizon are not checked (choice 5).
        end = horizon(parts, dtstart)
        got = [r for r in got if r <= end]
        if got == want:
            return True
        i = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w), min(len(got), len(want)))
        g = iso(got[i], zone) if i < len(got) else 'none'
        w = iso(want[i], zone) if i < len(want) else 'none'
        disagreements.append(head + f'run {i + 1}: Chroniker {g}, dateutil {w} '
                             f'({len(got)} vs {len(want)} runs)')
        return False

    def fail_with(self, disagreements, cases):
        listed = '\n'.join(disagreements[:MAX_LISTED])
        more = len(disagreements) - MAX_LISTED
        self.fail(f'{len(disagreements)} of {cases} cases disagree with dateutil:\n{listed}' +
                  (f'\n… and {more} more' if more > 0 else ''))

    def test_fixed_rules(self):
        # The reference itself, on the example: weeks start on
        # Thursday, so Monday 15 January's week holds Wednesday 17 January.
        zone = zoneinfo.ZoneInfo('UTC')
        start = wall_to_instant(MON_0900, zone)
        self.assertEqual([iso(r, zone)[:10] for r in
                          expected_runs(parse_rule('FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;WKST=TH'),
                                        zone, start, 3)],
                         ['2024-01-17', '2024-01-31', '2024-02-14'])

        disagreements = []
        for rule, zone_name, wall in FIXED_CASES:
            dtstart = wall_to_instant(wall, zoneinfo.ZoneInfo(zone_name))
            self.compare('fixed', parse_rule(rule), zone_name, dtstart * USEC, dtstart, RUNS,
                         disagreements)
        if disagreements:
            self.fail_with(disagreements, len(FIXED_CASES))

    def test_seeded_random_rules(self):
        began = time.monotonic()
        disagreements = []
        agreeing = 0
        for number in range(CASES):
            parts, zone_name, after, dtstart = random_case(number)
            agreeing += self.compare(f'#{number}', parts, zone_name, after, dtstart, RUNS,
                                     disagreements)
        sys.stderr.write(f'# RRULE reference (seed {SEED}): {CASES} cases, {agreeing} agree, '
                         f'{CASES - agreeing} disagree, {time.monotonic() - began:.1f} s\n')
        if disagreements:
            self.fail_with(disagreements, CASES)


if __name__ == '__main__':
    h.main()
