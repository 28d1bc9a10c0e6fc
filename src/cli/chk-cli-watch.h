/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-cli-orchestration.h"
#include "chk-dbus-generated.h"

G_BEGIN_DECLS

/* The options of add and edit for the keys of watching over time (DESIGN §7), as given. */
typedef struct
{
  char *expected_duration;
  char *alert_after_failures;
} ChkCliWatchOptions;

#define CHK_CLI_WATCH_OPTION_ENTRIES(o) \
  { "expected-duration", 0, 0, G_OPTION_ARG_STRING, &(o).expected_duration, \
    N_("Alert once when a run goes on longer than this, without stopping it (0 for none)"), \
    N_("DURATION") }, \
  { "alert-after-failures", 0, 0, G_OPTION_ARG_STRING, &(o).alert_after_failures, \
    N_("Alert on failures only after this many in a row, 1 to 1000 (default 1)"), N_("N") }

void     chk_cli_watch_options_clear (ChkCliWatchOptions *options);
gboolean chk_cli_watch_options_add   (ChkCliWatchOptions *options,
                                      GVariantDict       *dict,
                                      GOptionContext     *context,
                                      int                *out_status);

gboolean chk_cli_job_is_snoozed      (ChkJob1            *job,
                                      gint64              now);
void     chk_cli_print_watch         (ChkJob1            *job,
                                      ChkCliPrintField    print_field);

G_END_DECLS
