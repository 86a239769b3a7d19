-- wrk script: GET a rotating list of request targets (one per line in the file named by
-- $SCALE_OUT_URLS, e.g. "/graphql?query=..."), so the load spreads over several cache keys
-- instead of hammering one. Counts answers that are not a 200 or carry "errors".
--
-- The request sends no Accept-Encoding, so bodies arrive uncompressed and can be checked here;
-- scale-out.sh checks the gzip and br variants through nginx separately with curl.
-- Each wrk thread runs its own Lua state: setup() keeps a handle on every thread so done() can
-- add up their counts.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  bad = 0
  paths = {}
  local file = assert(io.open(os.getenv("SCALE_OUT_URLS"), "r"))
  for line in file:lines() do
    if line ~= "" then table.insert(paths, line) end
  end
  file:close()
  -- Threads start at different targets, so they do not ask for the same key in lockstep.
  i = id % #paths
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then bad = bad + 1 end
end

-- One machine-readable line for scale-out.sh: requests, req/s, p50/p99 in ms, bad answers and
-- socket errors.
function done(summary, latency, requests)
  local total_bad = 0
  for _, thread in ipairs(threads) do total_bad = total_bad + thread:get("bad") end
  local e = summary.errors
  io.write(string.format(
    "wrk_result requests=%d rps=%.0f p50_ms=%.2f p99_ms=%.2f bad=%d socket_errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, total_bad,
    e.connect + e.read + e.write + e.timeout))
end
