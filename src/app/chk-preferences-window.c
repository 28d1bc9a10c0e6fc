/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "chk-error.h"
#include "chk-preferences-window.h"
#include "chk-session-group.h"

typedef enum
{
  SETTING_SWITCH,
  SETTING_SPIN,
  SETTING_ENTRY,
  SETTING_PASSWORD,
} SettingKind;

/**
 * ChkPreferencesWindow:
 *
 * The daemon's settings (GetSettings/SetSettings), each applied as soon as
 * it is changed: switches and spin buttons at once, entries when applied
 * or left. A change the daemon refuses is shown as a toast and the control
 * goes back to the daemon's value. The SMTP password is write-only: the
 * window only knows whether one is set. Send Test Email tries the email
 * settings (SendTestEmail) on an address of the user's choice.
 */
struct _ChkPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  ChkScheduler1        *scheduler;
  GCancellable         *cancellable;
  GHashTable           *values;   /* key → GVariant, as the daemon last said */
  GHashTable           *pending;  /* key → GVariant, sent and not answered yet */
  guint                 updating;

  ChkSessionGroup      *session_group;
  gboolean              sending;

  AdwPreferencesPage   *page;
  GtkSwitch            *allow_shell_switch;
  GtkSpinButton        *max_concurrent_runs_spin;
  GtkSpinButton        *keep_runs_days_spin;
  GtkSwitch            *notifications_switch;
  AdwEntryRow          *email_from_row;
  AdwEntryRow          *smtp_url_row;
  GtkSwitch            *smtp_starttls_switch;
  AdwEntryRow          *smtp_username_row;
  AdwEntryRow          *smtp_password_row;
  AdwActionRow         *password_set_row;
  AdwEntryRow          *test_address_row;
  GtkSpinner           *test_email_spinner;
  AdwEntryRow          *webhook_url_row;
  AdwEntryRow          *fleet_database_row;
};

G_DEFINE_FINAL_TYPE (ChkPreferencesWindow, chk_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SCHEDULER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  const char  *key;
  const char  *label;   /* names the setting in error messages */
  SettingKind  kind;
  glong        offset;  /* of the control in ChkPreferencesWindow */
} SettingInfo;

#define SETTING_WIDGET(self, info) G_STRUCT_MEMBER (GtkWidget *, (self), (info)->offset)

static const SettingInfo setting_infos[] = {
  { "allow-shell", N_("Allow shell commands"), SETTING_SWITCH,
    G_STRUCT_OFFSET (ChkPreferencesWindow, allow_shell_switch) },
  { "max-concurrent-runs", N_("Maximum concurrent runs"), SETTING_SPIN,
    G_STRUCT_OFFSET (ChkPreferencesWindow, max_concurrent_runs_spin) },
  { "keep-runs-days", N_("Days to keep runs"), SETTING_SPIN,
    G_STRUCT_OFFSET (ChkPreferencesWindow, keep_runs_days_spin) },
  { "notifications", N_("Desktop notifications"), SETTING_SWITCH,
    G_STRUCT_OFFSET (ChkPreferencesWindow, notifications_switch) },
  { "email-from", N_("From address"), SETTING_ENTRY,
    G_STRUCT_OFFSET (ChkPreferencesWindow, email_from_row) },
  { "smtp-url", N_("SMTP server URL"), SETTING_ENTRY,
    G_STRUCT_OFFSET (ChkPreferencesWindow, smtp_url_row) },
  { "smtp-starttls", N_("Use STARTTLS"), SETTING_SWITCH,
    G_STRUCT_OFFSET (ChkPreferencesWindow, smtp_starttls_switch) },
  { "smtp-username", N_("Username"), SETTING_ENTRY,
    G_STRUCT_OFFSET (ChkPreferencesWindow, smtp_username_row) },
  { "smtp-password", N_("Password"), SETTING_PASSWORD,
    G_STRUCT_OFFSET (ChkPreferencesWindow, smtp_password_row) },
  { "webhook-url", N_("Webhook URL"), SETTING_ENTRY,
    G_STRUCT_OFFSET (ChkPreferencesWindow, webhook_url_row) },
  { "fleet-database", N_("Fleet database"), SETTING_ENTRY,
    G_STRUCT_OFFSET (ChkPreferencesWindow, fleet_database_row) },
};

typedef struct
{
  ChkPreferencesWindow *self;
  const SettingInfo    *info;
  GVariant             *value;
} ApplyData;

static void
apply_data_free (ApplyData *data)
{
  g_object_unref (data->self);
  g_variant_unref (data->value);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ApplyData, apply_data_free)

static const SettingInfo *
info_for_widget (gpointer widget)
{
  const SettingInfo *info = g_object_get_data (G_OBJECT (widget), "chk-setting-info");

  g_assert (info != NULL);
  return info;
}

/* What the daemon will hold once the calls under way are answered. */
static GVariant *
expected_value (ChkPreferencesWindow *self,
                const SettingInfo    *info)
{
  GVariant *value = g_hash_table_lookup (self->pending, info->key);

  return value != NULL ? value : g_hash_table_lookup (self->values, info->key);
}

static void
show_toast (ChkPreferencesWindow *self,
            const char           *title)
{
  AdwToast *toast = adw_toast_new ("");
  GtkWidget *label = gtk_label_new (title);

  /* The daemon's messages can be long: wrapped, not cut. A plain label
   * also keeps the typed text that they quote from being read as markup. */
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 50);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  adw_toast_set_custom_title (toast, label);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
}

/* Sets the text without it counting as an edit waiting to be applied. */
static void
set_entry_text (AdwEntryRow *row,
                const char  *text)
{
  /* Also keeps @text from being freed under us when it is the row's own. */
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (row)), text) != 0)
    gtk_editable_set_text (GTK_EDITABLE (row), text);
  adw_entry_row_set_show_apply_button (row, FALSE);
  adw_entry_row_set_show_apply_button (row, TRUE);
}

static void
update_password (ChkPreferencesWindow *self)
{
  GVariant *value = g_hash_table_lookup (self->values, "smtp-password");
  gboolean set = value != NULL && g_strcmp0 (g_variant_get_string (value, NULL), "set") == 0;

  gtk_widget_set_visible (GTK_WIDGET (self->password_set_row), set);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->smtp_password_row),
                                 set ? _("New _Password") : _("_Password"));
}

/* Shows the daemon's value of a setting in its control. */
static void
show_value (ChkPreferencesWindow *self,
            const SettingInfo    *info)
{
  GtkWidget *widget = SETTING_WIDGET (self, info);
  GVariant *value = g_hash_table_lookup (self->values, info->key);

  /* A daemon older than this app may not know every setting. */
  gtk_widget_set_sensitive (widget, value != NULL);
  if (value == NULL)
    return;

  self->updating++;
  switch (info->kind)
    {
    case SETTING_SWITCH:
      gtk_switch_set_active (GTK_SWITCH (widget), g_variant_get_boolean (value));
      break;
    case SETTING_SPIN:
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (widget), g_variant_get_uint32 (value));
      break;
    case SETTING_ENTRY:
      set_entry_text (ADW_ENTRY_ROW (widget), g_variant_get_string (value, NULL));
      break;
    case SETTING_PASSWORD:
      /* Never the password itself: the daemon only says "set" or "". */
      set_entry_text (ADW_ENTRY_ROW (widget), "");
      update_password (self);
      break;
    default:
      g_assert_not_reached ();
    }
  self->updating--;
}

static void
set_settings_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ApplyData) data = user_data;
  ChkPreferencesWindow *self = data->self;
  const SettingInfo *info = data->info;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = chk_scheduler1_call_set_settings_finish (CHK_SCHEDULER1 (object), result, &error);
  if (!ok && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Only the latest change of a setting is still expected. */
  if (g_hash_table_lookup (self->pending, info->key) == data->value)
    g_hash_table_remove (self->pending, info->key);

  if (!ok)
    {
      g_autofree char *prefix = g_strconcat (info->key, ": ", NULL);
      g_autofree char *title = NULL;
      const char *message;

      g_dbus_error_strip_remote_error (error);
      /* The toast names the setting in words already. */
      message = error->message;
      if (g_str_has_prefix (message, prefix))
        message += strlen (prefix);
      /* Translators: the first %s is a setting such as “Maximum concurrent runs”,
       * the second the daemon's error message. */
      title = g_strdup_printf (_("Could not change “%s”: %s"), _(info->label), message);
      show_toast (self, title);
    }
  else if (info->kind == SETTING_PASSWORD)
    {
      const char *password = g_variant_get_string (data->value, NULL);

      g_hash_table_replace (self->values, (gpointer) info->key,
                            g_variant_ref_sink (g_variant_new_string (password[0] != '\0' ? "set" : "")));
    }
  else
    {
      g_hash_table_replace (self->values, (gpointer) info->key, g_variant_ref (data->value));
    }

  /* On success the control already shows the value, unless changed again since. */
  if (!g_hash_table_contains (self->pending, info->key))
    {
      if (info->kind == SETTING_PASSWORD)
        update_password (self);
      else if (!ok)
        show_value (self, info);
    }
}

static void
apply_setting (ChkPreferencesWindow *self,
               const SettingInfo    *info,
               GVariant             *value)
{
  GVariantBuilder builder;
  ApplyData *data;

  data = g_new0 (ApplyData, 1);
  data->self = g_object_ref (self);
  data->info = info;
  data->value = g_variant_ref_sink (value);

  g_hash_table_replace (self->pending, (gpointer) info->key, g_variant_ref (data->value));

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", info->key, data->value);
  chk_scheduler1_call_set_settings (self->scheduler, g_variant_builder_end (&builder),
                                    self->cancellable, set_settings_cb, data);
}

/* Sends what an entry holds, if that is a change. */
static void
commit_entry (ChkPreferencesWindow *self,
              const SettingInfo    *info)
{
  AdwEntryRow *row;
  const char *text;
  GVariant *expected = expected_value (self, info);

  /* Focus leaves the entries once more while the window is torn down:
   * what they held was committed when it was asked to close. */
  if (self->updating > 0 || expected == NULL || g_cancellable_is_cancelled (self->cancellable))
    return;

  row = ADW_ENTRY_ROW (SETTING_WIDGET (self, info));
  text = gtk_editable_get_text (GTK_EDITABLE (row));

  if (info->kind == SETTING_PASSWORD)
    {
      /* Empty means "keep the stored one"; clearing has its own button. */
      if (text[0] == '\0')
        return;
      apply_setting (self, info, g_variant_new_string (text));
      self->updating++;
      set_entry_text (row, "");
      self->updating--;
      return;
    }

  if (g_strcmp0 (text, g_variant_get_string (expected, NULL)) != 0)
    apply_setting (self, info, g_variant_new_string (text));
}

static void
switch_active_cb (GtkSwitch            *widget,
                  GParamSpec           *pspec,
                  ChkPreferencesWindow *self)
{
  const SettingInfo *info = info_for_widget (widget);
  GVariant *expected = expected_value (self, info);
  gboolean active = gtk_switch_get_active (widget);

  if (self->updating > 0 || expected == NULL || g_variant_get_boolean (expected) == active)
    return;
  apply_setting (self, info, g_variant_new_boolean (active));
}

static void
spin_value_changed_cb (GtkSpinButton        *widget,
                       ChkPreferencesWindow *self)
{
  const SettingInfo *info = info_for_widget (widget);
  GVariant *expected = expected_value (self, info);
  guint value = (guint) gtk_spin_button_get_value_as_int (widget);

  if (self->updating > 0 || expected == NULL || g_variant_get_uint32 (expected) == value)
    return;
  apply_setting (self, info, g_variant_new_uint32 (value));
}

static void
entry_apply_cb (AdwEntryRow          *row,
                ChkPreferencesWindow *self)
{
  commit_entry (self, info_for_widget (row));
}

static void
entry_focus_leave_cb (GtkEventControllerFocus *controller,
                      ChkPreferencesWindow    *self)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));

  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  commit_entry (self, info_for_widget (row));
  /* Applied: nothing is left for the apply button to do. */
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), FALSE);
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
}

static void
clear_password_clicked_cb (GtkButton            *button,
                           ChkPreferencesWindow *self)
{
  const SettingInfo *info = info_for_widget (self->smtp_password_row);

  apply_setting (self, info, g_variant_new_string (""));
}

static void
commit_entries (ChkPreferencesWindow *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (setting_infos); i++)
    if (setting_infos[i].kind == SETTING_ENTRY || setting_infos[i].kind == SETTING_PASSWORD)
      commit_entry (self, &setting_infos[i]);
}

/* Test email */

/* Sending takes the SMTP server's time, which can be more than D-Bus's default 25 s. */
#define TEST_EMAIL_TIMEOUT_MS (120 * 1000)

static char *
test_address (ChkPreferencesWindow *self)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->test_address_row))));
}

static void
update_test_email (ChkPreferencesWindow *self)
{
  g_autofree char *address = test_address (self);

  gtk_widget_set_visible (GTK_WIDGET (self->test_email_spinner), self->sending);
  gtk_spinner_set_spinning (self->test_email_spinner, self->sending);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.send-test-email",
                                 !self->sending && address[0] != '\0');
}

static void
send_test_email_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ChkPreferencesWindow) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = g_object_steal_data (G_OBJECT (self), "chk-test-address");
  g_autofree char *title = NULL;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (object), result, &error);
  if (reply == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->sending = FALSE;
  update_test_email (self);

  if (reply != NULL)
    {
      /* Translators: %s is an email address */
      title = g_strdup_printf (_("Test email sent to %s"), address != NULL ? address : "");
      show_toast (self, title);
      return;
    }

  g_dbus_error_strip_remote_error (error);
  if (g_error_matches (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT))
    gtk_widget_add_css_class (GTK_WIDGET (self->test_address_row), "error");
  /* The scheduler's own words say that the test email could not be sent,
   * and why: once is enough */
  if (g_error_matches (error, CHK_ERROR, CHK_ERROR_DELIVERY_FAILED))
    title = g_strdup (error->message);
  else
    /* Translators: %s is the scheduler's message, such as why the address is refused */
    title = g_strdup_printf (_("Could not send the test email: %s"), error->message);
  show_toast (self, title);
}

static void
send_test_email_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  ChkPreferencesWindow *self = CHK_PREFERENCES_WINDOW (widget);
  g_autofree char *address = test_address (self);

  if (self->sending || address[0] == '\0')
    return;

  /* With the settings as shown: what was typed and not applied goes first
   * (calls on one connection arrive in order). */
  commit_entries (self);

  self->sending = TRUE;
  update_test_email (self);
  gtk_widget_remove_css_class (GTK_WIDGET (self->test_address_row), "error");
  g_object_set_data_full (G_OBJECT (self), "chk-test-address", g_strdup (address), g_free);
  g_dbus_proxy_call (G_DBUS_PROXY (self->scheduler), "SendTestEmail",
                     g_variant_new ("(s)", address), G_DBUS_CALL_FLAGS_NONE,
                     TEST_EMAIL_TIMEOUT_MS, self->cancellable, send_test_email_cb,
                     g_object_ref (self));
}

static void
test_address_changed_cb (AdwEntryRow          *row,
                         ChkPreferencesWindow *self)
{
  gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  update_test_email (self);
}

static void
test_address_activated_cb (AdwEntryRow          *row,
                           ChkPreferencesWindow *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "prefs.send-test-email", NULL);
}

/* Where a test goes unless the user says otherwise: the sender, or the user here. */
static void
suggest_test_address (ChkPreferencesWindow *self)
{
  GVariant *from = g_hash_table_lookup (self->values, "email-from");
  g_autofree char *address = NULL;

  if (gtk_editable_get_text (GTK_EDITABLE (self->test_address_row))[0] != '\0')
    return;

  if (from != NULL && g_variant_get_string (from, NULL)[0] != '\0')
    address = g_variant_dup_string (from, NULL);
  else
    address = g_strdup_printf ("%s@%s", g_get_user_name (), g_get_host_name ());
  gtk_editable_set_text (GTK_EDITABLE (self->test_address_row), address);
}

/* Closing keeps what was typed but not applied yet, as leaving the entry would. */
static gboolean
close_request_cb (GtkWindow            *window,
                  ChkPreferencesWindow *self)
{
  commit_entries (self);
  return GDK_EVENT_PROPAGATE;
}

static void
get_settings_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ChkPreferencesWindow) self = user_data;
  g_autoptr(GVariant) settings = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  if (!chk_scheduler1_call_get_settings_finish (CHK_SCHEDULER1 (object), &settings, result, &error))
    {
      g_autofree char *title = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_dbus_error_strip_remote_error (error);
      title = g_strdup_printf (_("Could not load the settings: %s"), error->message);
      show_toast (self, title);
      return;
    }

  g_variant_iter_init (&iter, settings);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      for (guint i = 0; i < G_N_ELEMENTS (setting_infos); i++)
        if (g_str_equal (setting_infos[i].key, key))
          g_hash_table_replace (self->values, (gpointer) setting_infos[i].key, g_variant_ref (value));
      g_variant_unref (value);
    }

  for (guint i = 0; i < G_N_ELEMENTS (setting_infos); i++)
    show_value (self, &setting_infos[i]);
  suggest_test_address (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->page), TRUE);
}

static void
chk_preferences_window_constructed (GObject *object)
{
  ChkPreferencesWindow *self = CHK_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (chk_preferences_window_parent_class)->constructed (object);

  g_assert (self->scheduler != NULL);
  chk_session_group_set_scheduler (self->session_group, self->scheduler);
  chk_scheduler1_call_get_settings (self->scheduler, self->cancellable, get_settings_cb,
                                    g_object_ref (self));
}

static void
chk_preferences_window_dispose (GObject *object)
{
  ChkPreferencesWindow *self = CHK_PREFERENCES_WINDOW (object);

  /* Calls already sent still reach the daemon; only their answers are dropped. */
  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), CHK_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (chk_preferences_window_parent_class)->dispose (object);
}

static void
chk_preferences_window_finalize (GObject *object)
{
  ChkPreferencesWindow *self = CHK_PREFERENCES_WINDOW (object);

  g_clear_object (&self->scheduler);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->values, g_hash_table_unref);
  g_clear_pointer (&self->pending, g_hash_table_unref);

  G_OBJECT_CLASS (chk_preferences_window_parent_class)->finalize (object);
}

static void
chk_preferences_window_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  ChkPreferencesWindow *self = CHK_PREFERENCES_WINDOW (object);

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
chk_preferences_window_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  ChkPreferencesWindow *self = CHK_PREFERENCES_WINDOW (object);

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
chk_preferences_window_class_init (ChkPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = chk_preferences_window_constructed;
  object_class->dispose = chk_preferences_window_dispose;
  object_class->finalize = chk_preferences_window_finalize;
  object_class->get_property = chk_preferences_window_get_property;
  object_class->set_property = chk_preferences_window_set_property;

  /**
   * ChkPreferencesWindow:scheduler:
   *
   * The daemon whose settings the window shows and changes.
   */
  properties[PROP_SCHEDULER] =
    g_param_spec_object ("scheduler", NULL, NULL,
                         CHK_TYPE_SCHEDULER1,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The daemon's errors keep their CHK_ERROR code once the domain is registered. */
  (void) CHK_ERROR;

  g_type_ensure (CHK_TYPE_SESSION_GROUP);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/chroniker/Chroniker/chk-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ChkPreferencesWindow, page);
  gtk_widget_class_bind_template_child (widget_class, ChkPreferencesWindow, session_group);
  gtk_widget_class_bind_template_child (widget_class, ChkPreferencesWindow, allow_shell_switch);
  gtk_widget_class_bind_template_child (widget_class, ChkPreferencesWindow, max_concurrent_runs_spin);
  gtk_widget_class_bind_template_child (widget_class, ChkPreferencesWindow, keep_runs_days_spin);
  gtk_widget_class_bind_template_child (widget_class, ChkPreferencesWindow, notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, ChkPreferencesWindow, email_from_row);
  gtk_widget_class_bind_template_child (widget_class, ChkPreferencesWindow, smtp_url_row);
  gtk_widget_class_bind_template_child (widget_class, ChkPreferencesWindow, smtp_starttls_switch);
  gtk_widget_class_bind_template_child (widget_class, ChkPreferencesWindow, smtp_username_row);
  gtk_widget_class_bind_template_child (widget_class, ChkPreferencesWindow, smtp_password_row);
  gtk_widget_class_bind_template_child (widget_class, ChkPreferencesWindow, password_set_row);
  gtk_widget_class_bind_template_child (widget_class, ChkPreferencesWindow, test_address_row);
  gtk_widget_class_bind_template_child (widget_class, ChkPreferencesWindow, test_email_spinner);
  gtk_widget_class_bind_template_child (widget_class, ChkPreferencesWindow, webhook_url_row);
  gtk_widget_class_bind_template_child (widget_class, ChkPreferencesWindow, fleet_database_row);
  gtk_widget_class_bind_template_callback (widget_class, switch_active_cb);
  gtk_widget_class_bind_template_callback (widget_class, spin_value_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, clear_password_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, close_request_cb);
  gtk_widget_class_bind_template_callback (widget_class, test_address_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, test_address_activated_cb);

  gtk_widget_class_install_action (widget_class, "prefs.send-test-email", NULL,
                                   send_test_email_action);
}

static void
chk_preferences_window_init (ChkPreferencesWindow *self)
{
  GtkWidget *text;

  self->cancellable = g_cancellable_new ();
  self->values = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                        (GDestroyNotify) g_variant_unref);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) g_variant_unref);

  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; i < G_N_ELEMENTS (setting_infos); i++)
    {
      const SettingInfo *info = &setting_infos[i];
      GtkWidget *widget = SETTING_WIDGET (self, info);

      g_object_set_data (G_OBJECT (widget), "chk-setting-info", (gpointer) info);

      if (info->kind == SETTING_ENTRY || info->kind == SETTING_PASSWORD)
        {
          GtkEventController *focus = gtk_event_controller_focus_new ();

          g_signal_connect (focus, "leave", G_CALLBACK (entry_focus_leave_cb), self);
          gtk_widget_add_controller (widget, focus);
        }
    }

  /* Entry rows have no placeholder of their own; their text shows one while focused. */
  text = GTK_WIDGET (gtk_editable_get_delegate (GTK_EDITABLE (self->smtp_url_row)));
  /* Translators: an example shown in the empty SMTP server field. */
  gtk_text_set_placeholder_text (GTK_TEXT (text), _("smtp://host:587"));
  text = GTK_WIDGET (gtk_editable_get_delegate (GTK_EDITABLE (self->email_from_row)));
  /* Translators: an example shown in the empty sender address field. */
  gtk_text_set_placeholder_text (GTK_TEXT (text), _("jobs@example.org"));
  text = GTK_WIDGET (gtk_editable_get_delegate (GTK_EDITABLE (self->webhook_url_row)));
  /* Translators: an example shown in the empty webhook field. */
  gtk_text_set_placeholder_text (GTK_TEXT (text), _("https://hooks.example.org/chroniker"));
  text = GTK_WIDGET (gtk_editable_get_delegate (GTK_EDITABLE (self->fleet_database_row)));
  /* Translators: an example shown in the empty fleet database field; keep the URI as it is */
  gtk_text_set_placeholder_text (GTK_TEXT (text), _("postgresql://db.example.org/chroniker"));

  update_test_email (self);
}

/**
 * chk_preferences_window_new:
 * @parent: (nullable): the window it belongs to
 * @scheduler: the daemon's scheduler
 *
 * Creates a window that loads the daemon's settings and applies every
 * change at once.
 *
 * Returns: (transfer none): a new preferences window, owned by GTK until closed
 */
ChkPreferencesWindow *
chk_preferences_window_new (GtkWindow     *parent,
                            ChkScheduler1 *scheduler)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CHK_IS_SCHEDULER1 (scheduler), NULL);

  return g_object_new (CHK_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "scheduler", scheduler,
                       NULL);
}
