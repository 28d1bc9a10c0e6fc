#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scheduler1.ListJobs (issue 18): the jobs page by page, in the order of their ids, each
with the Job1 properties GetManagedObjects gives; the end, the limits, a bad start, and
jobs made and deleted between the pages."""

import chkharness as h
from chkharness import JOB_IFACE


def job_id(path):
    return int(path.rsplit('/', 1)[1])


class ListJobs(h.DaemonTestCase):
    def all_pages(self, limit, between=None):
        """Every page from the start, as a list of pages; between(n) runs after page n."""
        pages = []
        after = '/'
        while True:
            page = self.bus.list_jobs(after, limit)
            if not page:
                return pages
            pages.append(page)
            after = page[-1][0]
            if between is not None:
                between(len(pages))

    def make_jobs(self, count, prefix='paged'):
        return [self.make_job(f'{prefix}-{i:03}', schedule='@daily') for i in range(count)]

    def test_pages_cover_every_job_once(self):
        # More than ten, so that ids 1..9 and 10.. show that the order is by id, not by path
        paths = self.make_jobs(23)
        h.iterate(0.3)
        objects = self.bus.managed_objects()
        for limit in (1, 5, 7, 23, 1000):
            with self.subTest(limit=limit):
                pages = self.all_pages(limit)
                self.assertTrue(all(len(page) <= limit for page in pages))
                self.assertTrue(all(len(page) == limit for page in pages[:-1]))
                listed = [path for page in pages for path, _ in page]
                self.assertEqual(listed, sorted(paths, key=job_id))
                for page in pages:
                    for path, properties in page:
                        self.assertEqual(properties, objects[path][JOB_IFACE], path)

    def test_limits(self):
        paths = self.make_jobs(12)
        for limit in (0, 2**32 - 1):
            with self.subTest(limit=limit):
                page = self.bus.list_jobs('/', limit)
                self.assertEqual([path for path, _ in page], sorted(paths, key=job_id))

    def test_limit_capped(self):
        self.make_jobs(1005, 'many')
        for limit in (0, 1001, 2**32 - 1):
            with self.subTest(limit=limit):
                self.assertEqual(len(self.bus.list_jobs('/', limit)), 1000)
        self.assertEqual(sum(len(page) for page in self.all_pages(0)), 1005)

    def test_empty_and_past_the_end(self):
        self.assertEqual(self.bus.list_jobs('/', 10), [])
        paths = self.make_jobs(3)
        last = max(paths, key=job_id)
        self.assertEqual(self.bus.list_jobs(last, 10), [])
        self.assertEqual(self.bus.list_jobs(f'{h.JOBS_PATH}/{job_id(last) + 1000}', 10), [])

    def test_after_a_deleted_job(self):
        paths = sorted(self.make_jobs(4), key=job_id)
        self.bus.delete(paths[1])
        self.assertEqual([path for path, _ in self.bus.list_jobs(paths[1], 10)], paths[2:])

    def test_bad_after(self):
        for after in (h.MANAGER_PATH, h.JOBS_PATH, h.JOBS_PATH + '/0', h.JOBS_PATH + '/x',
                      h.JOBS_PATH + '/1/2', '/org/example'):
            with self.subTest(after=after):
                with self.assert_error('InvalidArgument', 'after', after):
                    self.bus.list_jobs(after, 10)
        self.assert_daemon_alive()

    def test_jobs_made_and_deleted_between_pages(self):
        paths = sorted(self.make_jobs(10), key=job_id)
        made = []

        def between(n):
            if n == 1:
                # One already listed and one still to come go; a new one comes.
                self.bus.delete(paths[0])
                self.bus.delete(paths[7])
                made.append(self.make_job('late'))
                self.bus.update(paths[8], {'description': 'changed meanwhile'})

        pages = self.all_pages(4, between)
        listed = [path for page in pages for path, _ in page]
        self.assertEqual(listed, paths[:4] + paths[4:7] + paths[8:] + made)
        self.assertEqual(len(set(listed)), len(listed))
        properties = dict(p for page in pages for p in page)
        self.assertEqual(properties[paths[8]]['Description'], 'changed meanwhile')
        self.assertEqual(properties[made[0]]['Name'], 'late')


if __name__ == '__main__':
    h.main()
