--[[
  A deploy log's lines from number ARGV[1] on (at most ARGV[2]), and optionally a hash, in one read.
  The list keeps the newest lines; the counter says how many were ever appended, so the list's
  head is line total - len + 1. A log written before the counter existed counts from 1.

  Input:
    KEYS[1] the log (LIST)
    KEYS[2] the log's line counter
    KEYS[3] a hash to return with them (e.g. the deploy's record; may be absent)

    ARGV[1] first line wanted
    ARGV[2] max lines (0 = no limit)
    ARGV[3] '1' to return KEYS[3]'s hash

  Output:
    {first, total, {lines...}, {hash field, value, ...}}
]]
local len = redis.call('LLEN', KEYS[1])
local total = tonumber(redis.call('GET', KEYS[2]) or '0')
if total < len then total = len end
local head = total - len + 1
local from = math.max(tonumber(ARGV[1]), head)
local lines = {}
if from <= total then
  local stop = -1
  local max = tonumber(ARGV[2])
  if max > 0 and from + max - 1 < total then stop = from - head + max - 1 end
  lines = redis.call('LRANGE', KEYS[1], from - head, stop)
end
local h = {}
if ARGV[3] == '1' then h = redis.call('HGETALL', KEYS[3]) end
return {from, total, lines, h}
