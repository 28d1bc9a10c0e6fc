/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-job-spawn"

#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "chk-containment.h"
#include "chk-error.h"
#include "chk-job-env.h"
#include "chk-job-spawn.h"
#include "chk-job-spec.h"

/*
 * A job's process and what it starts are in the run's cgroups from their
 * first instruction, whether the kernel made the process there (clone3()
 * with CLONE_INTO_CGROUP) or it joined them after clone(), the path taken
 * where the kernel has no clone3() and forced here by the environment
 * variable that chk-job-spawn.c reads for the tests.
 *
 * These need a machine where the test may make cgroups (root, or a
 * delegated cgroup): elsewhere they are skipped.
 */

#define NO_CLONE3_ENV "CHK_TEST_SPAWN_NO_CLONE3"

typedef struct
{
  ChkContainment *containment;
  guint64         next_run;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *tag = g_strdup_printf ("test-job-spawn-%d", (int) getpid ());

  f->containment = chk_containment_new (tag, CHK_CONTAINMENT_MODE_CGROUP, NULL);
  /* Far above the daemon's run ids, so as not to meet one in a cgroup name. */
  f->next_run = G_GUINT64_CONSTANT (9000000000) + (guint64) getpid () * 1000;
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_unsetenv (NO_CLONE3_ENV);
  g_clear_object (&f->containment);
}

static char *
read_all (int fd)
{
  GString *text = g_string_new (NULL);
  char buf[4096];
  gssize n;

  while ((n = read (fd, buf, sizeof buf)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, >, 0);
      g_string_append_len (text, buf, n);
    }
  return g_string_free (text, FALSE);
}

/* The v2 cgroup in the lines of /proc/<pid>/cgroup, or NULL. */
static const char *
find_v2_cgroup (char **lines)
{
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "0::"))
      return lines[i] + strlen ("0::");
  return NULL;
}

/* The cgroup in the v1 hierarchy of @controller in the lines of
 * /proc/<pid>/cgroup, or NULL where the controller has none. */
static const char *
find_v1_cgroup (char       **lines,
                const char  *controller)
{
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], ":", 3);
      g_auto(GStrv) controllers = NULL;

      if (g_strv_length (fields) != 3 || strcmp (fields[0], "0") == 0)
        continue;
      controllers = g_strsplit (fields[1], ",", -1);
      if (g_strv_contains ((const char * const *) controllers, controller))
        return strchr (strchr (lines[i], ':') + 1, ':') + 1;
    }
  return NULL;
}

/* A spec's string: what chk_job_spec_new() put there ("" or NULL) is freed. */
static void
set_string (char       **member,
            const char  *value)
{
  g_free (*member);
  *member = g_strdup (value);
}

/* Spawns a shell whose child (cat) prints its cgroups, in the group of a
 * run with @limits; returns the lines, with whether the kernel made the
 * process in its cgroup. */
static char **
spawn_cat_cgroup (Fixture            *f,
                  const ChkRunLimits *limits,
                  char              **out_run_cgroup,
                  gboolean           *out_into_cgroup)
{
  g_autoptr(ChkJobSpec) spec = chk_job_spec_new ();
  g_autoptr(ChkRunGroup) group = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  g_autofree char *output = NULL;
  ChkJobProcess process = { 0, };
  guint64 run_id = f->next_run++;
  int status;

  group = chk_containment_create_group (f->containment, run_id, limits, &error);
  g_assert_no_error (error);
  g_assert_nonnull (group);

  set_string (&spec->shell, "cat /proc/self/cgroup; exit 3");
  set_string (&spec->working_directory, "/");
  spec->merge_stderr = TRUE;

  g_assert_true (chk_job_spawn (spec, (const char * const *) envp, group, run_id, &process,
                                &error));
  g_assert_no_error (error);
  chk_run_group_set_leader (group, process.pgid);
  g_assert_cmpint (process.join_error, ==, 0);

  output = read_all (process.stdout_fd);
  while (waitpid (process.pid, &status, 0) < 0)
    g_assert_cmpint (errno, ==, EINTR);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 3);
  close (process.stdout_fd);
  close (process.progress_fd);

  *out_run_cgroup = g_strdup (chk_run_group_get_path (group));
  *out_into_cgroup = process.into_cgroup;
  return g_strsplit (g_strstrip (output), "\n", -1);
}

/* Asserts that the process in @lines is in the run's cgroup in the v1
 * hierarchy of @controller, or is not, where that hierarchy is mounted. */
static void
assert_in_v1 (char       **lines,
              const char  *controller,
              const char  *run_name,
              gboolean     expected)
{
  const char *v1 = find_v1_cgroup (lines, controller);

  if (v1 != NULL)
    g_assert_cmpint (g_str_has_suffix (v1, run_name), ==, expected);
}

/* Spawns a run with @limits: the v2 cgroup of the job's child is the
 * run's, and a v1 hierarchy holds it only for a limit set there (pids for
 * a max-tasks, cpu for a cpu-weight) or, memory, for the memory peak. */
static void
check_run (Fixture            *f,
           const ChkRunLimits *limits,
           gboolean            expect_into_cgroup)
{
  g_auto(GStrv) lines = NULL;
  g_autofree char *run_cgroup = NULL;
  g_autofree char *run_name = NULL;
  const char *v2;
  gboolean into_cgroup = FALSE;

  lines = spawn_cat_cgroup (f, limits, &run_cgroup, &into_cgroup);
  g_assert_cmpint (into_cgroup, ==, expect_into_cgroup);

  v2 = find_v2_cgroup (lines);
  g_assert_nonnull (v2);
  g_assert_true (g_str_has_suffix (run_cgroup, v2));
  run_name = g_path_get_basename (run_cgroup);
  g_assert_true (g_str_has_prefix (run_name, "chroniker-run-"));

  assert_in_v1 (lines, "pids", run_name, limits->max_tasks > 0);
  assert_in_v1 (lines, "memory", run_name, TRUE);
  assert_in_v1 (lines, "cpu", run_name, limits->cpu_weight != 100);
}

static void
check_cgroups (Fixture  *f,
               gboolean  expect_into_cgroup)
{
  const ChkRunLimits tasks = { .max_tasks = 16, .memory_max = 0, .cpu_weight = 100 };
  const ChkRunLimits weight = { .max_tasks = 0, .memory_max = 0, .cpu_weight = 500 };

  if (f->containment == NULL)
    {
      g_test_skip ("this test may not make cgroups here");
      return;
    }

  check_run (f, &tasks, expect_into_cgroup);
  check_run (f, &weight, expect_into_cgroup);
}

/* Whether this kernel has clone3() at all, or refuses it (seccomp). */
static gboolean
have_clone3 (void)
{
#ifdef SYS_clone3
  return syscall (SYS_clone3, NULL, 0) < 0 && errno != ENOSYS;
#else
  return FALSE;
#endif
}

static void
test_clone3 (Fixture       *f,
             gconstpointer  data)
{
  if (!have_clone3 ())
    {
      g_test_skip ("no clone3() here");
      return;
    }
  check_cgroups (f, TRUE);
}

static void
test_fallback (Fixture       *f,
               gconstpointer  data)
{
  g_setenv (NO_CLONE3_ENV, "1", TRUE);
  check_cgroups (f, FALSE);
}

/* Spawns @spec, with the environment the daemon gives it, in a process
 * group of its own (no cgroup needed); returns whether it was spawned. */
static gboolean
spawn_in_process_group (Fixture           *f,
                        const ChkJobSpec  *spec,
                        ChkJobProcess     *process,
                        GError           **error)
{
  g_autoptr(ChkContainment) containment = NULL;
  g_autoptr(ChkRunGroup) group = NULL;
  g_autoptr(ChkJobEnv) env = chk_job_env_new ();
  guint64 run_id = f->next_run++;
  g_auto(GStrv) envp = chk_job_env_build (env, spec, 1, spec->name, run_id);
  const ChkRunLimits limits = { .max_tasks = 0, .memory_max = 0, .cpu_weight = 100 };
  g_autofree char *tag = g_strdup_printf ("test-job-spawn-user-%d", (int) getpid ());

  containment = chk_containment_new (tag, CHK_CONTAINMENT_MODE_PROCESS_GROUP, NULL);
  group = chk_containment_create_group (containment, run_id, &limits, error);
  if (group == NULL)
    return FALSE;
  return chk_job_spawn (spec, (const char * const *) envp, group, run_id, process, error);
}

static int
compare_uints (gconstpointer a,
               gconstpointer b)
{
  guint x = *(const guint *) a;
  guint y = *(const guint *) b;

  return x < y ? -1 : x > y;
}

/* A job's user without an account: nothing is spawned, and the error names it. */
static void
test_user_missing (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(ChkJobSpec) spec = chk_job_spec_new ();
  g_autoptr(GError) error = NULL;
  ChkJobProcess process = { 0, };

  set_string (&spec->name, "no such user");
  set_string (&spec->shell, "echo should not run");
  set_string (&spec->user, "chk-no-such-user");

  g_assert_false (spawn_in_process_group (f, spec, &process, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "chk-no-such-user"));
}

/* Spawned by root, a job of another user runs as that user: uid, groups
 * (initgroups), HOME, USER and LOGNAME, as the system daemon runs its users' jobs. */
static void
test_user_switch (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ChkJobSpec) spec = chk_job_spec_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autofree char *output = NULL;
  g_autoptr(GArray) groups = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree gid_t *listed = NULL;
  ChkJobProcess process = { 0, };
  struct passwd *nobody;
  int n_groups = 64;
  int status;

  nobody = getpwnam ("nobody");
  if (getuid () != 0 || nobody == NULL)
    {
      g_test_skip ("only root may run a job as another user, here nobody");
      return;
    }
  listed = g_new (gid_t, n_groups);
  g_assert_cmpint (getgrouplist ("nobody", nobody->pw_gid, listed, &n_groups), >=, 0);
  for (int i = 0; i < n_groups; i++)
    {
      guint gid = listed[i];

      g_array_append_val (groups, gid);
    }
  g_array_sort (groups, compare_uints);
  g_string_append_printf (expected, "%u %u\n", (guint) nobody->pw_uid, (guint) nobody->pw_gid);
  for (guint i = 0; i < groups->len; i++)
    {
      if (i == 0 || g_array_index (groups, guint, i) != g_array_index (groups, guint, i - 1))
        g_string_append_printf (expected, "%u\n", g_array_index (groups, guint, i));
    }
  g_string_append_printf (expected, "%s\nnobody\nnobody\n", nobody->pw_dir);

  set_string (&spec->name, "as nobody");
  set_string (&spec->shell, "echo $(id -u) $(id -g); id -G | tr ' ' '\\n' | sort -n | uniq; "
                            "echo \"$HOME\"; echo \"$USER\"; echo \"$LOGNAME\"");
  set_string (&spec->user, "nobody");
  set_string (&spec->working_directory, "/");

  g_assert_true (spawn_in_process_group (f, spec, &process, &error));
  g_assert_no_error (error);
  output = read_all (process.stdout_fd);
  while (waitpid (process.pid, &status, 0) < 0)
    g_assert_cmpint (errno, ==, EINTR);
  close (process.stdout_fd);
  close (process.stderr_fd);
  close (process.progress_fd);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_assert_cmpstr (output, ==, expected->str);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/job-spawn/cgroup/clone3", Fixture, NULL, fixture_setup, test_clone3,
              fixture_teardown);
  g_test_add ("/job-spawn/cgroup/fallback", Fixture, NULL, fixture_setup, test_fallback,
              fixture_teardown);
  g_test_add ("/job-spawn/user/missing", Fixture, NULL, fixture_setup, test_user_missing,
              fixture_teardown);
  g_test_add ("/job-spawn/user/switch", Fixture, NULL, fixture_setup, test_user_switch,
              fixture_teardown);

  return g_test_run ();
}
