#!/usr/bin/env bash
# Validates what can be validated of deploy/ without a container engine or a cluster:
# the compose file (docker compose / docker-compose config), the Kubernetes manifests (parsed; no cluster here),
# the Dockerfile's required parts and the compose file's load balancer configuration. Building and running the image needs a Docker engine: not done here.
set -euo pipefail
cd "$(dirname "$0")"
status=0

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
else
  compose=()
fi
if [ ${#compose[@]} -gt 0 ]; then
  "${compose[@]}" -f docker-compose.yml config --quiet && echo "deploy: docker-compose.yml is valid" || status=1
else
  echo "deploy: no docker compose client; compose file not checked" >&2
fi

# kubectl's dry run needs a cluster to discover its API; without one, check that each document parses and names
# its apiVersion, kind and metadata.name.
if command -v python3 >/dev/null 2>&1 && python3 -c 'import yaml' 2>/dev/null; then
  python3 - kubernetes/*.yaml <<'PY' || status=1
import sys, yaml
for path in sys.argv[1:]:
    for doc in yaml.safe_load_all(open(path)):
        if doc is None:
            continue
        missing = [k for k in ("apiVersion", "kind") if k not in doc] + ([] if doc.get("metadata", {}).get("name") else ["metadata.name"])
        if missing:
            sys.exit(f"deploy: {path}: a {doc.get('kind', '?')} lacks {', '.join(missing)}")
        print(f"deploy: {path}: {doc['kind']}/{doc['metadata']['name']} parses")
PY
else
  echo "deploy: no python3 with yaml; manifests not checked" >&2
fi

for required in '^FROM .* AS build' '^USER kaizen' '^HEALTHCHECK ' '^ENTRYPOINT \["java"'; do
  if ! grep -Eq "$required" Dockerfile; then
    echo "deploy: Dockerfile lacks $required" >&2
    status=1
  fi
done
[ $status -eq 0 ] && echo "deploy: Dockerfile has its build stage, non-root user, health check and entry point"

# The compose file's load balancer: it must proxy to the replicas and pass streamed answers on unbuffered.
for required in 'proxy_pass \$kaizen;' 'proxy_buffering off;' 'X-Forwarded-For'; do
  if ! grep -Eq "$required" nginx.conf; then
    echo "deploy: nginx.conf lacks $required" >&2
    status=1
  fi
done
[ $status -eq 0 ] && echo "deploy: nginx.conf proxies to the replicas, unbuffered"
exit $status
