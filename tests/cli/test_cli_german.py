#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""chronikerctl and chronikerd in German (LANGUAGE=de), from the catalog this
build compiled (CHK_BUILD_LOCALEDIR, given to chk_i18n_init as CHK_LOCALEDIR).
The expected words come from that catalog too, through Python's gettext, so
that a test checks that the translation is used, not what it says; each one
must differ from the English, or the test would prove nothing."""

import gettext
import os

import chkharness as h
import cliharness

LOCALEDIR = os.environ.get('CHK_BUILD_LOCALEDIR', '')


class German(cliharness.CliTestCase):
    start_daemon = False

    def setUp(self):
        if not os.path.exists(os.path.join(LOCALEDIR, 'de', 'LC_MESSAGES', 'chroniker.mo')):
            self.skipTest(f'no German catalog in {LOCALEDIR!r} (po/LINGUAS lists no de)')
        super().setUp()
        self.german = gettext.translation('chroniker', LOCALEDIR, ['de'])
        # The daemon speaks German too: its errors reach the client as they are.
        self.env.update({'LANGUAGE': 'de', 'CHK_LOCALEDIR': LOCALEDIR})
        self.daemon = self.start_chronikerd()

    def de(self, english):
        text = self.german.gettext(english)
        self.assertNotEqual(text, english, f'“{english}” has no German translation')
        return text

    def test_usage(self):
        r = self.ctl()
        self.assertEqual(r.rc, 2)
        self.assertIn(self.de("Run “chronikerctl COMMAND --help” for a command's options."),
                      r.out + r.err)

    def test_daemon_error(self):
        line = self.runtime_error('show', 'no-such-job')
        self.assertIn(self.de('No job named “%s”') % 'no-such-job', line)

    def test_english_without_language(self):
        self.env['LANGUAGE'] = 'C'
        r = self.ctl()
        self.assertIn("Run “chronikerctl COMMAND --help” for a command's options.", r.out + r.err)


if __name__ == '__main__':
    h.main()
