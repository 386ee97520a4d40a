--[[
  Records acks (HSETNX: the first click counts, every later one is a no-op) and an approval.

  Input:
    KEYS[1] the release (HASH)
    KEYS[2] its acks (HASH author key -> JSON {by, at})
    KEYS[3] its approvals (HASH user -> when)

    ARGV[1] who
    ARGV[2] now (ms)
    ARGV[3] '1' to record an approval by who
    ARGV[4...] author keys to ack

  Output:
    {'ok', new acks, new approval (0|1)} | {'closed', status} | {'stale'} | {'missing'}
]]
local h = redis.call('HMGET', KEYS[1], 'status', 'staleSha')
if not h[1] then return {'missing'} end
if h[1] ~= 'open' then return {'closed', h[1]} end
if h[2] then return {'stale'} end
local val = cjson.encode({by = ARGV[1], at = tonumber(ARGV[2])})
local new = 0
for i = 4, #ARGV do new = new + redis.call('HSETNX', KEYS[2], ARGV[i], val) end
local approved = 0
if ARGV[3] == '1' then approved = redis.call('HSETNX', KEYS[3], ARGV[1], ARGV[2]) end
if new + approved > 0 then redis.call('HINCRBY', KEYS[1], 'rev', 1) end
return {'ok', new, approved}
