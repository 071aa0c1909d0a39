-- load: reads accounts' states for the daemon to apply a change to
-- (od_store.c: an event, a reply's opt-out).
-- KEYS[1] state (hash)  KEYS[2] inflight (zset)
-- ARGV: account ids
-- Returns {states, versions, inflight}: per id its state ('' when none), its
-- version (lib.lua's od_ver) and '1' when an action of it is in flight,
-- else '0'.  The write that follows (event.lua) carries the version and the
-- in-flight flag read here and happens only while both are unchanged.
local states = redis.call('HMGET', KEYS[1], unpack(ARGV))
local vers, fly = {}, {}
for i, id in ipairs(ARGV) do
  states[i] = states[i] or ''
  vers[i] = od_ver(states[i])
  fly[i] = redis.call('ZSCORE', KEYS[2], id) and '1' or '0'
end
return {states, vers, fly}
