import { LuaScript } from './lua';

/**
 * The release store's scripts: each change to a release and the keys beside it happens in one of
 * these, so every replica sees a release move from one whole state to the next (an ack counts
 * once, a hold and a ship can't cross, a stale release never ships).
 */

/**
 * Opens a release, unless one to the same app+env is open (or shipping) already. An open release
 * that is stale is replaced in the same step: it ends as cancelled, "replaced by #new".
 * KEYS: 1 release seq, 2 open key (app, to), 3 idempotency key, 4 by-source set (app, from)
 * ARGV: 1 release key prefix, 2 idempotency TTL (s), 3 commits JSON, 4 now, 5.. field/value pairs
 * Returns {'created', id, replaced id or ''} | {'dup', id} | {'open', id}
 */
export const CREATE = new LuaScript(
  'release-create',
  `
local dup = redis.call('GET', KEYS[3])
if dup then return {'dup', dup} end
local cur = redis.call('GET', KEYS[2])
local replaced = ''
if cur then
  local old = ARGV[1] .. cur
  local st = redis.call('HMGET', old, 'status', 'staleSha', 'from', 'app')
  if st[1] == 'shipping' or (st[1] == 'open' and not st[2]) then return {'open', cur} end
  if st[1] == 'open' then
    replaced = cur
    redis.call('HSET', old, 'status', 'cancelled', 'endedAt', ARGV[4])
    redis.call('HINCRBY', old, 'rev', 1)
    -- (its own source's set: the new release may come from another env)
    redis.call('SREM', ARGV[1] .. 'source:' .. st[4] .. ':' .. st[3], cur)
  end
end
local id = redis.call('INCR', KEYS[1])
local key = ARGV[1] .. id
redis.call('HSET', key, 'id', id, 'status', 'open', 'rev', 1, 'reminders', 0, unpack(ARGV, 5))
redis.call('SET', key .. ':commits', ARGV[3])
redis.call('SET', KEYS[2], id)
redis.call('SADD', KEYS[4], id)
redis.call('SET', KEYS[3], id, 'EX', tonumber(ARGV[2]))
if replaced ~= '' then redis.call('HSET', ARGV[1] .. replaced, 'endReason', 'replaced by release #' .. id .. ' (what it summarised had moved)') end
return {'created', tostring(id), replaced}
`,
);

/**
 * Records acks (HSETNX: the first click counts, every later one is a no-op) and an approval.
 * KEYS: 1 release, 2 acks, 3 approvals
 * ARGV: 1 who, 2 now, 3 '1' to record an approval by who, 4.. author keys to ack
 * Returns {'ok', new acks, new approval (0|1)} | {'closed', status} | {'stale'} | {'missing'}
 */
export const ACK = new LuaScript(
  'release-ack',
  `
local h = redis.call('HMGET', KEYS[1], 'status', 'staleSha')
if not h[1] then return {'missing'} end
if h[1] ~= 'open' then return {'closed', h[1]} end
if h[2] then return {'stale'} end
local val = cjson.encode({by = ARGV[1], at = tonumber(ARGV[2])})
local new = 0
for i = 4, #ARGV do new = new + redis.call('HSETNX', KEYS[2], ARGV[i], val) end
local approved = 0
if ARGV[3] == '1' then approved = redis.call('HSETNX', KEYS[3], ARGV[1], ARGV[2]) end
if new + approved > 0 then redis.call('HINCRBY', KEYS[1], 'rev', 1) end
return {'ok', new, approved}
`,
);

/**
 * Raises (or re-words) a hold. KEYS: 1 release, 2 holds; ARGV: 1 who, 2 hold JSON
 * Returns {'ok', 1 if new} | {'closed', status} | {'missing'}
 */
export const HOLD = new LuaScript(
  'release-hold',
  `
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return {'missing'} end
if st ~= 'open' then return {'closed', st} end
local new = redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return {'ok', new}
`,
);

/** Lifts `who`'s hold. KEYS: 1 release, 2 holds; ARGV: 1 who. Returns 1 if a hold was lifted. */
export const LIFT = new LuaScript(
  'release-lift',
  `
local n = redis.call('HDEL', KEYS[2], ARGV[1])
if n > 0 then redis.call('HINCRBY', KEYS[1], 'rev', 1) end
return n
`,
);

/**
 * Starts shipping if, at this instant, the release is open, not stale, holds no hold, has every
 * required ack and (when required) an approval that counts. Two Ship clicks: one ships.
 * KEYS: 1 release, 2 acks, 3 approvals, 4 holds
 * ARGV: 1 shipper, 2 now, 3 '1' when an approval is required, 4 the user whose approval doesn't count ('' none), 5.. required author keys
 * Returns {'ok', attempt} | {'already', status, deployId} | {'closed', status} | {'stale'} | {'held'} | {'waiting', key} | {'approver'} | {'missing'}
 */
export const SHIP = new LuaScript(
  'release-ship',
  `
local h = redis.call('HMGET', KEYS[1], 'status', 'staleSha', 'deployId')
if not h[1] then return {'missing'} end
if h[1] == 'shipping' or h[1] == 'shipped' then return {'already', h[1], h[3] or ''} end
if h[1] ~= 'open' then return {'closed', h[1]} end
if h[2] then return {'stale'} end
if redis.call('HLEN', KEYS[4]) > 0 then return {'held'} end
for i = 5, #ARGV do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then return {'waiting', ARGV[i]} end
end
if ARGV[3] == '1' then
  local ok = false
  for _, u in ipairs(redis.call('HKEYS', KEYS[3])) do if u ~= ARGV[4] then ok = true end end
  if not ok then return {'approver'} end
end
local attempt = redis.call('HINCRBY', KEYS[1], 'shipAttempts', 1)
redis.call('HSET', KEYS[1], 'status', 'shipping', 'shippedBy', ARGV[1], 'shippedAt', ARGV[2])
redis.call('HDEL', KEYS[1], 'deployId', 'lastShipDeploy', 'lastShipStatus', 'shipNote')
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return {'ok', attempt}
`,
);

/**
 * Ship attempt ARGV[2]'s deploy was accepted (ARGV[1] its id) or refused (ARGV[1] = '', ARGV[3]
 * why): records it, or opens the release again with the reason shown. Only while that attempt is
 * the one shipping. KEYS: 1 release; ARGV: 1 deploy id, 2 attempt, 3 note
 */
export const SHIPPING = new LuaScript(
  'release-shipping',
  `
local h = redis.call('HMGET', KEYS[1], 'status', 'shipAttempts')
if h[1] ~= 'shipping' or h[2] ~= ARGV[2] then return 0 end
if ARGV[1] == '' then
  redis.call('HSET', KEYS[1], 'status', 'open', 'shipNote', ARGV[3])
  redis.call('HDEL', KEYS[1], 'shippedBy', 'shippedAt')
else
  redis.call('HSET', KEYS[1], 'deployId', ARGV[1])
end
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return 1
`,
);

/**
 * Ship attempt ARGV[4]'s deploy (ARGV[1]) finished. Succeeded: shipped, and no longer open.
 * Failed or cancelled: open again, acks kept, so it can ship again. A deploy of an earlier attempt
 * changes nothing. KEYS: 1 release, 2 open key, 3 by-source set; ARGV: 1 deploy id, 2 deploy
 * status, 3 now, 4 attempt. Returns 1 when this call moved it.
 */
export const SHIP_DONE = new LuaScript(
  'release-ship-done',
  `
local h = redis.call('HMGET', KEYS[1], 'status', 'shipAttempts', 'id')
if h[1] ~= 'shipping' or h[2] ~= ARGV[4] then return 0 end
redis.call('HSET', KEYS[1], 'deployId', ARGV[1])
if ARGV[2] == 'succeeded' then
  redis.call('HSET', KEYS[1], 'status', 'shipped', 'endedAt', ARGV[3])
  if redis.call('GET', KEYS[2]) == h[3] then redis.call('DEL', KEYS[2]) end
  redis.call('SREM', KEYS[3], h[3])
else
  redis.call('HSET', KEYS[1], 'status', 'open', 'lastShipDeploy', ARGV[1], 'lastShipStatus', ARGV[2])
end
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return 1
`,
);

/**
 * Ends an open release: cancelled by a person, or expired. KEYS: 1 release, 2 open key, 3 by-source set
 * ARGV: 1 'cancelled' | 'expired', 2 reason (mrkdwn), 3 now
 * Returns {1} when ended now, else {0, status}.
 */
export const END = new LuaScript(
  'release-end',
  `
local h = redis.call('HMGET', KEYS[1], 'status', 'id')
if h[1] ~= 'open' then return {0, h[1] or 'missing'} end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'endReason', ARGV[2], 'endedAt', ARGV[3])
if redis.call('GET', KEYS[2]) == h[2] then redis.call('DEL', KEYS[2]) end
redis.call('SREM', KEYS[3], h[2])
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return {1}
`,
);

/**
 * Env ARGV[3] (the release's source or target) now runs ARGV[1]: unless that is the SHA the
 * summary was made from, the open release is stale from now on. A release opened from a tag
 * (field tag) ships the tag's SHA, whatever its source env runs: only its target makes it stale.
 * KEYS: 1 release; ARGV: 1 the env's new SHA, 2 now, 3 env. Returns 1 when it became stale now.
 */
export const STALE = new LuaScript(
  'release-stale',
  `
local h = redis.call('HMGET', KEYS[1], 'status', 'from', 'sourceSha', 'targetSha', 'staleSha', 'tag')
if h[1] ~= 'open' or h[5] then return 0 end
if h[6] and ARGV[3] == h[2] then return 0 end
if ARGV[3] == h[2] and h[3] == ARGV[1] then return 0 end
if ARGV[3] ~= h[2] and h[4] == ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'staleSha', ARGV[1], 'staleAt', ARGV[2], 'staleEnv', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return 1
`,
);

/** Sets the release fields (JSON) while it is open or shipping. KEYS: 1 release; ARGV: 1 fields JSON. Returns 1 if set. */
export const FIELDS = new LuaScript(
  'release-fields',
  `
local st = redis.call('HGET', KEYS[1], 'status')
if st ~= 'open' and st ~= 'shipping' then return 0 end
redis.call('HSET', KEYS[1], 'fields', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return 1
`,
);

/**
 * Adds pull requests found after the release was opened (GitHub's lookups) to its stored commits
 * that have none, and bumps the revision so its messages show them.
 * KEYS: 1 release, 2 its commits; ARGV: 1 JSON object SHA -> pull request. Returns how many were added.
 */
export const PULLS = new LuaScript(
  'release-pulls',
  `
local raw = redis.call('GET', KEYS[2])
if not raw then return 0 end
local prs = cjson.decode(ARGV[1])
local commits = cjson.decode(raw)
local n = 0
for _, c in ipairs(commits) do
  if c.pr == nil and prs[c.sha] then
    c.pr = prs[c.sha]
    n = n + 1
  end
end
if n == 0 then return 0 end
redis.call('SET', KEYS[2], cjson.encode(commits), 'KEEPTTL')
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return n
`,
);
