#!/bin/bash
# Time to first token of two builds of Kaizen, alternated: BEFORE.jar and AFTER.jar (each `server/target/kaizen.jar`
# of a commit), serving the starter model through /v1/chat/completions, one and four concurrent streams.
# Usage: docs/measurements/ttft-start-after-store.sh BEFORE.jar AFTER.jar [ROUNDS]
# Prints each run's JSON line, then the median TTFT p50 per build and concurrency.
set -euo pipefail
before=$1 after=$2 rounds=${3:-5}
log=$(mktemp)
for r in $(seq "$rounds"); do
  for jar in "$before" "$after"; do
    echo "== $jar round $r" | tee -a "$log"
    java -jar "$jar" bench serve --model models/starter --batching continuous --concurrency 1,4 --requests 12 \
        --max-tokens 16 --rounds 1 2>/dev/null | tail -1 | tee -a "$log"
  done
done
python3 - "$log" <<'PY'
import json, statistics, sys
runs, jar = {}, None
for line in open(sys.argv[1]):
    if line.startswith("=="):
        jar = line.split()[1]
        continue
    for t in json.loads(line)["targets"]["continuous"]:
        if "concurrency" in t:
            runs.setdefault((jar, t["concurrency"]), []).append(t["ttft_ms_p50"])
for (jar, c), v in sorted(runs.items()):
    print(f"{jar} concurrency {c}: TTFT p50 median {statistics.median(v):.0f} ms of {[round(x) for x in v]}")
PY
