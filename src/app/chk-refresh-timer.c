/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include "chk-refresh-timer.h"

/* Wake this long after a change is due, so that the clock has passed it. */
#define SLACK_MS 5

/**
 * ChkRefreshTimer:
 *
 * Redraws a widget's relative times ("in 40 s", "2 min ago") when they
 * change, and only then: its #ChkRefreshFunc says when the next one
 * changes, and the timer wakes at that moment (each second for times under
 * a minute away, each minute under an hour, …, counted from the times
 * themselves), never on a fixed beat that would show "in 40 s" with 18 s
 * left.
 *
 * It never wakes while the widget is not on screen: not mapped, or its
 * window minimized or hidden. When it comes back, it redraws at once.
 */
struct _ChkRefreshTimer
{
  GObject         parent_instance;

  GtkWidget      *widget;    /* weak */
  ChkRefreshFunc  func;
  gpointer        user_data;
  GdkSurface     *surface;   /* whose state says minimized */
  gulong          map_id;
  gulong          unmap_id;
  gulong          state_id;
  gulong          mapped_id;
  guint           source;
  guint           idle;
  guint           n_refreshes;
  gboolean        stopped;
};

G_DEFINE_FINAL_TYPE (ChkRefreshTimer, chk_refresh_timer, G_TYPE_OBJECT)

static gboolean
is_shown (ChkRefreshTimer *self)
{
  if (self->stopped || self->widget == NULL || !gtk_widget_get_mapped (self->widget))
    return FALSE;
  if (self->surface == NULL || !gdk_surface_get_mapped (self->surface))
    return FALSE;
  if (GDK_IS_TOPLEVEL (self->surface) &&
      (gdk_toplevel_get_state (GDK_TOPLEVEL (self->surface)) & GDK_TOPLEVEL_STATE_MINIMIZED) != 0)
    return FALSE;
  return TRUE;
}

static void refresh (ChkRefreshTimer *self);

static gboolean
timeout_cb (gpointer user_data)
{
  ChkRefreshTimer *self = user_data;

  self->source = 0;
  refresh (self);
  return G_SOURCE_REMOVE;
}

static gboolean
idle_cb (gpointer user_data)
{
  ChkRefreshTimer *self = user_data;

  self->idle = 0;
  refresh (self);
  return G_SOURCE_REMOVE;
}

static void
refresh (ChkRefreshTimer *self)
{
  gint64 now = g_get_real_time ();
  gint64 next;
  gint64 delay_ms;

  g_clear_handle_id (&self->source, g_source_remove);
  if (!is_shown (self))
    return;

  self->n_refreshes++;
  next = self->func (now, self->user_data);
  if (next == G_MAXINT64 || !is_shown (self))
    return;

  /* Up to the change (rounded up to a ms), and a hair after it */
  delay_ms = (MAX (next - now, 0) + 999) / 1000 + SLACK_MS;
  self->source = g_timeout_add ((guint) MIN (delay_ms, G_MAXINT), timeout_cb, self);
}

static void
disconnect_surface (ChkRefreshTimer *self)
{
  if (self->surface == NULL)
    return;
  g_clear_signal_handler (&self->state_id, self->surface);
  g_clear_signal_handler (&self->mapped_id, self->surface);
  g_clear_object (&self->surface);
}

static void
surface_changed_cb (GdkSurface      *surface,
                    GParamSpec      *pspec,
                    ChkRefreshTimer *self)
{
  /* Back on screen: at once; gone: no more wake-ups */
  if (is_shown (self))
    chk_refresh_timer_queue (self);
  else
    g_clear_handle_id (&self->source, g_source_remove);
}

static void
widget_map_cb (GtkWidget       *widget,
               ChkRefreshTimer *self)
{
  GtkNative *native = gtk_widget_get_native (widget);
  GdkSurface *surface = native != NULL ? gtk_native_get_surface (native) : NULL;

  if (surface != self->surface)
    {
      disconnect_surface (self);
      if (surface != NULL)
        {
          self->surface = g_object_ref (surface);
          self->state_id = g_signal_connect (surface, "notify::state", G_CALLBACK (surface_changed_cb), self);
          self->mapped_id = g_signal_connect (surface, "notify::mapped", G_CALLBACK (surface_changed_cb), self);
        }
    }
  chk_refresh_timer_queue (self);
}

static void
widget_unmap_cb (GtkWidget       *widget,
                 ChkRefreshTimer *self)
{
  g_clear_handle_id (&self->source, g_source_remove);
  g_clear_handle_id (&self->idle, g_source_remove);
}

static void
disconnect_widget (ChkRefreshTimer *self)
{
  if (self->widget == NULL)
    return;
  g_clear_signal_handler (&self->map_id, self->widget);
  g_clear_signal_handler (&self->unmap_id, self->widget);
  g_object_remove_weak_pointer (G_OBJECT (self->widget), (gpointer *) &self->widget);
  self->widget = NULL;
}

static void
chk_refresh_timer_dispose (GObject *object)
{
  ChkRefreshTimer *self = CHK_REFRESH_TIMER (object);

  g_clear_handle_id (&self->source, g_source_remove);
  g_clear_handle_id (&self->idle, g_source_remove);
  disconnect_surface (self);
  disconnect_widget (self);

  G_OBJECT_CLASS (chk_refresh_timer_parent_class)->dispose (object);
}

static void
chk_refresh_timer_class_init (ChkRefreshTimerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chk_refresh_timer_dispose;
}

static void
chk_refresh_timer_init (ChkRefreshTimer *self)
{
}

/**
 * chk_refresh_timer_new:
 * @widget: the widget whose relative times to redraw
 * @func: redraws them, and says when to again
 * @user_data: for @func
 *
 * Returns: (transfer full): a timer that calls @func whenever @widget comes
 *   on screen and then whenever @func said, while it stays on screen
 */
ChkRefreshTimer *
chk_refresh_timer_new (GtkWidget      *widget,
                       ChkRefreshFunc  func,
                       gpointer        user_data)
{
  ChkRefreshTimer *self;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), NULL);
  g_return_val_if_fail (func != NULL, NULL);

  self = g_object_new (CHK_TYPE_REFRESH_TIMER, NULL);
  self->widget = widget;
  g_object_add_weak_pointer (G_OBJECT (widget), (gpointer *) &self->widget);
  self->func = func;
  self->user_data = user_data;
  self->map_id = g_signal_connect (widget, "map", G_CALLBACK (widget_map_cb), self);
  self->unmap_id = g_signal_connect (widget, "unmap", G_CALLBACK (widget_unmap_cb), self);
  if (gtk_widget_get_mapped (widget))
    widget_map_cb (widget, self);
  return self;
}

/**
 * chk_refresh_timer_queue:
 * @self: a #ChkRefreshTimer
 *
 * Redraws soon (in an idle) and plans the next wake-up again: for when the
 * times shown changed (a new run, another job), or the timer was stopped.
 */
void
chk_refresh_timer_queue (ChkRefreshTimer *self)
{
  g_return_if_fail (CHK_IS_REFRESH_TIMER (self));

  self->stopped = FALSE;
  /* Ahead of GTK's layout and drawing (GDK_PRIORITY_REDRAW): what @func
   * sets shows in the coming frame, and a widget that draws every frame
   * (a spinner) on a machine too slow to draw one in its time cannot starve
   * it, as it did a G_PRIORITY_DEFAULT_IDLE idle. */
  if (self->idle == 0 && is_shown (self))
    self->idle = g_idle_add_full (G_PRIORITY_HIGH_IDLE, idle_cb, self, NULL);
}

/**
 * chk_refresh_timer_stop:
 * @self: a #ChkRefreshTimer
 *
 * No more wake-ups until chk_refresh_timer_queue(): nothing is shown.
 */
void
chk_refresh_timer_stop (ChkRefreshTimer *self)
{
  g_return_if_fail (CHK_IS_REFRESH_TIMER (self));

  self->stopped = TRUE;
  g_clear_handle_id (&self->source, g_source_remove);
  g_clear_handle_id (&self->idle, g_source_remove);
}

/**
 * chk_refresh_timer_is_active:
 * @self: a #ChkRefreshTimer
 *
 * Returns: whether a wake-up is planned
 */
gboolean
chk_refresh_timer_is_active (ChkRefreshTimer *self)
{
  g_return_val_if_fail (CHK_IS_REFRESH_TIMER (self), FALSE);
  return self->source != 0 || self->idle != 0;
}

/**
 * chk_refresh_timer_get_n_refreshes:
 * @self: a #ChkRefreshTimer
 *
 * Returns: how many times it redrew, for tests
 */
guint
chk_refresh_timer_get_n_refreshes (ChkRefreshTimer *self)
{
  g_return_val_if_fail (CHK_IS_REFRESH_TIMER (self), 0);
  return self->n_refreshes;
}
