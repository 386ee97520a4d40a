--[[
  Lifts a freeze: only one from an allowed source (a person's /unfreeze lifts manual and release
  freezes, an alert's resolution only its own), and in 'expire' mode only the freeze with that
  token once its end has passed.
  When alerts are still firing on the env (a person's or a release's freeze stood when they fired),
  the env is frozen again at once for the oldest of them, in the same step.

  Input:
    KEYS[1] the env's freeze (HASH)
    KEYS[2] the env's firing alerts (HASH)
    KEYS[3] freeze token counter

    ARGV[1] mode ('lift' | 'expire')
    ARGV[2] sources allowed (comma list)
    ARGV[3] token
    ARGV[4] now (ms)
    ARGV[5] name ('' for any; else only the freeze of that name is lifted, e.g. release #12's)

  Output:
    {} when nothing was lifted | {'kept', source} | {'alerting', alert name, ...lifted hash}
    | the lifted freeze's hash
]]
local f = redis.call('HGETALL', KEYS[1])
if #f == 0 then return {} end
local h = {}
for i = 1, #f, 2 do h[f[i]] = f[i + 1] end
if ARGV[1] == 'expire' then
  if h.token ~= ARGV[3] or not h['until'] or tonumber(h['until']) > tonumber(ARGV[4]) then return {} end
else
  local ok = false
  for s in string.gmatch(ARGV[2], '[^,]+') do if s == h.source then ok = true end end
  if not ok or (ARGV[5] ~= '' and h.name ~= ARGV[5]) then return {'kept', h.source} end
end
redis.call('DEL', KEYS[1])
if h.source ~= 'alert' then
  local oldest
  for _, v in ipairs(redis.call('HVALS', KEYS[2])) do
    local a = cjson.decode(v)
    if not oldest or tonumber(a.since) < tonumber(oldest.since) then oldest = a end
  end
  if oldest then
    local token = redis.call('INCR', KEYS[3])
    redis.call('HSET', KEYS[1], 'by', 'alert', 'reason', oldest.summary or '', 'since', ARGV[4], 'source', 'alert', 'token', token, 'name', oldest.name)
    local out = {'alerting', oldest.name}
    for _, x in ipairs(f) do out[#out + 1] = x end
    return out
  end
end
return f
