/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "chk-log-view-private.h"
#include "chk-toast.h"

/* Save to File: every page, as stored, straight to the file */

typedef struct
{
  ChkScheduler1     *scheduler;
  guint64            run_id;
  guint64            after_seq;
  GFileOutputStream *stream;
  GBytes            *page;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_clear_object (&data->scheduler);
  g_clear_object (&data->stream);
  g_clear_pointer (&data->page, g_bytes_unref);
  g_free (data);
}

static void save_read_page (GTask *task);

static void
save_closed_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_output_stream_close_finish (G_OUTPUT_STREAM (object), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
save_written_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SaveData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_clear_pointer (&data->page, g_bytes_unref);
  save_read_page (g_steal_pointer (&task));
}

static void
save_page_read_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SaveData *data = g_task_get_task_data (task);
  g_autoptr(GVariant) chunks = NULL;
  g_autoptr(GByteArray) page = NULL;
  GError *error = NULL;
  gboolean finished = FALSE;
  gsize n_chunks;

  if (!chk_scheduler1_call_read_run_output_finish (CHK_SCHEDULER1 (object), &chunks, &finished,
                                                   result, &error))
    {
      g_dbus_error_strip_remote_error (error);
      g_task_return_error (task, error);
      return;
    }

  n_chunks = g_variant_n_children (chunks);
  if (n_chunks == 0)
    {
      g_output_stream_close_async (G_OUTPUT_STREAM (data->stream), G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), save_closed_cb,
                                   g_steal_pointer (&task));
      return;
    }

  page = g_byte_array_new ();
  for (gsize i = 0; i < n_chunks; i++)
    {
      g_autoptr(GVariant) chunk = g_variant_get_child_value (chunks, i);
      g_autoptr(GVariant) bytes = NULL;
      const guint8 *bytes_data;
      gsize len = 0;
      guint64 seq = 0;

      g_variant_get (chunk, "(t&sx@ay)", &seq, NULL, NULL, &bytes);
      bytes_data = g_variant_get_fixed_array (bytes, &len, 1);
      g_byte_array_append (page, bytes_data, len);
      data->after_seq = MAX (data->after_seq, seq);
    }

  data->page = g_byte_array_free_to_bytes (g_steal_pointer (&page));
  g_output_stream_write_all_async (G_OUTPUT_STREAM (data->stream),
                                   g_bytes_get_data (data->page, NULL),
                                   g_bytes_get_size (data->page),
                                   G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                   save_written_cb, g_steal_pointer (&task));
}

static void
save_read_page (GTask *task)
{
  SaveData *data = g_task_get_task_data (task);

  chk_scheduler1_call_read_run_output (data->scheduler, data->run_id, data->after_seq,
                                       SAVE_PAGE_BYTES, g_task_get_cancellable (task),
                                       save_page_read_cb, task);
}

static void
save_replaced_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SaveData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->stream = g_file_replace_finish (G_FILE (object), result, &error);
  if (data->stream == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  save_read_page (g_steal_pointer (&task));
}

static void
save_output_async (ChkLogView          *self,
                   GFile               *file,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SaveData *data;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, save_output_async);

  data = g_new0 (SaveData, 1);
  data->scheduler = g_object_ref (self->scheduler);
  data->run_id = self->run_id;
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);

  g_file_replace_async (file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, G_PRIORITY_DEFAULT,
                        cancellable, save_replaced_cb, g_steal_pointer (&task));
}

static gboolean
save_output_finish (ChkLogView    *self,
                    GAsyncResult  *result,
                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == save_output_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
save_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  ChkLogView *self = CHK_LOG_VIEW (object);
  g_autoptr(GFile) file = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *title = NULL;

  self->saving = FALSE;
  if (!save_output_finish (self, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      title = g_strdup_printf (_("Could not save the output to “%s”: %s"), name, error->message);
    }
  else
    {
      title = g_strdup_printf (_("Output saved to “%s”"), name);
    }

  chk_widget_add_toast (GTK_WIDGET (self), title);
  _chk_log_view_update_state (self);
}

static void
save_response_cb (GtkNativeDialog *dialog,
                  int              response,
                  ChkLogView      *self)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  g_clear_object (&self->save_dialog);

  if (file == NULL || self->scheduler == NULL || self->run_id == 0)
    return;

  self->saving = TRUE;
  if (self->save_cancellable == NULL)
    self->save_cancellable = g_cancellable_new ();
  save_output_async (self, file, self->save_cancellable, save_done_cb, g_object_ref (file));
  _chk_log_view_update_state (self);
}

void
_chk_log_view_save_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  ChkLogView *self = CHK_LOG_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);

  if (self->run_id == 0 || self->saving || self->save_dialog != NULL)
    return;

  self->save_dialog = gtk_file_chooser_native_new (_("Save Output"),
                                                   GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                   GTK_FILE_CHOOSER_ACTION_SAVE,
                                                   _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->save_dialog), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->save_dialog), self->file_name);
  g_signal_connect (self->save_dialog, "response", G_CALLBACK (save_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->save_dialog));
}
