-- begin: records an attempt as 'sending' just before the send.
-- KEYS[1] lease  KEYS[2] state  KEYS[3] attempts (stream)
-- ARGV: id, consumer, kind (sms|email|whatsapp), attempts maxlen, the record
--       as JSON, the debtor's local date (YYYY-MM-DD, for promises)
-- The send goes ahead only when this answers 'ok': the lease is still ours,
-- and no payment, close, cease, hold or opt-out arrived since the claim.
-- Otherwise it answers 'lost' or 'cancel <reason>' and nothing is recorded.
local id, consumer, kind, maxlen, record, today = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local l = redis.call('HGET', KEYS[1], id)
if not l or string.sub(l, 1, #consumer + 1) ~= consumer .. ' ' then return 'lost' end
local raw = redis.call('HGET', KEYS[2], id)
if not raw then return 'cancel unknown_account' end
local s = cjson.decode(raw)
if s.status ~= 'active' then
  if s.status == 'paid' or s.status == 'closed' then return 'cancel paid' end
  return 'cancel hold'
end
if type(s.optout) == 'table' and (s.optout[kind] or s.optout['all']) then return 'cancel opt_out' end
if type(s.hold) == 'table' then
  if s.hold.dispute then return 'cancel hold' end
  if type(s.hold.promise_until) == 'string' and s.hold.promise_until >= today then return 'cancel hold' end
end
redis.call('HSET', KEYS[1], id, consumer .. ' sending ' .. record)
redis.call('XADD', KEYS[3], 'MAXLEN', '~', maxlen, '*', unpack(od_fields(cjson.decode(record))))
return 'ok'
