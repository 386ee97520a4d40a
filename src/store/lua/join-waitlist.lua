--[[
  Adds a person to an env's wait-list (once), unless they hold the lock themselves. A wait-list
  nobody joins for a week is dropped.

  Input:
    KEYS[1] the env's lock (HASH)
    KEYS[2] the env's wait-list (ZSET)

    ARGV[1] user
    ARGV[2] now (ms)

  Output:
    {'holder'} | {'free'} | {'queued' (a new place) or 'already' (was on it), position}
]]
local cur = redis.call('HMGET', KEYS[1], 'holder', 'until')
if not cur[1] or tonumber(cur[2]) <= tonumber(ARGV[2]) then return {'free'} end
if cur[1] == ARGV[1] then return {'holder'} end
local added = redis.call('ZADD', KEYS[2], 'NX', ARGV[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], 604800)
return {added == 1 and 'queued' or 'already', redis.call('ZRANK', KEYS[2], ARGV[1]) + 1}
