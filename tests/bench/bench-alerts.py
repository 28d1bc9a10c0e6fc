#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""chronikerd's alerts end to end, against baselines measured in the same run.

  check     Job1.Run -> RunFinished of an HTTP check of a local server that
            answers 200 at once; baselines: a `/bin/true` run through the same
            daemon, and a plain urllib GET of the same URL (the floor)
  mainloop  GetSettings round trips while the alerts of 50 failing runs are in
            flight: emails to an SMTP server that greets only after 5 s, then
            webhooks to an HTTP server that answers after 5 s; baseline: the
            same daemon with nothing in flight. Also the daemon's threads at
            peak, how long the deliveries took, and an HTTP check run meanwhile
  notify    200 failing runs of one job with a notification server on the bus
            (notification-daemon under Xvfb) and without one; the Notify calls
            that went out (dbus-monitor)
  memory    the daemon's RSS over 1000 failing runs that each send an email
            (fast SMTP sink) and a webhook; baseline: 1000 failing runs with
            alerts off

Everything runs on private dbus-daemons in a temporary directory, with the real
chronikerd ($CHRONIKERD or --chronikerd) and servers of our own on loopback
(this file run with --serve, and tests/mailer/smtp-server.py). Run it with
/usr/bin/python3 (it needs python3-gi and python3-aiosmtpd):

  tests/bench/bench-alerts.py [--only check,mainloop,notify,memory]
                              [--check-runs N] [--slow-jobs N] [--memory-runs N] ...

It shares the bus, daemon and table code of bench-daemon.py. Each section
prints its details and rows as it goes, and one table of every row comes at
the end. With --verbose (chronikerd's debug log) and --keep (the logs stay in
the temporary directory) it also quotes the log lines that explain the rows.
It never fails on a missed target: it exits 1 only when something could not
be measured.
"""

import argparse
import importlib.util
import json
import os
import re
import select
import shutil
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SMTP_SINK = os.path.join(HERE, '..', 'mailer', 'smtp-server.py')
NOTIFICATION_DAEMON = '/usr/lib/notification-daemon/notification-daemon'
NOTIFICATIONS_NAME = 'org.freedesktop.Notifications'
SECTIONS = ('check', 'mainloop', 'notify', 'memory')


# --- the servers (this file run with --serve, in a process of its own) -------

def serve(argv):
    """HTTP on two ports (one fast; one whose POSTs answer after --hook-delay)
    and SMTP (greeting after --smtp-delay), on 127.0.0.1. Prints the three
    ports on one line; GET /stats on the fast port says what happened. Ends
    when its stdin closes."""
    import http.server
    import socket

    parser = argparse.ArgumentParser(prog='bench-alerts.py --serve')
    parser.add_argument('--hook-delay', type=float, default=0.0)
    parser.add_argument('--smtp-delay', type=float, default=0.0)
    args = parser.parse_args(argv)

    lock = threading.Lock()
    stats = {
        'gets': 0,
        'posts': 0, 'posts_answered': 0, 'posts_in_flight': 0, 'posts_max_in_flight': 0,
        'posts_at': [], 'posts_answered_at': [],
        'smtp_connections': 0, 'smtp_in_flight': 0, 'smtp_max_in_flight': 0,
        'smtp_delivered': 0, 'smtp_connected_at': [], 'smtp_delivered_at': [],
    }

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def answer(self, status, body, content_type='text/plain'):
            data = body.encode()
            self.send_response(status)
            self.send_header('Content-Type', content_type)
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path == '/stats':
                with lock:
                    doc = json.dumps(stats)
                self.answer(200, doc, 'application/json')
            elif self.path == '/ok':
                with lock:
                    stats['gets'] += 1
                self.answer(200, 'ok\n')
            else:
                self.answer(404, 'no such page\n')

        def do_POST(self):
            self.rfile.read(int(self.headers.get('Content-Length', '0')))
            with lock:
                stats['posts'] += 1
                stats['posts_in_flight'] += 1
                stats['posts_max_in_flight'] = max(stats['posts_max_in_flight'],
                                                   stats['posts_in_flight'])
                stats['posts_at'].append(time.monotonic())
            try:
                time.sleep(self.server.delay)
                self.answer(200, 'thanks\n')
                with lock:
                    stats['posts_answered'] += 1
                    stats['posts_answered_at'].append(time.monotonic())
            except OSError:
                pass
            finally:
                with lock:
                    stats['posts_in_flight'] -= 1

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

    fast = Server(('127.0.0.1', 0), Handler)
    fast.delay = 0.0
    hook = Server(('127.0.0.1', 0), Handler)
    hook.delay = args.hook_delay

    def smtp_session(conn):
        with lock:
            stats['smtp_connections'] += 1
            stats['smtp_in_flight'] += 1
            stats['smtp_max_in_flight'] = max(stats['smtp_max_in_flight'], stats['smtp_in_flight'])
            stats['smtp_connected_at'].append(time.monotonic())
        try:
            time.sleep(args.smtp_delay)
            reader = conn.makefile('rb')
            conn.sendall(b'220 bench-alerts ESMTP\r\n')
            while True:
                line = reader.readline()
                if not line:
                    break
                verb = line[:4].upper()
                if verb in (b'EHLO', b'HELO'):
                    conn.sendall(b'250 bench-alerts\r\n')
                elif verb == b'DATA':
                    conn.sendall(b'354 End with <CRLF>.<CRLF>\r\n')
                    while line and line not in (b'.\r\n', b'.\n'):
                        line = reader.readline()
                    if not line:
                        break
                    with lock:
                        stats['smtp_delivered'] += 1
                        stats['smtp_delivered_at'].append(time.monotonic())
                    conn.sendall(b'250 OK\r\n')
                elif verb == b'QUIT':
                    conn.sendall(b'221 Bye\r\n')
                    break
                elif verb in (b'MAIL', b'RCPT', b'RSET', b'NOOP'):
                    conn.sendall(b'250 OK\r\n')
                else:
                    conn.sendall(b'502 Not implemented\r\n')
        except OSError:
            pass
        finally:
            conn.close()
            with lock:
                stats['smtp_in_flight'] -= 1

    smtp = socket.socket()
    smtp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    smtp.bind(('127.0.0.1', 0))
    smtp.listen(256)

    def smtp_accept():
        while True:
            conn, _ = smtp.accept()
            threading.Thread(target=smtp_session, args=(conn,), daemon=True).start()

    for target in (fast.serve_forever, hook.serve_forever, smtp_accept):
        threading.Thread(target=target, daemon=True).start()
    print(fast.server_address[1], hook.server_address[1], smtp.getsockname()[1], flush=True)
    while os.read(sys.stdin.fileno(), 4096):
        pass
    # Threads may be sleeping in a delay: no need to wait for them.
    os._exit(0)


if __name__ == '__main__' and sys.argv[1:2] == ['--serve']:
    serve(sys.argv[2:])


# --- what bench-daemon.py already has ----------------------------------------

# bench-daemon.py, as the module bench_daemon (its name is no identifier).
_spec = importlib.util.spec_from_file_location(
    'bench_daemon', os.path.join(HERE, 'bench-daemon.py'))
bd = sys.modules['bench_daemon'] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bd)
from bench_daemon import (  # noqa: E402
    GLib, Gio, BUS_NAME, JOB_IFACE, BenchError, spin, pump, percentile, summary_ms,
    make_row, print_table, rss_mib
)

SPEC_TYPES = {
    'name': 's', 'command': 'as', 'check-url': 's', 'check-timeout': 'u',
    'notify-on': 's', 'email-on': 's', 'email-to': 'as', 'webhook-url': 's',
}
SETTING_TYPES = {'smtp-url': 's', 'email-from': 's', 'notifications': 'b', 'webhook-url': 's'}


def job_spec(**keys):
    """A CreateJob argument; keys with dashes given with underscores."""
    spec = {}
    for key, value in keys.items():
        key = key.replace('_', '-')
        spec[key] = GLib.Variant(SPEC_TYPES[key], value)
    return GLib.Variant('(a{sv})', (spec,))


def set_settings(bus, **values):
    settings = {}
    for key, value in values.items():
        key = key.replace('_', '-')
        settings[key] = GLib.Variant(SETTING_TYPES[key], value)
    bus.scheduler('SetSettings', GLib.Variant('(a{sv})', (settings,)))


def has_owner(bus, name):
    reply = bus.conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                               'org.freedesktop.DBus', 'NameHasOwner', GLib.Variant('(s)', (name,)),
                               GLib.VariantType('(b)'), Gio.DBusCallFlags.NONE, 10_000, None)
    return reply.unpack()[0]


def thread_count(pid):
    return bd.proc_status(pid, keys=('Threads',)).get('Threads', 0)


def thread_names(pid):
    """{name: how many} of a process's threads."""
    names = {}
    try:
        tids = os.listdir(f'/proc/{pid}/task')
    except FileNotFoundError:
        return names
    for tid in tids:
        try:
            with open(f'/proc/{pid}/task/{tid}/comm') as comm:
                name = comm.read().strip()
        except FileNotFoundError:
            continue
        # GLib's pool threads are "pool-N" (or "pool-PROGRAM"): one entry for all.
        name = re.sub(r'^pool-.*', 'pool-*', name)
        names[name] = names.get(name, 0) + 1
    return names


def fmt_names(names):
    ordered = sorted(names.items(), key=lambda item: -item[1])
    return ', '.join(f'{name} {count}' for name, count in ordered)


def wall_clock(monotonic):
    """A time.monotonic() as local time HH:MM:SS.mmm, as GLib's log writes it."""
    wall = time.time() - time.monotonic() + monotonic
    return time.strftime('%H:%M:%S', time.localtime(wall)) + f'.{int(wall % 1 * 1000):03d}'


def day_seconds(monotonic):
    """A time.monotonic() as seconds since local midnight, to compare with log_seconds()."""
    wall = time.time() - time.monotonic() + monotonic
    local = time.localtime(wall)
    return local.tm_hour * 3600 + local.tm_min * 60 + local.tm_sec + wall % 1


def log_seconds(line):
    """The time of a GLib log line (HH:MM:SS.mmm, local) as seconds since midnight."""
    match = re.search(r' (\d\d):(\d\d):(\d\d\.\d\d\d): ', line)
    if match is None:
        return None
    return int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3])


def ms(values_us, p):
    return percentile(values_us, p) / 1000 if values_us else None


class ThreadSampler:
    """Samples a process's thread count every few ms in a thread of ours."""

    def __init__(self, pid, interval=0.005):
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.peak_names = {}
        self.samples = []     # (monotonic, threads)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            count = thread_count(self.pid)
            self.samples.append((time.monotonic(), count))
            if count > self.peak:
                self.peak = count
                self.peak_names = thread_names(self.pid)
            self._stop.wait(self.interval)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join()

    def peak_between(self, start, end):
        counts = [count for t, count in self.samples if start <= t <= end]
        return max(counts) if counts else None


class Servers:
    """This file run with --serve: HTTP (fast and slow-POST ports) and SMTP."""

    def __init__(self, bench, hook_delay=0.0, smtp_delay=0.0):
        self.bench = bench
        self.proc = bench.spawn([sys.executable, os.path.abspath(__file__), '--serve',
                                 '--hook-delay', str(hook_delay), '--smtp-delay', str(smtp_delay)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline().decode().split() if ready else []
        if len(line) != 3:
            raise BenchError('the test servers did not print their ports')
        self.http_port, self.hook_port, self.smtp_port = (int(p) for p in line)

    def url(self, path):
        return f'http://127.0.0.1:{self.http_port}{path}'

    def hook_url(self):
        return f'http://127.0.0.1:{self.hook_port}/hook'

    def smtp_url(self):
        return f'smtp://127.0.0.1:{self.smtp_port}'

    def stats(self):
        with urllib.request.urlopen(self.url('/stats'), timeout=10) as reply:
            return json.load(reply)

    def stop(self):
        self.proc.stdin.close()
        self.bench.end_process(self.proc, 'the test servers')


class SmtpSink:
    """tests/mailer/smtp-server.py (aiosmtpd): every message becomes DIR/N.eml."""

    def __init__(self, bench):
        self.bench = bench
        self.dir = os.path.join(bench.tmp, 'mail')
        os.makedirs(self.dir, exist_ok=True)
        # It ends when its stdin closes.
        self.proc = bench.spawn([sys.executable, SMTP_SINK, self.dir], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline().decode().strip() if ready else ''
        if not line.isdigit():
            raise BenchError(f'{SMTP_SINK} did not print its port')
        self.port = int(line)

    def url(self):
        return f'smtp://127.0.0.1:{self.port}'

    def count(self):
        return sum(1 for name in os.listdir(self.dir) if name.endswith('.eml'))

    def stop(self):
        self.proc.stdin.close()
        self.bench.end_process(self.proc, 'the SMTP sink')


class Daemon(bd.Daemon):
    """bench-daemon's, with --retry-delays, and the extra arguments of ours."""

    def argv(self):
        return super().argv() + ['--retry-delays', self.bench.args.retry_delays]

    def log_lines(self, pattern):
        try:
            with open(self.log_path, errors='replace') as f:
                return [line.rstrip('\n') for line in f if re.search(pattern, line)]
        except FileNotFoundError:
            return []


class RunWatch:
    """Runs jobs and times them, from Job1.Run to RunFinished arriving here."""

    def __init__(self, bus, daemon):
        self.bus = bus
        self.daemon = daemon
        self.finished = {}    # run id -> (outcome, perf_counter_ns when it arrived)
        self.sub = bus.subscribe('RunFinished', self._finished_cb)

    def _finished_cb(self, path, params):
        self.finished[params[1]] = (params[2], time.perf_counter_ns())

    def close(self):
        self.bus.unsubscribe(self.sub)

    def _start(self, path, replies):
        def done_cb(conn, result, path):
            try:
                replies[path] = conn.call_finish(result).unpack()[0]
            except GLib.Error as error:
                replies[path] = BenchError(f'Run: {error.message}')

        self.bus.conn.call(BUS_NAME, path, JOB_IFACE, 'Run', None, GLib.VariantType('(t)'),
                           Gio.DBusCallFlags.NONE, 60_000, None, done_cb, path)

    def run(self, path, timeout=60):
        """Runs a job and waits for it: (run id, outcome, µs from Run to RunFinished)."""
        replies = {}
        t0 = time.perf_counter_ns()
        self._start(path, replies)
        spin(lambda: path in replies and (isinstance(replies[path], Exception) or
                                          replies[path] in self.finished),
             timeout, 'a run to finish', [self.daemon])
        if isinstance(replies[path], Exception):
            raise replies[path]
        run_id = replies[path]
        outcome, t1 = self.finished.pop(run_id)
        return run_id, outcome, (t1 - t0) / 1000

    def run_all(self, paths, timeout=120):
        """Runs every job at once and waits for all of them: their run ids."""
        replies = {}
        for path in paths:
            self._start(path, replies)

        def done():
            if len(replies) < len(paths):
                return False
            for reply in replies.values():
                if isinstance(reply, Exception):
                    raise reply
            return all(reply in self.finished for reply in replies.values())

        spin(done, timeout, f'{len(paths)} runs to finish', [self.daemon])
        outcomes = {}
        for run_id in replies.values():
            outcome, _ = self.finished.pop(run_id)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        return list(replies.values()), outcomes


# --- the benchmark -----------------------------------------------------------

class Bench(bd.ProcessOwner):
    program = 'bench-alerts'
    daemon_class = Daemon
    # The test servers and the SMTP sink end when their stdin closes.
    end_last_first = True

    def __init__(self, args):
        super().__init__(args)
        self.rows = []
        self._display = None

    def say_kept(self):
        print(f'bench-alerts: kept {self.tmp} (daemon logs: chronikerd-*.log)')

    def section(self, rows):
        print()
        print_table(rows)
        sys.stdout.flush()
        self.rows += rows

    def evidence(self, daemon, patterns):
        """Prints how many lines of the daemon's log match each pattern, and the first."""
        for what, pattern in patterns:
            lines = daemon.log_lines(pattern)
            print(f'  log ({daemon.label}): {len(lines)} × {what}')
            if lines:
                print(f'    e.g. {lines[0][:200]}')

    def proxy_evidence(self, daemon, since=None):
        """With --verbose: how long GSocketClient's address enumeration (where
        the proxy lookup runs, in a GTask thread) took for each connection
        made after @since (a time.monotonic(); None: all), from the daemon's
        log. Only for connections made one at a time, as the checks' are."""
        if not self.args.verbose:
            return
        start = None
        waits = []
        for line in daemon.log_lines(r'GSocketClient: (Starting new address enumeration|'
                                     r'Address enumeration succeeded)'):
            stamp = log_seconds(line)
            if stamp is None:
                continue
            if 'Starting' in line:
                start = stamp
            elif start is not None:
                if since is None or start >= day_seconds(since):
                    waits.append((stamp - start) * 1e6)
                start = None
        if waits:
            print(f'  log ({daemon.label}): GSocketClient address enumeration (proxy lookup) '
                  f'of the checks\' connections: {summary_ms(waits)}')

    def probe(self, bus, seconds, when=None, control=None):
        """GetSettings round trips, one after the other, for @seconds: µs each.

        @when, if given, gets the monotonic time each call was sent; @control,
        if given, the µs of a GetId to the dbus-daemon after each, which shows
        the stalls that are the machine's rather than chronikerd's.
        """
        rtts = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if when is not None:
                when.append(time.monotonic())
            t0 = time.perf_counter_ns()
            try:
                bus.conn.call_sync(BUS_NAME, bd.MANAGER_PATH, bd.SCHEDULER_IFACE, 'GetSettings',
                                   None, GLib.VariantType('(a{sv})'), Gio.DBusCallFlags.NONE,
                                   60_000, None)
                rtts.append((time.perf_counter_ns() - t0) / 1000)
                if control is not None:
                    t0 = time.perf_counter_ns()
                    bus.conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                       'org.freedesktop.DBus', 'GetId', None,
                                       GLib.VariantType('(s)'), Gio.DBusCallFlags.NONE,
                                       60_000, None)
                    control.append((time.perf_counter_ns() - t0) / 1000)
            except GLib.Error as error:
                raise BenchError(f'probe: {error.message}') from None
            time.sleep(0.001)
        return rtts

    def alert_errors(self, bus, paths):
        errors = []
        for path in paths:
            errors += [run['alert-error'] for run in bus.list_runs(job=path)
                       if run.get('alert-error')]
        return errors

    # --- 1. HTTP check latency ---------------------------------------------

    def bench_check(self):
        args = self.args
        n = args.check_runs
        print(f'\n== check: {n} HTTP check runs against {n} `/bin/true` runs '
              f'and {n} urllib GETs ==')
        servers = Servers(self)
        bus = self.bus('check')
        daemon = self.start_daemon('check', bus)
        url = servers.url('/ok')
        check, true = bus.create_jobs([
            job_spec(name='check', check_url=url, notify_on='never'),
            job_spec(name='true', command=['/bin/true'], notify_on='never'),
        ], watch=[daemon])
        watch = RunWatch(bus, daemon)
        latency = {check: [], true: []}
        outcomes = {check: {}, true: {}}
        for i in range(args.warmup + n):
            # Alternated, so that both see the same machine.
            for path in ((check, true) if i % 2 else (true, check)):
                run_id, outcome, us = watch.run(path)
                if i >= args.warmup:
                    latency[path].append(us)
                    outcomes[path][outcome] = outcomes[path].get(outcome, 0) + 1
        watch.close()
        inside = {}
        for path in (check, true):
            runs = [run for run in bus.list_runs(job=path)][:n]
            inside[path] = [run['finished'] - run['started'] for run in runs]
        gets_by_daemon = servers.stats()['gets']

        floor = []
        for i in range(args.warmup + n):
            t0 = time.perf_counter_ns()
            with urllib.request.urlopen(url, timeout=30) as reply:
                reply.read()
            if i >= args.warmup:
                floor.append((time.perf_counter_ns() - t0) / 1000)
        daemon.stop()
        servers.stop()

        print(f'  outcomes: check {outcomes[check]}, /bin/true {outcomes[true]}; '
              f'the server saw {gets_by_daemon} GETs from the daemon '
              f'({args.warmup} warm-up runs each not counted)')
        print(f'  check run, Run -> RunFinished     {summary_ms(latency[check])}')
        print(f'  /bin/true run, Run -> RunFinished {summary_ms(latency[true])}')
        print(f'  urllib GET                        {summary_ms(floor)}')
        print(f'  in the daemon (finished - started, the runs max-runs kept): check '
              f'{summary_ms(inside[check])}; /bin/true {summary_ms(inside[true])}')
        if args.verbose:
            said = [int(m) * 1000 for line in daemon.log_lines(r'HTTP 200 OK in \d+ ms')
                    for m in re.findall(r'HTTP 200 OK in (\d+) ms', line)]
            print(f'  log (check): the check\'s own "HTTP 200 OK in N ms" {summary_ms(said)}')
            self.proxy_evidence(daemon)
        self.section([
            make_row('check run p50 (ms) vs /bin/true run', ms(latency[check], 50),
                     ms(latency[true], 50)),
            make_row('check run p99 (ms) vs /bin/true run', ms(latency[check], 99),
                     ms(latency[true], 99)),
            make_row('check run p50 (ms) vs urllib GET', ms(latency[check], 50), ms(floor, 50)),
            make_row('check run p99 (ms) vs urllib GET', ms(latency[check], 99), ms(floor, 99)),
        ])

    # --- 2. the main loop while deliveries are slow ----------------------------

    def bench_mainloop(self):
        failed = []
        for kind in ('email', 'webhook'):
            try:
                self.slow_delivery(kind)
            except BenchError as error:
                print(f'\nbench-alerts: mainloop ({kind}): {error}', file=sys.stderr)
                failed.append(kind)
                for daemon in self.daemons:
                    if daemon.proc is not None:
                        daemon.stop()
        if failed:
            raise BenchError(f'could not measure: {", ".join(failed)}')

    def slow_delivery(self, kind):
        args = self.args
        n = args.slow_jobs
        delay = args.slow_delay
        waits = 'greets' if kind == 'email' else 'answers'
        print(f'\n== mainloop: {n} {kind}s to a server that {waits} after {delay:g} s; '
              'GetSettings meanwhile ==')
        servers = Servers(self, hook_delay=delay if kind == 'webhook' else 0.0,
                          smtp_delay=delay if kind == 'email' else 0.0)
        bus = self.bus(f'slow-{kind}')
        daemon = self.start_daemon(f'slow-{kind}', bus)
        if kind == 'email':
            set_settings(bus, notifications=False, smtp_url=servers.smtp_url(),
                         email_from='chroniker@example.org')
            specs = [job_spec(name=f'email-{i:03d}', command=['/bin/false'], notify_on='never',
                              email_on='failure', email_to=['ops@example.org'])
                     for i in range(n)]
        else:
            # A webhook goes with notify-on; the notifications themselves are off.
            set_settings(bus, notifications=False)
            specs = [job_spec(name=f'webhook-{i:03d}', command=['/bin/false'], notify_on='failure',
                              email_on='never', webhook_url=servers.hook_url())
                     for i in range(n)]
        specs.append(job_spec(name='probe-check', check_url=servers.url('/ok'), notify_on='never'))
        paths = bus.create_jobs(specs, watch=[daemon])
        check = paths.pop()
        watch = RunWatch(bus, daemon)

        def delivered(stats):
            return stats['smtp_delivered'] if kind == 'email' else stats['posts_answered']

        sampler = ThreadSampler(daemon.pid).start()
        try:
            # The baseline: nothing in flight.
            idle_checks = [watch.run(check)[2] for _ in range(args.slow_checks)]
            pump(0.2)
            idle_threads = thread_count(daemon.pid)
            idle_names = thread_names(daemon.pid)
            idle_control = []
            idle_rtts = self.probe(bus, args.probe_seconds, control=idle_control)

            t0 = time.monotonic()
            _, outcomes = watch.run_all(paths)
            runs_done = time.monotonic()
            before = servers.stats()
            probe_start = time.monotonic()
            sent = []
            busy_control = []
            busy_rtts = self.probe(bus, args.probe_seconds, sent, busy_control)
            probe_end = time.monotonic()
            during = servers.stats()
            # An HTTP check while the deliveries are still under way.
            busy_checks = []
            for _ in range(args.slow_checks):
                if delivered(servers.stats()) >= n:
                    break
                busy_checks.append(watch.run(check, timeout=120)[2])
            deadline = t0 + args.slow_wait
            while delivered(servers.stats()) < n and time.monotonic() < deadline:
                pump(0.1)
                daemon.check_alive()
            waited = time.monotonic() - t0
            final = servers.stats()
            pump(0.5)
        finally:
            sampler.stop()
        threads_after = thread_count(daemon.pid)
        names_after = thread_names(daemon.pid)
        errors = self.alert_errors(bus, paths)
        watch.close()
        daemon.stop()
        servers.stop()

        if kind == 'email':
            connected = [t - t0 for t in final['smtp_connected_at']]
            done_at = [t - t0 for t in final['smtp_delivered_at']]
            in_flight = (f'SMTP connections open {before["smtp_in_flight"]} when the probe began, '
                         f'{during["smtp_in_flight"]} when it ended; '
                         f'at most {final["smtp_max_in_flight"]} at once')
        else:
            connected = [t - t0 for t in final['posts_at']]
            done_at = [t - t0 for t in final['posts_answered_at']]
            in_flight = (f'POSTs under way {before["posts_in_flight"]} when the probe began, '
                         f'{during["posts_in_flight"]} when it ended; '
                         f'at most {final["posts_max_in_flight"]} at once')
        count = delivered(final)
        print(f'  {n} runs finished {(runs_done - t0) * 1000:.0f} ms after the Run calls, '
              f'outcomes {outcomes}')
        print(f'  {in_flight}')
        if connected:
            arrivals = [sum(1 for t in connected if t <= edge) for edge in (0.5, 1, 2, 3, 5, 10)]
            print('  connections reaching the server by 0.5/1/2/3/5/10 s: ' +
                  '/'.join(str(a) for a in arrivals) + f' (of {len(connected)})')
        print(f'  delivered: {count} of {n} in {waited:.1f} s' +
              (f', the last {max(done_at):.1f} s after the runs' if done_at else '') +
              f'; alert errors recorded: {len(errors)}' +
              (f' (e.g. {errors[0]!r})' if errors else ''))
        print(f'  GetSettings, idle          {summary_ms(idle_rtts)}')
        print(f'    control: dbus-daemon GetId after each, {summary_ms(idle_control)}')
        print(f'  GetSettings, in flight     {summary_ms(busy_rtts)}')
        print(f'    control: dbus-daemon GetId after each, {summary_ms(busy_control)}')
        if busy_rtts:
            slowest = max(range(len(busy_rtts)), key=lambda i: busy_rtts[i])
            print(f'    the slowest sent {sent[slowest] - t0:.3f} s after the Run calls, at '
                  f'{wall_clock(sent[slowest])} (local time, as in the daemon\'s log)')
        print(f'  HTTP check run, idle       {summary_ms(idle_checks)}')
        print(f'  HTTP check run, in flight  {summary_ms(busy_checks)}')
        print(f'  threads: idle {idle_threads} ({fmt_names(idle_names)}); peak {sampler.peak} '
              f'({fmt_names(sampler.peak_names)}); during the probe up to '
              f'{sampler.peak_between(probe_start, probe_end)}; at the end {threads_after} '
              f'({fmt_names(names_after)})')
        if kind == 'email':
            self.evidence(daemon, [('SMTP try failed and retried', r'Try \d+ failed'),
                                   ('email given up', r'Email could not be sent')])
            self.proxy_evidence(daemon, t0)
        else:
            self.evidence(daemon, [('webhook try failed and retried', r'Try \d+ failed'),
                                   ('try timed out', r'No response within'),
                                   ('webhook given up', r'Webhook could not be posted')])

        self.section([
            make_row(f'GetSettings p50, {n} {kind}s in flight (ms)', ms(busy_rtts, 50),
                     ms(idle_rtts, 50)),
            make_row(f'GetSettings p99, {n} {kind}s in flight (ms)', ms(busy_rtts, 99),
                     ms(idle_rtts, 99), ('≤', 10, 'value')),
            make_row(f'GetSettings max, {n} {kind}s in flight (ms)',
                     max(busy_rtts) / 1000 if busy_rtts else None,
                     max(idle_rtts) / 1000 if idle_rtts else None, ('≤', 100, 'value')),
            make_row(f'chronikerd threads at peak, {kind}s', sampler.peak, idle_threads),
            make_row(f'HTTP check run, {kind}s in flight, max (ms)',
                     max(busy_checks) / 1000 if busy_checks else None,
                     max(idle_checks) / 1000 if idle_checks else None),
            make_row(f'{kind}s delivered in {waited:.0f} s (of {n})', count, n),
            make_row(f'last {kind} delivered after (s) vs delay',
                     max(done_at) if count >= n and done_at else None, delay),
        ])

    # --- 3. notifications ------------------------------------------------------

    def display(self):
        """The X display for notification-daemon: $DISPLAY, or an Xvfb of ours."""
        if self._display is not None:
            return self._display
        if os.environ.get('DISPLAY'):
            self._display = os.environ['DISPLAY']
            return self._display
        if shutil.which('Xvfb') is None:
            raise BenchError('no $DISPLAY and no Xvfb')
        read_fd, write_fd = os.pipe()
        with open(os.path.join(self.tmp, 'xvfb.log'), 'w') as log:
            self.spawn(['Xvfb', '-displayfd', str(write_fd), '-nolisten', 'tcp',
                        '-screen', '0', '1280x800x24'],
                       pass_fds=(write_fd,), stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        os.close(write_fd)
        with os.fdopen(read_fd, 'rb') as r:
            ready, _, _ = select.select([r], [], [], 30)
            number = r.readline().decode().strip() if ready else ''
        if not number.isdigit():
            raise BenchError('Xvfb did not say its display')
        self._display = f':{number}'
        return self._display

    def notify_variant(self, with_server):
        args = self.args
        n = args.notify_runs
        label = 'notify-server' if with_server else 'notify-none'
        bus = self.bus(label)
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=bus.address)
        monitor_log = os.path.join(self.tmp, f'{label}-monitor.log')
        with open(monitor_log, 'wb') as log:
            monitor = self.spawn(['dbus-monitor', '--address', bus.address,
                                  f"type='method_call',interface='{NOTIFICATIONS_NAME}'"],
                                 env=env, stdin=subprocess.DEVNULL, stdout=log,
                                 stderr=subprocess.DEVNULL)
        # It prints its own NameAcquired (and NameLost) once it listens.
        deadline = time.monotonic() + 10
        while os.path.getsize(monitor_log) == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        server = None
        if with_server:
            env['DISPLAY'] = self.display()
            env['GDK_BACKEND'] = 'x11'
            env['NO_AT_BRIDGE'] = '1'
            with open(os.path.join(self.tmp, 'notification-daemon.log'), 'w') as log:
                server = self.spawn([NOTIFICATION_DAEMON], env=env, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=log)
            deadline = time.monotonic() + 20
            while not has_owner(bus, NOTIFICATIONS_NAME):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise BenchError('notification-daemon did not take its name')
                time.sleep(0.05)
        elif has_owner(bus, NOTIFICATIONS_NAME):
            raise BenchError(f'{NOTIFICATIONS_NAME} has an owner on a bus of ours')

        daemon = self.start_daemon(label, bus)
        path = bus.create_jobs([job_spec(name='flaky', command=['/bin/false'],
                                         notify_on='failure')], watch=[daemon])[0]
        watch = RunWatch(bus, daemon)
        latency = []
        outcomes = {}
        t0 = time.monotonic()
        for _ in range(n):
            _, outcome, us = watch.run(path)
            latency.append(us)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        total = time.monotonic() - t0
        pump(args.notify_settle)
        watch.close()
        alive = server is None or server.poll() is None
        threads = thread_names(daemon.pid)
        daemon.stop()
        if server is not None:
            self.end_process(server, 'notification-daemon')
        self.end_process(monitor, 'dbus-monitor')
        with open(monitor_log, errors='replace') as f:
            text = f.read()
        calls = {member: len(re.findall(rf'member={member}\b', text))
                 for member in ('Notify', 'GetCapabilities', 'GetServerInformation')}
        return {'latency': latency, 'total': total, 'outcomes': outcomes, 'calls': calls,
                'daemon': daemon, 'alive': alive, 'threads': threads}

    def bench_notify(self):
        args = self.args
        n = args.notify_runs
        print(f'\n== notify: {n} failing runs of one job, with a notification server '
              'and without ==')
        if not os.access(NOTIFICATION_DAEMON, os.X_OK):
            raise BenchError(f'{NOTIFICATION_DAEMON} is missing: run build-aux/install-deps')
        server = self.notify_variant(True)
        none = self.notify_variant(False)
        for what, result in (('with notification-daemon', server), ('without a server', none)):
            print(f'  {what}: {result["total"]:.2f} s for {n} runs, {result["outcomes"]}; '
                  f'per run {summary_ms(result["latency"])}')
            print(f'    calls to {NOTIFICATIONS_NAME} in {args.notify_settle:g} s after: ' +
                  ', '.join(f'{k} {v}' for k, v in result['calls'].items()) +
                  f'; daemon threads {fmt_names(result["threads"])}')
        if not server['alive']:
            print('  warning: notification-daemon died during the runs', file=sys.stderr)
        for result in (server, none):
            self.evidence(result['daemon'], [('run that wants a notification', r'notify 1'),
                                             ('warning', r'WARNING')])
        self.section([
            make_row(f'{n} failing runs, notification server (s)', server['total'], none['total']),
            make_row('  per run p50 (ms), server vs none', ms(server['latency'], 50),
                     ms(none['latency'], 50)),
            make_row('  per run p99 (ms), server vs none', ms(server['latency'], 99),
                     ms(none['latency'], 99)),
            make_row(f'Notify calls for {n} failures, server', server['calls']['Notify'], None,
                     ('≤', 2, 'value')),
            make_row(f'Notify attempts for {n} failures, none',
                     none['calls']['Notify'] + none['calls']['GetCapabilities'], None,
                     ('≤', 2, 'value')),
        ])

    # --- 4. memory --------------------------------------------------------------

    def memory_variant(self, alerts, sink, servers):
        args = self.args
        n = args.memory_runs
        label = 'memory-alerts' if alerts else 'memory-off'
        bus = self.bus(label)
        # Every failing run mails and posts: flood control, which holds a job's
        # failures back to one message and a summary each 10 min, is left out.
        daemon = self.daemon(label, bus)
        daemon.env['CHK_TEST_ALERT_WINDOW_MS'] = '0'
        daemon.start()
        if alerts:
            set_settings(bus, notifications=False, smtp_url=sink.url(),
                         email_from='chroniker@example.org')
            spec = job_spec(name='leaky', command=['/bin/false'], notify_on='failure',
                            email_on='failure', email_to=['ops@example.org'],
                            webhook_url=servers.hook_url())
        else:
            spec = job_spec(name='leaky', command=['/bin/false'], notify_on='never',
                            email_on='never')
        path = bus.create_jobs([spec], watch=[daemon])[0]
        watch = RunWatch(bus, daemon)
        mails0 = sink.count()
        posts0 = servers.stats()['posts_answered']

        def wait_deliveries(expected):
            if not alerts:
                return
            deadline = time.monotonic() + args.memory_deliver_timeout
            while (sink.count() - mails0 < expected or
                   servers.stats()['posts_answered'] - posts0 < expected):
                if time.monotonic() > deadline:
                    raise BenchError(f'{sink.count() - mails0} emails and '
                                     f'{servers.stats()["posts_answered"] - posts0} webhooks of '
                                     f'{expected} after {args.memory_deliver_timeout} s')
                pump(0.05)
                daemon.check_alive()

        # Warm-up: the first runs fill caches, the pool and the SQLite page cache.
        for _ in range(args.memory_warmup):
            watch.run(path)
        wait_deliveries(args.memory_warmup)
        pump(args.memory_settle)
        rss = [(0, rss_mib(daemon.pid))]
        sampler = ThreadSampler(daemon.pid, interval=0.02).start()
        t0 = time.monotonic()
        try:
            step = max(1, n // 4)
            for i in range(1, n + 1):
                watch.run(path)
                if i % step == 0 and i < n:
                    rss.append((i, rss_mib(daemon.pid)))
            runs_seconds = time.monotonic() - t0
            wait_deliveries(args.memory_warmup + n)
            deliver_seconds = time.monotonic() - t0
            pump(args.memory_settle)
        finally:
            sampler.stop()
        rss.append((n, rss_mib(daemon.pid)))
        hwm = bd.proc_status(daemon.pid).get('VmHWM', 0) / 1024
        errors = self.alert_errors(bus, [path])
        watch.close()
        daemon.stop()
        return {'rss': rss, 'growth': rss[-1][1] - rss[0][1], 'hwm': hwm,
                'runs_seconds': runs_seconds, 'deliver_seconds': deliver_seconds,
                'threads': sampler.peak, 'names': sampler.peak_names, 'errors': errors,
                'daemon': daemon}

    def bench_memory(self):
        args = self.args
        n = args.memory_runs
        print(f'\n== memory: RSS over {n} failing runs, each with an email and a webhook, '
              'against runs with alerts off ==')
        sink = SmtpSink(self)
        servers = Servers(self)
        try:
            off = self.memory_variant(False, sink, servers)
            alerts = self.memory_variant(True, sink, servers)
        finally:
            sink.stop()
            servers.stop()
        for what, result in (('alerts on', alerts), ('alerts off', off)):
            print(f'  {what}: RSS by runs ' +
                  ', '.join(f'{i}: {mib:.2f}' for i, mib in result['rss']) +
                  f' MiB; VmHWM {result["hwm"]:.1f} MiB; {n} runs in {result["runs_seconds"]:.1f} s'
                  + (f', delivered by {result["deliver_seconds"]:.1f} s' if what == 'alerts on'
                     else '') +
                  f'; threads at peak {result["threads"]} ({fmt_names(result["names"])})')
        print(f'  alert errors in the runs kept (max-runs): {len(alerts["errors"])}' +
              (f' (e.g. {alerts["errors"][0]!r})' if alerts['errors'] else ''))
        half = [mib for i, mib in alerts['rss'] if i >= n // 2]
        late = half[-1] - half[0] if len(half) >= 2 else None
        half_off = [mib for i, mib in off['rss'] if i >= n // 2]
        late_off = half_off[-1] - half_off[0] if len(half_off) >= 2 else None
        self.evidence(alerts['daemon'], [('warning', r'WARNING')])
        self.section([
            make_row(f'RSS growth over {n} runs (MiB), alerts on/off', alerts['growth'],
                     off['growth']),
            make_row('  of which the second half (MiB)', late, late_off),
            make_row('extra RSS per 1000 alert runs (MiB)',
                     (alerts['growth'] - off['growth']) * 1000 / n, None, ('≤', 1, 'value')),
            make_row(f'{n} runs (s), alerts on/off', alerts['runs_seconds'], off['runs_seconds']),
            make_row('chronikerd threads at peak, alerts on/off', alerts['threads'],
                     off['threads']),
        ])

    def run(self):
        return self.run_sections('chronikerd alerts')


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description='chronikerd alerts: HTTP check latency, the main loop under slow '
                    'deliveries, notifications, memory.')
    bd.add_only_option(parser, SECTIONS)
    bd.add_daemon_options(parser)
    parser.add_argument('--retry-delays', default='50,50', metavar='MS,MS',
                        help="chronikerd's --retry-delays (default %(default)s)")
    parser.add_argument('--warmup', type=int, default=5, metavar='N',
                        help='uncounted runs before the check timings (default %(default)s)')
    parser.add_argument('--check-runs', type=int, default=200, metavar='N')
    parser.add_argument('--slow-jobs', type=int, default=50, metavar='N',
                        help='failing jobs whose alerts go to the slow servers '
                             '(default %(default)s)')
    parser.add_argument('--slow-delay', type=float, default=5, metavar='S',
                        help='how long the slow servers wait (default %(default)s)')
    parser.add_argument('--probe-seconds', type=float, default=3, metavar='S',
                        help='GetSettings probe window, idle and busy (default %(default)s)')
    parser.add_argument('--slow-checks', type=int, default=3, metavar='N',
                        help='HTTP check runs idle and while deliveries are slow '
                             '(default %(default)s)')
    parser.add_argument('--slow-wait', type=float, default=20, metavar='S',
                        help='how long to wait for the slow deliveries (default %(default)s)')
    parser.add_argument('--notify-runs', type=int, default=200, metavar='N')
    parser.add_argument('--notify-settle', type=float, default=1, metavar='S',
                        help='how long Notify calls are counted after the runs '
                             '(default %(default)s)')
    parser.add_argument('--memory-runs', type=int, default=1000, metavar='N')
    parser.add_argument('--memory-warmup', type=int, default=50, metavar='N')
    parser.add_argument('--memory-settle', type=float, default=1, metavar='S')
    parser.add_argument('--memory-deliver-timeout', type=float, default=120, metavar='S')
    args = parser.parse_args(argv)

    bd.check_only(parser, args, SECTIONS)
    args.chronikerd = bd.check_program(parser, '--chronikerd/$CHRONIKERD', args.chronikerd)
    if min(args.check_runs, args.slow_jobs, args.notify_runs, args.memory_runs) < 1 or \
       min(args.warmup, args.slow_checks, args.memory_warmup) < 0 or \
       min(args.slow_delay, args.probe_seconds, args.slow_wait) <= 0:
        parser.error('counts must be at least 1 (warm-ups 0) and times more than 0')
    return args


def main(argv):
    return bd.run_bench(Bench, parse_args(argv), needs=('dbus-daemon', 'dbus-monitor'))


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
