/* SPDX-License-Identifier: GPL-3.0-or-later */

/*
 * How long the job page's graph of durations (ChkDurationGraph) takes to
 * draw a frame with 10,000 runs: per frame, the widget's snapshot (its
 * render nodes) and their rendering into a texture by the window's
 * renderer, p50 and max over FRAMES frames. Baseline in the same run: the
 * same graph with the 60 runs the page reads.
 */

#include "config.h"

#include <adwaita.h>
#include <errno.h>
#include <unistd.h>

#include "chk-duration-graph-private.h"
#include "chk-resources.h"

#define FRAMES 60
#define WIDTH 960
#define HEIGHT 150

typedef struct
{
  double snapshot_p50, snapshot_max;
  double frame_p50, frame_max;
} Timing;

/* @n runs as ListRuns gives them, newest first, of mixed outcomes */
static GVariant *
make_records (guint n)
{
  static const char *const outcomes[] = { "success", "success", "success", "failure",
                                          "success", "timeout", "success", "stopped" };
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  gint64 now = g_get_real_time ();
  guint32 seed = 17;

  for (guint i = 0; i < n; i++)
    {
      g_auto(GVariantDict) record = G_VARIANT_DICT_INIT (NULL);
      gint64 started = now - (gint64) (i + 1) * 600 * G_USEC_PER_SEC;
      gint64 took;

      seed = seed * 1103515245 + 12345;
      took = (gint64) (1 + (seed >> 16) % 300) * G_USEC_PER_SEC;
      g_variant_dict_insert (&record, "id", "t", (guint64) (n - i));
      g_variant_dict_insert (&record, "started", "x", started);
      g_variant_dict_insert (&record, "finished", "x", started + took);
      g_variant_dict_insert (&record, "outcome", "s", outcomes[(seed >> 8) % 8]);
      g_variant_builder_add_value (&builder, g_variant_dict_end (&record));
    }
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
iterate (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static Timing
time_frames (guint n_runs)
{
  g_autoptr(GVariant) records = make_records (n_runs);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *graph = chk_duration_graph_new ();
  GskRenderer *renderer;
  double snapshots[FRAMES], frames[FRAMES];
  Timing timing;

  gtk_window_set_default_size (GTK_WINDOW (window), WIDTH, HEIGHT);
  gtk_window_set_child (GTK_WINDOW (window), graph);
  _chk_duration_graph_set_records (CHK_DURATION_GRAPH (graph), records);
  gtk_window_present (GTK_WINDOW (window));
  while (!gtk_widget_get_mapped (graph) || gtk_widget_get_width (graph) == 0)
    g_main_context_iteration (NULL, TRUE);
  iterate ();
  renderer = gtk_native_get_renderer (GTK_NATIVE (window));

  for (guint i = 0; i < FRAMES; i++)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();
      g_autoptr(GskRenderNode) node = NULL;
      g_autoptr(GdkTexture) texture = NULL;
      gint64 start, drawn, rendered;

      /* The widget's own drawing, each frame anew (GTK would reuse the
       * nodes of a widget that did not change) */
      start = g_get_monotonic_time ();
      GTK_WIDGET_GET_CLASS (graph)->snapshot (graph, snapshot);
      node = gtk_snapshot_free_to_node (snapshot);
      drawn = g_get_monotonic_time ();
      texture = gsk_renderer_render_texture (renderer, node, NULL);
      rendered = g_get_monotonic_time ();
      snapshots[i] = (drawn - start) / 1000.0;
      frames[i] = (rendered - start) / 1000.0;
    }

  qsort (snapshots, FRAMES, sizeof (double), compare_doubles);
  qsort (frames, FRAMES, sizeof (double), compare_doubles);
  timing.snapshot_p50 = snapshots[FRAMES / 2];
  timing.snapshot_max = snapshots[FRAMES - 1];
  timing.frame_p50 = frames[FRAMES / 2];
  timing.frame_max = frames[FRAMES - 1];
  gtk_window_destroy (GTK_WINDOW (window));
  iterate ();
  return timing;
}

static void
print_row (const char *what,
           double      value,
           double      baseline,
           const char *target)
{
  g_print ("%-40s %9.2f ms %9.2f ms %8.2f %10s\n", what, value, baseline, value / baseline,
           target);
}

int
main (int   argc,
      char *argv[])
{
  Timing big, small;

  /* Needs a display: under Xvfb when there is none. */
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("CHK_BENCH_UNDER_XVFB") == NULL)
    {
      const char *xvfb[] = { "xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "env",
                             "CHK_BENCH_UNDER_XVFB=1", "GDK_BACKEND=x11", argv[0], NULL };

      execvp (xvfb[0], (char **) xvfb);
      g_error ("no display, and xvfb-run could not start: %s", g_strerror (errno));
    }

  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("ADW_DISABLE_PORTAL", "1", TRUE);
  gtk_init ();
  adw_init ();
  chk_app_register_resource ();

  /* Once each to warm up fonts and the renderer, then measured */
  time_frames (60);
  time_frames (10000);
  small = time_frames (60);
  big = time_frames (10000);

  g_print ("%-40s %12s %12s %8s %10s\n", "what (960×150 px)", "value", "baseline", "ratio",
           "target");
  print_row ("graph of 10,000 runs: frame p50", big.frame_p50, small.frame_p50, "≤ 16 ms");
  print_row ("graph of 10,000 runs: frame max", big.frame_max, small.frame_max, "≤ 16 ms");
  print_row ("graph of 10,000 runs: snapshot p50", big.snapshot_p50, small.snapshot_p50, "");
  print_row ("graph of 10,000 runs: snapshot max", big.snapshot_max, small.snapshot_max, "");
  g_print ("(a frame: the widget's snapshot and its rendering to a texture; %d frames;\n"
           " baseline: the same graph with 60 runs, as the job page shows)\n", FRAMES);
  return 0;
}
