--[[
  Claims a CI-driven deploy's dispatch, fenced by the env lease: the first call marks the record
  'dispatching' (from now on the dispatch may have been sent, so no worker sends it again without
  finding out what it started); a later call says how far the deploy got.

  Input:
    KEYS[1] the deploy's record (HASH)
    KEYS[2] the env lease

    ARGV[1] lease value
    ARGV[2] now (ms)

  Output:
    {'claimed'} | {'lease-lost'} | {'dispatching'} | {'dispatched'}
]]
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return {'lease-lost'} end
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return {'lease-lost'} end
local state = redis.call('HGET', KEYS[1], 'ciState')
if state and state ~= '' then return {state} end
redis.call('HSET', KEYS[1], 'ciState', 'dispatching', 'ciAt', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return {'claimed'}
