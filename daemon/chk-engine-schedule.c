/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-engine"

#include "config.h"

#include "chk-engine-private.h"
#include "chk-job-private.h"

/*
 * When the engine's jobs are due: their next runs, the one timer for the
 * earliest, what fires when it comes or the clock is set, and the runs a
 * job missed while no daemon ran.
 */

static gint64
reference_time (ChkJob *job,
                gint64  created)
{
  return MAX (job->last_run_started, created);
}

/*
 * The first occurrence after @after, with the job's random-delay offset
 * added: an occurrence whose delayed run is still ahead counts, so that a
 * job changed or a clock set between the two does not lose it.
 */
static gint64
next_delayed_occurrence (ChkJob *job,
                         gint64  start,
                         gint64  after)
{
  gint64 offset = chk_job_spec_get_random_offset (job->spec, job->id);
  gint64 next;

  if (start != job->spec->start)
    next = chk_schedule_next (job->schedule, job->tz, start, after - offset);
  else
    next = _chk_job_next_occurrence (job, after - offset);

  return next > 0 ? next + offset : 0;
}

/*
 * Whether @job's schedule runs it here: it is enabled, and its `host` is
 * any host, every host or this one.
 */
gboolean
_chk_engine_schedules_here (ChkEngine *self,
                            ChkJob    *job)
{
  return job->spec->enabled && chk_job_spec_runs_on (job->spec, self->hostname);
}

void
_chk_engine_update_next_run (ChkEngine *self,
                             ChkJob    *job,
                             gint64     after)
{
  gint64 start = job->spec->start;
  gint64 next = 0;

  /* Until the clock is back at the start, a rewound rule keeps its pace. */
  if (job->start_rewound && start > after)
    start = chk_schedule_rewind_start (job->schedule, job->tz, start, after);
  else
    job->start_rewound = FALSE;

  if (_chk_engine_schedules_here (self, job))
    next = next_delayed_occurrence (job, start, after);

  _chk_job_set_next_run (job, next);
}

/*
 * When a catch-up run may start: after the resume-delay setting, so that a
 * machine just woken (or a daemon just started) settles first, then spread
 * by each job's random delay.
 */
gint64
_chk_engine_catch_up_time (ChkEngine *self,
                           ChkJob    *job,
                           gint64     now)
{
  gint64 delay = (gint64) chk_settings_get_resume_delay (self->settings) * G_USEC_PER_SEC;

  if (delay == 0)
    return 0;
  return now + delay + chk_job_spec_get_random_offset (job->spec, job->id);
}

/*
 * Where a new or changed job's schedule is read from: now, except that a
 * recurrence rule starting now or later has its first occurrence at its
 * start (RFC 5545: DTSTART is the first instance), so with the default
 * start, a new FREQ=DAILY job runs when it is made, then daily.
 */
gint64
_chk_engine_first_reference (ChkJob *job,
                             gint64  now)
{
  /* Occurrences fall on whole seconds: just before the start's second. */
  if (job->last_run_started == 0 && job->spec->start >= now - G_USEC_PER_SEC)
    return MIN (now, (job->spec->start / G_USEC_PER_SEC) * G_USEC_PER_SEC - 1);
  return now;
}

/*
 * The wall clock went back before the start of a recurrence rule that had
 * already begun (the clock had read @seen, or the job had run, at or after
 * the start): by the rule alone it would not run again until the clock
 * caught up, hours perhaps (an NTP step correcting a fast clock at boot, a
 * dual-boot machine's local-time RTC). It keeps its pace instead, as a cron
 * line does. A start the clock had not reached yet is kept.
 */
void
_chk_engine_note_clock_went_back (ChkJob *job,
                                  gint64  now,
                                  gint64  seen)
{
  gint64 start = job->spec->start;

  if (start > now && (job->last_run_started >= start || seen >= start))
    job->start_rewound = TRUE;
}

/* A rule with an INTERVAL may never occur from the job's start, which
 * only the whole spec tells. */
gboolean
_chk_engine_check_schedule_occurs (const ChkJobSpec  *spec,
                                   GError           **error)
{
  g_autoptr(ChkSchedule) schedule = chk_schedule_parse (spec->schedule, NULL);
  g_autoptr(GTimeZone) tz = NULL;

  if (schedule == NULL || chk_schedule_get_kind (schedule) != CHK_SCHEDULE_RRULE)
    return TRUE;

  tz = chk_time_zone_new (spec->timezone, NULL);
  if (tz == NULL)
    return TRUE;

  return chk_schedule_check_occurs (schedule, tz, spec->start, error);
}

void
_chk_engine_reschedule (ChkEngine *self)
{
  GHashTableIter iter;
  gpointer value;
  gint64 earliest = 0;

  if (!self->started || self->shutdown_task != NULL)
    {
      chk_timer_set_deadline (self->timer, 0);
      return;
    }

  g_hash_table_iter_init (&iter, self->jobs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ChkJob *job = value;

      if (job->next_run > 0 && (earliest == 0 || job->next_run < earliest))
        earliest = job->next_run;
    }

  /* Retries, the end of a resume delay, conditions given up on */
  {
    gint64 pending = _chk_engine_pending_deadline (self);

    if (pending > 0 && (earliest == 0 || pending < earliest))
      earliest = pending;
  }

  chk_timer_set_deadline (self->timer, earliest);
}

static int
compare_next_run (gconstpointer a,
                  gconstpointer b)
{
  ChkJob *job_a = *(ChkJob **) a;
  ChkJob *job_b = *(ChkJob **) b;

  if (job_a->next_run != job_b->next_run)
    return job_a->next_run < job_b->next_run ? -1 : 1;
  return job_a->id < job_b->id ? -1 : job_a->id > job_b->id;
}

void
_chk_engine_timer_fired_cb (ChkTimer  *timer,
                            ChkEngine *self)
{
  g_autoptr(GPtrArray) due = g_ptr_array_new ();
  gint64 now = _chk_engine_now (self);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->jobs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ChkJob *job = value;

      if (job->next_run > 0 && job->next_run <= now)
        g_ptr_array_add (due, job);
    }

  /* Queued runs wait in the order they were due. */
  g_ptr_array_sort (due, compare_next_run);

  for (guint i = 0; i < due->len; i++)
    {
      ChkJob *job = g_ptr_array_index (due, i);

      if (now - job->next_run > CHK_ENGINE_MISSED_AFTER_USEC)
        {
          if (job->spec->catch_up)
            _chk_engine_make_due (self, job, "catch-up", 1, job->next_run,
                                  _chk_engine_catch_up_time (self, job, now));
          else
            g_message ("“%s” missed its run (the machine slept or the clock moved); skipped",
                       job->spec->name);
        }
      else
        {
          _chk_engine_make_due (self, job, "schedule", 1, job->next_run, 0);
        }

      _chk_engine_update_next_run (self, job, now);
    }

  /* Also when nothing came due: the timer may have been for a held-back run. */
  _chk_engine_release_pending (self);
  _chk_engine_reschedule (self);

  /* In a fleet, awake anyway: after the runs started, say this host is
   * alive and see who is not */
  _chk_engine_beat (self);
}

void
_chk_engine_clock_changed_cb (ChkTimer  *timer,
                              ChkEngine *self)
{
  GHashTableIter iter;
  gpointer value;
  gint64 seen = self->latest_now;
  gint64 now;

  /*
   * Next runs are wall-clock times: after a step forward or a resume, those
   * now in the past are due (late ones count as missed, or catch up once).
   */
  _chk_engine_timer_fired_cb (timer, self);

  /*
   * After a step back they lie as far ahead as the clock went back: every
   * one is computed anew from now, as systemd's timer_time_change() rewinds
   * its last trigger. The wall-clock times the clock shows again come
   * again. After a step forward this changes nothing: no occurrence lies
   * between now and a next run still ahead.
   */
  now = chk_clock_get_now (self->clock);
  g_hash_table_iter_init (&iter, self->jobs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ChkJob *job = value;

      _chk_engine_note_clock_went_back (job, now, seen);
      _chk_engine_update_next_run (self, job, now);
    }
  /* The times the clock shows again are new: a start set among them is meant. */
  self->latest_now = now;

  _chk_engine_reschedule (self);
}

/* Jobs whose schedule had an occurrence since their last run (or creation). */
GPtrArray *
_chk_engine_collect_missed (ChkEngine *self,
                            gint64     now)
{
  GPtrArray *missed = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  /* From the jobs' own creation times: reading them from the store would
   * read every job's row, spec and all, into SQLite's cache again. */
  g_hash_table_iter_init (&iter, self->jobs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ChkJob *job = value;
      gint64 occurrence;

      if (!_chk_engine_schedules_here (self, job))
        continue;

      occurrence = next_delayed_occurrence (job, job->spec->start,
                                            reference_time (job, job->created));
      if (occurrence > 0 && occurrence <= now)
        {
          _chk_job_set_next_run (job, occurrence);
          g_ptr_array_add (missed, job);
        }
    }

  g_ptr_array_sort (missed, compare_next_run);
  return missed;
}
