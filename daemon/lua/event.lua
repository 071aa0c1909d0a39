-- event: stores one account's state after the daemon applied an event (or a
-- reply's opt-out) to it (od_store.c, od_state_event), its schedule, and
-- what the lifecycle recorded (a promise made, an agreement, a recall).
-- KEYS[1] state (hash)  KEYS[2] due (zset)  KEYS[3] inflight (zset)
-- KEYS[4] attempts (stream)  KEYS[5] hist:<id>  KEYS[6] agreements (stream)
-- KEYS[7] agr:<id>  KEYS[8] agent (stream)
-- ARGV: id, the version the change was computed from (load.lua), '1' when
--       an action was in flight then, else '0', the new state, the schedule:
--       'cancel' (no action is due any more: paid, closed, ceased), a time
--       in ms (re-planned then), or '' (unchanged); the attempts stream's
--       maxlen, the history's length; then the records (lib.lua's
--       od_records) and the agreement documents (od_docs); then, for a
--       reply that people must read (od_state_reply), its reason, channel
--       and text ('' when none): an entry of the agent stream with the
--       account's conversation so far (its last 20 history records, the
--       reply's own included), for the lender's agents or CRM
-- An action already in flight is stopped by begin.lua and completed by
-- complete.lua on the new state: both compare the version.
-- Returns 'ok', or {'stale', state, version, in flight} when the state or
-- the in-flight flag changed since the read: nothing is written, and the
-- daemon applies the change again to what is returned.
local id, ver, fly, new, plan = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local raw = redis.call('HGET', KEYS[1], id) or ''
local now_fly = redis.call('ZSCORE', KEYS[3], id) and '1' or '0'
if od_ver(raw) ~= ver or now_fly ~= fly then
  return {'stale', raw, od_ver(raw), now_fly}
end
redis.call('HSET', KEYS[1], id, new)
if plan == 'cancel' then
  redis.call('ZREM', KEYS[2], id)
elseif plan ~= '' then
  redis.call('ZADD', KEYS[2], plan, id)
end
local i = od_records(8, KEYS[4], KEYS[5], ARGV[6], ARGV[7])
i = od_docs(i, KEYS[6], KEYS[7])
if ARGV[i] and ARGV[i] ~= '' then
  local conv = redis.call('LRANGE', KEYS[5], -20, -1)
  redis.call('XADD', KEYS[8], 'MAXLEN', '~', ARGV[6], '*', 'account_id', id,
             'reason', ARGV[i], 'channel', ARGV[i + 1], 'text', ARGV[i + 2],
             'conversation', '[' .. table.concat(conv, ',') .. ']')
end
return 'ok'
