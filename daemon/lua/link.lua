-- link: a payment link opened (od_link_http.c).  No decision is made here:
-- the daemon checks the token, then reads, then decides on the state as
-- od_state reads it, then records.
-- ARGV[1] 'read':
--   KEYS[1] linkref:<ref> (string: the account id)  KEYS[2] state (hash)
--   KEYS[3] accounts (hash)
--   Returns {account id, state, account JSON}, each '' when there is none.
-- ARGV[1] 'record':
--   KEYS[1] hist:<account id> (list)  KEYS[2] attempts (stream)
--   ARGV[2] attempts maxlen, ARGV[3] history length, then the records as
--   lib.lua's od_records reads them (their number, then per record its
--   JSON, F and its F stream fields).
--   Returns 'ok'.
if ARGV[1] == 'read' then
  local id = redis.call('GET', KEYS[1])
  if not id then return {'', '', ''} end
  local st = redis.call('HGET', KEYS[2], id) or ''
  local acct = redis.call('HGET', KEYS[3], id) or ''
  return {id, st, acct}
elseif ARGV[1] == 'record' then
  od_records(4, KEYS[2], KEYS[1], ARGV[2], ARGV[3])
  return 'ok'
end
return redis.error_reply('link: unknown mode')
