/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "fuzz-replay"

#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

/*
 * Runs a libFuzzer target over every file of a corpus directory, in name
 * order, without libFuzzer: the corpus becomes a regression test in every
 * build. A crash or a failed assertion ends the process, and the last
 * "# running" line says which input did it.
 *
 * Usage: fuzz-schedule-replay DIRECTORY
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *directory;
  const char *name;
  guint failed = 0;

  if (argc != 2)
    {
      fprintf (stderr, "Usage: %s DIRECTORY\n", argv[0]);
      return 2;
    }
  directory = argv[1];

  dir = g_dir_open (directory, 0, &error);
  if (dir == NULL)
    {
      printf ("Bail out! %s\n", error->message);
      return 1;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (directory, name, NULL);

      if (name[0] == '.' || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_names);

  if (names->len == 0)
    {
      printf ("1..0 # SKIP no inputs in %s\n", directory);
      return 0;
    }

  printf ("1..%u\n", names->len);
  for (guint i = 0; i < names->len; i++)
    {
      const char *file = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (directory, file, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (!g_file_get_contents (path, &contents, &length, &error))
        {
          printf ("not ok %u - %s # %s\n", i + 1, file, error->message);
          g_clear_error (&error);
          failed++;
          continue;
        }

      /* Said before the input runs, so a crash points at it. */
      printf ("# running %s\n", path);
      fflush (stdout);

      LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);

      printf ("ok %u - %s\n", i + 1, file);
      fflush (stdout);
    }

  return failed == 0 ? 0 : 1;
}
