#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Watching jobs over time (DESIGN §7, issue 17) through chronikerd: runs going
on past their expected-duration, alert-after-failures, snoozed-until, flood
control of emails and webhooks, webhooks' Retry-After, and HTTPS checks and
webhooks against a local TLS server (tests/http) with a test CA. Real SMTP
(aiosmtpd) and HTTP servers on loopback."""

import json
import os
import time

import chkharness as h
from test_alerts import FAST_RETRIES, AlertTestCase, NotificationServerCase

HTTP_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'http')
HTTP_SERVER = os.path.join(HTTP_DIR, 'http-server.py')


class WatchTestCase(AlertTestCase):
    """SMTP on loopback and the daemon's email settings; the test's web server
    (self.web) takes webhooks at /hook."""

    def setUp(self):
        super().setUp()
        self.smtp_port = self.start_smtp()

    def start(self, *extra):
        super().start(*extra)
        self.bus.set_settings({'smtp-url': f'smtp://127.0.0.1:{self.smtp_port}',
                               'email-from': 'chroniker@example.org'})

    def hooks(self):
        return [json.loads(body) for _path, _headers, body in self.web.received()]

    def quiet(self, emails, hooks=None, seconds=0.7):
        """Nothing more arrives for a while: `emails` emails and `hooks` webhooks in all."""
        time.sleep(seconds)
        self.assertEqual(len(self.messages()), emails,
                         [str(m['Subject']) for m in self.messages()])
        if hooks is not None:
            self.assertEqual(len(self.hooks()), hooks, self.hooks())

    def failing_job(self, name, **spec):
        """A job that fails until the file `name`.ok exists."""
        flag = self.path_file(name + '.ok')
        path = self.make_job(name, command=self.sh(f'echo trouble >&2; test -e {flag}'),
                             email_on='failure', email_to=['ops@example.org'],
                             webhook_url=self.web.url('/hook'), **spec)
        return path, flag

    def start_http_server(self, *args):
        """tests/http/http-server.py on 127.0.0.1 until the test ends; returns
        (its directory of records, its port)."""
        records = os.path.join(self.tmp, f'http-{len(os.listdir(self.tmp))}')
        os.makedirs(records)
        _proc, port = self.start_test_server(HTTP_SERVER, *args, records)
        return records, port


class RunningLong(WatchTestCase):
    def setUp(self):
        super().setUp()
        self.start()

    def test_one_alert_and_the_run_goes_on(self):
        path = self.make_job('Slow', command=self.sh('sleep 3'), expected_duration=1,
                             email_on='failure', email_to=['ops@example.org'],
                             webhook_url=self.web.url('/hook'))
        self.assertEqual(self.bus.prop(path, 'ExpectedDuration'), 1)
        run_id = self.bus.run(path)
        [msg] = self.wait_messages(1, timeout=10)
        # Told while the run is still going, and its record says so already
        run = self.bus.get_run(run_id)
        self.assertEqual(run['outcome'], 'running')
        self.assertTrue(run['running-long'])
        self.assertEqual(str(msg['Subject']), f'[Chroniker] Running long: Slow on {self.hostname}')
        self.assertIn('longer than the expected 1 s', msg.get_content())
        [hook] = h.wait_until(lambda: self.hooks() or None, 10, 'the webhook')
        self.assertEqual((hook['event'], hook['run-id'], hook['outcome']),
                         ('running-long', run_id, 'running'))
        self.assertIn('Running long', hook['text'])

        # Not stopped: it ends as it would have
        outcome, code = self.bus.wait_run_finished(run_id, timeout=10)
        self.assertEqual((outcome, code), ('success', 0))
        run = self.bus.get_run(run_id)
        self.assertTrue(run['running-long'])
        self.assertGreaterEqual(run['finished'] - run['started'], 2.9 * h.USEC)
        [listed] = [r for r in self.bus.job_runs(path) if r['id'] == run_id]
        self.assertTrue(listed['running-long'])
        self.quiet(1, 1)

    def test_quick_run_and_no_expected_duration_are_quiet(self):
        quick = self.make_job('quick', command=self.sh('sleep 0.2'), expected_duration=2,
                              email_on='failure', email_to=['ops@example.org'])
        unbounded = self.make_job('unbounded', command=self.sh('sleep 1.5'),
                                  email_on='failure', email_to=['ops@example.org'])
        quick_run, _, _ = self.run_and_wait(quick)
        unbounded_run, _, _ = self.run_and_wait(unbounded)
        # The quick run's timer is gone with it: nothing when it would have fired
        self.quiet(0, seconds=2.2)
        self.assertFalse(self.bus.get_run(quick_run)['running-long'])
        self.assertFalse(self.bus.get_run(unbounded_run)['running-long'])

    def test_notify_on_never_sends_no_webhook(self):
        path = self.make_job('hushed', command=self.sh('sleep 2'), expected_duration=1,
                             notify_on='never', email_on='never',
                             webhook_url=self.web.url('/hook'))
        run_id, _, _ = self.run_and_wait(path)
        self.assertTrue(self.bus.get_run(run_id)['running-long'])
        self.quiet(0, 0, seconds=0.3)


class Notified(NotificationServerCase):
    def test_running_long_and_snoozed(self):
        snoozed = self.make_job('Muted', command=['/bin/false'],
                                snoozed_until=h.now_usec() + 3600 * h.USEC)
        self.run_and_wait(snoozed)
        path = self.make_job('Render', command=self.sh('sleep 2'), expected_duration=1)
        run_id = self.bus.run(path)
        calls = h.wait_until(lambda: self.notify_calls() or None, 15, 'a Notify call', poll=0.05)
        self.assertEqual(self.bus.get_run(run_id)['outcome'], 'running')
        [(summary, body, _actions)] = calls
        self.assertEqual(summary, 'Render is running long')
        self.assertRegex(body, r'^Running for \d+ s, longer than the expected 1 s')
        # The run ends well: nothing more, and nothing for the snoozed job
        self.assertEqual(self.bus.wait_run_finished(run_id, timeout=10)[0], 'success')
        time.sleep(0.5)
        self.assertEqual(len(self.notify_calls()), 1, self.notify_calls())


class AfterFailures(WatchTestCase):
    def setUp(self):
        super().setUp()
        self.start()

    def test_third_failure_alerts_then_one_recovery(self):
        path, flag = self.failing_job('Nightly', alert_after_failures=3)
        self.assertEqual(self.bus.prop(path, 'AlertAfterFailures'), 3)
        for _ in range(2):
            self.assertEqual(self.run_and_wait(path)[1], 'failure')
        self.quiet(0, 0)

        # Counted from the store: a restart does not start the count again
        self.restart_daemon(*FAST_RETRIES)
        path = self.bus.get_job_by_name('Nightly')
        self.assertEqual(self.run_and_wait(path)[1], 'failure')
        [msg] = self.wait_messages(1)
        self.assertEqual(str(msg['Subject']), f'[Chroniker] Failure: Nightly on {self.hostname}')
        h.wait_until(lambda: self.hooks() or None, 10, 'the webhook')

        self.assertEqual(self.run_and_wait(path)[1], 'failure')
        self.quiet(1, 1)

        open(flag, 'w').close()
        self.assertEqual(self.run_and_wait(path)[1], 'success')
        msgs = self.wait_messages(2)
        self.assertEqual(str(msgs[1]['Subject']),
                         f'[Chroniker] Recovered: Nightly on {self.hostname}')
        h.wait_until(lambda: len(self.hooks()) >= 2 or None, 10, 'the second webhook')
        self.assertEqual([e['event'] for e in self.hooks()], ['failure', 'recovered'])

        # Healthy again: one more success is quiet
        self.run_and_wait(path)
        self.quiet(2, 2)

    def test_one_keeps_every_failure_and_no_recovery(self):
        path, flag = self.failing_job('Plain')
        self.assertEqual(self.bus.prop(path, 'AlertAfterFailures'), 1)
        self.run_and_wait(path)
        self.wait_messages(1)
        open(flag, 'w').close()
        self.run_and_wait(path)
        self.quiet(1, 1)

    def test_retries_count_once(self):
        path, _ = self.failing_job('Retried', alert_after_failures=2, retries=1, retry_delay=0)
        mark = self.bus.mark()
        self.bus.run(path)
        h.wait_until(lambda: len(self.bus.run_finished_events(path, mark)) >= 2, 15,
                     'two attempts')
        # Two failed attempts are one failed run
        self.quiet(0, 0)
        mark = self.bus.mark()
        self.bus.run(path)
        h.wait_until(lambda: len(self.bus.run_finished_events(path, mark)) >= 2, 15,
                     'two attempts')
        self.wait_messages(1)


class Snooze(WatchTestCase):
    def setUp(self):
        super().setUp()
        self.start()

    def test_no_alerts_while_snoozed_then_again(self):
        until = h.now_usec() + 3600 * h.USEC
        path, _ = self.failing_job('Noisy', snoozed_until=until)
        slow = self.make_job('Slow', command=self.sh('sleep 2'), expected_duration=1,
                             email_on='failure', email_to=['ops@example.org'],
                             webhook_url=self.web.url('/hook'), snoozed_until=until)
        self.assertEqual(self.bus.prop(path, 'SnoozedUntil'), until)
        for _ in range(2):
            self.assertEqual(self.run_and_wait(path)[1], 'failure')
        slow_run, _, _ = self.run_and_wait(slow)
        # Runs and records go on; the running-long mark too
        self.assertTrue(self.bus.get_run(slow_run)['running-long'])
        self.assertEqual(len(self.bus.job_runs(path)), 2)
        self.quiet(0, 0)

        # Awake: nothing held back is sent, the next failure is
        self.bus.update(path, {'snoozed-until': h.GLib.Variant('x', 0)})
        self.quiet(0, 0)
        self.run_and_wait(path)
        self.wait_messages(1)
        self.quiet(1, 1)

    def test_snooze_that_ended_is_no_snooze(self):
        path, _ = self.failing_job('Woken', snoozed_until=h.now_usec() - h.USEC)
        self.run_and_wait(path)
        self.wait_messages(1)


class Flood(WatchTestCase):
    WINDOW_MS = 3000

    def setUp(self):
        super().setUp()
        self.env['CHK_TEST_ALERT_WINDOW_MS'] = str(self.WINDOW_MS)
        self.start()

    def test_one_message_then_one_summary(self):
        path, flag = self.failing_job('Flapping')
        start = time.monotonic()
        for _ in range(4):
            self.assertEqual(self.run_and_wait(path)[1], 'failure')
        self.assertLess(time.monotonic() - start, self.WINDOW_MS / 1000 - 0.5,
                        'the runs took longer than the window')
        [first] = self.wait_messages(1)
        self.assertIn('Failure', str(first['Subject']))
        self.assertEqual(len(self.hooks()), 1)

        msgs = self.wait_messages(2, timeout=self.WINDOW_MS / 1000 + 10)
        summary = msgs[1]
        self.assertEqual(str(summary['Subject']),
                         f'[Chroniker] Summary: Flapping on {self.hostname}')
        self.assertRegex(summary.get_content(), r'Flapping failed 3 more times since \d\d:\d\d')
        hooks = h.wait_until(lambda: self.hooks() if len(self.hooks()) >= 2 else None, 10,
                             'the summary webhook')
        self.assertEqual([e['event'] for e in hooks], ['failure', 'summary'])
        self.assertEqual(hooks[1]['suppressed'], 3)
        self.assertIn('failed 3 more times', hooks[1]['text'])
        # The summary is about the latest of them
        latest = max(r['id'] for r in self.bus.job_runs(path))
        self.assertEqual(hooks[1]['run-id'], latest)

        # A window with nothing held back closes quietly
        self.quiet(2, 2, seconds=self.WINDOW_MS / 1000 + 1)

        # A recovery is told at once, after the summary of what it ends
        self.run_and_wait(path)
        self.run_and_wait(path)
        self.wait_messages(3)
        self.run_and_wait(path)
        open(flag, 'w').close()
        self.bus.update(path, {'alert-after-failures': h.GLib.Variant('u', 2)})
        self.assertEqual(self.run_and_wait(path)[1], 'success')
        msgs = self.wait_messages(5)
        # Sent in this order; two SMTP connections may arrive in either
        by_subject = {str(m['Subject']): m for m in msgs[3:]}
        self.assertEqual(sorted(by_subject),
                         [f'[Chroniker] Recovered: Flapping on {self.hostname}',
                          f'[Chroniker] Summary: Flapping on {self.hostname}'])
        summary = by_subject[f'[Chroniker] Summary: Flapping on {self.hostname}']
        self.assertIn('Flapping failed 2 more times since', summary.get_content())
        log = self.read_log(self.daemon)
        self.assertLess(log.rindex('“Flapping”: summary;'), log.rindex('“Flapping”: recovered;'))

    def test_jobs_have_windows_of_their_own(self):
        one, _ = self.failing_job('one')
        two, _ = self.failing_job('two')
        self.run_and_wait(one)
        self.run_and_wait(two)
        msgs = self.wait_messages(2)
        self.assertEqual(sorted(str(m['Subject']).split()[2] for m in msgs), ['one', 'two'])


class RetryAfter(WatchTestCase):
    def test_webhook_waits_as_asked(self):
        self.start()
        records, port = self.start_http_server()
        path = self.make_job('hooked', command=['/bin/false'],
                             webhook_url=f'http://127.0.0.1:{port}/hook-busy-s')
        self.run_and_wait(path)
        finished = time.monotonic()
        h.wait_until(lambda: os.path.exists(os.path.join(records, '1.json')) or None, 15,
                     'the webhook after its Retry-After')
        # --retry-delays says 50 ms; the receiver's "Retry-After: 1" wins
        self.assertGreaterEqual(time.monotonic() - finished, 0.95)
        with open(os.path.join(records, 'tries-hook-busy-s')) as f:
            self.assertEqual(f.read(), '2\n')
        self.bus.wait_prop(path, 'LastAlertError', '', timeout=5)


class Https(WatchTestCase):
    def setUp(self):
        super().setUp()
        self.env['CHK_TEST_CA_FILE'] = os.path.join(HTTP_DIR, 'ca.pem')
        self.start()

    def tls_server(self, cert):
        return self.start_http_server('--tls', os.path.join(HTTP_DIR, cert + '.pem'),
                                      os.path.join(HTTP_DIR, cert + '-key.pem'))

    def test_check_and_webhook_with_the_test_ca(self):
        records, port = self.tls_server('server')
        check = self.make_job('secure', check_url=f'https://127.0.0.1:{port}/ok',
                              notify_on='never')
        run_id, outcome, _ = self.run_and_wait(check, timeout=20)
        self.assertEqual(outcome, 'success')
        self.assertEqual(self.bus.get_run(run_id)['http-status'], 200)

        hooked = self.make_job('hooked', command=['/bin/false'],
                               webhook_url=f'https://127.0.0.1:{port}/hook')
        self.run_and_wait(hooked)
        h.wait_until(lambda: os.path.exists(os.path.join(records, '1.json')) or None, 15,
                     'the webhook over HTTPS')
        with open(os.path.join(records, '1.json')) as f:
            self.assertEqual(json.loads(json.load(f)['body'])['job-name'], 'hooked')
        self.bus.wait_prop(hooked, 'LastAlertError', '', timeout=5)

    def test_bad_certificates_refused(self):
        for cert, why in [('wrong-host', 'not for 127.0.0.1'),
                          ('untrusted', 'issuer is not trusted')]:
            with self.subTest(cert=cert):
                records, port = self.tls_server(cert)
                check = self.make_job(f'check-{cert}', check_url=f'https://127.0.0.1:{port}/ok',
                                      notify_on='never')
                run_id, outcome, _ = self.run_and_wait(check, timeout=20)
                self.assertEqual(outcome, 'failure')
                stderr = self.bus.output(run_id)['stderr'].decode()
                self.assertIn(f'TLS with 127.0.0.1:{port} failed', stderr)
                self.assertIn(why, stderr)

                hooked = self.make_job(f'hook-{cert}', command=['/bin/false'],
                                       webhook_url=f'https://127.0.0.1:{port}/hook')
                self.run_and_wait(hooked)
                error = self.bus.wait_prop(hooked, 'LastAlertError', lambda v: v != '',
                                           timeout=20)
                self.assertIn('TLS', error)
                self.assertIn(why, error)
                self.assertFalse(os.path.exists(os.path.join(records, 'tries-hook')))


if __name__ == '__main__':
    h.main()
