--[[
  Lifts a person's hold.

  Input:
    KEYS[1] the release (HASH)
    KEYS[2] its holds (HASH)

    ARGV[1] who

  Output:
    1 if a hold was lifted, else 0
]]
local n = redis.call('HDEL', KEYS[2], ARGV[1])
if n > 0 then redis.call('HINCRBY', KEYS[1], 'rev', 1) end
return n
