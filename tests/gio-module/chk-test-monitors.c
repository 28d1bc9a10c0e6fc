/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-test-monitors"

#include "config.h"

#include "chk-test-monitors.h"

/*
 * A GNetworkMonitor and a GPowerProfileMonitor whose state the tests set,
 * so that run-if can be tested on any machine. Built twice: into the unit
 * tests, which register the types themselves (chk_test_monitors_register())
 * and set the state with the setters below, and into the GIO module
 * libchktestmonitors.so (chk-test-module.c) for a daemon in another
 * process, whose state comes from the key file named by
 * $CHK_TEST_MONITORS_FILE:
 *
 *   [monitors]
 *   network-available=true
 *   network-metered=false
 *   power-saver-enabled=false
 *
 * A missing key keeps the default above. The file is watched: rewriting it
 * changes the state live. Write it atomically (a temporary file renamed over
 * it, as g_file_set_contents() or Python's os.replace() do), or a half
 * written file may be read; a file that cannot be read keeps the state.
 */

#define GROUP "monitors"

typedef struct
{
  gboolean network_available;
  gboolean network_metered;
  gboolean power_saver_enabled;
} State;

typedef void (*StateFunc) (GObject     *monitor,
                           const State *state);

struct _ChkTestNetworkMonitor
{
  GObject       parent_instance;

  GFileMonitor *file_monitor;
  gboolean      available;
  gboolean      metered;
};

struct _ChkTestPowerMonitor
{
  GObject       parent_instance;

  GFileMonitor *file_monitor;
  gboolean      power_saver_enabled;
};

static void network_initable_iface_init (GInitableIface             *iface);
static void network_monitor_iface_init  (GNetworkMonitorInterface   *iface);
static void power_initable_iface_init   (GInitableIface             *iface);
static void power_monitor_iface_init    (GPowerProfileMonitorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ChkTestNetworkMonitor, chk_test_network_monitor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      network_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR,
                                                      network_monitor_iface_init))

G_DEFINE_FINAL_TYPE_WITH_CODE (ChkTestPowerMonitor, chk_test_power_monitor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      power_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_POWER_PROFILE_MONITOR,
                                                      power_monitor_iface_init))

enum {
  NETWORK_PROP_0,
  NETWORK_PROP_AVAILABLE,
  NETWORK_PROP_METERED,
  NETWORK_PROP_CONNECTIVITY,
};

enum {
  POWER_PROP_0,
  POWER_PROP_POWER_SAVER_ENABLED,
};

/* ---- the state file ------------------------------------------------------- */

static gboolean
read_key (GKeyFile   *key_file,
          const char *key,
          gboolean   *value)
{
  g_autoptr(GError) error = NULL;
  gboolean read = g_key_file_get_boolean (key_file, GROUP, key, &error);

  if (error != NULL && !g_error_matches (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND)
      && !g_error_matches (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND))
    {
      g_message ("%s: %s", key, error->message);
      return FALSE;
    }
  if (error == NULL)
    *value = read;
  return TRUE;
}

static gboolean
read_state (GFile *file,
            State *state)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_file_get_path (file);

  *state = (State) { .network_available = TRUE };
  if (!g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, &error))
    {
      g_message ("Could not read %s: %s", path, error->message);
      return FALSE;
    }
  return read_key (key_file, "network-available", &state->network_available)
         && read_key (key_file, "network-metered", &state->network_metered)
         && read_key (key_file, "power-saver-enabled", &state->power_saver_enabled);
}

static void
state_file_changed_cb (GFileMonitor      *file_monitor,
                       GFile             *file,
                       GFile             *other_file,
                       GFileMonitorEvent  event,
                       gpointer           user_data)
{
  GObject *monitor = G_OBJECT (user_data);
  StateFunc apply = g_object_get_data (G_OBJECT (file_monitor), "chk-apply");
  State state;

  if (event == G_FILE_MONITOR_EVENT_DELETED || !read_state (file, &state))
    return;
  apply (monitor, &state);
}

/* Reads the file named by $CHK_TEST_MONITORS_FILE into @monitor and watches it.
 * The file monitor signals in the thread-default main context of now. */
static gboolean
watch_state_file (GObject       *monitor,
                  StateFunc      apply,
                  GFileMonitor **out_file_monitor,
                  GError       **error)
{
  const char *path = g_getenv (CHK_TEST_MONITORS_FILE_VARIABLE);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileMonitor) file_monitor = NULL;
  State state;

  if (path == NULL || path[0] == '\0')
    return TRUE;

  file = g_file_new_for_path (path);
  file_monitor = g_file_monitor_file (file, G_FILE_MONITOR_NONE, NULL, error);
  if (file_monitor == NULL)
    return FALSE;
  g_object_set_data (G_OBJECT (file_monitor), "chk-apply", apply);
  g_signal_connect_object (file_monitor, "changed", G_CALLBACK (state_file_changed_cb),
                           monitor, 0);
  if (read_state (file, &state))
    apply (monitor, &state);

  *out_file_monitor = g_steal_pointer (&file_monitor);
  return TRUE;
}

/* ---- ChkTestNetworkMonitor ------------------------------------------------ */

static void
network_apply_state (GObject     *monitor,
                     const State *state)
{
  chk_test_network_monitor_set_state (CHK_TEST_NETWORK_MONITOR (monitor),
                                      state->network_available, state->network_metered);
}

static gboolean
network_initable_init (GInitable     *initable,
                       GCancellable  *cancellable,
                       GError       **error)
{
  ChkTestNetworkMonitor *self = CHK_TEST_NETWORK_MONITOR (initable);

  return watch_state_file (G_OBJECT (self), network_apply_state, &self->file_monitor, error);
}

static void
network_initable_iface_init (GInitableIface *iface)
{
  iface->init = network_initable_init;
}

static gboolean
network_can_reach (GNetworkMonitor     *monitor,
                   GSocketConnectable  *connectable,
                   GCancellable        *cancellable,
                   GError             **error)
{
  if (CHK_TEST_NETWORK_MONITOR (monitor)->available)
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE,
                       "The test network monitor says no network is available");
  return FALSE;
}

static void
network_monitor_iface_init (GNetworkMonitorInterface *iface)
{
  iface->can_reach = network_can_reach;
}

static void
chk_test_network_monitor_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  ChkTestNetworkMonitor *self = CHK_TEST_NETWORK_MONITOR (object);

  switch (prop_id)
    {
    case NETWORK_PROP_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;
    case NETWORK_PROP_METERED:
      g_value_set_boolean (value, self->metered);
      break;
    case NETWORK_PROP_CONNECTIVITY:
      g_value_set_enum (value, self->available ? G_NETWORK_CONNECTIVITY_FULL
                                               : G_NETWORK_CONNECTIVITY_LOCAL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_test_network_monitor_finalize (GObject *object)
{
  ChkTestNetworkMonitor *self = CHK_TEST_NETWORK_MONITOR (object);

  g_clear_object (&self->file_monitor);

  G_OBJECT_CLASS (chk_test_network_monitor_parent_class)->finalize (object);
}

static void
chk_test_network_monitor_class_init (ChkTestNetworkMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = chk_test_network_monitor_get_property;
  object_class->finalize = chk_test_network_monitor_finalize;

  g_object_class_override_property (object_class, NETWORK_PROP_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, NETWORK_PROP_METERED, "network-metered");
  g_object_class_override_property (object_class, NETWORK_PROP_CONNECTIVITY, "connectivity");
}

static void
chk_test_network_monitor_init (ChkTestNetworkMonitor *self)
{
  self->available = TRUE;
}

/**
 * chk_test_network_monitor_set_state:
 * @self: the monitor
 * @available: whether a network is available
 * @metered: whether it is metered
 *
 * Changes the state, notifying what changed and emitting
 * #GNetworkMonitor::network-changed as GIO's monitors do.
 */
void
chk_test_network_monitor_set_state (ChkTestNetworkMonitor *self,
                                    gboolean               available,
                                    gboolean               metered)
{
  gboolean available_changed;

  g_return_if_fail (CHK_IS_TEST_NETWORK_MONITOR (self));

  available = !!available;
  metered = !!metered;
  available_changed = self->available != available;
  if (!available_changed && self->metered == metered)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  if (available_changed)
    {
      self->available = available;
      g_object_notify (G_OBJECT (self), "network-available");
      g_object_notify (G_OBJECT (self), "connectivity");
    }
  if (self->metered != metered)
    {
      self->metered = metered;
      g_object_notify (G_OBJECT (self), "network-metered");
    }
  g_object_thaw_notify (G_OBJECT (self));
  g_signal_emit_by_name (self, "network-changed", self->available);
}

/* ---- ChkTestPowerMonitor -------------------------------------------------- */

static void
power_apply_state (GObject     *monitor,
                   const State *state)
{
  chk_test_power_monitor_set_power_saver (CHK_TEST_POWER_MONITOR (monitor),
                                          state->power_saver_enabled);
}

static gboolean
power_initable_init (GInitable     *initable,
                     GCancellable  *cancellable,
                     GError       **error)
{
  ChkTestPowerMonitor *self = CHK_TEST_POWER_MONITOR (initable);

  return watch_state_file (G_OBJECT (self), power_apply_state, &self->file_monitor, error);
}

static void
power_initable_iface_init (GInitableIface *iface)
{
  iface->init = power_initable_init;
}

static void
power_monitor_iface_init (GPowerProfileMonitorInterface *iface)
{
}

static void
chk_test_power_monitor_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  ChkTestPowerMonitor *self = CHK_TEST_POWER_MONITOR (object);

  switch (prop_id)
    {
    case POWER_PROP_POWER_SAVER_ENABLED:
      g_value_set_boolean (value, self->power_saver_enabled);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_test_power_monitor_finalize (GObject *object)
{
  ChkTestPowerMonitor *self = CHK_TEST_POWER_MONITOR (object);

  g_clear_object (&self->file_monitor);

  G_OBJECT_CLASS (chk_test_power_monitor_parent_class)->finalize (object);
}

static void
chk_test_power_monitor_class_init (ChkTestPowerMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = chk_test_power_monitor_get_property;
  object_class->finalize = chk_test_power_monitor_finalize;

  g_object_class_override_property (object_class, POWER_PROP_POWER_SAVER_ENABLED,
                                    "power-saver-enabled");
}

static void
chk_test_power_monitor_init (ChkTestPowerMonitor *self)
{
}

/**
 * chk_test_power_monitor_set_power_saver:
 * @self: the monitor
 * @enabled: whether power saving is on
 *
 * Changes the state, notifying #GPowerProfileMonitor:power-saver-enabled
 * when it changed.
 */
void
chk_test_power_monitor_set_power_saver (ChkTestPowerMonitor *self,
                                        gboolean             enabled)
{
  g_return_if_fail (CHK_IS_TEST_POWER_MONITOR (self));

  if (self->power_saver_enabled == !!enabled)
    return;
  self->power_saver_enabled = !!enabled;
  g_object_notify (G_OBJECT (self), "power-saver-enabled");
}

/* ---- registration --------------------------------------------------------- */

/**
 * chk_test_monitors_register:
 *
 * Registers both monitors with GIO's extension points as
 * %CHK_TEST_MONITORS_NAME, at a priority above GIO's own. Call it before
 * anything asks for the default monitors; select them by setting
 * GIO_USE_NETWORK_MONITOR and GIO_USE_POWER_PROFILE_MONITOR to
 * %CHK_TEST_MONITORS_NAME too, so that a typo fails loudly.
 */
void
chk_test_monitors_register (void)
{
  /* Registering an extension point that GIO registered already is a no-op;
   * doing it here lets a test register its types before GIO loads its
   * modules, which is when GIO registers its extension points. */
  g_io_extension_point_register (G_NETWORK_MONITOR_EXTENSION_POINT_NAME);
  g_io_extension_point_register (G_POWER_PROFILE_MONITOR_EXTENSION_POINT_NAME);
  g_io_extension_point_implement (G_NETWORK_MONITOR_EXTENSION_POINT_NAME,
                                  CHK_TYPE_TEST_NETWORK_MONITOR, CHK_TEST_MONITORS_NAME, 1000);
  g_io_extension_point_implement (G_POWER_PROFILE_MONITOR_EXTENSION_POINT_NAME,
                                  CHK_TYPE_TEST_POWER_MONITOR, CHK_TEST_MONITORS_NAME, 1000);
}
