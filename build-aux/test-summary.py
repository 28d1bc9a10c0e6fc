# SPDX-License-Identifier: GPL-3.0-or-later
#
# Reads meson's testlog.json and prints one line, "N passed, N failed",
# after a line for each test program that did not pass. Exits 1 if anything
# failed.
#
# What counts: every TAP case ("ok"/"not ok" line; GTest binaries and the
# Python harnesses print TAP) counts once; a program that printed no TAP
# line counts once by its own result. Cases that did not run count as
# failed, so that a hang cannot hide them:
#   - a program that printed a plan ("1..N", which GTest and the harnesses
#     print before their first case) and fewer than N results (killed by its
#     timeout, crashed, bailed out) fails its missing cases;
#   - a program that failed after all its cases passed fails once more;
#   - with --expected FILE (the output of `meson test --list` with the same
#     arguments), a listed program that is not in the log at all (meson was
#     stopped before it ran) fails once;
#   - with --meson-status N, a non-zero status of `meson test` that nothing
#     above explains fails once, and so does a run where no test ran.
#
# Under the line of a program that failed come its failed cases, each with
# the few lines of its diagnostics that say what went wrong, so that the
# end of a CI log is enough to know where to look.
#
#   test-summary.py TESTLOG [--expected FILE] [--meson-status N]

import argparse
import json
import re
import sys

parser = argparse.ArgumentParser()
parser.add_argument('testlog')
parser.add_argument('--expected')
parser.add_argument('--meson-status', type=int, default=0)
args = parser.parse_args()

passed = failed = skipped = 0
problems = []
skips = []

try:
    with open(args.testlog, encoding='utf-8') as f:
        entries = [json.loads(line) for line in f if line.strip()]
except FileNotFoundError:
    # Meson stopped before its first test ended: --expected names them.
    entries = []
    if not args.expected:
        problems.append(f'no test log: {args.testlog}')
        failed += 1
except (OSError, ValueError) as e:
    entries = []
    problems.append(f'cannot read {args.testlog}: {e}')
    failed += 1

expected = []
if args.expected:
    try:
        with open(args.expected, encoding='utf-8') as f:
            expected = [line.strip() for line in f if ' / ' in line]
    except OSError as e:
        print(f'test-summary: cannot read {args.expected}: {e}', file=sys.stderr)

seen = set()
for entry in entries:
    name = entry.get('name', '?')
    seen.add(name)
    result = entry.get('result', '')
    duration = entry.get('duration') or 0
    out = entry.get('stdout', '') or ''
    plan = None
    ok = not_ok = skip = 0
    bail = None
    cases = []   # (not-ok line, its telling diagnostic lines)
    for line in out.splitlines():
        if line.startswith('#') and cases and len(cases[-1][1]) < 4:
            if re.search(r'Error|error:|^# (failure|error|unexpected)|Bail out|died of', line):
                cases[-1][1].append(line[:200])
            continue
        m = re.match(r'^1\.\.(\d+)', line)
        if m and plan is None:
            plan = int(m.group(1))
        elif re.match(r'^ok \d+', line):
            if re.search(r'#\s*SKIP', line, re.IGNORECASE):
                skip += 1
            else:
                ok += 1
        elif re.match(r'^not ok \d+', line):
            if re.search(r'#\s*TODO', line, re.IGNORECASE):
                skip += 1
            else:
                not_ok += 1
                cases.append((line[:200], []))
        elif line.startswith('Bail out!') and bail is None:
            bail = line

    if result == 'SKIP' and not (ok or not_ok):
        skipped += 1
        skips.append(name)
        continue

    good = result in ('OK', 'EXPECTEDFAIL')
    if not (ok or not_ok or skip or plan):
        if good:
            passed += 1
        else:
            failed += 1
            problems.append(f'{name}: {result} (exit status {entry.get("returncode")})')
        continue

    passed += ok
    skipped += skip
    failed += not_ok
    missing = max(0, plan - (ok + not_ok + skip)) if plan is not None else 0
    failed += missing
    why = []
    if not_ok:
        why.append(f'{not_ok} failed')
    if missing:
        why.append(f'{missing} of {plan} cases did not run')
    if not good:
        why.insert(0, f'{result} after {duration:.0f} s' if result == 'TIMEOUT' else result)
        if not (not_ok or missing):
            # It failed after its cases, e.g. on exit or in a leak check.
            failed += 1
            why.append('all cases passed, then it failed')
    if bail:
        why.append(bail)
    if why:
        problems.append(f'{name}: ' + '; '.join(why))
        for case, lines in cases:
            problems.append('  ' + case)
            problems.extend('    ' + l for l in lines)

for name in expected:
    if name not in seen:
        failed += 1
        problems.append(f'{name}: did not run')

if args.meson_status != 0 and failed == 0:
    failed += 1
    problems.append(f'meson test exited with status {args.meson_status}')
if passed == 0 and failed == 0:
    failed += 1
    problems.append('no test ran')

for problem in problems:
    print(problem if problem.startswith(' ') else f'FAILED {problem}')
if skipped:
    print(f'{skipped} skipped' + (f', among them the whole of {", ".join(skips)}' if skips else ''))
print(f'{passed} passed, {failed} failed')
sys.exit(1 if failed else 0)
