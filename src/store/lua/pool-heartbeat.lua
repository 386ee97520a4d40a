--[[
  A worker process announces (or, at a clean stop, withdraws) that it takes deploys of a worker
  pool: its name in the pool's set, scored with when the announcement lapses (Redis's clock, so
  processes on machines whose clocks differ agree). Lapsed entries are dropped as it goes.

  Input:
    KEYS[1] the pool's live workers (ZSET worker name -> lapses at, ms)

    ARGV[1] the worker's name
    ARGV[2] how long the announcement holds, ms; 0 withdraws it

  Output:
    how many workers of the pool are live afterwards
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if ttl > 0 then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl * 4)
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return redis.call('ZCARD', KEYS[1])
