/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-dbus"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "chk-dbus-generated.h"
#include "chk-dbus-util.h"
#include "chk-error.h"
#include "chk-forward.h"
#include "chk-job-export.h"
#include "chk-job-impl.h"
#include "chk-job-private.h"
#include "chk-vardict-writer.h"

#define PROPERTIES_IFACE "org.freedesktop.DBus.Properties"
#define OBJECT_MANAGER_IFACE "org.freedesktop.DBus.ObjectManager"

/**
 * ChkJobExport:
 *
 * The engine's jobs on a bus, made only when asked for: a subtree at
 * %CHK_JOBS_PATH whose nodes are the job ids, whose Job1 properties are
 * read from the #ChkJob as they are and whose methods go to
 * chk_job_impl_method_call(); and the org.freedesktop.DBus.ObjectManager
 * of %CHK_MANAGER_PATH, which lists them and tells when they come and go.
 *
 * No job has an object or a copy of its properties of its own, so that
 * 10,000 jobs cost the daemon their #ChkJob only. PropertiesChanged tells
 * the properties whose values changed, compared with the values the job
 * kept from before its changes (_chk_job_get_state_before()).
 */
struct _ChkJobExport
{
  GObject          parent_instance;

  ChkEngine       *engine;
  GDBusConnection *connection;
  guint            manager_id;
  guint            subtree_id;
  gulong           changed_hook;
};

G_DEFINE_FINAL_TYPE (ChkJobExport, chk_job_export, G_TYPE_OBJECT)

/* The ObjectManager interface as GDBusObjectManagerServer has it */
static const char object_manager_xml[] =
  "<node>"
  "  <interface name='" OBJECT_MANAGER_IFACE "'>"
  "    <method name='GetManagedObjects'>"
  "      <arg type='a{oa{sa{sv}}}' name='object_paths_interfaces_and_properties'"
  "           direction='out'/>"
  "    </method>"
  "    <signal name='InterfacesAdded'>"
  "      <arg type='o' name='object_path'/>"
  "      <arg type='a{sa{sv}}' name='interfaces_and_properties'/>"
  "    </signal>"
  "    <signal name='InterfacesRemoved'>"
  "      <arg type='o' name='object_path'/>"
  "      <arg type='as' name='interfaces'/>"
  "    </signal>"
  "  </interface>"
  "</node>";

/* One Job1 property: its value in @state, as the bus shows it */
typedef GVariant *(*ToVariant) (const ChkJobState   *state,
                                const ChkJobSpecKey *key);

typedef struct
{
  const char          *name;
  /* The change that may change its value; 0 for never */
  ChkJobChange         change;
  ToVariant            to_variant;
  /* The spec key it shows, for the ones of the spec */
  const ChkJobSpecKey *key;
} JobProperty;

static GVariant *
id_to_variant (const ChkJobState   *state,
               const ChkJobSpecKey *key)
{
  return g_variant_new_uint64 (state->id);
}

/* An optional key that the spec does not have shows as its type's empty value. */
static GVariant *
spec_key_to_variant (const ChkJobState   *state,
                     const ChkJobSpecKey *key)
{
  GVariant *value = chk_job_spec_get_value (state->spec, key);

  if (value != NULL)
    return value;
  if (g_str_equal (key->type, "as"))
    return g_variant_new_strv (NULL, 0);
  return g_variant_new_string ("");
}

static GVariant *
schedule_description_to_variant (const ChkJobState   *state,
                                 const ChkJobSpecKey *key)
{
  return g_variant_new_take_string (chk_schedule_describe (state->schedule));
}

static GVariant *
next_run_to_variant (const ChkJobState   *state,
                     const ChkJobSpecKey *key)
{
  return g_variant_new_int64 (state->next_run);
}

static GVariant *
last_run_started_to_variant (const ChkJobState   *state,
                             const ChkJobSpecKey *key)
{
  return g_variant_new_int64 (state->last_run_started);
}

static GVariant *
last_run_finished_to_variant (const ChkJobState   *state,
                              const ChkJobSpecKey *key)
{
  return g_variant_new_int64 (state->last_run_finished);
}

static GVariant *
last_outcome_to_variant (const ChkJobState   *state,
                         const ChkJobSpecKey *key)
{
  return g_variant_new_string (state->last_outcome);
}

static GVariant *
last_exit_code_to_variant (const ChkJobState   *state,
                           const ChkJobSpecKey *key)
{
  return g_variant_new_int32 (state->last_exit_code);
}

static GVariant *
last_alert_error_to_variant (const ChkJobState   *state,
                             const ChkJobSpecKey *key)
{
  return g_variant_new_string (state->last_alert_error);
}

static GVariant *
waiting_for_to_variant (const ChkJobState   *state,
                        const ChkJobSpecKey *key)
{
  return g_variant_new_string (state->waiting_for);
}

static GVariant *
running_to_variant (const ChkJobState   *state,
                    const ChkJobSpecKey *key)
{
  return g_variant_new_boolean (state->running);
}

static GVariant *
current_run_to_variant (const ChkJobState   *state,
                        const ChkJobSpecKey *key)
{
  return g_variant_new_uint64 (state->current_run);
}

static GVariant *
progress_complete_to_variant (const ChkJobState   *state,
                              const ChkJobSpecKey *key)
{
  return g_variant_new_uint32 (state->progress_complete);
}

static GVariant *
progress_total_to_variant (const ChkJobState   *state,
                           const ChkJobSpecKey *key)
{
  return g_variant_new_uint32 (state->progress_total);
}

static GVariant *
progress_message_to_variant (const ChkJobState   *state,
                             const ChkJobSpecKey *key)
{
  return g_variant_new_string (state->progress_message);
}

/* The properties of the job's state; the others each show a key of its spec. */
static const JobProperty state_properties[] = {
  { "Id", 0, id_to_variant, NULL },
  { "ScheduleDescription", CHK_JOB_CHANGE_SPEC, schedule_description_to_variant, NULL },
  { "NextRun", CHK_JOB_CHANGE_NEXT_RUN, next_run_to_variant, NULL },
  { "LastRunStarted", CHK_JOB_CHANGE_LAST_RUN, last_run_started_to_variant, NULL },
  { "LastRunFinished", CHK_JOB_CHANGE_LAST_RUN, last_run_finished_to_variant, NULL },
  { "LastOutcome", CHK_JOB_CHANGE_LAST_RUN, last_outcome_to_variant, NULL },
  { "LastExitCode", CHK_JOB_CHANGE_LAST_RUN, last_exit_code_to_variant, NULL },
  { "LastAlertError", CHK_JOB_CHANGE_ALERT_ERROR, last_alert_error_to_variant, NULL },
  { "WaitingFor", CHK_JOB_CHANGE_WAITING, waiting_for_to_variant, NULL },
  { "Running", CHK_JOB_CHANGE_RUNNING, running_to_variant, NULL },
  { "CurrentRun", CHK_JOB_CHANGE_RUNNING, current_run_to_variant, NULL },
  { "ProgressComplete", CHK_JOB_CHANGE_PROGRESS, progress_complete_to_variant, NULL },
  { "ProgressTotal", CHK_JOB_CHANGE_PROGRESS, progress_total_to_variant, NULL },
  { "ProgressMessage", CHK_JOB_CHANGE_PROGRESS, progress_message_to_variant, NULL },
};

/* Every Job1 property in the interface's order, and by name */
static JobProperty *job_properties;
static guint n_job_properties;
static GHashTable *job_properties_by_name;

static void
find_property (const char  *name,
               JobProperty *out_property)
{
  const ChkJobSpecKey *keys;
  guint n_keys;

  for (guint i = 0; i < G_N_ELEMENTS (state_properties); i++)
    {
      if (g_str_equal (state_properties[i].name, name))
        {
          *out_property = state_properties[i];
          return;
        }
    }

  keys = chk_job_spec_keys (&n_keys);
  for (guint i = 0; i < n_keys; i++)
    {
      g_autofree char *property = chk_job_spec_key_to_property (keys[i].name);

      if (g_str_equal (property, name))
        {
          *out_property = (JobProperty) { NULL, CHK_JOB_CHANGE_SPEC, spec_key_to_variant,
                                          &keys[i] };
          return;
        }
    }

  g_error ("Job1 property %s shows neither a spec key nor the job's state", name);
}

static void
init_job_properties (void)
{
  static gsize done = 0;
  GDBusPropertyInfo **infos;

  if (!g_once_init_enter (&done))
    return;

  /* The class, and with it #ChkJob::changed, before any job is made */
  g_type_class_ref (CHK_TYPE_JOB);
  infos = chk_job1_interface_info ()->properties;
  for (n_job_properties = 0; infos[n_job_properties] != NULL; n_job_properties++)
    ;
  job_properties = g_new0 (JobProperty, n_job_properties);
  job_properties_by_name = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < n_job_properties; i++)
    {
      find_property (infos[i]->name, &job_properties[i]);
      job_properties[i].name = infos[i]->name;
      g_hash_table_insert (job_properties_by_name, (gpointer) infos[i]->name, &job_properties[i]);
    }

  g_once_init_leave (&done, 1);
}

/*
 * The a{sv} of every Job1 property of @job, as GetAll gives it, serialised
 * as it is written: a GVariantBuilder would make four values for each of
 * the 56 properties of each job, 2.2 million for GetManagedObjects with
 * 10,000 jobs.
 */
static GVariant *
job_properties_to_variant (ChkJob *job)
{
  ChkVardictWriter writer;
  ChkJobState state;

  _chk_job_peek_state (job, &state);
  _chk_vardict_writer_init (&writer);
  for (guint i = 0; i < n_job_properties; i++)
    {
      const JobProperty *property = &job_properties[i];

      _chk_vardict_writer_add_value (&writer, property->name,
                                     property->to_variant (&state, property->key));
    }
  return _chk_vardict_writer_end (&writer);
}

/* The a{sa{sv}} of the interfaces of @job's object */
static GVariant *
job_interfaces_to_variant (ChkJob *job)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sa{sv}}"));
  g_variant_builder_add (&builder, "{s@a{sv}}", chk_job1_interface_info ()->name,
                         job_properties_to_variant (job));
  return g_variant_builder_end (&builder);
}

/*
 * Whether @property shows a different value in @before than in @now. A new
 * job's values from before have no spec: all of its properties changed.
 */
static gboolean
property_changed (const JobProperty *property,
                  const ChkJobState *before,
                  const ChkJobState *now,
                  GVariant          *value)
{
  g_autoptr(GVariant) old = NULL;

  if (property->change == CHK_JOB_CHANGE_SPEC)
    {
      if (!before->spec_kept)
        return FALSE;
      if (before->spec == NULL)
        return TRUE;
      if (property->key == NULL && before->schedule == now->schedule)
        return FALSE;
    }

  old = g_variant_ref_sink (property->to_variant (before, property->key));
  return !g_variant_equal (old, value);
}

/* The a{sv} of the properties of @job whose values @changes changed, or %NULL for none */
static GVariant *
changed_properties_to_variant (ChkJob       *job,
                               ChkJobChange  changes)
{
  const ChkJobState *before = _chk_job_get_state_before (job);
  GVariantBuilder builder;
  ChkJobState now;
  gboolean any = FALSE;

  if (before == NULL)
    return NULL;

  _chk_job_peek_state (job, &now);
  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  for (guint i = 0; i < n_job_properties; i++)
    {
      const JobProperty *property = &job_properties[i];
      g_autoptr(GVariant) value = NULL;

      if ((property->change & changes) == 0)
        continue;
      value = g_variant_ref_sink (property->to_variant (&now, property->key));
      if (!property_changed (property, before, &now, value))
        continue;
      g_variant_builder_add (&builder, "{sv}", property->name, value);
      any = TRUE;
    }

  if (!any)
    {
      g_variant_builder_clear (&builder);
      return NULL;
    }
  return g_variant_builder_end (&builder);
}

/* The job at @object_path, or %NULL for a path of no job (deleted, or never was) */
static ChkJob *
lookup_job (ChkJobExport *self,
            const char   *object_path)
{
  guint64 id;

  if (!chk_job_id_from_path (object_path, &id))
    return NULL;
  return chk_engine_lookup_job (self->engine, id);
}

static void
set_gone_error (GError     **error,
                const char  *object_path)
{
  g_set_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND,
               _("No job at %s: it was deleted or never existed"), object_path);
}

static void
return_gone (GDBusMethodInvocation *invocation)
{
  GError *error = NULL;

  set_gone_error (&error, g_dbus_method_invocation_get_object_path (invocation));
  g_dbus_method_invocation_take_error (invocation, error);
}

/* Properties.Get and GetAll of a job, once the caller may read it */
static void
read_job_properties (ChkJob                *job,
                     const char            *method_name,
                     GVariant              *parameters,
                     GDBusMethodInvocation *invocation)
{
  const char *interface_name = NULL;
  const char *property_name = NULL;
  const JobProperty *property;
  ChkJobState state;

  /* GDBus checked the interface and the property before it came here. */
  if (g_str_equal (method_name, "GetAll"))
    {
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(@a{sv})",
                                                            job_properties_to_variant (job)));
      return;
    }

  g_assert (g_str_equal (method_name, "Get"));
  g_variant_get (parameters, "(&s&s)", &interface_name, &property_name);
  property = g_hash_table_lookup (job_properties_by_name, property_name);
  g_assert (property != NULL);
  _chk_job_peek_state (job, &state);
  g_dbus_method_invocation_return_value (invocation,
                                         g_variant_new ("(v)",
                                                        property->to_variant (&state,
                                                                              property->key)));
}

static void
authorized_job_method_call (GDBusConnection       *connection,
                            const char            *sender,
                            const char            *object_path,
                            const char            *interface_name,
                            const char            *method_name,
                            GVariant              *parameters,
                            GDBusMethodInvocation *invocation,
                            gpointer               user_data)
{
  ChkJobExport *self = user_data;
  ChkJob *job = lookup_job (self, object_path);
  g_autoptr(GError) error = NULL;

  /* Deleted while the bus told who called */
  if (job == NULL)
    {
      return_gone (invocation);
      return;
    }

  /* Anything about a job, reading it included, is for its user and admins. */
  if (!chk_dbus_may_use_job (invocation, chk_job_get_spec (job), &error))
    {
      chk_dbus_return_error (invocation, error);
      return;
    }

  if (g_str_equal (interface_name, PROPERTIES_IFACE))
    read_job_properties (job, method_name, parameters, invocation);
  else
    chk_job_impl_method_call (self->engine, job, invocation);
}

/*
 * Calls to the path of a job that is gone fail with NotFound like every
 * other call about an unknown job; those to a job are checked first, so
 * that they run only for the daemon's own user.
 */
static void
job_method_call (GDBusConnection       *connection,
                 const char            *sender,
                 const char            *object_path,
                 const char            *interface_name,
                 const char            *method_name,
                 GVariant              *parameters,
                 GDBusMethodInvocation *invocation,
                 gpointer               user_data)
{
  ChkJobExport *self = user_data;

  if (lookup_job (self, object_path) == NULL)
    {
      return_gone (invocation);
      return;
    }

  chk_dbus_call_if_authorized (authorized_job_method_call, invocation, G_OBJECT (self));
}

static GVariant *
job_get_property (GDBusConnection  *connection,
                  const char       *sender,
                  const char       *object_path,
                  const char       *interface_name,
                  const char       *property_name,
                  GError          **error,
                  gpointer          user_data)
{
  ChkJobExport *self = user_data;
  ChkJob *job = lookup_job (self, object_path);
  const JobProperty *property;
  ChkJobState state;

  if (job == NULL)
    {
      set_gone_error (error, object_path);
      return NULL;
    }

  /* GDBus answers for a property that Job1 does not have. */
  property = g_hash_table_lookup (job_properties_by_name, property_name);
  g_assert (property != NULL);
  _chk_job_peek_state (job, &state);
  return property->to_variant (&state, property->key);
}

static const GDBusInterfaceVTable job_vtable = {
  job_method_call,
  job_get_property,
  NULL,
  { 0 },
};

/* Where reads are checked (chk_dbus_checks_reads()): without get_property,
 * GDBus sends Properties.Get and GetAll to job_method_call, which can wait
 * for polkit. */
static const GDBusInterfaceVTable job_vtable_checked = {
  job_method_call,
  NULL,
  NULL,
  { 0 },
};

static char **
subtree_enumerate (GDBusConnection *connection,
                   const char      *sender,
                   const char      *object_path,
                   gpointer         user_data)
{
  ChkJobExport *self = user_data;
  g_autoptr(GPtrArray) jobs = chk_engine_list_jobs (self->engine);
  GStrvBuilder *builder = g_strv_builder_new ();
  char **nodes;

  for (guint i = 0; i < jobs->len; i++)
    {
      char node[G_ASCII_DTOSTR_BUF_SIZE];

      g_snprintf (node, sizeof node, "%" G_GUINT64_FORMAT,
                  chk_job_get_id (g_ptr_array_index (jobs, i)));
      g_strv_builder_add (builder, node);
    }

  nodes = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return nodes;
}

/* Every node has Job1, a gone one too: calls to it fail as they do for a gone job. */
static GDBusInterfaceInfo **
subtree_introspect (GDBusConnection *connection,
                    const char      *sender,
                    const char      *object_path,
                    const char      *node,
                    gpointer         user_data)
{
  GDBusInterfaceInfo **infos;

  if (node == NULL)
    return NULL;

  infos = g_new0 (GDBusInterfaceInfo *, 2);
  infos[0] = g_dbus_interface_info_ref (chk_job1_interface_info ());
  return infos;
}

static const GDBusInterfaceVTable *
subtree_dispatch (GDBusConnection *connection,
                  const char      *sender,
                  const char      *object_path,
                  const char      *interface_name,
                  const char      *node,
                  gpointer        *out_user_data,
                  gpointer         user_data)
{
  *out_user_data = user_data;
  if (node == NULL)
    return NULL;
  return chk_dbus_checks_reads () ? &job_vtable_checked : &job_vtable;
}

static const GDBusSubtreeVTable subtree_vtable = {
  subtree_enumerate,
  subtree_introspect,
  subtree_dispatch,
  { 0 },
};

static void
return_managed_objects (GDBusConnection       *connection,
                        const char            *sender,
                        const char            *object_path,
                        const char            *interface_name,
                        const char            *method_name,
                        GVariant              *parameters,
                        GDBusMethodInvocation *invocation,
                        gpointer               user_data)
{
  ChkJobExport *self = user_data;
  g_autoptr(GPtrArray) jobs = chk_engine_list_jobs (self->engine);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{oa{sa{sv}}}"));
  for (guint i = 0; i < jobs->len; i++)
    {
      ChkJob *job = g_ptr_array_index (jobs, i);
      g_autofree char *path = NULL;
      g_autoptr(GVariant) interfaces = NULL;

      /* In system mode, a caller without manage-all-jobs gets its own jobs only. */
      if (!chk_dbus_sees_job (invocation, chk_job_get_spec (job)))
        continue;
      path = chk_job_object_path (chk_job_get_id (job));
      interfaces = g_variant_ref_sink (job_interfaces_to_variant (job));

      /*
       * Serialised job by job, which frees its ~200 small values at once:
       * a tree of all of them for 10,000 jobs takes hundreds of MiB, and
       * the time to get and fault in that memory.
       */
      g_variant_get_data (interfaces);
      g_variant_builder_add_value (&builder,
                                   g_variant_new_dict_entry (g_variant_new_object_path (path),
                                                             interfaces));
    }

  g_dbus_method_invocation_return_value (invocation,
                                         g_variant_new ("(a{oa{sa{sv}}})", &builder));
}

static void
manager_method_call (GDBusConnection       *connection,
                     const char            *sender,
                     const char            *object_path,
                     const char            *interface_name,
                     const char            *method_name,
                     GVariant              *parameters,
                     GDBusMethodInvocation *invocation,
                     gpointer               user_data)
{
  ChkJobExport *self = user_data;

  /* GDBus checked the call against the interface, which has this one method. */
  g_assert (g_str_equal (method_name, "GetManagedObjects"));

  if (chk_dbus_checks_reads ())
    chk_dbus_call_if_authorized (return_managed_objects, invocation, G_OBJECT (self));
  else
    return_managed_objects (connection, sender, object_path, interface_name, method_name,
                            parameters, invocation, self);
}

static const GDBusInterfaceVTable manager_vtable = {
  manager_method_call,
  NULL,
  NULL,
  { 0 },
};

static GDBusInterfaceInfo *
object_manager_interface_info (void)
{
  static GDBusInterfaceInfo *info = NULL;
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (object_manager_xml, NULL);

      g_assert (node != NULL);
      info = g_dbus_interface_info_ref (node->interfaces[0]);
      g_once_init_leave (&done, 1);
    }
  return info;
}

/* Sends a signal about @job: to whoever listens, and in system mode to
 * the callers that see @job too (chk-forward.c). */
static void
emit (ChkJobExport *self,
      ChkJob       *job,
      const char   *path,
      const char   *interface_name,
      const char   *signal_name,
      GVariant     *parameters)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (parameters);
  g_autoptr(GError) error = NULL;

  if (!g_dbus_connection_emit_signal (self->connection, NULL, path, interface_name, signal_name,
                                      owned, &error))
    g_warning ("Could not send %s: %s", signal_name, error->message);
  chk_forward_signal (chk_job_get_spec (job), path, interface_name, signal_name, owned);
}

static void
job_added_cb (ChkEngine    *engine,
              ChkJob       *job,
              ChkJobExport *self)
{
  g_autofree char *path = NULL;

  /* What InterfacesAdded shows is where its PropertiesChanged start from. */
  _chk_job_forget_state_before (job);
  if (self->connection == NULL)
    return;

  path = chk_job_object_path (chk_job_get_id (job));
  emit (self, job, CHK_MANAGER_PATH, OBJECT_MANAGER_IFACE, "InterfacesAdded",
        g_variant_new ("(o@a{sa{sv}})", path, job_interfaces_to_variant (job)));
}

static void
job_removed_cb (ChkEngine    *engine,
                ChkJob       *job,
                ChkJobExport *self)
{
  const char *interfaces[] = { chk_job1_interface_info ()->name, NULL };
  g_autofree char *path = NULL;

  if (self->connection == NULL)
    return;

  path = chk_job_object_path (chk_job_get_id (job));
  emit (self, job, CHK_MANAGER_PATH, OBJECT_MANAGER_IFACE, "InterfacesRemoved",
        g_variant_new ("(o^as)", path, interfaces));
}

/* One hook for every job's #ChkJob::changed rather than a handler per job */
static gboolean
job_changed_hook (GSignalInvocationHint *hint,
                  guint                  n_param_values,
                  const GValue          *param_values,
                  gpointer               user_data)
{
  ChkJobExport *self = user_data;
  ChkJob *job = g_value_get_object (&param_values[0]);
  ChkJobChange changes = g_value_get_uint (&param_values[1]);
  g_autofree char *path = NULL;
  GVariant *changed;

  /* A job deleted (no longer on the bus), or another engine's */
  if (self->connection == NULL ||
      chk_engine_lookup_job (self->engine, chk_job_get_id (job)) != job)
    return TRUE;

  changed = changed_properties_to_variant (job, changes);
  if (changed == NULL)
    return TRUE;

  path = chk_job_object_path (chk_job_get_id (job));
  emit (self, job, path, PROPERTIES_IFACE, "PropertiesChanged",
        g_variant_new ("(s@a{sv}@as)", chk_job1_interface_info ()->name, changed,
                       g_variant_new_strv (NULL, 0)));
  return TRUE;
}

static void
chk_job_export_dispose (GObject *object)
{
  ChkJobExport *self = CHK_JOB_EXPORT (object);

  chk_job_export_unregister (self);
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_object (&self->engine);

  G_OBJECT_CLASS (chk_job_export_parent_class)->dispose (object);
}

static void
chk_job_export_class_init (ChkJobExportClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = chk_job_export_dispose;
}

static void
chk_job_export_init (ChkJobExport *self)
{
}

/**
 * chk_job_export_new:
 * @engine: the engine whose jobs to show
 *
 * Returns: (transfer full): the jobs' export, not on a bus yet
 */
ChkJobExport *
chk_job_export_new (ChkEngine *engine)
{
  ChkJobExport *self;

  g_return_val_if_fail (CHK_IS_ENGINE (engine), NULL);

  init_job_properties ();
  self = g_object_new (CHK_TYPE_JOB_EXPORT, NULL);
  self->engine = g_object_ref (engine);
  g_signal_connect (engine, "job-added", G_CALLBACK (job_added_cb), self);
  g_signal_connect (engine, "job-removed", G_CALLBACK (job_removed_cb), self);

  return self;
}

/**
 * chk_job_export_properties:
 * @job: a job
 *
 * The a{sv} of @job's Job1 properties as GetAll, GetManagedObjects and
 * Scheduler1.ListJobs give them, serialised already: that frees its ~200
 * small values at once, where a tree of them for many jobs would take
 * hundreds of MiB.
 *
 * Returns: (transfer full): the properties
 */
GVariant *
chk_job_export_properties (ChkJob *job)
{
  GVariant *properties;

  g_return_val_if_fail (CHK_IS_JOB (job), NULL);

  init_job_properties ();
  properties = g_variant_ref_sink (job_properties_to_variant (job));
  g_variant_get_data (properties);
  return properties;
}

/**
 * chk_job_export_register:
 * @self: a #ChkJobExport
 * @connection: the bus connection
 * @error: return location for a #GError
 *
 * Puts the ObjectManager on %CHK_MANAGER_PATH and the jobs under
 * %CHK_JOBS_PATH on @connection.
 *
 * Returns: %TRUE if registered
 */
gboolean
chk_job_export_register (ChkJobExport     *self,
                         GDBusConnection  *connection,
                         GError          **error)
{
  GDBusSubtreeFlags subtree_flags = G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES;
  guint signal_id;

  g_return_val_if_fail (CHK_IS_JOB_EXPORT (self), FALSE);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), FALSE);
  g_return_val_if_fail (self->connection == NULL, FALSE);

  self->manager_id = g_dbus_connection_register_object (connection, CHK_MANAGER_PATH,
                                                        object_manager_interface_info (),
                                                        &manager_vtable, self, NULL, error);
  if (self->manager_id == 0)
    return FALSE;

  /* Paths of jobs that are gone reach the subtree too, to fail with NotFound. */
  self->subtree_id = g_dbus_connection_register_subtree (connection, CHK_JOBS_PATH,
                                                         &subtree_vtable, subtree_flags,
                                                         self, NULL, error);
  if (self->subtree_id == 0)
    {
      g_dbus_connection_unregister_object (connection, self->manager_id);
      self->manager_id = 0;
      return FALSE;
    }

  signal_id = g_signal_lookup ("changed", CHK_TYPE_JOB);
  self->changed_hook = g_signal_add_emission_hook (signal_id, 0, job_changed_hook, self, NULL);
  self->connection = g_object_ref (connection);
  return TRUE;
}

/**
 * chk_job_export_unregister:
 * @self: a #ChkJobExport
 *
 * Takes the ObjectManager and the jobs off the bus.
 */
void
chk_job_export_unregister (ChkJobExport *self)
{
  g_return_if_fail (CHK_IS_JOB_EXPORT (self));

  if (self->connection == NULL)
    return;

  g_signal_remove_emission_hook (g_signal_lookup ("changed", CHK_TYPE_JOB), self->changed_hook);
  self->changed_hook = 0;
  g_dbus_connection_unregister_subtree (self->connection, self->subtree_id);
  self->subtree_id = 0;
  g_dbus_connection_unregister_object (self->connection, self->manager_id);
  self->manager_id = 0;
  g_clear_object (&self->connection);
}
