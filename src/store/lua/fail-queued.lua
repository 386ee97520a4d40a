--[[
  Fails a deploy that never started (still queued): status failed, finishedAt, error, rev bumped.
  begin.lua starts only queued deploys, so a worker that picked up its job meanwhile never runs it.

  Input:
    KEYS[1] the deploy's record (HASH)

    ARGV[1] now (ms)
    ARGV[2] error (mrkdwn)
    ARGV[3] delivery retention (ms): the record expires this long after, as finish.lua does

  Output:
    1 when it failed it, 0 otherwise
]]
if redis.call('HGET', KEYS[1], 'status') ~= 'queued' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'failed', 'finishedAt', ARGV[1], 'error', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'rev', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
