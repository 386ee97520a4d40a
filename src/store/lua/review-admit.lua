--[[
  Gives a review app a place, or a place in line: at most `max` review apps of an app hold a place
  at once (review_apps.max), the others wait in arrival order. First it fills free places from the
  head of the line (a place freed while nobody was told), then takes the asker's.

  Input:
    KEYS[1] the app's review apps holding a place (ZSET PR -> when it got it)
    KEYS[2] the line (ZSET PR -> when it arrived, ms; each after the one before it)
    KEYS[3] review app record prefix ("<prefix>:review:<app>:"): the script appends a PR number

    ARGV[1] the PR asking
    ARGV[2] max
    ARGV[3] now (ms)

  Output:
    {'live' | 'admitted', 0, ...PRs given a place from the line}
    | {'waiting', place in line (1: next), ...PRs given a place from the line}
]]
local max, now, pr = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[1]
local admitted = {}
while redis.call('ZCARD', KEYS[1]) < max do
  local head = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if not head then break end
  redis.call('ZREM', KEYS[2], head)
  redis.call('ZADD', KEYS[1], now, head)
  if head ~= pr then
    admitted[#admitted + 1] = head
    redis.call('HDEL', KEYS[3] .. head, 'place')
  end
end
if redis.call('ZSCORE', KEYS[1], pr) then
  return {'live', 0, unpack(admitted)}
end
if redis.call('ZCARD', KEYS[1]) < max then
  redis.call('ZADD', KEYS[1], now, pr)
  return {'admitted', 0, unpack(admitted)}
end
if not redis.call('ZSCORE', KEYS[2], pr) then
  -- Strictly after the last one in line, so two arriving in the same millisecond keep their order.
  local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')[2]
  redis.call('ZADD', KEYS[2], math.max(now, (tonumber(last) or 0) + 1), pr)
end
return {'waiting', redis.call('ZRANK', KEYS[2], pr) + 1, unpack(admitted)}
