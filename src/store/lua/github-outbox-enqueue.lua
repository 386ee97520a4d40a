--[[
  Asks for the deploy's state on GitHub: raises the rank wanted (never lowers it) with the job
  that shows it, and puts the deploy in the outbox, or earlier in it. Creations and outcomes are
  due at their time, intermediate states ARGV[7] later (after any creation or outcome due).

  Input:
    KEYS[1] the deploy's GitHub hash (id, rank posted, rank wanted, job, tries)
    KEYS[2] the outbox (ZSET deploy id -> when due)

    ARGV[1] deploy id
    ARGV[2] rank
    ARGV[3] job (JSON)
    ARGV[4] now (ms)
    ARGV[5] keep (s)
    ARGV[6] the rank of an outcome
    ARGV[7] what is added to the due time of an intermediate state (ms)

  Output:
    0 when GitHub already has that rank or a later one, else 1
]]
local sent = tonumber(redis.call('HGET', KEYS[1], 'rank') or '0')
local rank = tonumber(ARGV[2])
if rank <= sent then return 0 end
local want = tonumber(redis.call('HGET', KEYS[1], 'want') or '0')
if rank >= want then
  redis.call('HSET', KEYS[1], 'want', rank, 'job', ARGV[3])
  want = rank
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
local urgent = redis.call('HEXISTS', KEYS[1], 'id') == 0 or want >= tonumber(ARGV[6])
redis.call('ZADD', KEYS[2], 'LT', (urgent and 0 or tonumber(ARGV[7])) + tonumber(ARGV[4]), ARGV[1])
return 1
