/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ChkThrottle:
 * @last: when the throttled thing was last done, µs on the monotonic clock
 * @timer: the timer armed by a call that came too soon, or %NULL
 *
 * Does something at most every so often: see chk_throttle_pass().
 */
typedef struct
{
  gint64   last;
  GSource *timer;
} ChkThrottle;

void     chk_source_clear        (GSource      **source);
GSource *chk_ready_source_new    (void);
GSource *chk_source_attach       (GSource       *source,
                                  GMainContext  *context,
                                  GSourceFunc    func,
                                  gpointer       user_data,
                                  const char    *name);

gboolean chk_throttle_pass       (ChkThrottle   *self,
                                  guint          interval_ms,
                                  gboolean       force,
                                  GMainContext  *context,
                                  GSourceFunc    func,
                                  gpointer       user_data,
                                  const char    *name);
void     chk_throttle_timer_done (ChkThrottle   *self);

G_END_DECLS
