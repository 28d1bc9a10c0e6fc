/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-notifier"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libnotify/notify.h>

#include "chk-duration.h"
#include "chk-notifier.h"
#include "chk-outcome.h"
#include "chk-source-util.h"
#include "chk-text-util.h"

/*
 * Blocking. Every libnotify 0.8 call that talks to the server is a
 * g_dbus_proxy_call_sync() with the default timeout (25 s): the first
 * show creates the proxy with g_dbus_proxy_new_for_bus_sync() and asks
 * GetServerInformation, and notify_notification_show() sends Notify
 * synchronously ("TODO: make this nonblocking" in its source). libnotify
 * exposes neither its proxy nor a timeout, and notify_get_server_caps()
 * logs a g_warning of its own each time there is no server. A hung or
 * slowly activated server would stall the daemon's main loop for 25 s per
 * notification.
 *
 * So the daemon never calls libnotify from its main loop. All libnotify
 * calls happen in one thread of the process (libnotify's state is global
 * and not thread safe), which runs its own GMainContext: the proxy is made
 * there, so its signals (ActionInvoked, NotificationClosed) are delivered
 * there too. The rate limit and the texts live in ChkNotifier on the main
 * loop; the thread only shows, updates and closes what it is sent, and
 * passes action clicks and failures back. Before each show the thread
 * asks the server's capabilities itself, with a short timeout, which tells
 * "no server" apart, gives the reason for the log and says whether the
 * server does actions and body markup.
 *
 * Spoofing: libnotify takes ActionInvoked only from the current owner of
 * org.freedesktop.Notifications (GDBusProxy drops signals from other
 * senders), so another client of the session bus cannot press "Run Again".
 */

#define NOTIFICATIONS_NAME      "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH      "/org/freedesktop/Notifications"
#define NOTIFICATIONS_INTERFACE "org.freedesktop.Notifications"
#define APP_OBJECT_PATH         "/io/github/chroniker/Chroniker"
#define APP_SHOW_RUN_ACTION     "show-run"
/* Long enough for a server that D-Bus activation has to start. */
#define CAPS_TIMEOUT_MS         10000
/* How much of the end of stderr is looked at, and how much of it is shown. */
#define STDERR_SCAN_BYTES       4096
#define STDERR_TAIL_LINES       3
#define LINE_MAX_CHARS          200

typedef struct _NotifierLink NotifierLink;

struct _ChkNotifier
{
  GObject       parent_instance;

  char         *app_name;
  guint         rate_limit_ms;
  GMainContext *context;
  NotifierLink *link;
  /* guint64 job id → JobWindow, for the jobs whose rate-limit window is open */
  GHashTable   *jobs;
  GCancellable *cancellable;
  gboolean      warned;
};

G_DEFINE_FINAL_TYPE (ChkNotifier, chk_notifier, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_APP_NAME,
  PROP_RATE_LIMIT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  RUN_AGAIN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* What the notify thread knows of a notifier: a weak reference, and where to
 * send results and clicks. Shared by both threads, so reference counted. */
struct _NotifierLink
{
  gatomicrefcount  ref_count;
  GWeakRef         notifier;
  GMainContext    *context;
  guint            serial;
  char            *app_name;
};

static NotifierLink *
notifier_link_ref (NotifierLink *link)
{
  g_atomic_ref_count_inc (&link->ref_count);
  return link;
}

static void
notifier_link_unref (NotifierLink *link)
{
  if (!g_atomic_ref_count_dec (&link->ref_count))
    return;
  g_weak_ref_clear (&link->notifier);
  g_main_context_unref (link->context);
  g_free (link->app_name);
  g_free (link);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NotifierLink, notifier_link_unref)

/* A job whose last failure was shown less than the rate limit ago. */
typedef struct
{
  ChkNotifier *self;
  guint64      job_id;
  char        *job_name;
  GSource     *timer;
  guint        suppressed;
  guint64      latest_run_id;
  char        *latest_body;
} JobWindow;

static void
job_window_free (JobWindow *window)
{
  if (window->timer != NULL)
    g_source_destroy (window->timer);
  g_clear_pointer (&window->timer, g_source_unref);
  g_free (window->job_name);
  g_free (window->latest_body);
  g_free (window);
}

/* main → notify thread: show or update the notification of a job */
typedef struct
{
  NotifierLink  *link;
  guint64        job_id;
  guint64        run_id;
  char          *summary;
  char          *body;
  const char    *category;
  NotifyUrgency  urgency;
  char          *show_log_label;
  char          *run_again_label;
} ShowRequest;

static void
show_request_free (ShowRequest *request)
{
  notifier_link_unref (request->link);
  g_free (request->summary);
  g_free (request->body);
  g_free (request->show_log_label);
  g_free (request->run_again_label);
  g_free (request);
}

/* main → notify thread: close and drop one job's notification, or all of a
 * notifier's (job_id 0 with all set) */
typedef struct
{
  guint     serial;
  guint64   job_id;
  gboolean  all;
} ForgetRequest;

/* notify thread → main: how a show went */
typedef struct
{
  NotifierLink *link;
  gboolean      shown;
  gboolean      no_server;
  char         *message;
} ShowResult;

static void
show_result_free (ShowResult *result)
{
  notifier_link_unref (result->link);
  g_free (result->message);
  g_free (result);
}

/* The user data of a libnotify action, in the notify thread. */
typedef struct
{
  NotifierLink *link;
  guint64       job_id;
  guint64       run_id;
} ActionTarget;

static void
action_target_free (gpointer data)
{
  ActionTarget *target = data;

  notifier_link_unref (target->link);
  g_free (target);
}

/* notify thread → main: the user clicked */
typedef struct
{
  NotifierLink *link;
  char         *action;
  guint64       job_id;
  guint64       run_id;
  char         *activation_token;
} ActionEvent;

static void
action_event_free (ActionEvent *event)
{
  notifier_link_unref (event->link);
  g_free (event->action);
  g_free (event->activation_token);
  g_free (event);
}

/* An ActivateAction call to the app, in flight. */
typedef struct
{
  guint64       run_id;
  char         *activation_token;
  GCancellable *cancellable;
} ShowRunCall;

static void
show_run_call_free (ShowRunCall *call)
{
  g_free (call->activation_token);
  g_clear_object (&call->cancellable);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShowRunCall, show_run_call_free)

/* Runs @func with @data in @context, after what was queued there before. */
static void
post_to_context (GMainContext   *context,
                 GSourceFunc     func,
                 gpointer        data,
                 GDestroyNotify  destroy)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, destroy);
  g_source_set_static_name (source, "[chk-notifier] message");
  g_source_attach (source, context);
}

/* ---- the notify thread ---------------------------------------------------- */

typedef struct
{
  GMainContext *context;
  /* "serial:job id" → NotifyNotification, one per job of each notifier, so
   * that a server replaces the job's bubble instead of stacking another */
  GHashTable   *notifications;
} NotifyThread;

static gpointer
notify_thread_main (gpointer data)
{
  NotifyThread *thread = data;
  g_autoptr(GMainLoop) loop = NULL;

  g_main_context_push_thread_default (thread->context);
  loop = g_main_loop_new (thread->context, FALSE);
  /* libnotify is process-global, so is this thread: it runs until exit. */
  g_main_loop_run (loop);
  g_main_context_pop_thread_default (thread->context);
  return NULL;
}

static GMutex notify_thread_lock;
static NotifyThread *notify_thread = NULL;

/*
 * Starts the thread on first use. With no thread to be had (RLIMIT_NPROC
 * reached, memory short) it fails with @error and is tried again at the
 * next use: a scheduler goes on without its bubbles rather than abort.
 */
static NotifyThread *
notify_thread_get (GError **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  NotifyThread *thread;
  GThread *handle;

  thread = g_atomic_pointer_get (&notify_thread);
  if (thread != NULL)
    return thread;

  locker = g_mutex_locker_new (&notify_thread_lock);
  if (notify_thread != NULL)
    return notify_thread;

  thread = g_new0 (NotifyThread, 1);
  thread->context = g_main_context_new ();
  thread->notifications = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                 g_free, g_object_unref);
  handle = g_thread_try_new ("chk-notify", notify_thread_main, thread, error);
  if (handle == NULL)
    {
      g_hash_table_unref (thread->notifications);
      g_main_context_unref (thread->context);
      g_free (thread);
      return NULL;
    }
  g_thread_unref (handle);

  g_atomic_pointer_set (&notify_thread, thread);
  return thread;
}

/* The thread, or NULL when nothing was ever shown (so there is nothing to drop). */
static NotifyThread *
notify_thread_peek (void)
{
  return g_atomic_pointer_get (&notify_thread);
}

static char *
notification_key (guint   serial,
                  guint64 job_id)
{
  return g_strdup_printf ("%u:%" G_GUINT64_FORMAT, serial, job_id);
}

/* The server's capabilities, or NULL with @error when there is no server. */
static char **
server_capabilities (GError **error)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  char **caps = NULL;

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);
  if (bus == NULL)
    return NULL;

  reply = g_dbus_connection_call_sync (bus, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                                       NOTIFICATIONS_INTERFACE, "GetCapabilities", NULL,
                                       G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE,
                                       CAPS_TIMEOUT_MS, NULL, error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(^as)", &caps);
  return caps;
}

static void
post_show_result (NotifierLink *link,
                  gboolean      shown,
                  gboolean      no_server,
                  GError       *error);

static gboolean show_result_dispatch_cb (gpointer data);
static gboolean action_event_dispatch_cb (gpointer data);

static void
notification_action_cb (NotifyNotification *notification,
                        char               *action,
                        gpointer            user_data)
{
  ActionTarget *target = user_data;
  ActionEvent *event = g_new0 (ActionEvent, 1);

  event->link = notifier_link_ref (target->link);
  event->action = g_strdup (action);
  event->job_id = target->job_id;
  event->run_id = target->run_id;
  /* Only valid during this callback; lets the app raise its window. */
  event->activation_token = g_strdup (notify_notification_get_activation_token (notification));
  post_to_context (target->link->context, action_event_dispatch_cb, event,
                   (GDestroyNotify) action_event_free);
}

static void
add_action (NotifyNotification *notification,
            ShowRequest        *request,
            const char         *action,
            const char         *label)
{
  ActionTarget *target = g_new0 (ActionTarget, 1);

  target->link = notifier_link_ref (request->link);
  target->job_id = request->job_id;
  target->run_id = request->run_id;
  notify_notification_add_action (notification, action, label,
                                  notification_action_cb, target, action_target_free);
}

static gboolean
notify_thread_show_cb (gpointer data)
{
  ShowRequest *request = data;
  NotifyThread *thread = notify_thread_peek ();
  g_autofree char *key = notification_key (request->link->serial, request->job_id);
  g_autofree char *body = NULL;
  g_auto(GStrv) caps = NULL;
  g_autoptr(GError) error = NULL;
  NotifyNotification *notification;

  caps = server_capabilities (&error);
  if (caps == NULL)
    {
      post_show_result (request->link, FALSE, TRUE, error);
      return G_SOURCE_REMOVE;
    }

  if (!notify_is_initted ())
    notify_init (request->link->app_name);

  /* A server without body-markup shows markup as it is; one with it would
   * take "<b>" in a job's stderr for markup, or fail on a stray "&". */
  if (g_strv_contains ((const char * const *) caps, "body-markup"))
    body = g_markup_escape_text (request->body, -1);
  else
    body = g_strdup (request->body);

  notification = g_hash_table_lookup (thread->notifications, key);
  if (notification == NULL)
    {
      notification = notify_notification_new (request->summary, body, NULL);
      g_hash_table_insert (thread->notifications, g_strdup (key), notification);
    }
  else
    {
      notify_notification_update (notification, request->summary, body, NULL);
    }

  notify_notification_set_app_name (notification, request->link->app_name);
  notify_notification_set_hint_string (notification, "desktop-entry", APPLICATION_ID);
  notify_notification_set_category (notification, request->category);
  notify_notification_set_urgency (notification, request->urgency);

  notify_notification_clear_actions (notification);
  if (g_strv_contains ((const char * const *) caps, "actions"))
    {
      /* "default" is what a click on the bubble itself does; servers draw no button for it. */
      add_action (notification, request, "default", request->show_log_label);
      add_action (notification, request, "show-log", request->show_log_label);
      add_action (notification, request, "run-again", request->run_again_label);
    }

  if (!notify_notification_show (notification, &error))
    {
      /* Its id may belong to a server that is gone: start afresh next time. */
      g_hash_table_remove (thread->notifications, key);
      post_show_result (request->link, FALSE, FALSE, error);
      return G_SOURCE_REMOVE;
    }

  post_show_result (request->link, TRUE, FALSE, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
notify_thread_forget_cb (gpointer data)
{
  ForgetRequest *request = data;
  NotifyThread *thread = notify_thread_peek ();
  g_autofree char *prefix = g_strdup_printf ("%u:", request->serial);
  g_autofree char *key = notification_key (request->serial, request->job_id);
  GHashTableIter iter;
  gpointer iter_key;
  gpointer value;

  if (request->all)
    {
      /* The notifier is gone; its bubbles may stay, their clicks go nowhere. */
      g_hash_table_iter_init (&iter, thread->notifications);
      while (g_hash_table_iter_next (&iter, &iter_key, &value))
        if (g_str_has_prefix (iter_key, prefix))
          g_hash_table_iter_remove (&iter);
      return G_SOURCE_REMOVE;
    }

  value = g_hash_table_lookup (thread->notifications, key);
  if (value != NULL &&
      notify_notification_get_closed_reason (value) == NOTIFY_CLOSED_REASON_UNSET)
    {
      g_autoptr(GError) error = NULL;

      /* The job is deleted: its "Run Again" and "Show Log" would lead nowhere. */
      if (!notify_notification_close (value, &error))
        g_debug ("Could not close the notification of job %" G_GUINT64_FORMAT ": %s",
                 request->job_id, error->message);
    }
  g_hash_table_remove (thread->notifications, key);
  return G_SOURCE_REMOVE;
}

static void
post_show_result (NotifierLink *link,
                  gboolean      shown,
                  gboolean      no_server,
                  GError       *error)
{
  ShowResult *result = g_new0 (ShowResult, 1);

  result->link = notifier_link_ref (link);
  result->shown = shown;
  result->no_server = no_server;
  if (error != NULL)
    {
      g_dbus_error_strip_remote_error (error);
      result->message = g_strdup (error->message);
    }
  post_to_context (link->context, show_result_dispatch_cb, result,
                   (GDestroyNotify) show_result_free);
}

/* ---- texts ----------------------------------------------------------------- */

static gboolean
is_bidi_control (gunichar c)
{
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

/* One line of valid UTF-8 as a terminal would show it: only what follows the
 * last carriage return, without escape sequences and control characters,
 * tabs as spaces, stripped, at most LINE_MAX_CHARS characters. */
static char *
clean_line (const char *line)
{
  GString *out = g_string_new (NULL);
  g_autofree char *copy = g_strdup (line);
  const char *p;
  char *cr;

  g_strchomp (copy);
  cr = strrchr (copy, '\r');
  p = cr != NULL ? cr + 1 : copy;

  while (*p != '\0')
    {
      gunichar c = g_utf8_get_char (p);

      if (c == 0x1B && p[1] == '[')
        {
          /* CSI: parameters and intermediates, then a final byte in @..~ */
          p += 2;
          while (*p != '\0' && !(*p >= 0x40 && *p <= 0x7E))
            p++;
          if (*p != '\0')
            p++;
          continue;
        }
      if (c == 0x1B && p[1] == ']')
        {
          /* OSC (window titles, hyperlinks): up to BEL or ESC \ */
          p += 2;
          while (*p != '\0' && *p != '\a' && !(p[0] == 0x1B && p[1] == '\\'))
            p++;
          if (*p == '\a')
            p++;
          else if (*p != '\0')
            p += 2;
          continue;
        }
      if (c == 0x1B)
        {
          p++;
          if (*p != '\0')
            p = g_utf8_next_char (p);
          continue;
        }

      if (c == '\t')
        g_string_append_c (out, ' ');
      else if (!g_unichar_iscntrl (c) && !is_bidi_control (c))
        g_string_append_unichar (out, c);
      p = g_utf8_next_char (p);
    }

  g_strstrip (out->str);
  g_string_set_size (out, strlen (out->str));

  if (g_utf8_strlen (out->str, -1) > LINE_MAX_CHARS)
    {
      g_autofree char *head = g_utf8_substring (out->str, 0, LINE_MAX_CHARS - 1);

      g_string_assign (out, head);
      g_string_append (out, "…");
    }

  return g_string_free (out, FALSE);
}

/* The last non-empty lines of @tail, cleaned, or NULL when there are none. */
static char *
stderr_lines (GBytes *tail)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) split = NULL;
  g_autofree char *text = NULL;
  const char *data;
  gsize size = 0;
  guint first = 0;
  GString *out;

  if (tail == NULL)
    return NULL;

  data = g_bytes_get_data (tail, &size);
  if (size > STDERR_SCAN_BYTES)
    {
      data += size - STDERR_SCAN_BYTES;
      size = STDERR_SCAN_BYTES;
      /* The first line was cut: it is not shown unless it is all there is. */
      if (memchr (data, '\n', size) != NULL)
        first = 1;
    }
  if (size == 0)
    return NULL;

  /* Invalid bytes and NULs become U+FFFD. */
  text = g_utf8_make_valid (data, (gssize) size);
  split = g_strsplit (text, "\n", -1);

  for (guint i = g_strv_length (split); i > first && lines->len < STDERR_TAIL_LINES; i--)
    {
      g_autofree char *line = clean_line (split[i - 1]);

      if (line[0] != '\0')
        g_ptr_array_insert (lines, 0, g_steal_pointer (&line));
    }

  if (lines->len == 0)
    return NULL;

  out = g_string_new (NULL);
  for (guint i = 0; i < lines->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, '\n');
      g_string_append (out, g_ptr_array_index (lines, i));
    }
  return g_string_free (out, FALSE);
}

static char *
clean_job_name (const char *name)
{
  /* A name is one line; a newline in it would hide the rest of the title. */
  g_autofree char *valid = chk_text_flatten (name, -1, "\r\n");
  g_autofree char *line = clean_line (valid);

  return line[0] != '\0' ? g_steal_pointer (&line) : g_strdup ("?");
}

static char *
compose_title (const ChkNotifyRun *run,
               const char         *name)
{
  switch (run->kind)
    {
    case CHK_NOTIFY_SUCCEEDED:
      return g_strdup_printf (_("%s succeeded"), name);
    case CHK_NOTIFY_RECOVERED:
      return g_strdup_printf (_("%s recovered"), name);
    case CHK_NOTIFY_RUNNING_LONG:
      return g_strdup_printf (_("%s is running long"), name);
    case CHK_NOTIFY_FAILED:
    default:
      if (chk_outcome_from_string (run->outcome) == CHK_OUTCOME_TIMEOUT)
        return g_strdup_printf (_("%s timed out"), name);
      if (chk_outcome_from_string (run->outcome) == CHK_OUTCOME_FAILED_TO_START)
        return g_strdup_printf (_("%s could not start"), name);
      return g_strdup_printf (_("%s failed"), name);
    }
}

/* What happened to the run, in one line; NULL when stderr says it best. */
static char *
describe_outcome (const ChkNotifyRun *run,
                  gboolean            have_stderr)
{
  ChkOutcome outcome = chk_outcome_from_string (run->outcome);
  g_autofree char *duration = NULL;

  if (run->started > 0 && run->finished >= run->started)
    duration = chk_duration_format ((guint64) (run->finished - run->started + G_USEC_PER_SEC / 2)
                                    / G_USEC_PER_SEC);

  if (run->kind == CHK_NOTIFY_RUNNING_LONG)
    {
      g_autofree char *expected = chk_duration_format (run->expected_duration);

      /* Translators: "Running for 12 min, longer than the expected 10 min" */
      return duration != NULL ? g_strdup_printf (_("Running for %s, longer than the expected %s"),
                                                 duration, expected)
                              : g_strdup_printf (_("Running longer than the expected %s"),
                                                 expected);
    }

  if (outcome == CHK_OUTCOME_TIMEOUT)
    {
      g_autofree char *limit = run->timeout > 0 ? chk_duration_format (run->timeout) : NULL;

      if (limit != NULL || duration != NULL)
        return g_strdup_printf (_("Timed out after %s"), limit != NULL ? limit : duration);
      return g_strdup (_("Timed out"));
    }
  if (outcome == CHK_OUTCOME_FAILED_TO_START)
    return have_stderr ? NULL : g_strdup (_("The command could not be started"));
  if (outcome == CHK_OUTCOME_STOPPED)
    return duration != NULL ? g_strdup_printf (_("Stopped after %s"), duration)
                            : g_strdup (_("Stopped"));
  if (outcome == CHK_OUTCOME_INTERRUPTED)
    return g_strdup (_("Interrupted: the scheduler stopped during the run"));
  if (run->signal > 0)
    return duration != NULL ? g_strdup_printf (_("Killed by signal %d after %s"), run->signal, duration)
                            : g_strdup_printf (_("Killed by signal %d"), run->signal);
  if (run->exit_code == 0 && outcome == CHK_OUTCOME_SUCCESS)
    return duration != NULL ? g_strdup_printf (_("Finished in %s"), duration)
                            : g_strdup (_("Finished"));
  if (run->exit_code >= 0)
    return duration != NULL ? g_strdup_printf (_("Exited with status %d after %s"),
                                               run->exit_code, duration)
                            : g_strdup_printf (_("Exited with status %d"), run->exit_code);
  return duration != NULL ? g_strdup_printf (_("Failed after %s"), duration) : NULL;
}

/* The body as plain text: the outcome, @extra, the end of stderr. */
static char *
compose_body (const ChkNotifyRun *run,
              const char         *extra)
{
  g_autofree char *tail = stderr_lines (run->stderr_tail);
  g_autofree char *outcome = describe_outcome (run, tail != NULL);
  g_autofree char *attempts = NULL;
  const char *parts[] = { outcome, NULL, extra, tail };

  if (run->attempt > 1)
    parts[1] = attempts = g_strdup_printf (ngettext ("Tried %u time", "Tried %u times",
                                                     run->attempt), run->attempt);
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      if (parts[i] == NULL || parts[i][0] == '\0')
        continue;
      if (out->len > 0)
        g_string_append_c (out, '\n');
      g_string_append (out, parts[i]);
    }
  return g_string_free (out, FALSE);
}

/* ---- the main-loop side ----------------------------------------------------- */

static void
post_show (ChkNotifier   *self,
           guint64        job_id,
           guint64        run_id,
           char          *summary,
           char          *body,
           const char    *category,
           NotifyUrgency  urgency)
{
  NotifyThread *thread;
  ShowRequest *request;
  g_autoptr(GError) error = NULL;

  thread = notify_thread_get (&error);
  if (thread == NULL)
    {
      g_warning ("Could not start a thread for desktop notifications; the notification "
                 "of run %" G_GUINT64_FORMAT " is dropped: %s", run_id, error->message);
      g_free (summary);
      g_free (body);
      return;
    }

  request = g_new0 (ShowRequest, 1);
  request->link = notifier_link_ref (self->link);
  request->job_id = job_id;
  request->run_id = run_id;
  request->summary = summary;
  request->body = body;
  request->category = category;
  request->urgency = urgency;
  request->show_log_label = g_strdup (_("Show Log"));
  request->run_again_label = g_strdup (_("Run Again"));
  post_to_context (thread->context, notify_thread_show_cb, request,
                   (GDestroyNotify) show_request_free);
}

static gboolean
show_result_dispatch_cb (gpointer data)
{
  ShowResult *result = data;
  g_autoptr(ChkNotifier) self = g_weak_ref_get (&result->link->notifier);

  if (self == NULL || result->shown)
    return G_SOURCE_REMOVE;

  /* Headless sessions and CI have no server: say so once, not per run. */
  if (!self->warned)
    {
      self->warned = TRUE;
      if (result->no_server)
        g_warning ("No notification server: %s", result->message);
      else
        g_warning ("Could not show a notification: %s", result->message);
    }
  else if (result->no_server)
    {
      g_debug ("No notification server: %s", result->message);
    }
  else
    {
      g_debug ("Could not show a notification: %s", result->message);
    }
  return G_SOURCE_REMOVE;
}

static void
show_run_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_dbus_error_strip_remote_error (error);
      g_warning ("Could not show the run in the app: %s", error->message);
    }
}

static void
show_run_bus_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ShowRunCall) call = user_data;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;
  GVariantBuilder parameter;
  GVariantBuilder platform_data;

  bus = g_bus_get_finish (result, &error);
  if (bus == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not show the run in the app: %s", error->message);
      return;
    }

  g_variant_builder_init (&parameter, G_VARIANT_TYPE ("av"));
  g_variant_builder_add (&parameter, "v", g_variant_new_uint64 (call->run_id));
  g_variant_builder_init (&platform_data, G_VARIANT_TYPE_VARDICT);
  if (call->activation_token != NULL)
    {
      /* Wayland and X11 names for the token that lets the app take focus. */
      g_variant_builder_add (&platform_data, "{sv}", "activation-token",
                             g_variant_new_string (call->activation_token));
      g_variant_builder_add (&platform_data, "{sv}", "desktop-startup-id",
                             g_variant_new_string (call->activation_token));
    }

  /* The session bus starts the app (D-Bus activation) when it is not running. */
  g_dbus_connection_call (bus, APPLICATION_ID, APP_OBJECT_PATH,
                          "org.freedesktop.Application", "ActivateAction",
                          g_variant_new ("(sava{sv})", APP_SHOW_RUN_ACTION,
                                         &parameter, &platform_data),
                          G_VARIANT_TYPE_UNIT, G_DBUS_CALL_FLAGS_NONE, -1,
                          call->cancellable, show_run_done_cb, NULL);
}

static void
show_run (ChkNotifier *self,
          guint64      run_id,
          const char  *activation_token)
{
  ShowRunCall *call = g_new0 (ShowRunCall, 1);

  call->run_id = run_id;
  call->activation_token = g_strdup (activation_token);
  call->cancellable = g_object_ref (self->cancellable);
  g_bus_get (G_BUS_TYPE_SESSION, call->cancellable, show_run_bus_cb, call);
}

static gboolean
action_event_dispatch_cb (gpointer data)
{
  ActionEvent *event = data;
  g_autoptr(ChkNotifier) self = g_weak_ref_get (&event->link->notifier);

  if (self == NULL)
    return G_SOURCE_REMOVE;

  g_debug ("Action %s for job %" G_GUINT64_FORMAT ", run %" G_GUINT64_FORMAT,
           event->action, event->job_id, event->run_id);
  if (g_str_equal (event->action, "run-again"))
    g_signal_emit (self, signals[RUN_AGAIN], 0, event->job_id);
  else if (g_str_equal (event->action, "show-log") || g_str_equal (event->action, "default"))
    show_run (self, event->run_id, event->activation_token);
  return G_SOURCE_REMOVE;
}

static gboolean
window_closed_cb (gpointer data)
{
  JobWindow *window = data;
  ChkNotifier *self = window->self;
  guint count = window->suppressed;

  if (count == 0)
    {
      /* Frees @window and destroys this source. */
      g_hash_table_remove (self->jobs, &window->job_id);
      return G_SOURCE_REMOVE;
    }

  /* One summary for what the window held back; then a new window. */
  post_show (self, window->job_id, window->latest_run_id,
             g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s failed %u more time",
                                           "%s failed %u more times", count),
                              window->job_name, count),
             g_steal_pointer (&window->latest_body),
             "x-chroniker.run.failed", NOTIFY_URGENCY_NORMAL);
  window->suppressed = 0;
  return G_SOURCE_CONTINUE;
}

static void
open_window (ChkNotifier *self,
             guint64      job_id,
             const char  *job_name)
{
  JobWindow *window = g_new0 (JobWindow, 1);

  window->self = self;
  window->job_id = job_id;
  window->job_name = g_strdup (job_name);
  window->timer = chk_source_attach (g_timeout_source_new (self->rate_limit_ms), self->context,
                                     window_closed_cb, window, "[chk-notifier] rate limit");
  g_hash_table_replace (self->jobs, &window->job_id, window);
}

static void
chk_notifier_dispose (GObject *object)
{
  ChkNotifier *self = CHK_NOTIFIER (object);

  g_cancellable_cancel (self->cancellable);
  g_hash_table_remove_all (self->jobs);
  if (self->link != NULL && notify_thread_peek () != NULL)
    {
      ForgetRequest *request = g_new0 (ForgetRequest, 1);

      request->serial = self->link->serial;
      request->all = TRUE;
      post_to_context (notify_thread_peek ()->context, notify_thread_forget_cb, request, g_free);
    }
  g_clear_pointer (&self->link, notifier_link_unref);

  G_OBJECT_CLASS (chk_notifier_parent_class)->dispose (object);
}

static void
chk_notifier_finalize (GObject *object)
{
  ChkNotifier *self = CHK_NOTIFIER (object);

  g_clear_pointer (&self->jobs, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->app_name);

  G_OBJECT_CLASS (chk_notifier_parent_class)->finalize (object);
}

static void
chk_notifier_constructed (GObject *object)
{
  ChkNotifier *self = CHK_NOTIFIER (object);
  static guint last_serial = 0;
  NotifierLink *link = g_new0 (NotifierLink, 1);

  G_OBJECT_CLASS (chk_notifier_parent_class)->constructed (object);

  if (self->app_name == NULL || self->app_name[0] == '\0')
    {
      g_free (self->app_name);
      self->app_name = g_strdup ("Chroniker");
    }

  g_atomic_ref_count_init (&link->ref_count);
  g_weak_ref_init (&link->notifier, self);
  link->context = g_main_context_ref (self->context);
  link->serial = (guint) g_atomic_int_add (&last_serial, 1) + 1;
  link->app_name = g_strdup (self->app_name);
  self->link = link;
}

static void
chk_notifier_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  ChkNotifier *self = CHK_NOTIFIER (object);

  switch (prop_id)
    {
    case PROP_APP_NAME:
      g_value_set_string (value, self->app_name);
      break;
    case PROP_RATE_LIMIT:
      g_value_set_uint (value, self->rate_limit_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_notifier_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  ChkNotifier *self = CHK_NOTIFIER (object);

  switch (prop_id)
    {
    case PROP_APP_NAME:
      g_free (self->app_name);
      self->app_name = g_value_dup_string (value);
      break;
    case PROP_RATE_LIMIT:
      chk_notifier_set_rate_limit (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_notifier_class_init (ChkNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = chk_notifier_constructed;
  object_class->dispose = chk_notifier_dispose;
  object_class->finalize = chk_notifier_finalize;
  object_class->get_property = chk_notifier_get_property;
  object_class->set_property = chk_notifier_set_property;

  /**
   * ChkNotifier:app-name:
   *
   * The application name the notifications carry; "Chroniker" when unset.
   */
  properties[PROP_APP_NAME] =
    g_param_spec_string ("app-name", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ChkNotifier:rate-limit:
   *
   * How long, in milliseconds, a job's failure notification holds back the
   * next ones; 0 shows every one.
   */
  properties[PROP_RATE_LIMIT] =
    g_param_spec_uint ("rate-limit", NULL, NULL,
                       0, G_MAXUINT, CHK_NOTIFIER_DEFAULT_RATE_LIMIT_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ChkNotifier::run-again:
   * @self: the notifier
   * @job_id: the job
   *
   * The user clicked "Run Again" on a notification of the job.
   */
  signals[RUN_AGAIN] =
    g_signal_new ("run-again",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT64);
}

static void
chk_notifier_init (ChkNotifier *self)
{
  self->rate_limit_ms = CHK_NOTIFIER_DEFAULT_RATE_LIMIT_MS;
  self->context = g_main_context_ref_thread_default ();
  self->jobs = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                      NULL, (GDestroyNotify) job_window_free);
  self->cancellable = g_cancellable_new ();
}

/**
 * chk_notifier_new:
 * @app_name: (nullable): the application name the notifications carry
 *
 * Creates a notifier. It connects to the notification server only when it
 * first has something to show, and never from the calling thread's main loop.
 * Create and use it in one thread, whose thread-default main context runs.
 *
 * Returns: (transfer full): a new #ChkNotifier
 */
ChkNotifier *
chk_notifier_new (const char *app_name)
{
  return g_object_new (CHK_TYPE_NOTIFIER, "app-name", app_name, NULL);
}

/**
 * chk_notifier_set_rate_limit:
 * @self: a #ChkNotifier
 * @interval_ms: the window in milliseconds; 0 shows every failure
 *
 * Sets how long a job's shown failure holds back the next ones (default one
 * minute). Windows already open keep their length.
 */
void
chk_notifier_set_rate_limit (ChkNotifier *self,
                             guint        interval_ms)
{
  g_return_if_fail (CHK_IS_NOTIFIER (self));

  if (self->rate_limit_ms == interval_ms)
    return;
  self->rate_limit_ms = interval_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RATE_LIMIT]);
}

/**
 * chk_notifier_get_rate_limit:
 * @self: a #ChkNotifier
 *
 * Returns: the rate-limit window in milliseconds
 */
guint
chk_notifier_get_rate_limit (ChkNotifier *self)
{
  g_return_val_if_fail (CHK_IS_NOTIFIER (self), 0);

  return self->rate_limit_ms;
}

/**
 * chk_notifier_notify_run:
 * @self: a #ChkNotifier
 * @run: the finished run
 *
 * Shows a desktop notification for @run: a title with the job's name, the
 * outcome and duration, the last lines of stderr, and the actions "Show Log"
 * (also the default action: the app's `app.show-run` with the run id) and
 * "Run Again" (#ChkNotifier::run-again), when the server does actions. All
 * notifications of a job reuse one bubble where the server allows.
 *
 * Failures are rate limited per job: the first shows at once and opens a
 * window of #ChkNotifier:rate-limit; failures within it are only counted, and
 * when it closes one summary ("Backup failed 3 more times", its "Show Log" at
 * the latest of them) shows and a new window opens; a window with nothing
 * held back just closes. Successes and recoveries always show at once; one
 * within a window takes over the count ("After 3 more failures"), so that no
 * summary follows it, and leaves the window open, so that a flapping job
 * still shows at most one failure per window. A run going on past its job's
 * expected duration shows at once and leaves the window as it is.
 *
 * This never waits for the server. When there is none, the first notification
 * that cannot show logs one warning; later ones only debug messages.
 */
void
chk_notifier_notify_run (ChkNotifier        *self,
                         const ChkNotifyRun *run)
{
  g_autofree char *name = NULL;
  g_autofree char *extra = NULL;
  JobWindow *window;

  g_return_if_fail (CHK_IS_NOTIFIER (self));
  g_return_if_fail (run != NULL);
  g_return_if_fail (run->job_name != NULL);

  name = clean_job_name (run->job_name);
  window = g_hash_table_lookup (self->jobs, &run->job_id);

  if (run->kind == CHK_NOTIFY_FAILED)
    {
      if (window != NULL)
        {
          window->suppressed++;
          window->latest_run_id = run->run_id;
          g_free (window->job_name);
          window->job_name = g_strdup (name);
          g_free (window->latest_body);
          window->latest_body = compose_body (run, NULL);
          return;
        }

      post_show (self, run->job_id, run->run_id, compose_title (run, name),
                 compose_body (run, NULL), "x-chroniker.run.failed", NOTIFY_URGENCY_NORMAL);
      if (self->rate_limit_ms > 0)
        open_window (self, run->job_id, name);
      return;
    }

  /* One per run: it neither waits for a window nor ends one. */
  if (run->kind == CHK_NOTIFY_RUNNING_LONG)
    {
      post_show (self, run->job_id, run->run_id, compose_title (run, name),
                 compose_body (run, NULL), "x-chroniker.run.long", NOTIFY_URGENCY_NORMAL);
      return;
    }

  if (window != NULL && window->suppressed > 0)
    {
      extra = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "After %u more failure",
                                            "After %u more failures", window->suppressed),
                               window->suppressed);
      window->suppressed = 0;
      g_clear_pointer (&window->latest_body, g_free);
    }

  post_show (self, run->job_id, run->run_id, compose_title (run, name),
             compose_body (run, extra),
             run->kind == CHK_NOTIFY_RECOVERED ? "x-chroniker.run.recovered"
                                               : "x-chroniker.run.succeeded",
             NOTIFY_URGENCY_LOW);
}

/**
 * chk_notifier_forget_job:
 * @self: a #ChkNotifier
 * @job_id: a deleted job
 *
 * Drops what @self holds for @job_id: the failures counted for a summary,
 * the rate-limit window, and the job's notification, which closes.
 */
void
chk_notifier_forget_job (ChkNotifier *self,
                         guint64      job_id)
{
  ForgetRequest *request;

  g_return_if_fail (CHK_IS_NOTIFIER (self));

  g_hash_table_remove (self->jobs, &job_id);
  if (self->link == NULL || notify_thread_peek () == NULL)
    return;

  request = g_new0 (ForgetRequest, 1);
  request->serial = self->link->serial;
  request->job_id = job_id;
  post_to_context (notify_thread_peek ()->context, notify_thread_forget_cb, request, g_free);
}
