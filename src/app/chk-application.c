/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>

#include "chk-application.h"
#include "chk-job-editor.h"
#include "chk-job-model.h"
#include "chk-preferences-window.h"
#include "chk-resources.h"
#include "chk-window.h"

/**
 * ChkApplication:
 *
 * The Chroniker app: one window over one #ChkJobModel, the app-wide
 * actions (preferences, help, about, quit) and `app.show-run`, which the
 * daemon's notifications activate to open a run's output.
 *
 * It is D-Bus activatable: started by the bus as `chroniker
 * --gapplication-service`, it opens no window until it is asked to, by
 * org.freedesktop.Application's Activate or ActivateAction.
 */
struct _ChkApplication
{
  AdwApplication  parent_instance;

  ChkJobModel    *model;         /* My Jobs: the session's chronikerd */
  ChkJobModel    *system_model;  /* System Jobs: chronikerd --system, once asked for */
};

G_DEFINE_FINAL_TYPE (ChkApplication, chk_application, ADW_TYPE_APPLICATION)

/* The window of @model's jobs; the job editor is one of the app's windows too. */
static ChkWindow *
get_window_for (ChkApplication *self,
                ChkJobModel    *model)
{
  GtkWindow *window = NULL;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      if (CHK_IS_WINDOW (l->data) && chk_window_get_model (l->data) == model)
        {
          window = l->data;
          break;
        }
    }

  if (window == NULL)
    {
      window = GTK_WINDOW (chk_window_new (ADW_APPLICATION (self), model));
      if (chk_job_model_get_state (model) != CHK_JOB_MODEL_READY &&
          chk_job_model_get_state (model) != CHK_JOB_MODEL_LOADING)
        chk_job_model_connect (model);
    }
  return CHK_WINDOW (window);
}

/* The main window: My Jobs */
static ChkWindow *
get_window (ChkApplication *self)
{
  return get_window_for (self, self->model);
}

static void
chk_application_activate (GApplication *application)
{
  gtk_window_present (GTK_WINDOW (get_window (CHK_APPLICATION (application))));
}

static void quit_action (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data);

static void
editor_closed_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ChkApplication) self = user_data;

  /* Closed: on with quitting (and any other editor); kept: no quitting. */
  if (chk_job_editor_close_finish (CHK_JOB_EDITOR (object), result, NULL))
    quit_action (NULL, NULL, self);
}

/* From Ctrl+Q, and from the desktop (the app's menu in the shell): an
 * editor's unsaved changes go only when the user says so. */
static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  ChkApplication *self = user_data;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      if (CHK_IS_JOB_EDITOR (l->data))
        {
          chk_job_editor_close_async (l->data, NULL, editor_closed_cb, g_object_ref (self));
          return;
        }
    }
  g_application_quit (G_APPLICATION (self));
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  ChkApplication *self = user_data;
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (self));
  ChkWindow *window;
  ChkScheduler1 *scheduler;
  GtkWindow *preferences;

  /* The settings of the jobs the window shows: from System Jobs, the
   * system scheduler's, never the session's instead. */
  if (active != NULL && !CHK_IS_WINDOW (active))
    active = gtk_window_get_transient_for (active);
  window = active != NULL && CHK_IS_WINDOW (active) ? CHK_WINDOW (active) : get_window (self);
  scheduler = chk_job_model_get_scheduler (chk_window_get_model (window));
  if (scheduler == NULL)
    return;

  preferences = GTK_WINDOW (chk_preferences_window_new (GTK_WINDOW (window), scheduler));
  if (chk_job_model_is_system (chk_window_get_model (window)))
    gtk_window_set_title (preferences, _("System Jobs Preferences"));
  gtk_window_present (preferences);
}

/* What gnome.yelp() installs the help as (help/meson.build): its folder
 * share/help/LANG/APPLICATION_ID is what a help: URI names. */
#define HELP_URI "help:" APPLICATION_ID
/* The help viewer's package, named so on Debian, Ubuntu and Fedora alike. */
#define HELP_VIEWER_PACKAGE "yelp"

/* GIO's answers when nothing handles help: URIs ("Operation not
 * supported", or no application for the type). */
static gboolean
is_no_help_viewer (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

static void
help_launched_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ChkWindow) window = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  const char *heading;
  GtkWidget *dialog;

  if (gtk_show_uri_full_finish (GTK_WINDOW (object), result, &error) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (is_no_help_viewer (error))
    {
      heading = _("No Help Viewer");
      /* Translators: %s is the name of a package, "yelp" */
      body = g_strdup_printf (_("Reading the help needs a help viewer. Install the “%s” "
                                "package with your system’s software manager, then "
                                "try again."),
                              HELP_VIEWER_PACKAGE);
    }
  else
    {
      heading = _("Could Not Open the Help");
      body = g_strdup (error->message);
    }
  g_debug ("Could not open %s: %s", HELP_URI, error->message);

  dialog = adw_message_dialog_new (GTK_WINDOW (window), heading, body);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
help_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  ChkWindow *window = get_window (CHK_APPLICATION (user_data));

  /* GTK 4.8 exports the parent's surface for the viewer, and crashes on a
   * window not realized yet (the action activated over D-Bus, no window). */
  gtk_window_present (GTK_WINDOW (window));
  gtk_show_uri_full (GTK_WINDOW (window), HELP_URI, GDK_CURRENT_TIME, NULL,
                     help_launched_cb, g_object_ref (window));
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  ChkWindow *window = get_window (CHK_APPLICATION (user_data));
  const char *developers[] = { _("The Chroniker developers"), NULL };

  adw_show_about_window (GTK_WINDOW (window),
                         "application-name", _("Chroniker"),
                         "application-icon", APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Schedule and watch your recurring jobs"),
                         "developer-name", _("The Chroniker developers"),
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
show_run_action (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  ChkWindow *window = get_window (CHK_APPLICATION (user_data));

  gtk_window_present (GTK_WINDOW (window));
  chk_window_show_run (window, g_variant_get_uint64 (parameter));
}

static void
my_jobs_action (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  gtk_window_present (GTK_WINDOW (get_window (CHK_APPLICATION (user_data))));
}

/* A window of its own for the system's jobs, which says so */
static void
system_jobs_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  ChkApplication *self = CHK_APPLICATION (user_data);

  if (self->system_model == NULL)
    self->system_model = chk_job_model_new_for_system ();
  gtk_window_present (GTK_WINDOW (get_window_for (self, self->system_model)));
}

static void
chk_application_startup (GApplication *application)
{
  ChkApplication *self = CHK_APPLICATION (application);
  const GActionEntry entries[] = {
    { "quit", quit_action, NULL, NULL, NULL },
    { "preferences", preferences_action, NULL, NULL, NULL },
    { "help", help_action, NULL, NULL, NULL },
    { "about", about_action, NULL, NULL, NULL },
    { "show-run", show_run_action, "t", NULL, NULL },
    { "my-jobs", my_jobs_action, NULL, NULL, NULL },
    { "system-jobs", system_jobs_action, NULL, NULL, NULL },
  };
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *preferences_accels[] = { "<Control>comma", NULL };
  const char *help_accels[] = { "F1", NULL };

  /* Once per process (the tests register it too): a static resource
   * registered twice makes GIO's list of them a loop. */
  if (!g_resources_get_info ("/io/github/chroniker/Chroniker/chk-window.ui",
                             G_RESOURCE_LOOKUP_FLAGS_NONE, NULL, NULL, NULL))
    chk_app_register_resource ();

  G_APPLICATION_CLASS (chk_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.help", help_accels);

  self->model = chk_job_model_new ();
}

static void
chk_application_shutdown (GApplication *application)
{
  ChkApplication *self = CHK_APPLICATION (application);

  G_APPLICATION_CLASS (chk_application_parent_class)->shutdown (application);
  g_clear_object (&self->model);
  g_clear_object (&self->system_model);
}

static void
chk_application_dispose (GObject *object)
{
  ChkApplication *self = CHK_APPLICATION (object);

  /* Also when it never ran (registered only, as the tests do) */
  g_clear_object (&self->model);
  g_clear_object (&self->system_model);

  G_OBJECT_CLASS (chk_application_parent_class)->dispose (object);
}

static void
chk_application_class_init (ChkApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = chk_application_dispose;

  application_class->activate = chk_application_activate;
  application_class->startup = chk_application_startup;
  application_class->shutdown = chk_application_shutdown;
}

static void
chk_application_init (ChkApplication *self)
{
}

ChkApplication *
chk_application_new (void)
{
  return g_object_new (CHK_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/chroniker/Chroniker",
                       NULL);
}
