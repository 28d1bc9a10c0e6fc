/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-app"

#include "config.h"

#include <adwaita.h>

#include "chk-error.h"
#include "chk-job-editor.h"
#include "chk-job-model.h"
#include "chk-job-row.h"
#include "chk-log-view.h"
#include "chk-resources.h"
#include "chk-test-session.h"
#include "chk-window.h"

/*
 * The app's real widgets, in this process, against the real chronikerd on a
 * private bus per test (see chk-test-session.c). Changes "from outside" go
 * through the test's own D-Bus connection; the window is looked at the way
 * a person would: which rows are on screen, what their labels say, which
 * page a stack shows.
 */

/* How long the app has to follow a change: far more than it should need. */
#define SECONDS 20

typedef struct
{
  ChkTestSession *session;
  ChkJobModel    *model;
  ChkWindow      *window;   /* weak: GTK owns toplevels */
  ChkJobEditor   *editor;   /* weak */
} Fixture;

/* ---------------------------------------------------------------------------
 * Waiting */

/* Evaluates @expr until it is true, running the main loop meanwhile. */
#define assert_eventually(expr, seconds) \
  G_STMT_START { \
    gint64 deadline_ = g_get_monotonic_time () + (gint64) ((seconds) * G_USEC_PER_SEC); \
    while (!(expr) && g_get_monotonic_time () < deadline_) \
      chk_test_iterate (0.02); \
    if (!(expr)) \
      g_assertion_message_expr (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, \
                                "eventually " #expr); \
  } G_STMT_END

/* Evaluates @expr (a new string) until it equals @expected. */
#define assert_eventually_cmpstr(expr, expected, seconds) \
  G_STMT_START { \
    gint64 deadline_ = g_get_monotonic_time () + (gint64) ((seconds) * G_USEC_PER_SEC); \
    char *actual_ = NULL; \
    for (;;) \
      { \
        g_free (actual_); \
        actual_ = (expr); \
        if (g_strcmp0 (actual_, (expected)) == 0 || g_get_monotonic_time () >= deadline_) \
          break; \
        chk_test_iterate (0.02); \
      } \
    if (g_strcmp0 (actual_, (expected)) != 0) \
      g_assertion_message_cmpstr (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, \
                                  "eventually " #expr, actual_, "==", (expected)); \
    g_free (actual_); \
  } G_STMT_END

/* ---------------------------------------------------------------------------
 * Looking at widgets */

static void
collect_widgets (GtkWidget *widget,
                 GType      type,
                 GPtrArray *found)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (found, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_widgets (child, type, found);
}

/* Every widget of @type under @root (and @root), in tree order; none under NULL. */
static GPtrArray *
find_widgets (gpointer root,
              GType    type)
{
  GPtrArray *found = g_ptr_array_new ();

  if (root != NULL)
    collect_widgets (GTK_WIDGET (root), type, found);
  return found;
}

static gpointer
find_widget (gpointer root,
             GType    type)
{
  g_autoptr(GPtrArray) found = find_widgets (root, type);

  return found->len > 0 ? found->pdata[0] : NULL;
}

static gpointer
find_mapped_widget (gpointer root,
                    GType    type)
{
  g_autoptr(GPtrArray) found = find_widgets (root, type);

  for (guint i = 0; i < found->len; i++)
    if (gtk_widget_get_mapped (found->pdata[i]))
      return found->pdata[i];
  return NULL;
}

/* A label as people read it: without the mnemonic's underscore. */
static char *
plain_label (const char *label)
{
  g_autoptr(GString) plain = g_string_new (NULL);

  for (const char *p = label; p != NULL && *p != '\0'; p++)
    if (*p != '_')
      g_string_append_c (plain, *p);
  return g_string_free (g_steal_pointer (&plain), FALSE);
}

static GtkStack *
find_stack_with_page (gpointer    root,
                      const char *page)
{
  g_autoptr(GPtrArray) stacks = find_widgets (root, GTK_TYPE_STACK);

  for (guint i = 0; i < stacks->len; i++)
    if (gtk_stack_get_child_by_name (stacks->pdata[i], page) != NULL)
      return stacks->pdata[i];
  return NULL;
}

/* The page the window shows: "connecting", "failed" or "main". */
static char *
main_page (Fixture *fixture)
{
  GtkStack *stack = find_stack_with_page (fixture->window, "failed");

  g_assert_nonnull (stack);
  return g_strdup (gtk_stack_get_visible_child_name (stack));
}

/* The page of the job list: "list", "empty" or "no-results". */
static char *
list_page (Fixture *fixture)
{
  GtkStack *stack = find_stack_with_page (fixture->window, "no-results");

  g_assert_nonnull (stack);
  return g_strdup (gtk_stack_get_visible_child_name (stack));
}

static const char *
row_name (ChkJobRow *row)
{
  g_autoptr(GPtrArray) labels = find_widgets (row, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    if (gtk_widget_has_css_class (labels->pdata[i], "heading"))
      return gtk_label_get_text (labels->pdata[i]);
  return NULL;
}

/* The rows on screen, in their order. */
static GPtrArray *
shown_rows (Fixture *fixture)
{
  g_autoptr(GPtrArray) rows = find_widgets (fixture->window, CHK_TYPE_JOB_ROW);
  GPtrArray *shown = g_ptr_array_new ();

  for (guint i = 0; i < rows->len; i++)
    if (gtk_widget_get_mapped (rows->pdata[i]) && chk_job_row_get_job (rows->pdata[i]) != NULL)
      g_ptr_array_add (shown, rows->pdata[i]);
  return shown;
}

/* The names of the rows on screen, "a,b,c". */
static char *
shown_jobs (Fixture *fixture)
{
  g_autoptr(GPtrArray) rows = shown_rows (fixture);
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    g_string_append_printf (names, "%s%s", i > 0 ? "," : "", row_name (rows->pdata[i]));
  return g_string_free (g_steal_pointer (&names), FALSE);
}

static ChkJobRow *
find_row (Fixture    *fixture,
          const char *name)
{
  g_autoptr(GPtrArray) rows = shown_rows (fixture);

  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (row_name (rows->pdata[i]), name) == 0)
      return rows->pdata[i];
  return NULL;
}

/* The switch of the row of @name: 1 on, 0 off, -1 when no row shows @name. */
static int
row_switch (Fixture    *fixture,
            const char *name)
{
  GtkSwitch *toggle = find_widget (find_row (fixture, name), GTK_TYPE_SWITCH);

  return toggle != NULL ? gtk_switch_get_active (toggle) : -1;
}

/* What the status icon of the row of @name says, for people and screen readers. */
static char *
row_status (Fixture    *fixture,
            const char *name)
{
  GtkWidget *icon = find_widget (find_row (fixture, name), GTK_TYPE_IMAGE);

  return icon != NULL ? g_strdup (gtk_widget_get_tooltip_text (icon)) : NULL;
}

static gboolean
has_label (gpointer    root,
           const char *text)
{
  g_autoptr(GPtrArray) labels = find_widgets (root, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    if (gtk_widget_get_mapped (labels->pdata[i]) &&
        g_strcmp0 (gtk_label_get_text (labels->pdata[i]), text) == 0)
      return TRUE;
  return FALSE;
}

/* A mapped label under @root whose text contains @text. */
static gboolean
has_label_containing (gpointer    root,
                      const char *text)
{
  g_autoptr(GPtrArray) labels = find_widgets (root, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    if (gtk_widget_get_mapped (labels->pdata[i]) &&
        strstr (gtk_label_get_text (labels->pdata[i]), text) != NULL)
      return TRUE;
  return FALSE;
}

static GtkWidget *
find_button (gpointer    root,
             GType       type,
             const char *label)
{
  g_autoptr(GPtrArray) buttons = find_widgets (root, type);

  for (guint i = 0; i < buttons->len; i++)
    {
      g_autofree char *plain = plain_label (gtk_button_get_label (buttons->pdata[i]));

      if (g_str_equal (plain, label))
        return buttons->pdata[i];
    }
  return NULL;
}

static GtkWidget *
find_button_with_action (gpointer    root,
                         const char *action)
{
  g_autoptr(GPtrArray) buttons = find_widgets (root, GTK_TYPE_BUTTON);

  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_actionable_get_action_name (buttons->pdata[i]), action) == 0)
      return buttons->pdata[i];
  return NULL;
}

/* What a click ends with; like a click, refused when insensitive. */
static void
click (GtkWidget *button)
{
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

/* ---------------------------------------------------------------------------
 * The job editor, found the way a person finds its fields: by their titles */

static char *
entry_row_titles (gpointer root)
{
  g_autoptr(GPtrArray) rows = find_widgets (root, ADW_TYPE_ENTRY_ROW);
  g_autoptr(GString) titles = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    g_string_append_printf (titles, "%s“%s”", i > 0 ? ", " : "",
                            adw_preferences_row_get_title (rows->pdata[i]));
  return g_string_free (g_steal_pointer (&titles), FALSE);
}

/* The entry row whose title is @title, or else contains it (any case). */
static GtkEditable *
find_entry_row (gpointer    root,
                const char *title)
{
  g_autoptr(GPtrArray) rows = find_widgets (root, ADW_TYPE_ENTRY_ROW);
  g_autofree char *needle = g_utf8_casefold (title, -1);
  GtkEditable *contains = NULL;

  for (guint i = 0; i < rows->len; i++)
    {
      g_autofree char *plain = plain_label (adw_preferences_row_get_title (rows->pdata[i]));
      g_autofree char *folded = g_utf8_casefold (plain, -1);

      if (g_str_equal (folded, needle))
        return rows->pdata[i];
      if (contains == NULL && strstr (folded, needle) != NULL)
        contains = rows->pdata[i];
    }

  if (contains == NULL)
    {
      g_autofree char *titles = entry_row_titles (root);

      g_test_message ("No entry row titled “%s” in the job editor; it has: %s", title,
                      titles[0] != '\0' ? titles : "none");
    }
  return contains;
}

/* The Save (or Create) button in the editor's header bar. */
static GtkWidget *
find_save_button (gpointer editor)
{
  g_autoptr(GPtrArray) bars = find_widgets (editor, ADW_TYPE_HEADER_BAR);

  for (guint i = 0; i < bars->len; i++)
    {
      GtkWidget *button = find_button (bars->pdata[i], GTK_TYPE_BUTTON, "Save");

      if (button == NULL)
        button = find_button (bars->pdata[i], GTK_TYPE_BUTTON, "Create");
      if (button != NULL)
        return button;
    }
  g_test_message ("No Save or Create button in a header bar of the job editor");
  return NULL;
}

/* A new job's editor, as New Job opens it. */
static ChkJobEditor *
open_editor (Fixture *fixture)
{
  fixture->editor = chk_job_editor_new (GTK_WINDOW (fixture->window), fixture->model, NULL, FALSE);
  g_object_add_weak_pointer (G_OBJECT (fixture->editor), (gpointer *) &fixture->editor);
  gtk_window_present (GTK_WINDOW (fixture->editor));
  assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (fixture->editor)), SECONDS);
  return fixture->editor;
}

/* Picks the item called @item of the combo row titled @title. */
static void
select_combo_item (gpointer    root,
                   const char *title,
                   const char *item)
{
  g_autoptr(GPtrArray) rows = find_widgets (root, ADW_TYPE_COMBO_ROW);

  for (guint i = 0; i < rows->len; i++)
    {
      g_autofree char *plain = plain_label (adw_preferences_row_get_title (rows->pdata[i]));
      GListModel *model = adw_combo_row_get_model (rows->pdata[i]);

      if (!g_str_equal (plain, title) || model == NULL)
        continue;

      for (guint j = 0; j < g_list_model_get_n_items (model); j++)
        {
          g_autoptr(GObject) object = g_list_model_get_item (model, j);

          if (GTK_IS_STRING_OBJECT (object) &&
              g_str_equal (gtk_string_object_get_string (GTK_STRING_OBJECT (object)), item))
            {
              adw_combo_row_set_selected (rows->pdata[i], j);
              return;
            }
        }
      g_error ("The combo row “%s” has no item “%s”", title, item);
    }
  g_error ("No combo row titled “%s”", title);
}

/* Name, Program and a schedule typed as text (a Custom repeat). */
static void
fill_editor (ChkJobEditor *editor,
             const char   *name,
             const char   *program,
             const char   *schedule)
{
  GtkEditable *name_row = find_entry_row (editor, "Name");
  GtkEditable *program_row = find_entry_row (editor, "Program");
  GtkEditable *schedule_row = find_entry_row (editor, "Schedule");

  g_assert_nonnull (name_row);
  g_assert_nonnull (program_row);
  g_assert_nonnull (schedule_row);

  gtk_editable_set_text (name_row, name);
  gtk_editable_set_text (program_row, program);
  select_combo_item (editor, "Repeat", "Custom");
  assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (schedule_row)), SECONDS);
  g_assert_true (gtk_editable_get_editable (schedule_row));
  gtk_editable_set_text (schedule_row, schedule);
}

/* ---------------------------------------------------------------------------
 * The daemon, from outside */

/* A job running /bin/true, with the keys of @extra (a{sv} as GVariant text) too. */
static char *
create_job (Fixture    *fixture,
            const char *name,
            const char *extra)
{
  g_autoptr(GVariant) extra_spec = g_variant_ref_sink (g_variant_new_parsed (extra ? extra
                                                                                  : "@a{sv} {}"));
  g_auto(GVariantDict) spec = G_VARIANT_DICT_INIT (extra_spec);

  g_variant_dict_insert (&spec, "name", "s", name);
  if (!g_variant_dict_contains (&spec, "command"))
    g_variant_dict_insert_value (&spec, "command", g_variant_new_parsed ("['/bin/true']"));
  return chk_test_session_create_job (fixture->session, g_variant_dict_end (&spec));
}

static void
update_job (Fixture    *fixture,
            const char *path,
            const char *changes)
{
  GVariant *arguments = g_variant_new_parsed (changes);

  chk_test_session_job_call (fixture->session, path, "Update", g_variant_new_tuple (&arguments, 1));
}

static char *
job_string (Fixture    *fixture,
            const char *path,
            const char *property)
{
  g_autoptr(GVariant) value = chk_test_session_job_property (fixture->session, path, property);

  return g_variant_dup_string (value, NULL);
}

static gboolean
job_bool (Fixture    *fixture,
          const char *path,
          const char *property)
{
  g_autoptr(GVariant) value = chk_test_session_job_property (fixture->session, path, property);

  return g_variant_get_boolean (value);
}

/* The object path of the job called @name, or NULL. */
static char *
lookup_job (Fixture    *fixture,
            const char *name)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  char *path = NULL;

  reply = chk_test_session_call (fixture->session, CHK_TEST_MANAGER_PATH, CHK_TEST_SCHEDULER1,
                                 "GetJobByName", g_variant_new ("(s)", name), "(o)", &error);
  if (reply == NULL)
    {
      g_assert_error (error, CHK_ERROR, CHK_ERROR_NOT_FOUND);
      return NULL;
    }
  g_variant_get (reply, "(o)", &path);
  return path;
}

static guint
count_jobs (Fixture *fixture)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) objects = NULL;
  g_autoptr(GError) error = NULL;

  reply = chk_test_session_call (fixture->session, CHK_TEST_MANAGER_PATH,
                                 "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL,
                                 "(a{oa{sa{sv}}})", &error);
  g_assert_no_error (error);
  objects = g_variant_get_child_value (reply, 0);
  return g_variant_n_children (objects);
}

static guint64
run_job (Fixture    *fixture,
         const char *path)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint64 run_id = 0;

  reply = chk_test_session_call (fixture->session, path, CHK_TEST_JOB1, "Run", NULL, "(t)", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(t)", &run_id);
  return run_id;
}

static char *
last_outcome (Fixture    *fixture,
              const char *path)
{
  if (job_bool (fixture, path, "Running"))
    return g_strdup ("");
  return job_string (fixture, path, "LastOutcome");
}

/* Waits until the job's run has ended; returns how. */
static char *
wait_for_outcome (Fixture    *fixture,
                  const char *path)
{
  gint64 deadline = g_get_monotonic_time () + SECONDS * G_USEC_PER_SEC;
  char *outcome;

  while ((outcome = last_outcome (fixture, path))[0] == '\0' && g_get_monotonic_time () < deadline)
    {
      g_free (outcome);
      chk_test_iterate (0.05);
    }
  if (outcome[0] == '\0')
    g_error ("%s did not finish a run within %d s", path, SECONDS);
  return outcome;
}

/* ---------------------------------------------------------------------------
 * Fixture */

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->session = chk_test_session_new (TRUE);
  chk_test_session_start_daemon (fixture->session);
}

/* The window as the app makes it, over the jobs the daemon has now. */
static void
open_window (Fixture *fixture)
{
  fixture->model = chk_job_model_new ();
  fixture->window = chk_window_new (NULL, fixture->model);
  g_object_add_weak_pointer (G_OBJECT (fixture->window), (gpointer *) &fixture->window);
  gtk_window_present (GTK_WINDOW (fixture->window));
  chk_job_model_connect (fixture->model);

  assert_eventually (chk_job_model_get_state (fixture->model) != CHK_JOB_MODEL_CONNECTING, SECONDS);
  g_assert_cmpint (chk_job_model_get_state (fixture->model), ==, CHK_JOB_MODEL_READY);
  assert_eventually_cmpstr (main_page (fixture), "main", SECONDS);
  assert_eventually (gtk_widget_get_mapped (GTK_WIDGET (fixture->window)), SECONDS);
}

static gboolean
pointer_cleared_cb (gpointer user_data)
{
  return *(gpointer *) user_data == NULL;
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  /* As people close them: the newest (a dialog) first, the main window last,
   * each one gone before the next (calls under way hold a window for a
   * moment; a leak holds it forever). */
  while (g_list_model_get_n_items (toplevels) > 0)
    {
      guint last = g_list_model_get_n_items (toplevels) - 1;
      GtkWindow *window = g_list_model_get_item (toplevels, last);
      g_autofree char *name = g_strdup (G_OBJECT_TYPE_NAME (window));

      g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
      gtk_window_destroy (window);
      g_object_unref (window);
      if (!chk_test_wait_until (pointer_cleared_cb, &window, SECONDS))
        g_error ("A %s is still alive %d s after it was destroyed: a reference leaked",
                 name, SECONDS);
    }
  g_assert_null (fixture->window);
  /* An editor that closed itself may still be going */
  if (!chk_test_wait_until (pointer_cleared_cb, &fixture->editor, SECONDS))
    g_error ("The closed ChkJobEditor is still alive after %d s: a reference leaked", SECONDS);

  if (fixture->model != NULL)
    {
      g_object_add_weak_pointer (G_OBJECT (fixture->model), (gpointer *) &fixture->model);
      g_object_unref (fixture->model);
      if (!chk_test_wait_until (pointer_cleared_cb, &fixture->model, SECONDS))
        g_error ("The ChkJobModel is still alive %d s after its window: a reference leaked",
                 SECONDS);
    }

  chk_test_session_free (fixture->session);
}

/* ---------------------------------------------------------------------------
 * Tests */

/* Jobs made, changed and deleted by someone else show at once. */
static void
test_list_live_updates (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *alpha = create_job (fixture, "alpha", NULL);
  g_autofree char *beta = NULL;
  g_autofree char *description = NULL;

  open_window (fixture);
  assert_eventually_cmpstr (shown_jobs (fixture), "alpha", SECONDS);
  assert_eventually_cmpstr (list_page (fixture), "list", SECONDS);

  /* Created while the window is open */
  beta = create_job (fixture, "beta", "{'schedule': <'@daily'>}");
  assert_eventually_cmpstr (shown_jobs (fixture), "alpha,beta", SECONDS);
  description = job_string (fixture, beta, "ScheduleDescription");
  g_assert_cmpstr (description, !=, "");
  assert_eventually (has_label (find_row (fixture, "beta"), description), SECONDS);

  /* Renamed: the row follows, and the list stays in order */
  update_job (fixture, alpha, "{'name': <'gamma'>}");
  assert_eventually_cmpstr (shown_jobs (fixture), "beta,gamma", SECONDS);

  /* Disabled */
  g_assert_cmpint (row_switch (fixture, "beta"), ==, TRUE);
  assert_eventually_cmpstr (row_status (fixture, "beta"), "Never run", SECONDS);
  update_job (fixture, beta, "{'enabled': <false>}");
  assert_eventually (row_switch (fixture, "beta") == FALSE, SECONDS);
  assert_eventually_cmpstr (row_status (fixture, "beta"), "Disabled", SECONDS);

  /* Deleted */
  chk_test_session_job_call (fixture->session, alpha, "Delete", NULL);
  assert_eventually_cmpstr (shown_jobs (fixture), "beta", SECONDS);
}

/* The switch of a row enables and disables the job in the daemon. */
static void
test_list_enable_switch (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *path = create_job (fixture, "switched", NULL);

  open_window (fixture);
  assert_eventually (row_switch (fixture, "switched") == TRUE, SECONDS);

  gtk_switch_set_active (find_widget (find_row (fixture, "switched"), GTK_TYPE_SWITCH), FALSE);
  assert_eventually (!job_bool (fixture, path, "Enabled"), SECONDS);
  assert_eventually (row_switch (fixture, "switched") == FALSE, SECONDS);
  assert_eventually_cmpstr (row_status (fixture, "switched"), "Disabled", SECONDS);

  gtk_switch_set_active (find_widget (find_row (fixture, "switched"), GTK_TYPE_SWITCH), TRUE);
  assert_eventually (job_bool (fixture, path, "Enabled"), SECONDS);
  assert_eventually (row_switch (fixture, "switched") == TRUE, SECONDS);
}

/* Delete in the window hides the job at once and deletes it when the
 * toast goes without Undo. */
static void
test_list_delete (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *doomed = create_job (fixture, "doomed", NULL);
  g_autofree char *kept = create_job (fixture, "kept", NULL);
  g_autofree char *after = NULL;

  open_window (fixture);
  assert_eventually_cmpstr (shown_jobs (fixture), "doomed,kept", SECONDS);

  chk_window_select_job (fixture->window, chk_job_model_lookup (fixture->model, doomed));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.delete-job", NULL));
  assert_eventually_cmpstr (shown_jobs (fixture), "kept", SECONDS);
  g_assert_cmpuint (count_jobs (fixture), ==, 2);

  /* The toast lasts 5 s */
  assert_eventually (count_jobs (fixture) == 1, 15);
  after = lookup_job (fixture, "doomed");
  g_assert_null (after);
  assert_eventually_cmpstr (shown_jobs (fixture), "kept", SECONDS);
}

/* A job made in the editor reaches the daemon and the list. */
static void
test_editor_create (Fixture       *fixture,
                    gconstpointer  data)
{
  ChkJobEditor *editor;
  GtkWidget *save;
  g_autofree char *path = NULL;
  g_autofree char *schedule = NULL;
  g_autoptr(GVariant) command = NULL;

  open_window (fixture);
  editor = open_editor (fixture);
  fill_editor (editor, "nightly-report", "/bin/echo", "30 4 * * *");

  save = find_save_button (editor);
  g_assert_nonnull (save);
  assert_eventually (gtk_widget_is_sensitive (save), SECONDS);
  click (save);

  assert_eventually ((path = lookup_job (fixture, "nightly-report")) != NULL, SECONDS);
  schedule = job_string (fixture, path, "Schedule");
  g_assert_cmpstr (schedule, ==, "30 4 * * *");
  command = chk_test_session_job_property (fixture->session, path, "Command");
  g_assert_cmpuint (g_variant_n_children (command), >=, 1);
  {
    g_autoptr(GVariant) program = g_variant_get_child_value (command, 0);

    g_assert_cmpstr (g_variant_get_string (program, NULL), ==, "/bin/echo");
  }

  /* Saved: the editor goes, the job is in the list */
  assert_eventually (fixture->editor == NULL ||
                     !gtk_widget_get_visible (GTK_WIDGET (fixture->editor)), SECONDS);
  /* and is gone for good, not kept alive by something under way */
  assert_eventually (fixture->editor == NULL, SECONDS);
  assert_eventually_cmpstr (shown_jobs (fixture), "nightly-report", SECONDS);
  g_assert_cmpuint (count_jobs (fixture), ==, 1);
}

/* A schedule the daemon refuses shows its error, and creates nothing. */
static void
test_editor_invalid_schedule (Fixture       *fixture,
                              gconstpointer  data)
{
  const char *invalid = "61 * * * *";
  g_autoptr(GVariant) preview = NULL;
  g_autoptr(GError) error = NULL;
  ChkJobEditor *editor;
  GtkWidget *save;

  /* What the daemon says of it */
  preview = chk_test_session_call (fixture->session, CHK_TEST_MANAGER_PATH, CHK_TEST_SCHEDULER1,
                                   "PreviewSchedule",
                                   g_variant_new ("(ssxu)", invalid, "", (gint64) 0, 1),
                                   "(sax)", &error);
  g_assert_null (preview);
  g_assert_error (error, CHK_ERROR, CHK_ERROR_INVALID_SCHEDULE);
  g_test_message ("chronikerd: %s", error->message);

  open_window (fixture);
  editor = open_editor (fixture);
  fill_editor (editor, "broken", "/bin/echo", invalid);

  /* Shown: the daemon's words, as the user types */
  assert_eventually (has_label_containing (editor, error->message), SECONDS);

  save = find_save_button (editor);
  g_assert_nonnull (save);
  if (gtk_widget_is_sensitive (save))
    click (save);
  chk_test_iterate (1.0);

  g_assert_cmpuint (count_jobs (fixture), ==, 0);
  g_assert_nonnull (fixture->editor);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (editor)));
  g_assert_true (has_label_containing (editor, error->message));
  assert_eventually_cmpstr (list_page (fixture), "empty", SECONDS);
}

/* The main window goes while the editor is open (the app quits, the session
 * ends): the editor goes with it, and nothing uses either afterwards. */
static void
test_quit_editor_open (Fixture       *fixture,
                       gconstpointer  data)
{
  open_window (fixture);
  open_editor (fixture);

  gtk_window_destroy (GTK_WINDOW (fixture->window));
  assert_eventually (fixture->editor == NULL && fixture->window == NULL, SECONDS);
  /* Whatever the editor had under way ends without it */
  chk_test_iterate (1.0);
}

static char *
log_text (Fixture *fixture)
{
  ChkLogView *log_view = find_mapped_widget (fixture->window, CHK_TYPE_LOG_VIEW);
  GtkTextView *text_view;
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  if (log_view == NULL)
    return g_strdup ("(no ChkLogView on screen)");
  text_view = find_widget (log_view, GTK_TYPE_TEXT_VIEW);
  if (text_view == NULL)
    return g_strdup ("(no GtkTextView in the ChkLogView)");
  buffer = gtk_text_view_get_buffer (text_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static char *
log_has_output (Fixture *fixture)
{
  g_autofree char *text = log_text (fixture);

  if (strstr (text, "hello from chroniker") != NULL && strstr (text, "and from stderr") != NULL)
    return g_strdup ("both lines");
  return g_steal_pointer (&text);
}

/* Run Now starts a run, and its output shows in the job's log view. */
static void
test_run_output (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *path = create_job (fixture, "greeter",
                                      "{'command': <['/bin/sh', '-c', 'echo hello from chroniker; "
                                      "echo and from stderr >&2']>}");
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) runs = NULL;
  g_autoptr(GVariant) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *outcome = NULL;
  ChkLogView *log_view;
  guint64 run_id = 0;
  const char *trigger = NULL;

  open_window (fixture);
  assert_eventually (find_row (fixture, "greeter") != NULL, SECONDS);

  chk_window_select_job (fixture->window, chk_job_model_lookup (fixture->model, path));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.run-job", NULL));

  /* The daemon ran it, by hand */
  outcome = wait_for_outcome (fixture, path);
  g_assert_cmpstr (outcome, ==, "success");
  reply = chk_test_session_call (fixture->session, path, CHK_TEST_JOB1, "ListRuns",
                                 g_variant_new ("(uu)", 0, 0), "(aa{sv})", &error);
  g_assert_no_error (error);
  runs = g_variant_get_child_value (reply, 0);
  g_assert_cmpuint (g_variant_n_children (runs), ==, 1);
  run = g_variant_get_child_value (runs, 0);
  g_assert_true (g_variant_lookup (run, "id", "t", &run_id));
  g_assert_true (g_variant_lookup (run, "trigger", "&s", &trigger));
  g_assert_cmpstr (trigger, ==, "manual");

  /* The window shows that run's output */
  assert_eventually_cmpstr (log_has_output (fixture), "both lines", SECONDS);
  log_view = find_mapped_widget (fixture->window, CHK_TYPE_LOG_VIEW);
  g_assert_cmpuint (chk_log_view_get_run (log_view), ==, run_id);
}

static void
wait_failed_page (Fixture *fixture)
{
  GtkWidget *retry;

  assert_eventually_cmpstr (main_page (fixture), "failed", SECONDS);
  g_assert_cmpint (chk_job_model_get_state (fixture->model), ==, CHK_JOB_MODEL_FAILED);
  retry = find_button_with_action (fixture->window, "win.retry");
  g_assert_nonnull (retry);
  assert_eventually (gtk_widget_get_mapped (retry), SECONDS);
  g_assert_true (gtk_widget_is_sensitive (retry));
  g_assert_null (find_mapped_widget (fixture->window, CHK_TYPE_JOB_ROW));
}

/* The daemon crashes: the window says so; it comes back: the jobs too. */
static void
test_daemon_restart (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *path = create_job (fixture, "survivor", NULL);

  open_window (fixture);
  assert_eventually_cmpstr (shown_jobs (fixture), "survivor", SECONDS);

  chk_test_session_kill_daemon (fixture->session);
  wait_failed_page (fixture);

  chk_test_session_start_daemon (fixture->session);
  assert_eventually_cmpstr (main_page (fixture), "main", SECONDS);
  assert_eventually_cmpstr (shown_jobs (fixture), "survivor", SECONDS);

  /* Live again, not a snapshot */
  update_job (fixture, path, "{'name': <'phoenix'>}");
  assert_eventually_cmpstr (shown_jobs (fixture), "phoenix", SECONDS);
}

/* Retry starts the daemon again (D-Bus activation) and shows the jobs. */
static void
test_daemon_retry (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = create_job (fixture, "survivor", NULL);
  g_autofree char *again = NULL;

  open_window (fixture);
  assert_eventually_cmpstr (shown_jobs (fixture), "survivor", SECONDS);

  chk_test_session_kill_daemon (fixture->session);
  wait_failed_page (fixture);
  /* Nothing starts it behind the user's back */
  chk_test_iterate (0.5);
  g_assert_false (chk_test_session_daemon_is_up (fixture->session));
  g_assert_cmpstr (main_page (fixture), ==, "failed");

  click (find_button_with_action (fixture->window, "win.retry"));
  assert_eventually_cmpstr (main_page (fixture), "main", SECONDS);
  g_assert_true (chk_test_session_daemon_is_up (fixture->session));
  assert_eventually_cmpstr (shown_jobs (fixture), "survivor", SECONDS);

  again = lookup_job (fixture, "survivor");
  g_assert_cmpstr (again, ==, path);
}

static GtkEditable *
open_search (Fixture *fixture)
{
  GtkWidget *entry;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.search", NULL));
  /* The list's own, beside it: the job page has search entries too */
  entry = find_widget (gtk_widget_get_parent (GTK_WIDGET (find_stack_with_page (fixture->window,
                                                                                  "no-results"))),
                       GTK_TYPE_SEARCH_ENTRY);
  g_assert_nonnull (entry);
  assert_eventually (gtk_widget_get_mapped (entry), SECONDS);
  return GTK_EDITABLE (entry);
}

/* Four jobs, one of them failing and one disabled. */
static void
make_filter_jobs (Fixture *fixture)
{
  g_autofree char *home = create_job (fixture, "backup-home", NULL);
  g_autofree char *photos = create_job (fixture, "backup-photos", "{'enabled': <false>}");
  g_autofree char *report = create_job (fixture, "report",
                                        "{'description': <'Mails the BACKUP log'>}");
  g_autofree char *cleanup = create_job (fixture, "cleanup", "{'command': <['/bin/false']>}");
  g_autofree char *outcome = NULL;

  run_job (fixture, cleanup);
  outcome = wait_for_outcome (fixture, cleanup);
  g_assert_cmpstr (outcome, ==, "failure");
}

/* The search matches names and descriptions, in any case. */
static void
test_list_search (Fixture       *fixture,
                  gconstpointer  data)
{
  GtkEditable *search;

  make_filter_jobs (fixture);
  open_window (fixture);
  assert_eventually_cmpstr (shown_jobs (fixture), "backup-home,backup-photos,cleanup,report",
                            SECONDS);

  search = open_search (fixture);
  gtk_editable_set_text (search, "backup");
  assert_eventually_cmpstr (shown_jobs (fixture), "backup-home,backup-photos,report", SECONDS);

  gtk_editable_set_text (search, "PHOTOS");
  assert_eventually_cmpstr (shown_jobs (fixture), "backup-photos", SECONDS);

  gtk_editable_set_text (search, "no such job");
  assert_eventually_cmpstr (list_page (fixture), "no-results", SECONDS);
  g_assert_cmpstr (shown_jobs (fixture), ==, "");

  gtk_editable_set_text (search, "");
  assert_eventually_cmpstr (list_page (fixture), "list", SECONDS);
  assert_eventually_cmpstr (shown_jobs (fixture), "backup-home,backup-photos,cleanup,report",
                            SECONDS);

  /* A job made while searching shows only when it matches */
  gtk_editable_set_text (search, "backup");
  assert_eventually_cmpstr (shown_jobs (fixture), "backup-home,backup-photos,report", SECONDS);
  g_free (create_job (fixture, "backup-music", NULL));
  g_free (create_job (fixture, "unrelated", NULL));
  assert_eventually_cmpstr (shown_jobs (fixture), "backup-home,backup-music,backup-photos,report",
                            SECONDS);
}

static void
click_filter (Fixture    *fixture,
              const char *label)
{
  GtkWidget *button = find_button (fixture->window, GTK_TYPE_TOGGLE_BUTTON, label);

  g_assert_nonnull (button);
  click (button);
  assert_eventually (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button)), SECONDS);
}

/* The status filters, and a running job coming and going under one. */
static void
test_list_filters (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *sleeper = NULL;

  make_filter_jobs (fixture);
  sleeper = create_job (fixture, "sleeper", "{'command': <['/bin/sleep', '60']>}");
  open_window (fixture);
  assert_eventually_cmpstr (shown_jobs (fixture),
                            "backup-home,backup-photos,cleanup,report,sleeper", SECONDS);

  click_filter (fixture, "Failing");
  assert_eventually_cmpstr (shown_jobs (fixture), "cleanup", SECONDS);

  click_filter (fixture, "Disabled");
  assert_eventually_cmpstr (shown_jobs (fixture), "backup-photos", SECONDS);

  click_filter (fixture, "Running");
  assert_eventually_cmpstr (list_page (fixture), "no-results", SECONDS);
  run_job (fixture, sleeper);
  assert_eventually_cmpstr (shown_jobs (fixture), "sleeper", SECONDS);
  assert_eventually_cmpstr (list_page (fixture), "list", SECONDS);
  chk_test_session_job_call (fixture->session, sleeper, "Stop", NULL);
  assert_eventually_cmpstr (list_page (fixture), "no-results", SECONDS);

  click_filter (fixture, "All");
  assert_eventually_cmpstr (shown_jobs (fixture),
                            "backup-home,backup-photos,cleanup,report,sleeper", SECONDS);
}

/* No jobs: the empty state, with its button; and back when there are. */
static void
test_list_empty (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *path = NULL;
  GtkWidget *create;

  open_window (fixture);
  assert_eventually_cmpstr (list_page (fixture), "empty", SECONDS);
  assert_eventually (has_label (fixture->window, "No Jobs"), SECONDS);
  create = find_button (fixture->window, GTK_TYPE_BUTTON, "Create Job");
  g_assert_nonnull (create);
  g_assert_true (gtk_widget_get_mapped (create));
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (create)), ==, "win.new-job");
  g_assert_null (find_mapped_widget (fixture->window, CHK_TYPE_JOB_ROW));

  path = create_job (fixture, "first", NULL);
  assert_eventually_cmpstr (list_page (fixture), "list", SECONDS);
  assert_eventually_cmpstr (shown_jobs (fixture), "first", SECONDS);

  chk_test_session_job_call (fixture->session, path, "Delete", NULL);
  assert_eventually_cmpstr (list_page (fixture), "empty", SECONDS);
  g_assert_false (has_label (fixture->window, "No Results"));
}

static void
skip_no_display (gconstpointer data)
{
  g_test_skip ("No display (run under xvfb-run, as build-aux/test does)");
}

int
main (int   argc,
      char *argv[])
{
  const struct {
    const char *path;
    void (*func) (Fixture *, gconstpointer);
  } tests[] = {
    { "/app/list/live-updates", test_list_live_updates },
    { "/app/list/enable-switch", test_list_enable_switch },
    { "/app/list/delete", test_list_delete },
    { "/app/list/search", test_list_search },
    { "/app/list/filters", test_list_filters },
    { "/app/list/empty", test_list_empty },
    { "/app/editor/create", test_editor_create },
    { "/app/editor/invalid-schedule", test_editor_invalid_schedule },
    { "/app/run/output", test_run_output },
    { "/app/daemon/restart", test_daemon_restart },
    { "/app/daemon/retry", test_daemon_retry },
    /* Last (its own suite): GTK 4.8 crashes when a destroyed editor outlives its parent */
    { "/app/quit/editor-open", test_quit_editor_open },
  };
  gboolean have_display;

  /* Before any thread: nothing of the developer's desktop is read or written. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("ADW_DISABLE_PORTAL", "1", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);

  g_test_init (&argc, &argv, NULL);
  /* Registers the D-Bus errors, so that the daemon's come back as CHK_ERROR */
  (void) chk_error_quark ();

  have_display = gtk_init_check ();
  if (!have_display && (g_getenv ("DISPLAY") != NULL || g_getenv ("WAYLAND_DISPLAY") != NULL))
    g_error ("Cannot open the display");
  if (have_display)
    {
      adw_init ();
      chk_app_register_resource ();
    }

  for (guint i = 0; i < G_N_ELEMENTS (tests); i++)
    {
      if (have_display)
        g_test_add (tests[i].path, Fixture, NULL, fixture_setup, tests[i].func, fixture_teardown);
      else
        g_test_add_data_func (tests[i].path, NULL, skip_no_display);
    }

  return g_test_run ();
}
