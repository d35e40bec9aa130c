#!/usr/bin/env bash
# The full soak of issue 15: 10,000 warm cpu runs and 1,000 PoCL/OpenCL runs of the tiny ShuffleNet V1 fixture (the
# OpenCL test is skipped without an OpenCL device unless SHUFFLENET_REQUIRE_OPENCL=1), plus 1,000 calls with a random
# batch of 1..64. Prints managed heap, native buffers and handles before and after. Usage: scripts/soak.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
export SHUFFLENET_SOAK_RUNS="${1:-10000}"
export SHUFFLENET_SOAK_OPENCL_RUNS="${SHUFFLENET_SOAK_OPENCL_RUNS:-1000}"
export SHUFFLENET_SOAK_RANDOM_CALLS="${SHUFFLENET_SOAK_RANDOM_CALLS:-1000}"
dotnet build Tests/Tests.csproj -c Release 2>&1 | tail -3
dotnet test Tests/Tests.csproj -c Release --no-build --filter "FullyQualifiedName~Runtime.SoakTests" \
    --logger "console;verbosity=detailed" 2>&1 | grep -E "warm runs|calls of|Passed |Failed |Skipped |Error Message|Total tests"
