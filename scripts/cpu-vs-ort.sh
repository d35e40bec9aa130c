#!/usr/bin/env bash
# The CPU engine against ONNX Runtime with each engine ALONE (issue 14): every measurement is its own process running
# one engine (Bench `alone`), so neither engine's spinning threads share the cores with the other's. For each round,
# model and batch the two engines run one after the other, in alternating order (ours first in odd rounds); the
# table (Bench `alone-table`) gives images/s from the best round's median, the ratio, the ratio of each round, p50,
# p90 and min latency over all rounds, and the logits' agreement. Same generated weights (seed 0) and input for both.
# ORT 1.31.1 is configured as a user would: defaults (all graph optimisations, sequential) + IntraOpNumThreads = THREADS.
#
# Usage: scripts/cpu-vs-ort.sh [--rounds 3] [--runs 50] [--warmup 30] [--warmup-seconds 1] [--threads 2]
#                              [--batches "1 8"] [--models "m1 m2 ..."] [--keep DIR] [--no-build]
# Takes ~5-7 minutes on a quiet 2-core machine with the defaults. Judge ratios on a quiet machine only (`uptime` below
# 1 before and after: both are printed); ratios moved by up to 0.3 between runs on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3 runs=50 warmup=30 warmup_seconds=1 threads=2 batches="1 8" keep="" build=1
models="shufflenetv2-1.0x shufflenetv1-g3-1.0x shufflenetv2plus-medium oneshot detnas-coco-fpn-300m"
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        --warmup-seconds) warmup_seconds=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --batches) batches=$2; shift 2 ;;
        --models) models=$2; shift 2 ;;
        --keep) keep=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        *) echo "cpu-vs-ort.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ "$build" = 1 ]; then
    dotnet build Bench/Bench.csproj -c Release 2>&1 | grep -E " error |Warn|Elapsed" | head -20 >&2
fi
bench=Bench/bin/Release/net10.0/ShuffleNetGpu.Bench.dll
[ -f "$bench" ] || { echo "cpu-vs-ort.sh: $bench is missing (build Bench)" >&2; exit 1; }
dir=${keep:-$(mktemp -d)}
mkdir -p "$dir"
load_before=$(uptime)
start=$(date +%s)
for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) = 1 ]; then order="cpu ort"; else order="ort cpu"; fi
    index=0
    for model in $models; do
        index=$((index + 1))
        for batch in $batches; do
            for engine in $order; do
                dotnet "$bench" alone --engine "$engine" --model "$model" --batch "$batch" --runs "$runs" \
                    --warmup "$warmup" --warmup-seconds "$warmup_seconds" --threads "$threads" \
                    --out "$dir/$(printf %02d $index)-$model-b$batch-r$round-$engine.result" > /dev/null
            done
        done
    done
    echo "round $round of $rounds done ($(( $(date +%s) - start )) s)" >&2
done
load_after=$(uptime)
echo "# CPU engine vs ONNX Runtime, each engine alone in its own process"
echo
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "command: scripts/cpu-vs-ort.sh --rounds $rounds --runs $runs --warmup $warmup --warmup-seconds $warmup_seconds --threads $threads"
echo "each engine ran ALONE: one process per engine, model, batch and round (alternating order), $rounds rounds of"
echo "$runs timed runs after at least $warmup warm-up runs and $warmup_seconds s, $threads threads each; $(( $(date +%s) - start )) s in all"
echo "load before: $load_before"
echo "load after:  $load_after"
echo
dotnet "$bench" alone-table "$dir"
[ -n "$keep" ] || rm -rf "$dir"
