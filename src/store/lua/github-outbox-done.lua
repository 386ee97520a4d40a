--[[
  Records a write (the deployment created, or the rank posted) or its failure, then keeps the
  deploy in the outbox, at the back of its line, if GitHub is still behind (after a backoff when
  it failed; given up after ARGV[8] tries), and releases the claim.

  Input:
    KEYS[1] the deploy's GitHub hash
    KEYS[2] the outbox (ZSET)
    KEYS[3] the deploy's GitHub claim

    ARGV[1] deploy id
    ARGV[2] claim token
    ARGV[3] deployment id or ''
    ARGV[4] rank posted or 0
    ARGV[5] 0 done, 1 failed, 2 failed for good
    ARGV[6] now (ms)
    ARGV[7] first backoff (ms)
    ARGV[8] max tries
    ARGV[9] keep (s)
    ARGV[10] the rank of an outcome
    ARGV[11] what is added to the due time of an intermediate state (ms)

  Output:
    'done' | 'more' (GitHub is still behind) | 'gave-up'
]]
local h = KEYS[1]
if ARGV[3] ~= '' then redis.call('HSET', h, 'id', ARGV[3]) end
local sent = tonumber(redis.call('HGET', h, 'rank') or '0')
if tonumber(ARGV[4]) > sent then
  sent = tonumber(ARGV[4])
  redis.call('HSET', h, 'rank', sent)
end
local tries = 0
if ARGV[5] == '0' then redis.call('HDEL', h, 'tries')
elseif ARGV[5] == '1' then tries = redis.call('HINCRBY', h, 'tries', 1)
else tries = tonumber(ARGV[8]) end
local want = tonumber(redis.call('HGET', h, 'want') or '0')
local created = redis.call('HEXISTS', h, 'id') == 1
local out = 'done'
if want == 0 or (created and want <= sent) then
  redis.call('ZREM', KEYS[2], ARGV[1])
elseif tries >= tonumber(ARGV[8]) then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('HDEL', h, 'tries')
  out = 'gave-up'
else
  local delay = 0
  if tries > 0 then delay = math.min(60000, tonumber(ARGV[7]) * 2 ^ (tries - 1)) end
  local urgent = (not created) or want >= tonumber(ARGV[10])
  redis.call('ZADD', KEYS[2], (urgent and 0 or tonumber(ARGV[11])) + tonumber(ARGV[6]) + delay, ARGV[1])
  out = 'more'
end
if redis.call('EXISTS', h) == 1 then redis.call('EXPIRE', h, ARGV[9]) end
if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) end
return out
