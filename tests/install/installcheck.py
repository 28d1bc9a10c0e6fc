# SPDX-License-Identifier: GPL-3.0-or-later
"""What test_install.py and test_flatpak.py share: TAP output, and reading the
key files an install writes (D-Bus service files, units, desktop entries)."""

import configparser
import sys

APP_ID = 'io.github.chroniker.Chroniker'
BUS_NAME = APP_ID + '.Scheduler'


class Tap:
    """Numbered TAP cases; end() prints the plan and gives the exit status."""

    def __init__(self):
        self.count = 0
        self.failed = 0

    def check(self, ok, what, detail=''):
        self.count += 1
        if not ok:
            self.failed += 1
        print(('ok' if ok else 'not ok') + ' %d - %s' % (self.count, what))
        if not ok and detail:
            for line in str(detail).splitlines():
                print('# ' + line)
        sys.stdout.flush()
        return ok

    def skip(self, what, why):
        self.count += 1
        print('ok %d - %s # SKIP %s' % (self.count, what, why))
        sys.stdout.flush()

    def end(self):
        print('1..%d' % self.count)
        return 1 if self.failed else 0


def read_key_file(path):
    """A key file as written: case kept, no interpolation, repeated keys allowed."""
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(path, encoding='utf-8')
    return parser


def read_group(path, group):
    """One group of a key file as a dict, empty when it has none."""
    parser = read_key_file(path)
    return dict(parser[group]) if parser.has_section(group) else {}
