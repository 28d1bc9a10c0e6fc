/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-webhook"

#include "config.h"

#include <json-glib/json-glib.h>

#include "chk-outcome.h"
#include "chk-text-util.h"
#include "chk-webhook.h"

/* What a webhook says: its JSON document. Its delivery is chk-webhook-post.c's. */

/* ISO 8601 in UTC with microseconds, as `chronikerctl --json` writes times. */
static char *
format_iso_utc (gint64 usec)
{
  gint64 seconds = usec / G_USEC_PER_SEC;
  gint64 fraction = usec % G_USEC_PER_SEC;
  g_autoptr(GDateTime) utc = NULL;
  g_autofree char *text = NULL;

  if (fraction < 0)
    {
      fraction += G_USEC_PER_SEC;
      seconds--;
    }
  utc = g_date_time_new_from_unix_utc (seconds);
  if (utc == NULL)
    return NULL;
  text = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S");
  return g_strdup_printf ("%s.%06dZ", text, (int) fraction);
}

static void
add_time (JsonBuilder *builder,
          const char  *name,
          gint64       usec)
{
  g_autofree char *iso = usec != 0 ? format_iso_utc (usec) : NULL;

  json_builder_set_member_name (builder, name);
  if (iso != NULL)
    json_builder_add_string_value (builder, iso);
  else
    json_builder_add_null_value (builder);
}

static void
add_text (JsonBuilder *builder,
          const char  *name,
          const char  *text)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, valid);
}

static const char *
title_of (const char *event,
          const char *outcome)
{
  const char *title = chk_outcome_get_title (chk_outcome_from_string (outcome));

  if (g_strcmp0 (event, "recovered") == 0)
    return "Recovered";
  if (g_strcmp0 (event, "running-long") == 0)
    return "Running long";
  if (title != NULL)
    return title;
  return outcome != NULL && outcome[0] != '\0' ? outcome : "Finished";
}

/**
 * chk_webhook_build_payload:
 * @event: what happened
 *
 * Writes the JSON document a webhook posts: one object whose keys follow the run
 * record's (kebab-case, as `chronikerctl --json` writes them):
 *
 * |[
 * {
 *   "event": "failure",
 *   "job-name": "backup",
 *   "job-id": 3,
 *   "run-id": 42,
 *   "outcome": "failure",
 *   "exit-code": 2,
 *   "attempt": 1,
 *   "started": "2026-12-04T02:00:00.123456Z",
 *   "finished": "2026-12-04T02:00:05.000000Z",
 *   "duration": 4.876544,
 *   "hostname": "build-host",
 *   "stderr-tail": "rsync: connection unexpectedly closed\n",
 *   "text": "[Chroniker] Failure: backup on build-host (exit code 2)"
 * }
 * ]|
 *
 * Times are ISO 8601 in UTC with microseconds, or null when unknown; `duration` is
 * in seconds, or null. `stderr-tail` is the last %CHK_WEBHOOK_TAIL_MAX_BYTES of
 * stderr as valid UTF-8 (bad bytes and NULs become U+FFFD). `text` is a line for
 * people, which chat services' incoming webhooks (Slack, Mattermost, …) show as is.
 *
 * `event` is `failure`, `success`, `recovered`, `running-long` (the run is still
 * going past the job's expected duration: `outcome` is `running` and `finished`
 * null) or `summary`: alerts about the job that flood control held back, whose
 * number `suppressed` gives (a key only summaries have), and the fields of the
 * latest of them.
 *
 * Returns: (transfer full): the JSON document, UTF-8
 */
char *
chk_webhook_build_payload (const ChkWebhookEvent *event)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *tail = NULL;
  g_autofree char *name = NULL;
  g_autofree char *host = NULL;
  g_autofree char *text = NULL;
  g_autofree char *code = NULL;
  const char *hostname;

  g_return_val_if_fail (event != NULL, NULL);
  g_return_val_if_fail (event->job_name != NULL, NULL);

  hostname = event->hostname != NULL && event->hostname[0] != '\0' ? event->hostname
                                                                   : g_get_host_name ();
  name = chk_text_flatten (event->job_name, -1, "\r\n");
  host = chk_text_flatten (hostname, -1, "\r\n");
  tail = chk_text_tail (event->stderr_tail, CHK_WEBHOOK_TAIL_MAX_BYTES, NULL);
  /* Other outcomes say more than their exit code (-1 for a timeout or a stop). */
  if (chk_outcome_from_string (event->outcome) == CHK_OUTCOME_FAILURE)
    code = g_strdup_printf (" (exit code %d)", event->exit_code);
  if (event->text != NULL)
    text = chk_text_flatten (event->text, -1, "\r\n");
  else
    text = g_strdup_printf ("[Chroniker] %s: %s on %s%s",
                            title_of (event->event, event->outcome), name, host,
                            code != NULL ? code : "");

  json_builder_begin_object (builder);
  add_text (builder, "event", event->event);
  add_text (builder, "job-name", event->job_name);
  json_builder_set_member_name (builder, "job-id");
  json_builder_add_int_value (builder, (gint64) event->job_id);
  json_builder_set_member_name (builder, "run-id");
  json_builder_add_int_value (builder, (gint64) event->run_id);
  add_text (builder, "outcome", event->outcome);
  json_builder_set_member_name (builder, "exit-code");
  json_builder_add_int_value (builder, event->exit_code);
  json_builder_set_member_name (builder, "attempt");
  json_builder_add_int_value (builder, MAX (event->attempt, 1));
  add_time (builder, "started", event->started);
  add_time (builder, "finished", event->finished);
  json_builder_set_member_name (builder, "duration");
  if (event->started != 0 && event->finished >= event->started)
    json_builder_add_double_value (builder,
                                   (double) (event->finished - event->started) / G_USEC_PER_SEC);
  else
    json_builder_add_null_value (builder);
  add_text (builder, "hostname", hostname);
  add_text (builder, "stderr-tail", tail);
  add_text (builder, "text", text);
  if (event->suppressed > 0)
    {
      json_builder_set_member_name (builder, "suppressed");
      json_builder_add_int_value (builder, event->suppressed);
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}
