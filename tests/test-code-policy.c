/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <string.h>

#include "chk-code-policy.h"
#include "chk-error.h"
#include "chk-job-spec.h"

/* A command of its words, split at spaces (none of the cases quotes one). */
static void
assert_command (const char *line,
                gboolean    allowed,
                const char *named)
{
  g_auto(GStrv) command = g_strsplit (line, " ", -1);
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;

  if (allowed)
    {
      if (!chk_code_policy_check_command ((const char * const *) command, &error))
        g_error ("“%s” should be allowed: %s", line, error->message);
      return;
    }

  if (chk_code_policy_check_command ((const char * const *) command, &error))
    g_error ("“%s” should be refused", line);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_SHELL_DISABLED);
  key = chk_error_get_key (error);
  g_assert_cmpstr (key, ==, "command");
  if (strstr (error->message, named) == NULL)
    g_error ("the refusal of “%s” should name “%s”: %s", line, named, error->message);
  g_assert_nonnull (strstr (error->message, "allow-shell"));
}

static void
test_code_policy_interpreters (void)
{
  const struct
  {
    const char *line;
    const char *named;
  } refused[] = {
    { "sh -c true", "sh -c" }, { "bash -c true", "bash -c" }, { "dash -c true", "dash -c" },
    { "zsh -c true", "zsh -c" }, { "ksh -c true", "ksh -c" }, { "mksh -c true", "mksh -c" },
    { "fish -c true", "fish -c" }, { "tcsh -c true", "tcsh -c" },
    { "python3 -c pass", "python3 -c" }, { "python -c pass", "python -c" },
    { "python2 -c pass", "python2 -c" }, { "pypy3 -c pass", "pypy3 -c" },
    { "perl -e 1", "perl -e" }, { "perl -E 1", "perl -E" }, { "ruby -e 1", "ruby -e" },
    { "node -e 1", "node -e" }, { "node --eval 1", "node --eval" },
    { "node --eval=1", "node --eval" }, { "node -p 1", "node -p" },
    { "nodejs -e 1", "nodejs -e" }, { "php -r 1;", "php -r" }, { "lua -e x=1", "lua -e" },
    { "su -c id root", "su -c" }, { "runuser -c id nobody", "runuser -c" },
    /* by a folder's path, and versioned */
    { "/usr/bin/python3 -c pass", "python3 -c" }, { "/bin/sh -c true", "sh -c" },
    { "python3.11 -c pass", "python3.11 -c" }, { "/usr/bin/python3.11 -c pass", "python3.11" },
    { "perl5.36 -e 1", "perl5.36 -e" }, { "php8.2 -r 1;", "php8.2 -r" },
    /* among other short options, or after options that take a value */
    { "bash -ec true", "bash -c" }, { "sh -xc true", "sh -c" }, { "bash -l -c true", "bash -c" },
    { "bash -o pipefail -c true", "bash -c" }, { "python3 -u -c pass", "python3 -c" },
    { "python3 -uc pass", "python3 -c" }, { "python3 -cpass", "python3 -c" },
    { "python3 -W error -c pass", "python3 -c" }, { "perl -le 1", "perl -e" },
    { "perl -ne 1", "perl -e" }, { "perl -Mstrict -e 1", "perl -e" },
    { "perl -pi -e s/a/b/ f", "perl -e" }, { "ruby -rjson -e 1", "ruby -e" },
    { "node -r x -e 1", "node -e" },
    /* through programs that run others */
    { "env sh -c true", "sh -c" }, { "env FOO=1 BAR=2 sh -c true", "sh -c" },
    { "/usr/bin/env -i /bin/bash -c true", "bash -c" }, { "env python3 -c pass", "python3 -c" },
    { "nice -n 5 bash -c true", "bash -c" }, { "timeout 10 sh -c true", "sh -c" },
    { "nohup perl -e 1", "perl -e" }, { "busybox sh -c true", "sh -c" },
    { "setsid -f env python3.12 -c pass", "python3.12 -c" },
    { "ionice -c 3 nice sh -c true", "sh -c" }, { "xargs sh -c true", "sh -c" },
    { "env -S sh_-c_true", "-S" }, { "env --split-string=sh_-c_true", "--split-string" },
  };
  const char *allowed[] = {
    "python3 script.py", "python3 -m http.server", "/usr/bin/python3.11 /opt/tool.py -c x",
    "python3 -u script.py -c x", "bash script.sh", "bash -e script.sh -c", "sh ./run.sh",
    "sh -- -c", "perl script.pl -e", "perl -Mfeature=say script.pl", "perl -pie s/a/b/",
    "grep -e pattern file", "grep -c x file", "sed -e s/a/b/ file", "tar -c -f x.tar /etc",
    "ls -c", "cc -c main.c", "php -c /etc/php.ini script.php", "node script.js -e 1",
    "ruby script.rb -e", "env FOO=1 /usr/bin/backup --verbose", "nice -n 5 rsync -a / /backup",
    "timeout 10 pg_dump -c mydb", "xargs rm", "/usr/bin/true", "shellcheck -c", "bashful -c",
    "sort -S 50% file", "pythonista -c",
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    assert_command (refused[i].line, FALSE, refused[i].named);
  for (guint i = 0; i < G_N_ELEMENTS (allowed); i++)
    assert_command (allowed[i], TRUE, NULL);
}

static void
test_code_policy_environment (void)
{
  const char *refused[] = {
    "BASH_ENV", "ENV", "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "PYTHONSTARTUP",
    "PYTHONPATH", "PERL5OPT", "PERL5LIB", "NODE_OPTIONS", "RUBYOPT", "SHELLOPTS", "ZDOTDIR",
    "GCONV_PATH", "LUA_INIT", "LUA_INIT_5_4", "BASH_FUNC_ls%%", "JAVA_TOOL_OPTIONS",
  };
  const char *allowed[] = {
    "PATH", "HOME", "LANG", "TZ", "PGPASSFILE", "ENVIRONMENT", "MY_ENV", "LD_BIND_NOW",
    "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "NODE_ENV", "BACKUP_TARGET",
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *key = NULL;

      if (chk_code_policy_check_environment (refused[i], &error))
        g_error ("%s should be refused", refused[i]);
      g_assert_error (error, CHK_ERROR, CHK_ERROR_SHELL_DISABLED);
      key = chk_error_get_key (error);
      g_assert_cmpstr (key, ==, "environment");
      g_assert_nonnull (strstr (error->message, refused[i]));
    }
  for (guint i = 0; i < G_N_ELEMENTS (allowed); i++)
    {
      g_autoptr(GError) error = NULL;

      if (!chk_code_policy_check_environment (allowed[i], &error))
        g_error ("%s should be allowed: %s", allowed[i], error->message);
    }
}

static ChkJobSpec *
spec_of (const char *text)
{
  g_autoptr(ChkJobSpec) spec = chk_job_spec_new ();
  g_autoptr(GVariant) changes = g_variant_ref_sink (g_variant_new_parsed (text));
  g_autoptr(GError) error = NULL;

  g_assert_true (chk_job_spec_update (spec, changes, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&spec);
}

/* A new job is checked whole; a changed one only in what changed, as its shell line is. */
static void
test_code_policy_spec (void)
{
  g_autoptr(ChkJobSpec) plain = spec_of ("{'name': <'a'>, 'command': <['/usr/bin/backup']>}");
  g_autoptr(ChkJobSpec) code = spec_of ("{'name': <'a'>, 'command': <['sh', '-c', 'x']>}");
  g_autoptr(ChkJobSpec) preload = spec_of ("{'name': <'a'>, 'command': <['/usr/bin/backup']>, "
                                           "'environment': <{'LD_PRELOAD': '/x.so'}>}");
  g_autoptr(ChkJobSpec) other_preload = spec_of ("{'name': <'a'>, 'command': <['/usr/bin/b']>, "
                                                 "'environment': <{'LD_PRELOAD': '/y.so'}>}");
  g_autoptr(ChkJobSpec) renamed = chk_job_spec_copy (code);
  g_autoptr(GError) error = NULL;

  g_free (renamed->name);
  renamed->name = g_strdup ("b");

  g_assert_true (chk_code_policy_check_spec (plain, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (chk_code_policy_check_spec (code, NULL, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_SHELL_DISABLED);
  g_clear_error (&error);
  g_assert_false (chk_code_policy_check_spec (preload, NULL, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_SHELL_DISABLED);
  g_clear_error (&error);

  /* Kept as it was: the job had it (given by an administrator) */
  g_assert_true (chk_code_policy_check_spec (renamed, code, &error));
  g_assert_no_error (error);
  /* Given anew, or changed */
  g_assert_false (chk_code_policy_check_spec (code, plain, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_SHELL_DISABLED);
  g_clear_error (&error);
  g_assert_false (chk_code_policy_check_spec (other_preload, preload, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_SHELL_DISABLED);
  g_clear_error (&error);
  g_assert_false (chk_code_policy_check_spec (preload, plain, &error));
  g_assert_error (error, CHK_ERROR, CHK_ERROR_SHELL_DISABLED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/code-policy/interpreters", test_code_policy_interpreters);
  g_test_add_func ("/code-policy/environment", test_code_policy_environment);
  g_test_add_func ("/code-policy/spec", test_code_policy_spec);

  return g_test_run ();
}
