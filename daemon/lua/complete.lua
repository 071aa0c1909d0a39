-- complete: records the outcome of a batch of actions and plans each
-- account's next one, in one step.
-- KEYS[1] inflight  KEYS[2] lease  KEYS[3] state  KEYS[4] due  KEYS[5] attempts
-- KEYS[6] person  KEYS[7..] hist:<id>, one per action, in order
-- ARGV: consumer, now, attempts maxlen, history length, then per action:
--       id, next step (-1: unchanged), next due (ms, -1: nothing scheduled),
--       contact kind ('' or the kind that reached the debtor, for the caps),
--       fallback index, tries, seq, opt-out kind ('' or a kind the provider
--       says the debtor left), the state as claimed, the new state ('' or
--       the JSON to write when the stored state is still the claimed one:
--       the daemon did this script's update itself, od_record.c
--       od_record_state, through od_state_outcome), the person id ('' when
--       none), the attempt ids that reached nobody (space-separated: their
--       contacts, which begin.lua wrote pending, are taken back from the
--       person's list), the attempt id that reached the debtor ('' when
--       none: its contact is confirmed), the number of records R,
--       then per record: its JSON, F, and its F stream fields (name,
--       value, ...)
-- Events that arrived while an action was in flight win: a payment in full
-- leaves nothing scheduled; a re-plan request schedules now.
-- Returns one answer per action: 'ok', or 'lost' when its lease had been
-- reclaimed (its records are still written: they are what happened).
local consumer, now, maxlen, histlen = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local mine = consumer .. ' '
local acts = {}
local i = 5
while i <= #ARGV do
  local a = {id = ARGV[i], next_step = tonumber(ARGV[i + 1]), next_due = tonumber(ARGV[i + 2]),
             contact = ARGV[i + 3], fb = tonumber(ARGV[i + 4]), tries = tonumber(ARGV[i + 5]),
             seq = tonumber(ARGV[i + 6]), optout = ARGV[i + 7], claimed = ARGV[i + 8],
             new = ARGV[i + 9], pid = ARGV[i + 10], drop = ARGV[i + 11],
             confirm = ARGV[i + 12], nrec = tonumber(ARGV[i + 13]), recs = {}}
  i = i + 14
  for r = 1, a.nrec do
    a.recs[r] = i
    i = i + 2 + tonumber(ARGV[i + 1])
  end
  acts[#acts + 1] = a
end
local ids = {}
for n, a in ipairs(acts) do ids[n] = a.id end
local leases = redis.call('HMGET', KEYS[2], unpack(ids))
local states = redis.call('HMGET', KEYS[3], unpack(ids))
local out, done, sset, dueargs = {}, {}, {}, {}
for n, a in ipairs(acts) do
  local jsons = {}
  for r, at in ipairs(a.recs) do
    redis.call('XADD', KEYS[5], 'MAXLEN', '~', maxlen, '*', unpack(ARGV, at + 2, at + 1 + tonumber(ARGV[at + 1])))
    jsons[r] = ARGV[at]
  end
  if a.nrec > 0 then
    -- Trimmed only when over the length: LTRIM would keep it all anyway.
    if redis.call('RPUSH', KEYS[6 + n], unpack(jsons)) > histlen then
      redis.call('LTRIM', KEYS[6 + n], -histlen, -1)
    end
  end
  if a.pid ~= '' and (a.drop ~= '' or a.confirm ~= '') then
    local gone = {}
    for id in string.gmatch(a.drop, '%S+') do gone[id] = true end
    od_person_settle(KEYS[6], a.pid, a.confirm, gone)
  end
  local l = leases[n]
  if not l or string.sub(l, 1, #mine) ~= mine then
    out[n] = 'lost'
  else
    out[n] = 'ok'
    done[#done + 1] = a.id
    local raw = states[n]
    if raw and a.new ~= '' and raw == a.claimed then
      -- unchanged since the claim: the daemon's update (active, no re-plan)
      if a.next_due >= 0 then
        dueargs[#dueargs + 1] = a.next_due
        dueargs[#dueargs + 1] = a.id
      end
      sset[#sset + 1] = a.id
      sset[#sset + 1] = a.new
    elseif raw then
      local s = cjson.decode(raw)
      if a.next_step >= 0 then s.next = a.next_step end
      s.fb, s.tries, s.seq = a.fb, a.tries, a.seq
      if type(s.optout) ~= 'table' then s.optout = {} end
      if a.optout ~= '' then s.optout[a.optout] = true end
      if type(s.recent) ~= 'table' then s.recent = {} end
      local recent = {}
      for _, c in ipairs(s.recent) do
        if c[1] > now - 8 * 86400000 then recent[#recent + 1] = c end
      end
      -- a person's contacts are in their own list (begin.lua)
      if a.contact ~= '' and a.pid == '' then recent[#recent + 1] = {now, a.contact} end
      s.recent = recent
      if s.status == 'active' then
        if s.replan then
          dueargs[#dueargs + 1] = now
          dueargs[#dueargs + 1] = a.id
        elseif a.next_due >= 0 then
          dueargs[#dueargs + 1] = a.next_due
          dueargs[#dueargs + 1] = a.id
        end
      end
      s.replan = nil
      sset[#sset + 1] = a.id
      sset[#sset + 1] = cjson.encode(s)
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
