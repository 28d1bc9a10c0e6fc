/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chronikerd"

#include "config.h"

#include <glib/gi18n.h>

#include "chk-background.h"

#include "chk-job.h"
#include "chk-portal.h"

/*
 * In the Flatpak the daemon is an app running in the background, and GNOME
 * lists such apps with a line of what each is doing: this keeps that line,
 * "3 jobs · next: Backup at 02:30", through the Background portal's
 * SetStatus. Changes come in bursts (a schedule walk touches every job), so
 * the line is sent at most once a second, and only when it changed.
 */

#define UPDATE_DELAY_MS 1000

struct _ChkBackground
{
  GObject          parent_instance;

  ChkEngine       *engine;
  GDBusConnection *connection;
  GCancellable    *cancellable;
  char            *sent;
  guint            update_source;
  gboolean         unsupported;
};

G_DEFINE_FINAL_TYPE (ChkBackground, chk_background, G_TYPE_OBJECT)

static void
chk_background_dispose (GObject *object)
{
  ChkBackground *self = CHK_BACKGROUND (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->update_source, g_source_remove);
  if (self->engine != NULL)
    {
      g_autoptr(GPtrArray) jobs = chk_engine_list_jobs (self->engine);

      for (guint i = 0; i < jobs->len; i++)
        g_signal_handlers_disconnect_by_data (g_ptr_array_index (jobs, i), self);
      g_signal_handlers_disconnect_by_data (self->engine, self);
    }
  g_clear_object (&self->engine);
  g_clear_object (&self->connection);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (chk_background_parent_class)->dispose (object);
}

static void
chk_background_finalize (GObject *object)
{
  ChkBackground *self = CHK_BACKGROUND (object);

  g_free (self->sent);

  G_OBJECT_CLASS (chk_background_parent_class)->finalize (object);
}

static void
chk_background_class_init (ChkBackgroundClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chk_background_dispose;
  object_class->finalize = chk_background_finalize;
}

static void
chk_background_init (ChkBackground *self)
{
  self->cancellable = g_cancellable_new ();
}

/**
 * chk_background_describe:
 * @engine: the engine
 *
 * Says in a line what the daemon does in the background: how many jobs, and
 * which runs next and when.
 *
 * Returns: (transfer full): the line
 */
char *
chk_background_describe (ChkEngine *engine)
{
  g_autoptr(GPtrArray) jobs = chk_engine_list_jobs (engine);
  gint64 now = chk_clock_get_now (chk_engine_get_clock (engine));
  g_autofree char *count = NULL;
  g_autofree char *when = NULL;
  g_autoptr(GDateTime) next_time = NULL;
  gint64 next_run;
  ChkJob *next = NULL;

  for (guint i = 0; i < jobs->len; i++)
    {
      ChkJob *job = g_ptr_array_index (jobs, i);
      gint64 next_run = chk_job_get_next_run (job);

      if (next_run > 0 && (next == NULL || next_run < chk_job_get_next_run (next)))
        next = job;
    }

  count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u job", "%u jobs", jobs->len),
                           jobs->len);
  if (next == NULL)
    /* Translators: what the daemon does in the background, when no job is scheduled */
    return g_strdup_printf (_("%s · none scheduled"), count);

  next_run = chk_job_get_next_run (next);
  next_time = g_date_time_new_from_unix_local (next_run / G_USEC_PER_SEC);
  if (next_time == NULL)
    return g_steal_pointer (&count);

  if (next_run - now < G_TIME_SPAN_DAY)
    {
      /* Translators: a time of day in "3 jobs · next: Backup at 02:30"; strftime() */
      when = g_date_time_format (next_time, _("%H:%M"));
      /* Translators: what the daemon does in the background: "3 jobs · next: Backup at 02:30" */
      return g_strdup_printf (_("%s · next: %s at %s"), count, chk_job_get_name (next), when);
    }

  /* Translators: a weekday and a time, or a date, in "3 jobs · next: Backup on Sat 02:30";
   * strftime() formats */
  when = g_date_time_format (next_time, next_run - now < 6 * G_TIME_SPAN_DAY ? _("%a %H:%M")
                                                                             : _("%x"));
  /* Translators: what the daemon does in the background: "3 jobs · next: Backup on Sat 02:30" */
  return g_strdup_printf (_("%s · next: %s on %s"), count, chk_job_get_name (next), when);
}

static void
status_set_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ChkBackground) self = user_data;
  g_autoptr(GError) error = NULL;

  if (chk_portal_set_background_status_finish (G_DBUS_CONNECTION (object), result, &error))
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* A portal without SetStatus (before version 2) will not grow one: stop. */
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD))
    self->unsupported = TRUE;
  g_clear_pointer (&self->sent, g_free);
  g_message ("Could not tell the Background portal what runs: %s", error->message);
}

static gboolean
update_cb (gpointer user_data)
{
  ChkBackground *self = user_data;
  g_autofree char *line = NULL;

  self->update_source = 0;
  if (self->unsupported)
    return G_SOURCE_REMOVE;

  line = chk_background_describe (self->engine);
  if (g_strcmp0 (line, self->sent) == 0)
    return G_SOURCE_REMOVE;

  g_debug ("Background status: %s", line);
  g_free (self->sent);
  self->sent = g_steal_pointer (&line);
  chk_portal_set_background_status (self->connection, self->sent, self->cancellable,
                                    status_set_cb, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

static void
queue_update (ChkBackground *self)
{
  if (self->update_source == 0 && !self->unsupported)
    self->update_source = g_timeout_add_full (G_PRIORITY_LOW, UPDATE_DELAY_MS, update_cb, self,
                                              NULL);
}

static void
job_changed_cb (ChkJob        *job,
                guint          changes,
                ChkBackground *self)
{
  if (changes & (CHK_JOB_CHANGE_SPEC | CHK_JOB_CHANGE_NEXT_RUN))
    queue_update (self);
}

static void
watch_job (ChkBackground *self,
           ChkJob        *job)
{
  g_signal_connect (job, "changed", G_CALLBACK (job_changed_cb), self);
}

static void
job_added_cb (ChkEngine     *engine,
              ChkJob        *job,
              ChkBackground *self)
{
  watch_job (self, job);
  queue_update (self);
}

static void
job_removed_cb (ChkEngine     *engine,
                ChkJob        *job,
                ChkBackground *self)
{
  g_signal_handlers_disconnect_by_data (job, self);
  queue_update (self);
}

/**
 * chk_background_new:
 * @engine: the engine whose jobs to describe
 * @connection: the session bus, where the portal is
 *
 * Keeps the Background portal's status line for the daemon up to date, from
 * now on. For the daemon in a sandbox (chk_portal_is_sandboxed()).
 *
 * Returns: (transfer full): a new #ChkBackground
 */
ChkBackground *
chk_background_new (ChkEngine       *engine,
                    GDBusConnection *connection)
{
  ChkBackground *self;
  g_autoptr(GPtrArray) jobs = NULL;

  g_return_val_if_fail (CHK_IS_ENGINE (engine), NULL);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);

  self = g_object_new (CHK_TYPE_BACKGROUND, NULL);
  self->engine = g_object_ref (engine);
  self->connection = g_object_ref (connection);

  jobs = chk_engine_list_jobs (engine);
  for (guint i = 0; i < jobs->len; i++)
    watch_job (self, g_ptr_array_index (jobs, i));
  g_signal_connect (engine, "job-added", G_CALLBACK (job_added_cb), self);
  g_signal_connect (engine, "job-removed", G_CALLBACK (job_removed_cb), self);
  queue_update (self);
  return self;
}
