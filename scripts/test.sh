#!/usr/bin/env bash
# The test command of the README: builds everything (warnings are errors) and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build ShuffleNetGpu.sln -c Release
dotnet test ShuffleNetGpu.sln -c Release --no-build --logger "console;verbosity=normal"
