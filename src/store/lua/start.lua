--[[
  Marks a deploy running again (after its worker was lost), fenced by the env lease, unless the
  env is now locked by someone other than its requester.

  Input:
    KEYS[1] the deploy's record (HASH)
    KEYS[2] the env lease
    KEYS[3] env state (HASH)
    KEYS[4] the env's lock (HASH)

    ARGV[1] lease value
    ARGV[2] now (ms)
    ARGV[3] worker name

  Output:
    {1} started | {0} lease lost | {2, lock holder}
]]
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return {0} end
local user = redis.call('HGET', KEYS[1], 'user')
local lock = redis.call('HMGET', KEYS[4], 'holder', 'until')
if lock[1] and tonumber(lock[2]) > tonumber(ARGV[2]) and lock[1] ~= user then return {2, lock[1]} end
local prev = redis.call('HGET', KEYS[3], 'sha') or ''
redis.call('HSET', KEYS[1], 'status', 'running', 'startedAt', ARGV[2], 'worker', ARGV[3], 'previousSha', prev)
redis.call('HINCRBY', KEYS[1], 'attempt', 1)
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return {1}
