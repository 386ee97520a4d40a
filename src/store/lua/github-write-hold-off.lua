--[[
  Pushes the write slot to at least now + ARGV[1] (GitHub asked to wait), on Redis's clock.

  Input:
    KEYS[1] the write slot (ms)

    ARGV[1] how long to hold off (ms)

  Output:
    0
]]
local t = redis.call('TIME')
local until_ = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
if until_ > tonumber(redis.call('GET', KEYS[1]) or '0') then redis.call('SET', KEYS[1], until_, 'PX', tonumber(ARGV[1]) + 60000) end
return 0
