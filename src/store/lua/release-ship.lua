--[[
  Starts shipping if, at this instant, the release is open, not stale, holds no hold, has every
  required ack and (when required) an approval that counts. Two Ship clicks: one ships.

  Input:
    KEYS[1] the release (HASH)
    KEYS[2] its acks (HASH)
    KEYS[3] its approvals (HASH)
    KEYS[4] its holds (HASH)

    ARGV[1] shipper
    ARGV[2] now (ms)
    ARGV[3] '1' when an approval is required
    ARGV[4] the user whose approval doesn't count ('' none)
    ARGV[5...] required author keys

  Output:
    {'ok', attempt} | {'already', status, deployId} | {'closed', status} | {'stale'} | {'held'}
    | {'waiting', key} | {'approver'} | {'missing'}
]]
local h = redis.call('HMGET', KEYS[1], 'status', 'staleSha', 'deployId')
if not h[1] then return {'missing'} end
if h[1] == 'shipping' or h[1] == 'shipped' then return {'already', h[1], h[3] or ''} end
if h[1] ~= 'open' then return {'closed', h[1]} end
if h[2] then return {'stale'} end
if redis.call('HLEN', KEYS[4]) > 0 then return {'held'} end
for i = 5, #ARGV do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then return {'waiting', ARGV[i]} end
end
if ARGV[3] == '1' then
  local ok = false
  for _, u in ipairs(redis.call('HKEYS', KEYS[3])) do if u ~= ARGV[4] then ok = true end end
  if not ok then return {'approver'} end
end
local attempt = redis.call('HINCRBY', KEYS[1], 'shipAttempts', 1)
redis.call('HSET', KEYS[1], 'status', 'shipping', 'shippedBy', ARGV[1], 'shippedAt', ARGV[2])
redis.call('HDEL', KEYS[1], 'deployId', 'lastShipDeploy', 'lastShipStatus', 'shipNote')
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return {'ok', attempt}
