--[[
  Keeps the newest push time seen for an env (kept 30 days).

  Input:
    KEYS[1] the env's newest push time

    ARGV[1] the push's pushed_at (s)

  Output:
    1 unless a later push was seen (then 0)
]]
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) < cur then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', 30 * 86400)
return 1
