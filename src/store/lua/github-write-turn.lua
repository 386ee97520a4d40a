--[[
  Takes the next turn for a write to GitHub: the later of now and the slot, which moves one
  spacing on. Read on Redis's clock: one for every host.

  Input:
    KEYS[1] the write slot (ms)

    ARGV[1] spacing (ms)

  Output:
    how long the caller waits (ms)
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local at = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local spacing = tonumber(ARGV[1])
redis.call('SET', KEYS[1], at + spacing, 'PX', at + spacing - now + 60000)
return at - now
