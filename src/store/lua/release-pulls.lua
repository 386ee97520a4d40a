--[[
  Adds pull requests found after the release was opened (GitHub's lookups) to its stored commits
  that have none, and bumps the revision so its messages show them.

  Input:
    KEYS[1] the release (HASH)
    KEYS[2] its commits (JSON string)

    ARGV[1] JSON object SHA -> pull request

  Output:
    how many were added
]]
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
