--[[
  A review app went away (torn down, or left the line): its place (or its place in line) is freed,
  and the first in line take the free places.

  Input:
    KEYS[1] the app's review apps holding a place (ZSET PR -> when it got it)
    KEYS[2] the line (ZSET PR -> when it arrived)
    KEYS[3] review app record prefix ("<prefix>:review:<app>:"): the script appends a PR number

    ARGV[1] the PR that went away
    ARGV[2] max
    ARGV[3] now (ms)

  Output:
    {...PRs given a place from the line, in line order}
]]
local max, now = tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
local admitted = {}
while redis.call('ZCARD', KEYS[1]) < max do
  local head = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if not head then break end
  redis.call('ZREM', KEYS[2], head)
  redis.call('ZADD', KEYS[1], now, head)
  redis.call('HDEL', KEYS[3] .. head, 'place')
  admitted[#admitted + 1] = head
end
return admitted
