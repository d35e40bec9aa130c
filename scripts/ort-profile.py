#!/usr/bin/env python3
"""Sums an ONNX Runtime profile (Bench `alone --engine ort --ort-profile PREFIX`) per op kind and output map size:
each node's median over the runs, then the sum per (kind, map). Convolutions are split by their weight shape into
pointwise (1x1), depthwise (one input channel per group) and the rest, to set beside the CPU engine's
`shufflenet run --profile --profile-passes N` (per-op medians timed in place). Usage: scripts/ort-profile.py FILE.json"""
import collections
import json
import sys

events = json.load(open(sys.argv[1]))
nodes = [e for e in events if e.get('cat') == 'Node' and e['name'].endswith('_kernel_time')]
runs = sorted(e['dur'] for e in events if e.get('name') == 'model_run')
durations, args = collections.defaultdict(list), {}
for e in nodes:
    durations[e['name']].append(e['dur'])
    args[e['name']] = e['args']
rows = collections.defaultdict(lambda: [0.0, 0])
for name, times in durations.items():
    a = args[name]
    times.sort()
    kind = a['op_name']
    shapes = [list(x.values())[0] for x in a.get('input_type_shape', [])]
    if kind in ('Conv', 'FusedConv') and len(shapes) > 1 and len(shapes[1]) == 4:
        w = shapes[1]
        kind += ' depthwise %dx%d' % (w[2], w[3]) if w[1] == 1 else (' 1x1' if w[2] == 1 else ' %dx%d' % (w[2], w[3]))
    out = a.get('output_type_shape', [{}])[0]
    dims = list(out.values())[0] if out else []
    size = 'x'.join(map(str, dims[2:])) if len(dims) == 4 else '-'
    rows[(kind, size)][0] += times[len(times) // 2] / 1000
    rows[(kind, size)][1] += 1
print(f"{len(runs)} runs, median model_run {runs[len(runs) // 2] / 1000:.3f} ms" if runs else "no runs")
for (kind, size), (ms, count) in sorted(rows.items(), key=lambda kv: -kv[1][0]):
    print(f"{kind:28s} {size:>9s} {count:4d} nodes {ms:8.3f} ms")
print(f"sum of node medians {sum(v[0] for v in rows.values()):.3f} ms")
