/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include "chk-store.h"

G_BEGIN_DECLS

#define CHK_TYPE_STORE_SQLITE (chk_store_sqlite_get_type ())

G_DECLARE_FINAL_TYPE (ChkStoreSqlite, chk_store_sqlite, CHK, STORE_SQLITE, ChkStore)

G_END_DECLS
