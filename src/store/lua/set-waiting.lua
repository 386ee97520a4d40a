--[[
  Notes why a deploy waits: a queued one for its turn (freeze, window, checks, group), a running
  one for its checkout (a fetch another deploy started).

  Input:
    KEYS[1] the deploy's record (HASH)

    ARGV[1] text ('' clears it)
    ARGV[2] the status the deploy must have ('queued' or 'running')

  Output:
    1 when that changed what the feed shows, else 0
]]
local d = redis.call('HMGET', KEYS[1], 'status', 'waitingFor')
if d[1] ~= ARGV[2] or (d[2] or '') == ARGV[1] then return 0 end
if ARGV[1] == '' then redis.call('HDEL', KEYS[1], 'waitingFor') else redis.call('HSET', KEYS[1], 'waitingFor', ARGV[1]) end
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return 1
