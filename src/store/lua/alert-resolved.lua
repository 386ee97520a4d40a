--[[
  An alert is resolved: drops it from the env's firing alerts; when it was the last, lifts the
  env's freeze if it is an alert's (never a person's or a release's). While others still fire, an
  alert freeze stays and takes the name and summary of the oldest of them. An alert not recorded
  (a repeated delivery, or one never seen firing) changes nothing: 'unknown'.

  Input:
    KEYS[1] the env's freeze (HASH)
    KEYS[2] the env's firing alerts (HASH)

    ARGV[1] alert key

  Output:
    {'unknown'} | {'still', names...} | {'lifted', hash} | {'kept', source, by, name} | {'not-frozen'}
]]
if redis.call('HDEL', KEYS[2], ARGV[1]) == 0 then return {'unknown'} end
local source = redis.call('HGET', KEYS[1], 'source')
local rest = redis.call('HVALS', KEYS[2])
if #rest > 0 and source == 'alert' then
  local out = {'still'}
  local oldest
  for _, v in ipairs(rest) do
    local a = cjson.decode(v)
    out[#out + 1] = a.name
    if not oldest or tonumber(a.since) < tonumber(oldest.since) then oldest = a end
  end
  redis.call('HSET', KEYS[1], 'name', oldest.name, 'reason', oldest.summary)
  return out
end
if not source then return {'not-frozen'} end
if source ~= 'alert' then
  return {'kept', source, redis.call('HGET', KEYS[1], 'by') or '', redis.call('HGET', KEYS[1], 'name') or ''}
end
local f = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return {'lifted', f}
