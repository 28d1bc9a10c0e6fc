/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chronikerctl"

#include "config.h"

#include <glib/gi18n.h>
#include <pwd.h>
#include <string.h>
#include <sys/types.h>

#include "chk-cli-crontab.h"
#include "chk-schedule.h"

typedef struct
{
  char       *shell;
  char       *timezone;
  char      **mailto;
  GHashTable *environment;
} CrontabState;

void
chk_crontab_job_free (ChkCrontabJob *job)
{
  g_clear_pointer (&job->spec, g_variant_unref);
  g_free (job);
}

ChkCrontabProblem *
chk_crontab_problem_new (guint       line,
                         const char *message)
{
  ChkCrontabProblem *problem = g_new0 (ChkCrontabProblem, 1);

  problem->line = line;
  problem->message = g_strdup (message);
  return problem;
}

void
chk_crontab_problem_free (ChkCrontabProblem *problem)
{
  g_free (problem->message);
  g_free (problem);
}

static void G_GNUC_PRINTF (3, 4)
add_problem (GPtrArray  *problems,
             guint       line,
             const char *format,
             ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (problems, chk_crontab_problem_new (line, message));
}

/* NAME=value, NAME = "value", NAME='value': cron's variable lines. */
static gboolean
parse_assignment (const char  *line,
                  char       **out_name,
                  char       **out_value)
{
  const char *p = line;
  const char *eq;
  g_autofree char *value = NULL;
  gsize len;

  if (!(g_ascii_isalpha (*p) || *p == '_'))
    return FALSE;
  while (g_ascii_isalnum (*p) || *p == '_')
    p++;
  eq = p;
  while (*eq == ' ' || *eq == '\t')
    eq++;
  if (*eq != '=')
    return FALSE;

  value = g_strstrip (g_strdup (eq + 1));
  len = strlen (value);
  if (len >= 2 && (value[0] == '"' || value[0] == '\'') && value[len - 1] == value[0])
    {
      value[len - 1] = '\0';
      memmove (value, value + 1, len - 1);
    }

  *out_name = g_strndup (line, p - line);
  *out_value = g_steal_pointer (&value);
  return TRUE;
}

static void
apply_assignment (CrontabState *state,
                  const char   *name,
                  const char   *value)
{
  if (g_str_equal (name, "SHELL"))
    {
      g_free (state->shell);
      state->shell = g_strdup (value);
    }
  else if (g_str_equal (name, "MAILTO"))
    {
      g_auto(GStrv) addresses = g_strsplit_set (value, ", ", -1);
      GPtrArray *list = g_ptr_array_new ();

      for (guint i = 0; addresses[i] != NULL; i++)
        if (addresses[i][0] != '\0')
          g_ptr_array_add (list, g_strdup (addresses[i]));
      g_ptr_array_add (list, NULL);
      g_strfreev (state->mailto);
      state->mailto = (char **) g_ptr_array_free (list, FALSE);
    }
  else
    {
      if (g_str_equal (name, "CRON_TZ") || g_str_equal (name, "TZ"))
        {
          g_free (state->timezone);
          state->timezone = g_strdup (value);
        }
      if (!g_str_equal (name, "CRON_TZ"))
        g_hash_table_replace (state->environment, g_strdup (name), g_strdup (value));
    }
}

/* Splits "F1 F2 F3 F4 F5 rest of the line" into five fields and the rest. */
static gboolean
split_fields (const char  *line,
              guint        n_fields,
              char       **fields,
              const char **out_rest)
{
  const char *p = line;

  for (guint i = 0; i < n_fields; i++)
    {
      const char *start;

      while (*p == ' ' || *p == '\t')
        p++;
      start = p;
      while (*p != '\0' && *p != ' ' && *p != '\t')
        p++;
      if (p == start)
        return FALSE;
      fields[i] = g_strndup (start, p - start);
    }

  while (*p == ' ' || *p == '\t')
    p++;
  *out_rest = p;
  return TRUE;
}

/* A job line's schedule (five fields or a macro) and what follows it; FALSE
 * if it has fewer than five fields. */
static gboolean
split_job_line (const char  *line,
                char       **out_schedule,
                const char **out_rest)
{
  char *fields[5] = { NULL };
  gboolean ok;

  if (line[0] == '@')
    {
      if (!split_fields (line, 1, fields, out_rest))
        *out_rest = "";
      *out_schedule = fields[0];
      return TRUE;
    }

  ok = split_fields (line, 5, fields, out_rest);
  *out_schedule = ok ? g_strjoin (" ", fields[0], fields[1], fields[2], fields[3], fields[4], NULL)
                     : NULL;
  for (guint f = 0; f < 5; f++)
    g_free (fields[f]);
  return ok;
}

/* The word that starts @rest (a system crontab's user) and what follows it. */
static char *
split_user (const char  *rest,
            const char **out_command)
{
  const char *end = rest;

  while (*end != '\0' && *end != ' ' && *end != '\t')
    end++;
  *out_command = end;
  while (**out_command == ' ' || **out_command == '\t')
    (*out_command)++;
  return g_strndup (rest, end - rest);
}

static gboolean
is_job_line (const char *line)
{
  g_autofree char *name = NULL;
  g_autofree char *value = NULL;

  return line[0] != '\0' && line[0] != '#' && !parse_assignment (line, &name, &value);
}

/*
 * A system crontab has a user name before each command: every job line of
 * it starts with the name of an account of this system after its schedule,
 * and some have a command after that. A user's crontab almost never does
 * (a command may be named like an account, such as sync, but has nothing
 * after it then).
 */
static ChkCrontabFormat
detect_format (char **lines)
{
  gboolean has_command = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line = g_strstrip (g_strdup (lines[i]));
      g_autofree char *schedule = NULL;
      g_autofree char *user = NULL;
      const char *rest = NULL;
      const char *command = NULL;

      if (!is_job_line (line) || !split_job_line (line, &schedule, &rest))
        continue;
      user = split_user (rest, &command);
      if (user[0] == '\0' || getpwnam (user) == NULL)
        return CHK_CRONTAB_FORMAT_USER;
      has_command |= command[0] != '\0';
    }

  return has_command ? CHK_CRONTAB_FORMAT_SYSTEM : CHK_CRONTAB_FORMAT_USER;
}

/* cron turns an unescaped % into a newline and feeds what follows to stdin. */
static char *
unescape_command (const char *command,
                  gboolean   *out_has_percent)
{
  GString *out = g_string_new (NULL);

  *out_has_percent = FALSE;
  for (const char *p = command; *p != '\0'; p++)
    {
      if (p[0] == '\\' && p[1] == '%')
        {
          g_string_append_c (out, '%');
          p++;
        }
      else
        {
          if (*p == '%')
            *out_has_percent = TRUE;
          g_string_append_c (out, *p);
        }
    }
  return g_string_free (out, FALSE);
}

static GVariant *
make_spec (const CrontabState *state,
           const char         *prefix,
           guint               line_no,
           const char         *line,
           const char         *schedule,
           const char         *command)
{
  GVariantBuilder builder;
  GVariantBuilder environment;
  GHashTableIter iter;
  gpointer name, value;
  g_autofree char *job_name = g_strdup_printf ("%s-%u", prefix, line_no);
  g_autofree char *description = g_strdup_printf (_("crontab line %u: %s"), line_no, line);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string (job_name));
  g_variant_builder_add (&builder, "{sv}", "description", g_variant_new_string (description));
  g_variant_builder_add (&builder, "{sv}", "schedule", g_variant_new_string (schedule));

  if (state->shell == NULL || g_str_equal (state->shell, "/bin/sh"))
    {
      g_variant_builder_add (&builder, "{sv}", "shell", g_variant_new_string (command));
    }
  else
    {
      const char *argv[] = { state->shell, "-c", command, NULL };

      g_variant_builder_add (&builder, "{sv}", "command", g_variant_new_strv (argv, -1));
    }

  if (state->timezone != NULL)
    g_variant_builder_add (&builder, "{sv}", "timezone", g_variant_new_string (state->timezone));

  g_variant_builder_init (&environment, G_VARIANT_TYPE ("a{ss}"));
  g_hash_table_iter_init (&iter, state->environment);
  while (g_hash_table_iter_next (&iter, &name, &value))
    g_variant_builder_add (&environment, "{ss}", name, value);
  g_variant_builder_add (&builder, "{sv}", "environment", g_variant_builder_end (&environment));

  if (state->mailto != NULL && state->mailto[0] != NULL)
    {
      g_variant_builder_add (&builder, "{sv}", "email-to",
                             g_variant_new_strv ((const char * const *) state->mailto, -1));
      g_variant_builder_add (&builder, "{sv}", "email-on", g_variant_new_string ("failure"));
    }

  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/**
 * chk_crontab_parse:
 * @text: a crontab
 * @prefix: what job names start with
 * @format: the crontab's format, or %CHK_CRONTAB_FORMAT_AUTO to tell from its lines
 * @user: who runs the jobs: in a system crontab, lines for other users make no job
 * @out_jobs: (out) (element-type ChkCrontabJob): a job for each line that makes one
 * @out_problems: (out) (element-type ChkCrontabProblem): each line that can't, in line order
 *
 * Reads a crontab: variable lines (SHELL, PATH, MAILTO, CRON_TZ, TZ
 * and others) apply to the job lines after them; job lines are five
 * fields or a macro, then (in a system crontab) the user, then the
 * command. Nothing is sent anywhere.
 *
 * Returns: the format it was read in
 */
ChkCrontabFormat
chk_crontab_parse (const char        *text,
                   const char        *prefix,
                   ChkCrontabFormat   format,
                   const char        *user,
                   GPtrArray        **out_jobs,
                   GPtrArray        **out_problems)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) chk_crontab_job_free);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) chk_crontab_problem_free);
  CrontabState state = { 0 };

  if (format == CHK_CRONTAB_FORMAT_AUTO)
    format = detect_format (lines);

  state.environment = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint line_no = i + 1;
      g_autofree char *line = g_strstrip (g_strdup (lines[i]));
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;
      g_autofree char *schedule = NULL;
      g_autofree char *command = NULL;
      g_autofree char *run_as = NULL;
      g_autoptr(ChkSchedule) parsed = NULL;
      g_autoptr(GError) error = NULL;
      const char *rest = NULL;
      gboolean has_percent;

      if (line[0] == '\0' || line[0] == '#')
        continue;

      if (parse_assignment (line, &name, &value))
        {
          apply_assignment (&state, name, value);
          continue;
        }

      if (!split_job_line (line, &schedule, &rest))
        {
          if (format == CHK_CRONTAB_FORMAT_SYSTEM)
            add_problem (problems, line_no, _("line %u: expected five schedule fields, a user "
                                              "and a command"), line_no);
          else
            add_problem (problems, line_no, _("line %u: expected five schedule fields "
                                              "and a command"), line_no);
          continue;
        }

      parsed = chk_schedule_parse (schedule, &error);
      if (parsed == NULL)
        {
          add_problem (problems, line_no, _("line %u: %s"), line_no, error->message);
          continue;
        }

      if (format == CHK_CRONTAB_FORMAT_SYSTEM)
        {
          run_as = split_user (rest, &rest);
          if (run_as[0] == '\0')
            {
              add_problem (problems, line_no, _("line %u: there is no user and no command"), line_no);
              continue;
            }
          if (rest[0] == '\0')
            {
              add_problem (problems, line_no, _("line %u: there is no command after the user “%s”"),
                           line_no, run_as);
              continue;
            }
          /* chronikerd runs a user's jobs as that user: a line of someone else's
           * would run with other rights than its crontab gave it. */
          if (g_strcmp0 (run_as, user) != 0)
            {
              add_problem (problems, line_no, _("line %u: runs as “%s”, but the jobs you import run "
                                                "as you (“%s”); not imported"), line_no, run_as, user);
              continue;
            }
        }

      if (rest == NULL || rest[0] == '\0')
        {
          add_problem (problems, line_no, _("line %u: there is no command"), line_no);
          continue;
        }

      command = unescape_command (rest, &has_percent);
      if (has_percent)
        {
          add_problem (problems, line_no, _("line %u: a %% in the command (cron's standard "
                                            "input) is not supported; escape it as \\%%"), line_no);
          continue;
        }

      {
        ChkCrontabJob *job = g_new0 (ChkCrontabJob, 1);

        job->line = line_no;
        job->spec = make_spec (&state, prefix, line_no, line, schedule, command);
        g_ptr_array_add (jobs, job);
      }
    }

  g_free (state.shell);
  g_free (state.timezone);
  g_strfreev (state.mailto);
  g_hash_table_unref (state.environment);

  *out_jobs = g_steal_pointer (&jobs);
  *out_problems = g_steal_pointer (&problems);
  return format;
}
