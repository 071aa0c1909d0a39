-- reclaim: settles one action whose lease expired (its daemon died or hung),
-- or that a stopping daemon hands back, as the daemon decided (od_reclaim.c,
-- on what lease.lua read).
-- KEYS[1] inflight  KEYS[2] lease  KEYS[3] state  KEYS[4] due  KEYS[5] attempts
-- KEYS[6] hist:<id>  KEYS[7] person
-- ARGV: id, the lease as read, the state's version as read, the new state
--       ('' to leave it), when the account's next action is due (ms, -1:
--       none), attempts maxlen, history length, the person id and the
--       attempt whose contact is confirmed ('' when none), the record to
--       write ('' when none: the action was only claimed), F, then its F
--       stream fields (name, value, ...)
-- The lease is dropped, the record written (stream and history), the
-- person's contact confirmed, the state and the schedule stored.  When the
-- lease or the state is no longer what was read nothing is written and the
-- answer is 'stale' (the daemon reads again); else 'ok'.
local id, lease, ver, new, due = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local maxlen, histlen, pid, confirm, rec = ARGV[6], tonumber(ARGV[7]), ARGV[8], ARGV[9], ARGV[10]
if not redis.call('ZSCORE', KEYS[1], id) or (redis.call('HGET', KEYS[2], id) or '') ~= lease or
    od_ver(redis.call('HGET', KEYS[3], id)) ~= ver then
  return 'stale'
end
redis.call('ZREM', KEYS[1], id)
redis.call('HDEL', KEYS[2], id)
if rec ~= '' then
  redis.call('XADD', KEYS[5], 'MAXLEN', '~', maxlen, '*', unpack(ARGV, 12, 11 + tonumber(ARGV[11])))
  if redis.call('RPUSH', KEYS[6], rec) > histlen then redis.call('LTRIM', KEYS[6], -histlen, -1) end
end
if pid ~= '' and confirm ~= '' then od_person_settle(KEYS[7], pid, confirm, {}) end
if new ~= '' then redis.call('HSET', KEYS[3], id, new) end
if due ~= '-1' then redis.call('ZADD', KEYS[4], due, id) end
return 'ok'
