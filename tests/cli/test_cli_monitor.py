#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""chronikerctl and issue 6: monitors, HTTP checks (--check-url and friends),
webhook URLs, alert errors in show/runs, and test-email (with a stub sendmail
on the daemon's PATH)."""

import http.server
import json
import os
import threading

import chkharness as h
import cliharness as c

CHECK_OPTIONS = ('--check-url', 'https://example.org/health', '--schedule', '*/5 * * * *')


def field(text, label):
    """The value of the "Label:   value" line of `show`, or None without one."""
    for line in text.split('\n'):
        if line.startswith(label + ' '):
            return line[len(label):].strip()
    return None


class HttpStub:
    """An HTTP server on 127.0.0.1 in a thread: GET /ok → 200 "all good",
    GET /fail → 500 "boom", anything else (POST /hook-404 included) → 404.
    Requests are recorded as (method, path)."""

    def __init__(self):
        self.requests = []
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, format, *args):
                pass

            def reply(self, status, body):
                data = body.encode()
                self.send_response(status)
                self.send_header('Content-Type', 'text/plain; charset=utf-8')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                stub.requests.append(('GET', self.path))
                if self.path == '/ok':
                    self.reply(200, 'all good')
                elif self.path == '/fail':
                    self.reply(500, 'boom')
                else:
                    self.reply(404, 'no such page')

            def do_POST(self):
                length = int(self.headers.get('Content-Length') or 0)
                self.rfile.read(length)
                stub.requests.append(('POST', self.path))
                self.reply(404, 'no such hook')

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f'http://127.0.0.1:{self.server.server_address[1]}{path}'

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class CheckOptions(c.CliTestCase):
    def assert_fields(self, text, expected):
        """Each "Label: value" line of `show`'s `text` says what `expected` has
        for its label."""
        for label, value in expected.items():
            self.assertEqual(field(text, label), value, text)
    def test_add_check_job_every_option(self):
        path = self.add('site', *CHECK_OPTIONS,
                        '--expect-status', '204',
                        '--contains', 'ok "quoted"',
                        '--check-timeout', '1m30s',
                        '--monitor',
                        '--monitor-url', 'https://status.example.org/site',
                        '--webhook-url', 'https://hooks.example.org/chroniker?x=1')
        obj = self.show('site')
        self.assert_job_json(obj)
        expected = {
            'check-url': 'https://example.org/health',
            'check-expect-status': 204,
            'check-contains': 'ok "quoted"',
            'check-timeout': 90,
            'is-monitor': True,
            'monitor-url': 'https://status.example.org/site',
            'webhook-url': 'https://hooks.example.org/chroniker?x=1',
            'last-alert-error': '',
            'schedule': '*/5 * * * *',
        }
        for key, value in expected.items():
            self.assertEqual(obj[key], value, key)
        self.assertIsNone(self.command_of(obj), 'a check job has no command')
        self.assertIsNone(self.shell_of(obj), 'a check job has no shell line')
        # … what the daemon holds
        p = self.bus.props(path)
        self.assertEqual((p['CheckUrl'], p['CheckExpectStatus'], p['CheckContains'],
                          p['CheckTimeout'], p['IsMonitor'], p['MonitorUrl'], p['WebhookUrl']),
                         ('https://example.org/health', 204, 'ok "quoted"', 90, True,
                          'https://status.example.org/site',
                          'https://hooks.example.org/chroniker?x=1'))

        text = self.out('show', 'site')
        self.assert_fields(text, {
            'Check URL:': 'https://example.org/health',
            'Expect status:': '204',
            'Must contain:': 'ok "quoted"',
            'Check timeout:': '1 min 30 s',
            'Monitor:': 'yes',
            'Monitor URL:': 'https://status.example.org/site',
            'Webhook URL:': 'https://hooks.example.org/chroniker?x=1',
        })
        self.assertIsNone(field(text, 'Command:'), f'a check job shows no command: {text}')
        self.assertIsNone(field(text, 'Shell:'), f'a check job shows no shell line: {text}')
        self.assertIsNone(field(text, 'Last alert error:'), f'no alert error yet: {text}')

    def test_defaults_and_list(self):
        self.add('plain-check', '--check-url', 'http://example.org/')
        self.add('cmd', '--', '/bin/true')
        obj = self.show('plain-check')
        self.assert_job_json(obj)
        self.assertEqual((obj['check-expect-status'], obj['check-timeout'], obj['check-contains'],
                          obj['is-monitor'], obj['monitor-url'], obj['webhook-url']),
                         (200, 30, '', False, '', ''))
        cmd = self.show('cmd')
        self.assert_job_json(cmd)
        self.assertEqual((cmd['check-url'], cmd['is-monitor']), ('', False))

        text = self.out('show', 'plain-check')
        self.assert_fields(text, {
            'Expect status:': '200',
            'Check timeout:': '30 s',
            'Must contain:': '-',
            'Monitor:': 'no',
            'Monitor URL:': '-',
        })
        self.assertIn('webhook-url setting', field(text, 'Webhook URL:'), text)
        text = self.out('show', 'cmd')
        self.assertEqual(field(text, 'Command:'), '/bin/true', text)
        self.assertIsNone(field(text, 'Check URL:'), f'a command job shows no check URL: {text}')

        # list marks monitors, and only them
        self.ok('edit', 'plain-check', '--monitor')
        lines = {ln.split()[0]: ln for ln in self.out('list').split('\n')[1:] if ln.strip()}
        self.assertIn('monitor', lines['plain-check'], lines)
        self.assertNotIn('monitor', lines['cmd'], lines)
        self.ok('edit', 'plain-check', '--disabled')
        line = [ln for ln in self.out('list').split('\n') if ln.startswith('plain-check')][0]
        self.assertIn('(monitor, disabled)', line)

    def test_edit(self):
        path = self.add('switch', '--schedule', '@hourly', '--', '/bin/echo', 'hi')

        self.ok('edit', 'switch', '--check-url', 'https://example.org/a')
        obj = self.show('switch')
        self.assert_job_json(obj)
        self.assertEqual(self.check_url_of(obj), 'https://example.org/a')
        self.assertIsNone(self.command_of(obj), '--check-url drops the command')
        self.assertEqual(obj['schedule'], '@hourly', 'what was not given stays')

        self.ok('edit', 'switch', '--expect-status', '503', '--contains', 'maintenance',
                '--check-timeout', '5', '--monitor', '--monitor-url', 'https://example.org/about',
                '--webhook-url', 'https://hooks.example.org/1')
        obj = self.show('switch')
        self.assertEqual((obj['check-expect-status'], obj['check-contains'], obj['check-timeout'],
                          obj['is-monitor'], obj['monitor-url'], obj['webhook-url']),
                         (503, 'maintenance', 5, True, 'https://example.org/about',
                          'https://hooks.example.org/1'))

        # '' clears the texts and URLs; --no-monitor turns it off
        self.ok('edit', 'switch', '--contains', '', '--monitor-url', '', '--webhook-url', '',
                '--no-monitor')
        obj = self.show('switch')
        self.assertEqual((obj['check-contains'], obj['monitor-url'], obj['webhook-url'],
                          obj['is-monitor']), ('', '', '', False))
        self.assertEqual(self.bus.prop(path, 'WebhookUrl'), '')

        self.ok('edit', 'switch', '--check-url', 'http://example.org/b')
        self.assertEqual(self.check_url_of(self.show('switch')), 'http://example.org/b')

        # Back to a command: an empty --check-url may go with one
        self.ok('edit', 'switch', '--check-url', '', '--', '/bin/echo', 'back')
        obj = self.show('switch')
        self.assert_job_json(obj)
        self.assertEqual((self.command_of(obj), obj['check-url']), (['/bin/echo', 'back'], ''))

        # and a command or shell line drops the URL
        self.ok('edit', 'switch', '--check-url', 'https://example.org/c')
        self.ok('edit', 'switch', '--shell', 'echo shell')
        obj = self.show('switch')
        self.assert_job_json(obj)
        self.assertEqual((self.shell_of(obj), obj['check-url']), ('echo shell', ''))

    def test_usage_errors(self):
        self.add('existing', '--', '/bin/true')
        url = 'https://example.org/health'
        cases = [
            (['add', 'x', '--check-url', url, '--shell', 'true'], 'check-url'),
            (['add', 'x', '--check-url', url, '--', '/bin/true'], 'check-url'),
            (['add', 'x', '--check-url', ''], 'check-url'),
            (['add', 'x', '--check-url', url, '--expect-status', 'ok'], 'ok'),
            (['add', 'x', '--check-url', url, '--expect-status', '42'], '42'),
            (['add', 'x', '--check-url', url, '--expect-status', '600'], '600'),
            (['add', 'x', '--check-url', url, '--expect-status', '-1'], None),
            (['add', 'x', '--check-url', url, '--check-timeout', '10x'], '10x'),
            (['add', 'x', '--check-url', url, '--monitor', '--no-monitor'], 'monitor'),
            (['edit', 'existing', '--check-url', url, '--shell', 'true'], 'check-url'),
            (['edit', 'existing', '--check-url', url, '--', '/bin/true'], 'check-url'),
            (['edit', 'existing', '--expect-status', 'two hundred'], 'two hundred'),
            (['edit', 'existing', '--check-timeout', 'soon'], 'soon'),
            (['edit', 'existing', '--monitor', '--no-monitor'], 'monitor'),
            (['add', 'x', '--check-url'], 'check-url'),
        ]
        for args, word in cases:
            with self.subTest(args=args):
                self.usage_error(*args, contains=[word] if word else [])
        self.assertEqual([j['name'] for j in self.json('list', '--json')], ['existing'])
        self.assertEqual(self.command_of(self.show('existing')), ['/bin/true'])

    def test_daemon_refuses_bad_values(self):
        self.add('existing', '--', '/bin/true')
        cases = [
            (['add', 'x', '--check-url', 'ftp://example.org/file'], ['check-url']),
            (['add', 'x', '--check-url', 'not a url'], ['check-url']),
            (['add', 'x', '--check-url', 'https://'], ['check-url']),
            (['add', 'x', '--check-url', 'https://example.org/', '--check-timeout', '2h'],
             ['check-timeout']),
            (['add', 'x', '--check-url', 'https://example.org/', '--check-timeout', '0'],
             ['check-timeout']),
            (['add', 'x', '--monitor-url', 'javascript:alert(1)', '--', '/bin/true'],
             ['monitor-url']),
            (['add', 'x', '--webhook-url', 'file:///etc/passwd', '--', '/bin/true'],
             ['webhook-url']),
            (['edit', 'existing', '--check-url', 'gopher://example.org/'], ['check-url']),
            (['edit', 'existing', '--webhook-url', 'hooks.example.org'], ['webhook-url']),
        ]
        for args, words in cases:
            with self.subTest(args=args):
                self.runtime_error(*args, contains=words)
        # A check job without its URL would do nothing
        self.add('check', '--check-url', 'https://example.org/')
        with self.subTest('clear the only URL'):
            self.runtime_error('edit', 'check', '--check-url', '')
        self.assertEqual(self.check_url_of(self.show('check')), 'https://example.org/')
        self.assertEqual(sorted(j['name'] for j in self.json('list', '--json')), ['check', 'existing'])
        self.assertEqual(self.show('existing')['webhook-url'], '')

    def test_export_import_round_trip(self):
        self.add('site', *CHECK_OPTIONS, '--expect-status', '301', '--contains', 'Moved',
                 '--check-timeout', '45s', '--monitor', '--monitor-url', 'https://example.org/about',
                 '--webhook-url', 'https://hooks.example.org/x', '--notify-on', 'always')
        self.add('cmd-monitor', '--monitor', '--webhook-url', 'http://127.0.0.1:9/hook',
                 '--', '/bin/echo', 'x')
        self.add('shelly', '--shell', 'echo $HOME')
        before = {j['name']: self.spec_of(j) for j in self.json('list', '--json')}
        self.assertEqual(before['site']['check-url'], 'https://example.org/health')
        self.assertNotIn('command', before['site'])

        exported = self.json('export')
        by_name = {j['name']: j for j in exported}
        self.assertEqual(set(by_name), set(before))
        for name, job in by_name.items():
            with self.subTest(job=name):
                # Every key, a time that is not set (snoozed-until) as null
                keys = set(job)
                one_of = set(c.WHAT_KEYS) & keys
                self.assertEqual(len(one_of), 1, f'command, shell or check-url: {job!r}')
                self.assertEqual(keys, set(c.SPEC_KEYS) - (set(c.WHAT_KEYS) - one_of),
                                 'export has the spec keys')
                self.assertEqual(self.spec_of(job), before[name])
        self.assertEqual(set(c.WHAT_KEYS) & set(by_name['site']), {'check-url'})
        self.assertEqual((by_name['site']['is-monitor'], by_name['site']['check-expect-status'],
                          by_name['site']['check-timeout']), (True, 301, 45))

        path = self.write('jobs.json', json.dumps(exported))
        for name in before:
            self.ok('remove', name)
        self.assertEqual(self.json('list', '--json'), [])
        r = self.ok('import', '--json', path)
        self.assertIn('Imported 3 jobs', r.out)
        after = {j['name']: self.spec_of(j) for j in self.json('list', '--json')}
        self.assertEqual(after, before)
        for j in self.json('list', '--json'):
            self.assert_job_json(j)

    def test_import_hand_written_check(self):
        jobs = [{'name': 'health', 'check-url': 'https://example.org/health',
                 'schedule': '*/5 * * * *', 'is-monitor': True},
                {'name': 'loose', 'check-url': 'http://example.org/', 'check-expect-status': 204,
                 'check-contains': 'yes', 'check-timeout': 10, 'webhook-url': ''}]
        self.ok('import', '--json', '-', input=json.dumps(jobs))
        obj = self.show('health')
        self.assert_job_json(obj)
        self.assertEqual((obj['check-url'], obj['is-monitor'], obj['check-expect-status']),
                         ('https://example.org/health', True, 200))
        obj = self.show('loose')
        self.assertEqual((obj['check-expect-status'], obj['check-contains'], obj['check-timeout']),
                         (204, 'yes', 10))
        # Wrong types are named
        r = self.ctl('import', '--json', '-',
                     input=json.dumps([{'name': 'bad', 'check-url': 'https://example.org/',
                                        'check-expect-status': 'two hundred'}]))
        self.assertEqual(r.rc, 1, repr(r))
        self.assertIn('check-expect-status', r.err)
        r = self.ctl('import', '--json', '-',
                     input=json.dumps([{'name': 'both', 'check-url': 'https://example.org/',
                                        'shell': 'true'}]))
        self.assertEqual(r.rc, 1, repr(r))
        self.assertIn('both', r.err)
        self.assertEqual(sorted(j['name'] for j in self.json('list', '--json')), ['health', 'loose'])


class HttpChecks(c.CliTestCase):
    # Webhooks are tried once: an undeliverable one is reported at once.
    daemon_args = ['--retry-delays', '']

    def setUp(self):
        self.http = HttpStub()
        self.addCleanup(self.http.close)
        super().setUp()

    def test_check_runs(self):
        self.add('up', '--check-url', self.http.url('/ok'), '--contains', 'good')
        self.add('down', '--check-url', self.http.url('/fail'))
        up_id, _ = self.run_wait('up')
        down_id, r = self.run_wait('down', rc=1)
        self.assertIn('down', r.err)
        self.assertIn(('GET', '/ok'), self.http.requests)
        self.assertIn(('GET', '/fail'), self.http.requests)

        runs = {run['id']: run for run in self.json('runs', '--json')}
        for run in runs.values():
            self.assert_run_json(run)
            self.assert_run_matches_bus(run)
        self.assertEqual((runs[up_id]['outcome'], runs[up_id]['http-status'],
                          runs[up_id]['alert-error']), ('success', 200, ''))
        self.assertEqual((runs[down_id]['outcome'], runs[down_id]['http-status']), ('failure', 500))

        # The EXIT column shows the HTTP status of a check
        lines = {ln.split()[0]: ln for ln in self.out('runs').split('\n')[1:] if ln.strip()}
        self.assertIn('HTTP 500', lines[str(down_id)], lines)
        self.assertIn('HTTP 200', lines[str(up_id)], lines)
        self.assertNotIn('Alerts', self.out('runs'))

        # The body is the run's output
        self.assertEqual(self.out('log', str(up_id)), 'all good')
        # A check's exit code (1) says nothing its outcome does not
        self.assertEqual(field(self.out('show', 'down'), 'Status:'), 'failure')
        self.assertEqual(field(self.out('show', 'up'), 'Status:'), 'success')
        self.ok('edit', 'down', '--monitor')
        line = [ln for ln in self.out('list').split('\n') if ln.startswith('down ')][0]
        self.assertTrue(line.endswith(' failure (monitor)'), line)
        # and a check shows no settings of processes
        text = self.out('show', 'down')
        for label in ('Working directory:', 'Environment:', 'Time limit:'):
            self.assertIsNone(field(text, label), f'{label} of a check job: {text}')

    def test_command_runs_keep_exit_codes(self):
        self.add('cmd', '--', '/bin/sh', '-c', 'exit 3')
        run_id, _ = self.run_wait('cmd', rc=3)
        run = self.json('runs', '--json')[0]
        self.assertEqual((run['id'], run['http-status'], run['exit-code']), (run_id, 0, 3))
        line = [ln for ln in self.out('runs').split('\n') if ln.startswith(str(run_id))][0]
        self.assertNotIn('HTTP', line)
        self.assertIn(' 3 ', line)
        self.assertEqual(field(self.out('show', 'cmd'), 'Status:'), 'failure (exit 3)')
        self.ok('edit', 'cmd', '--monitor', '--disabled')
        line = [ln for ln in self.out('list').split('\n') if ln.startswith('cmd ')][0]
        self.assertTrue(line.endswith(' failure (exit 3, monitor, disabled)'), line)
        self.assertEqual(field(self.out('show', 'cmd'), 'Status:'), 'failure (exit 3, disabled)')

    def test_alert_error_shown(self):
        self.add('hooked', '--check-url', self.http.url('/ok'), '--notify-on', 'always',
                 '--webhook-url', self.http.url('/hook-404'))
        run_id, _ = self.run_wait('hooked')
        obj = self.wait_show('hooked', lambda o: o['last-alert-error'] != '',
                             what='last-alert-error to be set after a webhook got 404')
        self.assertIn(('POST', '/hook-404'), self.http.requests)
        self.assertIn('404', obj['last-alert-error'])

        text = self.out('show', 'hooked')
        self.assertIn('404', field(text, 'Last alert error:') or '', text)
        run = [r for r in self.json('runs', '--json') if r['id'] == run_id][0]
        self.assert_run_json(run)
        self.assertIn('404', run['alert-error'])
        text = self.out('runs')
        self.assertIn('Alerts that could not be delivered:', text)
        note = [ln for ln in text.split('\n') if ln.strip().startswith(f'run {run_id}:')]
        self.assertEqual(len(note), 1, text)
        self.assertIn('404', note[0])


class WebhookSetting(c.CliTestCase):
    def test_settings_webhook_url(self):
        self.assertEqual(self.out('settings', 'webhook-url'), '\n')
        self.assertEqual(self.out('settings', 'webhook-url', 'https://hooks.example.org/all'), '')
        self.assertEqual(self.out('settings', 'webhook-url'), 'https://hooks.example.org/all\n')
        self.assertEqual(self.bus.get_settings()['webhook-url'], 'https://hooks.example.org/all')
        self.assertIn('webhook-url = https://hooks.example.org/all', self.out('settings'))
        self.runtime_error('settings', 'webhook-url', 'ftp://example.org/', contains=['webhook-url'])
        self.assertEqual(self.bus.get_settings()['webhook-url'], 'https://hooks.example.org/all')
        self.ok('settings', 'webhook-url', '')
        self.assertEqual(self.bus.get_settings()['webhook-url'], '')


class SendmailTestCase(c.CliTestCase):
    """chronikerd with sendmail_script as the `sendmail` on its PATH (the
    smtp-url setting is "" by default: mail goes to sendmail); the script finds
    its directory in $CHK_MAIL_DIR (self.mail_dir)."""

    # The daemon starts in setUp, once the stub sendmail is on its PATH.
    start_daemon = False
    sendmail_script = None

    def setUp(self):
        super().setUp()
        self.mail_dir = os.path.join(self.tmp, 'mail')
        os.makedirs(self.mail_dir)
        self.env['CHK_MAIL_DIR'] = self.mail_dir
        self.stub_program('sendmail', self.sendmail_script)
        self.daemon = self.start_chronikerd()


class TestEmail(SendmailTestCase):
    # Keeps its arguments and the message.
    sendmail_script = 'printf "%s\\n" "$@" > "$CHK_MAIL_DIR/args"\ncat > "$CHK_MAIL_DIR/mail"\n'

    def test_help_and_usage(self):
        self.assertIn('test-email', self.out('--help'))
        r = self.ok('test-email', '--help')
        self.assertIn('ADDRESS', r.out)
        self.usage_error('test-email')
        self.usage_error('test-email', 'a@example.org', 'b@example.org', contains=['b@example.org'])
        self.usage_error('test-email', '--bogus', 'a@example.org', contains=['bogus'])
        self.assertFalse(os.path.exists(os.path.join(self.mail_dir, 'mail')))

    def test_bad_address(self):
        for address in ('not an address', 'a@b@c', '|/bin/sh', 'Someone <a@example.org>'):
            with self.subTest(address=address):
                self.runtime_error('test-email', address, contains=[address])
        self.assertFalse(os.path.exists(os.path.join(self.mail_dir, 'mail')),
                         'nothing is sent to a bad address')

    def test_sent_through_sendmail(self):
        self.assertEqual(self.bus.get_settings()['smtp-url'], '')
        r = self.ok('test-email', 'a@example.org')
        self.assertEqual(r.out, 'Sent a test email to a@example.org\n')
        self.assertEqual(r.err, '')
        with open(os.path.join(self.mail_dir, 'mail')) as f:
            mail = f.read()
        headers = mail.split('\n\n', 1)[0].split('\n')
        self.assertIn('To: a@example.org', headers, mail)
        self.assertTrue([ln for ln in headers if ln.startswith('Subject:')], mail)
        with open(os.path.join(self.mail_dir, 'args')) as f:
            self.assertIn('-t', f.read().split('\n'))


class TestEmailFails(SendmailTestCase):
    sendmail_script = 'cat > /dev/null\necho "mail queue full" >&2\nexit 75\n'

    def test_delivery_failed(self):
        message = self.runtime_error('test-email', 'a@example.org')
        self.assertIn('queue full', message)
        self.assert_daemon_alive()


if __name__ == '__main__':
    c.main()
