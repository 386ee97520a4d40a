--[[
  The ship attempt's deploy was accepted (ARGV[1] its id) or refused (ARGV[1] = '', ARGV[3] why):
  records it, or opens the release again with the reason shown. Only while that attempt is the
  one shipping.

  Input:
    KEYS[1] the release (HASH)

    ARGV[1] deploy id ('' when refused)
    ARGV[2] ship attempt
    ARGV[3] note (why it was refused)

  Output:
    1 when recorded, 0 when that attempt is not the one shipping
]]
local h = redis.call('HMGET', KEYS[1], 'status', 'shipAttempts')
if h[1] ~= 'shipping' or h[2] ~= ARGV[2] then return 0 end
if ARGV[1] == '' then
  redis.call('HSET', KEYS[1], 'status', 'open', 'shipNote', ARGV[3])
  redis.call('HDEL', KEYS[1], 'shippedBy', 'shippedAt')
else
  redis.call('HSET', KEYS[1], 'deployId', ARGV[1])
end
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return 1
