/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-job-spec"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "chk-error.h"
#include "chk-job-spec.h"
#include "chk-job-spec-private.h"

/*
 * The keys that say when a run may start and what follows it: depends-on,
 * run-on-success and run-on-failure, which name other jobs, run-if, and
 * the delays of retries and spreading, computed from the spec.
 */

/* In the order of the ChkRunIf flags */
static const char * const run_if_names[] = {
  "ac-power", "network", "unmetered-network", "not-power-saver",
};

/* A job's name, as the key @key gives it: its own or another job's. */
gboolean
_chk_job_spec_check_job_name (const char  *key,
                const char  *name,
                GError     **error)
{
  gsize len = strlen (name);
  gboolean all_digits = len > 0;

  if (len == 0)
    return set_key_invalid (error, key, _("must not be empty"));
  if (len > CHK_JOB_SPEC_MAX_NAME_LENGTH)
    return set_key_invalid (error, key, _("is %zu bytes long; at most %d are allowed"),
                            len, CHK_JOB_SPEC_MAX_NAME_LENGTH);
  if (chk_text_has_control_characters (name))
    return set_key_invalid (error, key,
                            _("must not contain control characters such as newlines"));
  if (g_ascii_isspace (name[0]) || g_ascii_isspace (name[len - 1]))
    return set_key_invalid (error, key, _("must not start or end with white space"));
  for (gsize i = 0; i < len; i++)
    all_digits &= g_ascii_isdigit (name[i]) != 0;
  if (all_digits)
    return set_key_invalid (error, key,
                            _("“%s” is all digits, which would read as a run id"), name);
  return TRUE;
}

void
_chk_dependency_free (ChkDependency *dependency)
{
  g_free (dependency->job);
  g_free (dependency);
}

GPtrArray *
_chk_dependencies_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) _chk_dependency_free);
}

static ChkDependency *
dependency_new (const char *job)
{
  ChkDependency *dependency = g_new0 (ChkDependency, 1);

  dependency->job = g_strdup (job);
  dependency->wait_for_completion = TRUE;
  dependency->wait_for_success = TRUE;
  dependency->wait_for_next_run = TRUE;
  return dependency;
}

static const char * const dependency_flags[] = {
  "wait-for-completion", "wait-for-success", "wait-for-next-run",
};

static gboolean *
dependency_flag (ChkDependency *dependency,
                 guint          i)
{
  gboolean *flags[] = {
    &dependency->wait_for_completion, &dependency->wait_for_success,
    &dependency->wait_for_next_run,
  };

  return flags[i];
}

/* Reads one {job, wait-for-…} entry; NULL with @error set when it is bad. */
ChkDependency *
_chk_dependency_from_variant (GVariant  *entry,
                         GError   **error)
{
  g_autoptr(GVariant) job = g_variant_lookup_value (entry, "job", NULL);
  ChkDependency *dependency;
  GVariantIter iter;
  const char *name;
  GVariant *value;

  if (job == NULL || !g_variant_is_of_type (job, G_VARIANT_TYPE_STRING))
    {
      set_key_invalid (error, "depends-on", _("each entry needs a job name, as job s"));
      return NULL;
    }
  if (!_chk_job_spec_check_job_name ("depends-on", g_variant_get_string (job, NULL), error))
    return NULL;

  dependency = dependency_new (g_variant_get_string (job, NULL));
  g_variant_iter_init (&iter, entry);
  while (g_variant_iter_loop (&iter, "{&sv}", &name, &value))
    {
      guint i;

      if (g_str_equal (name, "job"))
        continue;
      for (i = 0; i < G_N_ELEMENTS (dependency_flags); i++)
        {
          if (g_str_equal (name, dependency_flags[i]))
            break;
        }
      if (i == G_N_ELEMENTS (dependency_flags))
        set_key_invalid (error, "depends-on", _("unknown key “%s”; an entry has job, "
                                                "wait-for-completion, wait-for-success and "
                                                "wait-for-next-run"), name);
      else if (!g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
        set_key_invalid (error, "depends-on", _("%s must be of type b, not %s"), name,
                         g_variant_get_type_string (value));
      else
        {
          *dependency_flag (dependency, i) = g_variant_get_boolean (value);
          continue;
        }

      g_variant_unref (value);
      _chk_dependency_free (dependency);
      return NULL;
    }

  return dependency;
}

GVariant *
_chk_dependencies_to_variant (GPtrArray *dependencies)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < dependencies->len; i++)
    {
      ChkDependency *dependency = g_ptr_array_index (dependencies, i);

      g_variant_builder_open (&builder, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&builder, "{sv}", "job", g_variant_new_string (dependency->job));
      for (guint j = 0; j < G_N_ELEMENTS (dependency_flags); j++)
        g_variant_builder_add (&builder, "{sv}", dependency_flags[j],
                               g_variant_new_boolean (*dependency_flag (dependency, j)));
      g_variant_builder_close (&builder);
    }
  return g_variant_builder_end (&builder);
}

gboolean
_chk_job_spec_apply_depends_on (ChkJobSpec           *spec,
                  const ChkJobSpecKey  *key,
                  GVariant             *value,
                  GError              **error)
{
  g_autoptr(GPtrArray) dependencies = _chk_dependencies_new ();

  if (g_variant_n_children (value) > CHK_JOB_SPEC_MAX_LINKS)
    return set_key_invalid (error, key->name, _("has %zu jobs; at most %d are allowed"),
                            g_variant_n_children (value), CHK_JOB_SPEC_MAX_LINKS);

  for (gsize i = 0; i < g_variant_n_children (value); i++)
    {
      g_autoptr(GVariant) entry = g_variant_get_child_value (value, i);
      ChkDependency *dependency = _chk_dependency_from_variant (entry, error);

      if (dependency == NULL)
        return FALSE;
      g_ptr_array_add (dependencies, dependency);
      for (guint j = 0; j + 1 < dependencies->len; j++)
        {
          ChkDependency *other = g_ptr_array_index (dependencies, j);

          if (g_str_equal (other->job, dependency->job))
            return set_key_invalid (error, key->name, _("names “%s” twice"), dependency->job);
        }
    }

  g_ptr_array_unref (spec->depends_on);
  spec->depends_on = g_steal_pointer (&dependencies);
  return TRUE;
}

/* run-on-success and run-on-failure: names of other jobs, each once. */
gboolean
_chk_job_spec_apply_job_names (ChkJobSpec           *spec,
                 const ChkJobSpecKey  *key,
                 GVariant             *value,
                 GError              **error)
{
  g_autofree const char **names = g_variant_get_strv (value, NULL);
  char ***member = G_STRUCT_MEMBER_P (spec, key->offset);

  if (g_strv_length ((char **) names) > CHK_JOB_SPEC_MAX_LINKS)
    return set_key_invalid (error, key->name, _("has %u jobs; at most %d are allowed"),
                            g_strv_length ((char **) names), CHK_JOB_SPEC_MAX_LINKS);
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (!_chk_job_spec_check_job_name (key->name, names[i], error))
        return FALSE;
      for (guint j = 0; j < i; j++)
        {
          if (g_str_equal (names[i], names[j]))
            return set_key_invalid (error, key->name, _("names “%s” twice"), names[i]);
        }
    }

  g_strfreev (*member);
  *member = g_strdupv ((char **) names);
  return TRUE;
}

/**
 * chk_run_if_to_string:
 * @condition: one #ChkRunIf flag
 *
 * Returns: its word in `run-if`, such as "ac-power"
 */
const char *
chk_run_if_to_string (ChkRunIf condition)
{
  for (guint i = 0; i < G_N_ELEMENTS (run_if_names); i++)
    {
      if (condition == (ChkRunIf) (1 << i))
        return run_if_names[i];
    }
  g_return_val_if_reached ("");
}

/**
 * chk_run_if_from_string:
 * @text: a word of `run-if`
 * @out_condition: (out): where to put its flag
 *
 * Returns: whether @text is one of the conditions
 */
gboolean
chk_run_if_from_string (const char *text,
                        ChkRunIf   *out_condition)
{
  g_return_val_if_fail (text != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (run_if_names); i++)
    {
      if (g_str_equal (text, run_if_names[i]))
        {
          *out_condition = 1 << i;
          return TRUE;
        }
    }
  return FALSE;
}

GVariant *
_chk_run_if_to_variant (ChkRunIf conditions)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; i < G_N_ELEMENTS (run_if_names); i++)
    {
      if (conditions & (1 << i))
        g_variant_builder_add (&builder, "s", run_if_names[i]);
    }
  return g_variant_builder_end (&builder);
}

gboolean
_chk_job_spec_apply_run_if (ChkJobSpec           *spec,
              const ChkJobSpecKey  *key,
              GVariant             *value,
              GError              **error)
{
  g_autofree const char **words = g_variant_get_strv (value, NULL);
  ChkRunIf conditions = 0;

  for (guint i = 0; words[i] != NULL; i++)
    {
      ChkRunIf condition;

      if (!chk_run_if_from_string (words[i], &condition))
        return set_key_invalid (error, key->name,
                                _("“%s” is not one of ac-power, network, unmetered-network "
                                  "or not-power-saver"), words[i]);
      if (conditions & condition)
        return set_key_invalid (error, key->name, _("names “%s” twice"), words[i]);
      conditions |= condition;
    }

  spec->run_if = conditions;
  return TRUE;
}

/*
 * SplitMix64's finaliser: neighbouring ids (jobs made one after another)
 * land far apart, so that their offsets spread evenly.
 */
static guint64
mix64 (guint64 x)
{
  x ^= x >> 30;
  x *= G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x ^= x >> 27;
  x *= G_GUINT64_CONSTANT (0x94d049bb133111eb);
  x ^= x >> 31;
  return x;
}

/**
 * chk_job_spec_get_random_offset:
 * @spec: a #ChkJobSpec
 * @job_id: the job's id
 *
 * The fixed offset that `random-delay` adds to every scheduled occurrence
 * of the job: in [0, random-delay), to the millisecond, the same for a job
 * in every daemon that ever runs it (a hash of its id), as systemd's
 * `FixedRandomDelay=` and Jenkins' `H`.
 *
 * Returns: the offset in µs; 0 without a random delay
 */
gint64
chk_job_spec_get_random_offset (const ChkJobSpec *spec,
                                guint64           job_id)
{
  guint64 range_ms;

  g_return_val_if_fail (spec != NULL, 0);

  range_ms = (guint64) spec->random_delay * 1000;
  if (range_ms == 0)
    return 0;
  return (gint64) (mix64 (job_id) % range_ms) * 1000;
}

/**
 * chk_job_spec_get_retry_delay:
 * @spec: a #ChkJobSpec
 * @attempt: the attempt about to be made after a failure: 2 for the first retry
 *
 * `retry-delay` multiplied by `retry-backoff` once per retry already made,
 * and at most `retry-max-delay`.
 *
 * Returns: how long to wait before @attempt, in µs
 */
gint64
chk_job_spec_get_retry_delay (const ChkJobSpec *spec,
                              guint             attempt)
{
  gdouble seconds;

  g_return_val_if_fail (spec != NULL, 0);
  g_return_val_if_fail (attempt >= 2, 0);

  seconds = spec->retry_delay * pow (spec->retry_backoff, attempt - 2);
  seconds = MIN (seconds, (gdouble) MAX (spec->retry_max_delay, spec->retry_delay));
  return (gint64) (seconds * G_USEC_PER_SEC);
}

static gboolean
strv_has (char * const *strv,
          const char   *name)
{
  return strv != NULL && g_strv_contains ((const char * const *) strv, name);
}

/**
 * chk_job_spec_links_to:
 * @spec: a #ChkJobSpec
 * @name: another job's name
 *
 * Returns: whether @spec names @name in `depends-on`, `run-on-success` or
 *   `run-on-failure`
 */
gboolean
chk_job_spec_links_to (const ChkJobSpec *spec,
                       const char       *name)
{
  g_return_val_if_fail (spec != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < spec->depends_on->len; i++)
    {
      ChkDependency *dependency = g_ptr_array_index (spec->depends_on, i);

      if (g_str_equal (dependency->job, name))
        return TRUE;
    }
  return strv_has (spec->run_on_success, name) || strv_has (spec->run_on_failure, name);
}

static void
rename_in_strv (char       **strv,
                const char  *old_name,
                const char  *new_name)
{
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    {
      if (g_str_equal (strv[i], old_name))
        {
          g_free (strv[i]);
          strv[i] = g_strdup (new_name);
        }
    }
}

/**
 * chk_job_spec_rename_links:
 * @spec: a #ChkJobSpec
 * @old_name: a job's name before it was renamed
 * @new_name: its name now
 *
 * Makes every mention of @old_name in `depends-on`, `run-on-success` and
 * `run-on-failure` say @new_name.
 */
void
chk_job_spec_rename_links (ChkJobSpec *spec,
                           const char *old_name,
                           const char *new_name)
{
  g_return_if_fail (spec != NULL);
  g_return_if_fail (old_name != NULL && new_name != NULL);

  for (guint i = 0; i < spec->depends_on->len; i++)
    {
      ChkDependency *dependency = g_ptr_array_index (spec->depends_on, i);

      if (g_str_equal (dependency->job, old_name))
        {
          g_free (dependency->job);
          dependency->job = g_strdup (new_name);
        }
    }
  rename_in_strv (spec->run_on_success, old_name, new_name);
  rename_in_strv (spec->run_on_failure, old_name, new_name);
}
