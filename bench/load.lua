-- wrk script for bench/run.sh: WRK_MODE = get_case | get_person | list_cases | check | create | create_case,
-- ids drawn at random from WRK_IDS (case ids or person ids; create_case takes them in order from
-- line WRK_FROM, each person once, for persons without a case), WRK_TOKEN a bearer token,
-- WRK_RESOURCE the resource for check/create. WRK_DELAY_MS is the mean pause of each connection (for the 60 % load run).
local ids = {}
local mode = os.getenv("WRK_MODE")
local resource = os.getenv("WRK_RESOURCE") or ""
local auth = "Bearer " .. os.getenv("WRK_TOKEN")
local pause = tonumber(os.getenv("WRK_DELAY_MS") or "0")
local file = os.getenv("WRK_IDS")
if file then
  for line in io.lines(file) do ids[#ids + 1] = line end
end
math.randomseed(os.time())
local json = { ["Content-Type"] = "application/json", ["Authorization"] = auth }
local plain = { ["Authorization"] = auth }

request = function()
  if mode == "get_case" then
    return wrk.format("GET", "/api/v1/cases/" .. ids[math.random(#ids)], plain)
  elseif mode == "get_person" then
    return wrk.format("GET", "/api/v1/persons/" .. ids[math.random(#ids)], plain)
  elseif mode == "list_cases" then
    return wrk.format("GET", "/api/v1/cases?assigned_to=me", plain)
  end
  if mode == "create_case" then
    nextid = (nextid or tonumber(os.getenv("WRK_FROM") or "1")) + 1
    local body = '{"person_id":"' .. ids[nextid - 1] .. '","case_type":"general","risk_level":"general",'
      .. '"source":"outreach","summary":"벤치마크 신규 사례"}'
    return wrk.format("POST", "/api/v1/cases", json, body)
  end
  local id = ids[math.random(#ids)]
  if mode == "create" then
    -- Within the accepted range (five years back, one ahead), mostly clear of the seeded days.
    local day = string.format("20%02d-%02d-%02d", 22 + math.random(0, 5), math.random(11), math.random(28))
    local body = '{"resource_id":"' .. resource .. '","person_id":"' .. id .. '","granted_on":"' .. day .. '","quantity":1}'
    return wrk.format("POST", "/api/v1/allocations", json, body)
  end
  local body = '{"resource_id":"' .. resource .. '","person_id":"' .. id .. '","granted_on":"2027-01-15","quantity":1}'
  return wrk.format("POST", "/api/v1/allocations/check", json, body)
end

if pause > 0 then
  -- Exponentially distributed pauses: the 16 connections drift apart, so arrivals look like
  -- independent users (Poisson) instead of bursts of 16.
  delay = function() return math.floor(-math.log(1 - math.random()) * pause) end
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50=%.2f p99=%.2f non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status))
end
