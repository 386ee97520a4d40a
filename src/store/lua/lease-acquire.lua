--[[
  The env lease: held by the one running deploy of an env, expiring unless renewed, and carrying a
  fencing token (a counter that only grows) so a worker that lost it can't write after the fact.
  Takes the lease if it is free: its value is "<holder>#<token>" (begin.lua takes it the same way).

  Input:
    KEYS[1] the lease
    KEYS[2] fencing token counter

    ARGV[1] holder name
    ARGV[2] ttl (ms)

  Output:
    {token, value} or {0, current value}
]]
local cur = redis.call('GET', KEYS[1])
if cur then return {0, cur} end
local v = ARGV[1] .. '#' .. redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], v, 'PX', ARGV[2])
return {tonumber(string.match(v, '#(%d+)$')), v}
