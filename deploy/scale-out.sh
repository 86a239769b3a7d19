#!/usr/bin/env bash
# The scale-out path, on loopback: N stateless scs-series read replicas serving the same seed,
# behind nginx as a caching reverse proxy that honours the replicas' Cache-Control and ETag.
#
#   deploy/scale-out.sh [SECONDS]        # load duration through nginx, default 10
#
# It starts the replicas (each with its own store, loaded from seed/), waits for /ready,
# starts nginx in front (deploy/nginx.conf.template), then
#   1. asks every replica directly for every query in bench/queries/ and checks the answers
#      are byte-identical and free of errors; compares their ETags, and tries replica 1's
#      delta-sync token on another replica (differences are reported as FINDINGs);
#   2. asks nginx for the same queries (plain, gzip and br) and checks the answers match and
#      are cached, that nginx answers If-None-Match with 304, that a cross-origin request
#      gets its CORS header from the cache, and that POST is not cached;
#   3. runs wrk through nginx (deploy/rotate.lua rotates over the queries);
#   4. prints the cache statuses from nginx's access log, the hit ratio, requests per
#      replica, req/s and p99, and fails if any answer was not a 200 or carried errors.
# Everything (stores, nginx's cache, temp files, logs) lives in one temp folder, removed on
# exit (also on Ctrl-C). Runs as a normal user; as root it installs nginx when missing.
#
# Environment:
#   SCS_BIN=path      the scs-series binary (default: cargo build --release)
#   REPLICAS=2        how many replicas
#   STORES=fresh      fresh: every replica builds its own store from seed/ (each store gets a
#                     random identity, so ETags differ per replica); cloned: one store is
#                     built once, closed cleanly and copied to every replica (same identity,
#                     same ETags)
#   MAX_AGE, SWR      passed as --cache-max-age / --cache-stale-while-revalidate (default: the
#                     server's, 60 and 300); MAX_AGE=1 SWR=0 makes nginx revalidate during
#                     the run
#   PORT_BASE=18480   nginx listens on PORT_BASE, replica i on PORT_BASE+i
#   WRK_THREADS=2 WRK_CONNECTIONS=32
#   KEEP_WORKDIR=1    keep the temp folder (logs, configs) for a look afterwards
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
here="$repo/deploy"
secs=${1:-10}
replicas=${REPLICAS:-2}
stores=${STORES:-fresh}
port_base=${PORT_BASE:-18480}
wrk_threads=${WRK_THREADS:-2}
wrk_connections=${WRK_CONNECTIONS:-32}
nginx_port=$port_base

die() { echo "scale-out: $*" >&2; exit 1; }

[[ $secs =~ ^[0-9]+$ && $secs -gt 0 ]] || die "usage: $0 [SECONDS]"
[[ $stores == fresh || $stores == cloned ]] || die "STORES is fresh or cloned, not $stores"

# --- tools -----------------------------------------------------------------------------------

# Debian installs nginx in /usr/sbin, which is not on a normal user's PATH.
find_nginx() { command -v nginx || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; } || true; }
nginx_bin=$(find_nginx)
if [[ -z $nginx_bin ]]; then
    if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "== installing nginx (Debian package)"
        # Only the binary is used: this script never starts the package's own service.
        apt-get install -y nginx >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y nginx >/dev/null; }
        nginx_bin=$(find_nginx)
    fi
    [[ -n $nginx_bin ]] || die "nginx is missing: install Debian's package (sudo apt-get install nginx) and run again"
fi
for tool in curl jq wrk; do
    command -v "$tool" >/dev/null || die "$tool is missing (Debian: apt-get install $tool)"
done

if [[ -n ${SCS_BIN:-} ]]; then
    bin=$SCS_BIN
else
    (cd "$repo" && cargo build --release --quiet)
    bin="$repo/target/release/scs-series"
fi
[[ -x $bin ]] || die "no scs-series binary at $bin"

# A port already taken would make a replica or nginx fail in a confusing way later.
for ((i = 0; i <= replicas; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$((port_base + i))") 2>/dev/null; then
        die "port $((port_base + i)) is in use; pick other ports with PORT_BASE=..."
    fi
done

# --- work folder and clean-up ----------------------------------------------------------------

workdir=$(mktemp -d -t scs-scale-out.XXXXXX)
# As root, nginx's workers run as nobody and must reach the cache and temp folders nginx
# creates (and hands to them) inside this folder; mktemp makes it 0700.
[[ $EUID -eq 0 ]] && chmod 711 "$workdir"
pids=()        # replicas
nginx_pid=""

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    # nginx first, so no request reaches a replica that is shutting down.
    if [[ -n $nginx_pid ]]; then kill -TERM "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; fi
    # SIGTERM: the replicas flush and close their stores cleanly.
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ $rc -ne 0 ]]; then
        echo "scale-out: stopped with exit status $rc; the logs end with:" >&2
        for log in "$workdir"/error.log "$workdir"/nginx.log "$workdir"/replica*.log "$workdir"/golden.log; do
            [[ -f $log ]] && { echo "--- $log" >&2; tail -n 5 "$log" >&2; }
        done
    fi
    if [[ -n ${KEEP_WORKDIR:-} ]]; then echo "kept $workdir"; else rm -rf "$workdir"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- replicas --------------------------------------------------------------------------------

cache_flags=()
[[ -n ${MAX_AGE:-} ]] && cache_flags+=(--cache-max-age "$MAX_AGE")
[[ -n ${SWR:-} ]] && cache_flags+=(--cache-stale-while-revalidate "$SWR")

# Starts one scs-series on $1 (port) with the store in $2; logs to $3. The SCS_* variables of
# this shell are cleared (SCS_TOKENS or SCS_ONLY_PERSISTED would change what a replica does)
# and the token file is one that does not exist: a replica holds no tokens, so it refuses
# every mutation. Writes go to the single writer, never to a replica (see deploy/README.md).
start_server() {
    local port=$1 data=$2 log=$3
    (
        while read -r var; do unset "$var"; done < <(compgen -e | grep '^SCS_' || true)
        # NO_COLOR: plain log files, readable with tail.
        NO_COLOR=1 exec "$bin" serve --listen "127.0.0.1:$port" --data-dir "$data" --seed-dir "$repo/seed" \
            --tokens-file "$workdir/no-tokens.toml" --backup-dir "$data.backups" \
            --rate-limit 0 --trusted-proxies 127.0.0.1 "${cache_flags[@]}"
    ) >"$log" 2>&1 &
    pids+=($!)
}

# Waits until the server on port $1 answers /ready (the store is open and the seed applied).
wait_ready() {
    local port=$1 pid=$2
    for _ in $(seq 300); do
        curl -sf "http://127.0.0.1:$port/ready" >/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || die "the server on port $port exited during start-up"
        sleep 0.1
    done
    die "the server on port $port was not ready after 30 s"
}

if [[ $stores == cloned ]]; then
    # Build one store from the seed, close it cleanly (SIGTERM), and give every replica a copy:
    # the copies share the store's identity, revision and seed digest, hence their ETags.
    echo "== building one store from seed/ to copy to every replica"
    start_server "$((port_base + 1))" "$workdir/golden" "$workdir/golden.log"
    wait_ready "$((port_base + 1))" "${pids[0]}"
    kill -TERM "${pids[0]}"; wait "${pids[0]}"; pids=()
    for ((i = 1; i <= replicas; i++)); do cp -a "$workdir/golden" "$workdir/replica$i"; done
fi

echo "== starting $replicas replicas ($stores stores) with ${SCS_BIN:-target/release/scs-series}"
for ((i = 1; i <= replicas; i++)); do
    start_server "$((port_base + i))" "$workdir/replica$i" "$workdir/replica$i.log"
done
for ((i = 1; i <= replicas; i++)); do
    wait_ready "$((port_base + i))" "${pids[i - 1]}"
    echo "   replica $i: 127.0.0.1:$((port_base + i)) $(curl -s "http://127.0.0.1:$((port_base + i))/ready")"
done

# --- nginx -----------------------------------------------------------------------------------

upstreams=""
for ((i = 1; i <= replicas; i++)); do
    upstreams+="        server 127.0.0.1:$((port_base + i)) max_fails=3 fail_timeout=5s;"$'\n'
done
conf=$(<"$here/nginx.conf.template")
conf=${conf//@WORKDIR@/$workdir}
conf=${conf//@NGINX_PORT@/$nginx_port}
conf=${conf//@UPSTREAM_SERVERS@/${upstreams%$'\n'}}
printf '%s\n' "$conf" >"$workdir/nginx.conf"
mkdir -p "$workdir/tmp"
"$nginx_bin" -t -q -p "$workdir" -c "$workdir/nginx.conf" -e "$workdir/error.log" \
    || die "nginx refused the config (see $workdir/error.log)"
"$nginx_bin" -p "$workdir" -c "$workdir/nginx.conf" -e "$workdir/error.log" -g 'daemon off;' \
    >>"$workdir/nginx.log" 2>&1 &
nginx_pid=$!
for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$nginx_port/ready" && break
    kill -0 "$nginx_pid" 2>/dev/null || die "nginx exited during start-up"
    sleep 0.1
done
echo "   nginx ($("$nginx_bin" -v 2>&1 | sed 's/.*version: //')): 127.0.0.1:$nginx_port"

# --- the queries -----------------------------------------------------------------------------

# Every benchmark query as a GET target, with its variables when it has a .variables.json.
names=()
urls=()
for file in "$repo"/bench/queries/*.graphql; do
    name=$(basename "$file" .graphql)
    url="/graphql?query=$(jq -Rrs 'sub("\\s+$"; "") | @uri' <"$file")"
    vars="${file%.graphql}.variables.json"
    [[ -f $vars ]] && url+="&variables=$(jq -cr 'tojson | @uri' "$vars")"
    names+=("$name")
    urls+=("$url")
done
printf '%s\n' "${urls[@]}" >"$workdir/urls.txt"

failures=0
fail() { echo "   FAIL: $*"; failures=$((failures + 1)); }

# Fetches http://127.0.0.1:$1$2 into $3.body / $3.head; extra curl arguments follow.
fetch() {
    local port=$1 target=$2 out=$3
    shift 3
    curl -s -o "$out.body" -D "$out.head" "$@" "http://127.0.0.1:$port$target"
}
header() { grep -i "^$1:" "$2" | head -n 1 | cut -d' ' -f2- | tr -d '\r' || true; }
status() { head -n 1 "$1" | cut -d' ' -f2; }

# --- 1. the replicas answer identically -------------------------------------------------------

echo "== 1. every replica, directly: same answer, same ETag?"
same_etags=0
for k in "${!urls[@]}"; do
    etags=()
    for ((i = 1; i <= replicas; i++)); do
        out="$workdir/q$k.r$i"
        fetch "$((port_base + i))" "${urls[k]}" "$out"
        [[ $(status "$out.head") == 200 ]] || fail "${names[k]}: replica $i answered $(status "$out.head")"
        jq -e 'has("data") and (has("errors") | not)' "$out.body" >/dev/null \
            || fail "${names[k]}: replica $i answered with errors: $(head -c 300 "$out.body")"
        # Byte-identical bodies: the same seed gives the same data, ids and cursors.
        cmp -s "$out.body" "$workdir/q$k.r1.body" || fail "${names[k]}: replica $i's answer differs from replica 1's"
        etags+=("$(header etag "$out.head")")
    done
    if [[ $(printf '%s\n' "${etags[@]}" | sort -u | wc -l) -eq 1 ]]; then
        same_etags=$((same_etags + 1)); verdict="same ETag"
    else
        verdict="ETags differ"
    fi
    printf '   %-8s %5d bytes, identical on %d replicas; %s: %s\n' "${names[k]}" \
        "$(wc -c <"$workdir/q$k.r1.body")" "$replicas" "$verdict" "${etags[*]}"
done
if [[ $same_etags -ne ${#urls[@]} ]]; then
    echo "   FINDING: the same answer has another ETag on each replica ($same_etags of ${#urls[@]} agree)."
    echo "   The ETag hashes the store's random identity, made when a store is created, so"
    echo "   replicas that each load the seed into a new store never agree: a revalidation that"
    echo "   nginx sends to another replica than the one that filled the cache gets a full 200"
    echo "   instead of a 304 (EXPIRED below, not REVALIDATED). STORES=cloned avoids it."
    [[ $stores == cloned ]] && fail "cloned stores should give the same ETags"
fi

# Delta sync (POST, never cached) is not stateless: its tokens are signed by the store that
# made them. Behind a round-robin proxy an app's next sync may land on another replica.
# shellcheck disable=SC2016 # $token is a GraphQL variable, not a shell one
sync='query Sync($token: String) { sync(token: $token, first: 100) { updated { id } nextToken hasMore } }'
sync_body() { jq -n --arg q "$sync" --arg t "$1" '{query: $q, variables: {token: (if $t == "" then null else $t end)}}'; }
token=$(curl -s -H 'Content-Type: application/json' --data "$(sync_body "")" \
    "http://127.0.0.1:$((port_base + 1))/graphql" | jq -r '.data.sync.nextToken')
answer=$(curl -s -H 'Content-Type: application/json' --data "$(sync_body "$token")" \
    "http://127.0.0.1:$((port_base + replicas))/graphql")
if jq -e '.errors | not' <<<"$answer" >/dev/null; then
    echo "   a sync token from replica 1 works on replica $replicas: $(jq -c '.data.sync.updated | length' <<<"$answer") updates since"
else
    echo "   FINDING: a sync token from replica 1 is refused by replica $replicas ($(jq -r '.errors[0].extensions.code' <<<"$answer")):"
    echo "   every store signs its own tokens, so an app whose syncs alternate between replicas"
    echo "   starts over from scratch each time. STORES=cloned (one identity) avoids it."
    [[ $stores == cloned ]] && fail "cloned stores should accept each other's sync tokens"
fi

# --- 2. nginx passes them on -----------------------------------------------------------------

echo "== 2. through nginx: the same answers, per encoding, cached on the second request"
variants=0
for k in "${!urls[@]}"; do
    for enc in identity gzip br; do
        statuses=""
        for attempt in 1 2; do
            out="$workdir/q$k.nginx.$enc.$attempt"
            # identity: no Accept-Encoding at all, as wrk sends below. Otherwise --compressed
            # decodes what nginx sends, so the bytes compare with the replica's.
            if [[ $enc == identity ]]; then
                fetch "$nginx_port" "${urls[k]}" "$out"
            else
                fetch "$nginx_port" "${urls[k]}" "$out" --compressed -H "Accept-Encoding: $enc"
            fi
            cmp -s "$out.body" "$workdir/q$k.r1.body" || fail "${names[k]} ($enc): nginx's answer differs from the replica's"
            [[ $enc == identity || $(header content-encoding "$out.head") == "$enc" ]] \
                || fail "${names[k]} ($enc): not $enc-encoded through nginx"
            statuses+="$(header x-cache-status "$out.head") "
        done
        [[ $statuses == "MISS HIT " ]] || fail "${names[k]} ($enc): cache statuses $statuses(expected MISS then HIT)"
        variants=$((variants + 1))
    done
done
echo "   $variants variants (${#urls[@]} queries x identity/gzip/br): answers identical, MISS then HIT"

# A client that revalidates with the ETag nginx gave it gets nginx's own 304, from the cache.
out="$workdir/conditional"
etag=$(header etag "$workdir/q0.nginx.gzip.2.head")
fetch "$nginx_port" "${urls[0]}" "$out" -H "Accept-Encoding: gzip" -H "If-None-Match: $etag"
echo "   If-None-Match $etag -> $(status "$out.head") ($(header x-cache-status "$out.head"))"
[[ $(status "$out.head") == 304 ]] || fail "a conditional GET through nginx was not answered 304"

# A browser on another site sends Origin and must get Access-Control-Allow-Origin, even when
# the cache was filled by a request without Origin (whose answer has no CORS headers).
out="$workdir/cors"
fetch "$nginx_port" "${urls[0]}" "$out" -H "Origin: https://reader.example.org"
echo "   with Origin -> $(status "$out.head") ($(header x-cache-status "$out.head")), Access-Control-Allow-Origin: '$(header access-control-allow-origin "$out.head")'"
[[ $(header access-control-allow-origin "$out.head") == "*" ]] || fail "a cross-origin GET through nginx got no Access-Control-Allow-Origin"

# POST is never cached: it always reaches a replica (no X-Cache-Status, as nothing was looked up).
out="$workdir/post"
body=$(jq -Rs '{query: sub("\\s+$"; "")}' <"$repo/bench/queries/${names[0]}.graphql")
fetch "$nginx_port" /graphql "$out" -H 'Content-Type: application/json' --data "$body"
fetch "$nginx_port" /graphql "$out" -H 'Content-Type: application/json' --data "$body"
echo "   POST (twice) -> $(status "$out.head"), X-Cache-Status: '$(header x-cache-status "$out.head")'"
[[ -z $(header x-cache-status "$out.head") ]] || fail "a POST went through nginx's cache"

# --- 3. load through nginx -------------------------------------------------------------------

echo "== 3. wrk through nginx: ${secs}s, $wrk_threads threads, $wrk_connections connections, ${#urls[@]} queries in turn"
# Only the access-log lines written from here on belong to the load.
mark=$(wc -l <"$workdir/access.log")
result=$(SCALE_OUT_URLS="$workdir/urls.txt" wrk -t"$wrk_threads" -c"$wrk_connections" -d"${secs}s" \
    -s "$here/rotate.lua" "http://127.0.0.1:$nginx_port/" | grep '^wrk_result') \
    || die "wrk printed no result"
# rotate.lua prints: wrk_result requests=N rps=N p50_ms=N p99_ms=N bad=N socket_errors=N
declare -A w
for field in ${result#wrk_result }; do w[${field%%=*}]=${field#*=}; done

# --- 4. what nginx saw -----------------------------------------------------------------------

echo "== 4. results"
tail -n +"$((mark + 1))" "$workdir/access.log" >"$workdir/load.log"
# Fields (nginx.conf.template's log_format): 2 request id, 3 status, 4 cache status,
# 5 upstream address, 6 upstream status, 7 nginx's time in seconds. A background revalidation
# is logged as a line of its own with its client request's id: the client got the line
# without an upstream (STALE or UPDATING), the replica's answer is on the other line.
awk -v replicas="$replicas" -v port_base="$port_base" '
    { if (!($2 in client) || $5 == "-") client[$2] = $4
      if ($3 != 200) not200++ }
    $5 != "-" {
        sub(/,$/, "", $5); upstream[$5]++; from_replicas++
        if ($4 == "REVALIDATED") revalidated++
        if ($4 == "EXPIRED") expired++
    }
    END {
        for (id in client) { total++; cache[client[id]]++ }
        served = cache["HIT"] + cache["REVALIDATED"] + cache["STALE"] + cache["UPDATING"]
        printf "   client requests through nginx: %d (%d log lines not 200)\n", total, not200
        printf "   cache status seen by clients:"
        k = split("HIT STALE UPDATING REVALIDATED MISS EXPIRED BYPASS", order, " ")
        for (i = 1; i <= k; i++) printf " %s %d", order[i], cache[order[i]]
        printf "\n"
        printf "   cache hit ratio: %.2f%% answered from the cache (HIT alone: %.2f%%)\n",
            100 * served / total, 100 * cache["HIT"] / total
        printf "   requests that reached a replica: %d (misses, and revalidations of expired entries: %d answered 304 Not Modified, %d answered 200 in full)\n",
            from_replicas, revalidated, expired
        for (i = 1; i <= replicas; i++) {
            addr = "127.0.0.1:" (port_base + i)
            printf "   replica %d (%s): %d requests\n", i, addr, upstream[addr]
        }
    }' "$workdir/load.log"
# nginx's own time per request ($request_time, millisecond resolution): set beside wrk's
# latency below, it tells the proxy's work apart from waiting for a CPU on a shared machine.
cut -d' ' -f7 "$workdir/load.log" | sort -n | awk '{ t[NR] = $1 } END {
    printf "   time spent in nginx per request: p50 %.0f ms, p99 %.0f ms, max %.0f ms\n",
        1000 * t[int(NR * 0.5) + 1], 1000 * t[int(NR * 0.99) + 1], 1000 * t[NR] }'
printf '   wrk: %s requests, %s req/s, p50 %s ms, p99 %s ms\n' \
    "${w[requests]}" "${w[rps]}" "${w[p50_ms]}" "${w[p99_ms]}"
printf '   answers that were not a 200 or carried errors: %s (socket errors: %s)\n' "${w[bad]}" "${w[socket_errors]}"
[[ ${w[bad]} -eq 0 && ${w[socket_errors]} -eq 0 ]] || fail "bad answers under load"
if awk '$3 != 200 { bad = 1 } END { exit !bad }' "$workdir/load.log"; then fail "nginx logged answers other than 200"; fi

if [[ $failures -gt 0 ]]; then
    echo "== $failures check(s) failed"
    exit 1
fi
echo "== all checks passed"
