/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"


#include <adwaita.h>
#include <glib/gi18n.h>

#include "chk-log-view-private.h"

/* The buffer changed above text that was searched: search it all again,
 * without moving to a match. */
/* No matches, and nothing searched yet */
static void
clear_matches (ChkLogView *self)
{
  GtkTextIter start, end;

  g_clear_handle_id (&self->search_source, g_source_remove);
  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  gtk_text_buffer_remove_tag (self->buffer, self->match_tag, &start, &end);
  gtk_text_buffer_remove_tag (self->buffer, self->current_tag, &start, &end);
  g_array_set_size (self->matches, 0);
  self->current_match = NO_MATCH;
  self->scanned_offset = 0;
}

void
_chk_log_view_search_restart (ChkLogView *self)
{
  clear_matches (self);
  self->jump_pending = FALSE;
  _chk_log_view_search_schedule (self);
  _chk_log_view_update_match_label (self);
}

/* Find */

void
_chk_log_view_update_match_label (ChkLogView *self)
{
  const char *needle = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  guint n = self->matches->len;
  g_autofree char *text = NULL;

  if (needle[0] == '\0')
    text = g_strdup ("");
  else if (n == 0 && self->search_source != 0)
    text = g_strdup ("…");
  else if (n == 0)
    text = g_strdup (_("No results"));
  else if (self->current_match != NO_MATCH)
    /* Translators: the match shown and the number of matches, e.g. "3 of 12" */
    text = g_strdup_printf (_("%u of %u%s"), self->current_match + 1, n,
                            n >= SEARCH_MAX_MATCHES ? "+" : "");
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u match", "%u matches", n), n);

  gtk_label_set_text (self->match_label, text);
}

static void
clear_current_match (ChkLogView *self)
{
  ChkLogMatch *match;
  GtkTextIter start, end;

  if (self->current_match == NO_MATCH || self->current_match >= self->matches->len)
    return;

  match = &g_array_index (self->matches, ChkLogMatch, self->current_match);
  gtk_text_buffer_get_iter_at_offset (self->buffer, &start, match->start);
  gtk_text_buffer_get_iter_at_offset (self->buffer, &end, match->end);
  gtk_text_buffer_remove_tag (self->buffer, self->current_tag, &start, &end);
}

static void
select_match (ChkLogView *self,
              guint       index)
{
  ChkLogMatch *match = &g_array_index (self->matches, ChkLogMatch, index);
  GtkTextIter start, end;

  clear_current_match (self);
  self->follow = FALSE;
  self->current_match = index;
  self->jump_pending = FALSE;
  gtk_text_buffer_get_iter_at_offset (self->buffer, &start, match->start);
  gtk_text_buffer_get_iter_at_offset (self->buffer, &end, match->end);
  /* Selected, so that Ctrl+C copies it and the keyboard goes on from it;
   * marked, since an unfocused selection hardly shows. */
  gtk_text_buffer_apply_tag (self->buffer, self->current_tag, &start, &end);
  gtk_text_buffer_select_range (self->buffer, &start, &end);
  gtk_text_view_scroll_to_mark (self->text_view, gtk_text_buffer_get_insert (self->buffer),
                                0.25, FALSE, 0.0, 0.0);
  _chk_log_view_update_match_label (self);
}

/* Where the search may look: all the text, but for the last line while
 * more output may still extend it. */
static void
get_search_end (ChkLogView  *self,
                GtkTextIter *end)
{
  gtk_text_buffer_get_end_iter (self->buffer, end);
  if (!self->finished)
    gtk_text_iter_set_line_offset (end, 0);
}

static gboolean
search_step_cb (gpointer user_data)
{
  ChkLogView *self = user_data;
  const char *needle = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  gint64 deadline = g_get_monotonic_time () + SEARCH_STEP_USEC;
  GtkTextIter iter, stop;

  gtk_text_buffer_get_iter_at_offset (self->buffer, &iter, self->scanned_offset);
  get_search_end (self, &stop);

  while (gtk_text_iter_compare (&iter, &stop) < 0 && self->matches->len < SEARCH_MAX_MATCHES)
    {
      GtkTextIter limit = iter, match_start, match_end;

      /* Whole lines at a time: a match never spans two. */
      gtk_text_iter_forward_lines (&limit, SEARCH_LINES_PER_SLICE);
      if (gtk_text_iter_compare (&limit, &stop) > 0)
        limit = stop;

      while (self->matches->len < SEARCH_MAX_MATCHES &&
             gtk_text_iter_forward_search (&iter, needle,
                                           GTK_TEXT_SEARCH_CASE_INSENSITIVE | GTK_TEXT_SEARCH_TEXT_ONLY,
                                           &match_start, &match_end, &limit))
        {
          ChkLogMatch match = { gtk_text_iter_get_offset (&match_start),
                                gtk_text_iter_get_offset (&match_end) };

          gtk_text_buffer_apply_tag (self->buffer, self->match_tag, &match_start, &match_end);
          g_array_append_val (self->matches, match);
          if (self->jump_pending && match.start >= self->jump_from)
            select_match (self, self->matches->len - 1);
          iter = match_end;
        }

      iter = limit;
      if (g_get_monotonic_time () > deadline)
        break;
    }

  if (self->matches->len >= SEARCH_MAX_MATCHES)
    iter = stop;
  self->scanned_offset = gtk_text_iter_get_offset (&iter);

  if (gtk_text_iter_compare (&iter, &stop) < 0)
    {
      _chk_log_view_update_match_label (self);
      return G_SOURCE_CONTINUE;
    }

  self->search_source = 0;
  /* Nothing after the cursor: start from the top */
  if (self->jump_pending && self->matches->len > 0)
    select_match (self, 0);
  _chk_log_view_update_match_label (self);
  return G_SOURCE_REMOVE;
}

void
_chk_log_view_search_schedule (ChkLogView *self)
{
  const char *needle = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  GtkTextIter stop;

  if (needle[0] == '\0' || self->search_source != 0)
    return;

  get_search_end (self, &stop);
  if (self->scanned_offset >= gtk_text_iter_get_offset (&stop))
    return;

  /* A timeout rather than an idle: the text view lays out a large output
   * in idle time for seconds, and drawing must go on between the steps. */
  self->search_source = g_timeout_add (SEARCH_INTERVAL_MS, search_step_cb, self);
  _chk_log_view_update_match_label (self);
}

void
_chk_log_view_search_reset (ChkLogView *self)
{
  GtkTextIter insert, bound;

  clear_matches (self);
  gtk_text_buffer_get_iter_at_mark (self->buffer, &bound, gtk_text_buffer_get_selection_bound (self->buffer));
  gtk_text_buffer_get_iter_at_mark (self->buffer, &insert, gtk_text_buffer_get_insert (self->buffer));
  self->jump_from = MIN (gtk_text_iter_get_offset (&bound), gtk_text_iter_get_offset (&insert));
  self->jump_pending = TRUE;
}

static void
search_changed_cb (GtkSearchEntry *entry,
                   ChkLogView     *self)
{
  _chk_log_view_search_reset (self);
  _chk_log_view_search_schedule (self);
  _chk_log_view_update_match_label (self);
}

static void
find_step (ChkLogView *self,
           gboolean    forward)
{
  guint n = self->matches->len;
  GtkTextIter cursor;
  int offset;

  if (n == 0)
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      return;
    }

  if (self->current_match != NO_MATCH)
    {
      select_match (self, forward ? (self->current_match + 1) % n
                                  : (self->current_match + n - 1) % n);
      return;
    }

  /* The first match after the cursor, or the last one before it */
  gtk_text_buffer_get_iter_at_mark (self->buffer, &cursor, gtk_text_buffer_get_insert (self->buffer));
  offset = gtk_text_iter_get_offset (&cursor);
  for (guint i = 0; i < n; i++)
    {
      guint index = forward ? i : n - 1 - i;
      ChkLogMatch *match = &g_array_index (self->matches, ChkLogMatch, index);

      if (forward ? match->start >= offset : match->start < offset)
        {
          select_match (self, index);
          return;
        }
    }
  select_match (self, forward ? 0 : n - 1);
}

static void
search_activate_cb (GtkSearchEntry *entry,
                    ChkLogView     *self)
{
  find_step (self, TRUE);
}

static void
search_next_match_cb (GtkSearchEntry *entry,
                      ChkLogView     *self)
{
  find_step (self, TRUE);
}

static void
search_previous_match_cb (GtkSearchEntry *entry,
                          ChkLogView     *self)
{
  find_step (self, FALSE);
}

static void
search_stop_cb (GtkSearchEntry *entry,
                ChkLogView     *self)
{
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

static void
search_mode_changed_cb (GtkSearchBar *bar,
                        GParamSpec   *pspec,
                        ChkLogView   *self)
{
  if (gtk_search_bar_get_search_mode (bar))
    return;

  /* Closed: no highlights left behind */
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  _chk_log_view_search_reset (self);
  _chk_log_view_update_match_label (self);
}

static void
find_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ChkLogView *self = CHK_LOG_VIEW (widget);

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
find_next_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  find_step (CHK_LOG_VIEW (widget), TRUE);
}

static void
find_previous_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  find_step (CHK_LOG_VIEW (widget), FALSE);
}

void
_chk_log_view_class_init_search (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_next_match_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_previous_match_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_stop_cb);

  gtk_widget_class_install_action (widget_class, "log.find", NULL, find_action);
  gtk_widget_class_install_action (widget_class, "log.find-next", NULL, find_next_action);
  gtk_widget_class_install_action (widget_class, "log.find-previous", NULL, find_previous_action);
}

void
_chk_log_view_init_search (ChkLogView *self)
{
  GtkEventController *shortcuts;

  /* Shift+Enter goes back, as Enter goes on */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Return, GDK_SHIFT_MASK),
                                                          gtk_named_action_new ("log.find-previous")));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_KP_Enter, GDK_SHIFT_MASK),
                                                          gtk_named_action_new ("log.find-previous")));
  gtk_widget_add_controller (GTK_WIDGET (self->search_entry), shortcuts);

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  g_signal_connect (self->search_bar, "notify::search-mode-enabled",
                    G_CALLBACK (search_mode_changed_cb), self);
}
