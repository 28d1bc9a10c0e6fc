/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chronikerctl"

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chk-cli-format.h"
#include "chk-duration.h"
#include "chk-outcome.h"

#define COLOR_RESET "\033[0m"

struct _ChkTable
{
  guint      n_columns;
  GPtrArray *rows;    /* GStrv */
  GPtrArray *colors;  /* per row: n_columns colours, each %NULL for none */
};

/**
 * chk_format_use_color:
 * @fd: a file descriptor
 *
 * Returns: whether to colour what goes to @fd: only a terminal, and only
 *   without NO_COLOR (https://no-color.org)
 */
gboolean
chk_format_use_color (int fd)
{
  const char *no_color = g_getenv ("NO_COLOR");

  if (no_color != NULL && no_color[0] != '\0')
    return FALSE;
  return isatty (fd) && g_strcmp0 (g_getenv ("TERM"), "dumb") != 0;
}

const char *
chk_format_color_for (const char *outcome)
{
  ChkOutcome value = chk_outcome_from_string (outcome);

  /* Red for every failure, as the app and the alerts count them */
  if (chk_outcome_is_failure (value) && value != CHK_OUTCOME_UNKNOWN)
    return "\033[1;31m";
  switch (value)
    {
    case CHK_OUTCOME_SUCCESS:
      return "\033[32m";
    case CHK_OUTCOME_STOPPED:
      return "\033[33m";
    case CHK_OUTCOME_RUNNING:
      return "\033[1;34m";
    case CHK_OUTCOME_SKIPPED:
      return "\033[2m";
    case CHK_OUTCOME_NONE:
    case CHK_OUTCOME_UNKNOWN:
    default:
      return NULL;
    }
}

/**
 * chk_format_local_time:
 * @when: a time, µs since the epoch
 *
 * Returns: (transfer full): e.g. "2026-11-23 09:00:00 +01:00" in the local zone, or "-"
 */
char *
chk_format_local_time (gint64 when)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (when == 0)
    return g_strdup ("-");

  utc = g_date_time_new_from_unix_utc (when / G_USEC_PER_SEC);
  if (utc == NULL)
    return g_strdup ("?");
  local = g_date_time_to_local (utc);
  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S %:z");
}

/**
 * chk_format_iso_utc:
 * @when: a time, µs since the epoch, not 0
 *
 * Returns: (transfer full): ISO 8601 in UTC, e.g. "2026-11-23T08:00:00.000000Z"
 */
char *
chk_format_iso_utc (gint64 when)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (when / G_USEC_PER_SEC);
  g_autofree char *seconds = NULL;

  if (utc == NULL)
    return g_strdup ("");
  seconds = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S");
  return g_strdup_printf ("%s.%06" G_GINT64_FORMAT "Z", seconds, ((when % G_USEC_PER_SEC) + G_USEC_PER_SEC) % G_USEC_PER_SEC);
}

/**
 * chk_format_outcome:
 * @outcome: an outcome, or "" for none
 * @exit_code: the exit code that goes with it
 *
 * Returns: (transfer full): e.g. "success", "failure (exit 3)", "never run"
 */
char *
chk_format_outcome (const char *outcome,
                    gint        exit_code)
{
  if (outcome == NULL || outcome[0] == '\0')
    return g_strdup (_("never run"));
  if (chk_outcome_from_string (outcome) == CHK_OUTCOME_FAILURE && exit_code > 0)
    return g_strdup_printf (_("failure (exit %d)"), exit_code);
  return g_strdup (outcome);
}

/**
 * chk_format_trigger:
 * @trigger: what started a run, such as "retry"
 * @attempt: which attempt the run is, 1-based; 0 when the daemon does not say
 *
 * Returns: (transfer full): @trigger, with the attempt of a retry: "retry (2)"
 */
char *
chk_format_trigger (const char *trigger,
                    guint32     attempt)
{
  if (attempt > 1)
    /* Translators: what started a run, and which attempt it is: "retry (2)" */
    return g_strdup_printf (_("%s (%u)"), trigger, attempt);
  return g_strdup (trigger);
}

/**
 * chk_format_quoted_argv:
 * @argv: a command's words
 *
 * Returns: (transfer full): the words quoted for a POSIX shell, joined by spaces
 */
char *
chk_format_quoted_argv (const char * const *argv)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; argv != NULL && argv[i] != NULL; i++)
    {
      const char *word = argv[i];
      gboolean plain = word[0] != '\0';

      for (const char *p = word; *p != '\0' && plain; p++)
        plain = g_ascii_isalnum (*p) || strchr ("-_./=:,+@%", *p) != NULL;

      if (i > 0)
        g_string_append_c (out, ' ');
      if (plain)
        {
          g_string_append (out, word);
        }
      else
        {
          g_autofree char *quoted = g_shell_quote (word);

          g_string_append (out, quoted);
        }
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The explicit embeddings, overrides and isolates: they reorder what follows on the line. */
static gboolean
is_bidi_control (gunichar c)
{
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

/**
 * chk_format_escape:
 * @text: (nullable): text from a job, a run or the daemon
 *
 * Makes @text safe to print on a terminal. Control characters (C0 with ESC,
 * DEL, and C1, which in UTF-8 take two bytes), the bidirectional controls and
 * bytes that are not UTF-8 become escapes such as "\n", "\x1b", "\u009b" or
 * "\xff": a job's description cannot move the cursor, set the window title,
 * write the clipboard (OSC 52) or add a line that looks like another field.
 * Everything else, backslashes included, is kept as it is.
 *
 * Returns: (transfer full): the text to print
 */
char *
chk_format_escape (const char *text)
{
  g_autoptr(GString) out = NULL;
  const char *p, *end;

  if (text == NULL)
    return g_strdup ("");

  end = text + strlen (text);
  out = g_string_sized_new (end - text);
  for (p = text; p < end; )
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_printf (out, "\\x%02x", (guchar) *p);
          p++;
          continue;
        }

      if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\r')
        g_string_append (out, "\\r");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else if ((c >= 0x80 && c <= 0x9f) || is_bidi_control (c))
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
      p = g_utf8_next_char (p);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * chk_format_cpu_time:
 * @usec: CPU time in µs
 *
 * Returns: (transfer full): e.g. "1.02 s", or "3 min 20 s" from a minute on
 */
char *
chk_format_cpu_time (guint64 usec)
{
  if (usec < 60 * G_USEC_PER_SEC)
    /* Translators: seconds of CPU time, such as "1.02 s" */
    return g_strdup_printf (_("%.2f s"), (double) usec / G_USEC_PER_SEC);
  return chk_duration_format (usec / G_USEC_PER_SEC);
}

ChkTable *
chk_table_new (guint n_columns,
               ...)
{
  ChkTable *table = g_new0 (ChkTable, 1);
  char **header = g_new0 (char *, n_columns + 1);
  va_list args;

  table->n_columns = n_columns;
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  /* Not g_strfreev(): a row's colours may have gaps, and it stops at the first */
  table->colors = g_ptr_array_new ();

  va_start (args, n_columns);
  for (guint i = 0; i < n_columns; i++)
    header[i] = g_strdup (va_arg (args, const char *));
  va_end (args);

  g_ptr_array_add (table->rows, header);
  g_ptr_array_add (table->colors, g_new0 (char *, n_columns + 1));
  return table;
}

/* Adds a row of n_columns strings; they are copied, escaped for the terminal. */
void
chk_table_add_row (ChkTable *table,
                   ...)
{
  char **row = g_new0 (char *, table->n_columns + 1);
  va_list args;

  va_start (args, table);
  for (guint i = 0; i < table->n_columns; i++)
    {
      const char *cell = va_arg (args, const char *);

      row[i] = chk_format_escape (cell);
    }
  va_end (args);

  g_ptr_array_add (table->rows, row);
  g_ptr_array_add (table->colors, g_new0 (char *, table->n_columns + 1));
}

/* Colours a cell of the last row added. */
void
chk_table_set_color (ChkTable   *table,
                     guint       column,
                     const char *color)
{
  char **colors = g_ptr_array_index (table->colors, table->colors->len - 1);

  g_return_if_fail (column < table->n_columns);
  g_free (colors[column]);
  colors[column] = g_strdup (color);
}

static gsize
display_width (const char *text)
{
  return g_utf8_validate (text, -1, NULL) ? (gsize) g_utf8_strlen (text, -1) : strlen (text);
}

/**
 * chk_format_padded:
 * @text: a label
 * @width: the columns it takes at least
 *
 * Returns: (transfer full): @text followed by spaces up to @width
 *   characters: printf's "%-20s" counts bytes, which puts labels with
 *   umlauts out of line
 */
char *
chk_format_padded (const char *text,
                   gsize       width)
{
  GString *padded = g_string_new (text);

  for (gsize shown = display_width (text); shown < width; shown++)
    g_string_append_c (padded, ' ');
  return g_string_free (padded, FALSE);
}

void
chk_table_print (ChkTable *table,
                 gboolean  color)
{
  g_autofree gsize *widths = g_new0 (gsize, table->n_columns);

  for (guint r = 0; r < table->rows->len; r++)
    {
      char **row = g_ptr_array_index (table->rows, r);

      for (guint c = 0; c < table->n_columns; c++)
        widths[c] = MAX (widths[c], display_width (row[c]));
    }

  for (guint r = 0; r < table->rows->len; r++)
    {
      char **row = g_ptr_array_index (table->rows, r);
      char **colors = g_ptr_array_index (table->colors, r);
      g_autoptr(GString) line = g_string_new (NULL);

      for (guint c = 0; c < table->n_columns; c++)
        {
          gboolean last = c + 1 == table->n_columns;
          const char *cell_color = color ? (r == 0 ? "\033[1m" : colors[c]) : NULL;

          if (cell_color != NULL)
            g_string_append (line, cell_color);
          g_string_append (line, row[c]);
          if (cell_color != NULL)
            g_string_append (line, COLOR_RESET);
          if (!last)
            {
              for (gsize pad = display_width (row[c]); pad < widths[c] + 2; pad++)
                g_string_append_c (line, ' ');
            }
        }

      /* Trailing blanks of an empty last column */
      while (line->len > 0 && line->str[line->len - 1] == ' ')
        g_string_truncate (line, line->len - 1);
      g_print ("%s\n", line->str);
    }
}

void
chk_table_free (ChkTable *table)
{
  if (table == NULL)
    return;
  g_ptr_array_unref (table->rows);
  for (guint r = 0; r < table->colors->len; r++)
    {
      char **colors = g_ptr_array_index (table->colors, r);

      for (guint c = 0; c < table->n_columns; c++)
        g_free (colors[c]);
      g_free (colors);
    }
  g_ptr_array_unref (table->colors);
  g_free (table);
}
