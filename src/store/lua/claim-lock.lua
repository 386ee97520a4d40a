--[[
  Claims or extends a lock for a person, unless someone else holds it.
  'handing': ended, but not yet handed to the first person on the wait-list (see accept.lua).

  Input:
    KEYS[1] the env's lock (HASH)
    KEYS[2] lock token counter
    KEYS[3] the env's wait-list (ZSET; the claimant leaves it)

    ARGV[1] user
    ARGV[2] now (ms)
    ARGV[3] until (ms)
    ARGV[4] reason ('' keeps an extended lock's reason)

  Output:
    {'locked', ...hash} | {'handing', next waiter} | {'ok', token, 'new'|'extended', ...hash}
]]
local now = tonumber(ARGV[2])
local cur = redis.call('HMGET', KEYS[1], 'holder', 'until', 'since', 'reason')
local held = cur[1] and tonumber(cur[2]) > now
if held and cur[1] ~= ARGV[1] then return {'locked', unpack(redis.call('HGETALL', KEYS[1]))} end
if cur[1] and not held then
  local head = redis.call('ZRANGE', KEYS[3], 0, 0)[1]
  if head and head ~= ARGV[1] then return {'handing', head} end
end
local token = redis.call('INCR', KEYS[2])
local since, reason, how = now, ARGV[4], 'new'
if held and redis.call('HGET', KEYS[1], 'reserved') ~= '1' then
  since, how = cur[3], 'extended'
  if reason == '' then reason = cur[4] end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'reason', reason, 'since', since, 'until', ARGV[3], 'token', token)
redis.call('PEXPIREAT', KEYS[1], tonumber(ARGV[3]) + 86400000)
redis.call('ZREM', KEYS[3], ARGV[1])
return {'ok', token, how, unpack(redis.call('HGETALL', KEYS[1]))}
