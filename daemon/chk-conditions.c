/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-conditions"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "chk-conditions.h"

/**
 * ChkConditions:
 *
 * Whether the conditions of a job's `run-if` hold now: the machine is on
 * AC power (UPower's `OnBattery` on the system bus), a network is
 * available and whether it is metered (#GNetworkMonitor), and whether
 * power saving is on (#GPowerProfileMonitor). #ChkConditions::changed says
 * when to ask again.
 *
 * Nothing here blocks the main loop. The UPower proxy is made
 * asynchronously and follows the name as it comes and goes. GIO's default
 * monitors are made in a worker thread, because their #GInitable init may
 * block: the NetworkManager monitor creates its proxy with sync D-Bus
 * calls. GIO's monitors take the thread-default main context at that
 * moment, which in a worker thread is the global default one, so they
 * still signal on the daemon's main loop.
 *
 * What is not known (yet) counts as holding: no system bus, no UPower on
 * it (a desktop without a battery has none) or its `OnBattery` not read yet
 * mean AC power; monitors not made yet mean a network that is available and
 * not metered and no power saving. A run is better started than held back
 * by something the daemon cannot see.
 */

#define UPOWER_NAME      "org.freedesktop.UPower"
#define UPOWER_PATH      "/org/freedesktop/UPower"
#define UPOWER_INTERFACE "org.freedesktop.UPower"

#define ALL_CONDITIONS   (CHK_RUN_IF_AC_POWER | CHK_RUN_IF_NETWORK | \
                          CHK_RUN_IF_UNMETERED_NETWORK | CHK_RUN_IF_NOT_POWER_SAVER)

struct _ChkConditions
{
  GObject               parent_instance;

  GCancellable         *cancellable;
  GDBusProxy           *upower;
  GNetworkMonitor      *network;
  GPowerProfileMonitor *power_profile;
  /* The conditions that did not hold when "changed" was last due. */
  ChkRunIf              unmet;
  guint                 changed_source;
};

G_DEFINE_FINAL_TYPE (ChkConditions, chk_conditions, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* What the worker thread hands back: GIO's default monitors. */
typedef struct
{
  GNetworkMonitor      *network;
  GPowerProfileMonitor *power_profile;
} Monitors;

static void
monitors_free (Monitors *monitors)
{
  g_clear_object (&monitors->network);
  g_clear_object (&monitors->power_profile);
  g_free (monitors);
}

static gboolean
changed_cb (gpointer user_data)
{
  ChkConditions *self = CHK_CONDITIONS (user_data);
  ChkRunIf unmet;

  self->changed_source = 0;
  unmet = chk_conditions_get_unmet (self, ALL_CONDITIONS);
  if (unmet == self->unmet)
    return G_SOURCE_REMOVE;

  self->unmet = unmet;
  g_signal_emit (self, signals[CHANGED], 0);
  return G_SOURCE_REMOVE;
}

/* Several inputs may change at once (a new network is available and
 * metered; UPower's properties arrive together with its name): one
 * "changed" for all of them, after the others had their say. */
static void
queue_changed (ChkConditions *self)
{
  if (self->changed_source == 0)
    self->changed_source = g_idle_add (changed_cb, self);
}

static gboolean
on_battery (ChkConditions *self)
{
  g_autoptr(GVariant) value = NULL;

  if (self->upower == NULL)
    return FALSE;
  value = g_dbus_proxy_get_cached_property (self->upower, "OnBattery");
  return value != NULL
         && g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN)
         && g_variant_get_boolean (value);
}

static void
log_upower_owner (ChkConditions *self)
{
  g_autofree char *owner = g_dbus_proxy_get_name_owner (self->upower);

  if (owner == NULL)
    g_debug ("UPower is not on the system bus: assuming AC power");
  else
    g_debug ("UPower is on the system bus as %s", owner);
}

static void
upower_owner_cb (ChkConditions *self)
{
  log_upower_owner (self);
  queue_changed (self);
}

static void
upower_ready_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusProxy) proxy = g_dbus_proxy_new_finish (result, &error);
  ChkConditions *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = CHK_CONDITIONS (user_data);
  if (proxy == NULL)
    {
      g_debug ("Could not watch UPower: %s; assuming AC power", error->message);
      return;
    }

  self->upower = g_steal_pointer (&proxy);
  /* GDBusProxy follows the name: it drops the cached properties when UPower
   * leaves and loads them again when it comes back. */
  g_signal_connect_swapped (self->upower, "g-properties-changed",
                            G_CALLBACK (queue_changed), self);
  g_signal_connect_swapped (self->upower, "notify::g-name-owner",
                            G_CALLBACK (upower_owner_cb), self);
  log_upower_owner (self);
  queue_changed (self);
}

static void
get_monitors_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  Monitors *monitors = g_new0 (Monitors, 1);

  monitors->network = g_object_ref (g_network_monitor_get_default ());
  monitors->power_profile = g_power_profile_monitor_dup_default ();
  g_task_return_pointer (task, monitors, (GDestroyNotify) monitors_free);
}

static void
monitors_ready_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  Monitors *monitors = g_task_propagate_pointer (G_TASK (result), &error);
  ChkConditions *self;

  /* Cancelled: @user_data is gone. */
  if (monitors == NULL)
    return;
  self = CHK_CONDITIONS (user_data);

  self->network = g_steal_pointer (&monitors->network);
  g_debug ("Network monitor: %s", G_OBJECT_TYPE_NAME (self->network));
  g_signal_connect_swapped (self->network, "notify::network-available",
                            G_CALLBACK (queue_changed), self);
  g_signal_connect_swapped (self->network, "notify::network-metered",
                            G_CALLBACK (queue_changed), self);

  self->power_profile = g_steal_pointer (&monitors->power_profile);
  if (self->power_profile != NULL)
    {
      g_debug ("Power profile monitor: %s", G_OBJECT_TYPE_NAME (self->power_profile));
      g_signal_connect_swapped (self->power_profile, "notify::power-saver-enabled",
                                G_CALLBACK (queue_changed), self);
    }

  monitors_free (monitors);
  queue_changed (self);
}

static void
chk_conditions_dispose (GObject *object)
{
  ChkConditions *self = CHK_CONDITIONS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->changed_source, g_source_remove);
  /* GIO's monitors live on after us: no handler of ours may stay on them. */
  if (self->network != NULL)
    g_signal_handlers_disconnect_by_data (self->network, self);
  if (self->power_profile != NULL)
    g_signal_handlers_disconnect_by_data (self->power_profile, self);
  if (self->upower != NULL)
    g_signal_handlers_disconnect_by_data (self->upower, self);
  g_clear_object (&self->network);
  g_clear_object (&self->power_profile);
  g_clear_object (&self->upower);

  G_OBJECT_CLASS (chk_conditions_parent_class)->dispose (object);
}

static void
chk_conditions_finalize (GObject *object)
{
  ChkConditions *self = CHK_CONDITIONS (object);

  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (chk_conditions_parent_class)->finalize (object);
}

static void
chk_conditions_class_init (ChkConditionsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chk_conditions_dispose;
  object_class->finalize = chk_conditions_finalize;

  /**
   * ChkConditions::changed:
   * @self: the conditions
   *
   * Some condition started or stopped holding: what
   * chk_conditions_get_unmet() answers may differ from before. Emitted
   * from an idle, at most once per main loop iteration.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
chk_conditions_init (ChkConditions *self)
{
  self->cancellable = g_cancellable_new ();
}

/**
 * chk_conditions_new:
 * @system_bus: (nullable): the system bus, where UPower is; %NULL when
 *   there is none
 *
 * Starts watching the conditions. Until the monitors answer, every
 * condition counts as holding; #ChkConditions::changed follows if the
 * answer differs.
 *
 * Returns: (transfer full): the conditions
 */
ChkConditions *
chk_conditions_new (GDBusConnection *system_bus)
{
  ChkConditions *self;
  g_autoptr(GTask) task = NULL;

  g_return_val_if_fail (system_bus == NULL || G_IS_DBUS_CONNECTION (system_bus), NULL);

  self = g_object_new (CHK_TYPE_CONDITIONS, NULL);

  if (system_bus == NULL)
    g_debug ("No system bus: assuming AC power");
  else
    g_dbus_proxy_new (system_bus, G_DBUS_PROXY_FLAGS_NONE, NULL,
                      UPOWER_NAME, UPOWER_PATH, UPOWER_INTERFACE,
                      self->cancellable, upower_ready_cb, self);

  /* Not the task's source object: a task that holds @self would keep it
   * alive, and signalling, after its owner dropped it. */
  task = g_task_new (NULL, self->cancellable, monitors_ready_cb, self);
  g_task_set_source_tag (task, chk_conditions_new);
  g_task_run_in_thread (task, get_monitors_thread);

  return self;
}

/**
 * chk_conditions_get_unmet:
 * @self: the conditions
 * @wanted: the conditions a run waits for
 *
 * Which of @wanted do not hold now. A `unmetered-network` holds when a
 * network is available and it is not metered.
 *
 * Returns: the subset of @wanted that does not hold; 0 when all do
 */
ChkRunIf
chk_conditions_get_unmet (ChkConditions *self,
                          ChkRunIf       wanted)
{
  gboolean available = TRUE;
  gboolean metered = FALSE;
  gboolean power_saver = FALSE;
  ChkRunIf unmet = 0;

  g_return_val_if_fail (CHK_IS_CONDITIONS (self), 0);

  if (self->network != NULL)
    {
      available = g_network_monitor_get_network_available (self->network);
      metered = g_network_monitor_get_network_metered (self->network);
    }
  if (self->power_profile != NULL)
    power_saver = g_power_profile_monitor_get_power_saver_enabled (self->power_profile);

  if ((wanted & CHK_RUN_IF_AC_POWER) && on_battery (self))
    unmet |= CHK_RUN_IF_AC_POWER;
  if ((wanted & CHK_RUN_IF_NETWORK) && !available)
    unmet |= CHK_RUN_IF_NETWORK;
  if ((wanted & CHK_RUN_IF_UNMETERED_NETWORK) && (!available || metered))
    unmet |= CHK_RUN_IF_UNMETERED_NETWORK;
  if ((wanted & CHK_RUN_IF_NOT_POWER_SAVER) && power_saver)
    unmet |= CHK_RUN_IF_NOT_POWER_SAVER;
  return unmet;
}

/**
 * chk_conditions_describe:
 * @unmet: conditions that do not hold, as from chk_conditions_get_unmet()
 *
 * Says, for people, what a run waits for: "AC power", "a network", "an
 * unmetered network", "power saving to end", several joined with ", ", in
 * the order of #ChkRunIf. Used in the Job1 `WaitingFor` property and in the
 * message of a skipped run.
 *
 * Returns: (transfer full): the translated words; "" when @unmet is 0
 */
char *
chk_conditions_describe (ChkRunIf unmet)
{
  static const struct
  {
    ChkRunIf    condition;
    const char *words;
  } descriptions[] = {
    /* Translators: what a due run waits for, as in "Waiting for AC power";
     * several are joined with ", ". */
    { CHK_RUN_IF_AC_POWER, N_("AC power") },
    { CHK_RUN_IF_NETWORK, N_("a network") },
    { CHK_RUN_IF_UNMETERED_NETWORK, N_("an unmetered network") },
    { CHK_RUN_IF_NOT_POWER_SAVER, N_("power saving to end") },
  };
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (descriptions); i++)
    {
      if (!(unmet & descriptions[i].condition))
        continue;
      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append (text, _(descriptions[i].words));
    }
  return g_string_free (text, FALSE);
}
