/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <json-glib/json-glib.h>

#include "chk-dbus-generated.h"

G_BEGIN_DECLS

JsonNode *chk_json_from_job      (ChkJob1     *job);
JsonNode *chk_json_spec_from_job (ChkJob1     *job);
JsonNode *chk_json_from_dict     (GVariant    *dict);
JsonNode *chk_json_from_run      (GVariant    *run);
GVariant *chk_json_to_spec       (JsonObject  *object,
                                  GError     **error);
void      chk_json_print         (JsonNode    *node);

G_END_DECLS
