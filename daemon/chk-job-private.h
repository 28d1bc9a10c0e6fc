/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include "chk-job.h"
#include "chk-runner.h"

G_BEGIN_DECLS

/*
 * The values of a job that the bus shows. _chk_job_peek_state() fills one
 * with the job's own (borrowed); the job keeps one of its own (owned) with
 * the values from before the changes that #ChkJob::changed is about to
 * tell, so that a watcher can tell which values really changed.
 */
typedef struct
{
  guint64      id;
  /* NULL in the values from before: the spec did not change, or the job is new */
  ChkJobSpec  *spec;
  ChkSchedule *schedule;
  gboolean     spec_kept;
  gint64       next_run;
  gint64       last_run_started;
  gint64       last_run_finished;
  char        *last_outcome;
  gint         last_exit_code;
  char        *last_alert_error;
  gboolean     running;
  guint64      current_run;
  guint        progress_complete;
  guint        progress_total;
  char        *progress_message;
  char        *waiting_for;
} ChkJobState;

/* The engine owns a job's state; everyone else reads it through chk-job.h.
 * Members of four bytes go in pairs where they can: a hole after each would
 * cost 10,000 jobs 160 KiB. */
struct _ChkJob
{
  GObject      parent_instance;

  guint64      id;
  /* When it was made, as the store has it */
  gint64       created;
  ChkJobSpec  *spec;
  ChkSchedule *schedule;
  GTimeZone   *tz;
  /* The schedule's occurrences from the spec's start, once needed. */
  ChkScheduleIter *occurrences;

  gint64       next_run;
  gint64       last_run_started;
  gint64       last_run_finished;
  /* The clock went back before the rule's start after it had begun. */
  gboolean     start_rewound;
  gint         last_exit_code;
  /* These four are interned #GRefStrings, as are their copies in @before */
  char        *last_outcome;
  char        *last_alert_error;

  ChkRunner   *runner;
  gboolean     queued;
  guint        queued_attempt;
  char        *queued_trigger;

  /* A due run held back by chk-engine-gate.c: its dependencies, its
   * run-if conditions, a retry's time or the delay after a resume */
  gboolean     pending;
  guint        pending_attempt;     /* 1, or the attempt a retry makes */
  char        *pending_trigger;
  gint64       pending_due;         /* when it came due */
  gint64       pending_not_before;  /* a retry's time, or the end of the resume delay */
  gint64       pending_give_up;     /* when unmet conditions make it skipped; 0 for never */
  /* The attempt of the run under way */
  guint        attempt;
  guint        progress_complete;
  guint        progress_total;
  char        *progress_message;
  /* Why a due run has not started, "" when none waits */
  char        *waiting_for;

  /* What changed since #ChkJob::changed was last emitted, and the values from before */
  ChkJobChange changes;
  GList       *changed_link;  /* in the queue of jobs whose changes are to be told */
  ChkJobState *before;
};

ChkJob   *_chk_job_new          (guint64      id,
                                 ChkJobSpec  *spec,
                                 GError     **error);
ChkJob   *_chk_job_new_parsed   (guint64      id,
                                 ChkJobSpec  *spec,
                                 ChkSchedule *schedule,
                                 GTimeZone   *tz);
gboolean  _chk_job_set_spec     (ChkJob      *self,
                                 ChkJobSpec  *spec,
                                 GError     **error);
void      _chk_job_set_next_run (ChkJob      *self,
                                 gint64       next_run);
void      _chk_job_set_runner   (ChkJob      *self,
                                 ChkRunner   *runner,
                                 gint64       started);
void      _chk_job_set_last_run_started (ChkJob *self,
                                         gint64  started);
void      _chk_job_set_last_result (ChkJob      *self,
                                    gint64       finished,
                                    const char  *outcome,
                                    gint         exit_code);
void      _chk_job_set_progress (ChkJob      *self,
                                 guint        complete,
                                 guint        total,
                                 const char  *message);
void      _chk_job_set_last_alert_error (ChkJob     *self,
                                         const char *message);
void      _chk_job_set_waiting_for  (ChkJob     *self,
                                     const char *reason);
gint64    _chk_job_next_occurrence (ChkJob   *self,
                                    gint64    after);
void      _chk_job_forget_changes (ChkJob    *self);
void      _chk_job_peek_state     (ChkJob      *self,
                                   ChkJobState *out_state);
const ChkJobState *_chk_job_get_state_before (ChkJob *self);
void      _chk_job_forget_state_before (ChkJob *self);

G_END_DECLS
