-- receipt: records a provider's delivery receipt (od_callback.c) as an
-- attempt record of the attempt it is about.
-- KEYS[1] hist:<account_id> (list)  KEYS[2] attempts (stream)
-- ARGV: ts (ISO 8601, when the provider says it happened), account_id,
--       attempt_id, state (delivered | undelivered | failed | read | sent |
--       queued), provider_id ('' when the provider gave none), code ('' or
--       the provider's error / DLR code), attempts maxlen, history length,
--       match ('1': provider_id must be the one the send was given)
-- A receipt changes nothing unless it is news about the attempt:
--   'unknown_attempt'    the account's history does not know the attempt
--   'provider_mismatch'  match is '1' and the send got another provider id
--                        (Twilio's scheme has no nonce: a signed receipt of
--                        one message must not be replayed onto another)
--   'ignored'            an intermediate state (queued, sent): not recorded
--   'duplicate'          this state was recorded already (a provider's retry,
--                        or a replay): recorded once
--   'stale'              a state that goes back or sideways: queued < sent <
--                        delivered | undelivered | failed < read, and
--                        undelivered and failed are the end (an 'undelivered'
--                        replayed after 'delivered' is refused)
-- Returns 'ok' when recorded, else one of the above.
local ts, account, attempt, state = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local provider, code, maxlen, histlen = ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8])
local match = ARGV[9] == '1'
local rank = {queued = 0, sent = 1, delivered = 2, undelivered = 2, failed = 2, read = 3}
local final = {delivered = true, undelivered = true, failed = true, read = true}
local terminal = {undelivered = true, failed = true}
local orig, sent_id, last
local needle = cjson.encode(attempt)
for _, raw in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if string.find(raw, needle, 1, true) then
    local r = cjson.decode(raw)
    if r.attempt_id == attempt then
      if not orig then orig = r end
      if r.source == 'receipt' then
        if r.status == state then return 'duplicate' end
        if rank[r.status] and (not last or rank[r.status] > rank[last]) then last = r.status end
      elseif type(r.provider_id) == 'string' and r.provider_id ~= '' then
        sent_id = r.provider_id
      end
    end
  end
end
if not orig then return 'unknown_attempt' end
if match and sent_id and provider ~= sent_id then return 'provider_mismatch' end
if not final[state] then return 'ignored' end
if last and (terminal[last] or rank[state] <= rank[last]) then return 'stale' end
local rec = {ts = ts, account_id = account, action_id = orig.action_id, attempt_id = attempt,
             policy = orig.policy, step = orig.step, stage = orig.stage,
             step_index = orig.step_index, channel = orig.channel, gateway = orig.gateway,
             status = state, source = 'receipt'}
if provider ~= '' then rec.provider_id = provider else rec.provider_id = sent_id or orig.provider_id end
if code ~= '' then rec.code = code end
local json = cjson.encode(rec)
redis.call('RPUSH', KEYS[1], json)
redis.call('LTRIM', KEYS[1], -histlen, -1)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', maxlen, '*', unpack(od_fields(rec)))
return 'ok'
