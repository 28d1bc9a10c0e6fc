#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""chronikerctl: a job's terminal escapes reach a terminal only (log), and run --wait
words its estimate as the app does."""

import os
import pty
import re
import subprocess

import cliharness as c
from cliharness import read_until_eof

# A window title, bold red, green, an erase to the end of the line
COLOURED = (b'\x1b]0;title\x07\x1b[1;31mERROR\x1b[0m: disk full\n'
            b'\x1b[32mok\x1b[39m\x1b[K\n')
PLAIN = b'ERROR: disk full\nok\n'
SCRIPT = ('printf "\\033]0;title\\007\\033[1;31mERROR\\033[0m: disk full\\n'
          '\\033[32mok\\033[39m\\033[K\\n"')


class Colour(c.CliTestCase):
    def setUp(self):
        super().setUp()
        self.add('colourful', '--', '/bin/sh', '-c', f'{SCRIPT}; {SCRIPT} >&2')
        self.run_id, _ = self.run_wait('colourful')

    def on_terminal(self, *args, env=None):
        """Runs chronikerctl with its stdout on a terminal; returns (rc, what the terminal got, stderr)."""
        e = dict(self.env)
        e.update({'TERM': 'xterm-256color'})
        e.pop('NO_COLOR', None)
        e.update(env or {})
        master, slave = pty.openpty()
        try:
            p = subprocess.Popen([self.chronikerctl, *args], env=e, cwd=self.tmp,
                                 stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE)
        finally:
            os.close(slave)
        self.addCleanup(self._end_popen, p)
        try:
            chunks = read_until_eof(master, 20)
        finally:
            os.close(master)
        err = p.stderr.read()
        rc = p.wait(timeout=20)
        # The terminal turns \n into \r\n
        return rc, b''.join(data for _, data in chunks).replace(b'\r\n', b'\n'), err

    def test_pipe_gets_text(self):
        r = self.ctl('log', 'colourful', binary=True)
        self.assertEqual((r.rc, r.out, r.err), (0, PLAIN, PLAIN), repr(r))
        r = self.ctl('log', str(self.run_id), '--stream', 'stderr', binary=True)
        self.assertEqual((r.rc, r.out), (0, PLAIN), repr(r))

    def test_raw_gets_bytes(self):
        r = self.ctl('log', 'colourful', '--raw', binary=True)
        self.assertEqual((r.rc, r.out, r.err), (0, COLOURED, COLOURED), repr(r))

    def test_terminal_gets_colours(self):
        rc, out, err = self.on_terminal('log', 'colourful')
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, COLOURED)
        # stderr is a pipe here: text
        self.assertEqual(err, PLAIN)

    def test_no_color(self):
        rc, out, err = self.on_terminal('log', 'colourful', '--no-color')
        self.assertEqual((rc, out, err), (0, PLAIN, PLAIN))
        rc, out, _ = self.on_terminal('log', 'colourful', env={'NO_COLOR': '1'})
        self.assertEqual((rc, out), (0, PLAIN))

    def test_raw_or_no_color(self):
        self.usage_error('log', 'colourful', '--raw', '--no-color')


class Estimate(c.CliTestCase):
    def test_run_wait_estimate(self):
        # 1 of 4 after about 2.5 s, 2 of 4 after about 5 s
        self.add('steps', '--', '/bin/sh', '-c',
                 'sleep 2.5; echo 1/4 >&$CHRONIKER_PROGRESS_FD; sleep 2.5; '
                 'echo 2/4 >&$CHRONIKER_PROGRESS_FD; sleep 1')
        master, slave = pty.openpty()
        e = dict(self.env)
        e['TERM'] = 'xterm-256color'
        try:
            p = subprocess.Popen([self.chronikerctl, 'run', 'steps', '--wait'], env=e, cwd=self.tmp,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
        finally:
            os.close(slave)
        self.addCleanup(self._end_popen, p)
        try:
            bar = b''.join(data for _, data in read_until_eof(master, 30)).decode('utf-8', 'replace')
        finally:
            os.close(master)
        self.assertEqual(p.wait(timeout=30), 0)
        # The app's words, from the run's start: "about 10 s left", never "ETA 0 s"
        self.assertIn('2/4', bar)
        self.assertRegex(bar, r'\] 1/4, about \d+ s left')
        self.assertRegex(bar, r'\] 2/4, about \d+ s left')
        self.assertNotIn('ETA', bar)
        for seconds in re.findall(r'about (\d+) s left', bar):
            self.assertEqual(int(seconds) % 5, 0, f'rounded to 5 s: {bar!r}')


if __name__ == '__main__':
    c.main()
