/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "chk-duration.h"
#include "chk-editor-util.h"
#include "chk-message-label.h"
#include "chk-schedule-builder-private.h"

/* The schedule is previewed this long after the last change of a control, */
#define PREVIEW_DELAY_MS 250
/* and this long after the last key typed into its text or the time zone's:
 * a pause, not the gap between two keys (or when the field loses the focus). */
#define TYPING_DELAY_MS 800
#define PREVIEW_COUNT 5
#define ZONE_TABLE "/usr/share/zoneinfo/zone1970.tab"
/* The last item of the day-of-month list: "Last Day" */
#define LAST_DAY_INDEX 31
#define RRULE_LAST_DAY "FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=%u;BYMINUTE=%u"

typedef enum
{
  PRESET_MANUAL,
  PRESET_MINUTES,
  PRESET_HOURS,
  PRESET_DAILY,
  PRESET_WEEKLY,
  PRESET_MONTHLY,
  PRESET_CUSTOM,
} Preset;

/**
 * ChkScheduleBuilder:
 *
 * The editor's Schedule group: a Repeat preset and its controls (minutes,
 * hours, weekdays, day of the month, time of day), or a cron line or RRULE
 * typed as it is, the time zone (completed from the system's list), and a
 * preview of the next runs that the daemon computes (PreviewSchedule) a
 * moment after the last change.
 */
struct _ChkScheduleBuilder
{
  AdwPreferencesGroup  parent_instance;

  ChkJobModel         *model;
  GCancellable        *cancellable;          /* the zones; cancelled on dispose */
  GCancellable        *preview_cancellable;
  GPtrArray           *zone_names;           /* sorted, for completion and half-typed names */
  guint                preview_source;
  gboolean             timezone_pending;     /* a half-typed zone: checked on blur */
  gboolean             loading;
  gboolean             chosen;               /* the user picked a Repeat */
  gboolean             disposed;
  char                *problem;
  GError              *preview_error;

  AdwComboRow         *preset_row;
  AdwActionRow        *minutes_row;
  GtkSpinButton       *minutes_spin;
  GtkLabel            *minutes_unit;
  AdwActionRow        *hours_row;
  GtkSpinButton       *hours_spin;
  GtkLabel            *hours_unit;
  AdwActionRow        *minute_row;
  GtkSpinButton       *minute_spin;
  AdwPreferencesRow   *days_row;
  GtkWidget           *days_box;
  AdwComboRow         *day_of_month_row;
  AdwActionRow        *time_row;
  GtkSpinButton       *hour_spin;
  GtkSpinButton       *time_minute_spin;
  AdwEntryRow         *schedule_row;
  AdwActionRow        *timezone_row;
  GtkEntry            *timezone_entry;
  GtkLabel            *preview_description;
  GtkWidget           *preview_runs;
  GtkLabel            *schedule_error;
};

G_DEFINE_FINAL_TYPE (ChkScheduleBuilder, chk_schedule_builder, ADW_TYPE_PREFERENCES_GROUP)

enum {
  PROP_0,
  PROP_MODEL,
  PROP_SCHEDULE,
  PROP_TIMEZONE,
  PROP_PROBLEM,
  PROP_PREVIEW_ERROR,
  PROP_TIMEZONE_PENDING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void queue_preview (ChkScheduleBuilder *self);

static gboolean
parse_number (const char *text,
              guint       min,
              guint       max,
              guint      *out)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    return FALSE;
  *out = (guint) value;
  return TRUE;
}

static void
set_problem (ChkScheduleBuilder *self,
             const char         *problem)
{
  if (chk_set_string (&self->problem, problem))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
}

static void
set_timezone_pending (ChkScheduleBuilder *self,
                      gboolean            pending)
{
  gboolean changed = self->timezone_pending != pending;

  self->timezone_pending = pending;
  /* Each deferral, not only the first: the zone's error goes each time. */
  if (changed || pending)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEZONE_PENDING]);
}


static GtkToggleButton *
day_button (ChkScheduleBuilder *self,
            guint               cron_day)
{
  /* The buttons go Monday to Sunday; cron counts from Sunday = 0. */
  guint position = (cron_day + 6) % 7;
  GtkWidget *child = gtk_widget_get_first_child (self->days_box);

  for (guint i = 0; i < position && child != NULL; i++)
    child = gtk_widget_get_next_sibling (child);
  return GTK_TOGGLE_BUTTON (child);
}

/* Cron's day-of-week list for the days chosen, with ranges for 3 days or more
 * in a row, or NULL if none is. */
static char *
weekday_list (ChkScheduleBuilder *self)
{
  gboolean days[7];
  guint count = 0;
  GString *list;

  for (guint day = 0; day < 7; day++)
    {
      days[day] = gtk_toggle_button_get_active (day_button (self, day));
      count += days[day];
    }

  if (count == 0)
    return NULL;
  if (count == 7)
    return g_strdup ("*");

  list = g_string_new (NULL);

  for (guint day = 0; day < 7;)
    {
      guint end = day;

      if (!days[day])
        {
          day++;
          continue;
        }
      while (end + 1 < 7 && days[end + 1])
        end++;
      if (list->len > 0)
        g_string_append_c (list, ',');
      if (end >= day + 2)
        g_string_append_printf (list, "%u-%u", day, end);
      else if (end == day + 1)
        g_string_append_printf (list, "%u,%u", day, end);
      else
        g_string_append_printf (list, "%u", day);
      day = end + 1;
    }

  return g_string_free (list, FALSE);
}

static gboolean
set_weekdays (ChkScheduleBuilder *self,
              const char         *text)
{
  g_auto(GStrv) items = g_strsplit (text, ",", -1);
  gboolean days[7] = { FALSE, };

  for (guint i = 0; items[i] != NULL; i++)
    {
      g_auto(GStrv) range = g_strsplit (items[i], "-", 2);
      guint first, last;

      if (!parse_number (range[0], 0, 7, &first))
        return FALSE;
      last = first;
      if (range[1] != NULL && (!parse_number (range[1], first, 7, &last)))
        return FALSE;
      for (guint day = first; day <= last; day++)
        days[day % 7] = TRUE;
    }

  for (guint day = 0; day < 7; day++)
    gtk_toggle_button_set_active (day_button (self, day), days[day]);
  return TRUE;
}

static guint
spin_value (GtkSpinButton *spin)
{
  return (guint) gtk_spin_button_get_value_as_int (spin);
}

/* The schedule text of a preset, from its controls; NULL if they give none. */
static char *
preset_schedule (ChkScheduleBuilder *self,
                 Preset              preset)
{
  guint hour = spin_value (self->hour_spin);
  guint minute = spin_value (self->time_minute_spin);

  switch (preset)
    {
    case PRESET_MANUAL:
      return g_strdup ("");

    case PRESET_MINUTES:
      if (spin_value (self->minutes_spin) == 1)
        return g_strdup ("* * * * *");
      return g_strdup_printf ("*/%u * * * *", spin_value (self->minutes_spin));

    case PRESET_HOURS:
      if (spin_value (self->hours_spin) == 1)
        return g_strdup_printf ("%u * * * *", spin_value (self->minute_spin));
      return g_strdup_printf ("%u */%u * * *", spin_value (self->minute_spin), spin_value (self->hours_spin));

    case PRESET_DAILY:
      return g_strdup_printf ("%u %u * * *", minute, hour);

    case PRESET_WEEKLY:
      {
        g_autofree char *days = weekday_list (self);

        if (days == NULL)
          return NULL;
        return g_strdup_printf ("%u %u * * %s", minute, hour, days);
      }

    case PRESET_MONTHLY:
      {
        guint day = adw_combo_row_get_selected (self->day_of_month_row);

        if (day >= LAST_DAY_INDEX)
          return g_strdup_printf (RRULE_LAST_DAY, hour, minute);
        return g_strdup_printf ("%u %u %u * *", minute, hour, day + 1);
      }

    case PRESET_CUSTOM:
    default:
      return g_strdup (chk_editable_text (self->schedule_row));
    }
}

/* Sets the controls of the preset that @text looks like and returns that
 * preset, if the preset gives back exactly @text; else PRESET_CUSTOM. */
static Preset
detect_preset (ChkScheduleBuilder *self,
               const char         *text)
{
  g_auto(GStrv) fields = NULL;
  g_autofree char *again = NULL;
  Preset preset = PRESET_CUSTOM;
  guint a, b, c;

  if (text[0] == '\0')
    return PRESET_MANUAL;

  if (sscanf (text, RRULE_LAST_DAY, &a, &b) == 2 && a < 24 && b < 60)
    {
      gtk_spin_button_set_value (self->hour_spin, a);
      gtk_spin_button_set_value (self->time_minute_spin, b);
      adw_combo_row_set_selected (self->day_of_month_row, LAST_DAY_INDEX);
      preset = PRESET_MONTHLY;
    }

  fields = g_strsplit (text, " ", -1);
  if (preset == PRESET_CUSTOM && g_strv_length (fields) == 5 && g_str_equal (fields[3], "*"))
    {
      gboolean every_day = g_str_equal (fields[2], "*") && g_str_equal (fields[4], "*");

      if (every_day && g_str_equal (fields[1], "*") && g_str_equal (fields[0], "*"))
        {
          gtk_spin_button_set_value (self->minutes_spin, 1);
          preset = PRESET_MINUTES;
        }
      else if (every_day && g_str_equal (fields[1], "*") && g_str_has_prefix (fields[0], "*/") &&
               parse_number (fields[0] + 2, 1, 59, &a))
        {
          gtk_spin_button_set_value (self->minutes_spin, a);
          preset = PRESET_MINUTES;
        }
      else if (every_day && parse_number (fields[0], 0, 59, &a) && g_str_equal (fields[1], "*"))
        {
          gtk_spin_button_set_value (self->minute_spin, a);
          gtk_spin_button_set_value (self->hours_spin, 1);
          preset = PRESET_HOURS;
        }
      else if (every_day && parse_number (fields[0], 0, 59, &a) && g_str_has_prefix (fields[1], "*/") &&
               parse_number (fields[1] + 2, 1, 23, &b))
        {
          gtk_spin_button_set_value (self->minute_spin, a);
          gtk_spin_button_set_value (self->hours_spin, b);
          preset = PRESET_HOURS;
        }
      else if (parse_number (fields[0], 0, 59, &a) && parse_number (fields[1], 0, 23, &b))
        {
          gtk_spin_button_set_value (self->time_minute_spin, a);
          gtk_spin_button_set_value (self->hour_spin, b);

          if (every_day)
            preset = PRESET_DAILY;
          else if (g_str_equal (fields[2], "*") && set_weekdays (self, fields[4]))
            preset = PRESET_WEEKLY;
          else if (g_str_equal (fields[4], "*") && parse_number (fields[2], 1, 31, &c))
            {
              adw_combo_row_set_selected (self->day_of_month_row, c - 1);
              preset = PRESET_MONTHLY;
            }
        }
    }

  if (preset == PRESET_CUSTOM)
    return PRESET_CUSTOM;

  /* "0 9 * * 5,1" is Weekly, but would come back as "0 9 * * 1,5": keep it as it is. */
  again = preset_schedule (self, preset);
  return g_strcmp0 (again, text) == 0 ? preset : PRESET_CUSTOM;
}

static void
update_units (ChkScheduleBuilder *self)
{
  guint minutes = spin_value (self->minutes_spin);
  guint hours = spin_value (self->hours_spin);

  /* Translators: after the number in "Every [15] minutes" */
  gtk_label_set_text (self->minutes_unit, ngettext ("minute", "minutes", minutes));
  /* Translators: after the number in "Every [2] hours" */
  gtk_label_set_text (self->hours_unit, ngettext ("hour", "hours", hours));
}

static void
update_preset_rows (ChkScheduleBuilder *self)
{
  Preset preset = adw_combo_row_get_selected (self->preset_row);

  update_units (self);
  gboolean timed = preset == PRESET_DAILY || preset == PRESET_WEEKLY || preset == PRESET_MONTHLY;

  gtk_widget_set_visible (GTK_WIDGET (self->minutes_row), preset == PRESET_MINUTES);
  gtk_widget_set_visible (GTK_WIDGET (self->hours_row), preset == PRESET_HOURS);
  gtk_widget_set_visible (GTK_WIDGET (self->minute_row), preset == PRESET_HOURS);
  gtk_widget_set_visible (GTK_WIDGET (self->days_row), preset == PRESET_WEEKLY);
  gtk_widget_set_visible (GTK_WIDGET (self->day_of_month_row), preset == PRESET_MONTHLY);
  gtk_widget_set_visible (GTK_WIDGET (self->time_row), timed);
  gtk_widget_set_visible (GTK_WIDGET (self->schedule_row), preset != PRESET_MANUAL);
  gtk_widget_set_visible (GTK_WIDGET (self->timezone_row), preset != PRESET_MANUAL);

  /* A preset's text is shown for what it is, and edited through Custom. */
  gtk_editable_set_editable (GTK_EDITABLE (self->schedule_row), preset == PRESET_CUSTOM);
  if (preset == PRESET_CUSTOM)
    gtk_widget_remove_css_class (GTK_WIDGET (self->schedule_row), "chk-generated");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->schedule_row), "chk-generated");
}

static void
regenerate_schedule (ChkScheduleBuilder *self)
{
  Preset preset = adw_combo_row_get_selected (self->preset_row);
  g_autofree char *text = NULL;

  if (preset == PRESET_CUSTOM)
    return;

  text = preset_schedule (self, preset);
  if (text == NULL)
    {
      set_problem (self, _("Choose at least one day"));
      return;
    }

  set_problem (self, NULL);
  if (!g_str_equal (text, chk_editable_text (self->schedule_row)))
    gtk_editable_set_text (GTK_EDITABLE (self->schedule_row), text);
}

static void
preset_changed_cb (ChkScheduleBuilder *self,
                   GParamSpec         *pspec,
                   AdwComboRow        *row)
{
  if (self->loading)
    return;

  self->chosen = TRUE;
  set_problem (self, NULL);

  /* Start a week with a day in it, rather than with an error. */
  if (adw_combo_row_get_selected (self->preset_row) == PRESET_WEEKLY)
    {
      g_autofree char *days = weekday_list (self);

      if (days == NULL)
        {
          self->loading = TRUE;
          gtk_toggle_button_set_active (day_button (self, 1), TRUE);
          self->loading = FALSE;
        }
    }

  update_preset_rows (self);
  regenerate_schedule (self);
  queue_preview (self);
}

static void
schedule_control_changed_cb (ChkScheduleBuilder *self,
                             GtkWidget          *widget)
{
  if (self->loading)
    return;

  update_units (self);
  regenerate_schedule (self);
  queue_preview (self);
}

static gboolean
two_digits_output_cb (GtkSpinButton *spin,
                      gpointer       user_data)
{
  g_autofree char *text = g_strdup_printf ("%02d", gtk_spin_button_get_value_as_int (spin));

  if (!g_str_equal (text, chk_editable_text (spin)))
    gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

static GTimeZone *
zone_for (const char *identifier)
{
  GTimeZone *zone = NULL;

  if (identifier[0] == '\0')
    return g_time_zone_new_local ();
  zone = g_time_zone_new_identifier (identifier);
  return zone != NULL ? zone : g_time_zone_new_utc ();
}

static void
clear_preview_runs (ChkScheduleBuilder *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->preview_runs)) != NULL)
    gtk_box_remove (GTK_BOX (self->preview_runs), child);
}

static void
show_preview (ChkScheduleBuilder *self,
              const char         *description,
              GVariant           *runs,
              const char         *zone_name,
              gboolean            manual)
{
  g_autoptr(GTimeZone) zone = zone_for (zone_name);
  /* The schedule's errors take the preview's place. */
  gboolean errors_shown = gtk_widget_get_visible (GTK_WIDGET (self->schedule_error));
  gint64 now = g_get_real_time ();
  GVariantIter iter;
  gint64 run;

  clear_preview_runs (self);
  chk_message_label_set_text (self->preview_description, description);
  gtk_widget_set_visible (GTK_WIDGET (self->preview_description), !errors_shown);

  g_variant_iter_init (&iter, runs);
  while (g_variant_iter_next (&iter, "x", &run))
    {
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (run / G_USEC_PER_SEC);
      g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_timezone (utc, zone) : NULL;
      g_autofree char *when = NULL;
      g_autofree char *relative = chk_format_relative_time (run, now);
      GtkWidget *box, *label;

      if (local == NULL)
        continue;
      if (zone_name[0] != '\0')
        /* Translators: a next run in the schedule preview, with its time zone; see
         * g_date_time_format(). xgettext:no-c-format */
        when = g_date_time_format (local, _("%a %-d %b %Y, %H:%M %Z"));
      else
        /* Translators: a next run in the schedule preview; see g_date_time_format().
         * xgettext:no-c-format */
        when = g_date_time_format (local, _("%a %-d %b %Y, %H:%M"));

      box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
      label = gtk_label_new (when);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_widget_add_css_class (label, "numeric");
      gtk_box_append (GTK_BOX (box), label);
      label = gtk_label_new (relative);
      gtk_label_set_xalign (GTK_LABEL (label), 1);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "numeric");
      gtk_box_append (GTK_BOX (box), label);
      gtk_box_append (GTK_BOX (self->preview_runs), box);
    }

  /* A manual job has no runs to show; a schedule that has ended says so. */
  if (gtk_widget_get_first_child (self->preview_runs) == NULL && !manual)
    {
      GtkWidget *label = gtk_label_new (_("No runs are coming up."));

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (GTK_BOX (self->preview_runs), label);
    }
  gtk_widget_set_visible (self->preview_runs,
                          gtk_widget_get_first_child (self->preview_runs) != NULL && !errors_shown);
}

static void
preview_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  /* No ref: dispose cancels the call, and CANCELLED returns before self is used. */
  ChkScheduleBuilder *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) runs = NULL;
  g_autofree char *description = NULL;

  if (!chk_scheduler1_call_preview_schedule_finish (CHK_SCHEDULER1 (object), &description, &runs,
                                                    result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      g_dbus_error_strip_remote_error (error);
      clear_preview_runs (self);
      g_clear_error (&self->preview_error);
      self->preview_error = g_steal_pointer (&error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PREVIEW_ERROR]);
      return;
    }

  /* The error goes first, so that the preview can take its place. */
  if (self->preview_error != NULL)
    {
      g_clear_error (&self->preview_error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PREVIEW_ERROR]);
    }
  show_preview (self, description, runs, chk_editable_text (self->timezone_entry),
                chk_editable_text (self->schedule_row)[0] == '\0');
}

/* Whether @text is the start of a time zone's name, such as "Europe/Ber":
 * wrong only if the typing stops there. */
static gboolean
zone_is_half_typed (ChkScheduleBuilder *self,
                    const char         *text)
{
  g_autofree char *typed = g_strdelimit (g_ascii_strdown (text, -1), " ", '_');
  gsize length = strlen (typed);
  gboolean longer = FALSE;

  if (self->zone_names == NULL || length == 0)
    return FALSE;

  for (guint i = 0; i < self->zone_names->len; i++)
    {
      const char *zone = g_ptr_array_index (self->zone_names, i);

      if (g_ascii_strncasecmp (zone, typed, length) != 0)
        continue;
      if (zone[length] == '\0')
        return FALSE;
      longer = TRUE;
    }
  return longer;
}

static gboolean
has_focus_within (ChkScheduleBuilder *self,
                  GtkWidget          *widget)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  return focus != NULL && (focus == widget || gtk_widget_is_ancestor (focus, widget));
}

static gboolean
preview_cb (gpointer user_data)
{
  ChkScheduleBuilder *self = user_data;
  ChkScheduler1 *scheduler = self->model != NULL ? chk_job_model_get_scheduler (self->model) : NULL;

  self->preview_source = 0;
  set_timezone_pending (self, FALSE);

  g_cancellable_cancel (self->preview_cancellable);
  g_clear_object (&self->preview_cancellable);

  /* Nothing to ask while the days are missing: that error is shown already. */
  if (scheduler == NULL || self->problem != NULL)
    return G_SOURCE_REMOVE;

  /* A zone name on its way is not an error yet: it is checked when the
   * field is left, or when the typing goes on to something else. */
  if (has_focus_within (self, GTK_WIDGET (self->timezone_entry)) &&
      zone_is_half_typed (self, chk_editable_text (self->timezone_entry)))
    {
      set_timezone_pending (self, TRUE);
      return G_SOURCE_REMOVE;
    }

  self->preview_cancellable = g_cancellable_new ();
  chk_scheduler1_call_preview_schedule (scheduler,
                                        chk_editable_text (self->schedule_row),
                                        chk_editable_text (self->timezone_entry),
                                        0, PREVIEW_COUNT,
                                        self->preview_cancellable,
                                        preview_done_cb, self);
  return G_SOURCE_REMOVE;
}

static void
queue_preview_after (ChkScheduleBuilder *self,
                     guint               delay_ms)
{
  g_clear_handle_id (&self->preview_source, g_source_remove);
  self->preview_source = g_timeout_add (delay_ms, preview_cb, self);
}

static void
queue_preview (ChkScheduleBuilder *self)
{
  queue_preview_after (self, PREVIEW_DELAY_MS);
}

/* Leaving the schedule's text or the time zone checks it at once. */
static void
schedule_focus_leave_cb (GtkEventControllerFocus *controller,
                         ChkScheduleBuilder      *self)
{
  if (self->disposed || (self->preview_source == 0 && !self->timezone_pending))
    return;
  g_clear_handle_id (&self->preview_source, g_source_remove);
  preview_cb (self);
}

/* Time zones: completion from the system's list */

static gboolean
zone_match_cb (GtkEntryCompletion *completion,
               const char         *key,
               GtkTreeIter        *iter,
               gpointer            user_data)
{
  GtkTreeModel *model = gtk_entry_completion_get_model (completion);
  g_autofree char *zone = NULL;
  g_autofree char *folded = NULL;
  g_autofree char *wanted = g_strdelimit (g_strdup (key), "_", ' ');

  gtk_tree_model_get (model, iter, 0, &zone, -1);
  if (zone == NULL)
    return FALSE;
  /* "new york" finds America/New_York */
  folded = g_strdelimit (g_utf8_casefold (zone, -1), "_", ' ');
  return strstr (folded, wanted) != NULL;
}

static void
zones_loaded_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  /* No ref: dispose cancels the call, and CANCELLED returns before self is used. */
  ChkScheduleBuilder *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) zones = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GtkEntryCompletion) completion = NULL;
  GtkListStore *store;

  if (!g_file_load_contents_finish (G_FILE (object), result, &contents, NULL, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No time zone list for completion: %s", error->message);
      return;
    }

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) columns = NULL;

      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      columns = g_strsplit (lines[i], "\t", 4);
      if (g_strv_length (columns) >= 3)
        g_ptr_array_add (zones, g_strdup (columns[2]));
    }
  g_ptr_array_add (zones, g_strdup ("UTC"));
  g_ptr_array_sort (zones, chk_compare_strings);

  store = gtk_list_store_new (1, G_TYPE_STRING);
  for (guint i = 0; i < zones->len; i++)
    gtk_list_store_insert_with_values (store, NULL, -1, 0, g_ptr_array_index (zones, i), -1);

  completion = gtk_entry_completion_new ();
  gtk_entry_completion_set_model (completion, GTK_TREE_MODEL (store));
  gtk_entry_completion_set_text_column (completion, 0);
  gtk_entry_completion_set_match_func (completion, zone_match_cb, NULL, NULL);
  gtk_entry_completion_set_minimum_key_length (completion, 2);
  gtk_entry_set_completion (self->timezone_entry, completion);
  g_object_unref (store);
  g_clear_pointer (&self->zone_names, g_ptr_array_unref);
  self->zone_names = g_steal_pointer (&zones);
}


/* The errors the editor shows take the preview's place. */
static void
error_shown_cb (ChkScheduleBuilder *self,
                GParamSpec         *pspec,
                GtkLabel           *label)
{
  if (!gtk_widget_get_visible (GTK_WIDGET (label)))
    return;
  gtk_widget_set_visible (GTK_WIDGET (self->preview_description), FALSE);
  gtk_widget_set_visible (self->preview_runs, FALSE);
}

/* Typed, or generated by a preset: the schedule's text or the zone changed. */
static void
entry_changed_cb (ChkScheduleBuilder *self,
                  GtkWidget          *widget)
{
  if (self->loading)
    return;

  g_object_notify_by_pspec (G_OBJECT (self),
                            widget == GTK_WIDGET (self->timezone_entry) ? properties[PROP_TIMEZONE]
                                                                       : properties[PROP_SCHEDULE]);
  queue_preview_after (self, TYPING_DELAY_MS);
}

/* Opened before the daemon was reached, or reached again after a restart */
static void
model_state_changed_cb (ChkScheduleBuilder *self,
                        GParamSpec         *pspec,
                        ChkJobModel        *model)
{
  if (chk_job_model_get_state (model) == CHK_JOB_MODEL_READY)
    queue_preview (self);
}

/* GObject */

static void
chk_schedule_builder_dispose (GObject *object)
{
  ChkScheduleBuilder *self = CHK_SCHEDULE_BUILDER (object);

  self->disposed = TRUE;
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->preview_cancellable);
  g_clear_handle_id (&self->preview_source, g_source_remove);

  gtk_widget_dispose_template (GTK_WIDGET (self), CHK_TYPE_SCHEDULE_BUILDER);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->preview_cancellable);
  g_clear_object (&self->model);
  g_clear_pointer (&self->zone_names, g_ptr_array_unref);

  G_OBJECT_CLASS (chk_schedule_builder_parent_class)->dispose (object);
}

static void
chk_schedule_builder_finalize (GObject *object)
{
  ChkScheduleBuilder *self = CHK_SCHEDULE_BUILDER (object);

  g_free (self->problem);
  g_clear_error (&self->preview_error);

  G_OBJECT_CLASS (chk_schedule_builder_parent_class)->finalize (object);
}

static void
chk_schedule_builder_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  ChkScheduleBuilder *self = CHK_SCHEDULE_BUILDER (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      g_value_set_object (value, self->model);
      break;
    case PROP_SCHEDULE:
      g_value_set_string (value, chk_schedule_builder_get_schedule (self));
      break;
    case PROP_TIMEZONE:
      g_value_set_string (value, chk_schedule_builder_get_timezone (self));
      break;
    case PROP_PROBLEM:
      g_value_set_string (value, self->problem);
      break;
    case PROP_PREVIEW_ERROR:
      g_value_set_boxed (value, self->preview_error);
      break;
    case PROP_TIMEZONE_PENDING:
      g_value_set_boolean (value, self->timezone_pending);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_schedule_builder_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  ChkScheduleBuilder *self = CHK_SCHEDULE_BUILDER (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      chk_schedule_builder_set_model (self, g_value_get_object (value));
      break;
    case PROP_SCHEDULE:
      chk_schedule_builder_set_schedule (self, g_value_get_string (value));
      break;
    case PROP_TIMEZONE:
      chk_schedule_builder_set_timezone (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_schedule_builder_class_init (ChkScheduleBuilderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chk_schedule_builder_dispose;
  object_class->finalize = chk_schedule_builder_finalize;
  object_class->get_property = chk_schedule_builder_get_property;
  object_class->set_property = chk_schedule_builder_set_property;

  /**
   * ChkScheduleBuilder:model:
   *
   * The jobs, whose scheduler previews the schedule.
   */
  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL, CHK_TYPE_JOB_MODEL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkScheduleBuilder:schedule:
   *
   * The schedule, as the `schedule` key of a job's spec has it: a cron
   * line, an RRULE, or "" for a job run by hand only.
   */
  properties[PROP_SCHEDULE] =
    g_param_spec_string ("schedule", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkScheduleBuilder:timezone:
   *
   * The time zone of the schedule, such as "Europe/Berlin", or "" for
   * the local time.
   */
  properties[PROP_TIMEZONE] =
    g_param_spec_string ("timezone", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkScheduleBuilder:problem:
   *
   * What is wrong with the preset's controls, such as a week without a
   * day, or %NULL. No preview is asked for meanwhile.
   */
  properties[PROP_PROBLEM] =
    g_param_spec_string ("problem", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkScheduleBuilder:preview-error:
   *
   * The daemon's refusal of the schedule or the time zone last previewed,
   * or %NULL once a preview succeeds.
   */
  properties[PROP_PREVIEW_ERROR] =
    g_param_spec_boxed ("preview-error", NULL, NULL, G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkScheduleBuilder:timezone-pending:
   *
   * Whether the preview waits for a time zone's name that is being typed,
   * such as "Europe/Ber": it is checked once the field is left. Notified
   * each time the preview is put off, so that an error about the zone
   * typed before can go.
   */
  properties[PROP_TIMEZONE_PENDING] =
    g_param_spec_boolean ("timezone-pending", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/chroniker/Chroniker/chk-schedule-builder.ui");
  gtk_widget_class_bind_template_child (widget_class, ChkScheduleBuilder, preset_row);
  gtk_widget_class_bind_template_child (widget_class, ChkScheduleBuilder, minutes_row);
  gtk_widget_class_bind_template_child (widget_class, ChkScheduleBuilder, minutes_spin);
  gtk_widget_class_bind_template_child (widget_class, ChkScheduleBuilder, minutes_unit);
  gtk_widget_class_bind_template_child (widget_class, ChkScheduleBuilder, hours_row);
  gtk_widget_class_bind_template_child (widget_class, ChkScheduleBuilder, hours_spin);
  gtk_widget_class_bind_template_child (widget_class, ChkScheduleBuilder, hours_unit);
  gtk_widget_class_bind_template_child (widget_class, ChkScheduleBuilder, minute_row);
  gtk_widget_class_bind_template_child (widget_class, ChkScheduleBuilder, minute_spin);
  gtk_widget_class_bind_template_child (widget_class, ChkScheduleBuilder, days_row);
  gtk_widget_class_bind_template_child (widget_class, ChkScheduleBuilder, days_box);
  gtk_widget_class_bind_template_child (widget_class, ChkScheduleBuilder, day_of_month_row);
  gtk_widget_class_bind_template_child (widget_class, ChkScheduleBuilder, time_row);
  gtk_widget_class_bind_template_child (widget_class, ChkScheduleBuilder, hour_spin);
  gtk_widget_class_bind_template_child (widget_class, ChkScheduleBuilder, time_minute_spin);
  gtk_widget_class_bind_template_child (widget_class, ChkScheduleBuilder, schedule_row);
  gtk_widget_class_bind_template_child (widget_class, ChkScheduleBuilder, timezone_row);
  gtk_widget_class_bind_template_child (widget_class, ChkScheduleBuilder, timezone_entry);
  gtk_widget_class_bind_template_child (widget_class, ChkScheduleBuilder, preview_description);
  gtk_widget_class_bind_template_child (widget_class, ChkScheduleBuilder, preview_runs);
  gtk_widget_class_bind_template_child (widget_class, ChkScheduleBuilder, schedule_error);
  gtk_widget_class_bind_template_callback (widget_class, entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, preset_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, schedule_control_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, two_digits_output_cb);
}

static void
chk_schedule_builder_init (ChkScheduleBuilder *self)
{
  g_autoptr(GFile) zones = g_file_new_for_path (ZONE_TABLE);
  GtkStringList *days;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();

  days = gtk_string_list_new (NULL);
  for (guint day = 1; day <= 31; day++)
    {
      g_autofree char *label = g_strdup_printf ("%u", day);

      gtk_string_list_append (days, label);
    }
  gtk_string_list_append (days, _("Last Day"));
  adw_combo_row_set_model (self->day_of_month_row, G_LIST_MODEL (days));
  g_object_unref (days);

  for (guint i = 0; i < 2; i++)
    {
      GtkEventController *controller = gtk_event_controller_focus_new ();

      g_signal_connect (controller, "leave", G_CALLBACK (schedule_focus_leave_cb), self);
      gtk_widget_add_controller (i == 0 ? GTK_WIDGET (self->schedule_row)
                                        : GTK_WIDGET (self->timezone_entry),
                                 controller);
    }

  g_signal_connect_object (self->schedule_error, "notify::visible",
                           G_CALLBACK (error_shown_cb), self, G_CONNECT_SWAPPED);
  g_file_load_contents_async (zones, self->cancellable, zones_loaded_cb, self);
}

/**
 * chk_schedule_builder_get_model:
 * @self: a #ChkScheduleBuilder
 *
 * Returns: (transfer none) (nullable): the jobs, whose scheduler previews
 */
ChkJobModel *
chk_schedule_builder_get_model (ChkScheduleBuilder *self)
{
  g_return_val_if_fail (CHK_IS_SCHEDULE_BUILDER (self), NULL);

  return self->model;
}

/**
 * chk_schedule_builder_set_model:
 * @self: a #ChkScheduleBuilder
 * @model: (nullable): the jobs, whose scheduler previews
 *
 * Previews with @model's scheduler, now and whenever it is reached again.
 */
void
chk_schedule_builder_set_model (ChkScheduleBuilder *self,
                                ChkJobModel        *model)
{
  g_return_if_fail (CHK_IS_SCHEDULE_BUILDER (self));
  g_return_if_fail (model == NULL || CHK_IS_JOB_MODEL (model));

  if (self->model == model)
    return;

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_set_object (&self->model, model);
  if (model != NULL)
    g_signal_connect_swapped (model, "notify::state", G_CALLBACK (model_state_changed_cb), self);
  queue_preview (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
}

/**
 * chk_schedule_builder_get_schedule:
 * @self: a #ChkScheduleBuilder
 *
 * Returns: the schedule shown: a cron line, an RRULE, or "" for none
 */
const char *
chk_schedule_builder_get_schedule (ChkScheduleBuilder *self)
{
  g_return_val_if_fail (CHK_IS_SCHEDULE_BUILDER (self), NULL);

  return chk_editable_text (self->schedule_row);
}

/**
 * chk_schedule_builder_set_schedule:
 * @self: a #ChkScheduleBuilder
 * @schedule: (nullable): a cron line, an RRULE, or "" (or %NULL) for none
 *
 * Shows @schedule with the preset it is, if it is one, or as Custom.
 */
void
chk_schedule_builder_set_schedule (ChkScheduleBuilder *self,
                                   const char         *schedule)
{
  gboolean changed;
  Preset preset;

  g_return_if_fail (CHK_IS_SCHEDULE_BUILDER (self));

  if (schedule == NULL)
    schedule = "";
  changed = !g_str_equal (schedule, chk_editable_text (self->schedule_row));

  self->loading = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->schedule_row), schedule);
  preset = detect_preset (self, schedule);
  adw_combo_row_set_selected (self->preset_row, preset);
  self->loading = FALSE;

  update_preset_rows (self);
  queue_preview (self);
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCHEDULE]);
}

/**
 * chk_schedule_builder_get_timezone:
 * @self: a #ChkScheduleBuilder
 *
 * Returns: the time zone typed, or "" for the local time
 */
const char *
chk_schedule_builder_get_timezone (ChkScheduleBuilder *self)
{
  g_return_val_if_fail (CHK_IS_SCHEDULE_BUILDER (self), NULL);

  return chk_editable_text (self->timezone_entry);
}

/**
 * chk_schedule_builder_set_timezone:
 * @self: a #ChkScheduleBuilder
 * @timezone: (nullable): a time zone such as "Europe/Berlin", or "" (or
 *   %NULL) for the local time
 */
void
chk_schedule_builder_set_timezone (ChkScheduleBuilder *self,
                                   const char         *timezone)
{
  g_return_if_fail (CHK_IS_SCHEDULE_BUILDER (self));

  if (timezone == NULL)
    timezone = "";
  if (g_str_equal (timezone, chk_editable_text (self->timezone_entry)))
    return;

  self->loading = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->timezone_entry), timezone);
  self->loading = FALSE;

  queue_preview (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEZONE]);
}

/**
 * chk_schedule_builder_get_problem:
 * @self: a #ChkScheduleBuilder
 *
 * Returns: (nullable): what is wrong with the preset's controls, or %NULL
 */
const char *
chk_schedule_builder_get_problem (ChkScheduleBuilder *self)
{
  g_return_val_if_fail (CHK_IS_SCHEDULE_BUILDER (self), NULL);

  return self->problem;
}

/**
 * chk_schedule_builder_get_preview_error:
 * @self: a #ChkScheduleBuilder
 *
 * Returns: (nullable): why the daemon refused the schedule last previewed
 */
const GError *
chk_schedule_builder_get_preview_error (ChkScheduleBuilder *self)
{
  g_return_val_if_fail (CHK_IS_SCHEDULE_BUILDER (self), NULL);

  return self->preview_error;
}

/**
 * chk_schedule_builder_get_timezone_pending:
 * @self: a #ChkScheduleBuilder
 *
 * Returns: whether the preview waits for a time zone being typed
 */
gboolean
chk_schedule_builder_get_timezone_pending (ChkScheduleBuilder *self)
{
  g_return_val_if_fail (CHK_IS_SCHEDULE_BUILDER (self), FALSE);

  return self->timezone_pending;
}

/**
 * chk_schedule_builder_propose:
 * @self: a #ChkScheduleBuilder
 * @schedule: a cron line or an RRULE
 *
 * Sets @schedule as chk_schedule_builder_set_schedule() does, unless
 * there is a schedule already or the user chose a Repeat.
 *
 * Returns: whether @schedule was set
 */
gboolean
chk_schedule_builder_propose (ChkScheduleBuilder *self,
                              const char         *schedule)
{
  g_return_val_if_fail (CHK_IS_SCHEDULE_BUILDER (self), FALSE);
  g_return_val_if_fail (schedule != NULL, FALSE);

  if (self->chosen || adw_combo_row_get_selected (self->preset_row) != PRESET_MANUAL)
    return FALSE;
  chk_schedule_builder_set_schedule (self, schedule);
  return TRUE;
}

/**
 * chk_schedule_builder_snapshot:
 * @self: a #ChkScheduleBuilder
 *
 * What the controls hold, the preset included, for telling whether the
 * user changed anything.
 *
 * Returns: (transfer floating): a `(uss)` of the preset, the schedule and the time zone
 */
GVariant *
chk_schedule_builder_snapshot (ChkScheduleBuilder *self)
{
  g_return_val_if_fail (CHK_IS_SCHEDULE_BUILDER (self), NULL);

  /* The preset's controls all end up in the schedule's text. */
  return g_variant_new ("(uss)", adw_combo_row_get_selected (self->preset_row),
                        chk_editable_text (self->schedule_row), chk_editable_text (self->timezone_entry));
}

GtkLabel *
_chk_schedule_builder_get_error_label (ChkScheduleBuilder *self)
{
  g_return_val_if_fail (CHK_IS_SCHEDULE_BUILDER (self), NULL);

  return self->schedule_error;
}

GtkWidget *
_chk_schedule_builder_get_schedule_entry (ChkScheduleBuilder *self)
{
  g_return_val_if_fail (CHK_IS_SCHEDULE_BUILDER (self), NULL);

  return GTK_WIDGET (self->schedule_row);
}

GtkWidget *
_chk_schedule_builder_get_timezone_entry (ChkScheduleBuilder *self)
{
  g_return_val_if_fail (CHK_IS_SCHEDULE_BUILDER (self), NULL);

  return GTK_WIDGET (self->timezone_entry);
}

/* Where a problem with the schedule is put right: its text for Custom, else the preset */
GtkWidget *
_chk_schedule_builder_get_schedule_focus (ChkScheduleBuilder *self)
{
  g_return_val_if_fail (CHK_IS_SCHEDULE_BUILDER (self), NULL);

  if (adw_combo_row_get_selected (self->preset_row) != PRESET_CUSTOM)
    return GTK_WIDGET (self->preset_row);
  return GTK_WIDGET (self->schedule_row);
}

/* Makes the schedule's text the preset's again, as its controls are now. */
void
_chk_schedule_builder_regenerate (ChkScheduleBuilder *self)
{
  g_return_if_fail (CHK_IS_SCHEDULE_BUILDER (self));

  regenerate_schedule (self);
}
