--[[
  Records what a CI-driven deploy's follower learned (the run it dispatched, the run's state in
  words, the jobs whose logs are in, the worker following it), fenced by the env lease: a worker
  that lost the lease writes nothing.

  Input:
    KEYS[1] the deploy's record (HASH)
    KEYS[2] the env lease

    ARGV[1] lease value
    ARGV[2...] field, value, field, value... (the record's ci* fields and worker)

  Output:
    1 recorded | 0 lease lost (or the deploy is no longer running)
]]
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
local fields = {}
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
if #fields > 0 then redis.call('HSET', KEYS[1], unpack(fields)) end
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return 1
