#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Alerts through chronikerd: email over SMTP (a real aiosmtpd server) and
through a stub sendmail, HTTP checks and webhooks against a real HTTP server on
loopback, monitors that alert on changes of state only, and desktop
notifications shown by a real notification server (notification-daemon under
the test's X server)."""

import email
import email.policy
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time

import chkharness as h
from chkharness import GLib

NOTIFICATION_DAEMON = '/usr/lib/notification-daemon/notification-daemon'
FAST_RETRIES = ['--retry-delays', '50,50']


# ---------------------------------------------------------------------------
# A real HTTP server on loopback, in a thread of the test process

class Web:
    """Answers /ok, /fail, /slow, /wrong and /flip (whose answer the test sets),
    and records what is POSTed to /hook."""

    def __init__(self):
        self.hooks = []
        self.flip_ok = True
        self.lock = threading.Lock()
        web = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status, body):
                data = body.encode()
                self.send_response(status)
                self.send_header('Content-Type', 'text/plain')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == '/ok':
                    self.answer(200, 'all good\n')
                elif self.path == '/fail':
                    self.answer(500, 'broken\n')
                elif self.path == '/slow':
                    time.sleep(5)
                    with_suppressed(lambda: self.answer(200, 'late\n'))
                elif self.path == '/wrong':
                    self.answer(200, 'something else\n')
                elif self.path == '/flip':
                    with web.lock:
                        ok = web.flip_ok
                    self.answer(200 if ok else 503, 'ok\n' if ok else 'down\n')
                else:
                    self.answer(404, 'no such page\n')

            def do_POST(self):
                length = int(self.headers.get('Content-Length', '0'))
                body = self.rfile.read(length)
                with web.lock:
                    web.hooks.append((self.path, dict(self.headers), body))
                self.answer(200 if self.path == '/hook' else 500, 'thanks\n')

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f'http://127.0.0.1:{self.port}{path}'

    def received(self):
        with self.lock:
            return list(self.hooks)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def with_suppressed(func):
    try:
        func()
    except OSError:
        pass


def closed_port():
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class AlertTestCase(h.DaemonTestCase):
    start_daemon = False
    daemon_args = FAST_RETRIES

    def setUp(self):
        super().setUp()
        self.web = Web()
        self.addCleanup(self.web.stop)
        self.mail_dir = os.path.join(self.tmp, 'mail')
        os.makedirs(self.mail_dir)
        self.smtp = None
        self.hostname = socket.gethostname()

    def start(self, *extra):
        self.daemon = self.start_chronikerd(*self.daemon_args, *extra)

    def start_smtp(self):
        self.smtp, port = self.start_smtp_server(self.mail_dir)
        return port

    def messages(self):
        names = sorted((n for n in os.listdir(self.mail_dir) if n.endswith('.eml')),
                       key=lambda n: int(n.split('.')[0]))
        out = []
        for n in names:
            with open(os.path.join(self.mail_dir, n), 'rb') as f:
                out.append(email.message_from_bytes(f.read(), policy=email.policy.default))
        return out

    def wait_messages(self, count, timeout=20):
        return h.wait_until(lambda: self.messages() if len(self.messages()) >= count else None,
                            timeout, f'{count} email(s) to arrive', poll=0.05)


# ---------------------------------------------------------------------------

class Email(AlertTestCase):
    def setUp(self):
        super().setUp()
        self.smtp_port = self.start_smtp()
        self.start()
        self.bus.set_settings({'smtp-url': f'smtp://127.0.0.1:{self.smtp_port}',
                               'email-from': 'chroniker@example.org'})

    def test_libcurl_is_loaded_at_the_first_mail(self):
        # libcurl and what it brings are a module's, which daemons that send no
        # mail over SMTP never load (chk-module.c)
        self.assertFalse(h.maps_library(self.daemon.pid, 'libcurl.so'))
        path = self.make_job('Backup', command=['/bin/false'], email_on='failure',
                             email_to=['ops@example.org'])
        self.run_and_wait(path)
        self.wait_messages(1)
        self.assertTrue(h.maps_library(self.daemon.pid, 'libcurl.so'))

    def test_failure_report_headers_and_body(self):
        path = self.make_job('Backup', command=self.sh('echo copied 3 files; echo disk full >&2; exit 3'),
                             email_on='failure', email_to=['ops@example.org', 'me@example.org'])
        run_id, outcome, code = self.run_and_wait(path)
        self.assertEqual((outcome, code), ('failure', 3))
        [msg] = self.wait_messages(1)
        self.assertEqual(msg['From'], 'chroniker@example.org')
        self.assertIn('ops@example.org', msg['To'])
        self.assertIn('me@example.org', msg['To'])
        self.assertEqual(str(msg['Subject']), f'[Chroniker] Failure: Backup on {self.hostname}')
        self.assertIsNotNone(msg['Date'])
        self.assertRegex(msg['Message-ID'], r'^<[^<>@\s]+@[^<>@\s]+>$')
        with open(os.path.join(self.mail_dir, '1.env')) as f:
            envelope = f.read().split()
        self.assertEqual(envelope, ['chroniker@example.org', 'ops@example.org', 'me@example.org'])
        body = msg.get_content()
        self.assertIn('Backup', body)
        self.assertRegex(body, r'Exit code:\s+3')
        self.assertIn('disk full', body)
        self.assertIn('copied 3 files', body)
        self.assertIn(self.hostname, body)
        run = self.bus.get_run(run_id)
        self.assertEqual(run['alert-error'], '')
        self.assertEqual(self.bus.prop(path, 'LastAlertError'), '')

    def test_retried_failure_mailed_once_after_the_last_attempt(self):
        path = self.make_job('Flaky', command=self.sh('echo attempt failed >&2; exit 4'),
                             retries=2, retry_delay=0, email_on='failure',
                             email_to=['ops@example.org'])
        mark = self.bus.mark()
        self.bus.run(path)
        h.wait_until(lambda: len(self.bus.run_finished_events(path, mark)) >= 3, 15,
                     'three attempts')
        [msg] = self.wait_messages(1)
        time.sleep(0.5)
        self.assertEqual(len(self.messages()), 1, 'one email for three failed attempts')
        body = msg.get_content()
        self.assertIn('Tried 3 times', body)
        self.assertIn('attempt failed', body)
        # It is about the last attempt
        last = max(self.bus.job_runs(path), key=lambda r: r['id'])
        self.assertEqual(last['attempt'], 3)
        self.assertEqual(last['alert-error'], '')

    def test_success_sends_nothing_under_email_on_failure(self):
        ok = self.make_job('quiet', command=['/bin/true'], email_on='failure',
                           email_to=['ops@example.org'])
        self.assertEqual(self.run_and_wait(ok)[1], 'success')
        # A failing run after it does mail: had the success mailed too, it would be first.
        bad = self.make_job('loud', command=['/bin/false'], email_on='failure',
                            email_to=['ops@example.org'])
        self.assertEqual(self.run_and_wait(bad)[1], 'failure')
        msgs = self.wait_messages(1)
        time.sleep(0.5)
        msgs = self.messages()
        self.assertEqual(len(msgs), 1)
        self.assertIn('loud', str(msgs[0]['Subject']))

    def test_email_on_always_and_never(self):
        always = self.make_job('always', command=['/bin/true'], email_on='always',
                               email_to=['a@example.org'])
        never = self.make_job('never', command=['/bin/false'], email_on='never',
                              email_to=['a@example.org'])
        self.run_and_wait(never)
        self.run_and_wait(always)
        [msg] = self.wait_messages(1)
        self.assertEqual(str(msg['Subject']), f'[Chroniker] Success: always on {self.hostname}')
        time.sleep(0.5)
        self.assertEqual(len(self.messages()), 1)

    def test_utf8_name_and_binary_output(self):
        path = self.make_job('Sauvegarde – été', email_on='failure', email_to=['a@example.org'],
                             command=self.sh(r"printf 'caf\303\251 \377\376 ok\n' >&2; exit 1"))
        self.run_and_wait(path)
        [msg] = self.wait_messages(1)
        self.assertIn('Sauvegarde – été', str(msg['Subject']))
        body = msg.get_content()
        self.assertIn('café', body)
        self.assertIn('\ufffd', body)

    def test_huge_output_is_cut_with_a_note(self):
        path = self.make_job('chatty', email_on='failure', email_to=['a@example.org'],
                             command=self.sh('head -c 3000000 /dev/zero | tr "\\0" x >&2; '
                                             'echo; echo THE-END >&2; exit 1'))
        self.run_and_wait(path, timeout=30)
        [msg] = self.wait_messages(1)
        body = msg.get_content()
        self.assertIn('THE-END', body)
        self.assertIn('cut', body)
        self.assertLess(len(body), 64 * 1024)

    def test_header_injection_refused(self):
        with self.assert_error('InvalidArgument', 'email-to'):
            self.make_job('inject', email_to=['a@example.org\r\nBcc: x@evil.example'])
        path = self.make_job('plain', email_to=['a@example.org'])
        with self.assert_error('InvalidArgument', 'email-to'):
            self.bus.update(path, {'email-to': ['a@example.org>, <x@evil.example']})
        with self.assert_error('InvalidArgument', 'address'):
            self.bus.sched('SendTestEmail', GLib.Variant('(s)', ('a@example.org\nBcc: x@e.org',)),
                           timeout_ms=60000)
        self.assertEqual(self.bus.prop(path, 'EmailTo'), ['a@example.org'])
        self.assertEqual(self.messages(), [])

    def test_send_test_email(self):
        self.bus.sched('SendTestEmail', GLib.Variant('(s)', ('tester@example.org',)), timeout_ms=60000)
        [msg] = self.wait_messages(1)
        self.assertEqual(msg['To'], 'tester@example.org')
        self.assertIn('Test email', str(msg['Subject']))
        self.assertIn('Chroniker', msg.get_content())

    def test_undeliverable_is_visible_then_clears(self):
        port = closed_port()
        self.bus.set_settings({'smtp-url': f'smtp://127.0.0.1:{port}'})
        with self.assert_error('DeliveryFailed', 'test email'):
            self.bus.sched('SendTestEmail', GLib.Variant('(s)', ('a@example.org',)), timeout_ms=60000)

        path = self.make_job('doomed', command=['/bin/false'], email_on='failure',
                             email_to=['a@example.org'])
        run_id, _, _ = self.run_and_wait(path)
        error = self.bus.wait_prop(path, 'LastAlertError', lambda v: v != '', timeout=20)
        self.assertIn('mail', error.lower())
        h.wait_until(lambda: self.bus.get_run(run_id)['alert-error'] != '', 10, 'alert-error')
        self.assertIn('mail', self.bus.get_run(run_id)['alert-error'].lower())
        self.assert_daemon_alive()

        # Kept across a restart, from the run record
        self.restart_daemon(*FAST_RETRIES)
        path = self.bus.get_job_by_name('doomed')
        self.assertEqual(self.bus.prop(path, 'LastAlertError'), error)

        # Fixed: the next delivery clears it
        self.bus.set_settings({'smtp-url': f'smtp://127.0.0.1:{self.smtp_port}'})
        self.run_and_wait(path)
        self.wait_messages(1)
        self.bus.wait_prop(path, 'LastAlertError', '', timeout=20)


class OnceEmail(AlertTestCase):
    def test_once_waits_for_its_emails(self):
        port = self.start_smtp()
        self.start()
        self.bus.set_settings({'smtp-url': f'smtp://127.0.0.1:{port}'})
        start = h.now_usec() + 2 * h.USEC
        self.make_job('cron-line', schedule='FREQ=SECONDLY;COUNT=1', start=start,
                      command=['/bin/false'], email_on='failure', email_to=['root@example.org'])
        self.assertEqual(self.daemon.terminate(), 0)
        self.wait_no_owner()
        time.sleep(max(0, (start - h.now_usec()) / h.USEC + 0.5))

        once = subprocess.run(self.daemon_command('--once', *FAST_RETRIES), env=self.env,
                              timeout=60, stdin=subprocess.DEVNULL, capture_output=True)
        self.assertEqual(once.returncode, 0, once.stderr.decode(errors='replace'))
        # Delivered before it exited, not lost with it
        msgs = self.messages()
        self.assertEqual(len(msgs), 1, (once.stdout + once.stderr).decode(errors='replace')[-3000:])
        self.assertIn('cron-line', str(msgs[0]['Subject']))


class Sendmail(AlertTestCase):
    def setUp(self):
        super().setUp()
        stub_dir = os.path.join(self.tmp, 'bin')
        os.makedirs(stub_dir)
        self.spool = os.path.join(self.tmp, 'spool')
        os.makedirs(self.spool)
        stub = os.path.join(stub_dir, 'sendmail')
        with open(stub, 'w') as f:
            f.write('#!/bin/sh\n'
                    f'n=$(ls {self.spool} | wc -l)\n'
                    f'printf "%s\\n" "$@" > {self.spool}/$n.args\n'
                    f'cat > {self.spool}/$n.tmp && mv {self.spool}/$n.tmp {self.spool}/$n.eml\n')
        os.chmod(stub, 0o755)
        self.env['PATH'] = stub_dir + ':' + self.env.get('PATH', '/usr/bin:/bin')
        self.start()

    def spooled(self):
        return sorted(n for n in os.listdir(self.spool) if n.endswith('.eml'))

    def test_failure_piped_to_sendmail(self):
        path = self.make_job('nightly', command=self.sh('echo nope >&2; exit 2'),
                             email_on='failure', email_to=['root@example.org'])
        self.run_and_wait(path)
        [name] = h.wait_until(lambda: self.spooled() or None, 20, 'sendmail to be run', poll=0.05)
        with open(os.path.join(self.spool, name), 'rb') as f:
            msg = email.message_from_bytes(f.read(), policy=email.policy.default)
        self.assertEqual(msg['To'], 'root@example.org')
        self.assertEqual(str(msg['Subject']), f'[Chroniker] Failure: nightly on {self.hostname}')
        self.assertIn('nope', msg.get_content())
        with open(os.path.join(self.spool, name.replace('.eml', '.args'))) as f:
            args = f.read().split()
        self.assertIn('-t', args)
        self.assertEqual(self.bus.prop(path, 'LastAlertError'), '')

    def test_success_not_piped(self):
        path = self.make_job('fine', command=['/bin/true'], email_on='failure',
                             email_to=['root@example.org'])
        self.run_and_wait(path)
        self.bus.sched('SendTestEmail', GLib.Variant('(s)', ('me@example.org',)), timeout_ms=60000)
        # The test email is the only thing sendmail got
        names = h.wait_until(lambda: self.spooled() or None, 20, 'sendmail to be run', poll=0.05)
        time.sleep(0.3)
        names = self.spooled()
        self.assertEqual(len(names), 1)
        with open(os.path.join(self.spool, names[0]), 'rb') as f:
            self.assertIn(b'To: me@example.org', f.read())


# ---------------------------------------------------------------------------

class HttpChecks(AlertTestCase):
    def setUp(self):
        super().setUp()
        self.start()

    def check(self, url, **spec):
        path = self.make_job(check_url=url, notify_on='never', **spec)
        run_id, outcome, code = self.run_and_wait(path, timeout=20)
        return path, run_id, outcome, self.bus.get_run(run_id)

    def test_libsoup_is_loaded_at_the_first_check(self):
        # libsoup and what it brings are a module's, which daemons that check no
        # URL and post no webhook never load (chk-module.c)
        self.assertFalse(h.maps_library(self.daemon.pid, 'libsoup-3.0.so'))
        _, _, outcome, _ = self.check(self.web.url('/ok'))
        self.assertEqual(outcome, 'success')
        self.assertTrue(h.maps_library(self.daemon.pid, 'libsoup-3.0.so'))

    def test_ok(self):
        path, run_id, outcome, run = self.check(self.web.url('/ok'))
        self.assertEqual(outcome, 'success')
        self.assertEqual(run['http-status'], 200)
        self.assertEqual(run['exit-code'], 0)
        self.assertEqual(run['pid'], 0)
        self.assertGreaterEqual(run['finished'], run['started'])
        self.assertEqual(self.bus.output(run_id)['stdout'], b'all good\n')
        p = self.bus.props(path)
        self.assertEqual(p['CheckUrl'], self.web.url('/ok'))
        self.assertEqual(p['Command'], [])
        self.assertEqual(p['CheckExpectStatus'], 200)
        self.assertEqual(p['CheckTimeout'], 30)

    def test_server_error_fails(self):
        _, run_id, outcome, run = self.check(self.web.url('/fail'))
        self.assertEqual(outcome, 'failure')
        self.assertEqual(run['http-status'], 500)
        out = self.bus.output(run_id)
        self.assertIn(b'500', out['stderr'])
        self.assertIn(b'200', out['stderr'])
        self.assertEqual(out['stdout'], b'broken\n')

    def test_expected_status(self):
        _, _, outcome, run = self.check(self.web.url('/fail'), check_expect_status=500)
        self.assertEqual((outcome, run['http-status']), ('success', 500))

    def test_too_slow_times_out(self):
        start = time.monotonic()
        _, run_id, outcome, run = self.check(self.web.url('/slow'), check_timeout=1)
        self.assertEqual(outcome, 'timeout')
        self.assertLess(time.monotonic() - start, 4.5)
        self.assertEqual(run['http-status'], 0)
        self.assertNotEqual(self.bus.output(run_id)['stderr'], b'')

    def test_wrong_body_fails(self):
        _, run_id, outcome, _ = self.check(self.web.url('/wrong'), check_contains='all good')
        self.assertEqual(outcome, 'failure')
        self.assertIn(b'all good', self.bus.output(run_id)['stderr'])
        _, _, outcome, _ = self.check(self.web.url('/ok'), check_contains='good')
        self.assertEqual(outcome, 'success')

    def test_connection_refused_fails(self):
        _, run_id, outcome, run = self.check(f'http://127.0.0.1:{closed_port()}/')
        self.assertEqual((outcome, run['http-status']), ('failure', 0))
        self.assertNotEqual(self.bus.output(run_id)['stderr'], b'')

    def test_stop_ends_a_slow_check(self):
        path = self.make_job(check_url=self.web.url('/slow'), check_timeout=30)
        run_id = self.bus.run(path)
        time.sleep(0.3)
        self.bus.stop(path)
        self.assertEqual(self.bus.wait_run_finished(run_id, timeout=5)[0], 'stopped')
        self.assert_daemon_alive()

    def test_bad_check_specs(self):
        for url in ['ftp://example.org/', 'not a url', 'http://', 'http://x/\r\nHost: evil', '']:
            with self.subTest(url=url), self.assert_error('InvalidArgument'):
                self.bus.create_job({'name': 'bad', 'check-url': url})
        with self.assert_error('InvalidArgument', 'check-url'):
            self.bus.create_job({'name': 'both', 'check-url': self.web.url('/ok'),
                                 'command': ['/bin/true']})
        with self.assert_error('InvalidArgument', 'check-expect-status'):
            self.make_job(check_url=self.web.url('/ok'), check_expect_status=42)
        with self.assert_error('InvalidArgument', 'check-timeout'):
            self.make_job(check_url=self.web.url('/ok'), check_timeout=0)

    def test_command_and_check_replace_each_other(self):
        path = self.make_job('switch', command=['/bin/true'])
        self.bus.update(path, {'check-url': self.web.url('/ok')})
        self.assertEqual((self.bus.prop(path, 'Command'), self.bus.prop(path, 'CheckUrl')),
                         ([], self.web.url('/ok')))
        self.bus.update(path, {'command': ['/bin/echo', 'hi']})
        self.assertEqual((self.bus.prop(path, 'Command'), self.bus.prop(path, 'CheckUrl')),
                         (['/bin/echo', 'hi'], ''))


class Monitors(AlertTestCase):
    def setUp(self):
        super().setUp()
        self.start()
        self.bus.set_settings({'webhook-url': self.web.url('/hook')})

    def hooks(self):
        return [json.loads(body) for path, _headers, body in self.web.received()]

    def test_alerts_on_changes_of_state_only(self):
        path = self.make_job('site', check_url=self.web.url('/flip'), is_monitor=True,
                             monitor_url='https://status.example.org/site')
        self.assertTrue(self.bus.prop(path, 'IsMonitor'))
        self.assertEqual(self.bus.prop(path, 'MonitorUrl'), 'https://status.example.org/site')

        states = []
        for ok in [True, False, False, False, True, True, False]:
            self.web.flip_ok = ok
            run_id, outcome, _ = self.run_and_wait(path)
            states.append(outcome)
            time.sleep(0.3)
        self.assertEqual(states, ['success', 'failure', 'failure', 'failure', 'success', 'success',
                                  'failure'])
        events = h.wait_until(lambda: self.hooks() if len(self.hooks()) >= 3 else None, 10,
                              'three webhooks')
        time.sleep(0.3)
        events = self.hooks()
        self.assertEqual([e['event'] for e in events], ['failure', 'recovered', 'failure'])
        self.assertEqual([e['outcome'] for e in events], ['failure', 'success', 'failure'])

    def test_first_check_passing_is_quiet(self):
        path = self.make_job('quiet', check_url=self.web.url('/ok'), is_monitor=True)
        self.run_and_wait(path)
        self.run_and_wait(path)
        time.sleep(0.5)
        self.assertEqual(self.hooks(), [])
        # The hook does work: a failing monitor is heard
        bad = self.make_job('loud', check_url=self.web.url('/fail'), is_monitor=True)
        self.run_and_wait(bad)
        h.wait_until(lambda: self.hooks() or None, 10, 'a webhook')


class Webhooks(AlertTestCase):
    def setUp(self):
        super().setUp()
        self.start()

    def test_payload(self):
        path = self.make_job('Backup', command=self.sh('echo no space left >&2; exit 4'),
                             webhook_url=self.web.url('/hook'))
        run_id, _, _ = self.run_and_wait(path)
        [(url_path, headers, body)] = h.wait_until(lambda: self.web.received() or None, 10,
                                                   'the webhook')
        self.assertEqual(url_path, '/hook')
        self.assertTrue(headers.get('Content-Type', '').startswith('application/json'))
        doc = json.loads(body)
        run = self.bus.get_run(run_id)
        self.assertEqual(doc['job-name'], 'Backup')
        self.assertEqual(doc['run-id'], run_id)
        self.assertEqual(doc['outcome'], 'failure')
        self.assertEqual(doc['exit-code'], 4)
        self.assertEqual(doc['hostname'], run['hostname'])
        self.assertIn('no space left', doc['stderr-tail'])
        self.assertTrue(doc['started'].endswith('Z') and doc['finished'].endswith('Z'))

    def test_success_not_posted_under_notify_on_failure(self):
        ok = self.make_job('fine', command=['/bin/true'], webhook_url=self.web.url('/hook'))
        self.run_and_wait(ok)
        bad = self.make_job('bad', command=['/bin/false'], webhook_url=self.web.url('/hook'))
        self.run_and_wait(bad)
        h.wait_until(lambda: self.web.received() or None, 10, 'the webhook')
        time.sleep(0.3)
        self.assertEqual([json.loads(b)['job-name'] for _, _, b in self.web.received()], ['bad'])

    def test_failed_webhook_is_visible(self):
        path = self.make_job('hooked', command=['/bin/false'], webhook_url=self.web.url('/broken'))
        run_id, _, _ = self.run_and_wait(path)
        error = self.bus.wait_prop(path, 'LastAlertError', lambda v: v != '', timeout=20)
        self.assertIn('webhook', error.lower())
        # Retried: the first try and the two of --retry-delays
        self.assertEqual(len(self.web.received()), 3)
        with self.assert_error('InvalidArgument', 'webhook-url'):
            self.bus.update(path, {'webhook-url': 'file:///etc/passwd'})
        with self.assert_error('InvalidArgument', 'webhook-url'):
            self.bus.set_settings({'webhook-url': 'gopher://x'})


class MissingModules(AlertTestCase):
    """A daemon whose modules are not where it looks, as when a package left
    them out: what needs one fails, naming the file, and the rest goes on."""

    def setUp(self):
        super().setUp()
        moduledir = os.environ['CHK_MODULEDIR']
        if os.path.exists(moduledir):
            self.skipTest(f'Chroniker is installed here: {moduledir} has modules')
        # Outside the build tree, a daemon looks for them where they are installed
        # (chk-module.c)
        copy = os.path.join(self.tmp, 'chronikerd')
        shutil.copy2(self.chronikerd, copy)
        self.chronikerd = copy
        self.start(*FAST_RETRIES)
        self.missing = os.path.join(moduledir, 'chk-http-soup.so')

    def test_a_check_fails_naming_the_module(self):
        path = self.make_job('site', check_url=self.web.url('/ok'), notify_on='never')
        run_id, outcome, _ = self.run_and_wait(path, timeout=20)
        self.assertEqual(outcome, 'failure')
        self.assertIn(self.missing, self.bus.output(run_id)['stderr'].decode())
        self.assertIn(self.missing, self.bus.get_run(run_id)['message'])

    def test_a_webhook_fails_naming_the_module(self):
        path = self.make_job('hooked', command=['/bin/false'], webhook_url=self.web.url('/hook'))
        self.run_and_wait(path)
        error = self.bus.wait_prop(path, 'LastAlertError', lambda v: v != '', timeout=20)
        self.assertIn('Webhook could not be posted', error)
        self.assertIn(self.missing, error)
        self.assertEqual(self.web.received(), [])
        # Jobs that need no module run as ever
        ok = self.make_job('plain', command=['/bin/true'])
        self.assertEqual(self.run_and_wait(ok)[1], 'success')


class OneTry(AlertTestCase):
    daemon_args = ['--retry-delays', '']

    def test_empty_retry_delays_mean_one_try(self):
        self.start()
        path = self.make_job('once', command=['/bin/false'], webhook_url=self.web.url('/broken'))
        self.run_and_wait(path)
        self.bus.wait_prop(path, 'LastAlertError', lambda v: v != '', timeout=10)
        time.sleep(0.3)
        self.assertEqual(len(self.web.received()), 1)


# ---------------------------------------------------------------------------

class NotificationServerCase(AlertTestCase):
    """notification-daemon on the test's bus and X server; dbus-monitor records
    what is sent to it."""

    def setUp(self):
        super().setUp()
        if not os.environ.get('DISPLAY'):
            self.skipTest('no X server (build-aux/test gives one)')
        if not os.access(NOTIFICATION_DAEMON, os.X_OK):
            raise AssertionError(f'{NOTIFICATION_DAEMON} is missing: run build-aux/install-deps')
        env = dict(self.env)
        self.monitor_log = os.path.join(self.tmp, 'monitor.log')
        with open(self.monitor_log, 'wb') as log:
            monitor = subprocess.Popen(
                h.PDEATHSIG + ['dbus-monitor', '--address', self.bus_daemon.address,
                               "type='method_call',interface='org.freedesktop.Notifications',"
                               "member='Notify'"],
                stdout=log, stderr=subprocess.DEVNULL, env=env)
        self.addCleanup(monitor.wait)
        self.addCleanup(monitor.terminate)
        server = subprocess.Popen(h.PDEATHSIG + [NOTIFICATION_DAEMON], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(server.wait)
        self.addCleanup(server.terminate)
        h.wait_until(lambda: self.bus.has_owner('org.freedesktop.Notifications'), 20,
                     'notification-daemon to own its name', poll=0.05)
        self.start()

    def notify_calls(self):
        """The (summary, body) of each Notify call seen so far."""
        with open(self.monitor_log, errors='replace') as f:
            text = f.read()
        calls = []
        for block in text.split('method call')[1:]:
            if 'member=Notify' not in block:
                continue
            strings = re.findall(r'^\s+string "((?:[^"\\]|\\.)*)"', block, re.M)
            # app_name, app_icon, summary, body, then the actions' strings
            if len(strings) >= 4:
                calls.append((strings[2], strings[3], strings[4:]))
        return calls


class Notifications(NotificationServerCase):
    def test_failure_notified_success_not(self):
        ok = self.make_job('Tidy', command=['/bin/true'])
        self.run_and_wait(ok)
        bad = self.make_job('Backup', command=self.sh('echo disk is full >&2; exit 1'))
        self.run_and_wait(bad)
        calls = h.wait_until(lambda: self.notify_calls() or None, 15, 'a Notify call', poll=0.05)
        time.sleep(0.5)
        calls = self.notify_calls()
        self.assertEqual(len(calls), 1, calls)
        summary, body, actions = calls[0]
        self.assertIn('Backup', summary)
        self.assertIn('disk is full', body)
        self.assertNotIn('Tidy', ' '.join(c[0] for c in calls))
        self.assert_daemon_alive()

    def test_notifications_setting_off(self):
        self.bus.set_settings({'notifications': False})
        bad = self.make_job('Silenced', command=['/bin/false'])
        self.run_and_wait(bad)
        self.bus.set_settings({'notifications': True})
        loud = self.make_job('Heard', command=['/bin/false'])
        self.run_and_wait(loud)
        h.wait_until(lambda: self.notify_calls() or None, 15, 'a Notify call', poll=0.05)
        time.sleep(0.5)
        self.assertEqual([c[0] for c in self.notify_calls() if 'Silenced' in c[0]], [])

    def test_no_flood(self):
        path = self.make_job('Flaky', command=['/bin/false'])
        for _ in range(5):
            self.run_and_wait(path)
        h.wait_until(lambda: self.notify_calls() or None, 15, 'a Notify call', poll=0.05)
        time.sleep(0.5)
        self.assertEqual(len(self.notify_calls()), 1)


class NoNotificationServer(AlertTestCase):
    def test_failures_without_a_server(self):
        self.start()
        path = self.make_job('lonely', command=['/bin/false'])
        start = time.monotonic()
        for _ in range(3):
            self.run_and_wait(path)
        self.assertLess(time.monotonic() - start, 10)
        self.assert_daemon_alive()
        log = self.read_log(self.daemon)
        self.assertEqual(len(re.findall(r'WARNING.*[Nn]otification server', log)), 1, log[-2000:])


if __name__ == '__main__':
    h.main()
