#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Resource exhaustion (issue 10): with no thread and no process to be had, the
daemon logs, degrades and keeps serving, instead of aborting as it did with
"GLib-ERROR: creating thread 'chk-notify': Resource temporarily unavailable".

chronikerd runs as a system account that runs nothing else, so that
RLIMIT_NPROC, which counts every process and thread of a uid, is ours to set;
as root it would not hold. The limit is lowered on the running daemon with
prlimit, run as that user (root here lacks CAP_SYS_RESOURCE): a fixed number
of processes, never a fork loop."""

import contextlib
import os
import shutil
import subprocess

import chkharness as h
import chkusers as cu
from gi.repository import GLib

SAFETY_NPROC = 64
PRLIMIT = shutil.which('prlimit')


def thread_count(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('Threads:'):
                return int(line.split()[1])
    raise AssertionError(f'no thread count for {pid}')


def idle_pool_threads(pid):
    """The threads of GLib's thread pools in process PID (named pool-PRGNAME;
    not the pool-spawner, which only asks for threads)."""
    names = []
    for tid in os.listdir(f'/proc/{pid}/task'):
        with contextlib.suppress(FileNotFoundError):
            with open(f'/proc/{pid}/task/{tid}/comm') as f:
                names.append(f.read().strip())
    return [n for n in names if n.startswith('pool-') and n != 'pool-spawner']


class Exhaustion(cu.MultiUserTestCase):
    def setUp(self):
        if PRLIMIT is None:
            self.skipTest('needs prlimit')
        super().setUp()

    def start_as_user(self):
        uid, gid = cu.quiet_account()
        return self.start_chronikerd_as(uid, gid, '--retry-delays', '', nproc=SAFETY_NPROC)

    def set_nproc(self, soft):
        """Sets the daemon's soft RLIMIT_NPROC (the hard one stays SAFETY_NPROC)."""
        subprocess.run(cu.as_user(self.uid, self.gid, [
            PRLIMIT, '--pid', str(self.daemon.pid), f'--nproc={soft}:{SAFETY_NPROC}']),
            check=True, stdin=subprocess.DEVNULL, timeout=10)

    def wait_run(self, client, run_id, done, what):
        return h.wait_for(lambda: client.get_run(run_id), done, 20, what, poll=0.2)

    def output_text(self, client, run_id):
        chunks, _ = client.sched('ReadRunOutput', GLib.Variant('t', run_id),
                                 GLib.Variant('t', 0), GLib.Variant('u', 65536)).unpack()
        return b''.join(bytes(c[3]) for c in chunks).decode(errors='replace')

    def test_no_thread_nor_process(self):
        client = self.start_as_user()
        client.set_settings({'notifications': True, 'smtp-url': 'smtp://127.0.0.1:9'})
        path = client.create_job({'name': 'wants-alerts', 'command': ['/bin/sh', '-c', 'exit 3'],
                                  'notify-on': 'failure', 'email-on': 'failure',
                                  'email-to': ['ops@example.com']})

        # A thread that a pool has no more work for waits up to 15 s for
        # any other pool's; the one that read the network monitors at the
        # daemon's start would carry the email. The case is an email that
        # needs a new thread, so it waits until that one is gone.
        pid = self.daemon.pid
        h.wait_until(lambda: not idle_pool_threads(pid), 30, 'the idle pool threads to end',
                     poll=0.2)

        # Nothing of the daemon's uid may start a thread or a process now.
        self.set_nproc(1)
        threads = thread_count(pid)

        run_id = client.run(path)
        run = self.wait_run(client, run_id, lambda r: r['outcome'] != 'running',
                            f'run {run_id} to end')
        self.assertEqual(run['outcome'], 'failed-to-start')
        reason = run.get('message', '') + '\n' + self.output_text(client, run_id)
        self.assertIn('resource temporarily unavailable', reason.lower(),
                      'the run says why it did not start')

        # The notification and the email each wanted a thread, and had none.
        run = self.wait_run(client, run_id, lambda r: r['alert-error'] != '',
                            f'the alert error of run {run_id}')
        self.assertIn('could not start a thread to send the email', run['alert-error'].lower())
        log = self.read_log(self.daemon)
        self.assertIn('Could not start a thread for desktop notifications', log)
        self.assertIn('Could not start a thread to send an email', log)
        self.assertNotIn('GLib-ERROR', log)
        self.assertLessEqual(thread_count(pid), threads)

        # Alive and answering all the while.
        self.assertTrue(self.daemon.alive(), log[-3000:])
        self.assertTrue(self.bus.has_owner())
        self.assertEqual(client.get_settings()['smtp-url'], 'smtp://127.0.0.1:9')
        self.assertEqual(client.job(path, 'ListRuns', GLib.Variant('u', 0),
                                    GLib.Variant('u', 10)).unpack()[0][0]['id'], run_id)

        # Given threads and processes again, it just goes on.
        self.set_nproc(SAFETY_NPROC)
        again = client.run(path)
        run = self.wait_run(client, again, lambda r: r['outcome'] != 'running',
                            f'run {again} to end')
        self.assertEqual((run['outcome'], run['exit-code']), ('failure', 3))
        # Now a thread tries the mail server (nothing listens on port 9).
        run = self.wait_run(client, again, lambda r: r['alert-error'] != '',
                            f'the alert error of run {again}')
        self.assertNotIn('thread', run['alert-error'].lower())
        self.assertTrue(self.daemon.alive())


if __name__ == '__main__':
    h.main()
