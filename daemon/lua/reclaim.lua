-- reclaim: settles one action whose lease expired (its daemon died or hung),
-- or that a stopping daemon hands back (force = 1, its own lease only).
-- KEYS[1] inflight  KEYS[2] lease  KEYS[3] state  KEYS[4] due  KEYS[5] attempts
-- KEYS[6] hist:<id>  KEYS[7] personof  KEYS[8] person
-- ARGV: id, now, attempts maxlen, history length, resend unknown (0/1),
--       force (0/1), consumer (with force), reason, now as ISO 8601
-- An action that was only claimed goes back to the due set as it was.  One
-- that was 'sending' may have reached the debtor: it is recorded 'unknown'
-- and not sent again (a duplicate collection message harms the debtor)
-- unless resend is configured; it counts as a contact for the caps.
-- Returns 'live' (not expired: left alone), 'requeued' or 'unknown'.
local id, now, maxlen, histlen = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local resend, force, consumer, why = ARGV[5] == '1', ARGV[6] == '1', ARGV[7], ARGV[8]
local score = redis.call('ZSCORE', KEYS[1], id)
if not score then return 'live' end
local l = redis.call('HGET', KEYS[2], id) or ''
if force then
  if string.sub(l, 1, #consumer + 1) ~= consumer .. ' ' then return 'live' end
elseif tonumber(score) > now then
  return 'live'
end
redis.call('ZREM', KEYS[1], id)
redis.call('HDEL', KEYS[2], id)
local raw = redis.call('HGET', KEYS[3], id)
local s = raw and cjson.decode(raw) or nil
local sp1 = string.find(l, ' ', 1, true)
local sp2 = sp1 and string.find(l, ' ', sp1 + 1, true)
local phase = sp1 and string.sub(l, sp1 + 1, (sp2 or 0) - 1) or ''
if phase ~= 'sending' then
  if s and s.status == 'active' then redis.call('ZADD', KEYS[4], now, id) end
  return 'requeued'
end
local r = cjson.decode(string.sub(l, sp2 + 1))
r.status = 'unknown'
r.reason = why
r.ts = ARGV[9]
redis.call('XADD', KEYS[5], 'MAXLEN', '~', maxlen, '*', unpack(od_fields(r)))
redis.call('RPUSH', KEYS[6], cjson.encode(r))
redis.call('LTRIM', KEYS[6], -histlen, -1)
if s then
  if not resend then
    s.next = (tonumber(r.step_index) or tonumber(s.next) or 0) + 1
    s.fb, s.tries = 0, 0
  end
  if type(s.recent) ~= 'table' then s.recent = {} end
  -- an account with a person has the contact in the person's list already
  -- (begin.lua wrote it pending): it may have reached them, so it stays,
  -- confirmed
  local pid = KEYS[7] and redis.call('HGET', KEYS[7], id)
  if pid then
    od_person_settle(KEYS[8], pid, r.attempt_id, {})
  else
    s.recent[#s.recent + 1] = {now, r.channel}
  end
  s.replan = nil
  if s.status == 'active' then redis.call('ZADD', KEYS[4], now, id) end
  redis.call('HSET', KEYS[3], id, cjson.encode(s))
end
return 'unknown'
