--[[
  Changes a review app's record only if it is still where the caller saw it: in one of the given
  states and (when given) on the given deploy. A deploy's end can't move an app that a teardown
  took over, and a stale webhook can't bring back one that is gone.

  Input:
    KEYS[1] the review app's record (HASH)
    KEYS[2] the app's known review apps (ZSET PR -> when it last changed)

    ARGV[1] the PR's number
    ARGV[2] now (ms)
    ARGV[3] states it must be in, comma-separated ('' any, 'none' only when there is no record)
    ARGV[4] the deploy id it must be on ('' any)
    ARGV[5] fields to delete, comma-separated ('' none)
    ARGV[6...] field, value, field, value ... to set

  Output:
    1 when it changed, 0 when the record was not as expected
]]
local state = redis.call('HGET', KEYS[1], 'state')
if ARGV[3] ~= '' then
  local ok = false
  for s in string.gmatch(ARGV[3], '[^,]+') do
    if (s == 'none' and not state) or s == state then ok = true end
  end
  if not ok then return 0 end
end
if ARGV[4] ~= '' and redis.call('HGET', KEYS[1], 'deployId') ~= ARGV[4] then return 0 end
if ARGV[5] ~= '' then
  for f in string.gmatch(ARGV[5], '[^,]+') do redis.call('HDEL', KEYS[1], f) end
end
if #ARGV > 5 then redis.call('HSET', KEYS[1], unpack(ARGV, 6)) end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
