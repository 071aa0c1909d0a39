-- claim: moves up to N due actions to the in-flight set under a lease, at once.
-- KEYS[1] due  KEYS[2] inflight  KEYS[3] lease  KEYS[4] accounts  KEYS[5] state
-- KEYS[6] personof  KEYS[7] person
-- ARGV: now, lease (ms), max, consumer
-- Returns {next_due, ids, accounts, states, inflight, due, persons, contacts,
-- versions}:
-- next_due is the score of the earliest action left in the due set (-1 when
-- it is empty), so the caller can sleep exactly until then; inflight counts
-- every daemon's leases, due the actions scheduled (for metrics); persons
-- the account's person id and contacts that person's recent contacts (''
-- when none: od_person.h), which begin.lua compares before a send; versions
-- the states' (lib.lua's od_ver), which begin.lua and complete.lua compare.
local now, lease, max, consumer = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, max)
local accts, states, pids, contacts, vers = {}, {}, {}, {}, {}
if #ids > 0 then
  local zargs, largs = {}, {}
  for i, id in ipairs(ids) do
    zargs[#zargs + 1] = now + lease
    zargs[#zargs + 1] = id
    largs[#largs + 1] = id
    largs[#largs + 1] = consumer .. ' claimed'
  end
  redis.call('ZREM', KEYS[1], unpack(ids))
  redis.call('ZADD', KEYS[2], unpack(zargs))
  redis.call('HSET', KEYS[3], unpack(largs))
  accts = redis.call('HMGET', KEYS[4], unpack(ids))
  states = redis.call('HMGET', KEYS[5], unpack(ids))
  pids = redis.call('HMGET', KEYS[6], unpack(ids))
  local known = {}
  for i = 1, #ids do
    if not accts[i] then accts[i] = '' end
    if not states[i] then states[i] = '' end
    vers[i] = od_ver(states[i])
    if pids[i] then known[#known + 1] = pids[i] else pids[i] = '' end
  end
  local got = {}
  if #known > 0 then
    local vals = redis.call('HMGET', KEYS[7], unpack(known))
    for k, pid in ipairs(known) do got[pid] = vals[k] or '' end
  end
  for i = 1, #ids do contacts[i] = got[pids[i]] or '' end
end
local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local next_due = -1
if #nxt == 2 then next_due = tonumber(nxt[2]) end
return {tostring(next_due), ids, accts, states, redis.call('ZCARD', KEYS[2]),
        redis.call('ZCARD', KEYS[1]), pids, contacts, vers}
