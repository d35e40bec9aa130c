#!/usr/bin/env bash
# The tests too long for CI (each skipped there with this script's name as the reason): today, four networks of
# different models with their callers at once on PoCL (~5 minutes of kernel compilation on 2 cores), and the pipelined
# stream on PoCL (issue 16: read-ahead, a synchronous call between batches, cancellation with a batch in flight) and the
# executor's tf32 path on a 256-thread CPU accelerator, the TF32 emulation on the Large and ExLarge fixtures and
# `run --devices 0,0` on two ilgpu-cpu contexts in a CLI process, issue 15's stream harness over two ilgpu-cpu
# contexts and serving over them, the pipelined stream's full check on ilgpu-cpu (issue 16), three of the five
# full-size generated-weight models on ilgpu-cpu (all five run on PoCL in CI). Needs OpenCL
# (scripts/install-opencl.sh). Usage: scripts/long-tests.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export SHUFFLENET_LONG_TESTS=1 SHUFFLENET_REQUIRE_OPENCL=1
dotnet build Tests/Tests.csproj -c Release 2>&1 | tail -3
dotnet test Tests/Tests.csproj -c Release --no-build --filter "FullyQualifiedName~FourOpenCLNetworks|FullyQualifiedName~PipelinedStreamTests.TheIlgpuCpuStream|FullyQualifiedName~OpenCLPipelinedStreamTests|FullyQualifiedName~TheExecutorsTf32Path|FullyQualifiedName~EmulatedTf32MeetsTheRuleOnTheLargeFixtures|FullyQualifiedName~RunOverTwoDevicesWritesTheFixturesLogits|FullyQualifiedName~MultiDeviceStreamTests|FullyQualifiedName~MultiDeviceServingTests|FullyQualifiedName~LongGeneratedWeightsAgree" \
    --logger "console;verbosity=detailed" 2>&1 | grep -E "callers on|Passed |Failed |Skipped |Error Message|Total tests"
