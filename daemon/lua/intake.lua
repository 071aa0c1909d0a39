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
local now = tonumber(ARGV[1])
local created, updated = 0, 0
local stride = KEYS[5] and 9 or 7
local function phone_ids(num)
  local t = {}
  for v in string.gmatch(redis.call('HGET', KEYS[5], num) or '', '%S+') do t[#t + 1] = v end
  return t
end
local function phone_index(id, old, new)
  local keep = {}
  for _, num in ipairs(new) do keep[num] = true end
  for _, num in ipairs(old) do
    if not keep[num] then
      local t = {}
      for _, v in ipairs(phone_ids(num)) do if v ~= id then t[#t + 1] = v end end
      if #t > 0 then redis.call('HSET', KEYS[5], num, table.concat(t, ' '))
      else redis.call('HDEL', KEYS[5], num) end
    end
  end
  for _, num in ipairs(new) do
    local t, seen = phone_ids(num), false
    for _, v in ipairs(t) do if v == id then seen = true end end
    if not seen then
      t[#t + 1] = id
      while #t > 32 do table.remove(t, 1) end
      redis.call('HSET', KEYS[5], num, table.concat(t, ' '))
    end
  end
end
for i = 2, #ARGV, stride do
  local id, body, policy, cycle = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local first_due, amount, digits = tonumber(ARGV[i + 4]), tonumber(ARGV[i + 5]), tonumber(ARGV[i + 6])
  redis.call('HSET', KEYS[1], id, body)
  local raw = redis.call('HGET', KEYS[2], id)
  -- Only an account with a state can be in flight (claims read the due set,
  -- which only a state's planning fills): a new one skips the look-up.
  local inflight = raw and redis.call('ZSCORE', KEYS[4], id)
  local s
  if not raw then
    s = {policy = policy, cycle = cycle, next = 0, status = 'active', amount_minor = amount,
         paid_minor = 0, optout = {}, hold = {}, recent = {}, tries = 0, fb = 0, seq = 0}
    created = created + 1
  else
    s = cjson.decode(raw)
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
  if stride == 9 then
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
      redis.call('ZADD', KEYS[3], first_due, id)
    end
  end
  redis.call('HSET', KEYS[2], id, cjson.encode(s))
end
return {created, updated}
