#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The system mode's allow-shell policy, with the real polkitd (test_system's
private system bus, imported): with the setting false, a caller without
manage-all-jobs may not give a job code on its command line, nor a variable
that loads code; root may.

Until jobs have users of their own, every CreateJob and Update needs
manage-all-jobs in the first place. So the user here holds it by a rule,
except when the daemon asks for the allow-shell policy's sake: the rule
reads the detail io.github.chroniker.Chroniker.reason, which the daemon
sets to "allow-shell" for that question. The refusal then goes through the
same path as for a caller that holds only manage-own-jobs.
"""

import chkharness as h
import test_system as ts
from gi.repository import GLib

REASON = 'io.github.chroniker.Chroniker.reason'


class Policy(ts.SystemMode):
    rules = {'10-chroniker-test.rules': '''
polkit.addRule(function(action, subject) {
    if (subject.user != "@USER@")
        return polkit.Result.NOT_HANDLED;
    if (action.id == "%s" && action.lookup("%s") == "allow-shell")
        return polkit.Result.NO;
    if (action.id == "%s" || action.id == "%s")
        return polkit.Result.YES;
});
''' % (ts.ACTION_ALL, REASON, ts.ACTION_ALL, ts.ACTION_OWN)}

    def setUp(self):
        super().setUp()
        self.start_system_daemon()
        self.root_set_settings({'allow-shell': False})

    def assert_user_refused(self, call, *contains):
        error = self.user_call_error(call)
        self.assertEqual(error.name, h.ERROR_PREFIX + 'ShellDisabled', str(error))
        for word in contains + ('allow-shell', ts.ACTION_ALL):
            self.assertIn(word, error.message)
        return error.message

    def user_create(self, name, command, environment=None):
        spec = {'name': name, 'command': command}
        if environment is not None:
            spec['environment'] = environment
        return lambda: self.user.create_job(spec)

    def job_names(self):
        return sorted(props['Name'] for _, props in self.system.list_jobs())

    def test_code_on_the_command_line_is_refused_to_the_user(self):
        cases = [
            (['sh', '-c', 'id'], 'sh -c'),
            (['/bin/bash', '-ec', 'id'], 'bash -c'),
            (['/usr/bin/python3.11', '-c', 'pass'], 'python3.11 -c'),
            (['perl', '-le', 'print 1'], 'perl -e'),
            (['env', 'A=1', 'dash', '-c', 'id'], 'dash -c'),
            (['nice', '-n', '5', 'node', '--eval', '1'], 'node --eval'),
        ]
        for i, (command, named) in enumerate(cases):
            with self.subTest(command=command):
                self.assert_user_refused(self.user_create(f'code-{i}', command), named)
        self.assertEqual(self.job_names(), [], 'no job was made')

    def test_variables_that_load_code_are_refused_to_the_user(self):
        for name in ('BASH_ENV', 'ENV', 'LD_PRELOAD', 'LD_LIBRARY_PATH', 'PYTHONPATH',
                     'NODE_OPTIONS'):
            with self.subTest(variable=name):
                self.assert_user_refused(self.user_create('vars', ['/bin/true'],
                                                          {name: '/tmp/x'}), name)
        self.assertEqual(self.job_names(), [])

    def test_harmless_look_alikes_are_the_user_s(self):
        self.user_create('script', ['/usr/bin/python3', '/opt/backup.py', '-c', 'x'])()
        self.user_create('grep', ['grep', '-e', 'x', '/etc/hosts'], {'LANG': 'C'})()
        self.assertEqual(self.job_names(), ['grep', 'script'])

    def test_an_update_is_checked_in_what_it_changes(self):
        path = self.system.create_job({'name': 'admin-made', 'command': ['sh', '-c', 'id'],
                                       'environment': {'LD_PRELOAD': '/lib/x.so'}})
        # What root gave stays; the user may change the rest.
        self.user.job(path, 'Update', h.vardict({'description': 'nightly'}, h.SPEC_TYPES))
        self.assert_user_refused(lambda: self.user.job(
            path, 'Update', h.vardict({'command': ['perl', '-e', '1']}, h.SPEC_TYPES)), 'perl -e')
        self.assert_user_refused(lambda: self.user.job(
            path, 'Update', h.vardict({'environment': {'LD_PRELOAD': '/tmp/y.so'}},
                                      h.SPEC_TYPES)), 'LD_PRELOAD')
        props = dict(self.system.list_jobs())[path]
        self.assertEqual(props['Description'], 'nightly')
        self.assertEqual(list(props['Command']), ['sh', '-c', 'id'])

    def test_root_may(self):
        path = self.system.create_job({'name': 'root-code', 'command': ['sh', '-c', 'id'],
                                       'environment': {'LD_PRELOAD': '/lib/x.so'}})
        self.system.job(path, 'Update', GLib.Variant.new_tuple(
            h.vardict({'command': ['python3', '-c', 'pass']}, h.SPEC_TYPES)))
        self.assertEqual(self.job_names(), ['root-code'])
        self.assertEqual(list(dict(self.system.list_jobs())[path]['Command']),
                         ['python3', '-c', 'pass'])

    def test_shell_lines_stay_refused_to_everyone(self):
        with self.assert_error('ShellDisabled', 'allow-shell'):
            self.system.create_job({'name': 'shell', 'shell': 'id'})

    def test_with_allow_shell_true_the_policy_is_off(self):
        self.root_set_settings({'allow-shell': True})
        self.user_create('code', ['sh', '-c', 'id'], {'LD_PRELOAD': '/lib/x.so'})()
        self.assertEqual(self.job_names(), ['code'])


if __name__ == '__main__':
    h.main()
