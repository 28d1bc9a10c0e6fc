/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "chk-draw-util.h"
#include "chk-run-calendar.h"

#define N_CELLS (CHK_RUN_CALENDAR_WEEKS * 7)
#define CELL 22
#define GAP 4
#define LABEL_GAP 8
/* Shades of green (by runs, against the busiest day) or red (by the share
 * that failed) */
#define N_LEVELS 4

/**
 * ChkRunCalendar:
 *
 * The runs of the last %CHK_RUN_CALENDAR_WEEKS weeks, a square per day:
 * a column per week (Monday at the top, the current week last), grey
 * without runs, green when they all succeeded (darker as there were more),
 * red when some failed (darker as more of them did). Each day is a cell
 * with a tooltip and an accessible label ("Tuesday 3 November: 14 runs, 2
 * failed"); the grid is one Tab stop, and the arrow keys go from day to day
 * (up and down) and week to week (left and right), Home and End to the
 * first day and today. The weekdays and months are drawn beside it.
 */

/* A day: a widget of its own, for the focus, a tooltip and its label */

#define CHK_TYPE_RUN_CALENDAR_CELL (chk_run_calendar_cell_get_type ())
G_DECLARE_FINAL_TYPE (ChkRunCalendarCell, chk_run_calendar_cell, CHK, RUN_CALENDAR_CELL, GtkWidget)

struct _ChkRunCalendarCell
{
  GtkWidget  parent_instance;

  char      *label;
  char      *level;  /* "none", "ok-N" or "failed-N", also its style class */
};

G_DEFINE_FINAL_TYPE (ChkRunCalendarCell, chk_run_calendar_cell, GTK_TYPE_WIDGET)

static void
chk_run_calendar_cell_finalize (GObject *object)
{
  ChkRunCalendarCell *self = CHK_RUN_CALENDAR_CELL (object);

  g_free (self->label);
  g_free (self->level);
  G_OBJECT_CLASS (chk_run_calendar_cell_parent_class)->finalize (object);
}

static void
chk_run_calendar_cell_class_init (ChkRunCalendarCellClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = chk_run_calendar_cell_finalize;
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "day");
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_GRID_CELL);
}

static void
chk_run_calendar_cell_init (ChkRunCalendarCell *self)
{
  self->level = g_strdup ("none");
}

static void
cell_set (ChkRunCalendarCell *self,
          const char         *label,
          const char         *level)
{
  if (g_strcmp0 (self->level, level) != 0)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self), self->level);
      g_free (self->level);
      self->level = g_strdup (level);
      gtk_widget_add_css_class (GTK_WIDGET (self), self->level);
    }
  if (g_strcmp0 (self->label, label) != 0)
    {
      g_free (self->label);
      self->label = g_strdup (label);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self), label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
    }
}

/* The calendar */

struct _ChkRunCalendar
{
  GtkWidget   parent_instance;

  GPtrArray  *cells;      /* N_CELLS ChkRunCalendarCell, by day from the first */
  GDateTime  *first_day;  /* the first cell's, local midnight */
  guint       n_days;     /* cells shown: up to today */
  guint       current;    /* the cell that takes the focus */
};

G_DEFINE_FINAL_TYPE (ChkRunCalendar, chk_run_calendar, GTK_TYPE_WIDGET)

static GDateTime *
day_of (ChkRunCalendar *self,
        guint           day)
{
  return g_date_time_add_days (self->first_day, (int) day);
}

/* The width of the weekdays' column */
static int
label_width (ChkRunCalendar *self)
{
  int widest = 0;

  for (guint row = 0; row < 7 && self->first_day != NULL; row += 2)
    {
      g_autoptr(GDateTime) day = day_of (self, row);
      g_autofree char *name = g_date_time_format (day, "%a");
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), name);
      int width;

      pango_layout_get_pixel_size (layout, &width, NULL);
      widest = MAX (widest, width);
    }
  return widest + LABEL_GAP;
}

static int
label_height (ChkRunCalendar *self)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), "M");
  int height;

  pango_layout_get_pixel_size (layout, NULL, &height);
  return height + LABEL_GAP / 2;
}

static void
chk_run_calendar_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  ChkRunCalendar *self = CHK_RUN_CALENDAR (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = label_width (self) + CHK_RUN_CALENDAR_WEEKS * (CELL + GAP);
  else
    *minimum = *natural = label_height (self) + 7 * (CELL + GAP);
}

static void
chk_run_calendar_size_allocate (GtkWidget *widget,
                                int        width,
                                int        height,
                                int        baseline)
{
  ChkRunCalendar *self = CHK_RUN_CALENDAR (widget);
  int left = label_width (self);
  int top = label_height (self);

  for (guint i = 0; i < self->cells->len; i++)
    {
      GtkAllocation box = {
        left + (int) (i / 7) * (CELL + GAP), top + (int) (i % 7) * (CELL + GAP), CELL, CELL,
      };

      gtk_widget_size_allocate (self->cells->pdata[i], &box, -1);
    }
}

static void
append_label (GtkSnapshot *snapshot,
              GtkWidget   *widget,
              const char  *text,
              int          x,
              int          y,
              GdkRGBA     *color)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);

  chk_draw_layout (snapshot, layout, x, y, color);
}

static void
chk_run_calendar_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  ChkRunCalendar *self = CHK_RUN_CALENDAR (widget);
  int left = label_width (self);
  int top = label_height (self);
  int last_month = 0;
  GdkRGBA dim;

  if (self->first_day == NULL)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &dim);
  dim.alpha *= 0.6;

  /* Monday, Wednesday, Friday */
  for (guint row = 0; row < 7; row += 2)
    {
      g_autoptr(GDateTime) day = day_of (self, row);
      g_autofree char *name = g_date_time_format (day, "%a");

      append_label (snapshot, widget, name, 0, top + row * (CELL + GAP) + 2, &dim);
    }
  /* A month's name over the week it starts in */
  for (guint week = 0; week < CHK_RUN_CALENDAR_WEEKS; week++)
    {
      g_autoptr(GDateTime) monday = day_of (self, week * 7);
      g_autoptr(GDateTime) sunday = g_date_time_add_days (monday, 6);
      int month = g_date_time_get_month (sunday);

      if (month != last_month && (week > 0 || g_date_time_get_day_of_month (monday) <= 7))
        {
          g_autofree char *name = g_date_time_format (sunday, "%b");

          append_label (snapshot, widget, name, left + week * (CELL + GAP), 0, &dim);
        }
      last_month = month;
    }

  for (guint i = 0; i < self->cells->len; i++)
    gtk_widget_snapshot_child (widget, self->cells->pdata[i], snapshot);
}

/* Focus */

static void
move_to (ChkRunCalendar *self,
         int             day)
{
  if (self->n_days == 0)
    return;
  day = CLAMP (day, 0, (int) self->n_days - 1);
  gtk_widget_set_focusable (self->cells->pdata[self->current], FALSE);
  self->current = (guint) day;
  gtk_widget_set_focusable (self->cells->pdata[self->current], TRUE);
  gtk_widget_grab_focus (self->cells->pdata[self->current]);
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                ChkRunCalendar        *self)
{
  int at = (int) self->current;

  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return GDK_EVENT_PROPAGATE;
  switch (keyval)
    {
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      move_to (self, at - 1);
      return GDK_EVENT_STOP;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      move_to (self, at + 1);
      return GDK_EVENT_STOP;
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      move_to (self, at - 7);
      return GDK_EVENT_STOP;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      move_to (self, MIN (at + 7, (int) self->n_days - 1));
      return GDK_EVENT_STOP;
    case GDK_KEY_Home:
    case GDK_KEY_KP_Home:
      move_to (self, 0);
      return GDK_EVENT_STOP;
    case GDK_KEY_End:
    case GDK_KEY_KP_End:
      move_to (self, (int) self->n_days - 1);
      return GDK_EVENT_STOP;
    default:
      return GDK_EVENT_PROPAGATE;
    }
}

static void
pressed_cb (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            ChkRunCalendar  *self)
{
  GtkWidget *cell = gtk_widget_pick (GTK_WIDGET (self), x, y, GTK_PICK_DEFAULT);

  for (guint i = 0; cell != NULL && i < self->n_days; i++)
    {
      if (self->cells->pdata[i] == cell)
        move_to (self, (int) i);
    }
}

/* Texts and shades */

static char *
day_label (GDateTime *day,
           guint      runs,
           guint      failures)
{
  /* Translators: a day in the calendar of runs, in g_date_time_format()
   * terms, e.g. "Tuesday 3 November" */
  g_autofree char *date = g_date_time_format (day, _("%A %-d %B"));

  if (runs == 0)
    /* Translators: a day of the calendar of runs without any */
    return g_strdup_printf (_("%s: no runs"), date);
  if (failures == 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s: %u run", "%s: %u runs", runs),
                            date, runs);
  /* Translators: "Tuesday 3 November: 14 runs, 2 failed"; the plural is
   * the runs' */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s: %u run, %u failed",
                                       "%s: %u runs, %u failed", runs),
                          date, runs, failures);
}

static char *
day_level (guint runs,
           guint failures,
           guint busiest)
{
  guint level;

  if (runs == 0)
    return g_strdup ("none");
  if (failures > 0)
    {
      level = (guint) ceil ((double) failures / runs * N_LEVELS);
      return g_strdup_printf ("failed-%u", CLAMP (level, 1, N_LEVELS));
    }
  level = (guint) ceil (log1p (runs) / log1p (MAX (busiest, 1)) * N_LEVELS);
  return g_strdup_printf ("ok-%u", CLAMP (level, 1, N_LEVELS));
}

/* GObject */

static void
chk_run_calendar_dispose (GObject *object)
{
  ChkRunCalendar *self = CHK_RUN_CALENDAR (object);

  if (self->cells != NULL)
    {
      for (guint i = 0; i < self->cells->len; i++)
        gtk_widget_unparent (self->cells->pdata[i]);
      g_clear_pointer (&self->cells, g_ptr_array_unref);
    }
  g_clear_pointer (&self->first_day, g_date_time_unref);

  G_OBJECT_CLASS (chk_run_calendar_parent_class)->dispose (object);
}

static void
chk_run_calendar_class_init (ChkRunCalendarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chk_run_calendar_dispose;
  widget_class->measure = chk_run_calendar_measure;
  widget_class->size_allocate = chk_run_calendar_size_allocate;
  widget_class->snapshot = chk_run_calendar_snapshot;

  gtk_widget_class_set_css_name (widget_class, "chk-run-calendar");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GRID);
}

static void
chk_run_calendar_init (ChkRunCalendar *self)
{
  GtkEventController *controller;
  GtkGesture *click;

  self->cells = g_ptr_array_new ();
  for (guint i = 0; i < N_CELLS; i++)
    {
      GtkWidget *cell = g_object_new (CHK_TYPE_RUN_CALENDAR_CELL, NULL);

      gtk_widget_add_css_class (cell, "none");
      gtk_widget_set_focusable (cell, FALSE);
      gtk_widget_set_visible (cell, FALSE);
      gtk_widget_set_parent (cell, GTK_WIDGET (self));
      g_ptr_array_add (self->cells, cell);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Runs per Day"), -1);

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
  click = gtk_gesture_click_new ();
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
}

/* Public API */

GtkWidget *
chk_run_calendar_new (void)
{
  return g_object_new (CHK_TYPE_RUN_CALENDAR, NULL);
}

/**
 * chk_run_calendar_first_day:
 * @today: (nullable): the day to end on, local; %NULL for today
 *
 * Returns: (transfer full): the first day shown with @today last: the
 *   local midnight that starts the Monday %CHK_RUN_CALENDAR_WEEKS - 1 weeks
 *   before @today's week
 */
GDateTime *
chk_run_calendar_first_day (GDateTime *today)
{
  g_autoptr(GDateTime) now = today != NULL ? g_date_time_ref (today) : g_date_time_new_now_local ();
  g_autoptr(GDateTime) back = g_date_time_add_days (now, -(g_date_time_get_day_of_week (now) - 1) -
                                                    7 * (CHK_RUN_CALENDAR_WEEKS - 1));

  return g_date_time_new_local (g_date_time_get_year (back), g_date_time_get_month (back),
                                g_date_time_get_day_of_month (back), 0, 0, 0);
}

/**
 * chk_run_calendar_n_days:
 * @today: (nullable): as for chk_run_calendar_first_day()
 *
 * Returns: how many days are shown, from the first to @today
 */
guint
chk_run_calendar_n_days (GDateTime *today)
{
  g_autoptr(GDateTime) now = today != NULL ? g_date_time_ref (today) : g_date_time_new_now_local ();

  return 7 * (CHK_RUN_CALENDAR_WEEKS - 1) + (guint) g_date_time_get_day_of_week (now);
}

/**
 * chk_run_calendar_set_days:
 * @self: a #ChkRunCalendar
 * @first_day: the first day's local midnight
 * @runs: (array length=n_days): the runs of each day
 * @failures: (array length=n_days): how many of them failed
 * @n_days: how many days, up to today
 *
 * Shows these days; the cells after them (the rest of this week) hide.
 */
void
chk_run_calendar_set_days (ChkRunCalendar *self,
                           GDateTime      *first_day,
                           const guint    *runs,
                           const guint    *failures,
                           guint           n_days)
{
  guint busiest = 0;
  gboolean had_focus;

  g_return_if_fail (CHK_IS_RUN_CALENDAR (self));
  g_return_if_fail (first_day != NULL);

  n_days = MIN (n_days, N_CELLS);
  had_focus = gtk_widget_get_focus_child (GTK_WIDGET (self)) != NULL;
  if (self->first_day == NULL || !g_date_time_equal (self->first_day, first_day))
    {
      g_clear_pointer (&self->first_day, g_date_time_unref);
      self->first_day = g_date_time_ref (first_day);
      gtk_widget_queue_resize (GTK_WIDGET (self));
    }
  for (guint i = 0; i < n_days; i++)
    busiest = MAX (busiest, runs[i]);

  for (guint i = 0; i < N_CELLS; i++)
    {
      GtkWidget *cell = self->cells->pdata[i];

      gtk_widget_set_visible (cell, i < n_days);
      if (i < n_days)
        {
          g_autoptr(GDateTime) day = day_of (self, i);
          g_autofree char *label = day_label (day, runs[i], failures[i]);
          g_autofree char *level = day_level (runs[i], failures[i], busiest);

          cell_set (CHK_RUN_CALENDAR_CELL (cell), label, level);
        }
      gtk_widget_set_focusable (cell, FALSE);
    }

  /* Today takes the focus, or the day that had it */
  if (self->current >= n_days || !had_focus)
    self->current = n_days > 0 ? n_days - 1 : 0;
  if (n_days > 0)
    {
      gtk_widget_set_focusable (self->cells->pdata[self->current], TRUE);
      if (had_focus)
        gtk_widget_grab_focus (self->cells->pdata[self->current]);
    }
}

/**
 * chk_run_calendar_get_cell:
 * @self: a #ChkRunCalendar
 * @day: a day, from 0 for the first
 *
 * Returns: (transfer none): the day's cell
 */
GtkWidget *
chk_run_calendar_get_cell (ChkRunCalendar *self,
                           guint           day)
{
  g_return_val_if_fail (CHK_IS_RUN_CALENDAR (self), NULL);
  g_return_val_if_fail (day < N_CELLS, NULL);
  return self->cells->pdata[day];
}

/**
 * chk_run_calendar_get_n_cells:
 * @self: a #ChkRunCalendar
 *
 * Returns: how many days are shown
 */
guint
chk_run_calendar_get_n_cells (ChkRunCalendar *self)
{
  guint n = 0;

  g_return_val_if_fail (CHK_IS_RUN_CALENDAR (self), 0);
  for (guint i = 0; i < self->cells->len; i++)
    n += gtk_widget_get_visible (self->cells->pdata[i]);
  return n;
}

/**
 * chk_run_calendar_cell_label:
 * @cell: a cell of a #ChkRunCalendar
 *
 * Returns: (nullable): its day in words, as its tooltip and accessible label
 */
const char *
chk_run_calendar_cell_label (GtkWidget *cell)
{
  g_return_val_if_fail (CHK_IS_RUN_CALENDAR_CELL (cell), NULL);
  return CHK_RUN_CALENDAR_CELL (cell)->label;
}

/**
 * chk_run_calendar_cell_level:
 * @cell: a cell of a #ChkRunCalendar
 *
 * Returns: its shade, also its style class: "none", "ok-1" to "ok-4" (by
 *   runs) or "failed-1" to "failed-4" (by the share that failed)
 */
const char *
chk_run_calendar_cell_level (GtkWidget *cell)
{
  g_return_val_if_fail (CHK_IS_RUN_CALENDAR_CELL (cell), NULL);
  return CHK_RUN_CALENDAR_CELL (cell)->level;
}
