/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-timer"

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "chk-clock.h"
#include "chk-timer.h"

/**
 * ChkTimer:
 *
 * Wakes the scheduler at one wall-clock deadline, and only then: no polling.
 *
 * A timerfd on CLOCK_REALTIME with an absolute deadline fires when the wall
 * clock reaches it, also after a suspend. While a deadline is set,
 * TFD_TIMER_CANCEL_ON_SET wakes it at once when the clock is set
 * (settimeofday, an NTP step); a disarmed timer does not notice. logind's
 * PrepareForSleep tells it of a resume, where there is a system bus. Either
 * way it emits #ChkTimer::clock-changed so that next runs are computed anew,
 * its deadline still set.
 *
 * On a manual #ChkClock (tests) there is no timerfd: the clock's
 * #ChkClock::advanced and #ChkClock::set take its place, and the timer
 * fires or reports the step from an idle callback, as from the main loop
 * the timerfd would.
 */
struct _ChkTimer
{
  GObject          parent_instance;

  ChkClock        *clock;
  guint            manual_idle;
  gboolean         manual_clock_set;

  int              fd;
  guint            fd_source;
  gint64           deadline;

  GCancellable    *cancellable;
  GDBusConnection *system_bus;
  guint            sleep_subscription;
};

G_DEFINE_FINAL_TYPE (ChkTimer, chk_timer, G_TYPE_OBJECT)

enum {
  FIRED,
  CLOCK_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void manual_arm (ChkTimer *self);

static gboolean
manual_idle_cb (gpointer user_data)
{
  ChkTimer *self = user_data;

  self->manual_idle = 0;

  if (self->manual_clock_set)
    {
      self->manual_clock_set = FALSE;
      g_signal_emit (self, signals[CLOCK_CHANGED], 0);
      /* As the timerfd is re-armed after a step: a deadline that is past
       * fires next, also one that a handler set again unchanged (which
       * arms nothing). */
      manual_arm (self);
    }
  else if (self->deadline > 0 && self->deadline <= chk_clock_get_now (self->clock))
    {
      self->deadline = 0;
      g_signal_emit (self, signals[FIRED], 0);
    }

  return G_SOURCE_REMOVE;
}

static void
manual_arm (ChkTimer *self)
{
  gboolean due = self->deadline > 0 && self->deadline <= chk_clock_get_now (self->clock);

  if ((due || self->manual_clock_set) && self->manual_idle == 0)
    self->manual_idle = g_idle_add (manual_idle_cb, self);
}

static void
clock_advanced_cb (ChkClock *clock,
                   ChkTimer *self)
{
  manual_arm (self);
}

static void
clock_set_cb (ChkClock *clock,
              ChkTimer *self)
{
  self->manual_clock_set = TRUE;
  manual_arm (self);
}

static void
chk_timer_arm (ChkTimer *self)
{
  struct itimerspec spec = { 0 };
  int flags = TFD_TIMER_ABSTIME;

  if (self->fd < 0)
    {
      manual_arm (self);
      return;
    }

  if (self->deadline > 0)
    {
      /* A deadline in the past fires at once; 0 would disarm. */
      gint64 deadline = MAX (self->deadline, 1);

      spec.it_value.tv_sec = deadline / G_USEC_PER_SEC;
      spec.it_value.tv_nsec = (deadline % G_USEC_PER_SEC) * 1000;
      flags |= TFD_TIMER_CANCEL_ON_SET;
    }

  if (timerfd_settime (self->fd, flags, &spec, NULL) != 0)
    g_warning ("Could not set the timer: %s", g_strerror (errno));
}

static gboolean
chk_timer_fd_cb (int          fd,
                 GIOCondition condition,
                 gpointer     user_data)
{
  ChkTimer *self = user_data;
  guint64 expirations;
  gssize n;

  n = read (fd, &expirations, sizeof expirations);
  if (n < 0 && errno == ECANCELED)
    {
      g_debug ("The wall clock was set");
      /* Re-arm first: a handler may well set the same deadline again. */
      chk_timer_arm (self);
      g_signal_emit (self, signals[CLOCK_CHANGED], 0);
      return G_SOURCE_CONTINUE;
    }

  if (n < 0)
    {
      if (errno != EAGAIN && errno != EINTR)
        g_warning ("Could not read the timer: %s", g_strerror (errno));
      return G_SOURCE_CONTINUE;
    }

  self->deadline = 0;
  g_signal_emit (self, signals[FIRED], 0);
  return G_SOURCE_CONTINUE;
}

static void
prepare_for_sleep_cb (GDBusConnection *connection,
                      const char      *sender_name,
                      const char      *object_path,
                      const char      *interface_name,
                      const char      *signal_name,
                      GVariant        *parameters,
                      gpointer         user_data)
{
  ChkTimer *self = user_data;
  gboolean going_to_sleep;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(b)")))
    return;

  g_variant_get (parameters, "(b)", &going_to_sleep);
  if (!going_to_sleep)
    {
      g_debug ("Resumed from suspend");
      g_signal_emit (self, signals[CLOCK_CHANGED], 0);
    }
}

static void
system_bus_ready_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(ChkTimer) self = user_data;
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus;

  bus = g_bus_get_finish (result, &error);
  if (bus == NULL)
    {
      /* Containers and CI have no system bus: the timerfd alone still works. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No system bus, so no suspend notifications: %s", error->message);
      return;
    }

  self->system_bus = bus;
  self->sleep_subscription =
    g_dbus_connection_signal_subscribe (bus,
                                        "org.freedesktop.login1",
                                        "org.freedesktop.login1.Manager",
                                        "PrepareForSleep",
                                        "/org/freedesktop/login1",
                                        NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE,
                                        prepare_for_sleep_cb,
                                        self,
                                        NULL);
}

static void
chk_timer_dispose (GObject *object)
{
  ChkTimer *self = CHK_TIMER (object);

  g_cancellable_cancel (self->cancellable);
  if (self->system_bus != NULL && self->sleep_subscription != 0)
    g_dbus_connection_signal_unsubscribe (self->system_bus, self->sleep_subscription);
  self->sleep_subscription = 0;
  g_clear_object (&self->system_bus);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->fd_source, g_source_remove);
  g_clear_handle_id (&self->manual_idle, g_source_remove);
  if (self->clock != NULL)
    g_signal_handlers_disconnect_by_data (self->clock, self);
  g_clear_object (&self->clock);

  G_OBJECT_CLASS (chk_timer_parent_class)->dispose (object);
}

static void
chk_timer_finalize (GObject *object)
{
  ChkTimer *self = CHK_TIMER (object);

  if (self->fd >= 0)
    close (self->fd);

  G_OBJECT_CLASS (chk_timer_parent_class)->finalize (object);
}

static void
chk_timer_class_init (ChkTimerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chk_timer_dispose;
  object_class->finalize = chk_timer_finalize;

  /**
   * ChkTimer::fired:
   *
   * The deadline came. The timer is disarmed until a new deadline is set.
   */
  signals[FIRED] = g_signal_new ("fired", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * ChkTimer::clock-changed:
   *
   * The wall clock was set, or the machine resumed from suspend.
   */
  signals[CLOCK_CHANGED] = g_signal_new ("clock-changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 0);
}

static void
chk_timer_init (ChkTimer *self)
{
  self->cancellable = g_cancellable_new ();
  self->fd = -1;
}

/**
 * chk_timer_new:
 * @clock: the wall clock to follow
 *
 * Returns: (transfer full): a disarmed timer
 */
ChkTimer *
chk_timer_new (ChkClock *clock)
{
  g_autoptr(ChkTimer) self = NULL;

  g_return_val_if_fail (CHK_IS_CLOCK (clock), NULL);

  self = g_object_new (CHK_TYPE_TIMER, NULL);
  self->clock = g_object_ref (clock);

  if (chk_clock_is_manual (clock))
    {
      g_signal_connect (clock, "advanced", G_CALLBACK (clock_advanced_cb), self);
      g_signal_connect (clock, "set", G_CALLBACK (clock_set_cb), self);
      return g_steal_pointer (&self);
    }

  self->fd = timerfd_create (CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
  if (self->fd < 0)
    g_error ("Could not create a timer: %s", g_strerror (errno));

  self->fd_source = g_unix_fd_add (self->fd, G_IO_IN, chk_timer_fd_cb, self);

  g_bus_get (G_BUS_TYPE_SYSTEM, self->cancellable, system_bus_ready_cb, g_object_ref (self));
  return g_steal_pointer (&self);
}

/**
 * chk_timer_set_deadline:
 * @self: a #ChkTimer
 * @deadline: when to fire, µs since the epoch on the wall clock, or 0 to disarm
 *
 * Sets the one deadline of the timer, replacing any other.
 */
void
chk_timer_set_deadline (ChkTimer *self,
                        gint64    deadline)
{
  g_return_if_fail (CHK_IS_TIMER (self));
  g_return_if_fail (deadline >= 0);

  if (deadline == self->deadline)
    return;

  self->deadline = deadline;
  chk_timer_arm (self);
}

/**
 * chk_timer_get_deadline:
 * @self: a #ChkTimer
 *
 * Returns: the deadline, or 0 when disarmed
 */
gint64
chk_timer_get_deadline (ChkTimer *self)
{
  g_return_val_if_fail (CHK_IS_TIMER (self), 0);

  return self->deadline;
}
