/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <adwaita.h>

#include "chk-job-model.h"

G_BEGIN_DECLS

#define CHK_TYPE_JOB_LIST_GROUP (chk_job_list_group_get_type ())

G_DECLARE_FINAL_TYPE (ChkJobListGroup, chk_job_list_group, CHK, JOB_LIST_GROUP,
                      AdwPreferencesGroup)

void      chk_job_list_group_set_model   (ChkJobListGroup *self,
                                          ChkJobModel     *model);
void      chk_job_list_group_set_exclude (ChkJobListGroup *self,
                                          const char      *name);
void      chk_job_list_group_set_value   (ChkJobListGroup *self,
                                          GVariant        *value);
GVariant *chk_job_list_group_get_value   (ChkJobListGroup *self);

/* For the job editor, which shows its errors on the group's fields */
GtkLabel  *_chk_job_list_group_get_error_label (ChkJobListGroup *self);
GtkWidget *_chk_job_list_group_get_add_button  (ChkJobListGroup *self);
GMenuModel *_chk_job_list_group_build_menu     (ChkJobListGroup *self);

G_END_DECLS
