/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include "chk-background-request.h"

#include <glib/gi18n.h>
#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#endif

#include "chk-portal.h"

/**
 * ChkBackgroundRequest:
 *
 * In the Flatpak, nothing starts the daemon at login but the Background
 * portal: when the first scheduled job is saved, the app asks it to run
 * `chronikerd` at login, once per app run (the portal asks the user once
 * and remembers). #ChkBackgroundRequest:state says what it answered, for the
 * window to show when jobs will not run after the next login.
 */
struct _ChkBackgroundRequest
{
  GObject             parent_instance;

  ChkBackgroundState  state;
  char               *error;
};

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ChkBackgroundRequest, chk_background_request, G_TYPE_OBJECT)

static void
chk_background_request_finalize (GObject *object)
{
  ChkBackgroundRequest *self = CHK_BACKGROUND_REQUEST (object);

  g_free (self->error);

  G_OBJECT_CLASS (chk_background_request_parent_class)->finalize (object);
}

static void
chk_background_request_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  ChkBackgroundRequest *self = CHK_BACKGROUND_REQUEST (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_background_request_class_init (ChkBackgroundRequestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chk_background_request_finalize;
  object_class->get_property = chk_background_request_get_property;

  /**
   * ChkBackgroundRequest:state:
   *
   * What the portal answered, a #ChkBackgroundState.
   */
  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, CHK_BACKGROUND_NOT_ASKED, CHK_BACKGROUND_REFUSED,
                      CHK_BACKGROUND_NOT_ASKED,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chk_background_request_init (ChkBackgroundRequest *self)
{
}

/**
 * chk_background_request_get_default:
 *
 * Returns: (transfer none): the app's one #ChkBackgroundRequest
 */
ChkBackgroundRequest *
chk_background_request_get_default (void)
{
  static ChkBackgroundRequest *request;

  if (request == NULL)
    request = g_object_new (CHK_TYPE_BACKGROUND_REQUEST, NULL);
  return request;
}

ChkBackgroundState
chk_background_request_get_state (ChkBackgroundRequest *self)
{
  g_return_val_if_fail (CHK_IS_BACKGROUND_REQUEST (self), CHK_BACKGROUND_NOT_ASKED);

  return self->state;
}

/**
 * chk_background_request_get_error:
 * @self: a #ChkBackgroundRequest
 *
 * Returns: (nullable): why the portal refused, untranslated, or %NULL
 */
const char *
chk_background_request_get_error (ChkBackgroundRequest *self)
{
  g_return_val_if_fail (CHK_IS_BACKGROUND_REQUEST (self), NULL);

  return self->error;
}

static void
set_state (ChkBackgroundRequest *self,
           ChkBackgroundState    state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
requested_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ChkBackgroundRequest) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean autostart = FALSE;

  g_clear_pointer (&self->error, g_free);
  if (!chk_portal_request_background_finish (G_DBUS_CONNECTION (object), result, &autostart,
                                             &error))
    {
      g_message ("The Background portal: %s", error->message);
      self->error = g_strdup (error->message);
      set_state (self, CHK_BACKGROUND_REFUSED);
      return;
    }
  set_state (self, autostart ? CHK_BACKGROUND_AUTOSTART : CHK_BACKGROUND_NO_AUTOSTART);
}

/* How the portals name a window: "x11:<xid>"; "" where the app cannot say
 * (Wayland would need an exported handle). */
static char *
parent_window_handle (GtkWindow *parent)
{
#ifdef GDK_WINDOWING_X11
  GdkSurface *surface = parent != NULL ? gtk_native_get_surface (GTK_NATIVE (parent)) : NULL;

  if (surface != NULL && GDK_IS_X11_SURFACE (surface))
    return g_strdup_printf ("x11:%lx", (unsigned long) gdk_x11_surface_get_xid (surface));
#endif
  return g_strdup ("");
}

static gboolean
spec_is_scheduled (GVariant *spec)
{
  const char *schedule = "";
  gboolean enabled = TRUE;

  g_variant_lookup (spec, "schedule", "&s", &schedule);
  g_variant_lookup (spec, "enabled", "b", &enabled);
  return enabled && schedule[0] != '\0';
}

/**
 * chk_background_request_ask:
 * @self: a #ChkBackgroundRequest
 * @connection: the session bus
 * @parent: (nullable): the window asking
 * @autostart: whether the daemon should start at login
 *
 * In a sandbox, asks the Background portal to let the daemon run in the
 * background, and to start it at login or not. The answer comes as
 * #ChkBackgroundRequest:state. Outside a sandbox it does nothing.
 */
void
chk_background_request_ask (ChkBackgroundRequest *self,
                            GDBusConnection      *connection,
                            GtkWindow            *parent,
                            gboolean              autostart)
{
  const char * const commandline[] = { "chronikerd", NULL };
  g_autofree char *handle = NULL;

  g_return_if_fail (CHK_IS_BACKGROUND_REQUEST (self));
  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));

  if (!chk_portal_is_sandboxed () || self->state == CHK_BACKGROUND_ASKING)
    return;

  set_state (self, CHK_BACKGROUND_ASKING);
  handle = parent_window_handle (parent);
  chk_portal_request_background (connection, handle,
                                 _("Chroniker runs your scheduled jobs in the background, "
                                   "from the time you log in"),
                                 autostart ? commandline : NULL, NULL, requested_cb,
                                 g_object_ref (self));
}

/**
 * chk_background_request_job_saved:
 * @self: a #ChkBackgroundRequest
 * @connection: the session bus
 * @parent: (nullable): the window the job was saved from, or its parent
 * @spec: the job's whole spec, as saved (a{sv})
 *
 * A job was saved: if it runs on a schedule, the app is in a sandbox and
 * has not asked yet, asks the Background portal to run the daemon at login.
 */
void
chk_background_request_job_saved (ChkBackgroundRequest *self,
                                  GDBusConnection      *connection,
                                  GtkWindow            *parent,
                                  GVariant             *spec)
{
  g_return_if_fail (CHK_IS_BACKGROUND_REQUEST (self));
  g_return_if_fail (g_variant_is_of_type (spec, G_VARIANT_TYPE_VARDICT));

  if (self->state == CHK_BACKGROUND_NOT_ASKED && spec_is_scheduled (spec))
    chk_background_request_ask (self, connection, parent, TRUE);
}

/**
 * chk_background_request_reset:
 * @self: a #ChkBackgroundRequest
 *
 * Forgets the answer, so that the next scheduled job saved asks again: for
 * "Try Again", and for the tests.
 */
void
chk_background_request_reset (ChkBackgroundRequest *self)
{
  g_return_if_fail (CHK_IS_BACKGROUND_REQUEST (self));

  g_clear_pointer (&self->error, g_free);
  set_state (self, CHK_BACKGROUND_NOT_ASKED);
}
