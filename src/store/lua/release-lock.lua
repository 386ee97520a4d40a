--[[
  Releases a lock and hands the env to the first person on its wait-list, atomically, so exactly
  one release (by its holder, or by its expiry timer) tells the next person. The env is then
  reserved for that person for ARGV[5] ms: others are refused until they take it or the
  reservation expires (and passes to the next in line).
  In 'force' mode (an admin releasing someone else's lock) it releases lock ARGV[4] whoever holds it.

  Input:
    KEYS[1] the env's lock (HASH)
    KEYS[2] the env's wait-list (ZSET)
    KEYS[3] lock token counter

    ARGV[1] mode ('holder' | 'expire' | 'force')
    ARGV[2] user
    ARGV[3] now (ms)
    ARGV[4] token (expire and force modes)
    ARGV[5] reservation (ms)

  Output:
    {'none'} | {'stale'} | {'not_due'} | {'not_holder', ...hash}
    | {'released', next waiter or '', reservation token or '', reservation until or '', ...hash}
]]
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return {'none'} end
local cur = redis.call('HMGET', KEYS[1], 'holder', 'until', 'token')
local expired = tonumber(cur[2]) <= tonumber(ARGV[3])
if ARGV[1] == 'expire' then
  if cur[3] ~= ARGV[4] then return {'stale'} end
  if not expired then return {'not_due'} end
elseif ARGV[1] == 'force' then
  if cur[3] ~= ARGV[4] then return {'stale'} end
elseif cur[1] ~= ARGV[2] and not expired then
  return {'not_holder', unpack(h)}
end
redis.call('DEL', KEYS[1])
local nxt = redis.call('ZPOPMIN', KEYS[2])
if not nxt[1] then return {'released', '', '', '', unpack(h)} end
local token = redis.call('INCR', KEYS[3])
local untilMs = tonumber(ARGV[3]) + tonumber(ARGV[5])
redis.call('HSET', KEYS[1], 'holder', nxt[1], 'reason', 'their turn from the wait-list', 'since', ARGV[3], 'until', untilMs, 'token', token, 'reserved', '1')
redis.call('PEXPIREAT', KEYS[1], untilMs + 86400000)
return {'released', nxt[1], token, tostring(untilMs), unpack(h)}
