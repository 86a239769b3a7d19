#!/usr/bin/env bash
# Latency of editorial writes on the release binary: N sequential createPerson mutations, then
# N updatePerson mutations (each one transaction and one flush to disk before the answer), and
# N concurrent creates from 8 clients. Usage: bench/writes.sh [N, default 200]. Needs python3.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
cargo build --release --quiet
bin=target/release/scs-series
work=$(mktemp -d)
port=18572
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
token=$("$bin" token create bench --scope write --tokens-file "$work/tokens.toml" 2>/dev/null)
"$bin" serve --listen 127.0.0.1:$port --data-dir "$work/store" --seed-dir seed \
    --tokens-file "$work/tokens.toml" --rate-limit 0 --token-rate-limit 0 >/dev/null 2>&1 &
pid=$!
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.01; done
python3 - "$port" "$token" "$n" <<'PY'
import http.client, json, sys, time, threading
port, token, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])

def post(conn, query, variables):
    body = json.dumps({"query": query, "variables": variables})
    conn.request("POST", "/graphql", body, {"content-type": "application/json", "authorization": "Bearer " + token})
    answer = json.loads(conn.getresponse().read())
    assert "errors" not in answer, answer
    return answer["data"]

def report(name, times):
    times = sorted(times)
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1000
    print(f"{name}: n={len(times)} mean {sum(times) / len(times) * 1000:.1f} ms, p50 {pick(0.5):.1f} ms, p99 {pick(0.99):.1f} ms")

conn = http.client.HTTPConnection("127.0.0.1", port)
create = "mutation($s: String!) { createPerson(input: { slug: $s, name: $s }) { version item { id } } }"
update = "mutation($id: ID!, $v: Int!) { updatePerson(id: $id, expectedVersion: $v, input: { note: \"edited\" }) { version } }"
ids, times = [], []
for i in range(n):
    t = time.perf_counter()
    ids.append(post(conn, create, {"s": f"bench-{i}"})["createPerson"]["item"]["id"])
    times.append(time.perf_counter() - t)
report("create, sequential", times)
times = []
for id in ids:
    t = time.perf_counter()
    post(conn, update, {"id": id, "v": 1})
    times.append(time.perf_counter() - t)
report("update, sequential", times)
times, lock = [], threading.Lock()
def client(c):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    for i in range(n // 8):
        t = time.perf_counter()
        post(conn, create, {"s": f"bench-c{c}-{i}"})
        with lock:
            times.append(time.perf_counter() - t)
start = time.perf_counter()
threads = [threading.Thread(target=client, args=(c,)) for c in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
report("create, 8 clients at once", times)
print(f"  {len(times) / (time.perf_counter() - start):.0f} writes/s")
PY
echo "peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$pid/status)"
