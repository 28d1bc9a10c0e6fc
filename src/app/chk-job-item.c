/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include "chk-bus.h"
#include "chk-job-item.h"

/**
 * ChkJobItem:
 *
 * One job of #ChkJobModel: its Job1 properties as the daemon last said
 * them, behind the #ChkJob1 getters and notify:: signals, without a
 * #GDBusProxy (10,000 of those, each with its own cached GVariants and
 * match rules, were most of the app's start-up). It is a #ChkJob1Skeleton
 * only to store the properties and to notify on real changes; it is never
 * exported. The model feeds it from GetManagedObjects and
 * PropertiesChanged; methods go through chk_job_get_proxy(), made when
 * first needed.
 */
struct _ChkJobItem
{
  ChkJob1Skeleton  parent_instance;

  GDBusConnection *connection;
  char            *owner;        /* the daemon's unique name, that sent the properties */
  char            *object_path;
  ChkJob1         *proxy;        /* for method calls, made on the first */
};

G_DEFINE_FINAL_TYPE (ChkJobItem, chk_job_item, CHK_TYPE_JOB1_SKELETON)

enum {
  PROPERTIES_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* D-Bus property name → its GParamSpec and D-Bus type */
typedef struct
{
  GParamSpec         *pspec;
  const GVariantType *type;
} PropertyMap;

static GHashTable *property_map;

/* "ProgressComplete" and "progress-complete" both give "progresscomplete". */
static char *
property_key (const char *name)
{
  GString *key = g_string_new (NULL);

  for (const char *p = name; *p != '\0'; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (key, g_ascii_tolower (*p));
  return g_string_free (key, FALSE);
}

static void
build_property_map (GObjectClass *klass)
{
  GDBusInterfaceInfo *info = chk_job1_interface_info ();
  g_autoptr(GHashTable) by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree GParamSpec **pspecs = NULL;
  guint n_pspecs;

  pspecs = g_object_class_list_properties (klass, &n_pspecs);
  for (guint i = 0; i < n_pspecs; i++)
    g_hash_table_insert (by_key, property_key (pspecs[i]->name), pspecs[i]);

  property_map = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  for (guint i = 0; info->properties[i] != NULL; i++)
    {
      GDBusPropertyInfo *property = info->properties[i];
      g_autofree char *key = property_key (property->name);
      PropertyMap *map = g_new0 (PropertyMap, 1);

      map->pspec = g_hash_table_lookup (by_key, key);
      map->type = G_VARIANT_TYPE (property->signature);
      g_assert (map->pspec != NULL);
      g_hash_table_insert (property_map, property->name, map);
    }
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

static void
set_property_from_variant (ChkJobItem *self,
                           const char *name,
                           GVariant   *value)
{
  const PropertyMap *map = g_hash_table_lookup (property_map, name);
  g_auto(GValue) gvalue = G_VALUE_INIT;

  if (map == NULL)
    return;  /* a property newer than this app */
  if (value == NULL)
    {
      /* Invalidated: as a proxy whose cache lost it, the default */
      g_value_init (&gvalue, G_PARAM_SPEC_VALUE_TYPE (map->pspec));
      g_param_value_set_default (map->pspec, &gvalue);
    }
  else if (!g_variant_is_of_type (value, map->type))
    {
      g_warning ("Job property %s has type %s, not %s", name, g_variant_get_type_string (value),
                 g_variant_type_peek_string (map->type));
      return;
    }
  else if (G_PARAM_SPEC_VALUE_TYPE (map->pspec) == G_TYPE_VARIANT)
    {
      g_value_init (&gvalue, G_TYPE_VARIANT);
      g_value_set_variant (&gvalue, value);
    }
  else
    {
      g_dbus_gvariant_to_gvalue (value, &gvalue);
    }
  /* The skeleton notifies only when the value changed */
  g_object_set_property (G_OBJECT (self), map->pspec->name, &gvalue);
}

static void
set_properties (ChkJobItem *self,
                GVariant   *properties)
{
  GVariantIter iter;
  const char *name;
  GVariant *value;

  g_variant_iter_init (&iter, properties);
  while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
    {
      set_property_from_variant (self, name, value);
      g_variant_unref (value);
    }
}

static void
chk_job_item_finalize (GObject *object)
{
  ChkJobItem *self = CHK_JOB_ITEM (object);

  g_clear_object (&self->proxy);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->owner, g_free);
  g_clear_pointer (&self->object_path, g_free);

  G_OBJECT_CLASS (chk_job_item_parent_class)->finalize (object);
}

static void
chk_job_item_class_init (ChkJobItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chk_job_item_finalize;

  build_property_map (object_class);

  /**
   * ChkJobItem::properties-changed:
   * @self: the job
   * @changed: (type GVariant): the properties that changed, a{sv}
   * @invalidated: (array zero-terminated=1): the ones that lost their value
   *
   * Once a PropertiesChanged was applied, after the notify:: of each, like
   * #GDBusProxy::g-properties-changed.
   */
  signals[PROPERTIES_CHANGED] =
    g_signal_new ("properties-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_VARIANT, G_TYPE_STRV);
}

static void
chk_job_item_init (ChkJobItem *self)
{
}

/**
 * chk_job_item_new:
 * @connection: the bus
 * @owner: the unique name of the daemon that has the job
 * @object_path: the job's object path
 * @properties: its Job1 properties, a{sv}
 *
 * Returns: (transfer full): a job
 */
ChkJobItem *
chk_job_item_new (GDBusConnection *connection,
                  const char      *owner,
                  const char      *object_path,
                  GVariant        *properties)
{
  ChkJobItem *self;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  g_return_val_if_fail (owner != NULL, NULL);
  g_return_val_if_fail (g_variant_is_object_path (object_path), NULL);
  g_return_val_if_fail (g_variant_is_of_type (properties, G_VARIANT_TYPE_VARDICT), NULL);

  self = g_object_new (CHK_TYPE_JOB_ITEM, NULL);
  self->connection = g_object_ref (connection);
  self->owner = g_strdup (owner);
  self->object_path = g_strdup (object_path);

  /* Nobody listens yet: no notifications to queue */
  g_object_freeze_notify (G_OBJECT (self));
  set_properties (self, properties);
  g_object_thaw_notify (G_OBJECT (self));
  return self;
}

/**
 * chk_job_item_update:
 * @self: a #ChkJobItem
 * @changed: the properties that changed, a{sv}
 * @invalidated: (nullable) (array zero-terminated=1): those that lost their value
 *
 * Applies a PropertiesChanged: notify:: for each property whose value
 * changed, then #ChkJobItem::properties-changed.
 */
void
chk_job_item_update (ChkJobItem         *self,
                     GVariant           *changed,
                     const char * const *invalidated)
{
  const char * const no_names[] = { NULL };

  g_return_if_fail (CHK_IS_JOB_ITEM (self));
  g_return_if_fail (g_variant_is_of_type (changed, G_VARIANT_TYPE_VARDICT));

  if (invalidated == NULL)
    invalidated = no_names;

  /* All values first, so that each notify:: handler sees the whole change */
  g_object_freeze_notify (G_OBJECT (self));
  set_properties (self, changed);
  for (guint i = 0; invalidated[i] != NULL; i++)
    set_property_from_variant (self, invalidated[i], NULL);
  g_object_thaw_notify (G_OBJECT (self));

  g_signal_emit (self, signals[PROPERTIES_CHANGED], 0, changed, invalidated);
}

/**
 * chk_job_get_object_path:
 * @job: a job of #ChkJobModel (or a #ChkJob1Proxy)
 *
 * Returns: the job's D-Bus object path
 */
const char *
chk_job_get_object_path (ChkJob1 *job)
{
  g_return_val_if_fail (CHK_IS_JOB1 (job), NULL);

  if (CHK_IS_JOB_ITEM (job))
    return CHK_JOB_ITEM (job)->object_path;
  g_return_val_if_fail (G_IS_DBUS_PROXY (job), NULL);
  return g_dbus_proxy_get_object_path (G_DBUS_PROXY (job));
}

/**
 * chk_job_get_proxy:
 * @job: a job of #ChkJobModel (or a #ChkJob1Proxy)
 *
 * The proxy to call the job's methods on (chk_job1_call_run() …), made on
 * the first call and kept with the job. It loads no properties and follows
 * no signals: read those from @job itself. It talks to the daemon that
 * gave the job, so a call to a job of a daemon that has since stopped
 * fails rather than starting one that does not have it.
 *
 * Returns: (transfer none): the proxy
 */
ChkJob1 *
chk_job_get_proxy (ChkJob1 *job)
{
  ChkJobItem *self;
  GWeakRef *back;

  g_return_val_if_fail (CHK_IS_JOB1 (job), NULL);

  if (!CHK_IS_JOB_ITEM (job))
    return job;

  self = CHK_JOB_ITEM (job);
  if (self->proxy == NULL)
    {
      g_autoptr(GError) error = NULL;

      /* With a unique name and no properties to load this does no D-Bus
       * round trip: it cannot block. */
      self->proxy = chk_job1_proxy_new_sync (self->connection,
                                             G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
                                             G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS |
                                             G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                             self->owner, self->object_path, NULL, &error);
      /* Only invalid arguments fail, and those were checked in _new() */
      g_assert_no_error (error);
      /* The system daemon's calls may wait for a password */
      if (chk_bus_is_interactive (self->connection))
        g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (self->proxy),
                                          CHK_BUS_INTERACTIVE_TIMEOUT_MS);

      /* A reply's source object leads back to the job (chk_job_get_job()) */
      back = g_new0 (GWeakRef, 1);
      g_weak_ref_init (back, self);
      g_object_set_data_full (G_OBJECT (self->proxy), "chk-job-item", back, weak_ref_free);
    }
  return self->proxy;
}

/**
 * chk_job_has_proxy:
 * @job: (nullable): a job of #ChkJobModel (or a #ChkJob1Proxy)
 * @proxy: the source object of a call's reply
 *
 * Whether a reply is about @job: it came through @job's proxy.
 *
 * Returns: whether @proxy is the one chk_job_get_proxy() gives for @job
 */
gboolean
chk_job_has_proxy (ChkJob1  *job,
                   gpointer  proxy)
{
  if (job == NULL || proxy == NULL)
    return FALSE;
  if (CHK_IS_JOB_ITEM (job))
    return proxy == (gpointer) CHK_JOB_ITEM (job)->proxy;
  return proxy == (gpointer) job;
}

/**
 * chk_job_get_job:
 * @proxy: the source object of a call's reply: a proxy of chk_job_get_proxy()
 *
 * The job whose proxy @proxy is, for a reply's callback.
 *
 * Returns: (transfer full) (nullable): the job, or %NULL if it is gone
 */
ChkJob1 *
chk_job_get_job (gpointer proxy)
{
  GWeakRef *back;

  g_return_val_if_fail (CHK_IS_JOB1 (proxy), NULL);

  back = g_object_get_data (G_OBJECT (proxy), "chk-job-item");
  if (back == NULL)
    return g_object_ref (proxy);
  return g_weak_ref_get (back);
}
