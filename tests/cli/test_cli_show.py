#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""chronikerctl: job text that must not reach a terminal as control
characters."""

import os
import pty
import subprocess

import cliharness as c
from cliharness import read_until_eof


# Text that would act on a terminal: OSC 52 (write the clipboard), CSI with
# ESC, a C1 CSI (U+009B, two bytes in UTF-8), a bell, a newline that would
# fake a field, a bidi override and, for the environment, a colour.
OSC52 = '\x1b]52;c;aGVsbG8=\x07'
EVIL_DESCRIPTION = f'backup {OSC52} \x1b[2J\u009b31m red\nCommand: /bin/fake \u202eevil'
EVIL_ARG = '\x1b]0;title\x07\u009b2J'
EVIL_ENV = 'COLOR=\x1b[31m\u0085red'


def tty_run(test, *args):
    """Runs chronikerctl with stdout and stderr on a pseudo-terminal; returns
    (status, the bytes it wrote)."""
    master, slave = pty.openpty()
    env = dict(test.env, TERM='xterm-256color')
    try:
        p = subprocess.Popen([test.chronikerctl, *args], env=env, cwd=test.tmp,
                             stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    finally:
        os.close(slave)
    try:
        chunks = read_until_eof(master, 30)
        p.wait(30)
    finally:
        os.close(master)
        if p.poll() is None:
            p.kill()
            p.wait()
    return p.returncode, b''.join(d for _, d in chunks)


def fields(text):
    """The "Key: value" lines of show, as a dict (the first of each key)."""
    out = {}
    for line in text.split('\n'):
        if ':' in line and not line.startswith(' '):
            key, value = line.split(':', 1)
            out.setdefault(key.strip(), value.strip())
    return out


class Escapes(c.CliTestCase):
    def assert_clean(self, data, what):
        for raw in (b'\x1b', b'\x07', b'\x9b', b'\x85', b'\xe2\x80\xae'):
            self.assertNotIn(raw, data, f'{what} wrote {raw!r}: {data!r}')

    def test_show_escapes_job_text(self):
        self.add('evil', '--description', EVIL_DESCRIPTION, '--env', EVIL_ENV,
                 '--', '/bin/echo', EVIL_ARG)
        self.assertEqual(self.show('evil')['description'], EVIL_DESCRIPTION,
                         'JSON carries the text exactly')
        r = self.ctl('show', 'evil', binary=True)
        self.assertEqual(r.rc, 0, repr(r))
        self.assert_clean(r.out, 'show')
        text = r.out.decode('utf-8')
        f = fields(text)
        self.assertEqual(f['Description'],
                         'backup \\x1b]52;c;aGVsbG8=\\x07 \\x1b[2J\\u009b31m red\\n'
                         'Command: /bin/fake \\u202eevil')
        self.assertEqual(f['Command'], "/bin/echo '\\x1b]0;title\\x07\\u009b2J'")
        self.assertEqual(f['Environment'], 'COLOR=\\x1b[31m\\u0085red')
        self.assertEqual(len([ln for ln in text.split('\n') if ln.startswith('Command:')]), 1,
                         'a newline in the description cannot add a line')
        # The same on a terminal
        rc, out = tty_run(self, 'show', 'evil')
        self.assertEqual(rc, 0, out)
        self.assert_clean(out, 'show on a terminal')
        self.assertIn(b'\\x1b]52;c;aGVsbG8=', out)
        # JSON escapes them too (JSON-GLib writes C1 and bidi controls raw)
        r = self.ctl('show', 'evil', '--json', binary=True)
        self.assert_clean(r.out, 'show --json')
        for args in (['list'], ['list', '--json'], ['export']):
            with self.subTest(args=args):
                r = self.ctl(*args, binary=True)
                self.assertEqual(r.rc, 0, repr(r))
                self.assert_clean(r.out, ' '.join(args))

    def test_list_runs_and_errors_escape_names(self):
        # Names may not hold C0 controls, but C1 controls are not refused
        name = 'c1\u009b2Jname'
        self.add(name, '--', '/bin/true')
        self.run_wait(name)
        for args in (['list'], ['runs'], ['show', name], ['runs', '--json'], ['list', '--json']):
            with self.subTest(args=args):
                r = self.ctl(*args, binary=True)
                self.assertEqual(r.rc, 0, repr(r))
                self.assert_clean(r.out, ' '.join(args))
                self.assertIn(b'c1\\u009b2Jname', r.out)
        # An error that quotes a name
        r = self.ctl('add', name, '--', '/bin/true', binary=True)
        self.assertEqual(r.rc, 1, repr(r))
        self.assert_clean(r.err, 'the error')
        self.assertIn(b'\\u009b', r.err)

    def test_other_controls_and_bytes(self):
        self.add('text', '--', '/bin/true')
        self.ok('edit', 'text', '--description', 'tab\there\rcr\x7fdel\x01one')
        f = fields(self.out('show', 'text'))
        self.assertEqual(f['Description'], 'tab\\there\\rcr\\x7fdel\\x01one')
        # Arguments that are not UTF-8 cannot go over D-Bus; they are refused, and
        # quoted escaped (a raw 0x9b byte is a CSI for 8-bit terminals).
        for args, rc in (([b'show', b'\xff\x9bname'], 1),
                         ([b'runs', b'\xff\x9bname'], 1),
                         ([b'add', b'\xff\x9bname', b'--', b'/bin/true'], 2),
                         ([b'add', b'x', b'--', b'/bin/echo', b'\xff\x9b'], 2),
                         ([b'settings', b'email-from', b'\xff\x9b'], 2),
                         ([b'preview', b'\xff\x9b'], 2)):
            with self.subTest(args=args):
                r = self.ctl(*args, binary=True)
                self.assertEqual(r.rc, rc, repr(r))
                self.assert_clean(r.out + r.err, ' '.join(map(repr, args)))
                self.assertTrue(r.err.startswith(b'chronikerctl: '), repr(r))
                self.assertIn(b'\\xff\\x9b', r.err, repr(r))
                self.assertNotIn(b'CRITICAL', r.err, repr(r))
        self.assertEqual([j['name'] for j in self.json('list', '--json')], ['text'])


if __name__ == '__main__':
    c.main()
