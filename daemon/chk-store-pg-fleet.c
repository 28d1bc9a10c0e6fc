/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-store"

#include "config.h"

#include <glib-unix.h>

#include "chk-error.h"
#include "chk-source-util.h"
#include "chk-store-pg-private.h"
#include "chk-store-private.h"

/*
 * What the PostgreSQL store does for a fleet, the daemons of several hosts
 * sharing its database (issue 20): the claims that make each occurrence
 * run once, the notifications that tell each daemon of the jobs that
 * another one made, changed or deleted, and keeping the database's
 * password out of the location that every host's command line shows.
 *
 * A trigger on the jobs table (schema step 3) notifies the channel
 * chk_jobs with the job's id at every change, one on the settings table
 * (step 5) the channel chk_settings, and those on the runs table (step 6)
 * chk_runs with what the other daemons show of a run when it is added and
 * when it ends; each store LISTENs on the three.
 * Notifications come in when the connection's socket has something to
 * read (a source on the main loop, no polling), or along with the results
 * of the store's own statements; those of the store's own connection are
 * dropped, since it made the change. ChkStore::job-changed tells of the
 * others, a slice of them per main loop iteration: 10,000 jobs made at
 * once elsewhere must not freeze this daemon for seconds; so does
 * ChkStore::run-changed of the runs; and ChkStore::settings-changed comes
 * once for any number of settings.
 */

/* Claims older than a day are deleted after this many claims. */
#define CLAIMS_PER_SWEEP 1000

/* ChkStore::job-changed emitted per main loop iteration at most */
#define CHANGES_PER_SLICE 64

struct _ChkPgFleet
{
  ChkStorePg   *store;          /* owns the fleet */
  GMainContext *context;
  GSource      *socket_source;
  GSource      *emit_source;
  GArray       *changed;        /* ids of jobs (guint64) not told yet; 0: any job */
  GPtrArray    *runs;           /* ChkRunRecord not told yet */
  gboolean      settings_changed;  /* not told yet */
  guint         claims_since_sweep;
  char         *connected_as;   /* the host name this session holds the lock of */
};

ChkPgFleet *
_chk_pg_fleet_new (ChkStorePg   *store,
                   GMainContext *context)
{
  ChkPgFleet *fleet = g_new0 (ChkPgFleet, 1);

  fleet->store = store;
  fleet->context = context != NULL ? g_main_context_ref (context) : NULL;
  fleet->changed = g_array_new (FALSE, FALSE, sizeof (guint64));
  fleet->runs = g_ptr_array_new_with_free_func ((GDestroyNotify) chk_run_record_free);
  return fleet;
}

void
_chk_pg_fleet_free (ChkPgFleet *fleet)
{
  if (fleet == NULL)
    return;

  chk_source_clear (&fleet->socket_source);
  chk_source_clear (&fleet->emit_source);
  g_clear_pointer (&fleet->context, g_main_context_unref);
  g_clear_pointer (&fleet->changed, g_array_unref);
  g_clear_pointer (&fleet->runs, g_ptr_array_unref);
  g_free (fleet->connected_as);
  g_free (fleet);
}

/* Tells of a slice of the changes, and comes back for the rest. */
static gboolean
emit_cb (gpointer user_data)
{
  ChkPgFleet *fleet = user_data;
  g_autoptr(GObject) store = g_object_ref (G_OBJECT (fleet->store));
  g_autoptr(GArray) slice = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  guint n = MIN (fleet->changed->len, CHANGES_PER_SLICE);

  /* Taken out first: handlers may call the store, which may add more. */
  slice = g_array_sized_new (FALSE, FALSE, sizeof (guint64), n);
  g_array_append_vals (slice, fleet->changed->data, n);
  g_array_remove_range (fleet->changed, 0, n);

  for (guint i = 0; i < slice->len; i++)
    _chk_store_emit_job_changed (CHK_STORE (store), g_array_index (slice, guint64, i));
  if (fleet->settings_changed)
    {
      fleet->settings_changed = FALSE;
      _chk_store_emit_settings_changed (CHK_STORE (store));
    }

  /* The runs once the jobs are told: a run of a job made elsewhere finds it */
  n = fleet->changed->len == 0 ? MIN (fleet->runs->len, CHANGES_PER_SLICE) : 0;
  runs = g_ptr_array_new_with_free_func ((GDestroyNotify) chk_run_record_free);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (runs, g_ptr_array_steal_index (fleet->runs, 0));
  for (guint i = 0; i < runs->len; i++)
    _chk_store_emit_run_changed (CHK_STORE (store), g_ptr_array_index (runs, i));

  if (fleet->changed->len > 0 || fleet->runs->len > 0)
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&fleet->emit_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
queue_emit (ChkPgFleet *fleet)
{
  if (fleet->emit_source == NULL && fleet->context != NULL)
    fleet->emit_source = chk_source_attach (g_idle_source_new (), fleet->context, emit_cb, fleet,
                                            "[chk-store] changes of other hosts");
}

static void
queue_change (ChkPgFleet *fleet,
              guint64     job_id)
{
  g_array_append_val (fleet->changed, job_id);
  queue_emit (fleet);
}

/* "ID JOB STARTED FINISHED EXIT-CODE OUTCOME TRIGGER HOSTNAME", as the
 * trigger of the runs says */
static void
queue_run_change (ChkPgFleet *fleet,
                  const char *extra)
{
  g_auto(GStrv) words = g_strsplit (extra, " ", 8);
  g_autoptr(ChkRunRecord) run = chk_run_record_new ();
  gint64 exit_code;

  if (g_strv_length (words) != 8 ||
      !g_ascii_string_to_unsigned (words[0], 10, 1, G_MAXINT64, &run->id, NULL) ||
      !g_ascii_string_to_unsigned (words[1], 10, 1, G_MAXINT64, &run->job_id, NULL) ||
      !g_ascii_string_to_signed (words[2], 10, 0, G_MAXINT64, &run->started, NULL) ||
      !g_ascii_string_to_signed (words[3], 10, 0, G_MAXINT64, &run->finished, NULL) ||
      !g_ascii_string_to_signed (words[4], 10, G_MININT, G_MAXINT, &exit_code, NULL))
    {
      g_debug ("A notification of a run that is not understood: %s", extra);
      return;
    }
  run->exit_code = (gint) exit_code;
  g_free (run->outcome);
  run->outcome = g_strdup (words[5]);
  g_free (run->trigger);
  run->trigger = g_strdup (words[6]);
  g_free (run->hostname);
  run->hostname = g_strdup (words[7]);
  g_ptr_array_add (fleet->runs, g_steal_pointer (&run));
  queue_emit (fleet);
}

static void
queue_settings_change (ChkPgFleet *fleet)
{
  fleet->settings_changed = TRUE;
  queue_emit (fleet);
}

/**
 * _chk_pg_fleet_collect:
 * @fleet: the store's fleet
 * @conn: its connection
 *
 * Takes the notifications that libpq has read, from the socket or with
 * the results of a statement, and queues those of other connections.
 */
void
_chk_pg_fleet_collect (ChkPgFleet *fleet,
                       PGconn     *conn)
{
  PGnotify *notify;

  while ((notify = PQnotifies (conn)) != NULL)
    {
      guint64 job_id;

      if (notify->be_pid == PQbackendPID (conn))
        ;
      else if (g_str_equal (notify->relname, "chk_settings"))
        queue_settings_change (fleet);
      else if (g_str_equal (notify->relname, "chk_runs"))
        queue_run_change (fleet, notify->extra);
      else if (g_ascii_string_to_unsigned (notify->extra, 10, 1, G_MAXINT64, &job_id, NULL))
        queue_change (fleet, job_id);
      PQfreemem (notify);
    }
}

static gboolean
socket_cb (int          fd,
           GIOCondition condition,
           gpointer     user_data)
{
  ChkPgFleet *fleet = user_data;
  PGconn *conn = _chk_store_pg_get_conn (fleet->store);

  /* A lost connection: the store's next call, or its probe, finds out and
   * reconnects, which listens again. */
  if (!PQconsumeInput (conn))
    {
      g_debug ("The connection to the database is lost; notifications stop until it is back");
      g_clear_pointer (&fleet->socket_source, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  _chk_pg_fleet_collect (fleet, conn);
  return G_SOURCE_CONTINUE;
}

/**
 * _chk_pg_fleet_listen:
 * @fleet: the store's fleet
 * @reconnected: whether this is a connection made again, which missed
 *   what changed meanwhile
 * @error: return location for a #GError
 *
 * Listens for the changes of jobs and settings on the store's
 * connection, as it is now (after a reconnection, a new session and a new
 * socket). After a reconnection, any job and setting may have changed
 * meanwhile: job-changed tells of id 0, and settings-changed is emitted.
 *
 * Returns: %TRUE if the connection listens
 */
gboolean
_chk_pg_fleet_listen (ChkPgFleet  *fleet,
                      gboolean     reconnected,
                      GError     **error)
{
  PGconn *conn = _chk_store_pg_get_conn (fleet->store);

  chk_source_clear (&fleet->socket_source);
  /* A new session holds no lock yet */
  g_clear_pointer (&fleet->connected_as, g_free);
  if (!_chk_store_pg_exec (fleet->store, "LISTEN chk_jobs", NULL, error) ||
      !_chk_store_pg_exec (fleet->store, "LISTEN chk_settings", NULL, error) ||
      !_chk_store_pg_exec (fleet->store, "LISTEN chk_runs", NULL, error))
    return FALSE;

  if (fleet->context != NULL && PQsocket (conn) >= 0)
    fleet->socket_source = chk_source_attach (g_unix_fd_source_new (PQsocket (conn), G_IO_IN),
                                              fleet->context, G_SOURCE_FUNC (socket_cb), fleet,
                                              "[chk-store] notifications");
  if (reconnected)
    {
      queue_change (fleet, 0);
      queue_settings_change (fleet);
    }
  return TRUE;
}

/*
 * A password in the location would be in chronikerd's command line, which
 * every user of the machine may read (ps, /proc), and in the store's
 * path: libpq reads it from a password file ($PGPASSFILE, ~/.pgpass) or
 * a service file instead, and the location names neither.
 */
gboolean
_chk_pg_check_no_password (const char  *conninfo,
                           GError     **error)
{
  g_autofree char *message = NULL;
  PQconninfoOption *options;
  gboolean has_password = FALSE;
  char *parse_error = NULL;

  options = PQconninfoParse (conninfo, &parse_error);
  if (options == NULL)
    {
      /* libpq's message quotes no value of the location */
      message = parse_error != NULL ? g_strstrip (g_strdup (parse_error)) : NULL;
      PQfreemem (parse_error);
      g_set_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT,
                   "Could not read the PostgreSQL database's location: %s",
                   message != NULL ? message : "out of memory");
      return FALSE;
    }
  for (PQconninfoOption *option = options; option->keyword != NULL; option++)
    if (g_str_equal (option->keyword, "password") && option->val != NULL &&
        option->val[0] != '\0')
      has_password = TRUE;
  PQconninfoFree (options);

  if (has_password)
    return g_set_error_literal (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT,
                                "The PostgreSQL database's location holds a password, which "
                                "any user could read in the list of processes: give it in a "
                                "password file ($PGPASSFILE or ~/.pgpass) or a service file "
                                "(PGSERVICE) instead"), FALSE;
  return TRUE;
}

/* The first claim of (job, due, host) is the one that counts; while a run
 * of the job is under way on any host whose lease holds (one run of a job
 * at a time, as on one host), an occurrence for any one host is nobody's.
 * A dead host's run holds nothing once its lease ran out, even before a
 * heartbeat records it as interrupted: in a fleet idle until the next
 * occurrence, that occurrence runs on a host that is there. */
gboolean
_chk_store_pg_claim_occurrence (ChkStore    *store,
                                guint64      job_id,
                                gint64       due,
                                const char  *host,
                                const char  *claimer,
                                gint64       alive_since,
                                gboolean    *out_claimed,
                                GError     **error)
{
  ChkStorePg *self = CHK_STORE_PG (store);
  ChkPgFleet *fleet = _chk_store_pg_get_fleet (self);
  g_autoptr(PGresult) result = NULL;
  ChkPgParams p = { 0, };

  _chk_pg_params_add_uint (&p, job_id);
  _chk_pg_params_add_int (&p, due);
  _chk_pg_params_add_text (&p, host);
  _chk_pg_params_add_text (&p, claimer);
  _chk_pg_params_add_int (&p, g_get_real_time ());
  _chk_pg_params_add_int (&p, alive_since);
  result = _chk_store_pg_query (self,
                                "INSERT INTO claims (job_id, due, host, claimer, claimed) "
                                "SELECT $1::bigint, $2::bigint, $3::text, $4::text, $5::bigint "
                                "WHERE $3 <> '' OR NOT EXISTS "
                                "(SELECT 1 FROM runs JOIN hosts USING (hostname) "
                                " WHERE job_id = $1 AND outcome = 'running' AND heartbeat >= $6) "
                                "ON CONFLICT DO NOTHING",
                                &p, error);
  if (result == NULL)
    {
      g_prefix_error (error, "Could not claim the occurrence: ");
      return FALSE;
    }
  *out_claimed = _chk_pg_changes (result) == 1;

  /* Claims a day old decide nothing any more: a few at a time go */
  if (++fleet->claims_since_sweep >= CLAIMS_PER_SWEEP)
    {
      g_autoptr(GError) sweep_error = NULL;
      ChkPgParams old = { 0, };

      fleet->claims_since_sweep = 0;
      _chk_pg_params_add_int (&old, due - G_TIME_SPAN_DAY);
      if (!_chk_store_pg_exec (self, "DELETE FROM claims WHERE due < $1", &old, &sweep_error))
        g_debug ("Could not delete old claims: %s", sweep_error->message);
    }
  return TRUE;
}

/* Leases */

/*
 * A daemon says that it is connected by holding an advisory lock for as
 * long as its session lasts: the first key is "chk" (0x63686b), the second
 * the hash of its host's name, in any case. The server lets it go when the
 * session ends, however the daemon ended, so pg_locks tells which hosts
 * are there without any of them waking up to say so.
 */
#define HOST_LOCK_KEY "6514795"
#define HOST_LOCK_HELD \
  "EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted " \
  "AND database = (SELECT oid FROM pg_database WHERE datname = current_database ()) " \
  "AND objsubid = 2 AND classid = " HOST_LOCK_KEY "::oid " \
  "AND objid = hashtext (lower (hosts.hostname))::oid)"

static void
hold_host_lock (ChkStorePg *self,
                const char *hostname)
{
  ChkPgFleet *fleet = _chk_store_pg_get_fleet (self);
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GError) error = NULL;
  ChkPgParams p = { 0, };

  if (g_strcmp0 (fleet->connected_as, hostname) == 0)
    return;

  _chk_pg_params_add_text (&p, hostname);
  result = _chk_store_pg_query (self,
                                "SELECT pg_try_advisory_lock (" HOST_LOCK_KEY ", "
                                "hashtext (lower ($1)))",
                                &p, &error);
  if (result == NULL)
    {
      g_warning ("Could not say that this host is connected: %s", error->message);
      return;
    }
  if (!g_str_equal (PQgetvalue (result, 0, 0), "t"))
    g_warning ("Another chronikerd is connected to the database as host %s: give each host "
               "its own name (chronikerd --hostname)", hostname);
  g_free (fleet->connected_as);
  fleet->connected_as = g_strdup (hostname);
}

gboolean
_chk_store_pg_heartbeat (ChkStore    *store,
                         const char  *hostname,
                         gint64       now,
                         GError     **error)
{
  ChkPgParams p = { 0, };

  _chk_pg_params_add_text (&p, hostname);
  _chk_pg_params_add_int (&p, now);
  if (!_chk_store_pg_exec (CHK_STORE_PG (store),
                           "INSERT INTO hosts (hostname, heartbeat, started) VALUES ($1, $2, $2) "
                           "ON CONFLICT (hostname) DO UPDATE SET heartbeat = excluded.heartbeat",
                           &p, error))
    {
      g_prefix_error (error, "Could not say that this host is alive: ");
      return FALSE;
    }
  hold_host_lock (CHK_STORE_PG (store), hostname);
  return TRUE;
}

/* The runs under way of hosts silent since @before, or never heard of */
gboolean
_chk_store_pg_expire_leases (ChkStore    *store,
                             const char  *hostname,
                             gint64       before,
                             gint64       now,
                             guint       *out_expired,
                             GError     **error)
{
  g_autoptr(PGresult) result = NULL;
  ChkPgParams p = { 0, };

  _chk_pg_params_add_text (&p, hostname);
  _chk_pg_params_add_int (&p, before);
  _chk_pg_params_add_int (&p, now);
  result = _chk_store_pg_query (CHK_STORE_PG (store),
                                "UPDATE runs SET outcome = 'interrupted', finished = $3, "
                                "exit_code = -1, message = 'Its host, ' || hostname || "
                                "', stopped answering while it ran' "
                                "WHERE outcome = 'running' AND hostname <> $1 AND NOT EXISTS "
                                "(SELECT 1 FROM hosts WHERE hosts.hostname = runs.hostname "
                                " AND heartbeat >= $2)",
                                &p, error);
  if (result == NULL)
    {
      g_prefix_error (error, "Could not end the runs of hosts that stopped answering: ");
      return FALSE;
    }
  if (out_expired != NULL)
    *out_expired = (guint) _chk_pg_changes (result);
  return TRUE;
}

static gpointer
host_from_row (const PGresult *result,
               int             row)
{
  ChkStoreHost *host = g_new0 (ChkStoreHost, 1);

  host->hostname = g_strdup (PQgetvalue (result, row, 0));
  host->heartbeat = _chk_pg_get_int (result, row, 1);
  host->started = _chk_pg_get_int (result, row, 2);
  host->connected = g_str_equal (PQgetvalue (result, row, 3), "t");
  host->running = (guint) _chk_pg_get_int (result, row, 4);
  return host;
}

GPtrArray *
_chk_store_pg_list_hosts (ChkStore  *store,
                          GError   **error)
{
  GPtrArray *hosts = _chk_store_pg_collect (CHK_STORE_PG (store),
                                            "SELECT hostname, heartbeat, started, "
                                            HOST_LOCK_HELD ", "
                                            "(SELECT count(*) FROM runs WHERE outcome = "
                                            "'running' AND runs.hostname = hosts.hostname) "
                                            "FROM hosts ORDER BY hostname",
                                            NULL, host_from_row,
                                            (GDestroyNotify) chk_store_host_free, error);

  if (hosts == NULL)
    g_prefix_error (error, "Could not list the hosts: ");
  return hosts;
}
