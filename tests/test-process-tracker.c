/* SPDX-License-Identifier: GPL-3.0-or-later */

/*
 * The process-group containment's tracker (daemon/chk-process-tracker.c)
 * with real processes. The cases run in a PID namespace of their own,
 * where the test is pid 1 (the reaper of orphans, as the daemon is their
 * subreaper), has a /proc of its own, and may choose the next pid
 * (ns_last_pid) without touching the machine's: a pid that comes back is
 * made at once, not after the machine's pids went round. When the test
 * ends, the kernel ends whatever is left in the namespace.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chk-process-tracker.h"

/* How long a process has to end after SIGTERM */
#define END_SECONDS 10

static gboolean in_namespace;

/* Blocks until @fd has @pid, or the writer is gone. */
static pid_t
read_pid (int fd)
{
  pid_t pid = 0;

  g_assert_cmpint (read (fd, &pid, sizeof pid), ==, sizeof pid);
  return pid;
}

/* Forks a process that leads a session, and a group, of its own and
 * waits to be killed. Returns its pid once it leads them, or -1. Plain
 * calls only: a run's leader, a child of the test, uses it too. */
static pid_t
fork_session_leader (void)
{
  int ready[2];
  pid_t pid;
  char byte;

  if (pipe (ready) != 0)
    return -1;
  pid = fork ();
  if (pid == 0)
    {
      setsid ();
      close (ready[1]);
      for (;;)
        pause ();
    }
  /* Its end of the pipe closes once it leads them. */
  close (ready[1]);
  if (pid > 0 && read (ready[0], &byte, 1) != 0)
    pid = -1;
  close (ready[0]);
  return pid;
}

/* A run's main process: the leader of a group of its own, which starts
 * an escapee (a session of its own, so out of the group) and waits for a
 * byte on @go before it exits. The escapee's pid goes to @report once it
 * has left the group. */
static pid_t
start_leader (int go,
              int report)
{
  pid_t leader = fork ();

  g_assert_cmpint (leader, >=, 0);
  if (leader == 0)
    {
      pid_t escapee;
      char byte;

      setpgid (0, 0);
      escapee = fork_session_leader ();
      if (escapee < 0 || write (report, &escapee, sizeof escapee) != sizeof escapee)
        _exit (1);
      (void) !read (go, &byte, 1);
      _exit (0);
    }
  /* Either of the two calls is first: the group is the leader's from here. */
  setpgid (leader, leader);
  return leader;
}

/* A process of nobody's run that gets @pid and leads a group, and a
 * session, of its own: the test runner's programs are such leaders. */
static pid_t
start_stranger_as (pid_t pid)
{
  g_autofree char *last = g_strdup_printf ("%d", (int) pid - 1);
  int fd = open ("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);

  g_assert_no_errno (fd);
  g_assert_cmpint (write (fd, last, strlen (last)), ==, strlen (last));
  close (fd);
  return fork_session_leader ();
}

static gboolean
has_ended (pid_t pid)
{
  return waitpid (pid, NULL, WNOHANG) == pid;
}

static void
end (pid_t pid)
{
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
}

/* Once the run's group is empty, its number is free, and a stranger may
 * get it and lead a group under it: neither counted in the run nor
 * signalled, while the run's escapee is ended as ever. */
static void
test_group_number_given_again (void)
{
  g_autoptr(GTimer) timer = g_timer_new ();
  ChkProcessTracker *tracker;
  ChkTrackedRun *run;
  pid_t leader, escapee, stranger;
  int go[2], report[2];
  gboolean empty;

  if (!in_namespace)
    {
      g_test_skip ("needs a PID namespace of its own (root)");
      return;
    }

  g_assert_no_errno (pipe (go));
  g_assert_no_errno (pipe (report));
  leader = start_leader (go[0], report[1]);
  escapee = read_pid (report[0]);

  tracker = chk_process_tracker_new ();
  run = chk_process_tracker_add (tracker, 1, 0, leader);
  /* A scan finds the escapee while it is the leader's child. */
  g_assert_false (chk_process_tracker_is_empty (tracker, run));

  /* The leader ends and is reaped, as GSubprocess reaps it in the daemon;
   * the escapee, an orphan now, is ours. */
  g_assert_cmpint (write (go[1], "", 1), ==, 1);
  g_assert_cmpint (waitpid (leader, NULL, 0), ==, leader);
  g_assert_false (chk_process_tracker_is_empty (tracker, run));

  /* A member is told from a process that got its pid since by its start
   * time, in clock ticks (10 ms): in life, pids come back much later. */
  g_usleep (50 * 1000);
  stranger = start_stranger_as (leader);
  g_assert_cmpint (stranger, ==, leader);
  g_assert_cmpint (getpgid (stranger), ==, leader);

  /* The escapee is signalled, the stranger is not; and the run is empty
   * with the stranger still there. */
  g_assert_true (chk_process_tracker_signal (tracker, run, SIGTERM));
  g_timer_start (timer);
  while (!(empty = chk_process_tracker_is_empty (tracker, run)) &&
         g_timer_elapsed (timer, NULL) < END_SECONDS)
    g_usleep (10 * 1000);
  g_assert_true (empty);
  g_assert_false (has_ended (stranger));
  g_assert_cmpint (kill (escapee, 0), ==, -1);

  chk_process_tracker_remove (tracker, run);
  chk_process_tracker_free (tracker);
  end (stranger);
  for (guint i = 0; i < 2; i++)
    {
      close (go[i]);
      close (report[i]);
    }
}

/* Makes the process that calls it the parent of pid 1 of a new PID
 * namespace, with a /proc of its own, where the cases run. Returns in
 * that child only; the parent exits with its status. Without the right
 * (CAP_SYS_ADMIN), returns in this process, and the cases skip. */
static void
enter_pid_namespace (void)
{
  int status;
  pid_t child;

  if (unshare (CLONE_NEWPID | CLONE_NEWNS) != 0)
    {
      g_printerr ("# no PID namespace: %s\n", g_strerror (errno));
      return;
    }

  child = fork ();
  if (child < 0)
    g_error ("fork: %s", g_strerror (errno));
  if (child == 0)
    {
      /* Nothing mounted here reaches the machine's mounts. */
      if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
          mount ("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
        g_printerr ("# no /proc of our own: %s\n", g_strerror (errno));
      else
        in_namespace = TRUE;
      return;
    }

  if (waitpid (child, &status, 0) != child)
    g_error ("waitpid: %s", g_strerror (errno));
  fflush (stdout);
  _exit (WIFEXITED (status) ? WEXITSTATUS (status) : 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/process-tracker/group-number-given-again", test_group_number_given_again);

  enter_pid_namespace ();
  return g_test_run ();
}
