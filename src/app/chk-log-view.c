/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Placeholder: being written. */
#include "config.h"
#include "chk-log-view.h"
struct _ChkLogView { GtkWidget parent_instance; guint64 run_id; };
G_DEFINE_FINAL_TYPE (ChkLogView, chk_log_view, GTK_TYPE_WIDGET)
static void chk_log_view_class_init (ChkLogViewClass *k) {}
static void chk_log_view_init (ChkLogView *self) {}
GtkWidget *chk_log_view_new (void) { return g_object_new (CHK_TYPE_LOG_VIEW, NULL); }
void chk_log_view_set_run (ChkLogView *self, ChkScheduler1 *scheduler, guint64 run_id) { self->run_id = run_id; }
guint64 chk_log_view_get_run (ChkLogView *self) { return self->run_id; }
