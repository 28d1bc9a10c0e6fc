/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-dbus-generated.h"

G_BEGIN_DECLS

/* The options of add and edit for the orchestration keys (DESIGN §7), as given. */
typedef struct
{
  char **depends_on;
  char **run_on_success;
  char **run_on_failure;
  char **run_if;
  char  *retries;
  char  *retry_delay;
  char  *retry_backoff;
  char  *retry_max_delay;
  char  *random_delay;
  char  *run_if_wait;
} ChkCliOrchestrationOptions;

#define CHK_CLI_ORCHESTRATION_OPTION_ENTRIES(o) \
  { "depends-on", 0, 0, G_OPTION_ARG_STRING_ARRAY, &(o).depends_on, \
    N_("Wait for another job; FLAGS: completion, success, next-run (repeatable; \"\" for none)"), \
    N_("NAME[:FLAGS]") }, \
  { "run-on-success", 0, 0, G_OPTION_ARG_STRING_ARRAY, &(o).run_on_success, \
    N_("Start this job when a run succeeds (repeatable; \"\" for none)"), N_("NAME") }, \
  { "run-on-failure", 0, 0, G_OPTION_ARG_STRING_ARRAY, &(o).run_on_failure, \
    N_("Start this job when a run fails (repeatable; \"\" for none)"), N_("NAME") }, \
  { "retries", 0, 0, G_OPTION_ARG_STRING, &(o).retries, \
    N_("Try a failed run again this many times (default 0)"), N_("N") }, \
  { "retry-delay", 0, 0, G_OPTION_ARG_STRING, &(o).retry_delay, \
    N_("Wait this long before the first retry (default 1m)"), N_("DURATION") }, \
  { "retry-backoff", 0, 0, G_OPTION_ARG_STRING, &(o).retry_backoff, \
    N_("Multiply the delay by this for each further retry, 1 to 100 (default 2)"), N_("FACTOR") }, \
  { "retry-max-delay", 0, 0, G_OPTION_ARG_STRING, &(o).retry_max_delay, \
    N_("Let the delay between retries grow to this at most (default 1h)"), N_("DURATION") }, \
  { "random-delay", 0, 0, G_OPTION_ARG_STRING, &(o).random_delay, \
    N_("Delay every scheduled run by a fixed offset below this (0 for none)"), N_("DURATION") }, \
  { "run-if", 0, 0, G_OPTION_ARG_STRING_ARRAY, &(o).run_if, \
    N_("Run only on ac-power, network, unmetered-network or not-power-saver " \
       "(repeatable; \"\" for none)"), \
    N_("CONDITION") }, \
  { "run-if-wait", 0, 0, G_OPTION_ARG_STRING, &(o).run_if_wait, \
    N_("Wait this long for the conditions before skipping a run (default 0)"), N_("DURATION") }

void     chk_cli_orchestration_options_clear (ChkCliOrchestrationOptions *options);
gboolean chk_cli_orchestration_options_add   (ChkCliOrchestrationOptions *options,
                                              GVariantDict               *dict,
                                              GOptionContext             *context,
                                              int                        *out_status);

typedef void (*ChkCliPrintField) (const char *label,
                                  const char *value);

void     chk_cli_print_orchestration         (ChkJob1                    *job,
                                              ChkCliPrintField            print_field);

G_END_DECLS
