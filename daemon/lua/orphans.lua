-- orphans: the work a dead consumer left (od_reclaim.c): its leases, and its
-- inbox entries read and never acknowledged, which are claimed for this one.
-- KEYS[1] lease  KEYS[2] inbox  KEYS[3] consumers  KEYS[4] hb:<dead>
-- ARGV: dead, me, max
-- Returns {'alive'} when its heartbeat is back; {'gone'} when it had nothing
-- left (it is removed from the inbox group and from the consumers); else
-- {'work', ids, entries, more}: up to max account ids it holds a lease on
-- (lease.lua and reclaim.lua settle each), the inbox entries now pending
-- for me (XCLAIM's answer), more 1 when either stopped at max.
local dead, me, max = ARGV[1], ARGV[2], tonumber(ARGV[3])
if redis.call('EXISTS', KEYS[4]) == 1 then return {'alive'} end
local pre = dead .. ' '
local ids, cursor = {}, '0'
repeat
  local r = redis.call('HSCAN', KEYS[1], cursor, 'COUNT', 1000)
  cursor = r[1]
  for i = 1, #r[2], 2 do
    if #ids < max and string.sub(r[2][i + 1], 1, #pre) == pre then ids[#ids + 1] = r[2][i] end
  end
until cursor == '0' or #ids >= max
local entries = {}
local p = redis.call('XPENDING', KEYS[2], 'outreachd', '-', '+', max, dead)
if #p > 0 then
  local eids = {}
  for i, e in ipairs(p) do eids[i] = e[1] end
  entries = redis.call('XCLAIM', KEYS[2], 'outreachd', me, 0, unpack(eids))
end
if #ids == 0 and #p == 0 then
  redis.call('XGROUP', 'DELCONSUMER', KEYS[2], 'outreachd', dead)
  redis.call('HDEL', KEYS[3], dead)
  return {'gone'}
end
return {'work', ids, entries, (#ids >= max or #p >= max) and 1 or 0}
