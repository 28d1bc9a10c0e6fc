/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * ChkScheduleKind:
 * @CHK_SCHEDULE_MANUAL: the empty schedule: the job runs only when asked
 * @CHK_SCHEDULE_CRON: a 5-field cron expression or a cron macro such as `@daily`
 * @CHK_SCHEDULE_RRULE: an RFC 5545 recurrence rule (`FREQ=…`, optional `RRULE:` prefix)
 */
typedef enum
{
  CHK_SCHEDULE_MANUAL,
  CHK_SCHEDULE_CRON,
  CHK_SCHEDULE_RRULE,
} ChkScheduleKind;

/**
 * ChkSchedule:
 *
 * A parsed, validated schedule: an immutable, reference-counted value.
 *
 * All times are microseconds since the Unix epoch, UTC, as on the bus;
 * 0 means "none". Occurrences are computed in the wall-clock time of a
 * #GTimeZone with these rules for daylight-saving changes:
 *
 * - a local time that the clock skips (e.g. 02:30 on the night clocks go
 *   forward) occurs at the first instant after the gap (03:00 new time), and
 *   several skipped times collapse into that one instant;
 * - a local time that the clock repeats (e.g. 02:30 on the night clocks go
 *   back) occurs once, at its first instance.
 *
 * Cron schedules have a resolution of one minute (occurrences fall on
 * second 0); recurrence rules have a resolution of one second.
 *
 * Recurrence rules follow RFC 5545 from their start (DTSTART) with two
 * choices made for people rather than calendars: a rule that gives BYHOUR
 * without BYMINUTE, or either without BYSECOND, means minute and second 0
 * for units smaller than its frequency (FREQ=DAILY;BYHOUR=9 is 09:00:00,
 * whatever the start's minutes); and BYWEEKNO counts ISO 8601 weeks, so it
 * goes with the default WKST=MO only, and without BYDAY means the start's
 * weekday in those weeks. BYSETPOS picks among each whole period's times,
 * the start's period included, before times before the start are dropped.
 * FREQ=YEARLY;BYMONTHDAY=… without BYMONTH runs in every month. COUNT is at
 * most 100000, and a rule whose COUNT takes too long to count is refused
 * by chk_schedule_check_occurs().
 */
typedef struct _ChkSchedule ChkSchedule;

#define CHK_TYPE_SCHEDULE (chk_schedule_get_type ())

GType            chk_schedule_get_type  (void);
ChkSchedule     *chk_schedule_parse     (const char        *text,
                                         GError           **error);
ChkSchedule     *chk_schedule_ref       (ChkSchedule       *self);
void             chk_schedule_unref     (ChkSchedule       *self);
ChkScheduleKind  chk_schedule_get_kind  (const ChkSchedule *self);
const char      *chk_schedule_get_text  (const ChkSchedule *self);
char            *chk_schedule_describe  (const ChkSchedule *self);
gboolean         chk_schedule_is_counted (const ChkSchedule *self);
gboolean         chk_schedule_check_occurs (const ChkSchedule *self,
                                            GTimeZone         *tz,
                                            gint64             start,
                                            GError           **error);
gint64           chk_schedule_next      (const ChkSchedule *self,
                                         GTimeZone         *tz,
                                         gint64             start,
                                         gint64             after);
guint            chk_schedule_next_runs (const ChkSchedule *self,
                                         GTimeZone         *tz,
                                         gint64             start,
                                         gint64             after,
                                         gint64            *runs,
                                         guint              n_runs);
gint64           chk_schedule_rewind_start (const ChkSchedule *self,
                                            GTimeZone         *tz,
                                            gint64             start,
                                            gint64             before);

/**
 * ChkScheduleIter:
 *
 * Finds a schedule's next occurrences again and again, keeping its place.
 */
typedef struct _ChkScheduleIter ChkScheduleIter;

ChkScheduleIter *chk_schedule_iter_new  (ChkSchedule       *schedule,
                                         GTimeZone         *tz,
                                         gint64             start);
gint64           chk_schedule_iter_next (ChkScheduleIter   *iter,
                                         gint64             after);
void             chk_schedule_iter_free (ChkScheduleIter   *iter);

GTimeZone       *chk_time_zone_new      (const char        *identifier,
                                         GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChkSchedule, chk_schedule_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChkScheduleIter, chk_schedule_iter_free)

G_END_DECLS
