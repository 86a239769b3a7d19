-- wrk script for one benchmark row. It counts every response that is not the expected status,
-- carries "errors", or is a 304 with a body. bench/compare.sh sets it up through the environment:
--   BENCH_BODY       the POST body, the same for every request (the warm path)
--   BENCH_GET        GET this path (with its query string) instead of POSTing
--   BENCH_HEAD/TAIL  the cold path: each request's body (or GET path) is HEAD..id..TAIL with an id
--                    unique across threads, so no response or document cache can ever hit
--   BENCH_INM        an If-None-Match header to send
--   BENCH_EXPECT     the status that counts as good (default 200)
local get, head, tail = os.getenv("BENCH_GET"), os.getenv("BENCH_HEAD"), os.getenv("BENCH_TAIL")
local expect = tonumber(os.getenv("BENCH_EXPECT") or "200")
if get then
  wrk.method, wrk.path = "GET", get
  -- Apollo's CSRF prevention refuses a GET without a preflight header; scs-series ignores it.
  wrk.headers["apollo-require-preflight"] = "true"
else
  wrk.method, wrk.body = "POST", os.getenv("BENCH_BODY")
  wrk.headers["Content-Type"] = "application/json"
end
wrk.headers["If-None-Match"] = os.getenv("BENCH_INM")

-- Each wrk thread runs its own Lua state: give each an id (for unique texts) and add up their
-- counts at the end.
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function init(args)
  bad, n = 0, 0
end
if head then
  -- Defining request() makes wrk build every request anew (a little more load-generator CPU
  -- than the warm path's one prebuilt request).
  function request()
    n = n + 1
    local unique = head .. tid .. "-" .. n .. tail
    if get then return wrk.format(nil, unique) end
    return wrk.format(nil, nil, nil, unique)
  end
end
function response(status, headers, body)
  if status ~= expect or string.find(body, '"errors"', 1, true) or (status == 304 and #body > 0) then
    bad = bad + 1
  end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("bad") end
  io.write(string.format("bad_responses=%d\n", total))
end
