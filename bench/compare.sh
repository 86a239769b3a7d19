#!/usr/bin/env bash
# Side by side, on this machine: scs-series, the bare-HTTP limit (bench/bare_http.rs, answering
# with scs-series' own bytes for the same query) and Apollo Server (bench/peer), for each query
# in bench/queries/. Every response body is checked (a 200 carrying "errors" counts as bad).
# Usage: bench/compare.sh [seconds per run, default 10]. Needs wrk (Debian: wrk), Node.js 20+.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
command -v wrk >/dev/null || { echo "bench: install wrk (apt-get install wrk)" >&2; exit 1; }
cargo build --release --quiet --bin scs-series --example bare-http
[ -d bench/peer/node_modules ] || (cd bench/peer && npm ci --silent)
work=$(mktemp -d)
scs_port=18591 bare_port=18592 peer_port=18593
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT

wait_for() { until curl -s -o /dev/null "http://127.0.0.1:$1/graphql" 2>/dev/null; do sleep 0.05; done; }
target/release/scs-series serve --listen 127.0.0.1:$scs_port --data-dir "$work/store" --seed-dir seed \
    --rate-limit 0 >/dev/null 2>&1 & pids+=($!)
(cd bench/peer && NODE_ENV=production exec node server.mjs --port $peer_port --seed ../../seed) >/dev/null 2>&1 & pids+=($!)
wait_for $scs_port
wait_for $peer_port

# The JSON body of a query file, with its variables file when there is one.
body() {
    python3 - "$1" <<'PY'
import json, os, sys
q = sys.argv[1]
body = {"query": open(q).read()}
v = q.replace(".graphql", ".variables.json")
if os.path.exists(v):
    body["variables"] = json.load(open(v))
print(json.dumps(body))
PY
}

# req/s, p50 and p99 of one wrk run, and the bad responses.
load() {
    wrk -t2 -c32 -d"${secs}s" --latency -s bench/post.lua "http://127.0.0.1:$1/graphql" | awk '
        /Requests\/sec/ { rps = $2 }
        /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
        /bad_responses/ { split($0, b, "="); bad = b[2] }
        END { printf "%s | %s | %s | %s", rps, p50, p99, bad }'
}

echo "| query | server | req/s | p50 | p99 | bad |"
echo "|---|---|---|---|---|---|"
for query in bench/queries/*.graphql; do
    name=$(basename "$query" .graphql)
    export BENCH_BODY
    BENCH_BODY=$(body "$query")
    curl -s -X POST -H 'content-type: application/json' -d "$BENCH_BODY" \
        "http://127.0.0.1:$scs_port/graphql" > "$work/$name.json"
    target/release/examples/bare-http --listen 127.0.0.1:$bare_port --response "$work/$name.json" >/dev/null &
    bare=$!
    wait_for $bare_port
    echo "| $name | bare-HTTP limit | $(load $bare_port) |"
    echo "| $name | scs-series | $(load $scs_port) |"
    echo "| $name | Apollo Server | $(load $peer_port) |"
    kill $bare; wait $bare 2>/dev/null || true
done
