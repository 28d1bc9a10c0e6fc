#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""chronikerd under churn: does its memory level off?

  soak      --cycles (default 20,000) cycles over --jobs (default 50) jobs.
            A cycle takes one job, updates a few of its keys (description,
            environment, timeout, max-output-bytes, schedule, enabled) and
            runs it, waiting for RunFinished; every --recreate-every-th cycle
            (default 5) deletes the job and creates it again first. The jobs
            are small: /bin/true, /bin/false, a little output on both
            streams, a failing exit status, progress reports. The daemon's
            RSS (VmRSS) is sampled every --sample-every cycles (default 1,000;
            a tenth of the run for fewer than 10,000 cycles)
  baseline  a second chronikerd on a bus of its own, with the same jobs and
            no cycles, sampled at the same moments

The verdict: memory plateaus when the growth over the last half of the
cycles (a least-squares slope of its samples) is at most --max-growth KiB
per 1,000 cycles (default 64).

The rate is bounded so that the full run stays under ten minutes on two
cores: at most --in-flight cycles (default 4) are under way at once, so at
most that many runs, and at most --rate cycles start per second (default
50). Run it with /usr/bin/python3 (it needs python3-gi), with the real
chronikerd ($CHRONIKERD or --chronikerd):

  tests/bench/bench-soak.py [--cycles N] [--jobs N] [--seed N] ...

It shares the bus, daemon and table code of bench-daemon.py. Like the other
benchmarks it never fails on a missed target: it exits 1 only when
something could not be measured (a call failed, a run never finished, the
daemon died).
"""

import argparse
import importlib.util
import os
import platform
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


# bench-daemon.py, as the module bench_daemon (its name is no identifier).
_spec = importlib.util.spec_from_file_location(
    'bench_daemon', os.path.join(HERE, 'bench-daemon.py'))
bd = sys.modules['bench_daemon'] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bd)
from bench_daemon import (  # noqa: E402
    GLib, Gio, BUS_NAME, MANAGER_PATH, SCHEDULER_IFACE, JOB_IFACE, BenchError, spin,
    pump, make_row, print_table
)

KIB = 1024
CALL_TIMEOUT_MS = 60_000

# What the jobs run: quick, a little output, some failing, some reporting
# progress (DESIGN §4: "N/M [message]" lines on $CHRONIKER_PROGRESS_FD).
COMMANDS = [
    ('command', ['/bin/true']),
    ('command', ['/bin/false']),
    ('command', ['/bin/sh', '-c', 'echo "out $CHRONIKER_RUN_ID"; echo err >&2']),
    ('command', ['/bin/sh', '-c', 'echo failing; exit 3']),
    ('command', ['/bin/sh', '-c',
                 'echo "1/2 first half" >&"$CHRONIKER_PROGRESS_FD"; '
                 'echo "2/2 done" >&"$CHRONIKER_PROGRESS_FD"; echo progressed']),
    ('shell', 'printf "%s\\n" a b c; echo "50% half" >&"$CHRONIKER_PROGRESS_FD"'),
]

# Schedules that never come due during a run of the soak: only the cycles run jobs.
SCHEDULES = ['', '@yearly', '0 3 1 1 *', 'FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1']


def job_spec(slot, generation):
    kind, command = COMMANDS[slot % len(COMMANDS)]
    spec = {
        'name': GLib.Variant('s', f'soak-{slot:03d}'),
        'description': GLib.Variant('s', f'slot {slot}, generation {generation}'),
        kind: GLib.Variant('as' if kind == 'command' else 's', command),
        'schedule': GLib.Variant('s', SCHEDULES[slot % len(SCHEDULES)]),
        'timezone': GLib.Variant('s', 'UTC'),
        'max-runs': GLib.Variant('u', 10),
        'notify-on': GLib.Variant('s', 'never'),
        'email-on': GLib.Variant('s', 'never'),
    }
    return GLib.Variant('(a{sv})', (spec,))


def changes(rng, cycle):
    """A few keys of a job, changed."""
    pool = {
        'description': lambda: GLib.Variant('s', f'cycle {cycle} ' + 'x' * rng.randrange(200)),
        'environment': lambda: GLib.Variant('a{ss}', {f'SOAK_{i}': str(cycle)
                                                      for i in range(rng.randrange(4))}),
        'timeout': lambda: GLib.Variant('u', rng.choice((0, 30, 60, 3600))),
        'max-output-bytes': lambda: GLib.Variant('t', rng.choice((4096, 65536, 1 << 20))),
        'schedule': lambda: GLib.Variant('s', rng.choice(SCHEDULES)),
        'enabled': lambda: GLib.Variant('b', rng.random() < 0.8),
    }
    keys = rng.sample(sorted(pool), rng.randint(1, 3))
    return GLib.Variant('(a{sv})', ({key: pool[key]() for key in keys},))


def rss_kib(pid):
    return bd.proc_status(pid).get('VmRSS', 0)


def least_squares_slope(points):
    """The slope of the line that fits (x, y) points best."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx


class Bench(bd.ProcessOwner):
    program = 'bench-soak'

    def start(self, label):
        bus = self.bus(f'bus-{label}')
        daemon = self.start_daemon(label, bus)
        # Alerts are another benchmark's (bench-alerts): none here, so that
        # no run waits on a notification server that the private bus lacks.
        bus.scheduler('SetSettings', GLib.Variant('(a{sv})', ({
            'notifications': GLib.Variant('b', False)},)))
        paths = bus.create_jobs([job_spec(slot, 0) for slot in range(self.args.jobs)],
                                in_flight=8, watch=[daemon])
        return bus, daemon, paths

    def run(self):
        args = self.args
        rng = random.Random(args.seed)
        print(f'== soak: {args.cycles} cycles over {args.jobs} jobs, at most {args.in_flight} '
              f'at once and {args.rate:g}/s; RSS every {args.sample_every} ==')

        bus, daemon, paths = self.start('soak')
        base_bus, baseline, _ = self.start('baseline')
        pump(args.settle)

        samples = []   # (cycles, soak KiB, baseline KiB, seconds since the start)
        t_start = time.monotonic()

        def sample(cycles):
            samples.append((cycles, rss_kib(daemon.pid), rss_kib(baseline.pid),
                            time.monotonic() - t_start))
            cycles_, soak, base, seconds = samples[-1]
            print(f'  {cycles_:>7} cycles  {seconds:6.0f} s  RSS {soak / KIB:6.1f} MiB  '
                  f'(baseline {base / KIB:.1f} MiB)', flush=True)

        sample(0)

        finished = {}     # run id -> outcome, until its cycle takes it
        outcomes = {}
        state = {'started': 0, 'done': 0, 'pending': 0, 'error': None, 'timer': 0,
                 'runs_at_once': 0, 'runs_max': 0}
        busy = set()
        generation = [0] * args.jobs

        def finished_cb(path, params):
            finished[params[1]] = params[2]

        sub = bus.subscribe('RunFinished', finished_cb)

        def fail(what, error):
            if state['error'] is None:
                state['error'] = f'{what}: {error.message if hasattr(error, "message") else error}'

        def call(path, iface, method, params, reply, then):
            def done_cb(conn, result, _):
                try:
                    value = conn.call_finish(result).unpack()
                except GLib.Error as error:
                    fail(method, error)
                    cycle_done(None)
                    return
                then(value)

            bus.conn.call(BUS_NAME, path, iface, method, params,
                          GLib.VariantType(reply) if reply else None, Gio.DBusCallFlags.NONE,
                          CALL_TIMEOUT_MS, None, done_cb, None)

        def cycle_done(slot, outcome=None):
            if slot is not None:
                busy.discard(slot)
            if outcome is not None:
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
            state['pending'] -= 1
            state['done'] += 1
            if state['done'] % args.sample_every == 0:
                sample(state['done'])
            start_more()

        def start_cycle(cycle):
            # The next job no other cycle holds; there are more jobs than cycles in flight.
            slot = cycle % args.jobs
            while slot in busy:
                slot = (slot + 1) % args.jobs
            busy.add(slot)

            def wait_run(run_id):
                deadline = time.monotonic() + 60

                def check():
                    if run_id in finished:
                        state['runs_at_once'] -= 1
                        cycle_done(slot, finished.pop(run_id))
                        return GLib.SOURCE_REMOVE
                    if time.monotonic() > deadline:
                        fail('Run', f'run {run_id} of {paths[slot]} did not finish in 60 s')
                        cycle_done(slot)
                        return GLib.SOURCE_REMOVE
                    return GLib.SOURCE_CONTINUE

                if check() == GLib.SOURCE_CONTINUE:
                    GLib.timeout_add(5, check)

            def run(_):
                state['runs_at_once'] += 1
                state['runs_max'] = max(state['runs_max'], state['runs_at_once'])
                call(paths[slot], JOB_IFACE, 'Run', None, '(t)', lambda value: wait_run(value[0]))

            def update(_=None):
                call(paths[slot], JOB_IFACE, 'Update', changes(rng, cycle), None, run)

            def created(value):
                paths[slot] = value[0]
                update()

            if args.recreate_every and cycle % args.recreate_every == args.recreate_every - 1:
                generation[slot] += 1
                spec = job_spec(slot, generation[slot])
                call(paths[slot], JOB_IFACE, 'Delete', None, None,
                     lambda _: call(MANAGER_PATH, SCHEDULER_IFACE, 'CreateJob', spec, '(o)',
                                    created))
            else:
                update()

        def start_more():
            # At most --in-flight cycles at once, and no faster than --rate.
            while (state['error'] is None and state['pending'] < args.in_flight and
                   state['started'] < args.cycles):
                due = t_start + state['started'] / args.rate
                if time.monotonic() < due:
                    if state['timer'] == 0:
                        wait_ms = max(1, int((due - time.monotonic()) * 1000))
                        state['timer'] = GLib.timeout_add(wait_ms, timer_cb)
                    return
                cycle = state['started']
                state['started'] += 1
                state['pending'] += 1
                start_cycle(cycle)

        def timer_cb():
            state['timer'] = 0
            start_more()
            return GLib.SOURCE_REMOVE

        start_more()
        try:
            spin(lambda: state['error'] is not None or state['done'] >= args.cycles,
                 args.cycles / args.rate * 4 + 120, f'{args.cycles} cycles', [daemon, baseline])
            if state['error'] is not None:
                raise BenchError(state['error'])
        finally:
            if state['timer']:
                GLib.source_remove(state['timer'])
            bus.unsubscribe(sub)
        elapsed = time.monotonic() - t_start
        if samples[-1][0] != state['done']:
            sample(state['done'])
        pump(args.settle)
        settled = (rss_kib(daemon.pid), rss_kib(baseline.pid))
        hwm = bd.proc_status(daemon.pid).get('VmHWM', 0)
        runs_kept = len(bus.scheduler('ListRuns', GLib.Variant('(a{sv})', ({
            'limit': GLib.Variant('u', 10_000)},)), '(aa{sv})')[0])
        objects = bus.conn.call_sync(BUS_NAME, MANAGER_PATH, 'org.freedesktop.DBus.ObjectManager',
                                     'GetManagedObjects', None,
                                     GLib.VariantType('(a{oa{sa{sv}}})'), Gio.DBusCallFlags.NONE,
                                     CALL_TIMEOUT_MS, None).unpack()[0]
        daemon.stop()
        baseline.stop()
        db_size = bd.files_size(daemon.database, daemon.database + '-wal')

        print(f'\n  {state["done"]} cycles in {elapsed:.0f} s ({state["done"] / elapsed:.0f}/s), '
              f'at most {state["runs_max"]} runs at once; outcomes ' +
              ', '.join(f'{k} {v}' for k, v in sorted(outcomes.items())))
        print(f'  at the end: {len(objects)} jobs, {runs_kept} runs kept, database '
              f'{db_size / bd.MIB:.1f} MiB; peak RSS (VmHWM) {hwm / KIB:.1f} MiB; '
              f'{args.settle:g} s later RSS {settled[0] / KIB:.1f} MiB '
              f'(baseline {settled[1] / KIB:.1f} MiB)')

        # The plateau: the slope over the samples of the last half.
        half = [(c, soak) for c, soak, _, _ in samples if c >= args.cycles / 2]
        # Fewer samples than this in the last half say little: the allocator's
        # noise is about as large as the growth being looked for.
        growth = least_squares_slope(half) * 1000 if len(half) >= 5 else None
        first_half = [(c, soak) for c, soak, _, _ in samples if c <= args.cycles / 2]
        early = least_squares_slope(first_half) * 1000 if len(first_half) >= 2 else None

        rows = [make_row(f'RSS after {c:,} cycles (MiB)', soak / KIB, base / KIB)
                for c, soak, base, _ in samples]
        rows.append(make_row('peak RSS, VmHWM (MiB)', hwm / KIB, None))
        if early is not None:
            rows.append(make_row('growth, first half (KiB/1,000 cycles)', early, None))
        if growth is not None:
            rows.append(make_row('growth, last half (KiB/1,000 cycles)', growth, None,
                                 ('≤', args.max_growth, 'value')))
        print()
        print('== chronikerd soak ==')
        print(f'  {platform.node()}, {os.cpu_count()} CPUs, Linux {platform.release()}, '
              f'{time.strftime("%Y-%m-%d %H:%M:%S")}, seed {args.seed}')
        print('  baseline: an idle chronikerd with the same jobs and no cycles\n')
        print_table(rows)
        print()
        if growth is None:
            print(f'  verdict: too few samples in the last half to tell (at least 5; --cycles '
                  f'{args.cycles}, --sample-every {args.sample_every})')
        elif growth <= args.max_growth:
            print(f'  verdict: plateaus: the last half grew {growth:.1f} KiB per 1,000 cycles '
                  f'(≤ {args.max_growth:g}); {samples[-1][1] / KIB:.1f} MiB at the end')
        else:
            print(f'  verdict: does NOT plateau: the last half grew {growth:.1f} KiB per 1,000 '
                  f'cycles (> {args.max_growth:g}), {growth * args.cycles / 1000 / KIB:.1f} MiB '
                  f'per {args.cycles:,} cycles at that rate')
            if args.cycles < 10_000:
                # SQLite's page cache and the allocator's arenas fill up to
                # their bounds over the first few thousand cycles.
                print('  (a short run: its last half may still be warming up; the full '
                      '20,000 cycles tell)')
        return 0


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description='chronikerd under churn: its RSS over create/update/delete/run cycles.')
    bd.add_daemon_options(parser, containment_help="chronikerd's --containment "
                                                   '(default: its own)')
    parser.add_argument('--cycles', type=int, default=20_000, metavar='N',
                        help='cycles in all (default %(default)s)')
    parser.add_argument('--jobs', type=int, default=50, metavar='N',
                        help='jobs kept alive (default %(default)s)')
    parser.add_argument('--sample-every', type=int, default=None, metavar='N',
                        help='cycles between RSS samples (default 1000, or a tenth of '
                             'fewer than 10,000 cycles)')
    parser.add_argument('--recreate-every', type=int, default=5, metavar='N',
                        help='every Nth cycle deletes its job and creates it again '
                             '(default %(default)s; 0 never)')
    parser.add_argument('--in-flight', type=int, default=4, metavar='N',
                        help='cycles (so runs) under way at once (default %(default)s)')
    parser.add_argument('--rate', type=float, default=50, metavar='N',
                        help='cycles started per second at most (default %(default)s)')
    parser.add_argument('--settle', type=float, default=2, metavar='S',
                        help='seconds of rest before the first and after the last sample '
                             '(default %(default)s)')
    parser.add_argument('--max-growth', type=float, default=64, metavar='KIB',
                        help='the plateau bound: KiB per 1,000 cycles over the last half '
                             '(default %(default)s)')
    parser.add_argument('--seed', type=int, default=1, metavar='N',
                        help='seed of the random changes (default %(default)s)')
    args = parser.parse_args(argv)

    args.chronikerd = bd.check_program(parser, '--chronikerd/$CHRONIKERD', args.chronikerd)
    if args.sample_every is None:
        args.sample_every = 1000 if args.cycles >= 10_000 else max(1, args.cycles // 10)
    if min(args.cycles, args.jobs, args.sample_every, args.in_flight) < 1 or \
       args.recreate_every < 0 or args.rate <= 0 or args.settle < 0:
        parser.error('counts must be at least 1 (--recreate-every 0) and the rate more than 0')
    if args.in_flight >= args.jobs:
        parser.error('--in-flight must be less than --jobs: each cycle holds a job of its own')
    return args


def main(argv):
    return bd.run_bench(Bench, parse_args(argv))


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
