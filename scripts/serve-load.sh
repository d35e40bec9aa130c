#!/usr/bin/env bash
# Load test of `shufflenet serve` on the cpu backend, localhost only, bounded in count and time: 8 to 64 concurrent
# single-image clients against a server with dynamic batching and one without (--max-batch 1), and the library
# called directly (`shufflenet bench`) for comparison. Needs the CLI built: dotnet build Cli/Cli.csproj -c Release.
#
# usage: scripts/serve-load.sh [MODEL] [REQUESTS_PER_LEVEL] [SECONDS_PER_LEVEL]
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-shufflenetv2-0.5x}
requests=${2:-1000}
seconds=${3:-20}
cli=(dotnet Cli/bin/Release/net10.0/shufflenet.dll)
port=18000
echo "# $(date -u +%FT%TZ)  $(nproc) cpus  load: $(cut -d' ' -f1-3 /proc/loadavg)  model $model"

run_server() {   # $1: label, rest: serve options
    local label=$1; shift
    "${cli[@]}" serve --model "$model" --name m --backend cpu --host 127.0.0.1 --port $port --grpc-port $((port + 1)) "$@" >/dev/null 2>&1 &
    local pid=$!
    for _ in $(seq 1 600); do
        curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null 2>&1 && break
        sleep 0.2
    done
    echo "## serve $label ($*)"
    for clients in 8 32 64; do python3 scripts/serve-load.py $port m $clients "$requests" "$seconds"; done
    curl -s "http://127.0.0.1:$port/metrics" | grep -E '^shufflenet_batch_images_(sum|count)' || true
    kill -TERM $pid; wait $pid || true   # SIGTERM: a background job of a script ignores SIGINT
}

run_server "dynamic batching" --max-batch 16 --max-delay-ms 5 --max-queue 256
run_server "no batching" --max-batch 1 --max-queue 256
echo "## the library directly (shufflenet bench, median of 20 runs)"
"${cli[@]}" bench --model "$model" --backend cpu --batch 1,16 --runs 20
echo "# done  load: $(cut -d' ' -f1-3 /proc/loadavg)"
