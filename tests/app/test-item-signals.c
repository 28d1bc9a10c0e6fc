/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <gio/gio.h>

#include "chk-item-signals.h"

/*
 * ChkItemSignals: each item of the model connected once, whatever the
 * model's changes; the items that left, and all of them once it is set to
 * another model or freed, not at all.
 */

static void
enabled_cb (GSimpleAction *action,
            GParamSpec    *pspec,
            GHashTable    *heard)
{
  const char *name = g_action_get_name (G_ACTION (action));

  g_hash_table_insert (heard, (gpointer) name,
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (heard, name)) + 1));
}

static GSimpleAction *
action_new (const char *name)
{
  return g_simple_action_new (name, NULL);
}

/* Toggles each action of @names and returns how many times each was heard,
 * as "a=1 b=0 …" */
static char *
toggle (GHashTable         *heard,
        GSimpleAction     **actions,
        const char * const *names)
{
  GString *text = g_string_new (NULL);

  g_hash_table_remove_all (heard);
  for (guint i = 0; actions[i] != NULL; i++)
    {
      gboolean enabled = g_action_get_enabled (G_ACTION (actions[i]));

      g_simple_action_set_enabled (actions[i], !enabled);
    }
  for (guint i = 0; names[i] != NULL; i++)
    g_string_append_printf (text, "%s%s=%u", i > 0 ? " " : "", names[i],
                            GPOINTER_TO_UINT (g_hash_table_lookup (heard, names[i])));
  return g_string_free (text, FALSE);
}

static void
test_follows_changes (void)
{
  const char * const names[] = { "a", "b", "c", "d", "e", NULL };
  g_autoptr(GHashTable) heard = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GListStore) store = g_list_store_new (G_TYPE_SIMPLE_ACTION);
  g_autoptr(GListStore) other = g_list_store_new (G_TYPE_SIMPLE_ACTION);
  GSimpleAction *actions[G_N_ELEMENTS (names)] = { NULL };
  g_autoptr(ChkItemSignals) follow = NULL;
  char *result;

  for (guint i = 0; names[i] != NULL; i++)
    actions[i] = action_new (names[i]);

  g_list_store_append (store, actions[0]);
  g_list_store_append (store, actions[1]);
  g_list_store_append (store, actions[2]);

  follow = chk_item_signals_new ((const char *[]) { "notify::enabled", NULL },
                                 G_CALLBACK (enabled_cb), heard, 0);
  result = toggle (heard, actions, names);
  g_assert_cmpstr (result, ==, "a=0 b=0 c=0 d=0 e=0");
  g_free (result);

  chk_item_signals_set_model (follow, G_LIST_MODEL (store));
  result = toggle (heard, actions, names);
  g_assert_cmpstr (result, ==, "a=1 b=1 c=1 d=0 e=0");
  g_free (result);

  /* b leaves, d and e come in its place */
  g_list_store_splice (store, 1, 1, (gpointer *) &actions[3], 2);
  result = toggle (heard, actions, names);
  g_assert_cmpstr (result, ==, "a=1 b=0 c=1 d=1 e=1");
  g_free (result);

  /* a leaves and comes back at the end: once, not twice */
  g_list_store_remove (store, 0);
  g_list_store_append (store, actions[0]);
  result = toggle (heard, actions, names);
  g_assert_cmpstr (result, ==, "a=1 b=0 c=1 d=1 e=1");
  g_free (result);

  /* Every item replaced by itself in one change */
  {
    GSimpleAction *same[] = { actions[2], actions[3], actions[4], actions[0] };

    g_list_store_splice (store, 0, 4, (gpointer *) same, G_N_ELEMENTS (same));
  }
  result = toggle (heard, actions, names);
  g_assert_cmpstr (result, ==, "a=1 b=0 c=1 d=1 e=1");
  g_free (result);

  /* Another model: the first one's items are let go */
  g_list_store_append (other, actions[1]);
  chk_item_signals_set_model (follow, G_LIST_MODEL (other));
  result = toggle (heard, actions, names);
  g_assert_cmpstr (result, ==, "a=0 b=1 c=0 d=0 e=0");
  g_free (result);

  /* Changes of a model no longer followed change nothing */
  g_list_store_remove_all (store);
  g_list_store_append (store, actions[2]);
  result = toggle (heard, actions, names);
  g_assert_cmpstr (result, ==, "a=0 b=1 c=0 d=0 e=0");
  g_free (result);

  chk_item_signals_set_model (follow, NULL);
  result = toggle (heard, actions, names);
  g_assert_cmpstr (result, ==, "a=0 b=0 c=0 d=0 e=0");
  g_free (result);

  /* Freed while following: nothing is left connected */
  chk_item_signals_set_model (follow, G_LIST_MODEL (store));
  g_clear_pointer (&follow, chk_item_signals_free);
  result = toggle (heard, actions, names);
  g_assert_cmpstr (result, ==, "a=0 b=0 c=0 d=0 e=0");
  g_free (result);

  for (guint i = 0; names[i] != NULL; i++)
    g_object_unref (actions[i]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/app/item-signals/follows-changes", test_follows_changes);

  return g_test_run ();
}
