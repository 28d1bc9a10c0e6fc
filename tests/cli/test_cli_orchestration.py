#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""chronikerctl: the orchestration keys of DESIGN §7 (depends-on, run-on-*,
retries, random-delay, run-if) through add/edit and their options, show and
its --json, export and import --json, and what list, show and runs print of
WaitingFor, attempt and the skipped outcome."""

import json

import chkharness as h
import cliharness as c

ALL_ON = {'wait-for-completion': True, 'wait-for-success': True, 'wait-for-next-run': True}


def dependency(job, completion=True, success=True, next_run=True):
    return {'job': job, 'wait-for-completion': completion, 'wait-for-success': success,
            'wait-for-next-run': next_run}


fields = c.show_fields


def field_lines(text, label):
    """The values of a field of show and of the unlabelled lines that go on it."""
    values, inside = [], False
    for line in text.split('\n'):
        if line.startswith(label + ':'):
            inside = True
            values.append(line.split(':', 1)[1].strip())
        elif inside and line.startswith(' '):
            values.append(line.strip())
        else:
            inside = False
    return values


class OrchestrationTestCase(c.CliTestCase):
    def others(self, *names):
        """Makes the jobs that a test's jobs name: they must exist."""
        for name in names:
            self.add(name, '--', '/bin/true')


class Options(OrchestrationTestCase):
    def test_add_sets_every_key(self):
        self.others('backup', 'db:dump', 'mirror', 'publish', 'tweet', 'page-me')
        path = self.add('report', '--depends-on', 'backup', '--depends-on', 'db:dump:completion',
                        '--depends-on', 'mirror:success,next-run',
                        '--run-on-success', 'publish', '--run-on-success', 'tweet',
                        '--run-on-failure', 'page-me',
                        '--retries', '3', '--retry-delay', '90s', '--retry-backoff', '1.5',
                        '--retry-max-delay', '2h', '--random-delay', '5 min',
                        '--run-if', 'ac-power', '--run-if', 'unmetered-network',
                        '--run-if-wait', '10m', '--', '/bin/true')
        p = self.bus.props(path)
        self.assertEqual(p['DependsOn'], [dependency('backup'),
                                          dependency('db:dump', success=False, next_run=False),
                                          dependency('mirror', completion=False)])
        self.assertEqual(p['RunOnSuccess'], ['publish', 'tweet'])
        self.assertEqual(p['RunOnFailure'], ['page-me'])
        self.assertEqual((p['Retries'], p['RetryDelay'], p['RetryBackoff'], p['RetryMaxDelay']),
                         (3, 90, 1.5, 7200))
        self.assertEqual(p['RandomDelay'], 300)
        self.assertEqual(p['RunIf'], ['ac-power', 'unmetered-network'])
        self.assertEqual(p['RunIfWait'], 600)

        obj = self.show('report')
        self.assert_job_json(obj)
        self.assertEqual(obj['depends-on'], p['DependsOn'])
        self.assertEqual((obj['run-on-success'], obj['run-on-failure'], obj['run-if']),
                         (['publish', 'tweet'], ['page-me'], ['ac-power', 'unmetered-network']))
        self.assertEqual((obj['retries'], obj['retry-delay'], obj['retry-backoff'],
                          obj['retry-max-delay'], obj['random-delay'], obj['run-if-wait']),
                         (3, 90, 1.5, 7200, 300, 600))
        self.assertEqual(obj['waiting-for'], '')

    def test_defaults(self):
        path = self.add('plain', '--', '/bin/true')
        p = self.bus.props(path)
        self.assertEqual((p['DependsOn'], p['RunOnSuccess'], p['RunOnFailure'], p['RunIf']),
                         ([], [], [], []))
        self.assertEqual((p['Retries'], p['RetryDelay'], p['RetryBackoff'], p['RetryMaxDelay'],
                          p['RandomDelay'], p['RunIfWait']), (0, 60, 2.0, 3600, 0, 0))
        obj = self.show('plain')
        self.assert_job_json(obj)
        self.assertEqual(obj['retry-backoff'], 2.0)
        # show prints the keys only where they are set
        out = self.out('show', 'plain')
        for label in ('Depends on', 'On success, runs', 'On failure, runs', 'Retries',
                      'Random delay', 'Run if', 'Waiting for'):
            self.assertNotIn(label + ':', out)

    def test_flags_in_any_order_and_a_name_with_a_colon(self):
        self.others('a', 'b', 'host:job')
        path = self.add('x', '--depends-on', 'a:next-run,completion',
                        '--depends-on', 'b: success ', '--depends-on', 'host:job:',
                        '--', '/bin/true')
        self.assertEqual(self.bus.prop(path, 'DependsOn'),
                         [dependency('a', success=False),
                          dependency('b', completion=False, next_run=False),
                          dependency('host:job')])

    def test_edit_replaces_and_clears_lists(self):
        self.others('a', 'b', 'c', 's', 's2', 's3', 'f')
        path = self.add('x', '--depends-on', 'a', '--depends-on', 'b', '--run-on-success', 's',
                        '--run-on-failure', 'f', '--run-if', 'network', '--retries', '2',
                        '--', '/bin/true')
        before = self.show('x')
        self.ok('edit', 'x', '--depends-on', 'c:success')
        after = self.show('x')
        self.assertEqual(after['depends-on'], [dependency('c', completion=False, next_run=False)])
        self.assertEqual({k for k in c.SPEC_KEYS if before[k] != after[k]}, {'depends-on'},
                         'edit changes only what is given')

        self.ok('edit', 'x', '--run-on-success', 's2', '--run-on-success', 's3',
                '--run-if', 'ac-power', '--run-if', 'not-power-saver')
        p = self.bus.props(path)
        self.assertEqual((p['RunOnSuccess'], p['RunOnFailure'], p['RunIf']),
                         (['s2', 's3'], ['f'], ['ac-power', 'not-power-saver']))

        self.ok('edit', 'x', '--depends-on', '', '--run-on-success', '', '--run-on-failure', '',
                '--run-if', '')
        p = self.bus.props(path)
        self.assertEqual((p['DependsOn'], p['RunOnSuccess'], p['RunOnFailure'], p['RunIf']),
                         ([], [], [], []))
        self.assertEqual(p['Retries'], 2, 'clearing the lists keeps the rest')

        self.ok('edit', 'x', '--retries', '0', '--retry-delay', '0', '--retry-backoff', '1',
                '--retry-max-delay', '1w', '--random-delay', '0', '--run-if-wait', '1h 30m')
        p = self.bus.props(path)
        self.assertEqual((p['Retries'], p['RetryDelay'], p['RetryBackoff'], p['RetryMaxDelay'],
                          p['RandomDelay'], p['RunIfWait']), (0, 0, 1.0, 7 * 86400, 0, 5400))

    def test_bad_values_name_the_option(self):
        self.add('x', '--', '/bin/true')
        before = self.show('x')
        bad = [
            ('--depends-on', 'backup:sucess'),
            ('--depends-on', 'backup:completion,'),
            ('--depends-on', ':success'),
            ('--depends-on', '12345'),
            ('--run-on-success', ' padded'),
            ('--run-on-failure', 'a\nb'),
            ('--run-if', 'sunshine'),
            ('--retries', 'three'),
            ('--retries', '-1'),
            ('--retries', '101'),
            ('--retry-delay', '5 parsecs'),
            ('--retry-delay', '400d'),
            ('--retry-backoff', 'double'),
            ('--retry-backoff', '0.5'),
            ('--retry-backoff', '101'),
            ('--retry-backoff', 'nan'),
            ('--retry-backoff', '2x'),
            ('--retry-max-delay', '-1'),
            ('--random-delay', 'soon'),
            ('--run-if-wait', '2 years'),
        ]
        for option, value in bad:
            for verb in ('add', 'edit'):
                with self.subTest(verb=verb, option=option, value=value):
                    args = (['add', 'y', option, value, '--', '/bin/true'] if verb == 'add'
                            else ['edit', 'x', option, value])
                    r = self.usage_error(*args, contains=(option,))
                    self.assertTrue(r.err.startswith(f'chronikerctl: {option}: '), repr(r))
        self.assertEqual(self.show('x'), before, 'refused edits change nothing')
        self.assertEqual([j['name'] for j in self.json('list', '--json')], ['x'])
        # Twice the same name is refused too
        self.usage_error('edit', 'x', '--depends-on', 'a', '--depends-on', 'a:success',
                         contains=('--depends-on', 'twice'))
        self.usage_error('edit', 'x', '--run-if', 'network', '--run-if', 'network',
                         contains=('--run-if', 'twice'))

    def test_help_lists_the_options(self):
        out = self.out('add', '--help')
        for option in ('--depends-on=NAME[:FLAGS]', '--run-on-success', '--run-on-failure',
                       '--retries', '--retry-delay', '--retry-backoff=FACTOR',
                       '--retry-max-delay', '--random-delay', '--run-if=CONDITION',
                       '--run-if-wait'):
            self.assertIn(option, out)


class Show(OrchestrationTestCase):
    def test_show_in_words(self):
        self.others('backup', 'mirror', 'other', 'publish', 'tweet', 'page-me')
        self.add('report', '--depends-on', 'backup', '--depends-on', 'mirror:success',
                 '--depends-on', 'other:',
                 '--run-on-success', 'publish', '--run-on-success', 'tweet',
                 '--run-on-failure', 'page-me', '--retries', '3', '--retry-delay', '1m',
                 '--retry-backoff', '2', '--retry-max-delay', '1h', '--random-delay', '5m',
                 '--run-if', 'ac-power', '--run-if', 'network', '--run-if-wait', '10m',
                 '--', '/bin/true')
        out = self.out('show', 'report')
        f = fields(out)
        self.assertEqual(field_lines(out, 'Depends on'), [
            'backup (not while it runs, after it succeeded, not before its next run)',
            'mirror (after it succeeded)',
            'other (not while it runs, after it succeeded, not before its next run)'])
        self.assertEqual(f['On success, runs'], 'publish, tweet')
        self.assertEqual(f['On failure, runs'], 'page-me')
        self.assertEqual(f['Retries'], '3, after 1 min, ×2, up to 1 h')
        self.assertEqual(f['Random delay'], 'up to 5 min')
        self.assertEqual(f['Run if'], 'AC power, a network; waits up to 10 min, then skips')
        self.assertNotIn('Waiting for:', out, 'nothing is waiting')

        # One retry never grows; a factor of 1 neither
        self.ok('edit', 'report', '--retries', '1', '--run-if', 'unmetered-network',
                '--run-if', 'not-power-saver', '--run-if-wait', '0')
        f = fields(self.out('show', 'report'))
        self.assertEqual(f['Retries'], '1, after 1 min')
        self.assertEqual(f['Run if'], 'an unmetered network, power saver off; else skips')
        self.ok('edit', 'report', '--retries', '4', '--retry-backoff', '1', '--retry-delay', '30s')
        self.assertEqual(fields(self.out('show', 'report'))['Retries'], '4, after 30 s')
        self.ok('edit', 'report', '--retry-backoff', '1.5', '--retry-max-delay', '10s')
        self.assertEqual(fields(self.out('show', 'report'))['Retries'],
                         '4, after 30 s, ×1.5, up to 30 s',
                         'the delay never shrinks below the first')

    def test_waiting_for_in_show_list_and_json(self):
        self.add('a', '--', '/bin/true')
        path = self.add('b', '--depends-on', 'a', '--schedule', 'FREQ=SECONDLY', '--',
                        '/bin/true')
        # "a" never ran: "b" is due every second and waits for it to succeed
        self.bus.wait_prop(path, 'WaitingFor', 'a to succeed', timeout=5)
        self.assertEqual(self.show('b')['waiting-for'], 'a to succeed')
        self.assertEqual({j['name']: j['waiting-for'] for j in self.json('list', '--json')},
                         {'a': '', 'b': 'a to succeed'})
        self.assertEqual(fields(self.out('show', 'b'))['Waiting for'], 'a to succeed')
        self.assertNotIn('Waiting for', self.out('show', 'a'))
        rows = {line.split()[0]: line for line in self.out('list').split('\n')[1:] if line.strip()}
        self.assertIn('waiting: a to succeed', rows['b'])
        self.assertNotIn('waiting', rows['a'])
        self.ok('disable', 'b')


class ExportImport(OrchestrationTestCase):
    def test_round_trip_keeps_the_keys(self):
        self.others('backup', 'db', 'publish', 'page-me')
        self.add('chained', '--depends-on', 'backup:completion,next-run', '--depends-on', 'db',
                 '--run-on-success', 'publish', '--run-on-failure', 'page-me',
                 '--retries', '5', '--retry-delay', '2m', '--retry-backoff', '3.25',
                 '--retry-max-delay', '30m', '--random-delay', '45s', '--run-if', 'network',
                 '--run-if-wait', '1h', '--shell', 'make report')
        # Made after the job that names it: export lists it later, and import
        # must not depend on the order
        self.add('plain', '--', '/bin/true')
        self.ok('edit', 'chained', '--run-on-success', 'publish', '--run-on-success', 'plain')
        before = {j['name']: self.spec_of(j) for j in self.json('list', '--json')}
        exported = self.json('export')
        chained = next(j for j in exported if j['name'] == 'chained')
        self.assertEqual(chained['depends-on'],
                         [dependency('backup', success=False), dependency('db')])
        self.assertEqual(chained['retry-backoff'], 3.25)
        self.assertIs(type(next(j for j in exported if j['name'] == 'plain')['retry-backoff']),
                      float, 'a backoff of 2 is written as a double')

        # The job that names the others first: a named job cannot go before it
        for name in sorted(before, key=lambda name: name != 'chained'):
            self.ok('remove', name)
        self.ok('import', '--json', '-', input=json.dumps(exported))
        self.assertEqual({j['name']: self.spec_of(j) for j in self.json('list', '--json')}, before)

    def test_import_hand_written(self):
        # An integer factor, and dependencies with flags left out (true)
        jobs = [{'name': 'hand', 'command': ['/bin/true'], 'retry-backoff': 3, 'retries': 2,
                 'depends-on': [{'job': 'a'}, {'job': 'b', 'wait-for-success': False}],
                 'run-if': ['ac-power']},
                {'name': 'a', 'command': ['/bin/true']}, {'name': 'b', 'command': ['/bin/true']}]
        self.ok('import', '--json', '-', input=json.dumps(jobs))
        path = self.bus.get_job_by_name('hand')
        p = self.bus.props(path)
        self.assertEqual(p['RetryBackoff'], 3.0)
        self.assertEqual(p['Retries'], 2)
        self.assertEqual(p['DependsOn'], [dependency('a'), dependency('b', success=False)])
        self.assertEqual(p['RunIf'], ['ac-power'])

    def test_import_refuses_bad_entries(self):
        for key, value in (('depends-on', [{'job': 'a', 'wait-for-success': 'no'}]),
                           ('depends-on', [{'wait-for-success': True}]),
                           ('depends-on', 'a'),
                           ('retry-backoff', 'fast'),
                           ('run-if', ['sunshine'])):
            with self.subTest(key=key, value=value):
                job = {'name': 'bad', 'command': ['/bin/true'], key: value}
                message = self.runtime_error('import', '--json', '-', input=json.dumps([job]))
                self.assertIn(key, message)
        self.assertEqual(self.json('list', '--json'), [])


class Runs(OrchestrationTestCase):
    def test_attempt_and_trigger(self):
        self.add('once', '--retries', '2', '--', '/bin/true')
        run_id, _ = self.run_wait('once')
        runs = self.json('runs', 'once', '--json')
        self.assertEqual(len(runs), 1)
        self.assert_run_json(runs[0])
        self.assert_run_matches_bus(runs[0])
        self.assertEqual(runs[0]['attempt'], 1, 'a first run is attempt 1')
        table = self.out('runs', 'once')
        self.assertIn(' manual ', table)
        self.assertNotIn('manual (', table, 'a first attempt shows no number')

    def test_retries_and_skipped_runs_in_the_table(self):
        # A real retry; the skipped run is made so in the daemon's database
        # (skips need run-if conditions that do not hold, which
        # tests/dbus/test_conditions.py makes), as the store keeps them.
        path = self.add('flaky', '--retries', '1', '--retry-delay', '0', '--', '/bin/false')
        first, _ = self.run_wait('flaky', rc=1)
        h.wait_until(lambda: len([r for r in self.bus.job_runs(path) if r['finished']]) == 2, 10,
                     'the retry')
        second = max(r['id'] for r in self.bus.job_runs(path))
        self.ok('edit', 'flaky', '--retries', '0')
        third, _ = self.run_wait('flaky', rc=1)
        self.edit_database(("UPDATE runs SET \"trigger\" = 'schedule', outcome = 'skipped', "
                            "exit_code = -1, message = 'no AC power' WHERE id = ?", (third,)))

        runs = {r['id']: r for r in self.json('runs', 'flaky', '--json')}
        for run in runs.values():
            self.assert_run_json(run)
            self.assert_run_matches_bus(run)
        self.assertEqual((runs[first]['attempt'], runs[first]['trigger']), (1, 'manual'))
        self.assertEqual((runs[second]['attempt'], runs[second]['trigger']), (2, 'retry'))
        self.assertEqual(runs[third]['outcome'], 'skipped')

        rows = {line.split()[0]: line for line in self.out('runs', 'flaky').split('\n')[1:]
                if line.strip() and line.split()[0].isdigit()}
        self.assertIn(' retry (2) ', rows[str(second)])
        self.assertIn(' manual ', rows[str(first)])
        self.assertNotIn('(1)', rows[str(first)], 'a first attempt shows no number')
        self.assertIn(' skipped ', rows[str(third)])
        self.assertEqual([r['id'] for r in self.json('runs', '--outcome', 'skipped', '--json')],
                         [third])

    def test_skipped_is_an_outcome_to_filter_on(self):
        self.add('x', '--', '/bin/true')
        self.run_wait('x')
        self.assertEqual(self.json('runs', '--outcome', 'skipped', '--json'), [])
        self.assertEqual(self.out('runs', '--outcome', 'skipped'), 'No runs.\n')


if __name__ == '__main__':
    c.main()
