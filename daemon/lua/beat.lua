-- beat: a daemon's heartbeat (od_reclaim.c, every limits.heartbeat_interval).
-- KEYS[1] consumers (hash: consumer -> "<since> <last>", ms)  KEYS[2] hb:<me>
-- KEYS[3] inflight  KEYS[4] lease
-- ARGV: me, now (ms), heartbeat ttl (ms), lease (ms), max expired, the hb key
--       prefix, then the ids of the actions this daemon holds
-- The heartbeat key lives ttl ms: while it exists the consumer is alive.
-- The leases of the actions it holds are renewed (now + lease), so that a
-- lease expires only when its daemon forgot the action or stopped beating.
-- A consumer judges others only once its own heartbeats have run unbroken
-- for ttl: after Redis was stopped or restarted every heartbeat lapsed at
-- once, and the daemons that are alive have beaten again by then.
-- Returns {dead, expired, more}: dead, the registered consumers whose
-- heartbeat lapsed (their work is settled: orphans.lua); expired, up to max
-- in-flight ids whose lease expired and whose owner is not alive (this
-- daemon's own ones only when it no longer holds them); more, 1 when the
-- scan stopped at max.
local me, now, ttl, lease = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local max, hbp = tonumber(ARGV[5]), ARGV[6]
local since = now
local prev = redis.call('HGET', KEYS[1], me)
if prev then
  local s, l = string.match(prev, '^(%d+) (%d+)$')
  if s and now - tonumber(l) <= ttl then since = tonumber(s) end
end
redis.call('HSET', KEYS[1], me, since .. ' ' .. now)
redis.call('SET', KEYS[2], now, 'PX', ttl)
local mine = me .. ' '
for i = 7, #ARGV, 500 do
  local ids = {unpack(ARGV, i, math.min(i + 499, #ARGV))}
  local ls = redis.call('HMGET', KEYS[4], unpack(ids))
  local z = {}
  for n, id in ipairs(ids) do
    if ls[n] and string.sub(ls[n], 1, #mine) == mine then
      z[#z + 1] = now + lease
      z[#z + 1] = id
    end
  end
  if #z > 0 then redis.call('ZADD', KEYS[3], 'XX', unpack(z)) end
end
local judge = now - since >= ttl
local alive = {}
local function live(c)
  if alive[c] == nil then alive[c] = redis.call('EXISTS', hbp .. c) == 1 end
  return alive[c]
end
local dead = {}
if judge then
  for _, c in ipairs(redis.call('HKEYS', KEYS[1])) do
    if c ~= me and not live(c) then dead[#dead + 1] = c end
  end
end
local expired = {}
local ids = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, max)
if #ids > 0 then
  local ls = redis.call('HMGET', KEYS[4], unpack(ids))
  for n, id in ipairs(ids) do
    local owner = ls[n] and string.match(ls[n], '^(%S+) ')
    if not owner or owner == me or (judge and not live(owner)) then
      expired[#expired + 1] = id
    end
  end
end
return {dead, expired, #ids == max and 1 or 0}
