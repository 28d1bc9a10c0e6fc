/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-code-policy"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "chk-code-policy.h"
#include "chk-error.h"

/*
 * What the system daemon's `allow-shell` setting refuses besides shell
 * lines, to callers that may not manage every job: commands that give an
 * interpreter its code on the command line, and variables that have a
 * program load code. It is a policy, not a sandbox: a program may still
 * read code from a file, and many programs (awk, find -exec, make, …)
 * run what their arguments say. It keeps the easy equivalents of a shell
 * line out, the ones that say so on their face.
 */

/*
 * Interpreters by their name without a folder and without a version
 * ("/usr/bin/python3.11" is "python"), the options that give them code
 * (a short one also counts among other letters: "bash -ec", "perl -le"),
 * and the short options whose value follows (a letter after them is the
 * value's: "perl -Mfeature" gives no -e; perl's -l and -0 take digits
 * only, so "perl -le" does).
 */
static const struct
{
  const char *name;
  const char *code_options[6];
  const char *value_letters;
} interpreters[] = {
  { "sh", { "-c" }, "oO" },
  { "ash", { "-c" }, "oO" },
  { "bash", { "-c" }, "oO" },
  { "dash", { "-c" }, "oO" },
  { "ksh", { "-c" }, "oO" },
  { "mksh", { "-c" }, "oO" },
  { "zsh", { "-c" }, "oO" },
  { "csh", { "-c" }, "" },
  { "tcsh", { "-c" }, "" },
  { "fish", { "-c", "--command", "-C", "--init-command" }, "" },
  { "su", { "-c", "--command", "--session-command" }, "" },
  { "runuser", { "-c", "--command", "--session-command" }, "" },
  { "script", { "-c", "--command" }, "" },
  { "python", { "-c" }, "WXm" },
  { "pypy", { "-c" }, "WXm" },
  { "perl", { "-e", "-E" }, "MmIixCdD" },
  { "ruby", { "-e" }, "IrCEFK" },
  { "node", { "-e", "--eval", "-p", "--print" }, "r" },
  { "nodejs", { "-e", "--eval", "-p", "--print" }, "r" },
  { "php", { "-r", "-B", "-R", "-E" }, "cdfz" },
  { "lua", { "-e" }, "l" },
  { "luajit", { "-e" }, "lj" },
};

/* Programs that run the command after their own arguments: "env … sh -c". */
static const char * const wrappers[] = {
  "env", "nice", "nohup", "timeout", "ionice", "setsid", "stdbuf", "chrt", "taskset",
  "time", "flock", "busybox", "xargs", "sudo", "doas", "setpriv", "unshare", "nsenter",
  "chroot", "prlimit", "systemd-run", "numactl", "strace", "ltrace", "cgexec", "firejail",
  "catchsegv", "valgrind", NULL
};

/* Variables that have a shell, the dynamic linker or an interpreter load code. */
static const char * const code_variables[] = {
  "BASH_ENV", "ENV", "ZDOTDIR", "SHELLOPTS", "BASHOPTS", "PS4",
  "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "GCONV_PATH",
  "PYTHONSTARTUP", "PYTHONPATH", "PYTHONHOME", "PYTHONUSERBASE",
  "PERL5OPT", "PERL5LIB", "PERLLIB", "PERL5DB",
  "RUBYOPT", "RUBYLIB", "NODE_OPTIONS", "NODE_PATH",
  "PHPRC", "PHP_INI_SCAN_DIR", "LUA_INIT", "LUA_PATH", "LUA_CPATH",
  "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", NULL
};

/* … and those of names that begin so: exported bash functions, versioned Lua ones. */
static const char * const code_variable_prefixes[] = {
  "BASH_FUNC_", "LUA_INIT_", "LUA_PATH_", "LUA_CPATH_", NULL
};

/* "/usr/bin/python3.11" → "python", "perl5.36" → "perl", "sh" → "sh" */
static char *
bare_name (const char *argument)
{
  const char *slash = strrchr (argument, '/');
  char *name = g_strdup (slash != NULL ? slash + 1 : argument);
  gsize length = strlen (name);

  while (length > 0 && (g_ascii_isdigit (name[length - 1]) || name[length - 1] == '.'))
    name[--length] = '\0';
  return name;
}

static gint
find_interpreter (const char *argument)
{
  g_autofree char *name = bare_name (argument);

  for (guint i = 0; i < G_N_ELEMENTS (interpreters); i++)
    if (g_str_equal (interpreters[i].name, name))
      return (gint) i;
  return -1;
}

/* Whether @argument gives code: "-c", "--eval=…", or "-ec" among short options. */
static const char *
code_option_of (guint       interpreter,
                const char *argument)
{
  const char * const *options = interpreters[interpreter].code_options;

  for (guint i = 0; i < G_N_ELEMENTS (interpreters[interpreter].code_options); i++)
    {
      const char *option = options[i];
      gsize length;

      if (option == NULL)
        break;
      length = strlen (option);
      if (g_str_equal (argument, option) ||
          (g_str_has_prefix (option, "--") && g_str_has_prefix (argument, option) &&
           argument[length] == '='))
        return option;
      /* "-ec", "-le", "-ccode": a short option among others before it, or its value after */
      if (length == 2 && argument[0] == '-' && argument[1] != '-')
        {
          for (const char *letter = argument + 1; *letter != '\0'; letter++)
            {
              if (*letter == option[1])
                return option;
              if (strchr (interpreters[interpreter].value_letters, *letter) != NULL)
                break;
            }
        }
    }
  return NULL;
}

static gboolean
refuse_code_option (const char  *program,
                    const char  *option,
                    GError     **error)
{
  g_autofree char *name = g_path_get_basename (program);

  return chk_set_key_error (error, CHK_ERROR_SHELL_DISABLED, "command",
                            /* Translators: e.g. "“bash -c” gives the program its code …" */
                            _("“%s %s” gives the program its code on the command line, which "
                              "the allow-shell setting refuses"), name, option);
}

/*
 * Checks the options of the interpreter @command[0] up to its first
 * argument that is no option (its script, whose own options are its own),
 * or "--". The value of an option that takes one is skipped.
 */
static gboolean
check_interpreter (guint                interpreter,
                   const char * const  *command,
                   GError             **error)
{
  for (guint i = 1; command[i] != NULL; i++)
    {
      const char *argument = command[i];
      const char *option;

      if (g_str_equal (argument, "--") || (argument[0] != '-' && argument[0] != '+'))
        return TRUE;
      option = code_option_of (interpreter, argument);
      if (option != NULL)
        return refuse_code_option (command[0], option, error);
      /* "-o pipefail", "-W error", "-r module": the next one is a value */
      if (strlen (argument) == 2 && argument[1] != '-' &&
          strchr (interpreters[interpreter].value_letters, argument[1]) != NULL &&
          command[i + 1] != NULL)
        i++;
    }
  return TRUE;
}

/**
 * chk_code_policy_check_command:
 * @command: (array zero-terminated=1): a job's command
 * @error: return location for a #GError
 *
 * Whether @command gives an interpreter its code on the command line:
 * "sh -c …", "python3 -c …", "perl -e …", also through a program that runs
 * another, such as "env … sh -c …" or "nice -n 5 bash -ec …", and by a
 * folder's path or a versioned name ("/usr/bin/python3.11 -c").
 *
 * Returns: %TRUE if it does not; else %FALSE with a %CHK_ERROR_SHELL_DISABLED
 *   error (key "command") naming the program and its option
 */
gboolean
chk_code_policy_check_command (const char * const  *command,
                               GError             **error)
{
  gboolean after_env = FALSE;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (command == NULL)
    return TRUE;

  /*
   * Past a wrapper every argument is read, since which of them are its own
   * options' values is the wrapper's to say: "timeout 10 sh -c …".
   */
  for (guint i = 0; command[i] != NULL; i++)
    {
      g_autofree char *name = bare_name (command[i]);
      gint interpreter = find_interpreter (command[i]);

      if (interpreter >= 0)
        return check_interpreter ((guint) interpreter, command + i, error);
      /* "env -S 'sh -c …'" splits a line into a command of its own */
      if (after_env && (g_str_has_prefix (command[i], "-S") ||
                        g_str_has_prefix (command[i], "--split-string")))
        return chk_set_key_error (error, CHK_ERROR_SHELL_DISABLED, "command",
                                  _("“%s” makes a command of a line, which the allow-shell "
                                    "setting refuses"), command[i]);
      after_env = after_env || g_str_equal (name, "env");
      if (i == 0 && !g_strv_contains (wrappers, name))
        return TRUE;
    }
  return TRUE;
}

/**
 * chk_code_policy_check_environment:
 * @name: the name of a variable of a job's environment
 * @error: return location for a #GError
 *
 * Whether the variable @name has a program load code: `BASH_ENV`, `ENV`,
 * `LD_PRELOAD`, `LD_LIBRARY_PATH`, `PYTHONPATH`, `NODE_OPTIONS`, …
 *
 * Returns: %TRUE if it does not; else %FALSE with a %CHK_ERROR_SHELL_DISABLED
 *   error (key "environment") naming it
 */
gboolean
chk_code_policy_check_environment (const char  *name,
                                   GError     **error)
{
  gboolean loads_code;

  g_return_val_if_fail (name != NULL, FALSE);

  loads_code = g_strv_contains (code_variables, name);
  for (guint i = 0; !loads_code && code_variable_prefixes[i] != NULL; i++)
    loads_code = g_str_has_prefix (name, code_variable_prefixes[i]);
  if (!loads_code)
    return TRUE;

  return chk_set_key_error (error, CHK_ERROR_SHELL_DISABLED, "environment",
                            _("%s has programs load code, which the allow-shell setting "
                              "refuses"), name);
}

static gboolean
same_command (char **command,
              char **old_command)
{
  if (command == NULL || old_command == NULL)
    return command == old_command;
  return g_strv_equal ((const char * const *) command, (const char * const *) old_command);
}

/**
 * chk_code_policy_check_spec:
 * @spec: a job's spec
 * @old_spec: (nullable): the job's spec before the change, if it is changed
 * @error: return location for a #GError
 *
 * The checks of chk_code_policy_check_command() and
 * chk_code_policy_check_environment() on what @spec sets anew: a job keeps
 * the command and the variables it had (an administrator may have given
 * them), as it keeps its shell line.
 *
 * Returns: whether @spec is within the policy
 */
gboolean
chk_code_policy_check_spec (const ChkJobSpec  *spec,
                            const ChkJobSpec  *old_spec,
                            GError           **error)
{
  GHashTableIter iter;
  gpointer name, value;

  g_return_val_if_fail (spec != NULL, FALSE);

  if (!same_command (spec->command, old_spec != NULL ? old_spec->command : NULL) &&
      !chk_code_policy_check_command ((const char * const *) spec->command, error))
    return FALSE;

  if (spec->environment == NULL)
    return TRUE;
  g_hash_table_iter_init (&iter, spec->environment);
  while (g_hash_table_iter_next (&iter, &name, &value))
    {
      const char *old_value = NULL;

      if (old_spec != NULL && old_spec->environment != NULL)
        old_value = g_hash_table_lookup (old_spec->environment, name);
      if (g_strcmp0 (old_value, value) != 0 && !chk_code_policy_check_environment (name, error))
        return FALSE;
    }
  return TRUE;
}
