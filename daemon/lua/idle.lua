-- idle: removes from the inbox group the consumers that never beat (an
-- outreachd from before heartbeats, or a tool that read the inbox) once
-- they hold nothing and have been idle for ARGV[2] ms (od_intake.c).  The
-- consumers that beat are removed by orphans.lua once dead.
-- KEYS[1] inbox  KEYS[2] consumers
-- ARGV: me, idle (ms)
-- Returns the names removed.
local me, limit = ARGV[1], tonumber(ARGV[2])
local out = {}
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], 'outreachd')) do
  local f = {}
  for i = 1, #c, 2 do f[c[i]] = c[i + 1] end
  if f.name ~= me and f.pending == 0 and f.idle > limit and
      redis.call('HEXISTS', KEYS[2], f.name) == 0 then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], 'outreachd', f.name)
    out[#out + 1] = f.name
  end
end
return out
