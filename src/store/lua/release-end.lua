--[[
  Ends an open release: cancelled by a person, or expired.

  Input:
    KEYS[1] the release (HASH)
    KEYS[2] the open release of its target env (its id)
    KEYS[3] the releases whose source is its source env (SET)

    ARGV[1] 'cancelled' | 'expired'
    ARGV[2] reason (mrkdwn)
    ARGV[3] now (ms)

  Output:
    {1} when ended now, else {0, status}
]]
local h = redis.call('HMGET', KEYS[1], 'status', 'id')
if h[1] ~= 'open' then return {0, h[1] or 'missing'} end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'endReason', ARGV[2], 'endedAt', ARGV[3])
if redis.call('GET', KEYS[2]) == h[2] then redis.call('DEL', KEYS[2]) end
redis.call('SREM', KEYS[3], h[2])
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return {1}
