/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

/* For ChkStoreClass, which G_DECLARE_FINAL_TYPE needs whole */
#include "chk-store-private.h"

G_BEGIN_DECLS

#define CHK_TYPE_STORE_PG (chk_store_pg_get_type ())

G_DECLARE_FINAL_TYPE (ChkStorePg, chk_store_pg, CHK, STORE_PG, ChkStore)

ChkStore *chk_store_pg_new            (const char  *conninfo,
                                       GError     **error);
gboolean  chk_store_pg_check_location (const char  *conninfo,
                                       GError     **error);

G_END_DECLS
