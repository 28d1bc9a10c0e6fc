/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-dbus"

#include "config.h"

#include <string.h>

#include "chk-dbus-util.h"

/**
 * chk_job_object_path:
 * @id: a job id
 *
 * Returns: (transfer full): the job's object path
 */
char *
chk_job_object_path (guint64 id)
{
  return g_strdup_printf (CHK_JOBS_PATH "/%" G_GUINT64_FORMAT, id);
}

/**
 * chk_job_id_from_path:
 * @path: an object path
 * @out_id: (out): the job id in it
 *
 * Returns: whether @path is a job's object path
 */
gboolean
chk_job_id_from_path (const char *path,
                      guint64    *out_id)
{
  const char *digits;
  guint64 id;

  g_return_val_if_fail (path != NULL, FALSE);

  if (!g_str_has_prefix (path, CHK_JOBS_PATH "/"))
    return FALSE;
  digits = path + strlen (CHK_JOBS_PATH "/");
  if (!g_ascii_string_to_unsigned (digits, 10, 1, G_MAXUINT64, &id, NULL))
    return FALSE;

  *out_id = id;
  return TRUE;
}

/**
 * chk_run_record_to_variant:
 * @run: a run record
 *
 * Returns: (transfer floating): the run record as the `a{sv}` of DESIGN §2
 */
GVariant *
chk_run_record_to_variant (const ChkRunRecord *run)
{
  g_autofree char *job_path = chk_job_object_path (run->job_id);
  GVariantBuilder builder;

#define STR(s) g_variant_new_string ((s) != NULL ? (s) : "")
  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "id", g_variant_new_uint64 (run->id));
  g_variant_builder_add (&builder, "{sv}", "job", g_variant_new_object_path (job_path));
  g_variant_builder_add (&builder, "{sv}", "job-name", STR (run->job_name));
  g_variant_builder_add (&builder, "{sv}", "trigger", STR (run->trigger));
  g_variant_builder_add (&builder, "{sv}", "started", g_variant_new_int64 (run->started));
  g_variant_builder_add (&builder, "{sv}", "finished", g_variant_new_int64 (run->finished));
  g_variant_builder_add (&builder, "{sv}", "outcome", STR (run->outcome));
  g_variant_builder_add (&builder, "{sv}", "exit-code", g_variant_new_int32 (run->exit_code));
  g_variant_builder_add (&builder, "{sv}", "signal", g_variant_new_int32 (run->signal));
  g_variant_builder_add (&builder, "{sv}", "hostname", STR (run->hostname));
  g_variant_builder_add (&builder, "{sv}", "pid", g_variant_new_uint32 (run->pid));
  g_variant_builder_add (&builder, "{sv}", "stdout-bytes", g_variant_new_uint64 (run->stdout_bytes));
  g_variant_builder_add (&builder, "{sv}", "stderr-bytes", g_variant_new_uint64 (run->stderr_bytes));
  g_variant_builder_add (&builder, "{sv}", "truncated", g_variant_new_boolean (run->truncated));
  g_variant_builder_add (&builder, "{sv}", "progress-complete",
                         g_variant_new_uint32 (run->progress_complete));
  g_variant_builder_add (&builder, "{sv}", "progress-total", g_variant_new_uint32 (run->progress_total));
  g_variant_builder_add (&builder, "{sv}", "progress-message", STR (run->progress_message));
  g_variant_builder_add (&builder, "{sv}", "http-status", g_variant_new_uint32 (run->http_status));
  g_variant_builder_add (&builder, "{sv}", "alert-error", STR (run->alert_error));
  g_variant_builder_add (&builder, "{sv}", "cpu-time", g_variant_new_uint64 (run->cpu_time));
  g_variant_builder_add (&builder, "{sv}", "memory-peak", g_variant_new_uint64 (run->memory_peak));
  g_variant_builder_add (&builder, "{sv}", "containment", STR (run->containment));
  g_variant_builder_add (&builder, "{sv}", "message", STR (run->message));
#undef STR

  return g_variant_builder_end (&builder);
}

/**
 * chk_runs_to_variant:
 * @runs: (element-type ChkRunRecord): run records
 *
 * Returns: (transfer floating): an `aa{sv}`
 */
GVariant *
chk_runs_to_variant (GPtrArray *runs)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < runs->len; i++)
    g_variant_builder_add_value (&builder, chk_run_record_to_variant (g_ptr_array_index (runs, i)));

  return g_variant_builder_end (&builder);
}

/**
 * chk_chunks_to_variant:
 * @chunks: (element-type ChkOutputChunk): output chunks
 *
 * Returns: (transfer floating): an `a(tsxay)`
 */
GVariant *
chk_chunks_to_variant (GPtrArray *chunks)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(tsxay)"));
  for (guint i = 0; i < chunks->len; i++)
    {
      ChkOutputChunk *chunk = g_ptr_array_index (chunks, i);
      GVariant *bytes = g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, chunk->data, TRUE);

      g_variant_builder_add (&builder, "(tsx@ay)", chunk->seq, chk_stream_to_string (chunk->stream),
                             chunk->time, bytes);
    }

  return g_variant_builder_end (&builder);
}
