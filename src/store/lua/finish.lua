--[[
  Records how a deploy ended, fenced by the env lease. A success also becomes what runs on the env
  and adds its duration to the env's recent durations (for estimates). So does a deploy whose
  smoke check failed (its deploy command succeeded: its SHA is installed and runs there), though
  it is failed and adds no duration; `/rollback` then puts back the newest deploy that succeeded.
  A succeeded or failed deploy also joins the env's finished deploys (the delivery figures' index),
  and every finished record expires after the delivery retention.

  Input:
    KEYS[1] the deploy's record (HASH)
    KEYS[2] the env lease
    KEYS[3] env state (HASH)
    KEYS[4] the env's recent durations (LIST)
    KEYS[5] the env's open release (as target)
    KEYS[6] the releases whose source is the env (SET)
    KEYS[7] the env's finished deploys (ZSET id -> finishedAt; the delivery figures' index)

    ARGV[1] lease value
    ARGV[2] now (ms)
    ARGV[3] status
    ARGV[4] exit code ('' for none)
    ARGV[5] error text
    ARGV[6] the smoke check's result ('passed', 'failed', 'stopped' (cancelled or shut down while
            it ran), or '' when it did not run)
    ARGV[7] delivery retention (ms): the record expires this long after its end; a succeeded or
            failed deploy joins KEYS[7], whose entries older than this are trimmed

  Output:
    0 (the lease was lost: nothing recorded) or {1, 1 if a release has the env as target or source else 0}
]]
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
local keep = tonumber(ARGV[7])
redis.call('PEXPIRE', KEYS[1], keep)
if ARGV[3] == 'succeeded' or ARGV[3] == 'failed' then
  redis.call('ZADD', KEYS[7], ARGV[2], redis.call('HGET', KEYS[1], 'id'))
  redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', '(' .. (tonumber(ARGV[2]) - keep))
end
local releases = (redis.call('EXISTS', KEYS[5]) == 1 or redis.call('SCARD', KEYS[6]) > 0) and 1 or 0
return {1, releases}
