/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-alerts"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "chk-alert-flood.h"
#include "chk-alerts.h"
#include "chk-duration.h"
#include "chk-error.h"
#include "chk-job-env.h"
#include "chk-job-private.h"
#include "chk-mailer.h"
#include "chk-notifier.h"
#include "chk-outcome.h"
#include "chk-source-util.h"
#include "chk-text-util.h"
#include "chk-http-module.h"

/* How many earlier runs are looked at to find a monitor's previous state. */
#define MONITOR_HISTORY 20
/* How many runs at most are looked at to count failures in a row. */
#define STREAK_HISTORY_MAX 10000

/**
 * ChkAlerts:
 *
 * Tells people how runs ended: desktop notifications, emails and webhooks,
 * as each job's `notify-on`, `email-on`, `email-to` and `webhook-url` ask
 * and the settings allow. A monitor's runs alert only when its state
 * changes: when it starts failing and when it recovers. Other jobs with
 * `alert-after-failures` N above 1 alert when the Nth run in a row fails,
 * and once more when they recover. A run still going past the job's
 * `expected-duration` raises one "running long" alert. A job snoozed
 * (`snoozed-until`) raises none. Emails and webhooks about failures go
 * through #ChkAlertFlood.
 *
 * Deliveries are asynchronous and retried; when one still fails, the run's
 * `alert-error` and the job's `LastAlertError` say why.
 */
struct _ChkAlerts
{
  GObject      parent_instance;

  ChkEngine   *engine;
  ChkNotifier *notifier;       /* made on first use */
  GArray      *retry_delays_ms; /* NULL: the mailer's and webhook's own */
  GCancellable *cancellable;
  guint        pending;         /* deliveries under way */
  ChkAlertFlood *flood;
  /* guint64 run id → LongWatch, for the runs with an expected duration */
  GHashTable  *long_watches;
  /* The system daemon's: no desktop of its own, each job's user mailed */
  gboolean     system;
};

G_DEFINE_FINAL_TYPE (ChkAlerts, chk_alerts, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PENDING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef enum
{
  STATE_UNKNOWN,
  STATE_OK,
  STATE_FAILING,
} MonitorState;

typedef enum
{
  EVENT_NONE,
  EVENT_SUCCESS,
  EVENT_FAILURE,
  EVENT_RECOVERED,
  EVENT_OTHER,        /* stopped: neither a success nor a failure */
  EVENT_RUNNING_LONG, /* still going past the expected duration */
  EVENT_SUMMARY,      /* what flood control held back */
} AlertEvent;

/* The alert about a run going on past its job's expected duration, to come. */
typedef struct
{
  ChkAlerts *alerts;  /* unowned: it owns us */
  ChkJob    *job;     /* owned */
  guint64    run_id;
  GSource   *timer;
} LongWatch;

/* What flood control held back, for EVENT_SUMMARY. */
typedef struct
{
  guint  failures;
  guint  running_long;
  gint64 since;
} Summary;

/* The deliveries about one run; the last one to finish records errors. */
typedef struct
{
  ChkAlerts *alerts;  /* owned */
  ChkJob    *job;     /* owned */
  guint64    run_id;
  guint      pending;
  GString   *errors;
} Delivery;

static MonitorState
state_of (const char *outcome)
{
  ChkOutcome value = chk_outcome_from_string (outcome);

  /* A stopped run says nothing about the monitored thing's health */
  if (value == CHK_OUTCOME_SUCCESS)
    return STATE_OK;
  if (value == CHK_OUTCOME_UNKNOWN || !chk_outcome_is_failure (value))
    return STATE_UNKNOWN;
  return STATE_FAILING;
}

/* The state a monitor was in before @run_id: the latest earlier run that
 * said something about its health (a stopped run does not). */
static MonitorState
previous_state (ChkAlerts *self,
                guint64    job_id,
                guint64    run_id)
{
  ChkRunFilter filter = { .job_id = job_id, .limit = MONITOR_HISTORY };
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GError) error = NULL;

  runs = chk_store_list_runs (chk_engine_get_store (self->engine), &filter, &error);
  if (runs == NULL)
    {
      g_warning ("Could not read the earlier runs of job %" G_GUINT64_FORMAT ": %s",
                 job_id, error->message);
      return STATE_UNKNOWN;
    }

  for (guint i = 0; i < runs->len; i++)
    {
      const ChkRunRecord *run = g_ptr_array_index (runs, i);
      MonitorState state;

      if (run->id == run_id)
        continue;
      state = state_of (run->outcome);
      if (state != STATE_UNKNOWN)
        return state;
    }

  return STATE_UNKNOWN;
}

static void
long_watch_free (LongWatch *watch)
{
  chk_source_clear (&watch->timer);
  g_object_unref (watch->job);
  g_free (watch);
}

static gboolean
is_snoozed (const ChkJobSpec *spec)
{
  return spec->snoozed_until > 0 && g_get_real_time () < spec->snoozed_until;
}

/* How many runs of the job in a row failed, up to @run_id (itself counted
 * when it did), looking no further than @enough of them. A run and its
 * retries count once; a stopped or skipped run neither counts nor breaks
 * the streak. */
static guint
failures_in_a_row (ChkAlerts *self,
                   ChkJob    *job,
                   guint64    run_id,
                   gboolean   with_this,
                   guint      enough)
{
  const ChkJobSpec *spec = chk_job_get_spec (job);
  ChkRunFilter filter = { .job_id = chk_job_get_id (job) };
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GError) error = NULL;
  guint count = 0;

  filter.limit = MIN ((guint64) (enough + 1) * (spec->retries + 1) + 1, STREAK_HISTORY_MAX);
  runs = chk_store_list_runs (chk_engine_get_store (self->engine), &filter, &error);
  if (runs == NULL)
    {
      g_warning ("Could not read the earlier runs of “%s”: %s", spec->name, error->message);
      return 0;
    }

  for (guint i = 0; i < runs->len && count < enough; i++)
    {
      const ChkRunRecord *run = g_ptr_array_index (runs, i);
      MonitorState state;

      if (run->id > run_id || (run->id == run_id && !with_this))
        continue;
      state = state_of (run->outcome);
      if (state == STATE_OK)
        break;
      /* The first attempt stands for the occurrence, whose last attempt failed. */
      if (state == STATE_FAILING && run->attempt <= 1)
        count++;
    }

  return count;
}

static gboolean
wanted (ChkAlertOn on,
        AlertEvent event,
        gboolean   is_monitor)
{
  if (on == CHK_ALERT_ON_NEVER || event == EVENT_NONE)
    return FALSE;
  /* A monitor's events are already changes of state. */
  if (is_monitor)
    return TRUE;
  /* A recovery ends the failures that were told (alert-after-failures). */
  if (event == EVENT_FAILURE || event == EVENT_RECOVERED || event == EVENT_RUNNING_LONG ||
      event == EVENT_SUMMARY)
    return TRUE;
  return on == CHK_ALERT_ON_ALWAYS;
}

static const char *
event_name (AlertEvent event)
{
  switch (event)
    {
    case EVENT_FAILURE:
      return "failure";
    case EVENT_RECOVERED:
      return "recovered";
    case EVENT_SUCCESS:
      return "success";
    case EVENT_RUNNING_LONG:
      return "running-long";
    case EVENT_SUMMARY:
      return "summary";
    case EVENT_OTHER:
    case EVENT_NONE:
    default:
      return "other";
    }
}

/* The waits set by chk_alerts_set_retry_delays(), never %NULL: for the mailer
 * and the webhook %NULL means their defaults, while an empty list means one try. */
static const guint *
retry_delays (ChkAlerts *self)
{
  static const guint none[1] = { 0 };

  if (self->retry_delays_ms->len == 0)
    return none;
  return (const guint *) (gpointer) self->retry_delays_ms->data;
}

/* A mailer with the current email settings. A test email is tried once, for
 * 30 s at most, so that whoever set them up hears back soon. */
static ChkMailer *
make_mailer (ChkAlerts *self,
             gboolean   for_test)
{
  static const guint no_retries[1] = { 0 };
  ChkSettings *settings = chk_engine_get_settings (self->engine);
  ChkMailerConfig config = {
    .from = chk_settings_get_string (settings, "email-from"),
    .smtp_url = chk_settings_get_string (settings, "smtp-url"),
    .starttls = chk_settings_get_smtp_starttls (settings),
    .username = chk_settings_get_string (settings, "smtp-username"),
    .password = chk_settings_get_string (settings, "smtp-password"),
  };

  if (for_test)
    {
      config.retry_delays_ms = no_retries;
      config.n_retry_delays = 0;
      config.timeout_ms = 30000;
    }
  else if (self->retry_delays_ms != NULL)
    {
      config.retry_delays_ms = retry_delays (self);
      config.n_retry_delays = self->retry_delays_ms->len;
    }

  return chk_mailer_new (&config);
}

static void
delivery_done (Delivery   *delivery,
               const char *error_message)
{
  ChkAlerts *self = delivery->alerts;
  g_autoptr(GError) error = NULL;

  if (error_message != NULL)
    {
      g_warning ("Run %" G_GUINT64_FORMAT " of “%s”: %s", delivery->run_id,
                 chk_job_get_spec (delivery->job)->name, error_message);
      if (delivery->errors->len > 0)
        g_string_append (delivery->errors, "; ");
      g_string_append (delivery->errors, error_message);
    }

  g_assert (delivery->pending > 0);
  if (--delivery->pending > 0)
    return;

  /* The run may be gone with its job, or trimmed by max-runs: nothing to say then. */
  if (delivery->errors->len > 0 &&
      !chk_store_set_run_alert_error (chk_engine_get_store (self->engine), delivery->run_id,
                                      delivery->errors->str, &error) &&
      !g_error_matches (error, CHK_ERROR, CHK_ERROR_NOT_FOUND))
    g_warning ("Could not record the alert error of run %" G_GUINT64_FORMAT ": %s",
               delivery->run_id, error->message);

  _chk_job_set_last_alert_error (delivery->job, delivery->errors->str);

  /* An alert that did not get through told nobody: it must not hold the
   * next one back for the rest of the flood window. */
  if (delivery->errors->len > 0)
    chk_alert_flood_forget (self->flood, chk_job_get_id (delivery->job));

  self->pending--;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING]);

  g_object_unref (delivery->alerts);
  g_object_unref (delivery->job);
  g_string_free (delivery->errors, TRUE);
  g_free (delivery);
}

static void
email_sent_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Delivery *delivery = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (!chk_mailer_send_finish (CHK_MAILER (object), result, &error))
    message = g_strdup_printf (_("Email could not be sent: %s"), error->message);
  delivery_done (delivery, message);
}

static void
webhook_posted_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Delivery *delivery = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  /* The module is loaded: it took the webhook */
  if (!chk_http_module_get (NULL)->webhook_post_finish (result, &error))
    message = g_strdup_printf (_("Webhook could not be posted: %s"), error->message);
  delivery_done (delivery, message);
}

static GBytes *
read_tail (ChkAlerts *self,
           guint64    run_id,
           ChkStream  stream)
{
  g_autoptr(GError) error = NULL;
  GBytes *tail;

  /* One byte more than a report shows, so that the mailer says where it cut. */
  tail = chk_store_read_output_tail (chk_engine_get_store (self->engine), run_id, stream,
                                     CHK_MAILER_TAIL_MAX_BYTES + 1, NULL, &error);
  if (tail == NULL)
    g_warning ("Could not read the output of run %" G_GUINT64_FORMAT ": %s", run_id, error->message);
  return tail;
}

static void
run_again_cb (ChkNotifier *notifier,
              guint64      job_id,
              ChkAlerts   *self)
{
  ChkJob *job = chk_engine_lookup_job (self->engine, job_id);
  g_autoptr(GError) error = NULL;

  if (job == NULL)
    return;
  if (chk_engine_run_job (self->engine, job, &error) == 0)
    g_message ("Could not run “%s” again: %s", chk_job_get_spec (job)->name, error->message);
}

/* Now on the engine's clock, the one that runs' times come from. */
static gint64
alerts_now (ChkAlerts *self)
{
  return chk_clock_get_now (chk_engine_get_clock (self->engine));
}

static void
notify (ChkAlerts          *self,
        ChkJob             *job,
        const ChkRunRecord *run,
        AlertEvent          event,
        GBytes             *stderr_tail)
{
  const ChkJobSpec *spec = chk_job_get_spec (job);
  ChkNotifyRun info = {
    .kind = event == EVENT_RECOVERED ? CHK_NOTIFY_RECOVERED :
            event == EVENT_FAILURE ? CHK_NOTIFY_FAILED :
            event == EVENT_RUNNING_LONG ? CHK_NOTIFY_RUNNING_LONG : CHK_NOTIFY_SUCCEEDED,
    .job_id = chk_job_get_id (job),
    .job_name = spec->name,
    .run_id = run->id,
    .outcome = run->outcome,
    .exit_code = run->exit_code,
    .signal = run->signal,
    .started = run->started,
    .finished = event == EVENT_RUNNING_LONG ? alerts_now (self) : run->finished,
    .timeout = spec->timeout,
    .stderr_tail = stderr_tail,
    .attempt = run->attempt,
    .expected_duration = spec->expected_duration,
  };

  if (self->notifier == NULL)
    {
      self->notifier = chk_notifier_new ("Chroniker");
      g_signal_connect (self->notifier, "run-again", G_CALLBACK (run_again_cb), self);
    }

  chk_notifier_notify_run (self->notifier, &info);
}

/* "12 min", as the report's other times */
static char *
format_seconds (gint64 usec)
{
  return chk_duration_format ((guint64) MAX (usec, 0) / G_USEC_PER_SEC);
}

/* One line, in English as the rest of the messages: "backup failed 12 more
 * times since 14:05". */
static char *
describe_summary (const char    *name,
                  const Summary *summary)
{
  g_autoptr(GDateTime) since = g_date_time_new_from_unix_local (summary->since / G_USEC_PER_SEC);
  g_autofree char *at = since != NULL ? g_date_time_format (since, "%H:%M") : g_strdup ("?");
  GString *line = g_string_new (name);

  if (summary->failures > 0)
    g_string_append_printf (line, " failed %u more %s", summary->failures,
                            summary->failures == 1 ? "time" : "times");
  if (summary->failures > 0 && summary->running_long > 0)
    g_string_append (line, " and");
  if (summary->running_long > 0)
    g_string_append_printf (line, " ran long %u more %s", summary->running_long,
                            summary->running_long == 1 ? "time" : "times");
  g_string_append_printf (line, " since %s", at);
  return g_string_free (line, FALSE);
}

/* What goes before the report in an email, or NULL. */
static char *
email_preamble (ChkAlerts          *self,
                const ChkJobSpec   *spec,
                const ChkRunRecord *run,
                AlertEvent          event,
                const Summary      *summary)
{
  if (event == EVENT_RUNNING_LONG)
    {
      g_autofree char *running = format_seconds (alerts_now (self) - run->started);
      g_autofree char *expected = chk_duration_format (spec->expected_duration);

      return g_strdup_printf ("Running for %s, longer than the expected %s. It goes on.",
                              running, expected);
    }
  if (event == EVENT_SUMMARY)
    {
      g_autofree char *line = describe_summary (spec->name, summary);
      g_autofree char *window =
        chk_duration_format (chk_alert_flood_get_window (self->flood) / 1000);

      return g_strdup_printf ("%s.\nAlerts about a job are sent at most once every %s; "
                              "the latest of the runs held back follows.", line, window);
    }
  if (run->attempt > 1)
    return g_strdup_printf ("Tried %u times; the last attempt's report follows.", run->attempt);
  return NULL;
}

/*
 * Who a job's email goes to: its email-to; from the system daemon, by
 * default the account the job runs as, as cron mails a job's owner (a bare
 * user name, which the machine's own mail server delivers). @fallback
 * holds what is returned then.
 */
static const char * const *
email_recipients (ChkAlerts        *self,
                  const ChkJobSpec *spec,
                  const char       *fallback[2])
{
  if (spec->email_to[0] != NULL || !self->system)
    return (const char * const *) spec->email_to;

  fallback[0] = chk_job_env_user_name (spec);
  fallback[1] = NULL;
  return fallback;
}

/* Whether a desktop notification of @event goes, in system mode, by email
 * instead (the system daemon reaches no one's desktop), when mail can go:
 * through the SMTP server set, or the machine's sendmail. */
static gboolean
notification_by_email (ChkAlerts        *self,
                       const ChkJobSpec *spec,
                       AlertEvent        event)
{
  ChkSettings *settings = chk_engine_get_settings (self->engine);
  g_autoptr(ChkMailer) mailer = NULL;

  if (!self->system || event == EVENT_SUMMARY ||
      !wanted (spec->notify_on, event, spec->is_monitor) ||
      !chk_settings_get_notifications (settings))
    return FALSE;
  mailer = make_mailer (self, FALSE);
  return chk_mailer_has_transport (mailer);
}

static void
send_email (ChkAlerts          *self,
            const ChkJobSpec   *spec,
            const ChkRunRecord *run,
            AlertEvent          event,
            const Summary      *summary,
            GBytes             *stderr_tail,
            Delivery           *delivery)
{
  g_autoptr(ChkMailer) mailer = make_mailer (self, FALSE);
  g_autoptr(GBytes) stdout_tail = read_tail (self, run->id, CHK_STREAM_STDOUT);
  g_autofree char *preamble = email_preamble (self, spec, run, event, summary);
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  const char *title = run->outcome;
  const char *fallback[2];

  if (event == EVENT_RECOVERED || event == EVENT_RUNNING_LONG)
    title = event_name (event);
  chk_mailer_compose_report (spec->name, run->hostname, title, run->exit_code, run->started,
                             run->finished, stderr_tail, stdout_tail, &subject, &body);
  if (event == EVENT_SUMMARY)
    {
      g_autofree char *name = chk_text_flatten (spec->name, -1, "\r\n");
      g_autofree char *host = chk_text_flatten (run->hostname, -1, "\r\n");

      g_free (subject);
      subject = g_strdup_printf ("[Chroniker] Summary: %s on %s", name, host);
    }
  if (preamble != NULL)
    {
      g_autofree char *report = g_steal_pointer (&body);

      /* English, as the rest of the report: it goes to other people. */
      body = g_strdup_printf ("%s\n\n%s", preamble, report);
    }
  delivery->pending++;
  chk_mailer_send_async (mailer, email_recipients (self, spec, fallback), subject, body,
                         self->cancellable, email_sent_cb, delivery);
}

static void
post_webhook (ChkAlerts          *self,
              ChkJob             *job,
              const ChkRunRecord *run,
              AlertEvent          event,
              const Summary      *summary,
              GBytes             *stderr_tail,
              const char         *webhook_url,
              Delivery           *delivery)
{
  const ChkJobSpec *spec = chk_job_get_spec (job);
  g_autofree char *line = NULL;
  g_autofree char *text = NULL;
  ChkWebhookEvent hook = {
    .job_name = spec->name,
    .job_id = chk_job_get_id (job),
    .run_id = run->id,
    .outcome = run->outcome,
    .exit_code = run->exit_code,
    .started = run->started,
    .finished = run->finished,
    .hostname = run->hostname,
    .stderr_tail = stderr_tail,
    .event = event_name (event),
    .attempt = run->attempt,
  };
  g_autofree char *payload = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GError) error = NULL;
  const ChkHttpModule *http;
  const guint *delays = NULL;
  guint n_delays = 0;

  if (event == EVENT_SUMMARY)
    {
      line = describe_summary (spec->name, summary);
      hook.text = text = g_strdup_printf ("[Chroniker] %s on %s", line, run->hostname);
      hook.suppressed = summary->failures + summary->running_long;
    }
  payload = chk_webhook_build_payload (&hook);

  if (self->retry_delays_ms != NULL)
    {
      delays = retry_delays (self);
      n_delays = self->retry_delays_ms->len;
    }

  delivery->pending++;
  http = chk_http_module_get (&error);
  if (http == NULL)
    {
      message = g_strdup_printf (_("Webhook could not be posted: %s"), error->message);
      delivery_done (delivery, message);
      return;
    }
  http->webhook_post_async (webhook_url, payload, delays, n_delays, NULL, self->cancellable,
                            webhook_posted_cb, delivery);
}

/* Sends what is wanted of @event about @run: a notification, an email, a
 * webhook (which follows notify-on). Flood control may hold back the email
 * and the webhook of a failure; a recovery ends its window. */
static void
send_alert (ChkAlerts          *self,
            ChkJob             *job,
            const ChkRunRecord *run,
            AlertEvent          event,
            const Summary      *summary)
{
  const ChkJobSpec *spec = chk_job_get_spec (job);
  ChkSettings *settings = chk_engine_get_settings (self->engine);
  gboolean notify_wanted = wanted (spec->notify_on, event, spec->is_monitor);
  const char *fallback[2];
  gboolean email_wanted = (wanted (spec->email_on, event, spec->is_monitor) ||
                           notification_by_email (self, spec, event)) &&
                          email_recipients (self, spec, fallback)[0] != NULL;
  const char *webhook_url = spec->webhook_url[0] != '\0' ? spec->webhook_url :
                            chk_settings_get_string (settings, "webhook-url");
  gboolean webhook_wanted = notify_wanted && webhook_url[0] != '\0';
  g_autoptr(GBytes) stderr_tail = NULL;
  Delivery *delivery;

  if (!notify_wanted && !email_wanted)
    return;

  if ((email_wanted || webhook_wanted) && (event == EVENT_FAILURE || event == EVENT_RUNNING_LONG))
    {
      ChkAlertFloodKind kind = event == EVENT_FAILURE ? CHK_ALERT_FLOOD_FAILURE
                                                      : CHK_ALERT_FLOOD_RUNNING_LONG;

      if (!chk_alert_flood_admit (self->flood, chk_job_get_id (job), run->id, kind))
        email_wanted = webhook_wanted = FALSE;
    }
  else if ((email_wanted || webhook_wanted) && event != EVENT_SUMMARY)
    {
      /* Told before the recovery: what the window held back. */
      chk_alert_flood_end (self->flood, chk_job_get_id (job));
    }

  stderr_tail = read_tail (self, run->id, CHK_STREAM_STDERR);

  g_debug ("Run %" G_GUINT64_FORMAT " of “%s”: %s; notify %d, email %d, webhook %d", run->id,
           spec->name, event_name (event), notify_wanted, email_wanted, webhook_wanted);

  /* The notifier has a flood control and summaries of its own. */
  if (notify_wanted && event != EVENT_SUMMARY && chk_settings_get_notifications (settings) &&
      !self->system)
    notify (self, job, run, event, stderr_tail);

  if (!email_wanted && !webhook_wanted)
    return;

  delivery = g_new0 (Delivery, 1);
  delivery->alerts = g_object_ref (self);
  delivery->job = g_object_ref (job);
  delivery->run_id = run->id;
  delivery->errors = g_string_new (NULL);
  /* Held until every send below has started, so that none finishes the delivery early. */
  delivery->pending = 1;
  self->pending++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING]);

  if (email_wanted)
    send_email (self, spec, run, event, summary, stderr_tail, delivery);
  if (webhook_wanted)
    post_webhook (self, job, run, event, summary, stderr_tail, webhook_url, delivery);

  delivery_done (delivery, NULL);
}

/* What a finished run of a job that is not a monitor is to alert about. */
static AlertEvent
job_event (ChkAlerts        *self,
           ChkJob           *job,
           guint64           run_id,
           MonitorState      state)
{
  guint needed = MAX (chk_job_get_spec (job)->alert_after_failures, 1);

  if (state == STATE_UNKNOWN)
    return EVENT_OTHER;
  /* One failure is enough: every failure alerts, and a success is only a success. */
  if (needed == 1)
    return state == STATE_FAILING ? EVENT_FAILURE : EVENT_SUCCESS;

  /* The Nth failure in a row alerts, the ones after it do not; the success
   * that ends such a streak is a recovery. */
  if (state == STATE_FAILING)
    return failures_in_a_row (self, job, run_id, TRUE, needed + 1) == needed ? EVENT_FAILURE
                                                                            : EVENT_NONE;
  return failures_in_a_row (self, job, run_id, FALSE, needed) >= needed ? EVENT_RECOVERED
                                                                       : EVENT_SUCCESS;
}

static void
run_finished_cb (ChkEngine  *engine,
                 ChkJob     *job,
                 guint64     run_id,
                 const char *outcome,
                 int         exit_code,
                 ChkAlerts  *self)
{
  const ChkJobSpec *spec = chk_job_get_spec (job);
  MonitorState state = state_of (outcome);
  AlertEvent event = EVENT_NONE;
  g_autoptr(ChkRunRecord) run = NULL;
  g_autoptr(GError) error = NULL;

  /* Too late to say it ran long. */
  g_hash_table_remove (self->long_watches, &run_id);

  /* A retry follows: failures are told once, after the last attempt. */
  if (chk_job_get_retry_attempt (job) > 0 &&
      chk_outcome_is_failure (chk_outcome_from_string (outcome)))
    return;

  /* Nothing to send whatever happened: spare the history lookups. */
  if (is_snoozed (spec) ||
      (spec->notify_on == CHK_ALERT_ON_NEVER &&
       (spec->email_on == CHK_ALERT_ON_NEVER || (spec->email_to[0] == NULL && !self->system))))
    return;

  if (spec->is_monitor)
    {
      MonitorState before = state == STATE_UNKNOWN ? STATE_UNKNOWN :
                            previous_state (self, chk_job_get_id (job), run_id);

      if (state == STATE_FAILING && before != STATE_FAILING)
        event = EVENT_FAILURE;
      else if (state == STATE_OK && before == STATE_FAILING)
        event = EVENT_RECOVERED;
    }
  else
    {
      event = job_event (self, job, run_id, state);
    }

  if (!wanted (spec->notify_on, event, spec->is_monitor) &&
      !wanted (spec->email_on, event, spec->is_monitor))
    return;

  run = chk_store_get_run (chk_engine_get_store (engine), run_id, &error);
  if (run == NULL)
    {
      g_warning ("Could not read run %" G_GUINT64_FORMAT " to report it: %s", run_id,
                 error->message);
      return;
    }

  send_alert (self, job, run, event, NULL);
}

static gboolean
running_long_cb (gpointer data)
{
  LongWatch *watch = data;
  ChkAlerts *self = watch->alerts;
  ChkJob *job = watch->job;
  ChkRunner *runner = job->runner;
  guint64 run_id = watch->run_id;

  /* Frees @watch; the source goes with this dispatch. */
  g_clear_pointer (&watch->timer, g_source_unref);
  g_hash_table_remove (self->long_watches, &run_id);

  if (runner == NULL || chk_runner_get_run_id (runner) != run_id ||
      chk_runner_is_finished (runner))
    return G_SOURCE_REMOVE;

  g_debug ("Run %" G_GUINT64_FORMAT " of “%s” runs long", run_id, chk_job_get_spec (job)->name);
  chk_runner_mark_running_long (runner);
  if (!is_snoozed (chk_job_get_spec (job)))
    send_alert (self, job, chk_runner_get_record (runner), EVENT_RUNNING_LONG, NULL);
  return G_SOURCE_REMOVE;
}

static void
run_started_cb (ChkEngine  *engine,
                ChkJob     *job,
                guint64     run_id,
                const char *trigger,
                ChkAlerts  *self)
{
  guint expected = chk_job_get_spec (job)->expected_duration;
  gint64 elapsed_ms;
  LongWatch *watch;

  if (expected == 0 || job->runner == NULL || chk_runner_get_run_id (job->runner) != run_id)
    return;

  /* The engine's start time may be a moment ago; the wait is on the monotonic clock. */
  elapsed_ms = (alerts_now (self) - chk_runner_get_record (job->runner)->started) / 1000;
  watch = g_new0 (LongWatch, 1);
  watch->alerts = self;
  watch->job = g_object_ref (job);
  watch->run_id = run_id;
  watch->timer = chk_source_attach (g_timeout_source_new (CLAMP ((gint64) expected * 1000 -
                                                                 elapsed_ms, 0, G_MAXUINT)),
                                    NULL, running_long_cb, watch, "[chk-alerts] running long");
  g_hash_table_replace (self->long_watches, &watch->run_id, watch);
}

/* Flood control held alerts back: one message about them, by the ways the
 * job's failures take. */
static void
flood_summary_cb (ChkAlertFlood *flood,
                  guint64        job_id,
                  guint64        run_id,
                  guint          failures,
                  guint          running_long,
                  gint64         since,
                  ChkAlerts     *self)
{
  ChkJob *job = chk_engine_lookup_job (self->engine, job_id);
  Summary summary = { .failures = failures, .running_long = running_long, .since = since };
  g_autoptr(ChkRunRecord) run = NULL;
  g_autoptr(GError) error = NULL;

  if (job == NULL || is_snoozed (chk_job_get_spec (job)))
    return;

  run = chk_store_get_run (chk_engine_get_store (self->engine), run_id, &error);
  if (run == NULL)
    {
      g_warning ("Could not read run %" G_GUINT64_FORMAT " to sum up its job's alerts: %s",
                 run_id, error->message);
      return;
    }
  send_alert (self, job, run, EVENT_SUMMARY, &summary);
}

static void
job_removed_cb (ChkEngine *engine,
                ChkJob    *job,
                ChkAlerts *self)
{
  if (self->notifier != NULL)
    chk_notifier_forget_job (self->notifier, chk_job_get_id (job));
  chk_alert_flood_forget (self->flood, chk_job_get_id (job));
}

static void
chk_alerts_dispose (GObject *object)
{
  ChkAlerts *self = CHK_ALERTS (object);

  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_object (&self->engine);
  if (self->notifier != NULL)
    g_signal_handlers_disconnect_by_data (self->notifier, self);
  g_clear_object (&self->notifier);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->retry_delays_ms, g_array_unref);
  g_clear_pointer (&self->long_watches, g_hash_table_unref);
  if (self->flood != NULL)
    g_signal_handlers_disconnect_by_data (self->flood, self);
  g_clear_object (&self->flood);

  G_OBJECT_CLASS (chk_alerts_parent_class)->dispose (object);
}

static void
chk_alerts_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  ChkAlerts *self = CHK_ALERTS (object);

  switch (prop_id)
    {
    case PROP_PENDING:
      g_value_set_uint (value, self->pending);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_alerts_class_init (ChkAlertsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chk_alerts_dispose;
  object_class->get_property = chk_alerts_get_property;

  /**
   * ChkAlerts:pending:
   *
   * How many runs' emails and webhooks are still being delivered.
   */
  properties[PROP_PENDING] =
    g_param_spec_uint ("pending", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chk_alerts_init (ChkAlerts *self)
{
  self->cancellable = g_cancellable_new ();
  self->long_watches = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                              (GDestroyNotify) long_watch_free);
}

/* CHK_TEST_ALERT_WINDOW_MS, for tests: the flood-control window in ms. */
static guint
flood_window_from_env (void)
{
  const char *text = g_getenv ("CHK_TEST_ALERT_WINDOW_MS");
  guint64 value;

  if (text == NULL)
    return CHK_ALERT_FLOOD_DEFAULT_WINDOW_MS;
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT, &value, NULL))
    {
      g_warning ("CHK_TEST_ALERT_WINDOW_MS=%s is not a number of milliseconds", text);
      return CHK_ALERT_FLOOD_DEFAULT_WINDOW_MS;
    }
  return (guint) value;
}

/**
 * chk_alerts_new:
 * @engine: the engine whose runs to report
 *
 * Returns: (transfer full): alerts that follow @engine's finished runs
 */
ChkAlerts *
chk_alerts_new (ChkEngine *engine)
{
  ChkAlerts *self;

  g_return_val_if_fail (CHK_IS_ENGINE (engine), NULL);

  self = g_object_new (CHK_TYPE_ALERTS, NULL);
  self->engine = g_object_ref (engine);
  chk_alerts_set_flood_window (self, flood_window_from_env ());
  g_signal_connect (engine, "run-started", G_CALLBACK (run_started_cb), self);
  g_signal_connect (engine, "run-finished", G_CALLBACK (run_finished_cb), self);
  g_signal_connect (engine, "job-removed", G_CALLBACK (job_removed_cb), self);

  return self;
}

/**
 * chk_alerts_get_pending:
 * @self: a #ChkAlerts
 *
 * Returns: how many runs' emails and webhooks are still being delivered
 */
guint
chk_alerts_get_pending (ChkAlerts *self)
{
  g_return_val_if_fail (CHK_IS_ALERTS (self), 0);
  return self->pending;
}

/**
 * chk_alerts_set_system:
 * @self: a #ChkAlerts
 * @system: whether these are the system daemon's alerts
 *
 * The system daemon has no desktop session: it shows no notifications.
 * What a job's notify-on asks for goes by email instead, when smtp-url is
 * set, and a job's email goes by default (empty email-to) to the account
 * the job runs as.
 */
void
chk_alerts_set_system (ChkAlerts *self,
                       gboolean   system)
{
  g_return_if_fail (CHK_IS_ALERTS (self));
  self->system = system;
}

/**
 * chk_alerts_set_flood_window:
 * @self: a #ChkAlerts
 * @window_ms: how long a job's email or webhook about a failure holds back
 *   the next ones; 0 for no flood control
 *
 * Replaces the window (10 min, or `CHK_TEST_ALERT_WINDOW_MS` from the
 * environment); windows already open are dropped with what they held back.
 */
void
chk_alerts_set_flood_window (ChkAlerts *self,
                             guint      window_ms)
{
  g_return_if_fail (CHK_IS_ALERTS (self));

  if (self->flood != NULL)
    g_signal_handlers_disconnect_by_data (self->flood, self);
  g_clear_object (&self->flood);
  self->flood = chk_alert_flood_new (window_ms);
  g_signal_connect (self->flood, "summary", G_CALLBACK (flood_summary_cb), self);
}

/**
 * chk_alerts_set_retry_delays:
 * @self: a #ChkAlerts
 * @delays_ms: (array length=n_delays): the waits between tries of an email
 *   or webhook
 * @n_delays: the length of @delays_ms; 0 means one try
 *
 * Replaces the default waits (1 s, 5 s, 30 s); for tests.
 */
void
chk_alerts_set_retry_delays (ChkAlerts   *self,
                             const guint *delays_ms,
                             guint        n_delays)
{
  g_return_if_fail (CHK_IS_ALERTS (self));
  g_return_if_fail (delays_ms != NULL || n_delays == 0);

  g_clear_pointer (&self->retry_delays_ms, g_array_unref);
  self->retry_delays_ms = g_array_new (FALSE, FALSE, sizeof (guint));
  g_array_append_vals (self->retry_delays_ms, delays_ms, n_delays);
}

static void
test_email_sent_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!chk_mailer_send_finish (CHK_MAILER (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, CHK_ERROR, CHK_ERROR_DELIVERY_FAILED,
                                 _("The test email could not be sent: %s"), error->message);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

/**
 * chk_alerts_send_test_email_async:
 * @self: a #ChkAlerts
 * @address: where to send it
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the message was handed over, or could not be
 * @user_data: data for @callback
 *
 * Sends a short message with the current email settings, once, without
 * retries, so that whoever set them up learns soon whether they work.
 */
void
chk_alerts_send_test_email_async (ChkAlerts           *self,
                                  const char          *address,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(ChkMailer) mailer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  g_autofree char *subject = NULL;
  const char *to[] = { address, NULL };
  const char *smtp_url;

  g_return_if_fail (CHK_IS_ALERTS (self));
  g_return_if_fail (address != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, chk_alerts_send_test_email_async);

  if (!chk_check_email_address ("address", address, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  mailer = make_mailer (self, TRUE);
  smtp_url = chk_settings_get_string (chk_engine_get_settings (self->engine), "smtp-url");

  subject = g_strdup_printf (_("[Chroniker] Test email from %s"),
                             chk_engine_get_hostname (self->engine));
  body = g_strdup_printf ("%s\n\n%s\n",
                          _("This is a test email from Chroniker. Emails about runs will be "
                            "sent the same way."),
                          smtp_url[0] != '\0' ? _("It was sent through the SMTP server.")
                                              : _("It was sent through the sendmail program."));

  chk_mailer_send_async (mailer, to, subject, body, cancellable, test_email_sent_cb,
                         g_steal_pointer (&task));
}

/**
 * chk_alerts_send_test_email_finish:
 * @self: a #ChkAlerts
 * @result: the result
 * @error: return location for a #GError: %CHK_ERROR_INVALID_ARGUMENT for
 *   a bad address, %CHK_ERROR_DELIVERY_FAILED when the message could not
 *   be handed over
 *
 * Returns: whether the message was handed over
 */
gboolean
chk_alerts_send_test_email_finish (ChkAlerts     *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
