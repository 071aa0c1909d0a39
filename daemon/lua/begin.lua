-- begin: records a batch of attempts as 'sending', just before their sends.
-- KEYS[1] lease  KEYS[2] state  KEYS[3] attempts (stream)  KEYS[4] person
-- KEYS[5..] hist:<id>, one per attempt, in order
-- ARGV: consumer, attempts maxlen, history length, then per attempt:
--       account id, kind (sms|email|whatsapp), the record as JSON (kept in
--       the lease), the debtor's local date (YYYY-MM-DD, for promises), the
--       account's state as the daemon claimed it, the person id ('' when
--       none), the person's contacts as claimed, the same with this send
--       added (od_person.h), F, then the record's F
--       stream fields (name, value, ...: od_field_names' order), then P, the
--       number of records the action made before this attempt (superseded
--       steps, channels passed over), and per record: its JSON, F, and its F
--       stream fields
-- A send goes ahead only when its answer is 'ok': the lease is still ours,
-- no payment, close, cease, hold or opt-out arrived since the claim, and the
-- person's contacts are still the ones the caps were checked on (else
-- 'busy': another of their accounts was just contacted; the daemon checks
-- again).  The person's contacts then include this send.
-- Then the records made before it are written (stream and history), and
-- the attempt's 'sending' record after them, so that a crash during the
-- send loses none of them.  Otherwise the answer is 'lost' or 'cancel
-- <reason>' and nothing is recorded.  Returns one answer per attempt, in
-- order.
-- A state still equal to the claimed one was checked by the daemon (the
-- same checks, od_job.c) and is not decoded again.
local consumer, maxlen, histlen = ARGV[1], ARGV[2], tonumber(ARGV[3])
local ids, at, pre = {}, {}, {}
local nargv, i = #ARGV, 4
while i <= nargv do
  ids[#ids + 1] = ARGV[i]
  at[#at + 1] = i
  i = i + 9 + tonumber(ARGV[i + 8])
  local p = {}
  for r = 1, tonumber(ARGV[i]) do
    p[r] = i + 1
    i = i + 2 + tonumber(ARGV[i + 2])
  end
  i = i + 1
  pre[#pre + 1] = p
end
local leases = redis.call('HMGET', KEYS[1], unpack(ids))
local states = redis.call('HMGET', KEYS[2], unpack(ids))
local out, lset = {}, {}
local mine = consumer .. ' '
for n = 1, #ids do
  local i = at[n]
  local kind, record, today, claimed = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local pid = ARGV[i + 5]
  local l, raw = leases[n], states[n]
  local answer = 'ok'
  if not l or string.sub(l, 1, #mine) ~= mine then
    answer = 'lost'
  elseif not raw then
    answer = 'cancel unknown_account'
  elseif raw ~= claimed then
    local s = cjson.decode(raw)
    if s.status ~= 'active' then
      if s.status == 'paid' or s.status == 'closed' then answer = 'cancel paid' else answer = 'cancel hold' end
    elseif type(s.optout) == 'table' and (s.optout[kind] or s.optout['all']) then
      answer = 'cancel opt_out'
    elseif type(s.hold) == 'table' and (s.hold.dispute or
        (type(s.hold.promise_until) == 'string' and s.hold.promise_until >= today)) then
      answer = 'cancel hold'
    end
  end
  if answer == 'ok' and pid ~= '' then
    if (redis.call('HGET', KEYS[4], pid) or '') ~= ARGV[i + 6] then
      answer = 'busy'
    else
      redis.call('HSET', KEYS[4], pid, ARGV[i + 7])
    end
  end
  if answer == 'ok' then
    local p = pre[n]
    if #p > 0 then
      local jsons = {}
      for r, pa in ipairs(p) do
        redis.call('XADD', KEYS[3], 'MAXLEN', '~', maxlen, '*', unpack(ARGV, pa + 2, pa + 1 + tonumber(ARGV[pa + 1])))
        jsons[r] = ARGV[pa]
      end
      if redis.call('RPUSH', KEYS[4 + n], unpack(jsons)) > histlen then
        redis.call('LTRIM', KEYS[4 + n], -histlen, -1)
      end
    end
    lset[#lset + 1] = ids[n]
    lset[#lset + 1] = mine .. 'sending ' .. record
    redis.call('XADD', KEYS[3], 'MAXLEN', '~', maxlen, '*', unpack(ARGV, i + 9, i + 8 + tonumber(ARGV[i + 8])))
  end
  out[n] = answer
end
if #lset > 0 then redis.call('HSET', KEYS[1], unpack(lset)) end
return out
