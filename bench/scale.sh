#!/usr/bin/env bash
# Cost against store size: for each size, a synthetic seed (`scs-series generate`), the time and
# peak RSS to seed a fresh store, the start-up on the existing store, and the cold cost (every
# query text unique, so no cache helps) of the benchmark queries, each body checked.
# Usage: bench/scale.sh [seconds per query, default 5] [sizes, default "1000 10000 100000"].
# Writes bench/results/scale.json and prints a markdown table. Needs wrk, curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
sizes=${2:-1000 10000 100000}
results=${RESULTS_DIR:-bench/results}
command -v wrk >/dev/null || { echo "bench: install wrk (apt-get install wrk)" >&2; exit 1; }
if [ -z "${SCS_BIN:-}" ]; then
    cargo build --release --quiet --bin scs-series
    SCS_BIN=target/release/scs-series
fi
work=$(mktemp -d)
port=18595
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$results"
url="http://127.0.0.1:$port/graphql"

# Starts the server on $1 (store) with seed $2 (in this shell, so $pid stays set); writes
# "milliseconds-to-ready peak-RSS-KiB" to $work/started.
start() {
    local t0 t1
    t0=$(date +%s%N)
    "$SCS_BIN" serve --listen 127.0.0.1:$port --data-dir "$1" --seed-dir "$2" --rate-limit 0 >"$work/log" 2>&1 &
    pid=$!
    until curl -sf "http://127.0.0.1:$port/ready" >/dev/null; do
        kill -0 "$pid" 2>/dev/null || { cat "$work/log" >&2; exit 1; }
        sleep 0.01
    done
    t1=$(date +%s%N)
    echo "$(( (t1 - t0) / 1000000 )) $(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")" >"$work/started"
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }

# POSTs a query, prints the answer.
ask() { curl -s -H 'content-type: application/json' -d "$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$1")" "$url"; }

# Cold load of one query over ${2:-16} connections: prints "req/s p50 p99 bad" (latencies in ms).
load() {
    local parts
    parts=$(python3 -c 'import json,sys; b = json.dumps({"query": sys.argv[1] + " #"}); i = b.rindex("#") + 1; print(b[:i]); print(b[i:])' "$1")
    BENCH_HEAD=$(sed -n 1p <<<"$parts") BENCH_TAIL=$(sed -n 2p <<<"$parts") \
        wrk -t"$(( ${2:-16} > 1 ? 2 : 1 ))" -c"${2:-16}" -d"${secs}s" --latency -s bench/post.lua "$url" | awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        /Requests\/sec/ { rps = $2 } /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
        /bad_responses/ { split($0, b, "="); bad = b[2] }
        END { printf "%d %.2f %.2f %d\n", rps, p50, p99, bad }'
}

echo "[" >"$results/scale.json"
first=1
for items in $sizes; do
    people=$(( items / 20 > 10 ? items / 20 : 10 ))
    seed="$work/seed-$items" store="$work/store-$items"
    "$SCS_BIN" generate --items "$items" --people "$people" "$seed" >/dev/null
    start "$store" "$seed"; read -r seed_ms seed_rss <"$work/started"; stop
    start "$store" "$seed"; read -r start_ms start_rss <"$work/started"
    store_mb=$(du -sm "$store" | cut -f1)
    person=$(grep -m1 '^slug = ' "$seed/people.toml" | sed 's/^slug = "\(.*\)"$/\1/')
    # A cursor deep in the feed: the first item of 2020 sits about halfway down.
    deep=$(ask '{ contents(year: 2020, first: 1) { pageInfo { endCursor } } }' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["contents"]["pageInfo"]["endCursor"])')
    node=$(ask '{ contents(year: 2020, first: 1) { nodes { id } } }' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["contents"]["nodes"][0]["id"])')
    declare -A queries=(
        [year]='{ interviews(year: 2018, first: 10) { totalCount nodes { title quote person { name } } } }'
        [person]="{ person(slug: \"$person\") { name contents(first: 10) { totalCount nodes { __typename slug title date } } } }"
        [both]="{ contents(year: 2020, person: \"$person\", first: 10) { totalCount nodes { slug title } } }"
        [feed]='{ contents(first: 10) { totalCount edges { cursor node { __typename slug title date } } pageInfo { hasNextPage endCursor } } }'
        [deep]="{ contents(first: 10, after: \"$deep\") { edges { cursor node { slug title } } pageInfo { hasNextPage } } }"
        [node]="{ node(id: \"$node\") { id ... on Interview { slug title quote } ... on Event { slug title } } }"
        [search]='{ search(query: "social credit", first: 10) { totalCount edges { node { id } } } }'
    )
    row="{\"items\": $items, \"people\": $people, \"seed_ms\": $seed_ms, \"seed_peak_rss_kib\": $seed_rss, \"start_ms\": $start_ms, \"start_peak_rss_kib\": $start_rss, \"store_mb\": $store_mb, \"queries\": {"
    sep=
    # search1: the search alone on one connection, its latency without queueing behind others.
    queries[search1]=${queries[search]}
    for name in year person both feed deep node search search1; do
        read -r rps p50 p99 bad < <(load "${queries[$name]}" "$([ $name = search1 ] && echo 1 || echo 16)")
        row+="$sep\"$name\": {\"rps\": $rps, \"p50_ms\": $p50, \"p99_ms\": $p99, \"bad\": $bad}"
        sep=", "
    done
    row+="}, \"serving_peak_rss_kib\": $(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")}"
    stop
    [ $first = 1 ] || echo "," >>"$results/scale.json"
    first=0
    echo "$row" >>"$results/scale.json"
    rm -rf "$seed" "$store"
done
echo "]" >>"$results/scale.json"

python3 - "$results/scale.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
names = ["year", "person", "both", "feed", "deep", "node", "search", "search1"]
print("| items | seed | seed peak RSS | start-up | serving peak RSS | store | " + " | ".join(names) + " |")
print("|---" * (6 + len(names)) + "|")
for r in rows:
    q = r["queries"]
    cells = [f'{q[n]["rps"]:,}/s, p99 {q[n]["p99_ms"]:.1f} ms' + (f' ({q[n]["bad"]} bad)' if q[n]["bad"] else "") for n in names]
    print(f'| {r["items"]:,} | {r["seed_ms"] / 1000:.1f} s | {r["seed_peak_rss_kib"] // 1024} MiB | {r["start_ms"]} ms '
          f'| {r["serving_peak_rss_kib"] // 1024} MiB | {r["store_mb"]} MB | ' + " | ".join(cells) + " |")
PY
