--[[
  Notes on a queued deploy that no worker of its env's pool is running, or takes that note off
  once one is: sets waitingFor to the note (whatever it said before: nothing can run the deploy
  meanwhile), or clears it only when it is still that note (a worker may have noted something
  else since). Only while the deploy is queued. The pool's set of noted deploys follows, so that
  a pool with live workers has only those to look at (usually none), not its whole queue.

  Input:
    KEYS[1] the deploy's record (HASH)
    KEYS[2] the pool's noted deploys (SET of deploy ids)

    ARGV[1] the note ("waiting for a worker of pool `prod`")
    ARGV[2] 'set' or 'clear'
    ARGV[3] the deploy's id

  Output:
    1 when that changed what the feed shows, else 0
]]
local d = redis.call('HMGET', KEYS[1], 'status', 'waitingFor')
if d[1] ~= 'queued' or ARGV[2] ~= 'set' then redis.call('SREM', KEYS[2], ARGV[3]) end
if d[1] ~= 'queued' then return 0 end
local current = d[2] or ''
if ARGV[2] == 'set' then
  redis.call('SADD', KEYS[2], ARGV[3])
  if current == ARGV[1] then return 0 end
  redis.call('HSET', KEYS[1], 'waitingFor', ARGV[1])
else
  if current ~= ARGV[1] then return 0 end
  redis.call('HDEL', KEYS[1], 'waitingFor')
end
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return 1
