--[[
  Accepts a deploy: refuses it when someone else holds the env's lock, otherwise creates the
  record (id from a counter) and, on envs that lock, claims or extends the requester's lock.
  A repeated request (same idempotency key) returns the deploy it already created.
  'handing': the lock has ended but its expiry timer has not yet handed the env to the first
  person on the wait-list; nobody else may jump the line meanwhile.
  With a release (ARGV[15]) the deploy is refused ('gone') unless that very ship attempt is the
  one shipping (one given up as cut short can't deploy late).
  An automatic deploy (ARGV[17]) replaces the env's newest automatic deploy if it is still queued
  (never one that started: begin.lua marks a deploy running in one script too): that one is
  cancelled ("replaced by deploy #N, a newer push") and the new one carries its pushes (autoFrom
  is the oldest push's before, autoPushes and autoCommits add up).

  Input:
    KEYS[1] the env's lock (HASH)
    KEYS[2] deploy id counter
    KEYS[3] the request's idempotency key
    KEYS[4] lock token counter
    KEYS[5] the env's wait-list (ZSET; the claimant leaves it)
    KEYS[6] the env's deploy history (LIST of ids, newest first)
    KEYS[7] the release's hash (read with ARGV[15]; any release key when there is none)
    KEYS[8] the env's newest automatic deploy (its id; used with ARGV[17])
    KEYS[9] deploy key prefix ("<prefix>:deploy:"): the script appends a deploy id for its record

    ARGV[1] user
    ARGV[2] now (ms)
    ARGV[3] claim the lock: '1' or '0'
    ARGV[4] lock ttl (ms)
    ARGV[5] idempotency ttl (s)
    ARGV[6] app
    ARGV[7] env
    ARGV[8] ref
    ARGV[9] sha
    ARGV[10] feed channel
    ARGV[11] how many ids the env's history keeps
    ARGV[12] rollbackOf ('' for a plain deploy; stored on the record)
    ARGV[13] lock reason ('' for "deploying <ref>", or an extension's own reason; when given it
             is the reason either way)
    ARGV[14] override reason ('' for none: the requester starts it outside the env's deploy window)
    ARGV[15] release ('' for none; "<release id>:<ship attempt>" when a release ships it)
    ARGV[16] the SHA the target must still run when it starts (a release's base; 'none': no deploy yet)
    ARGV[17] auto: the GitHub login whose push asked for it ('' for a deploy a person asked for)
    ARGV[18] the push's `before` SHA
    ARGV[19] how many commits the push brought
    ARGV[20] review: '' for none, or a review app's 'deploy' or 'teardown' (stored as review)
    ARGV[21] the review app's pull request branch (stored as prBranch)
    ARGV[22] delivery retention (ms): a replaced deploy's record expires this long after, as finish.lua does

  Output:
    {'dup', id} | {'locked', ...lock hash} | {'handing', next waiter} | {'gone'}
    | {'ok', id, lockToken, lockUntil, id of the automatic deploy it replaced or ''}
]]
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
if ARGV[15] and ARGV[15] ~= '' then
  local r = redis.call('HMGET', KEYS[7], 'status', 'shipAttempts', 'id')
  if r[1] ~= 'shipping' or (r[3] .. ':' .. r[2]) ~= ARGV[15] then return {'gone'} end
end
local id = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[9] .. id, 'id', id, 'app', ARGV[6], 'env', ARGV[7], 'ref', ARGV[8], 'sha', ARGV[9],
  'user', ARGV[1], 'status', 'queued', 'createdAt', now, 'rev', 1, 'attempt', 0, 'feedChannel', ARGV[10])
if ARGV[12] and ARGV[12] ~= '' then redis.call('HSET', KEYS[9] .. id, 'rollbackOf', ARGV[12]) end
if ARGV[14] and ARGV[14] ~= '' then redis.call('HSET', KEYS[9] .. id, 'overrideBy', ARGV[1], 'overrideReason', ARGV[14]) end
if ARGV[15] and ARGV[15] ~= '' then redis.call('HSET', KEYS[9] .. id, 'release', ARGV[15], 'expectBase', ARGV[16]) end
if ARGV[20] and ARGV[20] ~= '' then redis.call('HSET', KEYS[9] .. id, 'review', ARGV[20], 'prBranch', ARGV[21]) end
redis.call('LPUSH', KEYS[6], id)
redis.call('LTRIM', KEYS[6], 0, tonumber(ARGV[11]) - 1)
local replaced = ''
if ARGV[17] and ARGV[17] ~= '' then
  local pushes, commits, from = 1, tonumber(ARGV[19]) or 0, ARGV[18]
  local prev = redis.call('GET', KEYS[8])
  if prev then
    local pk = KEYS[9] .. prev
    local o = redis.call('HMGET', pk, 'status', 'autoFrom', 'autoPushes', 'autoCommits')
    if o[1] == 'queued' and o[3] then
      redis.call('HSET', pk, 'status', 'cancelled', 'finishedAt', now, 'error', 'replaced by deploy #' .. id .. ', a newer push')
      redis.call('HINCRBY', pk, 'rev', 1)
      redis.call('PEXPIRE', pk, ARGV[22])
      pushes, commits, from = pushes + tonumber(o[3]), commits + (tonumber(o[4]) or 0), o[2]
      replaced = prev
    end
  end
  redis.call('HSET', KEYS[9] .. id, 'autoBy', ARGV[17], 'autoFrom', from, 'autoPushes', pushes, 'autoCommits', commits)
  redis.call('SET', KEYS[8], id, 'EX', 604800)
end
local token, untilMs = '', ''
if ARGV[3] == '1' then
  token = redis.call('INCR', KEYS[4])
  untilMs = now + tonumber(ARGV[4])
  local since, reason = now, 'deploying ' .. ARGV[8]
  -- extending one's own lock keeps its start, reason and a later end; taking a reservation starts anew
  if held and lock[5] ~= '1' then
    since, reason = lock[3], lock[4]
    if tonumber(lock[2]) > untilMs then untilMs = tonumber(lock[2]) end
  end
  if ARGV[13] and ARGV[13] ~= '' then reason = ARGV[13] end
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'reason', reason, 'since', since, 'until', untilMs, 'token', token)
  redis.call('PEXPIREAT', KEYS[1], untilMs + 86400000)
  redis.call('ZREM', KEYS[5], ARGV[1])
end
redis.call('SET', KEYS[3], id, 'EX', ARGV[5])
return {'ok', id, token, tostring(untilMs), replaced}
