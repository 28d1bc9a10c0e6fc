/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-app-orchestration"

#include "config.h"

#include <adwaita.h>

#include "chk-job-editor.h"
#include "chk-job-graph.h"
#include "chk-job-links.h"
#include "chk-job-list-group.h"
#include "chk-job-model.h"
#include "chk-job-page.h"
#include "chk-job-row.h"
#include "chk-test-fixture.h"
#include "chk-test-session.h"
#include "chk-test-widgets.h"
#include "chk-window.h"

/*
 * DESIGN §7's orchestration keys in the app: the editor's Dependencies,
 * When It Fails and Conditions groups saved to the real chronikerd on a
 * private bus, the job page's Waits For / Waited For By, and a job row
 * that says what a due run waits for.
 */

#define SECONDS 30

typedef ChkTestFixture Fixture;

/* ---------------------------------------------------------------------------
 * Looking at widgets */

/* The property @property of the job at @path, as the bus has it, in GVariant text */
static char *
job_property_text (Fixture    *fixture,
                   const char *path,
                   const char *property)
{
  g_autoptr(GVariant) value = chk_test_session_job_property (fixture->session, path, property);

  return g_variant_print (value, FALSE);
}

/* The first group of @type (a job list or links) under @root titled @title */
static gpointer
find_group (gpointer    root,
            GType       type,
            const char *title)
{
  g_autoptr(GPtrArray) groups = chk_test_find_widgets (root, type);

  for (guint i = 0; i < groups->len; i++)
    {
      if (g_strcmp0 (adw_preferences_group_get_title (groups->pdata[i]), title) == 0)
        return groups->pdata[i];
    }
  g_error ("No %s titled “%s”", g_type_name (type), title);
}

#define find_list_group(root, title) \
  ((ChkJobListGroup *) find_group ((root), CHK_TYPE_JOB_LIST_GROUP, (title)))
#define find_links(root, title) \
  ((ChkJobLinks *) find_group ((root), CHK_TYPE_JOB_LINKS, (title)))

/* The jobs that the group's add button offers, "a,b", as its menu shows
 * them. (The menu is not popped up: a popover on the test's X server
 * without a window manager has no monitor.) */
static char *
offered_jobs (ChkJobListGroup *group)
{
  g_autoptr(GMenuModel) menu = _chk_job_list_group_build_menu (group);
  g_autoptr(GString) names = g_string_new (NULL);

  g_assert_nonnull (chk_test_find_widget (group, GTK_TYPE_MENU_BUTTON));
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *label = NULL;
      g_autofree char *action = NULL;
      g_autoptr(GString) plain = NULL;

      g_assert_true (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s",
                                                      &label));
      g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &action);
      if (g_strcmp0 (action, "job-list.add") != 0)
        continue;
      plain = g_string_new (label);
      g_string_replace (plain, "__", "_", 0);
      g_string_append_printf (names, "%s%s", names->len > 0 ? "," : "", plain->str);
    }
  return g_string_free (g_steal_pointer (&names), FALSE);
}

/* Picks @name in the group's add menu, as a click on its item does */
static void
add_job (ChkJobListGroup *group,
         const char      *name)
{
  gtk_widget_activate_action (GTK_WIDGET (group), "job-list.add", "s", name);
}

/* The titles of the rows directly in a group's list, "a,b" */
static char *
row_titles (gpointer group)
{
  g_autoptr(GPtrArray) rows = chk_test_find_widgets (group, ADW_TYPE_PREFERENCES_ROW);
  g_autoptr(GString) titles = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *parent = gtk_widget_get_ancestor (gtk_widget_get_parent (rows->pdata[i]),
                                                   ADW_TYPE_PREFERENCES_ROW);

      /* Not the flags inside a dependency's expander row */
      if (parent != NULL)
        continue;
      g_string_append_printf (titles, "%s%s", titles->len > 0 ? "," : "",
                              adw_preferences_row_get_title (rows->pdata[i]));
    }
  return g_string_free (g_steal_pointer (&titles), FALSE);
}

/* The boxes of the graph's column @column ("upstream" or "downstream"), top
 * to bottom, each "name:kinds" as its style classes say ("depends",
 * "on-success", "on-failure"), "name:…!misplaced" for one that is not left
 * (upstream) or right of the job shown, or under the one before it. */
static char *
graph_column (ChkJobGraph *graph,
              const char  *column)
{
  static const char * const kinds[] = { "depends", "on-success", "on-failure" };
  g_autoptr(GPtrArray) buttons = chk_test_find_widgets (graph, GTK_TYPE_BUTTON);
  g_autoptr(GPtrArray) boxes = chk_test_find_widgets (graph, GTK_TYPE_BOX);
  g_autoptr(GString) nodes = g_string_new (NULL);
  graphene_rect_t middle = GRAPHENE_RECT_INIT (0, 0, 0, 0);
  double last_y = -1;

  for (guint i = 0; i < boxes->len; i++)
    {
      if (gtk_widget_has_css_class (boxes->pdata[i], "current") &&
          !gtk_widget_compute_bounds (boxes->pdata[i], GTK_WIDGET (graph), &middle))
        return g_strdup ("(not laid out)");
    }
  for (guint i = 0; i < buttons->len; i++)
    {
      GtkWidget *node = buttons->pdata[i];
      graphene_rect_t box = GRAPHENE_RECT_INIT (0, 0, 0, 0);
      gboolean placed;

      if (!gtk_widget_has_css_class (node, column))
        continue;
      placed = middle.size.width > 0 &&
               gtk_widget_compute_bounds (node, GTK_WIDGET (graph), &box) &&
               box.origin.y > last_y &&
               (g_str_equal (column, "upstream")
                ? box.origin.x + box.size.width < middle.origin.x
                : box.origin.x > middle.origin.x + middle.size.width);
      last_y = box.origin.y;
      g_string_append_printf (nodes, "%s%s:", nodes->len > 0 ? "," : "",
                              gtk_button_get_label (GTK_BUTTON (node)));
      for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
        {
          if (gtk_widget_has_css_class (node, kinds[k]))
            g_string_append_printf (nodes, "%s", kinds[k]);
        }
      if (!placed)
        g_string_append (nodes, "!misplaced");
    }
  return g_string_free (g_steal_pointer (&nodes), FALSE);
}

/* The graph's box of the job called @name */
static GtkWidget *
graph_node (ChkJobGraph *graph,
            const char  *name)
{
  g_autoptr(GPtrArray) buttons = chk_test_find_widgets (graph, GTK_TYPE_BUTTON);

  for (guint i = 0; i < buttons->len; i++)
    {
      if (g_strcmp0 (gtk_button_get_label (buttons->pdata[i]), name) == 0)
        return buttons->pdata[i];
    }
  g_error ("No box “%s” in the graph", name);
}

/* Activates the switch row titled @title, as a click on it does, and waits
 * for the switch to have moved. */
static void
toggle_row (gpointer    root,
            const char *title)
{
  AdwActionRow *row = chk_test_find_row (root, ADW_TYPE_ACTION_ROW, title);
  GtkSwitch *toggle;
  gboolean before;

  g_assert_nonnull (row);
  toggle = GTK_SWITCH (adw_action_row_get_activatable_widget (row));
  before = gtk_switch_get_active (toggle);
  adw_action_row_activate (row);
  chk_assert_eventually (gtk_switch_get_active (toggle) != before, SECONDS);
}

static GtkSpinButton *
row_spin (gpointer    root,
          const char *title)
{
  AdwActionRow *row = chk_test_find_row (root, ADW_TYPE_ACTION_ROW, title);

  g_assert_nonnull (row);
  return GTK_SPIN_BUTTON (adw_action_row_get_activatable_widget (row));
}

static gboolean
row_switch_active (gpointer    root,
                   const char *title)
{
  AdwActionRow *row = chk_test_find_row (root, ADW_TYPE_ACTION_ROW, title);

  g_assert_nonnull (row);
  return gtk_switch_get_active (GTK_SWITCH (adw_action_row_get_activatable_widget (row)));
}

static const char *
entry_text (gpointer    root,
            const char *title)
{
  return gtk_editable_get_text (GTK_EDITABLE (chk_test_find_entry_row (root, title)));
}

/* The page's Host row, shown or not */
static GtkWidget *
find_host_row (ChkJobPage *page)
{
  g_autoptr(GPtrArray) rows = chk_test_find_widgets (page, ADW_TYPE_ACTION_ROW);

  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (rows->pdata[i]), "Host") == 0)
      return rows->pdata[i];
  g_error ("No Host row");
}

/* Clicks the button under @root whose tooltip (and accessible name) is @tooltip */
static void
click_tooltip (gpointer    root,
               const char *tooltip)
{
  g_autoptr(GPtrArray) buttons = chk_test_find_widgets (root, GTK_TYPE_BUTTON);

  for (guint i = 0; i < buttons->len; i++)
    {
      if (g_strcmp0 (gtk_widget_get_tooltip_text (buttons->pdata[i]), tooltip) == 0)
        {
          chk_test_click (buttons->pdata[i]);
          return;
        }
    }
  g_error ("No button “%s”", tooltip);
}

static void
save_editor (Fixture *fixture)
{
  GtkWidget *save = chk_test_find_button (fixture->editor, GTK_TYPE_BUTTON, "Save");

  g_assert_nonnull (save);
  chk_assert_eventually (gtk_widget_is_sensitive (save), SECONDS);
  chk_test_click (save);
  chk_assert_eventually (fixture->editor == NULL, SECONDS);
}

/* ---------------------------------------------------------------------------
 * Tests */

/* Every new group of the editor, filled in and saved, is what the daemon
 * has; opened again, the editor shows it. */
static void
test_editor_save (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *backup = chk_test_create_job (fixture, "backup", NULL);
  g_autofree char *cleanup = chk_test_create_job (fixture, "cleanup", NULL);
  g_autofree char *upload = chk_test_create_job (fixture, "up_load", NULL);
  g_autofree char *path = chk_test_create_job (fixture, "report", NULL);
  g_autofree char *offered = NULL;
  g_autofree char *text = NULL;
  ChkJobListGroup *depends;
  ChkJobEditor *editor;

  chk_test_fixture_open_window (fixture, 1000, 700);
  editor = chk_test_fixture_open_job_editor (fixture, path);
  depends = find_list_group (editor, "Dependencies");

  /* The other jobs, by name, not the one edited; "_" is no mnemonic */
  chk_assert_eventually_cmpstr (offered_jobs (depends), "backup,cleanup,up_load", SECONDS);
  add_job (depends, "backup");
  offered = offered_jobs (depends);
  g_assert_cmpstr (offered, ==, "cleanup,up_load");
  text = row_titles (depends);
  g_assert_cmpstr (text, ==, "backup");
  g_clear_pointer (&text, g_free);
  /* Each flag is on until turned off, in the row that expands */
  adw_expander_row_set_expanded (chk_test_find_row (depends, ADW_TYPE_EXPANDER_ROW, "backup"),
                                 TRUE);
  chk_assert_eventually (gtk_widget_get_mapped (chk_test_find_row (depends, ADW_TYPE_ACTION_ROW,
                                                                   "Not While It Runs")),
                         SECONDS);
  g_assert_true (row_switch_active (depends, "Not While It Runs"));
  g_assert_true (row_switch_active (depends, "Only After It Succeeded"));
  toggle_row (depends, "Only If It Is Not Due Sooner");
  g_assert_false (row_switch_active (depends, "Only If It Is Not Due Sooner"));

  add_job (find_list_group (editor, "Start When This Job Succeeds"), "up_load");
  /* Not backup: starting the job it waits for would make a cycle */
  add_job (find_list_group (editor, "Then Start"), "cleanup");
  gtk_spin_button_set_value (row_spin (editor, "Retries"), 3);
  gtk_editable_set_text (chk_test_find_entry_row (editor, "First Delay"), "5 min");
  gtk_spin_button_set_value (row_spin (editor, "Delay Factor"), 1.5);
  gtk_editable_set_text (chk_test_find_entry_row (editor, "Longest Delay"), "2 hours");
  toggle_row (editor, "Only on AC Power");
  toggle_row (editor, "Only on an Unmetered Network");
  gtk_editable_set_text (chk_test_find_entry_row (editor, "Wait Up To"), "1 hour");
  gtk_editable_set_text (chk_test_find_entry_row (editor, "Random Delay"), "10 min");
  save_editor (fixture);

  text = job_property_text (fixture, path, "DependsOn");
  g_assert_cmpstr (text, ==, "[{'job': <'backup'>, 'wait-for-completion': <true>, "
                             "'wait-for-success': <true>, 'wait-for-next-run': <false>}]");
  g_clear_pointer (&text, g_free);
  text = job_property_text (fixture, path, "RunOnSuccess");
  g_assert_cmpstr (text, ==, "['up_load']");
  g_clear_pointer (&text, g_free);
  text = job_property_text (fixture, path, "RunOnFailure");
  g_assert_cmpstr (text, ==, "['cleanup']");
  g_clear_pointer (&text, g_free);
  text = job_property_text (fixture, path, "RunIf");
  g_assert_cmpstr (text, ==, "['ac-power', 'unmetered-network']");
  g_clear_pointer (&text, g_free);
  text = job_property_text (fixture, path, "RetryBackoff");
  g_assert_cmpstr (text, ==, "1.5");
  g_assert_cmpint (chk_test_job_int (fixture, path, "Retries"), ==, 3);
  g_assert_cmpint (chk_test_job_int (fixture, path, "RetryDelay"), ==, 300);
  g_assert_cmpint (chk_test_job_int (fixture, path, "RetryMaxDelay"), ==, 7200);
  g_assert_cmpint (chk_test_job_int (fixture, path, "RunIfWait"), ==, 3600);
  g_assert_cmpint (chk_test_job_int (fixture, path, "RandomDelay"), ==, 600);

  /* Opened again: what the daemon has, in the editor's words */
  chk_assert_eventually (chk_job1_get_random_delay (chk_job_model_lookup (fixture->model, path))
                         == 600, SECONDS);
  editor = chk_test_fixture_open_job_editor (fixture, path);
  depends = find_list_group (editor, "Dependencies");
  g_clear_pointer (&text, g_free);
  text = row_titles (depends);
  g_assert_cmpstr (text, ==, "backup");
  g_assert_true (row_switch_active (depends, "Only After It Succeeded"));
  g_assert_false (row_switch_active (depends, "Only If It Is Not Due Sooner"));
  g_clear_pointer (&text, g_free);
  text = row_titles (find_list_group (editor, "Then Start"));
  g_assert_cmpstr (text, ==, "cleanup");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (row_spin (editor, "Retries")), ==, 3);
  g_assert_cmpfloat (gtk_spin_button_get_value (row_spin (editor, "Delay Factor")), ==, 1.5);
  g_assert_cmpstr (entry_text (editor, "First Delay"), ==, "5m");
  g_assert_cmpstr (entry_text (editor, "Longest Delay"), ==, "2h");
  g_assert_cmpstr (entry_text (editor, "Wait Up To"), ==, "1h");
  g_assert_cmpstr (entry_text (editor, "Random Delay"), ==, "10m");
  g_assert_true (row_switch_active (editor, "Only on AC Power"));
  g_assert_false (row_switch_active (editor, "Only With a Network"));

  /* Taken out again: nothing waits, no conditions; the rest stays */
  click_tooltip (depends, "Remove backup");
  click_tooltip (find_list_group (editor, "Then Start"), "Remove cleanup");
  toggle_row (editor, "Only on AC Power");
  toggle_row (editor, "Only on an Unmetered Network");
  save_editor (fixture);
  g_clear_pointer (&text, g_free);
  text = job_property_text (fixture, path, "DependsOn");
  g_assert_cmpstr (text, ==, "[]");
  g_clear_pointer (&text, g_free);
  text = job_property_text (fixture, path, "RunOnFailure");
  g_assert_cmpstr (text, ==, "[]");
  g_clear_pointer (&text, g_free);
  text = job_property_text (fixture, path, "RunIf");
  g_assert_cmpstr (text, ==, "[]");
  g_clear_pointer (&text, g_free);
  text = job_property_text (fixture, path, "RunOnSuccess");
  g_assert_cmpstr (text, ==, "['up_load']");
  g_assert_cmpint (chk_test_job_int (fixture, path, "Retries"), ==, 3);
}

/* The page of a job lists the jobs it waits for and that start it, and
 * the ones that wait for it and that it starts, and draws them in a
 * graph; a row, or a box of the graph, opens that job. */
static void
test_page_links (Fixture       *fixture,
                 gconstpointer  data)
{
  /* The daemon takes no links to jobs that do not exist (yet) */
  g_autofree char *fetch = chk_test_create_job (fixture, "fetch", NULL);
  g_autofree char *mail = chk_test_create_job (fixture, "mail", NULL);
  g_autofree char *path = chk_test_create_job (fixture, "report",
                                               "{'depends-on': <[{'job': <'fetch'>}]>, "
                                               "'run-on-success': <['mail']>}");
  g_autofree char *alarm = chk_test_create_job (fixture, "alarm",
                                                "{'run-on-failure': <['report']>}");
  g_autofree char *archive = chk_test_create_job (fixture, "archive",
                                                  "{'depends-on': <[{'job': <'report'>}]>}");
  g_autofree char *lonely = chk_test_create_job (fixture, "lonely", NULL);
  g_autofree char *solo = chk_test_create_job (fixture, "solo", NULL);
  ChkJobLinks *upstream, *downstream;
  ChkJobGraph *graph;
  GtkWidget *node;
  ChkJobPage *page;
  AdwActionRow *row;

  chk_test_fixture_open_window (fixture, 1000, 700);
  page = chk_test_fixture_show_job (fixture, path, "details");
  upstream = find_links (page, "Waits For");
  downstream = find_links (page, "Waited For By");
  chk_assert_eventually_cmpstr (row_titles (upstream), "alarm,fetch", SECONDS);
  chk_assert_eventually_cmpstr (row_titles (downstream), "archive,mail", SECONDS);
  chk_assert_eventually_cmpstr (chk_test_row_subtitle (upstream, "fetch"),
                                "This job waits for it", SECONDS);
  chk_assert_eventually_cmpstr (chk_test_row_subtitle (upstream, "alarm"),
                                "Starts this job when it fails", SECONDS);
  chk_assert_eventually_cmpstr (chk_test_row_subtitle (downstream, "mail"),
                                "Started when this job succeeds", SECONDS);
  chk_assert_eventually_cmpstr (chk_test_row_subtitle (downstream, "archive"),
                                "Waits for this job", SECONDS);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (upstream)));

  /* The graph: what runs before it on the left, after it on the right */
  graph = chk_test_find_widget (page, CHK_TYPE_JOB_GRAPH);
  chk_assert_eventually_cmpstr (graph_column (graph, "upstream"),
                                "alarm:on-failure,fetch:depends", SECONDS);
  chk_assert_eventually_cmpstr (graph_column (graph, "downstream"),
                                "archive:depends,mail:on-success", SECONDS);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (graph)));
  g_assert_nonnull (chk_test_find_label (graph, "report"));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (graph_node (graph, "mail")), ==,
                   "Started when this job succeeds");

  /* Another job changed from outside shows at once */
  chk_test_session_job_call (fixture->session, lonely, "Update",
                             g_variant_new_parsed ("({'depends-on': <[{'job': <'report'>}]>},)"));
  chk_assert_eventually_cmpstr (row_titles (downstream), "archive,lonely,mail", SECONDS);
  chk_assert_eventually_cmpstr (graph_column (graph, "downstream"),
                                "archive:depends,lonely:depends,mail:on-success", SECONDS);

  /* A box of the graph opens its job's page: a Tab stop, clicked */
  node = graph_node (graph, "alarm");
  g_assert_true (gtk_widget_get_focusable (node));
  chk_test_click (node);
  chk_assert_eventually (chk_job_page_get_job (page) == chk_job_model_lookup (fixture->model,
                                                                               alarm),
                         SECONDS);
  chk_assert_eventually_cmpstr (graph_column (graph, "downstream"), "report:on-failure", SECONDS);
  chk_assert_eventually_cmpstr (graph_column (graph, "upstream"), "", SECONDS);
  page = chk_test_fixture_show_job (fixture, path, "details");
  chk_assert_eventually_cmpstr (graph_column (graph, "upstream"),
                                "alarm:on-failure,fetch:depends", SECONDS);

  /* A row opens its job's page: a Tab stop, activated as Enter does */
  row = chk_test_find_row (downstream, ADW_TYPE_ACTION_ROW, "mail");
  g_assert_true (gtk_widget_get_focusable (GTK_WIDGET (row)));
  g_assert_true (gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (row)));
  g_signal_emit_by_name (row, "activate");
  chk_assert_eventually (chk_job_page_get_job (page) == chk_job_model_lookup (fixture->model, mail),
                         SECONDS);
  /* mail's own links: report starts it */
  chk_assert_eventually_cmpstr (row_titles (upstream), "report", SECONDS);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (downstream)));

  /* Only downstream links: no upstream group, no upstream boxes */
  chk_test_fixture_show_job (fixture, fetch, "details");
  chk_assert_eventually_cmpstr (row_titles (downstream), "report", SECONDS);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (upstream)));
  chk_assert_eventually_cmpstr (graph_column (graph, "downstream"), "report:depends", SECONDS);
  g_assert_cmpstr (graph_column (graph, "upstream"), ==, "");

  /* A job with no links has neither group, nor a graph */
  chk_test_fixture_show_job (fixture, solo, "details");
  chk_assert_eventually (!gtk_widget_get_visible (GTK_WIDGET (downstream)), SECONDS);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (upstream)));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (graph)));
  g_assert_false (gtk_widget_get_visible (gtk_widget_get_ancestor (GTK_WIDGET (graph),
                                                                   ADW_TYPE_PREFERENCES_GROUP)));
  g_assert_nonnull (alarm);
  g_assert_nonnull (archive);
}

/* A job meant for another host of a fleet: its page says where it runs
 * instead of a next run; the editor shows and changes its host, and a
 * name the daemon refuses marks the field. */
static void
test_host (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *path = chk_test_create_job (fixture, "pinned",
                                               "{'schedule': <'@daily'>, 'host': <'build-1'>}");
  g_autofree char *text = NULL;
  GtkWidget *host_row, *save;
  ChkJobEditor *editor;
  ChkJobPage *page;

  chk_test_fixture_open_window (fixture, 1000, 700);
  page = chk_test_fixture_show_job (fixture, path, "details");
  chk_assert_eventually_cmpstr (chk_test_row_subtitle (page, "Host"), "build-1", SECONDS);
  /* The session daemon is not build-1: no next run here */
  chk_assert_eventually (chk_test_find_label_containing (page, "Runs on build-1") != NULL,
                         SECONDS);
  g_assert_null (chk_test_find_label_containing (page, "Next run"));

  editor = chk_test_fixture_open_job_editor (fixture, path);
  g_assert_cmpstr (entry_text (editor, "Host"), ==, "build-1");
  gtk_editable_set_text (chk_test_find_entry_row (editor, "Host"), " * ");
  save_editor (fixture);
  text = job_property_text (fixture, path, "Host");
  g_assert_cmpstr (text, ==, "'*'");
  chk_assert_eventually_cmpstr (chk_test_row_subtitle (page, "Host"), "Every host", SECONDS);
  chk_assert_eventually (chk_test_find_label_containing (page, "Next run") != NULL, SECONDS);

  /* Refused by the daemon: the editor stays, the field says so */
  editor = chk_test_fixture_open_job_editor (fixture, path);
  host_row = GTK_WIDGET (chk_test_find_entry_row (editor, "Host"));
  gtk_editable_set_text (GTK_EDITABLE (host_row), "two words");
  save = chk_test_find_button (editor, GTK_TYPE_BUTTON, "Save");
  chk_assert_eventually (gtk_widget_is_sensitive (save), SECONDS);
  chk_test_click (save);
  chk_assert_eventually (gtk_widget_has_css_class (host_row, "error"), SECONDS);
  g_assert_nonnull (fixture->editor);
  gtk_editable_set_text (GTK_EDITABLE (host_row), "");
  save_editor (fixture);
  g_clear_pointer (&text, g_free);
  text = job_property_text (fixture, path, "Host");
  g_assert_cmpstr (text, ==, "''");
  /* Any host: nothing to say */
  chk_assert_eventually (!gtk_widget_get_visible (find_host_row (page)), SECONDS);
}

/* What a due run waits for shows on its row, and goes when it is over;
 * a skipped run shows as such. The daemon does not make runs wait yet:
 * a job skeleton stands in for the job's proxy. */
static void
test_row_waiting (void)
{
  g_autoptr(ChkJob1) job = CHK_JOB1 (chk_job1_skeleton_new ());
  GtkWidget *row = g_object_ref_sink (chk_job_row_new ());
  GtkWidget *window = gtk_window_new ();
  GtkImage *icon;

  chk_job1_set_name (job, "report");
  chk_job1_set_enabled (job, TRUE);
  chk_job1_set_last_outcome (job, "skipped");
  chk_job_row_set_job (CHK_JOB_ROW (row), job);
  gtk_window_set_child (GTK_WINDOW (window), row);
  gtk_window_present (GTK_WINDOW (window));
  chk_assert_eventually (gtk_widget_get_mapped (row), SECONDS);

  g_assert_null (chk_test_find_label_containing (row, "Waiting for"));
  icon = chk_test_find_widget (row, GTK_TYPE_IMAGE);
  g_assert_cmpstr (gtk_image_get_icon_name (icon), ==, "media-skip-forward-symbolic");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (icon)), ==, "Skipped");

  chk_job1_set_waiting_for (job, "backup to finish");
  chk_assert_eventually (chk_test_find_label (row, "Waiting for backup to finish") != NULL,
                         SECONDS);
  chk_job1_set_waiting_for (job, "");
  chk_assert_eventually (chk_test_find_label_containing (row, "Waiting for") == NULL, SECONDS);

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (row);
}

int
main (int   argc,
      char *argv[])
{
  const ChkTestFixtureCase tests[] = {
    { "/app/orchestration/editor-save", test_editor_save },
    { "/app/orchestration/page-links", test_page_links },
    { "/app/orchestration/host", test_host },
  };
  const char *skip;

  chk_test_app_init (&argc, &argv);
  skip = chk_test_app_open_display ();

  chk_test_fixture_add_cases (tests, G_N_ELEMENTS (tests), skip);
  if (skip == NULL)
    g_test_add_func ("/app/orchestration/row-waiting", test_row_waiting);
  else
    g_test_add_data_func ("/app/orchestration/row-waiting", skip, chk_test_skip_cb);

  return g_test_run ();
}
