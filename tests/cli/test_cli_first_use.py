#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""chronikerctl as a new user meets it (issue 12): local mail addresses, system
crontabs, why a run failed, times in the job's zone, interrupted runs, the SMTP
password from a prompt or stdin, natural name order, JSON numbers and the
settings' keys."""

import json
import os
import pty
import pwd
import re
import select
import socket
import sqlite3
import subprocess
import termios
import time

import cliharness as c


class LocalAddresses(c.CliTestCase):
    """What sendmail delivers locally is an address, everywhere."""

    # Keeps its arguments and the message.
    start_daemon = False

    def setUp(self):
        super().setUp()
        self.mail_dir = os.path.join(self.tmp, 'mail')
        os.makedirs(self.mail_dir)
        self.env['CHK_MAIL_DIR'] = self.mail_dir
        self.stub_program('sendmail', 'printf "%s\\n" "$@" > "$CHK_MAIL_DIR/args"\n'
                                      'cat > "$CHK_MAIL_DIR/mail"\n')
        self.daemon = self.start_chronikerd()

    def test_job_email_to_local_users(self):
        self.add('mailer', '--email-to', 'root', '--email-to', 'root@localhost',
                 '--email-to', 'ops@example.org', '--', '/bin/true')
        self.assertEqual(self.show('mailer')['email-to'], ['root', 'root@localhost', 'ops@example.org'])
        self.ok('edit', 'mailer', '--email-to', 'backup-admin')
        self.assertEqual(self.show('mailer')['email-to'], ['backup-admin'])

        # What could become an option, a header or a second address is still refused
        for bad in ('-oQ/tmp', 'root\nBcc: x@evil.example', 'two words', 'a@b@c', '|/bin/sh'):
            with self.subTest(address=bad):
                self.runtime_error('add', 'bad-mail', f'--email-to={bad}', '--', '/bin/true',
                                   contains=['email-to'])
                self.runtime_error('edit', 'mailer', f'--email-to={bad}', contains=['email-to'])
        self.assertEqual(self.show('mailer')['email-to'], ['backup-admin'])
        self.assertEqual([j['name'] for j in self.json('list', '--json')], ['mailer'])

    def test_email_from_local_user(self):
        for address in ('root', 'root@localhost', 'cron@example.org'):
            with self.subTest(address=address):
                self.assertEqual(self.out('settings', 'email-from', address), '')
                self.assertEqual(self.bus.get_settings()['email-from'], address)
        for bad in ('two words', 'Someone <a@example.org>', 'root\rBcc: x@evil.example'):
            with self.subTest(address=bad):
                self.runtime_error('settings', 'email-from', bad, contains=['email-from'])
                self.assertEqual(self.bus.get_settings()['email-from'], 'cron@example.org')
        # (an argument with a leading dash is an option to chronikerctl)
        with self.assert_error('InvalidArgument', 'email-from'):
            self.bus.set_settings({'email-from': '-oQ/tmp'})
        self.assertEqual(self.bus.get_settings()['email-from'], 'cron@example.org')

    def test_test_email_to_local_user(self):
        self.ok('settings', 'email-from', 'root')
        r = self.ok('test-email', 'root@localhost')
        self.assertEqual(r.out, 'Sent a test email to root@localhost\n')
        with open(os.path.join(self.mail_dir, 'mail')) as f:
            headers = f.read().split('\n\n', 1)[0].split('\n')
        self.assertIn('To: root@localhost', headers)
        self.assertIn('From: root', headers)

    def test_crontab_mailto_root(self):
        r = self.ctl('import-crontab', '-', input='MAILTO=root\n@daily /bin/true\n'
                                                  'MAILTO="root,ops@example.org"\n@hourly /bin/true\n')
        self.assertEqual(r.rc, 0, repr(r))
        self.assertEqual(r.err, '')
        self.assertEqual(self.show('crontab-2')['email-to'], ['root'])
        self.assertEqual(self.show('crontab-2')['email-on'], 'failure')
        self.assertEqual(self.show('crontab-4')['email-to'], ['root', 'ops@example.org'])


class NaturalOrder(c.CliTestCase):
    def test_list_sorts_names_naturally(self):
        names = ['crontab-10', 'Zeta', 'crontab-2', 'backup', 'Crontab-3', 'alpha', 'crontab-1']
        for name in names:
            self.add(name, '--', '/bin/true')
        expected = ['alpha', 'backup', 'crontab-1', 'crontab-2', 'Crontab-3', 'crontab-10', 'Zeta']
        self.assertEqual([j['name'] for j in self.json('list', '--json')], expected)
        rows = [ln.split()[0] for ln in self.out('list').split('\n')[1:] if ln.strip()]
        self.assertEqual(rows, expected)
        self.assertEqual([j['name'] for j in self.json('export')], expected)


class JsonNumbers(c.CliTestCase):
    def test_durations_are_short_numbers(self):
        self.add('sleepy', '--', '/bin/sh', '-c', 'sleep 0.2')
        for _ in range(3):
            self.run_wait('sleepy')
        r = self.ok('runs', '--json')
        # as written, not as Python reads it: no "0.20512300000000001"
        tokens = re.findall(r'"duration"\s*:\s*([^,\n}]*)', r.out)
        self.assertEqual(len(tokens), 3, r.out)
        runs = json.loads(r.out)
        for token, run in zip(tokens, runs):
            self.assertRegex(token, r'^\d+\.\d{1,6}$', r.out)
            exact = (c.iso_to_usec(run['finished']) - c.iso_to_usec(run['started'])) / c.USEC
            self.assertEqual(float(token), exact)
        # the rest of the JSON reads as before
        for run in runs:
            self.assert_run_json(run)
            self.assert_run_matches_bus(run)
        obj = self.show('sleepy')
        self.assert_job_json(obj)


class SettingsKeys(c.CliTestCase):
    def test_unknown_setting_lists_the_keys(self):
        keys = sorted(self.bus.get_settings())
        for args in (['nope'], ['nope', '1'], ['smtp_password', 'x']):
            with self.subTest(args=args):
                message = self.runtime_error('settings', *args, contains=[args[0]])
                listed = message.split(': ')[-1].split(', ')
                self.assertEqual(listed, keys, message)


class RunsOutcome(c.CliTestCase):
    def test_unknown_outcome_is_a_usage_error(self):
        self.add('ok', '--', '/bin/true')
        run_id, _ = self.run_wait('ok')
        for bad in ('bogus', 'Success', 'failed', ''):
            with self.subTest(outcome=bad):
                r = self.usage_error('runs', '--outcome', bad, contains=['--outcome', 'failed-to-start'])
                self.assertEqual(r.out, '')
        self.usage_error('runs', 'ok', '--outcome', 'bogus', contains=['bogus'])
        self.assertEqual([r['id'] for r in self.json('runs', '--outcome', 'success', '--json')], [run_id])
        self.assertEqual(self.json('runs', '--outcome', 'failed-to-start', '--json'), [])


class SmtpPassword(c.CliTestCase):
    """The password need not be an argument, which ps and the shell's history see."""

    def stored_password(self):
        """What the daemon keeps (GetSettings says only "set")."""
        db = sqlite3.connect(self.db)
        try:
            row = db.execute("SELECT value FROM settings WHERE key = 'smtp-password'").fetchone()
        finally:
            db.close()
        return None if row is None else bytes(row[0]).rstrip(b'\0').decode()

    def test_from_stdin(self):
        self.assertEqual(self.out('settings', 'smtp-password', '-', input='s3cret pass\n'), '')
        self.assertEqual(self.out('settings', 'smtp-password').strip(), 'set')
        self.assertEqual(self.stored_password(), 's3cret pass')
        # without a newline, and with a CRLF
        self.ok('settings', 'smtp-password', '-', input='other')
        self.assertEqual(self.stored_password(), 'other')
        self.ok('settings', 'smtp-password', '-', input='third\r\n')
        self.assertEqual(self.stored_password(), 'third')
        # nothing, or more than a line, changes nothing
        for text in ('', '\n', 'two\nlines\n'):
            with self.subTest(input=text):
                self.runtime_error('settings', 'smtp-password', '-', input=text,
                                   contains=['smtp-password'])
                self.assertEqual(self.stored_password(), 'third')
        # '' still removes it, and "-" is a password only for smtp-password
        self.ok('settings', 'smtp-password', '')
        self.assertEqual(self.out('settings', 'smtp-password').strip(), '')
        self.ok('settings', 'smtp-username', '-', input='ignored\n')
        self.assertEqual(self.bus.get_settings()['smtp-username'], '-')

    def test_prompt_without_echo(self):
        master, slave = pty.openpty()
        env = dict(self.env, TERM='xterm')
        try:
            p = subprocess.Popen([self.chronikerctl, 'settings', 'smtp-password', '-'], env=env,
                                 cwd=self.tmp, stdin=slave, stdout=slave, stderr=slave,
                                 start_new_session=True)
        finally:
            os.close(slave)
        seen = b''
        try:
            deadline = time.monotonic() + 20
            while b'password' not in seen.lower():
                self.assertLess(time.monotonic(), deadline, f'no prompt: {seen!r}')
                ready, _, _ = select.select([master], [], [], 1)
                if ready:
                    seen += os.read(master, 4096)
            # echo is off once the prompt is out: what is typed now is not shown
            deadline = time.monotonic() + 20
            while True:
                attrs = termios.tcgetattr(master)
                if not attrs[3] & termios.ECHO:
                    break
                self.assertLess(time.monotonic(), deadline, 'echo stayed on')
                time.sleep(0.02)
            os.write(master, b'hunter2 typed\n')
            seen += b''.join(d for _, d in c.read_until_eof(master, 20))
            self.assertEqual(p.wait(20), 0, seen)
        finally:
            os.close(master)
            if p.poll() is None:
                p.kill()
                p.wait()
        self.assertNotIn(b'hunter2', seen)
        self.assertEqual(self.stored_password(), 'hunter2 typed')


def show_lines(text, label):
    """The value of show's LABEL line and of the unlabelled lines after it."""
    lines = text.split('\n')
    for i, line in enumerate(lines):
        if line.startswith(label + ' '):
            values = [line[len(label):].strip()]
            for more in lines[i + 1:]:
                if not more.startswith(' '):
                    break
                values.append(more.strip())
            return values
    return None


class ShowTimes(c.CliTestCase):
    def test_times_in_the_jobs_zone(self):
        self.add('paris', '--schedule', '15 3 * * *', '--timezone', 'Europe/Paris', '--', '/bin/true')
        utc = {'TZ': 'UTC'}
        text = self.out('show', 'paris', env=utc)
        [in_job, here] = show_lines(text, 'Next run:')
        self.assertRegex(in_job, r'^\d{4}-\d\d-\d\d 03:15:00 \+0[12]:00 Europe/Paris \(in ', text)
        self.assertRegex(here, r'^\d{4}-\d\d-\d\d 0[12]:15:00 \+00:00 local$', text)
        # the same instant
        offset = int(in_job.split()[2][2])
        self.assertEqual(int(here.split()[1][:2]), 3 - offset, text)
        self.assertEqual(here.split()[0], in_job.split()[0], text)

        # Where the local clock is the job's, once
        text = self.out('show', 'paris', env={'TZ': 'Europe/Paris'})
        [only] = show_lines(text, 'Next run:')
        self.assertRegex(only, r' 03:15:00 \+0[12]:00 Europe/Paris \(in ', text)

        # The last run too
        self.run_wait('paris')
        text = self.out('show', 'paris', env={'TZ': 'Asia/Tokyo'})
        [in_job, here] = show_lines(text, 'Last run:')
        self.assertRegex(in_job, r' \+0[12]:00 Europe/Paris \(', text)
        self.assertRegex(here, r' \+09:00 local$', text)

    def test_local_zone_job(self):
        self.add('here', '--schedule', '15 3 * * *', '--', '/bin/true')
        if self.show('here')['timezone']:
            self.skipTest('the daemon gives jobs its zone by name')
        text = self.out('show', 'here', env={'TZ': 'UTC'})
        [only] = show_lines(text, 'Next run:')
        self.assertRegex(only, r'^\d{4}-\d\d-\d\d \d\d:\d\d:00 [+-]\d\d:\d\d \(in ', text)


class InterruptedRuns(c.CliTestCase):
    def test_no_duration_up_to_the_next_start(self):
        path = self.add('long', '--', '/bin/sh', '-c', 'echo started; exec sleep 60')
        run_id = self.run_nowait('long')
        self.wait_show('long', lambda o: o['running'], what='the run to start')
        self.daemon.kill9()
        time.sleep(2.5)
        self.daemon = self.start_chronikerd()
        self.bus.wait_prop(path, 'LastOutcome', 'interrupted')

        run = self.json('runs', '--json')[0]
        self.assertEqual((run['id'], run['outcome']), (run_id, 'interrupted'))
        self.assertIsNone(run['duration'], run)
        self.assert_run_json(run)
        self.assert_run_matches_bus(run)
        table = self.out('runs').split('\n')
        start = table[0].index('DURATION')
        line = [ln for ln in table if ln.startswith(str(run_id) + ' ')][0]
        self.assertEqual(line[start:].split()[0], '-', '\n'.join(table))
        text = self.out('show', 'long')
        self.assertIsNone(show_lines(text, 'Last duration:'), text)
        self.assertEqual(show_lines(text, 'Status:'), ['interrupted'], text)

        # a run that ended has its duration
        self.ok('edit', 'long', '--', '/bin/sh', '-c', 'sleep 1.2')
        self.run_wait('long')
        run = self.json('runs', '--json')[0]
        self.assertGreaterEqual(run['duration'], 1.2)
        self.assertIsNotNone(show_lines(self.out('show', 'long'), 'Last duration:'))


class WhyRunsFailed(c.CliTestCase):
    def test_failed_to_start_says_why(self):
        self.add('missing', '--', '/nonexistent/program', 'arg')
        run_id, r = self.run_wait('missing', rc=1)
        lines = r.err.rstrip('\n').split('\n')
        self.assertEqual(len(lines), 1, r)
        self.assertIn(f'run {run_id}', lines[0])
        self.assertIn('failed-to-start', lines[0])
        self.assertIn('/nonexistent/program', lines[0], r)
        self.assertRegex(lines[0].lower(), r'no such file|not found', r)
        run = self.json('runs', '--json')[0]
        self.assertIn('/nonexistent/program', run['message'])

    def test_refused_check_says_why(self):
        with socket.socket() as sock:       # a loopback port where nothing listens
            sock.bind(('127.0.0.1', 0))
            port = sock.getsockname()[1]
        self.add('refused', '--check-url', f'http://127.0.0.1:{port}/health')
        run_id, r = self.run_wait('refused', rc=1)
        lines = r.err.rstrip('\n').split('\n')
        self.assertEqual(len(lines), 1, r)
        self.assertIn('Connection refused', lines[0], r)
        self.assertNotIn('exit', lines[0], r)

        run = self.json('runs', '--json')[0]
        self.assertEqual((run['id'], run['outcome'], run['http-status']), (run_id, 'failure', 0))
        self.assertIn('Connection refused', run['message'])
        self.assertIn(f'127.0.0.1:{port}', run['message'])

        table = self.out('runs').split('\n')
        start = table[0].index('EXIT')
        line = [ln for ln in table if ln.startswith(str(run_id) + ' ')][0]
        self.assertEqual(line[start:].split()[0], '-', '\n'.join(table))
        notes = [ln for ln in table if ln.strip().startswith(f'run {run_id}:')]
        self.assertEqual(len(notes), 1, '\n'.join(table))
        self.assertIn('Connection refused', notes[0])

        text = self.out('show', 'refused')
        self.assertEqual(show_lines(text, 'Status:'), ['failure'], text)
        self.assertIn('Connection refused', show_lines(text, 'Last message:')[0], text)


def me_and_other():
    """This user's name, and another account's."""
    me = pwd.getpwuid(os.getuid()).pw_name
    other = next(name for name in ('nobody', 'daemon', 'root') if name != me)
    pwd.getpwnam(other)
    return me, other


class SystemCrontab(c.CliTestCase):
    def system_crontab(self):
        me, other = me_and_other()
        return me, other, (
            'SHELL=/bin/sh\n'                                    # 1
            'PATH=/usr/bin:/bin\n'                               # 2
            '# m h dom mon dow user  command\n'                  # 3
            f'17 * * * *  {me}  cd / && echo hourly\n'           # 4
            f'25 6 * * *  {other}  echo daily\n'                 # 5
            f'@weekly {me} echo "weekly $0"\n'                   # 6
            f'30 1 * * * {me}\n'                                 # 7
            f'61 1 * * * {me} echo bad minute\n')                # 8

    def check_system_import(self, r, me, other):
        self.assertEqual(r.rc, 1, repr(r))
        self.assertIn('system crontab', r.out)
        created = [ln for ln in r.out.split('\n') if ln.startswith('line ')]
        ids = {j['name']: j['id'] for j in self.json('list', '--json')}
        self.assertEqual(created, [f'line 4: job {ids["crontab-4"]} “crontab-4” created',
                                   f'line 6: job {ids["crontab-6"]} “crontab-6” created'], r)
        self.assertIn('Imported 2 jobs', r.out)
        errors = r.err.rstrip('\n').split('\n')
        self.assertEqual([e.split(':')[1].strip() for e in errors], ['line 5', 'line 7', 'line 8'], r)
        self.assertIn(f'“{other}”', errors[0])
        self.assertIn(f'“{me}”', errors[0])
        self.assertIn('command', errors[1])
        self.assertIn('minute', errors[2])
        self.assertEqual(sorted(ids), ['crontab-4', 'crontab-6'])
        self.assertEqual(self.shell_of(self.show('crontab-4')), 'cd / && echo hourly')
        obj = self.show('crontab-6')
        self.assertEqual((obj['schedule'], self.shell_of(obj)), ('@weekly', 'echo "weekly $0"'))
        self.assertIn(me, obj['description'])       # the user, as a note
        run_id, _ = self.run_wait('crontab-6')
        self.assertEqual(self.out('log', str(run_id)), 'weekly /bin/sh\n')

    def test_detected(self):
        me, other, text = self.system_crontab()
        r = self.ctl('import-crontab', '-', input=text)
        self.check_system_import(r, me, other)

    def test_system_format_option(self):
        me, other, text = self.system_crontab()
        path = self.write('cron.d-backup', text)
        r = self.ctl('import-crontab', '--system-format', path)
        self.check_system_import(r, me, other)

    def test_user_crontab_is_not_taken_for_one(self):
        me, _ = me_and_other()
        # a command that is named like an account, with nothing after it
        r = self.ok('import-crontab', '-', input='@daily sync\n*/5 * * * * /bin/true\n')
        self.assertNotIn('system', r.out)
        self.assertEqual(self.shell_of(self.show('crontab-1')), 'sync')
        # --system-format reads it as one all the same
        r = self.ctl('import-crontab', '--system-format', '--prefix', 'sys', '-',
                     input=f'@daily {me} /bin/true\n')
        self.assertEqual(r.rc, 0, repr(r))
        self.assertEqual(self.shell_of(self.show('sys-1')), '/bin/true')


class ImportAgain(c.CliTestCase):
    def test_replace_updates(self):
        first = 'MAILTO=ops@example.org\nCRON_TZ=Europe/Paris\n@daily echo one\n0 3 * * * echo two\n'
        r = self.ok('import-crontab', '-', input=first)
        before = {j['name']: j for j in self.json('list', '--json')}
        self.assertEqual(sorted(before), ['crontab-3', 'crontab-4'])

        # Again: each line says it exists, nothing changes
        r = self.ctl('import-crontab', '-', input=first)
        self.assertEqual(r.rc, 1, repr(r))
        errors = r.err.rstrip('\n').split('\n')
        self.assertEqual(len(errors), 2, r)
        for line, error in zip((3, 4), errors):
            self.assertTrue(error.startswith(f'chronikerctl: line {line}: '), r)
            self.assertIn('--replace', error)
        self.assertIn('Imported 0 jobs', r.out)

        # --replace: what the file says now, under the same ids
        second = '@daily echo one again\n# gone: MAILTO and CRON_TZ\n*/5 * * * * echo new\n'
        r = self.ok('import-crontab', '--replace', '-',
                    input='MAILTO=ops@example.org\nCRON_TZ=Europe/Paris\n'
                          '@daily echo one again\n0 4 * * * echo two later\n')
        self.assertEqual(r.out.split('\n')[:2],
                         [f'line 3: job {before["crontab-3"]["id"]} “crontab-3” updated',
                          f'line 4: job {before["crontab-4"]["id"]} “crontab-4” updated'], r)
        obj = self.show('crontab-4')
        self.assertEqual((obj['id'], obj['schedule'], self.shell_of(obj)),
                         (before['crontab-4']['id'], '0 4 * * *', 'echo two later'))
        self.assertEqual((obj['timezone'], obj['email-to']), ('Europe/Paris', ['ops@example.org']))

        # What the file no longer says goes back to the default
        r = self.ok('import-crontab', '--replace', '-', input=second)
        self.assertIn(f'line 3: job {before["crontab-3"]["id"]} “crontab-3” updated\n', r.out)
        obj = self.show('crontab-3')
        self.assertEqual(self.shell_of(obj), 'echo new')
        self.assertEqual(obj['schedule'], '*/5 * * * *')
        self.assertEqual(obj['email-to'], [], 'a MAILTO that is gone no longer mails')
        self.assertNotEqual(obj['timezone'], 'Europe/Paris')
        self.assertEqual(self.shell_of(self.show('crontab-1')), 'echo one again')
        self.assertIn('created', r.out)

    def test_errors_in_line_order(self):
        self.add('crontab-2', '--', '/bin/true')
        r = self.ctl('import-crontab', '-',
                     input='# a comment\n@daily echo taken\n61 * * * * echo bad\n@hourly echo ok\n')
        self.assertEqual(r.rc, 1, repr(r))
        errors = r.err.rstrip('\n').split('\n')
        self.assertEqual(len(errors), 2, r)
        self.assertTrue(errors[0].startswith('chronikerctl: line 2: '), r)
        self.assertIn('crontab-2', errors[0])
        self.assertTrue(errors[1].startswith('chronikerctl: line 3: '), r)
        self.assertIn('Imported 1 job', r.out)


class ImportJson(c.CliTestCase):
    def test_errors_name_the_entry_not_a_job_id(self):
        self.add('taken', '--', '/bin/true')
        jobs = [{'name': 'fine', 'command': ['/bin/true']}, 'not an object',
                {'name': 'taken', 'command': ['/bin/true']}]
        r = self.ctl('import', '--json', '-', input=json.dumps(jobs))
        self.assertEqual(r.rc, 1, repr(r))
        errors = r.err.rstrip('\n').split('\n')
        self.assertEqual(len(errors), 2, r)
        self.assertIn('entry 2 of the array', errors[0])
        self.assertIn('“taken” (entry 3 of the array)', errors[1])
        self.assertNotRegex(r.err, r'\bjob \d', r)


if __name__ == '__main__':
    c.main()
