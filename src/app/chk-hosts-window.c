/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>

#include "chk-app-format.h"
#include "chk-duration.h"
#include "chk-error.h"
#include "chk-hosts-window.h"
#include "chk-refresh-timer.h"

/* How often the hosts are asked for again while the window is on screen */
#define REFRESH_SECONDS 10

/* A heartbeat newer than this is "just now": the list is only as fresh as
 * the last answer, and a count of seconds would run on between them. */
#define JUST_NOW_SECONDS 60

/* One host's row, kept from one answer to the next */
typedef struct
{
  char         *hostname;
  AdwActionRow *row;        /* owned by the group */
  GtkImage     *icon;
  GtkWidget    *this_host;  /* the "This host" tag */
  gboolean      connected;
  gint64        heartbeat;
  guint         running;
} HostRow;

/**
 * ChkHostsWindow:
 *
 * The hosts that run the jobs of a scheduler (ListHosts): with a database
 * of its own, its host alone; in a fleet (daemons sharing a PostgreSQL
 * database), every host that joined it, connected or gone, with its runs
 * under way and its last heartbeat.
 *
 * The list is asked for when the window comes on screen, then every
 * %REFRESH_SECONDS while it stays there (a #ChkRefreshTimer: never while it
 * is minimized) and when the daemon goes or comes back; the call under way
 * is cancelled when it closes. The rows of the same hosts are updated in
 * place, so that the keyboard focus and a screen reader stay where they
 * were. The calls never start the
 * daemon (D-Bus activation): while it is away, the window says so.
 */
struct _ChkHostsWindow
{
  AdwWindow            parent_instance;

  ChkScheduler1       *scheduler;
  GCancellable        *cancellable;
  ChkRefreshTimer     *refresh_timer;
  GPtrArray           *rows;       /* HostRow, in the daemon's order (by name) */
  gint64               next_call;  /* µs since the epoch; 0: at once */
  gboolean             calling;
  guint                n_loads;

  GtkStack            *stack;
  GtkSpinner          *spinner;
  AdwPreferencesGroup *hosts_group;
  AdwStatusPage       *error_page;
};

G_DEFINE_FINAL_TYPE (ChkHostsWindow, chk_hosts_window, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_SCHEDULER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
host_row_free (HostRow *host)
{
  g_free (host->hostname);
  g_free (host);
}

static void
show_page (ChkHostsWindow *self,
           const char     *name)
{
  gtk_stack_set_visible_child_name (self->stack, name);
  /* A spinning spinner redraws the window every frame, even on a hidden page. */
  gtk_spinner_set_spinning (self->spinner, g_str_equal (name, "loading"));
}

static gboolean
is_this_host (ChkHostsWindow *self,
              const char     *hostname)
{
  const char *this_host = chk_scheduler1_get_hostname (self->scheduler);

  /* Host names are not case-sensitive (as chronikerctl hosts compares them). */
  return this_host != NULL && g_ascii_strcasecmp (hostname, this_host) == 0;
}

static HostRow *
add_row (ChkHostsWindow *self,
         const char     *hostname)
{
  HostRow *host = g_new0 (HostRow, 1);

  host->hostname = g_strdup (hostname);
  host->row = ADW_ACTION_ROW (adw_action_row_new ());
  /* A host name is no markup */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (host->row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (host->row), hostname);

  host->icon = GTK_IMAGE (gtk_image_new ());
  adw_action_row_add_prefix (host->row, GTK_WIDGET (host->icon));

  /* Translators: a tag on the row of the host this scheduler runs on */
  host->this_host = gtk_label_new (_("This host"));
  gtk_widget_set_valign (host->this_host, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (host->this_host, "caption-heading");
  gtk_widget_add_css_class (host->this_host, "chk-tag");
  gtk_widget_set_visible (host->this_host, is_this_host (self, hostname));
  adw_action_row_add_suffix (host->row, host->this_host);

  adw_preferences_group_add (self->hosts_group, GTK_WIDGET (host->row));
  g_ptr_array_add (self->rows, host);
  return host;
}

static void
remove_rows (ChkHostsWindow *self)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      HostRow *host = g_ptr_array_index (self->rows, i);

      adw_preferences_group_remove (self->hosts_group, GTK_WIDGET (host->row));
    }
  g_ptr_array_set_size (self->rows, 0);
}

/* @part of a row's subtitle, its spaces no-break ones: a narrow row
 * wraps the subtitle between its parts, not inside "last heartbeat". */
static void
add_part (GPtrArray *parts,
          char      *part)
{
  g_autofree char *owned = part;
  GString *text = g_string_new (owned);

  g_string_replace (text, " ", "\u00a0", 0);
  g_ptr_array_add (parts, g_string_free (text, FALSE));
}

/* Says how the host is now, in words first (the icon's colour is a help,
 * never the only sign); returns when that text next changes. */
static gint64
update_row (HostRow *host,
            gint64   now)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *subtitle = NULL;
  const char *state;
  gint64 change = G_MAXINT64;

  /* Translators: a host whose scheduler is connected to the shared database */
  state = host->connected ? C_("host state", "Connected")
  /* Translators: a host whose scheduler is not connected to the database any more */
                          : C_("host state", "Gone");
  add_part (parts, g_strdup (state));

  /* A host that is gone keeps its runs under way until its lease runs out. */
  if (host->running > 0)
    add_part (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u run under way",
                                                   "%u runs under way", host->running),
                                      host->running));
  else if (host->connected)
    add_part (parts, g_strdup (_("no runs under way")));

  if (host->heartbeat > 0)
    {
      /* By that host's clock, which may be ahead of ours */
      gint64 heartbeat = MIN (host->heartbeat, now);

      if (now - heartbeat < JUST_NOW_SECONDS * G_USEC_PER_SEC)
        {
          add_part (parts, g_strdup (_("last heartbeat just now")));
          change = heartbeat + JUST_NOW_SECONDS * G_USEC_PER_SEC;
        }
      else
        {
          g_autofree char *when = chk_format_relative_time (heartbeat, now);

          /* Translators: %s is a time such as “5 min ago” or a date such as “24 Mar” */
          add_part (parts, g_strdup_printf (_("last heartbeat %s"), when));
          change = chk_format_relative_time_next_change (heartbeat, now);
        }
    }

  g_ptr_array_add (parts, NULL);
  subtitle = g_strjoinv (" · ", (char **) parts->pdata);
  adw_action_row_set_subtitle (host->row, subtitle);

  gtk_image_set_from_icon_name (host->icon, host->connected ? "emblem-ok-symbolic"
                                                            : "network-offline-symbolic");
  chk_widget_set_status_style (GTK_WIDGET (host->icon), host->connected ? "success" : "dim-label");
  gtk_accessible_update_property (GTK_ACCESSIBLE (host->icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, state,
                                  -1);
  return change;
}

static gint64
update_rows (ChkHostsWindow *self,
             gint64          now)
{
  gint64 change = G_MAXINT64;

  for (guint i = 0; i < self->rows->len; i++)
    change = MIN (change, update_row (g_ptr_array_index (self->rows, i), now));
  return change;
}

static void
show_hosts (ChkHostsWindow *self,
            GVariant       *hosts)
{
  gsize n_hosts = g_variant_n_children (hosts);
  gboolean same = n_hosts == self->rows->len;

  /* The same hosts as before (the usual case): the same rows. */
  for (gsize i = 0; i < n_hosts && same; i++)
    {
      g_autoptr(GVariant) host = g_variant_get_child_value (hosts, i);
      HostRow *row = g_ptr_array_index (self->rows, i);
      const char *hostname = "";

      g_variant_lookup (host, "hostname", "&s", &hostname);
      same = g_str_equal (row->hostname, hostname);
    }
  if (!same)
    remove_rows (self);

  for (gsize i = 0; i < n_hosts; i++)
    {
      g_autoptr(GVariant) host = g_variant_get_child_value (hosts, i);
      const char *hostname = "";
      HostRow *row;

      g_variant_lookup (host, "hostname", "&s", &hostname);
      row = same ? g_ptr_array_index (self->rows, i) : add_row (self, hostname);
      row->connected = FALSE;
      row->heartbeat = 0;
      row->running = 0;
      g_variant_lookup (host, "connected", "b", &row->connected);
      g_variant_lookup (host, "last-heartbeat", "x", &row->heartbeat);
      g_variant_lookup (host, "running", "u", &row->running);
    }

  /* Only a fleet has other hosts; with one host alone there is no telling
   * a fleet that no other host has joined yet from a database of its own. */
  if (n_hosts > 1)
    adw_preferences_group_set_description (self->hosts_group,
                                           _("The hosts whose schedulers share this database. "
                                             "A host is connected while its scheduler runs, "
                                             "also when it has nothing to do."));
  else
    adw_preferences_group_set_description (self->hosts_group,
                                           _("This scheduler keeps its jobs in a database of "
                                             "its own. Hosts that share a PostgreSQL database "
                                             "with it show up here."));
  update_rows (self, g_get_real_time ());
  show_page (self, "hosts");
}

static void
show_error (ChkHostsWindow *self,
            const char     *title,
            const char     *message)
{
  g_autofree char *markup = g_markup_escape_text (message, -1);

  adw_status_page_set_title (self->error_page, title);
  adw_status_page_set_description (self->error_page, markup);
  show_page (self, "error");
}

static void
list_hosts_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ChkHostsWindow) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) hosts = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (object), result, &error);
  /* Closed meanwhile: nothing to show it on (and a call of its own may be under way). */
  if (reply == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->calling = FALSE;
  self->n_loads++;
  self->next_call = g_get_real_time () + REFRESH_SECONDS * G_USEC_PER_SEC;

  if (reply == NULL)
    {
      gboolean reached = error->domain == CHK_ERROR;

      g_dbus_error_strip_remote_error (error);
      /* The daemon's own errors (the database, polkit) say what is wrong;
       * the others, that there was no daemon to answer. */
      show_error (self, reached ? _("Could Not List the Hosts") : _("Cannot Reach the Scheduler"),
                  error->message);
    }
  else
    {
      hosts = g_variant_get_child_value (reply, 0);
      show_hosts (self, hosts);
    }
  chk_refresh_timer_queue (self->refresh_timer);
}

static void
list_hosts (ChkHostsWindow *self)
{
  g_autofree char *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (self->scheduler));

  /* The daemon stopped: say so, and look again later, rather than start it
   * (D-Bus activation) behind the user's back, as the main window would not. */
  if (owner == NULL)
    {
      self->next_call = g_get_real_time () + REFRESH_SECONDS * G_USEC_PER_SEC;
      self->n_loads++;
      show_error (self, _("Cannot Reach the Scheduler"),
                  _("The Chroniker scheduler (chronikerd) is not running."));
      return;
    }

  self->calling = TRUE;
  /* Not chk_scheduler1_call_list_hosts(): it would start a daemon that just went. */
  g_dbus_proxy_call (G_DBUS_PROXY (self->scheduler), "ListHosts", NULL,
                     G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, self->cancellable, list_hosts_cb,
                     g_object_ref (self));
}

/* While the window is on screen: the list when it is due, and the rows'
 * relative times as they change in between. */
static gint64
refresh_cb (gint64   now,
            gpointer user_data)
{
  ChkHostsWindow *self = user_data;
  gint64 change;

  if (!self->calling && now >= self->next_call)
    list_hosts (self);

  change = update_rows (self, now);
  /* A call under way queues the timer again when it is answered. */
  return self->calling ? change : MIN (change, self->next_call);
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  ChkHostsWindow *self = CHK_HOSTS_WINDOW (widget);

  if (self->calling)
    return;
  self->next_call = 0;
  chk_refresh_timer_queue (self->refresh_timer);
}

/* The daemon went, or came back: say so now, not at the next call. */
static void
name_owner_changed_cb (ChkHostsWindow *self)
{
  /* (Or the window is being disposed of) */
  if (self->calling || self->refresh_timer == NULL)
    return;
  self->next_call = 0;
  chk_refresh_timer_queue (self->refresh_timer);
}

static void
chk_hosts_window_unmap (GtkWidget *widget)
{
  ChkHostsWindow *self = CHK_HOSTS_WINDOW (widget);

  /* Closed (its close button, Escape, or its main window gone): the answer
   * would show nowhere. If it comes back, it asks again. */
  if (self->calling)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
      self->cancellable = g_cancellable_new ();
      self->calling = FALSE;
      self->next_call = 0;
    }

  GTK_WIDGET_CLASS (chk_hosts_window_parent_class)->unmap (widget);
}

static void
chk_hosts_window_constructed (GObject *object)
{
  ChkHostsWindow *self = CHK_HOSTS_WINDOW (object);

  G_OBJECT_CLASS (chk_hosts_window_parent_class)->constructed (object);

  g_assert (self->scheduler != NULL);
  /* The first call goes once the window is on screen. */
  self->refresh_timer = chk_refresh_timer_new (GTK_WIDGET (self), refresh_cb, self);
  g_signal_connect_object (self->scheduler, "notify::g-name-owner",
                           G_CALLBACK (name_owner_changed_cb), self, G_CONNECT_SWAPPED);
}

static void
chk_hosts_window_dispose (GObject *object)
{
  ChkHostsWindow *self = CHK_HOSTS_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->refresh_timer != NULL)
    chk_refresh_timer_stop (self->refresh_timer);
  g_clear_object (&self->refresh_timer);
  /* The rows go with the group */
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHK_TYPE_HOSTS_WINDOW);

  G_OBJECT_CLASS (chk_hosts_window_parent_class)->dispose (object);
}

static void
chk_hosts_window_finalize (GObject *object)
{
  ChkHostsWindow *self = CHK_HOSTS_WINDOW (object);

  g_clear_object (&self->scheduler);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (chk_hosts_window_parent_class)->finalize (object);
}

static void
chk_hosts_window_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  ChkHostsWindow *self = CHK_HOSTS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SCHEDULER:
      g_value_set_object (value, self->scheduler);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_hosts_window_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  ChkHostsWindow *self = CHK_HOSTS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SCHEDULER:
      self->scheduler = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_hosts_window_class_init (ChkHostsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = chk_hosts_window_constructed;
  object_class->dispose = chk_hosts_window_dispose;
  object_class->finalize = chk_hosts_window_finalize;
  object_class->get_property = chk_hosts_window_get_property;
  object_class->set_property = chk_hosts_window_set_property;

  widget_class->unmap = chk_hosts_window_unmap;

  /**
   * ChkHostsWindow:scheduler:
   *
   * The daemon whose hosts the window shows.
   */
  properties[PROP_SCHEDULER] =
    g_param_spec_object ("scheduler", NULL, NULL,
                         CHK_TYPE_SCHEDULER1,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The daemon's errors keep their CHK_ERROR code once the domain is registered. */
  (void) CHK_ERROR;

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/chroniker/Chroniker/chk-hosts-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ChkHostsWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, ChkHostsWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, ChkHostsWindow, hosts_group);
  gtk_widget_class_bind_template_child (widget_class, ChkHostsWindow, error_page);

  gtk_widget_class_install_action (widget_class, "hosts.refresh", NULL, refresh_action);
  /* As the other dialogs: Escape closes it. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
chk_hosts_window_init (ChkHostsWindow *self)
{
  self->cancellable = g_cancellable_new ();
  self->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) host_row_free);

  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * chk_hosts_window_new:
 * @parent: (nullable): the window it belongs to
 * @scheduler: the daemon's scheduler
 *
 * Creates a window that lists the hosts that run @scheduler's jobs, once
 * it is shown, and keeps the list up to date while it is.
 *
 * Returns: (transfer none): a new hosts window, owned by GTK until closed
 */
ChkHostsWindow *
chk_hosts_window_new (GtkWindow     *parent,
                      ChkScheduler1 *scheduler)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CHK_IS_SCHEDULER1 (scheduler), NULL);

  return g_object_new (CHK_TYPE_HOSTS_WINDOW,
                       "transient-for", parent,
                       "scheduler", scheduler,
                       NULL);
}

/**
 * chk_hosts_window_get_n_loads:
 * @self: a #ChkHostsWindow
 *
 * Returns: how many times it was told the hosts, or why not, for tests
 */
guint
chk_hosts_window_get_n_loads (ChkHostsWindow *self)
{
  g_return_val_if_fail (CHK_IS_HOSTS_WINDOW (self), 0);
  return self->n_loads;
}
