#!/bin/bash
# Kaizen beside llama.cpp on one shape, as measured in model/README.md ("int8 weights") and the README ("Serving many
# chats at once"):
#   docs/measurements/llama-cpp-peer.sh LLAMA_CPP_DIR [CONFIG.json] [ROUNDS]
# LLAMA_CPP_DIR is a llama.cpp checkout (measured: commit c392e50, 2025-02-20). The script builds its
# llama-batched-bench, llama-quantize and llama-server (CPU, -march=native), writes a GGUF of CONFIG's shape
# (model/bench/stories110m.json by default; random weights) as F32, F16 and Q8_0, then alternates, ROUNDS (3) times:
#  1. decode: llama-batched-bench and `kaizen bench generate`, 128 prompt tokens then 128 new ones, batch 1 and 8,
#     Q8_0 / F16 / F32 against int8 / float16 / float32;
#  2. serving: llama-server (8 slots, continuous batching) as a --peer of `kaizen bench serve`'s continuous-batching
#     server, 1 and 8 concurrent streaming clients of 128 tokens, F32 against float32 and Q8_0 against int8.
# Needs the jar (mvn -B package -DskipTests), cmake, a C++ compiler and python3 with numpy. Output: /tmp/kaizen-peer/
# (decode.log, serve-float32.json, serve-int8.json), medians printed at the end by llama-cpp-peer-summary.py. Both
# sides use every core: run it on an otherwise idle machine.
set -e
cd "$(dirname "$0")/../.."
LLAMA=$(realpath "$1"); CONFIG=$(realpath "${2:-model/bench/stories110m.json}"); ROUNDS=${3:-3}
OUT=/tmp/kaizen-peer; mkdir -p "$OUT/stubs"
K="java -jar server/target/kaizen.jar"
THREADS=$(nproc)
cmake -S "$LLAMA" -B "$LLAMA/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF -DGGML_NATIVE=ON \
  -DLLAMA_BUILD_TESTS=OFF > "$OUT/cmake.log"
cmake --build "$LLAMA/build" -j "$THREADS" --target llama-batched-bench llama-quantize llama-server > "$OUT/build.log"
BIN=$LLAMA/build/bin
# gguf-py imports sentencepiece for tokenizer conversion, which writing a GGUF does not use.
python3 -c "import sentencepiece" 2>/dev/null || echo "class SentencePieceProcessor: pass" > "$OUT/stubs/sentencepiece.py"
PYTHONPATH="$OUT/stubs:$LLAMA/gguf-py" python3 docs/measurements/gguf-random.py "$CONFIG" \
  "$LLAMA/models/ggml-vocab-llama-spm.gguf" "$OUT/f32.gguf"
"$BIN/llama-quantize" "$OUT/f32.gguf" "$OUT/f16.gguf" F16 > /dev/null 2>&1
"$BIN/llama-quantize" "$OUT/f32.gguf" "$OUT/q8_0.gguf" Q8_0 > /dev/null 2>&1

: > "$OUT/decode.log"
for round in $(seq 1 "$ROUNDS"); do
  for pair in int8:q8_0 float16:f16 float32:f32; do
    dtype=${pair%:*}; gguf=${pair#*:}
    echo "round $round llama.cpp $gguf" >> "$OUT/decode.log"
    "$BIN/llama-batched-bench" -m "$OUT/$gguf.gguf" -c 4096 -b 2048 -ub 512 -npp 128 -ntg 128 -npl 1,8 \
      -t "$THREADS" 2>&1 | grep -E '^\| +128' >> "$OUT/decode.log"
    for batch in 1 8; do
      echo "round $round kaizen $dtype batch $batch" >> "$OUT/decode.log"
      $K bench generate --config "$CONFIG" --batch "$batch" --prompt-tokens 128 --new-tokens 128 --dtype "$dtype" \
        2>/dev/null | tail -1 >> "$OUT/decode.log"
    done
  done
done

for pair in float32:f32 int8:q8_0; do
  dtype=${pair%:*}; gguf=${pair#*:}
  "$BIN/llama-server" -m "$OUT/$gguf.gguf" -np 8 -c 8192 -t "$THREADS" --host 127.0.0.1 --port 18181 \
    > "$OUT/llama-server-$gguf.log" 2>&1 &
  SERVER=$!
  trap 'kill $SERVER 2>/dev/null || true' EXIT
  for i in $(seq 1 60); do curl -sf http://127.0.0.1:18181/health > /dev/null && break; sleep 1; done
  $K bench serve --config "$CONFIG" --batching continuous --model-dtype "$dtype" \
    --peer llama.cpp=http://127.0.0.1:18181 --concurrency 1,8 --rounds "$ROUNDS" --max-tokens 128 \
    2>/dev/null | tail -1 > "$OUT/serve-$dtype.json"
  kill $SERVER; wait $SERVER 2>/dev/null || true
done
python3 docs/measurements/llama-cpp-peer-summary.py "$OUT"
