--[[
  Renews or releases a lease, only while it is held with that value.

  Input:
    KEYS[1] the lease

    ARGV[1] the lease's value
    ARGV[2] ttl (ms; 0 releases it)

  Output:
    1 if it was still held by that value, else 0
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
