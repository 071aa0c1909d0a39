-- intake: stores a batch of accepted accounts and plans them.
-- KEYS[1] accounts (hash)  KEYS[2] state (hash)  KEYS[3] due (zset)  KEYS[4] inflight (zset)
-- ARGV[1] now (ms), then per account 7 values:
--   id, account JSON, policy, cycle (the due date), first due (ms), amount in
--   minor units, the currency's minor digits
-- An account that exists is updated and re-planned; its pending action is
-- the same member of the due set, so nothing is ever duplicated.  A new due
-- date starts a new cycle of the policy.  Returns {new, updated}.
local now = tonumber(ARGV[1])
local created, updated = 0, 0
for i = 2, #ARGV, 7 do
  local id, body, policy, cycle = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local first_due, amount, digits = tonumber(ARGV[i + 4]), tonumber(ARGV[i + 5]), tonumber(ARGV[i + 6])
  redis.call('HSET', KEYS[1], id, body)
  local raw = redis.call('HGET', KEYS[2], id)
  local inflight = redis.call('ZSCORE', KEYS[4], id)
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
