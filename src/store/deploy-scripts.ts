import { takeLeaseLua } from './lease';
import { LuaScript } from './lua';

// The deploy record's Lua scripts, run by DeployStore (deploys.ts): every multi-key change of a deploy is one of these.

/**
 * Accepts a deploy: refuses it when someone else holds the env's lock, otherwise creates the
 * record (id from a counter) and, on envs that lock, claims or extends the requester's lock.
 * A repeated request (same idempotency key) returns the deploy it already created.
 * KEYS: 1 lock, 2 deploy seq, 3 idempotency key, 4 lock seq, 5 wait-list (the claimant leaves it),
 *       6 the env's deploy history
 * ARGV: 1 user, 2 now ms, 3 claim (1/0), 4 lock ttl ms, 5 deploy key prefix, 6 idempotency ttl s,
 *       7 app, 8 env, 9 ref, 10 sha, 11 feed channel, 12 history length kept,
 *       13 rollbackOf ('' for a plain deploy; stored on the record), 14 lock reason ('' for
 *       "deploying <ref>", or an extension's own reason; when given it is the reason either way)
 *       15 override reason ('' for none: the requester starts it outside the env's deploy window)
 *       16 release ('' for none; "<release id>:<ship attempt>" when a release ships it),
 *       17 the SHA the target must still run when it starts (a release's base; 'none': no deploy yet)
 *       18 auto: the GitHub login whose push asked for it ('' for a deploy a person asked for),
 *       19 the push's `before` SHA, 20 how many commits the push brought
 * KEYS 7 (with ARGV 16): the release's hash; the deploy is refused ('gone') unless that very ship
 *       attempt is the one shipping (one given up as cut short can't deploy late).
 * KEYS 8 (with ARGV 18): the env's newest automatic deploy (its id). An automatic deploy replaces
 *       the one there if it is still queued (never one that started: BEGIN marks a deploy running
 *       in one script too): that one is cancelled ("replaced by deploy #N, a newer push") and the
 *       new one carries its pushes (autoFrom is the oldest push's before, autoPushes and
 *       autoCommits add up).
 * Returns {'dup', id} | {'locked', ...lock hash} | {'handing', next waiter} | {'gone'}
 *       | {'ok', id, lockToken, lockUntil, id of the automatic deploy it replaced or ''}
 * 'handing': the lock has ended but its expiry timer has not yet handed the env to the first
 * person on the wait-list; nobody else may jump the line meanwhile.
 */
export const ACCEPT = new LuaScript(
  'accept',
  `
local dup = redis.call('GET', KEYS[3])
if dup then return {'dup', dup} end
local now = tonumber(ARGV[2])
local lock = redis.call('HMGET', KEYS[1], 'holder', 'until', 'since', 'reason', 'reserved')
local held = lock[1] and tonumber(lock[2]) > now
if held and lock[1] ~= ARGV[1] then
  return {'locked', unpack(redis.call('HGETALL', KEYS[1]))}
end
if lock[1] and not held then
  local head = redis.call('ZRANGE', KEYS[5], 0, 0)[1]
  if head and head ~= ARGV[1] then return {'handing', head} end
end
if ARGV[16] and ARGV[16] ~= '' then
  local r = redis.call('HMGET', KEYS[7], 'status', 'shipAttempts', 'id')
  if r[1] ~= 'shipping' or (r[3] .. ':' .. r[2]) ~= ARGV[16] then return {'gone'} end
end
local id = redis.call('INCR', KEYS[2])
redis.call('HSET', ARGV[5] .. id, 'id', id, 'app', ARGV[7], 'env', ARGV[8], 'ref', ARGV[9], 'sha', ARGV[10],
  'user', ARGV[1], 'status', 'queued', 'createdAt', now, 'rev', 1, 'attempt', 0, 'feedChannel', ARGV[11])
if ARGV[13] and ARGV[13] ~= '' then redis.call('HSET', ARGV[5] .. id, 'rollbackOf', ARGV[13]) end
if ARGV[15] and ARGV[15] ~= '' then redis.call('HSET', ARGV[5] .. id, 'overrideBy', ARGV[1], 'overrideReason', ARGV[15]) end
if ARGV[16] and ARGV[16] ~= '' then redis.call('HSET', ARGV[5] .. id, 'release', ARGV[16], 'expectBase', ARGV[17]) end
redis.call('LPUSH', KEYS[6], id)
redis.call('LTRIM', KEYS[6], 0, tonumber(ARGV[12]) - 1)
local replaced = ''
if ARGV[18] and ARGV[18] ~= '' then
  local pushes, commits, from = 1, tonumber(ARGV[20]) or 0, ARGV[19]
  local prev = redis.call('GET', KEYS[8])
  if prev then
    local pk = ARGV[5] .. prev
    local o = redis.call('HMGET', pk, 'status', 'autoFrom', 'autoPushes', 'autoCommits')
    if o[1] == 'queued' and o[3] then
      redis.call('HSET', pk, 'status', 'cancelled', 'finishedAt', now, 'error', 'replaced by deploy #' .. id .. ', a newer push')
      redis.call('HINCRBY', pk, 'rev', 1)
      pushes, commits, from = pushes + tonumber(o[3]), commits + (tonumber(o[4]) or 0), o[2]
      replaced = prev
    end
  end
  redis.call('HSET', ARGV[5] .. id, 'autoBy', ARGV[18], 'autoFrom', from, 'autoPushes', pushes, 'autoCommits', commits)
  redis.call('SET', KEYS[8], id, 'EX', 604800)
end
local token, untilMs = '', ''
if ARGV[3] == '1' then
  token = redis.call('INCR', KEYS[4])
  untilMs = now + tonumber(ARGV[4])
  local since, reason = now, 'deploying ' .. ARGV[9]
  -- extending one's own lock keeps its start, reason and a later end; taking a reservation starts anew
  if held and lock[5] ~= '1' then
    since, reason = lock[3], lock[4]
    if tonumber(lock[2]) > untilMs then untilMs = tonumber(lock[2]) end
  end
  if ARGV[14] and ARGV[14] ~= '' then reason = ARGV[14] end
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'reason', reason, 'since', since, 'until', untilMs, 'token', token)
  redis.call('PEXPIREAT', KEYS[1], untilMs + 86400000)
  redis.call('ZREM', KEYS[5], ARGV[1])
end
redis.call('SET', KEYS[3], id, 'EX', ARGV[6])
return {'ok', id, token, tostring(untilMs), replaced}
`,
);

/**
 * Begins a deploy in one round trip: takes the env lease (with a new fencing token) unless someone
 * holds it, then, unless the deploy finished already, was left running by a lost worker, or the
 * env is now locked by someone other than its requester, marks it running.
 * A queued deploy of an env frozen since the worker's gate looked (a /freeze in between) is not
 * begun: 'frozen', and the worker holds it as the gate would have.
 * The lease may be shared by the apps of an exclusive group (see keys.lease): their queued deploys
 * that find it taken wait in its line, and when it is free the oldest deploy in line (lowest id,
 * i.e. accepted first) takes it, so one app's busy queue can't starve another's. A deploy in line
 * that stopped asking for longer than ARGV[5] (its worker died) is passed over. A deploy left
 * running by a lost worker takes the free lease without waiting its turn.
 * KEYS: 1 deploy, 2 lease, 3 fence counter, 4 lock, 5 env state, 6 the env's freeze,
 *       7 the lease's line (ZSET id -> id), 8 when each deploy in line last asked (HASH id -> Redis TIME ms)
 * ARGV: 1 lease holder name, 2 lease ttl ms, 3 now ms, 4 worker name, 5 line staleness ms, 6 deploy id
 * A release's deploy whose target no longer runs the SHA the release was made from (a deploy ran
 * there first) is not begun: {'moved', lease value, the SHA there}; the worker fails it.
 * Returns {'missing'} | {'finished'} | {'frozen'} | {'busy', lease value} | {'behind', deploy id first in line}
 *       | {'lost', lease value, attempt} | {'locked', lease value, lock holder} | {'moved', lease value, sha}
 *       | {'started', lease value}
 */
export const BEGIN = new LuaScript(
  'begin',
  `
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
${takeLeaseLua('KEYS[2]', 'KEYS[3]', 'ARGV[1]', 'ARGV[2]')}
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
`,
);

/**
 * Marks a deploy running again (after its worker was lost), fenced by the env lease, unless the
 * env is now locked by someone other than its requester.
 * KEYS: 1 deploy, 2 lease, 3 env state, 4 lock   ARGV: 1 lease value, 2 now ms, 3 worker name
 * Returns {1} started | {0} lease lost | {2, lock holder}
 */
export const START = new LuaScript(
  'start',
  `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return {0} end
local user = redis.call('HGET', KEYS[1], 'user')
local lock = redis.call('HMGET', KEYS[4], 'holder', 'until')
if lock[1] and tonumber(lock[2]) > tonumber(ARGV[2]) and lock[1] ~= user then return {2, lock[1]} end
local prev = redis.call('HGET', KEYS[3], 'sha') or ''
redis.call('HSET', KEYS[1], 'status', 'running', 'startedAt', ARGV[2], 'worker', ARGV[3], 'previousSha', prev)
redis.call('HINCRBY', KEYS[1], 'attempt', 1)
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return {1}
`,
);

/**
 * Records how a deploy ended, fenced by the env lease. A success also becomes what runs on the env
 * and adds its duration to the env's recent durations (for estimates). So does a deploy whose
 * smoke check failed (its deploy command succeeded: its SHA is installed and runs there), though
 * it is failed and adds no duration; `/rollback` then puts back the newest deploy that succeeded.
 * KEYS: 1 deploy, 2 lease, 3 env state, 4 env durations, 5 the env's open release (as target),
 *       6 the releases whose source is the env
 * ARGV: 1 lease value, 2 now ms, 3 status, 4 exit code ('' for none), 5 error text,
 *       6 the smoke check's result ('passed', 'failed', 'stopped' (cancelled or shut down while it ran), or '' when it did not run)
 * Returns 0 (the lease was lost: nothing recorded) or {1, 1 if a release has the env as target or source else 0}.
 */
export const FINISH = new LuaScript(
  'finish',
  `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'finishedAt', ARGV[2], 'exitCode', ARGV[4], 'error', ARGV[5])
redis.call('HINCRBY', KEYS[1], 'rev', 1)
if ARGV[6] and ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'smoke', ARGV[6]) end
if ARGV[3] == 'succeeded' or ARGV[6] == 'failed' or ARGV[6] == 'stopped' then
  local d = redis.call('HMGET', KEYS[1], 'id', 'sha', 'ref', 'user', 'startedAt')
  redis.call('HSET', KEYS[3], 'deployId', d[1], 'sha', d[2], 'ref', d[3], 'user', d[4], 'at', ARGV[2])
  if ARGV[3] == 'succeeded' then
    redis.call('LPUSH', KEYS[4], tonumber(ARGV[2]) - tonumber(d[5]))
    redis.call('LTRIM', KEYS[4], 0, 19)
  end
end
local releases = (redis.call('EXISTS', KEYS[5]) == 1 or redis.call('SCARD', KEYS[6]) > 0) and 1 or 0
return {1, releases}
`,
);

/**
 * Notes why a deploy waits: a queued one for its turn (freeze, window, checks, group), a running
 * one for its checkout (a fetch another deploy started). 1 when that changed what the feed shows.
 * KEYS: 1 deploy; ARGV: 1 text ('' clears it), 2 the status the deploy must have ('queued' or 'running')
 */
export const SET_WAITING = new LuaScript(
  'set-waiting',
  `
local d = redis.call('HMGET', KEYS[1], 'status', 'waitingFor')
if d[1] ~= ARGV[2] or (d[2] or '') == ARGV[1] then return 0 end
if ARGV[1] == '' then redis.call('HDEL', KEYS[1], 'waitingFor') else redis.call('HSET', KEYS[1], 'waitingFor', ARGV[1]) end
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return 1
`,
);

/**
 * Fails a deploy that never started (still queued): status failed, finishedAt, error, rev bumped.
 * BEGIN starts only queued deploys, so a worker that picked up its job meanwhile never runs it.
 * KEYS: 1 deploy; ARGV: 1 now ms, 2 error (mrkdwn). Returns 1 when it failed it, 0 otherwise.
 */
export const FAIL_QUEUED = new LuaScript(
  'fail-queued',
  `
if redis.call('HGET', KEYS[1], 'status') ~= 'queued' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'failed', 'finishedAt', ARGV[1], 'error', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return 1
`,
);
