/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chronikerctl"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "chk-cli-client.h"
#include "chk-cli-format.h"
#include "chk-cli-json.h"
#include "chk-error.h"
#include "chk-job-spec.h"
#include "chk-outcome.h"

/* What a job does: exactly one of them is set. */
static const char * const what_keys[] = { "command", "shell", "check-url", NULL };

static const char * const time_keys[] = {
  "start", "next-run", "last-run-started", "last-run-finished", "started", "finished",
  "snoozed-until", "last-heartbeat", "first-heartbeat", NULL,
};

static char *
property_to_key (const char *property)
{
  GString *key = g_string_new (NULL);

  for (const char *p = property; *p != '\0'; p++)
    {
      if (g_ascii_isupper (*p) && p != property)
        g_string_append_c (key, '-');
      g_string_append_c (key, g_ascii_tolower (*p));
    }
  return g_string_free (key, FALSE);
}

static void
add_value (JsonBuilder *builder,
           const char  *key,
           GVariant    *value)
{
  json_builder_set_member_name (builder, key);

  if (g_strv_contains (time_keys, key) && g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    {
      gint64 when = g_variant_get_int64 (value);

      if (when == 0)
        {
          json_builder_add_null_value (builder);
        }
      else
        {
          g_autofree char *iso = chk_format_iso_utc (when);

          json_builder_add_string_value (builder, iso);
        }
      return;
    }

  if (g_variant_is_of_type (value, G_VARIANT_TYPE ("a{ss}")))
    {
      GVariantIter iter;
      const char *name, *text;

      json_builder_begin_object (builder);
      g_variant_iter_init (&iter, value);
      while (g_variant_iter_next (&iter, "{&s&s}", &name, &text))
        {
          json_builder_set_member_name (builder, name);
          json_builder_add_string_value (builder, text);
        }
      json_builder_end_object (builder);
      return;
    }

  json_builder_add_value (builder, json_gvariant_serialize (value));
}

/* Adds the job's D-Bus property as the member @key, if the proxy has it. */
static void
add_property (JsonBuilder *builder,
              const char  *key,
              ChkJob1     *job,
              const char  *property)
{
  g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (G_DBUS_PROXY (job), property);

  if (value != NULL)
    add_value (builder, key, value);
}

/**
 * chk_json_from_job:
 * @job: a job proxy
 *
 * Returns: (transfer full): the job as a JSON object: every Job1 property
 *   in kebab-case, times as ISO 8601 in UTC or null
 */
JsonNode *
chk_json_from_job (ChkJob1 *job)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  GDBusInterfaceInfo *info = chk_job1_interface_info ();

  json_builder_begin_object (builder);
  for (guint i = 0; info->properties[i] != NULL; i++)
    {
      const char *property = info->properties[i]->name;
      g_autofree char *key = property_to_key (property);

      add_property (builder, key, job, property);
    }
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/**
 * chk_json_spec_from_job:
 * @job: a job proxy
 *
 * Returns: (transfer full): the job's spec as a JSON object, as `export`
 *   writes it and `import --json` reads it: the keys of chk_job_spec_keys()
 */
JsonNode *
chk_json_spec_from_job (ChkJob1 *job)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const char * const *command = chk_job1_get_command (job);
  const char *check_url = chk_job1_get_check_url (job);
  const ChkJobSpecKey *keys;
  guint n_keys;
  const char *what;

  /* command, shell and check-url exclude each other: CreateJob refuses two. */
  if (check_url != NULL && check_url[0] != '\0')
    what = "check-url";
  else if (command != NULL && command[0] != NULL)
    what = "command";
  else
    what = "shell";

  keys = chk_job_spec_keys (&n_keys);
  json_builder_begin_object (builder);
  for (guint i = 0; i < n_keys; i++)
    {
      const char *key = keys[i].name;
      g_autofree char *property = NULL;

      if (g_strv_contains (what_keys, key) && !g_str_equal (key, what))
        continue;

      property = chk_job_spec_key_to_property (key);
      add_property (builder, key, job, property);
    }
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/**
 * chk_json_from_dict:
 * @dict: an `a{sv}` from the daemon
 *
 * Returns: (transfer full): @dict as a JSON object, its times as ISO 8601
 */
JsonNode *
chk_json_from_dict (GVariant *dict)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  GVariantIter iter;
  const char *key;
  GVariant *value;

  json_builder_begin_object (builder);
  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    add_value (builder, key, value);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/**
 * chk_json_from_run:
 * @run: a run record `a{sv}`
 *
 * Returns: (transfer full): the run as a JSON object, plus job-id and
 *   duration (seconds, or null while it runs and for an interrupted run)
 */
JsonNode *
chk_json_from_run (GVariant *run)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  GVariantIter iter;
  const char *key;
  GVariant *value;
  gint64 started = 0, finished = 0;
  const char *job_path = NULL;
  const char *outcome = NULL;
  guint64 job_id = 0;

  json_builder_begin_object (builder);
  g_variant_iter_init (&iter, run);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    add_value (builder, key, value);

  g_variant_lookup (run, "started", "x", &started);
  g_variant_lookup (run, "finished", "x", &finished);
  g_variant_lookup (run, "job", "&o", &job_path);
  g_variant_lookup (run, "outcome", "&s", &outcome);

  json_builder_set_member_name (builder, "job-id");
  if (job_path != NULL && chk_client_job_id_from_path (job_path, &job_id))
    json_builder_add_int_value (builder, (gint64) job_id);
  else
    json_builder_add_null_value (builder);

  /* A run the daemon's end interrupted was found so at its next start: that
   * is no end of the run's, and the difference no duration. */
  json_builder_set_member_name (builder, "duration");
  if (started != 0 && finished != 0 && chk_outcome_from_string (outcome) != CHK_OUTCOME_INTERRUPTED)
    json_builder_add_double_value (builder, (double) (finished - started) / G_USEC_PER_SEC);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static gboolean
parse_iso_time (const char *text,
                gint64     *out)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) when = g_date_time_new_from_iso8601 (text, utc);

  if (when == NULL)
    return FALSE;
  *out = g_date_time_to_unix (when) * G_USEC_PER_SEC + g_date_time_get_microsecond (when);
  return TRUE;
}

static GVariant *
node_to_variant (const char  *key,
                 const char  *type,
                 JsonNode    *node,
                 GError     **error)
{
  if (g_str_equal (type, "x") && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING)
    {
      gint64 when;

      if (!parse_iso_time (json_node_get_string (node), &when))
        {
          chk_set_key_error (error, CHK_ERROR_INVALID_ARGUMENT, key,
                             _("“%s” is not an ISO 8601 time"), json_node_get_string (node));
          return NULL;
        }
      return g_variant_new_int64 (when);
    }
  if (g_str_equal (type, "x") && JSON_NODE_HOLDS_NULL (node))
    return g_variant_new_int64 (0);

  if (g_str_equal (type, "a{ss}") && JSON_NODE_HOLDS_OBJECT (node))
    {
      GVariantBuilder builder;
      g_autoptr(GList) members = json_object_get_members (json_node_get_object (node));

      g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *member = json_object_get_member (json_node_get_object (node), l->data);

          if (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_STRING)
            {
              g_variant_builder_clear (&builder);
              chk_set_key_error (error, CHK_ERROR_INVALID_ARGUMENT, "environment",
                                 _("the value of %s must be a string"), (char *) l->data);
              return NULL;
            }
          g_variant_builder_add (&builder, "{ss}", l->data, json_node_get_string (member));
        }
      return g_variant_builder_end (&builder);
    }

  {
    g_autoptr(GError) local_error = NULL;
    GVariant *value = json_gvariant_deserialize (node, type, &local_error);

    if (value == NULL)
      chk_set_key_error (error, CHK_ERROR_INVALID_ARGUMENT, key, _("not a value of type %s"), type);
    return value;
  }
}

/**
 * chk_json_to_spec:
 * @object: a job spec as export writes it
 * @error: return location for a #GError
 *
 * Returns: (transfer floating): the spec as an `a{sv}` for CreateJob, or
 *   %NULL naming the key that is unknown or of the wrong type
 */
GVariant *
chk_json_to_spec (JsonObject  *object,
                  GError     **error)
{
  g_autoptr(GList) members = json_object_get_members (object);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      const ChkJobSpecKey *spec_key = chk_job_spec_lookup_key (key);
      GVariant *value;

      if (spec_key == NULL)
        {
          g_variant_builder_clear (&builder);
          g_set_error (error, CHK_ERROR, CHK_ERROR_INVALID_ARGUMENT, _("unknown key “%s”"), key);
          return NULL;
        }

      value = node_to_variant (key, spec_key->type, json_object_get_member (object, key), error);
      if (value == NULL)
        {
          g_variant_builder_clear (&builder);
          return NULL;
        }
      g_variant_builder_add (&builder, "{sv}", key, value);
    }

  return g_variant_builder_end (&builder);
}

/*
 * JSON-GLib writes a double with 17 digits ("5.6000360000000002"), and
 * DEL, the C1 controls (two bytes in UTF-8) and the bidirectional controls
 * in strings as they are, where a terminal acts on them: so the client
 * writes its JSON itself, in JSON-GLib's layout.
 */
static void
write_string (GString    *out,
              const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0';)
    {
      gunichar c = g_utf8_get_char_validated (p, -1);
      const char *next;

      /* D-Bus strings are UTF-8; anything else would be a bug of ours: write it as it is. */
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_c (out, *p++);
          continue;
        }

      next = g_utf8_next_char (p);
      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", (char) c);
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c == '\r')
        g_string_append (out, "\\r");
      else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202A && c <= 0x202E) ||
               (c >= 0x2066 && c <= 0x2069))
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_len (out, p, next - p);
      p = next;
    }
  g_string_append_c (out, '"');
}

/* The shortest text that reads back as @value, always with a point or an exponent. */
static void
write_double (GString *out,
              double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    {
      g_string_append (out, "null");
      return;
    }
  for (int digits = 1; digits <= 17; digits++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", digits);
      g_ascii_formatd (buffer, sizeof buffer, format, value);
      if (g_ascii_strtod (buffer, NULL) == value)
        break;
    }
  g_string_append (out, buffer);
  if (strpbrk (buffer, ".eEn") == NULL)
    g_string_append (out, ".0");
}

static void
write_node (GString  *out,
            JsonNode *node,
            guint     depth)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr(GList) members = json_object_get_members (object);

        if (members == NULL)
          {
            g_string_append (out, "{}");
            break;
          }
        g_string_append (out, "{\n");
        for (GList *l = members; l != NULL; l = l->next)
          {
            g_string_append_printf (out, "%*s", (int) (depth + 1) * 2, "");
            write_string (out, l->data);
            g_string_append (out, " : ");
            write_node (out, json_object_get_member (object, l->data), depth + 1);
            g_string_append (out, l->next != NULL ? ",\n" : "\n");
          }
        g_string_append_printf (out, "%*s}", (int) depth * 2, "");
      }
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        if (n == 0)
          {
            g_string_append (out, "[]");
            break;
          }
        g_string_append (out, "[\n");
        for (guint i = 0; i < n; i++)
          {
            g_string_append_printf (out, "%*s", (int) (depth + 1) * 2, "");
            write_node (out, json_array_get_element (array, i), depth + 1);
            g_string_append (out, i + 1 < n ? ",\n" : "\n");
          }
        g_string_append_printf (out, "%*s]", (int) depth * 2, "");
      }
      break;

    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          write_double (out, json_node_get_double (node));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
          break;
        case G_TYPE_STRING:
          write_string (out, json_node_get_string (node));
          break;
        default:
          g_assert_not_reached ();
        }
      break;

    case JSON_NODE_NULL:
    default:
      g_string_append (out, "null");
      break;
    }
}

/**
 * chk_json_print:
 * @node: what to print
 *
 * Prints @node as indented JSON and a newline on stdout: numbers as short
 * as they can be while reading back the same, and strings without a
 * character that a terminal would act on.
 */
void
chk_json_print (JsonNode *node)
{
  g_autoptr(GString) out = g_string_new (NULL);

  write_node (out, node, 0);
  g_print ("%s\n", out->str);
}
