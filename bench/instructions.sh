#!/usr/bin/env bash
# Instructions per answer, counted by valgrind's callgrind: unlike req/s, the same on every run,
# whatever else the machine does, so it shows a change of a few percent that wrk cannot.
#
#   bench/instructions.sh [QUERY-FILE] [N]     # default bench/queries/list.graphql, 3000
#
# Starts the release binary (SCS_BIN, else target/release/scs-series, built if missing) under
# callgrind on a fresh store, sends the query N/10 times untimed, zeroes the counters, sends it
# N times more on one keep-alive connection (warm: the response cache answers), and prints the
# instructions per answer. COLD=1 makes each request's text unique (a trailing comment), so
# every answer is parsed, validated and run. The environment reaches the server, so
# SCS_LOG_FORMAT=json counts the JSON log. Needs valgrind (Debian: valgrind) and python3.
# The profile is kept as callgrind.out.instructions, for callgrind_annotate.
#
# Under valgrind, SHA-256 runs in software (no SHA extensions): about 17k instructions of each
# answer, against 1% of its cycles natively.
set -euo pipefail
cd "$(dirname "$0")/.."
query=${1:-bench/queries/list.graphql}
n=${2:-3000}
command -v valgrind >/dev/null || { echo "bench: install valgrind (apt-get install valgrind)" >&2; exit 1; }
bin=${SCS_BIN:-target/release/scs-series}
[ -n "${SCS_BIN:-}" ] || cargo build --release --quiet
work=$(mktemp -d)
port=18632
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$work/out" "$bin" serve --listen 127.0.0.1:$port \
    --data-dir "$work/store" --seed-dir seed --rate-limit 0 >/dev/null 2>"$work/log" &
pid=$!
until curl -sf -o /dev/null "http://127.0.0.1:$port/health"; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/log" >&2; exit 1; }
    sleep 0.2
done
# Sends the query COUNT times on one connection; every answer must be a 200 without errors.
send() {
    python3 - "$port" "$1" "$query" "${COLD:-}" <<'PY'
import http.client, json, sys
port, count, path, cold = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
text = open(path).read()
connection = http.client.HTTPConnection("127.0.0.1", port)
for i in range(count):
    query = text + f"\n# {count}-{i}" if cold else text
    connection.request("POST", "/graphql", json.dumps({"query": query}), {"content-type": "application/json"})
    answer = connection.getresponse()
    body = answer.read()
    assert answer.status == 200 and b'"errors"' not in body, (answer.status, body[:300])
PY
}
send $((n / 10))
callgrind_control -z "$pid" >/dev/null 2>&1
send "$n"
callgrind_control -d "$pid" >/dev/null 2>&1
sleep 1
out=$(ls -t "$work"/out* | head -1)
total=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
cp "$out" callgrind.out.instructions
echo "$(basename "$query" .graphql)${COLD:+ (cold)}: $((total / n)) instructions per answer"
