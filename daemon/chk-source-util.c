/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-source-util"

#include "config.h"

#include "chk-source-util.h"

/**
 * chk_source_clear:
 * @source: (inout) (nullable): where a source attached to some context is
 *   kept, with a reference
 *
 * Destroys the source in @source, if any, drops the reference and sets it
 * to %NULL. The runner and its parts attach their sources to the run's
 * context, where g_source_remove() cannot find them by id.
 */
void
chk_source_clear (GSource **source)
{
  if (*source == NULL)
    return;

  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

/**
 * chk_throttle_ms_left:
 * @since: when the throttled thing was last done, µs on the monotonic clock
 * @interval_ms: how far apart it may be done at most
 *
 * How long something done at most every @interval_ms has to wait before it
 * may be done again, rounded up to a whole millisecond so that a timer armed
 * for it does not fire early.
 *
 * Returns: the milliseconds left, or 0 when it may be done now
 */
guint
chk_throttle_ms_left (gint64 since,
                      guint  interval_ms)
{
  gint64 elapsed = g_get_monotonic_time () - since;
  gint64 interval = (gint64) interval_ms * 1000;

  if (elapsed >= interval)
    return 0;

  return (guint) MAX ((interval - elapsed + 999) / 1000, 1);
}
