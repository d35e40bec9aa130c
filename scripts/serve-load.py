#!/usr/bin/env python3
"""Load test for `shufflenet serve` (localhost only, bounded): C concurrent single-image clients, each on its own
keep-alive connection, POST one image (binary-data extension) per request until REQUESTS requests are done or
SECONDS have passed. Prints one line: clients, requests, failures, images/s, p50 and p99 latency (ms).

usage: serve-load.py PORT MODEL CLIENTS [REQUESTS] [SECONDS]
"""
import http.client, json, random, struct, sys, threading, time

port, model, clients = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
total = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
limit = float(sys.argv[5]) if len(sys.argv) > 5 else 30.0

random.seed(0)
pixels = struct.pack("<%df" % (3 * 224 * 224), *(random.uniform(0, 255) for _ in range(3 * 224 * 224)))
header = json.dumps({"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 3, 224, 224],
                                 "parameters": {"binary_data_size": len(pixels)}}],
                     "outputs": [{"name": "logits", "parameters": {"binary_data": True}}]}).encode()
body = header + pixels
headers = {"Content-Type": "application/octet-stream", "Inference-Header-Content-Length": str(len(header))}

lock = threading.Lock()
latencies, failures, issued = [], [0], [0]
deadline = time.monotonic() + limit

def client():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while True:
        with lock:
            if issued[0] >= total or time.monotonic() > deadline:
                return
            issued[0] += 1
        start = time.perf_counter()
        try:
            conn.request("POST", f"/v2/models/{model}/infer", body, headers)
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except Exception:
            ok = False
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        elapsed = time.perf_counter() - start
        with lock:
            if ok: latencies.append(elapsed)
            else: failures[0] += 1

began = time.perf_counter()
threads = [threading.Thread(target=client) for _ in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
wall = time.perf_counter() - began
latencies.sort()
pct = lambda p: 1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else float("nan")
print(f"clients {clients:3d}  requests {len(latencies) + failures[0]:5d}  failed {failures[0]}  "
      f"images/s {len(latencies) / wall:7.1f}  p50 {pct(0.50):7.1f} ms  p99 {pct(0.99):7.1f} ms")
