/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-containment"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "chk-cgroup.h"

/* How long a start-up sweep waits for a killed cgroup to empty. */
#define LEFTOVER_WAIT_MS  2000

/* How many times a cgroup without cgroup.kill is swept with SIGKILL. */
#define KILL_SWEEPS       100

static const char * const v1_controller_names[CHK_CGROUP_N_HIERARCHIES] = {
  [CHK_CGROUP_PIDS] = "pids",
  [CHK_CGROUP_MEMORY] = "memory",
  [CHK_CGROUP_CPU] = "cpu",
  [CHK_CGROUP_CPUACCT] = "cpuacct",
};

static gboolean
chk_cgroup_write_file (const char  *path,
                       const char  *text,
                       GError     **error)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  gssize len = strlen (text);
  gssize written;
  int saved;

  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not open %s: %s", path, g_strerror (saved));
      return FALSE;
    }

  do
    written = write (fd, text, len);
  while (written < 0 && errno == EINTR);
  saved = errno;
  close (fd);

  if (written != len)
    {
      g_autofree char *shown = g_strstrip (g_strdup (text));

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Could not write “%s” to %s: %s", shown, path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/**
 * chk_cgroup_write:
 * @dir: a cgroup's directory
 * @file: one of its files, such as "pids.max"
 * @text: what to write into it, in one write()
 * @error: return location for a #GError
 *
 * Returns: whether the kernel took all of @text
 */
gboolean
chk_cgroup_write (const char  *dir,
                  const char  *file,
                  const char  *text,
                  GError     **error)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);

  return chk_cgroup_write_file (path, text, error);
}

/**
 * chk_cgroup_read:
 * @dir: a cgroup's directory
 * @file: one of its files
 *
 * Returns: (transfer full) (nullable): the file's contents, or %NULL when
 *   it could not be read
 */
char *
chk_cgroup_read (const char *dir,
                 const char *file)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  return contents;
}

/**
 * chk_cgroup_read_key:
 * @dir: a cgroup's directory
 * @file: a flat-keyed file of it, such as "cpu.stat"
 * @key: the key of the line wanted
 * @out_value: (out): the number after "@key " on that line
 *
 * Returns: whether the file has that line, with a number
 */
gboolean
chk_cgroup_read_key (const char *dir,
                     const char *file,
                     const char *key,
                     guint64    *out_value)
{
  g_autofree char *contents = chk_cgroup_read (dir, file);
  gsize key_len = strlen (key);

  if (contents == NULL)
    return FALSE;

  for (char *line = contents; line != NULL && *line != '\0'; )
    {
      char *end = strchr (line, '\n');

      if (end != NULL)
        *end = '\0';
      if (strncmp (line, key, key_len) == 0 && line[key_len] == ' ')
        return g_ascii_string_to_unsigned (line + key_len + 1, 10, 0, G_MAXUINT64,
                                           out_value, NULL);
      line = end != NULL ? end + 1 : NULL;
    }
  return FALSE;
}

/**
 * chk_cgroup_read_number:
 * @dir: a cgroup's directory
 * @file: a file of it that holds one number, such as "memory.peak"
 * @out_value: (out): the number
 *
 * Returns: whether the file could be read and holds a number
 */
gboolean
chk_cgroup_read_number (const char *dir,
                        const char *file,
                        guint64    *out_value)
{
  g_autofree char *contents = chk_cgroup_read (dir, file);

  if (contents == NULL)
    return FALSE;
  return g_ascii_string_to_unsigned (g_strstrip (contents), 10, 0, G_MAXUINT64, out_value, NULL);
}

/**
 * chk_cgroup_read_procs:
 * @dir: a cgroup's directory
 *
 * Returns: (transfer full) (element-type pid_t): the pids in its
 *   cgroup.procs, an empty array when it could not be read
 */
GArray *
chk_cgroup_read_procs (const char *dir)
{
  g_autofree char *contents = chk_cgroup_read (dir, "cgroup.procs");
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (pid_t));
  g_auto(GStrv) lines = NULL;

  if (contents == NULL)
    return pids;

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint64 pid;

      if (g_ascii_string_to_unsigned (lines[i], 10, 1, G_MAXINT32, &pid, NULL))
        {
          pid_t value = (pid_t) pid;
          g_array_append_val (pids, value);
        }
    }
  return pids;
}

/**
 * chk_cgroup_is_empty:
 * @dir: a cgroup's directory
 *
 * Returns: whether no process is left in the cgroup or below it, as
 *   cgroup.events says, or cgroup.procs where there is no cgroup.events
 */
gboolean
chk_cgroup_is_empty (const char *dir)
{
  g_autoptr(GArray) pids = NULL;
  guint64 populated;

  if (chk_cgroup_read_key (dir, "cgroup.events", "populated", &populated))
    return populated == 0;

  pids = chk_cgroup_read_procs (dir);
  return pids->len == 0;
}

/**
 * chk_cgroup_signal:
 * @dir: a cgroup's directory
 * @signum: the signal
 * @has_kill: whether the cgroup has cgroup.kill
 *
 * Sends @signum to every process of a cgroup; SIGKILL with cgroup.kill
 * where the kernel has it (5.14), which no fork can outrun, else with a
 * bounded number of sweeps over cgroup.procs.
 */
void
chk_cgroup_signal (const char *dir,
                   int         signum,
                   gboolean    has_kill)
{
  guint sweeps = signum == SIGKILL ? KILL_SWEEPS : 1;

  if (signum == SIGKILL && has_kill && chk_cgroup_write (dir, "cgroup.kill", "1", NULL))
    return;

  for (guint i = 0; i < sweeps; i++)
    {
      g_autoptr(GArray) pids = chk_cgroup_read_procs (dir);

      if (pids->len == 0)
        break;
      for (guint j = 0; j < pids->len; j++)
        (void) kill (g_array_index (pids, pid_t, j), signum);
    }
}

/**
 * chk_cgroup_remove:
 * @dir: a cgroup's directory
 * @wait: whether to wait, a couple of seconds at most, for it to empty
 *
 * Removes a cgroup, killed or empty by now: one with a process left stays,
 * as the kernel will not remove it.
 */
void
chk_cgroup_remove (const char *dir,
                   gboolean    wait)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) LEFTOVER_WAIT_MS * 1000;

  while (wait && !chk_cgroup_is_empty (dir) && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);

  if (g_rmdir (dir) != 0 && errno != ENOENT)
    g_debug ("Could not remove %s: %s", dir, g_strerror (errno));
}

/* The lines of a file of /proc, or NULL. */
static char **
read_lines (const char *path)
{
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  return g_strsplit (contents, "\n", -1);
}

/* Gives @value to each v1 hierarchy that has none yet and whose controller
 * is in the comma-separated @controllers. */
static void
set_v1_hierarchies (char       **found,
                    const char  *controllers,
                    const char  *value)
{
  g_auto(GStrv) names = g_strsplit (controllers, ",", -1);

  for (guint h = CHK_CGROUP_PIDS; h < CHK_CGROUP_N_HIERARCHIES; h++)
    if (found[h] == NULL && g_strv_contains ((const char * const *) names, v1_controller_names[h]))
      found[h] = g_strdup (value);
}

/**
 * chk_cgroup_find_mounts:
 * @mounts: indexed by #ChkCgroupHierarchy: each still %NULL is set to
 *   where that hierarchy is mounted, if it is, newly allocated
 *
 * Reads where each cgroup hierarchy is mounted from /proc/self/mountinfo.
 */
void
chk_cgroup_find_mounts (char **mounts)
{
  g_auto(GStrv) lines = read_lines ("/proc/self/mountinfo");

  for (guint i = 0; lines != NULL && lines[i] != NULL; i++)
    {
      /* id parent major:minor root mountpoint options [optional…] - fstype source superoptions */
      g_auto(GStrv) fields = g_strsplit (lines[i], " ", -1);
      guint n = g_strv_length (fields);
      guint dash;

      for (dash = 6; dash < n && strcmp (fields[dash], "-") != 0; dash++)
        ;
      if (n < 5 || dash + 3 > n || strcmp (fields[3], "/") != 0)
        continue;

      if (strcmp (fields[dash + 1], "cgroup2") == 0 && mounts[CHK_CGROUP_V2] == NULL)
        {
          mounts[CHK_CGROUP_V2] = g_strcompress (fields[4]);
        }
      else if (strcmp (fields[dash + 1], "cgroup") == 0 && dash + 3 < n)
        {
          g_autofree char *mountpoint = g_strcompress (fields[4]);

          set_v1_hierarchies (mounts, fields[dash + 3], mountpoint);
        }
    }
}

/**
 * chk_cgroup_find_own:
 * @own: indexed by #ChkCgroupHierarchy: set to the daemon's cgroup in
 *   that hierarchy, from its root, newly allocated
 *
 * Reads which cgroup the daemon is in, in each hierarchy, from
 * /proc/self/cgroup.
 */
void
chk_cgroup_find_own (char **own)
{
  g_auto(GStrv) lines = read_lines ("/proc/self/cgroup");

  for (guint i = 0; lines != NULL && lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], ":", 3);

      if (g_strv_length (fields) != 3)
        continue;

      if (strcmp (fields[0], "0") == 0 && fields[1][0] == '\0')
        {
          g_free (own[CHK_CGROUP_V2]);
          own[CHK_CGROUP_V2] = g_strdup (fields[2]);
        }
      else
        {
          set_v1_hierarchies (own, fields[1], fields[2]);
        }
    }
}
