-- wrk script for bench/exam_load.py: each request saves one answer of one candidate.
-- Lines of the input file: attempt id, session cookie, CSRF token, JSON body with SEQ where the counter goes.
-- A second argument, a time in ms, makes each connection wait about that long after each answer before
-- its next save (a candidate reading the next question); without it, connections save flat out.
local lines = {}
local n = 0
local counter = 0
local think = 0

init = function(args)
  for line in io.lines(args[1]) do
    lines[#lines + 1] = line
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

done = function(summary, latency, requests)
  io.write(string.format("LUA p50=%.1f p95=%.1f p99=%.1f requests=%d non2xx=%d errors=%d seconds=%.2f\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6))
end
