/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-job-spawn"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <grp.h>
#include <linux/close_range.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>

#if defined(__SANITIZE_ADDRESS__)
# define CHK_ASAN 1
#elif defined(__has_feature)
# if __has_feature (address_sanitizer)
#  define CHK_ASAN 1
# endif
#endif
#ifdef CHK_ASAN
# include <sanitizer/asan_interface.h>
#endif

#include "chk-job-env.h"
#include "chk-job-spawn.h"

/* The exit status of a child that could not join its cgroup. */
#define JOIN_FAILED_STATUS       126

/* Forces the spawns back to clone() and a write to cgroup.procs, as on a
 * kernel without clone3() or CLONE_INTO_CGROUP: for the tests of that
 * path only (tests/dbus/test_containment.py, tests/test-job-spawn.c). */
#define NO_CLONE3_ENV            "CHK_TEST_SPAWN_NO_CLONE3"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP        0x200000000ULL
#endif

/* struct clone_args of <linux/sched.h> as of Linux 5.7 (its cgroup
 * field), which cannot be included beside <sched.h>. */
typedef struct
{
  guint64 flags;
  guint64 pidfd;
  guint64 child_tid;
  guint64 parent_tid;
  guint64 exit_signal;
  guint64 stack;
  guint64 stack_size;
  guint64 tls;
  guint64 set_tid;
  guint64 set_tid_size;
  guint64 cgroup;
} ChkCloneArgs;

/* How far the child got before it could not go on. */
typedef enum
{
  STEP_NONE,
  STEP_USER,
  STEP_CHDIR,
  STEP_REDIRECT,
  STEP_EXEC,
} ChkChildStep;

/*
 * What the child needs, all made by the daemon before the clone: the child
 * shares the daemon's memory until its exec, so it allocates nothing. It
 * writes back how it failed, if it did.
 */
typedef struct
{
  char * const       *candidates;  /* the paths to exec, in PATH order */
  char              **argv;
  char              **sh_argv;     /* "/bin/sh", (the candidate), argv[1], … */
  char * const       *envp;
  const char         *working_directory;
  const ChkJobAccount *account;    /* who the job runs as; NULL: the daemon's user */
  int                 fds[4];      /* what becomes 0 to 3, each at 4 or above */
  int                 fd_limit;    /* no fd is at or above it */
  ChkRunGroup        *group;
  gboolean            into_cgroup; /* made in its v2 cgroup by clone3() */

  int                 join_error;
  ChkChildStep        failed_step;
  int                 failed_errno;
} ChkChild;

/* fs.nr_open's default: no fd of the daemon is at or above it. */
#define FD_LIMIT_MAX (1024 * 1024)

/* The child's stack: it runs only until its exec, through the dynamic
 * linker's lazy binding at most. */
#define CHILD_STACK_SIZE (64 * 1024)

/*
 * Runs in the child between clone and exec, on its own stack but in the
 * daemon's memory (CLONE_VM | CLONE_VFORK, as posix_spawn() does): no
 * fork copies the daemon's page tables, and no copy-on-write fault follows
 * in the daemon. Async-signal-safe calls only, and no writes to memory
 * but @data's results.
 */
static int
chk_job_spawn_child (void *data)
{
  ChkChild *child = data;
  struct sigaction dfl;
  sigset_t empty;
  int error = ENOENT;
  gboolean denied = FALSE;

  /* The daemon's handlers must not run here, on the daemon's memory: they
   * go back to the default (SIGPIPE too, which GIO ignores process-wide
   * and an exec would keep ignored: `producer | head` would go on writing
   * into a closed pipe instead of ending). The signals stay blocked until
   * the exec. */
  memset (&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; sig++)
    {
      struct sigaction old;

      if (sig == SIGPIPE ||
          (sigaction (sig, NULL, &old) == 0 && old.sa_handler != SIG_DFL &&
           old.sa_handler != SIG_IGN))
        (void) sigaction (sig, &dfl, NULL);
    }

  /* A group of its own, so that stop and timeout reach every process the
   * job starts even without cgroups; and its cgroup before anything else,
   * so that not even its first fork is outside it. */
  setpgid (0, 0);
  child->join_error = chk_run_group_join (child->group, child->into_cgroup);
  /* Never run a job uncontained: the daemon learns why from join_error. */
  if (child->join_error != 0)
    _exit (JOIN_FAILED_STATUS);

  /* Its user's, groups first, while the daemon's rights allow it; then the
   * directory, as that user may enter it. */
  if (child->account != NULL &&
      (setgroups (child->account->n_groups, child->account->groups) != 0 ||
       setgid (child->account->gid) != 0 || setuid (child->account->uid) != 0))
    {
      child->failed_errno = errno;
      child->failed_step = STEP_USER;
      _exit (127);
    }

  if (child->working_directory != NULL && chdir (child->working_directory) != 0)
    {
      child->failed_errno = errno;
      child->failed_step = STEP_CHDIR;
      _exit (127);
    }

  for (int fd = 0; fd < (int) G_N_ELEMENTS (child->fds); fd++)
    {
      if (dup2 (child->fds[fd], fd) < 0)
        {
          child->failed_errno = errno;
          child->failed_step = STEP_REDIRECT;
          _exit (127);
        }
    }
  /* Whatever the daemon has open without close-on-exec stays its own;
   * fd by fd before Linux 5.11. */
#ifdef SYS_close_range
  if (syscall (SYS_close_range, (unsigned int) G_N_ELEMENTS (child->fds), ~0U,
               CLOSE_RANGE_CLOEXEC) != 0)
#endif
    {
      for (int fd = G_N_ELEMENTS (child->fds); fd < child->fd_limit; fd++)
        (void) fcntl (fd, F_SETFD, FD_CLOEXEC);
    }

  sigemptyset (&empty);
  sigprocmask (SIG_SETMASK, &empty, NULL);

  /* As execvp(): a file that is no program is a shell script; a directory
   * that does not let us in does not end the search. */
  for (gsize i = 0; child->candidates[i] != NULL; i++)
    {
      execve (child->candidates[i], child->argv, child->envp);
      error = errno;
      if (error == ENOEXEC)
        {
          child->sh_argv[1] = child->candidates[i];
          execve ("/bin/sh", child->sh_argv, child->envp);
          error = errno;
        }
      if (error == EACCES)
        denied = TRUE;
      else if (error != ENOENT && error != ENOTDIR && error != ENODEV && error != ETIMEDOUT &&
               error != ESTALE)
        break;
    }

  child->failed_errno = error == ENOENT && denied ? EACCES : error;
  child->failed_step = STEP_EXEC;
  _exit (127);
}

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

/**
 * chk_job_pipes_open:
 * @pipes: (out caller-allocates): the pipes
 * @merge_stderr: whether stderr goes into the stdout pipe
 * @error: return location for a #GError
 *
 * Makes the pipes of a job's process: stdout, stderr (none with
 * @merge_stderr: one pipe for both, as 2>&1, so that their order is the
 * order of the job's writes) and the progress pipe. All are close-on-exec;
 * the child's ends are handed to it by fd number.
 *
 * Returns: whether the pipes were made; if not, none is open
 */
gboolean
chk_job_pipes_open (ChkJobPipes  *pipes,
                    gboolean      merge_stderr,
                    GError      **error)
{
  int fds[2];

  for (gsize i = 0; i < G_N_ELEMENTS (pipes->parent); i++)
    pipes->parent[i] = pipes->child[i] = -1;

  for (int i = 0; i < CHK_JOB_N_PIPES; i++)
    {
      if (i == CHK_JOB_PIPE_STDERR && merge_stderr)
        continue;
      if (!g_unix_open_pipe (fds, FD_CLOEXEC, error))
        {
          chk_job_pipes_clear (pipes);
          g_prefix_error (error, "Could not make the %s pipe: ",
                          i == CHK_JOB_PIPE_PROGRESS ? "progress" : "output");
          return FALSE;
        }
      pipes->parent[i] = fds[0];
      pipes->child[i] = fds[1];
    }

  return TRUE;
}

/**
 * chk_job_pipes_get_child_fd:
 * @pipes: the pipes
 * @pipe: which
 *
 * Returns: the child's end of @pipe: the stdout pipe's for stderr with
 *   merge-stderr
 */
int
chk_job_pipes_get_child_fd (const ChkJobPipes *pipes,
                            ChkJobPipe         pipe)
{
  if (pipe == CHK_JOB_PIPE_STDERR && pipes->child[pipe] < 0)
    return pipes->child[CHK_JOB_PIPE_STDOUT];
  return pipes->child[pipe];
}

/**
 * chk_job_pipes_close_child_ends:
 * @pipes: the pipes
 *
 * Closes the daemon's copies of the child's ends, once the child has its
 * own: else the pipes' end of file would never come.
 */
void
chk_job_pipes_close_child_ends (ChkJobPipes *pipes)
{
  for (gsize i = 0; i < G_N_ELEMENTS (pipes->child); i++)
    close_fd (&pipes->child[i]);
}

/**
 * chk_job_pipes_clear:
 * @pipes: the pipes
 *
 * Closes every end still open.
 */
void
chk_job_pipes_clear (ChkJobPipes *pipes)
{
  chk_job_pipes_close_child_ends (pipes);
  for (gsize i = 0; i < G_N_ELEMENTS (pipes->parent); i++)
    close_fd (&pipes->parent[i]);
}

/**
 * chk_job_pipes_steal:
 * @pipes: the pipes, whose child ends are closed
 * @process: the process that gets the daemon's ends
 *
 * Hands the daemon's ends over to @process; @pipes has none left.
 */
void
chk_job_pipes_steal (ChkJobPipes   *pipes,
                     ChkJobProcess *process)
{
  process->stdout_fd = pipes->parent[CHK_JOB_PIPE_STDOUT];
  process->stderr_fd = pipes->parent[CHK_JOB_PIPE_STDERR];
  process->progress_fd = pipes->parent[CHK_JOB_PIPE_PROGRESS];
  for (gsize i = 0; i < G_N_ELEMENTS (pipes->parent); i++)
    pipes->parent[i] = -1;
}

/**
 * chk_job_spawn_argv:
 * @spec: the job
 *
 * Returns: (transfer container): the argv of the job's process: its
 *   command, or its shell line run by /bin/sh
 */
char **
chk_job_spawn_argv (const ChkJobSpec *spec)
{
  char **argv;

  if (spec->command != NULL)
    return g_strdupv (spec->command);

  argv = g_new0 (char *, 4);
  argv[0] = g_strdup ("/bin/sh");
  argv[1] = g_strdup ("-c");
  argv[2] = g_strdup (spec->shell);
  return argv;
}

/**
 * chk_job_spawn:
 * @spec: the job
 * @envp: the environment of its process
 * @group: the run's group, which the process joins before its exec
 * @run_id: the run, for messages
 * @process: (out caller-allocates): the process and its pipes
 * @error: return location for a #GError
 *
 * Starts the job's process in a process group of its own and in @group,
 * with stdin on /dev/null, stdout and stderr on pipes (one pipe for both
 * with merge-stderr), the progress pipe on fd 3, in its working directory.
 * The process is not reaped: the caller waits for it, for its rusage.
 *
 * Returns: whether the process was started; if not, the process may have
 *   been made and failed in its exec, before which nothing of the job ran
 */
/* The paths that exec tries for @program, as execvp() searches @envp's
 * PATH: an empty entry is the working directory. */
static GStrv
find_candidates (const char         *program,
                 const char * const *envp)
{
  GPtrArray *candidates = g_ptr_array_new ();
  g_auto(GStrv) dirs = NULL;
  const char *path;

  if (program[0] == '\0' || strchr (program, '/') != NULL)
    {
      g_ptr_array_add (candidates, g_strdup (program));
      g_ptr_array_add (candidates, NULL);
      return (GStrv) g_ptr_array_free (candidates, FALSE);
    }

  path = g_environ_getenv ((char **) envp, "PATH");
  dirs = g_strsplit (path != NULL ? path : "/usr/local/bin:/usr/bin:/bin", ":", -1);
  for (gsize i = 0; dirs[i] != NULL; i++)
    g_ptr_array_add (candidates, dirs[i][0] == '\0' ? g_strdup (program) :
                                 g_build_filename (dirs[i], program, NULL));
  g_ptr_array_add (candidates, NULL);
  return (GStrv) g_ptr_array_free (candidates, FALSE);
}

static int
spawn_error_code (int error)
{
  switch (error)
    {
    case EACCES: return G_SPAWN_ERROR_ACCES;
    case EPERM: return G_SPAWN_ERROR_PERM;
    case E2BIG: return G_SPAWN_ERROR_TOO_BIG;
    case ENOEXEC: return G_SPAWN_ERROR_NOEXEC;
    case ENAMETOOLONG: return G_SPAWN_ERROR_NAMETOOLONG;
    case ENOENT: return G_SPAWN_ERROR_NOENT;
    case ENOMEM: return G_SPAWN_ERROR_NOMEM;
    case ENOTDIR: return G_SPAWN_ERROR_NOTDIR;
    case ELOOP: return G_SPAWN_ERROR_LOOP;
    case ETXTBSY: return G_SPAWN_ERROR_TXTBUSY;
    case EIO: return G_SPAWN_ERROR_IO;
    case ENFILE: return G_SPAWN_ERROR_NFILE;
    case EMFILE: return G_SPAWN_ERROR_MFILE;
    case EINVAL: return G_SPAWN_ERROR_INVAL;
    case EISDIR: return G_SPAWN_ERROR_ISDIR;
    case ELIBBAD: return G_SPAWN_ERROR_LIBBAD;
    default: return G_SPAWN_ERROR_FAILED;
    }
}

/* Why the child could not exec, in GSpawn's words. */
static void
set_child_error (const ChkChild  *child,
                 GError         **error)
{
  const char *reason = g_strerror (child->failed_errno);

  switch (child->failed_step)
    {
    case STEP_USER:
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_PERM,
                   _("Failed to run as user %s (uid %u) (%s)"), child->account->name,
                   (guint) child->account->uid, reason);
      break;
    case STEP_CHDIR:
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_CHDIR,
                   _("Failed to change to directory “%s” (%s)"), child->working_directory,
                   reason);
      break;
    case STEP_REDIRECT:
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                   _("Failed to redirect output or input of child process (%s)"), reason);
      break;
    case STEP_EXEC:
    case STEP_NONE:
    default:
      g_set_error (error, G_SPAWN_ERROR, spawn_error_code (child->failed_errno),
                   _("Failed to execute child process “%s” (%s)"), child->argv[0], reason);
      break;
    }
}

/* @fd, moved to 4 or above if it is below: each of fds 0 to 3 of the
 * child is made from one of these, which must not be one of them. */
static int
high_fd (int  fd,
         int *moved)
{
  if (fd >= 4)
    return fd;
  *moved = fcntl (fd, F_DUPFD_CLOEXEC, 4);
  return *moved;
}

/* Where the child's fallback for close_range() stops: no fd is at or
 * above the soft limit that can be opened, nor past the kernel's cap. */
static int
get_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
      limit.rlim_cur > FD_LIMIT_MAX)
    return FD_LIMIT_MAX;
  return (int) limit.rlim_cur;
}

/*
 * clone3() with the child on a stack of its own, which glibc does not
 * offer: in the child, the syscall returns on that stack, where nothing
 * can return to the caller; so, as glibc's own clone3 wrapper does, the
 * child calls fn (arg) right there and exits with what it returns. In
 * the daemon it returns the child's pid, or -errno. Only x86-64 has it
 * here; elsewhere it says ENOSYS and the spawns take clone().
 *
 *   long chk_clone3_raw (ChkCloneArgs *args, gsize size, int (*fn) (void *), void *arg);
 */
#if defined(__x86_64__) && defined(SYS_clone3)
G_GNUC_INTERNAL long chk_clone3_raw (ChkCloneArgs *args,
                                     gsize         size,
                                     int         (*fn) (void *),
                                     void         *arg);

__asm__ (".text\n"
         ".globl chk_clone3_raw\n"
         ".hidden chk_clone3_raw\n"
         ".type chk_clone3_raw, @function\n"
         ".p2align 4\n"
         "chk_clone3_raw:\n"
         "  mov %rcx, %r8\n"        /* arg, in a register the syscall keeps */
         "  mov $" G_STRINGIFY (SYS_clone3) ", %eax\n"
         "  syscall\n"
         "  test %rax, %rax\n"
         "  jz 1f\n"
         "  ret\n"                   /* the daemon: the pid or -errno */
         "1:\n"                      /* the child, on its own stack */
         "  xor %ebp, %ebp\n"
         "  and $-16, %rsp\n"
         "  mov %r8, %rdi\n"
         "  call *%rdx\n"            /* fn, kept by the syscall too */
         "  mov %rax, %rdi\n"
         "  mov $" G_STRINGIFY (SYS_exit) ", %eax\n"
         "  syscall\n"
         "  hlt\n"
         ".size chk_clone3_raw, .-chk_clone3_raw\n");

static pid_t
clone3_vm (ChkCloneArgs  *args,
           int          (*fn) (void *),
           void          *arg)
{
  long ret = chk_clone3_raw (args, sizeof *args, fn, arg);

  if (ret < 0)
    {
      errno = (int) -ret;
      return -1;
    }
  return (pid_t) ret;
}
#else
static pid_t
clone3_vm (ChkCloneArgs  *args G_GNUC_UNUSED,
           int          (*fn) (void *) G_GNUC_UNUSED,
           void          *arg G_GNUC_UNUSED)
{
  errno = ENOSYS;
  return -1;
}
#endif

/* Set once the kernel (or a seccomp filter) refused clone3() or its
 * CLONE_INTO_CGROUP outright: the spawns go straight to clone() then. */
static gint clone3_refused = FALSE;

/* Makes the child in its v2 cgroup with clone3(), where the kernel can:
 * it is in its cgroup from its first instruction, and saves the write to
 * cgroup.procs that would wait for the kernel's global lock on thread
 * groups. Returns the pid, or -1 with errno; child->into_cgroup says
 * whether the child came from here. */
static pid_t
clone_into_cgroup (ChkChild *child,
                   char     *stack,
                   int       cgroup_fd)
{
  ChkCloneArgs args = { 0, };
  pid_t pid;
  int saved;

  child->into_cgroup = FALSE;
  if (cgroup_fd < 0 || g_atomic_int_get (&clone3_refused) || g_getenv (NO_CLONE3_ENV) != NULL)
    {
      errno = ENOSYS;
      return -1;
    }

  args.flags = CLONE_VM | CLONE_VFORK | CLONE_INTO_CGROUP;
  args.exit_signal = SIGCHLD;
  args.stack = (guint64) (guintptr) stack;
  args.stack_size = CHILD_STACK_SIZE;
  args.cgroup = (guint64) cgroup_fd;

  /* Read by the child, in this memory, to skip joining the v2 cgroup. */
  child->into_cgroup = TRUE;
  pid = clone3_vm (&args, chk_job_spawn_child, child);
  saved = errno;
  if (pid < 0)
    {
      child->into_cgroup = FALSE;
      /* No clone3() (before Linux 5.3, or filtered), no CLONE_INTO_CGROUP
       * (before 5.7): for good. A cgroup the kernel will not make a child
       * in (EOPNOTSUPP) may be this one's only. */
      if ((saved == ENOSYS || saved == E2BIG || saved == EINVAL) &&
          !g_atomic_int_exchange (&clone3_refused, TRUE))
        g_debug ("Runs join their cgroups after clone(): clone3() into a cgroup was refused "
                 "(%s)", g_strerror (saved));
    }
  errno = saved;
  return pid;
}

/* Whether clone_into_cgroup()'s failure leaves clone() and a write to
 * cgroup.procs to try: the kernel refused the call or the flag, not the
 * process (EAGAIN, ENOMEM), which clone() would not get either. */
static gboolean
clone3_falls_back (int error)
{
  return error == ENOSYS || error == E2BIG || error == EINVAL || error == EOPNOTSUPP;
}

/* Clones the child and waits for its exec; returns its pid, or -1 with
 * @child's results or errno saying why. */
static pid_t
clone_child (ChkChild *child,
             int       cgroup_fd)
{
  sigset_t all, old;
  char *stack;
  pid_t pid;
  int saved;

  stack = mmap (NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED)
    return -1;

  /* No handler may run in the child before it has set them back. */
  sigfillset (&all);
  pthread_sigmask (SIG_SETMASK, &all, &old);
  pid = clone_into_cgroup (child, stack, cgroup_fd);
  if (pid < 0 && clone3_falls_back (errno))
    pid = clone (chk_job_spawn_child, stack + CHILD_STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD,
                 child);
  saved = errno;
  pthread_sigmask (SIG_SETMASK, &old, NULL);
#ifdef CHK_ASAN
  /* The child's frames marked parts of this stack in ASan's shadow, which
   * munmap() leaves as it is: memory mapped here later (SQLite's pages)
   * would look like a stack in use. */
  ASAN_UNPOISON_MEMORY_REGION (stack, CHILD_STACK_SIZE);
#endif
  munmap (stack, CHILD_STACK_SIZE);

  errno = saved;
  return pid;
}

/**
 * chk_job_spawn:
 * @spec: the job
 * @envp: the environment of its process
 * @group: the run's group, which the process joins before its exec
 * @run_id: the run, for messages
 * @process: (out caller-allocates): the process and its pipes
 * @error: return location for a #GError
 *
 * Starts the job's process in a process group of its own and in @group,
 * with stdin on /dev/null, stdout and stderr on pipes (one pipe for both
 * with merge-stderr), the progress pipe on fd 3, in its working directory.
 * The process is not reaped: the caller waits for it, for its rusage.
 *
 * Returns: whether the process was started; if not, the process may have
 *   been made and failed in its exec, before which nothing of the job ran
 */
gboolean
chk_job_spawn (const ChkJobSpec    *spec,
               const char * const  *envp,
               ChkRunGroup         *group,
               guint64              run_id,
               ChkJobProcess       *process,
               GError             **error)
{
  g_auto(GStrv) argv = chk_job_spawn_argv (spec);
  g_auto(GStrv) candidates = NULL;
  g_autofree char **sh_argv = NULL;
  g_autofree char *working_directory = NULL;
  g_autoptr(ChkJobAccount) account = NULL;
  ChkJobPipes pipes;
  ChkChild child = { 0, };
  int moved[4] = { -1, -1, -1, -1 };
  int null_fd;
  pid_t pid;
  guint argc = g_strv_length (argv);

  /* Asked before the clone: NSS is not for the child. */
  if (!chk_job_account_lookup (spec, &account, error))
    return FALSE;

  if (!chk_job_pipes_open (&pipes, spec->merge_stderr, error))
    return FALSE;

  null_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0)
    {
      int saved = errno;

      chk_job_pipes_clear (&pipes);
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                   _("Failed to open file “%s” (%s)"), "/dev/null", g_strerror (saved));
      return FALSE;
    }

  candidates = find_candidates (argv[0], envp);
  sh_argv = g_new0 (char *, argc + 2);
  sh_argv[0] = (char *) "/bin/sh";
  for (guint i = 1; i < argc; i++)
    sh_argv[i + 1] = argv[i];

  child.candidates = candidates;
  child.argv = argv;
  child.sh_argv = sh_argv;
  child.envp = (char * const *) envp;
  working_directory = chk_job_account_working_directory (spec, account);
  child.working_directory = working_directory;
  child.account = account;
  child.group = group;
  child.fd_limit = get_fd_limit ();
  child.fds[0] = high_fd (null_fd, &moved[0]);
  child.fds[1] = high_fd (chk_job_pipes_get_child_fd (&pipes, CHK_JOB_PIPE_STDOUT), &moved[1]);
  child.fds[2] = high_fd (chk_job_pipes_get_child_fd (&pipes, CHK_JOB_PIPE_STDERR), &moved[2]);
  child.fds[3] = high_fd (chk_job_pipes_get_child_fd (&pipes, CHK_JOB_PIPE_PROGRESS),
                          &moved[3]);

  pid = -1;
  if (child.fds[0] >= 0 && child.fds[1] >= 0 && child.fds[2] >= 0 && child.fds[3] >= 0)
    pid = clone_child (&child, chk_run_group_get_cgroup_fd (group));
  else
    child.failed_errno = errno;

  if (pid < 0 && child.failed_step == STEP_NONE)
    {
      int saved = errno;

      g_set_error (error, G_SPAWN_ERROR,
                   saved == ENOMEM ? G_SPAWN_ERROR_NOMEM : G_SPAWN_ERROR_FORK,
                   _("Failed to fork (%s)"), g_strerror (saved));
    }

  for (gsize i = 0; i < G_N_ELEMENTS (moved); i++)
    if (moved[i] >= 0)
      close (moved[i]);
  close (null_fd);
  chk_job_pipes_close_child_ends (&pipes);

  /* Gone before its exec: reaped here, as nothing of the job ran. */
  if (pid > 0 && child.failed_step != STEP_NONE)
    {
      while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
        ;
      set_child_error (&child, error);
      pid = -1;
    }

  if (pid < 0)
    {
      chk_job_pipes_clear (&pipes);
      return FALSE;
    }

  process->pid = pid;
  process->pgid = pid;
  process->join_error = child.join_error;
  process->into_cgroup = child.into_cgroup;
  if (chk_run_group_get_cgroup_fd (group) >= 0)
    g_debug ("Run %" G_GUINT64_FORMAT ": %s", run_id,
             child.into_cgroup ? "made in its cgroup by clone3()" :
                                 "joined its cgroup after clone()");
  chk_job_pipes_steal (&pipes, process);

  return TRUE;
}
