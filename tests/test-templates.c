/* SPDX-License-Identifier: GPL-3.0-or-later */

/*
 * Builds every widget whose .ui template ships in the app: a broken
 * template (unknown type, property, signal handler or child) is a critical
 * from GTK, fatal here. gtk4-builder-tool cannot check these templates: it
 * knows neither libadwaita's types as parents nor our signal handlers.
 */

#include "config.h"

#include <adwaita.h>

#include "chk-argv-editor.h"
#include "chk-banner.h"
#include "chk-environment-editor.h"
#include "chk-history-view.h"
#include "chk-hosts-window.h"
#include "chk-job-editor.h"
#include "chk-job-list-group.h"
#include "chk-job-page.h"
#include "chk-job-row.h"
#include "chk-log-view.h"
#include "chk-monitor-row.h"
#include "chk-monitors-view.h"
#include "chk-preferences-window.h"
#include "chk-resources.h"
#include "chk-run-row.h"
#include "chk-schedule-builder.h"
#include "chk-window.h"

static void
test_template (gconstpointer data)
{
  GType type = ((GType (*) (void)) data) ();
  GObject *object;

  object = g_object_new (type, NULL);
  g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (object, type));
  if (GTK_IS_WINDOW (object))
    gtk_window_destroy (GTK_WINDOW (object));
  else
    g_object_unref (g_object_ref_sink (object));
}

static void
test_job_editor (void)
{
  g_autoptr(ChkJobModel) model = chk_job_model_new ();
  ChkJobEditor *editor = chk_job_editor_new (NULL, model, NULL, FALSE);

  g_assert_true (CHK_IS_JOB_EDITOR (editor));
  gtk_window_destroy (GTK_WINDOW (editor));
}

/* Nobody owns its name: the windows' first calls fail, which they must take. */
static ChkScheduler1 *
nobody_scheduler (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  ChkScheduler1 *scheduler;

  g_assert_no_error (error);
  scheduler = chk_scheduler1_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START |
                                                  G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                             "io.github.chroniker.Chroniker.Test.Nobody",
                                             "/io/github/chroniker/Chroniker/Scheduler", NULL, &error);
  g_assert_no_error (error);
  return scheduler;
}

static void
test_preferences_window (void)
{
  g_autoptr(ChkScheduler1) scheduler = nobody_scheduler ();
  ChkPreferencesWindow *window;

  window = chk_preferences_window_new (NULL, scheduler);
  g_assert_true (CHK_IS_PREFERENCES_WINDOW (window));
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_hosts_window (void)
{
  g_autoptr(ChkScheduler1) scheduler = nobody_scheduler ();
  ChkHostsWindow *window;

  window = chk_hosts_window_new (NULL, scheduler);
  g_assert_true (CHK_IS_HOSTS_WINDOW (window));
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_help_overlay (void)
{
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource ("/io/github/chroniker/Chroniker/gtk/help-overlay.ui");

  g_assert_nonnull (gtk_builder_get_object (builder, "help_overlay"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();
  chk_app_register_resource ();

  g_test_add_data_func ("/templates/window", chk_window_get_type, test_template);
  g_test_add_data_func ("/templates/banner", chk_banner_get_type, test_template);
  g_test_add_data_func ("/templates/argv-editor", chk_argv_editor_get_type, test_template);
  g_test_add_data_func ("/templates/environment-editor", chk_environment_editor_get_type, test_template);
  g_test_add_data_func ("/templates/history-view", chk_history_view_get_type, test_template);
  g_test_add_data_func ("/templates/job-list-group", chk_job_list_group_get_type, test_template);
  g_test_add_data_func ("/templates/job-row", chk_job_row_get_type, test_template);
  g_test_add_data_func ("/templates/job-page", chk_job_page_get_type, test_template);
  g_test_add_data_func ("/templates/log-view", chk_log_view_get_type, test_template);
  g_test_add_data_func ("/templates/monitor-row", chk_monitor_row_get_type, test_template);
  g_test_add_data_func ("/templates/monitors-view", chk_monitors_view_get_type, test_template);
  g_test_add_data_func ("/templates/run-row", chk_run_row_get_type, test_template);
  g_test_add_data_func ("/templates/schedule-builder", chk_schedule_builder_get_type, test_template);
  g_test_add_func ("/templates/job-editor", test_job_editor);
  g_test_add_func ("/templates/preferences-window", test_preferences_window);
  g_test_add_func ("/templates/hosts-window", test_hosts_window);
  g_test_add_func ("/templates/help-overlay", test_help_overlay);

  return g_test_run ();
}
