--[[
  Env ARGV[3] (the release's source or target) now runs ARGV[1]: unless that is the SHA the
  summary was made from, the open release is stale from now on. A release opened from a tag
  (field tag) ships the tag's SHA, whatever its source env runs: only its target makes it stale.

  Input:
    KEYS[1] the release (HASH)

    ARGV[1] the env's new SHA
    ARGV[2] now (ms)
    ARGV[3] env

  Output:
    1 when it became stale now, else 0
]]
local h = redis.call('HMGET', KEYS[1], 'status', 'from', 'sourceSha', 'targetSha', 'staleSha', 'tag')
if h[1] ~= 'open' or h[5] then return 0 end
if h[6] and ARGV[3] == h[2] then return 0 end
if ARGV[3] == h[2] and h[3] == ARGV[1] then return 0 end
if ARGV[3] ~= h[2] and h[4] == ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'staleSha', ARGV[1], 'staleAt', ARGV[2], 'staleEnv', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return 1
