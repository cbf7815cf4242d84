#!/bin/bash
# Rehearses one cycle (or, with ROUNDS=N in the environment, N rounds) on simulated customers, as measured in the
# README ("Rehearsing a cycle with simulated customers"):
#   docs/measurements/simulate-cycle.sh NAME PORT SEED CYCLE.json [CUSTOMERS] [HOME]
# Serves the starter model from a fresh home (or HOME, to run another cycle on the same feedback), plays CUSTOMERS
# (300) customers, runs the cycle CYCLE.json asks for and compares its candidate with the serving model. Needs the
# jar (mvn -B package -DskipTests). Output: /tmp/kaizen-sim-NAME/ (summary.json, or round-N/ and curve.png).
# The measured runs: A, B, C on one home (seed 8, then 1 customer each for B and C), D the same at lr x100,
# R with ROUNDS=3 and seed 21; S (seed 8, a fresh home) then G (seed 3, 1 customer) and S again (seed 4, 1 customer)
# on S's home; G2 and G3 (seed 3, 1 customer) on copies of S's home; V (seed 8, 3000 customers) then VP (seed 8, 1
# customer, cycle-P.json) on V's home; U (seed 8, 200 customers, SIMULATE_ARGS="--data FILE.jsonl" with the 300
# held-out Bitext messages as prompt/reference lines).
# SIMULATE_ARGS in the environment adds options to `kaizen simulate` (e.g. --data).
set -e
cd "$(dirname "$0")/../.."
NAME=$1; PORT=$2; SEED=$3; OPTS=$(realpath "$4"); CUSTOMERS=${5:-300}; H=${6:-/tmp/kaizen-sim-home-$NAME}
OUT=/tmp/kaizen-sim-$NAME
mkdir -p "$OUT"
K="java -Xmx2g -XX:ActiveProcessorCount=1 -Dai.djl.offline=true -jar server/target/kaizen.jar"
if [ ! -f "$H/pw.txt" ]; then
  mkdir -p "$H"
  echo "otto-password-123" > "$H/pw.txt"
  $K admin create-user --home "$H" --name otto --role operator < "$H/pw.txt" > /dev/null
  $K admin create-api-key --home "$H" --name simulator > "$H/key.txt"
fi
$K serve --home "$H" --http-port "$PORT" --review-buffer 0 --limits-requests-per-minute 1000000 \
   --limits-messages-per-minute 100000 > "$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null' EXIT
for i in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/ready" > /dev/null && break; sleep 2; done
$K simulate --url "http://127.0.0.1:$PORT" --api-key-file "$H/key.txt" --customers "$CUSTOMERS" --seed "$SEED" \
   --operator otto --password-file "$H/pw.txt" --cycle-options "$OPTS" ${ROUNDS:+--rounds $ROUNDS} --out "$OUT" $SIMULATE_ARGS \
   > "$OUT/simulate.log"
tail -1 "$OUT/simulate.log"
