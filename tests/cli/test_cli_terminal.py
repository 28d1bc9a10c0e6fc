#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""chronikerctl on a terminal: run --wait words its estimate as the app does."""

import os
import pty
import re
import subprocess

import cliharness as c
from cliharness import read_until_eof


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
