/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chronikerctl"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "chk-cli-orchestration.h"
#include "chk-cli-verbs.h"
#include "chk-duration.h"
#include "chk-error.h"
#include "chk-job-spec.h"

/*
 * The orchestration keys of DESIGN §7 on the command line: the options of
 * add and edit that set them, and how show prints them. Each option is
 * named as its key, with "--" before it.
 */

/* The FLAGS words of --depends-on, and the key of each, in the same order */
static const char * const dependency_words[] = { "completion", "success", "next-run" };
static const char * const dependency_keys[] = {
  "wait-for-completion", "wait-for-success", "wait-for-next-run",
};

/* The option that sets a list key: "" alone clears the list. */
static GVariant *
names_to_variant (char **names)
{
  const char *none[] = { NULL };
  gboolean clear = g_strv_length (names) == 1 && names[0][0] == '\0';

  return g_variant_new_strv (clear ? none : (const char * const *) names, -1);
}

/*
 * "NAME[:FLAGS]": FLAGS after the last colon, a comma list of
 * dependency_words[] naming the waits that are on; without them (or with
 * an empty list, for a name that holds a colon itself) all three are.
 */
static gboolean
add_dependency (GVariantBuilder *builder,
                const char      *text,
                GOptionContext  *context,
                int             *out_status)
{
  const char *colon = strrchr (text, ':');
  g_autofree char *name = colon != NULL ? g_strndup (text, colon - text) : g_strdup (text);
  gboolean on[G_N_ELEMENTS (dependency_words)] = { TRUE, TRUE, TRUE };

  if (colon != NULL && colon[1] != '\0')
    {
      g_auto(GStrv) words = g_strsplit (colon + 1, ",", -1);

      memset (on, 0, sizeof on);
      for (guint i = 0; words[i] != NULL; i++)
        {
          guint j;

          for (j = 0; j < G_N_ELEMENTS (dependency_words); j++)
            {
              if (g_str_equal (g_strstrip (words[i]), dependency_words[j]))
                break;
            }
          if (j == G_N_ELEMENTS (dependency_words))
            {
              *out_status = chk_cli_usage_error (context,
                                                 _("--depends-on: “%s” is not one of "
                                                   "completion, success and next-run"),
                                                 words[i]);
              return FALSE;
            }
          on[j] = TRUE;
        }
    }

  g_variant_builder_open (builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (builder, "{sv}", "job", g_variant_new_string (name));
  for (guint j = 0; j < G_N_ELEMENTS (dependency_keys); j++)
    g_variant_builder_add (builder, "{sv}", dependency_keys[j], g_variant_new_boolean (on[j]));
  g_variant_builder_close (builder);
  return TRUE;
}

static GVariant *
dependencies_to_variant (char           **texts,
                         GOptionContext  *context,
                         int             *out_status)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  /* --depends-on '' clears the list */
  if (g_strv_length (texts) == 1 && texts[0][0] == '\0')
    return g_variant_builder_end (&builder);

  for (guint i = 0; texts[i] != NULL; i++)
    {
      if (!add_dependency (&builder, texts[i], context, out_status))
        {
          g_variant_builder_clear (&builder);
          return NULL;
        }
    }
  return g_variant_builder_end (&builder);
}

/*
 * Makes the checks the daemon makes of these keys (libchroniker's), on a
 * spec of their own: a bad value is then a usage error that names the
 * option, before the daemon is asked.
 */
static gboolean
check_keys (GVariantDict   *dict,
            GOptionContext *context,
            int            *out_status)
{
  static const char * const keys[] = {
    "depends-on", "run-on-success", "run-on-failure", "retries", "retry-delay",
    "retry-backoff", "retry-max-delay", "random-delay", "run-if", "run-if-wait",
  };
  g_auto(GVariantDict) subset = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(ChkJobSpec) scratch = chk_job_spec_new ();
  g_autoptr(GVariant) changes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  const char *message;

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(GVariant) value = g_variant_dict_lookup_value (dict, keys[i], NULL);

      if (value != NULL)
        g_variant_dict_insert_value (&subset, keys[i], value);
    }
  changes = g_variant_ref_sink (g_variant_dict_end (&subset));
  if (chk_job_spec_update (scratch, changes, &error))
    return TRUE;

  /* "retries: 101 is more than 100" → "--retries: 101 is more than 100" */
  key = chk_error_get_key (error);
  message = error->message;
  if (key != NULL && g_str_has_prefix (message, key) &&
      g_str_has_prefix (message + strlen (key), ": "))
    message += strlen (key) + 2;
  if (key != NULL)
    *out_status = chk_cli_usage_error (context, "--%s: %s", key, message);
  else
    *out_status = chk_cli_usage_error (context, "%s", message);
  return FALSE;
}

void
chk_cli_orchestration_options_clear (ChkCliOrchestrationOptions *o)
{
  g_strfreev (o->depends_on);
  g_strfreev (o->run_on_success);
  g_strfreev (o->run_on_failure);
  g_strfreev (o->run_if);
  g_free (o->retries);
  g_free (o->retry_delay);
  g_free (o->retry_backoff);
  g_free (o->retry_max_delay);
  g_free (o->random_delay);
  g_free (o->run_if_wait);
}

/**
 * chk_cli_orchestration_options_add:
 * @o: the options as given
 * @dict: the spec changes, where the keys of the options given go
 * @context: the verb's, for its usage
 * @out_status: (out): the exit status when the options are refused
 *
 * Returns: whether all the options were good
 */
gboolean
chk_cli_orchestration_options_add (ChkCliOrchestrationOptions *o,
                                   GVariantDict               *dict,
                                   GOptionContext             *context,
                                   int                        *out_status)
{
  const struct
  {
    const char *key;
    const char *text;
  } durations[] = {
    { "retry-delay", o->retry_delay },
    { "retry-max-delay", o->retry_max_delay },
    { "random-delay", o->random_delay },
    { "run-if-wait", o->run_if_wait },
  };

  if (o->depends_on != NULL)
    {
      GVariant *dependencies = dependencies_to_variant (o->depends_on, context, out_status);

      if (dependencies == NULL)
        return FALSE;
      g_variant_dict_insert_value (dict, "depends-on", dependencies);
    }
  if (o->run_on_success != NULL)
    g_variant_dict_insert_value (dict, "run-on-success", names_to_variant (o->run_on_success));
  if (o->run_on_failure != NULL)
    g_variant_dict_insert_value (dict, "run-on-failure", names_to_variant (o->run_on_failure));
  if (o->run_if != NULL)
    g_variant_dict_insert_value (dict, "run-if", names_to_variant (o->run_if));

  if (o->retries != NULL)
    {
      guint64 n;

      if (!g_ascii_string_to_unsigned (o->retries, 10, 0, G_MAXUINT32, &n, NULL))
        {
          *out_status = chk_cli_usage_error (context, _("--retries: “%s” is not a number"),
                                             o->retries);
          return FALSE;
        }
      g_variant_dict_insert (dict, "retries", "u", (guint32) n);
    }

  if (o->retry_backoff != NULL)
    {
      char *end = NULL;
      gdouble factor = g_ascii_strtod (o->retry_backoff, &end);

      if (end == o->retry_backoff || *end != '\0' || !isfinite (factor))
        {
          *out_status = chk_cli_usage_error (context,
                                             _("--retry-backoff: “%s” is not a number such as "
                                               "2 or 1.5"), o->retry_backoff);
          return FALSE;
        }
      g_variant_dict_insert (dict, "retry-backoff", "d", factor);
    }

  for (guint i = 0; i < G_N_ELEMENTS (durations); i++)
    {
      g_autofree char *option = g_strconcat ("--", durations[i].key, NULL);
      guint32 seconds;

      if (durations[i].text == NULL)
        continue;
      if (!chk_cli_parse_duration_option (context, option, durations[i].text, &seconds,
                                          out_status))
        return FALSE;
      g_variant_dict_insert (dict, durations[i].key, "u", seconds);
    }

  return check_keys (dict, context, out_status);
}
