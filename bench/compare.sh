#!/usr/bin/env bash
# Side by side, on this machine: scs-series, the bare-HTTP limit (bench/bare_http.rs, answering
# with scs-series' own bytes for the same query) and Apollo Server (bench/peer), for each query
# in bench/queries/ plus `persisted-get` (list.graphql as a GET persisted query with
# If-None-Match). scs-series runs twice per query: cold (each query text made unique by a trailing
# comment, so every request misses every cache) and warm (the same body again and again);
# Apollo once (the same body: it has no response cache). Each GraphQL server gets an untimed
# warm-up run of the query first, so a run takes about twice the given seconds.
# For `list`, and for `typename` (`{ __typename }`, against the bare limit only), also plain
# async-graphql over in-memory data (bench/plain_graphql.rs, loaded with scs-series' answer and
# checked to give its bytes), with the cold rows' requests and no warm-up (it has no cache): the
# ceiling of the GraphQL engine itself for an uncached answer on this stack.
# Every response is checked (a 200 carrying "errors" counts as bad). Reports req/s, p50/p99,
# server CPU per request and peak RSS; writes DIR/results.json and the chart DIR/throughput.svg.
# Usage: bench/compare.sh [seconds per run, default 10] [results dir, default bench/results]
# SCS_BIN / BARE_BIN / PLAIN_BIN: prebuilt binaries to use instead of `cargo build`. Needs wrk,
# Node.js 20+.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
out=${2:-bench/results}
command -v wrk >/dev/null || { echo "bench: install wrk (apt-get install wrk)" >&2; exit 1; }
if [ -z "${SCS_BIN:-}" ] || [ -z "${BARE_BIN:-}" ] || [ -z "${PLAIN_BIN:-}" ]; then
    cargo build --release --quiet --bin scs-series --example bare-http --example plain-graphql
fi
scs_bin=${SCS_BIN:-target/release/scs-series}
bare_bin=${BARE_BIN:-target/release/examples/bare-http}
plain_bin=${PLAIN_BIN:-target/release/examples/plain-graphql}
[ -d bench/peer/node_modules ] || (cd bench/peer && npm ci --silent)
mkdir -p "$out"
work=$(mktemp -d)
scs_port=18591 bare_port=18592 peer_port=18593 plain_port=18594
pids=()
# Wait for the servers to stop (scs-series flushes its store) before removing their data.
# The bare-HTTP limit runs once per query: its pid is kept apart, and cleared once it is reaped
# (a reaped pid can be reused by another process).
bare_pid=
trap 'kill "${pids[@]}" $bare_pid 2>/dev/null || true; wait; rm -rf "$work"' EXIT

# A leftover server on one of the ports would be measured in place of the new one: refuse.
for port in $scs_port $bare_port $peer_port $plain_port; do
    if curl -s -o /dev/null "http://127.0.0.1:$port/"; then echo "bench: port $port is in use" >&2; exit 1; fi
done
# Servers are started directly (no subshell), so $! is the server's own PID for /proc.
# wait_for PORT PID: until it answers, or stop if it exited.
wait_for() {
    until curl -s -o /dev/null "http://127.0.0.1:$1/graphql" 2>/dev/null; do
        kill -0 "$2" 2>/dev/null || { echo "bench: the server for port $1 exited" >&2; exit 1; }
        sleep 0.05
    done
}
"$scs_bin" serve --listen 127.0.0.1:$scs_port --data-dir "$work/store" --seed-dir seed \
    --rate-limit 0 >/dev/null 2>&1 &
scs_pid=$!; pids+=("$scs_pid")
NODE_ENV=production node bench/peer/server.mjs --port $peer_port --seed seed >/dev/null 2>&1 &
peer_pid=$!; pids+=("$peer_pid")
wait_for $scs_port "$scs_pid"
wait_for $peer_port "$peer_pid"

# The request parts for a query file, one a line (JSON escaping and URL encoding by Python):
# POST body; APQ registration body (text and hash); cold POST body head and tail (split where
# the unique id goes, after "\n# " in the text); APQ GET path by hash; cold GET head and tail
# (the id as an unused variable `nonce`, which only makes the request, its ETag and any cache
# key unique: GraphQL ignores variables the operation does not declare).
parts() {
    python3 - "$1" <<'PY'
import hashlib, json, os, sys, urllib.parse as up
q, mark = sys.argv[1], "BENCHNONCE"
text = open(q).read()
v = q.replace(".graphql", ".variables.json")
variables = json.load(open(v)) if os.path.exists(v) else {}
body = {"query": text, **({"variables": variables} if variables else {})}
ext = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(text.encode()).hexdigest()}}
compact = lambda o: json.dumps(o, separators=(",", ":"))
get = "/graphql?extensions=" + up.quote(compact(ext), safe="")
print(json.dumps(body))
print(json.dumps({**body, "extensions": ext}))
print("\n".join(json.dumps({**body, "query": text + "\n# " + mark}).split(mark)))
print(get + ("&variables=" + up.quote(compact(variables), safe="") if variables else ""))
print("\n".join((get + "&variables=" + up.quote(compact({**variables, "nonce": mark}), safe="")).split(mark)))
PY
}

ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }  # utime + stime
hwm() { awk '/VmHWM/ { print $2 }' "/proc/$1/status"; }                     # peak RSS, KiB

# One wrk run: load PORT PID QUERY SERVER LABEL [BENCH_…=value …]; appends a row to rows.tsv
# (requests, req/s, p50, p99, bad responses, socket errors and timeouts, server CPU ticks).
load() {
    local port=$1 pid=$2 query=$3 server=$4 label=$5 t0 t1 stats
    shift 5
    t0=$(ticks "$pid")
    stats=$(env "$@" wrk -t2 -c32 -d"${secs}s" --latency -s bench/post.lua "http://127.0.0.1:$port/graphql" | awk '
        / requests in / { reqs = $1 }
        /Requests\/sec/ { rps = $2 }
        /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
        /Socket errors/ { gsub(/[^0-9 ]/, ""); split($0, e, " +"); errs = e[2] + e[3] + e[4] + e[5] }
        /bad_responses/ { split($0, b, "="); bad = b[2] }
        END { printf "%s\t%s\t%s\t%s\t%d\t%d", reqs, rps, p50, p99, bad, errs }')
    t1=$(ticks "$pid")
    printf '%s\t%s\t%s\t%s\t%s\n' "$query" "$server" "$label" "$stats" $((t1 - t0)) >> "$work/rows.tsv"
    echo "  $query / $label: $(cut -f2-4 <<<"$stats" | tr '\t' ' ')" >&2
}

# An untimed run of the same load before a server's measured runs of a query, so they compare
# steady states: Node's JIT needs seconds (Apollo's first 3 s of `list` gave 200 req/s, the
# next ones 2,000) and scs-series' caches, if any, fill.
warmup() { local port=$1; shift; env "$@" wrk -t2 -c32 -d"${secs}s" -s bench/post.lua "http://127.0.0.1:$port/graphql" >/dev/null; }

# plain_check BODY FILE: the plain server's answer to BODY must be FILE's bytes.
plain_check() {
    curl -sf -X POST -H 'content-type: application/json' -d "$1" \
        "http://127.0.0.1:$plain_port/graphql" | cmp -s - "$2" ||
        { echo "bench: plain-graphql does not answer $(basename "$2") with scs-series' bytes" >&2; exit 1; }
}
plain_label="plain async-graphql (in-memory, no cache)"

bare_hwm=0
for name in list person feed search node persisted-get; do
    src=bench/queries/$name.graphql
    [ "$name" = persisted-get ] && src=bench/queries/list.graphql
    mapfile -t p < <(parts "$src")  # body register cold_head cold_tail get get_head get_tail
    [ ${#p[@]} -eq 7 ] || { echo "bench: cannot read $src" >&2; exit 1; }
    if [ "$name" = persisted-get ]; then
        # Register the text once with each server (APQ: hash and text), then read scs-series'
        # ETag for the GET by hash, which the warm run sends back as If-None-Match.
        for port in $scs_port $peer_port; do
            curl -sf -X POST -H 'content-type: application/json' -d "${p[1]}" \
                "http://127.0.0.1:$port/graphql" >/dev/null
        done
        etag=$(curl -sfi "http://127.0.0.1:$scs_port${p[4]}" | tr -d '\r' | awk 'tolower($1) == "etag:" { print $2 }')
        [ -n "$etag" ] || { echo "bench: no ETag for the persisted GET" >&2; exit 1; }
        # bare-http serves POST only and cannot send a 304; its reference here is the nearest
        # thing it can do, a 200 with an empty body (a 304 has none) to the list query's POST.
        : > "$work/$name.json"
        bare=(BENCH_BODY="${p[0]}")
        bare_label="bare-HTTP limit (POST, empty 200)"
        cold=(BENCH_GET="${p[4]}" BENCH_HEAD="${p[5]}" BENCH_TAIL="${p[6]}")
        cold_label="scs-series (cold: GET by hash, unique, 200)"
        warm=(BENCH_GET="${p[4]}" BENCH_INM="$etag" BENCH_EXPECT=304)
        warm_label="scs-series (warm: GET by hash, If-None-Match, 304)"
        # Apollo Server answers APQ over GET but sends no ETag, so it answers 200 every time.
        peer=(BENCH_GET="${p[4]}")
        peer_label="Apollo Server (GET by hash, no ETag, 200)"
    else
        curl -sf -X POST -H 'content-type: application/json' -d "${p[0]}" \
            "http://127.0.0.1:$scs_port/graphql" > "$work/$name.json"
        bare=(BENCH_BODY="${p[0]}") bare_label="bare-HTTP limit"
        cold=(BENCH_HEAD="${p[2]}" BENCH_TAIL="${p[3]}") cold_label="scs-series (cold)"
        warm=(BENCH_BODY="${p[0]}") warm_label="scs-series (warm)"
        peer=(BENCH_BODY="${p[0]}") peer_label="Apollo Server"
    fi
    "$bare_bin" --listen 127.0.0.1:$bare_port --response "$work/$name.json" >/dev/null &
    bare_pid=$!
    wait_for $bare_port "$bare_pid"
    load $bare_port "$bare_pid" "$name" bare "$bare_label" "${bare[@]}"
    h=$(hwm "$bare_pid"); bare_hwm=$(( h > bare_hwm ? h : bare_hwm ))
    kill "$bare_pid"; wait "$bare_pid" 2>/dev/null || true; bare_pid=
    if [ "$name" = list ]; then
        # The plain server holds the list answer's nodes and runs every request anew (it has no
        # cache, and nothing of its own to warm up), so it gets the cold rows' requests.
        "$plain_bin" --listen 127.0.0.1:$plain_port --data "$work/list.json" >/dev/null &
        plain_pid=$!; pids+=("$plain_pid")
        wait_for $plain_port "$plain_pid"
        plain_check "${p[0]}" "$work/list.json"
        load $plain_port "$plain_pid" "$name" plain "$plain_label" "${cold[@]}"
    fi
    warmup $scs_port "${warm[@]}"
    load $scs_port "$scs_pid" "$name" scs-cold "$cold_label" "${cold[@]}"
    load $scs_port "$scs_pid" "$name" scs-warm "$warm_label" "${warm[@]}"
    warmup $peer_port "${peer[@]}"
    load $peer_port "$peer_pid" "$name" apollo "$peer_label" "${peer[@]}"
done

# `{ __typename }`: all the GraphQL machinery and no resolver of one's own, plain async-graphql
# against the bare limit only (scs-series' rows would measure its response cache).
body='{"query":"{ __typename }"}'
curl -sf -X POST -H 'content-type: application/json' -d "$body" \
    "http://127.0.0.1:$scs_port/graphql" > "$work/typename.json"
plain_check "$body" "$work/typename.json"
"$bare_bin" --listen 127.0.0.1:$bare_port --response "$work/typename.json" >/dev/null &
bare_pid=$!
wait_for $bare_port "$bare_pid"
load $bare_port "$bare_pid" typename bare "bare-HTTP limit" BENCH_BODY="$body"
h=$(hwm "$bare_pid"); bare_hwm=$(( h > bare_hwm ? h : bare_hwm ))
kill "$bare_pid"; wait "$bare_pid" 2>/dev/null || true; bare_pid=
load $plain_port "$plain_pid" typename plain "$plain_label" BENCH_BODY="$body"

# The results file (rows, peak RSS, the machine) and the markdown table, by Python.
python3 - "$work/rows.tsv" "$out/results.json" "$secs" "$(getconf CLK_TCK)" \
    "$bare_hwm" "$(hwm "$scs_pid")" "$(hwm "$peer_pid")" "$(hwm "$plain_pid")" <<'PY'
import json, os, platform, re, subprocess, sys, time
rows_tsv, out, secs, hz, *rss = sys.argv[1:]
def ms(s):  # wrk's latency units
    n, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", s).groups()
    return float(n) * {"us": 1e-3, "ms": 1, "s": 1e3, "m": 6e4}[unit]
rows = []
for line in open(rows_tsv):
    query, server, label, reqs, rps, p50, p99, bad, errs, ticks = line.rstrip("\n").split("\t")
    rows.append({"query": query, "server": server, "label": label, "requests": int(reqs),
                 "rps": float(rps), "p50_ms": ms(p50), "p99_ms": ms(p99), "bad": int(bad),
                 "socket_errors": int(errs),
                 "cpu_us_per_request": int(ticks) / int(hz) * 1e6 / max(int(reqs), 1)})
model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
result = {
    "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "commit": git,
    "machine": {"nproc": os.cpu_count(), "cpu": model, "kernel": platform.release()},
    "load": {"tool": "wrk", "threads": 2, "connections": 32, "seconds": int(secs),
             "note": "wrk runs on the same machine as the servers"},
    "peak_rss_kib": dict(zip(["bare", "scs", "apollo", "plain"], map(int, rss))),
    "rows": rows,
}
json.dump(result, open(out, "w"), indent=1)
by = {(r["query"], r["server"]): r for r in rows}
print(f"\n{result['date']}, {model}, {os.cpu_count()} CPUs, Linux {platform.release()}, "
      f"wrk -t2 -c32 -d{secs}s\n")
print("| query | server | req/s | × bare | × Apollo | p50 | p99 | CPU µs/req | bad |")
print("|---|---|---|---|---|---|---|---|---|")
for r in rows:
    # typename has no Apollo row: its ratio is a dash.
    ref = lambda s, f: format(r["rps"] / by[(r["query"], s)]["rps"], f) if (r["query"], s) in by else "–"
    errs = f" (+{r['socket_errors']} socket errors)" if r["socket_errors"] else ""
    print(f"| {r['query']} | {r['label']} | {r['rps']:,.0f} | {ref('bare', '.3f')} | {ref('apollo', '.2f')} "
          f"| {r['p50_ms']:.2f} ms | {r['p99_ms']:.2f} ms | {r['cpu_us_per_request']:.0f} | {r['bad']}{errs} |")
print("\npeak RSS: " + ", ".join(f"{k} {v / 1024:.0f} MiB" for k, v in result["peak_rss_kib"].items()))
PY
python3 bench/chart.py "$out/results.json"
echo "results: $out/results.json, chart: $out/throughput.svg"
