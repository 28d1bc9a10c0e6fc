/* SPDX-License-Identifier: GPL-3.0-or-later */

/* bench-stamp: the job that bench-daemon.py runs to see when a run's exec
 * happened. It reads the wall clock first thing and appends
 * "<CHRONIKER_RUN_ID> <µs since the epoch>\n" to the file named by
 * $BENCH_STAMP_FILE, then exits 0.
 *
 * Plain libc only, no GLib: the less it loads, the closer the stamp is to
 * the exec. One write() on an O_APPEND descriptor, so that concurrent runs
 * never interleave their lines.
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int
main (void)
{
  struct timespec now;
  const char *path;
  const char *run_id;
  char line[128];
  int len;
  int fd;

  if (clock_gettime (CLOCK_REALTIME, &now) != 0)
    return 1;

  path = getenv ("BENCH_STAMP_FILE");
  if (path == NULL || *path == '\0')
    {
      fputs ("bench-stamp: BENCH_STAMP_FILE is not set\n", stderr);
      return 2;
    }

  run_id = getenv ("CHRONIKER_RUN_ID");
  if (run_id == NULL || *run_id == '\0')
    run_id = "-";

  len = snprintf (line, sizeof line, "%s %lld\n", run_id,
                  (long long) now.tv_sec * 1000000 + now.tv_nsec / 1000);
  if (len < 0 || (size_t) len >= sizeof line)
    return 1;

  fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      perror ("bench-stamp: open");
      return 1;
    }
  if (write (fd, line, (size_t) len) != len)
    {
      perror ("bench-stamp: write");
      close (fd);
      return 1;
    }

  return close (fd) == 0 ? 0 : 1;
}
