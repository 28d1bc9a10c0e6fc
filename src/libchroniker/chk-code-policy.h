/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

#include "chk-job-spec.h"

G_BEGIN_DECLS

gboolean chk_code_policy_check_command     (const char * const  *command,
                                            GError             **error);
gboolean chk_code_policy_check_environment (const char          *name,
                                            GError             **error);
gboolean chk_code_policy_check_spec        (const ChkJobSpec    *spec,
                                            const ChkJobSpec    *old_spec,
                                            GError             **error);

G_END_DECLS
