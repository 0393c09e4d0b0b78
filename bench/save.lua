-- wrk script for bench/exam_load.py: each request saves one answer of one candidate.
-- Lines of the input file: attempt id, session cookie, CSRF token, JSON body with SEQ where the counter goes.
-- A second argument, a time in ms, makes each connection wait about that long after each answer before
-- its next save (a candidate reading the next question); without it (or 0), connections save flat out.
-- A third, wrk's number of threads, gives each thread its own candidates (by attempt id), so that a
-- candidate's counter only grows, as in a browser: a save is refused as stale only where a real one would be.
local shares_given = 0
local lines = {}
local n = 0
local counter = 0
local think = 0

threads_seen = {}
setup = function(thread)
  threads_seen[#threads_seen + 1] = thread
  thread:set("share", shares_given)  -- a global of that thread's own state
  shares_given = shares_given + 1
end

init = function(args)
  local shares = tonumber(args[3] or "1")
  for line in io.lines(args[1]) do
    if tonumber(line:match("^(%d+)")) % shares == share % shares then
      lines[#lines + 1] = line
    end
  end
  n = math.random(#lines)
  think = tonumber(args[2] or "0")
end

delay = function()
  if think > 0 then
    return math.random(math.floor(think / 2), math.floor(think * 3 / 2))
  end
  return 0
end

request = function()
  n = n % #lines + 1
  counter = counter + 1
  local attempt, cookie, csrf, body = lines[n]:match("([^\t]+)\t([^\t]+)\t([^\t]+)\t(.+)")
  body = body:gsub("SEQ", string.format("%d", os.time() * 1000000 + counter))
  return wrk.format("POST", "/exams/attempt/" .. attempt .. "/save",
    { ["Cookie"] = cookie, ["X-CSRFToken"] = csrf, ["Content-Type"] = "application/json" }, body)
end

stale = 0  -- global: done() reads it from each thread
response = function(status, headers, body)
  if body:find('"saved":%s*false') then
    stale = stale + 1
  end
end

done = function(summary, latency, requests)
  local refused = 0
  for _, thread in ipairs(threads_seen) do
    refused = refused + (thread:get("stale") or 0)
  end
  io.write(string.format("LUA p50=%.1f p95=%.1f p99=%.1f requests=%d non2xx=%d errors=%d seconds=%.2f stale=%d\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6, refused))
end
