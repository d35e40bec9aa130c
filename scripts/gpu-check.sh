#!/usr/bin/env bash
# Runs on the GPU machine from the repository root (after scripts/gpu-bundle.sh here and carrying .gpu/):
#   1. every shipped reference case on cuda and opencl (`shufflenet verify`), with the error per model;
#   2. the bench of the issue's models on both backends (images/s, ms per batch, peak memory, kernels per pass);
#   3. issue 16: batch-1 latency with and without CUDA graphs, the pipelined stream's images/s, the tf32 rule and speed;
#   4. a per-kernel profile of V2 1.0x at batch 64 on cuda.
# Everything is printed, and also written as JSON lines under $OUT (when set) so the results come back.
# Budget: a few minutes; set GPU_CHECK_QUICK=1 for batch 1 and 64 only.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
out=${OUT:-$work/out}
mkdir -p "$out"
tar -C "$work" -xJf "$here/bundle.tar.xz"
cli="$work/shufflenet/shufflenet"
cd "$work/shufflenet"
echo "== machine"; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -2; nproc
status=0
echo "== verify (shipped reference cases), ILGPU O1 (the default) and O2"
for backend in cuda opencl; do
    "$cli" verify --backend "$backend" 2>&1 | tee "$out/verify-$backend.txt" || status=1
done
SHUFFLENET_ILGPU_OPTIMIZATION=O2 "$cli" verify --backend cuda 2>&1 | tee "$out/verify-cuda-O2.txt"
echo "== bench V2 1.0x on cuda at O2 (compare with the O1 rows below)"
SHUFFLENET_ILGPU_OPTIMIZATION=O2 timeout 120 "$cli" bench --model shufflenetv2-1.0x --backend cuda --batch 1,64,256 --json 2>&1 | tee "$out/bench-cuda-O2.jsonl"
batches=${GPU_CHECK_BATCHES:-1,64,256}
[ "${GPU_CHECK_QUICK:-0}" = 1 ] && batches=1,64
echo "== bench (batches $batches)"
for backend in cuda opencl; do
    for model in shufflenetv2-1.0x shufflenetv1-g3-1.0x shufflenetv2plus-medium oneshot detnas-coco-fpn-300m; do
        timeout 120 "$cli" bench --model "$model" --backend "$backend" --batch "$batches" --runs 20 --warmup 3 --json \
            2>&1 | tee -a "$out/bench-$backend.jsonl"
    done
    for model in shufflenetv2-large shufflenetv2-exlarge; do
        timeout 120 "$cli" bench --model "$model" --backend "$backend" --batch 1,64 --runs 10 --warmup 2 --json \
            2>&1 | tee -a "$out/bench-$backend.jsonl"
    done
done
echo "== issue 16: batch-1 latency with and without CUDA graphs, pipelined stream throughput (cuda, V2 1.0x)"
# resident_median_ms at batch 1 is the graph-replay latency (PyTorch's CUDA-graph replay: 0.49 ms on an H100);
# stream_images_per_s is RunStreamAsync (pinned staging, copies under the kernels) beside images_per_s (one-by-one Run).
for graphs in 1 0; do
    SHUFFLENET_CUDA_GRAPHS=$graphs timeout 180 "$cli" bench --model shufflenetv2-1.0x --backend cuda --batch 1,64,256 \
        --runs 50 --warmup 5 --stream --json 2>&1 | tee "$out/bench-cuda-graphs$graphs.jsonl"
done
python3 - "$out" <<'PY' || true
import json, sys
rows = {}
for graphs in ("1", "0"):
    for line in open(f"{sys.argv[1]}/bench-cuda-graphs{graphs}.jsonl"):
        if line.startswith("{"):
            r = json.loads(line); rows[(graphs, r["batch"])] = r
for b in (1, 64, 256):
    g, p = rows.get(("1", b)), rows.get(("0", b))
    if g and p:
        print(f"batch {b}: resident {g['resident_median_ms']:.3f} ms with graphs, {p['resident_median_ms']:.3f} ms plain "
              f"({p['resident_median_ms'] / g['resident_median_ms']:.2f}x); Run {g['images_per_s']:.0f} img/s, "
              f"stream {g['stream_images_per_s']:.0f} img/s")
if ("1", 1) in rows: print(f"batch-1 graph latency / PyTorch graph replay (0.49 ms): {rows[('1', 1)]['resident_median_ms'] / 0.49:.2f}")
PY
echo "== issue 16: tf32 (tensor cores) on every shipped case: rel. L2 <= 1e-2 and the same top-1 as PyTorch's float logits"
"$cli" verify --backend cuda --precision tf32 2>&1 | tee "$out/verify-cuda-tf32.txt" || status=1
timeout 120 "$cli" bench --model shufflenetv2-1.0x --backend cuda --precision tf32 --batch 1,64,256 --runs 20 --warmup 3 --json \
    2>&1 | tee "$out/bench-cuda-tf32.jsonl"
echo "== profile (cuda, V2 1.0x)"
python3 - "$work/in.npy" <<'PY' 2>/dev/null || true
import struct, sys
n = 64
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, 3, 224, 224), }" % n
header = header.ljust(118) + "\n"
with open(sys.argv[1], "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    f.write(b"\x00" * (n * 3 * 224 * 224 * 4))
PY
[ -f "$work/in.npy" ] && timeout 120 "$cli" run --model shufflenetv2-1.0x --backend cuda --input "$work/in.npy" \
    --output "$work/logits.npy" --profile 2>&1 | grep -v "^image " | tee "$out/profile-cuda.txt"
echo "== several devices (every CUDA device, or two contexts on the one there is): the bits of one device"
list=0,0; [ "$(nvidia-smi -L 2>/dev/null | wc -l)" -gt 1 ] && list=all
if [ -f "$work/logits.npy" ]; then
    timeout 120 "$cli" run --model shufflenetv2-1.0x --backend cuda --devices "$list" --input "$work/in.npy" \
        --output "$work/logits-devices.npy" 2>&1 | grep -v "^image " | tee "$out/devices-cuda.txt"
    if cmp -s "$work/logits.npy" "$work/logits-devices.npy"; then echo "devices $list: same bits as one device" | tee -a "$out/devices-cuda.txt"
    else echo "devices $list: logits differ from one device's" | tee -a "$out/devices-cuda.txt"; status=1; fi
    timeout 120 "$cli" bench --model shufflenetv2-1.0x --backend cuda --devices "$list" --batch 64,256 --runs 10 --warmup 2 --json \
        2>&1 | tee "$out/bench-cuda-devices.jsonl"
fi
echo "== done (status $status)"
exit $status
