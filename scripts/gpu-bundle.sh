#!/usr/bin/env bash
# Builds what the GPU machine runs (it has no .NET SDK and no network): a self-contained linux-x64 publish of the
# `shufflenet` command (invariant globalization, not trimmed), the shipped reference cases and gpu-check.sh, packed
# as .gpu/bundle.tar.xz (about 25 MB) plus .gpu/gpu-check.sh. .gpu/ is ignored by git; carry it to the GPU machine
# and run `bash .gpu/gpu-check.sh` there.
set -euo pipefail
cd "$(dirname "$0")/.."
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
dotnet publish Cli/Cli.csproj -c Release -r linux-x64 --self-contained true \
    -p:InvariantGlobalization=true -p:PublishTrimmed=false -o "$stage/shufflenet" >/dev/null
for case in fixtures/tiny/*/; do
    id=$(basename "$case")
    mkdir -p "$stage/shufflenet/fixtures/tiny/$id"
    cp "$case"/checkpoint.pth.tar "$case"/input.npy "$case"/logits.npy "$stage/shufflenet/fixtures/tiny/$id/"
done
mkdir -p .gpu
tar -C "$stage" -cJf .gpu/bundle.tar.xz.tmp shufflenet
mv .gpu/bundle.tar.xz.tmp .gpu/bundle.tar.xz
cp scripts/gpu-check.sh .gpu/gpu-check.sh
ls -la .gpu
