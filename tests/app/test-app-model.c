/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <adwaita.h>

#include "chk-job-item.h"
#include "chk-job-model.h"
#include "chk-test-fixture.h"
#include "chk-test-session.h"
#include "chk-test-widgets.h"
#include "chk-window.h"

/*
 * ChkJobModel without a window: the jobs as plain items (ChkJobItem), read
 * page by page with ListJobs and kept in step by InterfacesAdded,
 * InterfacesRemoved and PropertiesChanged from the daemon that answered;
 * methods through a proxy made on demand.
 */

#define SECONDS 20

typedef ChkTestFixture Fixture;

static void
connect_model (Fixture *fixture)
{
  fixture->model = chk_job_model_new ();
  chk_job_model_connect (fixture->model);
  /* Loading (a page in, the next asked for) comes between */
  chk_assert_eventually (chk_job_model_get_state (fixture->model) == CHK_JOB_MODEL_READY ||
                         chk_job_model_get_state (fixture->model) == CHK_JOB_MODEL_FAILED,
                         SECONDS);
  g_assert_cmpint (chk_job_model_get_state (fixture->model), ==, CHK_JOB_MODEL_READY);
}

static void
update_job (Fixture    *fixture,
            const char *path,
            const char *text)
{
  GVariant *changes = g_variant_new_parsed (text);

  chk_test_session_job_call (fixture->session, path, "Update", g_variant_new_tuple (&changes, 1));
}

static gboolean
listed (Fixture *fixture,
        ChkJob1 *job)
{
  return g_list_store_find (G_LIST_STORE (chk_job_model_get_jobs (fixture->model)), job, NULL);
}

static void
count_cb (GObject    *object,
          GParamSpec *pspec,
          guint      *count)
{
  (*count)++;
}

static void
properties_changed_cb (ChkJob1     *job,
                       GVariant    *changed,
                       GStrv        invalidated,
                       GHashTable  *names)
{
  GVariantIter iter;
  const char *name;

  g_variant_iter_init (&iter, changed);
  while (g_variant_iter_next (&iter, "{&sv}", &name, NULL))
    g_hash_table_add (names, g_strdup (name));
}

/* What the daemon had, then each kind of change it says, on the same item. */
static void
test_follows (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "first",
                                               "{'description': <'before'>}");
  g_autofree char *later_path = NULL;
  g_autoptr(GHashTable) changed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *command[] = { "/bin/true", NULL };
  ChkJob1 *job, *later;
  guint descriptions = 0, names = 0;

  connect_model (fixture);
  job = chk_job_model_lookup (fixture->model, path);
  g_assert_nonnull (job);
  g_assert_true (CHK_IS_JOB_ITEM (job));
  g_assert_true (listed (fixture, job));
  g_assert_cmpstr (chk_job_get_object_path (job), ==, path);
  g_assert_cmpstr (chk_job1_get_name (job), ==, "first");
  g_assert_cmpstr (chk_job1_get_description (job), ==, "before");
  g_assert_cmpstrv (chk_job1_get_command (job), command);
  g_assert_true (chk_job1_get_enabled (job));

  /* PropertiesChanged: notify:: for what changed, and only for that */
  g_signal_connect (job, "notify::description", G_CALLBACK (count_cb), &descriptions);
  g_signal_connect (job, "notify::name", G_CALLBACK (count_cb), &names);
  g_signal_connect (job, "properties-changed", G_CALLBACK (properties_changed_cb), changed);
  update_job (fixture, path, "{'description': <'after'>}");
  chk_assert_eventually (g_strcmp0 (chk_job1_get_description (job), "after") == 0, SECONDS);
  g_assert_cmpuint (descriptions, ==, 1);
  g_assert_cmpuint (names, ==, 0);
  g_assert_true (g_hash_table_contains (changed, "Description"));

  /* A rename: the same item, its new name */
  update_job (fixture, path, "{'name': <'renamed'>}");
  chk_assert_eventually (g_strcmp0 (chk_job1_get_name (job), "renamed") == 0, SECONDS);
  g_assert_cmpuint (names, ==, 1);
  g_assert_true (chk_job_model_lookup (fixture->model, path) == job);

  /* InterfacesAdded: a job made after the load */
  later_path = chk_test_create_job (fixture, "later", NULL);
  chk_assert_eventually (chk_job_model_lookup (fixture->model, later_path) != NULL, SECONDS);
  later = chk_job_model_lookup (fixture->model, later_path);
  g_assert_true (listed (fixture, later));
  g_assert_cmpstr (chk_job1_get_name (later), ==, "later");
  g_assert_cmpuint (g_list_model_get_n_items (chk_job_model_get_jobs (fixture->model)), ==, 2);

  /* InterfacesRemoved */
  g_object_ref (later);
  chk_test_session_job_call (fixture->session, later_path, "Delete", NULL);
  chk_assert_eventually (chk_job_model_lookup (fixture->model, later_path) == NULL, SECONDS);
  g_assert_false (listed (fixture, later));
  g_assert_cmpuint (g_list_model_get_n_items (chk_job_model_get_jobs (fixture->model)), ==, 1);
  g_object_unref (later);
}

static void
run_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Methods go through the job's proxy, which leads back to the job. */
static void
test_methods (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "runner", NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChkJob1) back = NULL;
  ChkJob1 *job, *proxy;
  guint64 run_id = 0;

  connect_model (fixture);
  job = chk_job_model_lookup (fixture->model, path);
  g_assert_nonnull (job);
  proxy = chk_job_get_proxy (job);
  g_assert_true (G_IS_DBUS_PROXY (proxy));
  g_assert_true (chk_job_get_proxy (job) == proxy);
  g_assert_true (chk_job_has_proxy (job, proxy));
  g_assert_false (chk_job_has_proxy (NULL, proxy));
  g_assert_cmpstr (g_dbus_proxy_get_object_path (G_DBUS_PROXY (proxy)), ==, path);

  chk_job1_call_run (proxy, NULL, run_done_cb, &result);
  chk_assert_eventually (result != NULL, SECONDS);
  g_assert_true (chk_job1_call_run_finish (proxy, &run_id, result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (run_id, >, 0);
  back = chk_job_get_job (proxy);
  g_assert_true (back == job);

  /* The run shows on the item, through PropertiesChanged */
  chk_assert_eventually (chk_job1_get_last_run_started (job) != 0, SECONDS);
}

/* The daemon goes: no jobs; it comes back: new items, followed again (the
 * signals of the new daemon, not only the old one's). */
static void
test_restart (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "survivor", NULL);
  ChkJob1 *job;

  connect_model (fixture);
  g_assert_nonnull (chk_job_model_lookup (fixture->model, path));

  chk_test_session_kill_daemon (fixture->session);
  chk_assert_eventually (chk_job_model_get_state (fixture->model) == CHK_JOB_MODEL_FAILED,
                         SECONDS);
  g_assert_true (chk_job_model_get_stopped (fixture->model));
  g_assert_null (chk_job_model_lookup (fixture->model, path));
  g_assert_cmpuint (g_list_model_get_n_items (chk_job_model_get_jobs (fixture->model)), ==, 0);

  chk_test_session_start_daemon (fixture->session);
  chk_assert_eventually (chk_job_model_get_state (fixture->model) == CHK_JOB_MODEL_READY,
                         SECONDS);
  chk_assert_eventually (chk_job_model_lookup (fixture->model, path) != NULL, SECONDS);
  job = chk_job_model_lookup (fixture->model, path);
  g_assert_cmpstr (chk_job1_get_name (job), ==, "survivor");

  update_job (fixture, path, "{'name': <'phoenix'>}");
  chk_assert_eventually (g_strcmp0 (chk_job1_get_name (job), "phoenix") == 0, SECONDS);
}

#define N_PAGED 600

typedef struct
{
  Fixture  *fixture;
  char    **paths;
  char     *made;
  gboolean  between;
  guint     n_first;
  guint     source;
} Paging;

/*
 * Once the first page is in and the last is not: changes to jobs loaded and
 * to jobs still to come, a job made, jobs deleted. Polled ahead of the
 * replies (a high priority); the calls wait for their replies, so the
 * daemon has done them before the model asks for the page after the next.
 */
static gboolean
between_pages_cb (gpointer user_data)
{
  Paging *paging = user_data;
  Fixture *fixture = paging->fixture;

  GListModel *jobs = chk_job_model_get_jobs (fixture->model);

  if (chk_job_model_get_state (fixture->model) == CHK_JOB_MODEL_CONNECTING)
    {
      /* Nothing listed before the first page */
      g_assert_cmpuint (g_list_model_get_n_items (jobs), ==, 0);
      return G_SOURCE_CONTINUE;
    }
  paging->source = 0;
  if (chk_job_model_get_state (fixture->model) != CHK_JOB_MODEL_LOADING)
    return G_SOURCE_REMOVE;

  /* The first page is listed, before the others come */
  paging->between = chk_job_model_lookup (fixture->model, paging->paths[N_PAGED - 1]) == NULL;
  paging->n_first = g_list_model_get_n_items (jobs);
  g_assert_cmpuint (paging->n_first, >, 0);
  g_assert_cmpuint (paging->n_first, <, N_PAGED);
  g_assert_true (chk_job_model_lookup (fixture->model, paging->paths[0]) ==
                 g_list_model_get_item (jobs, 0));
  g_object_unref (chk_job_model_lookup (fixture->model, paging->paths[0]));
  chk_test_session_job_call (fixture->session, paging->paths[0], "Delete", NULL);
  chk_test_session_job_call (fixture->session, paging->paths[N_PAGED - 1], "Delete", NULL);
  update_job (fixture, paging->paths[1], "{'description': <'meanwhile'>}");
  update_job (fixture, paging->paths[N_PAGED - 2], "{'description': <'meanwhile'>}");
  paging->made = chk_test_create_job (fixture, "made-meanwhile", NULL);
  return G_SOURCE_REMOVE;
}

/* The jobs come in pages, each listed as it comes; what changes between
 * two pages is neither lost nor doubled. */
static void
test_pages (Fixture       *fixture,
            gconstpointer  data)
{
  g_auto(GStrv) paths = g_new0 (char *, N_PAGED + 1);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_direct_hash, g_direct_equal);
  Paging paging = { fixture, paths, NULL, FALSE, 0, 0 };
  GListModel *jobs;
  guint n_items;

  for (guint i = 0; i < N_PAGED; i++)
    {
      g_autofree char *name = g_strdup_printf ("paged-%03u", i);

      paths[i] = chk_test_create_job (fixture, name, NULL);
    }

  fixture->model = chk_job_model_new ();
  jobs = chk_job_model_get_jobs (fixture->model);
  paging.source = g_timeout_add_full (G_PRIORITY_HIGH, 1, between_pages_cb, &paging, NULL);
  chk_job_model_connect (fixture->model);
  chk_assert_eventually (chk_job_model_get_state (fixture->model) == CHK_JOB_MODEL_READY ||
                         chk_job_model_get_state (fixture->model) == CHK_JOB_MODEL_FAILED,
                         SECONDS);
  g_assert_cmpint (chk_job_model_get_state (fixture->model), ==, CHK_JOB_MODEL_READY);
  g_clear_handle_id (&paging.source, g_source_remove);
  g_assert_true (paging.between);
  g_assert_cmpuint (paging.n_first, >, 0);

  /* Every job once: two deleted, one made */
  n_items = g_list_model_get_n_items (jobs);
  g_assert_cmpuint (n_items, ==, N_PAGED - 2 + 1);
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(ChkJob1) job = g_list_model_get_item (jobs, i);

      g_assert_true (chk_job_model_lookup (fixture->model, chk_job_get_object_path (job)) == job);
      g_assert_true (g_hash_table_add (seen, job));
    }
  g_assert_null (chk_job_model_lookup (fixture->model, paths[0]));
  g_assert_null (chk_job_model_lookup (fixture->model, paths[N_PAGED - 1]));
  g_assert_nonnull (paging.made);
  g_assert_nonnull (chk_job_model_lookup (fixture->model, paging.made));
  g_assert_cmpstr (chk_job1_get_description (chk_job_model_lookup (fixture->model, paths[1])),
                   ==, "meanwhile");
  g_assert_cmpstr (chk_job1_get_description (chk_job_model_lookup (fixture->model,
                                                                   paths[N_PAGED - 2])),
                   ==, "meanwhile");
  g_free (paging.made);
}

/* What the window shows when the first page is in */
static void
loading_state_cb (ChkJobModel *model,
                  GParamSpec  *pspec,
                  gpointer     user_data)
{
  Fixture *fixture = user_data;
  GtkStack *main_stack = chk_test_find_stack_with_page (fixture->window, "connecting");
  GtkStack *list_stack = chk_test_find_stack_with_page (fixture->window, "no-results");

  if (chk_job_model_get_state (model) != CHK_JOB_MODEL_LOADING)
    return;
  g_assert_nonnull (main_stack);
  g_assert_nonnull (list_stack);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (main_stack), ==, "main");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (list_stack), ==, "list");
  g_object_set_data (G_OBJECT (model), "shown-loading", GINT_TO_POINTER (TRUE));
}

/* The window lists the first page while the others come */
static void
test_window_while_loading (Fixture       *fixture,
                           gconstpointer  data)
{
  for (guint i = 0; i < N_PAGED; i++)
    {
      g_autofree char *name = g_strdup_printf ("paged-%03u", i);
      g_autofree char *path = chk_test_create_job (fixture, name, NULL);
    }

  fixture->model = chk_job_model_new ();
  fixture->window = chk_window_new (NULL, fixture->model);
  g_object_add_weak_pointer (G_OBJECT (fixture->window), (gpointer *) &fixture->window);
  g_signal_connect (fixture->model, "notify::state", G_CALLBACK (loading_state_cb), fixture);
  gtk_window_present (GTK_WINDOW (fixture->window));
  chk_job_model_connect (fixture->model);

  chk_assert_eventually (chk_job_model_get_state (fixture->model) == CHK_JOB_MODEL_READY ||
                         chk_job_model_get_state (fixture->model) == CHK_JOB_MODEL_FAILED,
                         SECONDS);
  g_assert_cmpint (chk_job_model_get_state (fixture->model), ==, CHK_JOB_MODEL_READY);
  g_assert_true (g_object_get_data (G_OBJECT (fixture->model), "shown-loading"));
  g_assert_cmpuint (g_list_model_get_n_items (chk_job_model_get_jobs (fixture->model)), ==,
                    N_PAGED);
}

int
main (int   argc,
      char *argv[])
{
  const ChkTestFixtureCase tests[] = {
    { "/app/model/follows", test_follows },
    { "/app/model/methods", test_methods },
    { "/app/model/restart", test_restart },
    { "/app/model/pages", test_pages },
    { "/app/model/window-while-loading", test_window_while_loading },
  };
  const char *skip;

  chk_test_app_init (&argc, &argv);
  skip = chk_test_app_open_display ();
  chk_test_fixture_add_cases (tests, G_N_ELEMENTS (tests), skip);
  return g_test_run ();
}
