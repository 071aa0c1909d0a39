-- intake: stores a batch of accepted accounts, their states and schedules,
-- as the daemon planned them (od_intake.c, od_state_intake).
-- KEYS[1] accounts (hash)  KEYS[2] state (hash)  KEYS[3] due (zset)
-- KEYS[4] inflight (zset)  KEYS[5] phones (hash: E.164 -> account ids,
-- space-separated; read by reply.lua)  KEYS[6] personof (hash: account id ->
-- person id, read by claim.lua: od_person.h)
-- ARGV: per account 9 values: id, the account JSON, the state's version the
--       plan was computed from ('' for an account with no state: a new
--       one), '1' when it was in flight then, else '0', the new state, when
--       its next action is due (ms, -1: none; an account in flight is not
--       planned: its state asks complete.lua to), its numbers in the phone
--       index before and after (space-separated), its person id ('' when
--       none)
-- An account whose stored state is no longer that version (or whose action
-- went in flight, or came back) is not written: its answer is {'stale',
-- state, version, in flight} and the daemon plans it again on that state.
-- An account twice in a batch is stale the second time: it is planned again
-- on what the first wrote, so the two apply in order.
-- The batch is read and written with one call per key (HMGET, HSET, ZADD),
-- not one per account.  Returns one answer per account: 'ok' or stale.
local ids = {}
for i = 1, #ARGV, 9 do ids[#ids + 1] = ARGV[i] end
if #ids == 0 then return {} end
local raws = redis.call('HMGET', KEYS[2], unpack(ids))
local cur = {}
local out, bodies, sset, dueargs, pof, pofdel = {}, {}, {}, {}, {}, {}
local moves = {}
local n = 0
for i = 1, #ARGV, 9 do
  n = n + 1
  local id, ver, fly = ARGV[i], ARGV[i + 2], ARGV[i + 3]
  local raw = cur[id]
  if raw == nil then raw = raws[n] or '' end
  local now_fly = '0'
  if raw ~= '' and redis.call('ZSCORE', KEYS[4], id) then now_fly = '1' end
  if od_ver(raw) ~= ver or (raw ~= '' and now_fly ~= fly) then
    out[n] = {'stale', raw, od_ver(raw), now_fly}
  else
    out[n] = 'ok'
    cur[id] = ARGV[i + 4]
    bodies[#bodies + 1] = id
    bodies[#bodies + 1] = ARGV[i + 1]
    sset[#sset + 1] = id
    sset[#sset + 1] = ARGV[i + 4]
    if ARGV[i + 5] ~= '-1' then
      dueargs[#dueargs + 1] = ARGV[i + 5]
      dueargs[#dueargs + 1] = id
    end
    if ARGV[i + 6] ~= ARGV[i + 7] then moves[#moves + 1] = i end
    if ARGV[i + 8] ~= '' then
      pof[#pof + 1] = id
      pof[#pof + 1] = ARGV[i + 8]
    else
      pofdel[#pofdel + 1] = id
    end
  end
end
if #bodies > 0 then
  redis.call('HSET', KEYS[1], unpack(bodies))
  redis.call('HSET', KEYS[2], unpack(sset))
end
if #dueargs > 0 then redis.call('ZADD', KEYS[3], unpack(dueargs)) end
if #pof > 0 then redis.call('HSET', KEYS[6], unpack(pof)) end
if #pofdel > 0 then redis.call('HDEL', KEYS[6], unpack(pofdel)) end

-- The phone index: every number a moved account left or joined, read at once.
if #moves == 0 then return out end
local phones, nums = {}, {}
for _, i in ipairs(moves) do
  for k = 6, 7 do
    for num in string.gmatch(ARGV[i + k], '%S+') do
      if not phones[num] then phones[num] = true; nums[#nums + 1] = num end
    end
  end
end
local vals = redis.call('HMGET', KEYS[5], unpack(nums))
for k, num in ipairs(nums) do
  local t = {}
  for v in string.gmatch(vals[k] or '', '%S+') do t[#t + 1] = v end
  phones[num] = t
end
for _, i in ipairs(moves) do
  local id, keep = ARGV[i], {}
  for num in string.gmatch(ARGV[i + 7], '%S+') do keep[num] = true end
  for num in string.gmatch(ARGV[i + 6], '%S+') do
    if not keep[num] then
      local t = {}
      for _, v in ipairs(phones[num]) do if v ~= id then t[#t + 1] = v end end
      phones[num] = t
    end
  end
  for num in string.gmatch(ARGV[i + 7], '%S+') do
    local t, seen = phones[num], false
    for _, v in ipairs(t) do if v == id then seen = true end end
    if not seen then
      t[#t + 1] = id
      while #t > 32 do table.remove(t, 1) end
    end
  end
end
local pset, pdel = {}, {}
for _, num in ipairs(nums) do
  if #phones[num] > 0 then
    pset[#pset + 1] = num
    pset[#pset + 1] = table.concat(phones[num], ' ')
  else
    pdel[#pdel + 1] = num
  end
end
if #pset > 0 then redis.call('HSET', KEYS[5], unpack(pset)) end
if #pdel > 0 then redis.call('HDEL', KEYS[5], unpack(pdel)) end
return out
