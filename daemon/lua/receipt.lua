-- receipt: records a provider's delivery receipt (od_callback.c) as an
-- attempt record of the attempt it is about.
-- KEYS[1] hist:<account_id> (list)  KEYS[2] attempts (stream)
-- ARGV: ts (ISO 8601, when the provider says it happened), account_id,
--       attempt_id, state (delivered | undelivered | failed | read | sent |
--       queued), provider_id ('' when the provider gave none), code ('' or
--       the provider's error / DLR code), attempts maxlen, history length
-- An attempt the account's history does not know is refused: nothing
-- changes (the callback still answers 200 so that the provider stops).
-- Intermediate states (sent, queued) are not recorded, and the same state
-- reported twice for one attempt (a provider's retry) is recorded once.
-- Returns 'ok', 'unknown_attempt', 'ignored' or 'duplicate'.
local ts, account, attempt, state = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local provider, code, maxlen, histlen = ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8])
local final = {delivered = true, undelivered = true, failed = true, read = true}
local orig
local needle = cjson.encode(attempt)
for _, raw in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if string.find(raw, needle, 1, true) then
    local r = cjson.decode(raw)
    if r.attempt_id == attempt then
      if not orig then orig = r end
      if r.source == 'receipt' and r.status == state then return 'duplicate' end
    end
  end
end
if not orig then return 'unknown_attempt' end
if not final[state] then return 'ignored' end
local rec = {ts = ts, account_id = account, action_id = orig.action_id, attempt_id = attempt,
             policy = orig.policy, step = orig.step, stage = orig.stage,
             step_index = orig.step_index, channel = orig.channel, gateway = orig.gateway,
             status = state, source = 'receipt'}
if provider ~= '' then rec.provider_id = provider else rec.provider_id = orig.provider_id end
if code ~= '' then rec.code = code end
local json = cjson.encode(rec)
redis.call('RPUSH', KEYS[1], json)
redis.call('LTRIM', KEYS[1], -histlen, -1)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', maxlen, '*', unpack(od_fields(rec)))
return 'ok'
