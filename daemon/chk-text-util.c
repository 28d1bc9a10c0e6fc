/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-text-util"

#include "config.h"

#include "chk-text-util.h"

/**
 * chk_text_tail:
 * @bytes: (nullable): output of a run, any bytes
 * @max_bytes: how much of its end to keep at most
 * @out_cut: (out) (optional): set to whether the start of @bytes was left out
 *
 * The end of a run's output, for reports: its last @max_bytes, starting at a
 * character rather than inside one, as valid UTF-8 (NULs and bad sequences
 * become U+FFFD).
 *
 * Returns: (transfer full): the text, "" for no output
 */
char *
chk_text_tail (GBytes   *bytes,
               gsize     max_bytes,
               gboolean *out_cut)
{
  const char *data;
  gsize size = 0;
  gboolean cut = FALSE;

  /* An empty GBytes may have no data pointer at all. */
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      if (out_cut != NULL)
        *out_cut = FALSE;
      return g_strdup ("");
    }

  data = g_bytes_get_data (bytes, &size);
  if (size > max_bytes)
    {
      data += size - max_bytes;
      size = max_bytes;
      while (size > 0 && ((guchar) *data & 0xc0) == 0x80)
        {
          data++;
          size--;
        }
      cut = TRUE;
    }

  if (out_cut != NULL)
    *out_cut = cut;
  return g_utf8_make_valid (data, size);
}

/**
 * chk_text_format_limit:
 * @bytes: a size limit, such as memory-max
 *
 * A limit as people write them: "64 MiB" or "2 GiB" when it is whole MiB
 * or GiB, the exact number of bytes otherwise.
 *
 * Returns: (transfer full): the text
 */
char *
chk_text_format_limit (guint64 bytes)
{
  const guint64 mib = 1024 * 1024;

  if (bytes % (1024 * mib) == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " GiB", bytes / (1024 * mib));
  if (bytes % mib == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " MiB", bytes / mib);
  return g_strdup_printf ("%" G_GUINT64_FORMAT " bytes", bytes);
}

/**
 * chk_text_flatten:
 * @text: text from outside, such as a job's name or a server's reason phrase
 * @length: the length of @text in bytes, or -1 when it ends with a NUL
 * @breaks: the characters to turn into spaces, such as "\r\n"
 *
 * @text as valid UTF-8 (bad sequences become U+FFFD) with each of @breaks
 * turned into a space, to stand on one line of a header, title or message.
 *
 * Returns: (transfer full): the text
 */
char *
chk_text_flatten (const char *text,
                  gssize      length,
                  const char *breaks)
{
  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (breaks != NULL, NULL);

  return g_strdelimit (g_utf8_make_valid (text, length), breaks, ' ');
}
