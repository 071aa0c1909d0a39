-- load: reads accounts' states for the daemon to apply a change to
-- (od_store.c: an event, a reply's opt-out), with the accounts themselves
-- (the debtor's zone, currency and policy the change is checked against).
-- KEYS[1] state (hash)  KEYS[2] inflight (zset)  KEYS[3] accounts (hash)
-- ARGV: account ids
-- Returns {states, versions, inflight, accounts}: per id its state ('' when
-- none), its version (lib.lua's od_ver), '1' when an action of it is in
-- flight, else '0', and its account JSON ('' when none).  The write that
-- follows (event.lua) carries the version and the in-flight flag read here
-- and happens only while both are unchanged.
local states = redis.call('HMGET', KEYS[1], unpack(ARGV))
local accts = redis.call('HMGET', KEYS[3], unpack(ARGV))
local vers, fly = {}, {}
for i, id in ipairs(ARGV) do
  states[i] = states[i] or ''
  accts[i] = accts[i] or ''
  vers[i] = od_ver(states[i])
  fly[i] = redis.call('ZSCORE', KEYS[2], id) and '1' or '0'
end
return {states, vers, fly, accts}
