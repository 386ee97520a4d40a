--[[
  Cancels a deploy in one step, whatever state it has reached by then:
  - queued: it becomes cancelled at once (finishedAt, the reason in `error`, rev bumped). begin.lua
    never starts a deploy that is not queued, so this holds even if a worker has already picked up
    its job;
  - running: records who asked and when (`cancelRequestedBy`, `cancelRequestedAt`, rev bumped),
    once; the worker running it notices and stops the command, then records the outcome itself;
  - anything else is left alone.

  Input:
    KEYS[1] the deploy's record (HASH)

    ARGV[1] user
    ARGV[2] now (ms)
    ARGV[3] reason (mrkdwn; recorded when a queued deploy is cancelled)
    ARGV[4] delivery retention (ms): a cancelled record expires this long after, as finish.lua does

  Output:
    {what, ...the deploy's hash after}, what being 'missing' | 'cancelled' (was queued) |
    'requested' (was running) | 'already-requested' (running, someone asked before) | 'finished'
]]
local d = redis.call('HMGET', KEYS[1], 'status', 'cancelRequestedBy')
if not d[1] then return {'missing'} end
local what = 'finished'
if d[1] == 'queued' then
  redis.call('HSET', KEYS[1], 'status', 'cancelled', 'finishedAt', ARGV[2], 'error', ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'rev', 1)
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  what = 'cancelled'
elseif d[1] == 'running' then
  if d[2] then
    what = 'already-requested'
  else
    redis.call('HSET', KEYS[1], 'cancelRequestedBy', ARGV[1], 'cancelRequestedAt', ARGV[2])
    redis.call('HINCRBY', KEYS[1], 'rev', 1)
    what = 'requested'
  end
end
return {what, unpack(redis.call('HGETALL', KEYS[1]))}
