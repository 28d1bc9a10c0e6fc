/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include "chk-item-signals.h"

/**
 * ChkItemSignals:
 *
 * Connects a callback to some signals of every item of a #GListModel, and
 * follows the model's #GListModel::items-changed: only the items that
 * came are connected, and only those that went are disconnected. Following
 * every job of the model by connecting them all again at each change
 * cost a pass over every job per change: while 10,000 jobs came in 40
 * pages, hundreds of thousands of connections.
 */
struct _ChkItemSignals
{
  GListModel    *model;
  gulong         items_changed_id;
  char         **signals;
  guint          n_signals;
  GCallback      callback;
  gpointer       user_data;
  GConnectFlags  flags;
  GArray        *items;     /* GObject *, the model's items in its order, a reference each */
  GArray        *handlers;  /* gulong, n_signals per item, in the same order */
};

static void
disconnect_items (ChkItemSignals *self,
                  guint           position,
                  guint           n_items)
{
  for (guint i = position; i < position + n_items; i++)
    {
      GObject *item = g_array_index (self->items, GObject *, i);

      for (guint s = 0; s < self->n_signals; s++)
        g_signal_handler_disconnect (item, g_array_index (self->handlers, gulong,
                                                          i * self->n_signals + s));
      g_object_unref (item);
    }
  g_array_remove_range (self->items, position, n_items);
  g_array_remove_range (self->handlers, position * self->n_signals, n_items * self->n_signals);
}

static void
connect_items (ChkItemSignals *self,
               guint           position,
               guint           n_items)
{
  g_autofree GObject **items = g_new (GObject *, n_items);
  g_autofree gulong *handlers = g_new (gulong, (gsize) n_items * self->n_signals);

  for (guint i = 0; i < n_items; i++)
    {
      items[i] = g_list_model_get_item (self->model, position + i);
      for (guint s = 0; s < self->n_signals; s++)
        handlers[i * self->n_signals + s] = g_signal_connect_data (items[i], self->signals[s],
                                                                   self->callback,
                                                                   self->user_data, NULL,
                                                                   self->flags);
    }
  g_array_insert_vals (self->items, position, items, n_items);
  g_array_insert_vals (self->handlers, position * self->n_signals, handlers,
                       n_items * self->n_signals);
}

static void
items_changed_cb (GListModel     *model,
                  guint           position,
                  guint           removed,
                  guint           added,
                  ChkItemSignals *self)
{
  if (removed > 0)
    disconnect_items (self, position, removed);
  if (added > 0)
    connect_items (self, position, added);
}

/**
 * chk_item_signals_new:
 * @signals: (array zero-terminated=1): the detailed signals to connect
 *   each item's to, such as "notify::name"
 * @callback: the handler of each of them
 * @user_data: the handler's data
 * @flags: as for g_signal_connect_data()
 *
 * Returns: (transfer full): a follower without a model yet
 */
ChkItemSignals *
chk_item_signals_new (const char * const *signals,
                      GCallback           callback,
                      gpointer            user_data,
                      GConnectFlags       flags)
{
  ChkItemSignals *self = g_new0 (ChkItemSignals, 1);

  g_return_val_if_fail (signals != NULL && signals[0] != NULL, NULL);
  g_return_val_if_fail (callback != NULL, NULL);

  self->signals = g_strdupv ((char **) signals);
  self->n_signals = g_strv_length (self->signals);
  self->callback = callback;
  self->user_data = user_data;
  self->flags = flags;
  self->items = g_array_new (FALSE, FALSE, sizeof (GObject *));
  self->handlers = g_array_new (FALSE, FALSE, sizeof (gulong));
  return self;
}

/**
 * chk_item_signals_set_model:
 * @self: a #ChkItemSignals
 * @model: (nullable): the items to follow, or %NULL for none
 *
 * Connects the items of @model, after disconnecting those of the model
 * before.
 */
void
chk_item_signals_set_model (ChkItemSignals *self,
                            GListModel     *model)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (model == NULL || G_IS_LIST_MODEL (model));

  if (model == self->model)
    return;

  if (self->model != NULL)
    {
      g_clear_signal_handler (&self->items_changed_id, self->model);
      disconnect_items (self, 0, self->items->len);
      g_clear_object (&self->model);
    }
  if (model == NULL)
    return;

  self->model = g_object_ref (model);
  self->items_changed_id = g_signal_connect (model, "items-changed",
                                             G_CALLBACK (items_changed_cb), self);
  connect_items (self, 0, g_list_model_get_n_items (model));
}

/**
 * chk_item_signals_free:
 * @self: (nullable): a #ChkItemSignals
 *
 * Disconnects every item and lets go of the model.
 */
void
chk_item_signals_free (ChkItemSignals *self)
{
  if (self == NULL)
    return;

  chk_item_signals_set_model (self, NULL);
  g_array_unref (self->items);
  g_array_unref (self->handlers);
  g_strfreev (self->signals);
  g_free (self);
}
