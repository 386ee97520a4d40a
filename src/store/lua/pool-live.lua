--[[
  Whether a worker pool has a live worker: one announced for the pool itself, or one that takes
  every pool (started without FERRY_WORKER_POOLS), whose announcement has not lapsed (Redis's clock).

  Input:
    KEYS[1] the pool's live workers (ZSET worker name -> lapses at, ms)
    KEYS[2] the live workers that take every pool (ZSET, the same)

  Output:
    how many such workers are live (0: none)
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local live = redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
return live + redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf')
