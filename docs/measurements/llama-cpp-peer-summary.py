"""Medians of llama-cpp-peer.sh's runs: decode and prefill tokens/s per engine, weights and batch (decode.log),
then each serve-DTYPE.json's aggregate tokens/s and time to first token per target and concurrency.

    python3 llama-cpp-peer-summary.py [/tmp/kaizen-peer]
"""
import glob, json, os, re, statistics, sys
from collections import defaultdict

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/kaizen-peer"
decode, prefill = defaultdict(list), defaultdict(list)
current = None
for line in open(os.path.join(out, "decode.log")):
    line = line.strip()
    m = re.match(r"round \d+ (llama\.cpp|kaizen) (\S+)(?: batch (\d+))?", line)
    if m:
        current = m.group(2)
    elif line.startswith("|"):  # llama-batched-bench: PP, TG, B, N_KV, T_PP, S_PP, T_TG, S_TG, T, S
        cells = [c.strip() for c in line.strip("|").split("|")]
        key = ("llama.cpp", current, cells[2])
        prefill[key].append(float(cells[5]))
        decode[key].append(float(cells[7]))
    elif line.startswith("{"):
        j = json.loads(line)
        key = ("kaizen", j["dtype"], str(j["batch"]))
        prefill[key].append(j["prefill_tokens_per_s"])
        decode[key].append(j["decode_tokens_per_s"])
print("engine weights batch: decode tok/s median [rounds] | prefill tok/s median")
for key in sorted(decode):
    print(" ".join(key), ": %.1f %s | %.1f" % (statistics.median(decode[key]), [round(x, 1) for x in decode[key]],
                                               statistics.median(prefill[key])))
for path in sorted(glob.glob(os.path.join(out, "serve-*.json"))):
    j = json.load(open(path))
    print(os.path.basename(path), "(%s)" % j.get("model_dtype"))
    for target, rows in j["targets"].items():
        for r in rows:
            if "runs" in r:
                print("  %s, %d clients: %.1f tok/s, TTFT p50 %.0f ms, p95 %.0f ms" % (
                    target, r["concurrency"], r["aggregate_tokens_per_s"], r["ttft_ms_p50"], r["ttft_ms_p95"]))
