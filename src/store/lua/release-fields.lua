--[[
  Sets the release fields while it is open or shipping.

  Input:
    KEYS[1] the release (HASH)

    ARGV[1] fields (JSON)

  Output:
    1 if set, else 0
]]
local st = redis.call('HGET', KEYS[1], 'status')
if st ~= 'open' and st ~= 'shipping' then return 0 end
redis.call('HSET', KEYS[1], 'fields', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return 1
