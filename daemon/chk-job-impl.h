/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-engine.h"
#include "chk-job.h"

G_BEGIN_DECLS

void chk_job_impl_method_call (ChkEngine             *engine,
                               ChkJob                *job,
                               GDBusMethodInvocation *invocation);

G_END_DECLS
