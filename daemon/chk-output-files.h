/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

#include "chk-store.h"

G_BEGIN_DECLS

typedef struct _ChkOutputFiles ChkOutputFiles;

/* What a record takes in its file besides its bytes. */
#define CHK_OUTPUT_RECORD_HEADER_SIZE 32

/**
 * ChkOutputFilesEndFunc:
 * @run_id: the run a file is named after
 * @out_end: (out): where the run's committed records end in its file
 * @user_data: what was given to chk_output_files_sweep()
 *
 * Returns: whether the run exists
 */
typedef gboolean (*ChkOutputFilesEndFunc) (guint64   run_id,
                                           guint64  *out_end,
                                           gpointer  user_data);

ChkOutputFiles *chk_output_files_new        (const char             *db_path);
void            chk_output_files_free       (ChkOutputFiles         *self);
const char     *chk_output_files_get_folder (ChkOutputFiles         *self);
char           *chk_output_files_get_file   (ChkOutputFiles         *self,
                                             guint64                 run_id);
gboolean        chk_output_files_append     (ChkOutputFiles         *self,
                                             guint64                 run_id,
                                             guint64                 offset,
                                             const ChkOutputChunk   *chunk,
                                             int                    *out_errno,
                                             GError                **error);
GBytes         *chk_output_files_read       (ChkOutputFiles         *self,
                                             guint64                 run_id,
                                             guint64                 offset,
                                             guint64                 seq,
                                             ChkStream               stream,
                                             gsize                   size,
                                             gsize                   skip,
                                             GError                **error);
void            chk_output_files_punch      (ChkOutputFiles         *self,
                                             guint64                 run_id,
                                             guint64                 offset,
                                             guint64                 length);
guint           chk_output_files_sweep      (ChkOutputFiles         *self,
                                             ChkOutputFilesEndFunc   func,
                                             gpointer                user_data);
void            chk_output_files_close      (ChkOutputFiles         *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChkOutputFiles, chk_output_files_free)

G_END_DECLS
