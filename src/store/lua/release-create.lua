--[[
  Opens a release, unless one to the same app+env is open (or shipping) already. An open release
  that is stale is replaced in the same step: it ends as cancelled, "replaced by #new".

  Input:
    KEYS[1] release id counter
    KEYS[2] the open release of the app's target env (its id)
    KEYS[3] the request's idempotency key
    KEYS[4] the releases whose source is the app's source env (SET)
    KEYS[5] release key prefix ("<prefix>:release:"): the script appends a release id for its
            record, and id .. ':commits' for its commits
    KEYS[6] by-source set prefix ("<prefix>:release:source:"): the script appends
            "<app>:<env>" for the set of a replaced release's own source env

    ARGV[1] idempotency ttl (s)
    ARGV[2] commits (JSON)
    ARGV[3] now (ms)
    ARGV[4...] the record's field/value pairs

  Output:
    {'created', id, replaced id or ''} | {'dup', id} | {'open', id}
]]
local dup = redis.call('GET', KEYS[3])
if dup then return {'dup', dup} end
local cur = redis.call('GET', KEYS[2])
local replaced = ''
if cur then
  local old = KEYS[5] .. cur
  local st = redis.call('HMGET', old, 'status', 'staleSha', 'from', 'app')
  if st[1] == 'shipping' or (st[1] == 'open' and not st[2]) then return {'open', cur} end
  if st[1] == 'open' then
    replaced = cur
    redis.call('HSET', old, 'status', 'cancelled', 'endedAt', ARGV[3])
    redis.call('HINCRBY', old, 'rev', 1)
    -- (its own source's set: the new release may come from another env)
    redis.call('SREM', KEYS[6] .. st[4] .. ':' .. st[3], cur)
  end
end
local id = redis.call('INCR', KEYS[1])
local key = KEYS[5] .. id
redis.call('HSET', key, 'id', id, 'status', 'open', 'rev', 1, 'reminders', 0, unpack(ARGV, 4))
redis.call('SET', key .. ':commits', ARGV[2])
redis.call('SET', KEYS[2], id)
redis.call('SADD', KEYS[4], id)
redis.call('SET', KEYS[3], id, 'EX', tonumber(ARGV[1]))
if replaced ~= '' then redis.call('HSET', KEYS[5] .. replaced, 'endReason', 'replaced by release #' .. id .. ' (what it summarised had moved)') end
return {'created', tostring(id), replaced}
