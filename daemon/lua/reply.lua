-- reply: an inbound reply from a debtor (od_callback.c).  Every reply is
-- added to the replies stream for upstream systems; an opt-out reply also
-- applies an opt_out event for its channel to every account that has that
-- number (the phones index, kept by intake.lua).
-- KEYS[1] phones (hash: E.164 -> account ids, space-separated)
-- KEYS[2] state (hash)  KEYS[3] replies (stream)
-- ARGV: ts (ISO 8601, received), channel (sms | whatsapp), from (E.164),
--       text, opt_out (1/0), provider_id ('' when none), replies maxlen
-- Returns {result, account ids (space-separated, '' when none)}: result is
-- 'opted_out', 'recorded' or 'unknown_phone' (still added to the stream).
local ts, channel, from, text = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local optout, provider, maxlen = ARGV[5] == '1', ARGV[6], ARGV[7]
local ids = redis.call('HGET', KEYS[1], from) or ''
local found = {}
for id in string.gmatch(ids, '%S+') do found[#found + 1] = id end
if optout and #found > 0 then
  local states = redis.call('HMGET', KEYS[2], unpack(found))
  local sset = {}
  for n, raw in ipairs(states) do
    if raw then
      local s = cjson.decode(raw)
      if type(s.optout) ~= 'table' then s.optout = {} end
      s.optout[channel] = true
      sset[#sset + 1] = found[n]
      sset[#sset + 1] = cjson.encode(s)
    end
  end
  if #sset > 0 then redis.call('HSET', KEYS[2], unpack(sset)) end
end
local f = {'ts', ts, 'channel', channel, 'from', from, 'text', text, 'account_id', ids,
           'opt_out', optout and '1' or '0'}
if provider ~= '' then f[#f + 1] = 'provider_id'; f[#f + 1] = provider end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', maxlen, '*', unpack(f))
if #found == 0 then return {'unknown_phone', ''} end
return {optout and 'opted_out' or 'recorded', ids}
