/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *_chk_job_page_format_usage (GVariant *run);

G_END_DECLS
