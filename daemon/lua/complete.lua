-- complete: records the outcome of an action and plans the account's next
-- one, in one step.
-- KEYS[1] inflight  KEYS[2] lease  KEYS[3] state  KEYS[4] due  KEYS[5] attempts
-- KEYS[6] hist:<id>
-- ARGV: id, consumer, now, attempts maxlen, history length,
--       next step (-1: unchanged), next due (ms, -1: nothing scheduled),
--       contact kind ('' or the kind that reached the debtor, for the caps),
--       fallback index, tries, seq, opt-out kind ('' or a kind the provider
--       says the debtor left), then the attempt records as JSON
-- Events that arrived while the action was in flight win: a payment in full
-- leaves nothing scheduled; a re-plan request schedules now.
-- Returns 'ok', or 'lost' when the lease had been reclaimed (the records are
-- still written: they are what happened).
local id, consumer, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local maxlen, histlen = ARGV[4], tonumber(ARGV[5])
local next_step, next_due = tonumber(ARGV[6]), tonumber(ARGV[7])
local contact, fb, tries, seq, optout = ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11]), ARGV[12]
for i = 13, #ARGV do
  redis.call('XADD', KEYS[5], 'MAXLEN', '~', maxlen, '*', unpack(od_fields(cjson.decode(ARGV[i]))))
  redis.call('RPUSH', KEYS[6], ARGV[i])
end
if #ARGV >= 13 then redis.call('LTRIM', KEYS[6], -histlen, -1) end
local l = redis.call('HGET', KEYS[2], id)
if not l or string.sub(l, 1, #consumer + 1) ~= consumer .. ' ' then return 'lost' end
redis.call('ZREM', KEYS[1], id)
redis.call('HDEL', KEYS[2], id)
local raw = redis.call('HGET', KEYS[3], id)
if not raw then return 'ok' end
local s = cjson.decode(raw)
if next_step >= 0 then s.next = next_step end
s.fb, s.tries, s.seq = fb, tries, seq
if type(s.optout) ~= 'table' then s.optout = {} end
if optout ~= '' then s.optout[optout] = true end
if type(s.recent) ~= 'table' then s.recent = {} end
local recent = {}
for _, c in ipairs(s.recent) do
  if c[1] > now - 8 * 86400000 then recent[#recent + 1] = c end
end
if contact ~= '' then recent[#recent + 1] = {now, contact} end
s.recent = recent
if s.status == 'active' then
  if s.replan then
    redis.call('ZADD', KEYS[4], now, id)
  elseif next_due >= 0 then
    redis.call('ZADD', KEYS[4], next_due, id)
  end
end
s.replan = nil
redis.call('HSET', KEYS[3], id, cjson.encode(s))
return 'ok'
