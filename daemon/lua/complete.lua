-- complete: records the outcome of a batch of actions and plans each
-- account's next one, in one step.
-- KEYS[1] inflight  KEYS[2] lease  KEYS[3] state  KEYS[4] due  KEYS[5] attempts
-- KEYS[6] person  KEYS[7] agreements (stream)  KEYS[8] handoff (stream)
-- KEYS[9] accounts  KEYS[10..] per action: hist:<id>, agr:<id>; then, after
-- every action's pair, the WhatsApp message id keys (wamid:<id>, od_wamid.h)
-- of each action in turn
-- ARGV: consumer, attempts maxlen, history length, then per action:
--       id, the state's version the outcome was computed from (lib.lua's
--       od_ver), the new state ('' when none is written), when the next
--       action is due (ms, -1: nothing scheduled), the person id ('' when
--       none), the attempt ids that reached nobody (space-separated: their
--       contacts, which begin.lua wrote pending, are taken back from the
--       person's list), the attempt id that reached the debtor ('' when
--       none: its contact is confirmed), the attempt id of the send ('' when
--       nothing was sent), the records (lib.lua's od_records:
--       R, then per record its JSON, F and F stream fields), the agreement
--       documents (od_docs: D, then per document its JSON, F, fields), a
--       handoff's stream fields (H, then H strings; 0: not placed), and the
--       message id index entries (W, then per entry its value "<account_id>
--       <attempt_id>" and its expiry in seconds; 0: none)
-- The daemon computed the new state and the due time (od_state_outcome).
-- When the stored state is no longer that version (an event came in while
-- the action was in flight) nothing of the action is written and its answer
-- is {'stale', state, version}: the daemon applies the outcome again to that
-- state and completes it again.
-- A handoff adds one entry to the handoff stream: the placement's fields,
-- account_id, and the file: the account as enqueued, its new state, every
-- attempt record its history holds and every agreement document.
-- A message id entry is written with the records (so a receipt that finds
-- the entry finds the attempt's 'sent' record too): the receipts of a
-- WhatsApp message that name no attempt are matched through it.
-- Returns one answer per action: 'ok', the stale answer, or 'lost' when its
-- lease had been reclaimed (its records are still written: they are what
-- happened; the state is not: the reclaim settled it), or 'done' when the
-- send's outcome is in the history already: this is a completion sent again
-- after Redis went away without answering it, and it had landed (nothing
-- is written twice; an outcome recorded 'unknown' by a reclaim is not one:
-- the known outcome is written after it).
local consumer, maxlen, histlen = ARGV[1], ARGV[2], ARGV[3]
local mine = consumer .. ' '
local acts = {}
local i = 4
-- skips a list of R entries (JSON, F, F fields) from ARGV[i]
local function skip(i)
  local n = tonumber(ARGV[i])
  i = i + 1
  for r = 1, n do i = i + 2 + tonumber(ARGV[i + 1]) end
  return i
end
while i <= #ARGV do
  local a = {id = ARGV[i], ver = ARGV[i + 1], new = ARGV[i + 2], due = ARGV[i + 3],
             pid = ARGV[i + 4], drop = ARGV[i + 5], confirm = ARGV[i + 6], aid = ARGV[i + 7]}
  a.recs = i + 8
  a.docs = skip(a.recs)
  a.hand = skip(a.docs)
  a.nhand = tonumber(ARGV[a.hand])
  a.wam = a.hand + 1 + a.nhand
  a.nwam = tonumber(ARGV[a.wam])
  i = a.wam + 1 + 2 * a.nwam
  acts[#acts + 1] = a
end
local wkey = 10 + 2 * #acts
for _, a in ipairs(acts) do
  a.wkey = wkey
  wkey = wkey + a.nwam
end
-- the send's outcome (not 'sending', not 'unknown') among the newest records of hist
local function stored(hist, aid)
  local key, recs = '"attempt_id":"' .. aid .. '"', redis.call('LRANGE', hist, -64, -1)
  for _, r in ipairs(recs) do
    if string.find(r, key, 1, true) and not string.find(r, '"status":"sending"', 1, true) and
        not string.find(r, '"status":"unknown"', 1, true) then
      return true
    end
  end
  return false
end
local ids = {}
for n, a in ipairs(acts) do ids[n] = a.id end
local leases = redis.call('HMGET', KEYS[2], unpack(ids))
local states = redis.call('HMGET', KEYS[3], unpack(ids))
local out, done, sset, dueargs = {}, {}, {}, {}
for n, a in ipairs(acts) do
  local l, raw = leases[n], states[n]
  local hist, agr = KEYS[8 + 2 * n], KEYS[9 + 2 * n]
  local lost = not l or string.sub(l, 1, #mine) ~= mine
  if (lost or (raw and od_ver(raw) ~= a.ver)) and a.aid ~= '' and stored(hist, a.aid) then
    out[n] = 'done'
  elseif not lost and raw and od_ver(raw) ~= a.ver then
    out[n] = {'stale', raw, od_ver(raw)}
  else
    od_records(a.recs, KEYS[5], hist, maxlen, histlen)
    od_docs(a.docs, KEYS[7], agr)
    for w = 0, a.nwam - 1 do
      redis.call('SET', KEYS[a.wkey + w], ARGV[a.wam + 1 + 2 * w], 'EX', ARGV[a.wam + 2 + 2 * w])
    end
    if a.pid ~= '' and (a.drop ~= '' or a.confirm ~= '') then
      local gone = {}
      for id in string.gmatch(a.drop, '%S+') do gone[id] = true end
      od_person_settle(KEYS[6], a.pid, a.confirm, gone)
    end
    if lost then
      out[n] = 'lost'
    else
      out[n] = 'ok'
      done[#done + 1] = a.id
      if raw and a.new ~= '' then
        sset[#sset + 1] = a.id
        sset[#sset + 1] = a.new
        if a.due ~= '-1' then
          dueargs[#dueargs + 1] = a.due
          dueargs[#dueargs + 1] = a.id
        end
        if a.nhand > 0 then
          local f = {unpack(ARGV, a.hand + 1, a.hand + a.nhand)}
          local acct = redis.call('HGET', KEYS[9], a.id) or 'null'
          local file = '{"account":' .. acct .. ',"state":' .. a.new .. ',"attempts":[' ..
            table.concat(redis.call('LRANGE', hist, 0, -1), ',') .. '],"agreements":[' ..
            table.concat(redis.call('LRANGE', agr, 0, -1), ',') .. ']}'
          f[#f + 1] = 'account_id'
          f[#f + 1] = a.id
          f[#f + 1] = 'file'
          f[#f + 1] = file
          redis.call('XADD', KEYS[8], '*', unpack(f))
        end
      end
    end
  end
end
if #done > 0 then
  redis.call('ZREM', KEYS[1], unpack(done))
  redis.call('HDEL', KEYS[2], unpack(done))
end
if #sset > 0 then redis.call('HSET', KEYS[3], unpack(sset)) end
if #dueargs > 0 then redis.call('ZADD', KEYS[4], unpack(dueargs)) end
return out
