-- event: applies one event to an account's state.
-- KEYS[1] state (hash)  KEYS[2] due (zset)  KEYS[3] inflight (zset)
-- ARGV: now, id, type, channel ('' | sms | email | whatsapp | all),
--       amount (a decimal string, payments), full (0/1), until (promise date),
--       the inbox entry's id (an entry read twice after a crash applies once)
-- Payment in full, close and cease cancel the pending action at once; an
-- action already in flight is stopped by begin.lua, which reads the status.
-- Returns 'ok', 'duplicate' or 'unknown_account'.
local now, id, kind = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local channel, full, untl, entry = ARGV[4], ARGV[6] == '1', ARGV[7], ARGV[8]
local raw = redis.call('HGET', KEYS[1], id)
if not raw then return 'unknown_account' end
local s = cjson.decode(raw)
-- The last few entries applied to this account: a re-delivered one is skipped.
if type(s.evs) ~= 'table' then s.evs = {} end
for _, e in ipairs(s.evs) do
  if e == entry then return 'duplicate' end
end
s.evs[#s.evs + 1] = entry
if #s.evs > 16 then table.remove(s.evs, 1) end
local amount = math.floor((tonumber(ARGV[5]) or 0) * 10 ^ (tonumber(s.digits) or 2) + 0.5)
if type(s.optout) ~= 'table' then s.optout = {} end
if type(s.hold) ~= 'table' then s.hold = {} end
local replan = false
if kind == 'payment' then
  s.paid_minor = (tonumber(s.paid_minor) or 0) + amount
  if full or s.paid_minor >= (tonumber(s.amount_minor) or 0) then
    s.status = 'paid'
  else
    replan = true          -- amounts in the next message change
  end
elseif kind == 'close' then
  s.status = 'closed'
elseif kind == 'cease' then
  s.status = 'ceased'
elseif kind == 'opt_out' then
  s.optout[channel] = true
elseif kind == 'opt_in' then
  if channel == 'all' then s.optout = {} else s.optout[channel] = nil end
  replan = true
elseif kind == 'dispute' then
  s.hold.dispute = true
elseif kind == 'dispute_resolved' then
  s.hold.dispute = nil
  replan = true
elseif kind == 'promise_to_pay' then
  s.hold.promise_until = untl
  replan = true
end
if s.status ~= 'active' then
  redis.call('ZREM', KEYS[2], id)
elseif replan then
  if redis.call('ZSCORE', KEYS[3], id) then
    s.replan = true
  else
    redis.call('ZADD', KEYS[2], now, id)
  end
end
redis.call('HSET', KEYS[1], id, cjson.encode(s))
return 'ok'
