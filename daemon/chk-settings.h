/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib-object.h>

#include "chk-store.h"

G_BEGIN_DECLS

#define CHK_TYPE_SETTINGS (chk_settings_get_type ())

G_DECLARE_FINAL_TYPE (ChkSettings, chk_settings, CHK, SETTINGS, GObject)

ChkSettings *chk_settings_new                   (ChkStore     *store,
                                                 GError      **error);
gboolean     chk_settings_set_local_store       (ChkSettings  *self,
                                                 ChkStore     *local_store,
                                                 GError      **error);
gboolean     chk_settings_update                (ChkSettings  *self,
                                                 GVariant     *changes,
                                                 GError      **error);
GVariant    *chk_settings_to_variant            (ChkSettings  *self);

gboolean     chk_settings_get_allow_shell       (ChkSettings  *self);
guint        chk_settings_get_max_concurrent_runs (ChkSettings *self);
guint        chk_settings_get_keep_runs_days    (ChkSettings  *self);
guint        chk_settings_get_default_max_tasks (ChkSettings  *self);
guint        chk_settings_get_resume_delay      (ChkSettings  *self);
gboolean     chk_settings_get_notifications     (ChkSettings  *self);
const char  *chk_settings_get_string            (ChkSettings  *self,
                                                 const char   *key);
gboolean     chk_settings_get_smtp_starttls     (ChkSettings  *self);

G_END_DECLS
