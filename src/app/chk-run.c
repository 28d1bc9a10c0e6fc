/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>

#include "chk-duration.h"
#include "chk-outcome.h"
#include "chk-run.h"

/**
 * ChkRun:
 *
 * One run of a job, as the daemon's ListRuns gives it (a run record,
 * a{sv}), with a property for each field that the app shows.
 * chk_run_update() takes a newer record of the same run and notifies
 * the properties that changed, so that a row showing it follows.
 */
struct _ChkRun
{
  GObject  parent_instance;

  guint64  id;
  char    *outcome;
  char    *trigger;
  gint64   started;
  gint64   finished;
  int      exit_code;
  int      signal;
  char    *hostname;
  guint    http_status;
  char    *alert_error;
  char    *message;
  guint64  cpu_time;
  guint64  memory_peak;
  char    *containment;
};

G_DEFINE_FINAL_TYPE (ChkRun, chk_run, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ID,
  PROP_OUTCOME,
  PROP_TRIGGER,
  PROP_STARTED,
  PROP_FINISHED,
  PROP_EXIT_CODE,
  PROP_SIGNAL,
  PROP_HOSTNAME,
  PROP_HTTP_STATUS,
  PROP_ALERT_ERROR,
  PROP_MESSAGE,
  PROP_CPU_TIME,
  PROP_MEMORY_PEAK,
  PROP_CONTAINMENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_string (ChkRun      *self,
            char       **field,
            GVariant    *record,
            const char  *key,
            guint        prop)
{
  const char *value = "";

  g_variant_lookup (record, key, "&s", &value);
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

/* A number of the record, or 0: set, and notified when it changed */
#define SET_NUMBER(self, field, record, key, format, prop) \
  G_STMT_START { \
    __typeof__ ((self)->field) value_ = 0; \
    g_variant_lookup ((record), (key), (format), &value_); \
    if ((self)->field != value_) \
      { \
        (self)->field = value_; \
        g_object_notify_by_pspec (G_OBJECT (self), properties[(prop)]); \
      } \
  } G_STMT_END

/* CPU time, µs, to a tenth of a second while that still says something */
static char *
format_cpu_time (guint64 microseconds)
{
  g_autofree char *amount = NULL;

  if (microseconds < 60 * G_USEC_PER_SEC)
    /* Translators: seconds of CPU time with one decimal, e.g. "1.2 s" */
    amount = g_strdup_printf (_("%.1f s"), (double) microseconds / G_USEC_PER_SEC);
  else
    amount = chk_duration_format ((microseconds + G_USEC_PER_SEC / 2) / G_USEC_PER_SEC);

  /* Translators: the processor time a run used, e.g. "1.2 s CPU" */
  return g_strdup_printf (_("%s CPU"), amount);
}

static void
chk_run_finalize (GObject *object)
{
  ChkRun *self = CHK_RUN (object);


  g_clear_pointer (&self->outcome, g_free);
  g_clear_pointer (&self->trigger, g_free);
  g_clear_pointer (&self->hostname, g_free);
  g_clear_pointer (&self->alert_error, g_free);
  g_clear_pointer (&self->message, g_free);
  g_clear_pointer (&self->containment, g_free);

  G_OBJECT_CLASS (chk_run_parent_class)->finalize (object);
}

static void
chk_run_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  ChkRun *self = CHK_RUN (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_uint64 (value, self->id);
      break;

    case PROP_OUTCOME:
      g_value_set_string (value, self->outcome);
      break;

    case PROP_TRIGGER:
      g_value_set_string (value, self->trigger);
      break;

    case PROP_STARTED:
      g_value_set_int64 (value, self->started);
      break;

    case PROP_FINISHED:
      g_value_set_int64 (value, self->finished);
      break;

    case PROP_EXIT_CODE:
      g_value_set_int (value, self->exit_code);
      break;

    case PROP_SIGNAL:
      g_value_set_int (value, self->signal);
      break;

    case PROP_HOSTNAME:
      g_value_set_string (value, self->hostname);
      break;

    case PROP_HTTP_STATUS:
      g_value_set_uint (value, self->http_status);
      break;

    case PROP_ALERT_ERROR:
      g_value_set_string (value, self->alert_error);
      break;

    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;

    case PROP_CPU_TIME:
      g_value_set_uint64 (value, self->cpu_time);
      break;

    case PROP_MEMORY_PEAK:
      g_value_set_uint64 (value, self->memory_peak);
      break;

    case PROP_CONTAINMENT:
      g_value_set_string (value, self->containment);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_run_class_init (ChkRunClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chk_run_finalize;
  object_class->get_property = chk_run_get_property;

  /**
   * ChkRun:id:
   *
   * The run's number
   */
  properties[PROP_ID] =
    g_param_spec_uint64 ("id", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkRun:outcome:
   *
   * How it ended, or "running"
   */
  properties[PROP_OUTCOME] =
    g_param_spec_string ("outcome", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkRun:trigger:
   *
   * What started it
   */
  properties[PROP_TRIGGER] =
    g_param_spec_string ("trigger", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkRun:started:
   *
   * When it started, µs since the epoch
   */
  properties[PROP_STARTED] =
    g_param_spec_int64 ("started", NULL, NULL, G_MININT64, G_MAXINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkRun:finished:
   *
   * When it ended, µs since the epoch, or 0
   */
  properties[PROP_FINISHED] =
    g_param_spec_int64 ("finished", NULL, NULL, G_MININT64, G_MAXINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkRun:exit-code:
   *
   * Its exit code
   */
  properties[PROP_EXIT_CODE] =
    g_param_spec_int ("exit-code", NULL, NULL, G_MININT, G_MAXINT, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkRun:signal:
   *
   * The signal that ended it, or 0
   */
  properties[PROP_SIGNAL] =
    g_param_spec_int ("signal", NULL, NULL, G_MININT, G_MAXINT, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkRun:hostname:
   *
   * The computer it ran on
   */
  properties[PROP_HOSTNAME] =
    g_param_spec_string ("hostname", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkRun:http-status:
   *
   * The status an HTTP check got, or 0
   */
  properties[PROP_HTTP_STATUS] =
    g_param_spec_uint ("http-status", NULL, NULL, 0, G_MAXUINT, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkRun:alert-error:
   *
   * Why an alert about it was not delivered
   */
  properties[PROP_ALERT_ERROR] =
    g_param_spec_string ("alert-error", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkRun:message:
   *
   * The daemon's note on how it ended
   */
  properties[PROP_MESSAGE] =
    g_param_spec_string ("message", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkRun:cpu-time:
   *
   * The processor time it used, µs
   */
  properties[PROP_CPU_TIME] =
    g_param_spec_uint64 ("cpu-time", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkRun:memory-peak:
   *
   * The most memory it used at once, bytes
   */
  properties[PROP_MEMORY_PEAK] =
    g_param_spec_uint64 ("memory-peak", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkRun:containment:
   *
   * How its processes were held together
   */
  properties[PROP_CONTAINMENT] =
    g_param_spec_string ("containment", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chk_run_init (ChkRun *self)
{
  self->outcome = g_strdup ("");
  self->trigger = g_strdup ("");
  self->hostname = g_strdup ("");
  self->alert_error = g_strdup ("");
  self->message = g_strdup ("");
  self->containment = g_strdup ("");
}

/**
 * chk_run_new:
 * @record: a run record (a{sv}), as ListRuns and GetRun give it
 *
 * Returns: (transfer full): the run
 */
ChkRun *
chk_run_new (GVariant *record)
{
  ChkRun *self;

  g_return_val_if_fail (record != NULL, NULL);

  self = g_object_new (CHK_TYPE_RUN, NULL);
  chk_run_update (self, record);
  return self;
}

/**
 * chk_run_update:
 * @self: a #ChkRun
 * @record: a newer record of the same run
 *
 * Takes the fields of @record, notifying each property that changed.
 */
void
chk_run_update (ChkRun   *self,
                GVariant *record)
{
  g_return_if_fail (CHK_IS_RUN (self));
  g_return_if_fail (g_variant_is_of_type (record, G_VARIANT_TYPE_VARDICT));

  g_object_freeze_notify (G_OBJECT (self));
  SET_NUMBER (self, id, record, "id", "t", PROP_ID);
  set_string (self, &self->outcome, record, "outcome", PROP_OUTCOME);
  set_string (self, &self->trigger, record, "trigger", PROP_TRIGGER);
  SET_NUMBER (self, started, record, "started", "x", PROP_STARTED);
  SET_NUMBER (self, finished, record, "finished", "x", PROP_FINISHED);
  SET_NUMBER (self, exit_code, record, "exit-code", "i", PROP_EXIT_CODE);
  SET_NUMBER (self, signal, record, "signal", "i", PROP_SIGNAL);
  set_string (self, &self->hostname, record, "hostname", PROP_HOSTNAME);
  SET_NUMBER (self, http_status, record, "http-status", "u", PROP_HTTP_STATUS);
  set_string (self, &self->alert_error, record, "alert-error", PROP_ALERT_ERROR);
  set_string (self, &self->message, record, "message", PROP_MESSAGE);
  SET_NUMBER (self, cpu_time, record, "cpu-time", "t", PROP_CPU_TIME);
  SET_NUMBER (self, memory_peak, record, "memory-peak", "t", PROP_MEMORY_PEAK);
  set_string (self, &self->containment, record, "containment", PROP_CONTAINMENT);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * chk_run_get_id:
 * @self: a #ChkRun
 *
 * Returns: the run's number
 */
guint64
chk_run_get_id (ChkRun *self)
{
  g_return_val_if_fail (CHK_IS_RUN (self), 0);
  return self->id;
}

/**
 * chk_run_get_outcome:
 * @self: a #ChkRun
 *
 * Returns: how it ended, or "running"
 */
const char *
chk_run_get_outcome (ChkRun *self)
{
  g_return_val_if_fail (CHK_IS_RUN (self), NULL);
  return self->outcome;
}

/**
 * chk_run_get_trigger:
 * @self: a #ChkRun
 *
 * Returns: what started it
 */
const char *
chk_run_get_trigger (ChkRun *self)
{
  g_return_val_if_fail (CHK_IS_RUN (self), NULL);
  return self->trigger;
}

/**
 * chk_run_get_started:
 * @self: a #ChkRun
 *
 * Returns: when it started, µs since the epoch
 */
gint64
chk_run_get_started (ChkRun *self)
{
  g_return_val_if_fail (CHK_IS_RUN (self), 0);
  return self->started;
}

/**
 * chk_run_get_finished:
 * @self: a #ChkRun
 *
 * Returns: when it ended, µs since the epoch, or 0
 */
gint64
chk_run_get_finished (ChkRun *self)
{
  g_return_val_if_fail (CHK_IS_RUN (self), 0);
  return self->finished;
}

/**
 * chk_run_get_exit_code:
 * @self: a #ChkRun
 *
 * Returns: its exit code
 */
int
chk_run_get_exit_code (ChkRun *self)
{
  g_return_val_if_fail (CHK_IS_RUN (self), 0);
  return self->exit_code;
}

/**
 * chk_run_get_signal:
 * @self: a #ChkRun
 *
 * Returns: the signal that ended it, or 0
 */
int
chk_run_get_signal (ChkRun *self)
{
  g_return_val_if_fail (CHK_IS_RUN (self), 0);
  return self->signal;
}

/**
 * chk_run_get_hostname:
 * @self: a #ChkRun
 *
 * Returns: the computer it ran on
 */
const char *
chk_run_get_hostname (ChkRun *self)
{
  g_return_val_if_fail (CHK_IS_RUN (self), NULL);
  return self->hostname;
}

/**
 * chk_run_get_http_status:
 * @self: a #ChkRun
 *
 * Returns: the status an HTTP check got, or 0
 */
guint
chk_run_get_http_status (ChkRun *self)
{
  g_return_val_if_fail (CHK_IS_RUN (self), 0);
  return self->http_status;
}

/**
 * chk_run_get_alert_error:
 * @self: a #ChkRun
 *
 * Returns: why an alert about it was not delivered
 */
const char *
chk_run_get_alert_error (ChkRun *self)
{
  g_return_val_if_fail (CHK_IS_RUN (self), NULL);
  return self->alert_error;
}

/**
 * chk_run_get_message:
 * @self: a #ChkRun
 *
 * Returns: the daemon's note on how it ended
 */
const char *
chk_run_get_message (ChkRun *self)
{
  g_return_val_if_fail (CHK_IS_RUN (self), NULL);
  return self->message;
}

/**
 * chk_run_get_cpu_time:
 * @self: a #ChkRun
 *
 * Returns: the processor time it used, µs
 */
guint64
chk_run_get_cpu_time (ChkRun *self)
{
  g_return_val_if_fail (CHK_IS_RUN (self), 0);
  return self->cpu_time;
}

/**
 * chk_run_get_memory_peak:
 * @self: a #ChkRun
 *
 * Returns: the most memory it used at once, bytes
 */
guint64
chk_run_get_memory_peak (ChkRun *self)
{
  g_return_val_if_fail (CHK_IS_RUN (self), 0);
  return self->memory_peak;
}

/**
 * chk_run_get_containment:
 * @self: a #ChkRun
 *
 * Returns: how its processes were held together
 */
const char *
chk_run_get_containment (ChkRun *self)
{
  g_return_val_if_fail (CHK_IS_RUN (self), NULL);
  return self->containment;
}

/**
 * chk_run_format_usage:
 * @self: a #ChkRun
 *
 * Returns: (transfer full) (nullable): what the run used, such as "1.2 s
 *   CPU · 222.3 MB peak", or %NULL when it was not measured (still
 *   running, an HTTP check, a run from before the daemon measured runs)
 */
char *
chk_run_format_usage (ChkRun *self)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (CHK_IS_RUN (self), NULL);

  if (chk_outcome_from_string (self->outcome) == CHK_OUTCOME_RUNNING ||
      (self->containment[0] == '\0' && self->cpu_time == 0 && self->memory_peak == 0))
    return NULL;

  g_ptr_array_add (parts, format_cpu_time (self->cpu_time));
  if (self->memory_peak > 0)
    {
      g_autofree char *size = g_format_size (self->memory_peak);

      /* Translators: the most memory a run used at once, e.g. "222.3 MB peak" */
      g_ptr_array_add (parts, g_strdup_printf (_("%s peak"), size));
    }
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" · ", (char **) parts->pdata);
}
