-- POSTs a duplicate check (or, with WRK_MODE=create, an allocation) for a random person.
local ids = {}
local mode = os.getenv("WRK_MODE") or "check"
local resource = os.getenv("WRK_RESOURCE")
local token = os.getenv("WRK_TOKEN")
for line in io.lines(os.getenv("WRK_PERSONS")) do ids[#ids + 1] = line end
math.randomseed(os.time())
local counter = 0
request = function()
  counter = counter + 1
  local id = ids[math.random(#ids)]
  local body
  if mode == "create" then
    local day = string.format("2030-%02d-%02d", math.random(12), math.random(28))
    body = '{"resource_id":"' .. resource .. '","person_id":"' .. id .. '","granted_on":"' .. day .. '","quantity":1}'
    return wrk.format("POST", "/api/v1/allocations", { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
  end
  body = '{"resource_id":"' .. resource .. '","person_id":"' .. id .. '","granted_on":"2027-01-15","quantity":1}'
  return wrk.format("POST", "/api/v1/allocations/check", { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
end
local statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  io.write(string.format("p50 %.2f ms, p99 %.2f ms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
