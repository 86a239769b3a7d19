#!/usr/bin/env bash
# A quick, reproducible measurement of the release binary on loopback: start-up time to the
# first answer (fresh store and existing store), throughput and latency of four queries with wrk,
# and peak RSS. Usage: bench/quick.sh [seconds per query, default 10]. Needs wrk (Debian: wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
command -v wrk >/dev/null || { echo "bench: install wrk (apt-get install wrk)" >&2; exit 1; }
cargo build --release --quiet
bin=target/release/scs-series
data=$(mktemp -d)
port=18571
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT

# Starts the server and prints the milliseconds from exec to the first /health answer.
start() {
    local t0 t1
    t0=$(date +%s%N)
    "$bin" serve --listen 127.0.0.1:$port --data-dir "$data/store" --seed-dir seed --rate-limit 0 >/dev/null 2>&1 &
    pid=$!
    until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.002; done
    t1=$(date +%s%N)
    echo "start-up, $1: $(( (t1 - t0) / 1000000 )) ms"
}
start "fresh store (seed applied)"
kill "$pid"; wait "$pid" 2>/dev/null || true
start "existing store (seed unchanged)"

run() {
    local name=$1 query=$2
    export BENCH_BODY
    BENCH_BODY=$(printf '{"query":%s}' "$(printf '%s' "$query" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')")
    echo "== $name"
    wrk -t2 -c32 -d"${secs}s" --latency -s bench/post.lua "http://127.0.0.1:$port/graphql" \
        | grep -E 'Requests/sec|^ +(50|99)%|bad_responses|Latency '
}
run "interviews(year: 2018), four nodes" '{ interviews(year: 2018, category: SERIES) { totalCount nodes { title quote person { name } } } }'
run "person with reverse relations" '{ person(slug: "manya-koetse") { name contents(first: 10) { totalCount nodes { __typename slug title date } } interviews { nodes { title } } } }'
run "search, ten hits with snippets" '{ search(query: "social credit Koetse", first: 10) { totalCount edges { score snippet { html } node { id } } } }'
run "contents(from:, orderBy: TITLE)" '{ contents(from: "2018-11", orderBy: TITLE, first: 10) { totalCount nodes { slug title } } }'
echo "peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$pid/status)"
