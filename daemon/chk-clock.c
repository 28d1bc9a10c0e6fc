/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-clock"

#include "config.h"

#include "chk-clock.h"

/**
 * ChkClock:
 *
 * The wall clock the engine and its timer read: the real one, or a manual
 * one that tests move by hand, forward as time passes or in a step as when
 * the clock is set, without ever setting the machine's clock.
 *
 * The real clock emits no signals: a #ChkTimer learns of steps of the real
 * clock from its timerfd. A manual clock emits #ChkClock::advanced and
 * #ChkClock::set, which a #ChkTimer on it takes in the timerfd's place.
 */
struct _ChkClock
{
  GObject  parent_instance;

  gboolean manual;
  gint64   now;
};

G_DEFINE_FINAL_TYPE (ChkClock, chk_clock, G_TYPE_OBJECT)

enum {
  ADVANCED,
  SET,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
chk_clock_class_init (ChkClockClass *klass)
{
  /**
   * ChkClock::advanced:
   *
   * Time passed on a manual clock: deadlines up to now are due.
   */
  signals[ADVANCED] = g_signal_new ("advanced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * ChkClock::set:
   *
   * A manual clock was set, forward or back, as settimeofday() or an NTP
   * step sets the real one.
   */
  signals[SET] = g_signal_new ("set", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                               0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
chk_clock_init (ChkClock *self)
{
}

/**
 * chk_clock_new:
 *
 * Returns: (transfer full): the real wall clock
 */
ChkClock *
chk_clock_new (void)
{
  return g_object_new (CHK_TYPE_CLOCK, NULL);
}

/**
 * chk_clock_new_manual:
 * @now: its time, µs since the epoch
 *
 * Returns: (transfer full): a clock that stands still until moved with
 *   chk_clock_advance() or chk_clock_set()
 */
ChkClock *
chk_clock_new_manual (gint64 now)
{
  ChkClock *self = g_object_new (CHK_TYPE_CLOCK, NULL);

  self->manual = TRUE;
  self->now = now;
  return self;
}

/**
 * chk_clock_is_manual:
 * @self: a #ChkClock
 *
 * Returns: whether @self is a manual clock
 */
gboolean
chk_clock_is_manual (ChkClock *self)
{
  g_return_val_if_fail (CHK_IS_CLOCK (self), FALSE);

  return self->manual;
}

/**
 * chk_clock_get_now:
 * @self: a #ChkClock
 *
 * Returns: the time, µs since the epoch, UTC
 */
gint64
chk_clock_get_now (ChkClock *self)
{
  g_return_val_if_fail (CHK_IS_CLOCK (self), g_get_real_time ());

  return self->manual ? self->now : g_get_real_time ();
}

/**
 * chk_clock_advance:
 * @self: a manual #ChkClock
 * @usec: how long passed, in µs
 *
 * Lets time pass on a manual clock.
 */
void
chk_clock_advance (ChkClock *self,
                   gint64    usec)
{
  g_return_if_fail (CHK_IS_CLOCK (self));
  g_return_if_fail (self->manual);
  g_return_if_fail (usec >= 0);

  self->now += usec;
  g_signal_emit (self, signals[ADVANCED], 0);
}

/**
 * chk_clock_set:
 * @self: a manual #ChkClock
 * @now: the new time, µs since the epoch: later or earlier
 *
 * Sets a manual clock, as an NTP step sets the real one.
 */
void
chk_clock_set (ChkClock *self,
               gint64    now)
{
  g_return_if_fail (CHK_IS_CLOCK (self));
  g_return_if_fail (self->manual);

  self->now = now;
  g_signal_emit (self, signals[SET], 0);
}
