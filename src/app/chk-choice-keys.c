/* SPDX-License-Identifier: GPL-3.0-or-later */

/* A row of buttons that choose one value of a stateful action (the
 * window's filters) is one stop for Tab, the button in use; the arrow
 * keys, Home and End move among them and choose, as in a group of radio
 * buttons. */

#include "chk-choice-keys.h"

typedef struct
{
  /* Unowned: the box owns the controller that owns this, and the group
   * (the window) owns the box. */
  GtkWidget    *box;
  GActionGroup *group;
  char         *action_name;
} ChoiceKeys;

static void
choice_keys_free (gpointer data)
{
  ChoiceKeys *keys = data;

  g_free (keys->action_name);
  g_free (keys);
}

static void
update_focusable (ChoiceKeys *keys)
{
  g_autoptr(GVariant) state = g_action_group_get_action_state (keys->group, keys->action_name);

  for (GtkWidget *button = gtk_widget_get_first_child (keys->box);
       button != NULL;
       button = gtk_widget_get_next_sibling (button))
    {
      GVariant *target = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (button));

      gtk_widget_set_focusable (button, state != NULL && target != NULL && g_variant_equal (state, target));
    }
}

static void
state_changed_cb (GActionGroup       *group,
                  const char         *action_name,
                  GVariant           *state,
                  GtkEventController *controller)
{
  update_focusable (g_object_get_data (G_OBJECT (controller), "chk-choice-keys"));
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                ChoiceKeys            *keys)
{
  GtkWidget *focus = gtk_root_get_focus (gtk_widget_get_root (keys->box));
  gboolean rtl = gtk_widget_get_direction (keys->box) == GTK_TEXT_DIR_RTL;
  GtkWidget *next;

  if (focus == NULL || gtk_widget_get_parent (focus) != keys->box ||
      (state & gtk_accelerator_get_default_mod_mask ()) != 0)
    return FALSE;

  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      /* The way the arrow points, also right to left */
      next = rtl ? gtk_widget_get_next_sibling (focus) : gtk_widget_get_prev_sibling (focus);
      break;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      next = rtl ? gtk_widget_get_prev_sibling (focus) : gtk_widget_get_next_sibling (focus);
      break;
    case GDK_KEY_Home:
    case GDK_KEY_KP_Home:
      next = gtk_widget_get_first_child (keys->box);
      break;
    case GDK_KEY_End:
    case GDK_KEY_KP_End:
      next = gtk_widget_get_last_child (keys->box);
      break;
    default:
      return FALSE;
    }

  if (next != NULL && next != focus)
    {
      /* Chosen at once (a button's activation waits for its animation),
       * so that the button is focusable by the time it takes the focus. */
      g_action_group_activate_action (keys->group, keys->action_name,
                                      gtk_actionable_get_action_target_value (GTK_ACTIONABLE (next)));
      gtk_widget_grab_focus (next);
    }
  return TRUE;
}

/**
 * chk_choice_keys_attach:
 * @box: a box of #GtkActionable buttons, each targeting one value of
 *   @action_name
 * @group: where @action_name is, a stateful action; it outlives @box
 *   (a window with @box inside)
 * @action_name: the action, without its group's prefix
 *
 * Makes the buttons of @box one stop for Tab, the one of the action's
 * state, with the arrow keys (and Home, End) choosing among them.
 */
void
chk_choice_keys_attach (GtkWidget    *box,
                        GActionGroup *group,
                        const char   *action_name)
{
  GtkEventController *controller = gtk_event_controller_key_new ();
  g_autofree char *detailed = g_strconcat ("action-state-changed::", action_name, NULL);
  ChoiceKeys *keys = g_new0 (ChoiceKeys, 1);

  keys->box = box;
  keys->group = group;
  keys->action_name = g_strdup (action_name);
  g_object_set_data_full (G_OBJECT (controller), "chk-choice-keys", keys, choice_keys_free);
  g_signal_connect (controller, "key-pressed", G_CALLBACK (key_pressed_cb), keys);
  g_signal_connect_object (group, detailed, G_CALLBACK (state_changed_cb), controller, 0);
  gtk_widget_add_controller (box, controller);
  update_focusable (keys);
}
