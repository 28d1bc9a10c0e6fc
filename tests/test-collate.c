/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-collate"

#include "config.h"

#include <glib.h>

#include "chk-collate.h"

static int
compare_cb (gconstpointer a,
            gconstpointer b)
{
  return chk_collate_natural (*(const char **) a, *(const char **) b);
}

static int
sign (int n)
{
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/* Each list is in the order people expect; shuffled, it must sort back. */
static void
test_natural_order (void)
{
  const char *lists[][8] = {
    { "crontab-2", "crontab-10", "crontab-11", "crontab-100", NULL },
    { "backup", "Backup-db", "BACKUP-WEB", "cleanup", "Zebra", NULL },
    { "a", "a1", "a2", "a10", "ab", "b", NULL },
    { "v1.2", "v1.10", "v2", "v10.0", NULL },
    { "job2", "job7", "job07", "jobs", NULL },
    { "x99999999999999999999", "x100000000000000000000", NULL },
    { "", "0", "1", "a", NULL },
  };

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    {
      g_autoptr(GPtrArray) names = g_ptr_array_new ();
      guint n = g_strv_length ((char **) lists[l]);
      GRand *rand = g_rand_new_with_seed (l);

      for (guint i = 0; i < n; i++)
        g_ptr_array_add (names, (gpointer) lists[l][n - 1 - i]);
      for (guint round = 0; round < 20; round++)
        {
          for (guint i = n - 1; i > 0; i--)
            {
              guint j = g_rand_int_range (rand, 0, i + 1);
              gpointer t = names->pdata[i];

              names->pdata[i] = names->pdata[j];
              names->pdata[j] = t;
            }
          g_ptr_array_sort (names, compare_cb);
          for (guint i = 0; i < n; i++)
            g_assert_cmpstr (g_ptr_array_index (names, i), ==, lists[l][i]);
        }
      g_rand_free (rand);
    }
}

/* Names that differ in case or zeros only are not equal, and keep one order. */
static void
test_natural_total (void)
{
  const char *names[] = {
    "crontab-2", "Crontab-2", "CRONTAB-2", "crontab-02", "crontab-10", "ab", "AB", "a",
    "é", "E", "f", "job", "job-1", "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_cmpint (chk_collate_natural (names[i], names[i]), ==, 0);
      for (guint j = 0; j < G_N_ELEMENTS (names); j++)
        {
          int ij = sign (chk_collate_natural (names[i], names[j]));
          int ji = sign (chk_collate_natural (names[j], names[i]));

          g_assert_cmpint (ij, ==, -ji);
          if (i != j)
            g_assert_cmpint (ij, !=, 0);
          for (guint k = 0; k < G_N_ELEMENTS (names); k++)
            {
              /* transitive */
              if (ij < 0 && chk_collate_natural (names[j], names[k]) < 0)
                g_assert_cmpint (chk_collate_natural (names[i], names[k]), <, 0);
            }
        }
    }

  g_assert_cmpint (chk_collate_natural ("crontab-2", "crontab-10"), <, 0);
  g_assert_cmpint (chk_collate_natural ("Crontab-10", "crontab-2"), >, 0);
  g_assert_cmpint (chk_collate_natural ("alpha", "Beta"), <, 0);
  g_assert_cmpint (chk_collate_natural ("Alpha", "beta"), <, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/collate/natural/order", test_natural_order);
  g_test_add_func ("/collate/natural/total", test_natural_total);

  return g_test_run ();
}
