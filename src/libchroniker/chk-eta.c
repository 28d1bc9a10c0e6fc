/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-eta"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "chk-duration.h"
#include "chk-eta.h"

/* Before this much of a run has gone by, one part done says too little. */
#define MIN_ELAPSED_USEC (2 * G_USEC_PER_SEC)
/* Ten years: more is no estimate. */
#define MAX_ESTIMATE_SECONDS (G_GUINT64_CONSTANT (10) * 366 * 24 * 3600)

/**
 * chk_eta_estimate:
 * @started: when the run started, µs since the epoch (the run record's
 *   `started`, the job's `LastRunStarted`)
 * @now: now, µs since the epoch
 * @complete: parts done, as the run last reported
 * @total: parts in all
 * @out_seconds: (out): the time the run still needs, in seconds
 *
 * The one estimate of how long a run still needs that the app's list, its
 * job page and `chronikerctl run --wait` all show: the parts left at the
 * pace so far, from the run's start. It is a function of the run's record
 * and the clock only, so that every client says the same at the same time.
 *
 * Returns: %TRUE with an estimate; %FALSE when there is none yet (nothing
 *   done, all done, no total, or under two seconds in)
 */
gboolean
chk_eta_estimate (gint64   started,
                  gint64   now,
                  guint    complete,
                  guint    total,
                  guint64 *out_seconds)
{
  double remaining;

  g_return_val_if_fail (out_seconds != NULL, FALSE);

  if (started <= 0 || total == 0 || complete == 0 || complete >= total ||
      now - started < MIN_ELAPSED_USEC)
    return FALSE;

  /* In floating point: µs times parts overflows 64 bits within a year. */
  remaining = (double) (now - started) / G_USEC_PER_SEC * (double) (total - complete) / complete;
  if (remaining > MAX_ESTIMATE_SECONDS)
    return FALSE;

  *out_seconds = (guint64) ceil (remaining);
  return TRUE;
}

/**
 * chk_eta_round:
 * @seconds: an estimate
 *
 * Rounds an estimate to what it can claim, so that it does not flicker
 * with every second: up to the next 5 s under a minute, to the minute
 * under an hour, to 5 min under a day, else to the hour.
 *
 * Returns: the rounded estimate, at least 5 s
 */
guint64
chk_eta_round (guint64 seconds)
{
  if (seconds < 60)
    return MAX (5, (seconds + 4) / 5 * 5);
  if (seconds < 3600)
    return MAX (60, (seconds + 30) / 60 * 60);
  if (seconds < 24 * 3600)
    return (seconds + 150) / 300 * 300;
  return (seconds + 1800) / 3600 * 3600;
}

/**
 * chk_eta_format:
 * @started: when the run started, µs since the epoch
 * @now: now, µs since the epoch
 * @complete: parts done
 * @total: parts in all
 *
 * Returns: (transfer full) (nullable): "about 2 min left", or %NULL when
 *   there is no estimate (see chk_eta_estimate())
 */
char *
chk_eta_format (gint64 started,
                gint64 now,
                guint  complete,
                guint  total)
{
  g_autofree char *duration = NULL;
  guint64 seconds;

  if (!chk_eta_estimate (started, now, complete, total, &seconds))
    return NULL;

  duration = chk_duration_format (chk_eta_round (seconds));
  /* Translators: the time a running job still needs, e.g. "about 2 min left" */
  return g_strdup_printf (_("about %s left"), duration);
}
