-- begin: records a batch of attempts as 'sending', just before their sends.
-- KEYS[1] lease  KEYS[2] state  KEYS[3] attempts (stream)  KEYS[4] person
-- KEYS[5..] hist:<id>, one per attempt, in order
-- ARGV: consumer, attempts maxlen, history length, then per attempt:
--       account id, the record as JSON (kept in the lease), the state's
--       version as the daemon claimed it (lib.lua's od_ver), the person id
--       ('' when none), the person's contacts as claimed, the same with this
--       send added (od_person.h), F, then the record's F stream fields (name,
--       value, ...: od_field_names' order), then P, the number of records
--       the action made before this attempt (superseded steps, channels
--       passed over), and per record: its JSON, F, and its F stream fields
-- A send goes ahead only when its answer is 'ok': the lease is still ours,
-- the state is still the version the daemon checked the send against, and
-- the person's contacts are still the ones the caps were checked on (else
-- 'busy': another of their accounts was just contacted; the daemon checks
-- again).  The person's contacts then include this send.
-- Then the records made before it are written (stream and history), and
-- the attempt's 'sending' record after them, so that a crash during the
-- send loses none of them.  Otherwise nothing is recorded and the answer is
-- 'lost', 'cancel unknown_account' (no state), or {'stale', state, version}
-- when the state changed since the claim (an event came in): the daemon
-- checks the send again on that state (od_job_recheck) and begins again or
-- cancels it.  Returns one answer per attempt, in order.
local consumer, maxlen, histlen = ARGV[1], ARGV[2], tonumber(ARGV[3])
local ids, at, pre = {}, {}, {}
local nargv, i = #ARGV, 4
while i <= nargv do
  ids[#ids + 1] = ARGV[i]
  at[#at + 1] = i
  i = i + 7 + tonumber(ARGV[i + 6])
  local p = {}
  for r = 1, tonumber(ARGV[i]) do
    p[r] = i + 1
    i = i + 2 + tonumber(ARGV[i + 2])
  end
  i = i + 1
  pre[#pre + 1] = p
end
local leases = redis.call('HMGET', KEYS[1], unpack(ids))
local states = redis.call('HMGET', KEYS[2], unpack(ids))
local out, lset = {}, {}
local mine = consumer .. ' '
for n = 1, #ids do
  local i = at[n]
  local record, ver, pid = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local l, raw = leases[n], states[n]
  local answer = 'ok'
  if not l or string.sub(l, 1, #mine) ~= mine then
    answer = 'lost'
  elseif not raw then
    answer = 'cancel unknown_account'
  elseif od_ver(raw) ~= ver then
    answer = {'stale', raw, od_ver(raw)}
  end
  if answer == 'ok' and pid ~= '' then
    if (redis.call('HGET', KEYS[4], pid) or '') ~= ARGV[i + 4] then
      answer = 'busy'
    else
      redis.call('HSET', KEYS[4], pid, ARGV[i + 5])
    end
  end
  if answer == 'ok' then
    local p = pre[n]
    if #p > 0 then
      local jsons = {}
      for r, pa in ipairs(p) do
        redis.call('XADD', KEYS[3], 'MAXLEN', '~', maxlen, '*', unpack(ARGV, pa + 2, pa + 1 + tonumber(ARGV[pa + 1])))
        jsons[r] = ARGV[pa]
      end
      if redis.call('RPUSH', KEYS[4 + n], unpack(jsons)) > histlen then
        redis.call('LTRIM', KEYS[4 + n], -histlen, -1)
      end
    end
    lset[#lset + 1] = ids[n]
    lset[#lset + 1] = mine .. 'sending ' .. record
    redis.call('XADD', KEYS[3], 'MAXLEN', '~', maxlen, '*', unpack(ARGV, i + 7, i + 6 + tonumber(ARGV[i + 6])))
  end
  out[n] = answer
end
if #lset > 0 then redis.call('HSET', KEYS[1], unpack(lset)) end
return out
