--[[
  Freezes envs, all in one script so `/freeze web all` freezes every env or none. A freeze of an
  env that is frozen already replaces it (new reason and end) unless the existing one comes from
  another source (an alert's freeze is not replaced by a person's, nor the reverse): those envs
  are reported as kept.

  Input:
    KEYS[1] freeze token counter
    KEYS[2] the request's idempotency key (used when ARGV[7] is '1')
    KEYS[3...] the envs' freeze keys (HASH each)

    ARGV[1] by
    ARGV[2] reason
    ARGV[3] since
    ARGV[4] until ('' for none)
    ARGV[5] source
    ARGV[6] name
    ARGV[7] '1' to guard with KEYS[2]: a repeated request with the same key changes nothing and
            returns 'dup'; '0' for no guard

  Output:
    'dup' | per freeze key (in order): {token} or {0, existing source}
]]
if ARGV[7] == '1' and not redis.call('SET', KEYS[2], '1', 'NX', 'EX', 86400) then return 'dup' end
local out = {}
for i = 3, #KEYS do
  local key = KEYS[i]
  local source = redis.call('HGET', key, 'source')
  if source and source ~= ARGV[5] then
    out[i - 2] = {0, source}
  else
    local token = redis.call('INCR', KEYS[1])
    redis.call('DEL', key)
    redis.call('HSET', key, 'by', ARGV[1], 'reason', ARGV[2], 'since', ARGV[3], 'source', ARGV[5], 'token', token)
    if ARGV[4] ~= '' then
      redis.call('HSET', key, 'until', ARGV[4])
      redis.call('PEXPIREAT', key, tonumber(ARGV[4]) + 86400000)
    end
    if ARGV[6] ~= '' then redis.call('HSET', key, 'name', ARGV[6]) end
    out[i - 2] = {token}
  end
end
return out
