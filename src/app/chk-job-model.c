/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "chk-bus.h"
#include "chk-job-item.h"
#include "chk-job-model.h"

/**
 * ChkJobModel:
 *
 * The app's view of chronikerd: the Scheduler1 proxy and a #GListModel of
 * every job (#ChkJobItem, behind the #ChkJob1 interface), kept in step with
 * the daemon through its ObjectManager and PropertiesChanged, without
 * polling. Everything is asynchronous. When the daemon leaves the bus the
 * model fails; when it comes back (or chk_job_model_connect() is called)
 * it reconnects.
 *
 * It reads GetManagedObjects itself and follows InterfacesAdded,
 * InterfacesRemoved and PropertiesChanged with one signal subscription
 * each, rather than through a #GDBusObjectManagerClient: that made a
 * #GDBusProxy per job, which with 10,000 jobs cost seconds and hundreds of
 * MiB. Proxies are made only for the jobs whose methods are called
 * (chk_job_get_proxy()).
 */
struct _ChkJobModel
{
  GObject             parent_instance;

  ChkJobModelState    state;
  GError             *error;
  gboolean            stopped;   /* failed as the daemon left, not on a try to start it */
  GCancellable       *cancellable;
  GDBusConnection    *connection;
  char               *owner;     /* the unique name of the daemon the jobs came from */
  ChkScheduler1      *scheduler;
  GListStore         *jobs;
  GHashTable         *by_path;   /* object path → ChkJobItem */
  guint               watch_id;
  guint               added_id;
  guint               removed_id;
  guint               changed_id;
};

G_DEFINE_FINAL_TYPE (ChkJobModel, chk_job_model, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void chk_job_model_reset (ChkJobModel *self);

static const char *
job_interface (void)
{
  return chk_job1_interface_info ()->name;
}

static void
set_state (ChkJobModel      *self,
           ChkJobModelState  state,
           GError           *error)
{
  g_clear_error (&self->error);
  self->error = error;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* Signals count once the jobs are loaded, and only from the daemon they came
 * from. Those that arrive before GetManagedObjects' reply were sent before
 * it (a bus keeps one sender's messages in order): the reply has them. */
static gboolean
following (ChkJobModel *self,
           const char  *sender)
{
  return self->state == CHK_JOB_MODEL_READY && g_strcmp0 (sender, self->owner) == 0;
}

static ChkJobItem *
new_item (ChkJobModel *self,
          const char  *path,
          GVariant    *interfaces)
{
  g_autoptr(GVariant) properties = NULL;

  properties = g_variant_lookup_value (interfaces, job_interface (), G_VARIANT_TYPE_VARDICT);
  if (properties == NULL)
    return NULL;
  return chk_job_item_new (self->connection, self->owner, path, properties);
}

static void
interfaces_added_cb (GDBusConnection *connection,
                     const char      *sender,
                     const char      *object_path,
                     const char      *interface_name,
                     const char      *signal_name,
                     GVariant        *parameters,
                     gpointer         user_data)
{
  ChkJobModel *self = user_data;
  g_autoptr(GVariant) interfaces = NULL;
  g_autoptr(ChkJobItem) job = NULL;
  const char *path;

  if (!following (self, sender) ||
      !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(oa{sa{sv}})")))
    return;

  g_variant_get (parameters, "(&o@a{sa{sv}})", &path, &interfaces);
  if (g_hash_table_contains (self->by_path, path))
    return;
  job = new_item (self, path, interfaces);
  if (job == NULL)
    return;

  g_hash_table_insert (self->by_path, g_strdup (path), g_object_ref (job));
  g_list_store_append (self->jobs, job);
}

static void
interfaces_removed_cb (GDBusConnection *connection,
                       const char      *sender,
                       const char      *object_path,
                       const char      *interface_name,
                       const char      *signal_name,
                       GVariant        *parameters,
                       gpointer         user_data)
{
  ChkJobModel *self = user_data;
  g_autofree const char **names = NULL;
  const char *path;
  ChkJob1 *job;
  guint position;

  if (!following (self, sender) || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(oas)")))
    return;

  g_variant_get (parameters, "(&o^a&s)", &path, &names);
  job = g_hash_table_lookup (self->by_path, path);
  if (job == NULL || !g_strv_contains (names, job_interface ()))
    return;

  if (g_list_store_find (self->jobs, job, &position))
    g_list_store_remove (self->jobs, position);
  g_hash_table_remove (self->by_path, path);
}

static void
properties_changed_cb (GDBusConnection *connection,
                       const char      *sender,
                       const char      *object_path,
                       const char      *interface_name,
                       const char      *signal_name,
                       GVariant        *parameters,
                       gpointer         user_data)
{
  ChkJobModel *self = user_data;
  g_autoptr(GVariant) changed = NULL;
  g_autofree const char **invalidated = NULL;
  ChkJobItem *job;
  const char *name;

  if (!following (self, sender) ||
      !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sa{sv}as)")))
    return;

  g_variant_get (parameters, "(&s@a{sv}^a&s)", &name, &changed, &invalidated);
  job = g_hash_table_lookup (self->by_path, object_path);
  if (job != NULL && g_strcmp0 (name, job_interface ()) == 0)
    chk_job_item_update (job, changed, invalidated);
}

static void
subscribe (ChkJobModel *self)
{
  /* By the well-known name: the bus matches its owner of the moment. */
  GDBusConnection *bus = self->connection;
  const char *manager = "org.freedesktop.DBus.ObjectManager";

  self->added_id = g_dbus_connection_signal_subscribe (bus, CHK_BUS_NAME, manager,
                                                       "InterfacesAdded", CHK_MANAGER_PATH,
                                                       NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                       interfaces_added_cb, self, NULL);
  self->removed_id = g_dbus_connection_signal_subscribe (bus, CHK_BUS_NAME, manager,
                                                         "InterfacesRemoved", CHK_MANAGER_PATH,
                                                         NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                         interfaces_removed_cb, self, NULL);
  /* Every job's, in one: arg0 is the interface */
  self->changed_id = g_dbus_connection_signal_subscribe (bus, CHK_BUS_NAME,
                                                         "org.freedesktop.DBus.Properties",
                                                         "PropertiesChanged", NULL,
                                                         job_interface (),
                                                         G_DBUS_SIGNAL_FLAGS_NONE,
                                                         properties_changed_cb, self, NULL);
}

static void
unsubscribe (ChkJobModel *self)
{
  guint *ids[] = { &self->added_id, &self->removed_id, &self->changed_id };

  if (self->connection == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      if (*ids[i] != 0)
        g_dbus_connection_signal_unsubscribe (self->connection, *ids[i]);
      *ids[i] = 0;
    }
}

#ifdef __GLIBC__
/* GetManagedObjects' reply for 10,000 jobs is parsed into millions of
 * small GVariants (about 15 times its 15.6 MiB), freed once the items are
 * made: glibc keeps that memory mapped unless told (issue 18). Where
 * GSlice caches the GVariants (GLib < 2.76) it keeps them itself, and
 * this gives back only what malloc freed. */
static gboolean
trim_cb (gpointer user_data)
{
  malloc_trim (0);
  return G_SOURCE_REMOVE;
}
#endif

static void
managed_objects_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ChkJobModel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusMessage) reply = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GVariant) objects = NULL;
  GVariant *body = NULL;
  GVariantIter iter;
  const char *path;
  GVariant *interfaces;

  reply = g_dbus_connection_send_message_with_reply_finish (G_DBUS_CONNECTION (object), result,
                                                            &error);
  if (reply != NULL && g_dbus_message_to_gerror (reply, &error))
    g_dbus_error_strip_remote_error (error);
  else if (reply != NULL)
    {
      body = g_dbus_message_get_body (reply);
      if (body == NULL || !g_variant_is_of_type (body, G_VARIANT_TYPE ("(a{oa{sa{sv}}})")))
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                             "GetManagedObjects replied %s, not (a{oa{sa{sv}}})",
                             body != NULL ? g_variant_get_type_string (body) : "nothing");
    }
  if (error != NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_state (self, CHK_JOB_MODEL_FAILED, g_steal_pointer (&error));
      return;
    }

  /* The daemon that answered: its signals are the ones to follow. */
  g_free (self->owner);
  self->owner = g_strdup (g_dbus_message_get_sender (reply));

  objects = g_variant_get_child_value (body, 0);
  jobs = g_ptr_array_new_with_free_func (g_object_unref);
  g_variant_iter_init (&iter, objects);
  while (g_variant_iter_next (&iter, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      ChkJobItem *job = NULL;

      if (!g_hash_table_contains (self->by_path, path))
        job = new_item (self, path, interfaces);
      g_variant_unref (interfaces);
      if (job == NULL)
        continue;
      g_hash_table_insert (self->by_path, g_strdup (path), g_object_ref (job));
      g_ptr_array_add (jobs, job);
    }
  /* One splice for all of them: a list of 10,000 jobs is one change, not 10,000. */
  g_list_store_splice (self->jobs, 0, 0, jobs->pdata, jobs->len);

  set_state (self, CHK_JOB_MODEL_READY, NULL);
#ifdef __GLIBC__
  /* Once the reply itself is freed, after this callback */
  g_idle_add_full (G_PRIORITY_LOW, trim_cb, NULL, NULL);
#endif
}

static void
load_jobs (ChkJobModel *self)
{
  g_autoptr(GDBusMessage) message = NULL;

  subscribe (self);
  /* A message rather than g_dbus_connection_call(), for its reply's sender */
  message = g_dbus_message_new_method_call (CHK_BUS_NAME, CHK_MANAGER_PATH,
                                            "org.freedesktop.DBus.ObjectManager",
                                            "GetManagedObjects");
  g_dbus_message_set_flags (message, G_DBUS_MESSAGE_FLAGS_NO_AUTO_START);
  g_dbus_connection_send_message_with_reply (self->connection, message,
                                             G_DBUS_SEND_MESSAGE_FLAGS_NONE, -1, NULL,
                                             self->cancellable, managed_objects_cb,
                                             g_object_ref (self));
}

static void
scheduler_ready_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ChkJobModel) self = user_data;
  g_autoptr(GError) error = NULL;

  self->scheduler = chk_scheduler1_proxy_new_finish (result, &error);
  if (self->scheduler == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_state (self, CHK_JOB_MODEL_FAILED, g_steal_pointer (&error));
      return;
    }

  load_jobs (self);
}

static void
ping_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(ChkJobModel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_dbus_error_strip_remote_error (error);
          set_state (self, CHK_JOB_MODEL_FAILED, g_steal_pointer (&error));
        }
      return;
    }

  chk_scheduler1_proxy_new (self->connection, G_DBUS_PROXY_FLAGS_NONE, CHK_BUS_NAME, CHK_MANAGER_PATH,
                            self->cancellable, scheduler_ready_cb, g_object_ref (self));
}

static void
name_appeared_cb (GDBusConnection *connection,
                  const char      *name,
                  const char      *owner,
                  gpointer         user_data)
{
  ChkJobModel *self = user_data;

  /* The daemon came back (restarted, or replaced): start again. */
  if (self->state == CHK_JOB_MODEL_FAILED)
    chk_job_model_connect (self);
}

static void
name_vanished_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  ChkJobModel *self = user_data;

  if (self->state != CHK_JOB_MODEL_READY)
    return;

  chk_job_model_reset (self);
  self->stopped = TRUE;
  set_state (self, CHK_JOB_MODEL_FAILED,
             g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, _("The scheduler stopped.")));
}

static void
bus_ready_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ChkJobModel) self = user_data;
  g_autoptr(GError) error = NULL;

  self->connection = g_bus_get_finish (result, &error);
  if (self->connection == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_state (self, CHK_JOB_MODEL_FAILED, g_steal_pointer (&error));
      return;
    }

  self->watch_id = g_bus_watch_name_on_connection (self->connection, CHK_BUS_NAME,
                                                   G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   name_appeared_cb, name_vanished_cb, self, NULL);

  /* Ping through the bus name: activation starts the daemon if it is not running. */
  g_dbus_connection_call (self->connection, CHK_BUS_NAME, CHK_MANAGER_PATH,
                          "org.freedesktop.DBus.Peer", "Ping", NULL, NULL,
                          G_DBUS_CALL_FLAGS_NONE, 30000, self->cancellable, ping_cb, g_object_ref (self));
}

static void
chk_job_model_reset (ChkJobModel *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  unsubscribe (self);
  g_clear_pointer (&self->owner, g_free);
  g_clear_object (&self->scheduler);
  g_hash_table_remove_all (self->by_path);
  g_list_store_remove_all (self->jobs);
}

static void
chk_job_model_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ChkJobModel *self = CHK_JOB_MODEL (object);

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
chk_job_model_dispose (GObject *object)
{
  ChkJobModel *self = CHK_JOB_MODEL (object);

  chk_job_model_reset (self);
  g_clear_handle_id (&self->watch_id, g_bus_unwatch_name);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->connection);
  g_clear_object (&self->jobs);
  g_clear_pointer (&self->by_path, g_hash_table_unref);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (chk_job_model_parent_class)->dispose (object);
}

static void
chk_job_model_class_init (ChkJobModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = chk_job_model_get_property;
  object_class->dispose = chk_job_model_dispose;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, CHK_JOB_MODEL_CONNECTING, CHK_JOB_MODEL_FAILED,
                      CHK_JOB_MODEL_CONNECTING,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chk_job_model_init (ChkJobModel *self)
{
  self->cancellable = g_cancellable_new ();
  self->jobs = g_list_store_new (CHK_TYPE_JOB1);
  self->by_path = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

ChkJobModel *
chk_job_model_new (void)
{
  return g_object_new (CHK_TYPE_JOB_MODEL, NULL);
}

/**
 * chk_job_model_connect:
 * @self: a #ChkJobModel
 *
 * Reaches chronikerd (starting it by D-Bus activation) and loads the jobs.
 * Watch #ChkJobModel:state for the outcome. Calling it again retries.
 */
void
chk_job_model_connect (ChkJobModel *self)
{
  g_return_if_fail (CHK_IS_JOB_MODEL (self));

  chk_job_model_reset (self);
  self->stopped = FALSE;
  set_state (self, CHK_JOB_MODEL_CONNECTING, NULL);

  if (self->connection != NULL)
    g_dbus_connection_call (self->connection, CHK_BUS_NAME, CHK_MANAGER_PATH,
                            "org.freedesktop.DBus.Peer", "Ping", NULL, NULL,
                            G_DBUS_CALL_FLAGS_NONE, 30000, self->cancellable, ping_cb, g_object_ref (self));
  else
    g_bus_get (G_BUS_TYPE_SESSION, self->cancellable, bus_ready_cb, g_object_ref (self));
}

ChkJobModelState
chk_job_model_get_state (ChkJobModel *self)
{
  g_return_val_if_fail (CHK_IS_JOB_MODEL (self), CHK_JOB_MODEL_FAILED);
  return self->state;
}

/**
 * chk_job_model_get_error:
 * @self: a #ChkJobModel
 *
 * Returns: (nullable): why the model failed
 */
const GError *
chk_job_model_get_error (ChkJobModel *self)
{
  g_return_val_if_fail (CHK_IS_JOB_MODEL (self), NULL);
  return self->error;
}

/**
 * chk_job_model_get_stopped:
 * @self: a #ChkJobModel
 *
 * Whether the model failed because chronikerd left the bus (it stopped,
 * or crashed) while the model followed it: then nothing has tried to
 * start it again yet. Otherwise a failure means that it could not be
 * reached, or started.
 *
 * Returns: whether the daemon stopped under the model
 */
gboolean
chk_job_model_get_stopped (ChkJobModel *self)
{
  g_return_val_if_fail (CHK_IS_JOB_MODEL (self), FALSE);
  return self->state == CHK_JOB_MODEL_FAILED && self->stopped;
}

/**
 * chk_job_model_get_jobs:
 * @self: a #ChkJobModel
 *
 * Returns: (transfer none): a #GListModel of #ChkJob1 (#ChkJobItem), live
 */
GListModel *
chk_job_model_get_jobs (ChkJobModel *self)
{
  g_return_val_if_fail (CHK_IS_JOB_MODEL (self), NULL);
  return G_LIST_MODEL (self->jobs);
}

/**
 * chk_job_model_get_scheduler:
 * @self: a #ChkJobModel
 *
 * Returns: (transfer none) (nullable): the Scheduler1 proxy, when ready
 */
ChkScheduler1 *
chk_job_model_get_scheduler (ChkJobModel *self)
{
  g_return_val_if_fail (CHK_IS_JOB_MODEL (self), NULL);
  return self->scheduler;
}

/**
 * chk_job_model_lookup:
 * @self: a #ChkJobModel
 * @object_path: a job's object path
 *
 * Returns: (transfer none) (nullable): the job
 */
ChkJob1 *
chk_job_model_lookup (ChkJobModel *self,
                      const char  *object_path)
{
  g_return_val_if_fail (CHK_IS_JOB_MODEL (self), NULL);
  return g_hash_table_lookup (self->by_path, object_path);
}
