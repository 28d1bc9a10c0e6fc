#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Storage faults: a database locked by another program, a full disk, a
database deleted while in use, a damaged one at start-up, and a database
path that is a symbolic link. The daemon keeps serving through each, says
what is wrong in Scheduler1.StorageProblem, and recovers by itself."""

import contextlib
import os
import sqlite3
import stat
import subprocess
import sys
import time

import chkharness as h

# Holds the database's write lock, as a backup or an sqlite3 shell would.
LOCKER = r'''
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute('BEGIN EXCLUSIVE')
print('locked', flush=True)
time.sleep(float(sys.argv[2]))
db.execute('COMMIT')
db.close()
'''


class StorageCase(h.DaemonTestCase):
    def storage_problem(self):
        return self.bus.prop(h.MANAGER_PATH, 'StorageProblem', iface=h.SCHEDULER_IFACE)

    def wait_storage_problem(self, pred, timeout, what):
        """Waits until pred(StorageProblem) holds; returns the property then."""
        seen = []

        def check():
            seen.append(self.storage_problem())
            return pred(seen[-1])
        h.wait_until(check, timeout, what, poll=0.05)
        return seen[-1]

    def timed_get_settings(self):
        start = time.monotonic()
        self.bus.get_settings()
        return time.monotonic() - start


def chronikerctl_path():
    """The built chronikerctl: CHRONIKERCTL, or beside chronikerd in the build tree."""
    path = os.environ.get('CHRONIKERCTL')
    if not path:
        build = os.path.dirname(os.path.dirname(os.environ.get('CHRONIKERD', '')))
        path = os.path.join(build, 'src', 'cli', 'chronikerctl')
    return path if os.access(path, os.X_OK) else None


class Locked(StorageCase):
    LOCK_SECONDS = 10

    def test_held_lock_never_freezes_the_daemon(self):
        # Each run outlasts the start of the lock: how it ended can only be
        # stored after the lock.
        job = self.make_job('every-second', command=['/bin/sleep', '2'],
                            schedule='FREQ=SECONDLY;INTERVAL=1')
        in_flight, _ = self.bus.wait_run_started(job, timeout=10)
        self.assertEqual(self.storage_problem(), '')

        locker = subprocess.Popen([sys.executable, '-c', LOCKER, self.db, str(self.LOCK_SECONDS)],
                                  stdout=subprocess.PIPE, text=True)
        self.addCleanup(lambda: locker.poll() is None and locker.kill())
        self.assertEqual(locker.stdout.readline().strip(), 'locked')
        locked_at = time.monotonic()

        with self.assert_error('Storage', 'locked by another program', 'python') as cm:
            self.bus.set_settings({'keep-runs-days': 9})
        self.assertIn(self.db, cm['message'])
        problem = self.wait_storage_problem(lambda p: p != '', 5, 'StorageProblem to be set')
        self.assertIn('locked by another program', problem)
        log_at_problem = len(self.read_log(self.daemon))

        # The main loop answers all through the lock: once the store knows
        # of the lock, no write waits for it, on the hot path or in the
        # probe (each wait is in the log; how long calls take is printed,
        # not judged: a loaded machine makes any figure flaky).
        latencies = []
        while time.monotonic() - locked_at < self.LOCK_SECONDS - 1:
            latencies.append(self.timed_get_settings())
            h.iterate(0.1)
        self.assertGreater(len(latencies), 30)
        print(f'# GetSettings during the lock: {len(latencies)} calls, '
              f'max {max(latencies) * 1000:.1f} ms, '
              f'mean {sum(latencies) / len(latencies) * 1000:.1f} ms')
        during = self.read_log(self.daemon)[log_at_problem:]
        # The write that found the lock did wait, and said so.
        self.assertIn('Waiting up to', self.read_log(self.daemon)[:log_at_problem])
        waits = [line for line in during.splitlines() if 'Waiting up to' in line]
        self.assertEqual(waits, [], 'no write waits for a lock the store knows of')
        self.assertEqual(self.daemon.alive(), True)

        self.assertEqual(locker.wait(timeout=10), 0)
        released = time.monotonic()
        mark = self.bus.mark()
        self.wait_storage_problem(lambda p: p == '', 5, 'StorageProblem to clear after the lock')
        print(f'# StorageProblem cleared {time.monotonic() - released:.2f} s after the lock ended')

        # Everything works again: settings are stored, and the job runs on.
        self.bus.set_settings({'keep-runs-days': 9})
        self.assertEqual(self.bus.get_settings()['keep-runs-days'], 9)
        run_id, _ = self.bus.wait_run_started(job, since=mark, timeout=5)
        print(f'# The every-second job started again {time.monotonic() - released:.2f} s '
              'after the lock ended')
        self.bus.wait_run_finished(run_id, timeout=10)
        self.assertEqual(self.bus.get_run(run_id)['outcome'], 'success')
        log = self.read_log(self.daemon)
        self.assertIn('Storage fails', log)
        self.assertIn('Storage works again', log)

        # No run is left "running" for a record that could not be written
        # while the lock was held. (A run that started just before the job
        # was disabled ends by itself: under ASan one was seen in the DB
        # before the job's Running property said so.)
        self.bus.update(job, {'enabled': False})
        self.bus.wait_prop(job, 'Running', False)
        h.wait_until(lambda: self.bus.list_runs({'outcome': 'running'}) == [], 10,
                     'no run left running')
        self.assertEqual(self.bus.get_run(in_flight)['outcome'], 'success')
        self.assertIn(f'Run {in_flight} of “every-second” is stored now', self.read_log(self.daemon))

    def test_run_due_during_lock_starts_after_it(self):
        # One occurrence in the middle of the lock, the next an hour later:
        # skipped, it would be lost to a database busy for a moment.
        start = (h.now_usec() // h.USEC + 4) * h.USEC
        job = self.make_job('hourly', command=['/bin/true'], schedule='FREQ=HOURLY',
                            start=start)
        self.assertEqual(self.bus.prop(job, 'NextRun'), start)

        locker = subprocess.Popen([sys.executable, '-c', LOCKER, self.db, '6'],
                                  stdout=subprocess.PIPE, text=True)
        self.addCleanup(lambda: locker.poll() is None and locker.kill())
        self.assertEqual(locker.stdout.readline().strip(), 'locked')
        h.wait_until(lambda: h.now_usec() > start + h.USEC // 2, 10, 'the occurrence to pass')
        self.assertEqual(self.bus.run_started_events(job), [], 'no run can start while locked')
        self.assertEqual(locker.wait(timeout=15), 0)
        released = time.monotonic()

        run_id, trigger = self.bus.wait_run_started(job, timeout=5)
        print(f'# The run due during the lock started {time.monotonic() - released:.2f} s '
              'after the lock ended')
        self.assertEqual(trigger, 'schedule')
        self.assertEqual(self.bus.wait_run_finished(run_id)[0], 'success')
        self.assertEqual(len(self.bus.run_started_events(job)), 1, 'it runs once')
        self.assertGreater(self.bus.prop(job, 'NextRun'), start + 3000 * h.USEC)
        self.assertEqual(self.read_log(self.daemon).count('Could not start “hourly” yet'), 1)


class DiskFull(StorageCase):
    start_daemon = False

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest('mounting a small tmpfs needs root')
        self.disk = os.path.join(self.tmp, 'small')
        os.mkdir(self.disk)
        subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=6m,mode=0700', 'tmpfs', self.disk],
                       check=True)
        # After the daemons end (cleanups run last-added first).
        self.addCleanup(lambda: subprocess.run(['umount', '-l', self.disk], check=False))
        self.addCleanup(self.stop_daemons)
        self.db = os.path.join(self.disk, 'chroniker.db')
        self.daemon = self.start_chronikerd()

    def stop_daemons(self):
        for d in self.daemons:
            if d.alive():
                d.terminate()

    def fill_disk(self):
        filler = os.path.join(self.disk, 'filler')
        with open(filler, 'wb', buffering=0) as f:
            with contextlib.suppress(OSError):
                while True:
                    f.write(b'\0' * 65536)
        return filler

    def test_disk_full(self):
        kept = [self.make_job(f'kept-{i}', description='x' * 500) for i in range(5)]
        run_id, outcome, _ = self.run_and_wait(kept[0])
        self.assertEqual(outcome, 'success')
        filler = self.fill_disk()

        with self.assert_error('Storage', 'is full', 'free some space') as cm:
            for i in range(50):
                self.make_job(f'too-many-{i}', description='y' * 4000)
        self.assertIn(self.db, cm['message'])
        self.assertIn('is full', self.storage_problem())
        self.assert_daemon_alive()
        for path in kept:
            self.assertTrue(self.bus.prop(path, 'Name').startswith('kept-'))
        self.assertEqual(self.bus.get_run(run_id)['outcome'], 'success')
        self.assertIn('Storage fails', self.read_log(self.daemon))

        os.unlink(filler)
        self.wait_storage_problem(lambda p: p == '', 5, 'StorageProblem to clear once there is room')
        self.bus.set_settings({'keep-runs-days': 3})
        late = self.make_job('after-the-disk-had-room')

        self.restart_daemon()
        self.assertEqual(self.bus.get_settings()['keep-runs-days'], 3)
        names = {self.bus.prop(p, 'Name') for p in self.bus.managed_objects()}
        self.assertLessEqual({f'kept-{i}' for i in range(5)} | {'after-the-disk-had-room'}, names)
        self.assertEqual(self.bus.get_run(run_id)['outcome'], 'success')
        self.assertIn(late, self.bus.managed_objects())
        self.assertEqual(self.storage_problem(), '')

    def test_start_on_a_full_disk(self):
        job = self.make_job('long', command=['sleep', '300'])
        run_id = self.bus.run(job)
        pid = self.bus.get_run(run_id)['pid']
        self.daemon.kill9()
        self.wait_no_owner()
        filler = self.fill_disk()

        # It starts, ends the dead daemon's run, and says the disk is full.
        self.daemon = self.start_chronikerd()
        self.wait_gone(pid)
        self.assertIn('is full', self.storage_problem())
        self.assertEqual(self.bus.get_job_by_name('long'), job)
        self.assertFalse(self.bus.prop(job, 'Running'))

        os.unlink(filler)
        self.wait_storage_problem(lambda p: p == '', 5, 'StorageProblem to clear once there is room')
        self.assertEqual(self.bus.get_run(run_id)['outcome'], 'interrupted')


class Deleted(StorageCase):
    def test_deleted_database_is_reported(self):
        before = self.make_job('before-delete')
        self.assertEqual(self.storage_problem(), '')
        os.unlink(self.db)
        # Found at the next write: it still works, into the unlinked file.
        self.bus.set_settings({'keep-runs-days': 4})
        problem = self.wait_storage_problem(lambda p: p != '', 2, 'StorageProblem to be set')
        self.assertIn('deleted', problem)
        self.assertIn(self.db, problem)
        self.assert_daemon_alive()
        self.assertIn('deleted', self.read_log(self.daemon))
        self.assertIn('WARNING', self.read_log(self.daemon))

        # What the daemon had is written back, and kept from then on.
        self.assertIn('wrote back', problem)
        self.assertTrue(os.path.isfile(self.db))
        after = self.make_job('after-delete')
        self.restart_daemon()
        self.assertEqual(self.storage_problem(), '')
        self.assertEqual(self.bus.get_settings()['keep-runs-days'], 4)
        self.assertEqual(self.bus.get_job_by_name('before-delete'), before)
        self.assertEqual(self.bus.get_job_by_name('after-delete'), after)

    def test_chronikerctl_warns(self):
        ctl = chronikerctl_path()
        if ctl is None:
            self.skipTest('chronikerctl is not built')

        def chronikerctl(*args):
            return subprocess.run([ctl, *args], env=self.env, capture_output=True, text=True,
                                  timeout=30)

        self.make_job('listed')
        quiet = chronikerctl('list')
        self.assertEqual(quiet.returncode, 0, quiet.stderr)
        self.assertEqual(quiet.stderr, '')

        os.unlink(self.db)
        self.bus.set_settings({'keep-runs-days': 4})
        problem = self.wait_storage_problem(lambda p: p != '', 2, 'StorageProblem to be set')
        for args in (['list'], ['show', 'listed'], ['list', '--json']):
            result = chronikerctl(*args)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn('listed', result.stdout)
            self.assertEqual(result.stderr, f'chronikerctl: warning: {problem}\n')

    def test_deleted_database_is_found_without_writes(self):
        # At once: the daemon watches its file rather than polling it
        os.unlink(self.db)
        problem = self.wait_storage_problem(lambda p: p != '', 3, 'StorageProblem to be set')
        self.assertIn('deleted', problem)
        self.assert_daemon_alive()


class Damaged(StorageCase):
    N_JOBS = 300

    def test_damaged_jobs_page_at_start_up(self):
        # Enough jobs for the table to span many pages
        for i in range(self.N_JOBS):
            self.make_job(f'job-{i:03}', description=f'{i:03}' * 100)
        runs = [self.run_and_wait(self.bus.get_job_by_name('job-000'))[0] for _ in range(3)]
        self.assertEqual(self.daemon.terminate(), 0)
        self.wait_no_owner()

        with contextlib.closing(sqlite3.connect(self.db)) as db:
            page_size = db.execute('PRAGMA page_size').fetchone()[0]
            leaves = [row[0] for row in db.execute(
                "SELECT pageno FROM dbstat WHERE name = 'jobs' AND pagetype = 'leaf' "
                "ORDER BY pageno")]
        self.assertGreater(len(leaves), 3, 'the jobs table spans several pages')
        victim = leaves[len(leaves) // 2]
        with open(self.db, 'r+b') as f:
            f.seek((victim - 1) * page_size)
            f.write(b'\xa5\x17garbage' * 64)

        self.daemon = self.start_chronikerd()
        problem = self.storage_problem()
        self.assertIn('damaged', problem)
        self.assertIn('.damaged-', problem)
        aside = [name for name in os.listdir(self.tmp)
                 if name.startswith('db.sqlite.damaged-') and not name.endswith(('-wal', '-shm'))]
        self.assertTrue(aside, 'the damaged database is kept')
        self.assertIn(aside[0], problem)

        names = sorted(self.bus.prop(p, 'Name') for p in self.bus.managed_objects())
        print(f'# {len(names)} of {self.N_JOBS} jobs recovered from a database with page '
              f'{victim} of the jobs table damaged')
        self.assertGreater(len(names), self.N_JOBS // 2)
        self.assertLess(len(names), self.N_JOBS)
        self.assertIn(f'{len(names)} jobs', problem)
        for name in names:
            self.assertRegex(name, r'^job-\d{3}$')
            path = self.bus.get_job_by_name(name)
            self.assertEqual(self.bus.prop(path, 'Description'), name[4:] * 100)
        if 'job-000' in names:
            self.assertEqual(self.bus.get_run(runs[-1])['outcome'], 'success')

        # It goes on working: a new job gets an id no lost job had.
        new = self.make_job('after-recovery')
        self.assertGreater(self.bus.prop(new, 'Id'), self.N_JOBS)
        self.run_and_wait(new)
        self.assert_daemon_alive()


class Symlink(StorageCase):
    start_daemon = False

    def test_symlinked_database_is_refused(self):
        target = os.path.join(self.tmp, 'elsewhere.db')
        with open(target, 'wb'):
            pass
        os.chmod(target, 0o644)
        link = os.path.join(self.tmp, 'link.db')
        os.symlink(target, link)

        d = self.spawn_chronikerd('--database', link, database=False)
        self.assertNotEqual(d.wait_exit(20), 0)
        self.assertIn('symbolic link', self.read_log(d))
        self.assertEqual(stat.S_IMODE(os.stat(target).st_mode), 0o644,
                         'the link target keeps its mode')
        self.assertEqual(os.path.getsize(target), 0, 'nothing was written through the link')

    def test_dangling_symlink_creates_nothing(self):
        target = os.path.join(self.tmp, 'nowhere.db')
        link = os.path.join(self.tmp, 'dangling.db')
        os.symlink(target, link)

        d = self.spawn_chronikerd('--database', link, database=False)
        self.assertNotEqual(d.wait_exit(20), 0)
        self.assertIn('symbolic link', self.read_log(d))
        self.assertFalse(os.path.lexists(target), 'nothing is created at the link target')
        self.assertFalse(os.path.lexists(target + '-wal'))

    def test_symlinked_lock_file_is_refused(self):
        target = os.path.join(self.tmp, 'lock-target')
        os.symlink(target, self.db + '.lock')

        d = self.spawn_chronikerd()
        self.assertNotEqual(d.wait_exit(20), 0)
        self.assertIn('symbolic link', self.read_log(d))
        self.assertFalse(os.path.lexists(target), 'nothing is created at the link target')


if __name__ == '__main__':
    h.main()
