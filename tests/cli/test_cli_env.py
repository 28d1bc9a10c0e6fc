#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""chronikerctl show --env: the whole environment a job's next run gets, as
NAME=value lines and as JSON, the same as a run sees; and chronikerctl inside
a job, found on the PATH the daemon gives it."""

import os
import pwd

import cliharness as c
from chkharness import parse_env0


class ShowEnv(c.CliTestCase):
    start_daemon = False

    def setUp(self):
        super().setUp()
        # What the daemon's starter left behind, which no job may see
        self.env.update({'CHK_RUN_INNER': '1', 'OLDPWD': '/old', '_': '/usr/bin/setsid'})
        self.env['PATH'] = '/usr/bin:/bin'
        self.daemon = self.start_chronikerd()
        self.cli_dir = os.path.dirname(os.path.abspath(self.chronikerctl))

    def test_lines_json_and_the_run_agree(self):
        workdir = os.path.join(self.tmp, 'work')
        self.add('env', '--workdir', workdir, '--env', 'FOO=bar baz', '--env', 'EMPTY=',
                 '--', '/usr/bin/env', '-0')
        text = self.out('show', 'env', '--env')
        lines = text.rstrip('\n').split('\n')
        names = [line.split('=', 1)[0] for line in lines]
        self.assertEqual(names, sorted(names), 'sorted by name')
        shown = dict(line.split('=', 1) for line in lines)
        me = pwd.getpwuid(os.getuid()).pw_name
        self.assertEqual((shown['USER'], shown['LOGNAME'], shown['PWD']), (me, me, workdir))
        self.assertEqual((shown['FOO'], shown['EMPTY']), ('bar baz', ''))
        self.assertEqual(shown['PATH'], '/usr/bin:/bin:' + self.cli_dir)
        self.assertEqual(shown['CHRONIKER_JOB_NAME'], 'env')
        for name in ('CHK_RUN_INNER', 'OLDPWD', '_', 'CHRONIKER_RUN_ID'):
            self.assertNotIn(name, shown)

        obj = self.json('show', 'env', '--env', '--json')
        self.assertEqual(obj, shown)

        run_id = self.run_id_of(self.ok('run', 'env', '--wait'))
        seen = parse_env0(self.bus.output(run_id)['stdout'])
        self.assertEqual(seen.pop('CHRONIKER_RUN_ID'), str(run_id))
        self.assertEqual(seen, obj)

    def test_control_characters_escaped(self):
        self.add('evil', '--env', 'COLOR=\x1b[31mred\nNEXT=line', '--', '/bin/true')
        text = self.out('show', 'evil', '--env')
        self.assertIn('COLOR=\\x1b[31mred\\nNEXT=line\n', text)
        self.assertNotIn('\nNEXT=', text)
        self.assertEqual(self.json('show', 'evil', '--env', '--json')['COLOR'],
                         '\x1b[31mred\nNEXT=line')

    def test_check_and_unknown_job(self):
        self.add('check', '--check-url', 'http://127.0.0.1:9/')
        self.assertEqual(self.out('show', 'check', '--env'), '')
        self.assertEqual(self.json('show', 'check', '--env', '--json'), {})
        self.runtime_error('show', 'nope', '--env', contains=['nope'])

    def test_progress_from_inside_a_job(self):
        self.add('copy', '--shell', 'chronikerctl progress 3 10 copying')
        run_id = self.run_id_of(self.ok('run', 'copy', '--wait'))
        run = self.bus.get_run(run_id)
        self.assertEqual((run['progress-complete'], run['progress-total'],
                          run['progress-message']), (3, 10, 'copying'))


if __name__ == '__main__':
    c.main()
