--[[
  Records an audit entry: pushed to the head of each of its lists (everything, its person, its
  env), each list then trimmed to the newest ARGV[2] entries and rid of entries older than the
  retention at its tail (a few per call, so a call stays short; each call adds one entry, so the
  tail keeps up).

  Input:
    KEYS[1...] the lists (LIST each, newest first)

    ARGV[1] the entry (JSON with `at`, ms)
    ARGV[2] entries each list keeps at most
    ARGV[3] entries older than this (ms) are dropped from the tail

  Output:
    the number of old entries dropped
]]
local dropped = 0
local cutoff = tonumber(ARGV[3])
for i = 1, #KEYS do
  redis.call('LPUSH', KEYS[i], ARGV[1])
  redis.call('LTRIM', KEYS[i], 0, tonumber(ARGV[2]) - 1)
  for _ = 1, 10 do
    local tail = redis.call('LINDEX', KEYS[i], -1)
    if not tail then break end
    local ok, e = pcall(cjson.decode, tail)
    if ok and type(e) == 'table' and tonumber(e.at) and tonumber(e.at) >= cutoff then break end
    redis.call('RPOP', KEYS[i])
    dropped = dropped + 1
  end
end
return dropped
