# SPDX-License-Identifier: GPL-3.0-or-later
#
# Reads meson's testlog.json and prints one line, "N passed, N failed":
# every GTest case (TAP "ok"/"not ok" line) counts once; a test that printed
# no TAP line counts once by its own result. Exits 1 if anything failed.

import json
import re
import sys

passed = failed = skipped = 0

try:
    with open(sys.argv[1], encoding="utf-8") as f:
        entries = [json.loads(line) for line in f if line.strip()]
except (OSError, ValueError) as e:
    print(f"test-summary: cannot read {sys.argv[1]}: {e}", file=sys.stderr)
    print("0 passed, 1 failed")
    sys.exit(1)

for entry in entries:
    out = entry.get("stdout", "") or ""
    ok = not_ok = skip = 0
    for line in out.splitlines():
        if re.match(r"^ok \d+", line):
            if re.search(r"#\s*SKIP", line, re.IGNORECASE):
                skip += 1
            else:
                ok += 1
        elif re.match(r"^not ok \d+", line):
            if re.search(r"#\s*TODO", line, re.IGNORECASE):
                skip += 1
            else:
                not_ok += 1
    result = entry.get("result", "")
    if result in ("SKIP",):
        skipped += 1
        continue
    if ok or not_ok or skip:
        passed += ok
        skipped += skip
        failed += not_ok
        # A binary that crashed after some cases still failed.
        if result not in ("OK", "EXPECTEDFAIL") and not_ok == 0:
            failed += 1
    elif result in ("OK", "EXPECTEDFAIL"):
        passed += 1
    else:
        failed += 1

line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed or (passed == 0) else 0)
