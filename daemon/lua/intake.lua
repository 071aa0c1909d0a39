-- intake: stores a batch of accepted accounts and plans them.
-- KEYS[1] accounts (hash)  KEYS[2] state (hash)  KEYS[3] due (zset)  KEYS[4] inflight (zset)
-- ARGV[1] now (ms), then per account 7 values:
--   id, account JSON, policy, cycle (the due date), first due (ms), amount in
--   minor units, the currency's minor digits
-- An account that exists is updated and re-planned; its pending action is
-- the same member of the due set, so nothing is ever duplicated.  A new due
-- date starts a new cycle of the policy.  Returns {new, updated}.
-- With KEYS[5] phones (hash: E.164 -> account ids, space-separated; read by
-- reply.lua), each account has 9 values: the 7 above, then the debtor's
-- phone and whatsapp number ('' when none); the index follows changes.
-- With KEYS[6] personof (hash: account id -> person id, read by claim.lua:
-- od_person.h), each has 10 values: the 9 above, then the person id ('' when
-- the account has none).
-- The batch is read and written with one call per key (HMGET, HSET, ZADD),
-- not one per account; an account twice in a batch is applied in order.
local now = tonumber(ARGV[1])
local created, updated = 0, 0
local stride = KEYS[6] and 10 or (KEYS[5] and 9 or 7)
local ids, bodies = {}, {}
for i = 2, #ARGV, stride do
  ids[#ids + 1] = ARGV[i]
  bodies[#bodies + 1] = ARGV[i]
  bodies[#bodies + 1] = ARGV[i + 1]
end
if #ids == 0 then return {0, 0} end
redis.call('HSET', KEYS[1], unpack(bodies))
local raws = redis.call('HMGET', KEYS[2], unpack(ids))

-- The phone index, read at once for every number the batch touches.
local phones, touched = {}, {}
local function phone_list(num)
  if phones[num] == nil then phones[num] = false end
  return phones[num]
end
local states = {}
local n = 0
local order = {}

for i = 2, #ARGV, stride do
  n = n + 1
  local id = ARGV[i]
  local s = states[id]
  if s == nil and raws[n] then s = cjson.decode(raws[n]) end
  if s and stride >= 9 and type(s.phones) == 'table' then
    for _, num in ipairs(s.phones) do phone_list(num) end
  end
  if stride >= 9 then
    if ARGV[i + 7] ~= '' then phone_list(ARGV[i + 7]) end
    if ARGV[i + 8] ~= '' then phone_list(ARGV[i + 8]) end
  end
  states[id] = s or false
end
local nums = {}
for num in pairs(phones) do nums[#nums + 1] = num end
if #nums > 0 then
  local vals = redis.call('HMGET', KEYS[5], unpack(nums))
  for k, num in ipairs(nums) do
    local t = {}
    for v in string.gmatch(vals[k] or '', '%S+') do t[#t + 1] = v end
    phones[num] = t
  end
end
local function phone_index(id, old, new)
  local keep = {}
  for _, num in ipairs(new) do keep[num] = true end
  for _, num in ipairs(old) do
    if not keep[num] then
      local t = {}
      for _, v in ipairs(phones[num]) do if v ~= id then t[#t + 1] = v end end
      phones[num] = t
      touched[num] = true
    end
  end
  for _, num in ipairs(new) do
    local t, seen = phones[num], false
    for _, v in ipairs(t) do if v == id then seen = true end end
    if not seen then
      t[#t + 1] = id
      while #t > 32 do table.remove(t, 1) end
      touched[num] = true
    end
  end
end

local dueargs, written, pof, pofdel = {}, {}, {}, {}
n = 0
for i = 2, #ARGV, stride do
  n = n + 1
  local id, body, policy, cycle = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local first_due, amount, digits = tonumber(ARGV[i + 4]), tonumber(ARGV[i + 5]), tonumber(ARGV[i + 6])
  local s = states[id]
  -- Only an account with a state can be in flight (claims read the due set,
  -- which only a state's planning fills): a new one skips the look-up.
  local inflight = s and redis.call('ZSCORE', KEYS[4], id)
  if not s then
    s = {policy = policy, cycle = cycle, next = 0, status = 'active', amount_minor = amount,
         paid_minor = 0, optout = {}, hold = {}, recent = {}, tries = 0, fb = 0, seq = 0}
    created = created + 1
  else
    updated = updated + 1
    if s.cycle ~= cycle then
      s.cycle = cycle
      s.next, s.tries, s.fb, s.paid_minor = 0, 0, 0, 0
      if s.status ~= 'ceased' then s.status = 'active' end
      s.hold = {}
    end
    s.policy = policy
    s.amount_minor = amount
    first_due = now
  end
  s.digits = digits
  if stride >= 9 then
    local new = {}
    if ARGV[i + 7] ~= '' then new[#new + 1] = ARGV[i + 7] end
    if ARGV[i + 8] ~= '' and ARGV[i + 8] ~= ARGV[i + 7] then new[#new + 1] = ARGV[i + 8] end
    phone_index(id, type(s.phones) == 'table' and s.phones or {}, new)
    s.phones = new
  end
  if s.status == 'active' then
    if inflight then
      s.replan = true
    else
      dueargs[#dueargs + 1] = first_due
      dueargs[#dueargs + 1] = id
    end
  end
  if stride == 10 then
    if ARGV[i + 9] ~= '' then
      pof[#pof + 1] = id
      pof[#pof + 1] = ARGV[i + 9]
    else
      pofdel[#pofdel + 1] = id
    end
  end
  if not written[id] then
    written[id] = true
    order[#order + 1] = id
  end
  states[id] = s
end
local sset = {}
for _, id in ipairs(order) do
  sset[#sset + 1] = id
  sset[#sset + 1] = cjson.encode(states[id])
end
redis.call('HSET', KEYS[2], unpack(sset))
if #dueargs > 0 then redis.call('ZADD', KEYS[3], unpack(dueargs)) end
if #pof > 0 then redis.call('HSET', KEYS[6], unpack(pof)) end
if #pofdel > 0 then redis.call('HDEL', KEYS[6], unpack(pofdel)) end
local pset, pdel = {}, {}
for num in pairs(touched) do
  if #phones[num] > 0 then
    pset[#pset + 1] = num
    pset[#pset + 1] = table.concat(phones[num], ' ')
  else
    pdel[#pdel + 1] = num
  end
end
if #pset > 0 then redis.call('HSET', KEYS[5], unpack(pset)) end
if #pdel > 0 then redis.call('HDEL', KEYS[5], unpack(pdel)) end
return {created, updated}
