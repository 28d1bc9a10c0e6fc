/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-notifier"

#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "chk-notifier.h"
#include "chk-test-util.h"

/*
 * A real notification server: notification-daemon, on an X server of the
 * test's own (Xvfb, never the developer's display) and the test's private
 * session bus (GTestDBus), one server per test. The test sees what the
 * notifier sends through a monitor connection (BecomeMonitor), and presses
 * the bubbles' buttons for real with xdotool, after finding them in a
 * screenshot. The app that "Show Log" activates is a real GApplication with
 * the app's id, owned by the test.
 */

#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH "/org/freedesktop/Notifications"
#define WAIT_SECONDS       20.0
#define JOB_STARTED        (G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC)

static GTestDBus *test_bus;
static GDBusConnection *bus;
static GSubprocess *xvfb;
static char *display;
/* Why the tests that need a server skip, or NULL. */
static char *no_server_reason;

typedef struct
{
  GSubprocess     *server;
  GDBusConnection *monitor;
  GAsyncQueue     *incoming;
  /* Monitored messages in arrival order. */
  GPtrArray       *messages;
  ChkNotifier     *notifier;
  GArray          *run_again;
} Fixture;

/* ---- helpers ------------------------------------------------------------- */

static const char *
program (const char *variable,
         const char *fallback)
{
  const char *path = g_getenv (variable);
  static GHashTable *found = NULL;
  char *in_path;

  if (path != NULL && path[0] != '\0')
    return path;
  if (found == NULL)
    found = g_hash_table_new (g_str_hash, g_str_equal);
  in_path = g_hash_table_lookup (found, fallback);
  if (in_path == NULL)
    {
      in_path = g_find_program_in_path (fallback);
      if (in_path == NULL)
        return NULL;
      g_hash_table_insert (found, (char *) fallback, in_path);
    }
  return in_path;
}

/* Starts Xvfb on a display number it picks itself (-displayfd). */
static gboolean
start_xvfb (GError **error)
{
  const char *path = program ("CHK_TEST_XVFB", "Xvfb");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  GString *number = g_string_new (NULL);
  int fds[2];
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  if (path == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "Xvfb is not installed");
      return FALSE;
    }
  if (!g_unix_open_pipe (fds, FD_CLOEXEC, error))
    return FALSE;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_take_fd (launcher, fds[1], 3);
  g_subprocess_launcher_set_child_setup (launcher, chk_test_child_setup, NULL, NULL);
  xvfb = g_subprocess_launcher_spawn (launcher, error, path, "-displayfd", "3",
                                      "-nolisten", "tcp", "-noreset",
                                      "-screen", "0", "1280x1024x24", NULL);
  /* Closes the write end here, so that a dead Xvfb reads as end of file. */
  g_clear_object (&launcher);
  if (xvfb == NULL)
    {
      close (fds[0]);
      return FALSE;
    }

  while (g_get_monotonic_time () < deadline)
    {
      struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
      char c;

      if (poll (&pfd, 1, 100) <= 0)
        continue;
      if (read (fds[0], &c, 1) != 1 || c == '\n')
        break;
      g_string_append_c (number, c);
    }
  close (fds[0]);

  if (number->len == 0)
    {
      g_string_free (number, TRUE);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Xvfb did not start");
      return FALSE;
    }
  display = g_strdup_printf (":%s", number->str);
  g_string_free (number, TRUE);
  return TRUE;
}

/* The pid of the owner of @name, or 0 when it has none. */
static guint32
name_owner_pid (const char *name)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint32 pid = 0;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "GetConnectionUnixProcessID", g_variant_new ("(s)", name),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE,
                                       5000, NULL, &error);
  if (reply == NULL)
    return 0;
  g_variant_get (reply, "(u)", &pid);
  return pid;
}

static gboolean
server_owns_name_cb (gpointer user_data)
{
  Fixture *fixture = user_data;
  const char *id = g_subprocess_get_identifier (fixture->server);

  if (id == NULL)
    g_error ("notification-daemon exited before it took its name");
  return name_owner_pid (NOTIFICATIONS_NAME) == (guint32) g_ascii_strtoull (id, NULL, 10);
}

static gboolean
name_gone_cb (gpointer user_data)
{
  return name_owner_pid (NOTIFICATIONS_NAME) == 0;
}

static void
start_server (Fixture *fixture)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, chk_test_child_setup, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, "DISPLAY", display, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "WAYLAND_DISPLAY");
  g_subprocess_launcher_setenv (launcher, "GDK_BACKEND", "x11", TRUE);
  /* The private bus has no accessibility bus and no dconf. */
  g_subprocess_launcher_setenv (launcher, "NO_AT_BRIDGE", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "memory", TRUE);
  /* Dark text on a light bubble: the screenshot analysis counts on it. */
  g_subprocess_launcher_setenv (launcher, "GTK_THEME", "Adwaita", TRUE);
  fixture->server = g_subprocess_launcher_spawn (launcher, &error,
                                                 program ("CHK_TEST_NOTIFICATION_DAEMON",
                                                          "notification-daemon"),
                                                 NULL);
  g_assert_no_error (error);
  if (!chk_test_wait_until (server_owns_name_cb, fixture, WAIT_SECONDS))
    g_error ("notification-daemon did not take %s", NOTIFICATIONS_NAME);
}

static void
stop_server (Fixture *fixture)
{
  if (fixture->server == NULL)
    return;
  g_subprocess_send_signal (fixture->server, SIGTERM);
  g_subprocess_wait (fixture->server, NULL, NULL);
  g_clear_object (&fixture->server);
  if (!chk_test_wait_until (name_gone_cb, NULL, WAIT_SECONDS))
    g_error ("%s still has an owner", NOTIFICATIONS_NAME);
}

/* ---- the monitor ----------------------------------------------------------- */

/* In GDBus's worker thread: everything monitored goes to the queue, and never
 * to GDBus, which would answer the method calls and so get the monitor
 * disconnected. */
static GDBusMessage *
monitor_filter_cb (GDBusConnection *connection,
                   GDBusMessage    *message,
                   gboolean         incoming,
                   gpointer         user_data)
{
  GAsyncQueue *queue = user_data;

  if (!incoming ||
      g_strcmp0 (g_dbus_message_get_destination (message),
                 g_dbus_connection_get_unique_name (connection)) == 0)
    return message;

  g_async_queue_push (queue, message);
  g_main_context_wakeup (NULL);
  return NULL;
}

static void
start_monitor (Fixture *fixture)
{
  const char *rules[] = {
    "type='method_call',interface='org.freedesktop.Notifications'",
    "type='signal',interface='org.freedesktop.Notifications'",
    "type='method_return'",
    "type='error'",
    NULL
  };
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  fixture->monitor = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (test_bus),
                                                             G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                             G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                             NULL, NULL, &error);
  g_assert_no_error (error);
  /* Added after Hello, whose reply would otherwise look like someone else's. */
  g_dbus_connection_add_filter (fixture->monitor, monitor_filter_cb,
                                g_async_queue_ref (fixture->incoming),
                                (GDestroyNotify) g_async_queue_unref);
  reply = g_dbus_connection_call_sync (fixture->monitor, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus.Monitoring",
                                       "BecomeMonitor", g_variant_new ("(^asu)", rules, 0),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);
}

static void
drain (Fixture *fixture)
{
  GDBusMessage *message;

  while ((message = g_async_queue_try_pop (fixture->incoming)) != NULL)
    g_ptr_array_add (fixture->messages, message);
}

static gboolean
is_call (GDBusMessage *message,
         const char   *member)
{
  return g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_CALL &&
         g_strcmp0 (g_dbus_message_get_interface (message), NOTIFICATIONS_NAME) == 0 &&
         g_strcmp0 (g_dbus_message_get_member (message), member) == 0;
}

/* The monitored calls of @member, oldest first. */
static GPtrArray *
calls (Fixture    *fixture,
       const char *member)
{
  GPtrArray *found = g_ptr_array_new ();

  drain (fixture);
  for (guint i = 0; i < fixture->messages->len; i++)
    if (is_call (g_ptr_array_index (fixture->messages, i), member))
      g_ptr_array_add (found, g_ptr_array_index (fixture->messages, i));
  return found;
}

static guint
n_notify (Fixture *fixture)
{
  g_autoptr(GPtrArray) found = calls (fixture, "Notify");

  return found->len;
}

typedef struct
{
  Fixture *fixture;
  guint    count;
} CountWait;

static gboolean
notify_count_reached_cb (gpointer user_data)
{
  CountWait *wait = user_data;

  return n_notify (wait->fixture) >= wait->count;
}

/* Waits for the @count-th Notify call and returns it. */
static GDBusMessage *
wait_for_notify (Fixture *fixture,
                 guint    count)
{
  CountWait wait = { fixture, count };
  g_autoptr(GPtrArray) found = NULL;

  if (!chk_test_wait_until (notify_count_reached_cb, &wait, WAIT_SECONDS))
    g_error ("Notify #%u did not come", count);
  found = calls (fixture, "Notify");
  return g_ptr_array_index (found, count - 1);
}

/* Notify's (app_name, replaces_id, app_icon, summary, body, actions, hints, timeout) */
typedef struct
{
  const char  *app_name;
  guint32      replaces_id;
  const char  *summary;
  const char  *body;
  const char **actions;
  GVariant    *hints;
} NotifyArgs;

static void
notify_args_clear (NotifyArgs *args)
{
  g_free (args->actions);
  g_clear_pointer (&args->hints, g_variant_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (NotifyArgs, notify_args_clear)

static void
notify_args (GDBusMessage *call,
             NotifyArgs   *args)
{
  const char *app_icon;
  gint32 timeout;

  g_assert_true (g_variant_is_of_type (g_dbus_message_get_body (call),
                                       G_VARIANT_TYPE ("(susssasa{sv}i)")));
  g_variant_get (g_dbus_message_get_body (call), "(&su&s&s&s^a&s@a{sv}i)",
                 &args->app_name, &args->replaces_id, &app_icon, &args->summary,
                 &args->body, &args->actions, &args->hints, &timeout);
}

/* The label of @action in a Notify call, or NULL. */
static const char *
action_label (NotifyArgs *args,
              const char *action)
{
  for (guint i = 0; args->actions[i] != NULL && args->actions[i + 1] != NULL; i += 2)
    if (g_str_equal (args->actions[i], action))
      return args->actions[i + 1];
  return NULL;
}

typedef struct
{
  Fixture      *fixture;
  GDBusMessage *call;
  guint32       id;
} ReplyWait;

static gboolean
reply_seen_cb (gpointer user_data)
{
  ReplyWait *wait = user_data;

  drain (wait->fixture);
  for (guint i = 0; i < wait->fixture->messages->len; i++)
    {
      GDBusMessage *message = g_ptr_array_index (wait->fixture->messages, i);

      if (g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_RETURN &&
          g_dbus_message_get_reply_serial (message) == g_dbus_message_get_serial (wait->call) &&
          g_strcmp0 (g_dbus_message_get_destination (message),
                     g_dbus_message_get_sender (wait->call)) == 0)
        {
          g_variant_get (g_dbus_message_get_body (message), "(u)", &wait->id);
          return TRUE;
        }
    }
  return FALSE;
}

/* The notification id the server returned for a Notify call. */
static guint32
notify_reply_id (Fixture      *fixture,
                 GDBusMessage *call)
{
  ReplyWait wait = { fixture, call, 0 };

  if (!chk_test_wait_until (reply_seen_cb, &wait, WAIT_SECONDS))
    g_error ("The server did not answer Notify");
  return wait.id;
}

/* ---- fixture ----------------------------------------------------------------- */

static void
run_again_cb (ChkNotifier *notifier,
              guint64      job_id,
              gpointer     user_data)
{
  Fixture *fixture = user_data;

  g_array_append_val (fixture->run_again, job_id);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  user_data)
{
  gboolean with_server = user_data == NULL;

  fixture->incoming = g_async_queue_new_full (g_object_unref);
  fixture->messages = g_ptr_array_new_with_free_func (g_object_unref);
  fixture->run_again = g_array_new (FALSE, FALSE, sizeof (guint64));

  if (with_server && no_server_reason != NULL)
    {
      g_test_skip (no_server_reason);
      return;
    }
  if (with_server)
    start_server (fixture);
  start_monitor (fixture);

  fixture->notifier = chk_notifier_new ("Chroniker Test");
  g_signal_connect (fixture->notifier, "run-again", G_CALLBACK (run_again_cb), fixture);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_clear_object (&fixture->notifier);
  stop_server (fixture);
  if (fixture->monitor != NULL)
    {
      g_dbus_connection_close_sync (fixture->monitor, NULL, NULL);
      g_clear_object (&fixture->monitor);
    }
  g_clear_pointer (&fixture->messages, g_ptr_array_unref);
  g_clear_pointer (&fixture->incoming, g_async_queue_unref);
  g_clear_pointer (&fixture->run_again, g_array_unref);
}

static gboolean
skipped (Fixture *fixture)
{
  return fixture->notifier == NULL;
}

static ChkNotifyRun
failed_run (guint64     job_id,
            const char *job_name,
            guint64     run_id,
            GBytes     *stderr_tail)
{
  ChkNotifyRun run = {
    .kind = CHK_NOTIFY_FAILED,
    .job_id = job_id,
    .job_name = job_name,
    .run_id = run_id,
    .outcome = "failure",
    .exit_code = 3,
    .signal = 0,
    .started = JOB_STARTED,
    .finished = JOB_STARTED + 2 * G_USEC_PER_SEC,
    .timeout = 0,
    .stderr_tail = stderr_tail,
  };

  return run;
}

static void
assert_no_notify_for (Fixture *fixture,
                      guint    count,
                      double   seconds)
{
  chk_test_iterate (seconds);
  g_assert_cmpuint (n_notify (fixture), ==, count);
}

/* ---- clicking ------------------------------------------------------------------ */

static gboolean
have_click_tools (void)
{
  if (program ("CHK_TEST_XDOTOOL", "xdotool") == NULL)
    {
      g_test_skip ("xdotool is not installed");
      return FALSE;
    }
  if (program ("CHK_TEST_IMPORT", "import") == NULL)
    {
      g_test_skip ("ImageMagick's import is not installed");
      return FALSE;
    }
  return TRUE;
}

/* Runs a tool on the test's display; returns its stdout. */
static GBytes *
run_tool (const char * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_setenv (launcher, "DISPLAY", display, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&out);
}

typedef struct
{
  Fixture *fixture;
  char    *window;
  int      x;
  int      y;
  int      width;
  int      height;
} Bubble;

static void
bubble_clear (Bubble *bubble)
{
  g_clear_pointer (&bubble->window, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Bubble, bubble_clear)

/* Finds the server's one visible bubble window (400 px wide). */
static gboolean
bubble_visible_cb (gpointer user_data)
{
  Bubble *bubble = user_data;
  g_autofree char *pid = g_strdup (g_subprocess_get_identifier (bubble->fixture->server));
  const char *search[] = { program ("CHK_TEST_XDOTOOL", "xdotool"), "search", "--onlyvisible",
                           "--pid", pid, NULL };
  g_autoptr(GBytes) out = run_tool (search);
  g_autofree char *text = g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
  g_auto(GStrv) windows = g_strsplit (g_strstrip (text), "\n", -1);

  for (guint i = 0; windows[i] != NULL; i++)
    {
      const char *geometry[] = { program ("CHK_TEST_XDOTOOL", "xdotool"), "getwindowgeometry",
                                 "--shell", windows[i], NULL };
      g_autoptr(GBytes) geometry_out = NULL;
      g_autofree char *geometry_text = NULL;
      g_auto(GStrv) lines = NULL;

      if (windows[i][0] == '\0')
        continue;
      geometry_out = run_tool (geometry);
      geometry_text = g_strndup (g_bytes_get_data (geometry_out, NULL),
                                 g_bytes_get_size (geometry_out));
      lines = g_strsplit (geometry_text, "\n", -1);
      for (guint j = 0; lines[j] != NULL; j++)
        {
          if (g_str_has_prefix (lines[j], "X="))
            bubble->x = atoi (lines[j] + 2);
          else if (g_str_has_prefix (lines[j], "Y="))
            bubble->y = atoi (lines[j] + 2);
          else if (g_str_has_prefix (lines[j], "WIDTH="))
            bubble->width = atoi (lines[j] + 6);
          else if (g_str_has_prefix (lines[j], "HEIGHT="))
            bubble->height = atoi (lines[j] + 7);
        }
      if (bubble->width >= 200 && bubble->height >= 40)
        {
          g_free (bubble->window);
          bubble->window = g_strdup (windows[i]);
          return TRUE;
        }
    }
  return FALSE;
}

static void
find_bubble (Fixture *fixture,
             Bubble  *bubble)
{
  bubble->fixture = fixture;
  if (!chk_test_wait_until (bubble_visible_cb, bubble, WAIT_SECONDS))
    g_error ("No notification bubble showed");
}

typedef struct
{
  int           width;
  int           height;
  int           bytes_per_sample;
  const guint8 *data;
  GBytes       *bytes;
} Image;

static void
image_clear (Image *image)
{
  g_clear_pointer (&image->bytes, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Image, image_clear)

/* A binary PPM (P6) of the bubble window. */
static void
screenshot (Bubble *bubble,
            Image  *image)
{
  const char *argv[] = { program ("CHK_TEST_IMPORT", "import"), "-window", bubble->window,
                         "-depth", "8", "ppm:-", NULL };
  const guint8 *p;
  const guint8 *end;
  guint fields[3];
  guint max_value;

  image->bytes = run_tool (argv);
  p = g_bytes_get_data (image->bytes, NULL);
  end = p + g_bytes_get_size (image->bytes);
  g_assert_true (end - p > 2 && p[0] == 'P' && p[1] == '6');
  p += 2;
  for (guint i = 0; i < 3; i++)
    {
      while (p < end && g_ascii_isspace (*p))
        p++;
      fields[i] = 0;
      while (p < end && g_ascii_isdigit (*p))
        fields[i] = fields[i] * 10 + (guint) (*p++ - '0');
    }
  p++; /* the one whitespace before the samples */
  image->width = (int) fields[0];
  image->height = (int) fields[1];
  max_value = fields[2];
  image->bytes_per_sample = max_value > 255 ? 2 : 1;
  image->data = p;
  g_assert_cmpint (end - p, >=, (gssize) image->width * image->height * 3 * image->bytes_per_sample);
}

/* Text: dark on the light bubble (the first byte of a 16-bit sample is its high one). */
static gboolean
is_dark (Image *image,
         int    x,
         int    y)
{
  const guint8 *pixel = image->data + ((gsize) y * image->width + x) * 3 * image->bytes_per_sample;
  guint sum = pixel[0] + pixel[image->bytes_per_sample] + pixel[2 * image->bytes_per_sample];

  return sum < 3 * 110;
}

/* The leftmost and rightmost text pixels of a row, away from the rounded border. */
static gboolean
row_text (Image *image,
          int    y,
          int   *left,
          int   *right)
{
  gboolean found = FALSE;

  for (int x = 16; x < image->width - 16; x++)
    if (is_dark (image, x, y))
      {
        if (!found)
          *left = x;
        *right = x;
        found = TRUE;
      }
  return found;
}

/* The buttons are the bubble's last line of text, right aligned, in the order
 * of the actions array; finds the first or the last. */
static gboolean
find_button (Bubble   *bubble,
             gboolean  last,
             int      *x,
             int      *y)
{
  g_auto(Image) image = { 0 };
  int bottom = -1;
  int top;
  int left = G_MAXINT;
  int right = -1;

  screenshot (bubble, &image);
  for (int row = image.height - 7; row >= 16 && bottom < 0; row--)
    {
      int l, r;

      if (row_text (&image, row, &l, &r))
        bottom = row;
    }
  if (bottom < 0)
    return FALSE;

  for (top = bottom; top > 16; top--)
    {
      int l, r;

      if (!row_text (&image, top - 1, &l, &r))
        break;
    }
  for (int row = top; row <= bottom; row++)
    {
      int l, r;

      if (row_text (&image, row, &l, &r))
        {
          left = MIN (left, l);
          right = MAX (right, r);
        }
    }

  *x = last ? right - 4 : left + 4;
  *y = (top + bottom) / 2;
  return TRUE;
}

static void
click (Bubble *bubble,
       int     x,
       int     y)
{
  g_autofree char *abs_x = g_strdup_printf ("%d", bubble->x + x);
  g_autofree char *abs_y = g_strdup_printf ("%d", bubble->y + y);
  const char *argv[] = { program ("CHK_TEST_XDOTOOL", "xdotool"), "mousemove", "--sync",
                         abs_x, abs_y, "click", "1", NULL };

  g_bytes_unref (run_tool (argv));
}

/* ---- tests ------------------------------------------------------------------------ */

static GBytes *
bytes_from_string (const char *text)
{
  return g_bytes_new (text, strlen (text));
}

static void
test_failure (Fixture       *fixture,
              gconstpointer  user_data)
{
  g_autoptr(GBytes) err = bytes_from_string ("first line\nsecond line\n\n  third line  \nfourth line\n");
  ChkNotifyRun run = failed_run (1, "Backup", 11, err);
  g_auto(NotifyArgs) args = { 0 };
  guint8 urgency = 0;
  const char *desktop_entry = NULL;
  const char *category = NULL;
  gint64 before;

  if (skipped (fixture))
    return;

  before = g_get_monotonic_time ();
  chk_notifier_notify_run (fixture->notifier, &run);
  /* It hands the work to its thread; the caller's loop never waits for the bus. */
  g_assert_cmpint (g_get_monotonic_time () - before, <, G_USEC_PER_SEC / 2);

  notify_args (wait_for_notify (fixture, 1), &args);
  g_assert_cmpstr (args.app_name, ==, "Chroniker Test");
  g_assert_cmpuint (args.replaces_id, ==, 0);
  g_assert_cmpstr (args.summary, ==, "Backup failed");
  g_assert_cmpstr (args.body, ==,
                   "Exited with status 3 after 2 s\nsecond line\nthird line\nfourth line");
  g_assert_cmpstr (action_label (&args, "show-log"), ==, "Show Log");
  g_assert_cmpstr (action_label (&args, "run-again"), ==, "Run Again");
  g_assert_cmpstr (action_label (&args, "default"), ==, "Show Log");
  g_assert_cmpuint (g_strv_length ((char **) args.actions), ==, 6);

  g_assert_true (g_variant_lookup (args.hints, "urgency", "y", &urgency));
  g_assert_cmpuint (urgency, ==, 1);
  g_assert_true (g_variant_lookup (args.hints, "desktop-entry", "&s", &desktop_entry));
  g_assert_cmpstr (desktop_entry, ==, APPLICATION_ID);
  g_assert_true (g_variant_lookup (args.hints, "category", "&s", &category));
  g_assert_cmpstr (category, ==, "x-chroniker.run.failed");
}

static void
test_kinds (Fixture       *fixture,
            gconstpointer  user_data)
{
  g_autoptr(GBytes) spawn_error =
    bytes_from_string ("Failed to execute child process “nope” (No such file or directory)");
  struct
  {
    ChkNotifyKind  kind;
    const char    *outcome;
    int            exit_code;
    int            signal;
    guint          timeout;
    GBytes        *stderr_tail;
    const char    *summary;
    const char    *body;
    guint8         urgency;
  } cases[] = {
    { CHK_NOTIFY_FAILED, "timeout", -1, 0, 300, NULL,
      "Job 0 timed out", "Timed out after 5 min", 1 },
    { CHK_NOTIFY_FAILED, "timeout", -1, 0, 0, NULL,
      "Job 1 timed out", "Timed out after 2 s", 1 },
    { CHK_NOTIFY_FAILED, "failed-to-start", -1, 0, 0, spawn_error,
      "Job 2 could not start",
      "Failed to execute child process “nope” (No such file or directory)", 1 },
    { CHK_NOTIFY_FAILED, "failed-to-start", -1, 0, 0, NULL,
      "Job 3 could not start", "The command could not be started", 1 },
    { CHK_NOTIFY_FAILED, "failure", -1, 9, 0, NULL,
      "Job 4 failed", "Killed by signal 9 after 2 s", 1 },
    { CHK_NOTIFY_FAILED, "interrupted", -1, 0, 0, NULL,
      "Job 5 failed", "Interrupted: the scheduler stopped during the run", 1 },
    { CHK_NOTIFY_SUCCEEDED, "success", 0, 0, 0, NULL,
      "Job 6 succeeded", "Finished in 2 s", 0 },
    { CHK_NOTIFY_RECOVERED, "success", 0, 0, 0, NULL,
      "Job 7 recovered", "Finished in 2 s", 0 },
  };

  if (skipped (fixture))
    return;

  /* No window: every one shows, even two of one job. */
  chk_notifier_set_rate_limit (fixture->notifier, 0);
  g_assert_cmpuint (chk_notifier_get_rate_limit (fixture->notifier), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("Job %u", i);
      ChkNotifyRun run = failed_run (100 + i, name, 200 + i, cases[i].stderr_tail);
      g_auto(NotifyArgs) args = { 0 };
      guint8 urgency = 99;

      run.kind = cases[i].kind;
      run.outcome = cases[i].outcome;
      run.exit_code = cases[i].exit_code;
      run.signal = cases[i].signal;
      run.timeout = cases[i].timeout;
      chk_notifier_notify_run (fixture->notifier, &run);

      notify_args (wait_for_notify (fixture, i + 1), &args);
      g_assert_cmpstr (args.summary, ==, cases[i].summary);
      g_assert_cmpstr (args.body, ==, cases[i].body);
      g_assert_true (g_variant_lookup (args.hints, "urgency", "y", &urgency));
      g_assert_cmpuint (urgency, ==, cases[i].urgency);
    }

  {
    ChkNotifyRun run = failed_run (100, "Job 0", 300, NULL);

    chk_notifier_notify_run (fixture->notifier, &run);
    chk_notifier_notify_run (fixture->notifier, &run);
    wait_for_notify (fixture, G_N_ELEMENTS (cases) + 2);
  }
}

static void
test_rate_limit (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_autoptr(GBytes) latest_err = bytes_from_string ("disk full\n");
  g_auto(NotifyArgs) first = { 0 };
  g_auto(NotifyArgs) summary = { 0 };
  g_auto(NotifyArgs) after = { 0 };
  GDBusMessage *first_call;
  guint32 first_id;

  if (skipped (fixture))
    return;

  chk_notifier_set_rate_limit (fixture->notifier, 2000);

  for (guint i = 0; i < 4; i++)
    {
      ChkNotifyRun run = failed_run (2, "Backup", 21 + i, i == 3 ? latest_err : NULL);

      run.exit_code = 10 + (int) i;
      chk_notifier_notify_run (fixture->notifier, &run);
    }

  first_call = wait_for_notify (fixture, 1);
  notify_args (first_call, &first);
  g_assert_cmpstr (first.summary, ==, "Backup failed");
  g_assert_cmpstr (first.body, ==, "Exited with status 10 after 2 s");
  first_id = notify_reply_id (fixture, first_call);

  /* Within the window the other three are only counted. */
  assert_no_notify_for (fixture, 1, 1.0);

  notify_args (wait_for_notify (fixture, 2), &summary);
  g_assert_cmpstr (summary.summary, ==, "Backup failed 3 more times");
  g_assert_cmpstr (summary.body, ==, "Exited with status 13 after 2 s\ndisk full");
  /* The job's bubble is replaced, not stacked. */
  g_assert_cmpuint (summary.replaces_id, ==, first_id);
  g_assert_cmpstr (action_label (&summary, "run-again"), ==, "Run Again");

  /* The summary opened a new window, which held nothing: it closes quietly. */
  assert_no_notify_for (fixture, 2, 2.6);

  /* After it, the next failure shows at once. */
  {
    ChkNotifyRun run = failed_run (2, "Backup", 30, NULL);

    chk_notifier_notify_run (fixture->notifier, &run);
    notify_args (wait_for_notify (fixture, 3), &after);
    g_assert_cmpstr (after.summary, ==, "Backup failed");
  }

  /* One "more time" is singular; other jobs have windows of their own. */
  {
    ChkNotifyRun run = failed_run (3, "Other", 40, NULL);
    g_auto(NotifyArgs) other = { 0 };
    g_auto(NotifyArgs) one_more = { 0 };

    chk_notifier_notify_run (fixture->notifier, &run);
    notify_args (wait_for_notify (fixture, 4), &other);
    g_assert_cmpstr (other.summary, ==, "Other failed");
    run.run_id = 41;
    chk_notifier_notify_run (fixture->notifier, &run);
    notify_args (wait_for_notify (fixture, 5), &one_more);
    /* Job 2's window, opened by run 30, held nothing and closes quietly. */
    g_assert_cmpstr (one_more.summary, ==, "Other failed 1 more time");
  }
}

static void
test_recovered (Fixture       *fixture,
                gconstpointer  user_data)
{
  ChkNotifyRun failure = failed_run (4, "Sync", 41, NULL);
  ChkNotifyRun recovered = failed_run (4, "Sync", 43, NULL);
  g_auto(NotifyArgs) first = { 0 };
  g_auto(NotifyArgs) second = { 0 };
  g_auto(NotifyArgs) summary = { 0 };
  GDBusMessage *first_call;
  guint8 urgency = 99;
  const char *category = NULL;

  if (skipped (fixture))
    return;

  chk_notifier_set_rate_limit (fixture->notifier, 2500);
  recovered.kind = CHK_NOTIFY_RECOVERED;
  recovered.outcome = "success";
  recovered.exit_code = 0;

  chk_notifier_notify_run (fixture->notifier, &failure);
  failure.run_id = 42;
  chk_notifier_notify_run (fixture->notifier, &failure);
  chk_notifier_notify_run (fixture->notifier, &recovered);

  first_call = wait_for_notify (fixture, 1);
  notify_args (first_call, &first);
  g_assert_cmpstr (first.summary, ==, "Sync failed");

  /* Shown at once, within the window, with the count it takes over. */
  notify_args (wait_for_notify (fixture, 2), &second);
  g_assert_cmpstr (second.summary, ==, "Sync recovered");
  g_assert_cmpstr (second.body, ==, "Finished in 2 s\nAfter 1 more failure");
  g_assert_cmpuint (second.replaces_id, ==, notify_reply_id (fixture, first_call));
  g_assert_true (g_variant_lookup (second.hints, "urgency", "y", &urgency));
  g_assert_cmpuint (urgency, ==, 0);
  g_assert_true (g_variant_lookup (second.hints, "category", "&s", &category));
  g_assert_cmpstr (category, ==, "x-chroniker.run.recovered");

  /* The window stays open: a flapping job's next failure is counted... */
  failure.run_id = 44;
  chk_notifier_notify_run (fixture->notifier, &failure);
  assert_no_notify_for (fixture, 2, 0.5);

  /* ...and summed up when it closes; the failure before the recovery is not. */
  notify_args (wait_for_notify (fixture, 3), &summary);
  g_assert_cmpstr (summary.summary, ==, "Sync failed 1 more time");
  assert_no_notify_for (fixture, 3, 3.0);
}

/* A run going on too long shows at once, even in a failure's window, and
 * neither takes over nor ends what the window holds back. */
static void
test_running_long (Fixture       *fixture,
                   gconstpointer  user_data)
{
  ChkNotifyRun failure = failed_run (5, "Render", 51, NULL);
  ChkNotifyRun running = failed_run (5, "Render", 53, NULL);
  g_auto(NotifyArgs) first = { 0 };
  g_auto(NotifyArgs) longer = { 0 };
  g_auto(NotifyArgs) summary = { 0 };
  guint8 urgency = 99;
  const char *category = NULL;

  if (skipped (fixture))
    return;

  chk_notifier_set_rate_limit (fixture->notifier, 2000);
  running.kind = CHK_NOTIFY_RUNNING_LONG;
  running.outcome = "running";
  running.exit_code = -1;
  running.finished = running.started + 12 * 60 * G_USEC_PER_SEC;
  running.expected_duration = 600;

  chk_notifier_notify_run (fixture->notifier, &failure);
  failure.run_id = 52;
  chk_notifier_notify_run (fixture->notifier, &failure);
  chk_notifier_notify_run (fixture->notifier, &running);

  notify_args (wait_for_notify (fixture, 1), &first);
  g_assert_cmpstr (first.summary, ==, "Render failed");
  notify_args (wait_for_notify (fixture, 2), &longer);
  g_assert_cmpstr (longer.summary, ==, "Render is running long");
  g_assert_cmpstr (longer.body, ==, "Running for 12 min, longer than the expected 10 min");
  g_assert_true (g_variant_lookup (longer.hints, "urgency", "y", &urgency));
  g_assert_cmpuint (urgency, ==, 1);
  g_assert_true (g_variant_lookup (longer.hints, "category", "&s", &category));
  g_assert_cmpstr (category, ==, "x-chroniker.run.long");

  notify_args (wait_for_notify (fixture, 3), &summary);
  g_assert_cmpstr (summary.summary, ==, "Render failed 1 more time");
}

static void
test_markup (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autoptr(GBytes) err = bytes_from_string ("<b>bold</b> & <a href=\"x\">link</a> 'q'\n");
  ChkNotifyRun run = failed_run (5, "A <i>job</i> & co", 51, err);
  g_auto(NotifyArgs) args = { 0 };

  if (skipped (fixture))
    return;

  chk_notifier_notify_run (fixture->notifier, &run);
  notify_args (wait_for_notify (fixture, 1), &args);
  /* The summary is plain text by the spec; the body is markup on this server. */
  g_assert_cmpstr (args.summary, ==, "A <i>job</i> & co failed");
  g_assert_cmpstr (args.body, ==,
                   "Exited with status 3 after 2 s\n"
                   "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;a href=&quot;x&quot;&gt;link&lt;/a&gt; &apos;q&apos;");
}

static void
test_invalid_utf8 (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(GString) err = g_string_new (NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *long_line = g_strnfill (300, 'x');
  g_autofree char *capped = NULL;
  g_auto(NotifyArgs) args = { 0 };
  g_auto(GStrv) lines = NULL;
  ChkNotifyRun run;

  if (skipped (fixture))
    return;

  g_string_append_len (err, "not shown\n", -1);
  g_string_append_len (err, "bad \xff\xfe bytes\x01 and a NUL \0 here\n",
                       sizeof "bad \xff\xfe bytes\x01 and a NUL \0 here\n" - 1);
  g_string_append (err, "\x1b[31mred\x1b[0m\ttabbed \x1b]0;title\a\xe2\x80\xae" "rtl\n");
  g_string_append (err, "progress 10%\rprogress 50%\rprogress 100%\r\n");
  g_string_append (err, long_line);
  g_string_append (err, "\n\n");
  bytes = g_bytes_new (err->str, err->len);
  run = failed_run (6, "Binary \xff job", 61, bytes);
  run.exit_code = 1;

  chk_notifier_notify_run (fixture->notifier, &run);
  notify_args (wait_for_notify (fixture, 1), &args);

  g_assert_true (g_utf8_validate (args.summary, -1, NULL));
  g_assert_cmpstr (args.summary, ==, "Binary \xef\xbf\xbd job failed");
  g_assert_true (g_utf8_validate (args.body, -1, NULL));
  for (const char *p = args.body; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_assert_true (c == '\n' || !g_unichar_iscntrl (c));
      g_assert_cmpuint (c, !=, 0x202E);
    }

  capped = g_strdup_printf ("%.*s…", 199, long_line);
  lines = g_strsplit (args.body, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_cmpstr (lines[0], ==, "Exited with status 1 after 2 s");
  g_assert_cmpstr (lines[1], ==, "red tabbed rtl");
  g_assert_cmpstr (lines[2], ==, "progress 100%");
  g_assert_cmpstr (lines[3], ==, capped);

  /* The line before: invalid bytes and the NUL became U+FFFD. */
  {
    static const char short_text[] = "bad \xff\xfe bytes\x01 and a NUL \0 here";
    g_autoptr(GBytes) short_err = g_bytes_new (short_text, sizeof short_text - 1);
    ChkNotifyRun second = failed_run (7, "Bytes", 71, short_err);
    g_auto(NotifyArgs) second_args = { 0 };

    chk_notifier_notify_run (fixture->notifier, &second);
    notify_args (wait_for_notify (fixture, 2), &second_args);
    g_assert_cmpstr (second_args.body, ==,
                     "Exited with status 3 after 2 s\n"
                     "bad \xef\xbf\xbd\xef\xbf\xbd bytes and a NUL \xef\xbf\xbd here");
  }

  /* A long stderr: only its end is read, and a cut first line is not shown. */
  {
    g_autoptr(GString) huge = g_string_new (NULL);
    g_autoptr(GBytes) huge_bytes = NULL;
    g_auto(NotifyArgs) huge_args = { 0 };
    ChkNotifyRun third;

    for (guint i = 0; i < 20000; i++)
      g_string_append_printf (huge, "line %u\n", i);
    huge_bytes = g_bytes_new (huge->str, huge->len);
    third = failed_run (8, "Huge", 81, huge_bytes);
    chk_notifier_notify_run (fixture->notifier, &third);
    notify_args (wait_for_notify (fixture, 3), &huge_args);
    g_assert_cmpstr (huge_args.body, ==,
                     "Exited with status 3 after 2 s\nline 19997\nline 19998\nline 19999");
  }
}

static void
test_forget_job (Fixture       *fixture,
                 gconstpointer  user_data)
{
  ChkNotifyRun run = failed_run (9, "Deleted", 91, NULL);
  g_autoptr(GPtrArray) closes = NULL;
  GDBusMessage *call;
  guint32 id;
  guint32 closed_id = 0;

  if (skipped (fixture))
    return;

  chk_notifier_set_rate_limit (fixture->notifier, 1500);
  chk_notifier_notify_run (fixture->notifier, &run);
  run.run_id = 92;
  chk_notifier_notify_run (fixture->notifier, &run);
  run.run_id = 93;
  chk_notifier_notify_run (fixture->notifier, &run);

  call = wait_for_notify (fixture, 1);
  id = notify_reply_id (fixture, call);
  chk_notifier_forget_job (fixture->notifier, 9);

  /* Its bubble closes, and the two counted failures never make a summary. */
  assert_no_notify_for (fixture, 1, 2.5);
  closes = calls (fixture, "CloseNotification");
  g_assert_cmpuint (closes->len, ==, 1);
  g_variant_get (g_dbus_message_get_body (g_ptr_array_index (closes, 0)), "(u)", &closed_id);
  g_assert_cmpuint (closed_id, ==, id);

  /* A job forgotten with nothing pending is no error. */
  chk_notifier_forget_job (fixture->notifier, 12345);
}

static void
show_run_cb (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  guint64 *shown = user_data;

  *shown = g_variant_get_uint64 (parameter);
}

static gboolean
nonzero_cb (gpointer user_data)
{
  return *(guint64 *) user_data != 0;
}

static void
test_action_default (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autoptr(GApplication) app = NULL;
  g_autoptr(GSimpleAction) action = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Bubble) bubble = { 0 };
  g_auto(NotifyArgs) summary = { 0 };
  ChkNotifyRun run = failed_run (10, "Report", 101, NULL);
  guint64 shown = 0;

  if (skipped (fixture) || !have_click_tools ())
    return;

  /* The app as the real one would take it: app.show-run with the run id. */
  app = g_application_new (APPLICATION_ID, G_APPLICATION_DEFAULT_FLAGS);
  action = g_simple_action_new ("show-run", G_VARIANT_TYPE_UINT64);
  g_signal_connect (action, "activate", G_CALLBACK (show_run_cb), &shown);
  g_action_map_add_action (G_ACTION_MAP (app), G_ACTION (action));
  g_application_register (app, NULL, &error);
  g_assert_no_error (error);

  /* A summary's "Show Log" is the latest run's. */
  chk_notifier_set_rate_limit (fixture->notifier, 1000);
  chk_notifier_notify_run (fixture->notifier, &run);
  run.run_id = 102;
  chk_notifier_notify_run (fixture->notifier, &run);
  run.run_id = 103;
  chk_notifier_notify_run (fixture->notifier, &run);
  notify_args (wait_for_notify (fixture, 2), &summary);
  g_assert_cmpstr (summary.summary, ==, "Report failed 2 more times");

  /* The replaced bubble redraws; a click on it, off its buttons, is "default". */
  chk_test_iterate (0.5);
  find_bubble (fixture, &bubble);
  click (&bubble, 30, bubble.height / 2);

  if (!chk_test_wait_until (nonzero_cb, &shown, WAIT_SECONDS))
    g_error ("The app's show-run action was not activated");
  g_assert_cmpuint (shown, ==, 103);
  g_assert_cmpuint (fixture->run_again->len, ==, 0);
}

static gboolean
run_again_seen_cb (gpointer user_data)
{
  Fixture *fixture = user_data;

  return fixture->run_again->len > 0;
}

static void
test_action_run_again (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autoptr(GDBusConnection) other = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Bubble) bubble = { 0 };
  g_auto(NotifyArgs) args = { 0 };
  ChkNotifyRun run = failed_run (11, "Mirror", 111, NULL);
  GDBusMessage *call;
  guint32 id;
  gboolean run_again_last = FALSE;
  guint n_buttons = 0;
  int x = 0, y = 0;

  if (skipped (fixture) || !have_click_tools ())
    return;

  chk_notifier_notify_run (fixture->notifier, &run);
  call = wait_for_notify (fixture, 1);
  notify_args (call, &args);
  id = notify_reply_id (fixture, call);

  /* Another client cannot press the button: libnotify takes ActionInvoked
   * only from the server. */
  other = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (test_bus),
                                                  G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                  G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                  NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_emit_signal (other, g_dbus_message_get_sender (call), NOTIFICATIONS_PATH,
                                 NOTIFICATIONS_NAME, "ActionInvoked",
                                 g_variant_new ("(us)", id, "run-again"), &error);
  g_assert_no_error (error);
  g_dbus_connection_emit_signal (other, NULL, NOTIFICATIONS_PATH,
                                 NOTIFICATIONS_NAME, "ActionInvoked",
                                 g_variant_new ("(us)", id, "run-again"), &error);
  g_assert_no_error (error);
  g_dbus_connection_flush_sync (other, NULL, &error);
  g_assert_no_error (error);
  chk_test_iterate (0.5);
  g_assert_cmpuint (fixture->run_again->len, ==, 0);

  /* The server draws the buttons in the order of the actions ("default" has none). */
  for (guint i = 0; args.actions[i] != NULL && args.actions[i + 1] != NULL; i += 2)
    {
      if (g_str_equal (args.actions[i], "default"))
        continue;
      n_buttons++;
      run_again_last = g_str_equal (args.actions[i], "run-again");
    }
  g_assert_cmpuint (n_buttons, ==, 2);

  find_bubble (fixture, &bubble);
  chk_test_iterate (0.3);
  g_assert_true (find_button (&bubble, run_again_last, &x, &y));
  click (&bubble, x, y);

  if (!chk_test_wait_until (run_again_seen_cb, fixture, WAIT_SECONDS))
    g_error ("Run Again did not reach the notifier");
  g_assert_cmpuint (fixture->run_again->len, ==, 1);
  g_assert_cmpuint (g_array_index (fixture->run_again, guint64, 0), ==, 11);
}

typedef struct
{
  guint debug_count;
} LogCount;

static void
count_debug_cb (const char     *log_domain,
                GLogLevelFlags  log_level,
                const char     *message,
                gpointer        user_data)
{
  LogCount *count = user_data;

  if (g_str_has_prefix (message, "No notification server: "))
    count->debug_count++;
}

static gboolean
debug_count_cb (gpointer user_data)
{
  return ((LogCount *) user_data)->debug_count >= 2;
}

static void
test_no_server (Fixture       *fixture,
                gconstpointer  user_data)
{
  LogCount count = { 0 };
  guint handler;
  gint64 before;

  g_assert_cmpint (name_owner_pid (NOTIFICATIONS_NAME), ==, 0);

  /* Exactly one warning for three notifications; the others are debug messages. */
  g_test_expect_message ("chk-notifier", G_LOG_LEVEL_WARNING, "No notification server: *");
  handler = g_log_set_handler ("chk-notifier", G_LOG_LEVEL_DEBUG, count_debug_cb, &count);

  before = g_get_monotonic_time ();
  for (guint i = 0; i < 3; i++)
    {
      ChkNotifyRun run = failed_run (20 + i, "Headless", 200 + i, NULL);

      chk_notifier_notify_run (fixture->notifier, &run);
    }
  g_assert_cmpint (g_get_monotonic_time () - before, <, G_USEC_PER_SEC / 2);

  /* Nobody owns the name and nothing can be activated: that fails fast, far
   * within the 25 s of a D-Bus call. */
  g_assert_true (chk_test_wait_until (debug_count_cb, &count, 10.0));
  g_assert_cmpint (g_get_monotonic_time () - before, <, 10 * G_USEC_PER_SEC);
  g_test_assert_expected_messages ();
  g_log_remove_handler ("chk-notifier", handler);
  g_assert_cmpuint (count.debug_count, ==, 2);
  g_assert_cmpuint (n_notify (fixture), ==, 0);

  /* A server that comes later is used, without another warning. */
  if (no_server_reason == NULL)
    {
      ChkNotifyRun run = failed_run (30, "Later", 300, NULL);
      g_auto(NotifyArgs) args = { 0 };

      start_server (fixture);
      chk_notifier_notify_run (fixture->notifier, &run);
      notify_args (wait_for_notify (fixture, 1), &args);
      g_assert_cmpstr (args.summary, ==, "Later failed");
    }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  /* The private bus also keeps notifications off the developer's desktop. */
  test_bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (test_bus);
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  /* The bus goes away before the process: that must not end it. */
  g_dbus_connection_set_exit_on_close (bus, FALSE);

  if (program ("CHK_TEST_NOTIFICATION_DAEMON", "notification-daemon") == NULL)
    no_server_reason = g_strdup ("notification-daemon is not installed");
  else if (!start_xvfb (&error))
    no_server_reason = g_strdup_printf ("No X server for notification-daemon: %s", error->message);

#define ADD(path, func) \
  g_test_add ("/notifier/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("failure", test_failure);
  ADD ("kinds", test_kinds);
  ADD ("rate-limit", test_rate_limit);
  ADD ("recovered", test_recovered);
  ADD ("running-long", test_running_long);
  ADD ("markup", test_markup);
  ADD ("invalid-utf8", test_invalid_utf8);
  ADD ("forget-job", test_forget_job);
  ADD ("action/default", test_action_default);
  ADD ("action/run-again", test_action_run_again);

#undef ADD

  g_test_add ("/notifier/no-server", Fixture, GINT_TO_POINTER (TRUE),
              fixture_setup, test_no_server, fixture_teardown);

  status = g_test_run ();

  if (xvfb != NULL)
    {
      g_subprocess_send_signal (xvfb, SIGTERM);
      g_subprocess_wait (xvfb, NULL, NULL);
      g_clear_object (&xvfb);
    }
  /* Not g_test_dbus_down(), nor the unref that would call it: it waits for
   * the session bus connection to go, and libnotify keeps its proxy, and with
   * it the connection, for the life of the process. */
  g_clear_object (&bus);
  g_test_dbus_stop (test_bus);
  g_free (display);
  g_free (no_server_reason);
  return status;
}
