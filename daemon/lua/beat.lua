-- beat: a daemon's heartbeat (od_reclaim.c, every limits.heartbeat_interval).
-- KEYS[1] consumers (hash: consumer -> "<since> <last>", Redis's clock, ms)
-- KEYS[2] hb:<me>
-- KEYS[3] inflight  KEYS[4] lease
-- ARGV: me, now (ms), heartbeat ttl (ms), lease (ms), max expired, the hb key
--       prefix, sweep ('1': the first beat since this daemon started or
--       Redis came back), then the ids of the actions this daemon holds
-- The heartbeat key lives ttl ms: while it exists the consumer is alive.
-- The leases of the actions it holds are renewed (now + lease), so that a
-- lease expires only when its daemon forgot the action or stopped beating.
-- A consumer judges others only once its own heartbeats have run unbroken
-- for ttl: after Redis was stopped or restarted every heartbeat lapsed at
-- once, and the daemons that are alive have beaten again by then.
-- Returns {dead, expired, more, forgotten}: dead, the registered consumers
-- whose heartbeat lapsed (their work is settled: orphans.lua); expired, up
-- to max in-flight ids whose lease expired and whose owner is not alive and
-- not among the dead (a consumer that never beat; this daemon's own ones
-- when it no longer holds them); more, 1 when
-- the scan stopped at max; forgotten, with sweep, every lease of this
-- consumer's name that it does not hold (an earlier run's under a fixed
-- name, or a claim or begin whose answer was lost with the connection),
-- expired or not.
local me, now, ttl, lease = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local max, hbp = tonumber(ARGV[5]), ARGV[6]
-- The run is timed by Redis's clock: a beat sent before Redis was stopped
-- and run after it carries a stale now, and must not find its run unbroken.
local t = redis.call('TIME')
local rnow = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local since = rnow
local prev = redis.call('HGET', KEYS[1], me)
if prev then
  local s, l = string.match(prev, '^(%d+) (%d+)$')
  if s and rnow - tonumber(l) <= ttl then since = tonumber(s) end
end
redis.call('HSET', KEYS[1], me, since .. ' ' .. rnow)
redis.call('SET', KEYS[2], now, 'PX', ttl)
local mine = me .. ' '
local sweep = ARGV[7] == '1'
for i = 8, #ARGV, 500 do
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
local judge = rnow - since >= ttl
local alive = {}
local function live(c)
  if alive[c] == nil then alive[c] = redis.call('EXISTS', hbp .. c) == 1 end
  return alive[c]
end
local dead, isdead = {}, {}
if judge then
  for _, c in ipairs(redis.call('HKEYS', KEYS[1])) do
    if c ~= me and not live(c) then
      dead[#dead + 1] = c
      isdead[c] = true
    end
  end
end
local expired = {}
local ids = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, max)
if #ids > 0 then
  local ls = redis.call('HMGET', KEYS[4], unpack(ids))
  for n, id in ipairs(ids) do
    local owner = ls[n] and string.match(ls[n], '^(%S+) ')
    -- a dead consumer's are orphans.lua's, which settles them whatever their expiry
    if not owner or (owner == me and not sweep) or
        (owner ~= me and judge and not isdead[owner] and not live(owner)) then
      expired[#expired + 1] = id
    end
  end
end
local forgotten = {}
if sweep then
  local cursor = '0'
  repeat
    local r = redis.call('HSCAN', KEYS[4], cursor, 'COUNT', 1000)
    cursor = r[1]
    for i = 1, #r[2], 2 do
      if string.sub(r[2][i + 1], 1, #mine) == mine then
        local sc = redis.call('ZSCORE', KEYS[3], r[2][i])
        if not sc or tonumber(sc) ~= now + lease then forgotten[#forgotten + 1] = r[2][i] end
      end
    end
  until cursor == '0'
end
return {dead, expired, #ids == max and 1 or 0, forgotten}
