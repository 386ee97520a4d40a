--[[
  Raises (or re-words) a hold on an open release.

  Input:
    KEYS[1] the release (HASH)
    KEYS[2] its holds (HASH who -> JSON)

    ARGV[1] who
    ARGV[2] the hold (JSON {reason, at})

  Output:
    {'ok', 1 if new} | {'closed', status} | {'missing'}
]]
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return {'missing'} end
if st ~= 'open' then return {'closed', st} end
local new = redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return {'ok', new}
