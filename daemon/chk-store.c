/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-store"

#include "config.h"

#include "chk-error.h"
#include "chk-module.h"
#include "chk-outcome.h"
#include "chk-store-private.h"
#include "chk-store-sqlite.h"

/*
 * ChkStore: where the daemon keeps its jobs, runs, output and settings.
 * What it does is the same for every backend and is documented here; how
 * is each backend's (ChkStoreClass in chk-store-private.h): SQLite, a file
 * of one user's or the system's (chk-store-sqlite.c).
 */

G_DEFINE_ABSTRACT_TYPE (ChkStore, chk_store, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_PROBLEM,
  PROP_LOG_BEHIND,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  JOB_CHANGED,
  SETTINGS_CHANGED,
  RUN_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
chk_store_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  ChkStore *self = CHK_STORE (object);

  switch (prop_id)
    {
    case PROP_PROBLEM:
      g_value_set_string (value, chk_store_get_problem (self));
      break;

    case PROP_LOG_BEHIND:
      g_value_set_boolean (value, chk_store_get_log_behind (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_store_class_init (ChkStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = chk_store_get_property;

  /**
   * ChkStore:problem:
   *
   * "" while the database works; otherwise one sentence for people on
   * what is wrong with it and what to do (Scheduler1.StorageProblem).
   */
  properties[PROP_PROBLEM] =
    g_param_spec_string ("problem", NULL, NULL,
                         "",
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));

  /**
   * ChkStore:log-behind:
   *
   * Whether the write-ahead log has run so far ahead of the checkpoints
   * that output should wait (see chk_store_set_log_limit()): SQLite can
   * only start the log over once a checkpoint has copied all of it, which
   * never happens while a job's output keeps coming, and the log would
   * grow as large as the output. Set at a commit, notified from an idle;
   * cleared when a checkpoint has caught up, or a reader kept it from
   * that for seconds.
   */
  properties[PROP_LOG_BEHIND] =
    g_param_spec_boolean ("log-behind", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ChkStore::job-changed:
   * @self: the store
   * @job_id: the job another daemon sharing the store made, changed or
   *   deleted; 0 when any job may have (the store missed what changed)
   *
   * Emitted from the main loop by a store that several hosts' daemons
   * share (chk_store_is_shared()), for what the others did: the job is
   * read again with chk_store_get_job(), or they all with
   * chk_store_list_jobs() for 0.
   */
  signals[JOB_CHANGED] =
    g_signal_new ("job-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);

  /**
   * ChkStore::settings-changed:
   * @self: the store
   *
   * Emitted from the main loop by a shared store when another daemon
   * changed settings, or may have (the store missed what changed): they
   * are read again with chk_store_get_setting().
   */
  signals[SETTINGS_CHANGED] =
    g_signal_new ("settings-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 0);

  /**
   * ChkStore::run-changed:
   * @self: the store
   * @run: (type ChkRunRecord): a run that another daemon sharing the store
   *   added, or ended, as it was then: its id, job, times, exit code,
   *   outcome, trigger and host name (the rest is not filled in)
   *
   * Emitted from the main loop by a shared store, once when a run is
   * added and once when it ends; a run recorded as ended at once, such
   * as a skipped one, is told once.
   */
  signals[RUN_CHANGED] =
    g_signal_new ("run-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
chk_store_init (ChkStore *self)
{
}

/* For backends: #ChkStore:problem changed. */
void
_chk_store_notify_problem (ChkStore *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
}

/* For backends: another daemon changed the job @job_id (0: any job). */
void
_chk_store_emit_job_changed (ChkStore *self,
                             guint64   job_id)
{
  g_signal_emit (self, signals[JOB_CHANGED], 0, job_id);
}

/* For backends: another daemon added @run, or ended it. */
void
_chk_store_emit_run_changed (ChkStore           *self,
                             const ChkRunRecord *run)
{
  g_signal_emit (self, signals[RUN_CHANGED], 0, run);
}

/* For backends: another daemon changed settings, or may have. */
void
_chk_store_emit_settings_changed (ChkStore *self)
{
  g_signal_emit (self, signals[SETTINGS_CHANGED], 0);
}

/* For backends: #ChkStore:log-behind changed. */
void
_chk_store_notify_log_behind (ChkStore *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG_BEHIND]);
}

/* For backends: "No run with id 42". */
void
_chk_store_set_not_found (GError     **error,
                          const char  *what,
                          guint64      id)
{
  g_set_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND,
               "No %s with id %" G_GUINT64_FORMAT, what, id);
}

/* For backends: adds context to an error, but not to "No run with id 42"
 * or "A job named “x” already exists", which say all there is to say.
 */
void
_chk_store_prefix_error (GError     **error,
                         const char  *format,
                         ...)
{
  g_autofree char *prefix = NULL;
  va_list args;

  if (error == NULL || *error == NULL ||
      g_error_matches (*error, CHK_ERROR, CHK_ERROR_NOT_FOUND) ||
      g_error_matches (*error, CHK_ERROR, CHK_ERROR_ALREADY_EXISTS))
    return;

  va_start (args, format);
  prefix = g_strdup_vprintf (format, args);
  va_end (args);

  g_prefix_error (error, "%s", prefix);
}

/* For backends: loads a stored variant without trusting it. GVariant
 * copes with any bytes for a definite type, and the normal form makes the
 * result safe to hand on.
 */
GVariant *
_chk_store_variant_from_bytes (GBytes             *bytes,
                               const GVariantType *type)
{
  g_autoptr(GVariant) value = NULL;

  value = g_variant_ref_sink (g_variant_new_from_bytes (type, bytes, FALSE));
  return g_variant_get_normal_form (value);
}

/* For backends: a stored setting, from its type string and its bytes. */
GVariant *
_chk_store_setting_from_bytes (const char  *key,
                               const char  *type,
                               GBytes      *bytes,
                               GError     **error)
{
  /* A type string must be checked before GVariant sees it: it asserts on
   * invalid or indefinite ones. */
  if (type == NULL ||
      !g_variant_type_string_is_valid (type) ||
      !g_variant_type_is_definite (G_VARIANT_TYPE (type)))
    {
      g_set_error (error, CHK_ERROR, CHK_ERROR_STORAGE,
                   "The setting “%s” has an invalid type “%s”", key, type != NULL ? type : "");
      return NULL;
    }

  return _chk_store_variant_from_bytes (bytes, G_VARIANT_TYPE (type));
}

struct _ChkStatsCounter
{
  GArray    *buckets;    /* of ChkStatsBucket */
  GPtrArray *durations;  /* a GArray of gint64 per bucket */
  gint64     since;
  gint64     until;
  gint64     width;
};

ChkStatsCounter *
_chk_stats_counter_new (gint64 since,
                        gint64 until,
                        guint  n_buckets)
{
  ChkStatsCounter *counter;

  g_return_val_if_fail (n_buckets > 0, NULL);

  counter = g_new0 (ChkStatsCounter, 1);
  counter->since = since;
  counter->until = until;
  counter->width = MAX ((until - since + n_buckets - 1) / n_buckets, 1);
  counter->buckets = g_array_sized_new (FALSE, TRUE, sizeof (ChkStatsBucket), n_buckets);
  g_array_set_size (counter->buckets, n_buckets);
  counter->durations = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  for (guint i = 0; i < n_buckets; i++)
    {
      ChkStatsBucket *bucket = &g_array_index (counter->buckets, ChkStatsBucket, i);

      bucket->start = since + (gint64) i * counter->width;
      g_ptr_array_add (counter->durations, g_array_new (FALSE, FALSE, sizeof (gint64)));
    }
  return counter;
}

/* Until when runs are counted: the end of the last bucket, or until */
gint64
_chk_stats_counter_get_end (ChkStatsCounter *counter)
{
  return MIN (counter->until, counter->since + (gint64) counter->buckets->len * counter->width);
}

/* Counts a run, unless it is under way, skipped or outside the buckets */
void
_chk_stats_counter_add (ChkStatsCounter *counter,
                        gint64           started,
                        gint64           finished,
                        const char      *outcome_text)
{
  gint64 index = (started - counter->since) / counter->width;
  gint64 duration = MAX (finished - started, 0);
  ChkOutcome outcome = chk_outcome_from_string (outcome_text);
  ChkStatsBucket *bucket;

  if (started < counter->since || index >= counter->buckets->len ||
      !chk_outcome_is_finished (outcome) || outcome == CHK_OUTCOME_SKIPPED)
    return;
  bucket = &g_array_index (counter->buckets, ChkStatsBucket, index);
  bucket->runs++;
  bucket->failures += chk_outcome_is_failure (outcome) ? 1 : 0;
  g_array_append_val (counter->durations->pdata[index], duration);
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* The buckets, each with its median and longest duration; frees @counter */
GArray *
_chk_stats_counter_end (ChkStatsCounter *counter)
{
  GArray *buckets = g_steal_pointer (&counter->buckets);

  /* The median of an even count is the lower of the middle two */
  for (guint i = 0; i < buckets->len; i++)
    {
      GArray *sorted = counter->durations->pdata[i];
      ChkStatsBucket *bucket = &g_array_index (buckets, ChkStatsBucket, i);

      if (sorted->len == 0)
        continue;
      g_array_sort (sorted, compare_int64);
      bucket->duration_p50 = g_array_index (sorted, gint64, (sorted->len - 1) / 2);
      bucket->duration_max = g_array_index (sorted, gint64, sorted->len - 1);
    }
  _chk_stats_counter_free (counter);
  return buckets;
}

void
_chk_stats_counter_free (ChkStatsCounter *counter)
{
  if (counter == NULL)
    return;
  g_clear_pointer (&counter->buckets, g_array_unref);
  g_clear_pointer (&counter->durations, g_ptr_array_unref);
  g_free (counter);
}

/**
 * chk_stream_to_string:
 * @stream: a #ChkStream
 *
 * Returns: (nullable): "stdout" or "stderr", as on the bus; %NULL for a
 *   value that is no stream
 */
const char *
chk_stream_to_string (ChkStream stream)
{
  switch (stream)
    {
    case CHK_STREAM_STDOUT:
      return "stdout";

    case CHK_STREAM_STDERR:
      return "stderr";

    default:
      g_return_val_if_reached (NULL);
    }
}

/**
 * chk_store_job_free:
 * @job: (nullable): a #ChkStoreJob
 *
 * Frees @job and what it holds.
 */
void
chk_store_job_free (ChkStoreJob *job)
{
  if (job == NULL)
    return;

  g_free (job->name);
  g_clear_pointer (&job->spec, g_variant_unref);
  g_free (job);
}

/**
 * chk_run_record_new:
 *
 * Returns: (transfer full): a run record with every field zero, but for
 *   @attempt, 1
 */
ChkRunRecord *
chk_run_record_new (void)
{
  ChkRunRecord *run = g_new0 (ChkRunRecord, 1);

  run->attempt = 1;
  return run;
}

/**
 * chk_run_record_copy:
 * @run: a #ChkRunRecord
 *
 * Returns: (transfer full): a deep copy of @run
 */
ChkRunRecord *
chk_run_record_copy (const ChkRunRecord *run)
{
  ChkRunRecord *copy;

  g_return_val_if_fail (run != NULL, NULL);

  copy = g_memdup2 (run, sizeof *run);
  copy->job_name = g_strdup (run->job_name);
  copy->trigger = g_strdup (run->trigger);
  copy->outcome = g_strdup (run->outcome);
  copy->hostname = g_strdup (run->hostname);
  copy->progress_message = g_strdup (run->progress_message);
  copy->alert_error = g_strdup (run->alert_error);
  copy->containment = g_strdup (run->containment);
  copy->message = g_strdup (run->message);
  copy->cgroup = g_strdup (run->cgroup);

  return copy;
}

/**
 * chk_run_record_free:
 * @run: (nullable): a #ChkRunRecord
 *
 * Frees @run and its strings.
 */
void
chk_run_record_free (ChkRunRecord *run)
{
  if (run == NULL)
    return;

  g_free (run->job_name);
  g_free (run->trigger);
  g_free (run->outcome);
  g_free (run->hostname);
  g_free (run->progress_message);
  g_free (run->alert_error);
  g_free (run->containment);
  g_free (run->message);
  g_free (run->cgroup);
  g_free (run);
}

/**
 * chk_output_chunk_free:
 * @chunk: (nullable): a #ChkOutputChunk
 *
 * Frees @chunk and its bytes.
 */
void
chk_output_chunk_free (ChkOutputChunk *chunk)
{
  if (chunk == NULL)
    return;

  g_clear_pointer (&chunk->data, g_bytes_unref);
  g_free (chunk);
}

/**
 * chk_store_new:
 * @path: the database file
 * @error: return location for a #GError
 *
 * Opens the database at @path, creating it and its folders if needed,
 * private to the user, and brings its schema up to date.
 *
 * Returns: (transfer full): the store, or %NULL with @error set; a
 *   database written by a newer Chroniker is refused
 */
ChkStore *
chk_store_new (const char  *path,
               GError     **error)
{
  g_return_val_if_fail (path != NULL && *path != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_initable_new (CHK_TYPE_STORE_SQLITE, NULL, error,
                         "path", path,
                         NULL);
}

/**
 * chk_store_location_is_server:
 * @location: a location as chk_store_open() takes it
 *
 * Returns: whether @location is a database server's URI rather than a file
 */
gboolean
chk_store_location_is_server (const char *location)
{
  g_return_val_if_fail (location != NULL, FALSE);

  return g_str_has_prefix (location, "postgresql://") || g_str_has_prefix (location, "postgres://");
}

#if HAVE_LIBPQ
/* The PostgreSQL store, from its module (chk-module.c tells why) */
static const ChkStoreModule *
pg_module (GError **error)
{
  return chk_module_lookup ("chk-store-pg", "chk_store_pg_module", error);
}
#endif

/**
 * chk_store_check_server_location:
 * @location: what may become a location for chk_store_open()
 * @error: return location for a #GError
 *
 * Checks, without connecting, that @location is a database server's URI
 * that this build can open and that holds no password. The errors never
 * repeat @location, which may hold one.
 *
 * Returns: %TRUE if chk_store_open() may be given @location
 */
gboolean
chk_store_check_server_location (const char  *location,
                                 GError     **error)
{
  g_return_val_if_fail (location != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!chk_store_location_is_server (location))
    return g_set_error_literal (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT,
                                "A PostgreSQL database's location starts with postgresql:// "
                                "or postgres://"), FALSE;
#if HAVE_LIBPQ
  {
    const ChkStoreModule *pg = pg_module (error);

    return pg != NULL && pg->check_location (location, error);
  }
#else
  return g_set_error_literal (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT,
                              "This build of Chroniker has no PostgreSQL support (it was built "
                              "without libpq)"), FALSE;
#endif
}

/**
 * chk_store_open:
 * @location: where the database is: a `postgresql://` or `postgres://`
 *   URI of a PostgreSQL database, else the path of an SQLite file
 * @error: return location for a #GError
 *
 * Opens the store at @location: chk_store_new() for a file, or a
 * PostgreSQL database that the daemons of several hosts may share (a
 * build without libpq, such as the Flatpak, refuses that). Either schema
 * is brought up to date. A URI that holds a password is refused: the
 * password goes in a password file or a service file.
 *
 * Returns: (transfer full): the store, or %NULL with @error set
 */
ChkStore *
chk_store_open (const char  *location,
                GError     **error)
{
  g_return_val_if_fail (location != NULL && *location != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!chk_store_location_is_server (location))
    return chk_store_new (location, error);

#if HAVE_LIBPQ
  {
    const ChkStoreModule *pg = pg_module (error);

    if (pg == NULL)
      {
        g_prefix_error_literal (error, "Could not open the PostgreSQL database: ");
        return NULL;
      }
    return pg->open (location, error);
  }
#else
  g_set_error_literal (error, CHK_ERROR, CHK_ERROR_STORAGE,
                       "Could not open the PostgreSQL database: this build of Chroniker has no "
                       "PostgreSQL support (it was built without libpq)");
  return NULL;
#endif
}

/**
 * chk_store_get_path:
 * @self: a #ChkStore
 *
 * Returns: (nullable): the file of the database, or the location of a
 *   database server (which holds no password)
 */
const char *
chk_store_get_path (ChkStore *self)
{
  g_return_val_if_fail (CHK_IS_STORE (self), NULL);

  if (CHK_STORE_GET_CLASS (self)->get_path == NULL)
    return NULL;
  return CHK_STORE_GET_CLASS (self)->get_path (self);
}

/**
 * chk_store_release_memory:
 * @self: a #ChkStore
 *
 * Gives back the database pages SQLite keeps in its cache (up to 2 MiB),
 * after a read of much of the file, such as the daemon's load, that will
 * not come again soon.
 */
void
chk_store_release_memory (ChkStore *self)
{
  g_return_if_fail (CHK_IS_STORE (self));

  if (CHK_STORE_GET_CLASS (self)->release_memory != NULL)
    CHK_STORE_GET_CLASS (self)->release_memory (self);
}

/**
 * chk_store_get_schema_version:
 * @self: a #ChkStore
 *
 * Returns: the schema version of the database, the newest this code knows
 */
guint
chk_store_get_schema_version (ChkStore *self)
{
  g_return_val_if_fail (CHK_IS_STORE (self), 0);

  if (CHK_STORE_GET_CLASS (self)->get_schema_version == NULL)
    return 0;
  return CHK_STORE_GET_CLASS (self)->get_schema_version (self);
}

/**
 * chk_store_get_problem:
 * @self: a #ChkStore
 *
 * What keeps the database from working, as #ChkStore:problem says.
 *
 * Returns: "" while the database works, else one sentence for people
 */
const char *
chk_store_get_problem (ChkStore *self)
{
  g_return_val_if_fail (CHK_IS_STORE (self), NULL);

  return CHK_STORE_GET_CLASS (self)->get_problem (self);
}

/**
 * chk_store_is_failing:
 * @self: a #ChkStore
 *
 * Whether writes fail for a cause that goes away by itself (a full disk,
 * a lock another program holds, …), which the store watches for: it
 * notifies #ChkStore:problem when they work again.
 *
 * Returns: %TRUE while writes fail so
 */
gboolean
chk_store_is_failing (ChkStore *self)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);

  return CHK_STORE_GET_CLASS (self)->is_failing (self);
}

/**
 * chk_store_get_log_behind:
 * @self: a #ChkStore
 *
 * Returns: whether output should wait for the checkpoints, as
 *   #ChkStore:log-behind says
 */
gboolean
chk_store_get_log_behind (ChkStore *self)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);

  if (CHK_STORE_GET_CLASS (self)->get_log_behind == NULL)
    return FALSE;
  return CHK_STORE_GET_CLASS (self)->get_log_behind (self);
}

/**
 * chk_store_set_output_file_min:
 * @self: a #ChkStore
 * @bytes: from what size a chunk of output goes to its run's output file
 *   rather than into the database; 16 KiB unless set (tests set 0 or
 *   %G_MAXSIZE to try one way or the other)
 */
void
chk_store_set_output_file_min (ChkStore *self,
                               gsize     bytes)
{
  g_return_if_fail (CHK_IS_STORE (self));

  if (CHK_STORE_GET_CLASS (self)->set_output_file_min != NULL)
    CHK_STORE_GET_CLASS (self)->set_output_file_min (self, bytes);
}

/**
 * chk_store_set_log_limit:
 * @self: a #ChkStore
 * @bytes: how large the log may grow before output waits; 64 MiB unless
 *   set (tests make it small)
 *
 * Sets the size past which #ChkStore:log-behind becomes %TRUE.
 */
void
chk_store_set_log_limit (ChkStore *self,
                         guint64   bytes)
{
  g_return_if_fail (CHK_IS_STORE (self));

  if (CHK_STORE_GET_CLASS (self)->set_log_limit != NULL)
    CHK_STORE_GET_CLASS (self)->set_log_limit (self, bytes);
}

/**
 * chk_store_begin:
 * @self: a #ChkStore
 * @error: return location for a #GError
 *
 * Starts an explicit transaction, ended by chk_store_commit() or
 * chk_store_rollback(). Transactions do not nest. Inside one, each other
 * call is still all-or-nothing on its own.
 *
 * Returns: %TRUE if the transaction started
 */
gboolean
chk_store_begin (ChkStore  *self,
                 GError   **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (!chk_store_in_transaction (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return CHK_STORE_GET_CLASS (self)->begin (self, error);
}

/**
 * chk_store_commit:
 * @self: a #ChkStore
 * @error: return location for a #GError
 *
 * Ends the transaction begun by chk_store_begin(), keeping its work. On
 * failure the work is rolled back; either way the transaction is over.
 *
 * Returns: %TRUE if the work was committed
 */
gboolean
chk_store_commit (ChkStore  *self,
                  GError   **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (chk_store_in_transaction (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return CHK_STORE_GET_CLASS (self)->commit (self, error);
}

/**
 * chk_store_rollback:
 * @self: a #ChkStore
 *
 * Ends the transaction begun by chk_store_begin(), dropping its work.
 * After a chk_store_commit() that failed, which ended the transaction
 * already, it does nothing.
 */
void
chk_store_rollback (ChkStore *self)
{
  g_return_if_fail (CHK_IS_STORE (self));

  CHK_STORE_GET_CLASS (self)->rollback (self);
}

/**
 * chk_store_in_transaction:
 * @self: a #ChkStore
 *
 * Returns: whether a transaction of chk_store_begin() is under way
 */
gboolean
chk_store_in_transaction (ChkStore *self)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);

  return CHK_STORE_GET_CLASS (self)->in_transaction (self);
}

/**
 * chk_store_add_job:
 * @self: a #ChkStore
 * @name: the job's name, unique
 * @spec: the job's spec, an `a{sv}`; consumed if floating
 * @created: when the job was created, µs since the epoch
 * @out_id: (out) (optional): where to store the new job's id
 * @error: return location for a #GError
 *
 * Adds a job. A name in use is %CHK_ERROR_ALREADY_EXISTS.
 *
 * Returns: %TRUE if the job was added
 */
gboolean
chk_store_add_job (ChkStore    *self,
                   const char  *name,
                   GVariant    *spec,
                   gint64       created,
                   guint64     *out_id,
                   GError     **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);
  g_return_val_if_fail (g_variant_is_of_type (spec, G_VARIANT_TYPE_VARDICT), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return CHK_STORE_GET_CLASS (self)->add_job (self, name, spec, created, out_id, error);
}

/**
 * chk_store_update_job:
 * @self: a #ChkStore
 * @id: the job's id
 * @name: the job's name, new or not
 * @spec: the job's whole spec, an `a{sv}`; consumed if floating
 * @error: return location for a #GError
 *
 * Replaces a job's name and spec. An unknown @id is
 * %CHK_ERROR_NOT_FOUND, a name another job has %CHK_ERROR_ALREADY_EXISTS.
 *
 * Returns: %TRUE if the job was updated
 */
gboolean
chk_store_update_job (ChkStore    *self,
                      guint64      id,
                      const char  *name,
                      GVariant    *spec,
                      GError     **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);
  g_return_val_if_fail (g_variant_is_of_type (spec, G_VARIANT_TYPE_VARDICT), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return CHK_STORE_GET_CLASS (self)->update_job (self, id, name, spec, error);
}

/**
 * chk_store_delete_job:
 * @self: a #ChkStore
 * @id: the job's id
 * @error: return location for a #GError
 *
 * Deletes a job with all its runs and their output. Its id is never
 * given to another job.
 *
 * Returns: %TRUE if the job was deleted
 */
gboolean
chk_store_delete_job (ChkStore  *self,
                      guint64    id,
                      GError   **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return CHK_STORE_GET_CLASS (self)->delete_job (self, id, error);
}

/**
 * chk_store_get_job:
 * @self: a #ChkStore
 * @id: the job's id
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the job, or %NULL with @error set
 */
ChkStoreJob *
chk_store_get_job (ChkStore  *self,
                   guint64    id,
                   GError   **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return CHK_STORE_GET_CLASS (self)->get_job (self, id, error);
}

/**
 * chk_store_list_jobs:
 * @self: a #ChkStore
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type ChkStoreJob): every job,
 *   oldest first, or %NULL with @error set
 */
GPtrArray *
chk_store_list_jobs (ChkStore  *self,
                     GError   **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return CHK_STORE_GET_CLASS (self)->list_jobs (self, error);
}

/**
 * chk_store_list_job_times:
 * @self: a #ChkStore
 * @error: return location for a #GError
 *
 * Like chk_store_list_jobs() without reading the names and specs: for what
 * needs only when each job was made (10,000 specs are about 11 MiB).
 *
 * Returns: (transfer full) (element-type ChkStoreJob): every job, oldest
 *   first, with only @id and @created set, or %NULL with @error set
 */
GPtrArray *
chk_store_list_job_times (ChkStore  *self,
                          GError   **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return CHK_STORE_GET_CLASS (self)->list_job_times (self, error);
}

/**
 * chk_store_foreach_job:
 * @self: a #ChkStore
 * @func: called for every job, oldest first
 * @user_data: for @func
 * @error: return location for a #GError
 *
 * Reads every job with its last run (the one chk_store_get_last_run()
 * finds) in one statement, a row at a time: loading many jobs then never
 * holds all of their specs at once. The @spec that @func gets is the
 * row's bytes, unchecked and valid only during the call: GVariant reads
 * any bytes safely, but one to keep must be copied (in normal form).
 *
 * Returns: %TRUE if every job was read and @func returned %TRUE for each
 */
gboolean
chk_store_foreach_job (ChkStore         *self,
                       ChkStoreJobFunc   func,
                       gpointer          user_data,
                       GError          **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return CHK_STORE_GET_CLASS (self)->foreach_job (self, func, user_data, error);
}

/**
 * chk_store_add_run:
 * @self: a #ChkStore
 * @run: the run; its @id is set on success
 * @error: return location for a #GError
 *
 * Adds a run of the job @run->job_id, which must exist
 * (%CHK_ERROR_NOT_FOUND otherwise).
 *
 * Returns: %TRUE if the run was added
 */
gboolean
chk_store_add_run (ChkStore      *self,
                   ChkRunRecord  *run,
                   GError       **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (run != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return CHK_STORE_GET_CLASS (self)->add_run (self, run, error);
}

/**
 * chk_store_update_run:
 * @self: a #ChkStore
 * @run: the run, with the id of a stored one
 * @error: return location for a #GError
 *
 * Writes every field of @run except its ids and its byte counters, which
 * chk_store_append_output() keeps, so that an older copy of the record
 * cannot undo them. When the database fails (full, locked, …) outside a
 * transaction, the record is kept and written once it works again,
 * unless a newer update of the run comes first.
 *
 * Returns: %TRUE if the run was updated
 */
gboolean
chk_store_update_run (ChkStore            *self,
                      const ChkRunRecord  *run,
                      GError             **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (run != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return CHK_STORE_GET_CLASS (self)->update_run (self, run, error);
}

/**
 * chk_store_set_run_alert_error:
 * @self: a #ChkStore
 * @run_id: the run
 * @message: why an alert about the run could not be delivered, or ""
 * @error: return location for a #GError
 *
 * Records the `alert-error` of a run, which the alerts set after the run
 * has finished.
 *
 * Returns: %TRUE on success; %CHK_ERROR_NOT_FOUND for an unknown run
 */
gboolean
chk_store_set_run_alert_error (ChkStore    *self,
                               guint64      run_id,
                               const char  *message,
                               GError     **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return CHK_STORE_GET_CLASS (self)->set_run_alert_error (self, run_id, message, error);
}

/**
 * chk_store_get_run:
 * @self: a #ChkStore
 * @id: the run's id
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the run, or %NULL with @error set
 */
ChkRunRecord *
chk_store_get_run (ChkStore  *self,
                   guint64    id,
                   GError   **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return CHK_STORE_GET_CLASS (self)->get_run (self, id, error);
}

/**
 * chk_store_get_last_run:
 * @self: a #ChkStore
 * @job_id: the job's id
 * @error: return location for a #GError
 *
 * Finds the run of a job that started last.
 *
 * Returns: (transfer full) (nullable): the run, or %NULL without an error
 *   if the job has none, or %NULL with @error set
 */
ChkRunRecord *
chk_store_get_last_run (ChkStore  *self,
                        guint64    job_id,
                        GError   **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return CHK_STORE_GET_CLASS (self)->get_last_run (self, job_id, error);
}

/**
 * chk_store_get_stats:
 * @self: a #ChkStore
 * @job_id: a job's id, or 0 for all jobs (see also
 *   chk_store_get_stats_of_jobs())
 * @since: the start of the first bucket, µs; 0 for the start of the oldest run
 * @until: the end of the last bucket, µs
 * @n_buckets: how many buckets of equal length, at least 1
 * @error: return location for a #GError
 *
 * Counts the runs started from @since until @until per bucket, with their
 * failures and their median and longest durations. Running and skipped
 * runs are left out; chk-outcome.c says which outcomes failed. The rows
 * come through the runs' (job_id, started) or (started) index and are
 * summed up here: SQLite's window functions took 25 ms for a job's
 * 10,000 runs and most of a second for 100,000 runs of all jobs.
 *
 * Returns: (transfer full) (element-type ChkStatsBucket): @n_buckets
 *   buckets, oldest first, or %NULL with @error set
 */
GArray *
chk_store_get_stats (ChkStore  *self,
                     guint64    job_id,
                     gint64     since,
                     gint64     until,
                     guint      n_buckets,
                     GError   **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (n_buckets > 0, NULL);

  return CHK_STORE_GET_CLASS (self)->get_stats (self, job_id, since, until, n_buckets, error);
}

/**
 * chk_store_get_stats_of_jobs:
 * @self: a #ChkStore
 * @job_ids: (element-type guint64): the jobs whose runs count, maybe none
 * @since: the start of the first bucket, µs; 0 for the start of their oldest run
 * @until: the end of the last bucket, µs
 * @n_buckets: how many buckets of equal length, at least 1
 * @error: return location for a #GError
 *
 * chk_store_get_stats() of the runs of some jobs: those a caller of the
 * system daemon may see.
 *
 * Returns: (transfer full) (element-type ChkStatsBucket): @n_buckets
 *   buckets, oldest first, or %NULL with @error set
 */
GArray *
chk_store_get_stats_of_jobs (ChkStore  *self,
                             GArray    *job_ids,
                             gint64     since,
                             gint64     until,
                             guint      n_buckets,
                             GError   **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (job_ids != NULL, NULL);
  g_return_val_if_fail (n_buckets > 0, NULL);

  return CHK_STORE_GET_CLASS (self)->get_stats_of_jobs (self, job_ids, since, until, n_buckets,
                                                        error);
}

/**
 * chk_store_list_runs:
 * @self: a #ChkStore
 * @filter: (nullable): which runs; %NULL for the newest 100 of all jobs
 * @error: return location for a #GError
 *
 * Lists runs, newest first.
 *
 * Returns: (transfer full) (element-type ChkRunRecord): the runs, or
 *   %NULL with @error set
 */
GPtrArray *
chk_store_list_runs (ChkStore            *self,
                     const ChkRunFilter  *filter,
                     GError             **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return CHK_STORE_GET_CLASS (self)->list_runs (self, filter, error);
}

/**
 * chk_store_list_unfinished_runs:
 * @self: a #ChkStore
 * @error: return location for a #GError
 *
 * Lists the runs whose outcome is still `running`, oldest first: at the
 * daemon's start, those a dead daemon left behind.
 *
 * Returns: (transfer full) (element-type ChkRunRecord): the runs, or
 *   %NULL with @error set
 */
GPtrArray *
chk_store_list_unfinished_runs (ChkStore  *self,
                                GError   **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return CHK_STORE_GET_CLASS (self)->list_unfinished_runs (self, error);
}

/**
 * chk_store_purge_runs:
 * @self: a #ChkStore
 * @before: µs since the epoch
 * @out_deleted: (out) (optional): where to store how many runs were deleted
 * @error: return location for a #GError
 *
 * Deletes the finished runs (of every job) started before @before, with
 * their output. Runs still `running` are kept whatever their age.
 *
 * Returns: %TRUE on success
 */
gboolean
chk_store_purge_runs (ChkStore  *self,
                      gint64     before,
                      guint     *out_deleted,
                      GError   **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return CHK_STORE_GET_CLASS (self)->purge_runs (self, before, out_deleted, error);
}

/**
 * chk_store_trim_runs:
 * @self: a #ChkStore
 * @job_id: the job's id
 * @keep: how many finished runs to keep; 0 keeps none
 * @out_deleted: (out) (optional): where to store how many runs were deleted
 * @error: return location for a #GError
 *
 * Deletes all but the newest @keep finished runs of a job, with their
 * output. Runs still `running` are neither deleted nor counted.
 *
 * Returns: %TRUE on success
 */
gboolean
chk_store_trim_runs (ChkStore  *self,
                     guint64    job_id,
                     guint      keep,
                     guint     *out_deleted,
                     GError   **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return CHK_STORE_GET_CLASS (self)->trim_runs (self, job_id, keep, out_deleted, error);
}

/**
 * chk_store_append_output:
 * @self: a #ChkStore
 * @chunks: (array length=n_chunks): the chunks, each with its run and seq
 * @n_chunks: how many
 * @error: return location for a #GError
 *
 * Stores chunks of output and adds their sizes to their runs' byte
 * counters, all in one transaction: all are stored or none.
 *
 * Returns: %TRUE if the chunks were stored
 */
gboolean
chk_store_append_output (ChkStore              *self,
                         const ChkOutputChunk  *chunks,
                         guint                  n_chunks,
                         GError               **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (chunks != NULL || n_chunks == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < n_chunks; i++)
    {
      g_return_val_if_fail (chunks[i].data != NULL, FALSE);
      g_return_val_if_fail (chunks[i].stream == CHK_STREAM_STDOUT ||
                            chunks[i].stream == CHK_STREAM_STDERR, FALSE);
    }

  if (n_chunks == 0)
    return TRUE;

  return CHK_STORE_GET_CLASS (self)->append_output (self, chunks, n_chunks, error);
}

/**
 * chk_store_read_output:
 * @self: a #ChkStore
 * @run_id: the run's id
 * @after_seq: read the chunks after this one; 0 for all
 * @max_bytes: stop before the data would pass this size
 * @error: return location for a #GError
 *
 * Reads a page of a run's output in order. The page holds at least one
 * chunk when there is one after @after_seq, however large, so that paging
 * always moves on; it is empty at the end.
 *
 * Returns: (transfer full) (element-type ChkOutputChunk): the chunks,
 *   or %NULL with @error set; an unknown run is %CHK_ERROR_NOT_FOUND
 */
GPtrArray *
chk_store_read_output (ChkStore  *self,
                       guint64    run_id,
                       guint64    after_seq,
                       gsize      max_bytes,
                       GError   **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return CHK_STORE_GET_CLASS (self)->read_output (self, run_id, after_seq, max_bytes, error);
}

/**
 * chk_store_read_output_tail:
 * @self: a #ChkStore
 * @run_id: the run
 * @stream: which stream
 * @max_bytes: how much of its end to read at most
 * @out_cut: (out) (optional): set to whether earlier bytes were left out
 * @error: return location for a #GError
 *
 * Reads the last @max_bytes of one of a run's streams, for reports about a
 * finished run. Reads only the chunks it needs, newest first.
 *
 * Returns: (transfer full): the bytes, or %NULL on error
 */
GBytes *
chk_store_read_output_tail (ChkStore   *self,
                            guint64     run_id,
                            ChkStream   stream,
                            gsize       max_bytes,
                            gboolean   *out_cut,
                            GError    **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return CHK_STORE_GET_CLASS (self)->read_output_tail (self, run_id, stream, max_bytes, out_cut,
                                                       error);
}

/**
 * chk_store_count_lost_output:
 * @self: a #ChkStore
 * @run_id: a run
 * @stdout_bytes: bytes of stdout the run wrote that could not be stored
 * @stderr_bytes: the same for stderr
 * @error: return location for a #GError
 *
 * Adds output that the job wrote but that never reached the store (a full
 * disk) to the run's byte counters, so that they still say what the job
 * wrote.
 *
 * Returns: %TRUE on success
 */
gboolean
chk_store_count_lost_output (ChkStore  *self,
                             guint64    run_id,
                             guint64    stdout_bytes,
                             guint64    stderr_bytes,
                             GError   **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return CHK_STORE_GET_CLASS (self)->count_lost_output (self, run_id, stdout_bytes, stderr_bytes,
                                                        error);
}

/**
 * chk_store_delete_output:
 * @self: a #ChkStore
 * @run_id: the run's id
 * @first_seq: the first chunk to delete
 * @last_seq: the last chunk to delete, at least @first_seq
 * @error: return location for a #GError
 *
 * Deletes the chunks numbered @first_seq to @last_seq, where there are
 * any, to drop the middle of a long output. The run's byte counters keep
 * counting what it wrote.
 *
 * Returns: %TRUE on success; an unknown run is %CHK_ERROR_NOT_FOUND
 */
gboolean
chk_store_delete_output (ChkStore  *self,
                         guint64    run_id,
                         guint64    first_seq,
                         guint64    last_seq,
                         GError   **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (first_seq <= last_seq, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return CHK_STORE_GET_CLASS (self)->delete_output (self, run_id, first_seq, last_seq, error);
}

/**
 * chk_store_get_setting:
 * @self: a #ChkStore
 * @key: the setting's name
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the setting's value, or %NULL
 *   without an error when it is not set, or %NULL with @error set
 */
GVariant *
chk_store_get_setting (ChkStore    *self,
                       const char  *key,
                       GError     **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return CHK_STORE_GET_CLASS (self)->get_setting (self, key, error);
}

/**
 * chk_store_list_settings:
 * @self: a #ChkStore
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type utf8 GVariant): every
 *   setting that is set, by name, or %NULL with @error set
 */
GHashTable *
chk_store_list_settings (ChkStore  *self,
                         GError   **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return CHK_STORE_GET_CLASS (self)->list_settings (self, error);
}

/**
 * chk_store_set_setting:
 * @self: a #ChkStore
 * @key: the setting's name
 * @value: (nullable): the new value, consumed if floating; %NULL unsets it
 * @error: return location for a #GError
 *
 * Stores a setting with its type; the store does not check either.
 *
 * Returns: %TRUE on success
 */
gboolean
chk_store_set_setting (ChkStore    *self,
                       const char  *key,
                       GVariant    *value,
                       GError     **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return CHK_STORE_GET_CLASS (self)->set_setting (self, key, value, error);
}

/**
 * chk_store_claim_occurrence:
 * @self: a #ChkStore
 * @job_id: a job
 * @due: the occurrence: when it is due by the schedule, µs since the epoch
 * @host: "" for an occurrence that any one host runs; for a job that every
 *   host runs, the host's own name
 * @claimer: the name of the host that claims it
 * @alive_since: when a heartbeat must be from, µs since the epoch, for a
 *   host's lease on its runs under way to hold
 * @out_claimed: (out): whether the claim is @claimer's: %FALSE when another
 *   host claimed the occurrence first
 * @error: return location for a #GError
 *
 * Claims an occurrence of a job for @claimer, so that the daemons of a
 * fleet sharing the store run it once: the first claim of (@job_id, @due,
 * @host) wins, whatever the hosts' clocks say, since @due is the
 * schedule's and not a clock's. While a run of the job is under way on a
 * host whose lease holds, an occurrence for any one host is nobody's; the
 * run of a host whose lease ran out, not yet recorded as interrupted
 * (chk_store_expire_leases()), holds nothing. A store that one daemon
 * alone uses grants every claim.
 *
 * Returns: %TRUE if the claim was decided, %FALSE with @error if it could
 *   not be written
 */
gboolean
chk_store_claim_occurrence (ChkStore    *self,
                            guint64      job_id,
                            gint64       due,
                            const char  *host,
                            const char  *claimer,
                            gint64       alive_since,
                            gboolean    *out_claimed,
                            GError     **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (host != NULL, FALSE);
  g_return_val_if_fail (claimer != NULL, FALSE);
  g_return_val_if_fail (out_claimed != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (CHK_STORE_GET_CLASS (self)->claim_occurrence == NULL)
    {
      *out_claimed = TRUE;
      return TRUE;
    }
  return CHK_STORE_GET_CLASS (self)->claim_occurrence (self, job_id, due, host, claimer,
                                                       alive_since, out_claimed, error);
}

/**
 * chk_store_is_shared:
 * @self: a #ChkStore
 *
 * Returns: whether the daemons of several hosts may share the store (a
 *   fleet's database), rather than one daemon alone using it
 */
gboolean
chk_store_is_shared (ChkStore *self)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);

  return CHK_STORE_GET_CLASS (self)->claim_occurrence != NULL;
}

/**
 * chk_store_host_free:
 * @host: (nullable): a #ChkStoreHost
 */
void
chk_store_host_free (ChkStoreHost *host)
{
  if (host == NULL)
    return;
  g_free (host->hostname);
  g_free (host);
}

/**
 * chk_store_heartbeat:
 * @self: a #ChkStore
 * @hostname: this host's name
 * @now: the time, µs since the epoch
 * @error: return location for a #GError
 *
 * Says in a shared store that @hostname is alive: its runs under way are
 * leased to it until the other hosts find its heartbeat too old (see
 * chk_store_expire_leases()). The first heartbeat of a connection also
 * marks @hostname connected for as long as the connection lasts (see
 * chk_store_list_hosts()); a warning says so when another daemon holds
 * that name already. A store of one daemon has no leases.
 *
 * Returns: %TRUE on success
 */
gboolean
chk_store_heartbeat (ChkStore    *self,
                     const char  *hostname,
                     gint64       now,
                     GError     **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (hostname != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (CHK_STORE_GET_CLASS (self)->heartbeat == NULL)
    return TRUE;
  return CHK_STORE_GET_CLASS (self)->heartbeat (self, hostname, now, error);
}

/**
 * chk_store_expire_leases:
 * @self: a #ChkStore
 * @hostname: this host's name, whose runs are left alone
 * @before: heartbeats older than this are expired, µs since the epoch
 * @now: the time, µs since the epoch, which the runs end at
 * @out_expired: (out) (optional): how many runs were ended
 * @error: return location for a #GError
 *
 * Records as `interrupted` the runs under way of the other hosts of a
 * shared store whose last heartbeat is older than @before (or that never
 * gave one): hosts that died, or lost the database, with runs under way.
 *
 * Returns: %TRUE on success
 */
gboolean
chk_store_expire_leases (ChkStore    *self,
                         const char  *hostname,
                         gint64       before,
                         gint64       now,
                         guint       *out_expired,
                         GError     **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), FALSE);
  g_return_val_if_fail (hostname != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (out_expired != NULL)
    *out_expired = 0;
  if (CHK_STORE_GET_CLASS (self)->expire_leases == NULL)
    return TRUE;
  return CHK_STORE_GET_CLASS (self)->expire_leases (self, hostname, before, now, out_expired,
                                                    error);
}

/**
 * chk_store_list_hosts:
 * @self: a #ChkStore
 * @error: return location for a #GError
 *
 * Lists the hosts whose daemons ever gave a heartbeat, with whether each
 * one's daemon is connected to the store now: a daemon holds that for as
 * long as its session with the database lasts, so that a host whose daemon
 * is idle between due times, and gives no heartbeat then, is still known
 * to be there.
 *
 * Returns: (transfer container) (element-type ChkStoreHost): the hosts
 *   that gave a heartbeat in a shared store, by name; none in a store of
 *   one daemon; %NULL with @error set on failure
 */
GPtrArray *
chk_store_list_hosts (ChkStore  *self,
                      GError   **error)
{
  g_return_val_if_fail (CHK_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (CHK_STORE_GET_CLASS (self)->list_hosts == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) chk_store_host_free);
  return CHK_STORE_GET_CLASS (self)->list_hosts (self, error);
}
