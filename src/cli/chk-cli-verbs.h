/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gio/gio.h>

#include "chk-cli-client.h"

G_BEGIN_DECLS

/* The exit status of a command line chronikerctl does not understand. */
#define CHK_CLI_EXIT_USAGE 2

typedef int (*ChkCliVerbFunc) (int    argc,
                               char **argv);

/* A verb as `chronikerctl --help` lists it; @parameters and @summary make its usage. */
typedef struct
{
  const char     *name;
  const char     *parameters;
  const char     *summary;
  ChkCliVerbFunc  func;
} ChkCliVerb;

/* What chk_cli_verb_begin() does besides parsing the options. */
typedef enum
{
  CHK_CLI_VERB_CONNECT       = 1 << 0,  /* connect to chronikerd */
  CHK_CLI_VERB_JOB           = 1 << 1,  /* take one argument, a job, and look it up; connects */
  CHK_CLI_VERB_UTF8          = 1 << 2,  /* refuse arguments that are not UTF-8, before connecting */
  CHK_CLI_VERB_WARN_STORAGE  = 1 << 3,  /* say what is wrong with the daemon's database, if anything */
  CHK_CLI_VERB_POSIX_OPTIONS = 1 << 4,  /* options only before the arguments */
} ChkCliVerbFlags;

/* Takes any number of arguments: the verb checks them itself. */
#define CHK_CLI_VERB_ANY_ARGS (-1)

/* What a verb works with once it has begun. */
typedef struct
{
  GOptionContext *context;
  ChkClient       client;
  ChkJob1        *job;
  int             status;  /* what the verb returns when chk_cli_verb_begin() fails */
} ChkCliVerbCall;

void     chk_cli_set_verb        (const ChkCliVerb    *verb);
gboolean chk_cli_verb_begin      (ChkCliVerbCall      *call,
                                  const GOptionEntry  *entries,
                                  int                 *argc,
                                  char              ***argv,
                                  int                  max_args,
                                  ChkCliVerbFlags      flags);
gboolean chk_cli_verb_connect    (ChkCliVerbCall      *call);
void     chk_cli_verb_call_clear (ChkCliVerbCall      *call);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ChkCliVerbCall, chk_cli_verb_call_clear)

/* Errors: each prints one line and returns the exit status. */
int      chk_cli_fail            (const char          *format,
                                  ...) G_GNUC_PRINTF (1, 2);
int      chk_cli_fail_error      (GError              *error);
int      chk_cli_usage_error     (GOptionContext      *context,
                                  const char          *format,
                                  ...) G_GNUC_PRINTF (2, 3);
gboolean chk_cli_parse_duration_option (GOptionContext *context,
                                        const char     *option,
                                        const char     *text,
                                        guint32        *out_seconds,
                                        int            *out_status);
gboolean chk_cli_parse_time            (const char     *text,
                                        gint64         *out);
gboolean chk_cli_check_spec_keys       (GVariantDict        *dict,
                                        const char * const  *keys,
                                        GOptionContext      *context,
                                        int                 *out_status);
gboolean chk_cli_check_utf8_arguments (GOptionContext  *context,
                                       int              argc,
                                       char           **argv,
                                       int             *out_status);

gboolean chk_cli_is_set          (const char          *text);
gboolean chk_cli_is_check_job    (ChkJob1             *job);

/* Jobs */
int chk_cli_verb_list           (int argc, char **argv);
int chk_cli_verb_show           (int argc, char **argv);
int chk_cli_verb_add            (int argc, char **argv);
int chk_cli_verb_edit           (int argc, char **argv);
int chk_cli_verb_remove         (int argc, char **argv);
int chk_cli_verb_enable         (int argc, char **argv);
int chk_cli_verb_disable        (int argc, char **argv);

/* Runs */
int chk_cli_verb_run            (int argc, char **argv);
int chk_cli_verb_stop           (int argc, char **argv);
int chk_cli_verb_runs           (int argc, char **argv);
int chk_cli_verb_log            (int argc, char **argv);
int chk_cli_verb_progress       (int argc, char **argv);
int chk_cli_verb_clean          (int argc, char **argv);

/* Watching over time */
int chk_cli_verb_stats          (int argc, char **argv);
int chk_cli_verb_snooze         (int argc, char **argv);
int chk_cli_verb_unsnooze       (int argc, char **argv);

/* Schedules, settings, import and export */
int chk_cli_verb_preview        (int argc, char **argv);
int chk_cli_verb_settings       (int argc, char **argv);
int chk_cli_verb_test_email     (int argc, char **argv);
int chk_cli_verb_login_start    (int argc, char **argv);
int chk_cli_verb_hosts          (int argc, char **argv);
int chk_cli_verb_import_crontab (int argc, char **argv);
int chk_cli_verb_export         (int argc, char **argv);
int chk_cli_verb_import         (int argc, char **argv);

G_END_DECLS
