#!/usr/bin/env bash
# Cold start to readiness: seconds from launching `kaizen serve` until GET /ready answers with the database up,
# median of N runs, for a first start (empty KAIZEN_HOME: initdb and unpacking PostgreSQL included) and for a
# restart (existing data). Usage: deploy/bench-startup.sh [N=3] [JAR=server/target/kaizen.jar]
set -euo pipefail
runs=${1:-3}
jar=${2:-$(dirname "$0")/../server/target/kaizen.jar}
port=${BENCH_PORT:-18765}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

one_start() { # $1 = home; prints seconds to ready
  local home=$1 start end pid
  start=$(date +%s.%N)
  KAIZEN_HOME=$home java -jar "$jar" serve --http-host 127.0.0.1 --http-port "$port" >"$work/log" 2>&1 &
  pid=$!
  until curl -fs -o /dev/null -w '' "http://127.0.0.1:$port/health" 2>/dev/null \
        && curl -s "http://127.0.0.1:$port/ready" | grep -q '"database":{"status":"UP"'; do
    kill -0 "$pid" 2>/dev/null || { echo "server died:" >&2; cat "$work/log" >&2; exit 1; }
    sleep 0.05
  done
  end=$(date +%s.%N)
  kill -TERM "$pid"; wait "$pid" || true
  echo "$end - $start" | bc
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

first=(); restart=()
for i in $(seq 1 "$runs"); do
  first+=("$(one_start "$work/home-$i")")
  restart+=("$(one_start "$work/home-$i")")
done
printf '{"runs":%d,"first_start_s":[%s],"first_start_median_s":%s,"restart_s":[%s],"restart_median_s":%s}\n' \
  "$runs" "$(IFS=,; echo "${first[*]}")" "$(printf '%s\n' "${first[@]}" | median)" \
  "$(IFS=,; echo "${restart[*]}")" "$(printf '%s\n' "${restart[@]}" | median)"
