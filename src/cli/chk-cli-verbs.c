/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chronikerctl"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "chk-cli-client.h"
#include "chk-cli-format.h"
#include "chk-cli-verbs.h"
#include "chk-duration.h"
#include "chk-error.h"
#include "chk-job-spec.h"

static const ChkCliVerb *current_verb;

/* Which verb runs: what verb_context() names in its usage. */
void
chk_cli_set_verb (const ChkCliVerb *verb)
{
  current_verb = verb;
}

/* Errors */

/*
 * Prints "chronikerctl: MESSAGE" on stderr, escaped: messages quote job
 * names and arguments, and the daemon's errors quote what they refused,
 * any of which may hold anything.
 */
static void G_GNUC_PRINTF (1, 0)
print_problem_valist (const char *format,
                      va_list     args)
{
  g_autofree char *message = g_strdup_vprintf (format, args);
  g_autofree char *shown = chk_format_escape (message);

  g_printerr ("chronikerctl: %s\n", shown);
}

int
chk_cli_fail (const char *format,
              ...)
{
  va_list args;

  fflush (stdout);
  va_start (args, format);
  print_problem_valist (format, args);
  va_end (args);
  return 1;
}

int
chk_cli_fail_error (GError *error)
{
  if (g_dbus_error_is_remote_error (error))
    g_dbus_error_strip_remote_error (error);

  /* The system daemon's refusals (polkit's, or its policy's) say what was refused. */
  if (g_error_matches (error, CHK_ERROR, CHK_ERROR_PERMISSION_DENIED) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED))
    /* Translators: e.g. "list: permission denied: Not authorized to …" */
    return chk_cli_fail (_("%s: permission denied: %s"),
                         current_verb != NULL ? current_verb->name : "chronikerctl",
                         error->message);
  return chk_cli_fail ("%s", error->message);
}

static gboolean
use_system_bus_cb (const char  *option_name,
                   const char  *value,
                   gpointer     data,
                   GError     **error)
{
  chk_client_use_system_bus ();
  return TRUE;
}

/* What every verb takes, also after its name: "chronikerctl list --system". */
static const GOptionEntry common_entries[] = {
  { "system", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, use_system_bus_cb,
    N_("Talk to the system's scheduler (chronikerd --system) instead of your session's"), NULL },
  { NULL }
};

static GOptionContext *
verb_context (const GOptionEntry *entries)
{
  g_autofree char *prgname = g_strdup_printf ("chronikerctl %s", current_verb->name);
  GOptionContext *context;

  /* "Usage: chronikerctl add [OPTION…] NAME …" */
  g_set_prgname (prgname);
  context = g_option_context_new (current_verb->parameters);

  g_option_context_set_summary (context, _(current_verb->summary));
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, common_entries, GETTEXT_PACKAGE);
  return context;
}

int
chk_cli_usage_error (GOptionContext *context,
                     const char     *format,
                     ...)
{
  va_list args;
  g_autofree char *help = NULL;

  va_start (args, format);
  print_problem_valist (format, args);
  va_end (args);
  if (context != NULL)
    {
      help = g_option_context_get_help (context, TRUE, NULL);
      g_printerr ("\n%s", help);
    }
  return CHK_CLI_EXIT_USAGE;
}

/*
 * Reads the DURATION of @option, such as --timeout, as the seconds of a "u"
 * spec key; a usage error naming @option when it is no duration.
 */
gboolean
chk_cli_parse_duration_option (GOptionContext *context,
                               const char     *option,
                               const char     *text,
                               guint32        *out_seconds,
                               int            *out_status)
{
  g_autoptr(GError) error = NULL;
  guint64 seconds;

  if (!chk_duration_parse (text, &seconds, &error))
    {
      *out_status = chk_cli_usage_error (context, "%s: %s", option, error->message);
      return FALSE;
    }
  if (seconds > G_MAXUINT32)
    {
      /* Translators: e.g. "--timeout: 200 years is too long" */
      *out_status = chk_cli_usage_error (context, _("%s: %s is too long"), option, text);
      return FALSE;
    }
  *out_seconds = (guint32) seconds;
  return TRUE;
}

/**
 * chk_cli_parse_time:
 * @text: an ISO 8601 time, such as "2026-11-23T09:00:00+01:00", one in
 *   local time such as "2026-11-23 09:00", or "now"
 * @out: (out): the time, µs since the epoch
 *
 * Returns: whether @text is such a time
 */
gboolean
chk_cli_parse_time (const char *text,
                    gint64     *out)
{
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *iso = NULL;

  if (g_ascii_strcasecmp (text, "now") == 0)
    {
      *out = g_get_real_time ();
      return TRUE;
    }

  /* "2026-11-23 09:00" reads as ISO 8601 with a T */
  iso = g_strdelimit (g_strdup (text), " ", 'T');
  when = g_date_time_new_from_iso8601 (iso, local);
  if (when == NULL)
    {
      g_autofree char *with_seconds = g_strconcat (iso, ":00", NULL);

      when = g_date_time_new_from_iso8601 (with_seconds, local);
    }
  if (when == NULL)
    return FALSE;

  *out = g_date_time_to_unix (when) * G_USEC_PER_SEC + g_date_time_get_microsecond (when);
  return TRUE;
}

/**
 * chk_cli_check_spec_keys:
 * @dict: the spec changes of add or edit
 * @keys: (array zero-terminated=1): the keys of @dict to check
 * @context: the verb's, for its usage
 * @out_status: (out): the exit status when a key is refused
 *
 * Makes the checks the daemon makes of @keys (libchroniker's), on a spec
 * of their own: a bad value is then a usage error that names the option
 * ("--retries: 101 is more than 100"), before the daemon is asked. Each
 * option is named as its key, with "--" before it.
 *
 * Returns: whether the values of @keys in @dict are good
 */
gboolean
chk_cli_check_spec_keys (GVariantDict        *dict,
                         const char * const  *keys,
                         GOptionContext      *context,
                         int                 *out_status)
{
  g_auto(GVariantDict) subset = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(ChkJobSpec) scratch = chk_job_spec_new ();
  g_autoptr(GVariant) changes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  const char *message;

  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = g_variant_dict_lookup_value (dict, keys[i], NULL);

      if (value != NULL)
        g_variant_dict_insert_value (&subset, keys[i], value);
    }
  changes = g_variant_ref_sink (g_variant_dict_end (&subset));
  if (chk_job_spec_update (scratch, changes, &error))
    return TRUE;

  /* "retries: 101 is more than 100" → "--retries: 101 is more than 100" */
  key = chk_error_get_key (error);
  message = error->message;
  if (key != NULL && g_str_has_prefix (message, key) &&
      g_str_has_prefix (message + strlen (key), ": "))
    message += strlen (key) + 2;
  if (key != NULL)
    *out_status = chk_cli_usage_error (context, "--%s: %s", key, message);
  else
    *out_status = chk_cli_usage_error (context, "%s", message);
  return FALSE;
}

static gboolean
parse_verb_options (GOptionContext  *context,
                    int             *argc,
                    char          ***argv,
                    int             *out_status)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *out_status = chk_cli_usage_error (context, "%s", error->message);
      return FALSE;
    }
  return TRUE;
}

/* D-Bus carries only UTF-8 (GVariant asserts on anything else): so must what is sent be. */
gboolean
chk_cli_check_utf8_arguments (GOptionContext  *context,
                              int              argc,
                              char           **argv,
                              int             *out_status)
{
  for (int i = 1; i < argc; i++)
    {
      if (!g_utf8_validate (argv[i], -1, NULL))
        {
          *out_status = chk_cli_usage_error (context, _("“%s” is not UTF-8 text"), argv[i]);
          return FALSE;
        }
    }
  return TRUE;
}

void
chk_cli_verb_call_clear (ChkCliVerbCall *call)
{
  g_clear_object (&call->job);
  chk_client_clear (&call->client);
  g_clear_pointer (&call->context, g_option_context_free);
}

/* For a verb that checks its options before it bothers the daemon. */
gboolean
chk_cli_verb_connect (ChkCliVerbCall *call)
{
  g_autoptr(GError) error = NULL;

  if (!chk_client_connect (&call->client, &error))
    {
      call->status = chk_cli_fail_error (error);
      return FALSE;
    }
  return TRUE;
}

/*
 * The opening every verb shares: parses @entries out of @argc and @argv,
 * checks how many arguments are left (at most @max_args, or one job with
 * %CHK_CLI_VERB_JOB), then does what @flags ask. On failure @call->status
 * is what the verb returns, the usage or the error having been printed.
 */
gboolean
chk_cli_verb_begin (ChkCliVerbCall      *call,
                    const GOptionEntry  *entries,
                    int                 *argc,
                    char              ***argv,
                    int                  max_args,
                    ChkCliVerbFlags      flags)
{
  call->context = verb_context (entries);
  if (flags & CHK_CLI_VERB_POSIX_OPTIONS)
    g_option_context_set_strict_posix (call->context, TRUE);
  if (!parse_verb_options (call->context, argc, argv, &call->status))
    return FALSE;

  if (flags & CHK_CLI_VERB_JOB)
    {
      if (*argc != 2)
        {
          call->status = chk_cli_usage_error (call->context,
                                              *argc < 2 ? _("which job? Give its NAME")
                                                        : _("unexpected argument “%s”"),
                                              (*argv)[*argc - 1]);
          return FALSE;
        }
    }
  else if (max_args != CHK_CLI_VERB_ANY_ARGS && *argc > max_args + 1)
    {
      call->status = chk_cli_usage_error (call->context, _("unexpected argument “%s”"),
                                          (*argv)[max_args + 1]);
      return FALSE;
    }

  if ((flags & CHK_CLI_VERB_UTF8) &&
      !chk_cli_check_utf8_arguments (call->context, *argc, *argv, &call->status))
    return FALSE;

  if (!(flags & (CHK_CLI_VERB_CONNECT | CHK_CLI_VERB_JOB)))
    return TRUE;
  if (!chk_cli_verb_connect (call))
    return FALSE;
  if (flags & CHK_CLI_VERB_WARN_STORAGE)
    chk_client_warn_storage_problem (&call->client);

  if (flags & CHK_CLI_VERB_JOB)
    {
      g_autoptr(GError) error = NULL;

      call->job = chk_client_get_job (&call->client, (*argv)[1], &error);
      if (call->job == NULL)
        {
          call->status = chk_cli_fail_error (error);
          return FALSE;
        }
    }
  return TRUE;
}

/* A daemon older than the client lacks the newer properties: they read as NULL. */
gboolean
chk_cli_is_set (const char *text)
{
  return text != NULL && text[0] != '\0';
}

gboolean
chk_cli_is_check_job (ChkJob1 *job)
{
  return chk_cli_is_set (chk_job1_get_check_url (job));
}
