#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""chronikerctl: stdout and stderr in `log 2>&1` in the order the job wrote
them, and --merge-stderr on add, edit and show."""

import subprocess

import cliharness as c

PYTHON = '/usr/bin/python3'

# Writes each argument as a line (out-… to stdout, err-… to stderr) once
# the daemon has read the line before from its pipe.
WRITER = r'''
import fcntl, os, struct, sys, termios, time
for word in sys.argv[1:]:
    fd = 1 if word.startswith('out') else 2
    os.write(fd, word.encode() + b'\n')
    deadline = time.monotonic() + 20
    while struct.unpack('i', fcntl.ioctl(fd, termios.FIONREAD, b'\0\0\0\0'))[0] > 0:
        if time.monotonic() > deadline:
            sys.exit('the daemon did not read')
        time.sleep(0.001)
'''


class Order(c.CliTestCase):
    def log_both(self, name):
        """`chronikerctl log NAME 2>&1`: what one pipe got from both streams."""
        p = subprocess.run([self.chronikerctl, 'log', name], env=self.env, cwd=self.tmp,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=c.CTL_TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stdout)
        return p.stdout.decode()

    def field(self, name, label):
        """The value of `label` in `chronikerctl show NAME`."""
        for line in self.out('show', name).split('\n'):
            if line.startswith(label + ':'):
                return line.split(':', 1)[1].strip()
        raise AssertionError(f'show {name} has no {label}')

    def test_log_keeps_the_order(self):
        self.add('apart', '--', PYTHON, '-c', WRITER, 'out-1', 'err-2', 'out-3', 'err-4')
        self.ok('run', 'apart', '--wait')
        self.assertEqual(self.log_both('apart'), 'out-1\nerr-2\nout-3\nerr-4\n')

    def test_merge_stderr(self):
        script = 'echo out-1; echo err-2 >&2; echo out-3'
        path = self.add('merged', '--merge-stderr', '--shell', script)
        self.assertIs(self.bus.prop(path, 'MergeStderr'), True)
        self.assertIs(self.show('merged')['merge-stderr'], True)
        self.assertEqual(self.field('merged', 'Merge stderr'), 'yes')
        for _ in range(10):
            self.ok('run', 'merged', '--wait')
            self.assertEqual(self.log_both('merged'), 'out-1\nerr-2\nout-3\n')
            self.assertEqual(self.out('log', 'merged', '--stream', 'stdout'), 'out-1\nerr-2\nout-3\n')
            self.assertEqual(self.out('log', 'merged', '--stream', 'stderr'), '')

        self.ok('edit', 'merged', '--no-merge-stderr')
        self.assertIs(self.show('merged')['merge-stderr'], False)
        self.assertEqual(self.field('merged', 'Merge stderr'), 'no')
        self.ok('run', 'merged', '--wait')
        self.assertEqual(self.out('log', 'merged', '--stream', 'stderr'), 'err-2\n')

        self.usage_error('edit', 'merged', '--merge-stderr', '--no-merge-stderr',
                         contains=['--merge-stderr'])
        self.assertIs(self.show('merged')['merge-stderr'], False)

    def test_merge_stderr_through_export_and_import(self):
        self.add('kept', '--merge-stderr', '--', '/bin/true')
        exported = self.out('export')
        self.ok('remove', 'kept')
        self.ok('import', '--json', '-', input=exported)
        self.assertIs(self.show('kept')['merge-stderr'], True)


if __name__ == '__main__':
    c.main()
