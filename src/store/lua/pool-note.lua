--[[
  Notes on a queued deploy that no worker of its env's pool is running, or takes that note off
  once one is: sets waitingFor to the note (whatever it said before: nothing can run the deploy
  meanwhile), or clears it only when it is still that note (a worker may have noted something
  else since). Only while the deploy is queued.

  Input:
    KEYS[1] the deploy's record (HASH)

    ARGV[1] the note ("waiting for a worker of pool `prod`")
    ARGV[2] 'set' or 'clear'

  Output:
    1 when that changed what the feed shows, else 0
]]
local d = redis.call('HMGET', KEYS[1], 'status', 'waitingFor')
if d[1] ~= 'queued' then return 0 end
local current = d[2] or ''
if ARGV[2] == 'set' then
  if current == ARGV[1] then return 0 end
  redis.call('HSET', KEYS[1], 'waitingFor', ARGV[1])
else
  if current ~= ARGV[1] then return 0 end
  redis.call('HDEL', KEYS[1], 'waitingFor')
end
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return 1
