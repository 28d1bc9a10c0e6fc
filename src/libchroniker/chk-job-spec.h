/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib-object.h>

#include "chk-dbus-generated.h"

G_BEGIN_DECLS

/**
 * ChkAlertOn:
 * @CHK_ALERT_ON_FAILURE: alert when a run does not succeed
 * @CHK_ALERT_ON_ALWAYS: alert after every run
 * @CHK_ALERT_ON_NEVER: never alert
 *
 * When `notify-on` and `email-on` alert.
 */
typedef enum
{
  CHK_ALERT_ON_FAILURE,
  CHK_ALERT_ON_ALWAYS,
  CHK_ALERT_ON_NEVER,
} ChkAlertOn;

const char *chk_alert_on_to_string   (ChkAlertOn   alert_on);
gboolean    chk_alert_on_from_string (const char  *text,
                                      ChkAlertOn  *out_alert_on);

#define CHK_JOB_SPEC_DEFAULT_MAX_RUNS          100
#define CHK_JOB_SPEC_DEFAULT_MAX_OUTPUT_BYTES  (G_GUINT64_CONSTANT (16) * 1024 * 1024)
#define CHK_JOB_SPEC_MAX_NAME_LENGTH           255
#define CHK_JOB_SPEC_DEFAULT_CHECK_STATUS      200
#define CHK_JOB_SPEC_DEFAULT_CHECK_TIMEOUT     30
#define CHK_JOB_SPEC_DEFAULT_CPU_WEIGHT        100
#define CHK_JOB_SPEC_MAX_CPU_WEIGHT            10000

/**
 * ChkJobSpec:
 * @name: the unique name
 * @description: free text, "" when none
 * @command: (nullable): the argv to run, or %NULL when @shell is used
 * @shell: (nullable): a line for `/bin/sh -c`, or %NULL when @command is used
 * @working_directory: "" for the daemon's home directory
 * @environment: (element-type utf8 utf8): variables added to the job's environment
 * @schedule: "" (manual), cron or RRULE; valid when the spec is
 * @timezone: an IANA zone, or "" for the daemon's local zone
 * @start: DTSTART of a recurrence rule, µs since the epoch
 * @enabled: whether the schedule runs the job
 * @timeout: seconds, 0 for none
 * @catch_up: whether a run missed while the daemon or machine was off runs once
 * @max_runs: how many runs are kept
 * @max_output_bytes: output kept per run (head and tail) before the middle is dropped
 * @notify_on: when to raise a desktop notification
 * @email_on: when to send email
 * @email_to: addresses to mail
 * @is_monitor: whether the job's latest outcome is a health state, alerting
 *   only when that state changes
 * @monitor_url: a page about what the monitor watches, "" when none
 * @check_url: (nullable): an http(s) URL the daemon checks itself instead of
 *   running a command; %NULL when @command or @shell is used
 * @check_expect_status: the HTTP status a passing check answers
 * @check_contains: text a passing check's body holds, "" for any body
 * @check_timeout: seconds a check may take
 * @webhook_url: where to POST a JSON report when @notify_on says so, "" for
 *   the `webhook-url` setting
 * @max_tasks: processes and threads a run may have at once, 0 for the
 *   `default-max-tasks` setting
 * @memory_max: bytes of memory a run may use, 0 for no limit
 * @cpu_weight: the run's share of the CPU against other runs, 1-10000
 * @merge_stderr: whether the job's stderr goes into its stdout pipe, as
 *   with `2>&1`, so that their order is exact; the run then has stdout only
 *
 * A job's spec: the keys of DESIGN §2, typed and checked. The D-Bus
 * `a{sv}` form is read and written by chk_job_spec_update() and
 * chk_job_spec_to_variant(), the Job1 properties by chk_job_spec_to_job1()
 * and chk_job_spec_new_from_job1(). Each member is one #ChkJobSpecKey.
 */
typedef struct
{
  char        *name;
  char        *description;
  char       **command;
  char        *shell;
  char        *working_directory;
  GHashTable  *environment;
  char        *schedule;
  char        *timezone;
  gint64       start;
  gboolean     enabled;
  guint32      timeout;
  gboolean     catch_up;
  guint32      max_runs;
  guint64      max_output_bytes;
  ChkAlertOn   notify_on;
  ChkAlertOn   email_on;
  char       **email_to;
  gboolean     is_monitor;
  char        *monitor_url;
  char        *check_url;
  guint32      check_expect_status;
  char        *check_contains;
  guint32      check_timeout;
  char        *webhook_url;
  guint32      max_tasks;
  guint64      memory_max;
  guint32      cpu_weight;
  gboolean     merge_stderr;
} ChkJobSpec;

/**
 * ChkJobSpecKey:
 * @name: the key, such as "max-output-bytes", as specs, JSON and errors name it
 * @type: its #GVariant type string, such as "t"
 * @property: the #ChkJob1 GObject property that shows it, such as
 *   "max-output-bytes" (on the bus, chk_job_spec_key_to_property() of @name)
 *
 * One key of a job spec: the table of them, chk_job_spec_keys(), is the one
 * place that says which keys there are, their types, defaults and checks,
 * and which #ChkJobSpec member and Job1 property each is. Read-only.
 */
typedef struct _ChkJobSpecKey ChkJobSpecKey;

struct _ChkJobSpecKey
{
  const char *name;
  const char *type;
  const char *property;

  /*< private >*/
  guint       kind;
  gsize       offset;
  gint64      default_number;
  gsize       max_length;       /* of a string's value, in bytes; 0 for no bound */
  gboolean  (*apply) (ChkJobSpec           *spec,  /* checks and stores; NULL to store as is */
                      const ChkJobSpecKey  *key,
                      GVariant             *value,
                      GError              **error);
};

#define CHK_TYPE_JOB_SPEC (chk_job_spec_get_type ())

GType       chk_job_spec_get_type   (void);
ChkJobSpec *chk_job_spec_new        (void);
ChkJobSpec *chk_job_spec_copy       (const ChkJobSpec *spec);
void        chk_job_spec_free       (ChkJobSpec       *spec);
gboolean    chk_job_spec_update     (ChkJobSpec       *spec,
                                     GVariant         *changes,
                                     GError          **error);
gboolean    chk_job_spec_validate   (const ChkJobSpec *spec,
                                     GError          **error);
GVariant   *chk_job_spec_to_variant (const ChkJobSpec *spec);
GVariant   *chk_job_spec_environment_to_variant (const ChkJobSpec *spec);
GVariant   *chk_environment_to_variant (GHashTable       *environment);
char       *chk_job_spec_key_to_property (const char  *key);

const ChkJobSpecKey *chk_job_spec_keys       (guint               *n_keys);
const ChkJobSpecKey *chk_job_spec_lookup_key (const char          *name);
GVariant   *chk_job_spec_key_get_default     (const ChkJobSpecKey *key);
GVariant   *chk_job_spec_get_value           (const ChkJobSpec    *spec,
                                              const ChkJobSpecKey *key);
void        chk_job_spec_to_job1             (const ChkJobSpec    *spec,
                                              ChkJob1             *job);
ChkJobSpec *chk_job_spec_new_from_job1       (ChkJob1             *job);

gboolean    chk_email_address_is_valid (const char    *address);
gboolean    chk_text_has_control_characters (const char *text);
gboolean    chk_check_email_address (const char       *key,
                                     const char       *address,
                                     GError          **error);
gboolean    chk_check_http_url      (const char       *key,
                                     const char       *url,
                                     GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChkJobSpec, chk_job_spec_free)

G_END_DECLS
