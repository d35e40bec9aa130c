#!/usr/bin/env bash
# The test command of the README: builds everything (warnings are errors) and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build ShuffleNetGpu.sln -c Release
log=$(mktemp)
set +e
dotnet test ShuffleNetGpu.sln -c Release --no-build --logger "console;verbosity=normal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line in the plain 'N passed, N failed' form.
passed=$(grep -oE '^\s+Passed:\s+[0-9]+' "$log" | grep -oE '[0-9]+' | tail -1 || true)
failed=$(grep -oE '^\s+Failed:\s+[0-9]+' "$log" | grep -oE '[0-9]+' | tail -1 || true)
skipped=$(grep -oE '^\s+Skipped:\s+[0-9]+' "$log" | grep -oE '[0-9]+' | tail -1 || true)
rm -f "$log"
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit "$status"
