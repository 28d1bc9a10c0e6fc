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
/* The `host` of a job that every host of a fleet runs */
#define CHK_JOB_SPEC_EVERY_HOST                "*"
#define CHK_JOB_SPEC_DEFAULT_RETRY_DELAY       60
#define CHK_JOB_SPEC_DEFAULT_RETRY_BACKOFF     2.0
#define CHK_JOB_SPEC_DEFAULT_RETRY_MAX_DELAY   3600
#define CHK_JOB_SPEC_MAX_RETRIES               100
#define CHK_JOB_SPEC_MAX_RETRY_BACKOFF         100.0
#define CHK_JOB_SPEC_MAX_LINKS                 100
#define CHK_JOB_SPEC_MAX_ALERT_AFTER_FAILURES  1000

/**
 * ChkDependency:
 * @job: the name of the job depended on
 * @wait_for_completion: not while that job runs
 * @wait_for_success: only when its latest run succeeded (one that never ran blocks)
 * @wait_for_next_run: only when its next run is not before ours
 *
 * One entry of `depends-on`, with django-chroniker's three flags.
 */
typedef struct
{
  char     *job;
  gboolean  wait_for_completion;
  gboolean  wait_for_success;
  gboolean  wait_for_next_run;
} ChkDependency;

/**
 * ChkRunIf:
 * @CHK_RUN_IF_AC_POWER: the machine is not on battery
 * @CHK_RUN_IF_NETWORK: a network is reachable
 * @CHK_RUN_IF_UNMETERED_NETWORK: a network is reachable and not metered
 * @CHK_RUN_IF_NOT_POWER_SAVER: power saving is off
 *
 * The conditions of `run-if`, as flags.
 */
typedef enum
{
  CHK_RUN_IF_AC_POWER          = 1 << 0,
  CHK_RUN_IF_NETWORK           = 1 << 1,
  CHK_RUN_IF_UNMETERED_NETWORK = 1 << 2,
  CHK_RUN_IF_NOT_POWER_SAVER   = 1 << 3,
} ChkRunIf;

const char *chk_run_if_to_string   (ChkRunIf     condition);
gboolean    chk_run_if_from_string (const char  *text,
                                    ChkRunIf    *out_condition);

/**
 * ChkJobSpec:
 * @name: the unique name
 * @description: free text, "" when none
 * @command: (nullable): the argv to run, or %NULL when @shell is used
 * @shell: (nullable): a line for `/bin/sh -c`, or %NULL when @command is used
 * @working_directory: "" for the daemon's home directory (in system mode
 *   the home directory of @user)
 * @user: the account the job runs as: "" for the daemon's own user (in
 *   system mode the daemon sets it to the caller's when a job is made)
 * @host: which hosts of a fleet the schedule runs the job on: "" any one,
 *   %CHK_JOB_SPEC_EVERY_HOST every one, else only the host of that name
 * @environment: (element-type utf8 utf8): variables added to the job's
 *   environment; never changed in place (specs may share one), replaced
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
 * @depends_on: (element-type ChkDependency): the jobs a due run waits for
 * @run_on_success: names of jobs started when a run succeeds
 * @run_on_failure: names of jobs started when a run fails, after its retries
 * @retries: how many times a failed or timed-out run is tried again
 * @retry_delay: seconds before the first retry
 * @retry_backoff: what each further retry's delay is multiplied by
 * @retry_max_delay: seconds a retry's delay grows to at most
 * @random_delay: a fixed per-job offset in [0, @random_delay) seconds is
 *   added to every scheduled occurrence
 * @run_if: the #ChkRunIf conditions a due run waits for
 * @run_if_wait: seconds a due run waits for @run_if before it is skipped
 * @expected_duration: seconds past which a run raises one "running long"
 *   alert, without being stopped; 0 for none
 * @alert_after_failures: how many runs in a row must fail before failure
 *   alerts go out, at least 1
 * @snoozed_until: µs since the epoch until which the job raises no alerts;
 *   0 for none
 *
 * A job's spec: the keys of DESIGN §2, typed and checked. The D-Bus
 * `a{sv}` form is read and written by chk_job_spec_update() and
 * chk_job_spec_to_variant(), the Job1 properties by chk_job_spec_to_job1()
 * and chk_job_spec_new_from_job1(). Each member is one #ChkJobSpecKey.
 * Members of four bytes go in pairs, so that the daemon's 10,000 specs have
 * no holes between members.
 */
typedef struct
{
  char        *name;
  char        *description;
  char       **command;
  char        *shell;
  char        *working_directory;
  char        *user;
  char        *host;
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
  guint32      check_expect_status;
  char        *monitor_url;
  char        *check_url;
  char        *check_contains;
  char        *webhook_url;
  guint32      check_timeout;
  guint32      max_tasks;
  guint64      memory_max;
  guint32      cpu_weight;
  gboolean     merge_stderr;
  GPtrArray   *depends_on;
  char       **run_on_success;
  char       **run_on_failure;
  guint32      retries;
  guint32      retry_delay;
  gdouble      retry_backoff;
  guint32      retry_max_delay;
  guint32      random_delay;
  ChkRunIf     run_if;
  guint32      run_if_wait;
  guint32      expected_duration;
  guint32      alert_after_failures;
  gint64       snoozed_until;
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
  gdouble     default_double;
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
ChkJobSpec *chk_job_spec_new_trusted (GVariant        *stored);
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

gint64      chk_job_spec_get_random_offset (const ChkJobSpec *spec,
                                            guint64           job_id);
gint64      chk_job_spec_get_retry_delay   (const ChkJobSpec *spec,
                                            guint             attempt);
gboolean    chk_job_spec_runs_on           (const ChkJobSpec *spec,
                                            const char       *hostname);
gboolean    chk_job_spec_links_to          (const ChkJobSpec *spec,
                                            const char       *name);
void        chk_job_spec_rename_links      (ChkJobSpec       *spec,
                                            const char       *old_name,
                                            const char       *new_name);

gboolean    chk_email_address_is_valid (const char    *address);
gboolean    chk_text_has_control_characters (const char *text);
gboolean    chk_check_email_address (const char       *key,
                                     const char       *address,
                                     GError          **error);
const char *chk_job_host_describe   (const char       *host);
gboolean    chk_check_host_name     (const char       *key,
                                     const char       *name,
                                     GError          **error);
gboolean    chk_check_http_url      (const char       *key,
                                     const char       *url,
                                     GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChkJobSpec, chk_job_spec_free)

G_END_DECLS
