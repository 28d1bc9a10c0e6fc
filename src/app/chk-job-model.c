/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "chk-bus.h"
#include "chk-error.h"
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
 * It reads the jobs itself and follows InterfacesAdded, InterfacesRemoved
 * and PropertiesChanged with one signal subscription each, rather than
 * through a #GDBusObjectManagerClient: that made a #GDBusProxy per job,
 * which with 10,000 jobs cost seconds and hundreds of MiB. Proxies are made
 * only for the jobs whose methods are called (chk_job_get_proxy()).
 *
 * The jobs come page by page from Scheduler1.ListJobs rather than in one
 * GetManagedObjects reply: GDBus
 * parses a reply into a tree of GVariants about 15 times its size, which
 * for 10,000 jobs took hundreds of MiB that GSlice kept (issue 18). A
 * daemon without ListJobs is read with GetManagedObjects. Each page is
 * listed as it comes: the model is %CHK_JOB_MODEL_LOADING from the first,
 * a small one so that a window shows jobs at once, and ready after the
 * last.
 */
struct _ChkJobModel
{
  GObject             parent_instance;

  GBusType            bus_type;  /* the session's daemon, or the system's */
  ChkJobModelState    state;
  GError             *error;
  gboolean            stopped;   /* failed as the daemon left, not on a try to start it */
  GCancellable       *cancellable;
  GDBusConnection    *connection;
  char               *owner;     /* the unique name of the daemon the jobs came from */
  char               *after;     /* while paging: the last job of the pages so far */
  gboolean            paged;     /* loading with ListJobs, not GetManagedObjects */
  ChkScheduler1      *scheduler;
  GListStore         *jobs;
  GHashTable         *by_path;   /* object path → ChkJobItem */
  GPtrArray          *pending;   /* while paging: the jobs to list once all are in */
  guint               watch_id;
  guint               added_id;
  guint               removed_id;
  guint               changed_id;
  guint               forwarded_id;  /* system mode: Scheduler1.Forwarded */
};

G_DEFINE_FINAL_TYPE (ChkJobModel, chk_job_model, G_TYPE_OBJECT)

/* Jobs asked for in one ListJobs call: a reply of about 400 KiB; the first
 * page, more than a window shows, sooner */
#define PAGE_SIZE 250
#define FIRST_PAGE_SIZE 50

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

/*
 * Signals count from the first reply on, and only from the daemon that
 * sent it. A bus keeps one sender's messages in order: the replies
 * after a signal have what it says. So while paging, PropertiesChanged of a
 * job not listed yet is left to its page, InterfacesAdded lists a job
 * before its page (which then skips it), and InterfacesRemoved takes a job
 * off for good: the pages after it do not have it.
 */
static gboolean
following (ChkJobModel *self,
           const char  *sender)
{
  return self->owner != NULL && g_strcmp0 (sender, self->owner) == 0;
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

/* Lists the jobs waiting to be, in one splice: 10,000 jobs are one change
 * to the list, not 10,000. */
static void
list_pending (ChkJobModel *self)
{
  g_list_store_splice (self->jobs, g_list_model_get_n_items (G_LIST_MODEL (self->jobs)), 0,
                       self->pending->pdata, self->pending->len);
  g_ptr_array_set_size (self->pending, 0);
}

/*
 * Adds @jobs (#ChkJobItem) that the model does not have yet: known
 * (chk_job_model_lookup(), and followed) at once, listed once the first
 * page is in.
 */
static void
add_jobs (ChkJobModel *self,
          GPtrArray   *jobs)
{
  for (guint i = 0; i < jobs->len; i++)
    {
      ChkJobItem *job = g_ptr_array_index (jobs, i);
      const char *path = chk_job_get_object_path (CHK_JOB1 (job));

      if (g_hash_table_contains (self->by_path, path))
        continue;
      g_hash_table_insert (self->by_path, g_strdup (path), g_object_ref (job));
      g_ptr_array_add (self->pending, g_object_ref (job));
    }
  if (self->state == CHK_JOB_MODEL_LOADING || self->state == CHK_JOB_MODEL_READY)
    list_pending (self);
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
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func (g_object_unref);
  ChkJobItem *job;
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

  g_ptr_array_add (jobs, job);
  add_jobs (self, jobs);
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
  else
    g_ptr_array_remove (self->pending, job);
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

/*
 * The system daemon's signals reach root alone; to others it sends those
 * about their jobs, to them alone, in Scheduler1.Forwarded. Each is taken
 * as if heard: the jobs' by the model, the runs' by the Scheduler1 proxy,
 * which the job page and the log follow.
 */
static void
forwarded_cb (GDBusConnection *connection,
              const char      *sender,
              const char      *object_path,
              const char      *interface_name,
              const char      *signal_name,
              GVariant        *parameters,
              gpointer         user_data)
{
  ChkJobModel *self = user_data;
  g_autoptr(GVariant) args = NULL;
  const char *path, *interface, *member;

  if (!following (self, sender) || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ossv)")))
    return;

  g_variant_get (parameters, "(&o&s&sv)", &path, &interface, &member, &args);
  if (!g_variant_is_of_type (args, G_VARIANT_TYPE_TUPLE))
    return;
  if (g_str_equal (member, "InterfacesAdded"))
    interfaces_added_cb (connection, sender, path, interface, member, args, self);
  else if (g_str_equal (member, "InterfacesRemoved"))
    interfaces_removed_cb (connection, sender, path, interface, member, args, self);
  else if (g_str_equal (member, "PropertiesChanged"))
    properties_changed_cb (connection, sender, path, interface, member, args, self);
  else if (self->scheduler != NULL &&
           g_str_equal (interface, chk_scheduler1_interface_info ()->name))
    /* As the proxy hears a signal: its own signals follow, arguments checked */
    g_signal_emit_by_name (self->scheduler, "g-signal", sender, member, args);
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
  if (self->bus_type == G_BUS_TYPE_SYSTEM)
    self->forwarded_id = g_dbus_connection_signal_subscribe (bus, CHK_BUS_NAME,
                                                             chk_scheduler1_interface_info ()->name,
                                                             "Forwarded", CHK_MANAGER_PATH, NULL,
                                                             G_DBUS_SIGNAL_FLAGS_NONE,
                                                             forwarded_cb, self, NULL);
}

static void
unsubscribe (ChkJobModel *self)
{
  guint *ids[] = { &self->added_id, &self->removed_id, &self->changed_id, &self->forwarded_id };

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
/* A reply is parsed into many small GVariants (about 15 times its size;
 * millions for GetManagedObjects' 15.6 MiB with 10,000 jobs), freed once
 * the items are made: glibc keeps that memory mapped unless told (issue
 * 18). Where GSlice caches the GVariants (GLib < 2.76) it keeps them
 * itself, and this gives back only what malloc freed. */
static gboolean
trim_cb (gpointer user_data)
{
  malloc_trim (0);
  return G_SOURCE_REMOVE;
}
#endif

/* No jobs, nor signals about them, until the next load */
static void
drop_jobs (ChkJobModel *self)
{
  g_clear_pointer (&self->owner, g_free);
  g_clear_pointer (&self->after, g_free);
  g_ptr_array_set_size (self->pending, 0);
  g_hash_table_remove_all (self->by_path);
  g_list_store_remove_all (self->jobs);
}

/* Once every job is listed */
static void
finish_loading (ChkJobModel *self)
{
  g_clear_pointer (&self->after, g_free);
  list_pending (self);
  set_state (self, CHK_JOB_MODEL_READY, NULL);
#ifdef __GLIBC__
  /* Once the last reply itself is freed, after this callback */
  g_idle_add_full (G_PRIORITY_LOW, trim_cb, NULL, NULL);
#endif
}

static void
fail_loading (ChkJobModel *self,
              GError      *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_error_free (error);
      return;
    }
  /* Not a part of the jobs */
  drop_jobs (self);
  set_state (self, CHK_JOB_MODEL_FAILED, error);
}

static void jobs_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data);

/* Sends @message, a method call to the daemon, without starting it. A
 * message rather than g_dbus_connection_call(), for its reply's sender. */
static void
send_call (ChkJobModel  *self,
           GDBusMessage *message)
{
  g_dbus_message_set_flags (message, G_DBUS_MESSAGE_FLAGS_NO_AUTO_START);
  g_dbus_connection_send_message_with_reply (self->connection, message,
                                             G_DBUS_SEND_MESSAGE_FLAGS_NONE, -1, NULL,
                                             self->cancellable, jobs_cb, g_object_ref (self));
}

/*
 * Whether @reply came from the daemon that sent the replies before, or is
 * the first: its signals are then the ones to follow. A reply from another
 * daemon (the one before was replaced between two pages) drops the jobs so
 * far, and loading starts again.
 */
static gboolean
take_owner (ChkJobModel  *self,
            GDBusMessage *reply)
{
  const char *sender = g_dbus_message_get_sender (reply);

  if (self->owner == NULL)
    self->owner = g_strdup (sender);
  if (g_strcmp0 (sender, self->owner) == 0)
    return TRUE;

  drop_jobs (self);
  return FALSE;
}

/* The jobs of a reply, as (path, Job1 properties) pairs */
static GVariant *
reply_jobs (GDBusMessage  *reply,
            gboolean       paged,
            GError       **error)
{
  const char *type = paged ? "(a(oa{sv}))" : "(a{oa{sa{sv}}})";
  GVariant *body = g_dbus_message_get_body (reply);

  if (g_dbus_message_to_gerror (reply, error))
    {
      g_dbus_error_strip_remote_error (*error);
      return NULL;
    }
  if (body == NULL || !g_variant_is_of_type (body, G_VARIANT_TYPE (type)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s replied %s, not %s",
                   paged ? "ListJobs" : "GetManagedObjects",
                   body != NULL ? g_variant_get_type_string (body) : "nothing", type);
      return NULL;
    }
  return g_variant_get_child_value (body, 0);
}

static void get_managed_objects (ChkJobModel *self);
static void list_jobs (ChkJobModel *self);

/* A page of ListJobs, or GetManagedObjects' every job */
static void
jobs_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(ChkJobModel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusMessage) reply = NULL;
  g_autoptr(GVariant) entries = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  gboolean paged = self->paged;
  gsize n_entries;

  reply = g_dbus_connection_send_message_with_reply_finish (G_DBUS_CONNECTION (object), result,
                                                            &error);
  if (reply != NULL)
    entries = reply_jobs (reply, paged, &error);
  if (entries == NULL && paged && self->owner == NULL &&
      (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
       g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE)))
    {
      /* A daemon from before ListJobs */
      get_managed_objects (self);
      return;
    }
  if (entries == NULL)
    {
      fail_loading (self, g_steal_pointer (&error));
      return;
    }
  if (!take_owner (self, reply))
    {
      list_jobs (self);
      return;
    }

  n_entries = g_variant_n_children (entries);
  jobs = g_ptr_array_new_full (n_entries, g_object_unref);
  for (gsize i = 0; i < n_entries; i++)
    {
      g_autoptr(GVariant) entry = g_variant_get_child_value (entries, i);
      g_autoptr(GVariant) value = g_variant_get_child_value (entry, 1);
      const char *path;
      ChkJobItem *job;

      g_variant_get_child (entry, 0, "&o", &path);
      job = paged ? chk_job_item_new (self->connection, self->owner, path, value)
                  : new_item (self, path, value);
      if (job != NULL)
        g_ptr_array_add (jobs, job);
    }
  add_jobs (self, jobs);

  /* An empty page is the end; GetManagedObjects has every job. */
  if (!paged || n_entries == 0)
    {
      finish_loading (self);
      return;
    }
  g_free (self->after);
  self->after = g_strdup (chk_job_get_object_path (g_ptr_array_index (jobs, jobs->len - 1)));
  if (self->state == CHK_JOB_MODEL_CONNECTING)
    {
      list_pending (self);
      set_state (self, CHK_JOB_MODEL_LOADING, NULL);
    }
  list_jobs (self);
}

/* For a daemon from before ListJobs: every job in one reply */
static void
get_managed_objects (ChkJobModel *self)
{
  g_autoptr(GDBusMessage) message = NULL;

  message = g_dbus_message_new_method_call (CHK_BUS_NAME, CHK_MANAGER_PATH,
                                            "org.freedesktop.DBus.ObjectManager",
                                            "GetManagedObjects");
  self->paged = FALSE;
  send_call (self, message);
}

/* The page of jobs after the last one listed */
static void
list_jobs (ChkJobModel *self)
{
  g_autoptr(GDBusMessage) message = NULL;

  message = g_dbus_message_new_method_call (CHK_BUS_NAME, CHK_MANAGER_PATH,
                                            chk_scheduler1_interface_info ()->name, "ListJobs");
  g_dbus_message_set_body (message, g_variant_new ("(ou)", self->after != NULL ? self->after : "/",
                                                   self->after != NULL ? PAGE_SIZE
                                                                       : FIRST_PAGE_SIZE));
  self->paged = TRUE;
  send_call (self, message);
}

static void
load_jobs (ChkJobModel *self)
{
  subscribe (self);
  list_jobs (self);
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
  /* The system daemon's calls may wait for a password */
  if (chk_bus_is_interactive (self->connection))
    g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (self->scheduler),
                                      CHK_BUS_INTERACTIVE_TIMEOUT_MS);

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

  /* polkit may have an authentication agent ask for a password first */
  if (self->bus_type == G_BUS_TYPE_SYSTEM)
    chk_bus_allow_interactive_authorization (self->connection);

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
  g_clear_object (&self->scheduler);
  drop_jobs (self);
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
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (chk_job_model_parent_class)->dispose (object);
}

static void
chk_job_model_class_init (ChkJobModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = chk_job_model_get_property;
  object_class->dispose = chk_job_model_dispose;

  /* The daemon's errors come back as CHK_ERROR (PermissionDenied, …) */
  (void) chk_error_quark ();

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
  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
  self->bus_type = G_BUS_TYPE_SESSION;
}

/**
 * chk_job_model_new:
 *
 * Returns: (transfer full): the jobs of the session's chronikerd, the
 *   user's own ("My Jobs")
 */
ChkJobModel *
chk_job_model_new (void)
{
  return g_object_new (CHK_TYPE_JOB_MODEL, NULL);
}

/**
 * chk_job_model_new_for_system:
 *
 * Returns: (transfer full): the jobs of `chronikerd --system` on the system
 *   bus ("System Jobs"), as polkit lets the user see them
 */
ChkJobModel *
chk_job_model_new_for_system (void)
{
  ChkJobModel *self = g_object_new (CHK_TYPE_JOB_MODEL, NULL);

  self->bus_type = G_BUS_TYPE_SYSTEM;
  return self;
}

/**
 * chk_job_model_is_system:
 * @self: a #ChkJobModel
 *
 * Returns: whether @self has the system's jobs rather than the session's
 */
gboolean
chk_job_model_is_system (ChkJobModel *self)
{
  g_return_val_if_fail (CHK_IS_JOB_MODEL (self), FALSE);
  return self->bus_type == G_BUS_TYPE_SYSTEM;
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
    g_bus_get (self->bus_type, self->cancellable, bus_ready_cb, g_object_ref (self));
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
