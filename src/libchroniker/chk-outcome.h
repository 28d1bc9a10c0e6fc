/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * ChkOutcome:
 * @CHK_OUTCOME_NONE: never run; the bus says ""
 * @CHK_OUTCOME_RUNNING: still running
 * @CHK_OUTCOME_SUCCESS: exited with 0, or its check passed
 * @CHK_OUTCOME_FAILURE: exited with another code, was killed by a signal it
 *   was not sent, or its check failed
 * @CHK_OUTCOME_TIMEOUT: stopped at its timeout
 * @CHK_OUTCOME_STOPPED: stopped by someone (Job1.Stop())
 * @CHK_OUTCOME_INTERRUPTED: the daemon ended during the run
 * @CHK_OUTCOME_FAILED_TO_START: could not be spawned
 * @CHK_OUTCOME_SKIPPED: not run: its `run-if` conditions did not hold in time
 * @CHK_OUTCOME_UNKNOWN: a word this build does not know, from a newer daemon
 *
 * How a run ended. Each value's nick is the outcome's word on the bus and in
 * the store (see DESIGN.md §2), except @CHK_OUTCOME_NONE and
 * @CHK_OUTCOME_UNKNOWN, which never travel: use chk_outcome_from_string() and
 * chk_outcome_to_string() rather than the nicks.
 */
typedef enum
{
  CHK_OUTCOME_NONE,
  CHK_OUTCOME_RUNNING,
  CHK_OUTCOME_SUCCESS,
  CHK_OUTCOME_FAILURE,
  CHK_OUTCOME_TIMEOUT,
  CHK_OUTCOME_STOPPED,
  CHK_OUTCOME_INTERRUPTED,
  CHK_OUTCOME_FAILED_TO_START,
  CHK_OUTCOME_SKIPPED,
  CHK_OUTCOME_UNKNOWN,
} ChkOutcome;

/**
 * ChkTrigger:
 * @CHK_TRIGGER_SCHEDULE: its schedule came due
 * @CHK_TRIGGER_MANUAL: someone asked (Job1.Run())
 * @CHK_TRIGGER_CATCH_UP: the one run after runs were missed
 * @CHK_TRIGGER_DEPENDENCY: another job it follows finished
 * @CHK_TRIGGER_RETRY: an earlier run failed and is tried again
 * @CHK_TRIGGER_UNKNOWN: a word this build does not know
 *
 * What started a run. The nicks are the words on the bus.
 */
typedef enum
{
  CHK_TRIGGER_SCHEDULE,
  CHK_TRIGGER_MANUAL,
  CHK_TRIGGER_CATCH_UP,
  CHK_TRIGGER_DEPENDENCY,
  CHK_TRIGGER_RETRY,
  CHK_TRIGGER_UNKNOWN,
} ChkTrigger;

ChkOutcome   chk_outcome_from_string     (const char *text);
const char  *chk_outcome_to_string      (ChkOutcome  outcome);
gboolean     chk_outcome_is_valid_string (const char *text);
gboolean     chk_outcome_is_failure     (ChkOutcome  outcome);
gboolean     chk_outcome_is_finished    (ChkOutcome  outcome);
const char  *chk_outcome_get_title      (ChkOutcome  outcome);

ChkTrigger   chk_trigger_from_string     (const char *text);
const char  *chk_trigger_to_string      (ChkTrigger  trigger);

G_END_DECLS
