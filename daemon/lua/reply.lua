-- reply: an inbound reply from a debtor (od_callback.c).  Every reply is
-- added to the replies stream for upstream systems, with the accounts that
-- have that number (the phones index, kept by intake.lua); the daemon then
-- applies an opt-out reply to each of them, as an opt_out event for its
-- channel (od_hooks.c, od_store.c).
-- KEYS[1] phones (hash: E.164 -> account ids, space-separated)
-- KEYS[2] replies (stream)
-- ARGV: ts (ISO 8601, received), channel (sms | whatsapp), from (E.164),
--       text, opt_out (1/0), provider_id ('' when none), replies maxlen
-- Returns {result, account ids (space-separated, '' when none)}: result is
-- 'opted_out', 'recorded' or 'unknown_phone' (still added to the stream).
local ts, channel, from, text = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local optout, provider, maxlen = ARGV[5] == '1', ARGV[6], ARGV[7]
local ids = redis.call('HGET', KEYS[1], from) or ''
local found = {}
for id in string.gmatch(ids, '%S+') do found[#found + 1] = id end
local f = {'ts', ts, 'channel', channel, 'from', from, 'text', text, 'account_id', ids,
           'opt_out', optout and '1' or '0'}
if provider ~= '' then f[#f + 1] = 'provider_id'; f[#f + 1] = provider end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', maxlen, '*', unpack(f))
if #found == 0 then return {'unknown_phone', ''} end
return {optout and 'opted_out' or 'recorded', ids}
