--[[
  An alert fires on an env: records it among the env's firing alerts and, unless a freeze stands
  already, freezes the env with a freeze of source 'alert' named after it. The same alert again
  (a repeated delivery) changes nothing: 'dup'. A freeze whose end has passed (its timer is due)
  counts as none. An alert freeze is also noted in the env's delivery history (a failure the
  delivery figures time the restore of), trimmed to the retention.

  Input:
    KEYS[1] the env's freeze (HASH)
    KEYS[2] the env's firing alerts (HASH)
    KEYS[3] freeze token counter
    KEYS[4] the env's alert freezes (ZSET freeze token -> since)

    ARGV[1] alert key
    ARGV[2] its JSON ({name, summary, since})
    ARGV[3] name
    ARGV[4] summary
    ARGV[5] now (ms)
    ARGV[6] delivery retention (ms)

  Output:
    {'dup'} | {'frozen', token} | {'also', name of the alert whose freeze stands}
    | {'kept', source, by, name}
]]
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then return {'dup'} end
local f = redis.call('HGETALL', KEYS[1])
local h = {}
for i = 1, #f, 2 do h[f[i]] = f[i + 1] end
if h.source and h['until'] and tonumber(h['until']) <= tonumber(ARGV[5]) then h = {} end
if h.source == 'alert' then return {'also', h.name or ''} end
if h.source then return {'kept', h.source, h.by or '', h.name or ''} end
local token = redis.call('INCR', KEYS[3])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'by', 'alert', 'reason', ARGV[4], 'since', ARGV[5], 'source', 'alert', 'token', token, 'name', ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[5], token)
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. (tonumber(ARGV[5]) - tonumber(ARGV[6])))
return {'frozen', token}
