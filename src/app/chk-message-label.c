/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include "chk-message-label.h"

/* Longer runs of text in messages (URLs, paths) may break where Pango
 * allows; shorter ones ("Europe/Berlin", "day-of-month") never do. */
#define MAX_UNBROKEN_BYTES 40

/**
 * chk_message_label_set_text:
 * @label: a wrapping label
 * @text: a message, such as the daemon's refusal of a field
 *
 * Shows @text in @label without breaking a word, or a name such as
 * "Europe/Berlin" (which Pango would break after the "/").
 */
void
chk_message_label_set_text (GtkLabel   *label,
                            const char *text)
{
  PangoAttrList *attributes;
  const char *p = text;

  g_return_if_fail (GTK_IS_LABEL (label));
  g_return_if_fail (text != NULL);

  attributes = pango_attr_list_new ();

  while (*p != '\0')
    {
      const char *end = p;

      while (*end != '\0' && !g_ascii_isspace (*end))
        end++;
      if (end > p && end - p <= MAX_UNBROKEN_BYTES)
        {
          PangoAttribute *attribute = pango_attr_allow_breaks_new (FALSE);

          attribute->start_index = p - text;
          attribute->end_index = end - text;
          pango_attr_list_insert (attributes, attribute);
        }
      p = end;
      while (g_ascii_isspace (*p))
        p++;
    }

  gtk_label_set_text (label, text);
  gtk_label_set_attributes (label, attributes);
  pango_attr_list_unref (attributes);
}
