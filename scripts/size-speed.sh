#!/usr/bin/env bash
# Issue 13's speed table at detection size: the SIMD cpu engine (`bench --size`) against ONNX Runtime running the same
# model's `export-onnx --dynamic-size` backbone (Bench's `ort-size`), batch 1, each engine alone in a process of its
# own (so they never share the cores), both on every processor. Weights are generated: speed does not depend on them.
# About 4 minutes on a quiet 2-core machine with the defaults (10 timed runs after 3 warm-ups per engine and model).
# Prints a markdown table (for docs/performance.md) and leaves the JSON lines in $SIZE_SPEED_OUT (default a temp dir).
# Usage: scripts/size-speed.sh [--runs N] [--warmup N] [--size HxW] [--models "id id ..."]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=10 warmup=3 size=800x1216 models="shufflenetv2-1.0x oneshot detnas-coco-fpn-300m"
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        --size) size=$2; shift 2 ;;
        --models) models=$2; shift 2 ;;
        *) echo "size-speed.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
out=${SIZE_SPEED_OUT:-$(mktemp -d)}
mkdir -p "$out"
dotnet build Cli/Cli.csproj -c Release -v q -nologo 2>&1 | grep -E "error|Warn" || true
dotnet build Bench/Bench.csproj -c Release -v q -nologo 2>&1 | grep -E "error|Warn" || true
cli() { dotnet Cli/bin/Release/net10.0/shufflenet.dll "$@"; }
ort() { dotnet Bench/bin/Release/net10.0/ShuffleNetGpu.Bench.dll ort-size "$@"; }

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) processors, load $(cut -d' ' -f1-3 /proc/loadavg) at the start; $size, batch 1, median of $runs runs after $warmup warm-ups"
echo
echo "| model | cpu engine ms | ONNX Runtime ms | cpu / ORT speed |"
echo "|---|---|---|---|"
for m in $models; do
    cli export-onnx "$m" -o "$out/$m.onnx" --dynamic-size > /dev/null
    cli bench --model "$m" --backend cpu --size "$size" --batch 1 --runs "$runs" --warmup "$warmup" --json --quiet > "$out/$m.cpu.json"
    ort "$out/$m.onnx" --size "$size" --batch 1 --runs "$runs" --warmup "$warmup" > "$out/$m.ort.json"
    ours=$(jq -r .median_ms "$out/$m.cpu.json"); theirs=$(jq -r .median_ms "$out/$m.ort.json")
    echo "| $m | $ours | $theirs | $(jq -n "$theirs / $ours * 100 | round / 100") |"
done
echo
echo "load $(cut -d' ' -f1-3 /proc/loadavg) at the end; ONNX Runtime: $(jq -r .engine "$out/$(echo $models | cut -d' ' -f1).ort.json"); JSON lines in $out"
