/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-job-spec"

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "chk-error.h"
#include "chk-job-spec.h"
#include "chk-job-spec-private.h"
#include "chk-schedule.h"
#include "chk-vardict-reader.h"

/* Generous bounds, so that no key can make the daemon hold absurd amounts. */
#define MAX_TEXT_LENGTH      (64 * 1024)
#define MAX_COMMAND_LENGTH   (1024 * 1024)
#define MAX_PATH_LENGTH      4096
#define MAX_USER_LENGTH      256
#define MAX_ENV_VARIABLES    1024
#define MAX_EMAIL_ADDRESSES  100
#define MAX_EMAIL_LENGTH     254
#define MAX_TIMEOUT          (366u * 24 * 3600)
#define MIN_OUTPUT_BYTES     1024
#define MIN_MEMORY_MAX       (1024 * 1024)
#define MAX_CHECK_CONTAINS_LENGTH 4096
#define MAX_CHECK_TIMEOUT    3600u

G_DEFINE_BOXED_TYPE (ChkJobSpec, chk_job_spec, chk_job_spec_copy, chk_job_spec_free)

static const char * const alert_on_names[] = { "failure", "always", "never" };

/* How a key is kept in its ChkJobSpec member: the kind of ChkJobSpecKey. */
typedef enum
{
  KIND_STRING,           /* char *, "" by default */
  KIND_OPTIONAL_STRING,  /* char *, NULL when not given, which Job1 shows as "" */
  KIND_STRV,             /* char **, empty by default */
  KIND_OPTIONAL_STRV,    /* char **, NULL when not given, which Job1 shows as [] */
  KIND_ENVIRONMENT,      /* GHashTable of names to values, empty by default */
  KIND_BOOLEAN,
  KIND_UINT32,
  KIND_UINT64,
  KIND_INT64,
  KIND_ALERT_ON,         /* ChkAlertOn, which the a{sv} and Job1 have as its word */
  KIND_DOUBLE,
  KIND_DEPENDENCIES,     /* GPtrArray of ChkDependency, an aa{sv} with every flag given */
  KIND_RUN_IF,           /* ChkRunIf flags, an `as` of their words in flag order */
} Kind;


static gboolean
check_length (const char  *key,
              gsize        length,
              gsize        max_length,
              GError     **error)
{
  if (length > max_length)
    return set_key_invalid (error, key, _("is %zu bytes long; at most %d are allowed"),
                            length, (int) max_length);
  return TRUE;
}

/* Stores a copy of @text in the key's string member. Returns TRUE. */
static gboolean
store_string (ChkJobSpec          *spec,
              const ChkJobSpecKey *key,
              const char          *text)
{
  char **member = G_STRUCT_MEMBER_P (spec, key->offset);

  g_free (*member);
  *member = g_strdup (text);
  return TRUE;
}

static gboolean
apply_name (ChkJobSpec           *spec,
            const ChkJobSpecKey  *key,
            GVariant             *value,
            GError              **error)
{
  const char *name = g_variant_get_string (value, NULL);

  if (!_chk_job_spec_check_job_name ("name", name, error))
    return FALSE;

  return store_string (spec, key, name);
}

/*
 * command, shell and check-url each say what a run does: storing one drops
 * the others. Takes the one given, NULL the others. Returns TRUE.
 */
static gboolean
set_program (ChkJobSpec  *spec,
             char       **command,
             char        *shell,
             char        *check_url)
{
  g_strfreev (spec->command);
  g_free (spec->shell);
  g_free (spec->check_url);
  spec->command = command;
  spec->shell = shell;
  spec->check_url = check_url;
  return TRUE;
}

static gboolean
apply_command (ChkJobSpec           *spec,
               const ChkJobSpecKey  *key,
               GVariant             *value,
               GError              **error)
{
  g_autofree const char **argv = g_variant_get_strv (value, NULL);
  gsize total = 0;

  if (argv[0] == NULL)
    return set_key_invalid (error, "command", _("must have at least the program to run"));
  if (argv[0][0] == '\0')
    return set_key_invalid (error, "command", _("the program to run is empty"));
  for (guint i = 0; argv[i] != NULL; i++)
    total += strlen (argv[i]) + 1;
  if (!check_length ("command", total, MAX_COMMAND_LENGTH, error))
    return FALSE;

  return set_program (spec, g_strdupv ((char **) argv), NULL, NULL);
}

static gboolean
apply_shell (ChkJobSpec           *spec,
             const ChkJobSpecKey  *key,
             GVariant             *value,
             GError              **error)
{
  const char *line = g_variant_get_string (value, NULL);

  if (line[0] == '\0')
    return set_key_invalid (error, "shell", _("the command line is empty"));

  return set_program (spec, NULL, g_strdup (line), NULL);
}

static gboolean
apply_working_directory (ChkJobSpec           *spec,
                         const ChkJobSpecKey  *key,
                         GVariant             *value,
                         GError              **error)
{
  const char *path = g_variant_get_string (value, NULL);

  if (path[0] != '\0' && !g_path_is_absolute (path))
    return set_key_invalid (error, "working-directory", _("“%s” is not an absolute path"), path);

  return store_string (spec, key, path);
}

/* An account name as useradd(8) takes it: what getpwnam() is asked, nothing that
 * could be read as an option or a path. */
static gboolean
apply_user (ChkJobSpec           *spec,
            const ChkJobSpecKey  *key,
            GVariant             *value,
            GError              **error)
{
  const char *name = g_variant_get_string (value, NULL);

  for (const char *p = name; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.' &&
          !(*p == '$' && p[1] == '\0'))
        return set_key_invalid (error, key->name, _("“%s” is not a user name"), name);
    }
  if (name[0] == '-' || g_str_equal (name, ".") || g_str_equal (name, ".."))
    return set_key_invalid (error, key->name, _("“%s” is not a user name"), name);

  return store_string (spec, key, name);
}

/* "" (any one host), "*" (every host) or a host name */
static gboolean
apply_host (ChkJobSpec           *spec,
            const ChkJobSpecKey  *key,
            GVariant             *value,
            GError              **error)
{
  const char *host = g_variant_get_string (value, NULL);

  if (host[0] != '\0' && !g_str_equal (host, CHK_JOB_SPEC_EVERY_HOST) &&
      !chk_check_host_name (key->name, host, error))
    return FALSE;
  return store_string (spec, key, host);
}

/**
 * chk_job_spec_runs_on:
 * @spec: a #ChkJobSpec
 * @hostname: the name of a host
 *
 * Returns: whether the schedule may run the job on @hostname: its `host`
 *   is "" (any one host), "*" (every host) or @hostname, in any case
 */
gboolean
chk_job_spec_runs_on (const ChkJobSpec *spec,
                      const char       *hostname)
{
  g_return_val_if_fail (spec != NULL, FALSE);
  g_return_val_if_fail (hostname != NULL, FALSE);

  return spec->host[0] == '\0' || g_str_equal (spec->host, CHK_JOB_SPEC_EVERY_HOST) ||
         g_ascii_strcasecmp (spec->host, hostname) == 0;
}

static gboolean
is_environment_name (const char *name)
{
  if (!(g_ascii_isalpha (name[0]) || name[0] == '_'))
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    {
      if (!(g_ascii_isalnum (*p) || *p == '_'))
        return FALSE;
    }
  return TRUE;
}

static gboolean
apply_environment (ChkJobSpec           *spec,
                   const ChkJobSpecKey  *key,
                   GVariant             *value,
                   GError              **error)
{
  g_autoptr(GHashTable) environment = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GVariantIter iter;
  const char *name, *text;

  if (g_variant_n_children (value) > MAX_ENV_VARIABLES)
    return set_key_invalid (error, "environment", _("has %zu variables; at most %d are allowed"),
                            g_variant_n_children (value), MAX_ENV_VARIABLES);

  g_variant_iter_init (&iter, value);
  while (g_variant_iter_next (&iter, "{&s&s}", &name, &text))
    {
      if (!is_environment_name (name))
        return set_key_invalid (error, "environment",
                                _("“%s” is not a variable name "
                                  "(letters, digits and _, not starting with a digit)"), name);
      if (g_str_has_prefix (name, "CHRONIKER_"))
        return set_key_invalid (error, "environment", _("%s is set by Chroniker itself"), name);
      if (strlen (text) > MAX_TEXT_LENGTH)
        return set_key_invalid (error, "environment", _("the value of %s is longer than %d bytes"),
                                name, MAX_TEXT_LENGTH);
      g_hash_table_replace (environment, g_strdup (name), g_strdup (text));
    }

  g_hash_table_unref (spec->environment);
  spec->environment = g_steal_pointer (&environment);
  return TRUE;
}

static gboolean
apply_schedule (ChkJobSpec           *spec,
                const ChkJobSpecKey  *key,
                GVariant             *value,
                GError              **error)
{
  g_autoptr(ChkSchedule) schedule = chk_schedule_parse (g_variant_get_string (value, NULL), error);

  if (schedule == NULL)
    {
      chk_error_prefix_key (error, "schedule");
      return FALSE;
    }

  return store_string (spec, key, chk_schedule_get_text (schedule));
}

static gboolean
apply_timezone (ChkJobSpec           *spec,
                const ChkJobSpecKey  *key,
                GVariant             *value,
                GError              **error)
{
  const char *identifier = g_variant_get_string (value, NULL);
  g_autoptr(GTimeZone) tz = chk_time_zone_new (identifier, error);

  if (tz == NULL)
    return FALSE;

  return store_string (spec, key, identifier);
}

static gboolean
apply_alert_on (ChkJobSpec           *spec,
                const ChkJobSpecKey  *key,
                GVariant             *value,
                GError              **error)
{
  const char *text = g_variant_get_string (value, NULL);
  ChkAlertOn *alert_on = G_STRUCT_MEMBER_P (spec, key->offset);

  if (!chk_alert_on_from_string (text, alert_on))
    return set_key_invalid (error, key->name, _("“%s” is not one of failure, always or never"),
                            text);
  return TRUE;
}

static gboolean
apply_email_to (ChkJobSpec           *spec,
                const ChkJobSpecKey  *key,
                GVariant             *value,
                GError              **error)
{
  g_autofree const char **addresses = g_variant_get_strv (value, NULL);

  if (g_strv_length ((char **) addresses) > MAX_EMAIL_ADDRESSES)
    return set_key_invalid (error, "email-to",
                            _("at most %d addresses are allowed"), MAX_EMAIL_ADDRESSES);

  for (guint i = 0; addresses[i] != NULL; i++)
    {
      /* RFC 5321 §4.5.3.1.3: a path is at most 256 octets, with its <> */
      if (strlen (addresses[i]) > MAX_EMAIL_LENGTH)
        return set_key_invalid (error, "email-to", _("an address is at most %d bytes long"),
                                MAX_EMAIL_LENGTH);
      if (!chk_check_email_address ("email-to", addresses[i], error))
        return FALSE;
    }

  g_strfreev (spec->email_to);
  spec->email_to = g_strdupv ((char **) addresses);
  return TRUE;
}

/* "" clears an optional URL; anything else must be http(s). */
static gboolean
apply_optional_url (ChkJobSpec           *spec,
                    const ChkJobSpecKey  *key,
                    GVariant             *value,
                    GError              **error)
{
  const char *url = g_variant_get_string (value, NULL);

  if (url[0] != '\0' && !chk_check_http_url (key->name, url, error))
    return FALSE;

  return store_string (spec, key, url);
}

static gboolean
apply_check_url (ChkJobSpec           *spec,
                 const ChkJobSpecKey  *key,
                 GVariant             *value,
                 GError              **error)
{
  const char *url = g_variant_get_string (value, NULL);

  if (url[0] == '\0')
    {
      /* Without a URL the job needs a command again; validation says so. */
      g_clear_pointer (&spec->check_url, g_free);
      return TRUE;
    }

  if (!chk_check_http_url ("check-url", url, error))
    return FALSE;

  return set_program (spec, NULL, NULL, g_strdup (url));
}

/*
 * Defines apply_MEMBER () for a number key: it reads the value with GETTER
 * into `number`, of CTYPE, and stores it if TEST holds; if not, it fails
 * with the message and arguments that follow TEST.
 */
#define DEFINE_APPLY_NUMBER(member, ctype, getter, test, ...) \
  static gboolean \
  apply_##member (ChkJobSpec           *spec, \
                  const ChkJobSpecKey  *key, \
                  GVariant             *value, \
                  GError              **error) \
  { \
    ctype number = getter (value); \
    \
    if (!(test)) \
      return set_key_invalid (error, key->name, __VA_ARGS__); \
    spec->member = number; \
    return TRUE; \
  }

/* Year 9999 is as far as schedules reach. */
DEFINE_APPLY_NUMBER (start, gint64, g_variant_get_int64,
                     number >= 0 && number <= G_GINT64_CONSTANT (253402300799) * G_USEC_PER_SEC,
                     _("%" PRId64 " is not a time between 1970 and 9999"), number)
DEFINE_APPLY_NUMBER (timeout, guint32, g_variant_get_uint32, number <= MAX_TIMEOUT,
                     _("%u seconds is more than a year"), number)
DEFINE_APPLY_NUMBER (max_output_bytes, guint64, g_variant_get_uint64, number >= MIN_OUTPUT_BYTES,
                     _("%" PRIu64 " is less than %d"), number, MIN_OUTPUT_BYTES)
DEFINE_APPLY_NUMBER (check_expect_status, guint32, g_variant_get_uint32,
                     number >= 100 && number <= 599,
                     _("%u is not an HTTP status between 100 and 599"), number)
DEFINE_APPLY_NUMBER (check_timeout, guint32, g_variant_get_uint32,
                     number >= 1 && number <= MAX_CHECK_TIMEOUT,
                     _("%u is not between 1 and %u seconds"), number, MAX_CHECK_TIMEOUT)
/* Less than this could not even start a shell: a typo, not a limit. */
DEFINE_APPLY_NUMBER (memory_max, guint64, g_variant_get_uint64,
                     number == 0 || number >= MIN_MEMORY_MAX,
                     _("%" PRIu64 " bytes is less than %d (1 MiB); 0 means no limit"),
                     number, MIN_MEMORY_MAX)
DEFINE_APPLY_NUMBER (cpu_weight, guint32, g_variant_get_uint32,
                     number >= 1 && number <= CHK_JOB_SPEC_MAX_CPU_WEIGHT,
                     _("%u is not between 1 and %d"), number, CHK_JOB_SPEC_MAX_CPU_WEIGHT)
DEFINE_APPLY_NUMBER (alert_after_failures, guint32, g_variant_get_uint32,
                     number >= 1 && number <= CHK_JOB_SPEC_MAX_ALERT_AFTER_FAILURES,
                     _("%u is not between 1 and %d"), number,
                     CHK_JOB_SPEC_MAX_ALERT_AFTER_FAILURES)
DEFINE_APPLY_NUMBER (snoozed_until, gint64, g_variant_get_int64,
                     number >= 0 && number <= G_GINT64_CONSTANT (253402300799) * G_USEC_PER_SEC,
                     _("%" PRId64 " is not a time between 1970 and 9999"), number)
DEFINE_APPLY_NUMBER (retries, guint32, g_variant_get_uint32, number <= CHK_JOB_SPEC_MAX_RETRIES,
                     _("%u is more than %d"), number, CHK_JOB_SPEC_MAX_RETRIES)
DEFINE_APPLY_NUMBER (retry_backoff, gdouble, g_variant_get_double,
                     number >= 1.0 && number <= CHK_JOB_SPEC_MAX_RETRY_BACKOFF,
                     _("%g is not a factor between 1 and %g"), number,
                     CHK_JOB_SPEC_MAX_RETRY_BACKOFF)

/* Delays of the orchestration keys: at most a year, as timeouts. */
static gboolean
apply_delay (ChkJobSpec           *spec,
             const ChkJobSpecKey  *key,
             GVariant             *value,
             GError              **error)
{
  guint32 seconds = g_variant_get_uint32 (value);

  if (seconds > MAX_TIMEOUT)
    return set_key_invalid (error, key->name, _("%u seconds is more than a year"), seconds);
  G_STRUCT_MEMBER (guint32, spec, key->offset) = seconds;
  return TRUE;
}

#undef DEFINE_APPLY_NUMBER

/* The bound of a string key given one in spec_keys[] */
static gboolean
check_max_length (const ChkJobSpecKey  *key,
                  GVariant             *value,
                  GError              **error)
{
  gsize length;

  if (key->max_length == 0)
    return TRUE;
  g_variant_get_string (value, &length);
  return check_length (key->name, length, key->max_length, error);
}

/* The name is also the Job1 GObject property's, as gdbus-codegen makes it from CamelCase. */
#define KEY(name_, type_, kind_, member, default_, apply_) \
  { .name = name_, .type = type_, .property = name_, .kind = KIND_##kind_, \
    .offset = G_STRUCT_OFFSET (ChkJobSpec, member), .default_number = default_, .apply = apply_ }
/* A string key of at most max_length bytes */
#define TEXT_KEY(name_, kind_, member, max_length_, apply_) \
  { .name = name_, .type = "s", .property = name_, .kind = KIND_##kind_, \
    .offset = G_STRUCT_OFFSET (ChkJobSpec, member), .max_length = max_length_, .apply = apply_ }
#define DOUBLE_KEY(name_, member, default_, apply_) \
  { .name = name_, .type = "d", .property = name_, .kind = KIND_DOUBLE, \
    .offset = G_STRUCT_OFFSET (ChkJobSpec, member), .default_double = default_, .apply = apply_ }

/* Every key of a spec, in the order chk_job_spec_to_variant() gives them. */
static const ChkJobSpecKey spec_keys[] = {
  TEXT_KEY ("name", STRING, name, CHK_JOB_SPEC_MAX_NAME_LENGTH, apply_name),
  TEXT_KEY ("description", STRING, description, MAX_TEXT_LENGTH, NULL),
  KEY ("command", "as", OPTIONAL_STRV, command, 0, apply_command),
  TEXT_KEY ("shell", OPTIONAL_STRING, shell, MAX_COMMAND_LENGTH, apply_shell),
  TEXT_KEY ("working-directory", STRING, working_directory, MAX_PATH_LENGTH, apply_working_directory),
  TEXT_KEY ("user", STRING, user, MAX_USER_LENGTH, apply_user),
  TEXT_KEY ("host", STRING, host, MAX_HOST_LENGTH, apply_host),
  KEY ("environment", "a{ss}", ENVIRONMENT, environment, 0, apply_environment),
  KEY ("schedule", "s", STRING, schedule, 0, apply_schedule),
  KEY ("timezone", "s", STRING, timezone, 0, apply_timezone),
  KEY ("start", "x", INT64, start, 0, apply_start),
  KEY ("enabled", "b", BOOLEAN, enabled, TRUE, NULL),
  KEY ("timeout", "u", UINT32, timeout, 0, apply_timeout),
  KEY ("catch-up", "b", BOOLEAN, catch_up, FALSE, NULL),
  KEY ("max-runs", "u", UINT32, max_runs, CHK_JOB_SPEC_DEFAULT_MAX_RUNS, NULL),
  KEY ("max-output-bytes", "t", UINT64, max_output_bytes, CHK_JOB_SPEC_DEFAULT_MAX_OUTPUT_BYTES,
       apply_max_output_bytes),
  KEY ("notify-on", "s", ALERT_ON, notify_on, CHK_ALERT_ON_FAILURE, apply_alert_on),
  KEY ("email-on", "s", ALERT_ON, email_on, CHK_ALERT_ON_NEVER, apply_alert_on),
  KEY ("email-to", "as", STRV, email_to, 0, apply_email_to),
  KEY ("is-monitor", "b", BOOLEAN, is_monitor, FALSE, NULL),
  KEY ("monitor-url", "s", STRING, monitor_url, 0, apply_optional_url),
  KEY ("check-url", "s", OPTIONAL_STRING, check_url, 0, apply_check_url),
  KEY ("check-expect-status", "u", UINT32, check_expect_status, CHK_JOB_SPEC_DEFAULT_CHECK_STATUS,
       apply_check_expect_status),
  TEXT_KEY ("check-contains", STRING, check_contains, MAX_CHECK_CONTAINS_LENGTH, NULL),
  KEY ("check-timeout", "u", UINT32, check_timeout, CHK_JOB_SPEC_DEFAULT_CHECK_TIMEOUT,
       apply_check_timeout),
  KEY ("webhook-url", "s", STRING, webhook_url, 0, apply_optional_url),
  KEY ("max-tasks", "u", UINT32, max_tasks, 0, NULL),
  KEY ("memory-max", "t", UINT64, memory_max, 0, apply_memory_max),
  KEY ("cpu-weight", "u", UINT32, cpu_weight, CHK_JOB_SPEC_DEFAULT_CPU_WEIGHT, apply_cpu_weight),
  KEY ("merge-stderr", "b", BOOLEAN, merge_stderr, FALSE, NULL),
  KEY ("depends-on", "aa{sv}", DEPENDENCIES, depends_on, 0, _chk_job_spec_apply_depends_on),
  KEY ("run-on-success", "as", STRV, run_on_success, 0, _chk_job_spec_apply_job_names),
  KEY ("run-on-failure", "as", STRV, run_on_failure, 0, _chk_job_spec_apply_job_names),
  KEY ("retries", "u", UINT32, retries, 0, apply_retries),
  KEY ("retry-delay", "u", UINT32, retry_delay, CHK_JOB_SPEC_DEFAULT_RETRY_DELAY, apply_delay),
  DOUBLE_KEY ("retry-backoff", retry_backoff, CHK_JOB_SPEC_DEFAULT_RETRY_BACKOFF,
              apply_retry_backoff),
  KEY ("retry-max-delay", "u", UINT32, retry_max_delay, CHK_JOB_SPEC_DEFAULT_RETRY_MAX_DELAY,
       apply_delay),
  KEY ("random-delay", "u", UINT32, random_delay, 0, apply_delay),
  KEY ("run-if", "as", RUN_IF, run_if, 0, _chk_job_spec_apply_run_if),
  KEY ("run-if-wait", "u", UINT32, run_if_wait, 0, apply_delay),
  KEY ("expected-duration", "u", UINT32, expected_duration, 0, apply_delay),
  KEY ("alert-after-failures", "u", UINT32, alert_after_failures, 1, apply_alert_after_failures),
  KEY ("snoozed-until", "x", INT64, snoozed_until, 0, apply_snoozed_until),
};

#undef KEY
#undef TEXT_KEY
#undef DOUBLE_KEY

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/**
 * chk_environment_to_variant:
 * @environment: (element-type utf8 utf8): names and values
 *
 * An `a{ss}` sorted by name, as the daemon publishes a job's environment,
 * so that equal environments are equal variants.
 *
 * Returns: (transfer floating): the environment
 */
GVariant *
chk_environment_to_variant (GHashTable *environment)
{
  GVariantBuilder builder;
  g_autofree gpointer *names = NULL;
  guint n_names;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  names = g_hash_table_get_keys_as_array (environment, &n_names);
  qsort (names, n_names, sizeof (gpointer), compare_strings);
  for (guint i = 0; i < n_names; i++)
    g_variant_builder_add (&builder, "{ss}", names[i], g_hash_table_lookup (environment, names[i]));

  return g_variant_builder_end (&builder);
}

/* The member's value as the a{sv} has it, floating; NULL for an optional one not given. */
static GVariant *
member_to_variant (const ChkJobSpec    *spec,
                   const ChkJobSpecKey *key)
{
  gconstpointer member = (const guint8 *) spec + key->offset;

  switch ((Kind) key->kind)
    {
    case KIND_STRING:
    case KIND_OPTIONAL_STRING:
      {
        const char *text = *(char * const *) member;

        return text != NULL ? g_variant_new_string (text) : NULL;
      }
    case KIND_STRV:
    case KIND_OPTIONAL_STRV:
      {
        const char * const *strv = *(const char * const * const *) member;

        return strv != NULL ? g_variant_new_strv (strv, -1) : NULL;
      }
    case KIND_ENVIRONMENT:
      return chk_environment_to_variant (*(GHashTable * const *) member);
    case KIND_BOOLEAN:
      return g_variant_new_boolean (*(const gboolean *) member);
    case KIND_UINT32:
      return g_variant_new_uint32 (*(const guint32 *) member);
    case KIND_UINT64:
      return g_variant_new_uint64 (*(const guint64 *) member);
    case KIND_INT64:
      return g_variant_new_int64 (*(const gint64 *) member);
    case KIND_ALERT_ON:
      return g_variant_new_string (chk_alert_on_to_string (*(const ChkAlertOn *) member));
    case KIND_DOUBLE:
      return g_variant_new_double (*(const gdouble *) member);
    case KIND_DEPENDENCIES:
      return _chk_dependencies_to_variant (*(GPtrArray * const *) member);
    case KIND_RUN_IF:
      return _chk_run_if_to_variant (*(const ChkRunIf *) member);
    default:
      g_assert_not_reached ();
    }
}

static void
member_clear (ChkJobSpec          *spec,
              const ChkJobSpecKey *key)
{
  gpointer member = (guint8 *) spec + key->offset;

  switch ((Kind) key->kind)
    {
    case KIND_STRING:
    case KIND_OPTIONAL_STRING:
      g_clear_pointer ((char **) member, g_free);
      break;
    case KIND_STRV:
    case KIND_OPTIONAL_STRV:
      g_clear_pointer ((char ***) member, g_strfreev);
      break;
    case KIND_ENVIRONMENT:
      g_clear_pointer ((GHashTable **) member, g_hash_table_unref);
      break;
    case KIND_DEPENDENCIES:
      g_clear_pointer ((GPtrArray **) member, g_ptr_array_unref);
      break;
    case KIND_BOOLEAN:
    case KIND_UINT32:
    case KIND_UINT64:
    case KIND_INT64:
    case KIND_ALERT_ON:
    case KIND_DOUBLE:
    case KIND_RUN_IF:
      break;
    default:
      g_assert_not_reached ();
    }
}

/*
 * The environment of the specs that have none: most have none, and an
 * empty table costs about 200 bytes, 2 MiB for 10,000 jobs. Nobody changes
 * a spec's table in place (a change makes a new one), so they share it.
 */
static GHashTable *
empty_environment (void)
{
  static GHashTable *empty = NULL;
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      empty = g_hash_table_new (g_str_hash, g_str_equal);
      g_once_init_leave (&done, 1);
    }
  return empty;
}

/*
 * The dependencies of the specs that have none, shared as the empty
 * environment is: an empty array costs 48 bytes of the heap, about half a
 * MiB for 10,000 jobs. A change makes a new array too.
 */
static GPtrArray *
empty_dependencies (void)
{
  static GPtrArray *empty = NULL;
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      empty = _chk_dependencies_new ();
      g_once_init_leave (&done, 1);
    }
  return empty;
}

/* Sets the member of @key, a list of words (`as`), to @words, copied: an
 * empty list leaves an optional one not given. */
static void
member_set_words (ChkJobSpec          *spec,
                  const ChkJobSpecKey *key,
                  const char * const  *words)
{
  gpointer member = (guint8 *) spec + key->offset;

  member_clear (spec, key);
  switch ((Kind) key->kind)
    {
    case KIND_STRV:
      *(char ***) member = g_strdupv ((char **) words);
      break;
    case KIND_OPTIONAL_STRV:
      if (words[0] != NULL)
        *(char ***) member = g_strdupv ((char **) words);
      break;
    case KIND_RUN_IF:
      {
        ChkRunIf *conditions = member;

        *conditions = 0;
        for (guint i = 0; words[i] != NULL; i++)
          {
            ChkRunIf condition;

            if (chk_run_if_from_string (words[i], &condition))
              *conditions |= condition;
          }
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Sets the member of @key, an environment or dependencies, to none. */
static void
member_set_empty (ChkJobSpec          *spec,
                  const ChkJobSpecKey *key)
{
  gpointer member = (guint8 *) spec + key->offset;

  member_clear (spec, key);
  if (key->kind == KIND_ENVIRONMENT)
    *(GHashTable **) member = g_hash_table_ref (empty_environment ());
  else if (key->kind == KIND_DEPENDENCIES)
    *(GPtrArray **) member = g_ptr_array_ref (empty_dependencies ());
  else
    g_assert_not_reached ();
}

/*
 * Stores @value, of the key's type, in the member as it is, unchecked: for a
 * value that was checked once already, such as a copy's or a Job1 property's.
 * NULL, "" or [] leave an optional key not given. Takes @value (full or floating).
 */
static void
member_set (ChkJobSpec          *spec,
            const ChkJobSpecKey *key,
            GVariant            *value)
{
  g_autoptr(GVariant) owned = value != NULL ? g_variant_take_ref (value) : NULL;
  gpointer member = (guint8 *) spec + key->offset;

  g_assert (value == NULL || g_variant_is_of_type (value, G_VARIANT_TYPE (key->type)));

  member_clear (spec, key);
  switch ((Kind) key->kind)
    {
    case KIND_STRING:
      *(char **) member = g_variant_dup_string (value, NULL);
      break;
    case KIND_OPTIONAL_STRING:
      if (value != NULL && g_variant_get_string (value, NULL)[0] != '\0')
        *(char **) member = g_variant_dup_string (value, NULL);
      break;
    case KIND_STRV:
    case KIND_OPTIONAL_STRV:
    case KIND_RUN_IF:
      if (value != NULL)
        {
          g_autofree const char **words = g_variant_get_strv (value, NULL);

          member_set_words (spec, key, words);
        }
      break;
    case KIND_ENVIRONMENT:
      if (g_variant_n_children (value) == 0)
        {
          member_set_empty (spec, key);
          break;
        }
      {
        GHashTable *environment = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
        GVariantIter iter;
        const char *name, *text;

        g_variant_iter_init (&iter, value);
        while (g_variant_iter_next (&iter, "{&s&s}", &name, &text))
          g_hash_table_replace (environment, g_strdup (name), g_strdup (text));
        *(GHashTable **) member = environment;
      }
      break;
    case KIND_BOOLEAN:
      *(gboolean *) member = g_variant_get_boolean (value);
      break;
    case KIND_UINT32:
      *(guint32 *) member = g_variant_get_uint32 (value);
      break;
    case KIND_UINT64:
      *(guint64 *) member = g_variant_get_uint64 (value);
      break;
    case KIND_INT64:
      *(gint64 *) member = g_variant_get_int64 (value);
      break;
    case KIND_ALERT_ON:
      if (!chk_alert_on_from_string (g_variant_get_string (value, NULL), (ChkAlertOn *) member))
        *(ChkAlertOn *) member = key->default_number;
      break;
    case KIND_DOUBLE:
      *(gdouble *) member = g_variant_get_double (value);
      break;
    case KIND_DEPENDENCIES:
      if (g_variant_n_children (value) == 0)
        {
          member_set_empty (spec, key);
          break;
        }
      {
        GPtrArray *dependencies = _chk_dependencies_new ();

        for (gsize i = 0; i < g_variant_n_children (value); i++)
          {
            g_autoptr(GVariant) entry = g_variant_get_child_value (value, i);
            ChkDependency *dependency = _chk_dependency_from_variant (entry, NULL);

            if (dependency != NULL)
              g_ptr_array_add (dependencies, dependency);
          }
        *(GPtrArray **) member = dependencies;
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

/* What Job1 shows for the key: an optional key not given is its type's empty value. */
static GVariant *
member_to_job1_variant (const ChkJobSpec    *spec,
                        const ChkJobSpecKey *key)
{
  GVariant *value = member_to_variant (spec, key);

  if (value != NULL)
    return value;
  if (key->kind == KIND_OPTIONAL_STRV)
    return g_variant_new_strv (NULL, 0);
  g_assert (key->kind == KIND_OPTIONAL_STRING);
  return g_variant_new_string ("");
}

/**
 * chk_alert_on_to_string:
 * @alert_on: a #ChkAlertOn
 *
 * Returns: "failure", "always" or "never"
 */
const char *
chk_alert_on_to_string (ChkAlertOn alert_on)
{
  g_return_val_if_fail (alert_on <= CHK_ALERT_ON_NEVER, "failure");

  return alert_on_names[alert_on];
}

/**
 * chk_alert_on_from_string:
 * @text: "failure", "always" or "never"
 * @out_alert_on: (out): where to put the value
 *
 * Returns: whether @text is one of the three
 */
gboolean
chk_alert_on_from_string (const char *text,
                          ChkAlertOn *out_alert_on)
{
  g_return_val_if_fail (text != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (alert_on_names); i++)
    {
      if (strcmp (text, alert_on_names[i]) == 0)
        {
          *out_alert_on = i;
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * chk_job_spec_new:
 *
 * Returns: (transfer full): a spec with every key at its default and no
 *   name or command yet
 */
ChkJobSpec *
chk_job_spec_new (void)
{
  ChkJobSpec *spec = g_new0 (ChkJobSpec, 1);

  for (guint i = 0; i < G_N_ELEMENTS (spec_keys); i++)
    member_set (spec, &spec_keys[i], chk_job_spec_key_get_default (&spec_keys[i]));

  return spec;
}

/**
 * chk_job_spec_copy:
 * @spec: a #ChkJobSpec
 *
 * Returns: (transfer full): a deep copy of @spec
 */
ChkJobSpec *
chk_job_spec_copy (const ChkJobSpec *spec)
{
  ChkJobSpec *copy;

  g_return_val_if_fail (spec != NULL, NULL);

  copy = g_new0 (ChkJobSpec, 1);
  for (guint i = 0; i < G_N_ELEMENTS (spec_keys); i++)
    member_set (copy, &spec_keys[i], member_to_variant (spec, &spec_keys[i]));

  return copy;
}

/**
 * chk_job_spec_free:
 * @spec: (transfer full): a #ChkJobSpec
 */
void
chk_job_spec_free (ChkJobSpec *spec)
{
  if (spec == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (spec_keys); i++)
    member_clear (spec, &spec_keys[i]);
  g_free (spec);
}

/**
 * chk_job_spec_update:
 * @spec: a #ChkJobSpec
 * @changes: an `a{sv}` of spec keys
 * @error: return location for a #GError
 *
 * Applies the keys in @changes, checking each: an unknown key, a value of
 * the wrong type or a bad value fails with %CHK_ERROR_INVALID_ARGUMENT (a
 * bad schedule or zone with %CHK_ERROR_INVALID_SCHEDULE) and a message that
 * names the key. All or nothing: on failure @spec is unchanged. `command`,
 * `shell` and a non-empty `check-url` exclude each other: giving one drops
 * the others, giving several at once fails.
 *
 * Returns: %TRUE if all of @changes were applied
 */
gboolean
chk_job_spec_update (ChkJobSpec  *spec,
                     GVariant    *changes,
                     GError     **error)
{
  g_autoptr(ChkJobSpec) updated = NULL;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_return_val_if_fail (spec != NULL, FALSE);
  g_return_val_if_fail (changes != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_variant_is_of_type (changes, G_VARIANT_TYPE_VARDICT))
    return set_invalid (error, _("a job spec must be of type a{sv}, not %s"),
                        g_variant_get_type_string (changes));

  {
    g_autoptr(GVariant) command = g_variant_lookup_value (changes, "command", NULL);
    g_autoptr(GVariant) shell = g_variant_lookup_value (changes, "shell", NULL);

    g_autoptr(GVariant) check_url = g_variant_lookup_value (changes, "check-url",
                                                            G_VARIANT_TYPE_STRING);
    guint n_given = (command != NULL) + (shell != NULL) +
                    (check_url != NULL && g_variant_get_string (check_url, NULL)[0] != '\0');

    if (n_given > 1)
      return set_key_invalid (error, "command",
                              _("give one of command, shell and check-url, not several"));
  }

  updated = chk_job_spec_copy (spec);

  g_variant_iter_init (&iter, changes);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      const ChkJobSpecKey *spec_key = chk_job_spec_lookup_key (key);

      if (spec_key == NULL)
        {
          set_invalid (error, _("unknown key “%s”"), key);
          g_variant_unref (value);
          return FALSE;
        }

      if (!g_variant_is_of_type (value, G_VARIANT_TYPE (spec_key->type)))
        {
          set_key_invalid (error, key, _("must be of type %s, not %s"),
                           spec_key->type, g_variant_get_type_string (value));
          g_variant_unref (value);
          return FALSE;
        }

      if (!check_max_length (spec_key, value, error) ||
          (spec_key->apply != NULL && !spec_key->apply (updated, spec_key, value, error)))
        {
          g_variant_unref (value);
          return FALSE;
        }
      /* A key without checks of its own is any value of its type. */
      if (spec_key->apply == NULL)
        member_set (updated, spec_key, g_variant_ref (value));
    }

  /* Hand the new contents over, keeping @spec's address. */
  {
    ChkJobSpec tmp = *spec;

    *spec = *updated;
    *updated = tmp;
  }

  return TRUE;
}

/*
 * Sets the member of @key from the bytes of a stored value of its type,
 * without a #GVariant for the numbers, texts and lists of words, nor for
 * an empty environment or dependencies: %FALSE for bytes that are not what
 * GVariant writes for one.
 */
static gboolean
member_set_stored (ChkJobSpec            *spec,
                   const ChkJobSpecKey   *key,
                   const ChkVardictEntry *entry)
{
  gpointer member = (guint8 *) spec + key->offset;
  const char *text = NULL;
  gsize size = entry->value_size;

  switch ((Kind) key->kind)
    {
    case KIND_STRING:
    case KIND_OPTIONAL_STRING:
    case KIND_ALERT_ON:
      if (!_chk_vardict_read_string (entry->value, size, &text))
        return FALSE;
      member_clear (spec, key);
      if (key->kind == KIND_STRING)
        *(char **) member = g_strndup (text, size - 1);
      else if (key->kind == KIND_OPTIONAL_STRING && size > 1)
        *(char **) member = g_strndup (text, size - 1);
      else if (key->kind == KIND_ALERT_ON && !chk_alert_on_from_string (text, member))
        *(ChkAlertOn *) member = key->default_number;
      return TRUE;
    case KIND_BOOLEAN:
      if (size != 1 || entry->value[0] > 1)
        return FALSE;
      *(gboolean *) member = entry->value[0];
      return TRUE;
    case KIND_UINT32:
    case KIND_UINT64:
    case KIND_INT64:
    case KIND_DOUBLE:
      /* The member is a guint32, or a 64-bit number as the value is */
      if (size != (key->kind == KIND_UINT32 ? sizeof (guint32) : sizeof (guint64)))
        return FALSE;
      memcpy (member, entry->value, size);
      return TRUE;
    case KIND_STRV:
    case KIND_OPTIONAL_STRV:
    case KIND_RUN_IF:
      {
        g_autofree const char **words = NULL;

        if (!_chk_vardict_read_strv (entry->value, size, &words))
          return FALSE;
        member_set_words (spec, key, words);
        return TRUE;
      }
    case KIND_ENVIRONMENT:
    case KIND_DEPENDENCIES:
      /* No bytes: an empty array, as most jobs have */
      if (size == 0)
        {
          member_set_empty (spec, key);
          return TRUE;
        }
      {
        /* Borrows the bytes: member_set() copies what it keeps. */
        GVariant *value = g_variant_new_from_data (G_VARIANT_TYPE (key->type), entry->value, size,
                                                   FALSE, NULL, NULL);

        if (!g_variant_is_normal_form (value))
          {
            g_variant_unref (g_variant_ref_sink (value));
            return FALSE;
          }
        member_set (spec, key, value);
        return TRUE;
      }
    default:
      g_assert_not_reached ();
    }
}

/* The key called @name, looked for from @next on first: a stored spec has them in order. */
static const ChkJobSpecKey *
find_stored_key (const char *name,
                 guint       next)
{
  for (guint i = next; i < G_N_ELEMENTS (spec_keys); i++)
    {
      if (strcmp (name, spec_keys[i].name) == 0)
        return &spec_keys[i];
    }
  return chk_job_spec_lookup_key (name);
}

/**
 * chk_job_spec_new_trusted:
 * @stored: an `a{sv}` that chk_job_spec_to_variant() made of a spec that
 *   chk_job_spec_update() had checked, such as the daemon's store keeps
 *
 * Reads @stored back without checking its values again: for loading many
 * jobs at once, each checked when it was written. Keys missing from
 * @stored keep their defaults. The schedule and zone are not parsed: the
 * caller does that, and must still cope with one that no longer parses.
 *
 * Returns: (transfer full) (nullable): the spec, or %NULL when @stored is
 *   not what chk_job_spec_to_variant() writes (an unknown key, a value of
 *   another type, several of `command`, `shell` and `check-url`, no name
 *   or program, bytes not in normal form); read such a one with
 *   chk_job_spec_update()
 */
ChkJobSpec *
chk_job_spec_new_trusted (GVariant *stored)
{
  g_autoptr(ChkJobSpec) spec = NULL;
  ChkVardictReader reader;
  guint64 given = 0;
  guint next_key = 0;
  guint n_programs = 0;

  G_STATIC_ASSERT (G_N_ELEMENTS (spec_keys) <= 64);
  g_return_val_if_fail (stored != NULL, NULL);

  if (!g_variant_is_of_type (stored, G_VARIANT_TYPE_VARDICT))
    return NULL;

  /*
   * Each member is set once, from @stored or else from its default, and
   * read from the bytes without a #GVariant for each entry, key and value:
   * 10,000 jobs load in a fraction of the time.
   */
  spec = g_new0 (ChkJobSpec, 1);
  if (!_chk_vardict_reader_init (&reader, g_variant_get_data (stored), g_variant_get_size (stored)))
    return NULL;
  for (;;)
    {
      ChkVardictEntry entry;
      const ChkJobSpecKey *key;
      gboolean done;

      if (!_chk_vardict_reader_next (&reader, &entry, &done))
        return NULL;
      if (done)
        break;

      key = find_stored_key (entry.key, next_key);
      if (key == NULL || strlen (key->type) != entry.type_length ||
          memcmp (key->type, entry.type, entry.type_length) != 0 ||
          !member_set_stored (spec, key, &entry))
        return NULL;
      next_key = key - spec_keys + 1;
      given |= G_GUINT64_CONSTANT (1) << (key - spec_keys);
    }

  for (guint i = 0; i < G_N_ELEMENTS (spec_keys); i++)
    {
      if ((given & (G_GUINT64_CONSTANT (1) << i)) == 0)
        member_set (spec, &spec_keys[i], chk_job_spec_key_get_default (&spec_keys[i]));
    }

  n_programs = (spec->command != NULL) + (spec->shell != NULL) + (spec->check_url != NULL);
  if (n_programs != 1 || !chk_job_spec_validate (spec, NULL))
    return NULL;

  return g_steal_pointer (&spec);
}

/**
 * chk_job_spec_validate:
 * @spec: a #ChkJobSpec
 * @error: return location for a #GError
 *
 * Checks that @spec is complete: it has a name, and a command, a shell line or
 * a URL to check.
 *
 * Returns: %TRUE if @spec can make a job
 */
gboolean
chk_job_spec_validate (const ChkJobSpec  *spec,
                       GError           **error)
{
  g_return_val_if_fail (spec != NULL, FALSE);

  if (spec->name[0] == '\0')
    return set_key_invalid (error, "name", _("is required"));
  if (spec->command == NULL && spec->shell == NULL && spec->check_url == NULL)
    return set_key_invalid (error, "command", _("give one of command, shell or check-url"));

  return TRUE;
}

/**
 * chk_job_spec_environment_to_variant:
 * @spec: a #ChkJobSpec
 *
 * Returns: (transfer floating): the environment as an `a{ss}`, sorted by name
 */
GVariant *
chk_job_spec_environment_to_variant (const ChkJobSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);

  return chk_environment_to_variant (spec->environment);
}

/**
 * chk_job_spec_to_variant:
 * @spec: a #ChkJobSpec
 *
 * Returns: (transfer floating): every key of @spec as an `a{sv}`, which
 *   chk_job_spec_update() reads back to the same spec; of `command`,
 *   `shell` and `check-url` only the one given
 */
GVariant *
chk_job_spec_to_variant (const ChkJobSpec *spec)
{
  GVariantBuilder builder;

  g_return_val_if_fail (spec != NULL, NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  for (guint i = 0; i < G_N_ELEMENTS (spec_keys); i++)
    {
      GVariant *value = member_to_variant (spec, &spec_keys[i]);

      if (value != NULL)
        g_variant_builder_add (&builder, "{sv}", spec_keys[i].name, value);
    }

  return g_variant_builder_end (&builder);
}

/**
 * chk_job_spec_key_to_property:
 * @key: a spec key such as "working-directory"
 *
 * Returns: (transfer full): its D-Bus property name, such as "WorkingDirectory"
 */
char *
chk_job_spec_key_to_property (const char *key)
{
  GString *name = g_string_new (NULL);
  gboolean upper = TRUE;

  g_return_val_if_fail (key != NULL, NULL);

  for (const char *p = key; *p != '\0'; p++)
    {
      if (*p == '-')
        {
          upper = TRUE;
          continue;
        }
      g_string_append_c (name, upper ? g_ascii_toupper (*p) : *p);
      upper = FALSE;
    }

  return g_string_free (name, FALSE);
}

/**
 * chk_job_spec_keys:
 * @n_keys: (out): where to put the number of keys
 *
 * Returns: (array length=n_keys) (transfer none): every key a spec has, in
 *   the order chk_job_spec_to_variant() gives them
 */
const ChkJobSpecKey *
chk_job_spec_keys (guint *n_keys)
{
  g_return_val_if_fail (n_keys != NULL, NULL);

  *n_keys = G_N_ELEMENTS (spec_keys);
  return spec_keys;
}

/**
 * chk_job_spec_lookup_key:
 * @name: a key's name, such as "max-output-bytes"
 *
 * Returns: (nullable) (transfer none): the key, or %NULL when specs have no
 *   key of that name
 */
const ChkJobSpecKey *
chk_job_spec_lookup_key (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (spec_keys); i++)
    {
      if (strcmp (name, spec_keys[i].name) == 0)
        return &spec_keys[i];
    }
  return NULL;
}

/**
 * chk_job_spec_key_get_default:
 * @key: a key of chk_job_spec_keys()
 *
 * Returns: (transfer floating) (nullable): the value a spec has until it is
 *   given one, of the key's type; %NULL for `command`, `shell` and
 *   `check-url`, which a new spec does not have
 */
GVariant *
chk_job_spec_key_get_default (const ChkJobSpecKey *key)
{
  g_return_val_if_fail (key != NULL, NULL);

  switch ((Kind) key->kind)
    {
    case KIND_STRING:
      return g_variant_new_string ("");
    case KIND_OPTIONAL_STRING:
    case KIND_OPTIONAL_STRV:
      return NULL;
    case KIND_STRV:
      return g_variant_new_strv (NULL, 0);
    case KIND_ENVIRONMENT:
      return g_variant_new_array (G_VARIANT_TYPE ("{ss}"), NULL, 0);
    case KIND_BOOLEAN:
      return g_variant_new_boolean (key->default_number != 0);
    case KIND_UINT32:
      return g_variant_new_uint32 ((guint32) key->default_number);
    case KIND_UINT64:
      return g_variant_new_uint64 ((guint64) key->default_number);
    case KIND_INT64:
      return g_variant_new_int64 (key->default_number);
    case KIND_ALERT_ON:
      return g_variant_new_string (chk_alert_on_to_string ((ChkAlertOn) key->default_number));
    case KIND_DOUBLE:
      return g_variant_new_double (key->default_double);
    case KIND_DEPENDENCIES:
      return g_variant_new_array (G_VARIANT_TYPE_VARDICT, NULL, 0);
    case KIND_RUN_IF:
      return g_variant_new_strv (NULL, 0);
    default:
      g_assert_not_reached ();
    }
}

/**
 * chk_job_spec_get_value:
 * @spec: a #ChkJobSpec
 * @key: a key of chk_job_spec_keys()
 *
 * Returns: (transfer floating) (nullable): @spec's value of @key, as
 *   chk_job_spec_to_variant() gives it: %NULL for the one of `command`,
 *   `shell` and `check-url` that @spec does not have
 */
GVariant *
chk_job_spec_get_value (const ChkJobSpec    *spec,
                        const ChkJobSpecKey *key)
{
  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return member_to_variant (spec, key);
}

/**
 * chk_job_spec_to_job1:
 * @spec: a #ChkJobSpec
 * @job: a #ChkJob1 skeleton
 *
 * Sets every property of @job that shows a key of @spec; the `command`,
 * `shell` or `check-url` that @spec does not have shows as empty. The
 * properties of the job's state are left alone.
 */
void
chk_job_spec_to_job1 (const ChkJobSpec *spec,
                      ChkJob1          *job)
{
  g_return_if_fail (spec != NULL);
  g_return_if_fail (CHK_IS_JOB1 (job));

  for (guint i = 0; i < G_N_ELEMENTS (spec_keys); i++)
    {
      g_autoptr(GVariant) value = g_variant_ref_sink (member_to_job1_variant (spec, &spec_keys[i]));
      g_auto(GValue) gvalue = G_VALUE_INIT;

      g_dbus_gvariant_to_gvalue (value, &gvalue);
      g_object_set_property (G_OBJECT (job), spec_keys[i].property, &gvalue);
    }
}

/**
 * chk_job_spec_new_from_job1:
 * @job: a #ChkJob1 skeleton or proxy
 *
 * Reads a spec back from the properties chk_job_spec_to_job1() sets, as they
 * are: the daemon checked them when the job was made or changed. A key
 * whose property a proxy does not have keeps its default.
 *
 * Returns: (transfer full): the spec @job shows
 */
ChkJobSpec *
chk_job_spec_new_from_job1 (ChkJob1 *job)
{
  ChkJobSpec *spec;

  g_return_val_if_fail (CHK_IS_JOB1 (job), NULL);

  spec = chk_job_spec_new ();
  for (guint i = 0; i < G_N_ELEMENTS (spec_keys); i++)
    {
      const ChkJobSpecKey *key = &spec_keys[i];
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (job), key->property);
      g_auto(GValue) gvalue = G_VALUE_INIT;
      g_autoptr(GVariant) value = NULL;

      g_assert (pspec != NULL);
      g_value_init (&gvalue, pspec->value_type);
      g_object_get_property (G_OBJECT (job), key->property, &gvalue);
      value = g_dbus_gvalue_to_gvariant (&gvalue, G_VARIANT_TYPE (key->type));
      if (value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE (key->type)))
        member_set (spec, key, g_steal_pointer (&value));
    }

  return spec;
}
