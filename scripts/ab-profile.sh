#!/usr/bin/env bash
# An A/B of a change to the CPU engine inside one process, for a machine whose speed moves by up to 1.6x over minutes
# (two builds in turn cannot separate 10% there; passes of one process in turn can).
#   1. git apply scripts/ab-profile.patch   (adds Runtime/Cpu/Experiment.cs and the A/B passes in CpuExecutor)
#   2. make the code under trial pick its path by Experiment.Variant (0: as before, 1: the change), outside inner loops
#   3. dotnet build Cli/Cli.csproj -c Release, then: scripts/ab-profile.sh MODEL INPUT.npy [THREADS] [PASSES] [REGEX]
#   4. git apply -R scripts/ab-profile.patch and remove the Variant reads before committing
# Runs `shufflenet run --profile --profile-passes PASSES --profile-shapes` with the variant flipped every pass and prints
# each op kind's median ms for A and B (only rows matching REGEX), B/A, and the totals. Compare the outputs of A and B
# with SHUFFLENET_VARIANT=1 on a plain `run`.
set -euo pipefail
cd "$(dirname "$0")/.."
model=$1 input=$2 threads=${3:-1} passes=${4:-80} pattern=${5:-.}
cli=Cli/bin/Release/net10.0/shufflenet.dll
[ -f Runtime/Cpu/Experiment.cs ] || { echo "ab-profile.sh: apply scripts/ab-profile.patch first" >&2; exit 1; }
out=$(mktemp)
SHUFFLENET_AB=1 dotnet "$cli" run --model "$model" --input "$input" --output "$out.npy" --backend cpu --threads "$threads" \
    --profile --profile-passes "$passes" --profile-shapes > "$out" 2>&1
python3 - "$out" "$pattern" <<'PY'
import collections, re, sys
rows, total = collections.defaultdict(dict), {"A": 0.0, "B": 0.0}
for line in open(sys.argv[1]):
    m = re.match(r"(\S+ \S+(?: k\d s\d)?) ([AB])\s+\d+ launches\s+([\d.]+) ms", line)
    if m:
        rows[m.group(1)][m.group(2)] = float(m.group(3))
        total[m.group(2)] += float(m.group(3))
pattern = re.compile(sys.argv[2])
for kind, t in sorted(rows.items(), key=lambda kv: -kv[1].get("A", 0)):
    if pattern.search(kind) and "A" in t and "B" in t:
        print(f"{kind:34s} A {t['A']:8.3f}  B {t['B']:8.3f}  B/A {t['B'] / t['A']:.3f}")
print(f"{'total':34s} A {total['A']:8.3f}  B {total['B']:8.3f}  B/A {total['B'] / max(total['A'], 1e-9):.3f}")
PY
rm -f "$out" "$out.npy"
