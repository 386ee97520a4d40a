--[[
  Claims a CI-driven deploy's dispatch, fenced by the env lease: the first call marks the record
  'dispatching' (from now on the dispatch may have been sent, so no worker sends it again without
  finding out what it started) and names the deploy as the env's CI run holder, so that while it is
  running no other deploy begins there, even between its lease expiring and the next worker
  following its run on; a later call says how far the deploy got.

  Input:
    KEYS[1] the deploy's record (HASH)
    KEYS[2] the env lease
    KEYS[3] the lease's CI run holder (STRING: deploy id): while that deploy runs, no queued deploy begins (begin.lua)

    ARGV[1] lease value
    ARGV[2] now (ms)
    ARGV[3] the env's driver (github_actions...): a worker with another one won't follow this run
    ARGV[4] the deploy id

  Output:
    {'claimed'} | {'lease-lost'} | {'dispatching'} | {'dispatched'}
]]
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return {'lease-lost'} end
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return {'lease-lost'} end
local state = redis.call('HGET', KEYS[1], 'ciState')
if state and state ~= '' then return {state} end
redis.call('HSET', KEYS[1], 'ciState', 'dispatching', 'ciAt', ARGV[2], 'ciDriver', ARGV[3])
redis.call('SET', KEYS[3], ARGV[4], 'PX', 604800000)
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return {'claimed'}
