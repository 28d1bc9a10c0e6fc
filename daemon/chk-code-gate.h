/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-engine.h"
#include "chk-job-spec.h"

G_BEGIN_DECLS

/* What a call does once the gate lets it through; it answers @invocation. */
typedef void (*ChkCodeGateFunc) (GDBusMethodInvocation *invocation,
                                 gpointer               user_data);

void chk_code_gate_call (ChkEngine             *engine,
                         GDBusMethodInvocation *invocation,
                         const ChkJobSpec      *spec,
                         const ChkJobSpec      *old_spec,
                         ChkCodeGateFunc        func,
                         gpointer               user_data,
                         GDestroyNotify         destroy);

G_END_DECLS
