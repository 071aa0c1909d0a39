-- lib: prepended to every other script (see od_queue.c).
-- od_field_names is od_record_field_names in od_record.c (tests/test_record.c checks).
-- The attempt stream's fields, in a fixed order, from a record table.
local od_field_names = {'ts', 'account_id', 'action_id', 'attempt_id', 'policy', 'step',
                        'stage', 'channel', 'gateway', 'status', 'provider_id', 'reason', 'code',
                        'encoding', 'segments', 'timezone', 'agreement_id'}
local function od_fields(r)
  local f, n = {}, 0
  for i = 1, #od_field_names do
    local k = od_field_names[i]
    local v = r[k]
    if v ~= nil and v ~= '' then f[n + 1] = k; f[n + 2] = tostring(v); n = n + 2 end
  end
  return f
end
-- A person's contacts (od_person.h), "[?]<ms> <kind> <attempt id>;" each:
-- the attempt confirm ('' for none) loses its '?' (pending), the attempts in
-- drop (a set) go.  Rewritten in place; removed when nothing is left.
local function od_person_settle(key, pid, confirm, drop)
  local cur, keep = redis.call('HGET', key, pid) or '', {}
  for e in string.gmatch(cur, '[^;]+') do
    local at = string.match(e, '^%S+ %S+ (%S+)$')
    if at == confirm and string.sub(e, 1, 1) == '?' then e = string.sub(e, 2) end
    if not (at and drop[at]) then keep[#keep + 1] = e .. ';' end
  end
  if #keep > 0 then
    redis.call('HSET', key, pid, table.concat(keep))
  else
    redis.call('HDEL', key, pid)
  end
end
-- A stored state's version (od_state.h, od_state_commit): the number its
-- JSON begins with, {"v":N,...}, found without decoding it.  A state written
-- without one (by an older outreachd, or by hand) is its own version: the
-- whole value.  '' when there is no state.  Every write of a state carries
-- the version it was computed from and happens only while that is still the
-- stored one (compare-and-set); the state's logic is the daemon's (od_state.c).
local function od_ver(raw)
  if not raw or raw == '' then return '' end
  return string.match(raw, '^{"v":(%d+)[,}]') or raw
end
-- The records of one account (od_record.c) from ARGV[i]: their number R,
-- then per record its JSON, F and its F stream fields.  Each goes to the
-- attempts stream and the account's history (hist, capped to histlen).
-- Returns the index after them.
local function od_records(i, attempts, hist, maxlen, histlen)
  local n, jsons = tonumber(ARGV[i]), {}
  i = i + 1
  for r = 1, n do
    local f = tonumber(ARGV[i + 1])
    redis.call('XADD', attempts, 'MAXLEN', '~', maxlen, '*', unpack(ARGV, i + 2, i + 1 + f))
    jsons[r] = ARGV[i]
    i = i + 2 + f
  end
  if n > 0 and redis.call('RPUSH', hist, unpack(jsons)) > tonumber(histlen) then
    redis.call('LTRIM', hist, -tonumber(histlen), -1)
  end
  return i
end
-- The agreement documents of one account (od_state_life.c) from ARGV[i]:
-- their number D, then per document its JSON, F and its F stream fields.
-- Each goes to the account's list (agr, never trimmed: what was agreed is
-- kept) and to the agreements stream for upstream systems, with the
-- document as its field 'doc'.
local function od_docs(i, stream, agr)
  local n, jsons = tonumber(ARGV[i]), {}
  i = i + 1
  for d = 1, n do
    local f = tonumber(ARGV[i + 1])
    local fields = {unpack(ARGV, i + 2, i + 1 + f)}
    fields[#fields + 1] = 'doc'
    fields[#fields + 1] = ARGV[i]
    redis.call('XADD', stream, '*', unpack(fields))
    jsons[d] = ARGV[i]
    i = i + 2 + f
  end
  if n > 0 then redis.call('RPUSH', agr, unpack(jsons)) end
  return i
end
