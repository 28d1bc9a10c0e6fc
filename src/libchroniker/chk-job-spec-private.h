/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include "chk-error.h"
#include "chk-job-spec.h"

G_BEGIN_DECLS

/* What chk-job-spec.c, chk-job-spec-orchestration.c and chk-job-spec-values.c share. */

#define set_invalid(error, ...) chk_set_error (error, CHK_ERROR_INVALID_ARGUMENT, __VA_ARGS__)
#define set_key_invalid(error, key, ...) \
  chk_set_key_error (error, CHK_ERROR_INVALID_ARGUMENT, key, __VA_ARGS__)

/* The longest name DNS allows: the bound of the host key and of chk_check_host_name(). */
#define MAX_HOST_LENGTH 253

gboolean       _chk_job_spec_check_job_name   (const char           *key,
                                               const char           *name,
                                               GError              **error);

void           _chk_dependency_free           (ChkDependency        *dependency);
GPtrArray     *_chk_dependencies_new          (void);
ChkDependency *_chk_dependency_from_variant   (GVariant             *entry,
                                               GError              **error);
GVariant      *_chk_dependencies_to_variant   (GPtrArray            *dependencies);
GVariant      *_chk_run_if_to_variant         (ChkRunIf              conditions);

gboolean       _chk_job_spec_apply_depends_on (ChkJobSpec           *spec,
                                               const ChkJobSpecKey  *key,
                                               GVariant             *value,
                                               GError              **error);
gboolean       _chk_job_spec_apply_job_names  (ChkJobSpec           *spec,
                                               const ChkJobSpecKey  *key,
                                               GVariant             *value,
                                               GError              **error);
gboolean       _chk_job_spec_apply_run_if     (ChkJobSpec           *spec,
                                               const ChkJobSpecKey  *key,
                                               GVariant             *value,
                                               GError              **error);

G_END_DECLS
