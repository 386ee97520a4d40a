--[[
  Begins a deploy in one round trip: takes the env lease (with a new fencing token) unless someone
  holds it, then, unless the deploy finished already, was left running by a lost worker, or the
  env is now locked by someone other than its requester, marks it running.
  A queued deploy of an env frozen since the worker's gate looked (a /freeze in between) is not
  begun: 'frozen', and the worker holds it as the gate would have.
  The lease may be shared by the apps of an exclusive group (see keys.lease): their queued deploys
  that find it taken wait in its line, and when it is free the oldest deploy in line (lowest id,
  i.e. accepted first) takes it, so one app's busy queue can't starve another's. A deploy in line
  that stopped asking for longer than ARGV[5] (its worker died) is passed over. A deploy left
  running by a lost worker takes the free lease without waiting its turn.
  A release's deploy whose target no longer runs the SHA the release was made from (a deploy ran
  there first) is not begun: {'moved', lease value, the SHA there}; the worker fails it.

  Input:
    KEYS[1] the deploy's record (HASH)
    KEYS[2] the env lease
    KEYS[3] fencing token counter
    KEYS[4] the env's lock (HASH)
    KEYS[5] env state (HASH: what runs there)
    KEYS[6] the env's freeze (HASH)
    KEYS[7] the lease's line (ZSET id -> id)
    KEYS[8] when each deploy in line last asked (HASH id -> Redis TIME ms)
    KEYS[9] the lease's CI run holder (STRING: deploy id; see ci-claim.lua)
    KEYS[10] the deploy records' key prefix (the CI run holder's record is KEYS[10] .. id)

    ARGV[1] lease holder name
    ARGV[2] lease ttl (ms)
    ARGV[3] now (ms)
    ARGV[4] worker name
    ARGV[5] line staleness (ms)
    ARGV[6] deploy id

  Output:
    {'missing'} | {'finished'} | {'frozen'} | {'busy', lease value} | {'behind', deploy id first in line}
    | {'lost', lease value, attempt} | {'locked', lease value, lock holder} | {'moved', lease value, sha}
    | {'started', lease value, ...the deploy's hash}
]]
local id, now = ARGV[6], tonumber(ARGV[3])
-- The line's liveness is read on Redis's clock, the one clock every worker shares.
local t = redis.call('TIME')
local clock = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function leave()
  redis.call('ZREM', KEYS[7], id)
  redis.call('HDEL', KEYS[8], id)
end
local function wait()
  redis.call('ZADD', KEYS[7], tonumber(id), id)
  redis.call('HSET', KEYS[8], id, clock)
  redis.call('PEXPIRE', KEYS[7], 86400000)
  redis.call('PEXPIRE', KEYS[8], 86400000)
end
local d = redis.call('HMGET', KEYS[1], 'status', 'user', 'attempt')
if not d[1] then leave() return {'missing'} end
if d[1] == 'succeeded' or d[1] == 'failed' or d[1] == 'cancelled' then leave() return {'finished'} end
if d[1] == 'queued' then
  local f = redis.call('HMGET', KEYS[6], 'source', 'until')
  if f[1] and (not f[2] or tonumber(f[2]) > now) then leave() return {'frozen'} end
end
local cur = redis.call('GET', KEYS[2])
if cur then
  if d[1] == 'queued' then wait() end
  return {'busy', cur}
end
if d[1] == 'queued' then
  -- A deploy whose CI run still goes on (its worker gone, the next not yet there) keeps the env.
  local ci = redis.call('GET', KEYS[9])
  if ci and ci ~= id then
    if redis.call('HGET', KEYS[10] .. ci, 'status') == 'running' then
      wait()
      return {'behind', ci}
    end
    redis.call('DEL', KEYS[9])
  end
  local stale = clock - tonumber(ARGV[5])
  for _, other in ipairs(redis.call('ZRANGEBYSCORE', KEYS[7], '-inf', '(' .. id)) do
    if tonumber(redis.call('HGET', KEYS[8], other) or '0') >= stale then
      wait()
      return {'behind', other}
    end
    redis.call('ZREM', KEYS[7], other)
    redis.call('HDEL', KEYS[8], other)
  end
end
leave()
-- takes the lease as lease-acquire.lua does: "<holder>#<fencing token>"
local v = ARGV[1] .. '#' .. redis.call('INCR', KEYS[3])
redis.call('SET', KEYS[2], v, 'PX', ARGV[2])
if d[1] == 'running' then return {'lost', v, d[3]} end
local lock = redis.call('HMGET', KEYS[4], 'holder', 'until')
if lock[1] and tonumber(lock[2]) > now and lock[1] ~= d[2] then return {'locked', v, lock[1]} end
local prev = redis.call('HGET', KEYS[5], 'sha') or ''
local base = redis.call('HGET', KEYS[1], 'expectBase')
if base and base ~= '' and (base == 'none' and '' or base) ~= prev then return {'moved', v, prev} end
redis.call('HSET', KEYS[1], 'status', 'running', 'startedAt', ARGV[3], 'worker', ARGV[4], 'previousSha', prev)
redis.call('HDEL', KEYS[1], 'waitingFor')
redis.call('HINCRBY', KEYS[1], 'attempt', 1)
redis.call('HINCRBY', KEYS[1], 'rev', 1)
local started = redis.call('HGETALL', KEYS[1])
table.insert(started, 1, v)
table.insert(started, 1, 'started')
return started
