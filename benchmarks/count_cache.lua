-- wrk script for the page rows: counts how the app's page cache answered (X-Page-Cache: hit / stale / miss).
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) hits = 0; misses = 0; stale = 0 end
function response(status, headers, body)
  local served = headers["X-Page-Cache"]
  if served == "hit" then hits = hits + 1
  elseif served == "miss" then misses = misses + 1
  elseif served == "stale" then stale = stale + 1 end
end
function done(summary, latency, requests)
  local all_hits, all_misses, all_stale = 0, 0, 0
  for _, thread in ipairs(threads) do
    all_hits = all_hits + thread:get("hits")
    all_misses = all_misses + thread:get("misses")
    all_stale = all_stale + thread:get("stale")
  end
  io.write(string.format("CACHE HITS %d MISSES %d STALE %d\n", all_hits, all_misses, all_stale))
end
