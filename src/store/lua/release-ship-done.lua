--[[
  The ship attempt's deploy finished. Succeeded: shipped, and no longer open. Failed or
  cancelled: open again, acks kept, so it can ship again. A deploy of an earlier attempt changes
  nothing.

  Input:
    KEYS[1] the release (HASH)
    KEYS[2] the open release of its target env (its id)
    KEYS[3] the releases whose source is its source env (SET)

    ARGV[1] deploy id
    ARGV[2] deploy status
    ARGV[3] now (ms)
    ARGV[4] ship attempt

  Output:
    1 when this call moved it, else 0
]]
local h = redis.call('HMGET', KEYS[1], 'status', 'shipAttempts', 'id')
if h[1] ~= 'shipping' or h[2] ~= ARGV[4] then return 0 end
redis.call('HSET', KEYS[1], 'deployId', ARGV[1])
if ARGV[2] == 'succeeded' then
  redis.call('HSET', KEYS[1], 'status', 'shipped', 'endedAt', ARGV[3])
  if redis.call('GET', KEYS[2]) == h[3] then redis.call('DEL', KEYS[2]) end
  redis.call('SREM', KEYS[3], h[3])
else
  redis.call('HSET', KEYS[1], 'status', 'open', 'lastShipDeploy', ARGV[1], 'lastShipStatus', ARGV[2])
end
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return 1
