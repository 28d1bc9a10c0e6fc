/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-dbus"

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "chk-alerts.h"
#include "chk-code-gate.h"
#include "chk-dbus-util.h"
#include "chk-error.h"
#include "chk-job-export.h"
#include "chk-login-start.h"
#include "chk-outcome.h"
#include "chk-schedule.h"
#include "chk-scheduler-impl.h"

#define MAX_PREVIEW_COUNT   1000
#define PREVIEW_NICE        10
#define MAX_LIST_LIMIT      10000
#define MAX_JOBS_PAGE       1000
#define DEFAULT_READ_BYTES  (1024 * 1024)
#define MAX_READ_BYTES      (16 * 1024 * 1024)

/**
 * ChkSchedulerImpl:
 *
 * The io.github.chroniker.Chroniker.Scheduler1 interface of the manager
 * object: unpacks arguments, calls the engine, packs the answers.
 */
struct _ChkSchedulerImpl
{
  ChkScheduler1Skeleton  parent_instance;

  ChkEngine             *engine;
  ChkAlerts             *alerts;
};

static void chk_scheduler_iface_init (ChkScheduler1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ChkSchedulerImpl, chk_scheduler_impl, CHK_TYPE_SCHEDULER1_SKELETON,
                               G_IMPLEMENT_INTERFACE (CHK_TYPE_SCHEDULER1, chk_scheduler_iface_init))

static gboolean
return_invalid (GDBusMethodInvocation *invocation,
                const char            *key,
                const char            *format,
                ...) G_GNUC_PRINTF (3, 4);

/* Refuses the call with an InvalidArgument about the argument @key */
static gboolean
return_invalid (GDBusMethodInvocation *invocation,
                const char            *key,
                const char            *format,
                ...)
{
  va_list args;
  g_autofree char *message = NULL;
  g_autoptr(GError) error = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  chk_set_key_error (&error, CHK_ERROR_INVALID_ARGUMENT, key, "%s", message);
  return chk_dbus_return_error (invocation, error);
}

/* Whether the caller sees every job, and so the runs of deleted ones too */
static gboolean
may_use_every_job (GDBusMethodInvocation  *invocation,
                   GError                **error)
{
  const ChkCaller *caller = chk_dbus_get_caller (invocation);

  if (caller == NULL || caller->all_jobs)
    return TRUE;
  return chk_set_error (error, CHK_ERROR_PERMISSION_DENIED,
                        _("Not authorized to read about every user's jobs, or deleted ones: "
                          "that needs the polkit action %s"), CHK_ACTION_MANAGE_ALL_JOBS);
}

/* The ids of the jobs the caller sees, for ListRuns and GetJobStats over all
 * jobs; %NULL when it sees every job, deleted ones too. */
static GArray *
visible_job_ids (ChkSchedulerImpl      *self,
                 GDBusMethodInvocation *invocation)
{
  g_autoptr(GPtrArray) jobs = NULL;
  GArray *ids;

  if (may_use_every_job (invocation, NULL))
    return NULL;

  jobs = chk_engine_list_jobs (self->engine);
  ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  for (guint i = 0; i < jobs->len; i++)
    {
      ChkJob *job = g_ptr_array_index (jobs, i);

      if (chk_dbus_sees_job (invocation, chk_job_get_spec (job)))
        {
          guint64 id = chk_job_get_id (job);

          g_array_append_val (ids, id);
        }
    }
  return ids;
}

/* Whether the caller may see the job @job_id and what is about it (its runs,
 * their output) */
static gboolean
may_use_job_id (ChkSchedulerImpl       *self,
                GDBusMethodInvocation  *invocation,
                guint64                 job_id,
                GError                **error)
{
  ChkJob *job = chk_engine_lookup_job (self->engine, job_id);

  if (job != NULL)
    return chk_dbus_may_use_job (invocation, chk_job_get_spec (job), error);
  return may_use_every_job (invocation, error);
}

/* Whether the caller may read the run @run_id: that of a job it sees. A run
 * that does not exist is left to the engine to say so. */
static gboolean
may_use_run (ChkSchedulerImpl       *self,
             GDBusMethodInvocation  *invocation,
             guint64                 run_id,
             GError                **error)
{
  g_autoptr(ChkRunRecord) run = NULL;

  if (may_use_every_job (invocation, NULL))
    return TRUE;
  run = chk_engine_get_run (self->engine, run_id, NULL);
  return run == NULL || may_use_job_id (self, invocation, run->job_id, error);
}

typedef struct
{
  ChkSchedulerImpl *self;
  ChkJobSpec       *spec;
} CreateJob;

static void
create_job_free (CreateJob *create)
{
  g_clear_object (&create->self);
  g_clear_pointer (&create->spec, chk_job_spec_free);
  g_free (create);
}

static void
create_job (GDBusMethodInvocation *invocation,
            gpointer               user_data)
{
  CreateJob *create = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  ChkJob *job;

  job = chk_engine_create_job (create->self->engine, g_steal_pointer (&create->spec), &error);
  if (job == NULL)
    {
      chk_dbus_return_error (invocation, error);
      return;
    }

  path = chk_job_object_path (chk_job_get_id (job));
  chk_scheduler1_complete_create_job (CHK_SCHEDULER1 (create->self), invocation, path);
}

static gboolean
chk_scheduler_impl_handle_create_job (ChkScheduler1         *object,
                                      GDBusMethodInvocation *invocation,
                                      GVariant              *arg_spec)
{
  ChkSchedulerImpl *self = CHK_SCHEDULER_IMPL (object);
  g_autoptr(ChkJobSpec) spec = chk_engine_new_spec (self->engine);
  g_autoptr(GError) error = NULL;
  CreateJob *create;

  if (!chk_job_spec_update (spec, arg_spec, &error) ||
      !chk_dbus_check_job_user (invocation, spec, &error))
    return chk_dbus_return_error (invocation, error);

  /* With allow-shell false, the system daemon lets only some callers give code. */
  create = g_new0 (CreateJob, 1);
  create->self = g_object_ref (self);
  create->spec = g_steal_pointer (&spec);
  chk_code_gate_call (self->engine, invocation, create->spec, NULL, create_job, create,
                      (GDestroyNotify) create_job_free);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
chk_scheduler_impl_handle_get_job_by_name (ChkScheduler1         *object,
                                           GDBusMethodInvocation *invocation,
                                           const char            *arg_name)
{
  ChkSchedulerImpl *self = CHK_SCHEDULER_IMPL (object);
  ChkJob *job = chk_engine_lookup_job_by_name (self->engine, arg_name);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (job != NULL && !chk_dbus_may_use_job (invocation, chk_job_get_spec (job), &error))
    return chk_dbus_return_error (invocation, error);

  if (job == NULL)
    {
      g_autofree char *shown = g_utf8_substring (arg_name, 0, MIN (g_utf8_strlen (arg_name, -1), 100));

      g_dbus_method_invocation_return_error (invocation, CHK_ERROR, CHK_ERROR_NOT_FOUND,
                                             _("No job named “%s”"), shown);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  path = chk_job_object_path (chk_job_get_id (job));
  chk_scheduler1_complete_get_job_by_name (object, invocation, path);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
chk_scheduler_impl_handle_list_jobs (ChkScheduler1         *object,
                                     GDBusMethodInvocation *invocation,
                                     const char            *arg_after,
                                     guint                  arg_limit)
{
  ChkSchedulerImpl *self = CHK_SCHEDULER_IMPL (object);
  g_autoptr(GPtrArray) jobs = NULL;
  GVariantBuilder builder;
  guint64 after = 0;
  guint limit;

  if (!g_str_equal (arg_after, "/") && !chk_job_id_from_path (arg_after, &after))
    return return_invalid (invocation, "after", _("“%s” is neither “/” nor a job’s path"),
                           arg_after);

  limit = arg_limit == 0 ? MAX_JOBS_PAGE : MIN (arg_limit, MAX_JOBS_PAGE);
  /* A caller that sees only its own jobs gets full pages of them. */
  jobs = chk_engine_list_jobs_after (self->engine, after,
                                     may_use_every_job (invocation, NULL) ? limit : G_MAXUINT);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(oa{sv})"));
  for (guint i = 0, given = 0; i < jobs->len && given < limit; i++)
    {
      ChkJob *job = g_ptr_array_index (jobs, i);
      g_autofree char *path = NULL;
      g_autoptr(GVariant) properties = NULL;

      if (!chk_dbus_sees_job (invocation, chk_job_get_spec (job)))
        continue;
      given++;
      path = chk_job_object_path (chk_job_get_id (job));
      properties = chk_job_export_properties (job);
      g_variant_builder_add (&builder, "(o@a{sv})", path, properties);
    }

  chk_scheduler1_complete_list_jobs (object, invocation, g_variant_builder_end (&builder));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

typedef struct
{
  ChkSchedule *schedule;
  GTimeZone   *tz;
  gint64       after;
  guint        count;
  /* Filled in by the worker: */
  gint64      *runs;
  guint        n_runs;
  char        *description;
} Preview;

static void
preview_free (Preview *preview)
{
  chk_schedule_unref (preview->schedule);
  g_time_zone_unref (preview->tz);
  g_free (preview->runs);
  g_free (preview->description);
  g_free (preview);
}

/*
 * Computes a preview in a worker thread: a rule with COUNT is walked from
 * its start, which takes up to a few hundred milliseconds for the worst
 * rules accepted, and no client should wait for another's preview.
 */
static void
preview_in_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  Preview *preview = task_data;
  GError *error = NULL;

  preview->runs = g_new0 (gint64, MAX (preview->count, 1));
  if (chk_schedule_get_kind (preview->schedule) == CHK_SCHEDULE_RRULE)
    {
      /* The rule starts at @after, or the next whole second (the unit of a
       * rule): that start is its first occurrence when it matches the rule,
       * and no occurrence comes before @after. */
      gint64 start = (preview->after + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC * G_USEC_PER_SEC;

      if (!chk_schedule_check_occurs (preview->schedule, preview->tz, start, &error))
        {
          g_task_return_error (task, error);
          return;
        }
      preview->n_runs = chk_schedule_next_runs (preview->schedule, preview->tz, start, start - 1,
                                                preview->runs, preview->count);
    }
  else
    {
      /* Cron lines run strictly after @after, as a job's next run after a run. */
      preview->n_runs = chk_schedule_next_runs (preview->schedule, preview->tz, 0, preview->after,
                                                preview->runs, preview->count);
    }
  preview->description = chk_schedule_describe (preview->schedule);

  g_task_return_boolean (task, TRUE);
}

/*
 * Previews are computed by two threads at a lower priority, so that however
 * many clients ask, the main loop keeps a CPU and its priority (on two
 * cores, five previews in as many threads made every other call six times
 * slower): one for rules with COUNT, which walk from their start, and one
 * for every other schedule, so that those never wait behind such a walk.
 */
static void
preview_pool_run (gpointer data,
                  gpointer user_data)
{
  g_autoptr(GTask) task = data;
  static GPrivate niced;

  if (g_private_get (&niced) == NULL)
    {
      /* On Linux a thread's nice value is its own. */
      if (setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), PREVIEW_NICE) != 0)
        g_debug ("Could not lower the preview thread's priority: %s", g_strerror (errno));
      g_private_set (&niced, GINT_TO_POINTER (1));
    }

  preview_in_thread (task, g_task_get_source_object (task), g_task_get_task_data (task), NULL);
}

static GThreadPool *
preview_pool (gboolean counted)
{
  static GThreadPool *pools[2];
  static gsize created;

  if (g_once_init_enter (&created))
    {
      pools[0] = g_thread_pool_new (preview_pool_run, NULL, 1, FALSE, NULL);
      pools[1] = g_thread_pool_new (preview_pool_run, NULL, 1, FALSE, NULL);
      g_once_init_leave (&created, 1);
    }
  return pools[counted ? 1 : 0];
}

static void
preview_done (GObject      *source_object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  Preview *preview = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  GVariantBuilder builder;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_dbus_method_invocation_return_gerror (g_steal_pointer (&invocation), error);
      return;
    }

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("ax"));
  for (guint i = 0; i < preview->n_runs; i++)
    g_variant_builder_add (&builder, "x", preview->runs[i]);

  chk_scheduler1_complete_preview_schedule (CHK_SCHEDULER1 (source_object),
                                            g_steal_pointer (&invocation),
                                            preview->description,
                                            g_variant_builder_end (&builder));
}

static gboolean
chk_scheduler_impl_handle_preview_schedule (ChkScheduler1         *object,
                                            GDBusMethodInvocation *invocation,
                                            const char            *arg_schedule,
                                            const char            *arg_timezone,
                                            gint64                 arg_after,
                                            guint                  arg_count)
{
  g_autoptr(ChkSchedule) schedule = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  Preview *preview;

  if (arg_count > MAX_PREVIEW_COUNT)
    return return_invalid (invocation, "count", _("%u is more than %d"), arg_count, MAX_PREVIEW_COUNT);
  if (arg_after < 0)
    return return_invalid (invocation, "after", _("must not be negative"));

  schedule = chk_schedule_parse (arg_schedule, &error);
  chk_error_prefix_key (&error, "schedule");
  if (schedule != NULL)
    tz = chk_time_zone_new (arg_timezone, &error);
  if (tz == NULL)
    return chk_dbus_return_error (invocation, error);

  preview = g_new0 (Preview, 1);
  preview->schedule = g_steal_pointer (&schedule);
  preview->tz = g_steal_pointer (&tz);
  preview->after = arg_after != 0 ? arg_after : g_get_real_time ();
  preview->count = arg_count;

  /* The invocation is completed, and its reference dropped, in preview_done(). */
  task = g_task_new (object, NULL, preview_done, g_object_ref (invocation));
  g_task_set_source_tag (task, chk_scheduler_impl_handle_preview_schedule);
  g_task_set_task_data (task, preview, (GDestroyNotify) preview_free);
  g_thread_pool_push (preview_pool (chk_schedule_is_counted (preview->schedule)),
                      g_steal_pointer (&task), NULL);
  g_object_unref (invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
parse_run_filter (GVariant            *filter_variant,
                  ChkRunFilter        *filter,
                  char               **out_outcome,
                  GError             **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  filter->limit = 100;

  g_variant_iter_init (&iter, filter_variant);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      const char *type = NULL;

      if (strcmp (key, "job") == 0)
        type = "o";
      else if (strcmp (key, "outcome") == 0)
        type = "s";
      else if (strcmp (key, "since") == 0)
        type = "x";
      else if (strcmp (key, "limit") == 0 || strcmp (key, "offset") == 0)
        type = "u";

      if (type == NULL)
        {
          g_set_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT,
                       _("unknown filter key “%s”: use job, outcome, since, limit or offset"), key);
        }
      else if (!g_variant_is_of_type (value, G_VARIANT_TYPE (type)))
        {
          chk_set_key_error (error, CHK_ERROR_INVALID_ARGUMENT, key, _("must be of type %s, not %s"),
                             type, g_variant_get_type_string (value));
        }
      else if (strcmp (key, "job") == 0)
        {
          if (!chk_job_id_from_path (g_variant_get_string (value, NULL), &filter->job_id))
            chk_set_key_error (error, CHK_ERROR_NOT_FOUND, "job", _("“%s” is not a job"),
                         g_variant_get_string (value, NULL));
        }
      else if (strcmp (key, "outcome") == 0)
        {
          const char *outcome = g_variant_get_string (value, NULL);

          if (!chk_outcome_is_valid_string (outcome))
            chk_set_key_error (error, CHK_ERROR_INVALID_ARGUMENT, "outcome",
                         _("“%s” is not one of running, success, failure, timeout, "
                           "stopped, interrupted or failed-to-start"), outcome);
          else
            *out_outcome = g_strdup (outcome);
        }
      else if (strcmp (key, "since") == 0)
        {
          filter->since = g_variant_get_int64 (value);
        }
      else if (strcmp (key, "limit") == 0)
        {
          filter->limit = g_variant_get_uint32 (value);
          if (filter->limit == 0)
            filter->limit = 100;
          else if (filter->limit > MAX_LIST_LIMIT)
            chk_set_key_error (error, CHK_ERROR_INVALID_ARGUMENT, "limit",
                         _("%u is more than %d; page with offset"), filter->limit, MAX_LIST_LIMIT);
        }
      else
        {
          filter->offset = g_variant_get_uint32 (value);
        }

      if (error != NULL && *error != NULL)
        {
          g_variant_unref (value);
          return FALSE;
        }
    }

  filter->outcome = *out_outcome;
  return TRUE;
}

static gboolean
chk_scheduler_impl_handle_list_runs (ChkScheduler1         *object,
                                     GDBusMethodInvocation *invocation,
                                     GVariant              *arg_filter)
{
  ChkSchedulerImpl *self = CHK_SCHEDULER_IMPL (object);
  ChkRunFilter filter = { 0 };
  g_autofree char *outcome = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GArray) visible = NULL;

  if (!parse_run_filter (arg_filter, &filter, &outcome, &error))
    ;
  else if (filter.job_id != 0)
    {
      if (may_use_job_id (self, invocation, filter.job_id, &error))
        runs = chk_engine_list_runs (self->engine, &filter, &error);
    }
  else
    {
      /* Of every job, or of those the caller sees */
      filter.job_ids = visible = visible_job_ids (self, invocation);
      runs = chk_engine_list_runs (self->engine, &filter, &error);
    }

  if (runs == NULL)
    return chk_dbus_return_error (invocation, error);

  chk_scheduler1_complete_list_runs (object, invocation, chk_runs_to_variant (runs));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
chk_scheduler_impl_handle_get_run (ChkScheduler1         *object,
                                   GDBusMethodInvocation *invocation,
                                   guint64                arg_run_id)
{
  ChkSchedulerImpl *self = CHK_SCHEDULER_IMPL (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkRunRecord) run = chk_engine_get_run (self->engine, arg_run_id, &error);

  if (run == NULL || !may_use_job_id (self, invocation, run->job_id, &error))
    return chk_dbus_return_error (invocation, error);

  chk_scheduler1_complete_get_run (object, invocation, chk_run_record_to_variant (run));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
chk_scheduler_impl_handle_read_run_output (ChkScheduler1         *object,
                                           GDBusMethodInvocation *invocation,
                                           guint64                arg_run_id,
                                           guint64                arg_after_seq,
                                           guint                  arg_max_bytes)
{
  ChkSchedulerImpl *self = CHK_SCHEDULER_IMPL (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chunks = NULL;
  gsize max_bytes = arg_max_bytes == 0 ? DEFAULT_READ_BYTES : MIN (arg_max_bytes, MAX_READ_BYTES);
  gboolean finished = FALSE;

  if (!may_use_run (self, invocation, arg_run_id, &error))
    return chk_dbus_return_error (invocation, error);

  chunks = chk_engine_read_output (self->engine, arg_run_id, arg_after_seq, max_bytes, &finished,
                                   &error);
  if (chunks == NULL)
    return chk_dbus_return_error (invocation, error);

  chk_scheduler1_complete_read_run_output (object, invocation, chk_chunks_to_variant (chunks),
                                           finished);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
chk_scheduler_impl_handle_purge_runs (ChkScheduler1         *object,
                                      GDBusMethodInvocation *invocation,
                                      gint64                 arg_before)
{
  ChkSchedulerImpl *self = CHK_SCHEDULER_IMPL (object);
  g_autoptr(GError) error = NULL;
  guint deleted = 0;

  if (!chk_engine_purge_runs (self->engine, arg_before, &deleted, &error))
    return chk_dbus_return_error (invocation, error);

  chk_scheduler1_complete_purge_runs (object, invocation, deleted);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

#define MAX_STATS_BUCKETS 1000

static GVariant *
stats_to_variant (GArray *buckets)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < buckets->len; i++)
    {
      ChkStatsBucket *bucket = &g_array_index (buckets, ChkStatsBucket, i);

      g_variant_builder_open (&builder, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&builder, "{sv}", "start", g_variant_new_int64 (bucket->start));
      g_variant_builder_add (&builder, "{sv}", "runs", g_variant_new_uint32 (bucket->runs));
      g_variant_builder_add (&builder, "{sv}", "failures",
                             g_variant_new_uint32 (bucket->failures));
      g_variant_builder_add (&builder, "{sv}", "duration-p50",
                             g_variant_new_int64 (bucket->duration_p50));
      g_variant_builder_add (&builder, "{sv}", "duration-max",
                             g_variant_new_int64 (bucket->duration_max));
      g_variant_builder_close (&builder);
    }
  return g_variant_builder_end (&builder);
}

/* GetJobStats and GetJobStatsBetween: %NULL with @error set when an argument is bad */
static GVariant *
get_job_stats (ChkSchedulerImpl       *self,
               GDBusMethodInvocation  *invocation,
               const char             *arg_job,
               gint64             arg_since,
               gint64             arg_until,
               guint              arg_buckets,
               GError           **out_error)
{
  gint64 now = chk_clock_get_now (chk_engine_get_clock (self->engine));
  gint64 until = arg_until != 0 ? arg_until : now;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) buckets = NULL;
  g_autoptr(GArray) visible = NULL;
  guint64 job_id = 0;

  if (g_strcmp0 (arg_job, CHK_MANAGER_PATH) != 0 &&
      (!chk_job_id_from_path (arg_job, &job_id) ||
       chk_engine_lookup_job (self->engine, job_id) == NULL))
    chk_set_key_error (&error, CHK_ERROR_NOT_FOUND, "job", _("“%s” is not a job"), arg_job);
  else if (job_id != 0 && !may_use_job_id (self, invocation, job_id, &error))
    ;
  else if (arg_buckets < 1 || arg_buckets > MAX_STATS_BUCKETS)
    chk_set_key_error (&error, CHK_ERROR_INVALID_ARGUMENT, "buckets",
                       _("%u is not between 1 and %d"), arg_buckets, MAX_STATS_BUCKETS);
  else if (arg_until < 0)
    chk_set_key_error (&error, CHK_ERROR_INVALID_ARGUMENT, "until",
                       _("%" PRId64 " is not a time, or 0"), arg_until);
  else if (arg_since < 0 || arg_since > now || (arg_since != 0 && arg_since >= until))
    chk_set_key_error (&error, CHK_ERROR_INVALID_ARGUMENT, "since",
                       _("%" PRId64 " is not a time before now and before the end, or 0"),
                       arg_since);
  else if (job_id == 0 && (visible = visible_job_ids (self, invocation)) != NULL)
    /* The manager's path: every job, or those the caller sees */
    buckets = chk_store_get_stats_of_jobs (chk_engine_get_store (self->engine), visible, arg_since,
                                           until, arg_buckets, &error);
  else
    buckets = chk_store_get_stats (chk_engine_get_store (self->engine), job_id, arg_since, until,
                                   arg_buckets, &error);

  if (buckets == NULL)
    {
      g_propagate_error (out_error, g_steal_pointer (&error));
      return NULL;
    }
  return stats_to_variant (buckets);
}

static gboolean
chk_scheduler_impl_handle_get_job_stats (ChkScheduler1         *object,
                                         GDBusMethodInvocation *invocation,
                                         const char            *arg_job,
                                         gint64                 arg_since,
                                         guint                  arg_buckets)
{
  g_autoptr(GError) error = NULL;
  GVariant *stats = get_job_stats (CHK_SCHEDULER_IMPL (object), invocation, arg_job, arg_since, 0,
                                   arg_buckets, &error);

  if (stats == NULL)
    return chk_dbus_return_error (invocation, error);
  chk_scheduler1_complete_get_job_stats (object, invocation, stats);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
chk_scheduler_impl_handle_get_job_stats_between (ChkScheduler1         *object,
                                                 GDBusMethodInvocation *invocation,
                                                 const char            *arg_job,
                                                 gint64                 arg_since,
                                                 gint64                 arg_until,
                                                 guint                  arg_buckets)
{
  g_autoptr(GError) error = NULL;
  GVariant *stats = get_job_stats (CHK_SCHEDULER_IMPL (object), invocation, arg_job, arg_since,
                                   arg_until, arg_buckets, &error);

  if (stats == NULL)
    return chk_dbus_return_error (invocation, error);
  chk_scheduler1_complete_get_job_stats_between (object, invocation, stats);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
chk_scheduler_impl_handle_report_progress (ChkScheduler1         *object,
                                           GDBusMethodInvocation *invocation,
                                           guint64                arg_run_id,
                                           guint                  arg_complete,
                                           guint                  arg_total,
                                           const char            *arg_message)
{
  ChkSchedulerImpl *self = CHK_SCHEDULER_IMPL (object);
  g_autoptr(GError) error = NULL;

  if (!may_use_run (self, invocation, arg_run_id, &error))
    return chk_dbus_return_error (invocation, error);

  if (!chk_engine_report_progress (self->engine, arg_run_id, arg_complete, arg_total, arg_message,
                                   &error))
    return chk_dbus_return_error (invocation, error);

  chk_scheduler1_complete_report_progress (object, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static GVariant *
hosts_to_variant (GPtrArray *hosts)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < hosts->len; i++)
    {
      ChkStoreHost *host = g_ptr_array_index (hosts, i);

      g_variant_builder_open (&builder, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&builder, "{sv}", "hostname", g_variant_new_string (host->hostname));
      g_variant_builder_add (&builder, "{sv}", "connected",
                             g_variant_new_boolean (host->connected));
      g_variant_builder_add (&builder, "{sv}", "last-heartbeat",
                             g_variant_new_int64 (host->heartbeat));
      g_variant_builder_add (&builder, "{sv}", "first-heartbeat",
                             g_variant_new_int64 (host->started));
      g_variant_builder_add (&builder, "{sv}", "running", g_variant_new_uint32 (host->running));
      g_variant_builder_close (&builder);
    }
  return g_variant_builder_end (&builder);
}

static gboolean
chk_scheduler_impl_handle_list_hosts (ChkScheduler1         *object,
                                      GDBusMethodInvocation *invocation)
{
  ChkSchedulerImpl *self = CHK_SCHEDULER_IMPL (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hosts = chk_engine_list_hosts (self->engine, &error);

  if (hosts == NULL)
    return chk_dbus_return_error (invocation, error);

  chk_scheduler1_complete_list_hosts (object, invocation, hosts_to_variant (hosts));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
chk_scheduler_impl_handle_get_settings (ChkScheduler1         *object,
                                        GDBusMethodInvocation *invocation)
{
  ChkSchedulerImpl *self = CHK_SCHEDULER_IMPL (object);

  chk_scheduler1_complete_get_settings (object, invocation,
                                        chk_settings_to_variant (chk_engine_get_settings (self->engine)));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
chk_scheduler_impl_handle_set_settings (ChkScheduler1         *object,
                                        GDBusMethodInvocation *invocation,
                                        GVariant              *arg_settings)
{
  ChkSchedulerImpl *self = CHK_SCHEDULER_IMPL (object);
  g_autoptr(GError) error = NULL;

  if (!chk_settings_update (chk_engine_get_settings (self->engine), arg_settings, &error))
    return chk_dbus_return_error (invocation, error);

  chk_scheduler1_complete_set_settings (object, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
test_email_sent_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;

  if (!chk_alerts_send_test_email_finish (CHK_ALERTS (object), result, &error))
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
chk_scheduler_impl_handle_send_test_email (ChkScheduler1         *object,
                                           GDBusMethodInvocation *invocation,
                                           const char            *arg_address)
{
  ChkSchedulerImpl *self = CHK_SCHEDULER_IMPL (object);

  chk_alerts_send_test_email_async (self->alerts, arg_address, NULL, test_email_sent_cb,
                                    g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
login_start_got_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *how = NULL;

  how = chk_login_start_get_finish (result, &error);
  if (how == NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", how));
}

static gboolean
chk_scheduler_impl_handle_get_login_start (ChkScheduler1         *object,
                                           GDBusMethodInvocation *invocation)
{
  chk_login_start_get_async (g_dbus_method_invocation_get_connection (invocation), NULL,
                             login_start_got_cb, g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
login_start_set_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;

  if (!chk_login_start_set_finish (result, &error))
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
chk_scheduler_impl_handle_set_login_start (ChkScheduler1         *object,
                                           GDBusMethodInvocation *invocation,
                                           gboolean               arg_enable)
{
  chk_login_start_set_async (g_dbus_method_invocation_get_connection (invocation), arg_enable,
                             NULL, login_start_set_cb, g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
running_count_changed_cb (ChkEngine        *engine,
                          GParamSpec       *pspec,
                          ChkSchedulerImpl *self)
{
  chk_scheduler1_set_running_count (CHK_SCHEDULER1 (self), chk_engine_get_running_count (engine));
}

/* The store's problem, else why it is not the fleet's database it should be */
static void
update_storage_problem (ChkSchedulerImpl *self)
{
  const char *problem = chk_store_get_problem (chk_engine_get_store (self->engine));

  if (problem[0] == '\0' && chk_engine_get_fleet_problem (self->engine) != NULL)
    problem = chk_engine_get_fleet_problem (self->engine);
  chk_scheduler1_set_storage_problem (CHK_SCHEDULER1 (self), problem);
}

static void
storage_problem_changed_cb (ChkStore         *store,
                            GParamSpec       *pspec,
                            ChkSchedulerImpl *self)
{
  update_storage_problem (self);
}

static void
chk_scheduler_iface_init (ChkScheduler1Iface *iface)
{
  iface->handle_create_job = chk_scheduler_impl_handle_create_job;
  iface->handle_get_job_by_name = chk_scheduler_impl_handle_get_job_by_name;
  iface->handle_list_jobs = chk_scheduler_impl_handle_list_jobs;
  iface->handle_preview_schedule = chk_scheduler_impl_handle_preview_schedule;
  iface->handle_list_runs = chk_scheduler_impl_handle_list_runs;
  iface->handle_get_run = chk_scheduler_impl_handle_get_run;
  iface->handle_read_run_output = chk_scheduler_impl_handle_read_run_output;
  iface->handle_purge_runs = chk_scheduler_impl_handle_purge_runs;
  iface->handle_get_job_stats = chk_scheduler_impl_handle_get_job_stats;
  iface->handle_get_job_stats_between = chk_scheduler_impl_handle_get_job_stats_between;
  iface->handle_report_progress = chk_scheduler_impl_handle_report_progress;
  iface->handle_list_hosts = chk_scheduler_impl_handle_list_hosts;
  iface->handle_get_settings = chk_scheduler_impl_handle_get_settings;
  iface->handle_set_settings = chk_scheduler_impl_handle_set_settings;
  iface->handle_send_test_email = chk_scheduler_impl_handle_send_test_email;
  iface->handle_get_login_start = chk_scheduler_impl_handle_get_login_start;
  iface->handle_set_login_start = chk_scheduler_impl_handle_set_login_start;
}

static void
chk_scheduler_impl_dispose (GObject *object)
{
  ChkSchedulerImpl *self = CHK_SCHEDULER_IMPL (object);

  if (self->engine != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->engine, self);
      g_signal_handlers_disconnect_by_data (chk_engine_get_store (self->engine), self);
    }
  g_clear_object (&self->engine);
  g_clear_object (&self->alerts);

  G_OBJECT_CLASS (chk_scheduler_impl_parent_class)->dispose (object);
}

/* Every method call is checked first: the generated handler runs only for our own user. */
static GDBusInterfaceVTable *
chk_scheduler_impl_get_vtable (GDBusInterfaceSkeleton *skeleton)
{
  static GDBusInterfaceVTable vtable;

  return chk_dbus_authorized_vtable (skeleton, &vtable);
}

static void
chk_scheduler_impl_class_init (ChkSchedulerImplClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = chk_scheduler_impl_dispose;
  G_DBUS_INTERFACE_SKELETON_CLASS (klass)->get_vtable = chk_scheduler_impl_get_vtable;
}

static void
chk_scheduler_impl_init (ChkSchedulerImpl *self)
{
}

/**
 * chk_scheduler_impl_new:
 * @engine: the engine to serve
 * @alerts: the alerts that send its emails
 *
 * Returns: (transfer full): the Scheduler1 skeleton, not exported yet
 */
ChkSchedulerImpl *
chk_scheduler_impl_new (ChkEngine *engine,
                        ChkAlerts *alerts)
{
  ChkSchedulerImpl *self;

  g_return_val_if_fail (CHK_IS_ENGINE (engine), NULL);
  g_return_val_if_fail (CHK_IS_ALERTS (alerts), NULL);

  self = g_object_new (CHK_TYPE_SCHEDULER_IMPL, NULL);
  self->engine = g_object_ref (engine);
  self->alerts = g_object_ref (alerts);

  chk_scheduler1_set_version (CHK_SCHEDULER1 (self), PACKAGE_VERSION);
  chk_scheduler1_set_hostname (CHK_SCHEDULER1 (self), chk_engine_get_hostname (engine));
  chk_scheduler1_set_running_count (CHK_SCHEDULER1 (self), chk_engine_get_running_count (engine));
  g_signal_connect (engine, "notify::running-count", G_CALLBACK (running_count_changed_cb), self);
  update_storage_problem (self);
  g_signal_connect (chk_engine_get_store (engine), "notify::problem",
                    G_CALLBACK (storage_problem_changed_cb), self);

  return self;
}
