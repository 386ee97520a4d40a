--[[
  Deletes a user group's fetch claim only if this process still holds it.

  Input:
    KEYS[1] the group's fetch claim

    ARGV[1] the token it was claimed with

  Output:
    1 when deleted, else 0
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
