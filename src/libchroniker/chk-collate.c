/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-collate"

#include "config.h"

#include <string.h>

#include "chk-collate.h"

/* The run of ASCII digits at @p, and its value without leading zeros. */
static const char *
digits_end (const char  *p,
            const char **out_significant)
{
  while (*p == '0' && g_ascii_isdigit (p[1]))
    p++;
  *out_significant = p;
  while (g_ascii_isdigit (*p))
    p++;
  return p;
}

/* The text up to the next digit, case-folded. */
static char *
text_run (const char  *p,
          const char **out_end)
{
  const char *end = p;

  while (*end != '\0' && !g_ascii_isdigit (*end))
    end = g_utf8_next_char (end);
  *out_end = end;
  return g_utf8_casefold (p, end - p);
}

/**
 * chk_collate_natural:
 * @a: a UTF-8 name, such as a job's
 * @b: another
 *
 * Compares names as people sort them: numbers by value (`crontab-2`
 * before `crontab-10`), letters without regard to case and in the
 * locale's order. Names that differ only in case or in leading zeros
 * still get a fixed order, so that a sort is stable from run to run. Use
 * it for every list of jobs, in the app and on the command line alike.
 *
 * Returns: < 0, 0 or > 0 as @a sorts before, with or after @b
 */
int
chk_collate_natural (const char *a,
                     const char *b)
{
  const char *p = a;
  const char *q = b;
  int tie = 0;

  g_return_val_if_fail (a != NULL, 0);
  g_return_val_if_fail (b != NULL, 0);

  while (*p != '\0' && *q != '\0')
    {
      if (g_ascii_isdigit (*p) && g_ascii_isdigit (*q))
        {
          const char *p_value, *q_value;
          const char *p_end = digits_end (p, &p_value);
          const char *q_end = digits_end (q, &q_value);
          gsize p_len = p_end - p_value;
          gsize q_len = q_end - q_value;
          int cmp;

          if (p_len != q_len)
            return p_len < q_len ? -1 : 1;
          cmp = memcmp (p_value, q_value, p_len);
          if (cmp != 0)
            return cmp;
          /* "7" before "07" if nothing else tells them apart */
          if (tie == 0 && p_value - p != q_value - q)
            tie = p_value - p < q_value - q ? -1 : 1;
          p = p_end;
          q = q_end;
        }
      else if (g_ascii_isdigit (*p) != g_ascii_isdigit (*q))
        {
          /* a number before text: "job2" before "jobs" */
          return g_ascii_isdigit (*p) ? -1 : 1;
        }
      else
        {
          const char *p_end, *q_end;
          g_autofree char *p_text = text_run (p, &p_end);
          g_autofree char *q_text = text_run (q, &q_end);
          int cmp = g_utf8_collate (p_text, q_text);

          if (cmp != 0)
            return cmp;
          if (tie == 0)
            tie = strncmp (p, q, MAX (p_end - p, q_end - q));
          p = p_end;
          q = q_end;
        }
    }

  if (*p != '\0' || *q != '\0')
    return *p == '\0' ? -1 : 1;
  if (tie != 0)
    return tie;
  return strcmp (a, b);
}
