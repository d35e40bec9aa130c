#!/usr/bin/env bash
# Remakes docs/images/ with the commands themselves (issue 18): a bench plot comparing two models on the cpu backend,
# the C4 heat map of the tiny ShuffleNetV2 fixture over chelsea.png, and a confusion matrix of the tiny fixture over a
# 4-class folder of the shipped images. The tiny fixture's weights are not ImageNet-trained: the pictures show what the
# commands draw, not a trained model's accuracy. Usage: scripts/docs-images.sh [backend] (default cpu)
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-cpu}"
dotnet build Cli/Cli.csproj -c Release 2>&1 | tail -1
shufflenet() { dotnet Cli/bin/Release/net10.0/shufflenet.dll "$@"; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tiny=fixtures/tiny/tiny-shufflenetv2/checkpoint.pth.tar
uptime
shufflenet bench --model shufflenetv2-1.0x --backend "$backend" --batch 1,4,16,32 --runs 5 --warmup 2 --json --quiet > "$work/v2-1.0x.jsonl"
shufflenet bench --model shufflenetv2-0.5x --backend "$backend" --batch 1,4,16,32 --runs 5 --warmup 2 --quiet \
    --plot docs/images/bench.png --compare "$work/v2-1.0x.jsonl"
shufflenet features --model "$tiny" fixtures/images/chelsea.png --stages 4 -o "$work/maps" --backend cpu --png "$work/pictures"
cp "$work/pictures/c4.png" docs/images/features-c4.png
for entry in 0:chelsea.png 0:logo.png 2:coffee.png 5:camera.png 7:hubble_deep_field.jpg; do
    mkdir -p "$work/set/${entry%%:*}" && cp "fixtures/images/${entry#*:}" "$work/set/${entry%%:*}/"
done
shufflenet eval --model "$tiny" "$work/set" --labels index --backend cpu --confusion docs/images/confusion.png
