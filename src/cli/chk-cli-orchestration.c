/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chronikerctl"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "chk-cli-orchestration.h"
#include "chk-cli-verbs.h"
#include "chk-duration.h"
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

/* The keys of the options of this file */
static const char * const keys[] = {
  "depends-on", "run-on-success", "run-on-failure", "retries", "retry-delay",
  "retry-backoff", "retry-max-delay", "random-delay", "run-if", "run-if-wait", NULL,
};

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

  return chk_cli_check_spec_keys (dict, keys, context, out_status);
}

/* show */

static char *
describe_dependency (GVariant *entry)
{
  /* What each of dependency_keys[] means, when on */
  const char *meanings[] = {
    N_("not while it runs"), N_("after it succeeded"), N_("not before its next run"),
  };
  g_autoptr(GPtrArray) on = g_ptr_array_new ();
  const char *job = "";

  g_variant_lookup (entry, "job", "&s", &job);
  for (guint i = 0; i < G_N_ELEMENTS (dependency_keys); i++)
    {
      gboolean flag = TRUE;

      g_variant_lookup (entry, dependency_keys[i], "b", &flag);
      if (flag)
        g_ptr_array_add (on, (gpointer) _(meanings[i]));
    }
  if (on->len == 0)
    /* Translators: a dependency of show whose waits are all off */
    return g_strdup_printf (_("%s (no waits)"), job);

  g_ptr_array_add (on, NULL);
  {
    g_autofree char *joined = g_strjoinv (", ", (char **) on->pdata);

    /* "backup (not while it runs, after it succeeded)" */
    return g_strdup_printf (_("%s (%s)"), job, joined);
  }
}

/* "3, after 1 min, ×2, up to 1 h"; NULL without retries */
static char *
describe_retries (ChkJob1 *job)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  guint32 retries = chk_job1_get_retries (job);
  guint32 delay = chk_job1_get_retry_delay (job);
  gdouble backoff = chk_job1_get_retry_backoff (job);
  g_autofree char *delay_text = chk_duration_format (delay);

  if (retries == 0)
    return NULL;

  g_ptr_array_add (parts, g_strdup_printf ("%u", retries));
  /* Translators: the delay before a job's first retry, e.g. "after 1 min" */
  g_ptr_array_add (parts, g_strdup_printf (_("after %s"), delay_text));
  /* With one retry, or a factor of 1, the delay never grows. */
  if (retries > 1 && backoff > 1.0)
    {
      g_autofree char *max_text = chk_duration_format (MAX (chk_job1_get_retry_max_delay (job),
                                                            delay));

      /* Translators: what a retry's delay is multiplied by, e.g. "×2" or "×1.5" */
      g_ptr_array_add (parts, g_strdup_printf (_("×%g"), backoff));
      /* Translators: the longest delay between retries, e.g. "up to 1 h" */
      g_ptr_array_add (parts, g_strdup_printf (_("up to %s"), max_text));
    }
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (", ", (char **) parts->pdata);
}

/* A word of run-if as show says it: "AC power"; one of a newer daemon as it is */
static const char *
run_if_in_words (const char *word)
{
  /* In the order of the ChkRunIf flags */
  static const char * const texts[] = {
    N_("AC power"), N_("a network"), N_("an unmetered network"), N_("power saver off"),
  };
  ChkRunIf condition;
  gint bit;

  if (!chk_run_if_from_string (word, &condition))
    return word;
  bit = g_bit_nth_lsf (condition, -1);
  return bit >= 0 && bit < (gint) G_N_ELEMENTS (texts) ? _(texts[bit]) : word;
}

/* "AC power, a network; waits up to 10 min, then skips"; NULL without conditions */
static char *
describe_run_if (ChkJob1 *job)
{
  const char * const *words = chk_job1_get_run_if (job);
  g_autoptr(GPtrArray) conditions = g_ptr_array_new ();
  g_autofree char *joined = NULL;

  if (words == NULL || words[0] == NULL)
    return NULL;

  for (guint i = 0; words[i] != NULL; i++)
    g_ptr_array_add (conditions, (gpointer) run_if_in_words (words[i]));
  g_ptr_array_add (conditions, NULL);
  joined = g_strjoinv (", ", (char **) conditions->pdata);

  if (chk_job1_get_run_if_wait (job) > 0)
    {
      g_autofree char *wait = chk_duration_format (chk_job1_get_run_if_wait (job));

      /* Translators: a job's run-if conditions, and how long a due run waits for them */
      return g_strdup_printf (_("%s; waits up to %s, then skips"), joined, wait);
    }
  /* Translators: a job's run-if conditions, when a due run does not wait for them */
  return g_strdup_printf (_("%s; else skips"), joined);
}

static void
print_names (ChkCliPrintField    print_field,
             const char         *label,
             const char * const *names)
{
  g_autofree char *joined = NULL;

  if (names == NULL || names[0] == NULL)
    return;
  joined = g_strjoinv (", ", (char **) names);
  print_field (label, joined);
}

/**
 * chk_cli_print_orchestration:
 * @job: a job proxy
 * @print_field: how show prints a field
 *
 * Prints the orchestration keys of @job that are set, in words.
 */
void
chk_cli_print_orchestration (ChkJob1          *job,
                             ChkCliPrintField  print_field)
{
  GVariant *depends_on = chk_job1_get_depends_on (job);
  g_autofree char *retries = describe_retries (job);
  g_autofree char *run_if = describe_run_if (job);

  for (gsize i = 0; depends_on != NULL && i < g_variant_n_children (depends_on); i++)
    {
      g_autoptr(GVariant) entry = g_variant_get_child_value (depends_on, i);
      g_autofree char *text = describe_dependency (entry);

      print_field (i == 0 ? _("Depends on:") : "", text);
    }
  print_names (print_field, _("On success, runs:"), chk_job1_get_run_on_success (job));
  print_names (print_field, _("On failure, runs:"), chk_job1_get_run_on_failure (job));
  if (retries != NULL)
    print_field (_("Retries:"), retries);
  if (chk_job1_get_random_delay (job) > 0)
    {
      g_autofree char *delay = chk_duration_format (chk_job1_get_random_delay (job));
      g_autofree char *text = g_strdup_printf (_("up to %s"), delay);

      print_field (_("Random delay:"), text);
    }
  if (run_if != NULL)
    print_field (_("Run if:"), run_if);
}
