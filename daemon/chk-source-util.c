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

static gboolean
chk_ready_source_dispatch (GSource     *source,
                           GSourceFunc  callback,
                           gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs chk_ready_source_funcs = {
  .dispatch = chk_ready_source_dispatch,
};

/**
 * chk_ready_source_new:
 *
 * Makes a source that only its ready time wakes
 * (g_source_set_ready_time(); 0 for the next iteration, -1 for never):
 * one that another thread, or a file descriptor added to it, makes ready.
 *
 * Returns: (transfer full): the source, not attached
 */
GSource *
chk_ready_source_new (void)
{
  GSource *source = g_source_new (&chk_ready_source_funcs, sizeof (GSource));

  g_source_set_ready_time (source, -1);
  return source;
}

/**
 * chk_source_attach:
 * @source: (transfer none): a new source
 * @context: (nullable): the context to attach it to; %NULL for the default one
 * @func: its callback
 * @user_data: data for @func, which the source does not hold
 * @name: its name, a string that lives for ever
 *
 * Sets up @source to call @func and attaches it to @context.
 *
 * Returns: (transfer none): @source, for the caller's reference
 */
GSource *
chk_source_attach (GSource      *source,
                   GMainContext *context,
                   GSourceFunc   func,
                   gpointer      user_data,
                   const char   *name)
{
  g_return_val_if_fail (source != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  g_source_set_callback (source, func, user_data, NULL);
  g_source_set_static_name (source, name);
  g_source_attach (source, context);

  return source;
}

/* How long something done at most every @interval_ms has to wait before it
 * may be done again, rounded up to a whole millisecond so that a timer armed
 * for it does not fire early: 0 when it may be done now.
 */
static guint
chk_throttle_ms_left (gint64 since,
                      guint  interval_ms)
{
  gint64 elapsed = g_get_monotonic_time () - since;
  gint64 interval = (gint64) interval_ms * 1000;

  if (elapsed >= interval)
    return 0;

  return (guint) MAX ((interval - elapsed + 999) / 1000, 1);
}

/**
 * chk_throttle_pass:
 * @self: a #ChkThrottle, zeroed at first
 * @interval_ms: how far apart the thing may be done at most
 * @force: whether to do it now all the same
 * @context: the main context for the timer
 * @func: the timer's callback, which calls chk_throttle_timer_done() and
 *   tries again
 * @user_data: data for @func
 *
 * Tells whether the thing may be done now. If so, it counts as done now and
 * a timer armed before is stopped. If not, the call came too soon after the
 * last: a timer is armed, unless one is already, to run @func when it may.
 *
 * Returns: %TRUE when the caller is to do it now
 */
gboolean
chk_throttle_pass (ChkThrottle  *self,
                   guint         interval_ms,
                   gboolean      force,
                   GMainContext *context,
                   GSourceFunc   func,
                   gpointer      user_data,
                   const char   *name)
{
  guint left = chk_throttle_ms_left (self->last, interval_ms);

  if (!force && left > 0)
    {
      if (self->timer == NULL)
        {
          self->timer = chk_source_attach (g_timeout_source_new (left), context,
                                           func, user_data, name);
        }
      return FALSE;
    }

  chk_source_clear (&self->timer);
  self->last = g_get_monotonic_time ();
  return TRUE;
}

/**
 * chk_throttle_timer_done:
 * @self: a #ChkThrottle
 *
 * Lets go of the timer, from its callback, which then returns
 * %G_SOURCE_REMOVE.
 */
void
chk_throttle_timer_done (ChkThrottle *self)
{
  g_clear_pointer (&self->timer, g_source_unref);
}
